/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The fuzzer's description of the uaccel uAPI: every core command of
 * include/uapi/uaccel/uaccel.h and every facet command of soft.h, edu.h,
 * vcrypto.h, factorial.h and cipher.h, field by field.  uapi_desc.c checks
 * it against the headers at build time (sizes and offsets of every field,
 * the structures covered without a gap); tests/fuzz/check-desc.sh checks
 * that every command macro of the headers is in the table.
 */
#ifndef UACCEL_FUZZ_UAPI_DESC_H
#define UACCEL_FUZZ_UAPI_DESC_H

#include <stddef.h>
#include <stdint.h>

/* Resources that calls produce and later calls consume. */
enum fz_res {
	FZ_RES_NONE,
	FZ_RES_CTX,	/* a context fd (open of /dev/uaccel/uaccelN) */
	FZ_RES_FACET,	/* a facet fd (GET_DRIVER_OPS_FD) */
	FZ_RES_PD,
	FZ_RES_MR,
	FZ_RES_CQ,
	FZ_RES_QUEUE,
	FZ_RES_MAP,	/* a mapping (mmap of a CQ's or queue's ring, or of a dma-buf) */
	FZ_RES_DM,	/* a device memory object (ALLOC_DM) */
	FZ_RES_DMABUF,	/* a dma-buf fd (EXPORT_DM) */
	FZ_RES_NR,
};

/* What a field holds, which tells the generator what to put in it. */
enum fz_kind {
	FZ_SIZE,	/* the structure's size */
	FZ_FLAGS,	/* flag bits; arg = the valid mask */
	FZ_ID,		/* an object id; res = its type (FZ_RES_NONE: any) */
	FZ_LEN,		/* a byte length; arg = the largest valid one */
	FZ_OFF,		/* a byte offset; arg = the largest valid one */
	FZ_COUNT,	/* a number of elements at the user pointer; arg = max */
	FZ_UPTR,	/* a user pointer; arg = the size of one element */
	FZ_FD,		/* an fd; res = its type (FZ_RES_NONE: an eventfd) */
	FZ_RSVD,	/* reserved, must be zero */
	FZ_VAL,		/* a plain value; arg = a bound worth trying (0: any) */
	FZ_NAME,	/* a NUL-terminated facet name (char array) */
	FZ_OUT,		/* written by the kernel; any value in */
	FZ_OUT_ID,	/* written by the kernel: the new object; res = its type */
	FZ_OUT_FD,	/* written by the kernel: the new fd; res = its type */
};

struct fz_field {
	const char *name;
	uint16_t off;
	uint16_t size;
	uint8_t kind;		/* enum fz_kind */
	uint8_t res;		/* enum fz_res of FZ_ID, FZ_OUT_ID */
	uint64_t arg;
};

/* Facets, by name; a command belongs to one (or to the core). */
enum fz_facet {
	FZ_FACET_CORE = -1,
	FZ_FACET_SOFT_DMA,
	FZ_FACET_SOFT_DMA_LEGACY,
	FZ_FACET_SOFT_DEBUG,
	FZ_FACET_FACTORIAL,
	FZ_FACET_CIPHER,
	FZ_FACET_VCRYPTO,	/* served by vcrypto devices only */
	FZ_FACET_EDU_DMA,	/* last: only with an edu device */
	FZ_FACET_NR,
};

struct fz_facet_desc {
	const char *name;
	uint32_t min_version, max_version;
};

struct fz_cmd {
	const char *name;	/* short name in programs: QUERY_DEVICE */
	const char *macro;	/* the header's macro: UACCEL_IOCTL_QUERY_DEVICE */
	unsigned long req;
	int facet;		/* enum fz_facet */
	uint32_t size;		/* sizeof the structure */
	uint32_t min_size;	/* the mandatory part */
	uint32_t valid_flags;
	uint32_t min_version;	/* facet version that has it */
	uint8_t produces;	/* enum fz_res of the out id or fd */
	const struct fz_field *fields;
	unsigned int nr_fields;
};

extern const struct fz_cmd fz_cmds[];
extern const unsigned int fz_nr_cmds;
extern const struct fz_facet_desc fz_facets[FZ_FACET_NR];
/* struct uaccel_wr, the entry of POST's array and of soft queue rings. */
extern const struct fz_field fz_wr_fields[];
extern const unsigned int fz_nr_wr_fields;

const struct fz_cmd *fz_cmd_by_name(const char *name);
const char *fz_res_name(int res);
int fz_res_by_name(const char *name);
/* Every structure covered by its fields, in order, without overlap: 0. */
int fz_desc_selfcheck(void);

#endif /* UACCEL_FUZZ_UAPI_DESC_H */
