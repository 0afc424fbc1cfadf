#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: the Debian packages as installed.  tests/pkg/test-packages.sh
# extracted them into BUILD/pkg-root, built the modules there with DKMS and
# built BUILD/pkg/example against the root with pkg-config.  This test
# replaces the suite's modules with the DKMS-built ones, runs the example,
# the packaged tools and python3-accel's module and demo with the root's
# libaccel and providers (checking exit status and output of each, and the message of an edu timeout), and
# puts the suite's modules back.
# Expects uaccel_core and uaccel_soft (num_devices=3) of MODULE_DIR loaded
# and leaves them so.  usage: test_packages.sh BUILD_DIR MODULE_DIR
B=$1
K=$2
. "$(dirname "$0")/tap.sh"
root=$B/pkg-root
example=$B/pkg/example
mods=$root/lib/modules/$(uname -r)/updates/dkms
lib=$(dirname "$(ls -1 "$root"/usr/lib/*/libaccel.so.1 2> /dev/null | head -n 1)")

if [ ! -f "$mods/uaccel_core.ko" ] || [ ! -x "$example" ] || [ ! -f "$lib/libaccel.so.1" ]; then
	echo "not ok 1 # SKIP no packages built for $(uname -r): run tests/pkg/test-packages.sh $B"
	echo "1..1"
	exit 0
fi

# run_root PROGRAM ARGS...: a program of the root, with the root's library
# and providers only.
run_root() {
	LD_LIBRARY_PATH=$lib ACCEL_PROVIDER_PATH=$lib/libaccel "$@"
}
# The example's output with the device index left out, and its exit status.
example_line() {
	local o rc
	o=$(run_root "$example" "$@" 2>&1)
	rc=$?
	printf '%s [exit %d]' "$(sed 's/, index [0-9]*,/,/' <<< "$o")" "$rc"
}
# run CMD...: its stdout, stderr and exit status in $out, $err and $rc.
run() {
	out=$("$@" 2> /tmp/tool.err)
	rc=$?
	err=$(cat /tmp/tool.err)
}

check "unload the suite's modules" sh -c 'rmmod uaccel_soft && rmmod uaccel_core'
check "load the DKMS-built uaccel_core" insmod "$mods/uaccel_core.ko"
check "load the DKMS-built uaccel_soft with 2 devices" insmod "$mods/uaccel_soft.ko" num_devices=2
check "load the DKMS-built uaccel_edu" insmod "$mods/uaccel_edu.ko"
# The build ID of a loaded module (the end of its build-id note) against
# the one of the root's file: a module built elsewhere has another.
loaded_id() { tail -c 20 "/sys/module/$1/notes/.note.gnu.build-id" | od -An -tx1 | tr -d ' \n'; }
file_id() { readelf -n "$1" | sed -n 's/^ *Build ID: //p'; }
for m in uaccel_core uaccel_soft uaccel_edu; do
	id=$(file_id "$mods/$m.ko")
	check "$m has a build ID" test -n "$id"
	is "$m loaded is the root's build" "$(loaded_id $m)" "$id"
done
is "soft0, soft1, edu0 and edu1 are there" "$(cd /sys/class/uaccel && echo *)" "edu0 edu1 soft0 soft1"

is "example on soft0: DMA facet v2 through the soft provider" "$(example_line soft0)" \
	"soft0: driver soft, facet dma.soft.uaccel v2, provider soft, 4 devices [exit 0]"
is "example on edu0: falls back to the factorial facet, edu provider" "$(example_line edu0)" \
	"edu0: driver edu, facet factorial.uaccel v1, provider edu, 4 devices [exit 0]"
is "example with ACCEL_PROVIDERS=none: the generic path" \
	"$(ACCEL_PROVIDERS=none example_line soft1)" \
	"soft1: driver soft, facet dma.soft.uaccel v2, provider none, 4 devices [exit 0]"
is "example on a missing device" "$(example_line nosuch)" "example: no such device among the 4 listed [exit 1]"
run env ACCEL_DEBUG=1 LD_LIBRARY_PATH="$lib" ACCEL_PROVIDER_PATH="$lib/libaccel" "$example" soft0
is "the example with ACCEL_DEBUG=1 exits 0" "$rc" 0
check "the provider is loaded from the root" grep -qF "$lib/libaccel/libsoft-accelv1.so" <<< "$err"
check "the example uses the root's libaccel.so.1" sh -c \
	"LD_LIBRARY_PATH='$lib' ldd '$example' | grep -qF '$lib/libaccel.so.1'"

