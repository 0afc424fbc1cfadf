// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: the generic netlink family "uaccel", what operators' tools
 * (accel, include/uapi/uaccel/netlink.h) read and change: devices, the
 * resources each context holds, and notifications of the registry's
 * changes.
 *
 * Dumps walk the registry by device index, a device's contexts in the order
 * of their ids (increasing along the device's list) and a context's objects
 * by id, and resume from those positions (cb->args[0..2]).  Nothing is
 * held between the parts of a dump.  A context is shown to a caller whose
 * PID namespace sees the opener's process, as RDMA's resource tracking
 * does; devices, like RDMA's in its shared mode, are seen from every
 * network namespace.
 */
#include <linux/cred.h>
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>

#include <uaccel/netlink.h>

#include "uaccel_core.h"

/* Facet files a context message lists; UACCEL_NL_RES_FACET lists all. */
#define UACCEL_NL_CTX_FACETS	32

static struct genl_family uaccel_nl_family;

static const struct nla_policy uaccel_nl_policy[UACCEL_NL_ATTR_MAX + 1] = {
	[UACCEL_NL_ATTR_DEV_INDEX] = { .type = NLA_U32 },
	[UACCEL_NL_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING,
				      .len = UACCEL_NAME_MAX - 1 },
	[UACCEL_NL_ATTR_DEV_EXCLUSIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[UACCEL_NL_ATTR_RES_TYPE] = NLA_POLICY_MAX(NLA_U8, UACCEL_NL_RES_MAX),
};

static u8 uaccel_nl_dev_state(const struct uaccel_device *udev)
{
	if (READ_ONCE(udev->fatal))
		return UACCEL_NL_DEV_FATAL;
	if (!READ_ONCE(udev->registered) || !uaccel_device_added(udev))
		return UACCEL_NL_DEV_REMOVING;
	return UACCEL_NL_DEV_LIVE;
}

/* The device's facets; none once it stopped taking calls. */
static int uaccel_nl_put_dev_facets(struct sk_buff *msg,
				    struct uaccel_device *udev)
{
	const struct uaccel_facet *f;
	struct nlattr *list, *one;
	unsigned int i;
	int idx, ret = 0;

	if (!uaccel_device_enter(udev, &idx))
		return 0;
	list = nla_nest_start(msg, UACCEL_NL_ATTR_DEV_FACETS);
	if (!list) {
		ret = -EMSGSIZE;
		goto out_exit;
	}
	for (i = 0; i < udev->num_facets; i++) {
		f = udev->facets[i];
		one = nla_nest_start(msg, UACCEL_NL_ATTR_FACET);
		if (!one ||
		    nla_put_string(msg, UACCEL_NL_ATTR_FACET_NAME, f->name) ||
		    nla_put_u32(msg, UACCEL_NL_ATTR_FACET_MIN_VERSION,
				f->min_version) ||
		    nla_put_u32(msg, UACCEL_NL_ATTR_FACET_MAX_VERSION,
				f->max_version) ||
		    nla_put_u32(msg, UACCEL_NL_ATTR_FACET_FLAGS, f->flags)) {
			ret = -EMSGSIZE;
			goto out_exit;
		}
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, list);
out_exit:
	uaccel_device_exit(udev, idx);
	return ret;
}

/* What identifies a device in every message: index, name, driver. */
static int uaccel_nl_put_dev_id(struct sk_buff *msg,
				const struct uaccel_device *udev,
				const char *name)
{
	if (nla_put_u32(msg, UACCEL_NL_ATTR_DEV_INDEX, udev->index) ||
	    nla_put_string(msg, UACCEL_NL_ATTR_DEV_NAME, name) ||
	    nla_put_string(msg, UACCEL_NL_ATTR_DEV_DRIVER, udev->driver_name))
		return -EMSGSIZE;
	return 0;
}

static int uaccel_nl_put_dev(struct sk_buff *msg, struct uaccel_device *udev)
{
	struct device *parent = udev->dev.parent;
	char name[UACCEL_NAME_MAX];

	uaccel_device_copy_name(udev, name, sizeof(name));
	if (uaccel_nl_put_dev_id(msg, udev, name) ||
	    nla_put_u32(msg, UACCEL_NL_ATTR_DEV_ABI_VERSION, UACCEL_ABI_VERSION) ||
	    nla_put_s32(msg, UACCEL_NL_ATTR_DEV_NUMA_NODE, dev_to_node(&udev->dev)) ||
	    nla_put_u32(msg, UACCEL_NL_ATTR_DEV_VENDOR_ID, udev->vendor_id) ||
	    nla_put_u32(msg, UACCEL_NL_ATTR_DEV_DEVICE_ID, udev->device_id) ||
	    nla_put_u32(msg, UACCEL_NL_ATTR_DEV_MAJOR, MAJOR(udev->dev.devt)) ||
	    nla_put_u32(msg, UACCEL_NL_ATTR_DEV_MINOR, MINOR(udev->dev.devt)) ||
	    nla_put_u8(msg, UACCEL_NL_ATTR_DEV_STATE, uaccel_nl_dev_state(udev)) ||
	    nla_put_u8(msg, UACCEL_NL_ATTR_DEV_EXCLUSIVE, READ_ONCE(udev->exclusive)) ||
	    nla_put_u32(msg, UACCEL_NL_ATTR_DEV_CONTEXTS, READ_ONCE(udev->nr_contexts)) ||
	    nla_put_u64_64bit(msg, UACCEL_NL_ATTR_DEV_DM_MAX_BYTES,
			      udev->ops->dm_max_length, UACCEL_NL_ATTR_PAD))
		return -EMSGSIZE;
	if (parent) {
		char where[2 * UACCEL_NAME_MAX];

		snprintf(where, sizeof(where), "%s:%s", dev_bus_name(parent),
			 dev_name(parent));
		if (nla_put_string(msg, UACCEL_NL_ATTR_DEV_PARENT, where))
			return -EMSGSIZE;
	}
	return uaccel_nl_put_dev_facets(msg, udev);
}

/* One DEV_GET message for @udev; -EMSGSIZE if it does not fit. */
static int uaccel_nl_fill_dev(struct sk_buff *msg, struct uaccel_device *udev,
			      u32 portid, u32 seq, int flags,
			      struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &uaccel_nl_family, flags,
			  UACCEL_NL_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (uaccel_nl_put_dev(msg, udev)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* The device a request names by index or name (both must agree). */
static struct uaccel_device *uaccel_nl_find_dev(struct nlattr **attrs,
						struct netlink_ext_ack *extack)
{
	struct uaccel_device *udev = NULL;

	if (attrs[UACCEL_NL_ATTR_DEV_INDEX]) {
		udev = uaccel_device_get_by_index(nla_get_u32(attrs[UACCEL_NL_ATTR_DEV_INDEX]));
	} else if (attrs[UACCEL_NL_ATTR_DEV_NAME]) {
		udev = uaccel_device_get_by_name(nla_data(attrs[UACCEL_NL_ATTR_DEV_NAME]));
	} else {
		NL_SET_ERR_MSG(extack, "a device index or name is required");
		return ERR_PTR(-EINVAL);
	}
	if (udev && attrs[UACCEL_NL_ATTR_DEV_INDEX] &&
	    attrs[UACCEL_NL_ATTR_DEV_NAME]) {
		char name[UACCEL_NAME_MAX];

		uaccel_device_copy_name(udev, name, sizeof(name));
		if (strcmp(name, nla_data(attrs[UACCEL_NL_ATTR_DEV_NAME]))) {
			put_device(&udev->dev);
			udev = NULL;
		}
	}
	if (!udev) {
		NL_SET_ERR_MSG(extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	return udev;
}

static int uaccel_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct uaccel_device *udev;
	struct sk_buff *msg;
	int ret;

	udev = uaccel_nl_find_dev(info->attrs, info->extack);
	if (IS_ERR(udev))
		return PTR_ERR(udev);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put;
	}
	ret = uaccel_nl_fill_dev(msg, udev, info->snd_portid, info->snd_seq, 0,
				 NULL);
	if (ret) {
		nlmsg_free(msg);
		goto out_put;
	}
	ret = genlmsg_reply(msg, info);
out_put:
	put_device(&udev->dev);
	return ret;
}

static int uaccel_nl_dev_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	unsigned long index = cb->args[0];
	struct uaccel_device *udev;
	int ret;

	cb->seq = atomic_read(&uaccel_registry_gen);
	while ((udev = uaccel_device_get_next(&index))) {
		ret = uaccel_nl_fill_dev(skb, udev, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		put_device(&udev->dev);
		if (ret)
			break;
		index++;
	}
	cb->args[0] = index;
	return skb->len;
}

static int uaccel_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name = info->attrs[UACCEL_NL_ATTR_DEV_NAME];
	struct nlattr *excl = info->attrs[UACCEL_NL_ATTR_DEV_EXCLUSIVE];
	struct uaccel_device *udev;
	bool was;
	int ret = 0;

	if (!info->attrs[UACCEL_NL_ATTR_DEV_INDEX]) {
		NL_SET_ERR_MSG(info->extack, "the device index is required");
		return -EINVAL;
	}
	if (!name && !excl) {
		NL_SET_ERR_MSG(info->extack, "nothing to set");
		return -EINVAL;
	}
	/* A malformed name changes nothing; see the uAPI for the rest. */
	if (name && !uaccel_rename_valid(nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(info->extack, name, "malformed device name");
		return -EINVAL;
	}
	udev = uaccel_device_get_by_index(nla_get_u32(info->attrs[UACCEL_NL_ATTR_DEV_INDEX]));
	if (!udev) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return -ENODEV;
	}
	was = READ_ONCE(udev->exclusive);
	if (excl)
		ret = uaccel_set_exclusive(udev, nla_get_u8(excl));
	if (!ret && name) {
		ret = uaccel_rename_device(udev, nla_data(name));
		/*
		 * Undo the exclusive state.  Back to off always works; back
		 * to on fails if a second context was opened meanwhile.
		 */
		if (ret && excl && uaccel_set_exclusive(udev, was))
			NL_SET_ERR_MSG(info->extack,
				       "rename failed, exclusive state left changed");
	}
	put_device(&udev->dev);
	return ret;
}

/* Where a resource dump stands: cb->args[] of the family's dumps. */
struct uaccel_nl_res_pos {
	unsigned long dev;	/* device index */
	u32 ctx;		/* first context id not yet complete */
	u32 obj;		/* first object (or facet file) id not yet sent */
};

struct uaccel_nl_res_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct uaccel_device *udev;
	bool live;			/* inside the device's section */
	char name[UACCEL_NAME_MAX];
	u8 type;
};

/* The header and the context's identity, in every resource message. */
static void *uaccel_nl_res_start(struct uaccel_nl_res_dump *d,
				 struct uaccel_context *ctx, pid_t pid)
{
	struct sk_buff *skb = d->skb;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &uaccel_nl_family, NLM_F_MULTI,
			  UACCEL_NL_CMD_RES_GET);
	if (!hdr)
		return NULL;
	genl_dump_check_consistent(d->cb, hdr);
	if (uaccel_nl_put_dev_id(skb, d->udev, d->name) ||
	    nla_put_u8(skb, UACCEL_NL_ATTR_RES_TYPE, d->type) ||
	    nla_put_u32(skb, UACCEL_NL_ATTR_CTX_ID, ctx->id) ||
	    nla_put_u32(skb, UACCEL_NL_ATTR_CTX_PID, pid) ||
	    nla_put_string(skb, UACCEL_NL_ATTR_CTX_COMM, ctx->comm) ||
	    nla_put_u32(skb, UACCEL_NL_ATTR_CTX_UID,
			from_kuid_munged(current_user_ns(), ctx->uid))) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

static int uaccel_nl_res_end(struct sk_buff *skb, void *hdr, bool failed)
{
	if (failed) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int uaccel_nl_put_facet_file(struct sk_buff *skb,
				    struct uaccel_nl_res_dump *d,
				    const struct uaccel_facet_file *ffile)
{
	const char *name = d->live ? d->udev->facets[ffile->slot]->name : "";

	return nla_put_string(skb, UACCEL_NL_ATTR_FACET_NAME, name) ||
	       nla_put_u32(skb, UACCEL_NL_ATTR_FACET_VERSION, ffile->version);
}

/* One message for the context: its opener, counts and facet files. */
static int uaccel_nl_fill_ctx(struct uaccel_nl_res_dump *d,
			      struct uaccel_context *ctx, pid_t pid)
{
	struct uaccel_facet_file *ffile;
	struct sk_buff *skb = d->skb;
	struct nlattr *list, *one;
	unsigned int n = 0;
	bool failed;
	void *hdr;

	hdr = uaccel_nl_res_start(d, ctx, pid);
	if (!hdr)
		return -EMSGSIZE;
	failed = nla_put_u32(skb, UACCEL_NL_ATTR_CTX_PDS,
			     READ_ONCE(ctx->nr_objects[UACCEL_OBJ_PD])) ||
		 nla_put_u32(skb, UACCEL_NL_ATTR_CTX_MRS,
			     READ_ONCE(ctx->nr_objects[UACCEL_OBJ_MR])) ||
		 nla_put_u32(skb, UACCEL_NL_ATTR_CTX_CQS,
			     READ_ONCE(ctx->nr_objects[UACCEL_OBJ_CQ])) ||
		 nla_put_u32(skb, UACCEL_NL_ATTR_CTX_QUEUES,
			     READ_ONCE(ctx->nr_objects[UACCEL_OBJ_QUEUE])) ||
		 nla_put_u32(skb, UACCEL_NL_ATTR_CTX_CIPHER_SESSIONS,
			     READ_ONCE(ctx->nr_cipher_sessions)) ||
		 nla_put_u32(skb, UACCEL_NL_ATTR_CTX_DMS,
			     READ_ONCE(ctx->nr_objects[UACCEL_OBJ_DM])) ||
		 nla_put_u64_64bit(skb, UACCEL_NL_ATTR_CTX_PINNED_BYTES,
				   (u64)READ_ONCE(ctx->pinned_pages) << PAGE_SHIFT,
				   UACCEL_NL_ATTR_PAD);
	if (failed)
		return uaccel_nl_res_end(skb, hdr, true);

	list = nla_nest_start(skb, UACCEL_NL_ATTR_CTX_FACETS);
	if (!list)
		return uaccel_nl_res_end(skb, hdr, true);
	spin_lock(&ctx->facet_lock);
	failed = nla_put_u32(skb, UACCEL_NL_ATTR_CTX_FACET_FILES,
			     ctx->nr_facet_files);
	list_for_each_entry(ffile, &ctx->facet_files, entry) {
		if (failed || n++ == UACCEL_NL_CTX_FACETS)
			break;
		one = nla_nest_start(skb, UACCEL_NL_ATTR_FACET);
		failed = !one || uaccel_nl_put_facet_file(skb, d, ffile);
		if (!failed)
			nla_nest_end(skb, one);
	}
	spin_unlock(&ctx->facet_lock);
	if (!failed)
		nla_nest_end(skb, list);
	return uaccel_nl_res_end(skb, hdr, failed);
}

static int uaccel_nl_put_dmabuf(struct sk_buff *skb, struct dma_buf *dmabuf)
{
	if (!dmabuf)
		return 0;
	return nla_put_u64_64bit(skb, UACCEL_NL_ATTR_OBJ_DMABUF_INO,
				 file_inode(dmabuf->file)->i_ino,
				 UACCEL_NL_ATTR_PAD);
}

static int uaccel_nl_put_obj(struct sk_buff *skb, struct uaccel_object *obj)
{
	struct uaccel_queue *q;
	struct uaccel_dm *dm;
	struct uaccel_mr *mr;
	struct uaccel_cq *cq;

	if (nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_ID, obj->id) ||
	    nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_BUSY, atomic_read(&obj->usecnt)))
		return -EMSGSIZE;
	switch (obj->type) {
	case UACCEL_OBJ_MR:
		mr = container_of(obj, struct uaccel_mr, obj);
		if (nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_PD, mr->pd->obj.id) ||
		    nla_put_u64_64bit(skb, UACCEL_NL_ATTR_OBJ_ADDR, mr->addr,
				      UACCEL_NL_ATTR_PAD) ||
		    nla_put_u64_64bit(skb, UACCEL_NL_ATTR_OBJ_LENGTH, mr->length,
				      UACCEL_NL_ATTR_PAD) ||
		    nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_ACCESS, mr->access) ||
		    nla_put_u64_64bit(skb, UACCEL_NL_ATTR_OBJ_PINNED_BYTES,
				      (u64)mr->npages << PAGE_SHIFT,
				      UACCEL_NL_ATTR_PAD) ||
		    uaccel_nl_put_dmabuf(skb, mr->dmabuf))
			return -EMSGSIZE;
		break;
	case UACCEL_OBJ_DM:
		dm = container_of(obj, struct uaccel_dm, obj);
		if (nla_put_u64_64bit(skb, UACCEL_NL_ATTR_OBJ_LENGTH,
				      dm->dmabuf->size, UACCEL_NL_ATTR_PAD) ||
		    uaccel_nl_put_dmabuf(skb, dm->dmabuf))
			return -EMSGSIZE;
		break;
	case UACCEL_OBJ_CQ:
		cq = container_of(obj, struct uaccel_cq, obj);
		if (nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_ENTRIES, cq->entries))
			return -EMSGSIZE;
		break;
	case UACCEL_OBJ_QUEUE:
		q = container_of(obj, struct uaccel_queue, obj);
		if (nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_PD, q->pd->obj.id) ||
		    nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_CQ, q->cq->obj.id) ||
		    nla_put_u32(skb, UACCEL_NL_ATTR_OBJ_ENTRIES, q->entries))
			return -EMSGSIZE;
		break;
	default:
		break;
	}
	return 0;
}

