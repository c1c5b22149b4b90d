#!/bin/sh
# conformance.sh [LISP] -- run the R7RS-small suite (chibi-scheme's tests/r7rs-tests.scm, kept in
# tests/conformance/) through our interpreter (default build/host/lisp) and through Guile 3
# (/usr/bin/guile, when installed), and print each one's passes: in all, and outside numbers
# (outside the suite's "6.2 Numbers" and "Numeric syntax" groups). A measurement, not a test:
# not run by make test. CONF_FAILS=1 also lists every failure (group, expression, expected, got).
# The total is counted from the suite's text (a test whose form is lost to a read error counts
# as failed); tests/conformance/harness.scm prints one PASS or FAIL line per test that runs.
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$here/tests/conformance
suite=$dir/r7rs-tests.scm
lisp=${1:-$here/build/host/lisp}
case $lisp in /*) ;; *) lisp=$(pwd)/$lisp ;; esac	# it runs in a scratch directory
guile=${GUILE:-/usr/bin/guile}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$suite" ]; then
	echo "conformance: no $suite (chibi-scheme's tests/r7rs-tests.scm; see tests/conformance/README)"
	exit 1
fi
# the suite without its (import ...) form: our Scheme has no libraries, and the Guile driver
# imports what the suite needs itself
sed '/^(import/,/^ *)$/d' "$suite" > "$tmp/body.scm"

# tests per group, from the text: each (test and (test-values outside comments, two per
# test-numeric-syntax use, none in that macro's own definition
awk '
	/^[ \t]*;/ { next }
	/^\(define-syntax test-numeric-syntax/ { inmacro = 1 }
	inmacro && /^$/ { inmacro = 0 }
	inmacro { next }
	/\(test-begin "/ { s = $0; sub(/.*\(test-begin "/, "", s); sub(/".*/, "", s); stack[++depth] = s }
	/\(test-end\)/ { depth-- }
	/^\(test-numeric-syntax "/ { n[stack[depth]] += 2; next }
	{ line = $0; c = gsub(/\(test-values /, "", line) + gsub(/\(test /, "", line); n[stack[depth]] += c }
	END { for (g in n) if (n[g]) printf "%s\t%d\n", g, n[g] }
' "$tmp/body.scm" > "$tmp/totals"

summary() {	# summary NAME OUTPUT: pass counts against the totals
	awk -F '\t' -v name="$1" '
		FNR == NR { total[$1] = $2; next }
		$1 == "PASS" { pass[$2]++ }
		$1 == "FAIL" { fail[$2]++ }
		function num(g) { return g == "6.2 Numbers" || g == "Numeric syntax" }
		END {
			for (g in total) {
				all += total[g]; ok += pass[g]
				if (!num(g)) { allx += total[g]; okx += pass[g] }
			}
			for (g in pass) if (!(g in total)) extra = extra " " g
			printf "%-6s %4d/%d passed (%.1f%%); outside numbers %4d/%d (%.1f%%)\n",
				name, ok, all, 100 * ok / all, okx, allx, 100 * okx / allx
			if (extra != "") print "  (tests in groups the count did not find:" extra ")"
		}' "$tmp/totals" "$2"
}

# files live in the SD store (README, "Files"): ours runs on a fresh card with an empty store,
# as the suite's file tests assume a file system
printf '(store-format!)\n' | cat - "$dir/harness.scm" "$tmp/body.scm" > "$tmp/ours.scm"
truncate -s 16M "$tmp/sd.img"
(cd "$tmp" && timeout 300 "$lisp" --sd sd.img ours.scm) > "$tmp/ours.out" 2>&1
summary ours "$tmp/ours.out"
if [ -x "$guile" ]; then
	(cd "$tmp" && timeout 300 "$guile" --r7rs --no-auto-compile -s "$dir/guile-driver.scm" \
		"$dir/harness.scm" body.scm) > "$tmp/guile.out" 2> "$tmp/guile.err"
	summary guile "$tmp/guile.out"
else
	echo "guile: not installed at $guile; skipped"
fi
if [ "${CONF_FAILS:-0}" = 1 ]; then
	echo "--- our failures"
	grep -v '^PASS' "$tmp/ours.out"
	[ -f "$tmp/guile.out" ] && { echo "--- Guile's failures"; grep '^FAIL' "$tmp/guile.out"; }
fi
exit 0
