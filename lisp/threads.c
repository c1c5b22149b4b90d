/* threads.c -- Scheme threads and channels across CPUs: (spawn thunk [cpu [priority]]),
 * (thread-join thread), (make-channel), (channel-send ch v), (channel-receive ch).
 * Objects pass between CPUs by reference (mm/gc/xheap.h): whatever another CPU may see is
 * published first. A thread record and a channel are published when made, so their C parts
 * (raw bytes inside them) never move. A spawned thread gets its own interpreter on the heap of
 * the CPU it starts on, sharing the global environment, and its own root stack. */
#include <arch.h>
#include <kernel/cpu.h>
#include <mm/gc/xheap.h>
#include <sched/thread.h>

#include "internal.h"

/* thread record: (rtd thunk status value c template syms); status: running, done (value is the
 * result), error (value is what was raised, whatever it is), or exhausted (the child could not
 * start or could not keep its result: the join raises "heap exhausted") */
enum { TH_THUNK = 1, TH_STATUS, TH_VALUE, TH_C, TH_STATE, TH_SYMS, TH_NFIELDS };
enum { TH_RUNNING, TH_DONE, TH_ERROR, TH_EXHAUSTED };
struct th_c {
	struct lisp_config cfg;		/* the parent's (heap replaced by the child's) */
	unsigned id;			/* the kernel thread's id (thread-id); atomic */
	struct waitq done;		/* joiners wait here until finished */
	int finished;			/* status and value are final; under done.lock */
	int intr;			/* thread-interrupt! asked, maybe before it started; atomic */
	struct th_c *next, *prev;	/* the list of threads not finished (under reg_lock) */
};

/*
 * channel: (rtd c . head . tail), a queue of published pairs after a dummy pair, as in Michael
 * and Scott's two-lock queue: receivers take from the head under wq.lock (the lock they sleep
 * with), senders append at the tail under tail_lock, so a sender and a receiver on two CPUs
 * share no lock and no written cache line except the pair being handed over. head is the dummy:
 * the next value is the car of its cdr. A receiver makes that pair the new dummy (its car
 * cleared: the channel keeps nothing taken) and cuts the old dummy loose if the new one is
 * another heap's (p_channel_receive).
 *
 * The record's fields are CH_GAP words apart (the ones between unused), so head (written by
 * receivers), tail (written by senders) and the read-only rtd and c sit on three cache lines;
 * within c, the receivers' waitq, the sleeper count and the senders' lock do too.
 *
 * No lost wake-up: a receiver that finds the queue empty counts itself in sleepers under
 * wq.lock, then (full fence) looks once more before it sleeps; a sender links its pair, then
 * (full fence) reads sleepers and, if any, wakes one under wq.lock. One of the two sees the
 * other's write; the sleeper cannot miss the wake, since it holds wq.lock until it sleeps.
 */
#define CH_GAP	16	/* words: 64 bytes or more on every target; one layout everywhere */
enum { CH_C = 1, CH_HEAD = CH_C + CH_GAP, CH_TAIL = CH_HEAD + CH_GAP, CH_NFIELDS };
struct ch_c {
	struct waitq wq;		/* receivers waiting for a value; its lock guards head */
	char pad0[64];
	unsigned long sleepers;		/* receivers counted to sleep: under wq.lock, read atomically
					 * by senders */
	char pad1[64];
	struct spinlock tail_lock;	/* guards tail and the tail pair's cdr */
	char pad2[64];
};

static void *raw(obj rec, size_t field)
{
	return obj_bytes_data(obj_fields(rec)[field]);
}

static obj no_threads(struct lisp *L, const char *who)
{
	return lisp_errorf(L, OBJ_NULL, "%s: not running on a scheduler thread", who);
}

/* A published record of type rtd with n fields and a raw part of cbytes bytes in field cf. */
static obj make_shared_record(struct lisp *L, obj rtd, size_t n, size_t cf, size_t cbytes)
{
	obj r, b;

	ROOT(rtd);
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, cbytes);
	UNROOT(rtd);
	if (b == OBJ_NULL)
		return OBJ_NULL;
	ROOT(b);
	r = lisp_make_record(L, rtd, n);
	UNROOT(b);
	if (r == OBJ_NULL)
		return OBJ_NULL;
	obj_init_field(L, r, cf, b);
	if (!lisp_publish(L, &r))
		return OBJ_NULL;
	return r;
}

