// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Scale: C contexts with O objects each (a third PDs, a third 4 KiB MRs, a
 * third 64-entry CQs) on a soft device added for the test; then the device
 * is deleted through sysfs while everything is open.  Reports the time to
 * create it all, the time of the removal (which destroys every object and
 * zaps every ring mapping), the time to close the files afterwards, and the
 * kernel memory per context and per object from /proc/slabinfo (bytes of
 * live slab objects) and /proc/meminfo (VmallocUsed: the CQ rings).
 */
#include <accel/accel.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define SOFT_SYSFS "/sys/bus/platform/drivers/uaccel_soft/"
#define SCALE_DEV "benchscale"

struct scale_ctx {
	struct accel_context *ctx;
	struct accel_pd **pd;
	struct accel_mr **mr;
	struct accel_cq **cq;
};

static int sysfs_write(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Bytes of live slab objects of every cache. */
static double slab_bytes(void)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[128];
	unsigned long active, num, size;
	double total = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &num, &size) == 4)
			total += (double)active * size;
	fclose(f);
	return total;
}

static double meminfo_bytes(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t len = strlen(key);
	double kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = atof(line + len + 1);
	fclose(f);
	return kb * 1024;
}

static struct accel_device *find_device(struct accel_device **list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(accel_device_name(*list), name))
			return *list;
	return NULL;
}

