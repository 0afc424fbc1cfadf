// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs of uaccel-fuzz: their text form, generation and mutation.
 *
 * A program is a list of calls, one per line:
 *
 *	open dev=0 mode=0                                   # r0
 *	ioctl ALLOC_PD fd=r0 size=16 flags=0 ...            # r1
 *	&ioctl REG_MR fd=r0 pd_id=r1 addr=m:rw:0 length=4096
 *
 * Call i's result (an fd, an object id, a mapping) is rI to the calls
 * after it.  A leading '&' runs the call on a worker thread without
 * waiting for it.  Values: numbers, rI, m:REGION:OFFSET (a user address:
 * rw, ro, none, hole, null, kern, or rI for a ring mapping), efd (a new
 * eventfd), s (an ioctl's own buffer), f:NAME (a facet name).  Arguments
 * left out are 0, but an ioctl's size (the structure's) and arg (s).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* CREATE_QUEUE's flag, from uaccel.h (prog.c is independent of it otherwise). */
#define UACCEL_QUEUE_POLL_FLAG	1U

static const char *const call_names[FZ_NR_CALL_TYPES] = {
	[FZ_OPEN] = "open", [FZ_IOCTL] = "ioctl", [FZ_WR] = "wr",
	[FZ_MMAP] = "mmap", [FZ_POKE] = "poke", [FZ_MUNMAP] = "munmap",
	[FZ_READ] = "read", [FZ_POLL] = "poll", [FZ_DUP] = "dup",
	[FZ_CLOSE] = "close", [FZ_FORK] = "fork", [FZ_SENDFD] = "sendfd",
	[FZ_SYSFS] = "sysfs", [FZ_NETLINK] = "netlink",
};

static const char *const fixed_args[FZ_NR_CALL_TYPES][5] = {
	[FZ_OPEN] = { "dev", "mode" },
	[FZ_MMAP] = { "fd", "obj", "len", "mode" },
	[FZ_POKE] = { "map", "what", "value", "off" },
	[FZ_MUNMAP] = { "map" },
	[FZ_READ] = { "fd", "len", "buf" },
	[FZ_POLL] = { "fd", "events" },
	[FZ_DUP] = { "fd" },
	[FZ_CLOSE] = { "fd" },
	[FZ_FORK] = { "fd", "action" },
	[FZ_SENDFD] = { "fd", "mode" },
	[FZ_SYSFS] = { "op", "dev", "value" },
	[FZ_NETLINK] = { "op", "dev", "value" },
};

static const char *const mem_names[FZ_MEM_NR] = {
	[FZ_MEM_RW] = "rw", [FZ_MEM_RO] = "ro", [FZ_MEM_NONE] = "none",
	[FZ_MEM_HOLE] = "hole", [FZ_MEM_NULL] = "null", [FZ_MEM_KERNEL] = "kern",
	[FZ_MEM_MAP] = "map",
};

const char *fz_call_type_name(int type)
{
	return type >= 0 && type < FZ_NR_CALL_TYPES ? call_names[type] : "?";
}

unsigned int fz_call_arg_names(const struct fz_call *c, const char **names,
			       unsigned int max)
{
	unsigned int n = 0;

	if (c->type == FZ_IOCTL) {
		const struct fz_cmd *cmd = &fz_cmds[c->cmd];

		names[n++] = "fd";
		names[n++] = "arg";
		for (unsigned int i = 0; i < cmd->nr_fields && n < max; i++)
			names[n++] = cmd->fields[i].name;
		if (n < max)
			names[n++] = "tail";
		return n;
	}
	if (c->type == FZ_WR) {
		names[n++] = "slot";
		for (unsigned int i = 0; i < fz_nr_wr_fields && n < max; i++)
			names[n++] = fz_wr_fields[i].name;
		return n;
	}
	for (unsigned int i = 0; i < 5 && fixed_args[c->type][i] && n < max; i++)
		names[n++] = fixed_args[c->type][i];
	return n;
}

/* The field an ioctl or wr argument describes, or NULL. */
static const struct fz_field *arg_field(const struct fz_call *c, unsigned int a)
{
	if (c->type == FZ_IOCTL && a >= 2 && a - 2 < fz_cmds[c->cmd].nr_fields)
		return &fz_cmds[c->cmd].fields[a - 2];
	if (c->type == FZ_WR && a >= 1 && a - 1 < fz_nr_wr_fields)
		return &fz_wr_fields[a - 1];
	return NULL;
}

int fz_call_res(const struct fz_prog *p, unsigned int i, int *facet)
{
	const struct fz_call *c = &p->calls[i];
	int f = -1, res = FZ_RES_NONE;

	switch (c->type) {
	case FZ_OPEN:
		res = FZ_RES_CTX;
		break;
	case FZ_IOCTL:
		res = fz_cmds[c->cmd].produces;
		if (res == FZ_RES_FACET && c->args[4].kind == FZ_V_NUM &&
		    c->args[4].num < FZ_FACET_NR)
			f = (int)c->args[4].num;
		break;
	case FZ_MMAP:
		res = FZ_RES_MAP;
		break;
	case FZ_DUP:
	case FZ_SENDFD:
		if (c->args[0].kind == FZ_V_REF && (unsigned int)c->args[0].ref < i)
			res = fz_call_res(p, c->args[0].ref, &f);
		if (res != FZ_RES_CTX && res != FZ_RES_FACET && res != FZ_RES_DMABUF)
			res = FZ_RES_NONE;
		break;
	}
	if (facet)
		*facet = f;
	return res;
}

