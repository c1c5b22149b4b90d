#!/bin/bash
# bench_scheme.sh -- the interpreter benchmarks of `make bench`: build/host/lisp against Guile 3.0
# (compiled) and Chez Scheme on the programs of tests/bench/scheme/ (the r7rs-benchmarks set's
# programs, written in its form), the same assembled file for all three, in the same run. Prints a
# ratio table with the geometric mean and writes build/bench/scheme.csv. A program whose output
# differs from its .out file (a wrong result prints ERROR instead of "ok") is a failure, not a
# number: the exit status is then 1.
#
# Each program NAME.scm defines `main'; the file run is NAME.scm, then common.scm (`hide' and
# `run-r7rs-benchmark', as the set's common.scm), then `(main)'.
# Timing: wall clock of the whole process, start-up included (printed in the header: an empty
# program), the best (minimum) of BENCH_RUNS runs (default 3): the least disturbed by other load.
# Guile runs compiled, as `guile FILE` does by default: the file is auto-compiled into a fresh
# cache (XDG_CACHE_HOME in a temporary directory) by one untimed warm-up run, and the timed runs
# load the compiled .go. Chez runs `chezscheme --script FILE`: each top-level form is compiled to
# machine code as it loads, in safe mode (the default optimize level, not the set's level 3).
# TinyScheme, compared until the set came in, is no longer run: 50-120 s a program.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
src=${BENCH_DIR:-tests/bench/scheme}
lisp=build/host/lisp
runs=${BENCH_RUNS:-3}
# The 18 programs of the set that need no inexact numbers, gcbench (its array holds flonums), then
# binary-trees.
all="fib tak cpstak ack nqueens deriv destruc diviter divrec primes browse puzzle triangl string sum
earley paraffins ctak gcbench binary-trees"
programs=${BENCH_PROGRAMS:-$all}
mkdir -p "$out"
[ -x "$lisp" ] || { echo "bench: no $lisp (make host)"; exit 1; }
guile=$(command -v guile-3.0 || command -v guile || true)
chez=$(command -v chezscheme || command -v chez-scheme || true)
[ -n "$guile" ] && [ -n "$chez" ] ||
	{ echo "bench: guile-3.0 and chezscheme are needed (scripts/deps.sh bench)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache GUILE_AUTO_COMPILE=1

now() { date +%s%N; }

# timed IMPL N FILE: runs FILE on IMPL N times; prints the best (least) seconds; fails if a run's
# status is not 0 or its standard output differs from $tmp/expected.
timed() {
	local impl=$1 n=$2 file=$3 k t0 t1
	local -a cmd times=()
	case $impl in
	ours) cmd=("$lisp" "$file") ;;
	guile) cmd=("$guile" "$file") ;;
	chez) cmd=("$chez" --script "$file") ;;
	esac
	for ((k = 1; k <= n; k++)); do
		t0=$(now)
		"${cmd[@]}" > "$tmp/$impl.out" 2> "$tmp/$impl.err" < /dev/null ||
			{ echo "bench: $impl $file: exit status $?: $(head -c 300 "$tmp/$impl.err")" >&2; return 1; }
		t1=$(now)
		cmp -s "$tmp/$impl.out" "$tmp/expected" ||
			{ echo "bench: $impl $file: output differs:" >&2; diff "$tmp/expected" "$tmp/$impl.out" | head -8 >&2; return 1; }
		times+=("$(( (t1 - t0) / 1000 ))")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk 'NR == 1 { printf "%.3f", $1 / 1e6 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# start-up: an empty program
: > "$tmp/empty.scm"
: > "$tmp/expected"
"$guile" "$tmp/empty.scm" > /dev/null 2>&1 < /dev/null || true
s_ours=$(timed ours 3 "$tmp/empty.scm")
s_guile=$(timed guile 3 "$tmp/empty.scm")
s_chez=$(timed chez 3 "$tmp/empty.scm")

echo "interpreter benchmarks (tests/bench/scheme): wall-clock seconds, best of $runs runs;"
echo "  ours = build/host/lisp; $("$guile" --version | head -1), compiled (auto-compile, warmed);"
echo "  Chez Scheme $("$chez" --version 2>&1) (--script, safe). Start-up (empty program):" \
	"ours $s_ours s, Guile $s_guile s, Chez $s_chez s"
printf '%-14s %9s %9s %9s %12s %12s  %s\n' program ours guile chez ours/guile chez/guile goal
echo "program,ours_s,guile_s,chez_s,ours_per_guile,chez_per_guile" > "$out/scheme.csv.new"
failed=0
log_ours=0 log_chez=0 counted=0
for p in $programs; do
	[ -f "$src/$p.scm" ] || { echo "bench: no $src/$p.scm" >&2; failed=1; continue; }
	file=$tmp/$p.scm
	cat "$src/$p.scm" "$src/common.scm" > "$file"
	echo "(main)" >> "$file"
	cp "$src/$p.out" "$tmp/expected"
	"$guile" "$file" > /dev/null 2>&1 < /dev/null || true	# compile into the fresh cache
	if ours=$(timed ours "$runs" "$file") && gu=$(timed guile "$runs" "$file") &&
	   ch=$(timed chez "$runs" "$file"); then
		r_ours=$(ratio "$ours" "$gu")
		r_chez=$(ratio "$ch" "$gu")
		goal=ok
		awk -v a="$r_ours" 'BEGIN { exit !(a <= 2) }' || goal=MISSED
		printf '%-14s %9s %9s %9s %12s %12s  %s\n' "$p" "$ours" "$gu" "$ch" "$r_ours" "$r_chez" "$goal"
		echo "$p,$ours,$gu,$ch,$r_ours,$r_chez" >> "$out/scheme.csv.new"
		log_ours=$(awk -v s="$log_ours" -v a="$ours" -v b="$gu" 'BEGIN { printf "%.9f", s + log(a / b) }')
		log_chez=$(awk -v s="$log_chez" -v a="$ch" -v b="$gu" 'BEGIN { printf "%.9f", s + log(a / b) }')
		counted=$((counted + 1))
	else
		printf '%-14s FAILED: the output differs or a run failed (above)\n' "$p"
		echo "$p,,,,," >> "$out/scheme.csv.new"
		failed=1
	fi
done
if [ "$counted" -gt 0 ]; then
	g_ours=$(awk -v s="$log_ours" -v n="$counted" 'BEGIN { printf "%.2f", exp(s / n) }')
	g_chez=$(awk -v s="$log_chez" -v n="$counted" 'BEGIN { printf "%.2f", exp(s / n) }')
	goal=ok
	awk -v a="$g_ours" 'BEGIN { exit !(a <= 1) }' || goal=MISSED
	printf '%-14s %9s %9s %9s %12s %12s  %s\n' "geomean ($counted)" "" "" "" "$g_ours" "$g_chez" "$goal"
	echo "geomean,,,,$g_ours,$g_chez" >> "$out/scheme.csv.new"
fi
echo "  goal (issue 15): ours/guile <= 2 on every program, geometric mean <= 1"
mv "$out/scheme.csv.new" "$out/scheme.csv"
echo "wrote $out/scheme.csv"
exit $failed
