// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Core objects: PDs, MRs (of user memory or of a dma-buf), device memory
 * (DMs, exported as dma-bufs), CQs and queues, posting and polling, and what
 * providers use (accel/provider.h): the mapped rings, accel_poll_cq_ring()
 * and accel_ring_doorbell().
 *
 * Rings are always mapped.  Posting and polling go to the provider of the
 * driver when one is loaded (mapped rings, one doorbell per batch, no
 * system call to poll), else to the generic POST and POLL_CQ commands.
 * After a provider's poll took completions, the queues that stalled on the
 * full CQ get a doorbell.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <uaccel/uaccel.h>

#include "internal.h"

_Static_assert(sizeof(struct accel_wr) == sizeof(struct uaccel_wr), "accel_wr layout");
_Static_assert(offsetof(struct accel_wr, value) == offsetof(struct uaccel_wr, value),
	       "accel_wr layout");
_Static_assert(sizeof(struct accel_wc) == sizeof(struct uaccel_cqe), "accel_wc layout");
_Static_assert(offsetof(struct accel_wc, result) == offsetof(struct uaccel_cqe, result),
	       "accel_wc layout");
_Static_assert(ACCEL_DEV_CAP_QUEUE_POLL == UACCEL_DEV_CAP_QUEUE_POLL, "dev_caps bits");
_Static_assert(ACCEL_DEV_CAP_DM == UACCEL_DEV_CAP_DM, "dev_caps bits");
_Static_assert(ACCEL_QUEUE_POLL_IDLE_MAX_MS == UACCEL_QUEUE_POLL_IDLE_MAX_MS, "idle bound");
/* Ring offsets are 64-bit: built with _FILE_OFFSET_BITS=64 on 32-bit targets. */
_Static_assert(sizeof(off_t) == sizeof(uint64_t), "libaccel needs a 64-bit off_t");

#define POST_MAX 4096

static int cmd(struct accel_context *ctx, unsigned long req, void *arg)
{
	return ioctl(ctx->fd, req, arg) ? -errno : 0;
}

/* Return NULL with errno = -ret. */
static void *fail(int ret)
{
	errno = -ret;
	return NULL;
}

int accel_destroy_object(struct accel_context *ctx, uint32_t id)
{
	struct uaccel_destroy d = { .size = sizeof(d), .id = id };
	int ret = cmd(ctx, UACCEL_IOCTL_DESTROY, &d);

	/* The objects of a removed device were destroyed with it. */
	return ret == -ENODEV ? 0 : ret;
}

ACCEL_EXPORT struct accel_pd *accel_alloc_pd(struct accel_context *ctx)
{
	struct uaccel_alloc_pd c = { .size = sizeof(c) };
	struct accel_pd *pd;
	int ret;

	if (!ctx)
		return fail(-EINVAL);
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return NULL;
	ret = cmd(ctx, UACCEL_IOCTL_ALLOC_PD, &c);
	if (ret) {
		free(pd);
		return fail(ret);
	}
	pd->ctx = ctx;
	pd->id = c.out_pd_id;
	return pd;
}

ACCEL_EXPORT int accel_dealloc_pd(struct accel_pd *pd)
{
	int ret = accel_destroy_object(pd->ctx, pd->id);

	if (!ret)
		free(pd);
	return ret;
}

ACCEL_EXPORT struct accel_mr *accel_reg_mr(struct accel_pd *pd, void *addr,
					   size_t length, unsigned int access)
{
	struct uaccel_reg_mr c = {
		.size = sizeof(c),
		.pd_id = pd ? pd->id : 0,
		.addr = (uintptr_t)addr,
		.length = length,
	};
	struct accel_mr *mr;
	int ret;

	if (!pd || access & ~ACCEL_ACCESS_WRITE)
		return fail(-EINVAL);
	if (access & ACCEL_ACCESS_WRITE)
		c.flags |= UACCEL_MR_ACCESS_WRITE;
	mr = calloc(1, sizeof(*mr));
	if (!mr)
		return NULL;
	ret = cmd(pd->ctx, UACCEL_IOCTL_REG_MR, &c);
	if (ret) {
		free(mr);
		return fail(ret);
	}
	mr->pd = pd;
	mr->id = c.out_mr_id;
	return mr;
}

