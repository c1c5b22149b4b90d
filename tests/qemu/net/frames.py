#!/usr/bin/env python3
"""frames.py -- Ethernet II / ARP / IPv4 / TCP / UDP / ICMP frames for the network tests: builders,
a decoder that names every defect it finds, a tracker of one live TCP connection, and a seeded
generator of malformed frames aimed at the guest (bridge.py --fuzz). Python 3 stdlib only.

Invariants the generator keeps (so a fuzzed guest can still pass the echo test):
  - every frame comes from the gateway (10.0.2.2, its MAC) or from addresses nobody answers for
    (10.0.2.99 and the like): nothing the guest sends because of them leaves QEMU's slirp;
  - no ARP packet that parses as valid claims 10.0.2.2 or any address in use;
  - segments on the tracked connection never carry data inside the window, never a RST at
    RCV.NXT, never an acceptable ACK: they can cost challenge ACKs, never a byte of the stream.

    frames.py --self-test [--count N] [--seed S]
generates N frames (default 20000) against a made-up connection, decodes each, and checks the
decoder finds exactly the defects each kind promises (and that good frames decode clean)."""
import argparse
import random
import struct
import sys

BROADCAST = b"\xff" * 6
GATEWAY_MAC = bytes.fromhex("52550a000202")	# slirp's, for 10.0.2.2
GUEST_IP = bytes([10, 0, 2, 15])
GATEWAY_IP = bytes([10, 0, 2, 2])
NOBODY_IP = bytes([10, 0, 2, 99])		# on the guest's subnet, answered by no one
ETH_IP, ETH_ARP = 0x0800, 0x0806
P_ICMP, P_TCP, P_UDP = 1, 6, 17
FIN, SYN, RST, PSH, ACK, URG = 1, 2, 4, 8, 16, 32
MOD = 1 << 32


