// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * dma-buf: REG_DMABUF_MR (import of any exporter's buffer as an MR),
 * ALLOC_DM and EXPORT_DM (the soft device's memory exported as a
 * dma-buf), against DRM's vgem as the other side: a vgem buffer written by
 * the soft device (facet COPY, queue work requests, cipher) and read back
 * through vgem's mapping; soft device memory imported and mapped by vgem,
 * writes seen both ways; soft device memory read and written by edu's DMA
 * through the IOMMU.  Every bad input with its errno, the device working
 * after it; lifetimes (the exporter's handles closed under an MR, DESTROY
 * of a DM with its dma-buf in use, removal of the importing device with a
 * COPY in flight, removal of the exporting device under mappings and
 * imports); ALLOC_DM charged to RLIMIT_MEMLOCK, dma-buf MRs not.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>
#include <linux/udmabuf.h>
#include <uaccel/cipher.h>
#include <uaccel/edu.h>
#include <uaccel/soft.h>

#include "vmtest.h"

#define DEV "dmabuf0"
/* Removed by the tests of removal: made afresh by each. */
#define DEV_IMP "dmabuf-imp0"
#define DEV_EXP "dmabuf-exp0"
#define PAGE 4096UL
#define NOBODY 65534

static struct vm_stats base;
/* The DM objects and buffers of debugfs uaccel/stats before the first test. */
static long base_dm, base_dm_buffers;

/*
 * What a test that failed part way leaves open goes in its teardown, so
 * that the next tests start clean: the mappings made through map() (and
 * not unmapped through unmap()), and every fd the program did not have
 * before the first test.
 */
static struct {
	void *addr;
	size_t len;
} maps[32];
static bool fd_at_start[1024];

static void *map(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return p;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (!maps[i].addr) {
			maps[i].addr = p;
			maps[i].len = len;
			return p;
		}
	}
	fail_msg("more than %zu mappings", sizeof(maps) / sizeof(maps[0]));
	return MAP_FAILED;
}

static void unmap(void *p, size_t len)
{
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].addr == p)
			maps[i].addr = NULL;
	assert_int_equal(munmap(p, len), 0);
}

static void note_fds(void)
{
	for (int i = 0; i < (int)(sizeof(fd_at_start) / sizeof(fd_at_start[0])); i++)
		fd_at_start[i] = fcntl(i, F_GETFD) >= 0;
}

static void release_leftovers(void)
{
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
		maps[i].addr = NULL;
	}
	for (int i = 0; i < (int)(sizeof(fd_at_start) / sizeof(fd_at_start[0])); i++)
		if (!fd_at_start[i])
			close(i);
}

/* ---- vgem: DRM's virtual GEM driver, through the raw DRM ioctls ---- */

/* The card node of vgem; the test fails without one. */
static int vgem_open(void)
{
	int fd = vm_vgem_open();

	if (fd < 0)
		fail_msg("no /dev/dri/cardN of vgem (modprobe vgem)");
	return fd;
}

/* A vgem buffer of @len bytes (a multiple of 4 KiB): its handle. */
static uint32_t vgem_create(int card, size_t len)
{
	struct drm_mode_create_dumb c = { .width = 1024, .height = len / PAGE, .bpp = 32 };

	assert_int_equal(len % PAGE, 0);
	assert_int_equal(ioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	assert_true(c.size >= len);
	return c.handle;
}

/* PRIME export of a vgem buffer with DRM_CLOEXEC and @flags: the fd or -errno. */
static int vgem_export(int card, uint32_t handle, uint32_t flags)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | flags, .fd = -1 };

	if (ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return -errno;
	return p.fd;
}

/* PRIME import of a dma-buf into vgem: its handle. */
static uint32_t vgem_import(int card, int dmabuf)
{
	struct drm_prime_handle p = { .fd = dmabuf };

	assert_int_equal(ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p), 0);
	return p.handle;
}

/*
 * vgem's PRIME export of a buffer it imported: the fd of the same dma-buf
 * (checked against @dmabuf), mapped to see the buffer as vgem hands it
 * on.  Linux 6.1's drm_gem_dumb_map_offset() refuses to map an imported
 * object (-EINVAL), so vgem has no mapping of its own of an import.
 */
static int vgem_reexport(int card, uint32_t handle, int dmabuf)
{
	struct stat a, b;
	int fd = vgem_export(card, handle, DRM_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(dmabuf, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	return fd;
}

/* A shared mapping of a vgem buffer. */
static unsigned char *vgem_map(int card, uint32_t handle, size_t len)
{
	struct drm_mode_map_dumb m = { .handle = handle };
	void *p;

	assert_int_equal(ioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	p = map(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, card, m.offset);
	assert_true(p != MAP_FAILED);
	return p;
}

static void vgem_close(int card, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	assert_int_equal(ioctl(card, DRM_IOCTL_GEM_CLOSE, &c), 0);
}

/* ---- uaccel commands ---- */

static int reg_dmabuf(int fd, uint32_t pd, int dmabuf, uint64_t offset, uint64_t len,
		      uint32_t flags, uint32_t *mr)
{
	struct uaccel_reg_dmabuf_mr c = {
		.size = sizeof(c), .flags = flags, .pd_id = pd, .offset = offset,
		.length = len, .fd = dmabuf,
	};
	int ret = vm_ioctl(fd, UACCEL_IOCTL_REG_DMABUF_MR, &c);

	if (mr)
		*mr = ret ? 0 : c.out_mr_id;
	return ret;
}

static int alloc_dm(int fd, uint64_t len, uint32_t *dm)
{
	struct uaccel_alloc_dm c = { .size = sizeof(c), .length = len };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_ALLOC_DM, &c);

	if (dm)
		*dm = ret ? 0 : c.out_dm_id;
	return ret;
}

/* EXPORT_DM: the dma-buf fd or -errno. */
static int export_dm(int fd, uint32_t dm, uint32_t flags)
{
	struct uaccel_export_dm c = { .size = sizeof(c), .flags = flags, .dm_id = dm,
				      .out_fd = -1 };
	int ret = vm_ioctl(fd, UACCEL_IOCTL_EXPORT_DM, &c);

	return ret ? ret : c.out_fd;
}

/* A DM of @len bytes exported with UACCEL_DMABUF_CLOEXEC; asserts success. */
static int new_dm(int fd, uint64_t len, uint32_t *dm)
{
	int dmabuf;

	assert_int_equal(alloc_dm(fd, len, dm), 0);
	assert_true(*dm > 0);
	dmabuf = export_dm(fd, *dm, UACCEL_DMABUF_CLOEXEC);
	assert_true(dmabuf >= 0);
	return dmabuf;
}

static unsigned char *map_dmabuf(int dmabuf, size_t len)
{
	void *p = map(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static int soft_copy(int facet, uint32_t src, uint64_t soff, uint32_t dst, uint64_t doff,
		     uint64_t len)
{
	struct uaccel_soft_dma_copy c = {
		.size = sizeof(c), .src_mr = src, .dst_mr = dst, .src_offset = soff,
		.dst_offset = doff, .length = len,
	};

	return vm_ioctl(facet, UACCEL_SOFT_IOCTL_DMA_COPY, &c);
}

static uint64_t query_caps(int fd)
{
	struct uaccel_query_device q = { .size = sizeof(q) };

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_QUERY_DEVICE, &q), 0);
	return q.dev_caps;
}

/* sysfs dm_max_bytes of device @name, -1 if it has none. */
static long long dm_max_bytes(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/class/uaccel/%s/dm_max_bytes", name);
	if (access(path, F_OK))
		return -1;
	vm_sysfs_read(path, buf, sizeof(buf));
	return strtoll(buf, NULL, 0);
}

/* Size of a dma-buf (its llseek to the end), which rewinds it after. */
static off_t dmabuf_size(int dmabuf)
{
	off_t n = lseek(dmabuf, 0, SEEK_END);

	assert_true(n > 0);
	assert_int_equal(lseek(dmabuf, 0, SEEK_SET), 0);
	return n;
}

/*
 * Devices attached to the dma-buf @dmabuf, from debugfs dma_buf/bufinfo,
 * and how many of them are named @name (when not NULL) into @named;
 * -1 when the kernel has no such file.
 */
static int dmabuf_attached(int dmabuf, const char *name, int *named)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "re");
	char line[512];
	struct stat st;
	bool mine = false;
	int n = -1;

	if (named)
		*named = 0;
	if (!f)
		return -1;
	assert_int_equal(fstat(dmabuf, &st), 0);
	while (fgets(line, sizeof(line), f)) {
		unsigned long size, ino;
		unsigned int flags, mode;
		long count;
		char exp[64];
		int total;

		if (sscanf(line, "%lu %x %x %ld %63s %lu", &size, &flags, &mode, &count, exp,
			   &ino) == 6) {
			mine = ino == (unsigned long)st.st_ino;
			continue;
		}
		if (mine && sscanf(line, "Total %d devices attached", &total) == 1) {
			n = total;
			break;
		}
		line[strcspn(line, "\n")] = 0;
		if (mine && name && named && line[0] == '\t' && !strcmp(line + 1, name))
			(*named)++;
	}
	fclose(f);
	assert_true(n >= 0);
	return n;
}

