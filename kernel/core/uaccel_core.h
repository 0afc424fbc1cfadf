/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private declarations shared by the files of uaccel_core.ko.
 */
#ifndef _UACCEL_CORE_H
#define _UACCEL_CORE_H

#include <linux/cdev.h>
#include <linux/dma-direction.h>
#include <linux/device.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/xarray.h>
#include <uaccel/driver.h>
#include <uaccel/uaccel.h>

struct eventfd_ctx;
struct mm_struct;
struct page;

#define UACCEL_MAX_DEVICES	256

/*
 * mmap offsets of rings: the object id above this many pages, a window of
 * UACCEL_RING_MAX_SIZE bytes per ring.  With ids below 2^20 the page
 * offset fits 32 bits (a 32-bit process's mmap2()).
 */
#define UACCEL_MMAP_ID_SHIFT	12
#define UACCEL_RING_MAX_SIZE	(PAGE_SIZE << UACCEL_MMAP_ID_SHIFT)

/* Objects (ids 1 to this) one context may have at once. */
#define UACCEL_CONTEXT_MAX_OBJECTS	UACCEL_MAX_OBJECTS

/*
 * Marks of a context's objects (XA_MARK_0 tracks free ids): the objects
 * that hold the device (queues, CQs, MRs), which removal destroys through
 * the driver, and the CQs, whose sleepers wake when the device stops.
 * Removal walks only these; PDs, which are only memory, go at the last
 * close, so that a context of a million PDs does not slow removal down.
 */
#define UACCEL_OBJ_MARK_DEVICE	XA_MARK_1
#define UACCEL_OBJ_MARK_CQ	XA_MARK_2

/**
 * struct uaccel_device - one accelerator as seen by the core
 * @dev: the class device /sys/class/uaccel/<name>, also the char device
 * @cdev: the character device behind /dev/uaccel/uaccel<index>
 * @ops: the driver's operations
 * @index: device index and char device minor
 * @registered: true between registration and unregistration (or a fatal
 *	error)
 * @fatal: uaccel_report_fatal() was called
 * @mapping_inode: the inode whose address space every context file of the
 *	device uses, so that removal can zap all their ring mappings at once
 * @disassociate_srcu: every call into the driver from a file runs inside a
 *	read section; unregistration waits for them after clearing @registered
 * @contexts_lock: guards the device's contexts: @contexts and @nr_contexts;
 *	@exclusive against that count (open and the sysfs store check each
 *	against the other); the destruction of a context's objects by
 *	removal's disassociation and by a last close that finds the device
 *	going away, so exactly one of them does it while the driver is there
 *	(a close before that does it inside a read section of
 *	@disassociate_srcu, which removal waits for); and the walk that
 *	wakes every context's sleepers when the device is shut.
 *	Lock order: taken inside a read section of @disassociate_srcu (open)
 *	and under the parent's device lock (unregistration from a driver's
 *	remove); taken before a context's lock (and so before the driver's
 *	object locks), its event_lock and its objects' xarray lock.  Never
 *	held across synchronize_srcu() of @disassociate_srcu, nor together
 *	with uaccel_devices_lock (main.c).
 * @contexts: the contexts of this device that still have objects
 * @nr_contexts: entries in @contexts: contexts whose file or a facet file
 *	of them is still open
 * @exclusive: at most one context at a time (sysfs "exclusive")
 * @facets: the facets served, fixed once registered
 * @facet_ops: the core's copies of the command tables of @facets (NULL for
 *	a facet without commands): a facet ioctl finds its command there
 *	without entering the device's section, since the driver's table
 *	may be gone with its module once the device is removed
 * @num_facets: entries in @facets
 * @facets_held: bit i set while an fd of the exclusive facet @facets[i]
 *	is open
 * @vendor_id: hardware vendor ID (PCI), 0 for software devices
 * @device_id: hardware device ID (PCI), 0 for software devices
 * @driver_name: the driver's name, a copy that the sysfs attribute
 *	"driver" and QUERY_DEVICE read without entering the device
 * @priv: the driver private area
 */
