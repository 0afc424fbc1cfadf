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

/*
 * Core command numbers; the ioctl request is _IO(UACCEL_IOCTL_TYPE, cmd).
 * Numbers below UACCEL_CMD_BASE belong to the commands of a facet fd.
 */
enum uaccel_cmd {
	UACCEL_CMD_BASE = 0x80,
	UACCEL_CMD_QUERY_DEVICE = UACCEL_CMD_BASE,
	UACCEL_CMD_DESTROY,
	UACCEL_CMD_ALLOC_PD,
	UACCEL_CMD_REG_MR,
	UACCEL_CMD_CREATE_CQ,
	UACCEL_CMD_CREATE_QUEUE,
	UACCEL_CMD_POST,
	UACCEL_CMD_DOORBELL,
	UACCEL_CMD_POLL_CQ,
	UACCEL_CMD_WAIT_CQ,
	UACCEL_CMD_GET_DRIVER_OPS_FD,
	UACCEL_CMD_REG_DMABUF_MR,
	UACCEL_CMD_ALLOC_DM,
	UACCEL_CMD_EXPORT_DM,
};

/* Facet commands are _IO(UACCEL_IOCTL_TYPE, nr) with nr below this. */
#define UACCEL_FACET_CMD_MAX	UACCEL_CMD_BASE

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
 * @dev_caps: out: UACCEL_DEV_CAP_* bits (capabilities of the device;
 *	bits this header does not define may be set by newer kernels)
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

/*
 * Device capabilities (dev_caps).  QUEUE_POLL: CREATE_QUEUE accepts
 * UACCEL_QUEUE_POLL (queues consumed by a polling kernel thread).
 */
#define UACCEL_DEV_CAP_QUEUE_POLL	(1ULL << 0)
/* ALLOC_DM and EXPORT_DM: the device has memory it exports as dma-bufs. */
#define UACCEL_DEV_CAP_DM		(1ULL << 1)

/**
 * struct uaccel_destroy - UACCEL_IOCTL_DESTROY
 * @size: sizeof(struct uaccel_destroy)
 * @flags: must be 0
 * @id: the object to destroy (any type)
 * @__reserved: must be 0
 *
 * Destroys a PD, MR, CQ, queue or DM of this context.  -ENOENT if no object has
 * that id; -EBUSY while it is in use (a PD with MRs or queues, a CQ with
 * queues, an object used by a running facet or queue operation).
 */
struct uaccel_destroy {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
};

#define UACCEL_IOCTL_DESTROY _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_DESTROY)

/**
 * struct uaccel_alloc_pd - UACCEL_IOCTL_ALLOC_PD
 * @size: sizeof(struct uaccel_alloc_pd)
 * @flags: must be 0
 * @out_pd_id: the new protection domain
 * @__reserved: must be 0
 *
 * A protection domain groups the memory regions and queues that may be
 * used together: a queue only reaches MRs of its own PD.
 */
struct uaccel_alloc_pd {
	__u32 size;
	__u32 flags;
	__u32 out_pd_id;
	__u32 __reserved;
};

#define UACCEL_IOCTL_ALLOC_PD _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_ALLOC_PD)

/* The longest memory region REG_MR accepts, in bytes (16 GiB). */
#define UACCEL_MR_MAX_LENGTH	(1ULL << 34)

/*
 * Objects one context may have at once: ids run from 1 to this.  Creating
 * one more fails with -ENOSPC.
 */
#define UACCEL_MAX_OBJECTS	((1U << 20) - 1)

/* REG_MR flags: access the device is given to the region. */
#define UACCEL_MR_ACCESS_WRITE	(1U << 0)	/* the device may write it */

