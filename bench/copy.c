// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Bulk copy bandwidth: 64 MiB between two pre-faulted buffers with the
 * C library's memcpy() against the soft device copying the same buffers
 * registered as MRs, synchronously through the facet's COPY ioctl and as
 * one work request on a queue (post, then sleep in WAIT_CQ until done).
 */
#include <accel/accel.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "bench.h"

#define COPY_BYTES (64UL << 20)

struct copy {
	struct accel_context *ctx;
	struct accel_pd *pd;
	struct accel_mr *src, *dst;
	struct accel_cq *cq;
	struct accel_queue *q;
	int facet_fd;
	char *a, *b;
	size_t len;
};

static int do_memcpy(void *arg, long n)
{
	struct copy *c = arg;

	while (n--) {
		memcpy(c->b, c->a, c->len);
		/* Keep the compiler from eliding repeated copies. */
		__asm__ volatile("" : : "r"(c->b) : "memory");
	}
	return 0;
}

/*
 * The same copy with the string instruction the kernel's memcpy() uses on
 * CPUs with ERMS/FSRM: tells how much of a gap to the C library's vector
 * copy is the instruction (or its emulation) rather than uaccel.
 */
static int do_rep_movsb(void *arg, long n)
{
#if defined(__x86_64__) || defined(__i386__)
	struct copy *c = arg;

	while (n--) {
		void *d = c->b;
		const void *s = c->a;
		size_t len = c->len;

		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(len) : : "memory");
	}
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

static int facet_copy(void *arg, long n)
{
	struct copy *c = arg;
	struct uaccel_soft_dma_copy cmd = {
		.size = sizeof(cmd),
		.src_mr = accel_mr_id(c->src),
		.dst_mr = accel_mr_id(c->dst),
		.length = c->len,
	};

	while (n--)
		if (ioctl(c->facet_fd, UACCEL_SOFT_IOCTL_DMA_COPY, &cmd))
			return -errno;
	return 0;
}

static int queue_copy(void *arg, long n)
{
	struct copy *c = arg;
	struct accel_wr wr = {
		.opcode = ACCEL_WR_COPY,
		.src_mr = accel_mr_id(c->src),
		.dst_mr = accel_mr_id(c->dst),
		.length = c->len,
	};
	struct accel_wc wc;
	int ret;

	while (n--) {
		ret = accel_post(c->q, &wr, 1);
		if (ret < 0)
			return ret;
		while (!(ret = accel_poll_cq(c->cq, &wc, 1))) {
			ret = accel_wait_cq(c->cq, 10000);
			if (ret && ret != -ETIMEDOUT)
				return ret;
		}
		if (ret < 0)
			return ret;
		if (wc.status)
			return -(int)wc.status;
	}
	return 0;
}

int bench_copy(void)
{
	static const struct accel_facet_req req[] = { { UACCEL_SOFT_DMA_FACET, 1, 2 } };
	static const char fl[] = "64 MiB copy: facet COPY ioctl vs memcpy()";
	static const char ql[] = "64 MiB copy: one queue work request vs memcpy()";
	struct copy c = { .facet_fd = -1 };

	c.len = cfg.smoke ? 1UL << 20 : COPY_BYTES;
	c.a = mmap(NULL, 2 * c.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	BENCH_CHECK(c.a != MAP_FAILED, "mmap: %s", strerror(errno));
	c.b = c.a + c.len;
	memset(c.a, 0xa5, 2 * c.len);

	c.ctx = accel_open_device_by_name(cfg.soft_name);
	BENCH_CHECK(c.ctx, "cannot open %s: %s", cfg.soft_name, strerror(errno));
	c.pd = accel_alloc_pd(c.ctx);
	BENCH_CHECK(c.pd, "ALLOC_PD: %s", strerror(errno));
	c.src = accel_reg_mr(c.pd, c.a, c.len, 0);
	BENCH_CHECK(c.src, "REG_MR: %s", strerror(errno));
	c.dst = accel_reg_mr(c.pd, c.b, c.len, ACCEL_ACCESS_WRITE);
	BENCH_CHECK(c.dst, "REG_MR: %s", strerror(errno));
	c.cq = accel_create_cq(c.ctx, 16, -1);
	BENCH_CHECK(c.cq, "CREATE_CQ: %s", strerror(errno));
	c.q = accel_create_queue(c.pd, c.cq, 16);
	BENCH_CHECK(c.q, "CREATE_QUEUE: %s", strerror(errno));
	c.facet_fd = accel_get_facet(c.ctx, req, 1, ACCEL_FACET_CLOEXEC, NULL, NULL);
	BENCH_CHECK(c.facet_fd >= 0, "GET_DRIVER_OPS_FD: %s", strerror(-c.facet_fd));

	bench_pair("copy_facet", "copy", fl, "soft facet COPY", facet_copy, &c,
		   "memcpy", do_memcpy, &c, "GB/s", c.len);
	bench_pair("copy_queue", "copy", ql, "soft queue COPY", queue_copy, &c,
		   "memcpy", do_memcpy, &c, "GB/s", c.len);
	bench_pair("copy_movsb", "copy", "64 MiB copy: facet COPY vs rep movsb in userspace",
		   "soft facet COPY", facet_copy, &c, "rep movsb", do_rep_movsb, &c,
		   "GB/s", c.len);
	BENCH_CHECK(!memcmp(c.a, c.b, c.len), "the copies differ from the source");

	close(c.facet_fd);
	accel_destroy_queue(c.q);
	accel_destroy_cq(c.cq);
	accel_dereg_mr(c.src);
	accel_dereg_mr(c.dst);
	accel_dealloc_pd(c.pd);
	accel_close_device(c.ctx);
	munmap(c.a, 2 * c.len);
	return 0;
}
