#!/usr/bin/env python3
"""bridge.py -- a lossy wire between the guest's RTL8139 and QEMU's user network, all on 127.0.0.1
(scripts/qemu.sh netdev bridged L1 R1 L2 R2; docs/net.md). Each UDP datagram is one Ethernet frame:
the NIC's come from 127.0.0.1:L1 to our R1, slirp's from 127.0.0.1:L2 to our R2. Every frame is
forwarded to the other side, or dropped, duplicated or held back behind the next one, at the
given rates, from a seeded generator per direction (a direction's n-th frame always meets the
same fate for one seed). A host program reaches the guest through slirp's hostfwd and this wire.

    bridge.py L1 R1 L2 R2 [--loss P] [--reorder P] [--dup P] [--seed S] [--hold-ms MS]
              [--fuzz N [--fuzz-rate F] [--fuzz-start mac|tcp] [--listen-port 7777]]
              [--duration S] [--log FILE]

--fuzz N also sends N malformed frames (frames.py's Malformer) to the guest, F per second,
interleaved with the traffic, starting once the guest's MAC is known (mac) or once a TCP
connection between the guest and the gateway carries data (tcp: the frames aimed at a live
connection use its numbers); they are not impaired. Prints "bridge: listening" when bound,
"bridge: fuzz done" when the N are out, its counters so far on SIGUSR1 (each line starting
"bridge: now"), and all of them on SIGTERM, SIGINT or at --duration:
  bridge: to-guest frames=N sent=N dropped=N duplicated=N reordered=N delayed=N
  bridge: to-slirp ...
  bridge: fuzz sent=N accepted=N accepted-bytes=N kind=N ...
                                       (accepted: for the guest's MAC, or multicast; their bytes
                                       as the guest gets them, padded to 60)
  bridge: fuzz-expects counter=N ...   (the net-stats counter each accepted frame is built to
                                       move, and how many frames: other frames may move it too)
Only 127.0.0.1 is used; datagrams from any other address or port are counted and dropped."""
import argparse
import os
import random
import select
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True	# no __pycache__ in the source tree
import frames  # noqa: E402

LO = "127.0.0.1"


class Wire:
    """One direction: the impairments and their counters. At most one frame is held back at a
    time; it goes out right after the next frame sent (reordered) or after hold seconds (delayed)."""

    def __init__(self, name, seed, loss, reorder, dup, hold, send):
        self.name, self.rnd = name, random.Random(seed)
        self.loss, self.reorder, self.dup, self.hold, self.send = loss, reorder, dup, hold, send
        self.held = None	# (frame, copies, release time)
        self.n = dict(frames=0, sent=0, dropped=0, duplicated=0, reordered=0, delayed=0, bytes=0)

    def _out(self, frame, copies):
        for _ in range(copies):
            self.send(frame)
            self.n["sent"] += 1
            self.n["bytes"] += len(frame)

    def put(self, frame, now):
        self.n["frames"] += 1
        lose, dup, hold = self.rnd.random(), self.rnd.random(), self.rnd.random()
        if lose < self.loss:
            self.n["dropped"] += 1
            return
        copies = 1
        if dup < self.dup:
            copies = 2
            self.n["duplicated"] += 1
        if hold < self.reorder and self.held is None:
            self.held = (frame, copies, now + self.hold)
            return
        self._out(frame, copies)
        if self.held:
            self._out(self.held[0], self.held[1])
            self.held = None
            self.n["reordered"] += 1

    def tick(self, now):
        """Releases a frame held too long; returns when to call again (or None)."""
        if self.held and now >= self.held[2]:
            self._out(self.held[0], self.held[1])
            self.held = None
            self.n["delayed"] += 1
        return self.held[2] if self.held else None

    def line(self, tag="bridge:"):
        return "%s %s %s" % (tag, self.name, " ".join("%s=%d" % kv for kv in self.n.items()))


