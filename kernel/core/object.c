// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the object registry of a context, DESTROY, PDs and MRs.
 *
 * Objects live in the context's xarray.  An id is reserved (an invisible
 * entry) while an object is being built and published when complete, so a
 * half-built object is never found.  Lookups and DESTROY's in-use check run
 * under the xarray lock: a lookup takes a use count, and DESTROY erases an
 * object only while its use count is zero.  Creation, DESTROY and teardown
 * are serialised by the context lock.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "uaccel_core.h"

static const enum uaccel_stat uaccel_obj_stat[] = {
	[UACCEL_OBJ_PD] = UACCEL_STAT_PD,
	[UACCEL_OBJ_MR] = UACCEL_STAT_MR,
	[UACCEL_OBJ_CQ] = UACCEL_STAT_CQ,
	[UACCEL_OBJ_QUEUE] = UACCEL_STAT_QUEUE,
};

struct uaccel_object *uaccel_obj_get(struct uaccel_context *ctx, u32 id,
				     enum uaccel_obj_type type)
{
	struct uaccel_object *obj;

	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (obj && obj->type == type)
		atomic_inc(&obj->usecnt);
	else
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ctx->objects);
	return obj;
}
EXPORT_SYMBOL_GPL(uaccel_obj_get);

void uaccel_obj_put(struct uaccel_object *obj)
{
	atomic_dec(&obj->usecnt);
}
EXPORT_SYMBOL_GPL(uaccel_obj_put);

/* Called with ctx->lock held. */
int uaccel_obj_reserve(struct uaccel_context *ctx, struct uaccel_object *obj,
		       enum uaccel_obj_type type)
{
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (ctx->dead)
		return -ENODEV;
	obj->ctx = ctx;
	obj->type = type;
	atomic_set(&obj->usecnt, 0);
	/*
	 * Ids are handed out cyclically, so a stale id (or a stale ring
	 * mapping) names nothing for a long time rather than a new object.
	 */
	ret = xa_alloc_cyclic(&ctx->objects, &obj->id, NULL,
			      XA_LIMIT(1, U32_MAX >> 8), &ctx->next_id,
			      GFP_KERNEL);
	return ret < 0 ? ret : 0;
}

/* Make a reserved, complete object visible.  Called with ctx->lock held. */
void uaccel_obj_publish(struct uaccel_object *obj)
{
	lockdep_assert_held(&obj->ctx->lock);
	WARN_ON(xa_store(&obj->ctx->objects, obj->id, obj, GFP_KERNEL));
	uaccel_stat_add(uaccel_obj_stat[obj->type], 1);
}

/* Give back a reserved id of an object that was never published. */
void uaccel_obj_unreserve(struct uaccel_object *obj)
{
	xa_erase(&obj->ctx->objects, obj->id);
}

/* Free an object already erased from the registry. */
void uaccel_obj_free(struct uaccel_object *obj)
{
	uaccel_stat_add(uaccel_obj_stat[obj->type], -1);
	switch (obj->type) {
	case UACCEL_OBJ_PD:
		kfree(container_of(obj, struct uaccel_pd, obj));
		break;
	case UACCEL_OBJ_MR:
		uaccel_mr_release(container_of(obj, struct uaccel_mr, obj));
		break;
	case UACCEL_OBJ_CQ:
		uaccel_cq_release(container_of(obj, struct uaccel_cq, obj));
		break;
	case UACCEL_OBJ_QUEUE:
		uaccel_queue_release(container_of(obj, struct uaccel_queue, obj));
		break;
	}
}

int uaccel_cmd_destroy(struct uaccel_ucmd *ucmd)
{
	struct uaccel_destroy *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_object *obj;
	int ret = 0;

	if (cmd->__reserved)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, cmd->id);
	if (!obj)
		ret = -ENOENT;
	else if (atomic_read(&obj->usecnt))
		ret = -EBUSY;
	else
		__xa_erase(&ctx->objects, cmd->id);
	xa_unlock(&ctx->objects);
	if (!ret)
		uaccel_obj_free(obj);
	mutex_unlock(&ctx->lock);
	return ret;
}

