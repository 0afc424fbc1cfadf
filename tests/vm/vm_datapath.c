// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The soft data path through libaccel, with the provider (mapped rings) and
 * without (POST/POLL_CQ): copy, fill, compare and crc32c against userspace
 * for sizes from 1 B to 64 MiB at unaligned offsets, bad work requests,
 * CQ overflow (the queue stalls, nothing is lost), eventfd and WAIT_CQ,
 * a million small operations with every completion accounted for, and
 * inline execution: a doorbell on an idle queue executes a small batch
 * before it returns, hands what is over its bounds to the worker, and
 * completions stay in ring order.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "vmtest.h"
#include "../common/crc32c.h"

#define DEV "datatest0"
#define BIG (64UL << 20)
#define INLINE_REQUESTS "/sys/module/uaccel_soft/parameters/inline_requests"
#define INLINE_BYTES "/sys/module/uaccel_soft/parameters/inline_bytes"

/* The data path on DEV with a plain queue of @q_entries. */
static void env_open(struct vm_env *e, int provider, unsigned int cq_entries,
		     unsigned int q_entries, size_t buf)
{
	const struct accel_queue_attr qattr = { .entries = q_entries };

	vm_env_open(e, DEV, provider, cq_entries, &qattr, buf);
}

/* Post one request and wait for its completion. */
static struct accel_wc run1(struct vm_env *e, const struct accel_wr *wr)
{
	struct accel_wc wc;
	int n;

	assert_int_equal(accel_post(e->q, wr, 1), 1);
	while (!(n = accel_poll_cq(e->cq, &wc, 1)))
		assert_int_equal(accel_wait_cq(e->cq, 10000), 0);
	assert_int_equal(n, 1);
	assert_int_equal(wc.user_data, wr->user_data);
	assert_int_equal(wc.queue_id, accel_queue_id(e->q));
	return wc;
}

static struct accel_wr mkwr(uint8_t op, struct accel_mr *src, uint64_t soff,
			    struct accel_mr *dst, uint64_t doff, uint64_t len)
{
	static uint64_t seq;
	struct accel_wr wr = {
		.opcode = op, .user_data = ++seq, .length = len,
		.src_offset = soff, .dst_offset = doff,
	};

	if (src)
		wr.src_mr = accel_mr_id(src);
	if (dst)
		wr.dst_mr = accel_mr_id(dst);
	return wr;
}

