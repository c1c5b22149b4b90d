/* runq.c -- the per-CPU run-queue policy: which entity runs next. Owns the lists, the two bitmaps
 * and the runnable count of a struct sched_rq; every call is O(1) (verify excepted).
 * No context switching here: the caller switches to what sched_rq_pick returns. */
#include <kernel/kernel.h>

#include "runq.h"

/*
 * Semantics, defined as a walk over explicit lists; the code below does the same in O(1).
 *
 * List p (0..30) is a rotating list of its RUNNABLE entities plus one marker S. Blocked entities
 * are not in any list. A decision walks p = 0, 1, ..., 30: it takes the head of list p and moves
 * it to the tail; if that was an entity, the entity is picked; if it was S, the walk moves on to
 * list p + 1 (a list holding only S is passed that way at once). So each list keeps n/(n+1) of
 * the decisions that reach it (n entities, round robin) and hands 1/(n+1) down.
 *
 * Two cases the bare walk leaves open, decided here:
 * 1. The walk passes every marker although some entity is runnable (each non-empty list had S
 *    at its head: e.g. a list's only entity was picked last time, which leaves [S, A]). The walk
 *    starts over at list 0, where the head of the first non-empty list is now an entity (its S
 *    just went to the tail), and picks that. So idle runs only when nothing else is runnable,
 *    and a run of picks is exactly the bare walk's with each idle pick made while something was
 *    runnable deleted: the priorities keep the bare walk's shares among themselves. (List 31,
 *    holding only idle, is reached only when no list holds an entity.)
 * 2. Adding to a list that holds only S gives [A, S], not [S, A]: a thread that wakes at an
 *    otherwise empty priority runs at the next decision that reaches its list, rather than
 *    first handing a turn down. Later adds go to the tail, wherever the marker is: [A, S] + B
 *    is [A, S, B]. So an emptied list forgets where its marker was; a list that keeps entities
 *    keeps its rotation.
 * Removing, blocking and priority changes unlink the entity and leave the rest of the order.
 *
 * O(1): bit p of runnable_map says list p holds an entity, bit p of marker_map that its S is at
 * the head. The walk passes exactly the lists in runnable_map & marker_map before the first list
 * q in runnable_map & ~marker_map, and picks q's head; if there is no such q, it passes them all
 * and (case 1) picks the head of the first non-empty list. Passing a marker moves it from head to
 * tail, which in this representation is only clearing its bit: so a decision is one bit scan,
 * a few mask operations and one step of one ring, whatever the number of lists and entities.
 */

static void check_entity(struct sched_rq *rq, struct sched_entity *e, enum sched_state state)
{
	kassert(e != rq->idle);
	kassert(e->state == state);
	kassert(state == SCHED_DETACHED ? e->rq == NULL : e->rq == rq);
}

static void set_nr_runnable(struct sched_rq *rq, unsigned n)
{
	arch_atomic_store_relaxed(&rq->nr_runnable, n);
}

/* Put e at the tail of list prio, which is where the walk will reach it last. */
static void enlist(struct sched_rq *rq, struct sched_entity *e)
{
	struct sched_list *l = &rq->list[e->prio];
	uint32_t bit = 1u << e->prio;

	if (!l->head) {
		/* case 2: [e, S]; the marker is at the tail, its bit clear */
		e->next = e->prev = e;
		l->head = l->marker_after = e;
		rq->runnable_map |= bit;
		rq->marker_map &= ~bit;
	} else {
		/* the tail is the ring slot just before head (after S when S is the tail) */
		e->next = l->head;
		e->prev = l->head->prev;
		e->prev->next = e;
		l->head->prev = e;
		if (rq->marker_map & bit)
			l->marker_after = e;	/* [S, head, ..., e]: S still follows the tail */
	}
	e->state = SCHED_RUNNABLE;
	set_nr_runnable(rq, rq->nr_runnable + 1);
}

/* Take e out of its list, keeping the order of the rest, the marker included. */
static void delist(struct sched_rq *rq, struct sched_entity *e)
{
	struct sched_list *l = &rq->list[e->prio];
	uint32_t bit = 1u << e->prio;

	if (e->next == e) {
		l->head = l->marker_after = NULL;
		rq->runnable_map &= ~bit;
		rq->marker_map &= ~bit;
	} else {
		int was_head = l->head == e;

		e->prev->next = e->next;
		e->next->prev = e->prev;
		if (was_head)
			l->head = e->next;
		if (l->marker_after == e) {
			l->marker_after = e->prev;
			/* [e, S, ...] loses e: S becomes the head */
			if (was_head)
				rq->marker_map |= bit;
		}
	}
	e->next = e->prev = NULL;
	set_nr_runnable(rq, rq->nr_runnable - 1);
}

void sched_entity_init(struct sched_entity *e, unsigned prio)
{
	kassert(prio <= SCHED_PRIO_MAX);
	e->next = e->prev = NULL;
	e->rq = NULL;
	e->prio = (uint8_t)prio;
	e->state = SCHED_DETACHED;
}

void sched_rq_init(struct sched_rq *rq, struct sched_entity *idle, const char *name)
{
	memset(rq, 0, sizeof(*rq));
	rq->magic = SCHED_RQ_MAGIC;
	spin_init(&rq->lock, name);
	idle->next = idle->prev = NULL;
	idle->rq = rq;
	idle->prio = SCHED_PRIO_IDLE;
	idle->state = SCHED_RUNNABLE;
	rq->idle = idle;
}

