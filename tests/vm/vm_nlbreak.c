// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Hostile and careless use of the netlink family "uaccel": dumps whose
 * contexts close or whose devices go between their parts (every remaining
 * object exactly once), DEV_SET requests that fail half way, pinned-byte
 * accounting of MRs at offsets and of failed registrations, a monitor
 * whose socket buffer overflows, module unload with dumps in progress and
 * sockets subscribed, and renames, removals and dumps racing each other.
 * The client is vmnl.c, as vm_netlink.c's.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uaccel/netlink.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV	"nlbrk0"
#define DEV2	"nlbrk1"
#define CLASS	"/sys/class/uaccel"

static struct vm_stats base;

#include "vmnl.h"


/* The id of the context of device @idx with @pds PDs (one such context). */
static uint32_t ctx_with_pds(struct nl *nl, unsigned int idx, uint32_t pds)
{
	struct recs rs = { 0 };
	uint32_t id = 0;
	unsigned int i;

	assert_int_equal(nl_dump(nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_CTX, &rs), 0);
	for (i = 0; i < rs.n; i++)
		if (rs.r[i].pds == pds) {
			assert_int_equal(id, 0);
			id = rs.r[i].ctx;
		}
	nl_recs_free(&rs);
	assert_int_not_equal(id, 0);
	return id;
}

/*
 * Whether the records of context @ctx are objects @first..@first+n-1,
 * each once, in id order (what went wrong is printed).  Tests clean up
 * before they fail, so that one failure does not leak into the next test.
 */
static bool expect_objs(const struct recs *rs, uint32_t ctx, uint32_t first,
			unsigned int n, const char *what)
{
	unsigned int i, seen = 0;

	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].ctx != ctx)
			continue;
		if (rs->r[i].obj != first + seen) {
			print_message("# %s: context %u: object %u where %u was due (%u of %u seen)\n",
				      what, ctx, rs->r[i].obj, first + seen, seen, n);
			return false;
		}
		seen++;
	}
	if (seen != n) {
		print_message("# %s: context %u: %u of %u objects listed\n", what,
			      ctx, seen, n);
		return false;
	}
	return true;
}

struct fdset {
	int *fds;
	unsigned int n;
};

static void close_fdset(void *arg)
{
	struct fdset *s = arg;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		close(s->fds[i]);
	s->n = 0;
}

