// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Removal stress: worker threads keep many contexts busy (object create
 * and destroy, facet commands, ring mappings, post/poll, CQ waits, event
 * reads) while the device is removed and added again 100 times, every
 * tenth time through a fatal device error.  Every call must succeed or fail
 * with an errno that the removal explains; nothing may hang (the suite's
 * timeout bounds the run), and the object and pinned-page counters return
 * to their starting values.
 *
 * The soak (tests/run-soak.sh) is the same test at campaign scale, set by
 * the environment:
 *   STRESS_CYCLES    removals (default 100)
 *   STRESS_THREADS   worker threads (default 4)
 *   STRESS_EDU_EVERY N > 5: cycles 5, N+5, 2N+5, ... that are not a
 *                    tenth remove edu through PCI removal and a rescan
 *                    instead, and a quarter of the threads (at least one,
 *                    at most all but one) load edu: factorials, PDs; edu
 *                    must be there (default 0: soft only)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <uaccel/factorial.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV		"stress0"
#define MAX_THREADS	64
#define NCTX		3	/* contexts each worker keeps open */
#define BUF_LEN		(64 << 10)

static atomic_int stop, failures;
static atomic_long calls, enodev, removals_seen, sigbus_seen, factorials;

/* edu's name, for its workers; changes only while edu is away. */
static pthread_mutex_t edu_lock = PTHREAD_MUTEX_INITIALIZER;
static char edu_name[64], edu_pci[64];

/* Workers must not use cmocka's asserts (they jump); they count failures. */
#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: %s failed (errno %d)\n",	\
			__FILE__, __LINE__, #cond, errno);		\
		failures++;						\
	}								\
} while (0)

/* Read a ring word; SIGBUS (the ring was zapped) is counted, not fatal. */
static void touch(volatile uint32_t *p)
{
	if (vm_touch(p) == SIGBUS)
		sigbus_seen++;
}

/* A call's result: 0, or one of the errnos allowed besides ENODEV. */
static int check(int ret, int allowed1, int allowed2)
{
	calls++;
	if (ret == -ENODEV) {
		enodev++;
		return ret;
	}
	if (ret && ret != -allowed1 && ret != -allowed2) {
		fprintf(stderr, "# unexpected error %d (%s)\n", ret, strerror(-ret));
		failures++;
	}
	return ret;
}

struct ctx {
	int fd, ffd;
	uint32_t pd, mr, cq, q;
	void *cq_ring, *q_ring;
	size_t cq_size, q_size;
};

static void ctx_close(struct ctx *c)
{
	if (c->cq_ring)
		munmap(c->cq_ring, c->cq_size);
	if (c->q_ring)
		munmap(c->q_ring, c->q_size);
	if (c->ffd >= 0)
		EXPECT(close(c->ffd) == 0);
	if (c->fd >= 0)
		EXPECT(close(c->fd) == 0);
	memset(c, 0, sizeof(*c));
	c->fd = c->ffd = -1;
}

/* The removal events of a context: flushes, then DEVICE_REMOVED, then ENODEV. */
static void drain_events(struct ctx *c)
{
	struct uaccel_event ev;
	ssize_t n;

	while ((n = read(c->fd, &ev, sizeof(ev))) == sizeof(ev)) {
		if (ev.type == UACCEL_EVENT_QUEUE_FLUSHED)
			continue;
		EXPECT(ev.type == UACCEL_EVENT_DEVICE_REMOVED);
		removals_seen++;
	}
	EXPECT(n == -1 && errno == ENODEV);
}

