// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A small client of the netlink family "uaccel" over libmnl, for the
 * in-VM tests (vmnl.h).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uaccel/netlink.h>

#include "vmtest.h"
#include "vmnl.h"

#define CLASS	"/sys/class/uaccel"

static void str_attr(char *dst, size_t len, const struct nlattr *a)
{
	snprintf(dst, len, "%s", mnl_attr_get_str(a));
}

static int facet_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *f;
	struct rec *r = data;
	char name[64] = "";
	uint32_t lo = 0, hi = 0, flags = 0, ver = 0;
	size_t len = strlen(r->facets);

	mnl_attr_for_each_nested(f, a) {
		switch (mnl_attr_get_type(f)) {
		case UACCEL_NL_ATTR_FACET_NAME:
			str_attr(name, sizeof(name), f);
			break;
		case UACCEL_NL_ATTR_FACET_MIN_VERSION:
			lo = mnl_attr_get_u32(f);
			break;
		case UACCEL_NL_ATTR_FACET_MAX_VERSION:
			hi = mnl_attr_get_u32(f);
			break;
		case UACCEL_NL_ATTR_FACET_FLAGS:
			flags = mnl_attr_get_u32(f);
			break;
		case UACCEL_NL_ATTR_FACET_VERSION:
			ver = mnl_attr_get_u32(f);
			break;
		}
	}
	if (ver)
		snprintf(r->facets + len, sizeof(r->facets) - len, "%s %u\n", name, ver);
	else
		snprintf(r->facets + len, sizeof(r->facets) - len, "%s %u %u %x\n",
			 name, lo, hi, flags);
	r->nfacets++;
	return MNL_CB_OK;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct rec *r = data;
	const struct nlattr *f;

	switch (mnl_attr_get_type(a)) {
	case UACCEL_NL_ATTR_DEV_INDEX: r->index = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_DEV_NAME: str_attr(r->name, sizeof(r->name), a); break;
	case UACCEL_NL_ATTR_DEV_OLD_NAME: str_attr(r->old_name, sizeof(r->old_name), a); break;
	case UACCEL_NL_ATTR_DEV_DRIVER: str_attr(r->driver, sizeof(r->driver), a); break;
	case UACCEL_NL_ATTR_DEV_NUMA_NODE:
		r->numa = (int32_t)mnl_attr_get_u32(a);
		r->numa_set = 1;
		break;
	case UACCEL_NL_ATTR_DEV_STATE: r->state = mnl_attr_get_u8(a); break;
	case UACCEL_NL_ATTR_DEV_EXCLUSIVE: r->exclusive = mnl_attr_get_u8(a); break;
	case UACCEL_NL_ATTR_DEV_CONTEXTS: r->contexts = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_DEV_FACETS:
	case UACCEL_NL_ATTR_CTX_FACETS:
		mnl_attr_for_each_nested(f, a) {
			if (mnl_attr_get_type(f) == UACCEL_NL_ATTR_FACET)
				facet_cb(f, r);
			else if (mnl_attr_get_type(f) == UACCEL_NL_ATTR_CTX_FACET_FILES)
				r->facet_files = mnl_attr_get_u32(f);
		}
		break;
	case UACCEL_NL_ATTR_RES_TYPE: r->type = mnl_attr_get_u8(a); break;
	case UACCEL_NL_ATTR_CTX_ID: r->ctx = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_PID: r->pid = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_COMM: str_attr(r->comm, sizeof(r->comm), a); break;
	case UACCEL_NL_ATTR_CTX_UID: r->uid = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_PDS: r->pds = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_MRS: r->mrs = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_CQS: r->cqs = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_QUEUES: r->queues = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_CTX_PINNED_BYTES: r->pinned = mnl_attr_get_u64(a); break;
	case UACCEL_NL_ATTR_OBJ_ID: r->obj = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_OBJ_PD: r->obj_pd = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_OBJ_CQ: r->obj_cq = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_OBJ_LENGTH: r->length = mnl_attr_get_u64(a); break;
	case UACCEL_NL_ATTR_OBJ_ADDR: r->addr = mnl_attr_get_u64(a); break;
	case UACCEL_NL_ATTR_OBJ_ACCESS: r->access = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_OBJ_PINNED_BYTES: r->obj_pinned = mnl_attr_get_u64(a); break;
	case UACCEL_NL_ATTR_OBJ_ENTRIES: r->entries = mnl_attr_get_u32(a); break;
	case UACCEL_NL_ATTR_FACET_NAME: str_attr(r->facet, sizeof(r->facet), a); break;
	case UACCEL_NL_ATTR_FACET_VERSION: r->version = mnl_attr_get_u32(a); break;
	}
	return MNL_CB_OK;
}

int nl_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct recs *rs = data;
	struct rec *r;

	if (!rs)
		return MNL_CB_OK;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r)
			return MNL_CB_ERROR;
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->cmd = g->cmd;
	r->flags = nlh->nlmsg_flags;
	mnl_attr_parse(nlh, sizeof(*g), attr_cb, r);
	return MNL_CB_OK;
}

