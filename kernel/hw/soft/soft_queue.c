// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_soft: executing queue work.
 *
 * Each queue has a work item in an unbound workqueue that consumes the
 * submission ring (entries are struct uaccel_wr) and executes the work
 * requests on the context's MRs with the CPU.  Queues created with
 * UACCEL_QUEUE_POLL are consumed by the device's polling thread instead
 * (see below).  A completion slot is reserved in the CQ before a request is
 * taken from the ring; when the CQ is full the queue stalls
 * (UACCEL_RING_STALLED) until the next doorbell.
 *
 * A doorbell that finds its queue idle (work item neither queued nor
 * running, ring not stalled on a full CQ) executes a bounded amount of
 * work inline, in the context of the system call that rang it, as rxe
 * runs its requester inside ibv_post_send() when the QP is idle: small
 * batches complete without a hand-off to a worker on another CPU and
 * back.  What is left over the bounds (soft_inline_requests,
 * soft_inline_bytes) goes to the work item.  The queue's consume_lock
 * keeps one consumer at a time, so requests still execute and complete
 * in ring order.
 */
#include <linux/crc32.h>
#include <linux/highmem.h>
#include <linux/kcov.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "soft_dev.h"

/* Requests executed before the work item yields to others. */
#define SOFT_BUDGET		256
/* Requests of one queue the polling thread executes per pass. */
#define SOFT_POLL_BUDGET	32
/* Completions between two notifications inside one run. */
#define SOFT_NOTIFY_BATCH	64
/* Bytes processed between two reschedule points. */
#define SOFT_RESCHED_BYTES	SZ_1M

struct workqueue_struct *soft_wq;
unsigned int soft_inline_requests = SOFT_INLINE_REQUESTS_DEFAULT;
unsigned int soft_inline_bytes = SOFT_INLINE_BYTES_DEFAULT;

/*
 * Whether a long operation is to stop: its queue is being destroyed, the
 * device removed while a facet command runs (removal waits for it), or
 * the process running a facet command killed (it cannot exit before), or
 * the io_uring request running it cancelled (io_uring signals its worker
 * thread).  -ECANCELED, -ENODEV or -EINTR, 0 to go on.
 */
static int soft_cancelled(const struct soft_cancel *cancel)
{
	if (cancel->stopping && READ_ONCE(*cancel->stopping))
		return -ECANCELED;
	if (cancel->udev && uaccel_device_removing(cancel->udev))
		return -ENODEV;
	if (cancel->killable &&
	    (fatal_signal_pending(current) ||
	     ((current->flags & PF_IO_WORKER) && signal_pending(current))))
		return -EINTR;
	return 0;
}

/*
 * Call fn on matching chunks of two MR ranges (b may be NULL).  Chunks end
 * at page boundaries of either range.  fn returns true to stop.  An MR is
 * up to UACCEL_MR_MAX_LENGTH long: before each chunk the walk checks
 * @cancel and yields the CPU now and then.  0 when done or stopped by fn,
 * or the error of soft_cancelled().  Inlined into each user, so that @fn
 * is a direct call there: an indirect one goes through a retpoline per
 * chunk, and a chunk is often a small request's only one.
 */
typedef bool (*soft_chunk_fn)(void *pa, void *pb, size_t n, u64 done,
			      void *arg);

static __always_inline int soft_mr_walk(struct uaccel_mr *a, u64 aoff,
					struct uaccel_mr *b, u64 boff, u64 len,
					soft_chunk_fn fn, void *arg,
					const struct soft_cancel *cancel)
{
	u64 done = 0, since = 0;
	bool stop;
	int ret;

	while (done < len) {
		size_t na, nb = SIZE_MAX, n;
		void *pa, *pb = NULL;

		ret = soft_cancelled(cancel);
		if (ret)
			return ret;
		pa = uaccel_mr_kmap(a, aoff + done, &na);
		if (b)
			pb = uaccel_mr_kmap(b, boff + done, &nb);
		n = min3((u64)na, (u64)nb, len - done);
		stop = fn(pa, pb, n, done, arg);
		if (pb)
			kunmap_local(pb);
		kunmap_local(pa);
		if (stop)
			return 0;
		done += n;
		since += n;
		if (since >= SOFT_RESCHED_BYTES) {
			since = 0;
			cond_resched();
		}
	}
	return 0;
}

