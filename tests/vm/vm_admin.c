// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Administrators' actions racing on the same instance: delete_device,
 * new_device, driver unbind and bind, rename, a fatal error and its
 * recovery, module unload, and reads of every attribute while the device
 * goes away.  Each race runs for a bounded number of rounds and time;
 * every round checks the exact result of each action and the state it left
 * (an instance is present with a device that answers QUERY_DEVICE, or it is
 * gone), and every test leaves the system as it found it.  The kernel log
 * is checked for KASAN and lockdep reports by the harness.
 *
 * usage: vm_admin        the soft driver's races
 *        vm_admin edu    edu's attributes and renames against PCI remove
 * VM_TESTS and VM_SKIP_TESTS, when set, are glob patterns of the tests to
 * run and to leave out (vm_run_tests()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uaccel/factorial.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define CLASS_DIR	"/sys/class/uaccel"
#define PLATFORM_DIR	"/sys/bus/platform/devices"
/*
 * Rounds of one race: at least RACE_MIN_ROUNDS (a debug kernel in an
 * emulated VM runs few in RACE_SECONDS), then until RACE_ROUNDS or
 * RACE_SECONDS, whichever comes first.
 */
#define RACE_MIN_ROUNDS	10
#define RACE_ROUNDS	150
#define RACE_SECONDS	4.0

static struct vm_stats base;
static char found[8192];	/* the devices before each test */
static unsigned int failures;	/* rounds of this test that went wrong */

/* ---- sysfs helpers ---- */

static int drv_write(const char *attr, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), SOFT_DRIVER_DIR "/%s", attr);
	return vm_sysfs_write(path, text);
}

static int soft_new(const char *name)
{
	return drv_write("new_device", name);
}

static int soft_delete(const char *name)
{
	return drv_write("delete_device", name);
}

static int rename_dev(const char *old, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), CLASS_DIR "/%s/name", old);
	return vm_sysfs_write(path, name);
}

/* Whether @dir/@name@suffix exists. */
static bool exists(const char *dir, const char *name, const char *suffix)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	return !access(path, F_OK);
}

static bool dev_exists(const char *name)
{
	return exists(CLASS_DIR, name, "");
}

static bool pdev_exists(const char *pdev)
{
	return exists(PLATFORM_DIR, pdev, "");
}

static bool pdev_bound(const char *pdev)
{
	return exists(PLATFORM_DIR, pdev, "/driver");
}

/* The platform device of soft device @name; asserts it has one. */
static void pdev_of(const char *name, char *buf, size_t len)
{
	char path[256], link[512];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), CLASS_DIR "/%s/device", name);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	slash = strrchr(link, '/');
	snprintf(buf, len, "%.63s", slash ? slash + 1 : link);
}

/* Read a whole sysfs file into buf: its length or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/*
 * Open device @name through its node and check that it answers
 * QUERY_DEVICE with its name: 0, or -errno (-ENOENT when it is not there).
 */
static int dev_usable(const char *name)
{
	struct uaccel_query_device q = { .size = sizeof(q) };
	char path[256], uevent[512], node[300];
	const char *devname;
	int fd, ret, n;

	snprintf(path, sizeof(path), CLASS_DIR "/%s/uevent", name);
	n = read_file(path, uevent, sizeof(uevent));
	if (n < 0)
		return n;
	devname = strstr(uevent, "DEVNAME=");
	if (!devname)
		return -EINVAL;
	snprintf(node, sizeof(node), "/dev/%.*s", (int)strcspn(devname + 8, "\n"),
		 devname + 8);
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q);
	if (!ret && strcmp((char *)q.name, name))
		ret = -EBADE;
	close(fd);
	return ret;
}

/* Sorted entries of a directory starting with @prefix, joined by spaces. */
static void list_dir(const char *dir, const char *prefix, char *buf, size_t len)
{
	struct dirent **ents;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    !strncmp(ents[i]->d_name, prefix, strlen(prefix)) && used < len)
			used += snprintf(buf + used, len - used, "%s ", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
}

/* Words in a list_dir() list. */
static int count_words(const char *list)
{
	int n = 0;

	for (; *list; list++)
		n += *list == ' ';
	return n;
}

/*
 * The uaccel devices, and how many soft instances there are and how many
 * are bound (their ids change when the module is loaded again).
 */
static void snapshot(char *buf, size_t len)
{
	char devs[4096], pdevs[2048], bound[2048];

	list_dir(CLASS_DIR, "", devs, sizeof(devs));
	list_dir(PLATFORM_DIR, "uaccel_soft", pdevs, sizeof(pdevs));
	list_dir(SOFT_DRIVER_DIR, "uaccel_soft", bound, sizeof(bound));
	snprintf(buf, len, "devices: %s| instances: %d, bound: %d", devs,
		 count_words(pdevs), count_words(bound));
}

/*
 * Every soft device in sysfs answers QUERY_DEVICE under its name, and
 * every bound instance has one.
 */
static void assert_consistent(void)
{
	struct dirent **ents;
	char path[512], drv[64];
	int n;

	n = scandir(CLASS_DIR, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (name[0] != '.') {
			snprintf(path, sizeof(path), CLASS_DIR "/%s/driver", name);
			if (read_file(path, drv, sizeof(drv)) > 0 && !strcmp(drv, "soft\n")) {
				int ret = dev_usable(name);

				if (ret)
					print_error("# %s: QUERY_DEVICE gives %d\n", name, ret);
				assert_int_equal(ret, 0);
			}
		}
		free(ents[i]);
	}
	free(ents);

	n = scandir(SOFT_DRIVER_DIR, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *pdev = ents[i]->d_name;

		if (!strncmp(pdev, "uaccel_soft.", 12)) {
			snprintf(path, sizeof(path), PLATFORM_DIR "/%s/uaccel", pdev);
			if (access(path, F_OK))
				print_error("# %s is bound without a device\n", pdev);
			assert_int_equal(access(path, F_OK), 0);
		}
		free(ents[i]);
	}
	free(ents);
}