static void raise_nofile(rlim_t n)
{
	struct rlimit rl = { n, n };

	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* ---- attacks ---- */

/*
 * A PD dump stops inside context A; A is closed before the next part.
 * Every PD of the next context B must still be listed, from id 1.
 */
static void test_pd_dump_ctx_closed_mid_dump(void **state)
{
	unsigned int idx = nl_dev_index(DEV), na = 1000, nb = 300, i;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct recs rs = { 0 };
	int a = vm_open_device(DEV), b;
	struct fdset s = { &a, 1 };
	uint32_t pd, ctx_b;
	struct nl nl;
	bool ok;

	nl_open(&nl);
	for (i = 0; i < na; i++)
		assert_int_equal(vm_alloc_pd(a, &pd), 0);
	b = vm_open_device(DEV);
	for (i = 0; i < nb; i++) {
		assert_int_equal(vm_alloc_pd(b, &pd), 0);
		assert_int_equal(pd, i + 1);
	}
	ctx_b = ctx_with_pds(&nl, idx, nb);
	if (nl_dump_parts(&nl, nl_req(&nl, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP, idx,
				   UACCEL_NL_RES_PD), 65536, close_fdset, &s, &rs, NULL))
		print_message("# the PD dump carried NLM_F_DUMP_INTR\n");
	ok = expect_objs(&rs, ctx_b, 1, nb, "PD nl_dump, the previous context closed");
	nl_recs_free(&rs);
	close(b);
	nl_close(&nl);
	assert_true(ok);
}

/* The same with facet files: A's files and A go between two parts. */
static void test_facet_dump_ctx_closed_mid_dump(void **state)
{
	unsigned int idx = nl_dev_index(DEV), na = 1200, nb = 200, i;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct recs rs = { 0 };
	int *fa = calloc(na + 1, sizeof(int)), *fb = calloc(nb, sizeof(int));
	struct fdset s = { fa, na + 1 };
	uint32_t pd, ctx_b;
	struct nl nl;
	bool ok;
	int b;

	assert_non_null(fa);
	assert_non_null(fb);
	raise_nofile(4096);
	nl_open(&nl);
	fa[na] = vm_open_device(DEV);
	for (i = 0; i < na; i++) {
		fa[i] = vm_get_facet(fa[na], UACCEL_SOFT_DMA_FACET, 1, 1, 0, NULL);
		assert_true(fa[i] >= 0);
	}
	b = vm_open_device(DEV);
	assert_int_equal(vm_alloc_pd(b, &pd), 0);
	assert_int_equal(vm_alloc_pd(b, &pd), 0);
	assert_int_equal(vm_alloc_pd(b, &pd), 0);
	for (i = 0; i < nb; i++) {
		fb[i] = vm_get_facet(b, UACCEL_SOFT_DMA_FACET, 1, 1, 0, NULL);
		assert_true(fb[i] >= 0);
	}
	ctx_b = ctx_with_pds(&nl, idx, 3);
	if (nl_dump_parts(&nl, nl_req(&nl, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP, idx,
				   UACCEL_NL_RES_FACET), 65536, close_fdset, &s, &rs, NULL))
		print_message("# the facet dump carried NLM_F_DUMP_INTR\n");
	ok = expect_objs(&rs, ctx_b, 1, nb, "facet nl_dump, the previous context closed");
	nl_recs_free(&rs);
	for (i = 0; i < nb; i++)
		close(fb[i]);
	close(b);
	free(fa);
	free(fb);
	nl_close(&nl);
	assert_true(ok);
}

/*
 * Objects destroyed between parts inside the context being dumped: the
 * rest is listed once, in order, none skipped.
 */
struct destroy_arg {
	int fd;
	uint32_t from, to;
};

static void destroy_range(void *arg)
{
	struct destroy_arg *d = arg;
	uint32_t id;

	for (id = d->from; id <= d->to; id++)
		assert_int_equal(vm_destroy(d->fd, id), 0);
}

static void test_pd_dump_objs_destroyed_mid_dump(void **state)
{
	unsigned int idx = nl_dev_index(DEV), n = 1000, i, seen = 0;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct recs rs = { 0 };
	int fd = vm_open_device(DEV);
	struct destroy_arg d = { fd, 100, 700 };
	uint32_t pd, ctx, last = 0;
	struct nl nl;

	nl_open(&nl);
	for (i = 0; i < n; i++)
		assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	ctx = ctx_with_pds(&nl, idx, n);
	nl_dump_parts(&nl, nl_req(&nl, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP, idx,
			       UACCEL_NL_RES_PD), 65536, destroy_range, &d, &rs, NULL);
	for (i = 0; i < rs.n; i++) {
		if (rs.r[i].ctx != ctx)
			continue;
		if (rs.r[i].obj <= last)
			fail_msg("object %u after %u", rs.r[i].obj, last);
		last = rs.r[i].obj;
		seen++;
	}
	/* Before 100 and after 700 every PD; in between, what came first. */
	assert_int_equal(last, n);
	assert_true(seen >= n - (d.to - d.from + 1));
	nl_recs_free(&rs);
	close(fd);
	nl_close(&nl);
}

/*
 * A device with a lower index goes between the parts of a context dump:
 * the contexts of the next device must not be skipped (the dump is marked
 * NLM_F_DUMP_INTR either way).
 */
static void del_dev_a(void *arg)
{
	vm_soft_del("nlbrA");
}

static void test_ctx_dump_device_removed_mid_dump(void **state)
{
	unsigned int ia, ib, na = 600, nb = 100, i, seen = 0;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int *fa = calloc(na, sizeof(int)), *fb = calloc(nb, sizeof(int));
	struct recs rs = { 0 };
	struct nl nl;
	bool intr;

	raise_nofile(4096);
	vm_soft_add("nlbrA");
	vm_soft_add("nlbrB");
	ia = nl_dev_index("nlbrA");
	ib = nl_dev_index("nlbrB");
	if (ia > ib)
		skip();
	nl_open(&nl);
	/* B's contexts first: lower context ids than A's. */
	for (i = 0; i < nb; i++)
		fb[i] = vm_open_device("nlbrB");
	for (i = 0; i < na; i++)
		fa[i] = vm_open_device("nlbrA");
	intr = nl_dump_parts(&nl, nl_req(&nl, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP,
				      -1, UACCEL_NL_RES_CTX),
			     65536, del_dev_a, NULL, &rs, NULL);
	for (i = 0; i < rs.n; i++)
		seen += rs.r[i].index == ib;
	print_message("# device removal mid-dump: DUMP_INTR %d, %u of %u contexts of the next device\n",
		      intr, seen, nb);
	nl_recs_free(&rs);
	for (i = 0; i < na; i++)
		close(fa[i]);
	for (i = 0; i < nb; i++)
		close(fb[i]);
	vm_soft_del("nlbrB");
	free(fa);
	free(fb);
	nl_close(&nl);
	assert_true(intr);
	if (seen != nb)
		fail_msg("%u of the next device's %u contexts listed", seen, nb);
}

/* DEV_SET that fails changes nothing: exclusive is not left set. */
static void test_dev_set_fails_whole(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], val[16];
	struct nlmsghdr *nlh;
	struct nl nl;

	nl_open(&nl);
	nl_sysfs_attr(DEV, "exclusive", val, sizeof(val));
	assert_string_equal(val, "0");
	nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, nl_dev_index(DEV), -1);
	mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, 1);
	mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, DEV2);
	assert_int_equal(nl_talk(&nl, nlh, NULL, NULL), -EEXIST);
	nl_sysfs_attr(DEV, "exclusive", val, sizeof(val));
	if (strcmp(val, "0")) {
		/* Put it back for the next tests before failing. */
		snprintf(buf, sizeof(buf), CLASS "/%s/exclusive", DEV);
		vm_sysfs_write(buf, "0");
		fail_msg("DEV_SET failed with -EEXIST but left exclusive %s", val);
	}
	nl_close(&nl);
}

