// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_vcrypto: the facets "cipher.uaccel" (the core's commands, shared
 * with every driver, on the device's sessions and data queue) and
 * "vcrypto.uaccel" (INFO).
 */
#include <linux/highmem.h>
#include <linux/slab.h>

#include "vcrypto_dev.h"

static u32 vcrypto_vtype(u32 alg)
{
	return alg == UACCEL_CIPHER_AES_CBC ? VIRTIO_CRYPTO_CIPHER_AES_CBC :
					      VIRTIO_CRYPTO_CIPHER_AES_CTR;
}

/*
 * Two device sessions, one per direction.  The device reports a lack of
 * room as it may report a refused key (QEMU's builtin backend answers
 * VIRTIO_CRYPTO_ERR for both), but it took a key of this algorithm and
 * length at probe: a refusal means no room (-ENOSPC).  ctrl_lock guards
 * the list only, never a wait for the device: a failure's completions
 * may release contexts, whose teardown destroys sessions.
 */
static int vcrypto_session_create(struct uaccel_device *udev,
				  struct uaccel_cipher_session *s, const u8 *key)
{
	struct vcrypto_session *vs = uaccel_cipher_session_priv(s);
	struct vcrypto_device *vc = vcrypto_of(udev);
	u32 vtype = vcrypto_vtype(s->alg);
	struct vcrypto_dsess *ds;
	int ret;

	ds = kzalloc(sizeof(*ds), GFP_KERNEL_ACCOUNT);
	if (!ds)
		return -ENOMEM;
	ds->id[0] = VCRYPTO_NO_SESSION;
	ds->id[1] = VCRYPTO_NO_SESSION;

	ret = vcrypto_ctrl_create(vc, vtype, VIRTIO_CRYPTO_OP_ENCRYPT, key,
				  s->key_len, &ds->id[0]);
	if (!ret)
		ret = vcrypto_ctrl_create(vc, vtype, VIRTIO_CRYPTO_OP_DECRYPT, key,
					  s->key_len, &ds->id[1]);
	if (ret && ds->id[0] != VCRYPTO_NO_SESSION &&
	    !vcrypto_ctrl_destroy(vc, ds->id[0], false))
		ds->id[0] = VCRYPTO_NO_SESSION;

	mutex_lock(&vc->ctrl_lock);
	if (!ret) {
		list_add_tail(&ds->list, &vc->sessions);
		vc->nr_sessions++;
		mutex_unlock(&vc->ctrl_lock);
		vs->ds = ds;
		return 0;
	}
	/* A device that stopped keeps it: the removal destroys it. */
	if (ds->id[0] != VCRYPTO_NO_SESSION) {
		list_add_tail(&ds->list, &vc->sessions);
		ds = NULL;
	}
	if (ret == -EIO)
		ret = -ENOSPC;
	else if (ret == -EOPNOTSUPP)
		ret = -EIO;
	if (ret == -ENOSPC) {
		atomic64_inc(&vc->session_errors);
		if (!vc->max_sessions)
			vc->max_sessions = vc->nr_sessions;
	}
	mutex_unlock(&vc->ctrl_lock);
	kfree(ds);
	/* The device was reset, or took no request: it is going away. */
	if (ret == -ETIMEDOUT || ret == -EAGAIN)
		ret = -ENODEV;
	return ret;
}

/*
 * Once the accelerator stopped, the device is not waited for: the
 * session stays on the list, for the removal.
 */
static void vcrypto_session_destroy(struct uaccel_device *udev,
				    struct uaccel_cipher_session *s)
{
	struct vcrypto_session *vs = uaccel_cipher_session_priv(s);
	struct vcrypto_device *vc = vcrypto_of(udev);
	struct vcrypto_dsess *ds = vs->ds;
	bool gone;
	int i;

	for (i = 0; i < ARRAY_SIZE(ds->id); i++) {
		if (READ_ONCE(vc->stopped))
			break;
		if (!vcrypto_ctrl_destroy(vc, ds->id[i], false))
			ds->id[i] = VCRYPTO_NO_SESSION;
	}
	gone = ds->id[0] == VCRYPTO_NO_SESSION && ds->id[1] == VCRYPTO_NO_SESSION;
	mutex_lock(&vc->ctrl_lock);
	vc->nr_sessions--;
	if (gone)
		list_del(&ds->list);
	mutex_unlock(&vc->ctrl_lock);
	if (gone)
		kfree(ds);
	vs->ds = NULL;
}

/* Copy between an MR and a buffer of the driver. */
static void vcrypto_mr_copy(struct uaccel_mr *mr, u64 offset, u8 *buf,
			    size_t len, bool to_mr)
{
	size_t avail, n;
	void *p;

	while (len) {
		p = uaccel_mr_kmap(mr, offset, &avail);
		n = min(avail, len);
		if (to_mr)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		kunmap_local(p);
		offset += n;
		buf += n;
		len -= n;
	}
}

/*
 * The device's chain of a request: header and IV, the input (its whole
 * blocks from the MR's pages, a partial last block from a padded copy),
 * then the output likewise, and the status.
 */
