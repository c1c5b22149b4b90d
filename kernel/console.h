/* console.h -- the serial console: serialised output, and an input ring filled by the driver's
 * interrupt handler (console_rx_byte) and drained by readers on any CPU. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

void console_write(const char *buf, size_t len);
/* Next input byte, waiting for one (halting the CPU in between: for code outside threads). */
int console_getc(void);
/* Next input byte; a scheduler thread that has to wait sleeps on a wait queue that the
 * console's interrupt wakes, so its CPU runs other threads meanwhile. */
int console_getc_sleep(void);
/* console_getc_sleep as an interruptible wait (sched/thread.h): -2 once stop(ctx) holds. */
int console_getc_intr(bool (*stop)(void *ctx), void *ctx);
/* Next input byte, or -1 if none is buffered. */
int console_trygetc(void);
/* Nonzero if input is buffered (a hint: another reader may take it first). */
int console_rx_pending(void);
/* Input bytes whose interrupt was taken on cpu (to check interrupt steering). */
unsigned long console_rx_count(unsigned cpu);
/* The interrupt byte (Ctrl-C, 0x03): when fn is set and returns true for it (interrupt
 * context, the serial driver's lock held: fn may take only leaf locks and those below it),
 * the byte is taken as an interrupt: it never reaches the input ring, and the bytes waiting
 * there (typed ahead) are dropped, as a terminal does. NULL: an ordinary byte. */
#define CONSOLE_INTR_BYTE	0x03
void console_set_intr_hook(bool (*fn)(void));
/* Panic: from now on output ignores the lock (the holder may never release it). */
void console_panic_mode(void);

#endif
