// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Facet requests with fallback: the caller lists the facet names it can
 * use, newest first; the first one the device serves in an acceptable
 * version is opened.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <uaccel/uaccel.h>

#include "internal.h"

ACCEL_EXPORT int accel_get_facet(struct accel_context *ctx,
				 const struct accel_facet_req *reqs, int nreqs,
				 unsigned int flags, int *matched,
				 uint32_t *version)
{
	int i, err = -ENOENT;

	if (!ctx || !reqs || nreqs < 1 || flags & ~ACCEL_FACET_CLOEXEC)
		return -EINVAL;

	for (i = 0; i < nreqs; i++) {
		struct uaccel_get_driver_ops_fd c = {
			.size = sizeof(c),
			.min_version = reqs[i].min_version,
			.max_version = reqs[i].max_version,
		};

		if (!reqs[i].name || strlen(reqs[i].name) >= sizeof(c.name))
			return -EINVAL;
		strcpy((char *)c.name, reqs[i].name);
		if (flags & ACCEL_FACET_CLOEXEC)
			c.flags |= UACCEL_FACET_FD_CLOEXEC;
		if (!ioctl(ctx->fd, UACCEL_IOCTL_GET_DRIVER_OPS_FD, &c)) {
			if (matched)
				*matched = i;
			if (version)
				*version = c.out_version;
			return (int)c.out_fd;
		}
		/* Another name may work; other errors are final for this one. */
		if (errno != ENOENT)
			err = -errno;
		if (errno != ENOENT && errno != EPROTONOSUPPORT && errno != EPERM)
			return err;
	}
	return err;
}
