// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Hostile and careless use of two features: dma-buf import and export
 * (REG_DMABUF_MR, ALLOC_DM, EXPORT_DM) and WAIT_CQ parked through
 * io_uring (timeout_ms 1..60000).  Each test states what must happen;
 * the kernel log of the run must stay free of BUG/WARNING/KASAN/lockdep
 * reports.
 *
 * Parked waits: exec() and SIGKILL of a submitter with a parked wait,
 * the timer racing completions and removal, many parked waits with
 * everything closed under them, SQPOLL and DEFER_TASKRUN rings, a ring
 * passed to another process, a submitting thread that exits, a context
 * whose last reference a parked wait holds.
 *
 * dma-buf: mmap rules of a DM (MAP_PRIVATE, offsets, mremap, fork,
 * MADV_DONTNEED), ALLOC/DESTROY churn against the counters and
 * RLIMIT_MEMLOCK, a DM fd passed to another process, REG_DMABUF_MR racing
 * a close of its fd, import across two soft devices removed in either
 * order, REG_MR over a DM mapping, range edges, uaccel_core held by a
 * buffer after uaccel_soft went, allocation failures of a foreign
 * exporter's vmap (fault-injection kernels).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV "attack0"
#define DEV_A "attack-a0"
#define DEV_B "attack-b0"
#define GONE "attack-gone0"
#define PAGE 4096UL
#define NOBODY 65534

#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

static struct vm_stats base;

/* ---- helpers ---- */

/* Wait up to @secs for the counters to be back to the group's base. */
static void settle_stats_for(double secs)
{
	struct vm_stats now;
	double end = vm_now() + secs;

	do {
		vm_read_stats(&now);
		if (!memcmp(&now, &base, sizeof(now)))
			return;
		usleep(100000);
	} while (vm_now() < end);
	vm_assert_stats_equal(&base);
}

static void settle_stats(void)
{
	settle_stats_for(10);
}

static int alloc_dm(int fd, uint64_t len, uint32_t *dm)
{
	struct uaccel_alloc_dm c = { .size = sizeof(c), .length = len };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_ALLOC_DM, &c);

	if (dm)
		*dm = ret ? 0 : c.out_dm_id;
	return ret;
}

static int export_dm(int fd, uint32_t dm)
{
	struct uaccel_export_dm c = { .size = sizeof(c), .flags = UACCEL_DMABUF_CLOEXEC,
				      .dm_id = dm, .out_fd = -1 };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_EXPORT_DM, &c);

	return ret ? ret : c.out_fd;
}

static int new_dm(int fd, uint64_t len, uint32_t *dm)
{
	int dmabuf;

	assert_int_equal(alloc_dm(fd, len, dm), 0);
	dmabuf = export_dm(fd, *dm);
	assert_true(dmabuf >= 0);
	return dmabuf;
}

static int reg_dmabuf(int fd, uint32_t pd, int dmabuf, uint64_t off, uint64_t len,
		      uint32_t flags, uint32_t *mr)
{
	struct uaccel_reg_dmabuf_mr c = {
		.size = sizeof(c), .flags = flags, .pd_id = pd, .offset = off,
		.length = len, .fd = dmabuf,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_REG_DMABUF_MR, &c);

	if (mr)
		*mr = ret ? 0 : c.out_mr_id;
	return ret;
}

static int soft_copy(int facet, uint32_t src, uint64_t soff, uint32_t dst, uint64_t doff,
		     uint64_t len)
{
	struct uaccel_soft_dma_copy c = {
		.size = sizeof(c), .src_mr = src, .dst_mr = dst, .src_offset = soff,
		.dst_offset = doff, .length = len,
	};

	return vm_ioctl(facet, UACCEL_SOFT_IOCTL_DMA_COPY, &c);
}

static unsigned char *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static unsigned char *map_dmabuf(int dmabuf, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* ---- parked waits ---- */

struct waiter {
	int fd;
	uint32_t pd, cq, q, src, dst;
	struct uaccel_create_cq cqo;
	struct uaccel_create_queue qo;
	struct uaccel_wait_cq wait;
};

static char wsrc[4096] __attribute__((aligned(4096)));
static char wdst[4096] __attribute__((aligned(4096)));

static void waiter_setup(struct waiter *w, int fd, uint32_t timeout_ms)
{
	w->fd = fd;
	assert_int_equal(vm_alloc_pd(fd, &w->pd), 0);
	assert_int_equal(vm_reg_mr(fd, w->pd, wsrc, sizeof(wsrc), 0, &w->src), 0);
	assert_int_equal(vm_reg_mr(fd, w->pd, wdst, sizeof(wdst), UACCEL_MR_ACCESS_WRITE,
				   &w->dst), 0);
	assert_int_equal(vm_create_cq(fd, 64, &w->cqo), 0);
	w->cq = w->cqo.out_cq_id;
	assert_int_equal(vm_create_queue(fd, w->pd, w->cq, 16, &w->qo), 0);
	w->q = w->qo.out_queue_id;
	w->wait = (struct uaccel_wait_cq){ .size = sizeof(w->wait), .cq_id = w->cq,
					   .timeout_ms = timeout_ms };
}

static int post_copy_ret(struct waiter *w)
{
	struct uaccel_wr wr = { .opcode = UACCEL_WR_COPY, .user_data = 77,
				.src_mr = w->src, .dst_mr = w->dst, .length = 64 };
	struct uaccel_post p = { .size = sizeof(p), .queue_id = w->q, .count = 1,
				 .wrs = (uintptr_t)&wr };

	if (ioctl(w->fd, UACCEL_IOCTL_POST, &p))
		return -errno;
	return p.out_posted == 1 ? 0 : -EIO;
}

static void post_copy(struct waiter *w)
{
	assert_int_equal(post_copy_ret(w), 0);
}

/* Take every completion of the CQ: how many. */
static int drain_cq(struct waiter *w)
{
	struct uaccel_cqe cqes[64];
	struct uaccel_poll_cq p = { .size = sizeof(p), .cq_id = w->cq, .count = 64,
				    .cqes = (uintptr_t)cqes };
	int total = 0;

	for (;;) {
		p.out_polled = 0;
		if (ioctl(w->fd, UACCEL_IOCTL_POLL_CQ, &p))
			return -errno;
		if (!p.out_polled)
			return total;
		total += p.out_polled;
	}
}

static struct io_uring_sqe *submit_wait_fd(struct io_uring *ring, int fd,
					   struct uaccel_wait_cq *wait, uint64_t tag, bool fixed)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	assert_non_null(sqe);
	vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_WAIT_CQ, wait);
	if (fixed)
		sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = tag;
	return sqe;
}

