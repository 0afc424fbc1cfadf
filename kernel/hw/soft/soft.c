// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_soft: a software accelerator, the uaccel counterpart of rdma_rxe.
 *
 * Every instance is a platform device "uaccel_soft.N" bound to this driver,
 * so instances are created and removed like hardware:
 *  - num_devices instances at module load;
 *  - "echo [name] [node=N] > /sys/bus/platform/drivers/uaccel_soft/new_device"
 *    adds one (named "soft%d" when no name is given; on NUMA node N, an
 *    online node, when one is given, else on none);
 *  - "echo <name> > /sys/bus/platform/drivers/uaccel_soft/delete_device"
 *    removes one;
 *  - unbinding an instance through the driver's "unbind" file removes its
 *    accelerator device while the platform device stays;
 *  - a fatal error raised through the debug facet fails the accelerator,
 *    and a recovery replaces it with a new one of the same name.
 *
 * Locking: an instance's accelerator (its driver data) and the name it
 * keeps while unbound change only under the device lock of its platform
 * device, which the driver core holds for probe and remove (bind, unbind,
 * delete) and the recovery holds too; whatever else reads them takes that
 * lock.  soft_instances_lock, which serialises new_device, delete_device
 * and module unload, is taken before a device lock, never after.
 */
#include <linux/kcov.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <uaccel/version.h>

#include "soft_dev.h"

#define SOFT_DRV_NAME		"uaccel_soft"
#define SOFT_MAX_DEVICES	64

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of soft devices created at load (default 1, at most 64)");

unsigned int soft_poll_idle_ms = SOFT_POLL_IDLE_DEFAULT_MS;

/* Store @val into the uint parameter of @kp if it is in [@min, @max]. */
static int soft_param_set_range(const char *val, const struct kernel_param *kp,
				unsigned int min, unsigned int max)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int poll_idle_ms_set(const char *val, const struct kernel_param *kp)
{
	return soft_param_set_range(val, kp, 1, UACCEL_QUEUE_POLL_IDLE_MAX_MS);
}

static const struct kernel_param_ops poll_idle_ms_ops = {
	.set = poll_idle_ms_set,
	.get = param_get_uint,
};

module_param_cb(poll_idle_ms, &poll_idle_ms_ops, &soft_poll_idle_ms, 0644);
MODULE_PARM_DESC(poll_idle_ms, "Default time the polling thread of polled queues keeps polling after the last work request, in ms (default 1000, 1 to 10000)");

static int inline_requests_set(const char *val, const struct kernel_param *kp)
{
	return soft_param_set_range(val, kp, 0, SOFT_INLINE_REQUESTS_MAX);
}

static int inline_bytes_set(const char *val, const struct kernel_param *kp)
{
	return soft_param_set_range(val, kp, 0, SOFT_INLINE_BYTES_MAX);
}

static const struct kernel_param_ops inline_requests_ops = {
	.set = inline_requests_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops inline_bytes_ops = {
	.set = inline_bytes_set,
	.get = param_get_uint,
};

module_param_cb(inline_requests, &inline_requests_ops, &soft_inline_requests, 0644);
MODULE_PARM_DESC(inline_requests, "Work requests a doorbell on an idle queue executes in the caller's context before handing the rest to a worker (default 64, 0 to 1024; 0: never inline)");
module_param_cb(inline_bytes, &inline_bytes_ops, &soft_inline_bytes, 0644);
MODULE_PARM_DESC(inline_bytes, "Bytes of data a doorbell executes inline at most, summed over its requests; a larger request goes to a worker (default 65536, 0 to 1048576)");

/**
 * struct soft_instance - one platform device created by this module; its
 *	platform data is a pointer to this structure
 * @pdev: the platform device
 * @list: entry in soft_instances
 * @name: the requested device name, or "" for the next free "soft%d"; once
 *	probed, the name the next probe registers (the device's name when it
 *	was removed); under the device lock of @pdev
 * @probe_err: the result of the last probe of @pdev, under its device lock
 */
struct soft_instance {
	struct platform_device *pdev;
	struct list_head list;
	char name[64];
	int probe_err;
};

/*
 * Platform devices this module created; the lock serialises add/delete.
 * soft_closing: the module is being unloaded, new_device fails.
 */
static LIST_HEAD(soft_instances);
static unsigned int soft_nr_instances;
static bool soft_closing;
static DEFINE_MUTEX(soft_instances_lock);

/* Tells accelerators apart across unbind and bind (see soft_recover()). */
static atomic64_t soft_generation;

static struct soft_instance *soft_pdev_instance(struct platform_device *pdev)
{
	return *(struct soft_instance **)dev_get_platdata(&pdev->dev);
}

static ssize_t instance_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct soft_device *sdev = uaccel_priv(uaccel_from_dev(dev));

	return sysfs_emit(buf, "%d\n", sdev->pdev->id);
}
static DEVICE_ATTR_RO(instance);

