/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * libaccel's io_uring helpers: fill a liburing SQE with the
 * IORING_OP_URING_CMD form of a uaccel command (uaccel.7, "io_uring").
 *
 * Header only: the helpers are inline functions over liburing's SQE and
 * the uAPI structures, so that libaccel itself does not depend on
 * liburing: it includes <liburing.h> (liburing-dev), which needs the POSIX
 * and GNU declarations of the default gnu11 dialect (or _GNU_SOURCE).
 *
 * A command submitted this way is the ioctl of the same number on the same
 * fd: same checks, same errors; the completion's res is what the ioctl
 * returns, and the reply is written into the command structure, which must
 * stay valid (not on a stack frame that returns) until the completion is
 * reaped.
 */
#ifndef ACCEL_URING_H
#define ACCEL_URING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <liburing.h>
#include <uaccel/uaccel.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * accel_prep_cmd() - prepare an SQE that runs one uaccel command
 * @sqe: from io_uring_get_sqe()
 * @fd: a context fd (accel_context_fd()) for core commands, a facet fd
 *	(accel_get_facet()) for the facet's commands
 * @request: the ioctl request number (UACCEL_IOCTL_*, or a facet's)
 * @cmd: the command structure, size set, as the ioctl takes it
 *
 * On a ring of 128-byte SQEs (IORING_SETUP_SQE128) the 64 bytes of the
 * command area after struct uaccel_uring_cmd must be 0 (-EINVAL
 * otherwise): liburing hands out SQEs as they were last used, so clear
 * them there.  sqe->user_data is left to the caller.
 */
static inline void accel_prep_cmd(struct io_uring_sqe *sqe, int fd,
				  unsigned long request, void *cmd)
{
	struct uaccel_uring_cmd area;

	memset(&area, 0, sizeof(area));
	area.addr = (uintptr_t)cmd;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = (uint32_t)request;
	/* liburing declares the command area as a flexible array. */
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &area,
	       sizeof(area));
}

/**
 * accel_prep_cmd_inline() - prepare a 128-byte SQE that carries one uaccel
 *	command inline
 * @sqe: from io_uring_get_sqe() of a ring set up with IORING_SETUP_SQE128
 * @fd: a context fd for core commands, a facet fd for the facet's commands
 * @request: the ioctl request number (UACCEL_IOCTL_*, or a facet's)
 * @cmd: the command structure, size set, at most
 *	UACCEL_URING_CMD_INLINE_MAX bytes: copied into the SQE here
 * @reply: where the kernel writes the reply (the structure of @cmd's
 *	type, size set as in @cmd), or NULL for a command without one
 *
 * The kernel reads the command out of the SQE (UACCEL_URING_CMD_INLINE):
 * @cmd may be reused once this returns, and a batch of commands without
 * a reply (DESTROY, facet commands without output) needs no memory that
 * outlives the submission.  Returns 0, or -EINVAL when @cmd's size is
 * below 8 or above UACCEL_URING_CMD_INLINE_MAX (the SQE is left as it was;
 * accel_prep_cmd() takes any size).  sqe->user_data is left to the caller.
 */
static inline int accel_prep_cmd_inline(struct io_uring_sqe *sqe, int fd,
					unsigned long request, const void *cmd,
					void *reply)
{
	char *area = (char *)sqe + offsetof(struct io_uring_sqe, cmd);
	struct uaccel_uring_cmd head;
	uint32_t size;

	memcpy(&size, cmd, sizeof(size));
	if (size < 8 || size > UACCEL_URING_CMD_INLINE_MAX)
		return -EINVAL;
	memset(&head, 0, sizeof(head));
	head.addr = (uintptr_t)reply;
	head.flags = UACCEL_URING_CMD_INLINE;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = (uint32_t)request;
	memcpy(area, &head, sizeof(head));
	memcpy(area + sizeof(head), cmd, size);
	memset(area + sizeof(head) + size, 0,
	       UACCEL_URING_CMD_INLINE_MAX - size);
	return 0;
}

/**
 * accel_prep_reg_mr() - prepare an SQE that registers an MR
 * @sqe: from io_uring_get_sqe()
 * @fd: the context fd
 * @cmd: filled here; out_mr_id holds the MR's id once the completion's
 *	res is 0
 * @pd_id: the PD (UACCEL_IOCTL_ALLOC_PD's out_pd_id)
 * @addr: start of the memory
 * @length: its length in bytes
 * @access: UACCEL_MR_ACCESS_* bits
 *
 * N of these in one io_uring_submit() register N MRs in one system call;
 * UACCEL_IOCTL_DESTROY (accel_prep_destroy()) takes them down.
 */
static inline void accel_prep_reg_mr(struct io_uring_sqe *sqe, int fd,
				     struct uaccel_reg_mr *cmd, uint32_t pd_id,
				     const void *addr, uint64_t length,
				     uint32_t access)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->flags = access;
	cmd->pd_id = pd_id;
	cmd->addr = (uintptr_t)addr;
	cmd->length = length;
	accel_prep_cmd(sqe, fd, UACCEL_IOCTL_REG_MR, cmd);
}

/**
 * accel_prep_reg_dmabuf_mr() - prepare an SQE that registers a dma-buf MR
 * @sqe: from io_uring_get_sqe()
 * @fd: the context fd
 * @cmd: filled here; out_mr_id holds the MR's id once the completion's
 *	res is 0
 * @pd_id: the PD (UACCEL_IOCTL_ALLOC_PD's out_pd_id)
 * @offset: byte offset of the range in the dma-buf
 * @length: its length in bytes
 * @dmabuf_fd: the dma-buf (UACCEL_IOCTL_EXPORT_DM's out_fd, or another
 *	exporter's)
 * @access: UACCEL_MR_ACCESS_* bits
 *
 * The dma-buf counterpart of accel_prep_reg_mr(): N of these register N
 * ranges, of one dma-buf or of several, in one system call.
 */
static inline void accel_prep_reg_dmabuf_mr(struct io_uring_sqe *sqe, int fd,
					    struct uaccel_reg_dmabuf_mr *cmd,
					    uint32_t pd_id, uint64_t offset,
					    uint64_t length, int dmabuf_fd,
					    uint32_t access)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->flags = access;
	cmd->pd_id = pd_id;
	cmd->offset = offset;
	cmd->length = length;
	cmd->fd = dmabuf_fd;
	accel_prep_cmd(sqe, fd, UACCEL_IOCTL_REG_DMABUF_MR, cmd);
}

/**
 * accel_prep_destroy() - prepare an SQE that destroys an object by id
 * @sqe: from io_uring_get_sqe()
 * @fd: the context fd
 * @cmd: filled here
 * @id: the object (PD, MR, CQ, queue or DM)
 */
static inline void accel_prep_destroy(struct io_uring_sqe *sqe, int fd,
				      struct uaccel_destroy *cmd, uint32_t id)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->id = id;
	accel_prep_cmd(sqe, fd, UACCEL_IOCTL_DESTROY, cmd);
}

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_URING_H */
