/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A minimal FUSE file system for the in-VM tests: one file "f" of one page
 * (mode 0666, mounted allow_other, so that any user can map it) whose
 * reads the test answers when it likes.  A page fault on a mapping of it
 * waits for the answer, also inside get_user_pages(FOLL_LONGTERM) and a
 * kernel copy to user memory; the kernel holds the page locked while the
 * read waits.
 */
#ifndef UACCEL_VMFUSE_H
#define UACCEL_VMFUSE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VM_FUSE_DIR	"/tmp/uaccel-fuse"
#define VM_FUSE_FILE	VM_FUSE_DIR "/f"

struct vm_fuse {
	int fd;
	int read_pending;	/* eventfd: a FUSE_READ waits for its answer */
	uint64_t read_unique;
	uint32_t read_size;
	bool answer_reads;	/* answer reads at once instead (atomic) */
	int write_error;	/* answer writes with this errno, 0: success (atomic) */
	pthread_t t;
};

/* Mount it at VM_FUSE_DIR and serve it from a thread; skips the test without FUSE. */
void vm_fuse_mount(struct vm_fuse *s);
/* Unmount (detached), stop the thread, remove the directory. */
void vm_fuse_unmount(struct vm_fuse *s);
/* Answer the pending read (@arg: the struct vm_fuse) with a page of 'f'; 0 or -errno. */
int vm_fuse_answer_read(void *arg);

#endif
