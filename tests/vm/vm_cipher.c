// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * cipher.uaccel on every device that serves it (the soft device through
 * the kernel's crypto API, virtio-crypto in hardware): NIST SP 800-38A
 * known answers, random lengths and MR offsets against OpenSSL, SUBMIT
 * batches and their completions, every refused input with its errno (the
 * device working afterwards), the session limit and its release on close,
 * SESSION_DESTROY while requests are pending and at once after their
 * completion, and many processes sharing a device.  OpenSSL's EVP is the
 * reference throughout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <uaccel/cipher.h>

#include "vmtest.h"

#define DEV "ciphertest0"
#define MAX_DEVS 32
/* Bytes of each data MR. */
#define BUF (1U << 20)

static struct vm_stats base;
static char devs[MAX_DEVS][ACCEL_NAME_MAX];
static int ndevs;

/* ---- The reference ---- */

static const EVP_CIPHER *evp_cipher(uint32_t alg, size_t key_len)
{
	if (alg == ACCEL_CIPHER_AES_CBC)
		return key_len == 16 ? EVP_aes_128_cbc() :
		       key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	return key_len == 16 ? EVP_aes_128_ctr() :
	       key_len == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
}

/* OpenSSL's output for one request, without padding. */
static int ref_crypt(uint32_t alg, const uint8_t *key, size_t key_len, uint32_t op,
		     const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t len)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (!x)
		return -1;
	ok = EVP_CipherInit_ex(x, evp_cipher(alg, key_len), NULL, key, iv,
			       op == ACCEL_CIPHER_ENCRYPT) &&
	     EVP_CIPHER_CTX_set_padding(x, 0) &&
	     EVP_CipherUpdate(x, out, &n, in, (int)len) &&
	     EVP_CipherFinal_ex(x, out + n, &m);
	EVP_CIPHER_CTX_free(x);
	return ok && (size_t)(n + m) == len ? 0 : -1;
}

static void ref_check(uint32_t alg, const uint8_t *key, size_t key_len, uint32_t op,
		      const uint8_t *iv, const uint8_t *in, const uint8_t *got, size_t len,
		      const char *what)
{
	uint8_t *want = malloc(len);

	assert_non_null(want);
	assert_int_equal(ref_crypt(alg, key, key_len, op, iv, in, want, len), 0);
	if (memcmp(want, got, len)) {
		size_t i = 0;

		while (want[i] == got[i])
			i++;
		free(want);
		fail_msg("%s: alg %u key %zu op %u len %zu: differs from OpenSSL at byte %zu",
			 what, alg, key_len, op, len, i);
	}
	free(want);
}

/* ---- Devices and their environment ---- */

static bool serves_cipher(const struct accel_device *d)
{
	for (int i = 0; i < accel_device_num_facets(d); i++)
		if (!strcmp(accel_device_facet(d, i)->name, UACCEL_CIPHER_FACET))
			return true;
	return false;
}

/* Every device serving the facet, the soft fixture device among them. */
static int find_devices(void **state)
{
	struct accel_device **list = accel_get_device_list(NULL);
	bool mine = false;

	(void)state;
	assert_non_null(list);
	ndevs = 0;
	for (int i = 0; list[i] && ndevs < MAX_DEVS; i++) {
		if (!serves_cipher(list[i]))
			continue;
		snprintf(devs[ndevs], sizeof(devs[0]), "%s", accel_device_name(list[i]));
		mine |= !strcmp(devs[ndevs], DEV);
		printf("# cipher.uaccel on %s (%s)\n", devs[ndevs],
		       accel_device_driver(list[i]));
		ndevs++;
	}
	accel_free_device_list(list);
	assert_true(mine);
	return 0;
}

struct cenv {
	const char *dev;
	struct accel_context *ctx;
	struct accel_pd *pd;
	struct accel_cq *cq;
	struct accel_cipher *c;
	int fd;
	struct accel_cipher_attr attr;
	uint8_t *a, *b, *ro;
	struct accel_mr *amr, *bmr, *romr;
};

static void *map_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	/* Pages of their own before a read-only registration pins them. */
	memset(p, 0x5a, len);
	return p;
}

static void cenv_open(struct cenv *e, const char *dev, unsigned int cq_entries)
{
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->ctx = accel_open_device_by_name(dev);
	assert_non_null(e->ctx);
	e->pd = accel_alloc_pd(e->ctx);
	assert_non_null(e->pd);
	e->cq = accel_create_cq(e->ctx, cq_entries, -1);
	assert_non_null(e->cq);
	e->c = accel_cipher_open(e->ctx, ACCEL_FACET_CLOEXEC);
	assert_non_null(e->c);
	e->fd = accel_cipher_fd(e->c);
	assert_int_equal(accel_cipher_query(e->c, &e->attr, sizeof(e->attr)), 0);
	e->a = map_buf(BUF);
	e->b = map_buf(BUF);
	e->ro = map_buf(BUF);
	e->amr = accel_reg_mr(e->pd, e->a, BUF, ACCEL_ACCESS_WRITE);
	e->bmr = accel_reg_mr(e->pd, e->b, BUF, ACCEL_ACCESS_WRITE);
	e->romr = accel_reg_mr(e->pd, e->ro, BUF, 0);
	assert_non_null(e->amr);
	assert_non_null(e->bmr);
	assert_non_null(e->romr);
}

static void cenv_close(struct cenv *e)
{
	assert_int_equal(accel_cipher_close(e->c), 0);
	assert_int_equal(accel_dereg_mr(e->amr), 0);
	assert_int_equal(accel_dereg_mr(e->bmr), 0);
	assert_int_equal(accel_dereg_mr(e->romr), 0);
	assert_int_equal(accel_destroy_cq(e->cq), 0);
	assert_int_equal(accel_dealloc_pd(e->pd), 0);
	assert_int_equal(accel_close_device(e->ctx), 0);
	munmap(e->a, BUF);
	munmap(e->b, BUF);
	munmap(e->ro, BUF);
}

static void fill_random(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)rand();
}

static const size_t key_lens[] = { 16, 24, 32 };
static const uint32_t algs[] = { ACCEL_CIPHER_AES_CBC, ACCEL_CIPHER_AES_CTR };

