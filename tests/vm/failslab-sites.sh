#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Summarise the failslab injections logged since a marker line in the kernel
# log: for each "FAULT_INJECTION: forcing a failure" stack, the innermost
# reliable frame inside a uaccel module is the allocation site (the call in
# the project's code that led to the allocation).  Prints a TAP line
# with the number of distinct sites and keeps the list in
# /tmp/out/failslab-sites.txt.  usage: failslab-sites.sh MARKER
dmesg | sed -n "/$1/,\$p" | awk '
	/FAULT_INJECTION: forcing a failure/ { if (inj && site == "") other++; inj++; site = ""; next }
	site == "" && inj && /\[uaccel_[a-z]+\]/ && !/ \? / {
		for (i = 1; i <= NF; i++) if ($i ~ /\+0x/) { f = $i; sub(/\/0x[0-9a-f]+$/, "", f); site = f " " $(i + 1) }
		if (site != "") sites[site]++
	}
	END {
		if (inj && site == "") other++
		for (s in sites) { print s; n++ }
		printf "TOTAL %d %d %d\n", inj, n, other
	}' > /tmp/out/failslab-sites.txt
set -- $(grep '^TOTAL' /tmp/out/failslab-sites.txt)
inj=${2:-0} sites=${3:-0} other=${4:-0}
if [ "$sites" -gt 0 ]; then
	echo "ok - failslab: $sites distinct uaccel allocation sites failed ($inj logged injections, $other outside the modules)"
else
	echo "not ok - failslab: no allocation site of the uaccel modules was failed"
fi
