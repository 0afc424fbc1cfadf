#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark run inside the test VM (started by bench/run-bench.sh).
# Loads uaccel_core, uaccel_soft (one device) and uaccel_bench, sets up
# rxe on a veth pair for the rdma-core baselines, runs uaccel-bench and
# leaves its raw results in /tmp/out/raw.jsonl.
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

uname -r > "$OUT/kernel.txt"
nproc > "$OUT/cpus.txt"

export LD_LIBRARY_PATH=$B/libaccel
export ACCEL_PROVIDER_PATH=$B/providers
ulimit -l unlimited
"$B/bench/uaccel-bench" --out "$OUT/raw.jsonl" "$@"
rc=$?
log "uaccel-bench exited with $rc"

[ $rxe -eq 1 ] && { rdma link delete rxe0; ip link del vbench0; }
rmmod uaccel_bench 2>/dev/null
rmmod uaccel_soft && rmmod uaccel_core || rc=1
exit $rc
