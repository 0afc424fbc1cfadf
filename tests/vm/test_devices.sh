#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: soft devices in sysfs and /dev, runtime add/remove with exact
# errors, unbind/bind, listing through accelinfo as root and as a user, and
# the tools (accelinfo, accel-factorial, accel-demo) on the soft devices,
# each with its exit status, standard output and standard error.
# Expects uaccel_core and uaccel_soft (num_devices=3) loaded and no other
# uaccel devices.  usage: test_devices.sh BUILD_DIR
B=$1
. "$(dirname "$0")/tap.sh"
SW="$B/tests/sysfs-write"
DRV=/sys/bus/platform/drivers/uaccel_soft
INFO="$B/tools/accelinfo"

count() { ls -1 "$1" 2>/dev/null | wc -l; }

is "three soft devices in sysfs" "$(ls /sys/class/uaccel | tr '\n' ' ')" "soft0 soft1 soft2 "
is "three nodes in /dev/uaccel" "$(ls /dev/uaccel | tr '\n' ' ')" "uaccel0 uaccel1 uaccel2 "
for i in 0 1 2; do
	d=/sys/class/uaccel/soft$i
	is "soft$i driver" "$(cat $d/driver)" soft
	is "soft$i abi_version" "$(cat $d/abi_version)" 1
	is "soft$i numa_node" "$(cat $d/numa_node)" -1
	is "soft$i facets" "$(cat $d/facets | tr '\n' ';')" \
		"dma.soft.uaccel 1 2 0;softdma 1 1 0;debug.soft.uaccel 1 1 3;factorial.uaccel 1 1 0;cipher.uaccel 1 1 0;"
	is "soft$i parent is a uaccel_soft platform device" \
		"$(basename "$(readlink -f $d/device)" | sed 's/\.[0-9]*\.auto$//')" uaccel_soft
	check "soft$i driver attribute group" test -r $d/soft/instance
	is "soft$i node is a char device with the dev numbers" \
		"$(stat -c '%F %t:%T %a' /dev/uaccel/uaccel$i)" \
		"character special file $(printf '%x:%x' $(tr ':' ' ' < $d/dev)) 600"
done

# run CMD...: its stdout, stderr and exit status in $out, $err and $rc.
run() {
	out=$("$@" 2> /tmp/tool.err)
	rc=$?
	err=$(cat /tmp/tool.err)
}
# json PYTHON: run the assertions on $out read as JSON (d).
json() { printf '%s' "$out" | python3 -c "import json, sys
d = json.load(sys.stdin)
$1"; }
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# accelinfo --json as root and as an unprivileged user (listing opens nothing).
run "$INFO" --json
is "accelinfo --json exits 0, nothing on stderr" "$rc:$err" "0:"
check "accelinfo --json lists the devices" json '
assert [x["name"] for x in d] == ["soft0", "soft1", "soft2"], d
assert all(x["driver"] == "soft" and x["node"] == "/dev/uaccel/uaccel%d" % i for i, x in enumerate(d)), d
'
run "$INFO" -v --json
is "accelinfo -v --json exits 0, nothing on stderr" "$rc:$err" "0:"
check "accelinfo -v --json queries the kernel" json '
assert [x["index"] for x in d] == [0, 1, 2], d
assert not any("query_error" in x for x in d), d
'
run $NOBODY "$INFO" --json
is "accelinfo --json as nobody exits 0, nothing on stderr" "$rc:$err" "0:"
check "accelinfo lists as nobody" json 'assert len(d) == 3, d'
# -v asks for what nobody may not have: the device is shown, the status is 1.
run $NOBODY "$INFO" -v -d soft0
is "nobody: accelinfo -v -d soft0 exits 1" "$rc" 1
check "nobody: soft0 is shown with the failed query" \
	grep -qx "$(printf '\tquery:\t\tfailed: Permission denied')" <<< "$out"
case $err in
"accelinfo: soft0: no permission to open /dev/uaccel/uaccel0"*"(EACCES)") ok "nobody: stderr names soft0, its node and EACCES" ;;
*) not_ok "nobody: stderr names soft0, its node and EACCES"; echo "#   got: '$err'" ;;
esac
run "$INFO" -v -d nosuch
is "accelinfo -d nosuch exits 1 and says so" "$rc:$out:$err" "1::accelinfo: no accelerator named nosuch"

