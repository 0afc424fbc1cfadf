#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot a test kernel under QEMU (TCG), run one command in the guest and return
# its exit status.
#
# The guest runs a busybox initramfs that loads the virtio/9p modules of the
# kernel (when they are modules), mounts this machine's root read-only over
# virtio-9p and chroots into it, so binaries built here run unchanged in the
# guest.  /tmp/out in the guest is the writable output directory (-o).
# The machine has an emulated Intel IOMMU (enabled on the kernel command
# line; no_timer_check, since a slow, loaded host can fail the boot-time
# check of the timer through the remapped IO-APIC) and two NUMA nodes: CPU 0
# and the first half of the memory on node 0, CPU 1 and the second half on
# node 1, distance 21 between them (one socket each, so that no cache is
# shared across the nodes); a kernel without CONFIG_NUMA sees one node.
# QEMU's edu device is there twice.  edu0 sits behind a hot-pluggable PCIe
# root port (rp0; q35 hot-plugs through ACPI) on pcie.0, which has no node:
# its numa_node is -1; the tests remove, rescan and unplug this one.  edu1
# sits behind a root port without hot plug (rp1, hotplug=off) on a PCIe
# expander bus of node 1 (pxb-pcie, buses 0x80-0x81): its numa_node is 1.
# (A hot-pluggable port there would hot-plug natively, and Linux 6.1's
# pciehp then trips lockdep on the debug kernel.)  The expander comes after
# the virtio devices, which QEMU would otherwise place on its bus.  -E
# leaves the expander and edu1 out: the debug kernel's ACPI interpreter
# (with KASAN and lockdep) takes more than the RCU stall timeout to run
# the expander's _PRT method, a loop QEMU generates, each time a device
# behind it is enabled.
# QEMU's virtio-crypto-pci is there twice, each with its own
# cryptodev-backend-builtin (cb0, cb1) and behind the emulated IOMMU
# (iommu_platform=on: the rings and the MRs' pages go through it):
# vcrypto0 behind a hot-pluggable root port (rp2), which the tests remove
# with QMP device_del, and vcrypto1 behind one without hot plug (rp3).
# The kernel's own virtio_crypto binds them first when it is built in
# (the debug kernel); the suite hands them to uaccel_vcrypto.  Its
# crypto self-tests are off (cryptomgr.notests=1): virtio_crypto's RSA
# self-test fails against QEMU 7.2's backend with a WARNING that
# scan-log.sh would report as a kernel failure.
#
# usage: run-vm.sh [options] -- command [args...]
#   -k FILE   kernel image            (default: newest Debian 6.1 kernel in /boot)
#   -m DIR    module tree of that kernel, for virtio/9p modules
#             (default: /lib/modules/<version of -k>; "none" when built in)
#   -o DIR    output directory: console.log, dmesg.log, status, files the
#             command writes to /tmp/out            (default: a new temp dir)
#   -t SEC    timeout of the whole run               (default: 1200)
#   -a ARGS   extra kernel command line
#   -q SOCK   QMP unix socket for the test to drive the VM from the host
#   -Q        run the QMP mailbox agent (qmp-agent.py): guest tests write QMP
#             commands to /tmp/out/qmp/req.json and the host sends them
#   -M MB     guest memory, half on each node       (default: 2048)
#   -E        no PCIe expander of node 1, so no edu1
#   -v        also show the guest console on stdout while it runs
#
# Exit status: the command's status; 124 on timeout; 125 when the VM died
# without reporting a status (panic, crash); 126 when the kernel log has a
# BUG/WARNING/Oops/KASAN/lockdep/kmemleak/refcount report.
# The guest looks for such a report once the kernel has booted, before the
# command runs: one there is the kernel's own (no module of the command is
# loaded yet), and the VM is booted again, at most twice, with the report
# printed on stderr; a report in each of three boots is status 126.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernel="" moddir="" out="" timeout=1200 extra="" qmp="" mem=2048 verbose=0 agent=0 expander=1

while getopts "k:m:o:t:a:q:QM:vE" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	m) moddir=$OPTARG ;;
	o) out=$OPTARG ;;
	t) timeout=$OPTARG ;;
	a) extra=$OPTARG ;;
	q) qmp=$OPTARG ;;
	Q) agent=1 ;;
	M) mem=$OPTARG ;;
	v) verbose=1 ;;
	E) expander=0 ;;
	*) sed -n '4,57p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "run-vm.sh: no command given" >&2; exit 2; }

