// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel-fuzz: a fuzzer of the uaccel uAPI that knows its commands
 * (uapi_desc.c).  It generates programs (prog.c), runs each in a child
 * process (async calls on worker threads, a watchdog on every call),
 * watches the kernel log for reports after each, and on a finding
 * minimises the program and saves it as a reproducer.  With KCOV
 * (/sys/kernel/debug/kcov) it keeps programs that reach new PCs of the
 * uaccel modules and mutates them; without, it generates only.
 *
 * usage: see usage() below and docs/fuzzing.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/kcov.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <uaccel/netlink.h>
#include <uaccel/uaccel.h>
#ifdef HAVE_LIBURING
#include <accel/uring.h>
#endif

#include "fuzz.h"

#define SOFT_DRIVER_DIR	"/sys/bus/platform/drivers/uaccel_soft"
#define CLASS_DIR	"/sys/class/uaccel"
#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define KCOV_WORDS	(256U << 10)
#define KCOV_REMOTE_WORDS (64U << 10)	/* per section of a kernel thread */
#define NR_WORKERS	2
#define NR_SLOTS	(NR_WORKERS + 1)
#define MAX_PCS		(1U << 16)

/* ---- options ---- */

static struct {
	uint64_t seed;
	long iterations;	/* programs, -1: no limit */
	double duration;	/* seconds, 0: no limit */
	int user;		/* run programs as this uid (and gid), -1: as is */
	bool sysfs;
	bool threads;
	bool edu;
	bool uring;		/* every other command through io_uring */
	bool verbose;
	bool kcov;
	double kick_s;		/* interrupt a call blocked this long */
	double hang_s;		/* a call blocked this long is a hang */
	const char *crash_dir;
	const char *corpus_dir;	/* save new-coverage programs here */
	const char *cover_file;	/* write the PCs reached there at the end */
	int inject;		/* a call type after which to log a fake report */
	char **replay;
	int nr_replay;
	int replay_rounds;
} opt = {
	.iterations = -1, .user = -1, .inject = -1, .sysfs = true, .threads = true,
	.kick_s = 1.0, .hang_s = 60.0, .crash_dir = "crashes", .replay_rounds = 1,
};

/* ---- state shared between the parent and the program's process ---- */

struct slot {
	atomic_int tid;
	atomic_int call;		/* the call running, -1: none */
	atomic_uint_fast64_t start_ns;
	atomic_int kicked;
};

struct shared {
	struct slot slots[NR_SLOTS];
	atomic_uint_fast64_t calls;
	/* Per command (then per call type): calls made, calls that succeeded. */
	atomic_uint made[64], succeeded[64];
	atomic_uint npcs;
	uint64_t pcs[MAX_PCS];
	char note[256];
};

static struct shared *sh;
static uint64_t mod_lo, mod_hi;	/* text of the uaccel modules, for KCOV */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- memory the user pointers point into ---- */

static uint8_t *arena;		/* rw | none | ro | hole */
static pthread_mutex_t ro_lock = PTHREAD_MUTEX_INITIALIZER;

static void arena_init(void)
{
	size_t total = FZ_RW_SIZE + 3 * FZ_SMALL_SIZE;

	arena = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mprotect(arena, FZ_RW_SIZE, PROT_READ | PROT_WRITE);
	mprotect(arena + FZ_RW_SIZE + FZ_SMALL_SIZE, FZ_SMALL_SIZE, PROT_READ);
	munmap(arena + FZ_RW_SIZE + 2 * FZ_SMALL_SIZE, FZ_SMALL_SIZE);
}

/* ---- the program's process ---- */

struct result {
	int type;		/* enum fz_res */
	uint64_t v;		/* fd, id, mapping address */
	uint64_t len;		/* mapping length */
	uint64_t mmap_off, mmap_size;
};

static const struct fz_prog *cur;
static struct result res[FZ_MAX_CALLS];
static int sock[2] = { -1, -1 };
static __thread uint64_t *kcov_area;
static __thread sigjmp_buf guard_jb;
static __thread volatile int guarded;

static void on_fault(int sig)
{
	if (guarded)
		siglongjmp(guard_jb, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_kick(int sig)
{
	(void)sig;
}

/* kcov fds, opened before the program's process drops its privileges. */
static int kcov_fds[NR_SLOTS] = { -1, -1, -1 };

static void kcov_thread_init(int slot)
{
	int fd = kcov_fds[slot];

	if (!opt.kcov || fd < 0)
		return;
	if (ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS))
		goto err;
	kcov_area = mmap(NULL, KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
	if (kcov_area == MAP_FAILED)
		goto err;
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(kcov_area, KCOV_WORDS * sizeof(uint64_t));
		goto err;
	}
	return;
err:
	kcov_area = NULL;
	kcov_fds[slot] = -1;
	close(fd);
}

/* Moves the module PCs of this thread's KCOV area to sh->pcs. */
static void kcov_collect(void)
{
	uint64_t n;

	if (!kcov_area)
		return;
	n = __atomic_load_n(&kcov_area[0], __ATOMIC_ACQUIRE);
	if (n >= KCOV_WORDS)
		n = KCOV_WORDS - 1;
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t pc = kcov_area[i];
		unsigned int k;

		if (pc < mod_lo || pc >= mod_hi)
			continue;
		k = atomic_fetch_add(&sh->npcs, 1);
		if (k < MAX_PCS)
			sh->pcs[k] = pc;
	}
	__atomic_store_n(&kcov_area[0], 0, __ATOMIC_RELAXED);
}

static uint64_t val_num(const struct fz_val *v)
{
	switch (v->kind) {
	case FZ_V_REF:
		return res[v->ref].v;
	case FZ_V_EFD:
		return (uint64_t)eventfd(0, EFD_NONBLOCK);
	case FZ_V_MEM:
		switch (v->mem) {
		case FZ_MEM_RW:
			return (uintptr_t)arena + v->num;
		case FZ_MEM_NONE:
			return (uintptr_t)arena + FZ_RW_SIZE + v->num;
		case FZ_MEM_RO:
			return (uintptr_t)arena + FZ_RW_SIZE + FZ_SMALL_SIZE + v->num;
		case FZ_MEM_HOLE:
			return (uintptr_t)arena + FZ_RW_SIZE + 2 * FZ_SMALL_SIZE + v->num;
		case FZ_MEM_NULL:
			return v->num;
		case FZ_MEM_KERNEL:
			return 0xffff888000000000ULL + v->num;
		case FZ_MEM_MAP:
			return res[v->ref].v + v->num;
		}
		return 0;
	default:
		return v->num;
	}
}

