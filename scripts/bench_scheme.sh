#!/bin/bash
# bench_scheme.sh -- the interpreter benchmarks of `make bench`: build/host/lisp against TinyScheme
# and Guile 3.0 on tests/scheme/bench/*.scm, the same unchanged files, in the same run. Prints a
# ratio table and writes build/bench/scheme.csv. A program whose output differs between the
# implementations (or from its .out file) is a failure, not a number: the exit status is then 1.
#
# Timing: wall clock of the whole process (start-up included: a few ms for ours and TinyScheme,
# ~20 ms for Guile), the best (minimum) of BENCH_RUNS runs (default 5) for ours and Guile: the
# least disturbed by other load on the machine; TinyScheme runs BENCH_TS_RUNS times (default 1:
# one run takes 50-120 s, and its noise is far below the ratio).
# Guile runs compiled, as `guile FILE` does by default: the file is auto-compiled into a fresh
# cache (XDG_CACHE_HOME in a temporary directory) by one untimed warm-up run, and the timed runs
# load the compiled .go.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
src=${BENCH_DIR:-tests/scheme/bench}
lisp=build/host/lisp
runs=${BENCH_RUNS:-5}
ts_runs=${BENCH_TS_RUNS:-1}
programs=${BENCH_PROGRAMS:-"fib tak nqueens binary-trees"}
mkdir -p "$out"
[ -x "$lisp" ] || { echo "bench: no $lisp (make host)"; exit 1; }
tinyscheme=$(command -v tinyscheme || true)
guile=$(command -v guile-3.0 || command -v guile || true)
[ -n "$tinyscheme" ] && [ -n "$guile" ] ||
	{ echo "bench: tinyscheme and guile-3.0 are needed (scripts/deps.sh bench)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache GUILE_AUTO_COMPILE=1

now() { date +%s%N; }

# timed IMPL N FILE: runs `IMPL FILE` N times; prints the best (least) seconds; leaves each run's
# standard output in $tmp/IMPL.K and fails if a run's status is not 0 or its output differs.
timed() {
	local impl=$1 n=$2 file=$3 k t0 t1
	local -a cmd times=()
	case $impl in
	ours) cmd=("$lisp" "$file") ;;
	tinyscheme) cmd=("$tinyscheme" "$file") ;;
	guile) cmd=("$guile" "$file") ;;
	esac
	for ((k = 1; k <= n; k++)); do
		t0=$(now)
		"${cmd[@]}" > "$tmp/$impl.$k" 2> "$tmp/$impl.err" < /dev/null ||
			{ echo "bench: $impl $file: exit status $?: $(head -c 300 "$tmp/$impl.err")" >&2; return 1; }
		t1=$(now)
		cmp -s "$tmp/$impl.$k" "$tmp/expected" ||
			{ echo "bench: $impl $file: output differs:" >&2; diff "$tmp/expected" "$tmp/$impl.$k" | head -8 >&2; return 1; }
		times+=("$(( (t1 - t0) / 1000 ))")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk 'NR == 1 { printf "%.3f", $1 / 1e6 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "interpreter benchmarks: wall-clock seconds, best of $runs runs (TinyScheme: $ts_runs);"
echo "  ours = build/host/lisp; TinyScheme $(dpkg-query -W -f='${Version}' tinyscheme 2>/dev/null || echo '?');" \
	"$("$guile" --version | head -1), compiled (auto-compile, warmed)"
printf '%-14s %9s %11s %9s %16s %12s  %s\n' program ours tinyscheme guile tinyscheme/ours ours/guile goal
echo "program,ours_s,tinyscheme_s,guile_s,tinyscheme_per_ours,ours_per_guile" > "$out/scheme.csv.new"
failed=0
for p in $programs; do
	file=$src/$p.scm
	# the reference output: the .out file if there is one, else our first run's
	if [ -f "$src/$p.out" ]; then cp "$src/$p.out" "$tmp/expected"
	else "$lisp" "$file" > "$tmp/expected" < /dev/null || true; fi
	"$guile" "$file" > /dev/null 2>&1 < /dev/null || true	# compile into the fresh cache
	if ours=$(timed ours "$runs" "$file") && ts=$(timed tinyscheme "$ts_runs" "$file") &&
	   gu=$(timed guile "$runs" "$file"); then
		r_ts=$(ratio "$ts" "$ours")
		r_gu=$(ratio "$ours" "$gu")
		goal=ok
		awk -v a="$r_ts" -v b="$r_gu" 'BEGIN { exit !(a > 1 && b <= 3) }' || goal=MISSED
		printf '%-14s %9s %11s %9s %16s %12s  %s\n' "$p" "$ours" "$ts" "$gu" "$r_ts" "$r_gu" "$goal"
		echo "$p,$ours,$ts,$gu,$r_ts,$r_gu" >> "$out/scheme.csv.new"
	else
		printf '%-14s FAILED: the outputs differ or a run failed (above)\n' "$p"
		echo "$p,,,,," >> "$out/scheme.csv.new"
		failed=1
	fi
done
echo "  goal: faster than TinyScheme (tinyscheme/ours > 1) and within 3x of Guile (ours/guile <= 3)"
mv "$out/scheme.csv.new" "$out/scheme.csv"
echo "wrote $out/scheme.csv"
exit $failed