static int dmabuf_attachments(int dmabuf)
{
	return dmabuf_attached(dmabuf, NULL, NULL);
}

/* Assert that p[0..len) is vm_fill_pattern()'s pattern of @seed. */
static void assert_pattern(const unsigned char *p, size_t len, unsigned int seed)
{
	vm_assert_pattern_at(p, 0, len, seed);
}

static void assert_bytes(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], v);
}

static unsigned char *map_anon(size_t len)
{
	void *p = map(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* A soft context: PD, a writable user MR of @ulen bytes, the DMA facet. */
struct rig {
	int fd, facet;
	uint32_t pd, umr;
	unsigned char *ubuf;
	size_t ulen;
};

static void rig_open(struct rig *r, const char *dev, size_t ulen)
{
	memset(r, 0, sizeof(*r));
	r->fd = vm_open_device(dev);
	r->facet = vm_open_facet(r->fd, UACCEL_SOFT_DMA_FACET);
	assert_int_equal(vm_alloc_pd(r->fd, &r->pd), 0);
	r->ulen = ulen;
	r->ubuf = map_anon(ulen);
	assert_int_equal(vm_reg_mr(r->fd, r->pd, r->ubuf, ulen, UACCEL_MR_ACCESS_WRITE,
				   &r->umr), 0);
}

/* Close it (its objects go with the context). */
static void rig_close(struct rig *r)
{
	assert_int_equal(close(r->facet), 0);
	assert_int_equal(close(r->fd), 0);
	unmap(r->ubuf, r->ulen);
}

/* ---- Capabilities and the size/flags rules ---- */

/*
 * The soft device serves DM (dev_caps, dm_max_bytes); edu, when the VM has
 * it, does not (ALLOC_DM -EOPNOTSUPP) and still imports.  The size and
 * flags rules of the three commands.
 */
static void test_caps_and_size_rules(void **state)
{
	struct uaccel_reg_dmabuf_mr reg;
	struct uaccel_alloc_dm alloc = { .size = sizeof(alloc), .length = PAGE };
	struct uaccel_export_dm exp;
	char edu[64], pci[64];
	uint32_t pd, dm;
	int fd = vm_open_device(DEV), dmabuf;

	assert_true(query_caps(fd) & UACCEL_DEV_CAP_DM);
	assert_true(dm_max_bytes(DEV) > 0);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	dmabuf = new_dm(fd, PAGE, &dm);
	reg = (struct uaccel_reg_dmabuf_mr){ .size = sizeof(reg), .pd_id = pd, .length = 16,
					     .fd = dmabuf };
	exp = (struct uaccel_export_dm){ .size = sizeof(exp), .dm_id = dm };
	vm_check_size_rules(fd, UACCEL_IOCTL_REG_DMABUF_MR, &reg, sizeof(reg),
			    offsetof(struct uaccel_reg_dmabuf_mr, fd) + sizeof(reg.fd));
	vm_check_size_rules(fd, UACCEL_IOCTL_ALLOC_DM, &alloc, sizeof(alloc), sizeof(alloc));
	vm_check_size_rules(fd, UACCEL_IOCTL_EXPORT_DM, &exp, sizeof(exp),
			    offsetof(struct uaccel_export_dm, out_fd) + sizeof(exp.out_fd));
	assert_int_equal(close(dmabuf), 0);
	assert_int_equal(close(fd), 0);

	if (!vm_find_edu(edu, pci)) {
		print_message("# no edu device: its part is left out\n");
		return;
	}
	fd = vm_open_device(edu);
	assert_false(query_caps(fd) & UACCEL_DEV_CAP_DM);
	assert_true(dm_max_bytes(edu) <= 0);
	assert_int_equal(alloc_dm(fd, PAGE, NULL), -EOPNOTSUPP);
	assert_int_equal(export_dm(fd, 1, 0), -ENOENT);
	assert_int_equal(close(fd), 0);
}

/* ---- (a) vgem exports, the soft device writes ---- */

/*
 * A 64 KiB vgem buffer registered (write access) at an unaligned window:
 * the soft device's facet COPY writes it from a user MR, the data shows in
 * vgem's mapping at the window's place and nothing outside it changed;
 * what vgem writes, COPY reads back into the user MR.
 */
static void test_vgem_export_soft_copy(void **state)
{
	const size_t len = 64 * 1024, off = PAGE + 5, win = 40000;
	int card = vgem_open(), dmabuf;
	unsigned char *vmap;
	uint32_t h, mr, ro;
	struct rig r;

	rig_open(&r, DEV, len);
	h = vgem_create(card, len);
	vmap = vgem_map(card, h, len);
	memset(vmap, 0xee, len);
	dmabuf = vgem_export(card, h, DRM_RDWR);
	assert_true(dmabuf >= 0);
	assert_int_equal(dmabuf_size(dmabuf), len);
	/* vgem's own export: nothing attached to it yet. */
	assert_true(dmabuf_attachments(dmabuf) <= 0);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, off, win, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, 0, &ro), 0);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 2);

	/* User memory into the window: all of it, then a piece at its end. */
	vm_fill_pattern(r.ubuf, len, 1);
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, 0, win), 0);
	assert_bytes(vmap, off, 0xee);
	assert_pattern(vmap + off, win, 1);
	assert_bytes(vmap + off + win, len - off - win, 0xee);
	assert_int_equal(soft_copy(r.facet, r.umr, 100, mr, win - 3000, 3000), 0);
	assert_memory_equal(vmap + off + win - 3000, r.ubuf + 100, 3000);
	/* Past the window: refused, nothing written. */
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, win - 10, 11), -EINVAL);
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, win, 1), -EINVAL);
	assert_bytes(vmap + off + win, len - off - win, 0xee);
	/* Without write access: read only. */
	assert_int_equal(soft_copy(r.facet, r.umr, 0, ro, 0, 16), -EACCES);

	/* vgem writes, the device reads: through both MRs. */
	vm_fill_pattern(vmap, len, 2);
	memset(r.ubuf, 0, len);
	assert_int_equal(soft_copy(r.facet, ro, 0, r.umr, 0, len), 0);
	assert_pattern(r.ubuf, len, 2);
	assert_int_equal(soft_copy(r.facet, mr, 0, r.umr, 7, win), 0);
	assert_memory_equal(r.ubuf + 7, vmap + off, win);
	/* dma-buf to dma-buf: the bytes after the window to its start. */
	vm_fill_pattern(vmap, len, 3);
	assert_int_equal(soft_copy(r.facet, ro, off + win, mr, 0, len - off - win), 0);
	vm_assert_pattern_at(vmap + off, off + win, len - off - win, 3);
	vm_assert_pattern_at(vmap + off + (len - off - win), off + (len - off - win),
			  len - (len - off - win) - off, 3);

	assert_int_equal(vm_destroy(r.fd, mr), 0);
	assert_int_equal(vm_destroy(r.fd, ro), 0);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	unmap(vmap, len);
	assert_int_equal(close(dmabuf), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	rig_close(&r);
}

