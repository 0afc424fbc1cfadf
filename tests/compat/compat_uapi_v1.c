// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A program built from the frozen v1 uAPI (tests/compat/uapi-v1, the
 * headers of v0.1.0) talking to the kernel with raw ioctls, as a program
 * compiled against v0.1.0's kernel headers does forever: its structures
 * keep working, and the size rules of docs/uapi.md hold.  A structure
 * shorter than the kernel's is zero-extended (down to the mandatory part;
 * shorter: -EINVAL) and the reply is written only up to the caller's size;
 * a longer one whose extra bytes are zero is accepted; a longer one with a
 * non-zero byte the kernel does not know fails with -E2BIG; unknown flags
 * -EOPNOTSUPP; unknown commands and facet commands newer than the
 * negotiated version -ENOTTY.
 *
 * Built with tests/compat/uapi-v1 first on the include path: every
 * <uaccel/...> below is the frozen copy.  Expects uaccel_soft's device
 * soft0 (COMPAT_DEVICE names another).
 */
#include <errno.h>
#include <fcntl.h>
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

#include <uaccel/uaccel.h>
#include <uaccel/soft.h>
#include <uaccel/factorial.h>

/* Far beyond any structure the kernel will ever have: never a known field. */
#define FAR 1024

static const char *dev_name;

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* Open the device's node, /dev/<DEVNAME of its uevent>. */
static int open_dev(void)
{
	char path[256], line[256], node[300] = "";
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/uevent", dev_name);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(node, sizeof(node), "/dev/%s", line + 8);
		}
	fclose(f);
	assert_true(node[0]);
	fd = open(node, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A command buffer of FAR + 8 bytes, zeroed. */
static void *big_buf(void)
{
	void *p = calloc(1, FAR + 8);

	assert_non_null(p);
	return p;
}

static void test_query_device_sizes(void **state)
{
	struct uaccel_query_device *q = big_buf();
	int fd = open_dev();

	/* The whole v1 structure is the mandatory part. */
	q->size = sizeof(*q);
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), 0);
	assert_int_equal(q->abi_version, 1);
	assert_string_equal((char *)q->name, dev_name);
	assert_string_equal((char *)q->driver, "soft");
	assert_int_equal(q->vendor_id, 0);
	assert_int_equal(q->numa_node, UACCEL_NUMA_NONE);
	assert_true(q->num_facets >= 2);

	memset(q, 0, FAR + 8);
	q->size = offsetof(struct uaccel_query_device, driver);
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), -EINVAL);
	q->size = 0;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), -EINVAL);

	/* Longer, zero tail: accepted, the v1 part answered. */
	q->size = FAR + 8;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), 0);
	assert_string_equal((char *)q->driver, "soft");
	assert_int_equal(q->abi_version, 1);

	/* Longer, a non-zero byte far out: -E2BIG, nothing answered. */
	memset(q, 0, FAR + 8);
	q->size = FAR + 8;
	((uint8_t *)q)[FAR + 7] = 1;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), -E2BIG);
	assert_int_equal(q->abi_version, 0);
	assert_int_equal(q->driver[0], 0);

	/* Unknown flags. */
	memset(q, 0, FAR + 8);
	q->size = sizeof(*q);
	q->flags = 1U << 31;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, q), -EOPNOTSUPP);
	close(fd);
	free(q);
}

/* ALLOC_PD and CREATE_CQ, full v1 structures. */
static void make_pd_cq(int fd, uint32_t *pd, struct uaccel_create_cq *cq)
{
	struct uaccel_alloc_pd a = { .size = sizeof(a) };

	assert_int_equal(xioctl(fd, UACCEL_IOCTL_ALLOC_PD, &a), 0);
	*pd = a.out_pd_id;
	memset(cq, 0, sizeof(*cq));
	cq->size = sizeof(*cq);
	cq->entries = 8;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_CQ, cq), 0);
	assert_true(cq->out_entries >= 8);
}

static int destroy(int fd, uint32_t id)
{
	struct uaccel_destroy d = { .size = sizeof(d), .id = id };

	return xioctl(fd, UACCEL_IOCTL_DESTROY, &d);
}

