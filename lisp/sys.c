/* sys.c -- system calls as Scheme primitives: CPUs, yielding and sleeping, the collector and its
 * statistics, the cycle counter, and driver access (I/O ports, device memory, PCI). The heap of
 * CPU i is cpus[i].heap (kernel/cpu.h) on every build; the interpreter's own heap is L->h, the
 * calling CPU's. (exit [code]) is the prelude's, through lisp_config.exit (control.c).
 * Reading another CPU's statistics: see read_u64. */
#include <arch.h>
#include <kernel/cpu.h>
#include <kernel/pci.h>
#include <mm/gc/stw.h>
#include <mm/gc/xheap.h>
#include <sched/thread.h>
#include <smp/spinlock.h>

#include "internal.h"

/* --- helpers --- */

/* A 64-bit counter that its owner CPU may be updating right now: on i686 its two halves are
 * separate stores, so a plain read can pair an old half with a new one. We read until two reads
 * agree. Counters only grow, so two equal torn reads need the writer stalled between its two
 * stores for both reads: possible (a preempted vCPU) but rare, and then the value is off by
 * 2^32 in one field of one report. The fields of one report are not a consistent snapshot
 * either (a collection may end between two of them): statistics of another CPU are
 * approximate; the caller's own are exact (nobody else writes them). No sequence counter: the
 * collector (mm/) would have to bump it. */
__attribute__((no_sanitize("thread")))	/* the race this comment describes is meant: ThreadSanitizer
					 * reported it once in 41 runs of threads.scm (a minor
					 * collection's count against (gc-stats) on another CPU) */
static uint64_t read_u64(const uint64_t *p)
{
	const volatile uint64_t *v = p;
	uint64_t a = *v, b;

	for (int i = 0; i < 8 && (b = *v) != a; i++)
		a = b;
	return a;
}

static size_t read_size(const size_t *p)
{
	return arch_atomic_load_relaxed(p);	/* one aligned word: never torn */
}

/* CPU i's heap, if the CPU is online and its heap exists; the interpreter's own for its CPU
 * (the same heap, unless an embedder such as a host test made its own). */
struct heap *lisp_cpu_heap(struct lisp *L, unsigned i)
{
	struct heap *h = &cpus[i].heap;

	if (i == L->h->cpu)
		return L->h;
	if (i >= arch_ncpus() || arch_atomic_load(&h->magic) != HEAP_MAGIC)
		return NULL;
	return h;
}

static obj sym(struct lisp *L, const char *name)
{
	return lisp_intern(L, name, strlen(name));
}

/* Push (key . val) onto *alist (a rooted variable). val is consumed; false if the heap is full. */
bool lisp_alist_put(struct lisp *L, obj *alist, const char *key, obj val)
{
	obj k, p;

	if (val == OBJ_NULL)
		return false;
	ROOT(val);
	k = sym(L, key);
	p = k != OBJ_NULL ? lisp_cons(L, k, val) : OBJ_NULL;
	UNROOT(val);
	if (p == OBJ_NULL)
		return false;
	return (*alist = lisp_cons(L, p, *alist)) != OBJ_NULL;
}

bool lisp_alist_put_u64(struct lisp *L, obj *alist, const char *key, uint64_t v)
{
	return lisp_alist_put(L, alist, key, lisp_int64(L, v > INT64_MAX ? INT64_MAX : (int64_t)v));
}

/* An exact integer argument in [lo, hi], else a type error naming what was wanted. */
bool lisp_int_arg(struct lisp *L, const char *who, const char *what, obj x, int64_t lo,
		    int64_t hi, int64_t *v)
{
	if (!integer_p(x) || !lisp_int_to_i64(x, v) || *v < lo || *v > hi) {
		lisp_type_error(L, who, what, x);
		return false;
	}
	return true;
}

static uint64_t cycles_to_us(uint64_t c)
{
	return arch_cycles_to_ns(c) / 1000;
}

bool lisp_on_thread(void)
{
	arch_irqflags_t f = arch_irq_save();
	bool t = sched_cpu_online(arch_cpu_id()) && thread_self()->stack != NULL;

	arch_irq_restore(f);
	return t;
}

/* --- CPUs and time --- */

static obj p_ncpus(struct lisp *L, int argc, obj *argv)
{
	(void)L, (void)argc, (void)argv;
	return fx((intptr_t)arch_ncpus());
}

/* Stable: a Scheme thread never migrates once started (docs/sched.md), so this is also the
 * CPU of its heap. */
static obj p_cpu_id(struct lisp *L, int argc, obj *argv)
{
	(void)L, (void)argc, (void)argv;
	return fx((intptr_t)arch_cpu_id());
}

static obj p_cycles(struct lisp *L, int argc, obj *argv)
{
	(void)argc, (void)argv;
	return lisp_int64(L, (int64_t)(arch_cycles() & INT64_MAX));
}