/* The open call whose context call i works on, or -1. */
static int ctx_of(const struct fz_prog *p, int i)
{
	for (int depth = 0; i >= 0 && depth < FZ_MAX_CALLS; depth++) {
		const struct fz_call *c = &p->calls[i];

		if (c->type == FZ_OPEN)
			return i;
		if ((c->type != FZ_IOCTL && c->type != FZ_DUP && c->type != FZ_SENDFD &&
		     c->type != FZ_MMAP) || c->args[0].kind != FZ_V_REF)
			return -1;
		i = c->args[0].ref;
	}
	return -1;
}

/* ---- text form ---- */

static void write_val(FILE *f, const struct fz_val *v, const struct fz_field *fld)
{
	switch (v->kind) {
	case FZ_V_REF:
		fprintf(f, "r%d", v->ref);
		break;
	case FZ_V_MEM:
		if (v->mem == FZ_MEM_MAP)
			fprintf(f, "m:r%d:%" PRIu64, v->ref, v->num);
		else
			fprintf(f, "m:%s:%" PRIu64, mem_names[v->mem], v->num);
		break;
	case FZ_V_EFD:
		fputs("efd", f);
		break;
	case FZ_V_STRUCT:
		fputs("s", f);
		break;
	default:
		if (fld && fld->kind == FZ_NAME)
			v->num < FZ_FACET_NR ? fprintf(f, "f:%s", fz_facets[v->num].name) :
					       fprintf(f, "f:?%" PRIu64, v->num);
		else if (v->num < 65536)
			fprintf(f, "%" PRIu64, v->num);
		else
			fprintf(f, "0x%" PRIx64, v->num);
	}
}

int fz_prog_write(FILE *f, const struct fz_prog *p)
{
	for (unsigned int i = 0; i < p->n; i++) {
		const struct fz_call *c = &p->calls[i];
		const char *names[FZ_MAX_ARGS];
		unsigned int n = fz_call_arg_names(c, names, FZ_MAX_ARGS);

		fprintf(f, "%s%s", c->async ? "&" : "", call_names[c->type]);
		if (c->type == FZ_IOCTL)
			fprintf(f, " %s", fz_cmds[c->cmd].name);
		for (unsigned int a = 0; a < n && a < c->nargs; a++) {
			const struct fz_val *v = &c->args[a];

			/* Defaults are left out: 0, an ioctl's own buffer and size. */
			if (v->kind == FZ_V_STRUCT || (v->kind == FZ_V_NUM && !v->num &&
			    !(arg_field(c, a) && arg_field(c, a)->kind == FZ_SIZE)) ||
			    (c->type == FZ_IOCTL && a == 2 && v->kind == FZ_V_NUM &&
			     v->num == fz_cmds[c->cmd].size))
				continue;
			fprintf(f, " %s=", names[a]);
			write_val(f, &c->args[a], arg_field(c, a));
		}
		fprintf(f, "  # r%u\n", i);
	}
	return ferror(f) ? -1 : 0;
}

static int parse_val(const char *s, struct fz_val *v, unsigned int self)
{
	char *end;

	memset(v, 0, sizeof(*v));
	if (!strcmp(s, "efd")) {
		v->kind = FZ_V_EFD;
		return 0;
	}
	if (!strcmp(s, "s")) {
		v->kind = FZ_V_STRUCT;
		return 0;
	}
	if (s[0] == 'r' && isdigit((unsigned char)s[1])) {
		long r = strtol(s + 1, &end, 10);

		if (*end || r < 0 || (unsigned long)r >= self)
			return -1;
		v->kind = FZ_V_REF;
		v->ref = (int16_t)r;
		return 0;
	}
	if (!strncmp(s, "f:", 2)) {
		if (s[2] == '?') {
			v->num = strtoull(s + 3, &end, 0);
			return *end ? -1 : 0;
		}
		for (unsigned int i = 0; i < FZ_FACET_NR; i++)
			if (!strcmp(s + 2, fz_facets[i].name)) {
				v->num = i;
				return 0;
			}
		return -1;
	}
	if (!strncmp(s, "m:", 2)) {
		const char *r = s + 2, *colon = strchr(r, ':');
		size_t len;

		if (!colon)
			return -1;
		len = (size_t)(colon - r);
		v->kind = FZ_V_MEM;
		v->num = strtoull(colon + 1, &end, 0);
		if (*end)
			return -1;
		if (r[0] == 'r' && isdigit((unsigned char)r[1])) {
			long ref = strtol(r + 1, &end, 10);

			if (end != colon || ref < 0 || (unsigned long)ref >= self)
				return -1;
			v->mem = FZ_MEM_MAP;
			v->ref = (int16_t)ref;
			return 0;
		}
		for (unsigned int i = 0; i < FZ_MEM_MAP; i++)
			if (strlen(mem_names[i]) == len && !strncmp(r, mem_names[i], len)) {
				v->mem = (uint8_t)i;
				return 0;
			}
		return -1;
	}
	errno = 0;
	if (s[0] == '-')
		v->num = (uint64_t)strtoll(s, &end, 0);
	else
		v->num = strtoull(s, &end, 0);
	return *s && !*end && !errno ? 0 : -1;
}

static void default_args(struct fz_call *c)
{
	const char *names[FZ_MAX_ARGS];

	c->nargs = (uint8_t)fz_call_arg_names(c, names, FZ_MAX_ARGS);
	memset(c->args, 0, sizeof(c->args));
	if (c->type == FZ_IOCTL) {
		c->args[1].kind = FZ_V_STRUCT;
		c->args[2].num = fz_cmds[c->cmd].size;
	}
}