static bool soft_copy_chunk(void *dst, void *src, size_t n, u64 done, void *arg)
{
	memcpy(dst, src, n);
	return false;
}

static bool soft_fill_chunk(void *dst, void *unused, size_t n, u64 done, void *arg)
{
	memset(dst, *(u8 *)arg, n);
	return false;
}

/* *arg becomes 1 + the offset of the first difference (left 0 while equal). */
static bool soft_compare_chunk(void *a, void *b, size_t n, u64 done, void *arg)
{
	size_t i;

	if (!memcmp(a, b, n))
		return false;
	for (i = 0; i < n; i++)
		if (((u8 *)a)[i] != ((u8 *)b)[i])
			break;
	*(u64 *)arg = done + i + 1;
	return true;
}

static bool soft_crc_chunk(void *p, void *unused, size_t n, u64 done, void *arg)
{
	u32 *crc = arg;

	*crc = __crc32c_le(*crc, p, n);
	return false;
}

static bool soft_ranges_overlap(struct uaccel_mr *a, u64 aoff,
				struct uaccel_mr *b, u64 boff, u64 len)
{
	return a == b && aoff < boff + len && boff < aoff + len;
}

/*
 * Copy between checked MR ranges: 0, -EINVAL when they overlap, or
 * stopped part way by @cancel (-ECANCELED, -ENODEV, -EINTR).
 */
int soft_mr_copy(struct uaccel_mr *dst, u64 doff, struct uaccel_mr *src,
		 u64 soff, u64 len, const struct soft_cancel *cancel)
{
	if (soft_ranges_overlap(dst, doff, src, soff, len))
		return -EINVAL;
	return soft_mr_walk(dst, doff, src, soff, len, soft_copy_chunk, NULL,
			    cancel);
}

/*
 * CRC-32C with zlib-style chaining into *@crc: seed 0 gives the standard
 * CRC-32C.  0, or stopped part way by @cancel (-ECANCELED, -ENODEV,
 * -EINTR).
 */
int soft_mr_crc32c(struct uaccel_mr *mr, u64 off, u64 len, u32 seed, u32 *crc,
		   const struct soft_cancel *cancel)
{
	u32 c = ~seed;
	int ret;

	ret = soft_mr_walk(mr, off, NULL, 0, len, soft_crc_chunk, &c, cancel);
	*crc = ~c;
	return ret;
}

/*
 * The MRs a pass over the ring holds from one request to the next: a run of
 * requests naming the same MRs (the common case: one buffer pair, many
 * requests) looks each up once.  An MR is held only while the request
 * being executed or the one already taken from the ring after it names
 * it, and is put before the completion of the last request naming it is
 * posted: once a completion is seen, no MR is held for it, as when each
 * request looked its MRs up alone.
 */
struct soft_mrs {
	struct uaccel_mr *mr[2];
	u32 id[2];
};

/*
 * An MR of the queue's context and PD, held in @mrs; NULL if there is
 * none.  A lookup takes the place of an MR other than @keep (the other
 * operand of the same request).
 */
static struct uaccel_mr *soft_mrs_get(struct soft_queue *sq,
				      struct soft_mrs *mrs, u32 id,
				      const struct uaccel_mr *keep)
{
	struct uaccel_mr *mr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mrs->mr); i++)
		if (mrs->mr[i] && mrs->id[i] == id)
			return mrs->mr[i];
	mr = uaccel_queue_mr_get(sq->q, id);
	if (IS_ERR(mr))
		return NULL;
	i = mrs->mr[0] && (!mrs->mr[1] || mrs->mr[0] == keep);
	if (mrs->mr[i])
		uaccel_mr_put(mrs->mr[i]);
	mrs->mr[i] = mr;
	mrs->id[i] = id;
	return mr;
}

/*
 * The MRs @wr's opcode uses: its source, its destination; false for an
 * opcode that uses none (NOP) or is unknown.
 */
static bool soft_wr_mrs(const struct uaccel_wr *wr, bool *src, bool *dst)
{
	switch (wr->opcode) {
	case UACCEL_WR_COPY:
	case UACCEL_WR_COMPARE:
		*src = true;
		*dst = true;
		return true;
	case UACCEL_WR_FILL:
		*src = false;
		*dst = true;
		return true;
	case UACCEL_WR_CRC32C:
		*src = true;
		*dst = false;
		return true;
	}
	return false;
}