/* (scheme time): a jiffy is a cycle of arch_cycles, the same clock as (cycles) */
static obj p_jiffies_per_second(struct lisp *L, int argc, obj *argv)
{
	(void)argc, (void)argv;
	return lisp_int64(L, (int64_t)arch_cycles_per_sec());
}

/* (scheme time): POSIX seconds (UTC, leap seconds not counted; R7RS asks for TAI, which is 37 s
 * ahead today and which no clock here knows), inexact, from the real-time clock read at boot
 * plus the cycles since (arch_wallclock_ns); seconds since boot on a machine without one */
static obj p_current_second(struct lisp *L, int argc, obj *argv)
{
	int64_t ns = arch_wallclock_ns();

	(void)argc, (void)argv;
	if (ns < 0)
		ns = (int64_t)arch_cycles_to_ns(arch_cycles());
	return lisp_make_flonum(L, lisp_flo_arith(FLO_DIV, lisp_flo_make(false, (uint64_t)ns, 0),
						  lisp_flo_make(false, 1000000000u, 0)));
}

/* Switching away inside a primitive is safe: everything the VM holds is on its rooted stack
 * (as for an allocation, which may collect), and the other threads of this CPU that use its
 * heap switch only at their own safe points. Without a scheduler (the hosted program) (yield)
 * only gives the host CPU away and (sleep) waits. */
static obj p_yield(struct lisp *L, int argc, obj *argv)
{
	(void)L, (void)argc, (void)argv;
	if (lisp_on_thread())
		thread_yield();
	else
		arch_cpu_relax();
	return OBJ_UNSPECIFIED;
}

static obj p_sleep(struct lisp *L, int argc, obj *argv)
{
	int64_t ms;

	(void)argc;
	if (!lisp_int_arg(L, "sleep", "non-negative exact integer (milliseconds)", argv[0], 0,
		     OBJ_FIXNUM_MAX, &ms))
		return OBJ_NULL;
	if (lisp_on_thread()) {
		/* in slices, so an interrupt (lisp_interrupt) ends it within one: the timer queue
		 * is its CPU's alone, and an interrupter may be anywhere */
		uint64_t slice = (uint64_t)LISP_SLEEP_SLICE_MS * (arch_cycles_per_sec() / 1000);
		uint64_t end = arch_cycles() + (uint64_t)ms * (arch_cycles_per_sec() / 1000), now;

		while ((now = arch_cycles()) < end) {
			thread_sleep_cycles(end - now < slice ? end - now : slice);
			if (lisp_poll_interrupt(L))
				return OBJ_NULL;
		}
	} else {
		for (int64_t i = 0; i < ms; i++)
			arch_udelay(1000);
	}
	return OBJ_UNSPECIFIED;
}

/* (threads): every thread of every CPU (idle loops not listed), one association list each:
 * id name cpu priority state cpu-ms migrations placement service. A snapshot per CPU. */
static obj p_threads(struct lisp *L, int argc, obj *argv)
{
	static const char *const placements[] = { "pinned", "movable", "movable" };
	obj list = OBJ_NIL, entry = OBJ_NIL, buf;
	unsigned n, max = 64;
	bool ok = true;

	(void)argc, (void)argv;
	for (;;) {	/* thread_list into a bytevector big enough for all of them */
		buf = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, max * sizeof(struct thread_info));
		if (buf == OBJ_NULL)
			return OBJ_NULL;
		n = thread_list((void *)obj_bytes_data(buf), max);
		if (n <= max)
			break;
		max = n + 16;
	}
	ROOT(buf);
	ROOT(list);
	ROOT(entry);
	for (unsigned i = n; ok && i-- > 0;) {
		struct thread_info t;

		memcpy(&t, obj_bytes_data(buf) + i * sizeof(t), sizeof(t));	/* moves as we build */

		entry = OBJ_NIL;	/* built back to front: id comes first */
		ok = lisp_alist_put(L, &entry, "service", obj_bool(t.service)) &&
		     lisp_alist_put(L, &entry, "placement", sym(L, placements[t.placement < 3 ? t.placement : 0])) &&
		     lisp_alist_put_u64(L, &entry, "migrations", t.migrations) &&
		     lisp_alist_put_u64(L, &entry, "cpu-ms", arch_cycles_to_ns(t.cycles) / 1000000) &&
		     lisp_alist_put(L, &entry, "state", sym(L, t.state)) &&
		     lisp_alist_put_u64(L, &entry, "priority", t.prio) &&
		     lisp_alist_put_u64(L, &entry, "cpu", t.cpu) &&
		     lisp_alist_put(L, &entry, "name", lisp_cstring(L, t.name)) &&
		     lisp_alist_put_u64(L, &entry, "id", t.id) &&
		     (list = lisp_cons(L, entry, list)) != OBJ_NULL;
	}
	UNROOT(entry);
	UNROOT(list);
	UNROOT(buf);
	return ok ? list : OBJ_NULL;
}