static int parse_line(char *line, struct fz_prog *p, char *err, size_t errlen)
{
	struct fz_call *c = &p->calls[p->n];
	const char *names[FZ_MAX_ARGS];
	char *save = NULL, *tok;
	int type = -1;

	tok = strtok_r(line, " \t", &save);
	memset(c, 0, sizeof(*c));
	if (*tok == '&') {
		c->async = 1;
		tok++;
	}
	for (int t = 0; t < FZ_NR_CALL_TYPES; t++)
		if (!strcmp(tok, call_names[t]))
			type = t;
	if (type < 0) {
		snprintf(err, errlen, "call %u: unknown call '%s'", p->n, tok);
		return -1;
	}
	c->type = (uint8_t)type;
	if (type == FZ_IOCTL) {
		const struct fz_cmd *cmd;

		tok = strtok_r(NULL, " \t", &save);
		cmd = tok ? fz_cmd_by_name(tok) : NULL;
		if (!cmd) {
			snprintf(err, errlen, "call %u: unknown command '%s'", p->n, tok ? tok : "");
			return -1;
		}
		c->cmd = (int16_t)(cmd - fz_cmds);
	}
	default_args(c);
	fz_call_arg_names(c, names, FZ_MAX_ARGS);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		unsigned int a;

		if (!eq) {
			snprintf(err, errlen, "call %u: '%s' is not key=value", p->n, tok);
			return -1;
		}
		*eq = 0;
		for (a = 0; a < c->nargs; a++)
			if (!strcmp(names[a], tok))
				break;
		if (a == c->nargs) {
			snprintf(err, errlen, "call %u: %s has no argument '%s'", p->n,
				 call_names[type], tok);
			return -1;
		}
		if (parse_val(eq + 1, &c->args[a], p->n)) {
			snprintf(err, errlen, "call %u: bad value '%s' for %s", p->n, eq + 1, tok);
			return -1;
		}
	}
	p->n++;
	return 0;
}

int fz_prog_parse(const char *text, struct fz_prog *p, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *line;
	int ret = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->n = 0;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		size_t len;

		if (hash)
			*hash = 0;
		while (isspace((unsigned char)*line))
			line++;
		len = strlen(line);
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = 0;
		if (!*line)
			continue;
		if (p->n == FZ_MAX_CALLS) {
			snprintf(err, errlen, "more than %d calls", FZ_MAX_CALLS);
			ret = -1;
			break;
		}
		ret = parse_line(line, p, err, errlen);
		if (ret)
			break;
	}
	free(copy);
	return ret;
}

int fz_prog_load(const char *path, struct fz_prog *p, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int ret;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "%s: cannot read", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	ret = fz_prog_parse(text, p, err, errlen);
	free(text);
	return ret;
}

/* ---- generation ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void fz_srand(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
}

uint64_t fz_rand(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)(fz_rand() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

struct gen {
	struct fz_prog *p;
	const struct fz_gen_opts *o;
	int depth;
};

static struct fz_val num(uint64_t n)
{
	struct fz_val v = { .kind = FZ_V_NUM, .num = n };

	return v;
}

static struct fz_val ref(int r)
{
	struct fz_val v = { .kind = FZ_V_REF, .ref = (int16_t)r };

	return v;
}

static struct fz_val mem(int region, uint64_t off)
{
	struct fz_val v = { .kind = FZ_V_MEM, .mem = (uint8_t)region, .num = off };

	return v;
}

static uint64_t interesting(void)
{
	static const uint64_t vals[] = {
		0, 1, 2, 7, 8, 63, 64, 127, 128, 255, 256, 4095, 4096, 4097,
		65535, 65536, 65537, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 1ULL << 34, (1ULL << 34) + 1, 0x7fffffffffffffffULL,
		0xffffffffffffffffULL, 0xfffffffffffff000ULL,
	};

	return vals[rnd(sizeof(vals) / sizeof(vals[0]))];
}

/* A random earlier call yielding @res (of context @ctx, mostly), or -1. */
static int find_res(const struct fz_prog *p, int res, int ctx, int facet)
{
	int cand[FZ_MAX_CALLS], same[FZ_MAX_CALLS], n = 0, ns = 0;

	for (unsigned int i = 0; i < p->n; i++) {
		int f;

		if (fz_call_res(p, i, &f) != res)
			continue;
		if (facet >= 0 && f != facet &&
		    !(facet == FZ_FACET_SOFT_DMA && f == FZ_FACET_SOFT_DMA_LEGACY))
			continue;
		cand[n++] = (int)i;
		if (ctx >= 0 && ctx_of(p, (int)i) == ctx)
			same[ns++] = (int)i;
	}
	if (ns && chance(90))
		return same[rnd((unsigned int)ns)];
	return n ? cand[rnd((unsigned int)n)] : -1;
}

static int gen_producer(struct gen *g, int res, int ctx, int facet);

/*
 * A value for a resource argument: mostly a live one of the right type
 * (made on the spot when there is none), sometimes one of another type, a
 * stale one or garbage.
 */
static struct fz_val gen_res(struct gen *g, int res, int ctx, int facet, unsigned int valid)
{
	int r;

	if (chance(valid)) {
		r = find_res(g->p, res, ctx, facet);
		if ((r < 0 || chance(10)) && g->depth < 6 && g->p->n < FZ_MAX_CALLS - 8 &&
		    chance(80)) {
			int made = gen_producer(g, res, ctx, facet);

			if (made >= 0)
				r = made;
		}
		if (r >= 0)
			return ref(r);
	}
	if (g->p->n && chance(50))
		return ref((int)rnd(g->p->n));
	if (res == FZ_RES_CTX || res == FZ_RES_FACET)
		return num(chance(50) ? 0xffffffffffffffffULL : rnd(8) + (chance(50) ? 0 : 1000));
	return num(chance(50) ? rnd(64) : interesting());
}

