// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accel: the operators' tool of uaccel, in the shape of iproute2's rdma,
 * over the generic netlink family "uaccel" (include/uapi/uaccel/netlink.h).
 *
 *   accel [OPTIONS] dev [show [NAME]]
 *   accel [OPTIONS] dev set NAME name NEWNAME | exclusive on|off
 *   accel [OPTIONS] res [show [ctx|pd|mr|cq|queue|facet] [dev NAME]]
 *   accel [OPTIONS] monitor [-c N]
 *
 * Every reply is first turned into a JSON object (the keys of -j); the
 * text output is printed from those objects, so both say the same.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include <json-c/json.h>
#include <uaccel/netlink.h>
#include <uaccel/uaccel.h>

#include "cli.h"

static const char prog[] = "accel";

/* Attempts of a dump that device changes keep interrupting. */
#define DUMP_ATTEMPTS	5

static struct {
	bool json, pretty, details;
} opt;

static void usage(void)
{
	printf("usage: accel [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
	       "       accel dev [show [NAME]]\n"
	       "       accel dev set NAME name NEWNAME\n"
	       "       accel dev set NAME exclusive on|off\n"
	       "       accel res [show [ctx|pd|mr|cq|queue|facet|dm] [dev NAME]]\n"
	       "       accel monitor [-c N]\n"
	       "Show and set the uaccel accelerators, list the resources processes\n"
	       "hold on them, and follow their arrivals, renames, fatal errors and\n"
	       "removals, through the generic netlink family \"uaccel\".\n"
	       "\n"
	       "  -j, --json           JSON output: one array per show command, one\n"
	       "                       object per line for monitor\n"
	       "  -p, --pretty         indented JSON (implies -j)\n"
	       "  -d, --details        more: a device's parent, ids, and facets\n"
	       "  -c, --count N        monitor: exit after N events\n"
	       "  -h, --help           print this text and exit\n"
	       "  -V, --version        print the version and exit\n"
	       "\n"
	       "Exit status: 0 success; 1 failure (the kernel refused, a device or the\n"
	       "family is missing, output could not be written); 2 usage error.\n");
}

/* rdma's way: an abbreviation of a keyword matches it. */
static bool matches(const char *arg, const char *keyword)
{
	size_t n = strlen(arg);

	return n && !strncmp(arg, keyword, n);
}

/* ---- netlink ---- */

struct nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t mcgrp;		/* the "monitor" group, 0 if not seen */
	unsigned int seq;
	unsigned int portid;
	char *buf;
	size_t bufsize;
};

/* The kernel's answer to the last request: errno and extack message. */
struct nl_error {
	int err;
	char msg[256];
};

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *data);

static int fail(const char *what, int err, const char *extack)
{
	fprintf(stderr, "%s: %s: %s (%s)%s%s\n", prog, what, strerror(err),
		cli_errname(err), extack && *extack ? ": " : "",
		extack ? extack : "");
	return CLI_EXIT_FAILURE;
}

/* The errno and extack text of an NLMSG_ERROR message. */
static void parse_error(const struct nlmsghdr *nlh, struct nl_error *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	e->err = -err->error;
	e->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* The TLVs follow the request: its header only with NLM_F_CAPPED. */
	off = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(err->msg);
	off = MNL_ALIGN(off);
	if (MNL_NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	mnl_attr_for_each_payload((const struct nlattr *)((const char *)err + off),
				  nlh->nlmsg_len - MNL_NLMSG_HDRLEN - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING)) {
			snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
			break;
		}
	}
}

/* The errno and extack text of a dump's NLMSG_DONE: 0 when it succeeded. */
static void parse_done(const struct nlmsghdr *nlh, struct nl_error *e)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	const struct nlattr *attr;
	int err;

	e->err = 0;
	e->msg[0] = '\0';
	if (len < sizeof(err))
		return;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	e->err = -err;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= MNL_ALIGN(sizeof(err)))
		return;
	mnl_attr_for_each_payload((const struct nlattr *)((const char *)mnl_nlmsg_get_payload(nlh) +
							   MNL_ALIGN(sizeof(err))),
				  len - MNL_ALIGN(sizeof(err))) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING)) {
			snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
			break;
		}
	}
}

/*
 * Send @nlh and read the replies up to the ACK or NLMSG_DONE, calling @cb
 * on each message of the family.  Return: 0, 1 when a dump came back
 * with NLM_F_DUMP_INTR (all read, @cb's work to be undone by the caller),
 * or a positive errno with @e filled.
 */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, msg_cb cb, void *data,
		   struct nl_error *e)
{
	bool intr = false;
	ssize_t len;

