#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The unplug soak: 1,000 removals and re-adds of devices under 8 threads of
# mixed load (tests/vm/vm_stress.c at campaign scale), in the test VM on the
# debug kernel (KASAN, lockdep, kmemleak).  Every tenth cycle fails the soft
# device through a fatal error and waits for its recovery, cycles 5, 15,
# 25, ... remove edu through PCI removal and a rescan, the rest delete and
# re-add the soft device through sysfs.  Six threads keep soft contexts
# busy (objects, mappings, posts, CQ waits, facet commands), two keep edu
# contexts busy (factorials, PDs).  It fails on an unexpected errno, a
# hang (a bound of 6 s a cycle), counters that do not return to their
# start, or any kernel report.
#
# usage: tests/run-soak.sh [--build DIR] [--cycles N] [--stock]
#   --build DIR   build tree (default: build), configured with
#                 -DUACCEL_DEBUG_KERNEL_DIR for the debug kernel
#   --cycles N    N cycles instead of 1,000
#   --stock       on Debian's 6.1 kernel instead
# Results: BUILD/vm-soak/results.tap; the figures are the "# ..." lines of
# BUILD/vm-soak/soak:N.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build kernel=debug cycles=1000
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--cycles) cycles=$2; shift 2 ;;
	--stock) kernel=stock; shift ;;
	*) sed -n '15,19p' "$0" >&2; exit 2 ;;
	esac
done
build=$(cd "$build" && pwd)
args=(-b "$build" -n soak)
if [ $kernel = debug ]; then
	tree=$(sed -n 's/^UACCEL_DEBUG_KERNEL_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
	[ -n "$tree" ] && [ -e "$tree/arch/x86/boot/bzImage" ] || {
		echo "run-soak: $build is not configured with -DUACCEL_DEBUG_KERNEL_DIR" >&2
		exit 2
	}
	[ -d "$build/kbuild-debug/kernel" ] || {
		echo "run-soak: no modules for the debug kernel in $build/kbuild-debug" >&2
		exit 2
	}
	args+=(-k "$tree/arch/x86/boot/bzImage" -m none -K "$build/kbuild-debug/kernel" -a kmemleak=on -E)
else
	args+=(-a "slub_debug=FZPU page_poison=1")
fi
case $cycles in
'' | *[!0-9]* | 0*) echo "run-soak: --cycles takes a number from 1 to 1000000" >&2; exit 2 ;;
esac
[ ${#cycles} -le 7 ] && [ "$cycles" -le 1000000 ] ||
	{ echo "run-soak: --cycles takes a number from 1 to 1000000" >&2; exit 2; }
rc=0
# The VM's bound: the test's own (suite.sh) plus booting and loading.
UACCEL_VM_TIMEOUT=$((1800 + cycles * 6)) "$top/tests/run-vm-suite.sh" "${args[@]}" "soak:$cycles" || rc=$?
grep -h '^# ' "$build/vm-soak/soak:$cycles.log" 2>/dev/null | sed 's/^/soak: /' || true
exit $rc
