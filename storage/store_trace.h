/* store_trace.h -- a debugging aid, off unless built with -DSTORE_XTRACE (`make host-trace`): a
 * ring of the store's protocol events (group written back, mapping sectors and root written,
 * commit begun and done, root picked at open, counts raised and dropped, objects freed), so that
 * the first commit or count bug shows the events that led to it. One store thread: no atomics. */
#ifndef STORAGE_STORE_TRACE_H
#define STORAGE_STORE_TRACE_H

#include <stdint.h>

enum {
	ST_WRITEBACK = 1,	/* a: logical, b: physical, c: commit it belongs to */
	ST_COMMIT_BEGIN,	/* a: seq being committed, b: dirty groups */
	ST_MAP_SECTOR,		/* a: area, b: sector, c: seq */
	ST_ROOT,		/* a: slot, b: seq */
	ST_COMMIT_DONE,		/* a: seq */
	ST_OPEN,		/* a: seq picked, b: fell back */
	ST_RC,			/* a: oid, b: delta, c: count after */
	ST_FREE,		/* a: oid */
	ST_UNMAP,		/* a: logical */
};

#ifdef STORE_XTRACE
struct store_trace_ev {
	uint64_t a, b, c;
	uint32_t seq;
	uint8_t ev;
};

#define STORE_TRACE_N	(1u << 16)
extern struct store_trace_ev store_trace_ring[STORE_TRACE_N];
extern uint32_t store_trace_seq;

static inline void store_trace(unsigned ev, uint64_t a, uint64_t b, uint64_t c)
{
	struct store_trace_ev *e = &store_trace_ring[store_trace_seq & (STORE_TRACE_N - 1)];

	e->a = a;
	e->b = b;
	e->c = c;
	e->ev = (uint8_t)ev;
	e->seq = ++store_trace_seq;
}
#define ST(ev, a, b, c)	store_trace(ev, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#else
#define ST(ev, a, b, c)	do { } while (0)
#endif

#endif
