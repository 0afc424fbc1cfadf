// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The version of the library: the CMake project version, given by the
 * build (ACCEL_BUILD_VERSION_*), which the installed header must carry too.
 */
#include <accel/accel.h>

#include "internal.h"

_Static_assert(ACCEL_VERSION_MAJOR == ACCEL_BUILD_VERSION_MAJOR &&
	       ACCEL_VERSION_MINOR == ACCEL_BUILD_VERSION_MINOR &&
	       ACCEL_VERSION_PATCH == ACCEL_BUILD_VERSION_PATCH,
	       "include/accel/version.h is not the project version of CMakeLists.txt");

ACCEL_EXPORT const char *accel_version(unsigned int *major, unsigned int *minor,
				       unsigned int *patch)
{
	if (major)
		*major = ACCEL_BUILD_VERSION_MAJOR;
	if (minor)
		*minor = ACCEL_BUILD_VERSION_MINOR;
	if (patch)
		*patch = ACCEL_BUILD_VERSION_PATCH;
	return ACCEL_BUILD_VERSION;
}
