/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Build-time layout checks of the uAPI structures.  Compiled with every uAPI
 * header force-included, as C, C++ and 32-bit C: the sizes and offsets below
 * must hold everywhere, which rules out implicit padding and types whose
 * size differs between ABIs.
 */
#include <stddef.h>
#include <uaccel/uaccel.h>

#ifdef __cplusplus
#define UAPI_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define UAPI_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define UAPI_SIZE(type, size) UAPI_ASSERT(sizeof(type) == (size), #type " size")
#define UAPI_OFF(type, field, off) \
	UAPI_ASSERT(offsetof(type, field) == (off), #type "." #field " offset")

UAPI_SIZE(struct uaccel_query_device, 168);
UAPI_OFF(struct uaccel_query_device, size, 0);
UAPI_OFF(struct uaccel_query_device, flags, 4);
UAPI_OFF(struct uaccel_query_device, num_facets, 28);
UAPI_OFF(struct uaccel_query_device, dev_caps, 32);
UAPI_OFF(struct uaccel_query_device, name, 40);
UAPI_OFF(struct uaccel_query_device, driver, 104);

UAPI_SIZE(struct uaccel_create_queue, 56);
UAPI_OFF(struct uaccel_create_queue, out_mmap_size, 40);
UAPI_OFF(struct uaccel_create_queue, poll_idle_ms, 48);
UAPI_OFF(struct uaccel_create_queue, __reserved, 52);

UAPI_SIZE(struct uaccel_reg_dmabuf_mr, 40);
UAPI_OFF(struct uaccel_reg_dmabuf_mr, offset, 16);
UAPI_OFF(struct uaccel_reg_dmabuf_mr, fd, 32);
UAPI_SIZE(struct uaccel_alloc_dm, 24);
UAPI_OFF(struct uaccel_alloc_dm, length, 16);
UAPI_SIZE(struct uaccel_export_dm, 16);
UAPI_OFF(struct uaccel_export_dm, out_fd, 12);

UAPI_SIZE(struct uaccel_uring_cmd, 16);
UAPI_OFF(struct uaccel_uring_cmd, flags, 8);
UAPI_OFF(struct uaccel_uring_cmd, __reserved, 12);

UAPI_SIZE(struct uaccel_event, 32);
UAPI_OFF(struct uaccel_event, queue_id, 8);
UAPI_OFF(struct uaccel_event, completed, 16);
UAPI_OFF(struct uaccel_event, flushed, 24);
