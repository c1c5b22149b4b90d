/* repl.c -- the serial console as a Scheme REPL: the service thread "repl", pinned on CPU 0,
 * runs lisp_repl on CPU 0's heap with preemption disabled (every thread of a CPU shares its
 * heap: docs/sched.md), letting other threads in at the interpreter's safepoints and while it
 * sleeps for input on the console's wait queue. What it prints depends on repl= (README):
 *   tty	(default) prompt "> ", echo with line editing, values written: a person at a terminal
 *   pipe	values written, no prompt or echo: `make run < file` (scripts/qemu.sh sets it)
 *   quiet	only what the program prints, like build/host/lisp FILE: the QEMU Scheme tests
 * Every mode is deterministic: output depends only on the input, never on its timing (echo
 * happens when the REPL takes a line, not when the byte arrives). EOT (Ctrl-D on an empty
 * line) ends the input: the machine powers off with 0, or with 1 if an expression failed. */
#include <arch.h>
#include <lisp/lisp.h>
#include <mm/gc/stw.h>
#include <net/netsvc.h>
#include <sched/thread.h>
#include <smp/spinlock.h>

#include "console.h"
#include "cpu.h"
#include "kernel.h"
#include "repl.h"

/* The reader, compiler and printer stay within REPL_CSTACK_BYTES below lisp_repl's frame; the
 * rest of the stack takes the frames above it, interrupts, a collection at the deepest point
 * and the guard region. */
_Static_assert(REPL_CSTACK_BYTES + 8 * 1024 + SCHED_GUARD_BYTES + SCHED_GUARD_SLACK <=
	       SCHED_STACK_SIZE, "the REPL thread's stack cannot hold the interpreter's C stack");

enum repl_mode { REPL_TTY, REPL_PIPE, REPL_QUIET };

#define EOT	0x04	/* end of input (Ctrl-D) */

/* The console input as the REPL's byte source; the REPL thread's alone. */
static struct {
	enum repl_mode mode;
	bool eof;		/* EOT seen: every read from now on is the end */
	bool last_cr;		/* tty: the last byte was CR (an LF right after it is dropped) */
	bool stopped;		/* the last wait ended for an interrupt */
	size_t len, pos;	/* tty: line[pos..len) is still to be read */
	char line[REPL_LINE_MAX];
} con;

static struct lisp interp;

/* (command-line) and (get-environment-variables): the boot options, split at spaces; the first
 * word is the command's name when it is not an option (QEMU's -kernel passes the file's path),
 * else "kernel". Options of the form name=value are the environment. */
#define REPL_OPTS_MAX	32
static char opt_buf[256];
static const char *opt_args[REPL_OPTS_MAX + 2], *opt_env[REPL_OPTS_MAX + 1];

static void split_options(const char *cmdline)
{
	unsigned na = 0, ne = 0;
	char *p = opt_buf;

	ksnprintf(opt_buf, sizeof(opt_buf), "%s", cmdline ? cmdline : "");
	while (*p == ' ')
		p++;
	{
		size_t first = 0;	/* the first word's length */

		while (p[first] && p[first] != ' ')
			first++;
		if (first == 0 || memchr(p, '=', first))
			opt_args[na++] = "kernel";
	}
	while (*p && na < REPL_OPTS_MAX + 1) {
		char *w = p;

		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
		while (*p == ' ')
			p++;
		opt_args[na++] = w;
		if (strchr(w, '=') && ne < REPL_OPTS_MAX)
			opt_env[ne++] = w;
	}
	opt_args[na] = NULL;
	opt_env[ne] = NULL;
}
static bool tcp_repl;	/* REPL sessions over TCP port 23 (boot option repl_tcp=off: none) */

/* The listener of the REPL over TCP, a Scheme thread: every connection gets its own session
 * thread (sockets.c, %tcp-repl) on the least loaded CPU, sharing the global environment. The
 * procedures it calls are bound once here: a session redefining spawn or %tcp-repl changes
 * nothing of the listener (which has the console's exit). */
static const char tcp_repl_src[] =
	"(let ((accept tcp-accept) (close tcp-close) (start spawn) (repl %tcp-repl)"
	"      (l (tcp-listen 23 16)))"
	"  (spawn (lambda ()"
	"    (let loop ()"
	"      (let ((c (guard (e (#t #f)) (accept l))))"
	"        (if c (guard (e (#t (close c))) (start (lambda () (repl c)))))"
	"        (loop))))"
	"    #f 10))";

static bool inspector;	/* the web inspector on TCP port 80 (boot option inspector=off: none) */

/* The web inspector (lisp/inspector.scm, docs/inspector.md): a thread pinned to CPU
 * inspector_cpu=N (default the last) loads the library there, so the console does not wait for
 * it, and serves on inspector_port=N (default 80). Quiet: a failure (the port taken) ends the
 * thread without a word, as the console's output is the program's. */