	e->err = 0;
	e->msg[0] = '\0';
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		e->err = errno;
		return e->err;
	}
	for (;;) {
		const struct nlmsghdr *m;
		int left;

		len = mnl_socket_recvfrom(nl->sock, nl->buf, nl->bufsize);
		if (len < 0) {
			e->err = errno;
			return e->err;
		}
		left = (int)len;
		for (m = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != nl->seq || m->nlmsg_pid != nl->portid)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_ERROR) {
				parse_error(m, e);
				if (e->err)
					return e->err;
				return intr ? 1 : 0;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				/* A dump's error comes in NLMSG_DONE's payload. */
				parse_done(m, e);
				if (e->err)
					return e->err;
				return intr ? 1 : 0;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb && !intr && cb(m, data)) {
				e->err = ENOMEM;
				return e->err;
			}
		}
	}
}

static struct nlmsghdr *nl_request(struct nl *nl, uint16_t type, uint8_t cmd,
				   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : UACCEL_GENL_VERSION;
	return nlh;
}

static int ctrl_groups(const struct nlattr *nest, struct nl *nl)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 !mnl_attr_validate(a, MNL_TYPE_U32))
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, UACCEL_GENL_MCGRP_MONITOR))
			nl->mcgrp = id;
	}
	return 0;
}

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *nl = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(a, MNL_TYPE_U16))
			nl->family = mnl_attr_get_u16(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			ctrl_groups(a, nl);
	}
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

/* Open a socket and resolve the family: 0, or the exit status 1. */
static int nl_open(struct nl *nl)
{
	struct nl_error e;
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	/* Dumps of many contexts: messages of up to a page, 32 KiB reads. */
	nl->bufsize = MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE : 32768;
	nl->buf = malloc(nl->bufsize);
	if (!nl->buf)
		return fail("netlink", ENOMEM, NULL);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = fail("generic netlink socket", errno, NULL);
		nl_close(nl);
		return ret;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* The kernel's reason in words (extack), and short ACKs; best effort. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = nl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, UACCEL_GENL_NAME);
	ret = nl_talk(nl, nlh, ctrl_cb, nl, &e);
	if (ret || !nl->family) {
		if (ret == ENOENT || !ret)
			fprintf(stderr, "%s: the generic netlink family \"%s\" is not there: is uaccel_core loaded? (%s)\n",
				prog, UACCEL_GENL_NAME, cli_errname(ENOENT));
		else
			fail("resolving the generic netlink family " UACCEL_GENL_NAME,
			     e.err, e.msg);
		nl_close(nl);
		return CLI_EXIT_FAILURE;
	}
	return 0;
}

/* ---- replies as JSON objects ---- */

enum kind { K_U8, K_BOOL, K_U32, K_S32, K_U64, K_HEX64, K_STR, K_STATE, K_FACETS, K_FACET };

struct attr_desc {
	const char *key;
	enum kind kind;
};