static void fill_random(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

static void check_ops(int provider)
{
	static const size_t sizes[] = { 1, 7, 4095, 4096, 4097, 65549, (1 << 20) + 5 };
	struct accel_wr wr;
	struct accel_wc wc;
	struct vm_env e;
	size_t i;

	env_open(&e, provider, 64, 64, BIG + 8192);
	for (i = 0; i <= sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = i < sizeof(sizes) / sizeof(sizes[0]) ? sizes[i] : BIG;
		size_t so = 3 + i, doff = 4093 - i;

		fill_random(e.a, n + so, n);
		memset(e.b, 0x5a, n + doff + 16);

		wr = mkwr(ACCEL_WR_COPY, e.amr, so, e.bmr, doff, n);
		wc = run1(&e, &wr);
		assert_int_equal(wc.status, 0);
		assert_memory_equal(e.b + doff, e.a + so, n);
		assert_int_equal(e.b[doff - 1], 0x5a);
		assert_int_equal(e.b[doff + n], 0x5a);

		wr = mkwr(ACCEL_WR_COMPARE, e.amr, so, e.bmr, doff, n);
		wc = run1(&e, &wr);
		assert_int_equal(wc.status, 0);
		assert_int_equal(wc.result, 0);
		e.b[doff + n - 1] ^= 1;
		wc = run1(&e, &wr);
		assert_int_equal(wc.result, n);	/* 1 + offset of the difference */

		wr = mkwr(ACCEL_WR_CRC32C, e.amr, so, NULL, 0, n);
		wr.value = 0xabcd;
		wc = run1(&e, &wr);
		assert_int_equal(wc.status, 0);
		assert_int_equal(wc.result, crc32c_ref(0xabcd, e.a + so, n));

		wr = mkwr(ACCEL_WR_FILL, NULL, 0, e.bmr, doff, n);
		wr.value = 0x1c3;	/* only the low byte counts */
		wc = run1(&e, &wr);
		assert_int_equal(wc.status, 0);
		for (size_t k = 0; k < n; k += (n > 4096 ? 509 : 1))
			assert_int_equal(e.b[doff + k], 0xc3);
		assert_int_equal(e.b[doff + n - 1], 0xc3);
		assert_int_equal(e.b[doff + n], 0x5a);
	}
	vm_env_close(&e);
}

static void test_ops_provider(void **state)
{
	check_ops(1);
}

static void test_ops_generic(void **state)
{
	check_ops(0);
}

static void test_bad_work_requests(void **state)
{
	struct accel_mr *ro, *other;
	struct accel_pd *pd2;
	struct accel_wr wr;
	struct vm_env e;

	env_open(&e, 1, 16, 16, 8192);
	ro = accel_reg_mr(e.pd, e.a, 8192, 0);
	pd2 = accel_alloc_pd(e.ctx);
	other = accel_reg_mr(pd2, e.b, 8192, ACCEL_ACCESS_WRITE);
	assert_non_null(ro);
	assert_non_null(other);

	const uint32_t a = accel_mr_id(e.amr), b = accel_mr_id(e.bmr);
	const uint32_t r = accel_mr_id(ro), o = accel_mr_id(other);
	/* Each request completes with the status of what is wrong with it. */
	const struct {
		const char *what;
		struct accel_wr wr;
		uint32_t status;
	} bad[] = {
		{ "unknown opcode", { .opcode = 99 }, EINVAL },
		{ "flags", { .opcode = ACCEL_WR_NOP, .flags = 1 }, EINVAL },
		{ "reserved2", { .opcode = ACCEL_WR_COPY, .src_mr = a, .dst_mr = b,
				 .length = 8, .reserved2 = 1 }, EINVAL },
		{ "an MR of another PD", { .opcode = ACCEL_WR_COPY, .src_mr = a,
					   .dst_mr = o, .length = 8 }, ENOENT },
		{ "no such MR", { .opcode = ACCEL_WR_COPY, .src_mr = 777, .dst_mr = b,
				  .length = 8 }, ENOENT },
		{ "source past the MR", { .opcode = ACCEL_WR_COPY, .src_mr = a,
					  .src_offset = 8190, .dst_mr = b, .length = 8 },
		  EFAULT },
		{ "destination offset wraps", { .opcode = ACCEL_WR_COPY, .src_mr = a,
						.dst_mr = b, .dst_offset = UINT64_MAX - 2,
						.length = 8 }, EFAULT },
		{ "copy into a read-only MR", { .opcode = ACCEL_WR_COPY, .src_mr = a,
						.dst_mr = r, .length = 8 }, EACCES },
		{ "fill a read-only MR", { .opcode = ACCEL_WR_FILL, .dst_mr = r,
					   .length = 8 }, EACCES },
		{ "overlapping", { .opcode = ACCEL_WR_COPY, .src_mr = a, .dst_mr = a,
				   .dst_offset = 4, .length = 8 }, EINVAL },
		/* COMPARE only reads: a read-only MR is fine. */
		{ "compare with a read-only MR", { .opcode = ACCEL_WR_COMPARE, .src_mr = a,
						   .dst_mr = r, .length = 8 }, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct accel_wc wc;

		wr = bad[i].wr;
		wr.user_data = i + 1;
		wc = run1(&e, &wr);
		if (wc.status != bad[i].status)
			fail_msg("%s: status %u, expected %u", bad[i].what, wc.status,
				 bad[i].status);
	}

	/* The MR in use by a queue request is freed only once done: not busy now. */
	assert_int_equal(accel_dereg_mr(ro), 0);
	assert_int_equal(accel_dereg_mr(other), 0);
	assert_int_equal(accel_dealloc_pd(pd2), 0);
	/* Argument checks of the library. */
	assert_int_equal(accel_post(e.q, &wr, 0), -EINVAL);
	assert_int_equal(accel_post(e.q, &wr, 4097), -EINVAL);
	assert_int_equal(accel_poll_cq(e.cq, NULL, 1), -EINVAL);
	assert_int_equal(accel_wait_cq(e.cq, -1), -EINVAL);
	vm_env_close(&e);
}

/* Error injection through the privileged debug facet. */
static void test_injected_errors(void **state)
{
	struct uaccel_soft_debug_inject_error inj = { .size = sizeof(inj), .count = 2 };
	static const struct accel_facet_req dbg = { UACCEL_SOFT_DEBUG_FACET, 1, 1 };
	struct accel_wr wr;
	struct vm_env e;
	int f;

	env_open(&e, 1, 16, 16, 0);
	f = accel_get_facet(e.ctx, &dbg, 1, 0, NULL, NULL);
	assert_true(f >= 0);
	inj.queue_id = accel_queue_id(e.q);
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DEBUG_INJECT_ERROR, &inj), 0);
	wr = mkwr(ACCEL_WR_NOP, NULL, 0, NULL, 0, 0);
	assert_int_equal(run1(&e, &wr).status, EIO);
	assert_int_equal(run1(&e, &wr).status, EIO);
	assert_int_equal(run1(&e, &wr).status, 0);
	inj.queue_id = 999;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DEBUG_INJECT_ERROR, &inj), -ENOENT);
	close(f);
	vm_env_close(&e);
}

