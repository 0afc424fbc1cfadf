/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * uaccel_bench.ko: a dedicated character device used as the baseline of the
 * benchmarks (bench/).  /dev/uaccel_bench is what a driver-private node
 * costs: open() allocates a per-open state and close() frees it, and its
 * one ioctl takes its argument exactly as a uaccel facet command does (the
 * leading size, then the structure, zero-extended), so the two ioctls
 * differ only in what the uaccel core adds.
 */
#ifndef _UAPI_UACCEL_BENCH_H
#define _UAPI_UACCEL_BENCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define UACCEL_BENCH_NODE "/dev/uaccel_bench"

/**
 * struct uaccel_bench_nop - UACCEL_BENCH_IOCTL_NOP: does nothing
 * @size: sizeof(struct uaccel_bench_nop)
 * @flags: must be 0 (-EOPNOTSUPP otherwise)
 *
 * -EINVAL for a size below 8, -E2BIG for a larger structure with non-zero
 * extra bytes, -EFAULT for unreadable memory: the rules of uaccel commands.
 */
struct uaccel_bench_nop {
	__u32 size;
	__u32 flags;
};

#define UACCEL_BENCH_IOCTL_NOP _IO('B', 0)

/**
 * struct uaccel_bench_uring_cmd - the command area of IORING_OP_URING_CMD
 * @addr: the struct uaccel_bench_nop (cmd_op UACCEL_BENCH_IOCTL_NOP)
 * @__reserved: must be 0
 *
 * The layout of uaccel's struct uaccel_uring_cmd.
 */
struct uaccel_bench_uring_cmd {
	__aligned_u64 addr;
	__aligned_u64 __reserved;
};

#endif /* _UAPI_UACCEL_BENCH_H */
