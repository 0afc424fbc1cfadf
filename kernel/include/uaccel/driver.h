/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uaccel driver API: what a hardware or software accelerator driver uses to
 * register with the common accelerator core (uaccel_core.ko).
 *
 * Lifetime rules:
 *  - uaccel_alloc_device() returns a device holding one reference and a
 *    zeroed driver private area of the requested size (uaccel_priv()).
 *  - uaccel_register_device() makes it visible: sysfs, the char device and
 *    the device registry.
 *  - uaccel_unregister_device() never waits for userspace.  When it returns
 *    the core no longer calls into the driver for this device, so the driver
 *    may free its resources and its module may be unloaded even while file
 *    descriptors of the device are still open (they fail with -ENODEV).
 *  - uaccel_put_device() drops the driver's reference; the memory (including
 *    the private area) is freed when the last file referencing it is closed.
 */
#ifndef _UACCEL_DRIVER_H
#define _UACCEL_DRIVER_H

#include <linux/device.h>
#include <linux/types.h>

struct uaccel_device;

/**
 * struct uaccel_ops - per-driver operations, one static const table per driver
 * @owner: the driver module (THIS_MODULE)
 * @driver_name: short driver name, shown in sysfs "driver" and QUERY_DEVICE
 * @dev_groups: optional NULL-terminated driver attribute groups, created on
 *	the class device /sys/class/uaccel/<name>
 */
struct uaccel_ops {
	struct module *owner;
	const char *driver_name;
	const struct attribute_group **dev_groups;
};

/**
 * uaccel_alloc_device() - allocate an unregistered accelerator device
 * @parent: the device it belongs to (a PCI or platform device), or NULL
 * @ops: the driver's operations; must stay valid until unregistration
 * @priv_size: size of the zeroed driver private area, see uaccel_priv()
 *
 * Return: the device with one reference held by the caller, or an ERR_PTR().
 */
struct uaccel_device *uaccel_alloc_device(struct device *parent,
					  const struct uaccel_ops *ops,
					  size_t priv_size);

/**
 * uaccel_register_device() - make a device visible to userspace
 * @udev: a device from uaccel_alloc_device(), not yet registered
 * @name: its name; a single "%d" in it is replaced by the lowest number that
 *	makes the name unique (for example "soft%d")
 *
 * Return: 0, -EEXIST if a device of that exact name exists, -EINVAL for a
 * malformed name, -ENOSPC if no device index is left, or another -errno.
 */
int uaccel_register_device(struct uaccel_device *udev, const char *name);

/**
 * uaccel_unregister_device() - remove a registered device
 * @udev: the device
 *
 * Removes the device node and sysfs entries and disassociates every open
 * file: from now on their calls fail with -ENODEV.  Waits only for calls
 * that are already executing inside the driver, never for userspace.
 */
void uaccel_unregister_device(struct uaccel_device *udev);

/**
 * uaccel_put_device() - drop a reference taken by uaccel_alloc_device()
 * @udev: the device
 */
void uaccel_put_device(struct uaccel_device *udev);

/**
 * uaccel_priv() - the driver private area of a device
 * @udev: the device
 *
 * Return: the zeroed area of priv_size bytes allocated with the device.
 */
void *uaccel_priv(struct uaccel_device *udev);

/**
 * uaccel_from_dev() - the accelerator device of a class device
 * @dev: the struct device of /sys/class/uaccel/<name>, as passed to the
 *	show() and store() methods of a driver attribute
 *
 * Return: the uaccel device embedding @dev.
 */
struct uaccel_device *uaccel_from_dev(struct device *dev);

/**
 * uaccel_device_name() - the current name of a device
 * @udev: the device
 *
 * Return: its name; valid until the device is renamed or freed.
 */
const char *uaccel_device_name(const struct uaccel_device *udev);

#endif /* _UACCEL_DRIVER_H */
