#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test VM: load virtio/9p, mount the host root read-only over
# 9p, chroot into it and run /tmp/out/cmd.sh; report its status in
# /tmp/out/status, save the kernel log and power off.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

die() {
	echo "uaccel-vm: $*"
	echo "UACCEL-VM-EXIT: none"
	poweroff -f
}

for m in $(cat /modules.order); do
	insmod "/lib/modules/$m" || die "insmod $m failed"
done

r=/mnt/root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot $r ||
	die "cannot mount the host root"
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
ln -sf /proc/self/fd $r/dev/fd
ln -sf /proc/self/fd/0 $r/dev/stdin
ln -sf /proc/self/fd/1 $r/dev/stdout
ln -sf /proc/self/fd/2 $r/dev/stderr
mount -t devpts devpts $r/dev/pts
# The guest's /tmp and /run are its own (writable) tmpfs; the host's stay
# reachable here, for the directories the test command names (below).
mkdir -p /host/tmp /host/run
mount -o bind $r/tmp /host/tmp
mount -o bind $r/run /host/run
mount -t tmpfs tmpfs $r/dev/shm
mount -t tmpfs tmpfs $r/tmp
mount -t tmpfs tmpfs $r/run
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup 2>/dev/null
mkdir -p $r/tmp/out
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=512000 out $r/tmp/out ||
	die "cannot mount the output directory"

# Host directories under /tmp or /run that the command uses (a checkout in
# /tmp, say), one per line in binds: shown at the same path, read-only.
if [ -s $r/tmp/out/binds ]; then
	while IFS= read -r p; do
		case $p in
		/tmp/?*|/run/?*) ;;
		*) die "cannot show $p in the guest" ;;
		esac
		mkdir -p "$r$p" && mount -o bind "/host$p" "$r$p" ||
			die "cannot show the host's $p in the guest"
	done < $r/tmp/out/binds
fi

# A report in the kernel log before the command runs is the kernel's own:
# say so (status boot-report) and let run-vm.sh boot again.
dmesg > $r/tmp/out/boot-dmesg.log
if grep -qaE -f $r/tmp/out/report-pattern $r/tmp/out/boot-dmesg.log; then
	echo "uaccel-vm: the kernel reported a bug while booting"
	echo boot-report > $r/tmp/out/status
	sync
	echo "UACCEL-VM-EXIT: boot-report"
	umount $r/tmp/out
	poweroff -f
fi

echo "uaccel-vm: running the test command"
chroot $r /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	TERM=dumb UACCEL_VM=1 /bin/sh /tmp/out/cmd.sh > /dev/console 2>&1
status=$?
dmesg > $r/tmp/out/dmesg.log
echo $status > $r/tmp/out/status
sync
echo "UACCEL-VM-EXIT: $status"
umount $r/tmp/out
poweroff -f
