// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * uaccel-bench: micro-benchmarks of uaccel against rdma-core on rxe, a
 * dedicated char device, io_uring, memcpy, AF_ALG and OpenSSL.  Run inside the test VM by
 * bench/vm-bench.sh; see docs/performance.md.
 *
 * usage: uaccel-bench [options] [GROUP...]; --help lists the options.
 * Exit status: 0 every group ran, 1 a group failed, 2 usage error (unknown
 * option or group, a number that is not a decimal in range).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct bench_cfg cfg = {
	.sample_ns = 50e6,
	.repeats = 11,
	.soft_name = "soft0",
	.rxe_name = "rxe0",
	.scale_contexts = 1000,
	.scale_objects = 100,
	.scale_repeats = 3,
	.spin_polls = 4000,
	.vcrypto_name = "vcrypto0",
};

FILE *json_out;
static bool jl_first;

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

double bench_time(bench_fn fn, void *arg, long n)
{
	double t0 = bench_now_ns();
	int ret = fn(arg, n);

	if (ret)
		return ret;
	return (bench_now_ns() - t0) / n;
}

long bench_calibrate(bench_fn fn, void *arg)
{
	double per;
	long n = 1;

	/* Warm up, then grow until a run is long enough to extrapolate. */
	for (;;) {
		per = bench_time(fn, arg, n);
		if (per < 0)
			return (long)per;
		if (per * n >= cfg.sample_ns / 8 || n >= (1L << 30))
			break;
		n *= 4;
	}
	n = (long)(cfg.sample_ns / per);
	return n < 1 ? 1 : n;
}

static void jl_key(const char *key)
{
	fprintf(json_out, "%s\"%s\": ", jl_first ? "" : ", ", key);
	jl_first = false;
}

void jl_begin(const char *kind)
{
	fputc('{', json_out);
	jl_first = true;
	jl_str("kind", kind);
}

void jl_str(const char *key, const char *val)
{
	const char *p;

	jl_key(key);
	fputc('"', json_out);
	for (p = val; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', json_out);
		if ((unsigned char)*p < 0x20)
			fprintf(json_out, "\\u%04x", *p);
		else
			fputc(*p, json_out);
	}
	fputc('"', json_out);
}

void jl_num(const char *key, double val)
{
	jl_key(key);
	fprintf(json_out, "%.6g", val);
}

void jl_array(const char *key, const double *v, int n)
{
	int i;

	jl_key(key);
	fputc('[', json_out);
	for (i = 0; i < n; i++)
		fprintf(json_out, "%s%.6g", i ? ", " : "", v[i]);
	fputc(']', json_out);
}

void jl_end(void)
{
	fputs("}\n", json_out);
	fflush(json_out);
}

void bench_skip(const char *id, const char *group, const char *label,
		const char *reason)
{
	jl_begin("skip");
	jl_str("id", id);
	jl_str("group", group);
	jl_str("label", label);
	jl_str("reason", reason);
	jl_end();
	fprintf(stderr, "uaccel-bench: %s: skipped: %s\n", id, reason);
}

/* Baseline spread above which a pair is measured again, and how often. */
#define BENCH_WIDE_SPREAD	0.10
#define BENCH_ATTEMPTS		3

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Interquartile range over median of @n samples (0 for fewer than 2). */
static double rel_iqr(const double *v, int n)
{
	double *s, q1, q3, med;

	if (n < 2)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	q1 = s[(n - 1) / 4];
	q3 = s[(3 * (n - 1) + 3) / 4];
	med = s[n / 2];
	free(s);
	return med > 0 ? (q3 - q1) / med : 0;
}

