// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Built as a 32-bit program: it runs (status 0) only on a kernel that runs
 * 32-bit programs (CONFIG_IA32_EMULATION); elsewhere exec fails.
 */
int main(void)
{
	return sizeof(void *) == 4 ? 0 : 1;
}
