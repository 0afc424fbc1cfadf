// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Control operations: libaccel on a soft device against rdma-core
 * (libibverbs) on rxe.  Each iteration creates and destroys one object, as
 * an application setting up and tearing down does.
 *
 * MR registration through io_uring passthrough: 32 REG_MR commands
 * (IORING_OP_URING_CMD on the context fd) in one submission, then their 32
 * DESTROY commands in another, timed per MR, against the same two
 * commands as raw ioctls (one REG_MR and one DESTROY system call per MR)
 * and against ibv_reg_mr()/ibv_dereg_mr() on rxe.  All three register the
 * same 4 KiB page as the mr_4k row (a batch pins it 32 times).
 *
 * dma-buf MRs: REG_DMABUF_MR + DESTROY of a 1 MiB dma-buf (the soft
 * device's ALLOC_DM, exported once) against REG_MR + DESTROY of 1 MiB of
 * the same pre-faulted user memory as mr_1m, both as raw ioctls with write
 * access on one PD of the same context.
 */
#include <accel/accel.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <uaccel/uaccel.h>
#include <unistd.h>

#include "bench.h"

#ifdef HAVE_IBVERBS
#include <infiniband/verbs.h>
#endif
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

/* MRs per io_uring submission of the batched MR rows. */
#define MR_BATCH 32
#define MR_PAGE 4096
/* The dma-buf MR row's registrations. */
#define MR_DMABUF_LEN (1 << 20)

struct ctl {
	struct accel_context *ctx;
	struct accel_pd *pd;
#ifdef HAVE_IBVERBS
	struct ibv_context *ictx;
	struct ibv_pd *ipd;
#endif
	void *buf;
	size_t len;
	/* The batched MR rows: a PD allocated by raw ioctl, its id. */
	int fd;
	uint32_t pd_id;
#ifdef HAVE_LIBURING
	struct io_uring ring;
#endif
};

#ifdef HAVE_LIBURING
static void mr_cmd(struct ctl *c, struct uaccel_reg_mr *reg)
{
	memset(reg, 0, sizeof(*reg));
	reg->size = sizeof(*reg);
	reg->flags = UACCEL_MR_ACCESS_WRITE;
	reg->pd_id = c->pd_id;
	reg->addr = (uintptr_t)c->buf;
	reg->length = MR_PAGE;
}

/* One 4 KiB MR registered and destroyed by raw ioctls, per iteration. */
static int ioctl_mr(void *arg, long n)
{
	struct ctl *c = arg;
	struct uaccel_reg_mr reg;
	struct uaccel_destroy d = { .size = sizeof(d) };
	while (n--) {
		mr_cmd(c, &reg);
		if (ioctl(c->fd, UACCEL_IOCTL_REG_MR, &reg))
			return -errno;
		d.id = reg.out_mr_id;
		if (ioctl(c->fd, UACCEL_IOCTL_DESTROY, &d))
			return -errno;
	}
	return 0;
}

static void prep_cmd(struct ctl *c, unsigned int req, void *arg)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
	struct uaccel_uring_cmd *area;

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, c->fd, NULL, 0, 0);
	sqe->cmd_op = req;
	area = (struct uaccel_uring_cmd *)sqe->cmd;
	area->addr = (uintptr_t)arg;
	area->__reserved = 0;
	io_uring_sqe_set_data64(sqe, (uintptr_t)arg);
}

/*
 * Submit @nr commands prepared in the ring and reap their completions:
 * 0 if every res was 0, else the first failure.  @ok, if not NULL, is set
 * for each command of @cmds (whose user data is its address) that succeeded.
 */
static int submit_reap(struct ctl *c, int nr, const void *cmds, size_t stride,
		       bool *ok)
{
	struct io_uring_cqe *cqe;
	int i, sub, ret, err = 0;

	sub = io_uring_submit_and_wait(&c->ring, nr);
	if (sub < 0)
		return sub;
	if (sub != nr)
		err = -EIO;
	for (i = 0; i < sub; i++) {
		ret = io_uring_wait_cqe(&c->ring, &cqe);
		if (ret)
			return ret;
		if (cqe->res && !err)
			err = cqe->res < 0 ? cqe->res : -EPROTO;
		if (!cqe->res && ok)
			ok[(cqe->user_data - (uintptr_t)cmds) / stride] = true;
		io_uring_cqe_seen(&c->ring, cqe);
	}
	return err;
}

/*
 * MRs registered in batches of MR_BATCH REG_MR commands in one submission,
 * then destroyed by as many DESTROY commands in another; an iteration is
 * one MR (the last batch is short when @n is not a multiple).
 */