/* The pid of the polling thread, 0 while the device has no polled queue. */
static ssize_t poll_thread_show(struct device *dev, struct device_attribute *attr,
				char *buf)
{
	struct soft_device *sdev = uaccel_priv(uaccel_from_dev(dev));
	pid_t pid = 0;

	mutex_lock(&sdev->poll_lock);
	if (sdev->poll_thread)
		pid = task_pid_nr(sdev->poll_thread);
	mutex_unlock(&sdev->poll_lock);
	return sysfs_emit(buf, "%d\n", pid);
}
static DEVICE_ATTR_RO(poll_thread);

static struct attribute *soft_dev_attrs[] = {
	&dev_attr_instance.attr,
	&dev_attr_poll_thread.attr,
	NULL,
};

static const struct attribute_group soft_dev_group = {
	.name = "soft",
	.attrs = soft_dev_attrs,
};

static const struct attribute_group *soft_dev_groups[] = {
	&soft_dev_group,
	NULL,
};

static const struct uaccel_ops soft_ops = {
	.owner = THIS_MODULE,
	.driver_name = "soft",
	.dev_groups = soft_dev_groups,
	.queue_priv_size = sizeof(struct soft_queue),
	.queue_entry_size = sizeof(struct uaccel_wr),
	.queue_flags = UACCEL_QUEUE_POLL,
	.create_queue = soft_create_queue,
	.destroy_queue = soft_destroy_queue,
	.doorbell = soft_doorbell,
	.post = soft_post,
	.facets = soft_facets,
	/* Device memory to export as dma-bufs: system memory, as the rest. */
	.dm_max_length = SZ_64M,
};

/*
 * Create and register the accelerator of an instance, under the device
 * lock of its platform device (probe, recovery).
 */
static int soft_create_device(struct platform_device *pdev)
{
	struct soft_instance *inst = soft_pdev_instance(pdev);
	struct uaccel_device *udev;
	struct soft_device *sdev;
	int ret;

	device_lock_assert(&pdev->dev);
	udev = uaccel_alloc_device(&pdev->dev, &soft_ops, sizeof(*sdev));
	if (IS_ERR(udev)) {
		ret = PTR_ERR(udev);
		goto out;
	}
	sdev = uaccel_priv(udev);
	sdev->pdev = pdev;
	sdev->udev = udev;
	sdev->generation = atomic64_inc_return(&soft_generation);
	soft_poll_init(sdev);

	ret = uaccel_register_device(udev, inst->name[0] ? inst->name : "soft%d");
	if (ret)
		goto err_put;
	/* A later probe (recovery, unbind and bind) keeps the name. */
	uaccel_device_copy_name(udev, inst->name, sizeof(inst->name));
	platform_set_drvdata(pdev, udev);
	goto out;

err_put:
	uaccel_put_device(udev);
out:
	inst->probe_err = ret;
	return ret;
}

/* Unregister and drop the accelerator of an instance; device lock held. */
static void soft_destroy_device(struct platform_device *pdev)
{
	struct soft_instance *inst = soft_pdev_instance(pdev);
	struct uaccel_device *udev = platform_get_drvdata(pdev);

	device_lock_assert(&pdev->dev);
	uaccel_unregister_device(udev);
	/*
	 * The name it has now, for the next probe: read after unregistering,
	 * which waited for a rename in progress (its sysfs store) and
	 * prevents later ones, so no rename is lost.
	 */
	uaccel_device_copy_name(udev, inst->name, sizeof(inst->name));
	platform_set_drvdata(pdev, NULL);
	uaccel_put_device(udev);
}

static int soft_probe(struct platform_device *pdev)
{
	return soft_create_device(pdev);
}

/**
 * struct soft_recovery - the recovery of an instance after a fatal error
 * @work: runs in soft_wq, outside any call on the device's files
 * @pdev: the platform device, referenced
 * @generation: the generation of the failed accelerator
 * @kcov_handle: KCOV common handle of the task that reported the error
 */
struct soft_recovery {
	struct work_struct work;
	struct platform_device *pdev;
	u64 generation;
	u64 kcov_handle;
};

