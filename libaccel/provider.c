// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Provider plugins: "lib<driver>-accelv<N>.so" from the provider directory,
 * N being the private ABI number ACCEL_PROVIDER_ABI_VERSION
 * (ACCEL_PROVIDER_PATH overrides the directory unless the program is
 * setuid/setgid; ACCEL_PROVIDERS=none disables them).  A provider built for
 * another private ABI is refused with a warning on stderr and the generic
 * path is used: one whose abi_version is not ours, one that needs another
 * ACCEL_PRIVATE_<N> node (the dynamic linker refuses it), and, when ours is
 * missing, the plugins of other numbers in the directory are named.  A
 * missing provider is not an error: the generic path works for every
 * device.  ACCEL_DEBUG=1 reports what was loaded.
 *
 * Also the library's diagnostics: accel_dbg() (ACCEL_DEBUG) and the
 * per-thread reason of the last failure, accel_error_message().
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_PROVIDERS 16

static pthread_mutex_t providers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char driver[ACCEL_NAME_MAX];
	const struct accel_provider_ops *ops;	/* NULL: none usable */
} providers[MAX_PROVIDERS];
static int num_providers;

void accel_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!secure_getenv("ACCEL_DEBUG"))
		return;
	fputs("libaccel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The explanation of the last failed call of this thread. */
static __thread char accel_errmsg[ACCEL_ERROR_MAX];

void accel_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(accel_errmsg, sizeof(accel_errmsg), fmt, ap);
	va_end(ap);
	accel_dbg("%s\n", accel_errmsg);
}

ACCEL_EXPORT const char *accel_error_message(void)
{
	return accel_errmsg;
}

/*
 * Our plugin for @driver is missing from @dir: name the plugins of @driver
 * for other private ABIs found there (lib<driver>-accelv<M>.so, and 0.1.0's
 * libaccel-<driver>.so), which were installed for another libaccel.
 */
static void warn_other_abis(const char *dir, const char *driver)
{
	char prefix[ACCEL_NAME_MAX + 16], legacy[ACCEL_NAME_MAX + 16];
	size_t plen;
	struct dirent *de;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "lib%s-accelv", driver);
	snprintf(legacy, sizeof(legacy), "libaccel-%s.so", driver);
	plen = strlen(prefix);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);

		if (strcmp(n, legacy) &&
		    (strncmp(n, prefix, plen) || len < plen + 4 ||
		     strcmp(n + len - 3, ".so")))
			continue;
		fprintf(stderr, "libaccel: warning: %s/%s is a provider for another libaccel private ABI; this libaccel needs lib%s-accelv%u.so (private ABI %u); using the generic path\n",
			dir, n, driver, ACCEL_PROVIDER_ABI_VERSION,
			ACCEL_PROVIDER_ABI_VERSION);
	}
	closedir(d);
}

static const struct accel_provider_ops *load(const char *driver)
{
	const char *dir = secure_getenv("ACCEL_PROVIDER_PATH");
	const struct accel_provider_ops *ops;
	char path[PATH_MAX];
	void *handle;

	if (!dir || !*dir)
		dir = ACCEL_PROVIDER_DIR;
	if (snprintf(path, sizeof(path), "%s/lib%s-accelv%u.so", dir, driver,
		     ACCEL_PROVIDER_ABI_VERSION) >= (int)sizeof(path))
		return NULL;
	if (access(path, F_OK)) {
		accel_dbg("no provider for %s (%s: %m); using the generic path\n",
			  driver, path);
		warn_other_abis(dir, driver);
		return NULL;
	}
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		/* Typically "version `ACCEL_PRIVATE_<M>' not found". */
		fprintf(stderr, "libaccel: warning: cannot load provider %s (%s); using the generic path\n",
			path, dlerror());
		return NULL;
	}
	ops = dlsym(handle, "accel_provider");
	if (!ops) {
		fprintf(stderr, "libaccel: warning: %s has no accel_provider symbol; using the generic path\n",
			path);
		goto err_close;
	}
	if (ops->abi_version != ACCEL_PROVIDER_ABI_VERSION) {
		fprintf(stderr, "libaccel: warning: provider %s has private ABI %u, libaccel needs %u; using the generic path\n",
			path, ops->abi_version, ACCEL_PROVIDER_ABI_VERSION);
		goto err_close;
	}
	if (!ops->driver || strcmp(ops->driver, driver) || !ops->post || !ops->poll_cq) {
		fprintf(stderr, "libaccel: warning: provider %s does not serve driver %s; using the generic path\n",
			path, driver);
		goto err_close;
	}
	accel_dbg("loaded provider %s\n", path);
	return ops;

err_close:
	dlclose(handle);
	return NULL;
}

const struct accel_provider_ops *accel_load_provider(const char *driver)
{
	const struct accel_provider_ops *ops = NULL;
	const char *mode = secure_getenv("ACCEL_PROVIDERS");
	int i;

	if (mode && !strcmp(mode, "none"))
		return NULL;

	pthread_mutex_lock(&providers_lock);
	for (i = 0; i < num_providers; i++) {
		if (!strcmp(providers[i].driver, driver)) {
			ops = providers[i].ops;
			goto out;
		}
	}
	ops = load(driver);
	if (num_providers < MAX_PROVIDERS) {
		snprintf(providers[num_providers].driver, ACCEL_NAME_MAX, "%s", driver);
		providers[num_providers++].ops = ops;
	}
out:
	pthread_mutex_unlock(&providers_lock);
	return ops;
}
