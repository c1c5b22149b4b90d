#!/bin/bash
# bench_pauses.sh [--quick] -- `make bench`'s GC pause benchmark (issue 6): the workloads of
# tests/bench/gc/ (each a thread on every CPU) booted in QEMU at SMP=1, 2, 4 and 8, in the
# `percore` and the `global` (stop-the-world) collection mode (boot option gc=), one boot per
# workload x SMP x mode. Writes build/bench/gc-pauses.csv (SPEC.md: one row per mode, SMP, CPU,
# the workloads together), gc-pauses-workloads.csv (the same per workload), gc-pauses.svg (the
# pause distribution per CPU, one panel per mode) and gc-pauses.txt (machine, accelerator,
# commit, the table, the goals); prints the table. Exit status 1 if a boot failed.
#   --quick      one workload, SMP 1 and 2, small scale, into build/bench/quick/; checks that
#                every CSV row is filled (a test of this script, not a measurement)
#   ACCEL=auto|kvm|tcg  PAUSES_KERNEL=elf (default: the DEBUG=0 kernel make bench-pauses builds)
#   PAUSES_SCALE=n (work per CPU, default 10)  PAUSES_SMPS="1 2 4 8"  PAUSES_MODES="percore global"
#   PAUSES_WORKLOADS="binary-trees gcold pingpong prodcons ring xcycles"  PAUSES_TIMEOUT=s (per boot)
#   PAUSES_COMMIT=what to report as the commit (a run in a tree exported by git archive)
#   PAUSES_REPS=n: SMP=1 boots for the throughput comparison, best of n (default 3; the first is
#   the measured run, the others only timed)
#   PAUSES_TARGET=arm: the same workloads on the ARM kernel (QEMU virt, TCG), files under
#   build/bench/arm/ (make bench ARCH=arm)
#   PAUSES_TARGET=host: the same workloads on the hosted build (PAUSES_LISP, default
#   build/host/lisp, --cpus N --gc MODE; real cores, CPUs as threads; SMP 1 2 4 by default, 4
#   overcommitting a 2-core machine) into gc-pauses-host.csv, -host-workloads.csv, -host.svg and
#   -host.txt (SPEC.md); the host's cycles are nanoseconds
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
src=tests/bench/gc
quick=0
[ "${1:-}" = --quick ] && quick=1
if [ $quick = 1 ]; then
	out=build/bench/quick
	scale=${PAUSES_SCALE:-1}
	smps=${PAUSES_SMPS:-"1 2"}
	workloads=${PAUSES_WORKLOADS:-"binary-trees"}
else
	out=build/bench
	scale=${PAUSES_SCALE:-10}
	smps=${PAUSES_SMPS:-"1 2 4 8"}
	workloads=${PAUSES_WORKLOADS:-"binary-trees gcold pingpong prodcons ring xcycles remset"}
fi
modes=${PAUSES_MODES:-"percore global"}
target=${PAUSES_TARGET:-kernel}
# PAUSES_TARGET=arm: the ARM kernel on QEMU virt (TCG), the same files under build/bench/arm/
[ "$target" = arm ] && out=${out/build\/bench/build\/bench\/arm}
sfx=
if [ "$target" = host ]; then
	sfx=-host
	[ $quick = 1 ] || smps=${PAUSES_SMPS:-"1 2 4"}
	# the count tables' workload (issue 13, point 4): 200000 entries a heap at scale 10, hosted
	[ $quick = 1 ] || workloads=${PAUSES_WORKLOADS:-"$workloads xtable"}
	lisp=${PAUSES_LISP:-build/host/lisp}
	[ -x "$lisp" ] || { echo "bench_pauses: no $lisp (make $lisp)"; exit 1; }
fi
timeout_s=${PAUSES_TIMEOUT:-150}
if [ "$target" = arm ]; then
	kernel=${PAUSES_KERNEL:-build/arm/kernel.elf}
else
	kernel=${PAUSES_KERNEL:-build/bench/kernel/x86/kernel.elf}
	[ -f "$kernel" ] || kernel=build/x86/kernel.elf
