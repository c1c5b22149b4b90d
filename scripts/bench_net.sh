#!/bin/bash
# bench_net.sh [linux] [ours] [mock] -- the network benchmark: TCP throughput both ways and
# one-byte round trips between this host and a guest behind QEMU's user networking (restrict=on,
# one hostfwd on 127.0.0.1, an RTL8139), measured by tests/bench/netbench.py. Part of `make bench`.
#   linux: Debian's linux-image-amd64 in qemu-system-x86_64 with an initramfs built here in
#          build/bench/linux-net/ (busybox-static, the RTL8139 modules of that kernel, an init that
#          sets eth0 to 10.0.2.15/24 and runs tests/bench/netsrv.c): the baseline.
#   ours:  our kernel (NET_KERNEL, default build/x86/kernel.elf) running
#          examples/netbench-server.scm, fed to its REPL on the serial line.
#   mock:  no QEMU: examples/netbench-server.scm on build/host/lisp over bytevector ports
#          standing in for connections (tests/bench/netbench-server-mock.scm), a check only.
# With no target: mock, linux, and ours when the kernel has tcp-listen (NET_TARGETS= says
# otherwise).
# Each guest: booted, waited for until its server answers (NET_WAIT s), measured, stopped; one
# QEMU at a time, every step under timeout. Rows system,test,value,unit in build/bench/net.csv
# (this run's only; system is linux_ACCEL or ours_ACCEL), then a table. Exit status 1 when a
# target failed.
#   ACCEL=auto|kvm|tcg  NET_SMP=2  NET_BYTES=8M  NET_TRIPS=2000  NET_RUNS=3  NET_WAIT=300
#   NET_PORT (host port; default a free one)  NET_LINUX=/boot/vmlinuz-VER (default the newest)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
work=$out/linux-net
csv=$out/net.csv
mkdir -p "$work"
accel=$(scripts/accel.sh "${ACCEL:-auto}")
smp=${NET_SMP:-2}
bytes=${NET_BYTES:-8M}
trips=${NET_TRIPS:-2000}
runs=${NET_RUNS:-3}
wait_s=${NET_WAIT:-300}
kernel=${NET_KERNEL:-build/x86/kernel.elf}
targets=${*:-${NET_TARGETS:-}}
ours_note=
linux_note=
if [ -z "$targets" ]; then
	targets="mock linux"
	if grep -aq tcp-listen "$kernel" 2> /dev/null; then
		targets="mock linux ours"
	else
		ours_note="  (ours not run: $kernel has no tcp-listen yet; NET_TARGETS=\"linux ours\" forces it)"
	fi
fi
port=${NET_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
rm -f "$csv"
failed=

# the initramfs of the Linux guest, from this host's Debian packages, into $work
build_linux() {
	local vmlinuz ver mods m dep f name
	vmlinuz=${NET_LINUX:-$(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' 2> /dev/null | sort -V | tail -n 1)}
	ver=${vmlinuz#*/vmlinuz-}
	mods=/lib/modules/$ver
	if [ ! -r "$vmlinuz" ] || [ ! -f "$mods/modules.dep" ]; then
		echo "bench_net: no Debian kernel (linux-image-amd64: scripts/deps.sh bench installs it)" >&2
		return 1
	fi
	if ! /bin/busybox --list 2> /dev/null | grep -qx insmod || ldd /bin/busybox > /dev/null 2>&1; then
		echo "bench_net: no static busybox (busybox-static: scripts/deps.sh bench installs it)" >&2
		return 1
	fi
	rm -rf "$work/root"
	mkdir -p "$work/root/bin" "$work/root/lib/modules" "$work/root/etc" "$work/root/proc" \
		"$work/root/sys" "$work/root/dev"
	cp /bin/busybox "$work/root/bin/busybox"
	gcc -static -O2 -Wall -Wextra -o "$work/root/bin/netsrv" tests/bench/netsrv.c
	# each driver after its dependencies (modules.dep lists them, the deepest last), each once,
	# decompressed here: busybox's insmod may not read .ko.xz or .ko.zst
	: > "$work/root/etc/modules"
	for m in 8139too 8139cp; do
		dep=$(grep -E "/$m\\.ko(\\.xz|\\.zst|\\.gz)?:" "$mods/modules.dep") ||
			{ echo "bench_net: $m is not in $mods/modules.dep" >&2; return 1; }
		for f in $(echo "${dep#*:}" | tr ' ' '\n' | tac) "${dep%%:*}"; do
			name=$(basename "$f"); name=${name%%.ko*}
			grep -qx "$name" "$work/root/etc/modules" && continue
			case $f in
			*.xz) xz -dc "$mods/$f" ;;
			*.zst) zstd -qdc "$mods/$f" ;;
			*.gz) gzip -dc "$mods/$f" ;;
			*) cat "$mods/$f" ;;
			esac > "$work/root/lib/modules/$name.ko"
			echo "$name" >> "$work/root/etc/modules"
		done
	done
	cat > "$work/root/init" <<-'EOF'
	#!/bin/busybox sh
	# PID 1 of the benchmark guest: no /dev/console in the archive, so output goes on once
	# devtmpfs is mounted
	/bin/busybox --install -s /bin
	mount -t devtmpfs devtmpfs /dev
	exec < /dev/console > /dev/console 2>&1
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	# 8139too refuses an RTL8139C+ (PCI revision 0x20, as QEMU's is) and points to 8139cp
	for m in $(cat /etc/modules); do
		case $m in 8139cp) [ -e /sys/class/net/eth0 ] && continue ;; esac
		insmod /lib/modules/$m.ko || echo "init: insmod $m failed"
	done
	drv=$(basename "$(readlink /sys/class/net/eth0/device/driver)")
	ip link set lo up
	ip addr add 10.0.2.15/24 dev eth0
	ip link set eth0 up
	dmesg | grep -i 8139
	echo "NETBENCH linux $(uname -r) eth0 driver $drv"
	exec /bin/netsrv 7777
	EOF
	chmod +x "$work/root/init"
	(cd "$work/root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$work/initramfs.cpio.gz"
	linux_kernel=$vmlinuz
}

