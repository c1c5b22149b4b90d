/* eth.c -- Ethernet II framing: the receive demultiplexer (net_input) and the send path every
 * protocol ends in. Frames carry no FCS (the NIC strips and adds it); 802.3 length frames and
 * VLAN tags are not ours and are counted as unknown types. */
#include "net_impl.h"

const uint8_t net_eth_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void net_input(struct net_stack *st, const void *frame, size_t len, uint64_t now_us)
{
	const uint8_t *f = frame;
	uint16_t type;

	st->stats.eth_rx++;
	if (len < ETH_HLEN) {
		st->stats.eth_short++;
		return;
	}
	if (memcmp(f, st->mac, 6) != 0 && memcmp(f, net_eth_broadcast, 6) != 0) {
		st->stats.eth_not_for_us++;	/* multicast too: we join no group */
		return;
	}
	type = net_rd16(f + 12);
	if (type == ETH_P_IP)
		net_ip_input(st, f + ETH_HLEN, len - ETH_HLEN, now_us);
	else if (type == ETH_P_ARP)
		net_arp_input(st, f + ETH_HLEN, len - ETH_HLEN, now_us);
	else
		st->stats.eth_unknown_type++;
}

void net_eth_send_raw(struct net_stack *st, uint8_t *frame, size_t len)
{
	size_t n = len;

	st->stats.eth_tx++;
	if (n < 60) {			/* pad to the minimum; the padding bytes are zero */
		memset(frame + n, 0, 60 - n);
		n = 60;
	}
	st->send_frame(st->ctx, frame, n);
}

void net_eth_send(struct net_stack *st, const uint8_t *dst, uint16_t type, size_t payload_len)
{
	memcpy(st->tx, dst, 6);
	memcpy(st->tx + 6, st->mac, 6);
	net_wr16(st->tx + 12, type);
	net_eth_send_raw(st, st->tx, ETH_HLEN + payload_len);
}
