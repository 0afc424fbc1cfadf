// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The generic netlink family "uaccel" (include/uapi/uaccel/netlink.h),
 * spoken with libmnl: device dumps against sysfs, resource dumps against
 * the objects this test made, notifications in order, renames and the
 * exclusive state through DEV_SET, malformed messages with the errno of
 * netlink's conventions, dumps interrupted by renames and removal, and the
 * namespace rules (PID, user and network namespaces; skipped on a kernel
 * without them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uaccel/netlink.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV	"nltest0"
#define DEV2	"nltest1"
#define CLASS	"/sys/class/uaccel"

static struct vm_stats base;

#include "vmnl.h"


/* ---- tests ---- */

/* Every device of the dump is in sysfs with the same attributes, and back. */
static void test_dev_dump_matches_sysfs(void **state)
{
	struct recs rs = { 0 };
	char buf[1024], path[512];
	struct dirent *de;
	unsigned int n = 0, i;
	struct nl nl;
	DIR *d;

	nl_open(&nl);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs), 0);
	d = opendir(CLASS);
	assert_non_null(d);
	while ((de = readdir(d))) {
		const struct rec *r;

		if (de->d_name[0] == '.')
			continue;
		n++;
		r = nl_find_dev(&rs, de->d_name);
		assert_non_null(r);
		assert_int_equal(r->cmd, UACCEL_NL_CMD_DEV_GET);
		assert_int_equal(r->index, nl_dev_index(de->d_name));
		nl_sysfs_attr(de->d_name, "driver", buf, sizeof(buf));
		assert_string_equal(r->driver, buf);
		nl_sysfs_attr(de->d_name, "numa_node", buf, sizeof(buf));
		assert_true(r->numa_set);
		assert_int_equal(r->numa, atoi(buf));
		nl_sysfs_attr(de->d_name, "exclusive", buf, sizeof(buf));
		assert_int_equal(r->exclusive, atoi(buf));
		nl_sysfs_attr(de->d_name, "contexts", buf, sizeof(buf));
		assert_int_equal(r->contexts, atoi(buf));
		assert_int_equal(r->state, UACCEL_NL_DEV_LIVE);
		/* sysfs "facets" has the same lines. */
		snprintf(path, sizeof(path), CLASS "/%s/facets", de->d_name);
		vm_sysfs_read(path, buf, sizeof(buf));
		assert_string_equal(r->facets, buf);
	}
	closedir(d);
	assert_int_equal(rs.n, n);
	for (i = 1; i < rs.n; i++)
		assert_true(rs.r[i].index > rs.r[i - 1].index);
	assert_int_equal(rs.r[rs.n - 1].flags & NLM_F_DUMP_INTR, 0);
	nl_recs_free(&rs);
	nl_close(&nl);
}

/* DEV_GET of one device by index, name or both; the errors of each. */
static void test_dev_get_doit(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int idx = nl_dev_index(DEV);
	struct recs rs = { 0 };
	struct nlmsghdr *nlh;
	struct nl nl;

	nl_open(&nl);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].name, DEV);
	assert_string_equal(rs.r[0].driver, "soft");
	assert_int_equal(rs.r[0].flags & NLM_F_MULTI, 0);
	nl_recs_free(&rs);

	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].index, idx);
	nl_recs_free(&rs);

	/* Both, agreeing and not. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), 0);
	nl_recs_free(&rs);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV2);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -ENODEV);

	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "no-such-device");
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -ENODEV);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, 255, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -ENODEV);
	assert_int_equal(rs.n, 0);
	nl_close(&nl);
}

/* The records of a resource dump of device @dev of context @ctx. */
static unsigned int ctx_recs(const struct recs *rs, uint32_t ctx,
			     const struct rec **first)
{
	unsigned int i, n = 0;

	*first = NULL;
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].ctx != ctx)
			continue;
		if (!n++)
			*first = &rs->r[i];
	}
	return n;
}

/* A context's identity: the one of the newest context of the device. */
static uint32_t newest_ctx(struct nl *nl, unsigned int idx)
{
	struct recs rs = { 0 };
	uint32_t id;

	assert_int_equal(nl_dump(nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs), 0);
	assert_true(rs.n > 0);
	id = rs.r[rs.n - 1].ctx;
	nl_recs_free(&rs);
	return id;
}

/*
 * A context with 2 PDs, 2 MRs (one of 3 pages at an offset, one of a
 * page), a CQ, a queue and two facet files: the resource dumps show
 * exactly those, with this process as the holder.
 */
