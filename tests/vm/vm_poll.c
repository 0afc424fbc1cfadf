// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Polled queues (UACCEL_QUEUE_POLL, libaccel's ACCEL_QUEUE_POLL): the soft
 * device's polling thread consumes the ring with no doorbell while it is
 * awake, sets NEED_WAKEUP and sleeps after its idle time, and wakes at the
 * next doorbell.  Checked here: the capability bit and every bad input
 * with its errno, batches without a system call (doorbell counter flat,
 * and under a seccomp filter that kills on ioctl), the wake-up after idle,
 * posting racing with the thread going to sleep, CQ stalls, the thread's
 * life (one per device, gone with the last polled queue, asleep in state S
 * using no CPU), and queue destroy, context close, device removal, a fatal
 * error and rmmod while it polls, with every request completed or flushed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <accel/provider.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV "polltest0"
#define DEV2 "polltest1"
#define POLL_THREAD_ATTR "/sys/class/uaccel/" DEV "/soft/poll_thread"
#define IDLE_PARAM "/sys/module/uaccel_soft/parameters/poll_idle_ms"

static struct accel_queue *create_poll_queue(struct vm_env *e, unsigned int entries,
					     unsigned int idle_ms)
{
	struct accel_queue_attr attr = {
		.entries = entries, .flags = ACCEL_QUEUE_POLL, .poll_idle_ms = idle_ms,
	};

	return accel_create_queue_ex(e->pd, e->cq, &attr, sizeof(attr));
}

/*
 * The data path on device @dev with a polled queue of @q_entries that idles
 * @idle_ms (0: the default), and the soft DMA facet open for its queue
 * statistics.
 */
static void env_open(struct vm_env *e, const char *dev, int provider,
		     unsigned int cq_entries, unsigned int q_entries,
		     unsigned int idle_ms, size_t buf)
{
	const struct accel_queue_attr qattr = {
		.entries = q_entries, .flags = ACCEL_QUEUE_POLL, .poll_idle_ms = idle_ms,
	};

	vm_env_open(e, dev, provider, cq_entries, &qattr, buf);
	e->facet = vm_open_facet(accel_context_fd(e->ctx), UACCEL_SOFT_DMA_FACET);
}

static struct uaccel_soft_dma_queue_stats stats(struct vm_env *e)
{
	struct uaccel_soft_dma_queue_stats qs = {
		.size = sizeof(qs), .queue_id = accel_queue_id(e->q),
	};

	assert_int_equal(vm_ioctl(e->facet, UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, &qs), 0);
	return qs;
}

static uint32_t ring_flags(struct accel_queue *q)
{
	return __atomic_load_n(&accel_queue_ring(q)->hdr->flags, __ATOMIC_ACQUIRE);
}

static struct accel_wr nop(uint64_t user_data)
{
	struct accel_wr wr = { .opcode = ACCEL_WR_NOP, .user_data = user_data };

	return wr;
}

/*
 * Take completions until @want arrived, without a system call on the
 * provider path (busy polling; the clock is read through the vDSO).  Each
 * user_data below @nseen is marked in @seen and must arrive once, with
 * status 0 and this queue's id.  Return: completions taken, fewer when
 * @timeout_s ran out.
 */
static int collect(struct vm_env *e, int want, unsigned char *seen, uint64_t nseen,
		   double timeout_s)
{
	double end = vm_now() + timeout_s;
	struct accel_wc wc[64];
	int got = 0, n, i;

	while (got < want) {
		n = accel_poll_cq(e->cq, wc, 64);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(wc[i].status, 0);
			assert_int_equal(wc[i].queue_id, accel_queue_id(e->q));
			if (seen) {
				assert_true(wc[i].user_data < nseen);
				assert_int_equal(seen[wc[i].user_data], 0);
				seen[wc[i].user_data] = 1;
			}
		}
		got += n;
		if (!n && vm_now() > end)
			break;
	}
	return got;
}

/* Post all of @wr (the ring may take them in several goes). */
static void post_all(struct vm_env *e, const struct accel_wr *wr, int n)
{
	int done = 0, ret;

	while (done < n) {
		ret = accel_post(e->q, wr + done, n - done);
		if (ret == -EAGAIN)
			continue;
		assert_true(ret > 0);
		done += ret;
	}
}

static pid_t poll_thread_pid(const char *dev)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/soft/poll_thread", dev);
	vm_sysfs_read(path, buf, sizeof(buf));
	return atoi(buf);
}

/* State letter and utime + stime (ticks) of a task; -1 when it is gone. */
static int task_stat(pid_t pid, char *state, unsigned long *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p)
		return -1;
	p = strrchr(buf, ')');
	assert_non_null(p);
	/* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime" */
	assert_int_equal(sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				state, &ut, &st), 3);
	*ticks = ut + st;
	return 0;
}

