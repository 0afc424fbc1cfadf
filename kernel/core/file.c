// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the device file (open, release, ioctl, mmap, read, poll)
 * and the ioctl dispatcher of core and facet commands.  What a context is
 * from open to free is in context.c.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "uaccel_core.h"

int uaccel_ucmd_respond(struct uaccel_ucmd *ucmd, size_t size)
{
	ucmd->reply_size = size;
	return 0;
}
EXPORT_SYMBOL_GPL(uaccel_ucmd_respond);

/*
 * The reply of a core command that changed state before it could reply
 * (POST queued work requests, POLL_CQ consumed completions), copied by the
 * handler itself.  Such a command first checks that its reply can be
 * written (uaccel_ucmd_reply_check()); should the caller's structure
 * become unwritable during the call, the call returns @count as its
 * return value instead of -EFAULT, as write() reports what it wrote, so
 * that -EFAULT always means that nothing was done.
 */
int uaccel_ucmd_reply_progress(struct uaccel_ucmd *ucmd, size_t size, u32 count)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd, min_t(size_t, ucmd->user_size, size)))
		return count ? count : -EFAULT;
	return 0;
}

/*
 * Before a command changes anything: the __u32 output field at @offset of
 * the caller's structure can be written (0 is written to it); -EFAULT if
 * not.  The dispatcher checked that the caller's size covers it.
 */
int uaccel_ucmd_reply_check(struct uaccel_ucmd *ucmd, size_t offset)
{
	/* No address: an inline io_uring command without a reply's place. */
	if (!ucmd->ubuf ||
	    put_user(0, (u32 __user *)((u8 __user *)ucmd->ubuf + offset)))
		return -EFAULT;
	return 0;
}

struct uaccel_device *uaccel_ucmd_device(const struct uaccel_ucmd *ucmd)
{
	return ucmd->ctx->udev;
}
EXPORT_SYMBOL_GPL(uaccel_ucmd_device);

/*
 * The entry of a command table for an ioctl number, or NULL (-ENOTTY).  The
 * request number carries no size: the size is the first __u32 of the
 * structure.  @version is the facet version of a facet file (commands
 * newer than it do not exist for it), 0 for core commands.
 */
static __always_inline const struct uaccel_ioctl_op *
uaccel_ioctl_op_find(const struct uaccel_ioctl_op *ops, unsigned int nr_ops,
		     unsigned int base, unsigned int cmd, u32 version)
{
	const struct uaccel_ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != UACCEL_IOCTL_TYPE || _IOC_DIR(cmd) != _IOC_NONE ||
	    _IOC_SIZE(cmd) || nr < base || nr - base >= nr_ops)
		return NULL;
	op = &ops[nr - base];
	if (!op->execute || op->min_version > version)
		return NULL;
	return op;
}

/*
 * After the reply was copied (@ret 0) or could not be (@ret an error):
 * install or release what the command created.  Outside any section.
 */
static void uaccel_ucmd_finish(struct uaccel_ucmd *ucmd, int ret)
{
	if (ucmd->new_obj_id)
		uaccel_obj_finalize(ucmd->ctx, ucmd->new_obj_id, !ret);
	if (ucmd->new_file) {
		if (!ret) {
			fd_install(ucmd->new_fd, ucmd->new_file);
		} else {
			put_unused_fd(ucmd->new_fd);
			fput(ucmd->new_file);
		}
	}
}

/*
 * copy_struct_from_user() for a command structure of @usize bytes (at most
 * UACCEL_URING_CMD_INLINE_MAX) at the start of @src in kernel memory, an
 * inline io_uring command: the same result and errors.  The area is
 * copied whole, word by word (no call for the common case, @usize equal
 * to @ksize); what lies past @usize is then zeroed or checked.
 */
static __always_inline int uaccel_copy_struct_inline(u64 *dst, size_t ksize,
						     const u64 *src,
						     size_t usize)
{
	unsigned int i;

	for (i = 0; i < UACCEL_URING_CMD_INLINE_MAX / sizeof(u64); i++)
		dst[i] = src[i];
	if (usize < ksize)
		memset((u8 *)dst + usize, 0, ksize - usize);
	else if (usize > ksize &&
		 memchr_inv((u8 *)dst + ksize, 0, usize - ksize))
		return -E2BIG;
	return 0;
}

