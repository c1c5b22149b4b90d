/* storage_param.h -- limits and tunables of the storage drivers, in one place (docs/store.md,
 * "The SD driver", says why each wait is as long as it is). */
#ifndef STORAGE_STORAGE_PARAM_H
#define STORAGE_STORAGE_PARAM_H

/* SD host controller (storage/sdhci.c). Every wait on the controller or the card is bounded by
 * one of these; past it the call returns BLK_ETIMEDOUT. */
#define SDHCI_RESET_US		100000	/* a software reset (all, CMD or DAT line) clears itself */
#define SDHCI_CLOCK_US		20000	/* the internal clock reports stable */
#define SDHCI_CARD_STABLE_US	100000	/* card detect debounced (present state bit 17) */
#define SDHCI_CMD_US		100000	/* command complete after the command register is written */
#define SDHCI_INHIBIT_US	100000	/* CMD and DAT lines free before a command is issued */
#define SDHCI_DATA_MS		1000	/* one data transfer (at most SDHCI_DMA_BYTES) completes */
#define SDHCI_PROG_MS		2500	/* the card is back in transfer state after a write (SD: 250 ms
					 * per block at most; generous for a slow card's garbage
					 * collection) */
#define SDHCI_ERASE_MS		30000	/* CMD38's busy and the card's return to transfer state: the SD
					 * spec allows 250 ms per write block erased unless the SD
					 * status gives a better bound; a group is at most a few MiB */
#define SDHCI_INIT_MS		1000	/* ACMD41 reports power-up done (the SD spec's bound) */
#define SDHCI_INIT_POLL_MS	10	/* between two ACMD41 */
#define SDHCI_POWER_UP_US	1000	/* after power and clock on, before CMD0 (74 clocks at 400 kHz
					 * are 185 us; supply ramp-up 1 ms) */
#define SDHCI_ID_KHZ		400	/* identification clock (SD spec: 100-400 kHz) */
#define SDHCI_XFER_KHZ		25000	/* data transfer clock (default speed; high speed not used) */

/* SDMA goes through one bounce buffer of this many bytes, aligned to its size and smaller than
 * the SDMA boundary used (512 KiB), so a transfer never stops at a boundary; callers' buffers
 * may be anywhere. A power of two, a multiple of 512, at most 32 MiB (16-bit block count). */
#define SDHCI_DMA_BYTES		(128 * 1024)

/* The erase group when the card does not give one (an SDHC/SDXC card whose SD status has no
 * usable AU_SIZE, and no boot option sd_group_kb=): 4 MiB, the AU of most SDHC cards. */
#define SDHCI_GROUP_KB_DEFAULT	4096

#endif
