// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the module, the device class and the registry of devices:
 * allocation, names and renames, registration of the char device and class
 * device, and unregistration, which disassociates every context (also
 * after a fatal error).  The device file is in file.c, the sysfs
 * attributes in sysfs.c, the ring mappings in mmap.c.
 */
#include <linux/ctype.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <uaccel/netlink.h>
#include <uaccel/version.h>

#include "uaccel_core.h"

static unsigned int dev_mode = 0600;
module_param(dev_mode, uint, 0444);
MODULE_PARM_DESC(dev_mode,
		 "Permission bits of /dev/uaccel/* nodes before udev rules apply (default 0600)");

static dev_t uaccel_devt;

/*
 * Registered devices by index; the lock also serialises name assignment,
 * renames and every read of a name (a rename frees the old one).
 * Indexes are handed out cyclically: a device added after a removal gets a
 * new node, so nothing that remembers the old one reaches the new device.
 * UACCEL_DEV_ADDED marks the devices that can be renamed: from the end of
 * their device_add() to the start of their device_del(), which both use
 * the name.  The lock is not held across device_add(), whose failure
 * drains the sysfs attributes, one of which takes the lock.
 */
static DEFINE_XARRAY_ALLOC(uaccel_devices);
static DEFINE_MUTEX(uaccel_devices_lock);
static u32 uaccel_next_index;
#define UACCEL_DEV_ADDED	XA_MARK_1

/* The device called @name, registered or being registered, or NULL. */
static struct uaccel_device *uaccel_find_by_name(const char *name)
{
	struct uaccel_device *udev;
	unsigned long index;

	lockdep_assert_held(&uaccel_devices_lock);
	xa_for_each(&uaccel_devices, index, udev)
		if (!strcmp(dev_name(&udev->dev), name))
			return udev;
	return NULL;
}

/*
 * Bumped, under uaccel_devices_lock, by every registration, removal and
 * rename: a netlink dump that sees it change marks its messages
 * NLM_F_DUMP_INTR.
 */
atomic_t uaccel_registry_gen = ATOMIC_INIT(1);

/*
 * The registered device at or after *@index (a reference held; the caller
 * puts it) and its index in *@index, or NULL past the last one.  Devices
 * that are not added yet, or being removed, are skipped.
 */
struct uaccel_device *uaccel_device_get_next(unsigned long *index)
{
	struct uaccel_device *udev;

	mutex_lock(&uaccel_devices_lock);
	udev = xa_find(&uaccel_devices, index, ULONG_MAX, UACCEL_DEV_ADDED);
	if (udev)
		get_device(&udev->dev);
	mutex_unlock(&uaccel_devices_lock);
	return udev;
}

/* The registered device of @index, with a reference, or NULL. */
struct uaccel_device *uaccel_device_get_by_index(u32 index)
{
	unsigned long i = index;
	struct uaccel_device *udev = uaccel_device_get_next(&i);

	if (udev && i != index) {
		put_device(&udev->dev);
		udev = NULL;
	}
	return udev;
}

/* The registered device called @name, with a reference, or NULL. */
struct uaccel_device *uaccel_device_get_by_name(const char *name)
{
	struct uaccel_device *udev;

	mutex_lock(&uaccel_devices_lock);
	udev = uaccel_find_by_name(name);
	if (udev && xa_get_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED))
		get_device(&udev->dev);
	else
		udev = NULL;
	mutex_unlock(&uaccel_devices_lock);
	return udev;
}

/* True from the end of the device's registration to the start of its removal. */
bool uaccel_device_added(const struct uaccel_device *udev)
{
	return xa_get_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED);
}

/*
 * Tell the monitor group, in the order of the registry's changes: called
 * under uaccel_devices_lock, which also keeps the name.
 */
static void uaccel_notify_locked(struct uaccel_device *udev, u8 cmd,
				 const char *old_name)
{
	lockdep_assert_held(&uaccel_devices_lock);
	atomic_inc(&uaccel_registry_gen);
	uaccel_nl_notify(udev, cmd, old_name);
}

static char *uaccel_devnode(struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = dev_mode;
	return kasprintf(GFP_KERNEL, "uaccel/uaccel%u", MINOR(dev->devt));
}

static struct class uaccel_class = {
	.name = "uaccel",
	.owner = THIS_MODULE,
	.devnode = uaccel_devnode,
	.dev_groups = uaccel_core_groups,
};

