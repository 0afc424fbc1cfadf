/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * libaccel: userspace access to uaccel accelerators.
 *
 * Conventions: functions returning int return 0 (or a non-negative value)
 * on success and a negative errno on failure; functions returning a pointer
 * return NULL and set errno on failure.  Objects are opaque.
 *
 * Discovery reads sysfs and opens no device node: every user sees the
 * devices whose node exists in its mount namespace and is not denied by a
 * device cgroup; opening a device needs access to its node
 * /dev/uaccel/uaccelN (the group "accel" with uaccel's udev rules).
 *
 * accel_error_message() explains the last failure of a call in words.
 *
 * Names: functions that act are verb-object, as in libibverbs
 * (accel_create_cq(), accel_poll_cq(), accel_reg_mr()); accessors are
 * object-attribute (accel_cq_id(), accel_device_name()).
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <stddef.h>
#include <stdint.h>
#include <accel/version.h>

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
 * Devices being added or removed while the list is read, devices whose
 * sysfs attributes cannot be read or parsed, and devices the caller can
 * never open because their node is absent (a container's /dev) or denied
 * by a device cgroup are left out (ACCEL_DEBUG in the environment says
 * why); the rest of the list is unaffected.  A device whose node the
 * caller lacks permission for is listed: opening it fails with EACCES.
 * No module loaded means an empty list, not an error.
 *
 * Return: a NULL-terminated array to release with accel_free_device_list(),
 * or NULL with errno set (ENOMEM, or the class directory is unreadable).
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
 * Resolved from sysfs on the first call for @dev (listing does not), so
 * threads sharing one list call it under their own lock.
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
 * node, EPERM when a device cgroup denies it, EBUSY when the device is
 * exclusive and in use, ENODEV when the device is gone); the reason in
 * words is in accel_error_message().
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
 * accel_error_message() - why the last failed call of this thread failed
 *
 * Set by accel_open_device(), accel_open_device_by_name(),
 * accel_get_facet() and accel_select_device() when they fail, for
 * example "soft0: the device is in exclusive use: ..." for EBUSY.
 * Successful calls leave it unchanged.
 *
 * Return: a message for people, "" before any failure; valid until the
 * next libaccel call of the thread.
 */
const char *accel_error_message(void);

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

/** Asynchronous event types (see accel_get_event()). */
enum accel_event_type {
	/** The device is gone: removed, its driver unloaded, or failed. */
	ACCEL_EVENT_DEVICE_REMOVED = 1,
	/** What happened to a queue's work when its device went away. */
	ACCEL_EVENT_QUEUE_FLUSHED = 2,
};

/** DEVICE_REMOVED flag: a fatal device error caused the removal. */
#define ACCEL_EVENT_FATAL	(1U << 0)

/**
 * struct accel_event - one asynchronous event of a context
 * @type: ACCEL_EVENT_*
 * @flags: ACCEL_EVENT_FATAL for DEVICE_REMOVED, else 0
 * @queue_id: QUEUE_FLUSHED: the queue (accel_queue_id())
 * @completed: QUEUE_FLUSHED: completions the device wrote for the queue
 *	over its life, including ones not polled when the CQ went away
 * @flushed: QUEUE_FLUSHED: work requests the device never started
 *
 * For every queue, the work requests posted equal @completed + @flushed.
 */
struct accel_event {
	enum accel_event_type type;
	uint32_t flags;
	uint32_t queue_id;
	uint64_t completed;
	uint64_t flushed;
};

/**
 * accel_get_event() - take the next asynchronous event of a context
 * @ctx: the context
 * @event: receives the event
 *
 * Blocks until an event arrives, unless the context fd (accel_context_fd())
 * was made O_NONBLOCK; poll() that fd for POLLIN to wait in an event loop.
 * POLLHUP | POLLERR on it means the device is gone.  When a device goes
 * away, its contexts get one ACCEL_EVENT_QUEUE_FLUSHED per queue and then
 * ACCEL_EVENT_DEVICE_REMOVED, the last event; from then on every call on
 * the context and its objects fails with -ENODEV (or NULL and errno
 * ENODEV), except accel_destroy_*(), accel_dealloc_pd(), accel_dereg_mr(),
 * accel_free_dm() and accel_close_device(), which succeed and release what
 * libaccel holds (the kernel objects went with the device; a dma-buf
 * exported from a DM stays valid until its last user lets go).
 *
 * Return: 0, -EAGAIN when non-blocking and no event is queued, -ENODEV
 * after the last event of a removed device, -EINTR, or another -errno.
 */
int accel_get_event(struct accel_context *ctx, struct accel_event *event);

/** Protection domain: groups MRs and queues that work together. */
struct accel_pd;
/** Memory region: user memory registered with the device. */
struct accel_mr;
/** Device memory: a buffer of the device, exported as a dma-buf. */
struct accel_dm;
/** Completion queue. */
struct accel_cq;
/** Submission queue. */
struct accel_queue;

/** MR access: the device may write the region. */
#define ACCEL_ACCESS_WRITE	(1U << 0)

/** Work request opcodes (the kernel's generic set). */
enum accel_wr_opcode {
	ACCEL_WR_NOP = 0,	/**< nothing; completes */
	ACCEL_WR_COPY = 1,	/**< dst = src */
	ACCEL_WR_FILL = 2,	/**< dst = (uint8_t)value repeated */
	ACCEL_WR_COMPARE = 3,	/**< result = 0 if equal, else 1 + offset */
	ACCEL_WR_CRC32C = 4,	/**< result = CRC-32C of src, chained from value */
};

/**
 * struct accel_wr - one work request
 * @opcode: ACCEL_WR_*
 * @flags: 0
 * @reserved0: 0
 * @src_mr: id of the source MR (accel_mr_id())
 * @user_data: returned in the completion
 * @dst_mr: id of the destination MR
 * @reserved1: 0
 * @src_offset: byte offset in the source MR
 * @dst_offset: byte offset in the destination MR
 * @length: bytes
 * @value: FILL byte, or CRC32C seed (0 for the standard CRC-32C)
 * @reserved2: 0
 */
struct accel_wr {
	uint8_t opcode;
	uint8_t flags;
	uint16_t reserved0;
	uint32_t src_mr;
	uint64_t user_data;
	uint32_t dst_mr;
	uint32_t reserved1;
	uint64_t src_offset;
	uint64_t dst_offset;
	uint64_t length;
	uint64_t value;
	uint64_t reserved2;
};

/**
 * struct accel_wc - one completion
 * @user_data: the work request's user_data
 * @status: 0, or a positive errno (EFAULT range outside an MR, EACCES MR
 *	not writable, ENOENT no such MR in the queue's PD, EINVAL bad request,
 *	EIO device error, ECANCELED flushed)
 * @queue_id: the queue it was posted to
 * @result: COMPARE and CRC32C result
 * @reserved: 0
 */
struct accel_wc {
	uint64_t user_data;
	uint32_t status;
	uint32_t queue_id;
	uint64_t result;
	uint64_t reserved;
};

/**
 * accel_alloc_pd() - allocate a protection domain
 * @ctx: the context
 *
 * Return: the PD, or NULL with errno set.
 */
struct accel_pd *accel_alloc_pd(struct accel_context *ctx);

/**
 * accel_dealloc_pd() - free a protection domain
 * @pd: the PD
 *
 * Return: 0, -EBUSY while MRs or queues use it (the PD stays valid).
 */
int accel_dealloc_pd(struct accel_pd *pd);

/**
 * accel_reg_mr() - register user memory
 * @pd: the protection domain
 * @addr: start of the memory
 * @length: bytes, at least 1
 * @access: ACCEL_ACCESS_* bits
 *
 * The memory is pinned and charged to RLIMIT_MEMLOCK.
 * Return: the MR, or NULL with errno set (ENOMEM over the limit, EFAULT
 * for unmapped memory or read-only memory with ACCEL_ACCESS_WRITE).
 */
struct accel_mr *accel_reg_mr(struct accel_pd *pd, void *addr, size_t length,
			      unsigned int access);

/**
 * accel_dereg_mr() - unregister memory
 * @mr: the MR
 *
 * Return: 0, -EBUSY while in use (the MR stays valid).
 */
int accel_dereg_mr(struct accel_mr *mr);

/**
 * accel_mr_id() - the id that work requests and facets name an MR by
 * @mr: the MR
 *
 * Return: the id.
 */
uint32_t accel_mr_id(const struct accel_mr *mr);

/**
 * accel_reg_dmabuf_mr() - register a range of a dma-buf
 * @pd: the protection domain
 * @offset: byte offset of the range in the dma-buf, any alignment
 * @length: bytes, at least 1
 * @fd: the dma-buf (from accel_export_dm() of any device, a DRM driver's
 *	PRIME export, udmabuf, a dma-buf heap)
 * @access: ACCEL_ACCESS_* bits
 *
 * The dma-buf counterpart of accel_reg_mr() (libibverbs'
 * ibv_reg_dmabuf_mr()): the MR is used exactly as one of user memory, its
 * offsets from 0 (the byte at @offset of the dma-buf) to @length - 1, and
 * accel_dereg_mr() unregisters it.  The device attaches to the dma-buf and
 * keeps it pinned while the MR exists; the MR holds its own reference, so
 * @fd may be closed at once.  The memory is the exporter's and is not
 * charged to RLIMIT_MEMLOCK.
 *
 * Return: the MR, or NULL with errno set (EBADF @fd is not open, EINVAL
 * it is not a dma-buf or the range is empty or does not fit in it, EACCES
 * ACCEL_ACCESS_WRITE on a dma-buf not opened for writing, EOPNOTSUPP the
 * exporter cannot give the device the access it needs, ENOENT, ENOSPC,
 * ENOTTY a kernel without dma-buf MRs, or the exporter's errors).
 */
struct accel_mr *accel_reg_dmabuf_mr(struct accel_pd *pd, uint64_t offset,
				     size_t length, int fd, unsigned int access);

/**
 * Device capability (accel_device_attr.dev_caps): the device has memory of
 * its own, accel_alloc_dm() allocates it and accel_export_dm() exports it
 * as a dma-buf.
 */
#define ACCEL_DEV_CAP_DM		(1ULL << 1)

/**
 * accel_alloc_dm() - allocate device memory
 * @ctx: the context
 * @length: bytes, at least 1 (rounded up to whole pages); at most the
 *	device's sysfs dm_max_bytes
 *
 * A zero-filled buffer of the device (libibverbs' ibv_alloc_dm()), charged
 * to the calling user's locked memory (RLIMIT_MEMLOCK) and memory cgroup,
 * to be exported as a dma-buf with accel_export_dm().  The buffer lives
 * while the DM or any dma-buf of it does.
 *
 * Return: the DM, or NULL with errno set (EOPNOTSUPP the device has no
 * memory to export, no ACCEL_DEV_CAP_DM; EINVAL a zero length or one above
 * dm_max_bytes; ENOMEM over RLIMIT_MEMLOCK or out of memory; ENOSPC; ENOTTY
 * a kernel without device memory).
 */
struct accel_dm *accel_alloc_dm(struct accel_context *ctx, size_t length);

/**
 * accel_free_dm() - free a DM
 * @dm: the DM
 *
 * Drops the DM's reference to the buffer: dma-bufs exported from it, the
 * MRs registered on them and their mappings keep the memory until they
 * let go.  Return: 0, -EBUSY while a command uses it (the DM stays
 * valid), or another negative errno.
 */
int accel_free_dm(struct accel_dm *dm);

/** accel_export_dm(): the dma-buf fd is close-on-exec. */
#define ACCEL_DMABUF_CLOEXEC	(1U << 0)

/**
 * accel_export_dm() - export the buffer of a DM as a dma-buf
 * @dm: the DM
 * @flags: ACCEL_DMABUF_CLOEXEC
 *
 * Every export of one DM is an fd of the same dma-buf, open for reading
 * and writing: mmap() it (MAP_SHARED) to reach the memory with the CPU,
 * register it with accel_reg_dmabuf_mr() on this or another device, or
 * pass it to any dma-buf importer.
 *
 * Return: the new fd, the caller's to close, or -EINVAL (unknown
 * @flags), -ENOENT, -EMFILE, -ENODEV or another negative errno.
 */
int accel_export_dm(struct accel_dm *dm, unsigned int flags);

/**
 * accel_create_cq() - create a completion queue
 * @ctx: the context
 * @entries: minimum number of entries, 1 to 65536
 * @eventfd: an eventfd signalled after completions, or -1
 *
 * Return: the CQ, or NULL with errno set.
 */
struct accel_cq *accel_create_cq(struct accel_context *ctx,
				 unsigned int entries, int eventfd);

/**
 * accel_destroy_cq() - destroy a completion queue
 * @cq: the CQ
 *
 * Return: 0, -EBUSY while queues use it (the CQ stays valid).
 */
int accel_destroy_cq(struct accel_cq *cq);

/**
 * accel_cq_id() - the kernel id of a CQ
 * @cq: the CQ
 *
 * Return: the id, for facet commands that complete into the CQ.
 */
uint32_t accel_cq_id(const struct accel_cq *cq);

/**
 * accel_poll_cq() - take completions
 * @cq: the CQ
 * @wc: room for @max completions
 * @max: at most this many
 *
 * With a provider this reads the mapped ring and makes no system call.
 * Return: the number taken (0 if none), or a negative errno.
 */
int accel_poll_cq(struct accel_cq *cq, struct accel_wc *wc, int max);

/**
 * accel_wait_cq() - sleep until a CQ holds a completion
 * @cq: the CQ
 * @timeout_ms: time limit, 0 for none
 *
 * Return: 0, -ETIMEDOUT, -EINTR, or -ENODEV when the device was removed.
 */
int accel_wait_cq(struct accel_cq *cq, int timeout_ms);

/**
 * accel_create_queue() - create a submission queue
 * @pd: the PD of the MRs its requests use
 * @cq: the CQ of its completions
 * @entries: minimum ring entries, 1 to 65536
 *
 * Return: the queue, or NULL with errno set.
 */
struct accel_queue *accel_create_queue(struct accel_pd *pd, struct accel_cq *cq,
				       unsigned int entries);

/**
 * Device capability (accel_device_attr.dev_caps): the device accepts
 * ACCEL_QUEUE_POLL in accel_create_queue_ex().
 */
#define ACCEL_DEV_CAP_QUEUE_POLL	(1ULL << 0)

/**
 * Queue flag: a polled queue.  A kernel thread of the device polls the
 * submission ring while there is work and for an idle time after the last
 * request, then sleeps; accel_post() through the device's provider makes
 * no system call at all while the thread is awake (it rings the doorbell
 * only after the thread went to sleep).  The zero-syscall counterpart of
 * io_uring's IORING_SETUP_SQPOLL.
 */
#define ACCEL_QUEUE_POLL		(1U << 0)

/** The largest accel_queue_attr.poll_idle_ms. */
#define ACCEL_QUEUE_POLL_IDLE_MAX_MS	10000

/**
 * struct accel_queue_attr - how to create a queue (accel_create_queue_ex())
 * @entries: minimum ring entries, 1 to 65536
 * @flags: ACCEL_QUEUE_* bits
 * @poll_idle_ms: with ACCEL_QUEUE_POLL, how long the device's thread keeps
 *	polling after the last request before it sleeps: 1 to
 *	ACCEL_QUEUE_POLL_IDLE_MAX_MS, or 0 for the driver's default (the soft
 *	device: its module parameter poll_idle_ms, 1000 by default); 0
 *	without ACCEL_QUEUE_POLL
 * @reserved: 0
 */
struct accel_queue_attr {
	uint32_t entries;
	uint32_t flags;
	uint32_t poll_idle_ms;
	uint32_t reserved;
};

/**
 * accel_create_queue_ex() - create a submission queue with attributes
 * @pd: the PD of the MRs its requests use
 * @cq: the CQ of its completions
 * @attr: the attributes
 * @attr_size: sizeof(*attr) as compiled into the caller
 *
 * accel_create_queue() with flags.  A polled queue, for example:
 *
 *	struct accel_queue_attr attr = {
 *		.entries = 256, .flags = ACCEL_QUEUE_POLL, .poll_idle_ms = 100,
 *	};
 *	q = accel_create_queue_ex(pd, cq, &attr, sizeof(attr));
 *
 * Check ACCEL_DEV_CAP_QUEUE_POLL in accel_query_device() first, or treat
 * EOPNOTSUPP as "not supported".  A polled queue is used like any other
 * (accel_post(), accel_poll_cq(), events and removal are the same); only
 * the submission cost differs.
 *
 * Return: the queue, or NULL with errno set: EINVAL for flags libaccel
 * does not know, a non-zero @reserved, an @attr_size below the first
 * version of the structure or bad @entries or @poll_idle_ms; E2BIG for a
 * larger @attr_size whose extra bytes are not zero; EOPNOTSUPP when the
 * device does not support ACCEL_QUEUE_POLL; or another errno.
 */
struct accel_queue *accel_create_queue_ex(struct accel_pd *pd, struct accel_cq *cq,
					  const struct accel_queue_attr *attr,
					  size_t attr_size);

/**
 * accel_destroy_queue() - destroy a submission queue
 * @q: the queue
 *
 * Requests not yet executed are dropped.  Return: 0 or a negative errno.
 */
int accel_destroy_queue(struct accel_queue *q);

/**
 * accel_queue_id() - the id of a queue (as in completions)
 * @q: the queue
 *
 * Return: the id.
 */
uint32_t accel_queue_id(const struct accel_queue *q);

/**
 * accel_post() - submit work requests
 * @q: the queue
 * @wr: the requests
 * @n: how many, 1 to 4096
 *
 * Costs at most one system call for the whole batch, and none on a polled
 * queue (ACCEL_QUEUE_POLL) whose kernel thread is awake.
 * Return: the number queued (fewer than @n when the ring filled up), or
 * -EAGAIN when the ring had no room, or another negative errno.
 */
int accel_post(struct accel_queue *q, const struct accel_wr *wr, int n);

/** Request the facet fd with close-on-exec. */
#define ACCEL_FACET_CLOEXEC	(1U << 0)

/**
 * struct accel_facet_req - one facet name the caller can use
 * @name: facet name
 * @min_version: oldest version of it the caller speaks (at least 1)
 * @max_version: newest version of it the caller speaks
 */
struct accel_facet_req {
	const char *name;
	uint32_t min_version;
	uint32_t max_version;
};

/**
 * accel_get_facet() - open the first facet of a list that the device serves
 * @ctx: the context
 * @reqs: the acceptable facets, preferred first (newest name first)
 * @nreqs: entries in @reqs
 * @flags: ACCEL_FACET_CLOEXEC
 * @matched: if not NULL, receives the index in @reqs that was opened
 * @version: if not NULL, receives the negotiated version
 *
 * Tries each entry in order; a name the device does not know (ENOENT) or
 * serves in no acceptable version (EPROTONOSUPPORT) moves on to the next.
 * Return: the facet fd, or -ENOENT when the device serves none of the
 * names, else the error of the last name it knew (-EPROTONOSUPPORT,
 * -EPERM, ...).
 */
int accel_get_facet(struct accel_context *ctx, const struct accel_facet_req *reqs,
		    int nreqs, unsigned int flags, int *matched, uint32_t *version);

/* accel_select_attr.flags: rank software devices before hardware ones. */
#define ACCEL_SELECT_PREFER_SOFTWARE	(1U << 0)
/* accel_select_attr.flags: hardware or software does not matter. */
#define ACCEL_SELECT_ANY_KIND		(1U << 1)
/* accel_select_attr.flags: be near accel_select_attr.numa_node, not near
 * the CPU the calling thread runs on. */
#define ACCEL_SELECT_NUMA_NODE		(1U << 2)

/**
 * struct accel_select_attr - selection hints (accel_select_device())
 * @flags: ACCEL_SELECT_* bits
 * @numa_node: with ACCEL_SELECT_NUMA_NODE, the node whose memory the
 *	caller uses (0 or more); else 0
 * @facet_flags: ACCEL_FACET_CLOEXEC, as for accel_get_facet()
 * @reserved: 0
 */
struct accel_select_attr {
	uint32_t flags;
	int32_t numa_node;
	uint32_t facet_flags;
	uint32_t reserved;
};

/**
 * enum accel_candidate_status - why a device can or cannot be selected
 * @ACCEL_CANDIDATE_OK: it can; ranked with the others that can
 * @ACCEL_CANDIDATE_EXCLUDED: the administrator's ACCEL_DEVICES leaves it out
 * @ACCEL_CANDIDATE_NO_FACET: it serves none of the requested names
 * @ACCEL_CANDIDATE_NO_VERSION: it serves a requested name, but in no
 *	requested version
 * @ACCEL_CANDIDATE_NO_ACCESS: the caller may not open its node
 * @ACCEL_CANDIDATE_HELD: its sysfs "exclusive" is 1 and a context is open
 */
enum accel_candidate_status {
	ACCEL_CANDIDATE_OK = 0,
	ACCEL_CANDIDATE_EXCLUDED = 1,
	ACCEL_CANDIDATE_NO_FACET = 2,
	ACCEL_CANDIDATE_NO_VERSION = 3,
	ACCEL_CANDIDATE_NO_ACCESS = 4,
	ACCEL_CANDIDATE_HELD = 5,
};

/* accel_candidate.flags: a software device (the soft driver's). */
#define ACCEL_CANDIDATE_SOFTWARE	(1U << 0)

/**
 * struct accel_candidate - one device as accel_rank_devices() sees it
 * @device: the device, from the list ranked
 * @status: ACCEL_CANDIDATE_*
 * @flags: ACCEL_CANDIDATE_SOFTWARE
 * @matched: index in the requests of the facet it would open (the first
 *	request it serves in an acceptable version, by sysfs), or -1
 * @version: the version of that facet it would open (the highest in
 *	common), or 0
 * @distance: NUMA distance between the wanted node and the device's
 *	node, from the kernel's table (10 for the same node), or -1 unknown
 * @contexts: contexts open on the device (sysfs "contexts"), or -1
 *	unknown
 */
struct accel_candidate {
	const struct accel_device *device;
	uint32_t status;
	uint32_t flags;
	int32_t matched;
	uint32_t version;
	int32_t distance;
	int32_t contexts;
};

/**
 * accel_rank_devices() - rank devices for a facet request, opening none
 * @list: devices from accel_get_device_list()
 * @reqs: the acceptable facets, preferred first, as for accel_get_facet()
 * @nreqs: entries in @reqs
 * @attr: hints, or NULL for none
 * @attr_size: sizeof(*attr) as compiled into the caller
 * @out: receives one entry per device of @list
 * @max: room in @out
 *
 * What accel_select_device() decides, for a program to show or to make
 * its own choice (accelinfo --select prints it).  Reads sysfs only.  A
 * device can be selected when ACCEL_DEVICES does not leave it out, it
 * serves a request in an acceptable version, the caller may open its node
 * and it is not held exclusively.  Those come first in @out, best first:
 * hardware before software (unless @attr asks otherwise), then the
 * smallest NUMA distance from the wanted node (the calling thread's CPU's,
 * or @attr->numa_node; unknown after known), then the fewest open contexts
 * (unknown after known), then the lowest device index.  The order of
 * @reqs picks the facet on a device, not the device.  The others follow
 * in the order of @list, with the reason in their status.
 *
 * Return: the number of devices that can be selected, or -EINVAL (a
 * malformed request or hint, no @list, a negative @max, or no @out with
 * room), -E2BIG (a larger @attr_size whose extra
 * bytes are not zero), -ENOSPC (@max below the number of devices),
 * -ENOMEM.
 */
int accel_rank_devices(struct accel_device **list,
		       const struct accel_facet_req *reqs, int nreqs,
		       const struct accel_select_attr *attr, size_t attr_size,
		       struct accel_candidate *out, int max);

/**
 * struct accel_selection - what accel_select_device() opened
 * @device: the name of the device
 * @facet_fd: the facet fd, the caller's to close
 * @matched: index in the requests of the facet opened
 * @version: its negotiated version
 * @reserved: 0
 */
struct accel_selection {
	char device[ACCEL_NAME_MAX];
	int32_t facet_fd;
	int32_t matched;
	uint32_t version;
	uint32_t reserved;
};

/**
 * accel_select_device() - open the best device serving a facet request
 * @reqs: the acceptable facets, preferred first, as for accel_get_facet()
 * @nreqs: entries in @reqs
 * @attr: hints, or NULL for none
 * @attr_size: sizeof(*attr) as compiled into the caller
 * @sel: receives the device, facet fd, request matched and version
 * @sel_size: sizeof(*sel) as compiled into the caller
 *
 * Lists the devices, ranks them as accel_rank_devices() does and opens
 * the first: a context on it and the facet (accel_get_facet() with
 * @attr->facet_flags).  When that fails (the device became busy or went
 * away, a privileged or single-user facet), the next one is tried.
 *
 * ACCEL_DEVICES in the environment (ignored in setuid and setgid
 * programs) restricts the choice: a comma-separated list of device-name
 * patterns (fnmatch(3)), each taken as written; "!pattern" leaves the
 * devices it matches out, and when there is a pattern without "!" only
 * devices matching one of them are considered.
 *
 * Return: the context, or NULL with errno set: the accel_rank_devices()
 * errors, ENODEV when no device can be selected, or the error of the best
 * device when none could be opened (EBUSY, EACCES, EPERM, ...); the
 * reason in words is in accel_error_message().
 */
struct accel_context *accel_select_device(const struct accel_facet_req *reqs,
					  int nreqs,
					  const struct accel_select_attr *attr,
					  size_t attr_size,
					  struct accel_selection *sel,
					  size_t sel_size);

/* ---- cipher.uaccel: AES-CBC and AES-CTR between MRs (accel_cipher(3)) ---- */

/** An open "cipher.uaccel" facet of a context, with its sessions. */
struct accel_cipher;

/** Algorithms: the key length (16, 24 or 32 bytes) picks AES-128/192/256. */
enum accel_cipher_alg {
	ACCEL_CIPHER_AES_CBC = 1,	/**< CBC, no padding: lengths of whole blocks */
	ACCEL_CIPHER_AES_CTR = 2,	/**< CTR, 128-bit big-endian counter */
};

/** Directions of a request. */
enum accel_cipher_op {
	ACCEL_CIPHER_ENCRYPT = 0,
	ACCEL_CIPHER_DECRYPT = 1,
};

/* Bytes of an AES block, of an IV (CBC) or initial counter block (CTR). */
#define ACCEL_CIPHER_BLOCK_SIZE	16
#define ACCEL_CIPHER_IV_SIZE	16
/* The longest key (AES-256). */
#define ACCEL_CIPHER_KEY_MAX	32
/* Requests of one accel_cipher_submit(). */
#define ACCEL_CIPHER_BATCH_MAX	256

/**
 * struct accel_cipher_attr - what accel_cipher_query() reports
 * @algs: the algorithms served, bit (1 << alg) for each accel_cipher_alg
 * @max_sessions: sessions one context may hold at a time
 * @max_length: bytes of one request
 * @max_batch: requests of one accel_cipher_submit()
 * @version: the facet version negotiated by accel_cipher_open()
 */
struct accel_cipher_attr {
	uint32_t algs;
	uint32_t max_sessions;
	uint64_t max_length;
	uint32_t max_batch;
	uint32_t version;
};

/**
 * struct accel_cipher_desc - one request (64 bytes; the layout of struct
 *	uaccel_cipher_desc, as accel_cipher_submit() reads it from an MR)
 * @op: ACCEL_CIPHER_ENCRYPT or ACCEL_CIPHER_DECRYPT
 * @src_mr: id of the MR holding the input (accel_mr_id())
 * @dst_mr: id of the MR receiving the output (registered with
 *	ACCEL_ACCESS_WRITE); the same range as the input works in place
 * @reserved: 0
 * @src_offset: byte offset of the input in @src_mr
 * @dst_offset: byte offset of the output in @dst_mr
 * @length: bytes, 1 to accel_cipher_attr.max_length; whole blocks for CBC
 * @user_data: returned in the completion (accel_cipher_submit() only)
 * @iv: the IV (CBC) or the initial counter block (CTR)
 */
struct accel_cipher_desc {
	uint32_t op;
	uint32_t src_mr;
	uint32_t dst_mr;
	uint32_t reserved;
	uint64_t src_offset;
	uint64_t dst_offset;
	uint64_t length;
	uint64_t user_data;
	uint8_t iv[ACCEL_CIPHER_IV_SIZE];
};

/**
 * accel_cipher_open() - open the cipher facet of a context
 * @ctx: the context
 * @flags: ACCEL_FACET_CLOEXEC
 *
 * Asks for the facet names libaccel knows, newest first, as
 * accel_get_facet() does, in every version libaccel speaks.
 *
 * Return: the facet, or NULL with errno set: ENOENT when the device does
 * not serve it, EPROTONOSUPPORT in no version libaccel speaks, EINVAL,
 * ENOMEM, ENODEV; the reason in words is in accel_error_message().
 */
struct accel_cipher *accel_cipher_open(struct accel_context *ctx,
				       unsigned int flags);

/**
 * accel_cipher_close() - close the facet, destroying its sessions
 * @c: the facet; NULL is allowed
 *
 * Return: 0 or a negative errno.
 */
int accel_cipher_close(struct accel_cipher *c);

/**
 * accel_cipher_fd() - the facet fd
 * @c: the facet
 *
 * Return: the fd, owned by @c.
 */
int accel_cipher_fd(const struct accel_cipher *c);

/**
 * accel_cipher_query() - the algorithms and limits of the device
 * @c: the facet
 * @attr: receives them
 * @attr_size: sizeof(*attr) as compiled into the caller
 *
 * Return: 0, -EINVAL for a NULL @attr or an @attr_size smaller than the
 * first version of the structure, -ENODEV, or another -errno.
 */
int accel_cipher_query(struct accel_cipher *c, struct accel_cipher_attr *attr,
		       size_t attr_size);

/**
 * accel_cipher_session_create() - a session: an algorithm and its key
 * @c: the facet
 * @alg: ACCEL_CIPHER_AES_CBC or ACCEL_CIPHER_AES_CTR
 * @key: the key
 * @key_len: 16, 24 or 32
 * @session: receives the id (never 0)
 *
 * libaccel wipes its copy of the key.  Return: 0, -EINVAL for a bad @alg
 * or @key_len, -EOPNOTSUPP for an algorithm the device does not serve,
 * -EMFILE when the context holds accel_cipher_attr.max_sessions sessions,
 * -ENOSPC when the device has no room, -EIO when it refused the key,
 * -ENODEV, -ENOMEM.
 */
int accel_cipher_session_create(struct accel_cipher *c, uint32_t alg,
				const void *key, size_t key_len,
				uint32_t *session);

/**
 * accel_cipher_session_destroy() - destroy a session
 * @c: the facet that created it
 * @session: its id
 *
 * Return: 0, -ENOENT for an id that is not a session of @c, -EBUSY while
 * requests of accel_cipher_submit() are pending on it.
 */
int accel_cipher_session_destroy(struct accel_cipher *c, uint32_t session);

/**
 * accel_cipher_crypt() - run one request and wait for its output
 * @c: the facet
 * @session: a session of @c
 * @d: the request (its user_data is not used)
 *
 * Return: 0 when the output is in the destination, -ENOENT for an
 * unknown session or MR, -EINVAL for a bad op, length or range, -EACCES
 * for a destination without write access, -EIO, -ETIMEDOUT, -ENODEV.
 */
int accel_cipher_crypt(struct accel_cipher *c, uint32_t session,
		       const struct accel_cipher_desc *d);

/**
 * accel_cipher_submit() - queue a batch of requests read from an MR
 * @c: the facet
 * @session: a session of @c, for every request
 * @cq: the CQ of the completions (of the same context)
 * @desc_mr: the MR holding @count struct accel_cipher_desc
 * @desc_offset: offset of the first one in @desc_mr, a multiple of 8
 * @count: 1 to accel_cipher_attr.max_batch
 * @error_index: if not NULL, receives on -EINVAL, -ENOENT or -EACCES the
 *	index of the first descriptor refused, or @count when the call's own
 *	arguments were
 *
 * One system call: all the requests are checked and queued, or none.
 * Each completes into @cq (accel_poll_cq()) with queue_id 0, its
 * user_data, result = its length and status 0, or EIO, ETIMEDOUT or
 * ECANCELED (the device was removed first), in any order.
 *
 * Return: 0, -ENOSPC when @cq has fewer than @count free slots, the errors
 * of accel_cipher_crypt() for a descriptor, -EINVAL, -ENODEV.
 */
int accel_cipher_submit(struct accel_cipher *c, uint32_t session,
			struct accel_cq *cq, const struct accel_mr *desc_mr,
			uint64_t desc_offset, uint32_t count,
			uint32_t *error_index);

/**
 * accel_context_provider() - the provider plugin serving a context
 * @ctx: the context
 *
 * Return: the driver name of the loaded provider, or NULL for the generic
 * path.
 */
const char *accel_context_provider(const struct accel_context *ctx);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_ACCEL_H */
