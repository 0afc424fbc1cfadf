// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * AES-128-CBC encryption throughput: uaccel's "cipher.uaccel" facet
 * against AF_ALG on the same kernel code and against OpenSSL in userspace.
 * One iteration encrypts B buffers of S bytes (B = 1, 32; S = 64 B, 4 KiB,
 * 64 KiB, 1 MiB), each buffer from its own IV, from one buffer area into
 * another:
 *  - uaccel-soft, uaccel-vcrypto: one CRYPT ioctl per buffer, between two
 *    MRs of the device's context (raw uAPI on the facet fd);
 *  - uaccel-soft-submit, uaccel-vcrypto-submit: one SUBMIT of B
 *    descriptors read from an MR, then the B completions taken from the
 *    CQ (accel_poll_cq(), --spin polls, then accel_wait_cq());
 *  - afalg-soft, afalg-virtio: an AF_ALG "skcipher" socket bound to a
 *    driver name: per buffer a sendmsg() with ALG_SET_OP and ALG_SET_IV
 *    and the data, then a read() of the output, in chunks of at most
 *    64 KiB (MSG_MORE between them), as libkcapi does;
 *  - afalg-soft-splice, afalg-virtio-splice: the zero-copy path: the
 *    sendmsg() carries only the operation and the IV, the data goes
 *    through vmsplice() into a pipe and splice() into the socket (64 KiB,
 *    the pipe's size, at a time), the output is read();
 *  - afalg-cbc-aes: AF_ALG bound to "cbc(aes)", the kernel's own choice
 *    of implementation (highest priority, asynchronous ones included: the
 *    SIMD "cbc-aes-aesni" where AES-NI is there), for reference;
 *  - openssl: EVP_EncryptInit_ex() with the buffer's IV and
 *    EVP_EncryptUpdate() (no padding), in the calling thread.
 * The soft side's AF_ALG socket names the driver that the soft device's
 * transform got (the best "cbc(aes)" of /proc/crypto, asynchronous
 * ones included, as the soft driver asks the crypto API, read after the
 * soft device created its session), so both run the same kernel code; the virtio side's names "virtio_crypto_aes_cbc", the
 * kernel's virtio_crypto driver, bound to the twin of the uaccel_vcrypto
 * device by bench/vm-bench.sh.
 * Before measuring, every path encrypts the same 2 x 4 KiB and 1 MiB as
 * OpenSSL and must produce the same ciphertext.  The main thread is pinned
 * to CPU 0.  A path that cannot be set up is reported as skipped (the
 * vcrypto paths when there is no device); a path that fails or produces a
 * wrong ciphertext fails the group.
 */
#include <accel/accel.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uaccel/cipher.h>

#ifdef HAVE_OPENSSL
#include <openssl/evp.h>
#endif

#include "bench.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define CIPHER_BATCH_MAX	32
#define CIPHER_SIZE_MAX		(1 << 20)
#define AREA_LEN		((size_t)CIPHER_BATCH_MAX * CIPHER_SIZE_MAX)
/* Bytes per AF_ALG send or splice: the pipe's default size. */
#define AFALG_CHUNK		(64 << 10)
#define VIRTIO_DRIVER		"virtio_crypto_aes_cbc"

enum cpath {
	C_SOFT,
	C_SOFT_SUBMIT,
	C_AFALG_SOFT,
	C_AFALG_SOFT_SPLICE,
	C_OPENSSL,
	C_VC,
	C_VC_SUBMIT,
	C_AFALG_VIRTIO,
	C_AFALG_VIRTIO_SPLICE,
	C_AFALG_DEFAULT,
	NR_CPATHS,
};

static const char *const cpath_names[NR_CPATHS] = {
	[C_SOFT] = "uaccel-soft",
	[C_SOFT_SUBMIT] = "uaccel-soft-submit",
	[C_AFALG_SOFT] = "afalg-soft",
	[C_AFALG_SOFT_SPLICE] = "afalg-soft-splice",
	[C_OPENSSL] = "openssl",
	[C_VC] = "uaccel-vcrypto",
	[C_VC_SUBMIT] = "uaccel-vcrypto-submit",
	[C_AFALG_VIRTIO] = "afalg-virtio",
	[C_AFALG_VIRTIO_SPLICE] = "afalg-virtio-splice",
	[C_AFALG_DEFAULT] = "afalg-cbc-aes",
};

static const unsigned char key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};

