// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Helpers shared by the in-VM tests. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/userfaultfd.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uaccel/cipher.h>

#include "vmtest.h"

#ifdef VMTEST_URING
/*
 * VM_IOCTL_PATH=uring: the commands of uaccel files go through io_uring
 * (IORING_OP_URING_CMD) instead of ioctl(), so that a test program checks
 * both entries against the same expectations.  VM_IOCTL_PATH=uring-inline:
 * the same on a ring of 128-byte SQEs, and every command whose structure
 * is readable and at most UACCEL_URING_CMD_INLINE_MAX bytes is carried
 * inline (UACCEL_URING_CMD_INLINE), its reply going to the structure; the
 * others (bad addresses, larger structures) by address.  One ring per
 * thread, and a new one in a forked child (the parent's ring is not its
 * to use).
 */
static __thread struct io_uring vm_ring;
static __thread pid_t vm_ring_pid;
/* 1: by address; 2: inline where it can be. */
static int vm_uring_mode = -1;

static bool vm_uring_wanted(int fd, unsigned long req)
{
	char link[64], target[128];
	ssize_t n;

	if (vm_uring_mode < 0) {
		const char *path = getenv("VM_IOCTL_PATH");

		vm_uring_mode = !path ? 0 : !strcmp(path, "uring") ? 1 :
				!strcmp(path, "uring-inline") ? 2 : 0;
	}
	if (!vm_uring_mode || _IOC_TYPE(req) != UACCEL_IOCTL_TYPE)
		return false;
	/* Only the files that have the entry: contexts and facets. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return !strncmp(target, "/dev/uaccel/", 12) ||
	       !strcmp(target, "anon_inode:[uaccel-facet]");
}

int vm_uring_cmd(struct io_uring *ring, int fd, unsigned long req, void *arg)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	vm_prep_uring_cmd(sqe, fd, req, arg);
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/*
 * The command structure at @arg, when it can be read without a fault
 * (process_vm_readv() of this process reports one as an error) and fits
 * an SQE: its bytes in @buf, and true.
 */
static bool vm_inline_copy(const void *arg, unsigned char *buf)
{
	struct iovec local = { .iov_base = buf, .iov_len = sizeof(uint32_t) };
	struct iovec remote = { .iov_base = (void *)arg, .iov_len = sizeof(uint32_t) };
	uint32_t size;

	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != sizeof(size))
		return false;
	memcpy(&size, buf, sizeof(size));
	if (size < 8 || size > UACCEL_URING_CMD_INLINE_MAX)
		return false;
	local.iov_len = remote.iov_len = size;
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)size;
}

void vm_prep_uring_cmd(struct io_uring_sqe *sqe, int fd, unsigned long req,
		       void *arg)
{
	unsigned char buf[UACCEL_URING_CMD_INLINE_MAX];

	/* A command with a key is refused inline: by address. */
	if (vm_uring_mode == 2 && req != UACCEL_CIPHER_IOCTL_SESSION_CREATE &&
	    vm_inline_copy(arg, buf) &&
	    !accel_prep_cmd_inline(sqe, fd, req, buf, arg))
		return;
	accel_prep_cmd(sqe, fd, req, arg);
	/* By address in a 128-byte SQE: the rest of the area must be 0. */
	if (vm_uring_mode == 2)
		memset((char *)sqe->cmd + sizeof(struct uaccel_uring_cmd), 0,
		       UACCEL_URING_CMD_INLINE_MAX);
}

int vm_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	if (vm_uring_wanted(fd, req)) {
		if (vm_ring_pid != getpid()) {
			memset(&vm_ring, 0, sizeof(vm_ring));
			ret = io_uring_queue_init(4, &vm_ring, vm_uring_mode == 2 ?
						  IORING_SETUP_SQE128 : 0);
			if (ret < 0)
				return ret;
			vm_ring_pid = getpid();
		}
		return vm_uring_cmd(&vm_ring, fd, req, arg);
	}
	ret = ioctl(fd, req, arg);
	return ret < 0 ? -errno : ret;
}
#else
int vm_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}
#endif

void vm_sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		fail_msg("%s: read returned %zd", path, n);
	buf[n] = 0;
}

int vm_sysfs_write(const char *path, const char *text)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

