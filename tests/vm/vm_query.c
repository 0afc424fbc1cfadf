// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * QUERY_DEVICE against the uAPI rules: exact, short and long sizes, tails,
 * flags, unknown ioctls and bad pointers, each with its exact errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmtest.h"

#define DEV "qtest0"

static int fd = -1;

static int open_fd(void **state)
{
	fd = vm_open_device(DEV);
	return 0;
}

static int close_fd(void **state)
{
	close(fd);
	return 0;
}

static void check_reply(const struct uaccel_query_device *q)
{
	char node[256], want[64], max[32];

	assert_int_equal(q->abi_version, UACCEL_ABI_VERSION);
	assert_string_equal((const char *)q->name, DEV);
	assert_string_equal((const char *)q->driver, "soft");
	assert_int_equal(q->vendor_id, 0);
	assert_int_equal(q->device_id, 0);
	assert_int_equal(q->numa_node, UACCEL_NUMA_NONE);
	assert_int_equal(q->dev_caps, UACCEL_DEV_CAP_QUEUE_POLL | UACCEL_DEV_CAP_DM);
	assert_int_equal(q->num_facets, 5);
	/* UACCEL_DEV_CAP_DM goes with a non-zero ALLOC_DM limit. */
	vm_sysfs_read("/sys/class/uaccel/" DEV "/dm_max_bytes", max, sizeof(max));
	assert_true(strtoull(max, NULL, 10) > 0);
	vm_device_node(DEV, node, sizeof(node));
	snprintf(want, sizeof(want), "/dev/uaccel/uaccel%u", q->index);
	assert_string_equal(node, want);
}

static void test_exact_size(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	assert_int_equal(q.size, sizeof(q));
	check_reply(&q);
}

static void test_short_sizes(void **state)
{
	struct uaccel_query_device q;
	uint32_t sizes[] = { 0, 4, 8, sizeof(q) - 1, offsetof(struct uaccel_query_device, driver) };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&q, 0xa5, sizeof(q));
		q.size = sizes[i];
		q.flags = 0;
		assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -EINVAL);
		/* Nothing was written back. */
		assert_int_equal(q.abi_version, 0xa5a5a5a5);
	}
}

static void test_long_size_zero_tail(void **state)
{
	unsigned char buf[4096] = { 0 };
	struct uaccel_query_device *q = (void *)buf;

	q->size = sizeof(buf);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, buf), 0);
	check_reply(q);
	/* The kernel writes its own size only; the caller's tail stays zero. */
	for (size_t i = sizeof(*q); i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
}

static void test_long_size_nonzero_tail(void **state)
{
	unsigned char buf[sizeof(struct uaccel_query_device) + 64] = { 0 };
	struct uaccel_query_device *q = (void *)buf;

	q->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, buf), -E2BIG);
	assert_int_equal(q->abi_version, 0);
	buf[sizeof(buf) - 1] = 0;
	buf[sizeof(*q)] = 0x80;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, buf), -E2BIG);
}

static void test_unknown_flags(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		q.flags = 1U << bit;
		assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -EOPNOTSUPP);
	}
}

static void test_output_fields_are_ignored_on_input(void **state)
{
	struct uaccel_query_device q;

	memset(&q, 0xff, sizeof(q));
	q.size = sizeof(q);
	q.flags = 0;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	check_reply(&q);
}

static void test_unknown_ioctls(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };

	/* Next core command number, not defined. */
	assert_int_equal(vm_ioctl(fd, _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_BASE + 0x40), &q), -ENOTTY);
	assert_int_equal(vm_ioctl(fd, _IO(UACCEL_IOCTL_TYPE, 0), &q), -ENOTTY);
	assert_int_equal(vm_ioctl(fd, _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_BASE - 1), &q), -ENOTTY);
	/* Right number, wrong type byte, direction or encoded size. */
	assert_int_equal(vm_ioctl(fd, _IO('T', UACCEL_CMD_QUERY_DEVICE), &q), -ENOTTY);
	assert_int_equal(vm_ioctl(fd, _IOWR(UACCEL_IOCTL_TYPE, UACCEL_CMD_QUERY_DEVICE,
					    struct uaccel_query_device), &q), -ENOTTY);
	assert_int_equal(vm_ioctl(fd, TCGETS, &q), -ENOTTY);
}

static void test_bad_pointers(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uaccel_query_device *q;
	char *map;

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, NULL), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, (void *)-4096L), -EFAULT);

	/* The size is readable but the structure runs into an unmapped page. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(munmap(map + page, page), 0);
	q = (void *)(map + page - 16);
	q->size = sizeof(*q);
	q->flags = 0;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), -EFAULT);

	/* Readable but not writable: the reply cannot be written. */
	q = (void *)map;
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	assert_int_equal(mprotect(map, page, PROT_READ), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), -EFAULT);
	munmap(map, page);

	/* The device still answers. */
	test_exact_size(state);
}

static void test_libaccel_query(void **state)
{
	struct accel_device_attr attr;
	struct accel_context *ctx;

	ctx = accel_open_device_by_name(DEV);
	assert_non_null(ctx);
	assert_int_equal(accel_query_device(ctx, &attr, sizeof(attr) - 1), -EINVAL);
	assert_int_equal(accel_query_device(ctx, &attr, sizeof(attr)), 0);
	assert_string_equal(attr.name, DEV);
	assert_string_equal(attr.driver, "soft");
	assert_int_equal(attr.abi_version, UACCEL_ABI_VERSION);
	assert_int_equal(attr.numa_node, ACCEL_NUMA_NONE);
	assert_int_equal(attr.num_facets, 5);
	assert_int_equal(attr.dev_caps, ACCEL_DEV_CAP_QUEUE_POLL | ACCEL_DEV_CAP_DM);
	assert_true(accel_context_fd(ctx) >= 0);
	assert_int_equal(accel_close_device(ctx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_size),
		cmocka_unit_test(test_short_sizes),
		cmocka_unit_test(test_long_size_zero_tail),
		cmocka_unit_test(test_long_size_nonzero_tail),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_output_fields_are_ignored_on_input),
		cmocka_unit_test(test_unknown_ioctls),
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_libaccel_query),
	};

	return vm_run_tests_with("vm_query", tests, open_fd, close_fd, NULL, DEV);
}
