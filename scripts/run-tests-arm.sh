#!/bin/bash
# run-tests-arm.sh [--long] -- the ARM kernel's QEMU tests (QEMU virt, Cortex-A15, always TCG;
# then a few on QEMU raspi2b, below):
# the built-in kernel tests (tests/qemu/ktest.sh NAME SMP tcg arm) and Scheme through the
# console REPL (tests/qemu/scheme.sh NAME SMP tcg arm), one PASS/FAIL line each, then the time.
#   default: SMP 1, 2 and 4 (ARM_TEST_SMP): every kernel test at each; sys and threads at each;
#            every tests/scheme file in its own boot at SMP 2 but the slow ones below; the batch
#            (14 files in one boot) at SMP 1 and 4; tty, whole, gc=global and Ctrl-C
#            (tests/qemu/interrupt.py qemu-arm) at SMP 2
#            the stress test (20 s) at SMP 2 and 4; the RTL8139 (net.sh raw, arp) at SMP 1 and 2
#            and net=off at 2, the sockets test (net_sockets.py) and the web inspector
#            (inspector.py) at 2; the SD driver
#            (sd.sh sdsc, sdhc, eject, nocard) at 2, the store (store.sh persist, corrupt) at 2
#   --long:  SMP 8 (ARM_LONG_SMP) the same way, and the slow files at SMP 2 (make test-long)
# The cross-CPU channel test runs 2,000 round trips (x86: 100,000): each takes ~7 ms under TCG.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
long=0; [ "${1:-}" = --long ] && long=1
# over 20 s each under TCG on the 2-core CI machine; x86 and the hosted build run them always
SLOW="bigspeed limits xrace xreread tailcalls overhead globalloops"
start=$(date +%s)
export KTEST_ROUNDS=${KTEST_ROUNDS:-2000}

ktest() { tests/qemu/ktest.sh "$1" "$2" tcg arm 2>&1; }
scheme() { tests/qemu/scheme.sh "$1" "$2" tcg arm 2>&1; }
slow() { case " $SLOW " in *" $1 "*) return 0 ;; esac; return 1; }
# steps NAME TIMEOUT SCRIPT: a Python test of several steps at SMP=2, as one line like the other
# ARM tests (its failures printed whole)
steps() {
	local out status
	out=$(timeout "$2" python3 "$3" 2 tcg arm 2>&1)
	status=$?
	echo "$out" | grep -v "^PASS"
	if [ $status -eq 0 ]; then echo "PASS qemu arm $1 SMP=2 ($(echo "$out" | grep -c '^PASS') steps)"
	else echo "FAIL qemu arm $1 SMP=2"; fi
}

if [ $long = 1 ]; then smps=${ARM_LONG_SMP:-8}; else smps=${ARM_TEST_SMP:-1 2 4}; fi
for smp in $smps; do
	tests="online ipi spinlock fault echo threads preempt sleep spread overflow heaps"
	[ "$smp" = 1 ] && tests="$tests recursion"
	[ "$smp" = 2 ] && tests="$tests fault-null echo-stall pipe"
	for t in $tests; do ktest "$t" "$smp"; done
	stests="sys threads"
	[ "$smp" = 2 ] && stests="$stests tty whole rtc threads-global"
	{ [ "$smp" = 1 ] || [ "$smp" = 4 ] || [ "$smp" = 8 ]; } && stests="$stests batch"
	[ "$smp" = 4 ] && stests="$stests file:flothreads"	# docs/numbers.md
	if [ "$smp" = 2 ]; then
		for scm in tests/scheme/*.scm; do
			n=$(basename "$scm" .scm)
			[ "$n" = threads ] || slow "$n" || stests="$stests file:$n"
		done
	fi
	for t in $stests; do scheme "$t" "$smp"; done
	# the RTL8139 on virt's PCIe (tests/qemu/net.sh): raw frames against a peer and ARP to
	# slirp at SMP 1 and 2, net=off at 2
	{ [ "$smp" = 1 ] || [ "$smp" = 2 ]; } && for t in raw arp; do
		tests/qemu/net.sh "$t" "$smp" tcg arm 2>&1
	done
	[ "$smp" = 2 ] && tests/qemu/net.sh off 2 tcg arm 2>&1
	# the SD driver on virt's PCIe (tests/qemu/sd.sh) at SMP 2: test=sd on a 4 MiB SDSC card
	# and a 4 GiB SDHC card, each image checked afterwards; the card ejected under reads; no
	# card at a normal boot
	[ "$smp" = 2 ] && for t in sdsc sdhc eject nocard; do tests/qemu/sd.sh "$t" 2 tcg arm 2>&1; done
	# the store from Scheme (tests/qemu/store.sh): committed in one boot, read in the next (and
	# hosted from the same image); damaged roots and mapping named at store-open
	[ "$smp" = 2 ] && for t in persist corrupt; do tests/qemu/store.sh "$t" 2 tcg arm 2>&1; done
	# the TCP/IP stack and the socket names from the host (tests/qemu/net_sockets.py) and the web
	# inspector (tests/qemu/inspector.py, as x86's), at 2
	if [ "$smp" = 2 ]; then
		steps "net sockets" 1500 tests/qemu/net_sockets.py
		steps inspector 900 tests/qemu/inspector.py
	fi
	# Ctrl-C at the console REPL, typed as a person would (about 40 s)
	[ "$smp" = 2 ] && timeout 1200 python3 tests/qemu/interrupt.py qemu-arm "$smp" tcg 2>&1
	# the stress test (scripts/stress.sh), 20 s, at SMP 2 and up; a random seed, printed
	[ "$smp" -ge 2 ] && STRESS_ARCH=arm STRESS_SECONDS=${STRESS_TEST_SECONDS:-20} \
		scripts/stress.sh "$smp" 1 ${STRESS_SEED:-} 2>&1 | grep -v '^stress: epoch'
done
if [ $long = 1 ]; then
	for n in $SLOW; do scheme "file:$n" 2; done
fi
# QEMU raspi2b (build/arm-raspi2b/kernel.img, always 4 CPUs; ARM_RASPI=0 skips it): the boot
# (every CPU online; the board, its interrupt controllers and the timer named), IPIs through the
# BCM2836 mailboxes, a panic stopping the other CPUs, make run < file, Scheme: threads.scm on
# every CPU and the batch (14 files in one boot). With --long also the spinlock counter, the
# scheduler, timer preemption, the interrupt-driven console (echo steered to cpu 3) and Ctrl-C at
# the console (interrupt.py): the CI's 40 minutes hold the first set (about a minute).
if [ "${ARM_RASPI:-1}" = 1 ]; then
	kt="online ipi fault pipe"
	[ $long = 1 ] && kt="spinlock threads preempt echo"
	for t in $kt; do
		tests/qemu/ktest.sh "$t" 4 tcg raspi2b 2>&1
	done
	if [ $long = 0 ]; then
		for t in threads batch; do tests/qemu/scheme.sh "$t" 4 tcg raspi2b 2>&1; done
	else
		timeout 1200 python3 tests/qemu/interrupt.py qemu-raspi2b 4 tcg 2>&1
	fi
fi
echo "arm: QEMU tests took $(($(date +%s) - start)) s"