static void put_field(uint8_t *buf, const struct fz_field *f, uint64_t v)
{
	switch (f->size) {
	case 1:
		buf[f->off] = (uint8_t)v;
		break;
	case 2: {
		uint16_t x = (uint16_t)v;

		memcpy(buf + f->off, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;

		memcpy(buf + f->off, &x, 4);
		break;
	}
	case 8:
		memcpy(buf + f->off, &v, 8);
		break;
	}
}

static uint64_t get_field(const uint8_t *buf, const struct fz_field *f)
{
	uint32_t x;
	uint64_t y;

	if (f->size == 8) {
		memcpy(&y, buf + f->off, 8);
		return y;
	}
	memcpy(&x, buf + f->off, 4);
	return x;
}

/* A copy into memory that may be gone (a ring mapping): false if it was. */
static bool guarded_copy(void *dst, const void *src, size_t len)
{
	bool ok = false;

	guarded = 1;
	if (!sigsetjmp(guard_jb, 1)) {
		memcpy(dst, src, len);
		ok = true;
	}
	guarded = 0;
	return ok;
}

static const char *const junk_names[] = {
	"no.such.facet", "DMA.SOFT.UACCEL", NULL /* unterminated */,
};

#ifdef HAVE_LIBURING
/*
 * --uring: a command as IORING_OP_URING_CMD on a ring of 128-byte SQEs of
 * the calling thread (a new one in a forked child).  With @inl, the first
 * bytes of the structure at @arg (the fuzzer's own, readable), up to 64,
 * are carried inline (UACCEL_URING_CMD_INLINE) whatever their size field
 * says, and the reply goes to @arg; else the command goes by address.  A
 * kick interrupts the wait, not the command, which goes on in io_uring's
 * worker: its completion, when it comes, is told from a later one's by
 * its tag and dropped.
 */
static __thread struct io_uring fz_ring;
static __thread pid_t fz_ring_pid;
static __thread uint64_t fz_ring_seq;

static long uring_ioctl(int fd, unsigned long req, void *arg, size_t inl)
{
	struct uaccel_uring_cmd *area;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	uint64_t tag;
	int ret;

	if (fz_ring_pid != getpid()) {
		memset(&fz_ring, 0, sizeof(fz_ring));
		ret = io_uring_queue_init(16, &fz_ring, IORING_SETUP_SQE128);
		if (ret)
			return ret;
		fz_ring_pid = getpid();
	}
	sqe = io_uring_get_sqe(&fz_ring);
	if (!sqe)
		return -EBUSY;
	accel_prep_cmd(sqe, fd, req, arg);
	area = (struct uaccel_uring_cmd *)sqe->cmd;
	memset(area + 1, 0, UACCEL_URING_CMD_INLINE_MAX);
	if (inl) {
		area->flags = UACCEL_URING_CMD_INLINE;
		memcpy(area + 1, arg, inl < UACCEL_URING_CMD_INLINE_MAX ?
		       inl : UACCEL_URING_CMD_INLINE_MAX);
	}
	tag = ++fz_ring_seq;
	sqe->user_data = tag;
	ret = io_uring_submit(&fz_ring);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = io_uring_wait_cqe(&fz_ring, &cqe);
		if (ret)
			return ret;
		if (cqe->user_data == tag)
			break;
		io_uring_cqe_seen(&fz_ring, cqe);
	}
	ret = cqe->res;
	io_uring_cqe_seen(&fz_ring, cqe);
	return ret;
}
#endif

static long do_ioctl(unsigned int i, const struct fz_call *c)
{
	const struct fz_cmd *cmd = &fz_cmds[c->cmd];
	uint8_t buf[4096] __attribute__((aligned(8))) = { 0 };
	uint8_t *where = buf;
	size_t len = cmd->size;
	int fd = (int)val_num(&c->args[0]);
	uint64_t tail = c->args[2 + cmd->nr_fields].num;
	long ret;

	for (unsigned int f = 0; f < cmd->nr_fields; f++) {
		const struct fz_field *fld = &cmd->fields[f];
		const struct fz_val *v = &c->args[2 + f];

		if (fld->kind == FZ_NAME) {
			if (v->num < FZ_FACET_NR)
				strncpy((char *)buf + fld->off, fz_facets[v->num].name, fld->size - 1);
			else if (junk_names[(v->num - FZ_FACET_NR) % 3])
				strcpy((char *)buf + fld->off, junk_names[(v->num - FZ_FACET_NR) % 3]);
			else
				memset(buf + fld->off, 'a', fld->size);
			continue;
		}
		put_field(buf, fld, val_num(v));
	}
	if (tail)
		memcpy(buf + cmd->size, &tail, sizeof(tail));
	if (tail && len + 8 <= sizeof(buf))
		len += 8;
	if (c->args[1].kind == FZ_V_MEM) {
		uint8_t *p = (uint8_t *)(uintptr_t)val_num(&c->args[1]);

		if (c->args[1].mem == FZ_MEM_RW && c->args[1].num < FZ_RW_SIZE) {
			memcpy(p, buf, len < FZ_RW_SIZE - c->args[1].num ? len :
			       FZ_RW_SIZE - c->args[1].num);
		} else if (c->args[1].mem == FZ_MEM_RO && c->args[1].num < FZ_SMALL_SIZE) {
			uint8_t *page = arena + FZ_RW_SIZE + FZ_SMALL_SIZE;
			size_t room = FZ_SMALL_SIZE - c->args[1].num;

			pthread_mutex_lock(&ro_lock);
			mprotect(page, FZ_SMALL_SIZE, PROT_READ | PROT_WRITE);
			memcpy(p, buf, len < room ? len : room);
			mprotect(page, FZ_SMALL_SIZE, PROT_READ);
			pthread_mutex_unlock(&ro_lock);
		} else if (c->args[1].mem == FZ_MEM_MAP) {
			guarded_copy(p, buf, cmd->size);
		}
		where = p;
	}
#ifdef HAVE_LIBURING
	if (opt.uring && (i & 1)) {
		/* Every other one of those inline, when the structure is ours. */
		ret = uring_ioctl(fd, cmd->req, where,
				  (i & 2) && where == buf ? cmd->size : 0);
	} else
#endif
	{
		ret = ioctl(fd, cmd->req, where);
		if (ret < 0)
			ret = -errno;
	}
	if (ret || !cmd->produces)
		return ret;
	if (where != buf) {
		if (c->args[1].mem != FZ_MEM_RW || c->args[1].num + cmd->size > FZ_RW_SIZE)
			return ret;
		memcpy(buf, where, cmd->size);
	}
	for (unsigned int f = 0; f < cmd->nr_fields; f++) {
		const struct fz_field *fld = &cmd->fields[f];

		if (fld->kind == FZ_OUT_ID || fld->kind == FZ_OUT_FD) {
			res[i].type = cmd->produces;
			res[i].v = get_field(buf, fld);
		} else if (!strcmp(fld->name, "out_mmap_offset")) {
			res[i].mmap_off = get_field(buf, fld);
		} else if (!strcmp(fld->name, "out_mmap_size")) {
			res[i].mmap_size = get_field(buf, fld);
		}
	}
	return ret;
}

/*
 * The @index-th entry of @dir, in name order, among those whose name
 * starts with @prefix (with "", those not starting with a dot): @dir/name
 * in @out with @with_dir, else the name alone; 0, or -1 if there is none.
 */