ACCEL_EXPORT struct accel_mr *accel_reg_dmabuf_mr(struct accel_pd *pd, uint64_t offset,
						  size_t length, int fd,
						  unsigned int access)
{
	struct uaccel_reg_dmabuf_mr c = {
		.size = sizeof(c),
		.pd_id = pd ? pd->id : 0,
		.offset = offset,
		.length = length,
		.fd = fd,
	};
	struct accel_mr *mr;
	int ret;

	if (!pd || access & ~ACCEL_ACCESS_WRITE)
		return fail(-EINVAL);
	if (fd < 0)
		return fail(-EBADF);
	if (access & ACCEL_ACCESS_WRITE)
		c.flags |= UACCEL_MR_ACCESS_WRITE;
	mr = calloc(1, sizeof(*mr));
	if (!mr)
		return NULL;
	ret = cmd(pd->ctx, UACCEL_IOCTL_REG_DMABUF_MR, &c);
	if (ret) {
		free(mr);
		return fail(ret);
	}
	mr->pd = pd;
	mr->id = c.out_mr_id;
	return mr;
}

ACCEL_EXPORT int accel_dereg_mr(struct accel_mr *mr)
{
	int ret = accel_destroy_object(mr->pd->ctx, mr->id);

	if (!ret)
		free(mr);
	return ret;
}

ACCEL_EXPORT uint32_t accel_mr_id(const struct accel_mr *mr)
{
	return mr->id;
}

ACCEL_EXPORT struct accel_dm *accel_alloc_dm(struct accel_context *ctx, size_t length)
{
	struct uaccel_alloc_dm c = { .size = sizeof(c), .length = length };
	struct accel_dm *dm;
	int ret;

	if (!ctx)
		return fail(-EINVAL);
	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return NULL;
	ret = cmd(ctx, UACCEL_IOCTL_ALLOC_DM, &c);
	if (ret) {
		free(dm);
		return fail(ret);
	}
	dm->ctx = ctx;
	dm->id = c.out_dm_id;
	return dm;
}

ACCEL_EXPORT int accel_free_dm(struct accel_dm *dm)
{
	int ret;

	if (!dm)
		return -EINVAL;
	ret = accel_destroy_object(dm->ctx, dm->id);
	if (!ret)
		free(dm);
	return ret;
}

ACCEL_EXPORT int accel_export_dm(struct accel_dm *dm, unsigned int flags)
{
	struct uaccel_export_dm c = { .size = sizeof(c) };
	int ret;

	if (!dm || flags & ~ACCEL_DMABUF_CLOEXEC)
		return -EINVAL;
	if (flags & ACCEL_DMABUF_CLOEXEC)
		c.flags |= UACCEL_DMABUF_CLOEXEC;
	c.dm_id = dm->id;
	ret = cmd(dm->ctx, UACCEL_IOCTL_EXPORT_DM, &c);
	return ret ? ret : c.out_fd;
}

/* Map a ring; fills ring with its layout. */
static int map_ring(struct accel_context *ctx, uint64_t offset, uint64_t size,
		    uint32_t entries, uint32_t entry_size, void **map,
		    size_t *map_size, struct accel_ring *ring)
{
	void *p;

	/* A size_t or off_t of this program that cannot hold them: no ring. */
	if (size > SIZE_MAX || offset > INT64_MAX)
		return -EOVERFLOW;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->fd, (off_t)offset);
	if (p == MAP_FAILED)
		return -errno;
	*map = p;
	*map_size = size;
	ring->hdr = p;
	ring->entries = (char *)p + UACCEL_RING_ENTRIES_OFFSET;
	ring->num_entries = entries;
	ring->entry_size = entry_size;
	return 0;
}

