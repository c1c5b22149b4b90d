/* ports.c -- ports: the console (output through the embedder's write callback, input from the
 * REPL's byte source), string and bytevector ports (input from a copy, output to a growing
 * bytevector) and device ports (C operations, lisp.h); the textual and the binary operations.
 * A port is a record (kind, buffer, position, flags, limit, device, out-buffer, out-position);
 * its flags say input/output, textual/binary and which directions are open. A port may be
 * shared, and used from several CPUs at once: each operation reads the buffer and the position
 * once (obj_load) and keeps every byte it touches inside the buffer it read, so racing users
 * lose text but never write outside an object. */
#include <smp/spinlock.h>

#include "compile.h"

#define ARGC_UNUSED	(void)argc

enum port_flag {
	PF_IN = 1, PF_OUT = 2,		/* the directions it has (LISP_PORT_IN, LISP_PORT_OUT) */
	PF_IN_OPEN = 4, PF_OUT_OPEN = 8,
	PF_TEXT = 16, PF_BIN = 32,	/* the operations it takes */
	PF_FOLD = 64,			/* read met #!fold-case last (R7RS 2.1: for the port's rest);
					 * two threads reading at once: like PORT_POS, one wins */
};

static intptr_t kind_of(obj port) { return fxv(obj_load(&obj_fields(port)[PORT_KIND])); }
static intptr_t flags_of(obj port) { return fxv(obj_load(&obj_fields(port)[PORT_FLAGS])); }
static obj buf_of(obj port) { return obj_load(&obj_fields(port)[PORT_BUF]); }

/* A field holding a position, at most len (another CPU may have moved them apart). */
static size_t pos_field(obj port, size_t f, size_t len)
{
	size_t pos = (size_t)fxv(obj_load(&obj_fields(port)[f]));

	return pos < len ? pos : len;
}

static size_t pos_of(obj port, obj buf) { return pos_field(port, PORT_POS, obj_bytes_length(buf)); }

obj lisp_make_port(struct lisp *L, int kind, obj buf)
{
	obj p;
	intptr_t f;

	switch (kind) {
	case PORT_BUF_IN: f = PF_IN | PF_IN_OPEN | (string_p(buf) ? PF_TEXT : PF_BIN); break;
	case PORT_BUF_OUT: f = PF_OUT | PF_OUT_OPEN; break;	/* the caller adds the kind */
	default: f = 0; break;
	}
	ROOT(buf);
	p = lisp_make_record(L, STATE(L, S_RTD_PORT), PORT_NFIELDS - 1);
	UNROOT(buf);
	if (p != OBJ_NULL) {
		obj_init_field(L, p, PORT_KIND, fx(kind));
		obj_init_field(L, p, PORT_BUF, buf);
		obj_init_field(L, p, PORT_POS, fx(0));
		obj_init_field(L, p, PORT_FLAGS, fx(f));
		obj_init_field(L, p, PORT_LIM, fx(0));
		obj_init_field(L, p, PORT_DEV, OBJ_FALSE);
		obj_init_field(L, p, PORT_OBUF, OBJ_FALSE);
		obj_init_field(L, p, PORT_OPOS, fx(0));
	}
	return p;
}

static void set_flags(struct lisp *L, obj port, intptr_t f) { lisp_store_now(L, port, PORT_FLAGS, fx(f)); }

/* Whether the console's last byte was not a newline, so that an error report starts a fresh
 * line: one word for the output written last, its write_ctx shifted left and the bit. Every
 * thread of a console shares it (one thread's (display "x"), then another's error); a TCP
 * session's output replaces it (its prompt starts its lines). Relaxed: two CPUs writing at
 * once may cost the report its newline or give it one more, never a byte of output. */
static uintptr_t last_output;

void lisp_console_mark(struct lisp *L, bool midline)
{
	__atomic_store_n(&last_output, (uintptr_t)L->cfg.write_ctx << 1 | midline, __ATOMIC_RELAXED);
}

bool lisp_console_midline(struct lisp *L)
{
	return __atomic_load_n(&last_output, __ATOMIC_RELAXED) == ((uintptr_t)L->cfg.write_ctx << 1 | 1);
}

void lisp_console_write(struct lisp *L, const char *buf, size_t len)
{
	if (L->cfg.write)
		L->cfg.write(L->cfg.write_ctx, buf, len);
	if (len > 0)
		lisp_console_mark(L, buf[len - 1] != '\n');
}

/* --- device ports: a table of handles. A port names its device by slot index and generation
 * (one fixnum), so a closed port's handle no longer finds it. devlock guards the table; no
 * device operation runs under it. busy counts the operations running; the last one after every
 * direction closed releases the slot. --- */

struct dev_slot {
	const struct lisp_port_ops *ops;	/* NULL: free */
	void *ctx;
	unsigned gen;				/* bumped when the slot is released */
	unsigned open;				/* directions not closed yet (LISP_PORT_*) */
	unsigned busy;				/* operations running */
	bool flushing;				/* a thread is sending the output buffer */
};

#define DEV_GEN_MAX	((unsigned)(OBJ_FIXNUM_MAX / LISP_DEVICE_PORTS))
static struct spinlock devlock = SPINLOCK_INIT("device-ports");
static struct dev_slot devs[LISP_DEVICE_PORTS];

static obj dev_handle(size_t i) { return fx((intptr_t)(devs[i].gen * LISP_DEVICE_PORTS + i)); }

/* Called with devlock; true if the slot is free now (its release is the caller's to call) */
static bool dev_done(struct dev_slot *d)
{
	if (d->open || d->busy || !d->ops)
		return false;
	d->ops = NULL;
	d->gen = (d->gen + 1) % DEV_GEN_MAX;
	return true;
}

/* The slot of handle h with direction dir still open, marked busy; NULL if closed. */
static struct dev_slot *dev_get(obj h, unsigned dir)
{
	struct dev_slot *d = NULL;
	size_t i;

	if (!obj_fixnum_p(h))
		return NULL;
	i = (size_t)fxv(h) % LISP_DEVICE_PORTS;
	spin_lock(&devlock);
	if (devs[i].ops && dev_handle(i) == h && (devs[i].open & dir)) {
		d = &devs[i];
		d->busy++;
	}
	spin_unlock(&devlock);
	return d;
}

