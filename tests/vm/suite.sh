#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The in-VM test suite, run inside the guest by tests/run-vm-suite.sh.
# Every test prints TAP; this script prefixes each result line with the
# test's name and collects them in /tmp/out/results.tap.
#
# usage: suite.sh [-r RELEASE_DIR] BUILD_DIR MODULE_DIR [TEST...]
#   -r          a release built by tests/compat/build-release.sh, for the
#               compatibility tests (compat-*; skipped without it)
#   BUILD_DIR   the CMake build tree (test binaries, tools, libaccel)
#   MODULE_DIR  where uaccel_core.ko and hw/*/uaccel_*.ko are
#   TEST        only run these tests (default: all)
set -u
REL=""
if [ "${1:-}" = -r ]; then
	REL=$2
	shift 2
fi
B=$1
K=$2
shift 2
only=" $* "
here=$(cd "$(dirname "$0")" && pwd)
OUT=/tmp/out
results=$OUT/results.tap
: > "$results"
export LD_LIBRARY_PATH=$B/libaccel
export CMOCKA_MESSAGE_OUTPUT=TAP

want() { [ "$only" = "  " ] || [ "${only#* $1 }" != "$only" ]; }

# debug_named NAME: true (and NAME reported skipped) in a default run on
# the debug kernel, for a test that adds no kernel path to the ones that
# run there, so that the default run stays near 30 minutes.
debug_named() {
	[ -e /sys/kernel/debug/kmemleak ] && [ "$only" = "  " ] || return 1
	echo "skip - $1: on the debug kernel only when named" | tee -a "$results"
}

# run_test NAME TIMEOUT COMMAND...: run one TAP-speaking test.
run_test() {
	local name=$1 tmo=$2 rc t0=$SECONDS
	shift 2
	want "$name" || return 0
	echo "=== $name"
	timeout -k 5 "$tmo" "$@" > "$OUT/$name.log" 2>&1
	rc=$?
	# The time each test took, for tests/run-vm-suite.sh's report.
	echo "$name $((SECONDS - t0))" >> "$OUT/times"
	cat "$OUT/$name.log"
	echo "=== $name took $((SECONDS - t0))s"
	awk -v t="$name" '
		/^ok /                { sub(/^ok [0-9]+ *-? */, ""); print "ok - " t ": " $0; n++ }
		/^not ok .*# SKIP/    { sub(/^not ok [0-9]+ *# SKIP */, ""); print "skip - " t ": " $0; n++; next }
		/^not ok /            { sub(/^not ok [0-9]+ *-? */, ""); print "not ok - " t ": " $0; n++ }
		END { if (!n) print "not ok - " t ": printed no test result" }
	' "$OUT/$name.log" >> "$results"
	if [ $rc -ne 0 ] && ! grep -q "^not ok - $name:" "$results"; then
		echo "not ok - $name: exited with status $rc" >> "$results"
	fi
}

result() { # result ok|not ok DESCRIPTION
	echo "$1 - modules: $2" >> "$results"
	echo "$1 - modules: $2"
}

load_modules() {
	insmod "$K/core/uaccel_core.ko" && insmod "$K/hw/soft/uaccel_soft.ko" num_devices=3
}

unload_modules() {
	rmmod uaccel_soft && rmmod uaccel_core
}

# Module parameters out of range are refused.
if insmod "$K/core/uaccel_core.ko" dev_mode=01777 2>/dev/null; then
	result "not ok" "uaccel_core refuses dev_mode=01777"
	rmmod uaccel_core
else
	result ok "uaccel_core refuses dev_mode=01777"
fi
insmod "$K/core/uaccel_core.ko"
if insmod "$K/hw/soft/uaccel_soft.ko" num_devices=65 2>/dev/null; then
	result "not ok" "uaccel_soft refuses num_devices=65"
	rmmod uaccel_soft
else
	result ok "uaccel_soft refuses num_devices=65"
fi
for idle in 0 10001; do
	if insmod "$K/hw/soft/uaccel_soft.ko" poll_idle_ms=$idle 2>/dev/null; then
		result "not ok" "uaccel_soft refuses poll_idle_ms=$idle"
		rmmod uaccel_soft
	else
		result ok "uaccel_soft refuses poll_idle_ms=$idle"
	fi
done
rmmod uaccel_core

