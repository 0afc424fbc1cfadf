/* SPDX-License-Identifier: GPL-2.0-only */
/* Private declarations of uaccel_vcrypto.ko. */
#ifndef _UACCEL_VCRYPTO_DEV_H
#define _UACCEL_VCRYPTO_DEV_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_crypto.h>
#include <uaccel/driver.h>
#include <uaccel/cipher.h>
#include <uaccel/vcrypto.h>

struct vcrypto_recovery;

/* A device session id that was destroyed (or never created). */
#define VCRYPTO_NO_SESSION	U64_MAX

/**
 * struct vcrypto_dsess - the two device sessions of one "cipher.uaccel"
 *	session (the device binds a direction to a session)
 * @list: entry in vcrypto_device.sessions
 * @id: device session ids, [0] encrypts, [1] decrypts;
 *	VCRYPTO_NO_SESSION once destroyed on the device
 */
struct vcrypto_dsess {
	struct list_head list;
	u64 id[2];
};

/**
 * struct vcrypto_session - driver area of a "cipher.uaccel" session
 * @ds: its device sessions
 */
struct vcrypto_session {
	struct vcrypto_dsess *ds;
};

/**
 * struct vcrypto_op - one buffer chain handed to a virtqueue: a data
 *	request or a control request
 * @list: on vcrypto_device.done_list once the device answered (SUBMIT),
 *	or on a list of cancelled requests
 * @req: for SUBMIT, the core's request, completed once from process
 *	context with uaccel_cipher_complete(); NULL for a waited request
 * @done: for a waited request, completed once the device answered or
 *	the device was stopped
 * @cancelled: the device was stopped (reset) before it answered;
 *	vcrypto_device.cancel_err tells why
 * @tail_len: bytes of a CTR request past its last whole block, carried
 *	in @src_tail and @dst_tail
 * @src_sgt: the input's pages
 * @dst_sgt: the output's pages
 * @has_src: @src_sgt holds a table
 * @has_dst: @dst_sgt holds a table
 * @one: single-buffer entries: header, IV, input tail, output tail, status
 * @sgs: the lists handed to the virtqueue, @nout device-readable first,
 *	then @nin device-writable
 * @nout: device-readable lists in @sgs
 * @nin: device-writable lists in @sgs
 * @hdr: what the device reads first
 * @in: what the device writes last: the status, with the session id of
 *	CREATE_SESSION
 * @key: the key of CREATE_SESSION
 * @iv: the request's IV
 * @src_tail: the input's partial last block, zero padded
 * @dst_tail: the output's partial last block, written by the device
 *
 * Allocated for each request and freed once the device no longer holds
 * it: the device only reaches kmalloc memory and the MRs' pinned pages.
 */
struct vcrypto_op {
	struct list_head list;
	struct uaccel_cipher_req *req;
	struct completion done;
	bool cancelled;
	u32 tail_len;
	struct sg_table src_sgt;
	struct sg_table dst_sgt;
	bool has_src;
	bool has_dst;
	struct scatterlist one[5];
	struct scatterlist *sgs[7];
	unsigned int nout;
	unsigned int nin;
	union {
		struct virtio_crypto_op_data_req data;
		struct virtio_crypto_op_ctrl_req ctrl;
	} hdr;
	union {
		struct virtio_crypto_session_input session;
		struct virtio_crypto_inhdr status;
	} in;
	u8 key[UACCEL_CIPHER_KEY_MAX];
	u8 iv[UACCEL_CIPHER_IV_SIZE];
	u8 src_tail[UACCEL_CIPHER_BLOCK_SIZE];
	u8 dst_tail[UACCEL_CIPHER_BLOCK_SIZE];
};

