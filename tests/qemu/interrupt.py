#!/usr/bin/env python3
"""interrupt.py TARGET [SMP ACCEL] -- Ctrl-C at a console REPL, driven as a person would type.

TARGET is `qemu` (the kernel's serial console at repl=tty, SMP CPUs, under ACCEL), `qemu-arm`
(the same on the ARM kernel, QEMU virt under TCG), `qemu-raspi2b` (on QEMU raspi2b, SMP 4) or
`host` (the
interactive hosted interpreter in a pseudo-terminal, whose Ctrl-C is SIGINT: $LISP, by default
build/host-asan/bin/lisp). Each step
types a line, waits until the REPL runs it, types Ctrl-C and expects "error: interrupted" and the
prompt back, then checks that the REPL, the heap and the threads it spawned are still right:
a loop that only calls, a loop that allocates, printing a value of 900 MB, a channel that never
receives, a join of a thread that never ends, a sleep, dynamic-wind's exit on the way out, an exception handler, type-
ahead dropped with the interrupted expression, spawned threads running on and stopped with
thread-interrupt!, an interrupt that comes at the prompt, a program's read of the console, a thread
on the REPL's CPU that runs while the REPL waits for input.
Every wait has a deadline; on failure it prints what the console showed.
Exit status 0 when every step passed."""
import os
import re
import select
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
target = sys.argv[1] if len(sys.argv) > 1 else "host"
smp = sys.argv[2] if len(sys.argv) > 2 else "2"
accel = sys.argv[3] if len(sys.argv) > 3 else "tcg"
is_qemu = target in ("qemu", "qemu-arm", "qemu-raspi2b")	# the ARM kernel on virt, raspi2b
SLOW = 1 if target == "host" else 20 if target == "qemu" else 60	# TCG: ~20x slower, ARM ~3x more
lisp = os.environ.get("LISP", "build/host-asan/bin/lisp")	# host: which build
label = f"interrupt {target}" + (f" SMP={smp} {accel}" if is_qemu else f" {lisp}")


class Console:
	def __init__(self):
		self.buf = b""
		self.pos = 0	# what expect() has consumed
		if target == "qemu-arm":
			cmd = ["qemu-system-arm", "-M", "virt,highmem=off", "-cpu", "cortex-a15",
			       "-smp", smp, "-m", "256", "-display", "none", "-no-reboot",
			       "-semihosting-config", "enable=on,target=native",
			       "-kernel", os.path.join(TOP, "build/arm/kernel.elf"),
			       "-append", "", "-serial", "stdio"]
		elif target == "qemu-raspi2b":
			cmd = ["qemu-system-arm", "-M", "raspi2b", "-smp", "4", "-display", "none",
			       "-no-reboot", "-semihosting-config", "enable=on,target=native",
			       "-kernel", os.path.join(TOP, "build/arm-raspi2b/kernel.img"),
			       "-append", "", "-serial", "stdio"]
		elif is_qemu:
			cmd = ["qemu-system-i386", "-accel", accel, "-smp", smp, "-m", "256",
			       "-display", "none", "-no-reboot",
			       "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
			       "-kernel", os.path.join(TOP, "build/x86/kernel.elf"),
			       "-append", "", "-serial", "stdio"]
		if is_qemu:
			self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
						  stderr=subprocess.DEVNULL)
			self.rfd, self.wfd = self.p.stdout.fileno(), self.p.stdin.fileno()
		else:
			import pty
			pid, fd = pty.fork()
			if pid == 0:
				os.execv(os.path.join(TOP, lisp), ["lisp", "--cpus", smp])
			self.pid, self.rfd, self.wfd = pid, fd, fd

	def send(self, s):
		os.write(self.wfd, s.encode())

	def read_some(self, until):
		left = until - time.time()
		if left <= 0:
			return False
		r, _, _ = select.select([self.rfd], [], [], left)
		if not r:
			return False
		try:
			data = os.read(self.rfd, 4096)
		except OSError:
			data = b""
		if not data:
			raise EOFError
		self.buf += data
		return True

	def expect(self, pattern, seconds, what):
		until = time.time() + seconds * SLOW
		rx = re.compile(pattern.encode())
		start = self.pos
		while True:
			m = rx.search(self.buf, start)
			if m:
				self.pos = m.end()
				return m
			start = max(self.pos, len(self.buf) - 512)	# patterns are short; output may not be
			try:
				if not self.read_some(until):
					fail(f"{what}: no {pattern!r} within {seconds * SLOW} s")
			except EOFError:
				fail(f"{what}: the console closed before {pattern!r}")

	def quiet_for(self, seconds):
		"""Collect output for a while (the REPL must be running, not printing)."""
		until = time.time() + seconds * min(SLOW, 3)
		while time.time() < until:
			try:
				self.read_some(until)
			except EOFError:
				fail("the console closed")

	def status(self):
		if is_qemu:
			try:
				return self.p.wait(timeout=60 * SLOW)
			except subprocess.TimeoutExpired:
				return None
		for _ in range(100 * SLOW):
			pid, st = os.waitpid(self.pid, os.WNOHANG)
			if pid:
				return os.waitstatus_to_exitcode(st)
			try:
				self.read_some(time.time() + 0.1)
			except EOFError:
				time.sleep(0.1)	# closed: the process is on its way out
		return None

	def kill(self):
		try:
			if is_qemu:
				self.p.kill()
			else:
				os.kill(self.pid, 9)
		except OSError:
			pass


