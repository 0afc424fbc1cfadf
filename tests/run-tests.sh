#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole test run: install the Debian packages, build everything with
# warnings as errors, run the host unit tests (ctest), the static checks of
# the kernel code, and the in-VM suite on Debian's 6.1 kernel.
#
# usage: tests/run-tests.sh [--build DIR] [--only TEST...]
#   --build DIR  build tree (default: build)
#   --only ...   in-VM tests to run (default: all); host tests always run
# Ends with "uaccel: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
only=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--only) shift; only=("$@"); break ;;
	*) sed -n '4,12p' "$0" >&2; exit 2 ;;
	esac
done

start=$(date +%s)
"$top/tests/deps.sh" || exit 1

step() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

step "build"
cmake -S "$top" -B "$build" -DUACCEL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log"; echo "uaccel: 0 passed, 1 failed"; exit 1; }
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

step "in-VM suite on Debian's 6.1 kernel"
"$top/tests/run-vm-suite.sh" -b "$build" -n stock "${only[@]}"
tally "$build/vm-stock/results.tap"
grep -q '^not ok - stock: the VM run failed' "$build/vm-stock/results.tap" || true

step "done in $(( $(date +%s) - start ))s"
echo "uaccel: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
