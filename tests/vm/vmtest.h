/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Helpers shared by the in-VM tests. */
#ifndef UACCEL_VMTEST_H
#define UACCEL_VMTEST_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/resource.h>

#include <accel/accel.h>
#include <uaccel/uaccel.h>

#define SOFT_DRIVER_DIR "/sys/bus/platform/drivers/uaccel_soft"

/*
 * ioctl() returning its value or -errno; with VM_IOCTL_PATH=uring in the
 * environment, uaccel commands go through io_uring instead (same results).
 */
int vm_ioctl(int fd, unsigned long req, void *arg);

#ifdef VMTEST_URING
#include <accel/uring.h>

/* Fill @sqe with the IORING_OP_URING_CMD form of ioctl(fd, req, arg). */
void vm_prep_uring_cmd(struct io_uring_sqe *sqe, int fd, unsigned long req,
		       void *arg);

/* One command through @ring: the completion's res. */
int vm_uring_cmd(struct io_uring *ring, int fd, unsigned long req, void *arg);
#endif

/* Write text to a sysfs file; 0 or -errno. */
int vm_sysfs_write(const char *path, const char *text);

/* Read sysfs file @path into @buf (NUL-terminated); asserts it is not empty. */
void vm_sysfs_read(const char *path, char *buf, size_t len);

/* Create a soft device with this name; asserts success. */
void vm_soft_add(const char *name);

/* Delete the soft device with this name; asserts success. */
void vm_soft_del(const char *name);

/* Delete the soft device with this name: 0 or -errno. */
int vm_soft_delete(const char *name);

/* Add soft device @name, deleting one a failed test left behind. */
void vm_soft_fresh(const char *name);

/* Run a shell command: its exit status, -1 if it did not exit. */
int vm_run(const char *cmd);

/* Whether kernel module @name is loaded. */
bool vm_module_loaded(const char *name);

/*
 * After a test that unloads modules: load uaccel_core (UACCEL_CORE_KO, if
 * set) and uaccel_soft (UACCEL_SOFT_KO, num_devices=3) again where they
 * are not loaded and wait for soft0; 0, or -1 if that failed.
 */
int vm_reload_soft(void);

/* The node path of a device by name into buf; asserts it exists. */
void vm_device_node(const char *name, char *buf, size_t len);

/* Open the node of a device by name; asserts success. */
int vm_open_device(const char *name);

/* Whether the VM runner executes QMP commands for the guest (-Q). */
bool vm_qmp_available(void);

/*
 * Have the host send one QMP command to this VM; 0 when it returned,
 * -EIO when QEMU answered with an error (printed as a TAP comment).
 */
int vm_qmp(const char *json);

/* vm_qmp() without printing an error answer: for polling QEMU's state. */
int vm_qmp_quiet(const char *json);


/* Live object counters of /sys/kernel/debug/uaccel/stats. */
struct vm_stats {
	long contexts, facet_files, pd, mr, cq, queue, pinned_pages;
	long dm, dm_buffers;
};

/* Read the counters; asserts the file is there. */
void vm_read_stats(struct vm_stats *st);

/* One counter of debugfs uaccel/stats by name, -1 if it has none. */
long vm_stat_value(const char *key);

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

/*
 * A byte pattern that differs per offset and per @seed: vm_fill_pattern()
 * writes bytes 0..@len of it, vm_assert_pattern_at() fails the test at the
 * first byte of p[0..len) that is not byte @start + i of it.
 */
void vm_fill_pattern(unsigned char *p, size_t len, unsigned int seed);
void vm_assert_pattern_at(const unsigned char *p, size_t start, size_t len,
			  unsigned int seed);

/* The io_uring worker threads of this process ("iou-wrk-<tid>"). */
int vm_iowq_workers(void);

/*
 * The card node of DRM's vgem (the dumb buffer ioctls are not on render
 * nodes), or -1 when there is none; vmvgem.c, in the dma-buf tests only.
 */
int vm_vgem_open(void);

/* CLOCK_MONOTONIC in seconds. */
double vm_now(void);

/*
 * How long a device may take to come back after a recovery, a bind or a
 * rename: no test measures it, and under software emulation on a loaded
 * host a vCPU can go unscheduled for seconds.
 */
#define VM_DEVICE_WAIT_S 60

