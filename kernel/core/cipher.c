// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: "cipher.uaccel", symmetric encryption served by several
 * drivers through one uAPI (include/uapi/uaccel/cipher.h).
 *
 * The commands, their checks, the sessions (a table per context, owned by
 * facet files, bounded per context), the MR and CQ lookups of a request
 * and the completions are here, once; a driver gives its operations
 * (struct uaccel_cipher_ops) and lists UACCEL_CIPHER_FACET_INIT() of them
 * among its facets.
 *
 * Session lifetime: a session is in ctx->cipher_sessions from its
 * creation until SESSION_DESTROY, the release of its facet file, or the
 * teardown of the context's device objects (last close or removal of the
 * device), whichever comes first.  Each of these removes it under
 * ctx->cipher_lock, and the one that removed it calls the driver's
 * session_destroy() while the driver is registered: inside a section of
 * the device (SESSION_DESTROY, a release that could enter one), or under
 * the lock, which the teardown of the device's removal takes, when the
 * device already stopped taking calls (then the driver does not wait
 * for the hardware).  A driver call that may wait for the device (and,
 * when it does not answer, report it failed, whose shut completes
 * requests and may tear down other contexts) is never made under the
 * lock.  Requests count in session->pending while the driver has them
 * or their completion still refers to the session; a session leaves the
 * driver only when none is left.  They count in session->active until
 * their completion is posted, and their MRs are released before it too:
 * once userspace sees the completion of a request, its session and MRs
 * no longer answer -EBUSY for it.
 */
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "uaccel_core.h"

/* The core's bound on the length of one request. */
#define UACCEL_CIPHER_LENGTH_CAP	SZ_4M

static const struct uaccel_cipher_ops *
uaccel_cipher_ops(const struct uaccel_ucmd *ucmd)
{
	/* A facet command: inside the section, the driver's facet is there. */
	return ucmd->ffile->facet->cipher;
}

static u64 uaccel_cipher_max_length(const struct uaccel_cipher_ops *cops)
{
	return min_t(u64, cops->max_length, UACCEL_CIPHER_LENGTH_CAP);
}

/* The completion status of an outcome: ECANCELED when the device went. */
static u32 uaccel_cipher_status(int err)
{
	return err == -ENODEV ? ECANCELED : -err;
}

/* Hand a session back to the driver; no request of it is in the driver. */
static void uaccel_cipher_session_free(struct uaccel_device *udev,
				       struct uaccel_cipher_session *s)
{
	s->ops->session_destroy(udev, s);
	kfree_sensitive(s);
}

/* Take a use of @s for a request (or a command that runs requests). */
static void uaccel_cipher_session_hold(struct uaccel_cipher_session *s)
{
	atomic_inc(&s->active);
	atomic_inc(&s->pending);
}

/*
 * Drop the reference of a request that no longer uses @s.  Once @pending
 * reads 0 the session may be freed at once (a waiter may see 0 before it
 * is woken): the wake-up takes the address of @pending only, through the
 * hashed waitqueues of wake_up_var(), never the session's memory.
 */
static void uaccel_cipher_session_release(struct uaccel_cipher_session *s)
{
	if (atomic_dec_and_test(&s->pending))
		wake_up_var(&s->pending);
}

/* Drop a use of @s taken with uaccel_cipher_session_hold(). */
static void uaccel_cipher_session_unuse(struct uaccel_cipher_session *s)
{
	atomic_dec(&s->active);
	uaccel_cipher_session_release(s);
}

/* Until the requests that completed no longer refer to @s. */
static void uaccel_cipher_session_wait(struct uaccel_cipher_session *s)
{
	wait_var_event(&s->pending, !atomic_read(&s->pending));
}

/*
 * The session @id of the caller's facet file, with one use taken (it stays
 * with the driver until uaccel_cipher_session_unuse()): -ENOENT otherwise.
 */
static struct uaccel_cipher_session *
uaccel_cipher_session_use(struct uaccel_ucmd *ucmd, u32 id)
{
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_cipher_session *s;

	mutex_lock(&ctx->cipher_lock);
	s = xa_load(&ctx->cipher_sessions, id);
	if (s && s->ffile == ucmd->ffile)
		uaccel_cipher_session_hold(s);
	else
		s = ERR_PTR(-ENOENT);
	mutex_unlock(&ctx->cipher_lock);
	return s;
}

