// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_edu: QEMU's "edu" PCI device (1234:11e8) as a uaccel accelerator.
 *
 * The device has one factorial unit and one DMA engine between RAM and a
 * 4 KiB device buffer.  Both signal completion by interrupt (MSI, or INTx
 * when MSI is not available; the interrupt is acknowledged in either case).
 * The users of a unit take turns in arrival order; a user waits for the
 * interrupt interruptibly and for at most timeout_ms.
 *
 * No DMA outlives the call that started it.  The engine cannot be stopped
 * once started, so a caller that gives up on a started transfer (a signal,
 * SIGKILL included, the timeout, removal) waits for the engine to go idle,
 * uninterruptibly and for at most fence_ms, before it returns and drops
 * its hold on the MR; until then the MR can be neither destroyed nor
 * unmapped.  An engine that is still busy after fence_ms is fenced: bus
 * mastering is cleared, so the device reaches no memory, and the device
 * is reported failed (users get -ENODEV and removal events flagged
 * UACCEL_EVENT_FATAL).  Recovery is automatic: a work item probes the PCI
 * device again, which registers a new accelerator.  Removal and the probe
 * wait up to EDU_STOP_MS for the fenced engine to go idle, and the probe
 * enables bus mastering only then; a probe that finds it still busy fails
 * with -EBUSY, and binding the device again (sysfs bind, or PCI remove and
 * rescan) is the way back.  The factorial unit touches no memory: its next
 * user waits for an abandoned operation instead.
 *
 * Removal (driver unbind, PCI remove, or surprise hot unplug) unregisters
 * the accelerator.  The core stops taking calls and runs edu_shut():
 * waiters wake with -ENODEV, pending asynchronous requests complete with
 * ECANCELED.  The core then waits for the calls in the driver, each of
 * which waits out or fences a DMA it started, and only then unmaps the
 * MRs and disassociates every open file.  Every operation runs inside a
 * section of the accelerator (uaccel_device_enter()), so none starts once
 * it stopped.  A device that was unplugged (reads all ones) can no longer
 * reach memory and counts as stopped.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include <uaccel/version.h>

#include "edu_dev.h"

#define EDU_DRV_NAME		"uaccel_edu"

/* The bounds of the time parameters, in ms: a bad value is refused. */
#define EDU_PARAM_MS_MAX	60000

static int edu_ms_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (!ms || ms > EDU_PARAM_MS_MAX)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops edu_ms_param_ops = {
	.set = edu_ms_param_set,
	.get = param_get_uint,
};