/* A CQ smaller than the work: the queue stalls and nothing is lost. */
static void check_overflow(int provider)
{
	struct uaccel_soft_dma_queue_stats qs = { .size = sizeof(qs) };
	static const struct accel_facet_req dma = { UACCEL_SOFT_DMA_FACET, 1, 2 };
	struct accel_wr wr[64];
	struct accel_wc wc[64];
	uint64_t expect = 1;
	int got = 0, n, f;
	struct vm_env e;

	env_open(&e, provider, 4, 64, 0);
	for (int i = 0; i < 64; i++) {
		wr[i] = mkwr(ACCEL_WR_NOP, NULL, 0, NULL, 0, 0);
		wr[i].user_data = i + 1;
	}
	assert_int_equal(accel_post(e.q, wr, 64), 64);
	/* Only 4 fit: wait until they are there and the queue has stalled. */
	f = accel_get_facet(e.ctx, &dma, 1, 0, NULL, NULL);
	assert_true(f >= 0);
	qs.queue_id = accel_queue_id(e.q);
	for (int tries = 0; tries < 1000; tries++) {
		assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, &qs), 0);
		if (qs.out_stalls)
			break;
		usleep(1000);
	}
	assert_true(qs.out_stalls >= 1);
	assert_int_equal(qs.out_executed, 4);
	assert_int_equal(accel_post(e.q, wr, 1), 1);	/* the ring has room: 65 posted */
	while (got < 65) {
		n = accel_poll_cq(e.cq, wc, 64);
		assert_true(n >= 0);
		if (!n) {
			assert_int_equal(accel_wait_cq(e.cq, 10000), 0);
			continue;
		}
		assert_true(n <= 4);
		for (int i = 0; i < n; i++, got++) {
			assert_int_equal(wc[i].status, 0);
			assert_int_equal(wc[i].user_data, got < 64 ? expect++ : 1);
		}
	}
	assert_int_equal(accel_poll_cq(e.cq, wc, 64), 0);
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, &qs), 0);
	assert_int_equal(qs.out_executed, 65);
	close(f);
	vm_env_close(&e);
}

static void test_cq_overflow_provider(void **state)
{
	check_overflow(1);
}

static void test_cq_overflow_generic(void **state)
{
	check_overflow(0);
}

