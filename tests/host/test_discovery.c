// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit tests of libaccel discovery against fixture sysfs/dev trees
 * built in a temporary directory (UACCEL_SYSFS_ROOT, UACCEL_DEV_ROOT).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <accel/accel.h>

static char root[PATH_MAX];

static void put_file(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Put a character device node of major:minor at dev/REL; skips without CAP_MKNOD. */
static void put_node(const char *rel, unsigned int major, unsigned int minor)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/dev/%s", root, rel);
	unlink(path);
	if (mknod(path, S_IFCHR | 0600, makedev(major, minor))) {
		if (errno == EPERM)
			skip();	/* the fixture needs real device nodes */
		fail_msg("mknod %s: %s", path, strerror(errno));
	}
}

/*
 * A device laid out as the kernel does: class link ->
 * devices/<parent>/uaccel/<name>, and its node, a character device of
 * major:minor, at dev/uaccel/uaccel<minor>.
 */
static void add_device_num(const char *name, unsigned int major, unsigned int minor,
			   const char *facets)
{
	char rel[512], text[256];

	run("mkdir -p %s/sys/devices/platform/uaccel_soft.%u/uaccel/%s %s/sys/class/uaccel",
	    root, minor, name, root);
	run("ln -s ../../devices/platform/uaccel_soft.%u/uaccel/%s %s/sys/class/uaccel/%s",
	    minor, name, root, name);
	run("ln -s ../../../uaccel_soft.%u %s/sys/devices/platform/uaccel_soft.%u/uaccel/%s/device",
	    minor, root, minor, name);
#define ATTR(a, t) do { \
	snprintf(rel, sizeof(rel), "sys/class/uaccel/%s/%s", name, a); \
	put_file(rel, t); } while (0)
	snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\nDEVNAME=uaccel/uaccel%u\nDEVMODE=0600\n",
		 major, minor, minor);
	ATTR("uevent", text);
	snprintf(text, sizeof(text), "%u:%u\n", major, minor);
	ATTR("dev", text);
	ATTR("driver", "soft\n");
	ATTR("abi_version", "1\n");
	ATTR("numa_node", "-1\n");
	ATTR("facets", facets);
#undef ATTR
	run("mkdir -p %s/dev/uaccel", root);
	snprintf(rel, sizeof(rel), "uaccel/uaccel%u", minor);
	put_node(rel, major, minor);
}

/* Major 246: nothing opens these nodes (ENXIO), only listing looks at them. */
static void add_device(const char *name, unsigned int minor, const char *facets)
{
	add_device_num(name, 246, minor, facets);
}

/* /dev/null's number: a fixture node that opens. */
#define NULL_MAJOR 1
#define NULL_MINOR 3

static int setup(void **state)
{
	char buf[PATH_MAX + 8];

	snprintf(root, sizeof(root), "/tmp/uaccel-fixture.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(buf, sizeof(buf), "%s/sys", root);
	setenv("UACCEL_SYSFS_ROOT", buf, 1);
	snprintf(buf, sizeof(buf), "%s/dev", root);
	setenv("UACCEL_DEV_ROOT", buf, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	unsetenv("ACCEL_PROVIDERS");
	unsetenv("ACCEL_DEVICES");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_no_class_dir_is_empty_list(void **state)
{
	struct accel_device **list;
	int n = -1;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 0);
	assert_null(list[0]);
	accel_free_device_list(list);
}

static void test_lists_devices_sorted_by_minor(void **state)
{
	struct accel_device **list;
	char node[PATH_MAX + 32];
	int n;

	add_device("zeta", 1, "");
	add_device("alpha", 0, "dma.soft.uaccel 1 2 0\ndebug.soft.uaccel 1 1 1\n");
	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 2);
	assert_null(list[2]);
	assert_string_equal(accel_device_name(list[0]), "alpha");
	assert_string_equal(accel_device_name(list[1]), "zeta");
	assert_string_equal(accel_device_driver(list[0]), "soft");
	snprintf(node, sizeof(node), "%s/dev/uaccel/uaccel1", root);
	assert_string_equal(accel_device_node(list[1]), node);
	assert_string_equal(accel_device_parent(list[0]), "platform/uaccel_soft.0");
	assert_int_equal(accel_device_numa_node(list[0]), ACCEL_NUMA_NONE);
	assert_int_equal(accel_device_abi_version(list[0]), 1);
	assert_int_equal(accel_device_num_facets(list[1]), 0);
	assert_int_equal(accel_device_num_facets(list[0]), 2);
	assert_string_equal(accel_device_facet(list[0], 0)->name, "dma.soft.uaccel");
	assert_int_equal(accel_device_facet(list[0], 0)->min_version, 1);
	assert_int_equal(accel_device_facet(list[0], 0)->max_version, 2);
	assert_int_equal(accel_device_facet(list[0], 1)->flags, 1);
	errno = 0;
	assert_null(accel_device_facet(list[0], 2));
	assert_int_equal(errno, EINVAL);
	assert_null(accel_device_facet(list[0], -1));
	accel_free_device_list(list);
	accel_free_device_list(NULL);
}

static void test_half_removed_device_is_skipped(void **state)
{
	struct accel_device **list;
	char path[PATH_MAX + 64];
	int n;

	add_device("gone", 3, "");
	snprintf(path, sizeof(path), "%s/sys/class/uaccel/gone/driver", root);
	assert_int_equal(unlink(path), 0);
	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 0);
	accel_free_device_list(list);
}

/* A malformed device is left out; the good one next to it is listed. */
static void expect_bad_skipped(void)
{
	struct accel_device **list;
	int n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 1);
	assert_string_equal(accel_device_name(list[0]), "good");
	accel_free_device_list(list);
}

