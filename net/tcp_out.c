/* tcp_out.c -- building and sending TCP segments: data from the send ring under the window
 * (min of the peer's and the congestion window, RFC 5681), Nagle and sender-side silly window
 * avoidance (RFC 9293 3.8.6.2.1), FIN after the data, window advertisement with receiver-side
 * silly window avoidance (3.8.6.2.2; the right edge never moves left), ACKs and RSTs. */
#include "net_impl.h"

#define SMASK	(NET_TCP_SNDBUF - 1)

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Free receive space: every acceptable byte fits in the ring at its place (T3). */
uint32_t net_tcp_rcv_window(const struct net_tcp *c)
{
	if (c->rd_shut)
		return NET_TCP_RCVBUF;
	return c->rbuf ? NET_TCP_RCVBUF - c->rbuf_len : 0;
}

/* Would the window we announce grow? Only by a useful amount: a segment or half the ring. */
bool net_tcp_window_grows(const struct net_tcp *c)
{
	uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

	return net_tcp_rcv_window(c) >= cur + min32(NET_TCP_RCVBUF / 2, c->mss);
}

/* The window to announce: the right edge moves only by a useful amount, never left. */
static uint16_t tcp_adv_window(struct net_tcp *c)
{
	uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t wnd = net_tcp_window_grows(c) ? net_tcp_rcv_window(c) : cur;

	if (wnd > 65535)
		wnd = 65535;
	return (uint16_t)wnd;
}

static void tcp_header(struct net_stack *st, uint8_t *h, uint16_t sport, uint16_t dport, uint32_t seq,
		       uint32_t ack, uint8_t flags, uint16_t wnd, size_t hlen)
{
	net_wr16(h, sport);
	net_wr16(h + 2, dport);
	net_wr32(h + 4, seq);
	net_wr32(h + 8, ack);
	h[12] = (uint8_t)(hlen / 4) << 4;
	h[13] = flags;
	net_wr16(h + 14, wnd);
	net_wr16(h + 16, 0);
	net_wr16(h + 18, 0);
	st->stats.tcp_tx++;
}

static void tcp_finish(struct net_stack *st, net_ip src, net_ip dst, size_t len, uint64_t now)
{
	uint8_t *h = net_ip_payload(st);

	net_wr16(h + 16, net_csum_fold(net_csum_add(net_csum_pseudo(src, dst, IP_PROTO_TCP,
								    (uint16_t)len), h, len)));
	net_ip_output(st, src, dst, IP_PROTO_TCP, len, now);	/* a drop is a loss: TCP recovers */
}

/* One segment: seq, then len bytes of the send ring from seq on (seq >= sbuf_seq). */
void net_tcp_send_seg(struct net_tcp *c, uint32_t seq, uint32_t len, uint8_t flags, uint64_t now)
{
	struct net_stack *st = c->st;
	uint8_t *h = net_ip_payload(st);
	size_t hlen = TCP_HLEN + ((flags & TCP_SYN) ? 4 : 0);
	uint16_t wnd = 0;

	if (flags & TCP_ACK) {
		wnd = tcp_adv_window(c);
		c->rcv_adv = c->rcv_nxt + wnd;
		c->t_delack = 0;
		c->segs_unacked = 0;
		c->ack_now = false;
	} else if (flags & TCP_SYN) {
		wnd = (uint16_t)min32(net_tcp_rcv_window(c), 65535);
	}
	tcp_header(st, h, c->lport, c->rport, seq, (flags & TCP_ACK) ? c->rcv_nxt : 0, flags, wnd, hlen);
	if (flags & TCP_SYN) {
		h[20] = 2;
		h[21] = 4;
		net_wr16(h + 22, NET_TCP_MSS);
	}
	if (len) {
		uint32_t at = (c->sbuf_head + (seq - c->sbuf_seq)) & SMASK;
		uint32_t first = min32(NET_TCP_SNDBUF - at, len);

		memcpy(h + hlen, c->sbuf + at, first);
		memcpy(h + hlen + first, c->sbuf, len - first);
	}
	tcp_finish(st, c->lip, c->rip, hlen + len, now);
}

void net_tcp_send_ack(struct net_tcp *c, uint64_t now)
{
	net_tcp_send_seg(c, c->snd_nxt, 0, TCP_ACK, now);
}

void net_tcp_send_rst(struct net_stack *st, net_ip src, net_ip dst, uint16_t sport, uint16_t dport,
		  uint32_t seq, uint32_t ack, bool with_ack, uint64_t now)
{
	tcp_header(st, net_ip_payload(st), sport, dport, seq, with_ack ? ack : 0,
		   (uint8_t)(TCP_RST | (with_ack ? TCP_ACK : 0)), 0, TCP_HLEN);
	tcp_finish(st, src, dst, TCP_HLEN, now);
}

/* RFC 5961 section 3.2/4.2/5.2: an ACK telling the peer where we are, at most
 * NET_TCP_CHALLENGE_MAX a second for the whole stack (7: a blind attacker learns nothing). */
