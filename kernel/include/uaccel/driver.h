/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uaccel driver API: what a hardware or software accelerator driver uses to
 * register with the common accelerator core (uaccel_core.ko).
 *
 * Lifetime rules (docs/writing-a-driver.md has them at length):
 *  - uaccel_alloc_device() returns a device holding one reference and a
 *    zeroed driver private area of the requested size (uaccel_priv()).
 *  - uaccel_register_device() makes it visible: sysfs, the char device and
 *    the device registry; the facets of uaccel_ops.facets are served.
 *  - Every call on the device's files that reaches the driver runs inside
 *    an SRCU section of the device; the driver's own work enters one with
 *    uaccel_device_enter().  No user memory is touched inside sections.
 *  - uaccel_report_fatal() (a failure) or uaccel_unregister_device() stop
 *    the device: calls fail with -ENODEV, uaccel_device_enter() fails and
 *    uaccel_ops.shut runs, once.
 *  - uaccel_unregister_device() never waits for userspace, only for the
 *    sections.  Then it destroys every object of the device's contexts
 *    through the driver (reason DISASSOCIATE).  When it returns the core
 *    no longer calls into the driver for this device, so the driver may
 *    free its resources and its module may be unloaded even while file
 *    descriptors of the device are still open (they fail with -ENODEV).
 *  - uaccel_put_device() drops the driver's reference; the memory (including
 *    the private area) is freed when the last file referencing it is closed.
 */
#ifndef _UACCEL_DRIVER_H
#define _UACCEL_DRIVER_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <uaccel/cipher.h>
#include <uaccel/factorial.h>
#include <uaccel/uaccel.h>

struct uaccel_device;
struct uaccel_context;
struct uaccel_facet_file;
struct uaccel_event_node;
struct uaccel_factorial_ops;
struct uaccel_cipher_ops;
struct sg_table;
struct user_struct;
struct file;
struct io_uring_cmd;

/* Types of the core objects of a context. */
enum uaccel_obj_type {
	UACCEL_OBJ_PD = 1,
	UACCEL_OBJ_MR,
	UACCEL_OBJ_CQ,
	UACCEL_OBJ_QUEUE,
	UACCEL_OBJ_DM,
};

/**
 * struct uaccel_object - what every core object starts with (core-owned)
 * @ctx: the context owning it
 * @id: its id in the context, as seen by userspace
 * @type: UACCEL_OBJ_*
 * @usecnt: users that make DESTROY fail with -EBUSY: dependent objects
 *	and holders of uaccel_*_get() references
 * @published: visible to lookups and DESTROY; set once the reply of the
 *	command that created it reached the caller
 */
struct uaccel_object {
	struct uaccel_context *ctx;
	u32 id;
	enum uaccel_obj_type type;
	atomic_t usecnt;
	bool published;
};

/**
 * struct uaccel_locked - locked memory charged for an object
 * @user: the user charged (RLIMIT_MEMLOCK), NULL when the creator had
 *	CAP_IPC_LOCK
 * @npages: pages charged
 *
 * Pinned MR pages and ring pages count against the locked-memory limit of
 * the user who created the object, whichever process or context holds it
 * later (see docs/design.md, "Locked memory").
 */
struct uaccel_locked {
	struct user_struct *user;
	unsigned long npages;
};

/**
 * struct uaccel_pd - protection domain
 * @obj: the object header
 */
struct uaccel_pd {
	struct uaccel_object obj;
};

/*
 * MRs (pinned user memory) and CQs (completion rings) are core-owned and
 * opaque to drivers: they take them by id and use them through the
 * uaccel_mr_*() and uaccel_cq_*() functions below.
 */
struct uaccel_mr;
struct uaccel_cq;

/**
 * struct uaccel_queue - submission queue (core-owned; the driver area
 *	follows, see uaccel_queue_priv())
 * @obj: the object header
 * @pd: the protection domain of the MRs it may use
 * @cq: the CQ of its completions
 * @ring: the submission ring shared with userspace
 * @entries: number of ring entries, a power of two
 * @entry_size: size of one ring entry (struct uaccel_ops.queue_entry_size)
 * @ring_size: size of the ring allocation
 * @flags: the UACCEL_QUEUE_* flags it was created with
 * @poll_idle_ms: with UACCEL_QUEUE_POLL, the idle time userspace asked for
 *	(1 to UACCEL_QUEUE_POLL_IDLE_MAX_MS), or 0 for the driver's default
 * @post_lock: serialises the kernel-side producer (POST)
 * @cq_entry: entry in cq->queues
 * @completed: completions written by uaccel_queue_complete()
 * @flush_event: the QUEUE_FLUSHED event given to the context if the device
 *	goes away while the queue exists (allocated with the queue)
 * @locked: the locked-memory charge of the ring
 * @priv: driver area of uaccel_ops.queue_priv_size bytes
 */
struct uaccel_queue {
	struct uaccel_object obj;
	struct uaccel_pd *pd;
	struct uaccel_cq *cq;
	struct uaccel_ring_header *ring;
	u32 entries;
	u32 entry_size;
	size_t ring_size;
	u32 flags;
	u32 poll_idle_ms;
	struct mutex post_lock;	/* kernel-side producer */
	struct list_head cq_entry;
	atomic64_t completed;
	struct uaccel_event_node *flush_event;
	struct uaccel_locked locked;
	u8 priv[] __aligned(sizeof(u64));
};