/* --- the collector --- */

/* Between two steps of (gc 'full): the embedder's safe point (other threads of this CPU run,
 * other CPUs' handshakes are answered; everything p_gc holds is rooted), then Ctrl-C or
 * thread-interrupt!: true stops the wait, and the collection goes on in ordinary steps. */
static bool gc_between(void *ctx)
{
	struct lisp *L = ctx;

	if (L->cfg.safepoint)
		L->cfg.safepoint(L->cfg.safepoint_ctx);
	return lisp_poll_interrupt(L);
}

/* (gc): a minor collection, then the old generation's policy (start a major cycle if it is due,
 * else a step of the running one). (gc 'full): a complete major collection of this CPU's heap,
 * then a global mark (mm/gc/xcycle.c), which frees garbage cycles that span heaps; it returns
 * when this CPU's part is over (the other CPUs finish their sweeps at their own pace). Both in
 * bounded steps with safe points between (gc_major_full_paced): the caller waits, the CPU's
 * other threads do not. Only a heap at its limit collects in one go, with room lent. */
static obj p_gc(struct lisp *L, int argc, obj *argv)
{
	obj full = sym(L, "full");
	int rc;

	(void)argv;
	if (full == OBJ_NULL)
		return OBJ_NULL;
	if (argc > 0 && lisp_args(L)[0] != full)
		return lisp_type_error(L, "gc", "the symbol full", lisp_args(L)[0]);
	if (argc > 0) {
		rc = gc_major_full_paced(L->h, gc_between, L);
		if (rc < 0)
			rc = lisp_gc_full(L, lisp_lend_kind(L));	/* a heap at its limit can still do it */
		if (rc == 0)
			rc = gc_global_full_paced(L->h, gc_between, L);
		if (rc > 0)
			return OBJ_NULL;	/* interrupted: the condition is pending */
	} else {
		rc = gc_minor(L->h);
		if (rc == 0)
			gc_major_poll(L->h);
		else	/* at its limit (no reserve for the minor): as an allocation's retry does, a
			 * full collection with room lent; (gc) failed where cons would have worked
			 * (generator seed 9479, --heap-mb 16) */
			rc = lisp_gc_full(L, lisp_lend_kind(L));
	}
	if (rc < 0)
		return lisp_error(L, "gc: no memory for the collection", 0);
	return OBJ_UNSPECIFIED;
}

/* Minor collections and major steps are both pauses: one histogram of the two. */
struct pauses {
	uint64_t p50, p99, max;
};

/* Both histograms of s, read with read_u64 (no copy: a histogram is 9 KiB and this runs on a
 * kernel thread's stack). The owner may count more pauses meanwhile: then the percentile is of
 * a count in between, at most the max read first. */
static uint64_t pause_count(const void *ctx, unsigned i)
{
	const struct gc_stats *s = ctx;

	return read_u64(&s->pause_hist[i]) + read_u64(&s->major_pause_hist[i]);
}

static void pauses(const struct gc_stats *s, struct pauses *p)
{
	uint64_t max = MAX(read_u64(&s->pause_max), read_u64(&s->major_pause_max));

	p->p50 = cycles_to_us(gc_hist_percentile_of(pause_count, s, max, 50));
	p->p99 = cycles_to_us(gc_hist_percentile_of(pause_count, s, max, 99));
	p->max = cycles_to_us(max);
}

/* Bytes in the nursery's used part (another CPU's: a snapshot of two words). */
static size_t nursery_used(const struct heap *h)
{
	uintptr_t top = (uintptr_t)arch_atomic_load_relaxed(&h->nursery_top);
	uintptr_t start = (uintptr_t)h->nursery_start;

	return top > start ? top - start : 0;
}

/* One CPU's (gc-stats) entry, keys as in SPEC.md, built back to front onto *out. */
static bool gc_stats_of(struct lisp *L, obj *alist, unsigned cpu, struct heap *h)
{
	struct pauses p;
	size_t used = nursery_used(h);

	pauses(&h->stats, &p);
	/* the collection mode, percore or global (mm/gc/stw.h); then references from other CPUs'
	 * heaps into this one: the sum of its counts */
	return lisp_alist_put(L, alist, "mode", sym(L, gc_mode_name(gc_mode()))) &&
	       lisp_alist_put_u64(L, alist, "remote-refs", gc_remote_refs(h)) &&
	       /* what the last completed major cycle found live, and the nursery's used part;
		* the memory the heap holds from the system (groups, nursery, its tables) */
	       lisp_alist_put_u64(L, alist, "heap-bytes", read_size(&h->src_bytes)) &&
	       lisp_alist_put_u64(L, alist, "live-bytes", read_u64(&h->stats.major_live_bytes) + used) &&
	       lisp_alist_put_u64(L, alist, "allocated-bytes", read_u64(&h->stats.bytes_allocated) + used) &&
	       lisp_alist_put_u64(L, alist, "pause-max-us", p.max) &&
	       lisp_alist_put_u64(L, alist, "pause-p99-us", p.p99) &&
	       lisp_alist_put_u64(L, alist, "pause-p50-us", p.p50) &&
	       lisp_alist_put_u64(L, alist, "major-collections", read_u64(&h->stats.major_cycles)) &&
	       lisp_alist_put_u64(L, alist, "minor-collections", read_u64(&h->stats.minor_collections)) &&
	       lisp_alist_put(L, alist, "cpu", fx((intptr_t)cpu));
}

