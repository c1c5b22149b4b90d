/* test_lisp.c -- the interpreter through its C interface: evaluation of strings with output
 * captured from the write callback, reader errors and recovery, primitives registered from C,
 * a second instance sharing the global environment, heap exhaustion under a small block budget
 * (an error, never a crash), torture mode, and the system calls on the host (the driver
 * primitives refuse); every test ends with the heap verified and every root returned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lisp/lisp.h>
#include <lisp/internal.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/heaps/heap.h>

#include "heap_fixture.h"
#include "capture.h"

#define MIB	(1024 * 1024)

static struct lisp interp;

static struct lisp *start(size_t budget)
{
	struct heap *h = setup(0, budget);
	struct lisp_config cfg = { .heap = h, .write = capture, .cstack_bytes = 256 * 1024 };

	h->verify = false;	/* gc_verify at every collection is too slow for these programs */
	outlen = 0;
	out[0] = '\0';
	assert_int_equal(lisp_init(&interp, &cfg), 0);
	return &interp;
}

static void stop(struct lisp *L)
{
	lisp_destroy(L);
	teardown(L->h);
}

static int eval(struct lisp *L, const char *src)
{
	outlen = 0;
	out[0] = '\0';
	return lisp_eval_string(L, src, strlen(src));
}

/* Issue 12, hole 9: make-channel (and spawn) made their record after an allocation that may
 * collect, holding the record type unrooted. With a nursery big enough that the interpreter's
 * record types are still young after lisp_init, make-channel called straight from C (compiling
 * a call would collect first) with a collection at every allocation: the channel got a moved
 * type, so it was no channel (and named the emptied nursery). */
static void test_shared_record_rtd(void **state)
{
	struct heap *h = setup(32 * MIB, 256 * MIB);
	struct lisp_config cfg = { .heap = h, .write = capture, .cstack_bytes = 256 * 1024 };
	obj mk, ch, rtd;
	uint64_t minors;

	(void)state;
	assert_int_equal(lisp_init(&interp, &cfg), 0);
	/* one minor collection at most, lisp_globals_init's (the weak symbol table's holder must
	 * not move): everything made after it is young */
	minors = h->stats.minor_collections;
	assert_true(minors <= 1);
	mk = lisp_global_value(lisp_intern(&interp, "make-channel", 12));
	rtd = STATE(&interp, S_RTD_CHANNEL);
	assert_true(heap_young_p(h, rtd));
	heap_set_torture(h, true);
	ch = lisp_apply(&interp, mk, 0);
	heap_set_torture(h, false);
	assert_true(ch != OBJ_NULL);
	assert_true(h->stats.minor_collections > minors);
	assert_true(record_p(ch, STATE(&interp, S_RTD_CHANNEL)));
	stop(&interp);
}

static void test_eval(void **state)
{
	struct lisp *L = start(64 * MIB);

	(void)state;
	assert_int_equal(eval(L, "(define (f n) (if (= n 0) 1 (* n (f (- n 1))))) (display (f 25))"), 0);
	assert_string_equal(out, "15511210043330985984000000");
	assert_int_equal(eval(L, "(write (list \"a\" #\\b 'c (vector 1 2)))"), 0);
	assert_string_equal(out, "(\"a\" #\\b c #(1 2))");
	assert_int_equal(eval(L, "(display (f 3))"), 0);	/* definitions persist */
	assert_string_equal(out, "6");
	stop(L);
}

static void test_errors_go_on(void **state)
{
	struct lisp *L = start(64 * MIB);

	(void)state;
	assert_int_equal(eval(L, "(car 1) (display \"next\")"), 1);
	assert_string_equal(out, "error: car: expected pair, got 1\nnext");
	/* after a read error the rest of the line goes too: reading resumes on the next one */
	assert_int_equal(eval(L, "(display 1))(display 2)\n(display 3)"), 1);
	assert_string_equal(out, "1\nerror: read: unexpected \")\"\n3");	/* a fresh line */
	assert_int_equal(eval(L, "(display (list 1 #q 2)) (display 3)\n(display 4)"), 1);
	assert_string_equal(out, "\nerror: read: bad # syntax: #q\n4");
	assert_int_equal(eval(L, "\"unterminated"), 1);
	assert_string_equal(out, "\nerror: read: unterminated string\n");
	assert_int_equal(eval(L, "(display '(1 2"), 1);
	assert_string_equal(out, "error: read: unexpected end of input (missing \")\")\n");
	assert_int_equal(eval(L, "(if)"), 1);
	assert_string_equal(out, "error: if: bad syntax (if)\n");
	assert_int_equal(eval(L, "(display \"fine\")"), 0);
	assert_string_equal(out, "fine");
	stop(L);
}

