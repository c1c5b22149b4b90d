#!/bin/bash
# bench.sh -- `make bench`: micro-benchmarks of the kernel (QEMU, test=bench, SMP=2), of the
# hosted build (build/host/lisp --bench-micro, the same code on real cores) and of Linux on the
# same host in the same run; writes build/bench/micro.csv (op,cycles; hosted rows are prefixed
# host_, Linux rows linux_) and prints the table beside Singularity's (EuroSys 2006) as an anchor;
# then the interpreter benchmarks against Guile and Chez Scheme (scripts/bench_scheme.sh), then
# the collector against Boehm's (scripts/bench_gc.sh), then the GC pauses per CPU in percore and
# global mode at SMP 1, 2, 4 and 8 (scripts/bench_pauses.sh: build/bench/gc-pauses.csv and .svg)
# and the same on the hosted build at 1, 2 and 4 (gc-pauses-host.csv and .svg), then
# the cost of sharing a fresh list across CPUs against Go and Erlang (scripts/bench_share.sh),
# then the scheduler's CPU shares against the walk's (scripts/bench_sched.sh), then TCP through
# QEMU's user networking against Linux on the same virtual NIC (scripts/bench_net.sh:
# build/bench/net.csv; its failure, say a Linux that does not boot, is reported and does not
# fail make bench).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
accel=$(scripts/accel.sh "${ACCEL:-auto}")
log=$out/kernel-micro.log
timeout 300 qemu-system-i386 -accel "$accel" -smp 2 -m 256 -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel build/x86/kernel.elf \
	-append "test=bench" -serial stdio < /dev/null > "$log" 2>&1 || {
	echo "bench: the kernel run failed; its log:"; cat "$log"; exit 1; }
grep -aq "KTEST PASS bench" "$log" || { echo "bench: no result in $log"; cat "$log"; exit 1; }
"$out/linux_micro" > "$out/linux-micro.log"
# the same operations on the hosted build (real cores): nanoseconds, turned into this host's
# cycles by the TSC rate linux_micro measured
build/host/lisp --cpus 2 --bench-micro > "$out/host-micro.log" 2>&1 &&
	grep -q "KTEST PASS bench" "$out/host-micro.log" ||
	{ echo "bench: the hosted micro-benchmarks failed:"; cat "$out/host-micro.log"; exit 1; }
tsc=$(sed -n 's/^LINUX tsc_per_us \([0-9]*\)/\1/p' "$out/linux-micro.log")

{
	echo "op,cycles"
	sed -n 's/^BENCH \([a-z_]*\) \([0-9]*\).*/\1,\2/p' "$log" | grep -v '^cycles_per_us'
	awk -v tsc="$tsc" '$1 == "BENCH" && $2 != "cycles_per_us" { printf "host_%s,%.0f\n", $2, $3 * tsc / 1000 }' \
		"$out/host-micro.log"
	sed -n 's/^LINUX \([a-z_]*\) \([0-9]*\).*/linux_\1,\2/p' "$out/linux-micro.log" | grep -v '^linux_tsc_per_us'
} > "$out/micro.csv"

echo "micro-benchmarks, cycles (kernel: QEMU $accel, SMP=2; host: the hosted build, 2 CPUs, ns x $tsc/1000;"
echo "  Linux: this host, same run)"
[ "$accel" = tcg ] && echo "  note: under TCG the kernel's cycles are host cycles of emulated code: compare ratios, not absolutes"
printf '%-28s %10s %10s %10s %8s   %s\n' op ours host linux host/lin "Singularity (ours/Linux in their paper)"
anchor() { case $1 in yield) echo "401 / 900";; channel_pingpong_same_cpu) echo "2,462 / 10,758 (message ping-pong)";; *) echo "";; esac; }
while IFS=, read -r op cycles; do
	case $op in op|linux_*|host_*) continue;; esac
	lin=$(sed -n "s/^linux_$op,//p" "$out/micro.csv")
	hst=$(sed -n "s/^host_$op,//p" "$out/micro.csv")
	ratio=; [ -n "$lin" ] && [ -n "$hst" ] && ratio=$(awk -v a="$hst" -v b="$lin" 'BEGIN { printf "%.2f", a / b }')
	printf '%-28s %10s %10s %10s %8s   %s\n' "$op" "$cycles" "${hst:--}" "${lin:--}" "${ratio:--}" "$(anchor "$op")"
done < "$out/micro.csv"
echo "wrote $out/micro.csv"

echo
scripts/bench_scheme.sh

echo
scripts/bench_gc.sh

echo
scripts/bench_pauses.sh

echo
PAUSES_TARGET=host scripts/bench_pauses.sh

echo
scripts/bench_share.sh
scripts/bench_store.sh

echo
scripts/bench_sched.sh

echo
scripts/bench_net.sh || echo "bench: the network benchmark failed (above); the other tables stand"
