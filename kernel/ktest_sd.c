/* ktest_sd.c -- test=sd: the SD driver (storage/sdhci.c) on QEMU's card, through the block
 * contract (storage/blk.h). A pattern goes over the card in multi-block programs (the whole card
 * up to whole_mb= MiB, default 64; above that three 4 MiB regions: start, middle, end) and is read
 * back, timed; then reads of mixed sizes from unaligned buffers, single sectors rewritten, two
 * groups erased, range errors (the checked calls and the driver's own answer). The last line,
 * "KTEST sd layout ...", tells tests/qemu/sd_check.py what the image file must hold.
 * The pattern of sector s: le32 s, le32 s ^ salt, then a 504-byte block rotated by 7s mod 504. */
#include <arch.h>
#include <string.h>

#include <storage/blk.h>
#include <storage/sdhci.h>

#include "kernel.h"
#include "ktest.h"
#include "physmem.h"

#define REGION		8192u	/* sectors: 4 MiB per region on a big card */
#define BUF_SECTORS	512u	/* 256 KiB: two of the driver's bounce runs */
#define SALT0		0x5a5a5a5au
#define SALT1		0xa5a5a5a5u

static uint8_t body[2][504];
static uint32_t regions[3][2];	/* [first, end) */
static unsigned nregions;
static uint8_t *buf;		/* BUF_SECTORS sectors and 64 bytes more (unaligned use) */
static struct blk_dev *dev;

static uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void body_init(void)
{
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < 126; i++)
			put32(&body[k][4 * i], fmix32(i + 0x1000 * k + 0x5d5eedu));
}

static void fill(uint8_t *p, uint32_t sector, unsigned k)
{
	uint32_t r = sector * 7 % 504;

	put32(p, sector);
	put32(p + 4, sector ^ (k ? SALT1 : SALT0));
	memcpy(p + 8, body[k] + r, 504 - r);
	memcpy(p + 8 + 504 - r, body[k], r);
}

static bool same(const uint8_t *p, uint32_t sector, unsigned k)
{
	uint8_t want[BLK_SECTOR];

	fill(want, sector, k);
	return memcmp(p, want, BLK_SECTOR) == 0;
}

/* What the test has done so far, for what a sector must hold now. */
static uint32_t singles[3], erased[2];
static unsigned nsingles, nerased;

/* sector (inside a region) holds what the test left there */
static bool holds(const uint8_t *p, uint32_t sector)
{
	for (unsigned i = 0; i < nerased; i++)
		if (sector / dev->group_sectors == erased[i]) {
			for (unsigned j = 0; j < BLK_SECTOR; j++)
				if (p[j] != dev->erased_byte)
					return false;
			return true;
		}
	for (unsigned i = 0; i < nsingles; i++)
		if (sector == singles[i])
			return same(p, sector, 1);
	return same(p, sector, 0);
}

static __attribute__((noreturn)) void fail_at(const char *what, uint32_t sector, int err)
{
	kprintf("KTEST sd: %s at sector %u: %s\n", what, sector, blk_strerror(err));
	ktest_finish(0, what);
}

static uint64_t mb_x100(uint64_t bytes, uint64_t ns)	/* MB/s (10^6 bytes) times 100 */
{
	return ns ? bytes * 100000 / ns : 0;
}

/* The pattern over every region in runs of BUF_SECTORS; the calls' time only. */
static uint64_t write_all(void)
{
	uint64_t ns = 0;

	for (unsigned r = 0; r < nregions; r++)
		for (uint32_t s = regions[r][0]; s < regions[r][1]; s += BUF_SECTORS) {
			uint32_t n = MIN(BUF_SECTORS, regions[r][1] - s);
			uint64_t c;
			int e;

			for (uint32_t i = 0; i < n; i++)
				fill(buf + i * BLK_SECTOR, s + i, 0);
			c = arch_cycles();
			e = blk_program(dev, s, n, buf);
			ns += arch_cycles_to_ns(arch_cycles() - c);
			if (e != BLK_OK)
				fail_at("program failed", s, e);
		}
	return ns;
}

/* Read every region back, count sectors per call cycling through counts (0: BUF_SECTORS),
 * into buf + offset; check each sector against what it must hold. */