# Every module says which uaccel it is.
for ko in "$K/core/uaccel_core.ko" "$K/hw/soft/uaccel_soft.ko" "$K/hw/edu/uaccel_edu.ko" \
	  "$K/hw/vcrypto/uaccel_vcrypto.ko"; do
	v=$(modinfo -F version "$ko" 2>/dev/null)
	if [ -n "$v" ] && [ "$v" = "$(sed -n 's/^#define UACCEL_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$here/../../kernel/include/uaccel/version.h")" ]; then
		result ok "$(basename "$ko") has version $v"
	else
		result "not ok" "$(basename "$ko") has the project version (modinfo says '$v')"
	fi
done

# Load, unload and load again.
for round in 1 2; do
	if load_modules; then
		result ok "load uaccel_core and uaccel_soft (round $round)"
	else
		result "not ok" "load uaccel_core and uaccel_soft (round $round)"
		exit 1
	fi
	[ $round -eq 2 ] && break
	if unload_modules && [ ! -e /sys/class/uaccel ]; then
		result ok "unload the modules (round $round)"
	else
		result "not ok" "unload the modules (round $round)"
	fi
done

"$here/kmemleak.sh" start

# A debug kernel (kmemleak, with KASAN and lockdep: see
# tests/vm/debug-kernel.config) makes every call tens of times slower
# under emulation: tests repeat volume work fewer times there
# (VM_SCALE, vmtest.h's vm_scaled()), and the tests of the tools' output
# and the udev rules, which add no kernel path of their own, run on the
# stock kernel only.
if [ -e /sys/kernel/debug/kmemleak ]; then
	export VM_SCALE=8
	for t in devices udev; do
		want "$t" && echo "skip - $t: the tools' output and the udev rules are checked on the stock kernel" | tee -a "$results"
	done
else
	run_test devices 300 "$here/test_devices.sh" "$B"
	run_test udev 300 "$here/test_udev.sh" "$B"
fi
run_test query 300 "$B/tests/vm_query"
run_test contexts 600 "$B/tests/vm_contexts"
run_test objects 600 "$B/tests/vm_objects"
run_test facets 300 "$B/tests/vm_facets"
# cipher.uaccel on every device serving it (soft, virtio-crypto), against
# OpenSSL.  The soft device asks the kernel's crypto API for "cbc(aes)" and
# "ctr(aes)": the stock kernel has the CTR template as a module, which the
# kernel's own modprobe call cannot load here (it runs in the initramfs,
# outside the chroot), so it is loaded now (built in on the debug kernel).
modprobe -q ctr 2>/dev/null
# On the debug kernel cipher-vcrypto below runs the same on every device.
debug_named cipher || run_test cipher 900 "$B/tests/vm_cipher"
# accel-cipher against openssl enc, one device of each driver: in the
# default run as accel-cipher-vcrypto below, with the virtio-crypto devices
# bound too; accel-cipher, on the soft devices alone, only when named.
[ "$only" = "  " ] || run_test accel-cipher 600 "$here/test_accel_cipher.sh" "$B"
run_test netlink 600 "$B/tests/vm_netlink"
# accel(8) over the generic netlink family: devices against sysfs, a
# holder's resources, renames, monitor events, privileges (soft0..soft2).
# The tool adds no kernel path to netlink's and nlbreak's: on the debug
# kernel, where it takes three minutes, only when named.
debug_named accel-tool || run_test accel-tool 900 "$here/test_accel_tool.sh" "$B"
# Hostile use of the netlink family: dumps racing closes, removals and
# module unload, DEV_SET failures, a full monitor socket.
UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko UACCEL_CORE_KO=$K/core/uaccel_core.ko \
	run_test nlbreak 900 "$B/tests/vm_nlbreak"
# io_uring passthrough: its own tests, then the command tables of query,
# objects, facets and edu (below) again with every uaccel command of the
# test programs (vmtest.c's vm_ioctl()) submitted as IORING_OP_URING_CMD.
# The objects tables through io_uring run on the stock kernel only: they
# add no kernel path to the dispatcher's, and take a minute on the debug
# kernel.
# Also unloads and reloads uaccel_soft (num_devices=3) under a ring holding
# its files.  More waits without a time limit pending than io_uring has
# workers for is a known failure (see the test): only when named, as
# uring-starve; waits with a limit park without a worker and are tested.
UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko VM_SKIP_TESTS="test_waits_beyond_iowq_workers" \
	run_test uring 300 "$B/tests/vm_uring"