/* The keys of -j (and the words of the text output). */
static const struct attr_desc attrs[UACCEL_NL_ATTR_MAX + 1] = {
	[UACCEL_NL_ATTR_DEV_INDEX] = { "index", K_U32 },
	[UACCEL_NL_ATTR_DEV_NAME] = { "name", K_STR },
	[UACCEL_NL_ATTR_DEV_OLD_NAME] = { "old_name", K_STR },
	[UACCEL_NL_ATTR_DEV_DRIVER] = { "driver", K_STR },
	[UACCEL_NL_ATTR_DEV_PARENT] = { "parent", K_STR },
	[UACCEL_NL_ATTR_DEV_ABI_VERSION] = { "abi_version", K_U32 },
	[UACCEL_NL_ATTR_DEV_NUMA_NODE] = { "numa_node", K_S32 },
	[UACCEL_NL_ATTR_DEV_VENDOR_ID] = { "vendor_id", K_U32 },
	[UACCEL_NL_ATTR_DEV_DEVICE_ID] = { "device_id", K_U32 },
	[UACCEL_NL_ATTR_DEV_MAJOR] = { "major", K_U32 },
	[UACCEL_NL_ATTR_DEV_MINOR] = { "minor", K_U32 },
	[UACCEL_NL_ATTR_DEV_STATE] = { "state", K_STATE },
	[UACCEL_NL_ATTR_DEV_EXCLUSIVE] = { "exclusive", K_BOOL },
	[UACCEL_NL_ATTR_DEV_CONTEXTS] = { "contexts", K_U32 },
	[UACCEL_NL_ATTR_DEV_FACETS] = { "facets", K_FACETS },
	[UACCEL_NL_ATTR_FACET] = { "facet", K_FACET },
	[UACCEL_NL_ATTR_FACET_NAME] = { "name", K_STR },
	[UACCEL_NL_ATTR_FACET_MIN_VERSION] = { "min_version", K_U32 },
	[UACCEL_NL_ATTR_FACET_MAX_VERSION] = { "max_version", K_U32 },
	[UACCEL_NL_ATTR_FACET_FLAGS] = { "flags", K_U32 },
	[UACCEL_NL_ATTR_FACET_VERSION] = { "version", K_U32 },
	[UACCEL_NL_ATTR_RES_TYPE] = { "res_type", K_U8 },
	[UACCEL_NL_ATTR_CTX_ID] = { "ctx", K_U32 },
	[UACCEL_NL_ATTR_CTX_PID] = { "pid", K_U32 },
	[UACCEL_NL_ATTR_CTX_COMM] = { "comm", K_STR },
	[UACCEL_NL_ATTR_CTX_UID] = { "uid", K_U32 },
	[UACCEL_NL_ATTR_CTX_PDS] = { "pds", K_U32 },
	[UACCEL_NL_ATTR_CTX_MRS] = { "mrs", K_U32 },
	[UACCEL_NL_ATTR_CTX_CQS] = { "cqs", K_U32 },
	[UACCEL_NL_ATTR_CTX_QUEUES] = { "queues", K_U32 },
	[UACCEL_NL_ATTR_CTX_PINNED_BYTES] = { "pinned_bytes", K_U64 },
	[UACCEL_NL_ATTR_CTX_FACET_FILES] = { "facet_files", K_U32 },
	[UACCEL_NL_ATTR_CTX_FACETS] = { "facets", K_FACETS },
	[UACCEL_NL_ATTR_OBJ_ID] = { "id", K_U32 },
	[UACCEL_NL_ATTR_OBJ_PD] = { "pd", K_U32 },
	[UACCEL_NL_ATTR_OBJ_CQ] = { "cq", K_U32 },
	[UACCEL_NL_ATTR_OBJ_LENGTH] = { "length", K_U64 },
	[UACCEL_NL_ATTR_OBJ_ADDR] = { "addr", K_HEX64 },
	[UACCEL_NL_ATTR_OBJ_ACCESS] = { "access", K_U32 },
	[UACCEL_NL_ATTR_OBJ_PINNED_BYTES] = { "pinned_bytes", K_U64 },
	[UACCEL_NL_ATTR_OBJ_ENTRIES] = { "entries", K_U32 },
	[UACCEL_NL_ATTR_OBJ_BUSY] = { "busy", K_U32 },
	[UACCEL_NL_ATTR_CTX_CIPHER_SESSIONS] = { "cipher_sessions", K_U32 },
	[UACCEL_NL_ATTR_CTX_DMS] = { "dms", K_U32 },
	[UACCEL_NL_ATTR_OBJ_DMABUF_INO] = { "dmabuf_ino", K_U64 },
	[UACCEL_NL_ATTR_DEV_DM_MAX_BYTES] = { "dm_max_bytes", K_U64 },
};

static const char *const state_names[] = {
	[UACCEL_NL_DEV_LIVE] = "live",
	[UACCEL_NL_DEV_FATAL] = "fatal",
	[UACCEL_NL_DEV_REMOVING] = "removing",
};

static const char *const res_names[] = {
	[UACCEL_NL_RES_CTX] = "ctx",
	[UACCEL_NL_RES_PD] = "pd",
	[UACCEL_NL_RES_MR] = "mr",
	[UACCEL_NL_RES_CQ] = "cq",
	[UACCEL_NL_RES_QUEUE] = "queue",
	[UACCEL_NL_RES_FACET] = "facet",
	[UACCEL_NL_RES_DM] = "dm",
};

static const int mnl_types[] = {
	[K_U8] = MNL_TYPE_U8, [K_BOOL] = MNL_TYPE_U8, [K_U32] = MNL_TYPE_U32,
	[K_S32] = MNL_TYPE_U32, [K_U64] = MNL_TYPE_U64, [K_HEX64] = MNL_TYPE_U64,
	[K_STR] = MNL_TYPE_NUL_STRING, [K_STATE] = MNL_TYPE_U8,
	[K_FACETS] = MNL_TYPE_NESTED, [K_FACET] = MNL_TYPE_NESTED,
};

/* The facet flags by name, for -j and the text. */
static json_object *flag_names(uint32_t flags)
{
	json_object *a = json_object_new_array();
	char other[16];

	if (flags & UACCEL_FACET_PRIVILEGED)
		json_object_array_add(a, json_object_new_string("privileged"));
	if (flags & UACCEL_FACET_EXCLUSIVE)
		json_object_array_add(a, json_object_new_string("exclusive"));
	flags &= ~(UACCEL_FACET_PRIVILEGED | UACCEL_FACET_EXCLUSIVE);
	if (flags) {
		snprintf(other, sizeof(other), "0x%x", flags);
		json_object_array_add(a, json_object_new_string(other));
	}
	return a;
}

static void parse_attrs(const struct nlattr *first, size_t len, json_object *o, bool nested);

