/* kernel.h -- what every portable kernel file needs: printing, panic, assertions, helpers. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "param.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define UNUSED		__attribute__((unused))

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formatted output on the console, one call atomic with respect to other CPUs. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Panic reports, for arch trap handlers that print their own register dump:
 * panic_begin() claims the console (only the first CPU to panic returns), the caller prints,
 * panic_end() prints the backtrace of pcs, stops every CPU and exits with the panic status. */
void panic_begin(void);
__attribute__((noreturn)) void panic_end(const uintptr_t *pcs, int npcs);
int panic_in_progress(void);

/* Symbol of a kernel text address; NULL if unknown. *offset gets pc minus the symbol's start. */
const char *ksyms_lookup(uintptr_t pc, uintptr_t *offset);

#define kassert(c) \
	do { if (!(c)) panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)

/* Value of "key=value" in a boot command line, copied into buf; 0 if absent. A bare "key" gives "". */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);
/* The decimal value of "key=N" in *v: 1, or 0 if absent or not a number (*v unchanged). */
int cmdline_get_ulong(const char *cmdline, const char *key, unsigned long *v);

#endif
