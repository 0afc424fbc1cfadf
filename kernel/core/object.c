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
#include <linux/kcov.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "uaccel_core.h"

static void uaccel_pd_release(struct uaccel_object *obj,
			      enum uaccel_remove_reason why)
{
	kfree(container_of(obj, struct uaccel_pd, obj));
}

static void uaccel_mr_release(struct uaccel_object *obj,
			      enum uaccel_remove_reason why);

/* What the core does with each type of object; indexed by type. */
static const struct uaccel_obj_ops uaccel_obj_ops[] = {
	[UACCEL_OBJ_PD] = {
		.stat = UACCEL_STAT_PD,
		.release = uaccel_pd_release,
	},
	[UACCEL_OBJ_MR] = {
		.stat = UACCEL_STAT_MR,
		.release = uaccel_mr_release,
	},
	[UACCEL_OBJ_CQ] = {
		.stat = UACCEL_STAT_CQ,
		.release = uaccel_cq_release,
		.ring = uaccel_cq_ring,
	},
	[UACCEL_OBJ_QUEUE] = {
		.stat = UACCEL_STAT_QUEUE,
		.attach = uaccel_queue_attach,
		.release = uaccel_queue_release,
		.ring = uaccel_queue_ring,
	},
	[UACCEL_OBJ_DM] = {
		.stat = UACCEL_STAT_DM,
		.release = uaccel_dm_release,
	},
};

const struct uaccel_obj_ops *uaccel_obj_ops_of(const struct uaccel_object *obj)
{
	return &uaccel_obj_ops[obj->type];
}

/* A published object of @type (any type for 0), with a use count. */
static struct uaccel_object *uaccel_obj_lookup(struct uaccel_context *ctx,
					       u32 id, unsigned int type)
{
	struct uaccel_object *obj;

	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (obj && (!type || obj->type == type) && obj->published)
		atomic_inc(&obj->usecnt);
	else
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ctx->objects);
	return obj;
}

struct uaccel_object *uaccel_obj_get(struct uaccel_context *ctx, u32 id,
				     enum uaccel_obj_type type)
{
	return uaccel_obj_lookup(ctx, id, type);
}

struct uaccel_object *uaccel_obj_get_any(struct uaccel_context *ctx, u32 id)
{
	return uaccel_obj_lookup(ctx, id, 0);
}

void uaccel_obj_put(struct uaccel_object *obj)
{
	atomic_dec(&obj->usecnt);
}

/*
 * The context's count of @obj's type, and of pinned pages for an MR, for
 * the resource dump: under the context lock, read without it.
 */
static void uaccel_obj_count(struct uaccel_object *obj, int n)
{
	struct uaccel_context *ctx = obj->ctx;

	lockdep_assert_held(&ctx->lock);
	WRITE_ONCE(ctx->nr_objects[obj->type], ctx->nr_objects[obj->type] + n);
	if (obj->type == UACCEL_OBJ_MR) {
		struct uaccel_mr *mr = container_of(obj, struct uaccel_mr, obj);

		WRITE_ONCE(ctx->pinned_pages,
			   ctx->pinned_pages + n * (long)mr->npages);
	}
}

/*
 * Give a complete object an id and install it in its context: from now on
 * teardown and removal destroy it, but lookups, DESTROY and mmap see it
 * only once the dispatcher published it with the reply of @ucmd (or it is
 * destroyed if the reply cannot be copied).  The type's attach hook runs
 * under the context lock once the id is known.  -ENOSPC when the context
 * has UACCEL_MAX_OBJECTS objects, -ENODEV when it is being torn down.
 */
int uaccel_obj_add(struct uaccel_ucmd *ucmd, struct uaccel_object *obj,
		   enum uaccel_obj_type type)
{
	struct uaccel_context *ctx = ucmd->ctx;
	const struct uaccel_obj_ops *ops = &uaccel_obj_ops[type];
	int ret;

	obj->ctx = ctx;
	obj->type = type;
	obj->published = false;
	atomic_set(&obj->usecnt, 0);