struct uaccel_device {
	struct device dev;
	struct cdev cdev;
	const struct uaccel_ops *ops;
	u32 index;
	bool registered;
	bool fatal;
	struct inode *mapping_inode;
	struct srcu_struct disassociate_srcu;
	struct mutex contexts_lock;	/* contexts, exclusive, teardown */
	struct list_head contexts;
	unsigned int nr_contexts;
	bool exclusive;
	const struct uaccel_facet *facets[UACCEL_MAX_FACETS];
	const struct uaccel_ioctl_op *facet_ops[UACCEL_MAX_FACETS];
	unsigned int num_facets;
	unsigned long facets_held;
	u32 vendor_id;
	u32 device_id;
	char driver_name[UACCEL_NAME_MAX];
	u8 priv[] __aligned(ARCH_KMALLOC_MINALIGN);
};

/**
 * struct uaccel_event_node - a queued asynchronous event
 * @list: entry in the context's event list
 * @ev: the record read() returns
 */
struct uaccel_event_node {
	struct list_head list;
	struct uaccel_event ev;
};

/**
 * struct uaccel_context - the state of one open() of a device node
 * @ref: held by the context file and by every facet file of it
 * @udev: the device; the context holds a reference on it
 * @filp: the context file; valid while the file is open, used for the
 *	opener's credentials
 * @list: entry in udev->contexts while the context has objects to destroy
 * @lock: serialises object creation and destruction against teardown,
 *	and protects cq->queues
 * @objects: the objects, by id
 * @dead: the objects that hold the device are gone (teardown or device
 *	removal); no new ones
 * @event_lock: protects @events and @removed
 * @events: queued struct uaccel_event_node, oldest first
 * @removed: DEVICE_REMOVED was queued; read() gives -ENODEV once @events
 *	is empty
 * @event_wait: read() and poll() sleepers of the context and facet files
 * @removed_event: the DEVICE_REMOVED event, allocated with the context so
 *	that removal never needs memory
 * @next_id: the next object id to try (ids are not reused soon)
 * @id: unique among the contexts of the loaded core, increasing in the
 *	order of the device's @contexts list (netlink's resource dump)
 * @pid: the opener's thread group, for the resource dump
 * @uid: the opener's effective uid
 * @comm: the opener's command name at open()
 * @nr_objects: objects of each type (index enum uaccel_obj_type),
 *	written under @lock, read without it (netlink.c)
 * @pinned_pages: pages pinned by the context's MRs, as @nr_objects
 * @facet_lock: protects @facet_files, @nr_facet_files, @next_facet_id
 * @facet_files: the open facet files of the context, oldest first
 * @nr_facet_files: entries in @facet_files
 * @next_facet_id: the id of the next facet file
 * @cipher_lock: protects @cipher_sessions, @nr_cipher_sessions and
 *	@cipher_dead, and orders the drivers' session_destroy() calls
 * @cipher_sessions: the "cipher.uaccel" sessions of the context's facet
 *	files, by id (kernel/core/cipher.c)
 * @nr_cipher_sessions: entries in @cipher_sessions, written under
 *	@cipher_lock, read without it (netlink.c)
 * @cipher_dead: the sessions were torn down with the device's objects;
 *	no new ones
 */
struct uaccel_context {
	struct kref ref;
	struct uaccel_device *udev;
	struct file *filp;
	struct list_head list;
	struct mutex lock;	/* object lifetimes */
	struct xarray objects;
	bool dead;
	spinlock_t event_lock;	/* events, removed */
	struct list_head events;
	bool removed;
	wait_queue_head_t event_wait;
	struct uaccel_event_node removed_event;
	u32 next_id;
	u32 id;
	struct pid *pid;
	kuid_t uid;
	char comm[TASK_COMM_LEN];
	u32 nr_objects[UACCEL_OBJ_DM + 1];
	unsigned long pinned_pages;
	spinlock_t facet_lock;	/* facet_files */
	struct list_head facet_files;
	u32 nr_facet_files;
	u32 next_facet_id;
	struct mutex cipher_lock;	/* cipher sessions */
	struct xarray cipher_sessions;
	u32 nr_cipher_sessions;
	bool cipher_dead;
};

/**
 * struct uaccel_facet_file - the state of one facet fd
 * @ctx: the context it came from (a reference is held)
 * @facet: the facet; only dereferenced while the device is registered
 * @ops: its command table, the device's copy (valid as long as @ctx)
 * @num_ops: entries in @ops
 * @held_slot: for an exclusive facet, its bit in the device's
 *	facets_held, cleared at release; -1 otherwise
 * @version: the negotiated version
 * @slot: the facet's index in the device's facets
 * @id: its id in the context, for the resource dump
 * @entry: its entry in the context's facet_files
 */
