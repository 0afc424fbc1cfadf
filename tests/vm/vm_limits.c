// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The maxima of docs/uapi.md ("Limits") and the charges of docs/design.md
 * ("Locked memory and kernel memory"): the REG_MR length bound, entries
 * and counts, rings charged to the caller's memory cgroup, locked memory
 * charged to the user (forked children, threads, a passed context fd,
 * rings; CAP_IPC_LOCK; the charge given back), REG_MR over ring mappings,
 * and ring offsets whose page offset fits a 32-bit mmap2().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmtest.h"

#define DEV "limits0"
#define DEV2 "limits1"
#define DEV3 "limits2"
#define MIB (1UL << 20)
#define PAGE 4096UL
#define NOBODY 65534
/* RLIMIT_MEMLOCK of the unprivileged processes, in bytes and pages. */
#define MEMLOCK (8 * MIB)
#define MEMLOCK_PAGES (MEMLOCK / PAGE)

static struct vm_stats base;

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* mmap() in a child: no cmocka. */
static void *child_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	vm_child_check(p != MAP_FAILED);
	return p;
}

static int open_node(const char *node)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	vm_child_check(fd >= 0);
	return fd;
}

/* Become user nobody with RLIMIT_MEMLOCK = @limit (no CAP_IPC_LOCK). */
static void become_limited_nobody(rlim_t limit)
{
	vm_limit_memlock(limit);
	vm_become_user(NOBODY);
}

/* Pages of a ring mapping. */
static uint64_t ring_pages(uint64_t mmap_size)
{
	return mmap_size / PAGE;
}

/*
 * REG_MR lengths: 1 byte works, UACCEL_MR_MAX_LENGTH + 1 and 2 TiB are
 * refused before anything is allocated; exactly the maximum passes that
 * check and fails pinning memory that is not accessible (no warning from
 * an oversized allocation: the harness scans the kernel log).
 */
static void test_mr_length_limit(void **state)
{
	const uint64_t max = UACCEL_MR_MAX_LENGTH;
	int fd = vm_open_device(DEV);
	char *buf = map_anon(PAGE), *res;
	struct vm_stats st;
	uint32_t pd, mr;

	assert_int_equal(max, 16ULL << 30);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_reg_mr(fd, pd, buf, 1, 0, &mr), 0);
	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(vm_reg_mr(fd, pd, buf, max + 1, 0, NULL), -EINVAL);
	assert_int_equal(vm_reg_mr(fd, pd, buf, 2ULL << 40, 0, NULL), -EINVAL);
	assert_int_equal(vm_reg_mr(fd, pd, buf, 2ULL << 40, UACCEL_MR_ACCESS_WRITE, NULL),
			 -EINVAL);

	/* 16 GiB of address space, not of memory. */
	res = mmap(NULL, max, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(res != MAP_FAILED);
	assert_int_equal(vm_reg_mr(fd, pd, res, max, 0, NULL), -EFAULT);
	assert_int_equal(vm_reg_mr(fd, pd, res, max, UACCEL_MR_ACCESS_WRITE, NULL), -EFAULT);
	assert_int_equal(vm_reg_mr(fd, pd, res, max + 1, 0, NULL), -EINVAL);
	/* The first pages pin, the rest fails: all of it is given back. */
	assert_int_equal(mprotect(res, 4 * PAGE, PROT_READ | PROT_WRITE), 0);
	memset(res, 1, 4 * PAGE);
	assert_int_equal(vm_reg_mr(fd, pd, res, max, UACCEL_MR_ACCESS_WRITE, NULL), -EFAULT);
	assert_int_equal(vm_reg_mr(fd, pd, res, 4 * PAGE, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr + 1);
	assert_int_equal(st.pinned_pages, base.pinned_pages + 4);
	assert_int_equal(vm_destroy(fd, mr), 0);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.pinned_pages, base.pinned_pages);

	assert_int_equal(munmap(res, max), 0);
	munmap(buf, PAGE);
	assert_int_equal(vm_destroy(fd, pd), 0);
	close(fd);
}

/*
 * Queue entries: 65,536 works (vm_objects covers 0 and 65,537, and the CQ
 * bounds) and its whole ring maps; so does the largest CQ's.
 */
