#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: compatibility with a release (docs/abi.md), built by
# tests/compat/build-release.sh into RELEASE_DIR.
#
#   old-programs  the release's tools and compatibility client on the
#                 current modules, with the release's libaccel and
#                 providers, then with the current ones; and the program
#                 of the frozen v1 uAPI (compat_uapi_v1).  Not the
#                 release's own QUERY_DEVICE test (vm_query): it asserts
#                 the facet count of the soft device of its time (4), and
#                 a facet added since (cipher.uaccel) is no break of a
#                 program; the client checks QUERY_DEVICE's fields.
#   old-modules   the current tools, compatibility client and v1 uAPI
#                 program against the release's modules, which replace the
#                 suite's for the time of the test.
#
# Few programs, since each costs seconds on the debug kernel: accelinfo -v
# (listing, open, query), accel-factorial (a facet with its fallback) and
# the client, which covers the rest of the API.
#
# Every old call keeps working; what the older side lacks is reported as
# not supported (a facet falling back to an older name or version,
# EOPNOTSUPP, ENOTTY), never as a crash or a wrong result.
# Expects uaccel_core and uaccel_soft (num_devices=3) of MODULE_DIR loaded
# and leaves them so.
# usage: vm-compat.sh old-programs|old-modules BUILD_DIR MODULE_DIR RELEASE_DIR
mode=$1
B=$2
K=$3
R=$4
here=${0%/*}
. "$here/../vm/tap.sh"
rel=""
[ -r "$R/release" ] && read -r rel < "$R/release"
export CMOCKA_MESSAGE_OUTPUT=TAP

# Every process costs up to a second on the debug kernel under emulation:
# the helpers below start none but the program under test.

# run CMD...: its stdout, stderr and exit status in $out, $err and $rc,
# and how long it ran; it runs with the variables of the array envp added.
envp=()
run() {
	local t0=${EPOCHREALTIME/[.,]/}
	out=$([ ${#envp[@]} -eq 0 ] || export "${envp[@]}"; exec "$@" 2> /tmp/compat.err)
	rc=$?
	err=""
	IFS= read -r -d '' err < /tmp/compat.err
	err=${err%$'\n'}
	echo "# ${1##*/}: $(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 )) ms"
}

# tap_prog DESC CMD...: run a TAP-speaking program and report each of its
# results as one of ours, prefixed with DESC.
tap_prog() {
	local desc=$1 n=0 bad=0 line re='^(not )?ok [0-9]+( - )?(.*)$'
	shift
	run "$@"
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			n=$((n + 1))
			if [ -n "${BASH_REMATCH[1]}" ]; then
				bad=1
				not_ok "$desc: ${BASH_REMATCH[3]}"
			else
				ok "$desc: ${BASH_REMATCH[3]}"
			fi
		else
			printf '#   %s\n' "$line"
		fi
	done <<< "$out"
	[ -n "$err" ] && printf '#   stderr: %s\n' "$err"
	[ $n -gt 0 ] || not_ok "$desc: printed no result (exit status $rc)"
	[ $rc -eq 0 ] || [ $bad -eq 1 ] || not_ok "$desc: exited with status $rc"
}

# info WHO BIN_DIR: accelinfo -v of BIN_DIR lists and queries soft0..soft2.
info() {
	local line names="" abi=0 idx=0
	run "$2/accelinfo" -v
	is "$1 accelinfo -v exits 0, nothing on stderr" "$rc:$err" "0:"
	while IFS= read -r line; do
		case $line in
		[a-z]*) names="$names$line " ;;
		$'\tabi_version:\t1') abi=$((abi + 1)) ;;
		$'\tindex:\t'*) idx=$((idx + 1)) ;;
		esac
	done <<< "$out"
	is "$1 accelinfo -v lists and queries the 3 devices" "$names|$abi|$idx" \
		"soft0 soft1 soft2 |3|3"
}

# factorial WHO BIN_DIR: accel-factorial of BIN_DIR falls back from a newer
# facet name and computes right.
factorial() {
	run "$2/accel-factorial" soft2 5 13
	is "$1 accel-factorial soft2 5 13: falls back to factorial.uaccel v1, right results" \
		"$rc:$err:$out" "0::facet factorial-v2.uaccel: not served, falling back
soft2: facet factorial.uaccel version 1
5! mod 2^32 = 120 (blocking), 120 (completion, status 0)
13! mod 2^32 = 1932053504 (blocking), 1932053504 (completion, status 0)"
}