struct uaccel_device *uaccel_from_dev(struct device *dev)
{
	return container_of(dev, struct uaccel_device, dev);
}
EXPORT_SYMBOL_GPL(uaccel_from_dev);

void *uaccel_priv(struct uaccel_device *udev)
{
	return udev->priv;
}
EXPORT_SYMBOL_GPL(uaccel_priv);

const char *uaccel_device_name(const struct uaccel_device *udev)
{
	return dev_name(&udev->dev);
}
EXPORT_SYMBOL_GPL(uaccel_device_name);

void uaccel_device_copy_name(const struct uaccel_device *udev, char *buf,
			     size_t len)
{
	mutex_lock(&uaccel_devices_lock);
	strscpy(buf, dev_name(&udev->dev), len);
	mutex_unlock(&uaccel_devices_lock);
}
EXPORT_SYMBOL_GPL(uaccel_device_copy_name);

static void uaccel_device_release(struct device *dev)
{
	struct uaccel_device *udev = uaccel_from_dev(dev);

	WARN_ON(!list_empty(&udev->contexts));
	uaccel_free_facets(udev);
	uaccel_mapping_inode_free(udev->mapping_inode);
	cleanup_srcu_struct(&udev->disassociate_srcu);
	mutex_destroy(&udev->contexts_lock);
	kfree(udev);
}

