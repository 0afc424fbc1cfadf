#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The main job: install what is needed, build everything, boot the test VM
# (Debian's 6.1 kernel under QEMU), load the modules, show the devices and
# run the demo program in the guest.
#
# usage: tools/run-demo.sh [--build DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
[ "${1:-}" = "--build" ] && build=$2

"$top/tests/deps.sh"
cmake -S "$top" -B "$build" > /dev/null
cmake --build "$build" -j"$(nproc)" > "$build/demo-build.log" 2>&1 ||
	{ tail -n 40 "$build/demo-build.log"; exit 1; }
echo "demo: built; booting the test VM (QEMU, software emulation)"
# -Q: the QMP mailbox, through which the guest hot-unplugs edu0.
"$top/tests/vm/run-vm.sh" -v -Q -o "$build/vm-demo" -t 600 -- \
	"$top/tools/demo-guest.sh" "$build"