static int uaccel_cipher_query(struct uaccel_ucmd *ucmd)
{
	const struct uaccel_cipher_ops *cops = uaccel_cipher_ops(ucmd);
	struct uaccel_cipher_query *cmd = ucmd->cmd;

	cmd->out_algs = cops->algs;
	cmd->out_max_sessions = UACCEL_CIPHER_SESSIONS_MAX;
	cmd->out_max_length = uaccel_cipher_max_length(cops);
	cmd->out_max_batch = UACCEL_CIPHER_BATCH_MAX;
	cmd->__reserved = 0;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));
}

static int uaccel_cipher_check_key(const struct uaccel_cipher_session_create *cmd)
{
	u32 i;

	if (cmd->alg != UACCEL_CIPHER_AES_CBC && cmd->alg != UACCEL_CIPHER_AES_CTR)
		return -EINVAL;
	if (cmd->key_len != 16 && cmd->key_len != 24 && cmd->key_len != 32)
		return -EINVAL;
	for (i = cmd->key_len; i < sizeof(cmd->key); i++)
		if (cmd->key[i])
			return -EINVAL;
	return cmd->__reserved ? -EINVAL : 0;
}

/* Remove @s from the table; under ctx->cipher_lock. */
static void uaccel_cipher_session_unlist(struct uaccel_context *ctx,
					 struct uaccel_cipher_session *s)
{
	lockdep_assert_held(&ctx->cipher_lock);
	xa_erase(&ctx->cipher_sessions, s->id);
	WRITE_ONCE(ctx->nr_cipher_sessions, ctx->nr_cipher_sessions - 1);
}

static int uaccel_cipher_session_create(struct uaccel_ucmd *ucmd)
{
	const struct uaccel_cipher_ops *cops = uaccel_cipher_ops(ucmd);
	struct uaccel_cipher_session_create *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_cipher_session *s;
	u32 id;
	int ret;

	ret = uaccel_cipher_check_key(cmd);
	if (ret)
		goto out_wipe;
	if (!(cops->algs & BIT(cmd->alg))) {
		ret = -EOPNOTSUPP;
		goto out_wipe;
	}
	/* Charged to the caller's memory cgroup, bounded per context. */
	s = kzalloc(struct_size(s, priv, cops->session_priv_size),
		    GFP_KERNEL_ACCOUNT);
	if (!s) {
		ret = -ENOMEM;
		goto out_wipe;
	}
	s->alg = cmd->alg;
	s->key_len = cmd->key_len;
	s->ffile = ucmd->ffile;
	s->ops = cops;

	/*
	 * Reserve the id (lookups see nothing there yet), then set the
	 * session up without the lock: inside this command's section no
	 * teardown can run, and the driver may wait for the device.
	 */
	mutex_lock(&ctx->cipher_lock);
	if (ctx->cipher_dead)
		ret = -ENODEV;
	else
		ret = xa_alloc(&ctx->cipher_sessions, &id, NULL,
			       XA_LIMIT(1, UACCEL_CIPHER_SESSIONS_MAX),
			       GFP_KERNEL_ACCOUNT);
	if (ret == -EBUSY)
		ret = -EMFILE;
	if (!ret)
		WRITE_ONCE(ctx->nr_cipher_sessions, ctx->nr_cipher_sessions + 1);
	mutex_unlock(&ctx->cipher_lock);
	if (ret)
		goto err_free;
	s->id = id;

	ret = cops->session_create(ctx->udev, s, cmd->key);
	mutex_lock(&ctx->cipher_lock);
	if (ret)
		uaccel_cipher_session_unlist(ctx, s);
	else
		xa_store(&ctx->cipher_sessions, id, s, GFP_KERNEL_ACCOUNT);
	mutex_unlock(&ctx->cipher_lock);
	if (ret)
		goto err_free;

	memzero_explicit(cmd->key, sizeof(cmd->key));
	cmd->out_session = id;
	return uaccel_ucmd_respond(ucmd, sizeof(*cmd));

err_free:
	kfree_sensitive(s);
out_wipe:
	memzero_explicit(cmd->key, sizeof(cmd->key));
	return ret;
}

