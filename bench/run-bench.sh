#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The uaccel benchmarks: install the Debian packages they need, build, boot
# the test VM (Debian's 6.1 kernel), run every benchmark and its baseline
# in that one VM run, copy the results back and print a table of ratios
# (median over repeats with min-max and IQR) marked against the targets.
# Writes results.json, results.txt, rates.png (operation rate against
# batch size) and cipher.png (AES-CBC throughput against buffer size) to
# the output directory.  See docs/performance.md.
# It also records the host: CPU model, load averages before and after the
# VM run, and the CPU time other processes used meanwhile (all busy time
# of the machine, /proc/stat, less what the VM's processes used); a run
# during which others used more than 0.1 CPU-seconds per second is marked
# as taken under load, and its table gives no verdicts.
#
# usage: bench/run-bench.sh [--smoke] [--build DIR] [--out DIR] [-- BENCH-OPTIONS]
#   --smoke      tiny counts, every path exercised, TAP lines
#                ("ok - bench: smoke ...") about the shape of the results
#   --build DIR  CMake build tree (default: build)
#   --out DIR    results (default: BUILD/bench-results, or BUILD/bench-smoke)
#   BENCH-OPTIONS  passed to uaccel-bench (--repeats N, --sample-ms N,
#                  --scale C,O,R, or group names: control floor rates copy
#                  scale cipher)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
out=""
smoke=0
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1; shift ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) sed -n '4,24p' "$0" >&2; exit 2 ;;
	esac
done
if [ -z "$out" ]; then
	[ $smoke -eq 1 ] && out=$build/bench-smoke || out=$build/bench-results
fi

tap() { # tap ok|"not ok" WHAT
	[ $smoke -eq 1 ] && echo "$1 - bench: smoke $2"
	return 0
}
fail() {
	tap "not ok" "$1"
	echo "run-bench: $1" >&2
	exit 1
}

# Packages: the test dependencies, and the baselines' libraries and tools.
"$top/tests/deps.sh" || fail "install the Debian packages"
pkgs=(liburing-dev libibverbs-dev libssl-dev rdma-core ibverbs-providers iproute2 gnuplot-nox)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "run-bench: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}"; } ||
		fail "install ${missing[*]}"
fi

mkdir -p "$build"
build=$(cd "$build" && pwd)
if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$build" -DUACCEL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		> "$build/configure.log" 2>&1 || { cat "$build/configure.log"; fail "configure"; }
fi
cmake --build "$build" -j"$(nproc)" > "$build/bench-build.log" 2>&1 ||
	{ tail -n 40 "$build/bench-build.log"; fail "build"; }
[ -x "$build/bench/uaccel-bench" ] || fail "build (no uaccel-bench)"
tap ok "build"

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
args=()
[ $smoke -eq 1 ] && args+=(--smoke)
timeout=3600
[ $smoke -eq 1 ] && timeout=150
# Busy jiffies of the whole machine (user nice system irq softirq steal).
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# CPU seconds of this shell's finished children (the VM run) from the
# output of times, which must run in this shell: a subshell has no children.
children_cpu() { awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } print s }' "$1"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "run-bench: booting the test VM (load average $load_before)"
start=$(date +%s.%N)
busy0=$(busy_ticks)
times > "$out/times0"
"$top/tests/vm/run-vm.sh" -o "$out/vm" -t "$timeout" -- \
	"$top/bench/vm-bench.sh" "$build" "${args[@]}" "${extra[@]}"
vmrc=$?
busy1=$(busy_ticks)
times > "$out/times1"
child0=$(children_cpu "$out/times0")
child1=$(children_cpu "$out/times1")
end=$(date +%s.%N)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$out/host.json" "$load_before" "$load_after" "$start" "$end" \
	"$busy0" "$busy1" "$child0" "$child1" "$(getconf CLK_TCK)" <<'PY'
import json, sys
path, lb, la, t0, t1, b0, b1, c0, c1, hz = sys.argv[1:]
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
              if l.startswith("model name")), "unknown")
cpus = sum(1 for l in open("/proc/cpuinfo") if l.startswith("processor"))
wall = float(t1) - float(t0)
others = (int(b1) - int(b0)) / int(hz) - (float(c1) - float(c0))
json.dump({"cpu_model": model, "cpus": cpus,
           "loadavg_before": [float(x) for x in lb.split()],
           "loadavg_after": [float(x) for x in la.split()],
           "wall_s": round(wall, 1),
           "other_cpu": round(max(others, 0) / wall, 3) if wall > 0 else 0},
          open(path, "w"), indent=1)
PY
echo "run-bench: VM run took $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')s (status $vmrc; logs in $out/vm)"
[ $vmrc -eq 0 ] || { grep -E 'uaccel-bench|vm-bench' "$out/vm/console.log" | tail -n 20 >&2
		     fail "VM run (status $vmrc)"; }
tap ok "VM run"
[ -s "$out/vm/raw.jsonl" ] || fail "raw results written"
cp "$out/vm/raw.jsonl" "$out/raw.jsonl"

check=()
[ $smoke -eq 1 ] && check=(--check)
python3 "$top/bench/analyze.py" "$out/raw.jsonl" --json "$out/results.json" \
	--table "$out/results.txt" --plot "$out/rates.png" \
	--cipher-plot "$out/cipher.png" --host "$out/host.json" "${check[@]}"
rc=$?
echo "run-bench: results in $out (results.json, results.txt, rates.png, cipher.png)"
exit $rc
