// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the life of a context, from open() to its free.
 *
 *  - uaccel_context_open(): open() of the device node creates it, inside
 *    the device's section, and lists it on the device (an exclusive device
 *    has one at a time).
 *  - uaccel_context_get()/uaccel_context_put(): the context file, every
 *    facet file of it and work that outlives a command (a driver's pending
 *    completion) hold references.
 *  - uaccel_context_close(): the context file's release drops its
 *    reference; facet files may keep the context on.
 *  - uaccel_contexts_shut(): the device stops taking calls (unregistration
 *    or a fatal error): WAIT_CQ sleepers of every context wake.
 *  - uaccel_contexts_disassociate(): the device goes away, once its calls
 *    drained: every context loses the objects that hold the device
 *    (queues, MRs, CQs; reason DISASSOCIATE) and gets DEVICE_REMOVED as
 *    its last event.  The context itself, and its PDs, stay until its
 *    last file is closed.
 *  - the last reference destroys what objects are left (reason CLOSE),
 *    takes the context off its device and frees it.
 *
 * The objects that hold the device are destroyed once per context,
 * dependents first, whichever of removal and the last close comes first;
 * ctx->dead records it.  Removal walks only them (UACCEL_OBJ_MARK_DEVICE),
 * so its time does not grow with the PDs userspace made.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include "uaccel_core.h"

/* Context ids; a wrap after 2^32 opens only reorders a resource dump. */
static atomic_t uaccel_context_ids;

/*
 * Destroy the objects of a context that hold its device (queues, MRs, CQs,
 * DMs; dependents first), for @why (CLOSE or DISASSOCIATE), and take no new
 * object from now on.  Runs once, with the driver still there: at the
 * last close of the context, or when its device is removed.  PDs stay for
 * uaccel_context_free_objects().
 */
static void uaccel_context_destroy_device_objects(struct uaccel_context *ctx,
						  enum uaccel_remove_reason why)
{
	static const enum uaccel_obj_type order[] = {
		UACCEL_OBJ_QUEUE, UACCEL_OBJ_MR, UACCEL_OBJ_CQ, UACCEL_OBJ_DM,
	};
	struct uaccel_object *obj;
	unsigned long id;
	unsigned int i;

	/* Sessions first: their requests hold MRs and CQs. */
	uaccel_cipher_teardown(ctx);
	mutex_lock(&ctx->lock);
	if (!ctx->dead) {
		ctx->dead = true;
		for (i = 0; i < ARRAY_SIZE(order); i++) {
			xa_for_each_marked(&ctx->objects, id, obj,
					   UACCEL_OBJ_MARK_DEVICE) {
				/*
				 * Locked memory bounds these, not to a small
				 * number: let others run (no spinlock held).
				 */
				cond_resched();
				if (obj->type != order[i])
					continue;
				xa_erase(&ctx->objects, id);
				uaccel_obj_destroy(obj, why);
			}
		}
	}
	mutex_unlock(&ctx->lock);
}

/*
 * Free what is left of a context that nothing reaches any more: its PDs,
 * up to UACCEL_CONTEXT_MAX_OBJECTS of them, then the xarray at once
 * rather than entry by entry.  Needs no driver.
 */
static void uaccel_context_free_objects(struct uaccel_context *ctx)
{
	struct uaccel_object *obj;
	unsigned long id;

	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->objects, id, obj) {
		cond_resched();
		uaccel_obj_destroy(obj, UACCEL_REMOVE_CLOSE);
	}
	xa_destroy(&ctx->objects);
	mutex_unlock(&ctx->lock);
}

/*
 * A new context for an open() of @udev's node, by @filp: listed on the
 * device and holding a reference on it.  Called inside the device's
 * section.  -EBUSY for an exclusive device that has a context already.
 */
struct uaccel_context *uaccel_context_open(struct uaccel_device *udev,
					   struct file *filp)
{
	struct uaccel_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->objects, XA_FLAGS_ALLOC1);
	spin_lock_init(&ctx->event_lock);
	INIT_LIST_HEAD(&ctx->events);
	init_waitqueue_head(&ctx->event_wait);
	INIT_LIST_HEAD(&ctx->removed_event.list);
	ctx->udev = udev;
	ctx->filp = filp;
	ctx->pid = get_task_pid(current, PIDTYPE_TGID);
	ctx->uid = current_euid();
	get_task_comm(ctx->comm, current);
	spin_lock_init(&ctx->facet_lock);
	INIT_LIST_HEAD(&ctx->facet_files);
	mutex_init(&ctx->cipher_lock);
	xa_init_flags(&ctx->cipher_sessions, XA_FLAGS_ALLOC1);

	/* An exclusive device has one context at a time (sysfs.c). */
	mutex_lock(&udev->contexts_lock);
	if (udev->exclusive && udev->nr_contexts) {
		mutex_unlock(&udev->contexts_lock);
		put_pid(ctx->pid);
		mutex_destroy(&ctx->cipher_lock);
		mutex_destroy(&ctx->lock);
		kfree(ctx);
		return ERR_PTR(-EBUSY);
	}
	/* Increasing along the list, for the resumption of netlink dumps. */
	ctx->id = atomic_inc_return(&uaccel_context_ids);
	list_add_tail(&ctx->list, &udev->contexts);
	WRITE_ONCE(udev->nr_contexts, udev->nr_contexts + 1);
	mutex_unlock(&udev->contexts_lock);
	get_device(&udev->dev);
	uaccel_stat_add(UACCEL_STAT_CONTEXTS, 1);
	return ctx;
}

