/* tcp_in.c -- TCP segment arrival (RFC 9293 3.10.7): validation (checksum, offsets, options that
 * run past the header), demultiplexing, LISTEN and SYN_SENT, then for every other state the
 * acceptability test, RST and SYN per RFC 5961 (challenge ACKs), ACK processing (RTT samples
 * per RFC 6298, Reno/NewReno congestion control and fast retransmit per RFC 5681/6582, window
 * updates), data into the receive ring in or out of order, and FIN. */
#include "net_impl.h"

#define RMASK	(NET_TCP_RCVBUF - 1)

struct seg {
	uint32_t seq, ack, wnd;
	uint8_t flags;
	bool has_mss;
	uint16_t mss;
	const uint8_t *data;
	uint32_t dlen;
};

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t max32(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* Options: only MSS is used; the rest are skipped by their length. false: malformed. */
static bool parse_options(const uint8_t *o, size_t len, struct seg *s)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			return false;
		if (kind == 2 && olen == 4) {
			s->has_mss = true;
			s->mss = net_rd16(o + i + 2);
		}
		i += olen;
	}
	return true;
}

static void reset_reply(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p,
			const struct seg *s, uint64_t now)
{
	if (s->flags & TCP_RST)
		return;
	st->stats.tcp_rst_tx++;
	if (s->flags & TCP_ACK)
		net_tcp_send_rst(st, dst, src, net_rd16(p + 2), net_rd16(p), s->ack, 0, false, now);
	else
		net_tcp_send_rst(st, dst, src, net_rd16(p + 2), net_rd16(p), 0,
			     s->seq + s->dlen + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN), true, now);
}

static uint16_t peer_mss(const struct seg *s)
{
	uint32_t m = s->has_mss ? s->mss : NET_TCP_MSS_DEFAULT;

	return (uint16_t)(m < 64 ? 64 : m > NET_TCP_MSS ? NET_TCP_MSS : m);
}

static void start_window(struct net_tcp *c, const struct seg *s)
{
	c->mss = peer_mss(s);
	c->cwnd = min32(4 * c->mss, max32(2 * c->mss, 4380));	/* RFC 5681 3.1 */
	c->snd_wnd = c->max_sndwnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
}

/* RFC 6298 2.2-2.4, in microseconds, with G = 1 ms */
static void rtt_sample(struct net_tcp *c, uint64_t now)
{
	int64_t r = (int64_t)(now - c->rtt_start), d;
	uint64_t rto;

	if (r < 1)
		r = 1;
	if (c->srtt == 0) {
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
		if (c->srtt < 1)
			c->srtt = 1;
	}
	rto = (uint64_t)c->srtt + (uint64_t)(4 * c->rttvar > 1000 ? 4 * c->rttvar : 1000);
	c->rto = rto < NET_TCP_RTO_MIN_US ? NET_TCP_RTO_MIN_US :
		 rto > NET_TCP_RTO_MAX_US ? NET_TCP_RTO_MAX_US : rto;
	c->rtt_timing = false;
}

static void listen_input(struct net_tcp *l, net_ip src, net_ip dst, const uint8_t *p,
			 const struct seg *s, uint64_t now)
{
	struct net_stack *st = l->st;
	struct net_tcp *c;

	if (s->flags & TCP_RST)
		return;
	if (s->flags & TCP_ACK) {
		reset_reply(st, src, dst, p, s, now);
		return;
	}
	if (!(s->flags & TCP_SYN))
		return;
	if (l->npending + l->nacceptq >= l->backlog) {
		st->stats.tcp_backlog_full++;
		return;
	}
	if (!(c = net_tcp_alloc(st, true))) {
		st->stats.tcp_no_mem++;
		return;
	}
	c->lip = dst;
	c->rip = src;
	c->lport = net_rd16(p + 2);
	c->rport = net_rd16(p);
	c->parent = l;
	l->npending++;
	c->irs = s->seq;
	c->rcv_nxt = c->rcv_adv = s->seq + 1;
	start_window(c, s);
	c->iss = net_tcp_iss(st, c, now);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->sbuf_seq = c->iss + 1;
	c->state = TCP_SYN_RCVD;
	c->rtt_timing = true;
	c->rtt_seq = c->iss + 1;
	c->rtt_start = now;
	st->stats.tcp_passive_open++;
	net_tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK, now);	/* data on the SYN: retransmitted */
	net_tcp_rexmt_start(c, now);
}