	mutex_lock(&ctx->lock);
	if (ctx->dead) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/*
	 * Ids are handed out cyclically, so a stale id (or a stale ring
	 * mapping) names nothing for a long time rather than a new object.
	 */
	ret = xa_alloc_cyclic(&ctx->objects, &obj->id, NULL,
			      XA_LIMIT(1, UACCEL_CONTEXT_MAX_OBJECTS),
			      &ctx->next_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto out_unlock;
	}
	ret = ops->attach ? ops->attach(obj) : 0;
	if (ret) {
		xa_erase(&ctx->objects, obj->id);
		goto out_unlock;
	}
	/* The entry exists (reserved): storing into it allocates nothing. */
	WARN_ON(xa_store(&ctx->objects, obj->id, obj, GFP_KERNEL));
	if (type != UACCEL_OBJ_PD)
		xa_set_mark(&ctx->objects, obj->id, UACCEL_OBJ_MARK_DEVICE);
	if (type == UACCEL_OBJ_CQ)
		xa_set_mark(&ctx->objects, obj->id, UACCEL_OBJ_MARK_CQ);
	uaccel_obj_count(obj, 1);
	uaccel_stat_add(ops->stat, 1);
	ucmd->new_obj_id = obj->id;
out_unlock:
	mutex_unlock(&ctx->lock);
	return ret;
}

/*
 * The command that created object @id has copied its reply (@publish), or
 * could not: make the object visible, or destroy it.  If the device went
 * away meanwhile, its removal destroyed the object already.
 */
void uaccel_obj_finalize(struct uaccel_context *ctx, u32 id, bool publish)
{
	struct uaccel_device *udev = ctx->udev;
	struct uaccel_object *obj;
	int idx;

	if (!uaccel_device_enter(udev, &idx))
		return;
	mutex_lock(&ctx->lock);
	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (obj && !obj->published) {
		if (publish)
			obj->published = true;
		else
			__xa_erase(&ctx->objects, id);
	} else {
		obj = NULL;
	}
	xa_unlock(&ctx->objects);
	if (obj && !publish)
		uaccel_obj_destroy(obj, UACCEL_REMOVE_DESTROY);
	mutex_unlock(&ctx->lock);
	uaccel_device_exit(udev, idx);
}

/*
 * Destroy an object already erased from its context, for @why.  Called
 * with the context lock held, with the driver still there.
 */
void uaccel_obj_destroy(struct uaccel_object *obj, enum uaccel_remove_reason why)
{
	const struct uaccel_obj_ops *ops = &uaccel_obj_ops[obj->type];

	uaccel_obj_count(obj, -1);
	uaccel_stat_add(ops->stat, -1);
	ops->release(obj, why);
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
	if (!obj || !obj->published)
		ret = -ENOENT;
	else if (atomic_read(&obj->usecnt))
		ret = -EBUSY;
	else
		__xa_erase(&ctx->objects, cmd->id);
	xa_unlock(&ctx->objects);
	if (!ret)
		uaccel_obj_destroy(obj, UACCEL_REMOVE_DESTROY);
	mutex_unlock(&ctx->lock);
	return ret;
}

