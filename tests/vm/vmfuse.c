// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* The FUSE file system of the in-VM tests (vmfuse.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vmfuse.h"
#include "vmtest.h"

#define FUSE_FILE_NODE 2
#define PAGE 4096

/* Requests are read here; large enough for any request the kernel sends. */
static uint64_t fuse_req[(FUSE_MIN_READ_BUFFER + 128 * 1024) / sizeof(uint64_t)];

static int fuse_answer(int fd, uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + len, .error = error, .unique = unique };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)data, .iov_len = len },
	};

	return writev(fd, iov, len ? 2 : 1) < 0 ? -errno : 0;
}

static void fuse_attr_of(uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->blksize = PAGE;
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0666;
		a->nlink = 1;
		a->size = PAGE;
		a->blocks = PAGE / 512;
	}
}

int vm_fuse_answer_read(void *arg)
{
	static char data[PAGE];
	struct vm_fuse *s = arg;

	memset(data, 'f', sizeof(data));
	return fuse_answer(s->fd, s->read_unique, 0, data,
			   s->read_size < PAGE ? s->read_size : PAGE);
}

static void *fuse_thread(void *arg)
{
	struct fuse_in_header *in = (void *)fuse_req;
	void *body = in + 1;
	struct vm_fuse *s = arg;
	uint64_t one = 1;
	ssize_t n;

	for (;;) {
		n = read(s->fd, fuse_req, sizeof(fuse_req));
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;	/* ENOENT: a request was interrupted */
		if (n < (ssize_t)sizeof(*in))
			break;		/* ENODEV: unmounted */
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = body;
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION, .minor = 31,
				.max_readahead = ii->max_readahead, .max_background = 16,
				.congestion_threshold = 12, .max_write = PAGE, .time_gran = 1,
			};

			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = {
				.nodeid = FUSE_FILE_NODE, .generation = 1,
				.entry_valid = 3600, .attr_valid = 3600,
			};

			if (in->nodeid != FUSE_ROOT_ID || strcmp(body, "f")) {
				fuse_answer(s->fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fuse_attr_of(FUSE_FILE_NODE, &o.attr);
			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { .attr_valid = 3600 };

			fuse_attr_of(in->nodeid, &o.attr);
			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_answer(s->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			s->read_unique = in->unique;
			s->read_size = ((struct fuse_read_in *)body)->size;
			if (__atomic_load_n(&s->answer_reads, __ATOMIC_ACQUIRE)) {
				vm_fuse_answer_read(s);
				break;
			}
			/* The test answers (fuse_answer_read()). */
			if (write(s->read_pending, &one, sizeof(one)) != sizeof(one))
				abort();
			break;
		case FUSE_WRITE: {
			struct fuse_write_out o = { .size = ((struct fuse_write_in *)body)->size };
			int err = __atomic_load_n(&s->write_error, __ATOMIC_ACQUIRE);

			fuse_answer(s->fd, in->unique, -err, &o, err ? 0 : sizeof(o));
			break;
		}
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;		/* no answer */
		case FUSE_FLUSH:
		case FUSE_RELEASE:
			fuse_answer(s->fd, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_answer(s->fd, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
	return NULL;
}

void vm_fuse_mount(struct vm_fuse *s)
{
	char opts[160];

	s->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		if (system("modprobe fuse 2>/dev/null")) {
			/* Not available (the debug kernel is built without it). */
		}
		s->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	}
	if (s->fd < 0) {
		assert_true(errno == ENOENT || errno == ENODEV || errno == ENXIO);
		skip();
	}
	s->read_pending = eventfd(0, EFD_CLOEXEC);
	assert_true(s->read_pending >= 0);
	s->answer_reads = false;
	s->write_error = 0;
	if (mkdir(VM_FUSE_DIR, 0755))
		assert_int_equal(errno, EEXIST);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 s->fd);
	assert_int_equal(mount("uaccel-test", VM_FUSE_DIR, "fuse", MS_NOSUID | MS_NODEV, opts), 0);
	assert_int_equal(pthread_create(&s->t, NULL, fuse_thread, s), 0);
}

void vm_fuse_unmount(struct vm_fuse *s)
{
	assert_int_equal(umount2(VM_FUSE_DIR, MNT_DETACH), 0);
	close(s->fd);
	assert_int_equal(pthread_join(s->t, NULL), 0);
	close(s->read_pending);
	rmdir(VM_FUSE_DIR);
}