/*
 * Replace the failed accelerator (unregistering it disassociates every
 * file of it) with a new one under the same name.  All of it runs under
 * the device lock, as probe and remove do: an unbind, bind or delete of
 * the instance comes entirely before or after it.  One that came before
 * wins: the failed accelerator is no longer bound (the instance is
 * unbound or deleted, or was bound again to a new accelerator), and the
 * recovery does nothing.  Module unload drains soft_wq.
 */
static void soft_recover(struct work_struct *work)
{
	struct soft_recovery *rec = container_of(work, struct soft_recovery, work);
	struct platform_device *pdev = rec->pdev;
	struct uaccel_device *udev;
	struct soft_device *sdev;
	int ret = 0;

	kcov_remote_start_common(rec->kcov_handle);
	device_lock(&pdev->dev);
	udev = platform_get_drvdata(pdev);
	sdev = udev ? uaccel_priv(udev) : NULL;
	if (sdev && sdev->generation == rec->generation) {
		soft_destroy_device(pdev);
		/* On failure the instance stays bound without an accelerator. */
		ret = soft_create_device(pdev);
	}
	device_unlock(&pdev->dev);
	if (ret)
		dev_err(&pdev->dev, "recovery failed: %d\n", ret);
	put_device(&pdev->dev);
	kfree(rec);
	kcov_remote_stop();
}

/* The debug facet's fatal error: fail the device now, recover later. */
int soft_fatal_error(struct uaccel_device *udev)
{
	struct soft_device *sdev = uaccel_priv(udev);
	struct soft_recovery *rec;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!rec)
		return -ENOMEM;
	if (!uaccel_report_fatal(udev)) {
		/* Already failed: its recovery is on the way. */
		kfree(rec);
		return 0;
	}
	INIT_WORK(&rec->work, soft_recover);
	rec->pdev = sdev->pdev;
	rec->generation = sdev->generation;
	rec->kcov_handle = kcov_common_handle();
	get_device(&rec->pdev->dev);
	queue_work(soft_wq, &rec->work);
	return 0;
}

static int soft_remove(struct platform_device *pdev)
{
	/* Without an accelerator only after a failed recovery. */
	if (platform_get_drvdata(pdev))
		soft_destroy_device(pdev);
	return 0;
}

/*
 * Create and bind one instance on NUMA node @node (NUMA_NO_NODE for none);
 * called with soft_instances_lock held.
 */
static int soft_add_instance(const char *name, int node)
{
	struct soft_instance *inst;
	int ret;

	if (name && strlen(name) >= sizeof(inst->name))
		return -EINVAL;
	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	if (name)
		strscpy(inst->name, name, sizeof(inst->name));
	/* Unless probe runs: the driver core fails to bind only without memory. */
	inst->probe_err = -ENOMEM;

	inst->pdev = platform_device_alloc(SOFT_DRV_NAME, PLATFORM_DEVID_AUTO);
	if (!inst->pdev) {
		ret = -ENOMEM;
		goto err_free_inst;
	}
	/* Before probe: the accelerator takes its parent's node. */
	set_dev_node(&inst->pdev->dev, node);
	ret = platform_device_add_data(inst->pdev, &inst, sizeof(inst));
	if (ret)
		goto err_put_pdev;
	ret = platform_device_add(inst->pdev);
	if (ret)
		goto err_put_pdev;

	/*
	 * Probing is synchronous: report why it failed.  The result, not the
	 * driver data: an unbind may have come since, which leaves an
	 * instance to delete_device like any unbound one.
	 */
	device_lock(&inst->pdev->dev);
	ret = inst->probe_err;
	device_unlock(&inst->pdev->dev);
	if (ret) {
		platform_device_unregister(inst->pdev);
		goto err_free_inst;
	}
	list_add_tail(&inst->list, &soft_instances);
	soft_nr_instances++;
	return 0;

err_put_pdev:
	platform_device_put(inst->pdev);
err_free_inst:
	kfree(inst);
	return ret;
}

static void soft_del_instance(struct soft_instance *inst)
{
	list_del(&inst->list);
	soft_nr_instances--;
	platform_device_unregister(inst->pdev);
	kfree(inst);
}

/*
 * Parse new_device's input, "[name] [node=N]" in either order, separated
 * by blanks: *name points into @buf (NULL when no name is given), *node is
 * an online node or NUMA_NO_NODE when none is given.  -EINVAL for a second
 * name or node, or a node that is not a number of an online node.
 */
static int soft_parse_new_device(char *buf, char **name, int *node)
{
	bool has_node = false;
	char *tok;

	*name = NULL;
	*node = NUMA_NO_NODE;
	while ((tok = strsep(&buf, " \t\n"))) {
		if (!*tok)
			continue;
		if (!str_has_prefix(tok, "node=")) {
			if (*name)
				return -EINVAL;
			*name = tok;
			continue;
		}
		if (has_node || kstrtoint(tok + strlen("node="), 10, node))
			return -EINVAL;
		if (*node < 0 || *node >= MAX_NUMNODES || !node_online(*node))
			return -EINVAL;
		has_node = true;
	}
	return 0;
}