int uaccel_cmd_alloc_pd(struct uaccel_ucmd *ucmd)
{
	struct uaccel_alloc_pd *cmd = ucmd->cmd;
	struct uaccel_pd *pd;
	int ret;

	if (cmd->__reserved)
		return -EINVAL;
	pd = kzalloc(sizeof(*pd), GFP_KERNEL_ACCOUNT);
	if (!pd)
		return -ENOMEM;
	ret = uaccel_obj_add(ucmd, &pd->obj, UACCEL_OBJ_PD);
	if (ret) {
		kfree(pd);
		return ret;
	}
	cmd->out_pd_id = pd->obj.id;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * Charge @npages of locked memory (pinned MR pages, ring pages) to the
 * calling user, against the caller's RLIMIT_MEMLOCK, the way io_uring, perf
 * and BPF charge user->locked_vm: the charge stays with the user whatever
 * process or context later holds the object, so forked children, threads
 * and passed fds share one limit.  A caller with CAP_IPC_LOCK is neither
 * limited nor charged.  -ENOMEM over the limit.
 */
int uaccel_locked_charge(struct uaccel_locked *locked, unsigned long npages)
{
	struct user_struct *user = current_user();
	unsigned long limit, cur, new;

	locked->user = NULL;
	locked->npages = npages;
	if (capable(CAP_IPC_LOCK))
		return 0;
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&user->locked_vm);
	do {
		if (check_add_overflow(cur, npages, &new) || new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
	locked->user = get_uid(user);
	return 0;
}

void uaccel_locked_uncharge(struct uaccel_locked *locked)
{
	if (!locked->user)
		return;
	atomic_long_sub(locked->npages, &locked->user->locked_vm);
	free_uid(locked->user);
	locked->user = NULL;
}

static int uaccel_mr_pin(struct uaccel_mr *mr)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long done = 0;
	long got;

	if (mr->access & UACCEL_MR_ACCESS_WRITE)
		gup_flags |= FOLL_WRITE;

	mr->pages = kvcalloc(mr->npages, sizeof(*mr->pages), GFP_KERNEL_ACCOUNT);
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
					mr->first_offset, mr->length,
					GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	mr->dma_dir = mr->access & UACCEL_MR_ACCESS_WRITE ? DMA_BIDIRECTIONAL :
							     DMA_TO_DEVICE;
	ret = dma_map_sgtable(dma_dev, &mr->sgt, mr->dma_dir, 0);
	if (ret) {
		sg_free_table(&mr->sgt);
		mr->sgt.sgl = NULL;
		return ret;
	}
	mr->dma_sgt = &mr->sgt;
	return 0;
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

	offset += mr->dma_offset;
	for_each_sgtable_dma_sg(mr->dma_sgt, sg, i) {
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

	/*
	 * A dma-buf's mapping is the exporter's: coherent for the device
	 * (the core's DM buffers, DRM's shmem buffers on x86) or made so by
	 * the exporter.
	 */
	if (mr->dmabuf)
		return;
	if (for_device)
		dma_sync_sgtable_for_device(dma_dev, &mr->sgt, mr->dma_dir);
	else
		dma_sync_sgtable_for_cpu(dma_dev, &mr->sgt, mr->dma_dir);
}
EXPORT_SYMBOL_GPL(uaccel_mr_dma_sync);

/*
 * An MR as the core allocates it: the work item that unpins its pages when
 * its release cannot, allocated with it so that handing the pages over
 * needs no memory.
 * @mr: the MR drivers see
 * @unpin_work: unpins what the release left pinned, in uaccel_unpin_wq
 * @unpinned: pages [0, @unpinned) are no longer pinned
 * @dirty: the device may have written the pages: mark them dirty
 * @kcov_handle: KCOV common handle of the task that released the MR, whose
 *	collector gets @unpin_work's coverage (0 without KCOV)
 */
struct uaccel_mr_pin {
	struct uaccel_mr mr;
	struct work_struct unpin_work;
	unsigned long unpinned;
	bool dirty;
	u64 kcov_handle;
};

/* Pages unpinned between two reschedule points. */
#define UACCEL_UNPIN_BATCH	1024

/*
 * Unpins of MRs whose release found a page locked.  Its own queue, so that
 * the module's exit waits for these items and nothing else.
 */
static struct workqueue_struct *uaccel_unpin_wq;

/*
 * Unpin the pages of @mp from mp->unpinned on, marking each dirty first if
 * the device may have written it.  The dirty flag is set under the page
 * lock, which a file system may hold for as long as userspace makes it
 * (FUSE holds a page locked while its server answers a read of it).
 * Without @wait, stop at the first page whose lock is taken and return
 * false, the rest still pinned; with it, wait for the lock.
 */
static bool uaccel_mr_unpin_pages(struct uaccel_mr_pin *mp, bool wait)
{
	struct uaccel_mr *mr = &mp->mr;

	while (mp->unpinned < mr->npages) {
		struct page **pages = mr->pages + mp->unpinned;
		unsigned long left = mr->npages - mp->unpinned;
		struct folio *folio = page_folio(pages[0]);
		unsigned long nr = 1;

		/*
		 * The run of pages of one folio (a huge page gives up to 512)
		 * is marked dirty once and unpinned with one reference drop,
		 * as unpin_user_pages() batches it.
		 */
		while (nr < left && page_folio(pages[nr]) == folio)
			nr++;
		if (mp->dirty && !folio_test_dirty(folio)) {
			if (!wait) {
				if (!folio_trylock(folio))
					return false;
			} else if (folio_lock_killable(folio)) {
				/*
				 * Killable, so that a long wait is not taken
				 * for a hung task; a worker gets no signal,
				 * this is only in case.
				 */
				folio_lock(folio);
			}
			folio_mark_dirty(folio);
			folio_unlock(folio);
		}
		unpin_user_pages(pages, nr);
		if ((mp->unpinned + nr) / UACCEL_UNPIN_BATCH !=
		    mp->unpinned / UACCEL_UNPIN_BATCH)
			cond_resched();
		mp->unpinned += nr;
	}
	return true;
}

/* Every page is unpinned: return the charges and free the MR. */
static void uaccel_mr_free(struct uaccel_mr_pin *mp)
{
	struct uaccel_mr *mr = &mp->mr;

	kvfree(mr->pages);
	atomic64_sub(mr->npages, &mr->mm->pinned_vm);
	mmdrop(mr->mm);
	uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, -(s64)mr->npages);
	uaccel_locked_uncharge(&mr->locked);
	kfree(mp);
}

static void uaccel_mr_unpin_work(struct work_struct *work)
{
	struct uaccel_mr_pin *mp = container_of(work, struct uaccel_mr_pin,
						unpin_work);

	kcov_remote_start_common(mp->kcov_handle);
	uaccel_mr_unpin_pages(mp, true);
	uaccel_mr_free(mp);
	kcov_remote_stop();
}

/*
 * Give back the pinned and charged pages of an MR and free it, without
 * waiting for a page lock: whatever a locked page keeps pinned goes to a
 * worker, with the mm, the pinned-page counts and the locked-memory charge,
 * which stay until the pages are unpinned.  DESTROY, the last close and
 * removal therefore never wait for userspace, and the charge comes back at
 * once unless a page was locked.  The worker touches no device or context.
 */
static void uaccel_mr_put_pages(struct uaccel_mr_pin *mp, bool dirty)
{
	mp->dirty = dirty;
	if (uaccel_mr_unpin_pages(mp, false)) {
		uaccel_mr_free(mp);
		return;
	}
	mp->kcov_handle = kcov_common_handle();
	INIT_WORK(&mp->unpin_work, uaccel_mr_unpin_work);
	queue_work(uaccel_unpin_wq, &mp->unpin_work);
}

static void uaccel_mr_release(struct uaccel_object *obj,
			      enum uaccel_remove_reason why)
{
	struct uaccel_mr *mr = container_of(obj, struct uaccel_mr, obj);

	atomic_dec(&mr->pd->obj.usecnt);
	if (mr->dmabuf) {
		uaccel_dmabuf_mr_release(mr);
		return;
	}
	uaccel_mr_dma_unmap(mr, mr->obj.ctx->udev->dev.parent);
	uaccel_mr_put_pages(container_of(mr, struct uaccel_mr_pin, mr),
			    mr->access & UACCEL_MR_ACCESS_WRITE);
}

int uaccel_mr_init(void)
{
	uaccel_unpin_wq = alloc_workqueue("uaccel_unpin", WQ_UNBOUND, 0);
	return uaccel_unpin_wq ? 0 : -ENOMEM;
}

/* Waits for the unpins still waiting for a page lock. */
void uaccel_mr_exit(void)
{
	destroy_workqueue(uaccel_unpin_wq);
}

/*
 * REG_MR pins the memory before it enters the device's section (pinning
 * may wait for a user page fault for as long as userspace likes), then
 * maps it for the device and installs the MR inside.
 */
int uaccel_cmd_reg_mr(struct uaccel_ucmd *ucmd)
{
	struct uaccel_reg_mr *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_device *udev = ctx->udev;
	struct uaccel_object *pdobj;
	struct uaccel_mr_pin *mp;
	struct uaccel_mr *mr;
	int ret, idx;
	u64 end;

	if (!cmd->length || cmd->length > UACCEL_MR_MAX_LENGTH ||
	    check_add_overflow(cmd->addr, cmd->length, &end) || end > TASK_SIZE)
		return -EINVAL;
	if (!current->mm)
		return -EINVAL;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL_ACCOUNT);
	if (!mp)
		return -ENOMEM;
	mr = &mp->mr;
	mr->addr = cmd->addr;
	mr->length = cmd->length;
	mr->access = cmd->flags;
	mr->first_offset = cmd->addr & ~PAGE_MASK;
	mr->npages = (PAGE_ALIGN(end) - (cmd->addr & PAGE_MASK)) >> PAGE_SHIFT;

	ret = uaccel_locked_charge(&mr->locked, mr->npages);
	if (ret)
		goto err_free_mr;
	ret = uaccel_mr_pin(mr);
	if (ret)
		goto err_uncharge;
	mr->mm = current->mm;
	mmgrab(mr->mm);
	atomic64_add(mr->npages, &mr->mm->pinned_vm);
	uaccel_stat_add(UACCEL_STAT_PINNED_PAGES, mr->npages);

	if (!uaccel_device_enter(udev, &idx)) {
		ret = -ENODEV;
		goto err_unpin;
	}
	pdobj = uaccel_obj_get(ctx, cmd->pd_id, UACCEL_OBJ_PD);
	if (IS_ERR(pdobj)) {
		ret = PTR_ERR(pdobj);
		goto err_exit;
	}
	mr->pd = container_of(pdobj, struct uaccel_pd, obj);
	if (udev->ops->flags & UACCEL_OPS_MR_DMA) {
		ret = uaccel_mr_dma_map(mr, udev->dev.parent);
		if (ret)
			goto err_put_pd;
	}
	/* The PD's use count taken by the lookup belongs to the MR. */
	ret = uaccel_obj_add(ucmd, &mr->obj, UACCEL_OBJ_MR);
	if (ret)
		goto err_unmap;
	uaccel_device_exit(udev, idx);

	cmd->out_mr_id = mr->obj.id;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_unmap:
	uaccel_mr_dma_unmap(mr, udev->dev.parent);
err_put_pd:
	uaccel_obj_put(pdobj);
err_exit:
	uaccel_device_exit(udev, idx);
err_unpin:
	uaccel_mr_put_pages(mp, false);
	return ret;

err_uncharge:
	uaccel_locked_uncharge(&mr->locked);
err_free_mr:
	kfree(mp);
	return ret;
}

