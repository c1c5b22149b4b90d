#!/usr/bin/env python3
"""net_sockets.py SMP ACCEL [ARCH] -- the TCP/IP stack and the Scheme socket names in QEMU,
tested from the host through user networking (restrict=on, every forward on 127.0.0.1:
docs/net.md, "Safety rule"; the -netdev line comes from scripts/qemu.sh netdev user).

One boot, steps in order, each bounded:
  echo     a Scheme echo server on guest TCP 7777 (a thread per connection): 8 MB through it,
           SHA-256 compared (NET_ECHO_BYTES= changes the size)
  many     32 connections open at once, each echoing 20 KB interleaved
  ping     (ping "10.0.2.2" 3) from the console: three round-trip times
  connect  (tcp-connect "10.0.2.100" 7000), which guestfwd joins to a server of this script:
           a line each way
  repl     sessions on guest TCP 23: values, an error, a define seen by the next session and by
           the console, Ctrl-C (byte 3) stopping a loop, a session closed in the middle of a
           loop (its dynamic-wind exit runs), Ctrl-D ending a session
  misuse   wrong types and closed sockets are Scheme errors, never a crash
Then (net-stats) and EOT: the exit status must be 0. A second boot has the NIC joined to this
script (-netdev dgram on 127.0.0.1) playing 10.0.2.2, with the static address of the boot
option ip=:
  udp      a Scheme UDP echo on guest UDP 7777: 50 datagrams of 1..1472 bytes, and 5 pings of
           the guest answered Prints PASS/FAIL lines; on failure the
serial log's tail."""
import hashlib
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GUEST = r'''
(define (echo-serve c)
  (let ((p (connection-input c)))
    (let loop ()
      (let ((b (read-bytevector 4096 p)))
        (if (eof-object? b)
            (tcp-close c)
            (begin (write-bytevector b (connection-output c)) (flush-output-port p) (loop)))))))
(define echo-listener (tcp-listen 7777 16))
(spawn (lambda ()
  (let loop () (let ((c (tcp-accept echo-listener))) (spawn (lambda () (echo-serve c))) (loop)))))
(define udp (udp-open 7777))
(display "guest: ready") (newline)
'''

UDP_GUEST = r'''
(define udp (udp-open 7777))
(spawn (lambda ()
  (let loop ()
    (call-with-values (lambda () (udp-receive udp))
      (lambda (bv addr port) (udp-send udp addr port bv)))
    (loop))))
(display "guest: udp ready") (newline)
'''

PING = r'''
(let ((r (ping "10.0.2.2" 3)))
  (display "guest: ping ")
  (display (if (and (= (length r) 3) (let ok ((l r)) (or (null? l) (and (integer? (car l)) (ok (cdr l))))))
               "ok" r))
  (newline))
'''

CONNECT = r'''
(let* ((c (tcp-connect "10.0.2.100" 7000)) (p (connection-output c)))
  (write-string "hello from the guest\n" p)
  (flush-output-port p)
  (display "guest: connect got ")
  (write (read-line (connection-input c)))
  (newline)
  (display "guest: connect done")
  (newline)
  (tcp-close c))
'''

MISUSE = r'''
(define (fails? thunk) (guard (e (#t #t)) (thunk) #f))
(display "guest: misuse ")
(display (list (fails? (lambda () (tcp-listen "x")))
               (fails? (lambda () (tcp-listen 0)))
               (fails? (lambda () (tcp-listen 70000)))
               (fails? (lambda () (tcp-listen 7777)))
               (fails? (lambda () (tcp-accept 5)))
               (fails? (lambda () (tcp-connect "10.0.2" 80)))
               (fails? (lambda () (tcp-connect "10.0.2.2" 0)))
               (fails? (lambda () (connection-input echo-listener)))
               (fails? (lambda () (udp-send udp "10.0.2.2" 9 "not a bytevector")))
               (fails? (lambda () (udp-send udp "10.0.2.2" 9 (make-bytevector 2000 0))))
               (fails? (lambda () (udp-receive 'x)))
               (fails? (lambda () (ping "nowhere")))
               (fails? (lambda () (ping "10.0.2.2" 0)))
               (let ((l (tcp-listen 7070))) (tcp-close l) (tcp-close l) (fails? (lambda () (tcp-accept l))))))
(newline)
(display "guest: stats ")
(let ((s (net-stats)))
  (display (list (assq 'tcp-rx s) (assq 'tcp-tx s) (assq 'tcp-retransmit s) (assq 'sockets-open s)
                 (assq 'pkt-bufs-free s) (assq 'tcp-blocks-free s))))
(newline)
'''