void uaccel_context_get(struct uaccel_context *ctx)
{
	kref_get(&ctx->ref);
}
EXPORT_SYMBOL_GPL(uaccel_context_get);

static void uaccel_context_free(struct uaccel_context *ctx)
{
	struct uaccel_device *udev = ctx->udev;

	uaccel_context_free_events(ctx);
	WARN_ON(!xa_empty(&ctx->objects));
	xa_destroy(&ctx->objects);
	WARN_ON(!list_empty(&ctx->facet_files));
	WARN_ON(!xa_empty(&ctx->cipher_sessions));
	xa_destroy(&ctx->cipher_sessions);
	mutex_destroy(&ctx->cipher_lock);
	put_pid(ctx->pid);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	uaccel_stat_add(UACCEL_STAT_CONTEXTS, -1);
	put_device(&udev->dev);
}

/* The last reference went: destroy what is left, unlist, free. */
static void uaccel_context_release(struct kref *ref)
{
	struct uaccel_context *ctx = container_of(ref, struct uaccel_context, ref);
	struct uaccel_device *udev = ctx->udev;
	int idx;

	if (uaccel_device_enter(udev, &idx)) {
		uaccel_context_destroy_device_objects(ctx, UACCEL_REMOVE_CLOSE);
		uaccel_device_exit(udev, idx);
		mutex_lock(&udev->contexts_lock);
	} else {
		/*
		 * The device is going away.  Either its removal already
		 * destroyed the objects (ctx->dead), or it is waiting for
		 * contexts_lock to do so and the driver is still there: destroy
		 * them here, since the context leaves the list.
		 */
		mutex_lock(&udev->contexts_lock);
		uaccel_context_destroy_device_objects(ctx, UACCEL_REMOVE_CLOSE);
	}
	list_del(&ctx->list);
	WRITE_ONCE(udev->nr_contexts, udev->nr_contexts - 1);
	mutex_unlock(&udev->contexts_lock);

	uaccel_context_free_objects(ctx);
	uaccel_context_free(ctx);
}

void uaccel_context_put(struct uaccel_context *ctx)
{
	kref_put(&ctx->ref, uaccel_context_release);
}
EXPORT_SYMBOL_GPL(uaccel_context_put);

/* The context file is released; facet files may keep the context. */
void uaccel_context_close(struct uaccel_context *ctx)
{
	uaccel_context_put(ctx);
}

/* Wake every WAIT_CQ sleeper of a context: its device stopped. */
static void uaccel_context_wake_waiters(struct uaccel_context *ctx)
{
	struct uaccel_object *obj;
	unsigned long id;

	/* Under the xarray lock no object can be freed. */
	xa_lock(&ctx->objects);
	xa_for_each_marked(&ctx->objects, id, obj, UACCEL_OBJ_MARK_CQ)
		uaccel_cq_wake(container_of(obj, struct uaccel_cq, obj));
	xa_unlock(&ctx->objects);
}

/*
 * The device stopped taking calls (it is no longer registered): the
 * sleepers of its contexts wake and see it.
 */
void uaccel_contexts_shut(struct uaccel_device *udev)
{
	struct uaccel_context *ctx;

	mutex_lock(&udev->contexts_lock);
	list_for_each_entry(ctx, &udev->contexts, list)
		uaccel_context_wake_waiters(ctx);
	mutex_unlock(&udev->contexts_lock);
}

/*
 * The device of @ctx is going away and its calls have drained.  Destroy
 * the objects (queues queue their QUEUE_FLUSHED events), then queue
 * DEVICE_REMOVED as the last event and wake readers and pollers.
 */
static void uaccel_context_disassociate(struct uaccel_context *ctx)
{
	uaccel_context_destroy_device_objects(ctx, UACCEL_REMOVE_DISASSOCIATE);
	uaccel_context_queue_removed(ctx, READ_ONCE(ctx->udev->fatal));
}

/*
 * Removal, once no call is inside the driver and no ring is mapped: every
 * context of the device loses its objects while the driver is still
 * there, and is told.
 */
void uaccel_contexts_disassociate(struct uaccel_device *udev)
{
	struct uaccel_context *ctx;

	mutex_lock(&udev->contexts_lock);
	list_for_each_entry(ctx, &udev->contexts, list)
		uaccel_context_disassociate(ctx);
	mutex_unlock(&udev->contexts_lock);
}
