/* stw.c -- the `global` collection mode (stw.h). Not written yet: only the mode switch. */
#include <arch.h>
#include <kernel/kernel.h>

#include "gc.h"
#include "stw.h"

static enum gc_mode mode = GC_MODE_PERCORE;

void gc_set_mode(enum gc_mode m)
{
	mode = m;
}

enum gc_mode gc_mode(void)
{
	return mode;
}

const char *gc_mode_name(enum gc_mode m)
{
	return m == GC_MODE_GLOBAL ? "global" : "percore";
}

int gc_stw_collect(struct heap *h)
{
	return gc_minor(h);
}

void gc_stw_safepoint(struct heap *h)
{
	(void)h;
}
