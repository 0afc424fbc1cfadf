// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accel-factorial: compute factorials on any device that serves the
 * factorial facet (the edu device in hardware, the soft device on the
 * CPU): the same program for both, through the name-with-fallback path.
 * Each n is computed once blocking and once asynchronously into a CQ.
 *
 * usage: accel-factorial [-t MS] DEVICE [N...]   (default N: 0 5 10 12 13 20 34)
 *        accel-factorial [-t MS] --select [N...]
 *
 * --select lets libaccel choose the device (accel_select_device()): the
 * best one serving the facet, hardware first.
 *
 * A device error (a command that fails, a completion with an error status,
 * no completion in time) stops the run; a wrong result is reported and the
 * run goes on.  Either makes the exit status 1.
 */
#include <accel/accel.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/factorial.h>

#include "cli.h"

#define DEFAULT_TIMEOUT_MS 10000

static const char prog[] = "accel-factorial";
static const char *dev_name;

static void usage(void)
{
	printf("usage: accel-factorial [-t MS] DEVICE [N...]\n"
	       "       accel-factorial [-t MS] --select [N...]\n"
	       "Compute N! modulo 2^32 on DEVICE through the facet factorial.uaccel,\n"
	       "blocking and through a completion queue, and check both results.\n"
	       "N is a decimal number from 0 to %u (default: 0 5 10 12 13 20 34).\n"
	       "\n"
	       "  -s, --select      no DEVICE: use the best device serving the facet\n"
	       "                    (hardware first; accelinfo --select shows why)\n"
	       "  -t, --timeout MS  wait at most MS milliseconds for each completion\n"
	       "                    (default %d, 0: no limit)\n"
	       "  -h, --help        print this text and exit\n"
	       "  -V, --version     print the version and exit\n"
	       "\n"
	       "Exit status: 0 every result matched; 1 a mismatch or a failure;\n"
	       "2 usage error.\n",
	       UINT32_MAX, DEFAULT_TIMEOUT_MS);
}

/*
 * A failed computation: the device, the operation and why; a timeout also
 * says how long it waited.  Exit status 1.
 */
static int fail(uint32_t n, const char *how, int err, long long waited_ms)
{
	if (err == ETIMEDOUT)
		fprintf(stderr, "%s: %s: factorial of %u (%s) timed out after %lld ms (ETIMEDOUT)\n",
			prog, dev_name, n, how, waited_ms);
	else
		fprintf(stderr, "%s: %s: factorial of %u (%s): %s (%s)\n", prog,
			dev_name, n, how, strerror(err), cli_errname(err));
	return CLI_EXIT_FAILURE;
}


