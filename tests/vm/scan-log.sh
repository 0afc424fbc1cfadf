#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fail (exit 1) when a kernel log has a report of a kernel bug: BUG, WARNING,
# Oops, KASAN, lockdep, kmemleak, DEBUG_OBJECTS, refcount, a hung task, a
# soft lockup (a BUG:) or an RCU stall.
# usage: scan-log.sh LOG...
pattern='BUG:|WARNING:|Oops|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object|'
pattern+='possible (circular|recursive) locking|inconsistent lock state|'
pattern+='turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|'
pattern+='ODEBUG:|refcount_t:|general protection fault|Kernel panic|'
pattern+='blocked for more than|list_(add|del) corruption|UBSAN:|'
pattern+='rcu: INFO: rcu_[a-z]+ (self-)?detected stall'
rc=0
for log in "$@"; do
	[ -e "$log" ] || continue
	if grep -aEn "$pattern" "$log" > /tmp/scan-log.$$ 2>/dev/null; then
		echo "scan-log: kernel reports in $log:" >&2
		head -n 40 /tmp/scan-log.$$ >&2
		rc=1
	fi
	rm -f /tmp/scan-log.$$
done
exit $rc