static struct fz_val gen_mem(struct gen *g, uint64_t elem, unsigned int valid)
{
	if (chance(valid)) {
		uint64_t off = elem > 1 ? rnd(16) * elem : (uint64_t)rnd(FZ_RW_SIZE / 4096) * 4096;

		if (elem == 1 && chance(20))
			off += rnd(4096);
		return mem(FZ_MEM_RW, off);
	}
	switch (rnd(7)) {
	case 0:
		return mem(FZ_MEM_RO, rnd(FZ_SMALL_SIZE));
	case 1:
		return mem(FZ_MEM_NONE, rnd(FZ_SMALL_SIZE));
	case 2:
		return mem(FZ_MEM_HOLE, rnd(FZ_SMALL_SIZE));
	case 3:
		return mem(FZ_MEM_NULL, rnd(2) ? 0 : rnd(65536));
	case 4:
		return mem(FZ_MEM_KERNEL, rnd(1 << 20));
	case 5: {
		/* Straddling the end of the rw arena. */
		return mem(FZ_MEM_RW, FZ_RW_SIZE - 1 - rnd(128));
	}
	default: {
		int r = find_res(g->p, FZ_RES_MAP, -1, -1);
		struct fz_val v = mem(FZ_MEM_RW, 0);

		if (r >= 0) {
			v = mem(FZ_MEM_MAP, rnd(2) ? 0 : rnd(8192));
			v.ref = (int16_t)r;
		}
		return v;
	}
	}
}

static uint64_t gen_number(uint64_t bound, unsigned int valid)
{
	if (chance(valid))
		return bound ? (chance(50) ? rnd((unsigned int)(bound < 64 ? bound + 1 : 64)) :
			       fz_rand() % (bound + 1)) : (chance(50) ? rnd(256) : fz_rand());
	switch (rnd(4)) {
	case 0:
		return bound;
	case 1:
		return bound + 1;
	case 2:
		return fz_rand();
	default:
		return interesting();
	}
}

static struct fz_val gen_field(struct gen *g, const struct fz_cmd *cmd,
			       const struct fz_field *f, int ctx, unsigned int valid)
{
	switch (f->kind) {
	case FZ_SIZE:
		if (chance(valid))
			return num(cmd->size);
		switch (rnd(8)) {
		case 0:
			return num(cmd->min_size);
		case 1:
			return num(cmd->min_size ? cmd->min_size - 1 : 0);
		case 2:
			return num(rnd(2) ? 0 : 4);
		case 3:
			return num(cmd->size + 8);
		case 4:
			return num(256 + rnd(2));
		case 5:
			return num(4096);
		case 6:
			return num(0xffffffffU);
		default:
			return num(cmd->size + rnd(64));
		}
	case FZ_FLAGS:
		if (chance(valid))
			return num(f->arg & fz_rand());
		return num(chance(50) ? 1ULL << rnd(32) : (fz_rand() & 0xffffffffU));
	case FZ_ID:
		if (f->res == FZ_RES_NONE) {
			static const int any[] = { FZ_RES_PD, FZ_RES_MR, FZ_RES_CQ, FZ_RES_QUEUE,
						   FZ_RES_DM };

			return gen_res(g, any[rnd(5)], ctx, -1, valid);
		}
		return gen_res(g, f->res, ctx, -1, valid);
	case FZ_LEN:
		if (chance(valid)) {
			uint64_t max = f->arg < FZ_RW_SIZE ? f->arg : FZ_RW_SIZE;

			return num(chance(50) ? 1 + rnd(8192) : 1 + fz_rand() % max);
		}
		return num(chance(30) ? 0 : gen_number(f->arg, 0));
	case FZ_OFF:
		if (chance(valid))
			return num(chance(60) ? 0 : rnd(chance(50) ? 4096 : (unsigned int)f->arg));
		return num(gen_number(f->arg, 0));
	case FZ_COUNT:
		if (chance(valid))
			return num(1 + rnd(8));
		return num(chance(30) ? 0 : gen_number(f->arg, 0));
	case FZ_UPTR:
		return gen_mem(g, f->arg, valid);
	case FZ_FD:
		if (f->res != FZ_RES_NONE) {
			/* A dma-buf of EXPORT_DM mostly; else an fd of another kind, garbage. */
			if (chance(valid))
				return gen_res(g, f->res, ctx, -1, 100);
			switch (rnd(4)) {
			case 0: {
				struct fz_val v = { .kind = FZ_V_EFD };

				return v;
			}
			case 1:
				return gen_res(g, chance(70) ? FZ_RES_CTX : FZ_RES_FACET, -1, -1, 80);
			case 2:
				return gen_res(g, f->res, ctx, -1, 0);
			default:
				return num(chance(50) ? 0xffffffffU : interesting());
			}
		}
		if (chance(valid)) {
			struct fz_val v = { .kind = FZ_V_EFD };

			return v;
		}
		return chance(50) ? gen_res(g, FZ_RES_CTX, -1, -1, 50) : num(interesting());
	case FZ_RSVD:
		return num(chance(valid + (100 - valid) / 2) ? 0 : interesting() | 1);
	case FZ_VAL:
		return num(gen_number(f->arg, valid));
	case FZ_NAME:
		if (chance(valid)) {
			int fct;

			/* No vcrypto device among the fuzzer's. */
			do
				fct = (int)rnd(g->o->edu ? FZ_FACET_NR : FZ_FACET_EDU_DMA);
			while (fct == FZ_FACET_VCRYPTO);
			return num((uint64_t)fct);
		}
		return num(FZ_FACET_NR + rnd(3));
	default:	/* outputs */
		return num(chance(90) ? 0 : fz_rand());
	}
}

