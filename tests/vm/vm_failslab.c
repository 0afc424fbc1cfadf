// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Allocation failure injection (debug kernel with CONFIG_FAILSLAB): every
 * object-creating operation is run again and again with the 1st, 2nd, 3rd,
 * ... slab allocation of its system call failing (/proc/thread-self/fail-nth),
 * until it runs through without reaching the injected failure.  Every
 * injected run must fail with a clean errno of the operation's list (or
 * succeed if the code has a fallback), leave nothing behind, and leave the
 * device working.  The lists are -ENOMEM, plus -EINVAL for adding a device
 * (platform_device_add() reports a failed name allocation as -EINVAL) and
 * -ENFILE for a facet fd (alloc_file() reports a failed allocation so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmtest.h"

#define BASE "fsbase0"

static int injected;
/* Opened once: opening it between the operation and the check would allocate. */
static int fail_nth_fd = -1;

static void write_str(const char *path, const char *s)
{
	assert_int_equal(vm_sysfs_write(path, s), 0);
}

static void fail_nth_set(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	assert_int_equal(pwrite(fail_nth_fd, buf, len, 0), len);
}

static int fail_nth_pending(void)
{
	char buf[32] = "";

	assert_true(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0);
	return atoi(buf);
}

static int setup(void **state)
{
	if (access("/proc/thread-self/fail-nth", F_OK) ||
	    access("/sys/kernel/debug/failslab", F_OK)) {
		fprintf(stderr, "no fail-nth/failslab: not a fault-injection kernel\n");
		return -1;
	}
	/* Fail GFP_KERNEL allocations too; log a stack for every injection. */
	write_str("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	write_str("/sys/kernel/debug/failslab/verbose", "2");
	write_str("/sys/kernel/debug/failslab/verbose_ratelimit_burst", "1000000");
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		return -1;
	vm_soft_add(BASE);
	return 0;
}

static int teardown(void **state)
{
	vm_soft_del(BASE);
	close(fail_nth_fd);
	printf("# %d allocation failures injected\n", injected);
	return 0;
}

static void base_works(void)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(BASE);

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	close(fd);
}

/*
 * Run op(arg) with the n-th allocation failing for n = 1, 2, ...; op returns
 * 0 or -errno and undo(arg) reverts a successful op.
 */
static void fail_each(const char *what, int (*op)(void *), void (*undo)(void *),
		      void (*gone)(void *), void *arg, int also_ok)
{
	int n, ret;

	for (n = 1; n < 10000; n++) {
		fail_nth_set(n);
		ret = op(arg);
		if (fail_nth_pending()) {
			fail_nth_set(0);
			assert_int_equal(ret, 0);
			undo(arg);
			printf("# %s: %d allocations, each failed once\n", what, n - 1);
			return;
		}
		injected++;
		if (ret) {
			if (ret != -ENOMEM && ret != also_ok)
				fprintf(stderr, "%s: allocation %d failed with %d\n", what, n, ret);
			assert_true(ret == -ENOMEM || ret == also_ok);
			gone(arg);
		} else {
			undo(arg);
		}
		base_works();
	}
	fail();
}

static int op_open(void *arg)
{
	int fd = open((const char *)arg, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void nothing(void *arg)
{
}

static void test_open_context(void **state)
{
	char node[256];

	vm_device_node(BASE, node, sizeof(node));
	fail_each("open", op_open, nothing, nothing, node, -ENOMEM);
}

static int op_new_device(void *arg)
{
	return vm_sysfs_write(SOFT_DRIVER_DIR "/new_device", arg);
}

static void undo_new_device(void *arg)
{
	vm_soft_del(arg);
}

static void new_device_gone(void *arg)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s", (char *)arg);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", arg), -ENOENT);
}

static void test_new_device(void **state)
{
	fail_each("new_device", op_new_device, undo_new_device, new_device_gone,
		  "fsnew0", -EINVAL);
}

/* Object creation on one context; the op's result id goes to obj_id. */
static int obj_fd = -1;
static uint32_t obj_pd, obj_cq, obj_id;
static char obj_buf[3 * 4096];
static struct vm_stats obj_before;

static int destroy_id(uint32_t id)
{
	struct uaccel_destroy d = { .size = sizeof(d), .id = id };

	return vm_ioctl(obj_fd, UACCEL_IOCTL_DESTROY, &d);
}

static int op_alloc_pd(void *arg)
{
	struct uaccel_alloc_pd c = { .size = sizeof(c) };
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_ALLOC_PD, &c);

	obj_id = c.out_pd_id;
	return ret;
}

static int op_reg_mr(void *arg)
{
	struct uaccel_reg_mr c = {
		.size = sizeof(c), .flags = UACCEL_MR_ACCESS_WRITE, .pd_id = obj_pd,
		.addr = (uintptr_t)obj_buf + 100, .length = sizeof(obj_buf) - 200,
	};
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_REG_MR, &c);

	obj_id = c.out_mr_id;
	return ret;
}

