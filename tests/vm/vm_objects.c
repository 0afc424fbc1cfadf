// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Core objects: PD, MR, CQ and queue creation and destruction through the
 * raw uAPI, -EBUSY while in use, -ENOENT for wrong ids and types, MR
 * pinning and RLIMIT_MEMLOCK, ring mappings, the size/flags rules of every
 * command, and nothing left behind after close (debugfs counters).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <accel/provider.h>

#include "vmtest.h"

#define DEV "objtest0"

static int fd = -1;
static struct vm_stats base;

static int setup_fd(void **state)
{
	fd = vm_open_device(DEV);
	return 0;
}

/*
 * A libaccel context and ring mappings of a test, closed and unmapped here
 * also when the test failed: the context would outlive it otherwise.
 */
static struct accel_context *lib_ctx;
static struct {
	void *addr;
	size_t len;
} test_maps[2];

static int teardown_fd(void **state)
{
	for (size_t i = 0; i < sizeof(test_maps) / sizeof(test_maps[0]); i++) {
		if (test_maps[i].addr)
			munmap(test_maps[i].addr, test_maps[i].len);
		test_maps[i].addr = NULL;
	}
	if (lib_ctx) {
		accel_close_device(lib_ctx);
		lib_ctx = NULL;
	}
	unsetenv("ACCEL_PROVIDERS");
	close(fd);
	vm_assert_stats_equal(&base);
	return 0;
}

static uint32_t alloc_pd(void)
{
	struct uaccel_alloc_pd c = { .size = sizeof(c) };

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &c), 0);
	assert_true(c.out_pd_id > 0);
	return c.out_pd_id;
}

static void test_pd(void **state)
{
	struct uaccel_destroy d = { .size = sizeof(d) };
	uint32_t pd = alloc_pd(), pd2 = alloc_pd();
	struct vm_stats st;

	assert_int_not_equal(pd, pd2);
	vm_read_stats(&st);
	assert_int_equal(st.pd, base.pd + 2);
	assert_int_equal(vm_destroy(fd, pd), 0);
	assert_int_equal(vm_destroy(fd, pd), -ENOENT);
	assert_int_equal(vm_destroy(fd, 0), -ENOENT);
	assert_int_equal(vm_destroy(fd, 0xffffffff), -ENOENT);
	d.id = pd2;
	d.__reserved = 1;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), -EINVAL);
	assert_int_equal(vm_destroy(fd, pd2), 0);
}

static void test_mr_lifetime_and_busy(void **state)
{
	char *buf = malloc(3 * 4096);
	uint32_t pd = alloc_pd(), mr = 0, mr2 = 0;
	struct vm_stats st;

	assert_int_equal(vm_reg_mr(fd, pd, buf + 5, 2 * 4096, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr + 1);
	assert_int_equal(st.pinned_pages, base.pinned_pages + 3);
	assert_int_equal(vm_destroy(fd, pd), -EBUSY);
	assert_int_equal(vm_reg_mr(fd, pd, buf, 1, 0, &mr2), 0);
	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(vm_destroy(fd, pd), -EBUSY);
	assert_int_equal(vm_destroy(fd, mr2), 0);
	assert_int_equal(vm_destroy(fd, mr2), -ENOENT);
	assert_int_equal(vm_destroy(fd, pd), 0);
	free(buf);
}

/* Destroy the MR of a REG_MR reply. */
static void destroy_created_mr(int fd_, const void *reply)
{
	const struct uaccel_reg_mr *c = reply;

	assert_int_equal(vm_destroy(fd_, c->out_mr_id), 0);
}

static void test_mr_bad_input(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uaccel_create_cq cq;
	struct uaccel_reg_mr mr;
	uint32_t pd = alloc_pd();
	char *map, *ro;
	struct vm_stats st;

	assert_int_equal(vm_create_cq(fd, 4, &cq), 0);
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	/*
	 * A read-only page, then the second page of map unmapped (in this order:
	 * a mapping made after the unmap could take the hole).
	 */
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	assert_int_equal(munmap(map + page, page), 0);

	/* A valid REG_MR of 16 bytes; each case changes it. */
	mr = (struct uaccel_reg_mr){
		.size = sizeof(mr), .pd_id = pd, .addr = (uintptr_t)map, .length = 16,
	};
#define REG_MR UACCEL_IOCTL_REG_MR
	const struct vm_bad_cmd bad[] = {
		VM_BAD(REG_MR, mr, pd_id, pd + 1000, -ENOENT),
		VM_BAD(REG_MR, mr, pd_id, cq.out_cq_id, -ENOENT),	/* wrong type */
		VM_BAD(REG_MR, mr, length, 0, -EINVAL),
		/* Wraps, at an address a 32-bit pointer cannot hold. */
		VM_BAD2(REG_MR, mr, addr, -4096ULL, length, 8192, -EINVAL),
		VM_BAD(REG_MR, mr, flags, 1U << 7, -EOPNOTSUPP),
		/* Unmapped memory, and a range running into it. */
		VM_BAD(REG_MR, mr, addr, (uintptr_t)(map + page), -EFAULT),
		VM_BAD(REG_MR, mr, length, 2 * page, -EFAULT),
		/* Read-only memory: readable by the device, never writable. */
		VM_BAD2(REG_MR, mr, addr, (uintptr_t)ro, flags, UACCEL_MR_ACCESS_WRITE, -EFAULT),
	};
#undef REG_MR

	VM_CHECK_BAD_CMDS(fd, bad, destroy_created_mr);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.pinned_pages, base.pinned_pages);
	/* The valid one is fine. */
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_REG_MR, &mr), 0);
	assert_int_equal(vm_destroy(fd, mr.out_mr_id), 0);
	munmap(map, page);
	munmap(ro, page);
	/* The PD is still fine. */
	assert_int_equal(vm_destroy(fd, pd), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
}

