// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Small-operation rate against batch size.  One iteration submits a batch
 * of B operations and reaps its B completions:
 *  - io_uring: B IORING_OP_NOP, io_uring_submit_and_wait();
 *  - io_uring SQPOLL: the same with a submission thread, completions reaped
 *    by spinning on the CQ ring (no system call while the thread is awake);
 *  - soft: B 64-byte COPY work requests through libaccel with the soft
 *    provider (mapped ring, one DOORBELL per batch, completions read from
 *    the mapped CQ ring: --spin polls, then a sleep in WAIT_CQ); the
 *    device executes a batch this small inside the DOORBELL call;
 *  - soft-worker: the same with the soft device's inline execution off
 *    (its parameter inline_requests at 0 while this path runs): every
 *    batch goes to a kernel worker and back;
 *  - soft generic: the same through the generic path (POST, WAIT_CQ and
 *    POLL_CQ system calls);
 *  - soft polling: a polled queue (ACCEL_QUEUE_POLL: the device's kernel
 *    thread consumes the ring, so posting makes no system call) with
 *    completions reaped by spinning on the mapped CQ ring, like SQPOLL;
 *  - uring-cmd: B IORING_OP_URING_CMD of the soft device's facet NOP
 *    (UACCEL_SOFT_IOCTL_DMA_NOP on a "dma.soft.uaccel" facet fd, io_uring
 *    passthrough, the facet fd a registered file), io_uring_submit_and_wait(),
 *    every res checked to be 0;
 *  - uring-cmd-inline: the same with the NOP carried in 128-byte SQEs
 *    (UACCEL_URING_CMD_INLINE, accel_prep_cmd_inline(), no reply address):
 *    no memory of the caller read per command;
 *  - bare-ioctl: B NOP ioctls of a plain char device (uaccel_bench.ko,
 *    the floor group's baseline), one system call each;
 *  - bare-uring-cmd: B IORING_OP_URING_CMD of that char device's NOP (its
 *    .uring_cmd copies the command as its ioctl does; a registered file
 *    too): the floor of a passthrough command, what io_uring's URING_CMD
 *    costs without uaccel.
 * The main thread is pinned to CPU 0; the SQPOLL thread to CPU 1.
 */
#include <accel/accel.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uaccel/soft.h>
#include <uaccel/uaccel.h>

#include "bench.h"
#include "kmod/uaccel_bench.h"

#ifdef HAVE_LIBURING
#include <accel/uring.h>
#include <liburing.h>
#endif

#define MAX_BATCH 64
#define COPY_LEN 64

enum path {
	P_URING,
	P_URING_SQPOLL,
	P_SOFT,
	P_SOFT_WORKER,
	P_SOFT_GENERIC,
	P_SOFT_POLLING,
	P_URING_CMD,
	P_URING_CMD_INLINE,
	P_BARE_IOCTL,
	P_BARE_URING_CMD,
	NR_PATHS,
};

static const char *const path_names[NR_PATHS] = {
	[P_URING] = "io_uring",
	[P_URING_SQPOLL] = "io_uring-sqpoll",
	[P_SOFT] = "soft",
	[P_SOFT_WORKER] = "soft-worker",
	[P_SOFT_GENERIC] = "soft-generic",
	[P_SOFT_POLLING] = "soft-polling",
	[P_URING_CMD] = "uring-cmd",
	[P_URING_CMD_INLINE] = "uring-cmd-inline",
	[P_BARE_IOCTL] = "bare-ioctl",
	[P_BARE_URING_CMD] = "bare-uring-cmd",
};

struct soft_q {
	struct accel_context *ctx;
	struct accel_pd *pd;
	struct accel_cq *cq;
	struct accel_queue *q;
	struct accel_mr *src, *dst;
	void *buf;
	int spin;	/* CQ polls before sleeping in WAIT_CQ; -1: never sleep */
};

#define INLINE_REQUESTS "/sys/module/uaccel_soft/parameters/inline_requests"