/**
 * struct uaccel_reg_mr - UACCEL_IOCTL_REG_MR
 * @size: sizeof(struct uaccel_reg_mr)
 * @flags: UACCEL_MR_ACCESS_* bits
 * @pd_id: the protection domain
 * @out_mr_id: the new memory region
 * @addr: start of the user memory, any alignment
 * @length: its length in bytes, at least 1
 *
 * Pins the memory (FOLL_LONGTERM) and charges it to the locked memory of
 * the calling user (its uid, across all its processes), limited by the
 * caller's RLIMIT_MEMLOCK unless the caller has CAP_IPC_LOCK; the charge
 * stays with that user until the MR is destroyed, whoever holds the
 * context by then.  Ring pages of CQs and queues count against the same
 * limit.  -ENOMEM over the limit, -EFAULT for memory that is not mapped,
 * not writable with UACCEL_MR_ACCESS_WRITE, or not pinnable (such as a
 * ring mapping of a uaccel context), -EINVAL for a zero length, a length
 * above UACCEL_MR_MAX_LENGTH or a range that wraps, -ENOSPC when the
 * context has UACCEL_MAX_OBJECTS objects.
 */
struct uaccel_reg_mr {
	__u32 size;
	__u32 flags;
	__u32 pd_id;
	__u32 out_mr_id;
	__aligned_u64 addr;
	__aligned_u64 length;
};

#define UACCEL_IOCTL_REG_MR _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_REG_MR)

/*
 * Rings shared with userspace (CQ and queue) start with this header; the
 * entries follow at UACCEL_RING_ENTRIES_OFFSET.  The producer writes @tail
 * and the consumer @head, each a free-running index (entry = index & mask).
 */
struct uaccel_ring_header {
	__u32 head;
	__u32 __pad0[15];
	__u32 tail;
	__u32 flags;
	__u32 __pad1[14];
};

#define UACCEL_RING_ENTRIES_OFFSET	128

/*
 * Queue ring flags.  STALLED: the device stopped consuming because the CQ
 * had no room for the completions; it goes on at the next doorbell (or
 * POST, POLL_CQ or WAIT_CQ on the CQ), so a consumer that freed CQ entries
 * rings the doorbell when it sees this flag.  No completion is dropped.
 */
#define UACCEL_RING_STALLED	(1U << 0)

/*
 * Submission ring flags of polled queues (created with UACCEL_QUEUE_POLL),
 * written by the kernel only.  POLLED: set for the queue's whole life.
 * NEED_WAKEUP: the polling thread went to sleep; a producer that published
 * a new tail must then ring DOORBELL.  While it is clear the thread is
 * awake and sees the new tail by itself, so posting needs no system call.
 * The producer stores @tail (release), then issues a full memory barrier,
 * then reads @flags; the thread sets NEED_WAKEUP, issues a full barrier and
 * reads @tail once more before it sleeps, so one of the two always sees the
 * other's store and no entry is left behind.
 */
#define UACCEL_RING_NEED_WAKEUP	(1U << 1)
#define UACCEL_RING_POLLED	(1U << 2)

/* CQ flags. */
#define UACCEL_CQ_EVENTFD	(1U << 0)	/* signal @eventfd on completions */

/**
 * struct uaccel_create_cq - UACCEL_IOCTL_CREATE_CQ
 * @size: sizeof(struct uaccel_create_cq)
 * @flags: UACCEL_CQ_* bits
 * @entries: requested number of entries, 1 to 65536
 * @eventfd: an eventfd to signal, with UACCEL_CQ_EVENTFD
 * @out_cq_id: the new completion queue
 * @out_entries: the number of entries (a power of two >= @entries)
 * @out_mmap_offset: mmap() offset of the ring on the context fd
 * @out_mmap_size: size of the ring mapping
 *
 * Completions (struct uaccel_cqe) are written by the kernel at the ring's
 * tail; userspace reads them from the mapping and advances head, or uses
 * POLL_CQ.  Waiting: WAIT_CQ, or poll the eventfd.
 */
struct uaccel_create_cq {
	__u32 size;
	__u32 flags;
	__u32 entries;
	__u32 eventfd;
	__u32 out_cq_id;
	__u32 out_entries;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_size;
};

#define UACCEL_IOCTL_CREATE_CQ _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_CREATE_CQ)

