#!/bin/bash
# bench_gc.sh -- `make bench`'s collector table: GCBench and binary-trees on our heap (nursery
# 256 KiB, 1 MiB, 4 MiB at the default pause goal of 100 us, and 256 KiB without a goal) beside
# the same program on the Boehm collector, then the allocation rate per CPU with 1, 2 and 4 CPUs
# each churning its own heap (tests/bench/gcbench.c), then the pacer against pause goals of 25-500 us
# (build/bench/gc-pacer.csv and .svg: p99 and throughput against the goal).
# Single-CPU runs are repeated REPS times (default 3) and the median by time is kept; checksums
# must agree between the two collectors. Writes build/bench/gcbench.csv (every run in
# build/bench/gcbench-runs.csv).
#   REPS=n  ALLOC_SECS=s (default 2)  BT_DEPTH=d (binary-trees, default 16)
#   PACER_GOALS="25 50 100 200 500" (us)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
reps=${REPS:-3}
secs=${ALLOC_SECS:-2}
depth=${BT_DEPTH:-16}
ours=$out/gcbench_ours
boehm=$out/gcbench_boehm
for b in "$ours" "$boehm"; do
	[ -x "$b" ] || { echo "bench_gc: $b missing (make $b)"; exit 1; }
done
csv=$out/gcbench.csv
runs=$out/gcbench-runs.csv
header=$(GCBENCH_HEADER=1 "$boehm" alloc 1 0.01 | head -n 1)
echo "$header" > "$runs"
echo "$header" > "$csv"
ncores=$(nproc)
boehm_info=$(GCBENCH_VERBOSE=1 "$boehm" alloc 1 0.01 2>&1 >/dev/null)
load=$(cut -d' ' -f1 /proc/loadavg)

# median of REPS runs of one single-threaded configuration, by time_ms (column 6)
median() {
	local tmp
	tmp=$(mktemp)
	for _ in $(seq "$reps"); do
		"$@" >> "$tmp"
	done
	cat "$tmp" >> "$runs"
	sort -t, -k6,6g "$tmp" | sed -n "$(( (reps + 1) / 2 ))p" >> "$csv"
	rm -f "$tmp"
}

# ours at the default settings (the pause goal of 100 us, the nursery at most 256 KiB, 1 or 4 MiB),
# and without a goal at 256 KiB (the default before issue 13: the nursery used whole), the
# baseline of the throughput goal
for n in 256 1024 4096; do median "$ours" gcbench "$n"; done
GCBENCH_PAUSE_US=0 median "$ours" gcbench 256
median "$boehm" gcbench
for n in 256 1024 4096; do median "$ours" binarytrees "$depth" "$n"; done
GCBENCH_PAUSE_US=0 median "$ours" binarytrees "$depth" 256
median "$boehm" binarytrees "$depth"
for t in 1 2 4; do
	"$ours" alloc "$t" "$secs" | tee -a "$runs" >> "$csv"
	"$boehm" alloc "$t" "$secs" | tee -a "$runs" >> "$csv"
done

# the pacer against its goal: GCBench and binary-trees with a 1 MiB nursery at most, goals
# PACER_GOALS (us), one run each in this run; build/bench/gc-pacer.csv and .svg
pacer=$out/gc-pacer.csv
for g in ${PACER_GOALS:-25 50 100 200 500}; do
	GCBENCH_PAUSE_US=$g median "$ours" gcbench 1024
	GCBENCH_PAUSE_US=$g median "$ours" binarytrees "$depth" 1024
done
# the median rows of the sweep are the last ones appended to the csv: take them back out
{
	echo "bench,goal_us,pause_p50_us,pause_p99_us,pause_max_us,minor_p99_us,minor_max_us,major_max_us,time_ms,mb_s,collections,promoted_mb"
	tail -n $((2 * $(echo ${PACER_GOALS:-25 50 100 200 500} | wc -w))) "$csv" |
		awk -F, '{ print $1 "," $29 "," $14 "," $15 "," $16 "," $20 "," $21 "," $24 "," $6 "," $9 "," $11 "," $28 }'
} > "$pacer"
head -n -$((2 * $(echo ${PACER_GOALS:-25 50 100 200 500} | wc -w))) "$csv" > "$csv.tmp" && mv "$csv.tmp" "$csv"
if command -v gnuplot > /dev/null; then
	gnuplot > /dev/null 2> "$out/gc-pacer.err" <<-EOF || echo "bench_gc: gnuplot failed: $(cat "$out/gc-pacer.err")"
	set terminal svg size 900,520 dynamic font 'sans,11' background '#ffffff'
	set output '$out/gc-pacer.svg'
	set datafile separator ','
	set title 'the pause goal: pause p99 (allocation calls that collected) and throughput, hosted, $(nproc) cores'
	set logscale xy; set xlabel 'pause goal (us)'; set ylabel 'pause (us)'; set grid
	set y2label 'MB allocated per second'; set y2tics; set ytics nomirror; set key top left
	set xrange [15:800]
	plot x with lines dt 2 lc rgb '#888888' title 'goal', \
	  '$pacer' using (strcol(1) eq 'gcbench' ? \$2 : NaN):4 with linespoints pt 7 lc rgb '#1f77b4' title 'GCBench p99', \
	  '' using (strcol(1) eq 'binarytrees' ? \$2 : NaN):4 with linespoints pt 5 lc rgb '#ff7f0e' title 'binary-trees p99', \
	  '' using (strcol(1) eq 'gcbench' ? \$2 : NaN):10 axes x1y2 with linespoints dt 3 pt 6 lc rgb '#1f77b4' title 'GCBench MB/s', \
	  '' using (strcol(1) eq 'binarytrees' ? \$2 : NaN):10 axes x1y2 with linespoints dt 3 pt 4 lc rgb '#ff7f0e' title 'binary-trees MB/s'
	EOF
