#!/bin/bash
# net_lossy.sh NAME SMP ACCEL -- the guest's network through a lossy wire: tests/qemu/net/bridge.py
# between the RTL8139 and QEMU's user network (scripts/qemu.sh netdev bridged; restrict=on, every
# port on 127.0.0.1: docs/net.md, "Safety rule"). Prints "PASS ..." or "FAIL ..." with the bridge's
# and the client's output and the serial log's tail. Every QEMU run, the bridge and the client
# have a timeout.
#   bridge       raw frames only (runs today): the guest sends LOSSY_REQUESTS (200) ARP requests
#                for 10.0.2.2 through the bridge at 10 % loss, 10 % reordering, 5 % duplication;
#                the bridge's counters must show drops and duplicates both ways, slirp must have
#                answered every request that reached it, and the guest must have received exactly
#                the frames the bridge sent it; then a host client connects to the hostfwd port
#                and the guest must see slirp's SYN for port 7777 come through the bridge
#   bridge-fuzz  raw frames only (runs today): the same ARP exchange, unimpaired, while the bridge
#                sends LOSSY_FUZZ (2000) malformed frames to the guest (tests/qemu/net/frames.py);
#                the guest must receive exactly the frames and bytes the RTL8139 takes (every
#                one for its MAC, runts padded to 60 bytes; none for other MACs), every ARP
#                answer among them, and then slirp's SYN
#   lossy        (needs the socket API) tests/qemu/net/echo.scm on port 7777; client.py sends
#                LOSSY_BYTES (8 MiB) through the bridge at 5 % loss, 5 % reordering, 1 %
#                duplication and checks every byte that comes back and its SHA-256
#   fuzz         (needs the socket API) the same server; the bridge sends LOSSY_FUZZ (5000)
#                malformed frames to the guest while a transfer runs, then a fresh connection must
#                echo; the guest prints (net-stats): every drop counter the frames aim at must
#                have moved
#   lossy-host, fuzz-host  (run today) the same two with the portable stack on the host in the
#                guest's place (tests/qemu/net/hoststack.py: net/*.c through ctypes, on the NIC's
#                side of the bridge) and slirp alone in QEMU -M none (qemu.sh netdev slirp-wire):
#                the bridge, the frames, the client and the checks, end to end, without the kernel
#   frames       frames.py --self-test: every malformed kind decodes to the defects it promises
# LOSSY_SEED=N replays the bridge's fates and frames (and the client's bytes); LOSSY_LOSS,
# LOSSY_REORDER, LOSSY_DUP override the rates.
set -u
name=$1 smp=$2 accel=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$top/build/x86/kernel.elf
here=$top/tests/qemu/net
out=$top/build/tests/qemu
mkdir -p "$out"
timeout_s=${NET_QEMU_TIMEOUT:-1800}
seed=${LOSSY_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
seed=$((seed % 1073741824))
tag=net-lossy-$name-smp$smp-$accel
label="qemu net-lossy $name SMP=$smp $accel"
log=$out/$tag.log
input=$out/$tag.in
blog=$out/$tag.bridge
clog=$out/$tag.client
qemu_pid='' bridge_pid='' client_pid='' slirp_pid='' fd3=''
rm -f "$log" "$blog" "$clog" "$input"

stop() {
	for p in $client_pid $qemu_pid $slirp_pid; do kill "$p" 2>/dev/null; done
	if [ -n "$bridge_pid" ]; then kill -TERM "$bridge_pid" 2>/dev/null; wait "$bridge_pid" 2>/dev/null; fi
	client_pid='' qemu_pid='' bridge_pid='' slirp_pid=''
}

fail() {
	echo "FAIL $label (seed $seed): $*"
	stop
	for f in "$blog" "$clog"; do
		[ -f "$f" ] || continue
		echo "----- $(basename "$f") -----"
		tail -n 25 "$f"
	done
	echo "----- serial log, last 3000 bytes ($log) -----"
	tail -c 3000 "$log" 2>/dev/null
	[ -s "$log.stderr" ] && { echo "----- QEMU's stderr -----"; tail -n 10 "$log.stderr"; }
	echo "----- end of log -----"
	exit 1
}

# N free ports on 127.0.0.1 of TYPE (udp or tcp), free when asked
free_ports() {
	python3 -c 'import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
a = [socket.socket(socket.AF_INET, t) for _ in range(int(sys.argv[2]))]
for s in a: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in a])' "$1" "$2"
}