/**
 * struct uaccel_ucmd - one ioctl call being executed
 * @ctx: the context it was issued on (directly or through a facet fd)
 * @ffile: the facet file, or NULL for core commands
 * @ubuf: the caller's structure (core only: handlers never touch user
 *	memory, see uaccel_ucmd_respond())
 * @user_size: the size the caller declared in its structure
 * @cmd: the kernel copy, zero-extended to the kernel's size
 * @reply_size: set by uaccel_ucmd_respond(): bytes of @cmd to copy back
 * @reply_on_error: core only: copy the reply back even when the command
 *	fails (a field says what the error is about); a failed copy then
 *	leaves the command's error as it is
 * @new_obj_id: core only: the object the command created, made visible
 *	(or destroyed) once the reply was (or could not be) copied
 * @new_file: core only: the file the command created, installed at
 *	@new_fd once the reply was copied, released otherwise
 * @new_fd: core only: the descriptor reserved for @new_file
 * @ioucmd: core only: the io_uring request of a command issued from the
 *	submitting task (IO_URING_F_NONBLOCK) that may complete it later
 *	(WAIT_CQ), or NULL
 */
struct uaccel_ucmd {
	struct uaccel_context *ctx;
	struct uaccel_facet_file *ffile;
	void __user *ubuf;
	u32 user_size;
	void *cmd;
	u32 reply_size;
	bool reply_on_error;
	u32 new_obj_id;
	struct file *new_file;
	int new_fd;
	struct io_uring_cmd *ioucmd;
};

/**
 * struct uaccel_ioctl_op - how the core checks and runs one command
 * @size: the kernel's size of the command structure, at most 256
 * @min_size: the smallest size a caller may pass (end of mandatory fields)
 * @valid_flags: the flags the command understands
 * @min_version: for facet commands, the first facet version that has it
 * @execute: the handler, called with a checked and zero-extended copy,
 *	inside the device's section (the device is registered throughout);
 *	it must not access user memory
 * @unlocked: core commands only: @execute enters the device's section
 *	itself, around whatever is not a user memory access
 * @waits: @execute may sleep for long (it waits for the device, for
 *	completions or for a large amount of work).  An io_uring submission
 *	(IORING_OP_URING_CMD) runs such a command from io_uring's worker
 *	threads instead of the submitting task, so that the submitter is not
 *	blocked; the wait must end on a signal (io_uring's cancellation of
 *	the request is one) or on the device's removal.
 * @reply_first: @execute changes what the core cannot undo (a session of
 *	the driver, work queued to the device) before it replies: the
 *	dispatcher first checks that the caller's structure can take the
 *	reply (it writes back the first and the last 4 bytes of what the
 *	reply covers, as they were read) and fails with -EFAULT, nothing
 *	done, when it cannot, as for an inline io_uring command without a
 *	reply address; so -EFAULT means that nothing was done
 * @secret: the structure carries a secret (a key): refused (-EINVAL) as
 *	an inline io_uring command, since io_uring keeps copies of SQEs that
 *	it frees without wiping them
 *
 * Use UACCEL_IOCTL_OP(), UACCEL_IOCTL_OP_WAITS() or their variants below
 * to fill one.
 */
struct uaccel_ioctl_op {
	u32 size;
	u32 min_size;
	u32 valid_flags;
	u32 min_version;
	int (*execute)(struct uaccel_ucmd *ucmd);
	bool unlocked;
	bool waits;
	bool reply_first;
	bool secret;
};

/* The largest command structure the dispatcher copies in. */
#define UACCEL_IOCTL_MAX_SIZE	256

/*
 * One entry of a command table indexed by command number minus the table's
 * base; last is the last mandatory field of the structure type.  The
 * structure's layout is checked at build time: it starts with __u32 size
 * and __u32 flags and fits UACCEL_IOCTL_MAX_SIZE.  Registration checks
 * that the mandatory part covers size and flags.
 */
#define __UACCEL_IOCTL_OP_FULL(idx, type, last, vflags, version, fn, unl, \
			       wts, rfirst, sec)			\
	[idx] = {							\
		.size = sizeof(type) +					\
			BUILD_BUG_ON_ZERO(sizeof(type) > UACCEL_IOCTL_MAX_SIZE) + \
			BUILD_BUG_ON_ZERO(offsetof(type, size) != 0) +	\
			BUILD_BUG_ON_ZERO(offsetof(type, flags) != 4),	\
		.min_size = offsetofend(type, last),			\
		.valid_flags = (vflags),				\
		.min_version = (version),				\
		.execute = (fn),					\
		.unlocked = (unl),					\
		.waits = (wts),						\
		.reply_first = (rfirst),				\
		.secret = (sec),					\
	}
#define __UACCEL_IOCTL_OP(idx, type, last, vflags, version, fn, unl, wts) \
	__UACCEL_IOCTL_OP_FULL(idx, type, last, vflags, version, fn, unl, \
			       wts, false, false)
#define UACCEL_IOCTL_OP(idx, type, last, vflags, version, fn)	\
	__UACCEL_IOCTL_OP(idx, type, last, vflags, version, fn, false, false)
