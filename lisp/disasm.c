/* disasm.c -- (%disassemble proc): the bytecode of a closure (and of the lambdas inside it),
 * one instruction per line on the console. A debugging aid for the compiler and the VM. */
#include "compile.h"
#include "jit.h"

static const struct { const char *name; int kind; } ops[OP_COUNT] = {
	/* kind: 0 none, 1 u16, 2 i16, 3 u8, 4 u32, 5 u16 u16, 6 u16 u16 u16, 7 u32 u16, 8 u8 u32,
	 * 9 u8 i16 u32, 10 u16 i16, 11 u8 u16 u16 u32, 12 u8 u16 i16 u32, 13 u16 u16 u32,
	 * 14 u16 u16 i16 */
	[OP_CONST] = { "const", 1 }, [OP_FIX] = { "fix", 2 }, [OP_IMM] = { "imm", 3 },
	[OP_LREF] = { "lref", 1 }, [OP_LREFB] = { "lrefb", 1 }, [OP_LSET] = { "lset", 1 },
	[OP_LSETB] = { "lsetb", 1 }, [OP_LBOX] = { "lbox", 1 }, [OP_BOX] = { "box", 0 },
	[OP_FREF] = { "fref", 1 }, [OP_FREFB] = { "frefb", 1 }, [OP_FSETB] = { "fsetb", 1 },
	[OP_GREF] = { "gref", 1 }, [OP_GSET] = { "gset", 1 }, [OP_GDEF] = { "gdef", 1 },
	[OP_PUSH] = { "push", 0 }, [OP_JMP] = { "jmp", 4 }, [OP_JMPF] = { "jmpf", 4 },
	[OP_JMPT] = { "jmpt", 4 }, [OP_FRAME] = { "frame", 4 }, [OP_CALL] = { "call", 1 },
	[OP_TCALL] = { "tcall", 1 }, [OP_RET] = { "ret", 0 }, [OP_CLOSURE] = { "closure", 5 },
	[OP_FIXCL] = { "fixcl", 6 }, [OP_POP] = { "pop", 0 },
	[OP_ADD] = { "add", 0 }, [OP_SUB] = { "sub", 0 }, [OP_MUL] = { "mul", 0 },
	[OP_LT] = { "lt", 0 }, [OP_GT] = { "gt", 0 }, [OP_LE] = { "le", 0 }, [OP_GE] = { "ge", 0 },
	[OP_NUMEQ] = { "numeq", 0 }, [OP_EQ] = { "eq", 0 }, [OP_EQV] = { "eqv", 0 },
	[OP_CONS] = { "cons", 0 }, [OP_VREF] = { "vref", 0 }, [OP_SETCAR] = { "setcar", 0 },
	[OP_SETCDR] = { "setcdr", 0 }, [OP_CAR] = { "car", 0 }, [OP_CDR] = { "cdr", 0 },
	[OP_NULLP] = { "nullp", 0 }, [OP_PAIRP] = { "pairp", 0 }, [OP_NOT] = { "not", 0 },
	[OP_ZEROP] = { "zerop", 0 }, [OP_VLEN] = { "vlen", 0 }, [OP_CADR] = { "cadr", 0 },
	[OP_CDDR] = { "cddr", 0 }, [OP_ADD1] = { "add1", 0 }, [OP_SUB1] = { "sub1", 0 },
	[OP_VSET] = { "vset", 0 }, [OP_PUSHL] = { "pushl", 1 }, [OP_PUSHC] = { "pushc", 1 },
	[OP_PUSHFIX] = { "pushfix", 2 }, [OP_PUSHG] = { "pushg", 1 }, [OP_ADDI] = { "addi", 2 },
	[OP_LTI] = { "lti", 2 }, [OP_GTI] = { "gti", 2 }, [OP_LEI] = { "lei", 2 },
	[OP_GEI] = { "gei", 2 }, [OP_NUMEQI] = { "numeqi", 2 },
	[OP_PUSHF] = { "pushf", 1 }, [OP_PUSHLADDI] = { "pushladdi", 10 }, [OP_LCAR] = { "lcar", 1 }, [OP_LCDR] = { "lcdr", 1 }, [OP_FRAMEG] = { "frameg", 7 },
	[OP_CALLA] = { "calla", 1 }, [OP_TCALLA] = { "tcalla", 1 },
	[OP_LOOP] = { "loop", 1 }, [OP_LOOPA] = { "loopa", 1 },
	[OP_GLOOP] = { "gloop", 5 }, [OP_GLOOPA] = { "gloopa", 5 },
	[OP_BLT] = { "blt", 8 }, [OP_BGT] = { "bgt", 8 }, [OP_BLE] = { "ble", 8 }, [OP_BGE] = { "bge", 8 },
	[OP_BNUMEQ] = { "bnumeq", 8 }, [OP_BEQ] = { "beq", 8 }, [OP_BLTI] = { "blti", 9 },
	[OP_BGTI] = { "bgti", 9 }, [OP_BLEI] = { "blei", 9 }, [OP_BGEI] = { "bgei", 9 },
	[OP_BNUMEQI] = { "bnumeqi", 9 }, [OP_BNULL] = { "bnull", 8 }, [OP_BPAIR] = { "bpair", 8 },
	[OP_BLTLL] = { "bltll", 11 }, [OP_BGTLL] = { "bgtll", 11 }, [OP_BLELL] = { "blell", 11 },
	[OP_BGELL] = { "bgell", 11 }, [OP_BNUMEQLL] = { "bnumeqll", 11 },
	[OP_BLTLI] = { "bltli", 12 }, [OP_BGTLI] = { "bgtli", 12 }, [OP_BLELI] = { "bleli", 12 },
	[OP_BGELI] = { "bgeli", 12 }, [OP_BNUMEQLI] = { "bnumeqli", 12 },
	[OP_VECTOR] = { "vector", 1 }, [OP_JLOOP] = { "jloop", 13 }, [OP_JLOOPA] = { "jloopa", 13 },
	[OP_ADDLL] = { "addll", 5 }, [OP_SUBLL] = { "subll", 5 },
	[OP_QUO] = { "quo", 0 }, [OP_REM] = { "rem", 0 }, [OP_LENGTH] = { "length", 0 },
	[OP_APPEND2] = { "append2", 0 },
	[OP_LIST] = { "list", 1 },
	[OP_JMPL] = { "jmpl", 4 }, [OP_LPOP] = { "lpop", 1 }, [OP_LMOVE] = { "lmove", 5 },
	[OP_LSETADDI] = { "lsetaddi", 14 }, [OP_LSETADDLL] = { "lsetaddll", 6 },
	[OP_LSETSUBLL] = { "lsetsubll", 6 }, [OP_LSETCAR] = { "lsetcar", 5 }, [OP_LSETCDR] = { "lsetcdr", 5 },
	[OP_GJMP] = { "gjmp", 5 },
	[OP_CALLS] = { "calls", 1 }, [OP_CALLSA] = { "callsa", 1 },
	[OP_VREFG] = { "vrefg", 1 }, [OP_VREFL] = { "vrefl", 1 }, [OP_VSETG] = { "vsetg", 1 },
	[OP_LSETADDIJ] = { "lsetaddij", 15 }, [OP_LSETCDRJ] = { "lsetcdrj", 13 },
	[OP_NLOOP] = { "nloop", 4 },
};