/**
 * struct uaccel_cqe - one completion
 * @user_data: the work request's user_data
 * @status: 0, or a positive errno: EFAULT (offset or length outside an MR),
 *	EACCES (MR without write access), EINVAL (bad request), EIO (device
 *	error), ECANCELED (flushed, or stopped part way because its queue was
 *	destroyed)
 * @queue_id: the queue the work request was posted to
 * @result: operation result (COMPARE: 0 if equal, else 1 + the offset of
 *	the first difference; CRC32C: the CRC)
 * @__reserved: 0
 */
struct uaccel_cqe {
	__aligned_u64 user_data;
	__u32 status;
	__u32 queue_id;
	__aligned_u64 result;
	__aligned_u64 __reserved;
};

/*
 * CREATE_QUEUE flags.  POLL: the device consumes the ring with a kernel
 * thread that polls it while there is work and for @poll_idle_ms after the
 * last work request, then sleeps with UACCEL_RING_NEED_WAKEUP set (see the
 * ring flags above).  Only devices reporting UACCEL_DEV_CAP_QUEUE_POLL
 * accept it; others fail with -EOPNOTSUPP.
 */
#define UACCEL_QUEUE_POLL		(1U << 0)

/* The largest poll_idle_ms CREATE_QUEUE accepts. */
#define UACCEL_QUEUE_POLL_IDLE_MAX_MS	10000

/**
 * struct uaccel_create_queue - UACCEL_IOCTL_CREATE_QUEUE
 * @size: sizeof(struct uaccel_create_queue); the mandatory part ends at
 *	@out_mmap_size
 * @flags: UACCEL_QUEUE_* bits
 * @pd_id: protection domain of the MRs its work requests use
 * @cq_id: completion queue of its completions
 * @entries: requested submission ring entries, 1 to 65536
 * @out_entries: the number of entries (a power of two >= @entries)
 * @out_queue_id: the new queue
 * @out_entry_size: size of one ring entry, in the driver's format
 * @out_mmap_offset: mmap() offset of the submission ring on the context fd
 * @out_mmap_size: size of the ring mapping
 * @poll_idle_ms: with UACCEL_QUEUE_POLL, how long the polling thread keeps
 *	polling after the last work request before it sleeps, 1 to
 *	UACCEL_QUEUE_POLL_IDLE_MAX_MS, or 0 for the driver's default; must be 0
 *	without UACCEL_QUEUE_POLL (-EINVAL otherwise, as for larger values)
 * @__reserved: must be 0
 *
 * Errors: -EOPNOTSUPP for unknown flags, for a device without queues or
 * for UACCEL_QUEUE_POLL on a device without UACCEL_DEV_CAP_QUEUE_POLL;
 * -EINVAL for bad @entries, @poll_idle_ms or @__reserved; -ENOENT for a
 * PD or CQ that is not one of the context.
 */
struct uaccel_create_queue {
	__u32 size;
	__u32 flags;
	__u32 pd_id;
	__u32 cq_id;
	__u32 entries;
	__u32 out_entries;
	__u32 out_queue_id;
	__u32 out_entry_size;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_size;
	__u32 poll_idle_ms;
	__u32 __reserved;
};

#define UACCEL_IOCTL_CREATE_QUEUE _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_CREATE_QUEUE)

/* Generic work request opcodes. */
enum uaccel_wr_opcode {
	UACCEL_WR_NOP = 0,
	UACCEL_WR_COPY = 1,	/* dst[0..length) = src[0..length) */
	UACCEL_WR_FILL = 2,	/* dst[0..length) = (u8)value */
	UACCEL_WR_COMPARE = 3,	/* result = src == dst ? 0 : 1 + first difference */
	UACCEL_WR_CRC32C = 4,	/* result = crc32c(seed = value, src[0..length)) */
};

/**
 * struct uaccel_wr - a generic work request, as posted with POST
 * @opcode: UACCEL_WR_*
 * @flags: must be 0
 * @__reserved0: must be 0
 * @user_data: returned in the completion
 * @src_mr: source MR (COPY, COMPARE, CRC32C)
 * @dst_mr: destination MR (COPY, FILL, COMPARE)
 * @__reserved1: must be 0
 * @src_offset: offset in the source MR
 * @dst_offset: offset in the destination MR
 * @length: bytes
 * @value: FILL byte or CRC32C seed
 * @__reserved2: must be 0
 */