case "$only" in
*" uring-starve "*)
	VM_TESTS="test_waits_beyond_iowq_workers" run_test uring-starve 300 "$B/tests/vm_uring" ;;
esac
VM_IOCTL_PATH=uring run_test query-uring 300 "$B/tests/vm_query"
if [ -e /sys/kernel/debug/kmemleak ]; then
	want objects-uring && echo "skip - objects-uring: the object tables through io_uring run on the stock kernel" | tee -a "$results"
else
	VM_IOCTL_PATH=uring run_test objects-uring 600 "$B/tests/vm_objects"
fi
VM_IOCTL_PATH=uring run_test facets-uring 300 "$B/tests/vm_facets"
# The same tables with every command that fits carried inline in a
# 128-byte SQE (UACCEL_URING_CMD_INLINE); the object tables on the stock
# kernel, the query and facet tables on both.
VM_IOCTL_PATH=uring-inline run_test query-uring-inline 300 "$B/tests/vm_query"
if [ -e /sys/kernel/debug/kmemleak ]; then
	want objects-uring-inline && echo "skip - objects-uring-inline: on the stock kernel" | tee -a "$results"
else
	VM_IOCTL_PATH=uring-inline run_test objects-uring-inline 600 "$B/tests/vm_objects"
fi
VM_IOCTL_PATH=uring-inline run_test facets-uring-inline 300 "$B/tests/vm_facets"
# The io_uring path of facet commands is facets-uring's on the debug kernel.
debug_named cipher-uring || VM_IOCTL_PATH=uring run_test cipher-uring 900 "$B/tests/vm_cipher"
run_test perm 300 "$B/tests/vm_perm"
run_test limits 300 "$B/tests/vm_limits"
# Removal while calls wait for user page faults (userfaultfd).
run_test stuck 300 "$B/tests/vm_stuck"
ACCEL_PROVIDER_PATH=$B/providers run_test datapath 1200 "$B/tests/vm_datapath"
# dma-buf: REG_DMABUF_MR, ALLOC_DM and EXPORT_DM against DRM's vgem (a
# module on the stock kernel, built in on the debug kernel) and, for DMA
# through the IOMMU, edu (uaccel_edu is loaded for the test); then again
# through io_uring (dmabuf-uring: EXPORT_DM's fd installed from io_uring;
# on the debug kernel only when named).
# Unloading both afterwards shows that no dma-buf of theirs is still
# referenced.
if want dmabuf || want dmabuf-uring; then
	# vgem's platform device is there once the driver is (built in or loaded).
	vgem_mod=0
	if [ ! -e /sys/devices/platform/vgem ]; then
		modprobe -q vgem && vgem_mod=1 || result "not ok" "load vgem"
	fi
	if insmod "$K/hw/edu/uaccel_edu.ko"; then
		run_test dmabuf 900 "$B/tests/vm_dmabuf"
		debug_named dmabuf-uring ||
			VM_IOCTL_PATH=uring run_test dmabuf-uring 900 "$B/tests/vm_dmabuf"
		if rmmod uaccel_edu; then
			result ok "unload uaccel_edu after dmabuf"
		else
			result "not ok" "unload uaccel_edu after dmabuf"
		fi
	else
		result "not ok" "load uaccel_edu"
	fi
	if [ $vgem_mod -eq 1 ]; then
		if rmmod vgem; then
			result ok "unload vgem after dmabuf"
		else
			result "not ok" "unload vgem after dmabuf (a dma-buf of it still held)"
		fi
	fi
fi
# Hostile use of dma-buf and of WAIT_CQ parked through io_uring; unloads
# and reloads uaccel_soft and uaccel_core.  Only when named.  A failed
# vmap of a foreign exporter (vgem) trips dma_buf_vmap()'s own
# WARN_ON_ONCE (a known limit, docs/design.md): that case only as
# attack-vmap-warn.
case "$only" in
*" attack "*)
	[ -e /sys/devices/platform/vgem ] || modprobe -q vgem
	UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko UACCEL_CORE_KO=$K/core/uaccel_core.ko \
		VM_SKIP_TESTS=test_failslab_reg_dmabuf_vgem run_test attack 900 "$B/tests/vm_attack" ;;
*" attack-vmap-warn "*)
	[ -e /sys/devices/platform/vgem ] || modprobe -q vgem
	VM_TESTS=test_failslab_reg_dmabuf_vgem run_test attack-vmap-warn 300 "$B/tests/vm_attack" ;;