/* POST one work request on a queue of @r and wait for its completion. */
static struct uaccel_cqe post_one(struct rig *r, uint32_t cq, uint32_t q,
				  const struct uaccel_wr *wr)
{
	struct uaccel_post post = { .size = sizeof(post), .queue_id = q, .count = 1,
				    .wrs = (uintptr_t)wr };
	struct uaccel_wait_cq w = { .size = sizeof(w), .cq_id = cq, .timeout_ms = 10000 };
	struct uaccel_cqe cqe;
	struct uaccel_poll_cq pc = { .size = sizeof(pc), .cq_id = cq, .count = 1,
				     .cqes = (uintptr_t)&cqe };

	assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_POST, &post), 0);
	assert_int_equal(post.out_posted, 1);
	for (;;) {
		assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_POLL_CQ, &pc), 0);
		if (pc.out_polled)
			break;
		assert_int_equal(vm_ioctl(r->fd, UACCEL_IOCTL_WAIT_CQ, &w), 0);
	}
	assert_int_equal(cqe.user_data, wr->user_data);
	assert_int_equal(cqe.queue_id, q);
	return cqe;
}

/*
 * Queue work requests on a vgem buffer's MR: COPY into it and out of it,
 * FILL, COMPARE, CRC32C against a user MR holding the same bytes, and the
 * completion errors of a range outside it (EFAULT) and of a destination
 * without write access (EACCES).
 */
static void test_vgem_export_queue_wrs(void **state)
{
	const size_t len = 128 * 1024;
	struct uaccel_create_queue q;
	struct uaccel_create_cq cq;
	struct uaccel_cqe c1, c2;
	int card = vgem_open(), dmabuf;
	uint32_t h, mr, ro;
	unsigned char *vmap;
	struct rig r;
	struct uaccel_wr wr;

	rig_open(&r, DEV, len);
	h = vgem_create(card, len);
	vmap = vgem_map(card, h, len);
	dmabuf = vgem_export(card, h, DRM_RDWR);
	assert_true(dmabuf >= 0);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, 0, &ro), 0);
	assert_int_equal(vm_create_cq(r.fd, 16, &cq), 0);
	assert_int_equal(vm_create_queue(r.fd, r.pd, cq.out_cq_id, 16, &q), 0);

	vm_fill_pattern(r.ubuf, len, 4);
	wr = (struct uaccel_wr){ .opcode = UACCEL_WR_COPY, .user_data = 1, .src_mr = r.umr,
				 .dst_mr = mr, .src_offset = 3, .dst_offset = 1000,
				 .length = len - 1000 };
	assert_int_equal(post_one(&r, cq.out_cq_id, q.out_queue_id, &wr).status, 0);
	assert_memory_equal(vmap + 1000, r.ubuf + 3, len - 1000);

	wr = (struct uaccel_wr){ .opcode = UACCEL_WR_FILL, .user_data = 2, .dst_mr = mr,
				 .dst_offset = 10, .length = 990, .value = 0x3c };
	assert_int_equal(post_one(&r, cq.out_cq_id, q.out_queue_id, &wr).status, 0);
	assert_bytes(vmap + 10, 990, 0x3c);

	/* Out of it, into user memory, then compared and summed both ways. */
	vm_fill_pattern(vmap, len, 5);
	memset(r.ubuf, 0, len);
	wr = (struct uaccel_wr){ .opcode = UACCEL_WR_COPY, .user_data = 3, .src_mr = ro,
				 .dst_mr = r.umr, .length = len };
	assert_int_equal(post_one(&r, cq.out_cq_id, q.out_queue_id, &wr).status, 0);
	assert_pattern(r.ubuf, len, 5);
	wr = (struct uaccel_wr){ .opcode = UACCEL_WR_COMPARE, .user_data = 4, .src_mr = ro,
				 .dst_mr = r.umr, .length = len };
	c1 = post_one(&r, cq.out_cq_id, q.out_queue_id, &wr);
	assert_int_equal(c1.status, 0);
	assert_int_equal(c1.result, 0);
	vmap[777] ^= 1;
	c1 = post_one(&r, cq.out_cq_id, q.out_queue_id, &wr);
	assert_int_equal(c1.result, 778);
	vmap[777] ^= 1;
	wr = (struct uaccel_wr){ .opcode = UACCEL_WR_CRC32C, .user_data = 5, .src_mr = ro,
				 .length = len, .value = 0xffffffff };
	c1 = post_one(&r, cq.out_cq_id, q.out_queue_id, &wr);
	wr.src_mr = r.umr;
	c2 = post_one(&r, cq.out_cq_id, q.out_queue_id, &wr);
	assert_int_equal(c1.status, 0);
	assert_int_equal(c2.status, 0);
	assert_int_equal(c1.result, c2.result);

	/* Completion errors: past the end, and a read-only destination. */
	wr = (struct uaccel_wr){ .opcode = UACCEL_WR_COPY, .user_data = 6, .src_mr = r.umr,
				 .dst_mr = mr, .dst_offset = len - 1, .length = 2 };
	assert_int_equal(post_one(&r, cq.out_cq_id, q.out_queue_id, &wr).status, EFAULT);
	wr.dst_mr = ro;
	wr.dst_offset = 0;
	assert_int_equal(post_one(&r, cq.out_cq_id, q.out_queue_id, &wr).status, EACCES);
	assert_pattern(vmap, len, 5);

	/* In use by a queue's PD: the MR goes first, then the queue. */
	assert_int_equal(vm_destroy(r.fd, mr), 0);
	assert_int_equal(vm_destroy(r.fd, ro), 0);
	assert_int_equal(vm_destroy(r.fd, q.out_queue_id), 0);
	assert_int_equal(vm_destroy(r.fd, cq.out_cq_id), 0);
	unmap(vmap, len);
	assert_int_equal(close(dmabuf), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	rig_close(&r);
}

/*
 * cipher.uaccel with a dma-buf MR on either side: AES-128-CBC of a user
 * buffer into the vgem buffer gives the bytes it gives into user memory,
 * and decrypting from the vgem buffer gives the plaintext back.
 */
