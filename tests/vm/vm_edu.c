// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The edu PCI driver on QEMU's edu device: identity, factorials (values,
 * 32-bit wrap-around, interrupts, concurrent users, asynchronous
 * completions, timeouts, signals), DMA round trips through the device
 * buffer, every bounds violation, the facet shared with the soft device,
 * and removal while in use (PCI remove, then a real hot unplug driven
 * from the host through QMP).  Then no DMA outliving its call: transfers
 * interrupted by a signal, the timeout, SIGKILL and removal, with other
 * users' memory registered right after, and the fence of an engine that
 * does not stop in time.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uaccel/edu.h>
#include <uaccel/factorial.h>

#include "vmtest.h"

#define TIMEOUT_PARAM "/sys/module/uaccel_edu/parameters/timeout_ms"

static char edu_name[64];
static char edu_pci[64];	/* PCI address, for remove */

static bool find_edu(void)
{
	return vm_find_edu(edu_name, edu_pci);
}

static bool wait_edu(double timeout_s)
{
	return vm_wait_edu(edu_name, edu_pci, timeout_s);
}

static int setup(void **state)
{
	if (!find_edu())
		return 0;
	vm_sysfs_write(TIMEOUT_PARAM, "2000");
	return 0;
}

static uint32_t ref_factorial(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

static int compute(int ffd, uint32_t n, uint32_t *out)
{
	struct uaccel_factorial_compute c = { .size = sizeof(c), .value = n };
	int ret = vm_ioctl(ffd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c);

	*out = c.out_result;
	return ret;
}

static long irqs(void)
{
	char path[256], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/edu/irqs", edu_name);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	return atol(buf);
}

#define SKIP_WITHOUT_EDU() do { if (!edu_name[0]) skip(); } while (0)

static void test_basic_identity(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	char path[256], mode[16] = "";
	FILE *f;
	int fd;

	SKIP_WITHOUT_EDU();
	fd = vm_open_device(edu_name);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	assert_int_equal(q.vendor_id, 0x1234);
	assert_int_equal(q.device_id, 0x11e8);
	assert_string_equal((char *)q.driver, "edu");
	assert_int_equal(q.num_facets, 2);
	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/edu/irq_mode", edu_name);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(mode, sizeof(mode), f));
	fclose(f);
	/* MSI unless the driver was loaded with use_msi=0. */
	assert_int_equal(strncmp(mode, getenv("EDU_IRQ_MODE") ?: "msi", 3), 0);
	/* Registers are never mapped: the context fd maps rings only. */
	assert_true(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	close(fd);
}

static void test_basic_factorial_values(void **state)
{
	static const uint32_t ns[] = { 0, 1, 2, 5, 10, 12, 13, 20, 33, 34, 100, 1000 };
	uint32_t r;
	long before;
	int fd, ffd;

	SKIP_WITHOUT_EDU();
	fd = vm_open_device(edu_name);
	ffd = vm_open_facet(fd, UACCEL_FACTORIAL_FACET);
	before = irqs();
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		assert_int_equal(compute(ffd, ns[i], &r), 0);
		assert_int_equal(r, ref_factorial(ns[i]));
	}
	/* 32-bit wrap-around, spelled out. */
	assert_int_equal(compute(ffd, 13, &r), 0);
	assert_int_equal(r, 1932053504u);	/* 6227020800 mod 2^32 */
	assert_int_equal(compute(ffd, 34, &r), 0);
	assert_int_equal(r, 0);
	/* Every result came with its interrupt. */
	assert_true(irqs() - before >= (long)(sizeof(ns) / sizeof(ns[0])) + 2);
	close(ffd);
	close(fd);
}

struct user {
	int ffd;
	int done;
	int errors;
	unsigned int seed;
};

/*
 * Calls per user in test_factorial_concurrent.  Long enough that a vCPU
 * the host leaves unscheduled for a while (three TCG guests share two host
 * cores in CI) stalls its thread for a small part of the run only.
 */
#define FACT_ROUNDS 200

static volatile int first_finished;
static int done_when_first_finished[8];
static pthread_barrier_t start_line;

static void *user_thread(void *arg)
{
	struct user *u = arg;

	/* Everyone asks from the start, however slowly threads are created. */
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < FACT_ROUNDS; i++) {
		uint32_t n = rand_r(&u->seed) % 40, r;

		if (compute(u->ffd, n, &r) || r != ref_factorial(n))
			u->errors++;
		u->done++;
	}
	/* The main thread samples everyone's progress when it sees this. */
	__sync_lock_test_and_set(&first_finished, 1);
	return NULL;
}

/* Eight contexts share the one unit; nobody waits for everyone else. */
static void test_factorial_concurrent(void **state)
{
	struct user users[8];
	pthread_t t[8];
	int fds[8];

	SKIP_WITHOUT_EDU();
	first_finished = 0;
	pthread_barrier_init(&start_line, NULL, 8);
	for (int i = 0; i < 8; i++) {
		fds[i] = vm_open_device(edu_name);
		users[i] = (struct user){ .ffd = vm_open_facet(fds[i], UACCEL_FACTORIAL_FACET),
					  .seed = i + 1 };
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, user_thread, &users[i]), 0);
	/* Sample progress when the first user is done. */
	while (!first_finished)
		usleep(1000);
	for (int i = 0; i < 8; i++)
		done_when_first_finished[i] = users[i].done;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start_line);
	for (int i = 0; i < 8; i++) {
		close(users[i].ffd);
		close(fds[i]);
	}
	for (int i = 0; i < 8; i++)
		print_message("# user %d had done %d of %d when the first finished\n",
			      i, done_when_first_finished[i], FACT_ROUNDS);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(users[i].errors, 0);
		assert_int_equal(users[i].done, FACT_ROUNDS);
		/*
		 * Turns go round: every user was on its way too.  A user the
		 * unit starved (a mutex lets the releasing task take it again)
		 * would have done a few at most.  One whose vCPU the host or
		 * the guest left waiting to run lags by the calls the others
		 * made meanwhile, so the bound is a quarter.
		 */
		assert_true(done_when_first_finished[i] >= FACT_ROUNDS / 4);
	}
}

