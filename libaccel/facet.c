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

static void explain_facet_error(const struct accel_context *ctx,
				const char *last, int err)
{
	switch (err) {
	case ENOENT:
		accel_set_error("%s: serves none of the requested facets", ctx->name);
		break;
	case EPROTONOSUPPORT:
		accel_set_error("%s: serves no requested facet in a requested version",
				ctx->name);
		break;
	case EPERM:
		accel_set_error("%s: facet %s is privileged: the opener of the context and the caller both need CAP_SYS_ADMIN",
				ctx->name, last);
		break;
	case EBUSY:
		accel_set_error("%s: facet %s is single-user and an fd of it is open; it is free again when that fd is closed",
				ctx->name, last);
		break;
	default:
		accel_set_error("%s: facet %s: %s", ctx->name, last, strerror(err));
		break;
	}
}

ACCEL_EXPORT int accel_get_facet(struct accel_context *ctx,
				 const struct accel_facet_req *reqs, int nreqs,
				 unsigned int flags, int *matched,
				 uint32_t *version)
{
	const char *err_name = NULL;
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
		if (errno != ENOENT) {
			err = -errno;
			err_name = reqs[i].name;
		}
		if (errno != ENOENT && errno != EPROTONOSUPPORT && errno != EPERM)
			break;
	}
	explain_facet_error(ctx, err_name, -err);
	return err;
}