/* One CRYPT from a to b through libaccel: its result. */
static int crypt_ab(struct cenv *e, uint32_t s, uint32_t op, uint64_t src_off,
		    uint64_t dst_off, uint64_t len, const uint8_t *iv)
{
	struct accel_cipher_desc d = {
		.op = op,
		.src_mr = accel_mr_id(e->amr),
		.dst_mr = accel_mr_id(e->bmr),
		.src_offset = src_off,
		.dst_offset = dst_off,
		.length = len,
	};

	memcpy(d.iv, iv, sizeof(d.iv));
	return accel_cipher_crypt(e->c, s, &d);
}

/* The device still computes what OpenSSL does (after refused input). */
static void check_still_working(struct cenv *e)
{
	uint8_t key[32], iv[16];
	uint32_t s;

	fill_random(key, sizeof(key));
	fill_random(iv, sizeof(iv));
	fill_random(e->a, 4096);
	assert_int_equal(accel_cipher_session_create(e->c, ACCEL_CIPHER_AES_CBC, key, 32, &s), 0);
	assert_int_equal(crypt_ab(e, s, ACCEL_CIPHER_ENCRYPT, 0, 0, 4096, iv), 0);
	ref_check(ACCEL_CIPHER_AES_CBC, key, 32, ACCEL_CIPHER_ENCRYPT, iv, e->a, e->b, 4096,
		  "after refused input");
	assert_int_equal(accel_cipher_session_destroy(e->c, s), 0);
}

/* ---- Tests ---- */

static void test_query(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct uaccel_cipher_query q = { .size = sizeof(q) };
		struct accel_cipher_attr big[2];
		struct cenv e;

		cenv_open(&e, devs[i], 16);
		assert_int_equal(e.attr.version, 1);
		assert_true(e.attr.algs & (1U << ACCEL_CIPHER_AES_CBC));
		assert_true(e.attr.algs & (1U << ACCEL_CIPHER_AES_CTR));
		assert_int_equal(e.attr.algs & ~((1U << ACCEL_CIPHER_AES_CBC) |
						 (1U << ACCEL_CIPHER_AES_CTR)), 0);
		assert_true(e.attr.max_sessions >= 1 &&
			    e.attr.max_sessions <= UACCEL_CIPHER_SESSIONS_MAX);
		assert_true(e.attr.max_length >= 4096);
		assert_int_equal(e.attr.max_batch, UACCEL_CIPHER_BATCH_MAX);
		/* A later caller's larger structure: the unknown tail is zeroed. */
		memset(big, 0xa5, sizeof(big));
		assert_int_equal(accel_cipher_query(e.c, big, sizeof(big)), 0);
		assert_memory_equal(&big[0], &e.attr, sizeof(e.attr));
		assert_true(((uint8_t *)&big[1])[0] == 0);
		assert_int_equal(accel_cipher_query(e.c, big, 8), -EINVAL);
		/* The uAPI's size and flag rules on each command. */
		vm_check_size_rules(e.fd, UACCEL_CIPHER_IOCTL_QUERY, &q, sizeof(q), sizeof(q));
		/* Core commands are not facet commands, nor the reverse. */
		assert_int_equal(vm_ioctl(e.fd, UACCEL_IOCTL_QUERY_DEVICE, &q), -ENOTTY);
		assert_int_equal(vm_ioctl(accel_context_fd(e.ctx), UACCEL_CIPHER_IOCTL_QUERY, &q),
				 -ENOTTY);
		assert_int_equal(vm_ioctl(e.fd, _IO(UACCEL_IOCTL_TYPE, 5), &q), -ENOTTY);
		/* Versions libaccel does not speak. */
		assert_int_equal(vm_get_facet(accel_context_fd(e.ctx), UACCEL_CIPHER_FACET, 2, 9,
					      0, NULL), -EPROTONOSUPPORT);
		cenv_close(&e);
	}
}

/* Add @n to a 128-bit big-endian counter block. */
static void ctr_add(uint8_t ctr[16], uint64_t n)
{
	for (int k = 15; k >= 0 && n; k--) {
		n += ctr[k];
		ctr[k] = (uint8_t)n;
		n >>= 8;
	}
}

