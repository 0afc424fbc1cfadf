#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# uaccel-fuzz in the test VM; prints TAP.
#
# usage: vm-fuzz.sh replay BUILD MODULE_DIR
#          replay every reproducer (tests/fuzz/crashes/*.prog) and the seed
#          corpus (tests/fuzz/corpus/*.prog), as root and as nobody
#        vm-fuzz.sh run BUILD MODULE_DIR SECONDS SEED
#          fuzz for SECONDS with SEED: two thirds as root (sysfs writes
#          included), one third as nobody; findings go to /tmp/out/fuzz-crashes
#        vm-fuzz.sh standalone BUILD MODULE_DIR SECONDS SEED [trinity]
#          load the modules (kmemleak around the run), run, unload: the VM
#          command of tests/fuzz/run-fuzz.sh; with "trinity", trinity's
#          ioctl mode runs against the device nodes as nobody alongside
# The modules are loaded by suite.sh for replay and run; after them the
# devices are put back as the suite had them (reload_modules) and checked.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=$1 B=$2 K=$3
shift 3
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
	local secs=$1 seed=$2 root_s user_s out via=()
	# Every other command through io_uring passthrough, when built with it.
	"$fuzz" --help | grep -q -- --uring && via=(--uring)
	root_s=$((secs * 2 / 3))
	user_s=$((secs - root_s))
	for who in root nobody; do
		if [ $who = root ]; then
			"$fuzz" "${via[@]}" --seed "$seed" --duration "$root_s" --crash-dir "$crashes" \
				--cover-file /tmp/out/fuzz-cover-$who.txt > /tmp/out/fuzz-$who.log 2>&1
		else
			"$fuzz" "${via[@]}" --seed "$seed" --duration "$user_s" --crash-dir "$crashes" \
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

# trinity (Debian's package) as nobody, ioctl(2) only, on the files under
# /dev/uaccel (its other fd providers off), in rounds of 10,000 calls (or
# 5 minutes) until /tmp/trinity/stop exists: each round opens the nodes
# again, so devices the fuzzer replaced are fuzzed too.  trinity opens only
# the nodes whose mode lets nobody in: the core is loaded with dev_mode=0666
# for it (the fuzzer makes the nodes 0666 itself after every program, so
# its own runs see the same modes).  A round that ends within 5 s (no node
# at that moment) is followed by a second's pause.  trinity.log has each
# round's "Ran N syscalls" line.
trinity_loop() { # trinity_loop SEED
	local round=0 t0
	cd /tmp/trinity || return 1
	while [ ! -e /tmp/trinity/stop ]; do
		round=$((round + 1)) t0=$SECONDS
		echo "# round $round: $(ls /dev/uaccel 2>/dev/null | wc -l) nodes" >> /tmp/out/trinity.log
		timeout -s INT -k 30 300 setpriv --reuid $nobody --regid $nobody --clear-groups \
			trinity -q -l off -s $(($1 + round)) -N 10000 -C 2 -c ioctl -V /dev/uaccel \
			--disable-fds=sockets,pipes,perf,epoll,eventfd,timerfd,testfile,memfd,drm,inotify,userfaultfd,fanotify,bpf \
			< /dev/null >> /tmp/out/trinity.log 2>&1
		[ $((SECONDS - t0)) -lt 5 ] && sleep 1
	done
}

# trinity_stop PID: end the round in progress (SIGINT: trinity prints its
# count) and the loop; again every second while a round is starting.
trinity_stop() {
	touch /tmp/trinity/stop
	while kill -0 "$1" 2>/dev/null; do
		pkill -INT -x trinity
		sleep 1
	done
	wait "$1"
}

# What later tests see of the modules and devices: each uaccel module
# loaded with its parameters, then each device in the order of its minor
# (name, driver, exclusive, its node's mode and owner).
state() {
	local m p d minor
	for m in uaccel_core uaccel_soft uaccel_edu; do
		[ -e "/sys/module/$m/initstate" ] || continue
		printf 'module %s' "$m"
		for p in /sys/module/"$m"/parameters/*; do
			[ -r "$p" ] && printf ' %s=%s' "${p##*/}" "$(cat "$p")"
		done
		echo
	done
	for d in /sys/class/uaccel/*; do
		[ -e "$d/dev" ] || continue
		minor=$(cut -d: -f2 "$d/dev")
		printf '%s device %s driver=%s exclusive=%s node=%s\n' "$minor" "${d##*/}" \
			"$(cat "$d/driver")" "$(cat "$d/exclusive")" \
			"$(stat -c %a:%u:%g "/dev/uaccel/uaccel$minor" 2>&1)"
	done | sort -n | cut -d' ' -f2-
}

# unload MODULE: rmmod, waiting up to 30 s for the files of the fuzzer's
# processes (and those in flight over unix sockets) to be released.
unload() {
	local i
	for i in $(seq 30); do
		rmmod "$1" 2>/dev/null && return 0
		sleep 1
	done
	rmmod "$1"
}

