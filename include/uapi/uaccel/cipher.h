/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * "cipher.uaccel": symmetric encryption served with the same uAPI by
 * every driver that can (the soft device through the kernel's crypto API,
 * the virtio-crypto device in hardware), so one application runs on any
 * of them through the same name.
 *
 * Version 1: AES-128, AES-192 and AES-256 in CBC and CTR mode, encrypt
 * and decrypt, between MRs of the context.
 *
 * A session holds an algorithm and a key.  Sessions belong to the facet
 * file that created them: another facet file of the same context gets
 * -ENOENT for their ids, and they are destroyed when that file is closed
 * or the device is removed.  Each request names its session, its IV, a
 * source and a destination range of MRs of the context (they may be the
 * same range: in-place; ranges that overlap otherwise give unspecified
 * output).  CRYPT runs one request and returns when the output is in the
 * destination; SUBMIT queues a batch of requests read from an MR and
 * returns at once, each request completing into a CQ.
 *
 * IVs: CBC takes the 16-byte IV of the request; the IV of the next
 * request of a chained stream is the last ciphertext block.  CTR takes
 * the 16-byte initial counter block, incremented as a 128-bit big-endian
 * number per block (NIST SP 800-38A); a request may end in a partial
 * block, the next one of a stream starts at the next whole block.
 *
 * Commands are _IO(UACCEL_IOCTL_TYPE, nr) on the facet fd and follow the
 * size/flags rules of uaccel.h.
 */
#ifndef _UAPI_UACCEL_CIPHER_H
#define _UAPI_UACCEL_CIPHER_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <uaccel/uaccel.h>

#define UACCEL_CIPHER_FACET		"cipher.uaccel"
#define UACCEL_CIPHER_VERSION		1

/* Bytes of an AES block, of a CBC IV and of a CTR counter block. */
#define UACCEL_CIPHER_BLOCK_SIZE	16
#define UACCEL_CIPHER_IV_SIZE		16
/* The longest key (AES-256). */
#define UACCEL_CIPHER_KEY_MAX		32
/* Requests of one SUBMIT. */
#define UACCEL_CIPHER_BATCH_MAX		256
/* Sessions of one context. */
#define UACCEL_CIPHER_SESSIONS_MAX	64

enum uaccel_cipher_cmd {
	UACCEL_CIPHER_QUERY = 0,
	UACCEL_CIPHER_SESSION_CREATE = 1,
	UACCEL_CIPHER_SESSION_DESTROY = 2,
	UACCEL_CIPHER_CRYPT = 3,
	UACCEL_CIPHER_SUBMIT = 4,
};

/* Algorithms: the key size (16, 24 or 32 bytes) chooses AES-128/192/256. */
enum uaccel_cipher_alg {
	UACCEL_CIPHER_AES_CBC = 1,
	UACCEL_CIPHER_AES_CTR = 2,
};

/* Directions of a request. */
enum uaccel_cipher_op {
	UACCEL_CIPHER_ENCRYPT = 0,
	UACCEL_CIPHER_DECRYPT = 1,
};

/**
 * struct uaccel_cipher_query - UACCEL_CIPHER_IOCTL_QUERY
 * @size: sizeof(struct uaccel_cipher_query)
 * @flags: must be 0
 * @out_algs: the algorithms the device serves, bit (1 << alg) for each
 *	enum uaccel_cipher_alg
 * @out_max_sessions: sessions one context may hold at a time (at most
 *	UACCEL_CIPHER_SESSIONS_MAX; the device may run out earlier when
 *	many contexts share it: SESSION_CREATE then fails with -ENOSPC)
 * @out_max_length: bytes of one request, from the driver
 * @out_max_batch: requests of one SUBMIT (UACCEL_CIPHER_BATCH_MAX)
 * @__reserved: 0
 */
struct uaccel_cipher_query {
	__u32 size;
	__u32 flags;
	__u32 out_algs;
	__u32 out_max_sessions;
	__aligned_u64 out_max_length;
	__u32 out_max_batch;
	__u32 __reserved;
};

#define UACCEL_CIPHER_IOCTL_QUERY _IO(UACCEL_IOCTL_TYPE, UACCEL_CIPHER_QUERY)

/**
 * struct uaccel_cipher_session_create - UACCEL_CIPHER_IOCTL_SESSION_CREATE
 * @size: sizeof(struct uaccel_cipher_session_create)
 * @flags: must be 0
 * @alg: enum uaccel_cipher_alg
 * @key_len: 16, 24 or 32
 * @key: the key, in its first @key_len bytes; the rest must be 0
 * @out_session: the session's id (never 0)
 * @__reserved: must be 0
 *
 * -EINVAL for an unknown @alg, a bad @key_len or key bytes past it,
 * -EOPNOTSUPP for an algorithm the device does not serve, -EMFILE when the
 * context holds UACCEL_CIPHER_SESSIONS_MAX sessions (or out_max_sessions),
 * -ENOSPC when the device has no room for another session, -ENOMEM, -EIO
 * when the device refused the key, -ENODEV when the device is removed;
 * -EFAULT, before anything is done, when the structure cannot take the
 * reply; -EINVAL as an inline io_uring command (UACCEL_URING_CMD_INLINE:
 * io_uring frees its copies of an SQE without wiping them).
 * The kernel keeps the key only in the device (or, for a software device,
 * in the crypto API's transform) and wipes its copy of the command.
 */
struct uaccel_cipher_session_create {
	__u32 size;
	__u32 flags;
	__u32 alg;
	__u32 key_len;
	__u8 key[UACCEL_CIPHER_KEY_MAX];
	__u32 out_session;
	__u32 __reserved;
};