/* Whether @wr names MR @id (as a source or destination its opcode uses). */
static bool soft_wr_names(const struct uaccel_wr *wr, u32 id)
{
	bool src, dst;

	return soft_wr_mrs(wr, &src, &dst) &&
	       ((src && wr->src_mr == id) || (dst && wr->dst_mr == id));
}

/* Put the MRs that @next (NULL: none) does not name. */
static void soft_mrs_keep(struct soft_mrs *mrs, const struct uaccel_wr *next)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mrs->mr); i++) {
		if (!mrs->mr[i] || (next && soft_wr_names(next, mrs->id[i])))
			continue;
		uaccel_mr_put(mrs->mr[i]);
		mrs->mr[i] = NULL;
	}
}

/*
 * Execute one work request: 0 or -errno, the negated completion status
 * (-EFAULT range outside an MR, -EACCES MR not writable, -ENOENT no such MR
 * in the queue's PD, -EINVAL malformed or overlapping request, -ECANCELED
 * stopped part way because the queue is being destroyed).  Its MRs are
 * looked up in, or added to, @mrs.
 */
static int soft_execute(struct soft_queue *sq, struct soft_mrs *mrs,
			const struct uaccel_wr *wr, u64 *result)
{
	const struct soft_cancel cancel = { .stopping = &sq->stopping };
	struct uaccel_mr *src = NULL, *dst = NULL;
	bool need_src, need_dst;
	int ret;
	u32 crc;
	u8 fill;

	if (wr->flags || wr->__reserved0 || wr->__reserved1 || wr->__reserved2)
		return -EINVAL;
	if (wr->opcode == UACCEL_WR_NOP)
		return 0;
	if (!soft_wr_mrs(wr, &need_src, &need_dst))
		return -EINVAL;

	if (need_src) {
		src = soft_mrs_get(sq, mrs, wr->src_mr, NULL);
		if (!src)
			return -ENOENT;
		if (uaccel_mr_check(src, wr->src_offset, wr->length, false))
			return -EFAULT;
	}
	if (need_dst) {
		dst = soft_mrs_get(sq, mrs, wr->dst_mr, src);
		if (!dst)
			return -ENOENT;
		ret = uaccel_mr_check(dst, wr->dst_offset, wr->length,
				      wr->opcode != UACCEL_WR_COMPARE);
		if (ret)
			return ret == -EINVAL ? -EFAULT : ret;
	}

	switch (wr->opcode) {
	case UACCEL_WR_COPY:
		return soft_mr_copy(dst, wr->dst_offset, src, wr->src_offset,
				    wr->length, &cancel);
	case UACCEL_WR_FILL:
		fill = wr->value;
		return soft_mr_walk(dst, wr->dst_offset, NULL, 0, wr->length,
				    soft_fill_chunk, &fill, &cancel);
	case UACCEL_WR_COMPARE:
		return soft_mr_walk(src, wr->src_offset, dst, wr->dst_offset,
				    wr->length, soft_compare_chunk, result,
				    &cancel);
	default: /* UACCEL_WR_CRC32C */
		ret = soft_mr_crc32c(src, wr->src_offset, wr->length, wr->value,
				     &crc, &cancel);
		if (!ret)
			*result = crc;
		return ret;
	}
}

/*
 * Ring flags are written by the queue's one consumer (the work item or the
 * polling thread) and only read by userspace.
 */
static void soft_ring_set_flag(struct uaccel_ring_header *ring, u32 flag)
{
	WRITE_ONCE(ring->flags, READ_ONCE(ring->flags) | flag);
}

static void soft_ring_clear_flag(struct uaccel_ring_header *ring, u32 flag)
{
	u32 flags = READ_ONCE(ring->flags);

	if (flags & flag)
		WRITE_ONCE(ring->flags, flags & ~flag);
}

/* Reserve a CQ slot, or mark the ring stalled; false when stalled. */
static bool soft_reserve_or_stall(struct soft_queue *sq)
{
	struct uaccel_queue *q = sq->q;

	if (uaccel_cq_reserve(q->cq)) {
		if (!(READ_ONCE(q->ring->flags) & UACCEL_RING_STALLED)) {
			soft_ring_set_flag(q->ring, UACCEL_RING_STALLED);
			atomic64_inc(&sq->stalls);
		}
		/* The consumer may have made room before it could see the flag. */
		smp_mb();
		if (uaccel_cq_reserve(q->cq))
			return false;
	}
	soft_ring_clear_flag(q->ring, UACCEL_RING_STALLED);
	return true;
}

