/* ports.c -- textual ports: the console (output through the embedder's write callback, input
 * from the REPL's byte source), string output ports (a growing bytevector) and string input
 * ports; display, write, newline, read-char, read-line, read, and friends. A port is a record
 * (kind, buffer, position). A port may be shared, and used from several CPUs at once: each
 * operation reads the buffer and the position once (obj_load) and keeps every byte it touches
 * inside the buffer it read, so racing writers lose text but never write outside an object. */
#include "compile.h"

#define ARGC_UNUSED	(void)argc

obj lisp_make_port(struct lisp *L, int kind, obj buf)
{
	obj p;

	ROOT(buf);
	p = lisp_make_record(L, STATE(L, S_RTD_PORT), PORT_NFIELDS - 1);
	UNROOT(buf);
	if (p != OBJ_NULL) {
		obj_init_field(L, p, PORT_KIND, fx(kind));
		obj_init_field(L, p, PORT_BUF, buf);
		obj_init_field(L, p, PORT_POS, fx(0));
	}
	return p;
}

void lisp_console_write(struct lisp *L, const char *buf, size_t len)
{
	if (L->cfg.write)
		L->cfg.write(L->cfg.write_ctx, buf, len);
}

static intptr_t kind_of(obj port) { return fxv(obj_load(&obj_fields(port)[PORT_KIND])); }
static obj buf_of(obj port) { return obj_load(&obj_fields(port)[PORT_BUF]); }

/* The position, at most the length of buf (another CPU may have moved them apart). */
static size_t pos_of(obj port, obj buf)
{
	size_t pos = (size_t)fxv(obj_load(&obj_fields(port)[PORT_POS])), len = obj_bytes_length(buf);

	return pos < len ? pos : len;
}

bool lisp_port_write(struct lisp *L, obj port, const char *buf, size_t len)
{
	obj b;
	size_t pos, cap;

	switch (kind_of(port)) {
	case PORT_CONSOLE_OUT:
		lisp_console_write(L, buf, len);
		return true;
	case PORT_STRING_OUT:
		b = buf_of(port);
		pos = pos_of(port, b);
		cap = obj_bytes_length(b);
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
	lisp_errorf(L, port, "write: not an open output port:");
	return false;
}

int lisp_port_getc(struct lisp *L, obj port, bool peek)
{
	obj s;
	size_t pos;

	switch (kind_of(port)) {
	case PORT_STRING_IN:
		s = buf_of(port);
		pos = pos_of(port, s);
		if (pos >= obj_bytes_length(s))
			return -1;
		if (!peek)
			lisp_store_now(L, port, PORT_POS, fx((intptr_t)pos + 1));
		return obj_bytes_data(s)[pos];
	case PORT_CONSOLE_IN:
		return L->input ? lisp_input_getc(L->input, peek) : -1;
	}
	return -1;
}

/* --- port arguments --- */

static obj out_port(struct lisp *L, int argc, obj *argv, int i, const char *who)
{
	obj p = argc > i ? argv[i] : STATE(L, S_OUT);

	if (!port_p(L, p) || (kind_of(p) != PORT_CONSOLE_OUT && kind_of(p) != PORT_STRING_OUT))
		return lisp_type_error(L, who, "output port", p);
	return p;
}

static obj in_port(struct lisp *L, int argc, obj *argv, int i, const char *who)
{
	obj p = argc > i ? argv[i] : STATE(L, S_IN);

	if (!port_p(L, p) || (kind_of(p) != PORT_CONSOLE_IN && kind_of(p) != PORT_STRING_IN))
		return lisp_type_error(L, who, "input port", p);
	return p;
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

static obj p_open_output_string(struct lisp *L, int argc, obj *argv)
{
	obj b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 64);

	(void)argc;
	(void)argv;
	return b ? lisp_make_port(L, PORT_STRING_OUT, b) : OBJ_NULL;
}

static obj p_get_output_string(struct lisp *L, int argc, obj *argv)
{
	obj b;

	ARGC_UNUSED;
	if (!port_p(L, argv[0]) || kind_of(argv[0]) != PORT_STRING_OUT)
		return lisp_type_error(L, "get-output-string", "string output port", argv[0]);
	b = buf_of(argv[0]);
	return lisp_copy_bytes(L, OBJ_T_STRING, b, 0, pos_of(argv[0], b));
}

static obj p_open_input_string(struct lisp *L, int argc, obj *argv)
{
	obj s;

	ARGC_UNUSED;
	if (!string_p(argv[0]))
		return lisp_type_error(L, "open-input-string", "string", argv[0]);
	s = lisp_copy_bytes(L, OBJ_T_STRING, argv[0], 0, obj_bytes_length(argv[0]));
	return s ? lisp_make_port(L, PORT_STRING_IN, s) : OBJ_NULL;
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
	if (kind_of(port) == PORT_STRING_IN) {
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
	size_t k, n = 0;

	if (!obj_fixnum_p(argv[0]) || fxv(argv[0]) < 0)
		return lisp_type_error(L, "read-string", "non-negative exact integer", argv[0]);
	k = (size_t)fxv(argv[0]);
	p = in_port(L, argc, argv, 1, "read-string");
	if (p == OBJ_NULL)
		return OBJ_NULL;
	ROOT(p);
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 4 * k);
	for (size_t i = 0; b != OBJ_NULL && i < k; i++) {
		int32_t c = port_char(L, p, false);

		if (c < 0)
			break;
		n += lisp_utf8_encode((uint32_t)c, (char *)obj_bytes_data(b) + n);
	}
	UNROOT(p);
	if (b == OBJ_NULL)
		return OBJ_NULL;
	if (n == 0 && k > 0)
		return OBJ_EOF;
	return lisp_copy_bytes(L, OBJ_T_STRING, b, 0, n);
}

static obj p_char_ready(struct lisp *L, int argc, obj *argv)
{
	return in_port(L, argc, argv, 0, "char-ready?") ? OBJ_TRUE : OBJ_NULL;
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
	if (kind_of(p) == PORT_CONSOLE_IN)
		return L->input ? lisp_read(L, L->input) : OBJ_EOF;
	if (!lisp_push(L, p))
		return OBJ_NULL;
	ps.slot = L->sp - 1;
	lisp_input_init(&in, port_src_getc, &ps);
	d = lisp_read(L, &in);
	/* the reader looked one byte ahead: give it back */
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

static obj p_input_port_p(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return obj_bool(port_p(L, argv[0]) && (kind_of(argv[0]) == PORT_STRING_IN || kind_of(argv[0]) == PORT_CONSOLE_IN));
}

static obj p_output_port_p(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return obj_bool(port_p(L, argv[0]) && (kind_of(argv[0]) == PORT_STRING_OUT || kind_of(argv[0]) == PORT_CONSOLE_OUT));
}

static obj p_input_port_open_p(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!port_p(L, argv[0]))
		return lisp_type_error(L, "input-port-open?", "port", argv[0]);
	return obj_bool(kind_of(argv[0]) == PORT_STRING_IN || kind_of(argv[0]) == PORT_CONSOLE_IN);
}

static obj p_output_port_open_p(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!port_p(L, argv[0]))
		return lisp_type_error(L, "output-port-open?", "port", argv[0]);
	return obj_bool(kind_of(argv[0]) == PORT_STRING_OUT || kind_of(argv[0]) == PORT_CONSOLE_OUT);
}

