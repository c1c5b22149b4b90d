#!/bin/sh
# bignum_thresh.sh -- the threshold measurements behind lisp/bignum.h: each operation timed
# (ns per operation, best of 5; tests/bench/bignum_thresh.c) at sizes around its threshold, once
# per candidate threshold, with the hosted build's compiler flags (-O2). Then the poll's cost.
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-gcc}

build() {	# build NAME -DX=... : a binary with those thresholds
	n=$1
	shift
	$cc -std=gnu11 -O2 -I. "$@" -o "$tmp/$n" tests/bench/bignum_thresh.c || exit 1
}

sweep() {	# sweep OP MACRO "VALUES" SIZES...
	op=$1 macro=$2 values=$3
	shift 3
	echo "$op: ns per operation at $* limbs, by $macro"
	for v in $values; do
		build "$op$v" "-D$macro=$v"
		printf '%s=%-4s ' "$macro" "$v"
		"$tmp/$op$v" "$op" "$@"
	done
}

sweep mul BN_MUL_KARATSUBA "1000000 16 24 32 40 48 64" 24 32 48 64 96 128 256 1024
sweep sqr BN_SQR_KARATSUBA "1000000 24 32 48 64 80 96" 32 48 64 96 128 192 256 1024
sweep div BN_DIV_DC "1000000 16 24 32 48 64 96 128" 32 48 64 96 128 256 1024 4096
sweep tostr BN_TO_STRING_DC "1000000 8 16 32 64 128" 16 32 64 128 256 1024
sweep fromstr BN_FROM_STRING_BASE "1 2 4 8 16 32 64" 16 32 64 128 256 1024 4096
build poll
for n in 1000 30000; do "$tmp/poll" poll $n; done
