/* netsvc_param.h -- limits and tunables of the network driver, its service thread and the raw-frame
 * interface, in one place (docs/net.md explains each bound and what happens at it). */
#ifndef NET_NETSVC_PARAM_H
#define NET_NETSVC_PARAM_H

#define NET_FRAME_MAX		1514	/* largest Ethernet frame without CRC we send or keep */
#define NET_FRAME_MIN		14	/* an Ethernet header: the smallest frame we send */
#define NET_PRIO		5	/* the net service's priority (REPL and spawn use 15) */
#define NET_POLL_MS		10	/* the service wakes at least this often (timers, watchdog) */
#define NET_RX_BUDGET		64	/* frames taken from the ring per pass before TX gets a turn */
#define NET_PASSES_MAX		8	/* passes per wake-up before the service sleeps again */
#define NET_TXQ			32	/* frames queued toward the driver by all senders together */
#define NET_ETHER_MAX		8	/* raw-frame handles open at once (ether-open) */
#define NET_ETHER_RXQ		64	/* frames queued toward one handle; more are dropped, counted */
#define NET_SEND_WAIT_MS	2000	/* ether-send waits this long for room, then fails */

/* Sockets (netsock.c) and the stack the service runs (net_param.h has the stack's own pools) */
#define NETSOCK_MAX		96	/* socket handles open at once; more: NETSOCK_EMFILE */
#define NETSOCK_RING		16384	/* received bytes a connection's handle holds for readers;
					 * full: the service stops pulling, the stack's window closes */
#define NETSOCK_EOF_GRACE_MS	5000	/* a REPL session's expression still running this long
					 * after the peer closed its side is interrupted */
#define NET_STACK_CONNS		40	/* connections that can carry data at once (each a
					 * 64 KiB buffer block); more: SYNs dropped, connect fails */

/* RTL8139 */
#define RTL_RX_RING		8192	/* RX ring bytes (RBLEN 8K), WRAP clear */
/* The RX ring's allocation covers every byte QEMU's RTL8139 may store, not only the ring: its
 * room check is skipped when the ring is empty, and a frame then stored at write offset A
 * (header, data, CRC; A <= RTL_RX_RING - 4) runs on linearly to the multiple of RTL_RX_RING at
 * or below A + 4 + len before the rest wraps to offset 0 (hw/net/rtl8139.c,
 * rtl8139_write_buffer, QEMU 7.2). A netdev hands the NIC frames of up to RTL_RX_EMU_FRAME_MAX
 * bytes (QEMU's NET_BUFSIZE), so the end is at most 9 rings from the start: 72 KiB. The old
 * 8 KiB + 16 + 1536 let a 9000-byte frame into an empty ring at offset 7556 (raw test, seed
 * 450418203) write 6640 bytes past it, over CPU 0's nursery. Real chips wrap (or, WRAP set,
 * spill one frame of at most 1.5 KiB), so this is only the emulator's worst case. */
#define RTL_RX_EMU_FRAME_MAX	69632
#define RTL_RX_ALLOC		((RTL_RX_RING + RTL_RX_EMU_FRAME_MAX) / RTL_RX_RING * RTL_RX_RING + 16)
#define RTL_RX_GUARD		64	/* bytes after the allocation every RX poll checks untouched */
#define RTL_TX_SLOTS		4	/* the chip's four descriptors, in strict rotation */
#define RTL_TX_BUF		2048	/* bytes per TX buffer */
#define RTL_RESET_US		100000	/* software reset must finish within this */
#define RTL_RX_STALL_MS		500	/* a frame stuck half-written this long: the ring is reset */
#define RTL_RX_RESETS_MAX	4	/* RX resets in a row without a good frame: receive stops */
#define RTL_TX_TIMEOUT_MS	1000	/* a descriptor the chip holds this long: the chip is reset */
#define RTL_CHIP_RESETS_MAX	4	/* chip resets in a row without progress: the driver stops */

#endif
