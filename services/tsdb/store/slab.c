/* slab.c - memory for head chunks: size classes about 1.25x apart carved
 * from 64 KiB blocks aligned on their size, one class per block. Head
 * chunks grow a few bytes at a time in every series at once; going
 * through malloc for that costs more (realloc copies, allocator metadata)
 * than the samples themselves.
 *
 * A head chunk grows from class to class as samples arrive, and every
 * series does so at about the same time: the buffers left behind are not
 * wanted again until the next window starts. So each block counts its
 * live slots and keeps its own free list, and a block whose last slot is
 * freed goes back to malloc at once: memory follows what the heads hold
 * now instead of the largest size each class ever reached. A slot's block
 * is found by rounding its address down to the block size. Not
 * thread-safe: the store uses it under head_mu. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TSDB_SLAB_BLOCK (64 * 1024)

static const uint32_t tsdb_slab_sizes[TSDB_SLAB_CLASSES] = {
	16,   24,   32,   40,   48,   64,   80,   96,   128,  160,  192,  256,  320,  384,
	512,  640,  768,  1024, 1280, 1536, 2048, 2560, 3072, 4096, 5120, 6144, 8192, 12288, 16384,
};

struct tsdb_slab_block {
	struct tsdb_slab_block *next, *prev;           /* sl->blocks */
	struct tsdb_slab_block *avail_next, *avail_prev; /* sl->avail[cls] */
	void *free;     /* freed slots of this block */
	uint32_t used;  /* bytes carved so far (from the block's start) */
	uint32_t live;  /* slots handed out */
	uint16_t cls;
	bool in_avail;
};

/* Slots start after the header, 16-byte aligned. */
#define TSDB_SLAB_HDR ((sizeof(struct tsdb_slab_block) + 15) & ~(size_t)15)

static int tsdb_slab_class(uint32_t size)
{
	for (int c = 0; c < TSDB_SLAB_CLASSES; c++)
		if (tsdb_slab_sizes[c] >= size)
			return c;
	return -1;
}

static bool tsdb_slab_has_room(const struct tsdb_slab_block *b)
{
	return b->free || b->used + tsdb_slab_sizes[b->cls] <= TSDB_SLAB_BLOCK;
}

static void tsdb_slab_avail_add(struct tsdb_slab *sl, struct tsdb_slab_block *b)
{
	b->avail_prev = NULL;
	b->avail_next = sl->avail[b->cls];
	if (b->avail_next)
		b->avail_next->avail_prev = b;
	sl->avail[b->cls] = b;
	b->in_avail = true;
}

static void tsdb_slab_avail_del(struct tsdb_slab *sl, struct tsdb_slab_block *b)
{
	if (b->avail_prev)
		b->avail_prev->avail_next = b->avail_next;
	else
		sl->avail[b->cls] = b->avail_next;
	if (b->avail_next)
		b->avail_next->avail_prev = b->avail_prev;
	b->in_avail = false;
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
	struct tsdb_slab_block *b = sl->avail[c];
	if (!b) {
		void *m = NULL;
		if (posix_memalign(&m, TSDB_SLAB_BLOCK, TSDB_SLAB_BLOCK) || !m) {
			fprintf(stderr, "out of memory (%d bytes)\n", TSDB_SLAB_BLOCK);
			abort(); /* as xmalloc */
		}
		b = m;
		memset(b, 0, sizeof *b);
		b->used = (uint32_t)TSDB_SLAB_HDR;
		b->cls = (uint16_t)c;
		b->next = sl->blocks;
		if (b->next)
			b->next->prev = b;
		sl->blocks = b;
		sl->reserved += TSDB_SLAB_BLOCK;
		tsdb_slab_avail_add(sl, b);
	}
	void *p = b->free;
	if (p) {
		memcpy(&b->free, p, sizeof(void *));
	} else {
		p = (uint8_t *)b + b->used;
		b->used += sz;
	}
	b->live++;
	if (!tsdb_slab_has_room(b))
		tsdb_slab_avail_del(sl, b);
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
	struct tsdb_slab_block *b =
		(struct tsdb_slab_block *)((uintptr_t)p & ~(uintptr_t)(TSDB_SLAB_BLOCK - 1));
	sl->bytes -= cap;
	memcpy(p, &b->free, sizeof(void *));
	b->free = p;
	b->live--;
	/* An empty block goes back to malloc unless it is the only one its
	 * class has room in (a series growing into it next would only take
	 * a new one). */
	if (b->live == 0 && (sl->avail[c] != b || b->avail_next || !b->in_avail)) {
		if (b->in_avail)
			tsdb_slab_avail_del(sl, b);
		if (b->prev)
			b->prev->next = b->next;
		else
			sl->blocks = b->next;
		if (b->next)
			b->next->prev = b->prev;
		sl->reserved -= TSDB_SLAB_BLOCK;
		free(b);
		return;
	}
	if (!b->in_avail)
		tsdb_slab_avail_add(sl, b);
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
