#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of tools/run-demo.sh.  usage: demo-guest.sh BUILD_DIR
set -euo pipefail
B=$1
K=$B/kbuild/kernel
export LD_LIBRARY_PATH=$B/libaccel

echo "### insmod uaccel_core.ko; insmod uaccel_soft.ko num_devices=2; insmod uaccel_edu.ko"
insmod "$K/core/uaccel_core.ko"
insmod "$K/hw/soft/uaccel_soft.ko" num_devices=2
insmod "$K/hw/edu/uaccel_edu.ko"
echo "### ls -l /dev/uaccel"
ls -l /dev/uaccel
echo "### accelinfo -v"
"$B/tools/accelinfo" -v
echo "### accelinfo --json"
"$B/tools/accelinfo" --json
echo "### accel-demo soft0 (with the soft provider)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-demo" soft0
echo "### accel-demo soft1 (generic path, no provider)"
ACCEL_PROVIDERS=none "$B/tools/accel-demo" soft1
echo "### accel-factorial edu0 (QEMU's edu PCI device, in hardware)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-factorial" edu0
echo "### accel-factorial soft0 (the same program and facet on the CPU)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-factorial" soft0
echo "### accelinfo --select factorial.uaccel:1 (how libaccel ranks the devices for a facet)"
"$B/tools/accelinfo" --select factorial.uaccel:1
echo "### accel-factorial --select (the device libaccel selects: edu1, hardware on a NUMA node)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-factorial" --select 5 13
echo "### rmmod uaccel_edu uaccel_soft uaccel_core"
rmmod uaccel_edu uaccel_soft uaccel_core
echo "### demo finished"
