// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: dma-buf, both ways.
 *
 * Import: REG_DMABUF_MR registers a range of any exporter's dma-buf as an
 * MR.  The attachment is dynamic and pinned, as RDMA's pinned umem_dmabuf:
 * the device attaches (its DMA parent for UACCEL_OPS_MR_DMA devices, else
 * the uaccel device itself, given a 64-bit DMA mask so that exporters can
 * map for it), pins the buffer and maps it once under the reservation
 * lock, then waits for the exporter's kernel fences (a move in progress).
 * The buffer stays in place until the MR goes, so drivers use it as any
 * MR, for as long as requests hold it, and never see an invalidation: no
 * driver of uaccel can stop a request in flight on demand, which
 * move_notify() would need.  The MR also holds a kernel mapping of the
 * buffer (dma_buf_vmap()), through which the core and CPU-access drivers
 * reach it: the MR's page array is that mapping's pages, so the MR
 * accessors (uaccel_mr_kmap(), uaccel_mr_sg_table()) work unchanged, and
 * DMA devices use the attachment's mapping (uaccel_mr_dma_addr()).  An
 * exporter without a kernel mapping of system memory (none, or I/O
 * memory: udmabuf of Linux 6.1 has none) gets -EOPNOTSUPP from a device
 * that uses the CPU; a UACCEL_OPS_MR_DMA device takes it as a DMA-only MR
 * (uaccel_mr_cpu_mapped() false), which the core's CPU accesses refuse.
 * The MR holds a reference to the dma-buf: closing the fd,
 * or the exporter's own handles, leaves it valid.
 *
 * Export: a device with memory to export (uaccel_ops.dm_max_length) serves
 * ALLOC_DM, a DM object whose buffer is a dma-buf, and EXPORT_DM, which
 * hands out fds of it.  The buffer is system memory standing in for the
 * device's (the soft device has no other); it is charged to the
 * allocating user's locked memory and memory cgroup and lives as long as
 * its dma-buf: the DM object holds one reference, every fd, mapping and
 * importer others.  Removal of the exporting device destroys the object
 * (one reference less) and nothing else, so importers keep valid memory.
 * The dma-buf's operations are the core's (the module stays loaded while
 * a buffer exists); the buffer never moves, so the exporter is static:
 * attachments are mapped for their device with the DMA API, so an
 * importer behind an IOMMU gets IOVAs.
 *
 * Locking: the reservation lock is taken with nothing of the dma-buf
 * held, inside the context lock at most (MR release); the exporter's
 * callbacks take no uaccel lock.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "uaccel_core.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct uaccel_dm_buffer - the memory of a DM object, its dma-buf's priv
 * @pages: the pages, one each
 * @npages: entries of @pages
 * @vaddr: the kernel mapping of the pages, made with the buffer so that
 *	the dma-buf's vmap() cannot fail (dma_buf_vmap() warns when it does)
 * @locked: the locked-memory charge of the pages
 */
struct uaccel_dm_buffer {
	struct page **pages;
	unsigned long npages;
	void *vaddr;
	struct uaccel_locked locked;
};

/* Pages allocated between two reschedule points. */
#define UACCEL_DM_ALLOC_BATCH	256

static void uaccel_dm_buffer_free(struct uaccel_dm_buffer *buf)
{
	unsigned long i;

	if (buf->vaddr)
		vunmap(buf->vaddr);
	for (i = 0; buf->pages && i < buf->npages && buf->pages[i]; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	uaccel_locked_uncharge(&buf->locked);
	kfree(buf);
	uaccel_stat_add(UACCEL_STAT_DM_BUFFERS, -1);
}

static int uaccel_dm_attach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attach)
{
	struct uaccel_dm_buffer *buf = dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL_ACCOUNT);
	if (!sgt)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(sgt, buf->pages, buf->npages, 0,
					(u64)buf->npages << PAGE_SHIFT,
					GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(sgt);
		return ret;
	}
	attach->priv = sgt;
	return 0;
}