con = None


def fail(msg):
	print(f"FAIL {label}: {msg}")
	if con:
		print("----- console, last 3000 bytes -----")
		print(con.buf[-3000:].decode(errors="replace"))
		print("----- end -----")
		con.kill()
	sys.exit(1)


PROMPT = r"> "


def line(text, want, seconds=20, what=None):
	"""Type a line; expect want (a regex) in what follows its echo, then the prompt."""
	con.send(text + "\r")
	con.expect(re.escape(text.split("\r")[-1]), seconds, what or text)
	con.expect(want, seconds, what or text)
	con.expect(PROMPT, seconds, what or text)


def interrupt(text, seconds=20, running=0.4, ahead=None):
	"""Type text, let it run (typing ahead, if given, while it does), Ctrl-C: expect the
	error, then the prompt."""
	con.send(text + "\r")
	con.expect(re.escape(text), seconds, text)
	con.quiet_for(running)
	if ahead:
		con.send(ahead + "\r")
		con.quiet_for(running)
	con.send("\x03")
	con.expect(r"error: interrupted\r?\n", seconds, text + " then Ctrl-C")
	con.expect(PROMPT, seconds, text + " then Ctrl-C (prompt)")


start = time.time()
con = Console()
con.expect(PROMPT, 60, "the first prompt")
line("(define (spin) (let loop ((i 0)) (loop (+ i 1))))", r"")
line("(define (churn) (let loop ((l '())) (loop (if (> (length l) 1000) '() (cons (make-vector 10 0) l)))))", r"")
# a loop that only calls, then one that allocates and collects
interrupt("(spin)")
line("(+ 1 2)", r"\n3\r?\n")
interrupt("(churn)")
# a value whose printing would take hours (900 MB): the printer is a safe point too
interrupt("(let ((l (make-list 1000 'abcdefgh))) (make-list 100000 l))")
# blocked: a channel nobody sends on, a join of a thread that never ends, a long sleep
interrupt("(channel-receive (make-channel))")
interrupt("(thread-join (spawn (lambda () (sleep 1000000))))")
interrupt("(sleep 1000000)")
# the unwinding runs dynamic-wind's exit thunk, and a handler sees the condition
con.send("(dynamic-wind (lambda () #f) spin (lambda () (display \"left-spin\")))\r")
con.quiet_for(0.5)
con.send("\x03")
con.expect(r"error: interrupted\r?\nleft-spin", 20, "dynamic-wind's exit thunk, after the error")
con.expect(PROMPT, 20, "the prompt after the exit thunk")
con.send("(guard (e ((error-object? e) (list 'caught (error-object-message e)))) (spin))\r")
con.quiet_for(0.5)
con.send("\x03")
con.expect(r"\(caught \"interrupted\"\)", 20, "guard's result")
con.expect(PROMPT, 20, "guard's prompt")
# type-ahead is dropped with the interrupted expression, as a terminal does
interrupt("(spin)", running=0.3, ahead="(display \"typed-ahead\")")
line("(+ 40 2)", r"\n42\r?\n", what="after type-ahead")
if b"typed-ahead\r\n" in con.buf or re.search(rb"[^\"]typed-ahead", con.buf):
	fail("the line typed ahead of Ctrl-C ran")
