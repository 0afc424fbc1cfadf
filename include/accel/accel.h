/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * libaccel: userspace access to uaccel accelerators.
 *
 * Conventions: functions returning int return 0 (or a non-negative value)
 * on success and a negative errno on failure; functions returning a pointer
 * return NULL and set errno on failure.  Objects are opaque.
 *
 * Discovery reads sysfs only and opens no device node, so listing works for
 * every user; opening a device needs access to its node /dev/uaccel/uaccelN.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Length of device, driver and facet names, NUL included. */
#define ACCEL_NAME_MAX 64

/* numa_node of a device without NUMA affinity. */
#define ACCEL_NUMA_NONE (-1)

/** A device found by accel_get_device_list(). */
struct accel_device;

/** An open device: one kernel context. */
struct accel_context;

/**
 * struct accel_facet_desc - a driver ops facet a device serves
 * @name: facet name, such as "dma.soft.uaccel"
 * @min_version: oldest version served
 * @max_version: newest version served
 * @flags: facet flags as listed by sysfs
 */
struct accel_facet_desc {
	char name[ACCEL_NAME_MAX];
	uint32_t min_version;
	uint32_t max_version;
	uint32_t flags;
};

/**
 * struct accel_device_attr - what the kernel reports of an open device
 * @name: device name
 * @driver: kernel driver name
 * @abi_version: uaccel kernel ABI version
 * @index: the N of /dev/uaccel/uaccelN
 * @vendor_id: hardware vendor ID, 0 for software devices
 * @device_id: hardware device ID, 0 for software devices
 * @numa_node: NUMA node or ACCEL_NUMA_NONE
 * @num_facets: number of facets served
 * @dev_caps: device capability bits
 */
struct accel_device_attr {
	char name[ACCEL_NAME_MAX];
	char driver[ACCEL_NAME_MAX];
	uint32_t abi_version;
	uint32_t index;
	uint32_t vendor_id;
	uint32_t device_id;
	int32_t numa_node;
	uint32_t num_facets;
	uint64_t dev_caps;
};

/**
 * accel_get_device_list() - list the accelerators of the system
 * @num_devices: if not NULL, receives the number of devices
 *
 * Devices being removed while the list is read are left out.  No module
 * loaded means an empty list, not an error.
 *
 * Return: a NULL-terminated array to release with accel_free_device_list(),
 * or NULL with errno set.
 */
struct accel_device **accel_get_device_list(int *num_devices);

/**
 * accel_free_device_list() - release a list from accel_get_device_list()
 * @list: the list; NULL is allowed
 *
 * Contexts opened from its devices stay valid.
 */
void accel_free_device_list(struct accel_device **list);

/**
 * accel_device_name() - name of a listed device
 * @dev: the device
 *
 * Return: the name, as in /sys/class/uaccel/<name>.
 */
const char *accel_device_name(const struct accel_device *dev);

/**
 * accel_device_driver() - kernel driver of a listed device
 * @dev: the device
 *
 * Return: the driver name, such as "soft".
 */
const char *accel_device_driver(const struct accel_device *dev);

/**
 * accel_device_node() - device node of a listed device
 * @dev: the device
 *
 * Return: the path of its node, such as "/dev/uaccel/uaccel0".
 */
const char *accel_device_node(const struct accel_device *dev);

/**
 * accel_device_parent() - bus location of a listed device
 * @dev: the device
 *
 * Return: the path of its parent below /sys/devices, such as
 * "pci0000:00/0000:00:03.0" or "platform/uaccel_soft.0"; "" if none.
 */
const char *accel_device_parent(const struct accel_device *dev);

/**
 * accel_device_numa_node() - NUMA node of a listed device
 * @dev: the device
 *
 * Return: the node, or ACCEL_NUMA_NONE.
 */
int accel_device_numa_node(const struct accel_device *dev);

/**
 * accel_device_abi_version() - kernel ABI version of a listed device
 * @dev: the device
 *
 * Return: the uaccel ABI version its kernel core speaks.
 */
unsigned int accel_device_abi_version(const struct accel_device *dev);

/**
 * accel_device_num_facets() - number of facets of a listed device
 * @dev: the device
 *
 * Return: the number of driver ops facets listed in sysfs.
 */
int accel_device_num_facets(const struct accel_device *dev);

/**
 * accel_device_facet() - one facet of a listed device
 * @dev: the device
 * @i: index, from 0 to accel_device_num_facets() - 1
 *
 * Return: the facet, or NULL with errno EINVAL for an index out of range.
 */
const struct accel_facet_desc *accel_device_facet(const struct accel_device *dev,
						  int i);

/**
 * accel_open_device() - open a device, creating a kernel context
 * @dev: the device
 *
 * Return: the context, or NULL with errno set (EACCES without access to the
 * node, ENODEV when the device is gone).
 */
struct accel_context *accel_open_device(const struct accel_device *dev);

/**
 * accel_open_device_by_name() - find a device by name and open it
 * @name: the device name
 *
 * Return: the context, or NULL with errno set (ENODEV when no device has
 * that name).
 */
struct accel_context *accel_open_device_by_name(const char *name);

/**
 * accel_close_device() - close a context and everything created on it
 * @ctx: the context; NULL is allowed
 *
 * Return: 0 or a negative errno.
 */
int accel_close_device(struct accel_context *ctx);

/**
 * accel_context_fd() - the file descriptor of a context
 * @ctx: the context
 *
 * Return: the fd of the device node, owned by the context.
 */
int accel_context_fd(const struct accel_context *ctx);

/**
 * accel_query_device() - ask the kernel about an open device
 * @ctx: the context
 * @attr: receives the attributes
 * @attr_size: sizeof(*attr) as compiled into the caller
 *
 * Return: 0, -EINVAL for an @attr_size smaller than the first version of
 * the structure, -ENODEV when the device was removed, or another -errno.
 */
int accel_query_device(struct accel_context *ctx,
		       struct accel_device_attr *attr, size_t attr_size);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_ACCEL_H */
