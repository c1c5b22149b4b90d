/* icmp.c -- ICMP echo (RFC 792): requests to us are answered with the same identifier, sequence
 * and data; our own requests go out from NET_PING_SLOTS slots whose replies, matched by
 * identifier and sequence, give a round-trip time. Other ICMP types are counted and ignored. */
#include "net_impl.h"

#define ICMP_ECHO_REPLY		0
#define ICMP_ECHO_REQUEST	8

void net_icmp_input(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p, size_t len,
		    uint64_t now)
{
	st->stats.icmp_rx++;
	if (len < 8 || net_csum(p, len) != 0) {
		st->stats.icmp_bad++;
		return;
	}
	if (p[0] == ICMP_ECHO_REQUEST && p[1] == 0) {
		uint8_t *r = net_ip_payload(st);

		if (!net_ip_is_local(st, dst)) {	/* no answers to broadcast pings */
			st->stats.icmp_other++;
			return;
		}
		if (len + IP_HLEN > NET_MTU)
			return;		/* cannot happen: the IP layer took at most NET_MTU */
		memcpy(r, p, len);
		r[0] = ICMP_ECHO_REPLY;
		net_wr16(r + 2, 0);
		net_wr16(r + 2, net_csum(r, len));
		st->stats.icmp_echo_answered++;
		net_ip_output(st, dst, src, IP_PROTO_ICMP, len, now);
		return;
	}
	if (p[0] == ICMP_ECHO_REPLY && p[1] == 0 && net_rd16(p + 4) == st->ping_id) {
		uint16_t seq = net_rd16(p + 6);

		for (unsigned i = 0; i < NET_PING_SLOTS; i++) {
			struct net_ping *g = &st->ping[i];

			if (g->state == 1 && g->seq == seq && g->addr == src) {
				g->state = 2;
				g->rtt = (uint32_t)(now - g->sent);
				g->changed = true;
				st->stats.icmp_echo_reply++;
				return;
			}
		}
		st->stats.icmp_unmatched++;
		return;
	}
	st->stats.icmp_other++;
}

int net_ping_send(struct net_stack *st, net_ip addr, size_t len, uint64_t now_us)
{
	uint8_t *r = net_ip_payload(st);
	struct net_ping *g = NULL;
	int token = -1, rc;

	if (len > NET_PING_MAX_DATA)
		return NET_EMSGSIZE;
	if (st->cfg.source == NET_CFG_NONE)
		return NET_EHOSTUNREACH;
	for (unsigned i = 0; i < NET_PING_SLOTS && !g; i++)
		if (st->ping[i].state == 0) {
			g = &st->ping[i];
			token = (int)i;
		}
	if (!g)
		return NET_EBUSY;
	g->state = 1;
	g->changed = false;
	g->addr = addr;
	g->seq = ++st->ping_seq;
	g->sent = now_us;
	r[0] = ICMP_ECHO_REQUEST;
	r[1] = 0;
	net_wr16(r + 2, 0);
	net_wr16(r + 4, st->ping_id);
	net_wr16(r + 6, g->seq);
	for (size_t i = 0; i < len; i++)
		r[8 + i] = (uint8_t)i;
	net_wr16(r + 2, net_csum(r, 8 + len));
	rc = net_ip_output(st, st->cfg.addr, addr, IP_PROTO_ICMP, 8 + len, now_us);
	if (rc < 0 && rc != NET_ENOMEM) {
		g->state = 0;
		return rc;
	}
	return token;
}

int net_ping_result(struct net_stack *st, int token, uint32_t *rtt_us)
{
	struct net_ping *g;

	if (token < 0 || token >= NET_PING_SLOTS || st->ping[token].state == 0)
		return NET_EINVAL;
	g = &st->ping[token];
	if (g->state == 1)
		return 0;
	if (rtt_us)
		*rtt_us = g->rtt;
	g->state = 0;
	g->changed = false;
	return 1;
}

void net_ping_cancel(struct net_stack *st, int token)
{
	if (token >= 0 && token < NET_PING_SLOTS) {
		st->ping[token].state = 0;
		st->ping[token].changed = false;
	}
}