/* ---- the registry of running instances (internal.h) ---- */

static struct spinlock reg_lock = SPINLOCK_INIT("lisp-instances");	/* a leaf but for
						 * lisp_interrupt's locks (sched/thread.h) */
static struct lisp *reg_head;
static struct th_c *live_head;	/* spawned and not finished: interrupts by id before they run */

static void live_add(struct th_c *c)
{
	arch_irqflags_t f = spin_lock_irqsave(&reg_lock);

	c->prev = NULL;
	c->next = live_head;
	if (live_head)
		live_head->prev = c;
	live_head = c;
	spin_unlock_irqrestore(&reg_lock, f);
}

static void live_remove(struct th_c *c)
{
	arch_irqflags_t f = spin_lock_irqsave(&reg_lock);

	if (c->prev)
		c->prev->next = c->next;
	else
		live_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	spin_unlock_irqrestore(&reg_lock, f);
}

void lisp_threads_register(struct lisp *L)
{
	arch_irqflags_t f;

	if (!lisp_on_thread())
		return;
	L->thread = thread_self();
	f = spin_lock_irqsave(&reg_lock);
	L->reg_prev = NULL;
	L->reg_next = reg_head;
	if (reg_head)
		reg_head->reg_prev = L;
	reg_head = L;
	spin_unlock_irqrestore(&reg_lock, f);
}

void lisp_threads_unregister(struct lisp *L)
{
	arch_irqflags_t f;

	if (!L->thread)
		return;
	f = spin_lock_irqsave(&reg_lock);
	if (L->reg_prev)
		L->reg_prev->reg_next = L->reg_next;
	else
		reg_head = L->reg_next;
	if (L->reg_next)
		L->reg_next->reg_prev = L->reg_prev;
	spin_unlock_irqrestore(&reg_lock, f);
	L->thread = NULL;
}

/* Ask the instance running on thread id to stop: false if none does (it ended, or the thread
 * runs no Scheme). An instance stays registered, so alive, while the lock is held. */
static bool interrupt_id(unsigned id)
{
	arch_irqflags_t f = spin_lock_irqsave(&reg_lock);
	struct lisp *p;

	struct th_c *c = NULL;

	for (p = reg_head; p && ((struct thread *)p->thread)->id != id; p = p->reg_next)
		;
	if (p) {
		lisp_interrupt(p);
	} else {
		/* a thread spawned but not running Scheme yet: it takes the request as it starts
		 * (child_main reads intr after it registered, which takes this lock) */
		for (c = live_head; c && arch_atomic_load(&c->id) != id; c = c->next)
			;
		if (c)
			arch_atomic_store(&c->intr, 1);
	}
	spin_unlock_irqrestore(&reg_lock, f);
	return p != NULL || c != NULL;
}

/* ---- threads ---- */

struct child {
	struct lisp L;
	struct gc_rootstack rs;
};

/* rec's status (a fixnum: nothing to publish, so the store cannot collect) */
static void set_status(struct heap *h, obj rec, unsigned status)
{
	(void)gc_store(h, rec, TH_STATUS, fx(status));
}

/* The child's last touch of its record's raw part: joiners may read status and value now.
 * The caller still holds rec (a root or its pin), so the lock outlives the unlock. */
static void finish(struct th_c *c)
{
	arch_irqflags_t f;

	live_remove(c);
	f = spin_lock_irqsave(&c->done.lock);
	arch_atomic_store(&c->finished, 1);	/* read unlocked by thread-interrupt! */
	waitq_wake_all_locked(&c->done);
	spin_unlock_irqrestore(&c->done.lock, f);
}