int uaccel_cmd_alloc_pd(struct uaccel_ucmd *ucmd)
{
	struct uaccel_alloc_pd *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_pd *pd;
	int ret;

	if (cmd->__reserved)
		return -EINVAL;
	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;

	mutex_lock(&ctx->lock);
	ret = uaccel_obj_reserve(ctx, &pd->obj, UACCEL_OBJ_PD);
	if (ret)
		goto err_unlock;
	cmd->out_pd_id = pd->obj.id;
	ret = uaccel_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_unreserve;
	uaccel_obj_publish(&pd->obj);
	mutex_unlock(&ctx->lock);
	return 0;

err_unreserve:
	uaccel_obj_unreserve(&pd->obj);
err_unlock:
	mutex_unlock(&ctx->lock);
	kfree(pd);
	return ret;
}

/* Charge pinned pages to RLIMIT_MEMLOCK, as ib_umem does. */
static int uaccel_charge_pinned(struct mm_struct *mm, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned = atomic64_add_return(npages, &mm->pinned_vm);

	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, npages);
	return 0;
}

static void uaccel_uncharge_pinned(struct mm_struct *mm, unsigned long npages)
{
	atomic64_sub(npages, &mm->pinned_vm);
	uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, -(s64)npages);
}

static int uaccel_mr_pin(struct uaccel_mr *mr)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long done = 0;
	long got;

	if (mr->access & UACCEL_MR_ACCESS_WRITE)
		gup_flags |= FOLL_WRITE;

	mr->pages = kvcalloc(mr->npages, sizeof(*mr->pages), GFP_KERNEL);
	if (!mr->pages)
		return -ENOMEM;

	while (done < mr->npages) {
		got = pin_user_pages_fast((mr->addr & PAGE_MASK) + done * PAGE_SIZE,
					  min_t(unsigned long, mr->npages - done,
						PAGE_SIZE / sizeof(struct page *)),
					  gup_flags, mr->pages + done);
		if (got <= 0) {
			unpin_user_pages(mr->pages, done);
			kvfree(mr->pages);
			mr->pages = NULL;
			return got ? got : -EFAULT;
		}
		done += got;
		if (fatal_signal_pending(current)) {
			unpin_user_pages(mr->pages, done);
			kvfree(mr->pages);
			mr->pages = NULL;
			return -EINTR;
		}
	}
	return 0;
}

/* Map the pinned pages for the device's DMA (UACCEL_OPS_MR_DMA). */
static int uaccel_mr_dma_map(struct uaccel_mr *mr, struct device *dma_dev)
{
	int ret;

	ret = sg_alloc_table_from_pages(&mr->sgt, mr->pages, mr->npages,
					mr->first_offset, mr->length, GFP_KERNEL);
	if (ret)
		return ret;
	mr->dma_dir = mr->access & UACCEL_MR_ACCESS_WRITE ? DMA_BIDIRECTIONAL :
							     DMA_TO_DEVICE;
	ret = dma_map_sgtable(dma_dev, &mr->sgt, mr->dma_dir, 0);
	if (ret) {
		sg_free_table(&mr->sgt);
		mr->sgt.sgl = NULL;
	}
	return ret;
}

static void uaccel_mr_dma_unmap(struct uaccel_mr *mr, struct device *dma_dev)
{
	if (!mr->sgt.sgl)
		return;
	dma_unmap_sgtable(dma_dev, &mr->sgt, mr->dma_dir, 0);
	sg_free_table(&mr->sgt);
}

dma_addr_t uaccel_mr_dma_addr(const struct uaccel_mr *mr, u64 offset,
			      u64 *contig)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(&mr->sgt, sg, i) {
		if (offset < sg_dma_len(sg)) {
			*contig = sg_dma_len(sg) - offset;
			return sg_dma_address(sg) + offset;
		}
		offset -= sg_dma_len(sg);
	}
	WARN_ON_ONCE(1);
	*contig = 0;
	return DMA_MAPPING_ERROR;
}
EXPORT_SYMBOL_GPL(uaccel_mr_dma_addr);

void uaccel_mr_dma_sync(struct uaccel_mr *mr, bool for_device)
{
	struct device *dma_dev = mr->obj.ctx->udev->dev.parent;

	if (for_device)
		dma_sync_sgtable_for_device(dma_dev, &mr->sgt, mr->dma_dir);
	else
		dma_sync_sgtable_for_cpu(dma_dev, &mr->sgt, mr->dma_dir);
}
EXPORT_SYMBOL_GPL(uaccel_mr_dma_sync);