static void syn_sent_input(struct net_tcp *c, net_ip src, net_ip dst, const uint8_t *p,
			   const struct seg *s, uint64_t now)
{
	struct net_stack *st = c->st;

	if ((s->flags & TCP_ACK) && (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		st->stats.tcp_bad_ack++;
		reset_reply(st, src, dst, p, s, now);
		return;
	}
	if (s->flags & TCP_RST) {
		if (s->flags & TCP_ACK) {
			st->stats.tcp_rst_rx++;
			net_tcp_drop(c, NET_ECONNREFUSED, now);
		} else {
			st->stats.tcp_rst_ignored++;
		}
		return;
	}
	if (!(s->flags & TCP_SYN))
		return;
	c->irs = s->seq;
	c->rcv_nxt = c->rcv_adv = s->seq + 1;
	start_window(c, s);
	if (s->flags & TCP_ACK) {
		c->snd_una = s->ack;
		if (c->rtt_timing)
			rtt_sample(c, now);
		c->t_rexmt = 0;
		c->retries = 0;
		net_tcp_set_state(c, TCP_ESTABLISHED, now);
		c->ack_now = true;	/* data on the SYN-ACK is not kept: the peer resends it */
		net_tcp_output(c, now);
		return;
	}
	/* simultaneous open (3.5, figure 8) */
	c->rtt_timing = false;
	net_tcp_set_state(c, TCP_SYN_RCVD, now);
	net_tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK, now);
	net_tcp_rexmt_start(c, now);
}

/* [start, end) into the sorted, merged out-of-order list; false if it would exceed the bound. */
static bool ooo_insert(struct net_tcp *c, uint32_t start, uint32_t end)
{
	struct net_ooo out[NET_TCP_OOO_MAX + 1];
	unsigned k = 0;
	bool placed = false;

	for (unsigned i = 0; i < c->nooo; i++) {
		struct net_ooo r = c->ooo[i];

		if (SEQ_LT(r.end, start)) {
			out[k++] = r;
		} else if (SEQ_GT(r.start, end)) {
			if (!placed) {
				out[k++] = (struct net_ooo){ start, end };
				placed = true;
			}
			if (k > NET_TCP_OOO_MAX)
				return false;
			out[k++] = r;
		} else {
			if (SEQ_LT(r.start, start))
				start = r.start;
			if (SEQ_GT(r.end, end))
				end = r.end;
		}
		if (k > NET_TCP_OOO_MAX)
			return false;
	}
	if (!placed)
		out[k++] = (struct net_ooo){ start, end };
	if (k > NET_TCP_OOO_MAX)
		return false;
	memcpy(c->ooo, out, k * sizeof(out[0]));
	c->nooo = (uint8_t)k;
	return true;
}

static void ring_put(struct net_tcp *c, uint32_t off, const uint8_t *d, uint32_t n)
{
	uint32_t at = (c->rbuf_head + c->rbuf_len + off) & RMASK;
	uint32_t first = min32(NET_TCP_RCVBUF - at, n);

	memcpy(c->rbuf + at, d, first);
	memcpy(c->rbuf, d + first, n - first);
}

static void tcp_data(struct net_tcp *c, uint32_t seq, const uint8_t *d, uint32_t n, uint64_t now)
{
	struct net_stack *st = c->st;
	uint32_t off = seq - c->rcv_nxt;
	bool filled = false;

	if (c->rd_shut) {		/* shut for reading: acknowledged and dropped */
		if (off == 0)
			c->rcv_nxt += n;
		c->ack_now = true;
		return;
	}
	if (off) {
		ring_put(c, off, d, n);
		if (ooo_insert(c, seq, seq + n))
			st->stats.tcp_ooo_queued++;
		else
			st->stats.tcp_ooo_dropped++;
		c->ack_now = true;	/* a duplicate ACK tells the sender of the hole */
		return;
	}
	ring_put(c, 0, d, n);
	c->rbuf_len += n;
	c->rcv_nxt += n;
	while (c->nooo && SEQ_LEQ(c->ooo[0].start, c->rcv_nxt)) {
		if (SEQ_GT(c->ooo[0].end, c->rcv_nxt)) {
			c->rbuf_len += c->ooo[0].end - c->rcv_nxt;
			c->rcv_nxt = c->ooo[0].end;
		}
		memmove(&c->ooo[0], &c->ooo[1], (size_t)(c->nooo - 1) * sizeof(c->ooo[0]));
		c->nooo--;
		filled = true;
	}
	c->changed = true;
	if (filled || c->nooo || ++c->segs_unacked >= 2)
		c->ack_now = true;	/* RFC 5681 4.2: every second segment, and holes at once */
	else if (!c->t_delack)
		c->t_delack = now + NET_TCP_DELACK_US;
}

