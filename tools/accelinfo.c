// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accelinfo: list uaccel accelerators, their attributes and facets.
 *
 * Listing reads sysfs only, so it works for every user; -v also opens each
 * device and asks the kernel (QUERY_DEVICE), which needs access to the node.
 * A device that cannot be opened or queried is still listed, with the
 * reason, and makes the exit status 1: -v asked for its attributes.
 */
#include <accel/accel.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char prog[] = "accelinfo";

static void usage(void)
{
	printf("usage: accelinfo [-d NAME] [-v] [-j]\n"
	       "List the uaccel accelerators, their attributes and facets.\n"
	       "\n"
	       "  -d, --device NAME  show only this device\n"
	       "  -v, --verbose      also open each device and query the kernel\n"
	       "  -j, --json         print a JSON array instead of text\n"
	       "  -h, --help         print this text and exit\n"
	       "  -V, --version      print the version and exit\n"
	       "\n"
	       "Exit status: 0 success; 1 a device could not be listed, found, opened\n"
	       "or queried; 2 usage error.\n");
}

/* Print s as a JSON string. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Open and query a device: 0, or a negative errno after saying why on stderr. */
static int query(const struct accel_device *dev, struct accel_device_attr *attr)
{
	struct accel_context *ctx = accel_open_device(dev);
	int ret;

	if (!ctx) {
		ret = -errno;
		cli_libaccel_error(prog, -ret);
		return ret;
	}
	ret = accel_query_device(ctx, attr, sizeof(*attr));
	if (ret)
		fprintf(stderr, "%s: %s: query: %s (%s)\n", prog,
			accel_device_name(dev), strerror(-ret), cli_errname(-ret));
	accel_close_device(ctx);
	return ret;
}

/* Print one device; -1 when -v was asked and the query failed. */
static int print_text(const struct accel_device *dev, int verbose)
{
	struct accel_device_attr attr;
	int i, n = accel_device_num_facets(dev);
	int ret;

	printf("%s\n", accel_device_name(dev));
	printf("\tdriver:\t\t%s\n", accel_device_driver(dev));
	printf("\tnode:\t\t%s\n", accel_device_node(dev));
	printf("\tparent:\t\t%s\n", accel_device_parent(dev));
	printf("\tnuma_node:\t%d\n", accel_device_numa_node(dev));
	printf("\tabi_version:\t%u\n", accel_device_abi_version(dev));
	if (!n)
		printf("\tfacets:\t\t(none)\n");
	for (i = 0; i < n; i++) {
		const struct accel_facet_desc *f = accel_device_facet(dev, i);

		printf("\tfacet:\t\t%s v%u..v%u flags 0x%x\n", f->name,
		       f->min_version, f->max_version, f->flags);
	}
	if (!verbose)
		return 0;
	ret = query(dev, &attr);
	if (ret) {
		printf("\tquery:\t\tfailed: %s\n", strerror(-ret));
		return -1;
	}
	printf("\tindex:\t\t%u\n", attr.index);
	printf("\tvendor_id:\t0x%04x\n", attr.vendor_id);
	printf("\tdevice_id:\t0x%04x\n", attr.device_id);
	printf("\tdev_caps:\t0x%llx\n", (unsigned long long)attr.dev_caps);
	return 0;
}

static int print_json(const struct accel_device *dev, int verbose)
{
	struct accel_device_attr attr;
	int i, n = accel_device_num_facets(dev);
	int ret = 0;

	printf("{\"name\":");
	json_str(accel_device_name(dev));
	printf(",\"driver\":");
	json_str(accel_device_driver(dev));
	printf(",\"node\":");
	json_str(accel_device_node(dev));
	printf(",\"parent\":");
	json_str(accel_device_parent(dev));
	printf(",\"numa_node\":%d,\"abi_version\":%u,\"facets\":[",
	       accel_device_numa_node(dev), accel_device_abi_version(dev));
	for (i = 0; i < n; i++) {
		const struct accel_facet_desc *f = accel_device_facet(dev, i);

		printf("%s{\"name\":", i ? "," : "");
		json_str(f->name);
		printf(",\"min_version\":%u,\"max_version\":%u,\"flags\":%u}",
		       f->min_version, f->max_version, f->flags);
	}
	printf("]");
	if (verbose) {
		ret = query(dev, &attr);
		if (ret) {
			printf(",\"query_error\":");
			json_str(strerror(-ret));
		} else {
			printf(",\"index\":%u,\"vendor_id\":%u,\"device_id\":%u,\"dev_caps\":%llu",
			       attr.index, attr.vendor_id, attr.device_id,
			       (unsigned long long)attr.dev_caps);
		}
	}
	printf("}");
	return ret ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *only = NULL;
	int verbose = 0, json = 0, shown = 0, status = 0;
	struct accel_device **list;
	int c, i, n;

	while ((c = getopt_long(argc, argv, "d:vj" CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg)
				return cli_usage_error(prog, "--device: empty device name");
			only = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return cli_parse_common(prog, c, usage);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected operand '%s'", argv[optind]);

	list = accel_get_device_list(&n);
	if (!list) {
		fprintf(stderr, "%s: cannot list devices: %s (%s)\n", prog,
			strerror(errno), cli_errname(errno));
		return CLI_EXIT_FAILURE;
	}
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		if (only && strcmp(only, accel_device_name(list[i])))
			continue;
		if (json) {
			printf("%s", shown ? "," : "");
			if (print_json(list[i], verbose))
				status = CLI_EXIT_FAILURE;
		} else if (print_text(list[i], verbose)) {
			status = CLI_EXIT_FAILURE;
		}
		shown++;
	}
	if (json)
		printf("]\n");
	else if (!shown && !only)
		printf("No uaccel devices found\n");
	accel_free_device_list(list);
	if (only && !shown) {
		fprintf(stderr, "%s: no accelerator named %s\n", prog, only);
		status = CLI_EXIT_FAILURE;
	}
	return cli_finish(prog, status);
}