/* One measurement of both sides, cfg.repeats samples each: 0 or -errno. */
static int pair_samples(bench_fn a, void *a_arg, long na, bench_fn b, void *b_arg,
			long nb, const char *unit, double bytes, double *sa, double *sb)
{
	int r;

	for (r = 0; r < cfg.repeats; r++) {
		/* Alternate which side goes first. */
		bool a_first = !(r & 1);
		double ta = 0, tb;

		if (a_first)
			ta = bench_time(a, a_arg, na);
		tb = bench_time(b, b_arg, nb);
		if (!a_first)
			ta = bench_time(a, a_arg, na);
		if (ta < 0 || tb < 0)
			return ta < 0 ? (int)ta : (int)tb;
		if (!strcmp(unit, "GB/s")) {
			sa[r] = bytes / ta;
			sb[r] = bytes / tb;
		} else {
			sa[r] = ta;
			sb[r] = tb;
		}
	}
	return 0;
}

/*
 * A pair whose baseline spread (IQR over median) is over BENCH_WIDE_SPREAD
 * was disturbed: it is measured again, up to BENCH_ATTEMPTS times in all,
 * and the attempt with the narrowest baseline is kept; "attempts" and
 * "b_spread" tell what happened.
 */
void bench_pair(const char *id, const char *group, const char *label,
		const char *a_name, bench_fn a, void *a_arg,
		const char *b_name, bench_fn b, void *b_arg,
		const char *unit, double bytes)
{
	double *sa = calloc(cfg.repeats, sizeof(double));
	double *sb = calloc(cfg.repeats, sizeof(double));
	double *ta = calloc(cfg.repeats, sizeof(double));
	double *tb = calloc(cfg.repeats, sizeof(double));
	double best = -1, spread;
	int attempt, err = 0;
	long na, nb;
	char why[128];

	if (!sa || !sb || !ta || !tb)
		goto out;
	na = bench_calibrate(a, a_arg);
	nb = bench_calibrate(b, b_arg);
	if (na < 0 || nb < 0) {
		err = na < 0 ? (int)na : (int)nb;
		goto fail;
	}
	for (attempt = 1; attempt <= BENCH_ATTEMPTS; attempt++) {
		err = pair_samples(a, a_arg, na, b, b_arg, nb, unit, bytes, ta, tb);
		if (err)
			goto fail;
		spread = rel_iqr(tb, cfg.repeats);
		if (best < 0 || spread < best) {
			best = spread;
			memcpy(sa, ta, cfg.repeats * sizeof(*sa));
			memcpy(sb, tb, cfg.repeats * sizeof(*sb));
		}
		if (best <= BENCH_WIDE_SPREAD)
			break;
		fprintf(stderr, "uaccel-bench: %s: baseline spread %.2f, measuring again\n",
			id, spread);
	}
	jl_begin("pair");
	jl_str("id", id);
	jl_str("group", group);
	jl_str("label", label);
	jl_str("unit", unit);
	jl_str("a", a_name);
	jl_str("b", b_name);
	jl_num("a_iters", na);
	jl_num("b_iters", nb);
	jl_num("attempts", attempt > BENCH_ATTEMPTS ? BENCH_ATTEMPTS : attempt);
	jl_num("b_spread", best);
	jl_array("a_samples", sa, cfg.repeats);
	jl_array("b_samples", sb, cfg.repeats);
	jl_end();
	fprintf(stderr, "uaccel-bench: %-14s %s %.4g %s, %s %.4g %s\n", id, a_name,
		sa[cfg.repeats / 2], unit, b_name, sb[cfg.repeats / 2], unit);
	goto out;
fail:
	snprintf(why, sizeof(why), "failed: %s", strerror(-err));
	bench_skip(id, group, label, why);
out:
	free(tb);
	free(ta);
	free(sa);
	free(sb);
}

static int run_group(const char *name)
{
	if (!strcmp(name, "control"))
		return bench_control();
	if (!strcmp(name, "floor"))
		return bench_floor();
	if (!strcmp(name, "rates"))
		return bench_rates();
	if (!strcmp(name, "copy"))
		return bench_copy();
	if (!strcmp(name, "scale"))
		return bench_scale();
	if (!strcmp(name, "cipher"))
		return bench_cipher();
	fprintf(stderr, "uaccel-bench: unknown group %s\n", name);
	return -1;
}