def ip_str(a):
    return ".".join(str(b) for b in a)


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    """The Internet checksum (RFC 1071) of data, as the 16-bit value to store."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def _wrong(good, rnd, avoid=()):
    """A checksum that is not good (nor its other representation: 0 and 0xffff are the same sum)
    nor one of avoid."""
    while True:
        bad = good ^ rnd.randrange(1, 0x10000)
        if {bad, good} != {0, 0xffff} and bad not in avoid:
            return bad


# ---- builders ----

def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, spa, tha, tpa, htype=1, ptype=ETH_IP, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


def ipv4(src, dst, proto, payload, ttl=64, ident=0, df=True, mf=False, frag=0, options=b"",
         ihl=None, total=None, version=4, bad_csum=None):
    """An IPv4 packet; ihl and total default to the truth, bad_csum (a Random) stores a wrong
    header checksum."""
    if ihl is None:
        ihl = (20 + len(options)) // 4
    if total is None:
        total = 20 + len(options) + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag & 0x1fff)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 15), 0, total & 0xffff, ident,
                      flags, ttl, proto, 0, src, dst) + options
    c = csum(hdr[:max(ihl * 4, 20)]) if ihl * 4 <= len(hdr) else csum(hdr)
    if bad_csum is not None:
        c = _wrong(c, bad_csum)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def _pseudo(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535, options=b"",
        doff=None, bad_csum=None):
    """A TCP segment with its checksum over what is built (a lying data offset included)."""
    if doff is None:
        doff = (20 + len(options) + 3) // 4
        options += b"\0" * (doff * 4 - 20 - len(options))
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq % MOD, ack % MOD, (doff & 15) << 4, flags,
                      window, 0, 0) + options + payload
    c = csum(_pseudo(src, dst, P_TCP, len(seg)) + seg)
    if bad_csum is not None:
        c = _wrong(c, bad_csum)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, length=None, bad_csum=None, no_csum=False):
    """A UDP datagram; length lies if given (the checksum covers the bytes built)."""
    seg = struct.pack("!HHHH", sport, dport, (8 + len(payload)) if length is None else length, 0)
    seg += payload
    c = 0 if no_csum else (csum(_pseudo(src, dst, P_UDP, len(seg)) + seg) or 0xffff)
    if bad_csum is not None:
        c = _wrong(c, bad_csum, avoid=(0,))	# 0 is "no checksum", which is good
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp(typ, code, rest, payload=b"", bad_csum=None):
    msg = struct.pack("!BBH", typ, code, 0) + rest + payload
    c = csum(msg)
    if bad_csum is not None:
        c = _wrong(c, bad_csum)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def pad(frame):
    """What a sending NIC does: at least 60 bytes (the CRC is not in our frames)."""
    return frame + b"\0" * max(0, 60 - len(frame))


# ---- the decoder ----

class Decoded:
    """What decode() found: defects (a set of names, below) and fields (a dict)."""

    def __init__(self):
        self.defects = set()
        self.fields = {}

    def __repr__(self):
        return "Decoded(%s, %s)" % (sorted(self.defects), self.fields)


# every defect decode() can name, and the guest's net-stats counter it should move (docs/net-stack.md)
DEFECTS = {
    "eth-short": "(driver: rx-oversized)", "eth-not-for-us": "eth_not_for_us",
    "eth-unknown-type": "eth_unknown_type",
    "arp-short": "arp_bad", "arp-bad": "arp_bad",
    "ip-short": "ip_bad_header", "ip-version": "ip_bad_header", "ip-ihl-small": "ip_bad_header",
    "ip-ihl-past": "ip_bad_header", "ip-len-short": "ip_bad_header", "ip-len-long": "ip_bad_header",
    "ip-csum": "ip_bad_csum", "ip-fragment": "ip_fragment", "ip-options": "ip_options",
    "ip-not-for-us": "ip_not_for_us", "ip-bad-src": "ip_bad_src",
    "ip-unknown-proto": "ip_unknown_proto",
    "tcp-short": "tcp_short", "tcp-csum": "tcp_bad_csum", "tcp-doff-small": "tcp_bad_offset",
    "tcp-doff-past": "tcp_bad_offset", "tcp-options-bad": "tcp_bad_options",
    "udp-short": "udp_bad", "udp-len-long": "udp_bad", "udp-len-short": "udp_bad",
    "udp-csum": "udp_bad_csum",
    "icmp-short": "icmp_bad", "icmp-csum": "icmp_bad",
}


# kinds aimed at the live connection (Flow), and the counter each moves in our stack
# (net/tcp_in.c's acceptability test) while the connection is there: no defect, only a place
AIMS = {"tcp-outside-window": "tcp_out_of_window", "tcp-old-data": "tcp_dup_data",
        "tcp-bad-ack": "tcp_bad_ack"}


def _bad_src(a, me):
    return a == b"\xff\xff\xff\xff" or 224 <= a[0] <= 239 or (me is not None and a == me)


def decode(f, me_mac=None, me_ip=None):
    """Parses frame f as a careful receiver with MAC me_mac and address me_ip would, naming every
    defect. Never raises, whatever f holds. Fields: dst, src, type, and per layer ip_*, tcp_*,
    udp_*, icmp_*, arp_* (see the code)."""
    d = Decoded()
    fl = d.fields
    if len(f) < 14:
        d.defects.add("eth-short")
        return d
    fl["dst"], fl["src"], fl["type"] = f[0:6], f[6:12], struct.unpack("!H", f[12:14])[0]
    if me_mac is not None and fl["dst"] != me_mac and fl["dst"] != BROADCAST:
        d.defects.add("eth-not-for-us")
    p = f[14:]
    if fl["type"] == ETH_ARP:
        if len(p) < 28:
            d.defects.add("arp-short")
            return d
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", p[:8])
        fl.update(arp_op=op, arp_sha=p[8:14], arp_spa=p[14:18], arp_tha=p[18:24], arp_tpa=p[24:28])
        if (htype, ptype, hlen, plen) != (1, ETH_IP, 6, 4) or op not in (1, 2):
            d.defects.add("arp-bad")
        return d
    if fl["type"] != ETH_IP:
        d.defects.add("eth-unknown-type")
        return d
    if len(p) < 20:
        d.defects.add("ip-short")
        return d
    ver, ihl = p[0] >> 4, (p[0] & 15) * 4
    total, ident, flags = struct.unpack("!HHH", p[2:8])
    fl.update(ip_ihl=ihl, ip_total=total, ip_id=ident, ip_proto=p[9], ip_src=p[12:16],
              ip_dst=p[16:20], ip_mf=bool(flags & 0x2000), ip_frag=flags & 0x1fff)
    if ver != 4:
        d.defects.add("ip-version")
    if ihl < 20:
        d.defects.add("ip-ihl-small")
    elif ihl > len(p):
        d.defects.add("ip-ihl-past")
    elif total < ihl:
        d.defects.add("ip-len-short")
    elif csum(p[:ihl]) != 0:
        d.defects.add("ip-csum")
    if total > len(p):
        d.defects.add("ip-len-long")
    if d.defects - {"eth-not-for-us"}:
        return d
    if flags & 0x2000 or flags & 0x1fff:
        d.defects.add("ip-fragment")
    if ihl > 20:
        d.defects.add("ip-options")
    if me_ip is not None and fl["ip_dst"] != me_ip:
        d.defects.add("ip-not-for-us")
    if _bad_src(fl["ip_src"], me_ip):
        d.defects.add("ip-bad-src")
    if d.defects & {"ip-fragment", "ip-not-for-us", "ip-bad-src"}:
        return d	# dropped before the transport layer
    seg = p[ihl:total]	# the rest of the frame is Ethernet padding
    src, dst = fl["ip_src"], fl["ip_dst"]
    if fl["ip_proto"] == P_TCP:
        _decode_tcp(d, src, dst, seg)
    elif fl["ip_proto"] == P_UDP:
        if len(seg) < 8:
            d.defects.add("udp-short")
            return d
        sport, dport, ulen, c = struct.unpack("!HHHH", seg[:8])
        fl.update(udp_sport=sport, udp_dport=dport, udp_len=ulen)
        if ulen < 8:
            d.defects.add("udp-len-short")
        elif ulen > len(seg):
            d.defects.add("udp-len-long")
        elif c and csum(_pseudo(src, dst, P_UDP, ulen) + seg[:ulen]) != 0:
            d.defects.add("udp-csum")
    elif fl["ip_proto"] == P_ICMP:
        if len(seg) < 8:
            d.defects.add("icmp-short")
            return d
        fl.update(icmp_type=seg[0], icmp_code=seg[1])
        if csum(seg) != 0:
            d.defects.add("icmp-csum")
    else:
        d.defects.add("ip-unknown-proto")
    return d


def tcp_options_ok(opts):
    """Whether TCP options parse: END, NOP, or kind-length-value with 2 <= length inside."""
    i = 0
    while i < len(opts):
        if opts[i] == 0:
            return True
        if opts[i] == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2 or i + opts[i + 1] > len(opts):
            return False
        i += opts[i + 1]
    return True


def _decode_tcp(d, src, dst, seg):
    fl = d.fields
    if len(seg) < 20:
        d.defects.add("tcp-short")
        return
    sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", seg[:16])
    doff = (off >> 4) * 4
    fl.update(tcp_sport=sport, tcp_dport=dport, tcp_seq=seq, tcp_ack=ack, tcp_flags=flags,
              tcp_win=win, tcp_doff=doff)
    if csum(_pseudo(src, dst, P_TCP, len(seg)) + seg) != 0:
        d.defects.add("tcp-csum")
    if doff < 20:
        d.defects.add("tcp-doff-small")
    elif doff > len(seg):
        d.defects.add("tcp-doff-past")
    elif not tcp_options_ok(seg[20:doff]):
        d.defects.add("tcp-options-bad")
    else:
        fl["tcp_len"] = len(seg) - doff


def describe(f):
    """One line for a log: the frame's layers and defects."""
    d = decode(f)
    fl = d.fields
    s = "%d bytes" % len(f)
    if "type" in fl:
        s += " %s > %s type %04x" % (fl["src"].hex(":"), fl["dst"].hex(":"), fl["type"])
    if "ip_src" in fl:
        s += " %s > %s proto %d" % (ip_str(fl["ip_src"]), ip_str(fl["ip_dst"]), fl["ip_proto"])
    if "tcp_sport" in fl:
        s += " tcp %d > %d seq %d ack %d flags %02x" % (fl["tcp_sport"], fl["tcp_dport"],
                                                        fl["tcp_seq"], fl["tcp_ack"], fl["tcp_flags"])
    if d.defects:
        s += " [" + " ".join(sorted(d.defects)) + "]"
    return s


