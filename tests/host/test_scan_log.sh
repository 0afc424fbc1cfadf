#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel log scanner must flag every kind of report and pass clean logs.
scan=$(dirname "$0")/../vm/scan-log.sh
t=$(mktemp)
n=0 failed=0
expect() { # expect 0|1 LINE
	n=$((n + 1))
	printf '[    1.0] boot\n%s\n' "$2" > "$t"
	"$scan" "$t" 2>/dev/null
	if [ $? -eq "$1" ]; then echo "ok $n - scan-log $1: $2"; else echo "not ok $n - scan-log $1: $2"; failed=1; fi
}
expect 0 "[    2.0] uaccel_core: loading out-of-tree module taints kernel."
expect 0 "[    2.0] kmemleak: Kernel memory leak detector initialized (mem pool available: 15679)"
expect 0 "[    2.0] FAULT_INJECTION: forcing a failure."
expect 1 "[    2.0] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 bar+0x1/0x2"
expect 1 "[    2.0] BUG: KASAN: slab-use-after-free in uaccel_release+0x1/0x2"
expect 1 "[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000000"
expect 1 "[    2.0] Oops: 0002 [#1] PREEMPT SMP KASAN"
expect 1 "[    2.0] WARNING: possible circular locking dependency detected"
expect 1 "[    2.0] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
expect 1 "[    2.0] refcount_t: underflow; use-after-free."
expect 1 "[    2.0] ODEBUG: free active (active state 0) object type: timer_list"
expect 1 "[    2.0] INFO: task foo:1 blocked for more than 120 seconds."
expect 1 "[    2.0] list_del corruption. prev->next should be ffff"
expect 1 "[    2.0] Kernel panic - not syncing: Fatal exception"
# The first report comes with the lines after it (its call trace), once.
n=$((n + 1))
printf '[ 1.0] boot\n[ 2.0] BUG: KASAN: wild-memory-access in f+0x1/0x2\n[ 2.0] Call Trace:\n[ 2.0]  g+0x3/0x4\n' > "$t"
out=$("$scan" "$t" "$t" 2>&1)
if [ "$(grep -c ' g+0x3/0x4' <<<"$out")" -eq 1 ] && grep -q "the first report, from line 2 of $t" <<<"$out"; then
	echo "ok $n - scan-log prints the first report's call trace once"
else
	echo "not ok $n - scan-log prints the first report's call trace once"; failed=1
fi
rm -f "$t"
echo "1..$n"
exit $failed
