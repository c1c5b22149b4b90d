/* xcall.h -- run a function on another CPU, by IPI. The function runs in that CPU's interrupt
 * context with interrupts off: it must be short and must not block. */
#ifndef SMP_XCALL_H
#define SMP_XCALL_H

typedef void (*smp_fn)(void *arg);

/* Run fn(arg) on cpu. wait: return only after it has run. Calling for the caller's own CPU runs
 * fn directly (interrupts off). */
void smp_call(unsigned cpu, smp_fn fn, void *arg, int wait);
/* Run fn(arg) on every online CPU, the caller's included. */
void smp_call_all(smp_fn fn, void *arg, int wait);
/* Run the cross-calls queued for this CPU (the IPI handler does; so do waiting senders, so two
 * CPUs calling each other with interrupts off cannot deadlock). */
void smp_xcall_poll(void);

#endif