/* NIST SP 800-38A, F.2 (CBC) and F.5 (CTR). */
static const char kat_plain[] =
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const struct kat {
	const char *name;
	uint32_t alg;
	const char *key, *iv, *cipher;
} kats[] = {
	{ "F.2.1/F.2.2 CBC-AES128", ACCEL_CIPHER_AES_CBC,
	  "2b7e151628aed2a6abf7158809cf4f3c", "000102030405060708090a0b0c0d0e0f",
	  "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	  "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7" },
	{ "F.2.3/F.2.4 CBC-AES192", ACCEL_CIPHER_AES_CBC,
	  "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "000102030405060708090a0b0c0d0e0f",
	  "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	  "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd" },
	{ "F.2.5/F.2.6 CBC-AES256", ACCEL_CIPHER_AES_CBC,
	  "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	  "000102030405060708090a0b0c0d0e0f",
	  "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	  "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b" },
	{ "F.5.1/F.5.2 CTR-AES128", ACCEL_CIPHER_AES_CTR,
	  "2b7e151628aed2a6abf7158809cf4f3c", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
	  "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee" },
	{ "F.5.3/F.5.4 CTR-AES192", ACCEL_CIPHER_AES_CTR,
	  "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
	  "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050" },
	{ "F.5.5/F.5.6 CTR-AES256", ACCEL_CIPHER_AES_CTR,
	  "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
	  "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6" },
};

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void test_nist_known_answers(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct cenv e;

		cenv_open(&e, devs[i], 16);
		for (size_t k = 0; k < sizeof(kats) / sizeof(kats[0]); k++) {
			const struct kat *t = &kats[k];
			uint8_t key[32], iv[16], pt[64], ct[64];
			size_t key_len = unhex(t->key, key);
			uint32_t s;

			unhex(t->iv, iv);
			unhex(kat_plain, pt);
			unhex(t->cipher, ct);
			assert_int_equal(accel_cipher_session_create(e.c, t->alg, key, key_len, &s), 0);
			/* Encrypt (F.x.odd), out of place at odd offsets. */
			memcpy(e.a + 100, pt, 64);
			assert_int_equal(crypt_ab(&e, s, ACCEL_CIPHER_ENCRYPT, 100, 7, 64, iv), 0);
			if (memcmp(e.b + 7, ct, 64))
				fail_msg("%s: %s encrypt: wrong ciphertext", devs[i], t->name);
			/* Decrypt (F.x.even), in place. */
			memcpy(e.a + 4096, ct, 64);
			{
				struct accel_cipher_desc d = {
					.op = ACCEL_CIPHER_DECRYPT,
					.src_mr = accel_mr_id(e.amr), .dst_mr = accel_mr_id(e.amr),
					.src_offset = 4096, .dst_offset = 4096, .length = 64,
				};

				memcpy(d.iv, iv, 16);
				assert_int_equal(accel_cipher_crypt(e.c, s, &d), 0);
			}
			if (memcmp(e.a + 4096, pt, 64))
				fail_msg("%s: %s decrypt: wrong plaintext", devs[i], t->name);
			/* The reference agrees with the standard too. */
			ref_check(t->alg, key, key_len, ACCEL_CIPHER_ENCRYPT, iv, pt, ct, 64,
				  "OpenSSL on the NIST vector");
			/* Block by block with the chained IV of the mode. */
			for (int blk = 0; blk < 4; blk++) {
				uint8_t civ[16];

				if (t->alg == ACCEL_CIPHER_AES_CBC) {
					memcpy(civ, blk ? ct + 16 * (blk - 1) : iv, 16);
				} else {
					/* Carries: the vectors' counter ends in ff. */
					memcpy(civ, iv, 16);
					ctr_add(civ, blk);
				}
				memcpy(e.a, pt + 16 * blk, 16);
				assert_int_equal(crypt_ab(&e, s, ACCEL_CIPHER_ENCRYPT, 0, 0, 16, civ), 0);
				if (memcmp(e.b, ct + 16 * blk, 16))
					fail_msg("%s: %s block %d alone: wrong ciphertext",
						 devs[i], t->name, blk);
			}
			assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		}
		cenv_close(&e);
	}
}

/* Random lengths and offsets, in place and out of place, both ways. */
static void test_random_against_openssl(void **state)
{
	(void)state;
	srand(1);
	for (int i = 0; i < ndevs; i++) {
		unsigned int rounds = vm_scaled(48);
		struct cenv e;
		uint8_t *in = malloc(BUF);

		assert_non_null(in);
		cenv_open(&e, devs[i], 16);
		for (unsigned int r = 0; r < rounds; r++) {
			uint32_t alg = algs[r % 2];
			size_t key_len = key_lens[(r / 2) % 3];
			uint32_t op = (r / 6) % 2;
			bool in_place = r % 5 == 0;
			uint64_t maxlen = e.attr.max_length < BUF / 2 ? e.attr.max_length : BUF / 2;
			uint64_t len = 1 + (uint64_t)rand() % (r % 3 ? 8192 : maxlen);
			uint64_t so, dof;
			uint8_t key[32], iv[16];
			uint32_t s;

			if (alg == ACCEL_CIPHER_AES_CBC)
				len = (len + 15) & ~15ULL;
			if (len > maxlen)
				len = maxlen & ~15ULL;
			so = (uint64_t)rand() % (BUF - len + 1);
			dof = in_place ? so : (uint64_t)rand() % (BUF - len + 1);
			fill_random(key, sizeof(key));
			fill_random(iv, sizeof(iv));
			fill_random(e.a + so, len);
			memcpy(in, e.a + so, len);
			assert_int_equal(accel_cipher_session_create(e.c, alg, key, key_len, &s), 0);
			if (in_place) {
				struct accel_cipher_desc d = {
					.op = op, .src_mr = accel_mr_id(e.amr),
					.dst_mr = accel_mr_id(e.amr), .src_offset = so,
					.dst_offset = so, .length = len,
				};

				memcpy(d.iv, iv, 16);
				assert_int_equal(accel_cipher_crypt(e.c, s, &d), 0);
				ref_check(alg, key, key_len, op, iv, in, e.a + so, len, e.dev);
			} else {
				assert_int_equal(crypt_ab(&e, s, op, so, dof, len, iv), 0);
				ref_check(alg, key, key_len, op, iv, in, e.b + dof, len, e.dev);
				/* The source is left as it was. */
				assert_memory_equal(e.a + so, in, len);
			}
			assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		}
		cenv_close(&e);
		free(in);
	}
}

/* A stream in two requests: CBC's next IV is the last ciphertext block,
 * CTR's next counter the first whole block not used. */
static void test_chained_requests(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct cenv e;

		cenv_open(&e, devs[i], 16);
		for (size_t a = 0; a < 2; a++) {
			uint32_t alg = algs[a];
			uint64_t first = alg == ACCEL_CIPHER_AES_CBC ? 4096 : 4099, total = 12288;
			uint8_t key[16], iv[16], iv2[16];
			uint32_t s;
			unsigned int blocks = (first + 15) / 16;

			fill_random(key, 16);
			fill_random(iv, 16);
			iv[15] = 0xf0;	/* the counter carries into byte 14 */
			fill_random(e.a, total);
			assert_int_equal(accel_cipher_session_create(e.c, alg, key, 16, &s), 0);
			assert_int_equal(crypt_ab(&e, s, ACCEL_CIPHER_ENCRYPT, 0, 0, first, iv), 0);
			if (alg == ACCEL_CIPHER_AES_CBC) {
				memcpy(iv2, e.b + first - 16, 16);
			} else {
				memcpy(iv2, iv, 16);
				ctr_add(iv2, blocks);
			}
			if (alg == ACCEL_CIPHER_AES_CBC) {
				assert_int_equal(crypt_ab(&e, s, ACCEL_CIPHER_ENCRYPT, first, first,
							  total - first, iv2), 0);
				ref_check(alg, key, 16, ACCEL_CIPHER_ENCRYPT, iv, e.a, e.b, total,
					  "CBC chained");
			} else {
				uint64_t next = blocks * 16ULL;
				uint8_t *want = malloc(total);

				assert_non_null(want);
				assert_int_equal(crypt_ab(&e, s, ACCEL_CIPHER_ENCRYPT, next, next,
							  total - next, iv2), 0);
				assert_int_equal(ref_crypt(alg, key, 16, ACCEL_CIPHER_ENCRYPT, iv,
							   e.a, want, total), 0);
				assert_memory_equal(e.b, want, first);
				assert_memory_equal(e.b + next, want + next, total - next);
				free(want);
			}
			assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		}
		cenv_close(&e);
	}
}

/* Wait for and take @n completions of @cq into @wc. */
static void take_completions(struct accel_cq *cq, struct accel_wc *wc, int n)
{
	int got = 0;
	double end = vm_now() + 60;

	while (got < n) {
		int r = accel_poll_cq(cq, wc + got, n - got);

		assert_true(r >= 0);
		got += r;
		if (got < n) {
			int w = accel_wait_cq(cq, 1000);

			assert_true(w == 0 || w == -ETIMEDOUT);
			if (vm_now() > end)
				fail_msg("%d of %d completions after 60 s", got, n);
		}
	}
}

/* Batches of 1, 32 and 256 requests; their completions and outputs. */
static void test_submit_batches(void **state)
{
	static const uint32_t counts[] = { 1, 32, 256 };

	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct accel_wc *wc = calloc(UACCEL_CIPHER_BATCH_MAX, sizeof(*wc));
		struct accel_cipher_desc *d;
		uint8_t *descbuf, *in = malloc(BUF), *seen;
		struct accel_mr *dmr;
		struct cenv e;

		assert_non_null(wc);
		assert_non_null(in);
		cenv_open(&e, devs[i], 512);
		descbuf = map_buf(65536);
		dmr = accel_reg_mr(e.pd, descbuf, 65536, 0);
		assert_non_null(dmr);
		for (size_t c = 0; c < 3; c++) {
			uint32_t n = counts[c];
			uint32_t alg = algs[c % 2];
			size_t key_len = key_lens[c];
			uint32_t op = c == 1 ? ACCEL_CIPHER_DECRYPT : ACCEL_CIPHER_ENCRYPT;
			/* Each request its own slice of a and of b. */
			uint64_t slice = BUF / n, desc_off = 8 * (c + 1);
			uint8_t key[32];
			uint32_t s, bad;

			fill_random(key, sizeof(key));
			fill_random(e.a, BUF);
			memcpy(in, e.a, BUF);
			memset(e.b, 0, BUF);
			d = (struct accel_cipher_desc *)(descbuf + desc_off);
			for (uint32_t k = 0; k < n; k++) {
				uint64_t room = slice > 8192 ? 8192 : slice;
				uint64_t len = 1 + (uint64_t)rand() % (room - 32);

				if (alg == ACCEL_CIPHER_AES_CBC)
					len = (len + 15) & ~15ULL;
				memset(&d[k], 0, sizeof(d[k]));
				d[k].op = op;
				d[k].src_mr = accel_mr_id(e.amr);
				d[k].dst_mr = accel_mr_id(e.bmr);
				d[k].src_offset = k * slice + (uint64_t)rand() % (slice - len + 1);
				d[k].dst_offset = k * slice + (uint64_t)rand() % (slice - len + 1);
				d[k].length = len;
				d[k].user_data = 0x5eed000000000000ULL | ((uint64_t)c << 32) | k;
				fill_random(d[k].iv, 16);
			}
			assert_int_equal(accel_cipher_session_create(e.c, alg, key, key_len, &s), 0);
			bad = 12345;
			assert_int_equal(accel_cipher_submit(e.c, s, e.cq, dmr, desc_off, n, &bad), 0);
			take_completions(e.cq, wc, n);
			seen = calloc(n, 1);
			assert_non_null(seen);
			for (uint32_t k = 0; k < n; k++) {
				uint64_t u = wc[k].user_data;
				uint32_t idx = (uint32_t)u;

				assert_true((u >> 32) == (0x5eed0000ULL | c));
				assert_true(idx < n);
				assert_false(seen[idx]);
				seen[idx] = 1;
				assert_int_equal(wc[k].status, 0);
				assert_int_equal(wc[k].queue_id, 0);
				assert_int_equal(wc[k].result, d[idx].length);
			}
			free(seen);
			/* No completion more. */
			assert_int_equal(accel_poll_cq(e.cq, wc, 1), 0);
			for (uint32_t k = 0; k < n; k++)
				ref_check(alg, key, key_len, op, d[k].iv, in + d[k].src_offset,
					  e.b + d[k].dst_offset, d[k].length, "SUBMIT");
			assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		}
		assert_int_equal(accel_dereg_mr(dmr), 0);
		munmap(descbuf, 65536);
		cenv_close(&e);
		free(in);
		free(wc);
	}
}

