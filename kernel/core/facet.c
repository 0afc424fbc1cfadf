// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: driver ops facets and GET_DRIVER_OPS_FD.
 *
 * A facet is a named, versioned command table of a driver, listed in its
 * uaccel_ops and served from the device's registration on.  A facet fd is
 * an anonymous file tied to the context it came from: it holds a reference
 * on the context, so its commands may name the context's objects by id for
 * as long as the fd lives, even after the context fd is closed.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "uaccel_core.h"

static bool uaccel_facet_name_valid(const char *name)
{
	size_t len = strnlen(name, UACCEL_NAME_MAX);
	size_t i;

	if (!len || len >= UACCEL_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    !strchr("._-", name[i]))
			return false;
	return true;
}

/* The index of the facet called @name in udev->facets, or -1. */
static int uaccel_find_facet(struct uaccel_device *udev, const char *name)
{
	unsigned int i;

	for (i = 0; i < udev->num_facets; i++)
		if (!strcmp(udev->facets[i]->name, name))
			return i;
	return -1;
}

static int uaccel_facet_add(struct uaccel_device *udev,
			    const struct uaccel_facet *facet)
{
	unsigned int i;

	if (!uaccel_facet_name_valid(facet->name) || !facet->min_version ||
	    facet->min_version > facet->max_version ||
	    facet->flags & ~(UACCEL_FACET_PRIVILEGED | UACCEL_FACET_EXCLUSIVE) ||
	    facet->num_ops > UACCEL_FACET_CMD_MAX)
		return -EINVAL;
	/* Layouts are checked at build time by UACCEL_IOCTL_OP(). */
	for (i = 0; i < facet->num_ops; i++)
		if (facet->ops[i].min_size < 8 || facet->ops[i].unlocked)
			return -EINVAL;
	if (uaccel_find_facet(udev, facet->name) >= 0)
		return -EEXIST;
	if (udev->num_facets == UACCEL_MAX_FACETS)
		return -ENOSPC;
	if (facet->num_ops) {
		udev->facet_ops[udev->num_facets] =
			kmemdup(facet->ops, facet->num_ops * sizeof(*facet->ops),
				GFP_KERNEL);
		if (!udev->facet_ops[udev->num_facets])
			return -ENOMEM;
	}
	udev->facets[udev->num_facets++] = facet;
	return 0;
}

/* Drop the facets and the copies of their tables (registration failed, or release). */
void uaccel_free_facets(struct uaccel_device *udev)
{
	unsigned int i;

	for (i = 0; i < UACCEL_MAX_FACETS; i++) {
		kfree(udev->facet_ops[i]);
		udev->facet_ops[i] = NULL;
	}
	udev->num_facets = 0;
}

/*
 * The facets the driver lists in its uaccel_ops, checked and fixed for
 * the device's registration (before it is visible).
 */
int uaccel_register_facets(struct uaccel_device *udev)
{
	const struct uaccel_facet *const *f = udev->ops->facets;
	int ret;

	/* A device registers once: its facets and their copies are new. */
	for (; f && *f; f++) {
		ret = uaccel_facet_add(udev, *f);
		if (ret) {
			uaccel_free_facets(udev);
			return ret;
		}
	}
	return 0;
}

u32 uaccel_facet_version(const struct uaccel_facet_file *ffile)
{
	return ffile->version;
}
EXPORT_SYMBOL_GPL(uaccel_facet_version);

/* Give up the hold of an exclusive facet; the device may be gone. */
static void uaccel_facet_unhold(struct uaccel_facet_file *ffile)
{
	if (ffile->held_slot >= 0)
		clear_bit(ffile->held_slot, &ffile->ctx->udev->facets_held);
}

static int uaccel_facet_release(struct inode *inode, struct file *filp)
{
	struct uaccel_facet_file *ffile = filp->private_data;
	struct uaccel_context *ctx = ffile->ctx;

	uaccel_cipher_release(ffile);
	spin_lock(&ctx->facet_lock);
	list_del(&ffile->entry);
	ctx->nr_facet_files--;
	spin_unlock(&ctx->facet_lock);
	uaccel_facet_unhold(ffile);
	uaccel_context_put(ffile->ctx);
	kfree(ffile);
	uaccel_stat_add(UACCEL_STAT_FACET_FILES, -1);
	return 0;
}

