// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Removal never waits for a user page fault (docs/design.md, "ioctl
 * dispatch"): a call whose user memory lies on a userfaultfd page that
 * nobody serves (the command structure of a core or facet command,
 * REG_MR's range, POST's work requests, POLL_CQ's completion array) waits
 * outside the device's section, so deleting the device returns at once;
 * once the page is served the call fails with -ENODEV and nothing is left.
 * And a reply that cannot be written back leaves no object, facet file or
 * fd behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "../common/crc32c.h"
#include "vmfuse.h"
#include "vmtest.h"

#define DEV "stuck0"
#define DEV2 "stuck1"
#define PAGE 4096UL
/*
 * Removal takes 10 to 200 ms (up to 2 s seen on the debug kernel under
 * load); one that waits for the fault never returns before the page is
 * served.
 */
#define REMOVAL_BOUND_MS 10000

static struct vm_stats base;

/*
 * A page registered with a userfaultfd for missing-page faults, after
 * @lead ordinary pages (at @map).
 */
struct uffd_page {
	int uffd;
	char *page;
	char *map;
	size_t lead;
};

/* Set one up; skips the test when the kernel has no userfaultfd. */
static void uffd_page_open_lead(struct uffd_page *u, size_t lead)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	u->uffd = vm_userfaultfd();
	u->lead = lead;
	u->map = mmap(NULL, (lead + 1) * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(u->map != MAP_FAILED);
	u->page = u->map + lead * PAGE;
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = PAGE;
	assert_int_equal(ioctl(u->uffd, UFFDIO_REGISTER, &reg), 0);
}

static void uffd_page_open(struct uffd_page *u)
{
	uffd_page_open_lead(u, 0);
}

static void uffd_page_close(struct uffd_page *u)
{
	munmap(u->map, (u->lead + 1) * PAGE);
	close(u->uffd);
}

/* Serve the fault: the page gets @contents (PAGE bytes). */
static int uffd_serve(struct uffd_page *u, const void *contents)
{
	struct uffdio_copy copy = {
		.dst = (uintptr_t)u->page, .src = (uintptr_t)contents, .len = PAGE,
	};

	return ioctl(u->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
}

/* One call, run by a thread: an ioctl on @fd. */
struct call {
	int fd;
	unsigned long req;
	void *arg;
	int ret;
	int done;	/* eventfd, signalled when the call returned */
};

static void *call_thread(void *arg)
{
	struct call *c = arg;
	uint64_t one = 1;
	int ret;

	/* -errno, or what the call returned (a count is not an error). */
	ret = ioctl(c->fd, c->req, c->arg);
	c->ret = ret < 0 ? -errno : ret;
	if (write(c->done, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/* Which of two fds (0 or 1) became readable first, or -1 on timeout. */
static int wait_either(int a, int b, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	int n = poll(p, b >= 0 ? 2 : 1, timeout_ms);

	assert_true(n >= 0);
	if (!n)
		return -1;
	return p[0].revents & POLLIN ? 0 : 1;
}

/* Start @c in a thread. */
static void call_start(struct call *c, pthread_t *t)
{
	c->done = eventfd(0, EFD_CLOEXEC);
	assert_true(c->done >= 0);
	assert_int_equal(pthread_create(t, NULL, call_thread, c), 0);
}

/* Wait until the call of @c faulted on @u's page (1) or returned (0). */
static int wait_uffd_fault(struct uffd_page *u, struct call *c)
{
	struct uffd_msg msg;
	int which;

	which = wait_either(u->uffd, c->done, 30000);
	assert_int_not_equal(which, -1);
	if (which == 1)
		return 0;
	assert_int_equal(read(u->uffd, &msg, sizeof(msg)), sizeof(msg));
	assert_int_equal(msg.event, UFFD_EVENT_PAGEFAULT);
	assert_int_equal(msg.arg.pagefault.address & ~(PAGE - 1), (uintptr_t)u->page);
	return 1;
}

/* What happened to a removal while a call waited for a page. */
struct removal {
	bool returned;		/* removal returned within REMOVAL_BOUND_MS */
	bool call_waiting;	/* the call still waited when removal returned */
	double took;		/* seconds until removal returned */
	int delete_ret, serve_ret, call_ret;
};

/*
 * The thread @t of @c waits for a page: delete the device with @d, serve
 * the page with @serve (also when removal did wait, so that it can
 * finish), wait for both.  Nothing here may map memory until the page is
 * served: no assertion before that.  check_removal() checks the outcome.
 */
static void remove_while_stuck(struct vm_deleter *d, struct call *c, pthread_t t,
			       int (*serve)(void *), void *arg, struct removal *r)
{
	double t0 = vm_now();

	vm_deleter_go(d);
	r->returned = wait_either(d->done, -1, REMOVAL_BOUND_MS) == 0;
	r->took = vm_now() - t0;
	r->call_waiting = wait_either(c->done, -1, 0) == -1;
	r->serve_ret = serve(arg);
	r->delete_ret = vm_deleter_finish(d);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(c->done);
	r->call_ret = c->ret;
	if (!r->returned)
		r->took = vm_now() - t0;
}

/* Removal returned in time, while the call waited; the call's result. */
static int check_removal(const struct removal *r)
{
	assert_int_equal(r->serve_ret, 0);
	if (!r->returned)
		fail_msg("removal waited for the user page fault (until it was served, "
			 "%.1f s; the call returned %d)", r->took, r->call_ret);
	print_message("# removal returned after %.3f s; the call then returned %d\n",
		      r->took, r->call_ret);
	assert_int_equal(r->delete_ret, 0);
	assert_true(r->call_waiting);
	return r->call_ret;
}

struct uffd_serve_arg {
	struct uffd_page *u;
	const void *contents;
};

static int serve_uffd(void *arg)
{
	struct uffd_serve_arg *a = arg;

	return uffd_serve(a->u, a->contents);
}

/*
 * The call of @c on device @dev waits for @u's page: remove the device,
 * serve the page with @contents; the call's result.
 */
static int remove_while_uffd_stuck(struct uffd_page *u, struct call *c, const char *dev,
				   const void *contents)
{
	struct uffd_serve_arg a = { .u = u, .contents = contents };
	struct removal r;
	struct vm_deleter d;
	pthread_t t;

	vm_deleter_start(&d, dev);
	call_start(c, &t);
	if (!wait_uffd_fault(u, c)) {
		assert_int_equal(pthread_join(t, NULL), 0);
		vm_deleter_finish(&d);
		fail_msg("the call returned %d without waiting for its page", c->ret);
	}
	remove_while_stuck(&d, c, t, serve_uffd, &a, &r);
	return check_removal(&r);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A context with a PD, two MRs, a CQ, a queue and a dma.soft facet fd. */
struct rig {
	int fd, facet;
	uint32_t pd, src, dst;
	struct uaccel_create_cq cq;
	struct uaccel_create_queue q;
	char *buf;
};

static void rig_open(struct rig *r)
{
	r->fd = vm_open_device(DEV);
	r->buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(r->buf != MAP_FAILED);
	memset(r->buf, 'r', 2 * PAGE);
	assert_int_equal(vm_alloc_pd(r->fd, &r->pd), 0);
	assert_int_equal(vm_reg_mr(r->fd, r->pd, r->buf, PAGE, 0, &r->src), 0);
	assert_int_equal(vm_reg_mr(r->fd, r->pd, r->buf + PAGE, PAGE, UACCEL_MR_ACCESS_WRITE,
				   &r->dst), 0);
	assert_int_equal(vm_create_cq(r->fd, 8, &r->cq), 0);
	assert_int_equal(vm_create_queue(r->fd, r->pd, r->cq.out_cq_id, 8, &r->q), 0);
	r->facet = vm_open_facet(r->fd, UACCEL_SOFT_DMA_FACET);
}

static void rig_close(struct rig *r)
{
	assert_int_equal(close(r->facet), 0);
	assert_int_equal(close(r->fd), 0);
	munmap(r->buf, 2 * PAGE);
}

enum which_struct {
	QUERY_DEVICE, ALLOC_PD, REG_MR, CREATE_CQ, GET_DRIVER_OPS_FD, FACET_COPY,
};

/*
 * The command structure itself on the unserved page: the dispatcher waits
 * for it before it enters the device's section.  Served with a valid
 * command, the call then finds the device gone.
 */
static void struct_on_page(enum which_struct which)
{
	union {
		struct uaccel_query_device qd;
		struct uaccel_alloc_pd pd;
		struct uaccel_reg_mr mr;
		struct uaccel_create_cq cq;
		struct uaccel_get_driver_ops_fd gf;
		struct uaccel_soft_dma_copy cp;
		char page[PAGE];
	} *contents = aligned_alloc(PAGE, PAGE);
	struct uffd_page u;
	struct call c;
	struct rig r;
	int fds;

	assert_non_null(contents);
	memset(contents, 0, PAGE);
	uffd_page_open(&u);
	vm_soft_add(DEV);
	rig_open(&r);
	c = (struct call){ .fd = r.fd, .arg = u.page };
	switch (which) {
	case QUERY_DEVICE:
		contents->qd.size = sizeof(contents->qd);
		c.req = UACCEL_IOCTL_QUERY_DEVICE;
		break;
	case ALLOC_PD:
		contents->pd.size = sizeof(contents->pd);
		c.req = UACCEL_IOCTL_ALLOC_PD;
		break;
	case REG_MR:
		contents->mr = (struct uaccel_reg_mr){ .size = sizeof(contents->mr),
			.pd_id = r.pd, .addr = (uintptr_t)r.buf, .length = PAGE };
		c.req = UACCEL_IOCTL_REG_MR;
		break;
	case CREATE_CQ:
		contents->cq = (struct uaccel_create_cq){ .size = sizeof(contents->cq),
							  .entries = 4 };
		c.req = UACCEL_IOCTL_CREATE_CQ;
		break;
	case GET_DRIVER_OPS_FD:
		contents->gf = (struct uaccel_get_driver_ops_fd){ .size = sizeof(contents->gf),
			.name = UACCEL_SOFT_DMA_FACET, .min_version = 1, .max_version = 2 };
		c.req = UACCEL_IOCTL_GET_DRIVER_OPS_FD;
		break;
	case FACET_COPY:
		contents->cp = (struct uaccel_soft_dma_copy){ .size = sizeof(contents->cp),
			.src_mr = r.src, .dst_mr = r.dst, .length = 64 };
		c.fd = r.facet;
		c.req = UACCEL_SOFT_IOCTL_DMA_COPY;
		break;
	}
	fds = count_fds();
	assert_int_equal(remove_while_uffd_stuck(&u, &c, DEV, contents), -ENODEV);
	/* Nothing was created: no fd either. */
	assert_int_equal(count_fds(), fds);
	rig_close(&r);
	uffd_page_close(&u);
	free(contents);
}

static void test_query_device_on_page(void **state)
{
	struct_on_page(QUERY_DEVICE);
}

static void test_alloc_pd_on_page(void **state)
{
	struct_on_page(ALLOC_PD);
}

static void test_reg_mr_command_on_page(void **state)
{
	struct_on_page(REG_MR);
}

static void test_create_cq_on_page(void **state)
{
	struct_on_page(CREATE_CQ);
}

static void test_get_driver_ops_fd_on_page(void **state)
{
	struct_on_page(GET_DRIVER_OPS_FD);
}

static void test_facet_copy_on_page(void **state)
{
	struct_on_page(FACET_COPY);
}

/*
 * REG_MR of the unserved userfaultfd page: pinning it faults.  Linux 6.1
 * pins with FOLL_LONGTERM without letting the fault wait (no mmap lock to
 * drop), so userfaultfd answers with SIGBUS and REG_MR fails with -EFAULT
 * at once; a kernel whose pinning waits for the page takes the removal
 * path instead.  Either way removal is not held up.  The FUSE test below
 * makes pinning wait on Linux 6.1.
 */
static void test_reg_mr_range_on_uffd_page(void **state)
{
	char *contents = aligned_alloc(PAGE, PAGE);
	struct uaccel_reg_mr mr = { .size = sizeof(mr), .length = PAGE };
	struct uffd_serve_arg a = { .contents = contents };
	struct uffd_page u;
	struct removal rm;
	struct vm_deleter d;
	struct call c;
	struct rig r;
	pthread_t t;

	assert_non_null(contents);
	memset(contents, 'u', PAGE);
	uffd_page_open(&u);
	a.u = &u;
	vm_soft_add(DEV);
	rig_open(&r);
	mr.pd_id = r.pd;
	mr.addr = (uintptr_t)u.page;
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_REG_MR, .arg = &mr };
	vm_deleter_start(&d, DEV);
	call_start(&c, &t);
	if (wait_uffd_fault(&u, &c)) {
		remove_while_stuck(&d, &c, t, serve_uffd, &a, &rm);
		assert_int_equal(check_removal(&rm), -ENODEV);
	} else {
		assert_int_equal(pthread_join(t, NULL), 0);
		close(c.done);
		print_message("# pinning did not wait for the page: %d\n", c.ret);
		assert_int_equal(c.ret, -EFAULT);
		/* The device works; its removal is immediate. */
		assert_int_equal(vm_reg_mr(r.fd, r.pd, r.buf, PAGE, 0, NULL), 0);
		assert_int_equal(vm_deleter_finish(&d), 0);
	}
	rig_close(&r);
	uffd_page_close(&u);
	free(contents);
}

/*
 * REG_MR over a mapping of a FUSE file whose read is not answered:
 * pinning waits for the page (holding the mmap lock), outside the
 * device's section, so removal returns; answered, REG_MR finds the device
 * gone and gives the page back.
 */
static void test_reg_mr_range_on_fuse_page(void **state)
{
	struct uaccel_reg_mr mr = { .size = sizeof(mr), .length = PAGE };
	struct vm_fuse s;
	struct removal rm;
	struct vm_deleter d;
	struct call c;
	struct rig r;
	pthread_t t;
	int file, which;
	char *map, first;

	vm_fuse_mount(&s);
	file = open(VM_FUSE_FILE, O_RDONLY | O_CLOEXEC);
	assert_true(file >= 0);
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, file, 0);
	assert_true(map != MAP_FAILED);
	vm_soft_add(DEV);
	rig_open(&r);
	mr.pd_id = r.pd;
	mr.addr = (uintptr_t)map;
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_REG_MR, .arg = &mr };
	vm_deleter_start(&d, DEV);
	call_start(&c, &t);
	which = wait_either(s.read_pending, c.done, 30000);
	if (which == 0) {
		remove_while_stuck(&d, &c, t, vm_fuse_answer_read, &s, &rm);
	} else {
		assert_int_equal(pthread_join(t, NULL), 0);
		close(c.done);
		vm_deleter_finish(&d);
	}
	/* The page was read and is mapped. */
	first = which == 0 ? map[0] : 0;
	/* Unmount first: a process holding its own FUSE mount never exits. */
	close(r.facet);
	close(r.fd);
	munmap(r.buf, 2 * PAGE);
	munmap(map, PAGE);
	close(file);
	vm_fuse_unmount(&s);
	if (which != 0)
		fail_msg("REG_MR returned %d without waiting for the read", c.ret);
	assert_int_equal(check_removal(&rm), -ENODEV);
	assert_int_equal(first, 'f');
}

#define NOBODY 65534

/*
 * In a child: become user nobody with RLIMIT_MEMLOCK of one page and no
 * CAP_IPC_LOCK, then REG_MR @len bytes at @addr with write access into PD
 * @pd of context @fd; exits with the errno of REG_MR (0 on success).
 */
static void child_reg_mr_exit(int fd, uint32_t pd, const void *addr, size_t len)
{
	struct rlimit rl = { .rlim_cur = PAGE, .rlim_max = PAGE };

	vm_child_check(!setrlimit(RLIMIT_MEMLOCK, &rl));
	vm_become_user(NOBODY);
	_exit(-vm_reg_mr(fd, pd, addr, len, UACCEL_MR_ACCESS_WRITE, NULL));
}

/*
 * Whether user nobody can lock one more page: REG_MR of a page of its own
 * on device @dev as nobody with RLIMIT_MEMLOCK of one page.  0 or -ENOMEM.
 */
static int nobody_reg_mr_page(const char *dev)
{
	char node[256];
	int status;
	pid_t pid;

	vm_device_node(dev, node, sizeof(node));
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		int fd = open(node, O_RDWR | O_CLOEXEC);
		uint32_t pd;

		vm_child_check(buf != MAP_FAILED && fd >= 0);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		child_reg_mr_exit(fd, pd, buf, PAGE);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

/* Wait up to @timeout_s for the pinned-page counter to read @want. */
static long wait_pinned_pages(long want, double timeout_s)
{
	double end = vm_now() + timeout_s;
	struct vm_stats st;

	for (;;) {
		vm_read_stats(&st);
		if (st.pinned_pages == want || vm_now() > end)
			return st.pinned_pages;
		usleep(10000);
	}
}

/* One read(2) of the FUSE file, run by a thread. */
struct fuse_reader {
	int file;
	ssize_t ret;
	int done;	/* eventfd, signalled when the read returned */
	char buf[PAGE];
};

static void *fuse_read_thread(void *arg)
{
	struct fuse_reader *rd = arg;
	uint64_t one = 1;

	rd->ret = pread(rd->file, rd->buf, PAGE, 0);
	if (write(rd->done, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/*
 * Unpinning a page the device may have written marks it dirty under its
 * page lock, which FUSE holds while its server answers a read of the page:
 * an MR over a shared mapping of a FUSE file, removed while a read of its
 * page waits.  Removal returns without waiting for the server; the page
 * stays pinned and its locked memory charged until the server answered,
 * then both come back.  The MR is registered by user nobody, so that its
 * locked-memory charge shows (a user with CAP_IPC_LOCK is not charged).
 *
 * The page is clean (written back) and not up to date (a write the server
 * failed), since only then does unpinning take the lock and a read lock it
 * for the server's answer.
 */
static void test_mr_unpin_on_locked_fuse_page(void **state)
{
	int fd, delete_ret = -1, serve_ret = -1, locked_mid = 0, locked_after, fsync_ret;
	int which, status;
	long pinned_after;
	bool returned = false, reader_waiting = false;
	struct vm_stats mid = { 0 };
	struct fuse_reader *rd;
	double t0 = 0, took = 0;
	struct vm_fuse s;
	struct vm_deleter d;
	uint32_t pd;
	pthread_t t;
	char *map;
	pid_t pid;

	vm_fuse_mount(&s);
	rd = calloc(1, sizeof(*rd));
	assert_non_null(rd);
	__atomic_store_n(&s.answer_reads, true, __ATOMIC_RELEASE);
	rd->file = open(VM_FUSE_FILE, O_RDWR | O_CLOEXEC);
	assert_true(rd->file >= 0);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rd->file, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(map[0], 'f');
	vm_soft_add(DEV);
	vm_soft_add(DEV2);
	fd = vm_open_device(DEV);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		child_reg_mr_exit(fd, pd, map, PAGE);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(-WEXITSTATUS(status), 0);
	/* Nobody's one page of locked memory is used. */
	assert_int_equal(nobody_reg_mr_page(DEV2), -ENOMEM);

	/* Clean: the child's writable mapping dirtied the page. */
	assert_int_equal(fsync(rd->file), 0);
	/* Not up to date: the kernel forgets what a failed write left in it. */
	__atomic_store_n(&s.write_error, EIO, __ATOMIC_RELEASE);
	assert_int_equal(pwrite(rd->file, "x", 1, 0), -1);
	assert_int_equal(errno, EIO);
	__atomic_store_n(&s.write_error, 0, __ATOMIC_RELEASE);
	/* A read locks it until the server answers. */
	__atomic_store_n(&s.answer_reads, false, __ATOMIC_RELEASE);
	rd->done = eventfd(0, EFD_CLOEXEC);
	assert_true(rd->done >= 0);
	vm_deleter_start(&d, DEV);
	assert_int_equal(pthread_create(&t, NULL, fuse_read_thread, rd), 0);
	which = wait_either(s.read_pending, rd->done, 30000);
	if (which == 0) {
		/* Until the read is answered: no assertion. */
		t0 = vm_now();
		vm_deleter_go(&d);
		returned = wait_either(d.done, -1, REMOVAL_BOUND_MS) == 0;
		took = vm_now() - t0;
		reader_waiting = wait_either(rd->done, -1, 0) == -1;
		if (returned) {
			vm_read_stats(&mid);
			locked_mid = nobody_reg_mr_page(DEV2);
		}
		serve_ret = vm_fuse_answer_read(&s);
	}
	delete_ret = vm_deleter_finish(&d);
	assert_int_equal(pthread_join(t, NULL), 0);
	took = returned ? took : vm_now() - t0;
	/* Answered: the page is unpinned, nobody's charge returned. */
	pinned_after = wait_pinned_pages(base.pinned_pages, 10);
	locked_after = nobody_reg_mr_page(DEV2);

	/*
	 * Clean up before any assertion, so that a failure leaves nothing to
	 * the next tests; unmount first: a process holding its own FUSE mount
	 * never exits.
	 */
	fsync_ret = fsync(rd->file);
	close(fd);
	close(rd->done);
	munmap(map, PAGE);
	close(rd->file);
	vm_fuse_unmount(&s);
	vm_soft_del(DEV2);
	if (which != 0)
		fail_msg("the read returned %zd without waiting for the server", rd->ret);
	assert_int_equal(serve_ret, 0);
	if (!returned)
		fail_msg("removal waited for the FUSE server (until it answered, %.1f s)", took);
	print_message("# removal returned after %.3f s\n", took);
	assert_int_equal(delete_ret, 0);
	assert_true(reader_waiting);
	assert_int_equal(rd->ret, PAGE);
	assert_int_equal(rd->buf[0], 'f');
	/* While the page was locked: the MR was gone, its page still pinned and charged. */
	assert_int_equal(mid.mr, base.mr);
	assert_int_equal(mid.pinned_pages, base.pinned_pages + 1);
	assert_int_equal(locked_mid, -ENOMEM);
	assert_int_equal(pinned_after, base.pinned_pages);
	assert_int_equal(locked_after, 0);
	assert_int_equal(fsync_ret, 0);
	free(rd);
}

/* POST whose work request array is the unserved page. */
static void test_post_wrs_on_page(void **state)
{
	struct uaccel_wr *contents = aligned_alloc(PAGE, PAGE);
	struct uaccel_post post = { .size = sizeof(post), .count = 1 };
	struct uffd_page u;
	struct call c;
	struct rig r;

	assert_non_null(contents);
	memset(contents, 0, PAGE);
	contents[0].opcode = UACCEL_WR_NOP;
	contents[0].user_data = 7;
	uffd_page_open(&u);
	vm_soft_add(DEV);
	rig_open(&r);
	post.queue_id = r.q.out_queue_id;
	post.wrs = (uintptr_t)u.page;
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_POST, .arg = &post };
	assert_int_equal(remove_while_uffd_stuck(&u, &c, DEV, contents), -ENODEV);
	rig_close(&r);
	uffd_page_close(&u);
	free(contents);
}

/* POLL_CQ with a completion ready, whose output array is the unserved page. */
static void test_poll_cq_output_on_page(void **state)
{
	struct uaccel_wr wr = { .opcode = UACCEL_WR_NOP, .user_data = 9 };
	struct uaccel_post post = { .size = sizeof(post), .count = 1, .wrs = (uintptr_t)&wr };
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .count = 1 };
	struct uaccel_wait_cq wc = { .size = sizeof(wc), .timeout_ms = 10000 };
	char *contents = aligned_alloc(PAGE, PAGE);
	struct uffd_page u;
	struct call c;
	struct rig r;

	assert_non_null(contents);
	memset(contents, 0, PAGE);
	uffd_page_open(&u);
	vm_soft_add(DEV);
	rig_open(&r);
	post.queue_id = r.q.out_queue_id;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POST, &post), 0);
	assert_int_equal(post.out_posted, 1);
	wc.cq_id = r.cq.out_cq_id;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_WAIT_CQ, &wc), 0);
	pc.cq_id = r.cq.out_cq_id;
	pc.cqes = (uintptr_t)u.page;
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_POLL_CQ, .arg = &pc };
	assert_int_equal(remove_while_uffd_stuck(&u, &c, DEV, contents), -ENODEV);
	rig_close(&r);
	uffd_page_close(&u);
	free(contents);
}

