/* runq.h -- a CPU's run queue: 32 round-robin priority lists (0 highest), each of 0..30 with a
 * skip marker that hands lower priorities a turn, 31 holding only the idle entity; pick is O(1).
 * Invariants: an entity is RUNNABLE iff it is in its priority's list; runnable_map bit p iff
 * list p holds an entity; marker_map is a subset of runnable_map. See runq.c, docs/sched.md. */
#ifndef SCHED_RUNQ_H
#define SCHED_RUNQ_H

#include <stdbool.h>
#include <stdint.h>

#include <smp/spinlock.h>

/* Fixed by the design, not tunable: the lists are indexed by the bits of a uint32_t. */
#define SCHED_NPRIO		32
#define SCHED_PRIO_IDLE		(SCHED_NPRIO - 1)	/* the idle entity's, and only its */
#define SCHED_PRIO_MAX		(SCHED_NPRIO - 2)	/* lowest priority a thread may have */

#define SCHED_RQ_MAGIC		0x52554e51u		/* "RUNQ" */

enum sched_state {
	SCHED_DETACHED,		/* on no run queue */
	SCHED_RUNNABLE,		/* in its priority's list on rq (running counts as runnable) */
	SCHED_BLOCKED,		/* belongs to rq but is in no list, so pick never sees it */
};

/* Embedded in a thread. Guarded by e->rq->lock while attached; by its owner while DETACHED. */
struct sched_entity {
	struct sched_entity *next, *prev;	/* ring of list prio; meaningful only when RUNNABLE */
	struct sched_rq *rq;			/* NULL when DETACHED */
	uint8_t prio;				/* 0..SCHED_PRIO_MAX; SCHED_PRIO_IDLE for idle */
	uint8_t state;				/* enum sched_state */
};

/*
 * One priority list. The list is a ring of entities plus a marker that is not stored as a node:
 * it sits in the ring just after marker_after. Whether the marker is the list's head (the next
 * thing the walk meets) or its tail is the list's bit in rq->marker_map; so passing the marker,
 * which moves it from head to tail, is one bit cleared, and many lists can be passed at once.
 */
struct sched_list {
	struct sched_entity *head;		/* next entity the walk takes; NULL: list is empty */
	struct sched_entity *marker_after;	/* the marker follows this entity in the ring */
};

/*
 * A CPU's run queue, a field of its struct cpu. lock guards every other field and the entities
 * on this queue. Callers take it with interrupts off (spin_lock_irqsave): the owning CPU to pick
 * and to block, set priorities; any CPU to add or wake an entity here (remote wake-ups). It is a
 * leaf lock (these calls take no other), and no one holds two run queues' locks at once:
 * migration removes under one, then adds under the other.
 */
struct sched_rq {
	uint32_t magic;				/* SCHED_RQ_MAGIC; checked on entry in debug builds */
	struct spinlock lock;
	uint32_t runnable_map;			/* bit p: list p holds at least one entity */
	uint32_t marker_map;			/* bit p: list p's marker is at its head */
	unsigned nr_runnable;			/* entities in the lists; read unlocked (atomic) */
	struct sched_entity *idle;		/* picked when no list holds an entity */
	struct sched_list list[SCHED_PRIO_MAX + 1];	/* priority 31 is idle, not a list */
#ifdef CONFIG_DEBUG
	unsigned long lists_touched;		/* lists whose ring pick has touched: the cost test */
#endif
};

/* A DETACHED entity of priority prio (0..SCHED_PRIO_MAX). */
void sched_entity_init(struct sched_entity *e, unsigned prio);
/* An empty queue whose idle entity is idle (which gets prio SCHED_PRIO_IDLE and stays out of
 * every other call). No lock: nobody else can see rq yet. */
void sched_rq_init(struct sched_rq *rq, struct sched_entity *idle, const char *name);

/* The rest need rq->lock held with interrupts off. */

/* DETACHED -> RUNNABLE at prio, at the tail of its list (at its head if the list was empty). */
void sched_rq_add(struct sched_rq *rq, struct sched_entity *e, unsigned prio);
/* RUNNABLE or BLOCKED -> DETACHED (exit, or migration to another queue). */
void sched_rq_remove(struct sched_rq *rq, struct sched_entity *e);
/* RUNNABLE -> BLOCKED: leaves its list, so pick costs nothing for it. */
void sched_rq_block(struct sched_rq *rq, struct sched_entity *e);
/* BLOCKED -> RUNNABLE, placed as sched_rq_add places it. */
void sched_rq_wake(struct sched_rq *rq, struct sched_entity *e);
/* A RUNNABLE entity whose priority changes leaves its list and joins the new one as by
 * sched_rq_add; a BLOCKED one takes prio on waking. The same priority changes nothing. */
void sched_rq_set_prio(struct sched_rq *rq, struct sched_entity *e, unsigned prio);
/* The next entity to run (it stays RUNNABLE, rotated to its list's tail), or rq->idle. O(1). */
struct sched_entity *sched_rq_pick(struct sched_rq *rq);

/* The first RUNNABLE entity, by priority then list order, for which pred holds; at most limit
 * entities are looked at. NULL if none. O(entities looked at): for load balancing. */
struct sched_entity *sched_rq_find(struct sched_rq *rq, unsigned limit,
				   bool (*pred)(struct sched_entity *e, void *ctx), void *ctx);

/* RUNNABLE entities on rq, idle not counted. Needs no lock: a snapshot, for load balancing. */
unsigned sched_rq_nr_runnable(struct sched_rq *rq);

/* Cheap consistency check (magic, lock, bitmaps), done on entry to every call in debug builds. */
void sched_rq_check(struct sched_rq *rq);
/* Full walk of every list against the bitmaps and the count; panics on the first inconsistency.
 * O(entities): for tests and debugging, not called by the queue itself. */
void sched_rq_verify(struct sched_rq *rq);

#endif