static void test_malformed_facets_skipped(void **state)
{
	add_device("good", 1, "");
	add_device("bad", 0, "dma.soft.uaccel 2 1 0\n");	/* min > max */
	expect_bad_skipped();
	put_file("sys/class/uaccel/bad/facets", "dma.soft.uaccel 1\n");
	expect_bad_skipped();
	put_file("sys/class/uaccel/bad/facets", "dma 1 2 0 trailing\n");
	expect_bad_skipped();
}

static void test_malformed_numbers_skipped(void **state)
{
	add_device("good", 1, "");
	add_device("bad", 0, "");
	put_file("sys/class/uaccel/bad/numa_node", "x\n");
	expect_bad_skipped();
	put_file("sys/class/uaccel/bad/numa_node", "-2\n");
	expect_bad_skipped();
	put_file("sys/class/uaccel/bad/numa_node", "0\n");
	put_file("sys/class/uaccel/bad/abi_version", "\n");
	expect_bad_skipped();
	put_file("sys/class/uaccel/bad/abi_version", "1\n");
	put_file("sys/class/uaccel/bad/dev", "246\n");
	expect_bad_skipped();
	put_file("sys/class/uaccel/bad/dev", "246:0 x\n");
	expect_bad_skipped();
}

/* A node absent from this /dev (a container's): the device is not listed. */
static void test_device_without_node_is_skipped(void **state)
{
	static const char *const not_names[] = {
		"", ".", "..", "../uaccel/good", "good/", ".good",
		"p1234567890123456789012345678901234567890123456789012345678901234",
	};
	char msg[3 * PATH_MAX];
	struct accel_device **list;
	int n;

	add_device("good", 1, "");
	add_device("bad", 0, "");
	run("rm %s/dev/uaccel/uaccel0", root);
	expect_bad_skipped();
	errno = 0;
	assert_null(accel_open_device_by_name("bad"));
	assert_int_equal(errno, ENODEV);
	snprintf(msg, sizeof(msg), "bad: %s/dev/uaccel/uaccel0 is absent; the device is 246:0, "
		 "and no node in %s/dev/uaccel has that number", root, root);
	assert_string_equal(accel_error_message(), msg);
	errno = 0;
	assert_null(accel_open_device_by_name("nosuch"));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(accel_error_message(), "no accelerator named nosuch");
	/* Names no device can have: no path outside the class directory. */
	for (size_t i = 0; i < sizeof(not_names) / sizeof(not_names[0]); i++) {
		errno = 0;
		assert_null(accel_open_device_by_name(not_names[i]));
		assert_int_equal(errno, ENODEV);
		snprintf(msg, sizeof(msg), "no accelerator named %s", not_names[i]);
		assert_string_equal(accel_error_message(), msg);
	}
	list = accel_get_device_list(&n);
	assert_int_equal(n, 1);
	accel_free_device_list(list);
}

static void test_open_missing_node_is_enodev(void **state)
{
	struct accel_device **list;

	add_device("soft0", 0, "");
	list = accel_get_device_list(NULL);
	assert_non_null(list);
	/* The node goes after the listing: the device went away. */
	run("rm %s/dev/uaccel/uaccel0", root);
	errno = 0;
	assert_null(accel_open_device(list[0]));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(accel_error_message(), "soft0: the device is gone");
	accel_free_device_list(list);

	errno = 0;
	assert_null(accel_open_device_by_name("soft0"));
	assert_int_equal(errno, ENODEV);
	errno = 0;
	assert_null(accel_open_device_by_name("nosuch"));
	assert_int_equal(errno, ENODEV);
	errno = 0;
	assert_null(accel_open_device_by_name(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(accel_open_device(NULL));
	assert_int_equal(errno, EINVAL);
}

/* The name of the one listed device and its node below the fixture's /dev. */
static void expect_listed(const char *name, const char *rel)
{
	struct accel_device **list;
	char node[PATH_MAX + 64];
	int n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 1);
	assert_string_equal(accel_device_name(list[0]), name);
	snprintf(node, sizeof(node), "%s/dev/%s", root, rel);
	assert_string_equal(accel_device_node(list[0]), node);
	accel_free_device_list(list);
}

static void expect_none(void)
{
	struct accel_device **list;
	int n = -1;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 0);
	accel_free_device_list(list);
}

/*
 * A container's /dev whose uaccel0 is another device's node ("--device
 * /dev/uaccel/uaccel2:/dev/uaccel/uaccel0"): that node is reported for the
 * device it is, never for the one its path names.
 */
static void test_other_devices_node_at_the_path(void **state)
{
	char msg[3 * PATH_MAX];

	add_device("soft0", 0, "");
	add_device("edu0", 2, "");
	put_node("uaccel/uaccel0", 246, 2);
	run("rm %s/dev/uaccel/uaccel2", root);
	expect_listed("edu0", "uaccel/uaccel0");
	errno = 0;
	assert_null(accel_open_device_by_name("soft0"));
	assert_int_equal(errno, ENODEV);
	snprintf(msg, sizeof(msg), "soft0: %s/dev/uaccel/uaccel0 is device 246:2, not 246:0, "
		 "and no node in %s/dev/uaccel has that number", root, root);
	assert_string_equal(accel_error_message(), msg);

	/* Not a character device at all: neither device has a node. */
	run("rm %s/dev/uaccel/uaccel0 && touch %s/dev/uaccel/uaccel0", root, root);
	run("mkdir %s/dev/uaccel/uaccel2", root);
	expect_none();
}

/* The node under another file name is found; links and directories are not nodes. */
static void test_node_under_another_name(void **state)
{
	add_device("soft0", 0, "");
	run("rm %s/dev/uaccel/uaccel0", root);
	put_node("uaccel/accel-b", 246, 0);
	put_node("uaccel/accel-a", 246, 0);
	put_node("uaccel/other", 246, 9);
	/* The first by name, whatever the directory order. */
	expect_listed("soft0", "uaccel/accel-a");
	/* The usual path holding a plain file does not stop the search. */
	run("touch %s/dev/uaccel/uaccel0", root);
	expect_listed("soft0", "uaccel/accel-a");

	/* A symlink or a node below a directory (by-name, by-path) is not used. */
	run("rm %s/dev/uaccel/accel-a %s/dev/uaccel/accel-b", root, root);
	run("mkdir -p %s/dev/uaccel/by-name %s/dev/real", root, root);
	put_node("uaccel/by-name/soft0", 246, 0);
	put_node("real/node", 246, 0);
	run("ln -s ../real/node %s/dev/uaccel/link", root);
	expect_none();
}

