#!/bin/bash
# net.sh NAME SMP ACCEL [ARCH] -- the RTL8139 driver and the net service in QEMU, every NIC on loopback
# only (docs/net.md, "Safety rule"; the -netdev options come from scripts/qemu.sh netdev). The
# guest's Scheme program goes in on the serial line at repl=quiet; prints "PASS ..." or "FAIL ..."
# with the serial log's tail. Every QEMU run and the peer have a timeout.
#   raw   tests/qemu/net/peer.py joined to the NIC by -netdev dgram on 127.0.0.1 runs
#         tests/qemu/net/raw.scm's protocol: NET_FRAMES (default 300) frames each way, sizes
#         60..1514, checked byte for byte and by checksum (the 8 KiB RX ring wraps many times);
#         malformed, oversized and foreign frames, then good ones that must all arrive; misuse
#         of every primitive is a Scheme error. NET_SEED=N replays the peer's random frames.
#   arp   user networking with restrict=on: (ether-send) an ARP request for 10.0.2.2, slirp's
#         reply through (ether-receive), without leaving QEMU
#   scheme-driver  net=off and examples/rtl8139.scm: the card driven from Scheme alone (pci-devices,
#         pci-config-read32/write32, port I/O, dma-alloc, dma-address, irq-wait) sends an ARP
#         request and prints slirp's reply; then misuse of the DMA and interrupt primitives
#   off   boot option net=off: no driver takes the card, (ether-open) is an error naming why,
#         (pci-devices) still lists the card (for a driver in Scheme)
# At SMP > 1 the service runs on the last CPU, the REPL on CPU 0: frames cross CPUs both ways.
# ARCH is x86 (the default) or arm (the card on QEMU virt's PCIe, under TCG; ACCEL is ignored).
set -u
name=$1 smp=$2 accel=$3 arch=${4:-x86}
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$top/build/$arch/kernel.elf
here=$top/tests/qemu/net
out=$top/build/tests/qemu
mkdir -p "$out"
timeout_s=${NET_QEMU_TIMEOUT:-600}
frames=${NET_FRAMES:-300}
if [ "$arch" = arm ]; then
	accel=tcg
	tag=arm-net-$name-smp$smp
	label="qemu arm net $name SMP=$smp"
	qemu=(qemu-system-arm -M virt,highmem=off -cpu cortex-a15 -smp "$smp" -m 256 -display none
		-no-reboot -semihosting-config enable=on,target=native)
else
	tag=net-$name-smp$smp-$accel
	label="qemu net $name SMP=$smp $accel"
	qemu=(qemu-system-i386 -accel "$accel" -smp "$smp" -m 256 -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=4)
fi
log=$out/$tag.log
input=$out/$tag.in
peerlog=$out/$tag.peer
peer_pid=

fail() {
	echo "FAIL $label: $*"
	if [ -f "$peerlog" ]; then
		echo "----- peer ($peerlog) -----"
		tail -n 20 "$peerlog"
	fi
	echo "----- serial log, last 3000 bytes ($log) -----"
	tail -c 3000 "$log"
	echo "----- end of log -----"
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
	exit 1
}

# two free UDP ports on 127.0.0.1 (free when asked; the peer binds one at once)
free_ports() {
	python3 -c 'import socket
a = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for s in a: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in a])'
}

# boot NETDEV-OPTIONS BOOT-OPTIONS: the kernel with $input on the serial line
boot() {
	local start=$(date +%s%N)
	# shellcheck disable=SC2086
	timeout "$timeout_s" "${qemu[@]}" $1 -kernel "$kernel" -append "repl=quiet $2" \
		-serial stdio < "$input" > "$log" 2> "$log.stderr"
	status=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $status -eq 124 ] && fail "timed out after ${timeout_s}s"
	grep -q "^repl: Scheme on cpu 0" "$log" || fail "no REPL banner (status $status)"
}

expect() { grep -qF -- "$1" "$log" || fail "no \"$1\" in the serial log"; }

case $name in
raw)
	read -r qport pport < <(free_ports)
	timeout "$timeout_s" python3 "$here/peer.py" "$pport" "$qport" "$frames" ${NET_SEED:-} \
		> "$peerlog" 2>&1 &
	peer_pid=$!
	# the guest's first frame is lost if the peer is not bound yet (a loaded machine)
	for _ in $(seq 100); do
		grep -q "^peer: listening" "$peerlog" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "^peer: listening" "$peerlog" || fail "the peer did not start"
	{ echo "(define frames $frames)"; cat "$here/raw.scm"; printf '\004'; } > "$input"
	boot "$("$top/scripts/qemu.sh" netdev dgram "$qport" "$pport")" ""
	wait "$peer_pid"
	pstatus=$?
	peer_pid=
	expect "guest: PASS"
	[ $pstatus -eq 0 ] || fail "the peer failed (status $pstatus)"
	grep -q "^peer: PASS" "$peerlog" || fail "the peer did not pass"
	[ $status -eq 0 ] || fail "exit status $status, want 0"
	if [ "$smp" -gt 1 ]; then expect "service on cpu $((smp - 1))"; fi
	rates=$(sed -n 's/.*(\([0-9]* frames\/s\))/\1/p' "$peerlog" | paste -sd/ -)
	echo "PASS $label (${ms} ms; guest->peer/peer->guest $rates; $(grep -o 'rx-wrapped=[0-9]*' "$log"))"
	;;