static void submit_wait(struct io_uring *ring, struct waiter *w, uint64_t tag)
{
	submit_wait_fd(ring, w->fd, &w->wait, tag, false);
	assert_true(io_uring_submit(ring) >= 1);
}

static int reap_any(struct io_uring *ring, uint64_t *tag)
{
	struct io_uring_cqe *cqe;
	int res;

	assert_int_equal(io_uring_wait_cqe(ring, &cqe), 0);
	res = cqe->res;
	if (tag)
		*tag = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static double ms_since(double t0)
{
	return (vm_now() - t0) * 1000;
}

/*
 * A process whose io_uring has a parked WAIT_CQ (limit 20 s) calls
 * execve(): io_uring cancels every request of the task at exec and waits
 * for them.  The wait must end at once (as at exit: -ECANCELED), not hold
 * the exec for its limit.
 */
static void test_exec_with_parked_wait(void **state)
{
	int fd = vm_open_device(DEV), status;
	struct waiter w;
	double t0, took;
	pid_t pid;

	waiter_setup(&w, fd, 20000);
	t0 = vm_now();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct io_uring ring;

		if (io_uring_queue_init(8, &ring, 0))
			_exit(2);
		submit_wait(&ring, &w, 1);
		usleep(100000);
		if (vm_iowq_workers())
			_exit(3);
		execl("/bin/true", "true", (char *)NULL);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	took = ms_since(t0);
	print_message("# exec with a parked 20 s WAIT_CQ: child done after %.0f ms\n", took);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The CQ is free again. */
	assert_int_equal(vm_destroy(fd, w.q), 0);
	assert_int_equal(vm_destroy(fd, w.cq), 0);
	close(fd);
	assert_true(took < 5000);
	settle_stats();
}

/*
 * The same exec, then SIGKILL to the process stuck in it: it must die
 * at once and not burn the CPU until the limit.
 */
static void test_sigkill_during_exec_with_parked_wait(void **state)
{
	int fd = vm_open_device(DEV), status;
	struct waiter w;
	struct rusage ru;
	double t0, took, cpu;
	pid_t pid;

	waiter_setup(&w, fd, 20000);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct io_uring ring;

		if (io_uring_queue_init(8, &ring, 0))
			_exit(2);
		submit_wait(&ring, &w, 1);
		usleep(100000);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(4);
	}
	usleep(1500000);
	t0 = vm_now();
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(wait4(pid, &status, 0, &ru), pid);
	took = ms_since(t0);
	cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	print_message("# SIGKILL during exec with a parked wait: dead after %.0f ms, "
		      "child CPU %.2f s\n", took, cpu);
	assert_true(WIFSIGNALED(status) || WIFEXITED(status));
	close(fd);
	assert_true(took < 3000);
	assert_true(cpu < 2.0);
	settle_stats_for(25);
}

/*
 * Timer against completion: waits of 1-3 ms parked while another thread
 * posts work on the CQ; each ends with 0 or -ETIMEDOUT, exactly once, and
 * the CQ's use counts are all given back (DESTROY succeeds after).
 */
struct poster {
	struct waiter *w;
	volatile bool stop;
	int posted, errors;
};

static void *poster_thread(void *arg)
{
	struct poster *p = arg;

	while (!p->stop) {
		if (post_copy_ret(p->w))
			p->errors++;
		else
			p->posted++;
		drain_cq(p->w);
		usleep(p->posted % 7 * 100);
	}
	return NULL;
}

static void test_park_timer_vs_completion(void **state)
{
	int fd = vm_open_device(DEV), n = (int)vm_scaled(1200), got = 0, zero = 0, tmo = 0;
	struct poster p = { 0 };
	struct io_uring ring;
	struct waiter w;
	pthread_t t;

	waiter_setup(&w, fd, 1);
	assert_int_equal(io_uring_queue_init(256, &ring, 0), 0);
	p.w = &w;
	assert_int_equal(pthread_create(&t, NULL, poster_thread, &p), 0);
	for (int i = 0; i < n; i++) {
		struct uaccel_wait_cq *wc = &w.wait;

		wc->timeout_ms = 1 + i % 3;
		submit_wait_fd(&ring, fd, wc, 1000 + i, false);
		assert_true(io_uring_submit(&ring) >= 1);
		if (i % 16 == 15) {
			while (got < i + 1 - 8) {
				int res = reap_any(&ring, NULL);

				if (res == 0)
					zero++;
				else if (res == -ETIMEDOUT)
					tmo++;
				else
					fail_msg("parked WAIT_CQ ended with %d", res);
				got++;
			}
		}
	}
	while (got < n) {
		int res = reap_any(&ring, NULL);

		if (res == 0)
			zero++;
		else if (res == -ETIMEDOUT)
			tmo++;
		else
			fail_msg("parked WAIT_CQ ended with %d", res);
		got++;
	}
	p.stop = true;
	pthread_join(t, NULL);
	print_message("# %d parked waits: %d completed, %d timed out; %d posts\n", n, zero,
		      tmo, p.posted);
	assert_int_equal(p.errors, 0);
	io_uring_queue_exit(&ring);
	drain_cq(&w);
	assert_int_equal(vm_destroy(fd, w.q), 0);
	assert_int_equal(vm_destroy(fd, w.cq), 0);
	close(fd);
	settle_stats();
}

/*
 * 512 waits parked on 4 CQs, then the context fd and the ring are closed
 * at once: everything is given back by the limits (1.5 s), with nobody
 * left to post the results.
 */