/* A command that may sleep for long: see uaccel_ioctl_op.waits. */
#define UACCEL_IOCTL_OP_WAITS(idx, type, last, vflags, version, fn)	\
	__UACCEL_IOCTL_OP(idx, type, last, vflags, version, fn, false, true)
/* ... that changes what cannot be undone, then replies: @reply_first. */
#define UACCEL_IOCTL_OP_WAITS_REPLY_FIRST(idx, type, last, vflags, version, \
					  fn)				\
	__UACCEL_IOCTL_OP_FULL(idx, type, last, vflags, version, fn, false, \
			       true, true, false)
/* ... and whose structure carries a secret: @secret too. */
#define UACCEL_IOCTL_OP_WAITS_SECRET(idx, type, last, vflags, version, fn) \
	__UACCEL_IOCTL_OP_FULL(idx, type, last, vflags, version, fn, false, \
			       true, true, true)

/**
 * uaccel_ucmd_respond() - give a command's result back to the caller
 * @ucmd: the command
 * @size: the kernel's size of the structure
 *
 * Records that @ucmd->cmd is the reply.  The core copies it (at most the
 * caller's size) after the handler returned 0 and the call left the
 * device's section, so that no handler touches user memory while removal
 * may be waiting for it; -EFAULT then becomes the command's result.
 * Return: 0.
 */
int uaccel_ucmd_respond(struct uaccel_ucmd *ucmd, size_t size);

/**
 * uaccel_ucmd_device() - the device a command was issued to
 * @ucmd: the command
 *
 * Return: the device; registered for the duration of the command.
 */
struct uaccel_device *uaccel_ucmd_device(const struct uaccel_ucmd *ucmd);

/**
 * struct uaccel_facet - a named, versioned driver interface
 * @name: lowercase [a-z0-9._-], at most 63 bytes, such as "dma.soft.uaccel"
 * @min_version: oldest version served, at least 1
 * @max_version: newest version served
 * @flags: UACCEL_FACET_PRIVILEGED (the opener and the caller need
 *	CAP_SYS_ADMIN), UACCEL_FACET_EXCLUSIVE (at most one fd of the facet is
 *	open on the device at a time; the next request gets -EBUSY until it
 *	is closed)
 * @ops: command table, indexed by command number
 * @num_ops: entries in @ops, at most UACCEL_FACET_CMD_MAX
 * @factorial: for "factorial.uaccel", whose commands the core implements,
 *	the driver's operations (see UACCEL_FACTORIAL_FACET_INIT()); NULL
 *	for other facets
 * @cipher: for "cipher.uaccel", likewise (UACCEL_CIPHER_FACET_INIT())
 *
 * A driver lists its facets in uaccel_ops.facets; the core serves them
 * from the device's registration on.
 */
struct uaccel_facet {
	const char *name;
	u32 min_version;
	u32 max_version;
	u32 flags;
	const struct uaccel_ioctl_op *ops;
	unsigned int num_ops;
	const struct uaccel_factorial_ops *factorial;
	const struct uaccel_cipher_ops *cipher;
};

/* Facets one device may serve. */
#define UACCEL_MAX_FACETS	16

/**
 * uaccel_facet_version() - the version negotiated for a facet file
 * @ffile: the facet file of a facet command
 *
 * Return: the version.
 */
u32 uaccel_facet_version(const struct uaccel_facet_file *ffile);

/**
 * uaccel_mr_get() - take an MR of a context by id
 * @ctx: the context
 * @id: the MR id
 *
 * While the MR is held, DESTROY of it fails with -EBUSY and its pages stay
 * pinned (and mapped for DMA).
 * Return: the MR or ERR_PTR(-ENOENT); release it with uaccel_mr_put().
 */
struct uaccel_mr *uaccel_mr_get(struct uaccel_context *ctx, u32 id);

/**
 * uaccel_mr_put() - release an MR from uaccel_mr_get() or
 *	uaccel_queue_mr_get()
 * @mr: the MR
 */
void uaccel_mr_put(struct uaccel_mr *mr);

/**
 * uaccel_mr_check() - check an access to an MR
 * @mr: the MR
 * @offset: offset of the access
 * @length: its length
 * @write: whether the device writes
 *
 * Return: 0, -EINVAL for a range outside the MR, -EACCES for a write to an
 * MR without UACCEL_MR_ACCESS_WRITE.
 */
int uaccel_mr_check(const struct uaccel_mr *mr, u64 offset, u64 length,
		    bool write);

/**
 * uaccel_mr_cpu_mapped() - whether the CPU can reach an MR
 * @mr: the MR
 *
 * Every MR of a device without UACCEL_OPS_MR_DMA can be reached by the
 * CPU (uaccel_mr_kmap(), uaccel_mr_sg_table()).  An MR of a
 * UACCEL_OPS_MR_DMA device may be DMA-only: a dma-buf whose exporter has
 * no kernel mapping of it (REG_DMABUF_MR).  Such a driver checks this
 * before it touches the MR with the CPU.
 * Return: true if uaccel_mr_kmap() and uaccel_mr_sg_table() may be used.
 */
bool uaccel_mr_cpu_mapped(const struct uaccel_mr *mr);

/**
 * uaccel_mr_kmap() - map the page of an MR that holds one offset
 * @mr: the MR
 * @offset: an offset below mr->length
 * @avail: receives the bytes from @offset to the end of that page (or of
 *	the MR, whichever comes first)
 *
 * Return: the kernel address of @offset, from kmap_local_page(); release
 * with kunmap_local() in reverse order of mapping.
 */
