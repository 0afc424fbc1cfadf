// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accelinfo: list uaccel accelerators, their attributes and facets.
 *
 * Listing reads sysfs only, so it works for every user; -v also opens each
 * device and asks the kernel (QUERY_DEVICE), which needs access to the node.
 * A device that cannot be opened or queried is still listed, with the
 * reason, and makes the exit status 1: -v asked for its attributes.
 *
 * --select shows how accel_select_device() would choose a device for a
 * facet request: the ranking of accel_rank_devices(), from sysfs alone.
 */
#include <accel/accel.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uaccel/uaccel.h>

#include "cli.h"

static const char prog[] = "accelinfo";

static void usage(void)
{
	printf("usage: accelinfo [-d NAME] [-v] [-j]\n"
	       "       accelinfo -l [-j]\n"
	       "       accelinfo --select FACETS [--node N] [--prefer-software | --any-kind]\n"
	       "List the uaccel accelerators, their attributes and facets; or rank\n"
	       "them for a facet request as accel_select_device() does, and say why.\n"
	       "\n"
	       "  -d, --device NAME    show only this device\n"
	       "  -v, --verbose        also open each device and query the kernel\n"
	       "  -j, --json           print a JSON array instead of text\n"
	       "  -l, --list           print the device names only, one a line\n"
	       "  -s, --select FACETS  rank the devices for FACETS, a comma-separated\n"
	       "                       list of NAME, NAME:V or NAME:MIN-MAX, preferred\n"
	       "                       first (no versions: any)\n"
	       "  -n, --node N         with --select: near NUMA node N, not the node of\n"
	       "                       the CPU accelinfo runs on\n"
	       "      --prefer-software  with --select: software devices first\n"
	       "      --any-kind       with --select: hardware or software alike\n"
	       "  -h, --help           print this text and exit\n"
	       "  -V, --version        print the version and exit\n"
	       "\n"
	       "Exit status: 0 success (--select: a device can be selected); 1 a device\n"
	       "could not be listed, found, opened or queried (--select: none can be\n"
	       "selected); 2 usage error.\n");
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

/*
 * The sysfs attribute "exclusive" of a device: 0 or 1, or -1 when it
 * cannot be read (a kernel without it).
 */
static int exclusive_state(const struct accel_device *dev)
{
	const char *root = secure_getenv("UACCEL_SYSFS_ROOT");
	char path[4096];
	FILE *f;
	int v = -1;

	/* The sysfs root libaccel lists from (a test fixture's, with the variable). */
	snprintf(path, sizeof(path), "%s/class/uaccel/%s/exclusive",
		 root && *root ? root : "/sys", accel_device_name(dev));
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1 || (v != 0 && v != 1))
		v = -1;
	fclose(f);
	return v;
}

