/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uaccel-fuzz: programs (sequences of calls whose results later calls
 * consume), their text form, their generation and mutation.
 */
#ifndef UACCEL_FUZZ_H
#define UACCEL_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "uapi_desc.h"

#define FZ_MAX_CALLS	48
#define FZ_MAX_ARGS	20

enum fz_call_type {
	FZ_OPEN,	/* dev mode: open the dev-th /dev/uaccel node -> ctx */
	FZ_IOCTL,	/* a command of the table on an fd */
	FZ_WR,		/* write a struct uaccel_wr into a slot of the rw arena */
	FZ_MMAP,	/* map the ring of a CQ or queue -> map */
	FZ_POKE,	/* write garbage into a ring mapping's header or entries */
	FZ_MUNMAP,
	FZ_READ,	/* read events from an fd */
	FZ_POLL,
	FZ_DUP,		/* -> an fd of the same type */
	FZ_CLOSE,
	FZ_FORK,	/* a child inherits the fds, acts on one, exits */
	FZ_SENDFD,	/* pass an fd over a unix socket -> the received fd */
	FZ_SYSFS,	/* rename, exclusive, new_device, delete_device */
	FZ_NETLINK,	/* a request of the netlink family uaccel, or garbage */
	FZ_NR_CALL_TYPES,
};

/* Where a user pointer points. */
enum fz_mem {
	FZ_MEM_RW,	/* read-write arena (1 MiB), followed by PROT_NONE */
	FZ_MEM_RO,	/* read-only */
	FZ_MEM_NONE,	/* PROT_NONE */
	FZ_MEM_HOLE,	/* unmapped */
	FZ_MEM_NULL,
	FZ_MEM_KERNEL,	/* a kernel address */
	FZ_MEM_MAP,	/* into the ring mapping made by call .ref */
	FZ_MEM_NR,
};

#define FZ_RW_SIZE	(1U << 20)
#define FZ_SMALL_SIZE	(64U << 10)

enum fz_val_kind {
	FZ_V_NUM,
	FZ_V_REF,	/* the result of an earlier call */
	FZ_V_MEM,	/* an address: region .mem, offset .num */
	FZ_V_EFD,	/* a new eventfd */
	FZ_V_STRUCT,	/* the ioctl's own buffer (its default argument) */
};

struct fz_val {
	uint8_t kind;
	uint8_t mem;
	int16_t ref;
	uint64_t num;
};

struct fz_call {
	uint8_t type;
	uint8_t async;		/* run on a worker thread, not waited for */
	int16_t cmd;		/* FZ_IOCTL: index in fz_cmds */
	uint8_t nargs;
	struct fz_val args[FZ_MAX_ARGS];
};

struct fz_prog {
	unsigned int n;
	struct fz_call calls[FZ_MAX_CALLS];
};

/* Argument names of a call (ioctl: fd, arg, the fields, tail). */
unsigned int fz_call_arg_names(const struct fz_call *c, const char **names,
			       unsigned int max);
const char *fz_call_type_name(int type);
/* What the call yields (enum fz_res), and for facet fds which facet. */
int fz_call_res(const struct fz_prog *p, unsigned int i, int *facet);

int fz_prog_write(FILE *f, const struct fz_prog *p);
/* Parses a program; 0, or -1 with a message in err. */
int fz_prog_parse(const char *text, struct fz_prog *p, char *err, size_t errlen);
int fz_prog_load(const char *path, struct fz_prog *p, char *err, size_t errlen);

struct fz_gen_opts {
	bool sysfs;		/* generate sysfs writes */
	bool threads;		/* generate async calls */
	bool edu;		/* edu commands too */
};

uint64_t fz_rand(void);
void fz_srand(uint64_t seed);
void fz_generate(struct fz_prog *p, const struct fz_gen_opts *o);
void fz_mutate(struct fz_prog *p, const struct fz_gen_opts *o);
/* Remove call i; references to it become invalid values. */
void fz_remove_call(struct fz_prog *p, unsigned int i);

#endif /* UACCEL_FUZZ_H */
