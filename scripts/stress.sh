#!/bin/bash
# stress.sh SMP MINUTES [SEED] -- the stress tests of tests/stress/ (objects shared across CPUs
# as hard as we can; see tests/stress/stress.scm): boots the kernel with SMP CPUs and 256 MiB,
# the program piped into the console at repl=quiet, runs it for MINUTES (a hang past MINUTES
# plus a margin is a failure) and prints "PASS stress ..." or "FAIL stress ...: why" with the
# serial log's tail. The seed is random unless given, and printed first: a failure replays with
#   scripts/stress.sh SMP MINUTES SEED
#   STRESS_SECONDS=S   run S seconds instead of MINUTES (the tests: about 30 s)
#   STRESS_HOST=1      on the hosted interpreter, build/host/lisp --cpus SMP, instead of QEMU
#   STRESS_CYCLES=0    build the cross-heap rings without closing them (see stress.scm)
#   STRESS_CORRUPT=1   corrupt one shared object's field after it was made: the run must FAIL
#   ACCEL=auto|kvm|tcg the accelerator (scripts/accel.sh)
#   STRESS_ARCH=arm    the ARM kernel on QEMU virt (TCG) instead of x86
# Exit status 0 on PASS. The log is build/tests/stress/stress-smpSMP[-host].log.
set -u
smp=${1:?usage: stress.sh SMP MINUTES [SEED]}
minutes=${2:?usage: stress.sh SMP MINUTES [SEED]}
seed=${3:-$(( $(od -An -N4 -tu4 /dev/urandom) % 999999999 + 1 ))}
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${STRESS_SECONDS:-$(( minutes * 60 ))}
cycles=$([ "${STRESS_CYCLES:-1}" = 0 ] && echo '#f' || echo '#t')
corrupt=$([ "${STRESS_CORRUPT:-0}" = 1 ] && echo '#t' || echo '#f')
host=${STRESS_HOST:-0}
# the program stops starting epochs after $seconds; booting, the last epoch and its checkpoint
# (every CPU collecting, slow when 8 vCPUs share 2 host cores) take the margin
timeout_s=$(( seconds + 90 + seconds / 4 ))
out=$top/build/tests/stress
mkdir -p "$out"
arch=${STRESS_ARCH:-x86}
if [ "$host" = 1 ]; then
	where=host label="stress SMP=$smp host"
elif [ "$arch" = arm ]; then
	where=tcg label="stress arm SMP=$smp"
else
	where=$("$top/scripts/accel.sh" "${ACCEL:-auto}") label="stress SMP=$smp"
fi
tag=$([ "$arch" = arm ] && echo arm-)smp$smp$([ "$host" = 1 ] && echo -host)
log=$out/stress-$tag.log
input=$out/stress-$tag.scm

{
	echo "(define stress-seed $seed) (define stress-seconds $seconds) (define stress-cycles $cycles)"
	echo "(define stress-corrupt $corrupt)"
	cat "$top/tests/stress/prelude.scm" "$top/tests/stress/stress.scm"
} > "$input"
replay="$([ -n "${STRESS_SECONDS:-}" ] && echo "STRESS_SECONDS=$seconds ")$([ "$arch" = arm ] && echo "STRESS_ARCH=arm ")$([ "$host" = 1 ] && echo "STRESS_HOST=1 ")$([ "$cycles" = '#f' ] && echo "STRESS_CYCLES=0 ")$([ "$corrupt" = '#t' ] && echo "STRESS_CORRUPT=1 ")scripts/stress.sh $smp $minutes $seed"
echo "stress: seed=$seed SMP=$smp seconds=$seconds cycles=$cycles on $where (replay: $replay)"

fail() {
	echo "FAIL $label seed=$seed: $* (replay: $replay)"
	echo "----- log, last 3000 bytes ($log) -----"
	tail -c 3000 "$log"
	echo "----- end of log -----"
	exit 1
}

start=$(date +%s)
# progress lines go to the terminal as they come; everything to the log
if [ "$host" = 1 ]; then
	lisp=$top/build/host/lisp
	[ -x "$lisp" ] || { echo "FAIL $label: no $lisp (make host)"; exit 1; }
	timeout "$timeout_s" "$lisp" --cpus "$smp" "$input" 2>&1 | tee "$log" | grep --line-buffered '^stress: epoch'
	status=${PIPESTATUS[0]}
	want=0
else
	kernel=$top/build/$arch/kernel.elf
	[ -f "$kernel" ] || { echo "FAIL $label: no $kernel (make kernel ARCH=$arch)"; exit 1; }
	if [ "$arch" = arm ]; then
		qemu=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15
			-semihosting-config enable=on,target=native)
	else
		qemu=(qemu-system-i386 -accel "$where" -device isa-debug-exit,iobase=0xf4,iosize=4)
	fi
	{ cat "$input"; printf '\004'; } | timeout "$timeout_s" "${qemu[@]}" \
		-smp "$smp" -m 256 -display none -no-reboot \
		-kernel "$kernel" -append "repl=quiet" -serial stdio 2> "$log.stderr" |
		tee "$log" | grep --line-buffered '^stress: epoch'
	status=${PIPESTATUS[1]}
	want=0	# (exit 0) powers off: status 0; (exit 1) gives 3, a panic 255
fi
secs=$(( $(date +%s) - start ))
[ "$status" -eq 124 ] && fail "timed out after ${timeout_s}s (a hang)"
result=$(grep -a '^stress: \(ok\|FAIL\)' "$log" | tail -1)
case $result in
"stress: FAIL"*) fail "${result#stress: FAIL seed=$seed } (status $status)" ;;
"stress: ok"*) ;;
*) fail "no verdict from the program (status $status)" ;;
esac
grep -aq '^error: \|PANIC' "$log" && fail "an error or panic in the log (status $status)"
[ "$status" -eq "$want" ] || fail "exit status $status, want $want"
echo "PASS $label seed=$seed: ${result#stress: ok seed=$seed } (${secs} s)"