/* One uaccel device's context, MRs over the shared areas, facet, session. */
struct ua_dev {
	struct accel_context *ctx;
	struct accel_pd *pd;
	struct accel_mr *src, *dst, *desc;
	struct accel_cq *cq;
	int fd;
	uint32_t session;
	size_t max_len;	/* bytes of one request: longer buffers are chained */
};

struct cpath_state {
	bool ok;
	char why[200];
	struct ua_dev *ua;	/* uaccel paths */
	int tfm, op;		/* AF_ALG: the bound socket, the operation socket */
	int pipe[2];		/* AF_ALG splice */
	bool splice;
#ifdef HAVE_OPENSSL
	EVP_CIPHER_CTX *evp;
#endif
};

/* What every path encrypts: the areas, the descriptors and the shape. */
static struct {
	unsigned char *src, *dst;
	struct uaccel_cipher_desc *descs;
	size_t size;
	int batch;
	unsigned char iv[CIPHER_BATCH_MAX][16];
} cw;

static struct ua_dev soft_dev = { .fd = -1 }, vc_dev = { .fd = -1 };

/* ---- uaccel ---- */

static void ua_close(struct ua_dev *u)
{
	if (u->session) {
		struct uaccel_cipher_session_destroy d = {
			.size = sizeof(d), .session = u->session,
		};

		ioctl(u->fd, UACCEL_CIPHER_IOCTL_SESSION_DESTROY, &d);
	}
	if (u->fd >= 0)
		close(u->fd);
	if (u->cq)
		accel_destroy_cq(u->cq);
	if (u->desc)
		accel_dereg_mr(u->desc);
	if (u->dst)
		accel_dereg_mr(u->dst);
	if (u->src)
		accel_dereg_mr(u->src);
	if (u->pd)
		accel_dealloc_pd(u->pd);
	if (u->ctx)
		accel_close_device(u->ctx);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

static int ua_open(struct ua_dev *u, const char *name, char *why, size_t whylen)
{
	static const struct accel_facet_req req[] = {
		{ UACCEL_CIPHER_FACET, 1, UACCEL_CIPHER_VERSION },
	};
	struct uaccel_cipher_session_create sc = {
		.size = sizeof(sc), .alg = UACCEL_CIPHER_AES_CBC, .key_len = 16,
	};
	struct uaccel_cipher_query q = { .size = sizeof(q) };
	const char *what;

	if (u->ctx)
		return 0;
	u->ctx = accel_open_device_by_name(name);
	if (!u->ctx) {
		snprintf(why, whylen, "no device %s: %s", name, strerror(errno));
		return -ENODEV;
	}
	what = "PD";
	u->pd = accel_alloc_pd(u->ctx);
	if (!u->pd)
		goto fail;
	what = "MRs";
	u->src = accel_reg_mr(u->pd, cw.src, AREA_LEN, 0);
	u->dst = accel_reg_mr(u->pd, cw.dst, AREA_LEN, ACCEL_ACCESS_WRITE);
	u->desc = accel_reg_mr(u->pd, cw.descs,
			       CIPHER_BATCH_MAX * sizeof(*cw.descs), 0);
	if (!u->src || !u->dst || !u->desc)
		goto fail;
	what = "CQ";
	u->cq = accel_create_cq(u->ctx, 4 * CIPHER_BATCH_MAX, -1);
	if (!u->cq)
		goto fail;
	u->fd = accel_get_facet(u->ctx, req, 1, ACCEL_FACET_CLOEXEC, NULL, NULL);
	if (u->fd < 0) {
		snprintf(why, whylen, "%s: no %s facet: %s", name,
			 UACCEL_CIPHER_FACET, strerror(-u->fd));
		ua_close(u);
		return -ENOENT;
	}
	what = "QUERY";
	if (ioctl(u->fd, UACCEL_CIPHER_IOCTL_QUERY, &q))
		goto fail;
	if (q.out_max_length < AFALG_CHUNK ||
	    q.out_max_batch < CIPHER_BATCH_MAX ||
	    !(q.out_algs & (1U << UACCEL_CIPHER_AES_CBC))) {
		snprintf(why, whylen, "%s: max length %llu, batch %u, algs %#x: too small",
			 name, (unsigned long long)q.out_max_length,
			 q.out_max_batch, q.out_algs);
		ua_close(u);
		return -EOPNOTSUPP;
	}
	what = "SESSION_CREATE";
	memcpy(sc.key, key, sizeof(key));
	if (ioctl(u->fd, UACCEL_CIPHER_IOCTL_SESSION_CREATE, &sc))
		goto fail;
	u->session = sc.out_session;
	u->max_len = q.out_max_length & ~(size_t)15;
	return 0;

fail:
	snprintf(why, whylen, "%s: %s: %s", name, what, strerror(errno));
	ua_close(u);
	return -EIO;
}

/*
 * One CRYPT per buffer; a buffer longer than the device's requests is
 * encrypted as a chain of requests, each taking the last ciphertext block
 * of the one before as its IV (what CBC gives over the whole buffer).
 */
static int ua_crypt(void *arg, long n)
{
	struct cpath_state *p = arg;
	struct ua_dev *u = p->ua;
	struct uaccel_cipher_crypt c = {
		.size = sizeof(c), .session = u->session,
		.op = UACCEL_CIPHER_ENCRYPT,
		.src_mr = accel_mr_id(u->src), .dst_mr = accel_mr_id(u->dst),
	};
	size_t off, done;
	int i;

	while (n--) {
		for (i = 0; i < cw.batch; i++) {
			off = (size_t)i * cw.size;
			memcpy(c.iv, cw.iv[i], sizeof(c.iv));
			for (done = 0; done < cw.size; done += c.length) {
				c.src_offset = c.dst_offset = off + done;
				c.length = cw.size - done < u->max_len ?
					   cw.size - done : u->max_len;
				if (done)
					memcpy(c.iv, cw.dst + off + done - 16, 16);
				if (ioctl(u->fd, UACCEL_CIPHER_IOCTL_CRYPT, &c))
					return -errno;
			}
		}
	}
	return 0;
}

/* Take @count completions of @cq: polls, then a sleep. */
static int ua_reap(struct ua_dev *u, int count, uint64_t length)
{
	struct accel_wc wc[CIPHER_BATCH_MAX];
	int i, k, got, spins;

	for (got = 0, spins = 0; got < count;) {
		k = accel_poll_cq(u->cq, wc, count - got);
		if (k < 0)
			return k;
		for (i = 0; i < k; i++)
			if (wc[i].status || wc[i].result != length)
				return wc[i].status ? -(int)wc[i].status : -EPROTO;
		got += k;
		if (k || got == count || ++spins < cfg.spin_polls)
			continue;
		k = accel_wait_cq(u->cq, 1000);
		if (k && k != -ETIMEDOUT)
			return k;
	}
	return 0;
}

/*
 * One SUBMIT of the batch's descriptors, then its completions.  A buffer
 * longer than the device's requests (batch 1 only) is a chain of SUBMITs
 * of one descriptor, each waited for: its IV is the output of the one
 * before.
 */
static int ua_submit(void *arg, long n)
{
	struct cpath_state *p = arg;
	struct ua_dev *u = p->ua;
	struct uaccel_cipher_submit s = {
		.size = sizeof(s), .session = u->session,
		.cq_id = accel_cq_id(u->cq), .desc_mr = accel_mr_id(u->desc),
		.count = cw.batch,
	};
	struct uaccel_cipher_desc *d = cw.descs;
	size_t done;
	int i, ret;

	for (i = 0; i < cw.batch; i++) {
		d[i].src_mr = accel_mr_id(u->src);
		d[i].dst_mr = accel_mr_id(u->dst);
	}
	if (cw.size > u->max_len && cw.batch != 1)
		return -EINVAL;
	while (n--) {
		if (cw.size <= u->max_len) {
			if (ioctl(u->fd, UACCEL_CIPHER_IOCTL_SUBMIT, &s))
				return -errno;
			ret = ua_reap(u, cw.batch, cw.size);
			if (ret)
				return ret;
			continue;
		}
		memcpy(d->iv, cw.iv[0], 16);
		for (done = 0; done < cw.size; done += d->length) {
			d->src_offset = d->dst_offset = done;
			d->length = cw.size - done < u->max_len ? cw.size - done : u->max_len;
			if (done)
				memcpy(d->iv, cw.dst + done - 16, 16);
			if (ioctl(u->fd, UACCEL_CIPHER_IOCTL_SUBMIT, &s))
				return -errno;
			ret = ua_reap(u, 1, d->length);
			if (ret)
				return ret;
		}
		/* The descriptor as set_shape() left it. */
		d->src_offset = d->dst_offset = 0;
		d->length = cw.size;
		memcpy(d->iv, cw.iv[0], 16);
	}
	return 0;
}

/* ---- AF_ALG ---- */

/* One buffer: the operation and IV, then the data in chunks, read back. */
static int afalg_one(struct cpath_state *p, const unsigned char *src,
		     unsigned char *dst, size_t len, const unsigned char *iv)
{
	char cbuf[CMSG_SPACE(sizeof(uint32_t)) +
		  CMSG_SPACE(sizeof(struct af_alg_iv) + 16)] = { 0 };
	struct msghdr msg = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct af_alg_iv *aiv;
	struct cmsghdr *cm;
	struct iovec iov;
	size_t done, chunk;
	ssize_t r;
	bool more;

	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_OP;
	cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	*(uint32_t *)CMSG_DATA(cm) = ALG_OP_ENCRYPT;
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_IV;
	cm->cmsg_len = CMSG_LEN(sizeof(*aiv) + 16);
	aiv = (struct af_alg_iv *)CMSG_DATA(cm);
	aiv->ivlen = 16;
	memcpy(aiv->iv, iv, 16);

	for (done = 0; done < len; done += chunk) {
		chunk = len - done < AFALG_CHUNK ? len - done : AFALG_CHUNK;
		more = done + chunk < len;
		if (p->splice) {
			struct iovec viov = { (void *)(src + done), chunk };

			if (!done) {
				/* Operation and IV only; the data follows. */
				if (sendmsg(p->op, &msg, MSG_MORE) < 0)
					return -errno;
			}
			r = vmsplice(p->pipe[1], &viov, 1, SPLICE_F_GIFT);
			if (r != (ssize_t)chunk)
				return r < 0 ? -errno : -EPROTO;
			r = splice(p->pipe[0], NULL, p->op, NULL, chunk,
				   more ? SPLICE_F_MORE : 0);
			if (r != (ssize_t)chunk)
				return r < 0 ? -errno : -EPROTO;
		} else {
			iov.iov_base = (void *)(src + done);
			iov.iov_len = chunk;
			msg.msg_iov = &iov;
			msg.msg_iovlen = 1;
			if (done) {
				msg.msg_control = NULL;
				msg.msg_controllen = 0;
			}
			r = sendmsg(p->op, &msg, more ? MSG_MORE : 0);
			if (r != (ssize_t)chunk)
				return r < 0 ? -errno : -EPROTO;
		}
		r = read(p->op, dst + done, chunk);
		if (r != (ssize_t)chunk)
			return r < 0 ? -errno : -EPROTO;
	}
	return 0;
}

static int afalg_batch(void *arg, long n)
{
	struct cpath_state *p = arg;
	size_t off;
	int i, ret;

	while (n--) {
		for (i = 0; i < cw.batch; i++) {
			off = (size_t)i * cw.size;
			ret = afalg_one(p, cw.src + off, cw.dst + off, cw.size, cw.iv[i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int afalg_open(struct cpath_state *p, const char *driver, bool splice)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "skcipher" };

	p->op = p->tfm = p->pipe[0] = p->pipe[1] = -1;
	p->splice = splice;
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", driver);
	p->tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (p->tfm < 0) {
		snprintf(p->why, sizeof(p->why), "AF_ALG socket: %s", strerror(errno));
		return -errno;
	}
	if (bind(p->tfm, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(p->why, sizeof(p->why), "AF_ALG bind to %s: %s", driver,
			 strerror(errno));
		goto fail;
	}
	if (setsockopt(p->tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key))) {
		snprintf(p->why, sizeof(p->why), "ALG_SET_KEY: %s", strerror(errno));
		goto fail;
	}
	p->op = accept4(p->tfm, NULL, NULL, SOCK_CLOEXEC);
	if (p->op < 0) {
		snprintf(p->why, sizeof(p->why), "AF_ALG accept: %s", strerror(errno));
		goto fail;
	}
	if (splice && pipe2(p->pipe, O_CLOEXEC)) {
		snprintf(p->why, sizeof(p->why), "pipe: %s", strerror(errno));
		goto fail;
	}
	return 0;

fail:
	for (int i = 0; i < 2; i++)
		if (p->pipe[i] >= 0)
			close(p->pipe[i]);
	if (p->op >= 0)
		close(p->op);
	close(p->tfm);
	p->op = p->tfm = -1;
	return -EIO;
}

/*
 * The driver of the best "cbc(aes)" implementation in /proc/crypto, as
 * crypto_alloc_skcipher("cbc(aes)", 0, @async ? 0 : CRYPTO_ALG_ASYNC)
 * picks it: highest priority, internal ones left out, asynchronous ones
 * only with @async.
 */
static int proc_crypto_driver(bool async, char *drv, size_t len)
{
	FILE *f = fopen("/proc/crypto", "r");
	char line[256], name[128] = "", cur[128] = "", type[32] = "", as[8] = "";
	char internal[8] = "";
	int prio = -1, best = -1;

	if (!f)
		return -errno;
	for (;;) {
		bool end = !fgets(line, sizeof(line), f);

		if (end || line[0] == '\n') {
			if (!strcmp(name, "cbc(aes)") && !strcmp(type, "skcipher") &&
			    strcmp(internal, "yes") &&
			    (async || !strcmp(as, "no")) && prio > best) {
				best = prio;
				snprintf(drv, len, "%s", cur);
			}
			name[0] = cur[0] = type[0] = as[0] = internal[0] = '\0';
			prio = -1;
			if (end)
				break;
			continue;
		}
		sscanf(line, "name : %127s", name);
		sscanf(line, "driver : %127s", cur);
		sscanf(line, "type : %31s", type);
		sscanf(line, "async : %7s", as);
		sscanf(line, "internal : %7s", internal);
		sscanf(line, "priority : %d", &prio);
	}
	fclose(f);
	return best < 0 ? -ENOENT : 0;
}

/* Whether /proc/crypto lists the driver @drv. */
static bool proc_crypto_has(const char *drv)
{
	FILE *f = fopen("/proc/crypto", "r");
	char line[256], cur[128];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "driver : %127s", cur) == 1 && !strcmp(cur, drv);
	fclose(f);
	return found;
}

/* ---- OpenSSL ---- */

#ifdef HAVE_OPENSSL
static int openssl_batch(void *arg, long n)
{
	struct cpath_state *p = arg;
	size_t off;
	int i, outl;

	while (n--) {
		for (i = 0; i < cw.batch; i++) {
			off = (size_t)i * cw.size;
			if (!EVP_EncryptInit_ex(p->evp, NULL, NULL, NULL, cw.iv[i]) ||
			    !EVP_EncryptUpdate(p->evp, cw.dst + off, &outl, cw.src + off,
					       (int)cw.size) || outl != (int)cw.size)
				return -EPROTO;
		}
	}
	return 0;
}
#endif

/* ---- paths ---- */

static char soft_driver[128], default_driver[128];

static int cpath_open(enum cpath c, struct cpath_state *p, const char *vcrypto)
{
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->op = p->tfm = p->pipe[0] = p->pipe[1] = -1;
	switch (c) {
	case C_SOFT:
	case C_SOFT_SUBMIT:
		ret = ua_open(&soft_dev, cfg.soft_name, p->why, sizeof(p->why));
		p->ua = &soft_dev;
		break;
	case C_VC:
	case C_VC_SUBMIT:
		ret = ua_open(&vc_dev, vcrypto, p->why, sizeof(p->why));
		p->ua = &vc_dev;
		break;
	case C_AFALG_SOFT:
	case C_AFALG_SOFT_SPLICE:
		/* After the soft device's session: its transform is listed. */
		if (!soft_driver[0] &&
		    proc_crypto_driver(true, soft_driver, sizeof(soft_driver))) {
			snprintf(p->why, sizeof(p->why),
				 "no cbc(aes) in /proc/crypto");
			ret = -ENOENT;
			break;
		}
		ret = afalg_open(p, soft_driver, c == C_AFALG_SOFT_SPLICE);
		break;
	case C_AFALG_VIRTIO:
	case C_AFALG_VIRTIO_SPLICE:
		if (!proc_crypto_has(VIRTIO_DRIVER)) {
			snprintf(p->why, sizeof(p->why),
				 "no %s in /proc/crypto (no virtio-crypto device bound to virtio_crypto)",
				 VIRTIO_DRIVER);
			ret = -ENOENT;
			break;
		}
		ret = afalg_open(p, VIRTIO_DRIVER, c == C_AFALG_VIRTIO_SPLICE);
		break;
	case C_AFALG_DEFAULT:
		ret = afalg_open(p, "cbc(aes)", false);
		/* Bound: its implementation is listed now. */
		if (!ret)
			proc_crypto_driver(true, default_driver, sizeof(default_driver));
		break;
	case C_OPENSSL:
#ifdef HAVE_OPENSSL
		p->evp = EVP_CIPHER_CTX_new();
		if (!p->evp || !EVP_EncryptInit_ex(p->evp, EVP_aes_128_cbc(), NULL, key, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(p->evp, 0)) {
			snprintf(p->why, sizeof(p->why), "EVP aes-128-cbc setup failed");
			ret = -EIO;
		}
#else
		snprintf(p->why, sizeof(p->why), "built without libssl-dev");
		ret = -EOPNOTSUPP;
#endif
		break;
	default:
		ret = -EINVAL;
	}
	p->ok = !ret;
	return ret;
}

static void cpath_close(struct cpath_state *p)
{
	int i;

	for (i = 0; i < 2; i++)
		if (p->pipe[i] >= 0)
			close(p->pipe[i]);
	if (p->op >= 0)
		close(p->op);
	if (p->tfm >= 0)
		close(p->tfm);
	p->op = p->tfm = p->pipe[0] = p->pipe[1] = -1;
#ifdef HAVE_OPENSSL
	if (p->evp)
		EVP_CIPHER_CTX_free(p->evp);
	p->evp = NULL;
#endif
	p->ok = false;
}

static bench_fn cpath_fn(enum cpath c)
{
	switch (c) {
	case C_SOFT:
	case C_VC:
		return ua_crypt;
	case C_SOFT_SUBMIT:
	case C_VC_SUBMIT:
		return ua_submit;
	case C_AFALG_SOFT:
	case C_AFALG_SOFT_SPLICE:
	case C_AFALG_VIRTIO:
	case C_AFALG_VIRTIO_SPLICE:
	case C_AFALG_DEFAULT:
		return afalg_batch;
#ifdef HAVE_OPENSSL
	case C_OPENSSL:
		return openssl_batch;
#endif
	default:
		return NULL;
	}
}

/* The shape of the next iterations: @batch buffers of @size bytes. */
static void set_shape(size_t size, int batch)
{
	int i;

	cw.size = size;
	cw.batch = batch;
	memset(cw.descs, 0, CIPHER_BATCH_MAX * sizeof(*cw.descs));
	for (i = 0; i < batch; i++) {
		cw.descs[i].op = UACCEL_CIPHER_ENCRYPT;
		cw.descs[i].src_offset = (uint64_t)i * size;
		cw.descs[i].dst_offset = (uint64_t)i * size;
		cw.descs[i].length = size;
		cw.descs[i].user_data = i;
		memcpy(cw.descs[i].iv, cw.iv[i], 16);
	}
}

/*
 * Every open path encrypts @batch buffers of @size: the same ciphertext as
 * OpenSSL's (or, without OpenSSL, as the first path's).  0 or -1.
 */
static int verify(struct cpath_state *st, size_t size, int batch)
{
	size_t len = size * batch;
	unsigned char *ref = malloc(len);
	bool have_ref = false;
	int c, ret, bad = 0;

	BENCH_CHECK(ref, "out of memory");
	set_shape(size, batch);
	for (c = C_OPENSSL; c < NR_CPATHS + C_OPENSSL; c++) {
		int i = c % NR_CPATHS;

		if (!st[i].ok)
			continue;
		memset(cw.dst, 0, len);
		ret = cpath_fn(i)(&st[i], 1);
		if (ret) {
			fprintf(stderr, "uaccel-bench: cipher %s: %zu x %d bytes: %s\n",
				cpath_names[i], size, batch, strerror(-ret));
			bad = -1;
			continue;
		}
		if (!have_ref) {
			memcpy(ref, cw.dst, len);
			have_ref = true;
		} else if (memcmp(ref, cw.dst, len)) {
			fprintf(stderr, "uaccel-bench: cipher %s: %zu x %d bytes: ciphertext differs from %s's\n",
				cpath_names[i], size, batch,
				st[C_OPENSSL].ok ? "OpenSSL" : "the first path");
			bad = -1;
		}
	}
	free(ref);
	return bad;
}

/* --cipher-only PATH,SIZE,BATCH of @arg: 0 and the three, or -1. */
static int parse_only(const char *arg, int *path, size_t *size, int *batch)
{
	char name[64];
	unsigned long z;
	int i, n = -1;

	if (sscanf(arg, "%63[^,],%lu,%d%n", name, &z, batch, &n) != 3 || n < 0 ||
	    arg[n] || arg[0] == ',')
		return -1;
	for (i = 0; i < NR_CPATHS && strcmp(cpath_names[i], name); i++)
		;
	if (i == NR_CPATHS || (*batch != 1 && *batch != CIPHER_BATCH_MAX) ||
	    (z != 64 && z != 4096 && z != 65536 && z != 1048576))
		return -1;
	*path = i;
	*size = z;
	return 0;
}

int bench_cipher_check_only(const char *arg)
{
	size_t size;
	int path, batch;

	return parse_only(arg, &path, &size, &batch);
}

int bench_cipher(void)
{
	static const size_t sizes[] = { 64, 4096, 64 << 10, 1 << 20 };
	static const int batches[] = { 1, CIPHER_BATCH_MAX };
	struct cpath_state *st = calloc(NR_CPATHS, sizeof(*st));
	double *samples = calloc((size_t)NR_CPATHS * cfg.repeats, sizeof(double));
	const char *vcrypto = cfg.vcrypto_name;
	long iters[NR_CPATHS];
	cpu_set_t old, one;
	int s, b, r, i, k, rc = 0;
	size_t j;

	int only = NR_CPATHS;
	size_t only_size = 0;
	int only_batch = 0;

	BENCH_CHECK(st && samples, "out of memory");
	BENCH_CHECK(!cfg.cipher_only ||
		    !parse_only(cfg.cipher_only, &only, &only_size, &only_batch),
		    "--cipher-only: '%s' is not PATH,SIZE,BATCH (a cipher path, 64, 4096, 65536 or 1048576, 1 or 32)",
		    cfg.cipher_only);
	cw.src = mmap(NULL, 2 * AREA_LEN + 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	BENCH_CHECK(cw.src != MAP_FAILED, "cipher buffers: %s", strerror(errno));
	cw.dst = cw.src + AREA_LEN;
	cw.descs = (struct uaccel_cipher_desc *)(cw.dst + AREA_LEN);
	for (j = 0; j < AREA_LEN; j++)
		cw.src[j] = (unsigned char)(j * 131 + (j >> 12));
	for (i = 0; i < CIPHER_BATCH_MAX; i++)
		for (k = 0; k < 16; k++)
			cw.iv[i][k] = (unsigned char)(i * 16 + k);

	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);

	for (i = 0; i < NR_CPATHS; i++) {
		/* The soft device's session comes first: it names afalg-soft's driver. */
		if (only < NR_CPATHS && i != only && i != C_SOFT)
			continue;
		if (cpath_open(i, &st[i], vcrypto)) {
			/* No vcrypto device, no OpenSSL: not measured, said why. */
			bench_skip(cpath_names[i], "cipher", cpath_names[i], st[i].why);
		}
	}
	jl_begin("meta");
	jl_str("cipher_soft_driver", soft_driver[0] ? soft_driver : "");
	jl_str("cipher_virtio_driver", st[C_AFALG_VIRTIO].ok ? VIRTIO_DRIVER : "");
	jl_str("cipher_vcrypto", vcrypto);
	jl_str("cipher_default_driver", default_driver);
	jl_end();
	fprintf(stderr, "uaccel-bench: cipher: soft transform %s\n",
		soft_driver[0] ? soft_driver : "(none)");
	/* The soft paths and their baselines must all be there, and the
	 * vcrypto ones when a device was named.
	 */
	if (only < NR_CPATHS && only != C_SOFT)
		cpath_close(&st[C_SOFT]);
	for (i = 0; i < NR_CPATHS; i++) {
		if (st[i].ok || i == C_OPENSSL || (only < NR_CPATHS && i != only))
			continue;
		if (i <= C_AFALG_SOFT_SPLICE || cfg.vcrypto_required)
			rc = -1;
	}
	if (verify(st, 4096, 2) || verify(st, 1 << 20, 1))
		rc = -1;

	for (s = 0; !rc && s < (int)(sizeof(sizes) / sizeof(sizes[0])); s++) {
		for (b = 0; !rc && b < 2; b++) {
			/*
			 * 1 MiB at batch 1 only: 32 MiB an iteration is seconds
			 * of emulated AES a sample, and batching amortises
			 * nothing at that size.  Smoke: batch 32 at 64 B only.
			 */
			if (sizes[s] * batches[b] > (cfg.smoke ? 64 << 10 : 2 << 20) &&
			    batches[b] > 1)
				continue;
			if (only < NR_CPATHS &&
			    (sizes[s] != only_size || batches[b] != only_batch))
				continue;
			set_shape(sizes[s], batches[b]);
			for (i = 0; i < NR_CPATHS; i++) {
				if (!st[i].ok)
					continue;
				iters[i] = bench_calibrate(cpath_fn(i), &st[i]);
				if (iters[i] < 0) {
					fprintf(stderr, "uaccel-bench: cipher %s: %s\n",
						cpath_names[i], strerror((int)-iters[i]));
					rc = -1;
				}
			}
			for (r = 0; !rc && r < cfg.repeats; r++) {
				for (k = 0; k < NR_CPATHS; k++) {
					double t;

					i = (k + r) % NR_CPATHS;
					if (!st[i].ok)
						continue;
					t = bench_time(cpath_fn(i), &st[i], iters[i]);
					if (t < 0) {
						fprintf(stderr, "uaccel-bench: cipher %s: %s\n",
							cpath_names[i], strerror((int)-t));
						rc = -1;
						break;
					}
					/* MB/s (10^6 bytes). */
					samples[i * cfg.repeats + r] =
						1e3 * (double)sizes[s] * batches[b] / t;
				}
			}
			for (i = 0; !rc && i < NR_CPATHS; i++) {
				if (!st[i].ok)
					continue;
				jl_begin("cipher");
				jl_str("path", cpath_names[i]);
				jl_num("size", (double)sizes[s]);
				jl_num("batch", batches[b]);
				jl_str("unit", "MB/s");
				jl_array("samples", samples + i * cfg.repeats, cfg.repeats);
				jl_end();
				fprintf(stderr, "uaccel-bench: cipher %-22s %7zu B x%2d: %.4g MB/s\n",
					cpath_names[i], sizes[s], batches[b],
					samples[i * cfg.repeats + cfg.repeats / 2]);
			}
		}
	}
	for (i = 0; i < NR_CPATHS; i++)
		cpath_close(&st[i]);
	ua_close(&soft_dev);
	ua_close(&vc_dev);
	sched_setaffinity(0, sizeof(old), &old);
	munmap(cw.src, 2 * AREA_LEN + 4096);
	free(samples);
	free(st);
	return rc;
}
