/* ksyms_empty.c -- the hosted build has no generated kernel symbol table; backtraces print
 * addresses only. */
#include <kernel/ksyms.h>

const struct ksym ksyms_table[1];
const unsigned ksyms_count;
const char ksyms_names[1];
