// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: submission queues (CREATE_QUEUE, DOORBELL, POST).
 *
 * A queue's submission ring is in the driver's entry format, allocated and
 * mapped to userspace by mmap.c; the driver consumes it.  Userspace either
 * writes entries itself and rings DOORBELL (the provider fast path) or
 * hands generic work requests to POST, which queues them through the
 * driver's post() hook (the generic path).  A queue whose device goes away
 * reports what became of its work (QUEUE_FLUSHED).
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "uaccel_core.h"

#define UACCEL_QUEUE_MAX_ENTRIES	65536
#define UACCEL_POST_MAX			4096

struct uaccel_device *uaccel_queue_device(const struct uaccel_queue *q)
{
	return q->obj.ctx->udev;
}
EXPORT_SYMBOL_GPL(uaccel_queue_device);

/* The UACCEL_DEV_CAP_* bits that follow from what the driver implements. */
u64 uaccel_queue_dev_caps(const struct uaccel_device *udev)
{
	u64 caps = 0;

	if (udev->ops->create_queue && udev->ops->queue_entry_size &&
	    (udev->ops->queue_flags & UACCEL_QUEUE_POLL))
		caps |= UACCEL_DEV_CAP_QUEUE_POLL;
	return caps;
}

void uaccel_queue_complete(struct uaccel_queue *q, struct uaccel_cqe *cqe)
{
	cqe->queue_id = q->obj.id;
	uaccel_cq_post(q->cq, cqe);
	atomic64_inc(&q->completed);
}
EXPORT_SYMBOL_GPL(uaccel_queue_complete);

/*
 * The device went away under the queue: tell the context what happened to
 * the work it was given.  Entries the device never took from the ring
 * (between the head it published and the tail) are flushed.
 */
static void uaccel_queue_report_flush(struct uaccel_queue *q)
{
	struct uaccel_event_node *node = q->flush_event;
	u32 pending = READ_ONCE(q->ring->tail) - READ_ONCE(q->ring->head);

	q->flush_event = NULL;
	node->ev.type = UACCEL_EVENT_QUEUE_FLUSHED;
	node->ev.queue_id = q->obj.id;
	node->ev.completed = atomic64_read(&q->completed);
	/* A tail corrupted through the mapping cannot claim more. */
	node->ev.flushed = min(pending, q->entries);
	uaccel_context_queue_event(q->obj.ctx, node);
}

void *uaccel_queue_ring(struct uaccel_object *obj, size_t *size)
{
	struct uaccel_queue *q = container_of(obj, struct uaccel_queue, obj);

	*size = q->ring_size;
	return q->ring;
}

/* Under the context lock, once the queue has its id: start it. */
int uaccel_queue_attach(struct uaccel_object *obj)
{
	struct uaccel_queue *q = container_of(obj, struct uaccel_queue, obj);
	int ret;

	ret = obj->ctx->udev->ops->create_queue(q);
	if (ret)
		return ret;
	list_add_tail(&q->cq_entry, &q->cq->queues);
	return 0;
}

void uaccel_queue_release(struct uaccel_object *obj,
			  enum uaccel_remove_reason why)
{
	struct uaccel_queue *q = container_of(obj, struct uaccel_queue, obj);

	obj->ctx->udev->ops->destroy_queue(q);
	uaccel_ring_zap(obj, why);
	if (why == UACCEL_REMOVE_DISASSOCIATE)
		uaccel_queue_report_flush(q);
	kfree(q->flush_event);
	list_del(&q->cq_entry);
	atomic_dec(&q->cq->obj.usecnt);
	atomic_dec(&q->pd->obj.usecnt);
	mutex_destroy(&q->post_lock);
	uaccel_ring_free(q->ring, &q->locked);
	kfree(q);
}

