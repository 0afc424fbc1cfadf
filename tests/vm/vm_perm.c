// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The permission model beyond node modes: exclusive devices and facets,
 * fork() (pinned MRs, ring mappings, inherited contexts), containers (a
 * mount namespace without the node, a cgroup v2 device program) and
 * renaming.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV "permtest0"
#define DEV2 "permtest1"
#define CLASS "/sys/class/uaccel/"

static int try_open(const char *name)
{
	char node[256];
	int fd;

	vm_device_node(name, node, sizeof(node));
	fd = open(node, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* sysfs "exclusive": one context at a time, the holder's release frees it. */
static void test_exclusive_device(void **state)
{
	struct accel_context *ctx;
	char buf[8];
	int a, b, f, fd;
	pid_t pid;

	a = try_open(DEV);
	b = try_open(DEV);
	assert_true(a >= 0 && b >= 0);
	/* Two contexts open: it cannot become exclusive. */
	assert_int_equal(vm_sysfs_write(CLASS DEV "/exclusive", "1"), -EBUSY);
	close(b);
	assert_int_equal(vm_sysfs_write(CLASS DEV "/exclusive", "1"), 0);
	fd = open(CLASS DEV "/exclusive", O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "1\n", 2);
	close(fd);

	/* The holder is the one open context; everybody else gets EBUSY. */
	assert_int_equal(try_open(DEV), -EBUSY);
	errno = 0;
	assert_null(accel_open_device_by_name(DEV));
	assert_int_equal(errno, EBUSY);
	assert_non_null(strstr(accel_error_message(), DEV ": the device is in exclusive use"));
	/* Another device is not affected. */
	fd = try_open(DEV2);
	assert_true(fd >= 0);
	close(fd);

	/* A facet fd keeps the holder's context: still busy after its close. */
	f = vm_get_facet(a, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(f >= 0);
	close(a);
	assert_int_equal(try_open(DEV), -EBUSY);
	close(f);
	ctx = accel_open_device_by_name(DEV);
	assert_non_null(ctx);
	assert_int_equal(try_open(DEV), -EBUSY);
	accel_close_device(ctx);

	/* Bad values; back to shared. */
	assert_int_equal(vm_sysfs_write(CLASS DEV "/exclusive", "2"), -EINVAL);
	assert_int_equal(vm_sysfs_write(CLASS DEV "/exclusive", "maybe"), -EINVAL);
	assert_int_equal(vm_sysfs_write(CLASS DEV "/exclusive", "0"), 0);
	a = try_open(DEV);
	b = try_open(DEV);
	assert_true(a >= 0 && b >= 0);
	close(a);
	close(b);

	/* Only root sets it. */
	pid = vm_fork();
	if (!pid) {
		vm_become_user(65534);
		_exit(vm_sysfs_write(CLASS DEV "/exclusive", "1") == -EACCES ? 0 : 11);
	}
	vm_wait_ok(pid);
}

/* An exclusive facet (the soft debug facet): one fd per device. */
static void test_exclusive_facet(void **state)
{
	static const struct accel_facet_req dbg = { UACCEL_SOFT_DEBUG_FACET, 1, 1 };
	struct uaccel_get_driver_ops_fd req = {
		.size = sizeof(req), .min_version = 1, .max_version = 1,
		.name = UACCEL_SOFT_DEBUG_FACET,
	};
	struct accel_context *ctx;
	int a, b, f, g, other;
	void *ro;

	a = try_open(DEV);
	b = try_open(DEV);
	other = try_open(DEV2);
	assert_true(a >= 0 && b >= 0 && other >= 0);
	f = vm_get_facet(a, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL);
	assert_true(f >= 0);
	/* Busy for every context of the device, the holder's too ... */
	assert_int_equal(vm_get_facet(a, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL), -EBUSY);
	assert_int_equal(vm_get_facet(b, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL), -EBUSY);
	ctx = accel_open_device_by_name(DEV);
	assert_non_null(ctx);
	assert_int_equal(accel_get_facet(ctx, &dbg, 1, 0, NULL, NULL), -EBUSY);
	assert_non_null(strstr(accel_error_message(),
			       "facet " UACCEL_SOFT_DEBUG_FACET " is single-user"));
	/* ... not for other facets, nor on another device. */
	g = vm_get_facet(b, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(g >= 0);
	close(g);
	g = vm_get_facet(other, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL);
	assert_true(g >= 0);
	close(g);

	/* The holder's close frees it, even with its context gone before. */
	close(a);
	assert_int_equal(vm_get_facet(b, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL), -EBUSY);
	close(f);
	f = vm_get_facet(b, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL);
	assert_true(f >= 0);
	close(f);

	/*
	 * A request that fails after taking the hold gives it back: the
	 * reply cannot be written to a read-only request.
	 */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	memcpy(ro, &req, sizeof(req));
	assert_int_equal(mprotect(ro, 4096, PROT_READ), 0);
	assert_int_equal(vm_ioctl(b, UACCEL_IOCTL_GET_DRIVER_OPS_FD, ro), -EFAULT);
	munmap(ro, 4096);
	f = vm_get_facet(b, UACCEL_SOFT_DEBUG_FACET, 1, 2, 0, NULL);
	assert_true(f >= 0);
	close(f);
	accel_close_device(ctx);
	close(b);
	close(other);
}

/*
 * Pages pinned for the device stay with the parent: the child writes its
 * own copy, the device reads and writes the parent's.
 */
static void test_fork_keeps_pinned_pages_with_parent(void **state)
{
	const size_t len = 3 * 4096;
	struct uaccel_soft_dma_copy cp = { .size = sizeof(cp), .length = len };
	struct accel_context *ctx = accel_open_device_by_name(DEV);
	struct accel_mr *mbuf, *mdst;
	int to_child[2], to_parent[2], f;
	struct accel_pd *pd;
	char *buf, *dst, c;
	pid_t pid;

	assert_non_null(ctx);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED && dst != MAP_FAILED);
	memset(buf, 'P', len);
	pd = accel_alloc_pd(ctx);
	mbuf = accel_reg_mr(pd, buf, len, ACCEL_ACCESS_WRITE);
	mdst = accel_reg_mr(pd, dst, len, ACCEL_ACCESS_WRITE);
	assert_non_null(mbuf);
	assert_non_null(mdst);
	f = vm_open_facet(accel_context_fd(ctx), UACCEL_SOFT_DMA_FACET);
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);

	pid = vm_fork();
	if (!pid) {
		memset(buf, 'C', len);
		if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(10);
		/* The device wrote the parent's buffer meanwhile, not this one. */
		for (size_t i = 0; i < len; i++)
			if (buf[i] != 'C')
				_exit(11);
		_exit(0);
	}
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	/* The device reads the parent's data, not what the child wrote. */
	cp.src_mr = accel_mr_id(mbuf);
	cp.dst_mr = accel_mr_id(mdst);
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 0);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(dst[i], 'P');
	/* And writes where the parent sees it. */
	memset(dst, 'D', len);
	cp.src_mr = accel_mr_id(mdst);
	cp.dst_mr = accel_mr_id(mbuf);
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 0);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], 'D');
	assert_int_equal(write(to_child[1], "g", 1), 1);
	vm_wait_ok(pid);

	close(f);
	accel_close_device(ctx);
	free(mbuf);
	free(mdst);
	free(pd);
	munmap(buf, len);
	munmap(dst, len);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/*
 * Ring mappings are not inherited: the child faults (SIGSEGV) on the
 * address.  MADV_DOFORK is the explicit way to share one.  The inherited
 * context fd is the same context: an object the child creates is the
 * parent's to destroy.
 */
