// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libsoft-accelv1.so: the provider of the soft accelerator.
 *
 * The soft device consumes struct uaccel_wr entries from the mapped
 * submission ring, so posting a batch is: copy the requests into the ring,
 * publish the tail, one DOORBELL.  On a polled queue (UACCEL_QUEUE_POLL)
 * the doorbell is rung only when the device's polling thread announced
 * that it sleeps (UACCEL_RING_NEED_WAKEUP), so posting to an awake thread
 * makes no system call.  Polling reads the mapped CQ ring and makes no
 * system call.
 */
#include <accel/provider.h>
#include <errno.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

static int soft_post(struct accel_queue *q, const struct accel_wr *wr, int n)
{
	const struct accel_ring *r = accel_queue_ring(q);
	uint32_t tail = r->hdr->tail;
	uint32_t head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
	uint32_t room = r->num_entries - (tail - head);
	uint32_t flags;
	int i, ret;

	if (room > r->num_entries)
		return -EIO;	/* the ring header was corrupted */
	if (!room)
		return -EAGAIN;
	if ((uint32_t)n > room)
		n = room;
	for (i = 0; i < n; i++)
		memcpy((char *)r->entries +
		       (size_t)((tail + i) & (r->num_entries - 1)) * r->entry_size,
		       &wr[i], sizeof(*wr));
	__atomic_store_n(&r->hdr->tail, tail + n, __ATOMIC_RELEASE);
	/*
	 * A polled queue needs the doorbell only when its thread sleeps.  The
	 * tail store before the flags load (a full barrier): pairs with the
	 * thread's barrier between setting NEED_WAKEUP and its last look at
	 * the tail, so either it sees the tail or this sees the flag.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&r->hdr->flags, __ATOMIC_RELAXED);
	if ((flags & UACCEL_RING_POLLED) && !(flags & UACCEL_RING_NEED_WAKEUP))
		return n;
	ret = accel_ring_doorbell(q);
	return ret ? ret : n;
}

EXPORT const struct accel_provider_ops accel_provider = {
	.abi_version = ACCEL_PROVIDER_ABI_VERSION,
	.driver = "soft",
	.post = soft_post,
	.poll_cq = accel_poll_cq_ring,
};