static void uaccel_dm_detach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	struct sg_table *sgt = attach->priv;

	sg_free_table(sgt);
	kfree(sgt);
}

/* One mapping per attachment at a time (cache_sgt_mapping). */
static struct sg_table *uaccel_dm_map(struct dma_buf_attachment *attach,
				      enum dma_data_direction dir)
{
	struct sg_table *sgt = attach->priv;
	int ret;

	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	return ret ? ERR_PTR(ret) : sgt;
}

static void uaccel_dm_unmap(struct dma_buf_attachment *attach,
			    struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
}

/*
 * Pages are mapped on fault, so that a mapping whose pages were zapped
 * (MADV_DONTNEED) gets them back.  The mapping's file is the dma-buf's,
 * which holds the buffer.
 */
static vm_fault_t uaccel_dm_fault(struct vm_fault *vmf)
{
	struct uaccel_dm_buffer *buf = vmf->vma->vm_private_data;

	if (vmf->pgoff >= buf->npages)
		return VM_FAULT_SIGBUS;
	vmf->page = buf->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct uaccel_dm_vm_ops = {
	.fault = uaccel_dm_fault,
};

/* Shared mappings only: a private one would copy on write. */
static int uaccel_dm_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct uaccel_dm_buffer *buf = dmabuf->priv;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= buf->npages ||
	    vma_pages(vma) > buf->npages - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &uaccel_dm_vm_ops;
	vma->vm_private_data = buf;
	return 0;
}

static int uaccel_dm_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct uaccel_dm_buffer *buf = dmabuf->priv;

	iosys_map_set_vaddr(map, buf->vaddr);
	return 0;
}

static void uaccel_dm_dmabuf_release(struct dma_buf *dmabuf)
{
	uaccel_dm_buffer_free(dmabuf->priv);
}

static const struct dma_buf_ops uaccel_dm_dmabuf_ops = {
	.cache_sgt_mapping = true,
	.attach = uaccel_dm_attach,
	.detach = uaccel_dm_detach,
	.map_dma_buf = uaccel_dm_map,
	.unmap_dma_buf = uaccel_dm_unmap,
	.mmap = uaccel_dm_mmap,
	.vmap = uaccel_dm_vmap,
	.release = uaccel_dm_dmabuf_release,
};

/* Zeroed, charged pages for a buffer; -EINTR on a fatal signal. */
static struct uaccel_dm_buffer *uaccel_dm_buffer_alloc(u64 length)
{
	struct uaccel_dm_buffer *buf;
	unsigned long i;
	int ret;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	uaccel_stat_add(UACCEL_STAT_DM_BUFFERS, 1);
	buf->npages = PAGE_ALIGN(length) >> PAGE_SHIFT;
	ret = uaccel_locked_charge(&buf->locked, buf->npages);
	if (ret)
		goto err_free;
	buf->pages = kvcalloc(buf->npages, sizeof(*buf->pages),
			      GFP_KERNEL_ACCOUNT);
	if (!buf->pages) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < buf->npages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!buf->pages[i]) {
			ret = -ENOMEM;
			goto err_free;
		}
		if (!((i + 1) % UACCEL_DM_ALLOC_BATCH)) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				goto err_free;
			}
			cond_resched();
		}
	}
	buf->vaddr = vmap(buf->pages, buf->npages, VM_MAP, PAGE_KERNEL);
	if (!buf->vaddr) {
		ret = -ENOMEM;
		goto err_free;
	}
	return buf;

err_free:
	uaccel_dm_buffer_free(buf);
	return ERR_PTR(ret);
}

/* The buffer stays while its dma-buf has other references. */
void uaccel_dm_release(struct uaccel_object *obj, enum uaccel_remove_reason why)
{
	struct uaccel_dm *dm = container_of(obj, struct uaccel_dm, obj);

	dma_buf_put(dm->dmabuf);
	kfree(dm);
}