static void test_mr_memlock_limit(void **state)
{
	pid_t pid = vm_fork();

	if (!pid) {
		size_t big = 1 << 20;
		char *buf = aligned_alloc(4096, big);
		uint32_t pd, mr = 0;
		long pinned;

		vm_drop_ipc_lock();
		vm_limit_memlock(64 * 1024);
		pd = alloc_pd();
		pinned = vm_pinned_kb();
		if (vm_reg_mr(fd, pd, buf, big, 0, NULL) != -ENOMEM)
			_exit(11);
		if (vm_pinned_kb() != pinned)
			_exit(12);
		/* Within the limit works, and destroying gives it back. */
		if (vm_reg_mr(fd, pd, buf, 16 * 1024, 0, &mr))
			_exit(13);
		if (vm_pinned_kb() != pinned + 16)
			_exit(14);
		if (vm_reg_mr(fd, pd, buf + 16 * 1024, 60 * 1024, 0, NULL) != -ENOMEM)
			_exit(15);
		if (vm_destroy(fd, mr) || vm_pinned_kb() != pinned)
			_exit(16);
		_exit(0);
	}
	vm_wait_ok(pid);
}

/* Destroy the CQ of a CREATE_CQ reply. */
static void destroy_created_cq(int fd_, const void *reply)
{
	const struct uaccel_create_cq *c = reply;

	assert_int_equal(vm_destroy(fd_, c->out_cq_id), 0);
}

static void test_cq(void **state)
{
	struct uaccel_create_cq c = { .size = sizeof(c), .entries = 3 };
	struct uaccel_ring_header *ring;
	int efd = eventfd(0, EFD_CLOEXEC);

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &c), 0);
	assert_int_equal(c.out_entries, 4);
	assert_true(c.out_mmap_size >= 128 + 4 * sizeof(struct uaccel_cqe));
	ring = mmap(NULL, c.out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    c.out_mmap_offset);
	assert_true(ring != MAP_FAILED);
	assert_int_equal(ring->head, 0);
	assert_int_equal(ring->tail, 0);
	/* Mappings: private, too large, unknown object, unaligned offset. */
	assert_true(mmap(NULL, c.out_mmap_size, PROT_READ, MAP_PRIVATE, fd,
			 c.out_mmap_offset) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, c.out_mmap_size + 4096, PROT_READ, MAP_SHARED, fd,
			 c.out_mmap_offset) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			 c.out_mmap_offset + ((off_t)500 << 32)) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			 c.out_mmap_offset + 4096) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	munmap(ring, c.out_mmap_size);
	assert_int_equal(vm_destroy(fd, c.out_cq_id), 0);

	/* A valid CQ of 4 entries; each case changes it. */
	c = (struct uaccel_create_cq){ .size = sizeof(c), .entries = 4 };