/*
 * A reply that cannot be written (the structure is readable, not
 * writable): -EFAULT, and what the command created is gone: no object,
 * no pinned page, no facet file, no fd.
 */
static void test_reply_unwritable(void **state)
{
	char *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uaccel_alloc_pd *pdc = (void *)ro;
	struct uaccel_create_cq *cqc = (void *)(ro + 256);
	struct uaccel_create_queue *qc = (void *)(ro + 512);
	struct uaccel_reg_mr *mrc = (void *)(ro + 768);
	struct uaccel_get_driver_ops_fd *gf = (void *)(ro + 1024);
	struct uaccel_create_cq cq;
	struct vm_stats st;
	uint32_t pd, pd2, id;
	int fd, fds, f;

	assert_true(ro != MAP_FAILED && buf != MAP_FAILED);
	vm_soft_add(DEV);
	fd = vm_open_device(DEV);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_create_cq(fd, 4, &cq), 0);
	*pdc = (struct uaccel_alloc_pd){ .size = sizeof(*pdc) };
	*cqc = (struct uaccel_create_cq){ .size = sizeof(*cqc), .entries = 4 };
	*qc = (struct uaccel_create_queue){ .size = sizeof(*qc), .pd_id = pd,
					    .cq_id = cq.out_cq_id, .entries = 4 };
	*mrc = (struct uaccel_reg_mr){ .size = sizeof(*mrc), .pd_id = pd,
				       .addr = (uintptr_t)buf, .length = PAGE };
	*gf = (struct uaccel_get_driver_ops_fd){ .size = sizeof(*gf),
		.name = UACCEL_SOFT_DMA_FACET, .min_version = 1, .max_version = 2 };
	assert_int_equal(mprotect(ro, PAGE, PROT_READ), 0);

	fds = count_fds();
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, pdc), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, cqc), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, qc), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_REG_MR, mrc), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, gf), -EFAULT);
	assert_int_equal(count_fds(), fds);
	vm_read_stats(&st);
	assert_int_equal(st.contexts, base.contexts + 1);
	assert_int_equal(st.facet_files, base.facet_files);
	assert_int_equal(st.pd, base.pd + 1);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.cq, base.cq + 1);
	assert_int_equal(st.queue, base.queue);
	assert_int_equal(st.pinned_pages, base.pinned_pages);

	/* The ids the failed commands took name nothing. */
	assert_int_equal(vm_alloc_pd(fd, &pd2), 0);
	assert_true(pd2 > cq.out_cq_id);
	for (id = cq.out_cq_id + 1; id < pd2; id++)
		assert_int_equal(vm_destroy(fd, id), -ENOENT);
	/* The PD and CQ were not left busy. */
	assert_int_equal(vm_destroy(fd, pd2), 0);
	assert_int_equal(vm_destroy(fd, cq.out_cq_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	f = vm_open_facet(fd, UACCEL_SOFT_DMA_FACET);
	close(f);
	close(fd);
	vm_soft_del(DEV);
	munmap(ro, PAGE);
	munmap(buf, PAGE);
}

/* Wait until the soft queue @q of @facet executed @n requests. */
static void wait_executed(int facet, uint32_t q, uint64_t n)
{
	struct uaccel_soft_dma_queue_stats qs = { .size = sizeof(qs), .queue_id = q };
	double end = vm_now() + 30;

	do {
		assert_int_equal(vm_ioctl(facet, UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, &qs), 0);
		if (qs.out_executed >= n)
			break;
		usleep(1000);
	} while (vm_now() < end);
	assert_int_equal(qs.out_executed, n);
}

/*
 * POST and POLL_CQ change state before they reply (they queue requests,
 * consume completions), so they first check that their structure can be
 * written: one that is readable, not writable, gets -EFAULT with nothing
 * queued and nothing consumed.
 */
static void test_post_poll_cq_structure_unwritable(void **state)
{
	char *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uaccel_wr wr[2] = {
		{ .opcode = UACCEL_WR_NOP, .user_data = 1 },
		{ .opcode = UACCEL_WR_NOP, .user_data = 2 },
	};
	struct uaccel_post *post = (void *)ro, p2 = { .size = sizeof(p2), .count = 1 };
	struct uaccel_poll_cq *pc = (void *)(ro + 256), pc2 = { .size = sizeof(pc2), .count = 4 };
	struct uaccel_cqe cqe[4];
	struct rig r;

	assert_true(ro != MAP_FAILED);
	vm_soft_add(DEV);
	rig_open(&r);
	*post = (struct uaccel_post){ .size = sizeof(*post), .queue_id = r.q.out_queue_id,
				      .count = 1, .wrs = (uintptr_t)&wr[0] };
	*pc = (struct uaccel_poll_cq){ .size = sizeof(*pc), .cq_id = r.cq.out_cq_id,
				       .count = 4, .cqes = (uintptr_t)cqe };
	assert_int_equal(mprotect(ro, PAGE, PROT_READ), 0);

	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POST, post), -EFAULT);
	/* Nothing was queued: the next request is the first to complete. */
	p2.queue_id = r.q.out_queue_id;
	p2.wrs = (uintptr_t)&wr[1];
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POST, &p2), 0);
	assert_int_equal(p2.out_posted, 1);
	wait_executed(r.facet, r.q.out_queue_id, 1);

	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, pc), -EFAULT);
	/* Nothing was consumed. */
	pc2.cq_id = r.cq.out_cq_id;
	pc2.cqes = (uintptr_t)cqe;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, &pc2), 0);
	assert_int_equal(pc2.out_polled, 1);
	assert_int_equal(cqe[0].user_data, 2);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, &pc2), 0);
	assert_int_equal(pc2.out_polled, 0);
	rig_close(&r);
	vm_soft_del(DEV);
	munmap(ro, PAGE);
}