static int setup_test(void **state)
{
	snapshot(found, sizeof(found));
	failures = 0;
	return 0;
}

/* The system is as the test found it, and consistent. */
static void assert_as_found(void)
{
	char now[sizeof(found)];

	assert_int_equal(failures, 0);
	snapshot(now, sizeof(now));
	if (strcmp(now, found))
		print_error("# before: %s\n# after:  %s\n", found, now);
	assert_string_equal(now, found);
	assert_consistent();
	vm_assert_stats_equal(&base);
}

/* ---- running actions together ---- */

/* One action of a race: returns 0 or -errno. */
struct action {
	int (*fn)(struct action *a);
	const char *name;	/* a device name */
	const char *arg;	/* a new name */
	const char *pdev;	/* the platform device of the race's instance */
	int fd;			/* the debug facet fd of a context of it */
	unsigned int delay_us;	/* spin this long after the start */
	int ret;
	pthread_barrier_t *start;
};

static void spin_us(unsigned int us)
{
	double end = vm_now() + us / 1e6;

	while (vm_now() < end)
		;
}

static void *action_thread(void *p)
{
	struct action *a = p;

	pthread_barrier_wait(a->start);
	spin_us(a->delay_us);
	a->ret = a->fn(a);
	return NULL;
}

/*
 * Start @n actions at once; one of them, chosen by the round, starts up to
 * 5 ms later, so that the rounds sweep the interleavings.
 */
static void race(struct action *acts, int n, unsigned int round)
{
	pthread_barrier_t start;
	pthread_t t[4];

	assert_true(n <= 4);
	assert_int_equal(pthread_barrier_init(&start, NULL, n), 0);
	for (int i = 0; i < n; i++) {
		acts[i].start = &start;
		acts[i].delay_us = (unsigned int)i == round % n ? (round * 397) % 5000 : 0;
		assert_int_equal(pthread_create(&t[i], NULL, action_thread, &acts[i]), 0);
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start);
}

static int act_delete(struct action *a)
{
	return soft_delete(a->name);
}

static int act_unbind(struct action *a)
{
	return drv_write("unbind", a->pdev);
}

static int act_bind(struct action *a)
{
	return drv_write("bind", a->pdev);
}

static int act_rename(struct action *a)
{
	return rename_dev(a->name, a->arg);
}

static int act_fatal(struct action *a)
{
	struct uaccel_soft_debug_fatal_error fe = { .size = sizeof(fe) };

	return vm_ioctl(a->fd, UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, &fe);
}

static bool one_of(int ret, int a, int b)
{
	return ret == a || ret == b;
}

static bool more_rounds(unsigned int round, double t0)
{
	return round < RACE_MIN_ROUNDS ||
	       (round < RACE_ROUNDS && vm_now() - t0 < RACE_SECONDS);
}

/*
 * A result outside the expected ones: reported, counted, and the rounds go
 * on (so that a rare interleaving still gets its chances to show in the
 * kernel log); each test fails at its end if any round did.
 */

#define expect(cond, round, fmt, ...) do {					\
	if (!(cond) && failures++ < 10)						\
		print_error("# round %u: %s: " fmt "\n", round, #cond,		\
			    ##__VA_ARGS__);					\
} while (0)

/* The name of the device of a bound instance into buf; false if none. */
static bool instance_device(const char *pdev, char *buf, size_t len)
{
	char dir[256];

	snprintf(dir, sizeof(dir), PLATFORM_DIR "/%s/uaccel", pdev);
	list_dir(dir, "", buf, len);
	buf[strcspn(buf, " ")] = '\0';
	return buf[0];
}

/* After a failed round: remove what is left of an instance. */
static void drop_instance(const char *pdev)
{
	char name[80];

	if (!pdev_exists(pdev))
		return;
	if (!pdev_bound(pdev))
		drv_write("bind", pdev);
	if (instance_device(pdev, name, sizeof(name)))
		soft_delete(name);
	if (pdev_exists(pdev))
		print_error("# %s cannot be removed\n", pdev);
}

/* A context of device @name with the debug facet open. */
static void open_debug(const char *name, int *fd, int *dfd)
{
	*fd = vm_open_device(name);
	*dfd = vm_open_facet(*fd, UACCEL_SOFT_DEBUG_FACET);
}

/* The context sees its device go: DEVICE_REMOVED is its last event. */
static void close_removed(int fd, int dfd, unsigned int round)
{
	struct uaccel_event ev, last = { 0 };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		/* Bounded: removal never waits for userspace. */
		if (poll(&p, 1, 30000) != 1) {
			expect(0, round, "no removal events in 30 s");
			break;
		}
		n = read(fd, &ev, sizeof(ev));
		if (n != sizeof(ev))
			break;
		last = ev;
	}
	expect(n < 0 && errno == ENODEV, round, "read after the events: %zd %d",
	       n, errno);
	expect(last.type == UACCEL_EVENT_DEVICE_REMOVED, round, "last event %u",
	       last.type);
	assert_int_equal(close(dfd), 0);
	assert_int_equal(close(fd), 0);
}


