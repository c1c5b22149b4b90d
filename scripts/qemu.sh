#!/bin/bash
# qemu.sh MODE ARCH SMP MEM ACCEL IMAGE -- boot the kernel in QEMU.
#   run:   the GRUB ISO (x86) or the kernel ELF (arm), serial console on this terminal (or on
#          the pipe, for make run < file);
#          QEMU's exit status is the kernel's (see README, "Exit status"). Piped input gets the
#          boot option repl=pipe (through QEMU's fw_cfg: the ISO's command line is fixed), so
#          the output is the program's and the values the REPL writes, without prompt or echo;
#          an EOT after the input ends the REPL, which powers off.
#   debug: the kernel ELF stopped at its first instruction, with gdb attached.
set -eu
mode=$1 arch=$2 smp=$3 mem=$4 accel=$5 image=$6
top=$(cd "$(dirname "$0")/.." && pwd)
case $arch in
x86) accel=$("$top/scripts/accel.sh" "$accel") ;;
arm) accel=tcg ;;	# an ARM guest on an x86 host: TCG only
*) echo "make run ARCH=$arch: ARCH is x86 or arm" >&2; exit 2 ;;
esac
devices="-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot
	-netdev user,id=n0 -device rtl8139,netdev=n0
	-device sdhci-pci -drive id=sdcard,if=none,format=raw,file=$top/build/sd.img -device sd-card,drive=sdcard"
# ARM (QEMU virt, 32-bit: highmem=off keeps the PCIe windows below 4 GiB): the kernel ELF with
# -kernel, boot options through -append (the device tree's /chosen/bootargs), the exit status
# through semihosting where x86 has isa-debug-exit; the same NIC and SD card on its PCIe bus
if [ "$arch" = arm ]; then
	devices=${devices/-device isa-debug-exit,iobase=0xf4,iosize=4/-semihosting-config enable=on,target=native}
	machine=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -kernel "$image")
	pipe_opts=(-append repl=pipe)
	gdb_arch=arm
else
	machine=(qemu-system-i386 -accel "$accel" -cdrom "$image" -boot d)
	pipe_opts=(-fw_cfg name=opt/lispos/cmdline,string=repl=pipe)
	gdb_arch=i386
fi
case $mode in
run)
	echo "booting $image: SMP=$smp, ${mem} MiB, $accel; quit with Ctrl-A X" >&2
	if [ -t 0 ]; then
		# shellcheck disable=SC2086
		exec "${machine[@]}" -smp "$smp" -m "$mem" -nographic $devices
	fi
	# shellcheck disable=SC2086
	{ cat; printf '\004'; } | "${machine[@]}" -smp "$smp" -m "$mem" \
		-display none -monitor none -serial stdio "${pipe_opts[@]}" $devices
	;;
debug)
	echo "gdb on :1234; QEMU's serial console is in build/debug-serial.log" >&2
	[ "$arch" = x86 ] && machine=(qemu-system-i386 -accel tcg -kernel "$image")
	# shellcheck disable=SC2086
	"${machine[@]}" -smp "$smp" -m "$mem" -display none \
		-serial file:"$top/build/debug-serial.log" $devices -s -S &
	qpid=$!
	trap 'kill $qpid 2>/dev/null || true' EXIT INT TERM
	for _ in $(seq 50); do	# wait for the gdb stub to listen
		(echo > /dev/tcp/127.0.0.1/1234) 2>/dev/null && break
		sleep 0.1
	done
	gdb=gdb; [ "$arch" = arm ] && command -v gdb-multiarch > /dev/null && gdb=gdb-multiarch
	$gdb -q -ex "set architecture $gdb_arch" -ex "file $image" -ex "target remote :1234" \
		-ex "break kmain" -ex "continue"
	;;
*)
	echo "qemu.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
