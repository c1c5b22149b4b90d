#!/bin/bash
# scheme.sh NAME SMP ACCEL [ARCH] -- Scheme through the kernel's serial console: boot the kernel (no
# test= option, so the console is the REPL) with input piped into the serial line, compare what
# comes after the REPL's banner with the expected output, and check QEMU's exit status. Prints
# "PASS ..." or "FAIL ..." with the diff and the serial log's tail. Every boot has a timeout.
#   file:NAME  tests/scheme/NAME.scm (or /DIR/NAME.scm and its .out) then EOT, at repl=quiet (only what the program prints):
#              output = NAME.out, as from build/host/lisp NAME.scm; status 0, or 3 when NAME.out
#              has top-level "error:" lines (the input ended after a failed expression). A
#              "; args: --heap-mb N" line in the test becomes the boot option heap_mb=N.
#   batch      several tests/scheme files back to back in one boot (about 35 KB, far more than the
#              4 KiB console ring: the UART holds the rest back while the REPL evaluates):
#              output = their .out files in order; wind.scm comes last and ends with (exit 0)
#   sys        tests/qemu/scheme/sys.scm at repl=pipe (values written), after a line defining
#              expected-cpus: the system calls; output = sys.out, (exit 7) gives status 15
#   threads    tests/scheme/threads.scm at repl=quiet: spawn on every CPU, joins, channels both
#              ways, globals set elsewhere, errors re-raised (its .out's CPU count replaced)
#   threads-global  the same with gc=global: every collection stops all CPUs (mm/gc/stw.h)
#   whole      tests/qemu/scheme/whole.scm at repl=quiet: four threads print long lines at once,
#              one display each; every line must come out whole (not cut by another CPU's)
#   rtc        tests/qemu/scheme/rtc.scm at repl=quiet, the clock set by -rtc base=: current-second
#   tty        repl=tty (the default): prompt, echo and line editing (DEL, Ctrl-U, CR LF, an
#              arrow key's escape sequence dropped); output = tty.out; Ctrl-D ends: status 3
# ARCH is x86 (the default), arm (QEMU virt under TCG; ACCEL is ignored) or raspi2b (QEMU
# raspi2b, build/arm-raspi2b/kernel.img, TCG; SMP must be 4; sys is virt's and x86's).
set -u
name=$1 smp=$2 accel=$3 arch=${4:-x86}
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$top/build/$arch/kernel.elf
here=$top/tests/qemu/scheme
out=$top/build/tests/qemu
mkdir -p "$out"
tag=${name//[:\/,]/-}
timeout_s=${SCHEME_QEMU_TIMEOUT:-240}	# bigspeed took over 120 s under TCG on a loaded machine
if [ "$arch" = raspi2b ]; then
	accel=tcg
	kernel=$top/build/arm-raspi2b/kernel.img
	tag=raspi2b-$tag
	label="qemu raspi2b scheme $name SMP=$smp"
	qemu=(qemu-system-arm -M raspi2b -smp 4 -display none -no-reboot
		-semihosting-config enable=on,target=native)
	timeout_s=${SCHEME_QEMU_TIMEOUT:-300}
elif [ "$arch" = arm ]; then
	accel=tcg
	tag=arm-$tag
	label="qemu arm scheme $name SMP=$smp"
	qemu=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -smp "$smp" -m 256 -display none
		-no-reboot -semihosting-config enable=on,target=native)
	timeout_s=${SCHEME_QEMU_TIMEOUT:-300}
else
	label="qemu scheme $name SMP=$smp $accel"
	qemu=(qemu-system-i386 -accel "$accel" -smp "$smp" -m 256 -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=4)
fi
log=$out/scheme-$tag-smp$smp-$accel.log
input=$out/scheme-$tag.in
expected=$out/scheme-$tag.expected
got=$out/scheme-$tag-smp$smp-$accel.got
BATCH="bignums callcc cycles exceptions macros ports quasiquote records strings syntax vectors
	write errors big wind"

fail() {
	echo "FAIL $label: $*"
	if [ -f "$got" ] && [ -f "$expected" ]; then
		echo "----- diff expected got -----"
		diff "$expected" "$got" | head -n 40
	fi
	echo "----- serial log, last 3000 bytes ($log) -----"
	tail -c 3000 "$log"
	echo "----- end of log -----"
	exit 1
}

# boot OPTIONS: the kernel with $input on the serial line; sets status, writes $got
boot() {
	local start=$(date +%s%N)
	timeout "$timeout_s" "${qemu[@]}" -kernel "$kernel" -append "$1" -serial stdio \
		< "$input" > "$log" 2> "$log.stderr"
	status=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	sed '1,/^repl: Scheme on cpu/d' "$log" > "$got"
	[ $status -eq 124 ] && fail "timed out after ${timeout_s}s"
	grep -q "^repl: Scheme on cpu 0" "$log" || fail "no REPL banner (status $status)"
}

