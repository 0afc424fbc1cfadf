// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: mappings of CQ and queue rings.
 *
 * The mmap() offset names the object: its id times a window of
 * UACCEL_RING_MAX_SIZE bytes, so that the page offset (id << 12) fits the
 * 32 bits of a 32-bit process's mmap2() for every id a context can have.
 * Pages are inserted at fault time, inside the device's SRCU section, never
 * at mmap() time: a mapping whose VMA is linked after the device went away
 * then has nothing to show and faults with SIGBUS.
 *
 * Ring mappings are PFN maps (VM_PFNMAP, special PTEs): get_user_pages()
 * refuses them, so no MR (and nothing else that pins user memory) can hold
 * a ring's pages beyond the ring's life.
 *
 * Every context file of a device uses the address space of one anonymous
 * inode of the device (not the inode of the device node, of which there
 * may be several), so removal zaps every ring mapping of the device with
 * one unmap_mapping_range().  Destroying a ring object zaps its offset
 * range; mappings of the same id in other contexts of the device lose
 * their pages too and simply fault them in again.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/vmalloc.h>

#include "uaccel_core.h"

#define UACCEL_FS_MAGIC		0x75616363	/* "uacc" */

static struct vfsmount *uaccel_fs_mnt;
static int uaccel_fs_cnt;

static int uaccel_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, UACCEL_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type uaccel_fs_type = {
	.name = "uaccel",
	.owner = THIS_MODULE,
	.init_fs_context = uaccel_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* An inode of the internal filesystem, for a device's address space. */
struct inode *uaccel_mapping_inode_alloc(void)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&uaccel_fs_type, &uaccel_fs_mnt, &uaccel_fs_cnt);
	if (ret)
		return ERR_PTR(ret);
	inode = alloc_anon_inode(uaccel_fs_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&uaccel_fs_mnt, &uaccel_fs_cnt);
	return inode;
}

void uaccel_mapping_inode_free(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&uaccel_fs_mnt, &uaccel_fs_cnt);
}

static_assert((u64)UACCEL_CONTEXT_MAX_OBJECTS << UACCEL_MMAP_ID_SHIFT <= U32_MAX);

static loff_t uaccel_ring_pgoff(u32 id)
{
	return (loff_t)id << UACCEL_MMAP_ID_SHIFT;
}

u64 uaccel_ring_mmap_offset(const struct uaccel_object *obj)
{
	return (u64)uaccel_ring_pgoff(obj->id) << PAGE_SHIFT;
}

/*
 * A ring of @size bytes (at most UACCEL_RING_MAX_SIZE) to map to
 * userspace: zeroed, charged to the caller's memory cgroup and to its
 * locked-memory limit (uaccel_locked_charge()).
 */
void *uaccel_ring_alloc(size_t size, struct uaccel_locked *locked)
{
	void *ring;
	int ret;

	if (size > UACCEL_RING_MAX_SIZE)
		return ERR_PTR(-EINVAL);
	ret = uaccel_locked_charge(locked, size >> PAGE_SHIFT);
	if (ret)
		return ERR_PTR(ret);
	ring = __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!ring) {
		uaccel_locked_uncharge(locked);
		return ERR_PTR(-ENOMEM);
	}
	return ring;
}

void uaccel_ring_free(void *ring, struct uaccel_locked *locked)
{
	vfree(ring);
	uaccel_locked_uncharge(locked);
}

/* The ring object named by a file page offset, with a use count held. */
static struct uaccel_object *uaccel_ring_get(struct uaccel_context *ctx,
					     unsigned long pgoff, void **ring,
					     size_t *ring_size)
{
	struct uaccel_object *obj;
	unsigned long id = pgoff >> UACCEL_MMAP_ID_SHIFT;

	if (id > UACCEL_CONTEXT_MAX_OBJECTS)
		return ERR_PTR(-EINVAL);
	obj = uaccel_obj_get_any(ctx, id);
	if (IS_ERR(obj))
		return obj;
	if (!uaccel_obj_ops_of(obj)->ring) {
		uaccel_obj_put(obj);
		return ERR_PTR(-EINVAL);
	}
	*ring = uaccel_obj_ops_of(obj)->ring(obj, ring_size);
	return obj;
}

static vm_fault_t uaccel_ring_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct uaccel_context *ctx = vma->vm_private_data;
	struct uaccel_device *udev = ctx->udev;
	unsigned long page_in_ring;
	struct uaccel_object *obj;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	size_t ring_size;
	void *ring;
	int idx;

	if (!uaccel_device_enter(udev, &idx))
		return VM_FAULT_SIGBUS;
	obj = uaccel_ring_get(ctx, vmf->pgoff, &ring, &ring_size);
	if (IS_ERR(obj))
		goto out_exit;
	page_in_ring = vmf->pgoff & ((1UL << UACCEL_MMAP_ID_SHIFT) - 1);
	if (page_in_ring >= ring_size >> PAGE_SHIFT)
		goto out_put;

	/* Inserted here, inside the section that removal waits for. */
	ret = vmf_insert_pfn(vma, vmf->address & PAGE_MASK,
			     vmalloc_to_pfn(ring + (page_in_ring << PAGE_SHIFT)));
out_put:
	uaccel_obj_put(obj);
out_exit:
	uaccel_device_exit(udev, idx);
	return ret;
}

static const struct vm_operations_struct uaccel_ring_vm_ops = {
	.fault = uaccel_ring_fault,
};

/* mmap() of a CQ or queue ring: checked now, populated on fault. */
int uaccel_ring_mmap(struct uaccel_context *ctx, struct vm_area_struct *vma)
{
	struct uaccel_object *obj;
	size_t ring_size;
	void *ring;
	int ret = 0;

	/* A private copy would hide the indexes from the other side. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff & ((1UL << UACCEL_MMAP_ID_SHIFT) - 1))
		return -EINVAL;
	obj = uaccel_ring_get(ctx, vma->vm_pgoff, &ring, &ring_size);
	if (IS_ERR(obj))
		return -EINVAL;
	if (vma->vm_end - vma->vm_start > ring_size)
		ret = -EINVAL;
	uaccel_obj_put(obj);
	if (ret)
		return ret;

	/*
	 * Not inherited by fork(): a child would otherwise produce into the
	 * parent's rings with a copy of the parent's indexes.
	 */
	vma->vm_flags |= VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	vma->vm_ops = &uaccel_ring_vm_ops;
	vma->vm_private_data = ctx;
	return 0;
}

/*
 * Take the pages of a ring object that goes for @why out of every mapping
 * of it.  Only DESTROY has work: at the last close no mapping is left (a
 * mapping holds the context file), and a removal zapped every ring mapping
 * of the device at once.
 */
void uaccel_ring_zap(struct uaccel_object *obj, enum uaccel_remove_reason why)
{
	struct inode *inode = obj->ctx->udev->mapping_inode;
	size_t ring_size;

	if (why != UACCEL_REMOVE_DESTROY)
		return;
	uaccel_obj_ops_of(obj)->ring(obj, &ring_size);
	unmap_mapping_range(inode->i_mapping,
			    uaccel_ring_pgoff(obj->id) << PAGE_SHIFT,
			    ring_size, 1);
}
