/* jit.c -- machine code for a loop of fixnum counters: the contract is in jit.h.
 *
 * The compiler (codegen.c, gen_loop) puts OP_NLOOP id before each named let's head and asks
 * lisp_jit_loop for the loop's code once the procedure's bytecode is complete. The loop is
 * traced from its head along one path to a back edge: each compare-and-branch of two slots or a
 * slot and an immediate continues along one side and leaves the loop by the other; fixnum
 * lsetaddll, lsetsubll, lsetaddi and lmove are done in registers; lsetaddij or jmpl to the head
 * closes the loop. Anything else on the path (a call, an allocation, a vector, a jump elsewhere)
 * and the loop stays bytecode.
 *
 * Registers, x86-64 (System V; only caller-saved ones, so no prologue): rdi the frame, rsi the
 * fuel word, edx the fuel, eax scratch, and the loop's slots (at most 5) in r8d-r11d and ecx as
 * their fixnum words' low 32 bits: a fixnum's word 2v + 1 is inside int32_t (31-bit payloads),
 * so the 32-bit overflow flag is exactly "left the fixnums", and the word is the register
 * sign-extended. i386 (the x86 kernel; cdecl, arguments on the stack): ebx, esi, edi and ebp
 * saved; edi the frame, edx the fuel, eax scratch, the slots (at most 4) in ecx, ebx, esi and
 * ebp as their words; the fuel word's address stays on the stack. The same instructions,
 * without REX prefixes and without the sign extension. */
#include <arch.h>
#include "internal.h"
#include "compile.h"
#include "jit.h"

#if defined(__x86_64__) || defined(__i386__)

#if defined(__x86_64__)
#define JIT_REGS	5	/* slots a loop may use */
#define WORD		8	/* bytes of a slot */
#else
#define JIT_REGS	4
#define WORD		4
#endif
#define JIT_OPS_MAX	48	/* instructions on a loop's path */
#define JIT_STEPS_MAX	512	/* instructions the trace may visit, backtracking included */
#define JIT_NEST_MAX	8	/* compares followed along their branch at once (trace's C recursion,
				 * on the kernel's 32 KiB stacks) */
#define JIT_CODE_MAX	2048	/* bytes of one loop's machine code */
#define JIT_LOOPS_MAX	4096	/* distinct loops */
#if defined(__x86_64__)
#define LISP_JIT_ARENA	(1u << 20)
void *arch_jit_arena(size_t size);	/* arch/host/host.c: readable, writable, executable */
#else
/* The x86 kernel's memory is all executable (PAE paging without NX: arch/x86/machine.c). */
#define LISP_JIT_ARENA	(256u << 10)
static uint8_t kernel_arena[LISP_JIT_ARENA] __attribute__((aligned(4096)));	/* pages of their own: TCG retranslates a page's code when the page is written */
static void *arch_jit_arena(size_t size) { (void)size; return kernel_arena; }
#endif

enum jkind { J_CMPLL, J_CMPLI, J_ADD, J_SUB, J_ADDI, J_MOV, J_BACK };

/* One instruction of the path. Slots are indices into the trace's slot map once traced. */
struct jop {
	uint8_t kind, cc;	/* J_CMP*: the x86 condition code on which the loop is left */
	uint16_t d, a, b;	/* slots: destination, operands */
	int32_t imm;		/* J_CMPLI: the fixnum word; J_ADDI: the word's increment */
	uint32_t exit;		/* bytecode offset to go on at when the loop is left here */
};

struct jtrace {
	struct jop op[JIT_OPS_MAX];
	unsigned nops, steps, nest;
	uint16_t slot[JIT_REGS];
	unsigned nslots;
};

/* the x86 condition code of a compare opcode (l, g, le, ge, e) */
static int cc_of(unsigned op)
{
	switch (op) {
	case OP_BLTLL: case OP_BLTLI: return 0xc;
	case OP_BGTLL: case OP_BGTLI: return 0xf;
	case OP_BLELL: case OP_BLELI: return 0xe;
	case OP_BGELL: case OP_BGELI: return 0xd;
	default: return 0x4;	/* OP_BNUMEQLL, OP_BNUMEQLI */
	}
}

/* slot s's register index in t, added if new; -1 when there are more than JIT_REGS */
static int reg_of(struct jtrace *t, unsigned s)
{
	for (unsigned i = 0; i < t->nslots; i++)
		if (t->slot[i] == s)
			return (int)i;
	if (t->nslots == JIT_REGS)
		return -1;
	t->slot[t->nslots] = (uint16_t)s;
	return (int)t->nslots++;
}

