#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The packaging agrees with the sources.  One version everywhere: the CMake
# project version (the source of truth, also in libaccel.pc) is the
# upstream version of debian/changelog, which dh_dkms writes into
# dkms.conf, the modules' MODULE_VERSION, libaccel's version header
# (include/accel/version.h) and accel_version(), the tools' --version and
# the version of the manual pages; the library's SONAME major is the one the
# Debian package libaccel<N> and its symbols file name; the symbols file has
# every symbol of libaccel.map, under its version node.  With BUILD_DIR,
# the built library, tools and modules are asked as well.
# usage: check-packaging.sh [SOURCE_DIR [BUILD_DIR]]
set -u
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${2:-}
n=0 failed=0
is() { # is DESCRIPTION GOT WANT
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - packaging: $1"
	else
		echo "not ok $n - packaging: $1 (got '$2', want '$3')"
		failed=1
	fi
}

cmake_version=$(sed -n 's/^project(uaccel VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
deb_version=$(sed -n '1s/^uaccel (\([^)]*\)).*/\1/p' "$src/debian/changelog")
upstream=${deb_version%-*}
upstream=${upstream#*:}
is "debian/changelog upstream version is the CMake project version" "$upstream" "$cmake_version"
is "the modules' MODULE_VERSION is the CMake project version" \
	"$(sed -n 's/^#define UACCEL_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$src/kernel/include/uaccel/version.h")" \
	"$cmake_version"
hdr=$src/include/accel/version.h
is "include/accel/version.h: ACCEL_VERSION is the CMake project version" \
	"$(sed -n 's/^#define ACCEL_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$hdr")" "$cmake_version"
is "include/accel/version.h: ACCEL_VERSION_MAJOR.MINOR.PATCH is the CMake project version" \
	"$(for p in MAJOR MINOR PATCH; do
		sed -n "s/^#define ACCEL_VERSION_${p}[[:space:]]*\([0-9]*\)$/\1/p" "$hdr"; done | paste -sd.)" \
	"$cmake_version"
is "libaccel.pc takes the CMake project version" \
	"$(sed -n 's/^Version: //p' "$src/libaccel/libaccel.pc.in")" "@PROJECT_VERSION@"
is "the tools' --version prints the CMake project version" \
	"$(grep -c '^add_compile_definitions(UACCEL_VERSION="${PROJECT_VERSION}")$' "$src/tools/CMakeLists.txt")" 1
is "dkms.conf takes the package version" \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$src/dkms.conf")" "#MODULE_VERSION#"
is "dkms.conf names the package uaccel" \
	"$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$src/dkms.conf")" uaccel

soversion=$(sed -n 's/^[[:space:]]*SOVERSION \([0-9]*\)$/\1/p' "$src/libaccel/CMakeLists.txt")
is "debian/control has the package libaccel<SOVERSION>" \
	"$(grep -c "^Package: libaccel$soversion\$" "$src/debian/control")" 1
is "the symbols file names libaccel.so.<SOVERSION>" \
	"$(sed -n '1s/^\(libaccel\.so\.[0-9]*\) \(libaccel[0-9]*\) .*/\1 \2/p' "$src/debian/libaccel$soversion.symbols" 2>/dev/null)" \
	"libaccel.so.$soversion libaccel$soversion"
symbols=$src/debian/libaccel$soversion.symbols
missing=$(awk '/^[A-Z_0-9.]+ *\{/ { v = $1 }
	       /^[ \t]+[a-z_][a-z_0-9]*;/ { s = $1; sub(/;/, "", s); print s "@" v }' \
		"$src/libaccel/libaccel.map" |
	while read -r sym; do grep -q "^ $sym " "$symbols" || echo "$sym"; done)
is "debian/libaccel$soversion.symbols has every symbol of libaccel.map" "$(echo $missing)" ""
for page in "$src"/man/*.[1-8]; do
	grep -q '^\.TH' "$page" || continue
	th=$(sed -n 's/^\.TH .*"uaccel \([0-9.]*\)".*/\1/p' "$page")
	is "$(basename "$page") is the manual of uaccel $cmake_version" "$th" "$cmake_version"
done

# What the built library, tools and modules say.
if [ -n "$build" ]; then
	is "accel_version() and the header macros of the build" \
		"$("$build/tests/print_version" 2>&1; echo "exit $?")" \
		"headers $cmake_version ${cmake_version//./ }
library $cmake_version ${cmake_version//./ }
check 1 0
exit 0"
	for tool in accelinfo accel-demo accel-factorial; do
		is "$tool --version" "$("$build/tools/$tool" --version 2>&1)" "$tool (uaccel) $cmake_version"
	done
	is "libaccel.pc of the build" "$(sed -n 's/^Version: //p' "$build/libaccel/libaccel.pc")" \
		"$cmake_version"
	for ko in "$build"/kbuild*/kernel/core/uaccel_core.ko "$build"/kbuild*/kernel/hw/*/uaccel_*.ko; do
		[ -f "$ko" ] || continue
		is "modinfo -F version ${ko#"$build"/}" "$(modinfo -F version "$ko" 2>&1)" "$cmake_version"
	done
fi
echo "1..$n"
exit $failed
