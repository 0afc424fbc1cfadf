#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The Debian packages, built and used as a distribution would:
#  1. the source package: the upstream tarball is a copy of the source tree
#     without debian/ (debian/README.source), dpkg-buildpackage -S in
#     BUILD/pkg/src, then lintian --pedantic -I -E on it;
#  2. the binary packages: dpkg-source -x of that .dsc into BUILD/pkg/bin,
#     dpkg-buildpackage -b there, then lintian --pedantic -I -E on them;
#     any E: or W: tag fails (overrides, with their reasons, are in
#     debian/*lintian-overrides);
#  3. the contents of every .deb;
#  4. all of them extracted into a clean root, BUILD/pkg-root;
#  5. DKMS builds the modules from the root's /usr/src/uaccel-<version>
#     with its dkms.conf, against Debian's 6.1 headers (a private DKMS
#     tree; nothing is installed on this machine), and the modules are put
#     where "dkms install" would, in the root's /lib/modules/<kernel>;
#  6. tests/pkg/example.c is compiled with "pkg-config --cflags --libs
#     libaccel" against the root (PKG_CONFIG_SYSROOT_DIR) into
#     BUILD/pkg/example, and the autopkgtests of debian/tests run with the
#     root's tools, library and pkg-config file (no device needed).
# tests/vm/test_packages.sh then loads those modules in the test VM and runs
# the example and the packaged tools with the root's library and providers.
#
# usage: tests/pkg/test-packages.sh BUILD_DIR
# Prints "ok - packages: ..." / "not ok - packages: ..." lines; exits
# non-zero when one failed.  Run as root (unshare isolates DKMS's
# configuration).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { sed -n '25,29p' "$0" >&2; exit 2; }
mkdir -p "$1" && build=$(cd "$1" && pwd)
# Kbuild (through DKMS and the package build) takes no path with white
# space: such a build tree is reached through a link without any.
case $build in
*[[:space:]]*)
	link=/tmp/uaccel-pkg-$(printf '%s' "$build" | md5sum | cut -c1-32)
	ln -sfn "$build" "$link"
	build=$link ;;
esac
work=$build/pkg
root=$build/pkg-root
failed=0
start=$(date +%s)

ok() { echo "ok - packages: $*"; }
not_ok() { echo "not ok - packages: $*"; failed=1; }
check() { # check DESCRIPTION COMMAND...
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
	echo "# packages: $(( $(date +%s) - start ))s; logs in $work"
	exit $failed
}
# show_log FILE: the end of a log of a failed step, as TAP comments.
show_log() { tail -n 30 "$1" | sed 's/^/#   /'; }

version=$(sed -nE 's/^project.uaccel VERSION ([0-9.]+).*/\1/p' "$top/CMakeLists.txt")
debver=$(sed -n '1s/^uaccel (\([^)]*\)).*/\1/p' "$top/debian/changelog")
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
kver=$(basename "$(dirname "$(ls -1dv /lib/modules/6.1.*-amd64/build 2>/dev/null | tail -n 1)")")

rm -rf "$work" "$root"
srcdir=$work/src/uaccel-$version
mkdir -p "$srcdir" "$work/bin" "$root"

# lint NAME FILE...: lintian --pedantic -I -E; any E: or W: tag fails.
# Lintian's own notes (such as about running as root) are not tags.
lint() {
	local name=$1 log=$work/lintian-$1.log
	shift
	# Debian's archive process tag initial-upload-closes-no-bugs (the
	# first upload closes an ITP bug) does not apply to this repository.
	lintian --pedantic -I -E --suppress-tags initial-upload-closes-no-bugs "$@" > "$log" 2>&1
	if grep -q '^[EW]: ' "$log"; then
		not_ok "lintian --pedantic -I -E: no error or warning on the $name package"
		grep '^[EW]: ' "$log" | sed 's/^/#   /'
	else
		ok "lintian --pedantic -I -E: no error or warning on the $name package"
	fi
	# Informational and pedantic tags are shown, not failed.
	grep -E '^[IPX]: ' "$log" | sed 's/^/#   /'
}
command -v lintian > /dev/null || not_ok "lintian is installed (tests/deps.sh)"

# 1. The source package.  The copy holds what git tracks plus new files
# not ignored, like a clean clone of the working tree.
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	git -C "$top" ls-files -z -co --exclude-standard |
		tar --null --ignore-failed-read -C "$top" -T - -cf - 2> /dev/null |
		tar -xf - -C "$srcdir"
