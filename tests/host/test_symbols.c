// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The symbol versions of libaccel.so as built: the providers' helpers are
 * exported only in the private node ACCEL_PRIVATE_<ACCEL_PROVIDER_ABI_VERSION>
 * and in no public node, and the names 0.1.0 gave two of them are gone.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <accel/provider.h>

#define STR(x) #x
#define XSTR(x) STR(x)
#define PRIVATE_NODE "ACCEL_PRIVATE_" XSTR(ACCEL_PROVIDER_ABI_VERSION)

static const char *const private_helpers[] = {
	"accel_queue_ring", "accel_cq_ring", "accel_poll_cq_ring", "accel_ring_doorbell",
};
static const char *const public_nodes[] = {
	"ACCEL_1.0", "ACCEL_1.1", "ACCEL_1.2", "ACCEL_1.3", "ACCEL_1.4",
	"ACCEL_1.5",
};
/* 0.1.0's names of accel_ring_doorbell() and accel_poll_cq_ring(). */
static const char *const retired[] = { "accel_queue_doorbell", "accel_cq_ring_poll" };

static void *open_lib(void)
{
	void *lib = dlopen(LIBACCEL, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		fail_msg("dlopen %s: %s", LIBACCEL, dlerror());
	return lib;
}

static void test_provider_helpers_are_private(void **state)
{
	void *lib = open_lib();

	for (size_t i = 0; i < sizeof(private_helpers) / sizeof(private_helpers[0]); i++) {
		const char *name = private_helpers[i];
		void *fn = dlvsym(lib, name, PRIVATE_NODE);

		if (!fn)
			fail_msg("%s@%s is not exported", name, PRIVATE_NODE);
		assert_ptr_equal(dlsym(lib, name), fn);
		for (size_t j = 0; j < sizeof(public_nodes) / sizeof(public_nodes[0]); j++)
			if (dlvsym(lib, name, public_nodes[j]))
				fail_msg("%s is exported at the public node %s", name,
					 public_nodes[j]);
	}
	dlclose(lib);
}

static void test_retired_names_are_gone(void **state)
{
	void *lib = open_lib();

	for (size_t i = 0; i < sizeof(retired) / sizeof(retired[0]); i++)
		if (dlsym(lib, retired[i]))
			fail_msg("%s is still exported", retired[i]);
	dlclose(lib);
}

/* A public function for comparison: found at its node. */
static void test_public_symbols_at_their_nodes(void **state)
{
	void *lib = open_lib();

	assert_non_null(dlvsym(lib, "accel_post", "ACCEL_1.0"));
	assert_non_null(dlvsym(lib, "accel_version", "ACCEL_1.4"));
	assert_non_null(dlvsym(lib, "accel_select_device", "ACCEL_1.5"));
	assert_non_null(dlvsym(lib, "accel_rank_devices", "ACCEL_1.5"));
	assert_null(dlvsym(lib, "accel_post", PRIVATE_NODE));
	dlclose(lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_helpers_are_private),
		cmocka_unit_test(test_retired_names_are_gone),
		cmocka_unit_test(test_public_symbols_at_their_nodes),
	};

	return cmocka_run_group_tests_name("libaccel_symbols", tests, NULL, NULL);
}
