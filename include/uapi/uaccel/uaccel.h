/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * uaccel: the user/kernel ABI of the common accelerator core.
 *
 * Every core command is its own ioctl number on an opened device node
 * (/dev/uaccel/uaccelN).  Every command structure starts with
 * "__u32 size; __u32 flags;".  The kernel accepts any size that covers the
 * mandatory fields of the command, treats missing trailing fields as zero,
 * and rejects a larger structure whose extra bytes are not all zero with
 * -E2BIG.  Unknown flags fail with -EOPNOTSUPP, reserved fields must be zero
 * (-EINVAL otherwise) and an unknown ioctl number fails with -ENOTTY.
 * Output structures are written back up to the smaller of the caller's and
 * the kernel's size, so old binaries keep working against new kernels.
 *
 * Only fixed-size types are used and every structure is padded explicitly,
 * so the layout is the same for 32-bit and 64-bit callers.
 */
#ifndef _UAPI_UACCEL_UACCEL_H
#define _UAPI_UACCEL_UACCEL_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped only for incompatible changes of this header; extensions use size. */
#define UACCEL_ABI_VERSION	1

/* Length of device names, driver names and facet names, NUL included. */
#define UACCEL_NAME_MAX		64

/* numa_node value of a device without NUMA affinity. */
#define UACCEL_NUMA_NONE	0xffffffffU

/* ioctl type byte of every uaccel command. */
#define UACCEL_IOCTL_TYPE	0xD5

/* Core command numbers; the ioctl request is _IO(UACCEL_IOCTL_TYPE, cmd). */
enum uaccel_cmd {
	UACCEL_CMD_BASE = 0x80,
	UACCEL_CMD_QUERY_DEVICE = UACCEL_CMD_BASE,
};

/**
 * struct uaccel_query_device - UACCEL_IOCTL_QUERY_DEVICE
 * @size: sizeof(struct uaccel_query_device) as known to the caller
 * @flags: must be 0
 * @abi_version: out: UACCEL_ABI_VERSION of the running core
 * @index: out: the device index, the N of /dev/uaccel/uaccelN
 * @vendor_id: out: vendor ID of the hardware (PCI vendor), 0 for software
 * @device_id: out: device ID of the hardware (PCI device), 0 for software
 * @numa_node: out: NUMA node of the device or UACCEL_NUMA_NONE
 * @num_facets: out: number of driver ops facets the device serves
 * @dev_caps: out: UACCEL_DEV_CAP_* bits
 * @name: out: the device name, NUL-terminated, as in /sys/class/uaccel
 * @driver: out: the name of the kernel driver, NUL-terminated
 *
 * Describes the device behind the context.  The mandatory part is the whole
 * structure of ABI version 1: every field up to and including @driver.
 */
struct uaccel_query_device {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 index;
	__u32 vendor_id;
	__u32 device_id;
	__u32 numa_node;
	__u32 num_facets;
	__aligned_u64 dev_caps;
	__u8 name[UACCEL_NAME_MAX];
	__u8 driver[UACCEL_NAME_MAX];
};

#define UACCEL_IOCTL_QUERY_DEVICE _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_QUERY_DEVICE)

#endif /* _UAPI_UACCEL_UACCEL_H */
