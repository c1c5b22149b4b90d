#!/usr/bin/env python3
"""hoststack.py -- a stand-in for the guest in net_lossy.sh's lossy-host and fuzz-host cases:
the portable TCP/IP stack (net/*.c, built here into build/host-net/libnet.so and driven through
ctypes, as the kernel's net service will drive it) on the NIC's side of bridge.py, with the echo
server of echo.scm on port 7777. Frames are UDP datagrams between 127.0.0.1:L1 (ours, where the
RTL8139 would be) and 127.0.0.1:R1 (the bridge's); frames under 60 bytes are zero-padded as
QEMU's RTL8139 pads them. The address comes from slirp's DHCP (10.0.2.15 static as fallback).

    hoststack.py L1 R1 [--port 7777] [--seed S] [--duration S]

Prints "hoststack: listening on 7777" when the server is up; on SIGUSR1 or SIGTERM (or at
--duration) the counters as "stat: NAME VALUE" lines, then "stat-end". net_check() runs after
every batch of frames: a broken invariant is printed ("hoststack: FAIL invariant ...") and ends
the program with status 1. Only 127.0.0.1 is used."""
import argparse
import ctypes as C
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
LO = "127.0.0.1"
SRCS = ["buf", "checksum", "eth", "arp", "ip", "icmp", "udp", "dhcp", "stack", "tcp", "tcp_in",
        "tcp_out", "tcp_timer"]
EV_READ, EV_WRITE, EV_ACCEPT, EV_HUP, EV_ERROR = 1, 2, 4, 16, 32
EAGAIN = -1
SEND_FRAME = C.CFUNCTYPE(None, C.c_void_p, C.c_void_p, C.c_size_t)


class Init(C.Structure):
    _fields_ = [("mem", C.c_void_p), ("mem_len", C.c_size_t), ("mac", C.c_uint8 * 6),
                ("send_frame", SEND_FRAME), ("ctx", C.c_void_p), ("seed", C.c_uint32),
                ("now_us", C.c_uint64)]


class IfConfig(C.Structure):
    _fields_ = [("addr", C.c_uint32), ("mask", C.c_uint32), ("gateway", C.c_uint32),
                ("dns", C.c_uint32), ("lease_s", C.c_uint32), ("source", C.c_int),
                ("mac", C.c_uint8 * 6)]


class Event(C.Structure):
    _fields_ = [("kind", C.c_int), ("sock", C.c_void_p), ("user", C.c_void_p), ("token", C.c_int),
                ("events", C.c_uint)]


def build():
    """build/host-net/libnet.so from net/*.c, when missing or older than a source."""
    out = os.path.join(TOP, "build", "host-net", "libnet.so")
    srcs = [os.path.join(TOP, "net", s + ".c") for s in SRCS]
    deps = srcs + [os.path.join(TOP, "net", h) for h in ("net.h", "net_impl.h", "net_param.h")]
    if not os.path.exists(out) or max(os.path.getmtime(d) for d in deps) > os.path.getmtime(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-std=gnu11", "-O2", "-g", "-fPIC", "-shared", "-DCONFIG_DEBUG",
                        "-I" + TOP, "-I" + os.path.join(TOP, "net"), "-o", out] + srcs, check=True)
    lib = C.CDLL(out)
    P, S, U, I = C.c_void_p, C.c_size_t, C.c_uint64, C.c_int
    for name, res, args in (
            ("net_mem_size", S, [C.c_uint]), ("net_stack_init", P, [C.POINTER(Init)]),
            ("net_input", None, [P, P, S, U]), ("net_poll", U, [P, U]),
            ("net_set_static", None, [P, C.POINTER(IfConfig), C.c_bool, U]),
            ("net_dhcp_start", None, [P, U]), ("net_get_config", None, [P, C.POINTER(IfConfig)]),
            ("net_events", I, [P, C.POINTER(Event), I]),
            ("net_tcp_listen", P, [P, C.c_uint16, I, C.POINTER(I)]),
            ("net_tcp_accept", P, [P, C.POINTER(I)]), ("net_tcp_recv", I, [P, P, S, U]),
            ("net_tcp_send", I, [P, P, S, U]), ("net_tcp_close", None, [P, U]),
            ("net_tcp_shutdown", I, [P, I, U]), ("net_tcp_events", C.c_uint, [P]),
            ("net_stats", P, [P]), ("net_stats_count", C.c_uint, []),
            ("net_stats_name", C.c_char_p, [C.c_uint]), ("net_stats_value", U, [P, C.c_uint]),
            ("net_check", C.c_char_p, [P]), ("net_strerror", C.c_char_p, [I])):
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


