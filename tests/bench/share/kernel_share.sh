#!/bin/bash
# kernel_share.sh N LOG QEMU-ARGS... -- share.scm with N messages on a kernel booted at SMP=2 by
# QEMU-ARGS (the machine, -kernel, nothing else); the serial log goes to LOG. Prints
# "MESSAGES CYCLES MINORS NS_PER_MESSAGE" (ns at the clock the kernel printed), or fails.
# Used by scripts/bench_share.sh (x86) and scripts/bench_arm.sh.
set -u
n=$1 log=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
{ echo "(define share-n $n)"; cat "$here/share.scm"; printf '\004'; } |
	timeout 600 "$@" -smp 2 -m 256 -display none -no-reboot -append "repl=quiet" -serial stdio \
	> "$log" 2>&1
khz=$(sed -n 's/^clock: \([0-9]*\) kHz.*/\1/p' "$log" | head -n 1)
line=$(tr -d '\r' < "$log" | sed -n 's/^(SHARE \(.*\))$/\1/p')
[ -n "$khz" ] && [ -n "$line" ] && grep -aq "^CHECK share ok" "$log" || exit 1
set -- $line
echo "$1 $2 $3 $(awk -v c="$2" -v n="$1" -v k="$khz" 'BEGIN { printf "%d", c / n / (k / 1e6) }')"
