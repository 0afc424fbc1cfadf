// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel core: /sys/kernel/debug/uaccel/stats, live object counters of all
 * devices, so tests can check that everything is freed.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "uaccel_core.h"

atomic64_t uaccel_stats[UACCEL_NR_STATS];

static const char *const uaccel_stat_names[UACCEL_NR_STATS] = {
	[UACCEL_STAT_CONTEXTS] = "contexts",
	[UACCEL_STAT_FACET_FILES] = "facet_files",
	[UACCEL_STAT_PD] = "pd",
	[UACCEL_STAT_MR] = "mr",
	[UACCEL_STAT_CQ] = "cq",
	[UACCEL_STAT_QUEUE] = "queue",
	[UACCEL_STAT_PINNED_PAGES] = "pinned_pages",
	[UACCEL_STAT_DM] = "dm",
	[UACCEL_STAT_DM_BUFFERS] = "dm_buffers",
};

static struct dentry *uaccel_debugfs_dir;

static int uaccel_stats_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < UACCEL_NR_STATS; i++)
		seq_printf(m, "%s %lld\n", uaccel_stat_names[i],
			   (long long)atomic64_read(&uaccel_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uaccel_stats);

void uaccel_debugfs_init(void)
{
	uaccel_debugfs_dir = debugfs_create_dir("uaccel", NULL);
	debugfs_create_file("stats", 0444, uaccel_debugfs_dir, NULL,
			    &uaccel_stats_fops);
}

void uaccel_debugfs_exit(void)
{
	debugfs_remove_recursive(uaccel_debugfs_dir);
}