else
	tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . |
		tar -xf - -C "$srcdir"
fi
tar -C "$work/src" --exclude="uaccel-$version/debian" -cJf \
	"$work/src/uaccel_$version.orig.tar.xz" "uaccel-$version"
dsc=$work/src/uaccel_$debver.dsc
if (cd "$srcdir" && dpkg-buildpackage -S -us -uc) > "$work/source.log" 2>&1 && [ -f "$dsc" ]; then
	ok "dpkg-buildpackage -S -us -uc builds source package uaccel $debver"
else
	not_ok "dpkg-buildpackage -S -us -uc builds source package uaccel $debver"
	show_log "$work/source.log"
	finish
fi
command -v lintian > /dev/null && lint source "$work/src/uaccel_${debver}_source.changes"

# 2. The binary packages, from the unpacked source package.
bindir=$work/bin/uaccel-$version
if dpkg-source -x "$dsc" "$bindir" > "$work/unpack.log" 2>&1 &&
   (cd "$bindir" && dpkg-buildpackage -b -us -uc -j"$(nproc)") > "$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc builds the binary packages from the .dsc"
else
	not_ok "dpkg-buildpackage -b -us -uc builds the binary packages from the .dsc"
	show_log "$work/unpack.log"
	show_log "$work/build.log"
	finish