static void undo_session(int fd, const void *reply)
{
	const struct uaccel_cipher_session_create *c = reply;
	struct uaccel_cipher_session_destroy d = { .size = sizeof(d), .session = c->out_session };

	vm_ioctl(fd, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &d);
}

/* Refused commands: each errno, nothing changed, the device still working. */
static void test_bad_input(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct uaccel_cipher_session_create sc = {
			.size = sizeof(sc), .alg = UACCEL_CIPHER_AES_CBC, .key_len = 16,
		};
		struct uaccel_cipher_session_destroy sd = { .size = sizeof(sd) };
		struct uaccel_cipher_crypt cr = { .size = sizeof(cr) };
		struct cenv e;
		uint32_t s, other_s, key[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
		int other;

		cenv_open(&e, devs[i], 16);
		{
			const struct vm_bad_cmd bad_create[] = {
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, alg, 0, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, alg, 3, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, alg, ~0U, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key_len, 0, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key_len, 15, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key_len, 17, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key_len, 33, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key_len, 1U << 31, -EINVAL),
				/* Key bytes past key_len. */
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key[16], 1, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key[31], 0x80, -EINVAL),
				VM_BAD2(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, key_len, 24,
					key[24], 1, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, __reserved, 1, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc, flags, 1, -EOPNOTSUPP),
			};

			memset(sc.key, 0x11, 16);
			VM_CHECK_BAD_CMDS(e.fd, bad_create, undo_session);
		}
		vm_check_size_rules(e.fd, UACCEL_CIPHER_IOCTL_SESSION_CREATE, &sc, sizeof(sc),
				    sizeof(sc));
		/* libaccel's own checks. */
		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CBC, key, 33, &s),
				 -EINVAL);
		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CBC, key, 15, &s),
				 -EINVAL);
		assert_int_equal(accel_cipher_session_create(e.c, 7, key, 16, &s), -EINVAL);

		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CBC, key, 16, &s), 0);
		assert_true(s != 0);
		fill_random(e.a, BUF);
		cr.session = s;
		cr.src_mr = accel_mr_id(e.amr);
		cr.dst_mr = accel_mr_id(e.bmr);
		cr.length = 4096;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
		/* A session of another facet fd of the same context. */
		other = vm_get_facet(accel_context_fd(e.ctx), UACCEL_CIPHER_FACET, 1, 1, 0, NULL);
		assert_true(other >= 0);
		sc.key_len = 16;
		memset(sc.key, 0x22, 16);
		assert_int_equal(vm_ioctl(other, UACCEL_CIPHER_IOCTL_SESSION_CREATE, &sc), 0);
		other_s = sc.out_session;
		assert_true(other_s != s);
		{
			const struct vm_bad_cmd bad_crypt[] = {
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, session, 0, -ENOENT),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, session, 999, -ENOENT),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, session, other_s, -ENOENT),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, op, 2, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, op, ~0U, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, length, 0, -EINVAL),
				/* CBC: whole blocks only. */
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, length, 15, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, length, 4097, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, length, e.attr.max_length + 16,
				       -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, length, ~0ULL << 4, -EINVAL),
				/* Ranges outside an MR. */
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, src_offset, BUF - 16, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, dst_offset, BUF - 4080, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, src_offset, BUF, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, dst_offset, ~0ULL - 15, -EINVAL),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, src_offset, ~0ULL << 12, -EINVAL),
				/* A destination without write access. */
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, dst_mr, accel_mr_id(e.romr),
				       -EACCES),
				/* Unknown MRs, and objects that are not MRs. */
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, src_mr, 0xdead, -ENOENT),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, dst_mr, 0xdead, -ENOENT),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, dst_mr, accel_cq_id(e.cq), -ENOENT),
				VM_BAD(UACCEL_CIPHER_IOCTL_CRYPT, cr, flags, 1, -EOPNOTSUPP),
			};

			VM_CHECK_BAD_CMDS(e.fd, bad_crypt, NULL);
		}
		vm_check_size_rules(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr, sizeof(cr), sizeof(cr));
		/* A read-only source is fine. */
		cr.src_mr = accel_mr_id(e.romr);
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
		cr.src_mr = accel_mr_id(e.amr);

		/* Destroy: unknown, another fd's, then twice. */
		sd.session = 0;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &sd), -ENOENT);
		sd.session = other_s;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &sd), -ENOENT);
		sd.session = s;
		assert_int_equal(vm_ioctl(other, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &sd), -ENOENT);
		sd.__reserved = 1;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &sd), -EINVAL);
		sd.__reserved = 0;
		vm_check_size_rules(e.fd, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &sd, sizeof(sd),
				    sizeof(sd));
		/* The other fd's session works there and not here. */
		cr.session = other_s;
		assert_int_equal(vm_ioctl(other, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), -ENOENT);
		close(other);
		/* Gone with its fd. */
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), -ENOENT);
		assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		assert_int_equal(accel_cipher_session_destroy(e.c, s), -ENOENT);
		/* CTR: any length, but not 0. */
		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CTR, key, 32, &s), 0);
		cr.session = s;
		cr.length = 1;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
		cr.length = 0;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), -EINVAL);
		cr.length = 17;
		cr.src_offset = BUF - 17;
		cr.dst_offset = BUF - 17;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), 0);
		cr.src_offset = BUF - 16;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_CRYPT, &cr), -EINVAL);
		assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		check_still_working(&e);
		cenv_close(&e);
	}
}