struct uaccel_facet_file {
	struct uaccel_context *ctx;
	const struct uaccel_facet *facet;
	const struct uaccel_ioctl_op *ops;
	u32 num_ops;
	int held_slot;
	u32 version;
	u32 slot;
	u32 id;
	struct list_head entry;
};

/**
 * struct uaccel_mr - pinned user memory, or a pinned range of a dma-buf
 * @obj: the object header
 * @pd: its protection domain
 * @addr: user address of the first byte (the offset in the dma-buf)
 * @length: length in bytes
 * @access: UACCEL_MR_ACCESS_* bits
 * @first_offset: offset of @addr in its page
 * @npages: number of pinned pages
 * @pages: the pinned pages (of a dma-buf: the pages of its kernel mapping)
 * @mm: the mm whose pinned_vm (VmPin) shows them (NULL for a dma-buf)
 * @locked: the locked-memory charge of the pages
 * @sgt: the pages mapped for DMA by the device's parent, when the driver
 *	asked for it (UACCEL_OPS_MR_DMA); see uaccel_mr_dma_addr()
 * @dma_sgt: the DMA mapping drivers use: &@sgt, or the dma-buf
 *	attachment's mapping of the whole buffer
 * @dma_offset: offset of the first byte in @dma_sgt's address range
 * @dma_dir: the direction of that mapping
 * @dmabuf: the dma-buf of an MR of REG_DMABUF_MR (a reference), or NULL
 * @attach: its pinned attachment for the device (kernel/core/dmabuf.c)
 * @dmabuf_map: its kernel mapping (dma_buf_vmap())
 */
struct uaccel_mr {
	struct uaccel_object obj;
	struct uaccel_pd *pd;
	u64 addr;
	u64 length;
	u32 access;
	unsigned int first_offset;
	unsigned long npages;
	struct page **pages;
	struct mm_struct *mm;
	struct uaccel_locked locked;
	struct sg_table sgt;
	struct sg_table *dma_sgt;
	u64 dma_offset;
	enum dma_data_direction dma_dir;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct iosys_map dmabuf_map;
};

/**
 * struct uaccel_dm - device memory, exported as a dma-buf (dmabuf.c)
 * @obj: the object header
 * @dmabuf: the buffer's dma-buf; the object holds a reference
 */
struct uaccel_dm {
	struct uaccel_object obj;
	struct dma_buf *dmabuf;
};

/**
 * struct uaccel_cq - completion queue
 * @obj: the object header
 * @ring: the ring shared with userspace
 * @cqes: its entries
 * @entries: number of entries, a power of two
 * @ring_size: size of the ring allocation
 * @lock: serialises producers
 * @tail: producer index (the kernel's copy)
 * @reserved: slots reserved by producers and not yet posted
 * @wait: WAIT_CQ sleepers, and WAIT_CQs of io_uring parked on it
 * @parked: parked WAIT_CQs not yet off @wait (cq.c)
 * @eventfd: signalled after completions, or NULL
 * @queues: queues completing to this CQ (under the context's lock)
 * @locked: the locked-memory charge of the ring
 */
struct uaccel_cq {
	struct uaccel_object obj;
	struct uaccel_ring_header *ring;
	struct uaccel_cqe *cqes;
	u32 entries;
	size_t ring_size;
	spinlock_t lock;	/* producers */
	u32 tail;
	u32 reserved;
	wait_queue_head_t wait;
	atomic_t parked;
	struct eventfd_ctx *eventfd;
	struct list_head queues;
	struct uaccel_locked locked;
};

/* Counters shown in debugfs, for leak checks. */
enum uaccel_stat {
	UACCEL_STAT_CONTEXTS,
	UACCEL_STAT_FACET_FILES,
	UACCEL_STAT_PD,
	UACCEL_STAT_MR,
	UACCEL_STAT_CQ,
	UACCEL_STAT_QUEUE,
	UACCEL_STAT_PINNED_PAGES,
	UACCEL_STAT_DM,
	UACCEL_STAT_DM_BUFFERS,
	UACCEL_NR_STATS,
};

extern atomic64_t uaccel_stats[UACCEL_NR_STATS];

static inline void uaccel_stat_add(enum uaccel_stat stat, s64 n)
{
	atomic64_add(n, &uaccel_stats[stat]);
}

int uaccel_rename_device(struct uaccel_device *udev, const char *name);
bool uaccel_rename_valid(const char *name);
int uaccel_register_facets(struct uaccel_device *udev);
void uaccel_free_facets(struct uaccel_device *udev);
int uaccel_set_exclusive(struct uaccel_device *udev, bool on);
void uaccel_debugfs_init(void);
void uaccel_debugfs_exit(void);