void *uaccel_mr_kmap(const struct uaccel_mr *mr, u64 offset, size_t *avail);

/**
 * uaccel_mr_dma_addr() - the device address of a byte of an MR
 * @mr: an MR of a device with UACCEL_OPS_MR_DMA
 * @offset: an offset below mr->length
 * @contig: receives the bytes from @offset that are contiguous in device
 *	address space (at least 1)
 *
 * Return: the DMA address of @offset.
 */
dma_addr_t uaccel_mr_dma_addr(const struct uaccel_mr *mr, u64 offset,
			      u64 *contig);

/**
 * uaccel_mr_sg_table() - the pages of a range of an MR as a scatterlist
 * @mr: the MR
 * @offset: offset of the range
 * @length: its length, at least 1; the range must be inside the MR
 *	(uaccel_mr_check())
 * @sgt: filled with one entry per page (merged where contiguous), not
 *	mapped for DMA; release with sg_free_table()
 * @gfp: allocation flags of the table
 *
 * For drivers that hand pages to an API that maps them itself (virtio
 * rings, the crypto API).  The pages stay pinned while the MR is held.
 * Return: 0, -ENOMEM, or -EOPNOTSUPP for an MR the CPU cannot reach
 * (see uaccel_mr_cpu_mapped()).
 */
int uaccel_mr_sg_table(const struct uaccel_mr *mr, u64 offset, u64 length,
		       struct sg_table *sgt, gfp_t gfp);

/**
 * uaccel_mr_dma_sync() - hand an MR's DMA mapping to the device or the CPU
 * @mr: an MR of a device with UACCEL_OPS_MR_DMA
 * @for_device: true before the device accesses it, false after
 */
void uaccel_mr_dma_sync(struct uaccel_mr *mr, bool for_device);

/**
 * uaccel_context_get() - keep a context (and its objects) alive
 * @ctx: the context, for example ucmd->ctx of a running command
 *
 * For work that outlives the command that started it, such as an
 * asynchronous operation that will post to one of the context's CQs: the
 * objects of a context are destroyed when its last reference goes.  Such
 * work must still be finished or cancelled before the driver unregisters
 * the device, since removal destroys the objects regardless.
 */
void uaccel_context_get(struct uaccel_context *ctx);

/**
 * uaccel_context_put() - drop a reference from uaccel_context_get()
 * @ctx: the context
 *
 * May destroy the context's objects: call it without driver locks that
 * those destructions need.
 */
void uaccel_context_put(struct uaccel_context *ctx);

/**
 * uaccel_cq_get() - take a CQ of a context by id
 * @ctx: the context
 * @id: the CQ id
 *
 * For work that completes into a CQ named by userspace.  While the CQ is
 * held, DESTROY of it fails with -EBUSY.
 * Return: the CQ or ERR_PTR(-ENOENT); release it with uaccel_cq_put() or
 * uaccel_cq_complete_put().
 */
struct uaccel_cq *uaccel_cq_get(struct uaccel_context *ctx, u32 id);

/**
 * uaccel_cq_put() - release a CQ from uaccel_cq_get()
 * @cq: the CQ
 */
void uaccel_cq_put(struct uaccel_cq *cq);

/**
 * uaccel_cq_reserve() - reserve a CQ slot for a completion to come
 * @cq: the CQ
 *
 * Return: 0, or -ENOSPC when the CQ has no free slot.
 */
int uaccel_cq_reserve(struct uaccel_cq *cq);

/**
 * uaccel_cq_post() - write a completion into a slot reserved before
 * @cq: the CQ
 * @cqe: the completion
 *
 * Call uaccel_cq_notify() once after a batch.
 */
void uaccel_cq_post(struct uaccel_cq *cq, const struct uaccel_cqe *cqe);

/**
 * uaccel_cq_complete_put() - post a completion, notify, drop the CQ
 * @cq: the CQ, from uaccel_cq_get(), with a slot reserved
 * @cqe: the completion
 *
 * uaccel_cq_post(), uaccel_cq_notify() and uaccel_cq_put() at once with
 * respect to DESTROY: a program that destroys the CQ as soon as it has seen
 * the completion never gets -EBUSY.  For work a facet completes on its own
 * (not through a queue); the CQ may be gone when this returns.  Process
 * context.
 */
void uaccel_cq_complete_put(struct uaccel_cq *cq, const struct uaccel_cqe *cqe);

/**
 * uaccel_queue_complete() - complete a work request of a queue
 * @q: the queue
 * @cqe: the completion; its queue_id is filled in
 *
 * uaccel_cq_post() on the queue's CQ (a slot must have been reserved with
 * uaccel_cq_reserve()), counted for the QUEUE_FLUSHED accounting.
 */
void uaccel_queue_complete(struct uaccel_queue *q, struct uaccel_cqe *cqe);

/**
 * uaccel_cq_notify() - wake WAIT_CQ sleepers and signal the eventfd
 * @cq: the CQ
 */
void uaccel_cq_notify(struct uaccel_cq *cq);

/**
 * uaccel_queue_get() - take a queue of a context by id
 * @ctx: the context
 * @id: the queue id
 *
 * For facet commands that name a queue.  While the queue is held, DESTROY
 * of it fails with -EBUSY.
 * Return: the queue or ERR_PTR(-ENOENT); release it with uaccel_queue_put().
 */
