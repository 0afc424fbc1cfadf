// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Hot unplug and disassociation: a device removed (deleted, its driver
 * unloaded, or failed) while its files, mappings, pinned memory, queued
 * work and sleepers are all in use.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "vmtest.h"

static struct vm_stats base;

/* One context with a PD, an MR, a CQ and a queue, both rings mapped. */
struct rig {
	int fd;
	uint32_t pd, mr, cq, q;
	void *buf;
	size_t buf_len;
	void *cq_ring, *q_ring;
	size_t cq_size, q_size;
	uint32_t q_entries;
};

static void rig_open(struct rig *r, const char *dev, size_t buf_len,
		     uint32_t entries)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_reg_mr mr = { .size = sizeof(mr), .flags = UACCEL_MR_ACCESS_WRITE };
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = entries };
	struct uaccel_create_queue q = { .size = sizeof(q), .entries = entries };

	memset(r, 0, sizeof(*r));
	r->fd = vm_open_device(dev);
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	r->pd = pd.out_pd_id;
	r->buf_len = buf_len;
	r->buf = mmap(NULL, buf_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(r->buf != MAP_FAILED);
	mr.pd_id = r->pd;
	mr.addr = (uintptr_t)r->buf;
	mr.length = buf_len;
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_REG_MR, &mr), 0);
	r->mr = mr.out_mr_id;
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	r->cq = cq.out_cq_id;
	r->cq_size = cq.out_mmap_size;
	r->cq_ring = mmap(NULL, r->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  r->fd, cq.out_mmap_offset);
	assert_true(r->cq_ring != MAP_FAILED);
	q.pd_id = r->pd;
	q.cq_id = r->cq;
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
	r->q = q.out_queue_id;
	r->q_entries = q.out_entries;
	r->q_size = q.out_mmap_size;
	r->q_ring = mmap(NULL, r->q_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->fd, q.out_mmap_offset);
	assert_true(r->q_ring != MAP_FAILED);
}

static void rig_close(struct rig *r)
{
	munmap(r->cq_ring, r->cq_size);
	munmap(r->q_ring, r->q_size);
	munmap(r->buf, r->buf_len);
	if (r->fd >= 0)
		assert_int_equal(close(r->fd), 0);
}

/* Read every queued event without blocking; returns how many. */
static int read_events(int fd, struct uaccel_event *ev, int max)
{
	int fl = fcntl(fd, F_GETFL);
	ssize_t n;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, ev, max * sizeof(*ev));
	fcntl(fd, F_SETFL, fl);
	if (n < 0)
		return -errno;
	assert_int_equal(n % sizeof(*ev), 0);
	return n / sizeof(*ev);
}

static int query_index(int fd, uint32_t *index)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q);

	if (!ret && index)
		*index = q.index;
	return ret;
}

struct waiter {
	int fd, facet_fd;
	uint32_t cq;
	int wait_ret;
	ssize_t read_ret;
	struct uaccel_event ev;
	short revents;
};

static void *wait_cq_thread(void *arg)
{
	struct waiter *w = arg;
	struct uaccel_wait_cq wc = { .size = sizeof(wc), .cq_id = w->cq };

	w->wait_ret = vm_ioctl(w->fd, UACCEL_IOCTL_WAIT_CQ, &wc);
	return NULL;
}

static void *read_thread(void *arg)
{
	struct waiter *w = arg;

	w->read_ret = read(w->fd, &w->ev, sizeof(w->ev));
	return NULL;
}

static void *poll_thread(void *arg)
{
	struct waiter *w = arg;
	struct pollfd p = { .fd = w->facet_fd, .events = POLLIN };

	if (poll(&p, 1, -1) == 1)
		w->revents = p.revents;
	return NULL;
}

/*
 * Removal returns while a WAIT_CQ, a read() of the context and a poll() of
 * a facet fd sleep, and wakes each of them with the removal.
 */