static struct jop *add_op(struct jtrace *t, unsigned kind)
{
	if (t->nops == JIT_OPS_MAX)
		return NULL;
	struct jop *o = &t->op[t->nops++];
	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	return o;
}

/* The path from pc to a back edge to head, appended to t; false (t's ops as they were) when
 * there is none. Every step goes forward (a branch back anywhere but head is not followed), so
 * this ends; steps bounds the backtracking. Slots are kept as numbers here, mapped after. */
static bool trace(const uint8_t *b, uint32_t n, uint32_t pc, uint32_t head, struct jtrace *t)
{
	unsigned start = t->nops;
	struct jop *o;

	for (;;) {
		if (++t->steps > JIT_STEPS_MAX || pc >= n)
			goto fail;
		unsigned op = b[pc];

		switch (op) {
		case OP_BLTLL: case OP_BGTLL: case OP_BLELL: case OP_BGELL: case OP_BNUMEQLL:
		case OP_BLTLI: case OP_BGTLI: case OP_BLELI: case OP_BGELI: case OP_BNUMEQLI: {
			if (pc + 10 > n)
				goto fail;
			bool imm = op >= OP_BLTLI;
			unsigned sense = b[pc + 1], cc = (unsigned)cc_of(op);
			uint32_t target = rd32(b + pc + 6), fall = pc + 10, mark = t->nops;
			unsigned taken_cc = sense ? cc : cc ^ 1;	/* the branch is taken on this */

			if (sense > 1 || !(o = add_op(t, imm ? J_CMPLI : J_CMPLL)))
				goto fail;
			o->a = rd16(b + pc + 2);
			if (imm)
				o->imm = 2 * (int32_t)(int16_t)rd16(b + pc + 4) + 1;
			else
				o->b = rd16(b + pc + 4);
			/* on along the branch, out by falling through */
			o->cc = (uint8_t)(taken_cc ^ 1);
			o->exit = fall;
			if (target > pc && t->nest < JIT_NEST_MAX) {
				bool ok;

				t->nest++;
				ok = trace(b, n, target, head, t);
				t->nest--;
				if (ok)
					return true;
			}
			/* on by falling through, out along the branch */
			t->nops = mark + 1;
			o = &t->op[mark];
			o->cc = (uint8_t)taken_cc;
			o->exit = target;
			pc = fall;
			break;
		}
		case OP_LSETADDLL:
		case OP_LSETSUBLL:
			if (pc + 7 > n || !(o = add_op(t, op == OP_LSETADDLL ? J_ADD : J_SUB)))
				goto fail;
			o->d = rd16(b + pc + 1), o->a = rd16(b + pc + 3), o->b = rd16(b + pc + 5);
			o->exit = pc;
			pc += 7;
			break;
		case OP_LSETADDI:
		case OP_LSETADDIJ:
			if (pc + (op == OP_LSETADDI ? 7 : 11) > n || !(o = add_op(t, J_ADDI)))
				goto fail;
			o->d = rd16(b + pc + 1), o->a = rd16(b + pc + 3);
			o->imm = 2 * (int32_t)(int16_t)rd16(b + pc + 5);
			o->exit = pc;
			if (op == OP_LSETADDI) {
				pc += 7;
				break;
			}
			if (rd32(b + pc + 7) != head || !add_op(t, J_BACK))
				goto fail;
			return true;
		case OP_LMOVE:
			if (pc + 5 > n || !(o = add_op(t, J_MOV)))
				goto fail;
			o->d = rd16(b + pc + 1), o->a = rd16(b + pc + 3);
			pc += 5;
			break;
		case OP_JMPL:
			if (pc + 5 > n || rd32(b + pc + 1) != head || !add_op(t, J_BACK))
				goto fail;
			return true;
		default:
			goto fail;
		}
	}
fail:
	t->nops = start;
	return false;
}

/* --- x86 encoding --- */

enum { RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7 };
#if defined(__x86_64__)
static const uint8_t reg_no[JIT_REGS] = { 8, 9, 10, 11, RCX };	/* r8d r9d r10d r11d ecx */
#else
static const uint8_t reg_no[JIT_REGS] = { RCX, RBX, RSI, RBP };
#define SAVED	16	/* bytes of ebx, esi, edi, ebp pushed: the arguments are at esp + 20, + 24 */
#endif

struct jbuf {
	uint8_t b[JIT_CODE_MAX];
	unsigned n;
	bool full;
};

