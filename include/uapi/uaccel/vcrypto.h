/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * Facets of the virtio-crypto accelerator (uaccel_vcrypto.ko, a virtio
 * device of type VIRTIO_ID_CRYPTO such as QEMU's virtio-crypto-pci).
 *
 *  "cipher.uaccel"        version 1, shared with the soft device (cipher.h):
 *                         AES-CBC and AES-CTR on the device, zero copy
 *                         (the device reads and writes the MRs' pages).
 *  "vcrypto.uaccel"       version 1: INFO, the device's configuration and
 *                         the driver's counters.
 *
 * Commands are _IO(UACCEL_IOCTL_TYPE, nr) on the facet fd and follow the
 * same size/flags rules as the core commands (see uaccel.h).
 */
#ifndef _UAPI_UACCEL_VCRYPTO_H
#define _UAPI_UACCEL_VCRYPTO_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <uaccel/uaccel.h>

#define UACCEL_VCRYPTO_FACET		"vcrypto.uaccel"

enum uaccel_vcrypto_cmd {
	UACCEL_VCRYPTO_INFO = 0,
};

/**
 * struct uaccel_vcrypto_info - UACCEL_VCRYPTO_IOCTL_INFO
 * @size: sizeof(struct uaccel_vcrypto_info)
 * @flags: must be 0
 * @out_services: the device's crypto_services (bit (1 << n) for each
 *	VIRTIO_CRYPTO_SERVICE_* n of linux/virtio_crypto.h)
 * @out_cipher_algo_l: the device's cipher_algo_l (bit (1 << n) for each
 *	VIRTIO_CRYPTO_CIPHER_* n below 32), as it advertises them
 * @out_cipher_algo_h: the device's cipher_algo_h (n from 32 on)
 * @out_algs: the algorithms "cipher.uaccel" serves on this device, bit
 *	(1 << alg) for each enum uaccel_cipher_alg: those the device accepted
 *	a session of when the driver bound it (a device may serve algorithms
 *	it does not advertise: QEMU's builtin backend advertises AES-CBC only
 *	but serves AES-CTR as well)
 * @out_max_dataqueues: the device's max_dataqueues (the driver uses one)
 * @out_max_cipher_key_len: the device's max_cipher_key_len, in bytes
 * @out_max_size: the device's max_size: bytes of one request's content
 *	(IV, input and output together)
 * @out_max_length: bytes of one "cipher.uaccel" request on this device
 *	(out_max_length of its QUERY)
 * @out_max_sessions: "cipher.uaccel" sessions the device held when it
 *	first refused another one (each takes two device sessions, one per
 *	direction), or 0 while it has refused none: the device does not
 *	advertise its limit
 * @out_sessions_active: "cipher.uaccel" sessions of the device now, over
 *	every context
 * @out_requests: requests handed to the device since the driver bound it
 * @out_bytes: bytes of those requests
 * @out_errors: requests that failed: the device reported an error, did
 *	not answer in time, or was stopped (removal) before it answered
 * @out_session_errors: sessions the device refused to create
 *
 * A snapshot of the device; the counters are for the device, not for the
 * calling context.
 */
struct uaccel_vcrypto_info {
	__u32 size;
	__u32 flags;
	__u32 out_services;
	__u32 out_cipher_algo_l;
	__u32 out_cipher_algo_h;
	__u32 out_algs;
	__u32 out_max_dataqueues;
	__u32 out_max_cipher_key_len;
	__aligned_u64 out_max_size;
	__aligned_u64 out_max_length;
	__u32 out_max_sessions;
	__u32 out_sessions_active;
	__aligned_u64 out_requests;
	__aligned_u64 out_bytes;
	__aligned_u64 out_errors;
	__aligned_u64 out_session_errors;
};

#define UACCEL_VCRYPTO_IOCTL_INFO _IO(UACCEL_IOCTL_TYPE, UACCEL_VCRYPTO_INFO)

#endif /* _UAPI_UACCEL_VCRYPTO_H */