static void test_many_parked_then_close_all(void **state)
{
	int fd = vm_open_device(DEV), n = 512;
	struct io_uring ring;
	struct waiter w[4];

	for (int i = 0; i < 4; i++)
		waiter_setup(&w[i], fd, 1500);
	assert_int_equal(io_uring_queue_init(1024, &ring, 0), 0);
	for (int i = 0; i < n; i++)
		submit_wait_fd(&ring, fd, &w[i % 4].wait, i, false);
	assert_int_equal(io_uring_submit(&ring), n);
	usleep(200000);
	assert_int_equal(vm_iowq_workers(), 0);
	/* A CQ with parked waits is in use. */
	assert_int_equal(vm_destroy(fd, w[0].cq), -EBUSY);
	close(fd);
	io_uring_queue_exit(&ring);
	settle_stats_for(15);
}

/*
 * The same with the ring kept: the context fd closed, the waits end at
 * their limit, and the context goes with the last result.
 */
static void test_parked_hold_closed_context(void **state)
{
	int fd = vm_open_device(DEV), n = 64, tmo = 0;
	struct io_uring ring;
	struct waiter w;
	struct vm_stats st;

	waiter_setup(&w, fd, 800);
	assert_int_equal(io_uring_queue_init(128, &ring, 0), 0);
	for (int i = 0; i < n; i++)
		submit_wait_fd(&ring, fd, &w.wait, i, false);
	assert_int_equal(io_uring_submit(&ring), n);
	close(fd);
	vm_read_stats(&st);
	assert_int_equal(st.contexts, base.contexts + 1);
	for (int i = 0; i < n; i++)
		if (reap_any(&ring, NULL) == -ETIMEDOUT)
			tmo++;
	assert_int_equal(tmo, n);
	settle_stats();
	io_uring_queue_exit(&ring);
}

/*
 * Removal against the timers: waits with limits around the moment the
 * device goes; each ends once, with -ETIMEDOUT or -ENODEV.
 */
static void test_park_removal_vs_timer(void **state)
{
	int rounds = (int)vm_scaled(8);

	for (int r = 0; r < rounds; r++) {
		int fd, n = 48, nodev = 0, tmo = 0;
		struct io_uring ring;
		struct waiter w[3];

		vm_soft_fresh(GONE);
		fd = vm_open_device(GONE);
		for (int i = 0; i < 3; i++)
			waiter_setup(&w[i], fd, 1);
		assert_int_equal(io_uring_queue_init(64, &ring, 0), 0);
		for (int i = 0; i < n; i++) {
			w[i % 3].wait.timeout_ms = 50 + (i * 37 + r * 11) % 300;
			submit_wait_fd(&ring, fd, &w[i % 3].wait, i, false);
			assert_int_equal(io_uring_submit(&ring), 1);
		}
		usleep(100000 + r * 20000);
		vm_soft_del(GONE);
		for (int i = 0; i < n; i++) {
			int res = reap_any(&ring, NULL);

			if (res == -ENODEV)
				nodev++;
			else if (res == -ETIMEDOUT)
				tmo++;
			else
				fail_msg("parked wait ended with %d", res);
		}
		print_message("# round %d: %d timed out, %d removed\n", r, tmo, nodev);
		io_uring_queue_exit(&ring);
		close(fd);
	}
	settle_stats();
}

/* An SQPOLL ring: the SQ thread is the submitter of the parked waits. */
static void test_parked_sqpoll(void **state)
{
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;
	double t0;

	waiter_setup(&w, fd, 5000);
	assert_int_equal(io_uring_queue_init(16, &ring, IORING_SETUP_SQPOLL), 0);
	submit_wait(&ring, &w, 1);
	usleep(200000);
	post_copy(&w);
	assert_int_equal(reap_any(&ring, NULL), 0);
	drain_cq(&w);
	w.wait.timeout_ms = 200;
	submit_wait(&ring, &w, 2);
	assert_int_equal(reap_any(&ring, NULL), -ETIMEDOUT);
	/* The ring's exit with a parked wait: bounded by its limit. */
	w.wait.timeout_ms = 4000;
	submit_wait(&ring, &w, 3);
	usleep(200000);
	t0 = vm_now();
	io_uring_queue_exit(&ring);
	print_message("# SQPOLL ring exit with a parked 4 s wait: %.0f ms\n", ms_since(t0));
	/* The CQ is given back within the limit. */
	for (int i = 0; i < 100 && vm_destroy(fd, w.q) == -EBUSY; i++)
		usleep(100000);
	for (int i = 0; i < 100; i++) {
		int ret = vm_destroy(fd, w.cq);

		if (ret != -EBUSY) {
			assert_int_equal(ret, 0);
			break;
		}
		usleep(100000);
	}
	close(fd);
	settle_stats();
}

/*
 * DEFER_TASKRUN: results posted only when the submitter enters the ring;
 * a completion, a limit, with an eventfd registered on the ring; and a
 * child that exits with waits parked on such a ring.
 */