static void put(struct jbuf *j, const uint8_t *p, unsigned k)
{
	if (j->n + k > JIT_CODE_MAX) {
		j->full = true;
		return;
	}
	memcpy(j->b + j->n, p, k);
	j->n += k;
}

static void put1(struct jbuf *j, unsigned v) { uint8_t c = (uint8_t)v; put(j, &c, 1); }
static void put32(struct jbuf *j, uint32_t v) { put(j, (const uint8_t *)&v, 4); }

/* an instruction reg, rm (both register numbers 0-15): REX when needed (or when w), opcode,
 * ModRM with mod */
static void insn(struct jbuf *j, bool w, unsigned opc, unsigned mod, unsigned reg, unsigned rm)
{
	unsigned rex = 0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);

	if (rex != 0x40)
		put1(j, rex);
	put1(j, opc);
	put1(j, mod << 6 | (reg & 7) << 3 | (rm & 7));
}

/* a jump to fill in later: its rel32's offset */
static unsigned jcc(struct jbuf *j, unsigned cc) { put1(j, 0x0f); put1(j, 0x80 | cc); put32(j, 0); return j->n - 4; }
static unsigned jmp(struct jbuf *j) { put1(j, 0xe9); put32(j, 0); return j->n - 4; }

static void patch(struct jbuf *j, unsigned at, unsigned to)
{
	if (j->full)
		return;
	int32_t rel = (int32_t)to - (int32_t)(at + 4);
	memcpy(j->b + at, &rel, 4);
}

/* the exits of one loop: each distinct bytecode offset gets one stub; the jumps to it */
struct jexit {
	uint32_t pc;
	unsigned nfix;
	unsigned fix[JIT_OPS_MAX];
};

static void exit_to(struct jbuf *j, struct jexit *ex, unsigned *nex, uint32_t pc, unsigned cc)
{
	unsigned at = jcc(j, cc), i;

	for (i = 0; i < *nex && ex[i].pc != pc; i++)
		;
	if (i == *nex) {
		ex[i].pc = pc;
		ex[i].nfix = 0;
		(*nex)++;
	}
	ex[i].fix[ex[i].nfix++] = at;
}