static int uaccel_cipher_session_destroy(struct uaccel_ucmd *ucmd)
{
	struct uaccel_cipher_session_destroy *cmd = ucmd->cmd;
	struct uaccel_context *ctx = ucmd->ctx;
	struct uaccel_cipher_session *s;
	int ret = 0;

	if (cmd->__reserved)
		return -EINVAL;
	mutex_lock(&ctx->cipher_lock);
	s = xa_load(&ctx->cipher_sessions, cmd->session);
	if (!s || s->ffile != ucmd->ffile)
		ret = -ENOENT;
	else if (atomic_read(&s->active))
		ret = -EBUSY;
	else
		uaccel_cipher_session_unlist(ctx, s);
	mutex_unlock(&ctx->cipher_lock);
	/*
	 * Inside the command's section: the driver is there.  Completions
	 * already posted may still be releasing the session: a short wait.
	 */
	if (!ret) {
		uaccel_cipher_session_wait(s);
		uaccel_cipher_session_free(ctx->udev, s);
	}
	return ret;
}

/*
 * Take the sessions of @ctx that @ffile owns (all of them for NULL) out
 * of the table onto @gone, once their requests left the driver (the
 * driver completes or cancels them in bounded time).  Under
 * ctx->cipher_lock, before any teardown.
 */
static void uaccel_cipher_unlist_sessions(struct uaccel_context *ctx,
					  struct uaccel_facet_file *ffile,
					  struct list_head *gone)
{
	struct uaccel_cipher_session *s;
	unsigned long id;

	lockdep_assert_held(&ctx->cipher_lock);
	xa_for_each(&ctx->cipher_sessions, id, s) {
		if (ffile && s->ffile != ffile)
			continue;
		uaccel_cipher_session_wait(s);
		uaccel_cipher_session_unlist(ctx, s);
		list_add_tail(&s->gone, gone);
	}
}

static void uaccel_cipher_free_sessions(struct uaccel_device *udev,
					struct list_head *gone)
{
	struct uaccel_cipher_session *s, *next;

	list_for_each_entry_safe(s, next, gone, gone) {
		list_del(&s->gone);
		uaccel_cipher_session_free(udev, s);
	}
}

void uaccel_cipher_release(struct uaccel_facet_file *ffile)
{
	struct uaccel_context *ctx = ffile->ctx;
	struct uaccel_device *udev = ctx->udev;
	LIST_HEAD(gone);
	bool entered;
	int idx;

	if (xa_empty(&ctx->cipher_sessions))
		return;
	/*
	 * In a section the driver stays registered without the lock, and
	 * may wait for the device; otherwise the device stopped taking calls
	 * and the lock keeps the removal's teardown (and the driver's
	 * unregistration) waiting.
	 */
	entered = uaccel_device_enter(udev, &idx);
	mutex_lock(&ctx->cipher_lock);
	if (!ctx->cipher_dead)
		uaccel_cipher_unlist_sessions(ctx, ffile, &gone);
	if (!entered)
		uaccel_cipher_free_sessions(udev, &gone);
	mutex_unlock(&ctx->cipher_lock);
	if (entered) {
		uaccel_cipher_free_sessions(udev, &gone);
		uaccel_device_exit(udev, idx);
	}
}

void uaccel_cipher_teardown(struct uaccel_context *ctx)
{
	LIST_HEAD(gone);

	/*
	 * At the last close (in a section, nothing left: every facet file,
	 * which holds the context, released its sessions) or at removal,
	 * after shut: the driver does not wait for the device.
	 */
	mutex_lock(&ctx->cipher_lock);
	if (!ctx->cipher_dead) {
		uaccel_cipher_unlist_sessions(ctx, NULL, &gone);
		uaccel_cipher_free_sessions(ctx->udev, &gone);
		ctx->cipher_dead = true;
	}
	mutex_unlock(&ctx->cipher_lock);
}

