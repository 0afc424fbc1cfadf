// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: completion queues.
 *
 * The ring is shared with userspace: the kernel produces at tail, the
 * consumer (userspace through the mapping, or POLL_CQ) advances head.  A
 * producer reserves a slot before executing work, so a completion is never
 * produced without room for it: when the CQ is full the device stalls
 * instead (UACCEL_RING_STALLED on the queue) and no completion is lost.
 */
#include <linux/eventfd.h>
#include <linux/io_uring.h>
#include <linux/io_uring_types.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "uaccel_core.h"

#define UACCEL_CQ_MAX_ENTRIES	65536
#define UACCEL_POLL_MAX		4096

/* Entries the consumer has not taken yet; a corrupt head reads as full. */
static u32 uaccel_cq_used(struct uaccel_cq *cq)
{
	/* Pairs with the consumer's release of head: its reads are done. */
	u32 used = cq->tail - smp_load_acquire(&cq->ring->head);

	return used > cq->entries ? cq->entries : used;
}

int uaccel_cq_reserve(struct uaccel_cq *cq)
{
	int ret = 0;

	spin_lock(&cq->lock);
	if (uaccel_cq_used(cq) + cq->reserved >= cq->entries)
		ret = -ENOSPC;
	else
		cq->reserved++;
	spin_unlock(&cq->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(uaccel_cq_reserve);

/* Give back a slot reserved for a completion that will not come. */
void uaccel_cq_unreserve(struct uaccel_cq *cq)
{
	spin_lock(&cq->lock);
	if (!WARN_ON_ONCE(!cq->reserved))
		cq->reserved--;
	spin_unlock(&cq->lock);
}

void uaccel_cq_post(struct uaccel_cq *cq, const struct uaccel_cqe *cqe)
{
	spin_lock(&cq->lock);
	if (!WARN_ON_ONCE(!cq->reserved)) {
		cq->reserved--;
		cq->cqes[cq->tail & (cq->entries - 1)] = *cqe;
		cq->tail++;
		/* Pairs with the consumer's acquire of tail: the entry is there. */
		smp_store_release(&cq->ring->tail, cq->tail);
	}
	spin_unlock(&cq->lock);
}
EXPORT_SYMBOL_GPL(uaccel_cq_post);

/*
 * Under the context's object lock, which DESTROY holds while it checks the
 * use count: a DESTROY issued after the completion was seen finds the CQ
 * unused, never -EBUSY from the moment between post and put.
 */
void uaccel_cq_complete_put(struct uaccel_cq *cq, const struct uaccel_cqe *cqe)
{
	struct xarray *objects = &cq->obj.ctx->objects;

	xa_lock(objects);
	uaccel_cq_post(cq, cqe);
	uaccel_cq_notify(cq);
	uaccel_cq_put(cq);
	xa_unlock(objects);
}
EXPORT_SYMBOL_GPL(uaccel_cq_complete_put);

void uaccel_cq_notify(struct uaccel_cq *cq)
{
	/*
	 * The wait queue's lock only when someone waits.  Pairs with the
	 * barrier each waiter has between joining the queue and looking at
	 * the ring (set_current_state() in wait_event_*(), smp_mb() in
	 * uaccel_cq_park()): either it sees the completion posted before
	 * this, or this sees it on the queue.
	 */
	if (wq_has_sleeper(&cq->wait))
		wake_up_interruptible_all(&cq->wait);
	if (cq->eventfd)
		eventfd_signal(cq->eventfd, 1);
}
EXPORT_SYMBOL_GPL(uaccel_cq_notify);

/* Let queues that stalled on a full CQ go on; called with room again. */
void uaccel_cq_kick_stalled(struct uaccel_cq *cq)
{
	struct uaccel_context *ctx = cq->obj.ctx;
	const struct uaccel_ops *ops = ctx->udev->ops;
	struct uaccel_queue *q;

	mutex_lock(&ctx->lock);
	list_for_each_entry(q, &cq->queues, cq_entry)
		if (READ_ONCE(q->ring->flags) & UACCEL_RING_STALLED)
			ops->doorbell(q);
	mutex_unlock(&ctx->lock);
}

void *uaccel_cq_ring(struct uaccel_object *obj, size_t *size)
{
	struct uaccel_cq *cq = container_of(obj, struct uaccel_cq, obj);

	*size = cq->ring_size;
	return cq->ring;
}

void uaccel_cq_release(struct uaccel_object *obj, enum uaccel_remove_reason why)
{
	struct uaccel_cq *cq = container_of(obj, struct uaccel_cq, obj);

	WARN_ON(!list_empty(&cq->queues));
	/*
	 * Parked WAIT_CQs hold the context, so only removal destroys a CQ
	 * with some: it woke them (they complete with -ENODEV); wait for
	 * the ones whose timer took them to be off the wait queue.
	 */
	wake_up_all(&cq->wait);
	wait_var_event(&cq->parked, !atomic_read(&cq->parked));
	uaccel_ring_zap(obj, why);
	if (cq->eventfd)
		eventfd_ctx_put(cq->eventfd);
	uaccel_ring_free(cq->ring, &cq->locked);
	kfree(cq);
}

int uaccel_cmd_create_cq(struct uaccel_ucmd *ucmd)
{
	struct uaccel_create_cq *cmd = ucmd->cmd;
	struct uaccel_cq *cq;
	int ret;

	if (!cmd->entries || cmd->entries > UACCEL_CQ_MAX_ENTRIES)
		return -EINVAL;
	if (!(cmd->flags & UACCEL_CQ_EVENTFD) && cmd->eventfd)
		return -EINVAL;

	cq = kzalloc(sizeof(*cq), GFP_KERNEL_ACCOUNT);
	if (!cq)
		return -ENOMEM;
	spin_lock_init(&cq->lock);
	init_waitqueue_head(&cq->wait);
	INIT_LIST_HEAD(&cq->queues);
	cq->entries = roundup_pow_of_two(cmd->entries);
	cq->ring_size = PAGE_ALIGN(UACCEL_RING_ENTRIES_OFFSET +
				   (size_t)cq->entries * sizeof(struct uaccel_cqe));
	cq->ring = uaccel_ring_alloc(cq->ring_size, &cq->locked);
	if (IS_ERR(cq->ring)) {
		ret = PTR_ERR(cq->ring);
		goto err_free_cq;
	}
	cq->cqes = (void *)cq->ring + UACCEL_RING_ENTRIES_OFFSET;

	if (cmd->flags & UACCEL_CQ_EVENTFD) {
		cq->eventfd = eventfd_ctx_fdget(cmd->eventfd);
		if (IS_ERR(cq->eventfd)) {
			ret = PTR_ERR(cq->eventfd);
			cq->eventfd = NULL;
			goto err_free_ring;
		}
	}

	ret = uaccel_obj_add(ucmd, &cq->obj, UACCEL_OBJ_CQ);
	if (ret)
		goto err_put_eventfd;

	cmd->out_cq_id = cq->obj.id;
	cmd->out_entries = cq->entries;
	cmd->out_mmap_offset = uaccel_ring_mmap_offset(&cq->obj);
	cmd->out_mmap_size = cq->ring_size;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_put_eventfd:
	if (cq->eventfd)
		eventfd_ctx_put(cq->eventfd);
err_free_ring:
	uaccel_ring_free(cq->ring, &cq->locked);
err_free_cq:
	kfree(cq);
	return ret;
}

struct uaccel_cq *uaccel_cq_get(struct uaccel_context *ctx, u32 id)
{
	struct uaccel_object *obj = uaccel_obj_get(ctx, id, UACCEL_OBJ_CQ);

	return IS_ERR(obj) ? ERR_CAST(obj) : container_of(obj, struct uaccel_cq, obj);
}
EXPORT_SYMBOL_GPL(uaccel_cq_get);

void uaccel_cq_put(struct uaccel_cq *cq)
{
	uaccel_obj_put(&cq->obj);
}
EXPORT_SYMBOL_GPL(uaccel_cq_put);

/* Completions POLL_CQ takes per pass; a pass copies them on the stack. */
#define UACCEL_POLL_CHUNK	16
/* Passes in a row whose head another consumer moved before POLL_CQ gives up. */
#define UACCEL_POLL_MAX_RETRIES	16

/*
 * Copy up to @max completions from the head of CQ @id into @out without
 * consuming them: the number copied (0 when empty), the head they start at
 * and how many the CQ holds, or -errno.  Inside the device's section.
 */
static int uaccel_cq_peek(struct uaccel_context *ctx, u32 id,
			  struct uaccel_cqe *out, u32 max, u32 *headp,
			  u32 *availp)
{
	struct uaccel_cq *cq;
	u32 head, avail, n, i, chunk;

	cq = uaccel_cq_get(ctx, id);
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	head = READ_ONCE(cq->ring->head);
	/* Pairs with uaccel_cq_post()'s release: entries up to tail are written. */
	avail = smp_load_acquire(&cq->ring->tail) - head;
	if (avail > cq->entries) {
		uaccel_cq_put(cq);
		return -EIO;	/* head was corrupted through the mapping */
	}
	*availp = avail;
	n = min(avail, max);
	/* At most two runs: up to the end of the ring, then from its start. */
	for (i = 0; i < n; i += chunk) {
		u32 slot = (head + i) & (cq->entries - 1);

		chunk = min(n - i, cq->entries - slot);
		memcpy(&out[i], &cq->cqes[slot], chunk * sizeof(*out));
	}
	uaccel_cq_put(cq);
	*headp = head;
	return n;
}

/*
 * Consume @n completions at @head of CQ @id, once the caller has them: 0,
 * -EAGAIN if another consumer moved the head meanwhile (the copies are
 * stale), or -ENOENT for a CQ destroyed meanwhile.  Inside the section.
 */
static int uaccel_cq_consume(struct uaccel_context *ctx, u32 id, u32 head,
			     u32 n)
{
	struct uaccel_cq *cq;
	int ret = 0;

	cq = uaccel_cq_get(ctx, id);
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	/* Release pairs with uaccel_cq_used()'s acquire: slots may be reused. */
	if (cmpxchg_release(&cq->ring->head, head, head + n) != head)
		ret = -EAGAIN;
	uaccel_cq_put(cq);
	return ret;
}

/*
 * POLL_CQ copies completions to userspace outside the device's section,
 * in passes: peek inside, copy out, consume inside only what reached the
 * caller, so that neither a fault on the caller's buffer loses completions
 * nor removal waits for one.  Concurrent pollers of one CQ each get
 * different completions: a pass whose head moved is retried.  The count
 * reaches the caller too: in the reply, or as the return value when the
 * structure became unwritable (uaccel_ucmd_reply_progress()).
 */
int uaccel_cmd_poll_cq(struct uaccel_ucmd *ucmd)
{
	struct uaccel_poll_cq *cmd = ucmd->cmd;
	struct uaccel_cqe __user *out = u64_to_user_ptr(cmd->cqes);
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_device *udev = ctx->udev;
	struct uaccel_cqe buf[UACCEL_POLL_CHUNK];
	u32 done = 0, head = 0, moved = 0, avail = 0, limit = cmd->count;
	int ret = 0, n, idx;

	if (cmd->__reserved || cmd->count > UACCEL_POLL_MAX)
		return -EINVAL;
	/* Before anything is consumed, the count can be told. */
	ret = uaccel_ucmd_reply_check(ucmd, offsetof(struct uaccel_poll_cq, out_polled));
	if (ret)
		return ret;

	do {
		if (!uaccel_device_enter(udev, &idx)) {
			ret = -ENODEV;
			break;
		}
		n = uaccel_cq_peek(ctx, cmd->cq_id, buf,
				   min_t(u32, limit - done, UACCEL_POLL_CHUNK),
				   &head, &avail);
		/* One call takes what the CQ held when it looked first. */
		if (!done)
			limit = min(limit, avail);
		uaccel_device_exit(udev, idx);
		if (n <= 0) {
			ret = n;
			break;
		}
		if (copy_to_user(&out[done], buf, n * sizeof(*buf))) {
			ret = -EFAULT;
			break;
		}
		if (!uaccel_device_enter(udev, &idx)) {
			ret = -ENODEV;
			break;
		}
		ret = uaccel_cq_consume(ctx, cmd->cq_id, head, n);
		uaccel_device_exit(udev, idx);
		if (!ret) {
			done += n;
			moved = 0;
		} else if (ret != -EAGAIN || ++moved == UACCEL_POLL_MAX_RETRIES) {
			/* Another consumer keeps moving the head: let it have them. */
			break;
		}
		ret = 0;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	} while (done < limit);

	/* Queues that stalled on the full CQ go on, once, after the call. */
	if (done && uaccel_device_enter(udev, &idx)) {
		struct uaccel_cq *cq = uaccel_cq_get(ctx, cmd->cq_id);

		if (!IS_ERR(cq)) {
			uaccel_cq_kick_stalled(cq);
			uaccel_cq_put(cq);
		}
		uaccel_device_exit(udev, idx);
	}
	/* Completions the caller has are reported even if a later pass failed. */
	if (ret && !done)
		return ret;
	cmd->out_polled = done;
	return uaccel_ucmd_reply_progress(ucmd, sizeof(*cmd), done);
}

/* A completion to take, or no device any more. */
static bool uaccel_cq_ready(struct uaccel_cq *cq, struct uaccel_device *udev)
{
	/* Pairs with uaccel_cq_post()'s release of tail. */
	return smp_load_acquire(&cq->ring->tail) != READ_ONCE(cq->ring->head) ||
	       !READ_ONCE(udev->registered);
}

/*
 * WAIT_CQ through io_uring, parked: a WAIT_CQ with a time limit of at most
 * UACCEL_WAIT_CQ_PARK_MAX_MS, issued from the submitting task, waits on
 * the CQ's wait queue without a thread.  A completion (or the device's
 * removal) wakes it, or its timer ends it; whichever comes first claims
 * it, takes it off the wait queue, drops its use of the CQ, and has
 * io_uring post the result from the submitter's task work, where the
 * context reference goes.  The timer also ends it with -ECANCELED once the
 * submitting task exits, execs or is killed (uaccel_cq_park_orphaned()),
 * so that none of them waits for the time limit
 * (6.1 has no cancellation callback for passthrough commands; a ring
 * closed by another task waits at most the limit).  Longer or unlimited
 * waits run in io_uring's workers (uaccel_uring_cmd_run()).
 */
#define UACCEL_WAIT_CQ_PARK_MAX_MS	60000
/* How often the timer of a parked wait checks that its submitter lives. */
#define UACCEL_WAIT_CQ_PARK_CHECK	(HZ / 10)

/**
 * struct uaccel_cq_park - a parked WAIT_CQ
 * @wq: entry in cq->wait
 * @timer: the time limit, and the submitter check
 * @deadline: when the time limit ends (jiffies)
 * @ioucmd: the io_uring request
 * @cq: the CQ, used (a use count) until claimed
 * @ctx: the context, held until the result is posted
 * @task: the submitter
 * @claimed: the wake-up or the timer took it
 * @result: what the request completes with
 */
struct uaccel_cq_park {
	struct wait_queue_entry wq;
	struct timer_list timer;
	unsigned long deadline;
	struct io_uring_cmd *ioucmd;
	struct uaccel_cq *cq;
	struct uaccel_context *ctx;
	struct task_struct *task;
	atomic_t claimed;
	int result;
};

/* The result, posted from the submitter's task work. */
static void uaccel_cq_park_done(struct io_uring_cmd *ioucmd,
				unsigned int issue_flags)
{
	struct uaccel_cq_park *park = *(struct uaccel_cq_park **)ioucmd->pdu;

	/* A timer that re-armed itself before the claim. */
	del_timer_sync(&park->timer);
	io_uring_cmd_done(ioucmd, park->result, 0, issue_flags);
	put_task_struct(park->task);
	uaccel_context_put(park->ctx);
	kfree(park);
}

/*
 * The claimer, off the wait queue: from now on nothing of the park touches
 * the CQ, which removal may free once cq->parked is 0.
 */
static void uaccel_cq_park_end(struct uaccel_cq_park *park, int result)
{
	struct uaccel_cq *cq = park->cq;

	park->result = result;
	uaccel_cq_put(cq);
	if (atomic_dec_and_test(&cq->parked))
		wake_up_var(&cq->parked);
	io_uring_cmd_complete_in_task(park->ioucmd, uaccel_cq_park_done);
}

/* A wake-up of the CQ's wait queue, under its lock. */
static int uaccel_cq_park_wake(struct wait_queue_entry *wq, unsigned int mode,
			       int sync, void *key)
{
	struct uaccel_cq_park *park = container_of(wq, struct uaccel_cq_park, wq);
	struct uaccel_device *udev = park->ctx->udev;

	if (!uaccel_cq_ready(park->cq, udev) || atomic_xchg(&park->claimed, 1))
		return 0;
	list_del_init(&wq->entry);
	uaccel_cq_park_end(park, READ_ONCE(udev->registered) ? 0 : -ENODEV);
	return 1;
}

/*
 * The submitter is going: exiting, killed, or cancelling its io_uring
 * requests (exec and exit both do, and wait for every request in flight,
 * in a loop that a pending SIGKILL turns into a busy one).  io_uring's
 * own task work checks the same counter.  The task and its io_uring
 * context stay while the park holds the task.
 */
static bool uaccel_cq_park_orphaned(struct task_struct *task)
{
	struct io_uring_task *tctx = READ_ONCE(task->io_uring);

	return (READ_ONCE(task->flags) & PF_EXITING) ||
	       fatal_signal_pending(task) ||
	       (tctx && atomic_read(&tctx->in_idle));
}

static void uaccel_cq_park_timer(struct timer_list *t)
{
	struct uaccel_cq_park *park = from_timer(park, t, timer);
	bool expired = time_after_eq(jiffies, park->deadline);

	if (atomic_read(&park->claimed))
		return;
	if (!expired && !uaccel_cq_park_orphaned(park->task)) {
		mod_timer(&park->timer, min(park->deadline,
					    jiffies + UACCEL_WAIT_CQ_PARK_CHECK));
		return;
	}
	if (atomic_xchg(&park->claimed, 1))
		return;
	remove_wait_queue(&park->cq->wait, &park->wq);
	uaccel_cq_park_end(park, expired ? -ETIMEDOUT : -ECANCELED);
}

/*
 * Park WAIT_CQ on @cq (held by the caller, whose use passes to the park):
 * -EIOCBQUEUED, or 0 if a completion came meanwhile (the caller puts the
 * CQ); -ENOMEM.
 */
static int uaccel_cq_park(struct uaccel_ucmd *ucmd, struct uaccel_cq *cq,
			  u32 timeout_ms)
{
	struct uaccel_cq_park *park;

	park = kzalloc(sizeof(*park), GFP_KERNEL_ACCOUNT);
	if (!park)
		return -ENOMEM;
	init_waitqueue_func_entry(&park->wq, uaccel_cq_park_wake);
	timer_setup(&park->timer, uaccel_cq_park_timer, 0);
	park->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	park->ioucmd = ucmd->ioucmd;
	park->cq = cq;
	park->ctx = ucmd->ctx;
	park->task = get_task_struct(current);
	*(struct uaccel_cq_park **)park->ioucmd->pdu = park;

	/*
	 * On the queue, then a look at the ring, under the wait queue's lock:
	 * a completion's notification publishes the completion, then looks
	 * for waiters (wq_has_sleeper()), so either the completion is seen
	 * here or the notification finds the entry, and its wake-up waits
	 * for the lock, when the park is complete or gone.  The timer's
	 * removal takes the lock too, so it finds the entry on the queue.
	 */
	spin_lock_irq(&cq->wait.lock);
	__add_wait_queue(&cq->wait, &park->wq);
	/* Pairs with wq_has_sleeper() in uaccel_cq_notify(). */
	smp_mb();
	if (uaccel_cq_ready(cq, ucmd->ctx->udev)) {
		__remove_wait_queue(&cq->wait, &park->wq);
		spin_unlock_irq(&cq->wait.lock);
		put_task_struct(park->task);
		kfree(park);
		return 0;
	}
	uaccel_context_get(park->ctx);
	atomic_inc(&cq->parked);
	mod_timer(&park->timer, min(park->deadline,
				    jiffies + UACCEL_WAIT_CQ_PARK_CHECK));
	spin_unlock_irq(&cq->wait.lock);
	return -EIOCBQUEUED;
}

int uaccel_cmd_wait_cq(struct uaccel_ucmd *ucmd)
{
	struct uaccel_wait_cq *cmd = ucmd->cmd;
	struct uaccel_device *udev = ucmd->ctx->udev;
	long timeout = cmd->timeout_ms ? msecs_to_jiffies(cmd->timeout_ms) :
					 MAX_SCHEDULE_TIMEOUT;
	struct uaccel_cq *cq;
	long ret;

	cq = uaccel_cq_get(ucmd->ctx, cmd->cq_id);
	if (IS_ERR(cq))
		return PTR_ERR(cq);

	uaccel_cq_kick_stalled(cq);
	if (ucmd->ioucmd) {
		/* io_uring's first issue: never sleeps. */
		if (uaccel_cq_ready(cq, udev))
			ret = READ_ONCE(udev->registered) ? 0 : -ENODEV;
		else if (!cmd->timeout_ms ||
			 cmd->timeout_ms > UACCEL_WAIT_CQ_PARK_MAX_MS)
			ret = -EAGAIN;
		else
			ret = uaccel_cq_park(ucmd, cq, cmd->timeout_ms);
		if (ret != -EIOCBQUEUED)
			uaccel_cq_put(cq);
		return ret;
	}
	ret = wait_event_interruptible_timeout(cq->wait, uaccel_cq_ready(cq, udev),
					       timeout);
	if (!READ_ONCE(udev->registered))
		ret = -ENODEV;
	else if (ret == -ERESTARTSYS)
		ret = -EINTR;
	else if (!ret)
		ret = -ETIMEDOUT;
	else
		ret = 0;
	uaccel_cq_put(cq);
	return ret;
}

/* Wake the WAIT_CQ sleepers of a CQ: its device stopped. */
void uaccel_cq_wake(struct uaccel_cq *cq)
{
	wake_up_all(&cq->wait);
}
