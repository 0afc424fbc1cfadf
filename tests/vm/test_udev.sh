#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: the shipped udev rules (udev/90-uaccel.rules) applied with
# "udevadm test": group "accel" and mode 0660 on every node, by-name and
# by-path links that follow a device to its new node when it comes back,
# and a user who may open the node through the group, or may not without.
# Expects uaccel_core and uaccel_soft loaded.  usage: test_udev.sh BUILD_DIR
B=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/tap.sh"
SW="$B/tests/sysfs-write"
DRV=/sys/bus/platform/drivers/uaccel_soft

# The root file system is the host's, read-only: the rules go to /run and,
# unless the host has the group "accel" (the packages create it), a group
# of that name with a GID no other group uses is added to a copy of
# /etc/group.  The test uses whichever GID the group has.
mkdir -p /run/udev/rules.d
cp "$top/udev/90-uaccel.rules" /run/udev/rules.d/
cp /etc/group /tmp/group.udev
GID=$(awk -F: '$1 == "accel" { print $3; exit }' /tmp/group.udev)
if [ -z "$GID" ]; then
	GID=990
	while awk -F: -v g="$GID" '$3 == g { f = 1 } END { exit !f }' /tmp/group.udev; do
		GID=$((GID + 1))
	done
	echo "accel:x:$GID:" >> /tmp/group.udev
fi
mount --bind /tmp/group.udev /etc/group

apply() { udevadm test --action=add "/sys/class/uaccel/$1" > /dev/null 2>&1; }
node_of() { echo "/dev/$(sed -n 's/^DEVNAME=//p' "/sys/class/uaccel/$1/uevent")"; }

is "new_device udev0" "$("$SW" $DRV/new_device udev0)" OK
check "udevadm test applies the rules" apply udev0
node=$(node_of udev0)
is "node group and mode" "$(stat -c '%g %a' "$node")" "$GID 660"
is "by-name link" "$(readlink -f /dev/uaccel/by-name/udev0)" "$node"
pdev=$(basename "$(readlink -f /sys/class/uaccel/udev0/device)")
is "by-path link" "$(readlink -f "/dev/uaccel/by-path/platform-$pdev")" "$node"

INFO="$B/tools/accelinfo"
# Each run is judged by its exit status and by what it printed.
out=$(setpriv --reuid=65534 --regid=65534 --groups="$GID" "$INFO" -v -d udev0 2>&1)
rc=$?
is "a user in group accel opens and queries it (status)" "$rc" 0
check "a user in group accel opens and queries it (output)" sh -c \
	'printf "%s\n" "$1" | grep -q "udev0" && ! printf "%s\n" "$1" | grep -qi "denied\|failed"' sh "$out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$INFO" -v -d udev0 2>&1)
rc=$?
is "a user without the group cannot (status)" "$rc" 1
check "a user without the group cannot (told why)" sh -c \
	'printf "%s\n" "$1" | grep -q "^accelinfo: udev0: no permission to open .*(EACCES)\$"' sh "$out"

# The device comes back under a new index: the name link follows it.
is "delete_device udev0" "$("$SW" $DRV/delete_device udev0)" OK
is "new_device udev0 again" "$("$SW" $DRV/new_device udev0)" OK
check "udevadm test applies the rules again" apply udev0
node2=$(node_of udev0)
check "the new node differs from the old one" test "$node2" != "$node"
is "by-name link follows to the new node" "$(readlink -f /dev/uaccel/by-name/udev0)" "$node2"

# A rename sends a "move" uevent: the by-name link moves with the name.
is "rename udev0 to udevren0" "$("$SW" /sys/class/uaccel/udev0/name udevren0)" OK
check "udevadm test applies the move" \
	udevadm test --action=move /sys/class/uaccel/udevren0
is "by-name link under the new name" "$(readlink -f /dev/uaccel/by-name/udevren0)" "$node2"
check "no by-name link under the old name" test ! -e /dev/uaccel/by-name/udev0
pdev2=$(basename "$(readlink -f /sys/class/uaccel/udevren0/device)")
is "by-path link unchanged" "$(readlink -f "/dev/uaccel/by-path/platform-$pdev2")" "$node2"
is "delete_device udevren0 at the end" "$("$SW" $DRV/delete_device udevren0)" OK

# Without udevd nobody removes what "udevadm test" created: do it here.
umount /etc/group
rm -f /run/udev/rules.d/90-uaccel.rules
rm -rf /dev/uaccel/by-name /dev/uaccel/by-path
find /dev/char -lname '*uaccel*' -delete
done_testing