class Fuzzer:
    """Paces the Malformer's frames toward the guest."""

    def __init__(self, count, rate, start, seed, listen_port, flow, send):
        self.left, self.rate, self.start, self.seed = count, rate, start, seed
        self.port, self.flow, self.send = listen_port, flow, send
        self.gen = None
        self.next_at = None
        self.kinds, self.expects = {}, {}
        self.sent = 0
        self.accepted = self.accepted_bytes = 0	# what the guest's RTL8139 takes, at its length

    def due(self, now, guest_mac, guest_ip, gw_mac):
        """Sends what is due; returns when to call again (or None)."""
        if self.left <= 0 or guest_mac is None:
            return None
        if self.gen is None:
            if self.start == "tcp" and not self.flow.ready():
                return None
            self.gen = frames.Malformer(self.seed, guest_mac, guest_ip, gw_mac, self.port, self.flow)
            self.next_at = now
            print("bridge: fuzz starts (guest %s %s, flow %s)" % (guest_mac.hex(":"),
                  frames.ip_str(guest_ip), self.flow.key), flush=True)
        burst = 0
        while self.left > 0 and now >= self.next_at and burst < 4:	# late: catch up, gently
            aimed = self.flow.ready()
            kind, f, want = self.gen.next()
            self.send(f)
            self.left -= 1
            self.sent += 1
            burst += 1
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if f[:6] == guest_mac or f[0] & 1:	# the RTL8139 takes it (others never reach the stack)
                self.accepted += 1
                self.accepted_bytes += max(60, len(f))
                aims = [frames.DEFECTS[d] for d in want or ()]
                if aimed and kind in frames.AIMS:
                    aims.append(frames.AIMS[kind])
                for c in aims:
                    self.expects[c] = self.expects.get(c, 0) + 1
            self.next_at += 1.0 / self.rate
        if self.left <= 0:
            print("bridge: fuzz done %d frames" % self.sent, flush=True)
            return None
        return self.next_at

    def lines(self, tag="bridge:"):
        return ["%s fuzz sent=%d accepted=%d accepted-bytes=%d %s" % (tag, self.sent, self.accepted,
                self.accepted_bytes, " ".join("%s=%d" % kv for kv in sorted(self.kinds.items()))),
                "%s fuzz-expects %s" % (tag, " ".join("%s=%d" % kv for kv in sorted(self.expects.items())))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for p in ("L1", "R1", "L2", "R2"):
        ap.add_argument(p, type=int)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--dup", type=float, default=0.0)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--hold-ms", type=float, default=20.0, help="longest a reordered frame is held")
    ap.add_argument("--fuzz", type=int, default=0, metavar="N")
    ap.add_argument("--fuzz-rate", type=float, default=400.0)
    ap.add_argument("--fuzz-start", choices=("mac", "tcp"), default="tcp")
    ap.add_argument("--listen-port", type=int, default=7777, help="the guest's listener (SYN flood)")
    ap.add_argument("--duration", type=float, default=3600.0, help="seconds before it stops by itself")
    ap.add_argument("--log", help="a line per frame: direction, fate, layers")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("bridge: seed %d loss %g reorder %g dup %g fuzz %d" % (seed, a.loss, a.reorder, a.dup, a.fuzz),
          flush=True)

    def sock(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.bind((LO, port))
        s.setblocking(False)
        return s
    nic, slirp = sock(a.R1), sock(a.R2)
    log = open(a.log, "w") if a.log else None

    def sender(s, port, name):
        def send(f):
            try:
                s.sendto(f, (LO, port))
            except (BlockingIOError, ConnectionRefusedError):
                counts["send-failed"] = counts.get("send-failed", 0) + 1
            if log:
                log.write("%.6f %s %s\n" % (time.time(), name, frames.describe(f)))
        return send
    counts = {}
    to_guest = Wire("to-guest", seed * 2 + 1, a.loss, a.reorder, a.dup, a.hold_ms / 1000,
                    sender(nic, a.L1, "to-guest"))
    to_slirp = Wire("to-slirp", seed * 2 + 2, a.loss, a.reorder, a.dup, a.hold_ms / 1000,
                    sender(slirp, a.L2, "to-slirp"))
    flow = frames.Flow()
    fuzz = Fuzzer(a.fuzz, a.fuzz_rate, a.fuzz_start, seed * 2 + 3, a.listen_port, flow,
                  sender(nic, a.L1, "fuzz"))
    guest_mac, guest_ip, gw_mac = None, frames.GUEST_IP, frames.GATEWAY_MAC

    stop, snapshot = [], []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: snapshot.append(1))
    print("bridge: listening on %s:%d (nic) and %s:%d (slirp)" % (LO, a.R1, LO, a.R2), flush=True)
    deadline = time.time() + a.duration
    wake = None
    while not stop and time.time() < deadline:
        timeout = 0.5 if wake is None else max(0.0, min(0.5, wake - time.time()))
        try:
            ready, _, _ = select.select([nic, slirp], [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            for _ in range(64):
                try:
                    f, addr = s.recvfrom(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                from_guest = s is nic
                if addr != (LO, a.L1 if from_guest else a.L2):
                    counts["foreign"] = counts.get("foreign", 0) + 1
                    continue
                now = time.time()
                d = frames.decode(f)
                fl = d.fields
                if from_guest:
                    if guest_mac is None and "src" in fl:
                        guest_mac = fl["src"]
                        print("bridge: guest is %s" % guest_mac.hex(":"), flush=True)
                    src_ip = fl.get("arp_spa") or fl.get("ip_src")
                    if src_ip and src_ip != bytes(4) and not d.defects and src_ip != guest_ip:
                        guest_ip = src_ip
                        print("bridge: guest has %s" % frames.ip_str(guest_ip), flush=True)
                elif (fl.get("arp_spa") or fl.get("ip_src")) == frames.GATEWAY_IP and fl.get("src") != gw_mac:
                    gw_mac = fl["src"]
                    print("bridge: gateway is %s" % gw_mac.hex(":"), flush=True)
                flow.see(f, guest_ip, from_guest)
                if log:
                    log.write("%.6f from-%s %s\n" % (now, "guest" if from_guest else "slirp", frames.describe(f)))
                (to_slirp if from_guest else to_guest).put(f, now)
        if snapshot:
            del snapshot[:]
            print(to_guest.line("bridge: now"))
            print(to_slirp.line("bridge: now"))
            for line in fuzz.lines("bridge: now") if a.fuzz else ():
                print(line)
            sys.stdout.flush()
        now = time.time()
        wakes = [to_guest.tick(now), to_slirp.tick(now), fuzz.due(now, guest_mac, guest_ip, gw_mac)]
        wakes = [w for w in wakes if w is not None]
        wake = min(wakes) if wakes else None
    for w in (to_guest, to_slirp):
        w.tick(float("inf"))
    print(to_guest.line())
    print(to_slirp.line())
    if a.fuzz:
        for line in fuzz.lines():
            print(line)
    print("bridge: flow %s segments=%d; other %s" % (flow.key, flow.segments,
          " ".join("%s=%d" % kv for kv in counts.items()) or "none"), flush=True)
    if log:
        log.close()


if __name__ == "__main__":
    main()