/* The bytes of data a work request touches, for the inline budget. */
static u64 soft_wr_bytes(const struct uaccel_wr *wr)
{
	return wr->opcode == UACCEL_WR_NOP ? 0 : wr->length;
}

/*
 * Whether the ring has entries to take (and a tail that makes sense) and
 * the queue is not being destroyed.
 */
static bool soft_queue_pending(struct soft_queue *sq)
{
	/* Pairs with the producer's release: entries up to tail are written. */
	u32 tail = smp_load_acquire(&sq->q->ring->tail);

	return !READ_ONCE(sq->stopping) && tail != sq->head &&
	       tail - sq->head <= sq->q->entries;
}

/*
 * Take the next work request of the ring into @wr, with a reserved CQ slot,
 * if there is one and it fits in @max_bytes.  Called with the queue's
 * consume_lock.  *@more tells that the byte budget stopped it.
 */
static bool soft_queue_take(struct soft_queue *sq, struct uaccel_wr *wr,
			    u64 max_bytes, bool *more)
{
	struct uaccel_queue *q = sq->q;

	/* Nothing to do, or a tail userspace corrupted: wait for it. */
	if (!soft_queue_pending(sq))
		return false;
	/* The copy is what executes, whatever userspace writes after. */
	memcpy(wr, uaccel_queue_entry(q, sq->head), sizeof(*wr));
	if (soft_wr_bytes(wr) > max_bytes) {
		*more = true;
		return false;
	}
	if (!soft_reserve_or_stall(sq))
		return false;
	sq->head++;
	/* Pairs with the producer's acquire of head: the slot is free. */
	smp_store_release(&q->ring->head, sq->head);
	return true;
}

/*
 * Consume at most @budget (at least 1) work requests of the ring, touching
 * at most @max_bytes of data.  Called with the queue's consume_lock.  The request
 * after the one executing is taken from the ring before its completion is
 * posted, so that the MRs both name stay held (struct soft_mrs).  Return:
 * the number executed; *@more tells that a budget ran out with requests
 * left.
 */
static unsigned int soft_queue_consume(struct soft_queue *sq,
				       unsigned int budget, u64 max_bytes,
				       bool *more)
{
	struct uaccel_queue *q = sq->q;
	struct soft_mrs mrs = {};
	unsigned int done = 0, batch = 0;
	struct uaccel_wr wr[2];
	struct uaccel_cqe cqe;
	bool have, next;
	int cur = 0;

	lockdep_assert_held(&sq->consume_lock);
	*more = false;
	have = soft_queue_take(sq, &wr[0], max_bytes, more);
	while (have) {
		max_bytes -= soft_wr_bytes(&wr[cur]);
		memset(&cqe, 0, sizeof(cqe));
		cqe.user_data = wr[cur].user_data;
		if (atomic_dec_if_positive(&sq->inject_errors) >= 0)
			cqe.status = EIO;
		else
			cqe.status = -soft_execute(sq, &mrs, &wr[cur], &cqe.result);
		atomic64_inc(&sq->executed);
		done++;

		next = done < budget &&
		       soft_queue_take(sq, &wr[!cur], max_bytes, more);
		if (done == budget)
			*more = soft_queue_pending(sq);
		soft_mrs_keep(&mrs, next ? &wr[!cur] : NULL);
		uaccel_queue_complete(q, &cqe);
		if (++batch == SOFT_NOTIFY_BATCH) {
			uaccel_cq_notify(q->cq);
			batch = 0;
			cond_resched();
		}
		have = next;
		cur = !cur;
	}
	if (batch)
		uaccel_cq_notify(q->cq);
	return done;
}

static void soft_queue_work(struct work_struct *work)
{
	struct soft_queue *sq = container_of(work, struct soft_queue, work);
	bool more;

	mutex_lock(&sq->consume_lock);
	/* Rung after a stall: try again (the flag is set again if need be). */
	soft_ring_clear_flag(sq->q->ring, UACCEL_RING_STALLED);
	kcov_remote_start_common(sq->kcov_handle);
	soft_queue_consume(sq, SOFT_BUDGET, U64_MAX, &more);
	kcov_remote_stop();
	mutex_unlock(&sq->consume_lock);
	if (more)
		queue_work(soft_wq, work);
}

