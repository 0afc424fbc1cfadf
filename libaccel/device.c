// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Device discovery from sysfs.  Listing opens no device node; it checks
 * that the node it reports is the device's (a character device with the
 * number of sysfs "dev"), and looks for the node under another file name
 * in /dev/uaccel when the usual path holds something else (a container's
 * /dev made with "--device host-node:other-name").
 *
 * accel_open_device_by_name() reads the one device it names the same way.
 *
 * The last listing is kept, as libibverbs keeps its device list, and
 * reused while the kernel's uevent sequence number is unchanged (see
 * struct list_cache).
 *
 * UACCEL_SYSFS_ROOT and UACCEL_DEV_ROOT (honoured only for programs that
 * are not setuid/setgid) replace "/sys" and "/dev", for tests.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

const char *accel_sysfs_root(void)
{
	const char *root = secure_getenv("UACCEL_SYSFS_ROOT");

	return root && *root ? root : "/sys";
}

const char *accel_dev_root(void)
{
	const char *root = secure_getenv("UACCEL_DEV_ROOT");

	return root && *root ? root : "/dev";
}

/* buf = "dir/name"; -ENAMETOOLONG when it does not fit. */
static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * Read one sysfs attribute into buf without the trailing newline.  A sysfs
 * attribute comes whole in one read(): no stdio, listing reads several per
 * device.
 */
int accel_read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (path_join(path, sizeof(path), dir, attr))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		/* A device being removed answers ENODEV: it is gone. */
		int err = errno == ENODEV ? ENOENT : errno;

		close(fd);
		return -err;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* long long: a 32-bit long holds neither UINT32_MAX nor every value of it. */
static int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parse the "facets" attribute: one "<name> <min> <max> <flags>" a line. */
static int parse_facets(struct accel_device *dev, char *text)
{
	char *line, *save = NULL;
	int n = 0, cap = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct accel_facet_desc *f;
		char name[ACCEL_NAME_MAX];
		unsigned int lo, hi, flags;
		int used = 0;

		if (sscanf(line, "%63s %u %u %x %n", name, &lo, &hi, &flags,
			   &used) != 4 || line[used] || lo > hi)
			return -EINVAL;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			f = realloc(dev->facets, cap * sizeof(*f));
			if (!f)
				return -ENOMEM;
			dev->facets = f;
		}
		f = &dev->facets[n++];
		memset(f, 0, sizeof(*f));
		strcpy(f->name, name);
		f->min_version = lo;
		f->max_version = hi;
		f->flags = flags;
		dev->num_facets = n;
	}
	return 0;
}

/*
 * The "dev" attribute ("major:minor") gives the node: the core names it
 * uaccel/uaccel<minor> below /dev, which find_node() checks.  Cheaper than
 * "uevent", which the kernel builds afresh on every read.
 */
static int parse_dev(struct accel_device *dev, char *text)
{
	unsigned int major, minor;
	int used = 0;

	if (sscanf(text, "%u:%u%n", &major, &minor, &used) != 2 || text[used])
		return -EINVAL;
	dev->major = major;
	dev->minor = minor;
	dev->rdev = makedev(major, minor);
	if (snprintf(dev->node, sizeof(dev->node), "%s/uaccel/uaccel%u",
		     accel_dev_root(), minor) >= (int)sizeof(dev->node))
		return -ENAMETOOLONG;
	return 0;
}

bool accel_wrong_node(const struct accel_device *dev, const char *path,
		      const struct stat *st, char *why, size_t len)
{
	if (!S_ISCHR(st->st_mode))
		snprintf(why, len, "%s: %s is not a character device; the device is %u:%u",
			 dev->name, path, dev->major, dev->minor);
	else if (st->st_rdev != dev->rdev)
		snprintf(why, len, "%s: %s is device %u:%u, not %u:%u",
			 dev->name, path, major(st->st_rdev), minor(st->st_rdev),
			 dev->major, dev->minor);
	else
		return false;
	return true;
}

/*
 * The character devices directly in /dev/uaccel (not the by-name and
 * by-path links below it), read once per listing and only when a device's
 * usual path does not hold its node.
 */
struct node_scan {
	bool done;
	int n;
	struct scanned_node {
		dev_t rdev;
		char name[NAME_MAX + 1];
	} *nodes;
};

