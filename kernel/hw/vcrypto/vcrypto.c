// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_vcrypto: a virtio-crypto device (VIRTIO_ID_CRYPTO, such as QEMU's
 * virtio-crypto-pci) as a uaccel accelerator serving "cipher.uaccel".
 *
 * The driver uses the first data queue and the control queue.  Sessions
 * are created and destroyed on the control queue; each "cipher.uaccel"
 * session takes two device sessions, since the device binds a direction
 * to a session.  A request goes to the data queue as a chain of the
 * request header, the IV and the input's pages, then the output's pages
 * and the status: the device reads and writes the MRs' pages itself (zero
 * copy), and the virtio ring maps them through the DMA API (and an IOMMU
 * when the device sits behind one, VIRTIO_F_ACCESS_PLATFORM).  A CTR
 * request that ends in a partial block carries that block in a small
 * buffer of the driver, padded to a whole block, since a device may only
 * take whole blocks.
 *
 * Waits for the device are bounded by timeout_ms.  A device that does
 * not answer in time is reported failed: the accelerator stops taking
 * calls and the device is reset, which stops it reaching memory and
 * returns every request it held (-ENODEV, completions ECANCELED); a work
 * item then probes it again, which registers a new accelerator.  A full
 * data queue is waited for, up to timeout_ms as well, then -EAGAIN.
 *
 * Removal (driver unbind, or hot unplug) unregisters the accelerator:
 * vcrypto_shut() stops new requests and, when the device still holds
 * requests, resets it; callers and completions then see the removal.  The
 * device sessions of the sessions the core destroys at removal are
 * destroyed on the device afterwards, when it was not reset, so that a
 * backend shared across bindings does not keep them.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include <uaccel/version.h>

#include "vcrypto_dev.h"

#define VCRYPTO_DRV_NAME	"uaccel_vcrypto"

/*
 * The longest request.  Each of its input and output takes one ring
 * descriptor per page at most, and the chain (with header, IV, tails and
 * status) must fit the ring and the device's limit of 1024 descriptors
 * per chain.
 */
#define VCRYPTO_MAX_LENGTH	(256 * 1024)
#define VCRYPTO_CHAIN_MAX	1024
#define VCRYPTO_CHAIN_EXTRA	5

/* The bounds of the time parameters, in ms: a bad value is refused. */
#define VCRYPTO_PARAM_MS_MAX	60000

static int vcrypto_ms_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (!ms || ms > VCRYPTO_PARAM_MS_MAX)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops vcrypto_ms_param_ops = {
	.set = vcrypto_ms_param_set,
	.get = param_get_uint,
};

