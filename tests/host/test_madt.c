/* test_madt.c -- the ACPI MADT and MP table parsers on table images: what QEMU's firmware
 * builds, disabled and surplus CPUs, overrides, and every kind of malformed table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <x86/x86.h>

static uint8_t img[1024];
static size_t len;

static void put(const void *p, size_t n)
{
	memcpy(img + len, p, n);
	len += n;
}

static void put8(uint8_t v) { put(&v, 1); }
static void put16(uint16_t v) { put(&v, 2); }
static void put32(uint32_t v) { put(&v, 4); }

/* make the image's bytes sum to zero through the checksum byte at offset at */
static void fix_checksum(size_t at)
{
	uint8_t sum = 0;

	img[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += img[i];
	img[at] = (uint8_t)-sum;
}

/* fix the length (offset 4) and checksum (offset 9) of an SDT */
static void seal_sdt(void)
{
	uint32_t l = (uint32_t)len;

	memcpy(img + 4, &l, 4);
	fix_checksum(9);
}

static void madt_header(void)
{
	len = 0;
	memset(img, 0, sizeof(img));
	put("APIC", 4);
	put32(0);			/* length, sealed later */
	put8(3);			/* revision */
	put8(0);			/* checksum */
	put("BOCHS ", 6);
	put("BXPC    ", 8);
	put32(1);
	put32(0x43505842);
	put32(1);
	put32(0xfee00000);		/* local APIC address */
	put32(1);			/* PC/AT compatible */
}

static void madt_cpu(uint8_t acpi_id, uint8_t apic_id, uint32_t flags)
{
	put8(0); put8(8); put8(acpi_id); put8(apic_id); put32(flags);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
	put8(1); put8(12); put8(id); put8(0); put32(addr); put32(gsi);
}

static void madt_iso(uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put8(2); put8(10); put8(0); put8(irq); put32(gsi); put16(flags);
}

/* roughly what SeaBIOS builds for -smp 4 */
static void qemu_madt(void)
{
	madt_header();
	for (uint8_t i = 0; i < 4; i++)
		madt_cpu(i, i, 1);
	madt_ioapic(0, 0xfec00000, 0);
	madt_iso(0, 2, 0);
	madt_iso(5, 5, 0xd);
	madt_iso(9, 9, 0xd);
	put8(4); put8(6); put8(0xff); put16(0); put8(1);	/* LAPIC NMI on LINT1 */
	seal_sdt();
}

static void test_qemu_table(void **state)
{
	struct x86_topology t;

	(void)state;
	qemu_madt();
	assert_int_equal(x86_madt_parse(img, len, &t), 0);
	assert_int_equal(t.ncpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(t.apic_id[i], i);
	assert_int_equal(t.lapic_addr, 0xfee00000);
	assert_int_equal(t.nioapic, 1);
	assert_int_equal(t.ioapic[0].addr, 0xfec00000);
	assert_int_equal(t.niso, 3);
	assert_int_equal(t.iso[0].irq, 0);
	assert_int_equal(t.iso[0].gsi, 2);
	assert_int_equal(t.iso[1].flags, 0xd);
	assert_string_equal(t.source, "acpi");
}

static void test_disabled_and_duplicate_cpus(void **state)
{
	struct x86_topology t;

	(void)state;
	madt_header();
	madt_cpu(0, 0, 1);
	madt_cpu(1, 1, 0);			/* disabled: skipped */
	madt_cpu(2, 7, 3);			/* enabled, online capable */
	put8(9); put8(16); put16(0); put32(7); put32(1); put32(2);	/* x2APIC twin of id 7 */
	put8(9); put8(16); put16(0); put32(9); put32(1); put32(3);	/* x2APIC-only CPU */
	put8(9); put8(16); put16(0); put32(300); put32(1); put32(4);	/* id > 254: not usable */
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), 0);
	assert_int_equal(t.ncpus, 3);
	assert_int_equal(t.apic_id[0], 0);
	assert_int_equal(t.apic_id[1], 7);
	assert_int_equal(t.apic_id[2], 9);
	assert_int_equal(t.cpus_ignored, 1);
}

static void test_more_cpus_than_ncpu(void **state)
{
	struct x86_topology t;

	(void)state;
	madt_header();
	for (unsigned i = 0; i < NCPU + 5; i++)
		madt_cpu((uint8_t)i, (uint8_t)i, 1);
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), 0);
	assert_int_equal(t.ncpus, NCPU);
	assert_int_equal(t.cpus_ignored, 5);
}