esac
# The Python binding (python/accel, cffi over libaccel.so.1 of LD_LIBRARY_PATH)
# and its demo, with Debian's Python and python3-cffi.
# It adds no kernel path to libaccel's: on the debug kernel only when named.
if ! debug_named python; then
	ACCEL_PROVIDER_PATH=$B/providers PYTHONPATH=$here/../../python PYTHONDONTWRITEBYTECODE=1 \
		run_test python 300 /usr/bin/python3 "$here/../python/test_accel.py"
fi
# Polled queues; also unloads and reloads uaccel_soft, loads and unloads uaccel_edu.
ACCEL_PROVIDER_PATH=$B/providers UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko \
	UACCEL_EDU_KO=$K/hw/edu/uaccel_edu.ko run_test poll 900 "$B/tests/vm_poll"
# Reloads uaccel_soft (num_devices=3, as load_modules does) under open files.
UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko run_test unplug 900 "$B/tests/vm_unplug"
# Administrators' actions racing on one instance; also unloads and reloads
# uaccel_soft (num_devices=3) under new_device.
UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko run_test admin 900 "$B/tests/vm_admin"
run_test stress 900 "$B/tests/vm_stress"
# Adversarial removal races; unloads and reloads uaccel_soft and uaccel_core
# (num_devices=3) once all files are closed.  The edu ones run below.  Removal
# with objects runs on 16384 PDs per context here, on the most a context may
# have in break-max.
UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko UACCEL_CORE_KO=$K/core/uaccel_core.ko \
	BRK_OBJECTS=16384 VM_SKIP_TESTS="test_edu_*,test_close_of_max_objects" \
	run_test break 1800 "$B/tests/vm_break"
# Removal against what is left of a context (PDs, facet files, forks, the
# same name again), PD-only contexts, sysfs attributes and renames, very
# many contexts; unloads and reloads uaccel_soft (num_devices=3).
# The removal of many MRs of a CAP_IPC_LOCK caller exceeds the removal
# bound (a known failure, see the test): only when named, as break2-mrs.
UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko \
	VM_SKIP_TESTS="test_removal_with_many_mrs_of_cap_ipc_lock" \
	run_test break2 1200 "$B/tests/vm_break2"
case "$only" in
*" break2-mrs "*)
	VM_TESTS="test_removal_with_many_mrs_of_cap_ipc_lock" \
		run_test break2-mrs 1200 "$B/tests/vm_break2" ;;
esac
# Only when named: the race tests with the stock kernel's number of rounds
# (the debug kernel's VM_SCALE makes them one round each), and the teardown
# of the most objects a context may have alone.
case "$only" in
*" break-races "*)
	VM_SCALE=1 VM_TESTS="test_*_races_*,test_fault_storm_*,test_close_races_*" \
		run_test break-races 3600 "$B/tests/vm_break" ;;
esac
case "$only" in
*" break-max "*)
	VM_TESTS="test_*_max_objects" run_test break-max 1800 "$B/tests/vm_break" ;;
esac
# Only when named: the removal stuck behind a getdents64() for longer than
# the hung-task timeout.
case "$only" in
*" break-hung "*)
	BRK_HOLD_S=70 VM_TESTS="test_removal_vs_getdents_on_uffd_page" \
		run_test break-hung 600 "$B/tests/vm_break" ;;
esac
# Only when named: "break:PATTERNS" runs the vm_break tests matching them.
for t in $only; do
	case $t in
	break:*)
		UACCEL_SOFT_KO=$K/hw/soft/uaccel_soft.ko UACCEL_CORE_KO=$K/core/uaccel_core.ko \
			VM_TESTS="${t#break:}" run_test "$t" 1800 "$B/tests/vm_break" ;;
	esac
done
# The uAPI fuzzer (docs/fuzzing.md): its reproducers and seed corpus
# replayed on both kernels; a short run with a fixed seed on the debug
# kernel, where KASAN, lockdep and kmemleak see what it does (FUZZ_SECONDS,
# FUZZ_SEED: tests/fuzz/run-fuzz.sh for longer runs).  Both reload the
# modules afterwards, so that the devices are in the order of their minors
# again (names, parameters, nodes as before; checked).
run_test fuzz-replay 600 "$here/../fuzz/vm-fuzz.sh" replay "$B" "$K"
if [ -e /sys/kernel/debug/kmemleak ]; then
	run_test fuzz $((${FUZZ_SECONDS:-30} + 300)) "$here/../fuzz/vm-fuzz.sh" run "$B" "$K" \
		"${FUZZ_SECONDS:-30}" "${FUZZ_SEED:-1}"
