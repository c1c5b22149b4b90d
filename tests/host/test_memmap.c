/* test_memmap.c -- the memory map (multiboot parsing, overlaps, reservations) and the physical
 * region allocator (alignment, exhaustion, coalescing, a randomized stress with a seed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <kernel/memmap.h>
#include <kernel/physmem.h>

static uint8_t buf[512];
static size_t blen;

static void mb_entry(uint64_t base, uint64_t len, uint32_t type)
{
	uint32_t size = 20;

	memcpy(buf + blen, &size, 4);
	memcpy(buf + blen + 4, &base, 8);
	memcpy(buf + blen + 12, &len, 8);
	memcpy(buf + blen + 20, &type, 4);
	blen += 24;
}

static void test_multiboot_qemu(void **state)
{
	struct memmap m;

	(void)state;
	blen = 0;
	mb_entry(0, 0x9fc00, 1);
	mb_entry(0x9fc00, 0x400, 2);
	mb_entry(0xf0000, 0x10000, 2);
	mb_entry(0x100000, 0xfee0000, 1);
	mb_entry(0xffe0000, 0x20000, 2);
	mb_entry(0xfffc0000, 0x40000, 2);
	memmap_init(&m);
	assert_int_equal(memmap_add_multiboot(&m, buf, blen), 6);
	assert_int_equal(m.n, 6);
	assert_int_equal(memmap_bytes(&m, MEM_USABLE), 0x9fc00 + 0xfee0000);
	for (unsigned i = 1; i < m.n; i++)
		assert_true(m.r[i - 1].base + m.r[i - 1].len <= m.r[i].base);	/* sorted, disjoint */
}

static void test_overlaps_and_reservations(void **state)
{
	struct memmap m;

	(void)state;
	memmap_init(&m);
	memmap_add(&m, 0x100000, 0x1000000, MEM_USABLE);
	memmap_add(&m, 0x800000, 0x1000000, MEM_USABLE);	/* overlapping usable: merged */
	assert_int_equal(m.n, 1);
	assert_int_equal(m.r[0].len, 0x1700000);
	memmap_add(&m, 0x400000, 0x100000, MEM_RESERVED);	/* reserved wins, splits usable */
	assert_int_equal(m.n, 3);
	assert_int_equal(m.r[1].type, MEM_RESERVED);
	assert_int_equal(m.r[2].base, 0x500000);
	memmap_add(&m, 0x450000, 0x10000, MEM_USABLE);		/* usable cannot undo reserved */
	assert_int_equal(m.n, 3);
	memmap_add(&m, 0x100000, 0x50000, MEM_KERNEL);		/* the kernel image */
	assert_int_equal(m.r[0].type, MEM_KERNEL);
	assert_int_equal(m.r[1].base, 0x150000);
	assert_int_equal(memmap_bytes(&m, MEM_USABLE), 0x1700000 - 0x100000 - 0x50000);
	memmap_add(&m, 0x1000, 0, MEM_RESERVED);		/* empty: ignored */
	assert_int_equal(m.n, 4);
	memmap_add(&m, UINT64_MAX - 0x1000, 0x2000, MEM_RESERVED);	/* wraps: clipped */
	assert_int_equal(m.r[m.n - 1].base + m.r[m.n - 1].len, UINT64_MAX);
}

static void test_multiboot_malformed(void **state)
{
	struct memmap m;
	uint32_t tiny = 8;

	(void)state;
	blen = 0;
	mb_entry(0x100000, 0x100000, 1);
	memcpy(buf + blen, &tiny, 4);		/* an entry too small to hold its fields */
	blen += 24;
	memmap_init(&m);
	assert_int_equal(memmap_add_multiboot(&m, buf, blen), -1);
	assert_int_equal(m.n, 1);		/* what came before is kept */

	blen = 0;
	mb_entry(0x100000, 0x100000, 1);
	memmap_init(&m);
	assert_int_equal(memmap_add_multiboot(&m, buf, blen - 3), -1);	/* truncated */
	assert_int_equal(memmap_add_multiboot(&m, buf, 0), 0);
}

static void test_map_full(void **state)
{
	struct memmap m;

	(void)state;
	memmap_init(&m);
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(&m, (uint64_t)i * 0x2000, 0x1000, MEM_USABLE), 0);
	assert_int_equal(memmap_add(&m, 0x10000000, 0x1000, MEM_USABLE), -1);
	assert_int_equal(m.n, MEMMAP_MAX);
}

/* --- physmem on a real arena --- */
#define ARENA (8u << 20)
static uint8_t *arena;