static void task_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* Wait until a task is gone: 0, or -ETIMEDOUT. */
static int wait_task_gone(pid_t pid, double timeout_s)
{
	double end = vm_now() + timeout_s;
	unsigned long t;
	char s;

	while (task_stat(pid, &s, &t) == 0) {
		if (vm_now() > end)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/* Wait until a device has no polling thread: 0, or -ETIMEDOUT. */
static int wait_no_thread(const char *dev, double timeout_s)
{
	double end = vm_now() + timeout_s;

	while (poll_thread_pid(dev)) {
		if (vm_now() > end)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/* Wait until the thread announced that it sleeps: 0, or -ETIMEDOUT. */
static int wait_need_wakeup(struct accel_queue *q, double timeout_s)
{
	double end = vm_now() + timeout_s;

	while (!(ring_flags(q) & UACCEL_RING_NEED_WAKEUP)) {
		if (vm_now() > end)
			return -ETIMEDOUT;
		usleep(2000);
	}
	return 0;
}

/* Destroy the queue of a CREATE_QUEUE reply. */
static void destroy_created_queue(int fd, const void *reply)
{
	const struct uaccel_create_queue *c = reply;

	assert_int_equal(vm_destroy(fd, c->out_queue_id), 0);
}

/*
 * Create a queue with @c, check that its ring's flags masked with @mask
 * are @want, and destroy it.
 */
static void check_new_ring_flags(int fd, struct uaccel_create_queue *c, uint32_t mask,
				 uint32_t want)
{
	struct uaccel_ring_header *ring;

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, c), 0);
	ring = mmap(NULL, c->out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    c->out_mmap_offset);
	assert_true(ring != MAP_FAILED);
	assert_int_equal(ring->flags & mask, want);
	munmap(ring, c->out_mmap_size);
	destroy_created_queue(fd, c);
}

/* QUERY_DEVICE reports the capability, through the ioctl and libaccel. */
static void test_capability(void **state)
{
	struct uaccel_query_device qd = { .size = sizeof(qd) };
	struct accel_device_attr attr;
	struct accel_context *ctx;
	int fd = vm_open_device(DEV);

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &qd), 0);
	assert_true(qd.dev_caps & UACCEL_DEV_CAP_QUEUE_POLL);
	assert_int_equal(close(fd), 0);
	ctx = accel_open_device_by_name(DEV);
	assert_non_null(ctx);
	assert_int_equal(accel_query_device(ctx, &attr, sizeof(attr)), 0);
	assert_int_equal(accel_close_device(ctx), 0);
	/* The soft device also has device memory to export. */
	assert_int_equal(attr.dev_caps, ACCEL_DEV_CAP_QUEUE_POLL | ACCEL_DEV_CAP_DM);
	assert_int_equal(attr.dev_caps, qd.dev_caps);
}

/* Every malformed request fails with its errno and creates nothing. */
static void test_bad_input(void **state)
{
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 8 };
	struct uaccel_create_queue valid, c;
	struct vm_stats st;
	struct vm_env e;
	unsigned char big[sizeof(struct accel_queue_attr) + 8];
	int fd = vm_open_device(DEV);
	uint32_t pd;

	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	/* A valid polled queue; each case changes it. */
	valid = (struct uaccel_create_queue){
		.size = sizeof(valid), .pd_id = pd, .cq_id = cq.out_cq_id, .entries = 8,
		.flags = UACCEL_QUEUE_POLL,
	};
#define CREATE_QUEUE UACCEL_IOCTL_CREATE_QUEUE
	const struct vm_bad_cmd bad[] = {
		/* Unknown flags: -EOPNOTSUPP, the rule of every command. */
		VM_BAD(CREATE_QUEUE, valid, flags, UACCEL_QUEUE_POLL << 1, -EOPNOTSUPP),
		VM_BAD(CREATE_QUEUE, valid, flags, UACCEL_QUEUE_POLL | 1U << 31, -EOPNOTSUPP),
		/* Idle times out of range, or without the flag. */
		VM_BAD(CREATE_QUEUE, valid, poll_idle_ms, UACCEL_QUEUE_POLL_IDLE_MAX_MS + 1,
		       -EINVAL),
		VM_BAD(CREATE_QUEUE, valid, poll_idle_ms, 0xffffffff, -EINVAL),
		VM_BAD2(CREATE_QUEUE, valid, flags, 0, poll_idle_ms, 10, -EINVAL),
		VM_BAD(CREATE_QUEUE, valid, __reserved, 1, -EINVAL),
		VM_BAD(CREATE_QUEUE, valid, entries, 0, -EINVAL),
		VM_BAD(CREATE_QUEUE, valid, entries, 65537, -EINVAL),
		VM_BAD(CREATE_QUEUE, valid, pd_id, cq.out_cq_id, -ENOENT),
	};