struct path_state {
	bool ok;
	char inline_requests[16];	/* the parameter's value to restore */
	char why[160];
	int batch;
#ifdef HAVE_LIBURING
	struct io_uring ring;
#endif
	struct soft_q sq;
	struct accel_context *ctx;	/* uring-cmd: the facet's context */
	int fd;				/* uring-cmd: facet; bare-*: cdev */
	bool bare;			/* bare-uring-cmd */
	bool inl;			/* uring-cmd-inline */
};

#ifdef HAVE_LIBURING
static int uring_batch(void *arg, long n)
{
	struct path_state *p = arg;
	struct io_uring_cqe *cqe;
	int i, ret;

	while (n--) {
		for (i = 0; i < p->batch; i++)
			io_uring_prep_nop(io_uring_get_sqe(&p->ring));
		ret = io_uring_submit_and_wait(&p->ring, p->batch);
		if (ret < 0)
			return ret;
		for (i = 0; i < p->batch; i++) {
			ret = io_uring_peek_cqe(&p->ring, &cqe);
			if (ret)
				return ret;
			if (cqe->res < 0)
				return cqe->res;
			io_uring_cqe_seen(&p->ring, cqe);
		}
	}
	return 0;
}

static int sqpoll_batch(void *arg, long n)
{
	struct path_state *p = arg;
	struct io_uring_cqe *cqe;
	unsigned int head, k;
	int i, got, ret;

	while (n--) {
		for (i = 0; i < p->batch; i++)
			io_uring_prep_nop(io_uring_get_sqe(&p->ring));
		ret = io_uring_submit(&p->ring);
		if (ret < 0)
			return ret;
		for (got = 0; got < p->batch;) {
			k = 0;
			io_uring_for_each_cqe(&p->ring, head, cqe) {
				if (cqe->res < 0)
					return cqe->res;
				k++;
			}
			io_uring_cq_advance(&p->ring, k);
			got += k;
		}
	}
	return 0;
}

/*
 * The ring of the passthrough paths, with p->fd registered as its fixed
 * file 0: a registered file, as passthrough users at high rates have
 * (fio's io_uring engine, t/io_uring), saves io_uring a file lookup and
 * reference per request, on both passthrough paths alike.
 */
static int uring_cmd_ring(struct path_state *p)
{
	int ret = io_uring_queue_init(2 * MAX_BATCH, &p->ring,
				      p->inl ? IORING_SETUP_SQE128 : 0);

	if (ret) {
		snprintf(p->why, sizeof(p->why), "io_uring setup: %s", strerror(-ret));
		return ret;
	}
	ret = io_uring_register_files(&p->ring, &p->fd, 1);
	if (ret) {
		snprintf(p->why, sizeof(p->why), "io_uring file registration: %s",
			 strerror(-ret));
		io_uring_queue_exit(&p->ring);
	}
	return ret;
}

/*
 * B NOPs through IORING_OP_URING_CMD, one submission: the soft facet's
 * (uring-cmd) or the bench module's (bare-uring-cmd), whose structures and
 * command areas have the same layout.
 */
static int uring_cmd_batch(void *arg, long n)
{
	struct path_state *p = arg;
	struct uaccel_soft_dma_nop nop[MAX_BATCH];
	unsigned int op = p->bare ? UACCEL_BENCH_IOCTL_NOP : UACCEL_SOFT_IOCTL_DMA_NOP;
	struct uaccel_uring_cmd *area;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int i, ret;

	memset(nop, 0, sizeof(nop));
	for (i = 0; i < p->batch; i++)
		nop[i].size = sizeof(nop[i]);
	while (n--) {
		for (i = 0; i < p->batch; i++) {
			sqe = io_uring_get_sqe(&p->ring);
			if (p->inl) {
				/* No reply: the NOP is all in the SQE. */
				accel_prep_cmd_inline(sqe, 0, op, &nop[0], NULL);
				sqe->flags |= IOSQE_FIXED_FILE;
				continue;
			}
			io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
			sqe->flags |= IOSQE_FIXED_FILE;
			sqe->cmd_op = op;
			area = (struct uaccel_uring_cmd *)sqe->cmd;
			area->addr = (uintptr_t)&nop[i];
			area->flags = 0;
			area->__reserved = 0;
		}
		ret = io_uring_submit_and_wait(&p->ring, p->batch);
		if (ret < 0)
			return ret;
		for (i = 0; i < p->batch; i++) {
			ret = io_uring_peek_cqe(&p->ring, &cqe);
			if (ret)
				return ret;
			ret = cqe->res;
			io_uring_cqe_seen(&p->ring, cqe);
			if (ret)
				return ret < 0 ? ret : -EPROTO;
		}
	}
	return 0;
}
#endif

