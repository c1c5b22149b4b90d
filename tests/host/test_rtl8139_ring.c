/* test_rtl8139_ring.c -- the RTL8139 receive-ring walk (net/rtl8139_ring.c) on ring images: a
 * simulated chip writes frames as QEMU does (header, data, CRC, next frame dword-aligned, data
 * wrapping at the ring's end), then the walk must hand back exactly those frames; and every
 * kind of broken ring: bad status, lying lengths, early RX, a write offset inside a frame,
 * misaligned offsets, random bytes. The ring sits at the end of its allocation so ASan catches
 * any read past it. And the driver's allocation (RTL_RX_ALLOC) against QEMU's stores of a
 * jumbo frame into an empty ring, which run past the ring's end. Randomized tests print their
 * seed; TEST_SEED=n replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <net/netsvc_param.h>
#include <net/rtl8139_ring.h>

#define SIZE	8192

static uint8_t *ring;			/* SIZE bytes, malloc'd exactly: overreads are caught */
static uint8_t scratch[RTL_FRAME_MAX];
static uint64_t seed, rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd_below(uint32_t n) { return (uint32_t)(rnd() % n); }

static int setup_seed(void **state)
{
	const char *env = getenv("TEST_SEED");

	(void)state;
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
	rng = seed ? seed : 1;
	printf("[ rtl8139  ] seed %llu (replay with TEST_SEED=%llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	ring = malloc(SIZE);
	memset(ring, 0xa5, SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ring);
	return 0;
}

/* --- the simulated chip --- */

static void put(uint32_t off, uint8_t b) { ring[off % SIZE] = b; }

/* Write one frame at *wr as the chip does; payload byte i of frame id is (id * 7 + i) & 0xff. */
static void chip_frame_status(uint32_t *wr, uint32_t id, uint32_t len, uint32_t status)
{
	uint32_t stored = len + RTL_RX_CRC, off = *wr;

	put(off, status & 0xff);
	put(off + 1, (status >> 8) & 0xff);
	put(off + 2, stored & 0xff);
	put(off + 3, (stored >> 8) & 0xff);
	for (uint32_t i = 0; i < len; i++)
		put(off + 4 + i, (uint8_t)(id * 7 + i));
	for (uint32_t i = 0; i < 4; i++)
		put(off + 4 + len + i, 0xcc);	/* CRC: never delivered */
	*wr = (off + RTL_RX_HDR + stored + 3) & ~3u & (SIZE - 1);
}

static void chip_frame(uint32_t *wr, uint32_t id, uint32_t len)
{
	chip_frame_status(wr, id, len, RTL_RXS_ROK | RTL_RXS_PAM);
}

/* --- what the walk delivered --- */

#define MAXGOT	4096
static struct { uint32_t len; uint8_t first, last; int ok; } got[MAXGOT];
static unsigned ngot;
static uint32_t next_id;	/* id of the frame the next delivery should be */

static void deliver(void *ctx, const uint8_t *f, size_t len)
{
	int ok = 1;

	(void)ctx;
	assert_true(len >= RTL_FRAME_MIN && len <= RTL_FRAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (f[i] != (uint8_t)(next_id * 7 + i))
			ok = 0;
	assert_true(ngot < MAXGOT);
	got[ngot].len = (uint32_t)len;
	got[ngot].ok = ok;
	ngot++;
	next_id++;
}

static void reset_got(uint32_t first_id)
{
	ngot = 0;
	next_id = first_id;
}

static struct rtl_rx_walk walk(uint32_t rd, uint32_t wr)
{
	return (struct rtl_rx_walk){ ring, SIZE, rd, wr, scratch };
}

/* --- cases --- */

static void test_empty(void **state)
{
	struct rtl_rx_counts c = { 0 };
	struct rtl_rx_walk w = walk(128, 128);

	(void)state;
	reset_got(0);
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_EMPTY);
	assert_int_equal(ngot, 0);
	assert_int_equal(w.rd, 128);
}

static void test_frames_in_order(void **state)
{
	static const uint32_t lens[] = { 60, 14, 61, 62, 63, 64, 1514, 1513, 100, 1000 };
	struct rtl_rx_counts c = { 0 };
	uint32_t wr = 0;
	struct rtl_rx_walk w;

	(void)state;
	for (uint32_t i = 0; i < 5; i++)
		chip_frame(&wr, i, lens[i]);
	w = walk(0, wr);
	reset_got(0);
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_EMPTY);
	assert_int_equal(ngot, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(got[i].len, lens[i]);
		assert_true(got[i].ok);
	}
	assert_int_equal(w.rd, wr);
	assert_int_equal(w.rd % 4, 0);
	assert_int_equal(c.frames, 5);
	assert_int_equal(c.bytes, 60 + 14 + 61 + 62 + 63);
}