#undef CREATE_QUEUE

	vm_read_stats(&st);
	VM_CHECK_BAD_CMDS(fd, bad, destroy_created_queue);
	vm_assert_stats_equal(&st);
	assert_int_equal(poll_thread_pid(DEV), 0);

	/* The bounds themselves are fine. */
	c = valid;
	c.poll_idle_ms = 1;
	check_new_ring_flags(fd, &c, 0, 0);
	c = valid;
	c.poll_idle_ms = UACCEL_QUEUE_POLL_IDLE_MAX_MS;
	check_new_ring_flags(fd, &c, 0, 0);
	/*
	 * A caller built before poll_idle_ms: default idle time.  Nobody posted
	 * yet: producers must ring until the thread saw the queue.
	 */
	c = valid;
	c.size = offsetof(struct uaccel_create_queue, poll_idle_ms);
	check_new_ring_flags(fd, &c, UACCEL_RING_POLLED, UACCEL_RING_POLLED);
	/* A plain queue's ring carries no polling flag. */
	c = valid;
	c.flags = 0;
	check_new_ring_flags(fd, &c, ~0U, 0);
	vm_check_size_rules(fd, UACCEL_IOCTL_CREATE_QUEUE, &valid, sizeof(valid),
			    offsetof(struct uaccel_create_queue, poll_idle_ms));
	assert_int_equal(close(fd), 0);

	/* libaccel: its own checks (EINVAL, E2BIG), then the kernel's. */
	env_open(&e, DEV, 1, 8, 8, 10, 0);
	const struct accel_queue_attr poll5 = {
		.entries = 8, .flags = ACCEL_QUEUE_POLL, .poll_idle_ms = 5,
	};
	const struct {
		const char *what;
		const void *attr;
		size_t size;
		int err;
	} lib_bad[] = {
		{ "unknown flag", &(struct accel_queue_attr){
			.entries = 8, .flags = ACCEL_QUEUE_POLL << 1 }, sizeof(poll5), EINVAL },
		{ "reserved", &(struct accel_queue_attr){
			.entries = 8, .flags = ACCEL_QUEUE_POLL, .reserved = 1 }, sizeof(poll5),
		  EINVAL },
		{ "size 8", &poll5, 8, EINVAL },
		{ "no attributes", NULL, sizeof(poll5), EINVAL },
		{ "idle time too long", &(struct accel_queue_attr){
			.entries = 8, .flags = ACCEL_QUEUE_POLL,
			.poll_idle_ms = ACCEL_QUEUE_POLL_IDLE_MAX_MS + 1 }, sizeof(poll5), EINVAL },
		{ "idle time without the flag", &(struct accel_queue_attr){
			.entries = 8, .poll_idle_ms = 5 }, sizeof(poll5), EINVAL },
		{ "a newer caller's field set", big, sizeof(big), E2BIG },
	};
	memset(big, 0, sizeof(big));
	memcpy(big, &poll5, sizeof(poll5));
	big[sizeof(poll5) + 3] = 1;
	for (size_t i = 0; i < sizeof(lib_bad) / sizeof(lib_bad[0]); i++) {
		struct accel_queue *q;

		errno = 0;
		q = accel_create_queue_ex(e.pd, e.cq, lib_bad[i].attr, lib_bad[i].size);
		if (q) {
			assert_int_equal(accel_destroy_queue(q), 0);
			fail_msg("%s: a queue was made", lib_bad[i].what);
		}
		if (errno != lib_bad[i].err)
			fail_msg("%s: errno %d, expected %d", lib_bad[i].what, errno,
				 lib_bad[i].err);
	}
	/* A newer caller's fields at zero are fine. */
	big[sizeof(poll5) + 3] = 0;
	{
		struct accel_queue *q2 = accel_create_queue_ex(e.pd, e.cq, (void *)big,
							       sizeof(big));

		assert_non_null(q2);
		assert_int_equal(accel_destroy_queue(q2), 0);
	}
	vm_env_close(&e);

	/* The module parameter holds the default, 1 to 10000 ms. */
	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "0"), -EINVAL);
	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "10001"), -EINVAL);
	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "-1"), -EINVAL);
	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "soon"), -EINVAL);
	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "1000"), 0);
}

/* A device without polling support: no capability, -EOPNOTSUPP. */
static void test_unsupported_device(void **state)
{
	const char *ko = getenv("UACCEL_EDU_KO");
	struct uaccel_query_device qd = { .size = sizeof(qd) };
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 8 };
	struct uaccel_create_queue c = { .size = sizeof(c), .entries = 8,
					 .flags = UACCEL_QUEUE_POLL };
	struct accel_device **list;
	char cmd[512], name[ACCEL_NAME_MAX] = "";
	int i, n, fd, ret;

	if (!ko)
		skip();
	snprintf(cmd, sizeof(cmd), "insmod '%s'", ko);
	ret = system(cmd);
	if (!WIFEXITED(ret) || WEXITSTATUS(ret))
		skip();
	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (i = 0; i < n; i++)
		if (!strcmp(accel_device_driver(list[i]), "edu"))
			snprintf(name, sizeof(name), "%s", accel_device_name(list[i]));
	accel_free_device_list(list);
	assert_true(name[0]);

	fd = vm_open_device(name);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &qd), 0);
	assert_false(qd.dev_caps & UACCEL_DEV_CAP_QUEUE_POLL);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	c.pd_id = pd.out_pd_id;
	c.cq_id = cq.out_cq_id;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &c), -EOPNOTSUPP);
	c.poll_idle_ms = 10;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &c), -EOPNOTSUPP);
	assert_int_equal(close(fd), 0);
	assert_int_equal(system("rmmod uaccel_edu"), 0);
}

/*
 * Many batches while the thread is awake: every request executes, and the
 * doorbell counter does not move (no DOORBELL, no POST: no system call).
 */