static uint32_t create_cq(int fd, uint32_t entries)
{
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = entries };

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	return cq.out_cq_id;
}

static int submit(int ffd, uint32_t cq, uint32_t n, uint64_t user_data)
{
	struct uaccel_factorial_submit s = {
		.size = sizeof(s), .cq_id = cq, .value = n, .user_data = user_data,
	};

	return vm_ioctl(ffd, UACCEL_FACTORIAL_IOCTL_SUBMIT, &s);
}

static int poll_cq(int fd, uint32_t cq, struct uaccel_cqe *cqe, uint32_t max)
{
	struct uaccel_poll_cq p = {
		.size = sizeof(p), .cq_id = cq, .count = max, .cqes = (uintptr_t)cqe,
	};
	struct uaccel_wait_cq w = { .size = sizeof(w), .cq_id = cq, .timeout_ms = 10000 };

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_WAIT_CQ, &w), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_POLL_CQ, &p), 0);
	return p.out_polled;
}

/* Asynchronous factorials complete in order into the CQ, by interrupt. */
static void test_factorial_async(void **state)
{
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct uaccel_cqe cqe[16];
	uint32_t cq, small;
	int fd, ffd, got = 0;

	SKIP_WITHOUT_EDU();
	fd = vm_open_device(edu_name);
	ffd = vm_open_facet(fd, UACCEL_FACTORIAL_FACET);
	cq = create_cq(fd, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(submit(ffd, cq, i + 5, 1000 + i), 0);
	while (got < 16)
		got += poll_cq(fd, cq, cqe + got, 16 - got);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(cqe[i].user_data, 1000 + i);
		assert_int_equal(cqe[i].status, 0);
		assert_int_equal(cqe[i].queue_id, 0);
		assert_int_equal(cqe[i].result, ref_factorial(i + 5));
	}

	/* A CQ of 4: the fifth submission finds no slot. */
	small = create_cq(fd, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(submit(ffd, small, 3, i), 0);
	assert_int_equal(submit(ffd, small, 3, 4), -ENOSPC);
	assert_int_equal(submit(ffd, 12345, 3, 4), -ENOENT);
	got = 0;
	while (got < 4)
		got += poll_cq(fd, small, cqe + got, 4 - got);
	assert_int_equal(cqe[3].result, 6);

	/* A CQ with a pending submission cannot be destroyed. */
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "30000"), 0);
	assert_int_equal(submit(ffd, small, 400000000, 77), 0);
	d.id = small;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), -EBUSY);
	assert_int_equal(poll_cq(fd, small, cqe, 1), 1);
	assert_int_equal(cqe[0].user_data, 77);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(cqe[0].result, 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), 0);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "2000"), 0);

	/* Closing with a submission pending leaves nothing behind. */
	assert_int_equal(submit(ffd, cq, 10, 1), 0);
	close(ffd);
	close(fd);
}

/* A device that does not answer in time: -ETIMEDOUT, and the unit recovers. */
static void test_factorial_timeout(void **state)
{
	uint32_t r;
	int fd, ffd;

	SKIP_WITHOUT_EDU();
	fd = vm_open_device(edu_name);
	ffd = vm_open_facet(fd, UACCEL_FACTORIAL_FACET);
	/* The parameter takes 1 to 60000 ms and refuses the rest. */
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "0"), -EINVAL);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "60001"), -EINVAL);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "60000"), 0);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "1"), 0);
	assert_int_equal(compute(ffd, 1000000000, &r), -ETIMEDOUT);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "30000"), 0);
	/* The next user waits for the late one to finish, then gets its own. */
	assert_int_equal(compute(ffd, 6, &r), 0);
	assert_int_equal(r, 720);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "2000"), 0);
	close(ffd);
	close(fd);
}

static void on_usr1(int sig)
{
}

struct slow {
	int ffd;
	int ret;
};

static void *slow_thread(void *arg)
{
	struct slow *s = arg;
	uint32_t r;

	s->ret = compute(s->ffd, 1500000000, &r);
	return NULL;
}

/* A signal interrupts the wait: -EINTR; the unit serves the next user. */
static void test_factorial_signal(void **state)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct slow s;
	pthread_t t;
	uint32_t r;
	int fd;

	SKIP_WITHOUT_EDU();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "30000"), 0);
	fd = vm_open_device(edu_name);
	s.ffd = vm_open_facet(fd, UACCEL_FACTORIAL_FACET);
	assert_int_equal(pthread_create(&t, NULL, slow_thread, &s), 0);
	usleep(200000);
	pthread_kill(t, SIGUSR1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.ret, -EINTR);
	assert_int_equal(compute(s.ffd, 7, &r), 0);
	assert_int_equal(r, 5040);
	assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "2000"), 0);
	close(s.ffd);
	close(fd);
}