static unsigned int timeout_ms = 2000;
module_param_cb(timeout_ms, &edu_ms_param_ops, &timeout_ms, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Time an operation waits for the device before -ETIMEDOUT, in ms (default 2000, 1 to 60000)");

/* A caller that gave up waits this long for the DMA engine before fencing. */
static unsigned int fence_ms = 1000;
module_param_cb(fence_ms, &edu_ms_param_ops, &fence_ms, 0644);
MODULE_PARM_DESC(fence_ms,
		 "Time a DMA whose caller gave up (signal, timeout, removal) is waited for before the device is fenced and fails, in ms (default 1000, 1 to 60000)");

/*
 * Removal and probe wait this long for a fenced DMA engine to stop: its
 * interrupt is acknowledged before the handler goes, and bus mastering is
 * enabled again only once it is idle.
 */
#define EDU_STOP_MS		10000

static bool use_msi = true;
module_param(use_msi, bool, 0444);
MODULE_PARM_DESC(use_msi, "Use MSI when the device offers it, else INTx (default true)");

static u32 edu_read(struct edu_device *edu, unsigned int reg)
{
	return ioread32(edu->regs + reg);
}

static void edu_write(struct edu_device *edu, unsigned int reg, u32 val)
{
	iowrite32(val, edu->regs + reg);
}

/* A device that was unplugged reads all ones. */
static bool edu_gone(struct edu_device *edu)
{
	return edu_read(edu, EDU_REG_ID) == ~0U;
}

static bool edu_fact_busy(struct edu_device *edu)
{
	return edu_read(edu, EDU_REG_STATUS) & EDU_STATUS_BUSY;
}

static bool edu_dma_busy(struct edu_device *edu)
{
	return lo_hi_readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN;
}

static unsigned long edu_timeout(void)
{
	return msecs_to_jiffies(READ_ONCE(timeout_ms));
}

static unsigned long edu_fence_timeout(void)
{
	return msecs_to_jiffies(READ_ONCE(fence_ms));
}

/*
 * Operations end with -ENODEV: the core stopped taking calls for the
 * accelerator (it is being removed, or failed) or the device was fenced,
 * which reports the failure next.  A section entered only to look: the
 * callers are inside one already.
 */
bool edu_stopped(struct edu_device *edu)
{
	int idx;

	if (READ_ONCE(edu->fenced) || !uaccel_device_enter(edu->udev, &idx))
		return true;
	uaccel_device_exit(edu->udev, idx);
	return false;
}

/*
 * Wait, polling and uninterruptibly, until a unit is idle: 0, -ETIMEDOUT
 * after @timeout jiffies, or -ENODEV if the device is gone.
 */
static int edu_wait_idle(struct edu_device *edu, struct edu_unit *u,
			 unsigned long timeout)
{
	unsigned long end = jiffies + timeout;

	while (u->busy(edu)) {
		if (edu_gone(edu))
			return -ENODEV;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

static struct pci_driver edu_driver;
static struct workqueue_struct *edu_wq;

/**
 * struct edu_recovery - probing a fenced device again
 * @work: runs in edu_wq, outside any call on the device's files
 * @pdev: the PCI device, referenced while the work is queued
 *
 * Allocated at probe so that a fence never needs memory; the device owns
 * it until the fence queues it, the work after.
 */
struct edu_recovery {
	struct work_struct work;
	struct pci_dev *pdev;
};

/*
 * Unbind the failed accelerator (which disassociates every file of it) and
 * probe the PCI device again: a new accelerator.  Only the instance that
 * failed is probed again, not one bound since (after an unbind and bind),
 * nor a device that was removed meanwhile.
 */
static void edu_recover(struct work_struct *work)
{
	struct edu_recovery *rec = container_of(work, struct edu_recovery, work);
	struct pci_dev *pdev = rec->pdev;
	struct uaccel_device *udev = NULL;
	bool failed_instance;
	int ret;

	device_lock(&pdev->dev);
	if (pdev->dev.driver == &edu_driver.driver)
		udev = pci_get_drvdata(pdev);
	failed_instance = udev &&
		((struct edu_device *)uaccel_priv(udev))->recovery == rec;
	device_unlock(&pdev->dev);
	if (failed_instance) {
		ret = device_reprobe(&pdev->dev);
		if (ret)
			pci_err(pdev, "probing again after the fence failed: %d\n", ret);
	}
	pci_dev_put(pdev);
	kfree(rec);
}

/*
 * The DMA engine does not stop: cut it off the bus.  Without bus mastering
 * the device reaches no memory (QEMU drops the DMA, and the MSI, of such a
 * device), whatever the engine still does.  Outside removal the device is
 * then reported failed and probed again from a work item; the probe waits
 * for the engine to stop before it enables bus mastering again.
 */
static void edu_fence(struct edu_device *edu)
{
	u16 cmd;

	pci_clear_master(edu->pdev);
	/* Configuration writes are not posted; read back all the same. */
	pci_read_config_word(edu->pdev, PCI_COMMAND, &cmd);
	pci_err(edu->pdev,
		"DMA engine still busy after %u ms: bus mastering disabled\n",
		READ_ONCE(fence_ms));

	spin_lock_irq(&edu->irq_lock);
	WRITE_ONCE(edu->fenced, true);
	complete_all(&edu->fact.done);
	complete_all(&edu->dma.done);
	spin_unlock_irq(&edu->irq_lock);

	/* Not when it failed already, nor during removal. */
	if (!uaccel_report_fatal(edu->udev))
		return;
	edu->recovery->pdev = pci_dev_get(edu->pdev);
	edu->recovering = true;
	queue_work(edu_wq, &edu->recovery->work);
}

/*
 * The caller gives up on an operation that started (@reason: -EINTR,
 * -ETIMEDOUT or -ENODEV).  A unit that reaches memory is waited for,
 * uninterruptibly and for at most fence_ms, and fenced if it does not
 * stop: when this returns, the device no longer touches the caller's
 * memory.  The factorial unit touches none: it is marked stale and its
 * next user waits for it (on removal, the caller waits as before).
 */
static void edu_unit_abandon(struct edu_device *edu, struct edu_unit *u,
			     int reason)
{
	if (u->reaches_memory) {
		if (edu_wait_idle(edu, u, edu_fence_timeout()) == -ETIMEDOUT)
			edu_fence(edu);
		return;
	}
	u->stale = true;
	if (reason == -ENODEV)
		edu_wait_idle(edu, u, edu_timeout());
}

/**
 * struct edu_turn - a user waiting for a unit
 * @list: entry in unit->turns
 * @task: the waiting task
 * @granted: the unit was handed to it
 */
struct edu_turn {
	struct list_head list;
	struct task_struct *task;
	bool granted;
};

/*
 * Take a unit: at once if it is free, else after every user that asked
 * before (a FIFO hand-over, unlike a mutex, which lets a releasing task
 * take the unit again before the waiters).  -EINTR on a signal while
 * waiting, when interruptible.
 */
static int edu_unit_get(struct edu_unit *u, bool interruptible)
{
	struct edu_turn turn = { .task = current };
	int ret = 0;

	spin_lock(&u->turn_lock);
	if (!u->taken) {
		u->taken = true;
		goto out_unlock;
	}
	list_add_tail(&turn.list, &u->turns);
	for (;;) {
		set_current_state(interruptible ? TASK_INTERRUPTIBLE :
						  TASK_UNINTERRUPTIBLE);
		if (turn.granted)
			break;
		if (interruptible && signal_pending(current)) {
			list_del(&turn.list);
			ret = -EINTR;
			break;
		}
		spin_unlock(&u->turn_lock);
		schedule();
		spin_lock(&u->turn_lock);
	}
	__set_current_state(TASK_RUNNING);
out_unlock:
	spin_unlock(&u->turn_lock);
	return ret;
}

/* Give a unit to the longest waiting user, or free it. */
static void edu_unit_put(struct edu_unit *u)
{
	struct edu_turn *next;

	spin_lock(&u->turn_lock);
	next = list_first_entry_or_null(&u->turns, struct edu_turn, list);
	if (next) {
		list_del(&next->list);
		next->granted = true;
		wake_up_process(next->task);
	} else {
		u->taken = false;
	}
	spin_unlock(&u->turn_lock);
}

/*
 * Run one operation on a unit the caller took with edu_unit_get(): start()
 * writes the registers, then the interrupt (or removal, a signal, the
 * timeout) ends the wait.  An operation the caller gives up on is handed
 * to edu_unit_abandon(), so a DMA never outlives the call.  All of it
 * inside a section of the accelerator (nested in a facet command's), so
 * removal waits for it, and none of it once the accelerator stopped: the
 * users queued for a unit then leave at once, without waiting for a stale
 * operation one after the other.
 */
static int edu_unit_run(struct edu_device *edu, struct edu_unit *u,
			void (*start)(struct edu_device *edu, void *arg),
			void *arg, bool interruptible)
{
	long left = edu_timeout();
	int ret, idx;

	if (!uaccel_device_enter(edu->udev, &idx))
		return -ENODEV;
	if (u->stale) {
		ret = edu_wait_idle(edu, u, edu_timeout());
		if (ret)
			goto out_exit;
		u->stale = false;
	}

	spin_lock_irq(&edu->irq_lock);
	if (edu_stopped(edu)) {
		spin_unlock_irq(&edu->irq_lock);
		ret = -ENODEV;
		goto out_exit;
	}
	reinit_completion(&u->done);
	u->active = true;
	spin_unlock_irq(&edu->irq_lock);

	start(edu, arg);
	for (;;) {
		if (interruptible)
			left = wait_for_completion_interruptible_timeout(&u->done, left);
		else
			left = wait_for_completion_timeout(&u->done, left);
		if (edu_stopped(edu)) {
			ret = -ENODEV;
			break;
		}
		if (left < 0) {
			ret = -EINTR;
			break;
		}
		if (!left) {
			ret = -ETIMEDOUT;
			break;
		}
		/*
		 * The interrupt may be one left over from an earlier
		 * operation.  Re-arm before reading the busy bit, so that
		 * this operation's interrupt, which follows the bit, is not
		 * lost; never after edu_shut() or a fence completed it for
		 * good (both do it under the lock once the device stopped).
		 */
		spin_lock_irq(&edu->irq_lock);
		if (!edu_stopped(edu))
			reinit_completion(&u->done);
		spin_unlock_irq(&edu->irq_lock);
		if (!u->busy(edu)) {
			ret = 0;
			break;
		}
	}

	spin_lock_irq(&edu->irq_lock);
	u->active = false;
	spin_unlock_irq(&edu->irq_lock);
	if (ret)
		edu_unit_abandon(edu, u, ret);
out_exit:
	uaccel_device_exit(edu->udev, idx);
	return ret;
}

static void edu_fact_start(struct edu_device *edu, void *arg)
{
	edu_write(edu, EDU_REG_STATUS, EDU_STATUS_IRQ_FACT);
	edu_write(edu, EDU_REG_FACTORIAL, *(u32 *)arg);
}

int edu_factorial(struct edu_device *edu, u32 n, u32 *result, bool interruptible)
{
	int ret;

	ret = edu_unit_get(&edu->fact, interruptible);
	if (ret)
		return ret;
	ret = edu_unit_run(edu, &edu->fact, edu_fact_start, &n, interruptible);
	if (!ret)
		*result = edu_read(edu, EDU_REG_FACTORIAL);
	edu_unit_put(&edu->fact);
	return ret;
}

struct edu_dma_args {
	dma_addr_t addr;
	u32 dev_offset;
	u32 len;
	bool to_ram;
};

static void edu_dma_start(struct edu_device *edu, void *arg)
{
	struct edu_dma_args *a = arg;
	u64 dev = EDU_BUF_ADDR + a->dev_offset;

	lo_hi_writeq(a->to_ram ? dev : a->addr, edu->regs + EDU_REG_DMA_SRC);
	lo_hi_writeq(a->to_ram ? a->addr : dev, edu->regs + EDU_REG_DMA_DST);
	lo_hi_writeq(a->len, edu->regs + EDU_REG_DMA_COUNT);
	lo_hi_writeq(EDU_DMA_RUN | EDU_DMA_IRQ | (a->to_ram ? EDU_DMA_TO_RAM : 0),
		     edu->regs + EDU_REG_DMA_CMD);
}

/* One transfer; the caller checked the ranges. */
int edu_dma(struct edu_device *edu, dma_addr_t addr, u32 dev_offset, u32 len,
	    bool to_ram)
{
	struct edu_dma_args a = {
		.addr = addr, .dev_offset = dev_offset, .len = len, .to_ram = to_ram,
	};
	int ret;

	if (WARN_ON_ONCE(!len || dev_offset >= UACCEL_EDU_DMA_LIMIT ||
			 len > UACCEL_EDU_DMA_LIMIT - dev_offset ||
			 addr + len - 1 > DMA_BIT_MASK(EDU_DMA_BITS)))
		return -EINVAL;
	ret = edu_unit_get(&edu->dma, true);
	if (ret)
		return ret;
	ret = edu_unit_run(edu, &edu->dma, edu_dma_start, &a, true);
	edu_unit_put(&edu->dma);
	return ret;
}

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu_device *edu = data;
	u32 status = edu_read(edu, EDU_REG_IRQ_STATUS);

	if (!status || status == ~0U)
		return IRQ_NONE;
	/* Acknowledge first: with INTx this lowers the line, MSI needs it too. */
	edu_write(edu, EDU_REG_IRQ_ACK, status);
	atomic64_inc(&edu->irqs);

	spin_lock(&edu->irq_lock);
	if ((status & EDU_IRQ_FACT) && edu->fact.active)
		complete(&edu->fact.done);
	if ((status & EDU_IRQ_DMA) && edu->dma.active)
		complete(&edu->dma.done);
	spin_unlock(&edu->irq_lock);
	return IRQ_HANDLED;
}

static struct edu_device *edu_from_dev(struct device *dev)
{
	return uaccel_priv(uaccel_from_dev(dev));
}

static ssize_t irq_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct edu_device *edu = edu_from_dev(dev);

	return sysfs_emit(buf, "%s\n", edu->pdev->msi_enabled ? "msi" : "intx");
}
static DEVICE_ATTR_RO(irq_mode);

static ssize_t irqs_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&edu_from_dev(dev)->irqs));
}
static DEVICE_ATTR_RO(irqs);