static const struct rec *find_ctx(const struct recs *rs, uint32_t ctx)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].ctx == ctx)
			return &rs->r[i];
	return NULL;
}

/*
 * Pinned bytes: an MR at an offset pins the pages it touches; a
 * registration that fails part way (a hole) counts nothing; destroy
 * returns to 0.  A huge page MR counts its bytes.
 */
static void test_pinned_accounting(void **state)
{
	unsigned int idx = nl_dev_index(DEV);
	long pg = sysconf(_SC_PAGESIZE);
	struct recs rs = { 0 };
	const struct rec *r;
	uint32_t pd, mr, bad, ctx;
	struct nl nl;
	char *mem, *huge;
	int fd = vm_open_device(DEV);

	nl_open(&nl);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	ctx = ctx_with_pds(&nl, idx, 1);
	mem = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 1, 8 * pg);
	/* One page's bytes from offset 100: two pages pinned. */
	assert_int_equal(vm_reg_mr(fd, pd, mem + 100, pg, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	/* A hole in the middle: pinning fails half way. */
	assert_int_equal(munmap(mem + 6 * pg, pg), 0);
	bad = 0;
	assert_int_equal(vm_reg_mr(fd, pd, mem + 4 * pg, 4 * pg, 0, &bad), -EFAULT);

	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_MR, &rs), 0);
	r = find_ctx(&rs, ctx);
	assert_non_null(r);
	assert_int_equal(r->obj, mr);
	assert_int_equal(r->obj_pinned, 2 * pg);
	assert_int_equal(r->length, pg);
	assert_int_equal(r->addr, (uintptr_t)mem + 100);
	nl_recs_free(&rs);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_CTX, &rs), 0);
	r = find_ctx(&rs, ctx);
	assert_non_null(r);
	assert_int_equal(r->mrs, 1);
	assert_int_equal(r->pinned, 2 * pg);
	nl_recs_free(&rs);

	/* A 2 MiB huge page if the VM has one. */
	huge = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge != MAP_FAILED) {
		uint32_t hm;

		memset(huge, 1, 2 << 20);
		assert_int_equal(vm_reg_mr(fd, pd, huge + 4096, (2 << 20) - 8192, 0, &hm), 0);
		assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_CTX, &rs), 0);
		r = find_ctx(&rs, ctx);
		assert_non_null(r);
		assert_int_equal(r->mrs, 2);
		assert_int_equal(r->pinned, 2 * pg + (2 << 20) - 2 * pg);
		nl_recs_free(&rs);
		assert_int_equal(vm_destroy(fd, hm), 0);
		munmap(huge, 2 << 20);
	} else {
		print_message("# no huge page in the VM: that part skipped\n");
	}

	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_CTX, &rs), 0);
	r = find_ctx(&rs, ctx);
	assert_non_null(r);
	assert_int_equal(r->mrs, 0);
	assert_int_equal(r->pinned, 0);
	nl_recs_free(&rs);
	close(fd);
	munmap(mem, 8 * pg);
	nl_close(&nl);
}