static void test_short_struct_zero_extended(void **state)
{
	struct uaccel_create_queue *cq = big_buf();
	struct uaccel_create_cq c, *c2 = big_buf();
	uint32_t pd;
	int fd = open_dev();
	size_t mand = offsetof(struct uaccel_create_queue, poll_idle_ms);

	make_pd_cq(fd, &pd, &c);

	/*
	 * CREATE_QUEUE up to out_mmap_size (its mandatory part): the fields
	 * after it read as zero whatever the memory holds, and the reply
	 * stops at the caller's size.
	 */
	memset(cq, 0xa5, FAR + 8);
	memset(cq, 0, mand);
	cq->size = mand;
	cq->pd_id = pd;
	cq->cq_id = c.out_cq_id;
	cq->entries = 8;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, cq), 0);
	assert_true(cq->out_queue_id > 0);
	assert_true(cq->out_entries >= 8);
	assert_int_equal(cq->out_entry_size, sizeof(struct uaccel_wr));
	assert_int_equal(cq->poll_idle_ms, 0xa5a5a5a5);
	assert_int_equal(cq->__reserved, 0xa5a5a5a5);
	assert_int_equal(destroy(fd, cq->out_queue_id), 0);

	/* Shorter than the mandatory part. */
	cq->size = mand - 8;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, cq), -EINVAL);

	/* The same with a zero tail beyond the kernel's structure: accepted. */
	memset(cq, 0, FAR + 8);
	cq->size = FAR + 8;
	cq->pd_id = pd;
	cq->cq_id = c.out_cq_id;
	cq->entries = 8;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, cq), 0);
	assert_int_equal(destroy(fd, cq->out_queue_id), 0);
	/* And with a non-zero byte there: -E2BIG, no queue. */
	cq->out_queue_id = 0;
	((uint8_t *)cq)[FAR] = 0x80;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, cq), -E2BIG);
	assert_int_equal(cq->out_queue_id, 0);

	/* A v1 reserved field set: -EINVAL. */
	memset(cq, 0, FAR + 8);
	cq->size = sizeof(*cq);
	cq->pd_id = pd;
	cq->cq_id = c.out_cq_id;
	cq->entries = 8;
	cq->__reserved = 1;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, cq), -EINVAL);

	/* CREATE_CQ: longer with a zero tail, then a non-zero one. */
	c2->size = FAR + 8;
	c2->entries = 4;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_CQ, c2), 0);
	assert_int_equal(destroy(fd, c2->out_cq_id), 0);
	c2->out_cq_id = 0;
	((uint8_t *)c2)[sizeof(*c2) + 100] = 1;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_CQ, c2), -E2BIG);
	assert_int_equal(c2->out_cq_id, 0);

	assert_int_equal(destroy(fd, c.out_cq_id), 0);
	assert_int_equal(destroy(fd, pd), 0);
	close(fd);
	free(cq);
	free(c2);
}

static void test_post_poll(void **state)
{
	struct uaccel_create_queue q = { .size = sizeof(q), .entries = 8 };
	struct uaccel_reg_mr r = { .size = sizeof(r) };
	struct uaccel_post p = { .size = sizeof(p) };
	struct uaccel_poll_cq pc = { .size = sizeof(pc) };
	struct uaccel_wait_cq w = { .size = sizeof(w), .timeout_ms = 1000 };
	struct uaccel_create_cq c;
	struct uaccel_cqe cqe[2];
	struct uaccel_wr wr[2];
	static uint8_t src[4096], dst[4096];
	uint32_t pd, msrc, mdst;
	int fd = open_dev(), i, got = 0;

	for (i = 0; i < 4096; i++)
		src[i] = (uint8_t)(i ^ 0x3c);
	make_pd_cq(fd, &pd, &c);
	r.pd_id = pd;
	r.addr = (uintptr_t)src;
	r.length = sizeof(src);
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_REG_MR, &r), 0);
	msrc = r.out_mr_id;
	r.flags = UACCEL_MR_ACCESS_WRITE;
	r.addr = (uintptr_t)dst;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_REG_MR, &r), 0);
	mdst = r.out_mr_id;
	q.pd_id = pd;
	q.cq_id = c.out_cq_id;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);

	memset(wr, 0, sizeof(wr));
	wr[0].opcode = UACCEL_WR_COPY;
	wr[0].user_data = 101;
	wr[0].src_mr = msrc;
	wr[0].dst_mr = mdst;
	wr[0].length = 4096;
	wr[1].opcode = UACCEL_WR_CRC32C;
	wr[1].user_data = 102;
	wr[1].src_mr = msrc;
	wr[1].length = 9;
	p.queue_id = q.out_queue_id;
	p.count = 2;
	p.wrs = (uintptr_t)wr;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_POST, &p), 0);
	assert_int_equal(p.out_posted, 2);

	pc.cq_id = c.out_cq_id;
	pc.cqes = (uintptr_t)cqe;
	w.cq_id = c.out_cq_id;
	for (i = 0; got < 2 && i < 10; i++) {
		pc.count = 2 - got;
		pc.cqes = (uintptr_t)(cqe + got);
		assert_int_equal(xioctl(fd, UACCEL_IOCTL_POLL_CQ, &pc), 0);
		got += pc.out_polled;
		if (got < 2) {
			int ret = xioctl(fd, UACCEL_IOCTL_WAIT_CQ, &w);

			assert_true(ret == 0 || ret == -ETIMEDOUT);
		}
	}
	assert_int_equal(got, 2);
	if (cqe[0].user_data != 101) {	/* completions may come in any order */
		struct uaccel_cqe t = cqe[0];

		cqe[0] = cqe[1];
		cqe[1] = t;
	}
	assert_int_equal(cqe[0].user_data, 101);
	assert_int_equal(cqe[0].status, 0);
	assert_int_equal(cqe[0].queue_id, q.out_queue_id);
	assert_memory_equal(dst, src, sizeof(src));
	assert_int_equal(cqe[1].user_data, 102);
	assert_int_equal(cqe[1].status, 0);
	{
		/* CRC-32C of the first 9 bytes of src, bitwise. */
		uint32_t crc = 0xffffffff;
		int b, k;

		for (k = 0; k < 9; k++) {
			crc ^= src[k];
			for (b = 0; b < 8; b++)
				crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
		}
		assert_int_equal(cqe[1].result, crc ^ 0xffffffff);
	}

	/* A short POST: below the mandatory part. */
	p.size = 8;
	assert_int_equal(xioctl(fd, UACCEL_IOCTL_POST, &p), -EINVAL);

	assert_int_equal(destroy(fd, q.out_queue_id), 0);
	assert_int_equal(destroy(fd, c.out_cq_id), 0);
	assert_int_equal(destroy(fd, msrc), 0);
	assert_int_equal(destroy(fd, mdst), 0);
	assert_int_equal(destroy(fd, pd), 0);
	close(fd);
}