static void test_eventfd_and_wait(void **state)
{
	struct accel_wr wr = mkwr(ACCEL_WR_NOP, NULL, 0, NULL, 0, 0);
	struct accel_queue *q;
	struct accel_cq *cq;
	struct accel_wc wc;
	struct vm_env e;
	uint64_t v;
	int efd;

	env_open(&e, 1, 16, 16, 0);
	/* An empty CQ times out. */
	assert_int_equal(accel_wait_cq(e.cq, 20), -ETIMEDOUT);

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cq = accel_create_cq(e.ctx, 16, efd);
	assert_non_null(cq);
	q = accel_create_queue(e.pd, cq, 16);
	assert_non_null(q);
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(accel_post(q, &wr, 1), 1);
	struct pollfd p = { .fd = efd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_true(v >= 1);
	assert_int_equal(accel_poll_cq(cq, &wc, 1), 1);
	assert_int_equal(wc.user_data, wr.user_data);
	assert_int_equal(accel_destroy_cq(cq), -EBUSY);
	assert_int_equal(accel_destroy_queue(q), 0);
	assert_int_equal(accel_destroy_cq(cq), 0);
	close(efd);
	vm_env_close(&e);
}

/*
 * A million small operations (fewer on a debug kernel: vm_scaled()),
 * batches of 32 (the total is a multiple of them): every completion
 * arrives once.
 */
static void test_million_ops(void **state)
{
	const uint64_t total = vm_scaled(1000000) / 32 * 32;
	struct accel_wr wr[32];
	struct accel_wc wc[256];
	uint64_t posted = 0, done = 0, sum = 0;
	struct vm_env e;
	int n;

	env_open(&e, 1, 1024, 256, 4096);
	for (int i = 0; i < 32; i++)
		wr[i] = mkwr(ACCEL_WR_COPY, e.amr, i, e.bmr, 2048 + i, 64);
	while (done < total) {
		if (posted < total && posted - done <= 256 - 32) {
			for (int i = 0; i < 32; i++)
				wr[i].user_data = posted + i + 1;
			n = accel_post(e.q, wr, 32);
			assert_true(n > 0 || n == -EAGAIN);
			if (n > 0)
				posted += n;
		}
		n = accel_poll_cq(e.cq, wc, 256);
		assert_true(n >= 0);
		for (int i = 0; i < n; i++) {
			assert_int_equal(wc[i].status, 0);
			sum += wc[i].user_data;
		}
		done += n;
		if (!n && posted - done > 192)
			assert_int_equal(accel_wait_cq(e.cq, 10000), 0);
	}
	assert_int_equal(done, total);
	assert_int_equal(sum, total * (total + 1) / 2);
	assert_int_equal(accel_poll_cq(e.cq, wc, 256), 0);
	vm_env_close(&e);
}

static unsigned long read_param(const char *path)
{
	char buf[32];

	vm_sysfs_read(path, buf, sizeof(buf));
	return strtoul(buf, NULL, 10);
}

/* The bounds take 0 to their maximum; anything else is EINVAL, unchanged. */
static void test_inline_parameters(void **state)
{
	assert_int_equal(read_param(INLINE_REQUESTS), 64);
	assert_int_equal(read_param(INLINE_BYTES), 65536);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "1025"), -EINVAL);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "-1"), -EINVAL);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "x"), -EINVAL);
	assert_int_equal(vm_sysfs_write(INLINE_BYTES, "1048577"), -EINVAL);
	assert_int_equal(read_param(INLINE_REQUESTS), 64);
	assert_int_equal(read_param(INLINE_BYTES), 65536);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "1024"), 0);
	assert_int_equal(vm_sysfs_write(INLINE_BYTES, "1048576"), 0);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "0"), 0);
	assert_int_equal(vm_sysfs_write(INLINE_BYTES, "0"), 0);
	assert_int_equal(read_param(INLINE_REQUESTS), 0);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "64"), 0);
	assert_int_equal(vm_sysfs_write(INLINE_BYTES, "65536"), 0);
}

