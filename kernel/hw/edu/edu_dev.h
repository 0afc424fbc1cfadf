/* SPDX-License-Identifier: GPL-2.0-only */
/* Private declarations of uaccel_edu.ko. */
#ifndef _UACCEL_EDU_DEV_H
#define _UACCEL_EDU_DEV_H

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uaccel/driver.h>
#include <uaccel/edu.h>
#include <uaccel/factorial.h>

/* Registers of QEMU's edu device (docs/specs/edu.txt), all in BAR0. */
#define EDU_REG_ID		0x00	/* 0xRRrr00ed: major, minor, 0xed */
#define EDU_REG_LIVENESS	0x04	/* reads back the inverse of a write */
#define EDU_REG_FACTORIAL	0x08	/* write n, read n! when not busy */
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80	/* 64-bit registers from here on */
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC		0xed
#define EDU_STATUS_BUSY		0x01	/* factorial running */
#define EDU_STATUS_IRQ_FACT	0x80	/* raise EDU_IRQ_FACT when done */
#define EDU_IRQ_FACT		0x001
#define EDU_IRQ_DMA		0x100
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2	/* direction: device buffer to RAM */
#define EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */
#define EDU_BUF_ADDR		0x40000	/* device address of the buffer */
#define EDU_DMA_BITS		28

struct edu_device;

/**
 * struct edu_unit - one execution unit of the device (factorial or DMA),
 *	shared by every user of the device
 * @turn_lock: protects @taken and @turns
 * @taken: a user has the unit
 * @turns: users waiting for the unit (struct edu_turn), served in arrival
 *	order, so that every context gets its turn
 * @done: completed by the interrupt of the running operation
 * @active: an operation waits for @done (protected by edu->irq_lock)
 * @stale: an operation ended without its interrupt (timeout, signal); the
 *	unit must be idle before the next one starts
 * @reaches_memory: the unit reads or writes memory (the DMA engine): an
 *	operation its caller gives up on is waited out or fenced before the
 *	call returns, never left stale
 * @busy: reads the unit's busy bit
 */
struct edu_unit {
	spinlock_t turn_lock;	/* taken, turns */
	bool taken;
	struct list_head turns;
	struct completion done;
	bool active;
	bool stale;
	bool reaches_memory;
	bool (*busy)(struct edu_device *edu);
};

struct edu_recovery;

/**
 * struct edu_device - driver private area of an edu accelerator
 * @pdev: the PCI device
 * @regs: BAR0
 * @udev: the accelerator
 * @irq: the interrupt (MSI, or INTx when MSI is not available)
 * @irq_lock: protects the units' @active flags and @fenced, and orders
 *	the wake-ups of edu_shut() and edu_fence() with the waiters
 * @fenced: bus mastering was cleared because the DMA engine did not stop:
 *	operations fail with -ENODEV (the fence reports the device failed,
 *	or it is being removed, which the core's state tells the same)
 * @recovery: reprobes the device after a fence; owned by the device until
 *	queued, then by the work
 * @recovering: @recovery was queued
 * @fact: the factorial unit
 * @dma: the DMA engine
 * @async_lock: protects @async_list
 * @async_list: pending FACTORIAL_SUBMIT requests (struct
 *	uaccel_factorial_req), oldest first
 * @async_work: executes them
 * @async_kcov_handle: KCOV common handle of the latest submitter, whose
 *	collector gets @async_work's coverage (0 without KCOV)
 * @irqs: interrupts handled
 */
struct edu_device {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct uaccel_device *udev;
	int irq;
	spinlock_t irq_lock;	/* unit active flags, fenced */
	bool fenced;
	struct edu_recovery *recovery;
	bool recovering;
	struct edu_unit fact;
	struct edu_unit dma;
	spinlock_t async_lock;	/* async_list */
	struct list_head async_list;
	struct work_struct async_work;
	u64 async_kcov_handle;
	atomic64_t irqs;
};

int edu_factorial(struct edu_device *edu, u32 n, u32 *result, bool interruptible);
int edu_dma(struct edu_device *edu, dma_addr_t addr, u32 dev_offset, u32 len,
	    bool to_ram);
void edu_async_work(struct work_struct *work);
void edu_async_cancel(struct edu_device *edu);
bool edu_stopped(struct edu_device *edu);

extern const struct uaccel_facet *const edu_facets[];

#endif /* _UACCEL_EDU_DEV_H */
