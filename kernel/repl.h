/* repl.h -- the serial console as a Scheme REPL (kernel/repl.c). */
#ifndef KERNEL_REPL_H
#define KERNEL_REPL_H

/* Start the REPL service ("repl", pinned on CPU 0) with the boot options in cmdline (repl=tty,
 * pipe or quiet); the scheduler must be up on CPU 0. 0, or -1 if the thread could not be made. */
int repl_start(const char *cmdline);

#endif