static obj p_gc_stats(struct lisp *L, int argc, obj *argv)
{
	obj list = OBJ_NIL, entry = OBJ_NIL;
	bool ok = true;

	(void)argc, (void)argv;
	ROOT(list);
	ROOT(entry);
	for (unsigned i = arch_ncpus(); ok && i-- > 0;) {
		struct heap *h = lisp_cpu_heap(L, i);

		entry = OBJ_NIL;
		if (h == NULL)
			ok = lisp_alist_put(L, &entry, "cpu", fx((intptr_t)i));	/* no heap (yet) */
		else
			ok = gc_stats_of(L, &entry, i, h);
		ok = ok && (list = lisp_cons(L, entry, list)) != OBJ_NULL;
	}
	UNROOT(entry);
	UNROOT(list);
	return ok ? list : OBJ_NULL;
}

static const char *const major_phases[] = { "idle", "mark", "sweep" };

/* The heap of the CPU named by who's optional argument, the caller's by default; NULL with the
 * error raised if there is no such CPU. */
struct heap *lisp_heap_arg(struct lisp *L, const char *who, int argc, obj *argv)
{
	unsigned cpu = L->h->cpu;
	struct heap *h;
	int64_t c;

	if (argc > 0) {
		if (!lisp_int_arg(L, who, "CPU number", argv[0], 0, NCPU - 1, &c))
			return NULL;
		cpu = (unsigned)c;
	}
	if ((h = lisp_cpu_heap(L, cpu)) == NULL)
		lisp_errorf(L, fx((intptr_t)cpu), "%s: no such CPU:", who);
	return h;
}

/* (heap-stats [cpu]): one heap's layout and counters; the caller's CPU by default. */
static obj p_heap_stats(struct lisp *L, int argc, obj *argv)
{
	struct heap *h = lisp_heap_arg(L, "heap-stats", argc, argv);
	obj a = OBJ_NIL;
	bool ok;

	if (h == NULL)
		return OBJ_NULL;
	unsigned phase = arch_atomic_load_relaxed(&h->major_phase);
	ROOT(a);
	ok = lisp_alist_put_u64(L, &a, "alloc-failures", read_u64(&h->stats.alloc_failures)) &&
	     /* of them, those the overhead limit failed without a collection (mm/gc/overhead.c) */
	     lisp_alist_put_u64(L, &a, "overhead-refusals", read_u64(&h->stats.overhead_refusals)) &&
	     lisp_alist_put_u64(L, &a, "promoted-bytes", read_u64(&h->stats.bytes_promoted)) &&
	     lisp_alist_put_u64(L, &a, "allocated-bytes", read_u64(&h->stats.bytes_allocated) + nursery_used(h)) &&
	     lisp_alist_put(L, &a, "major-phase", sym(L, major_phases[phase < 3 ? phase : 0])) &&
	     lisp_alist_put_u64(L, &a, "major-collections", read_u64(&h->stats.major_cycles)) &&
	     /* the major collector's steps (each a pause) and the most work one did, in words */
	     lisp_alist_put_u64(L, &a, "major-steps", read_u64(&h->stats.major_steps)) &&
	     lisp_alist_put_u64(L, &a, "major-step-work-max", read_u64(&h->stats.major_work_max)) &&
	     /* passes over the whole old generation because the mark stack was full */
	     lisp_alist_put_u64(L, &a, "mark-rescans", read_u64(&h->stats.major_rescans)) &&
	     lisp_alist_put_u64(L, &a, "minor-collections", read_u64(&h->stats.minor_collections)) &&
	     lisp_alist_put_u64(L, &a, "remset-entries", read_size(&h->remset_len)) &&
	     lisp_alist_put_u64(L, &a, "remote-refs", gc_remote_refs(h)) &&
	     /* the count table (mm/gc/xheap.c): tables installed (the first included), and those a
	      * writer had to clear or make under the lock because no next block was ready */
	     lisp_alist_put_u64(L, &a, "count-table-grows", read_size(&h->stats.xref_grows)) &&
	     lisp_alist_put_u64(L, &a, "count-table-sync-grows", read_size(&h->stats.xref_sync_grows)) &&
	     lisp_alist_put_u64(L, &a, "published-objects", read_u64(&h->stats.published)) &&
	     lisp_alist_put_u64(L, &a, "publish-minors", read_u64(&h->stats.publish_minors)) &&
	     lisp_alist_put_u64(L, &a, "publish-promotions", read_u64(&h->stats.publish_promotions)) &&
	     lisp_alist_put_u64(L, &a, "shared-bytes-freed", read_u64(&h->stats.freed_shared)) &&
	     lisp_alist_put_u64(L, &a, "large-objects", read_u64(&h->stats.large_objects)) &&
	     lisp_alist_put_u64(L, &a, "spare-groups", read_size(&h->nspare)) &&
	     lisp_alist_put_u64(L, &a, "old-groups", read_size(&h->old_groups)) &&
	     lisp_alist_put_u64(L, &a, "old-bytes", read_size(&h->old_bytes)) &&
	     lisp_alist_put_u64(L, &a, "nursery-used", nursery_used(h)) &&
	     lisp_alist_put_u64(L, &a, "nursery-bytes", h->nursery_bytes) &&
	     /* the pacer's nursery in use (its soft end), and the minor collections after which
	      * it gave the whole nursery back because the heap neared its limit */
	     lisp_alist_put_u64(L, &a, "nursery-in-use-bytes",
				(size_t)(arch_atomic_load_relaxed(&h->nursery_soft) - h->nursery_start) *
				sizeof(uintptr_t)) &&
	     lisp_alist_put_u64(L, &a, "pace-limit-yields", read_u64(&h->stats.pace_limit_yields)) &&
	     lisp_alist_put(L, &a, "cpu", fx((intptr_t)h->cpu));
	UNROOT(a);
	return ok ? a : OBJ_NULL;
}