static int uring_mr(void *arg, long n)
{
	struct ctl *c = arg;
	struct uaccel_reg_mr reg[MR_BATCH];
	struct uaccel_destroy d[MR_BATCH];
	bool ok[MR_BATCH];
	int i, nr, nd, ret, ret2;
	long k = 0;

	while (k < n) {
		nr = n - k < MR_BATCH ? (int)(n - k) : MR_BATCH;
		memset(ok, 0, sizeof(ok));
		for (i = 0; i < nr; i++) {
			mr_cmd(c, &reg[i]);
			prep_cmd(c, UACCEL_IOCTL_REG_MR, &reg[i]);
		}
		ret = submit_reap(c, nr, reg, sizeof(reg[0]), ok);
		/* Destroy what was registered, even after a failure. */
		for (i = 0, nd = 0; i < nr; i++) {
			if (!ok[i])
				continue;
			memset(&d[nd], 0, sizeof(d[nd]));
			d[nd].size = sizeof(d[nd]);
			d[nd].id = reg[i].out_mr_id;
			prep_cmd(c, UACCEL_IOCTL_DESTROY, &d[nd]);
			nd++;
		}
		ret2 = nd ? submit_reap(c, nd, d, sizeof(d[0]), NULL) : 0;
		if (ret || ret2)
			return ret ? ret : ret2;
		k += nr;
	}
	return 0;
}
#endif

/* The dma-buf MR row: its context fd, PD and dma-buf, and the user memory. */
struct dmabuf_mr {
	int fd, dmabuf;
	uint32_t pd_id;
	void *buf;
};

/* One 1 MiB dma-buf MR registered and destroyed per iteration. */
static int dmabuf_mr(void *arg, long n)
{
	struct dmabuf_mr *m = arg;
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct uaccel_reg_dmabuf_mr reg = {
		.size = sizeof(reg), .flags = UACCEL_MR_ACCESS_WRITE, .pd_id = m->pd_id,
		.length = MR_DMABUF_LEN, .fd = m->dmabuf,
	};

	while (n--) {
		if (ioctl(m->fd, UACCEL_IOCTL_REG_DMABUF_MR, &reg))
			return -errno;
		d.id = reg.out_mr_id;
		if (ioctl(m->fd, UACCEL_IOCTL_DESTROY, &d))
			return -errno;
	}
	return 0;
}

/* The same with 1 MiB of user memory (REG_MR). */
static int user_mr(void *arg, long n)
{
	struct dmabuf_mr *m = arg;
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct uaccel_reg_mr reg = {
		.size = sizeof(reg), .flags = UACCEL_MR_ACCESS_WRITE, .pd_id = m->pd_id,
		.addr = (uintptr_t)m->buf, .length = MR_DMABUF_LEN,
	};

	while (n--) {
		if (ioctl(m->fd, UACCEL_IOCTL_REG_MR, &reg))
			return -errno;
		d.id = reg.out_mr_id;
		if (ioctl(m->fd, UACCEL_IOCTL_DESTROY, &d))
			return -errno;
	}
	return 0;
}

static const char mr_dmabuf_label[] = "MR reg+dereg 1 MiB: dma-buf vs user memory";

/* The dma-buf MR row, on @c's context and 64 MiB buffer. */
static void bench_mr_dmabuf(struct ctl *c)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_alloc_dm dm = { .size = sizeof(dm), .length = MR_DMABUF_LEN };
	struct uaccel_export_dm exp = { .size = sizeof(exp), .flags = UACCEL_DMABUF_CLOEXEC };
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct dmabuf_mr m = { .fd = accel_context_fd(c->ctx), .dmabuf = -1, .buf = c->buf };
	char why[128];

	if (ioctl(m.fd, UACCEL_IOCTL_ALLOC_PD, &pd)) {
		snprintf(why, sizeof(why), "ALLOC_PD: %s", strerror(errno));
		goto skip;
	}
	m.pd_id = pd.out_pd_id;
	if (ioctl(m.fd, UACCEL_IOCTL_ALLOC_DM, &dm)) {
		snprintf(why, sizeof(why), "ALLOC_DM of 1 MiB on %s: %s", cfg.soft_name,
			 strerror(errno));
		goto free_pd;
	}
	exp.dm_id = dm.out_dm_id;
	if (ioctl(m.fd, UACCEL_IOCTL_EXPORT_DM, &exp)) {
		snprintf(why, sizeof(why), "EXPORT_DM: %s", strerror(errno));
		goto free_dm;
	}
	m.dmabuf = exp.out_fd;
	bench_pair("mr_dmabuf_1m", "control", mr_dmabuf_label, "dma-buf", dmabuf_mr, &m,
		   "user memory", user_mr, &m, "ns", 0);
	close(m.dmabuf);
	d.id = dm.out_dm_id;
	ioctl(m.fd, UACCEL_IOCTL_DESTROY, &d);
	d.id = m.pd_id;
	ioctl(m.fd, UACCEL_IOCTL_DESTROY, &d);
	return;

