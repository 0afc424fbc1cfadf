// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm_holder: hold resources on a device for the tests and the demo of the
 * accel tool (accel res): one context, one PD, N MRs of SIZE bytes each
 * (page-aligned, read-write), one CQ and one queue of 64 entries, and one
 * file of the facet factorial.uaccel; then print one line
 *
 *   ready pid PID mrs ID,ID,... cq CQ queue Q facet VERSION
 *
 * and wait until standard input reaches end of file (or SIGTERM), then
 * release everything and exit 0.
 *
 * usage: vm_holder DEVICE N SIZE
 */
#include <accel/accel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static int die(const char *what)
{
	fprintf(stderr, "vm_holder: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static const struct accel_facet_req req = { "factorial.uaccel", 1, 1 };
	struct accel_context *ctx;
	struct accel_queue *q;
	struct accel_mr **mrs;
	struct accel_pd *pd;
	struct accel_cq *cq;
	unsigned long n, size, i;
	uint32_t version;
	char buf[64];
	char *mem;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: vm_holder DEVICE N SIZE\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	size = strtoul(argv[3], NULL, 10);
	if (!n || n > 1024 || !size || size > (64UL << 20)) {
		fprintf(stderr, "vm_holder: N is 1 to 1024, SIZE 1 to 64 MiB\n");
		return 2;
	}
	ctx = accel_open_device_by_name(argv[1]);
	if (!ctx)
		return die(argv[1]);
	pd = accel_alloc_pd(ctx);
	if (!pd)
		return die("alloc_pd");
	mrs = calloc(n, sizeof(*mrs));
	mem = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!mrs || mem == MAP_FAILED)
		return die("memory");
	/* Each MR starts a page of its own: its pinned bytes are exact. */
	for (i = 0; i < n; i++) {
		mrs[i] = accel_reg_mr(pd, mem + i * size, size, ACCEL_ACCESS_WRITE);
		if (!mrs[i])
			return die("reg_mr");
	}
	cq = accel_create_cq(ctx, 64, -1);
	if (!cq)
		return die("create_cq");
	q = accel_create_queue(pd, cq, 64);
	if (!q)
		return die("create_queue");
	fd = accel_get_facet(ctx, &req, 1, ACCEL_FACET_CLOEXEC, NULL, &version);
	if (fd < 0) {
		errno = -fd;
		return die("get_facet");
	}
	printf("ready pid %d mrs", (int)getpid());
	for (i = 0; i < n; i++)
		printf("%s%u", i ? "," : " ", accel_mr_id(mrs[i]));
	printf(" cq %u queue %u facet %u\n", accel_cq_id(cq), accel_queue_id(q), version);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	close(fd);
	accel_destroy_queue(q);
	accel_destroy_cq(cq);
	for (i = 0; i < n; i++)
		accel_dereg_mr(mrs[i]);
	accel_dealloc_pd(pd);
	accel_close_device(ctx);
	munmap(mem, n * size);
	free(mrs);
	return 0;
}