/*
 * A race repeated in rounds: each round makes soft device @name, starts
 * @acts at once against it (unbind and bind act on its platform device,
 * a fatal error through the debug facet of a context of it), lets @check
 * judge the results and the state left, and removes what is left.
 */
struct race_test {
	const char *name;
	struct action acts[3];
	int n;
	bool unbound;	/* the instance is unbound when the race starts */
	bool debug;	/* a context with the debug facet is open during the race */
	void (*check)(const struct action *a, const char *pdev, unsigned int round);
};

static void run_race_test(const struct race_test *t)
{
	double t0 = vm_now();
	unsigned int round;
	char pdev[64];

	for (round = 0; more_rounds(round, t0); round++) {
		struct action a[3];
		int fd = -1, dfd = -1;

		memcpy(a, t->acts, sizeof(a));
		assert_int_equal(soft_new(t->name), 0);
		pdev_of(t->name, pdev, sizeof(pdev));
		if (t->unbound) {
			assert_int_equal(drv_write("unbind", pdev), 0);
			assert_false(dev_exists(t->name));
		}
		if (t->debug)
			open_debug(t->name, &fd, &dfd);
		for (int i = 0; i < t->n; i++) {
			a[i].pdev = pdev;
			a[i].fd = dfd;
		}
		race(a, t->n, round);
		if (t->debug)
			close_removed(fd, dfd, round);
		t->check(a, pdev, round);
		drop_instance(pdev);
	}
	print_message("# %u rounds\n", round);
	assert_as_found();
}

/* ---- the soft driver ---- */

/*
 * delete_device looks at every instance: lookups of a name that is not
 * there while an instance is unbound and bound again, over and over.
 */
struct binder {
	atomic_int stop;
	const char *pdev;
	unsigned long cycles;
	int bad;
};

static void *unbind_bind_loop(void *p)
{
	struct binder *b = p;

	while (!atomic_load(&b->stop)) {
		int ret = drv_write("unbind", b->pdev);

		if (!ret)
			ret = drv_write("bind", b->pdev);
		if (ret) {
			print_error("# unbind/bind %s: %d\n", b->pdev, ret);
			b->bad++;
			break;
		}
		b->cycles++;
	}
	return NULL;
}