static uintptr_t child_main(void *arg)
{
	obj rec = (obj)arg, v = OBJ_FALSE;
	struct th_c *c = raw(rec, TH_C);
	struct heap *h;
	struct child *ch;
	struct lisp parent;
	struct lisp_config cfg;
	unsigned status = TH_DONE;
	size_t bytes = ALIGN_UP(sizeof(struct child), (size_t)HEAP_GROUP_SIZE);

	arch_atomic_store(&c->id, thread_self()->id);	/* the parent stores it too, maybe later */
	sched_preempt_disable();	/* threads of a CPU share its heap (docs/gc.md) */
	h = cpu_heap_here();		/* we never move again: started here */
	ch = heap_src_alloc(h, bytes);
	if (ch == NULL && c->cfg.gc_lend != NULL) {
		/* the heap is at its limit: collect with room lent, as the REPL does after an
		 * expression that exhausted it (nothing of ours is in the heap yet) */
		c->cfg.gc_lend(c->cfg.gc_lend_ctx, h, LISP_LEND_RECOVER, 0);
		gc_major_full(h);
		c->cfg.gc_lend(c->cfg.gc_lend_ctx, h, LISP_LEND_STOP, 0);
		ch = heap_src_alloc(h, bytes);
	}
	if (ch == NULL) {
		set_status(h, rec, TH_EXHAUSTED);
		finish(c);
		gc_unpin(h, rec);
		sched_preempt_enable();
		return 0;
	}
	cpu_heap_enter(h, &ch->rs);
	GC_ROOT(h, rec);
	GC_ROOT(h, v);		/* below the interpreter's roots: held across its reset */
	gc_unpin(h, rec);	/* our root holds it now */
	cfg = c->cfg;		/* its lending acts on the heap it is given: ours (lisp.h) */
	cfg.heap = h;
	/* lisp_init_thread reads only these two of its parent */
	parent.syms = obj_fields(rec)[TH_SYMS];
	parent.state = obj_fields(rec)[TH_STATE];
	if (lisp_init_thread(&ch->L, &parent, &cfg) < 0) {
		status = TH_EXHAUSTED;	/* it holds nothing of the heap now */
	} else {
		struct lisp *L = &ch->L;
		uint64_t failures = h->stats.alloc_failures;

		if (arch_atomic_load(&c->intr))	/* asked before we were registered (interrupt_id) */
			lisp_interrupt(L);

		v = lisp_apply(L, obj_fields(rec)[TH_THUNK], 0);
		if (v == OBJ_NULL) {
			status = TH_ERROR;
			v = lisp_take_error(L);
			lisp_vm_unwind(L, false);	/* may collect: v is rooted */
		}
		if (!lisp_store(L, rec, TH_VALUE, v))
			status = TH_EXHAUSTED;	/* could not publish the value: join says so */
		if (h->stats.alloc_failures != failures)
			lisp_gc_full(L, LISP_LEND_RECOVER);	/* give back what the thread filled:
								 * nobody else may collect this heap */
		lisp_destroy(L);
	}
	set_status(h, rec, status);
	finish(c);
	GC_UNROOT(h, v);
	GC_UNROOT(h, rec);
	cpu_heap_leave(h, &ch->rs);
	heap_src_free(h, ch, bytes);
	sched_preempt_enable();
	return 0;
}