/*
 * uaccel_ioctl_op.reply_first: before the command runs, its reply can be
 * written.  The first and the last 4 bytes that the reply covers are
 * written back as they were read (the reply covers at most the caller's
 * size and the kernel's, and at least size and flags).
 */
static noinline int uaccel_ucmd_reply_probe(const struct uaccel_ucmd *ucmd,
					    const struct uaccel_ioctl_op *op)
{
	u32 __user *u = ucmd->ubuf;
	const u32 *k = ucmd->cmd;
	size_t last = min_t(size_t, ucmd->user_size, op->size) / sizeof(u32) - 1;

	if (!u || put_user(k[0], u) || put_user(k[last], u + last))
		return -EFAULT;
	return 0;
}

/*
 * Run one command of a table entry @op (a copy, since a facet's table may
 * go with its driver once the device is unregistered), whose structure is
 * at @arg in the caller's memory or, for an inline io_uring command, at
 * @inl (UACCEL_URING_CMD_INLINE_MAX bytes, @arg then the reply's place or
 * 0).  Every access to user memory happens outside the device's section:
 * the command is copied in before the handler runs and the reply copied
 * out after, so that removal never waits for a user page fault.
 */
static __always_inline long uaccel_ucmd_dispatch(struct uaccel_context *ctx,
						 struct uaccel_facet_file *ffile,
						 const struct uaccel_ioctl_op *op,
						 unsigned long arg,
						 struct io_uring_cmd *ioucmd,
						 const u64 *inl)
{
	/* Filled by copy_struct_from_user(): no need to zero it on every call. */
	u64 buf[UACCEL_IOCTL_MAX_SIZE / sizeof(u64)] __uninitialized;
	/* Set field by field below: cheaper than zeroing it whole. */
	struct uaccel_ucmd ucmd __uninitialized;
	struct uaccel_device *udev = ctx->udev;
	int ret, idx;
	u32 flags;

	if (!READ_ONCE(udev->registered))
		return -ENODEV;
	ucmd.ctx = ctx;
	ucmd.ffile = ffile;
	ucmd.ubuf = (void __user *)arg;
	ucmd.cmd = buf;
	ucmd.reply_size = 0;
	ucmd.reply_on_error = false;
	ucmd.new_obj_id = 0;
	ucmd.new_file = NULL;
	ucmd.new_fd = -1;
	ucmd.ioucmd = ioucmd;
	if (inl) {
		ucmd.user_size = *(const u32 *)inl;
		if (ucmd.user_size > UACCEL_URING_CMD_INLINE_MAX)
			return -EINVAL;
	} else if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuf)) {
		return -EFAULT;
	}
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (inl)
		ret = uaccel_copy_struct_inline(buf, op->size, inl,
						ucmd.user_size);
	else
		ret = copy_struct_from_user(buf, op->size, ucmd.ubuf,
					    ucmd.user_size);
	if (ret)
		return ret;

	/* Every command structure starts with __u32 size, __u32 flags. */
	flags = ((u32 *)buf)[1];
	if (flags & ~op->valid_flags)
		return -EOPNOTSUPP;
	if (unlikely(op->reply_first)) {
		ret = uaccel_ucmd_reply_probe(&ucmd, op);
		if (ret)
			return ret;
	}

	if (op->unlocked) {
		ret = op->execute(&ucmd);
	} else {
		if (!__uaccel_device_enter(udev, &idx))
			return -ENODEV;
		ret = op->execute(&ucmd);
		__uaccel_device_exit(udev, idx);
	}

	if (ucmd.reply_size && (!ret || ucmd.reply_on_error) &&
	    (!ucmd.ubuf ||
	     copy_to_user(ucmd.ubuf, buf, min(ucmd.user_size, ucmd.reply_size))) &&
	    !ret)
		ret = -EFAULT;
	if (ucmd.new_obj_id || ucmd.new_file)
		uaccel_ucmd_finish(&ucmd, ret);
	return ret;
}

