#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fuzzer's uAPI description covers every command of the uAPI headers:
# each _IO* command macro of include/uapi/uaccel/*.h is in uaccel-fuzz's
# table and the table has nothing else (sizes and offsets of the fields are
# checked when uapi_desc.c is built).  Then the description's own checks
# and the programs' text form (uaccel-fuzz --selfcheck).
# usage: check-desc.sh SOURCE_DIR UACCEL_FUZZ
set -u
src=$1 fuzz=$2
# A command macro: "#define NAME \" or "#define NAME _IO(...)"; not the type byte.
headers=$(awk '
	/^#define UACCEL_[A-Z0-9_]*IOCTL_[A-Z0-9_]+/ {
		name = $2; rest = $0; sub(/^#define [A-Z0-9_]+[ \t]*/, "", rest)
		if (rest == "\\") { getline rest }
		if (rest ~ /_IO(R|W|WR)?\(/) print name
	}' "$src"/include/uapi/uaccel/*.h | sort)
table=$("$fuzz" --list-cmds | sort)
rc=0
if [ -z "$headers" ]; then
	echo "not ok - fuzz-desc: no command macro found in the headers"
	exit 1
fi
missing=$(comm -23 <(echo "$headers") <(echo "$table"))
extra=$(comm -13 <(echo "$headers") <(echo "$table"))
if [ -n "$missing" ]; then
	echo "not ok - fuzz-desc: commands of the uAPI headers missing from tests/fuzz/uapi_desc.c:" $missing
	rc=1
elif [ -n "$extra" ]; then
	echo "not ok - fuzz-desc: tests/fuzz/uapi_desc.c describes commands the headers lack:" $extra
	rc=1
else
	echo "ok - fuzz-desc: the $(echo "$headers" | wc -l) commands of the uAPI headers are described"
fi
"$fuzz" --selfcheck || rc=1
exit $rc