/* One attribute into @o; @nested: inside a facet's nest. */
static void parse_one(const struct nlattr *a, json_object *o, bool nested)
{
	unsigned int type = mnl_attr_get_type(a);
	const struct attr_desc *d;
	const struct nlattr *f;
	json_object *v = NULL;
	char hex[24];

	if (type > UACCEL_NL_ATTR_MAX || !attrs[type].key)
		return;		/* newer kernel: an attribute this tool ignores */
	d = &attrs[type];
	if (mnl_attr_validate(a, mnl_types[d->kind]) < 0)
		return;
	switch (d->kind) {
	case K_U8:
		v = json_object_new_int(mnl_attr_get_u8(a));
		break;
	case K_BOOL:
		v = json_object_new_boolean(mnl_attr_get_u8(a));
		break;
	case K_U32:
		v = json_object_new_int64(mnl_attr_get_u32(a));
		break;
	case K_S32:
		v = json_object_new_int((int32_t)mnl_attr_get_u32(a));
		break;
	case K_U64:
		v = json_object_new_uint64(mnl_attr_get_u64(a));
		break;
	case K_HEX64:
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)mnl_attr_get_u64(a));
		v = json_object_new_string(hex);
		break;
	case K_STR:
		v = json_object_new_string(mnl_attr_get_str(a));
		break;
	case K_STATE: {
		unsigned int s = mnl_attr_get_u8(a);

		if (s < sizeof(state_names) / sizeof(state_names[0]))
			v = json_object_new_string(state_names[s]);
		else
			v = json_object_new_int(s);
		break;
	}
	case K_FACETS:
		v = json_object_new_array();
		mnl_attr_for_each_nested(f, a) {
			json_object *fo;

			/* CTX_FACETS: the count of facet files, then the first 32. */
			if (mnl_attr_get_type(f) == UACCEL_NL_ATTR_CTX_FACET_FILES &&
			    !mnl_attr_validate(f, MNL_TYPE_U32))
				json_object_object_add(o, "facet_files",
						       json_object_new_int64(mnl_attr_get_u32(f)));
			if (mnl_attr_get_type(f) != UACCEL_NL_ATTR_FACET)
				continue;
			fo = json_object_new_object();
			parse_attrs(mnl_attr_get_payload(f), mnl_attr_get_payload_len(f), fo, true);
			json_object_array_add(v, fo);
		}
		break;
	case K_FACET:
		/* One facet (file) at the top level: its keys, flattened. */
		parse_attrs(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), o, false);
		return;
	}
	if (type == UACCEL_NL_ATTR_FACET_FLAGS)
		json_object_object_add(o, "flag_names", flag_names(mnl_attr_get_u32(a)));
	/* A facet file's name beside the device's (RES_GET of facets). */
	if (type == UACCEL_NL_ATTR_FACET_NAME && !nested)
		json_object_object_add(o, "facet", v);
	else
		json_object_object_add(o, d->key, v);
}

static void parse_attrs(const struct nlattr *first, size_t len, json_object *o, bool nested)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(first, len)
		parse_one(attr, o, nested);
}

static json_object *parse_msg(const struct nlmsghdr *nlh)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	parse_attrs(mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr)),
		    mnl_nlmsg_get_payload_len(nlh) - sizeof(struct genlmsghdr), o, false);
	return o;
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	json_object *o = parse_msg(nlh);

	if (!o)
		return -1;
	return json_object_array_add(data, o);
}

/*
 * A request whose replies (one or a dump) are gathered in *@out, a JSON
 * array.  A dump interrupted by device changes is retried.  Return: 0, or
 * a positive errno after @e was filled.
 */
static int nl_collect(struct nl *nl, struct nlmsghdr *nlh, json_object **out,
		      struct nl_error *e)
{
	/* The request is rebuilt at each attempt: the buffer takes replies. */
	size_t len = nlh->nlmsg_len;
	void *copy = malloc(len);
	int attempt, ret = 0;

	*out = NULL;
	if (!copy) {
		e->err = ENOMEM;
		return ENOMEM;
	}
	memcpy(copy, nlh, len);
	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		*out = json_object_new_array();
		memcpy(nl->buf, copy, len);
		ret = nl_talk(nl, (struct nlmsghdr *)nl->buf, collect_cb, *out, e);
		if (ret != 1)
			break;
		json_object_put(*out);
		*out = NULL;
	}
	free(copy);
	if (ret == 1) {
		snprintf(e->msg, sizeof(e->msg),
			 "the dump was interrupted by device changes %d times in a row",
			 DUMP_ATTEMPTS);
		e->err = EAGAIN;
		ret = EAGAIN;
	}
	if (ret && *out) {
		json_object_put(*out);
		*out = NULL;
	}
	return ret;
}

/* ---- output ---- */

static int print_json_value(json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (opt.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				  JSON_C_TO_STRING_PLAIN);

	printf("%s\n", json_object_to_json_string_ext(o, flags));
	return 0;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The value of @key as text, "?" when it is missing. */
static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "?";
}

