/* ip.c -- IPv4 (RFC 791/1122) for one interface: header validation (version, lengths, checksum),
 * options skipped, fragments dropped and counted (no reassembly: the peers we serve send
 * whole packets of at most 1500 bytes), and the send path with next-hop choice (on-link
 * directly, else the gateway; limited broadcast to the broadcast MAC). */
#include "net_impl.h"

bool net_ip_is_local(const struct net_stack *st, net_ip a)
{
	return st->cfg.source != NET_CFG_NONE && a == st->cfg.addr;
}

static bool ip_is_broadcast(const struct net_stack *st, net_ip a)
{
	if (a == 0xffffffffu)
		return true;
	return st->cfg.source != NET_CFG_NONE && st->cfg.mask && st->cfg.mask != 0xffffffffu &&
	       a == (st->cfg.addr | ~st->cfg.mask);
}

void net_ip_input(struct net_stack *st, const uint8_t *p, size_t len, uint64_t now)
{
	size_t hlen, tlen;
	net_ip src, dst;
	uint16_t frag;

	st->stats.ip_rx++;
	if (len < IP_HLEN || (p[0] >> 4) != 4) {
		st->stats.ip_bad_header++;
		return;
	}
	hlen = (size_t)(p[0] & 15) * 4;
	tlen = net_rd16(p + 2);
	if (hlen < IP_HLEN || hlen > len || tlen < hlen || tlen > len) {
		st->stats.ip_bad_header++;
		return;
	}
	if (net_csum(p, hlen) != 0) {
		st->stats.ip_bad_csum++;
		return;
	}
	frag = net_rd16(p + 6);
	if (frag & 0x3fff) {			/* MF set or a non-zero offset */
		st->stats.ip_fragment++;
		return;
	}
	src = net_rd32(p + 12);
	dst = net_rd32(p + 16);
	if (src == 0xffffffffu || (src >> 28) == 0xe || ip_is_broadcast(st, src) ||
	    net_ip_is_local(st, src)) {
		st->stats.ip_bad_src++;
		return;
	}
	/* unconfigured, DHCP's answer may come to the offered address before we own it */
	if (!net_ip_is_local(st, dst) && !ip_is_broadcast(st, dst) &&
	    !(st->cfg.source == NET_CFG_NONE && p[9] == IP_PROTO_UDP)) {
		st->stats.ip_not_for_us++;
		return;
	}
	if (hlen > IP_HLEN)
		st->stats.ip_options++;
	/* the frame may be padded past the packet: only tlen bytes are the packet */
	switch (p[9]) {
	case IP_PROTO_ICMP:
		net_icmp_input(st, src, dst, p + hlen, tlen - hlen, now);
		break;
	case IP_PROTO_UDP:
		net_udp_input(st, src, dst, p + hlen, tlen - hlen, now);
		break;
	case IP_PROTO_TCP:
		if (ip_is_broadcast(st, dst) || st->cfg.source == NET_CFG_NONE)
			st->stats.ip_not_for_us++;
		else
			net_tcp_input(st, src, dst, p + hlen, tlen - hlen, now);
		break;
	default:
		st->stats.ip_unknown_proto++;
	}
}

int net_ip_output(struct net_stack *st, net_ip src, net_ip dst, uint8_t proto, size_t payload_len,
		  uint64_t now)
{
	uint8_t *h = st->tx + ETH_HLEN;
	net_ip hop;

	if (payload_len + IP_HLEN > NET_MTU)
		return NET_EMSGSIZE;
	h[0] = 0x45;
	h[1] = 0;
	net_wr16(h + 2, (uint16_t)(IP_HLEN + payload_len));
	net_wr16(h + 4, (uint16_t)net_random(st));
	net_wr16(h + 6, 0x4000);		/* DF: we never fragment */
	h[8] = NET_IP_TTL;
	h[9] = proto;
	net_wr16(h + 10, 0);
	net_wr32(h + 12, src);
	net_wr32(h + 16, dst);
	net_wr16(h + 10, net_csum(h, IP_HLEN));
	st->stats.ip_tx++;
	if (ip_is_broadcast(st, dst)) {
		net_eth_send(st, net_eth_broadcast, ETH_P_IP, IP_HLEN + payload_len);
		return NET_OK;
	}
	if (st->cfg.source == NET_CFG_NONE) {
		st->stats.ip_no_route++;
		return NET_EHOSTUNREACH;
	}
	hop = dst;
	if ((dst & st->cfg.mask) != (st->cfg.addr & st->cfg.mask) && st->cfg.gateway)
		hop = st->cfg.gateway;
	return net_arp_output(st, hop, IP_HLEN + payload_len, now);
}
