/* host.h -- controls of the hosted arch layer, for tests and the hosted programs. */
#ifndef ARCH_HOST_HOST_H
#define ARCH_HOST_HOST_H

#include <setjmp.h>

/* Run fn(cpu, arg) on ncpus threads, each registered as CPU 0..ncpus-1; returns when all have. */
void host_run_cpus(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg);
/* The calling thread becomes CPU cpu of ncpus (the main thread starts as CPU 0 of 1). */
void host_cpu_enter(unsigned cpu, unsigned ncpus);

/* arch_exit() longjmps here (with the exit code + 1000) when set, instead of ending the process:
 * tests use it to catch panics. host_panic_reset() lets a later panic report again. */
extern jmp_buf *host_exit_jmp;
void host_panic_reset(void);

/* Everything written to the console since the last call (tests read panic reports from it). */
const char *host_console_text(void);
void host_console_clear(void);

/* A Linux signal as an interrupt: host_raise_signal(cpu) (async-signal-safe) makes cpu call
 * host_signal_hook at its next poll point, with interrupts off (the interactive REPL's SIGINT). */
extern void (*volatile host_signal_hook)(void);
void host_raise_signal(unsigned cpu);

#endif