/* B NOP ioctls of the plain char device. */
static int bare_ioctl_batch(void *arg, long n)
{
	struct path_state *p = arg;
	struct uaccel_bench_nop nop = { .size = sizeof(nop) };
	int i;

	while (n--)
		for (i = 0; i < p->batch; i++)
			if (ioctl(p->fd, UACCEL_BENCH_IOCTL_NOP, &nop))
				return -errno;
	return 0;
}

static int soft_batch(void *arg, long n)
{
	struct path_state *p = arg;
	struct soft_q *s = &p->sq;
	struct accel_wr wr[MAX_BATCH];
	struct accel_wc wc[MAX_BATCH];
	int i, posted, got, k, spins;

	memset(wr, 0, sizeof(wr));
	for (i = 0; i < p->batch; i++) {
		wr[i].opcode = ACCEL_WR_COPY;
		wr[i].src_mr = accel_mr_id(s->src);
		wr[i].dst_mr = accel_mr_id(s->dst);
		wr[i].src_offset = i * COPY_LEN;
		wr[i].dst_offset = i * COPY_LEN;
		wr[i].length = COPY_LEN;
		wr[i].user_data = i;
	}
	while (n--) {
		for (posted = 0; posted < p->batch; posted += k) {
			k = accel_post(s->q, wr + posted, p->batch - posted);
			if (k < 0)
				return k;
		}
		for (got = 0, spins = 0; got < p->batch;) {
			k = accel_poll_cq(s->cq, wc, p->batch - got);
			if (k < 0)
				return k;
			for (i = 0; i < k; i++)
				if (wc[i].status)
					return -wc[i].status;
			got += k;
			if (k || got == p->batch)
				continue;
			if (s->spin < 0 || ++spins < s->spin)
				continue;
			k = accel_wait_cq(s->cq, 1000);
			if (k && k != -ETIMEDOUT)
				return k;
		}
	}
	return 0;
}