struct dma_rig {
	int fd, ffd;
	unsigned char *buf;
	size_t len;
	uint32_t pd, mr, ro_mr;
};

static void dma_open(struct dma_rig *r)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_reg_mr mr = { .size = sizeof(mr), .flags = UACCEL_MR_ACCESS_WRITE };

	r->fd = vm_open_device(edu_name);
	r->ffd = vm_open_facet(r->fd, UACCEL_EDU_DMA_FACET);
	r->len = 4 * 4096;
	r->buf = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(r->buf != MAP_FAILED);
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	r->pd = pd.out_pd_id;
	mr.pd_id = r->pd;
	mr.addr = (uintptr_t)r->buf;
	mr.length = r->len;
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_REG_MR, &mr), 0);
	r->mr = mr.out_mr_id;
	mr.flags = 0;
	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_REG_MR, &mr), 0);
	r->ro_mr = mr.out_mr_id;
}

static void dma_close(struct dma_rig *r)
{
	close(r->ffd);
	close(r->fd);
	munmap(r->buf, r->len);
}

static int dma(struct dma_rig *r, bool to_dev, uint32_t mr, uint64_t mr_off,
	       uint32_t dev_off, uint64_t len)
{
	struct uaccel_edu_dma d = {
		.size = sizeof(d), .mr = mr, .mr_offset = mr_off,
		.dev_offset = dev_off, .length = len,
	};

	return vm_ioctl(r->ffd, to_dev ? UACCEL_EDU_IOCTL_DMA_TO_DEVICE :
					 UACCEL_EDU_IOCTL_DMA_FROM_DEVICE, &d);
}

/* Patterns go to the device buffer and come back, at many sizes and offsets. */
static void test_basic_dma_roundtrip(void **state)
{
	static const struct { uint64_t src, dst; uint32_t dev, len; } cases[] = {
		{ 0, 8192, 0, UACCEL_EDU_DMA_LIMIT },	/* all that is usable */
		{ 4000, 12000, 0, 4000 },	/* MR pages crossed both ways */
		{ 1, 9000, 1, 1 },
		{ 4093, 5000, 100, 7 },		/* across a page boundary */
		{ 123, 10001, 2048, 2047 },	/* second half */
		{ 4096, 300, 4031, 64 },	/* up to the limit */
	};
	struct dma_rig r;

	SKIP_WITHOUT_EDU();
	dma_open(&r);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (size_t i = 0; i < r.len; i++)
			r.buf[i] = (unsigned char)(i * 7 + c * 13 + 1);
		memset(r.buf + cases[c].dst, 0, cases[c].len);
		assert_int_equal(dma(&r, true, r.mr, cases[c].src, cases[c].dev,
				     cases[c].len), 0);
		assert_int_equal(dma(&r, false, r.mr, cases[c].dst, cases[c].dev,
				     cases[c].len), 0);
		assert_memory_equal(r.buf + cases[c].dst, r.buf + cases[c].src,
				    cases[c].len);
	}
	/* From a read-only MR to the device works (the device only reads it). */
	assert_int_equal(dma(&r, true, r.ro_mr, 0, 0, 16), 0);
	dma_close(&r);
}

/* Every bad range is refused before the device sees it. */
static void test_dma_bounds(void **state)
{
	struct uaccel_edu_dma valid = { .size = sizeof(valid), .length = 1 };
	struct dma_rig r;
	long before;

	SKIP_WITHOUT_EDU();
	dma_open(&r);
	before = irqs();
	for (int to_dev = 0; to_dev < 2; to_dev++) {
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 0, 0), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 0, 4097), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 0, 4096), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 4096, 1), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 4095, 1), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 4000, 96), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, UINT32_MAX, 2), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, r.len - 10, 0, 11), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, r.len, 0, 1), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, UINT64_MAX, 0, 2), -EINVAL);
		assert_int_equal(dma(&r, to_dev, r.mr, 0, 0, (1ULL << 32) + 1), -EINVAL);
		assert_int_equal(dma(&r, to_dev, 4242, 0, 0, 1), -ENOENT);
		assert_int_equal(dma(&r, to_dev, r.pd, 0, 0, 1), -ENOENT);
	}
	assert_int_equal(dma(&r, false, r.ro_mr, 0, 0, 1), -EACCES);
	valid.mr = r.mr;
	vm_check_size_rules(r.ffd, UACCEL_EDU_IOCTL_DMA_TO_DEVICE, &valid,
			    sizeof(valid), sizeof(valid));
	/* Nothing reached the device: no interrupt came. */
	assert_int_equal(irqs(), before);
	dma_close(&r);
}

/* One application, either device: the shared facet with fallback. */
static void test_shared_facet_on_both_devices(void **state)
{
	const struct accel_facet_req reqs[] = {
		{ "factorial-v2.uaccel", 1, 1 },
		{ UACCEL_FACTORIAL_FACET, 1, 1 },
	};
	const char *devs[] = { edu_name, "soft0" };

	SKIP_WITHOUT_EDU();
	for (int d = 0; d < 2; d++) {
		struct accel_context *ctx = accel_open_device_by_name(devs[d]);
		int which = -1, ffd;
		uint32_t v, r;

		assert_non_null(ctx);
		ffd = accel_get_facet(ctx, reqs, 2, ACCEL_FACET_CLOEXEC, &which, &v);
		assert_true(ffd >= 0);
		assert_int_equal(which, 1);
		assert_int_equal(v, 1);
		{
			struct uaccel_factorial_compute c = { .size = sizeof(c), .value = 3 };
			struct uaccel_factorial_submit sub = { .size = sizeof(sub), .cq_id = 1 };

			vm_check_size_rules(ffd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c,
					    sizeof(c), sizeof(c));
			vm_check_size_rules(ffd, UACCEL_FACTORIAL_IOCTL_SUBMIT, &sub,
					    sizeof(sub), sizeof(sub));
			/* Commands past the facet's table do not exist. */
			assert_int_equal(vm_ioctl(ffd, _IO(UACCEL_IOCTL_TYPE, 2), &c), -ENOTTY);
		}
		for (uint32_t n = 0; n < 40; n += 3) {
			assert_int_equal(compute(ffd, n, &r), 0);
			assert_int_equal(r, ref_factorial(n));
		}
		close(ffd);
		accel_close_device(ctx);
	}
}