/*
 * One message per published object of the dump's type, from id *@next;
 * on -EMSGSIZE *@next is the object that did not fit.  Under the xarray
 * lock no object is freed, and the fields read are fixed at creation.
 */
static int uaccel_nl_fill_objs(struct uaccel_nl_res_dump *d,
			       struct uaccel_context *ctx, pid_t pid, u32 *next)
{
	/* enum uaccel_nl_res_type to enum uaccel_obj_type */
	static const u8 obj_type[] = {
		[UACCEL_NL_RES_PD] = UACCEL_OBJ_PD,
		[UACCEL_NL_RES_MR] = UACCEL_OBJ_MR,
		[UACCEL_NL_RES_CQ] = UACCEL_OBJ_CQ,
		[UACCEL_NL_RES_QUEUE] = UACCEL_OBJ_QUEUE,
		[UACCEL_NL_RES_DM] = UACCEL_OBJ_DM,
	};
	struct uaccel_object *obj;
	unsigned long id = *next;
	int ret = 0;
	void *hdr;

	xa_lock(&ctx->objects);
	xa_for_each_start(&ctx->objects, id, obj, *next) {
		if (obj->type != obj_type[d->type] || !obj->published)
			continue;
		hdr = uaccel_nl_res_start(d, ctx, pid);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		ret = uaccel_nl_res_end(d->skb, hdr, uaccel_nl_put_obj(d->skb, obj));
		if (ret)
			break;
	}
	xa_unlock(&ctx->objects);
	*next = id;
	return ret;
}