#define UACCEL_CIPHER_IOCTL_SESSION_CREATE \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_CIPHER_SESSION_CREATE)

/**
 * struct uaccel_cipher_session_destroy - UACCEL_CIPHER_IOCTL_SESSION_DESTROY
 * @size: sizeof(struct uaccel_cipher_session_destroy)
 * @flags: must be 0
 * @session: a session of this facet file
 * @__reserved: must be 0
 *
 * -ENOENT for an id that is not a session of this facet file, -EBUSY
 * while SUBMIT requests of the session are pending (their completion not
 * posted yet) or a CRYPT or SUBMIT of it runs in another thread.
 */
struct uaccel_cipher_session_destroy {
	__u32 size;
	__u32 flags;
	__u32 session;
	__u32 __reserved;
};

#define UACCEL_CIPHER_IOCTL_SESSION_DESTROY \
	_IO(UACCEL_IOCTL_TYPE, UACCEL_CIPHER_SESSION_DESTROY)

/**
 * struct uaccel_cipher_crypt - UACCEL_CIPHER_IOCTL_CRYPT
 * @size: sizeof(struct uaccel_cipher_crypt)
 * @flags: must be 0
 * @session: a session of this facet file
 * @op: enum uaccel_cipher_op
 * @src_mr: MR holding the input
 * @dst_mr: MR receiving the output (registered with write access)
 * @src_offset: offset of the input in @src_mr
 * @dst_offset: offset of the output in @dst_mr
 * @length: bytes, from 1 to out_max_length; a multiple of 16 for CBC
 * @iv: the IV (CBC) or initial counter block (CTR)
 *
 * Returns when the output is in @dst_mr.  -ENOENT for an unknown session
 * or MR, -EINVAL for a bad @op or @length or a range outside an MR,
 * -EACCES for a destination without write access, -EIO when the device
 * failed the request, -ETIMEDOUT when it did not answer, -ENODEV when it
 * was removed first (the destination may be partly written), -ENOMEM.
 */
struct uaccel_cipher_crypt {
	__u32 size;
	__u32 flags;
	__u32 session;
	__u32 op;
	__u32 src_mr;
	__u32 dst_mr;
	__aligned_u64 src_offset;
	__aligned_u64 dst_offset;
	__aligned_u64 length;
	__u8 iv[UACCEL_CIPHER_IV_SIZE];
};

#define UACCEL_CIPHER_IOCTL_CRYPT _IO(UACCEL_IOCTL_TYPE, UACCEL_CIPHER_CRYPT)

/**
 * struct uaccel_cipher_desc - one request of a SUBMIT, as laid out in
 *	the descriptor MR (64 bytes, 8-byte aligned)
 * @op: enum uaccel_cipher_op
 * @src_mr: MR holding the input
 * @dst_mr: MR receiving the output (registered with write access)
 * @__reserved: must be 0
 * @src_offset: offset of the input in @src_mr
 * @dst_offset: offset of the output in @dst_mr
 * @length: as for CRYPT
 * @user_data: returned in the request's completion
 * @iv: the IV (CBC) or initial counter block (CTR)
 */
struct uaccel_cipher_desc {
	__u32 op;
	__u32 src_mr;
	__u32 dst_mr;
	__u32 __reserved;
	__aligned_u64 src_offset;
	__aligned_u64 dst_offset;
	__aligned_u64 length;
	__aligned_u64 user_data;
	__u8 iv[UACCEL_CIPHER_IV_SIZE];
};

/**
 * struct uaccel_cipher_submit - UACCEL_CIPHER_IOCTL_SUBMIT
 * @size: sizeof(struct uaccel_cipher_submit)
 * @flags: must be 0
 * @session: a session of this facet file, for every request
 * @cq_id: a CQ of the context, for the completions
 * @desc_mr: MR holding the descriptors (struct uaccel_cipher_desc)
 * @count: requests, 1 to UACCEL_CIPHER_BATCH_MAX
 * @desc_offset: offset of the first descriptor in @desc_mr, a multiple
 *	of 8
 * @out_error_index: on -EINVAL, -ENOENT or -EACCES, the index of the
 *	first descriptor refused, or @count when the command's own fields
 *	were
 * @__reserved: must be 0
 *
 * Reads the descriptors, checks all of them and then queues all of them,
 * or none: nothing is queued when the call fails.  Each request completes
 * into the CQ with queue_id 0, its user_data, result = its length and
 * status 0, or EIO (the device failed it), ETIMEDOUT (it did not answer),
 * ECANCELED (the device was removed first) or ENOMEM (no memory for the
 * request's page lists).  Completions of one batch may arrive in any
 * order.  -ENOSPC when the CQ has fewer than @count free slots; errors of
 * a descriptor as for CRYPT.  While requests are pending their session,
 * MRs and CQ cannot be destroyed (-EBUSY); once a request's completion is
 * in the CQ, its session and MRs no longer count it.
 */
struct uaccel_cipher_submit {
	__u32 size;
	__u32 flags;
	__u32 session;
	__u32 cq_id;
	__u32 desc_mr;
	__u32 count;
	__aligned_u64 desc_offset;
	__u32 out_error_index;
	__u32 __reserved;
};

#define UACCEL_CIPHER_IOCTL_SUBMIT _IO(UACCEL_IOCTL_TYPE, UACCEL_CIPHER_SUBMIT)

#endif /* _UAPI_UACCEL_CIPHER_H */