/* The argument of field @name of an ioctl or wr call, or NULL. */
static struct fz_val *field_arg(const struct fz_call *c, const char *name)
{
	const struct fz_field *f = c->type == FZ_IOCTL ? fz_cmds[c->cmd].fields : fz_wr_fields;
	unsigned int n = c->type == FZ_IOCTL ? fz_cmds[c->cmd].nr_fields : fz_nr_wr_fields;
	unsigned int first = c->type == FZ_IOCTL ? 2 : 1;

	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return (struct fz_val *)&c->args[first + i];
	return NULL;
}

/* Whether call @c is the ioctl @name. */
static bool is_cmd(const struct fz_call *c, const char *name)
{
	return c->type == FZ_IOCTL && !strcmp(fz_cmds[c->cmd].name, name);
}

/*
 * The bytes of the DM behind a dma-buf argument (its EXPORT_DM, through
 * dup and sendfd, and that DM's ALLOC_DM), as far as the program says.
 */
static uint64_t dmabuf_length(const struct fz_prog *p, const struct fz_val *v)
{
	for (int depth = 0; v && v->kind == FZ_V_REF && depth < FZ_MAX_CALLS; depth++) {
		const struct fz_call *c = &p->calls[v->ref];
		uint64_t len;

		if (c->type == FZ_DUP || c->type == FZ_SENDFD) {
			v = &c->args[0];
		} else if (is_cmd(c, "EXPORT_DM")) {
			v = field_arg(c, "dm_id");
		} else if (is_cmd(c, "ALLOC_DM")) {
			len = field_arg(c, "length")->num;
			/* ALLOC_DM rounds up to pages: the dma-buf has them all. */
			return len && len <= FZ_RW_SIZE ? (len + 4095) & ~4095ULL : 4096;
		} else {
			break;
		}
	}
	return 4096;
}

/* The length an MR argument was registered with, as far as the program says. */
static uint64_t mr_length(const struct fz_prog *p, const struct fz_val *v)
{
	const struct fz_call *c;

	if (!v || v->kind != FZ_V_REF)
		return 4096;
	c = &p->calls[v->ref];
	if (!is_cmd(c, "REG_MR") && !is_cmd(c, "REG_DMABUF_MR"))
		return 4096;
	v = field_arg(c, "length");
	return v->num && v->num <= FZ_RW_SIZE ? v->num : 4096;
}

/* An offset and a length inside an MR of @len bytes. */
static void range_in(uint64_t len, struct fz_val *off, struct fz_val *length)
{
	uint64_t o = chance(50) ? 0 : fz_rand() % len;

	if (off)
		*off = num(o);
	if (length)
		*length = num(1 + fz_rand() % (len - o));
}

/*
 * What the kernel checks beyond each field alone, so that valid calls get
 * past the checks: ranges inside their MRs, the poll and eventfd fields
 * with their flags, arrays inside the arena.
 */
static void fix_semantics(struct gen *g, struct fz_call *c)
{
	const char *name = c->type == FZ_IOCTL ? fz_cmds[c->cmd].name : "wr";
	struct fz_val *v;

	if (!strcmp(name, "CREATE_QUEUE")) {
		bool poll = field_arg(c, "flags")->num & UACCEL_QUEUE_POLL_FLAG;

		*field_arg(c, "poll_idle_ms") = num(poll && chance(50) ? 1 + rnd(50) : 0);
		*field_arg(c, "entries") = num(1 + rnd(chance(80) ? 32 : 4096));
	} else if (!strcmp(name, "CREATE_CQ")) {
		if (!(field_arg(c, "flags")->num & 1))
			*field_arg(c, "eventfd") = num(0);
		*field_arg(c, "entries") = num(1 + rnd(chance(80) ? 16 : 4096));
	} else if (!strcmp(name, "REG_MR")) {
		*field_arg(c, "flags") = num(chance(80) ? 1 : 0);	/* ACCESS_WRITE */
		*field_arg(c, "addr") = mem(FZ_MEM_RW, 4096 * rnd(192) + (chance(10) ? rnd(4096) : 0));
		*field_arg(c, "length") = num(4096 * (1 + rnd(16)) - (chance(20) ? rnd(4096) : 0));
	} else if (!strcmp(name, "REG_DMABUF_MR")) {
		*field_arg(c, "flags") = num(chance(80) ? 1 : 0);	/* ACCESS_WRITE */
		range_in(dmabuf_length(g->p, field_arg(c, "dmabuf_fd")), field_arg(c, "offset"),
			 field_arg(c, "length"));
	} else if (!strcmp(name, "ALLOC_DM")) {
		*field_arg(c, "length") = num(4096 * (1 + rnd(16)) - (chance(20) ? rnd(4096) : 0));
	} else if (!strcmp(name, "POST") || !strcmp(name, "POLL_CQ")) {
		unsigned int n = 1 + rnd(chance(80) ? 4 : 15);

		*field_arg(c, "count") = num(n);
		v = field_arg(c, name[1] == 'O' && name[2] == 'S' ? "wrs" : "cqes");
		*v = mem(FZ_MEM_RW, name[2] == 'S' ? 64 * rnd(17 - n) : (1U << 19) + 32 * rnd(64));
	} else if (!strcmp(name, "SOFT_DMA_COPY")) {
		uint64_t len = mr_length(g->p, field_arg(c, "src_mr"));
		uint64_t dlen = mr_length(g->p, field_arg(c, "dst_mr"));

		range_in(len < dlen ? len : dlen, field_arg(c, "src_offset"), field_arg(c, "length"));
		*field_arg(c, "dst_offset") = num(0);
	} else if (!strcmp(name, "SOFT_DMA_CRC32C")) {
		range_in(mr_length(g->p, field_arg(c, "mr")), field_arg(c, "offset"),
			 field_arg(c, "length"));
	} else if (!strncmp(name, "EDU_DMA", 7)) {
		uint64_t len = mr_length(g->p, field_arg(c, "mr"));

		range_in(len < 4000 ? len : 4000, field_arg(c, "mr_offset"), field_arg(c, "length"));
		*field_arg(c, "dev_offset") = num(rnd(64));
	} else if (!strcmp(name, "wr")) {
		uint64_t len = mr_length(g->p, field_arg(c, "src_mr"));
		uint64_t dlen = mr_length(g->p, field_arg(c, "dst_mr"));

		*field_arg(c, "opcode") = num(rnd(5));
		range_in(len < dlen ? len : dlen, field_arg(c, "src_offset"), field_arg(c, "length"));
		*field_arg(c, "dst_offset") = num(0);
	}
}