#define CREATE_CQ UACCEL_IOCTL_CREATE_CQ
	const struct vm_bad_cmd bad[] = {
		VM_BAD(CREATE_CQ, c, entries, 0, -EINVAL),
		VM_BAD(CREATE_CQ, c, entries, 65537, -EINVAL),
		/* eventfd: a bad fd, a non-eventfd, a value without the flag. */
		VM_BAD2(CREATE_CQ, c, flags, UACCEL_CQ_EVENTFD, eventfd, 9999, -EBADF),
		VM_BAD2(CREATE_CQ, c, flags, UACCEL_CQ_EVENTFD, eventfd, fd, -EINVAL),
		VM_BAD(CREATE_CQ, c, eventfd, efd, -EINVAL),
	};
#undef CREATE_CQ

	VM_CHECK_BAD_CMDS(fd, bad, destroy_created_cq);
	assert_int_equal(vm_create_cq(fd, 65536, &c), 0);
	assert_int_equal(vm_destroy(fd, c.out_cq_id), 0);
	c = (struct uaccel_create_cq){ .size = sizeof(c), .entries = 4,
				       .flags = UACCEL_CQ_EVENTFD, .eventfd = efd };
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &c), 0);
	close(efd);	/* the CQ keeps its own reference */
	assert_int_equal(vm_destroy(fd, c.out_cq_id), 0);
}

/* Destroy the queue of a CREATE_QUEUE reply. */
static void destroy_created_queue(int fd_, const void *reply)
{
	const struct uaccel_create_queue *c = reply;

	assert_int_equal(vm_destroy(fd_, c->out_queue_id), 0);
}

static void test_queue(void **state)
{
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	uint32_t pd = alloc_pd();
	void *ring;

	assert_int_equal(vm_create_cq(fd, 8, &cq), 0);
	/* A valid queue of 8 entries; each case changes it. */
	q = (struct uaccel_create_queue){
		.size = sizeof(q), .pd_id = pd, .cq_id = cq.out_cq_id, .entries = 8,
	};
#define CREATE_QUEUE UACCEL_IOCTL_CREATE_QUEUE
	const struct vm_bad_cmd bad[] = {
		VM_BAD(CREATE_QUEUE, q, entries, 0, -EINVAL),
		VM_BAD(CREATE_QUEUE, q, entries, 65537, -EINVAL),
		VM_BAD(CREATE_QUEUE, q, pd_id, pd + 100, -ENOENT),
		VM_BAD(CREATE_QUEUE, q, pd_id, cq.out_cq_id, -ENOENT),	/* wrong types */
		VM_BAD(CREATE_QUEUE, q, cq_id, pd, -ENOENT),
	};
#undef CREATE_QUEUE

	VM_CHECK_BAD_CMDS(fd, bad, destroy_created_queue);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 5, &q), 0);
	assert_int_equal(q.out_entries, 8);
	assert_int_equal(q.out_entry_size, sizeof(struct uaccel_wr));
	ring = mmap(NULL, q.out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    q.out_mmap_offset);
	assert_true(ring != MAP_FAILED);

	assert_int_equal(vm_destroy(fd, cq.out_cq_id), -EBUSY);
	assert_int_equal(vm_destroy(fd, pd), -EBUSY);
	assert_int_equal(vm_destroy(fd, q.out_queue_id), 0);
	munmap(ring, q.out_mmap_size);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
}

/*
 * Ids are allocated cyclically per context: 4,100 PDs created and
 * destroyed take the next ids past 4095.  A 32-bit caller passes the mmap
 * offset back through mmap2(), whose page offset is 32 bits: every ring
 * offset must fit that, for the whole id space.
 */
#define ID_CYCLES 4100
#define MAX_PAGE_OFFSET 0xffffffffULL

static void assert_offset_fits_32bit_callers(uint64_t offset)
{
	assert_int_equal(offset % 4096, 0);
	if (offset / 4096 > MAX_PAGE_OFFSET)
		fail_msg("mmap offset 0x%llx: page offset 0x%llx does not fit 32 bits",
			 (unsigned long long)offset, (unsigned long long)(offset / 4096));
}

