/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * uaccel: the generic netlink family "uaccel", the operators' interface of
 * the core (the way RDMA's nldev serves the rdma tool).
 *
 * Resolve the family id with CTRL_CMD_GETFAMILY of "uaccel" (nlctrl),
 * version UACCEL_GENL_VERSION.  Every message is a struct genlmsghdr
 * followed by attributes of enum uaccel_nl_attr.  The family validates
 * strictly: an unknown attribute, a wrong length or a string without its
 * NUL fails with -EINVAL (an extended ACK names the attribute), an unknown
 * command with -EOPNOTSUPP.
 *
 * Commands:
 *
 * UACCEL_NL_CMD_DEV_GET
 *	doit: the device named by UACCEL_NL_ATTR_DEV_INDEX or
 *	UACCEL_NL_ATTR_DEV_NAME (-EINVAL with neither, -ENODEV if there is
 *	no such device or the two disagree).  dump: every device, by index.
 *	Reply: one message per device with the device attributes below.
 * UACCEL_NL_CMD_DEV_SET (CAP_NET_ADMIN)
 *	The device named by UACCEL_NL_ATTR_DEV_INDEX: rename it to
 *	UACCEL_NL_ATTR_DEV_NAME (-EINVAL malformed, -EEXIST taken) and/or set
 *	UACCEL_NL_ATTR_DEV_EXCLUSIVE (-EBUSY with two contexts open), as the
 *	sysfs attributes "name" and "exclusive" do.  A malformed name fails
 *	before anything changes; otherwise the exclusive state is set first,
 *	and set back if the rename then fails (-EEXIST, -ENODEV).
 * UACCEL_NL_CMD_RES_GET (dump only)
 *	Resources, optionally of one device (UACCEL_NL_ATTR_DEV_INDEX or
 *	UACCEL_NL_ATTR_DEV_NAME, as DEV_GET; the error is the request's).
 *	Without UACCEL_NL_ATTR_RES_TYPE: one message per context (its opener,
 *	its object counts, its pinned bytes, and UACCEL_NL_ATTR_CTX_FACETS:
 *	the count of its facet files and the first 32 of them).  With a type
 *	(enum uaccel_nl_res_type): one message per object of that type (per
 *	facet file for UACCEL_NL_RES_FACET), with its context's opener.
 *
 * Notifications (multicast group UACCEL_GENL_MCGRP_MONITOR, every network
 * namespace): UACCEL_NL_CMD_DEV_NEW once a device is registered,
 * UACCEL_NL_CMD_DEV_RENAME after a rename (UACCEL_NL_ATTR_DEV_NAME the new
 * name, UACCEL_NL_ATTR_DEV_OLD_NAME the old), UACCEL_NL_CMD_DEV_FATAL when
 * a driver reports a fatal error and UACCEL_NL_CMD_DEV_DEL when removal
 * starts.  Each carries UACCEL_NL_ATTR_DEV_INDEX, UACCEL_NL_ATTR_DEV_NAME
 * and UACCEL_NL_ATTR_DEV_DRIVER.
 *
 * Visibility (docs/uapi.md): devices are not per network namespace, as
 * RDMA devices in its default shared mode: every namespace sees every
 * device.  A context is listed only to a caller whose PID namespace sees
 * its opener's process; its pid is given in the caller's PID namespace and
 * its uid in the caller's user namespace (the overflow uid if unmapped).
 *
 * A dump that a device registration, removal or rename interrupted ends
 * with NLM_F_DUMP_INTR set in its messages, as netlink's convention is:
 * the caller may retry it.
 */
#ifndef _UAPI_UACCEL_NETLINK_H
#define _UAPI_UACCEL_NETLINK_H

#define UACCEL_GENL_NAME		"uaccel"
#define UACCEL_GENL_VERSION		1
#define UACCEL_GENL_MCGRP_MONITOR	"monitor"

enum uaccel_nl_cmd {
	UACCEL_NL_CMD_UNSPEC,
	UACCEL_NL_CMD_DEV_GET,
	UACCEL_NL_CMD_DEV_SET,
	UACCEL_NL_CMD_RES_GET,
	UACCEL_NL_CMD_DEV_NEW,
	UACCEL_NL_CMD_DEV_DEL,
	UACCEL_NL_CMD_DEV_RENAME,
	UACCEL_NL_CMD_DEV_FATAL,

	__UACCEL_NL_CMD_MAX,
	UACCEL_NL_CMD_MAX = __UACCEL_NL_CMD_MAX - 1
};

/* UACCEL_NL_ATTR_RES_TYPE: which objects RES_GET lists. */
enum uaccel_nl_res_type {
	UACCEL_NL_RES_CTX,	/* contexts (the default) */
	UACCEL_NL_RES_PD,
	UACCEL_NL_RES_MR,
	UACCEL_NL_RES_CQ,
	UACCEL_NL_RES_QUEUE,
	UACCEL_NL_RES_FACET,	/* facet files */
	UACCEL_NL_RES_DM,	/* device memory objects */

	__UACCEL_NL_RES_MAX,
	UACCEL_NL_RES_MAX = __UACCEL_NL_RES_MAX - 1
};

/* UACCEL_NL_ATTR_DEV_STATE */
enum uaccel_nl_dev_state {
	UACCEL_NL_DEV_LIVE,	/* registered and taking calls */
	UACCEL_NL_DEV_FATAL,	/* the driver reported a fatal error */
	UACCEL_NL_DEV_REMOVING,	/* unregistration has started */
};

enum uaccel_nl_attr {
	UACCEL_NL_ATTR_UNSPEC,
	UACCEL_NL_ATTR_PAD,

	/* Device attributes: DEV_GET replies and notifications. */
	UACCEL_NL_ATTR_DEV_INDEX,	/* u32: the node is /dev/uaccel/uaccel<index> */
	UACCEL_NL_ATTR_DEV_NAME,	/* string: sysfs name, /sys/class/uaccel/<name> */
	UACCEL_NL_ATTR_DEV_OLD_NAME,	/* string: the name before a rename */
	UACCEL_NL_ATTR_DEV_DRIVER,	/* string: the driver */
	UACCEL_NL_ATTR_DEV_PARENT,	/* string: bus:name of the parent device */
	UACCEL_NL_ATTR_DEV_ABI_VERSION,	/* u32: UACCEL_ABI_VERSION */
	UACCEL_NL_ATTR_DEV_NUMA_NODE,	/* s32: -1 without affinity */
	UACCEL_NL_ATTR_DEV_VENDOR_ID,	/* u32: PCI vendor, 0 for software */
	UACCEL_NL_ATTR_DEV_DEVICE_ID,	/* u32: PCI device, 0 for software */
	UACCEL_NL_ATTR_DEV_MAJOR,	/* u32: char device major */
	UACCEL_NL_ATTR_DEV_MINOR,	/* u32: char device minor */
	UACCEL_NL_ATTR_DEV_STATE,	/* u8: enum uaccel_nl_dev_state */
	UACCEL_NL_ATTR_DEV_EXCLUSIVE,	/* u8: 0 or 1, as sysfs "exclusive" */
	UACCEL_NL_ATTR_DEV_CONTEXTS,	/* u32: open contexts */
	UACCEL_NL_ATTR_DEV_FACETS,	/* nest of UACCEL_NL_ATTR_FACET */

	/* One facet, in UACCEL_NL_ATTR_DEV_FACETS or UACCEL_NL_ATTR_CTX_FACETS. */
	UACCEL_NL_ATTR_FACET,		/* nest of the four below */
	UACCEL_NL_ATTR_FACET_NAME,	/* string */
	UACCEL_NL_ATTR_FACET_MIN_VERSION, /* u32: device's range */
	UACCEL_NL_ATTR_FACET_MAX_VERSION, /* u32 */
	UACCEL_NL_ATTR_FACET_FLAGS,	/* u32: UACCEL_FACET_* of uaccel.h */
	UACCEL_NL_ATTR_FACET_VERSION,	/* u32: a facet file's negotiated version */

	/* RES_GET request and replies. */
	UACCEL_NL_ATTR_RES_TYPE,	/* u8: enum uaccel_nl_res_type */
	UACCEL_NL_ATTR_CTX_ID,		/* u32: the context, unique while loaded */
	UACCEL_NL_ATTR_CTX_PID,		/* u32: the opener's process (tgid), 0 if exited */
	UACCEL_NL_ATTR_CTX_COMM,	/* string: its command name at open() */
	UACCEL_NL_ATTR_CTX_UID,		/* u32: its effective uid at open() */
	UACCEL_NL_ATTR_CTX_PDS,		/* u32: PDs of the context */
	UACCEL_NL_ATTR_CTX_MRS,		/* u32: MRs */
	UACCEL_NL_ATTR_CTX_CQS,		/* u32: CQs */
	UACCEL_NL_ATTR_CTX_QUEUES,	/* u32: queues */
	UACCEL_NL_ATTR_CTX_PINNED_BYTES, /* u64: bytes of the MRs' pinned pages */
	UACCEL_NL_ATTR_CTX_FACET_FILES,	/* u32, in CTX_FACETS: open facet files */
	/* nest: CTX_FACET_FILES, then a FACET (name, version) per facet file, the first 32 */
	UACCEL_NL_ATTR_CTX_FACETS,
	UACCEL_NL_ATTR_OBJ_ID,		/* u32: object id in its context */
	UACCEL_NL_ATTR_OBJ_PD,		/* u32: an MR's PD */
	UACCEL_NL_ATTR_OBJ_CQ,		/* u32: a queue's CQ */
	UACCEL_NL_ATTR_OBJ_LENGTH,	/* u64: an MR's or a DM's length, bytes */
	/* u64: an MR's user address (its offset in the dma-buf for REG_DMABUF_MR) */
	UACCEL_NL_ATTR_OBJ_ADDR,
	UACCEL_NL_ATTR_OBJ_ACCESS,	/* u32: an MR's UACCEL_MR_ACCESS_* */
	UACCEL_NL_ATTR_OBJ_PINNED_BYTES, /* u64: an MR's pinned pages, bytes */
	UACCEL_NL_ATTR_OBJ_ENTRIES,	/* u32: a CQ's or a queue's entries */
	UACCEL_NL_ATTR_OBJ_BUSY,	/* u32: commands using the object now */
	UACCEL_NL_ATTR_CTX_CIPHER_SESSIONS, /* u32: cipher.uaccel sessions */
	UACCEL_NL_ATTR_CTX_DMS,		/* u32: DM objects */
	/*
	 * u64: inode number of the dma-buf of an MR of REG_DMABUF_MR or of a
	 * DM, as in fdinfo ("ino") and /sys/kernel/debug/dma_buf/bufinfo
	 */
	UACCEL_NL_ATTR_OBJ_DMABUF_INO,
	UACCEL_NL_ATTR_DEV_DM_MAX_BYTES, /* u64: as sysfs dm_max_bytes */

	__UACCEL_NL_ATTR_MAX,
	UACCEL_NL_ATTR_MAX = __UACCEL_NL_ATTR_MAX - 1
};

#endif /* _UAPI_UACCEL_NETLINK_H */
