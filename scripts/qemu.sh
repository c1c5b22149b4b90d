#!/bin/bash
# qemu.sh MODE ARCH SMP MEM ACCEL IMAGE -- boot the kernel in QEMU.
#   run:   the GRUB ISO, serial console on this terminal (or on the pipe, for make run < file);
#          QEMU's exit status is the kernel's (see README, "Exit status"). Piped input gets the
#          boot option repl=pipe (through QEMU's fw_cfg: the ISO's command line is fixed), so
#          the output is the program's and the values the REPL writes, without prompt or echo;
#          an EOT after the input ends the REPL, which powers off.
#   debug: the kernel ELF stopped at its first instruction, with gdb attached.
set -eu
mode=$1 arch=$2 smp=$3 mem=$4 accel=$5 image=$6
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$arch" != x86 ]; then
	echo "make run ARCH=$arch: only ARCH=x86 exists so far (the ARM port is a later issue)" >&2
	exit 2
fi
accel=$("$top/scripts/accel.sh" "$accel")
devices="-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot
	-netdev user,id=n0 -device rtl8139,netdev=n0
	-device sdhci-pci -drive id=sdcard,if=none,format=raw,file=$top/build/sd.img -device sd-card,drive=sdcard"
case $mode in
run)
	echo "booting $image: SMP=$smp, ${mem} MiB, $accel; quit with Ctrl-A X" >&2
	if [ -t 0 ]; then
		# shellcheck disable=SC2086
		exec qemu-system-i386 -accel "$accel" -smp "$smp" -m "$mem" -cdrom "$image" -boot d \
			-nographic $devices
	fi
	# shellcheck disable=SC2086
	{ cat; printf '\004'; } | qemu-system-i386 -accel "$accel" -smp "$smp" -m "$mem" \
		-cdrom "$image" -boot d -display none -monitor none -serial stdio \
		-fw_cfg name=opt/lispos/cmdline,string=repl=pipe $devices
	;;
debug)
	echo "gdb on :1234; QEMU's serial console is in build/debug-serial.log" >&2
	# shellcheck disable=SC2086
	qemu-system-i386 -accel tcg -smp "$smp" -m "$mem" -kernel "$image" -display none \
		-serial file:"$top/build/debug-serial.log" $devices -s -S &
	qpid=$!
	trap 'kill $qpid 2>/dev/null || true' EXIT INT TERM
	for _ in $(seq 50); do	# wait for the gdb stub to listen
		(echo > /dev/tcp/127.0.0.1/1234) 2>/dev/null && break
		sleep 0.1
	done
	gdb -q -ex "set architecture i386" -ex "file $image" -ex "target remote :1234" \
		-ex "break kmain" -ex "continue"
	;;
*)
	echo "qemu.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
