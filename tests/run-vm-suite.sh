#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the in-VM suite on one kernel and print its results.
#
# usage: run-vm-suite.sh [-k KERNEL] [-K MODULE_DIR] [-m VM_MODULES] [-b BUILD]
#                        [-o OUT] [-n LABEL] [-a CMDLINE] [-r RELEASE_DIR] [-E] [TEST...]
#   -k  kernel image (default: Debian's 6.1 kernel)
#   -K  directory with the uaccel modules built for it (default: BUILD/kbuild/kernel)
#   -m  module tree with its virtio/9p modules, "none" if built in
#   -b  CMake build tree (default: build)
#   -o  output directory (default: BUILD/vm-LABEL)
#   -n  label of the run (default: stock)
#   -a  extra kernel command line
#   -r  a release built by tests/compat/build-release.sh: run the
#       compatibility tests (compat-*) with it
#   -E  no PCIe expander of node 1 in the VM, so no edu1 (run-vm.sh -E:
#       for the debug kernel, whose ACPI interpreter is too slow for it)
# Prints every result and a closing "LABEL: N passed, N failed" line; exits 0
# only when every test passed and the kernel log is clean.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel="" kodir="" vmmods="" build=$top/build out="" label=stock append="" release="" expander=1
while getopts "k:K:m:b:o:n:a:r:E" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	K) kodir=$OPTARG ;;
	m) vmmods=$OPTARG ;;
	b) build=$OPTARG ;;
	o) out=$OPTARG ;;
	n) label=$OPTARG ;;
	a) append=$OPTARG ;;
	r) release=$OPTARG ;;
	E) expander=0 ;;
	*) sed -n '4,20p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "$build" && pwd)
[ -n "$kodir" ] || kodir=$build/kbuild/kernel
[ -n "$out" ] || out=$build/vm-$label
rm -rf "$out"
mkdir -p "$out"

# The whole VM run's bound (UACCEL_VM_TIMEOUT seconds): every test also
# has its own in suite.sh.  The debug kernel's run (KASAN, lockdep,
# kmemleak, memory cgroups, the 32-bit repeats) needs far more than the
# stock kernel's under software emulation.
args=(-o "$out" -t "${UACCEL_VM_TIMEOUT:-3600}" -Q)
[ -n "$kernel" ] && args+=(-k "$kernel")
[ -n "$vmmods" ] && args+=(-m "$vmmods")
[ -n "$append" ] && args+=(-a "$append")
[ $expander -eq 0 ] && args+=(-E)

suite=("$top/tests/vm/suite.sh")
[ -n "$release" ] && suite+=(-r "$(cd "$release" && pwd)")

start=$(date +%s)
"$top/tests/vm/run-vm.sh" "${args[@]}" -- "${suite[@]}" "$build" "$kodir" "$@"
vmrc=$?
secs=$(( $(date +%s) - start ))

results=$out/results.tap
touch "$results"
[ $vmrc -eq 0 ] || echo "not ok - $label: the VM run failed (status $vmrc, see $out/console.log)" >> "$results"
grep -E '^(not ok|skip) ' "$results" | sed "s/^/$label: /"
# Why each failed test failed, so that a CI report is enough to start
# from: its failure lines (TAP, cmocka's messages, the failing assertion
# with file and line), at most 15 per test.
for t in $(sed -n 's/^not ok - \([^:]*\):.*/\1/p' "$results" | sort -u); do
	[ -f "$out/$t.log" ] || continue
	grep -Ei '^not ok|^[[:space:]]*#.*(error|fail|assert)|failure|\.(c|h|py):?[0-9]+|traceback|error:|^fail:' \
		"$out/$t.log" | head -15 | sed "s/^/$label: $t.log: /"
done
passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^not ok ' "$results")
skipped=$(grep -c '^skip ' "$results")
[ "$passed" -gt 0 ] || { failed=$((failed + 1)); echo "$label: no test ran"; }
echo "$label: VM run took ${secs}s; logs in $out"
# Where the time went: the five slowest tests (suite.sh writes $out/times).
[ -s "$out/times" ] &&
	echo "$label: slowest: $(sort -k2,2nr "$out/times" | head -5 | awk '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $1, $2 }')"
echo "$label: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
