/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private declarations shared by the files of uaccel_core.ko.
 */
#ifndef _UACCEL_CORE_H
#define _UACCEL_CORE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <uaccel/driver.h>
#include <uaccel/uaccel.h>

#define UACCEL_MAX_DEVICES	256

/**
 * struct uaccel_device - one accelerator as seen by the core
 * @dev: the class device /sys/class/uaccel/<name>, also the char device
 * @cdev: the character device behind /dev/uaccel/uaccel<index>
 * @ops: the driver's operations
 * @index: device index and char device minor
 * @registered: true between registration and unregistration
 * @disassociate_srcu: every call into the driver from a file runs inside a
 *	read section; unregistration waits for them after clearing @registered
 * @lists_lock: protects @contexts
 * @contexts: the open contexts of this device
 * @vendor_id: hardware vendor ID (PCI), 0 for software devices
 * @device_id: hardware device ID (PCI), 0 for software devices
 * @priv: the driver private area
 */
struct uaccel_device {
	struct device dev;
	struct cdev cdev;
	const struct uaccel_ops *ops;
	u32 index;
	bool registered;
	struct srcu_struct disassociate_srcu;
	struct mutex lists_lock;	/* protects contexts */
	struct list_head contexts;
	u32 vendor_id;
	u32 device_id;
	u8 priv[] __aligned(ARCH_KMALLOC_MINALIGN);
};

/**
 * struct uaccel_context - the state of one open() of a device node
 * @udev: the device; the context holds a reference on it
 * @filp: the file of this context
 * @list: entry in udev->contexts
 */
struct uaccel_context {
	struct uaccel_device *udev;
	struct file *filp;
	struct list_head list;
};

/**
 * struct uaccel_ucmd - one ioctl call being executed
 * @ctx: the context it was issued on
 * @ubuf: the caller's structure
 * @user_size: the size the caller declared in its structure
 * @cmd: the kernel copy, zero-extended to the kernel's size
 */
struct uaccel_ucmd {
	struct uaccel_context *ctx;
	void __user *ubuf;
	u32 user_size;
	void *cmd;
};

/**
 * struct uaccel_ioctl_op - how to check and execute one ioctl command
 * @size: the kernel's size of the command structure
 * @min_size: the smallest size a caller may pass (end of mandatory fields)
 * @valid_flags: the flags the command understands
 * @execute: the handler, called with a checked and zero-extended copy
 */
struct uaccel_ioctl_op {
	u32 size;
	u32 min_size;
	u32 valid_flags;
	int (*execute)(struct uaccel_ucmd *ucmd);
};

/* The largest command structure the dispatcher copies in. */
#define UACCEL_IOCTL_MAX_SIZE	256

long uaccel_dispatch_ioctl(struct uaccel_context *ctx,
			   const struct uaccel_ioctl_op *ops,
			   unsigned int nr_ops, unsigned int base,
			   unsigned int cmd, unsigned long arg);
int uaccel_ucmd_respond(struct uaccel_ucmd *ucmd, size_t size);

extern const struct file_operations uaccel_device_fops;
extern const struct attribute_group *uaccel_core_groups[];

#endif /* _UACCEL_CORE_H */