if is_qemu:
	# Ctrl-C behind more type-ahead than the console's 16 KiB ring holds still interrupts (the
	# UART is not stopped in tty mode; what does not fit is dropped)
	interrupt("(spin)", running=0.3, ahead=(";" + "x" * 62 + "\r") * 400)
	line("(+ 40 3)", r"\n43\r?\n", what="after 25 KiB of type-ahead and Ctrl-C")
	# without a Ctrl-C, what did not fit is dropped and the next read says so
	con.send("(sleep 3000)\r")
	con.expect(re.escape("(sleep 3000)"), 20, "(sleep 3000)")
	con.send((";" + "y" * 62 + "\r") * 400)
	con.expect(r"console: input ring full \(16384 bytes\): \d+ typed-ahead bytes dropped",
		   20 * SLOW, "the notice of dropped type-ahead")
	line("(+ 40 4)", r"\n44\r?\n", what="after dropped type-ahead")
# a spawned thread keeps running through the REPL's interrupts until it is stopped
line("(define ch (make-channel))", r"")
line("(define t (spawn (lambda () (let loop ((i 0)) (if (= (modulo i 100000) 0) (channel-send ch i)) (loop (+ i 1))))))", r"")
interrupt("(spin)")
line("(channel-receive ch)", r"\n\d+\r?\n", what="the spawned thread still runs")
line("(> (length (threads)) 1)", r"\n#t\r?\n")
line("(thread-interrupt! t)", r"\n#t\r?\n")
line("(guard (e (#t (error-object-message e))) (thread-join t))", r"\n\"interrupted\"\r?\n")
line("(thread-interrupt! t)", r"\n#f\r?\n", what="interrupting an ended thread")
# a thread's interrupt of the REPL that comes while it waits at the prompt stops nothing
line("(define me (thread-id))", r"")
line("(define t2 (spawn (lambda () (sleep 300) (thread-interrupt! me))))", r"")
con.quiet_for(1.5)
line("(+ 1 2)", r"\n3\r?\n", what="after an interrupt at the prompt")
# a program reading the console: Ctrl-C ends the read, and the next line is the REPL's
interrupt("(define x (list (read-line) (read-line)))")
line("(+ 3 4)", r"\n7\r?\n", what="after an interrupted read-line")
# while the REPL waits for a line, the other threads of its CPU run
line("(define t3 (spawn (lambda () (sleep 200) (display \"bg-ran\") (newline)) (cpu-id)))", r"")
con.expect(r"bg-ran", 10 * SLOW, "a thread on the REPL's CPU while the REPL waits for input")
line("(thread-join t3)", r"")
# the heap is whole: a full collection, then real work
line("(gc 'full)", r"")
line("(let loop ((i 0) (acc '())) (if (= i 10000) (apply + acc) (loop (+ i 1) (cons i acc))))",
     r"\n49995000\r?\n")
# Ctrl-C at the prompt drops the line typed so far
con.send("(display \"dropped\")\x03")
con.expect(r"\^C", 20, "Ctrl-C at the prompt")
line("(+ 2 2)", r"\n4\r?\n", what="after Ctrl-C at the prompt")
con.send("\x04")
st = con.status()
want = 3 if is_qemu else 1	# an expression failed: (1 << 1) | 1 from QEMU, 1 hosted
if st != want:
	fail(f"exit status {st}, want {want}")
if re.search(rb"[^\"(]dropped", con.buf.replace(b"bytes dropped", b"")):
	fail("the line dropped by Ctrl-C at the prompt ran")
print(f"PASS {label} ({int((time.time() - start) * 1000)} ms)")