struct uaccel_queue *uaccel_queue_get(struct uaccel_context *ctx, u32 id);

/**
 * uaccel_queue_put() - release a queue from uaccel_queue_get()
 * @q: the queue
 */
void uaccel_queue_put(struct uaccel_queue *q);

/**
 * uaccel_queue_mr_get() - take an MR a queue's work request names
 * @q: the queue
 * @id: the MR id
 *
 * Protection domains: a queue reaches only the MRs of its context that
 * belong to its PD.
 * Return: the MR or ERR_PTR(-ENOENT) when the context has no MR of that id
 * in the queue's PD; release it with uaccel_mr_put().
 */
struct uaccel_mr *uaccel_queue_mr_get(struct uaccel_queue *q, u32 id);

/**
 * uaccel_queue_device() - the device a queue belongs to
 * @q: the queue
 *
 * Return: the device; valid while the queue exists.
 */
struct uaccel_device *uaccel_queue_device(const struct uaccel_queue *q);

/**
 * uaccel_queue_priv() - the driver area of a queue
 * @q: the queue
 *
 * Return: the zeroed area of uaccel_ops.queue_priv_size bytes.
 */
static inline void *uaccel_queue_priv(struct uaccel_queue *q)
{
	return q->priv;
}

/**
 * uaccel_queue_entry() - one entry of a submission ring
 * @q: the queue
 * @index: free-running index
 *
 * Return: the entry at @index & (entries - 1).
 */
static inline void *uaccel_queue_entry(struct uaccel_queue *q, u32 index)
{
	return (u8 *)q->ring + UACCEL_RING_ENTRIES_OFFSET +
	       (size_t)(index & (q->entries - 1)) * q->entry_size;
}

/**
 * struct uaccel_factorial_req - a FACTORIAL_SUBMIT handed to the driver
 * @list: the driver's, for its list of pending requests
 * @value: n
 * @ctx: core-owned: the context, referenced until the completion
 * @cq: core-owned: the CQ, held with a slot reserved for the completion
 * @user_data: core-owned: for the completion
 *
 * The driver completes it once with uaccel_factorial_complete(), at the
 * latest from its uaccel_ops.shut (the CQ exists until removal destroys
 * the objects, after shut and after every section ended).
 */
struct uaccel_factorial_req {
	struct list_head list;
	u32 value;
	struct uaccel_context *ctx;
	struct uaccel_cq *cq;
	u64 user_data;
};

/**
 * struct uaccel_factorial_ops - a driver's side of "factorial.uaccel"
 * @compute: n! modulo 2^32 into *@result, blocking: 0, -EINTR on a
 *	signal, -ETIMEDOUT when the device does not answer, -ENODEV when it
 *	goes away meanwhile
 * @submit: optional: take @req (the CQ is checked and has a slot for it)
 *	and complete it later with uaccel_factorial_complete(); or return
 *	-errno (-ENODEV when the device stopped) without completing it.
 *	Without @submit, FACTORIAL_SUBMIT computes with @compute at once and
 *	posts the completion before it returns.
 *
 * The command table, its argument checks, the CQ lookup and reservation
 * and the completion's layout are the core's (kernel/core/factorial.c,
 * include/uapi/uaccel/factorial.h).  Both run inside a facet command, so
 * inside the device's section.
 */
struct uaccel_factorial_ops {
	int (*compute)(struct uaccel_device *udev, u32 n, u32 *result);
	int (*submit)(struct uaccel_device *udev,
		      struct uaccel_factorial_req *req);
};

/**
 * uaccel_factorial_complete() - post the completion of a FACTORIAL_SUBMIT
 * @req: the request the driver's submit() took; freed here
 * @err: 0, or why the computation failed: -ETIMEDOUT, or -ENODEV when the
 *	device went away first (the completion then carries ECANCELED)
 * @result: n! modulo 2^32 when @err is 0
 *
 * Posts the completion (queue_id 0, the caller's user_data), notifies the
 * CQ and releases the request's CQ and context.  Process context.
 */
void uaccel_factorial_complete(struct uaccel_factorial_req *req, int err,
			       u32 result);

/* Commands of "factorial.uaccel" (COMPUTE, SUBMIT). */
#define UACCEL_FACTORIAL_NR_CMDS	2

/*
 * uaccel_factorial_cmds - the core's command table of "factorial.uaccel"
 * (exported data, documented here rather than in kernel-doc, which takes
 * no variables):
 *
 * COMPUTE calls uaccel_factorial_ops.compute and replies with the result;
 * SUBMIT takes the CQ (-ENOENT), reserves a slot (-ENOSPC) and hands a
 * struct uaccel_factorial_req to uaccel_factorial_ops.submit.  Referenced
 * by UACCEL_FACTORIAL_FACET_INIT(); drivers do not use it otherwise.
 */
extern const struct uaccel_ioctl_op uaccel_factorial_cmds[UACCEL_FACTORIAL_NR_CMDS];

/**
 * UACCEL_FACTORIAL_FACET_INIT() - the facet "factorial.uaccel" of a driver
 * @fops: the driver's const struct uaccel_factorial_ops
 *
 * Initialises a struct uaccel_facet: name, versions and command table are
 * the core's, the operations the driver's.
 */