void net_tcp_challenge_ack(struct net_tcp *c, uint64_t now)
{
	struct net_stack *st = c->st;
	uint64_t second = now / 1000000;

	if (second != st->challenge_second) {
		st->challenge_second = second;
		st->challenge_count = 0;
	}
	if (st->challenge_count >= NET_TCP_CHALLENGE_MAX) {
		st->stats.tcp_challenge_limited++;
		return;
	}
	st->challenge_count++;
	st->stats.tcp_challenge_ack++;
	net_tcp_send_ack(c, now);
}

void net_tcp_rexmt_start(struct net_tcp *c, uint64_t now)
{
	c->t_rexmt = now + c->rto;
}

void net_tcp_output(struct net_tcp *c, uint64_t now)
{
	uint32_t data_end, unsent, wnd, inflight, usable, len;
	bool sent = false;

	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN || c->state == TCP_SYN_SENT ||
	    c->state == TCP_SYN_RCVD || c->state == TCP_TIME_WAIT || !c->sbuf) {
		if (c->ack_now && (c->state == TCP_TIME_WAIT || c->state == TCP_CLOSED) && c->in_use &&
		    c->state != TCP_CLOSED)
			net_tcp_send_ack(c, now);
		c->ack_now = false;
		return;
	}
	data_end = c->sbuf_seq + c->sbuf_len;
	for (;;) {
		unsent = SEQ_GT(data_end, c->snd_nxt) ? data_end - c->snd_nxt : 0;
		wnd = min32(c->snd_wnd, c->cwnd);
		inflight = c->snd_nxt - c->snd_una;
		usable = wnd > inflight ? wnd - inflight : 0;
		len = min32(min32(unsent, c->mss), usable);
		if (len == 0)
			break;
		if (len < c->mss) {
			if (len < unsent) {	/* window-limited: avoid silly windows */
				if (len < c->max_sndwnd / 2 && inflight > 0)
					break;
			} else if (!c->nodelay && inflight > 0 && !c->fin_queued) {
				break;		/* Nagle: one small segment in flight at a time */
			}
		}
		net_tcp_send_seg(c, c->snd_nxt, len, (uint8_t)(TCP_ACK | (len == unsent ? TCP_PSH : 0)), now);
		if (!c->rtt_timing && c->snd_nxt == c->snd_max) {
			c->rtt_timing = true;	/* time new data only (Karn) */
			c->rtt_seq = c->snd_nxt + len;
			c->rtt_start = now;
		}
		c->snd_nxt += len;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->t_rexmt)
			net_tcp_rexmt_start(c, now);
		c->t_persist = 0;
		sent = true;
	}
	if (c->fin_queued && c->snd_nxt == data_end &&
	    (c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING || c->state == TCP_LAST_ACK)) {
		net_tcp_send_seg(c, c->snd_nxt, 0, TCP_FIN | TCP_ACK, now);
		c->snd_nxt++;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->t_rexmt)
			net_tcp_rexmt_start(c, now);
		sent = true;
	}
	/* data waits behind a zero window with nothing in flight: probe it (persist timer) */
	unsent = SEQ_GT(data_end, c->snd_nxt) ? data_end - c->snd_nxt : 0;
	if (unsent && c->snd_wnd == 0 && c->snd_nxt == c->snd_una && !c->t_persist) {
		uint64_t d = c->rto << (c->persist_shift < 8 ? c->persist_shift : 8);

		c->t_rexmt = 0;
		c->t_persist = now + (d < NET_TCP_PERSIST_MAX_US ? d : NET_TCP_PERSIST_MAX_US);
	}
	if (!sent && c->ack_now)
		net_tcp_send_ack(c, now);
}

/* Retransmits the first unacknowledged segment (a timeout, the third duplicate ACK, a partial
 * ACK in fast recovery), whatever the windows say. */
void net_tcp_retransmit_first(struct net_tcp *c, uint64_t now)
{
	uint32_t data_end = c->sbuf_seq + c->sbuf_len;
	uint32_t len = SEQ_GT(data_end, c->snd_una) ? min32(data_end - c->snd_una, c->mss) : 0;

	len = min32(len, c->snd_max - c->snd_una);	/* only what was sent before (T1) */

	c->rtt_timing = false;		/* Karn: never time a retransmitted segment */
	if (len) {
		net_tcp_send_seg(c, c->snd_una, len, TCP_ACK | TCP_PSH, now);
		if (SEQ_LT(c->snd_nxt, c->snd_una + len))
			c->snd_nxt = c->snd_una + len;
	} else if (c->fin_queued && c->snd_una == data_end) {
		net_tcp_send_seg(c, c->snd_una, 0, TCP_FIN | TCP_ACK, now);
		if (SEQ_LT(c->snd_nxt, c->snd_una + 1))
			c->snd_nxt = c->snd_una + 1;
	}
}