static void dev_put(struct dev_slot *d)
{
	const struct lisp_port_ops *ops = d->ops;
	void *ctx = d->ctx;
	bool done;

	spin_lock(&devlock);
	d->busy--;
	done = dev_done(d);
	spin_unlock(&devlock);
	if (done && ops->release)
		ops->release(ctx);
}

/* Close direction dir of the device behind h (once: a second close finds it closed) */
static void dev_close(obj h, unsigned dir)
{
	struct dev_slot *d = dev_get(h, dir);
	const struct lisp_port_ops *ops;

	if (!d)
		return;
	spin_lock(&devlock);
	dir &= d->open;
	d->open &= ~dir;
	ops = d->ops;
	spin_unlock(&devlock);
	if (dir)
		ops->close(d->ctx, dir);
	dev_put(d);
}

uintptr_t lisp_device_port(struct lisp *L, const struct lisp_port_ops *ops, void *ctx, unsigned dirs)
{
	obj p = OBJ_NULL, ib = OBJ_FALSE, ob = OBJ_FALSE;
	size_t i;
	intptr_t f = PF_TEXT | PF_BIN;

	dirs &= LISP_PORT_IN | LISP_PORT_OUT;
	spin_lock(&devlock);
	for (i = 0; i < LISP_DEVICE_PORTS && devs[i].ops; i++)
		;
	if (i < LISP_DEVICE_PORTS) {	/* reserved: open stays 0 until the port exists */
		devs[i].ops = ops;
		devs[i].ctx = ctx;
		devs[i].open = 0;
		devs[i].busy = 1;
		devs[i].flushing = false;
	}
	spin_unlock(&devlock);
	if (i == LISP_DEVICE_PORTS)
		return lisp_errorf(L, OBJ_NULL, "%s: too many open device ports (%d)", ops->name,
				   LISP_DEVICE_PORTS);
	if (dirs & LISP_PORT_IN)
		ib = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, LISP_DEVICE_BUF);
	ROOT(ib);
	if (ib != OBJ_NULL && (dirs & LISP_PORT_OUT))
		ob = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, LISP_DEVICE_BUF);
	ROOT(ob);
	if (ib != OBJ_NULL && ob != OBJ_NULL)
		p = lisp_make_port(L, PORT_DEVICE, ib);
	UNROOT(ob);
	UNROOT(ib);
	if (p != OBJ_NULL) {
		if (dirs & LISP_PORT_IN)
			f |= PF_IN | PF_IN_OPEN;
		if (dirs & LISP_PORT_OUT)
			f |= PF_OUT | PF_OUT_OPEN;
		obj_init_field(L, p, PORT_FLAGS, fx(f));	/* p is young: nobody else saw it */
		obj_init_field(L, p, PORT_DEV, dev_handle(i));
		obj_init_field(L, p, PORT_OBUF, ob);
		/* published: the port and its buffers never move, so the device reads and writes
		 * them in place while it waits, and a port's C variable stays valid across waits */
		if (!lisp_publish(L, &p))
			p = OBJ_NULL;
	}
	spin_lock(&devlock);
	devs[i].busy = 0;
	if (p != OBJ_NULL)
		devs[i].open = dirs;
	else
		dev_done(&devs[i]);	/* nothing of ctx was used: not released */
	spin_unlock(&devlock);
	return p;
}

static bool closed_error(struct lisp *L, obj port, const char *who)
{
	lisp_errorf(L, port, "%s: the port is closed:", who);
	return false;
}

/* Send the device port's buffered output (keeping it on an error). Device ports are published
 * (lisp_device_port): neither the port nor its buffers move while the device waits. */
static bool dev_flush(struct lisp *L, obj port)
{
	obj b = obj_load(&obj_fields(port)[PORT_OBUF]);
	size_t n;
	struct dev_slot *d;
	long r;

	if (!bytevector_p(b))
		return true;
	n = pos_field(port, PORT_OPOS, obj_bytes_length(b));
	if (n == 0)
		return true;
	d = dev_get(obj_load(&obj_fields(port)[PORT_DEV]), LISP_PORT_OUT);
	if (!d)
		return closed_error(L, port, "flush-output-port");
	spin_lock(&devlock);
	if (d->flushing) {
		/* another thread is sending these very bytes (a close racing a blocked write):
		 * sending them again would repeat them */
		spin_unlock(&devlock);
		dev_put(d);
		return true;
	}
	d->flushing = true;
	spin_unlock(&devlock);
	r = d->ops->write(d->ctx, L, obj_bytes_data(b), n);	/* b is published: stays put */
	spin_lock(&devlock);
	d->flushing = false;
	spin_unlock(&devlock);
	dev_put(d);
	if (r < 0)
		return false;
	lisp_store_now(L, port, PORT_OPOS, fx(0));
	return true;
}

/* Read more into the device port's input buffer: bytes now there (0 at the end, -1 raised). */
static long dev_fill(struct lisp *L, obj port)
{
	obj b = buf_of(port);
	struct dev_slot *d = dev_get(obj_load(&obj_fields(port)[PORT_DEV]), LISP_PORT_IN);
	size_t cap = obj_bytes_length(b);
	long r;

	if (!d) {
		closed_error(L, port, "read");
		return -1;
	}
	r = d->ops->read(d->ctx, L, obj_bytes_data(b), cap);	/* b is published: stays put */
	dev_put(d);
	if (r <= 0)
		return r;
	if ((size_t)r > cap)
		r = (long)cap;
	lisp_store_now(L, port, PORT_POS, fx(0));
	lisp_store_now(L, port, PORT_LIM, fx(r));
	return r;
}

static bool write_buf_out(struct lisp *L, obj port, const char *buf, size_t len)
{
	obj b = buf_of(port);
	size_t pos = pos_of(port, b), cap = obj_bytes_length(b);

	if (len > cap - pos) {
		obj nb;
		bool ok;

		if (len > OBJ_FIXNUM_MAX / 4 || cap > OBJ_FIXNUM_MAX / 4) {
			lisp_errorf(L, OBJ_NULL, "write: string port too large");
			return false;
		}
		ROOT(port);
		ROOT(b);
		nb = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 2 * cap + len);
		UNROOT(b);
		if (nb == OBJ_NULL) {
			UNROOT(port);
			return false;
		}
		memcpy(obj_bytes_data(nb), obj_bytes_data(b), pos);
		ROOT(nb);
		ok = lisp_store(L, port, PORT_BUF, nb);	/* publishes nb if the port is shared */
		UNROOT(nb);
		UNROOT(port);
		if (!ok)
			return false;
		b = nb;
	}
	memcpy(obj_bytes_data(b) + pos, buf, len);
	lisp_store_now(L, port, PORT_POS, fx((intptr_t)(pos + len)));
	return true;
}

