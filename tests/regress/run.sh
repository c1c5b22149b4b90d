#!/bin/sh
# run.sh [LISP...] -- run every tests/regress/NAME.scm (programs the generator of tests/gen/ found
# failing) on each interpreter and compare its standard output with NAME.out; NAME.args holds its
# interpreter arguments (--cpus 2 when it has none). Default interpreters: the ASan one with
# --verify and the TSan one (build/host-asan/bin/lisp, build/host-tsan/bin/lisp); an ASan binary
# given here gets --verify too. One line per run: "PASS regress NAME (variant)" or
# "FAIL regress NAME (variant): reason"; any stderr other than ASan's makecontext warning, an exit
# status above 1 or a run past REGRESS_TIMEOUT seconds (default 300) fails. Exit status: 0 if all
# passed.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
limit=${REGRESS_TIMEOUT:-300}
[ $# -gt 0 ] || set -- "$root/build/host-asan/bin/lisp" "$root/build/host-tsan/bin/lisp"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
for lisp in "$@"; do
	case $lisp in /*) ;; *) lisp=$(pwd)/$lisp ;; esac
	case $lisp in
	*asan*) variant=asan; verify=--verify ;;
	*tsan*) variant=tsan; verify= ;;
	*) variant=$(basename "$(dirname "$lisp")"); verify= ;;
	esac
	if [ ! -x "$lisp" ]; then
		echo "FAIL regress: no interpreter at $lisp"
		failed=$((failed + 1))
		continue
	fi
	for scm in "$here"/*.scm; do
		[ -e "$scm" ] || continue
		name=$(basename "$scm" .scm)
		args="--cpus 2"
		[ -f "$here/$name.args" ] && args=$(cat "$here/$name.args")
		case " $args " in *" --cpus "*) ;; *) args="--cpus 2 $args" ;; esac
		v=$verify
		# CPUs racing on a string's bytes: memory-safe, but byte data races for TSan (gen.py)
		if [ "$variant" = tsan ] && grep -q '^;; byte-races: no tsan' "$scm"; then
			echo "skip regress $name ($variant): CPUs race on a string's bytes (ASan only)"
			continue
		fi
		# --torture collects at every allocation: verifying each collection too is too slow
		case " $args " in *" --torture "*) v= ;; esac
		if [ ! -f "$here/$name.out" ]; then
			echo "FAIL regress $name ($variant): no $name.out"
			failed=$((failed + 1))
			continue
		fi
		# shellcheck disable=SC2086
		(cd "$here" && timeout -k 5 "$limit" "$lisp" $v $args "$scm") > "$tmp/out" 2> "$tmp/err0"
		rc=$?
		grep -v "ASan doesn't fully support makecontext/swapcontext" "$tmp/err0" > "$tmp/err"
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			why="timed out after ${limit}s"
		elif [ -s "$tmp/err" ]; then
			why="wrote to stderr (status $rc): $(head -c 300 "$tmp/err" | tr '\n' ' ')"
		elif [ $rc -gt 1 ]; then
			why="exit status $rc"
		elif ! cmp -s "$here/$name.out" "$tmp/out"; then
			why="output differs from $name.out (status $rc)"
		else
			echo "PASS regress $name ($variant)"
			passed=$((passed + 1))
			continue
		fi
		echo "FAIL regress $name ($variant): $why"
		diff "$here/$name.out" "$tmp/out" | head -15 | sed 's/^/    /'
		failed=$((failed + 1))
	done
done
echo "regress tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