static int write_param(const char *value)
{
	FILE *f = fopen(INLINE_REQUESTS, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(value, f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* soft_batch() with the device's inline execution off for its duration. */
static int soft_worker_batch(void *arg, long n)
{
	struct path_state *p = arg;
	int ret, ret2;

	ret = write_param("0");
	if (ret)
		return ret;
	ret = soft_batch(arg, n);
	ret2 = write_param(p->inline_requests);
	return ret ? ret : ret2;
}

static void soft_close(struct soft_q *s)
{
	if (s->q)
		accel_destroy_queue(s->q);
	if (s->cq)
		accel_destroy_cq(s->cq);
	if (s->src)
		accel_dereg_mr(s->src);
	if (s->dst)
		accel_dereg_mr(s->dst);
	if (s->pd)
		accel_dealloc_pd(s->pd);
	if (s->ctx)
		accel_close_device(s->ctx);
	if (s->buf)
		munmap(s->buf, 2 * MAX_BATCH * COPY_LEN);
	memset(s, 0, sizeof(*s));
}

/*
 * A context, two MRs and a queue on its CQ.  @generic opens the context
 * without the provider.  @polling asks for a polling queue.
 */
static int soft_open(struct soft_q *s, bool generic, bool polling, char *why,
		     size_t whylen)
{
	size_t len = MAX_BATCH * COPY_LEN;

	if (generic)
		setenv("ACCEL_PROVIDERS", "none", 1);
	s->ctx = accel_open_device_by_name(cfg.soft_name);
	if (generic)
		unsetenv("ACCEL_PROVIDERS");
	if (!s->ctx)
		goto fail;
	if (!generic && !accel_context_provider(s->ctx)) {
		snprintf(why, whylen, "no soft provider loaded (ACCEL_PROVIDER_PATH)");
		soft_close(s);
		return -ENOENT;
	}
	/* The generic path polls by system call: it sleeps at once. */
	s->spin = generic ? 0 : polling ? -1 : cfg.spin_polls;
	s->buf = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED) {
		s->buf = NULL;
		goto fail;
	}
	memset(s->buf, 0x3c, 2 * len);
	s->pd = accel_alloc_pd(s->ctx);
	if (!s->pd)
		goto fail;
	s->src = accel_reg_mr(s->pd, s->buf, len, 0);
	if (!s->src)
		goto fail;
	s->dst = accel_reg_mr(s->pd, (char *)s->buf + len, len, ACCEL_ACCESS_WRITE);
	if (!s->dst)
		goto fail;
	s->cq = accel_create_cq(s->ctx, 4 * MAX_BATCH, -1);
	if (!s->cq)
		goto fail;
	if (polling) {
#ifdef ACCEL_QUEUE_POLL
		struct accel_queue_attr attr = {
			.entries = 2 * MAX_BATCH,
			.flags = ACCEL_QUEUE_POLL,
			.poll_idle_ms = 100,
		};

		s->q = accel_create_queue_ex(s->pd, s->cq, &attr, sizeof(attr));
		if (!s->q && errno == EOPNOTSUPP) {
			snprintf(why, whylen,
				 "not available: the device refuses ACCEL_QUEUE_POLL");
			soft_close(s);
			return -EOPNOTSUPP;
		}
#else
		snprintf(why, whylen,
			 "not available: this libaccel has no polling queues (ACCEL_QUEUE_POLL)");
		soft_close(s);
		return -EOPNOTSUPP;
#endif
	} else {
		s->q = accel_create_queue(s->pd, s->cq, 2 * MAX_BATCH);
	}
	if (!s->q)
		goto fail;
	return 0;

fail:
	snprintf(why, whylen, "soft setup failed: %s", strerror(errno));
	soft_close(s);
	return -errno;
}

#ifdef HAVE_LIBURING
/* A soft context, a DMA facet of it and a ring for its URING_CMDs. */
static int uring_cmd_open(struct path_state *p)
{
	static const struct accel_facet_req dma_req[] = {
		{ UACCEL_SOFT_DMA_FACET, 1, 2 },
	};
	int ret;

	p->ctx = accel_open_device_by_name(cfg.soft_name);
	if (!p->ctx) {
		ret = -errno;
		snprintf(p->why, sizeof(p->why), "cannot open %s: %s",
			 cfg.soft_name, strerror(errno));
		return ret;
	}
	p->fd = accel_get_facet(p->ctx, dma_req, 1, ACCEL_FACET_CLOEXEC, NULL, NULL);
	if (p->fd < 0) {
		ret = p->fd;
		snprintf(p->why, sizeof(p->why), "GET_DRIVER_OPS_FD: %s", strerror(-ret));
		goto close_ctx;
	}
	ret = uring_cmd_ring(p);
	if (ret)
		goto close_fd;
	return 0;

close_fd:
	close(p->fd);
close_ctx:
	accel_close_device(p->ctx);
	p->ctx = NULL;
	p->fd = -1;
	return ret;
}
#endif

static int path_open(enum path path, struct path_state *p)
{
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	switch (path) {
	case P_URING:
	case P_URING_SQPOLL:
#ifdef HAVE_LIBURING
	{
		struct io_uring_params params = { 0 };

		if (path == P_URING_SQPOLL) {
			params.flags = IORING_SETUP_SQPOLL;
			params.sq_thread_idle = 100;
			if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
				params.flags |= IORING_SETUP_SQ_AFF;
				params.sq_thread_cpu = 1;
			}
		}
		ret = io_uring_queue_init_params(2 * MAX_BATCH, &p->ring, &params);
		if (ret)
			snprintf(p->why, sizeof(p->why), "io_uring setup: %s",
				 strerror(-ret));
		break;
	}
#else
		snprintf(p->why, sizeof(p->why), "built without liburing-dev");
		ret = -EOPNOTSUPP;
		break;
#endif
	case P_SOFT:
		ret = soft_open(&p->sq, false, false, p->why, sizeof(p->why));
		break;
	case P_SOFT_WORKER: {
		FILE *f = fopen(INLINE_REQUESTS, "r");

		if (!f || !fgets(p->inline_requests, sizeof(p->inline_requests), f)) {
			snprintf(p->why, sizeof(p->why),
				 "not available: no %s", INLINE_REQUESTS);
			ret = -ENOENT;
		} else {
			p->inline_requests[strcspn(p->inline_requests, "\n")] = '\0';
			ret = soft_open(&p->sq, false, false, p->why, sizeof(p->why));
		}
		if (f)
			fclose(f);
		break;
	}
	case P_SOFT_GENERIC:
		ret = soft_open(&p->sq, true, false, p->why, sizeof(p->why));
		break;
	case P_SOFT_POLLING:
		ret = soft_open(&p->sq, false, true, p->why, sizeof(p->why));
		break;
	case P_URING_CMD:
	case P_URING_CMD_INLINE:
#ifdef HAVE_LIBURING
		p->inl = path == P_URING_CMD_INLINE;
		ret = uring_cmd_open(p);
#else
		snprintf(p->why, sizeof(p->why), "built without liburing-dev");
		ret = -EOPNOTSUPP;
#endif
		break;
	case P_BARE_IOCTL:
	case P_BARE_URING_CMD:
		p->fd = open(UACCEL_BENCH_NODE, O_RDWR | O_CLOEXEC);
		if (p->fd < 0) {
			ret = -errno;
			snprintf(p->why, sizeof(p->why),
				 "no " UACCEL_BENCH_NODE " (uaccel_bench.ko)");
			break;
		}
		if (path == P_BARE_IOCTL)
			break;
#ifdef HAVE_LIBURING
		p->bare = true;
		ret = uring_cmd_ring(p);
#else
		snprintf(p->why, sizeof(p->why), "built without liburing-dev");
		ret = -EOPNOTSUPP;
#endif
		if (ret) {
			close(p->fd);
			p->fd = -1;
		}
		break;
	default:
		ret = -EINVAL;
	}
	p->ok = !ret;
	return ret;
}

static void path_close(enum path path, struct path_state *p)
{
	if (!p->ok)
		return;
#ifdef HAVE_LIBURING
	if (path == P_URING || path == P_URING_SQPOLL || path == P_URING_CMD ||
	    path == P_URING_CMD_INLINE || path == P_BARE_URING_CMD)
		io_uring_queue_exit(&p->ring);
#endif
	if (path >= P_SOFT && path <= P_SOFT_POLLING)
		soft_close(&p->sq);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->ctx)
		accel_close_device(p->ctx);
	p->ctx = NULL;
	p->ok = false;
}