# start_bridge ARGS...: bridge.py on four fresh ports (L1 R1 L2 R2, as qemu.sh netdev bridged)
start_bridge() {
	read -r L1 R1 L2 R2 < <(free_ports udp 4)
	# --duration is its timeout (a timeout(1) around it would die of the SIGUSR1 below)
	python3 "$here/bridge.py" "$L1" "$R1" "$L2" "$R2" --seed "$seed" --duration "$timeout_s" "$@" \
		> "$blog" 2>&1 &
	bridge_pid=$!
	for _ in $(seq 100); do
		grep -q "^bridge: listening" "$blog" 2>/dev/null && return
		sleep 0.1
	done
	fail "the bridge did not start"
}

# boot BOOT-OPTIONS: the kernel in the background, its serial line reading $input (a file or a
# FIFO), on the bridged network with USER_PORT forwarded from 127.0.0.1:$uport
boot() {
	local nd
	nd=$(REPL_PORT=0 HTTP_PORT=0 USER_PORT=$uport "$top/scripts/qemu.sh" netdev bridged "$L1" "$R1" "$L2" "$R2") ||
		fail "qemu.sh netdev bridged"
	start=$(date +%s%N)
	# shellcheck disable=SC2086
	timeout "$timeout_s" qemu-system-i386 -accel "$accel" -smp "$smp" -m 256 -display none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 $nd -kernel "$kernel" -append "repl=quiet $1" \
		-serial stdio < "$input" > "$log" 2> "$log.stderr" &
	qemu_pid=$!
}

# wait_for TEXT SECONDS: until TEXT is in the serial log; fails if QEMU ends first or time is up
wait_for() {
	local n=$(($2 * 10))
	while [ $n -gt 0 ]; do
		grep -q "^error: " "$log" 2>/dev/null && fail "the guest's program: $(grep -m 1 "^error: " "$log")"
		grep -qF -- "$1" "$log" 2>/dev/null && return
		kill -0 "$qemu_pid" 2>/dev/null || { grep -qF -- "$1" "$log" && return; fail "QEMU ended before \"$1\""; }
		sleep 0.1
		n=$((n - 1))
	done
	fail "no \"$1\" in the serial log after $2 s"
}

# wait_qemu: QEMU's exit status in $status (124: timed out)
wait_qemu() {
	wait "$qemu_pid"
	status=$?
	qemu_pid=
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $status -eq 124 ] && fail "timed out after ${timeout_s}s"
	grep -q "^repl: Scheme on cpu 0" "$log" || fail "no REPL banner (status $status)"
	[ $status -eq 0 ] || fail "exit status $status, want 0"
}

# stop_bridge: its final counters are in $blog
stop_bridge() {
	kill -TERM "$bridge_pid" 2>/dev/null
	wait "$bridge_pid"
	bridge_pid=
	grep -q "^bridge: to-guest " "$blog" || fail "the bridge printed no counters"
}

# counter LINE-PREFIX NAME: the counter NAME on the bridge's last line starting LINE-PREFIX
counter() {
	grep "^$1 " "$blog" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

expect() { grep -qF -- "$1" "$log" || fail "no \"$1\" in the serial log"; }

uport=$(free_ports tcp 1)
case $name in
frames)
	timeout 300 python3 "$here/frames.py" --self-test --count 20000 --seed "$seed" > "$clog" 2>&1 ||
		fail "frames.py --self-test"
	echo "PASS $label (seed $seed; $(grep -o '^frames: [0-9]* frames of [0-9]* kinds' "$clog" | cut -d' ' -f2-))"
	;;
