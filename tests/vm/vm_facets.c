// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * GET_DRIVER_OPS_FD: names, version negotiation, legacy names, libaccel's
 * fallback order, privileged facets and fd passing, facet fds outliving
 * their context, facets naming core objects of their own context only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uaccel/soft.h>

#include "vmtest.h"
#include "../common/crc32c.h"

#define DEV "facettest0"

static struct vm_stats base;
static char node[256];

static int find_node(void **state)
{
	vm_device_node(DEV, node, sizeof(node));
	return 0;
}

static void test_names_and_versions(void **state)
{
	struct uaccel_get_driver_ops_fd c = { .size = sizeof(c), .min_version = 1, .max_version = 1 };
	int fd = vm_open_device(DEV);
	uint32_t v;
	int f;

	assert_int_equal(vm_get_facet(fd, "nosuch.uaccel", 1, 1, 0, NULL), -ENOENT);
	assert_int_equal(vm_get_facet(fd, "", 1, 1, 0, NULL), -ENOENT);
	assert_int_equal(vm_get_facet(fd, "DMA.SOFT.UACCEL", 1, 2, 0, NULL), -ENOENT);
	assert_int_equal(vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 3, 5, 0, NULL), -EPROTONOSUPPORT);
	assert_int_equal(vm_get_facet(fd, UACCEL_SOFT_DMA_LEGACY_FACET, 2, 2, 0, NULL),
			 -EPROTONOSUPPORT);
	assert_int_equal(vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 0, 2, 0, NULL), -EINVAL);
	assert_int_equal(vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 2, 1, 0, NULL), -EINVAL);
	assert_int_equal(vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 2, 1U << 5, NULL), -EOPNOTSUPP);
	memset(c.name, 'a', sizeof(c.name));	/* no NUL */
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &c), -EINVAL);

	/* Negotiation picks the highest common version. */
	f = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 9, 0, &v);
	assert_true(f >= 0);
	assert_int_equal(v, 2);
	assert_int_equal(fcntl(f, F_GETFD) & FD_CLOEXEC, 0);
	close(f);
	f = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 1, UACCEL_FACET_FD_CLOEXEC, &v);
	assert_true(f >= 0);
	assert_int_equal(v, 1);
	assert_int_equal(fcntl(f, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(f);
	f = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 2, 2, 0, &v);
	assert_true(f >= 0);
	assert_int_equal(v, 2);
	close(f);
	f = vm_get_facet(fd, UACCEL_SOFT_DMA_LEGACY_FACET, 1, 3, 0, &v);
	assert_true(f >= 0);
	assert_int_equal(v, 1);
	close(f);
	close(fd);
}