static bool write_device(struct lisp *L, obj port, const char *buf, size_t len)
{
	while (len > 0) {
		obj b = obj_load(&obj_fields(port)[PORT_OBUF]);
		size_t cap = obj_bytes_length(b), pos = pos_field(port, PORT_OPOS, cap), k;

		if (pos == cap) {
			if (!dev_flush(L, port))
				return false;
			continue;
		}
		k = len < cap - pos ? len : cap - pos;
		memcpy(obj_bytes_data(b) + pos, buf, k);
		lisp_store_now(L, port, PORT_OPOS, fx((intptr_t)(pos + k)));
		buf += k;
		len -= k;
	}
	return true;
}

bool lisp_port_write(struct lisp *L, obj port, const char *buf, size_t len)
{
	if (!(flags_of(port) & PF_OUT_OPEN))
		return closed_error(L, port, "write");
	switch (kind_of(port)) {
	case PORT_CONSOLE:
		lisp_console_write(L, buf, len);
		return true;
	case PORT_BUF_OUT:
		return write_buf_out(L, port, buf, len);
	case PORT_DEVICE:
		return write_device(L, port, buf, len);
	}
	return closed_error(L, port, "write");
}

int lisp_port_getc(struct lisp *L, obj port, bool peek)
{
	obj s;
	size_t pos, lim;

	if (!(flags_of(port) & PF_IN_OPEN))
		return -1;
	switch (kind_of(port)) {
	case PORT_BUF_IN:
		s = buf_of(port);
		pos = pos_of(port, s);
		if (pos >= obj_bytes_length(s))
			return -1;
		if (!peek)
			lisp_store_now(L, port, PORT_POS, fx((intptr_t)pos + 1));
		return obj_bytes_data(s)[pos];
	case PORT_CONSOLE:
		return L->input ? lisp_input_getc(L->input, peek) : -1;
	case PORT_DEVICE:
		s = buf_of(port);
		lim = pos_field(port, PORT_LIM, obj_bytes_length(s));
		pos = pos_field(port, PORT_POS, lim);
		if (pos == lim) {
			long r = dev_fill(L, port);	/* the port is published: stays put */

			if (r < 0)	/* the error is raised when the primitive returns (lisp.h) */
				L->raise_pending = true;
			if (r <= 0)
				return -1;
			s = buf_of(port);
			pos = 0;
		}
		if (!peek)
			lisp_store_now(L, port, PORT_POS, fx((intptr_t)pos + 1));
		return obj_bytes_data(s)[pos];
	}
	return -1;
}

/* --- port arguments: port argument i of the primitive (default: the current one), which must
 * have every flag of want --- */

static obj port_arg(struct lisp *L, int argc, obj *argv, int i, const char *who, intptr_t want)
{
	bool out = want & PF_OUT;
	obj p = argc > i ? argv[i] : STATE(L, out ? S_OUT : S_IN);
	intptr_t f;

	if (!port_p(L, p) || (~(f = flags_of(p)) & (want & (PF_IN | PF_OUT | PF_TEXT | PF_BIN))))
		return lisp_type_error(L, who,
				       want & PF_BIN ? (out ? "binary output port" : "binary input port")
						     : (out ? "textual output port" : "textual input port"), p);
	if (!(f & (out ? PF_OUT_OPEN : PF_IN_OPEN))) {
		closed_error(L, p, who);
		return OBJ_NULL;
	}
	return p;
}

static obj out_port(struct lisp *L, int argc, obj *argv, int i, const char *who)
{
	return port_arg(L, argc, argv, i, who, PF_OUT | PF_TEXT);
}

static obj in_port(struct lisp *L, int argc, obj *argv, int i, const char *who)
{
	return port_arg(L, argc, argv, i, who, PF_IN | PF_TEXT);
}

