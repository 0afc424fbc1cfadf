// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_soft: executing queue work.
 *
 * Each queue has a work item in an unbound workqueue that consumes the
 * submission ring (entries are struct uaccel_wr) and executes the work
 * requests on the context's MRs with the CPU.  A completion slot is
 * reserved in the CQ before a request is taken from the ring; when the CQ is
 * full the queue stalls (UACCEL_RING_STALLED) until the next doorbell.
 */
#include <linux/crc32.h>
#include <linux/highmem.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "soft_dev.h"

/* Requests executed before the work item yields to others. */
#define SOFT_BUDGET		256
/* Completions between two notifications inside one run. */
#define SOFT_NOTIFY_BATCH	64
/* Bytes processed between two reschedule points. */
#define SOFT_RESCHED_BYTES	SZ_1M

struct workqueue_struct *soft_wq;

/*
 * Call fn on matching chunks of two MR ranges (b may be NULL).  Chunks end
 * at page boundaries of either range.  fn returns non-zero to stop, and
 * that value is returned.
 */
static u64 soft_mr_walk(struct uaccel_mr *a, u64 aoff, struct uaccel_mr *b,
			u64 boff, u64 len,
			u64 (*fn)(void *pa, void *pb, size_t n, u64 done, void *arg),
			void *arg)
{
	u64 done = 0, since = 0, ret = 0;

	while (done < len) {
		size_t na, nb = SIZE_MAX, n;
		void *pa, *pb = NULL;

		pa = uaccel_mr_kmap(a, aoff + done, &na);
		if (b)
			pb = uaccel_mr_kmap(b, boff + done, &nb);
		n = min3((u64)na, (u64)nb, len - done);
		ret = fn(pa, pb, n, done, arg);
		if (pb)
			kunmap_local(pb);
		kunmap_local(pa);
		if (ret)
			return ret;
		done += n;
		since += n;
		if (since >= SOFT_RESCHED_BYTES) {
			since = 0;
			cond_resched();
		}
	}
	return 0;
}

static u64 soft_copy_chunk(void *dst, void *src, size_t n, u64 done, void *arg)
{
	memcpy(dst, src, n);
	return 0;
}

static u64 soft_fill_chunk(void *dst, void *unused, size_t n, u64 done, void *arg)
{
	memset(dst, *(u8 *)arg, n);
	return 0;
}

/* Returns 1 + the offset of the first difference, 0 while equal. */
static u64 soft_compare_chunk(void *a, void *b, size_t n, u64 done, void *arg)
{
	size_t i;

	if (!memcmp(a, b, n))
		return 0;
	for (i = 0; i < n; i++)
		if (((u8 *)a)[i] != ((u8 *)b)[i])
			break;
	return done + i + 1;
}

static u64 soft_crc_chunk(void *p, void *unused, size_t n, u64 done, void *arg)
{
	u32 *crc = arg;

	*crc = __crc32c_le(*crc, p, n);
	return 0;
}

static bool soft_ranges_overlap(struct uaccel_mr *a, u64 aoff,
				struct uaccel_mr *b, u64 boff, u64 len)
{
	return a == b && aoff < boff + len && boff < aoff + len;
}

/* Copy between checked MR ranges; -EINVAL when they overlap. */
int soft_mr_copy(struct uaccel_mr *dst, u64 doff, struct uaccel_mr *src,
		 u64 soff, u64 len)
{
	if (soft_ranges_overlap(dst, doff, src, soff, len))
		return -EINVAL;
	soft_mr_walk(dst, doff, src, soff, len, soft_copy_chunk, NULL);
	return 0;
}

/* CRC-32C with zlib-style chaining: seed 0 gives the standard CRC-32C. */
u32 soft_mr_crc32c(struct uaccel_mr *mr, u64 off, u64 len, u32 seed)
{
	u32 crc = ~seed;

	soft_mr_walk(mr, off, NULL, 0, len, soft_crc_chunk, &crc);
	return ~crc;
}

/* An MR of the queue's context and PD, or NULL. */
static struct uaccel_mr *soft_queue_mr(struct uaccel_queue *q, u32 id)
{
	struct uaccel_mr *mr = uaccel_mr_get(q->obj.ctx, id);

	if (IS_ERR(mr))
		return NULL;
	if (mr->pd != q->pd) {
		uaccel_obj_put(&mr->obj);
		return NULL;
	}
	return mr;
}

/*
 * Execute one work request: 0 or -errno, the negated completion status
 * (-EFAULT range outside an MR, -EACCES MR not writable, -ENOENT no such MR
 * in the queue's PD, -EINVAL malformed or overlapping request).
 */
