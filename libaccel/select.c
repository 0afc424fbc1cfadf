// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Facet-first device selection: which device serves a facet request best,
 * decided from sysfs alone (no device is opened to rank it), and opening
 * it.  The rules, in order (docs/design.md, "Selecting a device"):
 *
 *  1. left out: devices ACCEL_DEVICES excludes, that serve no request in
 *     an acceptable version (the sysfs "facets" list), whose node the
 *     caller may not open, or that are held exclusively ("exclusive" 1
 *     and "contexts" 1 or more);
 *  2. hardware before software (the soft driver's devices), unless the
 *     hints ask for software first or for either;
 *  3. the smallest NUMA distance between the wanted node (the calling
 *     thread's CPU's, or the hints') and the device's, by the kernel's
 *     table /sys/devices/system/node/nodeN/distance; unknown after known;
 *  4. the fewest open contexts ("contexts"); unknown after known;
 *  5. the lowest device index, so that equal devices always rank alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* Nodes whose distance is looked up; higher node numbers are unknown. */
#define MAX_NODES 1024

/* The first version of struct accel_select_attr. */
#define SELECT_ATTR_V1_SIZE 16
/* The first version of struct accel_selection. */
#define SELECTION_V1_SIZE (ACCEL_NAME_MAX + 16)

#define SELECT_FLAGS (ACCEL_SELECT_PREFER_SOFTWARE | ACCEL_SELECT_ANY_KIND | \
		      ACCEL_SELECT_NUMA_NODE)

/* A candidate with its sort keys. */
struct ranked {
	struct accel_candidate c;
	int kind;		/* 0 preferred kind, 1 the other */
	unsigned int minor;
};

static int copy_attr(const struct accel_select_attr *attr, size_t attr_size,
		     struct accel_select_attr *a)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	if (!attr)
		return 0;
	if (attr_size < SELECT_ATTR_V1_SIZE)
		return -EINVAL;
	/* A newer caller's fields this library does not know must be zero. */
	for (i = sizeof(*a); i < attr_size; i++)
		if (((const unsigned char *)attr)[i])
			return -E2BIG;
	memcpy(a, attr, sizeof(*a));
	if (a->flags & ~SELECT_FLAGS || a->reserved ||
	    a->facet_flags & ~ACCEL_FACET_CLOEXEC ||
	    (a->flags & ACCEL_SELECT_PREFER_SOFTWARE && a->flags & ACCEL_SELECT_ANY_KIND) ||
	    (a->flags & ACCEL_SELECT_NUMA_NODE ? a->numa_node < 0 : a->numa_node != 0))
		return -EINVAL;
	return 0;
}

static int check_reqs(const struct accel_facet_req *reqs, int nreqs)
{
	int i;

	if (!reqs || nreqs < 1)
		return -EINVAL;
	for (i = 0; i < nreqs; i++)
		if (!reqs[i].name || !reqs[i].name[0] ||
		    strlen(reqs[i].name) >= ACCEL_NAME_MAX ||
		    !reqs[i].min_version || reqs[i].min_version > reqs[i].max_version)
			return -EINVAL;
	return 0;
}

/*
 * Whether ACCEL_DEVICES leaves device @name out: a "!pattern" matching it,
 * or patterns without "!" none of which matches it.  @pats is the value
 * with each comma made a NUL, @len its length: a pattern of any length
 * counts, none is cut or skipped.
 */
static bool env_excludes(const char *pats, size_t len, const char *name)
{
	bool pinned = false, pin_matched = false;
	const char *p;

	for (p = pats; p < pats + len; p += strlen(p) + 1) {
		if (!*p)
			continue;
		if (*p == '!') {
			if (!fnmatch(p + 1, name, 0))
				return true;
		} else {
			pinned = true;
			if (!fnmatch(p, name, 0))
				pin_matched = true;
		}
	}
	return pinned && !pin_matched;
}

/* The node of the CPU the calling thread runs on, or -1. */
static int current_node(void)
{
	unsigned int cpu, node;

	if (syscall(SYS_getcpu, &cpu, &node, NULL))
		return -1;
	return node < MAX_NODES ? (int)node : -1;
}

/*
 * dist[n] = the kernel's distance from node @from to node n, -1 where
 * unknown.  nodeN/distance lists the distances to the online nodes in
 * the order of node/online.
 */