/* (gc-pause-histogram [cpu]): one heap's pause histograms (the caller's CPU by default), a list
 * of (bucket lo-ns hi-ns minor major) for every non-empty bucket, in order: bucket i counts the
 * pauses of [lo, hi) cycles, shown in nanoseconds (mm/heaps/heap_param.h: 1152 buckets, each at
 * most 3.1% of its values wide; (gc-stats) reports a percentile at its bucket's hi). */
static obj p_gc_pause_histogram(struct lisp *L, int argc, obj *argv)
{
	struct heap *h = lisp_heap_arg(L, "gc-pause-histogram", argc, argv);
	obj list = OBJ_NIL, row = OBJ_NIL;
	bool ok = true;

	if (h == NULL)
		return OBJ_NULL;
	ROOT(list);
	ROOT(row);
	for (unsigned b = GC_PAUSE_BUCKETS; ok && b-- > 0;) {
		uint64_t minor = read_u64(&h->stats.pause_hist[b]);
		uint64_t major = read_u64(&h->stats.major_pause_hist[b]);
		uint64_t lo = gc_hist_lo(b), w = gc_hist_width(b);
		uint64_t hi = w > UINT64_MAX - lo ? UINT64_MAX : lo + w;
		uint64_t v[] = { b, arch_cycles_to_ns(lo), arch_cycles_to_ns(hi), minor, major };

		if (minor == 0 && major == 0)
			continue;
		row = OBJ_NIL;
		for (int k = (int)ARRAY_SIZE(v) - 1; ok && k >= 0; k--) {
			obj n = lisp_int64(L, (int64_t)MIN(v[k], (uint64_t)INT64_MAX));

			ok = n != OBJ_NULL && (row = lisp_cons(L, n, row)) != OBJ_NULL;
		}
		ok = ok && (list = lisp_cons(L, row, list)) != OBJ_NULL;
	}
	UNROOT(row);
	UNROOT(list);
	return ok ? list : OBJ_NULL;
}

/* (object-info obj): where an object lives: the CPU whose heap holds it, young (nursery) or old
 * (the address of its group), or immediate (fixnums, characters, constants: in no heap). */
obj lisp_object_info(struct lisp *L, obj x)
{
	obj a = OBJ_NIL, cpu = OBJ_FALSE, group = OBJ_FALSE;
	const char *gen = "immediate";
	uintptr_t rc = 0;
	bool ok, shared = false;

	if (obj_ptr_p(x)) {
		struct heap_group *g = heap_group_of((const void *)x);

		gen = "unknown";
		for (unsigned i = 0; i < arch_ncpus(); i++) {
			struct heap *h = lisp_cpu_heap(L, i);

			if (h && heap_young_p(h, x)) {
				gen = "young";
				cpu = fx((intptr_t)i);
			}
		}
		if (cpu == OBJ_FALSE && g->magic == HEAP_GROUP_MAGIC) {
			gen = "old";
			cpu = fx((intptr_t)g->owner->cpu);
			shared = heap_shared_p((const void *)x);
			rc = gc_remote_count(x);	/* before we allocate: x may not stay put */
			if ((group = lisp_int64(L, (int64_t)(uintptr_t)g)) == OBJ_NULL)
				return OBJ_NULL;
		}
	}
	ROOT(group);
	ROOT(a);
	/* remote-count: references from other heaps' objects (mm/gc/xheap.h) */
	ok = lisp_alist_put_u64(L, &a, "remote-count", rc) && lisp_alist_put(L, &a, "shared", obj_bool(shared)) &&
	     lisp_alist_put(L, &a, "group", group) &&
	     lisp_alist_put(L, &a, "generation", sym(L, gen)) && lisp_alist_put(L, &a, "cpu", cpu);
	UNROOT(a);
	UNROOT(group);
	return ok ? a : OBJ_NULL;
}