/*
 * ALLOC_DM allocates the buffer before it enters the device's section
 * (a large one takes a while), then installs the object inside.
 */
int uaccel_cmd_alloc_dm(struct uaccel_ucmd *ucmd)
{
	struct uaccel_alloc_dm *cmd = ucmd->cmd;
	struct uaccel_device *udev = ucmd->ctx->udev;
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct uaccel_dm_buffer *buf;
	struct uaccel_dm *dm;
	int ret, idx;

	if (cmd->__reserved)
		return -EINVAL;
	if (!udev->ops->dm_max_length)
		return -EOPNOTSUPP;
	if (!cmd->length || cmd->length > udev->ops->dm_max_length)
		return -EINVAL;

	dm = kzalloc(sizeof(*dm), GFP_KERNEL_ACCOUNT);
	if (!dm)
		return -ENOMEM;
	buf = uaccel_dm_buffer_alloc(cmd->length);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto err_free_dm;
	}
	exp.ops = &uaccel_dm_dmabuf_ops;
	exp.size = (size_t)buf->npages << PAGE_SHIFT;
	exp.flags = O_RDWR;
	exp.priv = buf;
	dm->dmabuf = dma_buf_export(&exp);
	if (IS_ERR(dm->dmabuf)) {
		ret = PTR_ERR(dm->dmabuf);
		uaccel_dm_buffer_free(buf);
		goto err_free_dm;
	}

	if (!uaccel_device_enter(udev, &idx)) {
		ret = -ENODEV;
		goto err_put_dmabuf;
	}
	ret = uaccel_obj_add(ucmd, &dm->obj, UACCEL_OBJ_DM);
	uaccel_device_exit(udev, idx);
	if (ret)
		goto err_put_dmabuf;
	cmd->out_dm_id = dm->obj.id;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_put_dmabuf:
	/* The buffer goes with its dma-buf's last reference. */
	dma_buf_put(dm->dmabuf);
err_free_dm:
	kfree(dm);
	return ret;
}

/* The fd is installed once the reply reached the caller. */
int uaccel_cmd_export_dm(struct uaccel_ucmd *ucmd)
{
	struct uaccel_export_dm *cmd = ucmd->cmd;
	struct uaccel_object *obj;
	struct uaccel_dm *dm;
	int fd;

	obj = uaccel_obj_get(ucmd->ctx, cmd->dm_id, UACCEL_OBJ_DM);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	dm = container_of(obj, struct uaccel_dm, obj);
	fd = get_unused_fd_flags(O_RDWR | (cmd->flags & UACCEL_DMABUF_CLOEXEC ?
					   O_CLOEXEC : 0));
	if (fd < 0) {
		uaccel_obj_put(obj);
		return fd;
	}
	get_dma_buf(dm->dmabuf);
	ucmd->new_file = dm->dmabuf->file;
	ucmd->new_fd = fd;
	uaccel_obj_put(obj);
	cmd->out_fd = fd;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * Before the pin (between attaching and pinning) a dynamic exporter may
 * move the buffer: the mapping is made after the pin, so there is nothing
 * to do.  Once pinned, an exporter that moves it anyway breaks its
 * contract; the MR keeps the old mapping and nothing can be done but say
 * so.  The MR may not be in its context yet: only the attachment is used.
 */
static void uaccel_dmabuf_mr_move_notify(struct dma_buf_attachment *attach)
{
	struct uaccel_mr *mr = attach->importer_priv;

	if (READ_ONCE(mr->dma_sgt))
		dev_warn_ratelimited(attach->dev,
				     "dma-buf %s moved a pinned buffer\n",
				     attach->dmabuf->exp_name);
}

static const struct dma_buf_attach_ops uaccel_dmabuf_mr_attach_ops = {
	.allow_peer2peer = false,
	.move_notify = uaccel_dmabuf_mr_move_notify,
};

/*
 * Attach @mr's device to its dma-buf, pin and map the buffer, and wait
 * for the exporter's kernel fences.
 */
static int uaccel_dmabuf_mr_attach(struct uaccel_mr *mr, struct device *dev)
{
	struct dma_buf *dmabuf = mr->dmabuf;
	struct sg_table *sgt;
	long left;
	int ret;

	mr->attach = dma_buf_dynamic_attach(dmabuf, dev,
					    &uaccel_dmabuf_mr_attach_ops, mr);
	if (IS_ERR(mr->attach)) {
		ret = PTR_ERR(mr->attach);
		mr->attach = NULL;
		return ret;
	}
	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		goto err_detach;
	ret = dma_buf_pin(mr->attach);
	if (ret)
		goto err_unlock;
	sgt = dma_buf_map_attachment(mr->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_unpin;
	}
	left = dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_KERNEL, true,
				     MAX_SCHEDULE_TIMEOUT);
	if (left < 0) {
		/* Not restarted: io_uring would post -ERESTARTSYS as is. */
		ret = left == -ERESTARTSYS ? -EINTR : left;
		goto err_unmap;
	}
	/* Under the lock, which the exporter's move_notify() holds too. */
	WRITE_ONCE(mr->dma_sgt, sgt);
	dma_resv_unlock(dmabuf->resv);
	return 0;

err_unmap:
	dma_buf_unmap_attachment(mr->attach, sgt, DMA_BIDIRECTIONAL);
err_unpin:
	dma_buf_unpin(mr->attach);
err_unlock:
	dma_resv_unlock(dmabuf->resv);
err_detach:
	dma_buf_detach(dmabuf, mr->attach);
	mr->attach = NULL;
	return ret;
}