static void read_distances(int from, int *dist)
{
	char dir[PATH_MAX], buf[8192], online[4096];
	int ids[MAX_NODES], nids = 0, i;
	char *p, *end;

	for (i = 0; i < MAX_NODES; i++)
		dist[i] = -1;
	if (from < 0 ||
	    snprintf(dir, sizeof(dir), "%s/devices/system/node", accel_sysfs_root()) >=
	    (int)sizeof(dir) ||
	    accel_read_attr(dir, "online", online, sizeof(online)))
		return;
	/* "0-3,5": the online nodes, ascending. */
	for (p = online; *p && nids < MAX_NODES;) {
		long lo, hi;

		lo = strtol(p, &end, 10);
		if (end == p || lo < 0)
			return;
		hi = lo;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo)
				return;
			p = end;
		}
		/* Ascending: the nodes from here on are all beyond the table. */
		if (lo >= MAX_NODES)
			break;
		if (hi >= MAX_NODES)
			hi = MAX_NODES - 1;
		for (; lo <= hi && nids < MAX_NODES; lo++)
			ids[nids++] = (int)lo;
		if (*p == ',')
			p++;
		else if (*p)
			return;
	}
	if (snprintf(dir, sizeof(dir), "%s/devices/system/node/node%d",
		     accel_sysfs_root(), from) >= (int)sizeof(dir) ||
	    accel_read_attr(dir, "distance", buf, sizeof(buf)))
		return;
	for (p = buf, i = 0; i < nids; i++) {
		long d = strtol(p, &end, 10);

		if (end == p || d < 0 || d > INT32_MAX)
			break;
		if (ids[i] < MAX_NODES)
			dist[ids[i]] = (int)d;
		p = end;
	}
}

/* A sysfs attribute of a device as a number of 0 or more; -1 if unreadable. */
static long long device_number(const struct accel_device *dev, const char *attr)
{
	char dir[PATH_MAX], buf[64], *end;
	long long v;

	if (snprintf(dir, sizeof(dir), "%s/class/uaccel/%s", accel_sysfs_root(),
		     dev->name) >= (int)sizeof(dir) ||
	    accel_read_attr(dir, attr, buf, sizeof(buf)))
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end || v < 0 || v > INT32_MAX)
		return -1;
	return v;
}

/* The first request @dev serves in an acceptable version (sysfs). */
static void match_facet(const struct accel_device *dev,
			const struct accel_facet_req *reqs, int nreqs,
			struct accel_candidate *c)
{
	bool named = false;
	int i, j;

	for (i = 0; i < nreqs; i++) {
		for (j = 0; j < dev->num_facets; j++) {
			const struct accel_facet_desc *f = &dev->facets[j];
			uint32_t lo, hi;

			if (strcmp(f->name, reqs[i].name))
				continue;
			named = true;
			lo = f->min_version > reqs[i].min_version ?
			     f->min_version : reqs[i].min_version;
			hi = f->max_version < reqs[i].max_version ?
			     f->max_version : reqs[i].max_version;
			if (lo <= hi) {
				c->matched = i;
				c->version = hi;
				return;
			}
		}
	}
	c->status = named ? ACCEL_CANDIDATE_NO_VERSION : ACCEL_CANDIDATE_NO_FACET;
}

static void assess(const struct accel_device *dev, const struct accel_facet_req *reqs,
		   int nreqs, const char *pats, size_t pats_len, const int *dist,
		   int from, struct accel_candidate *c)
{
	memset(c, 0, sizeof(*c));
	c->device = dev;
	c->matched = -1;
	c->distance = -1;
	c->contexts = (int32_t)device_number(dev, "contexts");
	if (!strcmp(dev->driver, "soft"))
		c->flags |= ACCEL_CANDIDATE_SOFTWARE;
	if (from >= 0 && dev->numa_node >= 0 && dev->numa_node < MAX_NODES)
		c->distance = dist[dev->numa_node];

	if (pats && env_excludes(pats, pats_len, dev->name)) {
		c->status = ACCEL_CANDIDATE_EXCLUDED;
		return;
	}
	match_facet(dev, reqs, nreqs, c);
	if (c->status)
		return;
	if (faccessat(AT_FDCWD, dev->node, R_OK | W_OK, AT_EACCESS)) {
		c->status = ACCEL_CANDIDATE_NO_ACCESS;
		return;
	}
	if (device_number(dev, "exclusive") == 1 && c->contexts >= 1)
		c->status = ACCEL_CANDIDATE_HELD;
}