static void test_delete_lookup_vs_unbind(void **state)
{
	struct binder b = { 0 };
	unsigned long lookups = 0;
	double t0 = vm_now();
	char pdev[64];
	pthread_t t;

	assert_int_equal(soft_new("adm-lu"), 0);
	pdev_of("adm-lu", pdev, sizeof(pdev));
	b.pdev = pdev;
	assert_int_equal(pthread_create(&t, NULL, unbind_bind_loop, &b), 0);
	while (vm_now() - t0 < RACE_SECONDS ||
	       (b.cycles < 2 * RACE_MIN_ROUNDS && !b.bad && vm_now() - t0 < 60)) {
		int ret = soft_delete("adm-none");

		expect(ret == -ENOENT, (unsigned int)lookups, "delete_device %d", ret);
		lookups++;
	}
	atomic_store(&b.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(b.bad, 0);
	assert_int_equal(dev_usable("adm-lu"), 0);
	assert_int_equal(soft_delete("adm-lu"), 0);
	print_message("# %lu lookups, %lu unbind/bind cycles\n", lookups, b.cycles);
	assert_as_found();
}

/*
 * delete_device and an unbind of the same instance: the delete always
 * removes the instance (bound, or unbound under the name it keeps), the
 * unbind finds it bound or finds nothing.  The reported use-after-free was
 * here: delete_device read the device of an instance being unbound.
 */
static void check_delete_vs_unbind(const struct action *a, const char *pdev,
				   unsigned int round)
{
	expect(a[0].ret == 0, round, "unbind %d", a[1].ret);
	expect(one_of(a[1].ret, 0, -ENODEV), round, "unbind %d", a[1].ret);
	expect(!pdev_exists(pdev), round, "%s is left", pdev);
	expect(!dev_exists("adm-du"), round, "adm-du is left");
}

static void test_delete_vs_unbind(void **state)
{
	static const struct race_test t = {
		.name = "adm-du",
		.acts = { { .fn = act_delete, .name = "adm-du" }, { .fn = act_unbind } },
		.n = 2,
		.check = check_delete_vs_unbind,
	};

	run_race_test(&t);
}

/* delete_device and a bind of the same, unbound, instance. */
static void check_delete_vs_bind(const struct action *a, const char *pdev,
				 unsigned int round)
{
	expect(a[0].ret == 0, round, "bind %d", a[1].ret);
	expect(one_of(a[1].ret, 0, -ENODEV), round, "bind %d", a[1].ret);
	expect(!pdev_exists(pdev), round, "%s is left", pdev);
	expect(!dev_exists("adm-db"), round, "adm-db is left");
}

static void test_delete_vs_bind(void **state)
{
	static const struct race_test t = {
		.name = "adm-db",
		.acts = { { .fn = act_delete, .name = "adm-db" }, { .fn = act_bind } },
		.n = 2,
		.unbound = true,
		.check = check_delete_vs_bind,
	};

	run_race_test(&t);
}

/* Whether @list (a list_dir() list) has the word @w. */
static bool has_word(const char *list, const char *w)
{
	char padded[2100], word[80];

	snprintf(padded, sizeof(padded), " %s", list);
	snprintf(word, sizeof(word), " %s ", w);
	return strstr(padded, word);
}

/* The words of @now missing from @before: the last into buf, their count. */
static int new_words(const char *before, const char *now, char *buf, size_t len)
{
	char copy[2048];
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", now);
	for (char *save, *w = strtok_r(copy, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		if (!has_word(before, w)) {
			snprintf(buf, len, "%s", w);
			n++;
		}
	}
	return n;
}

/*
 * An unbind of the instance new_device is creating, as soon as its device
 * shows: new_device succeeds (its probe did) and the instance stays, bound
 * or unbound, never deleted behind new_device's back.
 */
struct new_unbind {
	atomic_int stop;
	int unbound;
};

static void *unbind_new_thread(void *p)
{
	struct new_unbind *nu = p;
	char link[512];
	ssize_t n;

	while (!atomic_load(&nu->stop)) {
		n = readlink(CLASS_DIR "/adm-nu/device", link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		nu->unbound = !drv_write("unbind", strrchr(link, '/') + 1);
		break;
	}
	return NULL;
}

static void test_new_vs_unbind(void **state)
{
	unsigned int round, unbound = 0;
	char before[2048], now[2048];
	double t0 = vm_now();

	list_dir(PLATFORM_DIR, "uaccel_soft", before, sizeof(before));
	for (round = 0; more_rounds(round, t0); round++) {
		struct new_unbind nu = { 0 };
		char pdev[64] = "";
		pthread_t t;
		int ret;

		assert_int_equal(pthread_create(&t, NULL, unbind_new_thread, &nu), 0);
		ret = soft_new("adm-nu");
		atomic_store(&nu.stop, 1);
		assert_int_equal(pthread_join(t, NULL), 0);
		expect(ret == 0, round, "new_device %d", ret);
		unbound += nu.unbound;

		list_dir(PLATFORM_DIR, "uaccel_soft", now, sizeof(now));
		expect(new_words(before, now, pdev, sizeof(pdev)) == 1, round,
		       "instances %s, before %s", now, before);
		if (!pdev[0])
			continue;
		expect(pdev_bound(pdev) != nu.unbound, round, "unbound %d, bound %d",
		       nu.unbound, pdev_bound(pdev));
		if (!pdev_bound(pdev))
			assert_int_equal(drv_write("bind", pdev), 0);
		assert_int_equal(dev_usable("adm-nu"), 0);
		assert_int_equal(soft_delete("adm-nu"), 0);
		assert_false(pdev_exists(pdev));
	}
	print_message("# %u rounds, %u unbound during new_device\n", round, unbound);
	assert_as_found();
}

/*
 * new_device and delete_device of one name while another device is renamed
 * to that name and back: each gets its exact result, and delete_device
 * removes the device new_device made, never the renamed one.
 */
struct renamer {
	atomic_int stop;
	unsigned int renames, taken, bad;
	char cur[64];
	const char *names[2];
};

static void *rename_loop(void *p)
{
	struct renamer *r = p;

	while (!atomic_load(&r->stop)) {
		const char *to = strcmp(r->cur, r->names[0]) ? r->names[0] : r->names[1];
		int ret = rename_dev(r->cur, to);

		if (!ret) {
			snprintf(r->cur, sizeof(r->cur), "%s", to);
			r->renames++;
		} else if (ret == -EEXIST) {
			r->taken++;
		} else {
			print_error("# rename %s to %s: %d\n", r->cur, to, ret);
			r->bad++;
		}
	}
	return NULL;
}

static void test_new_delete_vs_rename(void **state)
{
	struct renamer r = { .cur = "adm-rx", .names = { "adm-rx", "adm-ra" } };
	unsigned int round, added = 0, exist = 0;
	double t0 = vm_now();
	pthread_t t;

	assert_int_equal(soft_new("adm-rx"), 0);
	assert_int_equal(pthread_create(&t, NULL, rename_loop, &r), 0);
	for (round = 0; more_rounds(round, t0); round++) {
		int ret = soft_new("adm-ra");

		if (ret == -EEXIST) {
			exist++;
			continue;
		}
		expect(ret == 0, round, "new_device %d", ret);
		added++;
		ret = soft_delete("adm-ra");
		expect(ret == 0, round, "delete_device %d", ret);
	}
	atomic_store(&r.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.bad, 0);
	/* The renamed device is intact under its last name. */
	assert_int_equal(dev_usable(r.cur), 0);
	if (strcmp(r.cur, "adm-rx"))
		assert_int_equal(rename_dev(r.cur, "adm-rx"), 0);
	assert_int_equal(soft_delete("adm-rx"), 0);
	print_message("# %u rounds: %u added, %u EEXIST; %u renames, %u EEXIST\n",
		      round, added, exist, r.renames, r.taken);
	assert_as_found();
}

/* The results a rename can have when its device goes: done, or no device. */
static bool rename_result(int ret)
{
	return ret == 0 || ret == -ENOENT || ret == -ENODEV;
}

/* A rename and delete_device of the same device. */
static void check_rename_vs_delete(const struct action *a, const char *pdev,
				   unsigned int round)
{
	expect(rename_result(a[0].ret), round, "rename %d", a[0].ret);
	expect(one_of(a[1].ret, 0, -ENOENT), round, "delete %d", a[1].ret);
	if (a[1].ret == -ENOENT) {
		/* Renamed first: it is there under the new name. */
		expect(a[0].ret == 0, round, "rename %d", a[0].ret);
		expect(dev_usable("adm-rd2") == 0, round, "no adm-rd2");
		expect(soft_delete("adm-rd2") == 0, round, "delete adm-rd2");
	}
	expect(!pdev_exists(pdev), round, "%s is left", pdev);
	expect(!dev_exists("adm-rd") && !dev_exists("adm-rd2"), round,
	       "a device is left");
}

static void test_rename_vs_delete(void **state)
{
	static const struct race_test t = {
		.name = "adm-rd",
		.acts = {
			{ .fn = act_rename, .name = "adm-rd", .arg = "adm-rd2" },
			{ .fn = act_delete, .name = "adm-rd" },
		},
		.n = 2,
		.check = check_rename_vs_delete,
	};

	run_race_test(&t);
}

/*
 * A rename and an unbind: bound again, the instance has the name it had
 * when it was unbound, so a rename that succeeded is never lost.
 */
static void check_rename_vs_unbind(const struct action *a, const char *pdev,
				   unsigned int round)
{
	const char *name = a[0].ret ? "adm-ru" : "adm-ru2";

	expect(rename_result(a[0].ret), round, "rename %d", a[0].ret);
	expect(a[1].ret == 0, round, "unbind %d", a[1].ret);
	expect(!dev_exists("adm-ru") && !dev_exists("adm-ru2"), round,
	       "a device is left after unbind");
	expect(drv_write("bind", pdev) == 0, round, "bind");
	expect(dev_usable(name) == 0, round, "rename %d, %s is not there",
	       a[0].ret, name);
}

static void test_rename_vs_unbind(void **state)
{
	static const struct race_test t = {
		.name = "adm-ru",
		.acts = {
			{ .fn = act_rename, .name = "adm-ru", .arg = "adm-ru2" },
			{ .fn = act_unbind },
		},
		.n = 2,
		.check = check_rename_vs_unbind,
	};

	run_race_test(&t);
}

/*
 * A fatal error (and the recovery it starts), an unbind and delete_device
 * of one instance: the delete removes it whatever came first, and no
 * recovery brings it back.
 */
static void check_fatal_vs_delete_vs_unbind(const struct action *a, const char *pdev,
					    unsigned int round)
{
	expect(one_of(a[0].ret, 0, -ENODEV), round, "fatal %d", a[0].ret);
	expect(one_of(a[1].ret, 0, -ENODEV), round, "unbind %d", a[1].ret);
	expect(a[2].ret == 0, round, "fatal %d, unbind %d, delete %d",
	       a[0].ret, a[1].ret, a[2].ret);
	expect(!pdev_exists(pdev), round, "%s is left", pdev);
	/* A recovery still to run finds nothing to bring back. */
	usleep(20000);
	expect(!dev_exists("adm-fd"), round, "adm-fd came back");
}

static void test_fatal_vs_delete_vs_unbind(void **state)
{
	static const struct race_test t = {
		.name = "adm-fd",
		.acts = {
			{ .fn = act_fatal },
			{ .fn = act_unbind },
			{ .fn = act_delete, .name = "adm-fd" },
		},
		.n = 3,
		.debug = true,
		.check = check_fatal_vs_delete_vs_unbind,
	};

	run_race_test(&t);
}

/*
 * A fatal error and an unbind: the unbind wins over the recovery, which
 * never binds an instance that an administrator unbound.
 */
static void check_fatal_vs_unbind(const struct action *a, const char *pdev,
				  unsigned int round)
{
	expect(one_of(a[0].ret, 0, -ENODEV), round, "fatal %d", a[0].ret);
	expect(a[1].ret == 0, round, "fatal %d, unbind %d", a[0].ret, a[1].ret);
	/* Give a recovery that would bind it again the time to. */
	usleep(20000);
	expect(!pdev_bound(pdev) && !dev_exists("adm-fu"), round,
	       "fatal %d: bound again", a[0].ret);
	if (!pdev_bound(pdev))
		assert_int_equal(drv_write("bind", pdev), 0);
	expect(dev_usable("adm-fu") == 0, round, "adm-fu is not back");
}

static void test_fatal_vs_unbind(void **state)
{
	static const struct race_test t = {
		.name = "adm-fu",
		.acts = { { .fn = act_fatal }, { .fn = act_unbind } },
		.n = 2,
		.debug = true,
		.check = check_fatal_vs_unbind,
	};

	run_race_test(&t);
}

/*
 * A fatal error and a rename: the recovered device has the name the device
 * had when it failed, or the new one if the rename reached the recovered
 * device.  A rename of the failed device fails with ENODEV.
 */
static void check_fatal_vs_rename(const struct action *a, const char *pdev,
				  unsigned int round)
{
	const char *name = a[1].ret ? "adm-fr" : "adm-fr2";
	const char *other = a[1].ret ? "adm-fr2" : "adm-fr";

	expect(a[0].ret == 0, round, "fatal %d", a[0].ret);
	expect(rename_result(a[1].ret), round, "rename %d", a[1].ret);
	expect(vm_wait_device(name, VM_DEVICE_WAIT_S) == 0, round, "rename %d: no %s",
	       a[1].ret, name);
	expect(!dev_exists(other), round, "rename %d: %s exists", a[1].ret,
	       other);
}

static void test_fatal_vs_rename(void **state)
{
	static const struct race_test t = {
		.name = "adm-fr",
		.acts = {
			{ .fn = act_fatal },
			{ .fn = act_rename, .name = "adm-fr", .arg = "adm-fr2" },
		},
		.n = 2,
		.debug = true,
		.check = check_fatal_vs_rename,
	};

	run_race_test(&t);
}

/* Polled queues (a kernel thread named after the device) and renames. */
static void test_poll_queue_vs_rename(void **state)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 4 };
	struct renamer r = { .cur = "adm-pq", .names = { "adm-pq", "adm-pq2" } };
	double t0 = vm_now();
	unsigned int round;
	pthread_t t;
	int fd;

	assert_int_equal(soft_new("adm-pq"), 0);
	fd = vm_open_device("adm-pq");
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	assert_int_equal(pthread_create(&t, NULL, rename_loop, &r), 0);
	for (round = 0; round < 2 * RACE_MIN_ROUNDS ||
	     (round < 4 * RACE_ROUNDS && vm_now() - t0 < RACE_SECONDS); round++) {
		struct uaccel_create_queue q = {
			.size = sizeof(q), .flags = UACCEL_QUEUE_POLL, .entries = 4,
			.pd_id = pd.out_pd_id, .cq_id = cq.out_cq_id, .poll_idle_ms = 1,
		};
		struct uaccel_destroy d = { .size = sizeof(d) };

		assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
		d.id = q.out_queue_id;
		assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_DESTROY, &d), 0);
	}
	atomic_store(&r.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.bad, 0);
	assert_int_equal(close(fd), 0);
	if (strcmp(r.cur, "adm-pq"))
		assert_int_equal(rename_dev(r.cur, "adm-pq"), 0);
	assert_int_equal(soft_delete("adm-pq"), 0);
	print_message("# %u queues, %u renames\n", round, r.renames);
	assert_as_found();
}

