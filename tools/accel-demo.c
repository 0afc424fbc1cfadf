// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accel-demo: request the newest DMA facet a device serves, falling back
 * to older names, register two buffers, copy through the facet and through
 * a queue, and verify.
 *
 * usage: accel-demo [-t MS] [DEVICE]   (default DEVICE: soft0)
 */
#include <accel/accel.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "cli.h"

#define LEN (1 << 20)
#define DEFAULT_DEVICE "soft0"
#define DEFAULT_TIMEOUT_MS 10000

static const char prog[] = "accel-demo";
static const char *dev_name = DEFAULT_DEVICE;

static void usage(void)
{
	printf("usage: accel-demo [-t MS] [DEVICE]\n"
	       "Copy 1 MiB through a soft device's DMA facet and through a queue,\n"
	       "and verify both copies.  DEVICE defaults to " DEFAULT_DEVICE ".\n"
	       "\n"
	       "  -t, --timeout MS  wait at most MS milliseconds for the queue's\n"
	       "                    completion (default %d, 0: no limit)\n"
	       "  -h, --help        print this text and exit\n"
	       "  -V, --version     print the version and exit\n"
	       "\n"
	       "Exit status: 0 both copies verified; 1 a failure; 2 usage error.\n",
	       DEFAULT_TIMEOUT_MS);
}

/* A failed operation on the device: say which, and why; exit status 1. */
static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s: %s (%s)\n", prog, dev_name, what, strerror(err),
		cli_errname(err));
	return CLI_EXIT_FAILURE;
}


int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	/* Newest first: a name this program knows from a newer kernel, the
	 * current name, and the name of the first release. */
	static const struct accel_facet_req reqs[] = {
		{ "dma-v3.soft.uaccel", 1, 1 },
		{ UACCEL_SOFT_DMA_FACET, 1, 2 },
		{ UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	};
	struct uaccel_soft_dma_copy copy = { .size = sizeof(copy) };
	unsigned long timeout_ms = DEFAULT_TIMEOUT_MS;
	struct accel_context *ctx;
	struct accel_queue *q;
	struct accel_mr *smr, *dmr;
	struct accel_pd *pd;
	struct accel_cq *cq;
	struct accel_wc wc;
	struct accel_wr wr;
	unsigned char *src, *dst;
	int fd, which, ret, i, c;
	uint32_t version;

	while ((c = getopt_long(argc, argv, "t:" CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 't':
			ret = cli_parse_timeout(prog, optarg, &timeout_ms);
			if (ret)
				return ret;
			break;
		default:
			return cli_parse_common(prog, c, usage);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(prog, "unexpected operand '%s'", argv[optind + 1]);
	if (optind < argc)
		dev_name = argv[optind];
	if (!*dev_name)
		return cli_usage_error(prog, "empty device name");

	ctx = accel_open_device_by_name(dev_name);
	if (!ctx)
		return cli_libaccel_error(prog, errno);
	printf("device %s opened; provider: %s\n", dev_name,
	       accel_context_provider(ctx) ? accel_context_provider(ctx) : "none (generic path)");

	fd = accel_get_facet(ctx, reqs, 3, ACCEL_FACET_CLOEXEC, &which, &version);
	if (fd < 0)
		return cli_libaccel_error(prog, -fd);
	for (i = 0; i < which; i++)
		printf("facet %s v%u..v%u: not served, falling back\n", reqs[i].name,
		       reqs[i].min_version, reqs[i].max_version);
	printf("facet %s: version %u, fd %d\n", reqs[which].name, version, fd);

	src = malloc(LEN);
	dst = calloc(1, LEN);
	if (!src || !dst)
		return fail("allocating two buffers of 1 MiB", ENOMEM);
	for (i = 0; i < LEN; i++)
		src[i] = (unsigned char)(i * 7 + 3);

	pd = accel_alloc_pd(ctx);
	if (!pd)
		return fail("allocating a protection domain", errno);
	smr = accel_reg_mr(pd, src, LEN, 0);
	if (!smr)
		return fail("registering the source buffer", errno);
	dmr = accel_reg_mr(pd, dst, LEN, ACCEL_ACCESS_WRITE);
	if (!dmr)
		return fail("registering the destination buffer", errno);

	/* 1: a synchronous copy through the facet, naming the MRs by id. */
	copy.src_mr = accel_mr_id(smr);
	copy.dst_mr = accel_mr_id(dmr);
	copy.length = LEN / 2;
	if (ioctl(fd, UACCEL_SOFT_IOCTL_DMA_COPY, &copy))
		return fail("facet copy of 524288 bytes", errno);
	printf("facet copy of %d bytes: %s\n", LEN / 2,
	       memcmp(src, dst, LEN / 2) ? "MISMATCH" : "verified");

	/* 2: the other half through a queue and a CQ. */
	cq = accel_create_cq(ctx, 16, -1);
	if (!cq)
		return fail("creating a completion queue", errno);
	q = accel_create_queue(pd, cq, 16);
	if (!q)
		return fail("creating a queue", errno);
	memset(&wr, 0, sizeof(wr));
	wr.opcode = ACCEL_WR_COPY;
	wr.user_data = 42;
	wr.src_mr = accel_mr_id(smr);
	wr.dst_mr = accel_mr_id(dmr);
	wr.src_offset = LEN / 2;
	wr.dst_offset = LEN / 2;
	wr.length = LEN / 2;
	ret = accel_post(q, &wr, 1);
	if (ret != 1)
		return fail("posting a copy to the queue", ret < 0 ? -ret : EAGAIN);
	ret = cli_wait_one(cq, &wc, (long)timeout_ms);
	if (ret < 0)
		return fail("waiting for the queue copy's completion", -ret);
	if (!ret) {
		fprintf(stderr, "%s: %s: queue copy of %d bytes: no completion after %lu ms (ETIMEDOUT)\n",
			prog, dev_name, LEN / 2, timeout_ms);
		return CLI_EXIT_FAILURE;
	}
	if (wc.status)
		fprintf(stderr, "%s: %s: queue copy of %d bytes: completion status %s (%s)\n",
			prog, dev_name, LEN / 2, cli_errname(wc.status), strerror(wc.status));
	printf("queue copy of %d bytes: status %u, %s\n", LEN / 2, wc.status,
	       !wc.status && !memcmp(src, dst, LEN) ? "verified" : "MISMATCH");
	ret = wc.status || memcmp(src, dst, LEN) ? CLI_EXIT_FAILURE : 0;

	close(fd);
	accel_destroy_queue(q);
	accel_destroy_cq(cq);
	accel_dereg_mr(smr);
	accel_dereg_mr(dmr);
	accel_dealloc_pd(pd);
	accel_close_device(ctx);
	free(src);
	free(dst);
	printf("demo %s\n", ret ? "FAILED" : "passed");
	return cli_finish(prog, ret);
}