static void test_removal_wakes_sleepers(void **state)
{
	struct waiter w = { 0 };
	pthread_t t[3];
	struct rig r;
	double t0;

	vm_soft_add("unplug0");
	rig_open(&r, "unplug0", 4096, 8);
	w.fd = r.fd;
	w.cq = r.cq;
	w.facet_fd = vm_open_facet(r.fd, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(pthread_create(&t[0], NULL, wait_cq_thread, &w), 0);
	assert_int_equal(pthread_create(&t[1], NULL, read_thread, &w), 0);
	assert_int_equal(pthread_create(&t[2], NULL, poll_thread, &w), 0);
	usleep(300000);

	t0 = vm_now();
	vm_soft_del("unplug0");
	/* Bounded: a hang would stop here (the test's timeout is minutes). */
	assert_true(vm_now() - t0 < 30);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);

	assert_int_equal(w.wait_ret, -ENODEV);
	assert_int_equal(w.read_ret, sizeof(w.ev));
	assert_int_equal(w.ev.type, UACCEL_EVENT_QUEUE_FLUSHED);
	assert_int_equal(w.ev.queue_id, r.q);
	assert_int_equal(w.revents & (POLLHUP | POLLERR), POLLHUP | POLLERR);
	assert_int_equal(close(w.facet_fd), 0);
	rig_close(&r);
	vm_assert_stats_equal(&base);
}

/* Every call on a removed device's files fails with ENODEV; close works. */
static void test_calls_after_removal(void **state)
{
	struct uaccel_query_device qd = { .size = sizeof(qd) };
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_reg_mr mr = { .size = sizeof(mr) };
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 4 };
	struct uaccel_create_queue q = { .size = sizeof(q), .entries = 4 };
	struct uaccel_wr wr = { .opcode = UACCEL_WR_NOP };
	struct uaccel_post post = { .size = sizeof(post), .count = 1 };
	struct uaccel_doorbell db = { .size = sizeof(db) };
	struct uaccel_cqe cqe;
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .count = 1 };
	struct uaccel_wait_cq wc = { .size = sizeof(wc), .timeout_ms = 1 };
	struct uaccel_get_driver_ops_fd g = {
		.size = sizeof(g), .min_version = 1, .max_version = 1,
		.name = UACCEL_SOFT_DMA_FACET,
	};
	struct uaccel_reg_dmabuf_mr dmr = { .size = sizeof(dmr), .length = 4096, .fd = -1 };
	struct uaccel_alloc_dm adm = { .size = sizeof(adm), .length = 4096 };
	struct uaccel_export_dm edm = { .size = sizeof(edm), .dm_id = 1 };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct rig r;
	int ffd;

	vm_soft_add("unplug1");
	rig_open(&r, "unplug1", 4096, 8);
	ffd = vm_open_facet(r.fd, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(vm_ioctl(ffd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	vm_soft_del("unplug1");

	d.id = r.mr;
	mr.pd_id = r.pd;
	mr.addr = (uintptr_t)r.buf;
	mr.length = 4096;
	q.pd_id = r.pd;
	q.cq_id = r.cq;
	post.queue_id = r.q;
	post.wrs = (uintptr_t)&wr;
	db.queue_id = r.q;
	pc.cq_id = r.cq;
	pc.cqes = (uintptr_t)&cqe;
	wc.cq_id = r.cq;
	dmr.pd_id = r.pd;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_QUERY_DEVICE, &qd), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_DESTROY, &d), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_ALLOC_PD, &pd), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_REG_MR, &mr), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_CREATE_CQ, &cq), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_CREATE_QUEUE, &q), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POST, &post), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_DOORBELL, &db), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, &pc), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_WAIT_CQ, &wc), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_REG_DMABUF_MR, &dmr), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_ALLOC_DM, &adm), -ENODEV);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_EXPORT_DM, &edm), -ENODEV);
	/* Even malformed requests: the device check comes first. */
	assert_int_equal(vm_ioctl(r.fd, _IO(UACCEL_IOCTL_TYPE, 0xff), NULL), -ENODEV);
	assert_int_equal(vm_ioctl(ffd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), -ENODEV);
	assert_true(mmap(NULL, 4096, PROT_READ, MAP_SHARED, r.fd, 0) == MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(close(ffd), 0);
	rig_close(&r);
	vm_assert_stats_equal(&base);
}

