// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Contexts: many opens of one device closed in every order, each remaining
 * context still answering; and a device deleted under open contexts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtest.h"

#define DEV "ctxtest0"
/* 64 contexts, fewer on a debug kernel (vm_scaled()). */
#define NCTX_MAX 64
#define NCTX ((int)vm_scaled(NCTX_MAX))

static int fds[NCTX_MAX];

static void query_ok(int fd)
{
	struct uaccel_query_device q = { .size = sizeof(q) };

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	assert_string_equal((const char *)q.name, DEV);
}

static void open_all(void)
{
	for (int i = 0; i < NCTX; i++)
		fds[i] = vm_open_device(DEV);
}

/* Close in the given order; after each close every open context answers. */
static void close_in_order(const int *order)
{
	for (int i = 0; i < NCTX; i++) {
		assert_int_equal(close(fds[order[i]]), 0);
		fds[order[i]] = -1;
		for (int j = 0; j < NCTX; j++)
			if (fds[j] >= 0)
				query_ok(fds[j]);
	}
}

static void test_close_forward(void **state)
{
	int order[NCTX_MAX];

	for (int i = 0; i < NCTX; i++)
		order[i] = i;
	open_all();
	close_in_order(order);
}

static void test_close_reverse(void **state)
{
	int order[NCTX_MAX];

	for (int i = 0; i < NCTX; i++)
		order[i] = NCTX - 1 - i;
	open_all();
	close_in_order(order);
}

static void test_close_interleaved(void **state)
{
	int order[NCTX_MAX], k = 0;

	for (int i = 0; i < NCTX; i += 2)
		order[k++] = i;
	for (int i = 1; i < NCTX; i += 2)
		order[k++] = i;
	open_all();
	close_in_order(order);
}

static void test_close_random(void **state)
{
	int order[NCTX_MAX];

	srandom(12345);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < NCTX; i++)
			order[i] = i;
		for (int i = NCTX - 1; i > 0; i--) {
			int j = random() % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		open_all();
		close_in_order(order);
	}
}

static void test_device_usable_after_churn(void **state)
{
	for (unsigned int i = 0; i < vm_scaled(1000); i++) {
		int fd = vm_open_device(DEV);

		query_ok(fd);
		close(fd);
	}
}

/* A device deleted under open contexts: calls fail with ENODEV, close works. */
static void test_delete_under_open_context(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	char node[256];
	int fd, fd2;

	vm_soft_add("ctxgone0");
	vm_device_node("ctxgone0", node, sizeof(node));
	fd = vm_open_device("ctxgone0");
	fd2 = vm_open_device("ctxgone0");
	vm_soft_del("ctxgone0");
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -ENODEV);
	assert_int_equal(vm_ioctl(fd2, 0, NULL), -ENODEV);
	assert_int_equal(close(fd), 0);
	assert_int_equal(access(node, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(accel_open_device_by_name("ctxgone0"));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(close(fd2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_forward),
		cmocka_unit_test(test_close_reverse),
		cmocka_unit_test(test_close_interleaved),
		cmocka_unit_test(test_close_random),
		cmocka_unit_test(test_device_usable_after_churn),
		cmocka_unit_test(test_delete_under_open_context),
	};

	return vm_run_tests("vm_contexts", tests, NULL, DEV);
}