/*
 * A structure that becomes unwritable while POST or POLL_CQ runs (another
 * thread write-protects it, here while the call waits for a page of its
 * array): the call cannot write its count, so it returns it, as write()
 * does.  Nothing is lost: the requests were queued and complete, the
 * completions are in the array and consumed.
 */
static void test_post_poll_cq_count_returned(void **state)
{
	enum { N = 16, HALF = 8 };
	char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *contents = aligned_alloc(PAGE, PAGE);
	struct uaccel_post *post = (void *)page;
	struct uaccel_poll_cq *pc = (void *)(page + 256), pc2 = { .size = sizeof(pc2) };
	struct uaccel_wr nops[2] = {
		{ .opcode = UACCEL_WR_NOP, .user_data = 10 },
		{ .opcode = UACCEL_WR_NOP, .user_data = 11 },
	};
	struct uaccel_post p2 = { .size = sizeof(p2), .count = 2, .wrs = (uintptr_t)nops };
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	struct uaccel_cqe cqe[N], *got;
	struct uaccel_wr *wrs;
	struct uffd_page u;
	struct call c;
	struct rig r;
	uint32_t i, polled;
	pthread_t t;

	assert_true(page != MAP_FAILED);
	assert_non_null(contents);
	memset(contents, 0, PAGE);
	vm_soft_add(DEV);
	rig_open(&r);

	/* POLL_CQ of two completions into the array on the unserved page. */
	uffd_page_open(&u);
	p2.queue_id = r.q.out_queue_id;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POST, &p2), 0);
	wait_executed(r.facet, r.q.out_queue_id, 2);
	*pc = (struct uaccel_poll_cq){ .size = sizeof(*pc), .cq_id = r.cq.out_cq_id,
				       .count = 4, .cqes = (uintptr_t)u.page };
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_POLL_CQ, .arg = pc };
	call_start(&c, &t);
	assert_int_equal(wait_uffd_fault(&u, &c), 1);
	assert_int_equal(mprotect(page, PAGE, PROT_READ), 0);
	assert_int_equal(uffd_serve(&u, contents), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(c.done);
	assert_int_equal(c.ret, 2);
	got = (struct uaccel_cqe *)u.page;
	assert_int_equal(got[0].user_data, 10);
	assert_int_equal(got[1].user_data, 11);
	pc2.cq_id = r.cq.out_cq_id;
	pc2.count = N;
	pc2.cqes = (uintptr_t)cqe;
	assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, &pc2), 0);
	assert_int_equal(pc2.out_polled, 0);
	uffd_page_close(&u);

	/* POST of 16 requests whose second half is on the unserved page. */
	assert_int_equal(mprotect(page, PAGE, PROT_READ | PROT_WRITE), 0);
	uffd_page_open_lead(&u, 1);
	wrs = (struct uaccel_wr *)u.page - HALF;
	for (i = 0; i < N; i++) {
		struct uaccel_wr w = { .opcode = UACCEL_WR_NOP, .user_data = 100 + i };

		if (i < HALF)
			wrs[i] = w;
		else
			((struct uaccel_wr *)contents)[i - HALF] = w;
	}
	assert_int_equal(vm_create_cq(r.fd, N, &cq), 0);
	assert_int_equal(vm_create_queue(r.fd, r.pd, cq.out_cq_id, N, &q), 0);
	*post = (struct uaccel_post){ .size = sizeof(*post), .queue_id = q.out_queue_id,
				      .count = N, .wrs = (uintptr_t)wrs };
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_POST, .arg = post };
	call_start(&c, &t);
	assert_int_equal(wait_uffd_fault(&u, &c), 1);
	assert_int_equal(mprotect(page, PAGE, PROT_READ), 0);
	assert_int_equal(uffd_serve(&u, contents), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(c.done);
	assert_int_equal(c.ret, N);
	/* All of them were queued. */
	wait_executed(r.facet, q.out_queue_id, N);
	pc2.cq_id = cq.out_cq_id;
	for (polled = 0; polled < N; polled += pc2.out_polled) {
		pc2.count = N - polled;
		pc2.cqes = (uintptr_t)&cqe[polled];
		assert_int_equal(vm_ioctl(r.fd, UACCEL_IOCTL_POLL_CQ, &pc2), 0);
		assert_true(pc2.out_polled > 0);
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(cqe[i].user_data, 100 + i);
		assert_int_equal(cqe[i].status, 0);
	}
	uffd_page_close(&u);
	rig_close(&r);
	vm_soft_del(DEV);
	munmap(page, PAGE);
	free(contents);
}