static void test_parked_defer_taskrun(void **state)
{
	int fd = vm_open_device(DEV), efd, status;
	struct io_uring ring;
	struct waiter w;
	uint64_t v;
	pid_t pid;
	int ret;

	waiter_setup(&w, fd, 3000);
	ret = io_uring_queue_init(16, &ring, IORING_SETUP_SINGLE_ISSUER |
					    IORING_SETUP_DEFER_TASKRUN);
	if (ret == -EINVAL) {
		close(fd);
		skip();
	}
	assert_int_equal(ret, 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(efd >= 0);
	assert_int_equal(io_uring_register_eventfd(&ring, efd), 0);
	submit_wait(&ring, &w, 1);
	usleep(100000);
	post_copy(&w);
	usleep(100000);
	assert_int_equal(reap_any(&ring, NULL), 0);
	drain_cq(&w);
	w.wait.timeout_ms = 100;
	for (int i = 0; i < 8; i++)
		submit_wait(&ring, &w, 10 + i);
	usleep(400000);
	for (int i = 0; i < 8; i++)
		assert_int_equal(reap_any(&ring, NULL), -ETIMEDOUT);
	(void)!read(efd, &v, sizeof(v));
	io_uring_queue_exit(&ring);
	close(efd);

	w.wait.timeout_ms = 30000;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct io_uring r2;

		if (io_uring_queue_init(16, &r2, IORING_SETUP_SINGLE_ISSUER |
					 IORING_SETUP_DEFER_TASKRUN))
			_exit(2);
		for (int i = 0; i < 4; i++)
			submit_wait(&r2, &w, 20 + i);
		usleep(100000);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (int i = 0; i < 100; i++) {
		ret = vm_destroy(fd, w.q);
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	assert_int_equal(ret, 0);
	for (int i = 0; i < 100; i++) {
		ret = vm_destroy(fd, w.cq);
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	assert_int_equal(ret, 0);
	close(fd);
	settle_stats();
}

/*
 * A ring shared by fork (io_uring fds cannot be sent over SCM_RIGHTS): the
 * child parks a wait on the parent's ring and exits; the wait ends with
 * -ECANCELED soon, seen by the parent on the ring, and the CQ is free.
 */
static void test_parked_ring_shared_by_fork(void **state)
{
	int fd = vm_open_device(DEV), status, ret = 0;
	struct io_uring ring;
	struct waiter w;
	uint64_t tag;
	double t0;
	pid_t pid;

	waiter_setup(&w, fd, 20000);
	assert_int_equal(io_uring_queue_init(8, &ring, 0), 0);
	assert_int_equal(io_uring_register_files(&ring, &fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		vm_child_check(sqe);
		vm_prep_uring_cmd(sqe, 0, UACCEL_IOCTL_WAIT_CQ, &w.wait);
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = 1;
		vm_child_check(io_uring_submit(&ring) == 1);
		usleep(100000);
		_exit(0);
	}
	t0 = vm_now();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child's wait ends with -ECANCELED, seen here. */
	assert_int_equal(reap_any(&ring, &tag), -ECANCELED);
	assert_int_equal(tag, 1);
	print_message("# the child's parked wait ended %.0f ms after its exit\n",
		      ms_since(t0));
	assert_true(ms_since(t0) < 5000);
	io_uring_queue_exit(&ring);
	assert_int_equal(vm_destroy(fd, w.q), 0);
	for (int i = 0; i < 100; i++) {
		ret = vm_destroy(fd, w.cq);
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	assert_int_equal(ret, 0);
	close(fd);
	settle_stats();
}

/* A thread that parks a wait on a shared ring, then exits. */
struct thread_park {
	struct io_uring *ring;
	struct waiter *w;
};

static void *park_and_exit(void *arg)
{
	struct thread_park *tp = arg;

	submit_wait(tp->ring, tp->w, 42);
	return NULL;
}

static void test_parked_thread_exit(void **state)
{
	int fd = vm_open_device(DEV);
	struct thread_park tp;
	struct io_uring ring;
	struct waiter w;
	pthread_t t;
	double t0;
	uint64_t tag;

	waiter_setup(&w, fd, 20000);
	assert_int_equal(io_uring_queue_init(8, &ring, 0), 0);
	tp = (struct thread_park){ .ring = &ring, .w = &w };
	t0 = vm_now();
	assert_int_equal(pthread_create(&t, NULL, park_and_exit, &tp), 0);
	pthread_join(t, NULL);
	assert_int_equal(reap_any(&ring, &tag), -ECANCELED);
	assert_int_equal(tag, 42);
	print_message("# the thread's parked wait ended %.0f ms after it started\n",
		      ms_since(t0));
	assert_true(ms_since(t0) < 5000);
	/* The ring and the CQ work on. */
	w.wait.timeout_ms = 3000;
	submit_wait(&ring, &w, 43);
	usleep(50000);
	post_copy(&w);
	assert_int_equal(reap_any(&ring, &tag), 0);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/*
 * The submitter is the only holder of the context: it opens the device,
 * parks waits, closes the fd and exits.  The last reference goes from
 * io_uring's fallback work (the task is gone): everything is freed.
 */
static void test_parked_last_reference_exit(void **state)
{
	int status;
	pid_t pid;

	for (int r = 0; r < 3; r++) {
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			struct io_uring ring;
			struct waiter w;
			int fd = vm_open_device(DEV);

			waiter_setup(&w, fd, 30000);
			vm_child_check(!io_uring_queue_init(8, &ring, 0));
			for (int i = 0; i < 4; i++)
				submit_wait(&ring, &w, i);
			close(fd);
			if (r == 1)
				io_uring_queue_exit(&ring);
			if (r == 2)
				kill(getpid(), SIGKILL);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
	}
	settle_stats_for(15);
}

/*
 * A parked wait with a linked timeout and an ASYNC_CANCEL: io_uring
 * cannot cancel it (documented); both say so, and the wait ends at its
 * own limit, once.
 */
static void test_parked_link_timeout_and_cancel(void **state)
{
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000000 };
	int fd = vm_open_device(DEV), res, seen = 0;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct waiter w;
	uint64_t tag;
	double t0;

	waiter_setup(&w, fd, 1000);
	assert_int_equal(io_uring_queue_init(16, &ring, 0), 0);
	t0 = vm_now();
	sqe = submit_wait_fd(&ring, fd, &w.wait, 1, false);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	sqe->user_data = 2;
	submit_wait_fd(&ring, fd, &w.wait, 3, false);
	assert_int_equal(io_uring_submit(&ring), 3);
	usleep(200000);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 3, 0);
	sqe->user_data = 4;
	assert_int_equal(io_uring_submit(&ring), 1);
	for (int i = 0; i < 4; i++) {
		res = reap_any(&ring, &tag);
		print_message("# tag %lu: %d after %.0f ms\n", (unsigned long)tag, res,
			      ms_since(t0));
		seen |= 1 << tag;
		if (tag == 1 || tag == 3)
			assert_int_equal(res, -ETIMEDOUT);
		else
			assert_true(res == -EALREADY || res == -ENOENT || res == -ETIME);
	}
	assert_int_equal(seen, 0x1e);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/* Many parked waits on one CQ, all ended by a single completion. */
static void test_park_flood_one_completion(void **state)
{
	int fd = vm_open_device(DEV), n = (int)vm_scaled(2048), zero = 0;
	struct io_uring ring;
	struct waiter w;
	double t0;

	waiter_setup(&w, fd, 20000);
	assert_int_equal(io_uring_queue_init(4096, &ring, 0), 0);
	for (int i = 0; i < n; i++)
		submit_wait_fd(&ring, fd, &w.wait, i, false);
	assert_int_equal(io_uring_submit(&ring), n);
	usleep(1000000);
	t0 = vm_now();
	post_copy(&w);
	for (int i = 0; i < n; i++)
		if (!reap_any(&ring, NULL))
			zero++;
	print_message("# %d parked waits ended by one completion in %.0f ms\n", n,
		      ms_since(t0));
	assert_int_equal(zero, n);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/* ---- dma-buf ---- */

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/*
 * A DM's mmap: only MAP_SHARED, only within the buffer (offsets near the
 * 64-bit limit included), no growth by mremap, a move keeps the data,
 * fork shares the pages, and the mapping outlives the object, its fd and
 * its context.
 */
static void test_dm_mmap_rules(void **state)
{
	const size_t len = 4 * PAGE;
	int fd = vm_open_device(DEV), dmabuf, status;
	unsigned char *p, *q;
	uint32_t dm;
	pid_t pid;

	dmabuf = new_dm(fd, len, &dm);
	assert_true(mmap(NULL, len, PROT_READ, MAP_PRIVATE, dmabuf, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, len + PAGE, PROT_READ, MAP_SHARED, dmabuf, 0) == MAP_FAILED);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dmabuf, len) == MAP_FAILED);
	assert_true(mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, dmabuf, 3 * PAGE) ==
		    MAP_FAILED);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dmabuf,
			 (off_t)0x7ffffffffffff000LL) == MAP_FAILED);
	p = map_dmabuf(dmabuf, len);
	vm_fill_pattern(p, len, 1);
	/* Growth refused; a move keeps the pages. */
	assert_true(mremap(p, len, 2 * len, 0) == MAP_FAILED);
	assert_true(mremap(p, len, 2 * len, MREMAP_MAYMOVE) == MAP_FAILED);
	q = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(q != MAP_FAILED);
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	assert_true(q != MAP_FAILED);
	vm_assert_pattern_at(q, 0, len, 1);
	/* A mapping at an offset: the right pages. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dmabuf, 2 * PAGE);
	assert_true(p != MAP_FAILED);
	vm_assert_pattern_at(p, 2 * PAGE, PAGE, 1);
	munmap(p, PAGE);
	/* Fork: the child writes, the parent sees. */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		memset(q, 0x5a, PAGE);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	for (size_t i = 0; i < PAGE; i++)
		assert_int_equal(q[i], 0x5a);
	/* The object, its fd and its context go; the mapping stays valid. */
	assert_int_equal(vm_destroy(fd, dm), 0);
	close(dmabuf);
	close(fd);
	assert_int_equal(vm_stat_value("dm"), base.dm);
	assert_int_equal(vm_stat_value("dm_buffers"), base.dm_buffers + 1);
	vm_assert_pattern_at(q + PAGE, PAGE, len - PAGE, 1);
	memset(q, 1, len);
	assert_int_equal(munmap(q, len), 0);
	settle_stats();
}

/*
 * MADV_DONTNEED on a DM mapping: the pages are the buffer's, not the
 * mapping's; after it, the mapping must still show the buffer (as a
 * shared file mapping does), not raise SIGBUS.
 */
static void test_dm_madvise_dontneed(void **state)
{
	const size_t len = 2 * PAGE;
	int fd = vm_open_device(DEV), dmabuf;
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile unsigned char *p;
	volatile int bus = 0;
	unsigned char v = 0;
	uint32_t dm;
	int ret, err = 0;

	dmabuf = new_dm(fd, len, &dm);
	p = map_dmabuf(dmabuf, len);
	memset((void *)p, 0x33, len);
	ret = madvise((void *)p, len, MADV_DONTNEED);
	if (ret)
		err = errno;
	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1))
		v = p[100];
	else
		bus = 1;
	sigaction(SIGBUS, &old, NULL);
	print_message("# MADV_DONTNEED: %d (errno %d); after it: %s\n", ret, err,
		      bus ? "SIGBUS" : "readable");
	munmap((void *)p, len);
	assert_int_equal(vm_destroy(fd, dm), 0);
	close(dmabuf);
	close(fd);
	settle_stats();
	assert_false(bus);
	assert_int_equal(v, 0x33);
}

