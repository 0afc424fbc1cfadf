// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Device selection on the real kernel: the sysfs attribute "contexts",
 * and accel_select_device() / accel_rank_devices() with the edu device
 * (hardware) and two soft devices of this test (software), pinned with
 * ACCEL_DEVICES so that the suite's other devices stay out of it: facet
 * matching and fallback, hardware first or software first, load, devices
 * held exclusively or not accessible, the NUMA hint, and falling back to
 * the next device when the best one refuses the facet, and falling back to
 * software when edu is hot-unplugged (QMP).  Run with uaccel_edu loaded.
 *
 * With two NUMA nodes (run-vm.sh: CPU 0 on node 0, CPU 1 on node 1,
 * distance 21; edu0 on pcie.0, without a node; edu1 behind node 1's PCIe
 * expander, on node 1), soft devices placed on a node through
 * new_device's "node=N", and threads pinned to each CPU: the distance rule
 * on the real kernel, for software and for hardware.  A kernel without
 * CONFIG_NUMA sees one node; those tests skip there.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uaccel/factorial.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define SEL0 "sel0"
#define SEL1 "sel1"
/* Soft devices of the NUMA tests, made with a node and deleted after. */
#define NEAR0 "near0"
#define NEAR1 "near1"
#define NODE1_DIR "/sys/devices/system/node/node1"
/* The distances run-vm.sh gives the two nodes. */
#define LOCAL_DISTANCE 10
#define REMOTE_DISTANCE 21

static struct vm_stats base;
static char edu[ACCEL_NAME_MAX];	/* the hot-pluggable edu, at VM_EDU_PCI */
static char edu_node1[ACCEL_NAME_MAX];	/* the other edu, on node 1's expander */
static char pin[3 * ACCEL_NAME_MAX];

static const struct accel_facet_req fact_reqs[] = {
	{ "factorial-v2.uaccel", 1, 1 },
	{ UACCEL_FACTORIAL_FACET, 1, UACCEL_FACTORIAL_VERSION },
};

static int find_edu(void **state)
{
	struct accel_device **list;
	char pci[64];
	int n;

	if (!vm_find_edu(edu, pci)) {
		fprintf(stderr, "# no edu device at %s: load uaccel_edu\n", VM_EDU_PCI);
		return -1;
	}
	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (int i = 0; i < n && !edu_node1[0]; i++)
		if (!strcmp(accel_device_driver(list[i]), "edu") &&
		    strcmp(accel_device_name(list[i]), edu))
			snprintf(edu_node1, sizeof(edu_node1), "%s", accel_device_name(list[i]));
	accel_free_device_list(list);
	snprintf(pin, sizeof(pin), "%s,%s,%s", SEL0, SEL1, edu);
	return 0;
}

/* Each test starts pinned to the three devices, with nothing open. */
static int pin_devices(void **state)
{
	setenv("ACCEL_DEVICES", pin, 1);
	return 0;
}

static long read_number(const char *dev, const char *attr)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/%s", dev, attr);
	vm_sysfs_read(path, buf, sizeof(buf));
	return strtol(buf, NULL, 10);
}

/* The minor of a device, its index: sysfs "dev" is "major:minor". */
static unsigned int minor_of(const char *dev)
{
	char path[256], buf[64];
	unsigned int major, minor;

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/dev", dev);
	vm_sysfs_read(path, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "%u:%u", &major, &minor), 2);
	return minor;
}

static void set_exclusive(const char *dev, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/exclusive", dev);
	assert_int_equal(vm_sysfs_write(path, value), 0);
}

/* Select with @flags; asserts success, @want and facet @matched, returns the fd. */
static struct accel_context *select_ok(const struct accel_facet_req *reqs, int n,
				       uint32_t flags, const char *want, int matched,
				       struct accel_selection *sel)
{
	struct accel_select_attr attr = {
		.flags = flags, .facet_flags = ACCEL_FACET_CLOEXEC,
	};
	struct accel_context *ctx;

