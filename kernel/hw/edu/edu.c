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
 * Removal (driver unbind, PCI remove, or surprise hot unplug) first fails
 * the device for the driver (waiters wake with -ENODEV, pending
 * asynchronous requests complete with ECANCELED), lets a running DMA finish
 * so that no transfer outlives the MR mapping it uses, and then unregisters
 * the accelerator, which disassociates every open file.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "edu_dev.h"

#define EDU_DRV_NAME		"uaccel_edu"

static unsigned int timeout_ms = 2000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Time an operation waits for the device before -ETIMEDOUT (default 2000)");

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
	return msecs_to_jiffies(max(READ_ONCE(timeout_ms), 1U));
}

/* Wait, polling, until a unit is idle: 0, -ETIMEDOUT, or -ENODEV if gone. */
static int edu_wait_idle(struct edu_device *edu, struct edu_unit *u)
{
	unsigned long end = jiffies + edu_timeout();

	while (u->busy(edu)) {
		if (edu_gone(edu))
			return -ENODEV;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
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
 * Run one operation on a unit the caller took with edu_unit_get(): start() writes
 * the registers, then the interrupt (or removal, a signal, the timeout)
 * ends the wait.  An operation that started is waited out before the unit
 * is given up if the device is being removed, so that a DMA never outlives
 * the caller's use of the MR.
 */
static int edu_unit_run(struct edu_device *edu, struct edu_unit *u,
			void (*start)(struct edu_device *edu, void *arg),
			void *arg, bool interruptible)
{
	long left = edu_timeout();
	int ret;

	if (u->stale) {
		ret = edu_wait_idle(edu, u);
		if (ret)
			return ret;
		u->stale = false;
	}

	spin_lock_irq(&edu->irq_lock);
	if (edu->dead) {
		spin_unlock_irq(&edu->irq_lock);
		return -ENODEV;
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
		if (READ_ONCE(edu->dead)) {
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
		/* An interrupt left over from an earlier, stale operation. */
		if (!u->busy(edu)) {
			ret = 0;
			break;
		}
		reinit_completion(&u->done);
	}

	spin_lock_irq(&edu->irq_lock);
	u->active = false;
	spin_unlock_irq(&edu->irq_lock);
	if (ret) {
		u->stale = true;
		if (ret == -ENODEV)
			edu_wait_idle(edu, u);
	}
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

static const struct uaccel_ops edu_ops = {
	.owner = THIS_MODULE,
	.driver_name = "edu",
	.dev_groups = edu_dev_groups,
	.flags = UACCEL_OPS_MR_DMA,
};

static const struct uaccel_facet *const edu_facets[] = {
	&edu_factorial_facet,
	&edu_dma_facet,
};

static void edu_unit_init(struct edu_unit *u, bool (*busy)(struct edu_device *))
{
	spin_lock_init(&u->turn_lock);
	INIT_LIST_HEAD(&u->turns);
	init_completion(&u->done);
	u->busy = busy;
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

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	char name[UACCEL_NAME_MAX];
	struct uaccel_device *udev;
	struct edu_device *edu;
	unsigned int i;
	int ret;

	udev = uaccel_alloc_device(&pdev->dev, &edu_ops, sizeof(*edu));
	if (IS_ERR(udev))
		return PTR_ERR(udev);
	edu = uaccel_priv(udev);
	edu->pdev = pdev;
	edu->udev = udev;
	spin_lock_init(&edu->irq_lock);
	edu_unit_init(&edu->fact, edu_fact_busy);
	edu_unit_init(&edu->dma, edu_dma_busy);
	spin_lock_init(&edu->async_lock);
	INIT_LIST_HEAD(&edu->async_list);
	INIT_WORK(&edu->async_work, edu_async_work);

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_put;
	ret = pcim_iomap_regions(pdev, BIT(0), EDU_DRV_NAME);
	if (ret)
		goto err_put;
	edu->regs = pcim_iomap_table(pdev)[0];
	ret = edu_check_alive(edu);
	if (ret)
		goto err_put;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		goto err_put;
	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, use_msi ?
				    PCI_IRQ_MSI | PCI_IRQ_LEGACY : PCI_IRQ_LEGACY);
	if (ret < 0)
		goto err_put;
	edu->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(edu->irq, edu_irq, IRQF_SHARED, EDU_DRV_NAME, edu);
	if (ret)
		goto err_free_vectors;

	for (i = 0; i < ARRAY_SIZE(edu_facets); i++) {
		ret = uaccel_register_facet(udev, edu_facets[i]);
		if (ret)
			goto err_free_irq;
	}
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
err_put:
	uaccel_put_device(udev);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct uaccel_device *udev = pci_get_drvdata(pdev);
	struct edu_device *edu = uaccel_priv(udev);

	/* Operations stop: sleepers wake with -ENODEV, new ones fail. */
	spin_lock_irq(&edu->irq_lock);
	edu->dead = true;
	complete_all(&edu->fact.done);
	complete_all(&edu->dma.done);
	spin_unlock_irq(&edu->irq_lock);

	/*
	 * Asynchronous requests complete (ECANCELED) while their CQs exist.
	 * Taking the lock orders this after every submission that saw the
	 * device alive: those are on the list now, later ones see dead.
	 */
	spin_lock(&edu->async_lock);
	spin_unlock(&edu->async_lock);
	queue_work(system_unbound_wq, &edu->async_work);
	flush_work(&edu->async_work);

	/* Calls in progress end (a started DMA first finishes); files go. */
	uaccel_unregister_device(udev);
	/* A submission may have queued the (now idle) work once more. */
	cancel_work_sync(&edu->async_work);

	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
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
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("uaccel driver of QEMU's edu PCI device");
MODULE_LICENSE("GPL");