struct uaccel_wr {
	__u8 opcode;
	__u8 flags;
	__u16 __reserved0;
	__u32 src_mr;
	__aligned_u64 user_data;
	__u32 dst_mr;
	__u32 __reserved1;
	__aligned_u64 src_offset;
	__aligned_u64 dst_offset;
	__aligned_u64 length;
	__aligned_u64 value;
	__aligned_u64 __reserved2;
};

/**
 * struct uaccel_post - UACCEL_IOCTL_POST
 * @size: sizeof(struct uaccel_post)
 * @flags: must be 0
 * @queue_id: the queue
 * @count: number of work requests at @wrs, at most 4096
 * @wrs: user pointer to an array of struct uaccel_wr
 * @out_posted: how many were queued, in order: fewer than @count when the
 *	ring filled up, a work request was refused or @wrs became unreadable
 *	part way
 * @__reserved: must be 0
 *
 * The generic (system call) submission path; it rings the doorbell once
 * per 8 work requests queued.  Errors only when none was queued: -EAGAIN
 * when the ring had no room, -EFAULT for an unreadable @wrs or a structure
 * that cannot be written (@out_posted is set to 0 before anything is
 * queued), or the first work request's error.  Should the structure become
 * unwritable during the call, the call returns the count instead of
 * writing it.
 */
struct uaccel_post {
	__u32 size;
	__u32 flags;
	__u32 queue_id;
	__u32 count;
	__aligned_u64 wrs;
	__u32 out_posted;
	__u32 __reserved;
};

#define UACCEL_IOCTL_POST _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_POST)

/**
 * struct uaccel_doorbell - UACCEL_IOCTL_DOORBELL
 * @size: sizeof(struct uaccel_doorbell)
 * @flags: must be 0
 * @queue_id: the queue whose ring tail moved
 * @__reserved: must be 0
 */
struct uaccel_doorbell {
	__u32 size;
	__u32 flags;
	__u32 queue_id;
	__u32 __reserved;
};

#define UACCEL_IOCTL_DOORBELL _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_DOORBELL)

/**
 * struct uaccel_poll_cq - UACCEL_IOCTL_POLL_CQ
 * @size: sizeof(struct uaccel_poll_cq)
 * @flags: must be 0
 * @cq_id: the CQ
 * @count: room at @cqes, at most 4096
 * @cqes: user pointer to an array of struct uaccel_cqe
 * @out_polled: how many completions were copied and consumed
 * @__reserved: must be 0
 *
 * A completion is consumed only once it was written to @cqes: if @cqes
 * becomes unwritable part way the call reports what was written, and
 * -EFAULT only when nothing was; nothing is lost.  A structure that cannot
 * be written fails with -EFAULT before anything is consumed (@out_polled
 * is set to 0 first); should it become unwritable during the call, the
 * call returns the count instead of writing it.  Pollers of one CQ
 * running at the same time each get different completions; when another
 * consumer keeps taking them, the call ends with what it got (-EAGAIN if
 * nothing).  A signal ends it the same way (-EINTR if nothing).
 */
struct uaccel_poll_cq {
	__u32 size;
	__u32 flags;
	__u32 cq_id;
	__u32 count;
	__aligned_u64 cqes;
	__u32 out_polled;
	__u32 __reserved;
};

#define UACCEL_IOCTL_POLL_CQ _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_POLL_CQ)

/**
 * struct uaccel_wait_cq - UACCEL_IOCTL_WAIT_CQ
 * @size: sizeof(struct uaccel_wait_cq)
 * @flags: must be 0
 * @cq_id: the CQ
 * @timeout_ms: 0 waits without a time limit
 *
 * Sleeps until the CQ holds a completion: 0, -ETIMEDOUT, -EINTR on a
 * signal, -ENODEV when the device is removed.
 */
struct uaccel_wait_cq {
	__u32 size;
	__u32 flags;
	__u32 cq_id;
	__u32 timeout_ms;
};

#define UACCEL_IOCTL_WAIT_CQ _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_WAIT_CQ)