# ---- one live TCP connection, seen from the wire ----

def seq_gt(a, b):
    return 0 < (a - b) % MOD < (1 << 31)


def ephemeral_ports():
    """(low, high) of the local ports this host gives outgoing connections (Linux's default
    when it cannot say)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


class Flow:
    """The last TCP connection between the guest and the gateway seen carrying data, as the frames
    that passed by show it: peer_next, the end of the gateway's highest segment (the guest's
    RCV.NXT is never past it); guest_next, the end of the guest's highest segment (its SND.NXT is
    never before it); guest_una, the highest ACK the gateway sent (SND.UNA is never before it)."""

    def __init__(self):
        self.key = None	# (guest port, gateway port)
        self.peer_next = self.guest_next = self.guest_una = None
        self.segments = 0

    def ready(self):
        return self.key is not None and None not in (self.peer_next, self.guest_next, self.guest_una)

    def see(self, f, guest_ip, from_guest):
        d = decode(f)
        fl = d.fields
        if d.defects or "tcp_len" not in fl or fl["tcp_flags"] & (SYN | RST):
            return
        if from_guest:
            if fl["ip_src"] != guest_ip or fl["ip_dst"] != GATEWAY_IP:
                return
            key = (fl["tcp_sport"], fl["tcp_dport"])
        else:
            if fl["ip_dst"] != guest_ip or fl["ip_src"] != GATEWAY_IP:
                return
            key = (fl["tcp_dport"], fl["tcp_sport"])
        if key != self.key:
            if not fl["tcp_len"]:
                return	# follow the connection that carries data
            self.key, self.peer_next, self.guest_next, self.guest_una = key, None, None, None
        end = (fl["tcp_seq"] + fl["tcp_len"] + (1 if fl["tcp_flags"] & FIN else 0)) % MOD
        self.segments += 1
        if from_guest:
            if self.guest_next is None or seq_gt(end, self.guest_next):
                self.guest_next = end
        else:
            if self.peer_next is None or seq_gt(end, self.peer_next):
                self.peer_next = end
            if fl["tcp_flags"] & ACK and (self.guest_una is None or seq_gt(fl["tcp_ack"], self.guest_una)):
                self.guest_una = fl["tcp_ack"]


# ---- the malformed-frame generator ----

class Malformer:
    """Seeded malformed frames for the guest. Each kind returns (frame, expected defects): the
    set decode(frame, guest MAC, guest IP) must give; None for kinds with random contents.
    padded: the receiver sees frames under 60 bytes zero-padded to 60 (QEMU's RTL8139 does
    that), so the expected defects are those of pad(frame); a frame cut inside a header then
    arrives whole, with zeros: those kinds expect None."""

    def __init__(self, seed, guest_mac, guest_ip=GUEST_IP, gw_mac=GATEWAY_MAC, listen_port=7777,
                 flow=None, padded=True):
        self.padded = padded
        self.rnd = random.Random(seed)
        self.mac, self.ip, self.gw_mac, self.port = guest_mac, guest_ip, gw_mac, listen_port
        self.flow = flow or Flow()
        self.burst = []	# SYN-flood frames still to hand out
        self.ephemeral = ephemeral_ports()
        # (name, weight, method): in 5000 frames each kind gets 20-200, the SYN flood (16 a
        # burst) about 600
        self.kinds = [(n[5:].replace("_", "-"), w, getattr(self, n)) for n, w in (
            ("kind_eth_runt", 2), ("kind_eth_unknown_type", 2), ("kind_eth_other_mac", 1),
            ("kind_arp_short", 1), ("kind_arp_bad", 1),
            ("kind_ip_trunc", 3), ("kind_ip_version", 2), ("kind_ip_ihl_small", 2),
            ("kind_ip_ihl_past", 2), ("kind_ip_len_long", 3), ("kind_ip_len_short", 2),
            ("kind_ip_csum", 3), ("kind_ip_fragment", 4), ("kind_ip_options", 2),
            ("kind_ip_not_for_us", 1), ("kind_ip_bad_src", 1), ("kind_ip_unknown_proto", 1),
            ("kind_tcp_trunc_frame", 2), ("kind_tcp_trunc_len", 3), ("kind_tcp_csum", 4),
            ("kind_tcp_doff_small", 3), ("kind_tcp_doff_past", 3), ("kind_tcp_mss_len", 4),
            ("kind_tcp_option_past", 3), ("kind_tcp_random", 4),
            ("kind_tcp_outside_window", 5), ("kind_tcp_old_data", 3), ("kind_tcp_bad_ack", 3),
            ("kind_tcp_rst_not_next", 3), ("kind_tcp_syn_established", 2), ("kind_syn_flood", 1),
            ("kind_udp_trunc_frame", 1), ("kind_udp_trunc_len", 2), ("kind_udp_len_long", 2),
            ("kind_udp_len_short", 2), ("kind_udp_csum", 3), ("kind_udp_no_socket", 1),
            ("kind_icmp_trunc_len", 2), ("kind_icmp_csum", 3), ("kind_icmp_echo", 1),
            ("kind_icmp_other", 1),
            ("kind_random_bytes", 2), ("kind_random_ip", 2), ("kind_mutated", 3))]
        self.total_weight = sum(w for _, w, _ in self.kinds)

    def next(self):
        """(kind, frame, expected defects or None)."""
        if self.burst:
            return self.burst.pop()
        x = self.rnd.randrange(self.total_weight)
        for name, w, fn in self.kinds:
            if x < w:
                frame, expect = fn()
                return name, frame, expect
            x -= w
        raise AssertionError("weights")

    # helpers
    def r(self, a, b):
        return self.rnd.randint(a, b)

    def junk(self, n):
        return bytes(self.rnd.getrandbits(8) for _ in range(n))

    def to_me(self, etype, payload, maybe_pad=True):
        f = eth(self.mac, self.gw_mac, etype, payload)
        return pad(f) if maybe_pad and self.rnd.random() < 0.5 else f

    def spoof_port(self):
        # never a port of this host's ephemeral range: slirp connects to the guest from the host
        # client's own port, so a spoofed SYN from a port of a connection slirp has (or had,
        # in its TIME_WAIT) gets no RST for its SYN-ACK, and that half-open connection keeps a
        # buffer block for its 63 s of SYN-ACK retries (seen once: "tcp-blocks-free 39 of 40")
        lo, hi = self.ephemeral
        while True:
            p = self.r(1024, 65535)
            if (lo <= p <= hi and hi - lo < 60000) or (self.flow.key is not None and p == self.flow.key[1]):
                continue
            return p

    def a_tcp(self, flags=ACK, payload=None, **kw):
        if payload is None:
            payload = self.junk(self.r(0, 64))
        return tcp(GATEWAY_IP, self.ip, self.spoof_port(), self.port if self.rnd.random() < 0.5
                   else self.r(1, 65535), self.rnd.getrandbits(32), self.rnd.getrandbits(32), flags,
                   payload, **kw)

    def a_l4(self):
        """(protocol, a valid segment of it) to the guest from the gateway."""
        k = self.r(0, 2)
        if k == 0:
            return P_TCP, self.a_tcp()
        if k == 1:
            return P_UDP, udp(GATEWAY_IP, self.ip, self.spoof_port(), self.r(1, 65535), self.junk(self.r(0, 64)))
        return P_ICMP, icmp(8, 0, struct.pack("!HH", self.r(0, 65535), self.r(0, 65535)), self.junk(self.r(0, 56)))

    def ip_to_me(self, proto, seg, **kw):
        return ipv4(GATEWAY_IP, self.ip, proto, seg, ident=self.r(0, 65535), **kw)

    # Ethernet and ARP
    def cut(self, defect):
        """The expected defects of a frame cut inside a header: padding makes it whole."""
        return None if self.padded else {defect}

    def kind_eth_runt(self):
        # at least the destination: a shorter frame is addressed to no one (QEMU's RTL8139 then
        # compares stale bytes of its buffer with its MAC, so whether it arrives is chance)
        return self.to_me(ETH_IP, self.ip_to_me(*self.a_l4()), False)[:self.r(6, 13)], self.cut("eth-short")

    def kind_eth_unknown_type(self):
        t = self.rnd.choice([0x86dd, 0x8100, 0x88cc, 0x88b5, 0x0000, 0x05dc, 0x0801, 0xffff])
        return self.to_me(t, self.junk(self.r(0, 100))), {"eth-unknown-type"}

    def kind_eth_other_mac(self):
        other = bytes([2, 0x66, 0, 0, 0, self.r(0, 255)])
        return pad(eth(other, self.gw_mac, ETH_IP, self.ip_to_me(*self.a_l4()))), {"eth-not-for-us"}

    def kind_arp_short(self):
        a = arp(1, self.gw_mac, NOBODY_IP, bytes(6), self.ip)
        return eth(self.mac, self.gw_mac, ETH_ARP, a[:self.r(0, 27)]), self.cut("arp-short")

    def kind_arp_bad(self):
        # wrong hardware/protocol type or sizes, or an unknown opcode; from an address no one uses
        k = self.r(0, 4)
        fields = dict(htype=1, ptype=ETH_IP, hlen=6, plen=4)
        op = self.rnd.choice([1, 2])
        if k == 0:
            fields["htype"] = self.rnd.choice([0, 6, 0xffff])
        elif k == 1:
            fields["ptype"] = self.rnd.choice([0x86dd, 0, 0x0806])
        elif k == 2:
            fields["hlen"] = self.rnd.choice([0, 4, 8, 255])
        elif k == 3:
            fields["plen"] = self.rnd.choice([0, 6, 16, 255])
        else:
            op = self.rnd.choice([0, 3, 4, 0xffff])
        a = arp(op, bytes([2, 0x66, 0, 0, 0, 1]), NOBODY_IP, self.mac, self.ip, **fields)
        return self.to_me(ETH_ARP, a), {"arp-bad"}

    # IPv4 header
    def kind_ip_trunc(self):
        return eth(self.mac, self.gw_mac, ETH_IP, self.ip_to_me(*self.a_l4())[:self.r(0, 19)]), self.cut("ip-short")

    def kind_ip_version(self):
        return self.to_me(ETH_IP, self.ip_to_me(*self.a_l4(), version=self.rnd.choice([0, 5, 6, 15]))), {"ip-version"}

    def kind_ip_ihl_small(self):
        return self.to_me(ETH_IP, self.ip_to_me(*self.a_l4(), ihl=self.r(0, 4))), {"ip-ihl-small"}

    def kind_ip_ihl_past(self):
        # a header length past the frame's end (even padded to 60 bytes: 46 of IP)
        proto, seg = self.a_l4()
        seg = seg[:self.r(0, 20)]
        pkt = self.ip_to_me(proto, seg, ihl=self.r(12, 15))
        return eth(self.mac, self.gw_mac, ETH_IP, pkt), {"ip-ihl-past"}

    def kind_ip_len_long(self):
        proto, seg = self.a_l4()
        pkt = self.ip_to_me(proto, seg)
        total = self.rnd.choice([len(pkt) + 1, len(pkt) + self.r(2, 1500), 65535])
        total = max(total, 60 - 14 + 1)	# longer than padding can explain
        return eth(self.mac, self.gw_mac, ETH_IP, self.ip_to_me(proto, seg, total=total)), {"ip-len-long"}

    def kind_ip_len_short(self):
        return self.to_me(ETH_IP, self.ip_to_me(*self.a_l4(), total=self.r(0, 19))), {"ip-len-short"}

    def kind_ip_csum(self):
        return self.to_me(ETH_IP, self.ip_to_me(*self.a_l4(), bad_csum=self.rnd)), {"ip-csum"}

    def kind_ip_fragment(self):
        # first fragments, middle and last ones, overlapping, tiny, past 64 KiB when reassembled
        proto, seg = self.a_l4()
        k = self.r(0, 3)
        if k == 0:
            kw = dict(mf=True, frag=0, df=False)
            seg = seg[:8 * self.r(1, max(1, len(seg) // 8))]
        elif k == 1:
            kw = dict(mf=self.rnd.random() < 0.5, frag=self.r(1, 100), df=False)
        elif k == 2:
            kw = dict(mf=False, frag=0x1fff, df=False)	# offset 65528: past 64 KiB
        else:
            kw = dict(mf=True, frag=self.r(0, 3), df=True)	# DF and MF both: nonsense
            seg = seg[:self.r(1, 16)]
        return self.to_me(ETH_IP, self.ip_to_me(proto, seg, **kw)), {"ip-fragment"}

    def kind_ip_options(self):
        # options (some malformed: a length past the options' end) on an otherwise good packet;
        # a receiver skips them by the header length
        n = self.r(1, 10) * 4
        opts = self.rnd.choice([
            b"\x01" * (n - 1) + b"\x00",
            bytes([0x44, n + 8]) + bytes(n - 2),	# timestamp, length past the header
            bytes([0x07, 255]) + self.junk(n - 2),	# record route, length 255
            bytes([0x83, 0]) + self.junk(n - 2),	# loose source route, length 0
            self.junk(n)])
        return self.to_me(ETH_IP, self.ip_to_me(*self.a_l4(), options=opts)), {"ip-options"}

    def kind_ip_not_for_us(self):
        proto, seg = self.a_l4()
        pkt = ipv4(GATEWAY_IP, NOBODY_IP, proto, seg)
        return self.to_me(ETH_IP, pkt), {"ip-not-for-us"}

    def kind_ip_bad_src(self):
        src = self.rnd.choice([b"\xff\xff\xff\xff", bytes([224, 0, 0, 1]), bytes([239, 1, 2, 3]), self.ip])
        pkt = ipv4(src, self.ip, P_ICMP, icmp(8, 0, struct.pack("!HH", 1, self.r(0, 65535)), self.junk(8)))
        return self.to_me(ETH_IP, pkt), {"ip-bad-src"}

    def kind_ip_unknown_proto(self):
        proto = self.rnd.choice([0, 2, 4, 41, 47, 50, 89, 132, 255])
        return self.to_me(ETH_IP, self.ip_to_me(proto, self.junk(self.r(0, 60)))), {"ip-unknown-proto"}

    # truncation within the transport header: by the frame's end (the IP length then lies) or
    # by the IP total length (the frame is honest, the segment too short)
    def _trunc_frame(self, proto, seg, hdr):
        pkt = self.ip_to_me(proto, seg)	# seg is long enough that padding cannot make it whole
        return eth(self.mac, self.gw_mac, ETH_IP, pkt[:20 + self.r(0, hdr - 1)]), {"ip-len-long"}

    def _trunc_len(self, proto, seg, hdr, defect):
        return self.to_me(ETH_IP, self.ip_to_me(proto, seg[:self.r(0, hdr - 1)])), {defect}

    def kind_tcp_trunc_frame(self):
        return self._trunc_frame(P_TCP, self.a_tcp(payload=self.junk(self.r(7, 64))), 20)

    def kind_tcp_trunc_len(self):
        return self._trunc_len(P_TCP, self.a_tcp(), 20, "tcp-short")

    def kind_udp_trunc_frame(self):
        return self._trunc_frame(P_UDP, udp(GATEWAY_IP, self.ip, 53, 7777, self.junk(self.r(19, 100))), 8)

    def kind_udp_trunc_len(self):
        return self._trunc_len(P_UDP, udp(GATEWAY_IP, self.ip, 53, 7777, self.junk(20)), 8, "udp-short")

    def kind_icmp_trunc_len(self):
        return self._trunc_len(P_ICMP, icmp(8, 0, b"\0\1\0\1", self.junk(20)), 8, "icmp-short")

    # TCP header
    def kind_tcp_csum(self):
        flags = self.rnd.choice([SYN, ACK, ACK | PSH, RST, FIN | ACK])
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, self.a_tcp(flags, bad_csum=self.rnd))), {"tcp-csum"}

    def kind_tcp_doff_small(self):
        seg = self.a_tcp(self.rnd.choice([SYN, ACK]), doff=self.r(0, 4))
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), {"tcp-doff-small"}

    def kind_tcp_doff_past(self):
        payload = self.junk(self.r(0, 39))
        doff = self.r((20 + len(payload)) // 4 + 1, 15)
        seg = self.a_tcp(self.rnd.choice([SYN, ACK, ACK | PSH]), payload=payload, doff=doff)
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), {"tcp-doff-past"}

    def kind_tcp_mss_len(self):
        # the MSS option with length 0, 1 or 255, first or after NOPs, on a SYN to the listener
        ln = self.rnd.choice([0, 1, 255])
        lead = b"\x01" * self.r(0, 2)
        opts = lead + bytes([2, ln, 5, 0xb4])
        opts += b"\0" * (-len(opts) % 4)
        seg = tcp(GATEWAY_IP, self.ip, self.spoof_port(), self.port, self.rnd.getrandbits(32), 0,
                  self.rnd.choice([SYN, SYN, ACK]), b"", options=opts)
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), {"tcp-options-bad"}

    def kind_tcp_option_past(self):
        # window scale, SACK-permitted, timestamps, SACK or an unknown kind whose length runs past
        kind = self.rnd.choice([3, 4, 5, 8, 30, 254])
        room = 4 * self.r(1, 10)
        at = self.r(0, room - 2)
        opts = b"\x01" * at + bytes([kind, self.r(room - at + 1, 255)]) + self.junk(room - at - 2)
        seg = tcp(GATEWAY_IP, self.ip, self.spoof_port(), self.port, self.rnd.getrandbits(32),
                  self.rnd.getrandbits(32), self.rnd.choice([SYN, ACK, SYN | ACK]), b"", options=opts)
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), {"tcp-options-bad"}

    def kind_tcp_random(self):
        # good checksums, random flags, sequence and ACK, from ports of no connection
        seg = self.a_tcp(self.r(0, 255), payload=self.junk(self.rnd.choice([0, 0, 1, self.r(2, 1400)])))
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), set()

    def kind_syn_flood(self):
        # a burst of good SYNs to the listener from many ports (MSS 1460): the backlog's bound
        out = []
        for _ in range(self.r(8, 24)):
            seg = tcp(GATEWAY_IP, self.ip, self.spoof_port(), self.port, self.rnd.getrandbits(32), 0,
                      SYN, b"", window=self.r(0, 65535), options=b"\x02\x04\x05\xb4")
            out.append(("syn-flood", self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), set()))
        self.burst = out[1:]
        return out[0][1], set()

    # segments on the live connection (Flow): outside the window, so they cost no byte of it
    def _on_flow(self, seq, ack, flags, payload=b""):
        f = self.flow
        if not f.ready():	# no connection seen yet: a made-up one (no socket, so a RST)
            gport, pport, seq, ack = self.port, self.spoof_port(), self.rnd.getrandbits(32), self.rnd.getrandbits(32)
        else:
            gport, pport = f.key
        seg = tcp(GATEWAY_IP, self.ip, pport, gport, seq, ack, flags, payload, window=self.r(0, 65535))
        return self.to_me(ETH_IP, self.ip_to_me(P_TCP, seg)), set()

    def _nexts(self):
        f = self.flow
        if f.ready():
            return f.peer_next, f.guest_next, f.guest_una
        return 0, 0, 0

    def kind_tcp_outside_window(self):
        # data (maybe with FIN/PSH) starting beyond RCV.NXT + 64 KiB, the largest window there is
        rn, sn, _ = self._nexts()
        seq = rn + 65536 + self.r(1, 1 << 30)
        return self._on_flow(seq, sn, ACK | self.rnd.choice([0, PSH, FIN]), self.junk(self.r(1, 1000)))

    def kind_tcp_old_data(self):
        # data that ends more than 64 KiB before the gateway's highest byte: long acknowledged
        rn, sn, _ = self._nexts()
        n = self.r(1, 1000)
        return self._on_flow(rn - 65536 - n - self.r(0, 1 << 20), sn, ACK | PSH, self.junk(n))

    def kind_tcp_bad_ack(self):
        # no data at the current edge, acknowledging data never sent or older than any window
        rn, sn, una = self._nexts()
        ack = self.rnd.choice([sn + self.r(1 << 17, 1 << 30), una - self.r(1 << 17, 1 << 30)])
        return self._on_flow(rn, ack, ACK)

    def kind_tcp_rst_not_next(self):
        # a RST past RCV.NXT (the guest's is never past the gateway's highest byte): inside the
        # window (a challenge ACK) or outside it (ignored); never exactly at RCV.NXT
        rn, sn, _ = self._nexts()
        seq = rn + self.rnd.choice([self.r(1, 60000), self.r(65537, 1 << 30)])
        return self._on_flow(seq, sn, RST | self.rnd.choice([0, ACK]))

    def kind_tcp_syn_established(self):
        rn, sn, _ = self._nexts()
        return self._on_flow(rn + self.r(0, 1 << 30), 0, SYN | self.rnd.choice([0, ACK]))

    # UDP
    def _udp(self, **kw):
        return udp(GATEWAY_IP, self.ip, self.spoof_port(), self.rnd.choice([7777, 53, self.r(1, 65535)]),
                   self.junk(self.r(0, 200)), **kw)

    def kind_udp_len_long(self):
        payload = self.junk(self.r(0, 200))
        seg = udp(GATEWAY_IP, self.ip, self.spoof_port(), 7777, payload, length=8 + len(payload) + self.r(1, 2000))
        return self.to_me(ETH_IP, self.ip_to_me(P_UDP, seg)), {"udp-len-long"}

    def kind_udp_len_short(self):
        return self.to_me(ETH_IP, self.ip_to_me(P_UDP, self._udp(length=self.r(0, 7)))), {"udp-len-short"}

    def kind_udp_csum(self):
        return self.to_me(ETH_IP, self.ip_to_me(P_UDP, self._udp(bad_csum=self.rnd))), {"udp-csum"}

    def kind_udp_no_socket(self):
        seg = udp(GATEWAY_IP, self.ip, self.spoof_port(), self.rnd.choice([9, 19, 1234, 65535]),
                  self.junk(self.r(0, 200)), no_csum=self.rnd.random() < 0.3)
        return self.to_me(ETH_IP, self.ip_to_me(P_UDP, seg)), set()

    # ICMP
    def kind_icmp_csum(self):
        m = icmp(self.rnd.choice([0, 3, 8, 11]), 0, self.junk(4), self.junk(self.r(0, 100)), bad_csum=self.rnd)
        return self.to_me(ETH_IP, self.ip_to_me(P_ICMP, m)), {"icmp-csum"}

    def kind_icmp_echo(self):
        m = icmp(8, 0, struct.pack("!HH", self.r(0, 65535), self.r(0, 65535)), self.junk(self.r(0, 1000)))
        return self.to_me(ETH_IP, self.ip_to_me(P_ICMP, m)), set()

    def kind_icmp_other(self):
        # unreachable, time exceeded, timestamp, and types no one uses, quoting junk
        m = icmp(self.rnd.choice([3, 4, 11, 12, 13, 17, 42, 255]), self.r(0, 15), self.junk(4),
                 self.junk(self.r(0, 64)))
        return self.to_me(ETH_IP, self.ip_to_me(P_ICMP, m)), set()

    # random
    def kind_random_bytes(self):
        return self.mac + self.junk(self.r(0, 1500)), None

    def kind_random_ip(self):
        return self.mac + self.gw_mac + b"\x08\x00" + self.junk(self.r(0, 1500)), None

    def kind_mutated(self):
        # a good packet with 1-4 bytes after the Ethernet header changed
        f = bytearray(self.to_me(ETH_IP, self.ip_to_me(*self.a_l4())))
        for _ in range(self.r(1, 4)):
            f[self.r(14, len(f) - 1)] = self.rnd.getrandbits(8)
        return bytes(f), None


# ---- self-test ----

def self_test(count, seed):
    """Generates count frames and checks them with decode(); returns a list of problems."""
    problems = []
    mac = bytes.fromhex("525400123456")
    flow = Flow()
    # a made-up connection, seen from the wire, so the flow kinds have numbers to work from
    g, p = 0xfffff000, 0x7fffff00	# both cross 2^32 or 2^31 during the test
    flow.see(pad(eth(GATEWAY_MAC, mac, ETH_IP, ipv4(GUEST_IP, GATEWAY_IP, P_TCP,
                tcp(GUEST_IP, GATEWAY_IP, 7777, 40000, g, p, ACK, b"x" * 100)))), GUEST_IP, True)
    flow.see(pad(eth(mac, GATEWAY_MAC, ETH_IP, ipv4(GATEWAY_IP, GUEST_IP, P_TCP,
                tcp(GATEWAY_IP, GUEST_IP, 40000, 7777, p, g + 100, ACK, b"y" * 50)))), GUEST_IP, False)
    if not flow.ready() or flow.key != (7777, 40000) or flow.peer_next != p + 50 or \
            flow.guest_next != (g + 100) % MOD or flow.guest_una != (g + 100) % MOD:
        problems.append("flow: %r" % vars(flow))
    seen = {}
    for padded in (False, True):
        m = Malformer(seed, mac, flow=flow, padded=padded)
        problems += _check_kinds(m, count, mac, flow, seen)
    missing = [name for name, _, _ in m.kinds if name not in seen]
    if count >= 2000 and missing:
        problems.append("kinds never generated: %s" % " ".join(missing))
    problems += _check_good(seed, mac)
    return problems, seen


def _check_kinds(m, count, mac, flow, seen):
    problems = []
    how = "padded" if m.padded else "raw"
    for i in range(count):
        kind, f, want = m.next()
        seen[kind] = seen.get(kind, 0) + 1
        if m.padded:
            f = pad(f)
        try:
            d = decode(f, mac, GUEST_IP)
        except Exception as e:	# the decoder must take anything
            problems.append("%s frame %d (%s): decode raised %r" % (how, i, kind, e))
            continue
        if want is not None and d.defects != want:
            problems.append("%s frame %d (%s): defects %s, want %s: %s" % (how, i, kind, sorted(d.defects),
                            sorted(want), f.hex()))
        if want is not None and len(f) > 1514:
            problems.append("%s frame %d (%s): %d bytes" % (how, i, kind, len(f)))
        if kind.startswith("tcp-") and want == set() and d.fields.get("tcp_dport") == 7777 and \
                d.fields.get("tcp_sport") == 40000:
            problems.extend(_flow_check(i, kind, d.fields, flow))
        if len(f) < 6 or f[:6] != mac and not f[0] & 1:
            if kind != "eth-other-mac":
                problems.append("%s frame %d (%s): not addressed to the guest" % (how, i, kind))
    return problems


def _check_good(seed, mac):
    """Good frames decode clean; each single-bit change of a header is noticed."""
    problems = []
    rnd = random.Random(seed)
    for i in range(200):
        seg = tcp(GATEWAY_IP, GUEST_IP, 40000, 7777, rnd.getrandbits(32), rnd.getrandbits(32), ACK,
                  bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 1460))),
                  options=b"\x02\x04\x05\xb4" if i % 2 else b"")
        f = pad(eth(mac, GATEWAY_MAC, ETH_IP, ipv4(GATEWAY_IP, GUEST_IP, P_TCP, seg)))
        d = decode(f, mac, GUEST_IP)
        if d.defects or d.fields.get("tcp_len") != len(seg) - (24 if i % 2 else 20):
            problems.append("good TCP frame %d: %r" % (i, d))
        bit = rnd.randrange(14 * 8, min(len(f), 14 + 40) * 8)
        g2 = bytearray(f)
        g2[bit // 8] ^= 1 << (bit % 8)
        if not decode(bytes(g2), mac, GUEST_IP).defects:
            problems.append("good TCP frame %d with bit %d flipped decodes clean" % (i, bit))
    u = pad(eth(mac, GATEWAY_MAC, ETH_IP, ipv4(GATEWAY_IP, GUEST_IP, P_UDP, udp(GATEWAY_IP, GUEST_IP, 53, 7777, b"hi"))))
    c = pad(eth(mac, GATEWAY_MAC, ETH_IP, ipv4(GATEWAY_IP, GUEST_IP, P_ICMP, icmp(8, 0, b"\0\1\0\2", b"ping"))))
    a = pad(eth(BROADCAST, GATEWAY_MAC, ETH_ARP, arp(1, GATEWAY_MAC, GATEWAY_IP, bytes(6), GUEST_IP)))
    for name, f in (("udp", u), ("icmp", c), ("arp", a)):
        d = decode(f, mac, GUEST_IP)
        if d.defects:
            problems.append("good %s frame: %r" % (name, d))
    # RFC 1071's example: the sum of 0001 f203 f4f5 f6f7 is ddf2, stored as its complement
    if csum(bytes.fromhex("0001f203f4f5f6f7")) != 0x220d:
        problems.append("csum of RFC 1071's example")
    return problems


def _flow_check(i, kind, fl, flow):
    """The promise about the live connection: no data in the window, no RST at RCV.NXT."""
    out = []
    rn = flow.peer_next
    off = (fl["tcp_seq"] - rn) % MOD	# how far past the gateway's highest byte
    if fl.get("tcp_len", 0) and not (65536 < off < (1 << 31) or
                                      (1 << 31) <= off and MOD - off >= 65536 + fl["tcp_len"]):
        out.append("frame %d (%s): data at RCV.NXT%+d" % (i, kind, off if off < (1 << 31) else off - MOD))
    if fl["tcp_flags"] & RST and off == 0:
        out.append("frame %d (%s): RST at RCV.NXT" % (i, kind))
    if fl["tcp_flags"] & ACK and not fl["tcp_flags"] & (SYN | RST) and not fl.get("tcp_len", 0) and off == 0:
        a = fl["tcp_ack"]
        if not (seq_gt(a, flow.guest_next) or seq_gt(flow.guest_una, a)):
            out.append("frame %d (%s): an acceptable ACK %d" % (i, kind, a))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--show", type=int, default=0, help="print the first N frames generated")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("frames: seed %d" % seed, flush=True)
    if a.show:
        m = Malformer(seed, bytes.fromhex("525400123456"))
        for _ in range(a.show):
            kind, f, _ = m.next()
            print("%-22s %s" % (kind, describe(f)))
    if not a.self_test:
        return
    problems, seen = self_test(a.count, seed)
    for p in problems[:30]:
        print("frames: FAIL " + p)
    print("frames: %d frames of %d kinds, raw and padded: %s" % (2 * a.count, len(seen), " ".join(
        "%s=%d" % kv for kv in sorted(seen.items()))))
    if problems:
        print("frames: FAIL %d problems (seed %d)" % (len(problems), seed))
        sys.exit(1)
    print("frames: PASS")


if __name__ == "__main__":
    main()
