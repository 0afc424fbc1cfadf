#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Bind virtio devices to a driver, taking them from the driver that has
# them: what an administrator does to hand a device from one driver of
# its type to another (docs/writing-a-driver.md, "Choosing the driver of
# a device").  Linux 6.1's virtio bus has no driver_override: a device
# goes to the first registered driver that matches it, so a device that
# another driver holds is unbound from it first, then bound by name.
#
# usage: virtio-bind.sh DRIVER DEVICE...     (virtio0, virtio3, ...)
#        virtio-bind.sh -t ID DRIVER          every device of virtio type ID
#                                             (20, or 0x0014, for crypto)
# Exit status: 0 when every device is bound to DRIVER, 1 otherwise.
set -u
bus=/sys/bus/virtio
type=""
if [ "${1:-}" = -t ]; then
	type=$(printf '0x%04x' "$2")
	shift 2
fi
[ $# -ge 1 ] || { sed -n '10,13p' "$0" >&2; exit 2; }
drv=$1
shift
[ -d "$bus/drivers/$drv" ] || { echo "virtio-bind.sh: no virtio driver $drv (module not loaded?)" >&2; exit 1; }
if [ -n "$type" ]; then
	set --
	for d in "$bus"/devices/virtio*; do
		[ -e "$d/device" ] && [ "$(cat "$d/device")" = "$type" ] && set -- "$@" "${d##*/}"
	done
	[ $# -gt 0 ] || { echo "virtio-bind.sh: no virtio device of type $type" >&2; exit 1; }
fi
rc=0
for dev in "$@"; do
	d=$bus/devices/$dev
	[ -e "$d" ] || { echo "virtio-bind.sh: no device $dev" >&2; rc=1; continue; }
	cur=""
	[ -e "$d/driver" ] && cur=$(basename "$(readlink "$d/driver")")
	[ "$cur" = "$drv" ] && continue
	if [ -n "$cur" ] && ! echo "$dev" > "$bus/drivers/$cur/unbind"; then
		echo "virtio-bind.sh: cannot unbind $dev from $cur" >&2
		rc=1
		continue
	fi
	if ! echo "$dev" > "$bus/drivers/$drv/bind"; then
		echo "virtio-bind.sh: $drv refused $dev (see dmesg)" >&2
		rc=1
	fi
done
exit $rc
