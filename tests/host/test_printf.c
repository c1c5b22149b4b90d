/* test_printf.c -- the kernel's formatter and boot command line lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <kernel/kernel.h>

static char out[128];
static const char *volatile nothing;	/* NULL the compiler cannot see */

#define FMT(want, ...) \
	do { \
		int n_ = ksnprintf(out, sizeof(out), __VA_ARGS__); \
		assert_string_equal(out, want); \
		assert_int_equal(n_, (int)strlen(want)); \
	} while (0)

static void test_formats(void **state)
{
	(void)state;
	FMT("42 -7 0", "%d %i %u", 42, -7, 0u);
	FMT("ff FF 0xff 777", "%x %X %#x %o", 255u, 255u, 255u, 0777u);
	FMT("[   42] [42   ] [00042] [-0042]", "[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	FMT("0x000000ff", "%#010x", 255u);
	FMT("-2147483648", "%d", (int)INT32_MIN);
	FMT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	FMT("12345678901", "%lu", 12345678901ul);
	FMT("hi (null) x", "%s %s %c", "hi", nothing, 'x');
	FMT("[  ab]", "[%*s]", 4, "ab");
	FMT("100%", "100%%");
	FMT("size 7", "size %zu", (size_t)7);
}

static void test_pointer(void **state)
{
	char want[32];

	(void)state;
	ksnprintf(out, sizeof(out), "%p", (void *)0x1234);
	strcpy(want, "0x");
	for (size_t i = 0; i < 2 * sizeof(void *) - 4; i++)
		strcat(want, "0");
	strcat(want, "1234");
	assert_string_equal(out, want);
}

static void test_truncation(void **state)
{
	char small[6];

	(void)state;
	assert_int_equal(ksnprintf(small, sizeof(small), "%s", "abcdefgh"), 8);
	assert_string_equal(small, "abcde");
	assert_int_equal(ksnprintf(small, 1, "%d", 12345), 5);
	assert_string_equal(small, "");
	assert_int_equal(ksnprintf(NULL, 0, "%d", 12345), 5);
}

static void test_cmdline(void **state)
{
	char v[16];
	const char *line = "kernel.elf test=ipi  iters=1000 nopaging acpi=off x=averyveryverylongvalue";

	(void)state;
	assert_true(cmdline_get(line, "test", v, sizeof(v)));
	assert_string_equal(v, "ipi");
	assert_true(cmdline_get(line, "iters", v, sizeof(v)));
	assert_string_equal(v, "1000");
	assert_true(cmdline_get(line, "nopaging", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_true(cmdline_get(line, "acpi=off", v, sizeof(v)));
	assert_false(cmdline_get(line, "acpi=on", v, sizeof(v)));
	assert_false(cmdline_get(line, "tes", v, sizeof(v)));	/* prefixes do not match */
	assert_false(cmdline_get(line, "paging", v, sizeof(v)));
	assert_true(cmdline_get(line, "x", v, sizeof(v)));
	assert_string_equal(v, "averyveryverylo");		/* truncated to the buffer */
	assert_false(cmdline_get("", "test", v, sizeof(v)));
	assert_false(cmdline_get(NULL, "test", v, sizeof(v)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
