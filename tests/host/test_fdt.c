/* test_fdt.c -- the ARM kernel's device tree reader (arch/arm/fdt.c) on trees built here: the
 * shape of QEMU virt's (nodes with unit addresses, cells of 1 and 2, compatible lists,
 * phandles), and malformed headers and blocks, which must be refused or read without going
 * outside the blob (ASan watches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arm/arm.h>

/* a tree builder: structure and strings blocks, then the blob */
static uint8_t st[4096], strs[1024], blob[8192];
static size_t nst, nstrs, nblob;

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void tok(uint32_t v)
{
	be32(st + nst, v);
	nst += 4;
}

static void begin(const char *name)
{
	size_t n = strlen(name) + 1;

	tok(1);
	memcpy(st + nst, name, n);
	nst += (n + 3) & ~(size_t)3;
}

static void end(void)
{
	tok(2);
}

static uint32_t str_off(const char *name)
{
	for (size_t i = 0; i < nstrs; i += strlen((char *)strs + i) + 1)
		if (!strcmp((char *)strs + i, name))
			return (uint32_t)i;
	memcpy(strs + nstrs, name, strlen(name) + 1);
	nstrs += strlen(name) + 1;
	return (uint32_t)(nstrs - strlen(name) - 1);
}

static void prop(const char *name, const void *v, size_t len)
{
	tok(3);
	tok((uint32_t)len);
	tok(str_off(name));
	memcpy(st + nst, v, len);
	nst += (len + 3) & ~(size_t)3;
}

#define LIST(lit)	lit, sizeof(lit)	/* a string list literal and its length */

static void prop_str(const char *name, const char *v)
{
	prop(name, v, strlen(v) + 1);
}

