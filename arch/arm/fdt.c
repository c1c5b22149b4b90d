/* fdt.c -- a reader of the flattened device tree QEMU hands the kernel (version 17, big-endian).
 * fdt_open checks the header once (sizes and offsets within the blob, the structure block ending
 * with FDT_END, the strings block with a NUL); every later read stays within what it checked,
 * so a malformed tree gives wrong answers at worst, never a read outside the blob. */
#include <kernel/kernel.h>

#include "arm.h"

#define FDT_MAGIC	0xd00dfeed
enum fdt_token {
	FDT_BEGIN_NODE = 1,
	FDT_END_NODE = 2,
	FDT_PROP = 3,
	FDT_NOP = 4,
	FDT_END = 9,
};

uint32_t fdt_cell(const void *p, unsigned i)
{
	const uint8_t *b = (const uint8_t *)p + 4 * i;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_cells(const void *p, unsigned i, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v = v << 32 | fdt_cell(p, i + k);
	return v;
}

int fdt_open(struct fdt *f, const void *blob, const char **why)
{
	const uint8_t *b = blob;
	uint32_t size;

	if (!blob || ((uintptr_t)blob & 3)) {
		*why = "no device tree address (r2) or a misaligned one";
		return -1;
	}
	if (fdt_cell(b, 0) != FDT_MAGIC) {
		*why = "bad magic";
		return -1;
	}
	size = fdt_cell(b, 1);
	f->blob = b;
	f->size = size;
	f->struct_off = fdt_cell(b, 2);
	f->strings_off = fdt_cell(b, 3);
	f->strings_size = fdt_cell(b, 8);
	f->struct_size = fdt_cell(b, 9);
	if (size < 40 || size > 16u << 20) {
		*why = "total size out of range";
		return -1;
	}
	if (fdt_cell(b, 6) > 17 || fdt_cell(b, 5) < 16) {
		*why = "unsupported version";
		return -1;
	}
	if (f->struct_off > size || f->struct_size > size - f->struct_off || (f->struct_off & 3) ||
	    f->strings_off > size || f->strings_size > size - f->strings_off ||
	    fdt_cell(b, 4) > size) {
		*why = "a block lies outside the total size";
		return -1;
	}
	/* so that every string ends inside its block: names end at the last token at the latest */
	if (f->struct_size < 8 || (f->struct_size & 3) ||
	    fdt_cell(b + f->struct_off, f->struct_size / 4 - 1) != FDT_END) {
		*why = "the structure block does not end with FDT_END";
		return -1;
	}
	if (f->strings_size && b[f->strings_off + f->strings_size - 1] != '\0') {
		*why = "the strings block does not end with a NUL";
		return -1;
	}
	return 0;
}

static uint32_t token(const struct fdt *f, uint32_t off)
{
	if (off + 4 > f->struct_size)
		return FDT_END;
	return fdt_cell(f->blob + f->struct_off + off, 0);
}

/* offset just past the NUL-terminated string at off, aligned to 4 */
static uint32_t skip_name(const struct fdt *f, uint32_t off)
{
	while (off < f->struct_size && f->blob[f->struct_off + off])
		off++;
	return ALIGN_UP(off + 1, 4);
}

/* past one property or NOP token at off, or off if it is neither */
static uint32_t skip_prop(const struct fdt *f, uint32_t off)
{
	uint32_t t = token(f, off);

	if (t == FDT_NOP)
		return off + 4;
	if (t != FDT_PROP || off + 12 > f->struct_size)
		return off;
	return ALIGN_UP(off + 12 + fdt_cell(f->blob + f->struct_off + off, 1), 4);
}

int fdt_next_node(const struct fdt *f, int node, int *depth)
{
	uint32_t off;

	if (node < 0) {
		*depth = 0;
		off = 0;
		while (token(f, off) == FDT_NOP)
			off += 4;
		return token(f, off) == FDT_BEGIN_NODE ? (int)off : -1;
	}
	off = skip_name(f, (uint32_t)node + 4);
	for (;;) {
		uint32_t next = skip_prop(f, off);

		if (next != off) {
			if (next <= off || next > f->struct_size)
				return -1;
			off = next;
			continue;
		}
		switch (token(f, off)) {
		case FDT_BEGIN_NODE:
			(*depth)++;
			return (int)off;
		case FDT_END_NODE:
			(*depth)--;
			off += 4;
			break;
		default:
			return -1;
		}
	}
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	return (const char *)f->blob + f->struct_off + node + 4;
}

static const char *string_at(const struct fdt *f, uint32_t off)
{
	if (off >= f->strings_size)
		return "";
	return (const char *)f->blob + f->strings_off + off;
}

const void *fdt_prop(const struct fdt *f, int node, const char *name, uint32_t *len)
{
	uint32_t off = skip_name(f, (uint32_t)node + 4);

	for (;;) {
		uint32_t next = skip_prop(f, off);

		if (next == off || next > f->struct_size)
			return NULL;
		if (token(f, off) == FDT_PROP) {
			const uint8_t *p = f->blob + f->struct_off + off;

			if (strcmp(string_at(f, fdt_cell(p, 2)), name) == 0) {
				if (len)
					*len = fdt_cell(p, 1);
				return p + 12;
			}
		}
		off = next;
	}
}

/* name matches a path component: equal, or equal up to the unit address ("memory@40000000") */
static int name_is(const char *name, const char *comp, size_t n)
{
	return strncmp(name, comp, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

int fdt_path(const struct fdt *f, const char *path)
{
	int depth = 0, node = fdt_next_node(f, -1, &depth);

	while (node >= 0 && *path == '/') {
		const char *comp = path + 1, *end = comp;
		int want = depth + 1;

		while (*end && *end != '/')
			end++;
		if (end == comp)
			return node;
		for (node = fdt_next_node(f, node, &depth); node >= 0 && depth >= want;
		     node = fdt_next_node(f, node, &depth))
			if (depth == want && name_is(fdt_node_name(f, node), comp, (size_t)(end - comp)))
				break;
		if (node < 0 || depth < want)
			return -1;
		path = end;
	}
	return node;
}

int fdt_compatible(const struct fdt *f, int start, const char *compat)
{
	int depth = 0, node = start < 0 ? fdt_next_node(f, -1, &depth) : start;

	if (start >= 0)
		node = fdt_next_node(f, node, &depth);
	for (; node >= 0; node = fdt_next_node(f, node, &depth)) {
		uint32_t len;
		const char *c = fdt_prop(f, node, "compatible", &len);

		for (uint32_t i = 0; c && i < len; i += (uint32_t)strlen(c + i) + 1)
			if (strcmp(c + i, compat) == 0)
				return node;
	}
	return -1;
}

int fdt_by_phandle(const struct fdt *f, uint32_t phandle)
{
	int depth = 0;

	for (int node = fdt_next_node(f, -1, &depth); node >= 0;
	     node = fdt_next_node(f, node, &depth)) {
		uint32_t len;
		const void *p = fdt_prop(f, node, "phandle", &len);

		if (p && len == 4 && fdt_cell(p, 0) == phandle)
			return node;
	}
	return -1;
}

void fdt_reg_cells(const struct fdt *f, int node, unsigned *ac, unsigned *sc)
{
	int depth = 0, parent = -1, at[16];	/* at[d]: the last node seen at depth d */
	uint32_t len;
	const void *p;

	for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
		if (depth < 0 || depth >= 16)
			break;
		if (n == node) {
			parent = depth > 0 ? at[depth - 1] : -1;
			break;
		}
		at[depth] = n;
	}
	*ac = 2;
	*sc = 1;
	if (parent < 0)
		return;
	if ((p = fdt_prop(f, parent, "#address-cells", &len)) && len == 4)
		*ac = fdt_cell(p, 0);
	if ((p = fdt_prop(f, parent, "#size-cells", &len)) && len == 4)
		*sc = fdt_cell(p, 0);
}

int fdt_reg(const struct fdt *f, int node, unsigned i, uint64_t *base, uint64_t *size)
{
	unsigned ac, sc;
	uint32_t len;
	const void *p = fdt_prop(f, node, "reg", &len);

	if (!p)
		return -1;
	fdt_reg_cells(f, node, &ac, &sc);
	if (ac > 2 || sc > 2 || (i + 1) * (ac + sc) * 4 > len)
		return -1;
	*base = fdt_cells(p, i * (ac + sc), ac);
	*size = fdt_cells(p, i * (ac + sc) + ac, sc);
	return 0;
}