static void test_queue_entries_max(void **state)
{
	int fd = vm_open_device(DEV);
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	volatile uint32_t *last;
	uint32_t pd;
	char *ring;

	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_create_cq(fd, 65536, &cq), 0);
	assert_int_equal(cq.out_entries, 65536);
	assert_int_equal(cq.out_mmap_size, 65536 * sizeof(struct uaccel_cqe) + PAGE);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 65536, &q), 0);
	assert_int_equal(q.out_entries, 65536);
	assert_int_equal(q.out_mmap_size,
			 (128 + 65536ULL * q.out_entry_size + PAGE - 1) / PAGE * PAGE);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 65537, NULL), -EINVAL);

	vm_catch_sigbus();
	ring = mmap(NULL, q.out_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    q.out_mmap_offset);
	assert_true(ring != MAP_FAILED);
	last = (volatile uint32_t *)(ring + q.out_mmap_size - sizeof(uint32_t));
	assert_int_equal(vm_touch(last), 0);
	assert_int_equal(*last, 0);
	munmap(ring, q.out_mmap_size);
	ring = mmap(NULL, cq.out_mmap_size, PROT_READ, MAP_SHARED, fd, cq.out_mmap_offset);
	assert_true(ring != MAP_FAILED);
	last = (volatile uint32_t *)(ring + cq.out_mmap_size - sizeof(uint32_t));
	assert_int_equal(vm_touch(last), 0);
	munmap(ring, cq.out_mmap_size);

	assert_int_equal(vm_destroy(fd, q.out_queue_id), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	close(fd);
}

static int post(int fd, uint32_t queue, const struct uaccel_wr *wrs, uint32_t count,
		uint32_t *posted)
{
	struct uaccel_post p = {
		.size = sizeof(p), .queue_id = queue, .count = count, .wrs = (uintptr_t)wrs,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_POST, &p);

	if (!ret && posted)
		*posted = p.out_posted;
	return ret;
}

static int poll_cq(int fd, uint32_t cq, struct uaccel_cqe *cqes, uint32_t count,
		   uint32_t *polled)
{
	struct uaccel_poll_cq p = {
		.size = sizeof(p), .cq_id = cq, .count = count, .cqes = (uintptr_t)cqes,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_POLL_CQ, &p);

	if (!ret && polled)
		*polled = p.out_polled;
	return ret;
}

/* POST takes 1 to 4,096 work requests, POLL_CQ up to 4,096 completions. */
static void test_post_and_poll_counts(void **state)
{
	struct uaccel_wr *wrs = calloc(4097, sizeof(*wrs));
	struct uaccel_cqe *cqes = calloc(4097, sizeof(*cqes));
	volatile struct uaccel_ring_header *ring;
	int fd = vm_open_device(DEV);
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	uint32_t pd, n = 0, i;
	double end;

	assert_non_null(wrs);
	assert_non_null(cqes);
	for (i = 0; i < 4097; i++) {
		wrs[i].opcode = UACCEL_WR_NOP;
		wrs[i].user_data = 1000 + i;
	}
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_create_cq(fd, 4096, &cq), 0);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 4096, &q), 0);
	ring = mmap(NULL, cq.out_mmap_size, PROT_READ, MAP_SHARED, fd, cq.out_mmap_offset);
	assert_true(ring != MAP_FAILED);

	assert_int_equal(post(fd, q.out_queue_id, wrs, 0, NULL), -EINVAL);
	assert_int_equal(post(fd, q.out_queue_id, wrs, 4097, NULL), -EINVAL);
	assert_int_equal(poll_cq(fd, cq.out_cq_id, cqes, 4097, NULL), -EINVAL);
	assert_int_equal(post(fd, q.out_queue_id, wrs, 4096, &n), 0);
	assert_int_equal(n, 4096);
	/* The CQ holds every completion, then one POLL_CQ takes all of them. */
	end = vm_now() + 60;
	while (ring->tail != 4096 && vm_now() < end)
		usleep(10000);
	assert_int_equal(ring->tail, 4096);
	assert_int_equal(poll_cq(fd, cq.out_cq_id, cqes, 4097, NULL), -EINVAL);
	assert_int_equal(poll_cq(fd, cq.out_cq_id, cqes, 4096, &n), 0);
	assert_int_equal(n, 4096);
	for (i = 0; i < 4096; i++) {
		assert_int_equal(cqes[i].status, 0);
		assert_int_equal(cqes[i].user_data, 1000 + i);
	}
	assert_int_equal(ring->head, 4096);
	assert_int_equal(poll_cq(fd, cq.out_cq_id, cqes, 4096, &n), 0);
	assert_int_equal(n, 0);

	munmap((void *)ring, cq.out_mmap_size);
	assert_int_equal(vm_destroy(fd, q.out_queue_id), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	close(fd);
	free(wrs);
	free(cqes);
}