static void test_batches_without_doorbell(void **state)
{
	enum { BATCHES = 400, PER = 8, CHUNK = 4096 };
	struct uaccel_soft_dma_queue_stats s0, s1;
	struct accel_wr wr[PER];
	unsigned char *seen;
	struct vm_env e;
	int b, i;

	env_open(&e, DEV, 1, 256, 64, ACCEL_QUEUE_POLL_IDLE_MAX_MS, PER * CHUNK);
	seen = calloc(BATCHES * PER + 1, 1);
	assert_non_null(seen);
	assert_true(ring_flags(e.q) & UACCEL_RING_POLLED);
	/* The first post rings (the thread has not seen the queue yet). */
	wr[0] = nop(BATCHES * PER);
	post_all(&e, wr, 1);
	assert_int_equal(collect(&e, 1, seen, BATCHES * PER + 1, 20), 1);
	s0 = stats(&e);
	assert_true(s0.out_doorbells <= 1);

	for (b = 0; b < BATCHES; b++) {
		for (i = 0; i < CHUNK * PER; i++)
			e.a[i] = (unsigned char)(b * 31 + i);
		for (i = 0; i < PER; i++) {
			memset(&wr[i], 0, sizeof(wr[i]));
			wr[i].opcode = ACCEL_WR_COPY;
			wr[i].user_data = b * PER + i;
			wr[i].src_mr = accel_mr_id(e.amr);
			wr[i].dst_mr = accel_mr_id(e.bmr);
			wr[i].src_offset = i * CHUNK;
			wr[i].dst_offset = i * CHUNK;
			wr[i].length = CHUNK;
		}
		post_all(&e, wr, PER);
		assert_int_equal(collect(&e, PER, seen, BATCHES * PER + 1, 20), PER);
		assert_memory_equal(e.a, e.b, CHUNK * PER);
	}
	s1 = stats(&e);
	print_message("# %d batches: %llu doorbells before, %llu after, %llu sleeps\n",
		      BATCHES, (unsigned long long)s0.out_doorbells,
		      (unsigned long long)s1.out_doorbells,
		      (unsigned long long)s1.out_poll_sleeps);
	assert_int_equal(s1.out_doorbells, s0.out_doorbells);
	assert_int_equal(s1.out_poll_sleeps, s0.out_poll_sleeps);
	assert_int_equal(s1.out_executed, BATCHES * PER + 1);
	assert_false(ring_flags(e.q) & UACCEL_RING_NEED_WAKEUP);
	free(seen);
	vm_env_close(&e);
}

/* Posting and polling in a process that dies on any ioctl. */
static int seccomp_child(void)
{
	enum { BATCHES = 300, PER = 16 };
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]),
				   .filter = filter };
	struct accel_queue_attr attr = {
		.entries = 64, .flags = ACCEL_QUEUE_POLL,
		.poll_idle_ms = ACCEL_QUEUE_POLL_IDLE_MAX_MS,
	};
	struct accel_context *ctx;
	struct accel_queue *q;
	struct accel_wr wr[PER];
	struct accel_wc wc[PER];
	struct accel_cq *cq;
	struct accel_pd *pd;
	uint64_t next = 0;
	int b, i, got, n;
	double end;

	ctx = accel_open_device_by_name(DEV);
	if (!ctx || !accel_context_provider(ctx))
		return 10;
	pd = accel_alloc_pd(ctx);
	cq = pd ? accel_create_cq(ctx, 256, -1) : NULL;
	q = cq ? accel_create_queue_ex(pd, cq, &attr, sizeof(attr)) : NULL;
	if (!q)
		return 11;
	/* Wake the thread (this post rings the doorbell). */
	wr[0] = nop(~0ULL);
	if (accel_post(q, wr, 1) != 1)
		return 12;
	end = vm_now() + 20;
	while (accel_poll_cq(cq, wc, 1) != 1)
		if (vm_now() > end)
			return 13;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 14;
	/* Kernels built without CONFIG_SECCOMP_FILTER (the debug kernel). */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return errno == EINVAL ? 77 : 14;
	for (b = 0; b < BATCHES; b++) {
		for (i = 0; i < PER; i++)
			wr[i] = nop(b * PER + i);
		if (accel_post(q, wr, PER) != PER)
			return 15;
		for (got = 0, end = vm_now() + 20; got < PER;) {
			n = accel_poll_cq(cq, wc, PER - got);
			if (n < 0)
				return 16;
			for (i = 0; i < n; i++)
				if (wc[i].status || wc[i].user_data != next++)
					return 17;
			got += n;
			if (!n && vm_now() > end)
				return 18;
		}
	}
	return 0;
}

