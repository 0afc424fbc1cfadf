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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV "stuck0"
#define PAGE 4096UL
/*
 * Removal takes 10 to 200 ms (up to 2 s seen on the debug kernel under
 * load); one that waits for the fault never returns before the page is
 * served.
 */
#define REMOVAL_BOUND_MS 10000

static struct vm_stats base;

/* A page registered with a userfaultfd for missing-page faults. */
struct uffd_page {
	int uffd;
	char *page;
};

/* Set one up; skips the test when the kernel has no userfaultfd. */
static void uffd_page_open(struct uffd_page *u)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	u->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0 && errno == ENOSYS)
		skip();
	assert_true(u->uffd >= 0);
	assert_int_equal(ioctl(u->uffd, UFFDIO_API, &api), 0);
	u->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(u->page != MAP_FAILED);
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = PAGE;
	assert_int_equal(ioctl(u->uffd, UFFDIO_REGISTER, &reg), 0);
}

static void uffd_page_close(struct uffd_page *u)
{
	munmap(u->page, PAGE);
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

	c->ret = vm_ioctl(c->fd, c->req, c->arg);
	if (write(c->done, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/*
 * The thread that deletes the device, created before a call gets stuck
 * (creating a thread maps its stack, which waits for a pinning thread
 * that holds the mmap lock while it waits for a page); it deletes the
 * device when told to.
 */
struct deleter {
	const char *name;
	int go, done, ret;
	bool started;
	pthread_t t;
};

static void *delete_thread(void *arg)
{
	struct deleter *d = arg;
	uint64_t v = 1;

	if (read(d->go, &v, sizeof(v)) != sizeof(v))
		abort();
	d->ret = vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", d->name);
	if (write(d->done, &v, sizeof(v)) != sizeof(v))
		abort();
	return NULL;
}

static void deleter_start(struct deleter *d, const char *name)
{
	*d = (struct deleter){ .name = name };
	d->go = eventfd(0, EFD_CLOEXEC);
	d->done = eventfd(0, EFD_CLOEXEC);
	assert_true(d->go >= 0 && d->done >= 0);
	assert_int_equal(pthread_create(&d->t, NULL, delete_thread, d), 0);
}

static void deleter_go(struct deleter *d)
{
	uint64_t one = 1;

	assert_int_equal(write(d->go, &one, sizeof(one)), sizeof(one));
	d->started = true;
}

/* Wait for the deletion (starting it if need be); its result. */
static int deleter_finish(struct deleter *d)
{
	if (!d->started)
		deleter_go(d);
	assert_int_equal(pthread_join(d->t, NULL), 0);
	close(d->go);
	close(d->done);
	return d->ret;
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
static void remove_while_stuck(struct deleter *d, struct call *c, pthread_t t,
			       int (*serve)(void *), void *arg, struct removal *r)
{
	double t0 = vm_now();

	deleter_go(d);
	r->returned = wait_either(d->done, -1, REMOVAL_BOUND_MS) == 0;
	r->took = vm_now() - t0;
	r->call_waiting = wait_either(c->done, -1, 0) == -1;
	r->serve_ret = serve(arg);
	r->delete_ret = deleter_finish(d);
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
	struct deleter d;
	pthread_t t;

	deleter_start(&d, dev);
	call_start(c, &t);
	if (!wait_uffd_fault(u, c)) {
		assert_int_equal(pthread_join(t, NULL), 0);
		deleter_finish(&d);
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
	struct deleter d;
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
	deleter_start(&d, DEV);
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
		assert_int_equal(deleter_finish(&d), 0);
	}
	rig_close(&r);
	uffd_page_close(&u);
	free(contents);
}

/*
 * A minimal FUSE file system with one file "f" of one page, whose read
 * the test answers when it likes: a page fault on a mapping of it waits
 * for the answer, also inside get_user_pages(FOLL_LONGTERM).
 */
#define FUSE_DIR "/tmp/uaccel-stuck-fuse"
#define FUSE_FILE_NODE 2

struct fuse_srv {
	int fd;
	int read_pending;	/* eventfd: a FUSE_READ waits for its answer */
	uint64_t read_unique;
	uint32_t read_size;
	pthread_t t;
};

/* Requests are read here; large enough for any request the kernel sends. */
static uint64_t fuse_req[(FUSE_MIN_READ_BUFFER + 128 * 1024) / sizeof(uint64_t)];

static int fuse_answer(int fd, uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + len, .error = error, .unique = unique };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)data, .iov_len = len },
	};

	return writev(fd, iov, len ? 2 : 1) < 0 ? -errno : 0;
}

static void fuse_attr_of(uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->blksize = PAGE;
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0444;
		a->nlink = 1;
		a->size = PAGE;
		a->blocks = PAGE / 512;
	}
}