static int uaccel_cmd_query_device(struct uaccel_ucmd *ucmd)
{
	struct uaccel_device *udev = ucmd->ctx->udev;
	struct uaccel_query_device *cmd = ucmd->cmd;
	int node = dev_to_node(&udev->dev);

	cmd->abi_version = UACCEL_ABI_VERSION;
	cmd->index = udev->index;
	cmd->vendor_id = udev->vendor_id;
	cmd->device_id = udev->device_id;
	cmd->numa_node = node == NUMA_NO_NODE ? UACCEL_NUMA_NONE : node;
	cmd->num_facets = udev->num_facets;
	cmd->dev_caps = uaccel_queue_dev_caps(udev);
	if (udev->ops->dm_max_length)
		cmd->dev_caps |= UACCEL_DEV_CAP_DM;
	uaccel_device_copy_name(udev, cmd->name, sizeof(cmd->name));
	strscpy(cmd->driver, udev->driver_name, sizeof(cmd->driver));
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

#define CORE_OP(cmd, type, last, vflags, fn) \
	UACCEL_IOCTL_OP((cmd) - UACCEL_CMD_BASE, type, last, vflags, 0, fn)

/* A core command whose handler enters the device's section itself. */
#define CORE_OP_UNLOCKED(cmd, type, last, vflags, fn) \
	__UACCEL_IOCTL_OP((cmd) - UACCEL_CMD_BASE, type, last, vflags, 0, fn, \
			  true, false)

/* A core command that may sleep for long (uaccel_ioctl_op.waits). */
#define CORE_OP_WAITS(cmd, type, last, vflags, fn) \
	UACCEL_IOCTL_OP_WAITS((cmd) - UACCEL_CMD_BASE, type, last, vflags, 0, fn)

/* One entry per core command, indexed by number minus UACCEL_CMD_BASE. */
static const struct uaccel_ioctl_op uaccel_core_ops[] = {
	CORE_OP(UACCEL_CMD_QUERY_DEVICE, struct uaccel_query_device, driver, 0,
		uaccel_cmd_query_device),
	CORE_OP(UACCEL_CMD_DESTROY, struct uaccel_destroy, __reserved, 0,
		uaccel_cmd_destroy),
	CORE_OP(UACCEL_CMD_ALLOC_PD, struct uaccel_alloc_pd, __reserved, 0,
		uaccel_cmd_alloc_pd),
	CORE_OP_UNLOCKED(UACCEL_CMD_REG_MR, struct uaccel_reg_mr, length,
			 UACCEL_MR_ACCESS_WRITE, uaccel_cmd_reg_mr),
	CORE_OP(UACCEL_CMD_CREATE_CQ, struct uaccel_create_cq, out_mmap_size,
		UACCEL_CQ_EVENTFD, uaccel_cmd_create_cq),
	CORE_OP(UACCEL_CMD_CREATE_QUEUE, struct uaccel_create_queue,
		out_mmap_size, UACCEL_CREATE_QUEUE_FLAGS,
		uaccel_cmd_create_queue),
	CORE_OP_UNLOCKED(UACCEL_CMD_POST, struct uaccel_post, __reserved, 0,
			 uaccel_cmd_post),
	CORE_OP(UACCEL_CMD_DOORBELL, struct uaccel_doorbell, __reserved, 0,
		uaccel_cmd_doorbell),
	CORE_OP_UNLOCKED(UACCEL_CMD_POLL_CQ, struct uaccel_poll_cq, __reserved,
			 0, uaccel_cmd_poll_cq),
	CORE_OP_WAITS(UACCEL_CMD_WAIT_CQ, struct uaccel_wait_cq, timeout_ms, 0,
		      uaccel_cmd_wait_cq),
	CORE_OP(UACCEL_CMD_GET_DRIVER_OPS_FD, struct uaccel_get_driver_ops_fd,
		out_version, UACCEL_FACET_FD_CLOEXEC,
		uaccel_cmd_get_driver_ops_fd),
	CORE_OP_UNLOCKED(UACCEL_CMD_REG_DMABUF_MR, struct uaccel_reg_dmabuf_mr,
			 __reserved, UACCEL_MR_ACCESS_WRITE,
			 uaccel_cmd_reg_dmabuf_mr),
	CORE_OP_UNLOCKED(UACCEL_CMD_ALLOC_DM, struct uaccel_alloc_dm, length, 0,
			 uaccel_cmd_alloc_dm),
	CORE_OP(UACCEL_CMD_EXPORT_DM, struct uaccel_export_dm, out_fd,
		UACCEL_DMABUF_CLOEXEC, uaccel_cmd_export_dm),
};

static long uaccel_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct uaccel_context *ctx = filp->private_data;
	const struct uaccel_ioctl_op *op;

	/* Once the device is gone, every call gets -ENODEV. */
	if (!READ_ONCE(ctx->udev->registered))
		return -ENODEV;
	op = uaccel_ioctl_op_find(uaccel_core_ops, ARRAY_SIZE(uaccel_core_ops),
				  UACCEL_CMD_BASE, cmd, 0);
	if (!op)
		return -ENOTTY;
	return uaccel_ucmd_dispatch(ctx, NULL, op, arg, NULL, NULL);
}