static bench_fn path_fn(enum path path)
{
	switch (path) {
#ifdef HAVE_LIBURING
	case P_URING:
		return uring_batch;
	case P_URING_SQPOLL:
		return sqpoll_batch;
	case P_URING_CMD:
	case P_URING_CMD_INLINE:
	case P_BARE_URING_CMD:
		return uring_cmd_batch;
#endif
	case P_BARE_IOCTL:
		return bare_ioctl_batch;
	case P_SOFT:
	case P_SOFT_GENERIC:
	case P_SOFT_POLLING:
		return soft_batch;
	case P_SOFT_WORKER:
		return soft_worker_batch;
	default:
		return NULL;
	}
}

/* PATH,BATCH of --rate-only: 0, or -1 when it names no path or batch. */
static int parse_rate_only(const char *arg, int *path, int *batch)
{
	const char *comma = strchr(arg, ',');
	char *end;
	long b;
	int i;

	if (!comma)
		return -1;
	for (i = 0; i < NR_PATHS; i++)
		if (strlen(path_names[i]) == (size_t)(comma - arg) &&
		    !strncmp(path_names[i], arg, comma - arg))
			break;
	errno = 0;
	b = strtol(comma + 1, &end, 10);
	if (i == NR_PATHS || errno || end == comma + 1 || *end || b < 1 || b > MAX_BATCH)
		return -1;
	*path = i;
	*batch = (int)b;
	return 0;
}