static int nth_entry(const char *dir, const char *prefix, unsigned int index,
		     bool with_dir, char *out, size_t len)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), found = -1, k = 0;

	for (int i = 0; i < n; i++) {
		const char *e = names[i]->d_name;
		bool match = *prefix ? !strncmp(e, prefix, strlen(prefix)) : e[0] != '.';

		if (match && found < 0 && k++ == (int)index) {
			if (with_dir)
				snprintf(out, len, "%s/%.63s", dir, e);
			else
				snprintf(out, len, "%.63s", e);
			found = 0;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return found;
}

/* The index-th device node, in name order; its path in @path. */
static int device_path(unsigned int index, char *path, size_t len)
{
	return nth_entry("/dev/uaccel", "uaccel", index, true, path, len);
}

/* The index-th device of /sys/class/uaccel (name order) in @name. */
static int class_device(unsigned int index, char *name, size_t len)
{
	return nth_entry(CLASS_DIR, "", index, false, name, len);
}

static int sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long do_sysfs(const struct fz_call *c)
{
	static const char *const names[] = { "fz0", "fz1", "-bad", "", "soft0", "x" };
	char dev[128], path[512];
	unsigned int op = (unsigned int)(c->args[0].num % 4);
	const char *v = names[c->args[2].num % 6];

	if (op < 2 && class_device((unsigned int)c->args[1].num % 8, dev, sizeof(dev)))
		return -ENOENT;
	switch (op) {
	case 0:
		snprintf(path, sizeof(path), CLASS_DIR "/%s/name", dev);
		return sysfs_write(path, v);
	case 1:
		snprintf(path, sizeof(path), CLASS_DIR "/%s/exclusive", dev);
		return sysfs_write(path, c->args[2].num % 3 == 2 ? "junk" :
				   c->args[2].num % 3 ? "1" : "0");
	case 2:
		return sysfs_write(SOFT_DRIVER_DIR "/new_device", c->args[2].num % 2 ? "fz1" : "fz0");
	default:
		if (c->args[1].num % 2)
			return sysfs_write(SOFT_DRIVER_DIR "/delete_device", v);
		if (class_device((unsigned int)c->args[1].num % 8, dev, sizeof(dev)))
			return -ENOENT;
		return sysfs_write(SOFT_DRIVER_DIR "/delete_device", dev);
	}
}

/* The family id of "uaccel" (nlctrl's reply), or 0. */
static int nl_family_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int nl_family_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_family_cb, data);
}

static struct nlmsghdr *nl_put(char *buf, uint16_t type, uint8_t cmd,
			       uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/*
 * Send @nlh and read what comes back up to the ACK or NLMSG_DONE: the
 * number of messages, or the -errno of the request (of the dump, from
 * NLMSG_DONE).  A reply that does not come within a second is -ETIME.
 */
static long nl_exchange(struct mnl_socket *sk, const struct nlmsghdr *nlh,
			mnl_cb_t cb, void *data)
{
	static char buf[32768];
	const struct nlmsghdr *m;
	long msgs = 0;
	int n;

	if (mnl_socket_sendto(sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = (int)mnl_socket_recvfrom(sk, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIME : -errno;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, n);
		     m = mnl_nlmsg_next(m, &n)) {
			const int *err = mnl_nlmsg_get_payload(m);

			if (m->nlmsg_type == NLMSG_ERROR)
				return *err ? *err : msgs;
			if (m->nlmsg_type == NLMSG_DONE)
				return *err ? *err : msgs;
			if (cb)
				cb(m, data);
			msgs++;
		}
	}
}

/*
 * A request of the netlink family: op 0 the device dump, 1 DEV_GET of the
 * dev-th device (by its node's minor, the device index), 2 a resource dump
 * of it (even dev) or of all, of type value, 3 DEV_SET of its exclusive
 * state (when sysfs writes are allowed), 4 a DEV_GET with an attribute of
 * type value and a garbage payload, 5 a command number of value.
 */
static long do_netlink(const struct fz_call *c)
{
	unsigned int op = (unsigned int)(c->args[0].num % 6);
	uint64_t value = c->args[2].num;
	static uint16_t family;
	char buf[8192];
	struct timeval tmo = { .tv_sec = 1 };
	uint32_t index = (uint32_t)c->args[1].num;
	struct mnl_socket *sk;
	struct nlmsghdr *nlh;
	char path[300];
	struct stat st;
	long ret;

	if (op == 3 && !opt.sysfs)
		return -EPERM;
	if (!device_path((unsigned int)c->args[1].num, path, sizeof(path)) &&
	    !stat(path, &st))
		index = minor(st.st_rdev);
	sk = mnl_socket_open(NETLINK_GENERIC);
	if (!sk)
		return -errno;
	if (mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) ||
	    setsockopt(mnl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tmo,
		       sizeof(tmo))) {
		ret = -errno;
		goto out_close;
	}
	if (!family) {
		nlh = nl_put(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, UACCEL_GENL_NAME);
		ret = nl_exchange(sk, nlh, nl_family_msg, &family);
		if (ret < 0 || !family) {
			ret = ret < 0 ? ret : -ENOENT;
			goto out_close;
		}
	}
	switch (op) {
	case 0:
		nlh = nl_put(buf, family, UACCEL_NL_CMD_DEV_GET, NLM_F_DUMP);
		break;
	case 1:
		nlh = nl_put(buf, family, UACCEL_NL_CMD_DEV_GET, 0);
		mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
		break;
	case 2:
		nlh = nl_put(buf, family, UACCEL_NL_CMD_RES_GET, NLM_F_DUMP);
		if (!(c->args[1].num & 1))
			mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
		/* Every type, and one past the last. */
		mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_RES_TYPE,
				(uint8_t)(value % (UACCEL_NL_RES_MAX + 2)));
		break;
	case 3:
		nlh = nl_put(buf, family, UACCEL_NL_CMD_DEV_SET, 0);
		mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
		mnl_attr_put_u8(nlh, UACCEL_NL_ATTR_DEV_EXCLUSIVE, (uint8_t)(value % 3));
		break;
	case 4:
		nlh = nl_put(buf, family, UACCEL_NL_CMD_DEV_GET, value & 1 ? NLM_F_DUMP : 0);
		mnl_attr_put(nlh, (uint16_t)(value % 64), (value >> 8) % 80, arena);
		break;
	default:
		nlh = nl_put(buf, family, (uint8_t)value, value & 0x100 ? NLM_F_DUMP : 0);
		mnl_attr_put_u32(nlh, UACCEL_NL_ATTR_DEV_INDEX, index);
		break;
	}
	ret = nl_exchange(sk, nlh, NULL, NULL);
out_close:
	mnl_socket_close(sk);
	return ret;
}