static int raw_submit(struct cenv *e, uint32_t s, uint32_t cq, uint32_t desc_mr,
		      uint64_t off, uint32_t count, uint32_t *idx)
{
	struct uaccel_cipher_submit c = {
		.size = sizeof(c), .session = s, .cq_id = cq, .desc_mr = desc_mr,
		.count = count, .desc_offset = off, .out_error_index = 0xdeadbeef,
	};
	int ret = vm_ioctl(e->fd, UACCEL_CIPHER_IOCTL_SUBMIT, &c);

	*idx = c.out_error_index;
	return ret;
}

/* SUBMIT's refusals: its own fields, then one bad descriptor among good ones. */
static void test_submit_bad_input(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct uaccel_cipher_submit sub = { .size = sizeof(sub) };
		struct accel_cipher_desc *d;
		uint8_t *descbuf, key[16] = { 0 };
		struct accel_mr *dmr;
		struct accel_cq *small;
		struct accel_wc wc;
		struct cenv e;
		uint32_t s, idx, cq, mr, ncqe;
		const uint32_t n = 10;

		cenv_open(&e, devs[i], 64);
		descbuf = map_buf(65536);
		dmr = accel_reg_mr(e.pd, descbuf, 65536, 0);
		assert_non_null(dmr);
		mr = accel_mr_id(dmr);
		cq = accel_cq_id(e.cq);
		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CBC, key, 16, &s), 0);
		d = (struct accel_cipher_desc *)descbuf;
		for (uint32_t k = 0; k < UACCEL_CIPHER_BATCH_MAX + 1; k++) {
			d[k] = (struct accel_cipher_desc){
				.op = ACCEL_CIPHER_ENCRYPT, .src_mr = accel_mr_id(e.amr),
				.dst_mr = accel_mr_id(e.bmr), .src_offset = 64ULL * k,
				.dst_offset = 64ULL * k, .length = 64, .user_data = k,
			};
		}
		/* The command's own fields: out_error_index = count. */
		assert_int_equal(raw_submit(&e, s, cq, mr, 0, 0, &idx), -EINVAL);
		assert_int_equal(idx, 0);
		assert_int_equal(raw_submit(&e, s, cq, mr, 0, UACCEL_CIPHER_BATCH_MAX + 1, &idx),
				 -EINVAL);
		assert_int_equal(idx, UACCEL_CIPHER_BATCH_MAX + 1);
		for (uint64_t off = 1; off < 8; off++) {
			assert_int_equal(raw_submit(&e, s, cq, mr, off, n, &idx), -EINVAL);
			assert_int_equal(idx, n);
		}
		assert_int_equal(raw_submit(&e, 0, cq, mr, 0, n, &idx), -ENOENT);
		assert_int_equal(idx, n);
		assert_int_equal(raw_submit(&e, s + 1000, cq, mr, 0, n, &idx), -ENOENT);
		assert_int_equal(raw_submit(&e, s, 0xdead, mr, 0, n, &idx), -ENOENT);
		assert_int_equal(idx, n);
		assert_int_equal(raw_submit(&e, s, mr, mr, 0, n, &idx), -ENOENT);
		assert_int_equal(raw_submit(&e, s, cq, 0xdead, 0, n, &idx), -ENOENT);
		assert_int_equal(idx, n);
		/* Descriptors past the end of their MR. */
		assert_int_equal(raw_submit(&e, s, cq, mr, 65536 - 64 * 9, n, &idx), -EINVAL);
		assert_int_equal(idx, n);
		assert_int_equal(raw_submit(&e, s, cq, mr, ~0ULL << 3, n, &idx), -EINVAL);
		sub.session = s;
		sub.cq_id = cq;
		sub.desc_mr = mr;
		sub.count = 1;
		vm_check_size_rules(e.fd, UACCEL_CIPHER_IOCTL_SUBMIT, &sub, sizeof(sub), sizeof(sub));
		sub.__reserved = 1;
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SUBMIT, &sub), -EINVAL);

		/* One bad descriptor at index 5: refused with its index, none queued. */
		{
			static const struct { const char *what; size_t off, size; uint64_t v; int err; }
			bad[] = {
#define BD(m, v, err) { #m " = " #v, offsetof(struct accel_cipher_desc, m), \
			sizeof(((struct accel_cipher_desc *)0)->m), (uint64_t)(v), err }
				BD(op, 2, -EINVAL),
				BD(reserved, 1, -EINVAL),
				BD(length, 0, -EINVAL),
				BD(length, 63, -EINVAL),
				BD(length, 1ULL << 40, -EINVAL),
				BD(src_offset, BUF - 32, -EINVAL),
				BD(dst_offset, BUF, -EINVAL),
				BD(src_mr, 0xdead, -ENOENT),
				BD(dst_mr, 0xdead, -ENOENT),
				BD(dst_mr, 0, -ENOENT),
				BD(dst_mr, 0xffffffff, -ENOENT),
#undef BD
			};

			for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
				struct accel_cipher_desc save = d[5];
				uint8_t *f = (uint8_t *)&d[5] + bad[b].off;
				int ret;

				if (bad[b].size == 4) {
					uint32_t v = (uint32_t)bad[b].v;

					memcpy(f, &v, 4);
				} else {
					memcpy(f, &bad[b].v, 8);
				}
				ret = raw_submit(&e, s, cq, mr, 0, n, &idx);
				d[5] = save;
				if (ret != bad[b].err || idx != 5)
					fail_msg("%s: descriptor %s: %d (%s), index %u; expected %d, 5",
						 devs[i], bad[b].what, ret, strerror(-ret), idx,
						 bad[b].err);
			}
			d[3].dst_mr = accel_mr_id(e.romr);
			assert_int_equal(raw_submit(&e, s, cq, mr, 0, n, &idx), -EACCES);
			assert_int_equal(idx, 3);
			d[3].dst_mr = accel_mr_id(e.bmr);
			/* The first bad one is named. */
			d[2].length = 0;
			d[7].src_mr = 0xdead;
			assert_int_equal(raw_submit(&e, s, cq, mr, 0, n, &idx), -EINVAL);
			assert_int_equal(idx, 2);
			d[2].length = 64;
			assert_int_equal(raw_submit(&e, s, cq, mr, 0, n, &idx), -ENOENT);
			assert_int_equal(idx, 7);
			d[7].src_mr = accel_mr_id(e.amr);
			/* Nothing was queued by any of them. */
			assert_int_equal(accel_poll_cq(e.cq, &wc, 1), 0);
		}
		/* A CQ with fewer free slots than the batch: -ENOSPC, nothing queued. */
		ncqe = 4;	/* a power of two: the CQ has exactly that many */
		small = accel_create_cq(e.ctx, ncqe, -1);
		assert_non_null(small);
		assert_int_equal(accel_cipher_submit(e.c, s, small, dmr, 0, ncqe + 1, &idx), -ENOSPC);
		assert_int_equal(idx, ncqe + 1);
		assert_int_equal(accel_cipher_submit(e.c, s, small, dmr, 0, 4, &idx), 0);
		take_completions(small, (struct accel_wc[4]){ 0 }, 4);
		/* Full again: 3 then 2 more do not fit the one slot left. */
		assert_int_equal(accel_cipher_submit(e.c, s, small, dmr, 0, 3, &idx), 0);
		assert_int_equal(accel_cipher_submit(e.c, s, small, dmr, 0, 2, &idx), -ENOSPC);
		take_completions(small, (struct accel_wc[3]){ 0 }, 3);
		assert_int_equal(accel_poll_cq(small, &wc, 1), 0);
		assert_int_equal(accel_destroy_cq(small), 0);
		/* libaccel: objects of another context. */
		{
			struct accel_context *ctx2 = accel_open_device_by_name(e.dev);
			struct accel_cq *cq2;

			assert_non_null(ctx2);
			cq2 = accel_create_cq(ctx2, 16, -1);
			assert_non_null(cq2);
			assert_int_equal(accel_cipher_submit(e.c, s, cq2, dmr, 0, 1, &idx), -EINVAL);
			assert_int_equal(idx, 1);
			assert_int_equal(accel_destroy_cq(cq2), 0);
			assert_int_equal(accel_close_device(ctx2), 0);
		}
		assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		check_still_working(&e);
		assert_int_equal(accel_dereg_mr(dmr), 0);
		munmap(descbuf, 65536);
		cenv_close(&e);
	}
}