static void test_wrap(void **state)
{
	struct rtl_rx_counts c = { 0 };
	uint32_t starts[] = { SIZE - 4, SIZE - 8, SIZE - 100, SIZE - 1500, SIZE - 20 };

	(void)state;
	for (unsigned k = 0; k < 5; k++) {
		uint32_t wr = starts[k], rd = starts[k];
		struct rtl_rx_walk w;

		chip_frame(&wr, 40 + k, 1514);	/* header at the very end, data all wrapped, ... */
		chip_frame(&wr, 41 + k, 77);
		w = walk(rd, wr);
		reset_got(40 + k);
		assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_EMPTY);
		assert_int_equal(ngot, 2);
		assert_true(got[0].ok && got[1].ok);
		assert_int_equal(got[0].len, 1514);
		assert_int_equal(w.rd, wr);
	}
	assert_true(c.wrapped >= 4);	/* SIZE - 4: data starts at 0, not wrapped */
}

static void test_budget(void **state)
{
	struct rtl_rx_counts c = { 0 };
	uint32_t wr = 0;
	struct rtl_rx_walk w;

	(void)state;
	for (uint32_t i = 0; i < 10; i++)
		chip_frame(&wr, i, 100);
	w = walk(0, wr);
	reset_got(0);
	assert_int_equal(rtl_rx_walk(&w, 3, deliver, NULL, &c), RTL_RX_BUDGET);
	assert_int_equal(ngot, 3);
	assert_int_equal(rtl_rx_walk(&w, 0, deliver, NULL, &c), RTL_RX_BUDGET);
	assert_int_equal(rtl_rx_walk(&w, 100, deliver, NULL, &c), RTL_RX_EMPTY);
	assert_int_equal(ngot, 10);
}

/* A header that cannot be right ends the walk CORRUPT without consuming it; the frames before
 * it are delivered. */
static void test_corrupt_headers(void **state)
{
	static const struct { uint32_t status, stored; } bad[] = {
		{ 0, 64 },				/* ROK clear */
		{ RTL_RXS_ROK | RTL_RXS_CRC, 64 },	/* error bits */
		{ RTL_RXS_ROK | RTL_RXS_RUNT, 64 },
		{ RTL_RXS_ROK | RTL_RXS_LONG, 64 },
		{ RTL_RXS_ROK | RTL_RXS_FAE, 64 },
		{ RTL_RXS_ROK | RTL_RXS_ISE, 64 },
		{ RTL_RXS_ROK, 0 },			/* lengths that lie */
		{ RTL_RXS_ROK, 3 },
		{ RTL_RXS_ROK, 4092 },			/* half the ring or more */
		{ RTL_RXS_ROK, 0xffff },
	};

	(void)state;
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct rtl_rx_counts c = { 0 };
		uint32_t wr = 1000, bad_at;
		struct rtl_rx_walk w;

		chip_frame(&wr, 0, 60);
		bad_at = wr;
		put(wr, bad[k].status & 0xff);
		put(wr + 1, bad[k].status >> 8);
		put(wr + 2, bad[k].stored & 0xff);
		put(wr + 3, bad[k].stored >> 8);
		wr += 2048;	/* the chip claims more was written after it */
		w = walk(1000, wr);
		reset_got(0);
		assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_CORRUPT);
		assert_int_equal(ngot, 1);
		assert_int_equal(w.rd, bad_at);
		assert_int_equal(c.corrupt, 1);
	}
}

/* A well-formed frame longer or shorter than we take is stepped over; the frames around it
 * arrive. */