static void test_res_matches_objects(void **state)
{
	unsigned int idx = nl_dev_index(DEV);
	uint32_t pd1, pd2, mr1, mr2, id, ver;
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	struct recs rs = { 0 };
	const struct rec *r;
	int fd, f1, f2;
	struct nl nl;
	char *mem;

	mem = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(mem != MAP_FAILED);
	nl_open(&nl);
	fd = vm_open_device(DEV);
	assert_int_equal(vm_alloc_pd(fd, &pd1), 0);
	assert_int_equal(vm_alloc_pd(fd, &pd2), 0);
	assert_int_equal(vm_reg_mr(fd, pd1, mem + 100, 2 * 4096, UACCEL_MR_ACCESS_WRITE, &mr1), 0);
	assert_int_equal(vm_reg_mr(fd, pd2, mem + 3 * 4096, 4096, 0, &mr2), 0);
	assert_int_equal(vm_create_cq(fd, 16, &cq), 0);
	assert_int_equal(vm_create_queue(fd, pd1, cq.out_cq_id, 8, &q), 0);
	f1 = vm_get_facet(fd, "dma.soft.uaccel", 1, 2, 0, &ver);
	assert_true(f1 >= 0);
	assert_int_equal(ver, 2);
	f2 = vm_open_facet(fd, "factorial.uaccel");
	id = newest_ctx(&nl, idx);

	/* The context. */
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 1);
	assert_int_equal(r->type, UACCEL_NL_RES_CTX);
	assert_int_equal(r->index, idx);
	assert_string_equal(r->name, DEV);
	assert_int_equal(r->pid, getpid());
	assert_string_equal(r->comm, "vm_netlink");
	assert_int_equal(r->uid, geteuid());
	assert_int_equal(r->pds, 2);
	assert_int_equal(r->mrs, 2);
	assert_int_equal(r->cqs, 1);
	assert_int_equal(r->queues, 1);
	assert_int_equal(r->pinned, 4 * 4096);	/* 3 pages + 1 */
	assert_int_equal(r->facet_files, 2);
	assert_string_equal(r->facets, "dma.soft.uaccel 2\nfactorial.uaccel 1\n");
	nl_recs_free(&rs);

	/* Each MR, in id order. */
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_MR, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 2);
	assert_int_equal(r[0].type, UACCEL_NL_RES_MR);
	assert_int_equal(r[0].obj, mr1);
	assert_int_equal(r[0].obj_pd, pd1);
	assert_int_equal(r[0].addr, (uintptr_t)mem + 100);
	assert_int_equal(r[0].length, 2 * 4096);
	assert_int_equal(r[0].access, UACCEL_MR_ACCESS_WRITE);
	assert_int_equal(r[0].obj_pinned, 3 * 4096);
	assert_int_equal(r[0].pid, getpid());
	assert_int_equal(r[1].obj, mr2);
	assert_int_equal(r[1].obj_pd, pd2);
	assert_int_equal(r[1].length, 4096);
	assert_int_equal(r[1].access, 0);
	assert_int_equal(r[1].obj_pinned, 4096);
	nl_recs_free(&rs);

	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_PD, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 2);
	assert_int_equal(r[0].obj, pd1);
	assert_int_equal(r[1].obj, pd2);
	nl_recs_free(&rs);

	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_CQ, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 1);
	assert_int_equal(r->obj, cq.out_cq_id);
	assert_int_equal(r->entries, cq.out_entries);
	nl_recs_free(&rs);

	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_QUEUE, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 1);
	assert_int_equal(r->obj, q.out_queue_id);
	assert_int_equal(r->obj_pd, pd1);
	assert_int_equal(r->obj_cq, cq.out_cq_id);
	assert_int_equal(r->entries, q.out_entries);
	nl_recs_free(&rs);

	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_FACET, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 2);
	assert_string_equal(r[0].facet, "dma.soft.uaccel");
	assert_int_equal(r[0].version, 2);
	assert_string_equal(r[1].facet, "factorial.uaccel");
	assert_int_equal(r[1].version, 1);
	nl_recs_free(&rs);

	/* Destroyed objects and closed files leave the dump. */
	assert_int_equal(vm_destroy(fd, mr1), 0);
	close(f1);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 1);
	assert_int_equal(r->mrs, 1);
	assert_int_equal(r->pinned, 4096);
	assert_int_equal(r->facet_files, 1);
	nl_recs_free(&rs);

	/* The context file closed, the facet file keeps the context. */
	close(fd);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 1);
	nl_recs_free(&rs);
	close(f2);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs), 0);
	assert_int_equal(ctx_recs(&rs, id, &r), 0);
	nl_recs_free(&rs);

	/* A device filter that names no device. */
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, 255, -1, &rs), -ENODEV);
	nl_close(&nl);
	munmap(mem, 4 * 4096);
}

