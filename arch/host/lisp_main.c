/* lisp_main.c -- build/host/lisp: the interpreter as a Linux program.
 *
 *	lisp [--cpus N] [--heap-mb N] [--nursery-kb N] [--stack-mb N] [--cstack-kb N]
 *	     [--torture] [--verify] [FILE]
 *
 * With FILE, runs it like the REPL does but prints only what the program prints. An error prints
 * its "error: ..." line and the file goes on with the next expression (the console contract:
 * the REPL goes on); the exit status is then 1 at the end. (exit [code]) ends at once with that
 * status (no argument or #t: 0, #f: 1, an integer: its low 8 bits). Without FILE, a REPL on
 * stdin: values are written after each expression, with a prompt only when stdin is a terminal.
 * --cpus is accepted for the SPEC's command line; everything runs on CPU 0 for now.
 * --heap-mb bounds the memory the heap may take (default 256); --torture collects at every
 * allocation; --verify checks the heap invariants at every collection (debug builds);
 * --stack-mb bounds the Scheme stack ("recursion too deep"), --cstack-kb the C stack the reader
 * and compiler may use ("nesting too deep"; the kernel's threads have 32 KiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kernel/cpu.h>
#include <kernel/kernel.h>
#include <lisp/lisp.h>
#include <mm/gc/gc.h>
#include <mm/heaps/heap.h>

#include "host.h"

struct source {
	size_t budget;
	size_t out;
	size_t lent;	/* nonzero: the interpreter's collection may take out up to this */
};

static void *src_alloc(void *ctx, size_t size)
{
	struct source *s = ctx;
	void *p;

	if (s->out + size > MAX(s->budget, s->lent))
		return NULL;
	p = aligned_alloc(HEAP_GROUP_SIZE, size);
	if (p != NULL)
		s->out += size;
	return p;
}

static void src_free(void *ctx, void *p, size_t size)
{
	struct source *s = ctx;

	s->out -= size;
	free(p);
}

/* lisp.h, gc_lend: room for a full nursery's promotion (with each group's waste) and a mark
 * stack, past the budget (RETRY) or past what the heap holds (RECOVER) */
static void lend(void *ctx, int how)
{
	struct source *s = ctx;
	size_t room = cpus[0].heap.nursery_bytes * 3 / 2 + 2 * HEAP_GROUP_SIZE;

	if (how == LISP_LEND_RETRY)
		s->lent = s->budget + room;
	else if (how == LISP_LEND_RECOVER)
		s->lent = MAX(s->budget, s->out) + room;
	else
		s->lent = 0;
}

static void out_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stdout);
}

static void do_exit(void *ctx, int code)
{
	(void)ctx;
	fflush(stdout);
	exit(code & 0xff);
}

static int file_getc(void *ctx)
{
	return getc((FILE *)ctx);
}

static int tty_getc(void *ctx)
{
	fflush(stdout);
	return getc((FILE *)ctx);
}

static void usage(void)
{
	fprintf(stderr, "usage: lisp [--cpus N] [--heap-mb N] [--nursery-kb N] [--stack-mb N] [--cstack-kb N]\n"
			"            [--torture] [--verify] [FILE]\n");
	exit(2);
}

static struct source source;
static struct lisp interp;

int main(int argc, char **argv)
{
	size_t heap_mb = 256, stack_mb = 0, nursery_kb = 0, cstack_kb = 1024;
	bool torture = false, verify = false;
	const char *file = NULL;
	struct lisp_input in;
	FILE *f = stdin;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc)
			i++;
		else if (strcmp(argv[i], "--heap-mb") == 0 && i + 1 < argc)
			heap_mb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--nursery-kb") == 0 && i + 1 < argc)
			nursery_kb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cstack-kb") == 0 && i + 1 < argc)
			cstack_kb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--stack-mb") == 0 && i + 1 < argc)
			stack_mb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--torture") == 0)
			torture = true;
		else if (strcmp(argv[i], "--verify") == 0)
			verify = true;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (file == NULL)
			file = argv[i];
		else
			usage();
	}
	host_cpu_enter(0, 1);
	struct heap *heap = &cpus[0].heap;	/* CPU 0's heap, as in the kernel ((gc-stats)) */
	source.budget = heap_mb << 20;
	struct heap_config cfg = { .nursery_bytes = nursery_kb << 10, .src = { src_alloc, src_free, &source },
				   .cpu = 0 };
	if (heap_init(heap, &cfg) < 0) {
		fprintf(stderr, "lisp: cannot make a heap of %zu MiB\n", heap_mb);
		return 70;
	}
	heap->verify = verify;
	if (file != NULL && (f = fopen(file, "r")) == NULL) {
		perror(file);
		return 66;
	}
	struct lisp_config lc = {
		.heap = heap,
		.write = out_write,
		.exit = do_exit,
		.gc_lend = lend,
		.gc_lend_ctx = &source,
		.stack_max_bytes = stack_mb << 20,
		.cstack_bytes = cstack_kb << 10,	/* the main thread has 8 MiB */
	};
	if (torture)
		heap_set_torture(heap, true);
	if (lisp_init(&interp, &lc) < 0) {
		fflush(stdout);
		fprintf(stderr, "lisp: cannot start the interpreter (heap too small?)\n");
		return 70;
	}
	if (file != NULL) {
		lisp_input_init(&in, file_getc, f);
		rc = lisp_repl(&interp, &in, 0);
	} else if (isatty(0)) {
		lisp_input_init(&in, tty_getc, stdin);
		rc = lisp_repl(&interp, &in, LISP_REPL_PRINT | LISP_REPL_PROMPT);
		fputc('\n', stdout);
	} else {
		lisp_input_init(&in, file_getc, stdin);
		rc = lisp_repl(&interp, &in, LISP_REPL_PRINT);
	}
	fflush(stdout);
	return rc & 0xff;
}