static obj print(struct lisp *L, int argc, obj *argv, const char *who, int mode)
{
	obj p = out_port(L, argc, argv, 1, who);

	if (p == OBJ_NULL)
		return OBJ_NULL;
	return lisp_print(L, lisp_args(L)[0], p, mode) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_display(struct lisp *L, int argc, obj *argv) { return print(L, argc, argv, "display", PRINT_DISPLAY); }
static obj p_write(struct lisp *L, int argc, obj *argv) { return print(L, argc, argv, "write", PRINT_WRITE); }
static obj p_write_shared(struct lisp *L, int argc, obj *argv)
{
	return print(L, argc, argv, "write-shared", PRINT_WRITE_SHARED);
}

static obj p_newline(struct lisp *L, int argc, obj *argv)
{
	obj p = out_port(L, argc, argv, 0, "newline");

	return p && lisp_port_write(L, p, "\n", 1) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_write_char(struct lisp *L, int argc, obj *argv)
{
	char u[4];
	obj p;

	if (!obj_char_p(argv[0]))
		return lisp_type_error(L, "write-char", "character", argv[0]);
	p = out_port(L, argc, argv, 1, "write-char");
	if (p == OBJ_NULL)
		return OBJ_NULL;
	return lisp_port_write(L, p, u, lisp_utf8_encode(obj_char_value(argv[0]), u)) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_write_string(struct lisp *L, int argc, obj *argv)
{
	obj p;

	if (!string_p(argv[0]))
		return lisp_type_error(L, "write-string", "string", argv[0]);
	p = out_port(L, argc, argv, 1, "write-string");
	if (p == OBJ_NULL)
		return OBJ_NULL;
	return lisp_print(L, lisp_args(L)[0], p, PRINT_DISPLAY) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj open_output(struct lisp *L, intptr_t kind)
{
	obj b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 64), p;

	if (b == OBJ_NULL || (p = lisp_make_port(L, PORT_BUF_OUT, b)) == OBJ_NULL)
		return OBJ_NULL;
	set_flags(L, p, flags_of(p) | kind);
	return p;
}

static obj p_open_output_string(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	(void)argv;
	return open_output(L, PF_TEXT);
}

static obj p_open_output_bytevector(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	(void)argv;
	return open_output(L, PF_BIN);
}

/* What an output string or bytevector port holds (also once closed, as Guile and Chibi do) */
static obj get_output(struct lisp *L, obj p, const char *who, intptr_t kind)
{
	obj b;

	if (!port_p(L, p) || kind_of(p) != PORT_BUF_OUT || !(flags_of(p) & kind))
		return lisp_type_error(L, who, kind == PF_TEXT ? "string output port" : "bytevector output port", p);
	b = buf_of(p);
	return lisp_copy_bytes(L, kind == PF_TEXT ? OBJ_T_STRING : OBJ_T_BYTEVECTOR, b, 0, pos_of(p, b));
}

static obj p_get_output_string(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return get_output(L, argv[0], "get-output-string", PF_TEXT);
}

static obj p_get_output_bytevector(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return get_output(L, argv[0], "get-output-bytevector", PF_BIN);
}

static obj open_input(struct lisp *L, obj src, unsigned type, const char *who)
{
	obj s;

	if (!obj_type_p(src, type))
		return lisp_type_error(L, who, type == OBJ_T_STRING ? "string" : "bytevector", src);
	s = lisp_copy_bytes(L, type, src, 0, obj_bytes_length(src));
	return s ? lisp_make_port(L, PORT_BUF_IN, s) : OBJ_NULL;
}

static obj p_open_input_string(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return open_input(L, argv[0], OBJ_T_STRING, "open-input-string");
}

static obj p_open_input_bytevector(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return open_input(L, argv[0], OBJ_T_BYTEVECTOR, "open-input-bytevector");
}

/* One UTF-8 character from a port; -1 at the end. (A peek of a non-ASCII character on the
 * console consumes it: the console keeps one byte of lookahead.) */
static int32_t port_char(struct lisp *L, obj port, bool peek)
{
	int c = lisp_port_getc(L, port, true);
	uint8_t buf[4];
	size_t k, n;

	if (c < 0x80) {
		if (c >= 0 && !peek)
			lisp_port_getc(L, port, false);
		return c;
	}
	if (kind_of(port) == PORT_BUF_IN) {
		obj s = buf_of(port);
		size_t pos = pos_of(port, s), len = obj_bytes_length(s);
		uint32_t u;

		if (pos >= len)	/* another CPU read it meanwhile */
			return -1;
		u = lisp_utf8_decode(obj_bytes_data(s), len, pos, &n);
		if (!peek)
			lisp_store_now(L, port, PORT_POS, fx((intptr_t)(pos + n)));
		return (int32_t)u;
	}
	buf[0] = (uint8_t)lisp_port_getc(L, port, false);
	k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	for (n = 1; n < k; n++) {
		int d = lisp_port_getc(L, port, true);

		if (d < 0 || (d & 0xC0) != 0x80)
			break;
		buf[n] = (uint8_t)lisp_port_getc(L, port, false);
	}
	return (int32_t)lisp_utf8_decode(buf, n, 0, &k);
}

static obj p_read_char(struct lisp *L, int argc, obj *argv)
{
	obj p = in_port(L, argc, argv, 0, "read-char");
	int32_t c;

	if (p == OBJ_NULL)
		return OBJ_NULL;
	c = port_char(L, p, false);
	return c < 0 ? OBJ_EOF : obj_char((uint32_t)c);
}

static obj p_peek_char(struct lisp *L, int argc, obj *argv)
{
	obj p = in_port(L, argc, argv, 0, "peek-char");
	int32_t c;

	if (p == OBJ_NULL)
		return OBJ_NULL;
	c = port_char(L, p, true);
	return c < 0 ? OBJ_EOF : obj_char((uint32_t)c);
}

static obj p_read_line(struct lisp *L, int argc, obj *argv)
{
	obj p = in_port(L, argc, argv, 0, "read-line"), b, s;
	size_t n = 0;
	int c = -1;

	if (p == OBJ_NULL)
		return OBJ_NULL;
	ROOT(p);
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 64);
	ROOT(b);
	while (b != OBJ_NULL && (c = lisp_port_getc(L, p, false)) >= 0 && c != '\n') {
		if (n == obj_bytes_length(b)) {
			obj nb = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 2 * n);

			if (nb != OBJ_NULL)
				memcpy(obj_bytes_data(nb), obj_bytes_data(b), n);
			b = nb;
			if (b == OBJ_NULL)
				break;
		}
		obj_bytes_data(b)[n++] = (uint8_t)c;
	}
	if (b != OBJ_NULL && n > 0 && obj_bytes_data(b)[n - 1] == '\r')
		n--;
	s = b == OBJ_NULL ? OBJ_NULL : (n == 0 && c < 0) ? OBJ_EOF : lisp_copy_bytes(L, OBJ_T_STRING, b, 0, n);
	UNROOT(b);
	UNROOT(p);
	return s;
}

static obj p_read_string(struct lisp *L, int argc, obj *argv)
{
	obj p, b;
	size_t k, n = 0, cap;

	if (!obj_fixnum_p(argv[0]) || fxv(argv[0]) < 0)
		return lisp_type_error(L, "read-string", "non-negative exact integer", argv[0]);
	k = (size_t)fxv(argv[0]);
	p = in_port(L, argc, argv, 1, "read-string");
	if (p == OBJ_NULL)
		return OBJ_NULL;
	/* room for what arrives, grown as it does (k may be far more than the port holds) */
	cap = MIN(k, (size_t)1024) * 4;
	ROOT(p);
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, cap);
	ROOT(b);
	for (size_t i = 0; b != OBJ_NULL && i < k; i++) {
		int32_t c = port_char(L, p, false);

		if (c < 0)
			break;
		if (n + 4 > cap) {
			obj nb = cap > OBJ_FIXNUM_MAX / 4 ? OBJ_NULL :
				 lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 2 * cap);

			if (nb == OBJ_NULL) {
				if (cap > OBJ_FIXNUM_MAX / 4)
					lisp_errorf(L, OBJ_NULL, "read-string: string too large");
				b = OBJ_NULL;
				break;
			}
			memcpy(obj_bytes_data(nb), obj_bytes_data(b), n);
			b = nb;
			cap *= 2;
		}
		n += lisp_utf8_encode((uint32_t)c, (char *)obj_bytes_data(b) + n);
	}
	UNROOT(b);
	UNROOT(p);
	if (b == OBJ_NULL)
		return OBJ_NULL;
	if (n == 0 && k > 0)
		return OBJ_EOF;
	return lisp_copy_bytes(L, OBJ_T_STRING, b, 0, n);
}