# measure SYSTEM LOG INPUT QEMU-ARGS...: boot a guest (INPUT: its serial input; named here, since
# a job started with & reads /dev/null unless its own redirection says otherwise), wait for its
# server, run the client, stop the guest
measure() {
	local system=$1 log=$2 input=$3 qpid ok=0
	shift 3
	timeout $((wait_s + 900)) "$@" < "$input" > "$log" 2>&1 &
	qpid=$!
	if timeout $((wait_s + 10)) python3 tests/bench/netbench.py --port "$port" --probe \
		--wait "$wait_s" --timeout 30; then
		timeout 900 python3 tests/bench/netbench.py --port "$port" --system "$system" \
			--bytes "$bytes" --trips "$trips" --runs "$runs" --csv "$csv" && ok=1
	fi
	kill "$qpid" 2> /dev/null || true
	wait "$qpid" 2> /dev/null || true
	[ $ok = 1 ] || { echo "bench_net: $system failed; the end of $log:" >&2; tail -n 20 "$log" >&2; }
	[ $ok = 1 ]
}

for t in $targets; do
	case $t in
	linux)
		linux_kernel=
		if build_linux; then
			# shellcheck disable=SC2046
			measure "linux_$accel" "$work/serial.log" /dev/null \
				qemu-system-x86_64 -accel "$accel" -smp "$smp" -m 256 -display none \
				-no-reboot -kernel "$linux_kernel" -initrd "$work/initramfs.cpio.gz" \
				-append "console=ttyS0 panic=-1 quiet ipv6.disable=1" -serial stdio \
				$(scripts/qemu.sh netdev bench "$port") || failed="$failed linux"
			linux_note=$(tr -d '\r' < "$work/serial.log" | sed -n 's/^NETBENCH linux \([^ ]*\) eth0 driver \(.*\)/  linux_'"$accel"': Linux \1 (Debian), driver \2/p')
		else
			failed="$failed linux"
		fi
		;;
	ours)
		if [ ! -f "$kernel" ]; then
			echo "bench_net: no $kernel (make kernel)" >&2
			failed="$failed ours"
			continue
		fi
		# no EOT after the program: the server never returns, the guest is stopped by kill
		# shellcheck disable=SC2046
		measure "ours_$accel" "$out/ours-net.log" examples/netbench-server.scm \
			qemu-system-i386 -accel "$accel" -smp "$smp" -m 256 -display none -no-reboot \
			-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$kernel" \
			-append "repl=quiet" -serial stdio \
			$(scripts/qemu.sh netdev bench "$port") || failed="$failed ours"
		;;
	mock)
		mock=tests/bench/netbench-server-mock.scm
		{ sed '/^;; --- checks/,$d' "$mock"; cat examples/netbench-server.scm
		  sed -n '/^;; --- checks/,$p' "$mock"; } > "$out/netbench-server-mock.scm"
		# the server's loop ends in an uncaught error when the mock connections run out, so
		# the exit status is not the verdict
		timeout 60 build/host/lisp "$out/netbench-server-mock.scm" > "$out/netbench-server-mock.log" 2>&1 || true
		if grep -q "^NETBENCH-SERVER MOCK PASS" "$out/netbench-server-mock.log"; then
			echo "  examples/netbench-server.scm on mock connections (hosted): pass" >&2
		else
			echo "bench_net: examples/netbench-server.scm failed on mock connections:" >&2
			cat "$out/netbench-server-mock.log" >&2
			failed="$failed mock"
		fi
		;;
	*)
		echo "bench_net: unknown target $t (linux, ours or mock)" >&2
		exit 2
		;;
	esac
done

if [ -s "$csv" ]; then
	echo "network: TCP through QEMU user networking (restrict=on) to an RTL8139, $accel, SMP=$smp,"
	echo "  $bytes bytes each way, $trips one-byte round trips, best of $runs (MB = 10^6 bytes)"
	awk -F, 'NR > 1 {
		if (!($1 in seen)) { seen[$1] = 1; sys[++ns] = $1 }
		if (!($2 in tseen)) { tseen[$2] = 1; test[++nt] = $2; unit[$2] = $4 }
		v[$1, $2] = $3
	}
	END {
		printf "%-16s %-8s", "test", "unit"
		for (i = 1; i <= ns; i++) printf " %14s", sys[i]
		printf "\n"
		for (j = 1; j <= nt; j++) {
			printf "%-16s %-8s", test[j], unit[test[j]]
			for (i = 1; i <= ns; i++) printf " %14s", ((sys[i], test[j]) in v) ? v[sys[i], test[j]] : "-"
			printf "\n"
		}
	}' "$csv"
	[ -z "$linux_note" ] || echo "$linux_note"
	case $linux_note in *8139cp*)
		echo "    (QEMU's RTL8139 is a C+, PCI revision 0x20: 8139too refuses it, 8139cp drives it in C+ mode)" ;;
	esac
	echo "wrote $csv"
fi
[ -z "$ours_note" ] || echo "$ours_note"
[ -z "$failed" ] || { echo "bench_net: failed:$failed" >&2; exit 1; }
