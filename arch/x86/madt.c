/* madt.c -- parsers for the two firmware descriptions of CPUs and interrupt controllers: the ACPI
 * MADT and the Intel MP configuration table. Pure functions over a byte image, so the host tests
 * feed them table images; every length is checked before it is trusted. */
#include <string.h>

#include "x86.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

uint8_t x86_checksum(const void *table, size_t n)
{
	const uint8_t *p = table;
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void add_cpu(struct x86_topology *t, uint32_t apic_id)
{
	for (unsigned i = 0; i < t->ncpus; i++)
		if (t->apic_id[i] == apic_id)
			return;		/* listed twice (xAPIC and x2APIC entries) */
	if (apic_id > 254 || t->ncpus == NCPU) {
		t->cpus_ignored++;
		return;
	}
	t->apic_id[t->ncpus++] = (uint8_t)apic_id;
}

static void add_ioapic(struct x86_topology *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	if (t->nioapic < X86_MAX_IOAPIC) {
		t->ioapic[t->nioapic].id = id;
		t->ioapic[t->nioapic].addr = addr;
		t->ioapic[t->nioapic].gsi_base = gsi_base;
		t->nioapic++;
	}
}

static void add_iso(struct x86_topology *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	if (t->niso < X86_MAX_ISO) {
		t->iso[t->niso].irq = irq;
		t->iso[t->niso].gsi = gsi;
		t->iso[t->niso].flags = flags;
		t->niso++;
	}
}

enum {
	MADT_LAPIC = 0,		/* u8 acpi id, u8 apic id, u32 flags (bit 0 enabled) */
	MADT_IOAPIC = 1,	/* u8 id, u8 0, u32 address, u32 gsi base */
	MADT_ISO = 2,		/* u8 bus, u8 source irq, u32 gsi, u16 flags */
	MADT_LAPIC_ADDR = 5,	/* u16 0, u64 address */
	MADT_X2APIC = 9,	/* u16 0, u32 x2apic id, u32 flags, u32 acpi uid */
};

int x86_madt_parse(const void *table, size_t len, struct x86_topology *t)
{
	const uint8_t *p = table;
	static const uint8_t min_len[10] = { 8, 12, 10, 0, 6, 12, 0, 0, 0, 16 };

	memset(t, 0, sizeof(*t));
	t->source = "acpi";
	if (len < 44 || memcmp(p, "APIC", 4) != 0)
		return -1;
	uint32_t tlen = rd32(p + 4);
	if (tlen < 44 || tlen > len)
		return -2;
	if (x86_checksum(p, tlen) != 0)
		return -3;
	t->lapic_addr = rd32(p + 36);
	for (uint32_t off = 44; off < tlen;) {
		uint8_t type, elen;

		if (tlen - off < 2)
			return -4;
		type = p[off];
		elen = p[off + 1];
		if (elen < 2 || elen > tlen - off)
			return -4;
		if (type < sizeof(min_len) && elen < min_len[type])
			return -4;
		const uint8_t *e = p + off;
		switch (type) {
		case MADT_LAPIC:
			if (rd32(e + 4) & 1)
				add_cpu(t, e[3]);
			break;
		case MADT_X2APIC:
			if (rd32(e + 8) & 1)
				add_cpu(t, rd32(e + 4));
			break;
		case MADT_IOAPIC:
			add_ioapic(t, e[2], rd32(e + 4), rd32(e + 8));
			break;
		case MADT_ISO:
			if (e[2] == 0)		/* ISA */
				add_iso(t, e[3], rd32(e + 4), rd16(e + 8));
			break;
		case MADT_LAPIC_ADDR: {
			uint32_t hi = rd32(e + 8);
			if (hi == 0)
				t->lapic_addr = rd32(e + 4);
			break;
		}
		default:
			break;
		}
		off += elen;
	}
	return t->ncpus ? 0 : -5;
}

enum {
	MP_PROC = 0,		/* 20 bytes: type, apic id, version, flags (bit 0 enabled), ... */
	MP_BUS = 1,		/* 8: type, bus id, 6 chars of bus type */
	MP_IOAPIC = 2,		/* 8: type, id, version, flags (bit 0 usable), u32 address */
	MP_IOINT = 3,		/* 8: type, int type, u16 flags, src bus, src irq, ioapic, pin */
	MP_LINT = 4,		/* 8 */
};

int x86_mptable_parse(const void *cfg, size_t len, struct x86_topology *t)
{
	const uint8_t *p = cfg;
	uint8_t isa_bus[8];
	unsigned nisa = 0;

	memset(t, 0, sizeof(*t));
	t->source = "mptable";
	if (len < 44 || memcmp(p, "PCMP", 4) != 0)
		return -1;
	uint16_t base_len = rd16(p + 4), count = rd16(p + 34);
	if (base_len < 44 || base_len > len)
		return -2;
	if (x86_checksum(p, base_len) != 0)
		return -3;
	t->lapic_addr = rd32(p + 36);
	uint32_t off = 44;
	for (unsigned i = 0; i < count; i++) {
		if (off >= base_len)
			return -4;
		const uint8_t *e = p + off;
		uint32_t elen = e[0] == MP_PROC ? 20 : 8;

		if (e[0] > MP_LINT || elen > base_len - off)
			return -4;
		switch (e[0]) {
		case MP_PROC:
			if (e[3] & 1)
				add_cpu(t, e[1]);
			break;
		case MP_BUS:
			if (memcmp(e + 2, "ISA", 3) == 0 && nisa < sizeof(isa_bus))
				isa_bus[nisa++] = e[1];
			break;
		case MP_IOAPIC:
			if (e[3] & 1) {
				/* the MP table numbers pins per IOAPIC; lay them end to end */
				add_ioapic(t, e[1], rd32(e + 4), t->nioapic * 24);
			}
			break;
		case MP_IOINT:
			for (unsigned k = 0; k < nisa; k++)
				if (e[4] == isa_bus[k] && e[1] == 0 /* INT */ && e[5] != e[7])
					add_iso(t, e[5], e[7], rd16(e + 2));
			break;
		default:
			break;
		}
		off += elen;
	}
	return t->ncpus ? 0 : -5;
}