/* UACCEL_CIPHER_SESSIONS_MAX per context, over its facet fds; freed on close. */
/*
 * A structure that cannot take the reply (read-only): SESSION_CREATE and
 * SUBMIT fail with -EFAULT before they do anything: no session is left
 * (the next one gets id 1), nothing is queued (no completion comes).
 */
static void test_unwritable_reply(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		long page = sysconf(_SC_PAGESIZE);
		struct uaccel_cipher_session_create *sc;
		struct uaccel_cipher_submit *sub;
		struct accel_cipher_desc *d;
		uint8_t key[32] = { 7 };
		struct accel_wc wc;
		struct cenv e;
		uint8_t *ro;
		uint32_t s;

		cenv_open(&e, devs[i], 16);
		ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(ro != MAP_FAILED);
		sc = (void *)ro;
		sc->size = sizeof(*sc);
		sc->alg = ACCEL_CIPHER_AES_CBC;
		sc->key_len = 16;
		memcpy(sc->key, key, 16);
		assert_int_equal(mprotect(ro, page, PROT_READ), 0);
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SESSION_CREATE, sc), -EFAULT);
		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CBC, key, 16, &s), 0);
		assert_int_equal(s, 1);

		/* One valid request, its descriptor in a, a submission read-only. */
		d = (struct accel_cipher_desc *)(e.a + BUF - 4096);
		memset(d, 0, sizeof(*d));
		d->op = ACCEL_CIPHER_ENCRYPT;
		d->src_mr = accel_mr_id(e.amr);
		d->dst_mr = accel_mr_id(e.bmr);
		d->length = 16;
		assert_int_equal(mprotect(ro, page, PROT_READ | PROT_WRITE), 0);
		sub = (void *)ro;
		memset(sub, 0, sizeof(*sub));
		sub->size = sizeof(*sub);
		sub->session = s;
		sub->cq_id = accel_cq_id(e.cq);
		sub->desc_mr = accel_mr_id(e.amr);
		sub->desc_offset = BUF - 4096;
		sub->count = 1;
		assert_int_equal(mprotect(ro, page, PROT_READ), 0);
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SUBMIT, sub), -EFAULT);
		usleep(200000);
		assert_int_equal(accel_poll_cq(e.cq, &wc, 1), 0);
		/* The same submission, writable: one completion. */
		assert_int_equal(mprotect(ro, page, PROT_READ | PROT_WRITE), 0);
		assert_int_equal(vm_ioctl(e.fd, UACCEL_CIPHER_IOCTL_SUBMIT, sub), 0);
		take_completions(e.cq, &wc, 1);
		assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
		munmap(ro, page);
		cenv_close(&e);
	}
}