static const char *const groups[] = { "control", "floor", "rates", "copy", "scale", "cipher" };
#define NUM_GROUPS ((int)(sizeof(groups) / sizeof(groups[0])))

static void usage(void)
{
	printf("usage: uaccel-bench [OPTION...] [GROUP...]\n"
	       "Micro-benchmarks of uaccel against its baselines (docs/performance.md).\n"
	       "GROUP: control, floor, rates, copy, scale, cipher (default: all).\n"
	       "\n"
	       "      --smoke          tiny counts: every path runs once or twice\n"
	       "      --sample-ms N    target duration of one sample in ms (default 50)\n"
	       "      --repeats N      samples per side of a pair (default 11)\n"
	       "      --soft NAME      soft device (default soft0)\n"
	       "      --rxe NAME       ibverbs device (default rxe0)\n"
	       "      --scale C,O,R    scale test: C contexts, O objects each (at least 3),\n"
	       "                       R runs (default 1000,100,3)\n"
	       "      --spin N         rates: polls of a soft CQ before sleeping (default 4000)\n"
	       "      --vcrypto NAME   cipher: the uaccel_vcrypto device, whose paths must\n"
	       "                       then run (default: vcrypto0 if it exists)\n"
	       "      --cipher-only PATH,SIZE,BATCH\n"
	       "                       cipher: that path at that point alone (to profile it)\n"
	       "      --rate-only PATH,BATCH\n"
	       "                       rates: that path at that batch size alone (to profile it)\n"
	       "      --out FILE       raw results, one JSON object per line (default stdout)\n"
	       "  -h, --help           print this text and exit\n"
	       "  -V, --version        print the version and exit\n"
	       "\n"
	       "Exit status: 0 every group ran; 1 a group failed; 2 usage error.\n");
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("uaccel-bench: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs("Try 'uaccel-bench --help' for more information.\n", stderr);
	return 2;
}

/*
 * A decimal number of min..max, without sign, blanks or trailing
 * characters: 0, or -1.  @end, if not NULL, takes the rest of the string
 * from the first character that is not a digit.
 */
static int parse_int(const char *s, int min, int max, int *out, const char **end)
{
	unsigned long v;
	char *e;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || v < (unsigned long)min || v > (unsigned long)max)
		return -1;
	if (end)
		*end = e;
	else if (*e)
		return -1;
	*out = (int)v;
	return 0;
}