static void test_fork_rings_and_context(void **state)
{
	struct uaccel_create_cq c = { .size = sizeof(c), .entries = 4 };
	struct uaccel_alloc_pd a = { .size = sizeof(a) };
	struct uaccel_destroy d = { .size = sizeof(d) };
	volatile struct uaccel_ring_header *ring;
	int fd = try_open(DEV), p[2], status;
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &c), 0);
	ring = mmap(NULL, c.out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    c.out_mmap_offset);
	assert_true(ring != MAP_FAILED);
	assert_int_equal(ring->head, 0);

	pid = vm_fork();
	if (!pid) {
		signal(SIGSEGV, SIG_DFL);	/* not cmocka's handler */
		_exit(ring->head == 0 ? 10 : 11);	/* faults */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	assert_int_equal(ring->tail, 0);	/* still mapped here */

	/* The debug kernel has no madvise() (ENOSYS). */
	if (!madvise((void *)ring, c.out_mmap_size, MADV_DOFORK)) {
		pid = vm_fork();
		if (!pid)
			_exit(ring->head == 0 ? 0 : 11);
		vm_wait_ok(pid);
	} else {
		assert_int_equal(errno, ENOSYS);
	}

	/* The child allocates in the inherited context ... */
	assert_int_equal(pipe(p), 0);
	pid = vm_fork();
	if (!pid) {
		if (vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &a) ||
		    write(p[1], &a.out_pd_id, sizeof(a.out_pd_id)) != sizeof(a.out_pd_id))
			_exit(10);
		_exit(0);
	}
	vm_wait_ok(pid);
	assert_int_equal(read(p[0], &d.id, sizeof(d.id)), sizeof(d.id));
	/* ... and the object stays after it exits, the parent's to destroy. */
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), -ENOENT);
	close(p[0]);
	close(p[1]);
	munmap((void *)ring, c.out_mmap_size);
	close(fd);
}

