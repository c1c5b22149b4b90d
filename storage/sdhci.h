/* sdhci.h -- the SD card behind an SD host controller on PCI (storage/sdhci.c), presented as a
 * block device (storage/blk.h). One controller, one slot, one card. */
#ifndef STORAGE_SDHCI_H
#define STORAGE_SDHCI_H

#include <stdbool.h>
#include <stdint.h>

#include <storage/blk.h>

/*
 * Find the first SDHCI function on PCI (class 08:05), reset it, power and identify the card in
 * its first slot and return the card as a block device; NULL, with one boot log line saying
 * why ("sdhci: no SD host controller", "sdhci: no SD card in the slot", or what failed), if
 * there is no controller, no card or a card that does not initialise. Never panics.
 *
 * The first call does the work; later calls return the same answer (so the boot path and the
 * store may both call it). Boot options read from cmdline (first call only):
 *   sd_group_kb=N  the erase group in KiB (a power of two) when the card does not give one: an
 *                  SDHC/SDXC card whose SD status has no AU_SIZE (QEMU's card)
 *   sd_dma=off     programmed I/O through the buffer data port instead of SDMA
 * The boot log names the card, its capacity, addressing, bus width, clock, transfer mode, erase
 * group and where that came from, and the erased value and where that came from.
 * Not reentrant: call it from one thread (the boot CPU before the scheduler, or the store).
 * The device's calls return what blk.h says; a card taken out of the slot makes every later
 * call BLK_ENODEV at once (a card put back is identified again only at the next boot).
 */
struct blk_dev *sdhci_probe(const char *cmdline);

/* The device sdhci_probe returned, or NULL (none, or not probed yet). */
struct blk_dev *sdhci_device(void);

/* Tests: the next command (data_phase false: as it is issued; true: the next data command,
 * once its command has completed) gets error_bits forced into the error interrupt status
 * through the controller's Force Event register, as a card or bus fault would set them.
 * error_bits are the interrupt status bits 31:16 (0x00010000 command timeout, 0x00200000
 * data CRC, ...). */
void sdhci_inject_error(uint32_t error_bits, bool data_phase);

#endif
