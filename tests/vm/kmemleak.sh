#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kmemleak around the in-VM suite (debug kernel only; a no-op elsewhere).
#   kmemleak.sh start        forget what was allocated before the tests
#   kmemleak.sh check LABEL  scan and print a TAP line: not ok when an
#                            unreferenced object was allocated from a uaccel
#                            module (a uaccel symbol or, once the modules
#                            are unloaded, a module-space address in its
#                            backtrace; the debug kernel has no other modules)
# The full report is kept in /tmp/out/kmemleak-LABEL.log.
k=/sys/kernel/debug/kmemleak
[ -e $k ] || exit 0
case $1 in
start)
	echo scan > $k
	echo clear > $k
	;;
check)
	# An object is reported only once it is older than 5 s and was seen
	# unreferenced by a scan; scan twice with a pause.
	sleep 6
	echo scan > $k
	sleep 1
	echo scan > $k
	cat $k > "/tmp/out/kmemleak-$2.log"
	leaks=$(awk '
		/^unreferenced object/ { if (obj && ours) n++; obj = 1; ours = 0; next }
		/uaccel|\[<ffffffffc[0-9a-f]*>\] 0xffffffffc/ { ours = 1 }
		END { if (obj && ours) n++; print n + 0 }' "/tmp/out/kmemleak-$2.log")
	if [ "$leaks" -eq 0 ]; then
		echo "ok - kmemleak: no leak from the uaccel modules ($2)"
	else
		echo "not ok - kmemleak: $leaks leaked objects from the uaccel modules ($2)"
		grep -A 20 'unreferenced object' "/tmp/out/kmemleak-$2.log" | head -n 60 | sed 's/^/#   /'
	fi
	;;
esac