version=$(basename "$(ls -1d "$root"/usr/src/uaccel-* | head -n 1)")
version=${version#uaccel-}
for tool in accel accelinfo accel-demo accel-factorial; do
	run run_root "$root/usr/bin/$tool" --version
	is "packaged $tool --version" "$rc:$out:$err" "0:$tool (uaccel) $version:"
done
run run_root "$root/usr/bin/accelinfo" --json
is "packaged accelinfo --json exits 0, nothing on stderr" "$rc:$err" "0:"
is "packaged accelinfo lists the four devices" \
	"$(grep -o '"name":"[a-z0-9]*","driver"' <<< "$out" | cut -d'"' -f4 | sort | tr '\n' ' ')" \
	"edu0 edu1 soft0 soft1 "
run run_root "$root/usr/bin/accel-demo" soft0
is "packaged accel-demo soft0 exits 0, nothing on stderr" "$rc:$err" "0:"
is "packaged accel-demo soft0: the soft provider, both copies verified" \
	"$(grep -E 'provider|verified|MISMATCH|^demo' <<< "$out")" \
"device soft0 opened; provider: soft
facet copy of 524288 bytes: verified
queue copy of 524288 bytes: status 0, verified
demo passed"
# python3-accel: the module of the root's dist-packages over the root's
# libaccel.so.1 (no ACCEL_LIBRARY: the loader's search), its demo.
pydist=$root/usr/lib/python3/dist-packages
run_py() {
	PYTHONPATH=$pydist PYTHONDONTWRITEBYTECODE=1 run_root /usr/bin/python3 "$@"
}
run run_py -c 'import accel; print(accel.__file__, accel.library_version()[3])'
is "python3-accel: import accel takes the root's module" "$rc:$out:$err" \
	"0:$pydist/accel/__init__.py $version:"
run run_py "$root/usr/share/doc/python3-accel/examples/demo.py" soft0
is "python3-accel's demo.py soft0 exits 0, nothing on stderr" "$rc:$err" "0:"
is "python3-accel's demo.py soft0: the soft provider, both copies verified" \
	"$(grep -E 'provider|verified|MISMATCH|^demo' <<< "$out")" \
"device soft0 opened; provider: soft
facet copy of 524288 bytes: verified
queue copy of 524288 bytes: status 0, verified
demo passed"
run run_root "$root/usr/bin/accel-factorial" edu0 5 13
is "packaged accel-factorial edu0 5 13 exits 0, nothing on stderr" "$rc:$err" "0:"
is "packaged accel-factorial edu0 5 13 output" "$out" \
"facet factorial-v2.uaccel: not served, falling back
edu0: facet factorial.uaccel version 1
5! mod 2^32 = 120 (blocking), 120 (completion, status 0)
13! mod 2^32 = 1932053504 (blocking), 1932053504 (completion, status 0)"
# A device that does not answer in time (the edu unit is busy for seconds
# with 1000000000!): the message names the device, the computation and how
# long it waited; then the unit recovers (as vm_edu.c's timeout test).
T=/sys/module/uaccel_edu/parameters/timeout_ms
is "edu timeout_ms set to 1" "$("$B/tests/sysfs-write" $T 1)" OK
run run_root "$root/usr/bin/accel-factorial" edu0 1000000000
is "edu timeout_ms set to 30000" "$("$B/tests/sysfs-write" $T 30000)" OK
is "packaged accel-factorial: a timeout exits 1 after the facet lines" "$rc:$out" "1:facet factorial-v2.uaccel: not served, falling back
edu0: facet factorial.uaccel version 1"
case $err in
"accel-factorial: edu0: factorial of 1000000000 (blocking) timed out after "[0-9]*" ms (ETIMEDOUT)")
	ok "packaged accel-factorial: the timeout names edu0, the computation and the wait" ;;
*)
	not_ok "packaged accel-factorial: the timeout names edu0, the computation and the wait"
	echo "#   got: '$err'" ;;
esac
run run_root "$root/usr/bin/accel-factorial" edu0 6
is "packaged accel-factorial edu0 6 after the timeout: exit 0" "$rc:$(tail -n 1 <<< "$out"):$err" \
	"0:6! mod 2^32 = 720 (blocking), 720 (completion, status 0):"
is "edu timeout_ms back to 2000" "$("$B/tests/sysfs-write" $T 2000)" OK

check "unload the DKMS-built modules" sh -c 'rmmod uaccel_edu && rmmod uaccel_soft && rmmod uaccel_core'
check "no uaccel device is left" test ! -e /sys/class/uaccel
check "reload the suite's modules" sh -c \
	"insmod '$K/core/uaccel_core.ko' && insmod '$K/hw/soft/uaccel_soft.ko' num_devices=3"
done_testing
