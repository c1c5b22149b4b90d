/* acpi.c -- finding the firmware tables in physical memory: the ACPI RSDP, RSDT/XSDT and MADT,
 * and, when ACPI is absent or turned off, the MP floating pointer and configuration table. */
#include <string.h>

#include <kernel/kernel.h>

#include "x86.h"

struct x86_topology x86_topo;

/* a 16-byte aligned signature in [lo, lo + len) whose first sumlen bytes sum to zero */
static const uint8_t *scan(uintptr_t lo, size_t len, const char *sig, size_t siglen, size_t sumlen)
{
	for (uintptr_t a = ALIGN_UP(lo, 16); a + sumlen <= lo + len; a += 16) {
		const uint8_t *p = (const uint8_t *)a;

		if (memcmp(p, sig, siglen) == 0 && x86_checksum(p, sumlen) == 0)
			return p;
	}
	return NULL;
}

/* a word of the BIOS data area; the asm hides the constant address from GCC's bounds checks */
static uint16_t bda_word(uintptr_t addr)
{
	__asm__("" : "+r"(addr));
	return *(volatile const uint16_t *)addr;
}

static const uint8_t *find_in_bios_areas(const char *sig, size_t siglen, size_t sumlen)
{
	uintptr_t ebda = (uintptr_t)bda_word(0x40e) << 4;
	uintptr_t base_kb = bda_word(0x413);
	const uint8_t *p = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		p = scan(ebda, 1024, sig, siglen, sumlen);
	if (!p && base_kb >= 512 && base_kb <= 640)
		p = scan(base_kb * 1024 - 1024, 1024, sig, siglen, sumlen);
	if (!p)
		p = scan(0xe0000, 0x20000, sig, siglen, sumlen);
	return p;
}

static int find_madt(struct x86_topology *t)
{
	const uint8_t *rsdp = find_in_bios_areas("RSD PTR ", 8, 20);
	uint32_t entry_size = 4, root;

	if (!rsdp)
		return -1;
	memcpy(&root, rsdp + 16, 4);
	if (rsdp[15] >= 2) {
		uint32_t xlo, xhi;

		memcpy(&xlo, rsdp + 24, 4);
		memcpy(&xhi, rsdp + 28, 4);
		if (xlo && !xhi) {
			root = xlo;
			entry_size = 8;
		}
	}
	const uint8_t *sdt = (const uint8_t *)(uintptr_t)root;
	uint32_t len;

	memcpy(&len, sdt + 4, 4);
	if (len < 36 || x86_checksum(sdt, len) != 0)
		return -1;
	for (uint32_t off = 36; off + entry_size <= len; off += entry_size) {
		uint32_t addr, hi = 0;

		memcpy(&addr, sdt + off, 4);
		if (entry_size == 8)
			memcpy(&hi, sdt + off + 4, 4);
		if (hi || !addr)
			continue;
		const uint8_t *tab = (const uint8_t *)(uintptr_t)addr;
		if (memcmp(tab, "APIC", 4) == 0) {
			uint32_t tlen;

			memcpy(&tlen, tab + 4, 4);
			return x86_madt_parse(tab, tlen, t);
		}
	}
	return -1;
}

static int find_mptable(struct x86_topology *t)
{
	const uint8_t *mpf = find_in_bios_areas("_MP_", 4, 16);
	uint32_t cfg;
	uint16_t len;

	if (!mpf)
		return -1;
	memcpy(&cfg, mpf + 4, 4);
	if (!cfg || mpf[11] != 0)	/* a default configuration (no table) is not supported */
		return -1;
	memcpy(&len, (const uint8_t *)(uintptr_t)cfg + 4, 2);
	return x86_mptable_parse((const void *)(uintptr_t)cfg, len, t);
}

int x86_topology_find(struct x86_topology *t, int allow_acpi)
{
	if (allow_acpi && find_madt(t) == 0)
		return 0;
	if (find_mptable(t) == 0)
		return 0;
	return -1;
}
