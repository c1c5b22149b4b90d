/* netsock_svc.h -- what the net service thread (netsvc.c) and the socket layer (netsock.c) call of
 * each other. Everything here but netsock_register and the ops runs on the service thread. */
#ifndef NET_NETSOCK_SVC_H
#define NET_NETSOCK_SVC_H

#include <stddef.h>
#include <stdint.h>

/* Builds the stack for the card with this MAC and starts DHCP (or the static configuration of
 * the boot options: docs/net.md); send(ctx, frame, len) must copy the frame and never block.
 * 0, or -1 with a message printed (no memory). */
int netsock_svc_init(const uint8_t mac[6], const char *cmdline, unsigned cpu,
		     void (*send)(void *ctx, const void *frame, size_t len), void *ctx);
/* Every received frame (the bytes are valid during the call only). */
void netsock_svc_input(const void *frame, size_t len);
/* The requests, the timers due, the readiness changes and the receive rings: returns when it
 * must run again (arch_cycles; UINT64_MAX: only when woken). */
uint64_t netsock_svc_run(void);

/* What the socket layer needs of the thread that serves it (netsvc.c's, or a test's); callable
 * from any thread. Registered before the service starts; without it every call is ENODEV. */
struct netsock_svc_ops {
	void (*kick)(void);	/* the service has requests or ring room to look at: wake it */
	int (*wait_up)(void);	/* 0 once it runs (waiting a little while it starts), else -1 */
};
void netsock_register(const struct netsock_svc_ops *ops);

#endif