/*
 * Long operations.  One work request or facet command may cover an MR of
 * up to UACCEL_MR_MAX_LENGTH (16 GiB), which the CPU takes seconds to
 * copy; the device checks between chunks of it whether its queue is being
 * destroyed or the device removed, so neither waits for the rest, and,
 * for a facet command, whether its process was killed.  The
 * MR here is 2 GiB: in the emulated test VM a COPY of half of it into
 * the other half takes 5 to 10 s, a CRC32C of all of it 6 s, a FILL of
 * all of it 8 s, and more on the debug kernel.  The VM has less memory:
 * every 4 MiB of the MR's mapping maps the same 4 MiB of a memfd.  Mapping
 * it takes seconds (a minute on the debug kernel), so the tests share one
 * mapping.
 */
#define BIG_LEN (2ULL << 30)
#define ALIAS_CHUNK (4UL << 20)
/* A DESTROY or sysfs read that waits for the request takes seconds. */
#define LONG_OP_BOUND_MS 1000
/*
 * Removal with such an MR takes 0.2 to 0.4 s in the emulated VM (0.8 s on
 * a busy host with twice the MR; unpinning it is part of it); one that
 * waits for the request takes 5 s more.
 */
#define LONG_OP_REMOVAL_BOUND_MS 3000

static char *big_map;

