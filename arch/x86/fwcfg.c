/* fwcfg.c -- boot options from QEMU's firmware configuration device: the file
 * "opt/lispos/cmdline" (qemu -fw_cfg name=opt/lispos/cmdline,string=...) is appended to the
 * multiboot command line. This is how scripts/qemu.sh passes options to the GRUB ISO, whose
 * command line is fixed (repl=pipe when the input is piped). Boot CPU, before SMP. */
#include <kernel/kernel.h>

#include "x86.h"

enum fw_cfg_port {
	FW_CFG_SELECTOR = 0x510,	/* 16-bit write: the item to read */
	FW_CFG_DATA = 0x511,		/* 8-bit reads: the item's bytes in order */
};
enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x0000,	/* "QEMU" */
	FW_CFG_FILE_DIR = 0x0019,	/* big-endian count, then struct fw_cfg_file entries */
};
#define FW_CFG_NAME	"opt/lispos/cmdline"

static void fw_read(void *buf, size_t n)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = arch_in8(FW_CFG_DATA);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void x86_fw_cfg_options(char *cmdline, size_t size)
{
	uint8_t sig[4], hdr[8], cnt[4];
	char name[56];
	size_t len = strlen(cmdline);

	arch_out16(FW_CFG_SELECTOR, FW_CFG_SIGNATURE);
	fw_read(sig, 4);
	if (memcmp(sig, "QEMU", 4) != 0)
		return;		/* not QEMU (or too old): nothing to add */
	arch_out16(FW_CFG_SELECTOR, FW_CFG_FILE_DIR);
	fw_read(cnt, 4);
	for (uint32_t i = 0, n = be32(cnt); i < n; i++) {
		fw_read(hdr, 8);	/* size (be32), select (be16), reserved */
		fw_read(name, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		if (strcmp(name, FW_CFG_NAME) != 0)
			continue;
		uint32_t bytes = be32(hdr);
		if (len > 0 && len + 1 < size)
			cmdline[len++] = ' ';
		arch_out16(FW_CFG_SELECTOR, (uint16_t)(hdr[4] << 8 | hdr[5]));
		for (uint32_t k = 0; k < bytes; k++) {
			char c = (char)arch_in8(FW_CFG_DATA);

			if (c == '\0' || len + 1 >= size)
				break;
			cmdline[len++] = c;
		}
		cmdline[len] = '\0';
		return;
	}
}