static void test_no_syscall_under_seccomp(void **state)
{
	int status;
	pid_t pid;

	vm_use_provider(1);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(seccomp_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d (a system call was made?)",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("# no seccomp filters in this kernel\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child's context is gone with it, and so is the thread. */
	assert_int_equal(wait_no_thread(DEV, 5), 0);
}

/*
 * After its idle time the thread sets NEED_WAKEUP and sleeps (state S, no
 * CPU time); the next post rings the doorbell and is executed, through the
 * provider and through the generic POST path.
 */
static void check_wakeup(int provider)
{
	struct uaccel_soft_dma_queue_stats s0, s1;
	unsigned long t0, t1;
	struct accel_wr wr;
	struct vm_env e;
	pid_t pid;
	char st;
	int round;

	env_open(&e, DEV, provider, 64, 64, 20, 0);
	pid = poll_thread_pid(DEV);
	assert_true(pid > 0);
	for (round = 0; round < 5; round++) {
		s0 = stats(&e);
		wr = nop(round);
		post_all(&e, &wr, 1);
		assert_int_equal(collect(&e, 1, NULL, 0, 20), 1);
		s1 = stats(&e);
		/*
		 * After a sleep the post rang exactly once.  The first may find
		 * the new thread still awake and ring nothing (provider).
		 */
		if (round || !provider)
			assert_int_equal(s1.out_doorbells, s0.out_doorbells + 1);
		else
			assert_true(s1.out_doorbells <= s0.out_doorbells + 1);
		assert_int_equal(wait_need_wakeup(e.q, 20), 0);
		/* The flag is set just before the thread counts its sleep. */
		usleep(50000);
		s0 = stats(&e);
		assert_true(s0.out_poll_sleeps >= (uint64_t)round + 1);

		/* Asleep: state S, and no CPU time over 300 ms. */
		assert_int_equal(task_stat(pid, &st, &t0), 0);
		usleep(300000);
		assert_int_equal(task_stat(pid, &st, &t1), 0);
		assert_int_equal(st, 'S');
		assert_true(t1 - t0 <= 1);
		assert_true(ring_flags(e.q) & UACCEL_RING_NEED_WAKEUP);
		s1 = stats(&e);
		assert_int_equal(s1.out_poll_sleeps, s0.out_poll_sleeps);
		assert_int_equal(s1.out_doorbells, s0.out_doorbells);
	}
	s1 = stats(&e);
	assert_int_equal(s1.out_executed, 5);
	vm_env_close(&e);
}

static void test_wakeup_after_idle_provider(void **state)
{
	check_wakeup(1);
}

static void test_wakeup_after_idle_generic(void **state)
{
	check_wakeup(0);
}

/* The default idle time comes from the module parameter. */
static void test_default_idle(void **state)
{
	struct accel_wr wr = nop(1);
	struct vm_env e;
	double t0, t;

	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "50"), 0);
	env_open(&e, DEV, 1, 64, 64, 0, 0);
	post_all(&e, &wr, 1);
	assert_int_equal(collect(&e, 1, NULL, 0, 20), 1);
	t0 = vm_now();
	assert_int_equal(wait_need_wakeup(e.q, 20), 0);
	t = vm_now() - t0;
	print_message("# asleep %.0f ms after the last request (idle 50 ms)\n", t * 1000);
	assert_true(t < 5);
	vm_env_close(&e);
	assert_int_equal(vm_sysfs_write(IDLE_PARAM, "1000"), 0);
}

/*
 * Posting while the thread goes to sleep: short bursts separated by pauses
 * around the idle time, from two threads on two queues of the device (one
 * through the provider, one through POST).  No burst may be stranded and
 * every completion arrives exactly once.
 */
struct racer {
	struct vm_env e;
	int bursts;
	unsigned int seed;
	uint64_t posted;
	unsigned char *seen;
	int failed;
	char why[512];
};

/* What the rings and the thread looked like when a burst did not complete. */
static void race_diagnose(struct racer *r, int got, int want)
{
	const struct accel_ring *sq = accel_queue_ring(r->e.q);
	const struct accel_ring *cq = accel_cq_ring(r->e.cq);
	struct uaccel_soft_dma_queue_stats qs = {
		.size = sizeof(qs), .queue_id = accel_queue_id(r->e.q),
	};
	unsigned long ticks = 0;
	char state = '?';
	pid_t pid = poll_thread_pid(DEV);
	int late;

	vm_ioctl(r->e.facet, UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, &qs);
	task_stat(pid, &state, &ticks);
	late = collect(&r->e, want - got, r->seen, r->bursts * 8, 5);
	snprintf(r->why, sizeof(r->why),
		 "%d of %d: sq head %u tail %u flags %#x, cq head %u tail %u, "
		 "executed %llu doorbells %llu sleeps %llu, thread %d state %c; "
		 "%d more arrived in 5 s without a doorbell",
		 got, want, sq->hdr->head, sq->hdr->tail, sq->hdr->flags,
		 cq->hdr->head, cq->hdr->tail, (unsigned long long)qs.out_executed,
		 (unsigned long long)qs.out_doorbells,
		 (unsigned long long)qs.out_poll_sleeps, pid, state, late);
}

static void *race(void *arg)
{
	struct racer *r = arg;
	struct accel_wr wr[8];
	int b, i, n, got;

	for (b = 0; b < r->bursts; b++) {
		n = 1 + rand_r(&r->seed) % 8;
		for (i = 0; i < n; i++)
			wr[i] = nop(r->posted + i);
		post_all(&r->e, wr, n);
		r->posted += n;
		/* Generous: a loaded host can stop a vCPU for seconds. */
		got = collect(&r->e, n, r->seen, r->bursts * 8, 30);
		if (got != n) {
			r->failed = b + 1;
			race_diagnose(r, got, n);
			return NULL;
		}
		/* 0 to 12 ms: before, around and after the 4 ms idle time. */
		usleep(rand_r(&r->seed) % 12000);
	}
	return NULL;
}