struct busy_user {
	struct dma_rig *r;
	int fact_ffd;
	int fact_ret, dma_ret;
	volatile int stop;
};

static void *fact_loop(void *arg)
{
	struct busy_user *u = arg;
	uint32_t r;

	while (!u->stop && !(u->fact_ret = compute(u->fact_ffd, 12, &r)))
		;
	return NULL;
}

static void *dma_loop(void *arg)
{
	struct busy_user *u = arg;

	while (!u->stop && !(u->dma_ret = dma(u->r, true, u->r->mr, 100, 0, 4000)))
		;
	return NULL;
}

/* Removal while a factorial user and a DMA user are busy. */
static void remove_while_busy(int (*remove)(void), int (*restore)(void))
{
	struct uaccel_event ev;
	struct busy_user u = { 0 };
	struct dma_rig r;
	pthread_t t[2];
	char old[64];

	dma_open(&r);
	u.r = &r;
	u.fact_ffd = vm_open_facet(r.fd, UACCEL_FACTORIAL_FACET);
	assert_int_equal(pthread_create(&t[0], NULL, fact_loop, &u), 0);
	assert_int_equal(pthread_create(&t[1], NULL, dma_loop, &u), 0);
	usleep(300000);
	snprintf(old, sizeof(old), "%s", edu_name);
	assert_int_equal(remove(), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(u.fact_ret, -ENODEV);
	assert_int_equal(u.dma_ret, -ENODEV);
	assert_int_equal(read(r.fd, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.type, UACCEL_EVENT_DEVICE_REMOVED);
	/* The MR memory is the application's again and intact. */
	r.buf[0] = 1;
	close(u.fact_ffd);
	dma_close(&r);

	edu_name[0] = '\0';
	assert_int_equal(restore(), 0);
	assert_true(wait_edu(30));
	{
		int fd = vm_open_device(edu_name), ffd;
		uint32_t v;

		ffd = vm_open_facet(fd, UACCEL_FACTORIAL_FACET);
		assert_int_equal(compute(ffd, 10, &v), 0);
		assert_int_equal(v, 3628800);
		close(ffd);
		close(fd);
	}
}

static int pci_remove(void)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", edu_pci);
	return vm_sysfs_write(path, "1");
}

static int pci_rescan(void)
{
	return vm_sysfs_write("/sys/bus/pci/rescan", "1");
}

static void test_pci_remove_while_busy(void **state)
{
	SKIP_WITHOUT_EDU();
	remove_while_busy(pci_remove, pci_rescan);
}

static int qmp_unplug(void)
{
	return vm_edu_qmp_unplug(edu_pci);
}

static void test_hot_unplug_while_dma(void **state)
{
	SKIP_WITHOUT_EDU();
	if (!vm_qmp_available() || !vm_edu_has_hotplug_slot(edu_pci)) {
		print_message("# no QMP mailbox or no hotplug slot for %s\n", edu_pci);
		skip();
	}
	remove_while_busy(qmp_unplug, vm_edu_qmp_replug);
}

/*
 * No DMA outlives the call that started it.  A transfer of a whole device
 * buffer is interrupted (signal, timeout, SIGKILL, removal) while the
 * device's 100 ms timer is still pending; as soon as the call returns, the
 * MR goes and other users register fresh memory: a context of this
 * process and a process of another user (nobody).  After well over the
 * transfer time, neither that memory, nor the destroyed MR's pages, nor
 * (for a transfer to the device) the device buffer show the other side's
 * data, and the IOMMU logged no fault.
 */
#define FENCE_PARAM "/sys/module/uaccel_edu/parameters/fence_ms"
#define PAGE_BYTES 4096
#define LATE_LEN UACCEL_EDU_DMA_LIMIT
#define LATE_WAIT_US 600000	/* six times the device's transfer time */

enum late_path { LATE_SIGNAL, LATE_TIMEOUT, LATE_SIGKILL, LATE_REMOVE };

/* The device buffer before, a source MR, a victim's memory. */
static unsigned char pat_dev(size_t i) { return (unsigned char)(i * 7 + 3); }
static unsigned char pat_src(size_t i) { return (unsigned char)(0xa5 ^ (i * 11)); }
static unsigned char pat_victim(size_t i) { return (unsigned char)(0x5a + i * 13); }

static void fill(unsigned char *p, unsigned char (*pat)(size_t))
{
	for (size_t i = 0; i < PAGE_BYTES; i++)
		p[i] = pat ? pat(i) : 0;
}

/* The first @len bytes follow @pat (zero without one). */
static bool follows(const unsigned char *p, size_t len, unsigned char (*pat)(size_t))
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (pat ? pat(i) : 0))
			return false;
	return true;
}