static struct uaccel_cipher_req *
uaccel_cipher_req_alloc(const struct uaccel_cipher_ops *cops)
{
	struct uaccel_cipher_req *req;

	/* Charged to the caller's memory cgroup while it is in the driver. */
	req = kzalloc(struct_size(req, priv, cops->req_priv_size),
		      GFP_KERNEL_ACCOUNT);
	if (req)
		INIT_LIST_HEAD(&req->list);
	return req;
}

/* Release the MRs a request holds. */
static void uaccel_cipher_req_put_mrs(struct uaccel_cipher_req *req)
{
	if (req->src)
		uaccel_mr_put(req->src);
	if (req->dst)
		uaccel_mr_put(req->dst);
	req->src = NULL;
	req->dst = NULL;
}

/* Release what a request holds, but not its session, and free it. */
static void uaccel_cipher_req_free(struct uaccel_cipher_req *req)
{
	uaccel_cipher_req_put_mrs(req);
	kfree_sensitive(req);
}

/*
 * Take and check the MRs and the shape of one request: -ENOENT, -EINVAL,
 * -EACCES.  On error the caller frees the request (and what it took).
 */
static int uaccel_cipher_req_prepare(struct uaccel_context *ctx,
				     const struct uaccel_cipher_ops *cops,
				     struct uaccel_cipher_req *req, u32 src_mr,
				     u32 dst_mr)
{
	int ret;

	if (req->op != UACCEL_CIPHER_ENCRYPT && req->op != UACCEL_CIPHER_DECRYPT)
		return -EINVAL;
	if (!req->length || req->length > uaccel_cipher_max_length(cops))
		return -EINVAL;
	if (req->session->alg == UACCEL_CIPHER_AES_CBC &&
	    !IS_ALIGNED(req->length, UACCEL_CIPHER_BLOCK_SIZE))
		return -EINVAL;
	req->src = uaccel_mr_get(ctx, src_mr);
	if (IS_ERR(req->src)) {
		ret = PTR_ERR(req->src);
		req->src = NULL;
		return ret;
	}
	req->dst = uaccel_mr_get(ctx, dst_mr);
	if (IS_ERR(req->dst)) {
		ret = PTR_ERR(req->dst);
		req->dst = NULL;
		return ret;
	}
	ret = uaccel_mr_check(req->src, req->src_offset, req->length, false);
	if (ret)
		return ret;
	return uaccel_mr_check(req->dst, req->dst_offset, req->length, true);
}

static int uaccel_cipher_crypt(struct uaccel_ucmd *ucmd)
{
	const struct uaccel_cipher_ops *cops = uaccel_cipher_ops(ucmd);
	struct uaccel_cipher_crypt *cmd = ucmd->cmd;
	struct uaccel_cipher_session *s;
	struct uaccel_cipher_req *req;
	int ret;

	s = uaccel_cipher_session_use(ucmd, cmd->session);
	if (IS_ERR(s))
		return PTR_ERR(s);
	req = uaccel_cipher_req_alloc(cops);
	if (!req) {
		ret = -ENOMEM;
		goto out_unuse;
	}
	req->session = s;
	req->op = cmd->op;
	memcpy(req->iv, cmd->iv, sizeof(req->iv));
	req->src_offset = cmd->src_offset;
	req->dst_offset = cmd->dst_offset;
	req->length = cmd->length;
	ret = uaccel_cipher_req_prepare(ucmd->ctx, cops, req, cmd->src_mr,
					cmd->dst_mr);
	if (!ret)
		ret = cops->crypt(ucmd->ctx->udev, req);
	uaccel_cipher_req_free(req);
out_unuse:
	uaccel_cipher_session_unuse(s);
	return ret;
}

void uaccel_cipher_complete(struct uaccel_cipher_req *req, int err)
{
	struct uaccel_cipher_session *s = req->session;
	struct uaccel_context *ctx = req->ctx;
	struct uaccel_cqe cqe = {
		.user_data = req->user_data,
		.status = uaccel_cipher_status(err),
		.result = err ? 0 : req->length,
	};

	/*
	 * What userspace may destroy once it sees the completion is free of
	 * it first: the MRs, and the session's active count (the post orders
	 * both before the entry).  The session itself, which teardown waits
	 * for before it destroys the CQ, is released only after the post.
	 */
	uaccel_cipher_req_put_mrs(req);
	atomic_dec(&s->active);
	uaccel_cq_complete_put(req->cq, &cqe);
	kfree_sensitive(req);
	uaccel_cipher_session_release(s);
	uaccel_context_put(ctx);
}
EXPORT_SYMBOL_GPL(uaccel_cipher_complete);