/*
 * ALLOC/EXPORT/mmap/import/DESTROY churn as an unprivileged user with a
 * locked-memory limit: every charge comes back (the limit can be used
 * whole after), counters are back.
 */
static void test_dm_churn_memlock(void **state)
{
	const size_t limit = 256 * 1024;
	char node[256];
	int pid;

	vm_device_node(DEV, node, sizeof(node));
	pid = vm_fork();
	if (!pid) {
		int fd, facet, n = (int)vm_scaled(1500), dmabuf;
		unsigned char *ubuf, *m;
		uint32_t pd, umr, dm, mr, dm2;

		fd = open(node, O_RDWR | O_CLOEXEC);
		vm_child_check(fd >= 0);
		facet = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
		vm_child_check(facet >= 0);
		vm_limit_memlock(limit);
		vm_drop_ipc_lock();
		vm_become_user(NOBODY);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		ubuf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		vm_child_check(ubuf != MAP_FAILED);
		vm_child_check(!vm_reg_mr(fd, pd, ubuf, PAGE, UACCEL_MR_ACCESS_WRITE, &umr));
		for (int i = 0; i < n; i++) {
			size_t l = 1 + (size_t)(i * 7919) % (limit - 3 * PAGE);

			vm_child_check(!alloc_dm(fd, l, &dm));
			dmabuf = export_dm(fd, dm);
			vm_child_check(dmabuf >= 0);
			m = mmap(NULL, l, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
			vm_child_check(m != MAP_FAILED);
			m[l - 1] = (unsigned char)i;
			vm_child_check(!reg_dmabuf(fd, pd, dmabuf, l - 1, 1, UACCEL_MR_ACCESS_WRITE,
						  &mr));
			if (i % 3 == 0)
				vm_child_check(!vm_destroy(fd, dm));
			close(dmabuf);
			vm_child_check(!soft_copy(facet, mr, 0, umr, 0, 1));
			vm_child_check(ubuf[0] == (unsigned char)i);
			if (i % 2)
				munmap(m, l);
			vm_child_check(!vm_destroy(fd, mr));
			if (i % 3)
				vm_child_check(!vm_destroy(fd, dm));
			if (!(i % 2))
				munmap(m, l);
		}
		/* The whole limit (less the user MR's page), again. */
		vm_child_check(!alloc_dm(fd, limit - PAGE, &dm));
		vm_child_check(alloc_dm(fd, PAGE, &dm2) == -ENOMEM);
		vm_child_check(!vm_destroy(fd, dm));
		close(facet);
		close(fd);
		_exit(0);
	}
	vm_wait_ok(pid);
	settle_stats();
}

/*
 * A DM's fd passed to another process: the charge stays with the user
 * who allocated it for as long as the buffer lives, whoever holds it,
 * and comes back when the last holder lets go.
 */
static void test_dm_fd_passing_memlock(void **state)
{
	const size_t limit = 64 * 1024;
	int sv[2], pid, dmabuf;
	unsigned char *m;
	char c, node[256];

	vm_device_node(DEV, node, sizeof(node));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = vm_fork();
	if (!pid) {
		int fd;
		uint32_t dm;

		close(sv[0]);
		fd = open(node, O_RDWR | O_CLOEXEC);
		vm_child_check(fd >= 0);
		vm_limit_memlock(limit);
		vm_drop_ipc_lock();
		vm_become_user(NOBODY);
		vm_child_check(!alloc_dm(fd, limit, &dm));
		vm_child_check(alloc_dm(fd, 1, NULL) == -ENOMEM);
		dmabuf = export_dm(fd, dm);
		vm_child_check(dmabuf >= 0);
		vm_child_check(!vm_send_fd(sv[1], dmabuf, "d", 1));
		close(fd);
		_exit(0);
	}
	close(sv[1]);
	dmabuf = vm_recv_fd(sv[0], &c, 1);
	assert_true(dmabuf >= 0);
	vm_wait_ok(pid);
	m = map_dmabuf(dmabuf, limit);
	memset(m, 7, limit);
	/* Another process of the same user: the charge is still there. */
	pid = vm_fork();
	if (!pid) {
		int fd = open(node, O_RDWR | O_CLOEXEC);

		vm_child_check(fd >= 0);
		vm_limit_memlock(limit);
		vm_drop_ipc_lock();
		vm_become_user(NOBODY);
		vm_child_check(alloc_dm(fd, 1, NULL) == -ENOMEM);
		close(fd);
		_exit(0);
	}
	vm_wait_ok(pid);
	close(dmabuf);
	munmap(m, limit);
	/* Released: the whole limit again. */
	pid = vm_fork();
	if (!pid) {
		int fd = open(node, O_RDWR | O_CLOEXEC);
		uint32_t dm;

		vm_child_check(fd >= 0);
		vm_limit_memlock(limit);
		vm_drop_ipc_lock();
		vm_become_user(NOBODY);
		for (int i = 0; i < 50; i++) {
			int ret = alloc_dm(fd, limit, &dm);

			if (!ret)
				break;
			/* The last fput of the dma-buf may be deferred. */
			vm_child_check(ret == -ENOMEM && i < 49);
			usleep(100000);
		}
		close(fd);
		_exit(0);
	}
	vm_wait_ok(pid);
	close(sv[0]);
	settle_stats();
}

/* REG_DMABUF_MR while another thread keeps closing and reopening its fd number. */
struct fd_flipper {
	int fd, spare, other;
	volatile bool stop;
};

static void *flip_thread(void *arg)
{
	struct fd_flipper *f = arg;
	unsigned int i = 0;

	while (!f->stop) {
		switch (i++ % 3) {
		case 0:
			close(f->fd);
			break;
		case 1:
			dup2(f->spare, f->fd);
			break;
		case 2:
			dup2(f->other, f->fd);
			break;
		}
	}
	return NULL;
}

static void test_reg_dmabuf_racing_close(void **state)
{
	const size_t len = 2 * PAGE;
	int fd = vm_open_device(DEV), n = (int)vm_scaled(3000), ok = 0, bad = 0, other;
	struct fd_flipper f = { 0 };
	pthread_t t;
	uint32_t pd, dm, mr;

	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	f.spare = new_dm(fd, len, &dm);
	other = eventfd(0, EFD_CLOEXEC);
	f.other = other;
	f.fd = dup(f.spare);
	assert_int_equal(pthread_create(&t, NULL, flip_thread, &f), 0);
	for (int i = 0; i < n; i++) {
		int ret = reg_dmabuf(fd, pd, f.fd, i % len, len - i % len, 0, &mr);

		if (!ret) {
			ok++;
			assert_int_equal(vm_destroy(fd, mr), 0);
		} else {
			if (ret != -EBADF && ret != -EINVAL)
				fail_msg("REG_DMABUF_MR: %d", ret);
			bad++;
		}
	}
	f.stop = true;
	pthread_join(t, NULL);
	print_message("# %d registered, %d refused\n", ok, bad);
	close(f.fd);
	close(f.spare);
	close(other);
	assert_int_equal(vm_destroy(fd, dm), 0);
	close(fd);
	settle_stats();
}

/*
 * Device A exports, device B imports; A is removed, B's MR works on;
 * then the reverse order.  The buffer goes with the last user.
 */
static void cross_round(bool exporter_first)
{
	const size_t len = 8 * PAGE;
	int fa, fb, facet, dmabuf;
	unsigned char *ubuf, *m;
	uint32_t dm, pd, mr, umr;

	vm_soft_fresh(DEV_A);
	vm_soft_fresh(DEV_B);
	fa = vm_open_device(DEV_A);
	fb = vm_open_device(DEV_B);
	dmabuf = new_dm(fa, len, &dm);
	m = map_dmabuf(dmabuf, len);
	vm_fill_pattern(m, len, 3);
	facet = vm_open_facet(fb, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(vm_alloc_pd(fb, &pd), 0);
	ubuf = map_anon(len);
	assert_int_equal(vm_reg_mr(fb, pd, ubuf, len, UACCEL_MR_ACCESS_WRITE, &umr), 0);
	assert_int_equal(reg_dmabuf(fb, pd, dmabuf, 123, len - 123, UACCEL_MR_ACCESS_WRITE,
				    &mr), 0);
	close(dmabuf);
	if (exporter_first) {
		vm_soft_del(DEV_A);
		assert_int_equal(alloc_dm(fa, PAGE, NULL), -ENODEV);
		assert_int_equal(soft_copy(facet, mr, 0, umr, 0, len - 123), 0);
		vm_assert_pattern_at(ubuf, 123, len - 123, 3);
		memset(ubuf, 9, len);
		assert_int_equal(soft_copy(facet, umr, 0, mr, 0, 100), 0);
		for (int i = 0; i < 100; i++)
			assert_int_equal(m[123 + i], 9);
		vm_soft_del(DEV_B);
	} else {
		vm_soft_del(DEV_B);
		assert_int_equal(soft_copy(facet, mr, 0, umr, 0, 1), -ENODEV);
		m[0] = 0x11;
		vm_soft_del(DEV_A);
	}
	close(facet);
	close(fb);
	close(fa);
	assert_int_equal(vm_stat_value("dm_buffers"), base.dm_buffers + 1);
	munmap(m, len);
	munmap(ubuf, len);
}

static void test_cross_device_import_removal(void **state)
{
	cross_round(true);
	cross_round(false);
	settle_stats();
}

/*
 * REG_MR of a DM's mapping (user memory that is the buffer's pages):
 * the MR pins them; the DM, its fd and the mapping go; the MR still
 * reads what was written.
 */
static void test_reg_mr_over_dm_mapping(void **state)
{
	const size_t len = 4 * PAGE;
	int fd = vm_open_device(DEV), facet, dmabuf;
	unsigned char *m, *ubuf;
	uint32_t pd, dm, mr, umr;
	int ret;

	facet = vm_open_facet(fd, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	ubuf = map_anon(len);
	assert_int_equal(vm_reg_mr(fd, pd, ubuf, len, UACCEL_MR_ACCESS_WRITE, &umr), 0);
	dmabuf = new_dm(fd, len, &dm);
	m = map_dmabuf(dmabuf, len);
	vm_fill_pattern(m, len, 5);
	ret = vm_reg_mr(fd, pd, m + 10, len - 20, UACCEL_MR_ACCESS_WRITE, &mr);
	print_message("# REG_MR of a DM mapping: %d\n", ret);
	if (ret) {
		assert_true(ret == -EFAULT || ret == -EINVAL || ret == -EOPNOTSUPP);
	} else {
		assert_int_equal(vm_destroy(fd, dm), 0);
		close(dmabuf);
		munmap(m, len);
		assert_int_equal(soft_copy(facet, mr, 0, umr, 0, len - 20), 0);
		vm_assert_pattern_at(ubuf, 10, len - 20, 5);
		memset(ubuf, 0x44, len);
		assert_int_equal(soft_copy(facet, umr, 0, mr, 0, len - 20), 0);
		assert_int_equal(vm_destroy(fd, mr), 0);
	}
	if (ret) {
		assert_int_equal(vm_destroy(fd, dm), 0);
		close(dmabuf);
		munmap(m, len);
	}
	close(facet);
	close(fd);
	munmap(ubuf, len);
	settle_stats();
}

/* Range edges of REG_DMABUF_MR and what a soft COPY reads at them. */
static void test_reg_dmabuf_edges(void **state)
{
	const size_t len = 3 * PAGE;
	int fd = vm_open_device(DEV), facet, dmabuf;
	unsigned char *m, *ubuf;
	uint32_t pd, dm, mr, umr;

	facet = vm_open_facet(fd, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	ubuf = map_anon(len);
	assert_int_equal(vm_reg_mr(fd, pd, ubuf, len, UACCEL_MR_ACCESS_WRITE, &umr), 0);
	/* A length that is not a page multiple: the buffer is whole pages. */
	dmabuf = new_dm(fd, len - 5, &dm);
	m = map_dmabuf(dmabuf, len);
	vm_fill_pattern(m, len, 6);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, len - 1, 1, 0, &mr), 0);
	assert_int_equal(soft_copy(facet, mr, 0, umr, 0, 1), 0);
	vm_assert_pattern_at(ubuf, len - 1, 1, 6);
	assert_int_equal(soft_copy(facet, mr, 0, umr, 0, 2), -EINVAL);
	assert_int_equal(soft_copy(facet, mr, 1, umr, 0, 1), -EINVAL);
	assert_int_equal(soft_copy(facet, mr, UINT64_MAX, umr, 0, 2), -EINVAL);
	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, len, 1, 0, NULL), -EINVAL);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, UINT64_MAX, 1, 0, NULL), -EINVAL);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, 1, UINT64_MAX, 0, NULL), -EINVAL);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, UINT64_MAX - PAGE + 2, PAGE - 1, 0, NULL),
			 -EINVAL);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, 0, len + 1, 0, NULL), -EINVAL);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, PAGE - 1, PAGE + 2, UACCEL_MR_ACCESS_WRITE,
				    &mr), 0);
	memset(ubuf, 0xee, len);
	assert_int_equal(soft_copy(facet, umr, 0, mr, 0, PAGE + 2), 0);
	vm_assert_pattern_at(&m[PAGE - 2], PAGE - 2, 1, 6);
	for (size_t i = PAGE - 1; i < 2 * PAGE + 1; i++)
		assert_int_equal(m[i], 0xee);
	vm_assert_pattern_at(&m[2 * PAGE + 1], 2 * PAGE + 1, 1, 6);
	/* The same buffer registered in the same context twice; the context closes. */
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, 0, len, 0, NULL), 0);
	assert_int_equal(alloc_dm(fd, 0, NULL), -EINVAL);
	assert_int_equal(alloc_dm(fd, UINT64_MAX, NULL), -EINVAL);
	assert_int_equal(alloc_dm(fd, (64ULL << 20) + 1, NULL), -EINVAL);
	close(dmabuf);
	close(facet);
	close(fd);
	munmap(m, len);
	munmap(ubuf, len);
	settle_stats();
}