static void tcp_fin(struct net_tcp *c, uint64_t now)
{
	bool fin_acked = c->fin_queued && c->snd_una == c->sbuf_seq + c->sbuf_len + 1;

	c->rcv_nxt++;
	c->rcv_fin = true;
	c->peer_fin_seen = false;
	c->ack_now = true;
	c->changed = true;
	switch (c->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		net_tcp_set_state(c, TCP_CLOSE_WAIT, now);
		break;
	case TCP_FIN_WAIT_1:
		net_tcp_set_state(c, fin_acked ? TCP_TIME_WAIT : TCP_CLOSING, now);
		break;
	case TCP_FIN_WAIT_2:
		net_tcp_set_state(c, TCP_TIME_WAIT, now);
		break;
	}
}

/* ACK processing for a synchronized connection; false: the segment is dropped. */
static bool tcp_ack(struct net_tcp *c, const struct seg *s, uint64_t now)
{
	struct net_stack *st = c->st;
	uint32_t acked, data_end, flight;
	uint32_t lower = c->snd_una - max32(c->max_sndwnd, 1);

	if (SEQ_GT(s->ack, c->snd_max) || SEQ_LT(s->ack, lower)) {
		st->stats.tcp_bad_ack++;	/* RFC 5961 5.2: ACK it, drop it */
		net_tcp_challenge_ack(c, now);
		return false;
	}
	acked = SEQ_GT(s->ack, c->snd_una) ? s->ack - c->snd_una : 0;
	flight = c->snd_max - c->snd_una;
	if (acked) {
		if (c->rtt_timing && SEQ_GEQ(s->ack, c->rtt_seq))
			rtt_sample(c, now);
		if (SEQ_GT(s->ack, c->sbuf_seq) && c->sbuf) {
			uint32_t n = min32(s->ack - c->sbuf_seq, c->sbuf_len);

			c->sbuf_head = (c->sbuf_head + n) & (NET_TCP_SNDBUF - 1);
			c->sbuf_len -= n;
			c->sbuf_seq += n;
			c->changed = true;
		}
		c->snd_una = s->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retries = 0;
		c->persist_shift = 0;
		if (c->in_recovery) {
			if (SEQ_GEQ(s->ack, c->recover)) {	/* full ACK: recovery over */
				c->in_recovery = false;
				c->cwnd = min32(c->ssthresh, c->snd_max - c->snd_una + c->mss);
			} else {			/* partial ACK: the next hole (RFC 6582) */
				net_tcp_retransmit_first(c, now);
				c->cwnd = c->cwnd > acked ? c->cwnd - acked + c->mss : c->mss;
				net_tcp_rexmt_start(c, now);
			}
		} else if (c->cwnd < c->ssthresh) {
			c->cwnd += min32(acked, c->mss);
		} else {
			c->cwnd += max32(1, (uint32_t)c->mss * c->mss / c->cwnd);
		}
		if (c->cwnd > 4 * NET_TCP_SNDBUF)
			c->cwnd = 4 * NET_TCP_SNDBUF;
		c->dupacks = 0;
		c->t_rexmt = c->snd_una == c->snd_max ? 0 : now + c->rto;
	} else if (s->ack == c->snd_una && s->dlen == 0 && !(s->flags & (TCP_FIN | TCP_SYN)) &&
		   s->wnd == c->snd_wnd && c->snd_una != c->snd_max) {
		if (++c->dupacks == 3 && !c->in_recovery) {
			st->stats.tcp_fast_retransmit++;
			c->ssthresh = max32(flight / 2, 2u * c->mss);
			c->recover = c->snd_max;
			c->in_recovery = true;
			net_tcp_retransmit_first(c, now);
			c->cwnd = c->ssthresh + 3u * c->mss;
		} else if (c->dupacks > 3 && c->in_recovery) {
			c->cwnd += c->mss;		/* each dup ACK: a segment has left */
		}
	}
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))) {
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (s->wnd > c->max_sndwnd)
			c->max_sndwnd = s->wnd;
	}
	data_end = c->sbuf_seq + c->sbuf_len;
	if (c->snd_wnd == 0 && c->sbuf && SEQ_LT(c->snd_una, data_end)) {
		/* the peer is alive and full: probe from here on, retransmissions would time out */
		c->t_rexmt = 0;
		c->retries = 0;
		c->snd_nxt = c->snd_una;
		c->in_recovery = false;
	} else if (c->snd_wnd && c->t_persist) {
		c->t_persist = 0;
		c->persist_shift = 0;
	}
	return true;
}

