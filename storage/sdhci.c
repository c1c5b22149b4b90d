/* sdhci.c -- the SD card behind an SD Host Controller (SDHCI 2.00/3.00, PCI class 08:05) as a
 * blk_dev: controller reset, power, clock, card identification (SDSC byte addresses, SDHC/SDXC
 * block addresses), reads and writes by SDMA through one bounce buffer (or PIO), erase by group,
 * CMD13 status after every transfer. Polled: the interrupt line stays off (QEMU finishes every
 * command inside the register write; a real card's 128 KiB takes ~10 ms, which the store's one
 * thread may spend waiting). Invariants: between calls both lines are idle, no status bit is
 * pending and the card is in transfer state (or the call that left it otherwise returned an
 * error and recover() ran); every wait is bounded (storage_param.h); every error status becomes
 * BLK_EIO or BLK_ETIMEDOUT, never a panic. One thread uses the device (blk.h): no lock.
 * SDMA rather than PIO: under TCG each register access is a trip into QEMU, and PIO takes 128
 * data-port accesses per sector against SDMA's dozen per 128 KiB (docs/store.md has the MB/s of
 * both). SDMA rather than ADMA2: a bounce buffer makes one contiguous run per transfer, which is
 * all ADMA2's descriptor table would add, and QEMU's ADMA2 moves 5 descriptors per timer tick.
 * Not done: cache maintenance around DMA (QEMU has no caches to keep coherent; real ARM would
 * need it, as the RTL8139 would), high speed (CMD6), UHS, SDUC (CSD v3), more than one slot. */
#include <arch.h>
#include <string.h>

#include <kernel/kernel.h>
#include <kernel/pci.h>
#include <kernel/physmem.h>

#include "sdhci.h"
#include "storage_param.h"

/* Registers, as offsets from the slot's memory BAR. Accessed as 32-bit words only (ARM's MMIO
 * accessors are 32-bit): the 8- and 16-bit registers are written with their word's neighbours. */
enum sdhci_reg {
	SDHCI_SDMA_ADDR = 0x00,		/* SDMA system address; reads back where the next byte goes */
	SDHCI_BLOCK = 0x04,		/* block size 11:0, SDMA boundary 14:12, block count 31:16 */
	SDHCI_ARG = 0x08,		/* command argument */
	SDHCI_XFER_CMD = 0x0c,		/* transfer mode 15:0, command 31:16: writing the command's
					 * high byte issues it */
	SDHCI_RESP0 = 0x10,		/* response: 48-bit ones' bits 39:8 here; R2's bits 127:8 in
					 * RESP0..3 bits 119:0; RESP3 holds auto-CMD12's R1 */
	SDHCI_RESP3 = 0x1c,
	SDHCI_DATA = 0x20,		/* buffer data port (PIO), 4 bytes per access, little-endian */
	SDHCI_PRESENT = 0x24,		/* present state */
	SDHCI_HOST_CTL = 0x28,		/* host control 7:0, power 15:8, block gap 23:16, wakeup 31:24 */
	SDHCI_CLOCK_CTL = 0x2c,		/* clock 15:0, data timeout 19:16, software reset 31:24 */
	SDHCI_INT_STATUS = 0x30,	/* normal 15:0, error 31:16; write 1 to clear */
	SDHCI_INT_ENABLE = 0x34,	/* a status bit is only ever set if enabled here */
	SDHCI_INT_SIGNAL = 0x38,	/* status bits that raise the interrupt line: none */
	SDHCI_CAPS = 0x40,		/* capabilities */
	SDHCI_FORCE_EVENT = 0x50,	/* sets error status bits: auto-CMD12 15:0, errors 31:16 */
	SDHCI_VERSION = 0xfc,		/* slot interrupts 15:0, spec version 23:16, vendor 31:24 */
};

enum sdhci_present {
	PRESENT_CMD_INHIBIT = 1u << 0,	/* the CMD line is busy */
	PRESENT_DAT_INHIBIT = 1u << 1,	/* the DAT lines are busy (data or R1b busy) */
	PRESENT_CARD = 1u << 16,	/* card inserted (debounced) */
	PRESENT_STABLE = 1u << 17,	/* the card detect state is stable */
	PRESENT_WRITABLE = 1u << 19,	/* write protect switch off */
};

enum sdhci_host_ctl {
	HOST_4BIT = 1u << 1,		/* data transfer width 4 bits */
	HOST_DMA_SDMA = 0u << 3,	/* DMA select 4:3 */
	POWER_ON = 1u << 8,
	POWER_330 = 7u << 9,		/* bus voltage 11:9 */
	POWER_300 = 6u << 9,
	POWER_180 = 5u << 9,
};

enum sdhci_clock {
	CLOCK_INT_EN = 1u << 0,		/* internal clock on */
	CLOCK_INT_STABLE = 1u << 1,
	CLOCK_CARD_EN = 1u << 2,	/* SD clock to the card */
	TIMEOUT_MAX = 0xeu << 16,	/* data timeout TMCLK * 2^27 */
	RESET_ALL = 1u << 24,		/* one at a time: QEMU ignores a combination */
	RESET_CMD = 1u << 25,
	RESET_DAT = 1u << 26,
};