static struct vcrypto_op *vcrypto_build(struct uaccel_cipher_req *req)
{
	struct vcrypto_session *vs = uaccel_cipher_session_priv(req->session);
	struct virtio_crypto_cipher_para *para;
	unsigned int n = 0;
	struct vcrypto_op *op;
	u64 main_len, dev_len;
	bool enc = req->op == UACCEL_CIPHER_ENCRYPT;
	int ret;

	op = vcrypto_op_alloc();
	if (!op)
		return ERR_PTR(-ENOMEM);
	op->tail_len = req->length % UACCEL_CIPHER_BLOCK_SIZE;
	main_len = req->length - op->tail_len;
	dev_len = main_len + (op->tail_len ? UACCEL_CIPHER_BLOCK_SIZE : 0);

	op->hdr.data.header.opcode = cpu_to_le32(enc ? VIRTIO_CRYPTO_CIPHER_ENCRYPT :
						       VIRTIO_CRYPTO_CIPHER_DECRYPT);
	op->hdr.data.header.algo = cpu_to_le32(vcrypto_vtype(req->session->alg));
	op->hdr.data.header.session_id = cpu_to_le64(vs->ds->id[enc ? 0 : 1]);
	op->hdr.data.u.sym_req.op_type = cpu_to_le32(VIRTIO_CRYPTO_SYM_OP_CIPHER);
	para = &op->hdr.data.u.sym_req.u.cipher.para;
	para->iv_len = cpu_to_le32(UACCEL_CIPHER_IV_SIZE);
	para->src_data_len = cpu_to_le32(dev_len);
	para->dst_data_len = cpu_to_le32(dev_len);
	memcpy(op->iv, req->iv, UACCEL_CIPHER_IV_SIZE);
	op->in.status.status = VIRTIO_CRYPTO_ERR;

	sg_init_one(&op->one[0], &op->hdr.data, sizeof(op->hdr.data));
	op->sgs[n++] = &op->one[0];
	sg_init_one(&op->one[1], op->iv, UACCEL_CIPHER_IV_SIZE);
	op->sgs[n++] = &op->one[1];
	if (main_len) {
		ret = uaccel_mr_sg_table(req->src, req->src_offset, main_len,
					 &op->src_sgt, GFP_KERNEL_ACCOUNT);
		if (ret)
			goto err_free;
		op->has_src = true;
		op->sgs[n++] = op->src_sgt.sgl;
	}
	if (op->tail_len) {
		vcrypto_mr_copy(req->src, req->src_offset + main_len,
				op->src_tail, op->tail_len, false);
		sg_init_one(&op->one[2], op->src_tail, UACCEL_CIPHER_BLOCK_SIZE);
		op->sgs[n++] = &op->one[2];
	}
	op->nout = n;
	if (main_len) {
		ret = uaccel_mr_sg_table(req->dst, req->dst_offset, main_len,
					 &op->dst_sgt, GFP_KERNEL_ACCOUNT);
		if (ret)
			goto err_free;
		op->has_dst = true;
		op->sgs[n++] = op->dst_sgt.sgl;
	}
	if (op->tail_len) {
		sg_init_one(&op->one[3], op->dst_tail, UACCEL_CIPHER_BLOCK_SIZE);
		op->sgs[n++] = &op->one[3];
	}
	sg_init_one(&op->one[4], &op->in.status, sizeof(op->in.status));
	op->sgs[n++] = &op->one[4];
	op->nin = n - op->nout;
	return op;

err_free:
	vcrypto_op_free(op);
	return ERR_PTR(ret);
}

/**
 * vcrypto_op_result() - the outcome of a data request the device no
 *	longer holds
 * @vc: the device
 * @op: the request
 * @req: the core's request
 *
 * Copies a partial last block into the output.
 * Return: 0, -EIO when the device failed it, -ENODEV when the device was
 * reset first (stopped, or -ETIMEDOUT when it was reset for not answering).
 */
int vcrypto_op_result(struct vcrypto_device *vc, struct vcrypto_op *op,
		      struct uaccel_cipher_req *req)
{
	if (op->cancelled) {
		atomic64_inc(&vc->errors);
		return READ_ONCE(vc->cancel_err);
	}
	if (op->in.status.status != VIRTIO_CRYPTO_OK) {
		atomic64_inc(&vc->errors);
		dev_dbg(&vc->vdev->dev, "request failed: status %u\n",
			op->in.status.status);
		return -EIO;
	}
	if (op->tail_len)
		vcrypto_mr_copy(req->dst, req->dst_offset + req->length - op->tail_len,
				op->dst_tail, op->tail_len, true);
	return 0;
}

/* Complete a SUBMIT request the device no longer holds; process context. */
void vcrypto_finish_async(struct vcrypto_device *vc, struct vcrypto_op *op)
{
	struct uaccel_cipher_req *req = op->req;
	int err = vcrypto_op_result(vc, op, req);

	vcrypto_op_free(op);
	uaccel_cipher_complete(req, err);
}

static void vcrypto_count(struct vcrypto_device *vc, u64 length)
{
	atomic64_inc(&vc->requests);
	atomic64_add(length, &vc->bytes);
}

