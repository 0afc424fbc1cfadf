// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Contexts: opening a device's node (checked to be that device's) with the
 * reason in words when it fails, closing it, QUERY_DEVICE and the
 * context's asynchronous events.  The objects of a context are in verbs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uaccel/uaccel.h>

#include "internal.h"

static void explain_open_error(const char *name, const char *node, int err)
{
	switch (err) {
	case EBUSY:
		accel_set_error("%s: the device is in exclusive use: its sysfs attribute \"exclusive\" is 1 and another context is open; it is free again when that one is closed",
				name);
		break;
	case EACCES:
		accel_set_error("%s: no permission to open %s: the group \"accel\" has access to every accelerator (udev rules of uaccel)",
				name, node);
		break;
	case EPERM:
		accel_set_error("%s: opening %s is not permitted (device cgroup or security policy)",
				name, node);
		break;
	case ENODEV:
		accel_set_error("%s: the device is gone", name);
		break;
	default:
		accel_set_error("%s: cannot open %s: %s", name, node, strerror(err));
		break;
	}
}

/*
 * The file at dev->node may have changed since the listing (another
 * device's node put in its place): a context on another device would have
 * the wrong provider drive that device.  The opened file is checked with
 * fstat(), so no swap between a check and the open() can slip through.
 */
static struct accel_context *open_node(const struct accel_device *dev)
{
	struct accel_context *ctx;
	char why[PATH_MAX + 512];
	struct stat st;
	int fd;

	fd = open(dev->node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		/* Not its node any more: whatever refused, it was not this device. */
		if (!stat(dev->node, &st) && accel_wrong_node(dev, dev->node, &st, why,
							      sizeof(why))) {
			accel_set_error("%s: the node changed since the device was listed",
					why);
			errno = ENODEV;
			return NULL;
		}
		/* The node of a device that went away: say so. */
		if (err == ENOENT || err == ENXIO)
			err = ENODEV;
		explain_open_error(dev->name, dev->node, err);
		errno = err;
		return NULL;
	}
	if (fstat(fd, &st))
		snprintf(why, sizeof(why), "%s: fstat of %s: %s", dev->name, dev->node,
			 strerror(errno));
	else if (!accel_wrong_node(dev, dev->node, &st, why, sizeof(why)))
		why[0] = '\0';
	if (why[0]) {
		close(fd);
		accel_set_error("%s: the node changed since the device was listed", why);
		errno = ENODEV;
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	ctx->fd = fd;
	snprintf(ctx->name, sizeof(ctx->name), "%s", dev->name);
	snprintf(ctx->driver, sizeof(ctx->driver), "%s", dev->driver);
	ctx->provider = accel_load_provider(dev->driver);
	return ctx;
}

ACCEL_EXPORT struct accel_context *accel_open_device(const struct accel_device *dev)
{
	if (!dev) {
		errno = EINVAL;
		return NULL;
	}
	return open_node(dev);
}

/* Reads only the named device from sysfs, not the whole list. */
ACCEL_EXPORT struct accel_context *accel_open_device_by_name(const char *name)
{
	struct accel_context *ctx;
	struct accel_device *dev;
	char why[PATH_MAX + 512];
	int err;

	if (!name) {
		errno = EINVAL;
		return NULL;
	}
	dev = accel_read_device(name, why, sizeof(why));
	if (!dev) {
		err = errno;
		accel_set_error("%s", why);
		errno = err;
		return NULL;
	}
	ctx = open_node(dev);
	err = errno;
	accel_free_device(dev);
	if (!ctx)
		errno = err;
	return ctx;
}

ACCEL_EXPORT int accel_close_device(struct accel_context *ctx)
{
	int ret = 0;

	if (!ctx)
		return 0;
	if (close(ctx->fd))
		ret = -errno;
	free(ctx);
	return ret;
}

ACCEL_EXPORT int accel_context_fd(const struct accel_context *ctx)
{
	return ctx->fd;
}

ACCEL_EXPORT int accel_query_device(struct accel_context *ctx,
				    struct accel_device_attr *attr,
				    size_t attr_size)
{
	struct uaccel_query_device cmd = { .size = sizeof(cmd) };
	struct accel_device_attr out = { 0 };

	if (!ctx || !attr || attr_size < sizeof(out))
		return -EINVAL;
	if (ioctl(ctx->fd, UACCEL_IOCTL_QUERY_DEVICE, &cmd))
		return -errno;

	memcpy(out.name, cmd.name, sizeof(out.name));
	out.name[sizeof(out.name) - 1] = '\0';
	memcpy(out.driver, cmd.driver, sizeof(out.driver));
	out.driver[sizeof(out.driver) - 1] = '\0';
	out.abi_version = cmd.abi_version;
	out.index = cmd.index;
	out.vendor_id = cmd.vendor_id;
	out.device_id = cmd.device_id;
	out.numa_node = cmd.numa_node == UACCEL_NUMA_NONE ? ACCEL_NUMA_NONE :
			(int32_t)cmd.numa_node;
	out.num_facets = cmd.num_facets;
	out.dev_caps = cmd.dev_caps;
	memcpy(attr, &out, sizeof(out));
	return 0;
}

ACCEL_EXPORT const char *accel_context_provider(const struct accel_context *ctx)
{
	return ctx->provider ? ctx->provider->driver : NULL;
}

ACCEL_EXPORT int accel_get_event(struct accel_context *ctx, struct accel_event *event)
{
	struct uaccel_event ev;
	ssize_t n;

	if (!ctx || !event)
		return -EINVAL;
	n = read(ctx->fd, &ev, sizeof(ev));
	if (n < 0)
		return -errno;
	if (n != sizeof(ev))
		return -EIO;
	memset(event, 0, sizeof(*event));
	event->type = ev.type;
	event->flags = ev.flags & UACCEL_EVENT_FATAL ? ACCEL_EVENT_FATAL : 0;
	event->queue_id = ev.queue_id;
	event->completed = ev.completed;
	event->flushed = ev.flushed;
	if (ev.type == UACCEL_EVENT_DEVICE_REMOVED)
		accel_dbg("device %s was removed%s\n", ctx->name,
			  ev.flags & UACCEL_EVENT_FATAL ? " after a fatal error" : "");
	return 0;
}