/*
 * Wait until device @name can be opened: 0, or -ETIMEDOUT after printing
 * the devices there are.
 */
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

/* fork(); asserts success. */
int vm_fork(void);

/*
 * In a (child) process: set RLIMIT_MEMLOCK to @bytes, soft and hard, or
 * take CAP_IPC_LOCK out of the effective set.  On failure the process
 * exits (vm_child_check()).
 */
void vm_limit_memlock(rlim_t bytes);
void vm_drop_ipc_lock(void);

/*
 * Pass @fd over a unix socket with @len bytes of @data (at least 1);
 * 0 or -errno.  Receive one: the fd (close-on-exec), @len bytes into
 * @data, or -errno.
 */
int vm_send_fd(int sock, int fd, const void *data, size_t len);
int vm_recv_fd(int sock, void *data, size_t len);

/*
 * Repetition counts.  A test that repeats an operation @n times for
 * volume (churn, counters over many cycles) repeats it vm_scaled(@n)
 * times: @n divided by VM_SCALE (suite.sh sets 8 on a debug kernel,
 * whose KASAN, lockdep and kmemleak make every call tens of times
 * slower under emulation; 1 elsewhere), at least 1.  Counts that a test
 * needs for correctness (ids past 4095, a limit reached) are not scaled.
 */
unsigned int vm_scaled(unsigned int n);

/* ---- Fixtures ---- */

/*
 * The group fixture of a test program: the soft devices it works on are
 * created before its first test and deleted after its last; the live
 * object counters are read once they exist, into the program's @base
 * (or the fixture's own when it passes NULL), and after the last test
 * they must be back to it: nothing a test made is left behind.
 *
 * vm_run_tests() runs the array @tests as the group @name with that
 * fixture for the soft devices listed after @base (NULL for none):
 *	return vm_run_tests("vm_perm", tests, &base, DEV, DEV2);
 * Tests are chosen by the environment: VM_TESTS runs only those matching
 * one of its comma-separated glob patterns, VM_SKIP_TESTS leaves out
 * those matching one of its patterns.  vm_run_tests_with() also runs
 * @setup after the devices were made (before the counters are read) and
 * @teardown after the last test, once the counters were checked (each
 * may be NULL).
 */
#define vm_run_tests(name, tests, base, ...) \
	vm_run_tests_with(name, tests, NULL, NULL, base, __VA_ARGS__)
#define vm_run_tests_with(name, tests, setup, teardown, base, ...) \
	vm_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown, \
		     base, (const char *const[]){ __VA_ARGS__, NULL })
int vm_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		 CMFixtureFunction setup, CMFixtureFunction teardown,
		 struct vm_stats *base, const char *const *devices);

/* A per-test teardown: the counters are back to what the fixture read. */
int vm_check_clean(void **state);

/*
 * libaccel's path for the contexts opened from now on: through the
 * driver's provider (ACCEL_PROVIDERS unset) or the generic commands.
 */
void vm_use_provider(bool provider);

/*
 * The data path of a test: a libaccel context of one device with a PD, a
 * CQ, a queue and, when @buf is not 0, two writable MRs @a and @b of @buf
 * bytes each.  @facet is an fd the test may open; vm_env_close() closes
 * it when it is not -1.  A test may destroy @q itself and set it to NULL.
 */
struct vm_env {
	struct accel_context *ctx;
	struct accel_pd *pd;
	struct accel_cq *cq;
	struct accel_queue *q;
	unsigned char *a, *b;
	size_t buf;
	struct accel_mr *amr, *bmr;
	int facet;
};

/*
 * Open it on device @dev through its provider (which must be the
 * driver's) or the generic path, with a CQ of @cq_entries and a queue
 * made with @qattr; asserts every step.  Close it: everything destroyed,
 * each with success asserted.
 */
void vm_env_open(struct vm_env *e, const char *dev, bool provider,
		 unsigned int cq_entries, const struct accel_queue_attr *qattr,
		 size_t buf);
void vm_env_close(struct vm_env *e);

/* ---- Tables of bad input ---- */

/* One field of a command structure and the value it gets. */
struct vm_field {
	size_t offset, size;	/* size 0: no field */
	uint64_t value;
};
#define VM_FIELD(type, member, val) \
	{ offsetof(type, member), sizeof(((type *)0)->member), (uint64_t)(val) }