static obj p_spawn(struct lisp *L, int argc, obj *argv)
{
	int64_t cpu = SCHED_CPU_ANY, prio = 15;
	obj rec, st;
	struct th_c *c;
	struct thread *kt;

	if (!procedure_p(argv[0]))
		return lisp_type_error(L, "spawn", "procedure", argv[0]);
	if (argc > 1 && argv[1] != OBJ_FALSE) {
		if (!integer_p(argv[1]) || !lisp_int_to_i64(argv[1], &cpu) || cpu < 0 ||
		    cpu >= (int64_t)arch_ncpus() || !sched_cpu_online((unsigned)cpu))
			return lisp_errorf(L, argv[1], "spawn: no such CPU:");
	}
	if (argc > 2 && (!integer_p(argv[2]) || !lisp_int_to_i64(argv[2], &prio) || prio < 0 ||
			 prio > 30))
		return lisp_type_error(L, "spawn", "priority 0..30", argv[2]);
	if (!lisp_on_thread())
		return no_threads(L, "spawn");
	/* the child's template of our state: a copy, published with everything it reaches (the
	 * built-in record types, the global table and through it every global, the console port;
	 * a define made later publishes its value, globals.c) */
	st = lisp_make_vector(L, S_COUNT, OBJ_FALSE);
	if (st == OBJ_NULL)
		return OBJ_NULL;
	for (size_t i = 0; i < S_COUNT; i++)
		obj_init_field(L, st, i, STATE(L, i));
	ROOT(st);
	rec = make_shared_record(L, STATE(L, S_RTD_THREAD), TH_NFIELDS - 1, TH_C, sizeof(struct th_c));
	UNROOT(st);
	if (rec == OBJ_NULL)
		return OBJ_NULL;
	ROOT(rec);
	if (!lisp_store(L, rec, TH_STATE, st) || !lisp_store(L, rec, TH_SYMS, L->syms) ||
	    !lisp_store(L, rec, TH_THUNK, lisp_args(L)[0])) {
		UNROOT(rec);
		goto exhausted;
	}
	lisp_store_now(L, rec, TH_STATUS, fx(TH_RUNNING));
	c = raw(rec, TH_C);
	c->cfg = L->cfg;
	waitq_init(&c->done, "scheme-join");
	live_add(c);	/* the record is pinned from here until the child's root holds it */
	gc_pin(L->h, rec);	/* the child's argument, until its root holds it */
	kt = thread_create_placed("scheme", child_main, (void *)rec, (unsigned)prio, (unsigned)cpu,
				  cpu == SCHED_CPU_ANY ? THREAD_MOVABLE_UNSTARTED : THREAD_PINNED);
	if (kt == NULL) {
		live_remove(c);
		gc_unpin(L->h, rec);
		UNROOT(rec);
		return lisp_errorf(L, OBJ_NULL, "spawn: no memory for a thread");
	}
	arch_atomic_store(&c->id, kt->id);
	thread_detach(kt);	/* joins wait on the record: the stack goes when the thread ends */
	UNROOT(rec);
	return rec;
exhausted:
	L->err = OBJ_NULL;
	return OBJ_NULL;
}

/* Joins in progress, for the deadlock check: a thread that would wait, through a chain of
 * joins, for itself gets an error instead of hanging (two threads joining each other, or a
 * longer ring). The entries form no cycle: each is added only after the walk from its target
 * found no way back to its joiner, under join_lock (a leaf), so the walk ends. An entry lives
 * on its joiner's C stack for the length of the wait. A target is named by its record's C
 * part, whose id is read at each walk: a thread not started yet (id 0) is waiting for
 * nothing, and once started it can close a ring only by joining, which walks again. */
struct join_wait {
	unsigned waiter;		/* the joining thread's id */
	struct th_c *target;
	struct join_wait *next;
};
static struct spinlock join_lock = SPINLOCK_INIT("lisp-joins");
static struct join_wait *joins;

/* Record that self waits for target; false (nothing recorded) if target waits, through the
 * joins in progress, for self. */
static bool join_begin(struct join_wait *j, unsigned self, struct th_c *target)
{
	arch_irqflags_t f = spin_lock_irqsave(&join_lock);
	struct th_c *t = target;

	while (t) {
		unsigned id = arch_atomic_load(&t->id);
		struct join_wait *k;

		if (id == self) {
			spin_unlock_irqrestore(&join_lock, f);
			return false;
		}
		for (k = joins; k && k->waiter != id; k = k->next)
			;
		t = k ? k->target : NULL;
	}
	j->waiter = self;
	j->target = target;
	j->next = joins;
	joins = j;
	spin_unlock_irqrestore(&join_lock, f);
	return true;
}

static void join_end(struct join_wait *j)
{
	arch_irqflags_t f = spin_lock_irqsave(&join_lock);
	struct join_wait **p = &joins;

	while (*p != j)
		p = &(*p)->next;
	*p = j->next;
	spin_unlock_irqrestore(&join_lock, f);
}