# The fuzzer puts names and devices back after each program, but a device
# it deleted and made again has a new minor (the core hands them out
# cyclically), out of order with the others: compat-old-programs, for
# one, expects soft0 soft1 soft2 in the order of their minors.  So every
# uaccel module is unloaded and loaded again with the parameters it had
# (the core first, then the drivers in the order of their first minor),
# the nodes' modes and owners and the devices' exclusive flags are set back,
# and the result must be the state recorded at the start.
reload_modules() { # reload_modules STATE
	local want=$1 order=() i m ko params line name excl node minor now
	for m in $(sed -n 's/^device [^ ]* driver=\([^ ]*\) .*/uaccel_\1/p' <<< "$want") \
		 uaccel_soft uaccel_edu; do
		grep -q "^module $m " <<< "$want" && [[ " ${order[*]} " != *" $m "* ]] && order+=("$m")
	done
	for ((i = ${#order[@]} - 1; i >= 0; i--)); do
		unload "${order[i]}" || return 1
	done
	unload uaccel_core || return 1
	for m in uaccel_core "${order[@]}"; do
		params=$(sed -n "s/^module $m //p" <<< "$want")
		ko=$K/hw/${m#uaccel_}/$m.ko
		[ "$m" = uaccel_core ] && ko=$K/core/$m.ko
		# shellcheck disable=SC2086 # one word per parameter
		insmod "$ko" $params || return 1
	done
	local re='^device ([^ ]+) driver=[^ ]+ exclusive=([^ ]+) node=([0-7]+):([0-9]+):([0-9]+)$'
	while read -r line; do
		[[ $line =~ $re ]] || continue
		name=${BASH_REMATCH[1]} excl=${BASH_REMATCH[2]}
		[ -e "/sys/class/uaccel/$name/dev" ] || continue
		minor=$(cut -d: -f2 "/sys/class/uaccel/$name/dev")
		node=/dev/uaccel/uaccel$minor
		[ "$(cat "/sys/class/uaccel/$name/exclusive")" = "$excl" ] ||
			echo "$excl" > "/sys/class/uaccel/$name/exclusive"
		chmod "${BASH_REMATCH[3]}" "$node" && chown "${BASH_REMATCH[4]}:${BASH_REMATCH[5]}" "$node"
	done <<< "$want"
	now=$(state)
	[ "$now" = "$want" ] && return 0
	diff <(echo "$want") <(echo "$now") | sed 's/^/#   /'
	return 1
}

# The devices in the order of their minors, on one line: "soft0@0 ...".
devices() {
	local d
	for d in /sys/class/uaccel/*; do
		[ -e "$d/dev" ] && echo "$(cut -d: -f2 "$d/dev") ${d##*/}"
	done | sort -n | awk '{ printf "%s%s@%s", (NR > 1 ? " " : ""), $2, $1 } END { print "" }'
}

# restore STATE DEVICES: one more result, that the devices are back as in
# STATE (DEVICES: their minors then).
restore() {
	echo "# devices before the run: $2; after it: $(devices)"
	if reload_modules "$1"; then
		echo "# devices after reloading the modules: $(devices)"
		echo "ok 1 - the modules reloaded, the devices are back as they were"
	else
		echo "not ok 1 - the devices are back as they were: $(state | tr '\n' ';')"
		rc=1
	fi
}

case $mode in
replay)
	before=$(state) devs=$(devices)
	replay
	restore "$before" "$devs"
	;;
run)
	before=$(state) devs=$(devices)
	run "$1" "$2"
	restore "$before" "$devs"
	;;
standalone)
	mode=()
	[ "${3:-}" = trinity ] && mode=(dev_mode=0666)
	insmod "$K/core/uaccel_core.ko" "${mode[@]}" && insmod "$K/hw/soft/uaccel_soft.ko" num_devices=3 ||
		{ echo "not ok 1 - load the modules"; exit 1; }
	"$here/../vm/kmemleak.sh" start
	if [ "${3:-}" = trinity ]; then
		if command -v trinity > /dev/null; then
			rm -rf /tmp/trinity
			mkdir -p /tmp/trinity && chmod 1777 /tmp/trinity
			trinity_loop "$2" &
			tpid=$!
		else
			echo "not ok 1 - trinity alongside: no trinity (apt-get install trinity)"
			rc=1
		fi
	fi
	run "$1" "$2"
	if [ -n "${tpid:-}" ]; then
		trinity_stop "$tpid"
		# Not ok when trinity made no call at all.
		awk '/Ran [0-9]+ syscalls/ { for (i = 1; i < NF; i++) { if ($i == "Ran") n += $(i + 1); if ($i == "Successes:") s += $(i + 1) } r++ }
		     END { printf "%s 1 - trinity ioctl mode as nobody alongside: %d rounds, %d calls, %d succeeded\n",
			   n > 0 ? "ok" : "not ok", r, n, s; exit n > 0 ? 0 : 1 }' \
			/tmp/out/trinity.log || rc=1
	fi
	# A leak of the run fails it like any other finding.
	"$here/../vm/kmemleak.sh" check fuzz | tee /tmp/out/fuzz-kmemleak.tap
	grep -q '^not ok' /tmp/out/fuzz-kmemleak.tap && rc=1
	# Retried: trinity's last children may still hold nodes.
	unload uaccel_soft && unload uaccel_core || { echo "not ok 1 - unload the modules"; rc=1; }
	;;
*)
	sed -n '4,17p' "$0" >&2
	exit 2
	;;
esac
exit $rc
