/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * uaccel-bench: shared helpers of the benchmark program.
 *
 * Every measurement is a pair (uaccel against its baseline) or a point of a
 * rate sweep, timed as repeated samples.  Samples of both sides of a pair
 * are taken alternately in the same process, so a ratio per repeat compares
 * two figures taken moments apart; the analysis (bench/analyze.py) reports
 * the median of those ratios and their spread.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One timed operation: run @n iterations, 0 or -errno. */
typedef int (*bench_fn)(void *arg, long n);

struct bench_cfg {
	double sample_ns;	/* target duration of one sample */
	int repeats;		/* samples per side */
	bool smoke;		/* tiny counts: every path, no figures */
	const char *soft_name;	/* soft device of the measurements */
	const char *rxe_name;	/* ibverbs device of the baselines */
	int scale_contexts;	/* scale: contexts */
	int scale_objects;	/* scale: objects per context */
	int scale_repeats;	/* scale: runs */
	int spin_polls;		/* rates: CQ polls before sleeping in WAIT_CQ */
	const char *vcrypto_name; /* cipher: uaccel_vcrypto device */
	bool vcrypto_required;	/* cipher: its paths must run (--vcrypto) */
	const char *cipher_only; /* cipher: PATH,SIZE,BATCH alone (profiling) */
	const char *rate_only;	/* rates: PATH,BATCH alone (profiling) */
};

extern struct bench_cfg cfg;

double bench_now_ns(void);

/* Iterations for one sample of about cfg.sample_ns; negative errno on failure. */
long bench_calibrate(bench_fn fn, void *arg);

/* Time @n iterations: ns per iteration, or a negative errno. */
double bench_time(bench_fn fn, void *arg, long n);

/*
 * Emit a pair: side a (uaccel) and side b (baseline), each timed
 * cfg.repeats times, alternating.  @unit is "ns" (samples are ns per
 * operation, @per_op_scale operations per iteration) or "GB/s" (samples are
 * bandwidth, @bytes per iteration).
 */
void bench_pair(const char *id, const char *group, const char *label,
		const char *a_name, bench_fn a, void *a_arg,
		const char *b_name, bench_fn b, void *b_arg,
		const char *unit, double bytes);

/* Record a row that could not run, and why. */
void bench_skip(const char *id, const char *group, const char *label,
		const char *reason);

/*
 * Raw output: one JSON object per line ("kind": "pair", "rate", "scale",
 * "skip" or "meta"), assembled by bench/analyze.py.
 */
extern FILE *json_out;
void jl_begin(const char *kind);
void jl_str(const char *key, const char *val);
void jl_num(const char *key, double val);
void jl_array(const char *key, const double *v, int n);
void jl_end(void);

/* Groups. */
int bench_control(void);
int bench_floor(void);
int bench_rates(void);
int bench_copy(void);
int bench_scale(void);
int bench_cipher(void);
/* Whether @arg is a valid --cipher-only PATH,SIZE,BATCH: 0 or -1. */
int bench_cipher_check_only(const char *arg);
/* 0 when @arg is PATH,BATCH of a rate path and a batch from 1 to 64. */
int bench_rates_check_only(const char *arg);

/* Fail loudly on an error that makes the whole run meaningless. */
#define BENCH_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "uaccel-bench: " __VA_ARGS__);	\
			fputc('\n', stderr);				\
			return -1;					\
		}							\
	} while (0)

#endif /* BENCH_H */
