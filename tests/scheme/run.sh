#!/bin/sh
# run.sh [LISP_BINARY] -- run every tests/scheme/NAME.scm and compare its standard output with
# NAME.out. One line per run: "PASS scheme NAME" or "FAIL scheme NAME: ..." with a diff excerpt.
# The first lines of a test may say
#	; tags: guile torture	also run it with --torture (same .out), and through Guile 3.0
#				(guile --no-auto-compile -s, same .out) when guile is installed
#				and with --torture-every 256 --seed S (collections at random allocations;
#				S from SCHEME_SEED, else random, and printed in the test's name)
#	; args: --heap-mb 16	extra interpreter arguments
#	; tags: tsan		also run by make test on build/host-tsan/bin/lisp
#	; tags: sd		run with --sd on a fresh 4 MiB card image (the test formats the store:
#				files live there)
# SCHEME_TAG=T runs only the tests tagged T (make test: SCHEME_TAG=tsan on the TSan interpreter,
# which also takes --verify off: a debug walk of other CPUs' objects that TSan would report).
# Also checks that lisp/prelude.c is generated from the current lisp/prelude.scm,
# lisp/builtin_src.c from lisp/inspector.scm and lisp/inspector.html, and
# lisp/unicode_tables.h from the installed Unicode Character Database (UCD=dir, default
# /usr/share/unicode), and runs tests/unicode/check.py: every code point against the UCD.
# Exit status: 0 if everything passed, 1 otherwise.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lisp=${1:-$root/build/host/lisp}
case $lisp in /*) ;; *) lisp=$(pwd)/$lisp ;; esac
limit=${SCHEME_TEST_TIMEOUT:-300}
failed=0
passed=0
seed=${SCHEME_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$lisp" ]; then
	echo "FAIL scheme: no interpreter at $lisp"
	exit 1
fi
guile=$(command -v guile 2>/dev/null)
[ -n "$guile" ] || echo "note: guile is not installed; skipping the Guile comparisons (apt-get install guile-3.0)"

report() {	# report KIND NAME STATUS EXPECTED ACTUAL
	if [ "$3" = ok ]; then
		echo "PASS $1 $2"
		passed=$((passed + 1))
	else
		echo "FAIL $1 $2: $3"
		diff "$4" "$5" | head -15 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

check() {	# check KIND LABEL EXPECTED COMMAND...
	kind=$1 label=$2 expected=$3
	shift 3
	(cd "$here" && timeout "$limit" "$@") > "$tmp/out" 2> "$tmp/err"
	rc=$?
	# ASan warns once that it cannot follow the threads' context switches: not a finding
	grep -v "ASan doesn't fully support makecontext/swapcontext" "$tmp/err" > "$tmp/err2"
	mv "$tmp/err2" "$tmp/err"
	if [ $rc -ge 124 ]; then
		status="timed out or crashed (status $rc)"
	elif [ "$kind" = scheme ] && [ -s "$tmp/err" ]; then
		status="wrote to stderr (sanitizer report?): $(head -c 4000 "$tmp/err")"
	elif cmp -s "$expected" "$tmp/out"; then
		status=ok
	else
		status="output differs from $(basename "$expected") (status $rc)"
	fi
	report "$kind" "$label" "$status" "$expected" "$tmp/out"
}

# lisp/prelude.c must be generated from lisp/prelude.scm
mkdir -p "$tmp/gen"
cp "$root/lisp/prelude.scm" "$root/lisp/gen_prelude.sh" "$tmp/gen/"
(cd "$tmp/gen" && sh ./gen_prelude.sh)
if cmp -s "$tmp/gen/prelude.c" "$root/lisp/prelude.c"; then
	echo "PASS scheme prelude-generated"
	passed=$((passed + 1))
else
	echo "FAIL scheme prelude-generated: lisp/prelude.c is stale; run lisp/gen_prelude.sh"
	failed=$((failed + 1))
fi

# lisp/builtin_src.c must be generated from lisp/inspector.scm and lisp/inspector.html
cp "$root/lisp/inspector.scm" "$root/lisp/inspector.html" "$root/lisp/gen_builtin.sh" "$tmp/gen/"
(cd "$tmp/gen" && sh ./gen_builtin.sh)
if cmp -s "$tmp/gen/builtin_src.c" "$root/lisp/builtin_src.c"; then
	echo "PASS scheme builtin-generated"
	passed=$((passed + 1))
else
	echo "FAIL scheme builtin-generated: lisp/builtin_src.c is stale; run lisp/gen_builtin.sh"
	failed=$((failed + 1))
fi

# lisp/unicode_tables.h must be what lisp/gen_unicode.py makes from the installed UCD
ucd=${UCD:-/usr/share/unicode}
if [ ! -f "$ucd/UnicodeData.txt" ]; then
	echo "note: no Unicode Character Database in $ucd; skipping the unicode-tables check (apt-get install unicode-data)"
elif python3 "$root/lisp/gen_unicode.py" "$ucd" "$tmp/unicode_tables.h" &&
	cmp -s "$tmp/unicode_tables.h" "$root/lisp/unicode_tables.h"; then
	echo "PASS scheme unicode-tables-generated"
	passed=$((passed + 1))
else
	echo "FAIL scheme unicode-tables-generated: lisp/unicode_tables.h is not what $ucd gives; run lisp/gen_unicode.py"
	failed=$((failed + 1))
fi
# every code point through the char and string procedures against the UCD (tests/unicode/check.py)
if [ -f "$ucd/UnicodeData.txt" ] && [ -z "${SCHEME_TAG:-}" ]; then
	if python3 "$root/tests/unicode/check.py" "$lisp" "$ucd" > "$tmp/ucheck" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	cat "$tmp/ucheck"
fi

for scm in "$here"/*.scm; do
	name=$(basename "$scm" .scm)
	out="$here/$name.out"
	head=$(head -n 4 "$scm")
	tags=$(printf '%s\n' "$head" | sed -n 's/^; *tags: *//p')
	args=$(printf '%s\n' "$head" | sed -n 's/^; *args: *//p')
	if [ -n "${SCHEME_TAG:-}" ]; then
		case " $tags " in *" $SCHEME_TAG "*) ;; *) continue ;; esac
		args=$(printf '%s\n' "$args" | sed 's/--verify//')
	fi
	case " $tags " in *" sd "*)
		rm -f "$tmp/sd.img" && truncate -s 4M "$tmp/sd.img" && args="$args --sd $tmp/sd.img" ;;
	esac
	if [ ! -f "$out" ]; then
		echo "FAIL scheme $name: no $name.out"
		failed=$((failed + 1))
		continue
	fi
	# shellcheck disable=SC2086
	check scheme "$name" "$out" "$lisp" $args "$scm"
	case " $tags " in *" torture "*)
		# shellcheck disable=SC2086
		check scheme "$name (torture)" "$out" "$lisp" --torture $args "$scm"
		# shellcheck disable=SC2086
		check scheme "$name (torture-every 256, SCHEME_SEED=$seed)" "$out" "$lisp" --torture-every 256 \
			--seed "$seed" $args "$scm" ;;
	esac
	case " $tags " in *" guile "*)
		[ -n "$guile" ] && check guile "$name" "$out" "$guile" --no-auto-compile -s "$scm" ;;
	esac
done

echo "scheme tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