bridge|bridge-fuzz)
	requests=${LOSSY_REQUESTS:-200}
	if [ "$name" = bridge ]; then
		start_bridge --loss "${LOSSY_LOSS:-0.1}" --reorder "${LOSSY_REORDER:-0.1}" --dup "${LOSSY_DUP:-0.05}"
	else
		start_bridge --fuzz "${LOSSY_FUZZ:-2000}" --fuzz-start mac --fuzz-rate 200
	fi
	{ echo "(define requests $requests)"; cat "$here/bridge.scm"; printf '\004'; } > "$input"
	boot ""
	wait_for "arp: done" 600
	kill -USR1 "$bridge_pid"	# the counters now: the guest has had 3 s without a frame
	for _ in $(seq 50); do grep -q "^bridge: now to-slirp" "$blog" && break; sleep 0.1; done
	timeout 120 python3 "$here/client.py" "$uport" --syn-only 15 > "$clog" 2>&1 &
	client_pid=$!
	wait_for "syn: " 120
	kill "$client_pid" 2>/dev/null
	wait "$client_pid" 2>/dev/null
	client_pid=
	wait_qemu
	stop_bridge
	read -r _ _ _ _ gframes _ gbytes _ greplies _ < <(grep "^arp: requests" "$log")
	tg_frames=$(counter "bridge: now to-guest" frames) tg_sent=$(counter "bridge: now to-guest" sent)
	tg_bytes=$(counter "bridge: now to-guest" bytes)
	ts_frames=$(counter "bridge: now to-slirp" frames) ts_sent=$(counter "bridge: now to-slirp" sent)
	[ -n "$tg_sent" ] && [ -n "$ts_sent" ] || fail "no counters from the bridge's SIGUSR1"
	expect "syn: from #u8(10 0 2 2) port"
	[ "$ts_frames" -eq "$requests" ] || fail "the bridge saw $ts_frames frames from the guest, want $requests"
	[ "$tg_frames" -eq "$ts_sent" ] || fail "slirp answered $tg_frames of the $ts_sent requests it got"
	if [ "$name" = bridge ]; then
		[ "$gframes" -eq "$tg_sent" ] && [ "$gbytes" -eq "$tg_bytes" ] ||
			fail "the guest received $gframes frames of $gbytes bytes, the bridge sent it $tg_sent of $tg_bytes"
		[ "$greplies" -eq "$tg_sent" ] || fail "$greplies of the guest's $gframes frames were ARP replies"
		for dir in to-guest to-slirp; do
			for what in dropped duplicated reordered; do
				n=$(counter "bridge: now $dir" $what)
				[ "${n:-0}" -gt 0 ] || fail "the bridge $what no frame $dir"
			done
		done
		detail="to-slirp $(grep '^bridge: now to-slirp' "$blog" | cut -d' ' -f4-); to-guest $(grep '^bridge: now to-guest' "$blog" | cut -d' ' -f4-)"
	else
		fuzz=$(counter "bridge: now fuzz" sent)
		[ "${fuzz:-0}" -eq "${LOSSY_FUZZ:-2000}" ] || fail "the bridge sent ${fuzz:-0} malformed frames before the guest went quiet"
		# the RTL8139 takes every frame for its MAC (runts padded to 60 bytes), not other MACs;
		# the raw handle's bounded queue may drop some (counted), the ring must not
		acc=$(counter "bridge: now fuzz" accepted) accb=$(counter "bridge: now fuzz" accepted-bytes)
		hdrop=$(sed -n 's/^stat: handle-dropped //p' "$log")
		for c in rx-overflows rx-fifo-overflows; do
			n=$(sed -n "s/^stat: $c //p" "$log")
			[ "${n:-0}" -eq 0 ] || fail "the guest's RX ring overflowed ($c $n): frames lost inside QEMU's RTL8139"
		done
		if [ "${hdrop:-0}" -eq 0 ]; then
			[ "$gframes" -eq $((tg_sent + acc)) ] && [ "$gbytes" -eq $((tg_bytes + accb)) ] ||
				fail "the guest received $gframes frames of $gbytes bytes, want $((tg_sent + acc)) of $((tg_bytes + accb)) ($tg_sent of $tg_bytes bytes from slirp, $acc of $accb malformed)"
		else
			[ $((gframes + hdrop)) -eq $((tg_sent + acc)) ] ||
				fail "the guest received $gframes frames and its handle dropped $hdrop, want $((tg_sent + acc)) ($tg_sent from slirp, $acc malformed)"
		fi
		[ "$greplies" -eq "$requests" ] || fail "$greplies ARP replies for $requests requests"
		detail="$fuzz malformed frames, $acc for its MAC; the guest received $gframes frames, $gbytes bytes"
		[ "${hdrop:-0}" -eq 0 ] && detail="$detail: all" || detail="$detail, its raw handle's queue dropped $hdrop"
	fi
	echo "PASS $label (${ms} ms; seed $seed; $detail)"
	;;