/*
 * Post @n requests of @wr in one call, then take what completed without
 * waiting: the count; then the rest, in order of user_data from @first.
 */
static int post_and_reap(struct vm_env *e, struct accel_wr *wr, int n, uint64_t first)
{
	struct accel_wc wc[64];
	int now, got, k;

	assert_int_equal(accel_post(e->q, wr, n), n);
	now = accel_poll_cq(e->cq, wc, n);
	assert_true(now >= 0);
	for (got = now;; got += k) {
		if (got == n)
			break;
		k = accel_poll_cq(e->cq, wc + got, n - got);
		assert_true(k >= 0);
		if (!k)
			assert_int_equal(accel_wait_cq(e->cq, 10000), 0);
	}
	for (int i = 0; i < n; i++) {
		assert_int_equal(wc[i].status, 0);
		assert_int_equal(wc[i].user_data, first + i);
	}
	assert_int_equal(accel_poll_cq(e->cq, wc, 1), 0);
	return now;
}

/*
 * A batch of 32 small copies on an idle queue is complete when the post
 * returns (inline, with the provider's DOORBELL and with POST), and the
 * data is there; without inline execution (inline_requests 0) the worker
 * does the same work.
 */
static void check_inline_batch(int provider)
{
	struct accel_wr wr[32];
	struct vm_env e;

	env_open(&e, provider, 64, 64, 8192);
	for (int round = 0; round < 2; round++) {
		if (round)
			assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "0"), 0);
		fill_random(e.a, 4096, 7 + round);
		memset(e.b, 0, 4096);
		for (int i = 0; i < 32; i++) {
			wr[i] = mkwr(ACCEL_WR_COPY, e.amr, i * 64, e.bmr, i * 64, 64);
			wr[i].user_data = 1000 * round + i;
		}
		if (!round)
			assert_int_equal(post_and_reap(&e, wr, 32, 0), 32);
		else
			post_and_reap(&e, wr, 32, 1000);
		assert_memory_equal(e.b, e.a, 2048);
	}
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "64"), 0);
	vm_env_close(&e);
}

static void test_inline_batch_provider(void **state)
{
	check_inline_batch(1);
}

static void test_inline_batch_generic(void **state)
{
	check_inline_batch(0);
}

/*
 * Over the bounds: with inline_requests 4, a batch of 10 has at least its
 * first 4 done at the return; with inline_bytes 4096, a 256 KiB copy in
 * the middle of small ones goes to the worker, after the 3 before it.
 * Either way all complete, in ring order, with the right data.
 */
static void test_inline_bounds_keep_order(void **state)
{
	const size_t big = 256 << 10;
	struct accel_wr wr[10];
	struct vm_env e;

	env_open(&e, 1, 64, 64, 2 * big);
	fill_random(e.a, 2 * big, 11);
	memset(e.b, 0, 2 * big);
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "4"), 0);
	for (int i = 0; i < 10; i++) {
		wr[i] = mkwr(ACCEL_WR_COPY, e.amr, i * 64, e.bmr, i * 64, 64);
		wr[i].user_data = 100 + i;
	}
	assert_true(post_and_reap(&e, wr, 10, 100) >= 4);
	assert_memory_equal(e.b, e.a, 640);

	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "64"), 0);
	assert_int_equal(vm_sysfs_write(INLINE_BYTES, "4096"), 0);
	memset(e.b, 0, 2 * big);
	for (int i = 0; i < 7; i++) {
		wr[i] = mkwr(ACCEL_WR_COPY, e.amr, i * 64, e.bmr, i * 64, 64);
		wr[i].user_data = 200 + i;
	}
	wr[3] = mkwr(ACCEL_WR_COPY, e.amr, big, e.bmr, big, big);
	wr[3].user_data = 203;
	assert_true(post_and_reap(&e, wr, 7, 200) >= 3);
	assert_memory_equal(e.b, e.a, 3 * 64);
	assert_memory_equal(e.b + 4 * 64, e.a + 4 * 64, 3 * 64);
	assert_memory_equal(e.b + big, e.a + big, big);
	assert_int_equal(vm_sysfs_write(INLINE_BYTES, "65536"), 0);
	vm_env_close(&e);
}