static int op_create_cq(void *arg)
{
	struct uaccel_create_cq c = { .size = sizeof(c), .entries = 64 };
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_CREATE_CQ, &c);

	obj_id = c.out_cq_id;
	return ret;
}

static int op_create_queue(void *arg)
{
	struct uaccel_create_queue c = {
		.size = sizeof(c), .pd_id = obj_pd, .cq_id = obj_cq, .entries = 64,
	};
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_CREATE_QUEUE, &c);

	obj_id = c.out_queue_id;
	return ret;
}

/* A dma-buf of the context's DM, for REG_DMABUF_MR. */
static int obj_dmabuf = -1;

static int op_alloc_dm(void *arg)
{
	struct uaccel_alloc_dm c = { .size = sizeof(c), .length = 3 * 4096 };
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_ALLOC_DM, &c);

	obj_id = c.out_dm_id;
	return ret;
}

static int op_reg_dmabuf_mr(void *arg)
{
	struct uaccel_reg_dmabuf_mr c = {
		.size = sizeof(c), .flags = UACCEL_MR_ACCESS_WRITE, .pd_id = obj_pd,
		.offset = 100, .length = 3 * 4096 - 200, .fd = obj_dmabuf,
	};
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_REG_DMABUF_MR, &c);

	obj_id = c.out_mr_id;
	return ret;
}

static int op_export_dm(void *arg)
{
	struct uaccel_export_dm c = {
		.size = sizeof(c), .flags = UACCEL_DMABUF_CLOEXEC, .dm_id = *(uint32_t *)arg,
	};
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_EXPORT_DM, &c);

	obj_id = c.out_fd;
	return ret;
}

static int op_get_facet(void *arg)
{
	struct uaccel_get_driver_ops_fd c = {
		.size = sizeof(c), .name = "dma.soft.uaccel", .min_version = 1, .max_version = 2,
	};
	int ret = vm_ioctl(obj_fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &c);

	obj_id = c.out_fd;
	return ret;
}

static void undo_object(void *arg)
{
	assert_int_equal(destroy_id(obj_id), 0);
}

static void undo_facet(void *arg)
{
	assert_int_equal(close(obj_id), 0);
}

static void object_gone(void *arg)
{
	vm_assert_stats_equal(&obj_before);
}

static void test_objects(void **state)
{
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 4 };
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };

	obj_fd = vm_open_device(BASE);
	assert_int_equal(vm_ioctl(obj_fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	assert_int_equal(vm_ioctl(obj_fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	obj_pd = pd.out_pd_id;
	obj_cq = cq.out_cq_id;
	vm_read_stats(&obj_before);

	fail_each("alloc_pd", op_alloc_pd, undo_object, object_gone, NULL, -ENOMEM);
	fail_each("reg_mr", op_reg_mr, undo_object, object_gone, NULL, -ENOMEM);
	fail_each("create_cq", op_create_cq, undo_object, object_gone, NULL, -ENOMEM);
	fail_each("create_queue", op_create_queue, undo_object, object_gone, NULL, -ENOMEM);
	fail_each("get_driver_ops_fd", op_get_facet, undo_facet, object_gone, NULL, -ENFILE);
	fail_each("alloc_dm", op_alloc_dm, undo_object, object_gone, NULL, -ENOMEM);
	close(obj_fd);
}

/* dma-buf export and import: the DM and its fd stay across the runs. */
static void test_dmabuf(void **state)
{
	struct uaccel_alloc_dm dm = { .size = sizeof(dm), .length = 3 * 4096 };
	struct uaccel_export_dm ex = { .size = sizeof(ex) };
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };

	obj_fd = vm_open_device(BASE);
	assert_int_equal(vm_ioctl(obj_fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	assert_int_equal(vm_ioctl(obj_fd, UACCEL_IOCTL_ALLOC_DM, &dm), 0);
	ex.dm_id = dm.out_dm_id;
	assert_int_equal(vm_ioctl(obj_fd, UACCEL_IOCTL_EXPORT_DM, &ex), 0);
	obj_pd = pd.out_pd_id;
	obj_dmabuf = ex.out_fd;
	vm_read_stats(&obj_before);

	fail_each("export_dm", op_export_dm, undo_facet, object_gone, &dm.out_dm_id,
		  -ENFILE);
	fail_each("reg_dmabuf_mr", op_reg_dmabuf_mr, undo_object, object_gone, NULL,
		  -ENOMEM);
	close(obj_dmabuf);
	close(obj_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_context),
		cmocka_unit_test(test_new_device),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_dmabuf),
	};

	return cmocka_run_group_tests_name("vm_failslab", tests, setup, teardown);
}