ACCEL_EXPORT struct accel_cq *accel_create_cq(struct accel_context *ctx,
					      unsigned int entries, int eventfd)
{
	struct uaccel_create_cq c = { .size = sizeof(c), .entries = entries };
	struct accel_cq *cq;
	int ret;

	if (!ctx)
		return fail(-EINVAL);
	if (eventfd >= 0) {
		c.flags = UACCEL_CQ_EVENTFD;
		c.eventfd = eventfd;
	}
	cq = calloc(1, sizeof(*cq));
	if (!cq)
		return NULL;
	ret = cmd(ctx, UACCEL_IOCTL_CREATE_CQ, &c);
	if (ret)
		goto err_free;
	cq->ctx = ctx;
	cq->id = c.out_cq_id;
	ret = map_ring(ctx, c.out_mmap_offset, c.out_mmap_size, c.out_entries,
		       sizeof(struct uaccel_cqe), &cq->map, &cq->map_size, &cq->ring);
	if (ret)
		goto err_destroy;
	return cq;

err_destroy:
	accel_destroy_object(ctx, cq->id);
err_free:
	free(cq);
	return fail(ret);
}

ACCEL_EXPORT uint32_t accel_cq_id(const struct accel_cq *cq)
{
	return cq->id;
}

ACCEL_EXPORT int accel_destroy_cq(struct accel_cq *cq)
{
	int ret = accel_destroy_object(cq->ctx, cq->id);

	if (ret)
		return ret;
	munmap(cq->map, cq->map_size);
	free(cq);
	return 0;
}

static struct accel_queue *create_queue(struct accel_pd *pd, struct accel_cq *cq,
					const struct accel_queue_attr *attr)
{
	struct uaccel_create_queue c = {
		.size = sizeof(c),
		.entries = attr->entries,
		.poll_idle_ms = attr->poll_idle_ms,
	};
	struct accel_queue *q;
	int ret;

	if (!pd || !cq || pd->ctx != cq->ctx || attr->flags & ~ACCEL_QUEUE_POLL ||
	    attr->reserved)
		return fail(-EINVAL);
	if (attr->flags & ACCEL_QUEUE_POLL)
		c.flags |= UACCEL_QUEUE_POLL;
	c.pd_id = pd->id;
	c.cq_id = cq->id;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	ret = cmd(pd->ctx, UACCEL_IOCTL_CREATE_QUEUE, &c);
	if (ret)
		goto err_free;
	q->pd = pd;
	q->cq = cq;
	q->id = c.out_queue_id;
	ret = map_ring(pd->ctx, c.out_mmap_offset, c.out_mmap_size, c.out_entries,
		       c.out_entry_size, &q->map, &q->map_size, &q->ring);
	if (ret)
		goto err_destroy;
	q->next_on_cq = cq->queues;
	cq->queues = q;
	return q;

err_destroy:
	accel_destroy_object(pd->ctx, q->id);
err_free:
	free(q);
	return fail(ret);
}

ACCEL_EXPORT struct accel_queue *accel_create_queue(struct accel_pd *pd,
						    struct accel_cq *cq,
						    unsigned int entries)
{
	struct accel_queue_attr attr = { .entries = entries };

	return create_queue(pd, cq, &attr);
}

/* The first version of struct accel_queue_attr ends after reserved. */
#define QUEUE_ATTR_V1_SIZE (offsetof(struct accel_queue_attr, reserved) + sizeof(uint32_t))

ACCEL_EXPORT struct accel_queue *accel_create_queue_ex(struct accel_pd *pd,
						       struct accel_cq *cq,
						       const struct accel_queue_attr *attr,
						       size_t attr_size)
{
	struct accel_queue_attr a = { 0 };
	size_t i;

	if (!attr || attr_size < QUEUE_ATTR_V1_SIZE)
		return fail(-EINVAL);
	/* A newer caller's fields this library does not know must be zero. */
	for (i = sizeof(a); i < attr_size; i++)
		if (((const unsigned char *)attr)[i])
			return fail(-E2BIG);
	memcpy(&a, attr, attr_size < sizeof(a) ? attr_size : sizeof(a));
	return create_queue(pd, cq, &a);
}

ACCEL_EXPORT int accel_destroy_queue(struct accel_queue *q)
{
	struct accel_queue **p;
	int ret = accel_destroy_object(q->pd->ctx, q->id);

	if (ret)
		return ret;
	for (p = &q->cq->queues; *p; p = &(*p)->next_on_cq) {
		if (*p == q) {
			*p = q->next_on_cq;
			break;
		}
	}
	munmap(q->map, q->map_size);
	free(q);
	return 0;
}

