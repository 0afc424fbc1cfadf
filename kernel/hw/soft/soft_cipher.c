// SPDX-License-Identifier: GPL-2.0-only
/*
 * uaccel_soft: "cipher.uaccel" on the CPU through the kernel's crypto API.
 *
 * A session is a skcipher transform of "cbc(aes)" or "ctr(aes)" holding
 * the key: the implementation the crypto API ranks first, as for any
 * other kernel user and for AF_ALG (on x86 with AES-NI, the SIMD one,
 * which runs at once in a process that may use the FPU).  A request runs
 * the transform over the pages of the MRs in one pass and waits for it,
 * in the caller's context; SUBMIT runs its requests the same way before
 * it returns (no submit()).  Should the crypto API rank a hardware
 * driver first (an administrator sets priorities through crypto_user),
 * the soft device uses it: the choice is the crypto API's.
 */
#include <crypto/skcipher.h>
#include <linux/scatterlist.h>

#include "soft_dev.h"

/* Bytes of one request: beyond the core's cap, which then applies. */
#define SOFT_CIPHER_MAX_LENGTH	SZ_4M

struct soft_cipher_session {
	struct crypto_skcipher *tfm;
};

static const char *soft_cipher_alg_name(u32 alg)
{
	return alg == UACCEL_CIPHER_AES_CBC ? "cbc(aes)" : "ctr(aes)";
}

static int soft_cipher_session_create(struct uaccel_device *udev,
				      struct uaccel_cipher_session *s,
				      const u8 *key)
{
	struct soft_cipher_session *ss = uaccel_cipher_session_priv(s);
	struct crypto_skcipher *tfm;
	int ret;

	tfm = crypto_alloc_skcipher(soft_cipher_alg_name(s->alg), 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOENT ? -EOPNOTSUPP : PTR_ERR(tfm);
	ret = crypto_skcipher_setkey(tfm, key, s->key_len);
	if (ret) {
		crypto_free_skcipher(tfm);
		return -EIO;
	}
	ss->tfm = tfm;
	return 0;
}

static void soft_cipher_session_destroy(struct uaccel_device *udev,
					struct uaccel_cipher_session *s)
{
	struct soft_cipher_session *ss = uaccel_cipher_session_priv(s);

	crypto_free_skcipher(ss->tfm);
}

static int soft_cipher_crypt(struct uaccel_device *udev,
			     struct uaccel_cipher_req *req)
{
	struct soft_cipher_session *ss = uaccel_cipher_session_priv(req->session);
	struct sg_table src, dst;
	struct skcipher_request *sreq;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[UACCEL_CIPHER_IV_SIZE];
	int ret;

	ret = uaccel_mr_sg_table(req->src, req->src_offset, req->length, &src,
				 GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	ret = uaccel_mr_sg_table(req->dst, req->dst_offset, req->length, &dst,
				 GFP_KERNEL_ACCOUNT);
	if (ret)
		goto out_free_src;
	sreq = skcipher_request_alloc(ss->tfm, GFP_KERNEL_ACCOUNT);
	if (!sreq) {
		ret = -ENOMEM;
		goto out_free_dst;
	}
	/* The transform updates the IV it is given: a copy of the request's. */
	memcpy(iv, req->iv, sizeof(iv));
	skcipher_request_set_callback(sreq, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(sreq, src.sgl, dst.sgl, req->length, iv);
	if (req->op == UACCEL_CIPHER_ENCRYPT)
		ret = crypto_skcipher_encrypt(sreq);
	else
		ret = crypto_skcipher_decrypt(sreq);
	ret = crypto_wait_req(ret, &wait);
	if (ret)
		ret = -EIO;
	skcipher_request_free(sreq);
	memzero_explicit(iv, sizeof(iv));
out_free_dst:
	sg_free_table(&dst);
out_free_src:
	sg_free_table(&src);
	return ret;
}

static const struct uaccel_cipher_ops soft_cipher_ops = {
	.algs = BIT(UACCEL_CIPHER_AES_CBC) | BIT(UACCEL_CIPHER_AES_CTR),
	.max_length = SOFT_CIPHER_MAX_LENGTH,
	.session_priv_size = sizeof(struct soft_cipher_session),
	.session_create = soft_cipher_session_create,
	.session_destroy = soft_cipher_session_destroy,
	.crypt = soft_cipher_crypt,
};

const struct uaccel_facet soft_cipher_facet =
	UACCEL_CIPHER_FACET_INIT(&soft_cipher_ops);