/*
 * uaccel_soft unloaded while a DM's fd, a mapping and an import by vgem
 * exist: all stay valid; uaccel_core stays loaded (rmmod refused) until
 * the last goes; then both load again.
 */
static void test_core_held_by_buffer(void **state)
{
	const char *soft_ko = getenv("UACCEL_SOFT_KO"), *core_ko = getenv("UACCEL_CORE_KO");
	const size_t len = 2 * PAGE;
	int fd, dmabuf, card;
	struct drm_prime_handle ph = { 0 };
	unsigned char *m;
	uint32_t dm;

	if (!soft_ko || !core_ko || vm_module_loaded("uaccel_edu") ||
	    vm_module_loaded("uaccel_vcrypto"))
		skip();
	fd = vm_open_device(DEV);
	dmabuf = new_dm(fd, len, &dm);
	m = map_dmabuf(dmabuf, len);
	vm_fill_pattern(m, len, 8);
	card = vm_vgem_open();
	if (card >= 0) {
		ph.fd = dmabuf;
		assert_int_equal(ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph), 0);
	}
	close(fd);
	assert_int_equal(vm_run("rmmod uaccel_soft"), 0);
	vm_assert_pattern_at(m, 0, len, 8);
	assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	close(dmabuf);
	assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	munmap(m, len);
	if (card >= 0) {
		assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
		struct drm_gem_close gc = { .handle = ph.handle };

		assert_int_equal(ioctl(card, DRM_IOCTL_GEM_CLOSE, &gc), 0);
		close(card);
	}
	/* The last fput may be deferred a moment. */
	for (int i = 0; i < 50 && vm_run("rmmod uaccel_core 2>/dev/null"); i++)
		usleep(100000);
	assert_false(vm_module_loaded("uaccel_core"));
	assert_int_equal(vm_reload_soft(), 0);
	vm_soft_fresh(DEV);
}