/*
 * Polled queues.  Each soft device has at most one polling thread, which
 * runs while the device has polled queues.  One thread per device rather
 * than per queue bounds the kernel threads and CPUs a user can occupy by
 * creating queues, and a device is one execution engine anyway; the
 * thread visits the queues in turn with a budget each, so every queue
 * progresses.  It polls while there is work and for the longest idle time
 * of its queues after the last work request, then sets NEED_WAKEUP in
 * every ring and sleeps until a doorbell.
 */

/*
 * Whether a polled queue has work the thread can take: entries in the ring
 * and no stall (a stalled queue is restarted by a doorbell, which the CQ's
 * consumer rings when it sees UACCEL_RING_STALLED after making room).
 */
static bool soft_poll_pending(struct soft_queue *sq)
{
	return soft_queue_pending(sq) &&
	       !(READ_ONCE(sq->q->ring->flags) & UACCEL_RING_STALLED);
}

/*
 * One pass over the polled queues; true when work was done.  The requests
 * of a queue run without poll_lock, with the queue in poll_current: a
 * request may run long, and destroying another queue, reading the thread's
 * pid or adding a queue must not wait for it.  soft_poll_del() leaves the
 * running queue on the list until the thread is done with it, so the next
 * entry is still on the list when the thread takes the lock back.
 */
static bool soft_poll_pass(struct soft_device *sdev)
{
	struct soft_queue *sq;
	bool busy = false, more;

	/*
	 * Doorbells rung from now on are seen by the next pass.  The xchg is a
	 * full barrier: the reset comes before this pass reads tails and CQ
	 * heads, so a doorbell rung after the producer's store is never lost.
	 */
	atomic_xchg(&sdev->poll_kicked, 0);
	mutex_lock(&sdev->poll_lock);
	sq = list_first_entry_or_null(&sdev->poll_queues, struct soft_queue,
				      poll_entry);
	while (sq) {
		/* A queue added while the thread was awake starts with it set. */
		soft_ring_clear_flag(sq->q->ring, UACCEL_RING_NEED_WAKEUP);
		WRITE_ONCE(sdev->poll_current, sq);
		mutex_unlock(&sdev->poll_lock);
		kcov_remote_start_common(sq->kcov_handle);
		/* The thread is a polled queue's only consumer: never contended. */
		mutex_lock(&sq->consume_lock);
		if (soft_queue_consume(sq, SOFT_POLL_BUDGET, U64_MAX, &more))
			busy = true;
		mutex_unlock(&sq->consume_lock);
		kcov_remote_stop();
		mutex_lock(&sdev->poll_lock);
		WRITE_ONCE(sdev->poll_current, NULL);
		/* The store before wake_up_var()'s look at its waiters. */
		smp_mb();
		wake_up_var(&sdev->poll_current);
		sq = list_is_last(&sq->poll_entry, &sdev->poll_queues) ? NULL :
			list_next_entry(sq, poll_entry);
	}
	mutex_unlock(&sdev->poll_lock);
	return busy;
}

/*
 * Announce NEED_WAKEUP in every ring, then sleep unless a request or a
 * doorbell arrived meanwhile.  A producer publishes its tail, issues a full
 * barrier and reads the flags; this sets the flags, issues a full barrier
 * and reads the tails: either it sees the new tail or the producer sees
 * NEED_WAKEUP and rings the doorbell, which wakes it (it is on the wait
 * queue before it looks).
 */
static void soft_poll_sleep(struct soft_device *sdev)
{
	struct soft_queue *sq;
	bool pending = false;
	DEFINE_WAIT(wait);

	mutex_lock(&sdev->poll_lock);
	prepare_to_wait(&sdev->poll_wait, &wait, TASK_INTERRUPTIBLE);
	list_for_each_entry(sq, &sdev->poll_queues, poll_entry)
		soft_ring_set_flag(sq->q->ring, UACCEL_RING_NEED_WAKEUP);
	/* The flags before the tails; pairs with the producer's full barrier. */
	smp_mb();
	if (atomic_read(&sdev->poll_kicked))
		pending = true;
	list_for_each_entry(sq, &sdev->poll_queues, poll_entry)
		if (soft_poll_pending(sq))
			pending = true;
	if (!pending && !kthread_should_stop()) {
		list_for_each_entry(sq, &sdev->poll_queues, poll_entry)
			atomic64_inc(&sq->poll_sleeps);
		mutex_unlock(&sdev->poll_lock);
		schedule();
		mutex_lock(&sdev->poll_lock);
	}
	finish_wait(&sdev->poll_wait, &wait);
	list_for_each_entry(sq, &sdev->poll_queues, poll_entry)
		soft_ring_clear_flag(sq->q->ring, UACCEL_RING_NEED_WAKEUP);
	mutex_unlock(&sdev->poll_lock);
}

