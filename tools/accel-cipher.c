// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * accel-cipher: encrypt or decrypt a file with AES-CBC or AES-CTR on any
 * device serving cipher.uaccel, as "openssl enc -nopad" does on the CPU:
 * the same key, IV and output bytes.  The data goes through two
 * registered MRs in chunks; each chunk is one CRYPT, the IV carried from
 * one chunk to the next as the mode does (CBC: the last ciphertext block;
 * CTR: the counter advanced by the chunk's blocks).  --verify computes
 * the same with OpenSSL and fails on any difference.
 *
 * No padding: CBC input must be a whole number of 16-byte blocks.
 */
#include <accel/accel.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <uaccel/cipher.h>

#include "cli.h"

#define DEFAULT_CHUNK	(1UL << 20)
#define MAX_CHUNK	(64UL << 20)

static const char prog[] = "accel-cipher";

static const struct cipher_name {
	const char *name;
	uint32_t alg;
	size_t key_len;
} ciphers[] = {
	{ "aes-128-cbc", ACCEL_CIPHER_AES_CBC, 16 },
	{ "aes-192-cbc", ACCEL_CIPHER_AES_CBC, 24 },
	{ "aes-256-cbc", ACCEL_CIPHER_AES_CBC, 32 },
	{ "aes-128-ctr", ACCEL_CIPHER_AES_CTR, 16 },
	{ "aes-192-ctr", ACCEL_CIPHER_AES_CTR, 24 },
	{ "aes-256-ctr", ACCEL_CIPHER_AES_CTR, 32 },
};

static void usage(void)
{
	printf("usage: accel-cipher -a CIPHER -K HEXKEY -I HEXIV [-e|-D] [-d DEVICE]\n"
	       "                    [-i INPUT] [-o OUTPUT] [-c BYTES] [--verify]\n"
	       "Encrypt or decrypt INPUT (default: standard input) into OUTPUT (default:\n"
	       "standard output) on an accelerator serving cipher.uaccel, with the same\n"
	       "output bytes as 'openssl enc -nopad -CIPHER -K HEXKEY -iv HEXIV'.\n"
	       "No padding: CBC input must be a multiple of 16 bytes.\n"
	       "\n"
	       "  -a, --cipher CIPHER  aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-ctr,\n"
	       "                       aes-192-ctr or aes-256-ctr\n"
	       "  -K, --key HEXKEY     the key: 32, 48 or 64 hexadecimal digits\n"
	       "  -I, --iv HEXIV       the IV (CBC) or initial counter block (CTR):\n"
	       "                       32 hexadecimal digits\n"
	       "  -e, --encrypt        encrypt (the default)\n"
	       "  -D, --decrypt        decrypt\n"
	       "  -d, --device DEVICE  the device (default: the one accel_select_device()\n"
	       "                       picks among those serving cipher.uaccel)\n"
	       "  -i, --in INPUT       read INPUT ('-': standard input)\n"
	       "  -o, --out OUTPUT     write OUTPUT ('-': standard output)\n"
	       "  -c, --chunk BYTES    bytes of one request, a multiple of 16 from 16 to\n"
	       "                       %lu (default %lu; the device's limit applies)\n"
	       "      --verify         also compute with OpenSSL and fail on a difference\n"
	       "  -v, --verbose        say which device and how many requests on stderr\n"
	       "  -h, --help           print this text and exit\n"
	       "  -V, --version        print the version and exit\n"
	       "\n"
	       "Exit status: 0 done (and verified); 1 a failure or a difference from\n"
	       "OpenSSL; 2 usage error.\n",
	       MAX_CHUNK, DEFAULT_CHUNK);
}

/* @hex as exactly @len bytes: 0, or -1. */
static int parse_hex(const char *hex, uint8_t *out, size_t len)
{
	if (strlen(hex) != 2 * len)
		return -1;
	for (size_t i = 0; i < 2 * len; i++) {
		char ch = hex[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0' :
			ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
			ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

		if (v < 0)
			return -1;
		if (i % 2)
			out[i / 2] |= (uint8_t)v;
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	return 0;
}

/* Fill @buf from @fd up to @len bytes: the bytes read, or -errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		got += r;
	}
	return got;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= w;
	}
	return 0;
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

static const EVP_CIPHER *evp_cipher(const struct cipher_name *c)
{
	return EVP_get_cipherbyname(c->name);
}

struct job {
	const struct cipher_name *cipher;
	uint8_t key[32], iv[16];
	uint32_t op;
	const char *dev, *in, *out;
	unsigned long chunk;
	bool verify, verbose;
};

static int fail_errno(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, strerror(err), cli_errname(err));
	return CLI_EXIT_FAILURE;
}

/* Open the device and the facet: the context, or NULL after saying why. */
static struct accel_context *open_device(struct job *j, char *name, size_t len)
{
	static const struct accel_facet_req req = { UACCEL_CIPHER_FACET, 1, UACCEL_CIPHER_VERSION };
	struct accel_select_attr attr = { .facet_flags = ACCEL_FACET_CLOEXEC };
	struct accel_selection sel;
	struct accel_context *ctx;

	if (j->dev) {
		ctx = accel_open_device_by_name(j->dev);
		if (!ctx)
			cli_libaccel_error(prog, errno);
		snprintf(name, len, "%s", j->dev);
		return ctx;
	}
	ctx = accel_select_device(&req, 1, &attr, sizeof(attr), &sel, sizeof(sel));
	if (!ctx) {
		cli_libaccel_error(prog, errno);
		return NULL;
	}
	close(sel.facet_fd);
	snprintf(name, len, "%s", sel.device);
	return ctx;
}

static int run(struct job *j, int in_fd, int out_fd)
{
	struct accel_cipher_attr attr;
	struct accel_context *ctx;
	struct accel_cipher *c = NULL;
	struct accel_pd *pd = NULL;
	struct accel_mr *src_mr = NULL, *dst_mr = NULL;
	EVP_CIPHER_CTX *evp = NULL;
	uint8_t *src = MAP_FAILED, *dst = MAP_FAILED, *ref = NULL;
	uint8_t iv[16];
	unsigned long long total = 0, requests = 0;
	size_t chunk = j->chunk;
	char name[ACCEL_NAME_MAX];
	uint32_t session = 0;
	int ret, status = CLI_EXIT_FAILURE;

	ctx = open_device(j, name, sizeof(name));
	if (!ctx)
		return CLI_EXIT_FAILURE;
	c = accel_cipher_open(ctx, ACCEL_FACET_CLOEXEC);
	if (!c) {
		cli_libaccel_error(prog, errno);
		goto out;
	}
	ret = accel_cipher_query(c, &attr, sizeof(attr));
	if (ret) {
		fprintf(stderr, "%s: %s: query: %s (%s)\n", prog, name, strerror(-ret),
			cli_errname(-ret));
		goto out;
	}
	if (!(attr.algs & (1U << j->cipher->alg))) {
		fprintf(stderr, "%s: %s does not serve %s (EOPNOTSUPP)\n", prog, name,
			j->cipher->name);
		goto out;
	}
	if (chunk > attr.max_length)
		chunk = attr.max_length & ~(size_t)15;
	ret = accel_cipher_session_create(c, j->cipher->alg, j->key, j->cipher->key_len, &session);
	if (ret) {
		fprintf(stderr, "%s: %s: session for %s: %s (%s)\n", prog, name, j->cipher->name,
			strerror(-ret), cli_errname(-ret));
		goto out;
	}
	pd = accel_alloc_pd(ctx);
	src = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pd || src == MAP_FAILED || dst == MAP_FAILED) {
		fail_errno(name, errno);
		goto out;
	}
	/* Pages of their own before they are pinned. */
	memset(src, 0, chunk);
	memset(dst, 0, chunk);
	src_mr = accel_reg_mr(pd, src, chunk, 0);
	dst_mr = accel_reg_mr(pd, dst, chunk, ACCEL_ACCESS_WRITE);
	if (!src_mr || !dst_mr) {
		fail_errno("registering the buffers (RLIMIT_MEMLOCK? try a smaller --chunk)", errno);
		goto out;
	}
	if (j->verify) {
		evp = EVP_CIPHER_CTX_new();
		ref = malloc(chunk);
		if (!evp || !ref ||
		    !EVP_CipherInit_ex(evp, evp_cipher(j->cipher), NULL, j->key, j->iv,
				       j->op == ACCEL_CIPHER_ENCRYPT) ||
		    !EVP_CIPHER_CTX_set_padding(evp, 0)) {
			fprintf(stderr, "%s: OpenSSL could not set up %s\n", prog, j->cipher->name);
			goto out;
		}
	}
	memcpy(iv, j->iv, sizeof(iv));
	for (;;) {
		struct accel_cipher_desc d = {
			.op = j->op,
			.src_mr = accel_mr_id(src_mr),
			.dst_mr = accel_mr_id(dst_mr),
		};
		ssize_t n = read_full(in_fd, src, chunk);

		if (n < 0) {
			fail_errno(j->in ? j->in : "standard input", (int)-n);
			goto out;
		}
		if (!n)
			break;
		if (j->cipher->alg == ACCEL_CIPHER_AES_CBC && n % 16) {
			fprintf(stderr, "%s: CBC input must be a multiple of 16 bytes (no padding): %llu bytes\n",
				prog, total + n);
			goto out;
		}
		d.length = n;
		memcpy(d.iv, iv, sizeof(iv));
		ret = accel_cipher_crypt(c, session, &d);
		if (ret) {
			fprintf(stderr, "%s: %s: %s of %zd bytes at %llu: %s (%s)\n", prog, name,
				j->op == ACCEL_CIPHER_ENCRYPT ? "encryption" : "decryption", n,
				total, strerror(-ret), cli_errname(-ret));
			goto out;
		}
		requests++;
		if (j->verify) {
			int m = 0;

			if (!EVP_CipherUpdate(evp, ref, &m, src, (int)n) || m != n) {
				fprintf(stderr, "%s: OpenSSL failed at %llu\n", prog, total);
				goto out;
			}
			if (memcmp(ref, dst, n)) {
				ssize_t k = 0;

				while (ref[k] == dst[k])
					k++;
				fprintf(stderr, "%s: %s: output differs from OpenSSL's at byte %llu\n",
					prog, name, total + k);
				goto out;
			}
		}
		/* The IV of the next chunk continues the stream. */
		if (j->cipher->alg == ACCEL_CIPHER_AES_CBC)
			memcpy(iv, (j->op == ACCEL_CIPHER_ENCRYPT ? dst : src) + n - 16, 16);
		else
			ctr_add(iv, (uint64_t)n / 16);
		ret = write_full(out_fd, dst, n);
		if (ret) {
			fail_errno(j->out ? j->out : "standard output", -ret);
			goto out;
		}
		total += n;
		/* Short only at the end of the input. */
		if ((size_t)n < chunk)
			break;
	}
	if (j->verbose)
		fprintf(stderr, "%s: %s: %s %llu bytes in %llu request%s%s\n", prog, name,
			j->op == ACCEL_CIPHER_ENCRYPT ? "encrypted" : "decrypted", total,
			requests, requests == 1 ? "" : "s",
			j->verify ? ", the same as OpenSSL's" : "");
	status = 0;
out:
	EVP_CIPHER_CTX_free(evp);
	free(ref);
	if (src_mr)
		accel_dereg_mr(src_mr);
	if (dst_mr)
		accel_dereg_mr(dst_mr);
	if (src != MAP_FAILED)
		munmap(src, chunk);
	if (dst != MAP_FAILED)
		munmap(dst, chunk);
	if (pd)
		accel_dealloc_pd(pd);
	if (session)
		accel_cipher_session_destroy(c, session);
	accel_cipher_close(c);
	accel_close_device(ctx);
	return status;
}

int main(int argc, char **argv)
{
	enum { OPT_VERIFY = 256 };
	static const struct option opts[] = {
		{ "cipher", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'K' },
		{ "iv", required_argument, NULL, 'I' },
		{ "encrypt", no_argument, NULL, 'e' },
		{ "decrypt", no_argument, NULL, 'D' },
		{ "device", required_argument, NULL, 'd' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "verbose", no_argument, NULL, 'v' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct job j = { .op = ACCEL_CIPHER_ENCRYPT, .chunk = DEFAULT_CHUNK };
	const char *key = NULL, *iv = NULL;
	int c, in_fd = STDIN_FILENO, out_fd = STDOUT_FILENO, status;

	while ((c = getopt_long(argc, argv, "a:K:I:eDd:i:o:c:v" CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			j.cipher = NULL;
			for (size_t k = 0; k < sizeof(ciphers) / sizeof(ciphers[0]); k++)
				if (!strcasecmp(optarg, ciphers[k].name))
					j.cipher = &ciphers[k];
			if (!j.cipher)
				return cli_usage_error(prog, "--cipher: unknown cipher '%s' (aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-ctr, aes-192-ctr, aes-256-ctr)",
						       optarg);
			break;
		case 'K':
			key = optarg;
			break;
		case 'I':
			iv = optarg;
			break;
		case 'e':
			j.op = ACCEL_CIPHER_ENCRYPT;
			break;
		case 'D':
			j.op = ACCEL_CIPHER_DECRYPT;
			break;
		case 'd':
			if (!*optarg)
				return cli_usage_error(prog, "empty device name");
			j.dev = optarg;
			break;
		case 'i':
			j.in = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'o':
			j.out = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'c':
			if (cli_parse_ulong(optarg, MAX_CHUNK, &j.chunk) || j.chunk < 16 || j.chunk % 16)
				return cli_usage_error(prog, "--chunk: '%s' is not a multiple of 16 from 16 to %lu",
						       optarg, MAX_CHUNK);
			break;
		case OPT_VERIFY:
			j.verify = true;
			break;
		case 'v':
			j.verbose = true;
			break;
		default:
			return cli_parse_common(prog, c, usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(prog, "unexpected operand '%s'", argv[optind]);
	if (!j.cipher)
		return cli_usage_error(prog, "missing --cipher");
	if (!key)
		return cli_usage_error(prog, "missing --key");
	if (!iv)
		return cli_usage_error(prog, "missing --iv");
	if (parse_hex(key, j.key, j.cipher->key_len))
		return cli_usage_error(prog, "--key: %s takes %zu hexadecimal digits",
				       j.cipher->name, 2 * j.cipher->key_len);
	if (parse_hex(iv, j.iv, sizeof(j.iv)))
		return cli_usage_error(prog, "--iv: 32 hexadecimal digits");

	if (j.in) {
		in_fd = open(j.in, O_RDONLY | O_CLOEXEC);
		if (in_fd < 0)
			return fail_errno(j.in, errno);
	}
	if (j.out) {
		out_fd = open(j.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out_fd < 0)
			return fail_errno(j.out, errno);
	}
	status = run(&j, in_fd, out_fd);
	explicit_bzero(j.key, sizeof(j.key));
	if (j.out && close(out_fd) && !status)
		status = fail_errno(j.out, errno);
	if (j.in)
		close(in_fd);
	return status;
}
