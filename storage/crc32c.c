/* crc32c.c -- CRC-32C, table-driven (one 1 KiB table, built on first use by the one thread that
 * runs the store). */
#include <storage/crc32c.h>

static uint32_t table[256];
static int table_ready;

static void build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		table[i] = c;
	}
	table_ready = 1;
}

uint32_t store_crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (!table_ready)
		build();
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