/*
 * Reading every attribute of a device and of the driver, and writing the
 * writable ones, while the device is unbound, bound, deleted and added
 * again, with a polled queue open.  A read or write finds the attribute
 * and gives its value, or finds it gone (ENOENT at open, ENODEV through a
 * file opened before).
 */
static const char *const dev_attrs[] = {
	"name", "exclusive", "driver", "abi_version", "numa_node", "facets",
	"dev", "uevent", "soft/instance", "soft/poll_thread", "power/runtime_status",
};
#define NR_DEV_ATTRS (sizeof(dev_attrs) / sizeof(dev_attrs[0]))

struct reader {
	atomic_int stop;
	unsigned long reads, gone, bad;
};

static bool gone_errno(int ret)
{
	return ret == -ENOENT || ret == -ENODEV;
}

static void check_value(struct reader *r, const char *attr, const char *val)
{
	if ((!strcmp(attr, "name") && strcmp(val, "adm-sr\n")) ||
	    (!strcmp(attr, "driver") && strcmp(val, "soft\n")) ||
	    (!strcmp(attr, "exclusive") && strcmp(val, "0\n"))) {
		print_error("# %s reads \"%s\"\n", attr, val);
		r->bad++;
	}
}

static void check_write(struct reader *r, const char *attr, const char *val)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), CLASS_DIR "/adm-sr/%s", attr);
	ret = vm_sysfs_write(path, val);
	if (ret && !gone_errno(ret)) {
		print_error("# write %s: %d\n", path, ret);
		r->bad++;
	}
}