static void test_facet_commands_follow_version(void **state)
{
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc), .mr = 1 };
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV);
	int v1 = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 1, 0, NULL);
	int v2 = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 2, 2, 0, NULL);
	int legacy = vm_get_facet(fd, UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1, 0, NULL);

	assert_int_equal(vm_ioctl(v1, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	assert_int_equal(vm_ioctl(legacy, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	/* CRC32C exists from version 2 on. */
	assert_int_equal(vm_ioctl(v1, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), -ENOTTY);
	assert_int_equal(vm_ioctl(legacy, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), -ENOTTY);
	assert_int_equal(vm_ioctl(v2, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), -ENOENT);
	/* Unknown numbers and core commands on a facet fd. */
	assert_int_equal(vm_ioctl(v2, _IO(UACCEL_IOCTL_TYPE, 0x40), &nop), -ENOTTY);
	assert_int_equal(vm_ioctl(v2, UACCEL_IOCTL_QUERY_DEVICE, &q), -ENOTTY);
	assert_int_equal(vm_ioctl(v2, _IOR(UACCEL_IOCTL_TYPE, 0, int), &nop), -ENOTTY);
	vm_check_size_rules(v2, UACCEL_SOFT_IOCTL_DMA_NOP, &nop, sizeof(nop), sizeof(nop));
	close(v1);
	close(v2);
	close(legacy);
	close(fd);
}

static void test_libaccel_fallback(void **state)
{
	struct accel_context *ctx = accel_open_device_by_name(DEV);
	const struct accel_facet_req newest[] = {
		{ "dma-v3.soft.uaccel", 1, 1 },
		{ UACCEL_SOFT_DMA_FACET, 1, 2 },
		{ UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	};
	const struct accel_facet_req old_only[] = {
		{ UACCEL_SOFT_DMA_FACET, 3, 4 },
		{ UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	};
	const struct accel_facet_req none[] = { { "a.uaccel", 1, 1 }, { "b.uaccel", 1, 1 } };
	const struct accel_facet_req too_new[] = { { "a.uaccel", 1, 1 },
						   { UACCEL_SOFT_DMA_FACET, 5, 6 } };
	int which = -1, fd;
	uint32_t v = 0;

	assert_non_null(ctx);
	fd = accel_get_facet(ctx, newest, 3, 0, &which, &v);
	assert_true(fd >= 0);
	assert_int_equal(which, 1);
	assert_int_equal(v, 2);
	close(fd);
	fd = accel_get_facet(ctx, old_only, 2, ACCEL_FACET_CLOEXEC, &which, &v);
	assert_true(fd >= 0);
	assert_int_equal(which, 1);
	assert_int_equal(v, 1);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	assert_int_equal(accel_get_facet(ctx, none, 2, 0, &which, &v), -ENOENT);
	assert_int_equal(accel_get_facet(ctx, too_new, 2, 0, &which, &v), -EPROTONOSUPPORT);
	assert_int_equal(accel_get_facet(ctx, newest, 0, 0, NULL, NULL), -EINVAL);
	assert_int_equal(accel_get_facet(ctx, newest, 1, 1U << 9, NULL, NULL), -EINVAL);
	accel_close_device(ctx);
}

/*
 * The privileged debug facet needs CAP_SYS_ADMIN in both the opener of the
 * context and the caller, so fd passing never escalates either way.
 */
static void test_privileged_facet_and_fd_passing(void **state)
{
	int fd = vm_open_device(DEV), sv[2], f;
	char c;
	pid_t pid;

	f = vm_get_facet(fd, UACCEL_SOFT_DEBUG_FACET, 1, 1, 0, NULL);
	assert_true(f >= 0);	/* root opener, root caller */
	close(f);
	assert_int_equal(chmod(node, 0666), 0);

	/* 1: an unprivileged process, with its own context and with root's. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = vm_fork();
	if (!pid) {
		int own, passed;

		vm_become_user(65534);
		own = open(node, O_RDWR);
		if (own < 0)
			_exit(21);
		if (vm_get_facet(own, UACCEL_SOFT_DEBUG_FACET, 1, 1, 0, NULL) != -EPERM)
			_exit(22);
		if (vm_get_facet(own, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL) < 0)
			_exit(23);
		passed = vm_recv_fd(sv[1], &c, 1);
		if (passed < 0)
			_exit(24);
		if (vm_get_facet(passed, UACCEL_SOFT_DEBUG_FACET, 1, 1, 0, NULL) != -EPERM)
			_exit(25);
		if (vm_get_facet(passed, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL) < 0)
			_exit(26);
		/* 2: hand an unprivileged opener's context to root. */
		_exit(vm_send_fd(sv[1], own, "x", 1) ? 27 : 0);
	}
	assert_int_equal(vm_send_fd(sv[0], fd, "x", 1), 0);
	f = vm_recv_fd(sv[0], &c, 1);
	assert_true(f >= 0);
	assert_int_equal(vm_get_facet(f, UACCEL_SOFT_DEBUG_FACET, 1, 1, 0, NULL), -EPERM);
	close(f);
	vm_wait_ok(pid);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(chmod(node, 0600), 0);
	close(fd);
}

/* Facet fds keep their context and its objects; ids of other contexts fail. */
static void test_facet_outlives_context_and_uses_objects(void **state)
{
	struct accel_context *ctx = accel_open_device_by_name(DEV);
	struct accel_context *other = accel_open_device_by_name(DEV);
	struct uaccel_soft_dma_copy cp = { .size = sizeof(cp) };
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc) };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	static char src[10000], dst[10000];
	struct accel_mr *smr, *dmr, *ro, *omr;
	struct accel_pd *pd, *opd;
	struct vm_stats st;
	int f;

	assert_non_null(ctx);
	assert_non_null(other);
	for (unsigned int i = 0; i < sizeof(src); i++)
		src[i] = i * 13 + 1;
	pd = accel_alloc_pd(ctx);
	smr = accel_reg_mr(pd, src, sizeof(src), 0);
	dmr = accel_reg_mr(pd, dst, sizeof(dst), ACCEL_ACCESS_WRITE);
	ro = accel_reg_mr(pd, dst, sizeof(dst), 0);
	/* Ids 1-8 in the other context, so its MR's id (9) is unused here. */
	for (int i = 0; i < 8; i++)
		assert_non_null(accel_alloc_pd(other));
	opd = accel_alloc_pd(other);
	omr = accel_reg_mr(opd, dst, sizeof(dst), ACCEL_ACCESS_WRITE);
	assert_non_null(smr);
	assert_non_null(dmr);
	assert_non_null(ro);
	assert_non_null(omr);

	f = vm_get_facet(accel_context_fd(ctx), UACCEL_SOFT_DMA_FACET, 2, 2, 0, NULL);
	assert_true(f >= 0);

	/* MRs of another context are not found, whatever their ids. */
	cp.src_mr = accel_mr_id(smr);
	cp.dst_mr = accel_mr_id(omr);
	cp.length = 16;
	assert_true(accel_mr_id(omr) > accel_mr_id(ro));
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -ENOENT);
	cp.dst_mr = accel_mr_id(dmr);
	cp.src_mr = 0;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -ENOENT);
	/* Bounds and access. */
	cp.src_mr = accel_mr_id(smr);
	cp.length = sizeof(src) + 1;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -EINVAL);
	cp.length = 16;
	cp.src_offset = sizeof(src) - 15;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -EINVAL);
	cp.src_offset = 0;
	cp.dst_offset = UINT64_MAX;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -EINVAL);
	cp.dst_offset = 0;
	cp.dst_mr = accel_mr_id(ro);
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -EACCES);
	/* A PD with MRs cannot go. */
	assert_int_equal(accel_dealloc_pd(pd), -EBUSY);
	/* The id of a PD is not an MR. */
	cp.dst_mr = 1;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -ENOENT);

	/* Close the context fd: the facet keeps the context and its MRs. */
	accel_close_device(ctx);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr + 4);
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	cp.dst_mr = accel_mr_id(dmr);
	cp.src_offset = 3;
	cp.dst_offset = 5;
	cp.length = sizeof(src) - 10;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 0);
	assert_memory_equal(dst + 5, src + 3, sizeof(src) - 10);
	crc.mr = accel_mr_id(smr);
	crc.offset = 1;
	crc.length = sizeof(src) - 1;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), 0);
	assert_int_equal(crc.out_crc, crc32c_ref(0, src + 1, sizeof(src) - 1));
	crc.seed = 0x1234;
	assert_int_equal(vm_ioctl(f, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), 0);
	assert_int_equal(crc.out_crc, crc32c_ref(0x1234, src + 1, sizeof(src) - 1));

	/* The last close frees everything (the handles of ctx leak by design here). */
	close(f);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr + 1);
	accel_close_device(other);
	free(omr);
	free(opd);
	free(smr);
	free(dmr);
	free(ro);
	free(pd);
}

static void test_crc32c_reference(void **state)
{
	assert_int_equal(crc32c_ref(0, "123456789", 9), 0xE3069283);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_reference),
		cmocka_unit_test(test_names_and_versions),
		cmocka_unit_test(test_facet_commands_follow_version),
		cmocka_unit_test(test_libaccel_fallback),
		cmocka_unit_test(test_privileged_facet_and_fd_passing),
		cmocka_unit_test(test_facet_outlives_context_and_uses_objects),
	};

	return vm_run_tests_with("vm_facets", tests, find_node, NULL, &base, DEV);
}