/*
 * A run of requests on the same MRs looks them up once, and holds them only
 * while a request that names them runs or waits taken from the ring: once
 * the completion of the last request naming an MR is seen, DESTROY of it
 * succeeds at once, even while a later request on another MR runs.
 * Through the worker (inline_requests 0) and inline: 16 copies A to B,
 * then one 8 MiB fill of D; as soon as the 16th completion is there, A
 * and B are unregistered (0, never -EBUSY) while the fill may still run;
 * then D once it completed.  Five rounds each.
 */
static void test_mrs_put_before_completion(void **state)
{
	const size_t big = 8 << 20;
	struct accel_mr *dmr, *amr, *bmr;
	struct accel_wr wr[17];
	struct accel_wc wc[17];
	struct vm_env e;
	unsigned char *d;
	int got, k;

	env_open(&e, 1, 64, 64, 4096);
	d = malloc(big);
	assert_non_null(d);
	dmr = accel_reg_mr(e.pd, d, big, ACCEL_ACCESS_WRITE);
	assert_non_null(dmr);
	for (int round = 0; round < 10; round++) {
		assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, round & 1 ? "64" : "0"), 0);
		amr = accel_reg_mr(e.pd, e.a, 4096, 0);
		bmr = accel_reg_mr(e.pd, e.b, 4096, ACCEL_ACCESS_WRITE);
		assert_non_null(amr);
		assert_non_null(bmr);
		for (int i = 0; i < 16; i++)
			wr[i] = mkwr(ACCEL_WR_COPY, amr, i * 64, bmr, i * 64, 64);
		wr[16] = mkwr(ACCEL_WR_FILL, NULL, 0, dmr, 0, big);
		wr[16].value = round;
		assert_int_equal(accel_post(e.q, wr, 17), 17);
		for (got = 0; got < 16; got += k) {
			k = accel_poll_cq(e.cq, wc + got, 16 - got);
			assert_true(k >= 0);
			if (!k)
				assert_int_equal(accel_wait_cq(e.cq, 10000), 0);
		}
		for (int i = 0; i < 16; i++) {
			assert_int_equal(wc[i].status, 0);
			assert_int_equal(wc[i].user_data, wr[i].user_data);
		}
		assert_int_equal(accel_dereg_mr(amr), 0);
		assert_int_equal(accel_dereg_mr(bmr), 0);
		while (!(k = accel_poll_cq(e.cq, wc + 16, 1)))
			assert_int_equal(accel_wait_cq(e.cq, 10000), 0);
		assert_int_equal(k, 1);
		assert_int_equal(wc[16].status, 0);
		assert_int_equal(wc[16].user_data, wr[16].user_data);
		assert_int_equal(d[0], round);
		assert_int_equal(d[big - 1], round);
	}
	assert_int_equal(vm_sysfs_write(INLINE_REQUESTS, "64"), 0);
	assert_int_equal(accel_dereg_mr(dmr), 0);
	free(d);
	vm_env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_provider),
		cmocka_unit_test(test_ops_generic),
		cmocka_unit_test(test_bad_work_requests),
		cmocka_unit_test(test_injected_errors),
		cmocka_unit_test(test_cq_overflow_provider),
		cmocka_unit_test(test_cq_overflow_generic),
		cmocka_unit_test(test_eventfd_and_wait),
		cmocka_unit_test(test_million_ops),
		cmocka_unit_test(test_inline_parameters),
		cmocka_unit_test(test_inline_batch_provider),
		cmocka_unit_test(test_inline_batch_generic),
		cmocka_unit_test(test_inline_bounds_keep_order),
		cmocka_unit_test(test_mrs_put_before_completion),
	};

	return vm_run_tests("vm_datapath", tests, NULL, DEV);
}
