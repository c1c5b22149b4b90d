/* channel.c -- unbounded FIFO channels (see channel.h): a singly linked list of nodes under the
 * channel's waitq lock. Nodes are allocated and freed outside the lock. FIFO holds overall, so
 * also per sender. */
#include <kernel/kernel.h>

#include "channel.h"

void chan_init(struct chan *c, const char *name, void *(*node_alloc)(size_t size),
	       void (*node_free)(void *p, size_t size))
{
	c->magic = CHAN_MAGIC;
	waitq_init(&c->wq, name);
	c->head = c->tail = NULL;
	c->count = 0;
	c->node_alloc = node_alloc;
	c->node_free = node_free;
}

int chan_send(struct chan *c, uintptr_t v)
{
	struct chan_node *n;
	arch_irqflags_t f;

	kassert(c->magic == CHAN_MAGIC);
	n = c->node_alloc(sizeof(*n));
	if (!n)
		return -1;
	n->next = NULL;
	n->value = v;
	f = spin_lock_irqsave(&c->wq.lock);
	if (c->tail)
		c->tail->next = n;
	else
		c->head = n;
	c->tail = n;
	c->count++;
	waitq_wake_one_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, f);
	return 0;
}

/* Caller holds c->wq.lock and c is not empty. */
static struct chan_node *dequeue(struct chan *c)
{
	struct chan_node *n = c->head;

	c->head = n->next;
	if (!c->head)
		c->tail = NULL;
	c->count--;
	return n;
}

uintptr_t chan_recv(struct chan *c)
{
	struct chan_node *n;
	arch_irqflags_t f;
	uintptr_t v;

	kassert(c->magic == CHAN_MAGIC);
	f = spin_lock_irqsave(&c->wq.lock);
	while (!c->head)
		waitq_sleep_locked(&c->wq);
	n = dequeue(c);
	/* a send wakes one receiver per value; if another value is waiting, pass the turn on */
	if (c->head)
		waitq_wake_one_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, f);
	v = n->value;
	c->node_free(n, sizeof(*n));
	return v;
}

int chan_try_recv(struct chan *c, uintptr_t *v)
{
	struct chan_node *n = NULL;
	arch_irqflags_t f;

	kassert(c->magic == CHAN_MAGIC);
	f = spin_lock_irqsave(&c->wq.lock);
	if (c->head)
		n = dequeue(c);
	spin_unlock_irqrestore(&c->wq.lock, f);
	if (!n)
		return 0;
	*v = n->value;
	c->node_free(n, sizeof(*n));
	return 1;
}

void chan_destroy(struct chan *c)
{
	kassert(c->magic == CHAN_MAGIC);
	kassert(!c->wq.head);
	while (c->head)
		c->node_free(dequeue(c), sizeof(struct chan_node));
	c->magic = 0;
}