static void test_post_while_going_to_sleep(void **state)
{
	struct uaccel_soft_dma_queue_stats s[2];
	struct racer r[2];
	pthread_t t[2];
	int i;

	/* Alone first: the thread sleeps whenever this one pauses long enough. */
	memset(&r[0], 0, sizeof(r[0]));
	env_open(&r[0].e, DEV, 1, 256, 64, 4, 0);
	r[0].bursts = 1000;
	r[0].seed = 99;
	r[0].seen = calloc(r[0].bursts * 8, 1);
	assert_non_null(r[0].seen);
	race(&r[0]);
	s[0] = stats(&r[0].e);
	print_message("# alone: %d bursts, %llu requests, %llu doorbells, %llu sleeps\n",
		      r[0].bursts, (unsigned long long)r[0].posted,
		      (unsigned long long)s[0].out_doorbells,
		      (unsigned long long)s[0].out_poll_sleeps);
	if (r[0].failed)
		fail_msg("burst %d never completed: %s", r[0].failed, r[0].why);
	assert_int_equal(s[0].out_executed, r[0].posted);
	for (uint64_t u = 0; u < r[0].posted; u++)
		assert_int_equal(r[0].seen[u], 1);
	assert_true(s[0].out_poll_sleeps >= 50);
	assert_true(s[0].out_doorbells <= s[0].out_poll_sleeps + 1);
	free(r[0].seen);
	vm_env_close(&r[0].e);

	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		env_open(&r[i].e, DEV, i == 0, 256, 64, 4, 0);
		r[i].bursts = 1500;
		r[i].seed = 1234 + i;
		r[i].seen = calloc(r[i].bursts * 8, 1);
		assert_non_null(r[i].seen);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		s[i] = stats(&r[i].e);
		print_message("# %s: %d bursts, %llu requests, %llu doorbells, %llu sleeps\n",
			      i ? "generic" : "provider", r[i].bursts,
			      (unsigned long long)r[i].posted,
			      (unsigned long long)s[i].out_doorbells,
			      (unsigned long long)s[i].out_poll_sleeps);
		if (r[i].failed)
			fail_msg("burst %d of queue %d never completed: %s", r[i].failed, i,
				 r[i].why);
		assert_int_equal(s[i].out_executed, r[i].posted);
		for (uint64_t u = 0; u < r[i].posted; u++)
			assert_int_equal(r[i].seen[u], 1);
		/* The thread did go to sleep in between, many times. */
		assert_true(s[i].out_poll_sleeps >= 10);
	}
	/* The generic path rings on every POST; the provider skipped some. */
	assert_int_equal(s[1].out_doorbells, r[1].bursts);
	assert_true(s[0].out_doorbells < (uint64_t)r[0].bursts);
	for (i = 0; i < 2; i++) {
		free(r[i].seen);
		vm_env_close(&r[i].e);
	}
}

/* A CQ smaller than the work: the polled queue stalls and loses nothing. */
static void check_stall(int provider)
{
	enum { N = 256 };
	struct uaccel_soft_dma_queue_stats s;
	struct accel_wr wr[N];
	unsigned char seen[N] = { 0 };
	struct vm_env e;
	int i, got = 0;
	double end;

	env_open(&e, DEV, provider, 4, N, 20, 0);
	for (i = 0; i < N; i++)
		wr[i] = nop(i);
	post_all(&e, wr, N);
	/* Slowly: the thread stalls, may fall asleep, and is restarted. */
	for (end = vm_now() + 60; got < N && vm_now() < end;) {
		got += collect(&e, 1, seen, N, 0.05);
		if (got % 32 == 0)
			usleep(50000);
	}
	assert_int_equal(got, N);
	s = stats(&e);
	print_message("# %d requests through a 4-entry CQ: %llu stalls, %llu sleeps\n",
		      N, (unsigned long long)s.out_stalls,
		      (unsigned long long)s.out_poll_sleeps);
	assert_true(s.out_stalls >= 1);
	assert_int_equal(s.out_executed, N);
	vm_env_close(&e);
}

static void test_cq_stall_provider(void **state)
{
	check_stall(1);
}

static void test_cq_stall_generic(void **state)
{
	check_stall(0);
}

/*
 * One thread per device, named after it, started by the first polled queue
 * and stopped with the last one (destroy or close); plain queues never
 * start it.
 */