static void test_vgem_export_cipher(void **state)
{
	const size_t len = 16 * 1024;
	struct uaccel_cipher_session_create sc = {
		.size = sizeof(sc), .alg = UACCEL_CIPHER_AES_CBC, .key_len = 16,
	};
	struct uaccel_cipher_crypt cr = { .size = sizeof(cr), .length = len };
	int card = vgem_open(), dmabuf, cf;
	unsigned char *vmap;
	uint32_t h, mr;
	struct rig r;

	rig_open(&r, DEV, 3 * len);
	cf = vm_get_facet(r.fd, UACCEL_CIPHER_FACET, 1, 1, 0, NULL);
	assert_true(cf >= 0);
	for (int i = 0; i < 16; i++) {
		sc.key[i] = (unsigned char)(0x11 * i + 1);
		cr.iv[i] = (unsigned char)(0x2b + i);
	}
	assert_int_equal(vm_ioctl(cf, UACCEL_CIPHER_IOCTL_SESSION_CREATE, &sc), 0);
	cr.session = sc.out_session;
	h = vgem_create(card, len);
	vmap = vgem_map(card, h, len);
	memset(vmap, 0, len);
	dmabuf = vgem_export(card, h, DRM_RDWR);
	assert_true(dmabuf >= 0);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);

	/* Plaintext at [0, len): into the dma-buf, and into user memory at [len, 2 len). */
	vm_fill_pattern(r.ubuf, len, 6);
	cr.op = UACCEL_CIPHER_ENCRYPT;
	cr.src_mr = r.umr;
	cr.dst_mr = mr;
	assert_int_equal(vm_ioctl(cf, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
	cr.dst_mr = r.umr;
	cr.dst_offset = len;
	assert_int_equal(vm_ioctl(cf, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
	assert_memory_equal(vmap, r.ubuf + len, len);
	assert_memory_not_equal(vmap, r.ubuf, len);
	/* Back from the dma-buf into [2 len, 3 len). */
	cr.op = UACCEL_CIPHER_DECRYPT;
	cr.src_mr = mr;
	cr.dst_offset = 2 * len;
	assert_int_equal(vm_ioctl(cf, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
	assert_pattern(r.ubuf + 2 * len, len, 6);

	assert_int_equal(close(cf), 0);
	unmap(vmap, len);
	assert_int_equal(close(dmabuf), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	rig_close(&r);
}

/* ---- (b) the soft device exports, vgem imports ---- */

/*
 * ALLOC_DM of 10,000 bytes: a zero-filled dma-buf of three pages, read and
 * write, close-on-exec only when asked; every export is the same dma-buf;
 * MAP_SHARED only.  The test fills it through its mapping; vgem imports it
 * (attached and mapped for vgem's device; a second import is the same
 * handle), and the buffer vgem exports again from its handle is the same
 * dma-buf: its mapping holds the same bytes, writes through it show in the
 * first mapping and back.  The soft device imports its own export too.
 */
static void test_dm_export_vgem_import(void **state)
{
	const size_t want = 10000, len = 3 * PAGE;
	struct stat st, st2;
	unsigned char *dmap, *vmap;
	int fd = vm_open_device(DEV), card = vgem_open(), dmabuf, again;
	uint32_t dm, h;
	int vfd, named;

	assert_int_equal(alloc_dm(fd, want, &dm), 0);
	assert_int_equal(vm_stat_value("dm"), base_dm + 1);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);
	dmabuf = export_dm(fd, dm, 0);
	assert_true(dmabuf >= 0);
	assert_int_equal(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDWR);
	again = export_dm(fd, dm, UACCEL_DMABUF_CLOEXEC);
	assert_true(again >= 0);
	assert_int_equal(fcntl(again, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fstat(dmabuf, &st), 0);
	assert_int_equal(fstat(again, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(st.st_dev, st2.st_dev);
	assert_int_equal(dmabuf_size(dmabuf), len);

	/* Private mappings are refused, shared ones see zeroes. */
	errno = 0;
	assert_true(mmap(NULL, len, PROT_READ, MAP_PRIVATE, dmabuf, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, dmabuf, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	dmap = map_dmabuf(dmabuf, len);
	assert_bytes(dmap, len, 0);
	vm_fill_pattern(dmap, len, 7);

	/* vgem: import, same bytes through its export, writes seen both ways. */
	h = vgem_import(card, again);
	assert_int_equal(vgem_import(card, dmabuf), h);
	if (dmabuf_attached(dmabuf, "vgem", &named) >= 0) {
		assert_int_equal(dmabuf_attachments(dmabuf), 1);
		assert_int_equal(named, 1);
	}
	vfd = vgem_reexport(card, h, dmabuf);
	vmap = map_dmabuf(vfd, len);
	assert_pattern(vmap, len, 7);
	vm_fill_pattern(vmap + PAGE - 8, PAGE + 16, 8);
	assert_pattern(dmap + PAGE - 8, PAGE + 16, 8);
	assert_pattern(dmap, PAGE - 8, 7);
	dmap[len - 1] = 0x5a;
	assert_int_equal(vmap[len - 1], 0x5a);

	/* The exporter's own device imports it as well: a COPY through it. */
	{
		struct rig r;
		uint32_t mr;

		rig_open(&r, DEV, len);
		assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE,
					    &mr), 0);
		vm_fill_pattern(r.ubuf, len, 9);
		assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, 0, len), 0);
		assert_pattern(dmap, len, 9);
		assert_pattern(vmap, len, 9);
		assert_int_equal(vm_destroy(r.fd, mr), 0);
		rig_close(&r);
	}

	unmap(vmap, len);
	assert_int_equal(close(vfd), 0);
	vgem_close(card, h);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	assert_int_equal(close(card), 0);
	unmap(dmap, len);
	assert_int_equal(close(again), 0);
	assert_int_equal(close(dmabuf), 0);
	assert_int_equal(vm_destroy(fd, dm), 0);
	assert_int_equal(vm_destroy(fd, dm), -ENOENT);
	assert_int_equal(vm_stat_value("dm"), base_dm);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers);
	assert_int_equal(close(fd), 0);
}

/* ---- (c) the soft device exports, edu imports and DMAs ---- */

static int edu_dma(int ffd, bool to_dev, uint32_t mr, uint64_t mr_off, uint32_t dev_off,
		   uint64_t len)
{
	struct uaccel_edu_dma d = {
		.size = sizeof(d), .mr = mr, .mr_offset = mr_off, .dev_offset = dev_off,
		.length = len,
	};

	return vm_ioctl(ffd, to_dev ? UACCEL_EDU_IOCTL_DMA_TO_DEVICE :
				      UACCEL_EDU_IOCTL_DMA_FROM_DEVICE, &d);
}

/*
 * edu (behind the IOMMU) registers the soft device's dma-buf: RAM to
 * device from it, device to RAM into a user MR, and back into it through
 * a writable registration; the same with a vgem buffer.  edu has no DM of
 * its own.
 */
static void test_edu_imports_dm(void **state)
{
	const size_t len = 2 * PAGE, win_off = 100, win = len - 200;
	char edu[64], pci[64];
	unsigned char *dmap, *ubuf, *vmap;
	int sfd, efd, ffd, dmabuf, card, vbuf;
	uint32_t dm, pd, umr, ro, rw, h, vmr;

	if (!vm_find_edu(edu, pci))
		skip();
	sfd = vm_open_device(DEV);
	dmabuf = new_dm(sfd, len, &dm);
	dmap = map_dmabuf(dmabuf, len);
	vm_fill_pattern(dmap, len, 10);

	efd = vm_open_device(edu);
	ffd = vm_open_facet(efd, UACCEL_EDU_DMA_FACET);
	assert_int_equal(vm_alloc_pd(efd, &pd), 0);
	ubuf = map_anon(len);
	assert_int_equal(vm_reg_mr(efd, pd, ubuf, len, UACCEL_MR_ACCESS_WRITE, &umr), 0);
	assert_int_equal(reg_dmabuf(efd, pd, dmabuf, win_off, win, 0, &ro), 0);
	assert_int_equal(reg_dmabuf(efd, pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &rw), 0);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 2);

	/* dma-buf -> device -> user memory, across the dma-buf's page boundary. */
	assert_int_equal(edu_dma(ffd, true, ro, PAGE - win_off - 1000, 0, 3000), 0);
	assert_int_equal(edu_dma(ffd, false, umr, 5, 0, 3000), 0);
	assert_memory_equal(ubuf + 5, dmap + PAGE - 1000, 3000);
	assert_int_equal(edu_dma(ffd, true, ro, 0, 0, UACCEL_EDU_DMA_LIMIT), 0);
	assert_int_equal(edu_dma(ffd, false, umr, 0, 0, UACCEL_EDU_DMA_LIMIT), 0);
	vm_assert_pattern_at(ubuf, win_off, UACCEL_EDU_DMA_LIMIT, 10);
	/* The window's bounds, and no write through the read-only one. */
	assert_int_equal(edu_dma(ffd, true, ro, win - 10, 0, 11), -EINVAL);
	assert_int_equal(edu_dma(ffd, false, ro, 0, 0, 16), -EACCES);

	/* user memory -> device -> dma-buf, seen in its mapping. */
	vm_fill_pattern(ubuf, len, 11);
	assert_int_equal(edu_dma(ffd, true, umr, 0, 0, 4000), 0);
	assert_int_equal(edu_dma(ffd, false, rw, PAGE - 2000, 0, 4000), 0);
	vm_assert_pattern_at(dmap + PAGE - 2000, 0, 4000, 11);
	assert_pattern(dmap, PAGE - 2000, 10);
	vm_assert_pattern_at(dmap + PAGE + 2000, PAGE + 2000, PAGE - 2000, 10);

	/* A vgem buffer the same way. */
	card = vgem_open();
	h = vgem_create(card, len);
	vmap = vgem_map(card, h, len);
	vm_fill_pattern(vmap, len, 12);
	vbuf = vgem_export(card, h, DRM_RDWR);
	assert_true(vbuf >= 0);
	assert_int_equal(reg_dmabuf(efd, pd, vbuf, 0, len, UACCEL_MR_ACCESS_WRITE, &vmr), 0);
	assert_int_equal(edu_dma(ffd, true, vmr, 3000, 0, 2000), 0);
	assert_int_equal(edu_dma(ffd, false, umr, 0, 0, 2000), 0);
	assert_memory_equal(ubuf, vmap + 3000, 2000);
	vm_fill_pattern(ubuf, len, 13);
	assert_int_equal(edu_dma(ffd, true, umr, 0, 0, 2000), 0);
	assert_int_equal(edu_dma(ffd, false, vmr, 10, 0, 2000), 0);
	assert_memory_equal(vmap + 10, ubuf, 2000);

	assert_int_equal(alloc_dm(efd, PAGE, NULL), -EOPNOTSUPP);
	assert_int_equal(vm_destroy(efd, vmr), 0);
	unmap(vmap, len);
	assert_int_equal(close(vbuf), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	assert_int_equal(close(ffd), 0);
	assert_int_equal(close(efd), 0);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	unmap(ubuf, len);
	unmap(dmap, len);
	assert_int_equal(close(dmabuf), 0);
	assert_int_equal(close(sfd), 0);
}

/* ---- Bad input ---- */

/* Destroy the MR of a REG_DMABUF_MR reply. */
static void destroy_created_mr(int fd, const void *reply)
{
	const struct uaccel_reg_dmabuf_mr *c = reply;

	assert_int_equal(vm_destroy(fd, c->out_mr_id), 0);
}

/* Destroy the DM of an ALLOC_DM reply. */
static void destroy_created_dm(int fd, const void *reply)
{
	const struct uaccel_alloc_dm *c = reply;

	assert_int_equal(vm_destroy(fd, c->out_dm_id), 0);
}

/* Close the fd of an EXPORT_DM reply. */
static void close_exported(int fd, const void *reply)
{
	const struct uaccel_export_dm *c = reply;

	close(c->out_fd);
}

/*
 * REG_DMABUF_MR of what is not a dma-buf (a regular file, a memfd, an
 * eventfd, the context itself: -EINVAL), of no file (-EBADF), with write
 * access to a dma-buf exported read-only (-EACCES), of ranges outside it,
 * empty or wrapping (-EINVAL), with reserved bits (-EINVAL) or unknown
 * flags (-EOPNOTSUPP), on a PD that is not one (-ENOENT); ALLOC_DM of 0
 * bytes or above dm_max_bytes (-EINVAL); EXPORT_DM of what is not a DM
 * (-ENOENT).  Nothing is left behind and the device works after.
 */
static void test_bad_input(void **state)
{
	const size_t len = 2 * PAGE;
	long long max = dm_max_bytes(DEV);
	int fd = vm_open_device(DEV), card = vgem_open();
	int dmabuf, rofd, rwfd, reg_file, memfd, evfd, closed;
	uint32_t pd, dm, dm_gone, h, h2, umr, mr, cq;
	struct uaccel_create_cq cqc;
	struct uaccel_reg_dmabuf_mr reg;
	struct uaccel_alloc_dm alloc;
	struct uaccel_export_dm exp;
	unsigned char *ubuf = map_anon(len);
	struct vm_stats st;
	char self[64];
	int facet;

	assert_true(max > 0);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(vm_create_cq(fd, 4, &cqc), 0);
	cq = cqc.out_cq_id;
	assert_int_equal(vm_reg_mr(fd, pd, ubuf, len, UACCEL_MR_ACCESS_WRITE, &umr), 0);
	dmabuf = new_dm(fd, len, &dm);
	assert_int_equal(alloc_dm(fd, PAGE, &dm_gone), 0);
	assert_int_equal(vm_destroy(fd, dm_gone), 0);
	/*
	 * Two vgem buffers: DRM keeps one dma-buf per buffer, opened as its
	 * first export asked, so a read-only and a writable export need one
	 * buffer each.
	 */
	h = vgem_create(card, len);
	rofd = vgem_export(card, h, 0);
	assert_true(rofd >= 0);
	assert_int_equal(fcntl(rofd, F_GETFL) & O_ACCMODE, O_RDONLY);
	h2 = vgem_create(card, len);
	rwfd = vgem_export(card, h2, DRM_RDWR);
	assert_true(rwfd >= 0);
	assert_int_equal(fcntl(rwfd, F_GETFL) & O_ACCMODE, O_RDWR);
	snprintf(self, sizeof(self), "/proc/%d/exe", getpid());
	reg_file = open(self, O_RDONLY | O_CLOEXEC);
	assert_true(reg_file >= 0);
	memfd = memfd_create("dmabuf-test", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, len), 0);
	evfd = eventfd(0, EFD_CLOEXEC);
	assert_true(evfd >= 0);
	facet = vm_open_facet(fd, UACCEL_SOFT_DMA_FACET);
	/* The lowest free number, which nothing below takes. */
	closed = dup(evfd);
	assert_true(closed >= 0);
	assert_int_equal(close(closed), 0);

	/* A valid registration of 16 bytes of the DM; each case changes it. */
	reg = (struct uaccel_reg_dmabuf_mr){ .size = sizeof(reg), .pd_id = pd, .length = 16,
					     .fd = dmabuf };
#define REG UACCEL_IOCTL_REG_DMABUF_MR
	const struct vm_bad_cmd bad_reg[] = {
		/* Not a dma-buf. */
		VM_BAD(REG, reg, fd, reg_file, -EINVAL),
		VM_BAD(REG, reg, fd, memfd, -EINVAL),
		VM_BAD(REG, reg, fd, evfd, -EINVAL),
		VM_BAD(REG, reg, fd, fd, -EINVAL),
		VM_BAD(REG, reg, fd, facet, -EINVAL),
		/* No file. */
		VM_BAD(REG, reg, fd, -1, -EBADF),
		VM_BAD(REG, reg, fd, closed, -EBADF),
		VM_BAD(REG, reg, fd, INT_MAX, -EBADF),
		VM_BAD(REG, reg, fd, INT_MIN, -EBADF),
		/* Write access to a dma-buf opened read-only. */
		VM_BAD2(REG, reg, fd, rofd, flags, UACCEL_MR_ACCESS_WRITE, -EACCES),
		/* Ranges. */
		VM_BAD(REG, reg, length, 0, -EINVAL),
		VM_BAD(REG, reg, length, len + 1, -EINVAL),
		VM_BAD(REG, reg, offset, len, -EINVAL),
		VM_BAD(REG, reg, offset, len - 15, -EINVAL),
		VM_BAD(REG, reg, offset, UINT64_MAX, -EINVAL),
		VM_BAD2(REG, reg, offset, -4096ULL, length, 8192, -EINVAL),
		VM_BAD2(REG, reg, offset, 1, length, UINT64_MAX, -EINVAL),
		VM_BAD2(REG, reg, offset, len, length, 0, -EINVAL),
		VM_BAD(REG, reg, length, UACCEL_MR_MAX_LENGTH + 1, -EINVAL),
		/* Reserved bits and unknown flags. */
		VM_BAD(REG, reg, __reserved, 1, -EINVAL),
		VM_BAD(REG, reg, __reserved, 0x80000000U, -EINVAL),
		VM_BAD(REG, reg, flags, 1U << 7, -EOPNOTSUPP),
		/* Not a PD of the context. */
		VM_BAD(REG, reg, pd_id, 0, -ENOENT),
		VM_BAD(REG, reg, pd_id, pd + 1000, -ENOENT),
		VM_BAD(REG, reg, pd_id, cq, -ENOENT),
		VM_BAD(REG, reg, pd_id, dm, -ENOENT),
		VM_BAD(REG, reg, pd_id, umr, -ENOENT),
	};
#undef REG

	alloc = (struct uaccel_alloc_dm){ .size = sizeof(alloc), .length = PAGE };
#define ALLOC UACCEL_IOCTL_ALLOC_DM
	const struct vm_bad_cmd bad_alloc[] = {
		VM_BAD(ALLOC, alloc, length, 0, -EINVAL),
		VM_BAD(ALLOC, alloc, length, max + 1, -EINVAL),
		VM_BAD(ALLOC, alloc, length, max + PAGE, -EINVAL),
		VM_BAD(ALLOC, alloc, length, UINT64_MAX, -EINVAL),
		VM_BAD(ALLOC, alloc, length, -PAGE + 1, -EINVAL),
		VM_BAD(ALLOC, alloc, __reserved, 1, -EINVAL),
		VM_BAD(ALLOC, alloc, flags, 1, -EOPNOTSUPP),
	};
#undef ALLOC

	exp = (struct uaccel_export_dm){ .size = sizeof(exp), .dm_id = dm };
#define EXPORT UACCEL_IOCTL_EXPORT_DM
	const struct vm_bad_cmd bad_export[] = {
		VM_BAD(EXPORT, exp, dm_id, 0, -ENOENT),
		VM_BAD(EXPORT, exp, dm_id, dm + 1000, -ENOENT),
		VM_BAD(EXPORT, exp, dm_id, dm_gone, -ENOENT),
		VM_BAD(EXPORT, exp, dm_id, pd, -ENOENT),
		VM_BAD(EXPORT, exp, dm_id, umr, -ENOENT),
		VM_BAD(EXPORT, exp, dm_id, cq, -ENOENT),
		VM_BAD(EXPORT, exp, flags, 1U << 5, -EOPNOTSUPP),
	};
#undef EXPORT

	VM_CHECK_BAD_CMDS(fd, bad_reg, destroy_created_mr);
	VM_CHECK_BAD_CMDS(fd, bad_alloc, destroy_created_dm);
	VM_CHECK_BAD_CMDS(fd, bad_export, close_exported);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr + 1);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	if (dmabuf_attachments(rofd) >= 0)
		assert_int_equal(dmabuf_attachments(rofd), 0);

	/*
	 * The limits themselves: the whole dma-buf, read access to the
	 * read-only export, exactly dm_max_bytes (when it is small enough
	 * for the VM), the valid export.
	 */
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, 0, len, 0, &mr), 0);
	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, len - 1, 1, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(reg_dmabuf(fd, pd, rofd, 0, len, 0, &mr), 0);
	assert_int_equal(vm_destroy(fd, mr), 0);
	if (max <= (64LL << 20)) {
		uint32_t big;

		assert_int_equal(alloc_dm(fd, max, &big), 0);
		assert_int_equal(vm_destroy(fd, big), 0);
	}
	assert_int_equal(close(export_dm(fd, dm, 0)), 0);

	/* The device still works: a COPY through a vgem buffer's MR. */
	assert_int_equal(reg_dmabuf(fd, pd, rwfd, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	vm_fill_pattern(ubuf, len, 14);
	assert_int_equal(soft_copy(facet, umr, 0, mr, 0, len), 0);
	memset(ubuf, 0, len);
	assert_int_equal(soft_copy(facet, mr, 0, umr, 0, len), 0);
	assert_pattern(ubuf, len, 14);
	assert_int_equal(vm_destroy(fd, mr), 0);
	/* A PD with a dma-buf MR is busy like one with a user MR. */
	assert_int_equal(reg_dmabuf(fd, pd, rwfd, 0, len, 0, &mr), 0);
	assert_int_equal(vm_destroy(fd, umr), 0);
	assert_int_equal(vm_destroy(fd, pd), -EBUSY);
	assert_int_equal(vm_destroy(fd, mr), 0);
	assert_int_equal(vm_destroy(fd, pd), 0);

	assert_int_equal(close(facet), 0);
	assert_int_equal(close(evfd), 0);
	assert_int_equal(close(memfd), 0);
	assert_int_equal(close(reg_file), 0);
	assert_int_equal(close(rwfd), 0);
	assert_int_equal(close(rofd), 0);
	vgem_close(card, h);
	vgem_close(card, h2);
	assert_int_equal(close(card), 0);
	assert_int_equal(close(dmabuf), 0);
	unmap(ubuf, len);
	assert_int_equal(close(fd), 0);
}

/*
 * A reply that cannot be written: each command fails with -EFAULT and
 * leaves nothing (no MR, no attachment, no DM, no buffer, no fd).  Out of
 * file descriptors, EXPORT_DM fails with -EMFILE and leaves nothing.
 */
static void test_unwritable_reply_and_emfile(void **state)
{
	const size_t len = 2 * PAGE;
	int fd = vm_open_device(DEV), dmabuf, nfds;
	struct uaccel_reg_dmabuf_mr *reg;
	struct uaccel_alloc_dm *alloc;
	struct uaccel_export_dm *exp;
	struct vm_stats st;
	uint32_t pd, dm;
	char *page;
	pid_t pid;

	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	dmabuf = new_dm(fd, len, &dm);
	page = map(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	reg = (void *)page;
	alloc = (void *)(page + 256);
	exp = (void *)(page + 512);
	*reg = (struct uaccel_reg_dmabuf_mr){ .size = sizeof(*reg), .pd_id = pd, .length = len,
					      .fd = dmabuf };
	*alloc = (struct uaccel_alloc_dm){ .size = sizeof(*alloc), .length = len };
	*exp = (struct uaccel_export_dm){ .size = sizeof(*exp), .dm_id = dm, .out_fd = -1 };
	assert_int_equal(mprotect(page, PAGE, PROT_READ), 0);
	nfds = dup(0);
	assert_true(nfds >= 0);
	close(nfds);

	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_REG_DMABUF_MR, reg), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_ALLOC_DM, alloc), -EFAULT);
	assert_int_equal(vm_ioctl(fd, UACCEL_IOCTL_EXPORT_DM, exp), -EFAULT);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.pinned_pages, base.pinned_pages);
	assert_int_equal(vm_stat_value("dm"), base_dm + 1);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	/* No fd was installed: the lowest free number is still free. */
	assert_int_equal(fcntl(nfds, F_GETFD), -1);
	assert_int_equal(errno, EBADF);

	/* EXPORT_DM without a free descriptor. */
	pid = vm_fork();
	if (!pid) {
		/* Every number below the lowest free one is taken: the limit. */
		int top = dup(0);
		struct rlimit rl = { .rlim_cur = top, .rlim_max = top };

		vm_child_check(top >= 0);
		close(top);
		vm_child_check(!setrlimit(RLIMIT_NOFILE, &rl));
		vm_child_check(export_dm(fd, dm, 0) == -EMFILE);
		_exit(0);
	}
	vm_wait_ok(pid);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);

	unmap(page, PAGE);
	assert_int_equal(close(dmabuf), 0);
	assert_int_equal(vm_destroy(fd, dm), 0);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers);
	assert_int_equal(close(fd), 0);
}

