// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Provider plugins: "libaccel-<driver>.so" from the provider directory
 * (ACCEL_PROVIDER_PATH overrides it unless the program is setuid/setgid;
 * ACCEL_PROVIDERS=none disables them).  A provider whose ABI version is not
 * ours is refused with a warning on stderr and the generic path is used.
 * A missing provider is not an error: the generic path works for every
 * device.  ACCEL_DEBUG=1 reports what was loaded.
 *
 * Also the library's diagnostics: accel_dbg() (ACCEL_DEBUG) and the
 * per-thread reason of the last failure, accel_error_message().
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static __thread char accel_errmsg[256];

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

static const struct accel_provider_ops *load(const char *driver)
{
	const char *dir = secure_getenv("ACCEL_PROVIDER_PATH");
	const struct accel_provider_ops *ops;
	char path[PATH_MAX];
	void *handle;

	if (!dir || !*dir)
		dir = ACCEL_PROVIDER_DIR;
	if (snprintf(path, sizeof(path), "%s/libaccel-%s.so", dir, driver) >=
	    (int)sizeof(path))
		return NULL;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		accel_dbg("no provider for %s (%s); using the generic path\n",
			  driver, dlerror());
		return NULL;
	}
	ops = dlsym(handle, "accel_provider");
	if (!ops) {
		fprintf(stderr, "libaccel: warning: %s has no accel_provider symbol; using the generic path\n",
			path);
		goto err_close;
	}
	if (ops->abi_version != ACCEL_PROVIDER_ABI_VERSION) {
		fprintf(stderr, "libaccel: warning: provider %s has ABI version %u, libaccel needs %u; using the generic path\n",
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