int uaccel_cmd_create_queue(struct uaccel_ucmd *ucmd)
{
	struct uaccel_create_queue *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	const struct uaccel_ops *ops = ctx->udev->ops;
	struct uaccel_object *pdobj, *cqobj;
	struct uaccel_queue *q;
	int ret;

	if (!ops->create_queue || !ops->queue_entry_size)
		return -EOPNOTSUPP;
	/* Flags the core knows but this driver does not implement. */
	if (cmd->flags & ~ops->queue_flags)
		return -EOPNOTSUPP;
	if (!cmd->entries || cmd->entries > UACCEL_QUEUE_MAX_ENTRIES ||
	    cmd->__reserved)
		return -EINVAL;
	if (cmd->poll_idle_ms &&
	    (!(cmd->flags & UACCEL_QUEUE_POLL) ||
	     cmd->poll_idle_ms > UACCEL_QUEUE_POLL_IDLE_MAX_MS))
		return -EINVAL;

	pdobj = uaccel_obj_get(ctx, cmd->pd_id, UACCEL_OBJ_PD);
	if (IS_ERR(pdobj))
		return PTR_ERR(pdobj);
	cqobj = uaccel_obj_get(ctx, cmd->cq_id, UACCEL_OBJ_CQ);
	if (IS_ERR(cqobj)) {
		ret = PTR_ERR(cqobj);
		goto err_put_pd;
	}

	q = kzalloc(struct_size(q, priv, ops->queue_priv_size),
		    GFP_KERNEL_ACCOUNT);
	if (!q) {
		ret = -ENOMEM;
		goto err_put_cq;
	}
	q->pd = container_of(pdobj, struct uaccel_pd, obj);
	q->cq = container_of(cqobj, struct uaccel_cq, obj);
	q->entries = roundup_pow_of_two(cmd->entries);
	q->entry_size = ops->queue_entry_size;
	q->flags = cmd->flags;
	q->poll_idle_ms = cmd->poll_idle_ms;
	mutex_init(&q->post_lock);
	INIT_LIST_HEAD(&q->cq_entry);
	q->ring_size = PAGE_ALIGN(UACCEL_RING_ENTRIES_OFFSET +
				  (size_t)q->entries * q->entry_size);
	q->ring = uaccel_ring_alloc(q->ring_size, &q->locked);
	if (IS_ERR(q->ring)) {
		ret = PTR_ERR(q->ring);
		goto err_free_q;
	}
	q->flush_event = kzalloc(sizeof(*q->flush_event), GFP_KERNEL_ACCOUNT);
	if (!q->flush_event) {
		ret = -ENOMEM;
		goto err_free_ring;
	}

	/* The PD and CQ use counts taken by the lookups belong to the queue. */
	ret = uaccel_obj_add(ucmd, &q->obj, UACCEL_OBJ_QUEUE);
	if (ret)
		goto err_free_event;

	cmd->out_queue_id = q->obj.id;
	cmd->out_entries = q->entries;
	cmd->out_entry_size = q->entry_size;
	cmd->out_mmap_offset = uaccel_ring_mmap_offset(&q->obj);
	cmd->out_mmap_size = q->ring_size;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_free_event:
	kfree(q->flush_event);
err_free_ring:
	uaccel_ring_free(q->ring, &q->locked);
err_free_q:
	mutex_destroy(&q->post_lock);
	kfree(q);
err_put_cq:
	uaccel_obj_put(cqobj);
err_put_pd:
	uaccel_obj_put(pdobj);
	return ret;
}

struct uaccel_queue *uaccel_queue_get(struct uaccel_context *ctx, u32 id)
{
	struct uaccel_object *obj = uaccel_obj_get(ctx, id, UACCEL_OBJ_QUEUE);

	return IS_ERR(obj) ? ERR_CAST(obj) : container_of(obj, struct uaccel_queue, obj);
}
EXPORT_SYMBOL_GPL(uaccel_queue_get);

void uaccel_queue_put(struct uaccel_queue *q)
{
	uaccel_obj_put(&q->obj);
}
EXPORT_SYMBOL_GPL(uaccel_queue_put);

struct uaccel_mr *uaccel_queue_mr_get(struct uaccel_queue *q, u32 id)
{
	struct uaccel_mr *mr = uaccel_mr_get(q->obj.ctx, id);

	if (!IS_ERR(mr) && mr->pd != q->pd) {
		uaccel_mr_put(mr);
		return ERR_PTR(-ENOENT);
	}
	return mr;
}
EXPORT_SYMBOL_GPL(uaccel_queue_mr_get);

