/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * "factorial.uaccel": a facet served with the same uAPI by more than one
 * driver (the soft device computes on the CPU, the edu device in
 * hardware), so one application runs on either through the same name.
 *
 * Results are n! modulo 2^32, the 32-bit arithmetic of the edu device:
 * 13! = 6227020800 reads 1932053504, and n! for n >= 34 reads 0.
 *
 * Commands are _IO(UACCEL_IOCTL_TYPE, nr) on the facet fd and follow the
 * size/flags rules of uaccel.h.
 */
#ifndef _UAPI_UACCEL_FACTORIAL_H
#define _UAPI_UACCEL_FACTORIAL_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <uaccel/uaccel.h>

#define UACCEL_FACTORIAL_FACET		"factorial.uaccel"
#define UACCEL_FACTORIAL_VERSION	1

enum uaccel_factorial_cmd {
	UACCEL_FACTORIAL_COMPUTE = 0,
	UACCEL_FACTORIAL_SUBMIT = 1,
};

/**
 * struct uaccel_factorial_compute - UACCEL_FACTORIAL_IOCTL_COMPUTE
 * @size: sizeof(struct uaccel_factorial_compute)
 * @flags: must be 0
 * @value: n
 * @out_result: n! modulo 2^32
 *
 * Blocks until the result is there.  Users of one device are served in
 * turn.  -EINTR on a signal, -ETIMEDOUT when the device does not answer,
 * -ENODEV when it is removed meanwhile.
 */
struct uaccel_factorial_compute {
	__u32 size;
	__u32 flags;
	__u32 value;
	__u32 out_result;
};

#define UACCEL_FACTORIAL_IOCTL_COMPUTE \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_FACTORIAL_COMPUTE)

/**
 * struct uaccel_factorial_submit - UACCEL_FACTORIAL_IOCTL_SUBMIT
 * @size: sizeof(struct uaccel_factorial_submit)
 * @flags: must be 0
 * @cq_id: a CQ of the context, for the completion
 * @value: n
 * @user_data: returned in the completion
 *
 * Queues the computation and returns at once.  The completion arrives in
 * the CQ with queue_id 0, @user_data, result n! modulo 2^32 and status 0,
 * or ETIMEDOUT (the device did not answer) or ECANCELED (the device was
 * removed first).  A CQ slot is reserved at submission: -ENOSPC when the
 * CQ has no free slot, -ENOENT for an unknown CQ.  While a submission is
 * pending its CQ cannot be destroyed (-EBUSY).
 */
struct uaccel_factorial_submit {
	__u32 size;
	__u32 flags;
	__u32 cq_id;
	__u32 value;
	__aligned_u64 user_data;
};

#define UACCEL_FACTORIAL_IOCTL_SUBMIT \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_FACTORIAL_SUBMIT)

#endif /* _UAPI_UACCEL_FACTORIAL_H */
