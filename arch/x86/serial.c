/* serial.c -- the 16550 UART on COM1: polled output, interrupt-driven input into the console
 * ring. lock guards the interrupt-enable register against the ISR and rx_resume racing. */
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "x86.h"

#define COM1	0x3f8
enum uart_reg {
	UART_DATA = 0,		/* RBR on read, THR on write; divisor low with DLAB */
	UART_IER = 1,		/* interrupt enable; divisor high with DLAB */
	UART_IIR = 2,		/* interrupt identification (read), FIFO control (write) */
	UART_LCR = 3,		/* line control; bit 7 DLAB */
	UART_MCR = 4,		/* modem control; OUT2 gates the IRQ line */
	UART_LSR = 5,		/* line status: bit 0 data ready, bit 5 THR empty */
};
#define IER_RX		0x01
#define LSR_DR		0x01
#define LSR_THRE	0x20

static struct spinlock lock = SPINLOCK_INIT("serial");
static int rx_stopped;	/* the console is full: leave bytes in the UART; guarded by lock */

void x86_serial_init(void)
{
	arch_out8(COM1 + UART_IER, 0);
	arch_out8(COM1 + UART_LCR, 0x80);
	arch_out8(COM1 + UART_DATA, 1);		/* 115200 baud */
	arch_out8(COM1 + UART_IER, 0);
	arch_out8(COM1 + UART_LCR, 0x03);	/* 8N1 */
	/* Keep the FIFO as the loader left it: turning it on or off flushes it, and bytes may be
	 * waiting there already (piped input). If it is on, just set the trigger level. */
	if ((arch_in8(COM1 + UART_IIR) & 0xc0) == 0xc0)
		arch_out8(COM1 + UART_IIR, 0xc1);
	arch_out8(COM1 + UART_MCR, 0x0b);	/* DTR, RTS, OUT2 */
}

void x86_serial_irq(void)
{
	spin_lock(&lock);
	/* an interrupt latched before we turned them off may still arrive: check rx_stopped */
	while (!rx_stopped && (arch_in8(COM1 + UART_LSR) & LSR_DR)) {
		if (!console_rx_byte(arch_in8(COM1 + UART_DATA))) {
			rx_stopped = 1;
			arch_out8(COM1 + UART_IER, 0);	/* full: leave the rest in the UART */
		}
	}
	spin_unlock(&lock);
}

static bool serial_irq(void *ctx)
{
	(void)ctx;
	x86_serial_irq();
	return true;
}

void x86_serial_enable_rx(void)
{
	arch_irq_register(4, serial_irq, NULL);
	arch_irq_route(4, 0);
	arch_console_rx_resume();
}

unsigned arch_console_irq(void)
{
	return 4;
}

void arch_console_rx_resume(void)
{
	arch_irqflags_t f = spin_lock_irqsave(&lock);

	rx_stopped = 0;
	arch_out8(COM1 + UART_IER, IER_RX);
	spin_unlock_irqrestore(&lock, f);
}

void arch_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (!(arch_in8(COM1 + UART_LSR) & LSR_THRE))
			arch_cpu_relax();
		arch_out8(COM1 + UART_DATA, (uint8_t)buf[i]);
	}
}
