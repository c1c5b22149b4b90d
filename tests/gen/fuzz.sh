#!/bin/bash
# fuzz.sh -- generate random multi-threaded Scheme programs (tests/gen/gen.py) and run each on the
# hosted interpreter under ASan/UBSan with heap verification at every collection, and under TSan.
# A run passes when its standard output is exactly the generator's, nothing but ASan's makecontext
# warning is on stderr, its exit status is 0 or 1 (a program may end with an uncaught error) and
# it ends within the time limit. A failing program is kept in tests/regress/ as NAME.scm, NAME.out
# and NAME.args, and the whole output of the failing run in build/fuzz/NAME.stdout, .stderr.
#
#   fuzz.sh [--count N | --minutes M] [--seed S] [--cpus N] [--size small|medium|large|mixed]
#           [--variant asan|tsan|both] [--keep DIR] [--without F,G] [--timeout SEC]
#           [--regress DIR] [--first]
#
#   --count N      N programs (default 10); --minutes M: as many as M minutes allow
#   --seed S       seeds S, S+1, ... (default: the time); every seed is printed
#   --cpus N       CPUs of every program (default: 2, 3 or 4, from the seed)
#   --size Z       small (default; about 0.1-6 s a run under ASan), medium, large, or mixed
#                  (by seed: half small, a quarter medium, a quarter large)
#   --variant V    asan (build/host-asan/bin/lisp --verify), tsan (build/host-tsan/bin/lisp), both
#   --keep DIR     keep every generated program in DIR/SEED/ (default: only failing ones)
#   --without F    leave features out (see gen.py --help), to narrow a failure down
#   --timeout SEC  per run (default 90, 240, 600 by size)
#   --regress DIR  where failing programs go (default tests/regress)
#   --first        stop after the first failing program
# The seed also decides two extras, so that a replay does the same: seed % 5 == 3 runs both
# variants with --gc global instead of percore, and seed % 8 == 5 (size small) adds an ASan run
# with --torture (a collection at every allocation; without --verify, too slow together), and
# seed % 8 == 1 an ASan run with --torture-every 256 --seed SEED (collections at random ones).
# LISP_ASAN, LISP_TSAN name other binaries. Exit status: 0 if every program passed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
count=10 minutes='' seed='' cpus='' size=small variant=both keep='' without='' tmo=''
regress=$root/tests/regress first=0
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in --first) ;; -*) [ $# -ge 2 ] || usage ;; esac
	case $1 in
	--count) count=$2; minutes=''; shift 2 ;;
	--minutes) minutes=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--variant) variant=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--without) without=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--regress) regress=$2; shift 2 ;;
	--first) first=1; shift ;;
	*) usage ;;
	esac
done
case $variant in asan|tsan|both) ;; *) usage ;; esac
case $size in small|medium|large|mixed) ;; *) usage ;; esac
limit() {	# limit SIZE: seconds a run of a program of that size may take
	case $1 in small) echo "${tmo:-90}" ;; medium) echo "${tmo:-240}" ;; *) echo "${tmo:-600}" ;; esac
}
abs() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
asan=$(abs "${LISP_ASAN:-$root/build/host-asan/bin/lisp}")
tsan=$(abs "${LISP_TSAN:-$root/build/host-tsan/bin/lisp}")
regress=$(abs "$regress")
logs=$root/build/fuzz
[ "$variant" != tsan ] && [ ! -x "$asan" ] && { echo "fuzz: no interpreter at $asan"; exit 2; }
[ "$variant" != asan ] && [ ! -x "$tsan" ] && { echo "fuzz: no interpreter at $tsan"; exit 2; }
[ -n "$seed" ] || seed=$(date +%s)
mkdir -p "$regress" "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}
start=$(date +%s)
n=0 failed=0 asan_s=0 tsan_s=0 asan_n=0 tsan_n=0

# run NAME EXPECTED DIR LISP ARGS... -> 0 if the run passed; leaves DIR/NAME.{out,err,why}
run() {
	local name=$1 exp=$2 d=$3 rc
	shift 3
	(cd "$d" && timeout -k 5 "$t_run" "$@") > "$d/$name.out" 2> "$d/$name.err0"
	rc=$?
	# ASan warns once that it cannot follow the threads' context switches: not a finding
	grep -av "ASan doesn't fully support makecontext/swapcontext" "$d/$name.err0" > "$d/$name.err"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "timed out after ${t_run}s" > "$d/$name.why"
	elif [ -s "$d/$name.err" ]; then
		echo "wrote to stderr (status $rc)" > "$d/$name.why"
	elif [ $rc -gt 1 ]; then
		echo "exit status $rc" > "$d/$name.why"
	elif ! cmp -s "$exp" "$d/$name.out"; then
		echo "output differs (status $rc)" > "$d/$name.why"
	else
		return 0
	fi
	return 1
}

