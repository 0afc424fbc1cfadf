// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: submission queues and the mapping of rings.
 *
 * The core allocates the submission ring (in the driver's entry format) and
 * maps it to userspace; the driver consumes it.  Userspace either writes
 * entries itself and rings DOORBELL (the provider fast path) or hands
 * generic work requests to POST, which queues them through the driver's
 * post() hook (the generic path).
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

void uaccel_queue_release(struct uaccel_queue *q)
{
	struct uaccel_context *ctx = q->obj.ctx;

	ctx->udev->ops->destroy_queue(q);
	/* A removal zapped every ring mapping of the device at once. */
	if (!ctx->disassociating)
		uaccel_ring_zap(&q->obj, q->ring_size);
	if (ctx->disassociating)
		uaccel_queue_report_flush(q);
	kfree(q->flush_event);
	list_del(&q->cq_entry);
	atomic_dec(&q->cq->obj.usecnt);
	atomic_dec(&q->pd->obj.usecnt);
	mutex_destroy(&q->post_lock);
	vfree(q->ring);
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

	q = kzalloc(struct_size(q, priv, ops->queue_priv_size), GFP_KERNEL);
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
	q->ring = vmalloc_user(q->ring_size);
	if (!q->ring) {
		ret = -ENOMEM;
		goto err_free_q;
	}
	q->flush_event = kzalloc(sizeof(*q->flush_event), GFP_KERNEL);
	if (!q->flush_event) {
		ret = -ENOMEM;
		goto err_free_ring;
	}

	mutex_lock(&ctx->lock);
	ret = uaccel_obj_reserve(ctx, &q->obj, UACCEL_OBJ_QUEUE);
	if (ret)
		goto err_unlock;
	ret = ops->create_queue(q);
	if (ret)
		goto err_unreserve;
	cmd->out_queue_id = q->obj.id;
	cmd->out_entries = q->entries;
	cmd->out_entry_size = q->entry_size;
	cmd->out_mmap_offset = (u64)q->obj.id << (UACCEL_MMAP_ID_SHIFT + PAGE_SHIFT);
	cmd->out_mmap_size = q->ring_size;
	ret = uaccel_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_destroy;
	/* The PD and CQ use counts taken by the lookups belong to the queue. */
	list_add_tail(&q->cq_entry, &q->cq->queues);
	uaccel_obj_publish(&q->obj);
	mutex_unlock(&ctx->lock);
	return 0;

err_destroy:
	ops->destroy_queue(q);
err_unreserve:
	uaccel_obj_unreserve(&q->obj);
err_unlock:
	mutex_unlock(&ctx->lock);
	kfree(q->flush_event);
err_free_ring:
	vfree(q->ring);
err_free_q:
	mutex_destroy(&q->post_lock);
	kfree(q);
err_put_cq:
	uaccel_obj_put(cqobj);
err_put_pd:
	uaccel_obj_put(pdobj);
	return ret;
}

static struct uaccel_queue *uaccel_queue_get(struct uaccel_context *ctx, u32 id)
{
	struct uaccel_object *obj = uaccel_obj_get(ctx, id, UACCEL_OBJ_QUEUE);

	return IS_ERR(obj) ? ERR_CAST(obj) : container_of(obj, struct uaccel_queue, obj);
}

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
	uaccel_obj_put(&q->obj);
	return 0;
}

int uaccel_cmd_post(struct uaccel_ucmd *ucmd)
{
	struct uaccel_post *cmd = ucmd->cmd;
	const struct uaccel_wr __user *uwr = u64_to_user_ptr(cmd->wrs);
	const struct uaccel_ops *ops = ucmd->ctx->udev->ops;
	struct uaccel_queue *q;
	struct uaccel_wr wr;
	u32 i;
	int ret = 0;

	if (cmd->__reserved || !cmd->count || cmd->count > UACCEL_POST_MAX)
		return -EINVAL;
	if (!ops->post)
		return -EOPNOTSUPP;
	q = uaccel_queue_get(ucmd->ctx, cmd->queue_id);
	if (IS_ERR(q))
		return PTR_ERR(q);

	mutex_lock(&q->post_lock);
	for (i = 0; i < cmd->count; i++) {
		if (copy_from_user(&wr, &uwr[i], sizeof(wr))) {
			ret = -EFAULT;
			break;
		}
		ret = ops->post(q, &wr);
		if (ret)
			break;
	}
	mutex_unlock(&q->post_lock);

	if (i)
		ops->doorbell(q);
	/* A full ring after some were queued is a short count, not an error. */
	if (i && ret == -EAGAIN)
		ret = 0;
	if (!ret) {
		cmd->out_posted = i;
		ret = uaccel_ucmd_respond(ucmd, sizeof(*cmd));
	}
	uaccel_obj_put(&q->obj);
	return ret;
}