static const char inspector_src[] =
	"(let* ((o (get-environment-variable \"inspector_cpu\"))"
	"       (n (and o (string->number o))))"
	"  (spawn (lambda () (guard (e (#t #f)) (load-builtin \"inspector\") (inspector-serve)))"
	"         (if (and (exact-integer? n) (>= n 0) (< n (ncpus))) n (- (ncpus) 1)) 10))";

/* Ctrl-C (tty mode): an interrupt of the expression being evaluated. busy (under intr_lock) is
 * true while the REPL evaluates (lisp_input's evaluating); when an interrupt is taken, the console drops what
 * was typed ahead and flush tells the REPL to drop the rest of its line, as a terminal's ISIG
 * does. At the prompt Ctrl-C is an ordinary byte: read_line drops the line. Lock order: the
 * serial driver's lock, then intr_lock, then lisp_interrupt's (sched/thread.h). */
static struct spinlock intr_lock = SPINLOCK_INIT("repl-intr");
static bool busy;
static int flush;	/* atomic */

static bool on_intr(void)
{
	bool taken;

	spin_lock(&intr_lock);	/* interrupt context: interrupts are off */
	taken = busy;
	if (taken) {
		lisp_interrupt(&interp);
		arch_atomic_store(&flush, 1);
	}
	spin_unlock(&intr_lock);
	return taken;
}

static void set_busy(void *ctx, bool b)
{
	arch_irqflags_t f = spin_lock_irqsave(&intr_lock);

	(void)ctx;

	busy = b;
	if (!b)
		lisp_interrupt_clear(&interp);	/* the expression is over: its request too */
	spin_unlock_irqrestore(&intr_lock, f);
	if (!b && arch_atomic_xchg(&flush, 0))
		con.pos = con.len;	/* the rest of the interrupted line (the console drops the rest) */
}

static void out_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	console_write(buf, len);
}

/* (exit code): the machine stops; QEMU's status is 0 for 0, 2n+1 for n in 1..126, else 255
 * (arch_exit; README, "Exit status"). */
static void do_exit(void *ctx, int code)
{
	(void)ctx;
	arch_exit(code >= 0 && code <= 126 ? code : 127);
}

/* lisp.h, gc_lend: room for a full nursery's promotion (with each group's waste), a mark stack
 * and extra, past the heap's limit (RETRY) or past what it holds (RECOVER) */
static void lend(void *ctx, struct heap *h, int how, size_t extra)
{
	struct cpu *c = &cpus[h->cpu];

	(void)ctx;
	size_t room = c->heap.nursery_bytes * 3 / 2 + 2 * HEAP_GROUP_SIZE + extra;

	if (how == LISP_LEND_RETRY)
		c->heap_lent = c->heap_limit + room;
	else if (how == LISP_LEND_RECOVER)
		c->heap_lent = MAX(c->heap_limit, c->heap_bytes) + room;
	else
		c->heap_lent = 0;
}


static void echo(const char *s, size_t n)
{
	console_write(s, n);
}

static void erase_char(void)
{
	/* a UTF-8 character is one lead byte and its continuation bytes: erase them together */
	while (con.len > 0 && ((uint8_t)con.line[con.len - 1] & 0xc0) == 0x80)
		con.len--;
	if (con.len > 0) {
		con.len--;
		echo("\b \b", 3);
	}
}

static bool pending(void *ctx)
{
	(void)ctx;
	return lisp_interrupt_pending(&interp);
}

/* The next console byte; while an expression runs (a program reading the console) the wait
 * ends for an interrupt too: -2 then. */
static int next_byte(void)
{
	bool b;
	arch_irqflags_t f = spin_lock_irqsave(&intr_lock);

	b = busy;
	spin_unlock_irqrestore(&intr_lock, f);
	return b ? console_getc_intr(pending, NULL) : console_getc_sleep();
}

/* tty: read one line into con.line with echo and editing; false at EOT on an empty line or
 * when an interrupt ends the wait (then con.stopped). */
static bool read_line(void)
{
	int esc = 0;	/* 1 after ESC, 2 inside ESC [ ... (arrow keys): all dropped */

	con.len = con.pos = 0;
	for (;;) {
		int c = next_byte();

		if (c == -2) {
			con.len = con.pos = 0;	/* the line typed so far goes with the interrupt */
			con.stopped = true;
			return false;
		}

		if (esc) {
			if (esc == 1 && c == '[') {
				esc = 2;
				continue;
			}
			if (esc == 2 && (c < 0x40 || c > 0x7e))
				continue;
			esc = 0;
			continue;
		}
		if (c == '\n' && con.last_cr) {		/* CR LF from a terminal: one newline */
			con.last_cr = false;
			continue;
		}
		con.last_cr = c == '\r';
		switch (c) {
		case '\r':
		case '\n':
			con.line[con.len++] = '\n';
			echo("\n", 1);
			return true;
		case 0x7f:	/* DEL, what a terminal's backspace key sends */
		case '\b':
			erase_char();
			continue;
		case 0x15:	/* Ctrl-U: erase the line */
			while (con.len > 0)
				erase_char();
			continue;
		case 0x03:	/* Ctrl-C: drop the line */
			con.len = 0;
			echo("^C\n", 3);
			continue;
		case EOT:
			if (con.len == 0)
				return false;
			continue;
		case 0x1b:
			esc = 1;
			continue;
		}
		if (c < 0x20 && c != '\t')
			continue;
		con.line[con.len++] = (char)c;
		echo(&con.line[con.len - 1], 1);
		if (con.len == sizeof(con.line) - 1)	/* full: hand over what there is */
			return true;
	}
}