void vm_soft_add(const char *name)
{
	assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/new_device", name), 0);
}

int vm_soft_delete(const char *name)
{
	return vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", name);
}

void vm_soft_del(const char *name)
{
	assert_int_equal(vm_soft_delete(name), 0);
}

void vm_soft_fresh(const char *name)
{
	vm_soft_delete(name);
	vm_soft_add(name);
}

int vm_run(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

bool vm_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

int vm_reload_soft(void)
{
	const char *soft_ko = getenv("UACCEL_SOFT_KO"), *core_ko = getenv("UACCEL_CORE_KO");
	char cmd[1024];

	if (!soft_ko || vm_module_loaded("uaccel_soft"))
		return 0;
	if (core_ko && !vm_module_loaded("uaccel_core")) {
		snprintf(cmd, sizeof(cmd), "insmod '%s'", core_ko);
		if (vm_run(cmd))
			return -1;
	}
	snprintf(cmd, sizeof(cmd), "insmod '%s' num_devices=3", soft_ko);
	return vm_run(cmd) || vm_wait_device("soft0", VM_DEVICE_WAIT_S) ? -1 : 0;
}

void vm_device_node(const char *name, char *buf, size_t len)
{
	struct accel_device **list;
	int i, n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (i = 0; i < n; i++)
		if (!strcmp(accel_device_name(list[i]), name))
			break;
	assert_true(i < n);
	snprintf(buf, len, "%s", accel_device_node(list[i]));
	accel_free_device_list(list);
}

int vm_open_device(const char *name)
{
	char node[256];
	int fd;

	vm_device_node(name, node, sizeof(node));
	fd = open(node, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

long vm_stat_value(const char *key)
{
	FILE *f = fopen("/sys/kernel/debug/uaccel/stats", "re");
	char name[32];
	long v, ret = -1;

	assert_non_null(f);
	while (fscanf(f, "%31s %ld", name, &v) == 2)
		if (!strcmp(name, key))
			ret = v;
	fclose(f);
	return ret;
}

void vm_read_stats(struct vm_stats *st)
{
	FILE *f = fopen("/sys/kernel/debug/uaccel/stats", "re");
	char name[32];
	long v;

	assert_non_null(f);
	memset(st, 0, sizeof(*st));
	while (fscanf(f, "%31s %ld", name, &v) == 2) {
		if (!strcmp(name, "contexts"))
			st->contexts = v;
		else if (!strcmp(name, "facet_files"))
			st->facet_files = v;
		else if (!strcmp(name, "pd"))
			st->pd = v;
		else if (!strcmp(name, "mr"))
			st->mr = v;
		else if (!strcmp(name, "cq"))
			st->cq = v;
		else if (!strcmp(name, "queue"))
			st->queue = v;
		else if (!strcmp(name, "pinned_pages"))
			st->pinned_pages = v;
		else if (!strcmp(name, "dm"))
			st->dm = v;
		else if (!strcmp(name, "dm_buffers"))
			st->dm_buffers = v;
	}
	fclose(f);
}

void vm_assert_stats_equal(const struct vm_stats *base)
{
	struct vm_stats now;

	vm_read_stats(&now);
	assert_int_equal(now.contexts, base->contexts);
	assert_int_equal(now.facet_files, base->facet_files);
	assert_int_equal(now.pd, base->pd);
	assert_int_equal(now.mr, base->mr);
	assert_int_equal(now.cq, base->cq);
	assert_int_equal(now.queue, base->queue);
	assert_int_equal(now.pinned_pages, base->pinned_pages);
	assert_int_equal(now.dm, base->dm);
	assert_int_equal(now.dm_buffers, base->dm_buffers);
}

void vm_check_size_rules(int fd, unsigned long req, const void *valid, size_t size,
			 size_t min_size)
{
	unsigned char buf[512];

	assert_true(size + 8 <= sizeof(buf));
	/* Short. */
	memcpy(buf, valid, size);
	*(uint32_t *)buf = min_size - 1;
	assert_int_equal(vm_ioctl(fd, req, buf), -EINVAL);
	*(uint32_t *)buf = 4;
	assert_int_equal(vm_ioctl(fd, req, buf), -EINVAL);
	/* Longer with a non-zero tail. */
	memcpy(buf, valid, size);
	memset(buf + size, 0, 8);
	buf[size + 7] = 1;
	*(uint32_t *)buf = size + 8;
	assert_int_equal(vm_ioctl(fd, req, buf), -E2BIG);
	/* Unknown flag. */
	memcpy(buf, valid, size);
	((uint32_t *)buf)[1] |= 1U << 31;
	assert_int_equal(vm_ioctl(fd, req, buf), -EOPNOTSUPP);
	/* Bad pointers. */
	assert_int_equal(vm_ioctl(fd, req, NULL), -EFAULT);
	assert_int_equal(vm_ioctl(fd, req, (void *)8), -EFAULT);
}

#define QMP_DIR "/tmp/out/qmp"

bool vm_qmp_available(void)
{
	return !access(QMP_DIR "/ready", F_OK);
}

static int qmp_call(const char *json, bool report)
{
	char buf[4096] = "";
	FILE *f;
	int i;

	if (!vm_qmp_available())
		return -ENOSYS;
	f = fopen(QMP_DIR "/req.tmp", "we");
	if (!f)
		return -errno;
	fputs(json, f);
	fclose(f);
	if (rename(QMP_DIR "/req.tmp", QMP_DIR "/req.json"))
		return -errno;
	for (i = 0; i < 600 && access(QMP_DIR "/rsp.json", F_OK); i++)
		usleep(50000);
	f = fopen(QMP_DIR "/rsp.json", "re");
	if (!f)
		return -ETIMEDOUT;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	unlink(QMP_DIR "/rsp.json");
	if (!strstr(buf, "\"return\"")) {
		if (report)
			fprintf(stderr, "# QMP %s: %s\n", json, buf);
		return -EIO;
	}
	return 0;
}

int vm_qmp(const char *json)
{
	return qmp_call(json, true);
}

int vm_qmp_quiet(const char *json)
{
	return qmp_call(json, false);
}

static __thread sigjmp_buf touch_jmp;
static __thread volatile int touch_armed;

static void on_sigbus(int sig)
{
	if (!touch_armed)
		abort();
	siglongjmp(touch_jmp, 1);
}

void vm_catch_sigbus(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

int vm_touch(const volatile uint32_t *p)
{
	if (sigsetjmp(touch_jmp, 1)) {
		touch_armed = 0;
		return SIGBUS;
	}
	touch_armed = 1;
	(void)*p;
	touch_armed = 0;
	return 0;
}

long vm_pinned_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int vm_get_facet(int fd, const char *name, uint32_t lo, uint32_t hi,
		 uint32_t flags, uint32_t *version)
{
	struct uaccel_get_driver_ops_fd c = {
		.size = sizeof(c), .flags = flags, .min_version = lo, .max_version = hi,
	};
	int ret;

	/* Not NUL-terminated when 64 bytes long: the kernel must refuse it. */
	memcpy(c.name, name, strnlen(name, sizeof(c.name)));
	ret = vm_ioctl(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &c);
	if (ret)
		return ret;
	if (version)
		*version = c.out_version;
	return c.out_fd;
}

int vm_open_facet(int fd, const char *name)
{
	int f = vm_get_facet(fd, name, 1, 1, 0, NULL);

	assert_true(f >= 0);
	return f;
}

double vm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* After a wait for @name ran out: what there is instead, as TAP comments. */
static void vm_print_devices(const char *name)
{
	struct accel_device **list;
	int i, n;

	printf("# device %s did not come back (errno %d); the devices:\n", name, errno);
	list = accel_get_device_list(&n);
	if (!list)
		return;
	for (i = 0; i < n; i++)
		printf("#   %s %s\n", accel_device_name(list[i]),
		       accel_device_node(list[i]));
	accel_free_device_list(list);
	fflush(stdout);
}

int vm_wait_device(const char *name, double timeout_s)
{
	double end = vm_now() + timeout_s;
	struct accel_context *ctx;

	while (vm_now() < end) {
		ctx = accel_open_device_by_name(name);
		if (ctx)
			return accel_close_device(ctx);
		usleep(20000);
	}
	vm_print_devices(name);
	return -ETIMEDOUT;
}

int vm_alloc_pd(int fd, uint32_t *pd)
{
	struct uaccel_alloc_pd c = { .size = sizeof(c) };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &c);

	if (!ret && pd)
		*pd = c.out_pd_id;
	return ret;
}

int vm_reg_mr(int fd, uint32_t pd, const void *addr, uint64_t len, uint32_t flags,
	      uint32_t *mr)
{
	struct uaccel_reg_mr c = {
		.size = sizeof(c), .flags = flags, .pd_id = pd,
		.addr = (uintptr_t)addr, .length = len,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_REG_MR, &c);

	if (!ret && mr)
		*mr = c.out_mr_id;
	return ret;
}

int vm_create_cq(int fd, uint32_t entries, struct uaccel_create_cq *out)
{
	struct uaccel_create_cq c = { .size = sizeof(c), .entries = entries };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &c);

	if (out)
		*out = c;
	return ret;
}

int vm_create_queue(int fd, uint32_t pd, uint32_t cq, uint32_t entries,
		    struct uaccel_create_queue *out)
{
	struct uaccel_create_queue c = {
		.size = sizeof(c), .pd_id = pd, .cq_id = cq, .entries = entries,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &c);

	if (out)
		*out = c;
	return ret;
}

int vm_destroy(int fd, uint32_t id)
{
	struct uaccel_destroy d = { .size = sizeof(d), .id = id };

	return vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d);
}

void vm_become_user(unsigned int id)
{
	if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id))
		vm_child_fail(__FILE__, __LINE__, "vm_become_user()");
}