static long send_fd(int fd, unsigned int mode)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (sock[0] < 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sock))
		return -errno;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock[0], &msg, MSG_DONTWAIT) < 0)
		return -errno;
	if (mode == 1)
		close(fd);
	if (mode == 2)	/* left in flight until the process exits */
		return 0;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock[1], &msg, MSG_DONTWAIT) < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static long do_fork(const struct fz_call *c)
{
	int fd = (int)val_num(&c->args[0]), status;
	/* The system call: none of glibc's fork handlers in a threaded process. */
	pid_t pid = (pid_t)syscall(SYS_fork);

	if (pid < 0)
		return -errno;
	if (!pid) {
		struct uaccel_query_device q = { .size = sizeof(q) };
		struct uaccel_get_driver_ops_fd g = { .size = sizeof(g), .min_version = 1,
						      .max_version = 1 };

		switch (c->args[1].num % 4) {
		case 1:
			ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q);
			break;
		case 2:
			strcpy((char *)g.name, "factorial.uaccel");
			ioctl(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g);
			break;
		case 3:
			close(fd);
			break;
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		kill(pid, SIGKILL);
	return 0;
}

static long exec_call(unsigned int i)
{
	const struct fz_call *c = &cur->calls[i];
	long ret = 0;
	int fd;

	switch (c->type) {
	case FZ_OPEN: {
		char path[300];
		static const int modes[] = { O_RDWR, O_RDWR | O_NONBLOCK, O_RDONLY,
					     O_RDWR | O_CLOEXEC };

		res[i].type = FZ_RES_CTX;
		res[i].v = (uint64_t)-1;
		if (device_path((unsigned int)c->args[0].num, path, sizeof(path)))
			return -ENOENT;
		ret = open(path, modes[c->args[1].num % 4]);
		if (ret < 0)
			return -errno;
		res[i].v = (uint64_t)ret;
		return ret;
	}
	case FZ_IOCTL:
		if (fz_cmds[c->cmd].produces == FZ_RES_FACET ||
		    fz_cmds[c->cmd].produces == FZ_RES_DMABUF)
			res[i].v = (uint64_t)-1;
		return do_ioctl(i, c);
	case FZ_WR: {
		uint8_t *p = arena + (c->args[0].num % 16) * 64;

		for (unsigned int f = 0; f < fz_nr_wr_fields; f++)
			put_field(p, &fz_wr_fields[f], val_num(&c->args[1 + f]));
		return 0;
	}
	case FZ_MMAP: {
		static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
					     PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE };
		unsigned int mode = (unsigned int)(c->args[3].num % 5);
		const struct result *obj = &res[c->args[1].kind == FZ_V_REF ? c->args[1].ref : 0];
		uint64_t len = c->args[2].num ? c->args[2].num : obj->mmap_size;
		uint64_t off = obj->mmap_off + (mode == 3 ? 4096 : 0);
		void *p;

		fd = (int)val_num(&c->args[0]);
		if (c->args[1].kind != FZ_V_REF)
			off = c->args[1].num;
		if (!len || len > (64ULL << 20))
			len = 4096;
		p = mmap(NULL, len, prots[mode], mode == 1 ? MAP_PRIVATE : MAP_SHARED, fd,
			 (off_t)off);
		res[i].type = FZ_RES_MAP;
		if (p == MAP_FAILED)
			return -errno;
		res[i].v = (uintptr_t)p;
		res[i].len = len;
		return 0;
	}
	case FZ_POKE: {
		const struct result *m = &res[c->args[0].kind == FZ_V_REF ? c->args[0].ref : 0];
		volatile uint8_t *p = (uint8_t *)(uintptr_t)m->v;
		uint64_t v = c->args[2].num;

		if (c->args[0].kind != FZ_V_REF || m->type != FZ_RES_MAP || !p || m->len < 128)
			return -EINVAL;
		guarded = 1;
		if (!sigsetjmp(guard_jb, 1)) {
			switch (c->args[1].num % 4) {
			case 0:
				*(volatile uint32_t *)p = (uint32_t)v;
				break;
			case 1:
				*(volatile uint32_t *)(p + 64) = (uint32_t)v;
				break;
			case 2:
				*(volatile uint32_t *)(p + 68) = (uint32_t)v;
				break;
			default:
				*(volatile uint64_t *)(p + ((c->args[3].num % (m->len - 8)) & ~7ULL)) = v;
			}
		} else {
			ret = -EFAULT;	/* SIGBUS/SIGSEGV: the ring is gone */
		}
		guarded = 0;
		return ret;
	}
	case FZ_MUNMAP: {
		const struct result *m = &res[c->args[0].kind == FZ_V_REF ? c->args[0].ref : 0];

		if (c->args[0].kind != FZ_V_REF || m->type != FZ_RES_MAP || !m->v)
			return -EINVAL;
		return munmap((void *)(uintptr_t)m->v, m->len) ? -errno : 0;
	}
	case FZ_READ: {
		uint64_t len = c->args[1].num;

		fd = (int)val_num(&c->args[0]);
		if (c->args[2].kind == FZ_V_MEM && c->args[2].mem == FZ_MEM_RW &&
		    c->args[2].num + len > FZ_RW_SIZE + FZ_SMALL_SIZE)
			len = 64;
		ret = read(fd, (void *)(uintptr_t)val_num(&c->args[2]), len);
		return ret < 0 ? -errno : ret;
	}
	case FZ_POLL: {
		struct pollfd pfd = { .fd = (int)val_num(&c->args[0]),
				      .events = (short)c->args[1].num };

		ret = poll(&pfd, 1, 10);
		return ret < 0 ? -errno : pfd.revents;
	}
	case FZ_DUP:
		fd = (int)val_num(&c->args[0]);
		ret = dup(fd);
		res[i].type = c->args[0].kind == FZ_V_REF ? res[c->args[0].ref].type : FZ_RES_NONE;
		res[i].v = (uint64_t)ret;
		return ret < 0 ? -errno : ret;
	case FZ_CLOSE:
		fd = (int)val_num(&c->args[0]);
		/* Never the executor's own fds. */
		if (fd <= 2 || fd == sock[0] || fd == sock[1])
			return -EBADF;
		for (int k = 0; k < NR_SLOTS; k++)
			if (fd == kcov_fds[k])
				return -EBADF;
		return close(fd) ? -errno : 0;
	case FZ_FORK:
		return do_fork(c);
	case FZ_SENDFD:
		fd = (int)val_num(&c->args[0]);
		ret = send_fd(fd, (unsigned int)(c->args[1].num % 3));
		res[i].type = c->args[0].kind == FZ_V_REF ? res[c->args[0].ref].type : FZ_RES_NONE;
		res[i].v = (uint64_t)ret;
		return ret;
	case FZ_SYSFS:
		return do_sysfs(c);
	case FZ_NETLINK:
		return do_netlink(c);
	}
	return -ENOSYS;
}

static void run_call(int slot, unsigned int i)
{
	struct slot *s = &sh->slots[slot];
	long ret;

	atomic_store(&s->kicked, 0);
	atomic_store(&s->start_ns, now_ns());
	atomic_store(&s->call, (int)i);
	ret = exec_call(i);
	if (cur->calls[i].type == opt.inject) {
		/* A test of the finding path: a report as the kernel logs them. */
		int fd = open("/dev/kmsg", O_WRONLY);
		char line[128];
		int len = snprintf(line, sizeof(line),
				   "uaccel-fuzz: WARNING: injected report after a %s call\n",
				   fz_call_type_name(opt.inject));

		/* One write() per record (dprintf() would lseek() /dev/kmsg). */
		if (fd >= 0) {
			if (write(fd, line, (size_t)len) < 0)
				perror("uaccel-fuzz: /dev/kmsg");
			close(fd);
		}
	}
	atomic_store(&s->call, -1);
	atomic_fetch_add(&sh->calls, 1);
	{
		const struct fz_call *c = &cur->calls[i];
		unsigned int k = c->type == FZ_IOCTL ? (unsigned int)c->cmd :
				 fz_nr_cmds + c->type;

		if (k < 64) {
			atomic_fetch_add(&sh->made[k], 1);
			if (ret >= 0)
				atomic_fetch_add(&sh->succeeded[k], 1);
		}
	}
	kcov_collect();
	if (opt.verbose)
		fprintf(stderr, "  r%u %s%s%s = %ld\n", i, fz_call_type_name(cur->calls[i].type),
			cur->calls[i].type == FZ_IOCTL ? " " : "",
			cur->calls[i].type == FZ_IOCTL ? fz_cmds[cur->calls[i].cmd].name : "", ret);
}

struct worker {
	pthread_t thread;
	int slot;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;		/* call index, -1: none */
	bool stop;
};