static void test_lapic_override(void **state)
{
	struct x86_topology t;

	(void)state;
	madt_header();
	madt_cpu(0, 0, 1);
	put8(5); put8(12); put16(0); put32(0xfee10000); put32(0);
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), 0);
	assert_int_equal(t.lapic_addr, 0xfee10000);
}

static void test_malformed(void **state)
{
	struct x86_topology t;

	(void)state;
	qemu_madt();
	img[9] ^= 1;					/* checksum */
	assert_int_equal(x86_madt_parse(img, len, &t), -3);

	qemu_madt();
	assert_int_equal(x86_madt_parse(img, len - 1, &t), -2);	/* table longer than buffer */
	assert_int_equal(x86_madt_parse(img, 20, &t), -1);		/* shorter than a header */

	qemu_madt();
	memcpy(img, "APIX", 4);
	assert_int_equal(x86_madt_parse(img, len, &t), -1);

	madt_header();
	madt_cpu(0, 0, 1);
	put8(0); put8(0);				/* zero-length entry: must not loop */
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), -4);

	madt_header();
	madt_cpu(0, 0, 1);
	put8(1); put8(40); put32(0);			/* entry runs past the table */
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), -4);

	madt_header();
	put8(0); put8(4); put16(0);			/* CPU entry too short for its fields */
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), -4);

	madt_header();
	madt_cpu(0, 0, 0);				/* no enabled CPU at all */
	seal_sdt();
	assert_int_equal(x86_madt_parse(img, len, &t), -5);
}

/* --- MP configuration table --- */

static void mp_header(uint16_t count)
{
	len = 0;
	memset(img, 0, sizeof(img));
	put("PCMP", 4);
	put16(0);			/* base length, sealed later */
	put8(4);
	put8(0);			/* checksum */
	put("BOCHSCPU", 8);
	put("0.1         ", 12);
	put32(0);
	put16(0);
	put16(count);
	put32(0xfee00000);
	put16(0);
	put8(0);
	put8(0);
}

static void mp_cpu(uint8_t apic_id, uint8_t flags)
{
	put8(0); put8(apic_id); put8(0x14); put8(flags); put32(0x600); put32(0x201); put32(0); put32(0);
}

/* fix the base length (offset 4) and checksum (offset 7) of an MP configuration table */
static void seal_mp(void)
{
	uint16_t l = (uint16_t)len;

	memcpy(img + 4, &l, 2);
	fix_checksum(7);
}

static void qemu_mptable(void)
{
	mp_header(7);
	mp_cpu(0, 3);		/* enabled, BSP */
	mp_cpu(1, 1);
	mp_cpu(2, 0);		/* disabled */
	put8(1); put8(0); put("PCI   ", 6);
	put8(1); put8(1); put("ISA   ", 6);
	put8(2); put8(2); put8(0x11); put8(1); put32(0xfec00000);
	put8(3); put8(0); put16(0); put8(1); put8(0); put8(2); put8(2);	/* ISA IRQ0 -> pin 2 */
	seal_mp();
}

static void test_mptable(void **state)
{
	struct x86_topology t;

	(void)state;
	qemu_mptable();
	assert_int_equal(x86_mptable_parse(img, len, &t), 0);
	assert_int_equal(t.ncpus, 2);
	assert_int_equal(t.apic_id[1], 1);
	assert_int_equal(t.nioapic, 1);
	assert_int_equal(t.ioapic[0].addr, 0xfec00000);
	assert_int_equal(t.niso, 1);
	assert_int_equal(t.iso[0].irq, 0);
	assert_int_equal(t.iso[0].gsi, 2);
	assert_string_equal(t.source, "mptable");
}

static void test_mptable_malformed(void **state)
{
	struct x86_topology t;

	(void)state;
	qemu_mptable();
	img[7] ^= 0x10;
	assert_int_equal(x86_mptable_parse(img, len, &t), -3);

	qemu_mptable();
	assert_int_equal(x86_mptable_parse(img, len - 4, &t), -2);

	mp_header(3);		/* says 3 entries, holds 1 */
	mp_cpu(0, 3);
	seal_mp();
	assert_int_equal(x86_mptable_parse(img, len, &t), -4);

	mp_header(1);
	put8(9); put8(0); put16(0); put32(0);	/* unknown entry type: length unknowable */
	seal_mp();
	assert_int_equal(x86_mptable_parse(img, len, &t), -4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_table),
		cmocka_unit_test(test_disabled_and_duplicate_cpus),
		cmocka_unit_test(test_more_cpus_than_ncpu),
		cmocka_unit_test(test_lapic_override),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_mptable),
		cmocka_unit_test(test_mptable_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