static obj p_thread_join(struct lisp *L, int argc, obj *argv)
{
	obj rec = argv[0], v;
	struct th_c *c;
	struct join_wait jw = { 0, NULL, NULL };	/* target set: recorded */
	arch_irqflags_t f;
	int finished;

	(void)argc;
	if (!record_p(rec, STATE(L, S_RTD_THREAD)))
		return lisp_type_error(L, "thread-join", "thread", rec);
	if (!lisp_on_thread())
		return no_threads(L, "thread-join");
	c = raw(rec, TH_C);	/* rec is published: it does not move while we wait */
	if (arch_atomic_load(&c->id) == thread_self()->id)	/* it would wait for itself forever */
		return lisp_errorf(L, OBJ_NULL, "thread-join: a thread cannot join itself");
	if (!arch_atomic_load(&c->finished) && !join_begin(&jw, thread_self()->id, c))
		return lisp_errorf(L, OBJ_NULL, "thread-join: deadlock: the thread waits, through "
				   "the joins in progress, for this one");
	/* any number of joiners, each interruptible (sched/thread.h) */
	for (;;) {
		thread_wait_intr_begin(&c->done);
		f = spin_lock_irqsave(&c->done.lock);
		while (!(finished = c->finished) && !lisp_interrupt_pending(L))
			waitq_sleep_locked(&c->done);
		spin_unlock_irqrestore(&c->done.lock, f);
		thread_wait_intr_end();
		if (finished)
			break;
		if (lisp_poll_interrupt(L)) {
			if (jw.target)
				join_end(&jw);
			return OBJ_NULL;
		}
	}
	if (jw.target)
		join_end(&jw);
	v = obj_fields(rec)[TH_VALUE];
	switch (fxv(obj_fields(rec)[TH_STATUS])) {
	case TH_ERROR:
		L->err = v;	/* re-raise exactly what was raised, #f included */
		return OBJ_NULL;
	case TH_EXHAUSTED:
		L->err = OBJ_NULL;	/* heap exhausted */
		return OBJ_NULL;
	}
	return v;
}

/* (thread-interrupt! t): t (a thread, or a thread id from (threads)) raises "interrupted" at
 * its next safe point, or in the wait it is blocked in (a channel, a join, a sleep); a thread
 * not started yet raises it as it starts (also when named by id). #t if it was asked, #f if it
 * has ended (or, for an id, if no Scheme runs or will run on it). */
static obj p_thread_interrupt(struct lisp *L, int argc, obj *argv)
{
	obj t = argv[0];
	int64_t id;

	(void)argc;
	if (record_p(t, STATE(L, S_RTD_THREAD))) {
		struct th_c *c = raw(t, TH_C);

		/* before the lookup: a child not registered yet sees it once it is (the registry's
		 * lock orders the two), so a thread just spawned is stopped too */
		arch_atomic_store(&c->intr, 1);
		interrupt_id(arch_atomic_load(&c->id));
		return obj_bool(!arch_atomic_load(&c->finished));
	} else if (!integer_p(t) || !lisp_int_to_i64(t, &id) || id <= 0 || id > UINT32_MAX)
		return lisp_type_error(L, "thread-interrupt!", "thread or thread id", t);
	return obj_bool(interrupt_id((unsigned)id));
}

/* (thread-id [t]): t's id as (threads) lists it; the caller's without an argument (#f when
 * not on a scheduler thread). */
static obj p_thread_id(struct lisp *L, int argc, obj *argv)
{
	if (argc == 0)
		return L->thread ? fx((intptr_t)((struct thread *)L->thread)->id) : OBJ_FALSE;
	if (!record_p(argv[0], STATE(L, S_RTD_THREAD)))
		return lisp_type_error(L, "thread-id", "thread", argv[0]);
	return fx((intptr_t)((struct th_c *)raw(argv[0], TH_C))->id);
}

static obj p_thread_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return obj_bool(record_p(argv[0], STATE(L, S_RTD_THREAD)));
}

/* ---- channels ---- */

static obj p_make_channel(struct lisp *L, int argc, obj *argv)
{
	obj ch, dummy;
	struct ch_c *c;

	(void)argc;
	(void)argv;
	ch = make_shared_record(L, STATE(L, S_RTD_CHANNEL), CH_NFIELDS - 1, CH_C, sizeof(struct ch_c));
	if (ch == OBJ_NULL)
		return OBJ_NULL;
	ROOT(ch);
	dummy = lisp_cons(L, OBJ_FALSE, OBJ_NIL);
	if (dummy == OBJ_NULL || !lisp_publish(L, &dummy)) {
		UNROOT(ch);
		return OBJ_NULL;
	}
	UNROOT(ch);
	lisp_store_now(L, ch, CH_HEAD, dummy);
	lisp_store_now(L, ch, CH_TAIL, dummy);
	c = raw(ch, CH_C);
	waitq_init(&c->wq, "scheme-channel");
	c->sleepers = 0;
	spin_init(&c->tail_lock, "scheme-channel-tail");
	return ch;
}