elif want fuzz; then
	echo "skip - fuzz: the short fuzzing run is on the debug kernel" | tee -a "$results"
fi
# The Debian packages: DKMS-built modules, libaccel and providers of the root.
run_test packages 600 "$here/test_packages.sh" "$B" "$K"
# Compatibility with a release (docs/abi.md): its programs and libaccel on
# the current modules, the current programs on its modules (which replace
# the suite's for the time of the test; uaccel_edu is loaded and unloaded).
for t in old-programs old-modules; do
	if [ -n "$REL" ]; then
		run_test "compat-$t" 600 "$here/../compat/vm-compat.sh" $t "$B" "$K" "$REL"
	elif want "compat-$t"; then
		echo "skip - compat-$t: no release build (tests/compat/build-release.sh, run-vm-suite.sh -r)" |
			tee -a "$results"
	fi
done

# 32-bit callers get the same ABI (compat_ioctl, mmap2 offsets): the
# QUERY_DEVICE, object, facet and ring tests again, built as 32-bit programs
# with their own libaccel and providers (BUILD/m32, UACCEL_M32_TESTS).
m32_skip() { # m32_skip REASON: a skip result for every 32-bit test wanted
	local t
	for t in query objects facets datapath; do
		want "$t-m32" && echo "skip - $t-m32: $1" | tee -a "$results"
	done
}
M32=$B/m32
if ! want query-m32 && ! want objects-m32 && ! want facets-m32 && ! want datapath-m32; then
	:
elif [ ! -x "$M32/tests/m32-probe" ]; then
	m32_skip "no 32-bit build (configured with -DUACCEL_M32_TESTS=OFF)"
else
	"$M32/tests/m32-probe" 2>"$OUT/m32-probe.log"
	rc=$?
	if [ $rc -eq 126 ]; then
		# ENOEXEC: the kernel has no CONFIG_IA32_EMULATION.
		m32_skip "this kernel runs no 32-bit programs ($(cat "$OUT/m32-probe.log"))"
	elif [ $rc -ne 0 ]; then
		for t in query objects facets datapath; do
			want "$t-m32" && echo "not ok - $t-m32: the 32-bit probe failed with status $rc: $(cat "$OUT/m32-probe.log")" >> "$results"
		done
	else
		# Left out as 32-bit programs: the 1000 context cycles and the
		# million operations pass nothing new between the widths and
		# take minutes on the debug kernel.  The object and data-path
		# tables go through the same compat entry (compat_ptr_ioctl) as
		# query and facets: on the debug kernel only when named.
		LD_LIBRARY_PATH=$M32/libaccel run_test query-m32 300 "$M32/tests/vm_query"
		debug_named objects-m32 ||
			LD_LIBRARY_PATH=$M32/libaccel VM_SKIP_TESTS=test_populate_close_cycles \
			run_test objects-m32 600 "$M32/tests/vm_objects"
		LD_LIBRARY_PATH=$M32/libaccel run_test facets-m32 300 "$M32/tests/vm_facets"
		debug_named datapath-m32 ||
			LD_LIBRARY_PATH=$M32/libaccel ACCEL_PROVIDER_PATH=$M32/providers \
			VM_SKIP_TESTS=test_million_ops run_test datapath-m32 1200 "$M32/tests/vm_datapath"
	fi
fi

# The edu PCI driver: with MSI, then again on INTx; its attributes and
# renames racing with PCI remove.
soaks=""
for t in $only; do
	case $t in soak | soak:*) soaks="$soaks $t" ;; esac