static int repl_getc(void *ctx)
{
	int c;

	(void)ctx;
	if (con.eof)
		return -1;
	if (con.mode != REPL_TTY) {
		if ((c = next_byte()) == -2) {
			lisp_input_interrupted(&interp);
			return -1;
		}
		if (c == EOT) {
			con.eof = true;
			return -1;
		}
		return c;
	}
	con.stopped = false;
	if (con.pos == con.len && !read_line()) {
		if (con.stopped) {
			lisp_input_interrupted(&interp);
			return -1;
		}
		con.eof = true;
		return -1;
	}
	return (uint8_t)con.line[con.pos++];
}

static uintptr_t repl_main(void *arg)
{
	static const unsigned flags[] = {
		[REPL_TTY] = LISP_REPL_PRINT | LISP_REPL_PROMPT,
		[REPL_PIPE] = LISP_REPL_PRINT,
		[REPL_QUIET] = 0,
	};
	static const char *const names[] = { "tty", "pipe", "quiet" };
	struct lisp_input in;
	int rc;

	(void)arg;
	sched_preempt_disable();	/* from here on this CPU's heap is ours between safepoints */
	struct cpu *c = &cpus[arch_cpu_id()];
	struct lisp_config lc = {
		.heap = &c->heap,
		.write = out_write,
		.exit = do_exit,
		.gc_lend = lend,
		.safepoint = cpu_lisp_safepoint,
		.cstack_bytes = REPL_CSTACK_BYTES,
		.args = opt_args,
		.env = opt_env,
	};
	if (lisp_init(&interp, &lc) < 0) {
		kprintf("repl: the heap cannot hold the interpreter (heap_mb too small?)\n");
		arch_exit(1);
	}
	/* before the banner: in pipe mode everything after it is the program's output */
	if (tcp_repl && (net_state() == NET_STATE_UP || net_state() == NET_STATE_STARTING) &&
	    lisp_eval_string(&interp, tcp_repl_src, sizeof(tcp_repl_src) - 1) == 0 &&
	    con.mode != REPL_QUIET)
		kprintf("repl: sessions over TCP port 23 too (make run: 127.0.0.1:2323)\n");
	if (inspector && (net_state() == NET_STATE_UP || net_state() == NET_STATE_STARTING) &&
	    lisp_eval_string(&interp, inspector_src, sizeof(inspector_src) - 1) == 0 &&
	    con.mode != REPL_QUIET)
		kprintf("repl: the memory inspector on TCP port 80 (make run: http://127.0.0.1:8080/)\n");
	kprintf("repl: Scheme on cpu %u (repl=%s); (exit) or Ctrl-D powers off\n", arch_cpu_id(),
		names[con.mode]);
	lisp_input_init(&in, repl_getc, NULL);
	in.evaluating = set_busy;	/* every mode: thread-interrupt! ends a program's console read */
	rc = lisp_repl(&interp, &in, flags[con.mode]);
	if (con.mode == REPL_TTY)
		console_write("\n", 1);
	arch_exit(rc >= 0 && rc <= 126 ? rc : 127);
}

int repl_start(const char *cmdline)
{
	char mode[8];

	con.mode = REPL_TTY;
	split_options(cmdline);
	tcp_repl = !(cmdline_get(cmdline, "repl_tcp", mode, sizeof(mode)) && !strcmp(mode, "off"));
	inspector = !(cmdline_get(cmdline, "inspector", mode, sizeof(mode)) && !strcmp(mode, "off"));
	if (cmdline_get(cmdline, "repl", mode, sizeof(mode))) {
		if (!strcmp(mode, "pipe"))
			con.mode = REPL_PIPE;
		else if (!strcmp(mode, "quiet"))
			con.mode = REPL_QUIET;
		else if (strcmp(mode, "tty"))
			kprintf("repl: unknown mode repl=%s; using tty\n", mode);
	}
	if (con.mode == REPL_TTY)
		console_set_intr_hook(on_intr);	/* pipe and quiet: 0x03 is an ordinary byte */
	return sched_service_start("repl", repl_main, NULL, REPL_PRIO, 0) ? 0 : -1;
}