/*
 * Opening checks the opened file: a node swapped for another device's
 * after the listing is refused with ENODEV and the reason.
 */
static void test_open_checks_the_opened_node(void **state)
{
	char node[PATH_MAX + 64], msg[3 * PATH_MAX];
	struct accel_device **list;
	struct accel_context *ctx;

	/* No provider lookup: it is cached per process, test_provider_loading's. */
	setenv("ACCEL_PROVIDERS", "none", 1);
	add_device_num("soft0", NULL_MAJOR, NULL_MINOR, "");
	snprintf(node, sizeof(node), "%s/dev/uaccel/uaccel%u", root, NULL_MINOR);
	list = accel_get_device_list(NULL);
	assert_non_null(list);
	assert_non_null(list[0]);
	ctx = accel_open_device(list[0]);
	assert_non_null(ctx);
	accel_close_device(ctx);

	/* /dev/zero's number: it opens, and is not the device. */
	put_node("uaccel/uaccel3", 1, 5);
	errno = 0;
	assert_null(accel_open_device(list[0]));
	assert_int_equal(errno, ENODEV);
	snprintf(msg, sizeof(msg), "soft0: %s is device 1:5, not 1:3: the node changed since "
		 "the device was listed", node);
	assert_string_equal(accel_error_message(), msg);

	/* A node that does not open (no driver): the reason is still the swap. */
	put_node("uaccel/uaccel3", 246, 7);
	errno = 0;
	assert_null(accel_open_device(list[0]));
	assert_int_equal(errno, ENODEV);
	snprintf(msg, sizeof(msg), "soft0: %s is device 246:7, not 1:3: the node changed since "
		 "the device was listed", node);
	assert_string_equal(accel_error_message(), msg);

	/* A plain file. */
	run("rm %s && touch %s", node, node);
	errno = 0;
	assert_null(accel_open_device(list[0]));
	assert_int_equal(errno, ENODEV);
	snprintf(msg, sizeof(msg), "soft0: %s is not a character device; the device is 1:3: "
		 "the node changed since the device was listed", node);
	assert_string_equal(accel_error_message(), msg);

	/* The right node back: it opens again. */
	put_node("uaccel/uaccel3", NULL_MAJOR, NULL_MINOR);
	ctx = accel_open_device(list[0]);
	assert_non_null(ctx);
	accel_close_device(ctx);
	accel_free_device_list(list);
	unsetenv("ACCEL_PROVIDERS");
	unsetenv("ACCEL_DEVICES");
}

static void test_query_checks_arguments(void **state)
{
	struct accel_device_attr attr;

	assert_int_equal(accel_query_device(NULL, &attr, sizeof(attr)), -EINVAL);
	assert_int_equal(accel_close_device(NULL), 0);
}

/* accelinfo --json over the fixture must be valid JSON with the fields. */
static void test_accelinfo_json(void **state)
{
	add_device("soft0", 0, "dma.soft.uaccel 1 2 0\n");
	add_device("soft1", 1, "debug.soft.uaccel 1 1 3\n");
	/* soft1 has the exclusive attribute, soft0 not (an older kernel). */
	put_file("sys/class/uaccel/soft1/exclusive", "1\n");
	run("'%s' --json | python3 -c 'import json,sys; d=json.load(sys.stdin); "
	    "assert [x[\"name\"] for x in d] == [\"soft0\",\"soft1\"], d; "
	    "assert d[0][\"facets\"][0] == {\"name\":\"dma.soft.uaccel\",\"min_version\":1,\"max_version\":2,\"flags\":0,\"flag_names\":[]}, d; "
	    "assert d[1][\"facets\"][0][\"flag_names\"] == [\"privileged\",\"exclusive\"], d; "
	    "assert \"exclusive\" not in d[0] and d[1][\"exclusive\"] is True, d; "
	    "assert d[1][\"driver\"] == \"soft\" and d[1][\"numa_node\"] == -1, d'",
	    ACCELINFO);
	run("'%s' -d soft1 | grep -qx \"$(printf '\\texclusive:\\t1')\"", ACCELINFO);
	run("'%s' -d soft1 | grep -q 'facet:.*debug.soft.uaccel v1..v1 flags 0x3 (privileged,exclusive)$'",
	    ACCELINFO);
	run("test \"$('%s' -l | tr '\\n' ' ')\" = 'soft0 soft1 '", ACCELINFO);
	run("test \"$('%s' -l -j)\" = '[\"soft0\",\"soft1\"]'", ACCELINFO);
	run("'%s' | grep -q 'facet:.*dma.soft.uaccel v1..v2'", ACCELINFO);
	run("'%s' -d soft1 | grep -c '^soft' | grep -qx 1", ACCELINFO);
	/* Exit status 1 for a device that is not there, 2 for a usage error. */
	run("'%s' -d nosuch 2>/dev/null; test $? -eq 1", ACCELINFO);
	run("'%s' --bogus 2>/dev/null; test $? -eq 2", ACCELINFO);
}

/*
 * Provider loading, in a child each (libaccel caches the result per
 * process): the soft provider from ACCEL_PROVIDER_PATH, one with another
 * private ABI version refused with a warning, a missing one silently
 * skipped, plugins of other private ABIs (file names) named in a warning
 * and never loaded, and ACCEL_PROVIDERS=none.  The node of the fixture has
 * /dev/null's number.
 */
