/* overhead.c -- the overhead limit: an allocation the heap refuses fails ("heap exhausted")
 * without another full collection when collecting no longer pays: the last GC_OVERHEAD_RUN
 * full collections at the limit each came after the program had allocated little since the
 * one before, and the collector took most of the time since the first of them began
 * (heap_param.h). Each heap keeps its own window (struct gc_overhead); a collection after much
 * allocation and a failed allocation end it. Only the owner touches it. */
#include <arch.h>
#include <kernel/kernel.h>

#include "gc.h"

/* The time the program did not run for its collections: pauses, and the waits inside full
 * collections for other CPUs (a kernel CPU idle until its next tick answers a marking's
 * termination round; without them a run of full collections that freed nothing looked cheap
 * and went on past a thousand: tests/scheme/overhead.scm under TCG at SMP=2, stop 54). */
static uint64_t paused(const struct heap *h)
{
	return h->stats.pause_total + h->stats.major_pause_total + h->overhead.waited;
}

void gc_overhead_reset(struct heap *h)
{
	h->overhead.lean = 0;
}

/* What a full collection yields is the room the program then has, measured as what it
 * allocated before the next one: young garbage included, which the sweep's count of freed
 * bytes misses (a program whose garbage died young had full collections that freed 0 bytes
 * of old objects, then allocated megabytes before the next). So each collection judges the
 * one before. */
int gc_overhead_full(struct heap *h)
{
	struct gc_overhead *o = &h->overhead;
	size_t base = h->limit_bytes != 0 ? h->limit_bytes : h->src_bytes;
	uint64_t t0 = arch_cycles(), p0 = paused(h);
	int rc = gc_major_full(h);
	uint64_t made = h->stats.bytes_allocated - o->allocated, took = arch_cycles() - t0;

	if (took > paused(h) - p0)
		o->waited += took - (paused(h) - p0);

	o->allocated = h->stats.bytes_allocated;
	if (made >= base / 100 * GC_OVERHEAD_YIELD_PCT)
		o->lean = 0;
	else if (o->lean++ == 0) {
		o->start = t0;
		o->paused = p0;
	}
	return rc;
}

bool gc_overhead_exceeded(struct heap *h)
{
	struct gc_overhead *o = &h->overhead;
	uint64_t spent, took;

	if (o->lean < GC_OVERHEAD_RUN)
		return false;
	spent = arch_cycles() - o->start;
	took = paused(h) - o->paused;
	if (took * 100 <= spent * GC_OVERHEAD_PCT)
		return false;
	h->stats.overhead_refusals++;
	return true;
}