static bool listed(const char *name)
{
	struct accel_device **list = accel_get_device_list(NULL);
	bool found = false;

	assert_non_null(list);
	for (struct accel_device **d = list; *d; d++)
		if (!strcmp(accel_device_name(*d), name))
			found = true;
	accel_free_device_list(list);
	return found;
}

/* The node of device @name into @node; returns its device number. */
static dev_t node_of(const char *name, char *node, size_t len)
{
	struct stat st;

	vm_device_node(name, node, len);
	assert_int_equal(stat(node, &st), 0);
	return st.st_rdev;
}

/*
 * This (child) process gets a mount namespace whose /dev/uaccel has only
 * a node of device @rdev at @node: 0, or -1.
 */
static int private_dev_uaccel(const char *node, dev_t rdev)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/dev/uaccel", "tmpfs", 0, "mode=0755") ||
	    mknod(node, S_IFCHR | 0600, rdev))
		return -1;
	return 0;
}

/* What libaccel says of DEV when its @node is device @have, not @want. */
static void wrong_node_message(char *buf, size_t len, const char *node, dev_t have,
			       dev_t want, const char *why)
{
	snprintf(buf, len, DEV ": %s is device %u:%u, not %u:%u%s", node, major(have),
		 minor(have), major(want), minor(want), why);
}

/* A mount namespace whose /dev/uaccel has one of the two nodes. */
static void test_listing_in_mount_namespace(void **state)
{
	char node[256];
	dev_t rdev = node_of(DEV2, node, sizeof(node));
	pid_t pid;

	pid = vm_fork();
	if (!pid) {
		struct accel_context *ctx;

		if (private_dev_uaccel(node, rdev))
			_exit(10);
		if (listed(DEV) || !listed(DEV2))
			_exit(11);
		errno = 0;
		if (accel_open_device_by_name(DEV) || errno != ENODEV)
			_exit(12);
		ctx = accel_open_device_by_name(DEV2);
		if (!ctx)
			_exit(13);
		accel_close_device(ctx);
		_exit(0);
	}
	vm_wait_ok(pid);
	assert_true(listed(DEV));
}

/* The node libaccel lists for @name into buf; false when it is not listed. */
static bool listed_node(const char *name, char *buf, size_t len)
{
	struct accel_device **list = accel_get_device_list(NULL);
	bool found = false;

	if (!list)
		return false;
	for (struct accel_device **d = list; *d; d++) {
		if (!strcmp(accel_device_name(*d), name)) {
			snprintf(buf, len, "%s", accel_device_node(*d));
			found = true;
		}
	}
	accel_free_device_list(list);
	return found;
}