static ssize_t new_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	char *input, *name;
	int node, ret;

	input = kstrndup(buf, count, GFP_KERNEL);
	if (!input)
		return -ENOMEM;
	ret = soft_parse_new_device(input, &name, &node);
	if (ret)
		goto out_free;

	mutex_lock(&soft_instances_lock);
	if (soft_closing)
		ret = -ENODEV;
	else if (soft_nr_instances >= SOFT_MAX_DEVICES)
		ret = -ENOSPC;
	else
		ret = soft_add_instance(name, node);
	mutex_unlock(&soft_instances_lock);
out_free:
	kfree(input);
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(new_device);

/*
 * Whether an instance answers to @name: the name of its accelerator, or
 * unbound the name it keeps for its next probe.  Read under the device
 * lock, so that the accelerator is not unbound and freed meanwhile.
 */
static bool soft_instance_named(struct soft_instance *inst, const char *name,
				bool *bound)
{
	struct uaccel_device *udev;
	char cur[UACCEL_NAME_MAX];

	device_lock(&inst->pdev->dev);
	udev = platform_get_drvdata(inst->pdev);
	*bound = udev;
	if (udev)
		uaccel_device_copy_name(udev, cur, sizeof(cur));
	else
		strscpy(cur, inst->name, sizeof(cur));
	device_unlock(&inst->pdev->dev);
	return !strcmp(cur, name);
}

/*
 * Delete the instance whose accelerator has this name, or else an unbound
 * instance that keeps it (whose bind gave -EEXIST, say).
 */
static ssize_t delete_device_store(struct device_driver *drv, const char *buf,
				   size_t count)
{
	struct soft_instance *inst, *found = NULL;
	bool bound;
	char *name;

	name = kstrndup(buf, count, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	strim(name);

	mutex_lock(&soft_instances_lock);
	list_for_each_entry(inst, &soft_instances, list) {
		if (!soft_instance_named(inst, name, &bound))
			continue;
		if (!found || bound)
			found = inst;
		if (bound)
			break;
	}
	if (found)
		soft_del_instance(found);
	mutex_unlock(&soft_instances_lock);
	kfree(name);
	return found ? count : -ENOENT;
}
static DRIVER_ATTR_WO(delete_device);

static struct attribute *soft_drv_attrs[] = {
	&driver_attr_new_device.attr,
	&driver_attr_delete_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(soft_drv);

static struct platform_driver soft_driver = {
	.driver = {
		.name = SOFT_DRV_NAME,
		.groups = soft_drv_groups,
	},
	.probe = soft_probe,
	.remove = soft_remove,
};

/* Module unload: every instance goes, and new_device fails from now on. */
static void soft_del_all_instances(void)
{
	struct soft_instance *inst, *tmp;

	mutex_lock(&soft_instances_lock);
	soft_closing = true;
	list_for_each_entry_safe(inst, tmp, &soft_instances, list)
		soft_del_instance(inst);
	mutex_unlock(&soft_instances_lock);
}

static int __init soft_init(void)
{
	unsigned int i;
	int ret;

	if (num_devices > SOFT_MAX_DEVICES) {
		pr_err(SOFT_DRV_NAME ": num_devices %u is above %u\n",
		       num_devices, SOFT_MAX_DEVICES);
		return -EINVAL;
	}

	ret = soft_queue_init();
	if (ret)
		return ret;
	ret = platform_driver_register(&soft_driver);
	if (ret)
		goto err_queue_exit;

	mutex_lock(&soft_instances_lock);
	for (i = 0; i < num_devices; i++) {
		ret = soft_add_instance(NULL, NUMA_NO_NODE);
		if (ret)
			break;
	}
	mutex_unlock(&soft_instances_lock);
	if (ret)
		goto err_del_instances;
	return 0;

err_del_instances:
	soft_del_all_instances();
	platform_driver_unregister(&soft_driver);
err_queue_exit:
	soft_queue_exit();
	return ret;
}

static void __exit soft_exit(void)
{
	soft_del_all_instances();
	platform_driver_unregister(&soft_driver);
	soft_queue_exit();
}

module_init(soft_init);
module_exit(soft_exit);

MODULE_DESCRIPTION("uaccel software accelerator");
MODULE_LICENSE("GPL");
MODULE_VERSION(UACCEL_VERSION);
