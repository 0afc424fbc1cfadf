#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The VM harness works from any checkout: a copy of it in a directory under
# /tmp whose name has a space (the guest mounts its own tmpfs on /tmp, so
# the harness must show the host's directory there) boots the VM, runs a
# probe from that directory and reads a file beside it.  Prints TAP lines
# "ok - harness: ..."; exits non-zero on failure.
# usage: test_harness.sh [KERNEL]   (default: Debian's 6.1 kernel)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel=${1:-}
fail=0
result() { # result ok|"not ok" DESCRIPTION
	echo "$1 - harness: $2"
	[ "$1" = ok ] || fail=1
}

dir=$(mktemp -d "/tmp/uaccel harness.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/tests/vm"
cp "$here"/run-vm.sh "$here"/init.sh "$here"/scan-log.sh "$here"/qmp-agent.py "$dir/tests/vm/"
marker="marker $$ $RANDOM"
echo "$marker" > "$dir/marker file"
cat > "$dir/probe.sh" <<'PROBE'
#!/bin/sh
# Runs in the guest from the checkout's directory.
{
	echo "pwd=$(pwd)"
	echo "read=$(cat "$(dirname "$0")/marker file")"
	if touch "$(dirname "$0")/written" 2>/dev/null; then echo "write=yes"; else echo "write=no"; fi
} > /tmp/out/probe.txt
PROBE
chmod +x "$dir/probe.sh"

cd "$dir" || exit 1
args=(-t 300 -o "$dir/out")
[ -n "$kernel" ] && args+=(-k "$kernel")
if "$dir/tests/vm/run-vm.sh" "${args[@]}" -- "$dir/probe.sh"; then
	result ok "the VM runs a command of a checkout under /tmp with a space in its path"
else
	result "not ok" "the VM runs a command of a checkout under /tmp with a space in its path (see $dir/out/console.log)"
	tail -n 20 "$dir/out/console.log" 2>/dev/null | sed 's/^/#   /'
fi
probe=$(cat "$dir/out/probe.txt" 2>/dev/null)
if grep -qxF "pwd=$dir" <<< "$probe"; then
	result ok "the command starts in its directory"
else
	result "not ok" "the command starts in its directory (got: $probe)"
fi
if grep -qxF "read=$marker" <<< "$probe"; then
	result ok "the guest reads the checkout's files"
else
	result "not ok" "the guest reads the checkout's files (got: $probe)"
fi
# The host's files are shown read-only, as the rest of the host root is.
if grep -qx "write=no" <<< "$probe" && [ ! -e "$dir/written" ]; then
	result ok "the checkout is read-only in the guest"
else
	result "not ok" "the checkout is read-only in the guest (got: $probe)"
fi

# A kernel report while the VM boots, before the command runs, is the
# kernel's own: the VM is booted again and, after the last boot, the run
# fails with status 126 without having run the command.  A line of every
# boot's log stands for the report here.
rm -f "$dir/out/probe.txt"
UACCEL_VM_BOOTS=2 UACCEL_VM_BOOT_REPORT='Command line: ' \
	"$dir/tests/vm/run-vm.sh" "${args[@]}" -- "$dir/probe.sh" 2> "$dir/boot-report.err"
rc=$?
if [ $rc -eq 126 ] && [ -s "$dir/out/console-boot1.log" ] && [ -s "$dir/out/console-boot2.log" ] &&
   grep -q "booting again (boot 2)" "$dir/boot-report.err" &&
   grep -q "reported a bug in each of 2 boots" "$dir/boot-report.err" && [ ! -e "$dir/out/probe.txt" ]; then
	result ok "a kernel report while booting: booted again, then status 126, the command not run"
else
	result "not ok" "a kernel report while booting: booted again, then status 126, the command not run (status $rc)"
	sed 's/^/#   /' "$dir/boot-report.err"
fi
exit $fail