/* Unknown (-1) after every known value, smaller known values first. */
static int cmp_known(int a, int b)
{
	if (a < 0 || b < 0)
		return (a < 0) - (b < 0);
	return (a > b) - (a < b);
}

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	int r;

	if (a->kind != b->kind)
		return a->kind - b->kind;
	r = cmp_known(a->c.distance, b->c.distance);
	if (!r)
		r = cmp_known(a->c.contexts, b->c.contexts);
	if (!r)
		r = (a->minor > b->minor) - (a->minor < b->minor);
	return r;
}

static int rank(struct accel_device **list, const struct accel_facet_req *reqs,
		int nreqs, const struct accel_select_attr *a,
		struct accel_candidate *out, int max)
{
	const char *spec = secure_getenv("ACCEL_DEVICES");
	int n, i, ok = 0, from;
	char *pats = NULL, *p;
	size_t pats_len = 0;
	struct ranked *r;
	int *dist;

	for (n = 0; list[n]; n++)
		;
	if (max < n)
		return -ENOSPC;
	if (spec) {
		pats = strdup(spec);
		if (!pats)
			return -ENOMEM;
		pats_len = strlen(pats);
		for (p = strchr(pats, ','); p; p = strchr(p + 1, ','))
			*p = '\0';
	}
	r = calloc(n ? n : 1, sizeof(*r));
	dist = malloc(MAX_NODES * sizeof(*dist));
	if (!r || !dist) {
		free(r);
		free(dist);
		free(pats);
		return -ENOMEM;
	}
	from = a->flags & ACCEL_SELECT_NUMA_NODE ? a->numa_node : current_node();
	if (from >= MAX_NODES)
		from = -1;
	read_distances(from, dist);