if [ -z "$kernel" ]; then
	kernel=$(ls -1v /boot/vmlinuz-6.1.*-amd64 2>/dev/null | tail -n 1)
	[ -n "$kernel" ] || { echo "run-vm.sh: no Debian 6.1 kernel in /boot (apt-get install linux-image-amd64)" >&2; exit 2; }
fi
[ -r "$kernel" ] || { echo "run-vm.sh: cannot read kernel $kernel" >&2; exit 2; }
if [ -z "$moddir" ]; then
	kver=${kernel##*/vmlinuz-}
	moddir=/lib/modules/$kver
fi

[ -n "$out" ] || out=$(mktemp -d /tmp/uaccel-vm.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The initramfs depends only on the module tree; cache it beside the output.
cache=${UACCEL_VM_CACHE:-/var/cache/uaccel/vm}
mkdir -p "$cache"
initrd=$cache/initramfs-$(echo "$moddir $(cat "$here/init.sh" | md5sum)" | md5sum | cut -c1-12).cpio.gz
if [ ! -s "$initrd" ]; then
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,mnt/root,lib/modules}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$here/init.sh" "$stage/init"
	chmod 755 "$stage/init"
	: > "$stage/modules.order"
	if [ "$moddir" != none ]; then
		kv=$(basename "$moddir")
		base=${moddir%/lib/modules/*}
		modprobe -d "${base:-/}" -S "$kv" --show-depends -a \
			virtio_pci 9pnet_virtio 9p | awk '$1 == "insmod" { print $2 }' |
		while read -r ko; do
			b=$(basename "$ko")
			grep -qx "$b" "$stage/modules.order" && continue
			cp "$ko" "$stage/lib/modules/$b"
			echo "$b" >> "$stage/modules.order"
		done
	fi
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$stage"
fi

# The guest mounts its own tmpfs on /tmp and /run: the host directories
# there that the command needs (the working directory and every path
# argument, such as a checkout in /tmp) are bound back at the same path.
: > "$out/binds"
for arg in "$(pwd -L)" "$@"; do
	[ -e "$arg" ] || continue
	# The path as given (if absolute) and as resolved: either may be used.
	for p in "$arg" "$(realpath -e -- "$arg")"; do
	case $p in
	/tmp/?*|/run/?*)
		top=/$(echo "$p" | cut -d/ -f2-3)
		[ "$top" = /tmp/out ] && { echo "run-vm.sh: /tmp/out is the guest's output directory; use a checkout elsewhere" >&2; exit 2; }
		grep -qxF -- "$top" "$out/binds" || printf '%s\n' "$top" >> "$out/binds" ;;
	esac
	done
done
# The guest runs this script from the current directory.
{
	printf 'cd %q || exit 127\n' "$(pwd)"
	printf '%q ' "$@"
	echo
} > "$out/cmd.sh"

console=(-serial "file:$out/console.log")
[ $verbose -eq 1 ] && console=(-chardev "stdio,id=con0,signal=off,logfile=$out/console.log"
			      -serial chardev:con0)
qmp_args=()
[ $agent -eq 1 ] && [ -z "$qmp" ] && qmp=$out/qmp.sock
[ -n "$qmp" ] && qmp_args=(-qmp "unix:$qmp,server=on,wait=off")
node1_edu=()
[ $expander -eq 1 ] &&
	node1_edu=(-device pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0
		   -device pcie-root-port,id=rp1,bus=pxb1,chassis=2,slot=1,hotplug=off
		   -device edu,id=edu1,bus=rp1)
half=$((mem / 2))
numa=(-object "memory-backend-ram,id=mem0,size=${half}M"
      -object "memory-backend-ram,id=mem1,size=$((mem - half))M"
      -numa node,nodeid=0,cpus=0,memdev=mem0
      -numa node,nodeid=1,cpus=1,memdev=mem1
      -numa dist,src=0,dst=1,val=21)

# The guest checks its kernel log for reports (scan-log.sh's pattern) once
# it has booted, before it runs the command: a report there comes from the
# kernel itself, before any module of the command is loaded, and the guest
# stops with the status "boot-report" instead of running the command.
# UACCEL_VM_BOOT_REPORT adds an expression to that check (the harness's test
# of this path); UACCEL_VM_BOOTS is the number of boots (default 3).
{
	"$here/scan-log.sh" --pattern
	[ -z "${UACCEL_VM_BOOT_REPORT:-}" ] || printf '%s\n' "$UACCEL_VM_BOOT_REPORT"
} > "$out/report-pattern"
boots=${UACCEL_VM_BOOTS:-3}

# boot: one boot of the VM that runs the command; sets qrc to QEMU's status.
boot() {
	rm -f "$out/status" "$out/console.log" "$out/dmesg.log" "$out/boot-dmesg.log"
	agent_pid=""
	if [ $agent -eq 1 ]; then
		rm -rf "$out/qmp"
		python3 "$here/qmp-agent.py" "$qmp" "$out" 2>"$out/qmp-agent.log" &
		agent_pid=$!
	fi
	set +e
	timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
		-machine q35 -accel tcg -cpu max -smp 2,sockets=2,cores=1,threads=1 -m "$mem" "${numa[@]}" \
		-display none -no-reboot "${console[@]}" -monitor none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic log_buf_len=8M loglevel=4 intel_iommu=on no_timer_check cryptomgr.notests=1 $extra" \
		-device intel-iommu \
		-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,slot=1 \
		-device edu,id=edu0,bus=rp0 \
		-device pcie-root-port,id=rp2,bus=pcie.0,chassis=3,slot=2 \
		-object cryptodev-backend-builtin,id=cb0 \
		-device virtio-crypto-pci,id=vcrypto0,cryptodev=cb0,iommu_platform=on,bus=rp2 \
		-device pcie-root-port,id=rp3,bus=pcie.0,chassis=4,slot=3,hotplug=off \
		-object cryptodev-backend-builtin,id=cb1 \
		-device virtio-crypto-pci,id=vcrypto1,cryptodev=cb1,iommu_platform=on,bus=rp3 \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$out,mount_tag=out,security_model=none" \
		"${node1_edu[@]}" "${qmp_args[@]}" </dev/null 2>"$out/qemu.log" |
		if [ $verbose -eq 1 ]; then
			sed -u -n '/^uaccel-vm: running/,/^UACCEL-VM-EXIT/p' | tr -d '\r'
		else
			cat > /dev/null
		fi
	qrc=${PIPESTATUS[0]}
	[ -n "$agent_pid" ] && { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null; }
	set -e
}

# A kernel that reports a bug while it boots (seen once in many hundred
# boots of the debug kernel under TCG: a KASAN report in do_raw_spin_lock
# right after the second CPU came up, no module of ours loaded) is booted
# again; the report is printed, and the logs of that boot are kept as
# console-bootN.log and dmesg-bootN.log.
attempt=1
while :; do
	boot
	[ "$(cat "$out/status" 2>/dev/null)" = boot-report ] || break
	echo "run-vm.sh: boot $attempt: the kernel reported a bug while booting, before the command ran:" >&2
	"$here/scan-log.sh" "$out/boot-dmesg.log" &&
		grep -aE -f "$out/report-pattern" "$out/boot-dmesg.log" | head -n 5 >&2
	mv "$out/console.log" "$out/console-boot$attempt.log"
	mv "$out/boot-dmesg.log" "$out/dmesg-boot$attempt.log"
	if [ $attempt -ge "$boots" ]; then
		echo "run-vm.sh: the kernel reported a bug in each of $attempt boots" >&2
		exit 126
	fi
	attempt=$((attempt + 1))
	echo "run-vm.sh: booting again (boot $attempt)" >&2
done

if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "run-vm.sh: timeout after ${timeout}s; console log: $out/console.log" >&2
	tail -n 30 "$out/console.log" >&2 || true
	exit 124
fi
if [ ! -s "$out/status" ]; then
	echo "run-vm.sh: the VM stopped without reporting a status (qemu exit $qrc); console log: $out/console.log" >&2
	tail -n 40 "$out/console.log" >&2 || true
	exit 125
fi

if ! "$here/scan-log.sh" "$out/console.log" "$out/dmesg.log"; then
	exit 126
fi
exit "$(cat "$out/status")"
