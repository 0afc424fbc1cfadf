// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Control operations: libaccel on a soft device against rdma-core
 * (libibverbs) on rxe.  Each iteration creates and destroys one object, as
 * an application setting up and tearing down does.
 */
#include <accel/accel.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

#ifdef HAVE_IBVERBS
#include <infiniband/verbs.h>
#endif

struct ctl {
	struct accel_context *ctx;
	struct accel_pd *pd;
#ifdef HAVE_IBVERBS
	struct ibv_context *ictx;
	struct ibv_pd *ipd;
#endif
	void *buf;
	size_t len;
};

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

#ifdef HAVE_IBVERBS
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

int bench_control(void)
{
	static const char *const rows[][2] = {
		{ "open", "device list + open + context (+ close)" },
		{ "pd", "PD alloc+free" },
		{ "cq", "CQ create+destroy (256 entries)" },
	};
	const char *base = "rdma-core rxe";
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
#endif
	if (!have_ib) {
#ifdef HAVE_IBVERBS
		const char *why = "no rxe device (rdma_rxe, rdma link add)";
#else
		const char *why = "built without libibverbs-dev";
#endif
		for (i = 0; i < 3; i++)
			bench_skip(rows[i][0], "control", rows[i][1], why);
		for (i = 0; i < 3; i++)
			bench_skip(mr_rows[i].id, "control", mr_rows[i].label, why);
		goto out;
	}

#ifdef HAVE_IBVERBS
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
	ibv_dealloc_pd(c.ipd);
	ibv_close_device(c.ictx);
#endif
out:
	munmap(c.buf, 64 << 20);
	accel_dealloc_pd(c.pd);
	accel_close_device(c.ctx);
	return 0;
}