static obj p_close_port(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!port_p(L, argv[0]))
		return lisp_type_error(L, "close-port", "port", argv[0]);
	if (kind_of(argv[0]) == PORT_STRING_IN)
		lisp_store_now(L, argv[0], PORT_KIND, fx(PORT_CLOSED));
	return OBJ_UNSPECIFIED;
}

static obj p_flush(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; (void)argv; return OBJ_UNSPECIFIED; }

/* (current-output-port) and, for parameterize, (current-output-port '%param-set port) */
static obj current_port(struct lisp *L, int argc, obj *argv, int slot, bool out)
{
	if (argc == 0)
		return STATE(L, slot);
	if (argc == 2 && symbol_p(argv[0])) {
		obj p = argv[1];

		if (!port_p(L, p) || (out != (kind_of(p) == PORT_STRING_OUT || kind_of(p) == PORT_CONSOLE_OUT)))
			return lisp_type_error(L, out ? "current-output-port" : "current-input-port",
					       out ? "output port" : "input port", p);
		if (obj_bytes_data(sym_name(argv[0]))[7] == 's')	/* %param-set, not %param-convert */
			state_set(L, (size_t)slot, p);
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
	{ "write-shared", p_write, 1, 2, 0 },
	{ "write-simple", p_write, 1, 2, 0 },
	{ "newline", p_newline, 0, 1, 0 },
	{ "write-char", p_write_char, 1, 2, 0 },
	{ "%write-string", p_write_string, 1, 2, 0 },
	{ "open-output-string", p_open_output_string, 0, 0, 0 },
	{ "get-output-string", p_get_output_string, 1, 1, 0 },
	{ "open-input-string", p_open_input_string, 1, 1, 0 },
	{ "read-char", p_read_char, 0, 1, 0 },
	{ "peek-char", p_peek_char, 0, 1, 0 },
	{ "read-line", p_read_line, 0, 1, 0 },
	{ "read-string", p_read_string, 1, 2, 0 },
	{ "char-ready?", p_char_ready, 0, 1, 0 },
	{ "read", p_read, 0, 1, 0 },
	{ "eof-object", p_eof_object, 0, 0, 0 },
	{ "eof-object?", p_eof_object_p, 1, 1, 0 },
	{ "port?", p_port_p, 1, 1, 0 },
	{ "textual-port?", p_port_p, 1, 1, 0 },
	{ "input-port?", p_input_port_p, 1, 1, 0 },
	{ "output-port?", p_output_port_p, 1, 1, 0 },
	{ "input-port-open?", p_input_port_open_p, 1, 1, 0 },
	{ "output-port-open?", p_output_port_open_p, 1, 1, 0 },
	{ "close-port", p_close_port, 1, 1, 0 },
	{ "close-input-port", p_close_port, 1, 1, 0 },
	{ "close-output-port", p_close_port, 1, 1, 0 },
	{ "flush-output-port", p_flush, 0, 1, 0 },
	{ "current-output-port", p_current_output_port, 0, 2, 0 },
	{ "current-input-port", p_current_input_port, 0, 2, 0 },
	{ "current-error-port", p_current_error_port, 0, 0, 0 },
};

void lisp_init_ports(struct lisp *L)
{
	obj p = lisp_make_port(L, PORT_CONSOLE_OUT, OBJ_FALSE);

	if (p == OBJ_NULL)
		return;
	state_set(L, S_CONSOLE_OUT, p);
	state_set(L, S_OUT, p);
	p = lisp_make_port(L, PORT_CONSOLE_IN, OBJ_FALSE);
	if (p == OBJ_NULL)
		return;
	state_set(L, S_IN, p);
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