[ -n "$rel" ] && [ -x "$R/client/compat_client" ] || {
	echo "not ok 1 # SKIP no release build in '$R': run tests/compat/build-release.sh"
	echo "1..1"
	exit 0
}
# The build ID of a loaded module (the end of its build-id note) and of a
# module file.
loaded_id() {
	local b
	read -r -d '' -a b < <(od -An -v -tx1 "/sys/module/$1/notes/.note.gnu.build-id")
	b=("${b[@]: -20}")
	printf '%s' "${b[@]}"
}
file_id() {
	local line
	while read -r line; do
		[[ $line == "Build ID: "* ]] && printf '%s' "${line#Build ID: }"
	done <<< "$(readelf -n "$1")"
}

# The client checks that it runs with the libaccel of COMPAT_LIBACCEL and
# the provider of COMPAT_PROVIDER.
case $mode in
old-programs)
	envp=(LD_LIBRARY_PATH="$R/build/libaccel" ACCEL_PROVIDER_PATH="$R/build/providers"
	      COMPAT_LIBACCEL="$R/build/libaccel" COMPAT_PROVIDER=soft)
	info "$rel accelinfo, $rel libaccel:" "$R/build/tools"
	factorial "$rel accel-factorial, $rel libaccel:" "$R/build/tools"
	tap_prog "$rel client, $rel libaccel" "$R/client/compat_client"
	envp=(LD_LIBRARY_PATH="$B/libaccel" ACCEL_PROVIDER_PATH="$B/providers"
	      COMPAT_LIBACCEL="$B/libaccel" COMPAT_PROVIDER=soft)
	info "$rel accelinfo, current libaccel:" "$R/build/tools"
	factorial "$rel accel-factorial, current libaccel:" "$R/build/tools"
	tap_prog "$rel client, current libaccel" "$R/client/compat_client"
	envp=()
	tap_prog "v1 uAPI program" "$B/tests/compat/compat_uapi_v1"
	;;
old-modules)
	# The release's modules for the running kernel.
	read -r kver < /proc/sys/kernel/osrelease
	RK=$R/modules-$kver
	if [ ! -d "$RK" ]; then
		not_ok "$rel has modules for $kver (build-release.sh -d for the debug kernel)"
		done_testing
		exit 1
	fi
	check "unload the suite's modules" rmmod uaccel_soft uaccel_core
	check "load $rel's uaccel_core" insmod "$RK/core/uaccel_core.ko"
	check "load $rel's uaccel_soft with 3 devices" insmod "$RK/hw/soft/uaccel_soft.ko" num_devices=3
	for m in core/uaccel_core hw/soft/uaccel_soft; do
		is "${m##*/} loaded is $rel's" "$(loaded_id "${m##*/}")" "$(file_id "$RK/$m.ko")"
	done
	envp=(LD_LIBRARY_PATH="$B/libaccel" ACCEL_PROVIDER_PATH="$B/providers"
	      COMPAT_LIBACCEL="$B/libaccel" COMPAT_PROVIDER=soft)
	info "current accelinfo, $rel modules:" "$B/tools"
	factorial "current accel-factorial, $rel modules:" "$B/tools"
	tap_prog "current client, $rel modules" "$B/tests/compat/compat_client"
	envp=()
	tap_prog "v1 uAPI program, $rel modules" "$B/tests/compat/compat_uapi_v1"
	check "unload $rel's modules" rmmod uaccel_soft uaccel_core
	check "no uaccel device is left" test ! -e /sys/class/uaccel
	check "reload the suite's uaccel_core" insmod "$K/core/uaccel_core.ko"
	check "reload the suite's uaccel_soft with 3 devices" insmod "$K/hw/soft/uaccel_soft.ko" num_devices=3
	;;
*)
	echo "usage: vm-compat.sh old-programs|old-modules BUILD_DIR MODULE_DIR RELEASE_DIR" >&2
	exit 2
	;;
esac
done_testing
