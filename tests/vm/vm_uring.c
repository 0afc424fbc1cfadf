// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * io_uring passthrough (IORING_OP_URING_CMD): the command area's rules,
 * results equal to the ioctl's, batches, commands that wait running
 * without blocking the submitter, cancellation, ring teardown and device
 * removal with commands pending.  The same checks as the ioctl for every
 * other command come from running the other test programs with
 * VM_IOCTL_PATH=uring (tests/vm/suite.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uaccel/cipher.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV "uringtest0"
#define GONE "uringgone0"
#define BATCH 32

static struct vm_stats base;

static void ring_init(struct io_uring *ring, unsigned int flags)
{
	assert_int_equal(io_uring_queue_init(64, ring, flags), 0);
}

/* The completion of the request tagged @tag; others are dropped. */
static int reap(struct io_uring *ring, uint64_t tag)
{
	struct io_uring_cqe *cqe;
	int res;

	for (;;) {
		assert_int_equal(io_uring_wait_cqe(ring, &cqe), 0);
		if (cqe->user_data == tag)
			break;
		io_uring_cqe_seen(ring, cqe);
	}
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* QUERY_DEVICE through both entries gives the same reply. */
static void test_same_reply_as_ioctl(void **state)
{
	struct uaccel_query_device a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	int fd = vm_open_device(DEV);
	struct io_uring ring;

	ring_init(&ring, 0);
	assert_int_equal(ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &a), 0);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* A short structure and unknown flags: the ioctl's errors. */
	b.size = 4;
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &b), -EINVAL);
	b.size = sizeof(b);
	b.flags = 1;
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &b), -EOPNOTSUPP);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, (void *)8), -EFAULT);
	/* Unknown numbers, another type, a facet number on the context. */
	assert_int_equal(vm_uring_cmd(&ring, fd, _IO(UACCEL_IOCTL_TYPE, 0xfe), &b), -ENOTTY);
	assert_int_equal(vm_uring_cmd(&ring, fd, _IO('x', UACCEL_CMD_QUERY_DEVICE), &b), -ENOTTY);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_SOFT_IOCTL_DMA_NOP, &b), -ENOTTY);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* Submit the SQE prepared last, tagged @tag, and return its res. */
static int submit_one(struct io_uring *ring, struct io_uring_sqe *sqe, uint64_t tag)
{
	sqe->user_data = tag;
	assert_int_equal(io_uring_submit(ring), 1);
	return reap(ring, tag);
}

/* The command area of @sqe, and the 64 bytes after it. */
static struct uaccel_uring_cmd *area_of(struct io_uring_sqe *sqe)
{
	return (struct uaccel_uring_cmd *)sqe->cmd;
}

static void settle_stats(void);

/*
 * Inline commands (UACCEL_URING_CMD_INLINE): the structure in a 128-byte
 * SQE, the reply to the area's address; a command with a reply and no
 * address fails with -EFAULT and leaves nothing; the size rules of the
 * ioctl; no inline command on a ring of 64-byte SQEs.
 */
static void test_inline_commands(void **state)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) }, reply = { 0 };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct uaccel_destroy d = { .size = sizeof(d) };
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV), facet, i;
	uint32_t ids[16];
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct vm_stats st0, st;
	unsigned char *tail;

	vm_read_stats(&st0);
	ring_init(&ring, IORING_SETUP_SQE128);
	/* With a reply: the PD's id arrives at the address. */
	reply.size = sizeof(reply);
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	assert_int_equal(submit_one(&ring, sqe, 1), 0);
	assert_int_not_equal(reply.out_pd_id, 0);
	vm_read_stats(&st);
	assert_int_equal(st.pd, st0.pd + 1);
	/* Without an address for the reply: -EFAULT, no PD left behind. */
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, NULL), 0);
	assert_int_equal(submit_one(&ring, sqe, 2), -EFAULT);
	vm_read_stats(&st);
	assert_int_equal(st.pd, st0.pd + 1);
	/*
	 * Commands without a reply need no memory past the submission: 16
	 * DESTROYs prepared from one structure, rewritten in between.
	 */
	ids[0] = reply.out_pd_id;
	for (i = 1; i < 16; i++)
		assert_int_equal(vm_alloc_pd(fd, &ids[i]), 0);
	for (i = 0; i < 16; i++) {
		d.id = ids[i];
		sqe = io_uring_get_sqe(&ring);
		assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_DESTROY, &d, NULL), 0);
		sqe->user_data = 100 + i;
	}
	d.id = 0;
	assert_int_equal(io_uring_submit_and_wait(&ring, 16), 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(reap(&ring, 100 + i), 0);
	vm_read_stats(&st);
	assert_int_equal(st.pd, st0.pd);
	/* A facet command without output fields. */
	facet = vm_open_facet(fd, UACCEL_SOFT_DMA_FACET);
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, facet, UACCEL_SOFT_IOCTL_DMA_NOP, &nop, NULL), 0);
	assert_int_equal(submit_one(&ring, sqe, 3), 0);

	/*
	 * The cipher facet: a key never travels inline (-EINVAL); a SUBMIT
	 * without a reply address does nothing (-EFAULT).
	 */
	{
		struct uaccel_cipher_session_create sc = {
			.size = sizeof(sc), .alg = UACCEL_CIPHER_AES_CBC, .key_len = 16,
		};
		struct uaccel_cipher_submit sub = { .size = sizeof(sub), .count = 1 };
		int cf = vm_open_facet(fd, UACCEL_CIPHER_FACET);

		sqe = io_uring_get_sqe(&ring);
		assert_int_equal(accel_prep_cmd_inline(sqe, cf, UACCEL_CIPHER_IOCTL_SESSION_CREATE,
						       &sc, &sc), 0);
		assert_int_equal(submit_one(&ring, sqe, 20), -EINVAL);
		sqe = io_uring_get_sqe(&ring);
		assert_int_equal(accel_prep_cmd_inline(sqe, cf, UACCEL_CIPHER_IOCTL_SUBMIT,
						       &sub, NULL), 0);
		assert_int_equal(submit_one(&ring, sqe, 21), -EFAULT);
		close(cf);
	}

	/* The ioctl's size rules on the inline structure. */
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	tail = (unsigned char *)(area_of(sqe) + 1);
	tail[0] = 4;			/* size 4: below the minimum */
	assert_int_equal(submit_one(&ring, sqe, 4), -EINVAL);
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	tail = (unsigned char *)(area_of(sqe) + 1);
	tail[0] = 24;			/* larger, a non-zero byte past the structure */
	tail[20] = 1;
	assert_int_equal(submit_one(&ring, sqe, 5), -E2BIG);
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	tail = (unsigned char *)(area_of(sqe) + 1);
	tail[0] = 65;			/* more than the SQE carries */
	assert_int_equal(submit_one(&ring, sqe, 6), -EINVAL);
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	tail = (unsigned char *)(area_of(sqe) + 1);
	tail[4] = 1;			/* an unknown flag of ALLOC_PD */
	assert_int_equal(submit_one(&ring, sqe, 7), -EOPNOTSUPP);
	/* Flags of the area: unknown bits, and the reserved word. */
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	area_of(sqe)->flags |= 1U << 1;
	assert_int_equal(submit_one(&ring, sqe, 8), -EINVAL);
	sqe = io_uring_get_sqe(&ring);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &pd, &reply), 0);
	area_of(sqe)->__reserved = 1;
	assert_int_equal(submit_one(&ring, sqe, 9), -EINVAL);
	/* The helper refuses what does not fit, and leaves the SQE. */
	sqe = io_uring_get_sqe(&ring);
	memset(sqe, 0xa5, 128);
	assert_int_equal(accel_prep_cmd_inline(sqe, fd, UACCEL_IOCTL_QUERY_DEVICE, &q, &q), -EINVAL);
	assert_int_equal(((unsigned char *)sqe)[127], 0xa5);
	io_uring_prep_nop(sqe);
	memset(sqe->cmd, 0, 80);
	assert_int_equal(submit_one(&ring, sqe, 10), 0);
	io_uring_queue_exit(&ring);

	/* A ring of 64-byte SQEs has no room for a structure: -EINVAL. */
	ring_init(&ring, 0);
	sqe = io_uring_get_sqe(&ring);
	accel_prep_cmd(sqe, fd, UACCEL_IOCTL_ALLOC_PD, &reply);
	area_of(sqe)->flags = UACCEL_URING_CMD_INLINE;
	assert_int_equal(submit_one(&ring, sqe, 11), -EINVAL);
	io_uring_queue_exit(&ring);
	close(facet);
	close(fd);
	settle_stats();
}