static uint64_t read_all(const uint32_t *counts, unsigned ncounts, const unsigned *offsets)
{
	uint64_t ns = 0;
	unsigned call = 0;

	for (unsigned r = 0; r < nregions; r++)
		for (uint32_t s = regions[r][0]; s < regions[r][1]; call++) {
			uint32_t n = counts[call % ncounts] ? counts[call % ncounts] : BUF_SECTORS;
			uint8_t *p = buf + offsets[call % 3];
			uint64_t c;
			int e;

			n = MIN(n, regions[r][1] - s);
			memset(p, 0xee, n * BLK_SECTOR);
			c = arch_cycles();
			e = blk_read(dev, s, n, p);
			ns += arch_cycles_to_ns(arch_cycles() - c);
			if (e != BLK_OK)
				fail_at("read failed", s, e);
			for (uint32_t i = 0; i < n; i++)
				if (!same(p + i * BLK_SECTOR, s + i, 0))
					fail_at("read back differs from what was programmed", s + i, 0);
			s += n;
		}
	return ns;
}

static void read_one(uint32_t sector, uint8_t *p)
{
	int e = blk_read(dev, sector, 1, p);

	if (e != BLK_OK)
		fail_at("single read failed", sector, e);
}

static void expect(int got, int want, const char *what)
{
	if (got != want) {
		kprintf("KTEST sd: %s: got %s (%d), want %s\n", what, blk_strerror(got), got,
			blk_strerror(want));
		ktest_finish(0, what);
	}
	kprintf("KTEST sd as expected: %s: %s\n", what, blk_strerror(got));
}