/* t's machine code into j; false when j overflowed */
static bool emit(struct jtrace *t, struct jbuf *j)
{
	static struct jexit ex[JIT_OPS_MAX + 1];	/* under jit_lock */
	unsigned nex = 0, declined[JIT_REGS], head, fuel_fix;

	/* entry: the fuel, then each slot, which must hold a fixnum */
#if defined(__i386__)
	put1(j, 0x53), put1(j, 0x56), put1(j, 0x57), put1(j, 0x55);	/* push ebx, esi, edi, ebp */
	put1(j, 0x8b), put1(j, 0x7c), put1(j, 0x24), put1(j, SAVED + 4);	/* mov edi, [esp + 20] */
	put1(j, 0x8b), put1(j, 0x44), put1(j, 0x24), put1(j, SAVED + 8);	/* mov eax, [esp + 24] */
	insn(j, false, 0x8b, 0, RDX, RAX);			/* mov edx, [eax] */
#else
	insn(j, false, 0x8b, 0, RDX, RSI);			/* mov edx, [rsi] */
#endif
	for (unsigned i = 0; i < t->nslots; i++) {
		unsigned r = reg_no[i];

		insn(j, false, 0x8b, 2, r, RDI);		/* mov r32, [rdi + 8s] */
		put32(j, WORD * t->slot[i]);
		insn(j, false, 0xf7, 3, 0, r);			/* test r32, 1 */
		put32(j, 1);
		declined[i] = jcc(j, 0x4);			/* jz declined */
	}
	head = j->n;
	for (unsigned k = 0; k < t->nops; k++) {
		struct jop *o = &t->op[k];
		unsigned d = reg_no[o->d], a = reg_no[o->a], b = reg_no[o->b];

		switch (o->kind) {
		case J_CMPLL:
			insn(j, false, 0x39, 3, b, a);		/* cmp a, b */
			exit_to(j, ex, &nex, o->exit, o->cc);
			break;
		case J_CMPLI:
			insn(j, false, 0x81, 3, 7, a);		/* cmp a, imm32 */
			put32(j, (uint32_t)o->imm);
			exit_to(j, ex, &nex, o->exit, o->cc);
			break;
		case J_ADD:	/* a + (b - 1) */
			insn(j, false, 0x8d, 1, RAX, b);	/* lea eax, [b - 1] */
			put1(j, 0xff);
			insn(j, false, 0x01, 3, a, RAX);	/* add eax, a */
			exit_to(j, ex, &nex, o->exit, 0x0);	/* jo */
			insn(j, false, 0x89, 3, RAX, d);	/* mov d, eax */
			break;
		case J_SUB:	/* a - b + 1: a - b is even, so the + 1 never overflows */
			insn(j, false, 0x89, 3, a, RAX);	/* mov eax, a */
			insn(j, false, 0x29, 3, b, RAX);	/* sub eax, b */
			exit_to(j, ex, &nex, o->exit, 0x0);	/* jo */
			put1(j, 0x83), put1(j, 0xc8), put1(j, 1);	/* or eax, 1 */
			insn(j, false, 0x89, 3, RAX, d);	/* mov d, eax */
			break;
		case J_ADDI:
			insn(j, false, 0x89, 3, a, RAX);	/* mov eax, a */
			put1(j, 0x05), put32(j, (uint32_t)o->imm);	/* add eax, imm32 */
			exit_to(j, ex, &nex, o->exit, 0x0);	/* jo */
			insn(j, false, 0x89, 3, RAX, d);	/* mov d, eax */
			break;
		case J_MOV:
			insn(j, false, 0x89, 3, a, d);		/* mov d, a */
			break;
		case J_BACK: {
			/* the fuel, and a request from another thread: lisp_interrupt sets the
			 * fuel word to 1, which the register's copy would not see (nor would the
			 * store on the way out keep it) */
			put1(j, 0x83), put1(j, 0xea), put1(j, 1);	/* sub edx, 1 */
			unsigned out = jcc(j, 0x4);		/* jz out */
#if defined(__x86_64__)
			put1(j, 0x83), put1(j, 0x3e), put1(j, 1);	/* cmp dword [rsi], 1 */
#else
			put1(j, 0x8b), put1(j, 0x44), put1(j, 0x24), put1(j, SAVED + 8);	/* mov eax, [esp + 24] */
			put1(j, 0x83), put1(j, 0x38), put1(j, 1);	/* cmp dword [eax], 1 */
#endif
			patch(j, jcc(j, 0x5), head);		/* jne head */
			patch(j, out, j->n);
			break;
		}
		}
	}
	/* out of fuel or asked to stop (after the back edge, just above), and the exits: eax the
	 * result, then the stores */
	put1(j, 0xb8), put32(j, (uint32_t)LISP_JIT_FUEL);	/* mov eax, LISP_JIT_FUEL */
	fuel_fix = jmp(j);
	unsigned to_store[JIT_OPS_MAX + 1];
	for (unsigned i = 0; i < nex; i++) {
		for (unsigned f = 0; f < ex[i].nfix; f++)
			patch(j, ex[i].fix[f], j->n);
		put1(j, 0xb8), put32(j, ex[i].pc);		/* mov eax, pc */
		to_store[i] = jmp(j);
	}
	unsigned store = j->n;
	patch(j, fuel_fix, store);
	for (unsigned i = 0; i < nex; i++)
		patch(j, to_store[i], store);
#if defined(__x86_64__)
	insn(j, false, 0x89, 0, RDX, RSI);			/* mov [rsi], edx */
	for (unsigned i = 0; i < t->nslots; i++) {
		unsigned r = reg_no[i];

		insn(j, true, 0x63, 3, r, r);			/* movsxd r64, r32 */
		insn(j, true, 0x89, 2, r, RDI);			/* mov [rdi + 8s], r64 */
		put32(j, 8u * t->slot[i]);
	}
	put1(j, 0xc3);						/* ret */
	unsigned decl = j->n;
	for (unsigned i = 0; i < t->nslots; i++)
		patch(j, declined[i], decl);
	put1(j, 0xb8), put32(j, (uint32_t)LISP_JIT_DECLINED);	/* mov eax, LISP_JIT_DECLINED */
	put1(j, 0xc3);						/* ret */
#else
	for (unsigned i = 0; i < t->nslots; i++) {
		insn(j, false, 0x89, 2, reg_no[i], RDI);	/* mov [edi + 4s], r32 */
		put32(j, 4u * t->slot[i]);
	}
	put1(j, 0x8b), put1(j, 0x4c), put1(j, 0x24), put1(j, SAVED + 8);	/* mov ecx, [esp + 24] */
	insn(j, false, 0x89, 0, RDX, RCX);			/* mov [ecx], edx */
	unsigned ret = j->n;
	put1(j, 0x5d), put1(j, 0x5f), put1(j, 0x5e), put1(j, 0x5b);	/* pop ebp, edi, esi, ebx */
	put1(j, 0xc3);						/* ret */
	unsigned decl = j->n;
	for (unsigned i = 0; i < t->nslots; i++)
		patch(j, declined[i], decl);
	put1(j, 0xb8), put32(j, (uint32_t)LISP_JIT_DECLINED);	/* mov eax, LISP_JIT_DECLINED */
	patch(j, jmp(j), ret);
#endif
	return !j->full;
}