#define CGROOT "/sys/fs/cgroup"
#define CGDIR CGROOT "/uaccel-limits"
#define CG_MAX (16 * MIB)
#define CG_RING_BYTES (65536UL * sizeof(struct uaccel_cqe))
/* At most this many 2 MiB rings fit under memory.max ... */
#define CG_MAX_CQS (CG_MAX / CG_RING_BYTES)
/* ... and the child stops trying after this many. */
#define CG_TRY_CQS (CG_MAX_CQS + 4)

/* What the child in the cgroup did, in memory shared with the test. */
struct memcg_report {
	int created;
	int err;
};

static long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_int_equal(sscanf(buf, "%ld", &v), 1);
	return v;
}

static bool has_word(const char *path, const char *word)
{
	char buf[512] = "", *tok, *save;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

static void ev_signal(int efd)
{
	uint64_t one = 1;

	vm_child_check(write(efd, &one, sizeof(one)) == sizeof(one));
}

/* In the child: wait for the test's signal, at most 60 s. */
static void ev_wait(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;

	vm_child_check(poll(&p, 1, 60000) == 1);
	vm_child_check(read(efd, &v, sizeof(v)) == sizeof(v));
}

/* In the test: signal the child. */
static void ev_signal_parent(int efd)
{
	uint64_t one = 1;

	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
}

/* In the test: wait for the child's signal, at most 60 s. */
static void ev_wait_parent(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;

	assert_int_equal(poll(&p, 1, 60000), 1);
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
}

/* Fault in stack pages now, so that the child needs none in the cgroup. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char pad[128 * 1024];

	memset((char *)pad, 0, sizeof(pad));
}

/*
 * The child in the cgroup: user nobody with RLIMIT_MEMLOCK unlimited (the
 * memory cgroup is the limit under test), creating CQs of 65,536 entries
 * until one fails.  It allocates nothing else there: its reports go
 * through shared memory and eventfds, which allocate nothing.
 */
static void memcg_child(const char *node, struct memcg_report *rep, int up, int down)
{
	char pid[16];
	int fd, i, ret = 0;

	prefault_stack();
	snprintf(pid, sizeof(pid), "%d", getpid());
	vm_child_check(!vm_sysfs_write(CGDIR "/cgroup.procs", pid));
	vm_limit_memlock(RLIM_INFINITY);
	/* No OOM kill in the cgroup: the charge must fail with -ENOMEM. */
	vm_child_check(!vm_sysfs_write("/proc/self/oom_score_adj", "-1000"));
	fd = open_node(node);
	vm_become_user(NOBODY);
	ev_signal(up);
	ev_wait(down);
	for (i = 0; i < (int)CG_TRY_CQS; i++) {
		ret = vm_create_cq(fd, 65536, NULL);
		if (ret)
			break;
	}
	rep->created = i;
	rep->err = ret;
	ev_signal(up);
	ev_wait(down);
	close(fd);
	ev_signal(up);
	_exit(0);
}

/*
 * Rings are charged to the memory cgroup of their creator: a 16 MiB
 * memory.max stops CQs of 65,536 entries (2 MiB rings) with -ENOMEM after
 * at most eight, memory.current holds the rings while they live and drops
 * when the context is closed.
 */
static void test_memcg_charges_rings(void **state)
{
	long before, alive, after;
	struct memcg_report *rep;
	int created, err;
	bool enabled;
	int up, down;
	char node[256];
	pid_t pid;

	if (access(CGROOT "/cgroup.controllers", F_OK) &&
	    mount("none", CGROOT, "cgroup2", 0, NULL)) {
		assert_true(errno == ENODEV || errno == ENOENT);
		skip();
	}
	if (!has_word(CGROOT "/cgroup.controllers", "memory"))
		skip();
	enabled = has_word(CGROOT "/cgroup.subtree_control", "memory");
	if (!enabled)
		assert_int_equal(vm_sysfs_write(CGROOT "/cgroup.subtree_control", "+memory"), 0);
	if (mkdir(CGDIR, 0755))
		assert_int_equal(errno, EEXIST);
	assert_int_equal(vm_sysfs_write(CGDIR "/memory.max", "16777216"), 0);
	vm_sysfs_write(CGDIR "/memory.swap.max", "0");	/* no swap: may not exist */

	vm_device_node(DEV, node, sizeof(node));
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(rep != MAP_FAILED);
	rep->created = -1;
	up = eventfd(0, EFD_CLOEXEC);
	down = eventfd(0, EFD_CLOEXEC);
	assert_true(up >= 0 && down >= 0);
	pid = vm_fork();
	if (!pid)
		memcg_child(node, rep, up, down);

	ev_wait_parent(up);		/* in the cgroup, context open */
	before = read_long(CGDIR "/memory.current");
	ev_signal_parent(down);
	ev_wait_parent(up);		/* CQs created */
	alive = read_long(CGDIR "/memory.current");
	ev_signal_parent(down);
	ev_wait_parent(up);		/* context closed */
	after = read_long(CGDIR "/memory.current");
	vm_wait_ok(pid);
	created = rep->created;
	err = rep->err;
	munmap(rep, sizeof(*rep));
	close(up);
	close(down);
	assert_int_equal(rmdir(CGDIR), 0);
	if (!enabled)
		assert_int_equal(vm_sysfs_write(CGROOT "/cgroup.subtree_control", "-memory"), 0);
	print_message("# memory.current %ld before, %ld with %d CQs, %ld after close\n",
		      before, alive, created, after);

	assert_int_equal(err, -ENOMEM);
	assert_true(created >= 1);
	assert_true(created <= (int)CG_MAX_CQS);
	/*
	 * The rings are in memory.current, which counts from 0 (the cgroup
	 * was empty); the rise from "before" may be a little less, as
	 * reclaim can take some of the child's file pages meanwhile.
	 */
	assert_true(alive >= (long)(created * CG_RING_BYTES));
	assert_true(after <= before + (long)(CG_RING_BYTES / 4));
}

/*
 * Locked memory is the user's: forked children pinning 4 MiB each into
 * the context they inherited share the 8 MiB of RLIMIT_MEMLOCK with each
 * other and with their parent, also after they exited.  The debugfs
 * counter shows what the two successful children left pinned.
 */
static void test_locked_forked_children(void **state)
{
	int to_test[2], to_user[2];
	struct vm_stats st;
	char node[256], c;
	pid_t pid;

	vm_device_node(DEV, node, sizeof(node));
	assert_int_equal(pipe(to_test), 0);
	assert_int_equal(pipe(to_user), 0);
	pid = vm_fork();
	if (!pid) {
		char *buf = child_map(4 * MIB), *own = child_map(MEMLOCK);
		int fd = open_node(node), p[2], i, status;
		uint32_t pd, mr, ids[2];

		/* The test's ends: a test that failed leaves this child at EOF. */
		close(to_test[0]);
		close(to_user[1]);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(!pipe(p));
		for (i = 0; i < 20; i++) {
			pid_t kid = fork();
			int want = i < 2 ? 0 : ENOMEM;

			vm_child_check(kid >= 0);
			if (!kid) {
				int ret = vm_reg_mr(fd, pd, buf, 4 * MIB, UACCEL_MR_ACCESS_WRITE, &mr);

				if (!ret && write(p[1], &mr, sizeof(mr)) != sizeof(mr))
					_exit(100);
				_exit(-ret);
			}
			vm_child_check(waitpid(kid, &status, 0) == kid);
			vm_child_check(WIFEXITED(status));
			if (WEXITSTATUS(status) != want) {
				fprintf(stderr, "# child %d: REG_MR of 4 MiB: %d, want %d\n", i + 1,
					-WEXITSTATUS(status), -want);
				_exit(1);
			}
			if (!want)
				vm_child_check(read(p[0], &ids[i], sizeof(ids[i])) == sizeof(ids[i]));
		}
		/* The test checks the pinned-page counter meanwhile. */
		vm_child_check(write(to_test[1], "p", 1) == 1);
		vm_child_check(read(to_user[0], &c, 1) == 1);
		vm_child_check(vm_reg_mr(fd, pd, own, MEMLOCK, UACCEL_MR_ACCESS_WRITE, NULL) ==
			       -ENOMEM);
		vm_child_check(vm_reg_mr(fd, pd, own, 1, UACCEL_MR_ACCESS_WRITE, NULL) == -ENOMEM);
		/* The children's charge goes with their MRs. */
		vm_child_check(!vm_destroy(fd, ids[0]));
		vm_child_check(!vm_destroy(fd, ids[1]));
		vm_child_check(!vm_reg_mr(fd, pd, own, MEMLOCK, UACCEL_MR_ACCESS_WRITE, &mr));
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, UACCEL_MR_ACCESS_WRITE, NULL) == -ENOMEM);
		vm_child_check(!vm_destroy(fd, mr));
		_exit(0);
	}
	close(to_test[1]);
	close(to_user[0]);
	if (read(to_test[0], &c, 1) == 1) {
		vm_read_stats(&st);
		assert_int_equal(write(to_user[1], "g", 1), 1);
		assert_int_equal(st.pinned_pages, base.pinned_pages + 2 * 4 * MIB / PAGE);
		assert_int_equal(st.mr, base.mr + 2);
	}
	vm_wait_ok(pid);
	close(to_test[0]);
	close(to_user[1]);
}