static unsigned char *page_alloc(void)
{
	unsigned char *p = mmap(NULL, PAGE_BYTES, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static int reg_page(int fd, uint32_t pd, void *p, uint32_t *mr)
{
	struct uaccel_reg_mr m = {
		.size = sizeof(m), .flags = UACCEL_MR_ACCESS_WRITE, .pd_id = pd,
		.addr = (uintptr_t)p, .length = PAGE_BYTES,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_REG_MR, &m);

	*mr = m.out_mr_id;
	return ret;
}

static int alloc_pd(int fd, uint32_t *pd)
{
	struct uaccel_alloc_pd p = { .size = sizeof(p) };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &p);

	*pd = p.out_pd_id;
	return ret;
}

static int destroy(int fd, uint32_t id)
{
	struct uaccel_destroy d = { .size = sizeof(d), .id = id };

	return vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d);
}

static int dma_page(int ffd, uint32_t mr, bool to_dev)
{
	struct uaccel_edu_dma d = {
		.size = sizeof(d), .mr = mr, .length = LATE_LEN,
	};

	return vm_ioctl(ffd, to_dev ? UACCEL_EDU_IOCTL_DMA_TO_DEVICE :
				      UACCEL_EDU_IOCTL_DMA_FROM_DEVICE, &d);
}

/* A context with the DMA facet and one page registered: the target. */
struct late_rig {
	int fd, ffd;
	uint32_t pd, mr;
	unsigned char *buf;
};

static void late_rig_open(struct late_rig *r, unsigned char (*pat)(size_t))
{
	r->fd = vm_open_device(edu_name);
	r->ffd = vm_open_facet(r->fd, UACCEL_EDU_DMA_FACET);
	assert_int_equal(alloc_pd(r->fd, &r->pd), 0);
	r->buf = page_alloc();
	fill(r->buf, pat);
	assert_int_equal(reg_page(r->fd, r->pd, r->buf, &r->mr), 0);
}

static void late_rig_close(struct late_rig *r)
{
	close(r->ffd);
	close(r->fd);
	munmap(r->buf, PAGE_BYTES);
}

/* Write a pattern to the device buffer, or read it, through a page of its own. */
static void dev_buffer(struct late_rig *r, unsigned char (*pat)(size_t),
		       unsigned char *out)
{
	unsigned char *p = page_alloc();
	uint32_t mr;

	fill(p, pat);
	assert_int_equal(reg_page(r->fd, r->pd, p, &mr), 0);
	assert_int_equal(dma_page(r->ffd, mr, !out), 0);
	assert_int_equal(destroy(r->fd, mr), 0);
	if (out)
		memcpy(out, p, PAGE_BYTES);
	munmap(p, PAGE_BYTES);
}

/* A context of this process registering fresh memory. */
struct victim_ctx {
	int fd;
	uint32_t pd, mr;
	unsigned char *buf;
};

static void victim_ctx_register(struct victim_ctx *v, unsigned char (*pat)(size_t))
{
	v->buf = page_alloc();
	fill(v->buf, pat);
	v->fd = vm_open_device(edu_name);
	assert_int_equal(alloc_pd(v->fd, &v->pd), 0);
	assert_int_equal(reg_page(v->fd, v->pd, v->buf, &v->mr), 0);
}

static void victim_ctx_close(struct victim_ctx *v)
{
	close(v->fd);
	munmap(v->buf, PAGE_BYTES);
}

/*
 * A process of another user (nobody), forked before this process pins
 * anything: on command it opens the device node it is given, registers
 * fresh memory (zero, or the victim pattern), and later checks it.
 */
struct victim_proc {
	pid_t pid;
	int cmd, rsp;
};

struct victim_msg {
	char op;		/* 'r' register, 'c' check */
	char node[127];
};

static pid_t victim_pid;	/* killed by the teardown if a test fails */

