/* channel.h -- unbounded FIFO channels between threads on any CPUs. Send never blocks (a node
 * from the channel's node allocator per value); receive sleeps on the channel's waitq and the
 * receiver is woken on its own CPU. Values are uintptr_t for now. */
#ifndef SCHED_CHANNEL_H
#define SCHED_CHANNEL_H

#include "thread.h"

#define CHAN_MAGIC	0x4348414eu	/* "CHAN" */

struct chan_node {
	struct chan_node *next;
	uintptr_t value;
};

/* wq.lock guards head, tail and count. */
struct chan {
	uint32_t magic;
	struct waitq wq;		/* receivers waiting for a value */
	struct chan_node *head, *tail;
	unsigned long count;		/* values queued */
	/* Node memory: thread-safe, callable with interrupts on from any thread. */
	void *(*node_alloc)(size_t size);
	void (*node_free)(void *p, size_t size);
};

void chan_init(struct chan *c, const char *name, void *(*node_alloc)(size_t size),
	       void (*node_free)(void *p, size_t size));
/* Queue v; never blocks. 0, or -1 if no node could be had (nothing queued). */
int chan_send(struct chan *c, uintptr_t v);
/* The oldest value, sleeping until there is one. */
uintptr_t chan_recv(struct chan *c);
/* The oldest value into *v and 1, or 0 at once if the channel is empty. */
int chan_try_recv(struct chan *c, uintptr_t *v);
/* Free queued nodes. Nobody may be inside a call on c, or make one later. */
void chan_destroy(struct chan *c);

#endif