static obj p_channel_send(struct lisp *L, int argc, obj *argv)
{
	obj ch = argv[0], cell;
	struct ch_c *c;
	arch_irqflags_t f;

	(void)argc;
	if (!record_p(ch, STATE(L, S_RTD_CHANNEL)))
		return lisp_type_error(L, "channel-send", "channel", ch);
	cell = lisp_cons(L, argv[1], OBJ_NIL);
	if (cell == OBJ_NULL)
		return OBJ_NULL;
	if (!lisp_publish(L, &cell))
		return OBJ_NULL;
	ch = lisp_args(L)[0];	/* published: has not moved; re-read all the same */
	c = raw(ch, CH_C);
	f = spin_lock_irqsave(&c->tail_lock);
	/* cell is published: nothing below collects. Linking it hands it over (the barrier's
	 * exchange orders its fields before it); a receiver may take it at once. */
	lisp_store_now(L, obj_fields(ch)[CH_TAIL], 1, cell);
	lisp_store_now(L, ch, CH_TAIL, cell);
	spin_unlock_irqrestore(&c->tail_lock, f);
	arch_mb();	/* the link, then sleepers (no lost wake-up) */
	if (__atomic_load_n(&c->sleepers, __ATOMIC_RELAXED)) {
		f = spin_lock_irqsave(&c->wq.lock);
		waitq_wake_one_locked(&c->wq);
		spin_unlock_irqrestore(&c->wq.lock, f);
	}
	return OBJ_UNSPECIFIED;
}

/* The pair after ch's dummy, or nil: an acquire, so the pair's fields are seen as linked. */
static obj ch_next(obj ch)
{
	return __atomic_load_n(&obj_fields(obj_fields(ch)[CH_HEAD])[1], __ATOMIC_ACQUIRE);
}

/*
 * Wait a little for a value before sleeping, as long as nothing else wants this CPU: a sender
 * busy on another CPU then hands its next value over without a wake-up (a run-queue lock, an
 * IPI, two context switches: most of a message's cost when the receiver is the faster side,
 * issue 13). Called without the lock, interrupts on (so the timer still preempts); bounded by
 * LISP_CHAN_SPIN_US, by an interrupt request and by another thread becoming runnable here.
 * Not a safe point: another CPU's handshake waits for it at most that long. The look is a
 * hint, taken without wq.lock: another receiver may move the head meanwhile and cut the pair
 * read loose (its cdr nil); the caller looks again under the lock. The head is read with
 * acquire, as ch_next's field: the receiver that stored it read the pair's link with acquire,
 * so the pair's contents (the sender's copy of it, when published) are seen (TSan saw the
 * copy race with a relaxed read).
 */
static void watch_for_value(struct lisp *L, obj ch)
{
	static unsigned long spin_cycles;	/* LISP_CHAN_SPIN_US in arch_cycles(); atomic */
	unsigned long span = __atomic_load_n(&spin_cycles, __ATOMIC_RELAXED);
	uint64_t end;

	if (!span) {
		span = (unsigned long)(arch_cycles_per_sec() / 1000000 * LISP_CHAN_SPIN_US);
		__atomic_store_n(&spin_cycles, span, __ATOMIC_RELAXED);
	}
	for (end = arch_cycles() + span; arch_cycles() < end;) {
		if (__atomic_load_n(&obj_fields(__atomic_load_n(&obj_fields(ch)[CH_HEAD],
								 __ATOMIC_ACQUIRE))[1],
				    __ATOMIC_RELAXED) != OBJ_NIL)
			return;
		if (lisp_interrupt_pending(L) || sched_cpu_load(arch_cpu_id()) > 1)
			return;
		arch_cpu_relax();
	}
}