/*
 * Fill the arguments of an ioctl of @cmd on @fd: valid ones (as far as the
 * description goes), then, unless chance(valid), one or two of them
 * (the pointer to the structure and its tail count) made invalid.
 */
static void gen_ioctl_args(struct gen *g, struct fz_call *c, const struct fz_cmd *cmd,
			   struct fz_val fd, int ctx, unsigned int valid)
{
	c->type = FZ_IOCTL;
	c->cmd = (int16_t)(cmd - fz_cmds);
	default_args(c);
	c->args[0] = fd;
	for (unsigned int i = 0; i < cmd->nr_fields; i++)
		c->args[2 + i] = gen_field(g, cmd, &cmd->fields[i], ctx, 100);
	/* The facet versions go with the name. */
	if (cmd->produces == FZ_RES_FACET && c->args[4].num < FZ_FACET_NR) {
		const struct fz_facet_desc *fct = &fz_facets[c->args[4].num];

		c->args[5] = num(fct->min_version);
		c->args[6] = num(fct->max_version + (chance(30) ? 1 : 0));
	}
	fix_semantics(g, c);
	if (chance(valid))
		return;
	for (unsigned int k = 1 + rnd(2); k; k--) {
		unsigned int a = rnd(cmd->nr_fields + 2);

		if (a == cmd->nr_fields)
			c->args[1] = gen_mem(g, 8, 30);
		else if (a == cmd->nr_fields + 1)
			c->args[2 + cmd->nr_fields] = num(fz_rand() | 1);
		else
			c->args[2 + a] = gen_field(g, cmd, &cmd->fields[a], ctx, 0);
	}
}

static int append(struct gen *g, const struct fz_call *c)
{
	if (g->p->n >= FZ_MAX_CALLS)
		return -1;
	g->p->calls[g->p->n] = *c;
	return (int)g->p->n++;
}

static int gen_open(struct gen *g, unsigned int valid)
{
	struct fz_call c = { .type = FZ_OPEN };

	default_args(&c);
	c.args[0] = num(chance(valid) ? (chance(70) ? 0 : rnd(3)) : rnd(8));
	c.args[1] = num(chance(80) ? 0 : rnd(4));
	return append(g, &c);
}

static const struct fz_cmd *producer_cmd(int res)
{
	static const char *const names[FZ_RES_NR] = {
		[FZ_RES_FACET] = "GET_DRIVER_OPS_FD", [FZ_RES_PD] = "ALLOC_PD",
		[FZ_RES_MR] = "REG_MR", [FZ_RES_CQ] = "CREATE_CQ",
		[FZ_RES_QUEUE] = "CREATE_QUEUE", [FZ_RES_DM] = "ALLOC_DM",
		[FZ_RES_DMABUF] = "EXPORT_DM",
	};

	return names[res] ? fz_cmd_by_name(names[res]) : NULL;
}