enum sdhci_int {
	INT_CMD_DONE = 1u << 0,
	INT_XFER_DONE = 1u << 1,	/* data transfer, or an R1b command's busy, ended */
	INT_DMA = 1u << 3,		/* SDMA stopped at a boundary: write the address again */
	INT_BUF_WRITE = 1u << 4,	/* the data port takes a block */
	INT_BUF_READ = 1u << 5,		/* the data port holds a block */
	INT_ERROR = 1u << 15,		/* one of the error bits below */
	INT_CMD_TIMEOUT = 1u << 16,
	INT_CMD_CRC = 1u << 17,
	INT_CMD_END = 1u << 18,
	INT_CMD_INDEX = 1u << 19,
	INT_DATA_TIMEOUT = 1u << 20,
	INT_DATA_CRC = 1u << 21,
	INT_DATA_END = 1u << 22,
	INT_CURRENT = 1u << 23,
	INT_ACMD12 = 1u << 24,
	INT_ADMA = 1u << 25,
};
#define INT_ERRORS	0xffff0000u
#define INT_TIMEOUTS	(INT_CMD_TIMEOUT | INT_DATA_TIMEOUT)
#define INT_ALL		(INT_ERRORS | INT_CMD_DONE | INT_XFER_DONE | INT_DMA | INT_BUF_WRITE | \
			 INT_BUF_READ)

enum sdhci_caps {
	CAPS_BASE_SHIFT = 8,		/* base clock MHz, 15:8 (2.00: 13:8) */
	CAPS_SDMA = 1u << 22,
	CAPS_330 = 1u << 24,
	CAPS_300 = 1u << 25,
	CAPS_180 = 1u << 26,
};

/* Transfer mode (low half of SDHCI_XFER_CMD) and command (high half) bits. */
enum sdhci_xfer {
	XFER_DMA = 1u << 0,
	XFER_BLKCNT = 1u << 1,
	XFER_ACMD12 = 1u << 2,		/* the controller sends CMD12 after the last block */
	XFER_READ = 1u << 4,
	XFER_MULTI = 1u << 5,
	CMD_RSP_136 = 1u << 16,		/* response type 17:16 */
	CMD_RSP_48 = 2u << 16,
	CMD_RSP_48_BUSY = 3u << 16,
	CMD_CRC = 1u << 19,		/* check the response's CRC */
	CMD_INDEX = 1u << 20,		/* check the response's command index */
	CMD_DATA = 1u << 21,		/* a data phase follows */
};
#define RSP_NONE	0u
#define RSP_R1		(CMD_RSP_48 | CMD_CRC | CMD_INDEX)	/* also R6, R7 */
#define RSP_R1B		(CMD_RSP_48_BUSY | CMD_CRC | CMD_INDEX)
#define RSP_R2		(CMD_RSP_136 | CMD_CRC)
#define RSP_R3		CMD_RSP_48				/* OCR: no CRC, no index */
#define SDMA_BOUNDARY_512K	(7u << 12)

/* SD commands (ACMD: after CMD55). */
enum sd_cmd {
	SD_GO_IDLE = 0, SD_ALL_SEND_CID = 2, SD_SEND_RCA = 3, SD_SELECT = 7, SD_SEND_IF_COND = 8,
	SD_SEND_CSD = 9, SD_STOP = 12, SD_SEND_STATUS = 13, SD_SET_BLOCKLEN = 16,
	SD_READ_SINGLE = 17, SD_READ_MULTI = 18, SD_WRITE_SINGLE = 24, SD_WRITE_MULTI = 25,
	SD_ERASE_START = 32, SD_ERASE_END = 33, SD_ERASE = 38, SD_APP_CMD = 55,
	SD_ACMD_BUS_WIDTH = 6, SD_ACMD_STATUS = 13, SD_ACMD_OP_COND = 41, SD_ACMD_SCR = 51,
};

/* Card status (R1) bits. The errors are the ones about this command or its data; ILLEGAL_COMMAND
 * and COM_CRC_ERROR are about the previous command, which has already failed on its own. */
enum sd_status {
	R1_OUT_OF_RANGE = 1u << 31, R1_ADDRESS = 1u << 30, R1_BLOCK_LEN = 1u << 29,
	R1_ERASE_SEQ = 1u << 28, R1_ERASE_PARAM = 1u << 27, R1_WP_VIOLATION = 1u << 26,
	R1_ECC = 1u << 21, R1_CC = 1u << 20, R1_ERROR = 1u << 19, R1_CSD_OVERWRITE = 1u << 16,
	R1_WP_ERASE_SKIP = 1u << 15,
	R1_READY = 1u << 8,		/* ready for data */
	R1_STATE_SHIFT = 9,		/* current state 12:9 */
	R1_APP_CMD = 1u << 5,
};
#define R1_ERRORS	(R1_OUT_OF_RANGE | R1_ADDRESS | R1_BLOCK_LEN | R1_ERASE_SEQ | \
			 R1_ERASE_PARAM | R1_WP_VIOLATION | R1_ECC | R1_CC | R1_ERROR | \
			 R1_CSD_OVERWRITE | R1_WP_ERASE_SKIP)
enum sd_state { ST_TRAN = 4, ST_DATA = 5, ST_RCV = 6, ST_PRG = 7 };

enum sd_ocr {
	OCR_VDD_27_36 = 0x00ff8000u,	/* 2.7-3.6 V */
	OCR_HCS = 1u << 30,		/* ACMD41: we take block addressing; reply: CCS, the card has it */
	OCR_BUSY_DONE = 1u << 31,	/* power-up finished */
};
#define IF_COND_CHECK	0x1aau		/* CMD8: 2.7-3.6 V (1) and the check pattern 0xaa */

#define SDHCI_MAGIC	0x53444843u	/* "SDHC" */

struct sdhci {
	uint32_t magic;			/* SDHCI_MAGIC */
	uintptr_t regs;			/* the slot's registers */
	struct pci_func pci;
	unsigned spec;			/* controller spec: 0 = 1.00, 1 = 2.00, 2 = 3.00 */
	uint32_t caps;
	unsigned base_khz;		/* base clock; 0 if the capabilities do not say */
	uint32_t host_ctl;		/* what SDHCI_HOST_CTL holds: host control and power */
	uint32_t clock_ctl;		/* what SDHCI_CLOCK_CTL holds: clock and timeout */
	unsigned clock_khz;		/* the card clock now */
	bool dma;			/* SDMA through bounce, else PIO */
	uint8_t *bounce;		/* SDHCI_DMA_BYTES from physmem, aligned to its size */
	bool block_addr;		/* SDHC/SDXC: arguments are sector numbers */
	uint32_t rca;			/* relative card address << 16 */
	uint32_t cid[4], csd[4];	/* as the response registers held them */
	uint8_t scr[8];			/* SCR, most significant byte first */
	uint32_t resp[4];		/* the last command's response */
	uint32_t sectors;		/* capacity, in 512-byte sectors (capped below 2^32) */
	uint32_t timeouts, errors, recoveries;	/* counted, never reset */
	bool removed;			/* the card left the slot: every call is BLK_ENODEV */
	struct blk_dev dev;
};