static void synced_input(struct net_tcp *c, struct seg *s, uint64_t now)
{
	struct net_stack *st = c->st;
	uint32_t wnd = net_tcp_rcv_window(c);
	uint32_t seglen = s->dlen + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
	bool ok, fin_acked;

	/* acceptability (3.10.7.4, first) */
	if (seglen == 0)
		ok = wnd ? SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd)
			 : s->seq == c->rcv_nxt;
	else if (wnd == 0)	/* a bare FIN needs no room: take it (RFC 9293 would not) */
		ok = s->dlen == 0 && (s->flags & TCP_FIN) && s->seq == c->rcv_nxt;
	else
		ok = (SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd)) ||
		     (SEQ_GEQ(s->seq + seglen - 1, c->rcv_nxt) &&
		      SEQ_LT(s->seq + seglen - 1, c->rcv_nxt + wnd));
	if (!ok) {
		if (c->state == TCP_SYN_RCVD && (s->flags & TCP_SYN) && s->seq == c->irs) {
			net_tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK, now);	/* our SYN-ACK was lost */
			return;
		}
		if (s->flags & TCP_RST) {
			st->stats.tcp_rst_ignored++;
			return;
		}
		if (seglen && SEQ_LEQ(s->seq + seglen, c->rcv_nxt))
			st->stats.tcp_dup_data++;
		else
			st->stats.tcp_out_of_window++;
		if (c->state == TCP_TIME_WAIT && (s->flags & TCP_FIN))
			c->t_wait = now + 2 * NET_TCP_MSL_US;
		net_tcp_send_ack(c, now);
		return;
	}
	/* RST (second): exact match resets, in-window gets a challenge (RFC 5961 3.2) */
	if (s->flags & TCP_RST) {
		if (s->seq != c->rcv_nxt) {
			net_tcp_challenge_ack(c, now);
			return;
		}
		st->stats.tcp_rst_rx++;
		if (c->state == TCP_SYN_RCVD)
			net_tcp_drop(c, c->active ? NET_ECONNREFUSED : 0, now);
		else if (c->state <= TCP_CLOSE_WAIT)
			net_tcp_drop(c, NET_ECONNRESET, now);
		else
			net_tcp_drop(c, 0, now);
		return;
	}
	/* SYN (fourth): never reset by one; challenge (RFC 5961 4.2) */
	if (s->flags & TCP_SYN) {
		if (c->state == TCP_SYN_RCVD && s->seq == c->irs)
			net_tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK, now);
		else
			net_tcp_challenge_ack(c, now);
		return;
	}
	/* trim to the window */
	if (SEQ_LT(s->seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - s->seq;

		if (d > s->dlen) {		/* the FIN is old too */
			s->flags &= (uint8_t)~TCP_FIN;
			d = s->dlen;
		}
		s->data += d;
		s->dlen -= d;
		s->seq += d;
	}
	if (s->dlen && SEQ_GT(s->seq + s->dlen, c->rcv_nxt + wnd)) {
		s->dlen = c->rcv_nxt + wnd - s->seq;
		s->flags &= (uint8_t)~TCP_FIN;
	}
	/* ACK (fifth) */
	if (!(s->flags & TCP_ACK))
		return;
	if (c->state == TCP_SYN_RCVD) {
		if (!SEQ_GT(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max)) {
			st->stats.tcp_bad_ack++;
			st->stats.tcp_rst_tx++;
			net_tcp_send_rst(st, c->lip, c->rip, c->lport, c->rport, s->ack, 0, false, now);
			return;
		}
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (s->wnd > c->max_sndwnd)
			c->max_sndwnd = s->wnd;
		net_tcp_set_state(c, TCP_ESTABLISHED, now);
	}
	if (!tcp_ack(c, s, now))
		return;
	fin_acked = c->fin_queued && c->snd_una == c->sbuf_seq + c->sbuf_len + 1;
	if (fin_acked) {
		switch (c->state) {
		case TCP_FIN_WAIT_1:
			net_tcp_set_state(c, TCP_FIN_WAIT_2, now);
			c->t_rexmt = 0;
			if (!c->app_open)
				c->t_wait = now + NET_TCP_FIN_WAIT2_US;
			break;
		case TCP_CLOSING:
			net_tcp_set_state(c, TCP_TIME_WAIT, now);
			return;
		case TCP_LAST_ACK:
			net_tcp_drop(c, 0, now);
			return;
		}
	}
	/* text (seventh) */
	if (s->dlen && (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
			c->state == TCP_FIN_WAIT_2)) {
		if (!c->app_open && !c->parent) {	/* nobody will read it: reset, as Linux */
			st->stats.tcp_data_after_close++;
			st->stats.tcp_rst_tx++;
			net_tcp_send_rst(st, c->lip, c->rip, c->lport, c->rport, c->snd_nxt, 0, false, now);
			net_tcp_drop(c, 0, now);
			return;
		}
		tcp_data(c, s->seq, s->data, s->dlen, now);
	}
	/* FIN (eighth): in order now, or remembered until the hole before it fills */
	if (s->flags & TCP_FIN) {
		uint32_t fin_seq = s->seq + s->dlen;

		if (fin_seq != c->rcv_nxt && c->state <= TCP_FIN_WAIT_2) {
			c->peer_fin_seen = true;
			c->peer_fin_seq = fin_seq;
			c->ack_now = true;
		} else if (fin_seq == c->rcv_nxt && !c->rcv_fin) {
			tcp_fin(c, now);
		} else if (c->state == TCP_TIME_WAIT) {
			c->t_wait = now + 2 * NET_TCP_MSL_US;
			c->ack_now = true;
		}
	}
	if (c->peer_fin_seen && c->rcv_nxt == c->peer_fin_seq && !c->rcv_fin)
		tcp_fin(c, now);
	if (c->in_use)
		net_tcp_output(c, now);
}