def ip(a, b, c, d):
    return (a << 24) | (b << 16) | (c << 8) | d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("L1", type=int)
    ap.add_argument("R1", type=int)
    ap.add_argument("--port", type=int, default=7777)
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    ap.add_argument("--duration", type=float, default=3600)
    a = ap.parse_args()
    lib = build()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((LO, a.L1))
    s.setblocking(False)
    t0 = time.monotonic()

    def now():
        return int((time.monotonic() - t0) * 1e6) + 1

    def send_frame(ctx, frame, n):
        try:
            s.sendto(C.string_at(frame, n), (LO, a.R1))
        except OSError:
            pass	# a full socket: a frame lost on the wire
    cb = SEND_FRAME(send_frame)
    size = lib.net_mem_size(16)
    mem = C.create_string_buffer(size)
    init = Init(C.cast(mem, C.c_void_p), size, (C.c_uint8 * 6)(*bytes.fromhex("525400123456")),
                cb, None, a.seed, now())
    st = lib.net_stack_init(C.byref(init))
    if not st:
        sys.exit("hoststack: net_stack_init failed")
    fallback = IfConfig(ip(10, 0, 2, 15), ip(255, 255, 255, 0), ip(10, 0, 2, 2), ip(10, 0, 2, 3), 0, 1)
    lib.net_set_static(st, C.byref(fallback), False, now())
    lib.net_dhcp_start(st, now())
    err = C.c_int(0)
    listener = lib.net_tcp_listen(st, a.port, 16, C.byref(err))
    if not listener:
        sys.exit("hoststack: listen: %s" % lib.net_strerror(err.value).decode())
    print("hoststack: listening on %d (seed %d)" % (a.port, a.seed), flush=True)

    conns = {}	# socket pointer -> [bytes to echo, EOF seen]
    buf = C.create_string_buffer(65536)
    evs = (Event * 16)()
    stop, dump = [], []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: dump.append(1))
    deadline = time.time() + a.duration
    addr_seen = False

    def stats():
        sp = lib.net_stats(st)
        for i in range(lib.net_stats_count()):
            print("stat: %s %d" % (lib.net_stats_name(i).decode(), lib.net_stats_value(sp, i)))
        print("stat-end", flush=True)

    def serve():
        """Echoes on every connection as far as it goes (the readiness bits are level)."""
        while True:
            c = lib.net_tcp_accept(listener, C.byref(err))
            if not c:
                break
            conns[c] = [bytearray(), False]
        for c, (out, eof) in list(conns.items()):
            while not eof and len(out) < (1 << 20):
                n = lib.net_tcp_recv(c, buf, len(buf), now())
                if n == EAGAIN:
                    break
                if n <= 0:	# 0: EOF; < 0: the connection's error
                    conns[c][1] = eof = True
                    if n < 0:
                        out.clear()
                    break
                out += buf.raw[:n]
            while out:
                chunk = bytes(out[:65536])
                n = lib.net_tcp_send(c, chunk, len(chunk), now())
                if n <= 0:
                    if n != EAGAIN:
                        out.clear()
                    break
                del out[:n]
            if eof and not out:
                lib.net_tcp_close(c, now())
                del conns[c]

    wake = now()
    while not stop and time.time() < deadline:
        timeout = max(0.0, min(0.05, (wake - now()) / 1e6))
        try:
            ready, _, _ = select.select([s], [], [], timeout)
        except InterruptedError:
            ready = []
        if ready:
            for _ in range(256):
                try:
                    f, src = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if src != (LO, a.R1):
                    continue
                f += bytes(max(0, 60 - len(f)))
                lib.net_input(st, f, len(f), now())
        wake = lib.net_poll(st, now())
        while lib.net_events(st, evs, 16) == 16:
            pass
        serve()
        while lib.net_events(st, evs, 16) == 16:
            pass
        wake = min(wake, lib.net_poll(st, now()))
        broken = lib.net_check(st)
        if broken:
            print("hoststack: FAIL invariant %s" % broken.decode(), flush=True)
            stats()
            sys.exit(1)
        if not addr_seen:
            cfg = IfConfig()
            lib.net_get_config(st, C.byref(cfg))
            if cfg.addr:
                addr_seen = True
                print("hoststack: address %d.%d.%d.%d (%s)" % (cfg.addr >> 24, cfg.addr >> 16 & 255,
                      cfg.addr >> 8 & 255, cfg.addr & 255, "dhcp" if cfg.source == 2 else "static"), flush=True)
        if dump:
            del dump[:]
            stats()
    stats()


if __name__ == "__main__":
    main()
