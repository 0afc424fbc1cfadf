/* SPDX-License-Identifier: GPL-2.0-only */
/* Private declarations of uaccel_soft.ko. */
#ifndef _UACCEL_SOFT_DEV_H
#define _UACCEL_SOFT_DEV_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uaccel/driver.h>
#include <uaccel/factorial.h>
#include <uaccel/soft.h>

struct task_struct;

/**
 * struct soft_device - driver private area of a soft accelerator
 * @pdev: the platform device it is bound to
 * @udev: the accelerator device
 * @generation: distinguishes this accelerator from the earlier and later
 *	ones of the same platform device
 * @poll_thread_lock: serialises starting and stopping @poll_thread
 * @poll_lock: protects @poll_queues, @poll_idle and @poll_current; the
 *	polling thread runs a queue's requests without it, with the queue in
 *	@poll_current, which a queue's removal from the list waits out
 * @poll_queues: the polled queues (struct soft_queue.poll_entry)
 * @poll_current: the queue whose requests the thread is running, or NULL
 * @poll_thread: the polling thread, running while @poll_queues is not empty
 * @poll_idle: jiffies the thread polls after the last work request: the
 *	longest idle time of the polled queues
 * @poll_kicked: a doorbell was rung since the thread's last pass
 * @poll_wait: the thread sleeps here
 */
struct soft_device {
	struct platform_device *pdev;
	struct uaccel_device *udev;
	u64 generation;
	struct mutex poll_thread_lock;	/* starts and stops poll_thread */
	struct mutex poll_lock;		/* poll_queues, poll_idle, poll_current */
	struct list_head poll_queues;
	struct soft_queue *poll_current;
	struct task_struct *poll_thread;
	unsigned long poll_idle;
	atomic_t poll_kicked;
	wait_queue_head_t poll_wait;
};

/**
 * struct soft_queue - driver area of a soft queue
 * @q: the core queue
 * @sdev: the soft device
 * @work: consumes the ring in the soft workqueue (queues without
 *	UACCEL_QUEUE_POLL)
 * @poll_entry: entry in sdev->poll_queues (polled queues)
 * @poll_idle: the queue's polling idle time in jiffies (polled queues)
 * @head: the device's consumer index (published in the ring header)
 * @stopping: the queue is being destroyed
 * @inject_errors: work requests still to complete with EIO (debug facet)
 * @executed: work requests executed
 * @stalls: times the ring stalled on a full CQ
 * @doorbells: doorbells rung (DOORBELL, POST, room again in a full CQ)
 * @poll_sleeps: times the polling thread went to sleep with the queue
 * @kcov_handle: KCOV common handle of the task that created the queue:
 *	the coverage of its requests' execution goes to that handle's
 *	collector (0, and nothing, without KCOV)
 */
struct soft_queue {
	struct uaccel_queue *q;
	struct soft_device *sdev;
	struct work_struct work;
	struct mutex consume_lock;	/* one consumer: work item or doorbell */
	struct list_head poll_entry;
	unsigned long poll_idle;
	u32 head;
	bool stopping;
	atomic_t inject_errors;
	atomic64_t executed;
	atomic64_t stalls;
	atomic64_t doorbells;
	atomic64_t poll_sleeps;
	u64 kcov_handle;
};

/* Default and bounds of the polling idle time (module parameter). */
#define SOFT_POLL_IDLE_DEFAULT_MS	1000
extern unsigned int soft_poll_idle_ms;

/*
 * Inline execution (module parameters): a doorbell that finds its queue
 * idle executes up to this many requests, and this many bytes of data,
 * in the caller's context; 0 requests: never.
 */
#define SOFT_INLINE_REQUESTS_DEFAULT	64
#define SOFT_INLINE_REQUESTS_MAX	1024
#define SOFT_INLINE_BYTES_DEFAULT	SZ_64K
#define SOFT_INLINE_BYTES_MAX		SZ_1M
extern unsigned int soft_inline_requests;
extern unsigned int soft_inline_bytes;

extern struct workqueue_struct *soft_wq;

void soft_poll_init(struct soft_device *sdev);
int soft_queue_init(void);
void soft_queue_exit(void);
int soft_create_queue(struct uaccel_queue *q);
void soft_destroy_queue(struct uaccel_queue *q);
void soft_doorbell(struct uaccel_queue *q);
int soft_post(struct uaccel_queue *q, const struct uaccel_wr *wr);

/**
 * struct soft_cancel - what stops a long operation between two chunks
 * @stopping: the queue running it is being destroyed (-ECANCELED), or NULL
 * @udev: the device whose removal stops it (-ENODEV): a facet command,
 *	which removal waits for; or NULL
 * @killable: a fatal signal of the calling process stops it (-EINTR): a
 *	facet command, which runs in that process; false for a request,
 *	which runs on a kernel thread
 */
struct soft_cancel {
	const bool *stopping;
	struct uaccel_device *udev;
	bool killable;
};

int soft_mr_copy(struct uaccel_mr *dst, u64 doff, struct uaccel_mr *src,
		 u64 soff, u64 len, const struct soft_cancel *cancel);
int soft_mr_crc32c(struct uaccel_mr *mr, u64 off, u64 len, u32 seed, u32 *crc,
		   const struct soft_cancel *cancel);

int soft_fatal_error(struct uaccel_device *udev);

extern const struct uaccel_facet soft_cipher_facet;
extern const struct uaccel_facet *const soft_facets[];

#endif /* _UACCEL_SOFT_DEV_H */