static struct sdhci card;
static bool probed;
static struct blk_dev *probed_dev;
static uint32_t inject_bits;	/* sdhci_inject_error: forced at the next command or data phase */
static bool inject_data;

static void sdhci_check(const struct sdhci *s)
{
#ifdef CONFIG_DEBUG
	kassert(s->magic == SDHCI_MAGIC && s->dev.magic == BLK_MAGIC && s->dev.priv == s);
#else
	(void)s;
#endif
}

static uint32_t rd(const struct sdhci *s, unsigned reg)
{
	return arch_mmio_read32(s->regs + reg);
}

static void wr(const struct sdhci *s, unsigned reg, uint32_t v)
{
	arch_mmio_write32(s->regs + reg, v);
}

/* Poll until (reg & mask) == want, about us microseconds at most: true if it happened. */
static bool wait_reg(const struct sdhci *s, unsigned reg, uint32_t mask, uint32_t want, uint64_t us)
{
	uint64_t waited = 0;
	unsigned step = 1;

	for (;;) {
		if ((rd(s, reg) & mask) == want)
			return true;
		if (waited >= us)
			return false;
		arch_udelay(step);
		waited += step;
		step = MIN(step * 2, 100u);	/* QEMU answers at once; a card takes ms */
	}
}

/* Poll the interrupt status until a bit of mask or an error is set, about us at most. Returns
 * the status bits seen, 0 on timeout. */
static uint32_t wait_int(const struct sdhci *s, uint32_t mask, uint64_t us)
{
	uint64_t waited = 0;
	unsigned step = 1;

	for (;;) {
		uint32_t st = rd(s, SDHCI_INT_STATUS);

		if (st & (mask | INT_ERRORS))
			return st;
		if (waited >= us)
			return 0;
		arch_udelay(step);
		waited += step;
		step = MIN(step * 2, 100u);
	}
}

static bool reset(struct sdhci *s, uint32_t what)
{
	wr(s, SDHCI_CLOCK_CTL, s->clock_ctl | what);
	if (wait_reg(s, SDHCI_CLOCK_CTL, what, 0, SDHCI_RESET_US))
		return true;
	kprintf("sdhci: software reset %#x did not finish in %u us\n", what >> 24, SDHCI_RESET_US);
	return false;
}

/* The card clock: at most khz from the base clock, as close as the divider allows. */
static int set_clock(struct sdhci *s, unsigned khz)
{
	unsigned div, base = s->base_khz;
	uint32_t bits;

	wr(s, SDHCI_CLOCK_CTL, s->clock_ctl & ~CLOCK_CARD_EN);
	if (s->spec >= 2) {	/* 3.00: base / (2 * N), N 10 bits, 0 = base */
		div = base <= khz ? 0 : MIN((base + 2 * khz - 1) / (2 * khz), 1023u);
		bits = (div & 0xff) << 8 | (div >> 8 & 3) << 6;
		s->clock_khz = div ? base / (2 * div) : base;
	} else {		/* 1.00/2.00: base / 2^k, at most 256 */
		for (div = 1; div < 256 && base / div > khz; div *= 2)
			;
		bits = (div / 2) << 8;
		s->clock_khz = base / div;
	}
	s->clock_ctl = TIMEOUT_MAX | bits | CLOCK_INT_EN;
	wr(s, SDHCI_CLOCK_CTL, s->clock_ctl);
	if (!wait_reg(s, SDHCI_CLOCK_CTL, CLOCK_INT_STABLE, CLOCK_INT_STABLE, SDHCI_CLOCK_US)) {
		kprintf("sdhci: the internal clock is not stable after %u us\n", SDHCI_CLOCK_US);
		return BLK_ETIMEDOUT;
	}
	s->clock_ctl |= CLOCK_CARD_EN;
	wr(s, SDHCI_CLOCK_CTL, s->clock_ctl);
	return BLK_OK;
}

/* "CMD" or "ACMD", for messages: an application command follows CMD55 */
static const char *cmd_name(bool app)
{
	return app ? "ACMD" : "CMD";
}

/* Error interrupt bits as a blk error, counted. */
static int int_error(struct sdhci *s, uint32_t st)
{
	if (st & INT_TIMEOUTS || st == 0) {
		s->timeouts++;
		return BLK_ETIMEDOUT;
	}
	s->errors++;
	return BLK_EIO;
}

/* Issue one command and wait for its response (not its data or busy). mode: transfer mode
 * bits and RSP_*. 0, or BLK_ETIMEDOUT / BLK_EIO with the CMD line reset. quiet: a timeout is
 * an expected answer (CMD8 to an old card), not worth a log line. */