struct pin_job {
	int fd;
	uint32_t pd, mr;
	void *buf;
	size_t len;
	pthread_barrier_t *start;
	int ret;
};

static void *pin_thread(void *arg)
{
	struct pin_job *j = arg;

	pthread_barrier_wait(j->start);
	j->ret = vm_reg_mr(j->fd, j->pd, j->buf, j->len, UACCEL_MR_ACCESS_WRITE, &j->mr);
	return NULL;
}

/* Threads pinning at the same time: exactly two 4 MiB MRs fit in 8 MiB. */
static void test_locked_threads(void **state)
{
	char node[256];
	pid_t pid;

	vm_device_node(DEV, node, sizeof(node));
	pid = vm_fork();
	if (!pid) {
		struct pin_job jobs[4];
		pthread_barrier_t start;
		pthread_t t[4];
		int fd = open_node(node), i, ok = 0, full = 0, freed = -1;
		uint32_t pd, mr;

		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(!pthread_barrier_init(&start, NULL, 4));
		for (i = 0; i < 4; i++) {
			jobs[i] = (struct pin_job){ .fd = fd, .pd = pd, .buf = child_map(4 * MIB),
						    .len = 4 * MIB, .start = &start };
			vm_child_check(!pthread_create(&t[i], NULL, pin_thread, &jobs[i]));
		}
		for (i = 0; i < 4; i++) {
			vm_child_check(!pthread_join(t[i], NULL));
			if (!jobs[i].ret) {
				ok++;
				freed = i;
			} else if (jobs[i].ret == -ENOMEM) {
				full++;
			} else {
				fprintf(stderr, "# thread %d: REG_MR: %d\n", i, jobs[i].ret);
			}
		}
		if (ok != 2 || full != 2) {
			fprintf(stderr, "# %d REG_MR of 4 MiB succeeded, %d got -ENOMEM\n", ok, full);
			_exit(1);
		}
		vm_child_check(vm_reg_mr(fd, pd, jobs[0].buf, 1, 0, NULL) == -ENOMEM);
		vm_child_check(!vm_destroy(fd, jobs[freed].mr));
		vm_child_check(!vm_reg_mr(fd, pd, jobs[freed].buf, 4 * MIB, 0, &mr));
		vm_child_check(vm_reg_mr(fd, pd, jobs[0].buf, 1, 0, NULL) == -ENOMEM);
		_exit(0);
	}
	vm_wait_ok(pid);
}

