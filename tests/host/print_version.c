// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Print the libaccel version as the headers and as the loaded library say:
 * "headers X.Y.Z A B C" and "library X.Y.Z A B C" (tests/pkg/check-packaging.sh).
 */
#include <stdio.h>
#include <accel/accel.h>

int main(void)
{
	unsigned int major = ~0U, minor = ~0U, patch = ~0U;
	const char *v = accel_version(&major, &minor, &patch);

	printf("headers %s %d %d %d\n", ACCEL_VERSION, ACCEL_VERSION_MAJOR,
	       ACCEL_VERSION_MINOR, ACCEL_VERSION_PATCH);
	printf("library %s %u %u %u\n", v, major, minor, patch);
	printf("check %d %d\n", ACCEL_CHECK_VERSION(ACCEL_VERSION_MAJOR, ACCEL_VERSION_MINOR,
						   ACCEL_VERSION_PATCH),
	       ACCEL_CHECK_VERSION(ACCEL_VERSION_MAJOR, ACCEL_VERSION_MINOR + 1, 0));
	return accel_version(NULL, NULL, NULL) == v ? 0 : 1;
}
