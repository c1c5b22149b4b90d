/* ksyms.h -- the kernel's own symbol table, generated at link time (scripts/mksyms.sh) into the
 * .ksyms section of the second link pass; sorted by address. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

struct ksym {
	uintptr_t addr;
	uint32_t name;	/* offset in ksyms_names */
};

extern const struct ksym ksyms_table[];
extern const unsigned ksyms_count;
extern const char ksyms_names[];

#endif
