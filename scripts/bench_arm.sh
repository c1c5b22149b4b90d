#!/bin/bash
# bench_arm.sh -- `make bench ARCH=arm`: the kernel's micro-benchmarks (test=bench, SMP=2) on the
# ARM kernel (build/arm/kernel.elf, the kind of build x86's micro-benchmarks use), QEMU virt under
# TCG; writes build/bench/arm/micro.csv (op,cycles, where ARM's cycles are the generic timer's
# counts, CNTFRQ = 62.5 MHz under QEMU: 16 ns each) and prints them in ns beside x86's from the
# last make bench (build/bench/kernel-micro.log), as ratios: both are emulated, so only ratios
# between the two say anything. Then the GC pause table (gc-pauses.*) and the sharing cost
# (share.csv) of x86's make bench, on the ARM kernel, under build/bench/arm/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench/arm
mkdir -p "$out"
log=$out/kernel-micro.log
timeout 600 qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -smp 2 -m 256 -display none \
	-no-reboot -semihosting-config enable=on,target=native \
	-kernel build/arm/kernel.elf -append "test=bench" -serial stdio \
	< /dev/null > "$log" 2>&1 || { echo "bench: the ARM kernel run failed; its log:"; cat "$log"; exit 1; }
grep -aq "KTEST PASS bench" "$log" || { echo "bench: no result in $log"; cat "$log"; exit 1; }
{
	echo "op,cycles"
	sed -n 's/^BENCH \([a-z_]*\) \([0-9]*\).*/\1,\2/p' "$log" | grep -v '^cycles_per_us'
} > "$out/micro.csv"
per_us() { sed -n 's/^BENCH cycles_per_us \([0-9]*\).*/\1/p' "$1"; }
arm_us=$(per_us "$log")
x86log=build/bench/kernel-micro.log
x86_us=$([ -f "$x86log" ] && per_us "$x86log" || true)
echo "kernel micro-benchmarks on ARM (QEMU virt, TCG, SMP=2): counter ticks ($arm_us per us) and ns;"
echo "  x86 from $x86log$([ -n "$x86_us" ] || echo " (absent: run make bench first)")"
printf '%-28s %10s %10s %10s %8s\n' op "arm ticks" "arm ns" "x86 ns" "arm/x86"
while IFS=, read -r op ticks; do
	[ "$op" = op ] && continue
	ns=$(awk -v t="$ticks" -v r="$arm_us" 'BEGIN { printf "%.0f", t * 1000 / r }')
	x86=; ratio=
	if [ -n "$x86_us" ]; then
		c=$(sed -n "s/^BENCH $op \([0-9.]*\).*/\1/p" "$x86log")
		[ -n "$c" ] && x86=$(awk -v c="$c" -v r="$x86_us" 'BEGIN { printf "%.0f", c * 1000 / r }')
		[ -n "$x86" ] && ratio=$(awk -v a="$ns" -v b="$x86" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
	fi
	printf '%-28s %10s %10s %10s %8s\n' "$op" "$ticks" "$ns" "${x86:--}" "${ratio:--}"
done < "$out/micro.csv"
echo "wrote $out/micro.csv"

# the GC pause table on the ARM kernel: the x86 workloads and files (gc-pauses.csv, -workloads.csv,
# .svg, .txt) under build/bench/arm/ (scripts/bench_pauses.sh, PAUSES_TARGET=arm), on the kernel
# built without the debug checks as x86's table is (make bench-arm builds it)
echo
nodebug=build/bench/kernel/arm/kernel.elf
PAUSES_TARGET=arm PAUSES_KERNEL=${PAUSES_KERNEL:-$([ -f $nodebug ] && echo $nodebug || echo build/arm/kernel.elf)} \
	scripts/bench_pauses.sh

# sharing a fresh list across CPUs on the ARM kernel (tests/bench/share/share.scm, SMP=2):
# build/bench/arm/share.csv, the kernel_tcg row of x86's share.csv for this target
echo
if line=$(tests/bench/share/kernel_share.sh "${SHARE_KERNEL_N:-5000}" "$out/share.log" \
		qemu-system-arm -M virt,highmem=off -cpu cortex-a15 \
		-semihosting-config enable=on,target=native -kernel build/arm/kernel.elf); then
	set -- $line
	{ echo "system,ns_per_message"; echo "kernel_arm_tcg,$4"; } > "$out/share.csv"
	cat "$out/share.csv"
	echo "wrote $out/share.csv ($1 messages, $3 minor collections on the sender's CPU; TCG: a ratio, not a time)"
else
	echo "bench: the ARM share run failed ($out/share.log)"
fi