/* poll(): nothing before; EPOLLIN with HUP|ERR after; HUP|ERR once read. */
static void test_poll_and_events(void **state)
{
	struct uaccel_event ev[8];
	struct pollfd p[2];
	struct rig r;
	char small[8];
	void *guard;
	int ffd;

	vm_soft_add("unplug2");
	rig_open(&r, "unplug2", 4096, 8);
	ffd = vm_open_facet(r.fd, UACCEL_SOFT_DMA_FACET);
	p[0] = (struct pollfd){ .fd = r.fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = ffd, .events = POLLIN };
	assert_int_equal(poll(p, 2, 0), 0);
	assert_int_equal(read_events(r.fd, ev, 8), -EAGAIN);
	assert_int_equal(read(r.fd, small, sizeof(small)), -1);
	assert_int_equal(errno, EINVAL);

	vm_soft_del("unplug2");
	assert_int_equal(poll(p, 2, 0), 2);
	assert_int_equal(p[0].revents, POLLIN | POLLHUP | POLLERR);
	assert_int_equal(p[1].revents, POLLHUP | POLLERR);
	assert_int_equal(read(r.fd, small, sizeof(small)), -1);
	assert_int_equal(errno, EINVAL);

	/* An unwritable buffer loses no event. */
	guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(guard != MAP_FAILED);
	assert_int_equal(read(r.fd, guard, sizeof(ev[0])), -1);
	assert_int_equal(errno, EFAULT);
	munmap(guard, 4096);

	/* One queue: its flush, then the removal, the last event. */
	assert_int_equal(read(r.fd, ev, sizeof(ev[0])), sizeof(ev[0]));
	assert_int_equal(ev[0].type, UACCEL_EVENT_QUEUE_FLUSHED);
	assert_int_equal(ev[0].queue_id, r.q);
	assert_int_equal(ev[0].completed, 0);
	assert_int_equal(ev[0].flushed, 0);
	assert_int_equal(read_events(r.fd, ev, 8), 1);
	assert_int_equal(ev[0].type, UACCEL_EVENT_DEVICE_REMOVED);
	assert_int_equal(ev[0].flags, 0);
	/* A blocking read after the last event does not block. */
	assert_int_equal(read(r.fd, ev, sizeof(ev)), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(poll(p, 1, 0), 1);
	assert_int_equal(p[0].revents, POLLHUP | POLLERR);
	assert_int_equal(close(ffd), 0);
	rig_close(&r);
	vm_assert_stats_equal(&base);
}

/* Ring mappings are zapped: touching them afterwards raises SIGBUS. */
static void test_mappings_zapped(void **state)
{
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 4 };
	struct rig r;
	void *untouched;

	vm_catch_sigbus();
	vm_soft_add("unplug3");
	rig_open(&r, "unplug3", 4096, 8);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	untouched = mmap(NULL, cq.out_mmap_size, PROT_READ, MAP_SHARED, r.fd,
			 cq.out_mmap_offset);
	assert_true(untouched != MAP_FAILED);
	assert_int_equal(vm_touch(r.cq_ring), 0);
	assert_int_equal(vm_touch((uint32_t *)((char *)r.q_ring + r.q_size - 4)), 0);

	vm_soft_del("unplug3");
	assert_int_equal(vm_touch(r.cq_ring), SIGBUS);
	assert_int_equal(vm_touch(r.q_ring), SIGBUS);
	assert_int_equal(vm_touch((uint32_t *)((char *)r.q_ring + r.q_size - 4)), SIGBUS);
	assert_int_equal(vm_touch(untouched), SIGBUS);
	munmap(untouched, cq.out_mmap_size);
	rig_close(&r);
	vm_assert_stats_equal(&base);
}