/*
 * A malformed command: the valid structure @valid (@size bytes) of the
 * ioctl @req with up to two fields changed, and the -errno it must fail
 * with.  VM_BAD() makes one from a command variable and one field,
 * VM_BAD2() with two.
 */
struct vm_bad_cmd {
	const char *what;
	unsigned long req;
	const void *valid;
	size_t size;
	struct vm_field set[2];
	int err;
};
#define VM_BAD(req, cmd, member, val, err) \
	{ #member " = " #val, req, &(cmd), sizeof(cmd), \
	  { VM_FIELD(__typeof__(cmd), member, val) }, err }
#define VM_BAD2(req, cmd, m1, v1, m2, v2, err) \
	{ #m1 " = " #v1 ", " #m2 " = " #v2, req, &(cmd), sizeof(cmd), \
	  { VM_FIELD(__typeof__(cmd), m1, v1), VM_FIELD(__typeof__(cmd), m2, v2) }, err }

/*
 * Issue each command of @cases on @fd and assert its errno, naming the
 * case that failed.  A call that succeeds where it must not is reported
 * after @undo (if not NULL) was given the reply to destroy what it made.
 */
void vm_check_bad_cmds(int fd, const struct vm_bad_cmd *cases, size_t n,
		       void (*undo)(int fd, const void *reply));
#define VM_CHECK_BAD_CMDS(fd, cases, undo) \
	vm_check_bad_cmds(fd, cases, sizeof(cases) / sizeof((cases)[0]), undo)

/*
 * A thread that deletes soft device @name (or runs the shell command @cmd)
 * when told to.  It is created before a call gets stuck: creating a thread
 * maps its stack, which waits for a pinning thread that holds the mmap
 * lock while it waits for a page.  @done (an eventfd) becomes readable
 * when it finished.
 */
struct vm_deleter {
	const char *name;
	const char *cmd;
	int go, done, ret;
	bool started;
	pthread_t t;
};

void vm_deleter_start(struct vm_deleter *d, const char *name);
void vm_deleter_go(struct vm_deleter *d);
/* Wait for the deletion (starting it if need be); its result (0 or -errno, or the exit status of @cmd). */
int vm_deleter_finish(struct vm_deleter *d);

/*
 * The PCI address of the edu device the tests remove, rename and unplug:
 * run-vm.sh puts QEMU's edu0 behind the hot-pluggable root port rp0
 * (00:01.0) on pcie.0.  The second edu (edu1, behind a root port without
 * hot plug on node 1's PCIe expander, bus 0x81) stays in place.
 */
#define VM_EDU_PCI "0000:01:00.0"

/*
 * The name and PCI address (for its sysfs remove) of the edu device at
 * VM_EDU_PCI, into buffers of 64 bytes; false if there is none.
 * vm_wait_edu() polls for it for up to @timeout_s.
 */
bool vm_find_edu(char name[64], char pci[64]);
bool vm_wait_edu(char name[64], char pci[64], double timeout_s);

/*
 * Hot unplug of the edu device through QEMU (run-vm.sh -Q: the QMP mailbox):
 * device_del of "edu0", then waits until the guest removed PCI device @pci
 * (pciehp's 5 s attention button delay) and QEMU freed the id; 0 or -errno
 * (-ETIMEDOUT after 30 s each).  vm_edu_qmp_replug() adds it back behind
 * its root port rp0.  vm_edu_has_hotplug_slot(): whether the kernel drives
 * a hotplug slot for @pci's bus (/sys/bus/pci/slots/<n>/address).
 */
int vm_edu_qmp_unplug(const char *pci);
/*
 * The same for any hot-pluggable device of the VM: device_del of QEMU id
 * @id, then the wait for PCI device @pci to go and for QEMU to free @id.
 */
int vm_qmp_unplug(const char *id, const char *pci);
int vm_edu_qmp_replug(void);
bool vm_edu_has_hotplug_slot(const char *pci);

/*
 * A userfaultfd (non-blocking, close-on-exec) past its UFFDIO_API
 * handshake; skips the test when the kernel has none.
 */
int vm_userfaultfd(void);

#endif /* UACCEL_VMTEST_H */
