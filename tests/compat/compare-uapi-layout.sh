#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The current uAPI headers keep everything of the frozen v1 copy
# (tests/compat/uapi-v1): the two programs built from gen-uapi-layout.sh's
# output print the layout and values seen through each.  Every v1 member
# keeps its name, offset and size; a reserved member (named __*) may be
# given a name and a meaning, but its bytes stay inside the structure;
# structures only grow; every ioctl number, flag, constant and facet name
# keeps its value.  Prints TAP, one line per structure and per header.
# usage: compare-uapi-layout.sh V1_PROGRAM CURRENT_PROGRAM
set -u
[ $# -eq 2 ] || { sed -n '11p' "$0" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" > "$tmp/v1" || { echo "not ok 1 - uapi v1: $1 failed"; exit 1; }
"$2" > "$tmp/cur" || { echo "not ok 1 - uapi v1: $2 failed"; exit 1; }

awk '
	FNR == NR {
		if ($1 == "value")
			cur[$1 " " $2 " " $3] = $0
		else
			cur[$1 " " $2 " " $3 " " $4] = $0
		if ($1 == "size")
			cursize[$3] = $4
		next
	}
	$1 == "member" {
		s = $3
		if (!(s in order)) { order[s] = ++ns; names[ns] = s; hdr[s] = $2 }
		nm[s]++
		if ($4 ~ /^__/) {
			# Reserved: may be renamed, must stay inside the structure.
			end[s] = end[s] > $5 + $6 ? end[s] : $5 + $6
			next
		}
		k = $1 " " $2 " " $3 " " $4
		if (!(k in cur))
			bad[s] = bad[s] sprintf(" %s is gone;", $4)
		else if (cur[k] != $0) {
			split(cur[k], c, " ")
			bad[s] = bad[s] sprintf(" %s at %s, %s bytes (v1: %s, %s);", $4, c[5], c[6], $5, $6)
		}
		next
	}
	$1 == "size" {
		s = $3
		if (!(s in order)) { order[s] = ++ns; names[ns] = s; hdr[s] = $2 }
		v1size[s] = $4
		if (!(s in cursize))
			bad[s] = bad[s] " the structure is gone;"
		else if (cursize[s] + 0 < $4 + 0)
			bad[s] = bad[s] sprintf(" %s bytes, smaller than v1 (%s);", cursize[s], $4)
		else if (cursize[s] + 0 < end[s])
			bad[s] = bad[s] " a reserved member of v1 lies outside it;"
		next
	}
	$1 == "value" {
		h = $2
		if (!(h in vorder)) { vorder[h] = ++nh; hnames[nh] = h }
		nv[h]++
		k = $1 " " $2 " " $3
		if (!(k in cur))
			vbad[h] = vbad[h] sprintf(" %s is gone;", $3)
		else if (cur[k] != $0) {
			split(cur[k], c, " ")
			vbad[h] = vbad[h] sprintf(" %s is %s (v1: %s);", $3, c[4], $4)
		}
	}
	END {
		n = 0
		for (i = 1; i <= ns; i++) {
			s = names[i]
			d = sprintf("uapi v1: %s struct %s: its %d members at their v1 offsets and sizes, %s bytes or more",
				    hdr[s], s, nm[s], v1size[s])
			if (s in bad) { printf "not ok %d - %s:%s\n", ++n, d, bad[s]; failed = 1 }
			else printf "ok %d - %s\n", ++n, d
		}
		for (i = 1; i <= nh; i++) {
			h = hnames[i]
			d = sprintf("uapi v1: %s: its %d constants (ioctl numbers, flags, names) keep their values", h, nv[h])
			if (h in vbad) { printf "not ok %d - %s:%s\n", ++n, d, vbad[h]; failed = 1 }
			else printf "ok %d - %s\n", ++n, d
		}
		printf "1..%d\n", n
		exit failed
	}
' "$tmp/cur" "$tmp/v1"
