/* ether.c -- raw Ethernet frames as Scheme bytevectors, through the net service's handles
 * (net/netsvc.h): (ether-open), (ether-send e bv), (ether-receive e [timeout-ms]), (ether-close e),
 * (ether-mac e), (ether-stats [e]); and PCI configuration access for drivers written in Scheme.
 * A handle is a record (rtd index generation) of fixnums, so it may be passed to any CPU; the
 * service checks the generation, so a closed handle is an error, never another's frames.
 * Frame bytes never stay in the heap across a sleep: the bytevector may move while we wait. */
#include <arch.h>
#include <kernel/pci.h>
#include <net/netsvc.h>
#include <sched/thread.h>

#include "internal.h"

enum { ETH_IDX = 1, ETH_GEN, ETH_NFIELDS };

static obj sym(struct lisp *L, const char *name)
{
	return lisp_intern(L, name, strlen(name));
}

static obj net_error(struct lisp *L, const char *who, int rc, obj irritant)
{
	switch (rc) {
	case NET_ENODEV:
		return lisp_errorf(L, OBJ_NULL, "%s: no network driver is running (%s)", who,
				   net_state_name(net_state()));
	case NET_EMFILE:
		return lisp_errorf(L, OBJ_NULL, "%s: %d raw handles are open already (ether-close one)",
				   who, NET_ETHER_MAX);
	case NET_ECLOSED:
		return lisp_errorf(L, irritant, "%s: handle is closed:", who);
	case NET_ETIMEDOUT:
		return lisp_errorf(L, OBJ_NULL, "%s: the transmit queue stayed full for %d ms", who,
				   NET_SEND_WAIT_MS);
	case NET_ELEN:
		return lisp_errorf(L, irritant, "%s: a frame is %d..%d bytes, got a bytevector of length",
				   who, NET_FRAME_MIN, NET_FRAME_MAX);
	case NET_ENOMEM:
		return lisp_errorf(L, OBJ_NULL, "%s: no memory for the handle's frame queue", who);
	}
	return lisp_errorf(L, OBJ_NULL, "%s: network error %d", who, rc);
}

static bool ether_arg(struct lisp *L, const char *who, obj x, int *idx, unsigned *gen)
{
	if (!record_p(x, STATE(L, S_RTD_ETHER))) {
		lisp_type_error(L, who, "ether handle (from ether-open)", x);
		return false;
	}
	*idx = (int)fxv(obj_fields(x)[ETH_IDX]);
	*gen = (unsigned)fxv(obj_fields(x)[ETH_GEN]);
	return true;
}

static bool stop(void *ctx)
{
	return lisp_interrupt_pending(ctx);
}

static obj p_ether_open(struct lisp *L, int argc, obj *argv)
{
	unsigned gen;
	int idx;
	obj e;

	(void)argc, (void)argv;
	if (!lisp_on_thread() && net_state() != NET_STATE_NONE)
		return lisp_errorf(L, OBJ_NULL, "ether-open: not running on a scheduler thread");
	idx = net_ether_open(&gen);
	if (idx < 0)
		return net_error(L, "ether-open", idx, OBJ_NULL);
	e = lisp_make_record(L, STATE(L, S_RTD_ETHER), ETH_NFIELDS - 1);
	if (e == OBJ_NULL) {
		net_ether_close(idx, gen);
		return OBJ_NULL;
	}
	obj_init_field(L, e, ETH_IDX, fx(idx));
	obj_init_field(L, e, ETH_GEN, fx((intptr_t)(gen & 0x3fffffff)));
	return e;
}

static obj p_ether_close(struct lisp *L, int argc, obj *argv)
{
	unsigned gen;
	int idx, rc;

	(void)argc;
	if (!ether_arg(L, "ether-close", argv[0], &idx, &gen))
		return OBJ_NULL;
	rc = net_ether_close(idx, gen);
	return rc == 0 ? OBJ_TRUE : OBJ_FALSE;	/* closing twice is harmless */
}

static obj p_ether_send(struct lisp *L, int argc, obj *argv)
{
	uint8_t frame[NET_FRAME_MAX];	/* the bytevector may move while we wait for room */
	unsigned gen;
	size_t len;
	int idx, rc;

	(void)argc;
	if (!ether_arg(L, "ether-send", argv[0], &idx, &gen))
		return OBJ_NULL;
	if (!bytevector_p(argv[1]))
		return lisp_type_error(L, "ether-send", "bytevector", argv[1]);
	len = obj_bytes_length(argv[1]);
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return net_error(L, "ether-send", NET_ELEN, fx((intptr_t)len));
	if (!lisp_on_thread())
		return net_error(L, "ether-send", NET_ENODEV, OBJ_NULL);
	memcpy(frame, obj_bytes_data(argv[1]), len);
	for (;;) {
		rc = net_ether_send(idx, gen, frame, len, stop, L);
		if (rc != NET_EINTR)
			break;
		if (lisp_poll_interrupt(L))
			return OBJ_NULL;
	}
	if (rc < 0)
		return net_error(L, "ether-send", rc, lisp_args(L)[0]);
	return OBJ_UNSPECIFIED;
}