/* The command area: reserved fields, and the rest of a 128-byte SQE. */
static void test_command_area_rules(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV);
	struct io_uring_sqe *sqe;
	struct io_uring ring;

	ring_init(&ring, 0);
	sqe = io_uring_get_sqe(&ring);
	vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_QUERY_DEVICE, &q);
	((struct uaccel_uring_cmd *)sqe->cmd)->__reserved = 1;
	sqe->user_data = 1;
	assert_int_equal(io_uring_submit(&ring), 1);
	assert_int_equal(reap(&ring, 1), -EINVAL);
	/* A registered buffer: no command takes one. */
	{
		static char b[4096];
		struct iovec iov = { .iov_base = b, .iov_len = sizeof(b) };

		assert_int_equal(io_uring_register_buffers(&ring, &iov, 1), 0);
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_QUERY_DEVICE, &q);
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = 0;
		sqe->user_data = 3;
		assert_int_equal(io_uring_submit(&ring), 1);
		assert_int_equal(reap(&ring, 3), -EINVAL);
	}
	io_uring_queue_exit(&ring);

	ring_init(&ring, IORING_SETUP_SQE128);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	sqe = io_uring_get_sqe(&ring);
	vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_QUERY_DEVICE, &q);
	{
		/* The area of a 128-byte SQE: 80 bytes from sqe->cmd. */
		uint8_t *area = (uint8_t *)sqe + offsetof(struct io_uring_sqe, cmd);

		/* liburing declares cmd as a zero-length array. */
		__asm__("" : "+r"(area));

		memset(area + sizeof(struct uaccel_uring_cmd), 0, 64);
		area[79] = 1;
	}
	sqe->user_data = 2;
	assert_int_equal(io_uring_submit(&ring), 1);
	assert_int_equal(reap(&ring, 2), -EINVAL);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * A batch of 32 MR registrations in one submission, then their DESTROYs
 * in another: every one succeeds with its own id, and nothing is left.
 */