/*
 * Read @count descriptors at @offset of MR @id: -ENOENT, -EINVAL,
 * -EOPNOTSUPP for an MR the CPU cannot reach.
 */
static struct uaccel_cipher_desc *
uaccel_cipher_read_descs(struct uaccel_context *ctx, u32 id, u64 offset,
			 u32 count)
{
	struct uaccel_cipher_desc *descs;
	struct uaccel_mr *mr;
	size_t len = (size_t)count * sizeof(*descs), done = 0;
	int ret;

	mr = uaccel_mr_get(ctx, id);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	ret = uaccel_mr_check(mr, offset, len, false);
	if (!ret && !uaccel_mr_cpu_mapped(mr))
		ret = -EOPNOTSUPP;
	if (ret) {
		descs = ERR_PTR(ret);
		goto out_put;
	}
	descs = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!descs) {
		descs = ERR_PTR(-ENOMEM);
		goto out_put;
	}
	while (done < len) {
		size_t avail;
		void *p = uaccel_mr_kmap(mr, offset + done, &avail);

		avail = min(avail, len - done);
		memcpy((u8 *)descs + done, p, avail);
		kunmap_local(p);
		done += avail;
	}
out_put:
	uaccel_mr_put(mr);
	return descs;
}

/*
 * Check every descriptor and build its request; on error the index of
 * the refused one is in *@bad.  The requests hold their MRs and a use of
 * the session each.
 */
static int uaccel_cipher_build_batch(struct uaccel_ucmd *ucmd,
				     struct uaccel_cipher_session *s,
				     const struct uaccel_cipher_desc *descs,
				     u32 count, struct list_head *reqs, u32 *bad)
{
	const struct uaccel_cipher_ops *cops = uaccel_cipher_ops(ucmd);
	struct uaccel_cipher_req *req;
	u32 i;
	int ret;

	for (i = 0; i < count; i++) {
		const struct uaccel_cipher_desc *d = &descs[i];

		*bad = i;
		if (d->__reserved)
			return -EINVAL;
		req = uaccel_cipher_req_alloc(cops);
		if (!req)
			return -ENOMEM;
		req->session = s;
		uaccel_cipher_session_hold(s);
		list_add_tail(&req->list, reqs);
		req->op = d->op;
		memcpy(req->iv, d->iv, sizeof(req->iv));
		req->src_offset = d->src_offset;
		req->dst_offset = d->dst_offset;
		req->length = d->length;
		req->user_data = d->user_data;
		req->ctx = ucmd->ctx;
		ret = uaccel_cipher_req_prepare(ucmd->ctx, cops, req, d->src_mr,
						d->dst_mr);
		if (ret)
			return ret;
	}
	return 0;
}

/* Reserve @count slots of @cq, all or none: -ENOSPC. */
static int uaccel_cipher_reserve(struct uaccel_cq *cq, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (uaccel_cq_reserve(cq)) {
			while (i--)
				uaccel_cq_unreserve(cq);
			return -ENOSPC;
		}
	}
	return 0;
}

/*
 * Hand the checked requests to the driver, each with a CQ slot, a CQ
 * reference and a context reference of its own.  A request the driver
 * refuses completes at once with its error, as does every one without
 * submit(), after running with crypt().
 */
static void uaccel_cipher_run_batch(struct uaccel_ucmd *ucmd,
				    struct uaccel_cq *cq, struct list_head *reqs)
{
	const struct uaccel_cipher_ops *cops = uaccel_cipher_ops(ucmd);
	struct uaccel_device *udev = ucmd->ctx->udev;
	struct uaccel_cipher_req *req, *next;
	int ret;

