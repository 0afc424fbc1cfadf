/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * libaccel provider plugin interface: private to libaccel and the providers
 * built with it.  This header is not installed, the functions below are in
 * the private symbol version ACCEL_PRIVATE_<ACCEL_PROVIDER_ABI_VERSION>,
 * and a change of anything here bumps ACCEL_PROVIDER_ABI_VERSION, the
 * version node's name in libaccel.map and the plugin file names together.
 *
 * A provider is a shared object "lib<driver>-accelv<N>.so", N being
 * ACCEL_PROVIDER_ABI_VERSION, in the provider directory
 * (ACCEL_PROVIDER_PATH overrides it for programs that are not setuid or
 * setgid).  It exports one symbol, accel_provider, of type struct
 * accel_provider_ops.  libaccel loads it when a context of a device of that
 * driver is opened, and refuses it (with a warning, falling back to the
 * generic path) when it was built for another private ABI: its abi_version
 * is not ACCEL_PROVIDER_ABI_VERSION, or it needs another ACCEL_PRIVATE_<N>
 * node.  Plugins of other numbers found in the directory are named in a
 * warning.
 */
#ifndef ACCEL_PROVIDER_H
#define ACCEL_PROVIDER_H

#include <accel/accel.h>
#include <uaccel/uaccel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The private ABI number: ACCEL_PRIVATE_1, lib<driver>-accelv1.so. */
#define ACCEL_PROVIDER_ABI_VERSION 1

/**
 * struct accel_ring - a ring mapped from the kernel
 * @hdr: the shared header (head, tail, flags)
 * @entries: the first entry
 * @num_entries: number of entries, a power of two
 * @entry_size: bytes per entry
 */
struct accel_ring {
	struct uaccel_ring_header *hdr;
	void *entries;
	uint32_t num_entries;
	uint32_t entry_size;
};

/**
 * struct accel_provider_ops - what a provider implements
 * @abi_version: ACCEL_PROVIDER_ABI_VERSION it was built against
 * @driver: the kernel driver name it serves
 * @post: queue work requests on the mapped ring and ring the doorbell once;
 *	returns the number queued or a negative errno (-EAGAIN when full)
 * @poll_cq: take completions from the mapped CQ ring; returns the number
 *	taken or a negative errno
 */
struct accel_provider_ops {
	uint32_t abi_version;
	const char *driver;
	int (*post)(struct accel_queue *q, const struct accel_wr *wr, int n);
	int (*poll_cq)(struct accel_cq *cq, struct accel_wc *wc, int max);
};

/**
 * accel_queue_ring() - the mapped submission ring of a queue
 * @q: the queue
 *
 * Return: the ring description, valid until the queue is destroyed.
 */
const struct accel_ring *accel_queue_ring(const struct accel_queue *q);

/**
 * accel_cq_ring() - the mapped ring of a CQ
 * @cq: the CQ
 *
 * Return: the ring description, valid until the CQ is destroyed.
 */
const struct accel_ring *accel_cq_ring(const struct accel_cq *cq);

/**
 * accel_poll_cq_ring() - take completions from a CQ's mapped ring
 * @cq: the CQ
 * @wc: room for @max completions
 * @max: at most this many
 *
 * The core's CQ ring format is the same for every driver, so a provider
 * whose device completes into core CQs uses this as its poll_cq: no
 * system call.
 * Return: the number taken, or -EIO when the ring header was corrupted.
 */
int accel_poll_cq_ring(struct accel_cq *cq, struct accel_wc *wc, int max);

/**
 * accel_ring_doorbell() - tell the kernel that a queue's ring tail moved
 * @q: the queue
 *
 * Return: 0 or a negative errno.
 */
int accel_ring_doorbell(struct accel_queue *q);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_PROVIDER_H */