static void *fuse_thread(void *arg)
{
	struct fuse_in_header *in = (void *)fuse_req;
	void *body = in + 1;
	struct fuse_srv *s = arg;
	uint64_t one = 1;
	ssize_t n;

	for (;;) {
		n = read(s->fd, fuse_req, sizeof(fuse_req));
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;	/* ENOENT: a request was interrupted */
		if (n < (ssize_t)sizeof(*in))
			break;		/* ENODEV: unmounted */
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = body;
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION, .minor = 31,
				.max_readahead = ii->max_readahead, .max_background = 16,
				.congestion_threshold = 12, .max_write = PAGE, .time_gran = 1,
			};

			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = {
				.nodeid = FUSE_FILE_NODE, .generation = 1,
				.entry_valid = 3600, .attr_valid = 3600,
			};

			if (in->nodeid != FUSE_ROOT_ID || strcmp(body, "f")) {
				fuse_answer(s->fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fuse_attr_of(FUSE_FILE_NODE, &o.attr);
			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { .attr_valid = 3600 };

			fuse_attr_of(in->nodeid, &o.attr);
			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			/* The test answers (fuse_answer_read()). */
			s->read_unique = in->unique;
			s->read_size = ((struct fuse_read_in *)body)->size;
			if (write(s->read_pending, &one, sizeof(one)) != sizeof(one))
				abort();
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;		/* no answer */
		case FUSE_FLUSH:
		case FUSE_RELEASE:
			fuse_answer(s->fd, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_answer(s->fd, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
	return NULL;
}

/* Mount the file system; skips the test without FUSE. */
static void fuse_mount(struct fuse_srv *s)
{
	char opts[128];

	s->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		if (system("modprobe fuse 2>/dev/null")) {
			/* Not available (the debug kernel is built without it). */
		}
		s->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	}
	if (s->fd < 0) {
		assert_true(errno == ENOENT || errno == ENODEV || errno == ENXIO);
		skip();
	}
	s->read_pending = eventfd(0, EFD_CLOEXEC);
	assert_true(s->read_pending >= 0);
	if (mkdir(FUSE_DIR, 0755))
		assert_int_equal(errno, EEXIST);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", s->fd);
	assert_int_equal(mount("uaccel-stuck", FUSE_DIR, "fuse", MS_NOSUID | MS_NODEV, opts), 0);
	assert_int_equal(pthread_create(&s->t, NULL, fuse_thread, s), 0);
}

static void fuse_unmount(struct fuse_srv *s)
{
	assert_int_equal(umount2(FUSE_DIR, MNT_DETACH), 0);
	close(s->fd);
	assert_int_equal(pthread_join(s->t, NULL), 0);
	close(s->read_pending);
	rmdir(FUSE_DIR);
}

/* Answer the pending read with the file's contents: one page of 'f'. */
static int fuse_answer_read(void *arg)
{
	static char data[PAGE];
	struct fuse_srv *s = arg;

	memset(data, 'f', sizeof(data));
	return fuse_answer(s->fd, s->read_unique, 0, data,
			   s->read_size < PAGE ? s->read_size : PAGE);
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
	struct fuse_srv s;
	struct removal rm;
	struct deleter d;
	struct call c;
	struct rig r;
	pthread_t t;
	int file, which;
	char *map, first;

	fuse_mount(&s);
	file = open(FUSE_DIR "/f", O_RDONLY | O_CLOEXEC);
	assert_true(file >= 0);
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, file, 0);
	assert_true(map != MAP_FAILED);
	vm_soft_add(DEV);
	rig_open(&r);
	mr.pd_id = r.pd;
	mr.addr = (uintptr_t)map;
	c = (struct call){ .fd = r.fd, .req = UACCEL_IOCTL_REG_MR, .arg = &mr };
	deleter_start(&d, DEV);
	call_start(&c, &t);
	which = wait_either(s.read_pending, c.done, 30000);
	if (which == 0) {
		remove_while_stuck(&d, &c, t, fuse_answer_read, &s, &rm);
	} else {
		assert_int_equal(pthread_join(t, NULL), 0);
		close(c.done);
		deleter_finish(&d);
	}
	/* The page was read and is mapped. */
	first = which == 0 ? map[0] : 0;
	/* Unmount first: a process holding its own FUSE mount never exits. */
	close(r.facet);
	close(r.fd);
	munmap(r.buf, 2 * PAGE);
	munmap(map, PAGE);
	close(file);
	fuse_unmount(&s);
	if (which != 0)
		fail_msg("REG_MR returned %d without waiting for the read", c.ret);
	assert_int_equal(check_removal(&rm), -ENODEV);
	assert_int_equal(first, 'f');
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
		T(test_post_wrs_on_page),
		T(test_poll_cq_output_on_page),
		T(test_reply_unwritable),
	};

	return vm_run_tests("vm_stuck", tests, &base, NULL);
}