static int provider_of_fixture(const char *dir, const char *mode)
{
	struct accel_context *ctx;
	const char *p;

	if (dir)
		setenv("ACCEL_PROVIDER_PATH", dir, 1);
	if (mode)
		setenv("ACCEL_PROVIDERS", mode, 1);
	ctx = accel_open_device_by_name("soft0");
	if (!ctx)
		return 10;
	p = accel_context_provider(ctx);
	accel_close_device(ctx);
	if (!p)
		return 1;
	return strcmp(p, "soft") ? 11 : 0;
}

static int in_child(const char *dir, const char *mode)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(provider_of_fixture(dir, mode));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * accelinfo -v on the fixture with providers from @dir; what it prints,
 * standard error included, goes to ROOT/out (its status is not checked:
 * the fixture's node is /dev/null's, which a query refuses).
 */
static void accelinfo_out(const char *dir)
{
	run("cd '%s' && ACCEL_PROVIDER_PATH='%s' UACCEL_SYSFS_ROOT='%s/sys' "
	    "UACCEL_DEV_ROOT='%s/dev' '%s' -v > out 2>&1; true",
	    root, dir, root, root, ACCELINFO);
}

static void test_provider_loading(void **state)
{
	char other[PATH_MAX + 8];

	add_device_num("soft0", NULL_MAJOR, NULL_MINOR, "");
	assert_int_equal(in_child(PROVIDER_DIR, NULL), 0);
	assert_int_equal(in_child(PROVIDER_DIR, "none"), 1);
	assert_int_equal(in_child("/nonexistent", NULL), 1);
	assert_int_equal(in_child(BAD_PROVIDER_DIR, NULL), 1);
	/* The refusal says why. */
	accelinfo_out(BAD_PROVIDER_DIR);
	run("grep -q 'has private ABI 99, libaccel needs 1' '%s/out'", root);
	/* A missing provider is silent. */
	accelinfo_out("/nonexistent");
	run("grep -q warning '%s/out'; test $? -eq 1", root);

	/*
	 * Working plugins under the names of other private ABIs (a later one
	 * and 0.1.0's) are not loaded, and each is named.
	 */
	run("mkdir -p '%s/other' && cp '%s/libsoft-accelv1.so' '%s/other/libsoft-accelv2.so' && "
	    "cp '%s/libsoft-accelv1.so' '%s/other/libaccel-soft.so' && "
	    "cp '%s/libsoft-accelv1.so' '%s/other/libsoftx-accelv1.so'",
	    root, PROVIDER_DIR, root, PROVIDER_DIR, root, PROVIDER_DIR, root);
	snprintf(other, sizeof(other), "%s/other", root);
	assert_int_equal(in_child(other, NULL), 1);
	accelinfo_out(other);
	run("cd '%s' && "
	    "grep -q 'other/libsoft-accelv2.so is a provider for another libaccel private ABI; "
	    "this libaccel needs libsoft-accelv1.so' out && "
	    "grep -q 'other/libaccel-soft.so is a provider for another' out && "
	    "test $(grep -c warning out) -eq 2", root);
}

/* Device selection (accel_rank_devices(), accel_select_device()). */

#define FACT "fact.uaccel 1 1 0\n"

/* Write sysfs attribute ATTR of device NAME in the fixture. */
static void set_attr(const char *name, const char *attr, const char *text)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "sys/class/uaccel/%s/%s", name, attr);
	put_file(rel, text);
}

/* A fixture device of driver DRIVER, NUMA node NODE and CONTEXTS open (-1: no attribute). */
static void add_sel_device(const char *name, unsigned int minor, const char *driver,
			   int node, int contexts, const char *facets)
{
	char text[32];

	add_device(name, minor, facets);
	snprintf(text, sizeof(text), "%s\n", driver);
	set_attr(name, "driver", text);
	snprintf(text, sizeof(text), "%d\n", node);
	set_attr(name, "numa_node", text);
	set_attr(name, "exclusive", "0\n");
	if (contexts >= 0) {
		snprintf(text, sizeof(text), "%d\n", contexts);
		set_attr(name, "contexts", text);
	}
}

/*
 * Rank the fixture's devices for REQS; ORDER is what is expected, one
 * "name:status" per device, separated by spaces; returns the candidates
 * in c (room for 16).
 */
static int rank_fixture(const struct accel_facet_req *reqs, int nreqs,
			const struct accel_select_attr *attr, struct accel_candidate *c,
			const char *order)
{
	struct accel_device **list;
	char got[1024] = "";
	int n, ok, i;
	size_t len = 0;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_in_range(n, 0, 16);
	ok = accel_rank_devices(list, reqs, nreqs, attr, attr ? sizeof(*attr) : 0, c, 16);
	assert_in_range(ok, 0, n);
	for (i = 0; i < n; i++) {
		assert_true(c[i].status != ACCEL_CANDIDATE_OK || i < ok);
		len += snprintf(got + len, sizeof(got) - len, "%s%s:%u", i ? " " : "",
				accel_device_name(c[i].device), c[i].status);
	}
	assert_string_equal(got, order);
	/* The candidates point into the list, which the caller does not keep. */
	for (i = 0; i < n; i++)
		c[i].device = NULL;
	accel_free_device_list(list);
	return ok;
}

static const struct accel_facet_req fact_req[] = { { "fact.uaccel", 1, 1 } };

