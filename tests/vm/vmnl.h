/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A small client of the netlink family "uaccel" over libmnl, for the
 * in-VM tests: resolve the family, send a request, parse every reply
 * into a struct rec.
 */
#ifndef UACCEL_VMNL_H
#define UACCEL_VMNL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

struct nl {
	struct mnl_socket *sk;
	uint16_t family;
	uint32_t group;
	unsigned int seq;
};

/* What one message of the family said. */
struct rec {
	uint8_t cmd;
	uint16_t flags;
	uint32_t index, numa_set, ctx, pid, uid, pds, mrs, cqs, queues, facet_files;
	uint32_t obj, obj_pd, obj_cq, entries, access, version, contexts;
	int32_t numa;
	uint8_t state, exclusive, type;
	uint64_t pinned, length, addr, obj_pinned;
	char name[64], old_name[64], driver[64], comm[16], facet[64];
	char facets[1024];	/* "name min max flags\n" per facet, as sysfs */
	unsigned int nfacets;	/* facet nests of a context */
};

struct recs {
	struct rec *r;
	unsigned int n, cap;
};

/* Collect one message of the family into the struct recs @data. */
int nl_msg_cb(const struct nlmsghdr *nlh, void *data);
void nl_recs_free(struct recs *rs);

/* A request header of @type (a family id) and genetlink @cmd, in @buf. */
struct nlmsghdr *nl_put(struct nl *nl, char *buf, uint16_t type,
			uint8_t cmd, uint16_t flags);
/*
 * Send @nlh and read the replies up to the ACK or NLMSG_DONE into @rs
 * (with @cb, or nl_msg_cb()): 0 or the -errno of the request or dump.
 */
int nl_talk(struct nl *nl, const struct nlmsghdr *nlh, struct recs *rs,
	    mnl_cb_t cb);
/* A socket with the family id and the monitor group id; asserts. */
void nl_open(struct nl *nl);
void nl_close(struct nl *nl);
/* A request of the family, with a device index (or -1) and a type (or -1). */
struct nlmsghdr *nl_req(struct nl *nl, char *buf, uint8_t cmd,
			uint16_t flags, int64_t index, int type);
/* Dump @cmd into @rs: 0 or -errno. */
int nl_dump(struct nl *nl, uint8_t cmd, int64_t index, int type,
	    struct recs *rs);

/* The device index of device @name (from its node), asserted. */
unsigned int nl_dev_index(const char *name);
/* A sysfs attribute of device @dev, without its newline. */
void nl_sysfs_attr(const char *dev, const char *attr, char *buf, size_t len);
/* The record of device @name in a device dump, or NULL. */
const struct rec *nl_find_dev(const struct recs *rs, const char *name);

/*
 * Send the dump request @nlh and read it part by part with a buffer of
 * @len bytes into @rs, running @mid(@arg) once after the first part: whether
 * a message carried NLM_F_DUMP_INTR, and the parts in *@nparts (or NULL).
 */
typedef void (*nl_mid_fn)(void *arg);
bool nl_dump_parts(struct nl *nl, const struct nlmsghdr *nlh, size_t len,
		   nl_mid_fn mid, void *arg, struct recs *rs, unsigned int *nparts);

#endif /* UACCEL_VMNL_H */