static void uaccel_dmabuf_mr_detach(struct uaccel_mr *mr)
{
	struct dma_buf *dmabuf = mr->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	dma_buf_unmap_attachment(mr->attach, mr->dma_sgt, DMA_BIDIRECTIONAL);
	dma_buf_unpin(mr->attach);
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, mr->attach);
	mr->attach = NULL;
}

/*
 * The kernel mapping of the buffer, and the pages of the MR's range in
 * it: a vmap() of pages, or memory of the kernel's linear map.
 */
static int uaccel_dmabuf_mr_vmap(struct uaccel_mr *mr, u64 offset)
{
	unsigned long i;
	void *base;
	int ret;

	ret = dma_buf_vmap(mr->dmabuf, &mr->dmabuf_map);
	if (ret)
		return ret == -EINVAL ? -EOPNOTSUPP : ret;
	ret = -EOPNOTSUPP;
	if (mr->dmabuf_map.is_iomem)
		goto err_vunmap;
	mr->pages = kvcalloc(mr->npages, sizeof(*mr->pages), GFP_KERNEL_ACCOUNT);
	if (!mr->pages) {
		ret = -ENOMEM;
		goto err_vunmap;
	}
	base = mr->dmabuf_map.vaddr + (offset & PAGE_MASK);
	for (i = 0; i < mr->npages; i++) {
		void *va = base + i * PAGE_SIZE;

		if (is_vmalloc_addr(va))
			mr->pages[i] = vmalloc_to_page(va);
		else if (virt_addr_valid(va))
			mr->pages[i] = virt_to_page(va);
		if (!mr->pages[i])
			goto err_free_pages;
	}
	return 0;

err_free_pages:
	kvfree(mr->pages);
	mr->pages = NULL;
err_vunmap:
	dma_buf_vunmap(mr->dmabuf, &mr->dmabuf_map);
	return ret;
}

/* Undo uaccel_cmd_reg_dmabuf_mr()'s work on @mr and free it. */
static void uaccel_dmabuf_mr_free(struct uaccel_mr *mr)
{
	if (mr->attach)
		uaccel_dmabuf_mr_detach(mr);
	if (mr->pages) {
		kvfree(mr->pages);
		dma_buf_vunmap(mr->dmabuf, &mr->dmabuf_map);
	}
	dma_buf_put(mr->dmabuf);
	kfree(mr);
}

