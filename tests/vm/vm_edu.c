// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The edu PCI driver on QEMU's edu device: identity, factorials (values,
 * 32-bit wrap-around, interrupts, concurrent users, asynchronous
 * completions, timeouts, signals), DMA round trips through the device
 * buffer, every bounds violation, the facet shared with the soft device,
 * and removal while in use (PCI remove, then a real hot unplug driven
 * from the host through QMP).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <uaccel/edu.h>
#include <uaccel/factorial.h>

#include "vmtest.h"

#define TIMEOUT_PARAM "/sys/module/uaccel_edu/parameters/timeout_ms"

static char edu_name[64];
static char edu_pci[64];	/* PCI address, for remove */

/* The first edu device and its PCI address; false if there is none. */
static bool find_edu(void)
{
	struct accel_device **list;
	bool found = false;
	int n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (int i = 0; i < n && !found; i++) {
		const char *parent = accel_device_parent(list[i]);
		const char *slash = strrchr(parent, '/');

		if (strcmp(accel_device_driver(list[i]), "edu"))
			continue;
		snprintf(edu_name, sizeof(edu_name), "%s", accel_device_name(list[i]));
		snprintf(edu_pci, sizeof(edu_pci), "%s", slash ? slash + 1 : parent);
		found = true;
	}
	accel_free_device_list(list);
	return found;
}

static bool wait_edu(double timeout_s)
{
	double end = vm_now() + timeout_s;

	while (vm_now() < end) {
		if (find_edu())
			return true;
		usleep(50000);
	}
	return false;
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

static volatile int first_finished;
static int done_when_first_finished[8];
static pthread_barrier_t start_line;

static void *user_thread(void *arg)
{
	struct user *u = arg;

	/* Everyone asks from the start, however slowly threads are created. */
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < 25; i++) {
		uint32_t n = rand_r(&u->seed) % 40, r;

		if (compute(u->ffd, n, &r) || r != ref_factorial(n))
			u->errors++;
		u->done++;
	}
	if (!__sync_lock_test_and_set(&first_finished, 1))
		for (int i = 0; i < 8; i++)
			done_when_first_finished[i] = -1;
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
		assert_int_equal(users[i].errors, 0);
		assert_int_equal(users[i].done, 25);
		/* Turns go round: every user was nearly done too. */
		if (done_when_first_finished[i] < 20)
			print_message("# user %d had done %d of 25\n", i,
				      done_when_first_finished[i]);
		assert_true(done_when_first_finished[i] >= 20);
		close(users[i].ffd);
		close(fds[i]);
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

/* Host side: the VM runner executes QMP commands written to /tmp/out. */
static int qmp_unplug(void)
{
	char path[256];
	int ret = vm_qmp("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"edu0\"}}");

	if (ret)
		return ret;
	/* pciehp removes the device after its 5 s attention button delay. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", edu_pci);
	for (int i = 0; i < 300 && !access(path, F_OK); i++)
		usleep(100000);
	return access(path, F_OK) ? 0 : -ETIMEDOUT;
}

static int qmp_replug(void)
{
	return vm_qmp("{\"execute\":\"device_add\",\"arguments\":"
		      "{\"driver\":\"edu\",\"id\":\"edu0\",\"bus\":\"rp0\"}}");
}

/*
 * Whether the kernel drives a hotplug slot for the device's bus: a slot
 * in /sys/bus/pci/slots whose address is the device's "domain:bus".
 */
static bool has_hotplug_slot(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "grep -qx '%.7s\\(:00\\)\\?' /sys/bus/pci/slots/*/address 2>/dev/null",
		 edu_pci);
	return system(cmd) == 0;
}

static void test_hot_unplug_while_dma(void **state)
{
	SKIP_WITHOUT_EDU();
	if (!vm_qmp_available() || !has_hotplug_slot()) {
		print_message("# no QMP mailbox or no hotplug slot for %s\n", edu_pci);
		skip();
	}
	remove_while_busy(qmp_unplug, qmp_replug);
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
	};

	/* A subset, for the run on INTx. */
	if (getenv("EDU_TESTS"))
		cmocka_set_test_filter(getenv("EDU_TESTS"));
	return cmocka_run_group_tests_name("vm_edu", tests, setup, NULL);
}