/*
 * Asynchronous events, read() from the context fd as whole struct
 * uaccel_event records (a buffer smaller than one record gets -EINVAL).
 * read() blocks until an event is queued unless the fd is O_NONBLOCK
 * (-EAGAIN); poll() reports EPOLLIN while events are queued.
 *
 * When the device goes away (removed, its driver unloaded, or a fatal
 * device error) every context receives one QUEUE_FLUSHED event per queue
 * it had and then DEVICE_REMOVED, its last event; read() returns -ENODEV
 * after it.  poll() on the context fd and on its facet fds then reports
 * EPOLLHUP | EPOLLERR, every other call fails with -ENODEV and the ring
 * mappings are gone (touching them raises SIGBUS).
 */
enum uaccel_event_type {
	UACCEL_EVENT_DEVICE_REMOVED = 1,
	UACCEL_EVENT_QUEUE_FLUSHED = 2,
};

/* DEVICE_REMOVED flags. */
#define UACCEL_EVENT_FATAL	(1U << 0)	/* a fatal device error caused it */

/**
 * struct uaccel_event - one asynchronous event
 * @type: UACCEL_EVENT_*
 * @flags: UACCEL_EVENT_FATAL for DEVICE_REMOVED, else 0
 * @queue_id: QUEUE_FLUSHED: the queue
 * @__reserved: 0
 * @completed: QUEUE_FLUSHED: completions the device wrote to the queue's
 *	CQ over the queue's life, including ones the consumer had not read
 *	when the CQ went away
 * @flushed: QUEUE_FLUSHED: work requests in the submission ring that the
 *	device never started; they have no completion
 *
 * Every work request given to a queue is accounted for: it was completed
 * (@completed) or it was flushed (@flushed); work running at removal is
 * finished before the queue is torn down.
 */
struct uaccel_event {
	__u32 type;
	__u32 flags;
	__u32 queue_id;
	__u32 __reserved;
	__aligned_u64 completed;
	__aligned_u64 flushed;
};

/* GET_DRIVER_OPS_FD flags. */
#define UACCEL_FACET_FD_CLOEXEC	(1U << 0)	/* the new fd is close-on-exec */

/* Facet flags, as listed in sysfs "facets". */
#define UACCEL_FACET_PRIVILEGED	(1U << 0)	/* needs CAP_SYS_ADMIN */
#define UACCEL_FACET_EXCLUSIVE	(1U << 1)	/* one fd per device at a time */

/**
 * struct uaccel_get_driver_ops_fd - UACCEL_IOCTL_GET_DRIVER_OPS_FD
 * @size: sizeof(struct uaccel_get_driver_ops_fd)
 * @flags: UACCEL_FACET_FD_* bits
 * @name: facet name, NUL-terminated, such as "dma.soft.uaccel"
 * @min_version: oldest facet version the caller speaks, at least 1
 * @max_version: newest facet version the caller speaks
 * @out_fd: the facet fd
 * @out_version: the negotiated version: the highest both sides speak
 *
 * Errors: -ENOENT no facet of that name (try an older name),
 * -EPROTONOSUPPORT no common version, -EPERM a privileged facet and the
 * opener of the context or the caller lacks CAP_SYS_ADMIN, -EBUSY an
 * exclusive facet of which an fd is open on the device (from any context),
 * -EINVAL a name without NUL or min_version 0 or above max_version,
 * -ENODEV device gone.
 * The facet fd keeps the context alive and may name its objects by id.
 */
struct uaccel_get_driver_ops_fd {
	__u32 size;
	__u32 flags;
	__u8 name[UACCEL_NAME_MAX];
	__u32 min_version;
	__u32 max_version;
	__u32 out_fd;
	__u32 out_version;
};

#define UACCEL_IOCTL_GET_DRIVER_OPS_FD _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_GET_DRIVER_OPS_FD)