static struct worker workers[NR_WORKERS];

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	atomic_store(&sh->slots[w->slot].tid, (int)syscall(SYS_gettid));
	kcov_thread_init(w->slot);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->pending < 0 && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->pending < 0)
			break;
		pthread_mutex_unlock(&w->lock);
		run_call(w->slot, (unsigned int)w->pending);
		pthread_mutex_lock(&w->lock);
		w->pending = -1;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void worker_give(struct worker *w, unsigned int i)
{
	pthread_mutex_lock(&w->lock);
	while (w->pending >= 0)
		pthread_cond_wait(&w->cond, &w->lock);
	w->pending = (int)i;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Interrupts calls blocked too long (SIGUSR1, no SA_RESTART). */
static void *watchdog_main(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(50000);
		for (int s = 0; s < NR_SLOTS; s++) {
			struct slot *sl = &sh->slots[s];
			int64_t start = (int64_t)atomic_load(&sl->start_ns);

			if (atomic_load(&sl->call) < 0 ||
			    (int64_t)now_ns() - start < (int64_t)(opt.kick_s * 1e9) *
			    (atomic_load(&sl->kicked) + 1))
				continue;
			atomic_fetch_add(&sl->kicked, 1);
			syscall(SYS_tgkill, getpid(), atomic_load(&sl->tid), SIGUSR1);
		}
	}
	return NULL;
}

static void drop_privileges(void)
{
	if (opt.user < 0)
		return;
	if (setgroups(0, NULL) || setresgid((gid_t)opt.user, (gid_t)opt.user, (gid_t)opt.user) ||
	    setresuid((uid_t)opt.user, (uid_t)opt.user, (uid_t)opt.user)) {
		perror("uaccel-fuzz: dropping privileges");
		_exit(3);
	}
}

/* The program's process: runs @p and exits. */
static void child_main(const struct fz_prog *p)
{
	struct sigaction sa = { .sa_handler = on_kick };
	pthread_t wd;

	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int k = 0; k < NR_SLOTS && opt.kcov; k++)
		kcov_fds[k] = open(KCOV_PATH, O_RDWR);
	drop_privileges();
	cur = p;
	memset(res, 0, sizeof(res));
	for (unsigned int i = 0; i < FZ_MAX_CALLS; i++)
		res[i].v = (uint64_t)-1;
	atomic_store(&sh->slots[0].tid, (int)syscall(SYS_gettid));
	kcov_thread_init(0);
	pthread_create(&wd, NULL, watchdog_main, NULL);
	for (int w = 0; w < NR_WORKERS; w++) {
		workers[w].slot = w + 1;
		workers[w].pending = -1;
		pthread_mutex_init(&workers[w].lock, NULL);
		pthread_cond_init(&workers[w].cond, NULL);
		pthread_create(&workers[w].thread, NULL, worker_main, &workers[w]);
	}
	for (unsigned int i = 0; i < p->n; i++) {
		if (p->calls[i].async)
			worker_give(&workers[i % NR_WORKERS], i);
		else
			run_call(0, i);
	}
	for (int w = 0; w < NR_WORKERS; w++) {
		pthread_mutex_lock(&workers[w].lock);
		workers[w].stop = true;
		pthread_cond_broadcast(&workers[w].cond);
		pthread_mutex_unlock(&workers[w].lock);
		pthread_join(workers[w].thread, NULL);
	}
	_exit(0);
}

/* ---- the kernel log ---- */

static int kmsg_fd = -1;
static regex_t report_re;
static char report[8192];
static size_t report_len;

static const char report_pattern[] =
	"BUG:|WARNING:|Oops|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object|"
	"possible (circular|recursive) locking|inconsistent lock state|"
	"turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|"
	"ODEBUG:|refcount_t:|general protection fault|Kernel panic|"
	"blocked for more than|list_(add|del) corruption|UBSAN:";

static void kmsg_init(void)
{
	if (regcomp(&report_re, report_pattern, REG_EXTENDED | REG_NOSUB)) {
		fprintf(stderr, "uaccel-fuzz: bad pattern\n");
		exit(2);
	}
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd < 0)
		fprintf(stderr, "uaccel-fuzz: /dev/kmsg: %s: kernel reports are not watched\n",
			strerror(errno));
	else
		lseek(kmsg_fd, 0, SEEK_END);
}

/*
 * Reads what the kernel logged since the last call; true if it holds a
 * report (kept in report[], with what follows it).
 */
static bool kmsg_check(void)
{
	char rec[2048];
	bool found = false;
	int after = 0;

	report_len = 0;
	report[0] = 0;
	if (kmsg_fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(kmsg_fd, rec, sizeof(rec) - 1);
		char *msg;

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (!regexec(&report_re, msg, 0, NULL, 0)) {
			found = true;
			after = 60;
		}
		if (after > 0) {
			after--;
			report_len += (size_t)snprintf(report + report_len,
						       sizeof(report) - report_len, "%s", msg);
			if (report_len >= sizeof(report) - 1)
				report_len = sizeof(report) - 1;
		}
	}
	return found;
}

/* ---- the parent: run, reset, watch ---- */

enum outcome { RUN_OK, RUN_REPORT, RUN_HANG, RUN_STUCK, RUN_EXEC_ERROR };

static char orig_names[16][64];
static int nr_orig;
static char hang_info[4096];

static void list_names(char names[][64], int *n, int max)
{
	DIR *d = opendir(CLASS_DIR);
	struct dirent *e;

	*n = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && *n < max)
		if (e->d_name[0] != '.')
			snprintf(names[(*n)++], 64, "%.63s", e->d_name);
	closedir(d);
}

static bool name_in(const char *name, char names[][64], int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/*
 * Between programs: the devices as they were at the start (names, shared
 * rather than exclusive, the ones made by new_device gone, deleted ones
 * back), and the nodes open to the unprivileged user.
 */
static void reset_devices(void)
{
	char cur_names[16][64], path[512];
	int n;

	if (geteuid() != 0)
		return;
	for (int tries = 0; tries < 100; tries++) {
		bool ok = true;

		list_names(cur_names, &n, 16);
		for (int i = 0; i < n; i++) {
			snprintf(path, sizeof(path), CLASS_DIR "/%.63s/exclusive", cur_names[i]);
			sysfs_write(path, "0");
			if (name_in(cur_names[i], orig_names, nr_orig))
				continue;
			ok = false;
			for (int o = 0; o < nr_orig; o++)
				if (!name_in(orig_names[o], cur_names, n)) {
					snprintf(path, sizeof(path), CLASS_DIR "/%.63s/name", cur_names[i]);
					if (!sysfs_write(path, orig_names[o]))
						break;
				}
			list_names(cur_names, &n, 16);
			if (name_in(cur_names[i], cur_names, n) &&
			    !name_in(cur_names[i], orig_names, nr_orig))
				sysfs_write(SOFT_DRIVER_DIR "/delete_device", cur_names[i]);
		}
		for (int o = 0; o < nr_orig; o++)
			if (!name_in(orig_names[o], cur_names, n)) {
				ok = false;
				/* A fatal error's recovery brings it back by itself. */
				if (tries > 20)
					sysfs_write(SOFT_DRIVER_DIR "/new_device", orig_names[o]);
			}
		if (ok && n == nr_orig)
			break;
		usleep(50000);
	}
	if (opt.user >= 0) {
		DIR *d = opendir("/dev/uaccel");
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "uaccel", 6)) {
				snprintf(path, sizeof(path), "/dev/uaccel/%s", e->d_name);
				chmod(path, 0666);
			}
		if (d)
			closedir(d);
	}
}

/* The kernel stacks of the program's threads, the blocked one first. */
static void read_stacks(int pid, int slot)
{
	size_t len = 0;

	hang_info[0] = 0;
	for (int k = 0; k < NR_SLOTS; k++) {
		int s = (slot + k) % NR_SLOTS, tid = atomic_load(&sh->slots[s].tid), fd;
		char path[128], buf[1024];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		len += (size_t)snprintf(hang_info + len, sizeof(hang_info) - len,
					"thread %d (slot %d, call %d):\n%s", tid, s,
					atomic_load(&sh->slots[s].call), buf);
		if (len >= sizeof(hang_info))
			break;
	}
}