void sched_rq_check(struct sched_rq *rq)
{
	kassert(rq->magic == SCHED_RQ_MAGIC);
	kassert(spin_is_locked(&rq->lock));
	kassert(!arch_irqs_enabled());
	kassert((rq->marker_map & ~rq->runnable_map) == 0);
	kassert((rq->runnable_map >> SCHED_PRIO_IDLE) == 0);
	kassert((rq->runnable_map == 0) == (rq->nr_runnable == 0));
}

#ifdef CONFIG_DEBUG
#define CHECK(rq)	sched_rq_check(rq)
#else
#define CHECK(rq)	do { } while (0)
#endif

void sched_rq_add(struct sched_rq *rq, struct sched_entity *e, unsigned prio)
{
	CHECK(rq);
	check_entity(rq, e, SCHED_DETACHED);
	kassert(prio <= SCHED_PRIO_MAX);
	e->rq = rq;
	e->prio = (uint8_t)prio;
	enlist(rq, e);
}

void sched_rq_remove(struct sched_rq *rq, struct sched_entity *e)
{
	CHECK(rq);
	kassert(e != rq->idle && e->rq == rq);
	if (e->state == SCHED_RUNNABLE)
		delist(rq, e);
	else
		kassert(e->state == SCHED_BLOCKED);
	e->rq = NULL;
	e->state = SCHED_DETACHED;
}

void sched_rq_block(struct sched_rq *rq, struct sched_entity *e)
{
	CHECK(rq);
	check_entity(rq, e, SCHED_RUNNABLE);
	delist(rq, e);
	e->state = SCHED_BLOCKED;
}

void sched_rq_wake(struct sched_rq *rq, struct sched_entity *e)
{
	CHECK(rq);
	check_entity(rq, e, SCHED_BLOCKED);
	enlist(rq, e);
}

void sched_rq_set_prio(struct sched_rq *rq, struct sched_entity *e, unsigned prio)
{
	CHECK(rq);
	kassert(e != rq->idle && e->rq == rq);
	kassert(prio <= SCHED_PRIO_MAX);
	if (prio == e->prio)
		return;
	if (e->state == SCHED_RUNNABLE) {
		delist(rq, e);
		e->prio = (uint8_t)prio;
		enlist(rq, e);
	} else {
		kassert(e->state == SCHED_BLOCKED);
		e->prio = (uint8_t)prio;
	}
}

struct sched_entity *sched_rq_pick(struct sched_rq *rq)
{
	uint32_t unmarked, passed;
	unsigned q;
	struct sched_list *l;
	struct sched_entity *e;

	CHECK(rq);
	if (!rq->runnable_map)
		return rq->idle;
	unmarked = rq->runnable_map & ~rq->marker_map;
	if (unmarked) {
		q = (unsigned)__builtin_ctz(unmarked);
		passed = (1u << q) - 1;		/* every non-empty list above q has S at its head */
	} else {
		q = (unsigned)__builtin_ctz(rq->runnable_map);
		passed = rq->marker_map;	/* case 1: all passed, then q's head is an entity */
	}
	rq->marker_map &= ~passed;
	l = &rq->list[q];
	e = l->head;
	l->head = e->next;		/* e goes to the tail: the ring turns by one */
	if (e == l->marker_after)
		rq->marker_map |= 1u << q;	/* S came next after e: it is now the head */
#ifdef CONFIG_DEBUG
	rq->lists_touched++;
#endif
	return e;
}

unsigned sched_rq_nr_runnable(struct sched_rq *rq)
{
	return arch_atomic_load_relaxed(&rq->nr_runnable);
}

void sched_rq_verify(struct sched_rq *rq)
{
	unsigned total = 0;

	sched_rq_check(rq);
	kassert(rq->idle && rq->idle->rq == rq && rq->idle->prio == SCHED_PRIO_IDLE);
	for (unsigned p = 0; p <= SCHED_PRIO_MAX; p++) {
		struct sched_list *l = &rq->list[p];
		uint32_t bit = 1u << p;
		struct sched_entity *e = l->head;
		int marker_seen = 0;

		if (!e) {
			kassert(!l->marker_after && !(rq->runnable_map & bit));
			continue;
		}
		kassert(rq->runnable_map & bit);
		do {
			kassert(e->rq == rq && e->state == SCHED_RUNNABLE && e->prio == p);
			kassert(e->next->prev == e && e->prev->next == e);
			marker_seen |= e == l->marker_after;
			total++;
			kassert(total <= rq->nr_runnable);	/* also stops a ring that never closes */
			e = e->next;
		} while (e != l->head);
		kassert(marker_seen);
		/* a marker at the head sits just before it */
		kassert(!(rq->marker_map & bit) || l->marker_after->next == l->head);
	}
	kassert(total == rq->nr_runnable);
}

struct sched_entity *sched_rq_find(struct sched_rq *rq, unsigned limit,
				   bool (*pred)(struct sched_entity *e, void *ctx), void *ctx)
{
	uint32_t map = rq->runnable_map;

	sched_rq_check(rq);
	while (map && limit) {
		struct sched_list *l = &rq->list[__builtin_ctz(map)];
		struct sched_entity *e = l->head;

		do {
			if (pred(e, ctx))
				return e;
			e = e->next;
		} while (e != l->head && --limit);
		map &= map - 1;
	}
	return NULL;
}