/* Whether a device port has bytes in its buffer */
static bool dev_buffered(obj p)
{
	size_t len = obj_bytes_length(buf_of(p));

	return pos_field(p, PORT_POS, len) < pos_field(p, PORT_LIM, len);
}

/* Whether a read of p would not wait: buffered bytes, or the device says so */
static bool port_ready(obj p)
{
	struct dev_slot *d;
	bool r;

	if (kind_of(p) != PORT_DEVICE || dev_buffered(p))
		return true;
	d = dev_get(obj_load(&obj_fields(p)[PORT_DEV]), LISP_PORT_IN);
	if (!d)
		return true;	/* closed: a read returns at once */
	r = !d->ops->ready || d->ops->ready(d->ctx);
	dev_put(d);
	return r;
}

static obj p_char_ready(struct lisp *L, int argc, obj *argv)
{
	obj p = in_port(L, argc, argv, 0, "char-ready?");

	return p == OBJ_NULL ? OBJ_NULL : obj_bool(port_ready(p));
}

/* --- binary input and output --- */

static obj bin_in(struct lisp *L, int argc, obj *argv, int i, const char *who)
{
	return port_arg(L, argc, argv, i, who, PF_IN | PF_BIN);
}

static obj bin_out(struct lisp *L, int argc, obj *argv, int i, const char *who)
{
	return port_arg(L, argc, argv, i, who, PF_OUT | PF_BIN);
}

static obj u8(struct lisp *L, int argc, obj *argv, const char *who, bool peek)
{
	obj p = bin_in(L, argc, argv, 0, who);
	int c;

	if (p == OBJ_NULL)
		return OBJ_NULL;
	c = lisp_port_getc(L, p, peek);
	return c < 0 ? OBJ_EOF : fx(c);
}

static obj p_read_u8(struct lisp *L, int argc, obj *argv) { return u8(L, argc, argv, "read-u8", false); }
static obj p_peek_u8(struct lisp *L, int argc, obj *argv) { return u8(L, argc, argv, "peek-u8", true); }

static obj p_u8_ready(struct lisp *L, int argc, obj *argv)
{
	obj p = bin_in(L, argc, argv, 0, "u8-ready?");

	return p == OBJ_NULL ? OBJ_NULL : obj_bool(port_ready(p));
}

/* The range [start, end) of bytevector arguments at argv[i], argv[i+1] (defaults 0, len) */
static bool range_args(struct lisp *L, int argc, obj *argv, int i, size_t len, size_t *start,
		       size_t *end, const char *who)
{
	*start = 0;
	*end = len;
	if (argc > i) {
		if (!obj_fixnum_p(argv[i]) || fxv(argv[i]) < 0 || (size_t)fxv(argv[i]) > len) {
			lisp_errorf(L, argv[i], "%s: start out of range:", who);
			return false;
		}
		*start = (size_t)fxv(argv[i]);
	}
	if (argc > i + 1) {
		if (!obj_fixnum_p(argv[i + 1]) || fxv(argv[i + 1]) < (intptr_t)*start ||
		    (size_t)fxv(argv[i + 1]) > len) {
			lisp_errorf(L, argv[i + 1], "%s: end out of range:", who);
			return false;
		}
		*end = (size_t)fxv(argv[i + 1]);
	}
	return true;
}

/* Bytes from p into bv[start, end): how many (0 at the end); -1 if an error is pending. From a
 * device port, what its buffer holds or else what one read of the device gives (R7RS: up to
 * k bytes, waiting only for the first). */
static long read_into(struct lisp *L, obj p, size_t bv_slot, size_t start, size_t end)
{
	size_t n = start;

	while (n < end) {
		int c = lisp_port_getc(L, p, false);

		if (c < 0)
			break;
		obj_bytes_data(stk(L)[bv_slot])[n++] = (uint8_t)c;
		if (kind_of(p) == PORT_DEVICE && !dev_buffered(p))
			break;
	}
	if (L->raise_pending && n == start)
		return -1;
	return (long)(n - start);
}

static obj p_read_bytevector(struct lisp *L, int argc, obj *argv)
{
	obj p, b;
	size_t k, slot;
	long n;

	if (!obj_fixnum_p(argv[0]) || fxv(argv[0]) < 0)
		return lisp_type_error(L, "read-bytevector", "non-negative exact integer", argv[0]);
	k = (size_t)fxv(argv[0]);
	p = bin_in(L, argc, argv, 1, "read-bytevector");
	if (p == OBJ_NULL)
		return OBJ_NULL;
	if (k > OBJ_FIXNUM_MAX / 4)
		return lisp_errorf(L, argv[0], "read-bytevector: too many bytes:");
	/* no more than the port can give: what a string port holds, one device buffer */
	if (kind_of(p) == PORT_BUF_IN)
		k = MIN(k, obj_bytes_length(buf_of(p)) - pos_of(p, buf_of(p)));
	else
		k = MIN(k, (size_t)LISP_DEVICE_BUF);
	if (!lisp_push(L, p))
		return OBJ_NULL;
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, k);
	if (b == OBJ_NULL || !lisp_push(L, b)) {
		L->sp--;
		return OBJ_NULL;
	}
	slot = L->sp - 1;
	n = read_into(L, stk(L)[slot - 1], slot, 0, k);
	b = n < 0 ? OBJ_NULL : (n == 0 && fxv(lisp_args(L)[0]) > 0) ? OBJ_EOF :
	    lisp_copy_bytes(L, OBJ_T_BYTEVECTOR, stk(L)[slot], 0, (size_t)n);
	L->sp -= 2;
	return b;
}

static obj p_read_bytevector_x(struct lisp *L, int argc, obj *argv)
{
	obj p;
	size_t start, end;
	long n;

	if (!bytevector_p(argv[0]))
		return lisp_type_error(L, "read-bytevector!", "bytevector", argv[0]);
	p = bin_in(L, argc, argv, 1, "read-bytevector!");
	if (p == OBJ_NULL || !range_args(L, argc, argv, 2, obj_bytes_length(argv[0]), &start, &end, "read-bytevector!"))
		return OBJ_NULL;
	/* argv[0] stays in the argument slot (it moves with the stack, read through it) */
	n = read_into(L, p, L->arg0, start, end);
	if (n < 0)
		return OBJ_NULL;
	return n == 0 && end > start ? OBJ_EOF : fx(n);
}