fi
[ "$target" = host ] || [ -f "$kernel" ] || { echo "bench_pauses: no kernel (make bench-pauses builds one)"; exit 1; }
command -v gnuplot > /dev/null || { echo "bench_pauses: gnuplot is needed (scripts/deps.sh bench)"; exit 1; }
accel=$(scripts/accel.sh "${ACCEL:-auto}" 2>/dev/null)
accel_note=$(scripts/accel.sh "${ACCEL:-auto}" 2>&1 > /dev/null | sed 's/^note: //')
logs=$out/pauses$sfx
mkdir -p "$logs"
csv=$out/gc-pauses$sfx.csv
raw=$logs/raw.txt
: > "$raw"
start=$(date +%s)

# the machine, the accelerator and the commit, for the report
model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (dirty)"
commit=${PAUSES_COMMIT:-$commit}	# for a run from an exported tree
kdebug="DEBUG=0"
load=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$target" = host ]; then
	where="hosted build (real cores)"
	accel=host
	accel_note=
	grep -aq "gc_verify failed before minor" "$lisp" && kdebug="DEBUG=1 (debug checks on)"
	what="program: $lisp ($kdebug), default pause goal"
else
	where="QEMU $accel"
	[ "$target" = arm ] && where="QEMU tcg, ARM virt (Cortex-A15)" accel=tcg accel_note=
	grep -aq "gc_verify failed before minor" "$kernel" && kdebug="DEBUG=1 (debug checks on)"
	what="kernel: $kernel ($kdebug)"
fi
header="GC pauses per CPU: $where, SMP $smps, modes $modes, scale $scale; workloads: $workloads
  host: ${model:-unknown} x $(nproc) cores (SMP above $(nproc) overcommits), load average $load at the start
  $what, commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC')${accel_note:+
  accelerator: $accel_note}"
echo "$header"
[ "$accel" = tcg ] && echo "  note: TCG emulates the guest: pauses are in host time of emulated code; compare ratios, not absolutes"

# the kernel's machine (the rest of the QEMU line is the same for both)
if [ "$target" = arm ]; then
	qemu=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -semihosting-config enable=on,target=native)
else
	qemu=(qemu-system-i386 -accel "$accel" -device isa-debug-exit,iobase=0xf4,iosize=4)
fi

# boot MODE SMP WORKLOAD [FILE]: one boot; appends its RESULT/HIST lines to FILE (default $raw)
# with mode, SMP and the kernel's cycle clock in kHz in front; false if it failed
failed=0
boot() {
	local mode=$1 smp=$2 w=$3 to=${4:-$raw} log=$logs/$1-smp$2-$3${4:+-timed}.log status t0 khz
	{ echo "(define bench-scale $scale)"; cat "$src/common.scm" "$src/$w.scm"; } > "$logs/$w.in"
	t0=$(date +%s%N)
	status=0
	if [ "$target" = host ]; then
		timeout "$timeout_s" "$lisp" --cpus "$smp" --gc "$mode" "$logs/$w.in" > "$log" 2>&1 ||
			status=$?
		khz=1000000	# the host's cycles are nanoseconds
	else
		printf '\004' >> "$logs/$w.in"
		timeout "$timeout_s" "${qemu[@]}" -smp "$smp" -m 256 -display none -no-reboot \
			-kernel "$kernel" -append "repl=quiet gc=$mode" -serial stdio < "$logs/$w.in" \
			> "$log" 2>&1 || status=$?
		khz=$(sed -n 's/^clock: \([0-9]*\) kHz.*/\1/p' "$log" | head -n 1)
	fi
	printf '  %-8s SMP=%s %-13s %6d ms' "$mode" "$smp" "$w" $((($(date +%s%N) - t0) / 1000000))
	if [ "$status" -ne 0 ] || [ -z "$khz" ] || ! grep -aq "^CHECK $w ok" "$log"; then
		[ "$status" = 124 ] && echo " FAILED: timed out after ${timeout_s}s ($log)" ||
			echo " FAILED: status $status, check: $(grep -a "^CHECK\|^error" "$log" | head -n 2 | tr '\n' ' ') ($log)"
		failed=1
		return 1
	fi
	echo
	sed -n "s/^\(RESULT\|HIST\) /\1 $mode $smp $khz /p" "$log" | tr -d '\r' >> "$to"
}