/* The facet and version of each device from sysfs, the first request served. */
static void test_select_matches_facets_from_sysfs(void **state)
{
	static const struct accel_facet_req reqs[] = {
		{ "new.uaccel", 2, 3 }, { "old.uaccel", 1, 5 },
	};
	struct accel_candidate c[16];

	add_sel_device("both", 0, "hw", -1, 0, "old.uaccel 1 9 0\nnew.uaccel 1 4 0\n");
	add_sel_device("old", 1, "hw", -1, 0, "old.uaccel 3 4 0\n");
	add_sel_device("tooold", 2, "hw", -1, 0, "new.uaccel 1 1 0\nold.uaccel 6 7 0\n");
	add_sel_device("none", 3, "hw", -1, 0, "other.uaccel 1 1 0\n");
	assert_int_equal(rank_fixture(reqs, 2, NULL, c,
				      "both:0 old:0 tooold:3 none:2"), 2);
	/* The first request served, in the highest version in common. */
	assert_int_equal(c[0].matched, 0);
	assert_int_equal(c[0].version, 3);
	assert_int_equal(c[1].matched, 1);
	assert_int_equal(c[1].version, 4);
	assert_int_equal(c[2].matched, -1);
	assert_int_equal(c[2].version, 0);
	assert_int_equal(c[0].flags, 0);
}

/* Hardware first by default; software first, or either, when asked. */
static void test_select_hardware_before_software(void **state)
{
	struct accel_select_attr attr = { 0 };
	struct accel_candidate c[16];

	add_sel_device("soft0", 0, "soft", -1, 2, FACT);
	add_sel_device("edu0", 1, "edu", -1, 0, FACT);
	add_sel_device("soft1", 2, "soft", -1, 0, FACT);
	rank_fixture(fact_req, 1, NULL, c, "edu0:0 soft1:0 soft0:0");
	assert_int_equal(c[0].flags, 0);
	assert_int_equal(c[1].flags, ACCEL_CANDIDATE_SOFTWARE);
	rank_fixture(fact_req, 1, &attr, c, "edu0:0 soft1:0 soft0:0");
	attr.flags = ACCEL_SELECT_PREFER_SOFTWARE;
	rank_fixture(fact_req, 1, &attr, c, "soft1:0 soft0:0 edu0:0");
	attr.flags = ACCEL_SELECT_ANY_KIND;
	rank_fixture(fact_req, 1, &attr, c, "edu0:0 soft1:0 soft0:0");
	set_attr("edu0", "contexts", "1\n");
	rank_fixture(fact_req, 1, &attr, c, "soft1:0 edu0:0 soft0:0");
}

/*
 * The kernel's distance table, with sparse node numbers (nodeN/distance
 * lists the online nodes in order): distance beats load, unknown ranks
 * last.
 */
static void test_select_numa_distance(void **state)
{
	struct accel_select_attr attr = { .flags = ACCEL_SELECT_NUMA_NODE };
	struct accel_candidate c[16];

	run("mkdir -p %s/sys/devices/system/node/node0 %s/sys/devices/system/node/node2",
	    root, root);
	put_file("sys/devices/system/node/online", "0,2\n");
	put_file("sys/devices/system/node/node0/distance", "10 21\n");
	put_file("sys/devices/system/node/node2/distance", "21 10\n");
	add_sel_device("none", 0, "edu", -1, 0, FACT);
	add_sel_device("far", 1, "edu", 2, 0, FACT);
	add_sel_device("near", 2, "edu", 0, 5, FACT);
	attr.numa_node = 0;
	rank_fixture(fact_req, 1, &attr, c, "near:0 far:0 none:0");
	assert_int_equal(c[0].distance, 10);
	assert_int_equal(c[1].distance, 21);
	assert_int_equal(c[2].distance, -1);
	assert_int_equal(c[0].contexts, 5);
	attr.numa_node = 2;
	rank_fixture(fact_req, 1, &attr, c, "far:0 near:0 none:0");
	assert_int_equal(c[0].distance, 10);
	assert_int_equal(c[1].distance, 21);
	/* A node the table does not have: every distance unknown, load decides. */
	attr.numa_node = 1;
	rank_fixture(fact_req, 1, &attr, c, "none:0 far:0 near:0");
	assert_int_equal(c[0].distance, -1);
	assert_int_equal(c[1].distance, -1);
	/*
	 * Node numbers past the table's end in node/online (beyond any int
	 * too) map no column onto a node of the table.
	 */
	put_file("sys/devices/system/node/online", "0,2,4096,4294967296\n");
	put_file("sys/devices/system/node/node0/distance", "10 21 30 40\n");
	attr.numa_node = 0;
	rank_fixture(fact_req, 1, &attr, c, "near:0 far:0 none:0");
	assert_int_equal(c[0].distance, 10);
	assert_int_equal(c[1].distance, 21);
	put_file("sys/devices/system/node/online", "0,2\n");
	put_file("sys/devices/system/node/node0/distance", "10 21\n");
	/* Hardware or software still comes first. */
	attr.numa_node = 0;
	set_attr("near", "driver", "soft\n");
	rank_fixture(fact_req, 1, &attr, c, "far:0 none:0 near:0");
}

/* The fewest contexts, unknown after known, then the device index. */
static void test_select_load_then_index(void **state)
{
	struct accel_candidate c[16];

	add_sel_device("a", 0, "soft", -1, 3, FACT);
	add_sel_device("b", 1, "soft", -1, -1, FACT);
	add_sel_device("c", 2, "soft", -1, 1, FACT);
	add_sel_device("d", 3, "soft", -1, 1, FACT);
	add_sel_device("e", 4, "soft", -1, 0, FACT);
	rank_fixture(fact_req, 1, NULL, c, "e:0 c:0 d:0 a:0 b:0");
	assert_int_equal(c[0].contexts, 0);
	assert_int_equal(c[4].contexts, -1);
	/* Equal devices: by index, whatever the order of the names. */
	set_attr("a", "contexts", "0\n");
	rank_fixture(fact_req, 1, NULL, c, "a:0 e:0 c:0 d:0 b:0");
}

/* Exclusive with a context open: held; exclusive and idle: selectable. */
static void test_select_skips_held_devices(void **state)
{
	struct accel_candidate c[16];

	add_sel_device("held", 0, "edu", -1, 1, FACT);
	add_sel_device("idle", 1, "edu", -1, 0, FACT);
	add_sel_device("shared", 2, "edu", -1, 2, FACT);
	set_attr("held", "exclusive", "1\n");
	set_attr("idle", "exclusive", "1\n");
	rank_fixture(fact_req, 1, NULL, c, "idle:0 shared:0 held:5");
	assert_int_equal(c[2].contexts, 1);
}