void vm_child_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "# pid %d: %s:%d: %s failed (errno %d)\n", getpid(), file,
		line, what, errno);
	_exit(1);
}

void vm_wait_ok(int pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child %d killed by signal %d", pid, WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int vm_fork(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	return pid;
}

void vm_limit_memlock(rlim_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	vm_child_check(!setrlimit(RLIMIT_MEMLOCK, &rl));
}

void vm_drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	vm_child_check(!syscall(SYS_capget, &hdr, data));
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	vm_child_check(!syscall(SYS_capset, &hdr, data));
}

int vm_send_fd(int sock, int fd, const void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	n = sendmsg(sock, &msg, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int vm_recv_fd(int sock, void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if ((size_t)n != len || !cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ---- Fixtures ---- */

/* The group of the program: its devices, its counters and its own fixture. */
static struct {
	const char *const *devices;
	struct vm_stats *base, own;
	CMFixtureFunction setup, teardown;
} group;

int vm_check_clean(void **state)
{
	vm_assert_stats_equal(group.base);
	return 0;
}

static int group_setup(void **state)
{
	int ret;

	for (const char *const *d = group.devices; *d; d++)
		vm_soft_add(*d);
	if (group.setup) {
		ret = group.setup(state);
		if (ret)
			return ret;
	}
	vm_read_stats(group.base);
	return 0;
}

static int group_teardown(void **state)
{
	int ret = 0;

	vm_assert_stats_equal(group.base);
	if (group.teardown)
		ret = group.teardown(state);
	for (const char *const *d = group.devices; *d; d++)
		vm_soft_del(*d);
	return ret;
}

/* Whether @name matches one of the comma-separated glob patterns of @pats. */
static bool matches(const char *name, const char *pats)
{
	char copy[1024], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", pats);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (!fnmatch(p, name, 0))
			return true;
	return false;
}

unsigned int vm_scaled(unsigned int n)
{
	const char *env = getenv("VM_SCALE");
	unsigned long div = env ? strtoul(env, NULL, 10) : 1;

	if (!div)
		div = 1;
	return n / div ? n / div : 1;
}

int vm_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		 CMFixtureFunction setup, CMFixtureFunction teardown,
		 struct vm_stats *base, const char *const *devices)
{
	const char *only = getenv("VM_TESTS"), *skip = getenv("VM_SKIP_TESTS");
	struct CMUnitTest *chosen = calloc(n ? n : 1, sizeof(*chosen));
	size_t k = 0;
	int ret;

	if (!chosen) {
		fprintf(stderr, "# %s: out of memory\n", name);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if ((!only || matches(tests[i].name, only)) &&
		    (!skip || !matches(tests[i].name, skip)))
			chosen[k++] = tests[i];
	group.devices = devices;
	group.base = base ? base : &group.own;
	group.setup = setup;
	group.teardown = teardown;
	ret = _cmocka_run_group_tests(name, chosen, k, group_setup, group_teardown);
	free(chosen);
	return ret;
}

void vm_use_provider(bool provider)
{
	if (provider)
		unsetenv("ACCEL_PROVIDERS");
	else
		setenv("ACCEL_PROVIDERS", "none", 1);
}

void vm_env_open(struct vm_env *e, const char *dev, bool provider,
		 unsigned int cq_entries, const struct accel_queue_attr *qattr,
		 size_t buf)
{
	vm_use_provider(provider);
	memset(e, 0, sizeof(*e));
	e->facet = -1;
	e->ctx = accel_open_device_by_name(dev);
	assert_non_null(e->ctx);
	if (provider)
		assert_string_equal(accel_context_provider(e->ctx), "soft");
	else
		assert_null(accel_context_provider(e->ctx));
	e->pd = accel_alloc_pd(e->ctx);
	assert_non_null(e->pd);
	e->cq = accel_create_cq(e->ctx, cq_entries, -1);
	assert_non_null(e->cq);
	e->q = accel_create_queue_ex(e->pd, e->cq, qattr, sizeof(*qattr));
	assert_non_null(e->q);
	e->buf = buf;
	if (buf) {
		e->a = malloc(buf);
		e->b = malloc(buf);
		assert_non_null(e->a);
		assert_non_null(e->b);
		e->amr = accel_reg_mr(e->pd, e->a, buf, ACCEL_ACCESS_WRITE);
		e->bmr = accel_reg_mr(e->pd, e->b, buf, ACCEL_ACCESS_WRITE);
		assert_non_null(e->amr);
		assert_non_null(e->bmr);
	}
}

void vm_env_close(struct vm_env *e)
{
	if (e->amr) {
		assert_int_equal(accel_dereg_mr(e->amr), 0);
		assert_int_equal(accel_dereg_mr(e->bmr), 0);
	}
	if (e->q)
		assert_int_equal(accel_destroy_queue(e->q), 0);
	assert_int_equal(accel_destroy_cq(e->cq), 0);
	assert_int_equal(accel_dealloc_pd(e->pd), 0);
	if (e->facet >= 0)
		assert_int_equal(close(e->facet), 0);
	assert_int_equal(accel_close_device(e->ctx), 0);
	free(e->a);
	free(e->b);
}

/* ---- Tables of bad input ---- */

static void set_field(unsigned char *buf, const struct vm_field *f)
{
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
	} v;

	switch (f->size) {
	case 1:
		v.u8 = f->value;
		break;
	case 2:
		v.u16 = f->value;
		break;
	case 4:
		v.u32 = f->value;
		break;
	case 8:
		v.u64 = f->value;
		break;
	default:
		fail_msg("a field of %zu bytes at offset %zu", f->size, f->offset);
	}
	memcpy(buf + f->offset, &v, f->size);
}

void vm_check_bad_cmds(int fd, const struct vm_bad_cmd *cases, size_t n,
		       void (*undo)(int fd, const void *reply))
{
	unsigned char buf[512];

	for (size_t i = 0; i < n; i++) {
		const struct vm_bad_cmd *c = &cases[i];
		int ret;

		assert_true(c->size <= sizeof(buf));
		memcpy(buf, c->valid, c->size);
		for (size_t j = 0; j < sizeof(c->set) / sizeof(c->set[0]); j++) {
			if (c->set[j].size) {
				assert_true(c->set[j].offset + c->set[j].size <= c->size);
				set_field(buf, &c->set[j]);
			}
		}
		ret = vm_ioctl(fd, c->req, buf);
		if (ret == c->err)
			continue;
		if (!ret && undo)
			undo(fd, buf);
		fail_msg("%s: %d (%s), expected %d (%s)", c->what, ret, strerror(-ret),
			 c->err, strerror(-c->err));
	}
}

static void *vm_delete_thread(void *arg)
{
	struct vm_deleter *d = arg;
	uint64_t v = 1;

	if (read(d->go, &v, sizeof(v)) != sizeof(v))
		abort();
	d->ret = d->cmd ? vm_run(d->cmd) : vm_soft_delete(d->name);
	if (write(d->done, &v, sizeof(v)) != sizeof(v))
		abort();
	return NULL;
}

void vm_deleter_start(struct vm_deleter *d, const char *name)
{
	*d = (struct vm_deleter){ .name = name };
	d->go = eventfd(0, EFD_CLOEXEC);
	d->done = eventfd(0, EFD_CLOEXEC);
	assert_true(d->go >= 0 && d->done >= 0);
	assert_int_equal(pthread_create(&d->t, NULL, vm_delete_thread, d), 0);
}

void vm_deleter_go(struct vm_deleter *d)
{
	uint64_t one = 1;

	if (write(d->go, &one, sizeof(one)) != sizeof(one))
		abort();
	d->started = true;
}

int vm_deleter_finish(struct vm_deleter *d)
{
	if (!d->started)
		vm_deleter_go(d);
	assert_int_equal(pthread_join(d->t, NULL), 0);
	close(d->go);
	close(d->done);
	return d->ret;
}

bool vm_find_edu(char name[64], char pci[64])
{
	struct accel_device **list;
	bool found = false;
	int n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (int i = 0; i < n && !found; i++) {
		const char *parent = accel_device_parent(list[i]);
		const char *slash = strrchr(parent, '/');

		if (strcmp(accel_device_driver(list[i]), "edu") ||
		    strcmp(slash ? slash + 1 : parent, VM_EDU_PCI))
			continue;
		snprintf(name, 64, "%s", accel_device_name(list[i]));
		snprintf(pci, 64, "%s", slash ? slash + 1 : parent);
		found = true;
	}
	accel_free_device_list(list);
	return found;
}

bool vm_wait_edu(char name[64], char pci[64], double timeout_s)
{
	double end = vm_now() + timeout_s;

	while (vm_now() < end) {
		if (vm_find_edu(name, pci))
			return true;
		usleep(50000);
	}
	return false;
}

int vm_edu_qmp_unplug(const char *pci)
{
	return vm_qmp_unplug("edu0", pci);
}

int vm_qmp_unplug(const char *id, const char *pci)
{
	char path[256], cmd[256];
	int ret;

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"%s\"}}", id);
	ret = vm_qmp(cmd);

	if (ret)
		return ret;
	/* pciehp removes the device after its 5 s attention button delay. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", pci);
	for (int i = 0; i < 300 && !access(path, F_OK); i++)
		usleep(100000);
	if (!access(path, F_OK))
		return -ETIMEDOUT;
	/*
	 * QEMU frees the device, and its id, only when it sees the slot
	 * powered off, after the guest let go of it: until then a device_add
	 * of the same id is refused ("Duplicate device ID").
	 */
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"qom-list\",\"arguments\":"
		 "{\"path\":\"/machine/peripheral/%s\"}}", id);
	for (int i = 0; i < 300; i++) {
		if (vm_qmp_quiet(cmd) == -EIO)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

int vm_edu_qmp_replug(void)
{
	return vm_qmp("{\"execute\":\"device_add\",\"arguments\":"
		      "{\"driver\":\"edu\",\"id\":\"edu0\",\"bus\":\"rp0\"}}");
}

bool vm_edu_has_hotplug_slot(const char *pci)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "grep -qx '%.7s\\(:00\\)\\?' /sys/bus/pci/slots/*/address 2>/dev/null",
		 pci);
	return system(cmd) == 0;
}

int vm_userfaultfd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0 && errno == ENOSYS)
		skip();
	assert_true(uffd >= 0);
	assert_int_equal(ioctl(uffd, UFFDIO_API, &api), 0);
	return uffd;
}

static unsigned char vm_pattern_byte(size_t i, unsigned int seed)
{
	return (unsigned char)(i * 31 + seed * 7 + (i >> 9));
}

void vm_fill_pattern(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = vm_pattern_byte(i, seed);
}

void vm_assert_pattern_at(const unsigned char *p, size_t start, size_t len,
			  unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != vm_pattern_byte(start + i, seed))
			fail_msg("byte %zu is 0x%02x, expected 0x%02x (seed %u)", i,
				 p[i], vm_pattern_byte(start + i, seed), seed);
}

int vm_iowq_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	char path[300], comm[32];
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk-", 8))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}