static void test_rings_of_ids_past_4095(void **state)
{
	struct uaccel_doorbell db = { .size = sizeof(db) };
	struct uaccel_wait_cq w = { .size = sizeof(w), .timeout_ms = 10000 };
	volatile struct uaccel_ring_header *cqr, *qr;
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	struct uaccel_wr *wr;
	struct uaccel_cqe *cqe;
	uint32_t pd;
	int i;

	for (i = 0; i < ID_CYCLES; i++)
		assert_int_equal(vm_destroy(fd, alloc_pd()), 0);
	pd = alloc_pd();
	assert_true(pd > ID_CYCLES);
	assert_int_equal(vm_create_cq(fd, 4, &cq), 0);
	assert_true(cq.out_cq_id > 4095);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 4, &q), 0);
	assert_true(q.out_queue_id > 4095);
	/* The sizes fit a 32-bit size_t. */
	assert_true(cq.out_mmap_size <= UINT32_MAX && q.out_mmap_size <= UINT32_MAX);

	cqr = mmap(NULL, cq.out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   cq.out_mmap_offset);
	if (cqr == MAP_FAILED)
		fail_msg("mmap of CQ %u at offset 0x%llx: %s", cq.out_cq_id,
			 (unsigned long long)cq.out_mmap_offset, strerror(errno));
	test_maps[0].addr = (void *)cqr;
	test_maps[0].len = cq.out_mmap_size;
	qr = mmap(NULL, q.out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  q.out_mmap_offset);
	if (qr == MAP_FAILED)
		fail_msg("mmap of queue %u at offset 0x%llx: %s", q.out_queue_id,
			 (unsigned long long)q.out_mmap_offset, strerror(errno));
	test_maps[1].addr = (void *)qr;
	test_maps[1].len = q.out_mmap_size;

	/* A NOP written through the queue's mapping, its completion read through the CQ's. */
	wr = (struct uaccel_wr *)((char *)qr + UACCEL_RING_ENTRIES_OFFSET);
	memset(wr, 0, sizeof(*wr));
	wr->opcode = UACCEL_WR_NOP;
	wr->user_data = 0x1234567890abcdefULL;
	__atomic_store_n(&qr->tail, 1, __ATOMIC_RELEASE);
	db.queue_id = q.out_queue_id;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DOORBELL, &db), 0);
	w.cq_id = cq.out_cq_id;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_WAIT_CQ, &w), 0);
	assert_int_equal(__atomic_load_n(&cqr->tail, __ATOMIC_ACQUIRE), 1);
	cqe = (struct uaccel_cqe *)((char *)cqr + UACCEL_RING_ENTRIES_OFFSET);
	assert_true(cqe->user_data == 0x1234567890abcdefULL);
	assert_int_equal(cqe->status, 0);
	assert_int_equal(cqe->queue_id, q.out_queue_id);
	__atomic_store_n(&cqr->head, 1, __ATOMIC_RELEASE);

	assert_int_equal(vm_destroy(fd, q.out_queue_id), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	/* Mapped here; a 32-bit caller could map them too (teardown unmaps). */
	assert_offset_fits_32bit_callers(cq.out_mmap_offset);
	assert_offset_fits_32bit_callers(q.out_mmap_offset);
}

/*
 * The same through libaccel: its CQ and queue creation map the rings with
 * the offsets the kernel gave (a 64-bit off_t whatever the caller's
 * _FILE_OFFSET_BITS); posting and polling pass user pointers as __u64.
 */
