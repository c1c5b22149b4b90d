#!/bin/bash
# bench_sched.sh -- the scheduler's CPU shares (tests/bench/sched/shares.scm: spinning threads
# at chosen priorities on CPU 1, their measured share of its time beside the share the walk of
# docs/sched.md gives them), on the hosted build (build/host/lisp --cpus 2, real cores) and in
# the kernel under QEMU at SMP=2. Writes build/bench/sched-shares.csv
# (target,round,priority,share_permille,want_permille) and prints it. Part of `make bench`.
#   ACCEL=auto|kvm|tcg  SHARES_KERNEL=elf (default build/x86/kernel.elf)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
accel=$(scripts/accel.sh "${ACCEL:-auto}")
kernel=${SHARES_KERNEL:-build/x86/kernel.elf}
scm=tests/bench/sched/shares.scm
csv=$out/sched-shares.csv
log=$out/sched-shares-kernel.log
echo "target,round,priority,share_permille,want_permille" > "$csv"

# "A0-B5 prio 0 share 667/1000 want 667/1000" -> "TARGET,A0-B5,0,667,667"
rows() { sed -n "s|^\([^ ]*\) prio \([0-9]*\) share \([0-9]*\)/1000 want \([0-9]*\)/1000$|$1,\1,\2,\3,\4|p"; }

timeout 120 build/host/lisp --cpus 2 "$scm" | rows host >> "$csv"
{ cat "$scm"; printf '\004'; } > "$out/sched-shares.in"
if timeout 300 qemu-system-i386 -accel "$accel" -smp 2 -m 256 -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$kernel" -append "repl=quiet" \
	-serial stdio < "$out/sched-shares.in" > "$log" 2>&1; then :; fi
rows "kernel_$accel" < "$log" >> "$csv"
n=$(grep -c "^kernel_" "$csv" || true)
[ "$n" -gt 0 ] || { echo "bench_sched: no kernel rows; serial log:"; tail -c 2000 "$log"; exit 1; }
column -s, -t < "$csv"