static int command(struct sdhci *s, unsigned idx, uint32_t arg, uint32_t mode, bool app, bool quiet)
{
	uint32_t inhibit = PRESENT_CMD_INHIBIT, st;

	if (mode & (CMD_DATA | CMD_RSP_48_BUSY))
		inhibit |= PRESENT_DAT_INHIBIT;
	if (!wait_reg(s, SDHCI_PRESENT, inhibit, 0, SDHCI_INHIBIT_US)) {
		kprintf("sdhci: %s%u: lines still busy (present state %#x)\n", cmd_name(app),
			idx, rd(s, SDHCI_PRESENT));
		s->timeouts++;
		return BLK_ETIMEDOUT;
	}
	wr(s, SDHCI_INT_STATUS, INT_ALL);
	wr(s, SDHCI_ARG, arg);
	wr(s, SDHCI_XFER_CMD, mode | (uint32_t)idx << 24);
	if (inject_bits && !inject_data) {
		wr(s, SDHCI_FORCE_EVENT, inject_bits);
		inject_bits = 0;
	}
	st = wait_int(s, INT_CMD_DONE, SDHCI_CMD_US);
	if (!(st & INT_CMD_DONE) || (st & INT_ERRORS)) {
		int e = int_error(s, st & INT_ERRORS);

		if (!quiet)
			kprintf("sdhci: %s%u arg %#x: %s (interrupt status %#x)\n", cmd_name(app),
				idx, arg, st ? "error" : "no response in time", st);
		wr(s, SDHCI_INT_STATUS, INT_ALL);
		reset(s, RESET_CMD);
		if (mode & (CMD_DATA | CMD_RSP_48_BUSY))
			reset(s, RESET_DAT);
		return e;
	}
	wr(s, SDHCI_INT_STATUS, INT_CMD_DONE);
	for (unsigned i = 0; i < 4; i++)
		s->resp[i] = rd(s, SDHCI_RESP0 + 4 * i);
	return BLK_OK;
}

/* A command with an R1 response that must carry no error bits. */
static int cmd_r1(struct sdhci *s, unsigned idx, uint32_t arg, bool app)
{
	int e = command(s, idx, arg, RSP_R1, app, false);

	if (e == BLK_OK && (s->resp[0] & R1_ERRORS)) {
		kprintf("sdhci: %s%u arg %#x: card status %#x\n", cmd_name(app), idx, arg,
			s->resp[0]);
		s->errors++;
		return BLK_EIO;
	}
	return e;
}

/* An R1b command: the response, then the end of the card's busy signal within us. */
static int cmd_r1b(struct sdhci *s, unsigned idx, uint32_t arg, uint64_t us)
{
	int e = command(s, idx, arg, RSP_R1B, false, false);
	uint32_t st;

	if (e != BLK_OK)
		return e;
	st = wait_int(s, INT_XFER_DONE, us);
	wr(s, SDHCI_INT_STATUS, INT_ALL);
	if (!(st & INT_XFER_DONE) || (st & INT_ERRORS)) {
		kprintf("sdhci: CMD%u: busy did not end (interrupt status %#x)\n", idx, st);
		reset(s, RESET_CMD);
		reset(s, RESET_DAT);
		return int_error(s, st & INT_ERRORS);
	}
	if (s->resp[0] & R1_ERRORS) {
		kprintf("sdhci: CMD%u arg %#x: card status %#x\n", idx, arg, s->resp[0]);
		s->errors++;
		return BLK_EIO;
	}
	return BLK_OK;
}

static int app_cmd(struct sdhci *s)
{
	return command(s, SD_APP_CMD, s->rca, RSP_R1, false, false);
}

/* The card's status (CMD13) into *status. */
static int card_status(struct sdhci *s, uint32_t *status)
{
	int e = command(s, SD_SEND_STATUS, s->rca, RSP_R1, false, false);

	*status = s->resp[0];
	return e;
}

/* Wait until the card is in transfer state and ready for data (a write or an erase has been
 * programmed), about ms at most. Error bits in the status are BLK_EIO. */
static int wait_ready(struct sdhci *s, unsigned ms)
{
	uint64_t waited = 0;
	unsigned step = 1;
	uint32_t st;

	for (;;) {
		int e = card_status(s, &st);

		if (e != BLK_OK)
			return e;
		if (st & R1_ERRORS) {
			kprintf("sdhci: card status %#x\n", st);
			s->errors++;
			return BLK_EIO;
		}
		if ((st >> R1_STATE_SHIFT & 0xf) == ST_TRAN && (st & R1_READY))
			return BLK_OK;
		if (waited >= (uint64_t)ms * 1000) {
			kprintf("sdhci: the card stays busy (status %#x) for %u ms\n", st, ms);
			s->timeouts++;
			return BLK_ETIMEDOUT;
		}
		arch_udelay(step);
		waited += step;
		step = MIN(step * 2, 1000u);
	}
}

/* After a failed transfer: both lines reset, the card stopped if it still sends or receives,
 * and the status bits that clear when read (the error of the failed command) read once. */
static void recover(struct sdhci *s)
{
	uint32_t st = 0;

	s->recoveries++;
	wr(s, SDHCI_INT_STATUS, INT_ALL);
	reset(s, RESET_CMD);
	reset(s, RESET_DAT);
	for (int i = 0; i < 3; i++) {
		if (command(s, SD_SEND_STATUS, s->rca, RSP_R1, false, true) != BLK_OK)
			continue;
		st = s->resp[0] >> R1_STATE_SHIFT & 0xf;
		if (st == ST_DATA || st == ST_RCV)
			command(s, SD_STOP, 0, RSP_R1B, false, true);
		else
			break;
	}
	wr(s, SDHCI_INT_STATUS, INT_ALL);
}

/* One data command: count blocks of size bytes between buf and the card, with auto-CMD12 when
 * count > 1. buf is s->bounce (then by SDMA if s->dma) or any buffer (PIO). */