/* Pinned pages and their RLIMIT_MEMLOCK charge go at removal, not close. */
static void test_pinned_released_at_removal(void **state)
{
	struct vm_stats st;
	struct rig r;

	vm_soft_add("unplug4");
	rig_open(&r, "unplug4", 4 << 20, 8);
	assert_int_equal(vm_pinned_kb(), 4096);
	vm_read_stats(&st);
	assert_int_equal(st.pinned_pages, base.pinned_pages + (4 << 20) / 4096);

	vm_soft_del("unplug4");
	assert_int_equal(vm_pinned_kb(), 0);
	vm_read_stats(&st);
	assert_int_equal(st.pinned_pages, base.pinned_pages);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.queue, base.queue);
	/* The context itself stays until it is closed. */
	assert_int_equal(st.contexts, base.contexts + 1);
	rig_close(&r);
	vm_assert_stats_equal(&base);
}

/*
 * Work in flight at removal: every request posted is either completed or
 * reported flushed; the one running is stopped and counted completed.
 */
static void test_inflight_accounted(void **state)
{
	enum { N = 512, LEN = 1 << 20 };
	struct uaccel_wr *wrs = calloc(N, sizeof(*wrs));
	struct uaccel_post post = { .size = sizeof(post) };
	struct uaccel_cqe cqe[64];
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .count = 64 };
	struct uaccel_event ev[4];
	uint64_t polled = 0;
	struct rig r;
	int n;

	assert_non_null(wrs);
	vm_soft_add("unplug5");
	rig_open(&r, "unplug5", 2 * LEN, N);
	for (int i = 0; i < N; i++)
		wrs[i] = (struct uaccel_wr){
			.opcode = UACCEL_WR_COPY, .user_data = i,
			.src_mr = r.mr, .dst_mr = r.mr,
			.src_offset = 0, .dst_offset = LEN, .length = LEN,
		};
	post.queue_id = r.q;
	post.count = N;
	post.wrs = (uintptr_t)wrs;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POST, &post), 0);
	assert_int_equal(post.out_posted, N);

	/* Remove once the device is busy: after the first completion. */
	pc.cq_id = r.cq;
	pc.cqes = (uintptr_t)cqe;
	while (!polled) {
		assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, &pc), 0);
		for (uint32_t i = 0; i < pc.out_polled; i++) {
			assert_int_equal(cqe[i].status, 0);
			assert_int_equal(cqe[i].user_data, polled + i);
		}
		polled += pc.out_polled;
	}
	vm_soft_del("unplug5");

	n = read_events(r.fd, ev, 4);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].type, UACCEL_EVENT_QUEUE_FLUSHED);
	assert_int_equal(ev[0].queue_id, r.q);
	assert_true(ev[0].completed >= polled);
	assert_int_equal(ev[0].completed + ev[0].flushed, N);
	assert_int_equal(ev[1].type, UACCEL_EVENT_DEVICE_REMOVED);
	print_message("# %d posted: %llu completed (%llu polled), %llu flushed\n",
		      N, (unsigned long long)ev[0].completed,
		      (unsigned long long)polled,
		      (unsigned long long)ev[0].flushed);
	rig_close(&r);
	free(wrs);
	vm_assert_stats_equal(&base);
}

/*
 * The driver module is unloaded under open files; reloaded, its devices
 * come back with new indexes and the old files never reach them.
 */