/*
 * A fatal error with objects: the device shows FATAL, the dump of its
 * contexts still works (facet names empty), and after the recovery the
 * device of the same name has no context and the counters are back.
 */
static void test_fatal_counts(void **state)
{
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	struct uaccel_create_cq cq = { 0 };
	struct uaccel_create_queue q = { 0 };
	struct recs rs = { 0 };
	unsigned int idx, i, n;
	uint32_t pd, mr;
	struct nl nl;
	char *mem;
	int fd, dbg, fc;

	vm_soft_add("nlbrF");
	idx = nl_dev_index("nlbrF");
	nl_open(&nl);
	fd = vm_open_device("nlbrF");
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	mem = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(vm_reg_mr(fd, pd, mem, 4 * 4096, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	assert_int_equal(vm_create_cq(fd, 16, &cq), 0);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 16, &q), 0);
	fc = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 1, 0, NULL);
	assert_true(fc >= 0);
	dbg = vm_open_facet(fd, "debug.soft.uaccel");
	assert_int_equal(vm_ioctl(dbg, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);

	/* Dump every type while the device is fatal or being recovered. */
	for (i = 0; i <= UACCEL_NL_RES_MAX; i++) {
		struct nl one;
		int ret;

		/* libmnl stops at NLM_F_DUMP_INTR: a socket per dump. */
		nl_open(&one);
		ret = nl_dump(&one, UACCEL_NL_CMD_RES_GET, -1, i, &rs);
		if (ret && ret != -EINTR)
			fail_msg("RES_GET type %u of a fatal device: %d", i, ret);
		nl_recs_free(&rs);
		nl_close(&one);
	}
	assert_int_equal(vm_wait_device("nlbrF", VM_DEVICE_WAIT_S), 0);
	/* The recovered device: a new index, no context of ours. */
	idx = nl_dev_index("nlbrF");
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_RES_GET, idx, UACCEL_NL_RES_CTX, &rs), 0);
	n = rs.n;
	nl_recs_free(&rs);
	assert_int_equal(n, 0);
	assert_int_equal(nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs), 0);
	for (i = 0; i < rs.n; i++)
		if (!strcmp(rs.r[i].name, "nlbrF")) {
			assert_int_equal(rs.r[i].state, UACCEL_NL_DEV_LIVE);
			assert_int_equal(rs.r[i].contexts, 0);
		}
	nl_recs_free(&rs);
	close(dbg);
	close(fc);
	close(fd);
	munmap(mem, 4 * 4096);
	vm_soft_del("nlbrF");
	nl_close(&nl);
}

/*
 * The monitor's socket buffer overflows: the listener gets ENOBUFS once,
 * then the later notifications, in order.
 */
