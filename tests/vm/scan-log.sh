#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fail (exit 1) when a kernel log has a report of a kernel bug: BUG, WARNING,
# Oops, KASAN, lockdep, kmemleak, DEBUG_OBJECTS, refcount, a hung task, a
# soft lockup (a BUG:) or an RCU stall.  On stderr: the matching lines of
# each log (at most 40) and, once, the first report with the lines that
# follow it (its registers and call trace; at most 60 lines), so that the
# output of a run alone says where the kernel failed.
# usage: scan-log.sh LOG...
#        scan-log.sh --pattern   (print the extended regular expression)
pattern='BUG:|WARNING:|Oops|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object|'
pattern+='possible (circular|recursive) locking|inconsistent lock state|'
pattern+='turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|'
pattern+='ODEBUG:|refcount_t:|general protection fault|Kernel panic|'
pattern+='blocked for more than|list_(add|del) corruption|UBSAN:|'
pattern+='rcu: INFO: rcu_[a-z]+ (self-)?detected stall'
if [ "${1:-}" = --pattern ]; then
	printf '%s\n' "$pattern"
	exit 0
fi
rc=0
shown=
for log in "$@"; do
	[ -e "$log" ] || continue
	hits=$(grep -aEn "$pattern" "$log" 2>/dev/null) || continue
	echo "scan-log: kernel reports in $log:" >&2
	head -n 40 <<<"$hits" >&2
	rc=1
	[ -n "$shown" ] && continue
	first=${hits%%:*}
	echo "scan-log: the first report, from line $first of $log:" >&2
	sed -n "${first},$((first + 59))p" "$log" | tr -d '\r' >&2
	shown=1
done
exit $rc