static void test_session_limit(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		uint32_t ids[UACCEL_CIPHER_SESSIONS_MAX + 1], key[8] = { 9 };
		struct accel_cipher *c2;
		struct cenv e;
		uint32_t n = 0, max;
		int ret;

		cenv_open(&e, devs[i], 16);
		max = e.attr.max_sessions;
		c2 = accel_cipher_open(e.ctx, 0);
		assert_non_null(c2);
		for (int round = 0; round < 3; round++) {
			n = 0;
			/* Half on each fd of the context, then one more anywhere. */
			while ((ret = accel_cipher_session_create(n % 2 ? c2 : e.c,
								  algs[n % 2], key, key_lens[n % 3],
								  &ids[n])) == 0) {
				assert_true(++n <= max);
			}
			if (ret == -ENOSPC && n < max) {
				/* The device's own room ran out first (hardware). */
				printf("# %s: room for %u sessions\n", devs[i], n);
			} else {
				assert_int_equal(ret, -EMFILE);
				assert_int_equal(n, max);
			}
			assert_true(n >= 2);
			/* The last one still works, the ids are distinct and not 0. */
			for (uint32_t a = 0; a < n; a++) {
				assert_true(ids[a] != 0);
				for (uint32_t b = a + 1; b < n; b++)
					assert_true(ids[a] != ids[b]);
			}
			/* One freed, one more. */
			assert_int_equal(accel_cipher_session_destroy(e.c, ids[0]), 0);
			assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CTR, key, 16,
								     &ids[0]), 0);
			assert_true(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CTR, key, 16,
								&ids[n]) < 0);
			/* Closing one fd frees its sessions, and only those. */
			assert_int_equal(accel_cipher_close(c2), 0);
			c2 = accel_cipher_open(e.ctx, 0);
			assert_non_null(c2);
			for (uint32_t a = 1; a < n; a += 2)
				assert_int_equal(accel_cipher_session_destroy(c2, ids[a]), -ENOENT);
			for (uint32_t a = 0; a < n; a += 2)
				assert_int_equal(accel_cipher_session_destroy(e.c, ids[a]), 0);
			/* Then all of the context's on one fd, closed with them. */
			n = 0;
			while (accel_cipher_session_create(c2, ACCEL_CIPHER_AES_CBC, key, 32, &ids[n]) == 0)
				assert_true(++n <= max);
			assert_true(n >= 2);
			assert_int_equal(accel_cipher_close(c2), 0);
			c2 = accel_cipher_open(e.ctx, 0);
			assert_non_null(c2);
		}
		assert_int_equal(accel_cipher_close(c2), 0);
		check_still_working(&e);
		cenv_close(&e);
	}
}

struct busy_arg {
	struct cenv *e;
	struct accel_mr *dmr;
	uint32_t session, count;
	int ret;
	volatile int started;
};

static void *busy_submit(void *p)
{
	struct busy_arg *a = p;
	uint32_t idx;

	a->started = 1;
	a->ret = accel_cipher_submit(a->e->c, a->session, a->e->cq, a->dmr, 0, a->count, &idx);
	return NULL;
}

/*
 * SESSION_DESTROY while SUBMIT requests are pending: -EBUSY.  A device that runs a batch within the
 * call (soft) has them pending during the call: another thread destroys
 * then; one that completes later (hardware), after the call too.
 */
static void test_destroy_while_pending(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		struct accel_wc *wc = calloc(UACCEL_CIPHER_BATCH_MAX, sizeof(*wc));
		struct accel_cipher_desc *d;
		uint8_t *descbuf, key[16] = { 3 };
		struct accel_mr *dmr;
		struct cenv e;
		uint32_t s, count = UACCEL_CIPHER_BATCH_MAX;
		uint64_t len = BUF / UACCEL_CIPHER_BATCH_MAX;
		int busy = 0, tries, after = 0;
		double end;

		assert_non_null(wc);
		cenv_open(&e, devs[i], 512);
		descbuf = map_buf(65536);
		dmr = accel_reg_mr(e.pd, descbuf, 65536, 0);
		assert_non_null(dmr);
		d = (struct accel_cipher_desc *)descbuf;
		for (uint32_t k = 0; k < count; k++)
			d[k] = (struct accel_cipher_desc){
				.op = ACCEL_CIPHER_ENCRYPT, .src_mr = accel_mr_id(e.amr),
				.dst_mr = accel_mr_id(e.bmr), .src_offset = k * len,
				.dst_offset = k * len, .length = len, .user_data = k,
			};
		assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CTR, key, 16, &s), 0);
		end = vm_now() + 120;
		for (tries = 0; !busy && vm_now() < end; tries++) {
			struct busy_arg a = { .e = &e, .dmr = dmr, .session = s, .count = count };
			pthread_t t;
			int r, n = 0;

			assert_int_equal(pthread_create(&t, NULL, busy_submit, &a), 0);
			while (!a.started)
				sched_yield();
			/* Give the call time to enter the kernel, more on each try. */
			usleep(100 * (tries % 50));
			r = accel_cipher_session_destroy(e.c, s);
			if (r == -EBUSY)
				busy = 1;
			else
				assert_int_equal(r, 0);
			pthread_join(t, NULL);
			if (!a.ret) {
				n = accel_poll_cq(e.cq, wc, count);
				assert_true(n >= 0);
				if (!busy && (uint32_t)n < count) {
					/* Requests still pending after the call. */
					r = accel_cipher_session_destroy(e.c, s);
					if (r == -EBUSY)
						busy = after = 1;
					else
						assert_int_equal(r, 0);
				}
				take_completions(e.cq, wc + n, count - n);
				for (uint32_t k = 0; k < count; k++)
					assert_int_equal(wc[k].status, 0);
			} else {
				/* The session went before the call found it. */
				assert_int_equal(a.ret, -ENOENT);
				assert_false(busy);
			}
			if (!busy)
				assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CTR,
									     key, 16, &s), 0);
		}
		printf("# %s: -EBUSY on try %d (%s the call)\n", devs[i], tries,
		       after ? "after" : "during");
		assert_true(busy);
		/* Once every request completed, the session goes. */
		end = vm_now() + 10;
		while (accel_cipher_session_destroy(e.c, s) == -EBUSY && vm_now() < end)
			usleep(1000);
		assert_int_equal(accel_cipher_session_destroy(e.c, s), -ENOENT);
		assert_int_equal(accel_dereg_mr(dmr), 0);
		munmap(descbuf, 65536);
		check_still_working(&e);
		cenv_close(&e);
		free(wc);
	}
}