	memset(sel, 0xff, sizeof(*sel));
	ctx = accel_select_device(reqs, n, &attr, sizeof(attr), sel, sizeof(*sel));
	if (!ctx)
		fail_msg("selection failed: %s (errno %d)", accel_error_message(), errno);
	assert_string_equal(sel->device, want);
	assert_int_equal(sel->matched, matched);
	assert_true(sel->facet_fd >= 0);
	assert_int_equal(sel->reserved, 0);
	assert_true(fcntl(sel->facet_fd, F_GETFD) & FD_CLOEXEC);
	return ctx;
}

static void close_selection(struct accel_context *ctx, struct accel_selection *sel)
{
	close(sel->facet_fd);
	assert_int_equal(accel_close_device(ctx), 0);
}

/* "contexts" counts contexts whose file or a facet file is open. */
static void test_contexts_attribute(void **state)
{
	struct accel_context *a, *b;
	int f;

	assert_int_equal(read_number(SEL0, "contexts"), 0);
	a = accel_open_device_by_name(SEL0);
	assert_non_null(a);
	assert_int_equal(read_number(SEL0, "contexts"), 1);
	b = accel_open_device_by_name(SEL0);
	assert_non_null(b);
	assert_int_equal(read_number(SEL0, "contexts"), 2);
	assert_int_equal(read_number(SEL1, "contexts"), 0);
	f = vm_open_facet(accel_context_fd(b), UACCEL_SOFT_DMA_FACET);
	assert_int_equal(accel_close_device(b), 0);
	assert_int_equal(read_number(SEL0, "contexts"), 2);
	close(f);
	assert_int_equal(read_number(SEL0, "contexts"), 1);
	assert_int_equal(accel_close_device(a), 0);
	assert_int_equal(read_number(SEL0, "contexts"), 0);
	/* Read-only, for root too. */
	assert_int_equal(vm_sysfs_write("/sys/class/uaccel/" SEL0 "/contexts", "5"), -EACCES);
}

/* Hardware first: edu serves factorial.uaccel, the fallback name, and computes. */
static void test_hardware_first(void **state)
{
	struct uaccel_factorial_compute cmd = { .size = sizeof(cmd), .value = 5 };
	struct accel_selection sel;
	struct accel_context *ctx;

	ctx = select_ok(fact_reqs, 2, 0, edu, 1, &sel);
	assert_int_equal(sel.version, 1);
	assert_int_equal(vm_ioctl(sel.facet_fd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &cmd), 0);
	assert_int_equal(cmd.out_result, 120);
	assert_int_equal(read_number(edu, "contexts"), 1);
	close_selection(ctx, &sel);
	/* With no hints at all, the same. */
	ctx = accel_select_device(fact_reqs, 2, NULL, 0, &sel, sizeof(sel));
	assert_non_null(ctx);
	assert_string_equal(sel.device, edu);
	assert_false(fcntl(sel.facet_fd, F_GETFD) & FD_CLOEXEC);
	close_selection(ctx, &sel);
}

/*
 * Hardware gone, software serves: after a hot unplug of edu (QEMU's
 * device_del, pciehp), the next selection falls back to a soft device,
 * and once edu is plugged in again it is chosen again.
 */
static void test_falls_back_to_software_after_hot_unplug(void **state)
{
	struct uaccel_factorial_compute cmd = { .size = sizeof(cmd), .value = 6 };
	char name[64], pci[64];
	struct accel_selection sel;
	struct accel_context *ctx;

	assert_true(vm_find_edu(name, pci));
	if (!vm_qmp_available() || !vm_edu_has_hotplug_slot(pci)) {
		print_message("# no QMP mailbox or no hotplug slot for %s\n", pci);
		skip();
	}
	ctx = select_ok(fact_reqs, 2, 0, edu, 1, &sel);
	close_selection(ctx, &sel);

	assert_int_equal(vm_edu_qmp_unplug(pci), 0);
	ctx = accel_select_device(fact_reqs, 2, NULL, 0, &sel, sizeof(sel));
	if (!ctx)
		fail_msg("selection failed: %s (errno %d)", accel_error_message(), errno);
	if (strcmp(sel.device, SEL0) && strcmp(sel.device, SEL1))
		fail_msg("selected %s after edu's unplug, not a soft device", sel.device);
	assert_int_equal(sel.matched, 1);
	assert_int_equal(vm_ioctl(sel.facet_fd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &cmd), 0);
	assert_int_equal(cmd.out_result, 720);
	close_selection(ctx, &sel);

	assert_int_equal(vm_edu_qmp_replug(), 0);
	assert_true(vm_wait_edu(name, pci, 30));
	assert_string_equal(name, edu);
	ctx = select_ok(fact_reqs, 2, 0, edu, 1, &sel);
	close_selection(ctx, &sel);
}