/* Print " WORD VALUE" when @key is in @o. */
static void field(json_object *o, const char *word, const char *key)
{
	json_object *v = get(o, key);

	if (!v)
		return;
	if (json_object_is_type(v, json_type_boolean))
		printf(" %s %s", word, json_object_get_boolean(v) ? "on" : "off");
	else
		printf(" %s %s", word, json_object_get_string(v));
}

static void print_flags(json_object *f)
{
	json_object *names = get(f, "flag_names");
	size_t i, n = names ? json_object_array_length(names) : 0;

	if (!names)
		return;
	printf(" flags ");
	if (!n)
		printf("none");
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "",
		       json_object_get_string(json_object_array_get_idx(names, i)));
}

static void print_dev_text(json_object *d)
{
	json_object *v, *facets = get(d, "facets");
	size_t i, n;

	v = get(d, "index");
	printf("%s: %s:", v ? json_object_get_string(v) : "?",
	       str(d, "name"));
	field(d, "driver", "driver");
	field(d, "node", "node");
	field(d, "numa", "numa_node");
	field(d, "contexts", "contexts");
	field(d, "exclusive", "exclusive");
	field(d, "state", "state");
	if (opt.details) {
		field(d, "parent", "parent");
		field(d, "abi", "abi_version");
		if ((v = get(d, "vendor_id")))
			printf(" vendor 0x%04x", (unsigned int)json_object_get_int64(v));
		if ((v = get(d, "device_id")))
			printf(" device 0x%04x", (unsigned int)json_object_get_int64(v));
		if ((v = get(d, "major")) && get(d, "minor"))
			printf(" dev %s:%s", json_object_get_string(v),
			       json_object_get_string(get(d, "minor")));
	}
	printf("\n");
	if (!opt.details || !facets)
		return;
	n = json_object_array_length(facets);
	for (i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(facets, i);

		printf("    facet %s versions %s-%s",
		       str(f, "name"),
		       str(f, "min_version"),
		       str(f, "max_version"));
		print_flags(f);
		printf("\n");
	}
}

/* Add "node" (the device's /dev path) from its index. */
static void add_node(json_object *d)
{
	json_object *idx = get(d, "index");
	char node[64];

	if (!idx)
		return;
	snprintf(node, sizeof(node), "/dev/uaccel/uaccel%s", json_object_get_string(idx));
	json_object_object_add(d, "node", json_object_new_string(node));
}

static int print_devs(json_object *devs)
{
	size_t i, n = json_object_array_length(devs);

	for (i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(devs, i);

		add_node(d);
		if (!opt.details)
			json_object_object_del(d, "facets");
	}
	if (opt.json)
		return print_json_value(devs);
	for (i = 0; i < n; i++)
		print_dev_text(json_object_array_get_idx(devs, i));
	return 0;
}

/* ---- accel dev ---- */

/* The device @name (DEV_GET doit): its JSON object in *@out, or the exit status 1. */
static int dev_get(struct nl *nl, const char *name, json_object **out)
{
	struct nlmsghdr *nlh = nl_request(nl, nl->family, UACCEL_NL_CMD_DEV_GET, NLM_F_ACK);
	struct nl_error e;
	json_object *arr;
	char what[128];

	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, name);
	if (nl_collect(nl, nlh, &arr, &e)) {
		if (e.err == ENODEV) {
			fprintf(stderr, "%s: no accelerator named %s (%s)\n", prog, name,
				cli_errname(ENODEV));
			return CLI_EXIT_FAILURE;
		}
		snprintf(what, sizeof(what), "device %s", name);
		return fail(what, e.err, e.msg);
	}
	if (json_object_array_length(arr) != 1) {
		json_object_put(arr);
		snprintf(what, sizeof(what), "device %s", name);
		return fail(what, EPROTO, "not one reply");
	}
	*out = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return 0;
}

static int dev_show(struct nl *nl, const char *name)
{
	struct nl_error e;
	json_object *arr, *d;
	int ret;

	if (name) {
		ret = dev_get(nl, name, &d);
		if (ret)
			return ret;
		arr = json_object_new_array();
		json_object_array_add(arr, d);
	} else {
		struct nlmsghdr *nlh = nl_request(nl, nl->family, UACCEL_NL_CMD_DEV_GET,
						  NLM_F_DUMP | NLM_F_ACK);

		if (nl_collect(nl, nlh, &arr, &e))
			return fail("listing the devices", e.err, e.msg);
	}
	print_devs(arr);
	json_object_put(arr);
	return 0;
}

