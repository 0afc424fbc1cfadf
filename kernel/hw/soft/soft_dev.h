/* SPDX-License-Identifier: GPL-2.0-only */
/* Private declarations of uaccel_soft.ko. */
#ifndef _UACCEL_SOFT_DEV_H
#define _UACCEL_SOFT_DEV_H

#include <linux/workqueue.h>
#include <uaccel/driver.h>
#include <uaccel/factorial.h>
#include <uaccel/soft.h>

/**
 * struct soft_queue - driver area of a soft queue
 * @q: the core queue
 * @work: consumes the ring in the soft workqueue
 * @head: the device's consumer index (published in the ring header)
 * @stopping: the queue is being destroyed
 * @inject_errors: work requests still to complete with EIO (debug facet)
 * @executed: work requests executed
 * @stalls: times the ring stalled on a full CQ
 */
struct soft_queue {
	struct uaccel_queue *q;
	struct work_struct work;
	u32 head;
	bool stopping;
	atomic_t inject_errors;
	atomic64_t executed;
	atomic64_t stalls;
};

extern struct workqueue_struct *soft_wq;

int soft_queue_init(void);
void soft_queue_exit(void);
int soft_create_queue(struct uaccel_queue *q);
void soft_destroy_queue(struct uaccel_queue *q);
void soft_doorbell(struct uaccel_queue *q);
int soft_post(struct uaccel_queue *q, const struct uaccel_wr *wr);

int soft_mr_copy(struct uaccel_mr *dst, u64 doff, struct uaccel_mr *src,
		 u64 soff, u64 len);
u32 soft_mr_crc32c(struct uaccel_mr *mr, u64 off, u64 len, u32 seed);

int soft_fatal_error(struct uaccel_device *udev);

extern const struct uaccel_facet soft_dma_facet;
extern const struct uaccel_facet soft_dma_legacy_facet;
extern const struct uaccel_facet soft_debug_facet;
extern const struct uaccel_facet soft_factorial_facet;

#endif /* _UACCEL_SOFT_DEV_H */