static enum outcome run_prog(const struct fz_prog *p)
{
	pid_t pid;
	int status;

	for (int s = 0; s < NR_SLOTS; s++)
		atomic_store(&sh->slots[s].call, -1);
	atomic_store(&sh->npcs, 0);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return RUN_EXEC_ERROR;
	if (!pid)
		child_main(p);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		for (int s = 0; s < NR_SLOTS; s++) {
			struct slot *sl = &sh->slots[s];
			int call = atomic_load(&sl->call);
			/* The start before the clock: never a start later than now. */
			int64_t start = (int64_t)atomic_load(&sl->start_ns);

			if (call < 0 || (int64_t)now_ns() - start < (int64_t)(opt.hang_s * 1e9))
				continue;
			read_stacks(pid, s);
			snprintf(sh->note, sizeof(sh->note), "call r%d (thread slot %d) blocked for more than %.0f s",
				 call, s, opt.hang_s);
			kill(pid, SIGKILL);
			for (int t = 0; t < 200; t++) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					return RUN_HANG;
				usleep(50000);
			}
			return RUN_STUCK;
		}
		usleep(2000);
	}
	if (WIFSIGNALED(status) || WEXITSTATUS(status)) {
		snprintf(sh->note, sizeof(sh->note), "the program's process %s %d",
			 WIFSIGNALED(status) ? "died of signal" : "exited with",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return RUN_EXEC_ERROR;
	}
	return RUN_OK;
}

/* Run, then check the log; resets the devices. */
static enum outcome run_and_check(const struct fz_prog *p)
{
	enum outcome o = run_prog(p);

	if (o == RUN_STUCK)
		return o;
	reset_devices();
	if (kmsg_check())
		return RUN_REPORT;
	return o;
}

static bool reproduces(const struct fz_prog *p, enum outcome want, int tries)
{
	for (int t = 0; t < tries; t++) {
		enum outcome o = run_and_check(p);

		if (o == want)
			return true;
		if (o == RUN_STUCK)
			return false;
	}
	return false;
}

static void minimise(struct fz_prog *p, enum outcome want)
{
	for (int i = (int)p->n - 1; i >= 0; i--) {
		struct fz_prog q = *p;

		fz_remove_call(&q, (unsigned int)i);
		if (q.n && reproduces(&q, want, 2)) {
			*p = q;
			fprintf(stderr, "uaccel-fuzz: minimising: %u calls\n", p->n);
		}
	}
	for (unsigned int i = 0; i < p->n; i++) {
		struct fz_prog q = *p;

		if (!q.calls[i].async)
			continue;
		q.calls[i].async = 0;
		if (reproduces(&q, want, 2))
			*p = q;
	}
}

static void save_finding(const struct fz_prog *p, const char *kind, const char *what,
			 bool minimised)
{
	char path[1024];
	FILE *f;

	mkdir(opt.crash_dir, 0755);
	snprintf(path, sizeof(path), "%s/%s-%" PRIu64 "-%ld.prog", opt.crash_dir, kind, opt.seed,
		 (long)time(NULL));
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "uaccel-fuzz: %s: %s\n", path, strerror(errno));
		fz_prog_write(stderr, p);
		return;
	}
	fprintf(f, "# uaccel-fuzz %s, seed %" PRIu64 "%s\n", kind, opt.seed,
		minimised ? ", minimised" : ", not minimised (did not reproduce)");
	for (const char *l = what; *l;) {
		const char *nl = strchr(l, '\n');
		int len = nl ? (int)(nl - l) : (int)strlen(l);

		fprintf(f, "#   %.*s\n", len, l);
		l += len + (nl ? 1 : 0);
	}
	fz_prog_write(f, p);
	fclose(f);
	fprintf(stderr, "uaccel-fuzz: %s saved in %s\n", kind, path);
	fz_prog_write(stderr, p);
}

/* A finding: stop, minimise, save.  Returns the exit status. */
static int finding(struct fz_prog *p, enum outcome o)
{
	char what[sizeof(report) + sizeof(hang_info) + 256];
	bool minimised = false;
	const char *kind = o == RUN_REPORT ? "report" : o == RUN_EXEC_ERROR ? "executor" : "hang";

	snprintf(what, sizeof(what), "%s\n%s", o == RUN_REPORT ? report : sh->note,
		 o == RUN_REPORT ? "" : hang_info);
	fprintf(stderr, "uaccel-fuzz: FINDING (%s):\n%s\n", kind, what);
	if (o == RUN_REPORT || o == RUN_HANG) {
		if (reproduces(p, o, 3)) {
			minimise(p, o);
			minimised = true;
		}
	}
	save_finding(p, kind, what, minimised);
	return 1;
}

/* ---- coverage ---- */

static uint64_t *pc_set;
static unsigned int pc_set_size = 1U << 20, pcs_seen, pcs_remote;

/*
 * Remote coverage: the area of the parent's KCOV_REMOTE_ENABLE, filled by
 * the kernel threads that work for the programs (the soft device's workers
 * and polling thread, edu's request worker, the core's unpin worker), which
 * pass on the common handle the programs' tasks inherit from the parent.
 */
static uint64_t *kcov_remote_area;

static bool pc_add(uint64_t pc)
{
	unsigned int h = (unsigned int)((pc * 0x9e3779b97f4a7c15ULL) >> 44) & (pc_set_size - 1);

	while (pc_set[h] && pc_set[h] != pc)
		h = (h + 1) & (pc_set_size - 1);
	if (pc_set[h] || pcs_seen >= pc_set_size / 2)
		return false;
	pc_set[h] = pc;
	pcs_seen++;
	return true;
}

/*
 * The PCs the program's threads reported, then those of the kernel
 * threads that worked for it, read here straight from the parent's
 * remote area (so that a program whose own threads fill sh->pcs loses
 * none of them); the number of PCs new to the set.
 */
static unsigned int merge_pcs(void)
{
	unsigned int n = atomic_load(&sh->npcs), added = 0;
	uint64_t r;

	if (n > MAX_PCS)
		n = MAX_PCS;
	for (unsigned int i = 0; i < n; i++)
		added += pc_add(sh->pcs[i]);
	if (!kcov_remote_area)
		return added;
	r = __atomic_load_n(&kcov_remote_area[0], __ATOMIC_ACQUIRE);
	if (r >= KCOV_WORDS)
		r = KCOV_WORDS - 1;
	for (uint64_t i = 1; i <= r; i++) {
		uint64_t pc = kcov_remote_area[i];

		if (pc >= mod_lo && pc < mod_hi && pc_add(pc)) {
			added++;
			pcs_remote++;
		}
	}
	__atomic_store_n(&kcov_remote_area[0], 0, __ATOMIC_RELAXED);
	return added;
}

static bool read_hex_file(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%" SCNx64, v) == 1;
	fclose(f);
	return ok;
}

