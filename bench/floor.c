// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The system-call floor and facet acquisition:
 *  - the soft device's facet NOP ioctl against the NOP ioctl of a plain
 *    char device (uaccel_bench.ko) that copies its argument the same way;
 *  - GET_DRIVER_OPS_FD + close against open() + close() of a dedicated
 *    per-driver node (/dev/uaccel_bench), the model facets replace.
 */
#include <accel/accel.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "bench.h"
#include "kmod/uaccel_bench.h"

struct floor {
	struct accel_context *ctx;
	int facet_fd;
	int cdev_fd;
};

static const struct accel_facet_req dma_req[] = {
	{ UACCEL_SOFT_DMA_FACET, 1, 2 },
};

static int facet_nop(void *arg, long n)
{
	struct floor *f = arg;
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };

	while (n--)
		if (ioctl(f->facet_fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop))
			return -errno;
	return 0;
}

static int cdev_nop(void *arg, long n)
{
	struct floor *f = arg;
	struct uaccel_bench_nop nop = { .size = sizeof(nop) };

	while (n--)
		if (ioctl(f->cdev_fd, UACCEL_BENCH_IOCTL_NOP, &nop))
			return -errno;
	return 0;
}

static int facet_get(void *arg, long n)
{
	struct floor *f = arg;
	int fd;

	while (n--) {
		fd = accel_get_facet(f->ctx, dma_req, 1, ACCEL_FACET_CLOEXEC, NULL, NULL);
		if (fd < 0)
			return fd;
		close(fd);
	}
	return 0;
}

static int cdev_open(void *arg, long n)
{
	int fd;

	while (n--) {
		fd = open(UACCEL_BENCH_NODE, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

int bench_floor(void)
{
	static const char nop_label[] = "no-op ioctl: facet NOP vs bare char device";
	static const char open_label[] = "GET_DRIVER_OPS_FD+close vs open()+close() of a dedicated node";
	struct floor f = { .facet_fd = -1, .cdev_fd = -1 };

	f.ctx = accel_open_device_by_name(cfg.soft_name);
	BENCH_CHECK(f.ctx, "cannot open %s: %s", cfg.soft_name, strerror(errno));
	f.facet_fd = accel_get_facet(f.ctx, dma_req, 1, ACCEL_FACET_CLOEXEC, NULL, NULL);
	BENCH_CHECK(f.facet_fd >= 0, "GET_DRIVER_OPS_FD: %s", strerror(-f.facet_fd));
	f.cdev_fd = open(UACCEL_BENCH_NODE, O_RDWR | O_CLOEXEC);
	if (f.cdev_fd < 0) {
		bench_skip("ioctl_nop", "floor", nop_label, "no " UACCEL_BENCH_NODE " (uaccel_bench.ko)");
		bench_skip("facet_open", "floor", open_label, "no " UACCEL_BENCH_NODE " (uaccel_bench.ko)");
	} else {
		bench_pair("ioctl_nop", "floor", nop_label, "facet NOP", facet_nop, &f,
			   "bare ioctl", cdev_nop, &f, "ns", 0);
		bench_pair("facet_open", "floor", open_label, "GET_DRIVER_OPS_FD", facet_get,
			   &f, "open() dedicated node", cdev_open, &f, "ns", 0);
		close(f.cdev_fd);
	}
	close(f.facet_fd);
	accel_close_device(f.ctx);
	return 0;
}
