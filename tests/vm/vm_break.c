// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Adversarial removal tests: removal (delete_device, a fatal error, module
 * unload, PCI remove of edu) racing with every call on every kind of file
 * of the device, with ring faults, with close(), with forked children,
 * with the pinning of user memory, and with userspace holding kernel
 * locks through page faults it does not serve.  Each asserts the claims of
 * docs/design.md, "Disassociation": removal never waits for userspace;
 * afterwards every file fails with ENODEV or SIGBUS, never crashes, and
 * nothing is left (objects, pinned pages, locked-memory charges).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uaccel/edu.h>
#include <uaccel/factorial.h>
#include <uaccel/soft.h>

#include "vmfuse.h"
#include "vmtest.h"

#define DEV "brk0"
#define DEV2 "brk1"
#define PAGE 4096UL
/* A removal that does not wait for anybody takes well under this. */
#define REMOVAL_BOUND_MS 10000
/* A user of its own, so that no other test shares its locked-memory counter. */
#define BRK_UID 4242

static struct vm_stats base;

/* ---- Reading ring pages that may go away ---- */

static __thread sigjmp_buf bus_jmp;
static __thread volatile int bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed)
		abort();
	siglongjmp(bus_jmp, 1);
}

static void catch_sigbus(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Read a word into *@val (if not NULL): 0, or SIGBUS.  Thread safe. */
static int bus_read(const volatile uint32_t *p, uint32_t *val)
{
	uint32_t v;

	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		return SIGBUS;
	}
	bus_armed = 1;
	v = *p;
	bus_armed = 0;
	if (val)
		*val = v;
	return 0;
}

static int touch(const void *p)
{
	return bus_read(p, NULL);
}

/* Whether @fd became readable within @ms. */
static bool readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/*
 * Whether the device of context @fd stopped within @ms: its calls fail
 * with ENODEV and DEVICE_REMOVED is its last event.
 */
static bool stopped_within(int fd, int ms)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct uaccel_event ev[16];
	double end = vm_now() + ms / 1000.0;
	ssize_t n;

	while (vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q) != -ENODEV) {
		if (vm_now() > end)
			return false;
		usleep(10000);
	}
	if (!readable_within(fd, ms))
		return false;
	n = read(fd, ev, sizeof(ev));
	return n >= (ssize_t)sizeof(ev[0]) &&
	       ev[n / sizeof(ev[0]) - 1].type == UACCEL_EVENT_DEVICE_REMOVED;
}

/* ---- userfaultfd ---- */

struct uffd_page {
	int uffd;
	char *page;
};

static void uffd_page_open(struct uffd_page *u)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	u->uffd = vm_userfaultfd();
	u->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(u->page != MAP_FAILED);
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = PAGE;
	assert_int_equal(ioctl(u->uffd, UFFDIO_REGISTER, &reg), 0);
}

/*
 * A page holding @len bytes of @data, write-protected through a
 * userfaultfd: reads work, a write (a reply) waits until
 * uffd_unprotect().  Skips the test without userfaultfd write-protection.
 */
static void uffd_wp_page_open(struct uffd_page *u, const void *data, size_t len)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };

	u->uffd = vm_userfaultfd();
	u->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(u->page != MAP_FAILED);
	memcpy(u->page, data, len);
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = PAGE;
	if (ioctl(u->uffd, UFFDIO_REGISTER, &reg) && errno == EINVAL)
		skip();
	wp.range = reg.range;
	assert_int_equal(ioctl(u->uffd, UFFDIO_WRITEPROTECT, &wp), 0);
}