echo "boots (one per workload x SMP x mode; logs in $logs):"
for smp in $smps; do
	for w in $workloads; do
		for mode in $modes; do
			boot "$mode" "$smp" "$w" || true
		done
	done
done
reps=${PAUSES_REPS:-3}
[ $quick = 1 ] && reps=1
: > "$logs/timed.txt"
case " $smps " in *" 1 "*)
	for ((k = 2; k <= reps; k++)); do
		echo "timing only, SMP=1, run $k of $reps:"
		for w in $workloads; do
			for mode in $modes; do
				boot "$mode" 1 "$w" "$logs/timed.txt" || true
			done
		done
	done ;;
esac

# Aggregate. A run's pauses are its histogram's difference (minor collections and major steps,
# buckets at most 3.1% wide: mm/heaps/heap_param.h); p50/p99 are the bucket bounds as (gc-stats)
# reports them, over every workload together; a run's max is (gc-stats)'s maximum since boot,
# capped by the run's highest bucket's bound; alloc_mb_s is the bytes allocated (10^6) over the
# runs' elapsed time, on that CPU.
# Raw lines: RESULT mode smp khz workload cpu kmode minor major bytes maxus cycles
#            HIST mode smp khz workload cpu bucket lo_ns hi_ns minor major
aggregate='
function pct(key, p,    tot, seen, b) {
	tot = npause[key]
	if (tot == 0) return 0
	seen = 0
	for (b = 0; b <= nb; b++) {
		if (!((key, b) in cnt)) continue
		seen += cnt[key, b]
		if (seen * 100 >= tot * p) return (bhi[b] < mx[key]) ? bhi[b] : mx[key]
	}
	return mx[key]
}
function both(r,    f) {	# the two keys a run adds to: (mode, smp, cpu) and with its workload
	split(r, f, SUBSEP)
	K[0] = f[2] SUBSEP f[3] SUBSEP f[4]
	K[1] = r
}
$1 == "HIST" {
	r = $5 SUBSEP $2 SUBSEP $3 SUBSEP $6
	both(r)
	for (i = 0; i < 2; i++) { cnt[K[i], $7] += $10 + $11; npause[K[i]] += $10 + $11 }
	bhi[$7] = $9 / 1000
	if ($7 > nb) nb = $7
	if ($9 / 1000 > top[r]) top[r] = $9 / 1000
}
$1 == "RESULT" {
	r = $5 SUBSEP $2 SUBSEP $3 SUBSEP $6
	runs[r] = 1
	rows[$2 SUBSEP $3 SUBSEP $6] = 1
	maxus[r] = $11
	both(r)
	for (i = 0; i < 2; i++) {
		coll[K[i]] += $8 + $9; minor[K[i]] += $8; major[K[i]] += $9
		bytes[K[i]] += $10; time[K[i]] += $12 / ($4 * 1000)
	}
	kmode[$2] = kmode[$2] (index(" " kmode[$2] " ", " " $7 " ") ? "" : " " $7)
}
function row(key) {
	return sprintf("%d,%d,%d,%d,%.1f", coll[key], pct(key, 50), pct(key, 99), mx[key],
		time[key] > 0 ? bytes[key] / 1e6 / time[key] : 0)
}
END {
	for (r in runs) {	# the max of a run: since boot, capped by its highest bucket
		m = maxus[r] < top[r] + 0 ? maxus[r] : top[r] + 0
		both(r)
		for (i = 0; i < 2; i++) if (m > mx[K[i]]) mx[K[i]] = m
	}
	for (k in rows) { split(k, f, SUBSEP); print f[1] "," f[2] "," f[3] "," row(k) > ENVIRON["AGG"] }
	for (k in runs) {
		split(k, f, SUBSEP)
		print f[1] "," f[2] "," f[3] "," f[4] "," row(k) "," minor[k] "," major[k] "," npause[k] + 0 "," \
			sprintf("%.0f", time[k] * 1000) > ENVIRON["WAGG"]
	}
	for (k in kmode) print k ":" kmode[k] > ENVIRON["KMODES"]
}'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
AGG=$tmp/agg WAGG=$tmp/wagg KMODES=$tmp/kmodes awk "$aggregate" "$raw"
touch "$tmp/agg" "$tmp/wagg" "$tmp/kmodes"
# rows in order: mode as given, SMP, CPU
order() {	# order FILE FIRST-MODE-FIELD
	local f=$1 k=$2 mode
	for mode in $modes; do
		awk -F, -v m="$mode" -v k="$k" '$k == m' "$f" | sort -t, -k$((k + 1)),$((k + 1))n -k$((k + 2)),$((k + 2))n
	done
}
{ echo "mode,smp,cpu,collections,p50_us,p99_us,max_us,alloc_mb_s"; order "$tmp/agg" 1; } > "$csv"
{
	echo "workload,mode,smp,cpu,collections,p50_us,p99_us,max_us,alloc_mb_s,minor,major,pauses,elapsed_ms"
	for w in $workloads; do awk -F, -v w="$w" '$1 == w' "$tmp/wagg" > "$tmp/w1"; order "$tmp/w1" 2; done
} > "$out/gc-pauses$sfx-workloads.csv"