/* The text of the uaccel modules: from the lowest .text to the end of the last. */
static bool module_ranges(void)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512], name[128], path[256];
	unsigned long size;
	uint64_t base, text;

	mod_lo = UINT64_MAX;
	mod_hi = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lu %*s %*s %*s %" SCNx64, name, &size, &base) != 3 ||
		    strncmp(name, "uaccel_", 7))
			continue;
		snprintf(path, sizeof(path), "/sys/module/%s/sections/.text", name);
		if (!read_hex_file(path, &text))
			text = base;
		if (text < mod_lo)
			mod_lo = text;
		if (base + size > mod_hi)
			mod_hi = base + size;
	}
	if (f)
		fclose(f);
	return mod_hi > mod_lo && mod_lo;
}

/*
 * Collect, in this (the forking) thread, the coverage of kernel threads
 * that run on behalf of its descendants: KCOV_REMOTE_ENABLE with a common
 * handle, which tasks forked from here inherit.
 */
static void kcov_remote_setup(void)
{
	struct kcov_remote_arg arg = {
		.trace_mode = KCOV_TRACE_PC,
		.area_size = KCOV_REMOTE_WORDS,
		.common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON,
						    (uint32_t)getpid()),
	};
	int fd = open(KCOV_PATH, O_RDWR);
	void *area = MAP_FAILED;

	if (fd < 0 || ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS))
		goto err;
	area = mmap(NULL, KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (area == MAP_FAILED || ioctl(fd, KCOV_REMOTE_ENABLE, &arg))
		goto err;
	kcov_remote_area = area;
	printf("uaccel-fuzz: kcov: remote coverage of kernel threads on, common handle 0x%llx\n",
	       (unsigned long long)arg.common_handle);
	return;
err:
	printf("uaccel-fuzz: kcov: remote coverage off: %s\n", strerror(errno));
	if (area != MAP_FAILED)
		munmap(area, KCOV_WORDS * sizeof(uint64_t));
	if (fd >= 0)
		close(fd);
}

static void kcov_setup(void)
{
	int fd = open(KCOV_PATH, O_RDWR);

	if (fd < 0) {
		printf("uaccel-fuzz: kcov: %s: %s: generation only, no coverage feedback\n",
		       KCOV_PATH, strerror(errno));
		return;
	}
	close(fd);
	if (!module_ranges()) {
		printf("uaccel-fuzz: kcov: no uaccel module addresses in /proc/modules: generation only\n");
		return;
	}
	pc_set = calloc(pc_set_size, sizeof(*pc_set));
	opt.kcov = pc_set != NULL;
	printf("uaccel-fuzz: kcov: on, uaccel modules at 0x%" PRIx64 "-0x%" PRIx64 "\n",
	       mod_lo, mod_hi);
	if (opt.kcov)
		kcov_remote_setup();
}

/*
 * "module NAME TEXT" lines (the .text address of each uaccel module), then
 * one PC per line: tests/fuzz/run-fuzz.sh turns them into functions.
 */
static void write_cover(const char *path)
{
	FILE *f = fopen(path, "w"), *m = fopen("/proc/modules", "r");
	char line[512], name[128], sec[256];

	if (!f) {
		fprintf(stderr, "uaccel-fuzz: %s: %s\n", path, strerror(errno));
		if (m)
			fclose(m);
		return;
	}
	while (m && fgets(line, sizeof(line), m)) {
		uint64_t text;

		if (sscanf(line, "%127s", name) != 1 || strncmp(name, "uaccel_", 7))
			continue;
		snprintf(sec, sizeof(sec), "/sys/module/%s/sections/.text", name);
		if (read_hex_file(sec, &text))
			fprintf(f, "module %s 0x%" PRIx64 "\n", name, text);
	}
	if (m)
		fclose(m);
	for (unsigned int i = 0; i < pc_set_size; i++)
		if (pc_set[i])
			fprintf(f, "0x%" PRIx64 "\n", pc_set[i]);
	fclose(f);
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uaccel-fuzz [options]\n"
		"  --seed N            random seed (default: time)\n"
		"  --iterations N      stop after N programs\n"
		"  --duration S        stop after S seconds\n"
		"  --program FILE      replay FILE (repeatable) instead of fuzzing\n"
		"  --rounds N          replay each program N times (default 1)\n"
		"  --user UID          run programs as UID (and GID UID), unprivileged\n"
		"  --no-sysfs          no sysfs writes (rename, exclusive, new/delete_device)\n"
		"                      nor netlink DEV_SET\n"
		"  --no-threads        no calls on worker threads\n"
		"  --edu               generate edu DMA commands too\n"
		"  --uring             run every other command through io_uring\n"
		"                      (IORING_OP_URING_CMD) instead of ioctl(),\n"
		"                      half of those inline in the SQE\n"
		"  --kick S            interrupt a call blocked S seconds (default 1)\n"
		"  --hang S            a call blocked S seconds is a hang (default 60)\n"
		"  --crash-dir DIR     where findings go (default: crashes)\n"
		"  --corpus-dir DIR    save programs reaching new coverage there\n"
		"  --cover-file FILE   with KCOV: write the modules' .text addresses and\n"
		"                      the PCs reached to FILE at the end\n"
		"  --inject-report CALL  log a fake WARNING after every CALL (dup, fork...):\n"
		"                      a test of the finding, minimising and saving path\n"
		"  --print N           print N generated programs and exit\n"
		"  --selfcheck         check the uAPI description and the text form, exit\n"
		"  --list-cmds         print the uAPI macros the description covers, exit\n"
		"  -v                  print every call's result\n");
}