/* Many contexts: the dump resumes across its parts and lists each once. */
static void test_res_dump_many(void **state)
{
	unsigned int idx = nl_dev_index(DEV), n = vm_scaled(300), i, seen = 0;
	struct recs rs = { 0 };
	uint32_t first, pd;
	int *fds = calloc(n, sizeof(int));
	struct nl nl;

	assert_non_null(fds);
	nl_open(&nl);
	for (i = 0; i < n; i++) {
		fds[i] = vm_open_device(DEV);
		assert_int_equal(vm_alloc_pd(fds[i], &pd), 0);
	}
	first = newest_ctx(&nl, idx) - (n - 1);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, -1, UACCEL_NL_RES_PD, &rs), 0);
	for (i = 0; i < rs.n; i++) {
		if (rs.r[i].ctx < first)
			continue;
		assert_int_equal(rs.r[i].ctx, first + seen);
		assert_int_equal(rs.r[i].obj, pd);
		seen++;
	}
	assert_int_equal(seen, n);
	nl_recs_free(&rs);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	nl_close(&nl);
}

/*
 * Read a dump in parts: @mid runs after the first part.  Returns whether
 * a message after it carried NLM_F_DUMP_INTR; every message parses.
 */
static bool dump_interrupted(struct nl *nl, nl_mid_fn mid, unsigned int *msgs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct recs rs = { 0 };
	unsigned int parts;
	bool intr;

	intr = nl_dump_parts(nl, nl_req(nl, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP, -1, -1),
			     MNL_SOCKET_BUFFER_SIZE * 4, mid, NULL, &rs, &parts);
	assert_true(parts > 2);
	*msgs = rs.n;
	nl_recs_free(&rs);
	return intr;
}

static void rename_dev2(void *arg)
{
	char path[128];

	snprintf(path, sizeof(path), CLASS "/%s/name", DEV2);
	assert_int_equal(vm_sysfs_write(path, "nltest1b"), 0);
}

static void delete_dev2(void *arg)
{
	vm_soft_del("nltest1b");
}

/*
 * A rename between the parts of a dump sets NLM_F_DUMP_INTR; so does the
 * removal of a device whose contexts are being dumped, which also leaves
 * them out of the rest of the dump.
 */
static void test_dump_interrupted(void **state)
{
	unsigned int n = 400, i, msgs, after;
	struct nl nl;
	int *fds = calloc(n, sizeof(int));

	assert_non_null(fds);
	nl_open(&nl);
	for (i = 0; i < n; i++)
		fds[i] = vm_open_device(DEV2);
	assert_true(dump_interrupted(&nl, rename_dev2, &msgs));
	assert_true(msgs >= n);
	assert_true(dump_interrupted(&nl, delete_dev2, &after));
	assert_true(after < msgs);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	nl_close(&nl);
	vm_soft_add(DEV2);
}

/* Notifications, in the order of the changes. */
static void expect_event(struct nl *nl, uint8_t cmd, const char *name,
			 const char *old)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct recs rs = { 0 };
	int n;

	n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(mnl_cb_run(buf, n, 0, 0, nl_msg_cb, &rs), MNL_CB_OK);
	assert_int_equal(rs.n, 1);
	if (rs.r[0].cmd != cmd || strcmp(rs.r[0].name, name) ||
	    strcmp(rs.r[0].old_name, old ?: ""))
		fail_msg("event %u %s (was %s), expected %u %s (was %s)",
			 rs.r[0].cmd, rs.r[0].name, rs.r[0].old_name, cmd, name,
			 old ?: "");
	assert_string_equal(rs.r[0].driver, "soft");
	nl_recs_free(&rs);
}

