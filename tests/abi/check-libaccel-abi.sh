#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# libaccel.so.1's ABI against the committed baseline (libaccel/libaccel.abi,
# written by abidw of libabigail), as a TAP test:
#  1. abidiff finds no change of what the baseline has: no removed or
#     changed function, no changed layout of a type of the public headers
#     (accel/accel.h, accel/version.h), no changed enumerator value.  The
#     providers' private node ACCEL_PRIVATE_<N> is left out (docs/abi.md).
#  2. Every symbol added since the baseline is in a version node the
#     baseline does not have: released nodes never grow.
# usage: check-libaccel-abi.sh SOURCE_DIR LIBACCEL_SO [--update]
# --update rewrites the baseline from LIBACCEL_SO (when a release is made).
set -u
src=$1 lib=$2
base=$src/libaccel/libaccel.abi
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - abi: $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - abi: $*"; }

for tool in abidw abidiff; do
	command -v "$tool" > /dev/null ||
		{ not_ok "$tool is installed (abigail-tools, tests/deps.sh)"; echo "1..$n"; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What abidw records: the public headers' types, no paths of this checkout.
dump() {
	local top
	top=$(cd "$src" && pwd -P)
	abidw --no-corpus-path --drop-private-types --drop-undefined-syms --type-id-style hash \
		--hf "$top/include/accel/accel.h" --hf "$top/include/accel/version.h" \
		--out-file "$2" "$1" &&
		sed -i -e "s| comp-dir-path='[^']*'||" -e "s|filepath='$top/|filepath='|" \
			-e "s| path='$top/| path='|" "$2"
}

if [ "${3:-}" = --update ]; then
	dump "$lib" "$base" || { echo "abidw failed on $lib" >&2; exit 1; }
	echo "wrote $base"
	exit 0
fi

[ -f "$base" ] || { not_ok "no baseline $base"; echo "1..$n"; exit 1; }
if ! dump "$lib" "$work/cur.abi" 2> "$work/abidw.err"; then
	not_ok "abidw read $lib (built with -g?)"
	sed 's/^/#   /' "$work/abidw.err"
	echo "1..$n"
	exit 1
fi

cat > "$work/private.suppr" <<'SUPPR'
[suppress_function]
  symbol_version_regexp = ^ACCEL_PRIVATE_
[suppress_variable]
  symbol_version_regexp = ^ACCEL_PRIVATE_
SUPPR

abidiff --no-added-syms --no-show-locs --suppr "$work/private.suppr" \
	"$base" "$work/cur.abi" > "$work/diff" 2>&1
rc=$?
# abidiff's status: bit 1 error, 2 usage, 4 ABI change, 8 incompatible change.
if [ "$rc" -eq 0 ]; then
	ok "no change of the baseline's functions and types (abidiff)"
else
	not_ok "abidiff reports changes (status $rc): a released symbol or public type changed"
	sed 's/^/#   /' "$work/diff"
fi

# NAME@VERSION of the defined, exported symbols of an abixml file.
syms() {
	sed -n "s/.*<elf-symbol name='\([^']*\)' version='\([^']*\)'.*is-defined='yes'.*/\1@\2/p" "$1" |
		sort -u
}
syms "$base" > "$work/base.syms"
syms "$work/cur.abi" > "$work/cur.syms"
sed 's/.*@//' "$work/base.syms" | sort -u > "$work/base.nodes"
grown=$(comm -13 "$work/base.syms" "$work/cur.syms" |
	awk -F@ 'NR == FNR { node[$1] = 1; next } ($2 in node) && $2 !~ /^ACCEL_PRIVATE_/' \
		"$work/base.nodes" -)
if [ -z "$grown" ]; then
	ok "symbols added since the baseline are in new version nodes"
else
	not_ok "symbols added to released version nodes"
	printf '#   %s\n' $grown
fi
[ -s "$work/base.syms" ] || not_ok "the baseline lists no symbol"

echo "1..$n"
exit $failed