/*
 * udmabuf (memfd pages as a dma-buf, on kernels that have it): Linux 6.1's
 * has no kernel mapping, so the soft device, which reaches memory with the
 * CPU, refuses it (-EOPNOTSUPP, nothing left attached); edu, which DMAs,
 * registers it and moves the memfd's bytes.
 */
static void test_udmabuf(void **state)
{
	const size_t len = 4 * PAGE;
	int memfd, ufd, dmabuf, fd, efd, ffd;
	struct udmabuf_create c = { .size = len };
	unsigned char *mem, *ubuf;
	char edu[64], pci[64];
	uint32_t pd, mr, umr;

	ufd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (ufd < 0 && errno == ENOENT)
		skip();
	assert_true(ufd >= 0);
	memfd = memfd_create("dmabuf-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, len), 0);
	assert_int_equal(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	mem = map(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	assert_true(mem != MAP_FAILED);
	vm_fill_pattern(mem, len, 25);
	c.memfd = memfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	dmabuf = ioctl(ufd, UDMABUF_CREATE, &c);
	assert_true(dmabuf >= 0);

	fd = vm_open_device(DEV);
	assert_int_equal(vm_alloc_pd(fd, &pd), 0);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, 0, len, 0, NULL), -EOPNOTSUPP);
	assert_int_equal(reg_dmabuf(fd, pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, NULL),
			 -EOPNOTSUPP);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	assert_int_equal(close(fd), 0);

	if (vm_find_edu(edu, pci)) {
		efd = vm_open_device(edu);
		ffd = vm_open_facet(efd, UACCEL_EDU_DMA_FACET);
		assert_int_equal(vm_alloc_pd(efd, &pd), 0);
		ubuf = map_anon(len);
		assert_int_equal(vm_reg_mr(efd, pd, ubuf, len, UACCEL_MR_ACCESS_WRITE, &umr), 0);
		assert_int_equal(reg_dmabuf(efd, pd, dmabuf, PAGE, 2 * PAGE,
					    UACCEL_MR_ACCESS_WRITE, &mr), 0);
		assert_int_equal(edu_dma(ffd, true, mr, PAGE - 500, 0, 1000), 0);
		assert_int_equal(edu_dma(ffd, false, umr, 0, 0, 1000), 0);
		vm_assert_pattern_at(ubuf, 2 * PAGE - 500, 1000, 25);
		vm_fill_pattern(ubuf, len, 26);
		assert_int_equal(edu_dma(ffd, true, umr, 0, 0, 3000), 0);
		assert_int_equal(edu_dma(ffd, false, mr, 10, 0, 3000), 0);
		assert_pattern(mem + PAGE + 10, 3000, 26);
		assert_pattern(mem, PAGE + 10, 25);
		assert_int_equal(close(ffd), 0);
		assert_int_equal(close(efd), 0);
		unmap(ubuf, len);
	}
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	unmap(mem, len);
	assert_int_equal(close(dmabuf), 0);
	assert_int_equal(close(memfd), 0);
	assert_int_equal(close(ufd), 0);
}

/* ---- Lifetimes ---- */

/*
 * The exporter lets go of everything while the MR exists: vgem's mapping,
 * its handle, its card fd, the dma-buf fd.  The MR still holds the
 * buffer: what the device wrote into it before, it reads back after, and
 * it writes it again.
 */
static void test_exporter_handles_closed(void **state)
{
	const size_t len = 256 * 1024;
	int card = vgem_open(), dmabuf;
	unsigned char *vmap;
	uint32_t h, mr;
	struct rig r;

	rig_open(&r, DEV, len);
	h = vgem_create(card, len);
	vmap = vgem_map(card, h, len);
	dmabuf = vgem_export(card, h, DRM_RDWR);
	assert_true(dmabuf >= 0);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	vm_fill_pattern(vmap, len / 2, 15);
	vm_fill_pattern(r.ubuf, len, 16);
	assert_int_equal(soft_copy(r.facet, r.umr, len / 2, mr, len / 2, len / 2), 0);
	assert_pattern(vmap, len / 2, 15);

	unmap(vmap, len);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	assert_int_equal(close(dmabuf), 0);

	/* What vgem wrote in the first half, what the device wrote in the second. */
	memset(r.ubuf, 0, len);
	assert_int_equal(soft_copy(r.facet, mr, 0, r.umr, 0, len), 0);
	assert_pattern(r.ubuf, len / 2, 15);
	vm_assert_pattern_at(r.ubuf + len / 2, len / 2, len / 2, 16);
	/* And the device writes it and reads it again. */
	vm_fill_pattern(r.ubuf, len, 17);
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, 0, len), 0);
	memset(r.ubuf, 0, len);
	assert_int_equal(soft_copy(r.facet, mr, 0, r.umr, 0, len), 0);
	assert_pattern(r.ubuf, len, 17);
	assert_int_equal(vm_destroy(r.fd, mr), 0);
	rig_close(&r);
}