int bench_rates_check_only(const char *arg)
{
	int path, batch;

	return parse_rate_only(arg, &path, &batch);
}

int bench_rates(void)
{
	static const int full_batches[] = { 1, 2, 4, 8, 16, 32, 64 };
	static const int smoke_batches[] = { 1, 8, 32 };
	const int *batches = cfg.smoke ? smoke_batches : full_batches;
	int nb = cfg.smoke ? 3 : 7;
	int only = NR_PATHS, only_batch = 0;
	struct path_state *st = calloc(NR_PATHS, sizeof(*st));
	double *samples = calloc((size_t)NR_PATHS * cfg.repeats, sizeof(double));
	long iters[NR_PATHS];
	cpu_set_t old, one;
	int b, r, i, k;

	BENCH_CHECK(st && samples, "out of memory");
	BENCH_CHECK(!cfg.rate_only || !parse_rate_only(cfg.rate_only, &only, &only_batch),
		    "--rate-only: '%s' is not PATH,BATCH", cfg.rate_only);
	if (cfg.rate_only) {
		batches = &only_batch;
		nb = 1;
	}
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);

	for (i = 0; i < NR_PATHS; i++) {
		if (only < NR_PATHS && i != only)
			continue;
		path_open(i, &st[i]);
		if (!st[i].ok)
			bench_skip(path_names[i], "rates", path_names[i], st[i].why);
	}
	for (b = 0; b < nb; b++) {
		for (i = 0; i < NR_PATHS; i++) {
			if (!st[i].ok)
				continue;
			st[i].batch = batches[b];
			iters[i] = bench_calibrate(path_fn(i), &st[i]);
			if (iters[i] < 0) {
				snprintf(st[i].why, sizeof(st[i].why), "failed: %s",
					 strerror((int)-iters[i]));
				bench_skip(path_names[i], "rates", path_names[i], st[i].why);
				path_close(i, &st[i]);
			}
		}
		for (r = 0; r < cfg.repeats; r++) {
			/* Rotate the order of the paths from one repeat to the next. */
			for (k = 0; k < NR_PATHS; k++) {
				double t;

				i = (k + r) % NR_PATHS;
				if (!st[i].ok)
					continue;
				t = bench_time(path_fn(i), &st[i], iters[i]);
				if (t < 0) {
					snprintf(st[i].why, sizeof(st[i].why), "failed: %s",
						 strerror((int)-t));
					bench_skip(path_names[i], "rates", path_names[i],
						   st[i].why);
					path_close(i, &st[i]);
					continue;
				}
				samples[i * cfg.repeats + r] = 1e9 * batches[b] / t;
			}
		}
		for (i = 0; i < NR_PATHS; i++) {
			if (!st[i].ok)
				continue;
			jl_begin("rate");
			jl_str("path", path_names[i]);
			jl_num("batch", batches[b]);
			jl_str("unit", "ops/s");
			jl_array("samples", samples + i * cfg.repeats, cfg.repeats);
			jl_end();
			fprintf(stderr, "uaccel-bench: rate %-16s batch %2d: %.4g ops/s\n",
				path_names[i], batches[b],
				samples[i * cfg.repeats + cfg.repeats / 2]);
		}
	}
	for (i = 0; i < NR_PATHS; i++)
		path_close(i, &st[i]);
	sched_setaffinity(0, sizeof(old), &old);
	free(samples);
	free(st);
	return 0;
}
