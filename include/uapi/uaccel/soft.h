/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * Facets of the soft accelerator (uaccel_soft.ko).
 *
 *  "dma.soft.uaccel"   versions 1 and 2: synchronous copies between MRs of
 *                      the context, queue statistics; version 2 adds CRC32C.
 *  "softdma"           the legacy name of "dma.soft.uaccel" version 1.
 *  "debug.soft.uaccel" version 1, privileged: error injection and fatal
 *                      device errors.
 *
 * Commands are _IO(UACCEL_IOCTL_TYPE, nr) on the facet fd and follow the
 * same size/flags rules as the core commands (see uaccel.h).
 */
#ifndef _UAPI_UACCEL_SOFT_H
#define _UAPI_UACCEL_SOFT_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <uaccel/uaccel.h>

#define UACCEL_SOFT_DMA_FACET		"dma.soft.uaccel"
#define UACCEL_SOFT_DMA_LEGACY_FACET	"softdma"
#define UACCEL_SOFT_DEBUG_FACET		"debug.soft.uaccel"

enum uaccel_soft_dma_cmd {
	UACCEL_SOFT_DMA_NOP = 0,
	UACCEL_SOFT_DMA_COPY,
	UACCEL_SOFT_DMA_QUEUE_STATS,
	UACCEL_SOFT_DMA_CRC32C,		/* version 2 */
};

/**
 * struct uaccel_soft_dma_nop - UACCEL_SOFT_IOCTL_DMA_NOP: does nothing
 * @size: sizeof(struct uaccel_soft_dma_nop)
 * @flags: must be 0
 */
struct uaccel_soft_dma_nop {
	__u32 size;
	__u32 flags;
};

#define UACCEL_SOFT_IOCTL_DMA_NOP _IO(UACCEL_IOCTL_TYPE, UACCEL_SOFT_DMA_NOP)

/**
 * struct uaccel_soft_dma_copy - UACCEL_SOFT_IOCTL_DMA_COPY
 * @size: sizeof(struct uaccel_soft_dma_copy)
 * @flags: must be 0
 * @src_mr: source MR of the context
 * @dst_mr: destination MR of the context (registered with write access)
 * @src_offset: offset in the source MR
 * @dst_offset: offset in the destination MR
 * @length: bytes to copy
 *
 * Copies synchronously.  -ENOENT for an id that is not an MR of this
 * context, -EINVAL for a range outside an MR, -EACCES for a destination
 * without write access, -ENODEV when the device is removed before the
 * copy is done (the destination may be partly written: removal does not
 * wait for the rest), -EINTR when the calling process gets a fatal signal
 * before it is done (the destination may be partly written).
 */
struct uaccel_soft_dma_copy {
	__u32 size;
	__u32 flags;
	__u32 src_mr;
	__u32 dst_mr;
	__aligned_u64 src_offset;
	__aligned_u64 dst_offset;
	__aligned_u64 length;
};

#define UACCEL_SOFT_IOCTL_DMA_COPY _IO(UACCEL_IOCTL_TYPE, UACCEL_SOFT_DMA_COPY)

/**
 * struct uaccel_soft_dma_queue_stats - UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS
 * @size: sizeof(struct uaccel_soft_dma_queue_stats)
 * @flags: must be 0
 * @queue_id: a queue of the context
 * @__reserved: must be 0
 * @out_executed: work requests the device executed on it
 * @out_stalls: times it stopped because its CQ was full
 * @out_doorbells: doorbells rung on it: DOORBELL, POST (one per call) and
 *	the kernel's restarts of a stalled queue
 * @out_poll_sleeps: for a polled queue (UACCEL_QUEUE_POLL), the times the
 *	device's polling thread went to sleep and set UACCEL_RING_NEED_WAKEUP
 *	in its ring; 0 for other queues
 *
 * The mandatory part ends at @out_stalls.
 */
struct uaccel_soft_dma_queue_stats {
	__u32 size;
	__u32 flags;
	__u32 queue_id;
	__u32 __reserved;
	__aligned_u64 out_executed;
	__aligned_u64 out_stalls;
	__aligned_u64 out_doorbells;
	__aligned_u64 out_poll_sleeps;
};

#define UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_SOFT_DMA_QUEUE_STATS)

/**
 * struct uaccel_soft_dma_crc32c - UACCEL_SOFT_IOCTL_DMA_CRC32C (version 2)
 * @size: sizeof(struct uaccel_soft_dma_crc32c)
 * @flags: must be 0
 * @mr: an MR of the context
 * @seed: CRC32C seed
 * @offset: offset in the MR
 * @length: bytes
 * @out_crc: the CRC32C
 * @__reserved: must be 0
 *
 * -ENOENT for an id that is not an MR of this context, -EINVAL for a
 * range outside it, -ENODEV when the device is removed before the CRC is
 * done (removal does not wait for the rest), -EINTR when the calling
 * process gets a fatal signal before it is done.
 */
struct uaccel_soft_dma_crc32c {
	__u32 size;
	__u32 flags;
	__u32 mr;
	__u32 seed;
	__aligned_u64 offset;
	__aligned_u64 length;
	__u32 out_crc;
	__u32 __reserved;
};

#define UACCEL_SOFT_IOCTL_DMA_CRC32C _IO(UACCEL_IOCTL_TYPE, UACCEL_SOFT_DMA_CRC32C)

enum uaccel_soft_debug_cmd {
	UACCEL_SOFT_DEBUG_INJECT_ERROR = 0,
	UACCEL_SOFT_DEBUG_FATAL_ERROR = 1,
};

/**
 * struct uaccel_soft_debug_inject_error - UACCEL_SOFT_IOCTL_DEBUG_INJECT_ERROR
 * @size: sizeof(struct uaccel_soft_debug_inject_error)
 * @flags: must be 0
 * @queue_id: a queue of the context
 * @count: the next @count work requests of the queue complete with EIO
 */
struct uaccel_soft_debug_inject_error {
	__u32 size;
	__u32 flags;
	__u32 queue_id;
	__u32 count;
};

#define UACCEL_SOFT_IOCTL_DEBUG_INJECT_ERROR \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_SOFT_DEBUG_INJECT_ERROR)

/**
 * struct uaccel_soft_debug_fatal_error - UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR
 * @size: sizeof(struct uaccel_soft_debug_fatal_error)
 * @flags: must be 0
 *
 * Raises a fatal device error.  From then on every call on the device's
 * files fails with -ENODEV; the device is torn down like a removal (every
 * context gets QUEUE_FLUSHED and DEVICE_REMOVED events, the latter with
 * UACCEL_EVENT_FATAL) and then recovers: the driver registers a new device
 * under the same name, with a new index.
 */
struct uaccel_soft_debug_fatal_error {
	__u32 size;
	__u32 flags;
};

#define UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_SOFT_DEBUG_FATAL_ERROR)

#endif /* _UAPI_UACCEL_SOFT_H */
