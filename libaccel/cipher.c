// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * "cipher.uaccel": AES-CBC and AES-CTR between MRs, served by every driver
 * that can through one uAPI (uaccel/cipher.h).  A struct accel_cipher is
 * the facet fd of a context; its sessions belong to that fd and go when it
 * is closed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uaccel/cipher.h>

#include "internal.h"

_Static_assert(sizeof(struct accel_cipher_desc) == sizeof(struct uaccel_cipher_desc),
	       "accel_cipher_desc layout");
_Static_assert(offsetof(struct accel_cipher_desc, src_offset) ==
	       offsetof(struct uaccel_cipher_desc, src_offset), "accel_cipher_desc layout");
_Static_assert(offsetof(struct accel_cipher_desc, user_data) ==
	       offsetof(struct uaccel_cipher_desc, user_data), "accel_cipher_desc layout");
_Static_assert(offsetof(struct accel_cipher_desc, iv) ==
	       offsetof(struct uaccel_cipher_desc, iv), "accel_cipher_desc layout");
_Static_assert((int)ACCEL_CIPHER_AES_CBC == (int)UACCEL_CIPHER_AES_CBC &&
	       (int)ACCEL_CIPHER_AES_CTR == (int)UACCEL_CIPHER_AES_CTR, "cipher algorithms");
_Static_assert((int)ACCEL_CIPHER_ENCRYPT == (int)UACCEL_CIPHER_ENCRYPT &&
	       (int)ACCEL_CIPHER_DECRYPT == (int)UACCEL_CIPHER_DECRYPT, "cipher directions");
_Static_assert(ACCEL_CIPHER_BLOCK_SIZE == UACCEL_CIPHER_BLOCK_SIZE &&
	       ACCEL_CIPHER_IV_SIZE == UACCEL_CIPHER_IV_SIZE &&
	       ACCEL_CIPHER_KEY_MAX == UACCEL_CIPHER_KEY_MAX &&
	       ACCEL_CIPHER_BATCH_MAX == UACCEL_CIPHER_BATCH_MAX, "cipher limits");

struct accel_cipher {
	struct accel_context *ctx;
	int fd;
	uint32_t version;
};

/* The first version of struct accel_cipher_attr ends after version. */
#define CIPHER_ATTR_V1_SIZE \
	(offsetof(struct accel_cipher_attr, version) + sizeof(uint32_t))

static int cipher_cmd(struct accel_cipher *c, unsigned long req, void *arg)
{
	return ioctl(c->fd, req, arg) ? -errno : 0;
}

ACCEL_EXPORT struct accel_cipher *accel_cipher_open(struct accel_context *ctx,
						    unsigned int flags)
{
	/* Newest name first: a later name of the facet goes above. */
	static const struct accel_facet_req reqs[] = {
		{ UACCEL_CIPHER_FACET, 1, UACCEL_CIPHER_VERSION },
	};
	struct accel_cipher *c;
	uint32_t version = 0;
	int fd;

	if (!ctx || flags & ~ACCEL_FACET_CLOEXEC) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	fd = accel_get_facet(ctx, reqs, sizeof(reqs) / sizeof(reqs[0]), flags,
			     NULL, &version);
	if (fd < 0) {
		free(c);
		errno = -fd;
		return NULL;
	}
	c->ctx = ctx;
	c->fd = fd;
	c->version = version;
	return c;
}

ACCEL_EXPORT int accel_cipher_close(struct accel_cipher *c)
{
	int ret = 0;

	if (!c)
		return 0;
	if (close(c->fd) && errno != EINTR)
		ret = -errno;
	free(c);
	return ret;
}

ACCEL_EXPORT int accel_cipher_fd(const struct accel_cipher *c)
{
	return c->fd;
}

ACCEL_EXPORT int accel_cipher_query(struct accel_cipher *c,
				    struct accel_cipher_attr *attr,
				    size_t attr_size)
{
	struct uaccel_cipher_query q = { .size = sizeof(q) };
	struct accel_cipher_attr a = { 0 };
	int ret;

	if (!c || !attr || attr_size < CIPHER_ATTR_V1_SIZE)
		return -EINVAL;
	ret = cipher_cmd(c, UACCEL_CIPHER_IOCTL_QUERY, &q);
	if (ret)
		return ret;
	a.algs = q.out_algs;
	a.max_sessions = q.out_max_sessions;
	a.max_length = q.out_max_length;
	a.max_batch = q.out_max_batch;
	a.version = c->version;
	/* A newer caller's fields this library does not know read as zero. */
	if (attr_size > sizeof(a)) {
		memset((char *)attr + sizeof(a), 0, attr_size - sizeof(a));
		attr_size = sizeof(a);
	}
	memcpy(attr, &a, attr_size);
	return 0;
}

ACCEL_EXPORT int accel_cipher_session_create(struct accel_cipher *c, uint32_t alg,
					     const void *key, size_t key_len,
					     uint32_t *session)
{
	struct uaccel_cipher_session_create s = {
		.size = sizeof(s),
		.alg = alg,
	};
	int ret;

	if (!c || !key || !session || !key_len || key_len > sizeof(s.key))
		return -EINVAL;
	s.key_len = key_len;
	memcpy(s.key, key, key_len);
	ret = cipher_cmd(c, UACCEL_CIPHER_IOCTL_SESSION_CREATE, &s);
	if (!ret)
		*session = s.out_session;
	/* The key stays with the device only. */
	explicit_bzero(s.key, sizeof(s.key));
	return ret;
}

ACCEL_EXPORT int accel_cipher_session_destroy(struct accel_cipher *c, uint32_t session)
{
	struct uaccel_cipher_session_destroy d = {
		.size = sizeof(d),
		.session = session,
	};

	if (!c)
		return -EINVAL;
	return cipher_cmd(c, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &d);
}

ACCEL_EXPORT int accel_cipher_crypt(struct accel_cipher *c, uint32_t session,
				    const struct accel_cipher_desc *d)
{
	struct uaccel_cipher_crypt r = { .size = sizeof(r) };

	if (!c || !d || d->reserved)
		return -EINVAL;
	r.session = session;
	r.op = d->op;
	r.src_mr = d->src_mr;
	r.dst_mr = d->dst_mr;
	r.src_offset = d->src_offset;
	r.dst_offset = d->dst_offset;
	r.length = d->length;
	memcpy(r.iv, d->iv, sizeof(r.iv));
	return cipher_cmd(c, UACCEL_CIPHER_IOCTL_CRYPT, &r);
}

ACCEL_EXPORT int accel_cipher_submit(struct accel_cipher *c, uint32_t session,
				     struct accel_cq *cq,
				     const struct accel_mr *desc_mr,
				     uint64_t desc_offset, uint32_t count,
				     uint32_t *error_index)
{
	struct uaccel_cipher_submit s = {
		.size = sizeof(s),
		.session = session,
		.count = count,
		.desc_offset = desc_offset,
		.out_error_index = count,
	};
	int ret;

	if (!c || !cq || !desc_mr || cq->ctx != c->ctx || desc_mr->pd->ctx != c->ctx) {
		if (error_index)
			*error_index = count;
		return -EINVAL;
	}
	s.cq_id = cq->id;
	s.desc_mr = desc_mr->id;
	ret = cipher_cmd(c, UACCEL_CIPHER_IOCTL_SUBMIT, &s);
	if (error_index)
		*error_index = s.out_error_index;
	return ret;
}
