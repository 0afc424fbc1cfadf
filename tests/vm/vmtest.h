/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Helpers shared by the in-VM tests. */
#ifndef UACCEL_VMTEST_H
#define UACCEL_VMTEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <accel/accel.h>
#include <uaccel/uaccel.h>

#define SOFT_DRIVER_DIR "/sys/bus/platform/drivers/uaccel_soft"

/* ioctl() returning 0 or -errno. */
int vm_ioctl(int fd, unsigned long req, void *arg);

/* Write text to a sysfs file; 0 or -errno. */
int vm_sysfs_write(const char *path, const char *text);

/* Create a soft device with this name; asserts success. */
void vm_soft_add(const char *name);

/* Delete the soft device with this name; asserts success. */
void vm_soft_del(const char *name);

/* The node path of a device by name into buf; asserts it exists. */
void vm_device_node(const char *name, char *buf, size_t len);

/* Open the node of a device by name; asserts success. */
int vm_open_device(const char *name);

/* Whether the VM runner executes QMP commands for the guest (-Q). */
bool vm_qmp_available(void);

/* Have the host send one QMP command to this VM; 0 when it returned. */
int vm_qmp(const char *json);


/* Live object counters of /sys/kernel/debug/uaccel/stats. */
struct vm_stats {
	long contexts, facet_files, pd, mr, cq, queue, pinned_pages;
};

/* Read the counters; asserts the file is there. */
void vm_read_stats(struct vm_stats *st);

/* Assert every counter equals the one in @base. */
void vm_assert_stats_equal(const struct vm_stats *base);

/* Check the uAPI size/flags rules of one core or facet command whose
 * structure (of @size bytes, flags at offset 4) is valid in @valid:
 * short size -EINVAL, non-zero tail -E2BIG, flag bit 31 -EOPNOTSUPP, bad
 * pointer -EFAULT.  @valid is not modified. */
void vm_check_size_rules(int fd, unsigned long req, const void *valid, size_t size,
			 size_t min_size);

/* Make SIGBUS during vm_touch() recoverable (the handler is per process). */
void vm_catch_sigbus(void);

/* Read a word: 0, or SIGBUS when the access faulted.  Thread safe. */
int vm_touch(const volatile uint32_t *p);

/* VmPin of this process in kB. */
long vm_pinned_kb(void);

/* GET_DRIVER_OPS_FD for versions [lo, hi]: the facet fd or -errno. */
int vm_get_facet(int fd, const char *name, uint32_t lo, uint32_t hi,
		 uint32_t flags, uint32_t *version);

/* Open facet @name, version 1, on a context fd; asserts success. */
int vm_open_facet(int fd, const char *name);

/* CLOCK_MONOTONIC in seconds. */
double vm_now(void);

/* Wait until device @name can be opened: 0, or -ETIMEDOUT. */
int vm_wait_device(const char *name, double timeout_s);

/* Core commands on a context fd, returning 0 or -errno. */
int vm_alloc_pd(int fd, uint32_t *pd);
int vm_reg_mr(int fd, uint32_t pd, const void *addr, uint64_t len, uint32_t flags,
	      uint32_t *mr);
int vm_create_cq(int fd, uint32_t entries, struct uaccel_create_cq *out);
int vm_create_queue(int fd, uint32_t pd, uint32_t cq, uint32_t entries,
		    struct uaccel_create_queue *out);
int vm_destroy(int fd, uint32_t id);

/* Drop every privilege: groups, gid and uid become @id (65534: nobody). */
void vm_become_user(unsigned int id);

/*
 * In a forked child, where cmocka's assertions do not apply: print the
 * failed condition and exit with status 1.
 */
#define vm_child_check(cond) \
	do { if (!(cond)) vm_child_fail(__FILE__, __LINE__, #cond); } while (0)
void vm_child_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* Wait for a child; assert it exited with status 0. */
void vm_wait_ok(int pid);

#endif /* UACCEL_VMTEST_H */