# the goals (README): per mode and SMP, the worst CPU's p99 and max; throughput at SMP=1 as the
# total elapsed time of the workloads
summary() {
	awk -F, 'NR > 1 {
		k = $1 "," $2
		if ($6 > p99[k]) p99[k] = $6
		if ($7 > mx[k]) mx[k] = $7
		seen[k] = 1
	}
	END { for (k in seen) print k "," p99[k] "," mx[k] }' "$csv" | sort -t, -k1,1r -k2,2n > "$tmp/worst"
	# SMP=1 throughput: per workload and mode the best elapsed time of its boots, summed
	awk '$1 == "RESULT" && $3 == 1 {
		ms = $12 / $4; k = $2 SUBSEP $5
		if (!(k in best) || ms < best[k]) best[k] = ms
	}
	END { for (k in best) { split(k, f, SUBSEP); t[f[1]] += best[k] } for (m in t) printf "%s,%.0f\n", m, t[m] }' \
		"$raw" "$logs/timed.txt" > "$tmp/smp1"
	echo "worst CPU per mode and SMP (p99 / max pause, us):"
	for smp in $smps; do
		line="  SMP=$smp"
		for mode in $modes; do
			v=$(awk -F, -v m="$mode" -v s="$smp" '$1 == m && $2 == s { print $3 " / " $4 }' "$tmp/worst")
			line="$line   $mode ${v:-none}"
		done
		g=$(awk -F, -v s="$smp" '$2 == s { m[$1] = $4 } END { if (m["percore"] > 0 && m["global"] != "") printf "%.1f", m["global"] / m["percore"] }' "$tmp/worst")
		[ -n "$g" ] && line="$line   global max / percore max = ${g}x"
		echo "$line"
	done
	awk -F, '{ t[$1] = $2 } END {
		if (t["percore"] > 0 && t["global"] > 0)
			printf "SMP=1 throughput, the workloads one after another (best of '"$reps"' boots each): percore %d ms, global %d ms (percore/global time %.2f)\n",
				t["percore"], t["global"], t["percore"] / t["global"] }' "$tmp/smp1"
	echo "per workload, worst CPU: p99 / max pause (us), elapsed ms"
	printf '  %-13s %4s' workload smp
	for mode in $modes; do printf ' %28s' "$mode"; done
	echo
	awk -F, 'NR > 1 {
		k = $1 "," $2 "," $3
		if ($7 > p99[k]) p99[k] = $7
		if ($8 > mx[k]) mx[k] = $8
		el[k] = $13
	}
	END { for (k in el) print k "," p99[k] "," mx[k] "," el[k] }' "$out/gc-pauses$sfx-workloads.csv" > "$tmp/wworst"
	for w in $workloads; do
		for smp in $smps; do
			printf '  %-13s %4s' "$w" "$smp"
			for mode in $modes; do
				printf ' %28s' "$(awk -F, -v w="$w" -v m="$mode" -v s="$smp" \
					'$1 == w && $2 == m && $3 == s { printf "%s / %s, %s ms", $4, $5, $6 }' "$tmp/wworst")"
			done
			echo
		done
	done
	while IFS= read -r l; do
		m=${l%%:*}
		echo "mode the kernel reported when booted with gc=$m:${l#*:}"
	done < "$tmp/kmodes"
}