fi
debs=()
for p in "uaccel-dkms:all" "libaccel1:$arch" "libaccel-dev:$arch" "accel-utils:$arch" \
	 "python3-accel:$arch"; do
	deb=$work/bin/${p%%:*}_${debver}_${p#*:}.deb
	check "${deb##*/} was built" test -f "$deb"
	debs+=("$deb")
done
command -v lintian > /dev/null && lint binary "$work/bin/uaccel_${debver}_$arch.changes"

# 3. Contents.
# has DEB PATH...: the package holds every PATH (relative to /).
has() {
	local deb=$1 path missing=()
	shift
	dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./||; s|/$||' > "$work/list"
	for path in "$@"; do
		grep -qxF "$path" "$work/list" || missing+=("$path")
	done
	[ ${#missing[@]} -eq 0 ] || { printf '#   missing: %s\n' "${missing[@]}"; return 1; }
}
# lacks DEB REGEX: no path of the package matches the extended REGEX.
lacks() {
	local hits
	hits=$(dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./||' | grep -E "$2")
	[ -z "$hits" ] || { printf '#   unexpected: %s\n' $hits; return 1; }
}
# symbols_complete DEB: its symbols file has every NAME@VERSION of the map.
symbols_complete() {
	awk '/^[A-Z_0-9.]+ *\{/ { v = $1 }
	     /^[ \t]+[a-z_][a-z_0-9]*;/ { s = $1; sub(/;/, "", s); print s "@" v }' \
		"$top/libaccel/libaccel.map" | sort > "$work/symbols.map"
	dpkg-deb -I "$1" symbols | awk '/^ / { print $1 }' | grep -v '^ACCEL_' |
		sort > "$work/symbols.deb"
	diff "$work/symbols.map" "$work/symbols.deb" | grep '^[<>]' | sed 's/^/#   /'
	cmp -s "$work/symbols.map" "$work/symbols.deb"
}
dkms_deb=${debs[0]} lib_deb=${debs[1]} dev_deb=${debs[2]} utils_deb=${debs[3]} py_deb=${debs[4]}
src=usr/src/uaccel-$version
lib=usr/lib/$multiarch

check "uaccel-dkms: dkms.conf, Kbuild files, module sources and uAPI headers in /$src" \
	has "$dkms_deb" "$src/dkms.conf" "$src/kernel/Kbuild" "$src/kernel/core/Kbuild" \
	"$src/kernel/core/main.c" "$src/kernel/hw/soft/Kbuild" "$src/kernel/hw/edu/Kbuild" \
	"$src/kernel/hw/vcrypto/Kbuild" \
	"$src/kernel/include/uaccel/driver.h" "$src/include/uapi/uaccel/uaccel.h"
check "uaccel-dkms: nothing but module sources (no CMake files, no objects)" \
	lacks "$dkms_deb" '\.(o|ko|cmd|cmake)$|CMakeLists|Module\.symvers|^usr/(bin|lib)/'
check "uaccel-dkms: depends on dkms and has the DKMS maintainer scripts" sh -c \
	"dpkg-deb -f '$dkms_deb' Depends | grep -q 'dkms' &&
	 dpkg-deb -I '$dkms_deb' postinst | grep -q 'dkms'"
check "libaccel1: libaccel.so.1 and the soft and edu providers" \
	has "$lib_deb" "$lib/libaccel.so.1" "$lib/libaccel/libsoft-accelv1.so" "$lib/libaccel/libedu-accelv1.so"
check "libaccel1: no development files, no tools" \
	lacks "$lib_deb" '/libaccel\.so$|/include/|\.pc$|/bin/|/man/'
check "libaccel1: the symbols file lists every symbol of libaccel.map" \
	symbols_complete "$lib_deb"
check "libaccel-dev: headers, libaccel.so, libaccel.pc and the section 3 pages" \
	has "$dev_deb" usr/include/accel/accel.h usr/include/accel/version.h \
	usr/include/uaccel/uaccel.h "$lib/libaccel.so" "$lib/pkgconfig/libaccel.pc" \
	usr/share/man/man3/libaccel.3.gz usr/share/man/man3/accel_get_device_list.3.gz \
	usr/share/man/man3/accel_error_message.3.gz
check "libaccel-dev: not the providers' private interface" \
	lacks "$dev_deb" '/accel/provider\.h$'
check "libaccel-dev: depends on libaccel1 of the same version" sh -c \
	"dpkg-deb -f '$dev_deb' Depends | grep -qF 'libaccel1 (= $debver)'"
check "accel-utils: tools, udev rules, sysusers.d entry, section 1, 7 and 8 pages" \
	has "$utils_deb" usr/bin/accel usr/bin/accelinfo usr/bin/accel-demo usr/bin/accel-factorial \
	lib/udev/rules.d/90-uaccel.rules usr/lib/sysusers.d/uaccel.conf \
	usr/share/man/man1/accelinfo.1.gz usr/share/man/man1/accel-demo.1.gz \
	usr/share/man/man1/accel-factorial.1.gz usr/share/man/man7/uaccel.7.gz \
	usr/share/man/man8/accel.8.gz
check "accel-utils: its postinst creates the group with systemd-sysusers" sh -c \
	"dpkg-deb -I '$utils_deb' postinst | grep -q 'systemd-sysusers.*uaccel.conf'"
check "python3-accel: the module accel in Debian's dist-packages and the demo" \
	has "$py_deb" usr/lib/python3/dist-packages/accel/__init__.py \
	usr/share/doc/python3-accel/examples/demo.py
check "python3-accel: nothing compiled, no library of its own" \
	lacks "$py_deb" '\.(so|o|c|pyc)$|^usr/(bin|include)/'
check "python3-accel: depends on libaccel1 of the same version, python3-cffi and python3" sh -c \
	"dpkg-deb -f '$py_deb' Depends | tr -d ' ' | tr ',' '\\n' > '$work/py-depends' &&
	 grep -qxF 'libaccel1(=$debver)' '$work/py-depends' &&
	 grep -qxF python3-cffi '$work/py-depends' && grep -q '^python3' '$work/py-depends'"
for deb in "$lib_deb" "$dev_deb" "$utils_deb" "$py_deb"; do
	check "${deb##*/}: no module sources" lacks "$deb" '^usr/src/|dkms\.conf'
done

# 4. A clean root with every package.
for deb in "${debs[@]}"; do
	dpkg-deb -x "$deb" "$root" || not_ok "dpkg-deb -x ${deb##*/}"
done
check "dkms.conf of the root carries version $version" \
	grep -qx "PACKAGE_VERSION=\"$version\"" "$root/$src/dkms.conf"
check "libaccel.pc of the root says version $version" \
	grep -qx "Version: $version" "$root/$lib/pkgconfig/libaccel.pc"

# 5. DKMS.  Its configuration directory is replaced by an empty one in a
# private mount namespace, so that it neither reads this machine's settings
# nor creates a module signing key in /var/lib/dkms; the test kernel loads
# unsigned modules.
if [ -z "$kver" ]; then
	not_ok "Debian 6.1 kernel headers in /lib/modules (apt-get install linux-headers-amd64)"
	finish
fi
mkdir -p "$work/dkms-etc" "$work/dkms"
echo 'sign_file=/nonexistent' > "$work/dkms-etc/framework.conf"
dkms_args=(-m uaccel -v "$version" --dkmstree "$work/dkms" --sourcetree "$root/usr/src")
if unshare -m sh -c 'mount --bind "$1" /etc/dkms && shift && dkms add "$@" &&
		dkms build "$@" -k "$0" --kernelsourcedir "/lib/modules/$0/build"' \
		"$kver" "$work/dkms-etc" "${dkms_args[@]}" > "$work/dkms.log" 2>&1; then
	ok "dkms add and dkms build of uaccel $version for $kver"
else
	not_ok "dkms add and dkms build of uaccel $version for $kver"
	show_log "$work/dkms.log"
	cat "$work/dkms/uaccel/$version/build/make.log" 2> /dev/null | tail -n 30 | sed 's/^/#   /'
fi
built=$work/dkms/uaccel/$version/$kver/$(uname -m)/module
moddir=$root/lib/modules/$kver/updates/dkms
mkdir -p "$moddir"
for m in uaccel_core uaccel_soft uaccel_edu uaccel_vcrypto; do
	ko=$built/$m.ko
	[ -f "$ko" ] || ko=$(ls "$built/$m".ko.* 2> /dev/null | head -n 1)
	if [ -n "$ko" ] && [ -f "$ko" ] &&
	   [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ]; then
		cp "$ko" "$moddir/"
		ok "DKMS built $m.ko for $kver"
	else
		not_ok "DKMS built $m.ko for $kver"
	fi
done
# uaccel_core among a module's dependencies (vcrypto's include virtio's).
depends_on_core() {
	case ",$(modinfo -F depends "$1" 2> /dev/null)," in
	*,uaccel_core,*) return 0 ;;
	esac
	return 1
}
for m in uaccel_soft uaccel_edu uaccel_vcrypto; do
	check "$m.ko depends on uaccel_core (symbols resolved in one kbuild run)" \
		depends_on_core "$moddir/$m.ko"
done

# 6. A program built against the root with pkg-config.
export PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_LIBDIR=$root/$lib/pkgconfig
flags=$(pkg-config --cflags --libs libaccel)
check "pkg-config --cflags --libs libaccel points into the root" \
	test "$(echo $flags)" = "-I$root/usr/include -L$root/$lib -laccel"
# shellcheck disable=SC2086 # the flags are words
if cc -Wall -Wextra -Werror -MD -MF "$work/example.d" -o "$work/example" \
		"$top/tests/pkg/example.c" $flags > "$work/example.log" 2>&1; then
	ok "tests/pkg/example.c builds with the flags of pkg-config"
else
	not_ok "tests/pkg/example.c builds with the flags of pkg-config"
	show_log "$work/example.log"
fi
check "the example includes the root's accel/accel.h" \
	grep -qF "$root/usr/include/accel/accel.h" "$work/example.d"
check "the example runs with the root's libaccel.so.1" sh -c \
	"LD_LIBRARY_PATH='$root/$lib' ldd '$work/example' | grep -qF '$root/$lib/libaccel.so.1'"

# The autopkgtests of debian/tests, run as autopkgtest would (from the top
# of the unpacked source, AUTOPKGTEST_TMP set) but with the root's tools,
# library and pkg-config file, and an empty sysfs (UACCEL_SYSFS_ROOT): the
# result depends on nothing of this machine.
mkdir -p "$work/empty-sys"
for t in $(sed -n 's/^Tests: //p' "$bindir/debian/tests/control"); do
	a=$work/autopkgtest/$t
	mkdir -p "$a/tmp"
	(cd "$bindir" && env PATH="$root/usr/bin:$PATH" LD_LIBRARY_PATH="$root/$lib" \
		UACCEL_SYSFS_ROOT="$work/empty-sys" AUTOPKGTEST_TMP="$a/tmp" \
		"debian/tests/$t") > "$a/stdout" 2> "$a/stderr"
	rc=$?
	# autopkgtest fails a test that writes to stderr (no allow-stderr).
	if [ $rc -eq 0 ] && [ ! -s "$a/stderr" ]; then
		ok "autopkgtest debian/tests/$t passes against the root, nothing on stderr"
	else
		not_ok "autopkgtest debian/tests/$t passes against the root, nothing on stderr (exit status $rc)"
		sed 's/^/#   /' "$a/stdout" "$a/stderr"
	fi
done
finish
