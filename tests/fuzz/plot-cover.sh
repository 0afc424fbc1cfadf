#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Coverage over time of a KCOV run of tests/fuzz/run-fuzz.sh: the PCs of the
# uaccel modules (edges: each is a __sanitizer_cov_trace_pc call site)
# reached, from the fuzzer's progress lines every 10 s, against the
# instrumented edges of the modules loaded in the run.
# usage: plot-cover.sh OUT_DIR
#   OUT_DIR  run-fuzz.sh's output (fuzz-root.log, fuzz-nobody.log,
#            kcov-sites.txt); writes OUT_DIR/coverage-time.dat (minute,
#            phase, programs run, edges reached) and, with gnuplot,
#            OUT_DIR/coverage.png
set -euo pipefail
out=$1
dat=$out/coverage-time.dat
# The root phase first, the nobody phase after it (its own coverage set:
# a separate uaccel-fuzz process, starting from nothing).
offset=0
echo "# minute phase programs edges" > "$dat"
for who in root nobody; do
	log=$out/fuzz-$who.log
	[ -r "$log" ] || continue
	awk -v who="$who" -v off="$offset" '
		BEGIN { printf "%.2f %s 0 0\n", off / 60, who }
		/^uaccel-fuzz: [0-9]+s: .* PCs[ ,]/ {
			t = $2; sub(/s:$/, "", t)
			for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^PCs,?$/) pcs = $i
			printf "%.2f %s %s %s\n", (off + t) / 60, who, $3, pcs
		}
		/^uaccel-fuzz: done: / {
			t = $6; sub(/s$/, "", t)
			for (i = 1; i <= NF; i++) if ($(i + 1) == "PCs") pcs = $i
			printf "%.2f %s %s %s\n", (off + t) / 60, who, $3, pcs
		}' "$log" >> "$dat"
	t=$(sed -n 's/^uaccel-fuzz: done: [0-9]* execs in \([0-9]*\)s.*/\1/p' "$log")
	offset=$((offset + ${t:-0}))
done
# The edges of the modules the run loads (uaccel_edu is not): all call sites.
total=$(awk '/uaccel_(core|soft)\.ko:/ { n += $3 } END { print n + 0 }' "$out/kcov-sites.txt")
echo "# instrumented edges of uaccel_core and uaccel_soft: $total" >> "$dat"
command -v gnuplot > /dev/null || { echo "plot-cover: no gnuplot, no plot" >&2; exit 0; }
gnuplot <<EOF
set terminal pngcairo size 900,500 font ",10" noenhanced
set output "$out/coverage.png"
set title "uaccel-fuzz with KCOV: edges of uaccel_core and uaccel_soft reached"
set xlabel "minutes"
set ylabel "edges (KCOV call sites)"
set xrange [0:*]
set yrange [0:$total * 1.08]
set key bottom right
set grid
plot "< grep ' root ' $dat" using 1:4 with lines lw 2 title "as root (sysfs writes)", \
     "< grep ' nobody ' $dat" using 1:4 with lines lw 2 title "as nobody (new coverage set)", \
     $total with lines dt 2 lc rgb "black" title "instrumented edges ($total)"
EOF
