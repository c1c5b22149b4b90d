/* pl011.c -- the PL011 UART: polled output, interrupt-driven input into the console ring.
 * The FIFOs stay off: turning them on empties the receive side, and a byte may already wait
 * there (piped input); with them off QEMU holds the rest of the input back until each byte is
 * read. lock guards the interrupt mask against the ISR and rx_resume racing. */
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "arm.h"

enum pl011_reg {
	UART_DR = 0x00,
	UART_FR = 0x18,		/* flags: bit 4 RXFE, bit 5 TXFF */
	UART_LCR_H = 0x2c,	/* line control: bit 4 FEN, bits 6:5 word length */
	UART_CR = 0x30,		/* bit 0 UARTEN, bit 8 TXE, bit 9 RXE */
	UART_IMSC = 0x38,	/* interrupt mask set/clear: bit 4 RX, bit 6 RX timeout */
	UART_ICR = 0x44,
};
#define FR_RXFE		(1u << 4)
#define FR_TXFF		(1u << 5)
#define IMSC_RX		((1u << 4) | (1u << 6))

static struct spinlock lock = SPINLOCK_INIT("pl011");
static int rx_stopped;	/* the console is full: leave bytes in the UART; guarded by lock */

static uint32_t rd(uint32_t reg)
{
	return arch_mmio_read32(arm_mach.uart + reg);
}

static void wr(uint32_t reg, uint32_t v)
{
	arch_mmio_write32(arm_mach.uart + reg, v);
}

void arm_uart_init(void)
{
	wr(UART_IMSC, 0);
	wr(UART_CR, 0x301);				/* UARTEN, TXE, RXE */
	wr(UART_LCR_H, (rd(UART_LCR_H) & 0x10) | 0x60);	/* 8N1, FEN as it was */
}

void arm_uart_irq(void)
{
	spin_lock(&lock);
	/* an interrupt latched before the mask was set may still arrive: check rx_stopped */
	while (!rx_stopped && !(rd(UART_FR) & FR_RXFE)) {
		if (!console_rx_byte((uint8_t)rd(UART_DR))) {
			rx_stopped = 1;
			wr(UART_IMSC, 0);	/* full: leave the rest in the UART */
		}
	}
	spin_unlock(&lock);
}

void arm_uart_enable_rx(void)
{
	arch_irq_route(arm_mach.uart_line, 0);
	arch_console_rx_resume();
}

unsigned arch_console_irq(void)
{
	return arm_mach.uart_line;
}

void arch_console_rx_resume(void)
{
	arch_irqflags_t f = spin_lock_irqsave(&lock);

	rx_stopped = 0;
	wr(UART_IMSC, IMSC_RX);
	spin_unlock_irqrestore(&lock, f);
}

void arch_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (rd(UART_FR) & FR_TXFF)
			arch_cpu_relax();
		wr(UART_DR, (uint8_t)buf[i]);
	}
}