#define UACCEL_FACTORIAL_FACET_INIT(fops) {				\
	.name = UACCEL_FACTORIAL_FACET,					\
	.min_version = 1,						\
	.max_version = UACCEL_FACTORIAL_VERSION,			\
	.ops = uaccel_factorial_cmds,					\
	.num_ops = UACCEL_FACTORIAL_NR_CMDS,				\
	.factorial = (fops),						\
}

/**
 * struct uaccel_cipher_session - a session of "cipher.uaccel" (core-owned;
 *	the driver area follows, see uaccel_cipher_session_priv())
 * @alg: enum uaccel_cipher_alg
 * @key_len: 16, 24 or 32
 * @id: its id, as userspace sees it
 * @ffile: the facet file that owns it (core-owned)
 * @ops: the driver's operations (core-owned)
 * @active: requests of it in the driver or running, whose completion is
 *	not posted yet: SESSION_DESTROY answers -EBUSY (core-owned)
 * @pending: requests that still refer to it, @active ones and completed
 *	ones whose completion has not returned yet (core-owned; waited for
 *	with wait_var_event(), since the session may be freed as soon as it
 *	drops to 0)
 * @gone: on a list of sessions being destroyed (core-owned)
 * @priv: driver area of uaccel_cipher_ops.session_priv_size bytes, zeroed
 */
struct uaccel_cipher_session {
	u32 alg;
	u32 key_len;
	u32 id;
	struct uaccel_facet_file *ffile;
	const struct uaccel_cipher_ops *ops;
	atomic_t active;
	atomic_t pending;
	struct list_head gone;
	u8 priv[] __aligned(sizeof(u64));
};

/* The driver area of a session. */
static inline void *uaccel_cipher_session_priv(struct uaccel_cipher_session *s)
{
	return s->priv;
}

/**
 * struct uaccel_cipher_req - one request of "cipher.uaccel" (core-owned;
 *	the driver area follows, see uaccel_cipher_req_priv())
 * @list: free for the driver while it holds the request
 * @session: its session
 * @op: enum uaccel_cipher_op
 * @iv: the IV or initial counter block
 * @src: the input MR, held (uaccel_mr_get()) and checked
 * @dst: the output MR, held and checked for write access
 * @src_offset: offset of the input in @src
 * @dst_offset: offset of the output in @dst
 * @length: bytes: at least 1, at most uaccel_cipher_ops.max_length, a
 *	multiple of UACCEL_CIPHER_BLOCK_SIZE for CBC
 * @user_data: SUBMIT only, core-owned: for the completion
 * @cq: SUBMIT only, core-owned: the CQ, held, with a slot reserved
 * @ctx: SUBMIT only, core-owned: the context, held
 * @priv: driver area of uaccel_cipher_ops.req_priv_size bytes, zeroed
 */
struct uaccel_cipher_req {
	struct list_head list;
	struct uaccel_cipher_session *session;
	u32 op;
	u8 iv[UACCEL_CIPHER_IV_SIZE];
	struct uaccel_mr *src;
	struct uaccel_mr *dst;
	u64 src_offset;
	u64 dst_offset;
	u64 length;
	u64 user_data;
	struct uaccel_cq *cq;
	struct uaccel_context *ctx;
	u8 priv[] __aligned(sizeof(u64));
};

/* The driver area of a request. */
static inline void *uaccel_cipher_req_priv(struct uaccel_cipher_req *req)
{
	return req->priv;
}

/**
 * struct uaccel_cipher_ops - a driver's side of "cipher.uaccel"
 * @algs: the algorithms it serves, BIT(alg) of enum uaccel_cipher_alg
 * @max_length: the longest request, in bytes (at least 4096; the core
 *	caps it at 4 MiB)
 * @session_priv_size: size of the driver area of a session
 * @req_priv_size: size of the driver area of a request
 * @session_create: set up @s (alg, key_len and the zeroed driver area
 *	filled in) with @key: 0, -ENOSPC when the device has no room for
 *	another session, -EIO when it refused the key, -ENOMEM, -ENODEV
 * @session_destroy: tear @s down; called once for each session that
 *	@session_create set up, with no request of it in the driver and the
 *	driver registered: from SESSION_DESTROY, the close of its facet file
 *	or of its context, or the removal of the device.  The device may
 *	have stopped taking calls (after uaccel_ops.shut): it must not wait
 *	for the hardware then (uaccel_device_removing())
 * @crypt: run @req and return when its output is in the destination: 0,
 *	-EIO, -ETIMEDOUT, -ENODEV when the device went away meanwhile, or
 *	-EINTR on a fatal signal if the device no longer reaches the MRs.
 *	Inside a facet command, so inside the device's section.
 * @submit: optional: queue @req and complete it later, once, with
 *	uaccel_cipher_complete(), at the latest from uaccel_ops.shut; or
 *	return -errno (-ENODEV when the device stopped) without completing
 *	it.  @last is true for the last request of a SUBMIT (the moment to
 *	notify the device of the batch).  Inside a section.  Without
 *	@submit, SUBMIT runs each request with @crypt and completes it
 *	before it returns.
 *
 * The commands, their checks, the sessions' table and limits, the MR and
 * CQ lookups and the completions are the core's (kernel/core/cipher.c,
 * include/uapi/uaccel/cipher.h).
 */