/* Open a context with objects; false when the device is not there. */
static bool ctx_open(struct ctx *c, void *buf)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_reg_mr mr = {
		.size = sizeof(mr), .flags = UACCEL_MR_ACCESS_WRITE,
		.addr = (uintptr_t)buf, .length = BUF_LEN,
	};
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 64 };
	struct uaccel_create_queue q = { .size = sizeof(q), .entries = 64 };
	struct uaccel_get_driver_ops_fd g = {
		.size = sizeof(g), .min_version = 1, .max_version = 2,
		.name = UACCEL_SOFT_DMA_FACET,
	};
	struct accel_context *actx;

	memset(c, 0, sizeof(*c));
	c->fd = c->ffd = -1;
	/* Through libaccel: listing and opening race with the removal. */
	actx = accel_open_device_by_name(DEV);
	if (!actx) {
		EXPECT(errno == ENODEV || errno == ENOENT);
		return false;
	}
	c->fd = dup(accel_context_fd(actx));
	accel_close_device(actx);
	EXPECT(c->fd >= 0);
	if (c->fd < 0)
		return false;

	if (check(vm_ioctl(c->fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0, 0))
		return true;
	c->pd = pd.out_pd_id;
	mr.pd_id = c->pd;
	if (check(vm_ioctl(c->fd, UACCEL_IOCTL_REG_MR, &mr), 0, 0))
		return true;
	c->mr = mr.out_mr_id;
	if (check(vm_ioctl(c->fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0, 0))
		return true;
	c->cq = cq.out_cq_id;
	c->cq_size = cq.out_mmap_size;
	c->cq_ring = mmap(NULL, c->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  c->fd, cq.out_mmap_offset);
	if (c->cq_ring == MAP_FAILED) {
		c->cq_ring = NULL;
		check(-errno, 0, 0);
		return true;
	}
	q.pd_id = c->pd;
	q.cq_id = c->cq;
	if (check(vm_ioctl(c->fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0, 0))
		return true;
	c->q = q.out_queue_id;
	c->q_size = q.out_mmap_size;
	c->q_ring = mmap(NULL, c->q_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 c->fd, q.out_mmap_offset);
	if (c->q_ring == MAP_FAILED) {
		c->q_ring = NULL;
		check(-errno, 0, 0);
		return true;
	}
	if (!check(vm_ioctl(c->fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g), 0, 0))
		c->ffd = g.out_fd;
	return true;
}

/* One round of work on a context; -ENODEV once its device is gone. */
static int ctx_work(struct ctx *c, unsigned int seed)
{
	struct uaccel_wr wrs[16];
	struct uaccel_post post = {
		.size = sizeof(post), .queue_id = c->q, .count = 16,
		.wrs = (uintptr_t)wrs,
	};
	struct uaccel_cqe cqe[64];
	struct uaccel_poll_cq pc = {
		.size = sizeof(pc), .cq_id = c->cq, .count = 64,
		.cqes = (uintptr_t)cqe,
	};
	struct uaccel_wait_cq wc = { .size = sizeof(wc), .cq_id = c->cq, .timeout_ms = 5 };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int ret;

	if (c->cq_ring)
		touch(c->cq_ring);
	if (c->q_ring)
		touch(c->q_ring);
	for (int i = 0; i < 16; i++)
		wrs[i] = (struct uaccel_wr){
			.opcode = i % 2 ? UACCEL_WR_COPY : UACCEL_WR_NOP,
			.src_mr = c->mr, .dst_mr = c->mr, .dst_offset = BUF_LEN / 2,
			.length = 4096, .user_data = seed + i,
		};
	if (c->q && check(vm_ioctl(c->fd, UACCEL_IOCTL_POST, &post), EAGAIN, 0) == -ENODEV)
		return -ENODEV;
	if (c->cq) {
		ret = check(vm_ioctl(c->fd, UACCEL_IOCTL_WAIT_CQ, &wc), ETIMEDOUT, 0);
		if (ret == -ENODEV)
			return ret;
		if (check(vm_ioctl(c->fd, UACCEL_IOCTL_POLL_CQ, &pc), 0, 0) == -ENODEV)
			return -ENODEV;
	}
	if (c->ffd >= 0 &&
	    check(vm_ioctl(c->ffd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0, 0) == -ENODEV)
		return -ENODEV;
	/* Short-lived objects next to the long-lived ones. */
	if (check(vm_ioctl(c->fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0, 0) == -ENODEV)
		return -ENODEV;
	d.id = pd.out_pd_id;
	if (check(vm_ioctl(c->fd, UACCEL_IOCTL_DESTROY, &d), 0, 0) == -ENODEV)
		return -ENODEV;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
		return -ENODEV;
	return 0;
}

static void *worker(void *arg)
{
	struct ctx c[NCTX];
	unsigned int seed = (uintptr_t)arg * 1000;
	void *buf;

	buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	EXPECT(buf != MAP_FAILED);
	if (buf == MAP_FAILED)
		return NULL;
	for (int i = 0; i < NCTX; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].fd = c[i].ffd = -1;
	}
	while (!stop) {
		for (int i = 0; i < NCTX; i++) {
			if (c[i].fd < 0 && !ctx_open(&c[i], buf)) {
				usleep(1000);
				continue;
			}
			if (ctx_work(&c[i], seed += 16) == -ENODEV) {
				drain_events(&c[i]);
				ctx_close(&c[i]);
			} else if (seed % 7 == 0) {
				/* Some contexts end while the device lives. */
				ctx_close(&c[i]);
			}
		}
	}
	for (int i = 0; i < NCTX; i++)
		if (c[i].fd >= 0)
			ctx_close(&c[i]);
	munmap(buf, BUF_LEN);
	return NULL;
}

static uint32_t ref_factorial(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

/* An edu context: factorials through the facet, PDs made and destroyed. */
static void *edu_worker(void *arg)
{
	unsigned int seed = (uintptr_t)arg * 1000;

	while (!stop) {
		struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
		struct uaccel_destroy d = { .size = sizeof(d) };
		struct accel_context *actx;
		char name[64];
		int fd, ffd;

		pthread_mutex_lock(&edu_lock);
		snprintf(name, sizeof(name), "%s", edu_name);
		pthread_mutex_unlock(&edu_lock);
		actx = accel_open_device_by_name(name);
		if (!actx) {
			EXPECT(errno == ENODEV || errno == ENOENT);
			usleep(10000);
			continue;
		}
		fd = dup(accel_context_fd(actx));
		accel_close_device(actx);
		EXPECT(fd >= 0);
		if (fd < 0)
			continue;
		ffd = vm_get_facet(fd, UACCEL_FACTORIAL_FACET, 1, 1, 0, NULL);
		if (ffd < 0)
			check(ffd, 0, 0);
		while (!stop && ffd >= 0) {
			struct uaccel_factorial_compute c = {
				.size = sizeof(c), .value = seed++ % 13,
			};

			if (check(vm_ioctl(ffd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c), 0, 0))
				break;
			EXPECT(c.out_result == ref_factorial(c.value));
			factorials++;
			if (check(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0, 0))
				break;
			d.id = pd.out_pd_id;
			if (check(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), 0, 0))
				break;
			if (seed % 29 == 0)
				break;	/* some contexts end while edu lives */
		}
		if (ffd >= 0)
			EXPECT(close(ffd) == 0);
		EXPECT(close(fd) == 0);
	}
	return NULL;
}

/* Remove edu through PCI removal, rescan, and wait for it to be back. */
static void edu_cycle(void)
{
	char path[256], name[64], pci[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", edu_pci);
	assert_int_equal(vm_sysfs_write(path, "1"), 0);
	usleep(random() % 10000);
	assert_int_equal(vm_sysfs_write("/sys/bus/pci/rescan", "1"), 0);
	assert_true(vm_wait_edu(name, pci, 30));
	pthread_mutex_lock(&edu_lock);
	memcpy(edu_name, name, sizeof(edu_name));
	memcpy(edu_pci, pci, sizeof(edu_pci));
	pthread_mutex_unlock(&edu_lock);
}

/* A whole decimal number in [@min, @max] from the environment, or @def. */
static long env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max)
		fail_msg("%s=\"%s\": not a number from %ld to %ld", name, v, min, max);
	return n;
}

/* Fail the device through the debug facet and wait for its recovery. */
static void fatal_cycle(void)
{
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	struct uaccel_get_driver_ops_fd g = {
		.size = sizeof(g), .min_version = 1, .max_version = 1,
		.name = UACCEL_SOFT_DEBUG_FACET,
	};
	struct uaccel_event ev;
	int fd = vm_open_device(DEV);

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g), 0);
	assert_int_equal(vm_ioctl(g.out_fd, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);
	assert_int_equal(read(fd, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.type, UACCEL_EVENT_DEVICE_REMOVED);
	assert_int_equal(ev.flags, UACCEL_EVENT_FATAL);
	close(g.out_fd);
	close(fd);
	assert_int_equal(vm_wait_device(DEV, VM_DEVICE_WAIT_S), 0);
}

static void test_remove_readd_under_load(void **state)
{
	long cycles = env_long("STRESS_CYCLES", 100, 1, 1000000);
	long nthreads = env_long("STRESS_THREADS", 4, 1, MAX_THREADS);
	long edu_every = env_long("STRESS_EDU_EVERY", 0, 0, 1000000);
	long nedu = 0, fatal = 0, pci = 0, deleted = 0;
	pthread_t t[MAX_THREADS];
	struct vm_stats base;
	double t0 = vm_now();

	if (edu_every) {
		if (edu_every <= 5 || nthreads < 2)
			fail_msg("STRESS_EDU_EVERY takes more than 5, with 2 threads or more");
		if (!vm_find_edu(edu_name, edu_pci))
			fail_msg("STRESS_EDU_EVERY=%ld: no edu device", edu_every);
		nedu = nthreads / 4 ? nthreads / 4 : 1;
	}
	vm_catch_sigbus();
	vm_read_stats(&base);
	vm_soft_add(DEV);
	srandom(4242);
	for (long i = 0; i < nthreads; i++)
		assert_int_equal(pthread_create(&t[i], NULL, i < nthreads - nedu ? worker : edu_worker,
						(void *)i), 0);

	for (long cycle = 1; cycle <= cycles; cycle++) {
		usleep(20000 + random() % 30000);
		if (cycle % 10 == 0) {
			fatal_cycle();
			fatal++;
		} else if (edu_every && cycle % edu_every == 5) {
			edu_cycle();
			pci++;
		} else {
			vm_soft_del(DEV);
			usleep(random() % 10000);
			vm_soft_add(DEV);
			deleted++;
		}
		if (cycle % 100 == 0)
			print_message("# cycle %ld of %ld at %.0f s: %ld calls, %ld removals seen\n",
				      cycle, cycles, vm_now() - t0, (long)calls,
				      (long)removals_seen);
	}
	usleep(50000);
	stop = 1;
	for (long i = 0; i < nthreads; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	vm_soft_del(DEV);

	print_message("# %ld removals (%ld sysfs delete, %ld fatal error, %ld edu PCI removal) in %.0f s under %ld threads (%ld on edu); %ld calls, %ld ENODEV, %ld removals seen by contexts, %ld SIGBUS on zapped rings, %ld factorials\n",
		      cycles, deleted, fatal, pci, vm_now() - t0, nthreads, nedu,
		      (long)calls, (long)enodev, (long)removals_seen, (long)sigbus_seen,
		      (long)factorials);
	assert_int_equal(failures, 0);
	assert_true(removals_seen > 0);
	if (nedu) {
		assert_true(factorials > 0);
		if (cycles >= 5)
			assert_true(pci > 0);
	}
	vm_assert_stats_equal(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_readd_under_load),
	};

	return vm_run_tests("vm_stress", tests, NULL, NULL);
}