static void test_libaccel_rings_of_ids_past_4095(void **state)
{
	struct accel_wr wr[2] = {
		{ .opcode = ACCEL_WR_NOP, .user_data = 0xfeedULL << 40 },
		{ .opcode = ACCEL_WR_NOP, .user_data = 7 },
	};
	struct accel_context *ctx;
	const struct accel_ring *cr, *qr;
	struct accel_wc wc[2];
	struct accel_queue *q;
	struct accel_cq *cq;
	struct accel_pd *pd;
	double end;
	int i;

	/* The generic POST and POLL_CQ, whatever provider is installed. */
	setenv("ACCEL_PROVIDERS", "none", 1);
	ctx = lib_ctx = accel_open_device_by_name(DEV);
	assert_non_null(ctx);
	for (i = 0; i < ID_CYCLES; i++) {
		pd = accel_alloc_pd(ctx);
		assert_non_null(pd);
		assert_int_equal(accel_dealloc_pd(pd), 0);
	}
	pd = accel_alloc_pd(ctx);
	assert_non_null(pd);
	cq = accel_create_cq(ctx, 4, -1);
	if (!cq)
		fail_msg("accel_create_cq after %d ids: %s", ID_CYCLES, strerror(errno));
	assert_true(accel_cq_id(cq) > 4095);
	q = accel_create_queue(pd, cq, 4);
	if (!q)
		fail_msg("accel_create_queue after %d ids: %s", ID_CYCLES, strerror(errno));
	assert_true(accel_queue_id(q) > 4095);

	/* Posted with the generic POST (no provider here): wrs is a user pointer. */
	assert_int_equal(accel_post(q, wr, 2), 2);
	qr = accel_queue_ring(q);
	assert_int_equal(__atomic_load_n(&qr->hdr->tail, __ATOMIC_ACQUIRE), 2);
	cr = accel_cq_ring(cq);
	end = vm_now() + 10;
	while (__atomic_load_n(&cr->hdr->tail, __ATOMIC_ACQUIRE) < 2 && vm_now() < end)
		accel_wait_cq(cq, 1000);
	assert_int_equal(__atomic_load_n(&cr->hdr->tail, __ATOMIC_ACQUIRE), 2);
	/* The first through the CQ mapping, the second with POLL_CQ (cqes pointer). */
	assert_int_equal(accel_poll_cq_ring(cq, wc, 1), 1);
	assert_true(wc[0].user_data == 0xfeedULL << 40);
	assert_int_equal(wc[0].status, 0);
	assert_int_equal(accel_poll_cq(cq, &wc[1], 2), 1);
	assert_true(wc[1].user_data == 7);
	assert_int_equal(wc[1].queue_id, accel_queue_id(q));

	assert_int_equal(accel_destroy_queue(q), 0);
	assert_int_equal(accel_destroy_cq(cq), 0);
	assert_int_equal(accel_dealloc_pd(pd), 0);
}