static void victim_child(int cmd, int rsp, bool pattern)
{
	unsigned char *buf, r;
	struct victim_msg m;
	uint32_t pd, mr;
	int fd;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		_exit(20);
	buf = mmap(NULL, PAGE_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		_exit(21);
	fill(buf, pattern ? pat_victim : NULL);
	while (read(cmd, &m, sizeof(m)) == sizeof(m)) {
		if (m.op == 'r') {
			fd = open(m.node, O_RDWR | O_CLOEXEC);
			r = fd < 0 ? 1 : alloc_pd(fd, &pd) ? 2 :
			    reg_page(fd, pd, buf, &mr) ? 3 : 0;
		} else {
			r = follows(buf, PAGE_BYTES, pattern ? pat_victim : NULL) ? 0 : 4;
		}
		if (write(rsp, &r, 1) != 1)
			_exit(22);
	}
	_exit(0);
}

static void victim_start(struct victim_proc *v, bool pattern)
{
	int cmd[2], rsp[2];

	assert_int_equal(pipe(cmd), 0);
	assert_int_equal(pipe(rsp), 0);
	v->pid = fork();
	assert_true(v->pid >= 0);
	if (!v->pid) {
		close(cmd[1]);
		close(rsp[0]);
		victim_child(cmd[0], rsp[1], pattern);
	}
	victim_pid = v->pid;
	close(cmd[0]);
	close(rsp[1]);
	v->cmd = cmd[1];
	v->rsp = rsp[0];
}

static int victim_ask(struct victim_proc *v, const struct victim_msg *m)
{
	unsigned char r = 0xff;

	assert_int_equal(write(v->cmd, m, sizeof(*m)), sizeof(*m));
	assert_int_equal(read(v->rsp, &r, 1), 1);
	return r;
}

/* The node is opened by nobody: opened up for the moment. */
static void victim_register(struct victim_proc *v)
{
	struct victim_msg m = { .op = 'r' };
	struct stat st;

	vm_device_node(edu_name, m.node, sizeof(m.node));
	assert_int_equal(stat(m.node, &st), 0);
	assert_int_equal(chmod(m.node, 0666), 0);
	assert_int_equal(victim_ask(v, &m), 0);
	assert_int_equal(chmod(m.node, st.st_mode & 07777), 0);
}

static int victim_check(struct victim_proc *v)
{
	struct victim_msg m = { .op = 'c' };

	return victim_ask(v, &m);
}

static void victim_end(struct victim_proc *v)
{
	int status;

	close(v->cmd);
	close(v->rsp);
	assert_int_equal(waitpid(v->pid, &status, 0), v->pid);
	victim_pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * The kernel log from now on: IOMMU faults, and the driver's fence.
 */
static const char *const dmar_faults[] = {
	"DMAR: [DMA Write", "DMAR: [DMA Read", "DMAR: DRHD: handling fault", NULL,
};
static const char *const fence_lines[] = { "bus mastering disabled", NULL };

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(lseek(fd, 0, SEEK_END) >= 0);
	return fd;
}

/* Read what was logged since; count the records that match each list. */
static void kmsg_scan(int fd, int *faults, int *fences)
{
	static char rec[8192];
	const char *text;
	ssize_t n;

	*faults = *fences = 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			break;
		}
		rec[n] = '\0';
		text = strchr(rec, ';') ? strchr(rec, ';') + 1 : rec;
		for (const char *const *s = dmar_faults; *s; s++)
			if (strstr(text, *s)) {
				print_message("# kernel: %s", text);
				(*faults)++;
				break;
			}
		for (const char *const *s = fence_lines; *s; s++)
			if (strstr(text, *s))
				(*fences)++;
	}
	close(fd);
}

/* Until a task sleeps in ioctl(), false if @done first or after 10 s. */
static bool wait_in_ioctl(const char *syscall_path, bool (*done)(void *), void *arg)
{
	double end = vm_now() + 10;
	char buf[64], want[16];
	FILE *f;

	snprintf(want, sizeof(want), "%d ", SYS_ioctl);
	while (vm_now() < end && !done(arg)) {
		f = fopen(syscall_path, "re");
		if (f) {
			bool in = fgets(buf, sizeof(buf), f) && !strncmp(buf, want, strlen(want));

			fclose(f);
			if (in)
				return true;
		}
		usleep(1000);
	}
	return false;
}

struct late_call {
	struct late_rig *r;
	bool to_dev;
	unsigned char *snap;
	volatile pid_t tid;
	volatile int finished;
	int ret;
};

/* The transfer, and a copy of the page the moment the call returns. */
static void *late_thread(void *arg)
{
	struct late_call *c = arg;

	c->tid = gettid();
	c->ret = dma_page(c->r->ffd, c->r->mr, c->to_dev);
	memcpy(c->snap, c->r->buf, PAGE_BYTES);
	c->finished = 1;
	return NULL;
}

static bool call_finished(void *arg)
{
	return ((struct late_call *)arg)->finished;
}

/*
 * Start the transfer in a thread; once it sleeps in the device, interrupt
 * it by a signal or by removing the device (then *@removed is set).
 */
static int late_in_thread(struct late_rig *r, enum late_path path, bool to_dev,
			  unsigned char *snap, bool *removed)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct late_call c = { .r = r, .to_dev = to_dev, .snap = snap };
	char path_buf[96];
	pthread_t t;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	assert_int_equal(pthread_create(&t, NULL, late_thread, &c), 0);
	while (!c.tid)
		usleep(100);
	snprintf(path_buf, sizeof(path_buf), "/proc/self/task/%d/syscall", c.tid);
	if (wait_in_ioctl(path_buf, call_finished, &c)) {
		usleep(20000);
		if (path == LATE_SIGNAL) {
			pthread_kill(t, SIGUSR1);
		} else {
			/* The old driver waited for removal as long as timeout_ms. */
			assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "1"), 0);
			assert_int_equal(pci_remove(), 0);
			assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "2000"), 0);
			*removed = true;
		}
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	return c.ret;
}

static bool child_exited(void *arg)
{
	siginfo_t info = { 0 };

	return !waitid(P_PID, *(pid_t *)arg, &info, WEXITED | WNOHANG | WNOWAIT) &&
	       info.si_pid;
}

/*
 * A child with a context of its own transfers into (or from) its page and
 * is killed while it sleeps in the device; its exit destroys the MR.
 * Returns 1 when it was killed, 0 when the transfer ended first.
 */