void nl_recs_free(struct recs *rs)
{
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* The family id and the monitor group id, from nlctrl. */
static int ctrl_attr_cb(const struct nlattr *a, void *data)
{
	struct nl *nl = data;
	const struct nlattr *grp, *f;
	uint32_t id = 0;
	const char *name = NULL;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
		nl->family = mnl_attr_get_u16(a);
	if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, a) {
		mnl_attr_for_each_nested(f, grp) {
			if (mnl_attr_get_type(f) == CTRL_ATTR_MCAST_GRP_ID)
				id = mnl_attr_get_u32(f);
			if (mnl_attr_get_type(f) == CTRL_ATTR_MCAST_GRP_NAME)
				name = mnl_attr_get_str(f);
		}
		if (name && !strcmp(name, UACCEL_GENL_MCGRP_MONITOR))
			nl->group = id;
	}
	return MNL_CB_OK;
}

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, data);
	return MNL_CB_OK;
}

struct nlmsghdr *nl_put(struct nl *nl, char *buf, uint16_t type,
			       uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : UACCEL_GENL_VERSION;
	return nlh;
}

/* NLMSG_DONE carries the dump's error, which libmnl does not look at. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) && *err < 0) {
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* With control callbacks of its own, libmnl leaves NLMSG_ERROR to them. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	errno = -e->error;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/* Send @nlh and read the replies up to the ACK or DONE: 0 or -errno. */
int nl_talk(struct nl *nl, const struct nlmsghdr *nlh, struct recs *rs,
		   mnl_cb_t cb)
{
	unsigned int portid = mnl_socket_get_portid(nl->sk);
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	int n, ret;

	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(buf, n, nlh->nlmsg_seq, portid, cb ?: nl_msg_cb, rs,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

void nl_open(struct nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	assert_non_null(nl->sk);
	assert_int_equal(mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID), 0);
	nlh = nl_put(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, UACCEL_GENL_NAME);
	assert_int_equal(nl_talk(nl, nlh, (struct recs *)nl, ctrl_cb), 0);
	assert_true(nl->family != 0);
	assert_true(nl->group != 0);
}

void nl_close(struct nl *nl)
{
	mnl_socket_close(nl->sk);
}

/* A request of the family, with a device index (or -1) and a type (or -1). */
struct nlmsghdr *nl_req(struct nl *nl, char *buf, uint8_t cmd,
			       uint16_t flags, int64_t index, int type)
{
	struct nlmsghdr *nlh = nl_put(nl, buf, nl->family, cmd, flags);

	if (index >= 0)
		mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
	if (type >= 0)
		mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_RES_TYPE, type);
	return nlh;
}

int nl_dump(struct nl *nl, uint8_t cmd, int64_t index, int type,
		struct recs *rs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, nl_req(nl, buf, cmd, NLM_F_DUMP, index, type), rs, NULL);
}

/* ---- sysfs ---- */

unsigned int nl_dev_index(const char *name)
{
	char node[256];
	unsigned int i;

	vm_device_node(name, node, sizeof(node));
	assert_int_equal(sscanf(node, "/dev/uaccel/uaccel%u", &i), 1);
	return i;
}

void nl_sysfs_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), CLASS "/%s/%s", dev, attr);
	vm_sysfs_read(path, buf, len);
	buf[strcspn(buf, "\n")] = '\0';
}

const struct rec *nl_find_dev(const struct recs *rs, const char *name)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].name, name))
			return &rs->r[i];
	return NULL;
}

/*
 * Send the dump request @nlh and read its parts with a buffer of @len
 * bytes into @rs; @mid(@arg) runs once the first part was read (the
 * kernel builds the second part at that read).  Returns whether a message
 * carried NLM_F_DUMP_INTR, and the number of parts in *@nparts (if not
 * NULL).  The dump must end with NLMSG_DONE and 0.
 */
bool nl_dump_parts(struct nl *nl, const struct nlmsghdr *nlh, size_t len,
		   nl_mid_fn mid, void *arg, struct recs *rs, unsigned int *nparts)
{
	const struct nlmsghdr *m;
	char *rbuf = malloc(len);
	bool intr = false, done = false;
	int n, parts = 0;

	assert_non_null(rbuf);
	assert_true(mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) > 0);
	while (!done) {
		n = mnl_socket_recvfrom(nl->sk, rbuf, len);
		if (n < 0)
			fail_msg("recv: %s", strerror(errno));
		for (m = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(m, n);
		     m = mnl_nlmsg_next(m, &n)) {
			assert_int_equal(m->nlmsg_seq, nlh->nlmsg_seq);
			if (m->nlmsg_type == NLMSG_ERROR)
				fail_msg("dump error %d",
					 ((const struct nlmsgerr *)mnl_nlmsg_get_payload(m))->error);
			intr |= !!(m->nlmsg_flags & NLM_F_DUMP_INTR);
			if (m->nlmsg_type == NLMSG_DONE) {
				assert_int_equal(*(const int *)mnl_nlmsg_get_payload(m), 0);
				done = true;
				break;
			}
			assert_int_equal(m->nlmsg_type, nl->family);
			nl_msg_cb(m, rs);
		}
		if (!parts++ && mid)
			mid(arg);
	}
	free(rbuf);
	if (nparts)
		*nparts = parts;
	return intr;
}