/*
 * A context fd passed over a unix socket to another process of the same
 * user: the receiver pins against the same 8 MiB as the sender, and its
 * MR stays charged after it exited.
 */
static void test_locked_passed_fd(void **state)
{
	pid_t sender, receiver;
	char node[256], c;
	int sv[2];

	vm_device_node(DEV, node, sizeof(node));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	receiver = vm_fork();
	if (!receiver) {
		char *buf = child_map(4 * MIB);
		uint32_t pd;
		int fd;

		close(sv[0]);
		become_limited_nobody(MEMLOCK);
		fd = vm_recv_fd(sv[1], &pd, sizeof(pd));
		vm_child_check(fd >= 0);
		vm_child_check(vm_reg_mr(fd, pd, buf, 4 * MIB, UACCEL_MR_ACCESS_WRITE, NULL) ==
			       -ENOMEM);
		vm_child_check(!vm_reg_mr(fd, pd, buf, 2 * MIB, UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, UACCEL_MR_ACCESS_WRITE, NULL) == -ENOMEM);
		vm_child_check(write(sv[1], "d", 1) == 1);
		_exit(0);
	}
	sender = vm_fork();
	if (!sender) {
		char *buf = child_map(6 * MIB);
		int fd = open_node(node);
		uint32_t pd;

		close(sv[1]);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(!vm_reg_mr(fd, pd, buf, 6 * MIB, UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(!vm_send_fd(sv[0], fd, &pd, sizeof(pd)));
		vm_child_check(read(sv[0], &c, 1) == 1);
		/* End of file: the receiver exited; its 2 MiB are still charged. */
		vm_child_check(read(sv[0], &c, 1) == 0);
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, UACCEL_MR_ACCESS_WRITE, NULL) == -ENOMEM);
		_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	vm_wait_ok(receiver);
	vm_wait_ok(sender);
}

/*
 * Ring pages count against the same limit: with a CQ and a queue, an
 * 8 MiB MR does not fit, one of 8 MiB less the rings' pages does, and
 * then not even a one-page ring fits.
 */
static void test_locked_rings_count(void **state)
{
	char node[256];
	pid_t pid;

	vm_device_node(DEV, node, sizeof(node));
	pid = vm_fork();
	if (!pid) {
		char *buf = child_map(MEMLOCK);
		int fd = open_node(node);
		struct uaccel_create_queue q, q1;
		struct uaccel_create_cq cq, cq1;
		uint64_t rings;
		uint32_t pd, mr;

		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(!vm_create_cq(fd, 4096, &cq));
		vm_child_check(!vm_create_queue(fd, pd, cq.out_cq_id, 1024, &q));
		rings = ring_pages(cq.out_mmap_size) + ring_pages(q.out_mmap_size);
		vm_child_check(rings == 33 + 17);
		vm_child_check(vm_reg_mr(fd, pd, buf, MEMLOCK, UACCEL_MR_ACCESS_WRITE, NULL) ==
			       -ENOMEM);
		vm_child_check(!vm_reg_mr(fd, pd, buf, MEMLOCK - rings * PAGE,
					  UACCEL_MR_ACCESS_WRITE, &mr));
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, 0, NULL) == -ENOMEM);
		vm_child_check(vm_create_cq(fd, 1, NULL) == -ENOMEM);
		vm_child_check(vm_create_queue(fd, pd, cq.out_cq_id, 1, NULL) == -ENOMEM);
		/* One page back: one one-page ring fits, a second does not. */
		vm_child_check(!vm_destroy(fd, mr));
		vm_child_check(!vm_reg_mr(fd, pd, buf, MEMLOCK - (rings + 1) * PAGE, 0, &mr));
		vm_child_check(!vm_create_cq(fd, 1, &cq1));
		vm_child_check(ring_pages(cq1.out_mmap_size) == 1);
		vm_child_check(vm_create_cq(fd, 1, NULL) == -ENOMEM);
		/* Destroying a ring gives its pages back. */
		vm_child_check(!vm_destroy(fd, q.out_queue_id));
		vm_child_check(!vm_create_queue(fd, pd, cq1.out_cq_id, 1, &q1));
		vm_child_check(!vm_destroy(fd, q1.out_queue_id));
		vm_child_check(!vm_destroy(fd, cq1.out_cq_id));
		vm_child_check(!vm_destroy(fd, cq.out_cq_id));
		vm_child_check(!vm_destroy(fd, mr));
		vm_child_check(!vm_reg_mr(fd, pd, buf, MEMLOCK, 0, &mr));
		_exit(0);
	}
	vm_wait_ok(pid);
}