/* The size/flags/pointer rules for every command that creates something. */
static void test_size_rules(void **state)
{
	struct uaccel_alloc_pd pdc = { .size = sizeof(pdc) };
	struct uaccel_destroy d = { .size = sizeof(d), .id = 1 };
	struct uaccel_create_cq cqc = { .size = sizeof(cqc), .entries = 4 };
	char buf[64];
	struct uaccel_reg_mr mrc = {
		.size = sizeof(mrc), .pd_id = 1, .addr = (uintptr_t)buf, .length = 64,
	};
	struct uaccel_create_queue qc = {
		.size = sizeof(qc), .pd_id = 1, .cq_id = 1, .entries = 4,
	};
	struct uaccel_doorbell db = { .size = sizeof(db), .queue_id = 1 };
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .cq_id = 1 };
	struct uaccel_wait_cq wc = { .size = sizeof(wc), .cq_id = 1 };
	struct uaccel_post po = { .size = sizeof(po), .queue_id = 1, .count = 1 };
	struct uaccel_get_driver_ops_fd gf = {
		.size = sizeof(gf), .name = "dma.soft.uaccel", .min_version = 1, .max_version = 2,
	};
	struct uaccel_reg_dmabuf_mr dmc = {
		.size = sizeof(dmc), .pd_id = 1, .length = 64, .fd = -1,
	};
	struct uaccel_alloc_dm adm = { .size = sizeof(adm), .length = 4096 };
	struct uaccel_export_dm edm = { .size = sizeof(edm), .dm_id = 1 };

	vm_check_size_rules(fd, UACCEL_IOCTL_ALLOC_PD, &pdc, sizeof(pdc), sizeof(pdc));
	vm_check_size_rules(fd, UACCEL_IOCTL_DESTROY, &d, sizeof(d), sizeof(d));
	vm_check_size_rules(fd, UACCEL_IOCTL_REG_MR, &mrc, sizeof(mrc), sizeof(mrc));
	vm_check_size_rules(fd, UACCEL_IOCTL_CREATE_CQ, &cqc, sizeof(cqc), sizeof(cqc));
	/* poll_idle_ms and __reserved came later: the first version ends before. */
	vm_check_size_rules(fd, UACCEL_IOCTL_CREATE_QUEUE, &qc, sizeof(qc),
			    offsetof(struct uaccel_create_queue, poll_idle_ms));
	vm_check_size_rules(fd, UACCEL_IOCTL_DOORBELL, &db, sizeof(db), sizeof(db));
	vm_check_size_rules(fd, UACCEL_IOCTL_POLL_CQ, &pc, sizeof(pc), sizeof(pc));
	vm_check_size_rules(fd, UACCEL_IOCTL_WAIT_CQ, &wc, sizeof(wc), sizeof(wc));
	vm_check_size_rules(fd, UACCEL_IOCTL_POST, &po, sizeof(po), sizeof(po));
	vm_check_size_rules(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &gf, sizeof(gf), sizeof(gf));
	vm_check_size_rules(fd, UACCEL_IOCTL_REG_DMABUF_MR, &dmc, sizeof(dmc), sizeof(dmc));
	vm_check_size_rules(fd, UACCEL_IOCTL_ALLOC_DM, &adm, sizeof(adm), sizeof(adm));
	vm_check_size_rules(fd, UACCEL_IOCTL_EXPORT_DM, &edm, sizeof(edm), sizeof(edm));

	/* Reserved fields, and ids that name nothing (the context has no object). */
	const struct vm_bad_cmd bad[] = {
		VM_BAD(UACCEL_IOCTL_ALLOC_PD, pdc, __reserved, 1, -EINVAL),
		VM_BAD(UACCEL_IOCTL_DOORBELL, db, __reserved, 1, -EINVAL),
		VM_BAD(UACCEL_IOCTL_POLL_CQ, pc, __reserved, 1, -EINVAL),
		VM_BAD(UACCEL_IOCTL_POST, po, __reserved, 1, -EINVAL),
		VM_BAD(UACCEL_IOCTL_DOORBELL, db, queue_id, 1, -ENOENT),
		VM_BAD(UACCEL_IOCTL_POLL_CQ, pc, cq_id, 1, -ENOENT),
		VM_BAD(UACCEL_IOCTL_WAIT_CQ, wc, cq_id, 1, -ENOENT),
		VM_BAD(UACCEL_IOCTL_POST, po, queue_id, 1, -ENOENT),
		VM_BAD(UACCEL_IOCTL_EXPORT_DM, edm, dm_id, 1, -ENOENT),
	};

	VM_CHECK_BAD_CMDS(fd, bad, NULL);
}

/* Open, populate and close many times: every counter returns to its base. */
static void test_populate_close_cycles(void **state)
{
	char *buf = malloc(8192);
	unsigned int i;

	close(fd);
	for (i = 0; i < vm_scaled(1000); i++) {
		uint32_t pd, mr = 0;
		struct uaccel_create_cq cq;

		fd = vm_open_device(DEV);
		pd = alloc_pd();
		assert_int_equal(vm_reg_mr(fd, pd, buf, 8192, UACCEL_MR_ACCESS_WRITE, &mr), 0);
		assert_int_equal(vm_create_cq(fd, 16, &cq), 0);
		assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 16, NULL), 0);
		alloc_pd();
		close(fd);
	}
	fd = vm_open_device(DEV);
	vm_assert_stats_equal(&(struct vm_stats){ .contexts = base.contexts + 1,
		.facet_files = base.facet_files, .pd = base.pd, .mr = base.mr,
		.cq = base.cq, .queue = base.queue, .pinned_pages = base.pinned_pages });
	free(buf);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_fd, teardown_fd)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pd),
		T(test_mr_lifetime_and_busy),
		T(test_mr_bad_input),
		T(test_mr_memlock_limit),
		T(test_cq),
		T(test_queue),
		T(test_rings_of_ids_past_4095),
		T(test_libaccel_rings_of_ids_past_4095),
		T(test_size_rules),
		T(test_populate_close_cycles),
	};

	return vm_run_tests("vm_objects", tests, &base, DEV);
}
