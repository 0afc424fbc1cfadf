// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the device file, its contexts and the ioctl dispatcher.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "uaccel_core.h"

int uaccel_ucmd_respond(struct uaccel_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd, min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

/*
 * Check an ioctl against a command table and run it.  The request number
 * carries no size: the size is the first __u32 of the structure.
 */
long uaccel_dispatch_ioctl(struct uaccel_context *ctx,
			   const struct uaccel_ioctl_op *ops,
			   unsigned int nr_ops, unsigned int base,
			   unsigned int cmd, unsigned long arg)
{
	u64 buf[UACCEL_IOCTL_MAX_SIZE / sizeof(u64)];
	struct uaccel_ucmd ucmd = {
		.ctx = ctx,
		.ubuf = (void __user *)arg,
		.cmd = buf,
	};
	const struct uaccel_ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);
	u32 flags;
	int ret;

	if (_IOC_TYPE(cmd) != UACCEL_IOCTL_TYPE || _IOC_DIR(cmd) != _IOC_NONE ||
	    _IOC_SIZE(cmd) || nr < base || nr - base >= nr_ops)
		return -ENOTTY;
	op = &ops[nr - base];
	if (!op->execute)
		return -ENOTTY;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuf))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (WARN_ON_ONCE(op->size > sizeof(buf)))
		return -EINVAL;
	ret = copy_struct_from_user(buf, op->size, ucmd.ubuf, ucmd.user_size);
	if (ret)
		return ret;

	/* Every command structure starts with __u32 size, __u32 flags. */
	flags = ((u32 *)buf)[1];
	if (flags & ~op->valid_flags)
		return -EOPNOTSUPP;
	return op->execute(&ucmd);
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
	cmd->num_facets = 0;
	cmd->dev_caps = 0;
	strscpy(cmd->name, dev_name(&udev->dev), sizeof(cmd->name));
	strscpy(cmd->driver, udev->ops->driver_name, sizeof(cmd->driver));
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * One entry per core command, indexed by command number minus
 * UACCEL_CMD_BASE.  The minimum size is the end of the last mandatory field.
 */
#define UACCEL_CORE_OP(_nr, _struct, _last, _flags, _fn)			\
	[(_nr) - UACCEL_CMD_BASE] = {						\
		.size = sizeof(_struct) +					\
			BUILD_BUG_ON_ZERO(sizeof(_struct) > UACCEL_IOCTL_MAX_SIZE), \
		.min_size = offsetofend(_struct, _last),			\
		.valid_flags = (_flags),					\
		.execute = (_fn),						\
	}

static const struct uaccel_ioctl_op uaccel_core_ops[] = {
	UACCEL_CORE_OP(UACCEL_CMD_QUERY_DEVICE, struct uaccel_query_device,
		       driver, 0, uaccel_cmd_query_device),
};

static long uaccel_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct uaccel_context *ctx = filp->private_data;
	struct uaccel_device *udev = ctx->udev;
	long ret;
	int idx;

	idx = srcu_read_lock(&udev->disassociate_srcu);
	if (!READ_ONCE(udev->registered))
		ret = -ENODEV;
	else
		ret = uaccel_dispatch_ioctl(ctx, uaccel_core_ops,
					    ARRAY_SIZE(uaccel_core_ops),
					    UACCEL_CMD_BASE, cmd, arg);
	srcu_read_unlock(&udev->disassociate_srcu, idx);
	return ret;
}

static int uaccel_open(struct inode *inode, struct file *filp)
{
	struct uaccel_device *udev =
		container_of(inode->i_cdev, struct uaccel_device, cdev);
	struct uaccel_context *ctx;
	int ret;
	int idx;

	idx = srcu_read_lock(&udev->disassociate_srcu);
	if (!READ_ONCE(udev->registered)) {
		ret = -ENODEV;
		goto err_unlock;
	}

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	get_device(&udev->dev);
	ctx->udev = udev;
	ctx->filp = filp;

	mutex_lock(&udev->lists_lock);
	list_add_tail(&ctx->list, &udev->contexts);
	mutex_unlock(&udev->lists_lock);

	filp->private_data = ctx;
	srcu_read_unlock(&udev->disassociate_srcu, idx);
	return nonseekable_open(inode, filp);

err_unlock:
	srcu_read_unlock(&udev->disassociate_srcu, idx);
	return ret;
}

static int uaccel_release(struct inode *inode, struct file *filp)
{
	struct uaccel_context *ctx = filp->private_data;
	struct uaccel_device *udev = ctx->udev;

	mutex_lock(&udev->lists_lock);
	list_del(&ctx->list);
	mutex_unlock(&udev->lists_lock);

	kfree(ctx);
	put_device(&udev->dev);
	return 0;
}

const struct file_operations uaccel_device_fops = {
	.owner = THIS_MODULE,
	.open = uaccel_open,
	.release = uaccel_release,
	.unlocked_ioctl = uaccel_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};