/*
 * A caller with CAP_IPC_LOCK is neither limited nor charged: root pins
 * 16 MiB and a 2 MiB ring under an 8 MiB limit, and after dropping the
 * capability still has the whole 8 MiB.
 */
static void test_locked_root_unlimited(void **state)
{
	char node[256];
	pid_t pid;

	vm_device_node(DEV, node, sizeof(node));
	pid = vm_fork();
	if (!pid) {
		char *big = child_map(16 * MIB), *buf = child_map(MEMLOCK);
		int fd = open_node(node);
		uint32_t pd;

		vm_limit_memlock(MEMLOCK);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		vm_child_check(!vm_reg_mr(fd, pd, big, 16 * MIB, UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(!vm_create_cq(fd, 65536, NULL));
		vm_drop_ipc_lock();
		vm_child_check(!vm_reg_mr(fd, pd, buf, MEMLOCK, UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, 0, NULL) == -ENOMEM);
		vm_child_check(vm_create_cq(fd, 1, NULL) == -ENOMEM);
		_exit(0);
	}
	vm_wait_ok(pid);
}

static bool get_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static bool put_byte(int fd)
{
	return write(fd, "x", 1) == 1;
}

/*
 * The charge is the user's, and goes back with the objects: while process
 * A of user nobody holds 8 MiB (4 MiB in a context of a device that is
 * then removed, 4 MiB in one it then closes), process B of the same user
 * can pin nothing; the removal, before A closes anything, gives B 4 MiB,
 * A's close the other 4 MiB, and once B exited the user has the whole
 * limit again.
 */
static void test_locked_charge_returns(void **state)
{
	int a_in[2], a_out[2], b_in[2], b_out[2];
	char node[256], node2[256];
	pid_t a, b;

	vm_soft_add(DEV3);
	vm_device_node(DEV, node, sizeof(node));
	vm_device_node(DEV3, node2, sizeof(node2));
	assert_int_equal(pipe(a_in), 0);
	assert_int_equal(pipe(a_out), 0);
	a = vm_fork();
	if (!a) {
		char *buf = child_map(MEMLOCK);
		int gone = open_node(node2), fd = open_node(node);
		uint32_t pd_gone, pd;

		close(a_in[1]);
		close(a_out[0]);
		vm_child_check(!vm_alloc_pd(gone, &pd_gone));
		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(!vm_reg_mr(gone, pd_gone, buf, MEMLOCK / 2, UACCEL_MR_ACCESS_WRITE,
					  NULL));
		vm_child_check(!vm_reg_mr(fd, pd, buf + MEMLOCK / 2, MEMLOCK / 2,
					  UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(put_byte(a_out[1]));	/* holding 8 MiB */
		vm_child_check(get_byte(a_in[0]));
		close(fd);
		vm_child_check(put_byte(a_out[1]));	/* closed */
		vm_child_check(get_byte(a_in[0]));
		close(gone);
		_exit(0);
	}
	close(a_in[0]);
	close(a_out[1]);
	assert_true(get_byte(a_out[0]));
	assert_int_equal(pipe(b_in), 0);
	assert_int_equal(pipe(b_out), 0);
	b = vm_fork();
	if (!b) {
		char *buf = child_map(MEMLOCK);
		int fd = open_node(node);
		uint32_t pd;

		close(a_in[1]);
		close(a_out[0]);
		close(b_in[1]);
		close(b_out[0]);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, 0, NULL) == -ENOMEM);
		vm_child_check(put_byte(b_out[1]));
		vm_child_check(get_byte(b_in[0]));	/* the device was removed */
		vm_child_check(!vm_reg_mr(fd, pd, buf, MEMLOCK / 2, UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, 0, NULL) == -ENOMEM);
		vm_child_check(put_byte(b_out[1]));
		vm_child_check(get_byte(b_in[0]));	/* A closed its context */
		vm_child_check(!vm_reg_mr(fd, pd, buf + MEMLOCK / 2, MEMLOCK / 2,
					  UACCEL_MR_ACCESS_WRITE, NULL));
		vm_child_check(vm_reg_mr(fd, pd, buf, 1, 0, NULL) == -ENOMEM);
		_exit(0);
	}
	close(b_in[0]);
	close(b_out[1]);
	assert_true(get_byte(b_out[0]));
	vm_soft_del(DEV3);
	assert_true(put_byte(b_in[1]));
	assert_true(get_byte(b_out[0]));
	assert_true(put_byte(a_in[1]));
	assert_true(get_byte(a_out[0]));
	assert_true(put_byte(b_in[1]));
	vm_wait_ok(b);
	assert_true(put_byte(a_in[1]));
	vm_wait_ok(a);
	close(a_in[1]);
	close(a_out[0]);
	close(b_in[1]);
	close(b_out[0]);

	/* The user's whole limit is free again. */
	a = vm_fork();
	if (!a) {
		char *buf = child_map(MEMLOCK);
		int fd = open_node(node);
		uint32_t pd;

		vm_child_check(!vm_alloc_pd(fd, &pd));
		become_limited_nobody(MEMLOCK);
		vm_child_check(!vm_reg_mr(fd, pd, buf, MEMLOCK, UACCEL_MR_ACCESS_WRITE, NULL));
		_exit(0);
	}
	vm_wait_ok(a);
}

/* Map a ring; assert success. */
static void *map_ring(int fd, uint64_t offset, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);

	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * Ring mappings cannot be pinned: REG_MR over a CQ ring or a queue ring,
 * of this context or of one on another device, fails with -EFAULT
 * whatever the access, as does a range running from ordinary memory into
 * a ring, and the CQ can be destroyed afterwards.
 */
static void test_mr_over_rings(void **state)
{
	int fd = vm_open_device(DEV), other = vm_open_device(DEV2);
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq, ocq;
	uint32_t pd, opd;
	struct vm_stats st;
	char *cring, *qring, *oring, *two;

	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_alloc_pd(other, &opd), 0);
	assert_int_equal(vm_create_cq(fd, 4, &cq), 0);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 4, &q), 0);
	assert_int_equal(vm_create_cq(other, 4, &ocq), 0);
	cring = map_ring(fd, cq.out_mmap_offset, cq.out_mmap_size);
	qring = map_ring(fd, q.out_mmap_offset, q.out_mmap_size);
	oring = map_ring(other, ocq.out_mmap_offset, ocq.out_mmap_size);
	/* Touched and untouched pages alike. */
	assert_int_equal(((volatile struct uaccel_ring_header *)cring)->tail, 0);

	for (uint32_t acc = 0; acc <= UACCEL_MR_ACCESS_WRITE; acc += UACCEL_MR_ACCESS_WRITE) {
		assert_int_equal(vm_reg_mr(fd, pd, cring, cq.out_mmap_size, acc, NULL), -EFAULT);
		assert_int_equal(vm_reg_mr(fd, pd, cring + 128, 32, acc, NULL), -EFAULT);
		assert_int_equal(vm_reg_mr(fd, pd, qring, q.out_mmap_size, acc, NULL), -EFAULT);
		assert_int_equal(vm_reg_mr(fd, pd, oring, ocq.out_mmap_size, acc, NULL), -EFAULT);
		assert_int_equal(vm_reg_mr(other, opd, cring, cq.out_mmap_size, acc, NULL),
				 -EFAULT);
	}
	/* An ordinary page followed by a ring page: the first is given back. */
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(two != MAP_FAILED);
	assert_true(mmap(two + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 other, ocq.out_mmap_offset) == two + PAGE);
	two[0] = 1;
	assert_int_equal(vm_reg_mr(other, opd, two, 2 * PAGE, UACCEL_MR_ACCESS_WRITE, NULL),
			 -EFAULT);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.pinned_pages, base.pinned_pages);

	/* Nothing holds the rings: the objects go. */
	assert_int_equal(vm_destroy(fd, q.out_queue_id), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(other, ocq.out_cq_id), 0);
	munmap(two, 2 * PAGE);
	munmap(cring, cq.out_mmap_size);
	munmap(qring, q.out_mmap_size);
	munmap(oring, ocq.out_mmap_size);
	assert_int_equal(vm_destroy(fd, pd), 0);
	assert_int_equal(vm_destroy(other, opd), 0);
	close(fd);
	close(other);
}