static obj p_object_info(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return lisp_object_info(L, argv[0]);
}

/* --- drivers: I/O ports, device memory, PCI --- */

static bool port_arg(struct lisp *L, const char *who, obj x, uint16_t *port)
{
	int64_t v;

	if (!ARCH_PORT_IO) {
		lisp_errorf(L, OBJ_NULL, "%s: no I/O ports on the %s build", who, ARCH_NAME);
		return false;
	}
	if (!lisp_int_arg(L, who, "I/O port number (0..65535)", x, 0, 0xffff, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

static obj p_in8(struct lisp *L, int argc, obj *argv)
{
	uint16_t port;

	(void)argc;
	return port_arg(L, "in8", argv[0], &port) ? fx(arch_in8(port)) : OBJ_NULL;
}

static obj p_in16(struct lisp *L, int argc, obj *argv)
{
	uint16_t port;

	(void)argc;
	return port_arg(L, "in16", argv[0], &port) ? fx(arch_in16(port)) : OBJ_NULL;
}

static obj p_in32(struct lisp *L, int argc, obj *argv)
{
	uint16_t port;

	(void)argc;
	return port_arg(L, "in32", argv[0], &port) ? lisp_int64(L, arch_in32(port)) : OBJ_NULL;
}

static obj p_out8(struct lisp *L, int argc, obj *argv)
{
	uint16_t port;
	int64_t v;

	(void)argc;
	if (!port_arg(L, "out8", argv[0], &port) ||
	    !lisp_int_arg(L, "out8", "byte (0..255)", argv[1], 0, 0xff, &v))
		return OBJ_NULL;
	arch_out8(port, (uint8_t)v);
	return OBJ_UNSPECIFIED;
}

static obj p_out16(struct lisp *L, int argc, obj *argv)
{
	uint16_t port;
	int64_t v;

	(void)argc;
	if (!port_arg(L, "out16", argv[0], &port) ||
	    !lisp_int_arg(L, "out16", "16-bit value (0..65535)", argv[1], 0, 0xffff, &v))
		return OBJ_NULL;
	arch_out16(port, (uint16_t)v);
	return OBJ_UNSPECIFIED;
}

static obj p_out32(struct lisp *L, int argc, obj *argv)
{
	uint16_t port;
	int64_t v;

	(void)argc;
	if (!port_arg(L, "out32", argv[0], &port) ||
	    !lisp_int_arg(L, "out32", "32-bit value (0..4294967295)", argv[1], 0, 0xffffffff, &v))
		return OBJ_NULL;
	arch_out32(port, (uint32_t)v);
	return OBJ_UNSPECIFIED;
}

/* Device memory: the address must be 4-byte aligned and mapped (not the NULL guard page). What
 * lives there is the caller's business: these are driver primitives, as unchecked as C. */
static bool mmio_arg(struct lisp *L, const char *who, obj x, uintptr_t *addr)
{
	int64_t v;

	if (!ARCH_MMIO) {
		lisp_errorf(L, OBJ_NULL, "%s: no device memory on the %s build", who, ARCH_NAME);
		return false;
	}
	if (!lisp_int_arg(L, who, "address", x, 0, (int64_t)UINTPTR_MAX, &v))
		return false;
	if (v % 4 != 0) {
		lisp_errorf(L, x, "%s: address not 4-byte aligned:", who);
		return false;
	}
	if (!arch_mmio_mapped((uintptr_t)v)) {
		lisp_errorf(L, x, "%s: address not mapped:", who);
		return false;
	}
	*addr = (uintptr_t)v;
	return true;
}

static obj p_mmio_read32(struct lisp *L, int argc, obj *argv)
{
	uintptr_t a;

	(void)argc;
	return mmio_arg(L, "mmio-read32", argv[0], &a) ? lisp_int64(L, arch_mmio_read32(a)) : OBJ_NULL;
}

static obj p_mmio_write32(struct lisp *L, int argc, obj *argv)
{
	uintptr_t a;
	int64_t v;

	(void)argc;
	if (!mmio_arg(L, "mmio-write32", argv[0], &a) ||
	    !lisp_int_arg(L, "mmio-write32", "32-bit value (0..4294967295)", argv[1], 0, 0xffffffff, &v))
		return OBJ_NULL;
	arch_mmio_write32(a, (uint32_t)v);
	return OBJ_UNSPECIFIED;
}

/* (pci-devices): ((bus dev fn vendor device class) ...) in scan order; the scan's results go in
 * a scratch bytevector (rooted) while the list is built. */
static obj p_pci_devices(struct lisp *L, int argc, obj *argv)
{
	int n = pci_scan(NULL, 0);
	obj buf, list = OBJ_NIL, l;

	(void)argc, (void)argv;
	if (n < 0)
		return lisp_errorf(L, OBJ_NULL, "pci-devices: no PCI bus on the %s build", ARCH_NAME);
	buf = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, (size_t)n * sizeof(struct pci_func));
	if (buf == OBJ_NULL)
		return OBJ_NULL;
	/* bytevector data is word-aligned */
	n = MIN(n, pci_scan((struct pci_func *)obj_bytes_data(buf), n));
	ROOT(buf);
	ROOT(list);
	for (int i = n - 1; i >= 0 && list != OBJ_NULL; i--) {
		struct pci_func f = ((struct pci_func *)obj_bytes_data(buf))[i];
		intptr_t v[] = { f.bus, f.dev, f.fn, f.vendor, f.device, (intptr_t)f.class };

		l = OBJ_NIL;
		for (int k = (int)ARRAY_SIZE(v) - 1; k >= 0 && l != OBJ_NULL; k--)
			l = lisp_cons(L, fx(v[k]), l);
		list = l != OBJ_NULL ? lisp_cons(L, l, list) : OBJ_NULL;
	}
	l = list;
	UNROOT(list);
	UNROOT(buf);
	return l;
}

/*
 * Threads and channels -- (spawn thunk [cpu [priority]]), (thread-join t), (make-channel),
 * (channel-send ch v), (channel-receive ch) -- go here. They need objects shared between CPUs
 * (a thunk allocated on one CPU's heap run on another, values sent across): the cross-heap
 * references being built in mm/. Until then a heap may not refer to another (gc.h, G2).
 */

/* ---- (scheme process-context): what the instance was given (lisp_config's args and env: the
 * hosted program's argv from its file on, and its environment; the kernel's boot options) ---- */

static obj p_command_line(struct lisp *L, int argc, obj *argv)
{
	const char *const *a = L->cfg.args;
	size_t n = 0;
	obj l = OBJ_NIL, str;

	(void)argc, (void)argv;
	while (a && a[n])
		n++;
	ROOT(l);
	while (n-- > 0) {
		if ((str = lisp_cstring(L, a[n])) == OBJ_NULL || (l = lisp_cons(L, str, l)) == OBJ_NULL)
			break;
	}
	UNROOT(l);
	return l;
}

/* The value of env entry e if it is NAME=..., else NULL. */
static const char *env_value(const char *e, const char *name, size_t len)
{
	return strncmp(e, name, len) == 0 && e[len] == '=' ? e + len + 1 : NULL;
}

static obj p_getenv(struct lisp *L, int argc, obj *argv)
{
	const char *const *e = L->cfg.env;
	const char *name, *v;
	size_t len;

	(void)argc;
	if (!string_p(argv[0]))
		return lisp_type_error(L, "get-environment-variable", "string", argv[0]);
	name = (const char *)obj_bytes_data(argv[0]);
	len = obj_bytes_length(argv[0]);
	for (; e && *e; e++)
		if ((v = env_value(*e, name, len)) != NULL && memchr(name, '=', len) == NULL)
			return lisp_cstring(L, v);
	return OBJ_FALSE;
}

static obj p_getenvs(struct lisp *L, int argc, obj *argv)
{
	const char *const *e = L->cfg.env;
	size_t n = 0;
	obj l = OBJ_NIL, k = OBJ_FALSE, v = OBJ_FALSE, p;

	(void)argc, (void)argv;
	while (e && e[n])
		n++;
	ROOT(l);
	ROOT(k);
	ROOT(v);
	while (n-- > 0) {
		const char *eq = strchr(e[n], '=');
		size_t klen = eq ? (size_t)(eq - e[n]) : strlen(e[n]);

		if ((k = lisp_make_string(L, e[n], klen)) == OBJ_NULL ||
		    (v = lisp_cstring(L, eq ? eq + 1 : "")) == OBJ_NULL ||
		    (p = lisp_cons(L, k, v)) == OBJ_NULL || (l = lisp_cons(L, p, l)) == OBJ_NULL) {
			l = OBJ_NULL;
			break;
		}
	}
	UNROOT(v);
	UNROOT(k);
	UNROOT(l);
	return l;
}

/* (%builtin-source name): the source text of a library embedded in the image (builtin_src.c,
 * made by gen_builtin.sh), a fresh string, or #f for an unknown name. (load-builtin name), in
 * the prelude, evaluates it. */
static const struct {
	const char *name, *src;
} builtins[] = {
	{ "inspector", lisp_builtin_inspector },
};

/* (%global-cas! sym old new): the global value of sym's system binding (its twin if it has one:
 * the prelude's variable, globals.c "The system's bindings") becomes new if it is old (eq?),
 * atomically against every other %global-cas! (cas_lock, held across no allocation: new is
 * published first when sym is shared); #t if it did. The library registry's update
 * (prelude.scm). */
static struct spinlock cas_lock = SPINLOCK_INIT("global-cas");

static obj p_global_cas(struct lisp *L, int argc, obj *argv)
{
	obj nv = argv[2];
	arch_irqflags_t f;
	bool ok;

	(void)argc;
	if (!symbol_p(argv[0]))
		return lisp_type_error(L, "%global-cas!", "symbol", argv[0]);
	if (obj_ptr_p(nv) && gc_shared_p(L->h, argv[0]) && !gc_shared_p(L->h, nv) &&
	    !lisp_publish(L, &nv))
		return OBJ_NULL;
	argv = lisp_args(L);	/* the publication may have collected */
	f = spin_lock_irqsave(&cas_lock);
	ok = lisp_global_value(lisp_sys_cell(argv[0])) == argv[1];
	if (ok)
		lisp_store_now(L, lisp_sys_cell(argv[0]), SYMF_VALUE, nv);
	spin_unlock_irqrestore(&cas_lock, f);
	return ok ? OBJ_TRUE : OBJ_FALSE;
}

/* (%global-alias! new old sys?): new names at the top level what old names, in the system's
 * bindings if sys? (import's prefix and rename; globals.c lisp_global_alias); #t, or #f if old
 * is a keyword known by its name; an error if new is one */
static obj p_global_alias(struct lisp *L, int argc, obj *argv)
{
	int r;

	(void)argc;
	for (int i = 0; i < 2; i++)
		if (!symbol_p(argv[i]))
			return lisp_type_error(L, "%global-alias!", "symbol", argv[i]);
	r = lisp_global_alias(L, argv[0], argv[1], argv[2] != OBJ_FALSE);
	if (r == -2)
		return lisp_errorf(L, argv[0], "import: cannot rebind a syntax keyword's name:");
	return r < 0 ? OBJ_NULL : obj_bool(r > 0);
}

static obj p_builtin_source(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!string_p(argv[0]))
		return lisp_type_error(L, "%builtin-source", "string", argv[0]);
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		size_t n = strlen(builtins[i].name);

		if (obj_bytes_length(argv[0]) == n && !memcmp(obj_bytes_data(argv[0]), builtins[i].name, n))
			return lisp_cstring(L, builtins[i].src);
	}
	return OBJ_FALSE;
}

