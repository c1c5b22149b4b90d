/* dhcp.c -- the DHCP client (RFC 2131): DISCOVER, OFFER, REQUEST, ACK; renew at T1 and rebind at
 * T2 (both broadcast, as QEMU's slirp answers either), restart on NAK or lease expiry. With no
 * answer after NET_DHCP_TRIES sends the static fallback (net_set_static) is applied and the
 * client stops: switching addresses under open connections later would break them. */
#include "net_impl.h"

#define BOOTP_LEN	236
#define DHCP_MAGIC	0x63825363u
#define DHCPDISCOVER	1
#define DHCPOFFER	2
#define DHCPREQUEST	3
#define DHCPACK		5
#define DHCPNAK		6

static void dhcp_send(struct net_stack *st, uint8_t type, uint64_t now)
{
	uint8_t *u = net_ip_payload(st), *b = u + UDP_HLEN, *o;
	struct net_dhcp *d = &st->dhcp;
	bool renewing = d->state == DHCP_RENEWING || d->state == DHCP_REBINDING;
	size_t len;

	memset(b, 0, BOOTP_LEN + 64);
	b[0] = 1;			/* BOOTREQUEST */
	b[1] = 1;
	b[2] = 6;
	net_wr32(b + 4, d->xid);
	net_wr16(b + 8, (uint16_t)0);
	net_wr16(b + 10, renewing ? 0 : 0x8000);	/* broadcast replies until we own an address */
	if (renewing)
		net_wr32(b + 12, st->cfg.addr);		/* ciaddr */
	memcpy(b + 28, st->mac, 6);
	net_wr32(b + BOOTP_LEN, DHCP_MAGIC);
	o = b + BOOTP_LEN + 4;
	*o++ = 53; *o++ = 1; *o++ = type;
	*o++ = 61; *o++ = 7; *o++ = 1; memcpy(o, st->mac, 6); o += 6;
	if (type == DHCPREQUEST && !renewing) {
		*o++ = 50; *o++ = 4; net_wr32(o, d->offered); o += 4;
		*o++ = 54; *o++ = 4; net_wr32(o, d->server); o += 4;
	}
	*o++ = 55; *o++ = 5; *o++ = 1; *o++ = 3; *o++ = 6; *o++ = 51; *o++ = 54;
	*o++ = 255;
	len = (size_t)(o - b);
	if (len < 300)			/* BOOTP's minimum, which some servers expect */
		len = 300;
	net_wr16(u, 68);
	net_wr16(u + 2, 67);
	net_wr16(u + 4, (uint16_t)(UDP_HLEN + len));
	net_wr16(u + 6, 0);
	{
		net_ip src = renewing ? st->cfg.addr : 0;
		uint16_t sum = net_csum_fold(net_csum_add(
			net_csum_pseudo(src, 0xffffffffu, IP_PROTO_UDP, (uint16_t)(UDP_HLEN + len)),
			u, UDP_HLEN + len));
		net_wr16(u + 6, sum ? sum : 0xffff);
		st->stats.dhcp_tx++;
		net_ip_output(st, src, 0xffffffffu, IP_PROTO_UDP, UDP_HLEN + len, now);
	}
}

static uint64_t retry_delay(uint8_t tries)
{
	return NET_DHCP_RETRY_US << (tries < 6 ? tries : 6);
}

static void dhcp_discover(struct net_stack *st, uint64_t now)
{
	struct net_dhcp *d = &st->dhcp;

	d->state = DHCP_SELECTING;
	d->xid = net_random(st) ^ st->seed;
	d->tries = 1;
	d->next = now + retry_delay(0);
	dhcp_send(st, DHCPDISCOVER, now);
}

void net_dhcp_start(struct net_stack *st, uint64_t now_us)
{
	dhcp_discover(st, now_us);
}

/* Options into d->offer; returns the message type or 0 if malformed. */
static int dhcp_options(struct net_stack *st, const uint8_t *o, size_t len)
{
	struct net_ifconfig *c = &st->dhcp.offer;
	int type = 0;
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	st->dhcp.server = 0;
	while (i < len) {
		uint8_t code = o[i], n;

		if (code == 255)
			return type;
		if (code == 0) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + (n = o[i + 1]) > len)
			return 0;		/* an option running past the packet */
		const uint8_t *v = o + i + 2;
		switch (code) {
		case 53: if (n >= 1) type = v[0]; break;
		case 1: if (n >= 4) c->mask = net_rd32(v); break;
		case 3: if (n >= 4) c->gateway = net_rd32(v); break;
		case 6: if (n >= 4) c->dns = net_rd32(v); break;
		case 51: if (n >= 4) c->lease_s = net_rd32(v); break;
		case 54: if (n >= 4) st->dhcp.server = net_rd32(v); break;
		}
		i += 2 + (size_t)n;
	}
	return type;		/* no END option: accept what was there */
}

