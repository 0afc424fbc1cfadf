#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) a released uaccel for the compatibility tests (docs/abi.md):
# its libaccel, providers, tools, its in-VM QUERY_DEVICE test and its modules
# for Debian's 6.1 kernel and, with -d, for the debug kernel, plus the
# compatibility client (tests/compat/compat_client.c: the release's own copy
# when it has one, else this tree's) compiled against the release's headers
# and linked with the release's libaccel.
#
# The release is named in tests/compat/releases ("RELEASE COMMIT"): its tag
# when this clone has it, else the commit.  Its tree is extracted with
# git archive into the cache (never a work tree), built with the cmake
# invocation of the release's own test command (without -Werror and the
# 32-bit build, which the compatibility tests do not need), and marked done
# for that commit, kernels and compiler: the next run only prints the
# directory.  The directory (on stdout) holds:
#   build/libaccel/libaccel.so.1  build/providers/  build/tools/
#   build/tests/vm_query          build/kbuild/kernel/  [build/kbuild-debug/kernel/]
#   client/compat_client          release  (the name)  commit
#   modules-<kernel release>  (links to the modules for that kernel)
#
# usage: build-release.sh [-b BUILD] [-d DEBUG_KERNEL_TREE] [-k KERNEL_DIR] [RELEASE]
#   -b  take the kernels of this CMake build tree (its UACCEL_KERNEL_DIR and
#       UACCEL_DEBUG_KERNEL_DIR)
#   -d  also build the modules for this kernel tree (the debug kernel;
#       default: $UACCEL_DEBUG_KERNEL_DIR)
#   -k  kernel build tree of the stock modules (default: newest Debian 6.1
#       linux-headers, as kernel/CMakeLists.txt picks)
#   RELEASE  a release of tests/compat/releases (default: the last one)
# Cache: UACCEL_COMPAT_CACHE (default /var/cache/uaccel/compat)/<commit>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# Bump when the recipe below changes what is built.
recipe=1

debug_tree=${UACCEL_DEBUG_KERNEL_DIR:-} kdir=""
cache_var() { sed -n "s|^$1:PATH=||p" "$2/CMakeCache.txt"; }
while getopts "b:d:k:" opt; do
	case $opt in
	b)
		[ -f "$OPTARG/CMakeCache.txt" ] || { echo "build-release: $OPTARG is no CMake build tree" >&2; exit 2; }
		kdir=$(cache_var UACCEL_KERNEL_DIR "$OPTARG")
		debug_tree=$(cache_var UACCEL_DEBUG_KERNEL_DIR "$OPTARG") ;;
	d) debug_tree=$OPTARG ;;
	k) kdir=$OPTARG ;;
	*) sed -n '22,29p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
die() { echo "build-release: $*" >&2; exit 1; }

releases=$here/releases
if [ $# -gt 0 ]; then
	line=$(awk -v r="$1" '!/^#/ && $1 == r' "$releases")
else
	line=$(awk '!/^#/ && NF' "$releases" | tail -n 1)
fi
[ -n "$line" ] || die "no release ${1:-at all} in $releases"
read -r release commit _ <<< "$line"

# The tag when the clone has it, else the listed commit.
cd "$top"
git rev-parse --git-dir > /dev/null 2>&1 ||
	die "$top is not a git clone: the release $release cannot be extracted"
if sha=$(git rev-parse -q --verify "refs/tags/$release^{commit}"); then
	src_rev="tag $release"
	[ "$sha" = "$commit" ] ||
		echo "build-release: tag $release is $sha, not $commit as $releases says; using the tag" >&2
elif sha=$(git rev-parse -q --verify "$commit^{commit}"); then
	src_rev="commit $commit (no tag $release in this clone)"
else
	die "neither the tag $release nor its commit $commit is in the clone at $top: fetch the tags and main's history (git fetch --tags origin main), or fix $releases"
fi

if [ -z "$kdir" ]; then
	kdir=$(ls -1dv /lib/modules/6.1.*-amd64/build 2>/dev/null | tail -n 1)
	[ -n "$kdir" ] || die "no Debian 6.1 kernel headers (apt-get install linux-headers-amd64)"
fi
kdir=$(realpath -e "$kdir")
# The release of a kernel tree, as uname -r and the modules' vermagic say.
krel() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null |
		grep . || echo unknown
}
[ -z "$debug_tree" ] || debug_tree=$(realpath -e "$debug_tree")
key="recipe $recipe; commit $sha; kernel $kdir $(krel "$kdir")"
[ -z "$debug_tree" ] || key="$key; debug kernel $debug_tree $(krel "$debug_tree")"
key="$key; $(${CC:-cc} --version | head -n 1)"

cache=${UACCEL_COMPAT_CACHE:-/var/cache/uaccel/compat}
dir=$cache/$sha
mkdir -p "$cache"
# One builder per release at a time; a second one waits and then reuses it.
exec 9>"$cache/$sha.lock"
flock 9

if [ "$(cat "$dir/done" 2>/dev/null)" != "$key" ]; then
	echo "build-release: building $release from $src_rev in $dir" >&2
	rm -rf "$dir"
	mkdir -p "$dir/src"
	git archive "$sha" | tar -x -C "$dir/src"
	echo "$release" > "$dir/release"
	echo "$sha" > "$dir/commit"
	log=$dir/build.log
	{
		# The release's own test command configures so (tests/run-tests.sh).
		cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
			-DUACCEL_WERROR=OFF -DUACCEL_M32_TESTS=OFF \
			-DUACCEL_KERNEL_DIR="$kdir" -DUACCEL_DEBUG_KERNEL_DIR="$debug_tree" &&
		targets=$(cmake --build "$dir/build" --target help | sed -n 's/^\.\.\. \([^ ]*\).*/\1/p')
	} > "$log" 2>&1 || { tail -n 30 "$log" >&2; die "configuring $release failed (log: $log)"; }
	want=(accel accel-soft accelinfo accel-demo accel-factorial modules)
	[ -z "$debug_tree" ] || want+=(modules_debug)
	for t in "${want[@]}"; do
		grep -qx -- "$t" <<< "$targets" || die "$release has no build target $t"
	done
	# What the release had of these (later releases may add or drop some).
	for t in accel-edu vm_query; do
		grep -qx -- "$t" <<< "$targets" && want+=("$t")
	done
	cmake --build "$dir/build" -j"$(nproc)" --target "${want[@]}" >> "$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "building $release failed (log: $log)"; }
	echo "$key" > "$dir/done"
fi

# The modules by the release of the kernel they are for (uname -r).
rm -f "$dir"/modules-*
ln -s build/kbuild/kernel "$dir/modules-$(krel "$kdir")"
[ -z "$debug_tree" ] || ln -s build/kbuild-debug/kernel "$dir/modules-$(krel "$debug_tree")"

# The compatibility client of the release: built against its headers and
# libaccel, so it binds to the symbol versions the release exported.
client_src=$dir/src/tests/compat/compat_client.c
[ -f "$client_src" ] || client_src=$here/compat_client.c
client_key="$(sha256sum < "$client_src") $key"
if [ "$(cat "$dir/client/done" 2>/dev/null)" != "$client_key" ]; then
	rm -rf "$dir/client"
	mkdir -p "$dir/client"
	${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
		-I"$dir/src/include" -I"$dir/src/include/uapi" \
		-o "$dir/client/compat_client" "$client_src" \
		-L"$dir/build/libaccel" -laccel -lcmocka ||
		die "building the compatibility client against $release failed"
	echo "$client_key" > "$dir/client/done"
fi
echo "$dir"
