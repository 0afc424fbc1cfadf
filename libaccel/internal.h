/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Private declarations of libaccel. */
#ifndef ACCEL_INTERNAL_H
#define ACCEL_INTERNAL_H

#include <accel/accel.h>
#include <limits.h>

#define ACCEL_EXPORT __attribute__((visibility("default")))

struct accel_device {
	char name[ACCEL_NAME_MAX];
	char driver[ACCEL_NAME_MAX];
	char node[PATH_MAX];
	char parent[PATH_MAX];
	int numa_node;
	unsigned int abi_version;
	unsigned int minor;
	int num_facets;
	struct accel_facet_desc *facets;
};

struct accel_context {
	int fd;
	char name[ACCEL_NAME_MAX];
	char driver[ACCEL_NAME_MAX];
};

const char *accel_sysfs_root(void);
const char *accel_dev_root(void);

#endif /* ACCEL_INTERNAL_H */