static uintptr_t p_twice(struct lisp *L, int argc, uintptr_t *argv)
{
	(void)argc;
	if (!obj_fixnum_p(argv[0]))
		return lisp_type_error(L, "twice", "fixnum", argv[0]);
	return obj_fixnum(2 * obj_fixnum_value(argv[0]));
}

static void test_primitive(void **state)
{
	struct lisp *L = start(64 * MIB);

	(void)state;
	assert_int_equal(lisp_define_primitive(L, "twice", p_twice, 1, 1), 0);
	assert_int_equal(eval(L, "(display (map twice '(1 2 3)))"), 0);
	assert_string_equal(out, "(2 4 6)");
	assert_int_equal(eval(L, "(twice 'x)"), 1);
	assert_string_equal(out, "\nerror: twice: expected fixnum, got x\n");	/* after "(2 4 6)" */
	assert_int_equal(eval(L, "(twice 1 2)"), 1);
	assert_string_equal(out, "error: twice: expected 1 argument, got 2\n");
	assert_int_equal(eval(L, "(display (guard (e (#t (error-object-message e))) (twice \"s\")))"), 0);
	assert_string_equal(out, "twice: expected fixnum, got");
	stop(L);
}

/* A fake device behind device ports (lisp_device_port): input from a string in pieces of
 * dev_piece bytes, output appended to dev_out; a read of "!" fails with an error. */
static const char *dev_in;
static size_t dev_in_pos, dev_piece;
static char dev_out[16384];
static size_t dev_out_len;
static unsigned dev_closes, dev_releases, dev_writes;

static long dev_read(void *ctx, struct lisp *L, void *buf, size_t n)
{
	size_t left = strlen(dev_in) - dev_in_pos;

	(void)ctx;
	if (left && dev_in[dev_in_pos] == '!') {
		dev_in_pos++;
		lisp_error(L, "dev: broken", 0);
		return -1;
	}
	n = n < dev_piece ? n : dev_piece;
	n = n < left ? n : left;
	memcpy(buf, dev_in + dev_in_pos, n);
	dev_in_pos += n;
	return (long)n;
}

static long dev_write(void *ctx, struct lisp *L, const void *buf, size_t n)
{
	(void)ctx;
	(void)L;
	assert_true(dev_out_len + n <= sizeof(dev_out));
	memcpy(dev_out + dev_out_len, buf, n);
	dev_out_len += n;
	dev_writes++;
	return (long)n;
}

static bool dev_ready(void *ctx) { (void)ctx; return dev_in_pos < strlen(dev_in); }
static void dev_close(void *ctx, unsigned dir) { (void)ctx; (void)dir; dev_closes++; }
static void dev_release(void *ctx) { (void)ctx; dev_releases++; }

static const struct lisp_port_ops dev_ops = {
	"dev", dev_read, dev_write, dev_ready, dev_close, dev_release,
};

static uintptr_t p_test_device(struct lisp *L, int argc, uintptr_t *argv)
{
	(void)argc;
	(void)argv;
	return lisp_device_port(L, &dev_ops, NULL, LISP_PORT_IN | LISP_PORT_OUT);
}