/* C,O,R of --scale, each checked. */
static int parse_scale(const char *s)
{
	const char *p = s;

	if (parse_int(p, 1, INT_MAX, &cfg.scale_contexts, &p) || *p++ != ',' ||
	    parse_int(p, 3, INT_MAX, &cfg.scale_objects, &p) || *p++ != ',' ||
	    parse_int(p, 1, INT_MAX, &cfg.scale_repeats, NULL))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_SMOKE = 256, O_SAMPLE_MS, O_REPEATS, O_SOFT, O_RXE, O_SCALE, O_SPIN, O_OUT,
	       O_VCRYPTO, O_CIPHER_ONLY, O_RATE_ONLY };
	static const struct option opts[] = {
		{ "smoke", no_argument, NULL, O_SMOKE },
		{ "sample-ms", required_argument, NULL, O_SAMPLE_MS },
		{ "repeats", required_argument, NULL, O_REPEATS },
		{ "soft", required_argument, NULL, O_SOFT },
		{ "rxe", required_argument, NULL, O_RXE },
		{ "scale", required_argument, NULL, O_SCALE },
		{ "spin", required_argument, NULL, O_SPIN },
		{ "out", required_argument, NULL, O_OUT },
		{ "vcrypto", required_argument, NULL, O_VCRYPTO },
		{ "cipher-only", required_argument, NULL, O_CIPHER_ONLY },
		{ "rate-only", required_argument, NULL, O_RATE_ONLY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int i, j, c, ms, first, rc = 0;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case O_SMOKE:
			cfg.smoke = true;
			cfg.sample_ns = 0.2e6;
			cfg.repeats = 3;
			cfg.scale_contexts = 10;
			cfg.scale_objects = 10;
			cfg.scale_repeats = 1;
			break;
		case O_SAMPLE_MS:
			if (parse_int(optarg, 1, 3600 * 1000, &ms, NULL))
				return usage_error("--sample-ms: '%s' is not a number of milliseconds from 1 to 3600000",
						   optarg);
			cfg.sample_ns = ms * 1e6;
			break;
		case O_REPEATS:
			if (parse_int(optarg, 1, 100000, &cfg.repeats, NULL))
				return usage_error("--repeats: '%s' is not a number from 1 to 100000",
						   optarg);
			break;
		case O_SOFT:
			cfg.soft_name = optarg;
			break;
		case O_RXE:
			cfg.rxe_name = optarg;
			break;
		case O_SCALE:
			if (parse_scale(optarg))
				return usage_error("--scale: '%s' is not C,O,R (decimal numbers, C >= 1, O >= 3, R >= 1)",
						   optarg);
			break;
		case O_SPIN:
			if (parse_int(optarg, 0, INT_MAX, &cfg.spin_polls, NULL))
				return usage_error("--spin: '%s' is not a number of polls from 0 to 2147483647",
						   optarg);
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_CIPHER_ONLY:
			if (bench_cipher_check_only(optarg))
				return usage_error("--cipher-only: '%s' is not PATH,SIZE,BATCH (a cipher path; 64, 4096, 65536 or 1048576; 1 or 32)",
						   optarg);
			cfg.cipher_only = optarg;
			break;
		case O_RATE_ONLY:
			if (bench_rates_check_only(optarg))
				return usage_error("--rate-only: '%s' is not PATH,BATCH (a rate path; 1 to 64)",
						   optarg);
			cfg.rate_only = optarg;
			break;
		case O_VCRYPTO:
			cfg.vcrypto_name = optarg;
			cfg.vcrypto_required = true;
			break;
		case 'h':
			usage();
			return fflush(stdout) ? 1 : 0;
		case 'V':
			printf("uaccel-bench (uaccel) %s\n", UACCEL_VERSION);
			return fflush(stdout) ? 1 : 0;
		default:
			return usage_error(NULL);
		}
	}
	first = optind;
	for (i = first; i < argc; i++) {
		for (j = 0; j < NUM_GROUPS && strcmp(argv[i], groups[j]); j++)
			;
		if (j == NUM_GROUPS)
			return usage_error("unknown group '%s' (control, floor, rates, copy, scale, cipher)",
					   argv[i]);
	}
	json_out = out ? fopen(out, "w") : stdout;
	if (!json_out) {
		fprintf(stderr, "uaccel-bench: %s: %s\n", out, strerror(errno));
		return 1;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);

	jl_begin("meta");
	jl_num("sample_ms", cfg.sample_ns / 1e6);
	jl_num("repeats", cfg.repeats);
	jl_num("smoke", cfg.smoke);
	jl_num("cpus", sysconf(_SC_NPROCESSORS_ONLN));
	jl_str("soft", cfg.soft_name);
	jl_str("rxe", cfg.rxe_name);
	jl_num("spin_polls", cfg.spin_polls);
	jl_end();

	if (first == argc) {
		for (i = 0; i < NUM_GROUPS; i++)
			if (run_group(groups[i]))
				rc = 1;
	} else {
		for (i = first; i < argc; i++)
			if (run_group(argv[i]))
				rc = 1;
	}
	if (fflush(json_out) || ferror(json_out)) {
		fprintf(stderr, "uaccel-bench: write error on %s\n", out ? out : "standard output");
		rc = 1;
	}
	if (json_out != stdout)
		fclose(json_out);
	return rc;
}
