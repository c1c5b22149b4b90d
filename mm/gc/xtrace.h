/* xtrace.h -- a debugging aid, off unless built with -DGC_XTRACE (`make host-trace`): a ring of
 * the cross-heap events (counts raised and dropped, entries made and removed, shades, marks,
 * purges, frees, global phases), and when a count goes wrong (count_down's panic) every event
 * that names the object or the holder dropping it, in order. Found the acknowledgement race
 * described in xcycle.c. */
#ifndef MM_GC_XTRACE_H
#define MM_GC_XTRACE_H

#ifdef GC_XTRACE
#include <stdint.h>

enum { XT_UP = 1, XT_DOWN, XT_PURGE_DEC, XT_PURGE_RM, XT_FREE, XT_SHADE, XT_JOIN, XT_SCAN,
       XT_PHASE, XT_SWEEP_START, XT_SWEEP_END, XT_MARK, XT_NEWENT, XT_RMENT, XT_XSTORE, XT_WALK };

struct xt_ev {
	uintptr_t a, b, c;
	uint32_t seq;			/* index + 1 once written */
	uint8_t ev, cpu, phase, gcyc;	/* gcyc: the heap's gx_cycle (a slot index for XT_XSTORE) */
};

#define XT_N	(1u << 22)
extern struct xt_ev xt_ring[XT_N];
extern unsigned xt_seq;
extern __thread uintptr_t xt_holder;	/* the holder whose reference is being (un)counted */
unsigned xt_phase(void);		/* the global mark's phase (xcycle.c) */
void xt_dump(uintptr_t o, uintptr_t holder);

static inline void xt(unsigned ev, unsigned cpu, uintptr_t a, uintptr_t b, uintptr_t c, unsigned g)
{
	unsigned s = __atomic_fetch_add(&xt_seq, 1, __ATOMIC_RELAXED);
	struct xt_ev *e = &xt_ring[s & (XT_N - 1)];

	e->a = a;
	e->b = b;
	e->c = c;
	e->ev = (uint8_t)ev;
	e->cpu = (uint8_t)cpu;
	e->phase = (uint8_t)xt_phase();
	e->gcyc = (uint8_t)g;
	__atomic_store_n(&e->seq, s + 1, __ATOMIC_RELEASE);
}

#define XT(ev, cpu, a, b, c, g)	xt(ev, cpu, (uintptr_t)(a), (uintptr_t)(b), (uintptr_t)(c), g)
#define XT_HOLDER(p)		(xt_holder = (uintptr_t)(p))
#define XT_DUMP(o)		xt_dump((uintptr_t)(o), xt_holder)
#else
#define XT(ev, cpu, a, b, c, g)	do { } while (0)
#define XT_HOLDER(p)		do { } while (0)
#define XT_DUMP(o)		do { } while (0)
#endif

#endif