static int transfer(struct sdhci *s, unsigned idx, uint32_t arg, uint32_t size, uint32_t count,
		    void *buf, bool write, bool app)
{
	bool dma = s->dma && buf == s->bounce;
	uint32_t mode = XFER_BLKCNT | CMD_DATA | RSP_R1, st;
	uint64_t data_us = (uint64_t)SDHCI_DATA_MS * 1000;
	int e;

	if (!write)
		mode |= XFER_READ;
	if (count > 1)
		mode |= XFER_MULTI | XFER_ACMD12;
	if (dma) {
		mode |= XFER_DMA;
		wr(s, SDHCI_SDMA_ADDR, (uint32_t)arch_dma_address(buf));
	}
	wr(s, SDHCI_BLOCK, size | SDMA_BOUNDARY_512K | count << 16);
	e = command(s, idx, arg, mode, app, false);
	if (e != BLK_OK) {
		recover(s);
		return e;
	}
	if (s->resp[0] & R1_ERRORS) {	/* the card refused: no data phase will run */
		kprintf("sdhci: %s%u arg %#x: card status %#x\n", cmd_name(app), idx, arg,
			s->resp[0]);
		s->errors++;
		recover(s);
		return BLK_EIO;
	}
	if (inject_bits && inject_data) {
		wr(s, SDHCI_FORCE_EVENT, inject_bits);
		inject_bits = 0;
	}
	if (!dma) {
		uint32_t ready = write ? INT_BUF_WRITE : INT_BUF_READ;
		uint8_t *p = buf;

		for (uint32_t b = 0; b < count; b++) {
			st = wait_int(s, ready, data_us);
			if (!(st & ready) || (st & INT_ERRORS))
				goto failed;
			wr(s, SDHCI_INT_STATUS, ready);	/* before the last word re-arms it */
			for (uint32_t i = 0; i < size; i += 4, p += 4) {
				uint32_t w;

				if (write) {
					memcpy(&w, p, 4);
					wr(s, SDHCI_DATA, w);
				} else {
					w = rd(s, SDHCI_DATA);
					memcpy(p, &w, 4);
				}
			}
		}
	}
	for (;;) {
		st = wait_int(s, INT_XFER_DONE | INT_DMA, data_us);
		if (!(st & (INT_XFER_DONE | INT_DMA)) || (st & INT_ERRORS))
			goto failed;
		if (st & INT_XFER_DONE)
			break;
		wr(s, SDHCI_INT_STATUS, INT_DMA);	/* a boundary: go on from where it stopped */
		wr(s, SDHCI_SDMA_ADDR, rd(s, SDHCI_SDMA_ADDR));
	}
	wr(s, SDHCI_INT_STATUS, INT_ALL);
	if ((mode & XFER_ACMD12) && (rd(s, SDHCI_RESP3) & R1_ERRORS)) {
		kprintf("sdhci: %s%u arg %#x count %u: card status %#x after the transfer\n",
			cmd_name(app), idx, arg, count, rd(s, SDHCI_RESP3));
		s->errors++;
		recover(s);
		return BLK_EIO;
	}
	return BLK_OK;
failed:
	e = int_error(s, st & INT_ERRORS);
	kprintf("sdhci: %s%u arg %#x count %u: data phase %s (interrupt status %#x)\n",
		cmd_name(app), idx, arg, count, st ? "error" : "timed out", st);
	recover(s);
	return e;
}

static uint32_t card_addr(const struct sdhci *s, uint32_t sector)
{
	return s->block_addr ? sector : sector * BLK_SECTOR;
}

/* The card is still in the slot (present state, one register read). A card taken out is
 * gone for good: one put back is not identified again until the next boot. */
static bool card_here(struct sdhci *s)
{
	if (!s->removed && !(rd(s, SDHCI_PRESENT) & PRESENT_CARD)) {
		kprintf("sdhci: the card was removed: every call fails (no device)\n");
		s->removed = true;
	}
	return !s->removed;
}

/* Read or program sectors [sector, sector + count) in runs of at most the bounce buffer. */
static int rw(struct sdhci *s, uint32_t sector, uint32_t count, uint8_t *buf, bool write)
{
	const uint32_t run_max = SDHCI_DMA_BYTES / BLK_SECTOR;

	sdhci_check(s);
	if (!card_here(s))
		return BLK_ENODEV;
	while (count > 0) {
		uint32_t n = MIN(count, run_max), bytes = n * BLK_SECTOR;
		unsigned idx = write ? (n > 1 ? SD_WRITE_MULTI : SD_WRITE_SINGLE)
				     : (n > 1 ? SD_READ_MULTI : SD_READ_SINGLE);
		void *io = s->dma ? s->bounce : buf;
		int e;

		if (write && s->dma)
			memcpy(s->bounce, buf, bytes);
		e = transfer(s, idx, card_addr(s, sector), BLK_SECTOR, n, io, write, false);
		if (e == BLK_OK && write)
			e = wait_ready(s, SDHCI_PROG_MS);
		if (e != BLK_OK)
			return e;
		if (!write && s->dma)
			memcpy(buf, s->bounce, bytes);
		sector += n;
		count -= n;
		buf += bytes;
	}
	return BLK_OK;
}

static int sd_read(struct blk_dev *d, uint32_t sector, uint32_t count, void *buf)
{
	return rw(d->priv, sector, count, buf, false);
}

static int sd_program(struct blk_dev *d, uint32_t sector, uint32_t count, const void *buf)
{
	return rw(d->priv, sector, count, (uint8_t *)(uintptr_t)buf, true);
}

static int sd_erase(struct blk_dev *d, uint32_t group)
{
	struct sdhci *s = d->priv;
	uint32_t first = group * d->group_sectors, last = first + d->group_sectors - 1;
	int e;

	sdhci_check(s);
	if (!card_here(s))
		return BLK_ENODEV;
	e = cmd_r1(s, SD_ERASE_START, card_addr(s, first), false);
	if (e == BLK_OK)
		e = cmd_r1(s, SD_ERASE_END, card_addr(s, last), false);
	if (e == BLK_OK)
		e = cmd_r1b(s, SD_ERASE, 0, (uint64_t)SDHCI_ERASE_MS * 1000);
	if (e == BLK_OK)
		e = wait_ready(s, SDHCI_ERASE_MS);
	if (e != BLK_OK)
		recover(s);
	return e;
}

