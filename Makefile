# Makefile -- builds the x86 kernel and its GRUB ISO, the hosted build and its tests; runs QEMU.
# Everything goes under build/. See README.md for the commands.

ARCH	?= x86
SMP	?= 4
MEM	?= 256
ACCEL	?= auto
DEBUG	?= 1
# host ports (on 127.0.0.1 only) that make run forwards to the guest: docs/net.md
REPL_PORT ?= 2323
HTTP_PORT ?= 8080
USER_PORT ?= 7777
B	:= build
V	?= 0
Q	:= $(if $(filter 1,$(V)),,@)
say	= $(if $(filter 1,$(V)),,@printf '  %-7s %s\n' $(1) $(2);)

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

# ---- sources, by directory ----
LISP_SRCS := $(sort $(wildcard lisp/*.c))
# the RTL8139 driver, its service thread and the raw-frame interface (docs/net.md); the
# portable TCP/IP stack (docs/net-stack.md)
NET_DRV_SRCS := net/rtl8139_ring.c net/rtl8139.c net/netsvc.c net/netsock.c
NET_SRCS := net/buf.c net/checksum.c net/eth.c net/arp.c net/ip.c net/icmp.c net/udp.c net/dhcp.c \
	net/stack.c net/tcp.c net/tcp_in.c net/tcp_out.c net/tcp_timer.c
# the persistent store on the SD card (docs/store.md)
STORE_SRCS := storage/crc32c.c storage/store.c storage/store_group.c storage/store_val.c \
	storage/store_enc.c storage/store_names.c storage/store_collect.c storage/store_check.c \
	storage/store_cell.c
PORTABLE_SRCS := kernel/printf.c kernel/cmdline.c kernel/memmap.c kernel/physmem.c \
	kernel/console.c kernel/panic.c kernel/ksyms.c kernel/cpu.c kernel/pci.c kernel/kbench.c \
	smp/spinlock.c smp/xcall.c \
	sched/runq.c sched/sched.c sched/thread.c sched/sleep.c sched/balance.c \
	sched/channel.c sched/mutex.c \
	mm/heaps/heap.c mm/gc/roots.c mm/gc/remset.c mm/gc/minor.c mm/gc/major.c mm/gc/overhead.c mm/gc/verify.c mm/gc/xheap.c mm/gc/xcycle.c mm/gc/symtab.c mm/gc/stw.c mm/gc/inspect.c \
	storage/blk.c storage/sdhci.c $(STORE_SRCS) storage/storesvc.c \
	$(NET_DRV_SRCS) $(NET_SRCS) $(LISP_SRCS)
KERNEL_ONLY_SRCS := kernel/main.c kernel/repl.c kernel/ktest.c kernel/ktest_sched.c kernel/ktest_heap.c \
	kernel/ktest_sd.c \
	kernel/string.c
X86_SRCS := arch/x86/boot.S arch/x86/isr.S arch/x86/trampoline.S arch/x86/switch.S \
	arch/x86/boot.c arch/x86/desc.c arch/x86/trap.c arch/x86/serial.c arch/x86/timer.c \
	arch/x86/apic.c arch/x86/madt.c arch/x86/acpi.c arch/x86/smpboot.c arch/x86/machine.c \
	arch/x86/pci.c arch/x86/fwcfg.c
# ARM: what every board shares, then each board's files (arch/arm/arm.h: the board interface)
ARM_COMMON_SRCS := arch/arm/boot.S arch/arm/vectors.S arch/arm/switch.S \
	arch/arm/boot.c arch/arm/mmu.c arch/arm/timer.c arch/arm/pl011.c \
	arch/arm/smpboot.c arch/arm/trap.c arch/arm/machine.c arch/arm/irq.c
ARM_VIRT_SRCS := arch/arm/virt.c arch/arm/fdt.c arch/arm/gic.c arch/arm/pci.c
ARM_RASPI2B_SRCS := arch/arm/raspi.c arch/arm/bcm2836.c
ARM_SRCS := $(ARM_COMMON_SRCS) $(ARM_VIRT_SRCS)
HOST_ARCH_SRCS := arch/host/host.c arch/host/context.c arch/host/ksyms_empty.c

# ---- the x86 kernel ----
X86_CC	:= i686-linux-gnu-gcc
X86_NM	:= i686-linux-gnu-nm
WARN	:= -Wall -Wextra -Werror
DEBUG_FLAGS := $(if $(filter 1,$(DEBUG)),-DCONFIG_DEBUG)
X86_CFLAGS := -std=gnu11 $(WARN) -O2 -g -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -nostdinc -isystem $(shell $(X86_CC) -print-file-name=include 2>/dev/null) \
	-I. -Iarch -Iarch/x86 -Ikernel/libc $(DEBUG_FLAGS) -MMD -MP
X86_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-T,arch/x86/link.ld

X86_OBJS := $(patsubst %,$(B)/x86/%.o,$(PORTABLE_SRCS) $(KERNEL_ONLY_SRCS) $(X86_SRCS))

$(B)/x86/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(X86_CC) $(X86_CFLAGS) -c $< -o $@

# lisp/flonum.c alone computes with doubles: SSE2 (strict IEEE doubles, as hosted x86-64), no
# x87 excess precision; the FPU is enabled on every CPU and saved per thread (docs/numbers.md).
# The kernel's stacks are only 4-byte aligned at a call: a function that spills an SSE register
# (movapd to the stack) realigns its frame itself
$(B)/x86/lisp/flonum.c.o: X86_CFLAGS := $(filter-out -mgeneral-regs-only,$(X86_CFLAGS)) \
	-msse2 -mfpmath=sse -ffp-contract=off -mincoming-stack-boundary=2

$(B)/x86/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)$(X86_CC) $(X86_CFLAGS) -c $< -o $@

$(B)/x86/ksyms0.c: scripts/mksyms.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/mksyms.sh - $@

# two passes: link with an empty symbol table, generate the real one, link again
$(B)/x86/kernel0.elf: $(X86_OBJS) $(B)/x86/ksyms0.c.o arch/x86/link.ld
	$(call say,LD,$@)$(X86_CC) $(X86_LDFLAGS) -o $@ $(X86_OBJS) $(B)/x86/ksyms0.c.o -lgcc

$(B)/x86/ksyms.c: $(B)/x86/kernel0.elf scripts/mksyms.sh
	$(call say,KSYMS,$@)NM=$(X86_NM) scripts/mksyms.sh $< $@

$(B)/x86/kernel.elf: $(B)/x86/kernel0.elf $(B)/x86/ksyms.c.o
	$(call say,LD,$@)$(X86_CC) $(X86_LDFLAGS) -o $@ $(X86_OBJS) $(B)/x86/ksyms.c.o -lgcc
	$(Q)NM=$(X86_NM) scripts/mksyms.sh $@ $(B)/x86/ksyms.check.c
	$(Q)cmp -s $(B)/x86/ksyms.c $(B)/x86/ksyms.check.c || { echo "ksyms: text moved between link passes"; exit 1; }

$(B)/x86/%.c.o: $(B)/x86/%.c
	$(call say,CC,$<)$(X86_CC) $(X86_CFLAGS) -c $< -o $@

$(B)/x86/os.iso: $(B)/x86/kernel.elf scripts/grub.cfg
	@rm -rf $(B)/x86/iso && mkdir -p $(B)/x86/iso/boot/grub
	$(Q)cp $(B)/x86/kernel.elf $(B)/x86/iso/boot/kernel.elf
	$(Q)cp scripts/grub.cfg $(B)/x86/iso/boot/grub/grub.cfg
	$(call say,ISO,$@)grub-mkrescue -o $@ $(B)/x86/iso > $(B)/x86/grub-mkrescue.log 2>&1 || \
		{ cat $(B)/x86/grub-mkrescue.log; exit 1; }

# ---- the ARM kernel (ARMv7-A, 32-bit): the same two-pass link ----
# BOARD=virt (QEMU virt, build/arm/kernel.elf) or raspi2b (QEMU raspi2b, build/arm-raspi2b/:
# kernel.elf and the raw kernel.img QEMU boots it from). Every object but the board files is the
# same for both, so both link from build/arm/.
ARM_CC	:= arm-none-eabi-gcc
ARM_NM	:= arm-none-eabi-nm
# the bare-metal ABI's int32_t is long; make it int, as every Linux ABI (and x86 here) has it
ARM_INT32 := $(foreach t,INT32 INT_LEAST32,-U__$(t)_TYPE__ -D__$(t)_TYPE__=int \
	-U__U$(t)_TYPE__ -D__U$(t)_TYPE__='unsigned int') -U__INT32_C -D'__INT32_C(c)=c' \
	-U__UINT32_C -D'__UINT32_C(c)=c\#\#U' -U__INT32_MAX__ -D__INT32_MAX__=0x7fffffff \
	-U__UINT32_MAX__ -D__UINT32_MAX__=0xffffffffU
ARM_CFLAGS := -std=gnu11 $(WARN) -O2 -g -marm -march=armv7-a -mfloat-abi=soft -mno-unaligned-access \
	-ffreestanding -fno-pic -fno-stack-protector -fno-omit-frame-pointer -mapcs-frame \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -nostdinc \
	-isystem $(shell $(ARM_CC) -print-file-name=include 2>/dev/null) \
	-I. -Iarch -Iarch/arm -Ikernel/libc $(DEBUG_FLAGS) -MMD -MP $(ARM_INT32)
ARM_LDFLAGS := -marm -march=armv7-a -mfloat-abi=soft -nostdlib -static -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,-T,arch/arm/link.ld
ARM_COMMON_OBJS := $(patsubst %,$(B)/arm/%.o,$(PORTABLE_SRCS) $(KERNEL_ONLY_SRCS) $(ARM_COMMON_SRCS))
ARM_OBJS := $(ARM_COMMON_OBJS) $(patsubst %,$(B)/arm/%.o,$(ARM_VIRT_SRCS))
ARM_RASPI2B_OBJS := $(ARM_COMMON_OBJS) $(patsubst %,$(B)/arm/%.o,$(ARM_RASPI2B_SRCS))

$(B)/arm/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,arm/$<)$(ARM_CC) $(ARM_CFLAGS) -c $< -o $@
$(B)/arm/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,arm/$<)$(ARM_CC) $(ARM_CFLAGS) -c $< -o $@
$(B)/arm/ksyms0.c: scripts/mksyms.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/mksyms.sh - $@
$(B)/arm/%.c.o: $(B)/arm/%.c
	$(call say,CC,$<)$(ARM_CC) $(ARM_CFLAGS) -c $< -o $@
# arm_kernel DIR OBJS BASE: DIR/kernel.elf linked at BASE (link.ld's KERNEL_BASE)
define arm_kernel
$(1)/kernel0.elf: $(2) $(B)/arm/ksyms0.c.o arch/arm/link.ld
	@mkdir -p $(1)
	$$(call say,LD,$$@)$(ARM_CC) $(ARM_LDFLAGS) -Wl,--defsym=KERNEL_BASE=$(3) -o $$@ $(2) $(B)/arm/ksyms0.c.o -lgcc
$(1)/ksyms.c: $(1)/kernel0.elf scripts/mksyms.sh
	$$(call say,KSYMS,$$@)NM=$(ARM_NM) scripts/mksyms.sh $$< $$@
$(1)/ksyms.c.o: $(1)/ksyms.c
	$$(call say,CC,$$<)$(ARM_CC) $(ARM_CFLAGS) -c $$< -o $$@
$(1)/kernel.elf: $(1)/kernel0.elf $(1)/ksyms.c.o
	$$(call say,LD,$$@)$(ARM_CC) $(ARM_LDFLAGS) -Wl,--defsym=KERNEL_BASE=$(3) -o $$@ $(2) $(1)/ksyms.c.o -lgcc
	$(Q)NM=$(ARM_NM) scripts/mksyms.sh $$@ $(1)/ksyms.check.c
	$(Q)cmp -s $(1)/ksyms.c $(1)/ksyms.check.c || { echo "ksyms: text moved between link passes"; exit 1; }
endef
# virt: RAM from 0x40000000, the device tree in its first MiB
$(eval $(call arm_kernel,$(B)/arm,$(ARM_OBJS),0x40200000))
# raspi2b: QEMU loads a raw image at 0x10000 (as Linux), so link there
$(eval $(call arm_kernel,$(B)/arm-raspi2b,$(ARM_RASPI2B_OBJS),0x10000))
$(B)/arm-raspi2b/kernel.img: $(B)/arm-raspi2b/kernel.elf
	$(call say,BIN,$@)arm-none-eabi-objcopy -O binary $< $@

# lisp/unicode_tables.h is generated from the Unicode Character Database (Debian's unicode-data,
# which scripts/deps.sh installs) by lisp/gen_unicode.py, and committed: make regenerates it when
# the generator or the UCD changes; without the UCD it keeps the committed file.
# tests/scheme/run.sh checks that the committed file is what the installed UCD gives.
UCD	?= /usr/share/unicode
UCD_FILES := $(wildcard $(addprefix $(UCD)/,UnicodeData.txt PropList.txt DerivedCoreProperties.txt \
	SpecialCasing.txt CaseFolding.txt))
lisp/unicode_tables.h: lisp/gen_unicode.py $(UCD_FILES)
	$(if $(UCD_FILES),$(call say,GEN,$@)python3 lisp/gen_unicode.py $(UCD) $@,\
		@echo "note: no UCD in $(UCD) (apt-get install unicode-data): keeping the committed $@"; touch $@)
$(foreach d,x86 arm host/obj host-asan host-tsan host-trace,$(B)/$(d)/lisp/unicode.c.o): lisp/unicode_tables.h

# lisp/builtin_src.c embeds the web inspector's Scheme and page (lisp/gen_builtin.sh): committed,
# remade when they change; tests/scheme/run.sh checks it is current.
lisp/builtin_src.c: lisp/inspector.scm lisp/inspector.html lisp/gen_builtin.sh
	$(call say,GEN,$@)sh lisp/gen_builtin.sh

$(B)/sd.img:
	@mkdir -p $(B)
	$(Q)truncate -s 64M $@

.PHONY: all kernel iso host host-tests host-trace deps run debug test bench bench-scheme clean
all: $(B)/x86/kernel.elf $(B)/arm/kernel.elf $(B)/arm-raspi2b/kernel.img iso host-tests $(B)/host/lisp $(B)/host-asan/bin/lisp $(B)/host-tsan/bin/lisp
kernel: $(B)/$(ARCH)/kernel.elf
iso: $(B)/x86/os.iso

# ---- hosted build: portable code on Linux, CPUs as threads ----
HOST_CC	:= gcc
HOST_CFLAGS := -std=gnu11 $(WARN) -O1 -g -fno-omit-frame-pointer -pthread -I. -Iarch -Iarch/host \
	-DCONFIG_DEBUG -MMD -MP
ASAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
TSAN	:= -fsanitize=thread
HOST_LIBS := -lcmocka -pthread

NET_TESTS := test_net_basic test_net_tcp test_net_wire
# host-only block devices: a file, and the power-cutting test device (storage/blk_cut.h)
HOST_LIB_SRCS := $(PORTABLE_SRCS) $(HOST_ARCH_SRCS) arch/x86/madt.c arch/arm/fdt.c \
	storage/blk_file.c storage/blk_cut.c
HOST_TESTS := test_spinlock test_madt test_fdt test_memmap test_printf test_runq test_heap test_major test_sched \
	test_bignum test_lisp test_xheap test_threads test_stw test_rtl8139_ring test_netsock $(NET_TESTS) \
	test_store test_store_power
TSAN_TESTS := test_spinlock test_runq test_sched test_xheap test_threads test_stw test_netsock

define host_variant
$(B)/$(1)/%.c.o: %.c
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$(1)/$$<)$(HOST_CC) $(HOST_CFLAGS) $(2) -c $$< -o $$@
$(B)/$(1)/tests/%: $(B)/$(1)/tests/host/%.c.o $(patsubst %,$(B)/$(1)/%.o,$(HOST_LIB_SRCS))
	$$(call say,LINK,$$@)$(HOST_CC) $(2) -o $$@ $$^ $(HOST_LIBS)
endef
$(eval $(call host_variant,host-asan,$(ASAN)))
$(eval $(call host_variant,host-tsan,$(TSAN)))
# build/host-trace: the multi-heap tests with the cross-heap event ring (mm/gc/xtrace.h), the
# store's power-cut test with its event ring (storage/store_trace.h); not part of make test, a
# tool for chasing a count that goes wrong.
$(eval $(call host_variant,host-trace,$(ASAN) -DGC_XTRACE -DSTORE_XTRACE))
host-trace: $(B)/host-trace/tests/test_xheap $(B)/host-trace/tests/test_stw \
	$(B)/host-trace/tests/test_store_power

host-tests: $(patsubst %,$(B)/host-asan/tests/%,$(HOST_TESTS)) \
	$(patsubst %,$(B)/host-tsan/tests/%,$(TSAN_TESTS))

# build/host/lisp: the interpreter as a Linux program, optimised, without the debug checks;
# build/host-asan/bin/lisp: the same under ASan/UBSan with the checks, for the Scheme tests;
# build/host-tsan/bin/lisp under ThreadSanitizer.
# (The optimised objects live in build/host/obj/: build/host/lisp is the program's name.)
HOST_OPT_CFLAGS := $(filter-out -O1 -DCONFIG_DEBUG,$(HOST_CFLAGS)) -O2
$(B)/host/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,host/$<)$(HOST_CC) $(HOST_OPT_CFLAGS) -c $< -o $@
LISP_MAIN_OBJS = $(patsubst %,$(B)/$(1)/%.o,$(PORTABLE_SRCS) $(HOST_ARCH_SRCS) storage/blk_file.c arch/host/lisp_main.c)
$(B)/host/lisp: $(call LISP_MAIN_OBJS,host/obj)
	$(call say,LINK,$@)$(HOST_CC) -o $@ $^ -pthread -lm
$(B)/host-asan/bin/lisp: $(call LISP_MAIN_OBJS,host-asan)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(HOST_CC) $(ASAN) -o $@ $^ -pthread -lm
# build/host-tsan/bin/lisp: the same under ThreadSanitizer, for the multi-CPU Scheme programs
$(B)/host-tsan/bin/lisp: $(call LISP_MAIN_OBJS,host-tsan)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(HOST_CC) $(TSAN) -o $@ $^ -pthread -lm

host: $(B)/host/lisp

# ---- running ----
deps:
	@scripts/deps.sh

# the image make run boots: x86's GRUB ISO, ARM's kernel ELF (QEMU -kernel), or with
# BOARD=raspi2b the raw image QEMU raspi2b loads as it would Linux (SMP and MEM are the board's)
BOARD	?= virt
ifeq ($(ARCH)-$(BOARD),arm-raspi2b)
RUN_IMAGE := $(B)/arm-raspi2b/kernel.img
else
RUN_IMAGE := $(if $(filter arm,$(ARCH)),$(B)/arm/kernel.elf,$(B)/x86/os.iso)
endif
run: deps
	@$(MAKE) --no-print-directory $(RUN_IMAGE) $(B)/sd.img
	@REPL_PORT=$(REPL_PORT) HTTP_PORT=$(HTTP_PORT) USER_PORT=$(USER_PORT) BOARD=$(BOARD) \
		scripts/qemu.sh run $(ARCH) $(SMP) $(MEM) $(ACCEL) $(RUN_IMAGE)

debug: deps
	@$(MAKE) --no-print-directory $(if $(filter arm-raspi2b,$(ARCH)-$(BOARD)),$(RUN_IMAGE),kernel) $(B)/sd.img
	@BOARD=$(BOARD) scripts/qemu.sh debug $(ARCH) $(SMP) $(MEM) tcg \
		$(if $(filter arm-raspi2b,$(ARCH)-$(BOARD)),$(RUN_IMAGE),$(B)/$(ARCH)/kernel.elf)

test: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-tests.sh

# the long QEMU variants (not in make test): the ARM kernel at SMP 8 and its slowest Scheme files;
# on x86 the slow Scheme files in their own boots, 100,000 channel round trips at SMP 8, the
# sockets and the frame fuzz at SMP 4 and 8, the inspector at SMP 4, and 8 MiB through the lossy
# bridge at SMP 1 and 4 (make test runs these at 1 and 2)
.PHONY: test-long
test-long: deps
	@$(MAKE) --no-print-directory all
	@{ scripts/run-tests-arm.sh --long; a=$$(scripts/accel.sh auto 2>/dev/null); \
		for n in tailcalls bigspeed; do tests/qemu/scheme.sh file:$$n 2 $$a; done; \
		KTEST_ROUNDS=100000 tests/qemu/ktest.sh threads 8 $$a; \
		for n in 4 8; do timeout 1500 python3 tests/qemu/net_sockets.py $$n $$a; \
			tests/qemu/net_lossy.sh fuzz $$n $$a; done; \
		timeout 600 python3 tests/qemu/inspector.py 4 $$a; \
		for n in 1 4; do tests/qemu/net_lossy.sh lossy $$n $$a; done; } 2>&1 \
		| tee $(B)/test-long.log; \
		p=$$(grep -c '^PASS ' $(B)/test-long.log); f=$$(grep -c '^FAIL ' $(B)/test-long.log); \
		echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

$(B)/bench/linux_micro: tests/bench/linux_micro.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(HOST_CC) -std=gnu11 $(WARN) -O2 -pthread -o $@ $<

# GCBench, binary-trees and allocation churn (tests/bench/gcbench.c, scripts/bench_gc.sh): on our
# heaps, optimised and without the debug checks as build/host/lisp, and on the Boehm collector
$(B)/bench/gcbench_ours: $(call LISP_MAIN_OBJS,host/obj) $(B)/host/obj/tests/bench/gcbench.c.o
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(HOST_CC) -o $@ $(filter-out %/lisp_main.c.o,$^) -pthread -lm
# the SD store's core on a file (make bench's store table, scripts/bench_store.sh)
$(B)/bench/store_bench: $(patsubst %,$(B)/host/obj/%.o,$(STORE_SRCS) storage/blk.c storage/blk_file.c) \
		$(B)/host/obj/tests/bench/store/store_bench.c.o
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(HOST_CC) -o $@ $^
$(B)/bench/gcbench_boehm: tests/bench/gcbench.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(HOST_CC) -std=gnu11 $(WARN) -O2 -DGCBENCH_BOEHM -pthread -o $@ $< -lgc

# make bench ARCH=arm: the kernel micro-benchmarks on the ARM kernel (scripts/bench_arm.sh)
.PHONY: bench-arm
bench-arm: deps
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(B)/arm/kernel.elf
	@$(MAKE) --no-print-directory B=$(B)/bench/kernel DEBUG=0 ARCH=arm kernel
	@scripts/bench_arm.sh
ifeq ($(ARCH),arm)
bench: bench-arm
else
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory kernel $(B)/bench/linux_micro $(B)/host/lisp \
		$(B)/bench/gcbench_ours $(B)/bench/gcbench_boehm $(B)/bench/store_bench
	@$(MAKE) --no-print-directory B=$(B)/bench/kernel DEBUG=0 kernel
	@scripts/bench.sh
endif

# only the interpreter benchmarks (the last table of make bench)
bench-scheme:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(B)/host/lisp
	@scripts/bench_scheme.sh

# only the collector table (the last table of make bench)
.PHONY: bench-gc
bench-gc:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(B)/bench/gcbench_ours $(B)/bench/gcbench_boehm
	@scripts/bench_gc.sh

# only the GC pause benchmark (the last part of make bench, scripts/bench_pauses.sh): the workloads
# of tests/bench/gc/ booted on a kernel built without the debug checks, in build/bench/kernel/,
# then run on the hosted build (gc-pauses-host.csv); QUICK=1: one workload at SMP 1 and 2,
# checking that every row of the CSVs is filled
.PHONY: bench-pauses
bench-pauses:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory B=$(B)/bench/kernel DEBUG=0 kernel
	@$(MAKE) --no-print-directory $(B)/host/lisp
	@scripts/bench_pauses.sh $(if $(filter 1,$(QUICK)),--quick)
	@PAUSES_TARGET=host scripts/bench_pauses.sh $(if $(filter 1,$(QUICK)),--quick)

# only the SD store's table (part of make bench): build/bench/store.csv, SQLite beside it
.PHONY: bench-store
bench-store:
	@$(MAKE) --no-print-directory $(B)/bench/store_bench
	@scripts/bench_store.sh

# only the sharing comparison (the last part of make bench): a fresh list to another CPU, ns per
# message, ours (hosted and kernel) against Go and Erlang: build/bench/share.csv
.PHONY: bench-share
bench-share:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory kernel $(B)/host/lisp $(B)/bench/linux_micro
	@scripts/bench_share.sh

# only the network benchmark (the last table of make bench, scripts/bench_net.sh): TCP both ways
# and one-byte round trips through QEMU user networking to an RTL8139, Debian's Linux under TCG
# as the baseline, our kernel once it has tcp-listen: build/bench/net.csv
.PHONY: bench-net
bench-net:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory kernel $(B)/host/lisp
	@scripts/bench_net.sh

# the stress tests (tests/stress/, scripts/stress.sh): objects shared across SMP CPUs for MINUTES;
# SEED=N replays a failure; STRESS_HOST=1 runs them on build/host/lisp --cpus SMP instead
MINUTES	?= 1
.PHONY: stress
stress: deps
	@$(MAKE) --no-print-directory kernel $(B)/host/lisp
	@scripts/stress.sh $(SMP) $(MINUTES) $(SEED)

# random multi-threaded programs (tests/gen/, issue 12) for MINUTES under ASan with --verify and
# under TSan; failing ones are kept in tests/regress/. SEED=N starts at seed N,
# SIZE=small|medium|large|mixed (default mixed), CPUS=N (default 2 to 4 by seed)
.PHONY: fuzz-gc
fuzz-gc: deps
	@$(MAKE) --no-print-directory $(B)/host-asan/bin/lisp $(B)/host-tsan/bin/lisp
	@tests/gen/fuzz.sh --minutes $(MINUTES) --size $(or $(SIZE),mixed) \
		$(if $(SEED),--seed $(SEED)) $(if $(CPUS),--cpus $(CPUS))

# random and mutated input for the reader and the evaluator (tests/fuzz/, issue 14) for MINUTES
# under ASan/UBSan; failing inputs are minimised and kept in tests/fuzz/found/ (then run first by
# every later fuzz run). SEED=N starts at seed N, JOBS=N runs N at once (default 2). make test
# runs a fixed 600 of them (scripts/run-tests.sh).
# make fuzz then runs fuzz-diff for MINUTES more.
.PHONY: fuzz
fuzz:
	@$(MAKE) --no-print-directory $(B)/host-asan/bin/lisp
	@python3 tests/fuzz/fuzz.py --minutes $(MINUTES) --jobs $(or $(JOBS),2) $(if $(SEED),--seed $(SEED))
	@$(MAKE) --no-print-directory fuzz-diff

# the differential test against Guile (tests/diff/): generated integer and control programs for
# MINUTES on LISP (default the ASan build) and guile-3.0, outputs compared; differences not known
# (tests/diff/found/OPEN) are minimised into tests/diff/found/. SEED=N starts at seed N (replays),
# JOBS=N runs N at once (default 2). make test runs a fixed 400 of them (scripts/run-tests.sh).
.PHONY: fuzz-diff
fuzz-diff: deps
	@$(if $(LISP),,$(MAKE) --no-print-directory $(B)/host-asan/bin/lisp)
	@python3 tests/diff/diff.py --minutes $(MINUTES) --jobs $(or $(JOBS),2) \
		$(if $(SEED),--seed $(SEED)) $(if $(LISP),--lisp $(LISP))

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