void uaccel_dmabuf_mr_release(struct uaccel_mr *mr)
{
	uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, -(s64)mr->npages);
	uaccel_dmabuf_mr_free(mr);
}

/*
 * REG_DMABUF_MR attaches and maps before it enters the device's section
 * (the reservation lock and the exporter may wait for long); the device's
 * DMA parent is held by the uaccel device, which the context holds.
 */
int uaccel_cmd_reg_dmabuf_mr(struct uaccel_ucmd *ucmd)
{
	struct uaccel_reg_dmabuf_mr *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_device *udev = ctx->udev;
	struct uaccel_object *pdobj;
	struct dma_buf *dmabuf;
	struct uaccel_mr *mr;
	struct device *dev;
	int ret, idx;
	u64 end;

	if (cmd->__reserved || !cmd->length ||
	    cmd->length > UACCEL_MR_MAX_LENGTH ||
	    check_add_overflow(cmd->offset, cmd->length, &end))
		return -EINVAL;
	dmabuf = dma_buf_get(cmd->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = -EINVAL;
	if (end > dmabuf->size)
		goto err_put_dmabuf;
	ret = -EACCES;
	if ((cmd->flags & UACCEL_MR_ACCESS_WRITE) &&
	    !(dmabuf->file->f_mode & FMODE_WRITE))
		goto err_put_dmabuf;

	mr = kzalloc(sizeof(*mr), GFP_KERNEL_ACCOUNT);
	if (!mr) {
		ret = -ENOMEM;
		goto err_put_dmabuf;
	}
	mr->dmabuf = dmabuf;
	mr->addr = cmd->offset;
	mr->length = cmd->length;
	mr->access = cmd->flags;
	mr->first_offset = cmd->offset & ~PAGE_MASK;
	mr->npages = (PAGE_ALIGN(end) - (cmd->offset & PAGE_MASK)) >> PAGE_SHIFT;
	mr->dma_offset = cmd->offset;
	mr->dma_dir = DMA_BIDIRECTIONAL;

	dev = udev->ops->flags & UACCEL_OPS_MR_DMA ? udev->dev.parent : &udev->dev;
	ret = uaccel_dmabuf_mr_attach(mr, dev);
	if (ret)
		goto err_free_mr;
	ret = uaccel_dmabuf_mr_vmap(mr, cmd->offset);
	/* A device that only DMAs does without a kernel mapping. */
	if (ret == -EOPNOTSUPP && (udev->ops->flags & UACCEL_OPS_MR_DMA))
		ret = 0;
	if (ret)
		goto err_free_mr;

	if (!uaccel_device_enter(udev, &idx)) {
		ret = -ENODEV;
		goto err_free_mr;
	}
	pdobj = uaccel_obj_get(ctx, cmd->pd_id, UACCEL_OBJ_PD);
	if (IS_ERR(pdobj)) {
		ret = PTR_ERR(pdobj);
		goto err_exit;
	}
	/* The PD's use count taken by the lookup belongs to the MR. */
	mr->pd = container_of(pdobj, struct uaccel_pd, obj);
	uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, mr->npages);
	ret = uaccel_obj_add(ucmd, &mr->obj, UACCEL_OBJ_MR);
	if (ret) {
		uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, -(s64)mr->npages);
		uaccel_obj_put(pdobj);
		goto err_exit;
	}
	uaccel_device_exit(udev, idx);

	cmd->out_mr_id = mr->obj.id;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_exit:
	uaccel_device_exit(udev, idx);
err_free_mr:
	/* The MR's reference to the dma-buf is the lookup's. */
	uaccel_dmabuf_mr_free(mr);
	return ret;

err_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}
