#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The manual pages in man/: every public symbol exported by libaccel.so
# (libaccel/libaccel.map, without the providers' private ACCEL_PRIVATE_<N>
# node, which docs/writing-a-provider.md describes) has a page of its name, which is either the page
# itself or a ".so" alias of a page listing the symbol in its NAME section;
# every alias names an exported symbol; .TH agrees with the file name; and
# groff -ww and man --warnings (as lintian runs it) print no warning.
# usage: test_man_pages.sh [SOURCE_DIR]
set -u
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
man=$src/man
map=$src/libaccel/libaccel.map
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - man: $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - man: $*"; }

for tool in groff man; do
	command -v "$tool" > /dev/null || { not_ok "$tool is installed (tests/deps.sh)"; echo "1..$n"; exit 1; }
done

# The target of an alias page ("man3/page.3"), or nothing.
so_target() { sed -n '1s/^\.so[[:space:]]\{1,\}//p' "$1"; }
# The words of the NAME section of a page.
name_words() {
	sed -n '/^\.SH NAME/,/^\.SH/{/^\.SH/d;p}' "$1" | sed 's/\\-.*//; s/[,]/ /g'
}

symbols=$(sed '/^ACCEL_PRIVATE_[0-9]* {/,/^}/d' "$map" |
	sed -n 's/^[[:space:]]*\([a-z_][a-z0-9_]*\);[[:space:]]*$/\1/p' | sort -u)
private=$(sed -n '/^ACCEL_PRIVATE_[0-9]* {/,/^}/p' "$map" |
	sed -n 's/^[[:space:]]*\([a-z_][a-z0-9_]*\);[[:space:]]*$/\1/p')
[ -n "$symbols" ] || not_ok "no symbol found in $map"
# The inline helpers of the installed header-only accel/uring.h count as
# public names too (they have no symbol).
inline=$(sed -n 's/^static inline [a-z_ ]*[ *]\(accel_[a-z0-9_]*\)(.*/\1/p' \
	"$src/include/accel/uring.h")
[ -n "$inline" ] || not_ok "no inline helper found in include/accel/uring.h"
for sym in $inline; do
	if name_words "$man/accel_prep_cmd.3" | grep -qw -- "$sym" && [ -f "$man/$sym.3" ]; then
		ok "$sym (accel/uring.h) is documented in accel_prep_cmd.3"
	else
		not_ok "$sym (accel/uring.h): no page, or not in accel_prep_cmd.3's NAME"
	fi
done

for sym in $symbols; do
	page=$man/$sym.3
	if [ ! -f "$page" ]; then
		not_ok "$sym: no page man/$sym.3"
		continue
	fi
	target=$(so_target "$page")
	[ -n "$target" ] && page=$man/$(basename "$target")
	if [ ! -f "$page" ]; then
		not_ok "$sym: alias of a missing page $target"
	elif name_words "$page" | grep -qw -- "$sym"; then
		ok "$sym is documented in $(basename "$page")"
	else
		not_ok "$sym: not in the NAME section of $(basename "$page")"
	fi
done

# The private interface has no page: no page documents it for programs.
for sym in $private; do
	if [ -f "$man/$sym.3" ] || grep -lqw -- "$sym" "$man"/*.[1-8]; then
		not_ok "$sym (ACCEL_PRIVATE) is in a manual page"
	else
		ok "$sym (ACCEL_PRIVATE) has no manual page"
	fi
done
[ -n "$private" ] || not_ok "no ACCEL_PRIVATE node in $map"

# Pages are checked as installed (manN/), so that .so aliases resolve.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for page in "$man"/*.[1-8]; do
	sec=${page##*.}
	mkdir -p "$stage/man$sec"
	cp "$page" "$stage/man$sec/"
done

for page in "$man"/*.[1-8]; do
	base=$(basename "$page")
	sec=${base##*.}
	target=$(so_target "$page")
	if [ -n "$target" ]; then
		if [ ! -f "$stage/$target" ]; then
			not_ok "$base: alias of a missing page $target"
		elif ! grep -qx -- "${base%.*}" <<< "$symbols"$'\n'"$inline"; then
			not_ok "$base: alias of a name libaccel does not export"
		else
			ok "$base: alias of $target"
		fi
		continue
	fi
	th=$(sed -n 's/^\.TH[[:space:]]\{1,\}\([^[:space:]]*\)[[:space:]]\{1,\}\([^[:space:]]*\).*/\1 \2/p' "$page" |
		head -n 1 | sed 's/\\-/-/g' | tr '[:upper:]' '[:lower:]')
	if [ "$th" != "${base%.*} $sec" ]; then
		not_ok "$base: .TH says \"$th\""
		continue
	fi
	warn=$(cd "$stage" && groff -man -ww -z "man$sec/$base" 2>&1)
	warn+=$(cd "$stage" && LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings -E UTF-8 -l -Tutf8 -Z "man$sec/$base" 2>&1 > /dev/null)
	if [ -z "$warn" ]; then
		ok "$base: groff and man print no warning"
	else
		not_ok "$base: warnings"
		printf '%s\n' "$warn" | sed 's/^/#   /'
	fi
done

echo "1..$n"
exit $failed