static void arena_map(struct memmap *m)
{
	uintptr_t a = (uintptr_t)arena;

	memmap_init(m);
	memmap_add(m, a, ARENA / 2, MEM_USABLE);
	memmap_add(m, a + ARENA / 2, 4096, MEM_RESERVED);	/* a hole in the middle */
	memmap_add(m, a + ARENA / 2 + 4096, ARENA / 2 - 4096, MEM_USABLE);
}

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(1 << 20, ARENA);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static void test_physmem_basic(void **state)
{
	struct memmap m;

	(void)state;
	arena_map(&m);
	physmem_init(&m, 0, UINT64_MAX);
	size_t total = physmem_free_bytes();
	assert_int_equal(total, ARENA - 4096);
	assert_int_equal(physmem_ranges(), 2);

	void *a = physmem_alloc(100, 4096);
	assert_non_null(a);
	assert_int_equal((uintptr_t)a % 4096, 0);
	void *b = physmem_alloc(1 << 20, 1 << 20);
	assert_non_null(b);
	assert_int_equal((uintptr_t)b % (1 << 20), 0);
	memset(b, 0xab, 1 << 20);		/* ASan: the block is really ours */
	assert_null(physmem_alloc(ARENA, 64));	/* bigger than any range */
	assert_null(physmem_alloc(64, 3));	/* alignment not a power of two */
	assert_null(physmem_alloc(0, 64));
	/* the hole is never handed out */
	uintptr_t hole = (uintptr_t)arena + ARENA / 2;
	assert_true((uintptr_t)b + (1 << 20) <= hole || (uintptr_t)b >= hole + 4096);
	physmem_free(a, 100);
	physmem_free(b, 1 << 20);
	assert_int_equal(physmem_free_bytes(), total);
	assert_int_equal(physmem_ranges(), 2);	/* coalesced back */
}

/* 10,000 thread stacks freed in an order that leaves a hole between every two: more holes than
 * the table has slots. The extra ones are spilled, not lost and no panic; allocations find
 * them; freeing the rest coalesces everything back into the two ranges. */
static void test_physmem_spill(void **state)
{
	enum { N = 6000, SZ = 1024 };
	static void *blocks[N];
	struct memmap m;
	size_t total;
	int n = 0;

	(void)state;
	arena_map(&m);
	physmem_init(&m, 0, UINT64_MAX);
	total = physmem_free_bytes();
	while (n < N && (blocks[n] = physmem_alloc(SZ, 64)))
		n++;
	assert_int_equal(n, N);
	for (int i = 0; i < n; i += 2)	/* every other block: a hole each, past PHYSMEM_RANGES */
		physmem_free(blocks[i], SZ);
	assert_int_equal(physmem_ranges(), PHYSMEM_RANGES);
	assert_int_equal(physmem_free_bytes(), total - (size_t)(n / 2) * SZ);
	for (int i = 0; i < n; i += 2) {	/* the spilled holes are handed out again */
		blocks[i] = physmem_alloc(SZ, 64);
		assert_non_null(blocks[i]);
		memset(blocks[i], 0x5a, SZ);	/* ASan: really ours, and the list survives it */
	}
	for (int i = n - 1; i >= 0; i -= 2)
		physmem_free(blocks[i], SZ);
	for (int i = 0; i < n; i += 2)
		physmem_free(blocks[i], SZ);
	assert_int_equal(physmem_free_bytes(), total);
	assert_int_equal(physmem_ranges(), 2);	/* every spilled block went back and coalesced */
}

static void test_physmem_exhaust(void **state)
{
	struct memmap m;
	void *blocks[64];
	int n = 0;

	(void)state;
	arena_map(&m);
	physmem_init(&m, 0, UINT64_MAX);
	while (n < 64 && (blocks[n] = physmem_alloc(512 * 1024, 64)))
		n++;
	assert_int_equal(n, 15);		/* 8 + 7 blocks of 512 KiB around the hole */
	assert_null(physmem_alloc(512 * 1024, 64));
	for (int i = n - 1; i >= 0; i -= 2)
		physmem_free(blocks[i], 512 * 1024);
	for (int i = n - 2; i >= 0; i -= 2)
		physmem_free(blocks[i], 512 * 1024);
	assert_int_equal(physmem_free_bytes(), ARENA - 4096);
	assert_int_equal(physmem_ranges(), 2);
}

static void test_physmem_random(void **state)
{
	struct memmap m;
	struct { uint8_t *p; size_t size; } live[200];
	unsigned nlive = 0;
	const char *env = getenv("SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL) ^ (unsigned)getpid();

	(void)state;
	printf("test_physmem_random: SEED=%u (set SEED to replay)\n", seed);
	srand(seed);
	arena_map(&m);
	physmem_init(&m, 0, UINT64_MAX);
	for (int step = 0; step < 20000; step++) {
		if (nlive < 200 && (rand() % 3 || nlive == 0)) {
			size_t size = 1 + (size_t)rand() % 65536;
			size_t align = (size_t)1 << (rand() % 14);
			uint8_t *p = physmem_alloc(size, align);

			if (!p)
				continue;
			assert_int_equal((uintptr_t)p % (align < 64 ? 64 : align), 0);
			for (unsigned i = 0; i < nlive; i++)	/* no overlap with a live block */
				assert_true(p + size <= live[i].p || live[i].p + live[i].size <= p);
			memset(p, (int)step, size);
			live[nlive].p = p;
			live[nlive++].size = size;
		} else {
			unsigned i = (unsigned)rand() % nlive;

			physmem_free(live[i].p, live[i].size);
			live[i] = live[--nlive];
		}
	}
	while (nlive)
		physmem_free(live[nlive - 1].p, live[nlive - 1].size), nlive--;
	assert_int_equal(physmem_free_bytes(), ARENA - 4096);
	assert_int_equal(physmem_ranges(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multiboot_qemu),
		cmocka_unit_test(test_overlaps_and_reservations),
		cmocka_unit_test(test_multiboot_malformed),
		cmocka_unit_test(test_map_full),
		cmocka_unit_test(test_physmem_basic),
		cmocka_unit_test(test_physmem_exhaust),
		cmocka_unit_test(test_physmem_spill),
		cmocka_unit_test(test_physmem_random),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