struct uaccel_device *uaccel_alloc_device(struct device *parent,
					  const struct uaccel_ops *ops,
					  size_t priv_size)
{
	struct uaccel_device *udev;
	int ret;

	if (!ops || !ops->driver_name)
		return ERR_PTR(-EINVAL);

	udev = kzalloc(struct_size(udev, priv, priv_size), GFP_KERNEL);
	if (!udev)
		return ERR_PTR(-ENOMEM);

	ret = init_srcu_struct(&udev->disassociate_srcu);
	if (ret)
		goto err_free;
	udev->mapping_inode = uaccel_mapping_inode_alloc();
	if (IS_ERR(udev->mapping_inode)) {
		ret = PTR_ERR(udev->mapping_inode);
		goto err_cleanup_srcu;
	}

	mutex_init(&udev->contexts_lock);
	INIT_LIST_HEAD(&udev->contexts);
	udev->ops = ops;
	strscpy(udev->driver_name, ops->driver_name, sizeof(udev->driver_name));

	device_initialize(&udev->dev);
	udev->dev.class = &uaccel_class;
	udev->dev.parent = parent;
	udev->dev.groups = ops->dev_groups;
	udev->dev.release = uaccel_device_release;
	set_dev_node(&udev->dev, parent ? dev_to_node(parent) : NUMA_NO_NODE);
	/*
	 * A device that reaches memory with the CPU attaches to dma-bufs as
	 * itself: exporters map for it without an IOMMU (kernel/core/dmabuf.c).
	 */
	if (!(ops->flags & UACCEL_OPS_MR_DMA)) {
		udev->dev.coherent_dma_mask = DMA_BIT_MASK(64);
		udev->dev.dma_mask = &udev->dev.coherent_dma_mask;
	}
	if (parent && dev_is_pci(parent)) {
		struct pci_dev *pdev = to_pci_dev(parent);

		udev->vendor_id = pdev->vendor;
		udev->device_id = pdev->device;
	}
	cdev_init(&udev->cdev, &uaccel_device_fops);
	udev->cdev.owner = THIS_MODULE;
	return udev;

err_cleanup_srcu:
	cleanup_srcu_struct(&udev->disassociate_srcu);
err_free:
	kfree(udev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(uaccel_alloc_device);

void uaccel_put_device(struct uaccel_device *udev)
{
	if (udev)
		put_device(&udev->dev);
}
EXPORT_SYMBOL_GPL(uaccel_put_device);

static bool uaccel_name_valid(const char *name)
{
	const char *p;

	if (!isalnum(name[0]))
		return false;
	for (p = name; *p; p++)
		if (!isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return p - name < UACCEL_NAME_MAX;
}

static bool uaccel_name_taken(const char *name)
{
	return uaccel_find_by_name(name);
}

/*
 * Pick the final name of a device being registered: the name itself, or for
 * a template with one "%d" the first free instance of it.
 */
static int uaccel_assign_name(struct uaccel_device *udev, const char *tmpl)
{
	const char *pct = strchr(tmpl, '%');
	char name[UACCEL_NAME_MAX];
	unsigned int i;

	if (!pct) {
		if (!uaccel_name_valid(tmpl))
			return -EINVAL;
		if (uaccel_name_taken(tmpl))
			return -EEXIST;
		return dev_set_name(&udev->dev, "%s", tmpl);
	}
	if (pct[1] != 'd' || strchr(pct + 1, '%'))
		return -EINVAL;

	for (i = 0; i < UACCEL_MAX_DEVICES; i++) {
		if (snprintf(name, sizeof(name), "%.*s%u%s", (int)(pct - tmpl),
			     tmpl, i, pct + 2) >= sizeof(name))
			return -EINVAL;
		if (!uaccel_name_valid(name))
			return -EINVAL;
		if (!uaccel_name_taken(name))
			return dev_set_name(&udev->dev, "%s", name);
	}
	return -ENFILE;
}

int uaccel_register_device(struct uaccel_device *udev, const char *name)
{
	int ret;

	ret = uaccel_register_facets(udev);
	if (ret)
		return ret;

	mutex_lock(&uaccel_devices_lock);
	ret = uaccel_assign_name(udev, name);
	if (ret)
		goto err_unlock;

	ret = xa_alloc_cyclic(&uaccel_devices, &udev->index, udev,
			      XA_LIMIT(0, UACCEL_MAX_DEVICES - 1),
			      &uaccel_next_index, GFP_KERNEL);
	if (ret < 0) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_unlock;
	}

	udev->dev.devt = MKDEV(MAJOR(uaccel_devt), udev->index);
	WRITE_ONCE(udev->registered, true);
	mutex_unlock(&uaccel_devices_lock);

	/* The name stays reserved: the device is in uaccel_devices. */
	ret = cdev_device_add(&udev->cdev, &udev->dev);

	mutex_lock(&uaccel_devices_lock);
	if (ret) {
		WRITE_ONCE(udev->registered, false);
		xa_erase(&uaccel_devices, udev->index);
	} else {
		xa_set_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED);
		uaccel_notify_locked(udev, UACCEL_NL_CMD_DEV_NEW, NULL);
	}
err_unlock:
	mutex_unlock(&uaccel_devices_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(uaccel_register_device);

/* A name a device may be renamed to (sysfs "name", netlink DEV_SET). */
bool uaccel_rename_valid(const char *name)
{
	return uaccel_name_valid(name) && !strchr(name, '%');
}

/*
 * Rename a registered device (sysfs "name", netlink DEV_SET).  The kernel
 * object is renamed, which sends a "move" uevent: udev moves the by-name
 * link.  The node and every open file stay as they are.
 */
int uaccel_rename_device(struct uaccel_device *udev, const char *name)
{
	char old[UACCEL_NAME_MAX];
	int ret = 0;

	if (!uaccel_rename_valid(name))
		return -EINVAL;
	mutex_lock(&uaccel_devices_lock);
	/* Not while device_add() or device_del() uses the name, nor failed. */
	if (!READ_ONCE(udev->registered) ||
	    !xa_get_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED)) {
		ret = -ENODEV;
	} else if (!strcmp(dev_name(&udev->dev), name)) {
		ret = 0;
	} else if (uaccel_name_taken(name)) {
		ret = -EEXIST;
	} else {
		strscpy(old, dev_name(&udev->dev), sizeof(old));
		ret = device_rename(&udev->dev, name);
		if (!ret)
			uaccel_notify_locked(udev, UACCEL_NL_CMD_DEV_RENAME, old);
	}
	mutex_unlock(&uaccel_devices_lock);
	return ret;
}

bool uaccel_device_enter(struct uaccel_device *udev, int *idx)
{
	return __uaccel_device_enter(udev, idx);
}
EXPORT_SYMBOL_GPL(uaccel_device_enter);

void uaccel_device_exit(struct uaccel_device *udev, int idx)
{
	__uaccel_device_exit(udev, idx);
}
EXPORT_SYMBOL_GPL(uaccel_device_exit);

/*
 * Stop every file call from entering the driver, wake the sleepers of the
 * contexts and let the driver wake its own.  Once per device: at a fatal
 * error or at unregistration, whichever comes first.
 */
static void uaccel_device_shut(struct uaccel_device *udev)
{
	if (!xchg(&udev->registered, false))
		return;
	uaccel_contexts_shut(udev);
	if (udev->ops->shut)
		udev->ops->shut(udev);
}

bool uaccel_device_removing(const struct uaccel_device *udev)
{
	return !READ_ONCE(udev->registered);
}
EXPORT_SYMBOL_GPL(uaccel_device_removing);

bool uaccel_report_fatal(struct uaccel_device *udev)
{
	/*
	 * Under the lock: the message reads the name, which a rename frees,
	 * and unregistration clears the mark under it first, so a device
	 * being removed does not fail on top of it.
	 */
	mutex_lock(&uaccel_devices_lock);
	if (udev->fatal ||
	    !xa_get_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED)) {
		mutex_unlock(&uaccel_devices_lock);
		return false;
	}
	WRITE_ONCE(udev->fatal, true);
	dev_err(&udev->dev, "fatal device error, the device is going away\n");
	uaccel_notify_locked(udev, UACCEL_NL_CMD_DEV_FATAL, NULL);
	mutex_unlock(&uaccel_devices_lock);
	uaccel_device_shut(udev);
	return true;
}
EXPORT_SYMBOL_GPL(uaccel_report_fatal);

void uaccel_unregister_device(struct uaccel_device *udev)
{
	/*
	 * No rename from here on, and none in progress: device_del() uses the
	 * name (the class link) before it waits for the sysfs stores.
	 */
	mutex_lock(&uaccel_devices_lock);
	if (xa_get_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED))
		uaccel_notify_locked(udev, UACCEL_NL_CMD_DEV_DEL, NULL);
	xa_clear_mark(&uaccel_devices, udev->index, UACCEL_DEV_ADDED);
	mutex_unlock(&uaccel_devices_lock);

	/* Opens and calls fail, sleepers (the driver's too) see the device gone ... */
	uaccel_device_shut(udev);

	/* ... every file call that is past its check has returned ... */
	synchronize_srcu(&udev->disassociate_srcu);

	/* ... no ring page stays mapped (faults now get SIGBUS) ... */
	unmap_mapping_range(udev->mapping_inode->i_mapping, 0, 0, 1);

	/*
	 * ... the objects that hold the device go while the driver is still
	 * there: queues stop, pinned pages are released and their charge
	 * returned now, not at close, and every context gets its removal
	 * events ...
	 */
	uaccel_contexts_disassociate(udev);

	/*
	 * ... and last the node and the sysfs directory.  devtmpfs deletes
	 * the node in its own thread, under the lock of /dev/uaccel, which a
	 * getdents64() of the directory holds while it writes into a user
	 * buffer that may fault for as long as userspace likes: this is the
	 * one wait userspace can cause, after everything of the device
	 * stopped, and it is every char device's (docs/design.md).
	 */
	cdev_device_del(&udev->cdev, &udev->dev);

	mutex_lock(&uaccel_devices_lock);
	xa_erase(&uaccel_devices, udev->index);
	mutex_unlock(&uaccel_devices_lock);
}
EXPORT_SYMBOL_GPL(uaccel_unregister_device);

