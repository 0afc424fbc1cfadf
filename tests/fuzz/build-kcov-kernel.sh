#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) the KCOV variant of the debug kernel: tests/vm/debug-kernel.config
# plus tests/fuzz/kcov-kernel.config, cached apart from the debug kernel in
# /var/cache/uaccel/kcov-kernel/<key> (UACCEL_KCOV_KERNEL_CACHE overrides).
# Prints the tree; <tree>/arch/x86/boot/bzImage is the kernel.  The uaccel
# modules for it are built instrumented by tests/fuzz/run-fuzz.sh --kcov
# (make ... KCOV_INSTRUMENT=y).  Takes about an hour of CPU the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../vm/build-debug-kernel.sh" "$here/kcov-kernel.config" \
	"${UACCEL_KCOV_KERNEL_CACHE:-/var/cache/uaccel/kcov-kernel}"