free_dm:
	d.id = dm.out_dm_id;
	ioctl(m.fd, UACCEL_IOCTL_DESTROY, &d);
free_pd:
	d.id = m.pd_id;
	ioctl(m.fd, UACCEL_IOCTL_DESTROY, &d);
skip:
	bench_skip("mr_dmabuf_1m", "control", mr_dmabuf_label, why);
}

#ifdef HAVE_IBVERBS
static int ua_open(void *arg, long n)
{
	while (n--) {
		struct accel_device **list = accel_get_device_list(NULL);
		struct accel_device **p;
		struct accel_context *ctx = NULL;

		if (!list)
			return -errno;
		for (p = list; *p; p++)
			if (!strcmp(accel_device_name(*p), cfg.soft_name))
				ctx = accel_open_device(*p);
		accel_free_device_list(list);
		if (!ctx)
			return -ENODEV;
		accel_close_device(ctx);
	}
	return 0;
}

static int ua_pd(void *arg, long n)
{
	struct ctl *c = arg;

	while (n--) {
		struct accel_pd *pd = accel_alloc_pd(c->ctx);

		if (!pd)
			return -errno;
		if (accel_dealloc_pd(pd))
			return -EIO;
	}
	return 0;
}

static int ua_mr(void *arg, long n)
{
	struct ctl *c = arg;

	while (n--) {
		struct accel_mr *mr = accel_reg_mr(c->pd, c->buf, c->len,
						   ACCEL_ACCESS_WRITE);

		if (!mr)
			return -errno;
		if (accel_dereg_mr(mr))
			return -EIO;
	}
	return 0;
}

static int ua_cq(void *arg, long n)
{
	struct ctl *c = arg;

	while (n--) {
		struct accel_cq *cq = accel_create_cq(c->ctx, 256, -1);

		if (!cq)
			return -errno;
		if (accel_destroy_cq(cq))
			return -EIO;
	}
	return 0;
}

static int ib_open(void *arg, long n)
{
	while (n--) {
		struct ibv_device **list = ibv_get_device_list(NULL);
		struct ibv_device **p;
		struct ibv_context *ctx = NULL;

		if (!list)
			return -errno;
		for (p = list; *p; p++)
			if (!strcmp(ibv_get_device_name(*p), cfg.rxe_name))
				ctx = ibv_open_device(*p);
		ibv_free_device_list(list);
		if (!ctx)
			return -ENODEV;
		ibv_close_device(ctx);
	}
	return 0;
}

static int ib_pd(void *arg, long n)
{
	struct ctl *c = arg;

	while (n--) {
		struct ibv_pd *pd = ibv_alloc_pd(c->ictx);

		if (!pd)
			return -errno;
		if (ibv_dealloc_pd(pd))
			return -EIO;
	}
	return 0;
}

static int ib_mr(void *arg, long n)
{
	struct ctl *c = arg;

	while (n--) {
		struct ibv_mr *mr = ibv_reg_mr(c->ipd, c->buf, c->len,
					       IBV_ACCESS_LOCAL_WRITE);

		if (!mr)
			return -errno;
		if (ibv_dereg_mr(mr))
			return -EIO;
	}
	return 0;
}

static int ib_cq(void *arg, long n)
{
	struct ctl *c = arg;

	while (n--) {
		struct ibv_cq *cq = ibv_create_cq(c->ictx, 256, NULL, NULL, 0);

		if (!cq)
			return -errno;
		if (ibv_destroy_cq(cq))
			return -EIO;
	}
	return 0;
}

static struct ibv_context *ib_open_named(void)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	struct ibv_device **p;

	if (!list)
		return NULL;
	for (p = list; *p; p++)
		if (!strcmp(ibv_get_device_name(*p), cfg.rxe_name))
			ctx = ibv_open_device(*p);
	ibv_free_device_list(list);
	return ctx;
}
#endif

static const struct {
	const char *id;
	const char *label;
	size_t len;
} mr_rows[] = {
	{ "mr_4k", "MR reg+dereg 4 KiB", 4096 },
	{ "mr_1m", "MR reg+dereg 1 MiB", 1 << 20 },
	{ "mr_64m", "MR reg+dereg 64 MiB", 64 << 20 },
};

static const char mr_uring_label[] = "MR reg+dereg 4 KiB: io_uring x32 vs ioctl";
static const char mr_uring_rxe_label[] = "MR reg+dereg 4 KiB: io_uring x32 vs rxe";

/*
 * The batched MR rows; @have_ib: rxe is open (c->ipd).  Without liburing
 * or without a ring both are skipped, without rxe the second.
 */
