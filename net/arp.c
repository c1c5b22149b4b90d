/* arp.c -- ARP for IPv4 over Ethernet (RFC 826): a fixed cache of NET_ARP_ENTRIES with expiry,
 * requests retried NET_ARP_TRIES times a NET_ARP_RETRY_US apart, at most NET_ARP_QUEUE frames
 * queued per address while it resolves, and a gratuitous ARP when an address is configured.
 * Invariant A1 (net_impl.h): only PENDING entries have a queue. */
#include "net_impl.h"

#define ARP_LEN		28
#define ARP_REQUEST	1
#define ARP_REPLY	2

static void arp_send(struct net_stack *st, uint16_t op, const uint8_t *dst_mac,
		     const uint8_t *tha, net_ip tpa, net_ip spa)
{
	uint8_t *a = st->tx + ETH_HLEN;

	net_wr16(a, 1);			/* Ethernet */
	net_wr16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	net_wr16(a + 6, op);
	memcpy(a + 8, st->mac, 6);
	net_wr32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	net_wr32(a + 24, tpa);
	net_eth_send(st, dst_mac, ETH_P_ARP, ARP_LEN);
}

static const uint8_t zero_mac[6];

static void arp_request(struct net_stack *st, net_ip ip)
{
	st->stats.arp_request_tx++;
	arp_send(st, ARP_REQUEST, net_eth_broadcast, zero_mac, ip, st->cfg.addr);
}

void net_arp_announce(struct net_stack *st)
{
	st->stats.arp_gratuitous_tx++;
	arp_send(st, ARP_REQUEST, net_eth_broadcast, zero_mac, st->cfg.addr, st->cfg.addr);
}

static struct net_arp_entry *arp_find(struct net_stack *st, net_ip ip)
{
	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++)
		if (st->arp[i].state != ARP_FREE && st->arp[i].ip == ip)
			return &st->arp[i];
	return NULL;
}

static void arp_release(struct net_stack *st, struct net_arp_entry *e)
{
	net_pktq_free(st, &e->q);
	e->state = ARP_FREE;
}

/* A free entry, else the least recently used one (its queued frames dropped). */
static struct net_arp_entry *arp_new(struct net_stack *st, net_ip ip, uint64_t now)
{
	struct net_arp_entry *e = NULL;

	for (unsigned i = 0; i < NET_ARP_ENTRIES && !e; i++)
		if (st->arp[i].state == ARP_FREE)
			e = &st->arp[i];
	if (!e) {
		e = &st->arp[0];
		for (unsigned i = 1; i < NET_ARP_ENTRIES; i++)
			if (st->arp[i].used < e->used)
				e = &st->arp[i];
		st->stats.arp_evicted++;
		st->stats.arp_unresolved += e->q.n;
		arp_release(st, e);
	}
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->used = now;
	return e;
}

/* Resolved: send what waited, filling in the destination MAC. */
static void arp_resolved(struct net_stack *st, struct net_arp_entry *e, const uint8_t *mac,
			 uint64_t now)
{
	struct net_pkt *p;

	if (e->state != ARP_RESOLVED)
		st->stats.arp_resolved++;
	memcpy(e->mac, mac, 6);
	e->state = ARP_RESOLVED;
	e->expires = now + NET_ARP_TTL_US;
	while ((p = net_pktq_get(&e->q))) {
		memcpy(p->data, mac, 6);
		net_eth_send_raw(st, p->data, p->len);
		net_pkt_free(st, p);
	}
}

void net_arp_input(struct net_stack *st, const uint8_t *a, size_t len, uint64_t now)
{
	struct net_arp_entry *e;
	uint16_t op;
	net_ip spa, tpa;
	const uint8_t *sha;

	st->stats.arp_rx++;
	if (len < ARP_LEN || net_rd16(a) != 1 || net_rd16(a + 2) != ETH_P_IP || a[4] != 6 ||
	    a[5] != 4) {
		st->stats.arp_bad++;
		return;
	}
	op = net_rd16(a + 6);
	sha = a + 8;
	spa = net_rd32(a + 14);
	tpa = net_rd32(a + 24);
	if (op != ARP_REQUEST && op != ARP_REPLY) {
		st->stats.arp_bad++;
		return;
	}
	if (sha[0] & 1) {		/* a multicast sender hardware address is a lie */
		st->stats.arp_bad++;
		return;
	}
	if (st->cfg.source != NET_CFG_NONE && spa == st->cfg.addr) {
		if (memcmp(sha, st->mac, 6) != 0)
			st->stats.arp_conflict++;
		return;
	}
	if (spa == 0)			/* a probe (RFC 5227): nothing to learn */
		goto answer;
	/* RFC 826's merge: update a known sender; learn it if the packet is for us */
	e = arp_find(st, spa);
	if (e)
		arp_resolved(st, e, sha, now);
	else if (st->cfg.source != NET_CFG_NONE && tpa == st->cfg.addr)
		arp_resolved(st, arp_new(st, spa, now), sha, now);
answer:
	if (op == ARP_REQUEST && st->cfg.source != NET_CFG_NONE && tpa == st->cfg.addr) {
		st->stats.arp_reply_tx++;
		arp_send(st, ARP_REPLY, sha, sha, spa, st->cfg.addr);
	}
}

int net_arp_output(struct net_stack *st, net_ip ip, size_t len, uint64_t now)
{
	struct net_arp_entry *e = arp_find(st, ip);
	struct net_pkt *p;

	if (e && e->state == ARP_RESOLVED && now < e->expires) {
		e->used = now;
		net_eth_send(st, e->mac, ETH_P_IP, len);
		return NET_OK;
	}
	if (e && e->state == ARP_RESOLVED) {	/* expired: resolve again, starting now */
		e->state = ARP_PENDING;
		e->tries = 0;
	}
	if (!e) {
		e = arp_new(st, ip, now);
		e->state = ARP_PENDING;
	}
	e->used = now;
	if (e->q.n >= NET_ARP_QUEUE) {
		st->stats.arp_queue_full++;
		p = NULL;
	} else if ((p = net_pkt_alloc(st)) != NULL) {
		memcpy(p->data + 6, st->mac, 6);
		net_wr16(p->data + 12, ETH_P_IP);
		memcpy(p->data + ETH_HLEN, st->tx + ETH_HLEN, len);
		p->len = (uint16_t)(ETH_HLEN + len);
		p->addr = ip;
		net_pktq_put(&e->q, p);
	}
	if (e->tries == 0) {
		e->tries = 1;
		e->expires = now + NET_ARP_RETRY_US;
		arp_request(st, ip);
	}
	return p ? NET_OK : NET_ENOMEM;
}

uint64_t net_arp_poll(struct net_stack *st, uint64_t now)
{
	uint64_t next = NET_NEVER;

	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++) {
		struct net_arp_entry *e = &st->arp[i];

		if (e->state == ARP_FREE)
			continue;
		if (e->state == ARP_RESOLVED && now >= e->expires) {
			arp_release(st, e);	/* the next send resolves it again */
			continue;
		}
		if (e->state == ARP_PENDING && now >= e->expires) {
			if (e->tries >= NET_ARP_TRIES) {
				st->stats.arp_unresolved += e->q.n;
				arp_release(st, e);
				continue;
			}
			e->tries++;
			e->expires = now + NET_ARP_RETRY_US;
			arp_request(st, e->ip);
		}
		if (e->expires < next)
			next = e->expires;
	}
	return next;
}

void net_arp_flush(struct net_stack *st)
{
	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++)
		if (st->arp[i].state != ARP_FREE)
			arp_release(st, &st->arp[i]);
}
