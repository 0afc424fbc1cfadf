#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# uaccel-fuzz in the test VM; prints TAP.
#
# usage: vm-fuzz.sh replay BUILD
#          replay every reproducer (tests/fuzz/crashes/*.prog) and the seed
#          corpus (tests/fuzz/corpus/*.prog), as root and as nobody
#        vm-fuzz.sh run BUILD SECONDS SEED
#          fuzz for SECONDS with SEED: two thirds as root (sysfs writes
#          included), one third as nobody; findings go to /tmp/out/fuzz-crashes
#        vm-fuzz.sh standalone BUILD MODULE_DIR SECONDS SEED
#          load the modules (kmemleak around the run), run, unload: the VM
#          command of tests/fuzz/run-fuzz.sh
# The modules are loaded by suite.sh for replay and run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=$1 B=$2
shift 2
fuzz=$B/tests/uaccel-fuzz
crashes=/tmp/out/fuzz-crashes
nobody=65534
rc=0

replay() {
	local progs=() p
	for p in "$here"/crashes/*.prog "$here"/corpus/*.prog; do
		[ -e "$p" ] && progs+=(--program "$p")
	done
	if [ ${#progs[@]} -eq 0 ]; then
		echo "not ok 1 - no program in tests/fuzz/crashes or tests/fuzz/corpus"
		return 1
	fi
	"$fuzz" --crash-dir "$crashes" --hang 120 "${progs[@]}" || rc=1
	"$fuzz" --crash-dir "$crashes" --hang 120 --user $nobody "${progs[@]}" || rc=1
}

run() { # run SECONDS SEED
	local secs=$1 seed=$2 root_s user_s out
	root_s=$((secs * 2 / 3))
	user_s=$((secs - root_s))
	for who in root nobody; do
		if [ $who = root ]; then
			"$fuzz" --seed "$seed" --duration "$root_s" --crash-dir "$crashes" \
				--cover-file /tmp/out/fuzz-cover-$who.txt > /tmp/out/fuzz-$who.log 2>&1
		else
			"$fuzz" --seed "$seed" --duration "$user_s" --crash-dir "$crashes" \
				--cover-file /tmp/out/fuzz-cover-$who.txt --user $nobody \
				> /tmp/out/fuzz-$who.log 2>&1
		fi
		status=$?
		out=$(sed -n 's/^uaccel-fuzz: done: //p' /tmp/out/fuzz-$who.log)
		if [ $status -eq 0 ]; then
			echo "ok 1 - seed $seed as $who: $out"
		else
			echo "not ok 1 - seed $seed as $who: a finding (status $status), reproducer in $crashes:"
			tail -n 60 /tmp/out/fuzz-$who.log | sed 's/^/#   /'
			rc=1
			break
		fi
	done
}

# The unprivileged runs open the nodes to everyone: back to the default.
restore_modes() {
	chmod 0600 /dev/uaccel/uaccel* 2>/dev/null
}

case $mode in
replay)
	replay
	restore_modes
	;;
run)
	run "$1" "$2"
	restore_modes
	;;
standalone)
	K=$1
	insmod "$K/core/uaccel_core.ko" && insmod "$K/hw/soft/uaccel_soft.ko" num_devices=3 ||
		{ echo "not ok 1 - load the modules"; exit 1; }
	"$here/../vm/kmemleak.sh" start
	run "$2" "$3"
	# A leak of the run fails it like any other finding.
	"$here/../vm/kmemleak.sh" check fuzz | tee /tmp/out/fuzz-kmemleak.tap
	grep -q '^not ok' /tmp/out/fuzz-kmemleak.tap && rc=1
	rmmod uaccel_soft && rmmod uaccel_core || { echo "not ok 1 - unload the modules"; rc=1; }
	;;
*)
	sed -n '4,16p' "$0" >&2
	exit 2
	;;
esac
exit $rc