struct uaccel_cipher_ops {
	u32 algs;
	u64 max_length;
	size_t session_priv_size;
	size_t req_priv_size;
	int (*session_create)(struct uaccel_device *udev,
			      struct uaccel_cipher_session *s, const u8 *key);
	void (*session_destroy)(struct uaccel_device *udev,
				struct uaccel_cipher_session *s);
	int (*crypt)(struct uaccel_device *udev, struct uaccel_cipher_req *req);
	int (*submit)(struct uaccel_device *udev, struct uaccel_cipher_req *req,
		      bool last);
};

/**
 * uaccel_cipher_complete() - complete a request the driver's submit() took
 * @req: the request; freed here, with its MRs, CQ and context released
 * @err: 0, -EIO, -ETIMEDOUT, -ENOMEM, or -ENODEV when the device went
 *	away first (the completion then carries ECANCELED)
 *
 * Posts the completion (queue_id 0, the request's user_data, result the
 * length on success) and notifies the CQ.  Process context.
 */
void uaccel_cipher_complete(struct uaccel_cipher_req *req, int err);

/* Commands of "cipher.uaccel" (QUERY ... SUBMIT). */
#define UACCEL_CIPHER_NR_CMDS	5

/*
 * uaccel_cipher_cmds - the core's command table of "cipher.uaccel"
 * (exported data): referenced by UACCEL_CIPHER_FACET_INIT(); drivers do
 * not use it otherwise.
 */
extern const struct uaccel_ioctl_op uaccel_cipher_cmds[UACCEL_CIPHER_NR_CMDS];

/**
 * UACCEL_CIPHER_FACET_INIT() - the facet "cipher.uaccel" of a driver
 * @cops: the driver's const struct uaccel_cipher_ops
 *
 * Initialises a struct uaccel_facet: name, versions and command table are
 * the core's, the operations the driver's.
 */
#define UACCEL_CIPHER_FACET_INIT(cops) {				\
	.name = UACCEL_CIPHER_FACET,					\
	.min_version = 1,						\
	.max_version = UACCEL_CIPHER_VERSION,				\
	.ops = uaccel_cipher_cmds,					\
	.num_ops = UACCEL_CIPHER_NR_CMDS,				\
	.cipher = (cops),						\
}

/*
 * uaccel_ops flags.  MR_DMA: the device reaches MRs by DMA; the core maps
 * every MR for the device's parent (struct device) when it is registered,
 * honouring the parent's DMA mask, and unmaps it when the MR goes.
 */
#define UACCEL_OPS_MR_DMA	BIT(0)

/**
 * struct uaccel_ops - per-driver operations, one static const table per driver
 * @owner: the driver module (THIS_MODULE)
 * @driver_name: short driver name, shown in sysfs "driver" and QUERY_DEVICE
 * @dev_groups: optional NULL-terminated driver attribute groups, created on
 *	the class device /sys/class/uaccel/<name>
 * @flags: UACCEL_OPS_* bits
 * @queue_priv_size: size of the driver area of each queue
 * @queue_entry_size: size of one submission ring entry, a power of two
 *	from 16 to 256 (0 if the device has no queues)
 * @queue_flags: the UACCEL_QUEUE_* flags of CREATE_QUEUE the driver
 *	implements (UACCEL_QUEUE_POLL: the driver polls the ring from a
 *	kernel thread and implements the UACCEL_RING_NEED_WAKEUP protocol);
 *	CREATE_QUEUE fails with -EOPNOTSUPP for others, and QUERY_DEVICE
 *	reports the matching UACCEL_DEV_CAP_* bits
 * @create_queue: set up a queue; the ring is allocated and zeroed, and
 *	q->flags and q->poll_idle_ms hold what userspace asked for
 * @destroy_queue: stop using a queue: when it returns, nothing of the
 *	device touches the queue, its ring, its CQ or any MR for it again.
 *	Work the device took from the ring (moved the ring's head past) must
 *	have been completed through uaccel_queue_complete(); entries it did
 *	not take are reported to userspace as flushed.  It may sleep but
 *	must return in bounded time, whatever the device does.
 * @doorbell: the ring's tail moved (DOORBELL, POST, or a CQ that has room
 *	again for a stalled queue)
 * @post: kernel-side producer of the generic POST path: queue one work
 *	request on the ring; 0, or -EAGAIN when the ring is full
 * @facets: the driver's facets, a NULL-terminated list (or NULL for none):
 *	the core validates and serves them when the device is registered
 *	(at most UACCEL_MAX_FACETS, names unique), in this order
 * @shut: optional: the device stopped taking calls, because it is being
 *	unregistered or uaccel_report_fatal() was called; from now on
 *	uaccel_device_enter() fails.  Wake what of the driver sleeps inside
 *	a section, so that removal, which waits for the sections, does not
 *	wait for it, and complete or cancel work that would otherwise post
 *	into a context's CQ from outside a section.  Called once per device,
 *	in process context, possibly inside a section of the device (a facet
 *	command that reports a fatal error): it must not wait for sections.
 * @dm_max_length: the largest buffer of device memory ALLOC_DM allocates,
 *	in bytes, or 0 when the device has none to export.  The core
 *	allocates it from system memory, for devices whose memory is the
 *	host's (the soft device), and exports it as a dma-buf
 *	(kernel/core/dmabuf.c); QUERY_DEVICE reports UACCEL_DEV_CAP_DM and
 *	sysfs dm_max_bytes this value
 */