/* --- the arena and the table --- */

static struct spinlock jit_lock = SPINLOCK_INIT("lisp-jit");
static uint8_t *arena;			/* LISP_JIT_ARENA bytes, mapped on first use */
static uint32_t arena_used;		/* under jit_lock */
static struct { uint8_t *code; uint32_t len; } table[JIT_LOOPS_MAX];
static uint32_t nloops;			/* under jit_lock; read with acquire by lisp_jit_code's callers' ids */
static bool jit_off;			/* lisp --no-jit: set before any thread runs */

bool lisp_jit_available(void) { return !jit_off; }
void lisp_jit_disable(void) { jit_off = true; }

uint32_t lisp_jit_loop(const uint8_t *b, uint32_t n, uint32_t head)
{
	static struct jtrace t;		/* under jit_lock, as emit's exits */
	static struct jbuf j;
	uint32_t id = LISP_JIT_NONE;
	unsigned long f;

	if (jit_off)
		return LISP_JIT_NONE;
	f = spin_lock_irqsave(&jit_lock);
	memset(&t, 0, sizeof(t));
	j.n = 0, j.full = false;
	if (!trace(b, n, head, head, &t))
		goto out;
	for (unsigned k = 0; k < t.nops; k++) {	/* slot numbers to registers */
		struct jop *o = &t.op[k];
		int d = 0, a = 0, c = 0;

		switch (o->kind) {
		case J_CMPLL: case J_ADD: case J_SUB:
			c = reg_of(&t, o->b);
			/* fall through */
		case J_ADDI: case J_MOV: case J_CMPLI:
			a = reg_of(&t, o->a);
			if (o->kind != J_CMPLL && o->kind != J_CMPLI)
				d = reg_of(&t, o->d);
			break;
		default:
			break;
		}
		if (d < 0 || a < 0 || c < 0)
			goto out;
		o->d = (uint16_t)d, o->a = (uint16_t)a, o->b = (uint16_t)c;
	}
	if (!emit(&t, &j))
		goto out;
	for (uint32_t i = 0; i < nloops; i++)	/* the same machine code: share it */
		if (table[i].len == j.n && memcmp(table[i].code, j.b, j.n) == 0) {
			id = i;
			goto out;
		}
	if (!arena && !(arena = arch_jit_arena(LISP_JIT_ARENA)))
		goto out;
	if (nloops == JIT_LOOPS_MAX || arena_used + j.n > LISP_JIT_ARENA)
		goto out;
	table[nloops].code = arena + arena_used;
	table[nloops].len = j.n;
	memcpy(arena + arena_used, j.b, j.n);
	arena_used += (j.n + 15) & ~15u;
	id = nloops;
	__atomic_store_n(&nloops, nloops + 1, __ATOMIC_RELEASE);
out:
	spin_unlock_irqrestore(&jit_lock, f);
	return id;
}

lisp_jit_fn lisp_jit_code(uint32_t id)
{
	/* id came from the bytecode, written after the table entry was published */
	if (id >= __atomic_load_n(&nloops, __ATOMIC_ACQUIRE))
		return NULL;
	return (lisp_jit_fn)(void *)table[id].code;
}

void lisp_jit_stats(uint32_t *loops, uint32_t *bytes)
{
	unsigned long f = spin_lock_irqsave(&jit_lock);

	*loops = nloops;
	*bytes = arena_used;
	spin_unlock_irqrestore(&jit_lock, f);
}

#else	/* ARM interprets every loop */

bool lisp_jit_available(void) { return false; }
void lisp_jit_disable(void) { }
uint32_t lisp_jit_loop(const uint8_t *b, uint32_t n, uint32_t head) { (void)b, (void)n, (void)head; return LISP_JIT_NONE; }
lisp_jit_fn lisp_jit_code(uint32_t id) { (void)id; return NULL; }
void lisp_jit_stats(uint32_t *loops, uint32_t *bytes) { *loops = 0, *bytes = 0; }

#endif
