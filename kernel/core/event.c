// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the asynchronous event queue of a context.
 *
 * Events are read() from the context fd.  The events of a removal are
 * allocated in advance (with the context and with each queue), so a device
 * goes away without allocating and no event is ever dropped.  Reading and
 * polling never enter the device's SRCU section: they only touch the
 * context, which outlives the device's registration.
 */
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "uaccel_core.h"

void uaccel_context_queue_event(struct uaccel_context *ctx,
				struct uaccel_event_node *node)
{
	spin_lock(&ctx->event_lock);
	list_add_tail(&node->list, &ctx->events);
	spin_unlock(&ctx->event_lock);
	wake_up_interruptible_all(&ctx->event_wait);
}

/*
 * Queue DEVICE_REMOVED (flagged UACCEL_EVENT_FATAL after a fatal error) as
 * the last event of a context whose device went away, and wake readers
 * and pollers: read() gives -ENODEV once the events are read.
 */
void uaccel_context_queue_removed(struct uaccel_context *ctx, bool fatal)
{
	struct uaccel_event_node *node = &ctx->removed_event;

	node->ev.type = UACCEL_EVENT_DEVICE_REMOVED;
	node->ev.flags = fatal ? UACCEL_EVENT_FATAL : 0;
	spin_lock(&ctx->event_lock);
	list_add_tail(&node->list, &ctx->events);
	ctx->removed = true;
	spin_unlock(&ctx->event_lock);
	wake_up_interruptible_all(&ctx->event_wait);
}

/* Take the oldest event, or NULL. */
static struct uaccel_event_node *uaccel_event_pop(struct uaccel_context *ctx)
{
	struct uaccel_event_node *node;

	spin_lock(&ctx->event_lock);
	node = list_first_entry_or_null(&ctx->events, struct uaccel_event_node,
					list);
	if (node)
		list_del_init(&node->list);
	spin_unlock(&ctx->event_lock);
	return node;
}

static void uaccel_event_push_back(struct uaccel_context *ctx,
				   struct uaccel_event_node *node)
{
	spin_lock(&ctx->event_lock);
	list_add(&node->list, &ctx->events);
	spin_unlock(&ctx->event_lock);
}

static void uaccel_event_free(struct uaccel_context *ctx,
			      struct uaccel_event_node *node)
{
	if (node != &ctx->removed_event)
		kfree(node);
}

static bool uaccel_event_readable(struct uaccel_context *ctx)
{
	bool ret;

	spin_lock(&ctx->event_lock);
	ret = !list_empty(&ctx->events) || ctx->removed;
	spin_unlock(&ctx->event_lock);
	return ret;
}

/*
 * read() of the context fd: whole events, as many as fit.  Blocks for the
 * first one unless O_NONBLOCK; -ENODEV once the device is gone and its
 * events were read.
 */
ssize_t uaccel_event_read(struct file *filp, char __user *buf, size_t count,
			  loff_t *pos)
{
	struct uaccel_context *ctx = filp->private_data;
	const size_t size = sizeof(struct uaccel_event);
	struct uaccel_event_node *node;
	size_t done = 0;
	int ret;

	if (count < size)
		return -EINVAL;

	while (done + size <= count) {
		node = uaccel_event_pop(ctx);
		if (!node) {
			if (done)
				break;
			if (READ_ONCE(ctx->removed))
				return -ENODEV;
			if (filp->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(ctx->event_wait,
						       uaccel_event_readable(ctx));
			if (ret)
				return ret;
			continue;
		}
		if (copy_to_user(buf + done, &node->ev, size)) {
			uaccel_event_push_back(ctx, node);
			return done ? done : -EFAULT;
		}
		uaccel_event_free(ctx, node);
		done += size;
	}
	return done;
}

/* What poll() reports for a file of @ctx once its device is gone. */
__poll_t uaccel_context_poll_removed(struct uaccel_context *ctx,
				     struct file *filp, poll_table *wait)
{
	poll_wait(filp, &ctx->event_wait, wait);
	return READ_ONCE(ctx->removed) ? EPOLLHUP | EPOLLERR : 0;
}

__poll_t uaccel_event_poll(struct file *filp, poll_table *wait)
{
	struct uaccel_context *ctx = filp->private_data;
	__poll_t mask = uaccel_context_poll_removed(ctx, filp, wait);
	bool pending;

	spin_lock(&ctx->event_lock);
	pending = !list_empty(&ctx->events);
	spin_unlock(&ctx->event_lock);
	if (pending)
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* Free the events nobody read; at the context's release. */
void uaccel_context_free_events(struct uaccel_context *ctx)
{
	struct uaccel_event_node *node;

	while ((node = uaccel_event_pop(ctx)))
		uaccel_event_free(ctx, node);
}