static void test_monitor_overflow(void **state)
{
	char path[128], buf[MNL_SOCKET_BUFFER_SIZE];
	int one = 1, small = 1, n, i, enobufs = 0, got = 0;
	struct nl nl;

	nl_open(&nl);
	assert_int_equal(setsockopt(mnl_socket_get_fd(nl.sk), SOL_SOCKET, SO_RCVBUF,
				    &small, sizeof(small)), 0);
	assert_int_equal(mnl_socket_setsockopt(nl.sk, NETLINK_ADD_MEMBERSHIP,
					       &nl.group, sizeof(nl.group)), 0);
	(void)one;
	vm_soft_add("nlbrM0");
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), CLASS "/nlbrM%d/name", i & 1);
		assert_int_equal(vm_sysfs_write(path, i & 1 ? "nlbrM0" : "nlbrM1"), 0);
	}
	for (;;) {
		n = recv(mnl_socket_get_fd(nl.sk), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			enobufs++;
			continue;
		}
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			break;
		}
		got++;
	}
	print_message("# overflow: %d notifications read, ENOBUFS %d times\n", got, enobufs);
	assert_int_equal(enobufs, 1);
	assert_true(got < 101);
	/* The listener still works. */
	vm_soft_del("nlbrM0");
	n = mnl_socket_recvfrom(nl.sk, buf, sizeof(buf));
	assert_true(n > 0);
	{
		struct recs rs = { 0 };

		assert_int_equal(mnl_cb_run(buf, n, 0, 0, nl_msg_cb, &rs), MNL_CB_OK);
		assert_int_equal(rs.n, 1);
		assert_int_equal(rs.r[0].cmd, UACCEL_NL_CMD_DEV_DEL);
		assert_string_equal(rs.r[0].name, "nlbrM0");
		nl_recs_free(&rs);
	}
	nl_close(&nl);
}

/* ---- races (for the debug kernel: KASAN, lockdep) ---- */

static bool ok_errno(int ret, const int *ok)
{
	if (!ret)
		return true;
	for (; *ok; ok++)
		if (ret == -*ok)
			return true;
	return false;
}

#define CHILD_CHECK(ret, ...) do {					\
	int r_ = (ret);							\
	static const int ok_[] = { __VA_ARGS__, 0 };			\
	if (!ok_errno(r_, ok_)) {					\
		fprintf(stderr, "# %s:%d: unexpected %d\n", __FILE__,	\
			__LINE__, r_);					\
		_exit(1);						\
	}								\
} while (0)

/* libmnl stops reading at NLM_F_DUMP_INTR: the rest stays queued. */
#define REOPEN_ON_EINTR(r) do {					\
	if ((r) == -EINTR) {						\
		nl_close(&nl);						\
		nl_open(&nl);						\
	}								\
} while (0)

static const char *const rnames[] = { "nlbrR", "nlbrR2", "nlbrS" };

/* DEV_SET renames and exclusive toggles of whichever index nlbrR has. */
static void storm_dev_set(double until)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	unsigned int i = 0;
	struct nl nl;
	int r;

	nl_open(&nl);
	while (vm_now() < until) {
		struct recs rs = { 0 };
		unsigned int k;

		r = nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs);
		CHILD_CHECK(r, EINTR);
		REOPEN_ON_EINTR(r);
		for (k = 0; k < rs.n; k++) {
			if (strcmp(rs.r[k].name, rnames[0]) &&
			    strcmp(rs.r[k].name, rnames[1]) &&
			    strcmp(rs.r[k].name, rnames[2]))
				continue;
			nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_SET, 0, rs.r[k].index, -1);
			mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, rnames[i++ % 2]);
			if (i % 3 == 0)
				mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, i & 1);
			CHILD_CHECK(nl_talk(&nl, nlh, NULL, NULL), EEXIST, ENODEV, EBUSY);
		}
		nl_recs_free(&rs);
	}
	nl_close(&nl);
}

/* sysfs renames, deletes and re-adds of the same device. */
static void storm_sysfs(double until)
{
	char path[128];
	unsigned int i = 0, k;

	while (vm_now() < until) {
		for (k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), CLASS "/%s/name", rnames[k]);
			vm_sysfs_write(path, rnames[(k + 1 + i) % 3]);
		}
		if (++i % 20 == 0) {
			for (k = 0; k < 3; k++)
				vm_soft_delete(rnames[k]);
			vm_sysfs_write(SOFT_DRIVER_DIR "/new_device",
				       "nlbrR");
		}
	}
}