fi

# the collectors must have computed the same thing
for bench in gcbench binarytrees; do
	n=$(awk -F, -v b="$bench" '$1 == b { print $26 }' "$csv" | sort -u | wc -l)
	[ "$n" = 1 ] || { echo "bench_gc: $bench checksums differ between runs:"; grep "^$bench," "$csv"; exit 1; }
done
awk -F, '$1 == "alloc" && $26 != 1 { bad = 1 } END { exit bad }' "$csv" ||
	{ echo "bench_gc: an alloc run found a damaged list"; exit 1; }

echo "collectors on the host ($ncores cores, load average $load at the start; median of $reps for single-CPU runs)"
[ "$(awk -v l="$load" 'BEGIN { print (l > 0.5) }')" = 1 ] &&
	echo "  note: the host was busy: wall-clock pauses include time the core was taken away; the cpu columns do not"
printf '%-11s %-5s %6s %4s %3s %3s %8s %7s %7s %7s %6s %4s %7s %8s %8s %8s %8s %8s %6s %6s\n' \
	bench impl nurKiB goal thr cpu time_ms Mobj/s Mobj/cs MB/s GCs maj gc_ms p50_us p99_us max_us \
	cpu99_us cpumx_us heapMB promMB
awk -F, 'NR > 1 {
	printf "%-11s %-5s %6s %4s %3s %3s %8s %7s %7.2f %7.0f %6s %4s %7s %8s %8s %8s %8s %8s %6s %6s\n",
		$1, $2, $3, $29, $4, $5, $6, $10, $7 / 1000 / $27, $9, $11, $12, $13, $14, $15, $16, $17,
		$18, $25, $28
}' "$csv"
echo "ours: goal = the pause goal in us (0: none, the whole nursery every time; nurKiB is then the"
echo "  nursery, else the most the pacer may use); GCs = minor collections, maj = major cycles;"
echo "  pauses = allocation calls that collected"
echo "  (a minor collection plus any major steps it paid for), exact percentiles; minor/major pause"
echo "  histograms (log2 buckets) in $csv. boehm: GCs = full stop-the-world collections, pauses ="
echo "  GC_EVENT_START..END (stop, mark, restart, sweep setup; the lazy sweep runs inside later"
echo "  allocations). cpu99/cpumx: the same pauses in CPU time of the collecting thread."
echo "  Mobj/s: nodes per second of wall time; Mobj/cs: per second of the thread's own CPU time."
echo "  promMB: bytes promoted by minor collections (ours)."
echo "  $boehm_info (defaults: GC_MARKERS not set)"
echo "  Nodes: ours 24 B (header + 2 fields), boehm $(awk -F, '$2 == "boehm" && $1 == "gcbench" { printf "%.0f", $8 / $7 }' "$csv") B (GC_size of a 16-byte object)."
[ "$ncores" -lt 4 ] && echo "  alloc with 4 threads runs $ncores cores: overcommitted, per-CPU rates share cores"
echo
echo "the pause goal (ours, nursery at most 1 MiB, median of $reps): p99 and max of the allocation calls that collected"
printf '%-11s %7s %8s %8s %8s %8s %8s %8s %7s %5s %6s\n' bench goal_us p50_us p99_us max_us minor99 minormx majormx time_ms MB/s promMB
awk -F, 'NR > 1 { printf "%-11s %7s %8s %8s %8s %8s %8s %8s %7s %5.0f %6s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12 }' "$pacer"
echo "wrote $csv, $pacer, $out/gc-pacer.svg"