/*
 * After 4,100 PDs came and went, a new CQ's and queue's mmap offsets are
 * below 2^44: their page offset fits the 32 bits of mmap2().  The rings
 * map there.
 */
static void test_ring_offsets_fit_32bit(void **state)
{
	int fd = vm_open_device(DEV), i;
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	volatile struct uaccel_ring_header *ring;
	uint32_t pd;

	for (i = 0; i < 4100; i++) {
		assert_int_equal(vm_alloc_pd(fd, &pd), 0);
		assert_int_equal(vm_destroy(fd, pd), 0);
	}
	assert_true(pd >= 4100);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_create_cq(fd, 8, &cq), 0);
	assert_int_equal(vm_create_queue(fd, pd, cq.out_cq_id, 8, &q), 0);
	print_message("# CQ %u at offset %#llx, queue %u at %#llx\n", cq.out_cq_id,
		      (unsigned long long)cq.out_mmap_offset, q.out_queue_id,
		      (unsigned long long)q.out_mmap_offset);
	assert_true(cq.out_cq_id > 4100);
	assert_true(cq.out_mmap_offset < (1ULL << 44));
	assert_true(q.out_mmap_offset < (1ULL << 44));
	assert_int_equal(cq.out_mmap_offset % PAGE, 0);
	assert_true((cq.out_mmap_offset >> 12) <= UINT32_MAX);
	assert_true((q.out_mmap_offset >> 12) <= UINT32_MAX);
	ring = map_ring(fd, cq.out_mmap_offset, cq.out_mmap_size);
	assert_int_equal(ring->tail, 0);
	munmap((void *)ring, cq.out_mmap_size);
	ring = map_ring(fd, q.out_mmap_offset, q.out_mmap_size);
	assert_int_equal(ring->head, 0);
	munmap((void *)ring, q.out_mmap_size);
	assert_int_equal(vm_destroy(fd, q.out_queue_id), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	close(fd);
}

/* After every test: nothing left (objects, pinned pages, files). */
#define T(f) cmocka_unit_test_teardown(f, vm_check_clean)

/* test_locked_charge_returns deletes DEV3 itself, unless it failed first. */
static int delete_dev3(void **state)
{
	vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", DEV3);
	return vm_check_clean(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mr_length_limit),
		T(test_queue_entries_max),
		T(test_post_and_poll_counts),
		T(test_memcg_charges_rings),
		T(test_locked_forked_children),
		T(test_locked_threads),
		T(test_locked_passed_fd),
		T(test_locked_rings_count),
		T(test_locked_root_unlimited),
		cmocka_unit_test_teardown(test_locked_charge_returns, delete_dev3),
		T(test_mr_over_rings),
		T(test_ring_offsets_fit_32bit),
	};

	signal(SIGPIPE, SIG_IGN);	/* a child that failed closed its pipe */
	return vm_run_tests("vm_limits", tests, &base, DEV, DEV2);
}
