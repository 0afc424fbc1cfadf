#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole test run: install the Debian packages, build everything with
# warnings as errors (libaccel, providers and some tests also as 32-bit
# programs, in BUILD/m32), run the host unit tests (ctest), the static
# checks of the kernel code, the Debian packages (built, checked, DKMS), and
# the in-VM suite (with its 32-bit tests) on Debian's 6.1 kernel and on a
# debug kernel (KASAN, lockdep, kmemleak, DEBUG_OBJECTS, failslab) built
# once from Debian's linux-source-6.1 and cached in /var/cache/uaccel; on
# both kernels, the compatibility tests against the last release of
# tests/compat/releases (built once by tests/compat/build-release.sh and
# cached in /var/cache/uaccel/compat): its programs on the current modules
# and the current programs on its modules (docs/abi.md).
#
# usage: tests/run-tests.sh [--stock | --debug] [--build DIR] [--only TEST...]
#   --stock      in-VM suite on the stock kernel only
#   --debug      in-VM suite on the debug kernel only
#   --build DIR  build tree (default: build)
#   --only ...   in-VM tests to run (default: all); host tests always run
# Ends with "uaccel: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
only=()
stock=1 debug=1
while [ $# -gt 0 ]; do
	case $1 in
	--stock) debug=0; shift ;;
	--debug) stock=0; shift ;;
	--build) build=$2; shift 2 ;;
	--only) shift; only=("$@"); break ;;
	*) sed -n '4,21p' "$0" >&2; exit 2 ;;
	esac
done

start=$(date +%s)
"$top/tests/deps.sh" || exit 1

step() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

debug_tree=""
if [ $debug -eq 1 ]; then
	step "debug kernel (cached after the first build)"
	debug_tree=$("$top/tests/vm/build-debug-kernel.sh") ||
		{ echo "uaccel: 0 passed, 1 failed"; exit 1; }
fi

step "build"
mkdir -p "$build"
cmake -S "$top" -B "$build" -DUACCEL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DUACCEL_DEBUG_KERNEL_DIR="$debug_tree" > "$build/configure.log" 2>&1 ||
	{ cat "$build/configure.log"; echo "uaccel: 0 passed, 1 failed"; exit 1; }
if ! cmake --build "$build" -j"$(nproc)"; then
	echo "uaccel: 0 passed, 1 failed"
	exit 1
fi

passed=0 failed=0
tally() { # tally FILE: count TAP-style result lines of one phase
	local p f
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
}

step "the release for the compatibility tests (tests/compat/build-release.sh, cached after the first build)"
release_dir=$("$top/tests/compat/build-release.sh" -b "$build" 2> "$build/compat-release.log")
if [ $? -eq 0 ] && [ -d "$release_dir" ]; then
	release=$(cat "$release_dir/release")
	echo "ok - compat: $release ($(cat "$release_dir/commit")) built in $release_dir" > "$build/compat.tap"
	# The frozen v1 uAPI is the one that release shipped.
	if [ "$(cat "$top/tests/compat/uapi-v1/RELEASE")" = "$release" ]; then
		if diff -r "$top/tests/compat/uapi-v1/uaccel" "$release_dir/src/include/uapi/uaccel" > "$build/compat-uapi.diff"; then
			echo "ok - compat: tests/compat/uapi-v1 holds the uAPI headers of $release" >> "$build/compat.tap"
		else
			echo "not ok - compat: tests/compat/uapi-v1 differs from the uAPI headers of $release (see $build/compat-uapi.diff)" >> "$build/compat.tap"
		fi
	fi
else
	release_dir=""
	echo "not ok - compat: building the release failed (see $build/compat-release.log)" > "$build/compat.tap"
	tail -n 5 "$build/compat-release.log"
fi
cat "$build/compat.tap"
tally "$build/compat.tap"

step "host unit tests"
(cd "$build" && CMOCKA_MESSAGE_OUTPUT=TAP ctest --output-on-failure -V) > "$build/host-tests.log" 2>&1
hostrc=$?
grep -E '^[0-9]+: (ok|not ok) ' "$build/host-tests.log" | sed 's/^[0-9]*: //' > "$build/host-tests.tap"
[ $hostrc -eq 0 ] || echo "not ok - ctest failed (status $hostrc)" >> "$build/host-tests.tap"
cat "$build/host-tests.tap"
tail -n 3 "$build/host-tests.log"
tally "$build/host-tests.tap"

step "static checks (checkpatch --strict, sparse)"
"$top/tests/lint.sh" "$build" | tee "$build/lint.tap"
tally "$build/lint.tap"

step "Debian packages (dpkg-buildpackage, lintian, DKMS build, pkg-config; used in the VM by 'packages')"
"$top/tests/pkg/test-packages.sh" "$build" | tee "$build/packages.tap"
tally "$build/packages.tap"

step "the VM harness from a checkout under /tmp with a space in its path"
"$top/tests/vm/test_harness.sh" | tee "$build/harness.tap"
tally "$build/harness.tap"

if [ $stock -eq 1 ]; then
	step "in-VM suite on Debian's 6.1 kernel"
	"$top/tests/run-vm-suite.sh" -b "$build" -n stock -a "slub_debug=FZPU page_poison=1" \
		${release_dir:+-r "$release_dir"} "${only[@]}"
	tally "$build/vm-stock/results.tap"
fi

if [ $debug -eq 1 ]; then
	step "in-VM suite on the debug kernel (KASAN, lockdep, kmemleak, failslab)"
	"$top/tests/run-vm-suite.sh" -b "$build" -n debug -k "$debug_tree/arch/x86/boot/bzImage" \
		-m none -K "$build/kbuild-debug/kernel" -a "kmemleak=on" -E ${release_dir:+-r "$release_dir"} "${only[@]}"
	tally "$build/vm-debug/results.tap"
fi

step "benchmark smoke run (bench/run-bench.sh --smoke: every path, not the figures)"
"$top/bench/run-bench.sh" --smoke --build "$build" > "$build/bench-smoke.log" 2>&1
grep -E '^(ok|not ok|skip) - bench:' "$build/bench-smoke.log" > "$build/bench-smoke.tap"
grep -q '^ok - bench: smoke VM run' "$build/bench-smoke.tap" ||
	echo "not ok - bench: smoke run failed (see $build/bench-smoke.log)" >> "$build/bench-smoke.tap"
cat "$build/bench-smoke.tap"
tally "$build/bench-smoke.tap"

step "done in $(( $(date +%s) - start ))s"
echo "uaccel: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