/**
 * struct uaccel_uring_cmd - the command area of an IORING_OP_URING_CMD SQE
 * @addr: address of the command structure, exactly as the ioctl named by
 *	the SQE's cmd_op takes it (size first); the reply is written back
 *	into it as by the ioctl.  With UACCEL_URING_CMD_INLINE: where the
 *	reply goes (0: the command must have none)
 * @flags: UACCEL_URING_CMD_* bits; -EINVAL for others
 * @__reserved: must be 0
 *
 * Every core command of a context fd and every facet command of a facet fd
 * can be submitted through io_uring: the SQE's opcode is
 * IORING_OP_URING_CMD, its fd the context or facet fd, its cmd_op the
 * ioctl request number (UACCEL_IOCTL_*), and its command area (the 16
 * bytes at the SQE's cmd field) this structure.  With IORING_SETUP_SQE128
 * the other 64 bytes of the area must be 0.  The completion's res is what
 * the ioctl would return (0, a count, or -errno), with the same checks and
 * errors; -EINVAL for a non-zero reserved field.  A command that may sleep
 * (WAIT_CQ, and the facet commands that wait for their device) runs from
 * io_uring's worker threads, so that the submitter is not blocked;
 * cancelling the request (or exiting the ring) interrupts its wait
 * (-EINTR, or -ECANCELED from io_uring), removal of the device ends it
 * with -ENODEV.  WAIT_CQ with a timeout_ms of 1 to 60000 takes no worker:
 * it is parked on its CQ and ends on a completion (0), its limit
 * (-ETIMEDOUT), removal (-ENODEV) or the submitting task's exit
 * (-ECANCELED); io_uring cannot cancel it.
 *
 * UACCEL_URING_CMD_INLINE: the command structure is in the SQE itself, in
 * the 64 bytes of a 128-byte SQE's command area after this structure, as
 * NVMe passthrough carries its command (-EINVAL on a ring without
 * IORING_SETUP_SQE128): its size field says how many of those bytes it
 * uses, at most UACCEL_URING_CMD_INLINE_MAX (-EINVAL above), and the
 * bytes past it are ignored.  The kernel reads the structure during the
 * submission (a command that waits is issued again from io_uring's copy
 * of the SQE, taken before io_uring_submit() returns), so the SQE may be
 * reused as soon as io_uring_submit() returns; no memory of the caller
 * is read.  The reply, if the command has one, is written to @addr;
 * with @addr 0 a command with a reply (an output field, or POST and
 * POLL_CQ, which report progress) fails with -EFAULT as an ioctl whose
 * reply cannot be written does: what it created is undone, and a command
 * whose effect cannot be undone does nothing.  A command carrying a
 * secret (a cipher key) is refused inline (-EINVAL).  Otherwise the same
 * checks and errors as the ioctl, for the
 * inline structure's size and contents as if copied from the caller.
 */
struct uaccel_uring_cmd {
	__aligned_u64 addr;
	__u32 flags;
	__u32 __reserved;
};

/* The command structure follows in the SQE (IORING_SETUP_SQE128). */
#define UACCEL_URING_CMD_INLINE		(1U << 0)
/* The most bytes of command structure an SQE carries inline. */
#define UACCEL_URING_CMD_INLINE_MAX	64

/**
 * struct uaccel_reg_dmabuf_mr - UACCEL_IOCTL_REG_DMABUF_MR
 * @size: sizeof(struct uaccel_reg_dmabuf_mr)
 * @flags: UACCEL_MR_ACCESS_* bits
 * @pd_id: the protection domain
 * @out_mr_id: the new memory region
 * @offset: offset in bytes of the region in the dma-buf, any alignment
 * @length: length of the region in bytes, at least 1
 * @fd: the dma-buf file descriptor (from any exporter: a DRM driver's
 *	PRIME export, udmabuf, a dma-buf heap, EXPORT_DM of any uaccel device)
 * @__reserved: must be 0
 *
 * Registers a range of a dma-buf as an MR of @pd_id, the dma-buf
 * counterpart of REG_MR (RDMA's ibv_reg_dmabuf_mr()).  The MR is used by
 * queues, facets and drivers exactly as a user-memory MR, with offsets
 * from 0 (the byte at @offset of the dma-buf) to @length - 1.  The device
 * attaches to the dma-buf and pins it (the exporter may not move it while
 * the MR exists); the MR holds a reference to the dma-buf, so closing @fd,
 * or the exporter's own handles, leaves the MR valid.  Devices that access
 * memory with the CPU also map the dma-buf into the kernel (vmap).  The
 * memory is the exporter's and is not charged to RLIMIT_MEMLOCK.
 * Errors: -EBADF @fd is not an open file, -EINVAL it is not a dma-buf, a
 * zero length, a range that wraps or ends beyond the dma-buf, or a
 * length above UACCEL_MR_MAX_LENGTH; -EACCES UACCEL_MR_ACCESS_WRITE on a
 * dma-buf not opened for writing; -EOPNOTSUPP the exporter cannot give
 * this device the access it needs (no kernel mapping, or I/O memory, for
 * a device that uses the CPU); -ENOENT no PD of that id; -ENOSPC the
 * context has UACCEL_MAX_OBJECTS objects; the exporter's errors from
 * attaching, pinning, mapping (-ENOMEM and others).
 */
