/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The version of uaccel that these libaccel headers belong to: the project
 * version, which the modules (modinfo -F version), the tools (--version),
 * the library (accel_version()) and the Debian packages carry as well
 * (tests/pkg/check-packaging.sh checks that they agree).
 *
 * The macros tell what a program was compiled against; accel_version()
 * tells which library it runs with, which may be newer (docs/abi.md).
 * Features are better tested for than versions: a facet by name
 * (accel_get_facet()), a device capability in accel_query_device().
 */
#ifndef ACCEL_VERSION_H
#define ACCEL_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_VERSION_MAJOR	0
#define ACCEL_VERSION_MINOR	1
#define ACCEL_VERSION_PATCH	0
#define ACCEL_VERSION		"0.1.0"

/* A version as one number, for comparisons (each part below 256). */
#define ACCEL_VERSION_CODE(major, minor, patch) \
	(((major) << 16) | ((minor) << 8) | (patch))

/* True when these headers are of version major.minor.patch or later. */
#define ACCEL_CHECK_VERSION(major, minor, patch) \
	(ACCEL_VERSION_CODE(ACCEL_VERSION_MAJOR, ACCEL_VERSION_MINOR, \
			    ACCEL_VERSION_PATCH) >= ACCEL_VERSION_CODE(major, minor, patch))

/**
 * accel_version() - the version of the libaccel a program runs with
 * @major: if not NULL, receives the major version
 * @minor: if not NULL, receives the minor version
 * @patch: if not NULL, receives the patch level
 *
 * Symbol version ACCEL_1.4 (libaccel 0.1.0).
 *
 * Return: the version as a string, such as "0.1.0"; static, never NULL.
 */
const char *accel_version(unsigned int *major, unsigned int *minor,
			  unsigned int *patch);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_VERSION_H */
