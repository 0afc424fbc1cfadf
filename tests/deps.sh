#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian 12 packages the build and the tests need (idempotent;
# apt-get runs only when something is missing).  Run as root.
set -euo pipefail
pkgs=(
	build-essential cmake pkg-config libcmocka-dev python3 util-linux
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static kmod cpio xz-utils sparse gcc-multilib
	# libssl-dev: the kernel build, and OpenSSL's EVP for accel-cipher and
	# vm_cipher (the reference of cipher.uaccel).
	bc bison flex libelf-dev libssl-dev
	# Netlink (libmnl, as iproute2) and JSON (json-c): accel(8), vm_netlink.
	libmnl-dev libjson-c-dev
	# The DRM uAPI headers (vm_dmabuf drives vgem with the raw ioctls).
	libdrm-dev
	liburing-dev libibverbs-dev rdma-core ibverbs-providers iproute2 gnuplot-nox
	debhelper dh-dkms dkms dpkg-dev fakeroot lintian groff-base man-db
	# The Python binding (python/accel: cffi in ABI mode) and its package.
	python3-cffi dh-python
	# The ABI check of libaccel.so.1 (abidw, abidiff).
	abigail-tools
	# The 32-bit test build (gcc -m32 of gcc-multilib): cmocka for i386.
	libcmocka-dev:i386
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root, or install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
case " ${missing[*]}" in
*:i386*)
	dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386 ;;
esac
# A mirror in sync answers some index with an error; the install decides.
apt-get update -q || echo "deps: apt-get update reported errors; installing all the same" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}"