static int late_sigkill(bool to_dev)
{
	char node[128], path_buf[64], c;
	int go[2], status;
	pid_t pid;

	vm_device_node(edu_name, node, sizeof(node));
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		unsigned char *buf = mmap(NULL, PAGE_BYTES, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		int fd = open(node, O_RDWR | O_CLOEXEC), ffd;
		uint32_t pd, mr;

		if (buf == MAP_FAILED || fd < 0)
			_exit(30);
		fill(buf, to_dev ? pat_src : NULL);
		ffd = vm_get_facet(fd, UACCEL_EDU_DMA_FACET, 1, 1, 0, NULL);
		if (ffd < 0 || alloc_pd(fd, &pd) || reg_page(fd, pd, buf, &mr))
			_exit(31);
		if (write(go[1], "g", 1) != 1)
			_exit(32);
		_exit(dma_page(ffd, mr, to_dev) ? 33 : 0);
	}
	close(go[1]);
	assert_int_equal(read(go[0], &c, 1), 1);
	close(go[0]);
	snprintf(path_buf, sizeof(path_buf), "/proc/%d/syscall", pid);
	if (wait_in_ioctl(path_buf, child_exited, &pid)) {
		usleep(20000);
		kill(pid, SIGKILL);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	return 1;
}

static void late_dma_case(enum late_path path, bool to_dev)
{
	static const int expect[] = {
		[LATE_SIGNAL] = -EINTR, [LATE_TIMEOUT] = -ETIMEDOUT,
		[LATE_SIGKILL] = 1, [LATE_REMOVE] = -ENODEV,
	};
	unsigned char snap[PAGE_BYTES], dev[PAGE_BYTES];
	struct {
		bool victim_ctx, victim_proc, old_pages, done_before, dev_buffer;
	} ok;
	struct victim_proc vp;
	struct victim_ctx vc;
	struct late_rig r;
	int kmsg, ret = 0, faults, fences;

	SKIP_WITHOUT_EDU();
	/* Forked before this process pins anything. */
	victim_start(&vp, to_dev);
	kmsg = kmsg_open();
	for (int attempt = 0; attempt < 5 && !ret; attempt++) {
		bool removed = false;

		if (attempt) {
			print_message("# the transfer ended before it was interrupted\n");
			late_rig_close(&r);
		}
		late_rig_open(&r, to_dev ? pat_src : NULL);
		dev_buffer(&r, pat_dev, NULL);
		switch (path) {
		case LATE_TIMEOUT:
			assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "20"), 0);
			ret = dma_page(r.ffd, r.mr, to_dev);
			memcpy(snap, r.buf, PAGE_BYTES);
			assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "2000"), 0);
			break;
		case LATE_SIGKILL:
			ret = late_sigkill(to_dev);
			memcpy(snap, r.buf, PAGE_BYTES);
			break;
		default:
			ret = late_in_thread(&r, path, to_dev, snap, &removed);
		}
		/* As soon as the call returns: the MR goes (by removal, the device). */
		if (ret && (path == LATE_SIGNAL || path == LATE_TIMEOUT))
			assert_int_equal(destroy(r.fd, r.mr), 0);
		if (removed) {
			edu_name[0] = '\0';
			assert_int_equal(pci_rescan(), 0);
			assert_true(wait_edu(30));
		}
	}
	assert_int_equal(ret, expect[path]);

	/* Two other users register fresh memory. */
	victim_ctx_register(&vc, to_dev ? pat_victim : NULL);
	victim_register(&vp);
	usleep(LATE_WAIT_US);

	/* Everything observed first, so that a failure reports all of it. */
	ok.victim_ctx = follows(vc.buf, PAGE_BYTES, to_dev ? pat_victim : NULL);
	ok.victim_proc = !victim_check(&vp);
	ok.old_pages = !memcmp(snap, r.buf, PAGE_BYTES);
	/*
	 * The device cannot cancel a transfer: unless fenced (which the log
	 * must not show here), the call returned after it completed.
	 */
	ok.done_before = to_dev || path == LATE_SIGKILL ||
			 (follows(snap, LATE_LEN, pat_dev) && !snap[LATE_LEN]);
	if (to_dev) {
		struct late_rig chk;

		late_rig_open(&chk, NULL);
		dev_buffer(&chk, NULL, dev);
		late_rig_close(&chk);
		/* The device read the source, and nothing after. */
		ok.dev_buffer = follows(dev, LATE_LEN, pat_src);
	} else {
		ok.dev_buffer = true;
	}
	kmsg_scan(kmsg, &faults, &fences);
	print_message("# victim of this process %s, of user nobody %s; destroyed MR's pages %s; "
		      "transfer %s before the return; device buffer %s; %d IOMMU fault lines, %d fences\n",
		      ok.victim_ctx ? "intact" : "CHANGED", ok.victim_proc ? "intact" : "CHANGED",
		      ok.old_pages ? "unchanged" : "CHANGED", ok.done_before ? "done" : "NOT done",
		      ok.dev_buffer ? "as written" : "WRONG", faults, fences);
	assert_true(ok.victim_ctx);
	assert_true(ok.victim_proc);
	assert_true(ok.old_pages);
	assert_int_equal(faults, 0);
	assert_true(ok.dev_buffer);
	assert_true(ok.done_before);
	assert_int_equal(fences, 0);

	victim_ctx_close(&vc);
	victim_end(&vp);
	late_rig_close(&r);
}

static void test_late_dma_signal_from_device(void **state)
{
	late_dma_case(LATE_SIGNAL, false);
}

static void test_late_dma_signal_to_device(void **state)
{
	late_dma_case(LATE_SIGNAL, true);
}

static void test_late_dma_timeout_from_device(void **state)
{
	late_dma_case(LATE_TIMEOUT, false);
}

static void test_late_dma_timeout_to_device(void **state)
{
	late_dma_case(LATE_TIMEOUT, true);
}

static void test_late_dma_sigkill_from_device(void **state)
{
	late_dma_case(LATE_SIGKILL, false);
}

static void test_late_dma_sigkill_to_device(void **state)
{
	late_dma_case(LATE_SIGKILL, true);
}

static void test_late_dma_remove_from_device(void **state)
{
	late_dma_case(LATE_REMOVE, false);
}

