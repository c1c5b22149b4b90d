/* param.h -- limits and tunables of the kernel, in one place. */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NCPU			16	/* most CPUs brought online; more in the firmware are ignored */
#define KSTACK_SIZE		(32 * 1024)	/* boot and per-CPU idle stacks */
#define CONSOLE_RX_SIZE		16384	/* console input ring, bytes (tty mode: beyond it type-ahead
					 * is dropped, kernel/console.c) */
#define MEMMAP_MAX		64	/* regions in a memory map */
#define PHYSMEM_RANGES		1024	/* free ranges the physical allocator tracks: bounds fragmentation */
#define XCALL_RING		32	/* queued cross-calls per target CPU */
#define TIMER_HZ		100	/* per-CPU tick */
#define SPIN_LIMIT_SEC		5	/* debug: a spin longer than this panics */
#define CMDLINE_MAX		256
#define REPL_LINE_MAX		1024	/* the console REPL's line editor (repl=tty), bytes */
#define REPL_CSTACK_BYTES	(16 * 1024)	/* C stack the interpreter's reader, compiler and
						 * printer may use on the REPL thread's stack */
#define REPL_PRIO		15	/* the REPL service's priority */

#endif
