// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_edu: the facets "factorial.uaccel" (shared with the soft device)
 * and "dma.edu.uaccel".
 */
#include <linux/slab.h>

#include "edu_dev.h"

static struct edu_device *edu_of(struct uaccel_ucmd *ucmd)
{
	return uaccel_priv(uaccel_ucmd_device(ucmd));
}

static int edu_factorial_compute(struct uaccel_ucmd *ucmd)
{
	struct uaccel_factorial_compute *cmd = ucmd->cmd;
	int ret;

	ret = edu_factorial(edu_of(ucmd), cmd->value, &cmd->out_result, true);
	if (ret)
		return ret;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * struct edu_async_req - a pending FACTORIAL_SUBMIT
 * @list: entry in edu->async_list
 * @ctx: its context, referenced until the completion is posted
 * @cq: the CQ, with a use count and a reserved slot
 * @value: n
 * @user_data: for the completion
 */
struct edu_async_req {
	struct list_head list;
	struct uaccel_context *ctx;
	struct uaccel_cq *cq;
	u32 value;
	u64 user_data;
};

static void edu_async_complete(struct edu_async_req *req, int err, u32 result)
{
	struct uaccel_cqe cqe = {
		.user_data = req->user_data,
		.status = err == -ENODEV ? ECANCELED : -err,
		.result = err ? 0 : result,
	};

	uaccel_cq_complete_put(req->cq, &cqe);
	uaccel_context_put(req->ctx);
	kfree(req);
}

/*
 * Executes the pending requests in order, each inside a section of the
 * accelerator: removal waits for the one in hand, and edu_shut() cancels
 * the others.
 */
void edu_async_work(struct work_struct *work)
{
	struct edu_device *edu = container_of(work, struct edu_device, async_work);
	struct edu_async_req *req;
	u32 result = 0;
	int ret, idx;

	for (;;) {
		if (!uaccel_device_enter(edu->udev, &idx))
			return;
		spin_lock(&edu->async_lock);
		req = list_first_entry_or_null(&edu->async_list,
					       struct edu_async_req, list);
		if (req)
			list_del(&req->list);
		spin_unlock(&edu->async_lock);
		if (req) {
			ret = edu_factorial(edu, req->value, &result, false);
			edu_async_complete(req, ret, result);
		}
		uaccel_device_exit(edu->udev, idx);
		if (!req)
			return;
		cond_resched();
	}
}

/*
 * The accelerator stopped (edu_shut()): the pending requests complete
 * with ECANCELED.  A submission that saw it alive has queued its request
 * before this takes the lock; a later one fails.
 */
void edu_async_cancel(struct edu_device *edu)
{
	struct edu_async_req *req, *tmp;
	LIST_HEAD(cancelled);

	spin_lock(&edu->async_lock);
	list_splice_init(&edu->async_list, &cancelled);
	spin_unlock(&edu->async_lock);
	list_for_each_entry_safe(req, tmp, &cancelled, list)
		edu_async_complete(req, -ENODEV, 0);
}

static int edu_factorial_submit(struct uaccel_ucmd *ucmd)
{
	struct uaccel_factorial_submit *cmd = ucmd->cmd;
	struct edu_device *edu = edu_of(ucmd);
	struct edu_async_req *req;
	int ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req)
		return -ENOMEM;
	req->cq = uaccel_cq_get(ucmd->ctx, cmd->cq_id);
	if (IS_ERR(req->cq)) {
		ret = PTR_ERR(req->cq);
		goto err_free;
	}
	req->ctx = ucmd->ctx;
	req->value = cmd->value;
	req->user_data = cmd->user_data;

	spin_lock(&edu->async_lock);
	if (edu_stopped(edu)) {
		ret = -ENODEV;
		goto err_unlock;
	}
	ret = uaccel_cq_reserve(req->cq);
	if (ret)
		goto err_unlock;
	uaccel_context_get(req->ctx);
	list_add_tail(&req->list, &edu->async_list);
	spin_unlock(&edu->async_lock);
	queue_work(system_unbound_wq, &edu->async_work);
	return 0;

err_unlock:
	spin_unlock(&edu->async_lock);
	uaccel_cq_put(req->cq);
err_free:
	kfree(req);
	return ret;
}