struct uaccel_ops {
	struct module *owner;
	const char *driver_name;
	const struct attribute_group **dev_groups;
	unsigned int flags;
	size_t queue_priv_size;
	u32 queue_entry_size;
	u32 queue_flags;
	int (*create_queue)(struct uaccel_queue *q);
	void (*destroy_queue)(struct uaccel_queue *q);
	void (*doorbell)(struct uaccel_queue *q);
	int (*post)(struct uaccel_queue *q, const struct uaccel_wr *wr);
	const struct uaccel_facet *const *facets;
	void (*shut)(struct uaccel_device *udev);
	u64 dm_max_length;
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
 * Serves the facets of uaccel_ops.facets from now on.
 *
 * Return: 0, -EEXIST if a device of that exact name exists or two facets
 * have one name, -EINVAL for a malformed name or facet, -ENOSPC if no
 * device index is left or past UACCEL_MAX_FACETS, or another -errno.
 */
int uaccel_register_device(struct uaccel_device *udev, const char *name);

/**
 * uaccel_unregister_device() - remove a registered device
 * @udev: the device
 *
 * Stops the device taking opens and calls (uaccel_ops.shut runs unless a
 * fatal error ran it already), waits for every section of
 * uaccel_device_enter() to end, zaps every ring mapping and disassociates
 * every open file: the queues, MRs and CQs of its contexts are destroyed
 * through the driver (reason DISASSOCIATE), each context gets
 * DEVICE_REMOVED, and from now on their calls fail with -ENODEV.  Last it
 * removes the node and sysfs entries, which waits for devtmpfs, as every
 * char device's removal does (devtmpfs waits for a getdents64() of the
 * node's directory).  Otherwise waits only for sections, never for
 * userspace.  Not from inside a section.
 */
void uaccel_unregister_device(struct uaccel_device *udev);

/**
 * uaccel_report_fatal() - the device failed and cannot go on
 * @udev: a registered device
 *
 * Every later call on the device's files fails with -ENODEV, sleepers are
 * woken, uaccel_device_enter() fails and the driver's uaccel_ops.shut
 * runs.  The driver must then call uaccel_unregister_device() (from a
 * context that is not a call on one of the device's files, such as a work
 * item): userspace sees the same events as for a removal, with
 * UACCEL_EVENT_FATAL.  May be called from any sleepable context, including
 * the driver's facet commands.
 *
 * Return: true if this call failed the device; false if it had failed
 * already or its unregistration has begun (the removal events are then
 * not flagged fatal).
 */
bool uaccel_report_fatal(struct uaccel_device *udev);

/**
 * uaccel_device_enter() - enter a section in which the device stays
 *	registered
 * @udev: the device
 * @idx: receives the cookie for uaccel_device_exit()
 *
 * A read section of the device's SRCU, like drm_dev_enter().  Every call
 * on the device's files that reaches the driver already runs inside one
 * (facet commands, uaccel_ops callbacks made for a command, ring faults);
 * a driver takes its own around work that starts elsewhere (work items,
 * threads, timers) and touches the hardware or the objects of the
 * device's contexts.  Inside a section removal destroys no object and
 * the driver's uaccel_ops stay in use.  Sections nest and may sleep, but
 * must end in bounded time: uaccel_unregister_device() waits for every
 * section to end before it destroys the objects.  Inside a section, never
 * access user memory (removal would wait for a user page fault) nor call
 * uaccel_unregister_device().
 *
 * Return: true, inside a section to end with uaccel_device_exit(); false,
 * and nothing to end, once the device stopped taking calls (its
 * unregistration began or uaccel_report_fatal() was called).
 */
bool uaccel_device_enter(struct uaccel_device *udev, int *idx);

/**
 * uaccel_device_exit() - end a section of uaccel_device_enter()
 * @udev: the device
 * @idx: the cookie uaccel_device_enter() gave
 */
void uaccel_device_exit(struct uaccel_device *udev, int idx);

/**
 * uaccel_device_removing() - whether a device's removal has started
 * @udev: the device
 *
 * For a command that runs long (a large copy): removal, and a fatal error's
 * removal, wait for the commands inside the driver, so such a command
 * checks this between steps and stops with -ENODEV once it is true.
 *
 * Return: true once uaccel_unregister_device() or uaccel_report_fatal()
 * made the device's calls fail, false while it is registered.
 */
bool uaccel_device_removing(const struct uaccel_device *udev);

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
 * Return: its name; valid until the device is renamed (sysfs "name") or
 * freed.  A registered device can be renamed at any moment, so its name is
 * read with uaccel_device_copy_name(); this is for one not registered.
 */
const char *uaccel_device_name(const struct uaccel_device *udev);

/**
 * uaccel_device_copy_name() - copy the current name of a device
 * @udev: the device
 * @buf: the destination, NUL-terminated (truncated to @len - 1 bytes)
 * @len: size of @buf, UACCEL_NAME_MAX for a whole name
 *
 * Serialised against renames; may sleep.
 */
void uaccel_device_copy_name(const struct uaccel_device *udev, char *buf,
			     size_t len);

#endif /* _UACCEL_DRIVER_H */
