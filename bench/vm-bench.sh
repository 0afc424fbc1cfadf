#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark run inside the test VM (started by bench/run-bench.sh).
# Loads uaccel_core, uaccel_soft (one device) and uaccel_bench, sets up
# rxe on a veth pair for the rdma-core baselines, binds QEMU's
# virtio-crypto devices when there are two (the first to uaccel_vcrypto,
# the second to the kernel's virtio_crypto, the cipher group's AF_ALG
# baseline), runs uaccel-bench and leaves its raw results in
# /tmp/out/raw.jsonl.
#
# usage: vm-bench.sh BUILD_DIR [uaccel-bench options...]
set -u
B=$1
shift
OUT=/tmp/out
K=$B/kbuild/kernel
log() { echo "vm-bench: $*"; }

insmod "$K/core/uaccel_core.ko" || exit 1
insmod "$K/hw/soft/uaccel_soft.ko" num_devices=1 || exit 1
insmod "$B/kbuild-bench/kmod/uaccel_bench.ko" || log "no uaccel_bench.ko: floor rows skipped"

# rdma-core baseline: rxe on one end of a veth pair (no traffic is sent).
rxe=0
if modprobe -a crc32_generic ib_uverbs veth rdma_rxe 2>"$OUT/rxe.log" &&
   ip link add vbench0 type veth peer name vbench1 2>>"$OUT/rxe.log" &&
   ip link set vbench0 up && ip link set vbench1 up &&
   rdma link add rxe0 type rxe netdev vbench0 2>>"$OUT/rxe.log"; then
	rxe=1
else
	log "rxe setup failed: $(cat "$OUT/rxe.log")"
fi

# The cipher group: AF_ALG's skcipher interface, and the AES-NI modules a
# system with udev loads for this CPU (the soft device's transform and
# AF_ALG then use the same one; the group reads which from /proc/crypto).
modprobe -a af_alg algif_skcipher || { log "AF_ALG modules missing"; exit 1; }
grep -qw aes /proc/cpuinfo && { modprobe aesni_intel || log "aesni_intel not loaded"; }

# virtio-crypto: one device for uaccel_vcrypto, its twin for virtio_crypto.
# Both drivers loaded first, then each device handed to its driver by
# tests/vm/virtio-bind.sh (unbind from whichever took it at load, bind).
vc_args=()
bind=$(cd "$(dirname "$0")/.." && pwd)/tests/vm/virtio-bind.sh
vcdevs=()
for d in $(ls -v /sys/bus/virtio/devices); do
	[ "$(cat "/sys/bus/virtio/devices/$d/device" 2>/dev/null)" = 0x0014 ] && vcdevs+=("$d")
done
# virtio_crypto refuses a device without a NUMA node on a machine with
# several ("Invalid NUMA configuration"), and the test VM's PCIe root
# ports have none: the twin's PCI function gets node 0 through sysfs (what
# an administrator does for firmware without proximity information; the
# kernel logs "[Firmware Bug]: Overriding NUMA node" and taints itself
# with FIRMWARE_WORKAROUND) and is probed again by virtio-pci, which
# creates its virtio device anew.
vcrypto_node0() { # VIRTIO_DEVICE: prints the new virtio device
	local pci new
	pci=$(basename "$(readlink -f "/sys/bus/virtio/devices/$1/..")")
	[ -e "/sys/bus/pci/devices/$pci/numa_node" ] || return 1
	if [ "$(cat "/sys/bus/pci/devices/$pci/numa_node")" = -1 ]; then
		echo 0 > "/sys/bus/pci/devices/$pci/numa_node" &&
		echo "$pci" > /sys/bus/pci/drivers/virtio-pci/unbind &&
		echo "$pci" > /sys/bus/pci/drivers/virtio-pci/bind || return 1
	fi
	new=$(ls "/sys/bus/pci/devices/$pci" | grep '^virtio[0-9]' | head -n 1)
	[ -n "$new" ] && echo "$new"
}
vcko=$K/hw/vcrypto/uaccel_vcrypto.ko
if [ ${#vcdevs[@]} -ge 2 ] && [ -f "$vcko" ]; then
	if modprobe virtio_crypto && twin=$(vcrypto_node0 "${vcdevs[1]}") &&
	   { lsmod | grep -q '^uaccel_vcrypto' || insmod "$vcko"; } &&
	   sh "$bind" uaccel_vcrypto "${vcdevs[0]}" &&
	   sh "$bind" virtio_crypto "$twin"; then
		sleep 1
		vc=$(ls /sys/bus/virtio/devices/"${vcdevs[0]}"/uaccel 2>/dev/null | head -n 1)
		[ -n "$vc" ] || vc=$(ls /sys/class/uaccel | grep '^vcrypto' | head -n 1)
		log "virtio-crypto: ${vcdevs[0]} on uaccel_vcrypto ($vc), $twin on virtio_crypto"
		vc_args=(--vcrypto "${vc:-vcrypto0}")
		grep -B2 -A8 'virtio_crypto_aes_cbc' /proc/crypto > "$OUT/vcrypto-proc-crypto.txt"
	else
		log "virtio-crypto: binding failed"
		exit 1
	fi
else
	log "virtio-crypto: ${#vcdevs[@]} device(s), $( [ -f "$vcko" ] && echo with || echo no) uaccel_vcrypto.ko: cipher vcrypto paths skipped"
fi

uname -r > "$OUT/kernel.txt"
nproc > "$OUT/cpus.txt"

export LD_LIBRARY_PATH=$B/libaccel
export ACCEL_PROVIDER_PATH=$B/providers
ulimit -l unlimited
"$B/bench/uaccel-bench" --out "$OUT/raw.jsonl" "${vc_args[@]}" "$@"
rc=$?
log "uaccel-bench exited with $rc"

[ $rxe -eq 1 ] && { rdma link delete rxe0; ip link del vbench0; }
grep -A12 '^name *: cbc(aes)' /proc/crypto > "$OUT/proc-crypto-cbc.txt"
rmmod uaccel_bench 2>/dev/null
lsmod | grep -q '^uaccel_vcrypto' && { rmmod uaccel_vcrypto || rc=1; }
rmmod uaccel_soft && rmmod uaccel_core || rc=1
exit $rc