int uaccel_cmd_doorbell(struct uaccel_ucmd *ucmd)
{
	struct uaccel_doorbell *cmd = ucmd->cmd;
	struct uaccel_queue *q;

	if (cmd->__reserved)
		return -EINVAL;
	q = uaccel_queue_get(ucmd->ctx, cmd->queue_id);
	if (IS_ERR(q))
		return PTR_ERR(q);
	ucmd->ctx->udev->ops->doorbell(q);
	uaccel_queue_put(q);
	return 0;
}

/* Work requests POST copies in per pass, on the stack. */
#define UACCEL_POST_CHUNK	8

/*
 * Hand @n work requests to the driver and ring the doorbell: the number
 * queued (a full ring stops early) or -errno if none was.  Inside the
 * device's section.
 */
static int uaccel_post_chunk(struct uaccel_context *ctx, u32 id,
			     const struct uaccel_wr *wrs, u32 n)
{
	const struct uaccel_ops *ops = ctx->udev->ops;
	struct uaccel_queue *q;
	int ret = 0;
	u32 i;

	q = uaccel_queue_get(ctx, id);
	if (IS_ERR(q))
		return PTR_ERR(q);
	mutex_lock(&q->post_lock);
	for (i = 0; i < n; i++) {
		ret = ops->post(q, &wrs[i]);
		if (ret)
			break;
	}
	mutex_unlock(&q->post_lock);
	if (i)
		ops->doorbell(q);
	uaccel_queue_put(q);
	return i ? i : ret;
}

/*
 * POST copies the work requests in outside the device's section, a pass
 * at a time, and queues each pass inside it.  Once a work request was
 * queued, an error (a full ring, a bad request, a fault on the array)
 * ends the call with a short count rather than hiding what was queued;
 * a reply that cannot be written then is the return value (see
 * uaccel_ucmd_reply_progress()).
 */
int uaccel_cmd_post(struct uaccel_ucmd *ucmd)
{
	struct uaccel_post *cmd = ucmd->cmd;
	const struct uaccel_wr __user *uwr = u64_to_user_ptr(cmd->wrs);
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_device *udev = ctx->udev;
	struct uaccel_wr wrs[UACCEL_POST_CHUNK];
	struct uaccel_queue *q;
	u32 done = 0, n;
	int ret = 0, idx;

	if (cmd->__reserved || !cmd->count || cmd->count > UACCEL_POST_MAX)
		return -EINVAL;
	/*
	 * A queue that does not exist is -ENOENT, whatever @wrs points to.
	 * The driver's ops are only read inside the section: outside it the
	 * driver module may be gone.
	 */
	if (!uaccel_device_enter(udev, &idx))
		return -ENODEV;
	q = udev->ops->post ? uaccel_queue_get(ctx, cmd->queue_id) :
			      ERR_PTR(-EOPNOTSUPP);
	if (!IS_ERR(q))
		uaccel_queue_put(q);
	uaccel_device_exit(udev, idx);
	if (IS_ERR(q))
		return PTR_ERR(q);
	/* Before anything is queued, the count can be told. */
	ret = uaccel_ucmd_reply_check(ucmd, offsetof(struct uaccel_post, out_posted));
	if (ret)
		return ret;

	while (done < cmd->count) {
		n = min_t(u32, cmd->count - done, UACCEL_POST_CHUNK);
		if (copy_from_user(wrs, &uwr[done], n * sizeof(*wrs))) {
			ret = -EFAULT;
			break;
		}
		if (!uaccel_device_enter(udev, &idx)) {
			ret = -ENODEV;
			break;
		}
		ret = uaccel_post_chunk(ctx, cmd->queue_id, wrs, n);
		uaccel_device_exit(udev, idx);
		if (ret < 0)
			break;
		done += ret;
		/* A full ring (or a bad request) stopped the pass. */
		if (ret < n || fatal_signal_pending(current))
			break;
		ret = 0;
	}
	if (ret > 0)
		ret = 0;

	if (ret && !done)
		return ret;
	cmd->out_posted = done;
	return uaccel_ucmd_reply_progress(ucmd, sizeof(*cmd), done);
}
