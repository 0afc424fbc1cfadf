// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The description of every uaccel command (see uapi_desc.h).  Each field
 * names its offset, and the build fails when the header disagrees with it
 * or with the size of a structure: a field added, moved or resized in
 * include/uapi/uaccel must be described here before anything builds.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <uaccel/uaccel.h>
#include <uaccel/soft.h>
#include <uaccel/edu.h>
#include <uaccel/vcrypto.h>
#include <uaccel/factorial.h>
#include <uaccel/cipher.h>

#include "uapi_desc.h"

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

/*
 * One field at the offset the description expects; the build stops when
 * the header puts it elsewhere.
 */
#define F(type, m, offset, kind, res, arg)					\
	FN(type, m, #m, offset, kind, res, arg)

/*
 * The same under another name in programs: for a member named like an
 * argument of every ioctl call (fd, arg, tail), which the text form would
 * take for that argument.
 */
#define FN(type, m, nm, offset, kind, res, arg)					\
	{ nm,									\
	  (offset) + 0 * sizeof(struct {					\
		int dummy;							\
		static_assert(offsetof(type, m) == (offset),			\
			      #type "." #m " moved in the uAPI header");	\
	  }),									\
	  MEMBER_SIZE(type, m), kind, res, arg }

#define HDR(type) \
	F(type, size, 0, FZ_SIZE, FZ_RES_NONE, 0)
#define FLAGS(type, mask) \
	F(type, flags, 4, FZ_FLAGS, FZ_RES_NONE, mask)

/* The size of every structure, as described; a new field breaks the build. */
#define SIZE(type, bytes) \
	static_assert(sizeof(type) == (bytes), #type " changed size: describe its fields")

#define offsetofend(type, m) (offsetof(type, m) + MEMBER_SIZE(type, m))

/* ---- core commands (uaccel.h) ---- */

SIZE(struct uaccel_query_device, 168);
static const struct fz_field query_device_fields[] = {
	HDR(struct uaccel_query_device),
	FLAGS(struct uaccel_query_device, 0),
	F(struct uaccel_query_device, abi_version, 8, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, index, 12, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, vendor_id, 16, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, device_id, 20, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, numa_node, 24, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, num_facets, 28, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, dev_caps, 32, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, name, 40, FZ_OUT, 0, 0),
	F(struct uaccel_query_device, driver, 104, FZ_OUT, 0, 0),
};

SIZE(struct uaccel_destroy, 16);
static const struct fz_field destroy_fields[] = {
	HDR(struct uaccel_destroy),
	FLAGS(struct uaccel_destroy, 0),
	F(struct uaccel_destroy, id, 8, FZ_ID, FZ_RES_NONE, 0),
	F(struct uaccel_destroy, __reserved, 12, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_alloc_pd, 16);
static const struct fz_field alloc_pd_fields[] = {
	HDR(struct uaccel_alloc_pd),
	FLAGS(struct uaccel_alloc_pd, 0),
	F(struct uaccel_alloc_pd, out_pd_id, 8, FZ_OUT_ID, FZ_RES_PD, 0),
	F(struct uaccel_alloc_pd, __reserved, 12, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_reg_mr, 32);
static const struct fz_field reg_mr_fields[] = {
	HDR(struct uaccel_reg_mr),
	FLAGS(struct uaccel_reg_mr, UACCEL_MR_ACCESS_WRITE),
	F(struct uaccel_reg_mr, pd_id, 8, FZ_ID, FZ_RES_PD, 0),
	F(struct uaccel_reg_mr, out_mr_id, 12, FZ_OUT_ID, FZ_RES_MR, 0),
	F(struct uaccel_reg_mr, addr, 16, FZ_UPTR, 0, 1),
	F(struct uaccel_reg_mr, length, 24, FZ_LEN, 0, UACCEL_MR_MAX_LENGTH),
};

SIZE(struct uaccel_create_cq, 40);
static const struct fz_field create_cq_fields[] = {
	HDR(struct uaccel_create_cq),
	FLAGS(struct uaccel_create_cq, UACCEL_CQ_EVENTFD),
	F(struct uaccel_create_cq, entries, 8, FZ_VAL, 0, 65536),
	F(struct uaccel_create_cq, eventfd, 12, FZ_FD, 0, 0),
	F(struct uaccel_create_cq, out_cq_id, 16, FZ_OUT_ID, FZ_RES_CQ, 0),
	F(struct uaccel_create_cq, out_entries, 20, FZ_OUT, 0, 0),
	F(struct uaccel_create_cq, out_mmap_offset, 24, FZ_OUT, 0, 0),
	F(struct uaccel_create_cq, out_mmap_size, 32, FZ_OUT, 0, 0),
};

SIZE(struct uaccel_create_queue, 56);
static const struct fz_field create_queue_fields[] = {
	HDR(struct uaccel_create_queue),
	FLAGS(struct uaccel_create_queue, UACCEL_QUEUE_POLL),
	F(struct uaccel_create_queue, pd_id, 8, FZ_ID, FZ_RES_PD, 0),
	F(struct uaccel_create_queue, cq_id, 12, FZ_ID, FZ_RES_CQ, 0),
	F(struct uaccel_create_queue, entries, 16, FZ_VAL, 0, 65536),
	F(struct uaccel_create_queue, out_entries, 20, FZ_OUT, 0, 0),
	F(struct uaccel_create_queue, out_queue_id, 24, FZ_OUT_ID, FZ_RES_QUEUE, 0),
	F(struct uaccel_create_queue, out_entry_size, 28, FZ_OUT, 0, 0),
	F(struct uaccel_create_queue, out_mmap_offset, 32, FZ_OUT, 0, 0),
	F(struct uaccel_create_queue, out_mmap_size, 40, FZ_OUT, 0, 0),
	F(struct uaccel_create_queue, poll_idle_ms, 48, FZ_VAL, 0,
	  UACCEL_QUEUE_POLL_IDLE_MAX_MS),
	F(struct uaccel_create_queue, __reserved, 52, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_post, 32);
static const struct fz_field post_fields[] = {
	HDR(struct uaccel_post),
	FLAGS(struct uaccel_post, 0),
	F(struct uaccel_post, queue_id, 8, FZ_ID, FZ_RES_QUEUE, 0),
	F(struct uaccel_post, count, 12, FZ_COUNT, 0, 4096),
	F(struct uaccel_post, wrs, 16, FZ_UPTR, 0, sizeof(struct uaccel_wr)),
	F(struct uaccel_post, out_posted, 24, FZ_OUT, 0, 0),
	F(struct uaccel_post, __reserved, 28, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_doorbell, 16);
static const struct fz_field doorbell_fields[] = {
	HDR(struct uaccel_doorbell),
	FLAGS(struct uaccel_doorbell, 0),
	F(struct uaccel_doorbell, queue_id, 8, FZ_ID, FZ_RES_QUEUE, 0),
	F(struct uaccel_doorbell, __reserved, 12, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_poll_cq, 32);
static const struct fz_field poll_cq_fields[] = {
	HDR(struct uaccel_poll_cq),
	FLAGS(struct uaccel_poll_cq, 0),
	F(struct uaccel_poll_cq, cq_id, 8, FZ_ID, FZ_RES_CQ, 0),
	F(struct uaccel_poll_cq, count, 12, FZ_COUNT, 0, 4096),
	F(struct uaccel_poll_cq, cqes, 16, FZ_UPTR, 0, sizeof(struct uaccel_cqe)),
	F(struct uaccel_poll_cq, out_polled, 24, FZ_OUT, 0, 0),
	F(struct uaccel_poll_cq, __reserved, 28, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_wait_cq, 16);
static const struct fz_field wait_cq_fields[] = {
	HDR(struct uaccel_wait_cq),
	FLAGS(struct uaccel_wait_cq, 0),
	F(struct uaccel_wait_cq, cq_id, 8, FZ_ID, FZ_RES_CQ, 0),
	/* 0 waits for ever: the executor's watchdog interrupts it. */
	F(struct uaccel_wait_cq, timeout_ms, 12, FZ_VAL, 0, 50),
};

SIZE(struct uaccel_get_driver_ops_fd, 88);
static const struct fz_field get_driver_ops_fd_fields[] = {
	HDR(struct uaccel_get_driver_ops_fd),
	FLAGS(struct uaccel_get_driver_ops_fd, UACCEL_FACET_FD_CLOEXEC),
	F(struct uaccel_get_driver_ops_fd, name, 8, FZ_NAME, 0, 0),
	F(struct uaccel_get_driver_ops_fd, min_version, 72, FZ_VAL, 0, 3),
	F(struct uaccel_get_driver_ops_fd, max_version, 76, FZ_VAL, 0, 3),
	F(struct uaccel_get_driver_ops_fd, out_fd, 80, FZ_OUT_FD, FZ_RES_FACET, 0),
	F(struct uaccel_get_driver_ops_fd, out_version, 84, FZ_OUT, 0, 0),
};

/* The bound of DM lengths tried: the soft device's dm_max_bytes is larger. */
#define FZ_DM_BOUND	(1ULL << 20)

SIZE(struct uaccel_reg_dmabuf_mr, 40);
static const struct fz_field reg_dmabuf_mr_fields[] = {
	HDR(struct uaccel_reg_dmabuf_mr),
	FLAGS(struct uaccel_reg_dmabuf_mr, UACCEL_MR_ACCESS_WRITE),
	F(struct uaccel_reg_dmabuf_mr, pd_id, 8, FZ_ID, FZ_RES_PD, 0),
	F(struct uaccel_reg_dmabuf_mr, out_mr_id, 12, FZ_OUT_ID, FZ_RES_MR, 0),
	F(struct uaccel_reg_dmabuf_mr, offset, 16, FZ_OFF, 0, FZ_DM_BOUND),
	F(struct uaccel_reg_dmabuf_mr, length, 24, FZ_LEN, 0, UACCEL_MR_MAX_LENGTH),
	/* "fd" is the ioctl's own fd in programs. */
	FN(struct uaccel_reg_dmabuf_mr, fd, "dmabuf_fd", 32, FZ_FD, FZ_RES_DMABUF, 0),
	F(struct uaccel_reg_dmabuf_mr, __reserved, 36, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_alloc_dm, 24);
static const struct fz_field alloc_dm_fields[] = {
	HDR(struct uaccel_alloc_dm),
	FLAGS(struct uaccel_alloc_dm, 0),
	F(struct uaccel_alloc_dm, out_dm_id, 8, FZ_OUT_ID, FZ_RES_DM, 0),
	F(struct uaccel_alloc_dm, __reserved, 12, FZ_RSVD, 0, 0),
	F(struct uaccel_alloc_dm, length, 16, FZ_LEN, 0, FZ_DM_BOUND),
};

SIZE(struct uaccel_export_dm, 16);
static const struct fz_field export_dm_fields[] = {
	HDR(struct uaccel_export_dm),
	FLAGS(struct uaccel_export_dm, UACCEL_DMABUF_CLOEXEC),
	F(struct uaccel_export_dm, dm_id, 8, FZ_ID, FZ_RES_DM, 0),
	F(struct uaccel_export_dm, out_fd, 12, FZ_OUT_FD, FZ_RES_DMABUF, 0),
};

/* ---- the soft device's facets (soft.h) ---- */

SIZE(struct uaccel_soft_dma_nop, 8);
static const struct fz_field soft_dma_nop_fields[] = {
	HDR(struct uaccel_soft_dma_nop),
	FLAGS(struct uaccel_soft_dma_nop, 0),
};

SIZE(struct uaccel_soft_dma_copy, 40);
static const struct fz_field soft_dma_copy_fields[] = {
	HDR(struct uaccel_soft_dma_copy),
	FLAGS(struct uaccel_soft_dma_copy, 0),
	F(struct uaccel_soft_dma_copy, src_mr, 8, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_soft_dma_copy, dst_mr, 12, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_soft_dma_copy, src_offset, 16, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_soft_dma_copy, dst_offset, 24, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_soft_dma_copy, length, 32, FZ_LEN, 0, 1 << 20),
};

SIZE(struct uaccel_soft_dma_queue_stats, 48);
static const struct fz_field soft_dma_queue_stats_fields[] = {
	HDR(struct uaccel_soft_dma_queue_stats),
	FLAGS(struct uaccel_soft_dma_queue_stats, 0),
	F(struct uaccel_soft_dma_queue_stats, queue_id, 8, FZ_ID, FZ_RES_QUEUE, 0),
	F(struct uaccel_soft_dma_queue_stats, __reserved, 12, FZ_RSVD, 0, 0),
	F(struct uaccel_soft_dma_queue_stats, out_executed, 16, FZ_OUT, 0, 0),
	F(struct uaccel_soft_dma_queue_stats, out_stalls, 24, FZ_OUT, 0, 0),
	F(struct uaccel_soft_dma_queue_stats, out_doorbells, 32, FZ_OUT, 0, 0),
	F(struct uaccel_soft_dma_queue_stats, out_poll_sleeps, 40, FZ_OUT, 0, 0),
};

SIZE(struct uaccel_soft_dma_crc32c, 40);
static const struct fz_field soft_dma_crc32c_fields[] = {
	HDR(struct uaccel_soft_dma_crc32c),
	FLAGS(struct uaccel_soft_dma_crc32c, 0),
	F(struct uaccel_soft_dma_crc32c, mr, 8, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_soft_dma_crc32c, seed, 12, FZ_VAL, 0, 0),
	F(struct uaccel_soft_dma_crc32c, offset, 16, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_soft_dma_crc32c, length, 24, FZ_LEN, 0, 1 << 20),
	F(struct uaccel_soft_dma_crc32c, out_crc, 32, FZ_OUT, 0, 0),
	F(struct uaccel_soft_dma_crc32c, __reserved, 36, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_soft_debug_inject_error, 16);
static const struct fz_field soft_debug_inject_error_fields[] = {
	HDR(struct uaccel_soft_debug_inject_error),
	FLAGS(struct uaccel_soft_debug_inject_error, 0),
	F(struct uaccel_soft_debug_inject_error, queue_id, 8, FZ_ID, FZ_RES_QUEUE, 0),
	F(struct uaccel_soft_debug_inject_error, count, 12, FZ_VAL, 0, 16),
};

SIZE(struct uaccel_soft_debug_fatal_error, 8);
static const struct fz_field soft_debug_fatal_error_fields[] = {
	HDR(struct uaccel_soft_debug_fatal_error),
	FLAGS(struct uaccel_soft_debug_fatal_error, 0),
};

/* ---- the shared facet (factorial.h) ---- */

SIZE(struct uaccel_factorial_compute, 16);
static const struct fz_field factorial_compute_fields[] = {
	HDR(struct uaccel_factorial_compute),
	FLAGS(struct uaccel_factorial_compute, 0),
	F(struct uaccel_factorial_compute, value, 8, FZ_VAL, 0, 40),
	F(struct uaccel_factorial_compute, out_result, 12, FZ_OUT, 0, 0),
};

SIZE(struct uaccel_factorial_submit, 24);
static const struct fz_field factorial_submit_fields[] = {
	HDR(struct uaccel_factorial_submit),
	FLAGS(struct uaccel_factorial_submit, 0),
	F(struct uaccel_factorial_submit, cq_id, 8, FZ_ID, FZ_RES_CQ, 0),
	F(struct uaccel_factorial_submit, value, 12, FZ_VAL, 0, 40),
	F(struct uaccel_factorial_submit, user_data, 16, FZ_VAL, 0, 0),
};

/* ---- the shared cipher facet (cipher.h) ---- */

/* Session ids are small numbers from 1 (UACCEL_CIPHER_SESSIONS_MAX). */
#define FZ_SESSION_BOUND	8
/* Key and IV arrays are left zeroed by the executor (a valid all-zero key). */

SIZE(struct uaccel_cipher_query, 32);
static const struct fz_field cipher_query_fields[] = {
	HDR(struct uaccel_cipher_query),
	FLAGS(struct uaccel_cipher_query, 0),
	F(struct uaccel_cipher_query, out_algs, 8, FZ_OUT, 0, 0),
	F(struct uaccel_cipher_query, out_max_sessions, 12, FZ_OUT, 0, 0),
	F(struct uaccel_cipher_query, out_max_length, 16, FZ_OUT, 0, 0),
	F(struct uaccel_cipher_query, out_max_batch, 24, FZ_OUT, 0, 0),
	F(struct uaccel_cipher_query, __reserved, 28, FZ_OUT, 0, 0),
};

SIZE(struct uaccel_cipher_session_create, 56);
static const struct fz_field cipher_session_create_fields[] = {
	HDR(struct uaccel_cipher_session_create),
	FLAGS(struct uaccel_cipher_session_create, 0),
	F(struct uaccel_cipher_session_create, alg, 8, FZ_VAL, 0, 3),
	F(struct uaccel_cipher_session_create, key_len, 12, FZ_VAL, 0, 33),
	F(struct uaccel_cipher_session_create, key, 16, FZ_VAL, 0, 0),
	F(struct uaccel_cipher_session_create, out_session, 48, FZ_OUT, 0, 0),
	F(struct uaccel_cipher_session_create, __reserved, 52, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_cipher_session_destroy, 16);
static const struct fz_field cipher_session_destroy_fields[] = {
	HDR(struct uaccel_cipher_session_destroy),
	FLAGS(struct uaccel_cipher_session_destroy, 0),
	F(struct uaccel_cipher_session_destroy, session, 8, FZ_VAL, 0, FZ_SESSION_BOUND),
	F(struct uaccel_cipher_session_destroy, __reserved, 12, FZ_RSVD, 0, 0),
};

SIZE(struct uaccel_cipher_crypt, 64);
static const struct fz_field cipher_crypt_fields[] = {
	HDR(struct uaccel_cipher_crypt),
	FLAGS(struct uaccel_cipher_crypt, 0),
	F(struct uaccel_cipher_crypt, session, 8, FZ_VAL, 0, FZ_SESSION_BOUND),
	F(struct uaccel_cipher_crypt, op, 12, FZ_VAL, 0, 2),
	F(struct uaccel_cipher_crypt, src_mr, 16, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_cipher_crypt, dst_mr, 20, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_cipher_crypt, src_offset, 24, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_cipher_crypt, dst_offset, 32, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_cipher_crypt, length, 40, FZ_LEN, 0, 1 << 20),
	F(struct uaccel_cipher_crypt, iv, 48, FZ_VAL, 0, 0),
};

SIZE(struct uaccel_cipher_submit, 40);
static const struct fz_field cipher_submit_fields[] = {
	HDR(struct uaccel_cipher_submit),
	FLAGS(struct uaccel_cipher_submit, 0),
	F(struct uaccel_cipher_submit, session, 8, FZ_VAL, 0, FZ_SESSION_BOUND),
	F(struct uaccel_cipher_submit, cq_id, 12, FZ_ID, FZ_RES_CQ, 0),
	F(struct uaccel_cipher_submit, desc_mr, 16, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_cipher_submit, count, 20, FZ_VAL, 0, UACCEL_CIPHER_BATCH_MAX + 1),
	F(struct uaccel_cipher_submit, desc_offset, 24, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_cipher_submit, out_error_index, 32, FZ_OUT, 0, 0),
	F(struct uaccel_cipher_submit, __reserved, 36, FZ_RSVD, 0, 0),
};

/* The descriptors SUBMIT reads from an MR: the MR's bytes, whatever they are. */
SIZE(struct uaccel_cipher_desc, 64);

/* ---- the virtio-crypto device's facet (vcrypto.h) ---- */

SIZE(struct uaccel_vcrypto_info, 88);
static const struct fz_field vcrypto_info_fields[] = {
	HDR(struct uaccel_vcrypto_info),
	FLAGS(struct uaccel_vcrypto_info, 0),
	F(struct uaccel_vcrypto_info, out_services, 8, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_cipher_algo_l, 12, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_cipher_algo_h, 16, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_algs, 20, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_max_dataqueues, 24, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_max_cipher_key_len, 28, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_max_size, 32, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_max_length, 40, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_max_sessions, 48, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_sessions_active, 52, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_requests, 56, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_bytes, 64, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_errors, 72, FZ_OUT, 0, 0),
	F(struct uaccel_vcrypto_info, out_session_errors, 80, FZ_OUT, 0, 0),
};

/* ---- the edu device's facet (edu.h) ---- */

SIZE(struct uaccel_edu_dma, 32);
static const struct fz_field edu_dma_fields[] = {
	HDR(struct uaccel_edu_dma),
	FLAGS(struct uaccel_edu_dma, 0),
	F(struct uaccel_edu_dma, mr, 8, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_edu_dma, dev_offset, 12, FZ_OFF, 0, UACCEL_EDU_DMA_LIMIT),
	F(struct uaccel_edu_dma, mr_offset, 16, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_edu_dma, length, 24, FZ_LEN, 0, UACCEL_EDU_DMA_LIMIT),
};

/* ---- work requests (POST's array, soft queue rings) ---- */

SIZE(struct uaccel_wr, 64);
const struct fz_field fz_wr_fields[] = {
	F(struct uaccel_wr, opcode, 0, FZ_VAL, 0, UACCEL_WR_CRC32C + 1),
	F(struct uaccel_wr, flags, 1, FZ_FLAGS, 0, 0),
	F(struct uaccel_wr, __reserved0, 2, FZ_RSVD, 0, 0),
	F(struct uaccel_wr, src_mr, 4, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_wr, user_data, 8, FZ_VAL, 0, 0),
	F(struct uaccel_wr, dst_mr, 16, FZ_ID, FZ_RES_MR, 0),
	F(struct uaccel_wr, __reserved1, 20, FZ_RSVD, 0, 0),
	F(struct uaccel_wr, src_offset, 24, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_wr, dst_offset, 32, FZ_OFF, 0, 1 << 20),
	F(struct uaccel_wr, length, 40, FZ_LEN, 0, 1 << 20),
	F(struct uaccel_wr, value, 48, FZ_VAL, 0, 0),
	F(struct uaccel_wr, __reserved2, 56, FZ_RSVD, 0, 0),
};
const unsigned int fz_nr_wr_fields = sizeof(fz_wr_fields) / sizeof(fz_wr_fields[0]);

/* The ring header the executor scribbles on. */
static_assert(sizeof(struct uaccel_ring_header) == 128, "ring header changed");
static_assert(offsetof(struct uaccel_ring_header, head) == 0, "ring head moved");
static_assert(offsetof(struct uaccel_ring_header, tail) == 64, "ring tail moved");
static_assert(offsetof(struct uaccel_ring_header, flags) == 68, "ring flags moved");

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * CMD(macro, short name, facet, type, last mandatory field, valid flags,
 * facet version, what it produces, fields)
 */
#define CMD(mac, nm, fct, type, last, vflags, ver, prod, flds)		\
	{ .name = nm, .macro = #mac, .req = mac, .facet = fct,		\
	  .size = sizeof(type), .min_size = offsetofend(type, last),	\
	  .valid_flags = vflags, .min_version = ver, .produces = prod,	\
	  .fields = flds, .nr_fields = ARRAY_SIZE(flds) }

const struct fz_cmd fz_cmds[] = {
	CMD(UACCEL_IOCTL_QUERY_DEVICE, "QUERY_DEVICE", FZ_FACET_CORE,
	    struct uaccel_query_device, driver, 0, 0, FZ_RES_NONE, query_device_fields),
	CMD(UACCEL_IOCTL_DESTROY, "DESTROY", FZ_FACET_CORE,
	    struct uaccel_destroy, __reserved, 0, 0, FZ_RES_NONE, destroy_fields),
	CMD(UACCEL_IOCTL_ALLOC_PD, "ALLOC_PD", FZ_FACET_CORE,
	    struct uaccel_alloc_pd, __reserved, 0, 0, FZ_RES_PD, alloc_pd_fields),
	CMD(UACCEL_IOCTL_REG_MR, "REG_MR", FZ_FACET_CORE,
	    struct uaccel_reg_mr, length, UACCEL_MR_ACCESS_WRITE, 0, FZ_RES_MR,
	    reg_mr_fields),
	CMD(UACCEL_IOCTL_CREATE_CQ, "CREATE_CQ", FZ_FACET_CORE,
	    struct uaccel_create_cq, out_mmap_size, UACCEL_CQ_EVENTFD, 0, FZ_RES_CQ,
	    create_cq_fields),
	CMD(UACCEL_IOCTL_CREATE_QUEUE, "CREATE_QUEUE", FZ_FACET_CORE,
	    struct uaccel_create_queue, out_mmap_size, UACCEL_QUEUE_POLL, 0,
	    FZ_RES_QUEUE, create_queue_fields),
	CMD(UACCEL_IOCTL_POST, "POST", FZ_FACET_CORE,
	    struct uaccel_post, __reserved, 0, 0, FZ_RES_NONE, post_fields),
	CMD(UACCEL_IOCTL_DOORBELL, "DOORBELL", FZ_FACET_CORE,
	    struct uaccel_doorbell, __reserved, 0, 0, FZ_RES_NONE, doorbell_fields),
	CMD(UACCEL_IOCTL_POLL_CQ, "POLL_CQ", FZ_FACET_CORE,
	    struct uaccel_poll_cq, __reserved, 0, 0, FZ_RES_NONE, poll_cq_fields),
	CMD(UACCEL_IOCTL_WAIT_CQ, "WAIT_CQ", FZ_FACET_CORE,
	    struct uaccel_wait_cq, timeout_ms, 0, 0, FZ_RES_NONE, wait_cq_fields),
	CMD(UACCEL_IOCTL_GET_DRIVER_OPS_FD, "GET_DRIVER_OPS_FD", FZ_FACET_CORE,
	    struct uaccel_get_driver_ops_fd, out_version, UACCEL_FACET_FD_CLOEXEC, 0,
	    FZ_RES_FACET, get_driver_ops_fd_fields),
	CMD(UACCEL_IOCTL_REG_DMABUF_MR, "REG_DMABUF_MR", FZ_FACET_CORE,
	    struct uaccel_reg_dmabuf_mr, __reserved, UACCEL_MR_ACCESS_WRITE, 0, FZ_RES_MR,
	    reg_dmabuf_mr_fields),
	CMD(UACCEL_IOCTL_ALLOC_DM, "ALLOC_DM", FZ_FACET_CORE,
	    struct uaccel_alloc_dm, length, 0, 0, FZ_RES_DM, alloc_dm_fields),
	CMD(UACCEL_IOCTL_EXPORT_DM, "EXPORT_DM", FZ_FACET_CORE,
	    struct uaccel_export_dm, out_fd, UACCEL_DMABUF_CLOEXEC, 0, FZ_RES_DMABUF,
	    export_dm_fields),

	CMD(UACCEL_SOFT_IOCTL_DMA_NOP, "SOFT_DMA_NOP", FZ_FACET_SOFT_DMA,
	    struct uaccel_soft_dma_nop, flags, 0, 1, FZ_RES_NONE, soft_dma_nop_fields),
	CMD(UACCEL_SOFT_IOCTL_DMA_COPY, "SOFT_DMA_COPY", FZ_FACET_SOFT_DMA,
	    struct uaccel_soft_dma_copy, length, 0, 1, FZ_RES_NONE, soft_dma_copy_fields),
	CMD(UACCEL_SOFT_IOCTL_DMA_QUEUE_STATS, "SOFT_DMA_QUEUE_STATS", FZ_FACET_SOFT_DMA,
	    struct uaccel_soft_dma_queue_stats, out_stalls, 0, 1, FZ_RES_NONE,
	    soft_dma_queue_stats_fields),
	CMD(UACCEL_SOFT_IOCTL_DMA_CRC32C, "SOFT_DMA_CRC32C", FZ_FACET_SOFT_DMA,
	    struct uaccel_soft_dma_crc32c, __reserved, 0, 2, FZ_RES_NONE,
	    soft_dma_crc32c_fields),
	CMD(UACCEL_SOFT_IOCTL_DEBUG_INJECT_ERROR, "SOFT_DEBUG_INJECT_ERROR",
	    FZ_FACET_SOFT_DEBUG, struct uaccel_soft_debug_inject_error, count, 0, 1,
	    FZ_RES_NONE, soft_debug_inject_error_fields),
	CMD(UACCEL_SOFT_IOCTL_DEBUG_FATAL_ERROR, "SOFT_DEBUG_FATAL_ERROR",
	    FZ_FACET_SOFT_DEBUG, struct uaccel_soft_debug_fatal_error, flags, 0, 1,
	    FZ_RES_NONE, soft_debug_fatal_error_fields),

	CMD(UACCEL_FACTORIAL_IOCTL_COMPUTE, "FACTORIAL_COMPUTE", FZ_FACET_FACTORIAL,
	    struct uaccel_factorial_compute, out_result, 0, 1, FZ_RES_NONE,
	    factorial_compute_fields),
	CMD(UACCEL_FACTORIAL_IOCTL_SUBMIT, "FACTORIAL_SUBMIT", FZ_FACET_FACTORIAL,
	    struct uaccel_factorial_submit, user_data, 0, 1, FZ_RES_NONE,
	    factorial_submit_fields),

	CMD(UACCEL_CIPHER_IOCTL_QUERY, "CIPHER_QUERY", FZ_FACET_CIPHER,
	    struct uaccel_cipher_query, __reserved, 0, 1, FZ_RES_NONE,
	    cipher_query_fields),
	CMD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, "CIPHER_SESSION_CREATE", FZ_FACET_CIPHER,
	    struct uaccel_cipher_session_create, __reserved, 0, 1, FZ_RES_NONE,
	    cipher_session_create_fields),
	CMD(UACCEL_CIPHER_IOCTL_SESSION_DESTROY, "CIPHER_SESSION_DESTROY", FZ_FACET_CIPHER,
	    struct uaccel_cipher_session_destroy, __reserved, 0, 1, FZ_RES_NONE,
	    cipher_session_destroy_fields),
	CMD(UACCEL_CIPHER_IOCTL_CRYPT, "CIPHER_CRYPT", FZ_FACET_CIPHER,
	    struct uaccel_cipher_crypt, iv, 0, 1, FZ_RES_NONE, cipher_crypt_fields),
	CMD(UACCEL_CIPHER_IOCTL_SUBMIT, "CIPHER_SUBMIT", FZ_FACET_CIPHER,
	    struct uaccel_cipher_submit, __reserved, 0, 1, FZ_RES_NONE,
	    cipher_submit_fields),

	CMD(UACCEL_VCRYPTO_IOCTL_INFO, "VCRYPTO_INFO", FZ_FACET_VCRYPTO,
	    struct uaccel_vcrypto_info, out_session_errors, 0, 1, FZ_RES_NONE,
	    vcrypto_info_fields),

	CMD(UACCEL_EDU_IOCTL_DMA_TO_DEVICE, "EDU_DMA_TO_DEVICE", FZ_FACET_EDU_DMA,
	    struct uaccel_edu_dma, length, 0, 1, FZ_RES_NONE, edu_dma_fields),
	CMD(UACCEL_EDU_IOCTL_DMA_FROM_DEVICE, "EDU_DMA_FROM_DEVICE", FZ_FACET_EDU_DMA,
	    struct uaccel_edu_dma, length, 0, 1, FZ_RES_NONE, edu_dma_fields),
};
const unsigned int fz_nr_cmds = ARRAY_SIZE(fz_cmds);

const struct fz_facet_desc fz_facets[FZ_FACET_NR] = {
	[FZ_FACET_SOFT_DMA] = { UACCEL_SOFT_DMA_FACET, 1, 2 },
	[FZ_FACET_SOFT_DMA_LEGACY] = { UACCEL_SOFT_DMA_LEGACY_FACET, 1, 1 },
	[FZ_FACET_SOFT_DEBUG] = { UACCEL_SOFT_DEBUG_FACET, 1, 1 },
	[FZ_FACET_FACTORIAL] = { UACCEL_FACTORIAL_FACET, 1, UACCEL_FACTORIAL_VERSION },
	[FZ_FACET_CIPHER] = { UACCEL_CIPHER_FACET, 1, UACCEL_CIPHER_VERSION },
	[FZ_FACET_VCRYPTO] = { UACCEL_VCRYPTO_FACET, 1, 1 },
	[FZ_FACET_EDU_DMA] = { UACCEL_EDU_DMA_FACET, 1, 1 },
};

static const char *const res_names[FZ_RES_NR] = {
	[FZ_RES_NONE] = "none", [FZ_RES_CTX] = "ctx", [FZ_RES_FACET] = "facet",
	[FZ_RES_PD] = "pd", [FZ_RES_MR] = "mr", [FZ_RES_CQ] = "cq",
	[FZ_RES_QUEUE] = "queue", [FZ_RES_MAP] = "map", [FZ_RES_DM] = "dm",
	[FZ_RES_DMABUF] = "dmabuf",
};

const char *fz_res_name(int res)
{
	return res >= 0 && res < FZ_RES_NR ? res_names[res] : "?";
}

int fz_res_by_name(const char *name)
{
	for (int i = 0; i < FZ_RES_NR; i++)
		if (!strcmp(name, res_names[i]))
			return i;
	return -1;
}

const struct fz_cmd *fz_cmd_by_name(const char *name)
{
	for (unsigned int i = 0; i < fz_nr_cmds; i++)
		if (!strcmp(fz_cmds[i].name, name))
			return &fz_cmds[i];
	return NULL;
}

static int check_fields(const char *what, const struct fz_field *f, unsigned int n,
			size_t size)
{
	size_t end = 0;
	int bad = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (f[i].off != end) {
			fprintf(stderr, "%s: field %s at %u, expected at %zu (gap or overlap)\n",
				what, f[i].name, f[i].off, end);
			bad = 1;
		}
		end = (size_t)f[i].off + f[i].size;
	}
	if (end != size) {
		fprintf(stderr, "%s: fields end at %zu, the structure at %zu\n", what, end, size);
		bad = 1;
	}
	return bad;
}

int fz_desc_selfcheck(void)
{
	int bad = 0;

	for (unsigned int i = 0; i < fz_nr_cmds; i++) {
		const struct fz_cmd *c = &fz_cmds[i];

		bad |= check_fields(c->name, c->fields, c->nr_fields, c->size);
		if (c->min_size > c->size || c->fields[0].kind != FZ_SIZE ||
		    (c->nr_fields > 1 && c->fields[1].kind != FZ_FLAGS)) {
			fprintf(stderr, "%s: malformed description\n", c->name);
			bad = 1;
		}
		for (unsigned int j = 0; j < c->nr_fields; j++)
			if (!strcmp(c->fields[j].name, "fd") || !strcmp(c->fields[j].name, "arg") ||
			    !strcmp(c->fields[j].name, "tail")) {
				fprintf(stderr, "%s: field %s is named like an argument of every call\n",
					c->name, c->fields[j].name);
				bad = 1;
			}
		for (unsigned int j = 0; j < i; j++)
			if (fz_cmds[j].req == c->req && fz_cmds[j].facet == c->facet) {
				fprintf(stderr, "%s: same request as %s\n", c->name, fz_cmds[j].name);
				bad = 1;
			}
	}
	bad |= check_fields("struct uaccel_wr", fz_wr_fields, fz_nr_wr_fields,
			    sizeof(struct uaccel_wr));
	return bad;
}