	list_for_each_entry_safe(req, next, reqs, list) {
		list_del_init(&req->list);
		req->cq = cq;
		/* What uaccel_cipher_complete() releases. */
		uaccel_context_get(req->ctx);
		atomic_inc(&cq->obj.usecnt);
		if (cops->submit)
			ret = cops->submit(udev, req, list_empty(reqs));
		else
			ret = cops->crypt(udev, req);
		if (ret || !cops->submit)
			uaccel_cipher_complete(req, ret);
	}
}

static int uaccel_cipher_submit(struct uaccel_ucmd *ucmd)
{
	struct uaccel_cipher_submit *cmd = ucmd->cmd;
	struct uaccel_cipher_req *req, *next;
	struct uaccel_cipher_session *s;
	struct uaccel_cipher_desc *descs;
	struct uaccel_cq *cq;
	LIST_HEAD(reqs);
	int ret;

	cmd->out_error_index = cmd->count;
	if (cmd->__reserved || !cmd->count ||
	    cmd->count > UACCEL_CIPHER_BATCH_MAX ||
	    !IS_ALIGNED(cmd->desc_offset, 8)) {
		ret = -EINVAL;
		goto out_reply;
	}
	s = uaccel_cipher_session_use(ucmd, cmd->session);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out_reply;
	}
	cq = uaccel_cq_get(ucmd->ctx, cmd->cq_id);
	if (IS_ERR(cq)) {
		ret = PTR_ERR(cq);
		goto out_unuse;
	}
	descs = uaccel_cipher_read_descs(ucmd->ctx, cmd->desc_mr,
					 cmd->desc_offset, cmd->count);
	if (IS_ERR(descs)) {
		ret = PTR_ERR(descs);
		goto out_put_cq;
	}
	ret = uaccel_cipher_build_batch(ucmd, s, descs, cmd->count, &reqs,
					&cmd->out_error_index);
	kvfree_sensitive(descs, (size_t)cmd->count * sizeof(*descs));
	if (ret)
		goto out_free_reqs;
	cmd->out_error_index = cmd->count;
	ret = uaccel_cipher_reserve(cq, cmd->count);
	if (ret)
		goto out_free_reqs;
	uaccel_cipher_run_batch(ucmd, cq, &reqs);
	goto out_put_cq;

out_free_reqs:
	list_for_each_entry_safe(req, next, &reqs, list) {
		list_del(&req->list);
		uaccel_cipher_req_free(req);
		uaccel_cipher_session_unuse(s);
	}
out_put_cq:
	uaccel_cq_put(cq);
out_unuse:
	uaccel_cipher_session_unuse(s);
out_reply:
	/* out_error_index tells which descriptor an error is about. */
	ucmd->reply_on_error = ret == -EINVAL || ret == -ENOENT || ret == -EACCES;
	if (!ret || ucmd->reply_on_error)
		uaccel_ucmd_respond(ucmd, sizeof(*cmd));
	return ret;
}

const struct uaccel_ioctl_op uaccel_cipher_cmds[UACCEL_CIPHER_NR_CMDS] = {
	UACCEL_IOCTL_OP(UACCEL_CIPHER_QUERY, struct uaccel_cipher_query,
			__reserved, 0, 1, uaccel_cipher_query),
	/* A session and queued requests cannot be undone by the core. */
	UACCEL_IOCTL_OP_WAITS_SECRET(UACCEL_CIPHER_SESSION_CREATE,
				     struct uaccel_cipher_session_create,
				     __reserved, 0, 1,
				     uaccel_cipher_session_create),
	UACCEL_IOCTL_OP_WAITS(UACCEL_CIPHER_SESSION_DESTROY,
			      struct uaccel_cipher_session_destroy, __reserved,
			      0, 1, uaccel_cipher_session_destroy),
	UACCEL_IOCTL_OP_WAITS(UACCEL_CIPHER_CRYPT, struct uaccel_cipher_crypt,
			      iv, 0, 1, uaccel_cipher_crypt),
	UACCEL_IOCTL_OP_WAITS_REPLY_FIRST(UACCEL_CIPHER_SUBMIT,
					  struct uaccel_cipher_submit,
					  __reserved, 0, 1,
					  uaccel_cipher_submit),
};
EXPORT_SYMBOL_GPL(uaccel_cipher_cmds);