static void test_oversized(void **state)
{
	static const uint32_t big[] = { 1515, 1518, 1600, 2000, 4000, 0, 1, 5, 13 };

	(void)state;
	for (unsigned k = 0; k < sizeof(big) / sizeof(big[0]); k++) {
		struct rtl_rx_counts c = { 0 };
		uint32_t wr = SIZE - 200, rd = wr;
		struct rtl_rx_walk w;

		chip_frame(&wr, 0, 60);
		chip_frame(&wr, 99, big[k]);	/* wraps, for good measure */
		chip_frame(&wr, 1, 70);
		w = walk(rd, wr);
		reset_got(0);
		assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_EMPTY);
		assert_int_equal(ngot, 2);
		assert_true(got[0].ok && got[1].ok);
		assert_int_equal(got[1].len, 70);
		assert_int_equal(c.oversized, 1);
		assert_int_equal(w.rd, wr);
	}
}

static void test_partial(void **state)
{
	struct rtl_rx_counts c = { 0 };
	uint32_t wr = 200, full;
	struct rtl_rx_walk w;

	(void)state;
	chip_frame(&wr, 0, 500);
	full = wr;
	/* the write offset inside the frame: still arriving */
	for (uint32_t cut = 200 + 4; cut < full; cut += 4) {
		w = walk(200, cut);
		reset_got(0);
		assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_PARTIAL);
		assert_int_equal(ngot, 0);
		assert_int_equal(w.rd, 200);
	}
	/* fewer than a header's bytes */
	w = walk(200, 202);
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_PARTIAL);
	/* early RX: the length field says the copy is in progress */
	put(202, RTL_RX_EARLY & 0xff);
	put(203, RTL_RX_EARLY >> 8);
	w = walk(200, full);
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_PARTIAL);
	assert_int_equal(c.corrupt, 0);
}

static void test_bad_offsets(void **state)
{
	struct rtl_rx_counts c = { 0 };
	struct rtl_rx_walk w = walk(2, 100);

	(void)state;
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_CORRUPT);
	w = walk(SIZE * 3 + 8, SIZE * 5 + 8);	/* taken modulo the size: empty */
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_EMPTY);
	w = walk(0, 0);
	w.size = 1000;	/* not a power of two */
	assert_int_equal(rtl_rx_walk(&w, 16, deliver, NULL, &c), RTL_RX_CORRUPT);
}

/* The chip and the driver at their own paces for many laps of the ring: every frame comes back
 * once, in order, intact, however the walks and the writes interleave. */
static void test_laps(void **state)
{
	struct rtl_rx_counts c = { 0 };
	uint32_t wr = 0, rd = 0, written = 0, total = 3000;
	uint64_t bytes = 0;

	(void)state;
	reset_got(0);
	while (next_id < total) {
		/* write while there is room for a largest frame (the chip holds back otherwise) */
		unsigned burst = rnd_below(8);
		for (unsigned i = 0; i < burst && written < total; i++) {
			uint32_t used = (wr - rd) & (SIZE - 1);
			uint32_t len = rnd_below(4) == 0 ? (rnd_below(2) ? 60 : 1514)
							 : 14 + rnd_below(RTL_FRAME_MAX - 13);

			if (SIZE - used < 1536 + 16)
				break;
			chip_frame(&wr, written++, len);
			bytes += len;
		}
		struct rtl_rx_walk w = walk(rd, wr);
		enum rtl_rx_stop s = rtl_rx_walk(&w, 1 + rnd_below(6), deliver, NULL, &c);
		assert_true(s == RTL_RX_EMPTY || s == RTL_RX_BUDGET);
		rd = w.rd;
		if (ngot > MAXGOT / 2) {	/* check and forget */
			for (unsigned i = 0; i < ngot; i++)
				assert_true(got[i].ok);
			ngot = 0;
		}
	}
	for (unsigned i = 0; i < ngot; i++)
		assert_true(got[i].ok);
	assert_int_equal(c.frames, total);
	assert_int_equal(c.bytes, bytes);
	assert_true(bytes > 20 * SIZE);	/* many laps */
	assert_true(c.wrapped > 0);
}

/* Random bytes and random offsets: the walk stops, never reads outside the ring (ASan), and
 * whatever it delivers has a sane length. */
static void deliver_any(void *ctx, const uint8_t *f, size_t len)
{
	unsigned *n = ctx;
	volatile uint8_t sink = 0;

	assert_true(len >= RTL_FRAME_MIN && len <= RTL_FRAME_MAX);
	for (size_t i = 0; i < len; i++)
		sink ^= f[i];	/* touch every byte */
	(void)sink;
	(*n)++;
}