/* BIG_LEN bytes of address space whose every ALIAS_CHUNK bytes map the same memory. */
static char *alias_map(void)
{
	double t0 = vm_now();
	int fd;
	char *p;
	size_t off;

	if (big_map)
		return big_map;
	fd = memfd_create("uaccel-alias", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, ALIAS_CHUNK), 0);
	p = mmap(NULL, BIG_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	for (off = 0; off < BIG_LEN; off += ALIAS_CHUNK)
		assert_true(mmap(p + off, ALIAS_CHUNK, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, 0) == p + off);
	close(fd);
	print_message("# %llu GiB mapped in %.1f s\n", (unsigned long long)(BIG_LEN >> 30),
		      vm_now() - t0);
	big_map = p;
	return p;
}

static int teardown_group(void **state)
{
	if (big_map)
		munmap(big_map, BIG_LEN);
	return 0;
}

/* A context of device @dev with a writable MR of BIG_LEN bytes. */
struct big {
	int fd, facet;
	uint32_t pd, mr;
};

static void big_open(struct big *g, const char *dev)
{
	char *map = alias_map();

	g->fd = vm_open_device(dev);
	assert_int_equal(vm_alloc_pd(g->fd, &g->pd), 0);
	assert_int_equal(vm_reg_mr(g->fd, g->pd, map, BIG_LEN, UACCEL_MR_ACCESS_WRITE, &g->mr),
			 0);
	/* Version 2: CRC32C. */
	g->facet = vm_get_facet(g->fd, UACCEL_SOFT_DMA_FACET, 2, 2, 0, NULL);
	assert_true(g->facet >= 0);
}