struct uaccel_mr *uaccel_mr_get(struct uaccel_context *ctx, u32 id)
{
	struct uaccel_object *obj = uaccel_obj_get(ctx, id, UACCEL_OBJ_MR);

	return IS_ERR(obj) ? ERR_CAST(obj) : container_of(obj, struct uaccel_mr, obj);
}
EXPORT_SYMBOL_GPL(uaccel_mr_get);

void uaccel_mr_put(struct uaccel_mr *mr)
{
	uaccel_obj_put(&mr->obj);
}
EXPORT_SYMBOL_GPL(uaccel_mr_put);

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

int uaccel_mr_sg_table(const struct uaccel_mr *mr, u64 offset, u64 length,
		       struct sg_table *sgt, gfp_t gfp)
{
	u64 pos = mr->first_offset + offset;
	unsigned long first = pos >> PAGE_SHIFT;
	unsigned long last = (pos + length - 1) >> PAGE_SHIFT;

	if (WARN_ON_ONCE(!length || uaccel_mr_check(mr, offset, length, false)))
		return -EINVAL;
	if (!mr->pages)
		return -EOPNOTSUPP;
	return sg_alloc_table_from_pages(sgt, mr->pages + first,
					 last - first + 1, pos & ~PAGE_MASK,
					 length, gfp);
}
EXPORT_SYMBOL_GPL(uaccel_mr_sg_table);

bool uaccel_mr_cpu_mapped(const struct uaccel_mr *mr)
{
	return mr->pages;
}
EXPORT_SYMBOL_GPL(uaccel_mr_cpu_mapped);

void *uaccel_mr_kmap(const struct uaccel_mr *mr, u64 offset, size_t *avail)
{
	u64 pos = mr->first_offset + offset;
	size_t in_page = pos & ~PAGE_MASK;

	*avail = min_t(u64, PAGE_SIZE - in_page, mr->length - offset);
	return kmap_local_page(mr->pages[pos >> PAGE_SHIFT]) + in_page;
}
EXPORT_SYMBOL_GPL(uaccel_mr_kmap);
