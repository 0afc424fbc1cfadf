// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_edu: the facets "factorial.uaccel" (the core's commands, shared
 * with the soft device, on the device's factorial unit) and
 * "dma.edu.uaccel"; and edu_facets, the list an edu device serves.
 */
#include <linux/kcov.h>

#include "edu_dev.h"

static struct edu_device *edu_of(struct uaccel_ucmd *ucmd)
{
	return uaccel_priv(uaccel_ucmd_device(ucmd));
}

static int edu_factorial_compute(struct uaccel_device *udev, u32 n, u32 *result)
{
	return edu_factorial(uaccel_priv(udev), n, result, true);
}

/*
 * Executes the pending requests in order, each inside a section of the
 * accelerator: removal waits for the one in hand, and edu_shut() cancels
 * the others.
 */
void edu_async_work(struct work_struct *work)
{
	struct edu_device *edu = container_of(work, struct edu_device, async_work);
	struct uaccel_factorial_req *req;
	u32 result = 0;
	int ret, idx;

	kcov_remote_start_common(READ_ONCE(edu->async_kcov_handle));
	for (;;) {
		if (!uaccel_device_enter(edu->udev, &idx))
			break;
		spin_lock(&edu->async_lock);
		req = list_first_entry_or_null(&edu->async_list,
					       struct uaccel_factorial_req, list);
		if (req)
			list_del(&req->list);
		spin_unlock(&edu->async_lock);
		if (req) {
			ret = edu_factorial(edu, req->value, &result, false);
			uaccel_factorial_complete(req, ret, result);
		}
		uaccel_device_exit(edu->udev, idx);
		if (!req)
			break;
		cond_resched();
	}
	kcov_remote_stop();
}

/*
 * The accelerator stopped (edu_shut()): the pending requests complete
 * with ECANCELED.  A submission that saw it alive has queued its request
 * before this takes the lock; a later one fails.
 */
void edu_async_cancel(struct edu_device *edu)
{
	struct uaccel_factorial_req *req, *tmp;
	LIST_HEAD(cancelled);

	spin_lock(&edu->async_lock);
	list_splice_init(&edu->async_list, &cancelled);
	spin_unlock(&edu->async_lock);
	list_for_each_entry_safe(req, tmp, &cancelled, list)
		uaccel_factorial_complete(req, -ENODEV, 0);
}

/* Queued for edu_async_work(); the core reserved the CQ slot. */
static int edu_factorial_submit(struct uaccel_device *udev,
				struct uaccel_factorial_req *req)
{
	struct edu_device *edu = uaccel_priv(udev);

	spin_lock(&edu->async_lock);
	if (edu_stopped(edu)) {
		spin_unlock(&edu->async_lock);
		return -ENODEV;
	}
	list_add_tail(&req->list, &edu->async_list);
	WRITE_ONCE(edu->async_kcov_handle, kcov_common_handle());
	spin_unlock(&edu->async_lock);
	queue_work(system_unbound_wq, &edu->async_work);
	return 0;
}

static const struct uaccel_factorial_ops edu_factorial_ops = {
	.compute = edu_factorial_compute,
	.submit = edu_factorial_submit,
};

static const struct uaccel_facet edu_factorial_facet =
	UACCEL_FACTORIAL_FACET_INIT(&edu_factorial_ops);

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
	UACCEL_IOCTL_OP_WAITS(UACCEL_EDU_DMA_TO_DEVICE, struct uaccel_edu_dma,
			      length, 0, 1, edu_dma_to_device),
	UACCEL_IOCTL_OP_WAITS(UACCEL_EDU_DMA_FROM_DEVICE, struct uaccel_edu_dma,
			      length, 0, 1, edu_dma_from_device),
};

static const struct uaccel_facet edu_dma_facet = {
	.name = UACCEL_EDU_DMA_FACET,
	.min_version = 1,
	.max_version = 1,
	.ops = edu_dma_ops,
	.num_ops = ARRAY_SIZE(edu_dma_ops),
};

/* The facets of an edu device (uaccel_ops.facets). */
const struct uaccel_facet *const edu_facets[] = {
	&edu_factorial_facet,
	&edu_dma_facet,
	NULL,
};