void uaccel_mr_release(struct uaccel_mr *mr)
{
	uaccel_mr_dma_unmap(mr, mr->obj.ctx->udev->dev.parent);
	unpin_user_pages_dirty_lock(mr->pages, mr->npages,
				    mr->access & UACCEL_MR_ACCESS_WRITE);
	kvfree(mr->pages);
	uaccel_uncharge_pinned(mr->mm, mr->npages);
	mmdrop(mr->mm);
	atomic_dec(&mr->pd->obj.usecnt);
	kfree(mr);
}

int uaccel_cmd_reg_mr(struct uaccel_ucmd *ucmd)
{
	struct uaccel_reg_mr *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_object *pdobj;
	struct uaccel_mr *mr;
	u64 end;
	int ret;

	if (!cmd->length || check_add_overflow(cmd->addr, cmd->length, &end) ||
	    end > TASK_SIZE)
		return -EINVAL;
	if (!current->mm)
		return -EINVAL;

	pdobj = uaccel_obj_get(ctx, cmd->pd_id, UACCEL_OBJ_PD);
	if (IS_ERR(pdobj))
		return PTR_ERR(pdobj);

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr) {
		ret = -ENOMEM;
		goto err_put_pd;
	}
	mr->pd = container_of(pdobj, struct uaccel_pd, obj);
	mr->addr = cmd->addr;
	mr->length = cmd->length;
	mr->access = cmd->flags;
	mr->first_offset = cmd->addr & ~PAGE_MASK;
	mr->npages = (PAGE_ALIGN(end) - (cmd->addr & PAGE_MASK)) >> PAGE_SHIFT;
	mr->mm = current->mm;

	ret = uaccel_charge_pinned(mr->mm, mr->npages);
	if (ret)
		goto err_free_mr;
	ret = uaccel_mr_pin(mr);
	if (ret)
		goto err_uncharge;
	if (ctx->udev->ops->flags & UACCEL_OPS_MR_DMA) {
		ret = uaccel_mr_dma_map(mr, ctx->udev->dev.parent);
		if (ret)
			goto err_unpin;
	}
	mmgrab(mr->mm);

	mutex_lock(&ctx->lock);
	ret = uaccel_obj_reserve(ctx, &mr->obj, UACCEL_OBJ_MR);
	if (ret)
		goto err_unlock;
	cmd->out_mr_id = mr->obj.id;
	ret = uaccel_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_unreserve;
	/* The PD's use count taken by the lookup now belongs to the MR. */
	uaccel_obj_publish(&mr->obj);
	mutex_unlock(&ctx->lock);
	return 0;

err_unreserve:
	uaccel_obj_unreserve(&mr->obj);
err_unlock:
	mutex_unlock(&ctx->lock);
	mmdrop(mr->mm);
	uaccel_mr_dma_unmap(mr, ctx->udev->dev.parent);
err_unpin:
	unpin_user_pages(mr->pages, mr->npages);
	kvfree(mr->pages);
err_uncharge:
	uaccel_uncharge_pinned(mr->mm, mr->npages);
err_free_mr:
	kfree(mr);
err_put_pd:
	uaccel_obj_put(pdobj);
	return ret;
}

struct uaccel_mr *uaccel_mr_get(struct uaccel_context *ctx, u32 id)
{
	struct uaccel_object *obj = uaccel_obj_get(ctx, id, UACCEL_OBJ_MR);

	return IS_ERR(obj) ? ERR_CAST(obj) : container_of(obj, struct uaccel_mr, obj);
}
EXPORT_SYMBOL_GPL(uaccel_mr_get);

int uaccel_mr_check(const struct uaccel_mr *mr, u64 offset, u64 length,
		    bool write)
{
	u64 end;

	if (check_add_overflow(offset, length, &end) || end > mr->length)
		return -EINVAL;
	if (write && !(mr->access & UACCEL_MR_ACCESS_WRITE))
		return -EACCES;
	return 0;
}
EXPORT_SYMBOL_GPL(uaccel_mr_check);

void *uaccel_mr_kmap(const struct uaccel_mr *mr, u64 offset, size_t *avail)
{
	u64 pos = mr->first_offset + offset;
	size_t in_page = pos & ~PAGE_MASK;

	*avail = min_t(u64, PAGE_SIZE - in_page, mr->length - offset);
	return kmap_local_page(mr->pages[pos >> PAGE_SHIFT]) + in_page;
}
EXPORT_SYMBOL_GPL(uaccel_mr_kmap);