/*
 * uaccel_device_enter() and uaccel_device_exit() for the core's own hot
 * paths (the ioctl dispatcher), inlined.  The section is handed to the
 * caller and back: the __release() and __acquire() below only tell
 * sparse, which cannot follow a read section across these calls.
 */
static inline bool __uaccel_device_enter(struct uaccel_device *udev, int *idx)
{
	*idx = srcu_read_lock(&udev->disassociate_srcu);
	if (READ_ONCE(udev->registered)) {
		__release(&udev->disassociate_srcu);
		return true;
	}
	srcu_read_unlock(&udev->disassociate_srcu, *idx);
	return false;
}

static inline void __uaccel_device_exit(struct uaccel_device *udev, int idx)
{
	__acquire(&udev->disassociate_srcu);
	srcu_read_unlock(&udev->disassociate_srcu, idx);
}

long uaccel_facet_ioctl(struct file *filp, unsigned int cmd,
			unsigned long arg);
struct io_uring_cmd;
int uaccel_facet_uring_cmd(struct io_uring_cmd *ioucmd,
			   unsigned int issue_flags);
int uaccel_ucmd_reply_check(struct uaccel_ucmd *ucmd, size_t offset);
int uaccel_ucmd_reply_progress(struct uaccel_ucmd *ucmd, size_t size, u32 count);

/*
 * Why an object is destroyed, as rdma_core's enum rdma_remove_reason:
 * DESTROY (the DESTROY command, or its creating command's reply could not
 * be copied), CLOSE (the last file of its context was closed: no mapping
 * of it is left) or DISASSOCIATE (its device went away: every ring mapping
 * was zapped, queues report what they flush).
 */
enum uaccel_remove_reason {
	UACCEL_REMOVE_DESTROY,
	UACCEL_REMOVE_CLOSE,
	UACCEL_REMOVE_DISASSOCIATE,
};

/**
 * struct uaccel_obj_ops - what the core does with one type of object
 * @stat: its debugfs counter
 * @attach: optional; run under the context lock once the object has its
 *	id, before it is installed (a queue starts in its driver)
 * @release: destroy an object erased from its context, for a reason;
 *	called with the context lock held and the driver still there
 * @ring: optional; the ring the object maps to userspace, and its size
 */
struct uaccel_obj_ops {
	enum uaccel_stat stat;
	int (*attach)(struct uaccel_object *obj);
	void (*release)(struct uaccel_object *obj, enum uaccel_remove_reason why);
	void *(*ring)(struct uaccel_object *obj, size_t *size);
};

const struct uaccel_obj_ops *uaccel_obj_ops_of(const struct uaccel_object *obj);

/*
 * Lookups by id take a use count (DESTROY fails with -EBUSY meanwhile):
 * an object of one type, or of any (mmap).  ERR_PTR(-ENOENT) for none.
 */
struct uaccel_object *uaccel_obj_get(struct uaccel_context *ctx, u32 id,
				     enum uaccel_obj_type type);
struct uaccel_object *uaccel_obj_get_any(struct uaccel_context *ctx, u32 id);
void uaccel_obj_put(struct uaccel_object *obj);

/* A context's life (context.c). */
struct uaccel_context *uaccel_context_open(struct uaccel_device *udev,
					   struct file *filp);
void uaccel_context_close(struct uaccel_context *ctx);
void uaccel_contexts_shut(struct uaccel_device *udev);
void uaccel_contexts_disassociate(struct uaccel_device *udev);

/* Its events (event.c). */
void uaccel_context_queue_event(struct uaccel_context *ctx,
				struct uaccel_event_node *node);
void uaccel_context_queue_removed(struct uaccel_context *ctx, bool fatal);
void uaccel_context_free_events(struct uaccel_context *ctx);
ssize_t uaccel_event_read(struct file *filp, char __user *buf, size_t count,
			  loff_t *pos);
__poll_t uaccel_event_poll(struct file *filp, poll_table *wait);
__poll_t uaccel_context_poll_removed(struct uaccel_context *ctx,
				     struct file *filp, poll_table *wait);

/*
 * Object creation: uaccel_obj_add() gives a complete object its id and
 * installs it (destroyed with its context from then on) and the handler
 * replies; the dispatcher then makes it visible with uaccel_obj_finalize(),
 * or destroys it if the reply could not be copied.
 */
