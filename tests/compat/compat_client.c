// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The compatibility client (docs/abi.md): what an application built against
 * one uaccel release does, run against another release's libaccel or
 * modules.  It uses only what v0.1.0 offered (accel.h with the symbol
 * versions ACCEL_1.0 to ACCEL_1.3, uaccel.h, soft.h and factorial.h as
 * released), so that it compiles against every release's headers:
 * tests/compat/build-release.sh builds it against a release's headers and
 * libaccel, the current build against the current ones.  Keep it so.
 *
 * Device listing, open and query, events, PD/MR/CQ/queue, a POST and POLL of
 * the soft device, the factorial facet with its fallback from a newer name,
 * facet names and versions that do not exist, and features an older module
 * may lack, which must be reported as not supported (-ENOENT,
 * -EPROTONOSUPPORT, -EOPNOTSUPP, -ENOTTY), never as a crash or a wrong
 * result.
 *
 * Expects uaccel_soft's device soft0 (COMPAT_DEVICE names another).
 * COMPAT_PROVIDER, when set, is the provider the context must be served by
 * ("none": the generic path); COMPAT_LIBACCEL the directory whose
 * libaccel.so.1 the program must run with.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmocka.h>

#include <accel/accel.h>
#include <uaccel/uaccel.h>
#include <uaccel/soft.h>
#include <uaccel/factorial.h>

#define BUF_SIZE 8192

static const char *dev_name;

/* ioctl() as 0 or -errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static struct accel_context *open_dev(void)
{
	struct accel_context *ctx = accel_open_device_by_name(dev_name);

	if (!ctx)
		fail_msg("opening %s: %s (errno %d)", dev_name, accel_error_message(), errno);
	return ctx;
}

/* Wait for @n completions of @cq into @wc, at most 10 s. */
static void poll_n(struct accel_cq *cq, struct accel_wc *wc, int n)
{
	int got = 0, tries = 0, ret;

	while (got < n) {
		ret = accel_poll_cq(cq, wc + got, n - got);
		assert_true(ret >= 0);
		got += ret;
		if (got == n)
			break;
		assert_true(++tries <= 10);
		ret = accel_wait_cq(cq, 1000);
		assert_true(ret == 0 || ret == -ETIMEDOUT);
	}
	assert_int_equal(accel_poll_cq(cq, wc, 1), 0);
}