static int vcrypto_crypt(struct uaccel_device *udev,
			 struct uaccel_cipher_req *req)
{
	struct vcrypto_device *vc = vcrypto_of(udev);
	struct vcrypto_op *op;
	int ret;

	op = vcrypto_build(req);
	if (IS_ERR(op))
		return PTR_ERR(op);
	ret = vcrypto_queue(vc, vc->data_vq, op, op->sgs, op->nout, op->nin,
			    true, false);
	if (ret) {
		if (ret == -EAGAIN)
			ret = -ETIMEDOUT;
		goto out_free;
	}
	vcrypto_count(vc, req->length);
	ret = vcrypto_wait(vc, op);
	if (!ret)
		ret = vcrypto_op_result(vc, op, req);
	else
		atomic64_inc(&vc->errors);
out_free:
	vcrypto_op_free(op);
	return ret;
}

/*
 * Queued, and notified with the batch's last request; a request that
 * fails notifies the device of those queued before it.  Once queued, the
 * request belongs to the device: its answer may complete and free it
 * before vcrypto_queue() even returns, so nothing of it is read after.
 */
static int vcrypto_submit(struct uaccel_device *udev,
			  struct uaccel_cipher_req *req, bool last)
{
	struct vcrypto_device *vc = vcrypto_of(udev);
	u64 length = req->length;
	struct vcrypto_op *op;
	int ret;

	op = vcrypto_build(req);
	if (IS_ERR(op)) {
		ret = PTR_ERR(op);
		goto err_kick;
	}
	op->req = req;
	ret = vcrypto_queue(vc, vc->data_vq, op, op->sgs, op->nout, op->nin,
			    last, false);
	if (ret) {
		vcrypto_op_free(op);
		/* As for CRYPT: the queue stayed full, the device did not answer. */
		if (ret == -EAGAIN)
			ret = -ETIMEDOUT;
		goto err_kick;
	}
	vcrypto_count(vc, length);
	return 0;

err_kick:
	vcrypto_kick(vc);
	return ret;
}

static int vcrypto_info(struct uaccel_ucmd *ucmd)
{
	struct vcrypto_device *vc = vcrypto_of(uaccel_ucmd_device(ucmd));
	struct uaccel_vcrypto_info *cmd = ucmd->cmd;

	cmd->out_services = vc->services;
	cmd->out_cipher_algo_l = vc->cipher_algo_l;
	cmd->out_cipher_algo_h = vc->cipher_algo_h;
	cmd->out_algs = vc->cops.algs;
	cmd->out_max_dataqueues = vc->max_dataqueues;
	cmd->out_max_cipher_key_len = vc->max_cipher_key_len;
	cmd->out_max_size = vc->max_size;
	cmd->out_max_length = vc->cops.max_length;
	mutex_lock(&vc->ctrl_lock);
	cmd->out_max_sessions = vc->max_sessions;
	cmd->out_sessions_active = vc->nr_sessions;
	mutex_unlock(&vc->ctrl_lock);
	cmd->out_requests = atomic64_read(&vc->requests);
	cmd->out_bytes = atomic64_read(&vc->bytes);
	cmd->out_errors = atomic64_read(&vc->errors);
	cmd->out_session_errors = atomic64_read(&vc->session_errors);
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

static const struct uaccel_ioctl_op vcrypto_info_ops[] = {
	UACCEL_IOCTL_OP(UACCEL_VCRYPTO_INFO, struct uaccel_vcrypto_info,
			out_session_errors, 0, 1, vcrypto_info),
};

static const struct uaccel_facet vcrypto_info_facet = {
	.name = UACCEL_VCRYPTO_FACET,
	.min_version = 1,
	.max_version = 1,
	.ops = vcrypto_info_ops,
	.num_ops = ARRAY_SIZE(vcrypto_info_ops),
};

/**
 * vcrypto_setup_facets() - the operations of a device's accelerator
 * @vc: the device
 * @algs: the algorithms it serves, BIT(enum uaccel_cipher_alg)
 * @max_length: its longest request
 *
 * Per device, since "cipher.uaccel" reports what the device serves.
 */
void vcrypto_setup_facets(struct vcrypto_device *vc, u32 algs, u64 max_length)
{
	vc->cops = (struct uaccel_cipher_ops) {
		.algs = algs,
		.max_length = max_length,
		.session_priv_size = sizeof(struct vcrypto_session),
		.session_create = vcrypto_session_create,
		.session_destroy = vcrypto_session_destroy,
		.crypt = vcrypto_crypt,
		.submit = vcrypto_submit,
	};
	vc->cipher_facet = (struct uaccel_facet)UACCEL_CIPHER_FACET_INIT(&vc->cops);
	vc->facets[0] = &vc->cipher_facet;
	vc->facets[1] = &vcrypto_info_facet;
	vc->facets[2] = NULL;
	vc->uops = (struct uaccel_ops) {
		.owner = THIS_MODULE,
		.driver_name = "vcrypto",
		.facets = vc->facets,
		.shut = vcrypto_shut,
	};
}