/*
 * DESTROY of a DM while its dma-buf is open, mapped and registered: the
 * object goes (EXPORT_DM -ENOENT, DESTROY -ENOENT), the buffer stays: the
 * mapping and the MR still share it, a new mapping of the fd sees it,
 * vgem imports it after.
 */
static void test_dm_destroyed_while_exported(void **state)
{
	const size_t len = 4 * PAGE;
	unsigned char *dmap, *dmap2, *vmap;
	int card, dmabuf, vfd;
	uint32_t dm, mr, h;
	struct rig r;

	rig_open(&r, DEV, len);
	dmabuf = new_dm(r.fd, len, &dm);
	dmap = map_dmabuf(dmabuf, len);
	vm_fill_pattern(dmap, len, 18);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);

	assert_int_equal(vm_stat_value("dm"), base_dm + 1);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);
	assert_int_equal(vm_destroy(r.fd, dm), 0);
	assert_int_equal(export_dm(r.fd, dm, 0), -ENOENT);
	assert_int_equal(vm_destroy(r.fd, dm), -ENOENT);
	/* The object went, its buffer stays. */
	assert_int_equal(vm_stat_value("dm"), base_dm);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);

	assert_pattern(dmap, len, 18);
	memset(r.ubuf, 0, len);
	assert_int_equal(soft_copy(r.facet, mr, 0, r.umr, 0, len), 0);
	assert_pattern(r.ubuf, len, 18);
	vm_fill_pattern(r.ubuf, len, 19);
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, 0, len), 0);
	assert_pattern(dmap, len, 19);
	dmap2 = map_dmabuf(dmabuf, len);
	assert_pattern(dmap2, len, 19);
	unmap(dmap2, len);

	/* The MR goes too: the fd alone holds the buffer now. */
	assert_int_equal(vm_destroy(r.fd, mr), 0);
	card = vgem_open();
	h = vgem_import(card, dmabuf);
	vfd = vgem_reexport(card, h, dmabuf);
	vmap = map_dmabuf(vfd, len);
	assert_pattern(vmap, len, 19);
	vmap[5] = 0x42;
	assert_int_equal(dmap[5], 0x42);
	unmap(vmap, len);
	assert_int_equal(close(vfd), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	unmap(dmap, len);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);
	assert_int_equal(close(dmabuf), 0);
	/* Its last reference gone, the buffer is freed. */
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers);
	rig_close(&r);
}