static void test_thread_lifecycle(void **state)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 8 };
	struct uaccel_create_queue c = { .size = sizeof(c), .entries = 8,
					 .flags = UACCEL_QUEUE_POLL, .poll_idle_ms = 10 };
	struct accel_queue *plain, *q2;
	struct vm_env e1;
	char comm[64];
	pid_t pid;
	int fd;

	assert_int_equal(poll_thread_pid(DEV), 0);
	env_open(&e1, DEV, 1, 64, 8, 10, 0);
	pid = poll_thread_pid(DEV);
	assert_true(pid > 0);
	task_comm(pid, comm, sizeof(comm));
	assert_int_equal(strncmp(comm, "soft-poll/", 10), 0);
	plain = accel_create_queue(e1.pd, e1.cq, 8);
	assert_non_null(plain);
	q2 = create_poll_queue(&e1, 8, 10);
	assert_non_null(q2);
	/* A second context, without mappings, so that close releases it. */
	fd = vm_open_device(DEV);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	c.pd_id = pd.out_pd_id;
	c.cq_id = cq.out_cq_id;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &c), 0);
	assert_int_equal(poll_thread_pid(DEV), pid);

	assert_int_equal(accel_destroy_queue(e1.q), 0);
	e1.q = NULL;
	assert_int_equal(accel_destroy_queue(q2), 0);
	assert_int_equal(poll_thread_pid(DEV), pid);
	/* The last polled queue goes with its context. */
	assert_int_equal(close(fd), 0);
	assert_int_equal(poll_thread_pid(DEV), 0);
	assert_int_equal(wait_task_gone(pid, 5), 0);

	/* And comes back for the next one. */
	e1.q = create_poll_queue(&e1, 8, 10);
	assert_non_null(e1.q);
	pid = poll_thread_pid(DEV);
	assert_true(pid > 0);
	assert_int_equal(accel_destroy_queue(plain), 0);
	vm_env_close(&e1);
	assert_int_equal(poll_thread_pid(DEV), 0);
	assert_int_equal(wait_task_gone(pid, 5), 0);
}

/* Post @n 1 MiB copies without waiting. */
static void post_copies(struct vm_env *e, int n, size_t len)
{
	struct accel_wr wr;
	int i;

	for (i = 0; i < n; i++) {
		memset(&wr, 0, sizeof(wr));
		wr.opcode = ACCEL_WR_COPY;
		wr.user_data = i;
		wr.src_mr = accel_mr_id(e->amr);
		wr.dst_mr = accel_mr_id(e->bmr);
		wr.length = len;
		post_all(e, &wr, 1);
	}
}

/*
 * Destroying a queue while the thread works on it: the running request
 * stops (the last completion may be ECANCELED), nothing completes
 * afterwards, and the thread goes.
 */
static void test_destroy_while_polling(void **state)
{
	enum { N = 256 };
	unsigned char seen[N] = { 0 };
	struct accel_wc wc[N];
	struct vm_env e;
	pid_t pid;
	int got, more;

	env_open(&e, DEV, 1, 512, N, 1000, 1 << 20);
	pid = poll_thread_pid(DEV);
	post_copies(&e, N, 1 << 20);
	usleep(20000);
	assert_int_equal(accel_destroy_queue(e.q), 0);
	e.q = NULL;
	assert_int_equal(poll_thread_pid(DEV), 0);
	assert_int_equal(wait_task_gone(pid, 5), 0);
	got = accel_poll_cq(e.cq, wc, N);
	assert_true(got >= 0 && got <= N);
	for (int i = 0; i < got; i++) {
		if (i < got - 1 || wc[i].status != ECANCELED)
			assert_int_equal(wc[i].status, 0);
		assert_int_equal(seen[wc[i].user_data], 0);
		seen[wc[i].user_data] = 1;
	}
	usleep(100000);
	more = accel_poll_cq(e.cq, wc, N);
	assert_int_equal(more, 0);
	print_message("# %d of %d copies completed before the destroy\n", got, N);
	vm_env_close(&e);
}

/* Read events until DEVICE_REMOVED; returns the QUEUE_FLUSHED of @qid. */
static struct accel_event flushed_event(struct accel_context *ctx, uint32_t qid)
{
	struct accel_event ev, found = { 0 };
	int n = 0;

	for (;;) {
		assert_int_equal(accel_get_event(ctx, &ev), 0);
		if (ev.type == ACCEL_EVENT_DEVICE_REMOVED)
			break;
		assert_int_equal(ev.type, ACCEL_EVENT_QUEUE_FLUSHED);
		if (ev.queue_id == qid) {
			found = ev;
			n++;
		}
	}
	assert_int_equal(n, 1);
	return found;
}

/*
 * Write @n NOPs into a ring without the doorbell (a producer that ignores
 * NEED_WAKEUP): they stay there and are flushed at removal.
 */
static void write_ring_silently(struct accel_queue *q, int n)
{
	const struct accel_ring *r = accel_queue_ring(q);
	uint32_t tail = r->hdr->tail;
	struct accel_wr wr;
	int i;

	for (i = 0; i < n; i++) {
		wr = nop(1000 + i);
		memcpy((char *)r->entries +
		       (size_t)((tail + i) & (r->num_entries - 1)) * r->entry_size,
		       &wr, sizeof(wr));
	}
	__atomic_store_n(&r->hdr->tail, tail + n, __ATOMIC_RELEASE);
}

/*
 * Removal while one device's thread runs 1 MiB copies and another device's
 * thread sleeps with requests in its ring: completed + flushed = posted for
 * both, and both threads are gone when removal returns.
 */