/*
 * Every listed device opens as itself: the context's QUERY_DEVICE names
 * the device it was opened for.  0, or the exit code of the first failure.
 */
static int every_listed_device_is_itself(int code)
{
	struct accel_device **list = accel_get_device_list(NULL);

	if (!list)
		return code;
	for (struct accel_device **d = list; *d; d++) {
		struct uaccel_query_device q = { .size = sizeof(q) };
		struct accel_context *ctx = accel_open_device(*d);
		bool same;

		if (!ctx)
			continue;	/* not ours to judge: only a wrong device counts */
		same = !vm_ioctl(accel_context_fd(ctx), UACCEL_IOCTL_QUERY_DEVICE, &q) &&
		       !strcmp((char *)q.name, accel_device_name(*d));
		accel_close_device(ctx);
		if (!same) {
			accel_free_device_list(list);
			return code;
		}
	}
	accel_free_device_list(list);
	return 0;
}

/* A context by name that is that device: 0, else @code. */
static int opens_as_itself(const char *name, int code)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct accel_context *ctx = accel_open_device_by_name(name);
	bool same;

	if (!ctx)
		return code;
	same = !vm_ioctl(accel_context_fd(ctx), UACCEL_IOCTL_QUERY_DEVICE, &q) &&
	       !strcmp((char *)q.name, name);
	accel_close_device(ctx);
	return same ? 0 : code + 1;
}

/*
 * A namespace whose node path of DEV holds DEV2's number, what
 * "docker --device /dev/uaccel/uaccel2:/dev/uaccel/uaccel0" makes: DEV is
 * not listed (its number has no node) and never opens as DEV2; DEV2 is
 * listed at that path, the node of its number.
 */
static void test_other_devices_node_at_the_path(void **state)
{
	char node[256], node2[256], msg[512];
	dev_t rdev = node_of(DEV, node, sizeof(node));
	dev_t rdev2 = node_of(DEV2, node2, sizeof(node2));
	pid_t pid;

	wrong_node_message(msg, sizeof(msg), node, rdev2, rdev,
			   ", and no node in /dev/uaccel has that number");
	pid = vm_fork();
	if (!pid) {
		char found[256];
		int ret;

		if (private_dev_uaccel(node, rdev2))
			_exit(10);
		if (listed(DEV))
			_exit(11);
		if (!listed_node(DEV2, found, sizeof(found)) || strcmp(found, node))
			_exit(12);
		errno = 0;
		if (accel_open_device_by_name(DEV) || errno != ENODEV)
			_exit(13);
		if (strcmp(accel_error_message(), msg))
			_exit(14);
		ret = opens_as_itself(DEV2, 15);
		if (ret)
			_exit(ret);
		_exit(every_listed_device_is_itself(17));
	}
	vm_wait_ok(pid);
}

/* DEV's node under another file name in /dev/uaccel is found and opened. */
static void test_node_under_another_name(void **state)
{
	char node[256], node2[256];
	dev_t rdev = node_of(DEV, node, sizeof(node));
	dev_t rdev2 = node_of(DEV2, node2, sizeof(node2));
	pid_t pid;

	pid = vm_fork();
	if (!pid) {
		char found[256];
		int ret;

		/* DEV2's node where DEV's belongs, DEV's under another name. */
		if (private_dev_uaccel(node, rdev2) ||
		    mknod("/dev/uaccel/permtest-node", S_IFCHR | 0600, rdev))
			_exit(10);
		if (!listed_node(DEV, found, sizeof(found)) ||
		    strcmp(found, "/dev/uaccel/permtest-node"))
			_exit(11);
		if (!listed_node(DEV2, found, sizeof(found)) || strcmp(found, node))
			_exit(12);
		ret = opens_as_itself(DEV, 13);
		if (!ret)
			ret = opens_as_itself(DEV2, 15);
		if (!ret)
			ret = every_listed_device_is_itself(17);
		_exit(ret);
	}
	vm_wait_ok(pid);
}

/*
 * A node replaced by another device's between the listing and the open:
 * ENODEV and why, no context on the other device.
 */