static void *reader_thread(void *p)
{
	struct reader *r = p;
	char path[256], buf[4096];
	int held[NR_DEV_ATTRS];

	for (size_t i = 0; i < NR_DEV_ATTRS; i++)
		held[i] = -1;
	while (!atomic_load(&r->stop)) {
		for (size_t i = 0; i < NR_DEV_ATTRS; i++) {
			ssize_t k;
			int ret;

			/* Through a new open, and through one kept open. */
			snprintf(path, sizeof(path), CLASS_DIR "/adm-sr/%s", dev_attrs[i]);
			ret = read_file(path, buf, sizeof(buf));
			r->reads++;
			if (ret >= 0) {
				check_value(r, dev_attrs[i], buf);
			} else if (gone_errno(ret)) {
				r->gone++;
			} else {
				print_error("# read %s: %d\n", path, ret);
				r->bad++;
			}
			if (held[i] < 0)
				held[i] = open(path, O_RDONLY | O_CLOEXEC);
			if (held[i] < 0)
				continue;
			k = pread(held[i], buf, sizeof(buf) - 1, 0);
			if (k >= 0) {
				buf[k] = '\0';
				check_value(r, dev_attrs[i], buf);
			} else if (errno == ENODEV) {
				close(held[i]);
				held[i] = -1;
			} else {
				print_error("# pread %s: %d\n", path, -errno);
				r->bad++;
			}
		}
		/* The writable ones, to the values they have. */
		check_write(r, "exclusive", "0");
		check_write(r, "name", "adm-sr");
		/* The driver's: a lookup that walks every instance. */
		if (soft_delete("adm-none") != -ENOENT ||
		    read_file(SOFT_DRIVER_DIR "/module/refcnt", buf, sizeof(buf)) < 0) {
			print_error("# the driver's attributes fail\n");
			r->bad++;
		}
	}
	for (size_t i = 0; i < NR_DEV_ATTRS; i++)
		if (held[i] >= 0)
			close(held[i]);
	return NULL;
}

/* A context of @name with a polled queue, so its polling thread runs. */
static int open_polled(const char *name)
{
	struct uaccel_alloc_pd pd = { .size = sizeof(pd) };
	struct uaccel_create_cq cq = { .size = sizeof(cq), .entries = 4 };
	struct uaccel_create_queue q = {
		.size = sizeof(q), .flags = UACCEL_QUEUE_POLL, .entries = 4,
	};
	int fd = vm_open_device(name);

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_PD, &pd), 0);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_CQ, &cq), 0);
	q.pd_id = pd.out_pd_id;
	q.cq_id = cq.out_cq_id;
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_CREATE_QUEUE, &q), 0);
	return fd;
}