/* Every program and erase waited for the card to leave the programming state: nothing is
 * buffered, so a sync is one look at the status. */
static int sd_sync(struct blk_dev *d)
{
	struct sdhci *s = d->priv;

	sdhci_check(s);
	if (!card_here(s))
		return BLK_ENODEV;
	return wait_ready(s, SDHCI_PROG_MS);
}

static const struct blk_ops sdhci_ops = {
	.read = sd_read,
	.program = sd_program,
	.erase = sd_erase,
	.sync = sd_sync,
};

/* Bits hi..lo of a 128-bit register (CID, CSD) as the response registers hold it: register
 * bit n (n >= 8; the CRC byte is not kept) is bit n - 8 of resp[0..3]. */
static uint32_t reg_bits(const uint32_t r[4], unsigned hi, unsigned lo)
{
	uint32_t v = 0;

	for (unsigned b = hi + 1; b-- > lo;) {
		unsigned i = b - 8;

		v = v << 1 | (r[i / 32] >> (i % 32) & 1);
	}
	return v;
}

static uint32_t pow2_floor(uint32_t v)
{
	uint32_t p = 1;

	while (p <= v / 2)
		p *= 2;
	return p;
}

/* Capacity from the CSD; 0 if the structure is one we do not know. */
static uint64_t csd_bytes(const struct sdhci *s)
{
	switch (reg_bits(s->csd, 127, 126)) {
	case 0: {	/* SDSC: (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) blocks of 2^READ_BL_LEN */
		uint64_t c_size = reg_bits(s->csd, 73, 62), mult = reg_bits(s->csd, 49, 47);

		return (c_size + 1) << (mult + 2 + reg_bits(s->csd, 83, 80));
	}
	case 1:		/* SDHC/SDXC: (C_SIZE + 1) * 512 KiB */
		return ((uint64_t)reg_bits(s->csd, 69, 48) + 1) << 19;
	default:
		return 0;
	}
}

/* The erase group, in sectors, and where it came from. */
static uint32_t erase_group(struct sdhci *s, const char *cmdline, char *why, size_t whysize)
{
	unsigned long kb;
	bool opt = cmdline_get_ulong(cmdline, "sd_group_kb", &kb);
	uint32_t sectors = 0;

	if (!s->block_addr) {	/* SDSC: SECTOR_SIZE + 1 write blocks of 2^WRITE_BL_LEN */
		uint32_t wbl = reg_bits(s->csd, 25, 22), n = reg_bits(s->csd, 45, 39) + 1;
		uint64_t bytes = (uint64_t)n << wbl;

		sectors = (uint32_t)MAX(bytes / BLK_SECTOR, (uint64_t)1);
		ksnprintf(why, whysize, "CSD SECTOR_SIZE %u x %u bytes, ERASE_BLK_EN %u", n,
			  1u << wbl, reg_bits(s->csd, 46, 46));
	} else {
		uint8_t status[64];
		int e = app_cmd(s);

		if (e == BLK_OK)
			e = transfer(s, SD_ACMD_STATUS, 0, 64, 1, status, false, true);
		if (e == BLK_OK) {
			unsigned au = status[10] >> 4;	/* AU_SIZE, SD status bits 431:428 */

			/* 1..9: 16 KiB << (au - 1); A, C, E, F: 8, 16, 32, 64 MiB; B, D: 12,
			 * 24 MiB, not powers of two */
			static const uint32_t au_kb[16] = {
				0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 0, 16384, 0,
				32768, 65536 };

			if (au_kb[au]) {
				sectors = au_kb[au] * 2;
				ksnprintf(why, whysize, "SD status AU_SIZE %u", au);
			} else {
				ksnprintf(why, whysize, "SD status AU_SIZE %u: no usable AU", au);
			}
		} else {
			ksnprintf(why, whysize, "no SD status (%s)", blk_strerror(e));
		}
	}
	if (sectors) {
		if (opt)
			kprintf("sdhci: sd_group_kb=%lu ignored: the card gives its erase group\n", kb);
	} else if (opt && kb > 0 && kb <= 0x1000000 && (kb & (kb - 1)) == 0) {
		size_t n = strlen(why);

		sectors = (uint32_t)kb * 2;
		ksnprintf(why + n, whysize - n, "; boot option sd_group_kb=%lu", kb);
	} else {
		size_t n = strlen(why);

		if (opt)
			kprintf("sdhci: sd_group_kb=%lu is not a power of two KiB: not used\n", kb);
		sectors = SDHCI_GROUP_KB_DEFAULT * 2;
		ksnprintf(why + n, whysize - n, "; no sd_group_kb=: the default %u KiB",
			  SDHCI_GROUP_KB_DEFAULT);
	}
	if (sectors & (sectors - 1)) {
		size_t n = strlen(why);

		ksnprintf(why + n, whysize - n, "; rounded up to a power of two");
		while (sectors & (sectors - 1))
			sectors += sectors & -sectors;
	}
	if (sectors > s->sectors) {
		size_t n = strlen(why);

		ksnprintf(why + n, whysize - n, "; cut to the card's size");
		sectors = pow2_floor(s->sectors);
	}
	return sectors;
}

/* What the card reads as after an erase, and where that came from. */
static uint8_t erased_value(const struct sdhci *s, const char **why)
{
	/* QEMU's emulated card (CID: manufacturer 0xaa, OEM "XY", product "QEMU!") writes 0xff
	 * over an erased range (hw/sd/sd.c sd_erase, since QEMU 6.0) while its SCR says 0x00. */
	bool qemu = reg_bits(s->cid, 127, 120) == 0xaa && reg_bits(s->cid, 119, 104) == 0x5859 &&
		    reg_bits(s->cid, 103, 72) == 0x51454d55u && reg_bits(s->cid, 71, 64) == '!';

	if (qemu) {
		*why = "QEMU's card: its erase writes 0xff whatever its SCR says";
		return 0xff;
	}
	*why = "SCR DATA_STAT_AFTER_ERASE";
	return s->scr[1] & 0x80 ? 0xff : 0x00;
}

