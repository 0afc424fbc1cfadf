// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * DRM's virtual GEM driver (vgem) for the dma-buf tests, through the raw
 * DRM ioctls (the uAPI headers of libdrm-dev; nothing of libdrm linked).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm.h>

#include "vmtest.h"

int vm_vgem_open(void)
{
	for (int i = 0; i < 64; i++) {
		char path[64], name[32] = "";
		struct drm_version v = { .name_len = sizeof(name) - 1, .name = name };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}