while :; do
	if [ -n "$minutes" ]; then
		[ $(($(date +%s) - start)) -ge $((minutes * 60)) ] && break
	else
		[ $n -ge "$count" ] && break
	fi
	s=$((seed + n))
	n=$((n + 1))
	c=${cpus:-$((2 + s % 3))}
	z=$size
	[ "$size" = mixed ] && z=$(echo small small medium large | cut -d' ' -f$((1 + s % 4)))
	t_run=$(limit "$z")
	d=$tmp/$s
	rm -rf "$d"
	if ! python3 "$here/gen.py" --seed "$s" --cpus "$c" --size "$z" \
		${without:+--without "$without"} -o "$d"; then
		echo "FAIL fuzz seed $s: the generator failed"
		failed=$((failed + 1))
		continue
	fi
	read -r -a args < "$d/prog.args"
	gen="python3 tests/gen/gen.py --seed $s --cpus $c --size $z${without:+ --without $without} -o DIR"
	runs=()
	mode='' g=''
	[ $((s % 5)) -eq 3 ] && mode=' --gc global' g=-global
	[ "$variant" != tsan ] && runs+=("asan$g|$asan --verify ${args[*]}$mode")
	# programs whose CPUs race on a string's bytes run under ASan only (gen.py: byte-races)
	[ "$variant" != asan ] && ! grep -q '^;; byte-races: no tsan' "$d/prog.scm" &&
		runs+=("tsan$g|$tsan ${args[*]}$mode")
	[ "$variant" != tsan ] && [ "$z" = small ] && [ $((s % 8)) -eq 5 ] &&
		runs+=("asan-torture|$asan --torture ${args[*]}")
	[ "$variant" != tsan ] && [ $((s % 8)) -eq 1 ] &&
		runs+=("asan-torture-every|$asan --torture-every 256 --seed $s ${args[*]}")
	line='' bad=0
	for r in "${runs[@]}"; do
		v=${r%%|*}
		cmd=${r#*|}
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086	# cmd is words: the binary and its arguments
		run "$v" "$d/prog.out" "$d" $cmd prog.scm
		ok=$?
		t=$(echo "$(date +%s.%N) - $t0" | bc)
		case $v in
		asan*) asan_s=$(echo "$asan_s + $t" | bc); asan_n=$((asan_n + 1)) ;;
		tsan*) tsan_s=$(echo "$tsan_s + $t" | bc); tsan_n=$((tsan_n + 1)) ;;
		esac
		line="$line $v $(printf '%.1f' "$t")s"
		[ $ok -eq 0 ] && continue
		bad=1
		name=gen-$s-c$c-$z${without:+-w$(printf %s "$without" | cksum | cut -c1-5)}-$v
		[ -e "$regress/$name.scm" ] && name=$name-$(date +%s)
		cp "$d/prog.scm" "$regress/$name.scm"
		cp "$d/prog.out" "$regress/$name.out"
		extra=${cmd#* }
		echo "${extra#--verify }" > "$regress/$name.args"	# run.sh adds --verify for ASan
		cp "$d/$v.out" "$logs/$name.stdout"
		cp "$d/$v.err0" "$logs/$name.stderr"
		echo "FAIL fuzz seed $s ($v, $c CPUs, $z): $(cat "$d/$v.why")," \
			"after $(($(date +%s) - start))s of fuzzing"
		echo "  kept as ${regress#"$root"/}/$name.scm (.out, .args);" \
			"the run's output in build/fuzz/$name.stdout, .stderr"
		echo "  replay: $gen && ${cmd#"$root"/} DIR/prog.scm"
		echo "      or: ${cmd#"$root"/} ${regress#"$root"/}/$name.scm"
		{	# where the output went wrong, the kernel's panic (on stdout), the sanitizer's report
			diff -a "$d/prog.out" "$d/$v.out" > "$d/$v.diff"
			grep -a '^<' "$d/$v.diff" | head -n 4
			grep -a '^>' "$d/$v.diff" | sed '/PANIC/,$d' | head -n 4
			grep -a -A 8 -m 1 '^PANIC' "$d/$v.out"
			cat "$d/$v.err"
		} | head -n 40 | sed 's/^/    /'
	done
	if [ $bad -eq 0 ]; then
		echo "PASS fuzz seed $s ($c CPUs, $z):$line"
	else
		failed=$((failed + 1))
	fi
	if [ -n "$keep" ]; then
		mkdir -p "$keep/$s"
		cp "$d"/* "$keep/$s/"
	fi
	[ $bad -eq 1 ] && [ $first -eq 1 ] && break
done
rate() {	# rate SECONDS RUNS
	if [ "$2" -gt 0 ] && [ "$(echo "$1 > 0" | bc)" = 1 ]; then
		echo "$2 runs in $(printf '%.0f' "$1")s, $(echo "scale=1; 60 * $2 / $1" | bc) a minute"
	else
		echo "$2 runs"
	fi
}
echo "fuzz: seeds $seed..$((seed + n - 1)) in $(($(date +%s) - start))s;" \
	"asan: $(rate "$asan_s" $asan_n); tsan: $(rate "$tsan_s" $tsan_n)"
echo "fuzz: $n programs, $failed failed"
[ $failed -eq 0 ]
