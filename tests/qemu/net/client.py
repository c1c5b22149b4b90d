#!/usr/bin/env python3
"""client.py -- the host's side of tests/qemu/net_lossy.sh: a TCP client of the guest's echo
server (tests/qemu/net/echo.scm) through slirp's hostfwd on 127.0.0.1:PORT (and bridge.py).

    client.py PORT [--bytes N] [--seed S] [--until FILE:TEXT] [--fresh N] [--probe-timeout S]
              [--until-timeout S] [--stall S] [--syn-only S]

1. probes until the server answers: a connection that echoes "probe\\n" (slirp accepts on the
   host at once and only then tries the guest, so a refused or silent guest shows as a
   connection closed or a probe unanswered; each try is bounded, all of them by --probe-timeout);
2. one connection: sends N bytes (seeded, 64 KiB blocks) from one thread while this one reads
   the echo, checks every byte at its offset (the first wrong offset is reported), half-closes
   after the last byte and wants EOF after exactly N bytes back, and equal SHA-256 both ways;
   with --until FILE:TEXT it goes on sending past N until TEXT is in FILE (the bridge's log),
   for at most --until-timeout seconds (600);
3. --fresh N: a new connection must echo N bytes.
--syn-only S: just connect and hold the connection S seconds (slirp then sends its SYN to the
guest: net_lossy.sh's bridge case, before the guest has a TCP stack).
A read that waits --stall seconds (default 120) fails. Only 127.0.0.1 is contacted. Prints
"client: ..." lines, "client: PASS" and exits 0 when every check held."""
import argparse
import hashlib
import random
import socket
import sys
import threading
import time

LO = "127.0.0.1"
BLOCK = 65536


def fail(msg):
    print("client: FAIL " + msg, flush=True)
    sys.exit(1)


def block(seed, i):
    return random.Random(seed * 1000003 + i).randbytes(BLOCK)


def probe(port, deadline):
    tries = 0
    while time.time() < deadline:
        tries += 1
        try:
            with socket.create_connection((LO, port), timeout=5) as s:
                s.settimeout(10)
                s.sendall(b"probe\n")
                got = b""
                while len(got) < 6:
                    b = s.recv(6 - len(got))
                    if not b:
                        break
                    got += b
                if got == b"probe\n":
                    print("client: the server answers (try %d)" % tries, flush=True)
                    return
        except OSError:
            pass
        time.sleep(1)
    fail("no echo from 127.0.0.1:%d after %d tries" % (port, tries))


def transfer(port, nbytes, seed, until, stall, until_timeout=600):
    """Sends at least nbytes (until TEXT is in FILE, with until), checks the echo."""
    s = socket.create_connection((LO, port), timeout=30)
    until_end = time.time() + until_timeout
    s.settimeout(stall)
    sent = [0]
    sent_hash = hashlib.sha256()
    err = []

    def until_met():
        if not until:
            return True
        try:
            with open(until[0]) as f:
                return until[1] in f.read()
        except OSError:
            return False

    def sender():
        i = 0
        try:
            while sent[0] < nbytes or not until_met():
                if until and time.time() > until_end:
                    err.append("no %r in %s after %d s" % (until[1], until[0], until_timeout))
                    break
                b = block(seed, i)
                if not until:
                    b = b[:nbytes - sent[0]]
                s.sendall(b)
                sent_hash.update(b)
                sent[0] += len(b)
                i += 1
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append("send after %d bytes: %r" % (sent[0], e))
    t = threading.Thread(target=sender, daemon=True)
    start = time.time()
    t.start()
    got, got_hash, i, expect = 0, hashlib.sha256(), 0, b""
    last_report = start
    while True:
        try:
            b = s.recv(1 << 16)
        except socket.timeout:
            fail("no byte for %d s after %d bytes back (%d sent)" % (stall, got, sent[0]))
        except OSError as e:
            fail("receive after %d bytes: %r (%d sent)" % (got, e, sent[0]))
        if not b:
            break
        got_hash.update(b)
        k = 0
        while k < len(b):	# compare with the blocks at their offsets
            if not expect:
                expect = block(seed, i)
                i += 1
            n = min(len(expect), len(b) - k)
            if b[k:k + n] != expect[:n]:
                off = next(j for j in range(n) if b[k + j] != expect[j])
                fail("byte %d differs: got %d, sent %d" % (got + k + off, b[k + off], expect[off]))
            expect = expect[n:]
            k += n
        got += len(b)
        if time.time() - last_report > 30:
            last_report = time.time()
            print("client: %d bytes back, %d sent" % (got, sent[0]), flush=True)
    t.join(30)
    s.close()
    secs = max(time.time() - start, 1e-6)
    if err:
        fail(err[0])
    if got != sent[0]:
        fail("EOF after %d bytes back, %d sent" % (got, sent[0]))
    if got_hash.digest() != sent_hash.digest():
        fail("SHA-256 differs")
    print("client: %d bytes echoed intact, sha256 %s (%.0f KB/s)" % (got, got_hash.hexdigest()[:16],
          got / secs / 1024), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--bytes", type=int, default=8 << 20)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--until", help="FILE:TEXT")
    ap.add_argument("--until-timeout", type=float, default=600)
    ap.add_argument("--fresh", type=int, default=0)
    ap.add_argument("--probe-timeout", type=float, default=300)
    ap.add_argument("--stall", type=float, default=120)
    ap.add_argument("--syn-only", type=float)
    a = ap.parse_args()
    if a.syn_only is not None:
        try:
            with socket.create_connection((LO, a.port), timeout=10):
                print("client: connected to 127.0.0.1:%d, holding %g s" % (a.port, a.syn_only), flush=True)
                time.sleep(a.syn_only)
        except OSError as e:
            fail("connect: %r" % e)
        return
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("client: seed %d" % seed, flush=True)
    until = tuple(a.until.split(":", 1)) if a.until else None
    probe(a.port, time.time() + a.probe_timeout)
    transfer(a.port, a.bytes, seed, until, a.stall, a.until_timeout)
    if a.fresh:
        transfer(a.port, a.fresh, seed + 1, None, a.stall)
    print("client: PASS", flush=True)


if __name__ == "__main__":
    main()