static int scan_nodes(struct node_scan *scan)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int cap = 0;
	DIR *d;

	scan->done = true;
	if (path_join(dir, sizeof(dir), accel_dev_root(), "uaccel"))
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct scanned_node *tmp;
		struct stat st;

		if (de->d_type != DT_CHR && de->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISCHR(st.st_mode) || strlen(de->d_name) > NAME_MAX)
			continue;
		if (scan->n == cap) {
			cap = cap ? 2 * cap : 16;
			tmp = realloc(scan->nodes, cap * sizeof(*tmp));
			if (!tmp) {
				closedir(d);
				return -ENOMEM;
			}
			scan->nodes = tmp;
		}
		scan->nodes[scan->n].rdev = st.st_rdev;
		strcpy(scan->nodes[scan->n++].name, de->d_name);
	}
	closedir(d);
	return 0;
}

/*
 * Set dev->node to the device's node: the usual /dev/uaccel/uaccel<minor>
 * when it is a character device of the device's number, else a node of
 * that number under another name in /dev/uaccel (the first by name).
 * -ENODEV with the reason in why when there is none; -ENOMEM.  A node the
 * caller may not even look at (EACCES on /dev/uaccel) is kept: opening it
 * says what is missing and checks it.
 */
static int find_node(struct accel_device *dev, struct node_scan *scan,
		     char *why, size_t len)
{
	const char *found = NULL;
	struct stat st;
	int i, ret;

	if (!stat(dev->node, &st)) {
		if (!accel_wrong_node(dev, dev->node, &st, why, len))
			return 0;
	} else if (errno == EACCES) {
		return 0;
	} else {
		snprintf(why, len, "%s: %s is absent; the device is %u:%u", dev->name,
			 dev->node, dev->major, dev->minor);
	}
	if (!scan->done) {
		ret = scan_nodes(scan);
		if (ret)
			return ret;
	}
	for (i = 0; i < scan->n; i++)
		if (scan->nodes[i].rdev == dev->rdev &&
		    (!found || strcmp(scan->nodes[i].name, found) < 0))
			found = scan->nodes[i].name;
	if (!found) {
		size_t used = strlen(why);

		snprintf(why + used, len - used, ", and no node in %s/uaccel has that number",
			 accel_dev_root());
		return -ENODEV;
	}
	accel_dbg("%s; its node is %s/uaccel/%s\n", why, accel_dev_root(), found);
	if (snprintf(dev->node, sizeof(dev->node), "%s/uaccel/%s", accel_dev_root(),
		     found) >= (int)sizeof(dev->node))
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Resolve the parent on first use: realpath() walks every component, and
 * most listings never ask for it.
 */
static void read_parent(struct accel_device *dev)
{
	char link[PATH_MAX], real[PATH_MAX], devices[PATH_MAX], top[PATH_MAX];
	char dir[PATH_MAX];
	size_t len;

	dev->parent_read = true;
	dev->parent[0] = '\0';
	if (snprintf(dir, sizeof(dir), "%s/class/uaccel/%s", accel_sysfs_root(),
		     dev->name) >= (int)sizeof(dir) ||
	    path_join(link, sizeof(link), dir, "device") ||
	    path_join(devices, sizeof(devices), accel_sysfs_root(), "devices") ||
	    !realpath(link, real))
		return;
	if (realpath(devices, top)) {
		len = strlen(top);
		if (!strncmp(real, top, len) && real[len] == '/') {
			snprintf(dev->parent, sizeof(dev->parent), "%s", real + len + 1);
			return;
		}
	}
	snprintf(dev->parent, sizeof(dev->parent), "%s", real);
}

static void free_device(struct accel_device *dev)
{
	if (dev) {
		free(dev->facets);
		free(dev);
	}
}

/*
 * Whether the caller may ever open the node: no device cgroup denies it
 * (the kernel checks those in access() too, with EPERM).  Plain permission
 * bits (EACCES) do not hide a device: opening it then explains what access
 * is missing.
 */
static int usable_node(const struct accel_device *dev)
{
	if (!faccessat(AT_FDCWD, dev->node, R_OK | W_OK, AT_EACCESS))
		return 0;
	return errno == EACCES ? 0 : -errno;
}

/*
 * Read one device and find its node.  -ENOENT means it vanished (or is
 * half removed); -ENODEV that the caller's /dev has no node of it (absent,
 * or its path holds another device), with the reason in why; other errors
 * are attributes missing or malformed, or (with check_access) a node the
 * caller may never open.  The listing skips the device either way.
 */
static int read_device(const char *classdir, const char *name,
		       struct node_scan *scan, bool check_access, char *why,
		       size_t whylen, struct accel_device **out)
{
	char dir[PATH_MAX], buf[4096];
	struct accel_device *dev;
	long long v;
	int ret;

	why[0] = '\0';
	if (strlen(name) >= ACCEL_NAME_MAX)
		return -EINVAL;
	if (path_join(dir, sizeof(dir), classdir, name))
		return -ENAMETOOLONG;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	strcpy(dev->name, name);

	ret = accel_read_attr(dir, "dev", buf, sizeof(buf));
	if (!ret)
		ret = parse_dev(dev, buf);
	if (!ret)
		ret = accel_read_attr(dir, "driver", dev->driver, sizeof(dev->driver));
	if (!ret)
		ret = accel_read_attr(dir, "abi_version", buf, sizeof(buf));
	if (!ret && !(ret = parse_int(buf, 0, UINT32_MAX, &v)))
		dev->abi_version = v;
	if (!ret)
		ret = accel_read_attr(dir, "numa_node", buf, sizeof(buf));
	if (!ret && !(ret = parse_int(buf, -1, INT32_MAX, &v)))
		dev->numa_node = v;
	if (!ret)
		ret = accel_read_attr(dir, "facets", buf, sizeof(buf));
	if (!ret)
		ret = parse_facets(dev, buf);
	/* Whatever failed, a device whose directory went away is skipped. */
	if (ret && access(dir, F_OK) && errno == ENOENT)
		ret = -ENOENT;
	if (!ret)
		ret = find_node(dev, scan, why, whylen);
	if (!ret && check_access) {
		ret = usable_node(dev);
		if (ret)
			snprintf(why, whylen, "%s: its node %s: %s", name, dev->node,
				 strerror(-ret));
	}
	if (ret) {
		free_device(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

/*
 * struct list_cache - the last listing that skipped no device
 *
 * Every device added, removed or renamed sends a uevent, which advances
 * the kernel's sequence number, /sys/kernel/uevent_seqnum; the number is
 * read before the class directory, so a listing made while a device came
 * or went is followed by a new number.  A listing that skipped a device
 * (half added or removed, or without a node yet: udev makes nodes after
 * the uevent) is not kept, so the device is looked for again next time.
 * Reuse checks each device's node again (the file at its path is a
 * character device of its number, and the caller may use it), so a /dev
 * changed behind the kernel's back makes a new listing; opening a device
 * checks its node in any case.  The roots of UACCEL_SYSFS_ROOT and
 * UACCEL_DEV_ROOT are part of the key.  The lock is only tried: a thread
 * that finds it taken (or a child forked while another thread held it)
 * lists from sysfs.
 */
static struct list_cache {
	pthread_mutex_t lock;
	bool valid;
	unsigned long long seqnum;
	char sysfs_root[PATH_MAX];
	char dev_root[PATH_MAX];
	int n;
	struct accel_device **devs;
} list_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Free the kept listing when the library is unloaded. */
static void __attribute__((destructor)) list_cache_free(void)
{
	accel_free_device_list(list_cache.devs);
	list_cache.devs = NULL;
	list_cache.valid = false;
}

/* The kernel's uevent sequence number into *@seqnum: 0, or -errno. */
static int read_seqnum(unsigned long long *seqnum)
{
	char dir[PATH_MAX], buf[32], *end;

	if (path_join(dir, sizeof(dir), accel_sysfs_root(), "kernel") ||
	    accel_read_attr(dir, "uevent_seqnum", buf, sizeof(buf)))
		return -ENOENT;
	errno = 0;
	*seqnum = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

static struct accel_device *dup_device(const struct accel_device *dev)
{
	struct accel_device *copy = malloc(sizeof(*copy));

	if (!copy)
		return NULL;
	*copy = *dev;
	copy->parent_read = false;
	copy->facets = NULL;
	if (dev->num_facets) {
		copy->facets = malloc(dev->num_facets * sizeof(*copy->facets));
		if (!copy->facets) {
			free(copy);
			return NULL;
		}
		memcpy(copy->facets, dev->facets, dev->num_facets * sizeof(*copy->facets));
	}
	return copy;
}

/* With the cache locked: whether it holds the listing of @seqnum. */
static bool cache_matches(unsigned long long seqnum)
{
	return list_cache.valid && list_cache.seqnum == seqnum &&
	       !strcmp(list_cache.sysfs_root, accel_sysfs_root()) &&
	       !strcmp(list_cache.dev_root, accel_dev_root());
}

/* The cached device's node still is its node, and usable. */
static bool node_still_good(const struct accel_device *dev)
{
	char why[PATH_MAX + 128];
	struct stat st;

	if (stat(dev->node, &st))
		return errno == EACCES;
	return !accel_wrong_node(dev, dev->node, &st, why, sizeof(why)) &&
	       !usable_node(dev);
}

/* A NULL-terminated copy of the @n devices of @devs, or NULL. */
static struct accel_device **dup_devices(struct accel_device *const *devs, int n)
{
	struct accel_device **copy = calloc(n + 1, sizeof(*copy));

	for (int i = 0; copy && i < n; i++) {
		copy[i] = dup_device(devs[i]);
		if (!copy[i]) {
			accel_free_device_list(copy);
			copy = NULL;
		}
	}
	return copy;
}

/*
 * A copy of the cached listing of @seqnum into @list and @n, or false: no
 * such listing, the lock taken, a node that changed, or no memory.
 */
static bool list_from_cache(unsigned long long seqnum, struct accel_device ***list,
			    int *n)
{
	struct accel_device **out = NULL;
	int i;

	if (pthread_mutex_trylock(&list_cache.lock))
		return false;
	if (!cache_matches(seqnum))
		goto unlock;
	for (i = 0; i < list_cache.n; i++)
		if (!node_still_good(list_cache.devs[i]))
			break;
	if (i < list_cache.n) {
		list_cache.valid = false;
		goto unlock;
	}
	out = dup_devices(list_cache.devs, list_cache.n);
	*n = list_cache.n;
unlock:
	pthread_mutex_unlock(&list_cache.lock);
	if (!out)
		return false;
	*list = out;
	return true;
}

/* Keep a copy of the complete listing @list of @seqnum (best effort). */
static void cache_store(unsigned long long seqnum, struct accel_device **list, int n)
{
	struct accel_device **copy = dup_devices(list, n);

	if (!copy)
		return;
	if (pthread_mutex_trylock(&list_cache.lock)) {
		accel_free_device_list(copy);
		return;
	}
	accel_free_device_list(list_cache.devs);
	list_cache.devs = copy;
	list_cache.n = n;
	list_cache.seqnum = seqnum;
	snprintf(list_cache.sysfs_root, sizeof(list_cache.sysfs_root), "%s",
		 accel_sysfs_root());
	snprintf(list_cache.dev_root, sizeof(list_cache.dev_root), "%s",
		 accel_dev_root());
	list_cache.valid = true;
	pthread_mutex_unlock(&list_cache.lock);
}

static int cmp_minor(const void *a, const void *b)
{
	const struct accel_device *da = *(struct accel_device *const *)a;
	const struct accel_device *db = *(struct accel_device *const *)b;

	return (da->minor > db->minor) - (da->minor < db->minor);
}

ACCEL_EXPORT struct accel_device **accel_get_device_list(int *num_devices)
{
	struct node_scan scan = { 0 };
	struct accel_device **list, **tmp;
	unsigned long long seqnum = 0;
	char classdir[PATH_MAX];
	bool cacheable;
	struct dirent *de;
	int n = 0, cap = 8;
	int ret = 0;
	DIR *d;

	cacheable = !read_seqnum(&seqnum);
	if (cacheable && list_from_cache(seqnum, &list, &n))
		goto out;
	list = calloc(cap + 1, sizeof(*list));
	if (!list)
		return NULL;

	ret = path_join(classdir, sizeof(classdir), accel_sysfs_root(), "class/uaccel");
	if (ret)
		goto err_free;
	d = opendir(classdir);
	if (!d) {
		if (errno != ENOENT) {
			ret = -errno;
			goto err_free;
		}
		goto out;
	}
	while ((de = readdir(d))) {
		struct accel_device *dev;
		char why[PATH_MAX + 512];

		if (de->d_name[0] == '.')
			continue;
		ret = read_device(classdir, de->d_name, &scan, true, why,
				  sizeof(why), &dev);
		/*
		 * A device that cannot be read completely is skipped, not the
		 * whole list: it is being added or removed (attributes come
		 * and go), or it is malformed, or the caller's /dev has no
		 * usable node of it, which only ACCEL_DEBUG reports.
		 */
		if (ret && ret != -ENOMEM) {
			cacheable = false;
			if (why[0])
				accel_dbg("skipping device %s\n", why);
			else if (ret != -ENOENT)
				accel_dbg("skipping device %s: %s\n", de->d_name,
					  strerror(-ret));
			ret = 0;
			continue;
		}
		if (ret)
			break;
		if (n == cap) {
			cap *= 2;
			tmp = realloc(list, (cap + 1) * sizeof(*list));
			if (!tmp) {
				free_device(dev);
				ret = -ENOMEM;
				break;
			}
			list = tmp;
		}
		list[n++] = dev;
		list[n] = NULL;
	}
	closedir(d);
	free(scan.nodes);
	if (ret)
		goto err_free;
	qsort(list, n, sizeof(*list), cmp_minor);
	if (cacheable)
		cache_store(seqnum, list, n);
out:
	if (num_devices)
		*num_devices = n;
	return list;

err_free:
	accel_free_device_list(list);
	errno = -ret;
	return NULL;
}

struct accel_device *accel_read_device(const char *name, char *why, size_t len)
{
	struct node_scan scan = { 0 };
	struct accel_device *dev = NULL;
	char classdir[PATH_MAX];
	int ret;

	why[0] = '\0';
	/* Device names are short, never hold a slash nor start with a dot. */
	if (!*name || name[0] == '.' || strchr(name, '/') ||
	    strlen(name) >= ACCEL_NAME_MAX) {
		ret = -ENOENT;
		goto out;
	}
	ret = path_join(classdir, sizeof(classdir), accel_sysfs_root(), "class/uaccel");
	if (!ret)
		ret = read_device(classdir, name, &scan, false, why, len, &dev);
	free(scan.nodes);
out:
	if (ret == -ENOENT)
		snprintf(why, len, "no accelerator named %s", name);
	else if (ret && !why[0])
		snprintf(why, len, "%s: its sysfs attributes cannot be read: %s",
			 name, strerror(-ret));
	if (ret)
		errno = ret == -ENOMEM ? ENOMEM : ENODEV;
	return dev;
}

void accel_free_device(struct accel_device *dev)
{
	free_device(dev);
}

ACCEL_EXPORT void accel_free_device_list(struct accel_device **list)
{
	struct accel_device **p;

	if (!list)
		return;
	for (p = list; *p; p++)
		free_device(*p);
	free(list);
}

ACCEL_EXPORT const char *accel_device_name(const struct accel_device *dev)
{
	return dev->name;
}

ACCEL_EXPORT const char *accel_device_driver(const struct accel_device *dev)
{
	return dev->driver;
}

ACCEL_EXPORT const char *accel_device_node(const struct accel_device *dev)
{
	return dev->node;
}

ACCEL_EXPORT const char *accel_device_parent(const struct accel_device *dev)
{
	if (!dev->parent_read)
		read_parent((struct accel_device *)dev);
	return dev->parent;
}

ACCEL_EXPORT int accel_device_numa_node(const struct accel_device *dev)
{
	return dev->numa_node;
}

ACCEL_EXPORT unsigned int accel_device_abi_version(const struct accel_device *dev)
{
	return dev->abi_version;
}

ACCEL_EXPORT int accel_device_num_facets(const struct accel_device *dev)
{
	return dev->num_facets;
}

ACCEL_EXPORT const struct accel_facet_desc *
accel_device_facet(const struct accel_device *dev, int i)
{
	if (i < 0 || i >= dev->num_facets) {
		errno = EINVAL;
		return NULL;
	}
	return &dev->facets[i];
}