struct uaccel_reg_dmabuf_mr {
	__u32 size;
	__u32 flags;
	__u32 pd_id;
	__u32 out_mr_id;
	__aligned_u64 offset;
	__aligned_u64 length;
	__s32 fd;
	__u32 __reserved;
};

#define UACCEL_IOCTL_REG_DMABUF_MR _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_REG_DMABUF_MR)

/**
 * struct uaccel_alloc_dm - UACCEL_IOCTL_ALLOC_DM
 * @size: sizeof(struct uaccel_alloc_dm)
 * @flags: must be 0
 * @out_dm_id: the new device memory object
 * @__reserved: must be 0
 * @length: bytes of device memory, at least 1; rounded up to pages
 *
 * Allocates a buffer of device memory, zero-filled, as an object of the
 * context (RDMA's ibv_alloc_dm()), to be exported as a dma-buf with
 * EXPORT_DM.  The buffer lives as long as the object or any dma-buf of
 * it: DESTROY of the object, or removal of the device, drops the
 * object's reference, and importers and mappings keep valid memory until
 * they let go.  Its pages are charged to the locked memory of the calling
 * user (RLIMIT_MEMLOCK, as REG_MR) and to the caller's memory cgroup
 * until the buffer is freed.  Errors: -EOPNOTSUPP the device has no
 * memory to export (no UACCEL_DEV_CAP_DM), -EINVAL a zero length or one
 * above the device's limit (sysfs dm_max_bytes), -ENOMEM over
 * RLIMIT_MEMLOCK or out of memory, -ENOSPC the context has
 * UACCEL_MAX_OBJECTS objects.
 */
struct uaccel_alloc_dm {
	__u32 size;
	__u32 flags;
	__u32 out_dm_id;
	__u32 __reserved;
	__aligned_u64 length;
};

#define UACCEL_IOCTL_ALLOC_DM _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_ALLOC_DM)

/* EXPORT_DM flags. */
#define UACCEL_DMABUF_CLOEXEC	(1U << 0)	/* the new fd is close-on-exec */

/**
 * struct uaccel_export_dm - UACCEL_IOCTL_EXPORT_DM
 * @size: sizeof(struct uaccel_export_dm)
 * @flags: UACCEL_DMABUF_* bits
 * @dm_id: the device memory object
 * @out_fd: a new file descriptor of the buffer's dma-buf, open for
 *	reading and writing
 *
 * Exports the buffer of a DM object as a dma-buf (DRM's PRIME export):
 * every export of one object gives an fd of the same dma-buf.  The
 * dma-buf can be mapped with mmap() (MAP_SHARED only; -EINVAL otherwise),
 * imported by any dma-buf importer (a DRM driver's PRIME import,
 * REG_DMABUF_MR of any uaccel device) and mapped by importers for DMA
 * through their IOMMU.  Errors: -ENOENT no DM of that id, -EMFILE no free
 * descriptor.
 */
struct uaccel_export_dm {
	__u32 size;
	__u32 flags;
	__u32 dm_id;
	__s32 out_fd;
};

#define UACCEL_IOCTL_EXPORT_DM _IO(UACCEL_IOCTL_TYPE, UACCEL_CMD_EXPORT_DM)

#endif /* _UAPI_UACCEL_UACCEL_H */