def log(msg):
    print(msg, flush=True)


class Fail(Exception):
    pass


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (at the time of asking)."""
    for _ in range(50):
        t = socket.socket()
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        return port
    raise Fail("no free port")


class Guest:
    def __init__(self, smp, accel, arch, logpath, dgram=None, boot=""):
        self.logpath = logpath
        self.ports = {k: free_port() for k in ("repl", "http", "user")}
        self.gsrv = socket.socket()
        self.gsrv.bind(("127.0.0.1", 0))
        self.gsrv.listen(1)
        env = dict(os.environ, REPL_PORT=str(self.ports["repl"]), HTTP_PORT=str(self.ports["http"]),
                   USER_PORT=str(self.ports["user"]), GUESTFWD_PORT=str(self.gsrv.getsockname()[1]))
        kind = ["dgram", str(dgram[0]), str(dgram[1])] if dgram else ["user"]
        netdev = subprocess.check_output([TOP + "/scripts/qemu.sh", "netdev"] + kind, env=env,
                                         text=True).split()
        if arch == "arm":
            qemu = ["qemu-system-arm", "-M", "virt,highmem=off", "-cpu", "cortex-a15",
                    "-semihosting-config", "enable=on,target=native"]
        else:
            qemu = ["qemu-system-i386", "-accel", accel, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        cmd = qemu + ["-smp", str(smp), "-m", "256", "-display", "none", "-no-reboot", "-monitor", "none",
                      "-kernel", TOP + "/build/%s/kernel.elf" % arch, "-append", "repl=pipe " + boot,
                      "-serial", "stdio"] + netdev
        self.logf = open(logpath, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.logf, stderr=subprocess.STDOUT)

    def text(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode(errors="replace")

    def send(self, src):
        self.proc.stdin.write(src.encode())
        self.proc.stdin.flush()

    def wait_for(self, marker, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if marker in self.text():
                return
            if self.proc.poll() is not None:
                raise Fail("QEMU exited (status %d) before \"%s\"" % (self.proc.returncode, marker))
            time.sleep(0.2)
        raise Fail("no \"%s\" within %d s" % (marker, timeout))

    def line_after(self, marker, timeout=60):
        """The rest of the line after marker, once the line is complete."""
        end = time.time() + timeout
        while time.time() < end:
            t = self.text()
            i = t.rfind(marker)
            if i >= 0 and "\n" in t[i:]:
                return t[i + len(marker):].split("\n")[0]
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise Fail("no complete line \"%s...\"" % marker)


def echo_once(port, data, timeout=600):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = bytearray()

    def reader():
        try:
            while len(got) < len(data):
                b = s.recv(65536)
                if not b:
                    break
                got.extend(b)
        except OSError:
            pass
    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    t.join(timeout)
    s.close()
    return bytes(got)


def step_echo(g):
    n = int(os.environ.get("NET_ECHO_BYTES", 8 << 20))
    data = random.Random(1).randbytes(n)
    t0 = time.time()
    got = echo_once(g.ports["user"], data)
    dt = time.time() - t0
    if hashlib.sha256(got).hexdigest() != hashlib.sha256(data).hexdigest():
        raise Fail("echo: %d bytes back of %d, SHA-256 differs" % (len(got), n))
    return "%d bytes, SHA-256 equal, %.0f KB/s" % (n, n / dt / 1000)


def step_many(g):
    conns = [socket.create_connection(("127.0.0.1", g.ports["user"]), timeout=300) for _ in range(32)]
    rng = random.Random(2)
    datas = [rng.randbytes(20000) for _ in conns]
    gots = [bytearray() for _ in conns]
    for off in range(0, 20000, 2000):
        for c, d in zip(conns, datas):
            c.sendall(d[off:off + 2000])
    for c in conns:
        c.shutdown(socket.SHUT_WR)
    for c, got in zip(conns, gots):
        while True:
            b = c.recv(65536)
            if not b:
                break
            got.extend(b)
        c.close()
    bad = [i for i in range(32) if bytes(gots[i]) != datas[i]]
    if bad:
        raise Fail("many: connections %s came back wrong" % bad)
    return "32 connections at once, 20 KB each, all equal"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff


PEER_MAC = bytes.fromhex("52550a000202")
PEER_IP, GUEST_IP = bytes([10, 0, 2, 2]), bytes([10, 0, 2, 15])


def ip_frame(dst_mac, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0, PEER_IP, GUEST_IP)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return dst_mac + PEER_MAC + b"\x08\x00" + h + payload


def udp_frame(dst_mac, sport, dport, data, ident):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(PEER_IP + GUEST_IP + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    return ip_frame(dst_mac, 17, u[:6] + struct.pack("!H", c) + u[8:], ident)


def step_udp(smp, accel, arch, out):
    """A second boot: the NIC joined to this script (-netdev dgram on 127.0.0.1), which plays
    10.0.2.2: answers ARP, sends datagrams to the guest's UDP echo and pings the guest. (slirp
    with restrict=on drops every UDP datagram from the guest but DHCP's, so the hostfwd of UDP
    cannot carry an echo back.)"""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q.bind(("127.0.0.1", 0))
    qport = q.getsockname()[1]
    q.close()
    g = Guest(smp, accel, arch, out + "/net-sockets-udp-%s-smp%d.log" % (arch, smp),
              dgram=(qport, sock.getsockname()[1]), boot="ip=10.0.2.15/24 gw=10.0.2.2")
    try:
        g.send(UDP_GUEST)
        g.wait_for("guest: udp ready", 180)
        sock.settimeout(0.5)
        guest_mac = None
        rng = random.Random(3)
        sent = {}
        got = 0
        pings = 0
        ident = 1
        end = time.time() + 120

        def handle(f):
            nonlocal guest_mac, got, pings
            if len(f) < 14:
                return
            guest_mac = guest_mac or f[6:12]
            if f[12:14] == b"\x08\x06" and len(f) >= 42 and f[21] == 1 and f[38:42] == PEER_IP:
                reply = (f[6:12] + PEER_MAC + b"\x08\x06" + bytes([0, 1, 8, 0, 6, 4, 0, 2]) + PEER_MAC +
                         PEER_IP + f[22:28] + f[28:32])
                sock.sendto(reply, ("127.0.0.1", qport))
            elif f[12:14] == b"\x08\x00" and f[23] == 17:
                ihl = (f[14] & 15) * 4
                u = f[14 + ihl:]
                sport, dport, ln = struct.unpack("!HHH", u[:6])
                if sport == 7777 and sent.get(dport) == u[8:ln]:
                    got += 1
                    del sent[dport]
            elif f[12:14] == b"\x08\x00" and f[23] == 1:
                ihl = (f[14] & 15) * 4
                if f[14 + ihl] == 0:	# an echo reply from the guest
                    pings += 1

        for i in range(50):
            d = rng.randbytes(rng.choice([1, 7, 100, 512, 1000, 1472]))
            sent[20000 + i] = d
            mac = guest_mac or bytes.fromhex("525400123456")
            sock.sendto(udp_frame(mac, 20000 + i, 7777, d, ident), ("127.0.0.1", qport))
            ident += 1
            if i % 10 == 0:	# and ping the guest
                icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, i) + b"x" * 56
                icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
                sock.sendto(ip_frame(mac, 1, icmp, ident), ("127.0.0.1", qport))
                ident += 1
            t_end = time.time() + 2
            while sent.get(20000 + i) is not None and time.time() < t_end:
                try:
                    handle(sock.recv(2048))
                except socket.timeout:
                    pass
            if time.time() > end:
                break
        t_end = time.time() + 3
        while time.time() < t_end:
            try:
                handle(sock.recv(2048))
            except socket.timeout:
                pass
        if got < 48:
            raise Fail("udp: only %d of 50 datagrams echoed" % got)
        if pings < 4:
            raise Fail("udp: the guest answered %d of 5 pings" % pings)
        g.send("\x04")
        g.proc.wait(120)
        if g.proc.returncode != 0:
            raise Fail("udp boot: exit status %d, want 0" % g.proc.returncode)
        return "%d of 50 datagrams of 1..1472 bytes echoed, %d of 5 pings answered" % (got, pings)
    except Fail as e:
        raise Fail("%s\n----- udp boot's serial log (%s) -----\n%s" % (e, g.logpath, g.text()[-2000:]))
    finally:
        if g.proc.poll() is None:
            g.proc.kill()
        sock.close()


def step_ping(g):
    g.send(PING)
    g.wait_for("guest: ping", 60)
    r = g.line_after("guest: ping ")
    if r != "ok":
        raise Fail("ping: %s" % r)
    return "3 replies"


def step_connect(g):
    g.gsrv.settimeout(60)
    g.send(CONNECT)
    c, _ = g.gsrv.accept()
    c.settimeout(60)
    line = b""
    while not line.endswith(b"\n"):
        b = c.recv(100)
        if not b:
            break
        line += b
    if line != b"hello from the guest\n":
        raise Fail("connect: the host got %r" % line)
    c.sendall(b"hello from the host\n")
    c.close()
    g.wait_for("guest: connect done", 60)
    got = g.line_after("guest: connect got ")
    if got != '"hello from the host"':
        raise Fail("connect: the guest read %s" % got)
    # (QEMU's guestfwd does not pass the host's close on as a FIN: no end-of-stream check here;
    # the echo steps check it through hostfwd)
    return "guest to host through guestfwd, both ways"


class Session:
    def __init__(self, g):
        self.s = socket.create_connection(("127.0.0.1", g.ports["repl"]), timeout=60)
        self.buf = b""
        self.read_prompt()

    def read_prompt(self, timeout=60):
        end = time.time() + timeout
        while not self.buf.endswith(b"> "):
            self.s.settimeout(max(0.1, end - time.time()))
            try:
                b = self.s.recv(4096)
            except socket.timeout:
                raise Fail("repl: no prompt; got %r" % self.buf)
            if not b:
                raise Fail("repl: the session closed; got %r" % self.buf)
            self.buf += b
        out, self.buf = self.buf[:-2].decode(errors="replace"), b""
        return out

    def eval(self, line, timeout=60):
        self.s.sendall(line.encode() + b"\n")
        return self.read_prompt(timeout)


def step_repl(g):
    s = Session(g)
    checks = [("(+ 1 2)", "3\n"), ("(car 5)", "error: car: expected pair, got 5\n"),
              ("(define shared-x 42)", ""), ('(display "hi")', "hi"),
              ("(values 1 2)", "1\n2\n")]
    for expr, want in checks:
        got = s.eval(expr)
        if got != want:
            raise Fail("repl: %s gave %r, want %r" % (expr, got, want))
    s.s.sendall(b"(let loop () (loop))\n")
    time.sleep(1)
    s.s.sendall(b"\x03")
    got = s.read_prompt(120)
    if got != "error: interrupted\n":
        raise Fail("repl: Ctrl-C gave %r" % got)
    if s.eval("(* shared-x 2)") != "84\n":
        raise Fail("repl: the session does not go on after Ctrl-C")
    # a second session sees the first one's define; closing it in a loop ends the loop
    t = Session(g)
    if t.eval("shared-x") != "42\n":
        raise Fail("repl: a second session does not see the global environment")
    t.s.sendall(b"(define loop-ended #f)\n(dynamic-wind (lambda () #f) (lambda () (let loop () (loop))) "
                b"(lambda () (set! loop-ended #t)))\n")
    time.sleep(2)
    t.s.close()
    end = time.time() + 60
    while time.time() < end:
        if s.eval("loop-ended") == "#t\n":
            break
        time.sleep(0.5)
    else:
        raise Fail("repl: closing a session did not stop its loop")
    # Ctrl-C drops what was typed ahead of it, not what is sent after it
    s.s.sendall(b"(let loop () (loop))\n(display \"typed-ahead-ran\")\n")
    time.sleep(1)
    s.s.sendall(b"\x03")
    got = s.read_prompt(120)
    if got != "error: interrupted\n":
        raise Fail("repl: Ctrl-C with type-ahead gave %r" % got)
    if s.eval("(+ 2 2)") != "4\n":
        raise Fail("repl: the typed-ahead line ran, or the session is lost")
    # a session cannot take over the listener: redefining spawn changes nothing of it
    s.eval("(define saved-spawn spawn)")
    s.eval("(set! spawn (lambda args (exit 7)))")
    u = Session(g)
    if u.eval("(+ 40 2)") != "42\n":
        raise Fail("repl: a session after spawn was redefined does not work")
    u.s.close()
    s.eval("(set! spawn saved-spawn)")
    # the client half-closes right after a loop: it is interrupted after the grace, the session ends
    v = Session(g)
    v.s.sendall(b"(let loop () (loop))\n")
    v.s.shutdown(socket.SHUT_WR)
    v.s.settimeout(60)
    rest = b""
    while True:
        b = v.s.recv(100)
        if not b:
            break
        rest += b
    v.s.close()
    if b"error: interrupted" not in rest:
        raise Fail("repl: a loop after the client's FIN was not interrupted: %r" % rest)
    s.s.sendall(b"\x04")	# Ctrl-D: the session ends, the connection closes
    s.s.settimeout(30)
    rest = b""
    while True:
        b = s.s.recv(100)
        if not b:
            break
        rest += b
    s.s.close()
    # the console is untouched
    g.send('(display "guest: console ") (display shared-x) (newline)\n')
    g.wait_for("guest: console 42", 60)
    return ("values, error, define shared, Ctrl-C, type-ahead dropped, a closed session's loop "
            "stopped, listener not hijacked, a loop after FIN interrupted, Ctrl-D")


def step_misuse(g):
    g.send(MISUSE)
    g.wait_for("guest: stats", 60)
    m = g.line_after("guest: misuse ")
    if m != "(" + " ".join(["#t"] * 14) + ")":
        raise Fail("misuse: %s" % m)
    return "14 misuses, each an error; " + g.line_after("guest: stats ")


def main():
    smp, accel = int(sys.argv[1]), sys.argv[2]
    arch = sys.argv[3] if len(sys.argv) > 3 else "x86"
    label = "qemu net sockets SMP=%d %s%s" % (smp, accel, "" if arch == "x86" else " " + arch)
    out = TOP + "/build/tests/qemu"
    os.makedirs(out, exist_ok=True)
    logpath = "%s/net-sockets-%s-smp%d.log" % (out, arch, smp)
    signal.alarm(int(os.environ.get("NET_TEST_TIMEOUT", 1200)))	# a hung run fails
    g = Guest(smp, accel, arch, logpath)
    failed = False
    try:
        g.send(GUEST)
        g.wait_for("guest: ready", 180)
        for name, step in [("echo", step_echo), ("many", step_many), ("ping", step_ping), ("connect", step_connect), ("repl", step_repl),
                           ("misuse", step_misuse)]:
            t0 = time.time()
            what = step(g)
            log("PASS %s %s (%s; %.1f s)" % (label, name, what, time.time() - t0))
        g.send("\x04")
        g.proc.wait(120)
        if g.proc.returncode != 0:
            raise Fail("exit status %d, want 0" % g.proc.returncode)
        t0 = time.time()
        what = step_udp(smp, accel, arch, out)
        log("PASS %s udp (%s; %.1f s)" % (label, what, time.time() - t0))
    except (Fail, OSError, subprocess.TimeoutExpired) as e:
        failed = True
        log("FAIL %s: %s" % (label, e))
        log("----- serial log, last 3000 bytes (%s) -----" % logpath)
        log(g.text()[-3000:])
        log("----- end of log -----")
    finally:
        if g.proc.poll() is None:
            g.proc.kill()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