static void big_close(struct big *g)
{
	assert_int_equal(close(g->facet), 0);
	assert_int_equal(close(g->fd), 0);
}

/* A queue with its CQ and its ring mapped (to see the device take requests). */
struct big_queue {
	struct uaccel_create_cq cq;
	struct uaccel_create_queue q;
	struct uaccel_ring_header *ring;
};

static void big_queue_open(struct big *g, struct big_queue *bq, uint32_t flags)
{
	struct uaccel_create_queue *q = &bq->q;

	assert_int_equal(vm_create_cq(g->fd, 4, &bq->cq), 0);
	*q = (struct uaccel_create_queue){ .size = sizeof(*q), .flags = flags, .pd_id = g->pd,
					   .cq_id = bq->cq.out_cq_id, .entries = 4 };
	assert_int_equal(vm_ioctl(g->fd, UACCEL_IOCTL_CREATE_QUEUE, q), 0);
	bq->ring = mmap(NULL, q->out_mmap_size, PROT_READ, MAP_SHARED, g->fd, q->out_mmap_offset);
	assert_true(bq->ring != MAP_FAILED);
}

static void big_queue_unmap(struct big_queue *bq)
{
	munmap(bq->ring, bq->q.out_mmap_size);
}

/*
 * POST one request over the MR (COPY: its first half into its second;
 * FILL, CRC32C: all of it); wait until the device took it and runs it.
 */