static void test_node_swapped_after_listing(void **state)
{
	char node[256], node2[256], msg[512];
	dev_t rdev = node_of(DEV, node, sizeof(node));
	dev_t rdev2 = node_of(DEV2, node2, sizeof(node2));
	pid_t pid;

	wrong_node_message(msg, sizeof(msg), node, rdev2, rdev,
			   ": the node changed since the device was listed");
	pid = vm_fork();
	if (!pid) {
		struct accel_device **list, **d;
		struct accel_context *ctx;

		if (private_dev_uaccel(node, rdev))
			_exit(10);
		list = accel_get_device_list(NULL);
		if (!list)
			_exit(11);
		for (d = list; *d && strcmp(accel_device_name(*d), DEV); d++)
			;
		if (!*d)
			_exit(12);
		ctx = accel_open_device(*d);
		if (!ctx)
			_exit(13);
		accel_close_device(ctx);
		if (unlink(node) || mknod(node, S_IFCHR | 0600, rdev2))
			_exit(14);
		errno = 0;
		if (accel_open_device(*d) || errno != ENODEV)
			_exit(15);
		if (strcmp(accel_error_message(), msg))
			_exit(16);
		accel_free_device_list(list);
		_exit(0);
	}
	vm_wait_ok(pid);
	/* The teardown's counters: no context was left on DEV2. */
}

/* A cgroup v2 device program that denies one device node: r0 = allow. */
static int load_deny_program(unsigned int major, unsigned int minor)
{
	struct bpf_insn prog[] = {
		/* r2 = ctx->major; if r2 != major goto allow */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1,
		  .off = offsetof(struct bpf_cgroup_dev_ctx, major) },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 2, .off = 4, .imm = major },
		/* r2 = ctx->minor; if r2 != minor goto allow */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1,
		  .off = offsetof(struct bpf_cgroup_dev_ctx, minor) },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 2, .off = 2, .imm = minor },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
		/* allow: */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
		.insns = (uintptr_t)prog,
		.insn_cnt = sizeof(prog) / sizeof(prog[0]),
		.license = (uintptr_t)"GPL",
	};

	return syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

#define CGROOT "/sys/fs/cgroup"
#define CGDIR CGROOT "/uaccel-perm"

/* A process in a cgroup whose device program denies DEV's node. */
static void test_listing_in_device_cgroup(void **state)
{
	union bpf_attr attach = { .attach_type = BPF_CGROUP_DEVICE };
	char node[256], pid_text[16];
	int prog, cg, fd;
	dev_t rdev;
	pid_t pid;

	if (access(CGROOT "/cgroup.procs", F_OK) &&
	    mount("cgroup2", CGROOT, "cgroup2", 0, NULL)) {
		/* The debug kernel is built without cgroups. */
		assert_true(errno == ENOENT || errno == ENODEV);
		skip();
	}
	rdev = node_of(DEV, node, sizeof(node));
	prog = load_deny_program(major(rdev), minor(rdev));
	assert_true(prog >= 0);
	assert_int_equal(mkdir(CGDIR, 0755), 0);
	cg = open(CGDIR, O_RDONLY | O_DIRECTORY);
	assert_true(cg >= 0);
	attach.target_fd = cg;
	attach.attach_bpf_fd = prog;
	assert_int_equal(syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)), 0);

	pid = vm_fork();
	if (!pid) {
		snprintf(pid_text, sizeof(pid_text), "%d", getpid());
		if (vm_sysfs_write(CGDIR "/cgroup.procs", pid_text))
			_exit(10);
		if (listed(DEV) || !listed(DEV2))
			_exit(11);
		fd = open(node, O_RDWR);
		if (fd >= 0 || errno != EPERM)
			_exit(12);
		_exit(0);
	}
	vm_wait_ok(pid);
	/* Outside the cgroup nothing changed. */
	assert_true(listed(DEV));
	fd = try_open(DEV);
	assert_true(fd >= 0);
	close(fd);
	close(cg);
	close(prog);
	assert_int_equal(rmdir(CGDIR), 0);
}

