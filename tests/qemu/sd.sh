#!/bin/bash
# sd.sh NAME SMP ACCEL [ARCH] -- the SD driver (storage/sdhci.c) on QEMU's sdhci-pci and sd-card,
# with a fresh image in build/tests/qemu/ each run. Prints "PASS ..." (with the MB/s test=sd
# measured) or "FAIL ..." with the serial log's tail. Every QEMU run has a timeout.
#   sdsc      4 MiB image (SDSC, byte addresses, CSD erase group): test=sd over the whole card,
#             then tests/qemu/sd_check.py compares the image file with what the test left
#   sdsc-pio  the same with sd_dma=off (programmed I/O through the data port)
#   sdsc2g    2 GiB sparse image: still SDSC in QEMU 7.2 (1024-byte READ_BL_LEN, byte addresses
#             up to 2^31), three 4 MiB regions
#   sdhc      4 GiB sparse image (SDHC, block addresses; QEMU's SD status has no AU):
#             test=sd sd_group_kb=1024, three regions; the log must name the boot option
#   default   the 4 GiB card at a normal boot without sd_group_kb=: the log names the default
#             group, and the REPL answers
#   eject     test=sd-eject on a 4 MiB card: reads go on while this script ejects the card
#             through QEMU's monitor (a unix socket in build/tests/qemu/); the first read after
#             fails, every call after that fails within a second (no device), none hangs
#   nocard    sdhci-pci with no card: "sdhci: no SD card in the slot", and the REPL answers
#   nodev     no SD controller at all: "sdhci: no SD host controller", and the REPL answers
# ARCH is x86 (the default) or arm (QEMU virt under TCG; ACCEL is ignored).
set -u
name=$1 smp=$2 accel=$3 arch=${4:-x86}
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$top/build/$arch/kernel.elf
out=$top/build/tests/qemu
mkdir -p "$out"
timeout_s=${SD_QEMU_TIMEOUT:-120}
if [ "$arch" = arm ]; then
	accel=tcg
	tag=arm-sd-$name-smp$smp
	label="qemu arm sd $name SMP=$smp"
	qemu=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -smp "$smp" -m 256 -display none
		-no-reboot -semihosting-config enable=on,target=native)
else
	tag=sd-$name-smp$smp-$accel
	label="qemu sd $name SMP=$smp $accel"
	qemu=(qemu-system-i386 -accel "$accel" -smp "$smp" -m 256 -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=4)
fi
log=$out/$tag.log
img=$out/$tag.img
input=$out/$tag.in

fail() {
	echo "FAIL $label: $*"
	echo "----- serial log, last 4000 bytes ($log) -----"
	tail -c 4000 "$log"
	echo "----- end of log -----"
	rm -f "$img"
	exit 1
}

expect() {
	grep -qF -- "$1" "$log" || fail "no '$1' in the output"
}

# boot OPTIONS DEVICE...: the kernel with the devices given, input from $input; sets status
boot() {
	local append=$1
	shift
	timeout "$timeout_s" "${qemu[@]}" "$@" -kernel "$kernel" -append "$append" -serial stdio \
		< "$input" > "$log" 2> "$log.stderr"
	status=$?
	[ $status -eq 124 ] && fail "timed out after ${timeout_s}s"
}

card() {	# the controller and a card on $img
	echo -device sdhci-pci -drive id=sdcard,if=none,format=raw,file="$img" -device sd-card,drive=sdcard
}

# test=sd on a fresh image of SIZE with OPTIONS, then the image checked from the host
ktest_sd() {
	local size=$1 opts=$2
	rm -f "$img"
	truncate -s "$size" "$img"
	: > "$input"
	# shellcheck disable=SC2046
	boot "test=sd $opts" $(card)
	[ $status -eq 0 ] || fail "exit status $status"
	expect "KTEST PASS sd"
	check=$(python3 "$top/tests/qemu/sd_check.py" "$log" "$img" 2>&1) || fail "$check"
	rate=$(sed -n 's/^KTEST sd \(write\|read\) .*: \([0-9.]* MB\/s\).*/\1 \2/p' "$log" | tr '\n' ' ' | sed 's/ $//')
}

# a normal boot (the REPL at repl=quiet) with the devices given: it must answer (+ 40 2)
repl_boot() {
	printf '(display (+ 40 2))\n(newline)\n\004' > "$input"
	boot "repl=quiet" "$@"
	[ $status -eq 0 ] || fail "exit status $status"
	grep -q "^repl: Scheme on cpu 0" "$log" || fail "no REPL banner"
	sed '1,/^repl: Scheme on cpu/d' "$log" | grep -qx "42" || fail "the REPL did not answer 42"
}

rate=
case $name in
sdsc)
	ktest_sd 4M ""
	expect "SDSC (byte addresses)"
	expect "erase group 32 KiB (CSD SECTOR_SIZE"
	expect ", SDMA"
	;;
sdsc-pio)
	ktest_sd 4M "sd_dma=off"
	expect "programmed I/O"
	;;
sdsc2g)
	ktest_sd 2G ""
	expect "2048 MiB SDSC (byte addresses)"
	;;
sdhc)
	ktest_sd 4G "sd_group_kb=1024"
	expect "4096 MiB SDHC/SDXC (block addresses)"
	expect "boot option sd_group_kb=1024"
	;;
default)
	rm -f "$img"
	truncate -s 4G "$img"
	# shellcheck disable=SC2046
	repl_boot $(card)
	expect "SDHC/SDXC (block addresses)"
	expect "no sd_group_kb=: the default 4096 KiB"
	;;
eject)
	mon=$out/$tag.mon
	rm -f "$img" "$mon"
	truncate -s 4M "$img"
	# shellcheck disable=SC2046
	timeout "$timeout_s" "${qemu[@]}" $(card) -monitor unix:"$mon",server,nowait \
		-kernel "$kernel" -append "test=sd-eject" -serial file:"$log" \
		< /dev/null > "$log.stderr" 2>&1 &
	qpid=$!
	for ((i = 0; i < timeout_s * 10; i++)); do
		grep -q "KTEST sd eject now" "$log" 2>/dev/null && break
		kill -0 $qpid 2>/dev/null || break
		sleep 0.1
	done
	grep -q "KTEST sd eject now" "$log" || { kill $qpid 2>/dev/null; fail "the test never asked for the eject"; }
	timeout 10 python3 - "$mon" <<'PY' || { kill $qpid 2>/dev/null; fail "no eject through the monitor"; }
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"eject -f sdcard\n")
time.sleep(0.5)
PY
	wait $qpid
	status=$?
	[ $status -eq 124 ] && fail "timed out after ${timeout_s}s"
	[ $status -eq 0 ] || fail "exit status $status"
	expect "sdhci: the card was removed"
	expect "KTEST PASS sd-eject"
	rm -f "$mon"
	;;
nocard)
	repl_boot -device sdhci-pci
	expect "sdhci: no SD card in the slot"
	;;
nodev)
	repl_boot
	expect "sdhci: no SD host controller"
	;;
*)
	fail "unknown test $name"
	;;
esac
rm -f "$img"
echo "PASS $label${rate:+ ($rate)}${check:+; $check}"