arp)
	cat > "$input" <<'SCM'
(define e (ether-open))
(define mac (ether-mac e))
(ether-send e (bytevector-append (make-bytevector 6 255) mac (bytevector 8 6 0 1 8 0 6 4 0 1)
                                 mac (bytevector 10 0 2 15) (make-bytevector 6 0) (bytevector 10 0 2 2)))
(define (arp-reply? f)
  (and (>= (bytevector-length f) 42) (= (bytevector-u8-ref f 12) 8) (= (bytevector-u8-ref f 13) 6)
       (= (bytevector-u8-ref f 21) 2)
       (equal? (bytevector-copy f 28 32) (bytevector 10 0 2 2))))
(define (wait n)
  (let ((f (ether-receive e 5000)))
    (cond ((not f) (display "arp: no reply") (newline))
          ((arp-reply? f)
           (display "arp: 10.0.2.2 is at")
           (let loop ((k 22)) (if (< k 28) (begin (display " ") (display (bytevector-u8-ref f k)) (loop (+ k 1)))))
           (newline))
          ((< n 20) (wait (+ n 1))))))
(wait 0)
SCM
	printf '\004' >> "$input"
	boot "$(REPL_PORT=0 HTTP_PORT=0 USER_PORT=0 "$top/scripts/qemu.sh" netdev user)" ""
	expect "arp: 10.0.2.2 is at 82 85 10 0 2 2"	# slirp's 52:55:0a:00:02:02
	[ $status -eq 0 ] || fail "exit status $status, want 0"
	echo "PASS $label (${ms} ms)"
	;;
scheme-driver)
	{ cat "$top/examples/rtl8139.scm"; cat <<'SCM'
(define (err what thunk)
  (display (guard (c (#t (string-append what ": " (error-object-message c)))) (thunk) (string-append what ": no error")))
  (newline))
(err "dma-alloc 0" (lambda () (dma-alloc 0)))
(err "dma-alloc string" (lambda () (dma-alloc "big")))
(err "dma-alloc huge" (lambda () (dma-alloc (* 1024 1024 1024))))
(err "dma-address plain" (lambda () (dma-address (make-bytevector 16 0))))
(err "dma-address symbol" (lambda () (dma-address 'ring)))
(err "irq-wait 16" (lambda () (irq-wait 16 1)))
(err "irq-wait console" (lambda () (irq-wait 4 1)))
(err "irq-wait timeout" (lambda () (irq-wait irq -5)))
(display (list "quiet line times out" (irq-wait 9 50))) (newline)
(display (list "ring stays put" (= (dma-address ring) (begin (gc 'full) (dma-address ring))))) (newline)
SCM
	printf '\004'; } > "$input"
	boot "$(REPL_PORT=0 HTTP_PORT=0 USER_PORT=0 "$top/scripts/qemu.sh" netdev user)" "net=off"
	expect "rtl8139.scm: 10.0.2.2 is at 52:55:0a:00:02:02"
	expect "dma-alloc 0: dma-alloc: expected size in bytes"
	expect "dma-alloc string: dma-alloc: expected size in bytes"
	expect "dma-alloc huge: dma-alloc: expected size in bytes"
	expect "dma-address plain: dma-address: not a bytevector from dma-alloc"
	expect "dma-address symbol: dma-address: expected bytevector from dma-alloc"
	expect "irq-wait 16: irq-wait: expected interrupt line"
	expect "irq-wait console: irq-wait: a kernel driver uses line"
	expect "irq-wait timeout: irq-wait: expected timeout"
	expect "(quiet line times out #f)"
	expect "(ring stays put #t)"
	[ $status -eq 0 ] || fail "exit status $status, want 0"
	echo "PASS $label (${ms} ms)"
	;;
off)
	cat > "$input" <<'SCM'
(display (guard (c (#t (error-object-message c))) (ether-open))) (newline)
(display (if (member '(#x10ec #x8139) (map (lambda (d) (list (list-ref d 3) (list-ref d 4))) (pci-devices)))
             "off: card listed" "off: card missing"))
(newline)
SCM
	printf '\004' >> "$input"
	boot "$(REPL_PORT=0 HTTP_PORT=0 USER_PORT=0 "$top/scripts/qemu.sh" netdev user)" "net=off"
	expect "net: off (net=off)"
	expect "ether-open: no network driver is running (off)"
	expect "off: card listed"
	[ $status -eq 0 ] || fail "exit status $status, want 0"
	echo "PASS $label (${ms} ms)"
	;;
*)
	fail "unknown test $name"
	;;
esac