/* One message per facet file of the context, from id *@next. */
static int uaccel_nl_fill_facets(struct uaccel_nl_res_dump *d,
				 struct uaccel_context *ctx, pid_t pid,
				 u32 *next)
{
	struct uaccel_facet_file *ffile;
	int ret = 0;
	void *hdr;

	spin_lock(&ctx->facet_lock);
	list_for_each_entry(ffile, &ctx->facet_files, entry) {
		if (ffile->id < *next)
			continue;
		*next = ffile->id;
		hdr = uaccel_nl_res_start(d, ctx, pid);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		ret = uaccel_nl_res_end(d->skb, hdr,
					nla_put_u32(d->skb, UACCEL_NL_ATTR_OBJ_ID,
						    ffile->id) ||
					uaccel_nl_put_facet_file(d->skb, d, ffile));
		if (ret)
			break;
	}
	spin_unlock(&ctx->facet_lock);
	return ret;
}

/*
 * The opener of @ctx as a pid of @ns: -1 when @ns does not see it (the
 * context is not listed), 0 when the process has exited (its number may
 * belong to another process by now).
 */
static pid_t uaccel_nl_ctx_pid(struct uaccel_context *ctx,
			       struct pid_namespace *ns)
{
	pid_t nr = pid_nr_ns(ctx->pid, ns);

