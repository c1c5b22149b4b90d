#!/bin/bash
# bench_share.sh -- the cost per message of sharing a freshly built 10-element list with a thread
# on another CPU that reads it (issue 13): our hosted build (2 CPUs), the kernel under QEMU at
# SMP=2, and in the same run Go (channels of slices, GOMAXPROCS=2) and Erlang (message passing,
# which copies). Writes build/bench/share.csv (system,ns_per_message) and prints it, and sets the
# rows share_fresh_list_cross_cpu (kernel cycles) and host_share_fresh_list_cross_cpu (the hosted
# build's ns in this host's cycles, by linux_micro's TSC rate) of build/bench/micro.csv.
#   SHARE_N=200000 (host, Go, Erlang)  SHARE_KERNEL_N=5000 (the kernel under TCG)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
src=tests/bench/share
work=$out/share
mkdir -p "$work"
n=${SHARE_N:-200000}
kn=${SHARE_KERNEL_N:-5000}
accel=$(scripts/accel.sh "${ACCEL:-auto}")
csv=$out/share.csv
echo "system,ns_per_message" > "$csv"
# micro_set OP CYCLES: the row of micro.csv (scripts/bench.sh) for OP, replaced or added
micro_set() {
	local m=$out/micro.csv
	[ -f "$m" ] || echo "op,cycles" > "$m"
	grep -v "^$1," "$m" > "$m.tmp" || true
	echo "$1,$2" >> "$m.tmp"
	mv "$m.tmp" "$m"
}
grep -q "^LINUX cacheline_roundtrip" "$out/linux-micro.log" 2>/dev/null || "$out/linux_micro" > "$out/linux-micro.log" 2>/dev/null || true
tsc=$(sed -n 's/^LINUX tsc_per_us \([0-9]*\)/\1/p' "$out/linux-micro.log" 2>/dev/null || true)
rtt=$(sed -n 's/^LINUX cacheline_roundtrip_cross_cpu \([0-9]*\)/\1/p' "$out/linux-micro.log" 2>/dev/null || true)

# ours, hosted: the cycles of the hosted build are nanoseconds
{ echo "(define share-n $n)"; cat "$src/share.scm"; } > "$work/host.scm"
line=$(build/host/lisp --cpus 2 "$work/host.scm" | tee "$work/host.log" | sed -n 's/^(SHARE \(.*\))$/\1/p')
grep -q "^CHECK share ok" "$work/host.log" || { echo "bench_share: host run failed"; cat "$work/host.log"; exit 1; }
set -- $line
echo "host,$(($2 / $1))" >> "$csv"
[ -n "$tsc" ] && micro_set host_share_fresh_list_cross_cpu "$(awk -v c="$2" -v n="$1" -v t="$tsc" 'BEGIN { printf "%.0f", c / n * t / 1000 }')"
echo "  host: $1 messages, $3 minor collections on the sender's CPU" >&2

# ours, the kernel at SMP=2 (cycles at the clock the kernel printed)
if line=$("$src/kernel_share.sh" "$kn" "$work/kernel.log" qemu-system-i386 -accel "$accel" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel build/x86/kernel.elf); then
	set -- $line
	micro_set share_fresh_list_cross_cpu $(($2 / $1))
	echo "kernel_$accel,$4" >> "$csv"
	echo "  kernel ($accel, SMP=2): $1 messages, $3 minor collections on the sender's CPU" >&2
else
	echo "bench_share: the kernel run failed ($work/kernel.log)" >&2
fi

# Go and Erlang, same host, same run
if command -v go > /dev/null; then
	GOCACHE=$top/$work/gocache go build -o "$work/share-go" "$src/share.go" && "$work/share-go" "$n" >> "$csv"
else
	echo "bench_share: no go (scripts/deps.sh bench installs golang-go)" >&2
fi
if command -v erlc > /dev/null; then
	erlc -o "$work" "$src/share.erl" &&
		erl -noshell +S 2 -pa "$work" -s share main "$n" -s init stop >> "$csv"
else
	echo "bench_share: no erlang (scripts/deps.sh bench installs erlang-base)" >&2
fi
echo "fresh 10-element list to a thread on another CPU, ns per message ($(nproc) host cores):"
# the floor of any exchange between two cores: one word bounced between them (linux_micro)
[ -n "$tsc" ] && [ -n "$rtt" ] &&
	echo "  (a cache line's round trip between two host cores: $((rtt * 1000 / tsc)) ns)"
column -s, -t < "$csv"
echo "wrote $csv"