static void test_sysfs_reads_vs_removal(void **state)
{
	struct reader r[2] = { 0 };
	double t0 = vm_now();
	unsigned int round;
	pthread_t t[2];
	char pdev[64];

	assert_int_equal(soft_new("adm-sr"), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader_thread, &r[i]), 0);
	for (round = 0; more_rounds(round, t0); round++) {
		int fd = open_polled("adm-sr");

		pdev_of("adm-sr", pdev, sizeof(pdev));
		if (round % 2) {
			assert_int_equal(drv_write("unbind", pdev), 0);
			assert_int_equal(close(fd), 0);
			assert_int_equal(drv_write("bind", pdev), 0);
		} else {
			assert_int_equal(soft_delete("adm-sr"), 0);
			assert_int_equal(close(fd), 0);
			assert_int_equal(soft_new("adm-sr"), 0);
		}
		assert_int_equal(dev_usable("adm-sr"), 0);
	}
	for (int i = 0; i < 2; i++) {
		atomic_store(&r[i].stop, 1);
		assert_int_equal(pthread_join(t[i], NULL), 0);
		print_message("# reader %d: %lu reads, %lu found nothing\n", i,
			      r[i].reads, r[i].gone);
		assert_int_equal(r[i].bad, 0);
	}
	assert_int_equal(soft_delete("adm-sr"), 0);
	print_message("# %u removals\n", round);
	assert_as_found();
}

/*
 * Module unload while new_device and delete_device run: nothing of the
 * module stays behind (no instance outlives it), and loaded again it has
 * exactly its num_devices instances.
 */
struct churn {
	atomic_int stop;
	unsigned long ok, gone;
	int bad;
};

static void *churn_thread(void *p)
{
	struct churn *c = p;
	unsigned int i = 0;

	while (!atomic_load(&c->stop)) {
		char name[32];
		int ret;

		snprintf(name, sizeof(name), "adm-mu%u", i++ % 4);
		ret = soft_new(name);
		if (!ret)
			ret = soft_delete(name);
		if (!ret) {
			c->ok++;
		} else if (gone_errno(ret)) {
			c->gone++;
		} else {
			print_error("# %s: %d\n", name, ret);
			c->bad++;
		}
	}
	return NULL;
}

static void test_module_unload_vs_new_device(void **state)
{
	const char *ko = getenv("UACCEL_SOFT_KO");
	char cmd[512], left[2048];

	if (!ko)
		skip();
	/* Reloading gives soft0..soft2 back: only from that state. */
	if (!strstr(found, "devices: soft0 soft1 soft2 |"))
		skip();
	snprintf(cmd, sizeof(cmd), "insmod '%s' num_devices=3", ko);
	for (int round = 0; round < 3; round++) {
		struct churn c = { 0 };
		pthread_t t;

		assert_int_equal(pthread_create(&t, NULL, churn_thread, &c), 0);
		usleep(100000 + round * 100000);
		assert_int_equal(vm_run("rmmod uaccel_soft"), 0);
		usleep(50000);
		atomic_store(&c.stop, 1);
		assert_int_equal(pthread_join(t, NULL), 0);
		print_message("# round %d: %lu added and deleted, %lu after unload\n",
			      round, c.ok, c.gone);
		assert_int_equal(c.bad, 0);
		list_dir(PLATFORM_DIR, "uaccel_soft", left, sizeof(left));
		assert_string_equal(left, "");
		assert_false(access(CLASS_DIR, F_OK) == 0 && dev_exists("adm-mu0"));
		assert_int_equal(vm_run(cmd), 0);
		assert_int_equal(vm_wait_device("soft2", VM_DEVICE_WAIT_S), 0);
	}
	assert_as_found();
}

/* ---- the edu driver ---- */

static char edu_pci[64];	/* its PCI address */
static char edu_orig[64];	/* its name when the test started */

/* The name the edu device at VM_EDU_PCI has now: true if it is there. */
static bool edu_find(char *name, size_t len)
{
	char path[512], link[512];
	glob_t g;
	bool ok = false;
	ssize_t n;

	if (glob(CLASS_DIR "/*/edu", 0, NULL, &g))
		return false;
	for (size_t i = 0; i < g.gl_pathc && !ok; i++) {
		const char *p = g.gl_pathv[i] + strlen(CLASS_DIR "/");
		const char *slash;

		snprintf(path, sizeof(path), CLASS_DIR "/%.*s/device", (int)strcspn(p, "/"), p);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		slash = strrchr(link, '/');
		if (strcmp(slash ? slash + 1 : link, VM_EDU_PCI))
			continue;
		snprintf(name, len, "%.*s", (int)strcspn(p, "/"), p);
		ok = true;
	}
	globfree(&g);
	return ok;
}

static bool edu_wait(char *name, size_t len, double timeout_s)
{
	double end = vm_now() + timeout_s;

	while (vm_now() < end) {
		if (edu_find(name, len))
			return true;
		usleep(20000);
	}
	return false;
}

static int edu_setup(void **state)
{
	char link[512], path[256];
	ssize_t n;

	if (!edu_find(edu_orig, sizeof(edu_orig)))
		return 0;
	snprintf(path, sizeof(path), CLASS_DIR "/%s/device", edu_orig);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	snprintf(edu_pci, sizeof(edu_pci), "%s", strrchr(link, '/') + 1);
	return 0;
}

struct edu_reader {
	atomic_int stop;
	unsigned long reads, gone, bad;
};

static const char *const edu_attrs[] = {
	"edu/irq_mode", "edu/irqs", "edu/hw_version", "name", "driver", "facets",
	"exclusive", "uevent",
};