/* Append a call making @res (valid arguments mostly); its index or -1. */
static int gen_producer(struct gen *g, int res, int ctx, int facet)
{
	struct fz_call c = { 0 };
	struct fz_val fd;
	int r = -1;

	g->depth++;
	if (res == FZ_RES_CTX) {
		r = gen_open(g, 95);
	} else if (res == FZ_RES_MAP && chance(25)) {
		/* A dma-buf's memory: the whole buffer mostly. */
		int buf = find_res(g->p, FZ_RES_DMABUF, ctx, -1);

		if (buf < 0)
			buf = gen_producer(g, FZ_RES_DMABUF, ctx, -1);
		if (buf >= 0 && g->p->n < FZ_MAX_CALLS) {
			c.type = FZ_MMAP;
			default_args(&c);
			c.args[0] = ref(buf);
			c.args[1] = ref(buf);
			c.args[2] = num(chance(70) ? dmabuf_length(g->p, &c.args[0]) : 4096 * rnd(8));
			c.args[3] = num(chance(85) ? 0 : rnd(5));
			r = append(g, &c);
		}
	} else if (res == FZ_RES_MAP) {
		int obj = find_res(g->p, chance(50) ? FZ_RES_CQ : FZ_RES_QUEUE, ctx, -1);

		if (obj < 0)
			obj = gen_producer(g, chance(50) ? FZ_RES_CQ : FZ_RES_QUEUE, ctx, -1);
		if (obj >= 0 && g->p->n < FZ_MAX_CALLS) {
			c.type = FZ_MMAP;
			default_args(&c);
			c.args[0] = ctx_of(g->p, obj) >= 0 ? ref(ctx_of(g->p, obj)) :
				    gen_res(g, FZ_RES_CTX, -1, -1, 95);
			c.args[1] = ref(obj);
			c.args[2] = num(chance(90) ? 0 : 4096 * rnd(8));
			c.args[3] = num(chance(85) ? 0 : rnd(5));
			r = append(g, &c);
		}
	} else if (producer_cmd(res)) {
		const struct fz_cmd *cmd = producer_cmd(res);

		/* MRs of dma-bufs too, for the data path to use. */
		if (res == FZ_RES_MR && chance(20))
			cmd = fz_cmd_by_name("REG_DMABUF_MR");

		fd = ctx >= 0 && chance(90) ? ref(ctx) : gen_res(g, FZ_RES_CTX, -1, -1, 95);
		gen_ioctl_args(g, &c, cmd, fd, fd.kind == FZ_V_REF ? ctx_of(g->p, fd.ref) : -1, 95);
		if (res == FZ_RES_FACET && facet >= 0)
			c.args[4] = num((uint64_t)facet);
		if (res == FZ_RES_FACET && c.args[4].num < FZ_FACET_NR) {
			c.args[5] = num(fz_facets[c.args[4].num].min_version);
			c.args[6] = num(fz_facets[c.args[4].num].max_version);
		}
		if (res == FZ_RES_MR && cmd == producer_cmd(res) && chance(90)) {
			c.args[6] = mem(FZ_MEM_RW, 4096 * rnd(16));
			c.args[7] = num(4096 * (1 + rnd(16)) - (chance(20) ? rnd(4096) : 0));
		}
		if (res == FZ_RES_CQ || res == FZ_RES_QUEUE)
			c.args[2 + 2 + (res == FZ_RES_QUEUE ? 2 : 0)] = num(1 + rnd(chance(80) ? 64 : 4096));
		r = append(g, &c);
	}
	g->depth--;
	return r;
}

static const struct fz_cmd *pick_cmd(const struct fz_gen_opts *o)
{
	for (;;) {
		const struct fz_cmd *cmd = &fz_cmds[rnd(fz_nr_cmds)];

		if ((cmd->facet == FZ_FACET_EDU_DMA && !o->edu) ||
		    cmd->facet == FZ_FACET_VCRYPTO)
			continue;
		/* The fatal error takes the device away: now and then only. */
		if (!strcmp(cmd->name, "SOFT_DEBUG_FATAL_ERROR") && !chance(5))
			continue;
		return cmd;
	}
}

static void gen_random_call(struct gen *g)
{
	static const unsigned int weights[FZ_NR_CALL_TYPES] = {
		[FZ_OPEN] = 3, [FZ_IOCTL] = 60, [FZ_WR] = 6, [FZ_MMAP] = 5,
		[FZ_POKE] = 5, [FZ_MUNMAP] = 2, [FZ_READ] = 3, [FZ_POLL] = 2,
		[FZ_DUP] = 2, [FZ_CLOSE] = 4, [FZ_FORK] = 2, [FZ_SENDFD] = 3,
		[FZ_SYSFS] = 3, [FZ_NETLINK] = 3,
	};
	unsigned int total = 0, pick;
	struct fz_call c = { 0 };
	int type;

	for (type = 0; type < FZ_NR_CALL_TYPES; type++)
		total += type == FZ_SYSFS && !g->o->sysfs ? 0 : weights[type];
	pick = rnd(total);
	for (type = 0; type < FZ_NR_CALL_TYPES; type++) {
		unsigned int w = type == FZ_SYSFS && !g->o->sysfs ? 0 : weights[type];

		if (pick < w)
			break;
		pick -= w;
	}
	c.type = (uint8_t)type;
	if (type != FZ_IOCTL)
		default_args(&c);
	switch (type) {
	case FZ_OPEN:
		gen_open(g, 80);
		return;
	case FZ_IOCTL: {
		const struct fz_cmd *cmd = pick_cmd(g->o);
		struct fz_val fd;
		int ctx = -1;

		if (cmd->facet == FZ_FACET_CORE)
			fd = gen_res(g, chance(92) ? FZ_RES_CTX : FZ_RES_FACET, -1, -1, 90);
		else
			fd = gen_res(g, chance(92) ? FZ_RES_FACET : FZ_RES_CTX, -1, cmd->facet, 90);
		if (fd.kind == FZ_V_REF)
			ctx = ctx_of(g->p, fd.ref);
		gen_ioctl_args(g, &c, cmd, fd, ctx, 85);
		break;
	}
	case FZ_WR: {
		c.args[0] = num(rnd(16));
		for (unsigned int i = 0; i < fz_nr_wr_fields; i++)
			c.args[1 + i] = gen_field(g, NULL, &fz_wr_fields[i], -1, 100);
		fix_semantics(g, &c);
		if (chance(15)) {
			unsigned int a = rnd(fz_nr_wr_fields);

			c.args[1 + a] = gen_field(g, NULL, &fz_wr_fields[a], -1, 0);
		}
		break;
	}
	case FZ_MMAP:
		gen_producer(g, FZ_RES_MAP, -1, -1);
		return;
	case FZ_POKE:
	case FZ_MUNMAP:
		c.args[0] = gen_res(g, FZ_RES_MAP, -1, -1, 95);
		if (type == FZ_POKE) {
			c.args[1] = num(rnd(4));
			c.args[2] = num(chance(50) ? rnd(70000) : fz_rand());
			c.args[3] = num(128 + rnd(4096));
		}
		break;
	case FZ_READ:
		c.args[0] = gen_res(g, FZ_RES_CTX, -1, -1, 90);
		c.args[1] = num(chance(70) ? 32 * (1 + rnd(4)) : interesting() & 0xffff);
		c.args[2] = gen_mem(g, 32, 85);
		break;
	case FZ_POLL:
		c.args[0] = gen_res(g, chance(70) ? FZ_RES_CTX : chance(80) ? FZ_RES_FACET :
				    FZ_RES_DMABUF, -1, -1, 90);
		c.args[1] = num(chance(80) ? 1 : fz_rand() & 0xffff);
		break;
	case FZ_DUP:
	case FZ_CLOSE:
	case FZ_SENDFD: {
		unsigned int kind = rnd(100);

		c.args[0] = gen_res(g, kind < 65 ? FZ_RES_CTX : kind < 90 ? FZ_RES_FACET :
				    FZ_RES_DMABUF, -1, -1, 90);
		if (type == FZ_SENDFD)
			c.args[1] = num(rnd(3));
		break;
	}
	case FZ_FORK:
		c.args[0] = gen_res(g, FZ_RES_CTX, -1, -1, 90);
		c.args[1] = num(rnd(4));
		break;
	case FZ_SYSFS:
		c.args[0] = num(rnd(4));
		c.args[1] = num(rnd(4));
		c.args[2] = num(rnd(chance(80) ? 2 : 6));
		break;
	case FZ_NETLINK:
		c.args[0] = num(rnd(6));
		c.args[1] = num(rnd(8));
		c.args[2] = num(chance(80) ? rnd(8) : fz_rand());
		break;
	}
	if (g->o->threads && chance(12))
		c.async = 1;
	append(g, &c);
}