/* A facet only software serves: the soft device, whatever the kind rule. */
static void test_facet_decides_before_kind(void **state)
{
	static const struct accel_facet_req dma[] = {
		{ "dma-v3.soft.uaccel", 1, 1 },
		{ UACCEL_SOFT_DMA_FACET, 2, 2 },
		{ UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	};
	struct accel_candidate c[64];
	struct accel_selection sel;
	struct accel_context *ctx;
	struct accel_device **list;
	int n, ok;

	ctx = select_ok(dma, 3, 0, SEL0, 1, &sel);
	assert_int_equal(sel.version, 2);
	close_selection(ctx, &sel);

	list = accel_get_device_list(&n);
	assert_non_null(list);
	ok = accel_rank_devices(list, dma, 3, NULL, 0, c, 64);
	assert_int_equal(ok, 2);
	assert_string_equal(accel_device_name(c[0].device), SEL0);
	assert_string_equal(accel_device_name(c[1].device), SEL1);
	assert_int_equal(c[0].flags, ACCEL_CANDIDATE_SOFTWARE);
	assert_int_equal(c[0].matched, 1);
	assert_int_equal(c[0].version, 2);
	for (int i = ok; i < n; i++) {
		const char *name = accel_device_name(c[i].device);

		assert_int_equal(c[i].status, strcmp(name, edu) ? ACCEL_CANDIDATE_EXCLUDED :
				 ACCEL_CANDIDATE_NO_FACET);
		if (!strcmp(name, edu))
			assert_int_equal(c[i].flags, 0);
	}
	accel_free_device_list(list);
}

/* Software first when asked; then the least loaded; either kind alike. */
static void test_prefer_software_and_load(void **state)
{
	struct accel_context *busy0, *busy1a, *busy1b, *ctx, *ctx2;
	struct accel_selection sel, sel2;

	ctx = select_ok(fact_reqs, 2, ACCEL_SELECT_PREFER_SOFTWARE, SEL0, 1, &sel);
	close_selection(ctx, &sel);
	busy0 = accel_open_device_by_name(SEL0);
	assert_non_null(busy0);
	ctx = select_ok(fact_reqs, 2, ACCEL_SELECT_PREFER_SOFTWARE, SEL1, 1, &sel);
	close_selection(ctx, &sel);
	busy1a = accel_open_device_by_name(SEL1);
	busy1b = accel_open_device_by_name(SEL1);
	assert_non_null(busy1a);
	assert_non_null(busy1b);
	ctx = select_ok(fact_reqs, 2, ACCEL_SELECT_PREFER_SOFTWARE, SEL0, 1, &sel);
	close_selection(ctx, &sel);
	/* Hardware first still picks edu; either kind: the idle edu too. */
	ctx = select_ok(fact_reqs, 2, 0, edu, 1, &sel);
	close_selection(ctx, &sel);
	ctx = select_ok(fact_reqs, 2, ACCEL_SELECT_ANY_KIND, edu, 1, &sel);
	/* Now edu has one context as sel0 has: the lower device index wins. */
	ctx2 = select_ok(fact_reqs, 2, ACCEL_SELECT_ANY_KIND,
			 minor_of(SEL0) < minor_of(edu) ? SEL0 : edu, 1, &sel2);
	close_selection(ctx2, &sel2);
	close_selection(ctx, &sel);
	accel_close_device(busy1b);
	accel_close_device(busy1a);
	accel_close_device(busy0);
}

/* Exclusive and in use: left out; the message says so when nothing is left. */
static void test_held_device_is_skipped(void **state)
{
	static const char held_msg[] = "no device to select for factorial-v2.uaccel or "
		"factorial.uaccel: " SEL0 " is held exclusively; ";
	struct accel_context *holder, *ctx;
	struct accel_selection sel;

	set_exclusive(SEL0, "1");
	ctx = select_ok(fact_reqs, 2, ACCEL_SELECT_PREFER_SOFTWARE, SEL0, 1, &sel);
	close_selection(ctx, &sel);
	holder = accel_open_device_by_name(SEL0);
	assert_non_null(holder);
	ctx = select_ok(fact_reqs, 2, ACCEL_SELECT_PREFER_SOFTWARE, SEL1, 1, &sel);
	close_selection(ctx, &sel);
	setenv("ACCEL_DEVICES", SEL0, 1);
	errno = 0;
	assert_null(accel_select_device(fact_reqs, 2, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, ENODEV);
	/* Each device and why; the ones ACCEL_DEVICES leaves out only counted. */
	assert_true(!strncmp(accel_error_message(), held_msg, strlen(held_msg)));
	assert_non_null(strstr(accel_error_message(), " left out by ACCEL_DEVICES"));
	accel_close_device(holder);
	ctx = select_ok(fact_reqs, 2, 0, SEL0, 1, &sel);
	close_selection(ctx, &sel);
	set_exclusive(SEL0, "0");
}

/* A node the caller may not open is left out (as nobody, in a child). */
static void test_inaccessible_device_is_skipped(void **state)
{
	char node[256];
	struct stat st;
	int pid;

	vm_device_node(SEL1, node, sizeof(node));
	assert_int_equal(stat(node, &st), 0);
	assert_int_equal(chmod(node, 0666), 0);
	pid = vm_fork();
	if (!pid) {
		struct accel_select_attr attr = { .flags = ACCEL_SELECT_PREFER_SOFTWARE };
		struct accel_selection sel;
		struct accel_context *ctx;

		vm_become_user(65534);
		vm_child_check(access(node, R_OK | W_OK) == 0);
		ctx = accel_select_device(fact_reqs, 2, &attr, sizeof(attr), &sel,
					  sizeof(sel));
		vm_child_check(ctx);
		vm_child_check(!strcmp(sel.device, SEL1));
		/* Hardware first: edu is not accessible either. */
		close(sel.facet_fd);
		accel_close_device(ctx);
		ctx = accel_select_device(fact_reqs, 2, NULL, 0, &sel, sizeof(sel));
		vm_child_check(ctx && !strcmp(sel.device, SEL1));
		close(sel.facet_fd);
		accel_close_device(ctx);
		setenv("ACCEL_DEVICES", SEL0, 1);
		vm_child_check(!accel_select_device(fact_reqs, 2, NULL, 0, &sel, sizeof(sel)));
		vm_child_check(errno == ENODEV);
		vm_child_check(strstr(accel_error_message(), SEL0 " is not accessible"));
		_exit(0);
	}
	vm_wait_ok(pid);
	assert_int_equal(chmod(node, st.st_mode & 07777), 0);
}

/*
 * Distance from node @from to node @to in the kernel's table (entries in
 * the order of node/online, which here is 0, 1, ...), -1 when either is
 * not there.
 */
static int table_distance(int from, int to)
{
	char path[128];
	int d = -1;
	FILE *f;

	if (from < 0 || to < 0)
		return -1;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", from);
	f = fopen(path, "r");
	if (!f)
		return -1;
	for (int i = 0; i <= to; i++)
		if (fscanf(f, "%d", &d) != 1) {
			d = -1;
			break;
		}
	fclose(f);
	return d;
}

/*
 * The NUMA hint: distances from the kernel's table for devices with a
 * node (10 to its own node), unknown
 * (-1) for devices without one and for a node the table does not have;
 * selection still works.
 */
static void test_numa_hint(void **state)
{
	struct accel_select_attr attr = { .flags = ACCEL_SELECT_NUMA_NODE };
	struct accel_candidate c[64];
	struct accel_selection sel;
	struct accel_context *ctx;
	struct accel_device **list;
	int n, ok;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	for (int node = 0; node <= 7; node += 7) {
		attr.numa_node = node;
		ok = accel_rank_devices(list, fact_reqs, 2, &attr, sizeof(attr), c, 64);
		assert_int_equal(ok, 3);
		for (int i = 0; i < ok; i++) {
			int dn = accel_device_numa_node(c[i].device);

			assert_int_equal(c[i].distance, table_distance(node, dn));
			if (dn == node)
				assert_int_equal(c[i].distance, LOCAL_DISTANCE);
			assert_int_equal(c[i].contexts, 0);
		}
		assert_string_equal(accel_device_name(c[0].device), edu);
	}
	accel_free_device_list(list);
	attr.numa_node = 7;
	ctx = accel_select_device(fact_reqs, 2, &attr, sizeof(attr), &sel, sizeof(sel));
	assert_non_null(ctx);
	assert_string_equal(sel.device, edu);
	close_selection(ctx, &sel);
}

/*
 * The best device refuses the facet (the soft device's debug facet is
 * single-user and its fd is open): the next one is opened; when none is
 * left, the best one's error.
 */
static void test_falls_back_when_the_facet_is_refused(void **state)
{
	static const struct accel_facet_req dbg[] = { { UACCEL_SOFT_DEBUG_FACET, 1, 1 } };
	struct accel_context *holder, *busy_a, *busy_b, *ctx;
	struct accel_selection sel;
	int f;

	holder = accel_open_device_by_name(SEL0);
	assert_non_null(holder);
	f = vm_open_facet(accel_context_fd(holder), UACCEL_SOFT_DEBUG_FACET);
	/* sel1 is busier, so sel0 ranks first. */
	busy_a = accel_open_device_by_name(SEL1);
	busy_b = accel_open_device_by_name(SEL1);
	assert_non_null(busy_a);
	assert_non_null(busy_b);
	ctx = select_ok(dbg, 1, 0, SEL1, 0, &sel);
	close_selection(ctx, &sel);
	assert_int_equal(read_number(SEL0, "contexts"), 1);
	setenv("ACCEL_DEVICES", SEL0, 1);
	errno = 0;
	assert_null(accel_select_device(dbg, 1, NULL, 0, &sel, sizeof(sel)));
	assert_int_equal(errno, EBUSY);
	assert_non_null(strstr(accel_error_message(), SEL0 ": facet " UACCEL_SOFT_DEBUG_FACET
			       " is single-user"));
	/* Nothing was left open by the failed attempt. */
	assert_int_equal(read_number(SEL0, "contexts"), 1);
	close(f);
	accel_close_device(busy_b);
	accel_close_device(busy_a);
	accel_close_device(holder);
}

/*
 * accelinfo --select (BUILD/tools/accelinfo, beside BUILD/tests): edu
 * first, the soft devices by load; the output is shown as TAP comments.
 */
static void test_accelinfo_select(void **state)
{
	static const char second[] = "2. " SEL1 ": facet factorial.uaccel v1; software, ";
	static const char third[] = "3. " SEL0 ": facet factorial.uaccel v1; software, ";
	char self[512], cmd[1200], line[512], want[256];
	struct accel_context *busy;
	bool status_ok = false;
	int nlines = 0, edu_line = 0, sel1_line = 0, sel0_line = 0;
	ssize_t n;
	FILE *p;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	busy = accel_open_device_by_name(SEL0);
	assert_non_null(busy);
	snprintf(cmd, sizeof(cmd), "'%s/../tools/accelinfo' --select "
		 "'factorial-v2.uaccel,factorial.uaccel:1' 2>&1; echo status $?", self);
	p = popen(cmd, "r");
	assert_non_null(p);
	snprintf(want, sizeof(want), "1. %s: facet factorial.uaccel v1; hardware, ", edu);
	while (fgets(line, sizeof(line), p)) {
		printf("# %s", line);
		nlines++;
		if (!strncmp(line, want, strlen(want)) && strstr(line, "<- selected"))
			edu_line = nlines;
		if (!strncmp(line, second, strlen(second)))
			sel1_line = nlines;
		if (!strncmp(line, third, strlen(third)) && strstr(line, ", 1 context\n"))
			sel0_line = nlines;
		if (!strcmp(line, "status 0\n"))
			status_ok = true;
	}
	assert_int_equal(pclose(p), 0);
	accel_close_device(busy);
	assert_int_equal(edu_line, 3);
	assert_int_equal(sel1_line, 4);
	assert_int_equal(sel0_line, 5);
	assert_true(status_ok);
}

/* new_device's "node=N": bad nodes fail with EINVAL and leave nothing. */
static void test_new_device_node_errors(void **state)
{
	static const char *const bad[] = {
		"bad0 node=64", "bad0 node=-1", "bad0 node=", "bad0 node=x",
		"bad0 node=0x0", "bad0 node=0 node=0", "bad0 bad1 node=0",
		"bad0 node=4294967296", "node=100000",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vm_sysfs_write(SOFT_DRIVER_DIR "/new_device", bad[i]), -EINVAL);
		assert_int_equal(access("/sys/class/uaccel/bad0", F_OK), -1);
	}
	/* The node may come first; a device made on node 0 works. */
	vm_soft_add("node=0 bad0");
	assert_int_equal(access("/sys/class/uaccel/bad0", F_OK), 0);
	vm_soft_del("bad0");
}

/* Whether the guest has a node 1; says why the test skips when not. */
static bool have_node1(void)
{
	if (!access(NODE1_DIR, F_OK))
		return true;
	print_message("# no %s: one NUMA node (a kernel without CONFIG_NUMA), "
		      "the distance rule is not tested here\n", NODE1_DIR);
	return false;
}

/* near1 first, so that the device index favours it over near0. */
static int add_near(void **state)
{
	if (access(NODE1_DIR, F_OK))
		return 0;
	vm_soft_add(NEAR1 " node=1");
	vm_soft_add(NEAR0 " node=0");
	setenv("ACCEL_DEVICES", NEAR0 "," NEAR1, 1);
	return 0;
}

static int del_near(void **state)
{
	cpu_set_t set;

	/* A failed test may have left this thread pinned. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", NEAR0);
	vm_sysfs_write(SOFT_DRIVER_DIR "/delete_device", NEAR1);
	return vm_check_clean(state);
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(sched_getcpu(), cpu);
}

static void unpin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(1, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

/*
 * The devices' nodes in sysfs: edu without one (pcie.0 has no node; the
 * accelerator takes its PCI device's), near0 and near1 where new_device
 * put them, and the kernel's table as run-vm.sh set it.
 */
static void test_numa_nodes_in_sysfs(void **state)
{
	char path[256], buf[64];

	if (!have_node1())
		skip();
	assert_int_equal(read_number(edu, "numa_node"), -1);
	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/device/numa_node", edu);
	vm_sysfs_read(path, buf, sizeof(buf));
	assert_string_equal(buf, "-1\n");
	assert_int_equal(read_number(NEAR0, "numa_node"), 0);
	assert_int_equal(read_number(NEAR1, "numa_node"), 1);
	assert_int_equal(read_number(SEL0, "numa_node"), -1);
	/* edu1: the node of the expander's host bridge (ACPI _PXM). */
	if (!edu_node1[0])
		return;
	assert_int_equal(read_number(edu_node1, "numa_node"), 1);
	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/device/numa_node", edu_node1);
	vm_sysfs_read(path, buf, sizeof(buf));
	assert_string_equal(buf, "1\n");
	assert_int_equal(table_distance(0, 0), LOCAL_DISTANCE);
	assert_int_equal(table_distance(0, 1), REMOTE_DISTANCE);
	assert_int_equal(table_distance(1, 0), REMOTE_DISTANCE);
	assert_int_equal(table_distance(1, 1), LOCAL_DISTANCE);
}

/*
 * Rank the pinned devices from the calling thread: exactly two can be
 * selected, @first at distance @d0, then @second at @d1; their entries
 * into @c.
 */
static void assert_ranked_two(const char *first, int d0, const char *second, int d1,
			      struct accel_candidate c[2])
{
	struct accel_candidate all[64];
	struct accel_device **list;
	int n;

	list = accel_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(accel_rank_devices(list, fact_reqs, 2, NULL, 0, all, 64), 2);
	assert_string_equal(accel_device_name(all[0].device), first);
	assert_int_equal(all[0].distance, d0);
	assert_string_equal(accel_device_name(all[1].device), second);
	assert_int_equal(all[1].distance, d1);
	memcpy(c, all, 2 * sizeof(*c));
	accel_free_device_list(list);
}

/*
 * A thread pinned to CPU 0 selects near0, though near1 has the lower
 * index; one pinned to CPU 1 selects near1, though near1 has a context
 * open and near0 none: distance before load and index.
 */
static void test_pinned_thread_selects_near_device(void **state)
{
	struct accel_context *ctx, *busy;
	struct accel_selection sel;
	struct accel_candidate c[2];

	if (!have_node1())
		skip();
	assert_true(minor_of(NEAR1) < minor_of(NEAR0));

	pin_to_cpu(0);
	ctx = select_ok(fact_reqs, 2, 0, NEAR0, 1, &sel);
	close_selection(ctx, &sel);

	busy = accel_open_device_by_name(NEAR1);
	assert_non_null(busy);
	pin_to_cpu(1);
	ctx = select_ok(fact_reqs, 2, 0, NEAR1, 1, &sel);
	close_selection(ctx, &sel);

	/* The ranking from CPU 1: near1 at 10 with its context, near0 at 21. */
	assert_ranked_two(NEAR1, LOCAL_DISTANCE, NEAR0, REMOTE_DISTANCE, c);
	assert_int_equal(c[0].contexts, 1);
	assert_int_equal(c[1].contexts, 0);
	assert_int_equal(accel_close_device(busy), 0);
	unpin();
}

/*
 * Hardware by distance: pinned to edu0 (no node) and edu1 (node 1), a
 * thread on CPU 1 selects edu1 at distance 10, and so does a thread on
 * CPU 0, at 21: a known distance ranks before an unknown one.  With edu1
 * held exclusively, edu0.
 */
static void test_pinned_thread_selects_near_hardware(void **state)
{
	char pinned[2 * ACCEL_NAME_MAX + 2];
	struct accel_candidate c[2];
	struct accel_selection sel;
	struct accel_context *ctx, *held;

	if (!have_node1())
		skip();
	if (!edu_node1[0]) {
		print_message("# no edu1: the VM has no PCIe expander (run-vm.sh -E)\n");
		skip();
	}
	snprintf(pinned, sizeof(pinned), "%s,%s", edu, edu_node1);
	setenv("ACCEL_DEVICES", pinned, 1);
	for (int cpu = 1; cpu >= 0; cpu--) {
		pin_to_cpu(cpu);
		ctx = select_ok(fact_reqs, 2, 0, edu_node1, 1, &sel);
		close_selection(ctx, &sel);
		assert_ranked_two(edu_node1, cpu ? LOCAL_DISTANCE : REMOTE_DISTANCE, edu, -1, c);
		assert_int_equal(c[0].flags & ACCEL_CANDIDATE_SOFTWARE, 0);
		unpin();
	}
	/* edu1 held exclusively by another context: edu0. */
	set_exclusive(edu_node1, "1");
	held = accel_open_device_by_name(edu_node1);
	assert_non_null(held);
	ctx = select_ok(fact_reqs, 2, 0, edu, 1, &sel);
	close_selection(ctx, &sel);
	assert_int_equal(accel_close_device(held), 0);
	set_exclusive(edu_node1, "0");
}

/*
 * Run accelinfo --select on @cpu; asserts that its output, without the
 * lines of the devices ACCEL_DEVICES leaves out, is @want exactly.
 */
static void accelinfo_select_on(int cpu, const char *want)
{
	char self[512], cmd[1200], out[4096];
	size_t len = 0;
	ssize_t n;
	FILE *p;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "'%s/../tools/accelinfo' --select "
		 "'factorial-v2.uaccel,factorial.uaccel:1' 2>&1; echo status $?", self);
	pin_to_cpu(cpu);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (len < sizeof(out) - 1 && fgets(out + len, sizeof(out) - len, p)) {
		printf("# cpu %d: %s", cpu, out + len);
		if (strncmp(out + len, "-  ", 3))
			len += strlen(out + len);
	}
	out[len] = '\0';
	assert_int_equal(pclose(p), 0);
	unpin();
	assert_string_equal(out, want);
}

/*
 * accelinfo --select from each CPU: edu1 first (hardware, on node 1),
 * then edu0 (hardware, distance unknown), then the nearer soft device.
 * Without edu1 (run-vm.sh -E), edu0 first.
 */
static void test_accelinfo_select_per_cpu(void **state)
{
	char want[2048], pinned[4 * ACCEL_NAME_MAX], hw[2 * 160];
	static const char head[] =
		"request: factorial-v2.uaccel v1..v4294967295, factorial.uaccel v1..v1\n"
		"ranked by: hardware first, NUMA distance from the node of this CPU, "
		"open contexts, device index\n";

	if (!have_node1())
		skip();
	snprintf(pinned, sizeof(pinned), "%s,%s,%s%s%s", NEAR0, NEAR1, edu,
		 edu_node1[0] ? "," : "", edu_node1);
	setenv("ACCEL_DEVICES", pinned, 1);
	for (int cpu = 0; cpu <= 1; cpu++) {
		const char *near = cpu ? NEAR1 : NEAR0, *far = cpu ? NEAR0 : NEAR1;
		int n = 1;

		hw[0] = '\0';
		if (edu_node1[0])
			snprintf(hw, sizeof(hw), "%d. %s: facet factorial.uaccel v1; hardware, "
				 "node 1, distance %d, 0 contexts  <- selected\n",
				 n++, edu_node1, cpu ? LOCAL_DISTANCE : REMOTE_DISTANCE);
		snprintf(hw + strlen(hw), sizeof(hw) - strlen(hw),
			 "%d. %s: facet factorial.uaccel v1; hardware, node -1, "
			 "distance unknown, 0 contexts%s\n", n, edu,
			 edu_node1[0] ? "" : "  <- selected");
		snprintf(want, sizeof(want), "%s%s"
			 "%d. %s: facet factorial.uaccel v1; software, node %d, distance 10, 0 contexts\n"
			 "%d. %s: facet factorial.uaccel v1; software, node %d, distance 21, 0 contexts\n"
			 "status 0\n", head, hw, n + 1, near, cpu, n + 2, far, !cpu);
		accelinfo_select_on(cpu, want);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, pin_devices, vm_check_clean)
#define N(f) cmocka_unit_test_setup_teardown(f, add_near, del_near)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_contexts_attribute),
		T(test_hardware_first),
		T(test_facet_decides_before_kind),
		T(test_prefer_software_and_load),
		T(test_held_device_is_skipped),
		T(test_inaccessible_device_is_skipped),
		T(test_numa_hint),
		T(test_falls_back_when_the_facet_is_refused),
		T(test_accelinfo_select),
		T(test_new_device_node_errors),
		T(test_falls_back_to_software_after_hot_unplug),
		N(test_numa_nodes_in_sysfs),
		N(test_pinned_thread_selects_near_device),
		T(test_pinned_thread_selects_near_hardware),
		N(test_accelinfo_select_per_cpu),
	};

	return vm_run_tests_with("vm_select", tests, find_edu, NULL, &base, SEL0, SEL1);
}
