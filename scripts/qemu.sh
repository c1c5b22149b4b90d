#!/bin/bash
# qemu.sh MODE ARCH SMP MEM ACCEL IMAGE -- boot the kernel in QEMU. With ARCH arm, BOARD=raspi2b
# (environment) boots QEMU raspi2b instead of virt: IMAGE is the raw kernel.img, SMP is 4 and
# MEM 1 GiB whatever is asked (the board's), and there is no NIC or SD card (no PCI).
#   run:   the GRUB ISO (x86) or the kernel ELF (arm), serial console on this terminal (or on
#          the pipe, for make run < file);
#          QEMU's exit status is the kernel's (see README, "Exit status"). Piped input gets the
#          boot option repl=pipe (through QEMU's fw_cfg: the ISO's command line is fixed), so
#          the output is the program's and the values the REPL writes, without prompt or echo;
#          an EOT after the input ends the REPL, which powers off.
#   debug: the kernel ELF stopped at its first instruction, with gdb attached.
# qemu.sh netdev KIND [ARGS] -- print the NIC's QEMU options (an RTL8139 on netdev n0); the
#   tests take them from here. This is the one place that builds a -netdev line: traffic goes
#   to loopback addresses only (docs/net.md, "Safety rule").
#   user           user networking with restrict=on (the guest reaches nothing outside) and the
#                  forwards of SPEC.md, all bound to 127.0.0.1: REPL_PORT (2323) -> guest TCP 23,
#                  HTTP_PORT (8080) -> TCP 80, USER_PORT (7777) -> TCP and UDP 7777
#                  GUESTFWD_PORT=P adds a guestfwd: the guest's TCP connection to 10.0.2.100:7000
#                  reaches a program listening on 127.0.0.1:P (one connection per run)
#   dgram L R      the NIC joined to a test program: frames as UDP datagrams from 127.0.0.1:L
#                  to 127.0.0.1:R (QEMU 7.2's -netdev dgram)
#   bench P        user networking with restrict=on and one forward, 127.0.0.1:P -> guest TCP
#                  7777 (scripts/bench_net.sh: the network benchmark's server, Linux's or ours)
#   bridged L1 R1 L2 R2
#                  a test program in the middle (tests/qemu/net/bridge.py): the NIC on dgram
#                  127.0.0.1:L1 -> 127.0.0.1:R1, and slirp-wire L2 R2; the program forwards
#                  between R1 and R2
#   slirp-wire L2 R2
#                  no NIC: the user network of `user` (restrict=on, the same forwards on
#                  127.0.0.1) joined by QEMU's hub 0 to a dgram 127.0.0.1:L2 -> 127.0.0.1:R2,
#                  so a program on R2 speaks Ethernet with slirp (with -M none: slirp alone)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

lo=127.0.0.1

# user networking as netdev $1: restrict=on, every forward bound to 127.0.0.1
netdev_user() {
	local repl=${REPL_PORT:-2323} http=${HTTP_PORT:-8080} user=${USER_PORT:-7777}
	local gfwd=
	[ -n "${GUESTFWD_PORT:-}" ] && gfwd=",guestfwd=tcp:10.0.2.100:7000-tcp:$lo:$GUESTFWD_PORT"
	echo "-netdev user,id=$1,restrict=on,hostfwd=tcp:$lo:$repl-:23,hostfwd=tcp:$lo:$http-:80,hostfwd=tcp:$lo:$user-:7777,hostfwd=udp:$lo:$user-:7777$gfwd"
}

# netdev $1: frames as UDP datagrams from 127.0.0.1:$2 to 127.0.0.1:$3
netdev_dgram() {
	case "$2" in ""|*[!0-9]*) echo "qemu.sh netdev: port $2 is not a number" >&2; return 2 ;; esac
	case "$3" in ""|*[!0-9]*) echo "qemu.sh netdev: port $3 is not a number" >&2; return 2 ;; esac
	echo "-netdev dgram,id=$1,local.type=inet,local.host=$lo,local.port=$2,remote.type=inet,remote.host=$lo,remote.port=$3"
}