static void test_device_ports(void **state)
{
	struct lisp *L = start(64 * MIB);
	char big[128];

	(void)state;
	dev_in = "(a b) 42 \"str\" line one\nxyz!more";
	dev_in_pos = 0;
	dev_piece = 3;
	dev_out_len = 0;
	dev_closes = dev_releases = dev_writes = 0;
	assert_int_equal(lisp_define_primitive(L, "test-device", p_test_device, 0, 0), 0);
	assert_int_equal(eval(L, "(define d (test-device))"
				 "(write (list (read d) (read d) (read d) (read-char d) (read-line d)"
				 " (read-u8 d) (peek-u8 d) (u8-ready? d) (textual-port? d) (binary-port? d)))"), 0);
	assert_string_equal(out, "((a b) 42 \"str\" #\\space \"line one\" 120 121 #t #t #t)");
	/* a read takes at most what the device has at once; the device's error is raised */
	assert_int_equal(eval(L, "(display (read-bytevector 10 d))"), 0);
	assert_string_equal(out, "#u8(121 122)");
	assert_int_equal(eval(L, "(read-u8 d)"), 1);
	assert_string_equal(out, "\nerror: dev: broken\n");	/* the console was mid-line */
	assert_int_equal(eval(L, "(display (read-string 10 d))"), 0);
	assert_string_equal(out, "more");
	/* output waits for flush-output-port or a full buffer */
	assert_int_equal(eval(L, "(write-string \"hello\" d) (write-u8 33 d)"), 0);
	assert_int_equal(dev_out_len, 0);
	assert_int_equal(eval(L, "(flush-output-port d)"), 0);
	assert_int_equal(dev_out_len, 6);
	assert_memory_equal(dev_out, "hello!", 6);
	snprintf(big, sizeof(big), "(display (make-string %d #\\z) d)", LISP_DEVICE_BUF + 100);
	assert_int_equal(eval(L, big), 0);
	assert_int_equal(dev_out_len, 6 + LISP_DEVICE_BUF);
	/* close flushes, closes each direction once, releases once; then every use is an error */
	assert_int_equal(eval(L, "(close-port d) (close-port d)"), 0);
	assert_int_equal(dev_out_len, 6 + LISP_DEVICE_BUF + 100);
	assert_int_equal(dev_closes, 2);
	assert_int_equal(dev_releases, 1);
	assert_int_equal(eval(L, "(read-char d)"), 1);
	assert_string_equal(out, "\nerror: read-char: the port is closed: #<port>\n");
	assert_int_equal(eval(L, "(display (list (input-port-open? d) (output-port-open? d)))"), 0);
	assert_string_equal(out, "(#f #f)");
	/* the table of device ports is bounded; closing gives the slots back */
	assert_int_equal(eval(L, "(define ps (let loop ((i 0) (acc '()))"
				 " (if (= i 1024) acc (loop (+ i 1) (cons (test-device) acc)))))"), 0);
	assert_int_equal(eval(L, "(test-device)"), 1);
	assert_string_equal(out, "\nerror: dev: too many open device ports (1024)\n");
	assert_int_equal(eval(L, "(for-each close-port ps) (close-output-port (test-device))"), 0);
	assert_int_equal(dev_releases, 1 + 1024);
	assert_int_equal(eval(L, "(for-each close-port ps)"), 0);
	assert_int_equal(dev_releases, 1 + 1024);
	stop(L);
}

/* (stack-probe): the value stack's capacity and how much of it the collector scans (issue 13:
 * handshakes scanned a whole stack object, megabytes after one deep recursion). */
static obj p_stack_probe(struct lisp *L, int argc, obj *argv)
{
	obj s = L->stack;

	(void)argc;
	(void)argv;
	return heap_cons(L->h, obj_fixnum((intptr_t)obj_size(s) - 1),
			 obj_fixnum((intptr_t)obj_hdr_nptrs(obj_header(s), obj_fields(s))));
}

static void test_stack_top(void **state)
{
	struct lisp *L = start(64 * MIB);

	(void)state;
	assert_int_equal(lisp_define_primitive(L, "stack-probe", p_stack_probe, 0, 0), 0);
	assert_int_equal(eval(L, "(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1)))))"
				 "(define (g) (f 100000) (stack-probe))"
				 "(define (deep n) (if (= n 0) (stack-probe) (let ((r (deep (- n 1)))) r)))"
				 "(let ((p (g))) (display (list (> (car p) 200000) (< (cdr p) 100))))"
				 "(let ((p (deep 5000))) (display (list (>= (cdr p) 5000) (<= (cdr p) (car p)))))"), 0);
	assert_string_equal(out, "(#t #t)(#t #t)");
	stop(L);
}

static void test_thread_instance(void **state)
{
	struct lisp *L = start(64 * MIB);
	static struct lisp child;
	struct lisp_config cfg = { .heap = L->h, .write = capture };

	(void)state;
	assert_int_equal(eval(L, "(define shared 41)"), 0);
	assert_int_equal(lisp_init_thread(&child, L, &cfg), 0);
	assert_int_equal(eval(&child, "(set! shared (+ shared 1)) (define from-child 'hello)"), 0);
	assert_int_equal(eval(L, "(display (list shared from-child))"), 0);
	assert_string_equal(out, "(42 hello)");
	/* each has its own dynamic state: an error in one leaves the other alone */
	assert_int_equal(eval(&child, "(car '())"), 1);
	assert_int_equal(eval(L, "(display (map (lambda (x) (* x x)) '(1 2 3)))"), 0);
	assert_string_equal(out, "(1 4 9)");
	lisp_destroy(&child);
	stop(L);
}