static obj p_ether_receive(struct lisp *L, int argc, obj *argv)
{
	uint64_t deadline = UINT64_MAX;
	unsigned gen;
	int idx, n;
	obj bv;

	if (!ether_arg(L, "ether-receive", argv[0], &idx, &gen))
		return OBJ_NULL;
	if (argc > 1) {
		int64_t ms;

		if (!integer_p(argv[1]) || !lisp_int_to_i64(argv[1], &ms) || ms < 0 ||
		    ms > 1000LL * 86400 * 365)
			return lisp_type_error(L, "ether-receive", "timeout in milliseconds (>= 0)",
					       argv[1]);
		deadline = arch_cycles() + (uint64_t)ms * (arch_cycles_per_sec() / 1000);
	}
	if (!lisp_on_thread())
		return net_error(L, "ether-receive", NET_ENODEV, OBJ_NULL);
	for (;;) {
		n = net_ether_peek(idx, gen, deadline, stop, L);
		if (n == NET_ETIMEDOUT)
			return OBJ_FALSE;
		if (n == NET_EINTR) {
			if (lisp_poll_interrupt(L))
				return OBJ_NULL;
			continue;
		}
		if (n < 0)
			return net_error(L, "ether-receive", n, lisp_args(L)[0]);
		bv = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, (size_t)n);
		if (bv == OBJ_NULL)
			return OBJ_NULL;
		n = net_ether_take(idx, gen, obj_bytes_data(bv), (size_t)n);	/* no sleep since */
		if (n == 0)
			return bv;
		if (n != NET_ECHANGED)
			return net_error(L, "ether-receive", n, lisp_args(L)[0]);
	}
}

static obj p_ether_mac(struct lisp *L, int argc, obj *argv)
{
	const struct netif *nif = net_netif();
	unsigned gen;
	int idx;

	(void)argc;
	if (!ether_arg(L, "ether-mac", argv[0], &idx, &gen))
		return OBJ_NULL;
	if (!nif)
		return net_error(L, "ether-mac", NET_ENODEV, OBJ_NULL);
	return lisp_make_bytes(L, OBJ_T_BYTEVECTOR, nif->mac, 6);
}

static bool put_n(struct lisp *L, obj *alist, const char *key, const uint32_t *v)
{
	return lisp_alist_put(L, alist, key, lisp_int64(L, arch_atomic_load_relaxed(v)));
}

/* (ether-stats [e]): the driver's and the service's counters (docs/net.md), and with a handle
 * its own: frames queued to it and dropped because its queue was full. */
static obj p_ether_stats(struct lisp *L, int argc, obj *argv)
{
	const struct netif *nif = net_netif();
	const struct net_svc_stats *s = net_svc_stats();
	uint32_t received = 0, dropped = 0;
	obj a = OBJ_NIL;
	bool ok = true;

	if (argc > 0) {
		unsigned gen;
		int idx, rc;

		if (!ether_arg(L, "ether-stats", argv[0], &idx, &gen))
			return OBJ_NULL;
		if ((rc = net_ether_counts(idx, gen, &received, &dropped)) < 0)
			return net_error(L, "ether-stats", rc, argv[0]);
	}
	ROOT(a);
	if (argc > 0)
		ok = put_n(L, &a, "handle-dropped", &dropped) &&
		     put_n(L, &a, "handle-received", &received);
	if (nif) {
		const struct netif_stats *d = &nif->stats;

		ok = ok && put_n(L, &a, "link-changes", &d->link_changes) &&
		     put_n(L, &a, "irqs", &d->irqs) &&
		     put_n(L, &a, "chip-resets", &d->chip_resets) &&
		     put_n(L, &a, "tx-timeouts", &d->tx_timeouts) &&
		     put_n(L, &a, "rx-resets", &d->rx_resets) &&
		     put_n(L, &a, "rx-stalls", &d->rx_stalls) &&
		     put_n(L, &a, "rx-corrupt", &d->rx_corrupt) &&
		     put_n(L, &a, "rx-fifo-overflows", &d->rx_fifo_overflows) &&
		     put_n(L, &a, "rx-overflows", &d->rx_overflows) &&
		     put_n(L, &a, "rx-oversized", &d->rx_oversized) &&
		     put_n(L, &a, "rx-wrapped", &d->rx_wrapped) &&
		     put_n(L, &a, "tx-busy", &d->tx_busy) &&
		     put_n(L, &a, "tx-errors", &d->tx_errors) &&
		     put_n(L, &a, "tx-bytes", &d->tx_bytes) &&
		     put_n(L, &a, "tx-frames", &d->tx_frames) &&
		     put_n(L, &a, "rx-bytes", &d->rx_bytes) &&
		     put_n(L, &a, "rx-frames", &d->rx_frames) &&
		     lisp_alist_put(L, &a, "link", obj_bool(arch_atomic_load_relaxed(&nif->link_up)));
	}
	ok = ok && lisp_alist_put(L, &a, "cycles-tx", lisp_int64(L, (int64_t)*(volatile const uint64_t *)&s->cycles_tx)) &&
	     lisp_alist_put(L, &a, "cycles-sockets",
			    lisp_int64(L, (int64_t)*(volatile const uint64_t *)&s->cycles_sockets)) &&
	     lisp_alist_put(L, &a, "cycles-driver",
			    lisp_int64(L, (int64_t)*(volatile const uint64_t *)&s->cycles_driver)) &&
	     put_n(L, &a, "ether-drops", &s->ether_drops) &&
	     put_n(L, &a, "tx-waits", &s->tx_waits) &&
	     put_n(L, &a, "tx-queued", &s->tx_queued) &&
	     put_n(L, &a, "wakeups", &s->wakeups) &&
	     lisp_alist_put(L, &a, "state", sym(L, net_state_name(net_state())));
	UNROOT(a);
	return ok ? a : OBJ_NULL;
}