static ssize_t hw_version_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	u32 id = edu_read(edu_from_dev(dev), EDU_REG_ID);

	return sysfs_emit(buf, "%u.%u\n", id >> 24, (id >> 16) & 0xff);
}
static DEVICE_ATTR_RO(hw_version);

static struct attribute *edu_dev_attrs[] = {
	&dev_attr_irq_mode.attr,
	&dev_attr_irqs.attr,
	&dev_attr_hw_version.attr,
	NULL,
};

static const struct attribute_group edu_dev_group = {
	.name = "edu",
	.attrs = edu_dev_attrs,
};

static const struct attribute_group *edu_dev_groups[] = {
	&edu_dev_group,
	NULL,
};

/*
 * The accelerator stopped taking calls (removal, or the failure a fence
 * reported): the users sleeping in the units wake and end with -ENODEV,
 * and pending asynchronous requests complete with ECANCELED now, while
 * their CQs exist.
 */
static void edu_shut(struct uaccel_device *udev)
{
	struct edu_device *edu = uaccel_priv(udev);

	spin_lock_irq(&edu->irq_lock);
	complete_all(&edu->fact.done);
	complete_all(&edu->dma.done);
	spin_unlock_irq(&edu->irq_lock);
	edu_async_cancel(edu);
}

static const struct uaccel_ops edu_ops = {
	.owner = THIS_MODULE,
	.driver_name = "edu",
	.dev_groups = edu_dev_groups,
	.flags = UACCEL_OPS_MR_DMA,
	.facets = edu_facets,
	.shut = edu_shut,
};