table() {
	printf '%-8s %4s %4s %12s %8s %8s %8s %11s\n' mode smp cpu collections p50_us p99_us max_us alloc_MB/s
	awk -F, 'NR > 1 { printf "%-8s %4s %4s %12s %8s %8s %8s %11s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$csv"
}

# the picture: per mode, one column per (SMP, CPU), the share of that CPU's pauses in each
# quarter of an octave (8 of the histogram's buckets; colour), with its p50, p99 and max
awk -v modes="$modes" -v smps="$smps" '
BEGIN { nm = split(modes, M, " "); ns = split(smps, S, " ") }
$1 == "HIST" {
	c = $10 + $11; k = $2 SUBSEP $3 SUBSEP $6; b = int($7 / 8)
	cnt[k, b] += c; tot[k] += c
	if (!(b in lo) || $8 / 1000 < lo[b]) lo[b] = $8 / 1000
	if ($9 / 1000 > hi[b]) hi[b] = $9 / 1000
	if (b > nb) nb = b
}
END {
	for (i = 1; i <= nm; i++) {
		x = 0
		for (j = 1; j <= ns; j++) {
			for (cpu = 0; cpu < S[j]; cpu++) {
				k = M[i] SUBSEP S[j] SUBSEP cpu
				for (b = 0; b <= nb; b++)
					if (cnt[k, b] > 0)
						printf "%s %.1f %.3f %.3f %.4f\n", M[i], x, lo[b], hi[b], cnt[k, b] / tot[k]
				x++
			}
			x += 0.5
		}
	}
}' "$raw" > "$logs/hist.dat"
awk -F, -v smps="$smps" 'BEGIN { ns = split(smps, S, " ") }
NR > 1 {
	x = 0
	for (j = 1; j <= ns && S[j] != $2; j++) x += S[j] + 0.5
	print $1, x + $3, ($5 > 0 ? $5 : 0.5), ($6 > 0 ? $6 : 0.5), ($7 > 0 ? $7 : 0.5)
}' "$csv" > "$logs/points.dat"
# x positions: the CPUs of one SMP count side by side, half a column between SMP counts
xtics=$(awk -v smps="$smps" 'BEGIN {
	ns = split(smps, S, " "); x = 0; sep = ""
	for (j = 1; j <= ns; j++) { for (c = 0; c < S[j]; c++) { printf "%s\"%s:%s\" %.1f", sep, S[j], c, x; sep = ", "; x++ } x += 0.5 }
	printf "\n%.2f\n", x - 0.75 }')
{
	echo "set terminal svg size 1100,760 dynamic font 'sans,11' background '#ffffff'"
	echo "set output '$out/gc-pauses$sfx.svg'"
	echo "set multiplot layout $(echo "$modes" | wc -w),1 title \"GC pauses per CPU: $where, SMP $smps (host: $(nproc) cores), commit $commit\""
	# one pause axis for both panels: up to the largest bucket's bound
	echo "set logscale y; set yrange [0.5:$(awk 'BEGIN { m = 1 } $4 > m { m = $4 } END { print m * 1.5 }' "$logs/hist.dat")]"
	echo "set ylabel 'pause (us)'"
	echo "set xrange [-0.75:$(echo "$xtics" | tail -n 1)]; set xtics ($(echo "$xtics" | head -n 1)); set xlabel 'SMP:cpu'; set grid ytics"
	echo "set logscale cb; set cbrange [0.0001:1]; set cblabel 'share of the CPU''s pauses in the bucket'"
	echo "set palette defined (0 '#deebf7', 0.5 '#6baed6', 0.8 '#2171b5', 1 '#08306b')"
	echo "set key top left horizontal"
	for mode in $modes; do
		if grep -q "^$mode " "$logs/points.dat"; then
			echo "set title '$mode'"
			echo "plot '$logs/hist.dat' using (strcol(1) eq '$mode' ? \$2 : NaN):(sqrt(\$3 * \$4)):(\$2 - 0.4):(\$2 + 0.4):3:4:5 with boxxyerror fs solid 1.0 noborder fc palette notitle, \\"
			echo "  '$logs/points.dat' using (strcol(1) eq '$mode' ? \$2 : NaN):3 with points pt 2 lc rgb '#2ca02c' title 'p50', \\"
			echo "  '' using (strcol(1) eq '$mode' ? \$2 : NaN):4 with points pt 6 ps 1.6 lc rgb '#ff7f0e' title 'p99', \\"
			echo "  '' using (strcol(1) eq '$mode' ? \$2 : NaN):5 with points pt 9 lc rgb '#d62728' title 'max'"
		else
			echo "set title '$mode: no data'; unset logscale y; plot [0:1][0:1] NaN notitle; set logscale y"
		fi
	done
	echo "unset multiplot"
} > "$logs/plot.gp"
gnuplot "$logs/plot.gp" 2> "$logs/gnuplot.err" || { echo "bench_pauses: gnuplot failed:"; cat "$logs/gnuplot.err"; failed=1; }