static int dev_set(struct nl *nl, int argc, char **argv)
{
	const char *name = argv[0], *newname = NULL;
	struct nl_error e;
	struct nlmsghdr *nlh;
	json_object *d, *idx;
	int exclusive = -1, ret;
	uint32_t index;
	char what[160];

	if (argc < 3)
		return cli_usage_error(prog, "dev set: NAME and name NEWNAME or exclusive on|off expected");
	for (argc--, argv++; argc; argc -= 2, argv += 2) {
		if (argc < 2)
			return cli_usage_error(prog, "dev set: '%s' needs a value", argv[0]);
		if (!strcmp(argv[0], "name")) {
			if (!*argv[1])
				return cli_usage_error(prog, "dev set: empty name");
			newname = argv[1];
		} else if (!strcmp(argv[0], "exclusive")) {
			if (!strcmp(argv[1], "on") || !strcmp(argv[1], "1"))
				exclusive = 1;
			else if (!strcmp(argv[1], "off") || !strcmp(argv[1], "0"))
				exclusive = 0;
			else
				return cli_usage_error(prog, "dev set: exclusive takes on or off, not '%s'",
						       argv[1]);
		} else {
			return cli_usage_error(prog, "dev set: unknown attribute '%s'", argv[0]);
		}
	}
	ret = dev_get(nl, name, &d);
	if (ret)
		return ret;
	idx = get(d, "index");
	if (!idx) {
		json_object_put(d);
		return fail(name, EPROTO, "the kernel gave no device index");
	}
	index = (uint32_t)json_object_get_int64(idx);
	json_object_put(d);

	nlh = nl_request(nl, nl->family, UACCEL_NL_CMD_DEV_SET, NLM_F_ACK);
	mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
	if (newname)
		mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, newname);
	if (exclusive >= 0)
		mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, exclusive);
	if (nl_talk(nl, nlh, NULL, NULL, &e)) {
		snprintf(what, sizeof(what), "dev set %s", name);
		return fail(what, e.err, e.msg);
	}
	return 0;
}

static int cmd_dev(struct nl *nl, int argc, char **argv)
{
	if (!argc || matches(argv[0], "show") || matches(argv[0], "list")) {
		if (argc > 2)
			return cli_usage_error(prog, "dev show: unexpected '%s'", argv[2]);
		return dev_show(nl, argc == 2 ? argv[1] : NULL);
	}
	if (matches(argv[0], "set"))
		return dev_set(nl, argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		usage();
		return 0;
	}
	return cli_usage_error(prog, "dev: unknown command '%s'", argv[0]);
}

/* ---- accel res ---- */

/* The device names by index, for replies that carry the index only. */
static int dev_names(struct nl *nl, json_object **names)
{
	struct nlmsghdr *nlh = nl_request(nl, nl->family, UACCEL_NL_CMD_DEV_GET,
					  NLM_F_DUMP | NLM_F_ACK);
	struct nl_error e;
	json_object *arr;
	size_t i, n;

	if (nl_collect(nl, nlh, &arr, &e))
		return fail("listing the devices", e.err, e.msg);
	*names = json_object_new_object();
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(arr, i);
		json_object *idx = get(d, "index"), *name = get(d, "name");

		if (idx && name)
			json_object_object_add(*names, json_object_get_string(idx),
					       json_object_get(name));
	}
	json_object_put(arr);
	return 0;
}

/*
 * A resource's object in the keys of -j: "dev" (the name), "dev_index",
 * and the object's id under its type ("mr": 3), as rdma's "mrn".
 */
static void res_keys(json_object *r, int type, json_object *names)
{
	json_object *v;

	if ((v = get(r, "index"))) {
		json_object_object_add(r, "dev_index", json_object_get(v));
		if (!get(r, "name") && names && (v = get(names, json_object_get_string(v))))
			json_object_object_add(r, "name", json_object_get(v));
		json_object_object_del(r, "index");
	}
	if ((v = get(r, "name"))) {
		json_object_object_add(r, "dev", json_object_get(v));
		json_object_object_del(r, "name");
	}
	json_object_object_del(r, "driver");
	json_object_object_del(r, "res_type");
	if (type != UACCEL_NL_RES_CTX && (v = get(r, "id"))) {
		/* A facet file's id is "file": "facet" is its facet's name. */
		json_object_object_add(r, type == UACCEL_NL_RES_FACET ? "file" : res_names[type],
				       json_object_get(v));
		json_object_object_del(r, "id");
	}
	if (type == UACCEL_NL_RES_FACET && !get(r, "facet") && (v = get(r, "facets"))) {
		/* One facet file per message: its name and version, flattened. */
		json_object *f = json_object_array_length(v) ?
				 json_object_array_get_idx(v, 0) : NULL;
		json_object *x;

		if (f && (x = get(f, "name")))
			json_object_object_add(r, "facet", json_object_get(x));
		if (f && (x = get(f, "version")))
			json_object_object_add(r, "version", json_object_get(x));
		json_object_object_del(r, "facets");
	}
}