/* A node the caller may not open: left out (as nobody, in a child). */
static void test_select_skips_inaccessible_nodes(void **state)
{
	struct accel_candidate c[16];
	char path[PATH_MAX + 32];
	int status;
	pid_t pid;

	add_sel_device("closed", 0, "edu", -1, 0, FACT);
	add_sel_device("open", 1, "edu", -1, 1, FACT);
	snprintf(path, sizeof(path), "%s/dev/uaccel/uaccel1", root);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(chmod(root, 0755), 0);
	if (geteuid())
		return rank_fixture(fact_req, 1, NULL, c, "open:0 closed:4"), (void)0;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct accel_device **list;
		int n, ok;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		list = accel_get_device_list(&n);
		if (!list || n != 2)
			_exit(11);
		ok = accel_rank_devices(list, fact_req, 1, NULL, 0, c, 16);
		if (ok != 1 || strcmp(accel_device_name(c[0].device), "open") ||
		    c[1].status != ACCEL_CANDIDATE_NO_ACCESS)
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ACCEL_DEVICES pins and excludes by name pattern. */
static void test_select_environment(void **state)
{
	struct accel_selection sel;
	struct accel_candidate c[16];
	char longpat[1200] = "";

	add_sel_device("soft0", 0, "soft", -1, 0, FACT);
	add_sel_device("edu0", 1, "edu", -1, 0, FACT);
	add_sel_device("soft1", 2, "soft", -1, 0, FACT);
	setenv("ACCEL_DEVICES", "!edu0", 1);
	rank_fixture(fact_req, 1, NULL, c, "soft0:0 soft1:0 edu0:1");
	setenv("ACCEL_DEVICES", "soft*,!soft0", 1);
	rank_fixture(fact_req, 1, NULL, c, "soft1:0 soft0:1 edu0:1");
	setenv("ACCEL_DEVICES", "soft1,,edu0", 1);
	rank_fixture(fact_req, 1, NULL, c, "edu0:0 soft1:0 soft0:1");
	setenv("ACCEL_DEVICES", "", 1);
	rank_fixture(fact_req, 1, NULL, c, "edu0:0 soft0:0 soft1:0");
	/* A pattern counts whatever its length: pinned, then excluded. */
	memset(longpat, '*', sizeof(longpat) - 1);
	memcpy(longpat, "!edu", 4);
	setenv("ACCEL_DEVICES", longpat + 1, 1);
	rank_fixture(fact_req, 1, NULL, c, "edu0:0 soft0:1 soft1:1");
	setenv("ACCEL_DEVICES", longpat, 1);
	rank_fixture(fact_req, 1, NULL, c, "soft0:0 soft1:0 edu0:1");
	/* A blank is part of a pattern. */
	setenv("ACCEL_DEVICES", "soft0, edu0", 1);
	rank_fixture(fact_req, 1, NULL, c, "soft0:0 edu0:1 soft1:1");
	/* Nothing left: the message counts the devices left out. */
	setenv("ACCEL_DEVICES", "!*", 1);
	errno = 0;
	assert_null(accel_select_device(fact_req, 1, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(accel_error_message(),
			    "no device to select for fact.uaccel: 3 left out by ACCEL_DEVICES");
	setenv("ACCEL_DEVICES", "soft0", 1);
	set_attr("soft0", "facets", "other 1 1 0\n");
	assert_null(accel_select_device(fact_req, 1, NULL, 0, &sel, sizeof(sel)));
	assert_string_equal(accel_error_message(),
			    "no device to select for fact.uaccel: soft0 serves none of them; 2 left out by ACCEL_DEVICES");
}

static void test_select_checks_arguments(void **state)
{
	struct accel_facet_req bad[] = { { "fact.uaccel", 1, 1 } };
	struct accel_select_attr attr = { 0 };
	unsigned char big[sizeof(attr) + 8] = { 0 };
	struct accel_selection sel;
	struct accel_candidate c[4];
	struct accel_device **list;
	int n;

	add_sel_device("d0", 0, "soft", -1, 0, FACT);
	add_sel_device("d1", 1, "soft", -1, 0, FACT);
	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(accel_rank_devices(list, bad, 1, NULL, 0, c, 2), 2);
	assert_int_equal(accel_rank_devices(list, bad, 1, NULL, 0, c, 1), -ENOSPC);
	assert_int_equal(accel_rank_devices(NULL, bad, 1, NULL, 0, c, 2), -EINVAL);
	assert_int_equal(accel_rank_devices(list, NULL, 1, NULL, 0, c, 2), -EINVAL);
	assert_int_equal(accel_rank_devices(list, bad, 0, NULL, 0, c, 2), -EINVAL);
	bad[0].min_version = 0;
	assert_int_equal(accel_rank_devices(list, bad, 1, NULL, 0, c, 2), -EINVAL);
	bad[0].min_version = 2;
	assert_int_equal(accel_rank_devices(list, bad, 1, NULL, 0, c, 2), -EINVAL);
	bad[0].min_version = 1;
	bad[0].name = "";
	assert_int_equal(accel_rank_devices(list, bad, 1, NULL, 0, c, 2), -EINVAL);
	bad[0].name = "fact.uaccel";
#define RANK_ATTR() accel_rank_devices(list, bad, 1, &attr, sizeof(attr), c, 2)
	attr.flags = 1U << 3;
	assert_int_equal(RANK_ATTR(), -EINVAL);
	attr.flags = ACCEL_SELECT_PREFER_SOFTWARE | ACCEL_SELECT_ANY_KIND;
	assert_int_equal(RANK_ATTR(), -EINVAL);
	attr.flags = ACCEL_SELECT_NUMA_NODE;
	attr.numa_node = -1;
	assert_int_equal(RANK_ATTR(), -EINVAL);
	attr.numa_node = 0;
	assert_int_equal(RANK_ATTR(), 2);
	attr.flags = 0;
	attr.numa_node = 1;
	assert_int_equal(RANK_ATTR(), -EINVAL);
	attr.numa_node = 0;
	attr.reserved = 1;
	assert_int_equal(RANK_ATTR(), -EINVAL);
	attr.reserved = 0;
	attr.facet_flags = 2;
	assert_int_equal(RANK_ATTR(), -EINVAL);
	attr.facet_flags = ACCEL_FACET_CLOEXEC;
	assert_int_equal(RANK_ATTR(), 2);
	assert_int_equal(accel_rank_devices(list, bad, 1, &attr, sizeof(attr) - 1, c, 2),
			 -EINVAL);
	/* A newer caller's larger structure: its tail must be zero. */
	memcpy(big, &attr, sizeof(attr));
	assert_int_equal(accel_rank_devices(list, bad, 1, (void *)big, sizeof(big), c, 2), 2);
	big[sizeof(attr) + 3] = 1;
	assert_int_equal(accel_rank_devices(list, bad, 1, (void *)big, sizeof(big), c, 2),
			 -E2BIG);
#undef RANK_ATTR
	accel_free_device_list(list);

	errno = 0;
	assert_null(accel_select_device(bad, 1, NULL, 0, NULL, sizeof(sel)));
	assert_int_equal(errno, EINVAL);
	assert_null(accel_select_device(bad, 1, NULL, 0, &sel, sizeof(sel) - 1));
	assert_int_equal(errno, EINVAL);
	assert_null(accel_select_device(bad, 0, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, EINVAL);
	attr.flags = 1U << 31;
	assert_null(accel_select_device(bad, 1, &attr, sizeof(attr), &sel, sizeof(sel)));
	assert_int_equal(errno, EINVAL);
}

/*
 * accel_select_device(): nothing selectable is ENODEV and says why for
 * each device; devices that cannot be opened (here nodes of major 246,
 * ENXIO, and /dev/null, which knows no facet) give the best one's error.
 */
static void test_select_device_errors(void **state)
{
	static const struct accel_facet_req reqs[] = {
		{ "fact.uaccel", 1, 1 }, { "legacy", 1, 1 },
	};
	struct accel_selection sel;

	errno = 0;
	assert_null(accel_select_device(reqs, 2, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(accel_error_message(),
			    "no device to select for fact.uaccel or legacy: no accelerator is listed");
	add_sel_device("soft0", 0, "soft", -1, 0, "other 1 1 0\n");
	add_sel_device("soft1", 1, "soft", -1, 1, FACT);
	set_attr("soft1", "exclusive", "1\n");
	add_sel_device("soft2", 2, "soft", -1, 0, "legacy 2 2 0\n");
	assert_null(accel_select_device(reqs, 2, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(accel_error_message(),
			    "no device to select for fact.uaccel or legacy: soft0 serves none of them, soft1 is held exclusively, soft2 serves them in no requested version");
	/* soft3 opens (/dev/null) but has no facet; soft4's node is ENXIO. */
	add_device_num("soft3", NULL_MAJOR, NULL_MINOR, FACT);
	set_attr("soft3", "contexts", "0\n");
	add_sel_device("soft4", 4, "soft", -1, 1, "legacy 1 1 0\n");
	assert_null(accel_select_device(reqs, 2, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENOTTY);
	assert_non_null(strstr(accel_error_message(), "soft3: facet fact.uaccel: "));
}

/*
 * The ENODEV message names every device past 255 characters; when they
 * do not all fit it ends with "..." and still counts those ACCEL_DEVICES
 * leaves out.
 */
static void test_select_none_message_is_whole(void **state)
{
	char name[ACCEL_NAME_MAX], want[1024] = "no device to select for fact.uaccel";
	struct accel_selection sel;
	const char *msg;
	size_t len;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "accel%d", i);
		add_sel_device(name, i, "soft", -1, 0, "other 1 1 0\n");
		len = strlen(want);
		snprintf(want + len, sizeof(want) - len, "%s %s serves none of them",
			 i ? "," : ":", name);
	}
	add_sel_device("excl", 10, "soft", -1, 0, FACT);
	strcat(want, "; 1 left out by ACCEL_DEVICES");
	setenv("ACCEL_DEVICES", "!excl", 1);
	assert_null(accel_select_device(fact_req, 1, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(accel_error_message(), want);

	/* 30 more of 60 characters: about 2500 characters in all. */
	for (i = 11; i < 41; i++) {
		snprintf(name, sizeof(name), "%059d", i);
		add_sel_device(name, i, "soft", -1, 0, "other 1 1 0\n");
	}
	assert_null(accel_select_device(fact_req, 1, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENODEV);
	msg = accel_error_message();
	len = strlen(msg);
	assert_true(len < 1024 && len > 900);
	assert_true(!strncmp(msg, want, strlen(want) - strlen("; 1 left out by ACCEL_DEVICES")));
	assert_string_equal(msg + len - strlen(", ...; 1 left out by ACCEL_DEVICES"),
			    ", ...; 1 left out by ACCEL_DEVICES");
}

/*
 * With ACCEL_DEBUG and a standard error that cannot be written, the error
 * is still the best device's, not the failed write's.
 */
static void test_select_error_survives_debug_output(void **state)
{
	struct accel_context *ctx;
	struct accel_selection sel;
	int full, saved, err;

	add_sel_device("soft0", 0, "soft", -1, 0, FACT);
	add_sel_device("soft1", 1, "soft", -1, 1, FACT);
	full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (full < 0)
		skip();
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(full, STDERR_FILENO), STDERR_FILENO);
	setenv("ACCEL_DEBUG", "1", 1);
	errno = 0;
	ctx = accel_select_device(fact_req, 1, NULL, 0, &sel, sizeof(sel));
	err = errno;
	unsetenv("ACCEL_DEBUG");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(full);
	/* Major 246 opens nowhere: soft0, the best, is gone. */
	assert_null(ctx);
	assert_int_equal(err, ENODEV);
	assert_string_equal(accel_error_message(), "soft0: the device is gone");
}

/* accelinfo --select prints the ranking and the reasons. */
static void test_accelinfo_select(void **state)
{
	add_sel_device("soft0", 0, "soft", -1, 2, FACT);
	add_sel_device("edu0", 1, "edu", -1, -1, "fact.uaccel 1 2 0\n");
	add_sel_device("soft1", 2, "soft", -1, 1, FACT);
	add_sel_device("soft2", 3, "soft", -1, 0, "other 1 1 0\n");
	add_sel_device("soft3", 4, "soft", -1, 1, "legacy 1 1 0\n");
	set_attr("soft3", "exclusive", "1\n");
	run("cd %s && '%s' --select 'fact.uaccel:1-2,legacy' --node 0 > out", root, ACCELINFO);
	put_file("want",
		 "request: fact.uaccel v1..v2, legacy v1..v4294967295\n"
		 "ranked by: hardware first, NUMA distance from node 0 (--node), open contexts, device index\n"
		 "1. edu0: facet fact.uaccel v2; hardware, node -1, distance unknown, contexts unknown  <- selected\n"
		 "2. soft1: facet fact.uaccel v1; software, node -1, distance unknown, 1 context\n"
		 "3. soft0: facet fact.uaccel v1; software, node -1, distance unknown, 2 contexts\n"
		 "-  soft2: not selectable: serves none of the requested facets\n"
		 "-  soft3: not selectable: held exclusively (exclusive 1, a context open)\n");
	run("cd %s && diff -u want out", root);
	run("cd %s && '%s' -s fact.uaccel --prefer-software | sed -n 3p | grep -qx '1. soft1: .*  <- selected'",
	    root, ACCELINFO);
	/* Nothing selectable: exit 1; usage errors: exit 2. */
	run("'%s' -s nothing > /dev/null; test $? -eq 1", ACCELINFO);
	run("'%s' -s 'fact.uaccel:0' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s 'fact.uaccel:2-1' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s ',' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s '' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s 'fact.uaccel,' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s ',fact.uaccel' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s 'fact.uaccel,,legacy' 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s fact.uaccel -v 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' --node 1 2>/dev/null; test $? -eq 2", ACCELINFO);
	run("'%s' -s x --any-kind --prefer-software 2>/dev/null; test $? -eq 2", ACCELINFO);
}

/* The names and drivers of the listing, "name:driver name:driver". */
static void expect_list(const char *want)
{
	struct accel_device **list;
	char got[512] = "";
	int n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s:%s",
			 i ? " " : "", accel_device_name(list[i]), accel_device_driver(list[i]));
	accel_free_device_list(list);
	assert_string_equal(got, want);
}

/*
 * A complete listing is kept while sysfs's kernel/uevent_seqnum stays;
 * a new number, a node changed behind the kernel's back, or a device
 * skipped for want of a node makes the next listing read sysfs again.
 */
static void test_listing_kept_until_a_uevent(void **state)
{
	run("mkdir -p %s/sys/kernel", root);
	put_file("sys/kernel/uevent_seqnum", "7\n");
	add_device("soft0", 0, "");
	expect_list("soft0:soft");
	/* Nothing the kernel announced: the kept listing. */
	put_file("sys/class/uaccel/soft0/driver", "edu\n");
	add_device("soft1", 1, "");
	expect_list("soft0:soft");
	put_file("sys/kernel/uevent_seqnum", "8\n");
	expect_list("soft0:edu soft1:soft");

	/* soft1's path now holds another device's node: read again. */
	put_node("uaccel/uaccel1", 246, 5);
	expect_list("soft0:edu");
	/* That listing skipped soft1, so it was not kept. */
	put_node("uaccel/uaccel1", 246, 1);
	expect_list("soft0:edu soft1:soft");

	/* A node udev has not made yet is looked for at every listing. */
	run("rm %s/dev/uaccel/uaccel1", root);
	put_file("sys/kernel/uevent_seqnum", "9\n");
	expect_list("soft0:edu");
	put_node("uaccel/uaccel1", 246, 1);
	expect_list("soft0:edu soft1:soft");

	/* A number that does not parse: nothing is kept. */
	put_file("sys/kernel/uevent_seqnum", "x\n");
	expect_list("soft0:edu soft1:soft");
	put_file("sys/class/uaccel/soft1/driver", "edu\n");
	expect_list("soft0:edu soft1:edu");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_class_dir_is_empty_list),
		T(test_lists_devices_sorted_by_minor),
		T(test_half_removed_device_is_skipped),
		T(test_malformed_facets_skipped),
		T(test_malformed_numbers_skipped),
		T(test_device_without_node_is_skipped),
		T(test_open_missing_node_is_enodev),
		T(test_other_devices_node_at_the_path),
		T(test_node_under_another_name),
		T(test_open_checks_the_opened_node),
		T(test_query_checks_arguments),
		T(test_accelinfo_json),
		T(test_provider_loading),
		T(test_select_matches_facets_from_sysfs),
		T(test_select_hardware_before_software),
		T(test_select_numa_distance),
		T(test_select_load_then_index),
		T(test_select_skips_held_devices),
		T(test_select_skips_inaccessible_nodes),
		T(test_select_environment),
		T(test_select_checks_arguments),
		T(test_select_device_errors),
		T(test_select_none_message_is_whole),
		T(test_select_error_survives_debug_output),
		T(test_accelinfo_select),
		T(test_listing_kept_until_a_uevent),
	};

	return cmocka_run_group_tests_name("libaccel_discovery", tests, NULL, NULL);
}