/* Power, identify and select the card; 4-bit bus and the transfer clock. 0 or an error, with
 * a line saying what failed. */
static int card_init(struct sdhci *s)
{
	uint32_t power, ocr_arg = OCR_VDD_27_36, ocr = 0;
	uint64_t waited_ms = 0;
	bool v2;
	int e;

	if (s->caps & CAPS_330)
		power = POWER_330;
	else if (s->caps & CAPS_300)
		power = POWER_300;
	else if (s->caps & CAPS_180)
		power = POWER_180;
	else {
		kprintf("sdhci: the controller offers no bus voltage\n");
		return BLK_ENODEV;
	}
	s->host_ctl = power;
	wr(s, SDHCI_HOST_CTL, s->host_ctl);
	s->host_ctl |= POWER_ON;
	wr(s, SDHCI_HOST_CTL, s->host_ctl);
	if (!(rd(s, SDHCI_HOST_CTL) & POWER_ON)) {
		kprintf("sdhci: bus power does not come on (host control %#x)\n",
			rd(s, SDHCI_HOST_CTL));
		return BLK_EIO;
	}
	if ((e = set_clock(s, SDHCI_ID_KHZ)) != BLK_OK)
		return e;
	arch_udelay(SDHCI_POWER_UP_US);

	if ((e = command(s, SD_GO_IDLE, 0, RSP_NONE, false, false)) != BLK_OK)
		return e;
	/* CMD8: a 2.00+ card echoes the pattern; an older one does not answer */
	e = command(s, SD_SEND_IF_COND, IF_COND_CHECK, RSP_R1, false, true);
	v2 = e == BLK_OK;
	if (v2 && (s->resp[0] & 0xfff) != IF_COND_CHECK) {
		kprintf("sdhci: CMD8 echo %#x, not %#x: the card cannot take our voltage\n",
			s->resp[0] & 0xfff, IF_COND_CHECK);
		return BLK_EIO;
	}
	if (v2)
		ocr_arg |= OCR_HCS;
	for (;;) {
		if ((e = app_cmd(s)) != BLK_OK)
			return e;
		if ((e = command(s, SD_ACMD_OP_COND, ocr_arg, RSP_R3, true, false)) != BLK_OK)
			return e;
		ocr = s->resp[0];
		if (ocr & OCR_BUSY_DONE)
			break;
		if (waited_ms >= SDHCI_INIT_MS) {
			kprintf("sdhci: the card is still powering up after %u ms (OCR %#x)\n",
				SDHCI_INIT_MS, ocr);
			return BLK_ETIMEDOUT;
		}
		arch_udelay(SDHCI_INIT_POLL_MS * 1000);
		waited_ms += SDHCI_INIT_POLL_MS;
	}
	s->block_addr = v2 && (ocr & OCR_HCS);
	if ((e = command(s, SD_ALL_SEND_CID, 0, RSP_R2, false, false)) != BLK_OK)
		return e;
	memcpy(s->cid, s->resp, sizeof(s->cid));
	if ((e = command(s, SD_SEND_RCA, 0, RSP_R1, false, false)) != BLK_OK)
		return e;
	s->rca = s->resp[0] & 0xffff0000u;
	if ((e = command(s, SD_SEND_CSD, s->rca, RSP_R2, false, false)) != BLK_OK)
		return e;
	memcpy(s->csd, s->resp, sizeof(s->csd));
	if ((e = cmd_r1b(s, SD_SELECT, s->rca, (uint64_t)SDHCI_PROG_MS * 1000)) != BLK_OK)
		return e;
	if (!s->block_addr && (e = cmd_r1(s, SD_SET_BLOCKLEN, BLK_SECTOR, false)) != BLK_OK)
		return e;
	if ((e = app_cmd(s)) != BLK_OK ||
	    (e = transfer(s, SD_ACMD_SCR, 0, sizeof(s->scr), 1, s->scr, false, true)) != BLK_OK)
		return e;
	if (s->scr[1] & 0x04) {	/* SD_BUS_WIDTHS bit 2: 4 bits */
		if ((e = app_cmd(s)) != BLK_OK ||
		    (e = cmd_r1(s, SD_ACMD_BUS_WIDTH, 2, true)) != BLK_OK)
			return e;
		s->host_ctl |= HOST_4BIT;
		wr(s, SDHCI_HOST_CTL, s->host_ctl);
	}
	return set_clock(s, SDHCI_XFER_KHZ);
}

/* The slot's registers: the first BAR the Slot Information register names, a 32-bit memory BAR
 * that the firmware (x86) or the arch layer (ARM) placed. */
static bool find_regs(struct sdhci *s)
{
	unsigned bar = pci_read32(&s->pci, 0x40) & 7;	/* slot information: first BAR 2:0 */
	uint32_t v, cmd;

	if (bar > 5)
		bar = 0;
	v = pci_read32(&s->pci, PCI_CFG_BAR0 + 4 * bar);
	if ((v & 1) || (v & ~0xfu) == 0 || ((v & 6) == 4 && pci_read32(&s->pci,
							PCI_CFG_BAR0 + 4 * bar + 4) != 0)) {
		kprintf("sdhci: BAR%u %#x is not 32-bit memory with an address\n", bar, v);
		return false;
	}
	s->regs = v & ~0xfu;
	if (!ARCH_MMIO || !arch_mmio_mapped(s->regs) || !arch_mmio_mapped(s->regs + 0xfc)) {
		kprintf("sdhci: registers at %#lx are not mapped\n", (unsigned long)s->regs);
		return false;
	}
	cmd = pci_read32(&s->pci, PCI_CFG_COMMAND) & 0xffff;
	cmd = (cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER) | PCI_CMD_INTX_OFF;	/* polled */
	pci_write32(&s->pci, PCI_CFG_COMMAND, cmd);	/* status bits 31:16 written as 0: kept */
	return true;
}

