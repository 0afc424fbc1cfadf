// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_bench: the system-call floor and the dedicated char device of the
 * benchmarks.
 *
 * /dev/uaccel_bench is a plain cdev, as a driver-private node would be:
 * open() allocates a small per-open state, release() frees it, and the
 * NOP ioctl copies its argument the way uaccel's dispatcher does for a
 * facet command (get_user() of the size, copy_struct_from_user(), flags
 * check) and returns.  Nothing else: it is the floor the uaccel facet NOP
 * is measured against.  Its io_uring passthrough (.uring_cmd) takes the
 * same command by address, in the layout of uaccel's command area, and
 * copies it the same way: the floor of the facet NOP through io_uring.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "uaccel_bench.h"

struct bench_file {
	u64 opens;
};

static dev_t bench_devt;
static struct cdev bench_cdev;
static struct class *bench_class;
static struct device *bench_dev;

static int bench_open(struct inode *inode, struct file *filp)
{
	struct bench_file *bf = kzalloc(sizeof(*bf), GFP_KERNEL);

	if (!bf)
		return -ENOMEM;
	filp->private_data = bf;
	return nonseekable_open(inode, filp);
}

static int bench_release(struct inode *inode, struct file *filp)
{
	kfree(filp->private_data);
	return 0;
}

static int bench_nop(void __user *ubuf)
{
	struct uaccel_bench_nop nop;
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)ubuf))
		return -EFAULT;
	if (size < sizeof(nop))
		return -EINVAL;
	ret = copy_struct_from_user(&nop, sizeof(nop), ubuf, size);
	if (ret)
		return ret;
	if (nop.flags)
		return -EOPNOTSUPP;
	return 0;
}

static long bench_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (cmd != UACCEL_BENCH_IOCTL_NOP)
		return -ENOTTY;
	return bench_nop((void __user *)arg);
}

static int bench_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	const struct uaccel_bench_uring_cmd *area = ioucmd->cmd;
	u64 addr = READ_ONCE(area->addr);

	if (ioucmd->cmd_op != UACCEL_BENCH_IOCTL_NOP)
		return -ENOTTY;
	if (READ_ONCE(area->__reserved))
		return -EINVAL;
	return bench_nop(u64_to_user_ptr(addr));
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.open = bench_open,
	.release = bench_release,
	.unlocked_ioctl = bench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = bench_uring_cmd,
	.llseek = no_llseek,
};

static int __init bench_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&bench_devt, 0, 1, "uaccel_bench");
	if (ret)
		return ret;
	cdev_init(&bench_cdev, &bench_fops);
	ret = cdev_add(&bench_cdev, bench_devt, 1);
	if (ret)
		goto err_unregister_region;
	bench_class = class_create(THIS_MODULE, "uaccel_bench");
	if (IS_ERR(bench_class)) {
		ret = PTR_ERR(bench_class);
		goto err_del_cdev;
	}
	bench_dev = device_create(bench_class, NULL, bench_devt, NULL,
				  "uaccel_bench");
	if (IS_ERR(bench_dev)) {
		ret = PTR_ERR(bench_dev);
		goto err_destroy_class;
	}
	return 0;

err_destroy_class:
	class_destroy(bench_class);
err_del_cdev:
	cdev_del(&bench_cdev);
err_unregister_region:
	unregister_chrdev_region(bench_devt, 1);
	return ret;
}

static void __exit bench_exit(void)
{
	device_destroy(bench_class, bench_devt);
	class_destroy(bench_class);
	cdev_del(&bench_cdev);
	unregister_chrdev_region(bench_devt, 1);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("uaccel benchmarks: a dedicated char device and the ioctl floor");
MODULE_LICENSE("GPL");
