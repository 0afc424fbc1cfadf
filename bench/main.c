// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * uaccel-bench: micro-benchmarks of uaccel against rdma-core on rxe, a
 * dedicated char device, io_uring and memcpy.  Run inside the test VM by
 * bench/vm-bench.sh; see docs/performance.md.
 *
 * usage: uaccel-bench [options] [GROUP...]
 *   GROUP          control, floor, rates, copy, scale (default: all)
 *   --smoke        tiny counts: every path runs once or twice
 *   --sample-ms N  target duration of one sample (default 50)
 *   --repeats N    samples per side of a pair (default 11)
 *   --soft NAME    soft device (default soft0)
 *   --rxe NAME     ibverbs device (default rxe0)
 *   --scale C,O,R  scale test: C contexts, O objects each, R runs
 *   --spin N       rates: polls of a soft CQ before sleeping (default 4000)
 *   --out FILE     raw results, one JSON object per line (default stdout)
 */
#include <errno.h>
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

void bench_pair(const char *id, const char *group, const char *label,
		const char *a_name, bench_fn a, void *a_arg,
		const char *b_name, bench_fn b, void *b_arg,
		const char *unit, double bytes)
{
	double *sa = calloc(cfg.repeats, sizeof(double));
	double *sb = calloc(cfg.repeats, sizeof(double));
	long na, nb;
	int r, err = 0;
	char why[128];

	if (!sa || !sb)
		goto out;
	na = bench_calibrate(a, a_arg);
	nb = bench_calibrate(b, b_arg);
	if (na < 0 || nb < 0) {
		err = na < 0 ? (int)na : (int)nb;
		goto fail;
	}
	for (r = 0; r < cfg.repeats; r++) {
		/* Alternate which side goes first. */
		bool a_first = !(r & 1);
		double ta, tb;

		if (a_first)
			ta = bench_time(a, a_arg, na);
		tb = bench_time(b, b_arg, nb);
		if (!a_first)
			ta = bench_time(a, a_arg, na);
		if (ta < 0 || tb < 0) {
			err = ta < 0 ? (int)ta : (int)tb;
			goto fail;
		}
		if (!strcmp(unit, "GB/s")) {
			sa[r] = bytes / ta;
			sb[r] = bytes / tb;
		} else {
			sa[r] = ta;
			sb[r] = tb;
		}
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
	fprintf(stderr, "uaccel-bench: unknown group %s\n", name);
	return -1;
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "control", "floor", "rates", "copy", "scale" };
	const char *out = NULL;
	int i, first, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			cfg.smoke = true;
			cfg.sample_ns = 0.2e6;
			cfg.repeats = 3;
			cfg.scale_contexts = 10;
			cfg.scale_objects = 10;
			cfg.scale_repeats = 1;
		} else if (!strcmp(argv[i], "--sample-ms") && i + 1 < argc) {
			cfg.sample_ns = atof(argv[++i]) * 1e6;
		} else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) {
			cfg.repeats = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--soft") && i + 1 < argc) {
			cfg.soft_name = argv[++i];
		} else if (!strcmp(argv[i], "--rxe") && i + 1 < argc) {
			cfg.rxe_name = argv[++i];
		} else if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d,%d", &cfg.scale_contexts,
				   &cfg.scale_objects, &cfg.scale_repeats) != 3)
				goto usage;
		} else if (!strcmp(argv[i], "--spin") && i + 1 < argc) {
			cfg.spin_polls = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else {
			goto usage;
		}
	}
	if (cfg.repeats < 1 || cfg.sample_ns <= 0 || cfg.scale_contexts < 1 ||
	    cfg.scale_objects < 3 || cfg.scale_repeats < 1)
		goto usage;
	json_out = out ? fopen(out, "w") : stdout;
	if (!json_out) {
		perror(out);
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

	first = i;
	if (first == argc) {
		for (i = 0; i < (int)(sizeof(all) / sizeof(all[0])); i++)
			if (run_group(all[i]))
				rc = 1;
	} else {
		for (i = first; i < argc; i++)
			if (run_group(argv[i]))
				rc = 1;
	}
	if (json_out != stdout)
		fclose(json_out);
	return rc;

usage:
	fprintf(stderr, "usage: uaccel-bench [--smoke] [--sample-ms N] [--repeats N] [--soft NAME] [--rxe NAME] [--scale C,O,R] [--spin N] [--out FILE] [GROUP...]\n");
	return 2;
}