static obj p_write_u8(struct lisp *L, int argc, obj *argv)
{
	obj p;
	char c;

	if (!obj_fixnum_p(argv[0]) || fxv(argv[0]) < 0 || fxv(argv[0]) > 255)
		return lisp_type_error(L, "write-u8", "byte", argv[0]);
	c = (char)fxv(argv[0]);
	p = bin_out(L, argc, argv, 1, "write-u8");
	return p && lisp_port_write(L, p, &c, 1) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_write_bytevector(struct lisp *L, int argc, obj *argv)
{
	obj p;
	size_t start, end;

	if (!bytevector_p(argv[0]))
		return lisp_type_error(L, "write-bytevector", "bytevector", argv[0]);
	p = bin_out(L, argc, argv, 1, "write-bytevector");
	if (p == OBJ_NULL || !range_args(L, argc, argv, 2, obj_bytes_length(argv[0]), &start, &end, "write-bytevector"))
		return OBJ_NULL;
	/* in pieces through a C buffer: the bytevector may move while a device waits */
	while (start < end) {
		char tmp[512];
		size_t k = end - start < sizeof(tmp) ? end - start : sizeof(tmp);

		memcpy(tmp, obj_bytes_data(lisp_args(L)[0]) + start, k);
		if (!lisp_port_write(L, lisp_args(L)[1], tmp, k))
			return OBJ_NULL;
		start += k;
	}
	return OBJ_UNSPECIFIED;
}

/* byte source over the port in argument slot arg0 (it may move: read through the stack) */
struct port_src {
	struct lisp *L;
	size_t slot;
};

static int port_src_getc(void *ctx)
{
	struct port_src *ps = ctx;

	return lisp_port_getc(ps->L, stk(ps->L)[ps->slot], false);
}

static obj p_read(struct lisp *L, int argc, obj *argv)
{
	obj p = in_port(L, argc, argv, 0, "read"), d;
	struct port_src ps = { L, 0 };
	struct lisp_input in;

	if (p == OBJ_NULL)
		return OBJ_NULL;
	if (kind_of(p) == PORT_CONSOLE)
		return L->input ? lisp_read(L, L->input) : OBJ_EOF;
	if (!lisp_push(L, p))
		return OBJ_NULL;
	ps.slot = L->sp - 1;
	lisp_input_init(&in, port_src_getc, &ps);
	in.fold_case = flags_of(p) & PF_FOLD;
	d = lisp_read(L, &in);
	p = stk(L)[ps.slot];
	if (in.fold_case != !!(flags_of(p) & PF_FOLD))
		set_flags(L, p, in.fold_case ? flags_of(p) | PF_FOLD : flags_of(p) & ~PF_FOLD);
	/* the reader looked one byte ahead: give it back (it is the last byte read, so it is
	 * still in the buffer, also in a device port's) */
	if (in.peeked >= 0) {
		size_t pos;

		p = stk(L)[ps.slot];
		pos = pos_of(p, buf_of(p));
		if (pos > 0)
			lisp_store_now(L, p, PORT_POS, fx((intptr_t)pos - 1));
	}
	L->sp--;
	return d;
}

static obj p_eof_object(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; (void)argv; return OBJ_EOF; }
static obj p_eof_object_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(argv[0] == OBJ_EOF); }
static obj p_port_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(port_p(L, argv[0])); }

static bool has_flag(struct lisp *L, obj p, intptr_t f) { return port_p(L, p) && (flags_of(p) & f); }

static obj p_input_port_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(has_flag(L, argv[0], PF_IN)); }
static obj p_output_port_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(has_flag(L, argv[0], PF_OUT)); }
static obj p_textual_port_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(has_flag(L, argv[0], PF_TEXT)); }
static obj p_binary_port_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(has_flag(L, argv[0], PF_BIN)); }

static obj open_p(struct lisp *L, obj p, const char *who, intptr_t f)
{
	if (!port_p(L, p))
		return lisp_type_error(L, who, "port", p);
	return obj_bool(flags_of(p) & f);
}

static obj p_input_port_open_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return open_p(L, argv[0], "input-port-open?", PF_IN_OPEN); }
static obj p_output_port_open_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return open_p(L, argv[0], "output-port-open?", PF_OUT_OPEN); }

/* (scheme file) on the SD store (README, "Files"): the file NAME is the store value named
 * file:NAME, a bytevector (store.c). Opening for input reads a copy into a string or bytevector
 * port; opening for output binds an empty file at once (so a missing or full store is an error
 * there), and flush-output-port and closing bind what was written so far; store-commit makes
 * it durable, as any store-set!. An output file port is a buffer output port whose PORT_DEV is
 * the name (a private copy). "." and "/" name the one directory: it exists and opens as
 * nothing. Every failure is a file error naming the file. */
static bool dir_name_p(obj name)
{
	size_t n = obj_bytes_length(name);
	const char *b = (const char *)obj_bytes_data(name);

	return (n == 1 && (b[0] == '.' || b[0] == '/')) || (n == 2 && b[0] == '.' && b[1] == '/');
}

static obj file_fail(struct lisp *L, const char *who, obj name, int rc)
{
	char msg[120];

	if (rc == LISP_FILE_RAISED)
		return OBJ_NULL;
	ksnprintf(msg, sizeof(msg), "%s: %s", who, lisp_file_strerror(rc));
	return lisp_file_error(L, msg, name);
}

static obj file_name_arg(struct lisp *L, obj name, const char *who)
{
	if (!string_p(name))
		return lisp_type_error(L, who, "string", name);
	if (dir_name_p(name)) {
		char msg[80];

		ksnprintf(msg, sizeof(msg), "%s: a directory, not a file", who);
		return lisp_file_error(L, msg, name);
	}
	return name;
}