static int soft_poll_thread(void *arg)
{
	struct soft_device *sdev = arg;
	unsigned long idle_end = jiffies + READ_ONCE(sdev->poll_idle);

	while (!kthread_should_stop()) {
		if (soft_poll_pass(sdev)) {
			idle_end = jiffies + READ_ONCE(sdev->poll_idle);
		} else if (time_after_eq(jiffies, idle_end)) {
			soft_poll_sleep(sdev);
			idle_end = jiffies + READ_ONCE(sdev->poll_idle);
		}
		cond_resched();
	}
	return 0;
}

/* The longest idle time of the polled queues; called with poll_lock held. */
static void soft_poll_update_idle(struct soft_device *sdev)
{
	unsigned long idle = 0;
	struct soft_queue *sq;

	list_for_each_entry(sq, &sdev->poll_queues, poll_entry)
		idle = max(idle, sq->poll_idle);
	WRITE_ONCE(sdev->poll_idle, idle);
}

static int soft_poll_add(struct soft_queue *sq)
{
	struct soft_device *sdev = sq->sdev;
	unsigned int idle_ms = sq->q->poll_idle_ms;
	struct task_struct *thread = NULL;
	char name[UACCEL_NAME_MAX];
	int ret = 0;

	if (!idle_ms)
		idle_ms = READ_ONCE(soft_poll_idle_ms);
	sq->poll_idle = max(msecs_to_jiffies(idle_ms), 1UL);
	/* Until the thread has seen the queue, producers ring the doorbell. */
	sq->q->ring->flags = UACCEL_RING_POLLED | UACCEL_RING_NEED_WAKEUP;

	mutex_lock(&sdev->poll_thread_lock);
	if (!sdev->poll_thread) {
		/* A copy: a rename frees the name it replaces. */
		uaccel_device_copy_name(sdev->udev, name, sizeof(name));
		thread = kthread_create(soft_poll_thread, sdev, "soft-poll/%s", name);
		if (IS_ERR(thread)) {
			ret = PTR_ERR(thread);
			goto out_unlock;
		}
	}
	mutex_lock(&sdev->poll_lock);
	list_add_tail(&sq->poll_entry, &sdev->poll_queues);
	soft_poll_update_idle(sdev);
	if (thread)
		sdev->poll_thread = thread;
	mutex_unlock(&sdev->poll_lock);
	if (thread)
		wake_up_process(thread);
out_unlock:
	mutex_unlock(&sdev->poll_thread_lock);
	return ret;
}

/*
 * Take a queue off the thread, which is stopping (sq->stopping): if the
 * thread is running the queue, wait until it is done with it (a request it
 * started stops at its next chunk); then the queue leaves the list under
 * poll_lock and the thread never sees it again.  The last queue stops the
 * thread.
 */
static void soft_poll_del(struct soft_queue *sq)
{
	struct soft_device *sdev = sq->sdev;
	struct task_struct *thread = NULL;

	mutex_lock(&sdev->poll_thread_lock);
	mutex_lock(&sdev->poll_lock);
	while (sdev->poll_current == sq) {
		mutex_unlock(&sdev->poll_lock);
		wait_var_event(&sdev->poll_current,
			       READ_ONCE(sdev->poll_current) != sq);
		mutex_lock(&sdev->poll_lock);
	}
	list_del(&sq->poll_entry);
	soft_poll_update_idle(sdev);
	if (list_empty(&sdev->poll_queues)) {
		thread = sdev->poll_thread;
		sdev->poll_thread = NULL;
	}
	mutex_unlock(&sdev->poll_lock);
	if (thread)
		kthread_stop(thread);
	mutex_unlock(&sdev->poll_thread_lock);
}