void net_tcp_input(struct net_stack *st, net_ip src, net_ip dst, const uint8_t *p, size_t len,
		   uint64_t now)
{
	struct net_tcp *c = NULL, *l = NULL;
	struct seg s = { 0 };
	size_t doff;
	uint16_t sport, dport;

	st->stats.tcp_rx++;
	if (len < TCP_HLEN) {
		st->stats.tcp_short++;
		return;
	}
	if (net_csum_fold(net_csum_add(net_csum_pseudo(src, dst, IP_PROTO_TCP, (uint16_t)len), p,
				       len)) != 0) {
		st->stats.tcp_bad_csum++;
		return;
	}
	doff = (size_t)(p[12] >> 4) * 4;
	if (doff < TCP_HLEN || doff > len) {
		st->stats.tcp_bad_offset++;
		return;
	}
	if (!parse_options(p + TCP_HLEN, doff - TCP_HLEN, &s)) {
		st->stats.tcp_bad_options++;
		return;
	}
	sport = net_rd16(p);
	dport = net_rd16(p + 2);
	s.seq = net_rd32(p + 4);
	s.ack = net_rd32(p + 8);
	s.flags = p[13] & 0x3f;
	s.wnd = net_rd16(p + 14);
	s.data = p + doff;
	s.dlen = (uint32_t)(len - doff);
	if (sport == 0 || dport == 0) {
		st->stats.tcp_no_socket++;
		return;
	}
	for (unsigned i = 0; i < NET_TCP_MAX && !c; i++) {
		struct net_tcp *t = &st->tcp[i];

		if (!t->in_use || t->state == TCP_CLOSED)
			continue;
		if (t->state == TCP_LISTEN) {
			if (t->lport == dport)
				l = t;
		} else if (t->lport == dport && t->rport == sport && t->rip == src && t->lip == dst) {
			c = t;
		}
	}
	if (!c && !l) {
		st->stats.tcp_no_socket++;
		reset_reply(st, src, dst, p, &s, now);
		return;
	}
	if (!c) {
		listen_input(l, src, dst, p, &s, now);
		return;
	}
	if (c->state == TCP_SYN_SENT) {
		syn_sent_input(c, src, dst, p, &s, now);
		return;
	}
	synced_input(c, &s, now);
}