static void test_notifications(void **state)
{
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	char path[128];
	struct nl nl;
	int fd, dbg;

	nl_open(&nl);
	assert_int_equal(mnl_socket_setsockopt(nl.sk, NETLINK_ADD_MEMBERSHIP,
					       &nl.group, sizeof(nl.group)), 0);
	vm_soft_add("nlev0");
	expect_event(&nl, UACCEL_NL_CMD_DEV_NEW, "nlev0", NULL);
	snprintf(path, sizeof(path), CLASS "/nlev0/name");
	assert_int_equal(vm_sysfs_write(path, "nlev1"), 0);
	expect_event(&nl, UACCEL_NL_CMD_DEV_RENAME, "nlev1", "nlev0");

	/* A fatal error, and the soft device's recovery under the same name. */
	fd = vm_open_device("nlev1");
	dbg = vm_open_facet(fd, "debug.soft.uaccel");
	assert_int_equal(vm_ioctl(dbg, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);
	expect_event(&nl, UACCEL_NL_CMD_DEV_FATAL, "nlev1", NULL);
	expect_event(&nl, UACCEL_NL_CMD_DEV_DEL, "nlev1", NULL);
	expect_event(&nl, UACCEL_NL_CMD_DEV_NEW, "nlev1", NULL);
	close(dbg);
	close(fd);

	assert_int_equal(vm_wait_device("nlev1", VM_DEVICE_WAIT_S), 0);
	vm_soft_del("nlev1");
	expect_event(&nl, UACCEL_NL_CMD_DEV_DEL, "nlev1", NULL);
	nl_close(&nl);
}

/* DEV_SET: rename and exclusive, as the sysfs attributes do. */
static void test_dev_set(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], val[64];
	unsigned int idx = nl_dev_index(DEV);
	struct nlmsghdr *nlh;
	struct nl nl;
	int a, b;

	nl_open(&nl);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "nlrenamed");
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), 0);
	nl_sysfs_attr("nlrenamed", "name", val, sizeof(val));
	assert_string_equal(val, "nlrenamed");
	assert_int_equal(nl_dev_index("nlrenamed"), idx);

	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV2);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EEXIST);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "bad name");
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EINVAL);
	/* A malformed name with the exclusive state: nothing changes. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "%d");
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 1);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EINVAL);
	nl_sysfs_attr("nlrenamed", "exclusive", val, sizeof(val));
	assert_string_equal(val, "0");
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), 0);

	/* Exclusive: refused with two contexts open, then on and off. */
	a = vm_open_device(DEV);
	b = vm_open_device(DEV);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 1);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EBUSY);
	close(b);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 1);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), 0);
	nl_sysfs_attr(DEV, "exclusive", val, sizeof(val));
	assert_string_equal(val, "1");
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 0);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), 0);
	nl_sysfs_attr(DEV, "exclusive", val, sizeof(val));
	assert_string_equal(val, "0");
	close(a);

	/* Out of range, nothing to set, no device, no index. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 2);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -ERANGE);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EINVAL);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, 255, -1);
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 0);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -ENODEV);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, -1, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EINVAL);
	nl_close(&nl);
}

/* Malformed messages get the errno of netlink's conventions. */
static void test_bad_messages(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int idx = nl_dev_index(DEV);
	struct recs rs = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *a;
	struct nl nl;

	nl_open(&nl);
	/* An attribute the family does not have (strict validation). */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_MAX + 1, 0);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* One it has but takes no input in. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_CTX_PID, 1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* A u32 of two bytes. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	mnl_attr_put_u16(nlh, UACCEL_NL_ATTR_DEV_INDEX, idx);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* A name without its NUL, and one too long (no NUL in its first 64 bytes). */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	mnl_attr_put(nlh, UACCEL_NL_ATTR_DEV_NAME, strlen(DEV), DEV);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME,
			  "a123456789012345678901234567890123456789012345678901234567890123");
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* A resource type out of range. */
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, -1, UACCEL_NL_RES_MAX + 1, &rs),
			 -ERANGE);
	/* An attribute longer than the message. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(*g));
	a->nla_len = 200;
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* A message cut inside its genetlink header. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* The reserved field of the genetlink header. */
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, idx, -1);
	g = mnl_nlmsg_get_payload(nlh);
	g->reserved = 1;
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EINVAL);
	/* Unknown commands, notifications as requests, RES_GET without a dump. */
	nlh = nl_req(&nl, buf, 99, 0, -1, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EOPNOTSUPP);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_NEW, 0, idx, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EOPNOTSUPP);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_RES_GET, 0, idx, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EOPNOTSUPP);
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, NLM_F_DUMP, -1, -1);
	assert_int_equal(nl_talk(&nl, nlh, &rs, NULL), -EOPNOTSUPP);
	assert_int_equal(rs.n, 0);

	/* The family still answers. */
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs), 0);
	assert_non_null(nl_find_dev(&rs, DEV));
	nl_recs_free(&rs);
	nl_close(&nl);
}