static void bench_mr_uring(struct ctl *c, bool have_ib, const char *no_ib)
{
#ifdef HAVE_LIBURING
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_destroy d = { .size = sizeof(d) };
	char why[128];
	int ret;

	c->fd = accel_context_fd(c->ctx);
	if (ioctl(c->fd, UACCEL_IOCTL_ALLOC_PD, &pd)) {
		snprintf(why, sizeof(why), "ALLOC_PD: %s", strerror(errno));
		goto skip;
	}
	c->pd_id = pd.out_pd_id;
	ret = io_uring_queue_init(2 * MR_BATCH, &c->ring, 0);
	if (ret) {
		snprintf(why, sizeof(why), "io_uring setup: %s", strerror(-ret));
		goto free_pd;
	}
	c->len = MR_PAGE;
	bench_pair("mr_4k_uring", "control", mr_uring_label, "io_uring x32", uring_mr,
		   c, "ioctl", ioctl_mr, c, "ns", 0);
#ifdef HAVE_IBVERBS
	if (have_ib)
		bench_pair("mr_4k_uring_rxe", "control", mr_uring_rxe_label,
			   "io_uring x32", uring_mr, c, "rdma-core rxe", ib_mr, c,
			   "ns", 0);
#endif
	if (!have_ib)
		bench_skip("mr_4k_uring_rxe", "control", mr_uring_rxe_label, no_ib);
	io_uring_queue_exit(&c->ring);
	d.id = c->pd_id;
	ioctl(c->fd, UACCEL_IOCTL_DESTROY, &d);
	return;

free_pd:
	d.id = c->pd_id;
	ioctl(c->fd, UACCEL_IOCTL_DESTROY, &d);
skip:
	bench_skip("mr_4k_uring", "control", mr_uring_label, why);
	bench_skip("mr_4k_uring_rxe", "control", mr_uring_rxe_label, why);
#else
	(void)c;
	(void)have_ib;
	(void)no_ib;
	bench_skip("mr_4k_uring", "control", mr_uring_label, "built without liburing-dev");
	bench_skip("mr_4k_uring_rxe", "control", mr_uring_rxe_label,
		   "built without liburing-dev");
#endif
}

int bench_control(void)
{
	static const char *const rows[][2] = {
		{ "open", "device list + open + context (+ close)" },
		{ "pd", "PD alloc+free" },
		{ "cq", "CQ create+destroy (256 entries)" },
	};
	const char *no_ib = "built without libibverbs-dev";
	struct ctl c = { 0 };
	bool have_ib = false;
	unsigned int i;

	c.ctx = accel_open_device_by_name(cfg.soft_name);
	BENCH_CHECK(c.ctx, "cannot open %s: %s", cfg.soft_name, strerror(errno));
	c.pd = accel_alloc_pd(c.ctx);
	BENCH_CHECK(c.pd, "ALLOC_PD: %s", strerror(errno));
	c.len = 64 << 20;
	c.buf = mmap(NULL, c.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	BENCH_CHECK(c.buf != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(c.buf, 0x5a, c.len);

#ifdef HAVE_IBVERBS
	c.ictx = ib_open_named();
	if (c.ictx)
		c.ipd = ibv_alloc_pd(c.ictx);
	have_ib = c.ipd;
	no_ib = "no rxe device (rdma_rxe, rdma link add)";
#endif
	if (!have_ib) {
		for (i = 0; i < 3; i++)
			bench_skip(rows[i][0], "control", rows[i][1], no_ib);
		for (i = 0; i < 3; i++)
			bench_skip(mr_rows[i].id, "control", mr_rows[i].label, no_ib);
		goto uring;
	}

#ifdef HAVE_IBVERBS
	const char *base = "rdma-core rxe";

	bench_pair("open", "control", rows[0][1], "uaccel", ua_open, &c, base,
		   ib_open, &c, "ns", 0);
	bench_pair("pd", "control", rows[1][1], "uaccel", ua_pd, &c, base,
		   ib_pd, &c, "ns", 0);
	for (i = 0; i < 3; i++) {
		c.len = mr_rows[i].len;
		bench_pair(mr_rows[i].id, "control", mr_rows[i].label, "uaccel",
			   ua_mr, &c, base, ib_mr, &c, "ns", 0);
	}
	bench_pair("cq", "control", rows[2][1], "uaccel", ua_cq, &c, base,
		   ib_cq, &c, "ns", 0);
#endif
uring:
	bench_mr_uring(&c, have_ib, no_ib);
	bench_mr_dmabuf(&c);
#ifdef HAVE_IBVERBS
	if (c.ipd)
		ibv_dealloc_pd(c.ipd);
	if (c.ictx)
		ibv_close_device(c.ictx);
#endif
	munmap(c.buf, 64 << 20);
	accel_dealloc_pd(c.pd);
	accel_close_device(c.ctx);
	return 0;
}