static obj open_file_input(struct lisp *L, obj name, bool binary, const char *who)
{
	obj bv = OBJ_NULL, s;
	int rc;
	size_t bad;

	if (file_name_arg(L, name, who) == OBJ_NULL)
		return OBJ_NULL;
	if ((rc = lisp_file_get(L, name, &bv)) != LISP_FILE_OK)
		return file_fail(L, who, lisp_args(L)[0], rc);
	if (binary)
		return lisp_make_port(L, PORT_BUF_IN, bv);	/* a fresh copy: the port's own */
	bad = lisp_utf8_invalid_at(obj_bytes_data(bv), obj_bytes_length(bv));
	if (bad < obj_bytes_length(bv)) {
		char msg[96];

		ksnprintf(msg, sizeof(msg), "%s: not UTF-8 text (byte %lu)", who, (unsigned long)bad);
		return lisp_file_error(L, msg, lisp_args(L)[0]);
	}
	ROOT(bv);
	s = lisp_copy_bytes(L, OBJ_T_STRING, bv, 0, obj_bytes_length(bv));
	UNROOT(bv);
	return s == OBJ_NULL ? OBJ_NULL : lisp_make_port(L, PORT_BUF_IN, s);
}

static obj open_file_output(struct lisp *L, obj name, bool binary, const char *who)
{
	obj empty, p;
	int rc;

	if (file_name_arg(L, name, who) == OBJ_NULL)
		return OBJ_NULL;
	if ((empty = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 0)) == OBJ_NULL)
		return OBJ_NULL;
	if ((rc = lisp_file_put(L, lisp_args(L)[0], empty)) != LISP_FILE_OK)
		return file_fail(L, who, lisp_args(L)[0], rc);
	name = lisp_copy_bytes(L, OBJ_T_STRING, lisp_args(L)[0], 0, obj_bytes_length(lisp_args(L)[0]));
	if (name == OBJ_NULL)
		return OBJ_NULL;
	ROOT(name);
	p = open_output(L, binary ? PF_BIN : PF_TEXT);
	UNROOT(name);
	if (p != OBJ_NULL)
		obj_init_field(L, p, PORT_DEV, name);
	return p;
}

static bool file_port_p(obj p)
{
	return kind_of(p) == PORT_BUF_OUT && string_p(obj_load(&obj_fields(p)[PORT_DEV]));
}

/* Bind what the output file port p holds; false with the error raised (the port unchanged).
 * p stays rooted: other threads of this CPU collect while the store's service works. */
static bool file_sync(struct lisp *L, obj p, const char *who)
{
	obj bv;
	int rc = LISP_FILE_OK;

	ROOT(p);
	bv = lisp_copy_bytes(L, OBJ_T_BYTEVECTOR, buf_of(p), 0, pos_of(p, buf_of(p)));
	if (bv != OBJ_NULL && (rc = lisp_file_put(L, obj_load(&obj_fields(p)[PORT_DEV]), bv)) != LISP_FILE_OK)
		file_fail(L, who, obj_load(&obj_fields(p)[PORT_DEV]), rc);
	UNROOT(p);
	return bv != OBJ_NULL && rc == LISP_FILE_OK;
}

#define FILE_OPEN(fn, who, in, binary) \
	static obj fn(struct lisp *L, int argc, obj *argv) \
	{ ARGC_UNUSED; return (in ? open_file_input : open_file_output)(L, argv[0], binary, who); }
FILE_OPEN(p_open_input_file, "open-input-file", true, false)
FILE_OPEN(p_open_output_file, "open-output-file", false, false)
FILE_OPEN(p_open_binary_input_file, "open-binary-input-file", true, true)
FILE_OPEN(p_open_binary_output_file, "open-binary-output-file", false, true)

static obj p_delete_file(struct lisp *L, int argc, obj *argv)
{
	int rc;

	ARGC_UNUSED;
	if (file_name_arg(L, argv[0], "delete-file") == OBJ_NULL)
		return OBJ_NULL;
	rc = lisp_file_remove(L, argv[0]);
	return rc == LISP_FILE_OK ? OBJ_UNSPECIFIED : file_fail(L, "delete-file", lisp_args(L)[0], rc);
}

/* #t for a file or the directory, when the store is open; #f otherwise (no store: no files) */
static obj p_file_exists_p(struct lisp *L, int argc, obj *argv)
{
	int rc;

	ARGC_UNUSED;
	if (!string_p(argv[0]))
		return lisp_type_error(L, "file-exists?", "string", argv[0]);
	rc = lisp_file_exists(L, argv[0]);
	if (rc == LISP_FILE_NOTHREAD)
		return file_fail(L, "file-exists?", argv[0], rc);
	return rc == LISP_FILE_OK || (rc == LISP_FILE_NOTFOUND && dir_name_p(lisp_args(L)[0])) ? OBJ_TRUE :
	       OBJ_FALSE;
}

/* Close the directions dirs (PF_IN_OPEN, PF_OUT_OPEN) of p; the console stays open (it is the
 * REPL's own). Output still buffered for a device goes first; closing twice does nothing. */
static obj close_dirs(struct lisp *L, obj p, const char *who, intptr_t dirs)
{
	intptr_t f;
	bool ok = true;

	if (!port_p(L, p))
		return lisp_type_error(L, who, "port", p);
	f = flags_of(p);
	if (kind_of(p) == PORT_CONSOLE || !(f & dirs))
		return OBJ_UNSPECIFIED;
	if ((f & dirs & PF_OUT_OPEN) && file_port_p(p)) {
		ROOT(p);
		ok = file_sync(L, p, who);
		UNROOT(p);
		if (!ok)
			return OBJ_NULL;	/* still open, nothing lost: the close may be tried again */
		f = flags_of(p);
	}
	if (kind_of(p) == PORT_DEVICE && (f & dirs & PF_OUT_OPEN)) {
		ok = dev_flush(L, p);
		if (!ok)
			lisp_take_error(L);	/* a connection gone: the close still closes */
	}
	set_flags(L, p, flags_of(p) & ~dirs);
	if (kind_of(p) == PORT_DEVICE) {
		obj h = obj_load(&obj_fields(p)[PORT_DEV]);

		if (f & dirs & PF_IN_OPEN)
			dev_close(h, LISP_PORT_IN);
		if (f & dirs & PF_OUT_OPEN)
			dev_close(h, LISP_PORT_OUT);
	}
	return OBJ_UNSPECIFIED;
}

obj lisp_port_close(struct lisp *L, obj port)
{
	return close_dirs(L, port, "close-port", PF_IN_OPEN | PF_OUT_OPEN);
}

static obj p_close_port(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return close_dirs(L, argv[0], "close-port", PF_IN_OPEN | PF_OUT_OPEN); }
static obj p_close_input_port(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return close_dirs(L, argv[0], "close-input-port", PF_IN_OPEN); }
static obj p_close_output_port(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return close_dirs(L, argv[0], "close-output-port", PF_OUT_OPEN); }