/* Make the polling thread look at its queues again. */
static void soft_poll_kick(struct soft_device *sdev)
{
	atomic_set(&sdev->poll_kicked, 1);
	/* The kick before the look at the wait queue (wake_up() locks it). */
	wake_up(&sdev->poll_wait);
}

void soft_poll_init(struct soft_device *sdev)
{
	mutex_init(&sdev->poll_thread_lock);
	mutex_init(&sdev->poll_lock);
	INIT_LIST_HEAD(&sdev->poll_queues);
	init_waitqueue_head(&sdev->poll_wait);
}

int soft_create_queue(struct uaccel_queue *q)
{
	struct soft_queue *sq = uaccel_queue_priv(q);

	BUILD_BUG_ON(sizeof(struct uaccel_wr) != 64);
	sq->q = q;
	sq->sdev = uaccel_priv(uaccel_queue_device(q));
	INIT_WORK(&sq->work, soft_queue_work);
	mutex_init(&sq->consume_lock);
	INIT_LIST_HEAD(&sq->poll_entry);
	/*
	 * The requests run on a worker or the polling thread: with KCOV, their
	 * coverage goes to whoever collects the creating task's common handle
	 * (KCOV_REMOTE_ENABLE); 0 and nothing without KCOV.
	 */
	sq->kcov_handle = kcov_common_handle();
	if (q->flags & UACCEL_QUEUE_POLL)
		return soft_poll_add(sq);
	return 0;
}

void soft_destroy_queue(struct uaccel_queue *q)
{
	struct soft_queue *sq = uaccel_queue_priv(q);

	/*
	 * The core never rings a doorbell during or after this (DESTROY is
	 * refused while a doorbell holds the queue; removal waits for the
	 * device's sections), so no inline consumer runs now.
	 */
	WRITE_ONCE(sq->stopping, true);
	if (q->flags & UACCEL_QUEUE_POLL)
		soft_poll_del(sq);
	else
		cancel_work_sync(&sq->work);
	mutex_destroy(&sq->consume_lock);
}

void soft_doorbell(struct uaccel_queue *q)
{
	struct soft_queue *sq = uaccel_queue_priv(q);
	unsigned int requests = READ_ONCE(soft_inline_requests);
	bool more = true;

	atomic64_inc(&sq->doorbells);
	if (q->flags & UACCEL_QUEUE_POLL) {
		soft_poll_kick(sq->sdev);
		return;
	}
	/*
	 * An idle queue: execute here.  A failed trylock means the work item
	 * (or another doorbell) is consuming; it may have looked at the tail
	 * before this doorbell's entries were there, so the work item is
	 * queued, as it is for whatever the budgets leave.  A stalled queue
	 * is restarted by its work item: the core kicks stalled queues with
	 * the context's lock held (uaccel_cq_kick_stalled()), for every queue
	 * of the CQ, and that is no place to execute their requests.
	 */
	if (requests && !(READ_ONCE(q->ring->flags) & UACCEL_RING_STALLED) &&
	    !work_pending(&sq->work) && mutex_trylock(&sq->consume_lock)) {
		soft_queue_consume(sq, requests, READ_ONCE(soft_inline_bytes),
				   &more);
		mutex_unlock(&sq->consume_lock);
	}
	if (more)
		queue_work(soft_wq, &sq->work);
}

/* The kernel-side producer of POST; the core serialises it per queue. */
int soft_post(struct uaccel_queue *q, const struct uaccel_wr *wr)
{
	struct uaccel_ring_header *ring = q->ring;
	u32 tail = READ_ONCE(ring->tail);
	u32 head;

	/* Pairs with the worker's release of head: it is done with the slot. */
	head = smp_load_acquire(&ring->head);
	if (tail - head >= q->entries)
		return -EAGAIN;
	memcpy(uaccel_queue_entry(q, tail), wr, sizeof(*wr));
	/* Pairs with the worker's acquire of tail: the entry is written. */
	smp_store_release(&ring->tail, tail + 1);
	return 0;
}

int soft_queue_init(void)
{
	soft_wq = alloc_workqueue("uaccel_soft", WQ_UNBOUND, 0);
	return soft_wq ? 0 : -ENOMEM;
}

void soft_queue_exit(void)
{
	destroy_workqueue(soft_wq);
}
