#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Static checks of the kernel code: checkpatch --strict on every kernel and
# uAPI source file, and sparse (C=2) over the modules.  Prints one TAP-style
# result line per check.  usage: lint.sh BUILD_DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
kdir=$(sed -n 's/^UACCEL_KERNEL_DIR:PATH=//p' "$build/CMakeCache.txt")
rc=0

# checkpatch.pl and its data files, from Debian's linux-source-6.1.
cp_dir=/var/cache/uaccel/checkpatch/linux-source-6.1/scripts
if [ ! -x "$cp_dir/checkpatch.pl" ]; then
	mkdir -p /var/cache/uaccel/checkpatch
	tar -xf /usr/src/linux-source-6.1.tar.xz -C /var/cache/uaccel/checkpatch \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi

cd "$top"
for f in $(git ls-files 'kernel/*.[ch]' 'include/uapi/*.h'); do
	if out=$("$cp_dir/checkpatch.pl" --strict --no-tree -q -f "$f" 2>&1); then
		echo "ok - lint: checkpatch --strict $f"
	else
		echo "not ok - lint: checkpatch --strict $f"
		echo "$out" | sed 's/^/#   /'
		rc=1
	fi
done

# sparse: rebuild every object with C=2 and fail on any diagnostic.  Kbuild
# takes no path with white space: such a build tree is reached through a
# link without any (as kernel/modules.cmake does).
kbuild=$build/kbuild
case $kbuild in
*[[:space:]]*)
	link=/tmp/uaccel-kbuild-$(printf '%s' "$kbuild" | md5sum | cut -c1-32)
	ln -sfn "$kbuild" "$link"
	kbuild=$link ;;
esac
if out=$(make -s -C "$kdir" M="$kbuild/kernel" C=2 modules 2>&1 |
	 grep -E ': (warning|error):'); then
	echo "not ok - lint: sparse"
	echo "$out" | sed 's/^/#   /'
	rc=1
else
	echo "ok - lint: sparse"
fi
exit $rc