static void test_device_list(void **state)
{
	const struct accel_facet_desc *f;
	struct accel_device **list;
	int i, j, n = -1, found = 0, factorial = 0, dma = 0;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_true(n >= 1);
	assert_null(list[n]);
	for (i = 0; i < n; i++) {
		if (strcmp(accel_device_name(list[i]), dev_name))
			continue;
		found++;
		assert_string_equal(accel_device_driver(list[i]), "soft");
		assert_int_equal(strncmp(accel_device_node(list[i]), "/dev/uaccel/uaccel", 18), 0);
		assert_int_equal(accel_device_abi_version(list[i]), 1);
		assert_int_equal(accel_device_numa_node(list[i]), ACCEL_NUMA_NONE);
		assert_true(accel_device_num_facets(list[i]) >= 2);
		for (j = 0; j < accel_device_num_facets(list[i]); j++) {
			f = accel_device_facet(list[i], j);
			assert_non_null(f);
			assert_true(f->min_version >= 1 && f->min_version <= f->max_version);
			if (!strcmp(f->name, UACCEL_FACTORIAL_FACET) && f->min_version == 1)
				factorial++;
			if (!strcmp(f->name, UACCEL_SOFT_DMA_FACET) && f->min_version == 1 &&
			    f->max_version >= 2)
				dma++;
		}
		errno = 0;
		assert_null(accel_device_facet(list[i], j));
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(found, 1);
	assert_int_equal(factorial, 1);
	assert_int_equal(dma, 1);
	accel_free_device_list(list);
}

/* The library this program runs with is the one it is meant to. */
static void test_library(void **state)
{
	const char *want = getenv("COMPAT_LIBACCEL");
	char lib[PATH_MAX], dir[PATH_MAX];
	Dl_info info;
	char *slash;

	assert_true(dladdr((void *)accel_get_device_list, &info));
	assert_non_null(info.dli_fname);
	printf("# libaccel: %s\n", info.dli_fname);
	if (!want || !*want)
		return;
	assert_non_null(realpath(info.dli_fname, lib));
	assert_non_null(realpath(want, dir));
	slash = strrchr(lib, '/');
	assert_non_null(slash);
	*slash = 0;
	assert_string_equal(lib, dir);
}

static void test_open_query(void **state)
{
	struct accel_device_attr attr;
	struct accel_event ev;
	struct accel_context *ctx;
	const char *prov, *want = getenv("COMPAT_PROVIDER");
	int fd;

	errno = 0;
	assert_null(accel_open_device_by_name("nosuch-compat0"));
	assert_int_equal(errno, ENODEV);

	ctx = open_dev();
	memset(&attr, 0xa5, sizeof(attr));
	assert_int_equal(accel_query_device(ctx, &attr, sizeof(attr)), 0);
	assert_string_equal(attr.name, dev_name);
	assert_string_equal(attr.driver, "soft");
	assert_int_equal(attr.abi_version, 1);
	assert_int_equal(attr.vendor_id, 0);
	assert_int_equal(attr.device_id, 0);
	assert_int_equal(attr.numa_node, ACCEL_NUMA_NONE);
	assert_true(attr.num_facets >= 2);

	prov = accel_context_provider(ctx);
	printf("# %s: provider %s\n", dev_name, prov ? prov : "none");
	if (want && *want)
		assert_string_equal(prov ? prov : "none", want);

	/* No event on a healthy device: -EAGAIN without blocking. */
	fd = accel_context_fd(ctx);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	assert_int_equal(accel_get_event(ctx, &ev), -EAGAIN);
	assert_int_equal(accel_close_device(ctx), 0);
}

static void test_objects_post_poll(void **state)
{
	struct accel_context *ctx = open_dev();
	uint8_t *src = malloc(BUF_SIZE), *dst = malloc(BUF_SIZE);
	struct accel_mr *msrc, *mdst;
	struct accel_queue *q;
	struct accel_wc wc[3];
	struct accel_wr wr[3];
	struct accel_pd *pd;
	struct accel_cq *cq;
	int i;

	assert_non_null(src);
	assert_non_null(dst);
	for (i = 0; i < BUF_SIZE; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, BUF_SIZE);

	pd = accel_alloc_pd(ctx);
	assert_non_null(pd);
	msrc = accel_reg_mr(pd, src, BUF_SIZE, 0);
	assert_non_null(msrc);
	mdst = accel_reg_mr(pd, dst, BUF_SIZE, ACCEL_ACCESS_WRITE);
	assert_non_null(mdst);
	assert_int_not_equal(accel_mr_id(msrc), accel_mr_id(mdst));
	cq = accel_create_cq(ctx, 16, -1);
	assert_non_null(cq);
	q = accel_create_queue(pd, cq, 16);
	assert_non_null(q);
	/* In use: refused, and everything stays valid. */
	assert_int_equal(accel_dealloc_pd(pd), -EBUSY);
	assert_int_equal(accel_destroy_cq(cq), -EBUSY);

	memset(wr, 0, sizeof(wr));
	wr[0].opcode = ACCEL_WR_COPY;
	wr[0].user_data = 0xc0b1;
	wr[0].src_mr = accel_mr_id(msrc);
	wr[0].dst_mr = accel_mr_id(mdst);
	wr[0].src_offset = 100;
	wr[0].dst_offset = 0;
	wr[0].length = 4000;
	wr[1].opcode = ACCEL_WR_FILL;
	wr[1].user_data = 0xf111;
	wr[1].dst_mr = accel_mr_id(mdst);
	wr[1].dst_offset = 4096;
	wr[1].length = 4096;
	wr[1].value = 0x5a;
	assert_int_equal(accel_post(q, wr, 2), 2);
	poll_n(cq, wc, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(wc[i].status, 0);
		assert_int_equal(wc[i].queue_id, accel_queue_id(q));
	}
	/* Completions may come in any order. */
	assert_int_equal(wc[0].user_data ^ wc[1].user_data, 0xc0b1 ^ 0xf111);
	assert_memory_equal(dst, src + 100, 4000);
	for (i = 4096; i < BUF_SIZE; i++)
		assert_int_equal(dst[i], 0x5a);

	/* The device's own look at what it copied. */
	wr[2].opcode = ACCEL_WR_COMPARE;
	wr[2].user_data = 0xc0a7;
	wr[2].src_mr = accel_mr_id(msrc);
	wr[2].dst_mr = accel_mr_id(mdst);
	wr[2].src_offset = 100;
	wr[2].dst_offset = 0;
	wr[2].length = 4000;
	assert_int_equal(accel_post(q, &wr[2], 1), 1);
	poll_n(cq, wc, 1);
	assert_int_equal(wc[0].status, 0);
	assert_int_equal(wc[0].user_data, 0xc0a7);
	assert_int_equal(wc[0].result, 0);

	/* A bad request completes with its error, the queue goes on. */
	wr[0].length = BUF_SIZE;
	wr[0].user_data = 0xbad;
	assert_int_equal(accel_post(q, wr, 1), 1);
	poll_n(cq, wc, 1);
	assert_int_equal(wc[0].user_data, 0xbad);
	assert_int_equal(wc[0].status, EFAULT);

	assert_int_equal(accel_destroy_queue(q), 0);
	assert_int_equal(accel_destroy_cq(cq), 0);
	assert_int_equal(accel_dereg_mr(msrc), 0);
	assert_int_equal(accel_dereg_mr(mdst), 0);
	assert_int_equal(accel_dealloc_pd(pd), 0);
	assert_int_equal(accel_close_device(ctx), 0);
	free(src);
	free(dst);
}

/*
 * A polled queue is a feature a device may lack: the device says so in
 * dev_caps, and creating one where it is missing fails with EOPNOTSUPP.
 */
static void test_polled_queue_or_not_supported(void **state)
{
	struct accel_queue_attr qa = {
		.entries = 8, .flags = ACCEL_QUEUE_POLL, .poll_idle_ms = 10,
	};
	struct accel_context *ctx = open_dev();
	struct accel_device_attr attr;
	struct accel_queue *q;
	struct accel_wr wr;
	struct accel_wc wc;
	struct accel_pd *pd;
	struct accel_cq *cq;

	assert_int_equal(accel_query_device(ctx, &attr, sizeof(attr)), 0);
	pd = accel_alloc_pd(ctx);
	assert_non_null(pd);
	cq = accel_create_cq(ctx, 8, -1);
	assert_non_null(cq);
	q = accel_create_queue_ex(pd, cq, &qa, sizeof(qa));
	if (!(attr.dev_caps & ACCEL_DEV_CAP_QUEUE_POLL)) {
		assert_null(q);
		assert_int_equal(errno, EOPNOTSUPP);
		printf("# %s: no polled queues: EOPNOTSUPP\n", dev_name);
	} else {
		assert_non_null(q);
		memset(&wr, 0, sizeof(wr));
		wr.opcode = ACCEL_WR_NOP;
		wr.user_data = 77;
		assert_int_equal(accel_post(q, &wr, 1), 1);
		poll_n(cq, &wc, 1);
		assert_int_equal(wc.status, 0);
		assert_int_equal(wc.user_data, 77);
		assert_int_equal(accel_destroy_queue(q), 0);
	}
	assert_int_equal(accel_destroy_cq(cq), 0);
	assert_int_equal(accel_dealloc_pd(pd), 0);
	assert_int_equal(accel_close_device(ctx), 0);
}

static void test_factorial(void **state)
{
	/* A newer name first, as an application built later would ask. */
	static const struct accel_facet_req reqs[] = {
		{ "factorial-v2.uaccel", 1, 1 },
		{ UACCEL_FACTORIAL_FACET, 1, UACCEL_FACTORIAL_VERSION },
	};
	struct uaccel_factorial_compute c = { .size = sizeof(c) };
	struct uaccel_factorial_submit s = { .size = sizeof(s) };
	struct accel_context *ctx = open_dev();
	struct accel_cq *cq;
	struct accel_wc wc;
	uint32_t version = 0;
	int fd, which = -1;

	fd = accel_get_facet(ctx, reqs, 2, ACCEL_FACET_CLOEXEC, &which, &version);
	assert_true(fd >= 0);
	assert_int_equal(which, 1);
	assert_int_equal(version, 1);
	c.value = 5;
	assert_int_equal(xioctl(fd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c), 0);
	assert_int_equal(c.out_result, 120);
	c.value = 13;
	assert_int_equal(xioctl(fd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c), 0);
	assert_int_equal(c.out_result, 1932053504u);

	cq = accel_create_cq(ctx, 4, -1);
	assert_non_null(cq);
	s.cq_id = accel_cq_id(cq);
	s.value = 10;
	s.user_data = 0xfac7;
	assert_int_equal(xioctl(fd, UACCEL_FACTORIAL_IOCTL_SUBMIT, &s), 0);
	poll_n(cq, &wc, 1);
	assert_int_equal(wc.status, 0);
	assert_int_equal(wc.queue_id, 0);
	assert_int_equal(wc.user_data, 0xfac7);
	assert_int_equal(wc.result, 3628800);
	assert_int_equal(accel_destroy_cq(cq), 0);
	close(fd);
	assert_int_equal(accel_close_device(ctx), 0);
}

static void test_facet_names_and_versions(void **state)
{
	static const struct accel_facet_req nosuch[] = {
		{ "nosuch.compat.uaccel", 1, 1 },
		{ "nosuch-v2.compat.uaccel", 1, 5 },
	};
	static const struct accel_facet_req too_new[] = {
		{ UACCEL_SOFT_DMA_FACET, 99, 100 },
	};
	static const struct accel_facet_req fallback[] = {
		{ "dma-v9.soft.uaccel", 1, 1 },
		{ UACCEL_SOFT_DMA_FACET, 1, 1 },
	};
	static const struct accel_facet_req legacy[] = {
		{ UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	};
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc) };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct accel_context *ctx = open_dev();
	uint32_t version = 0;
	int fd, which = -1;

	assert_int_equal(accel_get_facet(ctx, nosuch, 2, 0, &which, &version), -ENOENT);
	assert_int_equal(accel_get_facet(ctx, too_new, 1, 0, &which, &version),
			 -EPROTONOSUPPORT);

	/* Version 1 of the DMA facet, through its current name after a miss. */
	fd = accel_get_facet(ctx, fallback, 2, ACCEL_FACET_CLOEXEC, &which, &version);
	assert_true(fd >= 0);
	assert_int_equal(which, 1);
	assert_int_equal(version, 1);
	assert_int_equal(xioctl(fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	/* CRC32C is a version 2 command: not there for a version 1 fd. */
	assert_int_equal(xioctl(fd, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), -ENOTTY);
	/* A facet command number no version has. */
	assert_int_equal(xioctl(fd, _IO(UACCEL_IOCTL_TYPE, UACCEL_FACET_CMD_MAX - 1), &nop),
			 -ENOTTY);
	/* A flag no version has. */
	nop.flags = 1U << 31;
	assert_int_equal(xioctl(fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), -EOPNOTSUPP);
	close(fd);

	/* The legacy name is still served. */
	fd = accel_get_facet(ctx, legacy, 1, ACCEL_FACET_CLOEXEC, &which, &version);
	assert_true(fd >= 0);
	assert_int_equal(which, 0);
	assert_int_equal(version, 1);
	nop.flags = 0;
	assert_int_equal(xioctl(fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	close(fd);
	assert_int_equal(accel_close_device(ctx), 0);
}

/* Core commands or flags the module does not have. */
static void test_unknown_commands(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct accel_context *ctx = open_dev();
	int fd = accel_context_fd(ctx);

	assert_int_equal(xioctl(fd, _IO(UACCEL_IOCTL_TYPE, 0xff), &q), -ENOTTY);
	assert_int_equal(xioctl(fd, _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_BASE - 1), &q), -ENOTTY);
	q.flags = 1U << 31;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -EOPNOTSUPP);
	q.flags = 0;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	assert_int_equal(q.abi_version, UACCEL_ABI_VERSION);
	assert_int_equal(accel_close_device(ctx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_library),
		cmocka_unit_test(test_device_list),
		cmocka_unit_test(test_open_query),
		cmocka_unit_test(test_objects_post_poll),
		cmocka_unit_test(test_polled_queue_or_not_supported),
		cmocka_unit_test(test_factorial),
		cmocka_unit_test(test_facet_names_and_versions),
		cmocka_unit_test(test_unknown_commands),
	};

	dev_name = getenv("COMPAT_DEVICE");
	if (!dev_name || !*dev_name)
		dev_name = "soft0";
	return cmocka_run_group_tests_name("compat", tests, NULL, NULL);
}
