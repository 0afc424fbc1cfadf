// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Helpers shared by the in-VM tests. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmtest.h"

int vm_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int vm_sysfs_write(const char *path, const char *text)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

void vm_soft_add(const char *name)
{
	assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/new_device", name), 0);
}

void vm_soft_del(const char *name)
{
	assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", name), 0);
}

void vm_device_node(const char *name, char *buf, size_t len)
{
	struct accel_device **list;
	int i, n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (i = 0; i < n; i++)
		if (!strcmp(accel_device_name(list[i]), name))
			break;
	assert_true(i < n);
	snprintf(buf, len, "%s", accel_device_node(list[i]));
	accel_free_device_list(list);
}

int vm_open_device(const char *name)
{
	char node[256];
	int fd;

	vm_device_node(name, node, sizeof(node));
	fd = open(node, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}