/*
 * A command of a facet file (its .unlocked_ioctl).  The lookup reads the
 * core's copy of the facet's table (uaccel_facet_add()), valid while the
 * device is, so it needs no section; the dispatcher enters the device's
 * section once, to run the command.
 */
long uaccel_facet_ioctl(struct file *filp, unsigned int cmd,
			unsigned long arg)
{
	struct uaccel_facet_file *ffile = filp->private_data;
	const struct uaccel_ioctl_op *op;

	if (!READ_ONCE(ffile->ctx->udev->registered))
		return -ENODEV;
	op = uaccel_ioctl_op_find(ffile->ops, ffile->num_ops, 0, cmd,
				  ffile->version);
	if (!op)
		return -ENOTTY;
	return uaccel_ucmd_dispatch(ffile->ctx, ffile, op, arg, NULL, NULL);
}

/*
 * io_uring passthrough: IORING_OP_URING_CMD on a context or facet file runs
 * the command whose ioctl request number is the SQE's cmd_op, with the
 * structure the ioctl would take at the address in the SQE's command area
 * (struct uaccel_uring_cmd), or in the SQE itself after that area
 * (UACCEL_URING_CMD_INLINE, a 128-byte SQE, as NVMe passthrough carries
 * its command), through the same lookup and dispatcher as the ioctl: same
 * checks, same errors, the reply written back into the structure (for an
 * inline one, to the area's address), and the ioctl's return value as the
 * completion's res.
 *
 * A command that may sleep for long (uaccel_ioctl_op.waits) is handed back
 * to io_uring (-EAGAIN) when issued from the submitting task, which runs it
 * from one of its worker threads; cancellation of the request signals that
 * thread, which ends the wait, and removal ends it with -ENODEV.  WAIT_CQ
 * with a time limit is the exception: it parks on its CQ (cq.c).  A
 * command's own -EAGAIN is posted as its result rather than returned,
 * which io_uring would take as a request to retry it.
 */
/* What a 128-byte SQE's command area (80 bytes) has beyond the structure. */
#define UACCEL_URING_CMD_SQE128_EXTRA	(80 - sizeof(struct uaccel_uring_cmd))
static_assert(UACCEL_URING_CMD_SQE128_EXTRA == UACCEL_URING_CMD_INLINE_MAX);

/*
 * The command area: the address, and for an inline command its structure,
 * copied to @inl; *@is_inline says which.
 */
static int uaccel_uring_cmd_arg(const struct io_uring_cmd *ioucmd,
				unsigned int issue_flags, unsigned long *arg,
				u64 *inl, bool *is_inline)
{
	/*
	 * At the first issue the area is the SQE in the submission ring,
	 * which userspace may rewrite meanwhile: each field is read once,
	 * and an inline structure copied once.
	 */
	const struct uaccel_uring_cmd *area = ioucmd->cmd;
	u64 addr = READ_ONCE(area->addr);
	u32 flags = READ_ONCE(area->flags);

	if (READ_ONCE(area->__reserved) || (flags & ~UACCEL_URING_CMD_INLINE))
		return -EINVAL;
	/* No command takes a registered buffer: the flag would be ignored. */
	if (ioucmd->flags & IORING_URING_CMD_FIXED)
		return -EINVAL;
	*is_inline = flags & UACCEL_URING_CMD_INLINE;
	if (*is_inline) {
		const u64 *src = (const u64 *)(area + 1);
		unsigned int i;

		if (!(issue_flags & IO_URING_F_SQE128))
			return -EINVAL;
		/* Word by word, inline: the area is eight words. */
		for (i = 0; i < UACCEL_URING_CMD_INLINE_MAX / sizeof(u64); i++)
			inl[i] = READ_ONCE(src[i]);
	} else if ((issue_flags & IO_URING_F_SQE128) &&
		   memchr_inv(area + 1, 0, UACCEL_URING_CMD_SQE128_EXTRA)) {
		/* The second half of a 128-byte SQE is reserved then. */
		return -EINVAL;
	}
	if (addr != (unsigned long)addr)
		return -EFAULT;
	*arg = addr;
	return 0;
}