/*
 * Delete soft device @name and assert it is gone within a minute: a
 * removal waiting for the users of a dma-buf would never end.
 */
static void remove_bounded(const char *name)
{
	struct vm_deleter d;
	struct pollfd p;

	vm_deleter_start(&d, name);
	vm_deleter_go(&d);
	p = (struct pollfd){ .fd = d.done, .events = POLLIN };
	if (poll(&p, 1, 60000) != 1)
		fail_msg("the removal of %s did not end within 60 s", name);
	assert_int_equal(vm_deleter_finish(&d), 0);
}

/* A thread copying user memory into a dma-buf MR until a COPY fails. */
struct copier {
	int facet;
	uint32_t src, dst;
	uint64_t len;
	volatile long copies;
	int ret;
	pthread_t t;
};

static void *copier_thread(void *arg)
{
	struct copier *c = arg;

	for (;;) {
		c->ret = soft_copy(c->facet, c->src, 0, c->dst, 0, c->len);
		if (c->ret)
			break;
		__atomic_add_fetch(&c->copies, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Removal of the importing device while a thread copies 16 MiB into a
 * vgem buffer over and over: the copy ends with -ENODEV, every call on the
 * context fails with -ENODEV, the device's attachment to the dma-buf is
 * gone with the device, the MR once the context is closed, and the buffer
 * is vgem's as before (mapped, written, read, imported again).
 */
static void test_importer_removed_during_copy(void **state)
{
	const size_t len = 16UL << 20;
	struct vm_deleter d;
	struct copier c = { 0 };
	struct vm_stats st;
	int card = vgem_open(), dmabuf, att;
	unsigned char *vmap;
	uint32_t h, mr;
	struct rig r;
	double t0;

	vm_soft_fresh(DEV_IMP);
	rig_open(&r, DEV_IMP, len);
	h = vgem_create(card, len);
	vmap = vgem_map(card, h, len);
	memset(vmap, 0, len);
	dmabuf = vgem_export(card, h, DRM_RDWR);
	assert_true(dmabuf >= 0);
	att = dmabuf_attachments(dmabuf);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);
	if (att >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), att + 1);
	vm_fill_pattern(r.ubuf, len, 20);

	vm_deleter_start(&d, DEV_IMP);
	c = (struct copier){ .facet = r.facet, .src = r.umr, .dst = mr, .len = len };
	assert_int_equal(pthread_create(&c.t, NULL, copier_thread, &c), 0);
	t0 = vm_now();
	while (__atomic_load_n(&c.copies, __ATOMIC_ACQUIRE) < 2 && vm_now() - t0 < 60)
		usleep(1000);
	assert_true(c.copies >= 2);
	vm_deleter_go(&d);
	assert_int_equal(vm_deleter_finish(&d), 0);
	assert_int_equal(pthread_join(c.t, NULL), 0);
	assert_int_equal(c.ret, -ENODEV);
	print_message("# %ld copies of 16 MiB before the removal\n", c.copies);
	/* The removed device let go of the dma-buf, before the context is closed. */
	if (att >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), att);

	/* The context is dead; the buffer keeps what the copies wrote. */
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, 0, 1), -ENODEV);
	assert_int_equal(vm_destroy(r.fd, mr), -ENODEV);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, 0, NULL), -ENODEV);
	assert_int_equal(alloc_dm(r.fd, PAGE, NULL), -ENODEV);
	rig_close(&r);
	vm_read_stats(&st);
	assert_int_equal(st.mr, base.mr);
	assert_int_equal(st.pinned_pages, base.pinned_pages);
	assert_int_equal(st.contexts, base.contexts);
	if (att >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), att);
	/* Two whole copies were done before the removal. */
	assert_pattern(vmap, len, 20);
	vm_fill_pattern(vmap, len, 21);
	assert_pattern(vmap, len, 21);

	/* Another device imports it now. */
	rig_open(&r, DEV, PAGE);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, len - PAGE, PAGE, 0, &mr), 0);
	assert_int_equal(soft_copy(r.facet, mr, 0, r.umr, 0, PAGE), 0);
	assert_memory_equal(r.ubuf, vmap + len - PAGE, PAGE);
	rig_close(&r);

	unmap(vmap, len);
	assert_int_equal(close(dmabuf), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
}