static void print_access(json_object *r)
{
	json_object *v = get(r, "access");
	uint32_t a;

	if (!v)
		return;
	a = (uint32_t)json_object_get_int64(v);
	printf(" access %s", a & UACCEL_MR_ACCESS_WRITE ? "write" : "read");
	if (a & ~UACCEL_MR_ACCESS_WRITE)
		printf(",0x%x", a & ~UACCEL_MR_ACCESS_WRITE);
}

static void print_res_text(json_object *r, int type)
{
	json_object *facets;
	size_t i, n;

	printf("dev %s", str(r, "dev"));
	field(r, "ctx", "ctx");
	switch (type) {
	case UACCEL_NL_RES_CTX:
		field(r, "pid", "pid");
		field(r, "comm", "comm");
		field(r, "uid", "uid");
		field(r, "pds", "pds");
		field(r, "mrs", "mrs");
		field(r, "cqs", "cqs");
		field(r, "queues", "queues");
		field(r, "pinned", "pinned_bytes");
		field(r, "facet-files", "facet_files");
		facets = get(r, "facets");
		n = facets ? json_object_array_length(facets) : 0;
		for (i = 0; i < n; i++) {
			json_object *f = json_object_array_get_idx(facets, i);

			printf("%s%s", i ? "," : " facets ",
			       str(f, "name"));
			if (get(f, "version"))
				printf(":%s", json_object_get_string(get(f, "version")));
		}
		/* The kernel lists the first 32 facet files. */
		if (n && get(r, "facet_files") &&
		    (size_t)json_object_get_int64(get(r, "facet_files")) > n)
			printf(",...");
		field(r, "cipher-sessions", "cipher_sessions");
		field(r, "dms", "dms");
		printf("\n");
		return;
	case UACCEL_NL_RES_PD:
		field(r, "pd", "pd");
		break;
	case UACCEL_NL_RES_MR:
		field(r, "mr", "mr");
		field(r, "pd", "pd");
		field(r, "addr", "addr");
		field(r, "length", "length");
		print_access(r);
		field(r, "pinned", "pinned_bytes");
		field(r, "dmabuf-ino", "dmabuf_ino");
		break;
	case UACCEL_NL_RES_DM:
		field(r, "dm", "dm");
		field(r, "length", "length");
		field(r, "dmabuf-ino", "dmabuf_ino");
		break;
	case UACCEL_NL_RES_CQ:
		field(r, "cq", "cq");
		field(r, "entries", "entries");
		break;
	case UACCEL_NL_RES_QUEUE:
		field(r, "queue", "queue");
		field(r, "pd", "pd");
		field(r, "cq", "cq");
		field(r, "entries", "entries");
		break;
	case UACCEL_NL_RES_FACET:
		field(r, "file", "file");
		field(r, "facet", "facet");
		field(r, "version", "version");
		break;
	}
	field(r, "busy", "busy");
	field(r, "pid", "pid");
	field(r, "comm", "comm");
	printf("\n");
}

static int cmd_res(struct nl *nl, int argc, char **argv)
{
	const char *devname = NULL;
	json_object *arr, *names = NULL, *d;
	struct nlmsghdr *nlh;
	struct nl_error e;
	int type = UACCEL_NL_RES_CTX, typed = 0, ret;
	uint32_t index = 0;
	size_t i, n;

	if (argc && matches(argv[0], "help")) {
		usage();
		return 0;
	}
	if (argc && (matches(argv[0], "show") || matches(argv[0], "list"))) {
		argc--;
		argv++;
	} else if (argc) {
		return cli_usage_error(prog, "res: unknown command '%s'", argv[0]);
	}
	if (argc && strcmp(argv[0], "dev")) {
		for (type = 0; type <= UACCEL_NL_RES_MAX; type++)
			if (!strcmp(argv[0], res_names[type]))
				break;
		if (type > UACCEL_NL_RES_MAX)
			return cli_usage_error(prog, "res show: unknown resource '%s' (ctx, pd, mr, cq, queue, facet or dm)",
					       argv[0]);
		typed = 1;
		argc--;
		argv++;
	}
	if (argc) {
		if (strcmp(argv[0], "dev") || argc != 2 || !*argv[1])
			return cli_usage_error(prog, "res show: expected [dev NAME], not '%s'", argv[0]);
		devname = argv[1];
	}
	if (devname) {
		ret = dev_get(nl, devname, &d);
		if (ret)
			return ret;
		index = (uint32_t)json_object_get_int64(get(d, "index"));
		json_object_put(d);
	}
	ret = dev_names(nl, &names);
	if (ret)
		return ret;
	nlh = nl_request(nl, nl->family, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP | NLM_F_ACK);
	if (devname)
		mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
	if (typed)
		mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_RES_TYPE, type);
	if (nl_collect(nl, nlh, &arr, &e)) {
		json_object_put(names);
		return fail("listing the resources", e.err, e.msg);
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
		res_keys(json_object_array_get_idx(arr, i), type, names);
	if (opt.json)
		print_json_value(arr);
	else
		for (i = 0; i < n; i++)
			print_res_text(json_object_array_get_idx(arr, i), type);
	json_object_put(arr);
	json_object_put(names);
	return 0;
}