static void test_sd(const char *cmdline)
{
	unsigned long whole_mb = 64;
	uint32_t n, gs, gc;
	uint64_t wns, rns, bytes = 0;
	static const uint32_t big[] = { 0 }, mixed[] = { 1, 2, 7, 64, 255, 256, 257, 511, 1, 3 };
	static const unsigned aligned[] = { 0, 0, 0 }, odd[] = { 1, 0, 3 };
	char line[160];
	size_t len = 0;

	cmdline_get_ulong(cmdline, "whole_mb", &whole_mb);
	dev = sdhci_probe(cmdline);
	if (!dev)
		ktest_finish(0, "no SD card");
	n = blk_sectors(dev);
	gs = dev->group_sectors;
	gc = dev->group_count;
	if (n <= whole_mb * 2048) {
		regions[0][0] = 0, regions[0][1] = n;
		nregions = 1;
	} else {
		regions[0][0] = 0, regions[0][1] = REGION;
		regions[1][0] = n / 2 - REGION / 2, regions[1][1] = n / 2 + REGION / 2;
		regions[2][0] = n - REGION, regions[2][1] = n;
		nregions = 3;
	}
	if (gc < 4 || 3 * gs > regions[0][1] || gs > regions[nregions - 1][1] - regions[nregions - 1][0])
		ktest_finish(0, "the card's groups do not fit the test's regions (sd_group_kb=?)");
	buf = physmem_alloc(BUF_SECTORS * BLK_SECTOR + 64, 4096);
	if (!buf)
		ktest_finish(0, "no memory for the buffer");
	body_init();
	for (unsigned r = 0; r < nregions; r++)
		bytes += (uint64_t)(regions[r][1] - regions[r][0]) * BLK_SECTOR;
	kprintf("KTEST sd card: %u sectors, group %u sectors x %u, erased byte %#x; %u region(s), "
		"%llu KiB\n", n, gs, gc, dev->erased_byte, nregions, (unsigned long long)(bytes >> 10));

	wns = write_all();
	rns = read_all(big, 1, aligned);
	kprintf("KTEST sd write %llu KiB in %llu ms: %llu.%02llu MB/s\n",
		(unsigned long long)(bytes >> 10), (unsigned long long)(wns / 1000000),
		(unsigned long long)(mb_x100(bytes, wns) / 100), (unsigned long long)(mb_x100(bytes, wns) % 100));
	kprintf("KTEST sd read %llu KiB in %llu ms: %llu.%02llu MB/s\n",
		(unsigned long long)(bytes >> 10), (unsigned long long)(rns / 1000000),
		(unsigned long long)(mb_x100(bytes, rns) / 100), (unsigned long long)(mb_x100(bytes, rns) % 100));
	read_all(mixed, ARRAY_SIZE(mixed), odd);
	kprintf("KTEST sd mixed-size reads from unaligned buffers: every sector right\n");

	/* single sectors (CMD24, CMD17) from an odd address: the neighbours stay */
	singles[0] = 5, singles[1] = 3 * gs - 1, singles[2] = n - gs - 1;
	for (unsigned i = 0; i < 3; i++) {
		uint32_t s = singles[i];
		int e;

		fill(buf + 1, s, 1);
		if ((e = blk_program(dev, s, 1, buf + 1)) != BLK_OK)
			fail_at("single program failed", s, e);
		read_one(s, buf + 3);
		if (!same(buf + 3, s, 1))
			fail_at("a single sector reads back wrong", s, 0);
		nsingles = i + 1;
		read_one(s - 1, buf);
		if (!holds(buf, s - 1))
			fail_at("the sector before a single program changed", s - 1, 0);
		read_one(s + 1, buf);
		if (!holds(buf, s + 1))
			fail_at("the sector after a single program changed", s + 1, 0);
	}
	kprintf("KTEST sd single-sector program and read: sectors %u %u %u\n", singles[0],
		singles[1], singles[2]);

	/* erase: the group reads as erased_byte, its neighbours keep the pattern */
	erased[0] = 1, erased[1] = gc - 1;
	for (unsigned i = 0; i < 2; i++) {
		uint32_t g = erased[i], first = g * gs;
		int e;

		if ((e = blk_erase(dev, g)) != BLK_OK)
			fail_at("erase failed", first, e);
		nerased = i + 1;
		for (uint32_t s = first; s < first + gs; s += BUF_SECTORS) {
			uint32_t m = MIN(BUF_SECTORS, first + gs - s);

			if ((e = blk_read(dev, s, m, buf)) != BLK_OK)
				fail_at("read after erase failed", s, e);
			for (uint32_t j = 0; j < m * BLK_SECTOR; j++)
				if (buf[j] != dev->erased_byte) {
					kprintf("KTEST sd: erased group %u byte %u reads %#x, erased_byte "
						"says %#x\n", g, (s - first) * BLK_SECTOR + j, buf[j],
						dev->erased_byte);
					ktest_finish(0, "an erased group does not read as erased_byte");
				}
		}
		read_one(first - 1, buf);
		if (!holds(buf, first - 1))
			fail_at("the sector before an erased group changed", first - 1, 0);
		if (first + gs < n) {
			read_one(first + gs, buf);
			if (!holds(buf, first + gs))
				fail_at("the sector after an erased group changed", first + gs, 0);
		}
	}
	kprintf("KTEST sd erase: groups %u and %u read as %#x\n", erased[0], erased[1],
		dev->erased_byte);

	/* range: the checked calls refuse; the driver itself gets the card's error, recovers */
	expect(blk_read(dev, n, 1, buf), BLK_ERANGE, "blk_read past the end");
	expect(blk_read(dev, n - 1, 2, buf), BLK_ERANGE, "blk_read across the end");
	expect(blk_program(dev, n, 1, buf), BLK_ERANGE, "blk_program past the end");
	expect(blk_erase(dev, gc), BLK_ERANGE, "blk_erase past the last group");
	expect(dev->ops->read(dev, n, 1, buf), BLK_EIO, "driver read past the end (CMD17)");
	expect(dev->ops->read(dev, n - 1, 2, buf), BLK_EIO, "driver read across the end (CMD18)");
	expect(dev->ops->program(dev, n, 1, buf), BLK_EIO, "driver program past the end (CMD24)");
	memset(buf, dev->erased_byte, 2 * BLK_SECTOR);	/* sector n - 1 is erased: keep it so */
	expect(dev->ops->program(dev, n - 1, 2, buf), BLK_EIO,
	       "driver program across the end (CMD25)");
	expect(dev->ops->erase(dev, gc), BLK_EIO, "driver erase past the end (CMD32/33/38)");
	/* error interrupt status, forced through the controller: each is an error, never a hang */
	sdhci_inject_error(1u << 16, false);
	expect(blk_read(dev, 0, 4, buf), BLK_ETIMEDOUT, "forced command timeout on a read");
	sdhci_inject_error(1u << 17, false);
	expect(blk_read(dev, 0, 1, buf), BLK_EIO, "forced command CRC error on a read");
	sdhci_inject_error(1u << 21, true);
	expect(blk_read(dev, 0, 4, buf), BLK_EIO, "forced data CRC error on a read");
	sdhci_inject_error(1u << 20, true);
	expect(blk_read(dev, 0, 1, buf), BLK_ETIMEDOUT, "forced data timeout on a read");
	sdhci_inject_error(1u << 22, true);
	fill(buf, 9, 0);
	expect(blk_program(dev, 9, 1, buf), BLK_EIO, "forced data end bit error on a program");
	sdhci_inject_error(1u << 24, true);
	for (uint32_t i = 0; i < 4; i++)
		fill(buf + i * BLK_SECTOR, 9 + i, 0);
	expect(blk_program(dev, 9, 4, buf), BLK_EIO, "forced auto-CMD12 error on a program");
	sdhci_inject_error(1u << 19, false);
	expect(blk_erase(dev, 2), BLK_EIO, "forced command index error on an erase");
	read_one(0, buf);
	if (!holds(buf, 0))
		fail_at("after the errors sector 0 reads wrong", 0, 0);
	read_one(n - 1, buf);
	if (!holds(buf, n - 1))
		fail_at("after the errors the last sector reads wrong", n - 1, 0);
	expect(blk_sync(dev), BLK_OK, "sync");
	kprintf("KTEST sd calls: %llu reads, %llu programs, %llu erases, %llu syncs\n",
		(unsigned long long)dev->reads, (unsigned long long)dev->programs,
		(unsigned long long)dev->erases, (unsigned long long)dev->syncs);

	for (unsigned r = 0; r < nregions; r++)
		len += (size_t)ksnprintf(line + len, sizeof(line) - len, "%s%u-%u", r ? "," : "",
					 regions[r][0], regions[r][1]);
	kprintf("KTEST sd layout sectors=%u group_sectors=%u erased_byte=%u regions=%s "
		"singles=%u,%u,%u erased=%u,%u\n", n, gs, dev->erased_byte, line, singles[0],
		singles[1], singles[2], erased[0], erased[1]);
	ktest_finish(1, NULL);
}

