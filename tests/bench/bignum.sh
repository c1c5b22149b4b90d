#!/bin/sh
# bignum.sh [LISP_BINARY | guile] -- wall-clock seconds (best of 3) of the bignum operations of
# issue 14, each measured as (setup + operation) minus (setup alone), both run as whole programs.
#	expt		(expt 10 1000000)
#	->string	(number->string (expt 10 1000000))
#	string->	(string->number s), s 1,000,000 decimal digits
#	mul		(* a b), a = 3^631000 and b = 7^356000 (about 1,000,000 bits each)
#	quotient	(quotient a b), a = 3^1262000 (2,000,000 bits), b = 7^356000
lisp=${1:-build/host/lisp}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {	# run SCHEME-TEXT: best wall-clock seconds of 3 runs
	printf '%s\n' "$1" > "$tmp/p.scm"
	best=
	for i in 1 2 3; do
		t0=$(date +%s.%N)
		if [ "$lisp" = guile ]; then
			guile --no-auto-compile -s "$tmp/p.scm" > "$tmp/out" 2>&1
		else
			"$lisp" "$tmp/p.scm" > "$tmp/out" 2>&1
		fi
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
	done
	echo "$best"
}

bench() {	# bench NAME SETUP OPERATION
	t0=$(run "$2 (display 0) (newline)")
	t1=$(run "$2 (display $3) (newline)")
	printf '%-10s %8.3f s   (setup %.3f s; %s)\n' "$1" "$(echo "$t1 - $t0" | bc)" "$t0" \
		"$(head -c 60 "$tmp/out")"
}

bench expt "" "(integer-length (expt 10 1000000))"
bench '->string' "(define x (expt 10 1000000))" "(string-length (number->string x))"
bench 'string->' "(define s (make-string 1000000 #\\7))" "(integer-length (string->number s))"
bench mul "(define a (expt 3 631000)) (define b (expt 7 356000))" "(integer-length (* a b))"
bench quotient "(define a (expt 3 1262000)) (define b (expt 7 356000))" \
	"(integer-length (quotient a b))"
