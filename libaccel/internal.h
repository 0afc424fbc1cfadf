/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Private declarations of libaccel. */
#ifndef ACCEL_INTERNAL_H
#define ACCEL_INTERNAL_H

#include <accel/accel.h>
#include <accel/provider.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ACCEL_EXPORT __attribute__((visibility("default")))

/* A diagnostic on stderr when ACCEL_DEBUG is set in the environment. */
void accel_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Room for accel_error_message()'s text, its NUL included. */
#define ACCEL_ERROR_MAX 1024

/* Record why a call failed, for accel_error_message() (and ACCEL_DEBUG). */
void accel_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct accel_device {
	char name[ACCEL_NAME_MAX];
	char driver[ACCEL_NAME_MAX];
	char node[PATH_MAX];
	char parent[PATH_MAX];		/* resolved by accel_device_parent() */
	bool parent_read;
	int numa_node;
	unsigned int abi_version;
	unsigned int major, minor;	/* of sysfs "dev" */
	dev_t rdev;			/* the same, as st_rdev of its node */
	int num_facets;
	struct accel_facet_desc *facets;
};

struct accel_context {
	int fd;
	char name[ACCEL_NAME_MAX];
	char driver[ACCEL_NAME_MAX];
	const struct accel_provider_ops *provider;
};

struct accel_pd {
	struct accel_context *ctx;
	uint32_t id;
};

struct accel_mr {
	struct accel_pd *pd;
	uint32_t id;
};

struct accel_dm {
	struct accel_context *ctx;
	uint32_t id;
};

struct accel_cq {
	struct accel_context *ctx;
	uint32_t id;
	void *map;
	size_t map_size;
	struct accel_ring ring;
	struct accel_queue *queues;	/* queues completing here */
};

struct accel_queue {
	struct accel_pd *pd;
	struct accel_cq *cq;
	uint32_t id;
	void *map;
	size_t map_size;
	struct accel_ring ring;
	struct accel_queue *next_on_cq;
};

const struct accel_provider_ops *accel_load_provider(const char *driver);
int accel_destroy_object(struct accel_context *ctx, uint32_t id);

const char *accel_sysfs_root(void);
const char *accel_dev_root(void);

/*
 * Read the sysfs attribute dir/attr into buf (len bytes) without the
 * trailing newline: 0 or -errno (-ENOENT for a device being removed).
 */
int accel_read_attr(const char *dir, const char *attr, char *buf, size_t len);

/*
 * One device by name, its node found as the listing finds it (without the
 * access check: opening it reports that); NULL with errno ENODEV (or
 * ENOMEM) and the reason in why.
 */
struct accel_device *accel_read_device(const char *name, char *why, size_t len);
void accel_free_device(struct accel_device *dev);

/*
 * Whether the file of @st (at @path) is not the node of @dev (a character
 * device with the number of sysfs "dev"); when it is not, why in words
 * for accel_error_message().
 */
bool accel_wrong_node(const struct accel_device *dev, const char *path,
		      const struct stat *st, char *why, size_t len);

#endif /* ACCEL_INTERNAL_H */