static const struct uaccel_ioctl_op edu_factorial_ops[] = {
	UACCEL_IOCTL_OP(UACCEL_FACTORIAL_COMPUTE, struct uaccel_factorial_compute,
			out_result, 0, 1, edu_factorial_compute),
	UACCEL_IOCTL_OP(UACCEL_FACTORIAL_SUBMIT, struct uaccel_factorial_submit,
			user_data, 0, 1, edu_factorial_submit),
};

const struct uaccel_facet edu_factorial_facet = {
	.name = UACCEL_FACTORIAL_FACET,
	.min_version = 1,
	.max_version = UACCEL_FACTORIAL_VERSION,
	.ops = edu_factorial_ops,
	.num_ops = ARRAY_SIZE(edu_factorial_ops),
};

/*
 * Move bytes between an MR and the device buffer: one device transfer per
 * DMA-contiguous piece of the MR range.  Every range is checked here, so
 * the device never sees an address outside the MR or its buffer.  The MR
 * reference keeps it pinned and mapped (DESTROY fails with -EBUSY) until
 * edu_dma() returns, which is only once the device can no longer reach it,
 * also when the caller gave up (signal, timeout, removal).
 */
static int edu_dma_cmd(struct uaccel_ucmd *ucmd, bool to_ram)
{
	struct uaccel_edu_dma *cmd = ucmd->cmd;
	struct edu_device *edu = edu_of(ucmd);
	struct uaccel_mr *mr;
	u64 done = 0, contig;
	dma_addr_t addr;
	int ret;

	if (!cmd->length || cmd->length > UACCEL_EDU_DMA_LIMIT ||
	    cmd->dev_offset >= UACCEL_EDU_DMA_LIMIT ||
	    cmd->length > UACCEL_EDU_DMA_LIMIT - cmd->dev_offset)
		return -EINVAL;
	mr = uaccel_mr_get(ucmd->ctx, cmd->mr);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	ret = uaccel_mr_check(mr, cmd->mr_offset, cmd->length, to_ram);
	if (ret)
		goto out_put;

	uaccel_mr_dma_sync(mr, true);
	while (done < cmd->length) {
		addr = uaccel_mr_dma_addr(mr, cmd->mr_offset + done, &contig);
		contig = min(contig, cmd->length - done);
		ret = edu_dma(edu, addr, cmd->dev_offset + done, contig, to_ram);
		if (ret)
			break;
		done += contig;
	}
	uaccel_mr_dma_sync(mr, false);
out_put:
	uaccel_mr_put(mr);
	return ret;
}

static int edu_dma_to_device(struct uaccel_ucmd *ucmd)
{
	return edu_dma_cmd(ucmd, false);
}

static int edu_dma_from_device(struct uaccel_ucmd *ucmd)
{
	return edu_dma_cmd(ucmd, true);
}

static const struct uaccel_ioctl_op edu_dma_ops[] = {
	UACCEL_IOCTL_OP(UACCEL_EDU_DMA_TO_DEVICE, struct uaccel_edu_dma, length,
			0, 1, edu_dma_to_device),
	UACCEL_IOCTL_OP(UACCEL_EDU_DMA_FROM_DEVICE, struct uaccel_edu_dma, length,
			0, 1, edu_dma_from_device),
};

const struct uaccel_facet edu_dma_facet = {
	.name = UACCEL_EDU_DMA_FACET,
	.min_version = 1,
	.max_version = 1,
	.ops = edu_dma_ops,
	.num_ops = ARRAY_SIZE(edu_dma_ops),
};