/* An unprivileged user reads everything and changes nothing. */
static void test_unprivileged(void **state)
{
	unsigned int idx = nl_dev_index(DEV);
	int pid;

	pid = vm_fork();
	if (!pid) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct recs rs = { 0 };
		struct nlmsghdr *nlh;
		struct nl nl;
		int fd;

		fd = vm_open_device(DEV);
		vm_become_user(65534);
		nl_open(&nl);
		vm_child_check(nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs) == 0);
		vm_child_check(nl_find_dev(&rs, DEV) != NULL);
		nl_recs_free(&rs);
		/* Its own context (opened as root) and its opener's uid. */
		vm_child_check(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs) == 0);
		vm_child_check(rs.n >= 1 && rs.r[rs.n - 1].pid == (uint32_t)getpid());
		vm_child_check(rs.r[rs.n - 1].uid == 0);
		nl_recs_free(&rs);
		nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
		mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "nlstolen");
		vm_child_check(nl_talk(&nl, nlh, NULL, NULL) == -EPERM);
		nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
		mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 1);
		vm_child_check(nl_talk(&nl, nlh, NULL, NULL) == -EPERM);
		close(fd);
		_exit(0);
	}
	vm_wait_ok(pid);
}

/*
 * A child that holds something until told: it says "ready" on one pipe
 * and waits for "go" on the other.  The parent keeps no end a child
 * writes, so a child that died reads as EOF rather than a hang.
 */
struct handshake {
	int ready[2], go[2];
};

static void hs_init(struct handshake *h)
{
	assert_int_equal(pipe(h->ready), 0);
	assert_int_equal(pipe(h->go), 0);
}

/* In the child: ready, then wait for go (or the parent's exit). */
static void hs_child_hold(struct handshake *h)
{
	char c;

	close(h->ready[0]);
	close(h->go[1]);
	vm_child_check(write(h->ready[1], "r", 1) == 1);
	vm_child_check(read(h->go[0], &c, 1) >= 0);
}

/* In the parent, after the fork: wait until the child is ready. */
static void hs_parent_wait(struct handshake *h)
{
	char c;

	close(h->ready[1]);
	close(h->go[0]);
	assert_int_equal(read(h->ready[0], &c, 1), 1);
}

/* In a process between the two: none of the ends. */
static void hs_close(struct handshake *h)
{
	close(h->ready[0]);
	close(h->ready[1]);
	close(h->go[0]);
	close(h->go[1]);
}

static void hs_parent_go(struct handshake *h)
{
	close(h->go[1]);
	close(h->ready[0]);
}

static bool have_ns(const char *which)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/ns/%s", which);
	return access(path, F_OK) == 0;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	vm_child_check(fd >= 0);
	vm_child_check(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/*
 * unshare(CLONE_NEWUSER | CLONE_NEWNET) in a child.  The VM runs the suite
 * chrooted into the host's root, and the kernel refuses a new user
 * namespace to a chrooted process (EPERM): the child leaves the chroot
 * (as root may: a chroot into a new directory, its working directory left
 * outside, ".." up to the real root) and enters it again as root of the
 * new namespace.
 */
static void enter_user_net_ns(void)
{
	char dir[] = "/tmp/vm_netlink.XXXXXX";
	int root = open("/", O_RDONLY | O_DIRECTORY);
	unsigned int i;

	vm_child_check(root >= 0);
	vm_child_check(mkdtemp(dir) != NULL);
	vm_child_check(chroot(dir) == 0);
	for (i = 0; i < 64; i++)
		vm_child_check(chdir("..") == 0);
	vm_child_check(chroot(".") == 0);
	vm_child_check(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0);
	vm_child_check(fchdir(root) == 0);
	vm_child_check(chroot(".") == 0);
	vm_child_check(chdir("/") == 0);
	vm_child_check(rmdir(dir) == 0);
	close(root);
}

/*
 * PID namespace: a child in a new one sees its own context with its pid
 * there (1) and not this process's; this process sees both, the child's
 * with its pid here.
 */
static void test_pid_namespace(void **state)
{
	unsigned int idx = nl_dev_index(DEV);
	struct recs rs = { 0 };
	struct handshake h;
	const struct rec *r;
	struct nl nl;
	int fd, pid;

	if (!have_ns("pid"))
		skip();
	fd = vm_open_device(DEV);
	hs_init(&h);
	pid = vm_fork();
	if (!pid) {
		int inner, status;

		vm_child_check(unshare(CLONE_NEWPID) == 0);
		inner = fork();
		vm_child_check(inner >= 0);
		if (!inner) {
			char node[256];
			struct nl cnl;
			int cfd;

			vm_device_node(DEV, node, sizeof(node));
			cfd = open(node, O_RDWR);
			vm_child_check(cfd >= 0);
			nl_open(&cnl);
			/* Its own context only, the one of pid 1 here. */
			vm_child_check(nl_dump(&cnl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs) == 0);
			vm_child_check(rs.n == 1);
			vm_child_check(rs.r[0].pid == 1);
			hs_child_hold(&h);
			close(cfd);
			_exit(0);
		}
		hs_close(&h);
		vm_child_check(waitpid(inner, &status, 0) == inner);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}
	/* The grandchild holds its context until told. */
	hs_parent_wait(&h);
	nl_open(&nl);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].pid, getpid());
	r = &rs.r[1];
	assert_true(r->pid != 1 && r->pid != (uint32_t)getpid() && r->pid != (uint32_t)pid);
	nl_recs_free(&rs);
	hs_parent_go(&h);
	vm_wait_ok(pid);
	close(fd);
	nl_close(&nl);
}