elapsed=$(($(date +%s) - start))
{
	echo "$header"
	[ "$accel" = tcg ] && echo "  TCG: pauses are host time of emulated code; compare ratios, not absolutes"
	echo "  collections = minor collections + major cycles; p50/p99 = HDR bucket bounds, within 3.1% (as gc-stats),"
	echo "  over every pause of all the workloads (percore: minor collections and major steps; global:"
	echo "  whole stops, arrival to release); max = the largest pause;"
	echo "  alloc_MB/s = 10^6 bytes allocated on that CPU per second of the runs' elapsed time"
	echo
	table
	echo
	summary
	echo "benchmark time: ${elapsed} s"
} > "$out/gc-pauses$sfx.txt"
sed -n '/^mode /,$p' "$out/gc-pauses$sfx.txt"
echo "wrote $csv, $out/gc-pauses$sfx-workloads.csv, $out/gc-pauses$sfx.svg, $out/gc-pauses$sfx.txt"

if [ $quick = 1 ]; then	# every row there, every field a number
	want=0
	for smp in $smps; do want=$((want + smp)); done
	want=$((want * $(echo "$modes" | wc -w)))
	got=$(awk -F, 'NR > 1 && NF == 8 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ &&
		$4 > 0 && $5 ~ /^[0-9]+$/ && $6 ~ /^[0-9]+$/ && $7 ~ /^[0-9]+$/ && $8 ~ /^[0-9.]+$/ &&
		$8 > 0' "$csv" | wc -l)
	[ "$(head -n 1 "$csv")" = "mode,smp,cpu,collections,p50_us,p99_us,max_us,alloc_mb_s" ] || got=-1
	grep -q '<svg' "$out/gc-pauses$sfx.svg" || got=-2
	if [ "$got" = "$want" ] && [ $failed = 0 ]; then
		echo "PASS bench_pauses --quick: $got rows filled, svg drawn"
	else
		echo "FAIL bench_pauses --quick: $got of $want rows filled (-1: header, -2: svg), boots failed: $failed"
		failed=1
	fi
fi
exit $failed