/* --- PCI configuration space, for drivers in Scheme --- */

static bool cfg_args(struct lisp *L, const char *who, obj *argv, struct pci_func *f,
		     unsigned *reg)
{
	static const struct { const char *what; int64_t max; } lim[] = {
		{ "bus number (0..255)", 255 }, { "device number (0..31)", 31 },
		{ "function number (0..7)", 7 }, { "register offset (0..252, a multiple of 4)", 252 },
	};
	int64_t v[4];

	for (int i = 0; i < 4; i++)
		if (!integer_p(argv[i]) || !lisp_int_to_i64(argv[i], &v[i]) || v[i] < 0 ||
		    v[i] > lim[i].max || (i == 3 && v[i] % 4)) {
			lisp_type_error(L, who, lim[i].what, argv[i]);
			return false;
		}
	*f = (struct pci_func){ .bus = (uint8_t)v[0], .dev = (uint8_t)v[1], .fn = (uint8_t)v[2] };
	*reg = (unsigned)v[3];
	if (pci_read32(f, 0) == 0xffffffffu) {
		lisp_errorf(L, OBJ_NULL, "%s: no PCI function %u:%u.%u", who, f->bus, f->dev, f->fn);
		return false;
	}
	return true;
}

/* (pci-config-read32 bus dev fn reg) */
static obj p_pci_config_read32(struct lisp *L, int argc, obj *argv)
{
	struct pci_func f;
	unsigned reg;

	(void)argc;
	if (!cfg_args(L, "pci-config-read32", argv, &f, &reg))
		return OBJ_NULL;
	return lisp_int64(L, pci_read32(&f, reg));
}

/* (pci-config-write32 bus dev fn reg value) */
static obj p_pci_config_write32(struct lisp *L, int argc, obj *argv)
{
	struct pci_func f;
	unsigned reg;
	int64_t v;

	(void)argc;
	if (!cfg_args(L, "pci-config-write32", argv, &f, &reg))
		return OBJ_NULL;
	if (!integer_p(argv[4]) || !lisp_int_to_i64(argv[4], &v) || v < 0 || v > 0xffffffffLL)
		return lisp_type_error(L, "pci-config-write32", "32-bit value (0..4294967295)", argv[4]);
	pci_write32(&f, reg, (uint32_t)v);
	return OBJ_UNSPECIFIED;
}

static const struct lisp_prim_def defs[] = {
	{ "ether-open", p_ether_open, 0, 0, 0 },
	{ "ether-close", p_ether_close, 1, 1, 0 },
	{ "ether-send", p_ether_send, 2, 2, 0 },
	{ "ether-receive", p_ether_receive, 1, 2, 0 },
	{ "ether-mac", p_ether_mac, 1, 1, 0 },
	{ "ether-stats", p_ether_stats, 0, 1, 0 },
	{ "pci-config-read32", p_pci_config_read32, 4, 4, 0 },
	{ "pci-config-write32", p_pci_config_write32, 5, 5, 0 },
};

void lisp_init_ether(struct lisp *L)
{
	obj n = lisp_cstring(L, "ether"), fl, r;

	if (n == OBJ_NULL)
		return;
	ROOT(n);
	fl = lisp_make_vector(L, 0, OBJ_FALSE);
	UNROOT(n);
	if (fl == OBJ_NULL || (r = lisp_make_rtd(L, n, fl)) == OBJ_NULL)
		return;
	state_set(L, S_RTD_ETHER, r);
	lisp_register(L, defs, ARRAY_SIZE(defs));
}
