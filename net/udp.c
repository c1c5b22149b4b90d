/* udp.c -- UDP (RFC 768): NET_UDP_SOCKETS sockets bound to ports, each with a receive queue of
 * at most NET_UDP_RXQ datagrams held in packet buffers. Port 68 is the DHCP client's while it
 * runs. Datagrams to a closed port are counted (no ICMP port unreachable is sent). */
#include "net_impl.h"

#define DHCP_CLIENT_PORT	68

static struct net_udp *udp_find(struct net_stack *st, uint16_t port)
{
	for (unsigned i = 0; i < NET_UDP_SOCKETS; i++)
		if (st->udp[i].in_use && st->udp[i].port == port)
			return &st->udp[i];
	return NULL;
}

void net_udp_input(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p, size_t len,
		   uint64_t now)
{
	size_t ulen;
	uint16_t sum;
	struct net_udp *u;
	struct net_pkt *b;

	st->stats.udp_rx++;
	if (len < UDP_HLEN || (ulen = net_rd16(p + 4)) < UDP_HLEN || ulen > len) {
		st->stats.udp_bad++;
		return;
	}
	sum = net_rd16(p + 6);
	if (sum != 0 &&		/* zero: the sender computed none */
	    net_csum_fold(net_csum_add(net_csum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)ulen), p,
				       ulen)) != 0) {
		st->stats.udp_bad_csum++;
		return;
	}
	if (net_rd16(p + 2) == DHCP_CLIENT_PORT && st->dhcp.state != DHCP_OFF) {
		net_dhcp_input(st, p + UDP_HLEN, ulen - UDP_HLEN, now);
		return;
	}
	if (st->cfg.source == NET_CFG_NONE || !(u = udp_find(st, net_rd16(p + 2)))) {
		st->stats.udp_no_socket++;
		return;
	}
	if (u->rxq.n >= NET_UDP_RXQ) {
		st->stats.udp_rxq_full++;
		return;
	}
	if (!(b = net_pkt_alloc(st)))
		return;
	b->len = (uint16_t)(ulen - UDP_HLEN);
	b->addr = src;
	b->port = net_rd16(p);
	memcpy(b->data, p + UDP_HLEN, b->len);
	net_pktq_put(&u->rxq, b);
	u->changed = true;
}

struct net_udp *net_udp_open(struct net_stack *st, uint16_t port, int *err)
{
	struct net_udp *u = NULL;

	if (port == 0) {
		for (unsigned n = 0; n < 1024 && !port; n++) {
			uint16_t p = (uint16_t)(NET_TCP_EPHEMERAL_LO +
				net_random(st) % (NET_TCP_EPHEMERAL_HI - NET_TCP_EPHEMERAL_LO + 1));
			if (!udp_find(st, p))
				port = p;
		}
	} else if (udp_find(st, port) || port == DHCP_CLIENT_PORT) {
		*err = NET_EADDRINUSE;
		return NULL;
	}
	for (unsigned i = 0; i < NET_UDP_SOCKETS && !u; i++)
		if (!st->udp[i].in_use)
			u = &st->udp[i];
	if (!u || !port) {
		*err = NET_ENOMEM;
		return NULL;
	}
	memset(u, 0, sizeof(*u));
	u->st = st;
	u->in_use = true;
	u->port = port;
	*err = NET_OK;
	return u;
}

int net_udp_send(struct net_udp *u, net_ip addr, uint16_t port, const void *buf, size_t len,
		 uint64_t now_us)
{
	struct net_stack *st = u->st;
	uint8_t *p = net_ip_payload(st);
	uint16_t sum;
	int rc;

	if (len > NET_MTU - IP_HLEN - UDP_HLEN)
		return NET_EMSGSIZE;
	if (port == 0)
		return NET_EINVAL;
	if (st->cfg.source == NET_CFG_NONE)
		return NET_EHOSTUNREACH;
	net_wr16(p, u->port);
	net_wr16(p + 2, port);
	net_wr16(p + 4, (uint16_t)(UDP_HLEN + len));
	net_wr16(p + 6, 0);
	memcpy(p + UDP_HLEN, buf, len);
	sum = net_csum_fold(net_csum_add(net_csum_pseudo(st->cfg.addr, addr, IP_PROTO_UDP,
							 (uint16_t)(UDP_HLEN + len)),
					 p, UDP_HLEN + len));
	net_wr16(p + 6, sum ? sum : 0xffff);
	st->stats.udp_tx++;
	rc = net_ip_output(st, st->cfg.addr, addr, IP_PROTO_UDP, UDP_HLEN + len, now_us);
	return rc == NET_ENOMEM ? NET_OK : rc;	/* dropped behind ARP: as lost on the wire */
}

int net_udp_recv(struct net_udp *u, void *buf, size_t len, net_ip *addr, uint16_t *port)
{
	struct net_pkt *b = net_pktq_get(&u->rxq);
	int n;

	if (!b)
		return NET_EAGAIN;
	memcpy(buf, b->data, len < b->len ? len : b->len);
	if (addr)
		*addr = b->addr;
	if (port)
		*port = b->port;
	n = b->len;
	net_pkt_free(u->st, b);
	return n;
}

void net_udp_close(struct net_udp *u)
{
	net_pktq_free(u->st, &u->rxq);
	u->in_use = false;
	u->changed = false;
}

void net_udp_set_user(struct net_udp *u, void *user) { u->user = user; }
uint16_t net_udp_local_port(const struct net_udp *u) { return u->port; }
