/* cmdline.c -- "key=value" lookup in the boot command line (words separated by spaces). */
#include <string.h>

#include "kernel.h"

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	if (!p || size == 0)
		return 0;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) >= klen && strncmp(w, key, klen) == 0 &&
		    (w + klen == p || w[klen] == '=')) {
			const char *v = w + klen + (w + klen < p);
			size_t n = (size_t)(p - v);
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return 1;
		}
	}
	return 0;
}

int cmdline_get_ulong(const char *cmdline, const char *key, unsigned long *v)
{
	char buf[24];
	unsigned long n = 0;

	if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || buf[0] == '\0')
		return 0;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	*v = n;
	return 1;
}