static void big_post(struct big *g, struct big_queue *bq, uint8_t opcode, uint64_t user_data)
{
	struct uaccel_wr wr = {
		.opcode = opcode, .user_data = user_data, .src_mr = g->mr,
		.dst_mr = g->mr, .length = BIG_LEN,
	};
	struct uaccel_post post = { .size = sizeof(post), .queue_id = bq->q.out_queue_id,
				    .count = 1, .wrs = (uintptr_t)&wr };
	double end = vm_now() + 30;

	if (opcode == UACCEL_WR_COPY) {
		wr.length = BIG_LEN / 2;
		wr.dst_offset = BIG_LEN / 2;
	}
	assert_int_equal(vm_ioctl(g->fd, UACCEL_IOCTL_POST, &post), 0);
	assert_int_equal(post.out_posted, 1);
	while (__atomic_load_n(&bq->ring->head, __ATOMIC_ACQUIRE) != 1 && vm_now() < end)
		usleep(1000);
	assert_int_equal(bq->ring->head, 1);
	/* Well into it, far from done. */
	usleep(100000);
	wait_executed(g->facet, bq->q.out_queue_id, 0);
}

/* Seconds @what took; fails past @bound_ms. */
static void check_prompt(const char *what, double took, int bound_ms)
{
	print_message("# %s returned after %.3f s\n", what, took);
	if (took * 1000 > bound_ms)
		fail_msg("%s waited %.1f s for a long request", what, took);
}

/* DESTROY @id: 0 or -errno; how long it took in *@took. */
static int timed_destroy(int fd, uint32_t id, double *took)
{
	double t0 = vm_now();
	int ret = vm_destroy(fd, id);

	*took = vm_now() - t0;
	return ret;
}

/* The one completion of a destroyed queue's CQ: the request, stopped. */
static void check_cancelled(struct big *g, struct big_queue *bq, uint64_t user_data)
{
	struct uaccel_cqe cqe[2];
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .cq_id = bq->cq.out_cq_id,
				     .count = 2, .cqes = (uintptr_t)cqe };

	assert_int_equal(vm_ioctl(g->fd, UACCEL_IOCTL_POLL_CQ, &pc), 0);
	assert_int_equal(pc.out_polled, 1);
	assert_int_equal(cqe[0].user_data, user_data);
	assert_int_equal(cqe[0].queue_id, bq->q.out_queue_id);
	assert_int_equal(cqe[0].status, ECANCELED);
	assert_int_equal(cqe[0].result, 0);
	assert_int_equal(vm_destroy(g->fd, bq->cq.out_cq_id), 0);
}

/*
 * DESTROY of a queue whose request copies gigabytes stops the request: it
 * returns at once and the request completes with ECANCELED.  For ordinary
 * queues (the work item) and polled ones (the device's thread), whose
 * other queues, and the sysfs file of the thread's pid, do not wait for
 * the request either.
 */
static void test_long_request_destroy_queue(void **state)
{
	struct big_queue plain, polled, other;
	char path[256], pid[32];
	struct big g;
	double took;
	int f;

	vm_soft_add(DEV);
	big_open(&g, DEV);

	big_queue_open(&g, &plain, 0);
	big_post(&g, &plain, UACCEL_WR_COPY, 1);
	assert_int_equal(timed_destroy(g.fd, plain.q.out_queue_id, &took), 0);
	big_queue_unmap(&plain);
	check_prompt("DESTROY of the queue", took, LONG_OP_BOUND_MS);
	check_cancelled(&g, &plain, 1);

	big_queue_open(&g, &polled, UACCEL_QUEUE_POLL);
	big_queue_open(&g, &other, UACCEL_QUEUE_POLL);
	big_post(&g, &polled, UACCEL_WR_CRC32C, 2);
	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/soft/poll_thread", DEV);
	took = vm_now();
	f = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(f >= 0);
	memset(pid, 0, sizeof(pid));
	assert_true(read(f, pid, sizeof(pid) - 1) > 1);
	close(f);
	check_prompt("reading soft/poll_thread", vm_now() - took, LONG_OP_BOUND_MS);
	assert_true(atoi(pid) > 0);
	assert_int_equal(timed_destroy(g.fd, other.q.out_queue_id, &took), 0);
	big_queue_unmap(&other);
	check_prompt("DESTROY of another polled queue", took, LONG_OP_BOUND_MS);
	assert_int_equal(vm_destroy(g.fd, other.cq.out_cq_id), 0);
	assert_int_equal(timed_destroy(g.fd, polled.q.out_queue_id, &took), 0);
	big_queue_unmap(&polled);
	check_prompt("DESTROY of the polled queue", took, LONG_OP_BOUND_MS);
	check_cancelled(&g, &polled, 2);

	big_close(&g);
	vm_soft_del(DEV);
}

/*
 * Removal of a device whose queue fills gigabytes (about 8 s in the VM):
 * it returns at once, the request stopped (QUEUE_FLUSHED counts it as
 * completed: it started) and nothing is left.
 */
static void test_long_request_removal(void **state)
{
	struct uaccel_event ev[4];
	struct big_queue bq;
	struct big g;
	double t0;
	ssize_t n;

	vm_soft_add(DEV);
	big_open(&g, DEV);
	big_queue_open(&g, &bq, 0);
	big_post(&g, &bq, UACCEL_WR_FILL, 1);
	t0 = vm_now();
	assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", DEV), 0);
	check_prompt("removal", vm_now() - t0, LONG_OP_REMOVAL_BOUND_MS);
	big_queue_unmap(&bq);
	n = read(g.fd, ev, sizeof(ev));
	assert_int_equal(n, 2 * sizeof(ev[0]));
	assert_int_equal(ev[0].type, UACCEL_EVENT_QUEUE_FLUSHED);
	assert_int_equal(ev[0].queue_id, bq.q.out_queue_id);
	assert_int_equal(ev[0].completed, 1);
	assert_int_equal(ev[0].flushed, 0);
	assert_int_equal(ev[1].type, UACCEL_EVENT_DEVICE_REMOVED);
	big_close(&g);
}