static obj p_flush(struct lisp *L, int argc, obj *argv)
{
	obj p = port_arg(L, argc, argv, 0, "flush-output-port", PF_OUT);

	if (p == OBJ_NULL)
		return OBJ_NULL;
	if (file_port_p(p))
		return !(flags_of(p) & PF_OUT_OPEN) ? (closed_error(L, p, "flush-output-port"), OBJ_NULL) :
		       file_sync(L, p, "flush-output-port") ? OBJ_UNSPECIFIED : OBJ_NULL;
	return kind_of(p) != PORT_DEVICE || dev_flush(L, p) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

/* (current-output-port) and, for parameterize, (current-output-port '%param-set port) */
static obj current_port(struct lisp *L, int argc, obj *argv, int slot, bool out)
{
	if (argc == 0)
		return STATE(L, slot);
	if (argc == 2 && symbol_p(argv[0])) {
		obj p = argv[1];

		if (!port_p(L, p) || !(flags_of(p) & (out ? PF_OUT : PF_IN)))
			return lisp_type_error(L, out ? "current-output-port" : "current-input-port",
					       out ? "output port" : "input port", p);
		obj name = sym_name(argv[0]);

		if (obj_bytes_length(name) == 10 && memcmp(obj_bytes_data(name), "%param-set", 10) == 0)
			state_set(L, (size_t)slot, p);
		else if (obj_bytes_length(name) != 14 ||
			 memcmp(obj_bytes_data(name), "%param-convert", 14) != 0)
			return lisp_errorf(L, OBJ_NULL, "current port: bad arguments");
		return p;
	}
	return lisp_errorf(L, OBJ_NULL, "current port: bad arguments");
}

static obj p_current_output_port(struct lisp *L, int argc, obj *argv) { return current_port(L, argc, argv, S_OUT, true); }
static obj p_current_input_port(struct lisp *L, int argc, obj *argv) { return current_port(L, argc, argv, S_IN, false); }
static obj p_current_error_port(struct lisp *L, int argc, obj *argv) { (void)argc; (void)argv; return STATE(L, S_CONSOLE_OUT); }

static const struct lisp_prim_def prims[] = {
	{ "display", p_display, 1, 2, 0 },
	{ "write", p_write, 1, 2, 0 },
	{ "write-shared", p_write_shared, 1, 2, 0 },
	{ "write-simple", p_write, 1, 2, 0 },
	{ "newline", p_newline, 0, 1, 0 },
	{ "write-char", p_write_char, 1, 2, 0 },
	{ "%write-string", p_write_string, 1, 2, 0 },
	{ "open-output-string", p_open_output_string, 0, 0, 0 },
	{ "get-output-string", p_get_output_string, 1, 1, 0 },
	{ "open-input-string", p_open_input_string, 1, 1, 0 },
	{ "open-output-bytevector", p_open_output_bytevector, 0, 0, 0 },
	{ "get-output-bytevector", p_get_output_bytevector, 1, 1, 0 },
	{ "open-input-bytevector", p_open_input_bytevector, 1, 1, 0 },
	{ "read-char", p_read_char, 0, 1, 0 },
	{ "peek-char", p_peek_char, 0, 1, 0 },
	{ "read-line", p_read_line, 0, 1, 0 },
	{ "read-string", p_read_string, 1, 2, 0 },
	{ "char-ready?", p_char_ready, 0, 1, 0 },
	{ "read-u8", p_read_u8, 0, 1, 0 },
	{ "peek-u8", p_peek_u8, 0, 1, 0 },
	{ "u8-ready?", p_u8_ready, 0, 1, 0 },
	{ "read-bytevector", p_read_bytevector, 1, 2, 0 },
	{ "read-bytevector!", p_read_bytevector_x, 1, 4, 0 },
	{ "write-u8", p_write_u8, 1, 2, 0 },
	{ "write-bytevector", p_write_bytevector, 1, 4, 0 },
	{ "read", p_read, 0, 1, 0 },
	{ "eof-object", p_eof_object, 0, 0, PRIM_PURE },
	{ "eof-object?", p_eof_object_p, 1, 1, PRIM_PURE },
	{ "port?", p_port_p, 1, 1, 0 },
	{ "textual-port?", p_textual_port_p, 1, 1, 0 },
	{ "binary-port?", p_binary_port_p, 1, 1, 0 },
	{ "input-port?", p_input_port_p, 1, 1, 0 },
	{ "output-port?", p_output_port_p, 1, 1, 0 },
	{ "input-port-open?", p_input_port_open_p, 1, 1, 0 },
	{ "output-port-open?", p_output_port_open_p, 1, 1, 0 },
	{ "close-port", p_close_port, 1, 1, 0 },
	{ "close-input-port", p_close_input_port, 1, 1, 0 },
	{ "close-output-port", p_close_output_port, 1, 1, 0 },
	{ "flush-output-port", p_flush, 0, 1, 0 },
	{ "current-output-port", p_current_output_port, 0, 2, 0 },
	{ "current-input-port", p_current_input_port, 0, 2, 0 },
	{ "current-error-port", p_current_error_port, 0, 0, 0 },
	{ "open-input-file", p_open_input_file, 1, 1, 0 },
	{ "open-output-file", p_open_output_file, 1, 1, 0 },
	{ "open-binary-input-file", p_open_binary_input_file, 1, 1, 0 },
	{ "open-binary-output-file", p_open_binary_output_file, 1, 1, 0 },
	{ "delete-file", p_delete_file, 1, 1, 0 },
	{ "file-exists?", p_file_exists_p, 1, 1, 0 },
};

void lisp_init_ports(struct lisp *L)
{
	obj p = lisp_make_port(L, PORT_CONSOLE, OBJ_FALSE);

	if (p == OBJ_NULL)
		return;
	set_flags(L, p, PF_OUT | PF_OUT_OPEN | PF_TEXT);
	state_set(L, S_CONSOLE_OUT, p);
	state_set(L, S_OUT, p);
	p = lisp_make_port(L, PORT_CONSOLE, OBJ_FALSE);
	if (p == OBJ_NULL)
		return;
	set_flags(L, p, PF_IN | PF_IN_OPEN | PF_TEXT);
	state_set(L, S_IN, p);
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
