#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: the Debian packages as installed.  tests/pkg/test-packages.sh
# extracted them into BUILD/pkg-root, built the modules there with DKMS and
# built BUILD/pkg/example against the root with pkg-config.  This test
# replaces the suite's modules with the DKMS-built ones, runs the example
# and the packaged tools with the root's libaccel and providers, and puts
# the suite's modules back.
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
# The example's line with the device index left out.
example_line() { run_root "$example" "$@" 2>&1 | sed 's/, index [0-9]*,/,/'; }

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
is "soft0, soft1 and edu0 are there" "$(cd /sys/class/uaccel && echo *)" "edu0 soft0 soft1"

is "example on soft0: DMA facet v2 through the soft provider" "$(example_line soft0)" \
	"soft0: driver soft, facet dma.soft.uaccel v2, provider soft, 3 devices"
is "example on edu0: falls back to the factorial facet, edu provider" "$(example_line edu0)" \
	"edu0: driver edu, facet factorial.uaccel v1, provider edu, 3 devices"
is "example with ACCEL_PROVIDERS=none: the generic path" \
	"$(ACCEL_PROVIDERS=none example_line soft1)" \
	"soft1: driver soft, facet dma.soft.uaccel v2, provider none, 3 devices"
is "example on a missing device" "$(example_line nosuch)" "example: no such device among the 3 listed"
check "the provider is loaded from the root" sh -c \
	"LD_LIBRARY_PATH='$lib' ACCEL_PROVIDER_PATH='$lib/libaccel' ACCEL_DEBUG=1 '$example' soft0 2>&1 |
	 grep -qF '$lib/libaccel/libaccel-soft.so'"
check "the example uses the root's libaccel.so.1" sh -c \
	"LD_LIBRARY_PATH='$lib' ldd '$example' | grep -qF '$lib/libaccel.so.1'"

is "packaged accelinfo lists the three devices" \
	"$(run_root "$root/usr/bin/accelinfo" --json | grep -o '"name":"[a-z0-9]*","driver"' |
	   cut -d'"' -f4 | sort | tr '\n' ' ')" "edu0 soft0 soft1 "
check "packaged accel-demo passes on soft0" sh -c \
	"LD_LIBRARY_PATH='$lib' ACCEL_PROVIDER_PATH='$lib/libaccel' '$root/usr/bin/accel-demo' soft0 | grep -qx 'demo passed'"
check "packaged accel-factorial on edu0" run_root "$root/usr/bin/accel-factorial" edu0 5 13

check "unload the DKMS-built modules" sh -c 'rmmod uaccel_edu && rmmod uaccel_soft && rmmod uaccel_core'
check "no uaccel device is left" test ! -e /sys/class/uaccel
check "reload the suite's modules" sh -c \
	"insmod '$K/core/uaccel_core.ko' && insmod '$K/hw/soft/uaccel_soft.ko' num_devices=3"
done_testing