static void test_batched_registrations(void **state)
{
	static char buf[BATCH][4096] __attribute__((aligned(4096)));
	struct uaccel_reg_mr mr[BATCH];
	struct uaccel_destroy d[BATCH];
	int fd = vm_open_device(DEV);
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint32_t pd;
	int i;

	ring_init(&ring, 0);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	for (i = 0; i < BATCH; i++) {
		sqe = io_uring_get_sqe(&ring);
		accel_prep_reg_mr(sqe, fd, &mr[i], pd, buf[i], 4096, 0);
		sqe->user_data = i;
	}
	assert_int_equal(io_uring_submit_and_wait(&ring, BATCH), BATCH);
	for (i = 0; i < BATCH; i++)
		assert_int_equal(reap(&ring, i), 0);
	for (i = 0; i < BATCH; i++) {
		assert_true(mr[i].out_mr_id != 0);
		if (i)
			assert_true(mr[i].out_mr_id != mr[i - 1].out_mr_id);
		sqe = io_uring_get_sqe(&ring);
		accel_prep_destroy(sqe, fd, &d[i], mr[i].out_mr_id);
		sqe->user_data = i;
	}
	assert_int_equal(io_uring_submit_and_wait(&ring, BATCH), BATCH);
	for (i = 0; i < BATCH; i++)
		assert_int_equal(reap(&ring, i), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * Device memory through io_uring: EXPORT_DM gives a dma-buf fd, and a batch
 * of REG_DMABUF_MR (accel_prep_reg_dmabuf_mr()) registers a range of it per
 * SQE in one submission, each with its own id and over its own bytes.
 */
static void test_batched_dmabuf_registrations(void **state)
{
	struct uaccel_query_device qd = { .size = sizeof(qd) };
	struct uaccel_alloc_dm a = { .size = sizeof(a), .length = BATCH * 4096 };
	struct uaccel_export_dm e = { .size = sizeof(e), .flags = UACCEL_DMABUF_CLOEXEC };
	struct uaccel_soft_dma_copy cp = { .size = sizeof(cp), .length = 4096 };
	struct uaccel_reg_dmabuf_mr mr[BATCH];
	struct uaccel_destroy d[BATCH];
	int fd = vm_open_device(DEV), ffd;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	unsigned char *p;
	uint32_t pd;
	int i;

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &qd), 0);
	if (!(qd.dev_caps & UACCEL_DEV_CAP_DM)) {
		close(fd);
		skip();
	}
	ring_init(&ring, 0);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_ALLOC_DM, &a), 0);
	e.dm_id = a.out_dm_id;
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_EXPORT_DM, &e), 0);
	assert_true(e.out_fd > 2);
	assert_int_equal(fcntl(e.out_fd, F_GETFD), FD_CLOEXEC);
	p = mmap(NULL, BATCH * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, e.out_fd, 0);
	assert_true(p != MAP_FAILED);
	for (i = 0; i < BATCH; i++)
		memset(p + i * 4096, i + 1, 4096);
	for (i = 0; i < BATCH; i++) {
		sqe = io_uring_get_sqe(&ring);
		accel_prep_reg_dmabuf_mr(sqe, fd, &mr[i], pd, (uint64_t)i * 4096, 4096, e.out_fd,
					 UACCEL_MR_ACCESS_WRITE);
		sqe->user_data = i;
	}
	assert_int_equal(io_uring_submit_and_wait(&ring, BATCH), BATCH);
	for (i = 0; i < BATCH; i++)
		assert_int_equal(reap(&ring, i), 0);
	for (i = 1; i < BATCH; i++)
		assert_true(mr[i].out_mr_id != 0 && mr[i].out_mr_id != mr[i - 1].out_mr_id);
	/* Each region is its own page of the buffer: copy the last onto the first. */
	ffd = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(ffd >= 0);
	cp.src_mr = mr[BATCH - 1].out_mr_id;
	cp.dst_mr = mr[0].out_mr_id;
	assert_int_equal(vm_ioctl(ffd, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 0);
	for (i = 0; i < 4096; i++)
		assert_int_equal(p[i], BATCH);
	assert_int_equal(p[4096], 2);
	close(ffd);
	for (i = 0; i < BATCH; i++) {
		sqe = io_uring_get_sqe(&ring);
		accel_prep_destroy(sqe, fd, &d[i], mr[i].out_mr_id);
		sqe->user_data = i;
	}
	assert_int_equal(io_uring_submit_and_wait(&ring, BATCH), BATCH);
	for (i = 0; i < BATCH; i++)
		assert_int_equal(reap(&ring, i), 0);
	assert_int_equal(munmap(p, BATCH * 4096), 0);
	close(e.out_fd);
	assert_int_equal(vm_destroy(fd, a.out_dm_id), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* GET_DRIVER_OPS_FD through io_uring gives a working facet fd. */
static void test_facet_fd_and_commands(void **state)
{
	struct uaccel_get_driver_ops_fd g = { .size = sizeof(g), .min_version = 1,
					      .max_version = 1 };
	struct uaccel_soft_dma_crc32c crc = { .size = sizeof(crc) };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	int fd = vm_open_device(DEV);
	struct io_uring ring;

	ring_init(&ring, 0);
	strcpy((char *)g.name, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g), 0);
	assert_int_equal(g.out_version, 1);
	assert_int_equal(vm_uring_cmd(&ring, g.out_fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	/* CRC32C is a version 2 command: not there for a version 1 fd. */
	assert_int_equal(vm_uring_cmd(&ring, g.out_fd, UACCEL_SOFT_IOCTL_DMA_CRC32C, &crc),
			 -ENOTTY);
	/* A core command on a facet fd is not one of its commands. */
	assert_int_equal(vm_uring_cmd(&ring, g.out_fd, UACCEL_IOCTL_ALLOC_PD, &nop), -ENOTTY);
	close(g.out_fd);
	io_uring_queue_exit(&ring);
	close(fd);
}

struct waiter {
	int fd;
	uint32_t pd, cq, q, src, dst;
	struct uaccel_create_cq cqo;
	struct uaccel_create_queue qo;
	struct uaccel_wait_cq wait;
};

static void waiter_setup(struct waiter *w, int fd)
{
	static char src[4096] __attribute__((aligned(4096)));
	static char dst[4096] __attribute__((aligned(4096)));

	w->fd = fd;
	assert_int_equal(vm_alloc_pd(fd, &w->pd), 0);
	assert_int_equal(vm_reg_mr(fd, w->pd, src, sizeof(src), 0, &w->src), 0);
	assert_int_equal(vm_reg_mr(fd, w->pd, dst, sizeof(dst), UACCEL_MR_ACCESS_WRITE,
				   &w->dst), 0);
	assert_int_equal(vm_create_cq(fd, 16, &w->cqo), 0);
	w->cq = w->cqo.out_cq_id;
	assert_int_equal(vm_create_queue(fd, w->pd, w->cq, 16, &w->qo), 0);
	w->q = w->qo.out_queue_id;
	/* No time limit: only a completion, a signal or removal ends it. */
	w->wait = (struct uaccel_wait_cq){ .size = sizeof(w->wait), .cq_id = w->cq };
}

static void submit_wait(struct io_uring *ring, struct waiter *w, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	vm_prep_uring_cmd(sqe, w->fd, UACCEL_IOCTL_WAIT_CQ, &w->wait);
	sqe->user_data = tag;
	/* On an SQPOLL ring, earlier entries the SQ thread did not take yet count too. */
	assert_true(io_uring_submit(ring) >= 1);
}

static void post_copy(struct waiter *w)
{
	struct uaccel_wr wr = { .opcode = UACCEL_WR_COPY, .user_data = 77,
				.src_mr = w->src, .dst_mr = w->dst, .length = 64 };
	struct uaccel_post p = { .size = sizeof(p), .queue_id = w->q, .count = 1,
				 .wrs = (uintptr_t)&wr };

	assert_int_equal(ioctl(w->fd, UACCEL_IOCTL_POST, &p), 0);
	assert_int_equal(p.out_posted, 1);
}

/*
 * WAIT_CQ without a time limit does not block the submitter: the
 * submission returns, the completion comes when work completes on the CQ.
 */
static void test_wait_does_not_block_submitter(void **state)
{
	struct io_uring_cqe *cqe;
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	submit_wait(&ring, &w, 5);
	/* Nothing has completed on the CQ: no completion yet. */
	usleep(100000);
	assert_int_equal(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
	post_copy(&w);
	assert_int_equal(reap(&ring, 5), 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* A pending WAIT_CQ cancelled through io_uring ends, and the CQ still works. */
static void test_cancel_pending_wait(void **state)
{
	struct io_uring_sqe *sqe;
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;
	int res;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	submit_wait(&ring, &w, 6);
	usleep(100000);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 6, 0);
	sqe->user_data = 7;
	assert_int_equal(io_uring_submit(&ring), 1);
	res = reap(&ring, 6);
	assert_true(res == -EINTR || res == -ECANCELED);
	/* The same wait, again: a completion ends it. */
	submit_wait(&ring, &w, 8);
	post_copy(&w);
	assert_int_equal(reap(&ring, 8), 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* Exiting a ring with waits pending ends them; nothing is left behind. */
static void test_ring_exit_with_pending_waits(void **state)
{
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	for (int i = 0; i < 4; i++)
		submit_wait(&ring, &w, 10 + i);
	usleep(100000);
	io_uring_queue_exit(&ring);
	/* The context is intact: a blocking wait sees the next completion. */
	post_copy(&w);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_WAIT_CQ, &w.wait), 0);
	close(fd);
}

/* Removal of the device ends pending waits with -ENODEV. */
static void test_removal_ends_pending_waits(void **state)
{
	struct io_uring ring;
	struct waiter w;
	int fd;

	vm_soft_fresh(GONE);
	fd = vm_open_device(GONE);
	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	for (int i = 0; i < 4; i++)
		submit_wait(&ring, &w, 20 + i);
	usleep(100000);
	vm_soft_del(GONE);
	/* In whatever order the workers end their waits. */
	for (int i = 0; i < 4; i++) {
		struct io_uring_cqe *cqe;

		assert_int_equal(io_uring_wait_cqe(&ring, &cqe), 0);
		assert_true(cqe->user_data >= 20 && cqe->user_data < 24);
		assert_int_equal(cqe->res, -ENODEV);
		io_uring_cqe_seen(&ring, cqe);
	}
	/* Every command after removal: -ENODEV, through either entry. */
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_WAIT_CQ, &w.wait), -ENODEV);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* A facet COPY (a command that waits) runs from io_uring's workers. */
static void test_facet_copy_through_uring(void **state)
{
	static char src[65536], dst[65536];
	struct uaccel_soft_dma_copy cp = { .size = sizeof(cp), .length = sizeof(src) };
	int fd = vm_open_device(DEV), f;
	struct io_uring ring;
	uint32_t pd;

	for (unsigned int i = 0; i < sizeof(src); i++)
		src[i] = i * 7 + 3;
	ring_init(&ring, 0);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_reg_mr(fd, pd, src, sizeof(src), 0, &cp.src_mr), 0);
	assert_int_equal(vm_reg_mr(fd, pd, dst, sizeof(dst), UACCEL_MR_ACCESS_WRITE,
				   &cp.dst_mr), 0);
	f = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(f >= 0);
	assert_int_equal(vm_uring_cmd(&ring, f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), 0);
	assert_memory_equal(src, dst, sizeof(src));
	/* Out of bounds: the ioctl's error. */
	cp.length = sizeof(src) + 1;
	assert_int_equal(vm_uring_cmd(&ring, f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -EINVAL);
	assert_int_equal(ioctl(f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp), -1);
	assert_int_equal(errno, EINVAL);
	close(f);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* One command with SQE flags @sqe_flags (IOSQE_*), its completion's res. */
static int cmd_flags(struct io_uring *ring, int fd, unsigned long req, void *arg,
		     unsigned int sqe_flags)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	vm_prep_uring_cmd(sqe, fd, req, arg);
	sqe->flags |= sqe_flags;
	sqe->user_data = 0x5151;
	assert_true(io_uring_submit(ring) >= 1);
	return reap(ring, 0x5151);
}

/* The counters back to the group's, within 10 s (ring teardown is async). */
static void settle_stats(void)
{
	struct vm_stats now;

	for (int i = 0; i < 100; i++) {
		vm_read_stats(&now);
		if (!memcmp(&now, &base, sizeof(now)))
			return;
		usleep(100000);
	}
	vm_assert_stats_equal(&base);
}

/* The lowest free fd number, to see that none was left allocated. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/*
 * Every kind of command from io_uring's workers (IOSQE_ASYNC): objects
 * made there belong to the context, a facet fd lands in the caller's file
 * table, the reply is written back.
 */
static void run_object_cycle(struct io_uring *ring, int fd, unsigned int sqe_flags)
{
	static char buf[4096] __attribute__((aligned(4096)));
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_reg_mr mr;
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 16 };
	struct uaccel_get_driver_ops_fd g = { .size = sizeof(g), .min_version = 1,
					      .max_version = 2 };
	struct uaccel_soft_dma_nop nop = { .size = sizeof(nop) };
	struct uaccel_poll_cq pc;
	struct uaccel_destroy d;
	struct uaccel_wr wr = { .opcode = UACCEL_WR_COPY, .user_data = 9, .length = 64 };
	struct uaccel_post p = { .size = sizeof(p), .count = 1, .wrs = (uintptr_t)&wr };
	struct uaccel_cqe cqes[4];
	struct uaccel_create_queue cq_q;
	uint32_t mr_id;
	int i;

	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &q, sqe_flags), 0);
	assert_string_equal((char *)q.driver, "soft");
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_ALLOC_PD, &pd, sqe_flags), 0);
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		accel_prep_reg_mr(sqe, fd, &mr, pd.out_pd_id, buf, sizeof(buf),
				  UACCEL_MR_ACCESS_WRITE);
		sqe->flags |= sqe_flags;
		sqe->user_data = 0x6161;
		assert_true(io_uring_submit(ring) >= 1);
		assert_int_equal(reap(ring, 0x6161), 0);
	}
	mr_id = mr.out_mr_id;
	assert_true(mr_id != 0);
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_CREATE_CQ, &cq, sqe_flags), 0);
	assert_int_equal(vm_create_queue(fd, pd.out_pd_id, cq.out_cq_id, 16, &cq_q), 0);
	wr.src_mr = mr_id;
	wr.dst_mr = mr_id;
	p.queue_id = cq_q.out_queue_id;
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_POST, &p, sqe_flags), 0);
	assert_int_equal(p.out_posted, 1);
	for (i = 0; i < 1000; i++) {
		pc = (struct uaccel_poll_cq){ .size = sizeof(pc), .cq_id = cq.out_cq_id,
					      .count = 4, .cqes = (uintptr_t)cqes };
		assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_POLL_CQ, &pc, sqe_flags), 0);
		if (pc.out_polled)
			break;
		usleep(1000);
	}
	assert_int_equal(pc.out_polled, 1);
	assert_int_equal(cqes[0].user_data, 9);
	strcpy((char *)g.name, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &g, sqe_flags), 0);
	assert_true((int)g.out_fd >= 0);
	/* The fd is in this process's table. */
	assert_int_equal(ioctl(g.out_fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop), 0);
	assert_int_equal(cmd_flags(ring, g.out_fd, UACCEL_SOFT_IOCTL_DMA_NOP, &nop, sqe_flags), 0);
	close(g.out_fd);
	d = (struct uaccel_destroy){ .size = sizeof(d), .id = cq_q.out_queue_id };
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_DESTROY, &d, sqe_flags), 0);
	d = (struct uaccel_destroy){ .size = sizeof(d), .id = cq.out_cq_id };
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_DESTROY, &d, sqe_flags), 0);
	d = (struct uaccel_destroy){ .size = sizeof(d), .id = mr_id };
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_DESTROY, &d, sqe_flags), 0);
	d = (struct uaccel_destroy){ .size = sizeof(d), .id = pd.out_pd_id };
	assert_int_equal(cmd_flags(ring, fd, UACCEL_IOCTL_DESTROY, &d, sqe_flags), 0);
}