/*
 * Allocation failures inside a foreign exporter's vmap (vgem), injected
 * with fail-nth on fault-injection kernels: REG_DMABUF_MR fails with
 * -ENOMEM or succeeds; the kernel log must stay clean (dma_buf_vmap()
 * warns when an exporter's vmap fails).
 */
static void test_failslab_reg_dmabuf_vgem(void **state)
{
	const size_t len = 4 * PAGE;
	struct drm_mode_create_dumb c = { .width = 1024, .height = len / PAGE, .bpp = 32 };
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
	int fd, card, nth, n, ret, failed = 0;
	uint32_t pd, mr;
	char buf[32];

	if (access("/proc/thread-self/fail-nth", F_OK) ||
	    access("/sys/kernel/debug/failslab", F_OK))
		skip();
	card = vm_vgem_open();
	if (card < 0)
		skip();
	assert_int_equal(ioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	ph.handle = c.handle;
	assert_int_equal(ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), 0);
	fd = vm_open_device(DEV);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	vm_sysfs_write("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	assert_true(nth >= 0);
	for (n = 1; n < 2000; n++) {
		snprintf(buf, sizeof(buf), "%d", n);
		assert_true(pwrite(nth, buf, strlen(buf), 0) > 0);
		ret = reg_dmabuf(fd, pd, ph.fd, 0, len, 0, &mr);
		memset(buf, 0, sizeof(buf));
		assert_true(pread(nth, buf, sizeof(buf) - 1, 0) > 0);
		if (atoi(buf)) {
			assert_true(pwrite(nth, "0", 1, 0) > 0);
			assert_int_equal(ret, 0);
			assert_int_equal(vm_destroy(fd, mr), 0);
			break;
		}
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			failed++;
		} else {
			assert_int_equal(vm_destroy(fd, mr), 0);
		}
	}
	print_message("# REG_DMABUF_MR of vgem: %d allocations, %d failed the call\n", n - 1,
		      failed);
	close(nth);
	close(fd);
	close(ph.fd);
	close(card);
	settle_stats();
}

