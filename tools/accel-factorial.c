// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accel-factorial: compute factorials on any device that serves the
 * factorial facet (the edu device in hardware, the soft device on the
 * CPU): the same program for both, through the name-with-fallback path.
 * Each n is computed once blocking and once asynchronously into a CQ.
 *
 * usage: accel-factorial DEVICE [N...]   (default N: 0 5 10 12 13 20 34)
 */
#include <accel/accel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/factorial.h>

static int die(const char *what, int err)
{
	fprintf(stderr, "accel-factorial: %s: %s\n", what, strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	/* A newer name first, as an application built later would ask. */
	static const struct accel_facet_req reqs[] = {
		{ "factorial-v2.uaccel", 1, 1 },
		{ UACCEL_FACTORIAL_FACET, 1, UACCEL_FACTORIAL_VERSION },
	};
	static const char *const def[] = { "0", "5", "10", "12", "13", "20", "34" };
	const char *const *ns = argc > 2 ? (const char *const *)argv + 2 : def;
	int count = argc > 2 ? argc - 2 : (int)(sizeof(def) / sizeof(def[0]));
	struct accel_context *ctx;
	struct accel_cq *cq;
	struct accel_wc wc;
	int fd, which, i, bad = 0;
	uint32_t version;

	if (argc < 2) {
		fprintf(stderr, "usage: accel-factorial DEVICE [N...]\n");
		return 2;
	}
	ctx = accel_open_device_by_name(argv[1]);
	if (!ctx) {
		fprintf(stderr, "accel-factorial: %s\n", accel_error_message());
		return 1;
	}
	fd = accel_get_facet(ctx, reqs, 2, ACCEL_FACET_CLOEXEC, &which, &version);
	if (fd < 0) {
		fprintf(stderr, "accel-factorial: %s\n", accel_error_message());
		return 1;
	}
	for (i = 0; i < which; i++)
		printf("facet %s: not served, falling back\n", reqs[i].name);
	printf("%s: facet %s version %u\n", argv[1], reqs[which].name, version);
	cq = accel_create_cq(ctx, 16, -1);
	if (!cq)
		return die("create_cq", errno);

	for (i = 0; i < count; i++) {
		struct uaccel_factorial_compute c = { .size = sizeof(c) };
		struct uaccel_factorial_submit s = { .size = sizeof(s) };
		uint32_t ref = 1, n = strtoul(ns[i], NULL, 0);
		int ret;

		for (uint32_t k = n; k > 1 && ref; k--)
			ref *= k;
		c.value = n;
		if (ioctl(fd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c))
			return die("compute", errno);
		s.cq_id = accel_cq_id(cq);
		s.value = n;
		s.user_data = n;
		if (ioctl(fd, UACCEL_FACTORIAL_IOCTL_SUBMIT, &s))
			return die("submit", errno);
		while ((ret = accel_poll_cq(cq, &wc, 1)) == 0)
			accel_wait_cq(cq, 1000);
		if (ret < 0)
			return die("poll", -ret);
		printf("%u! mod 2^32 = %u (blocking), %llu (completion, status %u)%s\n",
		       n, c.out_result, (unsigned long long)wc.result, wc.status,
		       c.out_result == ref && wc.result == ref && !wc.status ?
		       "" : "  MISMATCH");
		bad |= c.out_result != ref || wc.result != ref || wc.status;
	}
	accel_destroy_cq(cq);
	close(fd);
	accel_close_device(ctx);
	return bad;
}