/* Facet files have no events of their own; they report the removal. */
static __poll_t uaccel_facet_poll(struct file *filp, poll_table *wait)
{
	struct uaccel_facet_file *ffile = filp->private_data;

	return uaccel_context_poll_removed(ffile->ctx, filp, wait);
}

static const struct file_operations uaccel_facet_fops = {
	.owner = THIS_MODULE,
	.poll = uaccel_facet_poll,
	.unlocked_ioctl = uaccel_facet_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = uaccel_facet_uring_cmd,
	.release = uaccel_facet_release,
	.llseek = no_llseek,
};

/*
 * A privileged facet needs CAP_SYS_ADMIN in both the credentials the
 * context was opened with and the caller's: a context fd passed to another
 * process never grants more than the receiver has, and a privileged
 * receiver gains nothing from an unprivileged opener's fd.
 */
static bool uaccel_facet_allowed(struct uaccel_context *ctx,
				 const struct uaccel_facet *facet)
{
	if (!(facet->flags & UACCEL_FACET_PRIVILEGED))
		return true;
	return file_ns_capable(ctx->filp, &init_user_ns, CAP_SYS_ADMIN) &&
	       capable(CAP_SYS_ADMIN);
}

int uaccel_cmd_get_driver_ops_fd(struct uaccel_ucmd *ucmd)
{
	struct uaccel_get_driver_ops_fd *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	const struct uaccel_facet *facet;
	struct uaccel_facet_file *ffile;
	struct file *file;
	int fd, slot, ret;
	u32 lo, hi;

	if (strnlen(cmd->name, sizeof(cmd->name)) == sizeof(cmd->name) ||
	    !cmd->min_version || cmd->min_version > cmd->max_version)
		return -EINVAL;

	slot = uaccel_find_facet(ctx->udev, cmd->name);
	if (slot < 0)
		return -ENOENT;
	facet = ctx->udev->facets[slot];
	lo = max(facet->min_version, cmd->min_version);
	hi = min(facet->max_version, cmd->max_version);
	if (lo > hi)
		return -EPROTONOSUPPORT;
	if (!uaccel_facet_allowed(ctx, facet))
		return -EPERM;

	ffile = kzalloc(sizeof(*ffile), GFP_KERNEL_ACCOUNT);
	if (!ffile)
		return -ENOMEM;
	ffile->ctx = ctx;
	ffile->facet = facet;
	ffile->ops = ctx->udev->facet_ops[slot];
	ffile->num_ops = facet->num_ops;
	ffile->version = hi;
	ffile->slot = slot;
	ffile->held_slot = -1;
	if (facet->flags & UACCEL_FACET_EXCLUSIVE) {
		if (test_and_set_bit(slot, &ctx->udev->facets_held)) {
			ret = -EBUSY;
			goto err_free;
		}
		ffile->held_slot = slot;
	}

	fd = get_unused_fd_flags(O_RDWR |
				 (cmd->flags & UACCEL_FACET_FD_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		ret = fd;
		goto err_unhold;
	}
	file = anon_inode_getfile("[uaccel-facet]", &uaccel_facet_fops, ffile,
				  O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_put_fd;
	}
	uaccel_context_get(ctx);
	uaccel_stat_add(UACCEL_STAT_FACET_FILES, 1);
	spin_lock(&ctx->facet_lock);
	ffile->id = ++ctx->next_facet_id;
	list_add_tail(&ffile->entry, &ctx->facet_files);
	ctx->nr_facet_files++;
	spin_unlock(&ctx->facet_lock);

	/* Installed once the reply reached the caller (uaccel_ucmd_finish()). */
	ucmd->new_file = file;
	ucmd->new_fd = fd;
	cmd->out_fd = fd;
	cmd->out_version = hi;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_put_fd:
	put_unused_fd(fd);
err_unhold:
	uaccel_facet_unhold(ffile);
err_free:
	kfree(ffile);
	return ret;
}