static const struct lisp_prim_def prims[] = {
	{ "ncpus", p_ncpus, 0, 0, 0 },
	{ "cpu-id", p_cpu_id, 0, 0, 0 },
	{ "cycles", p_cycles, 0, 0, 0 },
	{ "current-jiffy", p_cycles, 0, 0, 0 },
	{ "current-second", p_current_second, 0, 0, 0 },
	{ "jiffies-per-second", p_jiffies_per_second, 0, 0, 0 },
	{ "yield", p_yield, 0, 0, 0 },
	{ "sleep", p_sleep, 1, 1, 0 },
	{ "gc", p_gc, 0, 1, 0 },
	{ "threads", p_threads, 0, 0, 0 },
	{ "command-line", p_command_line, 0, 0, 0 },
	{ "get-environment-variable", p_getenv, 1, 1, 0 },
	{ "get-environment-variables", p_getenvs, 0, 0, 0 },
	{ "gc-stats", p_gc_stats, 0, 0, 0 },
	{ "heap-stats", p_heap_stats, 0, 1, 0 },
	{ "gc-pause-histogram", p_gc_pause_histogram, 0, 1, 0 },
	{ "object-info", p_object_info, 1, 1, 0 },
	{ "in8", p_in8, 1, 1, 0 },
	{ "in16", p_in16, 1, 1, 0 },
	{ "in32", p_in32, 1, 1, 0 },
	{ "out8", p_out8, 2, 2, 0 },
	{ "out16", p_out16, 2, 2, 0 },
	{ "out32", p_out32, 2, 2, 0 },
	{ "mmio-read32", p_mmio_read32, 1, 1, 0 },
	{ "mmio-write32", p_mmio_write32, 2, 2, 0 },
	{ "pci-devices", p_pci_devices, 0, 0, 0 },
	{ "%builtin-source", p_builtin_source, 1, 1, 0 },
	{ "%global-cas!", p_global_cas, 3, 3, 0 },
	{ "%global-alias!", p_global_alias, 3, 3, 0 },
};

void lisp_init_sys(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
