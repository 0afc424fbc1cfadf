// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: attributes of /sys/class/uaccel/<name>.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "uaccel_core.h"

static ssize_t driver_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", uaccel_from_dev(dev)->ops->driver_name);
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

/* One line per facet: "<name> <min_version> <max_version> <flags>". */
static ssize_t facets_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct uaccel_device *udev = uaccel_from_dev(dev);
	const struct uaccel_facet *f;
	unsigned int i;
	int len = 0;

	for (i = 0; i < udev->num_facets; i++) {
		f = udev->facets[i];
		len += sysfs_emit_at(buf, len, "%s %u %u %x\n", f->name,
				     f->min_version, f->max_version, f->flags);
	}
	return len;
}
static DEVICE_ATTR_RO(facets);

static struct attribute *uaccel_core_attrs[] = {
	&dev_attr_driver.attr,
	&dev_attr_abi_version.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_facets.attr,
	NULL,
};

static const struct attribute_group uaccel_core_group = {
	.attrs = uaccel_core_attrs,
};

const struct attribute_group *uaccel_core_groups[] = {
	&uaccel_core_group,
	NULL,
};
