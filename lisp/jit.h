/* jit.h -- machine code for a loop of fixnum counters (docs/interpreter.md, "Native loops").
 *
 * A named-let loop whose every iteration is compare-and-branch, fixnum +, - and moves between
 * frame slots, and a jump back (sum's (if (< i 0) sum (loop (- i 1) (+ i sum)))), runs as
 * machine code on x86 (the hosted x86-64 build and the i386 kernel): its slots in registers,
 * its exits back into the bytecode. The interpreter keeps each slot in memory, and a store then
 * a load of the same slot on every iteration bounds such a loop at several cycles an iteration,
 * whatever the instruction count. ARM interprets these loops: there lisp_jit_available() is
 * false and the compiler emits no OP_NLOOP.
 *
 * The contract of a compiled loop (lisp_jit_fn): called with the frame and the fuel word, it
 * first checks that every slot it reads or writes holds a fixnum (else LISP_JIT_DECLINED,
 * nothing changed); it then writes only fixnums over those fixnums (no write barrier needed,
 * nothing allocated, no safe point); on leaving it has stored its slots and the fuel back, and
 * returns the bytecode offset to go on at: a branch out of the loop, or the instruction whose
 * result left the fixnums (the interpreter redoes it on its general path), or LISP_JIT_FUEL
 * when a back edge took the last fuel or found the fuel word set to 1 by lisp_interrupt (the
 * caller runs the safe point, then calls it again).
 *
 * Native code is a pure function of the loop's bytecode, so loops with the same machine code
 * share one copy: compiling a procedure again (a REPL redefining it) adds nothing. The arena is
 * fixed (LISP_JIT_ARENA bytes); once it is full the compiler emits no more OP_NLOOP. jit_lock
 * guards the arena and the table; a loop's entry is published by its id in the bytecode, after
 * the table's release store. */
#ifndef LISP_JIT_H
#define LISP_JIT_H

#include <stdbool.h>
#include <stdint.h>
#include <mm/heaps/object.h>

#define LISP_JIT_DECLINED	(-1)	/* a slot did not hold a fixnum: interpret the loop */
#define LISP_JIT_FUEL		(-2)	/* a back edge took the last fuel: safe point, then again */
#define LISP_JIT_NONE		0xffffffffu	/* OP_NLOOP's id when its loop has no native code */

typedef int32_t (*lisp_jit_fn)(obj *fp, unsigned *fuel);

/* Can this build run native loops, and does this program want them (lisp --no-jit)? */
bool lisp_jit_available(void);
void lisp_jit_disable(void);

/* The native code of the loop whose head is at offset head of the n bytes of bytecode b (the
 * target of its back edges): its id for OP_NLOOP, or LISP_JIT_NONE when the loop is not of the
 * kind described above or the arena is full. */
uint32_t lisp_jit_loop(const uint8_t *b, uint32_t n, uint32_t head);

/* The code of id (from lisp_jit_loop), or NULL for LISP_JIT_NONE. */
lisp_jit_fn lisp_jit_code(uint32_t id);

/* Loops compiled, and bytes of the arena they use (for the tests and docs). */
void lisp_jit_stats(uint32_t *loops, uint32_t *bytes);

#endif
