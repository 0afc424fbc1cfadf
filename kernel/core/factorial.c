// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: "factorial.uaccel", one facet served by several drivers
 * (include/uapi/uaccel/factorial.h).
 *
 * The command table, the checks of the arguments, the CQ of a SUBMIT
 * (lookup, a reserved slot, the completion's layout and status) are here,
 * once; a driver gives its operations (struct uaccel_factorial_ops) and
 * lists UACCEL_FACTORIAL_FACET_INIT() of them among its facets.
 */
#include <linux/slab.h>

#include "uaccel_core.h"

static const struct uaccel_factorial_ops *
uaccel_factorial_ops(const struct uaccel_ucmd *ucmd)
{
	/* A facet command: inside the section, the driver's facet is there. */
	return ucmd->ffile->facet->factorial;
}

/* The completion status of an outcome: ECANCELED when the device went. */
static u32 uaccel_factorial_status(int err)
{
	return err == -ENODEV ? ECANCELED : -err;
}

static int uaccel_factorial_compute(struct uaccel_ucmd *ucmd)
{
	struct uaccel_factorial_compute *cmd = ucmd->cmd;
	int ret;

	ret = uaccel_factorial_ops(ucmd)->compute(ucmd->ctx->udev, cmd->value,
						  &cmd->out_result);
	if (ret)
		return ret;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

void uaccel_factorial_complete(struct uaccel_factorial_req *req, int err,
			       u32 result)
{
	struct uaccel_cqe cqe = {
		.user_data = req->user_data,
		.status = uaccel_factorial_status(err),
		.result = err ? 0 : result,
	};

	uaccel_cq_complete_put(req->cq, &cqe);
	uaccel_context_put(req->ctx);
	kfree(req);
}
EXPORT_SYMBOL_GPL(uaccel_factorial_complete);

/*
 * A slot is reserved in the CQ before the driver gets the request, so the
 * completion always has room: -ENOENT for no such CQ, -ENOSPC for a full
 * one.  A driver without submit() computes at once.
 */
static int uaccel_factorial_submit(struct uaccel_ucmd *ucmd)
{
	const struct uaccel_factorial_ops *fops = uaccel_factorial_ops(ucmd);
	struct uaccel_factorial_submit *cmd = ucmd->cmd;
	struct uaccel_device *udev = ucmd->ctx->udev;
	struct uaccel_factorial_req *req;
	struct uaccel_cq *cq;
	u32 result = 0;
	int ret;

	cq = uaccel_cq_get(ucmd->ctx, cmd->cq_id);
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	ret = uaccel_cq_reserve(cq);
	if (ret)
		goto err_put_cq;

	if (!fops->submit) {
		struct uaccel_cqe cqe = { .user_data = cmd->user_data };

		ret = fops->compute(udev, cmd->value, &result);
		cqe.status = uaccel_factorial_status(ret);
		cqe.result = ret ? 0 : result;
		uaccel_cq_complete_put(cq, &cqe);
		return 0;
	}

	/* Charged to the caller's memory cgroup while it is pending. */
	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req) {
		ret = -ENOMEM;
		goto err_unreserve;
	}
	req->value = cmd->value;
	req->user_data = cmd->user_data;
	req->cq = cq;
	req->ctx = ucmd->ctx;
	uaccel_context_get(req->ctx);
	ret = fops->submit(udev, req);
	if (ret)
		goto err_free_req;
	return 0;

err_free_req:
	uaccel_context_put(req->ctx);
	kfree(req);
err_unreserve:
	uaccel_cq_unreserve(cq);
err_put_cq:
	uaccel_cq_put(cq);
	return ret;
}

const struct uaccel_ioctl_op uaccel_factorial_cmds[UACCEL_FACTORIAL_NR_CMDS] = {
	UACCEL_IOCTL_OP_WAITS(UACCEL_FACTORIAL_COMPUTE,
			      struct uaccel_factorial_compute, out_result, 0, 1,
			      uaccel_factorial_compute),
	UACCEL_IOCTL_OP(UACCEL_FACTORIAL_SUBMIT, struct uaccel_factorial_submit,
			user_data, 0, 1, uaccel_factorial_submit),
};
EXPORT_SYMBOL_GPL(uaccel_factorial_cmds);