static int uffd_unprotect(struct uffd_page *u)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)u->page, .len = PAGE },
	};

	return ioctl(u->uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

static void uffd_page_close(struct uffd_page *u)
{
	munmap(u->page, PAGE);
	close(u->uffd);
}

/* Serve the missing page with zeroes. */
static int uffd_serve_zero(struct uffd_page *u)
{
	struct uffdio_zeropage z = { .range = { .start = (uintptr_t)u->page, .len = PAGE } };

	return ioctl(u->uffd, UFFDIO_ZEROPAGE, &z) ? -errno : 0;
}

/* Wait until a fault on the page is reported (true) or @done fires first. */
static bool uffd_faulted(struct uffd_page *u, int done)
{
	struct pollfd p[2] = { { .fd = u->uffd, .events = POLLIN }, { .fd = done, .events = POLLIN } };
	struct uffd_msg msg;

	assert_true(poll(p, 2, 30000) >= 1);
	if (!(p[0].revents & POLLIN))
		return false;
	assert_int_equal(read(u->uffd, &msg, sizeof(msg)), sizeof(msg));
	assert_int_equal(msg.event, UFFD_EVENT_PAGEFAULT);
	return true;
}

/* ---- Removal while userspace holds /dev/uaccel through a page fault ---- */

struct dents_call {
	int dirfd, done;
	void *buf;
	long ret;
};

static void *dents_thread(void *arg)
{
	struct dents_call *g = arg;
	uint64_t one = 1;
	long n = syscall(SYS_getdents64, g->dirfd, g->buf, PAGE);

	g->ret = n < 0 ? -errno : n;
	if (write(g->done, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/*
 * getdents64() of /dev/uaccel writes the entries into the caller's buffer
 * with the directory's lock held: a buffer on a page nobody serves (a
 * userfaultfd page here; any user can do the same with a FUSE mapping)
 * holds the lock for as long as userspace likes.  devtmpfs needs that lock
 * to delete a node, which any char device's removal waits for
 * (docs/design.md): removal does that last, so the device must have
 * stopped within the bound all the same (calls fail, DEVICE_REMOVED
 * delivered), and the removal returns once the page is served.
 */
static void test_removal_vs_getdents_on_uffd_page(void **state)
{
	struct dents_call g = { 0 };
	struct uffd_page u;
	struct vm_deleter d;
	bool stuck, stopped = false, returned = false;
	int fd, serve_ret = -1;
	double t0 = 0, took = 0;
	pthread_t t;

	vm_soft_fresh(DEV);
	fd = vm_open_device(DEV);
	uffd_page_open(&u);
	g.dirfd = open("/dev/uaccel", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(g.dirfd >= 0);
	g.done = eventfd(0, EFD_CLOEXEC);
	g.buf = u.page;
	assert_true(g.done >= 0);
	vm_deleter_start(&d, DEV);
	assert_int_equal(pthread_create(&t, NULL, dents_thread, &g), 0);
	stuck = uffd_faulted(&u, g.done);
	if (stuck) {
		t0 = vm_now();
		vm_deleter_go(&d);
		stopped = stopped_within(fd, REMOVAL_BOUND_MS);
		took = vm_now() - t0;
		returned = readable_within(d.done, 0);
		/*
		 * BRK_HOLD_S: how long more the page stays unserved, with the
		 * hung-task timeout at 20 s, to see whether the kernel reports
		 * the removal as hung.
		 */
		if (!returned && getenv("BRK_HOLD_S")) {
			int hung = open("/proc/sys/kernel/hung_task_timeout_secs", O_WRONLY);

			if (hung >= 0 && write(hung, "20", 2) != 2)
				close(hung), hung = -1;
			readable_within(d.done, atoi(getenv("BRK_HOLD_S")) * 1000);
			if (hung >= 0 && write(hung, "120", 3) == 3)
				close(hung);
		}
		serve_ret = uffd_serve_zero(&u);
	}
	assert_int_equal(vm_deleter_finish(&d), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(g.done);
	close(g.dirfd);
	uffd_page_close(&u);
	assert_int_equal(close(fd), 0);
	if (!stuck)
		fail_msg("getdents64() returned %ld without faulting on its buffer", g.ret);
	assert_int_equal(serve_ret, 0);
	assert_true(g.ret > 0);
	if (!stopped)
		fail_msg("%s did not stop within %d ms of its removal while a getdents64() "
			 "of /dev/uaccel waited for an unserved userfaultfd page", DEV,
			 REMOVAL_BOUND_MS);
	print_message("# the device stopped %.3f s into its removal; the removal %s\n", took,
		      returned ? "had returned" : "returned once the page was served");
}

#define NOBODY 65534

/*
 * The same as user nobody, with no privilege at all: the getdents64()
 * buffer is a private writable mapping of a FUSE file whose server does
 * not answer the read of its page (any user with fusermount can have such
 * a file system).
 */
static void test_removal_vs_getdents_on_fuse_page(void **state)
{
	struct vm_fuse s;
	struct vm_deleter d;
	bool stuck, stopped = false, returned = false;
	int status, serve_ret = -1, fd, which;
	double t0 = 0, took = 0;
	pid_t pid;

	vm_fuse_mount(&s);
	vm_soft_fresh(DEV);
	fd = vm_open_device(DEV);
	vm_deleter_start(&d, DEV);
	pid = vm_fork();
	if (!pid) {
		int dirfd = open("/dev/uaccel", O_RDONLY | O_DIRECTORY | O_CLOEXEC), file;
		char *buf;

		vm_become_user(NOBODY);
		file = open(VM_FUSE_FILE, O_RDONLY | O_CLOEXEC);
		vm_child_check(dirfd >= 0 && file >= 0);
		buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, file, 0);
		vm_child_check(buf != MAP_FAILED);
		vm_child_check(syscall(SYS_getdents64, dirfd, buf, PAGE) > 0);
		_exit(0);
	}
	{
		struct pollfd p = { .fd = s.read_pending, .events = POLLIN };

		which = poll(&p, 1, 30000);
	}
	stuck = which == 1;
	if (stuck) {
		t0 = vm_now();
		vm_deleter_go(&d);
		stopped = stopped_within(fd, REMOVAL_BOUND_MS);
		took = vm_now() - t0;
		returned = readable_within(d.done, 0);
		serve_ret = vm_fuse_answer_read(&s);
	}
	assert_int_equal(vm_deleter_finish(&d), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(close(fd), 0);
	vm_fuse_unmount(&s);
	if (!stuck)
		fail_msg("the FUSE read of the getdents64() buffer never came");
	assert_int_equal(serve_ret, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	if (!stopped)
		fail_msg("%s did not stop within %d ms of its removal while an unprivileged "
			 "getdents64() of /dev/uaccel waited for a FUSE page", DEV,
			 REMOVAL_BOUND_MS);
	print_message("# the device stopped %.3f s into its removal; the removal %s\n", took,
		      returned ? "had returned" : "returned once the page was served");
}

/* ---- Every call racing with removal ---- */

enum op {
	OP_PD, OP_MR, OP_CQ, OP_QUEUE, OP_FACET, OP_COPY, OP_FACT, OP_POST, OP_POLL,
	OP_QUERY, OP_RING, OP_OPEN, OP_DESTROY_BUSY, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"ALLOC_PD/DESTROY", "REG_MR/DESTROY", "CREATE_CQ/mmap/DESTROY",
	"CREATE_QUEUE/mmap/DESTROY", "GET_DRIVER_OPS_FD/NOP/close", "facet COPY/CRC32C",
	"factorial COMPUTE/SUBMIT", "POST/DOORBELL", "POLL_CQ/WAIT_CQ",
	"QUERY_DEVICE/poll", "ring faults", "open/close", "DESTROY of objects in use",
};

#define HBUF (256 * 1024)

/* One context with a bit of everything, and workers hammering it. */
struct hammer {
	int fd, dma, fact, debug;
	char node[256];
	uint32_t pd, mr, cq, q, pcq, pq, fcq, qcq;
	char *buf;
	void *cq_ring, *q_ring, *pq_ring;
	size_t cq_size, q_size, pq_size;
	volatile int stop;
	volatile int removed;	/* the removal returned (its mappings are zapped) */
};

struct worker {
	struct hammer *h;
	enum op op;
	unsigned long iters;
	bool gone;	/* saw the device gone */
	int bad;	/* unexpected results */
	char what[256];
	volatile int finished;
	pthread_t t;
};

static void hammer_open(struct hammer *h, const char *dev)
{
	struct uaccel_create_cq cq;
	struct uaccel_create_queue q = { .size = sizeof(q), .entries = 64 };

	memset(h, 0, sizeof(*h));
	vm_device_node(dev, h->node, sizeof(h->node));
	h->fd = vm_open_device(dev);
	h->buf = mmap(NULL, HBUF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(h->buf != MAP_FAILED);
	assert_int_equal(vm_alloc_pd(h->fd, &h->pd), 0);
	assert_int_equal(vm_reg_mr(h->fd, h->pd, h->buf, HBUF, UACCEL_MR_ACCESS_WRITE, &h->mr), 0);

	assert_int_equal(vm_create_cq(h->fd, 64, &cq), 0);
	h->cq = cq.out_cq_id;
	h->cq_size = cq.out_mmap_size;
	h->cq_ring = mmap(NULL, h->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd,
			  cq.out_mmap_offset);
	assert_true(h->cq_ring != MAP_FAILED);
	q.pd_id = h->pd;
	q.cq_id = h->cq;
	assert_int_equal(vm_ioctl(h->fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
	h->q = q.out_queue_id;
	h->q_size = q.out_mmap_size;
	h->q_ring = mmap(NULL, h->q_size, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd,
			 q.out_mmap_offset);
	assert_true(h->q_ring != MAP_FAILED);

	/* A polled queue with its own CQ. */
	assert_int_equal(vm_create_cq(h->fd, 64, &cq), 0);
	h->pcq = cq.out_cq_id;
	q = (struct uaccel_create_queue){ .size = sizeof(q), .flags = UACCEL_QUEUE_POLL,
					  .pd_id = h->pd, .cq_id = h->pcq, .entries = 64,
					  .poll_idle_ms = 20 };
	assert_int_equal(vm_ioctl(h->fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
	h->pq = q.out_queue_id;
	h->pq_size = q.out_mmap_size;
	h->pq_ring = mmap(NULL, h->pq_size, PROT_READ, MAP_SHARED, h->fd, q.out_mmap_offset);
	assert_true(h->pq_ring != MAP_FAILED);

	/* The factorial SUBMIT CQ, the CREATE_QUEUE worker's CQ. */
	assert_int_equal(vm_create_cq(h->fd, 64, &cq), 0);
	h->fcq = cq.out_cq_id;
	assert_int_equal(vm_create_cq(h->fd, 64, &cq), 0);
	h->qcq = cq.out_cq_id;

	h->dma = vm_get_facet(h->fd, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(h->dma >= 0);
	h->fact = vm_open_facet(h->fd, UACCEL_FACTORIAL_FACET);
	h->debug = vm_open_facet(h->fd, UACCEL_SOFT_DEBUG_FACET);
}

static void hammer_close(struct hammer *h)
{
	munmap(h->cq_ring, h->cq_size);
	munmap(h->q_ring, h->q_size);
	munmap(h->pq_ring, h->pq_size);
	munmap(h->buf, HBUF);
	assert_int_equal(close(h->dma), 0);
	assert_int_equal(close(h->fact), 0);
	if (h->debug >= 0)
		assert_int_equal(close(h->debug), 0);
	assert_int_equal(close(h->fd), 0);
}

/*
 * Judge one result: -ENODEV means the device is gone (from then on every
 * call must say so); anything else must be one of the @n allowed values.
 */
static void judge(struct worker *w, const char *call, int ret, int n, ...)
{
	va_list ap;
	bool ok = false;

	if (ret == -ENODEV) {
		w->gone = true;
		return;
	}
	va_start(ap, n);
	for (int i = 0; i < n && !ok; i++)
		ok = ret == va_arg(ap, int);
	va_end(ap);
	if (ok && !w->gone)
		return;
	if (!w->bad++)
		snprintf(w->what, sizeof(w->what), "%s: %s returned %d (%s)%s",
			 op_names[w->op], call, ret, ret < 0 ? strerror(-ret) : "",
			 w->gone ? " after the device was seen gone" : "");
}

/* A ring touch: 0, or SIGBUS, which only a removed device may give. */
static int touch_pages(struct worker *w, void *p, size_t len)
{
	int sig = 0;

	for (size_t off = 0; off < len; off += PAGE)
		sig |= touch((uint32_t *)((char *)p + off));
	return sig;
}

static void bad(struct worker *w, const char *fmt, const char *detail)
{
	if (!w->bad++)
		snprintf(w->what, sizeof(w->what), "%s: %s %s", op_names[w->op], fmt, detail);
}

static void op_pd(struct worker *w)
{
	uint32_t id = 0;
	int ret = vm_alloc_pd(w->h->fd, &id);

	judge(w, "ALLOC_PD", ret, 1, 0);
	if (!ret)
		judge(w, "DESTROY of the PD", vm_destroy(w->h->fd, id), 1, 0);
}

static void op_mr(struct worker *w)
{
	struct hammer *h = w->h;
	size_t off = (w->iters % 16) * PAGE;
	uint32_t id = 0;
	int ret = vm_reg_mr(h->fd, h->pd, h->buf + off, 4 * PAGE,
			    w->iters & 1 ? UACCEL_MR_ACCESS_WRITE : 0, &id);

	judge(w, "REG_MR", ret, 1, 0);
	if (!ret)
		judge(w, "DESTROY of the MR", vm_destroy(h->fd, id), 1, 0);
}

/*
 * Map the ring of a new CQ or queue, touch it, unmap it, destroy the
 * object: a SIGBUS on the ring is right only if the device went.
 */
static void ring_cycle(struct worker *w, const char *what, uint32_t id, uint64_t offset,
		       uint64_t size)
{
	char msg[96];
	int ret, sig = 0;
	void *ring;

	ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, w->h->fd, offset);
	if (ring == MAP_FAILED) {
		snprintf(msg, sizeof(msg), "mmap of the %s", what);
		judge(w, msg, -errno, 0);
	} else {
		sig = touch_pages(w, ring, size);
		munmap(ring, size);
	}
	ret = vm_destroy(w->h->fd, id);
	snprintf(msg, sizeof(msg), "DESTROY of the %s", what);
	judge(w, msg, ret, 1, 0);
	if (sig && ret != -ENODEV) {
		snprintf(msg, sizeof(msg), "SIGBUS on the ring of a %s that DESTROY then found",
			 what);
		bad(w, msg, "");
	}
}

static void op_cq(struct worker *w)
{
	struct uaccel_create_cq cq;
	int ret = vm_create_cq(w->h->fd, 256, &cq);

	judge(w, "CREATE_CQ", ret, 1, 0);
	if (!ret)
		ring_cycle(w, "CQ", cq.out_cq_id, cq.out_mmap_offset, cq.out_mmap_size);
}

static void op_queue(struct worker *w)
{
	struct hammer *h = w->h;
	struct uaccel_create_queue q = { .size = sizeof(q), .pd_id = h->pd, .cq_id = h->qcq,
					 .entries = 16 };
	int ret;

	if (w->iters % 4 == 3) {
		q.flags = UACCEL_QUEUE_POLL;
		q.poll_idle_ms = 5;
	}
	ret = vm_ioctl(h->fd, UACCEL_IOCTL_CREATE_QUEUE, &q);
	judge(w, "CREATE_QUEUE", ret, 1, 0);
	if (!ret)
		ring_cycle(w, "queue", q.out_queue_id, q.out_mmap_offset, q.out_mmap_size);
}

static void op_facet(struct worker *w)
{
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	static const char *const names[] = {
		UACCEL_SOFT_DMA_FACET, UACCEL_SOFT_DMA_LEGACY_FACET, UACCEL_FACTORIAL_FACET,
	};
	const char *name = names[w->iters % 3];
	int f = vm_get_facet(w->h->fd, name, 1, 1,
			     w->iters & 1 ? UACCEL_FACET_FD_CLOEXEC : 0, NULL);

	judge(w, "GET_DRIVER_OPS_FD", f < 0 ? f : 0, 1, 0);
	if (f < 0)
		return;
	if (strcmp(name, UACCEL_FACTORIAL_FACET)) {
		judge(w, "facet NOP", vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 1, 0);
	} else {
		struct uaccel_factorial_compute c = { .size = sizeof(c), .value = 5 };

		judge(w, "COMPUTE", vm_ioctl(f, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c), 1, 0);
	}
	if (close(f))
		bad(w, "close of a facet fd failed", strerror(errno));
}

static void op_copy(struct worker *w)
{
	struct hammer *h = w->h;
	struct uaccel_soft_dma_copy cp = {
		.size = sizeof(cp), .src_mr = h->mr, .dst_mr = h->mr,
		.src_offset = 0, .dst_offset = HBUF / 2, .length = HBUF / 2,
	};
	struct uaccel_soft_dma_crc32c crc = {
		.size = sizeof(crc), .mr = h->mr, .length = HBUF,
	};

	judge(w, "COPY", vm_ioctl(h->dma, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 1, 0);
	judge(w, "CRC32C", vm_ioctl(h->dma, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), 1, 0);
}

static int drain(struct hammer *h, uint32_t cq, struct uaccel_cqe *cqe, uint32_t n)
{
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .cq_id = cq, .count = n,
				     .cqes = (uintptr_t)cqe };
	int ret = vm_ioctl(h->fd, UACCEL_IOCTL_POLL_CQ, &pc);

	return ret ? ret : (int)pc.out_polled;
}

static void op_fact(struct worker *w)
{
	struct hammer *h = w->h;
	struct uaccel_factorial_compute c = { .size = sizeof(c), .value = 10 };
	struct uaccel_factorial_submit s = { .size = sizeof(s), .cq_id = h->fcq, .value = 12,
					     .user_data = w->iters };
	struct uaccel_cqe cqe[64];
	int ret = vm_ioctl(h->fact, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c);

	judge(w, "COMPUTE", ret, 1, 0);
	if (!ret && c.out_result != 3628800)
		bad(w, "COMPUTE gave a wrong result", "");
	judge(w, "SUBMIT", vm_ioctl(h->fact, UACCEL_FACTORIAL_IOCTL_SUBMIT, &s), 2, 0, -ENOSPC);
	ret = drain(h, h->fcq, cqe, 64);
	judge(w, "POLL_CQ of the SUBMIT CQ", ret < 0 ? ret : 0, 1, 0);
	for (int i = 0; i < ret; i++)
		if (cqe[i].status || cqe[i].result != 479001600)
			bad(w, "a SUBMIT completed wrongly", "");
}

static void op_post(struct worker *w)
{
	struct hammer *h = w->h;
	struct uaccel_wr wrs[8];
	struct uaccel_post post = { .size = sizeof(post), .count = 8, .wrs = (uintptr_t)wrs };
	struct uaccel_doorbell db = { .size = sizeof(db) };
	int ret;

	for (int i = 0; i < 8; i++)
		wrs[i] = (struct uaccel_wr){
			.opcode = i & 1 ? UACCEL_WR_COPY : UACCEL_WR_CRC32C,
			.user_data = w->iters * 8 + i, .src_mr = h->mr, .dst_mr = h->mr,
			.dst_offset = HBUF / 2, .length = HBUF / 2,
		};
	post.queue_id = w->iters & 1 ? h->pq : h->q;
	ret = vm_ioctl(h->fd, UACCEL_IOCTL_POST, &post);
	/* A full ring: -EAGAIN, or a short count. */
	judge(w, "POST", ret, 2, 0, -EAGAIN);
	db.queue_id = post.queue_id;
	judge(w, "DOORBELL", vm_ioctl(h->fd, UACCEL_IOCTL_DOORBELL, &db), 1, 0);
}

static void op_poll(struct worker *w)
{
	struct hammer *h = w->h;
	struct uaccel_wait_cq wc = { .size = sizeof(wc), .timeout_ms = 5 };
	struct uaccel_cqe cqe[64];
	uint32_t cq = w->iters & 1 ? h->pcq : h->cq;
	int ret = drain(h, cq, cqe, 64);

	judge(w, "POLL_CQ", ret < 0 ? ret : 0, 1, 0);
	for (int i = 0; i < ret; i++)
		if (cqe[i].status)
			bad(w, "a work request failed", "");
	wc.cq_id = cq;
	judge(w, "WAIT_CQ", vm_ioctl(h->fd, UACCEL_IOCTL_WAIT_CQ, &wc), 2, 0, -ETIMEDOUT);
}

static void op_query(struct worker *w)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct uaccel_soft_dma_queue_stats st = { .size = sizeof(st), .queue_id = w->h->q };
	struct pollfd p[2] = { { .fd = w->h->fd, .events = POLLIN },
			       { .fd = w->h->dma, .events = POLLIN } };
	int ret = vm_ioctl(w->h->fd, UACCEL_IOCTL_QUERY_DEVICE, &q);

	judge(w, "QUERY_DEVICE", ret, 1, 0);
	if (!ret && strcmp((char *)q.name, DEV) && strcmp((char *)q.name, "soft0"))
		bad(w, "QUERY_DEVICE named another device:", (char *)q.name);
	judge(w, "QUEUE_STATS", vm_ioctl(w->h->dma, UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, &st),
	      1, 0);
	ret = poll(p, 2, 0);
	if (ret < 0)
		bad(w, "poll() failed:", strerror(errno));
	/* Events (IN) come before the removal's last one, which brings HUP|ERR. */
	if ((p[0].revents & ~(POLLIN | POLLHUP | POLLERR)) ||
	    (p[1].revents & ~(POLLHUP | POLLERR))) {
		if (!w->bad++)
			snprintf(w->what, sizeof(w->what), "%s: poll() gave %#x %#x",
				 op_names[w->op], p[0].revents, p[1].revents);
	}
	if ((p[0].revents & POLLHUP) && (p[1].revents & POLLHUP))
		w->gone = true;
}

/*
 * Ring faults: touch every page of the mapped rings.  A page may give
 * SIGBUS once removal started (it stops the faults first, then zaps what
 * is mapped): once the removal returned, every page of every ring must
 * give SIGBUS (no stale page stays mapped).
 */
static void op_ring(struct worker *w)
{
	struct hammer *h = w->h;
	int sig;

	if (w->gone) {
		while (!h->removed)
			usleep(1000);
		for (int i = 0; i < 3; i++) {
			void *p = i == 0 ? h->cq_ring : i == 1 ? h->q_ring : h->pq_ring;
			size_t len = i == 0 ? h->cq_size : i == 1 ? h->q_size : h->pq_size;

			for (size_t off = 0; off < len; off += PAGE)
				if (!touch((char *)p + off))
					bad(w, "a ring page stayed mapped after the removal", "");
		}
		return;
	}
	sig = touch_pages(w, h->cq_ring, h->cq_size);
	sig |= touch_pages(w, h->q_ring, h->q_size);
	sig |= touch_pages(w, h->pq_ring, h->pq_size);
	if (sig)
		w->gone = true;
}

static void op_open(struct worker *w)
{
	int fd = open(w->h->node, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		/* The node is gone (ENOENT), or its device (ENODEV, ENXIO). */
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
			w->gone = true;
			return;
		}
		bad(w, "open() failed:", strerror(errno));
		return;
	}
	if (w->gone)
		bad(w, "open() of the node succeeded after it failed", "");
	if (close(fd))
		bad(w, "close() failed:", strerror(errno));
}

/* DESTROY of objects in use fails with EBUSY, even while the device goes. */
static void op_destroy_busy(struct worker *w)
{
	struct hammer *h = w->h;

	/* The PD has an MR and queues, the CQs have queues. */
	judge(w, "DESTROY of the PD", vm_destroy(h->fd, h->pd), 1, -EBUSY);
	judge(w, "DESTROY of the CQ", vm_destroy(h->fd, h->cq), 1, -EBUSY);
	judge(w, "DESTROY of an unknown id", vm_destroy(h->fd, 0xfffff), 1, -ENOENT);
}

static void (*const op_fns[NR_OPS])(struct worker *) = {
	op_pd, op_mr, op_cq, op_queue, op_facet, op_copy, op_fact, op_post, op_poll,
	op_query, op_ring, op_open, op_destroy_busy,
};

static void *worker_thread(void *arg)
{
	struct worker *w = arg;

	while (!w->h->stop) {
		op_fns[w->op](w);
		w->iters++;
		/* Once gone, one more pass must fail the same way. */
		if (w->gone) {
			op_fns[w->op](w);
			break;
		}
	}
	__atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void workers_start(struct hammer *h, struct worker *w)
{
	for (int i = 0; i < NR_OPS; i++) {
		w[i] = (struct worker){ .h = h, .op = i };
		assert_int_equal(pthread_create(&w[i].t, NULL, worker_thread, &w[i]), 0);
	}
}

/* Wait up to @timeout_s for every worker to see the device gone. */
static void workers_finish(struct hammer *h, struct worker *w, double timeout_s)
{
	double end = vm_now() + timeout_s;
	char late[512] = "";
	bool all;

	do {
		all = true;
		for (int i = 0; i < NR_OPS; i++)
			all &= __atomic_load_n(&w[i].finished, __ATOMIC_ACQUIRE);
		if (!all)
			usleep(10000);
	} while (!all && vm_now() < end);
	if (!all) {
		for (int i = 0; i < NR_OPS; i++)
			if (!w[i].finished)
				snprintf(late + strlen(late), sizeof(late) - strlen(late), " [%s]",
					 op_names[i]);
		fail_msg("%.0f s after removal these calls still did not fail:%s", timeout_s,
			 late);
	}
	for (int i = 0; i < NR_OPS; i++)
		assert_int_equal(pthread_join(w[i].t, NULL), 0);
	h->stop = 1;
	for (int i = 0; i < NR_OPS; i++)
		if (w[i].bad)
			fail_msg("%s (and %d more)", w[i].what, w[i].bad - 1);
}

/* The events of a removed context: QUEUE_FLUSHED for each queue, then DEVICE_REMOVED. */
static void check_removal_events(struct hammer *h, uint32_t flags)
{
	struct uaccel_event ev[64];
	bool q = false, pq = false;
	ssize_t n;
	int i, count;

	n = read(h->fd, ev, sizeof(ev));
	assert_true(n > 0);
	count = n / sizeof(ev[0]);
	for (i = 0; i < count - 1; i++) {
		assert_int_equal(ev[i].type, UACCEL_EVENT_QUEUE_FLUSHED);
		q |= ev[i].queue_id == h->q;
		pq |= ev[i].queue_id == h->pq;
	}
	assert_true(q && pq);
	assert_int_equal(ev[count - 1].type, UACCEL_EVENT_DEVICE_REMOVED);
	assert_int_equal(ev[count - 1].flags, flags);
	assert_int_equal(read(h->fd, ev, sizeof(ev)), -1);
	assert_int_equal(errno, ENODEV);
}

static const unsigned int hammer_delays_us[] = { 0, 2000, 30000, 150000, 400000 };

/*
 * Every core and facet call, ring faults, open() and DESTROY of busy
 * objects, each in a loop of its own thread, while the device is deleted
 * at a different moment each round: removal returns, every call then
 * fails with ENODEV (rings give SIGBUS on every page), the events are
 * there, and closing leaves nothing.
 */
static void test_removal_races_every_call(void **state)
{
	unsigned int rounds = vm_scaled(10);
	struct worker w[NR_OPS];
	struct hammer h;
	double t0, took, worst = 0;

	catch_sigbus();
	for (unsigned int r = 0; r < rounds; r++) {
		vm_soft_fresh(DEV);
		hammer_open(&h, DEV);
		workers_start(&h, w);
		usleep(hammer_delays_us[r % 5]);
		t0 = vm_now();
		assert_int_equal(vm_soft_delete(DEV), 0);
		took = vm_now() - t0;
		h.removed = 1;
		worst = took > worst ? took : worst;
		workers_finish(&h, w, 60);
		check_removal_events(&h, 0);
		hammer_close(&h);
		vm_assert_stats_equal(&base);
		if (took * 1000 > REMOVAL_BOUND_MS)
			fail_msg("removal took %.1f s", took);
	}
	print_message("# %u rounds, removal took at most %.3f s\n", rounds, worst);
}

/*
 * The same with a fatal device error (the debug facet) instead of a
 * deletion: the calls fail from that moment, the events are flagged
 * fatal, and the recovered device under the same name is a new one.
 */
static void test_fatal_error_races_every_call(void **state)
{
	unsigned int rounds = vm_scaled(6);
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct worker w[NR_OPS];
	struct hammer h;
	uint32_t old_index;
	int fd;

	catch_sigbus();
	vm_soft_fresh(DEV);
	for (unsigned int r = 0; r < rounds; r++) {
		assert_int_equal(vm_wait_device(DEV, VM_DEVICE_WAIT_S), 0);
		hammer_open(&h, DEV);
		assert_int_equal(vm_ioctl(h.fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
		old_index = q.index;
		workers_start(&h, w);
		usleep(hammer_delays_us[r % 5]);
		assert_int_equal(vm_ioctl(h.debug, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe), 0);
		/* The recovery unregisters the failed device: its events come after the zap. */
		assert_true(readable_within(h.fd, 30000));
		h.removed = 1;
		workers_finish(&h, w, 60);
		assert_int_equal(vm_wait_device(DEV, VM_DEVICE_WAIT_S), 0);
		check_removal_events(&h, UACCEL_EVENT_FATAL);
		hammer_close(&h);
		fd = vm_open_device(DEV);
		assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
		assert_int_not_equal(q.index, old_index);
		assert_int_equal(close(fd), 0);
		vm_assert_stats_equal(&base);
	}
	assert_int_equal(vm_soft_delete(DEV), 0);
}

/* ---- Faults, DESTROY and removal ---- */

#define STORM_MAPS 6
#define STORM_THREADS 3

struct storm {
	int fd;
	struct uaccel_create_cq cq[STORM_MAPS];
	void *map[STORM_MAPS];
	pthread_rwlock_t map_lock[STORM_MAPS];
	volatile int stop;
	int bad;
	char what[256];
	unsigned long faults_after_gone, ebusy, destroyed;
	pthread_mutex_t lock;
};

static void storm_bad(struct storm *s, const char *what, int map)
{
	pthread_mutex_lock(&s->lock);
	if (!s->bad++)
		snprintf(s->what, sizeof(s->what), "%s (mapping %d)", what, map);
	pthread_mutex_unlock(&s->lock);
}

/*
 * Touch every page of every mapping; now and then map a ring again.  The
 * rings have no completions: their header reads 0, whatever else would
 * be a page that is not the ring's (freed memory, poisoned).
 */
static void *storm_thread(void *arg)
{
	struct storm *s = arg;
	unsigned long it = 0;

	while (!s->stop) {
		for (int m = 0; m < STORM_MAPS; m++) {
			size_t len = s->cq[m].out_mmap_size;

			pthread_rwlock_rdlock(&s->map_lock[m]);
			if (s->map[m]) {
				for (size_t off = 0; off < len; off += PAGE) {
					const uint32_t *p = (uint32_t *)((char *)s->map[m] + off);
					uint32_t head = 0, tail = 0;

					if (off == 0 && !bus_read(p, &head) && !bus_read(p + 16, &tail) &&
					    (head || tail))
						storm_bad(s, "a ring header read garbage", m);
					else if (off)
						touch(p);
				}
			}
			pthread_rwlock_unlock(&s->map_lock[m]);
			if (++it % 7 == 0) {
				pthread_rwlock_wrlock(&s->map_lock[m]);
				if (s->map[m]) {
					void *p;

					munmap(s->map[m], len);
					p = mmap(NULL, len, PROT_READ, MAP_SHARED, s->fd,
						 s->cq[m].out_mmap_offset);
					s->map[m] = p == MAP_FAILED ? NULL : p;
					if (p == MAP_FAILED && errno != ENODEV)
						storm_bad(s, "mmap of a ring failed", m);
				}
				pthread_rwlock_unlock(&s->map_lock[m]);
			}
		}
	}
	return NULL;
}

/*
 * Create a CQ, map it, let another thread fault on it, DESTROY it (EBUSY
 * while a fault holds it): from DESTROY's success on, no page of it may
 * be reachable through the mapping.
 */
struct destroyer {
	struct storm *s;
	void *volatile map;
	size_t len;
	pthread_rwlock_t lock;
	volatile int stop;
	pthread_t toucher;
};

static void *destroy_toucher(void *arg)
{
	struct destroyer *d = arg;

	while (!d->stop) {
		pthread_rwlock_rdlock(&d->lock);
		if (d->map)
			for (size_t off = 0; off < d->len; off += PAGE)
				touch((uint32_t *)((char *)d->map + off));
		pthread_rwlock_unlock(&d->lock);
	}
	return NULL;
}

static void *destroy_thread(void *arg)
{
	struct destroyer *d = arg;
	struct storm *s = d->s;
	struct uaccel_create_cq cq;
	int ret;

	if (pthread_create(&d->toucher, NULL, destroy_toucher, d))
		abort();
	while (!s->stop) {
		void *p;

		ret = vm_create_cq(s->fd, 2048, &cq);
		if (ret)
			break;
		p = mmap(NULL, cq.out_mmap_size, PROT_READ, MAP_SHARED, s->fd, cq.out_mmap_offset);
		if (p == MAP_FAILED)
			break;
		pthread_rwlock_wrlock(&d->lock);
		d->len = cq.out_mmap_size;
		d->map = p;
		pthread_rwlock_unlock(&d->lock);
		usleep(1000);
		for (int i = 0; i < 100000; i++) {
			ret = vm_destroy(s->fd, cq.out_cq_id);
			if (ret != -EBUSY)
				break;
			__atomic_add_fetch(&s->ebusy, 1, __ATOMIC_RELAXED);
		}
		if (!ret) {
			s->destroyed++;
			for (size_t off = 0; off < cq.out_mmap_size; off += PAGE)
				if (!touch((uint32_t *)((char *)p + off)))
					storm_bad(s, "a page of a destroyed CQ's ring stayed mapped", -1);
		} else if (ret != -ENODEV) {
			storm_bad(s, "DESTROY of a mapped CQ failed", -1);
		}
		pthread_rwlock_wrlock(&d->lock);
		d->map = NULL;
		pthread_rwlock_unlock(&d->lock);
		munmap(p, cq.out_mmap_size);
		if (ret)
			break;
	}
	d->stop = 1;
	pthread_join(d->toucher, NULL);
	return NULL;
}

/*
 * Threads fault ring pages in and map rings again while others are
 * destroyed under concurrent faults, and the device is removed meanwhile:
 * no ring page stays reachable after its DESTROY or the removal, the rings
 * never show another page's contents, and removal returns.
 */
static void test_fault_storm_vs_destroy_and_removal(void **state)
{
	unsigned int rounds = vm_scaled(4);
	pthread_t t[STORM_THREADS], dt;
	struct destroyer d;
	struct storm *s = calloc(1, sizeof(*s));
	double t0, took;

	assert_non_null(s);
	catch_sigbus();
	for (unsigned int r = 0; r < rounds; r++) {
		memset(s, 0, sizeof(*s));
		pthread_mutex_init(&s->lock, NULL);
		vm_soft_fresh(DEV);
		s->fd = vm_open_device(DEV);
		for (int m = 0; m < STORM_MAPS; m++) {
			assert_int_equal(vm_create_cq(s->fd, 1024 << (m % 3), &s->cq[m]), 0);
			s->map[m] = mmap(NULL, s->cq[m].out_mmap_size, PROT_READ, MAP_SHARED, s->fd,
					 s->cq[m].out_mmap_offset);
			assert_true(s->map[m] != MAP_FAILED);
			pthread_rwlock_init(&s->map_lock[m], NULL);
		}
		memset(&d, 0, sizeof(d));
		d.s = s;
		pthread_rwlock_init(&d.lock, NULL);
		for (int i = 0; i < STORM_THREADS; i++)
			assert_int_equal(pthread_create(&t[i], NULL, storm_thread, s), 0);
		assert_int_equal(pthread_create(&dt, NULL, destroy_thread, &d), 0);
		usleep(300000 + 200000 * r);
		t0 = vm_now();
		assert_int_equal(vm_soft_delete(DEV), 0);
		took = vm_now() - t0;
		usleep(200000);
		s->stop = 1;
		for (int i = 0; i < STORM_THREADS; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(pthread_join(dt, NULL), 0);
		/* Every page of every ring is gone. */
		for (int m = 0; m < STORM_MAPS; m++) {
			if (!s->map[m])
				continue;
			for (size_t off = 0; off < s->cq[m].out_mmap_size; off += PAGE)
				if (!touch((uint32_t *)((char *)s->map[m] + off)))
					storm_bad(s, "a ring page stayed mapped after removal", m);
			munmap(s->map[m], s->cq[m].out_mmap_size);
		}
		assert_int_equal(close(s->fd), 0);
		print_message("# round %u: removal %.3f s, %lu CQs destroyed under faults "
			      "(%lu EBUSY)\n", r, took, s->destroyed, s->ebusy);
		if (s->bad)
			fail_msg("%s (and %d more)", s->what, s->bad - 1);
		if (took * 1000 > REMOVAL_BOUND_MS)
			fail_msg("removal took %.1f s", took);
		vm_assert_stats_equal(&base);
	}
	free(s);
}

/* ---- close() racing with removal ---- */

#define CLOSERS 4

struct closer {
	int fd, facet;
	uint32_t pd, mr, cq, q, pcq, pq;
	char *buf;
	void *ring, *pring;
	size_t ring_size, pring_size;
	int order;
	int go;		/* eventfd */
	int ret;
	pthread_t t;
};

#define CBUF (1 << 20)

static void closer_open(struct closer *c, int order)
{
	struct uaccel_create_cq cq;
	struct uaccel_create_queue q = { .size = sizeof(q), .entries = 64 };
	struct uaccel_wr wrs[64];
	struct uaccel_post post = { .size = sizeof(post), .count = 64, .wrs = (uintptr_t)wrs };

	memset(c, 0, sizeof(*c));
	c->order = order;
	c->fd = vm_open_device(DEV);
	c->buf = mmap(NULL, CBUF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(c->buf != MAP_FAILED);
	assert_int_equal(vm_alloc_pd(c->fd, &c->pd), 0);
	assert_int_equal(vm_reg_mr(c->fd, c->pd, c->buf, CBUF, UACCEL_MR_ACCESS_WRITE, &c->mr), 0);
	assert_int_equal(vm_create_cq(c->fd, 64, &cq), 0);
	c->cq = cq.out_cq_id;
	c->ring_size = cq.out_mmap_size;
	c->ring = mmap(NULL, c->ring_size, PROT_READ, MAP_SHARED, c->fd, cq.out_mmap_offset);
	assert_true(c->ring != MAP_FAILED);
	q.pd_id = c->pd;
	q.cq_id = c->cq;
	assert_int_equal(vm_ioctl(c->fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
	c->q = q.out_queue_id;
	assert_int_equal(vm_create_cq(c->fd, 64, &cq), 0);
	c->pcq = cq.out_cq_id;
	q = (struct uaccel_create_queue){ .size = sizeof(q), .flags = UACCEL_QUEUE_POLL,
					  .pd_id = c->pd, .cq_id = c->pcq, .entries = 64 };
	assert_int_equal(vm_ioctl(c->fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
	c->pq = q.out_queue_id;
	c->pring_size = q.out_mmap_size;
	c->pring = mmap(NULL, c->pring_size, PROT_READ, MAP_SHARED, c->fd, q.out_mmap_offset);
	assert_true(c->pring != MAP_FAILED);
	c->facet = vm_get_facet(c->fd, UACCEL_SOFT_DMA_FACET, 2, 2, 0, NULL);
	assert_true(c->facet >= 0);
	/* Work in flight on both queues. */
	for (int i = 0; i < 64; i++)
		wrs[i] = (struct uaccel_wr){ .opcode = UACCEL_WR_COPY, .user_data = i,
					     .src_mr = c->mr, .dst_mr = c->mr,
					     .dst_offset = CBUF / 2, .length = CBUF / 2 };
	post.queue_id = c->q;
	assert_int_equal(vm_ioctl(c->fd, UACCEL_IOCTL_POST, &post), 0);
	post.queue_id = c->pq;
	assert_int_equal(vm_ioctl(c->fd, UACCEL_IOCTL_POST, &post), 0);
	c->go = eventfd(0, EFD_CLOEXEC);
	assert_true(c->go >= 0);
}

static void *closer_thread(void *arg)
{
	struct closer *c = arg;
	uint64_t v;
	int r = 0;

	if (read(c->go, &v, sizeof(v)) != sizeof(v))
		abort();
	switch (c->order) {
	case 0:	/* the context fd last, mappings first */
		munmap(c->ring, c->ring_size);
		munmap(c->pring, c->pring_size);
		r |= close(c->facet);
		r |= close(c->fd);
		break;
	case 1:	/* the context fd first: the facet fd and mappings keep it */
		r |= close(c->fd);
		r |= close(c->facet);
		munmap(c->ring, c->ring_size);
		munmap(c->pring, c->pring_size);
		break;
	default:	/* the mappings last: they keep the context file */
		r |= close(c->facet);
		r |= close(c->fd);
		munmap(c->pring, c->pring_size);
		munmap(c->ring, c->ring_size);
		break;
	}
	c->ret = r;
	return NULL;
}

/*
 * Contexts with pinned memory, queues running work (ordinary and polled),
 * facet fds and mappings are closed (in various orders) at the moment the
 * device is deleted: removal returns, and nothing is left.
 */
static void test_close_races_removal(void **state)
{
	unsigned int rounds = vm_scaled(12);
	struct closer c[CLOSERS];
	uint64_t one = 1;
	double t0, took, worst = 0;

	for (unsigned int r = 0; r < rounds; r++) {
		vm_soft_fresh(DEV);
		for (int i = 0; i < CLOSERS; i++) {
			closer_open(&c[i], (i + r) % 3);
			assert_int_equal(pthread_create(&c[i].t, NULL, closer_thread, &c[i]), 0);
		}
		for (int i = 0; i < CLOSERS; i++)
			assert_int_equal(write(c[i].go, &one, sizeof(one)), sizeof(one));
		usleep((r % 4) * 700);
		t0 = vm_now();
		assert_int_equal(vm_soft_delete(DEV), 0);
		took = vm_now() - t0;
		worst = took > worst ? took : worst;
		for (int i = 0; i < CLOSERS; i++) {
			assert_int_equal(pthread_join(c[i].t, NULL), 0);
			assert_int_equal(c[i].ret, 0);
			close(c[i].go);
			munmap(c[i].buf, CBUF);
		}
		if (took * 1000 > REMOVAL_BOUND_MS)
			fail_msg("removal took %.1f s", took);
		assert_int_equal(vm_pinned_kb(), 0);
		vm_assert_stats_equal(&base);
	}
	print_message("# %u rounds, removal took at most %.3f s\n", rounds, worst);
}

/* ---- Module unload under open files ---- */

/*
 * uaccel_soft is unloaded while every kind of call runs on its device;
 * then uaccel_core may not be unloaded while files of it are open (it
 * owns their code): rmmod fails, and every file still answers ENODEV or
 * SIGBUS.  Once they are closed it unloads, and both load again.
 */
static void test_rmmod_soft_then_core_under_open_files(void **state)
{
	const char *soft_ko = getenv("UACCEL_SOFT_KO"), *core_ko = getenv("UACCEL_CORE_KO");
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct worker w[NR_OPS];
	struct hammer h;
	char cmd[1024];
	void *m;

	if (!soft_ko || !core_ko)
		skip();
	catch_sigbus();
	hammer_open(&h, "soft0");
	workers_start(&h, w);
	usleep(200000);
	assert_int_equal(vm_run("rmmod uaccel_soft"), 0);
	h.removed = 1;
	workers_finish(&h, w, 60);
	check_removal_events(&h, 0);

	/* Open files of uaccel_core: it stays. */
	assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	assert_true(vm_module_loaded("uaccel_core"));
	assert_int_equal(vm_ioctl(h.fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -ENODEV);
	assert_int_equal(vm_ioctl(h.dma, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), -ENODEV);
	assert_int_equal(touch(h.cq_ring), SIGBUS);
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, h.fd, 0);
	assert_true(m == MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	/* A facet fd and a mapping left: still in use. */
	close(h.fd);
	close(h.fact);
	close(h.debug);
	h.debug = -1;
	munmap(h.cq_ring, h.cq_size);
	munmap(h.q_ring, h.q_size);
	assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	assert_int_equal(vm_ioctl(h.dma, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), -ENODEV);
	/* Only a mapping left (it holds the context file): still in use. */
	close(h.dma);
	assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	assert_int_equal(touch(h.pq_ring), SIGBUS);
	munmap(h.pq_ring, h.pq_size);
	munmap(h.buf, HBUF);

	assert_int_equal(vm_run("rmmod uaccel_core"), 0);
	snprintf(cmd, sizeof(cmd), "insmod '%s' && insmod '%s' num_devices=3", core_ko, soft_ko);
	assert_int_equal(vm_run(cmd), 0);
	assert_int_equal(vm_wait_device("soft0", VM_DEVICE_WAIT_S), 0);
	vm_assert_stats_equal(&base);
}

/* One ioctl, run by a thread; @done is signalled when it returned. */
struct call {
	int fd;
	unsigned long req;
	void *arg;
	int ret;
	int done;
	pthread_t t;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;
	uint64_t one = 1;
	int ret = ioctl(c->fd, c->req, c->arg);

	c->ret = ret < 0 ? -errno : ret;
	if (write(c->done, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/*
 * uaccel_soft is unloaded while calls on its device wait for user pages:
 * a facet command whose structure is on an unserved page (the dispatcher
 * copied the facet's table entry out of the module before it waits), a
 * POLL_CQ whose completion array is, and a GET_DRIVER_OPS_FD whose reply
 * waits on a write-protected page (its facet file, made from the module's
 * facet, is installed after the unload).  The unload returns at once; served, the calls fail with
 * ENODEV (or the facet fd arrives and answers ENODEV), and nothing breaks.
 */
static void test_rmmod_while_calls_stuck_on_uffd_pages(void **state)
{
	const char *soft_ko = getenv("UACCEL_SOFT_KO");
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct uffd_page u[3];
	struct call c[3];
	struct hammer h;
	struct uaccel_wr wr = { .opcode = UACCEL_WR_NOP, .user_data = 5 };
	struct uaccel_post post = { .size = sizeof(post), .count = 1, .wrs = (uintptr_t)&wr };
	struct uaccel_poll_cq *pc;
	struct uaccel_get_driver_ops_fd *gf;
	struct uaccel_soft_dma_copy *cp;
	char cmd[512], *contents;
	bool stuck[3], returned;
	int serve_ret[3] = { -1, -1, -1 }, rmmod_ret, f;
	double t0, took;

	if (!soft_ko)
		skip();
	contents = aligned_alloc(PAGE, PAGE);
	assert_non_null(contents);
	hammer_open(&h, "soft0");
	post.queue_id = h.q;
	assert_int_equal(vm_ioctl(h.fd, UACCEL_IOCTL_POST, &post), 0);
	gf = (void *)contents;
	*gf = (struct uaccel_get_driver_ops_fd){ .size = sizeof(*gf), .min_version = 1,
						 .max_version = 2, .name = UACCEL_SOFT_DMA_FACET };
	uffd_wp_page_open(&u[2], gf, sizeof(*gf));
	for (int i = 0; i < 3; i++) {
		if (i < 2)
			uffd_page_open(&u[i]);
		c[i] = (struct call){ .done = eventfd(0, EFD_CLOEXEC) };
		assert_true(c[i].done >= 0);
	}
	/* The facet command's structure on the page. */
	c[0].fd = h.dma;
	c[0].req = UACCEL_SOFT_IOCTL_DMA_COPY;
	c[0].arg = u[0].page;
	/* POLL_CQ's completions on the page (the structure is not). */
	pc = calloc(1, sizeof(*pc));
	*pc = (struct uaccel_poll_cq){ .size = sizeof(*pc), .cq_id = h.cq, .count = 4,
				       .cqes = (uintptr_t)u[1].page };
	c[1].fd = h.fd;
	c[1].req = UACCEL_IOCTL_POLL_CQ;
	c[1].arg = pc;
	/* GET_DRIVER_OPS_FD's structure on the write-protected page: its reply waits. */
	c[2].fd = h.fd;
	c[2].req = UACCEL_IOCTL_GET_DRIVER_OPS_FD;
	c[2].arg = u[2].page;
	/* The completion is there for POLL_CQ to take. */
	for (double end = vm_now() + 10; vm_now() < end; usleep(1000))
		if (((volatile struct uaccel_ring_header *)h.cq_ring)->tail)
			break;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_create(&c[i].t, NULL, call_thread, &c[i]), 0);
		stuck[i] = uffd_faulted(&u[i], c[i].done);
	}
	t0 = vm_now();
	rmmod_ret = vm_run("rmmod uaccel_soft");
	took = vm_now() - t0;
	returned = took * 1000 < REMOVAL_BOUND_MS;
	/* Serve: a valid COPY, a page for the completions, a valid GET_DRIVER_OPS_FD. */
	memset(contents, 0, PAGE);
	cp = (void *)contents;
	*cp = (struct uaccel_soft_dma_copy){ .size = sizeof(*cp), .src_mr = h.mr, .dst_mr = h.mr,
					     .dst_offset = PAGE, .length = 64 };
	{
		struct uffdio_copy uc = { .dst = (uintptr_t)u[0].page, .src = (uintptr_t)contents,
					  .len = PAGE };

		serve_ret[0] = ioctl(u[0].uffd, UFFDIO_COPY, &uc) ? -errno : 0;
	}
	serve_ret[1] = uffd_serve_zero(&u[1]);
	serve_ret[2] = uffd_unprotect(&u[2]);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(c[i].t, NULL), 0);
		close(c[i].done);
	}
	print_message("# rmmod took %.3f s; the calls returned %d, %d, %d\n", took, c[0].ret,
		      c[1].ret, c[2].ret);
	f = ((struct uaccel_get_driver_ops_fd *)u[2].page)->out_fd;
	for (int i = 0; i < 3; i++) {
		assert_true(stuck[i]);
		assert_int_equal(serve_ret[i], 0);
	}
	assert_int_equal(rmmod_ret, 0);
	if (!returned)
		fail_msg("rmmod uaccel_soft waited %.1f s for calls stuck on user pages", took);
	assert_int_equal(c[0].ret, -ENODEV);
	/* Consumed nothing it could not consume: ENODEV, not a lost completion. */
	assert_int_equal(c[1].ret, -ENODEV);
	/* The facet file was made before the unload: it may come, answering ENODEV. */
	if (c[2].ret == 0) {
		assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), -ENODEV);
		assert_int_equal(close(f), 0);
	} else {
		assert_int_equal(c[2].ret, -ENODEV);
	}
	check_removal_events(&h, 0);
	hammer_close(&h);
	for (int i = 0; i < 3; i++)
		uffd_page_close(&u[i]);
	free(pc);
	free(contents);
	snprintf(cmd, sizeof(cmd), "insmod '%s' num_devices=3", soft_ko);
	assert_int_equal(vm_run(cmd), 0);
	assert_int_equal(vm_wait_device("soft0", VM_DEVICE_WAIT_S), 0);
}

/*
 * The driver's module unloaded while a getdents64() of /dev/uaccel holds
 * the directory's lock on an unserved page: the devices stop within the
 * bound (calls get ENODEV, DEVICE_REMOVED delivered) though rmmod waits
 * for devtmpfs; once the page is served rmmod finishes, the nodes and
 * sysfs directories are gone and uaccel_core unloads cleanly.
 */
static void test_rmmod_vs_getdents_on_uffd_page(void **state)
{
	const char *soft_ko = getenv("UACCEL_SOFT_KO"), *core_ko = getenv("UACCEL_CORE_KO");
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct dents_call g = { 0 };
	struct uffd_page u;
	struct vm_deleter d;
	bool stuck, stopped = false, gone = false;
	double t0 = 0, took = 0;
	char node[64];
	struct stat st;
	pthread_t t;
	int fd;

	if (!soft_ko || !core_ko)
		skip();
	fd = vm_open_device("soft0");
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	snprintf(node, sizeof(node), "/dev/uaccel/uaccel%u", q.index);
	uffd_page_open(&u);
	g.dirfd = open("/dev/uaccel", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(g.dirfd >= 0);
	g.done = eventfd(0, EFD_CLOEXEC);
	g.buf = u.page;
	assert_true(g.done >= 0);
	vm_deleter_start(&d, NULL);
	d.cmd = "rmmod uaccel_soft";
	assert_int_equal(pthread_create(&t, NULL, dents_thread, &g), 0);
	stuck = uffd_faulted(&u, g.done);
	if (stuck) {
		t0 = vm_now();
		vm_deleter_go(&d);
		stopped = stopped_within(fd, REMOVAL_BOUND_MS);
		took = vm_now() - t0;
		assert_int_equal(uffd_serve_zero(&u), 0);
	}
	assert_int_equal(vm_deleter_finish(&d), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(g.done);
	close(g.dirfd);
	uffd_page_close(&u);
	if (!stuck)
		fail_msg("getdents64() returned %ld without faulting on its buffer", g.ret);
	assert_true(g.ret > 0);
	if (!stopped)
		fail_msg("soft0 did not stop within %d ms of rmmod uaccel_soft while a "
			 "getdents64() of /dev/uaccel waited for an unserved page",
			 REMOVAL_BOUND_MS);
	assert_false(vm_module_loaded("uaccel_soft"));
	/* The nodes and directories went with rmmod. */
	for (int i = 0; i < 100 && !gone; i++) {
		gone = stat("/sys/class/uaccel/soft0", &st) && errno == ENOENT &&
		       stat(node, &st) && errno == ENOENT;
		if (!gone)
			usleep(100000);
	}
	assert_true(gone);
	assert_int_equal(close(fd), 0);
	assert_int_equal(vm_run("rmmod uaccel_core"), 0);
	print_message("# soft0 stopped %.3f s into rmmod\n", took);
}

/* ---- fork() ---- */

static int child_wait_go(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/*
 * Children inherit the context, facet fds and (MADV_DOFORK) ring mappings
 * and use them across the removal: one calls until ENODEV, one faults the
 * rings until SIGBUS, one holds the only references left (the parent
 * closed its own) and reads the removal's events, one exits during the
 * removal.  Every child exits cleanly, and nothing is left.
 */
static void test_fork_children_across_removal(void **state)
{
	struct hammer h;
	int before[2], after[2], ready[2], status;
	bool dofork;
	pid_t pid[4];
	char c = 'g';

	catch_sigbus();
	vm_soft_fresh(DEV);
	hammer_open(&h, DEV);
	dofork = !madvise(h.cq_ring, h.cq_size, MADV_DOFORK) &&
		 !madvise(h.q_ring, h.q_size, MADV_DOFORK);
	if (!dofork)
		print_message("# no madvise(): the children do not inherit the rings\n");
	/* @before: child 3 exits, racing with the removal; @after: child 2 looks. */
	assert_int_equal(pipe(before), 0);
	assert_int_equal(pipe(after), 0);
	assert_int_equal(pipe(ready), 0);

	for (int k = 0; k < 4; k++) {
		pid[k] = vm_fork();
		if (pid[k])
			continue;
		close(before[1]);
		close(after[1]);
		vm_child_check(write(ready[1], &c, 1) == 1);
		switch (k) {
		case 0: {	/* calls until ENODEV */
			struct uaccel_query_device q = { .size = sizeof(q) };
			struct uaccel_wr wr = { .opcode = UACCEL_WR_NOP };
			struct uaccel_post post = { .size = sizeof(post), .queue_id = h.q,
						    .count = 1, .wrs = (uintptr_t)&wr };
			struct uaccel_cqe cqe[8];
			int ret;

			do {
				ret = vm_ioctl(h.fd, UACCEL_IOCTL_POST, &post);
				vm_child_check(!ret || ret == -EAGAIN || ret == -ENODEV);
				if (ret != -ENODEV) {
					int n = drain(&h, h.cq, cqe, 8);

					vm_child_check(n >= 0 || n == -ENODEV);
					ret = n < 0 ? n : 0;
				}
			} while (ret != -ENODEV);
			vm_child_check(vm_ioctl(h.fd, UACCEL_IOCTL_QUERY_DEVICE, &q) == -ENODEV);
			vm_child_check(vm_alloc_pd(h.fd, NULL) == -ENODEV);
			_exit(0);
		}
		case 1:	/* faults the rings until SIGBUS */
			if (dofork) {
				while (!touch(h.cq_ring) && !touch(h.q_ring))
					;
				/* Removal zaps the mappings one after the other. */
				vm_child_check(!child_wait_go(after[0]));
				vm_child_check(touch(h.cq_ring) == SIGBUS);
				vm_child_check(touch(h.q_ring) == SIGBUS);
			}
			_exit(0);
		case 2: {	/* holds the last references, looks after the removal */
			struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
			struct uaccel_event ev[8];
			ssize_t n;

			vm_child_check(!child_wait_go(after[0]));
			vm_child_check(vm_ioctl(h.dma, UACCEL_SOFT_IOCTL_DMA_NOP, &nop) == -ENODEV);
			n = read(h.fd, ev, sizeof(ev));
			vm_child_check(n >= (ssize_t)sizeof(ev[0]));
			vm_child_check(ev[n / sizeof(ev[0]) - 1].type == UACCEL_EVENT_DEVICE_REMOVED);
			_exit(0);
		}
		default:	/* exits during the removal */
			vm_child_check(!child_wait_go(before[0]));
			_exit(0);
		}
	}
	for (int k = 0; k < 4; k++)
		assert_int_equal(read(ready[0], &c, 1), 1);
	usleep(100000);
	/* The children hold the last references. */
	hammer_close(&h);
	assert_int_equal(write(before[1], &c, 1), 1);
	assert_int_equal(vm_soft_delete(DEV), 0);
	/* One byte for child 2, one for child 1. */
	assert_int_equal(write(after[1], "gg", 2), 2);
	for (int k = 0; k < 4; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		if (WIFSIGNALED(status))
			fail_msg("child %d killed by signal %d", k, WTERMSIG(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	for (int i = 0; i < 2; i++) {
		close(before[i]);
		close(after[i]);
		close(ready[i]);
	}
	vm_assert_stats_equal(&base);
}

/* ---- MRs over memory that is not the caller's plain memory ---- */

/*
 * REG_MR of ring mappings: a CQ's, a queue's, one partly (plain memory
 * followed by a ring page), another device's, a removed device's (zapped)
 * and a forked child's inherited one: all -EFAULT, nothing pinned or
 * charged.  POLL_CQ and POST whose arrays are ring mappings of the same
 * device work, and removal during them returns.
 */
static void test_reg_mr_over_ring_mappings(void **state)
{
	struct hammer h, h2;
	struct uaccel_cqe *cqe_in_ring;
	char *span;
	long pinned;
	uint32_t id;

	catch_sigbus();
	vm_soft_fresh(DEV);
	vm_soft_fresh(DEV2);
	hammer_open(&h, DEV);
	hammer_open(&h2, DEV2);
	pinned = vm_pinned_kb();
	assert_int_equal(vm_reg_mr(h.fd, h.pd, h.cq_ring, PAGE, 0, &id), -EFAULT);
	assert_int_equal(vm_reg_mr(h.fd, h.pd, h.q_ring, h.q_size, UACCEL_MR_ACCESS_WRITE, &id),
			 -EFAULT);
	assert_int_equal(vm_reg_mr(h.fd, h.pd, h2.cq_ring, PAGE, 0, &id), -EFAULT);

	/* Plain memory, then a ring page right after it. */
	span = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(span != MAP_FAILED);
	memset(span, 1, 2 * PAGE);
	munmap(span + 2 * PAGE, PAGE);
	{
		struct uaccel_create_cq cq;

		assert_int_equal(vm_create_cq(h.fd, 4, &cq), 0);
		assert_true(mmap(span + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, h.fd, cq.out_mmap_offset) == span + 2 * PAGE);
		assert_int_equal(vm_reg_mr(h.fd, h.pd, span, 3 * PAGE, 0, &id), -EFAULT);
		assert_int_equal(vm_reg_mr(h.fd, h.pd, span + PAGE, 2 * PAGE,
					   UACCEL_MR_ACCESS_WRITE, &id), -EFAULT);
		assert_int_equal(vm_pinned_kb(), pinned);
	}

	/* A forked child's inherited ring mapping (when madvise() exists). */
	if (!madvise(h.cq_ring, h.cq_size, MADV_DOFORK)) {
		pid_t pid = vm_fork();

		if (!pid) {
			vm_child_check(vm_reg_mr(h.fd, h.pd, h.cq_ring, PAGE, 0, NULL) == -EFAULT);
			_exit(0);
		}
		vm_wait_ok(pid);
	}

	/* The completions of POLL_CQ written into another CQ's ring. */
	cqe_in_ring = (struct uaccel_cqe *)((char *)h.q_ring + UACCEL_RING_ENTRIES_OFFSET);
	{
		struct uaccel_wr wr = { .opcode = UACCEL_WR_NOP, .user_data = 77 };
		struct uaccel_post post = { .size = sizeof(post), .queue_id = h.q, .count = 1,
					    .wrs = (uintptr_t)&wr };
		struct uaccel_poll_cq pc = { .size = sizeof(pc), .cq_id = h.cq, .count = 1,
					     .cqes = (uintptr_t)cqe_in_ring };
		double end = vm_now() + 10;

		assert_int_equal(vm_ioctl(h.fd, UACCEL_IOCTL_POST, &post), 0);
		do {
			assert_int_equal(vm_ioctl(h.fd, UACCEL_IOCTL_POLL_CQ, &pc), 0);
		} while (!pc.out_polled && vm_now() < end);
		assert_int_equal(pc.out_polled, 1);
		assert_int_equal(cqe_in_ring->user_data, 77);
	}

	/* A removed device's mapping, registered on the other device. */
	hammer_close(&h);
	assert_int_equal(vm_soft_delete(DEV), 0);
	assert_int_equal(touch(span + 2 * PAGE), SIGBUS);
	assert_int_equal(vm_reg_mr(h2.fd, h2.pd, span + 2 * PAGE, PAGE, 0, &id), -EFAULT);
	munmap(span, 3 * PAGE);
	assert_int_equal(vm_pinned_kb(), pinned - HBUF / 1024);
	hammer_close(&h2);
	assert_int_equal(vm_soft_delete(DEV2), 0);
	vm_assert_stats_equal(&base);
}

/* ---- Add and remove again and again with the old files kept ---- */

/*
 * A device added and deleted many times under the same name, each time
 * with a context, objects, a mapping and a facet fd left open: the old
 * files all answer ENODEV (never reaching a later device), the indexes
 * are all different, and closing them all at the end leaves nothing.
 */
static void test_add_remove_loops_with_open_files(void **state)
{
	unsigned int loops = vm_scaled(40);
	struct hammer *h = calloc(loops, sizeof(*h));
	uint32_t *index = calloc(loops, sizeof(*index));
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct vm_stats st;

	assert_non_null(h);
	assert_non_null(index);
	catch_sigbus();
	for (unsigned int i = 0; i < loops; i++) {
		vm_soft_fresh(DEV);
		hammer_open(&h[i], DEV);
		assert_int_equal(vm_ioctl(h[i].fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
		index[i] = q.index;
		for (unsigned int j = 0; j < i; j++) {
			assert_int_not_equal(index[j], index[i]);
			assert_int_equal(vm_ioctl(h[j].fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -ENODEV);
		}
		assert_int_equal(touch(h[i].cq_ring), 0);
		assert_int_equal(vm_soft_delete(DEV), 0);
		assert_int_equal(touch(h[i].cq_ring), SIGBUS);
	}
	vm_read_stats(&st);
	assert_int_equal(st.contexts, base.contexts + loops);
	assert_int_equal(st.facet_files, base.facet_files + 3 * loops);
	/* Removal destroyed what held the device; the PDs (memory only) go at close. */
	assert_int_equal(st.mr + st.cq + st.queue, base.mr + base.cq + base.queue);
	assert_int_equal(st.pd, base.pd + loops);
	assert_int_equal(st.pinned_pages, base.pinned_pages);
	for (unsigned int i = 0; i < loops; i++) {
		check_removal_events(&h[i], 0);
		hammer_close(&h[i]);
	}
	free(h);
	free(index);
	vm_assert_stats_equal(&base);
}

/* ---- Teardown of as many objects as a context may have ---- */

/* ALLOC_PD @n times on @fd; the time it took. */
static double fill_pds(int fd, uint32_t n)
{
	double t0 = vm_now();

	for (uint32_t i = 0; i < n; i++) {
		int ret = vm_alloc_pd(fd, NULL);

		if (ret)
			fail_msg("ALLOC_PD number %u failed: %d", i + 1, ret);
	}
	return vm_now() - t0;
}

/* The objects a test makes per context: BRK_OBJECTS, or the most allowed (scaled). */
static uint32_t max_objects(void)
{
	const char *env = getenv("BRK_OBJECTS");

	if (env && atoi(env) > 0 && atoi(env) <= (int)UACCEL_MAX_OBJECTS)
		return atoi(env);
	return vm_scaled(UACCEL_MAX_OBJECTS);
}

/*
 * A context may hold UACCEL_MAX_OBJECTS objects (docs/uapi.md, Limits),
 * each a few bytes of kernel memory, which any user who may open the
 * device can make.  Its close destroys them all: does that stay bounded,
 * and does the kernel stay responsive meanwhile (a destruction loop that
 * never yields trips the soft-lockup and RCU-stall detectors, which fail
 * the run)?  The debug kernel makes an eighth of them (VM_SCALE).
 */
static void test_close_of_max_objects(void **state)
{
	uint32_t n = max_objects();
	double fill, took;
	int fd;

	vm_soft_fresh(DEV);
	fd = vm_open_device(DEV);
	fill = fill_pds(fd, n);
	if (n == UACCEL_MAX_OBJECTS)
		assert_int_equal(vm_alloc_pd(fd, NULL), -ENOSPC);
	took = vm_now();
	assert_int_equal(close(fd), 0);
	took = vm_now() - took;
	print_message("# %u PDs made in %.1f s; the close of their context took %.1f s\n",
		      n, fill, took);
	assert_int_equal(vm_soft_delete(DEV), 0);
}

/*
 * The same objects destroyed by removal, in two contexts: removal does it
 * for every context while it holds the device's lock of contexts.
 */
static void test_removal_with_max_objects(void **state)
{
	uint32_t n = max_objects();
	double took;
	int fd, fd2;

	vm_soft_fresh(DEV);
	fd = vm_open_device(DEV);
	fd2 = vm_open_device(DEV);
	fill_pds(fd, n);
	fill_pds(fd2, n);
	took = vm_now();
	assert_int_equal(vm_soft_delete(DEV), 0);
	took = vm_now() - took;
	print_message("# removal of the device with two contexts of %u PDs took %.1f s\n", n,
		      took);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(fd2), 0);
	if (took * 1000 > REMOVAL_BOUND_MS)
		fail_msg("removal took %.1f s", took);
}

/* ---- Locked memory after racing removal ---- */

struct pinner {
	int fd;
	uint32_t pd;
	char *buf;
	int kind;
	int bad;
	pthread_t t;
};

#define MEMLOCK_PAGES 64

static void *pinner_thread(void *arg)
{
	struct pinner *p = arg;
	struct uaccel_create_cq cq;
	uint32_t id;
	int ret;

	for (;;) {
		if (p->kind == 2) {
			/* A ring of 9 pages, charged as locked memory. */
			ret = vm_create_cq(p->fd, 1024, &cq);
			id = cq.out_cq_id;
		} else {
			ret = vm_reg_mr(p->fd, p->pd, p->buf + p->kind * 8 * PAGE, 8 * PAGE,
					UACCEL_MR_ACCESS_WRITE, &id);
		}
		if (ret == -ENODEV)
			break;
		if (ret == -ENOMEM)
			continue;	/* the others hold the rest of the limit */
		if (ret) {
			p->bad = ret;
			break;
		}
		ret = vm_destroy(p->fd, id);
		if (ret == -ENODEV)
			break;
		if (ret) {
			p->bad = ret;
			break;
		}
	}
	return NULL;
}

/*
 * A user limited to MEMLOCK_PAGES of locked memory pins and maps rings in
 * loops while the device is removed: afterwards the user can lock exactly
 * MEMLOCK_PAGES again (every charge came back), and not one page more.
 */
static void test_memlock_after_racing_removal(void **state)
{
	char node[256], node2[256];
	int p[2], status;
	pid_t pid;
	char c;

	vm_soft_fresh(DEV);
	vm_soft_fresh(DEV2);
	vm_device_node(DEV, node, sizeof(node));
	vm_device_node(DEV2, node2, sizeof(node2));
	assert_int_equal(pipe(p), 0);
	pid = vm_fork();
	if (!pid) {
		struct pinner pn[3];
		char *buf, *big;
		int fd = open(node, O_RDWR | O_CLOEXEC), fd2 = open(node2, O_RDWR | O_CLOEXEC);
		uint32_t pd, pd2, id;

		vm_child_check(fd >= 0 && fd2 >= 0);
		vm_child_check(!vm_alloc_pd(fd, &pd) && !vm_alloc_pd(fd2, &pd2));
		buf = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		big = mmap(NULL, (MEMLOCK_PAGES + 1) * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		vm_child_check(buf != MAP_FAILED && big != MAP_FAILED);
		vm_limit_memlock(MEMLOCK_PAGES * PAGE);
		vm_become_user(BRK_UID);
		for (int i = 0; i < 3; i++) {
			pn[i] = (struct pinner){ .fd = fd, .pd = pd, .buf = buf, .kind = i };
			vm_child_check(!pthread_create(&pn[i].t, NULL, pinner_thread, &pn[i]));
		}
		usleep(300000);
		vm_child_check(write(p[1], "r", 1) == 1);
		for (int i = 0; i < 3; i++) {
			pthread_join(pn[i].t, NULL);
			if (pn[i].bad)
				vm_child_fail(__FILE__, __LINE__, "a pinner got an unexpected error");
		}
		close(fd);
		/* Everything came back: exactly the limit, not a page more. */
		vm_child_check(vm_reg_mr(fd2, pd2, big, MEMLOCK_PAGES * PAGE, 0, &id) == 0);
		vm_child_check(vm_destroy(fd2, id) == 0);
		vm_child_check(vm_reg_mr(fd2, pd2, big, (MEMLOCK_PAGES + 1) * PAGE, 0, &id) ==
			       -ENOMEM);
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(vm_soft_delete(DEV), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(vm_soft_delete(DEV2), 0);
	vm_assert_stats_equal(&base);
}

/* ---- edu ---- */

static char edu_name[64], edu_pci[64];

static bool find_edu(void)
{
	return vm_find_edu(edu_name, edu_pci);
}

static bool wait_edu(double timeout_s)
{
	return vm_wait_edu(edu_name, edu_pci, timeout_s);
}

static int edu_pci_remove(void)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", edu_pci);
	return vm_sysfs_write(path, "1");
}

static void edu_rescan(void)
{
	edu_name[0] = '\0';
	assert_int_equal(vm_sysfs_write("/sys/bus/pci/rescan", "1"), 0);
	assert_true(wait_edu(30));
}

/* Wait up to @timeout_s for the counters to be back to the fixture's. */
static void wait_stats_clean(double timeout_s)
{
	double end = vm_now() + timeout_s;
	struct vm_stats st;

	do {
		vm_read_stats(&st);
		if (!memcmp(&st, &base, sizeof(st)))
			return;
		usleep(20000);
	} while (vm_now() < end);
	vm_assert_stats_equal(&base);
}

/* An edu context with a writable MR, a CQ and both facets. */
struct edu_rig {
	int fd, fact, dma;
	uint32_t pd, mr, cq;
	unsigned char *buf;
};

static void edu_open(struct edu_rig *r)
{
	struct uaccel_create_cq cq;

	r->fd = vm_open_device(edu_name);
	r->buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(r->buf != MAP_FAILED);
	assert_int_equal(vm_alloc_pd(r->fd, &r->pd), 0);
	assert_int_equal(vm_reg_mr(r->fd, r->pd, r->buf, 2 * PAGE, UACCEL_MR_ACCESS_WRITE, &r->mr),
			 0);
	assert_int_equal(vm_create_cq(r->fd, 1024, &cq), 0);
	r->cq = cq.out_cq_id;
	r->fact = vm_open_facet(r->fd, UACCEL_FACTORIAL_FACET);
	r->dma = vm_open_facet(r->fd, UACCEL_EDU_DMA_FACET);
}

/* Queue @n asynchronous factorials; returns how many were accepted. */
static int edu_submit(struct edu_rig *r, int n)
{
	struct uaccel_factorial_submit s = { .size = sizeof(s), .cq_id = r->cq, .value = 9 };
	int i;

	for (i = 0; i < n; i++) {
		s.user_data = i;
		if (vm_ioctl(r->fact, UACCEL_FACTORIAL_IOCTL_SUBMIT, &s))
			break;
	}
	return i;
}

struct edu_dma_loop {
	struct edu_rig *r;
	int ret;
	unsigned long n;
	pthread_t t;
};

static void *edu_dma_thread(void *arg)
{
	struct edu_dma_loop *l = arg;
	struct uaccel_edu_dma d = { .size = sizeof(d), .mr = l->r->mr, .length = 2048 };

	for (;;) {
		l->ret = vm_ioctl(l->r->dma, l->n & 1 ? UACCEL_EDU_IOCTL_DMA_FROM_DEVICE :
					      UACCEL_EDU_IOCTL_DMA_TO_DEVICE, &d);
		if (l->ret)
			break;
		l->n++;
	}
	return NULL;
}

#define SKIP_WITHOUT_EDU() do { if (!find_edu()) skip(); } while (0)

/*
 * Asynchronous factorials are pending when the context's files are all
 * closed: the requests hold the context.  Without removal they complete
 * and the context goes; with a PCI remove right after the close, the
 * removal cancels them and the context goes too.
 */
static void test_edu_closed_context_with_pending_submits(void **state)
{
	struct edu_rig r;
	int n;

	SKIP_WITHOUT_EDU();
	for (int remove = 0; remove < 2; remove++) {
		edu_open(&r);
		n = edu_submit(&r, 200);
		assert_true(n > 0);
		close(r.dma);
		close(r.fact);
		close(r.fd);
		if (remove) {
			assert_int_equal(edu_pci_remove(), 0);
			edu_rescan();
		}
		wait_stats_clean(60);
		munmap(r.buf, 2 * PAGE);
		print_message("# %s: %d submissions pending at the close\n",
			      remove ? "removed" : "not removed", n);
	}
}

/*
 * PCI remove at the moment contexts with DMA in flight and pending
 * submissions are closed, several times: removal returns, nothing is
 * left, the device comes back.
 */
static void test_edu_remove_races_close(void **state)
{
	unsigned int rounds = vm_scaled(4);

	SKIP_WITHOUT_EDU();
	for (unsigned int round = 0; round < rounds; round++) {
		struct edu_rig r[2];
		struct edu_dma_loop l[2];
		double t0, took;

		for (int i = 0; i < 2; i++) {
			edu_open(&r[i]);
			edu_submit(&r[i], 50);
			l[i] = (struct edu_dma_loop){ .r = &r[i] };
			assert_int_equal(pthread_create(&l[i].t, NULL, edu_dma_thread, &l[i]), 0);
		}
		usleep(150000 + 100000 * round);
		/* One closes its context fd (the DMA facet fd keeps it) ... */
		close(r[0].fd);
		close(r[0].fact);
		t0 = vm_now();
		/* ... as the device goes. */
		assert_int_equal(edu_pci_remove(), 0);
		took = vm_now() - t0;
		for (int i = 0; i < 2; i++) {
			assert_int_equal(pthread_join(l[i].t, NULL), 0);
			assert_int_equal(l[i].ret, -ENODEV);
		}
		close(r[0].dma);
		close(r[1].dma);
		close(r[1].fact);
		close(r[1].fd);
		for (int i = 0; i < 2; i++)
			munmap(r[i].buf, 2 * PAGE);
		print_message("# round %u: removal took %.3f s\n", round, took);
		/* A DMA caller waits out its transfer (fence_ms); no more. */
		assert_true(took < 15);
		edu_rescan();
		wait_stats_clean(30);
	}
}

/*
 * uaccel_edu is unloaded while DMA runs and submissions are pending, the
 * files kept open: every file answers ENODEV, closing leaves nothing, and
 * the driver loads again.
 */
static void test_edu_rmmod_under_open_files(void **state)
{
	const char *ko = getenv("UACCEL_EDU_KO");
	struct uaccel_factorial_compute c = { .size = sizeof(c), .value = 3 };
	struct uaccel_event ev;
	struct edu_dma_loop l;
	struct edu_rig r;
	char cmd[512];

	SKIP_WITHOUT_EDU();
	if (!ko)
		skip();
	edu_open(&r);
	edu_submit(&r, 100);
	l = (struct edu_dma_loop){ .r = &r };
	assert_int_equal(pthread_create(&l.t, NULL, edu_dma_thread, &l), 0);
	usleep(250000);
	assert_int_equal(vm_run("rmmod uaccel_edu"), 0);
	assert_int_equal(pthread_join(l.t, NULL), 0);
	assert_int_equal(l.ret, -ENODEV);
	assert_int_equal(vm_ioctl(r.fact, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c), -ENODEV);
	assert_int_equal(read(r.fd, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.type, UACCEL_EVENT_DEVICE_REMOVED);
	close(r.dma);
	close(r.fact);
	close(r.fd);
	munmap(r.buf, 2 * PAGE);
	wait_stats_clean(30);
	snprintf(cmd, sizeof(cmd), "insmod '%s'", ko);
	assert_int_equal(vm_run(cmd), 0);
	assert_true(wait_edu(30));
}

#define T(f) cmocka_unit_test_teardown(f, vm_check_clean)

/* After the module test: the modules are loaded again, whatever failed. */
static int reload_modules(void **state)
{
	return vm_reload_soft() ? -1 : vm_check_clean(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_removal_vs_getdents_on_uffd_page),
		T(test_removal_vs_getdents_on_fuse_page),
		T(test_removal_races_every_call),
		T(test_fatal_error_races_every_call),
		T(test_fault_storm_vs_destroy_and_removal),
		T(test_close_races_removal),
		T(test_fork_children_across_removal),
		T(test_reg_mr_over_ring_mappings),
		T(test_add_remove_loops_with_open_files),
		T(test_memlock_after_racing_removal),
		cmocka_unit_test_teardown(test_rmmod_soft_then_core_under_open_files,
					  reload_modules),
		cmocka_unit_test_teardown(test_rmmod_while_calls_stuck_on_uffd_pages,
					  reload_modules),
		cmocka_unit_test_teardown(test_rmmod_vs_getdents_on_uffd_page,
					  reload_modules),
		T(test_close_of_max_objects),
		T(test_removal_with_max_objects),
		T(test_edu_closed_context_with_pending_submits),
		T(test_edu_remove_races_close),
		T(test_edu_rmmod_under_open_files),
	};

	return vm_run_tests("vm_break", tests, &base, NULL);
}