static obj p_channel_receive(struct lisp *L, int argc, obj *argv)
{
	obj ch = argv[0], head, next, v;
	struct ch_c *c;
	arch_irqflags_t f;
	bool watched = false;

	(void)argc;
	if (!record_p(ch, STATE(L, S_RTD_CHANNEL)))
		return lisp_type_error(L, "channel-receive", "channel", ch);
	if (!lisp_on_thread())
		return no_threads(L, "channel-receive");
	c = raw(ch, CH_C);
	thread_wait_intr_begin(&c->wq);
	f = spin_lock_irqsave(&c->wq.lock);
	while ((next = ch_next(ch)) == OBJ_NIL) {
		if (lisp_interrupt_pending(L)) {
			spin_unlock_irqrestore(&c->wq.lock, f);
			thread_wait_intr_end();
			if (lisp_poll_interrupt(L))
				return OBJ_NULL;
			thread_wait_intr_begin(&c->wq);	/* taken meanwhile by an earlier poll */
			f = spin_lock_irqsave(&c->wq.lock);
			continue;
		}
		if (!watched) {
			watched = true;
			spin_unlock_irqrestore(&c->wq.lock, f);
			watch_for_value(L, ch);	/* nothing here collects: ch stays put */
			f = spin_lock_irqsave(&c->wq.lock);
			continue;
		}
		__atomic_store_n(&c->sleepers, c->sleepers + 1, __ATOMIC_RELAXED);
		arch_mb();	/* sleepers, then the look */
		if (ch_next(ch) == OBJ_NIL)
			waitq_sleep_locked(&c->wq);	/* a safe point: ch is in our argument slot */
		__atomic_store_n(&c->sleepers, c->sleepers - 1, __ATOMIC_RELAXED);
		watched = false;
	}
	/* The queue's pairs are all published. next becomes the dummy, keeping nothing. */
	head = obj_fields(ch)[CH_HEAD];
	v = gc_swap_shared(L->h, next, 0, OBJ_FALSE);	/* next's line comes over once */
	lisp_store_now(L, ch, CH_HEAD, next);
	spin_unlock_irqrestore(&c->wq.lock, f);
	/* The old dummy is garbage. If next is another heap's, cut it loose, or dead pairs of
	 * senders on different CPUs stay chained across heaps and each heap's collection frees
	 * one link at a time; within one heap the dead link holds nothing, and a store would take
	 * its line back from the sender for nothing. Outside the lock: the queue no longer
	 * reaches it, and no sender stores into it again (a sender links only to the tail, and
	 * its link to next was its last look at this pair); nothing here collects. */
	if (heap_group_of((void *)head)->owner != heap_group_of((void *)next)->owner)
		lisp_store_now(L, head, 1, OBJ_NIL);
	thread_wait_intr_end();
	return v;
}

static obj p_channel_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return obj_bool(record_p(argv[0], STATE(L, S_RTD_CHANNEL)));
}

static const struct lisp_prim_def defs[] = {
	{ "spawn", p_spawn, 1, 3, 0 },
	{ "thread-join", p_thread_join, 1, 1, 0 },
	{ "thread?", p_thread_p, 1, 1, 0 },
	{ "thread-interrupt!", p_thread_interrupt, 1, 1, 0 },
	{ "thread-id", p_thread_id, 0, 1, 0 },
	{ "make-channel", p_make_channel, 0, 0, 0 },
	{ "channel-send", p_channel_send, 2, 2, 0 },
	{ "channel-receive", p_channel_receive, 1, 1, 0 },
	{ "channel?", p_channel_p, 1, 1, 0 },
};

void lisp_init_threads(struct lisp *L)
{
	static const char *const names[] = { "thread", "channel" };
	static const int slots[] = { S_RTD_THREAD, S_RTD_CHANNEL };

	for (size_t i = 0; i < 2; i++) {
		obj n = lisp_cstring(L, names[i]), fl, r;

		if (n == OBJ_NULL)
			return;
		ROOT(n);
		fl = lisp_make_vector(L, 0, OBJ_FALSE);
		UNROOT(n);
		if (fl == OBJ_NULL || (r = lisp_make_rtd(L, n, fl)) == OBJ_NULL)
			return;
		state_set(L, (size_t)slots[i], r);
	}
	lisp_register(L, defs, ARRAY_SIZE(defs));
}