/* The names of the facet flags, "privileged,exclusive"; "" for none. */
static const char *flag_text(uint32_t flags, char *buf, size_t size)
{
	buf[0] = '\0';
	if (flags & UACCEL_FACET_PRIVILEGED)
		snprintf(buf, size, "privileged");
	if (flags & UACCEL_FACET_EXCLUSIVE)
		snprintf(buf + strlen(buf), size - strlen(buf), "%sexclusive", *buf ? "," : "");
	flags &= ~(UACCEL_FACET_PRIVILEGED | UACCEL_FACET_EXCLUSIVE);
	if (flags)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s0x%x", *buf ? "," : "", flags);
	return buf;
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
	int ret, excl = exclusive_state(dev);
	char flags[64];

	printf("%s\n", accel_device_name(dev));
	printf("\tdriver:\t\t%s\n", accel_device_driver(dev));
	printf("\tnode:\t\t%s\n", accel_device_node(dev));
	printf("\tparent:\t\t%s\n", accel_device_parent(dev));
	printf("\tnuma_node:\t%d\n", accel_device_numa_node(dev));
	printf("\tabi_version:\t%u\n", accel_device_abi_version(dev));
	if (excl >= 0)
		printf("\texclusive:\t%d\n", excl);
	if (!n)
		printf("\tfacets:\t\t(none)\n");
	for (i = 0; i < n; i++) {
		const struct accel_facet_desc *f = accel_device_facet(dev, i);

		printf("\tfacet:\t\t%s v%u..v%u flags 0x%x%s%s%s\n", f->name,
		       f->min_version, f->max_version, f->flags,
		       f->flags ? " (" : "", flag_text(f->flags, flags, sizeof(flags)),
		       f->flags ? ")" : "");
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
	int ret = 0, excl = exclusive_state(dev);
	char flags[64], *tok, *rest;

	printf("{\"name\":");
	json_str(accel_device_name(dev));
	printf(",\"driver\":");
	json_str(accel_device_driver(dev));
	printf(",\"node\":");
	json_str(accel_device_node(dev));
	printf(",\"parent\":");
	json_str(accel_device_parent(dev));
	printf(",\"numa_node\":%d,\"abi_version\":%u",
	       accel_device_numa_node(dev), accel_device_abi_version(dev));
	if (excl >= 0)
		printf(",\"exclusive\":%s", excl ? "true" : "false");
	printf(",\"facets\":[");
	for (i = 0; i < n; i++) {
		const struct accel_facet_desc *f = accel_device_facet(dev, i);

		printf("%s{\"name\":", i ? "," : "");
		json_str(f->name);
		printf(",\"min_version\":%u,\"max_version\":%u,\"flags\":%u,\"flag_names\":[",
		       f->min_version, f->max_version, f->flags);
		rest = (char *)flag_text(f->flags, flags, sizeof(flags));
		for (tok = strsep(&rest, ","); tok && *tok; tok = strsep(&rest, ","))
			printf("%s\"%s\"", tok == flags ? "" : ",", tok);
		printf("]}");
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

/* One "NAME[:MIN[-MAX]]" of --select: 0, or -1 when malformed. */
static int parse_req(char *text, struct accel_facet_req *req)
{
	char *colon = strchr(text, ':'), *dash;
	unsigned long lo, hi;

	req->name = text;
	req->min_version = 1;
	req->max_version = UINT32_MAX;
	if (colon) {
		*colon++ = '\0';
		dash = strchr(colon, '-');
		if (dash)
			*dash++ = '\0';
		if (cli_parse_ulong(colon, UINT32_MAX, &lo) || !lo)
			return -1;
		hi = lo;
		if (dash && (cli_parse_ulong(dash, UINT32_MAX, &hi) || hi < lo))
			return -1;
		req->min_version = lo;
		req->max_version = hi;
	}
	return *text && strlen(text) < ACCEL_NAME_MAX ? 0 : -1;
}

static const char *status_text(uint32_t status)
{
	switch (status) {
	case ACCEL_CANDIDATE_EXCLUDED:
		return "left out by ACCEL_DEVICES";
	case ACCEL_CANDIDATE_NO_FACET:
		return "serves none of the requested facets";
	case ACCEL_CANDIDATE_NO_VERSION:
		return "serves a requested facet in no requested version";
	case ACCEL_CANDIDATE_NO_ACCESS:
		return "its node is not accessible to this user";
	case ACCEL_CANDIDATE_HELD:
		return "held exclusively (exclusive 1, a context open)";
	default:
		return "?";
	}
}

/* Print the ranking for --select; the exit status. */
static int print_selection(const char *spec, const struct accel_select_attr *attr)
{
	struct accel_facet_req reqs[16];
	struct accel_candidate *c;
	struct accel_device **list;
	char *text, *tok, *rest;
	int nreqs = 0, n, ok, i;

	if (!*spec)
		return cli_usage_error(prog, "--select: no facet named");
	text = strdup(spec);
	if (!text) {
		fprintf(stderr, "%s: %s\n", prog, strerror(ENOMEM));
		return CLI_EXIT_FAILURE;
	}
	/* Every entry counts: "a,,b" or a trailing comma is malformed. */
	for (rest = text; (tok = strsep(&rest, ","));) {
		if (nreqs == 16 || parse_req(tok, &reqs[nreqs])) {
			free(text);
			return cli_usage_error(prog, "--select: '%s' is not a list of at most 16 NAME, NAME:V or NAME:MIN-MAX (versions 1 to %u)",
					       spec, UINT32_MAX);
		}
		nreqs++;
	}
	list = accel_get_device_list(&n);
	c = list ? calloc(n ? n : 1, sizeof(*c)) : NULL;
	if (!c) {
		fprintf(stderr, "%s: cannot list devices: %s (%s)\n", prog,
			strerror(errno), cli_errname(errno));
		accel_free_device_list(list);
		free(text);
		return CLI_EXIT_FAILURE;
	}
	ok = accel_rank_devices(list, reqs, nreqs, attr, sizeof(*attr), c, n);
	if (ok < 0) {
		fprintf(stderr, "%s: ranking: %s (%s)\n", prog, strerror(-ok),
			cli_errname(-ok));
		goto out;
	}
	printf("request:");
	for (i = 0; i < nreqs; i++)
		printf("%s %s v%u..v%u", i ? "," : "", reqs[i].name,
		       reqs[i].min_version, reqs[i].max_version);
	printf("\nranked by: %s, NUMA distance from ",
	       attr->flags & ACCEL_SELECT_ANY_KIND ? "hardware or software alike" :
	       attr->flags & ACCEL_SELECT_PREFER_SOFTWARE ? "software first" :
	       "hardware first");
	if (attr->flags & ACCEL_SELECT_NUMA_NODE)
		printf("node %d (--node)", attr->numa_node);
	else
		printf("the node of this CPU");
	printf(", open contexts, device index\n");
	for (i = 0; i < n; i++) {
		const char *name = accel_device_name(c[i].device);
		const char *kind = c[i].flags & ACCEL_CANDIDATE_SOFTWARE ?
				   "software" : "hardware";

		if (c[i].status != ACCEL_CANDIDATE_OK) {
			printf("-  %s: not selectable: %s\n", name,
			       status_text(c[i].status));
			continue;
		}
		printf("%d. %s: facet %s v%u; %s, node %d, distance ", i + 1, name,
		       reqs[c[i].matched].name, c[i].version, kind,
		       accel_device_numa_node(c[i].device));
		if (c[i].distance < 0)
			printf("unknown");
		else
			printf("%d", c[i].distance);
		if (c[i].contexts < 0)
			printf(", contexts unknown");
		else
			printf(", %d context%s", c[i].contexts, c[i].contexts == 1 ? "" : "s");
		printf("%s\n", i ? "" : "  <- selected");
	}
	if (!n)
		printf("No uaccel devices found\n");
	else if (!ok)
		printf("no device can be selected\n");
out:
	free(c);
	accel_free_device_list(list);
	free(text);
	return cli_finish(prog, ok > 0 ? 0 : CLI_EXIT_FAILURE);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "select", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "prefer-software", no_argument, NULL, 'S' },
		{ "any-kind", no_argument, NULL, 'A' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct accel_select_attr attr = { 0 };
	const char *only = NULL, *select = NULL;
	unsigned long node;
	int verbose = 0, json = 0, list_only = 0, shown = 0, status = 0;
	struct accel_device **list;
	int c, i, n;

	while ((c = getopt_long(argc, argv, "d:vjls:n:" CLI_COMMON_SHORT, opts, NULL)) != -1) {
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
		case 'l':
			list_only = 1;
			break;
		case 's':
			select = optarg;
			break;
		case 'n':
			if (cli_parse_ulong(optarg, INT32_MAX, &node))
				return cli_usage_error(prog, "--node: '%s' is not a node number",
						       optarg);
			attr.flags |= ACCEL_SELECT_NUMA_NODE;
			attr.numa_node = (int32_t)node;
			break;
		case 'S':
			attr.flags |= ACCEL_SELECT_PREFER_SOFTWARE;
			break;
		case 'A':
			attr.flags |= ACCEL_SELECT_ANY_KIND;
			break;
		default:
			return cli_parse_common(prog, c, usage);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected operand '%s'", argv[optind]);
	if (list_only && (only || verbose || select))
		return cli_usage_error(prog, "--list goes without --device, --verbose and --select");
	if (select && (only || verbose || json))
		return cli_usage_error(prog, "--select goes without --device, --verbose and --json");
	if (!select && attr.flags)
		return cli_usage_error(prog, "--node, --prefer-software and --any-kind go with --select");
	if ((attr.flags & ACCEL_SELECT_PREFER_SOFTWARE) && (attr.flags & ACCEL_SELECT_ANY_KIND))
		return cli_usage_error(prog, "--prefer-software and --any-kind exclude each other");
	if (select)
		return print_selection(select, &attr);

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
		if (list_only && json) {
			printf("%s", shown ? "," : "");
			json_str(accel_device_name(list[i]));
		} else if (list_only) {
			printf("%s\n", accel_device_name(list[i]));
		} else if (json) {
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
	else if (!shown && !only && !list_only)
		printf("No uaccel devices found\n");
	accel_free_device_list(list);
	if (only && !shown) {
		fprintf(stderr, "%s: no accelerator named %s\n", prog, only);
		status = CLI_EXIT_FAILURE;
	}
	return cli_finish(prog, status);
}
