// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accel-demo: request the newest DMA facet a device serves, falling back
 * to older names, register two buffers, copy through the facet and through
 * a queue, and verify.
 *
 * usage: accel-demo [DEVICE]   (default: the first soft device)
 */
#include <accel/accel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/soft.h>

#define LEN (1 << 20)

static int die(const char *what, int err)
{
	fprintf(stderr, "accel-demo: %s: %s\n", what, strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	/* Newest first: a name this program knows from a newer kernel, the
	 * current name, and the name of the first release. */
	static const struct accel_facet_req reqs[] = {
		{ "dma-v3.soft.uaccel", 1, 1 },
		{ UACCEL_SOFT_DMA_FACET, 1, 2 },
		{ UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	};
	struct uaccel_soft_dma_copy copy = { .size = sizeof(copy) };
	struct accel_context *ctx;
	struct accel_queue *q;
	struct accel_mr *smr, *dmr;
	struct accel_pd *pd;
	struct accel_cq *cq;
	struct accel_wc wc;
	struct accel_wr wr;
	unsigned char *src, *dst;
	int fd, which, ret, i;
	uint32_t version;

	if (argc > 2) {
		fprintf(stderr, "usage: accel-demo [DEVICE]\n");
		return 2;
	}
	ctx = accel_open_device_by_name(argc > 1 ? argv[1] : "soft0");
	if (!ctx) {
		fprintf(stderr, "accel-demo: %s\n", accel_error_message());
		return 1;
	}
	printf("device %s opened; provider: %s\n", argc > 1 ? argv[1] : "soft0",
	       accel_context_provider(ctx) ? accel_context_provider(ctx) : "none (generic path)");

	fd = accel_get_facet(ctx, reqs, 3, ACCEL_FACET_CLOEXEC, &which, &version);
	if (fd < 0) {
		fprintf(stderr, "accel-demo: %s\n", accel_error_message());
		return 1;
	}
	for (i = 0; i < which; i++)
		printf("facet %s v%u..v%u: not served, falling back\n", reqs[i].name,
		       reqs[i].min_version, reqs[i].max_version);
	printf("facet %s: version %u, fd %d\n", reqs[which].name, version, fd);

	src = malloc(LEN);
	dst = calloc(1, LEN);
	if (!src || !dst)
		return die("malloc", ENOMEM);
	for (i = 0; i < LEN; i++)
		src[i] = (unsigned char)(i * 7 + 3);

	pd = accel_alloc_pd(ctx);
	if (!pd)
		return die("alloc_pd", errno);
	smr = accel_reg_mr(pd, src, LEN, 0);
	dmr = accel_reg_mr(pd, dst, LEN, ACCEL_ACCESS_WRITE);
	if (!smr || !dmr)
		return die("reg_mr", errno);

	/* 1: a synchronous copy through the facet, naming the MRs by id. */
	copy.src_mr = accel_mr_id(smr);
	copy.dst_mr = accel_mr_id(dmr);
	copy.length = LEN / 2;
	if (ioctl(fd, UACCEL_SOFT_IOCTL_DMA_COPY, &copy))
		return die("facet copy", errno);
	printf("facet copy of %d bytes: %s\n", LEN / 2,
	       memcmp(src, dst, LEN / 2) ? "MISMATCH" : "verified");

	/* 2: the other half through a queue and a CQ. */
	cq = accel_create_cq(ctx, 16, -1);
	if (!cq)
		return die("create_cq", errno);
	q = accel_create_queue(pd, cq, 16);
	if (!q)
		return die("create_queue", errno);
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
		return die("post", -ret);
	while ((ret = accel_poll_cq(cq, &wc, 1)) == 0)
		accel_wait_cq(cq, 1000);
	if (ret < 0)
		return die("poll", -ret);
	printf("queue copy of %d bytes: status %u, %s\n", LEN / 2, wc.status,
	       !wc.status && !memcmp(src, dst, LEN) ? "verified" : "MISMATCH");
	ret = wc.status || memcmp(src, dst, LEN);

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
	return ret;
}