int uaccel_obj_add(struct uaccel_ucmd *ucmd, struct uaccel_object *obj,
		   enum uaccel_obj_type type);
void uaccel_obj_finalize(struct uaccel_context *ctx, u32 id, bool publish);
void uaccel_obj_destroy(struct uaccel_object *obj, enum uaccel_remove_reason why);

/* Locked memory (pinned pages, rings) charged to the creating user. */
int uaccel_locked_charge(struct uaccel_locked *locked, unsigned long npages);
void uaccel_locked_uncharge(struct uaccel_locked *locked);

/* The workqueue of MR unpins that wait for a page lock (object.c). */
int uaccel_mr_init(void);
void uaccel_mr_exit(void);

int uaccel_cmd_destroy(struct uaccel_ucmd *ucmd);
void uaccel_cipher_teardown(struct uaccel_context *ctx);
void uaccel_cipher_release(struct uaccel_facet_file *ffile);
int uaccel_cmd_alloc_pd(struct uaccel_ucmd *ucmd);
int uaccel_cmd_reg_mr(struct uaccel_ucmd *ucmd);
int uaccel_cmd_create_cq(struct uaccel_ucmd *ucmd);
int uaccel_cmd_poll_cq(struct uaccel_ucmd *ucmd);
int uaccel_cmd_wait_cq(struct uaccel_ucmd *ucmd);
int uaccel_cmd_create_queue(struct uaccel_ucmd *ucmd);
int uaccel_cmd_post(struct uaccel_ucmd *ucmd);
int uaccel_cmd_doorbell(struct uaccel_ucmd *ucmd);
int uaccel_cmd_get_driver_ops_fd(struct uaccel_ucmd *ucmd);

/* dma-buf import (MRs) and export (DM objects), dmabuf.c. */
int uaccel_cmd_reg_dmabuf_mr(struct uaccel_ucmd *ucmd);
void uaccel_dmabuf_mr_release(struct uaccel_mr *mr);
int uaccel_cmd_alloc_dm(struct uaccel_ucmd *ucmd);
int uaccel_cmd_export_dm(struct uaccel_ucmd *ucmd);
void uaccel_dm_release(struct uaccel_object *obj, enum uaccel_remove_reason why);

void uaccel_cq_release(struct uaccel_object *obj, enum uaccel_remove_reason why);
void uaccel_cq_wake(struct uaccel_cq *cq);
void uaccel_cq_unreserve(struct uaccel_cq *cq);
void *uaccel_cq_ring(struct uaccel_object *obj, size_t *size);
int uaccel_queue_attach(struct uaccel_object *obj);
void uaccel_queue_release(struct uaccel_object *obj,
			  enum uaccel_remove_reason why);
void *uaccel_queue_ring(struct uaccel_object *obj, size_t *size);
u64 uaccel_queue_dev_caps(const struct uaccel_device *udev);

/* The CREATE_QUEUE flags the core knows; drivers implement a subset. */
#define UACCEL_CREATE_QUEUE_FLAGS	UACCEL_QUEUE_POLL
void uaccel_cq_kick_stalled(struct uaccel_cq *cq);
int uaccel_ring_mmap(struct uaccel_context *ctx, struct vm_area_struct *vma);
void *uaccel_ring_alloc(size_t size, struct uaccel_locked *locked);
void uaccel_ring_free(void *ring, struct uaccel_locked *locked);
u64 uaccel_ring_mmap_offset(const struct uaccel_object *obj);
void uaccel_ring_zap(struct uaccel_object *obj, enum uaccel_remove_reason why);

struct inode *uaccel_mapping_inode_alloc(void);
void uaccel_mapping_inode_free(struct inode *inode);

/* The registry, for the netlink family (main.c). */
struct uaccel_device *uaccel_device_get_next(unsigned long *index);
struct uaccel_device *uaccel_device_get_by_index(u32 index);
struct uaccel_device *uaccel_device_get_by_name(const char *name);
bool uaccel_device_added(const struct uaccel_device *udev);
extern atomic_t uaccel_registry_gen;

/* The generic netlink family "uaccel" (netlink.c). */
int uaccel_nl_init(void);
void uaccel_nl_exit(void);
void uaccel_nl_notify(struct uaccel_device *udev, u8 cmd, const char *old_name);

extern const struct file_operations uaccel_device_fops;
extern const struct attribute_group *uaccel_core_groups[];

#endif /* _UACCEL_CORE_H */