static void test_late_dma_remove_to_device(void **state)
{
	late_dma_case(LATE_REMOVE, true);
}

/*
 * An engine still busy after fence_ms: the call returns, bus mastering is
 * cleared, the device fails (removal events flagged FATAL) and comes back
 * by itself, once the engine stopped, as a new device that works.  The
 * cut-off transfer reaches no memory.
 */
static void test_late_dma_fenced(void **state)
{
	unsigned char dev[PAGE_BYTES];
	struct victim_proc vp;
	struct victim_ctx vc;
	struct late_rig r, r2;
	struct uaccel_event ev;
	int kmsg, faults, fences, ret;
	ssize_t n;
	bool fenced = false;
	uint32_t v;

	SKIP_WITHOUT_EDU();
	/* The bound is 1 to 60000 ms. */
	assert_int_equal(vm_sysfs_write(FENCE_PARAM, "0"), -EINVAL);
	assert_int_equal(vm_sysfs_write(FENCE_PARAM, "60001"), -EINVAL);
	assert_int_equal(vm_sysfs_write(FENCE_PARAM, "60000"), 0);

	victim_start(&vp, false);
	kmsg = kmsg_open();
	for (int attempt = 0; attempt < 5 && !fenced; attempt++) {
		if (attempt) {
			print_message("# the transfer ended within fence_ms\n");
			late_rig_close(&r);
		}
		late_rig_open(&r, NULL);
		dev_buffer(&r, pat_dev, NULL);
		assert_int_equal(vm_sysfs_write(FENCE_PARAM, "1"), 0);
		assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "20"), 0);
		ret = dma_page(r.ffd, r.mr, false);
		assert_int_equal(vm_sysfs_write(TIMEOUT_PARAM, "2000"), 0);
		assert_int_equal(vm_sysfs_write(FENCE_PARAM, "1000"), 0);
		if (ret == -ETIMEDOUT) {
			/* Fenced, the device failed: calls fail at once. */
			ret = destroy(r.fd, r.mr);
			fenced = ret == -ENODEV;
			if (!fenced)
				assert_int_equal(ret, 0);
		}
	}
	assert_true(fenced);

	/* Then, once the driver tore the device down, the removal events. */
	assert_int_equal(fcntl(r.fd, F_SETFL, O_NONBLOCK), 0);
	for (double end = vm_now() + 30;; usleep(10000)) {
		n = read(r.fd, &ev, sizeof(ev));
		if (n >= 0 || errno != EAGAIN || vm_now() > end)
			break;
	}
	assert_int_equal(n, sizeof(ev));
	assert_int_equal(ev.type, UACCEL_EVENT_DEVICE_REMOVED);
	assert_int_equal(ev.flags, UACCEL_EVENT_FATAL);

	/* It comes back by itself; others register memory on it. */
	edu_name[0] = '\0';
	assert_true(wait_edu(30));
	victim_ctx_register(&vc, NULL);
	victim_register(&vp);
	usleep(LATE_WAIT_US);

	/* The cut-off transfer never reached memory. */
	assert_true(follows(r.buf, PAGE_BYTES, NULL));
	assert_true(follows(vc.buf, PAGE_BYTES, NULL));
	assert_int_equal(victim_check(&vp), 0);
	kmsg_scan(kmsg, &faults, &fences);
	assert_int_equal(faults, 0);
	assert_int_equal(fences, 1);

	/* The new device moves data and computes. */
	late_rig_open(&r2, NULL);
	dev_buffer(&r2, pat_src, NULL);
	dev_buffer(&r2, NULL, dev);
	assert_true(follows(dev, LATE_LEN, pat_src));
	{
		int ffd = vm_open_facet(r2.fd, UACCEL_FACTORIAL_FACET);

		assert_int_equal(compute(ffd, 10, &v), 0);
		assert_int_equal(v, 3628800);
		close(ffd);
	}
	late_rig_close(&r2);
	victim_ctx_close(&vc);
	victim_end(&vp);
	late_rig_close(&r);
}

/* Whatever a late test left behind: parameters, a victim process. */
static int late_teardown(void **state)
{
	vm_sysfs_write(TIMEOUT_PARAM, "2000");
	vm_sysfs_write(FENCE_PARAM, "1000");
	if (victim_pid > 0) {
		kill(victim_pid, SIGKILL);
		waitpid(victim_pid, NULL, 0);
		victim_pid = 0;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_identity),
		cmocka_unit_test(test_basic_factorial_values),
		cmocka_unit_test(test_factorial_concurrent),
		cmocka_unit_test(test_factorial_async),
		cmocka_unit_test(test_factorial_timeout),
		cmocka_unit_test(test_factorial_signal),
		cmocka_unit_test(test_basic_dma_roundtrip),
		cmocka_unit_test(test_dma_bounds),
		cmocka_unit_test(test_shared_facet_on_both_devices),
		cmocka_unit_test(test_pci_remove_while_busy),
		cmocka_unit_test(test_hot_unplug_while_dma),
		cmocka_unit_test_teardown(test_late_dma_signal_from_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_signal_to_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_timeout_from_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_timeout_to_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_sigkill_from_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_sigkill_to_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_remove_from_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_remove_to_device, late_teardown),
		cmocka_unit_test_teardown(test_late_dma_fenced, late_teardown),
	};
	/* VM_TESTS chooses a subset, for the run on INTx. */
	return vm_run_tests_with("vm_edu", tests, setup, NULL, NULL, NULL);
}
