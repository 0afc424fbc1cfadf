// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A small libaccel program, built against the installed packages with
 * "pkg-config --cflags --libs libaccel": list the devices, open one by name,
 * get a facet with fallback, query the device and print one line:
 *
 *   NAME: driver DRIVER, index N, facet FACET vVERSION, provider PROVIDER, M devices
 *
 * usage: example [DEVICE]   (default: the first device listed)
 */
#include <accel/accel.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* Newest first; the last entry is served by every soft and edu device. */
	static const struct accel_facet_req reqs[] = {
		{ "dma-v3.soft.uaccel", 1, 1 },
		{ "dma.soft.uaccel", 1, 2 },
		{ "softdma", 1, 1 },
		{ "factorial.uaccel", 1, 1 },
	};
	char name[ACCEL_NAME_MAX] = "";
	struct accel_device_attr attr;
	struct accel_device **list;
	struct accel_context *ctx;
	const char *provider;
	int n, i, fd, which, ret;
	uint32_t version;

	if (argc > 2) {
		fprintf(stderr, "usage: example [DEVICE]\n");
		return 2;
	}
	list = accel_get_device_list(&n);
	if (!list) {
		fprintf(stderr, "example: cannot list devices: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *dev = accel_device_name(list[i]);

		if (argc < 2 || !strcmp(argv[1], dev)) {
			snprintf(name, sizeof(name), "%s", dev);
			break;
		}
	}
	accel_free_device_list(list);
	if (!name[0]) {
		fprintf(stderr, "example: no such device among the %d listed\n", n);
		return 1;
	}

	ctx = accel_open_device_by_name(name);
	if (!ctx) {
		fprintf(stderr, "example: %s\n", accel_error_message());
		return 1;
	}
	fd = accel_get_facet(ctx, reqs, sizeof(reqs) / sizeof(reqs[0]),
			     ACCEL_FACET_CLOEXEC, &which, &version);
	if (fd < 0) {
		fprintf(stderr, "example: %s\n", accel_error_message());
		accel_close_device(ctx);
		return 1;
	}
	ret = accel_query_device(ctx, &attr, sizeof(attr));
	if (ret) {
		fprintf(stderr, "example: query %s: %s\n", name, strerror(-ret));
		close(fd);
		accel_close_device(ctx);
		return 1;
	}
	provider = accel_context_provider(ctx);
	printf("%s: driver %s, index %u, facet %s v%u, provider %s, %d devices\n",
	       attr.name, attr.driver, attr.index, reqs[which].name, version,
	       provider ? provider : "none", n);
	close(fd);
	return accel_close_device(ctx) ? 1 : 0;
}
