/* capture.h -- what the interpreter tests (test_lisp, test_threads) share: an output sink that
 * collects everything the interpreter writes into one string (truncated at 64 KiB). */
#ifndef TESTS_HOST_CAPTURE_H
#define TESTS_HOST_CAPTURE_H

#include <string.h>

static char out[1 << 16];
static size_t outlen;

static void capture(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (outlen + len >= sizeof(out))
		len = sizeof(out) - 1 - outlen;
	memcpy(out + outlen, buf, len);
	outlen += len;
	out[outlen] = '\0';
}

#endif