# the NIC's options for KIND (see above), on stdout
netdev() {
	local kind=$1 dev="-device rtl8139,netdev=n0" nic wire
	case $kind in
	user)
		echo "$(netdev_user n0) $dev"
		;;
	dgram)
		[ $# -eq 3 ] || { echo "usage: qemu.sh netdev dgram L R" >&2; return 2; }
		nic=$(netdev_dgram n0 "$2" "$3") || return 2
		echo "$nic $dev"
		;;
	bridged)
		[ $# -eq 5 ] || { echo "usage: qemu.sh netdev bridged L1 R1 L2 R2" >&2; return 2; }
		nic=$(netdev_dgram n0 "$2" "$3") || return 2
		wire=$(netdev slirp-wire "$4" "$5") || return 2
		echo "$nic $dev $wire"
		;;
	slirp-wire)
		# QEMU's hub (hubport netdev=) joins two netdevs: slirp and the program's wire
		[ $# -eq 3 ] || { echo "usage: qemu.sh netdev slirp-wire L R" >&2; return 2; }
		wire=$(netdev_dgram wire0 "$2" "$3") || return 2
		echo "$(netdev_user slirp0) -netdev hubport,id=hp0,hubid=0,netdev=slirp0" \
			"$wire -netdev hubport,id=hp1,hubid=0,netdev=wire0"
		;;
	bench)
		echo "-netdev user,id=n0,restrict=on,hostfwd=tcp:$lo:$2-:7777 $dev"
		;;
	*)
		echo "qemu.sh netdev: unknown kind $kind (user, dgram, bench, bridged or slirp-wire)" >&2
		return 2
		;;
	esac
}

if [ "${1:-}" = netdev ]; then
	shift
	netdev "$@"
	exit
fi
mode=$1 arch=$2 smp=$3 mem=$4 accel=$5 image=$6
on= symbols=$image
case $arch in
x86) accel=$("$top/scripts/accel.sh" "$accel") ;;
arm) accel=tcg ;;	# an ARM guest on an x86 host: TCG only
*) echo "make run ARCH=$arch: ARCH is x86 or arm" >&2; exit 2 ;;
esac
devices="-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot
	$(netdev user)
	-device sdhci-pci -drive id=sdcard,if=none,format=raw,file=$top/build/sd.img -device sd-card,drive=sdcard"
# ARM (QEMU virt, 32-bit: highmem=off keeps the PCIe windows below 4 GiB): the kernel ELF with
# -kernel, boot options through -append (the device tree's /chosen/bootargs), the exit status
# through semihosting where x86 has isa-debug-exit; the same NIC and SD card on its PCIe bus
if [ "$arch" = arm ]; then
	devices=${devices/-device isa-debug-exit,iobase=0xf4,iosize=4/-semihosting-config enable=on,target=native}
	machine=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -kernel "$image")
	pipe_opts=(-append repl=pipe)
	gdb_arch=arm
	if [ "${BOARD:-virt}" = raspi2b ]; then
		# the PL011 is serial0; semihosting gives the exit status; QEMU refuses any other -m
		devices="-semihosting-config enable=on,target=native -no-reboot"
		machine=(qemu-system-arm -M raspi2b -kernel "$image")
		smp=4 mem=1024 on=" on raspi2b" symbols=${image%.img}.elf
	elif [ "${BOARD:-virt}" != virt ]; then
		echo "make run ARCH=arm BOARD=${BOARD}: BOARD is virt or raspi2b" >&2
		exit 2
	fi
else
	machine=(qemu-system-i386 -accel "$accel" -cdrom "$image" -boot d)
	pipe_opts=(-fw_cfg name=opt/lispos/cmdline,string=repl=pipe)
	gdb_arch=i386
fi
case $mode in
run)
	echo "booting $image$on: SMP=$smp, ${mem} MiB, $accel; quit with Ctrl-A X" >&2
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
	$gdb -q -ex "set architecture $gdb_arch" -ex "file $symbols" -ex "target remote :1234" \
		-ex "break kmain" -ex "continue"
	;;
*)
	echo "qemu.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