static void *edu_reader_thread(void *p)
{
	struct edu_reader *r = p;
	char name[64], path[256], buf[4096];

	while (!atomic_load(&r->stop)) {
		if (!edu_find(name, sizeof(name)))
			continue;
		for (size_t i = 0; i < sizeof(edu_attrs) / sizeof(edu_attrs[0]); i++) {
			int ret;

			snprintf(path, sizeof(path), CLASS_DIR "/%s/%s", name, edu_attrs[i]);
			ret = read_file(path, buf, sizeof(buf));
			r->reads++;
			if (gone_errno(ret)) {
				r->gone++;
				continue;
			}
			if (ret < 0 ||
			    (!strcmp(edu_attrs[i], "edu/hw_version") && strcmp(buf, "1.0\n")) ||
			    (!strcmp(edu_attrs[i], "edu/irq_mode") &&
			     strcmp(buf, "msi\n") && strcmp(buf, "intx\n")) ||
			    (!strcmp(edu_attrs[i], "driver") && strcmp(buf, "edu\n"))) {
				print_error("# %s: %d \"%s\"\n", path, ret, ret > 0 ? buf : "");
				r->bad++;
			}
		}
	}
	return NULL;
}

/* Renames the edu device, whatever its name, between two names. */
static void *edu_rename_thread(void *p)
{
	struct renamer *r = p;
	char name[64];

	while (!atomic_load(&r->stop)) {
		const char *to;
		int ret;

		if (!edu_find(name, sizeof(name)))
			continue;
		to = strcmp(name, "adm-edu") ? "adm-edu" : "adm-edu2";
		ret = rename_dev(name, to);
		if (!ret) {
			r->renames++;
		} else if (!gone_errno(ret)) {
			print_error("# rename %s to %s: %d\n", name, to, ret);
			r->bad++;
		}
	}
	return NULL;
}

/*
 * Reads of edu's attributes (one reads a device register) and renames
 * while the PCI device is removed and found again by a rescan.
 */
static void test_edu_attrs_vs_pci_remove(void **state)
{
	struct edu_reader rd = { 0 };
	struct renamer rn = { 0 };
	char path[256], name[64];
	double t0 = vm_now();
	unsigned int round;
	pthread_t t[2];
	int fd, ffd;

	if (!edu_pci[0])
		skip();
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", edu_pci);
	assert_int_equal(pthread_create(&t[0], NULL, edu_reader_thread, &rd), 0);
	assert_int_equal(pthread_create(&t[1], NULL, edu_rename_thread, &rn), 0);
	for (round = 0; round < 3 || (round < 40 && vm_now() - t0 < 2 * RACE_SECONDS);
	     round++) {
		usleep(20000 * (round % 5));
		assert_int_equal(vm_sysfs_write(path, "1"), 0);
		assert_int_equal(vm_sysfs_write("/sys/bus/pci/rescan", "1"), 0);
		assert_true(edu_wait(name, sizeof(name), 30));
	}
	for (int i = 0; i < 2; i++) {
		atomic_store(i ? &rn.stop : &rd.stop, 1);
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	print_message("# %u removals; %lu reads (%lu found nothing), %u renames\n",
		      round, rd.reads, rd.gone, rn.renames);
	assert_int_equal(rd.bad, 0);
	assert_int_equal(rn.bad, 0);

	/* The device works, under the name it had. */
	assert_true(edu_find(name, sizeof(name)));
	if (strcmp(name, edu_orig))
		assert_int_equal(rename_dev(name, edu_orig), 0);
	assert_int_equal(dev_usable(edu_orig), 0);
	fd = vm_open_device(edu_orig);
	ffd = vm_open_facet(fd, UACCEL_FACTORIAL_FACET);
	{
		struct uaccel_factorial_compute c = { .size = sizeof(c), .value = 10 };

		assert_int_equal(vm_ioctl(ffd, UACCEL_FACTORIAL_IOCTL_COMPUTE, &c), 0);
		assert_int_equal(c.out_result, 3628800);
	}
	assert_int_equal(close(ffd), 0);
	assert_int_equal(close(fd), 0);
	assert_as_found();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest soft_tests[] = {
		cmocka_unit_test_setup(test_delete_lookup_vs_unbind, setup_test),
		cmocka_unit_test_setup(test_delete_vs_unbind, setup_test),
		cmocka_unit_test_setup(test_delete_vs_bind, setup_test),
		cmocka_unit_test_setup(test_new_vs_unbind, setup_test),
		cmocka_unit_test_setup(test_new_delete_vs_rename, setup_test),
		cmocka_unit_test_setup(test_rename_vs_delete, setup_test),
		cmocka_unit_test_setup(test_rename_vs_unbind, setup_test),
		cmocka_unit_test_setup(test_fatal_vs_delete_vs_unbind, setup_test),
		cmocka_unit_test_setup(test_fatal_vs_unbind, setup_test),
		cmocka_unit_test_setup(test_fatal_vs_rename, setup_test),
		cmocka_unit_test_setup(test_poll_queue_vs_rename, setup_test),
		cmocka_unit_test_setup(test_sysfs_reads_vs_removal, setup_test),
		cmocka_unit_test_setup(test_module_unload_vs_new_device, setup_test),
	};
	const struct CMUnitTest edu_tests[] = {
		cmocka_unit_test_setup(test_edu_attrs_vs_pci_remove, setup_test),
	};

	if (argc > 1 && !strcmp(argv[1], "edu"))
		return vm_run_tests_with("vm_admin_edu", edu_tests, edu_setup, NULL, &base,
					 NULL);
	return vm_run_tests("vm_admin", soft_tests, &base, NULL);
}
