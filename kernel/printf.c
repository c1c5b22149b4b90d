/* printf.c -- kvsnprintf: the kernel's formatter. Supports %d %i %u %x %X %o %p %s %c %%, the
 * flags '-', '0' and '#', a field width (or '*'), and the length modifiers h, l, ll, z. */
#include <stdbool.h>

#include "kernel.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* prefix (a sign or "0x") goes before zero padding and after space padding */
static void put_padded(struct out *o, const char *prefix, const char *s, size_t n, int width,
		       bool left, char pad)
{
	size_t plen = strlen(prefix);
	int fill = width > (int)(n + plen) ? width - (int)(n + plen) : 0;

	if (pad == '0')
		while (*prefix)
			put(o, *prefix++);
	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (*prefix)
		put(o, *prefix++);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(char *end, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return (size_t)(end - p);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char num[32];

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		bool left = false, alt = false;
		char pad = ' ';
		int width = 0, lng = 0;

		for (fmt++; *fmt == '-' || *fmt == '0' || *fmt == '#'; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else
				pad = '0';
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = sizeof(size_t) > sizeof(int) ? 1 : 0;
			else if (*fmt != 'h')
				break;
		}
		if (left)
			pad = ' ';

		unsigned long long u;
		long long s;
		char *end = num + sizeof(num);
		size_t n;

		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			n = utoa(end, u, 10, false);
			put_padded(&o, s < 0 ? "-" : "", end - n, n, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			n = utoa(end, u, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X');
			put_padded(&o, alt && (*fmt == 'x' || *fmt == 'X') ? "0x" : "", end - n, n,
				   width, left, pad);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			n = utoa(end, u, 16, false);
			while (n < 2 * sizeof(void *))
				*(end - ++n) = '0';
			put_padded(&o, "0x", end - n, n, width, left, ' ');
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			put_padded(&o, "", str, strlen(str), width, left, ' ');
			break;
		}
		case 'c':
			num[0] = (char)va_arg(ap, int);
			put_padded(&o, "", num, 1, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