static int selfcheck(void)
{
	struct fz_gen_opts o = { .sysfs = true, .threads = true, .edu = true };
	int bad = fz_desc_selfcheck();

	for (int i = 0; i < 2000 && !bad; i++) {
		struct fz_prog p, q;
		char *t1 = NULL, *t2 = NULL, err[256];
		size_t l1, l2;
		FILE *f;

		fz_generate(&p, &o);
		for (int m = 0; m < i % 5; m++)
			fz_mutate(&p, &o);
		f = open_memstream(&t1, &l1);
		fz_prog_write(f, &p);
		fclose(f);
		if (fz_prog_parse(t1, &q, err, sizeof(err))) {
			fprintf(stderr, "program %d does not parse back: %s\n%s", i, err, t1);
			bad = 1;
		} else {
			f = open_memstream(&t2, &l2);
			fz_prog_write(f, &q);
			fclose(f);
			if (strcmp(t1, t2)) {
				fprintf(stderr, "program %d changes when parsed:\n%s---\n%s", i, t1, t2);
				bad = 1;
			}
		}
		free(t1);
		free(t2);
	}
	printf("%s - uaccel-fuzz: %u commands described, programs round-trip\n",
	       bad ? "not ok" : "ok", fz_nr_cmds);
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "program", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-sysfs", no_argument, NULL, 'S' },
		{ "no-threads", no_argument, NULL, 'T' },
		{ "edu", no_argument, NULL, 'e' },
		{ "uring", no_argument, NULL, 'U' },
		{ "kick", required_argument, NULL, 'k' },
		{ "hang", required_argument, NULL, 'H' },
		{ "crash-dir", required_argument, NULL, 'c' },
		{ "corpus-dir", required_argument, NULL, 'C' },
		{ "cover-file", required_argument, NULL, 'F' },
		{ "inject-report", required_argument, NULL, 'I' },
		{ "print", required_argument, NULL, 'P' },
		{ "selfcheck", no_argument, NULL, 'X' },
		{ "list-cmds", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fz_gen_opts go;
	static struct fz_prog corpus[512];
	unsigned int ncorpus = 0;
	long print = -1, execs = 0;
	bool have_seed = false;
	uint64_t t0;
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'i':
			opt.iterations = strtol(optarg, NULL, 0);
			break;
		case 'd':
			opt.duration = strtod(optarg, NULL);
			break;
		case 'p':
			opt.replay = realloc(opt.replay, sizeof(char *) * (size_t)(opt.nr_replay + 1));
			opt.replay[opt.nr_replay++] = optarg;
			break;
		case 'R':
			opt.replay_rounds = atoi(optarg);
			break;
		case 'u':
			opt.user = atoi(optarg);
			break;
		case 'S':
			opt.sysfs = false;
			break;
		case 'T':
			opt.threads = false;
			break;
		case 'e':
			opt.edu = true;
			break;
		case 'k':
			opt.kick_s = strtod(optarg, NULL);
			break;
		case 'U':
#ifdef HAVE_LIBURING
			opt.uring = true;
			break;
#else
			fprintf(stderr, "uaccel-fuzz: built without liburing-dev\n");
			return 2;
#endif
		case 'H':
			opt.hang_s = strtod(optarg, NULL);
			break;
		case 'c':
			opt.crash_dir = optarg;
			break;
		case 'C':
			opt.corpus_dir = optarg;
			break;
		case 'F':
			opt.cover_file = optarg;
			break;
		case 'I':
			for (int t = 0; t < FZ_NR_CALL_TYPES; t++)
				if (!strcmp(optarg, fz_call_type_name(t)))
					opt.inject = t;
			break;
		case 'P':
			print = strtol(optarg, NULL, 0);
			break;
		case 'X':
			return selfcheck();
		case 'L':
			for (unsigned int i = 0; i < fz_nr_cmds; i++)
				printf("%s\n", fz_cmds[i].macro);
			return 0;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_seed)
		opt.seed = (uint64_t)time(NULL);
	fz_srand(opt.seed);
	if (opt.user >= 0 || geteuid() != 0)
		opt.sysfs = opt.sysfs && opt.user < 0 && geteuid() == 0;
	go = (struct fz_gen_opts){ .sysfs = opt.sysfs, .threads = opt.threads, .edu = opt.edu };
	if (print >= 0) {
		for (long i = 0; i < print; i++) {
			struct fz_prog p;

			fz_generate(&p, &go);
			printf("# program %ld\n", i);
			fz_prog_write(stdout, &p);
		}
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	arena_init();
	list_names(orig_names, &nr_orig, 16);
	kmsg_init();
	reset_devices();

	if (opt.nr_replay) {
		int bad = 0;

		for (int r = 0; r < opt.nr_replay; r++) {
			static struct fz_prog p;
			char err[256];

			if (fz_prog_load(opt.replay[r], &p, err, sizeof(err))) {
				printf("not ok %d - %s\n", r + 1, err);
				bad = 1;
				continue;
			}
			for (int k = 0; k < opt.replay_rounds; k++) {
				enum outcome o = run_and_check(&p);

				if (o != RUN_OK) {
					printf("not ok %d - %s: %s\n", r + 1, opt.replay[r],
					       o == RUN_REPORT ? "kernel report" :
					       o == RUN_EXEC_ERROR ? sh->note : "hang");
					if (o == RUN_REPORT)
						printf("%s", report);
					if (o == RUN_HANG || o == RUN_STUCK)
						printf("%s\n%s\n", sh->note, hang_info);
					bad = 1;
					if (o == RUN_STUCK)
						return 1;
					break;
				}
				if (k == opt.replay_rounds - 1)
					printf("ok %d - %s (%u calls%s)\n", r + 1, opt.replay[r],
					       p.n, opt.user >= 0 ? ", unprivileged" : "");
			}
		}
		return bad;
	}

	kcov_setup();
	printf("uaccel-fuzz: seed %" PRIu64 ", %s, sysfs %s, threads %s\n", opt.seed,
	       opt.user >= 0 ? "unprivileged" : "as root", opt.sysfs ? "on" : "off",
	       opt.threads ? "on" : "off");
	t0 = now_ns();
	for (uint64_t last = t0;;) {
		static struct fz_prog p;
		double el = (double)(now_ns() - t0) / 1e9;
		enum outcome o;

		if ((opt.iterations >= 0 && execs >= opt.iterations) ||
		    (opt.duration > 0 && el >= opt.duration))
			break;
		if (opt.kcov && ncorpus && fz_rand() % 100 < 70) {
			p = corpus[fz_rand() % ncorpus];
			for (int m = 1 + (int)(fz_rand() % 3); m > 0; m--)
				fz_mutate(&p, &go);
		} else {
			fz_generate(&p, &go);
		}
		o = run_and_check(&p);
		execs++;
		if (o == RUN_STUCK) {
			snprintf(report, sizeof(report), "%s", sh->note);
			save_finding(&p, "hang-unkillable", hang_info, false);
			printf("uaccel-fuzz: FINDING: a call is stuck and its process cannot be killed\n");
			return 1;
		}
		if (o != RUN_OK)
			return finding(&p, o);
		if (opt.kcov && merge_pcs()) {
			if (ncorpus < sizeof(corpus) / sizeof(corpus[0]))
				corpus[ncorpus++] = p;
			else
				corpus[fz_rand() % ncorpus] = p;
			if (opt.corpus_dir) {
				char path[1024];
				FILE *f;

				mkdir(opt.corpus_dir, 0755);
				snprintf(path, sizeof(path), "%s/cov-%" PRIu64 "-%ld.prog",
					 opt.corpus_dir, opt.seed, execs);
				f = fopen(path, "w");
				if (f) {
					fz_prog_write(f, &p);
					fclose(f);
				}
			}
		}
		if (now_ns() - last > 10000000000ULL) {
			last = now_ns();
			el = (double)(last - t0) / 1e9;
			printf("uaccel-fuzz: %.0fs: %ld execs (%.1f/s), %" PRIu64 " calls (%.1f/s)",
			       el, execs, (double)execs / el, (uint64_t)atomic_load(&sh->calls),
			       (double)atomic_load(&sh->calls) / el);
			if (opt.kcov)
				printf(", %u PCs (%u first from kernel threads), corpus %u",
				       pcs_seen, pcs_remote, ncorpus);
			printf("\n");
		}
	}
	if (opt.kcov && opt.cover_file)
		write_cover(opt.cover_file);
	{
		double el = (double)(now_ns() - t0) / 1e9;

		printf("uaccel-fuzz: done: %ld execs in %.0fs (%.2f/s), %" PRIu64 " calls (%.1f/s)%s",
		       execs, el, (double)execs / (el > 0 ? el : 1),
		       (uint64_t)atomic_load(&sh->calls),
		       (double)atomic_load(&sh->calls) / (el > 0 ? el : 1),
		       opt.kcov ? "" : ", no coverage (generation only)");
		if (opt.kcov)
			printf(", %u PCs of the uaccel modules (%u first from kernel threads), corpus %u",
			       pcs_seen, pcs_remote, ncorpus);
		printf(", no finding\n");
		printf("uaccel-fuzz: calls that succeeded/made:");
		for (unsigned int k = 0; k < fz_nr_cmds + FZ_NR_CALL_TYPES && k < 64; k++) {
			if (k == fz_nr_cmds + FZ_IOCTL)
				continue;
			printf(" %s %u/%u", k < fz_nr_cmds ? fz_cmds[k].name :
			       fz_call_type_name((int)(k - fz_nr_cmds)),
			       atomic_load(&sh->succeeded[k]), atomic_load(&sh->made[k]));
		}
		printf("\n");
	}
	return 0;
}