static int __init uaccel_core_init(void)
{
	int ret;

	if (dev_mode & ~0777U) {
		pr_err("uaccel: dev_mode %#o has bits outside 0777\n", dev_mode);
		return -EINVAL;
	}

	ret = alloc_chrdev_region(&uaccel_devt, 0, UACCEL_MAX_DEVICES, "uaccel");
	if (ret)
		return ret;

	ret = uaccel_mr_init();
	if (ret)
		goto err_unregister_chrdev;
	ret = class_register(&uaccel_class);
	if (ret)
		goto err_mr_exit;
	ret = uaccel_nl_init();
	if (ret)
		goto err_class_unregister;
	uaccel_debugfs_init();
	return 0;

err_class_unregister:
	class_unregister(&uaccel_class);
err_mr_exit:
	uaccel_mr_exit();
err_unregister_chrdev:
	unregister_chrdev_region(uaccel_devt, UACCEL_MAX_DEVICES);
	return ret;
}

static void __exit uaccel_core_exit(void)
{
	WARN_ON(!xa_empty(&uaccel_devices));
	uaccel_debugfs_exit();
	uaccel_nl_exit();
	class_unregister(&uaccel_class);
	/* May wait: an MR's pages whose lock userspace holds (object.c). */
	uaccel_mr_exit();
	unregister_chrdev_region(uaccel_devt, UACCEL_MAX_DEVICES);
}

module_init(uaccel_core_init);
module_exit(uaccel_core_exit);

MODULE_DESCRIPTION("Common accelerator core");
MODULE_LICENSE("GPL");
MODULE_VERSION(UACCEL_VERSION);