static void prop_cells(const char *name, int n, ...)
{
	uint8_t buf[64];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		be32(buf + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	prop(name, buf, 4 * (size_t)n);
}

static void seal(void)
{
	tok(9);
	memset(blob, 0, sizeof(blob));
	be32(blob, 0xd00dfeed);
	be32(blob + 8, 56);				/* structure block */
	be32(blob + 12, (uint32_t)(56 + nst));		/* strings */
	be32(blob + 16, 40);				/* reservation map: one empty entry */
	be32(blob + 20, 17);
	be32(blob + 24, 16);
	be32(blob + 32, (uint32_t)nstrs);
	be32(blob + 36, (uint32_t)nst);
	memcpy(blob + 56, st, nst);
	memcpy(blob + 56 + nst, strs, nstrs);
	nblob = 56 + nst + nstrs;
	be32(blob + 4, (uint32_t)nblob);
}

/* the shape of QEMU virt's tree */
static void build_virt(void)
{
	nst = nstrs = 0;
	begin("");
	prop_cells("#address-cells", 1, 2);
	prop_cells("#size-cells", 1, 2);
	prop_str("model", "linux,dummy-virt");
	begin("psci");
	prop("compatible", LIST("arm,psci-1.0\0arm,psci-0.2\0arm,psci"));
	prop_str("method", "hvc");
	end();
	begin("memory@40000000");
	prop_str("device_type", "memory");
	prop_cells("reg", 4, 0, 0x40000000, 0, 0x10000000);
	end();
	begin("pl011@9000000");
	prop("compatible", LIST("arm,pl011\0arm,primecell"));
	prop_cells("reg", 4, 0, 0x09000000, 0, 0x1000);
	prop_cells("interrupts", 3, 0, 1, 4);
	end();
	begin("intc@8000000");
	prop_cells("phandle", 1, 0x8001);
	prop_cells("#address-cells", 1, 2);
	prop_str("compatible", "arm,cortex-a15-gic");
	prop_cells("reg", 8, 0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000);
	end();
	begin("cpus");
	prop_cells("#address-cells", 1, 1);
	prop_cells("#size-cells", 1, 0);
	for (uint32_t i = 0; i < 2; i++) {
		begin(i ? "cpu@1" : "cpu@0");
		prop_str("device_type", "cpu");
		prop_cells("reg", 1, i);
		end();
	}
	end();
	begin("chosen");
	prop_str("bootargs", "repl=pipe");
	end();
	end();
	seal();
}

static void test_virt_tree(void **state)
{
	struct fdt f;
	const char *why = NULL;
	uint64_t base, size;
	uint32_t len;
	unsigned ac, sc;
	int n, depth = 0, count = 0;

	(void)state;
	build_virt();
	assert_int_equal(fdt_open(&f, blob, &why), 0);
	for (n = fdt_next_node(&f, -1, &depth); n >= 0; n = fdt_next_node(&f, n, &depth))
		count++;
	assert_int_equal(count, 9);	/* root, psci, memory, pl011, intc, cpus, 2 cpus, chosen */
	assert_string_equal(fdt_prop(&f, fdt_path(&f, "/"), "model", &len), "linux,dummy-virt");
	n = fdt_path(&f, "/memory");
	assert_true(n >= 0);
	assert_int_equal(fdt_reg(&f, n, 0, &base, &size), 0);
	assert_int_equal(base, 0x40000000);
	assert_int_equal(size, 0x10000000);
	assert_int_equal(fdt_reg(&f, n, 1, &base, &size), -1);
	n = fdt_compatible(&f, -1, "arm,primecell");	/* the second of two */
	assert_string_equal(fdt_node_name(&f, n), "pl011@9000000");
	n = fdt_compatible(&f, -1, "arm,psci-0.2");
	assert_string_equal(fdt_prop(&f, n, "method", &len), "hvc");
	n = fdt_by_phandle(&f, 0x8001);
	assert_string_equal(fdt_node_name(&f, n), "intc@8000000");
	assert_int_equal(fdt_reg(&f, n, 1, &base, &size), 0);
	assert_int_equal(base, 0x08010000);
	n = fdt_path(&f, "/cpus/cpu@1");
	assert_true(n >= 0);
	fdt_reg_cells(&f, n, &ac, &sc);
	assert_int_equal(ac, 1);
	assert_int_equal(sc, 0);
	assert_int_equal(fdt_reg(&f, n, 0, &base, &size), 0);
	assert_int_equal(base, 1);
	assert_int_equal(fdt_path(&f, "/cpus/cpu@2"), -1);
	assert_int_equal(fdt_path(&f, "/nothing"), -1);
	assert_string_equal(fdt_prop(&f, fdt_path(&f, "/chosen"), "bootargs", &len), "repl=pipe");
	assert_null(fdt_prop(&f, fdt_path(&f, "/chosen"), "absent", &len));
	assert_int_equal(fdt_compatible(&f, -1, "no,such"), -1);
}

static void test_malformed_headers(void **state)
{
	struct fdt f;
	const char *why;

	(void)state;
	build_virt();
	blob[0] ^= 1;
	assert_int_equal(fdt_open(&f, blob, &why), -1);
	assert_string_equal(why, "bad magic");
	build_virt();
	be32(blob + 4, 16);
	assert_int_equal(fdt_open(&f, blob, &why), -1);	/* total size too small */
	build_virt();
	be32(blob + 36, (uint32_t)nblob);		/* structure block past the end */
	assert_int_equal(fdt_open(&f, blob, &why), -1);
	build_virt();
	be32(blob + 12, 0xfffffff0);			/* strings outside */
	assert_int_equal(fdt_open(&f, blob, &why), -1);
	build_virt();
	be32(blob + 20, 15);				/* too old */
	assert_int_equal(fdt_open(&f, blob, &why), -1);
	build_virt();
	be32(blob + 56 + nst - 4, 2);			/* no FDT_END */
	assert_int_equal(fdt_open(&f, blob, &why), -1);
	build_virt();
	blob[56 + nst + nstrs - 1] = 'x';		/* an unterminated last string */
	assert_int_equal(fdt_open(&f, blob, &why), -1);
	assert_int_equal(fdt_open(&f, NULL, &why), -1);
	assert_int_equal(fdt_open(&f, blob + 1, &why), -1);
}

/* a tree that passes the header checks but lies inside: every walk ends, inside the blob */
static void test_lying_blocks(void **state)
{
	struct fdt f;
	const char *why;
	uint64_t base, size;
	uint32_t len;
	int depth = 0, count = 0;

	(void)state;
	nst = nstrs = 0;
	begin("");
	tok(3);
	tok(0x7fffffff);				/* a property longer than the block */
	tok(str_off("reg"));
	tok(1);
	end();
	seal();
	assert_int_equal(fdt_open(&f, blob, &why), 0);
	assert_null(fdt_prop(&f, fdt_path(&f, "/"), "model", &len));
	assert_int_equal(fdt_reg(&f, fdt_path(&f, "/"), 0, &base, &size), -1);
	for (int n = fdt_next_node(&f, -1, &depth); n >= 0 && count < 100;
	     n = fdt_next_node(&f, n, &depth))
		count++;
	assert_true(count < 100);

	nst = nstrs = 0;				/* an unknown token */
	begin("");
	tok(7);
	begin("child");
	end();
	end();
	seal();
	assert_int_equal(fdt_open(&f, blob, &why), 0);
	assert_int_equal(fdt_path(&f, "/child"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virt_tree),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_lying_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