/*
 * User namespace: the uid of a context opened by uid 1000 reads as the
 * overflow uid where 1000 is not mapped; root of a user namespace cannot
 * rename (CAP_NET_ADMIN of the initial namespace).  Network namespace:
 * the devices are there.
 */
static void test_user_net_namespace(void **state)
{
	unsigned int idx = nl_dev_index(DEV);
	struct handshake h;
	int holder, pid;
	char node[256];
	struct stat st;

	if (!have_ns("user") || !have_ns("net"))
		skip();
	/* The node open to uid 1000 for the while of the test. */
	vm_device_node(DEV, node, sizeof(node));
	assert_int_equal(stat(node, &st), 0);
	assert_int_equal(chmod(node, 0666), 0);
	hs_init(&h);
	holder = vm_fork();
	if (!holder) {
		int fd;

		vm_become_user(1000);
		fd = open(node, O_RDWR);
		vm_child_check(fd >= 0);
		hs_child_hold(&h);
		close(fd);
		_exit(0);
	}
	hs_parent_wait(&h);
	pid = vm_fork();
	if (!pid) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct recs rs = { 0 };
		struct nlmsghdr *nlh;
		struct nl nl;

		enter_user_net_ns();
		write_file("/proc/self/setgroups", "deny");
		write_file("/proc/self/uid_map", "0 0 1\n");
		write_file("/proc/self/gid_map", "0 0 1\n");
		nl_open(&nl);
		vm_child_check(nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs) == 0);
		vm_child_check(nl_find_dev(&rs, DEV) != NULL);
		nl_recs_free(&rs);
		vm_child_check(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, -1, &rs) == 0);
		vm_child_check(rs.n == 1);
		vm_child_check(rs.r[0].pid == (uint32_t)holder);
		vm_child_check(rs.r[0].uid == 65534);
		nl_recs_free(&rs);
		nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, idx, -1);
		mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "nlstolen");
		vm_child_check(nl_talk(&nl, nlh, NULL, NULL) == -EPERM);
		_exit(0);
	}
	vm_wait_ok(pid);
	hs_parent_go(&h);
	vm_wait_ok(holder);
	assert_int_equal(chmod(node, st.st_mode & 07777), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dev_dump_matches_sysfs, vm_check_clean),
		cmocka_unit_test_teardown(test_dev_get_doit, vm_check_clean),
		cmocka_unit_test_teardown(test_res_matches_objects, vm_check_clean),
		cmocka_unit_test_teardown(test_res_dump_many, vm_check_clean),
		cmocka_unit_test_teardown(test_dump_interrupted, vm_check_clean),
		cmocka_unit_test_teardown(test_notifications, vm_check_clean),
		cmocka_unit_test_teardown(test_dev_set, vm_check_clean),
		cmocka_unit_test_teardown(test_bad_messages, vm_check_clean),
		cmocka_unit_test_teardown(test_unprivileged, vm_check_clean),
		cmocka_unit_test_teardown(test_pid_namespace, vm_check_clean),
		cmocka_unit_test_teardown(test_user_net_namespace, vm_check_clean),
	};

	return vm_run_tests("vm_netlink", tests, &base, DEV, DEV2);
}