/* ---- accel monitor ---- */

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case UACCEL_NL_CMD_DEV_NEW:
		return "NEW";
	case UACCEL_NL_CMD_DEV_DEL:
		return "DEL";
	case UACCEL_NL_CMD_DEV_RENAME:
		return "RENAME";
	case UACCEL_NL_CMD_DEV_FATAL:
		return "FATAL";
	default:
		return NULL;
	}
}

/* Print one notification: 1 when it was one, 0 when it was not. */
static int print_event(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *ev = event_name(g->cmd);
	json_object *o;
	char lower[8];
	size_t i;

	if (!ev)
		return 0;
	o = parse_msg(nlh);
	if (!o)
		return 0;
	if (opt.json) {
		for (i = 0; ev[i] && i < sizeof(lower) - 1; i++)
			lower[i] = ev[i] - 'A' + 'a';
		lower[i] = '\0';
		json_object_object_add(o, "event", json_object_new_string(lower));
		print_json_value(o);
	} else if (g->cmd == UACCEL_NL_CMD_DEV_RENAME) {
		printf("[%s] %s -> %s\n", ev,
		       str(o, "old_name"),
		       str(o, "name"));
	} else {
		printf("[%s] dev %s", ev,
		       str(o, "name"));
		field(o, "driver", "driver");
		printf("\n");
	}
	json_object_put(o);
	fflush(stdout);
	return 1;
}

static int cmd_monitor(struct nl *nl, int argc, char **argv)
{
	unsigned long count = 0, seen = 0;
	unsigned int grp;

	while (argc) {
		if (!strcmp(argv[0], "-c") || !strcmp(argv[0], "--count") ||
		    !strcmp(argv[0], "count")) {
			if (argc < 2 || cli_parse_ulong(argv[1], UINT32_MAX, &count) || !count)
				return cli_usage_error(prog, "monitor: -c takes a number of events from 1 to %u",
						       UINT32_MAX);
			argc -= 2;
			argv += 2;
		} else {
			return cli_usage_error(prog, "monitor: unexpected '%s'", argv[0]);
		}
	}
	if (!nl->mcgrp)
		return fail("monitor", ENOENT, "the family has no \"" UACCEL_GENL_MCGRP_MONITOR "\" group");
	grp = nl->mcgrp;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return fail("monitor: joining the group " UACCEL_GENL_MCGRP_MONITOR, errno, NULL);
	while (!count || seen < count) {
		ssize_t len = mnl_socket_recvfrom(nl->sock, nl->buf, nl->bufsize);
		const struct nlmsghdr *m;
		int left;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Overrun: say so, and go on with what comes. */
				fprintf(stderr, "%s: monitor: events were lost (%s)\n", prog,
					cli_errname(ENOBUFS));
				continue;
			}
			return fail("monitor", errno, NULL);
		}
		left = (int)len;
		for (m = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_type != nl->family)
				continue;
			seen += print_event(m);
			if (count && seen >= count)
				break;
		}
		if (ferror(stdout))
			break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "details", no_argument, NULL, 'd' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *obj;
	struct nl nl;
	int c, ret;

	/* "+": options end at the object; monitor has its own -c. */
	while ((c = getopt_long(argc, argv, "+jpd" CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt.json = true;
			break;
		case 'p':
			opt.pretty = true;
			opt.json = true;
			break;
		case 'd':
			opt.details = true;
			break;
		default:
			return cli_parse_common(prog, c, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (!argc)
		return cli_usage_error(prog, "no object: dev, res or monitor");
	obj = argv[0];
	argc--;
	argv++;
	if (matches(obj, "help")) {
		usage();
		return cli_finish(prog, 0);
	}
	if (!matches(obj, "dev") && !matches(obj, "resource") && !matches(obj, "monitor"))
		return cli_usage_error(prog, "unknown object '%s': dev, res or monitor", obj);
	/* Usage errors before the kernel is asked anything. */
	if (matches(obj, "dev") && argc && !matches(argv[0], "show") &&
	    !matches(argv[0], "list") && !matches(argv[0], "set") && !matches(argv[0], "help"))
		return cli_usage_error(prog, "dev: unknown command '%s'", argv[0]);
	ret = nl_open(&nl);
	if (ret)
		return ret;
	if (matches(obj, "dev"))
		ret = cmd_dev(&nl, argc, argv);
	else if (matches(obj, "resource"))
		ret = cmd_res(&nl, argc, argv);
	else
		ret = cmd_monitor(&nl, argc, argv);
	nl_close(&nl);
	return cli_finish(prog, ret);
}
