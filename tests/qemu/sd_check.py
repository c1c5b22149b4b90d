#!/usr/bin/env python3
# sd_check.py LOG IMAGE -- after test=sd (kernel/ktest_sd.c) has run on IMAGE, check the image
# file byte by byte against the "KTEST sd layout ..." line of LOG: every sector of the regions
# holds the pattern (or the rewritten pattern for the single sectors, or the erased byte for the
# erased groups), and everything outside the regions is still zero (the image began as zeros;
# only the file's data extents are read, so a sparse 4 GiB image is checked in a moment).
# Prints one line; exits 1 on the first difference.
import os
import re
import struct
import sys

SECTOR = 512
SALT = (0x5a5a5a5a, 0xa5a5a5a5)
M = 0xffffffff


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85ebca6b) & M
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & M
    h ^= h >> 16
    return h


BODY = [b''.join(struct.pack('<I', fmix32(i + 0x1000 * k + 0x5d5eed)) for i in range(126))
        for k in (0, 1)]


def pattern(sector, k):
    r = sector * 7 % 504
    return struct.pack('<II', sector, sector ^ SALT[k]) + BODY[k][r:] + BODY[k][:r]


def fail(msg):
    print(f"sd_check: {msg}")
    sys.exit(1)


def main():
    log, image = sys.argv[1], sys.argv[2]
    text = open(log, 'rb').read().decode('latin-1')
    m = re.search(r'KTEST sd layout sectors=(\d+) group_sectors=(\d+) erased_byte=(\d+) '
                  r'regions=([\d,-]+) singles=([\d,]+) erased=([\d,]+)', text)
    if not m:
        fail("no layout line in the log")
    sectors, gs, erased_byte = int(m[1]), int(m[2]), int(m[3])
    regions = [tuple(int(x) for x in r.split('-')) for r in m[4].split(',')]
    singles = {int(x) for x in m[5].split(',')}
    erased = {int(x) for x in m[6].split(',')}
    size = os.path.getsize(image)
    if size != sectors * SECTOR:
        fail(f"the image has {size} bytes, the card {sectors} sectors")
    erased_block = bytes([erased_byte]) * SECTOR
    checked = 0
    with open(image, 'rb') as f:
        for first, end in regions:
            f.seek(first * SECTOR)
            for s in range(first, end):
                got = f.read(SECTOR)
                if s // gs in erased:
                    want, what = erased_block, "erased"
                elif s in singles:
                    want, what = pattern(s, 1), "rewritten"
                else:
                    want, what = pattern(s, 0), "pattern"
                if got != want:
                    i = next(i for i in range(SECTOR) if i >= len(got) or got[i] != want[i])
                    fail(f"sector {s} ({what}) differs at byte {i}")
                checked += 1
        # outside the regions: zeros, in every data extent the file has
        fd = f.fileno()
        outside = 0
        pos = 0
        while pos < size:
            try:
                start = os.lseek(fd, pos, os.SEEK_DATA)
                end = os.lseek(fd, start, os.SEEK_HOLE)
            except OSError:
                break  # no data after pos (ENXIO)
            spans = [(start, end)]
            for rf, rl in regions:  # cut the regions out
                lo, hi = rf * SECTOR, rl * SECTOR
                spans = [p for x, y in spans
                         for p in ((x, min(y, lo)), (max(x, hi), y)) if p[0] < p[1]]
            for x, y in spans:
                f.seek(x)
                for a in range(x, y, 1 << 20):
                    chunk = f.read(min(1 << 20, y - a))
                    if chunk.count(0) != len(chunk):
                        off = a + next(i for i, c in enumerate(chunk) if c)
                        fail(f"byte {off} (sector {off // SECTOR}) outside the regions is "
                             f"not zero")
                outside += y - x
            pos = end
    print(f"sd_check: {checked} sectors as the test left them; {outside >> 10} KiB of data "
          f"extents outside the regions all zero")


main()