static int setup(void **state)
{
	if (access("/sys/devices/platform/vgem", F_OK))
		vm_run("modprobe -q vgem");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_with_parked_wait),
		cmocka_unit_test(test_sigkill_during_exec_with_parked_wait),
		cmocka_unit_test(test_park_timer_vs_completion),
		cmocka_unit_test(test_many_parked_then_close_all),
		cmocka_unit_test(test_parked_hold_closed_context),
		cmocka_unit_test(test_park_removal_vs_timer),
		cmocka_unit_test(test_parked_sqpoll),
		cmocka_unit_test(test_parked_defer_taskrun),
		cmocka_unit_test(test_parked_ring_shared_by_fork),
		cmocka_unit_test(test_parked_thread_exit),
		cmocka_unit_test(test_parked_last_reference_exit),
		cmocka_unit_test(test_parked_link_timeout_and_cancel),
		cmocka_unit_test(test_park_flood_one_completion),
		cmocka_unit_test(test_dm_mmap_rules),
		cmocka_unit_test(test_dm_madvise_dontneed),
		cmocka_unit_test(test_dm_churn_memlock),
		cmocka_unit_test(test_dm_fd_passing_memlock),
		cmocka_unit_test(test_reg_dmabuf_racing_close),
		cmocka_unit_test(test_cross_device_import_removal),
		cmocka_unit_test(test_reg_mr_over_dm_mapping),
		cmocka_unit_test(test_reg_dmabuf_edges),
		cmocka_unit_test(test_failslab_reg_dmabuf_vgem),
		cmocka_unit_test(test_core_held_by_buffer),
	};

	return vm_run_tests_with("vm_attack", tests, setup, NULL, &base, DEV);
}