	if (!nr)
		return -1;
	return pid_has_task(ctx->pid, PIDTYPE_TGID) ? nr : 0;
}

/* The contexts of one device from @pos on; -EMSGSIZE when the skb is full. */
static int uaccel_nl_res_dev(struct uaccel_nl_res_dump *d,
			     struct uaccel_nl_res_pos *pos)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct uaccel_device *udev = d->udev;
	struct uaccel_context *ctx;
	int idx, ret = 0;
	pid_t pid;

	uaccel_device_copy_name(udev, d->name, sizeof(d->name));
	d->live = uaccel_device_enter(udev, &idx);
	mutex_lock(&udev->contexts_lock);
	list_for_each_entry(ctx, &udev->contexts, list) {
		if (ctx->id < pos->ctx)
			continue;
		/*
		 * The context the last part stopped in, or a later one (that
		 * one closed meanwhile): objects from the saved id only in
		 * the saved context.
		 */
		if (ctx->id != pos->ctx) {
			pos->ctx = ctx->id;
			pos->obj = 0;
		}
		pid = uaccel_nl_ctx_pid(ctx, ns);
		if (pid < 0)
			continue;
		if (d->type == UACCEL_NL_RES_CTX)
			ret = uaccel_nl_fill_ctx(d, ctx, pid);
		else if (d->type == UACCEL_NL_RES_FACET)
			ret = uaccel_nl_fill_facets(d, ctx, pid, &pos->obj);
		else
			ret = uaccel_nl_fill_objs(d, ctx, pid, &pos->obj);
		if (ret)
			break;
		pos->obj = 0;
	}
	mutex_unlock(&udev->contexts_lock);
	if (d->live)
		uaccel_device_exit(udev, idx);
	return ret;
}