static int scale_run(int nctx, int nobj, char *page)
{
	int npd = nobj - 2 * (nobj / 3), nmr = nobj / 3, ncq = nobj / 3;
	double s[5], t_open, t_pd, t_mr, t_cq, t_remove, t_close, t0, vm0, vm1;
	struct accel_device **list = NULL;
	struct accel_device *dev;
	struct scale_ctx *c;
	int i, j, ret = -1;

	c = calloc(nctx, sizeof(*c));
	BENCH_CHECK(c, "out of memory");
	for (i = 0; i < nctx; i++) {
		c[i].pd = calloc(npd, sizeof(*c[i].pd));
		c[i].mr = calloc(nmr, sizeof(*c[i].mr));
		c[i].cq = calloc(ncq, sizeof(*c[i].cq));
		BENCH_CHECK(c[i].pd && c[i].mr && c[i].cq, "out of memory");
	}
	ret = sysfs_write(SOFT_SYSFS "new_device", SCALE_DEV);
	BENCH_CHECK(!ret, "new_device: %s", strerror(-ret));
	list = accel_get_device_list(NULL);
	dev = list ? find_device(list, SCALE_DEV) : NULL;
	BENCH_CHECK(dev, "no device %s after new_device", SCALE_DEV);

	vm0 = meminfo_bytes("VmallocUsed");
	s[0] = slab_bytes();
	t0 = bench_now_ns();
	for (i = 0; i < nctx; i++) {
		c[i].ctx = accel_open_device(dev);
		BENCH_CHECK(c[i].ctx, "open context %d: %s", i, strerror(errno));
	}
	t_open = bench_now_ns() - t0;
	s[1] = slab_bytes();
	t0 = bench_now_ns();
	for (i = 0; i < nctx; i++)
		for (j = 0; j < npd; j++) {
			c[i].pd[j] = accel_alloc_pd(c[i].ctx);
			BENCH_CHECK(c[i].pd[j], "ALLOC_PD: %s", strerror(errno));
		}
	t_pd = bench_now_ns() - t0;
	s[2] = slab_bytes();
	t0 = bench_now_ns();
	for (i = 0; i < nctx; i++)
		for (j = 0; j < nmr; j++) {
			/* Each MR on its own page, each on its context's PD j. */
			c[i].mr[j] = accel_reg_mr(c[i].pd[j], page + (size_t)j * 4096,
						  4096, ACCEL_ACCESS_WRITE);
			BENCH_CHECK(c[i].mr[j], "REG_MR: %s", strerror(errno));
		}
	t_mr = bench_now_ns() - t0;
	s[3] = slab_bytes();
	t0 = bench_now_ns();
	for (i = 0; i < nctx; i++)
		for (j = 0; j < ncq; j++) {
			c[i].cq[j] = accel_create_cq(c[i].ctx, 64, -1);
			BENCH_CHECK(c[i].cq[j], "CREATE_CQ: %s", strerror(errno));
		}
	t_cq = bench_now_ns() - t0;
	s[4] = slab_bytes();
	vm1 = meminfo_bytes("VmallocUsed");

	t0 = bench_now_ns();
	ret = sysfs_write(SOFT_SYSFS "delete_device", SCALE_DEV);
	t_remove = bench_now_ns() - t0;
	BENCH_CHECK(!ret, "delete_device: %s", strerror(-ret));

	t0 = bench_now_ns();
	for (i = 0; i < nctx; i++) {
		for (j = 0; j < ncq; j++)
			accel_destroy_cq(c[i].cq[j]);
		for (j = 0; j < nmr; j++)
			accel_dereg_mr(c[i].mr[j]);
		for (j = 0; j < npd; j++)
			accel_dealloc_pd(c[i].pd[j]);
		accel_close_device(c[i].ctx);
		free(c[i].pd);
		free(c[i].mr);
		free(c[i].cq);
	}
	t_close = bench_now_ns() - t0;
	free(c);
	accel_free_device_list(list);

	jl_begin("scale");
	jl_num("contexts", nctx);
	jl_num("objects_per_context", nobj);
	jl_num("pds", (double)nctx * npd);
	jl_num("mrs", (double)nctx * nmr);
	jl_num("cqs", (double)nctx * ncq);
	jl_num("create_s", (t_open + t_pd + t_mr + t_cq) / 1e9);
	jl_num("open_s", t_open / 1e9);
	jl_num("pd_s", t_pd / 1e9);
	jl_num("mr_s", t_mr / 1e9);
	jl_num("cq_s", t_cq / 1e9);
	jl_num("remove_s", t_remove / 1e9);
	jl_num("close_s", t_close / 1e9);
	jl_num("slab_per_context", (s[1] - s[0]) / nctx);
	jl_num("slab_per_pd", (s[2] - s[1]) / ((double)nctx * npd));
	jl_num("slab_per_mr", (s[3] - s[2]) / ((double)nctx * nmr));
	jl_num("slab_per_cq", (s[4] - s[3]) / ((double)nctx * ncq));
	jl_num("slab_per_object", (s[4] - s[1]) / ((double)nctx * nobj));
	jl_num("vmalloc_per_cq", (vm1 - vm0) / ((double)nctx * ncq));
	jl_end();
	fprintf(stderr, "uaccel-bench: scale %d x %d: create %.3f s, remove %.3f s, close %.3f s, %.0f slab bytes/object\n",
		nctx, nobj, (t_open + t_pd + t_mr + t_cq) / 1e9, t_remove / 1e9,
		t_close / 1e9, (s[4] - s[1]) / ((double)nctx * nobj));
	return 0;
}

int bench_scale(void)
{
	struct rlimit nofile = { cfg.scale_contexts + 256, cfg.scale_contexts + 256 };
	struct rlimit memlock = { RLIM_INFINITY, RLIM_INFINITY };
	struct rlimit old;
	size_t pages = cfg.scale_objects / 3 + 1;
	char *page;
	int r, ret = 0;

	getrlimit(RLIMIT_NOFILE, &old);
	if (old.rlim_cur < nofile.rlim_cur)
		BENCH_CHECK(!setrlimit(RLIMIT_NOFILE, &nofile), "RLIMIT_NOFILE %lu: %s",
			    (unsigned long)nofile.rlim_cur, strerror(errno));
	/* Root bypasses the limit with CAP_IPC_LOCK; raise it for the rest. */
	setrlimit(RLIMIT_MEMLOCK, &memlock);
	page = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	BENCH_CHECK(page != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(page, 1, pages * 4096);
	for (r = 0; r < cfg.scale_repeats && !ret; r++)
		ret = scale_run(cfg.scale_contexts, cfg.scale_objects, page);
	munmap(page, pages * 4096);
	return ret;
}