static void edu_unit_init(struct edu_unit *u, bool (*busy)(struct edu_device *),
			  bool reaches_memory)
{
	spin_lock_init(&u->turn_lock);
	INIT_LIST_HEAD(&u->turns);
	init_completion(&u->done);
	u->busy = busy;
	u->reaches_memory = reaches_memory;
}

/* The identification and liveness registers answer as an edu device does. */
static int edu_check_alive(struct edu_device *edu)
{
	u32 id = edu_read(edu, EDU_REG_ID);
	u32 probe = 0x5a3c0ff0;

	if ((id & 0xff) != EDU_ID_MAGIC) {
		pci_err(edu->pdev, "identification register reads %#x\n", id);
		return -ENODEV;
	}
	edu_write(edu, EDU_REG_LIVENESS, probe);
	if (edu_read(edu, EDU_REG_LIVENESS) != ~probe) {
		pci_err(edu->pdev, "liveness check failed\n");
		return -EIO;
	}
	return 0;
}

/*
 * A transfer that was fenced (or that an earlier driver left running) may
 * still be going: bus mastering stays off until the engine is idle, and
 * its interrupt is acknowledged.  0, or -EBUSY after EDU_STOP_MS.
 */
static int edu_wait_dma_stopped(struct edu_device *edu)
{
	if (edu_dma_busy(edu)) {
		pci_clear_master(edu->pdev);
		pci_info(edu->pdev, "waiting for the DMA engine to stop\n");
		if (edu_wait_idle(edu, &edu->dma,
				  msecs_to_jiffies(EDU_STOP_MS))) {
			pci_err(edu->pdev,
				"DMA engine still busy: bind the device again once it stopped\n");
			return -EBUSY;
		}
	}
	edu_write(edu, EDU_REG_IRQ_ACK, edu_read(edu, EDU_REG_IRQ_STATUS));
	return 0;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	char name[UACCEL_NAME_MAX];
	struct uaccel_device *udev;
	struct edu_device *edu;
	int ret;

	udev = uaccel_alloc_device(&pdev->dev, &edu_ops, sizeof(*edu));
	if (IS_ERR(udev))
		return PTR_ERR(udev);
	edu = uaccel_priv(udev);
	edu->pdev = pdev;
	edu->udev = udev;
	spin_lock_init(&edu->irq_lock);
	edu_unit_init(&edu->fact, edu_fact_busy, false);
	edu_unit_init(&edu->dma, edu_dma_busy, true);
	spin_lock_init(&edu->async_lock);
	INIT_LIST_HEAD(&edu->async_list);
	INIT_WORK(&edu->async_work, edu_async_work);
	edu->recovery = kzalloc(sizeof(*edu->recovery), GFP_KERNEL);
	if (!edu->recovery) {
		ret = -ENOMEM;
		goto err_put;
	}
	INIT_WORK(&edu->recovery->work, edu_recover);

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_free_recovery;
	ret = pcim_iomap_regions(pdev, BIT(0), EDU_DRV_NAME);
	if (ret)
		goto err_free_recovery;
	edu->regs = pcim_iomap_table(pdev)[0];
	ret = edu_check_alive(edu);
	if (ret)
		goto err_free_recovery;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		goto err_free_recovery;
	ret = edu_wait_dma_stopped(edu);
	if (ret)
		goto err_free_recovery;
	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, use_msi ?
				    PCI_IRQ_MSI | PCI_IRQ_LEGACY : PCI_IRQ_LEGACY);
	if (ret < 0)
		goto err_free_recovery;
	edu->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(edu->irq, edu_irq, IRQF_SHARED, EDU_DRV_NAME, edu);
	if (ret)
		goto err_free_vectors;

	ret = uaccel_register_device(udev, "edu%d");
	if (ret)
		goto err_free_irq;
	pci_set_drvdata(pdev, udev);
	/* A copy: the device can be renamed as soon as it is registered. */
	uaccel_device_copy_name(udev, name, sizeof(name));
	pci_info(pdev, "%s: %s interrupts\n", name,
		 pdev->msi_enabled ? "MSI" : "INTx");
	return 0;

