/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Command-line conventions shared by the uaccel tools:
 *
 *   exit 0  what was asked was done;
 *   exit 1  it failed (a device could not be opened, queried or used, a
 *           result was wrong, output could not be written);
 *   exit 2  usage error (unknown option, bad or missing operand).
 *
 * --help prints the usage on stdout and exits 0; --version prints
 * "PROGRAM (uaccel) VERSION" and exits 0.  Numbers are decimal, without sign,
 * blanks or trailing characters, and range-checked.
 */
#ifndef UACCEL_TOOLS_CLI_H
#define UACCEL_TOOLS_CLI_H

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <accel/accel.h>

#ifndef UACCEL_VERSION
#error "UACCEL_VERSION (the CMake project version) must be defined"
#endif

#define CLI_EXIT_FAILURE	1
#define CLI_EXIT_USAGE		2

/* A decimal number of 0..max: 0, or -1 when @s is anything else. */
static inline int cli_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul accepts blanks, signs and "0x"; a number here is digits. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The symbolic name of an errno value, such as "ETIMEDOUT". */
static inline const char *cli_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "unknown errno";
}

static inline int cli_version(const char *prog)
{
	printf("%s (uaccel) %s\n", prog, UACCEL_VERSION);
	return 0;
}

/*
 * A usage error: the message (if any), a pointer to --help, exit status 2.
 * getopt_long has already named an unknown option or a missing argument.
 */
static inline int __attribute__((format(printf, 2, 3)))
cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "%s: ", prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return CLI_EXIT_USAGE;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static inline long long cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The exit status of a tool whose work gave @status: a write error on
 * stdout (a full disk, a closed pipe) turns success into failure.
 */
static inline int cli_finish(const char *prog, int status)
{
	int err = 0;

	if (fflush(stdout))
		err = errno;
	else if (ferror(stdout))
		err = EIO;
	if (err) {
		fprintf(stderr, "%s: write error on standard output: %s\n", prog,
			strerror(err));
		return status ? status : CLI_EXIT_FAILURE;
	}
	return status;
}

/*
 * A failed call of libaccel that explains itself (opening a device or a
 * facet): its reason in words and the errno @err on stderr.  Return: the
 * exit status 1.
 */
static inline int cli_libaccel_error(const char *prog, int err)
{
	fprintf(stderr, "%s: %s (%s)\n", prog, accel_error_message(), cli_errname(err));
	return CLI_EXIT_FAILURE;
}

/*
 * The options of every tool, for its getopt_long() table and option
 * string: --help (-h) and --version (-V).
 */
#define CLI_COMMON_OPTIONS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }
#define CLI_COMMON_SHORT "hV"

/*
 * What getopt_long() returned that is not an option of the tool's own: -h
 * prints the usage, -V the version, and the tool exits 0; anything else
 * is a usage error getopt_long() already named, exit status 2.  Return:
 * the tool's exit status.
 */
static inline int cli_parse_common(const char *prog, int opt, void (*usage)(void))
{
	switch (opt) {
	case 'h':
		usage();
		return cli_finish(prog, 0);
	case 'V':
		cli_version(prog);
		return cli_finish(prog, 0);
	default:
		return cli_usage_error(prog, NULL);
	}
}

/*
 * The operand of --timeout: milliseconds from 0 (no limit) to INT_MAX.
 * Return: 0, or the usage error's exit status.
 */
static inline int cli_parse_timeout(const char *prog, const char *arg, unsigned long *ms)
{
	if (cli_parse_ulong(arg, INT_MAX, ms))
		return cli_usage_error(prog, "--timeout: '%s' is not a number of milliseconds from 0 to %d",
				       arg, INT_MAX);
	return 0;
}

/*
 * Wait for one completion on @cq: 1, 0 when none came within @timeout_ms
 * (0: wait for ever), or a negative errno.
 */
static inline int cli_wait_one(struct accel_cq *cq, struct accel_wc *wc,
			       long timeout_ms)
{
	long long end = cli_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		long long left = end - cli_now_ms();

		ret = accel_poll_cq(cq, wc, 1);
		if (ret)
			return ret;
		if (timeout_ms && left <= 0)
			return 0;
		ret = accel_wait_cq(cq, !timeout_ms || left > 1000 ? 1000 : (int)left);
		if (ret && ret != -ETIMEDOUT && ret != -EINTR)
			return ret;
	}
}

#endif /* UACCEL_TOOLS_CLI_H */