static void test_heap_exhausted(void **state)
{
	struct lisp *L = start(6 * MIB);

	(void)state;
	assert_int_equal(eval(L, "(define (build n acc) (if (= n 0) acc (build (- n 1) (cons n acc))))"
				 "(define big (build 10000000 '()))"), 1);
	assert_non_null(strstr(out, "error: heap exhausted"));
	stop(L);
}

static void test_recursion_too_deep(void **state)
{
	struct lisp *L = start(256 * MIB);

	(void)state;
	assert_int_equal(eval(L, "(define (f n) (+ 1 (f n))) (f 0) (display 'after)"), 1);
	assert_string_equal(out, "error: recursion too deep\nafter");
	assert_int_equal(eval(L, "(define (g n) (if (= n 0) 0 (+ 1 (g (- n 1))))) (display (g 100000))"), 0);
	assert_string_equal(out, "100000");
	stop(L);
}

static void test_torture(void **state)
{
	struct lisp *L;

	(void)state;
	L = start(64 * MIB);
	heap_set_torture(L->h, true);
	assert_int_equal(eval(L, "(define-syntax my-or (syntax-rules () ((_) #f) ((_ e r ...) (let ((t e)) (if t t (my-or r ...))))))"
				 "(define t 5)"
				 "(display (list (my-or #f t) `(1 ,@(map (lambda (x) (* x x)) '(2 3)) ,(string-append \"a\" \"b\"))"
				 " (call/cc (lambda (k) (dynamic-wind (lambda () #f) (lambda () (k 'out)) (lambda () #f))))"
				 " (guard (e ((string? e) e)) (raise \"raised\"))))"), 0);
	assert_string_equal(out, "(5 (1 4 9 ab) out raised)");
	heap_set_torture(L->h, false);
	stop(L);
}

/* lisp/sys.c on the host: the driver primitives refuse with a clear error (no ports, device
 * memory or PCI here) and the REPL goes on; the rest works without a scheduler. */
static void test_system_calls(void **state)
{
	static const struct { const char *src, *msg; } refused[] = {
		{ "(in8 #x3f8)", "error: in8: no I/O ports on the host build\n" },
		{ "(in16 1)", "error: in16: no I/O ports on the host build\n" },
		{ "(in32 1)", "error: in32: no I/O ports on the host build\n" },
		{ "(out8 #x80 1)", "error: out8: no I/O ports on the host build\n" },
		{ "(out16 1 1)", "error: out16: no I/O ports on the host build\n" },
		{ "(out32 1 1)", "error: out32: no I/O ports on the host build\n" },
		{ "(mmio-read32 #xfee00030)", "error: mmio-read32: no device memory on the host build\n" },
		{ "(mmio-write32 #xfee00030 0)", "error: mmio-write32: no device memory on the host build\n" },
		{ "(pci-devices)", "error: pci-devices: no PCI bus on the host build\n" },
		{ "(sleep 'x)", "error: sleep: expected non-negative exact integer (milliseconds), got x\n" },
		{ "(gc 'partial)", "error: gc: expected the symbol full, got partial\n" },
	};
	struct lisp *L = start(64 * MIB);

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(eval(L, refused[i].src), 1);
		assert_string_equal(out, refused[i].msg);
	}
	assert_int_equal(eval(L, "(sleep 2) (yield) (gc) (gc 'full)"
				 "(display (list (ncpus) (cpu-id) (length (gc-stats))"
				 " (cdr (assq 'cpu (heap-stats))) (cdr (assq 'generation (object-info 7)))"
				 " (cdr (assq 'major-collections (car (gc-stats))))))"), 0);
	assert_string_equal(out, "(1 0 1 0 immediate 1)");
	stop(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_shared_record_rtd),
		cmocka_unit_test(test_errors_go_on),
		cmocka_unit_test(test_primitive),
		cmocka_unit_test(test_device_ports),
		cmocka_unit_test(test_stack_top),
		cmocka_unit_test(test_thread_instance),
		cmocka_unit_test(test_heap_exhausted),
		cmocka_unit_test(test_recursion_too_deep),
		cmocka_unit_test(test_torture),
		cmocka_unit_test(test_system_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