static void read_name(const char *dir, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CLASS "%s/name", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n > 0);
	buf[n - 1] = '\0';	/* the newline */
	close(fd);
}

/* sysfs "name": renames with -EEXIST and -EINVAL; open files follow. */
static void test_rename(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	static const char *const bad[] = {
		"\n", "a/b", "a b", "-lead", "tab\tname", "x%d",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	char name[80], node[256], node2[256];
	struct accel_context *ctx;
	int fd = try_open(DEV), f;

	assert_true(fd >= 0);
	vm_device_node(DEV, node, sizeof(node));
	assert_int_equal(vm_sysfs_write(CLASS DEV "/name", "permren0\n"), 0);
	assert_int_equal(access(CLASS DEV, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	read_name("permren0", name, sizeof(name));
	assert_string_equal(name, "permren0");
	/* Same node, same context: the context reports the new name. */
	vm_device_node("permren0", node2, sizeof(node2));
	assert_string_equal(node, node2);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	assert_string_equal((char *)q.name, "permren0");
	f = vm_open_facet(fd, UACCEL_SOFT_DMA_FACET);
	close(f);
	/* libaccel finds it under the new name only. */
	ctx = accel_open_device_by_name("permren0");
	assert_non_null(ctx);
	accel_close_device(ctx);
	errno = 0;
	assert_null(accel_open_device_by_name(DEV));
	assert_int_equal(errno, ENODEV);

	/* Taken, malformed, unchanged. */
	assert_int_equal(vm_sysfs_write(CLASS "permren0/name", DEV2), -EEXIST);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vm_sysfs_write(CLASS "permren0/name", bad[i]), -EINVAL);
	assert_int_equal(vm_sysfs_write(CLASS "permren0/name", "permren0"), 0);
	/* The longest name there is: 63 bytes. */
	assert_int_equal(vm_sysfs_write(CLASS "permren0/name",
		"p12345678901234567890123456789012345678901234567890123456789012"), 0);
	assert_int_equal(vm_sysfs_write(CLASS
		"p12345678901234567890123456789012345678901234567890123456789012/name",
		"permren0"), 0);

	/* A recovered device comes back under the name it had. */
	{
		struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
		struct uaccel_event ev;
		int dbg = vm_open_facet(fd, UACCEL_SOFT_DEBUG_FACET);

		assert_int_equal(vm_ioctl(dbg, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);
		assert_int_equal(read(fd, &ev, sizeof(ev)), sizeof(ev));
		assert_int_equal(ev.type, UACCEL_EVENT_DEVICE_REMOVED);
		close(dbg);
		close(fd);
		assert_int_equal(vm_wait_device("permren0", VM_DEVICE_WAIT_S), 0);
	}
	assert_int_equal(vm_sysfs_write(CLASS "permren0/name", DEV), 0);
	read_name(DEV, name, sizeof(name));
	assert_string_equal(name, DEV);
}

/*
 * Whatever test_rename stopped at, the device gets its name back: the
 * group teardown and every later test look for it.
 */
static int rename_restore(void **state)
{
	static const char *const names[] = {
		"permren0",
		"p12345678901234567890123456789012345678901234567890123456789012",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), CLASS "%s/name", names[i]);
		if (access(CLASS DEV, F_OK) && access(path, F_OK) == 0)
			vm_sysfs_write(path, DEV);
	}
	return vm_wait_device(DEV, VM_DEVICE_WAIT_S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclusive_device),
		cmocka_unit_test(test_exclusive_facet),
		cmocka_unit_test(test_fork_keeps_pinned_pages_with_parent),
		cmocka_unit_test(test_fork_rings_and_context),
		cmocka_unit_test(test_listing_in_mount_namespace),
		cmocka_unit_test(test_other_devices_node_at_the_path),
		cmocka_unit_test(test_node_under_another_name),
		cmocka_unit_test(test_node_swapped_after_listing),
		cmocka_unit_test(test_listing_in_device_cgroup),
		cmocka_unit_test_teardown(test_rename, rename_restore),
	};

	return vm_run_tests("vm_perm", tests, NULL, DEV, DEV2);
}