static void test_forced_async_commands(void **state)
{
	int fd = vm_open_device(DEV);
	struct io_uring ring;

	ring_init(&ring, 0);
	run_object_cycle(&ring, fd, IOSQE_ASYNC);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/* An SQPOLL ring: commands issued by io_uring's SQ thread. */
static void test_sqpoll_ring(void **state)
{
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;

	ring_init(&ring, IORING_SETUP_SQPOLL);
	run_object_cycle(&ring, fd, 0);
	run_object_cycle(&ring, fd, IOSQE_ASYNC);
	waiter_setup(&w, fd);
	submit_wait(&ring, &w, 40);
	usleep(100000);
	post_copy(&w);
	assert_int_equal(reap(&ring, 40), 0);
	/* Pending waits at ring exit. */
	submit_wait(&ring, &w, 41);
	submit_wait(&ring, &w, 42);
	usleep(100000);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/* Registered files: the ring holds the context after its fd is closed. */
static void test_fixed_files(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV);
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct waiter w;

	ring_init(&ring, 0);
	assert_int_equal(io_uring_register_files(&ring, &fd, 1), 0);
	assert_int_equal(cmd_flags(&ring, 0, UACCEL_IOCTL_QUERY_DEVICE, &q, IOSQE_FIXED_FILE), 0);
	waiter_setup(&w, fd);
	for (int i = 0; i < 3; i++) {
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, 0, UACCEL_IOCTL_WAIT_CQ, &w.wait);
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = 50 + i;
		assert_int_equal(io_uring_submit(&ring), 1);
	}
	usleep(100000);
	/* The context fd goes; the waits still pending hold the context. */
	close(fd);
	assert_int_equal(cmd_flags(&ring, 0, UACCEL_IOCTL_QUERY_DEVICE, &q, IOSQE_FIXED_FILE), 0);
	io_uring_queue_exit(&ring);
	settle_stats();
}