/**
 * struct vcrypto_device - one virtio-crypto device
 * @vdev: the virtio device
 * @udev: the accelerator, registered from the end of the probe to the
 *	start of the removal
 * @registered: @udev is registered: a device that stops answering is
 *	reported failed through it
 * @uops: the accelerator's operations (per device: the facets carry the
 *	device's algorithms and request size)
 * @cops: the operations of its "cipher.uaccel"
 * @cipher_facet: its "cipher.uaccel"
 * @facets: its facets, for @uops
 * @data_vq: the data queue the driver uses (the first)
 * @ctrl_vq: the control queue
 * @lock: protects @stopped, @dead, @inflight, @done_list and the
 *	virtqueues
 * @stopped: no new request is queued (the accelerator stopped taking
 *	calls, or the device is being removed)
 * @dead: the device was reset: the virtqueues hold nothing and take
 *	nothing, callbacks ignore them
 * @inflight: requests the virtqueues hold
 * @done_list: SUBMIT requests the device answered, for @done_work
 * @done_work: completes them, in process context
 * @watchdog: while the device holds requests, fails it when it answered
 *	none for timeout_ms (SUBMIT requests have no waiter to time out)
 * @progress: jiffies of the device's last answer, or of the first request
 *	it was given while it held none
 * @config_work: reads the device status after a configuration change
 * @cancel_err: the outcome of the requests a reset returns: -ENODEV, or
 *	-ETIMEDOUT when the device was reset for not answering
 * @room: woken when the data queue has room again, or the device stopped
 * @stop_lock: serialises the reset of vcrypto_hw_stop()
 * @ctrl_lock: protects @sessions, @nr_sessions and @max_sessions; never
 *	held across a wait for the device
 * @sessions: the device sessions (struct vcrypto_dsess) of the live
 *	"cipher.uaccel" sessions, and of those destroyed after the
 *	accelerator stopped (destroyed on the device at removal)
 * @nr_sessions: "cipher.uaccel" sessions now
 * @max_sessions: @nr_sessions when the device first refused one, or 0
 * @recovery: probes the device again after a failure
 * @recovering: @recovery was queued and owns itself
 * @services: config crypto_services
 * @cipher_algo_l: config cipher_algo_l
 * @cipher_algo_h: config cipher_algo_h
 * @max_dataqueues: config max_dataqueues
 * @max_cipher_key_len: config max_cipher_key_len
 * @max_size: config max_size
 * @requests: counters of INFO
 * @bytes: counters of INFO
 * @errors: counters of INFO
 * @session_errors: counters of INFO
 */
struct vcrypto_device {
	struct virtio_device *vdev;
	struct uaccel_device *udev;
	bool registered;
	struct uaccel_ops uops;
	struct uaccel_cipher_ops cops;
	struct uaccel_facet cipher_facet;
	const struct uaccel_facet *facets[3];
	struct virtqueue *data_vq;
	struct virtqueue *ctrl_vq;
	spinlock_t lock;	/* stopped, dead, inflight, done_list, vqs */
	bool stopped;
	bool dead;
	unsigned int inflight;
	struct list_head done_list;
	struct work_struct done_work;
	struct delayed_work watchdog;
	struct work_struct config_work;
	unsigned long progress;
	int cancel_err;
	wait_queue_head_t room;
	struct mutex stop_lock;	/* vcrypto_hw_stop() */
	struct mutex ctrl_lock;	/* sessions, nr_sessions, max_sessions */
	struct list_head sessions;
	u32 nr_sessions;
	u32 max_sessions;
	struct vcrypto_recovery *recovery;
	bool recovering;
	u32 services;
	u32 cipher_algo_l;
	u32 cipher_algo_h;
	u32 max_dataqueues;
	u32 max_cipher_key_len;
	u64 max_size;
	atomic64_t requests;
	atomic64_t bytes;
	atomic64_t errors;
	atomic64_t session_errors;
};

/* The device of an accelerator. */
static inline struct vcrypto_device *vcrypto_of(struct uaccel_device *udev)
{
	return *(struct vcrypto_device **)uaccel_priv(udev);
}

struct vcrypto_op *vcrypto_op_alloc(void);
void vcrypto_op_free(struct vcrypto_op *op);
int vcrypto_queue(struct vcrypto_device *vc, struct virtqueue *vq,
		  struct vcrypto_op *op, struct scatterlist **sgs,
		  unsigned int nout, unsigned int nin, bool kick, bool teardown);
void vcrypto_kick(struct vcrypto_device *vc);
int vcrypto_wait(struct vcrypto_device *vc, struct vcrypto_op *op);
void vcrypto_finish_async(struct vcrypto_device *vc, struct vcrypto_op *op);
void vcrypto_done_work(struct work_struct *work);
void vcrypto_watchdog(struct work_struct *work);
void vcrypto_shut(struct uaccel_device *udev);

int vcrypto_ctrl_create(struct vcrypto_device *vc, u32 vtype, u32 dir,
			const u8 *key, u32 key_len, u64 *id);
int vcrypto_ctrl_destroy(struct vcrypto_device *vc, u64 id, bool teardown);
int vcrypto_op_result(struct vcrypto_device *vc, struct vcrypto_op *op,
		      struct uaccel_cipher_req *req);
void vcrypto_setup_facets(struct vcrypto_device *vc, u32 algs, u64 max_length);

#endif /* _UACCEL_VCRYPTO_DEV_H */