static struct blk_dev *probe(const char *cmdline)
{
	struct pci_func fs[32];
	struct sdhci *s = &card;
	char opt[8], why[128];
	const char *erased_why;
	uint64_t bytes = 0;
	int n, found = -1, e;

	n = pci_scan(fs, (int)ARRAY_SIZE(fs));
	for (int i = 0; i < MIN(n, (int)ARRAY_SIZE(fs)) && found < 0; i++)
		if ((fs[i].class >> 8) == 0x0805)
			found = i;
	if (found < 0) {
		kprintf("sdhci: no SD host controller\n");
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->magic = SDHCI_MAGIC;
	s->pci = fs[found];
	if (!find_regs(s))
		return NULL;
	s->spec = rd(s, SDHCI_VERSION) >> 16 & 0xff;
	s->caps = rd(s, SDHCI_CAPS);
	s->base_khz = (s->caps >> CAPS_BASE_SHIFT & (s->spec >= 2 ? 0xff : 0x3f)) * 1000;
	if (s->base_khz == 0) {
		kprintf("sdhci: the capabilities give no base clock: assuming 50 MHz\n");
		s->base_khz = 50000;
	}
	kprintf("sdhci: %02x:%02x.%u %04x:%04x, spec %s, registers %#lx, base clock %u MHz\n",
		s->pci.bus, s->pci.dev, s->pci.fn, s->pci.vendor, s->pci.device,
		s->spec == 0 ? "1.00" : s->spec == 1 ? "2.00" : "3.00+",
		(unsigned long)s->regs, s->base_khz / 1000);
	if (!reset(s, RESET_ALL))
		return NULL;
	wr(s, SDHCI_INT_SIGNAL, 0);
	wr(s, SDHCI_INT_ENABLE, INT_ALL);
	wr(s, SDHCI_INT_STATUS, INT_ALL);
	if (!wait_reg(s, SDHCI_PRESENT, PRESENT_STABLE, PRESENT_STABLE, SDHCI_CARD_STABLE_US) ||
	    !(rd(s, SDHCI_PRESENT) & PRESENT_CARD)) {
		kprintf("sdhci: no SD card in the slot\n");
		return NULL;
	}
	s->dma = (s->caps & CAPS_SDMA) &&
		 !(cmdline_get(cmdline, "sd_dma", opt, sizeof(opt)) && strcmp(opt, "off") == 0);
	if (s->dma && !(s->bounce = physmem_alloc(SDHCI_DMA_BYTES, SDHCI_DMA_BYTES))) {
		kprintf("sdhci: no memory for the DMA buffer: programmed I/O\n");
		s->dma = false;
	}
	if (s->bounce && arch_dma_address(s->bounce) + SDHCI_DMA_BYTES > 0x100000000ull) {
		kprintf("sdhci: the DMA buffer is above 4 GiB: programmed I/O\n");
		s->dma = false;
	}
	e = card_init(s);
	if (e == BLK_OK) {
		bytes = csd_bytes(s);
		if (bytes < BLK_SECTOR) {
			kprintf("sdhci: CSD structure %u unknown: no capacity\n",
				reg_bits(s->csd, 127, 126));
			e = BLK_ENODEV;
		}
	}
	if (e != BLK_OK) {
		kprintf("sdhci: the card did not initialise (%s): no SD card\n", blk_strerror(e));
		wr(s, SDHCI_CLOCK_CTL, 0);
		wr(s, SDHCI_HOST_CTL, 0);
		if (s->bounce)
			physmem_free(s->bounce, SDHCI_DMA_BYTES);
		return NULL;
	}
	s->sectors = (uint32_t)MIN(bytes / BLK_SECTOR, (uint64_t)UINT32_MAX);
	s->dev = (struct blk_dev){
		.magic = BLK_MAGIC,
		.ops = &sdhci_ops,
		.name = "sdhci",
		.priv = s,
	};
	s->dev.group_sectors = erase_group(s, cmdline, why, sizeof(why));
	s->dev.group_count = s->sectors / s->dev.group_sectors;
	s->dev.erased_byte = erased_value(s, &erased_why);
	kprintf("sdhci: card %c%c%c%c%c, %llu MiB %s (%s addresses), %u-bit bus at %u kHz, %s%s\n",
		(char)reg_bits(s->cid, 103, 96), (char)reg_bits(s->cid, 95, 88),
		(char)reg_bits(s->cid, 87, 80), (char)reg_bits(s->cid, 79, 72),
		(char)reg_bits(s->cid, 71, 64), (unsigned long long)(bytes >> 20),
		s->block_addr ? "SDHC/SDXC" : "SDSC", s->block_addr ? "block" : "byte",
		s->host_ctl & HOST_4BIT ? 4 : 1, s->clock_khz, s->dma ? "SDMA" : "programmed I/O",
		rd(s, SDHCI_PRESENT) & PRESENT_WRITABLE ? "" : ", write-protect switch on");
	kprintf("sdhci: erase group %u KiB (%s), %u groups; erased bytes read %#x (%s)\n",
		s->dev.group_sectors / 2, why, s->dev.group_count, s->dev.erased_byte, erased_why);
	sdhci_check(s);
	return &s->dev;
}

struct blk_dev *sdhci_probe(const char *cmdline)
{
	if (!probed) {
		probed_dev = probe(cmdline);
		probed = true;
	}
	return probed_dev;
}

struct blk_dev *sdhci_device(void)
{
	return probed_dev;
}

void sdhci_inject_error(uint32_t error_bits, bool data_phase)
{
	inject_bits = error_bits & INT_ERRORS;
	inject_data = data_phase;
}