/*
 * Once the completion of a request is seen, its session and MRs are no
 * longer busy: SESSION_DESTROY and DESTROY of the destination succeed at
 * once, with no retry, however soon after the completion they come (a
 * device that completes from another thread, virtio-crypto, releases them
 * before it posts the completion).
 */
static void test_destroy_after_completion(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		unsigned int rounds = vm_scaled(300);
		uint8_t *descbuf, *dst, key[16] = { 7 };
		struct accel_mr *dmr;
		struct cenv e;

		cenv_open(&e, devs[i], 16);
		descbuf = map_buf(4096);
		dst = map_buf(4096);
		dmr = accel_reg_mr(e.pd, descbuf, 4096, 0);
		assert_non_null(dmr);
		for (unsigned int r = 0; r < rounds; r++) {
			struct accel_cipher_desc *d = (struct accel_cipher_desc *)descbuf;
			struct accel_mr *omr = accel_reg_mr(e.pd, dst, 4096, ACCEL_ACCESS_WRITE);
			double end = vm_now() + 30;
			struct accel_wc wc;
			uint32_t s, bad;
			int n;

			assert_non_null(omr);
			assert_int_equal(accel_cipher_session_create(e.c, ACCEL_CIPHER_AES_CTR, key,
								     16, &s), 0);
			*d = (struct accel_cipher_desc){
				.op = ACCEL_CIPHER_ENCRYPT, .src_mr = accel_mr_id(e.amr),
				.dst_mr = accel_mr_id(omr), .length = 4096, .user_data = r,
			};
			assert_int_equal(accel_cipher_submit(e.c, s, e.cq, dmr, 0, 1, &bad), 0);
			/* Spin on the CQ: destroy as soon as the completion shows. */
			while (!(n = accel_poll_cq(e.cq, &wc, 1)))
				if (vm_now() > end)
					fail_msg("%s: no completion after 30 s", devs[i]);
			assert_int_equal(n, 1);
			assert_int_equal(wc.status, 0);
			assert_int_equal(wc.user_data, r);
			assert_int_equal(accel_cipher_session_destroy(e.c, s), 0);
			assert_int_equal(accel_dereg_mr(omr), 0);
		}
		assert_int_equal(accel_dereg_mr(dmr), 0);
		munmap(descbuf, 4096);
		munmap(dst, 4096);
		cenv_close(&e);
	}
}

/* 8 processes, each its own context, sessions and key, on one device. */
static void test_many_contexts(void **state)
{
	(void)state;
	for (int i = 0; i < ndevs; i++) {
		int pids[8];

		for (int p = 0; p < 8; p++) {
			pids[p] = vm_fork();
			if (pids[p])
				continue;
			srand(1000 + p);
			{
				struct accel_context *ctx = accel_open_device_by_name(devs[i]);
				struct accel_pd *pd = ctx ? accel_alloc_pd(ctx) : NULL;
				struct accel_cipher *c = ctx ? accel_cipher_open(ctx, 0) : NULL;
				size_t len = 65536;
				uint8_t *a = calloc(1, len), *b = calloc(1, len), *want = malloc(len);
				uint8_t key[32], iv[16];
				struct accel_mr *amr, *bmr;
				uint32_t s;

				vm_child_check(pd && c && a && b && want);
				/* Pages of their own before the registrations pin them. */
				memset(a, 1, len);
				memset(b, 1, len);
				amr = accel_reg_mr(pd, a, len, 0);
				bmr = accel_reg_mr(pd, b, len, ACCEL_ACCESS_WRITE);
				vm_child_check(amr && bmr);
				for (int r = 0; r < (int)vm_scaled(16); r++) {
					uint32_t alg = algs[(p + r) % 2];
					size_t kl = key_lens[(p + r) % 3];
					struct accel_cipher_desc d = {
						.op = r % 2, .src_mr = accel_mr_id(amr),
						.dst_mr = accel_mr_id(bmr), .length = len,
					};

					fill_random(a, len);
					fill_random(key, sizeof(key));
					fill_random(iv, sizeof(iv));
					memcpy(d.iv, iv, 16);
					vm_child_check(accel_cipher_session_create(c, alg, key, kl, &s) == 0);
					vm_child_check(accel_cipher_crypt(c, s, &d) == 0);
					vm_child_check(ref_crypt(alg, key, kl, d.op, iv, a, want, len) == 0);
					vm_child_check(memcmp(b, want, len) == 0);
					vm_child_check(accel_cipher_session_destroy(c, s) == 0);
				}
				/* Exit with sessions, MRs and the context open: all freed. */
				vm_child_check(accel_cipher_session_create(c, ACCEL_CIPHER_AES_CBC,
									   key, 16, &s) == 0);
				_exit(0);
			}
		}
		for (int p = 0; p < 8; p++)
			vm_wait_ok(pids[p]);
	}
}

#define T(f) cmocka_unit_test_teardown(f, vm_check_clean)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_query),
		T(test_nist_known_answers),
		T(test_random_against_openssl),
		T(test_chained_requests),
		T(test_submit_batches),
		T(test_bad_input),
		T(test_submit_bad_input),
		T(test_unwritable_reply),
		T(test_session_limit),
		T(test_destroy_while_pending),
		T(test_destroy_after_completion),
		T(test_many_contexts),
	};

	return vm_run_tests_with("vm_cipher", tests, find_devices, NULL, &base, DEV);
}