done
if want edu || want edu-uring || want edu-intx || want admin-edu || want break-edu || want select || [ -n "$soaks" ]; then
	if insmod "$K/hw/edu/uaccel_edu.ko"; then
		run_test edu 900 "$B/tests/vm_edu"
		# Through io_uring, without the tests that find the caller
		# inside its ioctl (/proc/PID/syscall) and interrupt it with a
		# signal: there the command runs on io_uring's worker, which a
		# signal to the submitter does not reach (vm_uring tests
		# io_uring's own cancellation).
		VM_IOCTL_PATH=uring VM_SKIP_TESTS="test_factorial_signal,test_late_dma_*" \
			run_test edu-uring 900 "$B/tests/vm_edu"
		# Only when named (tests/run-soak.sh): the removal stress at
		# campaign scale, 1,000 cycles under 8 threads, a tenth of them
		# through PCI removal of edu; "soak:N" for N cycles.
		for t in $soaks; do
			n=${t#soak}
			n=${n#:}
			n=${n:-1000}
			# 1.5 to 3 s a cycle on the debug kernel: a bound of 6 s.
			STRESS_CYCLES=$n STRESS_THREADS=8 STRESS_EDU_EVERY=10 \
				run_test "$t" $((600 + n * 6)) "$B/tests/vm_stress"
		done
		# Device selection: edu (hardware) against soft devices.
		run_test select 300 "$B/tests/vm_select"
		run_test admin-edu 600 "$B/tests/vm_admin" edu
		# Unloads and reloads uaccel_edu (with MSI) under open files.
		UACCEL_EDU_KO=$K/hw/edu/uaccel_edu.ko VM_TESTS="test_edu_*" \
			run_test break-edu 900 "$B/tests/vm_break"
		rmmod uaccel_edu
		insmod "$K/hw/edu/uaccel_edu.ko" use_msi=0 &&
		EDU_IRQ_MODE=intx VM_TESTS="test_basic_*,test_late_dma_*" \
			run_test edu-intx 600 "$B/tests/vm_edu"
		rmmod uaccel_edu
	else
		result "not ok" "load uaccel_edu"
	fi
fi

# The virtio-crypto driver on both virtio-crypto-pci devices (run-vm.sh).
# The kernel's own virtio_crypto has them when it is built in (the debug
# kernel) or was loaded: virtio-bind.sh takes them from it and binds them
# to uaccel_vcrypto.  The test unplugs vcrypto0 through QMP and plugs it
# back; unloading the driver at the end gives both devices up.
if want vcrypto || want vcrypto-iommu || want cipher-vcrypto ||
   want accel-cipher-vcrypto; then
	if insmod "$K/hw/vcrypto/uaccel_vcrypto.ko"; then
		if "$here/virtio-bind.sh" -t 20 uaccel_vcrypto; then
			result ok "bind the virtio-crypto devices to uaccel_vcrypto"
		else
			result "not ok" "bind the virtio-crypto devices to uaccel_vcrypto"
		fi
		VCRYPTO_BIND=$here/virtio-bind.sh run_test vcrypto 900 "$B/tests/vm_vcrypto"
		# The generic cipher.uaccel tests again, now with both
		# virtio-crypto devices among the devices serving it.
		run_test cipher-vcrypto 900 "$B/tests/vm_cipher"
		debug_named accel-cipher-vcrypto ||
			run_test accel-cipher-vcrypto 600 "$here/test_accel_cipher.sh" "$B"
		# Only when named: IOMMU faults fail the tests (a known
		# failure of QEMU 7.2's device, see vm_vcrypto.c).
		case "$only" in
		*" vcrypto-iommu "*)
			VCRYPTO_BIND=$here/virtio-bind.sh VCRYPTO_STRICT_IOMMU=1 \
				VM_SKIP_TESTS=test_hot_unplug_in_flight \
				run_test vcrypto-iommu 900 "$B/tests/vm_vcrypto" ;;
		esac
		if rmmod uaccel_vcrypto; then
			result ok "unload uaccel_vcrypto"
		else
			result "not ok" "unload uaccel_vcrypto"
		fi
	else
		result "not ok" "load uaccel_vcrypto"
	fi
fi

# Allocation failure injection, on kernels built with failslab.
if [ -d /sys/kernel/debug/failslab ] && want failslab; then
	marker="uaccel-failslab-$$"
	echo "$marker" > /dev/kmsg
	run_test failslab 900 "$B/tests/vm_failslab"
	"$here/failslab-sites.sh" "$marker" | tee -a "$results"
fi

"$here/kmemleak.sh" check loaded | tee -a "$results"

if unload_modules && [ ! -e /sys/class/uaccel ] && [ ! -e /dev/uaccel ] &&
   ! grep -q '^uaccel' /proc/modules; then
	result ok "unload the modules at the end"
else
	result "not ok" "unload the modules at the end"
fi
"$here/kmemleak.sh" check unloaded | tee -a "$results"
exit 0
