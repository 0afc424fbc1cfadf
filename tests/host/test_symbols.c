// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The symbol versions of libaccel.so as built: a function renamed after a
 * release is exported under its new name in a new version node, and its
 * released name stays in its released node as an alias of the same
 * function, so programs linked against the old name keep working.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static const struct {
	const char *old_name, *old_version, *name, *version;
} renamed[] = {
	{ "accel_queue_doorbell", "ACCEL_1.0", "accel_ring_doorbell", "ACCEL_1.4" },
	{ "accel_cq_ring_poll", "ACCEL_1.1", "accel_poll_cq_ring", "ACCEL_1.4" },
};

static void test_renamed_functions_keep_released_names(void **state)
{
	void *lib = dlopen(LIBACCEL, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		fail_msg("dlopen %s: %s", LIBACCEL, dlerror());
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
		void *fn = dlvsym(lib, renamed[i].name, renamed[i].version);
		void *old = dlvsym(lib, renamed[i].old_name, renamed[i].old_version);

		if (!fn)
			fail_msg("%s@%s is not exported", renamed[i].name, renamed[i].version);
		if (!old)
			fail_msg("%s@%s is not exported", renamed[i].old_name,
				 renamed[i].old_version);
		/* The default version of each name is that one, and both are one function. */
		assert_ptr_equal(dlsym(lib, renamed[i].name), fn);
		assert_ptr_equal(dlsym(lib, renamed[i].old_name), old);
		assert_ptr_equal(old, fn);
	}
	dlclose(lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renamed_functions_keep_released_names),
	};

	return cmocka_run_group_tests_name("libaccel_symbols", tests, NULL, NULL);
}
