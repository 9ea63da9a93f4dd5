/* slab.c - memory for head chunks: size classes about 1.25x apart carved
 * from 256 KiB blocks, with a free list per class. Head chunks grow a few
 * bytes at a time in every series at once; going through malloc for that
 * costs more (realloc copies, allocator metadata, pages handed back and
 * forth with the kernel) than the samples themselves. Not thread-safe:
 * the store uses it under head_mu. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#define TSDB_SLAB_BLOCK (256 * 1024)

static const uint32_t tsdb_slab_sizes[TSDB_SLAB_CLASSES] = {
	16,   24,   32,   40,   48,   64,   80,   96,   128,  160,  192,  256,  320,  384,
	512,  640,  768,  1024, 1280, 1536, 2048, 2560, 3072, 4096, 5120, 6144, 8192, 12288, 16384,
};

struct tsdb_slab_block {
	struct tsdb_slab_block *next;
	size_t used;
	_Alignas(16) uint8_t data[];
};

static int tsdb_slab_class(uint32_t size)
{
	for (int c = 0; c < TSDB_SLAB_CLASSES; c++)
		if (tsdb_slab_sizes[c] >= size)
			return c;
	return -1;
}

void *tsdb_slab_alloc(struct tsdb_slab *sl, uint32_t size, uint32_t *cap)
{
	int c = tsdb_slab_class(size);

	if (c < 0) { /* larger than any class: plain malloc */
		*cap = size;
		return xmalloc(size);
	}
	uint32_t sz = tsdb_slab_sizes[c];
	*cap = sz;
	sl->bytes += sz;
	void *p = sl->free[c];
	if (p) {
		memcpy(&sl->free[c], p, sizeof(void *));
		return p;
	}
	struct tsdb_slab_block *b = sl->cur[c];
	if (!b || b->used + sz > TSDB_SLAB_BLOCK) {
		b = xmalloc(sizeof *b + TSDB_SLAB_BLOCK);
		b->used = 0;
		b->next = sl->blocks;
		sl->blocks = b;
		sl->cur[c] = b;
		sl->reserved += TSDB_SLAB_BLOCK;
	}
	p = b->data + b->used;
	b->used += sz;
	return p;
}

void tsdb_slab_free(struct tsdb_slab *sl, void *p, uint32_t cap)
{
	if (!p)
		return;
	int c = tsdb_slab_class(cap);
	if (c < 0 || tsdb_slab_sizes[c] != cap) {
		free(p);
		return;
	}
	sl->bytes -= cap;
	memcpy(p, &sl->free[c], sizeof(void *));
	sl->free[c] = p;
}

void tsdb_slab_destroy(struct tsdb_slab *sl)
{
	for (struct tsdb_slab_block *b = sl->blocks, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	memset(sl, 0, sizeof *sl);
}

void tsdb_bits_reserve(struct tsdb_slab *sl, struct chunk_bits *b, uint32_t more_bits)
{
	uint64_t need = ((uint64_t)b->nbits + more_bits + 7) / 8;

	if (need <= b->cap)
		return;
	uint64_t want = need + need / 4;
	uint32_t cap;
	uint8_t *p = tsdb_slab_alloc(sl, (uint32_t)want, &cap);
	if (b->nbits)
		memcpy(p, b->p, (b->nbits + 7) / 8);
	tsdb_slab_free(sl, b->p, b->cap);
	b->p = p;
	b->cap = cap;
}

void tsdb_bits_resize(struct tsdb_slab *sl, struct chunk_bits *b, uint32_t bytes)
{
	uint32_t used = (b->nbits + 7) / 8, cap;

	if (bytes <= b->cap || bytes < used)
		return;
	uint8_t *p = tsdb_slab_alloc(sl, bytes, &cap);
	if (used)
		memcpy(p, b->p, used);
	tsdb_slab_free(sl, b->p, b->cap);
	b->p = p;
	b->cap = cap;
}
