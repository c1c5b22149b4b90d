/* buf.c -- the stack's two fixed pools, carved once from the caller's region: packet buffers
 * (one frame each; free list, FIFO queues) and TCP buffer blocks (a send ring and a receive ring
 * per connection). Invariants P1 and B1 (net_impl.h): a buffer is in exactly one place. */
#include "net_impl.h"

void net_buf_init(struct net_stack *st, void *mem, size_t nblocks)
{
	uint8_t *p = mem;

	st->pkts = (struct net_pkt *)p;
	st->pkt_free = NULL;
	for (unsigned i = NET_PKT_BUFS; i-- > 0;) {
		st->pkts[i].next = st->pkt_free;
		st->pkt_free = &st->pkts[i];
	}
	st->npkt_free = NET_PKT_BUFS;
	p += NET_PKT_BUFS * sizeof(struct net_pkt);
	st->blocks = p;
	st->nblocks = (unsigned)nblocks;
	st->block_free = NULL;
	st->nblock_free = 0;
	for (size_t i = nblocks; i-- > 0;)
		net_block_free(st, p + i * (NET_TCP_SNDBUF + NET_TCP_RCVBUF));
}

struct net_pkt *net_pkt_alloc(struct net_stack *st)
{
	struct net_pkt *p = st->pkt_free;

	if (!p) {
		st->stats.buf_exhausted++;
		return NULL;
	}
	st->pkt_free = p->next;
	st->npkt_free--;
	p->next = NULL;
	p->len = 0;
	return p;
}

void net_pkt_free(struct net_stack *st, struct net_pkt *p)
{
	p->next = st->pkt_free;
	st->pkt_free = p;
	st->npkt_free++;
}

void net_pktq_put(struct net_pktq *q, struct net_pkt *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->n++;
}

struct net_pkt *net_pktq_get(struct net_pktq *q)
{
	struct net_pkt *p = q->head;

	if (p) {
		q->head = p->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		p->next = NULL;
	}
	return p;
}

void net_pktq_free(struct net_stack *st, struct net_pktq *q)
{
	struct net_pkt *p;

	while ((p = net_pktq_get(q)))
		net_pkt_free(st, p);
}

uint8_t *net_block_alloc(struct net_stack *st)
{
	uint8_t *b = st->block_free;

	if (!b)
		return NULL;
	memcpy(&st->block_free, b, sizeof(b));
	st->nblock_free--;
	return b;
}

void net_block_free(struct net_stack *st, uint8_t *b)
{
	memcpy(b, &st->block_free, sizeof(b));
	st->block_free = b;
	st->nblock_free++;
}

/* xorshift32: not for secrets; ports, xids and ping ids only need to differ */
uint32_t net_random(struct net_stack *st)
{
	uint32_t x = st->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	st->rng = x;
	return x;
}
