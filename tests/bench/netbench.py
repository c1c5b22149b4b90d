#!/usr/bin/env python3
"""netbench.py -- the host side of the network benchmark: TCP to a guest's server (a hostfwd on
127.0.0.1 to the guest's port 7777; tests/bench/netsrv.c, examples/netbench-server.scm).

One command line per connection, then data:
  sink N\\n + N bytes    the server reads them all, replies "ok N\\n"    (host -> guest)
  source N\\n            the server sends N bytes, then closes           (guest -> host)
  pingpong N\\n          N times: we send 1 byte, the server echoes it   (round trips)

Appends rows system,test,value,unit to the CSV (header written when the file is new):
tcp_to_guest and tcp_from_guest in MB/s (MB = 10^6 bytes), tcp_rr in trips/s.
--probe only checks that the server answers (a pingpong of one trip), retrying until
--wait seconds pass: a slirp hostfwd accepts on the host even while no guest program listens,
so a connect alone proves nothing.

Only 127.0.0.1 (or another loopback address) is accepted as the host (docs/net.md).
"""
import argparse
import ipaddress
import os
import socket
import sys
import time

CHUNK = 64 * 1024


def size(text):
    """8M, 512k, 1000000 -> bytes (k/M/G are powers of 1024)"""
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:].lower(), 1)
    return int(text[:-1] if mult > 1 else text) * mult


def connect(args):
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_line(s):
    line = b""
    while not line.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            raise ConnectionError("connection closed before the reply line (got %r)" % line)
        line += b
        if len(line) > 64:
            raise ConnectionError("reply line too long: %r" % line)
    return line.decode("ascii", "replace").strip()


def sink(args, n):
    """seconds to send n bytes and get the server's "ok n" (all of them arrived)"""
    data = b"\xa5" * CHUNK
    with connect(args) as s:
        t0 = time.perf_counter()
        s.sendall(b"sink %d\n" % n)
        left = n
        while left > 0:
            k = min(left, CHUNK)
            s.sendall(data[:k])
            left -= k
        reply = recv_line(s)
        t = time.perf_counter() - t0
    if reply != "ok %d" % n:
        raise ConnectionError("sink %d: server replied %r" % (n, reply))
    return t


def source(args, n):
    """seconds from asking for n bytes to the last of them and the server's close"""
    with connect(args) as s:
        t0 = time.perf_counter()
        s.sendall(b"source %d\n" % n)
        got = 0
        while True:
            b = s.recv(CHUNK)
            if not b:
                break
            got += len(b)
        t = time.perf_counter() - t0
    if got != n:
        raise ConnectionError("source %d: got %d bytes before the close" % (n, got))
    return t


def pingpong(args, n):
    """seconds for n one-byte round trips"""
    with connect(args) as s:
        s.sendall(b"pingpong %d\n" % n)
        t0 = time.perf_counter()
        for i in range(n):
            c = bytes([i & 0xFF])
            s.sendall(c)
            b = s.recv(1)
            if b != c:
                raise ConnectionError("pingpong: trip %d sent %r got %r" % (i, c, b))
        return time.perf_counter() - t0


def probe(args):
    """True once the server echoes one byte, retrying until args.wait seconds pass"""
    deadline = time.monotonic() + args.wait
    last = None
    while time.monotonic() < deadline:
        try:
            pingpong(args, 1)
            return True
        except (OSError, ConnectionError) as e:
            last = e
            time.sleep(1)
    print("netbench: no answer from %s:%d in %ds (%s)" % (args.host, args.port, args.wait, last),
          file=sys.stderr)
    return False


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--system", default="unknown", help="the CSV's system column, e.g. linux_tcg")
    p.add_argument("--bytes", type=size, default=size("8M"), help="sink and source size (8M)")
    p.add_argument("--trips", type=int, default=2000, help="pingpong round trips (2000)")
    p.add_argument("--runs", type=int, default=1, help="runs of each test; the best is kept")
    p.add_argument("--csv", default="build/bench/net.csv")
    p.add_argument("--timeout", type=float, default=120, help="seconds per socket operation")
    p.add_argument("--probe", action="store_true", help="only wait until the server answers")
    p.add_argument("--wait", type=int, default=300, help="seconds --probe waits (300)")
    args = p.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        p.error("--host must be a loopback address (docs/net.md, safety rule)")
    if args.probe:
        sys.exit(0 if probe(args) else 1)

    n = args.bytes
    to_guest = min(sink(args, n) for _ in range(args.runs))
    from_guest = min(source(args, n) for _ in range(args.runs))
    rr = min(pingpong(args, args.trips) for _ in range(args.runs))
    rows = [
        ("tcp_to_guest", "%.3f" % (n / to_guest / 1e6), "MB/s"),
        ("tcp_from_guest", "%.3f" % (n / from_guest / 1e6), "MB/s"),
        ("tcp_rr", "%.1f" % (args.trips / rr), "trips/s"),
    ]
    new = not os.path.exists(args.csv) or os.path.getsize(args.csv) == 0
    os.makedirs(os.path.dirname(args.csv) or ".", exist_ok=True)
    with open(args.csv, "a") as f:
        if new:
            f.write("system,test,value,unit\n")
        for test, value, unit in rows:
            f.write("%s,%s,%s,%s\n" % (args.system, test, value, unit))
    print("%s: %d bytes each way, %d trips (best of %d; MB = 10^6 bytes)"
          % (args.system, n, args.trips, args.runs))
    for test, value, unit in rows:
        print("  %-15s %12s %s" % (test, value, unit))


if __name__ == "__main__":
    main()
