// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A provider whose abi_version is another private ABI's, under this ABI's
 * file name: libaccel must refuse it.
 */
#include <accel/provider.h>

static int no_post(struct accel_queue *q, const struct accel_wr *wr, int n)
{
	return -1;
}

static int no_poll(struct accel_cq *cq, struct accel_wc *wc, int max)
{
	return -1;
}

__attribute__((visibility("default"))) const struct accel_provider_ops accel_provider = {
	.abi_version = ACCEL_PROVIDER_ABI_VERSION + 98,
	.driver = "soft",
	.post = no_post,
	.poll_cq = no_poll,
};