	for (i = 0; i < n; i++) {
		struct ranked *x = &r[i];

		assess(list[i], reqs, nreqs, pats, pats_len, dist, from, &x->c);
		x->minor = list[i]->minor;
		if (!(a->flags & ACCEL_SELECT_ANY_KIND))
			x->kind = !(x->c.flags & ACCEL_CANDIDATE_SOFTWARE) ==
				  !!(a->flags & ACCEL_SELECT_PREFER_SOFTWARE);
		/* The others after them, in the order of the list. */
		if (x->c.status != ACCEL_CANDIDATE_OK)
			out[n - 1 - (i - ok)] = x->c;
		else
			r[ok++] = *x;
	}
	/* Reverse the others back into the order of the list. */
	for (i = 0; i < (n - ok) / 2; i++) {
		struct accel_candidate t = out[ok + i];

		out[ok + i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	qsort(r, ok, sizeof(*r), cmp_ranked);
	for (i = 0; i < ok; i++)
		out[i] = r[i].c;
	free(r);
	free(dist);
	free(pats);
	return ok;
}

ACCEL_EXPORT int accel_rank_devices(struct accel_device **list,
				    const struct accel_facet_req *reqs, int nreqs,
				    const struct accel_select_attr *attr,
				    size_t attr_size, struct accel_candidate *out,
				    int max)
{
	struct accel_select_attr a;
	int ret;

	if (!list || (!out && max) || max < 0)
		return -EINVAL;
	ret = check_reqs(reqs, nreqs);
	if (!ret)
		ret = copy_attr(attr, attr_size, &a);
	if (ret)
		return ret;
	return rank(list, reqs, nreqs, &a, out, max);
}

static const char *status_words(uint32_t status)
{
	switch (status) {
	case ACCEL_CANDIDATE_EXCLUDED:
		return "is left out by ACCEL_DEVICES";
	case ACCEL_CANDIDATE_NO_FACET:
		return "serves none of them";
	case ACCEL_CANDIDATE_NO_VERSION:
		return "serves them in no requested version";
	case ACCEL_CANDIDATE_NO_ACCESS:
		return "is not accessible";
	case ACCEL_CANDIDATE_HELD:
		return "is held exclusively";
	default:
		return "can be selected";
	}
}

/*
 * Why nothing could be selected, for accel_error_message(): each device
 * and why, those ACCEL_DEVICES leaves out only counted.  When the devices
 * do not all fit, the list ends with "..." and the count still follows.
 */
static void explain_none(const struct accel_facet_req *reqs, int nreqs,
			 const struct accel_candidate *c, int n)
{
	int i, shown = 0, excluded = 0;
	char msg[ACCEL_ERROR_MAX], tail[64] = "", item[ACCEL_NAME_MAX + 64];
	size_t len, room, k;

	for (i = 0; i < n; i++)
		excluded += c[i].status == ACCEL_CANDIDATE_EXCLUDED;
	len = snprintf(msg, sizeof(msg), "no device to select for %s", reqs[0].name);
	for (i = 1; i < nreqs && len < sizeof(msg); i++)
		len += snprintf(msg + len, sizeof(msg) - len, " or %s", reqs[i].name);
	if (len >= sizeof(msg)) {
		accel_set_error("%s", msg);
		return;
	}
	if (!n) {
		accel_set_error("%s: no accelerator is listed", msg);
		return;
	}
	if (excluded)
		snprintf(tail, sizeof(tail), "%s%d left out by ACCEL_DEVICES",
			 excluded < n ? "; " : ": ", excluded);
	/* Room for the list, its "..." and the count. */
	room = sizeof(msg) - strlen(tail) - sizeof(", ...");
	for (i = 0; i < n; i++) {
		if (c[i].status == ACCEL_CANDIDATE_EXCLUDED)
			continue;
		k = snprintf(item, sizeof(item), "%s %s %s", shown ? "," : ":",
			     c[i].device->name, status_words(c[i].status));
		if (len + k >= room) {
			len += snprintf(msg + len, sizeof(msg) - len, "%s ...",
					shown ? "," : ":");
			break;
		}
		memcpy(msg + len, item, k + 1);
		len += k;
		shown++;
	}
	accel_set_error("%s%s", msg, tail);
}

ACCEL_EXPORT struct accel_context *
accel_select_device(const struct accel_facet_req *reqs, int nreqs,
		    const struct accel_select_attr *attr, size_t attr_size,
		    struct accel_selection *sel, size_t sel_size)
{
	char first_msg[ACCEL_ERROR_MAX] = "";
	struct accel_candidate *c = NULL;
	struct accel_context *ctx = NULL;
	struct accel_device **list = NULL;
	struct accel_select_attr a;
	int ret, n, i, first_err = 0;

	if (!sel || sel_size < SELECTION_V1_SIZE) {
		ret = -EINVAL;
		goto out;
	}
	ret = check_reqs(reqs, nreqs);
	if (!ret)
		ret = copy_attr(attr, attr_size, &a);
	if (ret)
		goto out;
	list = accel_get_device_list(&n);
	if (!list) {
		ret = -errno;
		accel_set_error("cannot list the accelerators: %s", strerror(-ret));
		goto out;
	}
	c = calloc(n ? n : 1, sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	ret = rank(list, reqs, nreqs, &a, c, n);
	if (ret < 0)
		goto out;
	if (!ret) {
		explain_none(reqs, nreqs, c, n);
		ret = -ENODEV;
		goto out;
	}
	for (i = 0; i < ret; i++) {
		int fd, matched;
		uint32_t version;

		ctx = accel_open_device(c[i].device);
		if (ctx) {
			fd = accel_get_facet(ctx, reqs, nreqs, a.facet_flags,
					     &matched, &version);
			if (fd >= 0) {
				memset(sel, 0, sel_size);
				snprintf(sel->device, sizeof(sel->device), "%s",
					 c[i].device->name);
				sel->facet_fd = fd;
				sel->matched = matched;
				sel->version = version;
				accel_dbg("selected %s, facet %s version %u\n",
					  sel->device, reqs[matched].name, version);
				goto out;
			}
			accel_close_device(ctx);
			ctx = NULL;
			errno = -fd;
		}
		/* Before logging, which may change errno. */
		if (!first_err) {
			first_err = errno;
			snprintf(first_msg, sizeof(first_msg), "%s", accel_error_message());
		}
		accel_dbg("%s not selected: %s\n", c[i].device->name,
			  accel_error_message());
	}
	/* The best device's failure says most. */
	accel_set_error("%s", first_msg);
	ret = -first_err;
out:
	free(c);
	accel_free_device_list(list);
	if (!ctx)
		errno = -ret;
	return ctx;
}