/*
 * Removal of the exporting device while its DM is mapped through the
 * dma-buf, imported by vgem (and mapped through vgem's export of its
 * handle) and registered on another soft device: the exporter's context
 * gets -ENODEV; the memory stays, with vgem's and the other device's
 * attachments: both mappings read what was there and see each other's
 * writes, the other device's MR reads and writes it; everything goes
 * when let go.
 */
static void test_exporter_removed_under_mappings(void **state)
{
	const size_t len = 8 * PAGE;
	int efd, card, dmabuf, vfd, named;
	unsigned char *dmap, *vmap;
	uint32_t dm, h, mr;
	struct rig r;

	vm_soft_fresh(DEV_EXP);
	efd = vm_open_device(DEV_EXP);
	dmabuf = new_dm(efd, len, &dm);
	dmap = map_dmabuf(dmabuf, len);
	vm_fill_pattern(dmap, len, 22);
	card = vgem_open();
	h = vgem_import(card, dmabuf);
	vfd = vgem_reexport(card, h, dmabuf);
	vmap = map_dmabuf(vfd, len);
	rig_open(&r, DEV, len);
	assert_int_equal(reg_dmabuf(r.fd, r.pd, dmabuf, 0, len, UACCEL_MR_ACCESS_WRITE, &mr), 0);

	remove_bounded(DEV_EXP);
	if (dmabuf_attached(dmabuf, "vgem", &named) >= 0) {
		assert_int_equal(dmabuf_attachments(dmabuf), 2);
		assert_int_equal(named, 1);
	}
	/* The removal destroyed the object; the buffer stays. */
	assert_int_equal(vm_stat_value("dm"), base_dm);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);
	assert_int_equal(export_dm(efd, dm, 0), -ENODEV);
	assert_int_equal(alloc_dm(efd, PAGE, NULL), -ENODEV);
	assert_int_equal(vm_destroy(efd, dm), -ENODEV);
	assert_int_equal(close(efd), 0);

	assert_pattern(dmap, len, 22);
	assert_pattern(vmap, len, 22);
	memset(r.ubuf, 0, len);
	assert_int_equal(soft_copy(r.facet, mr, 0, r.umr, 0, len), 0);
	assert_pattern(r.ubuf, len, 22);
	vm_fill_pattern(r.ubuf, len, 23);
	assert_int_equal(soft_copy(r.facet, r.umr, 0, mr, 0, len), 0);
	assert_pattern(dmap, len, 23);
	assert_pattern(vmap, len, 23);
	vm_fill_pattern(vmap, PAGE, 24);
	assert_pattern(dmap, PAGE, 24);
	dmap[len - 1] = 0x77;
	assert_int_equal(vmap[len - 1], 0x77);

	assert_int_equal(vm_destroy(r.fd, mr), 0);
	rig_close(&r);
	unmap(vmap, len);
	assert_int_equal(close(vfd), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
	if (dmabuf_attachments(dmabuf) >= 0)
		assert_int_equal(dmabuf_attachments(dmabuf), 0);
	assert_pattern(dmap, PAGE, 24);
	unmap(dmap, len);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers + 1);
	assert_int_equal(close(dmabuf), 0);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers);
}

/* ---- RLIMIT_MEMLOCK ---- */

/*
 * ALLOC_DM is charged to the caller's locked memory: user nobody with a
 * 64 KiB RLIMIT_MEMLOCK gets 32 KiB and 32 KiB more, not 1 MiB nor 48 KiB
 * or 32 KiB and a byte more (-ENOMEM);
 * the charge stays while the dma-buf of a destroyed DM is open and goes
 * when it is closed.  A dma-buf MR is not charged: the same user
 * registers a 1 MiB vgem buffer.
 */
static void test_alloc_dm_memlock(void **state)
{
	const size_t vlen = 1 << 20;
	int card = vgem_open(), vbuf;
	char node[256];
	uint32_t h;
	pid_t pid;

	h = vgem_create(card, vlen);
	vbuf = vgem_export(card, h, DRM_RDWR);
	assert_true(vbuf >= 0);
	vm_device_node(DEV, node, sizeof(node));
	pid = vm_fork();
	if (!pid) {
		int fd = open(node, O_RDWR | O_CLOEXEC), dmabuf;
		uint32_t pd, dm, dm2, mr;

		vm_child_check(fd >= 0);
		vm_limit_memlock(64 * 1024);
		vm_drop_ipc_lock();
		vm_become_user(NOBODY);
		vm_child_check(!vm_alloc_pd(fd, &pd));
		vm_child_check(alloc_dm(fd, 1 << 20, NULL) == -ENOMEM);
		vm_child_check(!alloc_dm(fd, 32 * 1024, &dm));
		vm_child_check(alloc_dm(fd, 48 * 1024, NULL) == -ENOMEM);
		/* Rounded up to pages: 32 KiB + 1 byte is 36 KiB, over the limit. */
		vm_child_check(alloc_dm(fd, 32 * 1024 + 1, NULL) == -ENOMEM);
		vm_child_check(!alloc_dm(fd, 32 * 1024, &dm2));
		vm_child_check(!vm_destroy(fd, dm2));
		dmabuf = export_dm(fd, dm, UACCEL_DMABUF_CLOEXEC);
		vm_child_check(dmabuf >= 0);
		vm_child_check(!vm_destroy(fd, dm));
		vm_child_check(alloc_dm(fd, 48 * 1024, NULL) == -ENOMEM);
		vm_child_check(!close(dmabuf));
		vm_child_check(!alloc_dm(fd, 48 * 1024, &dm));
		vm_child_check(!vm_destroy(fd, dm));
		/* The exporter's memory is not this user's to charge. */
		vm_child_check(!reg_dmabuf(fd, pd, vbuf, 0, vlen, UACCEL_MR_ACCESS_WRITE, &mr));
		vm_child_check(!alloc_dm(fd, 64 * 1024, &dm));
		vm_child_check(!vm_destroy(fd, mr));
		vm_child_check(!vm_destroy(fd, dm));
		_exit(0);
	}
	vm_wait_ok(pid);
	assert_int_equal(close(vbuf), 0);
	vgem_close(card, h);
	assert_int_equal(close(card), 0);
}

/*
 * vgem: loaded here when the suite did not (a module on the stock kernel).
 * The DM counters, which struct vm_stats does not have.
 */
static int setup(void **state)
{
	int fd;

	if (access("/sys/devices/platform/vgem", F_OK))
		vm_run("modprobe -q vgem");
	base_dm = vm_stat_value("dm");
	base_dm_buffers = vm_stat_value("dm_buffers");
	assert_true(base_dm >= 0 && base_dm_buffers >= 0);
	/* One command first: with VM_IOCTL_PATH=uring, its ring is the program's. */
	fd = vm_open_device(DEV);
	query_caps(fd);
	close(fd);
	note_fds();
	return 0;
}

/*
 * After each test: what a failed one left is released, then every counter
 * must be back, DM objects and buffers too.
 */
static int check_clean(void **state)
{
	release_leftovers();
	assert_int_equal(vm_stat_value("dm"), base_dm);
	assert_int_equal(vm_stat_value("dm_buffers"), base_dm_buffers);
	return vm_check_clean(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_caps_and_size_rules, check_clean),
		cmocka_unit_test_teardown(test_vgem_export_soft_copy, check_clean),
		cmocka_unit_test_teardown(test_vgem_export_queue_wrs, check_clean),
		cmocka_unit_test_teardown(test_vgem_export_cipher, check_clean),
		cmocka_unit_test_teardown(test_dm_export_vgem_import, check_clean),
		cmocka_unit_test_teardown(test_edu_imports_dm, check_clean),
		cmocka_unit_test_teardown(test_bad_input, check_clean),
		cmocka_unit_test_teardown(test_unwritable_reply_and_emfile, check_clean),
		cmocka_unit_test_teardown(test_udmabuf, check_clean),
		cmocka_unit_test_teardown(test_exporter_handles_closed, check_clean),
		cmocka_unit_test_teardown(test_dm_destroyed_while_exported, check_clean),
		cmocka_unit_test_teardown(test_importer_removed_during_copy, check_clean),
		cmocka_unit_test_teardown(test_exporter_removed_under_mappings, check_clean),
		cmocka_unit_test_teardown(test_alloc_dm_memlock, check_clean),
	};

	return vm_run_tests_with("vm_dmabuf", tests, setup, NULL, &base, DEV);
}