lossy|fuzz|lossy-host|fuzz-host)
	kind=${name%-host}
	[ "$kind" = lossy ] && start_bridge --loss "${LOSSY_LOSS:-0.05}" --reorder "${LOSSY_REORDER:-0.05}" \
		--dup "${LOSSY_DUP:-0.01}"
	[ "$kind" = fuzz ] && start_bridge --loss "${LOSSY_LOSS:-0}" --reorder "${LOSSY_REORDER:-0}" \
		--dup "${LOSSY_DUP:-0}" --fuzz "${LOSSY_FUZZ:-5000}" --fuzz-start tcp --fuzz-rate 200
	if [ "$kind" = "$name" ]; then
		# the serial line is a FIFO: the program now, the question for (net-stats) at the end
		mkfifo "$input" || fail "mkfifo $input"
		exec {fd3}<> "$input"
		cat "$here/echo.scm" >&$fd3
		boot ""
		wait_for "echo: listening on 7777" 300
	else
		# the portable stack on the host in the guest's place, slirp alone in QEMU (-M none)
		python3 "$here/hoststack.py" "$L1" "$R1" --seed "$seed" --duration "$timeout_s" > "$log" 2>&1 &
		qemu_pid=$!	# what wait_for watches
		nd=$(REPL_PORT=0 HTTP_PORT=0 USER_PORT=$uport "$top/scripts/qemu.sh" netdev slirp-wire "$L2" "$R2") ||
			fail "qemu.sh netdev slirp-wire"
		start=$(date +%s%N)
		# shellcheck disable=SC2086
		timeout "$timeout_s" qemu-system-i386 -M none -display none -nodefaults $nd \
			> "$log.stderr" 2>&1 &
		slirp_pid=$!
		wait_for "hoststack: listening on 7777" 120
	fi
	if [ "$kind" = lossy ]; then
		timeout "$timeout_s" python3 "$here/client.py" "$uport" --seed "$seed" \
			--bytes "${LOSSY_BYTES:-8388608}" > "$clog" 2>&1
	else
		timeout "$timeout_s" python3 "$here/client.py" "$uport" --seed "$seed" --bytes 262144 \
			--until "$blog:bridge: fuzz done" --fresh 65536 > "$clog" 2>&1
	fi
	cstatus=$?
	if [ "$kind" = "$name" ]; then
		# memory must come back: wait (up to 10 s, for the last FINs) until the packet
		# buffers and the TCP buffer blocks are all free again, then print every counter
		cat >&$fd3 <<'SCM'
(let loop ((i 0))
  (let* ((s (net-stats)) (v (lambda (k) (cdr (assq k s)))))
    (unless (or (= i 100) (and (= (v 'pkt-bufs-free) (v 'pkt-bufs))
                               (= (v 'tcp-blocks-free) (v 'tcp-blocks))))
      (sleep 100)
      (loop (+ i 1)))))
(for-each (lambda (p) (display "stat: ") (display (car p)) (display " ") (display (cdr p)) (newline))
          (net-stats))
SCM
		printf '\004' >&$fd3
		wait_qemu
		exec {fd3}>&-
	else
		kill -TERM "$qemu_pid" "$slirp_pid"
		wait "$qemu_pid"
		status=$?
		wait "$slirp_pid"
		qemu_pid='' slirp_pid=''
		ms=$((($(date +%s%N) - start) / 1000000))
		grep -q "^stat-end" "$log" || fail "hoststack.py printed no counters"
		[ $status -eq 0 ] || fail "hoststack.py: status $status"
	fi
	stop_bridge
	[ $cstatus -eq 0 ] || fail "the client failed (status $cstatus)"
	grep -q "^client: PASS" "$clog" || fail "the client did not pass"
	grep -q "^stat: " "$log" || fail "no (net-stats) in the serial log"
	nonzero=$(sed -n 's/^stat: \([^ ]*\) \([1-9][0-9]*\)$/\1=\2/p' "$log" | paste -sd' ' -)
	echo "net-stats, the counters that moved: $nonzero"
	if [ "$kind" = lossy ]; then
		detail="$(grep -o '[0-9]* bytes echoed intact.*' "$clog" | head -n 1)"
	else
		# every counter the bridge's frames aim at must have moved (the bridge says which, and
		# how many frames it built for each; random and mutated frames move them too, so the
		# count is usually higher; lower means frames lost before the stack or counted elsewhere)
		missing='' table='' short=''
		for kv in $(grep "^bridge: fuzz-expects" "$blog" | cut -d' ' -f3-); do
			c=${kv%%=*} n=${kv#*=}
			case $c in "("*) continue ;; esac	# the driver's, not the stack's
			got=$(sed -n "s/^stat: \(${c}\|${c//_/-}\) \([0-9]*\)$/\2/p" "$log" | tail -n 1)
			table="$table $c=${got:-?}/$n"
			[ "${got:-0}" -gt 0 ] || missing="$missing $c"
			[ "${got:-0}" -ge "$n" ] || short="$short $c"
		done
		echo "net-stats counted/frames built for it:$table"
		for pool in pkt-bufs tcp-blocks; do
			all=$(sed -n "s/^stat: $pool \([0-9]*\)$/\1/p" "$log")
			free=$(sed -n "s/^stat: $pool-free \([0-9]*\)$/\1/p" "$log")
			[ -n "$all" ] && [ "$all" = "$free" ] ||
				fail "memory did not come back: $pool-free ${free:-?} of ${all:-?}"
		done
		[ -z "$short" ] || echo "note: counted fewer than built for:$short"
		[ -z "$missing" ] || fail "these drop counters did not move:$missing"
		detail="$(counter "bridge: fuzz" sent) malformed frames; a fresh connection echoed; packet buffers and TCP blocks all free again"
	fi
	echo "PASS $label (${ms} ms; seed $seed; $detail)"
	;;
*)
	fail "unknown test $name"
	;;
esac
