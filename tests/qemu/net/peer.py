#!/usr/bin/env python3
"""peer.py -- the other end of the guest's RTL8139 for tests/qemu/net.sh: a program on this host
joined to QEMU's NIC by `-netdev dgram` on 127.0.0.1 (each UDP datagram is one Ethernet frame).
It plays the protocol of raw.scm:
  1. the guest says hello (kind 4), then sends FRAMES data frames (kind 1) of sizes 60..1514 and
     a done frame (kind 3) carrying the sum of its payloads: every frame is checked byte for byte
  2. we send FRAMES data frames of sizes 60..1514 in windows of WINDOW; the guest acks (kind 2)
     each window, so its bounded queue never overflows; enough bytes to wrap its 8 KiB RX ring
     many times
  3. a JUMBO-byte frame into the guest's empty RX ring (QEMU stores it past the ring's end, up
     to 64 KiB on: the driver's allocation must hold it, RTL_RX_ALLOC); malformed input: runts,
     oversized frames (up to 9000 bytes), frames for another MAC, random bytes, wrong ether
     types; then AFTER good frames (kind 7), which must all arrive
Only 127.0.0.1 is used. Prints "peer: ..." lines and exits 0 when its side of every check held."""
import random
import socket
import struct
import sys
import time

ETYPE = 0x88b5
PEER_MAC = bytes([2, 0, 0, 0, 0, 1])
WINDOW = 16
AFTER = 20
JUMBO = 60000  # stored by QEMU up to offset 57344 or 65536 of the ring: 8 KiB + 16 + 1536 was not enough
DEBUG = 0  # 1: print every datagram received


def size(i):
    return 60 + (i * 397) % 1455


def frame(dst, kind, seq, length):
    hdr = dst + PEER_MAC + struct.pack(">HBH", ETYPE, kind, seq)
    return hdr + bytes(((seq * 31 + k) & 0xff) for k in range(len(hdr), length))


def fail(msg):
    print("peer: FAIL " + msg, flush=True)
    sys.exit(1)


def main():
    my_port, qemu_port, frames = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else random.randrange(1 << 30)
    rnd = random.Random(seed)
    print("peer: seed %d" % seed, flush=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", my_port))
    dest = ("127.0.0.1", qemu_port)
    print("peer: listening on 127.0.0.1:%d" % my_port, flush=True)  # net.sh boots QEMU after this

    def recv(timeout):
        s.settimeout(timeout)
        while True:
            data, addr = s.recvfrom(65536)
            if DEBUG: print("peer: got", len(data), addr, data[:17].hex(), flush=True)
            if addr[0] != "127.0.0.1":
                continue
            return data

    def recv_kind(kinds, timeout):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise socket.timeout()
            f = recv(left)
            if len(f) >= 17 and struct.unpack(">H", f[12:14])[0] == ETYPE and f[14] in kinds:
                return f

    # 1. guest -> peer
    try:
        hello = recv_kind((4,), 300)
    except socket.timeout:
        fail("no hello from the guest")
    guest = hello[6:12]
    print("peer: hello from %s" % guest.hex(":"), flush=True)
    got, total, start = 0, 0, None
    while True:
        try:
            f = recv_kind((1, 3), 120)
        except socket.timeout:
            fail("guest->peer: timed out after %d frames" % got)
        if start is None:
            start = time.time()
        seq = struct.unpack(">H", f[15:17])[0]
        if f[14] == 3:
            want = struct.unpack(">H", f[17:19])[0]
            if seq != frames or got != frames:
                fail("guest->peer: done after %d frames, guest says %d, want %d" % (got, seq, frames))
            if want != total % 65536:
                fail("guest->peer: checksum %d, guest says %d" % (total % 65536, want))
            break
        if seq != got:
            fail("guest->peer: frame %d where %d was due (lost or reordered)" % (seq, got))
        exp = frame(PEER_MAC, 1, seq, size(seq))
        if len(f) != len(exp) or f[12:] != exp[12:] or f[:6] != PEER_MAC or f[6:12] != guest:
            fail("guest->peer: frame %d differs (%d bytes, want %d)" % (seq, len(f), len(exp)))
        total += sum(f[17:])
        got += 1
    secs = max(time.time() - start, 1e-6)
    print("peer: guest->peer %d frames intact, checksum ok (%.0f frames/s)" % (got, got / secs), flush=True)

    # 2. peer -> guest, acked per window
    start = time.time()
    nbytes = 0
    for base in range(0, frames, WINDOW):
        end = min(base + WINDOW, frames)
        for i in range(base, end):
            f = frame(guest, 1, i, size(i))
            nbytes += len(f)
            s.sendto(f, dest)
        try:
            while True:
                a = recv_kind((2,), 120)
                if struct.unpack(">H", a[15:17])[0] >= end:
                    break
        except socket.timeout:
            fail("peer->guest: no ack for frames up to %d" % end)
    secs = max(time.time() - start, 1e-6)
    print("peer: peer->guest %d frames, %d bytes acked (%.0f frames/s)" % (frames, nbytes, frames / secs), flush=True)

    # 3. every data frame is acked, so the guest's RX ring is empty, where QEMU skips its room
    # check: a jumbo frame runs on past the ring's end (a guard after the driver's allocation
    # panics the guest if it reaches that far). Then malformed input, and good frames that
    # must all arrive.
    time.sleep(0.2)
    s.sendto(guest + PEER_MAC + struct.pack(">H", ETYPE) + bytes(JUMBO - 14), dest)
    time.sleep(0.05)
    bad = []
    for n in range(1, 14):
        bad.append(bytes(rnd.randrange(256) for _ in range(n)))            # runts
    for n in (1515, 1518, 1600, 2000, 4000, 7000, 9000):
        bad.append(guest + PEER_MAC + struct.pack(">H", ETYPE) + bytes(n - 14))  # oversized
    for _ in range(10):
        other = bytes([0x02, 9, 9, 9, 9, rnd.randrange(256)])              # not for us
        bad.append(other + PEER_MAC + bytes(rnd.randrange(256) for _ in range(rnd.randrange(46, 1500))))
    for _ in range(10):
        bad.append(guest + PEER_MAC + bytes(rnd.randrange(256) for _ in range(rnd.randrange(2, 1500))))
    for _ in range(5):
        bad.append(guest + PEER_MAC + struct.pack(">HBH", ETYPE, 1, 0xffff))  # lying kind/seq, short
    rnd.shuffle(bad)
    for f in bad:
        s.sendto(f, dest)
        time.sleep(0.002)
    time.sleep(0.2)
    for i in range(AFTER):
        s.sendto(frame(guest, 7, i, size(i * 7)), dest)
        time.sleep(0.002)
    try:
        a = recv_kind((8,), 120)
    except socket.timeout:
        fail("after the malformed frames: the guest never reported")
    n = struct.unpack(">H", a[15:17])[0]
    if n != AFTER:
        fail("after the malformed frames: the guest got %d of %d good frames" % (n, AFTER))
    print("peer: %d malformed frames sent; all %d good frames after them arrived" % (len(bad), AFTER), flush=True)
    print("peer: PASS", flush=True)


if __name__ == "__main__":
    main()