/*
 * A resource dump of one device checks that it exists before the dump
 * starts, so that a wrong name or index is the request's error; a later
 * part of the dump finds the device by index (cb->args[3] = index + 1).
 */
static int uaccel_nl_res_get_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct uaccel_device *udev;

	if (!attrs[UACCEL_NL_ATTR_DEV_INDEX] && !attrs[UACCEL_NL_ATTR_DEV_NAME])
		return 0;
	udev = uaccel_nl_find_dev(attrs, cb->extack);
	if (IS_ERR(udev))
		return PTR_ERR(udev);
	cb->args[3] = udev->index + 1;
	put_device(&udev->dev);
	return 0;
}

static int uaccel_nl_res_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct uaccel_nl_res_pos pos = {
		.dev = cb->args[0], .ctx = cb->args[1], .obj = cb->args[2],
	};
	struct uaccel_nl_res_dump d = { .skb = skb, .cb = cb };
	unsigned long one = cb->args[3];
	int ret = 0;

	if (attrs[UACCEL_NL_ATTR_RES_TYPE])
		d.type = nla_get_u8(attrs[UACCEL_NL_ATTR_RES_TYPE]);
	if (one)
		pos.dev = max(pos.dev, one - 1);

	cb->seq = atomic_read(&uaccel_registry_gen);
	while ((!one || pos.dev < one)) {
		unsigned long want = pos.dev;

		d.udev = uaccel_device_get_next(&pos.dev);
		if (!d.udev)
			break;
		/* The device of a one-device dump went away: done. */
		if (one && pos.dev != one - 1) {
			put_device(&d.udev->dev);
			break;
		}
		/* The saved device went away: this one from its start. */
		if (pos.dev != want) {
			pos.ctx = 0;
			pos.obj = 0;
		}
		ret = uaccel_nl_res_dev(&d, &pos);
		put_device(&d.udev->dev);
		if (ret)
			break;
		pos.dev++;
		pos.ctx = 0;
	}
	cb->args[0] = pos.dev;
	cb->args[1] = pos.ctx;
	cb->args[2] = pos.obj;
	/* Progress, or an object too big for an empty message. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

static const struct genl_ops uaccel_nl_ops[] = {
	{
		.cmd = UACCEL_NL_CMD_DEV_GET,
		.doit = uaccel_nl_dev_get_doit,
		.dumpit = uaccel_nl_dev_get_dumpit,
	},
	{
		.cmd = UACCEL_NL_CMD_DEV_SET,
		.doit = uaccel_nl_dev_set_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = UACCEL_NL_CMD_RES_GET,
		.start = uaccel_nl_res_get_start,
		.dumpit = uaccel_nl_res_get_dumpit,
	},
};

static const struct genl_multicast_group uaccel_nl_mcgrps[] = {
	{ .name = UACCEL_GENL_MCGRP_MONITOR },
};

static struct genl_family uaccel_nl_family __ro_after_init = {
	.name = UACCEL_GENL_NAME,
	.version = UACCEL_GENL_VERSION,
	.maxattr = UACCEL_NL_ATTR_MAX,
	.policy = uaccel_nl_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = uaccel_nl_ops,
	.n_ops = ARRAY_SIZE(uaccel_nl_ops),
	.mcgrps = uaccel_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(uaccel_nl_mcgrps),
};

/**
 * uaccel_nl_notify() - tell the monitor group of a change of the registry
 * @udev: the device
 * @cmd: UACCEL_NL_CMD_DEV_NEW, _DEL, _RENAME or _FATAL
 * @old_name: the name before a rename, or NULL
 *
 * Called under the registry's lock, so that notifications go out in the
 * order of the changes and the device's name is stable.  A notification
 * that cannot be allocated is lost, as netlink's are (listeners see
 * ENOBUFS only for their own full queues).
 */
void uaccel_nl_notify(struct uaccel_device *udev, u8 cmd, const char *old_name)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &uaccel_nl_family, 0, cmd);
	if (!hdr)
		goto err_free;
	if (uaccel_nl_put_dev_id(msg, udev, dev_name(&udev->dev)) ||
	    (old_name &&
	     nla_put_string(msg, UACCEL_NL_ATTR_DEV_OLD_NAME, old_name)))
		goto err_free;
	genlmsg_end(msg, hdr);
	genlmsg_multicast_allns(&uaccel_nl_family, msg, 0, 0);
	return;

err_free:
	nlmsg_free(msg);
}

int __init uaccel_nl_init(void)
{
	return genl_register_family(&uaccel_nl_family);
}

void uaccel_nl_exit(void)
{
	genl_unregister_family(&uaccel_nl_family);
}