static int soft_execute(struct uaccel_queue *q, const struct uaccel_wr *wr,
			u64 *result)
{
	struct uaccel_mr *src = NULL, *dst = NULL;
	bool need_src, need_dst;
	int ret = 0;
	u8 fill;

	if (wr->flags || wr->__reserved0 || wr->__reserved1 || wr->__reserved2)
		return -EINVAL;
	switch (wr->opcode) {
	case UACCEL_WR_NOP:
		return 0;
	case UACCEL_WR_COPY:
	case UACCEL_WR_COMPARE:
		need_src = true;
		need_dst = true;
		break;
	case UACCEL_WR_FILL:
		need_src = false;
		need_dst = true;
		break;
	case UACCEL_WR_CRC32C:
		need_src = true;
		need_dst = false;
		break;
	default:
		return -EINVAL;
	}

	if (need_src) {
		src = soft_queue_mr(q, wr->src_mr);
		if (!src) {
			ret = -ENOENT;
			goto out;
		}
		if (uaccel_mr_check(src, wr->src_offset, wr->length, false)) {
			ret = -EFAULT;
			goto out;
		}
	}
	if (need_dst) {
		dst = soft_queue_mr(q, wr->dst_mr);
		if (!dst) {
			ret = -ENOENT;
			goto out;
		}
		ret = uaccel_mr_check(dst, wr->dst_offset, wr->length,
				      wr->opcode != UACCEL_WR_COMPARE);
		if (ret == -EINVAL)
			ret = -EFAULT;
		if (ret)
			goto out;
	}

	switch (wr->opcode) {
	case UACCEL_WR_COPY:
		ret = soft_mr_copy(dst, wr->dst_offset, src, wr->src_offset,
				   wr->length);
		break;
	case UACCEL_WR_FILL:
		fill = wr->value;
		soft_mr_walk(dst, wr->dst_offset, NULL, 0, wr->length,
			     soft_fill_chunk, &fill);
		break;
	case UACCEL_WR_COMPARE:
		*result = soft_mr_walk(src, wr->src_offset, dst, wr->dst_offset,
				       wr->length, soft_compare_chunk, NULL);
		break;
	case UACCEL_WR_CRC32C:
		*result = soft_mr_crc32c(src, wr->src_offset, wr->length, wr->value);
		break;
	}
out:
	if (src)
		uaccel_obj_put(&src->obj);
	if (dst)
		uaccel_obj_put(&dst->obj);
	return ret;
}

/* Reserve a CQ slot, or mark the ring stalled; false when stalled. */
static bool soft_reserve_or_stall(struct soft_queue *sq)
{
	struct uaccel_queue *q = sq->q;

	if (!uaccel_cq_reserve(q->cq))
		return true;
	WRITE_ONCE(q->ring->flags, READ_ONCE(q->ring->flags) | UACCEL_RING_STALLED);
	/* The consumer may have made room before it could see the flag. */
	smp_mb();
	if (!uaccel_cq_reserve(q->cq)) {
		WRITE_ONCE(q->ring->flags,
			   READ_ONCE(q->ring->flags) & ~UACCEL_RING_STALLED);
		return true;
	}
	atomic64_inc(&sq->stalls);
	return false;
}

static void soft_queue_work(struct work_struct *work)
{
	struct soft_queue *sq = container_of(work, struct soft_queue, work);
	struct uaccel_queue *q = sq->q;
	struct uaccel_ring_header *ring = q->ring;
	unsigned int budget = SOFT_BUDGET, batch = 0;
	struct uaccel_cqe cqe;
	struct uaccel_wr wr;
	u32 tail;

	if (READ_ONCE(ring->flags) & UACCEL_RING_STALLED)
		WRITE_ONCE(ring->flags, READ_ONCE(ring->flags) & ~UACCEL_RING_STALLED);

	while (!READ_ONCE(sq->stopping)) {
		/* Pairs with the producer's release: entries up to tail are written. */
		tail = smp_load_acquire(&ring->tail);
		/* Nothing to do, or a tail userspace corrupted: wait for it. */
		if (tail == sq->head || tail - sq->head > q->entries)
			break;
		if (!budget--) {
			queue_work(soft_wq, work);
			break;
		}
		if (!soft_reserve_or_stall(sq))
			break;

		memcpy(&wr, uaccel_queue_entry(q, sq->head), sizeof(wr));
		sq->head++;
		/* Pairs with the producer's acquire of head: the slot is free. */
		smp_store_release(&ring->head, sq->head);

		memset(&cqe, 0, sizeof(cqe));
		cqe.user_data = wr.user_data;
		if (atomic_dec_if_positive(&sq->inject_errors) >= 0)
			cqe.status = EIO;
		else
			cqe.status = -soft_execute(q, &wr, &cqe.result);
		atomic64_inc(&sq->executed);
		uaccel_queue_complete(q, &cqe);
		if (++batch == SOFT_NOTIFY_BATCH) {
			uaccel_cq_notify(q->cq);
			batch = 0;
			cond_resched();
		}
	}
	if (batch)
		uaccel_cq_notify(q->cq);
}

int soft_create_queue(struct uaccel_queue *q)
{
	struct soft_queue *sq = uaccel_queue_priv(q);

	BUILD_BUG_ON(sizeof(struct uaccel_wr) != 64);
	sq->q = q;
	INIT_WORK(&sq->work, soft_queue_work);
	return 0;
}

void soft_destroy_queue(struct uaccel_queue *q)
{
	struct soft_queue *sq = uaccel_queue_priv(q);

	WRITE_ONCE(sq->stopping, true);
	cancel_work_sync(&sq->work);
}

void soft_doorbell(struct uaccel_queue *q)
{
	struct soft_queue *sq = uaccel_queue_priv(q);

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