static void test_module_unload_under_open_files(void **state)
{
	const char *ko = getenv("UACCEL_SOFT_KO");
	uint32_t old_index, new_index;
	struct uaccel_event ev[4];
	char cmd[512];
	struct rig r;
	int ffd, fd2;

	if (!ko)
		skip();
	vm_catch_sigbus();
	rig_open(&r, "soft0", 4096, 8);
	ffd = vm_open_facet(r.fd, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(query_index(r.fd, &old_index), 0);
	assert_int_equal(vm_touch(r.cq_ring), 0);

	assert_int_equal(vm_run("rmmod uaccel_soft"), 0);
	assert_int_equal(query_index(r.fd, NULL), -ENODEV);
	assert_int_equal(vm_touch(r.cq_ring), SIGBUS);
	assert_int_equal(read_events(r.fd, ev, 4), 2);
	assert_int_equal(ev[1].type, UACCEL_EVENT_DEVICE_REMOVED);

	snprintf(cmd, sizeof(cmd), "insmod '%s' num_devices=3", ko);
	assert_int_equal(vm_run(cmd), 0);
	assert_int_equal(vm_wait_device("soft0", VM_DEVICE_WAIT_S), 0);
	fd2 = vm_open_device("soft0");
	assert_int_equal(query_index(fd2, &new_index), 0);
	assert_int_not_equal(new_index, old_index);
	assert_int_equal(query_index(r.fd, NULL), -ENODEV);
	assert_int_equal(close(fd2), 0);
	assert_int_equal(close(ffd), 0);
	rig_close(&r);
	vm_assert_stats_equal(&base);
}

/* A device added again under the same name is a new device. */
static void test_readd_new_identity(void **state)
{
	char node_old[256], node_new[256];
	uint32_t i_old, i_new;
	int fd_old, fd_new;

	vm_soft_add("unplug6");
	vm_device_node("unplug6", node_old, sizeof(node_old));
	fd_old = vm_open_device("unplug6");
	assert_int_equal(query_index(fd_old, &i_old), 0);
	vm_soft_del("unplug6");
	vm_soft_add("unplug6");
	vm_device_node("unplug6", node_new, sizeof(node_new));
	fd_new = vm_open_device("unplug6");
	assert_int_equal(query_index(fd_new, &i_new), 0);
	assert_int_not_equal(i_old, i_new);
	assert_string_not_equal(node_old, node_new);
	assert_int_equal(query_index(fd_old, NULL), -ENODEV);
	/* The old node path is gone, not an alias of the new device. */
	assert_int_equal(access(node_old, F_OK), -1);
	assert_int_equal(close(fd_old), 0);
	assert_int_equal(close(fd_new), 0);
	vm_soft_del("unplug6");
	vm_assert_stats_equal(&base);
}

/*
 * The debug facet's fatal error: calls fail at once, applications get the
 * removal events flagged FATAL, and the device comes back under its name.
 */
static void test_fatal_error_recovers(void **state)
{
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	struct uaccel_event ev;
	uint32_t i_old, i_new;
	struct rig r;
	int dfd, fd2;

	vm_catch_sigbus();
	vm_soft_add("unplug7");
	rig_open(&r, "unplug7", 4096, 8);
	assert_int_equal(query_index(r.fd, &i_old), 0);
	dfd = vm_open_facet(r.fd, UACCEL_SOFT_DEBUG_FACET);
	vm_check_size_rules(dfd, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe,
			    sizeof(fe), sizeof(fe));
	assert_int_equal(query_index(r.fd, NULL), 0);

	assert_int_equal(vm_ioctl(dfd, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);
	assert_int_equal(query_index(r.fd, NULL), -ENODEV);
	assert_int_equal(vm_ioctl(dfd, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), -ENODEV);

	/* Blocking reads: the events come once the driver tore it down. */
	assert_int_equal(read(r.fd, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.type, UACCEL_EVENT_QUEUE_FLUSHED);
	assert_int_equal(read(r.fd, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.type, UACCEL_EVENT_DEVICE_REMOVED);
	assert_int_equal(ev.flags, UACCEL_EVENT_FATAL);
	assert_int_equal(vm_touch(r.cq_ring), SIGBUS);

	assert_int_equal(vm_wait_device("unplug7", VM_DEVICE_WAIT_S), 0);
	fd2 = vm_open_device("unplug7");
	assert_int_equal(query_index(fd2, &i_new), 0);
	assert_int_not_equal(i_new, i_old);
	assert_int_equal(close(fd2), 0);
	assert_int_equal(close(dfd), 0);
	rig_close(&r);
	vm_soft_del("unplug7");
	vm_assert_stats_equal(&base);
}

/* libaccel: the events, then ENODEV from every call. */
static void test_libaccel_reports_removal(void **state)
{
	struct accel_context *ctx;
	struct accel_event ev;
	struct accel_pd *pd;
	struct accel_cq *cq;

	vm_soft_add("unplug8");
	ctx = accel_open_device_by_name("unplug8");
	assert_non_null(ctx);
	pd = accel_alloc_pd(ctx);
	assert_non_null(pd);
	cq = accel_create_cq(ctx, 8, -1);
	assert_non_null(cq);
	fcntl(accel_context_fd(ctx), F_SETFL, O_NONBLOCK);
	assert_int_equal(accel_get_event(ctx, &ev), -EAGAIN);
	assert_int_equal(accel_get_event(ctx, NULL), -EINVAL);

	vm_soft_del("unplug8");
	assert_int_equal(accel_get_event(ctx, &ev), 0);
	assert_int_equal(ev.type, ACCEL_EVENT_DEVICE_REMOVED);
	assert_int_equal(ev.flags, 0);
	assert_int_equal(accel_get_event(ctx, &ev), -ENODEV);
	assert_null(accel_alloc_pd(ctx));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(accel_wait_cq(cq, 0), -ENODEV);
	assert_null(accel_open_device_by_name("unplug8"));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(accel_destroy_cq(cq), 0);
	assert_int_equal(accel_dealloc_pd(pd), 0);
	assert_int_equal(accel_close_device(ctx), 0);
	vm_assert_stats_equal(&base);
}

static volatile int churn_stop;

static void *churn_thread(void *arg)
{
	while (!churn_stop) {
		vm_soft_add("unplug9");
		vm_soft_del("unplug9");
	}
	return NULL;
}

/* Listing while devices come and go: never fails, never a partial entry. */
static void test_listing_during_churn(void **state)
{
	pthread_t t;
	int seen = 0;

	churn_stop = 0;
	assert_int_equal(pthread_create(&t, NULL, churn_thread, NULL), 0);
	for (unsigned int i = 0; i < vm_scaled(300); i++) {
		struct accel_device **list;
		int n;

		list = accel_get_device_list(&n);
		assert_non_null(list);
		for (int j = 0; j < n; j++) {
			assert_true(accel_device_name(list[j])[0]);
			assert_string_equal(accel_device_driver(list[j]), "soft");
			assert_true(accel_device_node(list[j])[0] == '/');
			assert_true(accel_device_num_facets(list[j]) > 0);
			seen += !strcmp(accel_device_name(list[j]), "unplug9");
		}
		accel_free_device_list(list);
	}
	churn_stop = 1;
	assert_int_equal(pthread_join(t, NULL), 0);
	print_message("# unplug9 listed %d times in 300 listings\n", seen);
	vm_assert_stats_equal(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removal_wakes_sleepers),
		cmocka_unit_test(test_calls_after_removal),
		cmocka_unit_test(test_poll_and_events),
		cmocka_unit_test(test_mappings_zapped),
		cmocka_unit_test(test_pinned_released_at_removal),
		cmocka_unit_test(test_inflight_accounted),
		cmocka_unit_test(test_module_unload_under_open_files),
		cmocka_unit_test(test_readd_new_identity),
		cmocka_unit_test(test_fatal_error_recovers),
		cmocka_unit_test(test_libaccel_reports_removal),
		cmocka_unit_test(test_listing_during_churn),
	};

	return vm_run_tests("vm_unplug", tests, &base, NULL);
}
