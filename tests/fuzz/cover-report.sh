#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Coverage of a KCOV run of uaccel-fuzz: for each module, the instrumented
# edges (calls of __sanitizer_cov_trace_pc in its .text), how many the run
# reached, and the functions none of whose edges it reached.
# usage: cover-report.sh MODULE_DIR COVER_FILE...
#   MODULE_DIR  the instrumented modules (core/uaccel_core.ko, hw/*/uaccel_*.ko)
#   COVER_FILE  written by uaccel-fuzz --cover-file ("module NAME TEXT", PCs)
set -u
kodir=$1
shift
# The low 32 bits of a hex address (any awk, no 64-bit arithmetic): a
# module is far smaller than 4 GiB, so offsets in it are differences of
# these modulo 2^32.
hex='function low32(h,   v, i) {
	sub(/^0x/, "", h)
	h = tolower(substr(h, length(h) > 8 ? length(h) - 7 : 1))
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}'
for ko in "$kodir"/core/uaccel_core.ko "$kodir"/hw/*/uaccel_*.ko; do
	name=$(basename "$ko" .ko)
	# The return address of each call (what KCOV records), as an offset
	# in .text, with its function.
	objdump -dr --section=.text "$ko" | awk "$hex"'
		/^[0-9a-f]+ <[^>]+>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
		/call/ { addr = $1; sub(/:$/, "", addr); pending = 1; next }
		pending && /R_X86_64_PLT32[ \t]+__sanitizer_cov_trace_pc-0x4/ {
			# the call instruction is 5 bytes: e8 + rel32
			printf "%x %s\n", low32(addr) + 5, fn
		}
		{ pending = 0 }' > "/tmp/cover-sites.$$"
	cat "$@" | awk -v m="$name" -v sites="/tmp/cover-sites.$$" "$hex"'
		$1 == "module" { if ($2 == m) base = low32($3); next }
		{ pcs[n++] = low32($1) }
		END {
			while ((getline line < sites) > 0) {
				split(line, f, " ")
				off[f[1]] = f[2]; fns[f[2]] = 1; total++
			}
			if (!base) { printf "%s: %d edges, module not loaded in the run\n", m, total; exit }
			for (i = 0; i < n; i++) {
				o = sprintf("%x", (pcs[i] - base + 4294967296) % 4294967296)
				if ((o in off) && !(o in seen)) { seen[o] = 1; hit++; reached[off[o]] = 1 }
			}
			never = ""
			for (fn in fns) if (!(fn in reached)) { nn++; never = never " " fn }
			printf "%s: %d of %d edges reached (%.1f%%); %d functions never reached:%s\n",
				m, hit, total, total ? 100 * hit / total : 0, nn, never
		}'
	rm -f "/tmp/cover-sites.$$"
done