void fz_generate(struct fz_prog *p, const struct fz_gen_opts *o)
{
	struct gen g = { .p = p, .o = o };
	unsigned int target = 4 + rnd(24);

	p->n = 0;
	gen_open(&g, 95);
	while (p->n < target && p->n < FZ_MAX_CALLS - 1)
		gen_random_call(&g);
}

void fz_remove_call(struct fz_prog *p, unsigned int i)
{
	for (unsigned int j = i + 1; j < p->n; j++) {
		struct fz_call *c = &p->calls[j];

		for (unsigned int a = 0; a < c->nargs; a++) {
			struct fz_val *v = &c->args[a];

			if (v->kind != FZ_V_REF && !(v->kind == FZ_V_MEM && v->mem == FZ_MEM_MAP))
				continue;
			if (v->ref == (int)i) {
				if (v->kind == FZ_V_REF)
					*v = num(0xffffffffffffffffULL);
				else
					*v = mem(FZ_MEM_HOLE, v->num);
			} else if (v->ref > (int)i) {
				v->ref--;
			}
		}
	}
	memmove(&p->calls[i], &p->calls[i + 1], (p->n - i - 1) * sizeof(p->calls[0]));
	p->n--;
}

/* Insert generated calls at @pos, shifting the references of those after. */
static void insert_at(struct fz_prog *p, unsigned int pos, const struct fz_gen_opts *o)
{
	struct fz_prog tail = *p;
	struct gen g = { .p = p, .o = o };
	unsigned int k;

	p->n = pos;
	gen_random_call(&g);
	k = p->n - pos;
	for (unsigned int j = pos; j < tail.n && p->n < FZ_MAX_CALLS; j++) {
		struct fz_call c = tail.calls[j];

		for (unsigned int a = 0; a < c.nargs; a++) {
			struct fz_val *v = &c.args[a];

			if ((v->kind == FZ_V_REF || (v->kind == FZ_V_MEM && v->mem == FZ_MEM_MAP)) &&
			    v->ref >= (int)pos)
				v->ref = (int16_t)(v->ref + k);
		}
		p->calls[p->n++] = c;
	}
}

void fz_mutate(struct fz_prog *p, const struct fz_gen_opts *o)
{
	unsigned int what = rnd(100), i;
	struct gen g = { .p = p, .o = o };

	if (!p->n) {
		fz_generate(p, o);
		return;
	}
	i = rnd(p->n);
	if (what < 25 && p->n > 1) {
		fz_remove_call(p, i);
	} else if (what < 50 && p->n < FZ_MAX_CALLS - 8) {
		insert_at(p, i ? i : 1, o);
	} else if (what < 90) {
		struct fz_call *c = &p->calls[i];
		unsigned int a = c->nargs ? rnd(c->nargs) : 0;
		const struct fz_field *f = arg_field(c, a);
		struct fz_prog before = *p;
		struct fz_val v;

		if (!c->nargs)
			return;
		/* Only references to earlier calls: generate with the prefix. */
		p->n = i;
		if (f)
			v = gen_field(&g, c->type == FZ_IOCTL ? &fz_cmds[c->cmd] : NULL, f, -1, 70);
		else if (c->args[a].kind == FZ_V_REF || c->args[a].kind == FZ_V_MEM)
			v = chance(50) ? gen_mem(&g, 8, 50) : ref(i ? (int)rnd(i) : 0);
		else
			v = num(chance(50) ? interesting() : rnd(8));
		/* A producer generated for it would go before call i: drop it. */
		if (p->n != i || (v.kind == FZ_V_REF && v.ref >= (int)i) ||
		    (v.kind == FZ_V_MEM && v.mem == FZ_MEM_MAP && v.ref >= (int)i)) {
			*p = before;
			return;
		}
		*p = before;
		if (f && f->kind == FZ_SIZE && c->type == FZ_IOCTL && chance(50))
			v = num(fz_cmds[c->cmd].size);
		p->calls[i].args[a] = v;
	} else {
		p->calls[i].async ^= o->threads;
	}
}