static void out(struct lisp *L, const char *s) { lisp_console_write(L, s, strlen(s)); }

static void disasm(struct lisp *L, obj code, int depth)
{
	const struct code_hdr *hd = code_hdr(code);
	const uint8_t *b = code_bytes(code);
	char line[96];

	ksnprintf(line, sizeof(line), "%*scode: nreq %u rest %u nlocals %u maxstack %u\n", depth * 2, "",
		  hd->nreq, hd->rest, hd->nlocals, hd->maxstack);
	out(L, line);
	for (uint32_t pc = 0; pc < hd->nbytes;) {
		unsigned op = b[pc];
		int n = 0;

		if (op >= OP_COUNT || !ops[op].name) {
			ksnprintf(line, sizeof(line), "%*s%4u ??? %u\n", depth * 2, "", pc, op);
			out(L, line);
			return;
		}
		n = ksnprintf(line, sizeof(line), "%*s%4u %s", depth * 2, "", pc, ops[op].name);
		switch (ops[op].kind) {
		case 1: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u\n", rd16(b + pc + 1)); pc += 3; break;
		case 2: ksnprintf(line + n, sizeof(line) - (size_t)n, " %d\n", (int16_t)rd16(b + pc + 1)); pc += 3; break;
		case 3: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u\n", b[pc + 1]); pc += 2; break;
		case 4: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u\n", rd32(b + pc + 1)); pc += 5; break;
		case 5: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u\n", rd16(b + pc + 1), rd16(b + pc + 3)); pc += 5; break;
		case 6: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u %u\n", rd16(b + pc + 1), rd16(b + pc + 3), rd16(b + pc + 5)); pc += 7; break;
		case 7: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u\n", rd32(b + pc + 1), rd16(b + pc + 5)); pc += 7; break;
		case 8: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u\n", b[pc + 1], rd32(b + pc + 2)); pc += 6; break;
		case 9: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %d %u\n", b[pc + 1], (int16_t)rd16(b + pc + 2), rd32(b + pc + 4)); pc += 8; break;
		case 11: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u %u %u\n", b[pc + 1], rd16(b + pc + 2), rd16(b + pc + 4), rd32(b + pc + 6)); pc += 10; break;
		case 12: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u %d %u\n", b[pc + 1], rd16(b + pc + 2), (int16_t)rd16(b + pc + 4), rd32(b + pc + 6)); pc += 10; break;
		case 13: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u %u\n", rd16(b + pc + 1), rd16(b + pc + 3), rd32(b + pc + 5)); pc += 9; break;
		case 14: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u %d\n", rd16(b + pc + 1), rd16(b + pc + 3), (int16_t)rd16(b + pc + 5)); pc += 7; break;
		case 15: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %u %d %u\n", rd16(b + pc + 1), rd16(b + pc + 3), (int16_t)rd16(b + pc + 5), rd32(b + pc + 7)); pc += 11; break;
		case 10: ksnprintf(line + n, sizeof(line) - (size_t)n, " %u %d\n", rd16(b + pc + 1), (int16_t)rd16(b + pc + 3)); pc += 5; break;
		default: ksnprintf(line + n, sizeof(line) - (size_t)n, "\n"); pc += 1; break;
		}
		out(L, line);
	}
	obj k = code_consts(code);
	for (size_t i = 0; i < obj_vector_length(k); i++)
		if (obj_type_p(obj_vector_ref(k, i), OBJ_T_MIXED))
			disasm(L, obj_vector_ref(k, i), depth + 1);
}

static obj p_disassemble(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!closure_p(argv[0]))
		return lisp_type_error(L, "%disassemble", "closure", argv[0]);
	disasm(L, closure_code(argv[0]), 0);
	return OBJ_UNSPECIFIED;
}

/* (%native-loops): the loops with native code (jit.h), and the bytes of it, as a pair */
static obj p_native_loops(struct lisp *L, int argc, obj *argv)
{
	uint32_t loops, bytes;

	(void)argc, (void)argv;
	lisp_jit_stats(&loops, &bytes);
	return lisp_cons(L, fx((intptr_t)loops), fx((intptr_t)bytes));
}

static const struct lisp_prim_def prims[] = {
	{ "%disassemble", p_disassemble, 1, 1, 0 },
	{ "%native-loops", p_native_loops, 0, 0, 0 },
};

void lisp_init_disasm(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