err_free_irq:
	free_irq(edu->irq, edu);
err_free_vectors:
	pci_free_irq_vectors(pdev);
err_free_recovery:
	kfree(edu->recovery);
err_put:
	uaccel_put_device(udev);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct uaccel_device *udev = pci_get_drvdata(pdev);
	struct edu_device *edu = uaccel_priv(udev);

	/*
	 * The accelerator stops taking calls and edu_shut() wakes the users
	 * of the units and cancels pending asynchronous requests.  The core
	 * then waits for every call in the driver, and every caller of a
	 * started transfer waits it out or fences the device before it
	 * returns (each for at most fence_ms), so the DMA engine is idle or
	 * off the bus before the core unmaps the MRs and the files go.
	 */
	uaccel_unregister_device(udev);
	/* A queued run of the asynchronous work finds the device stopped. */
	cancel_work_sync(&edu->async_work);

	/*
	 * A fenced engine reaches no memory, but its interrupt is still
	 * acknowledged here rather than left pending on a line nobody serves.
	 */
	if (edu->fenced &&
	    edu_wait_idle(edu, &edu->dma, msecs_to_jiffies(EDU_STOP_MS)) == -ETIMEDOUT)
		pci_err(pdev, "fenced DMA engine did not stop\n");
	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
	/* A queued recovery owns itself; it finds this instance gone. */
	if (!edu->recovering)
		kfree(edu->recovery);
	uaccel_put_device(udev);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = EDU_DRV_NAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

static int __init edu_init(void)
{
	int ret;

	edu_wq = alloc_workqueue("uaccel_edu", WQ_UNBOUND, 0);
	if (!edu_wq)
		return -ENOMEM;
	ret = pci_register_driver(&edu_driver);
	if (ret)
		destroy_workqueue(edu_wq);
	return ret;
}
module_init(edu_init);

static void __exit edu_exit(void)
{
	pci_unregister_driver(&edu_driver);
	/* A recovery still queued finds the driver gone and only cleans up. */
	destroy_workqueue(edu_wq);
}
module_exit(edu_exit);

MODULE_DESCRIPTION("uaccel driver of QEMU's edu PCI device");
MODULE_LICENSE("GPL");
MODULE_VERSION(UACCEL_VERSION);