static unsigned int timeout_ms = 5000;
module_param_cb(timeout_ms, &vcrypto_ms_param_ops, &timeout_ms, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Time a request waits for the device (an answer, or room in its queue) before the device is reset and reported failed (-ETIMEDOUT), or -EAGAIN for room, in ms (default 5000, 1 to 60000)");

static struct workqueue_struct *vcrypto_wq;
static struct virtio_driver vcrypto_driver;

static unsigned long vcrypto_timeout(void)
{
	return msecs_to_jiffies(READ_ONCE(timeout_ms));
}

struct vcrypto_op *vcrypto_op_alloc(void)
{
	struct vcrypto_op *op = kzalloc(sizeof(*op), GFP_KERNEL_ACCOUNT);

	if (op)
		init_completion(&op->done);
	return op;
}

/* Only once the device no longer holds it. */
void vcrypto_op_free(struct vcrypto_op *op)
{
	if (op->has_src)
		sg_free_table(&op->src_sgt);
	if (op->has_dst)
		sg_free_table(&op->dst_sgt);
	/* It held a key or an IV. */
	kfree_sensitive(op);
}

/*
 * Whether a request that did not fit when @vq had @seen free descriptors
 * may fit now (the device gave some back), or will not be queued at all.
 * A chain without an indirect table needs a descriptor per list entry, so
 * "any room" is not enough: the wait would end at once, over and over.
 */
static bool vcrypto_has_room(struct vcrypto_device *vc, struct virtqueue *vq,
			     unsigned int seen, bool teardown)
{
	bool ret;

	spin_lock_irq(&vc->lock);
	ret = vc->dead || (vc->stopped && !teardown) || vq->num_free > seen;
	spin_unlock_irq(&vc->lock);
	return ret;
}

/**
 * vcrypto_queue() - hand a request to a virtqueue
 * @vc: the device
 * @vq: the data or the control queue
 * @op: the request, with its lists
 * @sgs: its lists, @nout read by the device, then @nin written by it
 * @nout: lists the device reads
 * @nin: lists the device writes
 * @kick: notify the device now (else a later request will)
 * @teardown: the removal's own control requests, queued after the
 *	accelerator stopped (not once the device was reset)
 *
 * A full queue is notified and waited for, up to timeout_ms.
 * Return: 0, -ENODEV when the device stopped, -EAGAIN when the queue
 * stayed full, or the virtqueue's -errno.
 */
int vcrypto_queue(struct vcrypto_device *vc, struct virtqueue *vq,
		  struct vcrypto_op *op, struct scatterlist **sgs,
		  unsigned int nout, unsigned int nin, bool kick, bool teardown)
{
	unsigned long end = jiffies + vcrypto_timeout();
	unsigned int seen;
	long left;
	int ret;

	for (;;) {
		spin_lock_irq(&vc->lock);
		if (vc->dead || (vc->stopped && !teardown)) {
			ret = -ENODEV;
			break;
		}
		ret = virtqueue_add_sgs(vq, sgs, nout, nin, op, GFP_ATOMIC);
		if (!ret) {
			if (!vc->inflight++)
				vc->progress = jiffies;
			if (op->req && vc->registered)
				queue_delayed_work(vcrypto_wq, &vc->watchdog,
						   vcrypto_timeout());
			if (kick)
				virtqueue_kick(vq);
			break;
		}
		if (ret != -ENOSPC)
			break;
		/* Let the device take what is queued, and wait for room. */
		virtqueue_kick(vq);
		seen = vq->num_free;
		spin_unlock_irq(&vc->lock);
		left = (long)(end - jiffies);
		if (left <= 0 ||
		    !wait_event_timeout(vc->room,
					vcrypto_has_room(vc, vq, seen, teardown),
					left))
			return -EAGAIN;
	}
	spin_unlock_irq(&vc->lock);
	return ret;
}

/* Notify the device of the requests queued without a kick. */
void vcrypto_kick(struct vcrypto_device *vc)
{
	spin_lock_irq(&vc->lock);
	if (!vc->dead)
		virtqueue_kick(vc->data_vq);
	spin_unlock_irq(&vc->lock);
}

/*
 * A virtqueue's callback (interrupt context): waited requests are
 * completed here, SUBMIT requests go to done_work, which completes them
 * in process context.  Once the device was reset its queues belong to
 * vcrypto_hw_stop().
 */
static void vcrypto_vq_done(struct virtqueue *vq)
{
	struct vcrypto_device *vc = vq->vdev->priv;
	struct vcrypto_op *op;
	unsigned long flags;
	unsigned int len;
	bool work = false;

	spin_lock_irqsave(&vc->lock, flags);
	if (vc->dead)
		goto out_unlock;
	do {
		virtqueue_disable_cb(vq);
		while ((op = virtqueue_get_buf(vq, &len))) {
			vc->inflight--;
			vc->progress = jiffies;
			if (op->req) {
				list_add_tail(&op->list, &vc->done_list);
				work = true;
			} else {
				complete(&op->done);
			}
		}
		if (unlikely(virtqueue_is_broken(vq)))
			break;
	} while (!virtqueue_enable_cb(vq));
	/* Once stopped, vcrypto_shut() completes the done list. */
	if (work && !vc->stopped)
		queue_work(vcrypto_wq, &vc->done_work);
out_unlock:
	spin_unlock_irqrestore(&vc->lock, flags);
	wake_up(&vc->room);
}

/* The requests a reset device held, for vcrypto_hw_stop(). */
static void vcrypto_detach(struct vcrypto_device *vc, struct virtqueue *vq,
			   struct list_head *cancelled)
{
	struct vcrypto_op *op;

	while ((op = virtqueue_detach_unused_buf(vq))) {
		vc->inflight--;
		op->cancelled = true;
		list_add_tail(&op->list, cancelled);
	}
}

/*
 * Reset the device: it no longer reaches memory nor answers.  Every
 * request it held is cancelled: a waiter wakes, a SUBMIT request
 * completes with ECANCELED.  Idempotent; process context.
 */
static void vcrypto_hw_stop(struct vcrypto_device *vc)
{
	struct vcrypto_op *op, *tmp;
	LIST_HEAD(cancelled);

	mutex_lock(&vc->stop_lock);
	if (vc->dead)
		goto out_unlock;
	spin_lock_irq(&vc->lock);
	vc->stopped = true;
	spin_unlock_irq(&vc->lock);
	/* Waits for the running callbacks too. */
	virtio_reset_device(vc->vdev);
	spin_lock_irq(&vc->lock);
	vc->dead = true;
	vcrypto_detach(vc, vc->data_vq, &cancelled);
	vcrypto_detach(vc, vc->ctrl_vq, &cancelled);
	spin_unlock_irq(&vc->lock);
	wake_up_all(&vc->room);

	list_for_each_entry_safe(op, tmp, &cancelled, list) {
		list_del(&op->list);
		if (op->req)
			vcrypto_finish_async(vc, op);
		else
			complete(&op->done);
	}
out_unlock:
	mutex_unlock(&vc->stop_lock);
}

/**
 * struct vcrypto_recovery - probing a failed device again
 * @work: runs in vcrypto_wq, outside any call on the device's files
 * @vdev: the virtio device, referenced while the work is queued
 *
 * Allocated at probe so that a failure never needs memory; the device
 * owns it until the failure queues it, the work after.
 */
struct vcrypto_recovery {
	struct work_struct work;
	struct virtio_device *vdev;
};

/*
 * Unbind the failed accelerator and probe the device again.  Only the
 * instance that failed is probed again, not one bound since, nor a device
 * that was removed meanwhile.
 */
static void vcrypto_recover(struct work_struct *work)
{
	struct vcrypto_recovery *rec = container_of(work, struct vcrypto_recovery, work);
	struct device *dev = &rec->vdev->dev;
	bool failed_instance;
	int ret;

	device_lock(dev);
	failed_instance = dev->driver == &vcrypto_driver.driver &&
		((struct vcrypto_device *)rec->vdev->priv)->recovery == rec;
	device_unlock(dev);
	if (failed_instance) {
		ret = device_reprobe(dev);
		if (ret)
			dev_err(dev, "probing again after the failure failed: %d\n", ret);
	}
	put_device(dev);
	kfree(rec);
}

/* Report the accelerator failed and probe the device again, once. */
static void vcrypto_report_failed(struct vcrypto_device *vc)
{
	/* When it failed or stopped already, vcrypto_shut() runs or ran. */
	if (!uaccel_report_fatal(vc->udev))
		return;
	get_device(&vc->vdev->dev);
	vc->recovery->vdev = vc->vdev;
	vc->recovering = true;
	queue_work(vcrypto_wq, &vc->recovery->work);
}

/*
 * The device did not answer in time: stop it for good.  A registered
 * accelerator is reported failed, which runs vcrypto_shut() and so resets
 * the device, and the device is probed again from a work item; during
 * probe and removal the device is reset here.
 */
static void vcrypto_fail(struct vcrypto_device *vc)
{
	dev_err(&vc->vdev->dev, "no answer in %u ms: resetting the device\n",
		READ_ONCE(timeout_ms));
	spin_lock_irq(&vc->lock);
	if (!vc->stopped)
		vc->cancel_err = -ETIMEDOUT;
	spin_unlock_irq(&vc->lock);
	if (READ_ONCE(vc->registered))
		vcrypto_report_failed(vc);
	else
		vcrypto_hw_stop(vc);
}

/**
 * vcrypto_wait() - wait for the device to answer a queued request
 * @vc: the device
 * @op: the request (not a SUBMIT request)
 *
 * Return: 0 once the device answered it or was reset (op->cancelled);
 * -ETIMEDOUT after timeout_ms, when the device was reset: it no longer
 * holds the request either way.
 */
int vcrypto_wait(struct vcrypto_device *vc, struct vcrypto_op *op)
{
	if (wait_for_completion_timeout(&op->done, vcrypto_timeout()))
		return 0;
	vcrypto_fail(vc);
	/* The reset of vcrypto_hw_stop() returns the request: bounded. */
	wait_for_completion(&op->done);
	return -ETIMEDOUT;
}

/*
 * The device holds requests and answered none for timeout_ms: it failed.
 * Inside a section, so that the removal waits for it.
 */
void vcrypto_watchdog(struct work_struct *work)
{
	struct vcrypto_device *vc = container_of(to_delayed_work(work),
						 struct vcrypto_device, watchdog);
	unsigned long deadline;
	bool late = false;
	int idx;

	if (!uaccel_device_enter(vc->udev, &idx))
		return;
	spin_lock_irq(&vc->lock);
	if (vc->inflight && !vc->stopped) {
		deadline = vc->progress + vcrypto_timeout();
		late = time_after_eq(jiffies, deadline);
		if (!late)
			queue_delayed_work(vcrypto_wq, &vc->watchdog,
					   deadline - jiffies + 1);
	}
	spin_unlock_irq(&vc->lock);
	if (late)
		vcrypto_fail(vc);
	uaccel_device_exit(vc->udev, idx);
}

/*
 * The device's configuration changed: a device that is no longer ready
 * (VIRTIO_CRYPTO_S_HW_READY clear, or unknown status bits) failed.
 */
static void vcrypto_config_work(struct work_struct *work)
{
	struct vcrypto_device *vc = container_of(work, struct vcrypto_device, config_work);
	u32 status;
	int idx;

	if (!uaccel_device_enter(vc->udev, &idx))
		return;
	virtio_cread_le(vc->vdev, struct virtio_crypto_config, status, &status);
	if (status != VIRTIO_CRYPTO_S_HW_READY) {
		dev_err(&vc->vdev->dev, "device no longer ready (status %#x)\n", status);
		vcrypto_report_failed(vc);
	}
	uaccel_device_exit(vc->udev, idx);
}

static void vcrypto_config_changed(struct virtio_device *vdev)
{
	struct vcrypto_device *vc = vdev->priv;

	if (READ_ONCE(vc->registered))
		queue_work(vcrypto_wq, &vc->config_work);
}

/*
 * Complete SUBMIT requests the device answered, each inside a section of
 * the accelerator; once it stopped, vcrypto_shut() completes them.
 */
/* Complete the SUBMIT requests the device answered (vc->done_list). */
static void vcrypto_finish_done(struct vcrypto_device *vc)
{
	struct vcrypto_op *op, *tmp;
	LIST_HEAD(done);

	spin_lock_irq(&vc->lock);
	list_splice_init(&vc->done_list, &done);
	spin_unlock_irq(&vc->lock);
	list_for_each_entry_safe(op, tmp, &done, list) {
		list_del(&op->list);
		vcrypto_finish_async(vc, op);
	}
}

void vcrypto_done_work(struct work_struct *work)
{
	struct vcrypto_device *vc = container_of(work, struct vcrypto_device, done_work);
	int idx;

	if (!uaccel_device_enter(vc->udev, &idx))
		return;
	vcrypto_finish_done(vc);
	uaccel_device_exit(vc->udev, idx);
}

/*
 * The accelerator stopped taking calls (removal or failure).  No request
 * is queued from now on; a device that holds requests is reset, which
 * cancels them; the answered SUBMIT requests are completed.  A device
 * that holds none is left running: the removal destroys the sessions on
 * it.  Never waits for sections, nor for the device but for its reset.
 */
void vcrypto_shut(struct uaccel_device *udev)
{
	struct vcrypto_device *vc = vcrypto_of(udev);
	bool busy;

	spin_lock_irq(&vc->lock);
	vc->stopped = true;
	busy = vc->inflight;
	spin_unlock_irq(&vc->lock);
	wake_up_all(&vc->room);
	if (busy)
		vcrypto_hw_stop(vc);
	vcrypto_finish_done(vc);
}

/*
 * One control request: @op holds the header, and the key for a session's
 * creation.  0 (the device answered: see op->in), -ENODEV, -ETIMEDOUT,
 * -EAGAIN or -ENOMEM.
 */
static int vcrypto_ctrl(struct vcrypto_device *vc, struct vcrypto_op *op,
			u32 key_len, size_t in_len, bool teardown)
{
	unsigned int n = 0, nout;
	int ret;

	sg_init_one(&op->one[0], &op->hdr.ctrl, sizeof(op->hdr.ctrl));
	op->sgs[n++] = &op->one[0];
	if (key_len) {
		sg_init_one(&op->one[1], op->key, key_len);
		op->sgs[n++] = &op->one[1];
	}
	nout = n;
	sg_init_one(&op->one[2], &op->in, in_len);
	op->sgs[n++] = &op->one[2];

	ret = vcrypto_queue(vc, vc->ctrl_vq, op, op->sgs, nout, n - nout, true,
			    teardown);
	if (ret)
		return ret;
	ret = vcrypto_wait(vc, op);
	if (!ret && op->cancelled)
		ret = -ENODEV;
	return ret;
}

/**
 * vcrypto_ctrl_create() - create a device session
 * @vc: the device
 * @vtype: VIRTIO_CRYPTO_CIPHER_AES_CBC or _CTR
 * @dir: VIRTIO_CRYPTO_OP_ENCRYPT or _DECRYPT
 * @key: the key
 * @key_len: its length, at most UACCEL_CIPHER_KEY_MAX
 * @id: receives the session's id
 *
 * Return: 0, -ENOSPC when the device says it has no room, -EOPNOTSUPP
 * when it does not serve the algorithm, -EIO when it refused otherwise,
 * -ENODEV, -ETIMEDOUT, -EAGAIN or -ENOMEM.
 */
int vcrypto_ctrl_create(struct vcrypto_device *vc, u32 vtype, u32 dir,
			const u8 *key, u32 key_len, u64 *id)
{
	struct virtio_crypto_cipher_session_para *para;
	struct vcrypto_op *op;
	u32 status;
	int ret;

	if (WARN_ON_ONCE(key_len > sizeof(op->key)))
		return -EINVAL;
	op = vcrypto_op_alloc();
	if (!op)
		return -ENOMEM;
	op->hdr.ctrl.header.opcode = cpu_to_le32(VIRTIO_CRYPTO_CIPHER_CREATE_SESSION);
	op->hdr.ctrl.header.algo = cpu_to_le32(vtype);
	op->hdr.ctrl.u.sym_create_session.op_type =
		cpu_to_le32(VIRTIO_CRYPTO_SYM_OP_CIPHER);
	para = &op->hdr.ctrl.u.sym_create_session.u.cipher.para;
	para->algo = cpu_to_le32(vtype);
	para->keylen = cpu_to_le32(key_len);
	para->op = cpu_to_le32(dir);
	memcpy(op->key, key, key_len);
	op->in.session.status = cpu_to_le32(VIRTIO_CRYPTO_ERR);

	ret = vcrypto_ctrl(vc, op, key_len, sizeof(op->in.session), false);
	if (ret)
		goto out_free;
	status = le32_to_cpu(op->in.session.status);
	switch (status) {
	case VIRTIO_CRYPTO_OK:
		*id = le64_to_cpu(op->in.session.session_id);
		break;
	case VIRTIO_CRYPTO_NOSPC:
		ret = -ENOSPC;
		break;
	case VIRTIO_CRYPTO_NOTSUPP:
		ret = -EOPNOTSUPP;
		break;
	default:
		ret = -EIO;
		break;
	}
out_free:
	vcrypto_op_free(op);
	return ret;
}

/**
 * vcrypto_ctrl_destroy() - destroy a device session
 * @vc: the device
 * @id: a session vcrypto_ctrl_create() created and nothing destroyed
 * @teardown: the removal's, after the accelerator stopped
 *
 * Return: 0 when the session is gone from the device (including when the
 * device said it had no such session), -ENODEV, -ETIMEDOUT (the device
 * was reset), -EAGAIN or -ENOMEM when it may still be there.
 */
int vcrypto_ctrl_destroy(struct vcrypto_device *vc, u64 id, bool teardown)
{
	struct vcrypto_op *op;
	int ret;

	op = vcrypto_op_alloc();
	if (!op)
		return -ENOMEM;
	op->hdr.ctrl.header.opcode = cpu_to_le32(VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION);
	op->hdr.ctrl.u.destroy_session.session_id = cpu_to_le64(id);
	op->in.status.status = VIRTIO_CRYPTO_ERR;

	ret = vcrypto_ctrl(vc, op, 0, sizeof(op->in.status), teardown);
	if (!ret && op->in.status.status != VIRTIO_CRYPTO_OK)
		dev_warn(&vc->vdev->dev, "destroying session %llu: status %u\n",
			 id, op->in.status.status);
	vcrypto_op_free(op);
	return ret;
}

/*
 * Whether the device serves an algorithm: it creates a session of it
 * (and the session is destroyed again).  Devices may serve algorithms
 * they do not advertise.
 */
static bool vcrypto_probe_alg(struct vcrypto_device *vc, u32 vtype)
{
	static const u8 zero_key[16];
	u64 id;

	if (vcrypto_ctrl_create(vc, vtype, VIRTIO_CRYPTO_OP_ENCRYPT, zero_key,
				sizeof(zero_key), &id))
		return false;
	return !vcrypto_ctrl_destroy(vc, id, false);
}

/*
 * The device sessions left by the sessions the core destroyed after the
 * accelerator stopped: destroyed on a device that was not reset.
 */
static void vcrypto_drop_sessions(struct vcrypto_device *vc)
{
	struct vcrypto_dsess *ds, *tmp;
	LIST_HEAD(left);
	int i;

	mutex_lock(&vc->ctrl_lock);
	list_splice_init(&vc->sessions, &left);
	mutex_unlock(&vc->ctrl_lock);
	list_for_each_entry_safe(ds, tmp, &left, list) {
		for (i = 0; i < ARRAY_SIZE(ds->id); i++)
			if (ds->id[i] != VCRYPTO_NO_SESSION && !READ_ONCE(vc->dead))
				vcrypto_ctrl_destroy(vc, ds->id[i], true);
		list_del(&ds->list);
		kfree(ds);
	}
}

/*
 * Every queue of the device: its data queues come first, the control
 * queue last.  Only the first data queue is used.
 */
static int vcrypto_find_vqs(struct vcrypto_device *vc)
{
	unsigned int i, nvqs = vc->max_dataqueues + 1;
	vq_callback_t **callbacks;
	struct virtqueue **vqs;
	const char **names;
	int ret = -ENOMEM;

	vqs = kcalloc(nvqs, sizeof(*vqs), GFP_KERNEL);
	callbacks = kcalloc(nvqs, sizeof(*callbacks), GFP_KERNEL);
	names = kcalloc(nvqs, sizeof(*names), GFP_KERNEL);
	if (!vqs || !callbacks || !names)
		goto out_free;
	for (i = 0; i < nvqs; i++)
		names[i] = i == nvqs - 1 ? "controlq" : "dataq";
	callbacks[0] = vcrypto_vq_done;
	callbacks[nvqs - 1] = vcrypto_vq_done;
	ret = virtio_find_vqs(vc->vdev, nvqs, vqs, callbacks, names, NULL);
	if (ret)
		goto out_free;
	vc->data_vq = vqs[0];
	vc->ctrl_vq = vqs[nvqs - 1];
out_free:
	kfree(names);
	kfree(callbacks);
	kfree(vqs);
	return ret;
}

/*
 * The longest request the device and its data queue take: both its input
 * and its output may take one descriptor per page.
 */
static u64 vcrypto_max_length(struct vcrypto_device *vc)
{
	unsigned int descs = min_t(unsigned int, VCRYPTO_CHAIN_MAX,
				   virtqueue_get_vring_size(vc->data_vq));
	u64 len = VCRYPTO_MAX_LENGTH, pages;

	if (descs <= VCRYPTO_CHAIN_EXTRA + 4)
		return 0;
	pages = (descs - VCRYPTO_CHAIN_EXTRA) / 2 - 1;
	len = min_t(u64, len, pages * PAGE_SIZE);
	/* The device's limit counts the IV, the input and the output. */
	if (vc->max_size < 2 * UACCEL_CIPHER_BLOCK_SIZE + UACCEL_CIPHER_IV_SIZE)
		return 0;
	len = min_t(u64, len, (vc->max_size - UACCEL_CIPHER_IV_SIZE) / 2);
	return round_down(len, UACCEL_CIPHER_BLOCK_SIZE);
}

static void vcrypto_read_config(struct vcrypto_device *vc)
{
	struct virtio_device *vdev = vc->vdev;

	virtio_cread_le(vdev, struct virtio_crypto_config, max_dataqueues,
			&vc->max_dataqueues);
	virtio_cread_le(vdev, struct virtio_crypto_config, crypto_services,
			&vc->services);
	virtio_cread_le(vdev, struct virtio_crypto_config, cipher_algo_l,
			&vc->cipher_algo_l);
	virtio_cread_le(vdev, struct virtio_crypto_config, cipher_algo_h,
			&vc->cipher_algo_h);
	virtio_cread_le(vdev, struct virtio_crypto_config, max_cipher_key_len,
			&vc->max_cipher_key_len);
	virtio_cread_le(vdev, struct virtio_crypto_config, max_size,
			&vc->max_size);
}

/* The algorithms of "cipher.uaccel" the device serves. */
static u32 vcrypto_probe_algs(struct vcrypto_device *vc)
{
	u32 algs = 0;

	if (!(vc->services & BIT(VIRTIO_CRYPTO_SERVICE_CIPHER)) ||
	    vc->max_cipher_key_len < UACCEL_CIPHER_KEY_MAX)
		return 0;
	if (vcrypto_probe_alg(vc, VIRTIO_CRYPTO_CIPHER_AES_CBC))
		algs |= BIT(UACCEL_CIPHER_AES_CBC);
	if (vcrypto_probe_alg(vc, VIRTIO_CRYPTO_CIPHER_AES_CTR))
		algs |= BIT(UACCEL_CIPHER_AES_CTR);
	return algs;
}

static int vcrypto_probe(struct virtio_device *vdev)
{
	char name[UACCEL_NAME_MAX];
	struct uaccel_device *udev;
	struct vcrypto_device *vc;
	u64 max_length;
	u32 status, algs;
	int ret;

	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
		return -ENODEV;
	if (!vdev->config->get) {
		dev_err(&vdev->dev, "no access to the configuration\n");
		return -EINVAL;
	}

	vc = kzalloc(sizeof(*vc), GFP_KERNEL);
	if (!vc)
		return -ENOMEM;
	vc->vdev = vdev;
	spin_lock_init(&vc->lock);
	INIT_LIST_HEAD(&vc->done_list);
	INIT_WORK(&vc->done_work, vcrypto_done_work);
	INIT_DELAYED_WORK(&vc->watchdog, vcrypto_watchdog);
	INIT_WORK(&vc->config_work, vcrypto_config_work);
	vc->cancel_err = -ENODEV;
	init_waitqueue_head(&vc->room);
	mutex_init(&vc->stop_lock);
	mutex_init(&vc->ctrl_lock);
	INIT_LIST_HEAD(&vc->sessions);
	atomic64_set(&vc->requests, 0);
	atomic64_set(&vc->bytes, 0);
	atomic64_set(&vc->errors, 0);
	atomic64_set(&vc->session_errors, 0);
	vc->recovery = kzalloc(sizeof(*vc->recovery), GFP_KERNEL);
	if (!vc->recovery) {
		ret = -ENOMEM;
		goto err_free;
	}
	INIT_WORK(&vc->recovery->work, vcrypto_recover);
	vdev->priv = vc;

	vcrypto_read_config(vc);
	if (!vc->max_dataqueues || vc->max_dataqueues >= VCRYPTO_CHAIN_MAX) {
		dev_err(&vdev->dev, "max_dataqueues %u out of range\n",
			vc->max_dataqueues);
		ret = -EINVAL;
		goto err_free;
	}
	ret = vcrypto_find_vqs(vc);
	if (ret)
		goto err_free;
	virtio_device_ready(vdev);

	virtio_cread_le(vdev, struct virtio_crypto_config, status, &status);
	if (status != VIRTIO_CRYPTO_S_HW_READY) {
		dev_err(&vdev->dev, "device not ready (status %#x)\n", status);
		ret = -ENODEV;
		goto err_reset;
	}
	max_length = vcrypto_max_length(vc);
	algs = vcrypto_probe_algs(vc);
	if (!algs || max_length < 4096) {
		dev_err(&vdev->dev,
			"serves neither AES-CBC nor AES-CTR with 256-bit keys and 4 KiB requests\n");
		ret = -ENODEV;
		goto err_reset;
	}
	vcrypto_setup_facets(vc, algs, max_length);

	udev = uaccel_alloc_device(&vdev->dev, &vc->uops, sizeof(vc));
	if (IS_ERR(udev)) {
		ret = PTR_ERR(udev);
		goto err_reset;
	}
	*(struct vcrypto_device **)uaccel_priv(udev) = vc;
	vc->udev = udev;
	ret = uaccel_register_device(udev, "vcrypto%d");
	if (ret)
		goto err_put;
	WRITE_ONCE(vc->registered, true);
	/* A copy: the device can be renamed as soon as it is registered. */
	uaccel_device_copy_name(udev, name, sizeof(name));
	dev_info(&vdev->dev, "%s: algorithms %#x, requests up to %llu bytes\n",
		 name, algs, max_length);
	return 0;

err_put:
	uaccel_put_device(udev);
err_reset:
	vcrypto_hw_stop(vc);
	vdev->config->del_vqs(vdev);
err_free:
	kfree(vc->recovery);
	kfree(vc);
	return ret;
}

static void vcrypto_remove(struct virtio_device *vdev)
{
	struct vcrypto_device *vc = vdev->priv;

	/*
	 * The accelerator stops taking calls and vcrypto_shut() resets a
	 * device that holds requests; the core then waits for the calls in
	 * the driver and destroys the sessions.
	 */
	uaccel_unregister_device(vc->udev);
	WRITE_ONCE(vc->registered, false);
	cancel_work_sync(&vc->done_work);
	cancel_delayed_work_sync(&vc->watchdog);
	cancel_work_sync(&vc->config_work);
	vcrypto_drop_sessions(vc);
	vcrypto_hw_stop(vc);
	vdev->config->del_vqs(vdev);
	/* A queued recovery owns itself; it finds this instance gone. */
	if (!vc->recovering)
		kfree(vc->recovery);
	uaccel_put_device(vc->udev);
	kfree(vc);
}

static const struct virtio_device_id vcrypto_ids[] = {
	{ VIRTIO_ID_CRYPTO, VIRTIO_DEV_ANY_ID },
	{ }
};
MODULE_DEVICE_TABLE(virtio, vcrypto_ids);

static struct virtio_driver vcrypto_driver = {
	.driver.name = VCRYPTO_DRV_NAME,
	.driver.owner = THIS_MODULE,
	.id_table = vcrypto_ids,
	.probe = vcrypto_probe,
	.remove = vcrypto_remove,
	.config_changed = vcrypto_config_changed,
};

static int __init vcrypto_init(void)
{
	int ret;

	vcrypto_wq = alloc_workqueue("uaccel_vcrypto", WQ_UNBOUND, 0);
	if (!vcrypto_wq)
		return -ENOMEM;
	ret = register_virtio_driver(&vcrypto_driver);
	if (ret)
		destroy_workqueue(vcrypto_wq);
	return ret;
}
module_init(vcrypto_init);

static void __exit vcrypto_exit(void)
{
	unregister_virtio_driver(&vcrypto_driver);
	/* A recovery still queued finds the driver gone and only cleans up. */
	destroy_workqueue(vcrypto_wq);
}
module_exit(vcrypto_exit);

MODULE_DESCRIPTION("uaccel driver of virtio-crypto devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(UACCEL_VERSION);