ACCEL_EXPORT uint32_t accel_queue_id(const struct accel_queue *q)
{
	return q->id;
}

ACCEL_EXPORT int accel_post(struct accel_queue *q, const struct accel_wr *wr, int n)
{
	struct uaccel_post c = { .size = sizeof(c) };
	const struct accel_provider_ops *prov;
	int ret;

	if (!q || !wr || n < 1 || n > POST_MAX)
		return -EINVAL;
	prov = q->pd->ctx->provider;
	if (prov)
		return prov->post(q, wr, n);

	c.queue_id = q->id;
	c.count = n;
	c.wrs = (uintptr_t)wr;
	ret = cmd(q->pd->ctx, UACCEL_IOCTL_POST, &c);
	return ret ? ret : (int)c.out_posted;
}

ACCEL_EXPORT int accel_poll_cq(struct accel_cq *cq, struct accel_wc *wc, int max)
{
	struct uaccel_poll_cq c = { .size = sizeof(c) };
	const struct accel_provider_ops *prov;
	struct accel_queue *q;
	int ret, n;

	if (!cq || !wc || max < 0)
		return -EINVAL;
	if (!max)
		return 0;
	prov = cq->ctx->provider;
	if (prov) {
		n = prov->poll_cq(cq, wc, max);
		/*
		 * Queues that stalled on the full CQ go on now that it has room.
		 * The head store before the flags load: pairs with the device's
		 * full barrier between setting STALLED and its look at head.
		 */
		if (n > 0)
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (n > 0)
			for (q = cq->queues; q; q = q->next_on_cq)
				if (__atomic_load_n(&q->ring.hdr->flags, __ATOMIC_ACQUIRE) &
				    UACCEL_RING_STALLED)
					accel_ring_doorbell(q);
		return n;
	}

	c.cq_id = cq->id;
	c.count = max > POST_MAX ? POST_MAX : max;
	c.cqes = (uintptr_t)wc;
	ret = cmd(cq->ctx, UACCEL_IOCTL_POLL_CQ, &c);
	return ret ? ret : (int)c.out_polled;
}

ACCEL_EXPORT int accel_wait_cq(struct accel_cq *cq, int timeout_ms)
{
	struct uaccel_wait_cq c = { .size = sizeof(c) };

	if (!cq || timeout_ms < 0)
		return -EINVAL;
	c.cq_id = cq->id;
	c.timeout_ms = timeout_ms;
	return cmd(cq->ctx, UACCEL_IOCTL_WAIT_CQ, &c);
}

ACCEL_EXPORT const struct accel_ring *accel_queue_ring(const struct accel_queue *q)
{
	return &q->ring;
}

ACCEL_EXPORT const struct accel_ring *accel_cq_ring(const struct accel_cq *cq)
{
	return &cq->ring;
}

ACCEL_EXPORT int accel_ring_doorbell(struct accel_queue *q)
{
	struct uaccel_doorbell c = { .size = sizeof(c), .queue_id = q->id };

	return cmd(q->pd->ctx, UACCEL_IOCTL_DOORBELL, &c);
}

ACCEL_EXPORT int accel_poll_cq_ring(struct accel_cq *cq, struct accel_wc *wc, int max)
{
	const struct accel_ring *r = accel_cq_ring(cq);
	const struct accel_wc *cqes = r->entries;
	uint32_t head = r->hdr->head;
	/* Pairs with the kernel's release of tail: entries up to it are written. */
	uint32_t avail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE) - head;
	uint32_t i;

	if (avail > r->num_entries)
		return -EIO;
	if (avail > (uint32_t)max)
		avail = max;
	for (i = 0; i < avail; i++)
		wc[i] = cqes[(head + i) & (r->num_entries - 1)];
	if (avail)
		/* Pairs with the kernel's acquire of head: the slots are free. */
		__atomic_store_n(&r->hdr->head, head + avail, __ATOMIC_RELEASE);
	return avail;
}
