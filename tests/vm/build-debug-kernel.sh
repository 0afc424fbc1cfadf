#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) the debug test kernel: KASAN, lockdep, kmemleak, DEBUG_OBJECTS,
# failslab, from Debian's linux-source-6.1 with tinyconfig plus
# tests/vm/debug-kernel.config.  The tree is cached outside the work tree,
# keyed by the fragment and the source package version, and printed on
# stdout: <tree>/arch/x86/boot/bzImage is the kernel, and out-of-tree modules
# build against <tree> with M=.
#
# usage: build-debug-kernel.sh [EXTRA_FRAGMENT CACHE_DIR]
#   EXTRA_FRAGMENT  a Kconfig fragment merged after debug-kernel.config (such
#                   as tests/fuzz/kcov-kernel.config); it joins the cache key
#   CACHE_DIR       where that variant is cached, apart from the debug kernel
#                   (whose cache this script prunes of other keys)
# Without arguments the key and the cache are those of the debug kernel.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug-kernel.config
extra=${1:-}
if [ -n "$extra" ]; then
	[ $# -eq 2 ] || { echo "build-debug-kernel: an extra fragment needs its own cache directory" >&2; exit 2; }
	extra=$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")
	[ -r "$extra" ] || { echo "build-debug-kernel: $extra missing" >&2; exit 2; }
fi
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "build-debug-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 2; }

ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
if [ -n "$extra" ]; then
	key=$( (cat "$frag" "$extra"; echo "$ver") | sha256sum | cut -c1-16)
	cache=$2
else
	key=$( (cat "$frag"; echo "$ver") | sha256sum | cut -c1-16)
	cache=${UACCEL_KERNEL_CACHE:-/var/cache/uaccel/debug-kernel}
fi
tree=$cache/$key/linux

# Module.symvers comes from modpost over vmlinux ("make modules"); without it
# every out-of-tree module link warns about unresolved symbols.
symvers() {
	[ -s "$tree/Module.symvers" ] || make -C "$tree" -j"$(nproc)" -s modules >&2
}

if [ -e "$cache/$key/done" ]; then
	symvers
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
# Only one builder at a time; a second one waits and then reuses the result.
exec 9>"$cache/lock"
flock 9
if [ -e "$cache/$key/done" ]; then
	echo "$tree"
	exit 0
fi

# Drop trees of older fragments or source versions.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
rm -rf "$cache/$key"
mkdir -p "$cache/$key"
echo "build-debug-kernel: extracting linux-source $ver" >&2
tar -xf "$tarball" -C "$cache/$key"
mv "$cache/$key"/linux-source-6.1 "$tree"

cd "$tree"
{
	make -s tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$frag" ${extra:+"$extra"}
	make -s olddefconfig
} >&2
# Every option of the fragments (the extra one's value where both set it)
# must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) opt=${line%%=*}
		grep -q "^$opt=" .config && { echo "build-debug-kernel: $opt should be off" >&2; missing=1; } ;;
	CONFIG_*=*) grep -qx "$line" .config || { echo "build-debug-kernel: $line did not stick" >&2; missing=1; } ;;
	esac
done < <(cat "$frag" ${extra:+"$extra"} |
	awk -F= '/^CONFIG_/ { if (!($1 in v)) k[n++] = $1; v[$1] = $0 } END { for (i = 0; i < n; i++) print v[k[i]] }')
[ $missing -eq 0 ] || exit 1

echo "build-debug-kernel: building bzImage (takes several minutes)" >&2
make -j"$(nproc)" -s bzImage modules_prepare >&2
symvers
touch "$cache/$key/done"
echo "$tree"