# accel-factorial and accel-demo on a soft device (the generic path: no
# provider is installed in the VM).
run "$B/tools/accel-factorial" soft0 5 13
is "accel-factorial soft0 5 13 exits 0, nothing on stderr" "$rc:$err" "0:"
is "accel-factorial soft0 5 13 output" "$out" "facet factorial-v2.uaccel: not served, falling back
soft0: facet factorial.uaccel version 1
5! mod 2^32 = 120 (blocking), 120 (completion, status 0)
13! mod 2^32 = 1932053504 (blocking), 1932053504 (completion, status 0)"
# --select: libaccel chooses; ACCEL_DEVICES pins soft1, or excludes the
# others but soft2.
run env ACCEL_DEVICES=soft1 "$B/tools/accel-factorial" --select 5
is "accel-factorial --select 5, pinned to soft1: exits 0, nothing on stderr" "$rc:$err" "0:"
is "accel-factorial --select 5, pinned to soft1: output" "$out" "selected soft1, the best device serving the facet
facet factorial-v2.uaccel: not served, falling back
soft1: facet factorial.uaccel version 1
5! mod 2^32 = 120 (blocking), 120 (completion, status 0)"
run env 'ACCEL_DEVICES=!soft0,!soft1' "$B/tools/accel-factorial" -s 5
is "accel-factorial -s 5 without soft0 and soft1: soft2" "$rc:$(head -n 1 <<< "$out")" \
	"0:selected soft2, the best device serving the facet"
run "$B/tools/accel-demo" soft1
is "accel-demo soft1 exits 0, nothing on stderr" "$rc:$err" "0:"
is "accel-demo soft1 verifies both copies" "$(grep -E 'verified|MISMATCH|^demo' <<< "$out")" \
"facet copy of 524288 bytes: verified
queue copy of 524288 bytes: status 0, verified
demo passed"
run $NOBODY "$B/tools/accel-demo" soft1
is "nobody: accel-demo soft1 exits 1, nothing on stdout" "$rc:$out" "1:"
case $err in
"accel-demo: soft1: no permission to open /dev/uaccel/uaccel1"*"(EACCES)") ok "nobody: accel-demo says why, naming soft1" ;;
*) not_ok "nobody: accel-demo says why, naming soft1"; echo "#   got: '$err'" ;;
esac

# Runtime add and remove, with exact errors.
is "new_device with no name" "$("$SW" $DRV/new_device $'\n')" OK
check "soft3 appeared" test -c /dev/uaccel/uaccel3 -a -d /sys/class/uaccel/soft3
is "new_device with a name" "$("$SW" $DRV/new_device 'my.dev-1')" OK
check "my.dev-1 appeared" test -d /sys/class/uaccel/my.dev-1
is "new_device duplicate name" "$("$SW" $DRV/new_device 'my.dev-1')" EEXIST
is "new_device name with a slash" "$("$SW" $DRV/new_device 'bad/name')" EINVAL
is "new_device name starting with a dot" "$("$SW" $DRV/new_device '.hidden')" EINVAL
is "new_device name of 64 characters" "$("$SW" $DRV/new_device "$(printf 'a%.0s' $(seq 64))")" EINVAL
check "a name of 63 characters works" sh -c \
	'[ "$("$1" "$2/new_device" "$3")" = OK ] && "$1" "$2/delete_device" "$3" | grep -qx OK' \
	sh "$SW" "$DRV" "$(printf 'b%.0s' $(seq 63))"
is "delete_device unknown name" "$("$SW" $DRV/delete_device nosuch)" ENOENT
is "delete_device my.dev-1" "$("$SW" $DRV/delete_device my.dev-1)" OK
check "my.dev-1 is gone" test ! -e /sys/class/uaccel/my.dev-1
is "delete_device soft3" "$("$SW" $DRV/delete_device soft3)" OK
check "soft3 node is gone" test ! -e /dev/uaccel/uaccel3
is "device count back to three" "$(count /sys/class/uaccel)" 3

# Add/remove cycles reuse names (indexes move on, see below).
for i in $(seq 20); do
	"$SW" $DRV/new_device cyc > /dev/null
	"$SW" $DRV/delete_device cyc > /dev/null
done
is "add/remove cycles leave three devices" "$(count /sys/class/uaccel)" 3

# Unbinding the platform device removes the accelerator; binding brings it back.
pdev=$(basename "$(readlink -f /sys/class/uaccel/soft1/device)")
is "unbind soft1" "$("$SW" $DRV/unbind "$pdev")" OK
check "soft1 is gone after unbind" test ! -e /sys/class/uaccel/soft1
is "bind soft1 again" "$("$SW" $DRV/bind "$pdev")" OK
check "soft1 is back after bind" test -d /sys/class/uaccel/soft1
# A device that comes back is a new device: a new index and node.
node=/dev/$(sed -n 's/^DEVNAME=//p' /sys/class/uaccel/soft1/uevent)
check "soft1 has a node after bind" test -c "$node"
check "soft1 got a new node, not uaccel1" test "$node" != /dev/uaccel/uaccel1
check "the old node uaccel1 is gone" test ! -e /dev/uaccel/uaccel1

done_testing