check() {	# check WANT_STATUS
	cmp -s "$expected" "$got" || fail "output differs from the expected (status $status)"
	[ "$status" -eq "$1" ] || fail "exit status $status, want $1"
	echo "PASS $label (${ms} ms)"
}

case $name in
file:*)
	t=${name#file:}
	case $t in	# file:/ABS/NAME: a program elsewhere (tests/jit/fuzz.py), NAME.scm and NAME.out
	/*) scm=$t.scm ;;
	*) scm=$top/tests/scheme/$t.scm ;;
	esac
	[ -f "$scm" ] || fail "no $scm"
	cp "${scm%.scm}.out" "$expected"
	{ cat "$scm"; printf '\004'; } > "$input"
	heap=$(head -n 4 "$scm" | sed -n 's/^; *args:.*--heap-mb \([0-9]*\).*/heap_mb=\1/p')
	want=0; grep -q '^error: ' "$expected" && want=3
	if head -n 4 "$scm" | grep -q '^; *tags:.*\bsd\b'; then	# a fresh 4 MiB card,
		img=$out/scheme-$tag-smp$smp-$accel.img	# as run.sh's --sd (the test formats it)
		rm -f "$img" && truncate -s 4M "$img"
		qemu+=(-device sdhci-pci -drive "id=sdcard,if=none,format=raw,file=$img"
			-device sd-card,drive=sdcard)
	fi
	boot "repl=quiet $heap"
	check $want
	;;
batch)
	: > "$input"; : > "$expected"
	for t in $BATCH; do
		cat "$top/tests/scheme/$t.scm" >> "$input"
		cat "$top/tests/scheme/$t.out" >> "$expected"
	done
	boot "repl=quiet"
	check 0
	;;
sys)
	{ echo "(define expected-cpus $smp)"; cat "$here/sys.scm"; } > "$input"
	cp "$here/sys.out" "$expected"
	if [ "$arch" = arm ]; then	# the drivers' lines: virt's PCIe host bridge (1b36:0008) and
		# the GIC distributor's GICD_IIDR (implementer 0x43b) instead of i440FX and the LAPIC
		sed -i 's/(mmio-read32 #xfee00030)/(mmio-read32 #x08000008)/' "$input"
		sed -i 's/^(0 0 0 32902 4663 393216)$/(0 0 0 6966 8 393216)/; s/^20$/59/' "$expected"
	fi
	boot "repl=pipe"
	check 15
	;;
threads|threads-global)	# spawn, join and channels on every CPU (tests/scheme/threads.scm,
	# whose .out is for 4 CPUs: its next-to-last line is the CPU count)
	{ cat "$top/tests/scheme/threads.scm"; printf '\004'; } > "$input"
	{ head -n -2 "$top/tests/scheme/threads.out"; echo "$smp"; echo done; } > "$expected"
	if [ "$name" = threads-global ]; then
		boot "repl=quiet gc=global"
		grep -q "^gc: global collection" "$log" || fail "the kernel did not take gc=global"
	else
		boot "repl=quiet"
	fi
	check 0
	;;
rtc)	# (current-second) from the real-time clock set to a known moment (x86: CMOS, ARM virt:
	# PL031; raspi2b has none)
	{ cat "$here/rtc.scm"; printf '\004'; } > "$input"
	cp "$here/rtc.out" "$expected"
	qemu+=(-rtc base=2024-02-29T23:59:30)
	boot "repl=quiet"
	check 0
	;;
tty)	# what a terminal sends: DEL erases "2", Ctrl-U the line, CR LF is one newline, ESC [ A
	# (up arrow) is dropped, two expressions on one line, then Ctrl-D on an empty line
	printf '(+ 1 2\1773)\r(display "x\025(display "ok")\r\n(car (quote ()))\r\033[A(list 1\r 2) (cpu-id)\r\004' > "$input"
	cp "$here/tty.out" "$expected"
	boot ""
	check 3
	;;
whole)	# four threads on two CPUs print 3000-character lines, one display each: none is cut
	cp "$here/whole.scm" "$input"
	printf '\004' >> "$input"
	: > "$expected"
	boot "repl=quiet"
	lines=$(grep -c . "$got")
	bad=$(grep -vcE '^(a{3000}|b{3000}|c{3000}|d{3000})$' "$got")
	[ "$status" -eq 0 ] || fail "exit status $status, want 0"
	[ "$lines" -eq 1200 ] && [ "$bad" -eq 0 ] || fail "$lines lines, $bad of them cut or mixed"
	echo "PASS $label (${ms} ms)"
	;;
*)
	fail "unknown test $name"
	;;
esac
