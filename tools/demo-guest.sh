#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of tools/run-demo.sh.  usage: demo-guest.sh BUILD_DIR
set -euo pipefail
B=$1
K=$B/kbuild/kernel
export LD_LIBRARY_PATH=$B/libaccel

echo "### insmod uaccel_core.ko; insmod uaccel_soft.ko num_devices=2; insmod uaccel_edu.ko; insmod uaccel_vcrypto.ko"
insmod "$K/core/uaccel_core.ko"
insmod "$K/hw/soft/uaccel_soft.ko" num_devices=2
insmod "$K/hw/edu/uaccel_edu.ko"
insmod "$K/hw/vcrypto/uaccel_vcrypto.ko"
# The VM's two virtio-crypto devices, to uaccel_vcrypto (vcrypto0, vcrypto1).
"$(dirname "$0")/../tests/vm/virtio-bind.sh" -t 20 uaccel_vcrypto
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
echo "### python3 python/examples/demo.py soft0 (the same demo through the Python binding)"
ACCEL_PROVIDER_PATH=$B/providers PYTHONPATH=$(cd "$(dirname "$0")/../python" && pwd) \
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$(dirname "$0")/../python/examples/demo.py" soft0
echo "### accel-factorial edu0 (QEMU's edu PCI device, in hardware)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-factorial" edu0
echo "### accel-factorial soft0 (the same program and facet on the CPU)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-factorial" soft0
echo "### accelinfo --select factorial.uaccel:1 (how libaccel ranks the devices for a facet)"
"$B/tools/accelinfo" --select factorial.uaccel:1
echo "### accel-factorial --select (the device libaccel selects: edu1, hardware on a NUMA node)"
ACCEL_PROVIDER_PATH=$B/providers "$B/tools/accel-factorial" --select 5 13

# cipher.uaccel: one text encrypted on the soft device (the kernel's crypto
# API) and on vcrypto0 (virtio-crypto hardware) when it is there, each
# checked against OpenSSL (--verify), then against each other.  The CTR
# template is a module of the stock kernel that the kernel cannot load by
# itself here (its modprobe call runs in the initramfs).
modprobe -q ctr 2> /dev/null || true
key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
iv=f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
msg="The same text through cipher.uaccel on every device that serves it."
echo "### accel-cipher -d soft0 -a aes-256-ctr --verify (soft0: the kernel's crypto API)"
printf '%s' "$msg" | "$B/tools/accel-cipher" -v -d soft0 -a aes-256-ctr -K $key -I $iv --verify \
	> /tmp/demo-soft0.enc
od -An -tx1 /tmp/demo-soft0.enc
if [ -e /sys/class/uaccel/vcrypto0 ]; then
	echo "### accel-cipher -d vcrypto0 -a aes-256-ctr --verify (virtio-crypto hardware)"
	printf '%s' "$msg" | "$B/tools/accel-cipher" -v -d vcrypto0 -a aes-256-ctr -K $key -I $iv \
		--verify > /tmp/demo-vcrypto0.enc
	cmp /tmp/demo-soft0.enc /tmp/demo-vcrypto0.enc
	echo "soft0 and vcrypto0 wrote the same $(stat -c %s /tmp/demo-soft0.enc) bytes"
	rm -f /tmp/demo-vcrypto0.enc
else
	echo "(no vcrypto0: no virtio-crypto device with its driver)"
fi
echo "### accel-cipher -D (the text back)"
"$B/tools/accel-cipher" -d soft0 -D -a aes-256-ctr -K $key -I $iv -i /tmp/demo-soft0.enc --verify
echo
rm -f /tmp/demo-soft0.enc

# The operators' tool, accel(8), over the generic netlink family "uaccel".
A=$B/tools/accel
echo "### accel dev (every device, over netlink)"
"$A" dev
echo "### accel -d dev show soft0 (details: parent, ids, facets with their flags)"
"$A" -d dev show soft0
echo "### a process holds 4 MRs of 64 KiB on soft1 (tests/vm_holder); accel res pinpoints it"
mkfifo /tmp/demo-holder.in
"$B/tests/vm_holder" soft1 4 65536 < /tmp/demo-holder.in > /tmp/demo-holder.out &
holder=$!
exec 3> /tmp/demo-holder.in
for _ in $(seq 300); do
	grep -q '^ready' /tmp/demo-holder.out && break
	sleep 0.1
done
cat /tmp/demo-holder.out
echo "### accel res (one line per context: pid $holder, its objects and pinned bytes)"
"$A" res
echo "### accel res show mr dev soft1 (each MR with the pid and command holding it)"
"$A" res show mr dev soft1
exec 3>&-
wait "$holder"
rm -f /tmp/demo-holder.in /tmp/demo-holder.out

# accel monitor while edu0 is hot-unplugged: through QEMU's monitor
# (device_del, run-vm.sh -Q's mailbox) when it is there, else by removing
# the PCI function in sysfs.
edu0_pci=$(basename "$(readlink -f /sys/class/uaccel/edu0/device)")
echo "### accel monitor -c 1 while edu0 ($edu0_pci) is unplugged"
"$A" monitor -c 1 > /tmp/demo-monitor.out &
monitor=$!
# Subscribed once it waits in recvmsg (47 on x86_64).
for _ in $(seq 100); do
	case $(cat "/proc/$monitor/syscall" 2> /dev/null) in 47\ *) break ;; esac
	sleep 0.1
done
for _ in $(seq 100); do
	[ -e /tmp/out/qmp/ready ] && break
	sleep 0.1
done
if [ -e /tmp/out/qmp/ready ]; then
	echo "(QMP: device_del edu0; pciehp removes it after its 5 s attention delay)"
	echo '{"execute":"device_del","arguments":{"id":"edu0"}}' > /tmp/out/qmp/req.tmp
	mv /tmp/out/qmp/req.tmp /tmp/out/qmp/req.json
	for _ in $(seq 300); do
		[ -e /tmp/out/qmp/rsp.json ] && break
		sleep 0.1
	done
	cat /tmp/out/qmp/rsp.json 2> /dev/null && rm -f /tmp/out/qmp/rsp.json
else
	echo "(no QMP mailbox: echo 1 > /sys/bus/pci/devices/$edu0_pci/remove instead)"
	echo 1 > "/sys/bus/pci/devices/$edu0_pci/remove"
fi
timeout 60 tail --pid="$monitor" -f /dev/null || kill "$monitor"
wait "$monitor" || true
cat /tmp/demo-monitor.out
rm -f /tmp/demo-monitor.out
echo "### accel dev (edu0 is gone)"
"$A" dev

echo "### rmmod uaccel_vcrypto uaccel_edu uaccel_soft uaccel_core"
rmmod uaccel_vcrypto uaccel_edu uaccel_soft uaccel_core
echo "### demo finished"