static void test_random_rings(void **state)
{
	(void)state;
	for (unsigned iter = 0; iter < 3000; iter++) {
		struct rtl_rx_counts c = { 0 };
		unsigned n = 0;

		for (uint32_t i = 0; i < SIZE; i++)
			ring[i] = (uint8_t)rnd();
		if (iter % 2) {	/* plausible headers with random lengths and statuses */
			for (uint32_t off = 0; off < SIZE; off += 4 * (1 + rnd_below(100))) {
				uint32_t st = RTL_RXS_ROK | (rnd_below(4) == 0 ? (uint32_t)rnd() & 0xffff : 0);
				uint32_t ln = rnd_below(2) ? 18 + rnd_below(1501) : (uint32_t)rnd() & 0xffff;

				put(off, st & 0xff);
				put(off + 1, st >> 8);
				put(off + 2, ln & 0xff);
				put(off + 3, ln >> 8);
			}
		}
		struct rtl_rx_walk w = walk(rnd_below(SIZE / 4) * 4, (uint32_t)rnd());
		enum rtl_rx_stop s = rtl_rx_walk(&w, 64, deliver_any, &n, &c);
		assert_true(s <= RTL_RX_CORRUPT);
		assert_true(n <= 64);
		assert_int_equal(w.rd % 4, 0);
		assert_true(w.rd < SIZE);
	}
}

/* --- QEMU's stores (hw/net/rtl8139.c, ring mode, WRAP clear) --- */

/* Store n bytes at ring offset *at as QEMU does: when they cross the ring's end, the part up to
 * the last multiple of the ring size at or below *at + n goes on linearly from *at (past the
 * end, if that multiple is beyond it) and the rest to offset 0; a run ending exactly on such a
 * multiple is stored linearly. Into mem, of alloc bytes: ASan sees a store past it. */
static void emu_store(uint8_t *mem, size_t alloc, uint32_t *at, uint32_t n, uint8_t v)
{
	uint32_t end = *at + n, rest = end % RTL_RX_RING;

	if (end > RTL_RX_RING && rest != 0) {
		assert_true(end - rest <= alloc);
		memset(mem + *at, v, end - rest - *at);
		memset(mem, v, rest);
		*at = rest;
		return;
	}
	assert_true(end <= alloc);
	memset(mem + *at, v, n);
	*at = end;
}

/* A frame of len bytes into an empty ring whose write offset is at: QEMU skips its room check
 * then (it makes one only when the ring is not empty), whatever the length. */
static void emu_frame(uint8_t *mem, size_t alloc, uint32_t at, uint32_t len)
{
	emu_store(mem, alloc, &at, RTL_RX_HDR, 0x11);
	emu_store(mem, alloc, &at, len, 0x22);
	emu_store(mem, alloc, &at, RTL_RX_CRC, 0x33);
}

/* Every frame a QEMU netdev delivers (up to RTL_RX_EMU_FRAME_MAX bytes) at every write offset
 * stays inside the driver's RX allocation: with 8 KiB + 16 + 1536 a 9000-byte frame at offset
 * 7556 wrote 6640 bytes past it, over the next physmem block (CPU 0's nursery, on ARM). */
static int setup_alloc(void **state)
{
	*state = malloc(RTL_RX_ALLOC);	/* exactly: ASan catches a store past it */
	return *state ? 0 : -1;
}

static int teardown_alloc(void **state)
{
	free(*state);
	return 0;
}

static void test_emu_jumbo_inside_alloc(void **state)
{
	static const uint32_t lens[] = { 60, RTL_FRAME_MAX, 7000, 8188, 8189, 9000, 16380, 16384,
					 60000, 65531, RTL_RX_EMU_FRAME_MAX - 1, RTL_RX_EMU_FRAME_MAX };
	uint8_t *mem = *state;

	for (uint32_t at = 0; at < RTL_RX_RING; at += 4) {
		for (unsigned k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
			emu_frame(mem, RTL_RX_ALLOC, at, lens[k]);
		emu_frame(mem, RTL_RX_ALLOC, at, RTL_FRAME_MIN + rnd_below(RTL_RX_EMU_FRAME_MAX - 13));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_laps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_jumbo_inside_alloc, setup_alloc, teardown_alloc),
	};

	return cmocka_run_group_tests(tests, setup_seed, NULL);
}