/* Closing the context fd while commands wait in io-wq, then ring exit. */
static void test_close_fd_with_pending_waits(void **state)
{
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	for (int i = 0; i < 4; i++)
		submit_wait(&ring, &w, 60 + i);
	usleep(100000);
	close(fd);
	usleep(100000);
	io_uring_queue_exit(&ring);
	settle_stats();
}

/* IOPOLL rings: the device has no polled completion. */
static void test_iopoll_ring(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV);
	struct io_uring ring;

	ring_init(&ring, IORING_SETUP_IOPOLL);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -EOPNOTSUPP);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* CQE32 (and SQE128): res as the ioctl's, the extra words zero. */
static void test_big_cqe_ring(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV);
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct waiter w;

	ring_init(&ring, IORING_SETUP_CQE32 | IORING_SETUP_SQE128);
	assert_int_equal(vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	waiter_setup(&w, fd);
	submit_wait(&ring, &w, 70);
	usleep(50000);
	post_copy(&w);
	assert_int_equal(io_uring_wait_cqe(&ring, &cqe), 0);
	assert_int_equal(cqe->user_data, 70);
	assert_int_equal(cqe->res, 0);
	assert_int_equal(cqe->big_cqe[0], 0);
	assert_int_equal(cqe->big_cqe[1], 0);
	io_uring_cqe_seen(&ring, cqe);
	assert_int_equal(cmd_flags(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &q, IOSQE_ASYNC), 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * The command structure gone or read-only by the time a worker runs the
 * command: -EFAULT, and nothing it would have made is left.
 */
static void test_struct_gone_before_worker(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = vm_open_device(DEV);
	struct uaccel_get_driver_ops_fd *g;
	struct io_uring ring;
	struct waiter w;
	int lowest;
	void *m;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	memcpy(m, &w.wait, sizeof(w.wait));
	assert_int_equal(munmap(m, pg), 0);
	assert_int_equal(cmd_flags(&ring, fd, UACCEL_IOCTL_WAIT_CQ, m, 0), -EFAULT);
	assert_int_equal(cmd_flags(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, m, IOSQE_ASYNC), -EFAULT);
	/* Read-only: the reply cannot be written; the new fd is not installed. */
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	g = m;
	*g = (struct uaccel_get_driver_ops_fd){ .size = sizeof(*g), .min_version = 1,
					       .max_version = 1 };
	strcpy((char *)g->name, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(mprotect(m, pg, PROT_READ), 0);
	lowest = lowest_free_fd();
	assert_int_equal(cmd_flags(&ring, fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, g, IOSQE_ASYNC),
			 -EFAULT);
	assert_int_equal(cmd_flags(&ring, fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, g, 0), -EFAULT);
	assert_int_equal(lowest_free_fd(), lowest);
	munmap(m, pg);
	/* A wait whose structure is unmapped while it is pending. */
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	memcpy(m, &w.wait, sizeof(w.wait));
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_WAIT_CQ, m);
		sqe->user_data = 80;
		assert_int_equal(io_uring_submit(&ring), 1);
	}
	usleep(100000);
	assert_int_equal(munmap(m, pg), 0);
	post_copy(&w);
	{
		int res = reap(&ring, 80);

		/* Completed (0) with the reply lost (-EFAULT). */
		assert_true(res == -EFAULT || res == 0);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/* A linked timeout on a wait ends it; the CQ still works. */
static void test_linked_timeout_on_wait(void **state)
{
	struct __kernel_timespec ts = { .tv_nsec = 50000000 };
	int fd = vm_open_device(DEV);
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct waiter w;
	int res;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	sqe = io_uring_get_sqe(&ring);
	vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_WAIT_CQ, &w.wait);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 90;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_link_timeout(sqe, &ts, 0);
	sqe->user_data = 91;
	assert_int_equal(io_uring_submit(&ring), 2);
	res = reap(&ring, 90);
	assert_true(res == -EINTR || res == -ECANCELED);
	/* Linked: a failing command cancels the next. */
	{
		struct uaccel_query_device q = { .size = 4 };

		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_QUERY_DEVICE, &q);
		sqe->flags |= IOSQE_IO_LINK;
		sqe->user_data = 92;
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_WAIT_CQ, &w.wait);
		sqe->user_data = 93;
		assert_int_equal(io_uring_submit(&ring), 2);
		assert_int_equal(reap(&ring, 92), -EINVAL);
		assert_int_equal(reap(&ring, 93), -ECANCELED);
	}
	submit_wait(&ring, &w, 94);
	post_copy(&w);
	assert_int_equal(reap(&ring, 94), 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* A child uses its parent's ring, then exits with commands pending. */
static void test_ring_after_fork(void **state)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	int fd = vm_open_device(DEV);
	struct io_uring ring;
	struct waiter w;
	pid_t pid;
	int status;

	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	submit_wait(&ring, &w, 100);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		static char buf[4096] __attribute__((aligned(4096)));
		struct uaccel_reg_mr mr;
		struct io_uring_sqe *sqe;

		if (vm_uring_cmd(&ring, fd, UACCEL_IOCTL_QUERY_DEVICE, &q))
			_exit(1);
		sqe = io_uring_get_sqe(&ring);
		accel_prep_reg_mr(sqe, fd, &mr, w.pd, buf, sizeof(buf), 0);
		sqe->user_data = 101;
		io_uring_submit(&ring);
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, fd, UACCEL_IOCTL_WAIT_CQ, &w.wait);
		sqe->user_data = 102;
		sqe->flags |= IOSQE_ASYNC;
		io_uring_submit(&ring);
		usleep(100000);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	post_copy(&w);
	usleep(100000);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/* Removal with many waits and copies pending from io-wq. */
static void test_removal_with_waits_and_copies(void **state)
{
	static char src[1 << 20], dst[1 << 20];
	struct uaccel_soft_dma_copy cp[16];
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct waiter w;
	uint32_t s, d;
	int fd, f, i, n0 = 0, nodev = 0;

	vm_soft_fresh(GONE);
	fd = vm_open_device(GONE);
	ring_init(&ring, 0);
	waiter_setup(&w, fd);
	assert_int_equal(vm_reg_mr(fd, w.pd, src, sizeof(src), 0, &s), 0);
	assert_int_equal(vm_reg_mr(fd, w.pd, dst, sizeof(dst), UACCEL_MR_ACCESS_WRITE, &d), 0);
	f = vm_get_facet(fd, UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(f >= 0);
	for (i = 0; i < 8; i++)
		submit_wait(&ring, &w, 200 + i);
	for (i = 0; i < 16; i++) {
		cp[i] = (struct uaccel_soft_dma_copy){ .size = sizeof(cp[i]), .src_mr = s,
						       .dst_mr = d, .length = sizeof(src) };
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp[i]);
		sqe->user_data = 300 + i;
	}
	assert_int_equal(io_uring_submit(&ring), 16);
	vm_soft_del(GONE);
	for (i = 0; i < 24; i++) {
		struct io_uring_cqe *cqe;

		assert_int_equal(io_uring_wait_cqe(&ring, &cqe), 0);
		if (cqe->user_data >= 200 && cqe->user_data < 208) {
			assert_int_equal(cqe->res, -ENODEV);
		} else {
			assert_true(cqe->user_data >= 300 && cqe->user_data < 316);
			assert_true(cqe->res == 0 || cqe->res == -ENODEV);
			if (cqe->res)
				nodev++;
			else
				n0++;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	print_message("copies: %d done, %d -ENODEV\n", n0, nodev);
	assert_int_equal(cmd_flags(&ring, f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp[0], 0), -ENODEV);
	assert_int_equal(cmd_flags(&ring, f, UACCEL_SOFT_IOCTL_DMA_COPY, &cp[0], IOSQE_ASYNC),
			 -ENODEV);
	close(f);
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/*
 * More waits without a time limit pending than io_uring has bounded
 * workers for the task (min(SQ entries, 4 x online CPUs)): a wait whose CQ
 * gets a completion must still end.  Known failure: such a wait runs in an
 * io-wq worker (only waits with a time limit park without one), occupies
 * it for as long as it waits, and the waits queued behind idle ones never
 * start (only when named, as uring-starve).
 */
static void test_waits_beyond_iowq_workers(void **state)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int fd = vm_open_device(DEV), n, i, res = 1;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct waiter *w;

	n = (int)(4 * cpus < 64 ? 4 * cpus : 64) + 1;
	w = calloc(n, sizeof(*w));
	assert_non_null(w);
	ring_init(&ring, 0);
	for (i = 0; i < n; i++) {
		waiter_setup(&w[i], fd);
		submit_wait(&ring, &w[i], 500 + i);
	}
	usleep(200000);
	/* Work completes on the last CQ only. */
	post_copy(&w[n - 1]);
	for (i = 0; i < 50; i++) {
		if (!io_uring_peek_cqe(&ring, &cqe)) {
			assert_int_equal(cqe->user_data, 500 + n - 1);
			res = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			break;
		}
		usleep(100000);
	}
	print_message("# %d waits, %ld CPUs: the last one %s\n", n, cpus,
		      res == 1 ? "never ended" : "ended");
	io_uring_queue_exit(&ring);
	close(fd);
	free(w);
	assert_int_equal(res, 0);
	settle_stats();
}

/*
 * Waits with a time limit park on their CQ without a thread: more of them
 * than io_uring has workers all start, none takes a worker, the one whose
 * CQ gets a completion ends with 0 and the others at their limit with
 * -ETIMEDOUT.  In a child, which has no worker left by earlier tests; it
 * exits with 0 when all of that held.
 */
static int parked_waits_child(struct waiter *w, int n)
{
	struct io_uring ring;
	int i;

	if (io_uring_queue_init(2 * n, &ring, 0))
		return 2;
	for (i = 0; i < n; i++)
		submit_wait(&ring, &w[i], 500 + i);
	usleep(200000);
	if (vm_iowq_workers())
		return 3;
	post_copy(&w[n - 1]);
	for (i = 0; i < n; i++) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&ring, &cqe))
			return 4;
		/* The completed one first, long before the limits. */
		if (!i && (cqe->user_data != (uint64_t)(500 + n - 1) || cqe->res))
			return 5;
		if (i && cqe->res != -ETIMEDOUT)
			return 6;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return 0;
}

static void test_parked_waits_beyond_iowq_workers(void **state)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int fd = vm_open_device(DEV), n, i, status;
	struct waiter *w;
	pid_t pid;

	n = (int)(4 * cpus < 64 ? 4 * cpus : 64) + 1;
	w = calloc(n, sizeof(*w));
	assert_non_null(w);
	for (i = 0; i < n; i++) {
		waiter_setup(&w[i], fd);
		w[i].wait.timeout_ms = 3000;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(parked_waits_child(w, n));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	print_message("# %d parked waits, %ld CPUs: child status %d\n", n, cpus,
		      WEXITSTATUS(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
	free(w);
	settle_stats();
}

/*
 * A submitter that exits with parked waits does not wait for their limit:
 * each ends with -ECANCELED within a few timer checks, and everything they
 * held goes.  Also the ring's last close with waits parked (the parent's
 * copy of the ring, after the child's exit).
 */
static void test_parked_waits_and_exit(void **state)
{
	int fd = vm_open_device(DEV), status, i;
	struct io_uring ring;
	struct timespec t0, t1;
	struct waiter w[4];
	pid_t pid;

	for (i = 0; i < 4; i++) {
		waiter_setup(&w[i], fd);
		w[i].wait.timeout_ms = 50000;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (io_uring_queue_init(8, &ring, 0))
			_exit(2);
		for (i = 0; i < 4; i++)
			submit_wait(&ring, &w[i], 700 + i);
		usleep(100000);
		_exit(vm_iowq_workers() ? 3 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	print_message("# the submitter exited %ld ms after its fork\n",
		      (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	/* Far below the 50 s limit, even on a slow machine. */
	assert_true(t1.tv_sec - t0.tv_sec < 20);
	/* The waits let their CQs go soon: DESTROY stops saying busy. */
	for (i = 0; i < 4; i++)
		assert_int_equal(vm_destroy(fd, w[i].q), 0);
	for (i = 0; i < 4; i++) {
		int ret, tries = 0;

		while ((ret = vm_destroy(fd, w[i].cq)) == -EBUSY && tries++ < 100)
			usleep(50000);
		assert_int_equal(ret, 0);
	}
	close(fd);
	settle_stats();
}

/* Removal ends parked waits with -ENODEV at once. */
static void test_removal_ends_parked_waits(void **state)
{
	struct io_uring ring;
	struct waiter w[4];
	int fd, i;

	vm_soft_fresh(GONE);
	fd = vm_open_device(GONE);
	ring_init(&ring, 0);
	for (i = 0; i < 4; i++) {
		waiter_setup(&w[i], fd);
		w[i].wait.timeout_ms = 50000;
		submit_wait(&ring, &w[i], 800 + i);
	}
	usleep(100000);
	/* A CQ with a parked wait is in use. */
	assert_int_equal(vm_destroy(fd, w[0].cq), -EBUSY);
	vm_soft_del(GONE);
	for (i = 0; i < 4; i++) {
		struct io_uring_cqe *cqe;

		assert_int_equal(io_uring_wait_cqe(&ring, &cqe), 0);
		assert_true(cqe->user_data >= 800 && cqe->user_data < 804);
		assert_int_equal(cqe->res, -ENODEV);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	settle_stats();
}

/*
 * The same with io_uring's bounded worker limit raised to the number of
 * waits (IORING_REGISTER_IOWQ_MAX_WORKERS): the wait whose CQ completes
 * ends, the idle ones end at ring exit.
 */
static void test_waits_with_raised_iowq_limit(void **state)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int fd = vm_open_device(DEV), n, i;
	unsigned int max[2];
	struct io_uring ring;
	struct waiter *w;

	n = (int)(4 * cpus < 64 ? 4 * cpus : 64) + 1;
	w = calloc(n, sizeof(*w));
	assert_non_null(w);
	ring_init(&ring, 0);
	max[0] = n;
	max[1] = 0;
	assert_int_equal(io_uring_register_iowq_max_workers(&ring, max), 0);
	for (i = 0; i < n; i++) {
		waiter_setup(&w[i], fd);
		submit_wait(&ring, &w[i], 500 + i);
	}
	usleep(200000);
	post_copy(&w[n - 1]);
	assert_int_equal(reap(&ring, 500 + n - 1), 0);
	io_uring_queue_exit(&ring);
	close(fd);
	free(w);
	settle_stats();
}

/*
 * uaccel_soft unloaded while a ring holds a context and a facet file as
 * registered files, with waits and copies pending: they end (-ENODEV or
 * done), every command after answers -ENODEV, uaccel_core stays while the
 * ring holds its files, and the ring's exit releases everything.
 */
static void test_rmmod_soft_under_ring(void **state)
{
	const char *soft_ko = getenv("UACCEL_SOFT_KO");
	static char src[1 << 20], dst[1 << 20];
	struct uaccel_soft_dma_copy cp[4];
	struct uaccel_query_device q = { .size = sizeof(q) };
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct waiter w;
	int fds[2], i;
	uint32_t s, d;
	char cmd[1024];

	if (!soft_ko)
		skip();
	fds[0] = vm_open_device(DEV);
	ring_init(&ring, 0);
	waiter_setup(&w, fds[0]);
	assert_int_equal(vm_reg_mr(fds[0], w.pd, src, sizeof(src), 0, &s), 0);
	assert_int_equal(vm_reg_mr(fds[0], w.pd, dst, sizeof(dst), UACCEL_MR_ACCESS_WRITE,
				   &d), 0);
	fds[1] = vm_get_facet(fds[0], UACCEL_SOFT_DMA_FACET, 1, 2, 0, NULL);
	assert_true(fds[1] >= 0);
	assert_int_equal(io_uring_register_files(&ring, fds, 2), 0);
	close(fds[1]);
	close(fds[0]);
	for (i = 0; i < 3; i++) {
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, 0, UACCEL_IOCTL_WAIT_CQ, &w.wait);
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = 600 + i;
	}
	for (i = 0; i < 4; i++) {
		cp[i] = (struct uaccel_soft_dma_copy){ .size = sizeof(cp[i]), .src_mr = s,
						       .dst_mr = d, .length = sizeof(src) };
		sqe = io_uring_get_sqe(&ring);
		vm_prep_uring_cmd(sqe, 1, UACCEL_SOFT_IOCTL_DMA_COPY, &cp[i]);
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = 700 + i;
	}
	assert_int_equal(io_uring_submit(&ring), 7);
	usleep(100000);
	assert_int_equal(vm_run("rmmod uaccel_soft"), 0);
	for (i = 0; i < 7; i++) {
		struct io_uring_cqe *cqe;

		assert_int_equal(io_uring_wait_cqe(&ring, &cqe), 0);
		if (cqe->user_data < 700)
			assert_int_equal(cqe->res, -ENODEV);
		else
			assert_true(cqe->res == 0 || cqe->res == -ENODEV);
		io_uring_cqe_seen(&ring, cqe);
	}
	for (unsigned int f = 0; f < 2; f++) {
		assert_int_equal(cmd_flags(&ring, 0, UACCEL_IOCTL_QUERY_DEVICE, &q,
					   IOSQE_FIXED_FILE | (f ? IOSQE_ASYNC : 0)), -ENODEV);
		assert_int_equal(cmd_flags(&ring, 0, UACCEL_IOCTL_WAIT_CQ, &w.wait,
					   IOSQE_FIXED_FILE | (f ? IOSQE_ASYNC : 0)), -ENODEV);
		assert_int_equal(cmd_flags(&ring, 1, UACCEL_SOFT_IOCTL_DMA_COPY, &cp[0],
					   IOSQE_FIXED_FILE | (f ? IOSQE_ASYNC : 0)), -ENODEV);
	}
	/* The ring holds files of uaccel_core: it stays. */
	assert_int_not_equal(vm_run("rmmod uaccel_core 2>/dev/null"), 0);
	io_uring_queue_exit(&ring);
	snprintf(cmd, sizeof(cmd), "insmod '%s' num_devices=3", soft_ko);
	assert_int_equal(vm_run(cmd), 0);
	assert_int_equal(vm_wait_device("soft0", VM_DEVICE_WAIT_S), 0);
	vm_soft_fresh(DEV);
	settle_stats();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_reply_as_ioctl),
		cmocka_unit_test(test_command_area_rules),
		cmocka_unit_test(test_batched_registrations),
		cmocka_unit_test(test_batched_dmabuf_registrations),
		cmocka_unit_test(test_facet_fd_and_commands),
		cmocka_unit_test(test_wait_does_not_block_submitter),
		cmocka_unit_test(test_inline_commands),
		cmocka_unit_test(test_cancel_pending_wait),
		cmocka_unit_test(test_ring_exit_with_pending_waits),
		cmocka_unit_test(test_removal_ends_pending_waits),
		cmocka_unit_test(test_facet_copy_through_uring),
		cmocka_unit_test(test_forced_async_commands),
		cmocka_unit_test(test_sqpoll_ring),
		cmocka_unit_test(test_fixed_files),
		cmocka_unit_test(test_close_fd_with_pending_waits),
		cmocka_unit_test(test_iopoll_ring),
		cmocka_unit_test(test_big_cqe_ring),
		cmocka_unit_test(test_struct_gone_before_worker),
		cmocka_unit_test(test_linked_timeout_on_wait),
		cmocka_unit_test(test_ring_after_fork),
		cmocka_unit_test(test_removal_with_waits_and_copies),
		cmocka_unit_test(test_rmmod_soft_under_ring),
		cmocka_unit_test(test_waits_beyond_iowq_workers),
		cmocka_unit_test(test_waits_with_raised_iowq_limit),
		cmocka_unit_test(test_parked_waits_beyond_iowq_workers),
		cmocka_unit_test(test_parked_waits_and_exit),
		cmocka_unit_test(test_removal_ends_parked_waits),
	};

	return vm_run_tests("vm_uring", tests, &base, DEV);
}