/* Dumps of every kind, one-device dumps by name too. */
static void storm_dump(double until)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	unsigned int i = 0;
	struct nl nl;

	nl_open(&nl);
	while (vm_now() < until) {
		struct recs rs = { 0 };
		int t = i++ % (UACCEL_NL_RES_MAX + 1), r;

		r = nl_dump(&nl, UACCEL_NL_CMD_RES_GET, -1, t, &rs);
		CHILD_CHECK(r, EINTR);
		REOPEN_ON_EINTR(r);
		nl_recs_free(&rs);
		r = nl_dump(&nl, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs);
		CHILD_CHECK(r, EINTR);
		REOPEN_ON_EINTR(r);
		nl_recs_free(&rs);
		nlh = nl_req(&nl, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP, -1, t);
		mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, rnames[i % 3]);
		r = nl_talk(&nl, nlh, &rs, NULL);
		CHILD_CHECK(r, EINTR, ENODEV);
		REOPEN_ON_EINTR(r);
		nl_recs_free(&rs);
		nlh = nl_req(&nl, buf, UACCEL_NL_CMD_DEV_GET, 0, -1, -1);
		mnl_attr_put_strz(nlh, UACCEL_NL_ATTR_DEV_NAME, "nlbrC");
		CHILD_CHECK(nl_talk(&nl, nlh, &rs, NULL), ENODEV);
		nl_recs_free(&rs);
	}
	nl_close(&nl);
}

/*
 * A device with contexts, objects and facet files that dies by fatal
 * error or by deletion, again and again, while they are being dumped.
 */
static void storm_churn(double until)
{
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	const char *newdev = SOFT_DRIVER_DIR "/new_device";
	char *mem = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i = 0, k;
	uint32_t pd, mr;

	if (mem == MAP_FAILED)
		_exit(1);
	memset(mem, 0, 16 * 4096);
	while (vm_now() < until) {
		int fd[4], fc[4], dbg;

		if (vm_wait_device("nlbrC", 10)) {
			vm_sysfs_write(newdev, "nlbrC");
			if (vm_wait_device("nlbrC", 10))
				_exit(1);
		}
		for (k = 0; k < 4; k++) {
			char node[256];

			vm_device_node("nlbrC", node, sizeof(node));
			fd[k] = open(node, O_RDWR);
			fc[k] = -1;
			if (fd[k] < 0)
				continue;
			if (vm_alloc_pd(fd[k], &pd) == 0) {
				vm_reg_mr(fd[k], pd, mem + 100 + k * 4096, 3 * 4096,
					  UACCEL_MR_ACCESS_WRITE, &mr);
				vm_alloc_pd(fd[k], &pd);
			}
			fc[k] = vm_get_facet(fd[k], UACCEL_SOFT_DMA_FACET, 1, 1, 0, NULL);
		}
		if (i++ & 1) {
			dbg = fd[0] >= 0 ? vm_get_facet(fd[0], "debug.soft.uaccel", 1, 1, 0, NULL) : -1;
			if (dbg >= 0) {
				vm_ioctl(dbg, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe);
				close(dbg);
			}
		} else {
			vm_soft_delete("nlbrC");
		}
		for (k = 0; k < 4; k++) {
			if (fc[k] >= 0)
				close(fc[k]);
			if (fd[k] >= 0)
				close(fd[k]);
		}
	}
	munmap(mem, 16 * 4096);
}

static void test_race_storm(void **state)
{
	void (*const fn[])(double) = {
		storm_dev_set, storm_sysfs, storm_dump, storm_dump, storm_churn,
	};
	double until = vm_now() + vm_scaled(20);
	int pid[5], st;
	unsigned int i, k;
	bool failed = false;

	vm_soft_add("nlbrR");
	vm_soft_add("nlbrC");
	for (i = 0; i < 5; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (!pid[i]) {
			fn[i](until);
			_exit(0);
		}
	}
	for (i = 0; i < 5; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			print_message("# storm child %u failed (status %#x)\n", i, st);
			failed = true;
		}
	}
	/* Whatever the storm left: the recovery may still run. */
	vm_wait_device("nlbrC", VM_DEVICE_WAIT_S);
	vm_soft_delete("nlbrC");
	for (k = 0; k < 3; k++)
		vm_soft_delete(rnames[k]);
	assert_false(failed);
}

/* ---- unload (last: it reloads the modules) ---- */

static bool core_unloadable(void)
{
	DIR *d = opendir("/sys/module/uaccel_core/holders");
	struct dirent *e;
	bool ok = true;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			ok = false;
	closedir(d);
	return ok && getenv("UACCEL_CORE_KO");
}

/*
 * rmmod uaccel_soft between the parts of a dump and with a monitor
 * subscribed; rmmod uaccel_core refused while a dump is in progress, then
 * done with a monitor still subscribed; the family back after insmod.
 */
