/* lisp_param.h -- tunables of the Scheme interpreter, in one place. */
#ifndef LISP_LISP_PARAM_H
#define LISP_LISP_PARAM_H

#define LISP_STACK_INIT		1024		/* slots of a new interpreter's value stack */
#define LISP_STACK_MAX_BYTES	(16u << 20)	/* default stack limit: beyond, "recursion too deep" */
/* ... or a share of the heap's limit when that is more: the stack grows with the heap
 * (a million non-tail frames, as Guile allows, in the default 256 MiB hosted heap) */
#define LISP_STACK_HEAP_DIV	4
#define LISP_STACK_RESERVE	65536		/* slots granted past the limit to handle that error */
#define LISP_CSTACK_BYTES	(16u << 10)	/* default C stack the reader, compiler, printer may use */
#define LISP_ROOTS_MARGIN	128		/* C roots left free on the heap's shadow stack */
#define LISP_PRINT_WHOLE	65536		/* one display/write to the console: one write */
#define LISP_SLEEP_SLICE_MS	10		/* (sleep) sees an interrupt within this */
#define LISP_CHAN_SPIN_US	20		/* an empty channel-receive watches this long before
						 * sleeping, when its CPU has nothing else to run */
#define LISP_SAFEPOINT_CALLS	4096		/* procedure calls between two safepoint hook calls */
#define LISP_SYMTAB_INIT	1024		/* buckets of a new symbol table (a power of two) */
#define LISP_ERROR_MSG_MAX	160		/* bytes of a formatted error message */
#define LISP_DEVICE_PORTS	1024		/* device ports open at once (ports.c), all CPUs */
#define LISP_DEVICE_BUF		4096		/* bytes a device port buffers each way */
#define LISP_INSPECT_FIELDS	32		/* fields (inspect) lists; the rest are counted */
#define LISP_INSPECT_TOP	10		/* largest remote counts (xrefs) lists */
#define LISP_INSPECT_REFERRERS	100		/* holders (referrers obj) lists by default */
#define LISP_INSPECT_REFERRERS_MAX 1000		/* and at most (a list kept free of repeats) */
#define LISP_INSPECT_TIMEOUT_MS	5000		/* (heap-map cpu): how long the owner has to answer */

#endif
