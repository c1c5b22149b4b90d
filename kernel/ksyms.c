/* ksyms.c -- address to symbol lookup for backtraces (binary search in the generated table). */
#include "kernel.h"
#include "ksyms.h"

const char *ksyms_lookup(uintptr_t pc, uintptr_t *offset)
{
	unsigned lo = 0, hi = ksyms_count;

	if (hi == 0 || pc < ksyms_table[0].addr)
		return NULL;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (ksyms_table[mid].addr <= pc)
			lo = mid;
		else
			hi = mid;
	}
	/* the table ends with the end-of-text marker; nothing lies past it */
	if (lo == ksyms_count - 1)
		return NULL;
	*offset = pc - ksyms_table[lo].addr;
	return ksyms_names + ksyms_table[lo].name;
}