static void test_unload_mid_dump(void **state)
{
	unsigned int n = 200, i, k;
	char buf[MNL_SOCKET_BUFFER_SIZE], *rbuf = malloc(65536);
	int *fds = calloc(n, sizeof(int)), r, dels = 0;
	const struct nlmsghdr *m;
	struct nlmsghdr *nlh;
	struct nl d, mon, again;
	bool done = false;

	if (!getenv("UACCEL_SOFT_KO"))
		skip();
	assert_non_null(rbuf);
	nl_open(&d);
	nl_open(&mon);
	assert_int_equal(mnl_socket_setsockopt(mon.sk, NETLINK_ADD_MEMBERSHIP,
					       &mon.group, sizeof(mon.group)), 0);
	for (i = 0; i < n; i++)
		fds[i] = vm_open_device(DEV);
	nlh = nl_req(&d, buf, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP, -1, UACCEL_NL_RES_CTX);
	assert_true(mnl_socket_sendto(d.sk, nlh, nlh->nlmsg_len) > 0);
	assert_true(mnl_socket_recvfrom(d.sk, rbuf, 65536) > 0);
	for (i = 0; i < n; i++)
		close(fds[i]);
	assert_int_equal(vm_run("rmmod uaccel_soft"), 0);
	/* Every soft device went: one DEV_DEL each. */
	for (;;) {
		r = recv(mnl_socket_get_fd(mon.sk), buf, sizeof(buf), MSG_DONTWAIT);
		if (r <= 0)
			break;
		dels++;
	}
	assert_true(dels >= 2);
	if (core_unloadable()) {
		/* The dump holds the module. */
		assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	}
	while (!done) {
		r = mnl_socket_recvfrom(d.sk, rbuf, 65536);
		assert_true(r > 0);
		for (m = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(m, r);
		     m = mnl_nlmsg_next(m, &r)) {
			assert_int_not_equal(m->nlmsg_type, NLMSG_ERROR);
			if (m->nlmsg_type == NLMSG_DONE)
				done = true;
		}
	}
	if (core_unloadable()) {
		assert_int_equal(vm_run("rmmod uaccel_core"), 0);
		/* The subscribed socket and the dump socket outlive the family. */
		nlh = nl_req(&d, buf, UACCEL_NL_CMD_DEV_GET, NLM_F_DUMP, -1, -1);
		assert_true(nl_talk(&d, nlh, NULL, NULL) < 0);
		r = recv(mnl_socket_get_fd(mon.sk), buf, sizeof(buf), MSG_DONTWAIT);
		assert_true(r < 0);
	} else {
		print_message("# uaccel_core has other holders: not unloaded\n");
	}
	assert_int_equal(vm_reload_soft(), 0);
	vm_soft_add(DEV);
	vm_soft_add(DEV2);
	nl_open(&again);
	{
		struct recs rs = { 0 };

		assert_int_equal(nl_dump(&again, UACCEL_NL_CMD_DEV_GET, -1, -1, &rs), 0);
		for (k = 0, i = 0; i < rs.n; i++)
			k += !strcmp(rs.r[i].name, DEV);
		assert_int_equal(k, 1);
		nl_recs_free(&rs);
	}
	nl_close(&again);
	nl_close(&mon);
	nl_close(&d);
	free(fds);
	free(rbuf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pd_dump_ctx_closed_mid_dump, vm_check_clean),
		cmocka_unit_test_teardown(test_facet_dump_ctx_closed_mid_dump, vm_check_clean),
		cmocka_unit_test_teardown(test_pd_dump_objs_destroyed_mid_dump, vm_check_clean),
		cmocka_unit_test_teardown(test_ctx_dump_device_removed_mid_dump, vm_check_clean),
		cmocka_unit_test_teardown(test_dev_set_fails_whole, vm_check_clean),
		cmocka_unit_test_teardown(test_pinned_accounting, vm_check_clean),
		cmocka_unit_test_teardown(test_fatal_counts, vm_check_clean),
		cmocka_unit_test_teardown(test_monitor_overflow, vm_check_clean),
		cmocka_unit_test_teardown(test_race_storm, vm_check_clean),
		cmocka_unit_test(test_unload_mid_dump),
	};

	return vm_run_tests("vm_nlbreak", tests, &base, DEV, DEV2);
}