static int uaccel_uring_cmd_run(struct io_uring_cmd *ioucmd,
				unsigned int issue_flags,
				struct uaccel_context *ctx,
				struct uaccel_facet_file *ffile,
				const struct uaccel_ioctl_op *op)
{
	/* An inline structure, read out of the SQE once. */
	u64 inl[UACCEL_URING_CMD_INLINE_MAX / sizeof(u64)] __uninitialized;
	unsigned long arg;
	bool is_inline;
	long ret;

	if (!op)
		return -ENOTTY;
	ret = uaccel_uring_cmd_arg(ioucmd, issue_flags, &arg, inl, &is_inline);
	if (ret)
		return ret;
	if (is_inline && op->secret) {
		/* Not in an SQE, which io_uring copies and frees unwiped. */
		memzero_explicit(inl, sizeof(inl));
		return -EINVAL;
	}
	if (op->waits && (issue_flags & IO_URING_F_NONBLOCK)) {
		if (op->execute != uaccel_cmd_wait_cq)
			return -EAGAIN;
		/*
		 * WAIT_CQ completes at once, parks on the CQ (-EIOCBQUEUED)
		 * or goes to a worker (-EAGAIN, never its own result).
		 */
		return uaccel_ucmd_dispatch(ctx, ffile, op, arg, ioucmd,
					    is_inline ? inl : NULL);
	}
	ret = uaccel_ucmd_dispatch(ctx, ffile, op, arg, NULL,
				   is_inline ? inl : NULL);
	if (ret == -EAGAIN) {
		io_uring_cmd_done(ioucmd, ret, 0, issue_flags);
		return -EIOCBQUEUED;
	}
	return ret;
}

static int uaccel_uring_cmd(struct io_uring_cmd *ioucmd,
			    unsigned int issue_flags)
{
	struct uaccel_context *ctx = ioucmd->file->private_data;

	if (!READ_ONCE(ctx->udev->registered))
		return -ENODEV;
	return uaccel_uring_cmd_run(ioucmd, issue_flags, ctx, NULL,
				    uaccel_ioctl_op_find(uaccel_core_ops,
							 ARRAY_SIZE(uaccel_core_ops),
							 UACCEL_CMD_BASE,
							 ioucmd->cmd_op, 0));
}

/* IORING_OP_URING_CMD on a facet file: see uaccel_uring_cmd_arg(). */
int uaccel_facet_uring_cmd(struct io_uring_cmd *ioucmd,
			   unsigned int issue_flags)
{
	struct uaccel_facet_file *ffile = ioucmd->file->private_data;

	if (!READ_ONCE(ffile->ctx->udev->registered))
		return -ENODEV;
	return uaccel_uring_cmd_run(ioucmd, issue_flags, ffile->ctx, ffile,
				    uaccel_ioctl_op_find(ffile->ops,
							 ffile->num_ops, 0,
							 ioucmd->cmd_op,
							 ffile->version));
}

static int uaccel_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct uaccel_context *ctx = filp->private_data;
	struct uaccel_device *udev = ctx->udev;
	int ret;
	int idx;

	if (!uaccel_device_enter(udev, &idx))
		return -ENODEV;
	ret = uaccel_ring_mmap(ctx, vma);
	uaccel_device_exit(udev, idx);
	return ret;
}

static int uaccel_open(struct inode *inode, struct file *filp)
{
	struct uaccel_device *udev =
		container_of(inode->i_cdev, struct uaccel_device, cdev);
	struct uaccel_context *ctx;
	int idx;

	if (!uaccel_device_enter(udev, &idx))
		return -ENODEV;
	ctx = uaccel_context_open(udev, filp);
	if (!IS_ERR(ctx)) {
		filp->private_data = ctx;
		/* Ring mappings live in the device's address space (see mmap.c). */
		filp->f_mapping = udev->mapping_inode->i_mapping;
	}
	uaccel_device_exit(udev, idx);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	return nonseekable_open(inode, filp);
}

static int uaccel_release(struct inode *inode, struct file *filp)
{
	uaccel_context_close(filp->private_data);
	return 0;
}

const struct file_operations uaccel_device_fops = {
	.owner = THIS_MODULE,
	.open = uaccel_open,
	.release = uaccel_release,
	.read = uaccel_event_read,
	.poll = uaccel_event_poll,
	.unlocked_ioctl = uaccel_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = uaccel_uring_cmd,
	.mmap = uaccel_mmap,
	.llseek = no_llseek,
};
