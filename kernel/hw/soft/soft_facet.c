// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_soft: the facets "dma.soft.uaccel" (v1, v2), its legacy name
 * "softdma" (v1), "factorial.uaccel" (v1: the core's commands, shared
 * with the edu device, on the CPU's arithmetic) and the privileged
 * "debug.soft.uaccel" (v1): error injection and fatal device errors,
 * "cipher.uaccel" (v1, soft_cipher.c: the kernel's crypto API); and
 * soft_facets, the list of them a soft device serves.  A new facet is its
 * uAPI header and its definition here, listed in soft_facets.
 */
#include "soft_dev.h"

/* n! modulo 2^32, as the edu device computes it; 0 from 34! on. */
static u32 soft_factorial(u32 n)
{
	u32 r = 1;

	if (n >= 34)
		return 0;
	while (n > 1)
		r *= n--;
	return r;
}

/* The CPU answers at once: SUBMIT posts the completion before returning. */
static int soft_factorial_compute(struct uaccel_device *udev, u32 n, u32 *result)
{
	*result = soft_factorial(n);
	return 0;
}

static const struct uaccel_factorial_ops soft_factorial_ops = {
	.compute = soft_factorial_compute,
};

static const struct uaccel_facet soft_factorial_facet =
	UACCEL_FACTORIAL_FACET_INIT(&soft_factorial_ops);

static int soft_dma_nop(struct uaccel_ucmd *ucmd)
{
	return 0;
}

static int soft_dma_copy(struct uaccel_ucmd *ucmd)
{
	const struct soft_cancel cancel = {
		.udev = uaccel_ucmd_device(ucmd),
		.killable = true,
	};
	struct uaccel_soft_dma_copy *cmd = ucmd->cmd;
	struct uaccel_mr *src, *dst;
	int ret;

	src = uaccel_mr_get(ucmd->ctx, cmd->src_mr);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = uaccel_mr_get(ucmd->ctx, cmd->dst_mr);
	if (IS_ERR(dst)) {
		ret = PTR_ERR(dst);
		goto out_put_src;
	}
	ret = uaccel_mr_check(src, cmd->src_offset, cmd->length, false);
	if (!ret)
		ret = uaccel_mr_check(dst, cmd->dst_offset, cmd->length, true);
	if (!ret)
		ret = soft_mr_copy(dst, cmd->dst_offset, src, cmd->src_offset,
				   cmd->length, &cancel);
	uaccel_mr_put(dst);
out_put_src:
	uaccel_mr_put(src);
	return ret;
}

static int soft_dma_queue_stats(struct uaccel_ucmd *ucmd)
{
	struct uaccel_soft_dma_queue_stats *cmd = ucmd->cmd;
	struct uaccel_queue *q;
	struct soft_queue *sq;

	if (cmd->__reserved)
		return -EINVAL;
	q = uaccel_queue_get(ucmd->ctx, cmd->queue_id);
	if (IS_ERR(q))
		return PTR_ERR(q);
	sq = uaccel_queue_priv(q);
	cmd->out_executed = atomic64_read(&sq->executed);
	cmd->out_stalls = atomic64_read(&sq->stalls);
	cmd->out_doorbells = atomic64_read(&sq->doorbells);
	cmd->out_poll_sleeps = atomic64_read(&sq->poll_sleeps);
	uaccel_queue_put(q);
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

static int soft_dma_crc32c(struct uaccel_ucmd *ucmd)
{
	const struct soft_cancel cancel = {
		.udev = uaccel_ucmd_device(ucmd),
		.killable = true,
	};
	struct uaccel_soft_dma_crc32c *cmd = ucmd->cmd;
	struct uaccel_mr *mr;
	int ret;

	if (cmd->__reserved)
		return -EINVAL;
	mr = uaccel_mr_get(ucmd->ctx, cmd->mr);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	ret = uaccel_mr_check(mr, cmd->offset, cmd->length, false);
	if (!ret)
		ret = soft_mr_crc32c(mr, cmd->offset, cmd->length, cmd->seed,
				     &cmd->out_crc, &cancel);
	if (!ret)
		ret = uaccel_ucmd_respond(ucmd, sizeof(*cmd));
	uaccel_mr_put(mr);
	return ret;
}

static const struct uaccel_ioctl_op soft_dma_ops[] = {
	UACCEL_IOCTL_OP(UACCEL_SOFT_DMA_NOP, struct uaccel_soft_dma_nop, flags,
			0, 1, soft_dma_nop),
	UACCEL_IOCTL_OP_WAITS(UACCEL_SOFT_DMA_COPY, struct uaccel_soft_dma_copy,
			      length, 0, 1, soft_dma_copy),
	UACCEL_IOCTL_OP(UACCEL_SOFT_DMA_QUEUE_STATS,
			struct uaccel_soft_dma_queue_stats, out_stalls, 0, 1,
			soft_dma_queue_stats),
	UACCEL_IOCTL_OP_WAITS(UACCEL_SOFT_DMA_CRC32C,
			      struct uaccel_soft_dma_crc32c, __reserved, 0, 2,
			      soft_dma_crc32c),
};

static const struct uaccel_facet soft_dma_facet = {
	.name = UACCEL_SOFT_DMA_FACET,
	.min_version = 1,
	.max_version = 2,
	.ops = soft_dma_ops,
	.num_ops = ARRAY_SIZE(soft_dma_ops),
};

/* The same commands under the name of the first release, version 1 only. */
static const struct uaccel_facet soft_dma_legacy_facet = {
	.name = UACCEL_SOFT_DMA_LEGACY_FACET,
	.min_version = 1,
	.max_version = 1,
	.ops = soft_dma_ops,
	.num_ops = ARRAY_SIZE(soft_dma_ops),
};

static int soft_debug_inject_error(struct uaccel_ucmd *ucmd)
{
	struct uaccel_soft_debug_inject_error *cmd = ucmd->cmd;
	struct uaccel_queue *q;
	struct soft_queue *sq;

	if (cmd->count > INT_MAX)
		return -EINVAL;
	q = uaccel_queue_get(ucmd->ctx, cmd->queue_id);
	if (IS_ERR(q))
		return PTR_ERR(q);
	sq = uaccel_queue_priv(q);
	atomic_set(&sq->inject_errors, cmd->count);
	uaccel_queue_put(q);
	return 0;
}

static int soft_debug_fatal_error(struct uaccel_ucmd *ucmd)
{
	return soft_fatal_error(uaccel_ucmd_device(ucmd));
}

static const struct uaccel_ioctl_op soft_debug_ops[] = {
	UACCEL_IOCTL_OP(UACCEL_SOFT_DEBUG_INJECT_ERROR,
			struct uaccel_soft_debug_inject_error, count, 0, 1,
			soft_debug_inject_error),
	UACCEL_IOCTL_OP(UACCEL_SOFT_DEBUG_FATAL_ERROR,
			struct uaccel_soft_debug_fatal_error, flags, 0, 1,
			soft_debug_fatal_error),
};

static const struct uaccel_facet soft_debug_facet = {
	.name = UACCEL_SOFT_DEBUG_FACET,
	.min_version = 1,
	.max_version = 1,
	/* Device-wide fault injection: one holder at a time. */
	.flags = UACCEL_FACET_PRIVILEGED | UACCEL_FACET_EXCLUSIVE,
	.ops = soft_debug_ops,
	.num_ops = ARRAY_SIZE(soft_debug_ops),
};

/* The facets of a soft device (uaccel_ops.facets), in the order it lists them. */
const struct uaccel_facet *const soft_facets[] = {
	&soft_dma_facet,
	&soft_dma_legacy_facet,
	&soft_debug_facet,
	&soft_factorial_facet,
	&soft_cipher_facet,
	NULL,
};