static int get_facet(int fd, const char *name, uint32_t lo, uint32_t hi, uint32_t *version)
{
	struct uaccel_get_driver_ops_fd g = {
		.size = sizeof(g), .flags = UACCEL_FACET_FD_CLOEXEC,
		.min_version = lo, .max_version = hi,
	};
	int ret;

	snprintf((char *)g.name, sizeof(g.name), "%s", name);
	ret = xioctl(fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g);
	if (ret)
		return ret;
	if (version)
		*version = g.out_version;
	return g.out_fd;
}

static void test_facets(void **state)
{
	struct uaccel_factorial_compute *fc = big_buf();
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc) };
	int fd = open_dev(), f;
	uint32_t v = 0;

	assert_int_equal(get_facet(fd, "nosuch.compat.uaccel", 1, 1, NULL), -ENOENT);
	assert_int_equal(get_facet(fd, UACCEL_FACTORIAL_FACET, 2, 9, NULL), -EPROTONOSUPPORT);

	f = get_facet(fd, UACCEL_FACTORIAL_FACET, 1, UACCEL_FACTORIAL_VERSION, &v);
	assert_true(f >= 0);
	assert_int_equal(v, 1);
	fc->size = sizeof(*fc);
	fc->value = 6;
	assert_int_equal(xioctl(f, UACCEL_FACTORIAL_IOCTL_COMPUTE, fc), 0);
	assert_int_equal(fc->out_result, 720);
	/* The facet commands follow the same size rules. */
	fc->size = FAR + 8;
	fc->value = 7;
	fc->out_result = 0;
	assert_int_equal(xioctl(f, UACCEL_FACTORIAL_IOCTL_COMPUTE, fc), 0);
	assert_int_equal(fc->out_result, 5040);
	((uint8_t *)fc)[FAR + 4] = 9;
	fc->out_result = 0;
	assert_int_equal(xioctl(f, UACCEL_FACTORIAL_IOCTL_COMPUTE, fc), -E2BIG);
	assert_int_equal(fc->out_result, 0);
	close(f);

	/* Version 1 of the DMA facet has no CRC32C command (version 2). */
	f = get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 1, &v);
	assert_true(f >= 0);
	assert_int_equal(v, 1);
	assert_int_equal(xioctl(f, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc), -ENOTTY);
	close(f);
	close(fd);
	free(fc);
}

static void test_unknown_commands(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = open_dev();

	assert_int_equal(xioctl(fd, _IO(UACCEL_IOCTL_TYPE, 0xff), &q), -ENOTTY);
	/* Requests carry no size or direction: encoded ones are unknown. */
	assert_int_equal(xioctl(fd, _IOWR(UACCEL_IOCTL_TYPE, UACCEL_CMD_QUERY_DEVICE,
					  struct uaccel_query_device), &q), -ENOTTY);
	assert_int_equal(xioctl(fd, _IO('x', UACCEL_CMD_QUERY_DEVICE), &q), -ENOTTY);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_device_sizes),
		cmocka_unit_test(test_short_struct_zero_extended),
		cmocka_unit_test(test_post_poll),
		cmocka_unit_test(test_facets),
		cmocka_unit_test(test_unknown_commands),
	};

	dev_name = getenv("COMPAT_DEVICE");
	if (!dev_name || !*dev_name)
		dev_name = "soft0";
	return cmocka_run_group_tests_name("uapi-v1", tests, NULL, NULL);
}
