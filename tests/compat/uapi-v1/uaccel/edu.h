/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * Facets of the edu accelerator (uaccel_edu.ko, QEMU's "edu" PCI device).
 *
 *  "factorial.uaccel"  version 1, shared with the soft device (factorial.h).
 *  "dma.edu.uaccel"    version 1: DMA between a core MR and the device's
 *                      4 KiB buffer.
 *
 * The device's registers are never mapped to userspace: everything goes
 * through these commands, which check every offset and length before the
 * device sees them.
 */
#ifndef _UAPI_UACCEL_EDU_H
#define _UAPI_UACCEL_EDU_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <uaccel/uaccel.h>

#define UACCEL_EDU_DMA_FACET	"dma.edu.uaccel"

/* Size of the device buffer that DMA transfers read or fill. */
#define UACCEL_EDU_BUF_SIZE	4096

/*
 * Transfers end at this offset of the buffer at most: the emulated device
 * (QEMU 7.2) treats a transfer that reaches the buffer's last byte as out
 * of bounds and stops the whole machine, so the driver keeps that byte out
 * of reach.
 */
#define UACCEL_EDU_DMA_LIMIT	(UACCEL_EDU_BUF_SIZE - 1)

enum uaccel_edu_dma_cmd {
	UACCEL_EDU_DMA_TO_DEVICE = 0,
	UACCEL_EDU_DMA_FROM_DEVICE = 1,
};

/**
 * struct uaccel_edu_dma - UACCEL_EDU_IOCTL_DMA_TO_DEVICE and _FROM_DEVICE
 * @size: sizeof(struct uaccel_edu_dma)
 * @flags: must be 0
 * @mr: an MR of the context; written by FROM_DEVICE, which needs
 *	UACCEL_MR_ACCESS_WRITE (-EACCES otherwise)
 * @dev_offset: offset in the device buffer
 * @mr_offset: offset in the MR
 * @length: bytes, 1 to UACCEL_EDU_DMA_LIMIT; @dev_offset + @length is at
 *	most UACCEL_EDU_DMA_LIMIT
 *
 * Moves @length bytes between the MR (through its DMA mapping) and the
 * device buffer, and returns when the device is done.  -EINVAL when a range
 * is outside the MR or the buffer (nothing reaches the device), -ENOENT
 * for an unknown MR, -EINTR on a signal, -ETIMEDOUT when the device does
 * not answer, -ENODEV when it is removed meanwhile.
 */
struct uaccel_edu_dma {
	__u32 size;
	__u32 flags;
	__u32 mr;
	__u32 dev_offset;
	__aligned_u64 mr_offset;
	__aligned_u64 length;
};

#define UACCEL_EDU_IOCTL_DMA_TO_DEVICE \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_EDU_DMA_TO_DEVICE)
#define UACCEL_EDU_IOCTL_DMA_FROM_DEVICE \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_EDU_DMA_FROM_DEVICE)

#endif /* _UAPI_UACCEL_EDU_H */
