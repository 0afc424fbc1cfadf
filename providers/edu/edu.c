// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libedu-accelv1.so: the provider of the edu accelerator.
 *
 * The edu device has no submission queues (its work goes through the
 * factorial.uaccel and dma.edu.uaccel facets), so posting is refused; its
 * asynchronous factorials complete into core CQs, which this provider
 * polls from the mapped ring without a system call.
 */
#include <accel/provider.h>
#include <errno.h>

#define EXPORT __attribute__((visibility("default")))

static int edu_post(struct accel_queue *q, const struct accel_wr *wr, int n)
{
	return -EOPNOTSUPP;
}

EXPORT const struct accel_provider_ops accel_provider = {
	.abi_version = ACCEL_PROVIDER_ABI_VERSION,
	.driver = "edu",
	.post = edu_post,
	.poll_cq = accel_poll_cq_ring,
};