/* test=sd-eject: the card is pulled (QEMU monitor: eject -f sdcard, by tests/qemu/sd.sh) while
 * reads go on: the first call after it fails, and every call after that fails at once. */
static void test_sd_eject(const char *cmdline)
{
	uint64_t t0, ms;
	unsigned tries = 0;
	int e = BLK_OK;

	dev = sdhci_probe(cmdline);
	if (!dev)
		ktest_finish(0, "no SD card");
	buf = physmem_alloc(BUF_SECTORS * BLK_SECTOR, 4096);
	if (!buf)
		ktest_finish(0, "no memory for the buffer");
	if ((e = blk_program(dev, 0, 64, buf)) != BLK_OK || (e = blk_read(dev, 0, 64, buf)) != BLK_OK)
		fail_at("the card does not work before the eject", 0, e);
	kprintf("KTEST sd eject now\n");
	t0 = arch_cycles();
	while (arch_cycles_to_ns(arch_cycles() - t0) < 30000000000ull) {
		uint64_t c = arch_cycles();

		tries++;
		if ((e = blk_read(dev, 0, 64, buf)) != BLK_OK) {
			ms = arch_cycles_to_ns(arch_cycles() - c) / 1000000;
			kprintf("KTEST sd eject: read %u failed in %llu ms: %s\n", tries,
				(unsigned long long)ms, blk_strerror(e));
			break;
		}
		arch_udelay(10000);
	}
	if (e == BLK_OK)
		ktest_finish(0, "reads still work 30 s after the eject was asked for");
	for (unsigned i = 0; i < 4; i++) {
		uint64_t c = arch_cycles();

		e = i == 0 ? blk_read(dev, 0, 1, buf) : i == 1 ? blk_program(dev, 0, 8, buf) :
		    i == 2 ? blk_erase(dev, 0) : blk_sync(dev);
		ms = arch_cycles_to_ns(arch_cycles() - c) / 1000000;
		kprintf("KTEST sd eject: %s after it: %s in %llu ms\n",
			i == 0 ? "read" : i == 1 ? "program" : i == 2 ? "erase" : "sync",
			blk_strerror(e), (unsigned long long)ms);
		if (e == BLK_OK || ms > 1000)
			ktest_finish(0, "a call on a removed card worked or took over a second");
	}
	ktest_finish(1, NULL);
}

int ktest_sd(const char *name, const char *cmdline)
{
	if (!strcmp(name, "sd"))
		test_sd(cmdline);
	if (!strcmp(name, "sd-eject"))
		test_sd_eject(cmdline);
	return 0;
}