static void dhcp_bind(struct net_stack *st, net_ip yiaddr, uint64_t now)
{
	struct net_dhcp *d = &st->dhcp;
	struct net_ifconfig c = d->offer;
	uint64_t lease;

	c.addr = yiaddr;
	c.source = NET_CFG_DHCP;
	if (!c.mask)
		c.mask = 0xffffff00u;
	if (!c.lease_s)
		c.lease_s = 3600;
	lease = (uint64_t)c.lease_s * 1000000;
	d->state = DHCP_BOUND;
	d->tries = 0;
	d->t1 = now + lease / 2;
	d->t2 = now + lease / 8 * 7;
	d->expiry = now + lease;
	d->next = d->t1;
	st->stats.dhcp_bound++;
	if (st->cfg.source != NET_CFG_DHCP || st->cfg.addr != c.addr || st->cfg.mask != c.mask ||
	    st->cfg.gateway != c.gateway || st->cfg.dns != c.dns)
		net_apply_config(st, &c);
	else
		st->cfg.lease_s = c.lease_s;
}

void net_dhcp_input(struct net_stack *st, const uint8_t *b, size_t len, uint64_t now)
{
	struct net_dhcp *d = &st->dhcp;
	net_ip yiaddr;
	int type;

	if (len < BOOTP_LEN + 4 || b[0] != 2 || net_rd32(b + 4) != d->xid ||
	    memcmp(b + 28, st->mac, 6) != 0 || net_rd32(b + BOOTP_LEN) != DHCP_MAGIC) {
		st->stats.dhcp_bad++;
		return;
	}
	type = dhcp_options(st, b + BOOTP_LEN + 4, len - BOOTP_LEN - 4);
	yiaddr = net_rd32(b + 16);
	if (type == DHCPOFFER && d->state == DHCP_SELECTING && yiaddr && yiaddr != 0xffffffffu) {
		st->stats.dhcp_rx++;
		d->offered = yiaddr;
		if (!d->server)
			d->server = net_rd32(b + 20);	/* siaddr, for servers without option 54 */
		d->state = DHCP_REQUESTING;
		d->tries = 1;
		d->next = now + retry_delay(0);
		dhcp_send(st, DHCPREQUEST, now);
	} else if (type == DHCPACK && yiaddr && yiaddr != 0xffffffffu &&
		   (d->state == DHCP_REQUESTING || d->state == DHCP_RENEWING ||
		    d->state == DHCP_REBINDING)) {
		st->stats.dhcp_rx++;
		dhcp_bind(st, yiaddr, now);
	} else if (type == DHCPNAK && d->state != DHCP_SELECTING && d->state != DHCP_BOUND) {
		st->stats.dhcp_nak++;
		if (st->cfg.source == NET_CFG_DHCP) {
			struct net_ifconfig none = { .source = NET_CFG_NONE };
			net_apply_config(st, &none);
		}
		dhcp_discover(st, now);
	} else {
		st->stats.dhcp_bad++;
	}
}

uint64_t net_dhcp_poll(struct net_stack *st, uint64_t now)
{
	struct net_dhcp *d = &st->dhcp;

	if (d->state == DHCP_OFF || now < d->next)
		return d->state == DHCP_OFF ? NET_NEVER : d->next;
	switch (d->state) {
	case DHCP_SELECTING:
	case DHCP_REQUESTING:
		if (d->tries >= NET_DHCP_TRIES) {
			d->state = DHCP_OFF;
			if (st->fallback.source == NET_CFG_STATIC) {
				st->stats.dhcp_fallback++;
				net_apply_config(st, &st->fallback);
			}
			return NET_NEVER;
		}
		d->next = now + retry_delay(d->tries);
		d->tries++;
		dhcp_send(st, d->state == DHCP_SELECTING ? DHCPDISCOVER : DHCPREQUEST, now);
		break;
	case DHCP_BOUND:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		if (now >= d->expiry) {		/* lost the lease: no address, start over */
			struct net_ifconfig none = { .source = NET_CFG_NONE };
			net_apply_config(st, &none);
			dhcp_discover(st, now);
			break;
		}
		d->state = now >= d->t2 ? DHCP_REBINDING : DHCP_RENEWING;
		d->next = now + (d->expiry - now) / 2;
		if (d->next < now + 60000000ull)
			d->next = now + 60000000ull;
		if (d->state == DHCP_RENEWING && d->next > d->t2)
			d->next = d->t2;
		if (d->next > d->expiry)
			d->next = d->expiry;
		dhcp_send(st, DHCPREQUEST, now);
		break;
	}
	return d->next;
}
