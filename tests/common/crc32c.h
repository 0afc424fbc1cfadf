/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Bitwise CRC-32C (Castagnoli), the reference the device is checked with. */
#ifndef UACCEL_TEST_CRC32C_H
#define UACCEL_TEST_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* zlib-style chaining: crc32c_ref(crc32c_ref(0, a), b) == crc32c_ref(0, ab). */
static inline uint32_t crc32c_ref(uint32_t seed, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	uint32_t crc = ~seed;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82F63B78U : c >> 1;
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#endif /* UACCEL_TEST_CRC32C_H */
