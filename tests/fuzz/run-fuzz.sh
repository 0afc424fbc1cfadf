#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run uaccel-fuzz in the test VM on the debug kernel (KASAN, lockdep,
# kmemleak), with the modules loaded for the run only; any finding (a kernel
# report, a hang, a leak) fails it, and its minimised reproducer is copied
# to tests/fuzz/crashes/, which the in-VM suite's fuzz-replay replays.
#
# usage: tests/fuzz/run-fuzz.sh [--build DIR] [--seed N] [--campaign DURATION]
#                               [--stock] [--kcov] [--trinity]
#   --build DIR          build tree (default: build)
#   --seed N             random seed (default 1 for the short run, the time
#                        for a campaign)
#   --campaign DURATION  a long run: DURATION in seconds or with a unit
#                        (90m, 8h, 2d); default: a short run of 180 s
#   --stock              on Debian's 6.1 kernel instead (no KASAN, no kmemleak)
#   --kcov               on the KCOV kernel (tests/fuzz/build-kcov-kernel.sh,
#                        built once), with the modules built instrumented:
#                        coverage-guided, with figures of the edges reached
#   --trinity            trinity's ioctl mode (Debian's trinity, installed
#                        here: the VM runs this machine's root) against
#                        /dev/uaccel as nobody for the whole run, alongside
#                        the fuzzer (BUILD/vm-fuzz/trinity.log)
# Logs: BUILD/vm-fuzz/ (fuzz-root.log, fuzz-nobody.log, console.log); with
# --kcov also kcov-sites.txt, coverage.txt (cover-report.sh) and
# coverage-time.dat, coverage.png (plot-cover.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build seed="" secs=180 kernel=debug trinity=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--campaign)
		case $2 in
		*d) secs=$(( ${2%d} * 86400 )) ;;
		*h) secs=$(( ${2%h} * 3600 )) ;;
		*m) secs=$(( ${2%m} * 60 )) ;;
		*s) secs=${2%s} ;;
		*) secs=$2 ;;
		esac
		[ -n "$seed" ] || seed=$(date +%s)
		shift 2 ;;
	--stock) kernel=stock; shift ;;
	--kcov) kernel=kcov; shift ;;
	--trinity) trinity=trinity; shift ;;
	*) sed -n '9,26p' "$0" >&2; exit 2 ;;
	esac
done
[ -n "$seed" ] || seed=1
if [ -n "$trinity" ] && ! command -v trinity > /dev/null; then
	echo "fuzz: --trinity needs Debian's trinity on this machine: apt-get install trinity" >&2
	exit 2
fi
build=$(cd "$build" && pwd)
out=$build/vm-fuzz
rm -rf "$out"
mkdir -p "$out"
args=(-o "$out" -t $((secs + 1200)))
case $kernel in
stock)
	kodir=$build/kbuild/kernel
	args+=(-a "slub_debug=FZPU page_poison=1")
	;;
debug|kcov)
	if [ $kernel = kcov ]; then
		tree=$("$top/tests/fuzz/build-kcov-kernel.sh") || exit 1
		kodir=$build/kbuild-kcov/kernel
		# The uaccel modules, instrumented for KCOV (KCOV_INSTRUMENT=y:
		# the kernel itself is built without CONFIG_KCOV_INSTRUMENT_ALL).
		mkdir -p "$build/kbuild-kcov/include"
		cp -a --update "$top/kernel" "$build/kbuild-kcov/"
		cp -a --update "$top/include/uapi" "$build/kbuild-kcov/include/"
		make -C "$tree" M="$kodir" KCOV_INSTRUMENT=y modules > "$out/kbuild.log" 2>&1 ||
			{ tail -n 20 "$out/kbuild.log"; exit 1; }
		for ko in "$kodir"/core/uaccel_core.ko "$kodir"/hw/*/uaccel_*.ko; do
			echo "fuzz: $(basename "$ko"): $(objdump -dr "$ko" | grep -c '__sanitizer_cov_trace_pc') KCOV call sites"
		done | tee "$out/kcov-sites.txt"
	else
		tree=$(ls -d /var/cache/uaccel/debug-kernel/*/linux | head -n 1)
		kodir=$build/kbuild-debug/kernel
	fi
	# No edu1 (run-vm.sh -E): the debug kernels' ACPI interpreter is too
	# slow for the PCIe expander's _PRT.
	args+=(-k "$tree/arch/x86/boot/bzImage" -m none -a kmemleak=on -E)
	;;
esac
echo "fuzz: seed $seed for ${secs}s on the $kernel kernel; logs in $out"
"$top/tests/vm/run-vm.sh" "${args[@]}" -- "$top/tests/fuzz/vm-fuzz.sh" standalone "$build" "$kodir" "$secs" "$seed" $trinity \
	> "$out/vm.log" 2>&1
rc=$?
grep -E '^(ok|not ok)|^#' "$out/console.log" || true
if ls "$out"/fuzz-crashes/*.prog > /dev/null 2>&1; then
	# With trinity alongside, a report the program did not reproduce may
	# be trinity's: such a program stays in the run's directory only.
	for p in "$out"/fuzz-crashes/*.prog; do
		if [ -n "$trinity" ] && grep -q '^# uaccel-fuzz .*did not reproduce' "$p"; then
			echo "fuzz: $p did not reproduce with trinity running alongside: not copied"
			continue
		fi
		mkdir -p "$top/tests/fuzz/crashes"
		cp "$p" "$top/tests/fuzz/crashes/"
		echo "fuzz: reproducer copied to tests/fuzz/crashes/: ${p##*/}"
	done
	rc=1
fi
grep -h '^uaccel-fuzz: done' "$out"/fuzz-*.log 2>/dev/null | sed 's/^/fuzz: /'
if [ $kernel = kcov ] && ls "$out"/fuzz-cover-*.txt > /dev/null 2>&1; then
	"$top/tests/fuzz/cover-report.sh" "$kodir" "$out"/fuzz-cover-*.txt | tee "$out/coverage.txt" |
		sed 's/^/fuzz: coverage: /'
	# Edges reached over time: coverage-time.dat, coverage.png.
	"$top/tests/fuzz/plot-cover.sh" "$out" && echo "fuzz: coverage over time in $out/coverage.png"
fi
if [ $rc -eq 0 ]; then
	echo "fuzz: ok (no finding)"
else
	echo "fuzz: FAILED (status $rc; see $out/vm.log and $out/console.log)"
fi
exit $rc