/* n! modulo 2^32, on the CPU. */
static uint32_t factorial(uint32_t n)
{
	uint32_t r = 1;

	/* From 34 on the product has 32 factors of 2: stop at 0. */
	for (; n > 1 && r; n--)
		r *= n;
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "select", no_argument, NULL, 's' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	/* A newer name first, as an application built later would ask. */
	static const struct accel_facet_req reqs[] = {
		{ "factorial-v2.uaccel", 1, 1 },
		{ UACCEL_FACTORIAL_FACET, 1, UACCEL_FACTORIAL_VERSION },
	};
	static const uint32_t def[] = { 0, 5, 10, 12, 13, 20, 34 };
	unsigned long timeout_ms = DEFAULT_TIMEOUT_MS;
	const uint32_t *ns = def;
	int count = sizeof(def) / sizeof(def[0]);
	uint32_t *args = NULL;
	struct accel_select_attr attr = { .facet_flags = ACCEL_FACET_CLOEXEC };
	struct accel_selection sel;
	struct accel_context *ctx;
	struct accel_cq *cq;
	struct accel_wc wc;
	int fd, which, i, c, rc, status = 0, select = 0;
	uint32_t version;

	/* "+": options come before DEVICE, so that "-1" is a bad N. */
	while ((c = getopt_long(argc, argv, "+st:" CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 's':
			select = 1;
			break;
		case 't':
			rc = cli_parse_timeout(prog, optarg, &timeout_ms);
			if (rc)
				return rc;
			break;
		default:
			return cli_parse_common(prog, c, usage);
		}
	}
	if (!select) {
		if (optind == argc)
			return cli_usage_error(prog, "missing DEVICE operand");
		dev_name = argv[optind++];
		if (!*dev_name)
			return cli_usage_error(prog, "empty device name");
	}

	/* Every operand is checked before the device is touched. */
	if (optind < argc) {
		count = argc - optind;
		args = calloc(count, sizeof(*args));
		if (!args) {
			fprintf(stderr, "%s: %s\n", prog, strerror(ENOMEM));
			return CLI_EXIT_FAILURE;
		}
		for (i = 0; i < count; i++) {
			unsigned long v;

			if (cli_parse_ulong(argv[optind + i], UINT32_MAX, &v)) {
				free(args);
				return cli_usage_error(prog, "N: '%s' is not a decimal number from 0 to %u",
						       argv[optind + i], UINT32_MAX);
			}
			args[i] = v;
		}
		ns = args;
	}

	if (select) {
		ctx = accel_select_device(reqs, 2, &attr, sizeof(attr), &sel, sizeof(sel));
		if (!ctx) {
			status = cli_libaccel_error(prog, errno);
			free(args);
			return status;
		}
		dev_name = sel.device;
		fd = sel.facet_fd;
		which = sel.matched;
		version = sel.version;
		printf("selected %s, the best device serving the facet\n", dev_name);
	} else {
		ctx = accel_open_device_by_name(dev_name);
		if (!ctx) {
			status = cli_libaccel_error(prog, errno);
			free(args);
			return status;
		}
		fd = accel_get_facet(ctx, reqs, 2, ACCEL_FACET_CLOEXEC, &which, &version);
		if (fd < 0) {
			status = cli_libaccel_error(prog, -fd);
			accel_close_device(ctx);
			free(args);
			return status;
		}
	}
	for (i = 0; i < which; i++)
		printf("facet %s: not served, falling back\n", reqs[i].name);
	printf("%s: facet %s version %u\n", dev_name, reqs[which].name, version);
	cq = accel_create_cq(ctx, 16, -1);
	if (!cq) {
		fprintf(stderr, "%s: %s: creating a completion queue: %s (%s)\n", prog,
			dev_name, strerror(errno), cli_errname(errno));
		status = CLI_EXIT_FAILURE;
		goto out_close;
	}

	for (i = 0; i < count; i++) {
		struct uaccel_factorial_compute cmd = { .size = sizeof(cmd) };
		struct uaccel_factorial_submit sub = { .size = sizeof(sub) };
		uint32_t n = ns[i], ref = factorial(n);
		long long t0;
		int ret;

		cmd.value = n;
		t0 = cli_now_ms();
		if (ioctl(fd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &cmd)) {
			status = fail(n, "blocking", errno, cli_now_ms() - t0);
			break;
		}
		sub.cq_id = accel_cq_id(cq);
		sub.value = n;
		sub.user_data = n;
		t0 = cli_now_ms();
		if (ioctl(fd, UACCEL_FACTORIAL_IOCTL_SUBMIT, &sub)) {
			status = fail(n, "submission", errno, cli_now_ms() - t0);
			break;
		}
		ret = cli_wait_one(cq, &wc, (long)timeout_ms);
		if (ret < 0) {
			status = fail(n, "waiting for the completion", -ret, 0);
			break;
		}
		if (!ret) {
			fprintf(stderr, "%s: %s: factorial of %u (completion): no completion after %lu ms (ETIMEDOUT)\n",
				prog, dev_name, n, timeout_ms);
			status = CLI_EXIT_FAILURE;
			break;
		}
		if (wc.status) {
			status = fail(n, "completion", wc.status, cli_now_ms() - t0);
			break;
		}
		printf("%u! mod 2^32 = %u (blocking), %llu (completion, status %u)%s\n",
		       n, cmd.out_result, (unsigned long long)wc.result, wc.status,
		       cmd.out_result == ref && wc.result == ref && wc.user_data == n ?
		       "" : "  MISMATCH");
		if (cmd.out_result != ref || wc.result != ref || wc.user_data != n)
			status = CLI_EXIT_FAILURE;
	}
	/*
	 * A CQ with a submission still pending cannot be destroyed; closing
	 * the context releases it when the device is done.
	 */
	accel_destroy_cq(cq);
out_close:
	close(fd);
	accel_close_device(ctx);
	free(args);
	return cli_finish(prog, status);
}