/*
 * Removal while facet commands copy and checksum gigabytes (they run
 * inside the device's section, which removal waits for): it returns at
 * once and the commands fail with -ENODEV.
 */
static void test_long_facet_call_removal(void **state)
{
	struct uaccel_soft_dma_copy cp = { .size = sizeof(cp), .dst_offset = BIG_LEN / 2,
					   .length = BIG_LEN / 2 };
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc), .length = BIG_LEN };
	struct call c[2];
	pthread_t t[2];
	struct big g;
	double t0;
	int i;

	vm_soft_add(DEV);
	big_open(&g, DEV);
	cp.src_mr = g.mr;
	cp.dst_mr = g.mr;
	crc.mr = g.mr;
	c[0] = (struct call){ .fd = g.facet, .req = UACCEL_SOFT_IOCTL_DMA_COPY, .arg = &cp };
	c[1] = (struct call){ .fd = g.facet, .req = UACCEL_SOFT_IOCTL_DMA_CRC32C, .arg = &crc };
	for (i = 0; i < 2; i++)
		call_start(&c[i], &t[i]);
	/* Well into them, far from done. */
	usleep(300000);
	for (i = 0; i < 2; i++)
		assert_int_equal(wait_either(c[i].done, -1, 0), -1);
	t0 = vm_now();
	assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", DEV), 0);
	check_prompt("removal", vm_now() - t0, LONG_OP_REMOVAL_BOUND_MS);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		close(c[i].done);
		assert_int_equal(c[i].ret, -ENODEV);
	}
	big_close(&g);
}

/*
 * A process killed during such a command is reaped within 20 ms of
 * SIGKILL in the emulated VM (0.3 s on the debug kernel); one whose
 * command ignored the signal would run it to its end first: 6 s or more
 * for the commands below.
 */
#define LONG_OP_KILL_BOUND_MS 2000

/*
 * Fork a child that runs facet command @req with @arg on @g's facet fd
 * (shared with this process), SIGKILL it well into the command and check
 * that it is reaped within LONG_OP_KILL_BOUND_MS, killed by the signal.
 */
static void kill_during_facet_call(struct big *g, unsigned long req, void *arg,
				   const char *what)
{
	int ready[2], status;
	double took;
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = vm_fork();
	if (!pid) {
		close(ready[0]);
		vm_child_check(write(ready[1], &c, 1) == 1);
		ioctl(g->facet, req, arg);
		/* The command ended before the signal came: the parent fails. */
		_exit(1);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	/* Well into it, far from done. */
	usleep(300000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	took = vm_now();
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	took = vm_now() - took;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	check_prompt(what, took, LONG_OP_KILL_BOUND_MS);
}

/*
 * A fatal signal stops a facet command that copies or checksums
 * gigabytes at its next page (it fails with -EINTR, which the dying
 * process never sees): a process killed during it exits at once instead
 * of after the command.  The COPY goes from the MR to a second MR over
 * the same memory, 2 GiB (10 s or more in the VM), the CRC32C covers the
 * MR (6 s).  The context the child shared, its MRs and the device go on
 * working.
 */
static void test_long_facet_call_killed(void **state)
{
	struct uaccel_soft_dma_copy cp = { .size = sizeof(cp), .length = BIG_LEN };
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc), .length = BIG_LEN };
	struct big g;
	uint32_t mr2;
	size_t i;

	vm_soft_add(DEV);
	big_open(&g, DEV);
	assert_int_equal(vm_reg_mr(g.fd, g.pd, big_map, BIG_LEN, UACCEL_MR_ACCESS_WRITE, &mr2),
			 0);
	cp.src_mr = g.mr;
	cp.dst_mr = mr2;
	crc.mr = g.mr;
	kill_during_facet_call(&g, UACCEL_SOFT_IOCTL_DMA_COPY, &cp,
			       "reaping the child killed during COPY");
	kill_during_facet_call(&g, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc,
			       "reaping the child killed during CRC32C");

	/* The device still works: a short COPY and CRC32C on the same MRs. */
	for (i = 0; i < PAGE; i++) {
		big_map[i] = (char)(i * 7 + 3);
		big_map[PAGE + i] = 0;
	}
	cp = (struct uaccel_soft_dma_copy){ .size = sizeof(cp), .src_mr = g.mr, .dst_mr = mr2,
					    .dst_offset = PAGE, .length = PAGE };
	assert_int_equal(vm_ioctl(g.facet, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 0);
	assert_memory_equal(big_map + PAGE, big_map, PAGE);
	crc = (struct uaccel_soft_dma_crc32c){ .size = sizeof(crc), .mr = mr2, .seed = 0x1234,
					       .length = 2 * PAGE };
	assert_int_equal(vm_ioctl(g.facet, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), 0);
	assert_int_equal(crc.out_crc, crc32c_ref(0x1234, big_map, 2 * PAGE));
	assert_int_equal(vm_destroy(g.fd, mr2), 0);
	big_close(&g);
	vm_soft_del(DEV);
}

/* After every test: no context, object, facet file or pinned page left. */
#define T(f) cmocka_unit_test_teardown(f, vm_check_clean)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_query_device_on_page),
		T(test_alloc_pd_on_page),
		T(test_reg_mr_command_on_page),
		T(test_create_cq_on_page),
		T(test_get_driver_ops_fd_on_page),
		T(test_facet_copy_on_page),
		T(test_reg_mr_range_on_uffd_page),
		T(test_reg_mr_range_on_fuse_page),
		T(test_mr_unpin_on_locked_fuse_page),
		T(test_post_wrs_on_page),
		T(test_poll_cq_output_on_page),
		T(test_reply_unwritable),
		T(test_post_poll_cq_structure_unwritable),
		T(test_post_poll_cq_count_returned),
		T(test_long_request_destroy_queue),
		T(test_long_request_removal),
		T(test_long_facet_call_removal),
		T(test_long_facet_call_killed),
	};

	return vm_run_tests_with("vm_stuck", tests, NULL, teardown_group, &base, NULL);
}