static void test_removal_while_polling(void **state)
{
	enum { N = 256 };
	struct accel_event ev;
	struct vm_env busy, idle;
	pid_t pid_busy, pid_idle;
	struct accel_wr wr = nop(7);

	vm_soft_add(DEV2);
	env_open(&busy, DEV, 1, 512, N, 1000, 1 << 20);
	env_open(&idle, DEV2, 1, 64, 64, 5, 0);
	pid_busy = poll_thread_pid(DEV);
	pid_idle = poll_thread_pid(DEV2);
	post_all(&idle, &wr, 1);
	assert_int_equal(collect(&idle, 1, NULL, 0, 20), 1);
	assert_int_equal(wait_need_wakeup(idle.q, 20), 0);
	write_ring_silently(idle.q, 10);
	post_copies(&busy, N, 1 << 20);
	usleep(20000);

	vm_soft_del(DEV2);
	assert_int_equal(wait_task_gone(pid_idle, 5), 0);
	ev = flushed_event(idle.ctx, accel_queue_id(idle.q));
	assert_int_equal(ev.completed, 1);
	assert_int_equal(ev.flushed, 10);

	vm_soft_del(DEV);
	assert_int_equal(wait_task_gone(pid_busy, 5), 0);
	ev = flushed_event(busy.ctx, accel_queue_id(busy.q));
	print_message("# %d posted: %llu completed, %llu flushed\n", N,
		      (unsigned long long)ev.completed, (unsigned long long)ev.flushed);
	assert_int_equal(ev.completed + ev.flushed, N);

	vm_env_close(&idle);
	vm_env_close(&busy);
	vm_soft_add(DEV);
}

/* A fatal device error while the thread polls: the same accounting. */
static void test_fatal_error_while_polling(void **state)
{
	enum { N = 128 };
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	struct accel_event ev;
	struct vm_env e;
	pid_t pid;
	int dbg;

	env_open(&e, DEV, 1, 256, N, 1000, 1 << 20);
	pid = poll_thread_pid(DEV);
	dbg = vm_open_facet(accel_context_fd(e.ctx), UACCEL_SOFT_DEBUG_FACET);
	post_copies(&e, N, 1 << 20);
	usleep(20000);
	assert_int_equal(vm_ioctl(dbg, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);
	ev = flushed_event(e.ctx, accel_queue_id(e.q));
	assert_int_equal(ev.completed + ev.flushed, N);
	assert_int_equal(wait_task_gone(pid, 5), 0);
	assert_int_equal(close(dbg), 0);
	vm_env_close(&e);
	/* The device comes back under the same name, without a thread. */
	assert_int_equal(vm_wait_device(DEV, VM_DEVICE_WAIT_S), 0);
	assert_int_equal(poll_thread_pid(DEV), 0);
}

/* rmmod uaccel_soft while a thread polls, then load it again. */
static void test_rmmod_while_polling(void **state)
{
	enum { N = 128 };
	const char *ko = getenv("UACCEL_SOFT_KO");
	struct accel_event ev;
	char cmd[512];
	struct vm_env e;
	pid_t pid;
	int ret;

	if (!ko)
		skip();
	env_open(&e, "soft0", 1, 256, N, 1000, 1 << 20);
	pid = poll_thread_pid("soft0");
	assert_true(pid > 0);
	post_copies(&e, N, 1 << 20);
	usleep(20000);
	ret = system("rmmod uaccel_soft");
	assert_true(WIFEXITED(ret) && WEXITSTATUS(ret) == 0);
	assert_int_equal(wait_task_gone(pid, 5), 0);
	ev = flushed_event(e.ctx, accel_queue_id(e.q));
	print_message("# %d posted: %llu completed, %llu flushed\n", N,
		      (unsigned long long)ev.completed, (unsigned long long)ev.flushed);
	assert_int_equal(ev.completed + ev.flushed, N);
	vm_env_close(&e);

	snprintf(cmd, sizeof(cmd), "insmod '%s' num_devices=3", ko);
	ret = system(cmd);
	assert_true(WIFEXITED(ret) && WEXITSTATUS(ret) == 0);
	assert_int_equal(vm_wait_device("soft0", VM_DEVICE_WAIT_S), 0);
	vm_soft_add(DEV);
}

/* Every test leaves the device without polled queues, so without a thread. */
static int no_thread_left(void **state)
{
	assert_int_equal(wait_no_thread(DEV, 5), 0);
	return 0;
}

#define POLL_TEST(fn) cmocka_unit_test_teardown(fn, no_thread_left)

int main(void)
{
	const struct CMUnitTest tests[] = {
		POLL_TEST(test_capability),
		POLL_TEST(test_bad_input),
		POLL_TEST(test_unsupported_device),
		POLL_TEST(test_batches_without_doorbell),
		POLL_TEST(test_no_syscall_under_seccomp),
		POLL_TEST(test_wakeup_after_idle_provider),
		POLL_TEST(test_wakeup_after_idle_generic),
		POLL_TEST(test_default_idle),
		POLL_TEST(test_post_while_going_to_sleep),
		POLL_TEST(test_cq_stall_provider),
		POLL_TEST(test_cq_stall_generic),
		POLL_TEST(test_thread_lifecycle),
		POLL_TEST(test_destroy_while_polling),
		POLL_TEST(test_removal_while_polling),
		POLL_TEST(test_fatal_error_while_polling),
		POLL_TEST(test_rmmod_while_polling),
	};

	return vm_run_tests("vm_poll", tests, NULL, DEV);
}
