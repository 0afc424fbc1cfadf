// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: attributes of /sys/class/uaccel/<name>.
 */
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "uaccel_core.h"

static ssize_t driver_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", uaccel_from_dev(dev)->driver_name);
}
static DEVICE_ATTR_RO(driver);

static ssize_t abi_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", UACCEL_ABI_VERSION);
}
static DEVICE_ATTR_RO(abi_version);

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", dev_to_node(dev));
}
static DEVICE_ATTR_RO(numa_node);

/*
 * One line per facet: "<name> <min_version> <max_version> <flags>".  The
 * facets are the driver's, read inside the device's section: -ENODEV once
 * the device stopped taking calls (removal deletes the directory last).
 */
static ssize_t facets_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct uaccel_device *udev = uaccel_from_dev(dev);
	const struct uaccel_facet *f;
	unsigned int i;
	int len = 0;
	int idx;

	if (!uaccel_device_enter(udev, &idx))
		return -ENODEV;
	for (i = 0; i < udev->num_facets; i++) {
		f = udev->facets[i];
		len += sysfs_emit_at(buf, len, "%s %u %u %x\n", f->name,
				     f->min_version, f->max_version, f->flags);
	}
	uaccel_device_exit(udev, idx);
	return len;
}
static DEVICE_ATTR_RO(facets);

static ssize_t name_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	char name[UACCEL_NAME_MAX];

	uaccel_device_copy_name(uaccel_from_dev(dev), name, sizeof(name));
	return sysfs_emit(buf, "%s\n", name);
}

/* Rename: -EEXIST when another device has the name, -EINVAL if malformed. */
static ssize_t name_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	char name[UACCEL_NAME_MAX];
	size_t len = count;
	int ret;

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, buf, len);
	name[len] = '\0';
	ret = uaccel_rename_device(uaccel_from_dev(dev), name);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(name);

/*
 * @on: at most one context at a time; later open()s get -EBUSY until it is
 * released (its file and every facet file of it closed).  -EBUSY when two
 * or more contexts are open already.  The sysfs attribute "exclusive" and
 * netlink's DEV_SET.
 */
int uaccel_set_exclusive(struct uaccel_device *udev, bool on)
{
	int ret = 0;

	mutex_lock(&udev->contexts_lock);
	if (on && udev->nr_contexts > 1)
		ret = -EBUSY;
	else
		WRITE_ONCE(udev->exclusive, on);
	mutex_unlock(&udev->contexts_lock);
	return ret;
}

static ssize_t exclusive_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(uaccel_from_dev(dev)->exclusive));
}

static ssize_t exclusive_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	ret = uaccel_set_exclusive(uaccel_from_dev(dev), on);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(exclusive);

/*
 * The number of open contexts: a snapshot for load balancing (libaccel's
 * device selection), stale as soon as it is read.
 */
static ssize_t contexts_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(uaccel_from_dev(dev)->nr_contexts));
}
static DEVICE_ATTR_RO(contexts);

/* The largest ALLOC_DM buffer, in bytes; 0 when the device has no DM. */
static ssize_t dm_max_bytes_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", uaccel_from_dev(dev)->ops->dm_max_length);
}
static DEVICE_ATTR_RO(dm_max_bytes);

static struct attribute *uaccel_core_attrs[] = {
	&dev_attr_name.attr,
	&dev_attr_exclusive.attr,
	&dev_attr_contexts.attr,
	&dev_attr_driver.attr,
	&dev_attr_abi_version.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_facets.attr,
	&dev_attr_dm_max_bytes.attr,
	NULL,
};

static const struct attribute_group uaccel_core_group = {
	.attrs = uaccel_core_attrs,
};

const struct attribute_group *uaccel_core_groups[] = {
	&uaccel_core_group,
	NULL,
};
