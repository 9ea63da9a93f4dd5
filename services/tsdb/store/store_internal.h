/* store_internal.h - what the store's files share (not a public header).
 *
 * Locks, in the order they are taken:
 *  - idx_mu: the in-memory series hash table, series creation, the list
 *    of series not yet written to LMDB, next_id.
 *  - head_mu: every series' head chunk and frozen chunks, the dirty list,
 *    the list of open queriers, commit and flush bookkeeping. A commit
 *    holds it while it encodes its batch, so a querier's snapshot (taken
 *    under it) sees whole batches.
 *  - flush_mu: one flush at a time (taken before the other two).
 * by_id pages are published with release stores and read lock-free by the
 * appender's fast path.
 */
#ifndef PHAROS_TSDB_STORE_INTERNAL_H
#define PHAROS_TSDB_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "chunk.h"
#include "store.h"

/* Chunks are cut on aligned windows of sample time (FORMAT.md). */
#define TSDB_WINDOW_MS (30 * 60 * 1000LL)
/* A head chunk whose window ended more than this before the newest
 * sample is cut; older samples are out of bounds. */
#define TSDB_GRACE_MS TSDB_WINDOW_MS
/* A checkpoint of the whole head is written when the head log holds more
 * than this many entries per head series. */
#define TSDB_CKPT_ENTRIES_PER_SERIES 24
#define TSDB_CKPT_PART_BYTES (512 * 1024)
#define TSDB_MAX_BLOB (64 * 1024)
/* Longest label name a series may have (postings keys hold it whole). */
#define TSDB_MAX_NAME 256
/* Longest postings key (LMDB's limit is 511). */
#define TSDB_PKEY_MAX 480

#define TSDB_PAGE_BITS 12
#define TSDB_PAGE_SIZE (1u << TSDB_PAGE_BITS)
#define TSDB_MAX_PAGES (1u << 16)

#define TSDB_SLAB_CLASSES 29

/* slab.c: memory for chunk bits (see there). */
struct tsdb_slab_block;
struct tsdb_slab {
	/* per class: blocks with a free slot or room left */
	struct tsdb_slab_block *avail[TSDB_SLAB_CLASSES];
	struct tsdb_slab_block *blocks; /* every block */
	uint64_t bytes, reserved; /* handed out; taken from malloc */
};
void *tsdb_slab_alloc(struct tsdb_slab *sl, uint32_t size, uint32_t *cap);
void tsdb_slab_free(struct tsdb_slab *sl, void *p, uint32_t cap);
void tsdb_slab_destroy(struct tsdb_slab *sl);
/* Make room in b for more_bits more bits (memory from sl). */
void tsdb_bits_reserve(struct tsdb_slab *sl, struct chunk_bits *b, uint32_t more_bits);
/* Grow b to at least bytes (no-op if it has them). */
void tsdb_bits_resize(struct tsdb_slab *sl, struct chunk_bits *b, uint32_t bytes);
/* Most bits one sample takes in the stream. */
#define TSDB_SAMPLE_MAX_BITS 160

/* A cut chunk kept in memory until LMDB has it and no querier that could
 * miss it there is open. */
struct tsdb_frozen {
	struct tsdb_frozen *next;
	int64_t window;
	uint32_t part, gen;
	uint32_t nbits, cap;
	uint8_t *bits;   /* the stream, from the store's slab (cap bytes) */
	uint64_t written; /* flush seq that stored it in LMDB, 0 = not yet */
};

struct tsdb_series {
	uint64_t id;
	uint64_t hash;
	char *blob; /* labels "name\0value\0..." (owned), NULL until loaded */
	uint32_t bloblen;
	/* head_mu (here to fill the padding after bloblen) */
	bool has_head, fresh, dirty;
	/* Head chunk (head_mu). */
	struct chunk_bits head;
	struct chunk_state st;
	int64_t window;
	uint32_t part, gen;
	uint32_t flushed_bits; /* bits of head already in the head log */
	uint32_t flushed_n;    /* samples of head already in the head log */
	int64_t last_t; /* newest committed sample, INT64_MIN if none: written under head_mu, read with __atomic by appenders */
	uint64_t last_vbits;
	struct tsdb_frozen *frozen;
	struct tsdb_series *dirty_next;
	/* idx_mu */
	struct tsdb_series *hnext;
	struct tsdb_series *new_next;
};

struct tsdb_qsnap; /* querier.c */
#define TSDB_SNAP_POOL 4 /* snapshot arrays kept for reuse */

/* A block of series structs (they live until the store is closed). */
struct tsdb_sblock {
	struct tsdb_sblock *next;
	struct tsdb_series v[TSDB_PAGE_SIZE];
};

struct tsdb_store {
	char *dir;
	int lockfd;
	MDB_env *env;
	void *map_base; /* LMDB's mapping of data.mdb (NULL if not found) */
	size_t map_len;
	MDB_dbi dbi_meta, dbi_series, dbi_hash, dbi_postings, dbi_chunks, dbi_headlog;
	int64_t retention_ms, flush_ms;
	uint64_t retention_bytes, map_size;

	pthread_mutex_t idx_mu, head_mu, flush_mu, pool_mu;
	struct tsdb_appender *app_pool; /* pool_mu: appenders to reuse */
	size_t app_pooled;
	/* idx_mu */
	struct tsdb_series **htab;
	size_t hcap, hcount;
	struct tsdb_series *new_head, **new_tail; /* not yet in LMDB */
	uint64_t next_id;          /* next id to assign */
	uint64_t stored_next_id;   /* ids below are in LMDB */
	struct tsdb_sblock *sblocks; /* idx_mu (or opening) */
	size_t sblock_used;
	/* by_id: pages of TSDB_PAGE_SIZE pointers */
	struct tsdb_series ***pages; /* TSDB_MAX_PAGES entries, __atomic access */
	uint64_t nseries_pub;        /* ids < this are published (__atomic) */

	/* head_mu */
	struct tsdb_slab slab;
	/* Queriers' snapshot arrays (querier.c), kept for the next querier:
	 * one entry per series, so a fresh one per query would be mapped,
	 * faulted in and unmapped every time. */
	struct { void *p; size_t cap; } snap_pool[TSDB_SNAP_POOL];
	struct tsdb_series *dirty;
	int64_t max_t;            /* newest sample committed, INT64_MIN if none */
	uint64_t flush_seq;       /* last flush seq committed */
	uint64_t ckpt_seq;        /* seq of the last checkpoint */
	uint64_t entries_since_ckpt;
	bool need_ckpt;
	bool frozen_backlog; /* cut chunks left for the next flush */
	bool shed_next; /* flush_mu: delete the oldest window at the next flush */
	size_t nqueriers;
	uint64_t *qseqs; /* flush seq each open querier saw */
	size_t qcap;
	uint64_t nheads;
	uint64_t nfrozen;      /* cut chunks still in memory */
	int64_t grace_window;  /* window of max_t at the last scan for idle heads */

	/* flush thread */
	pthread_t thread;
	pthread_cond_t cond;
	pthread_mutex_t cond_mu;
	bool stop, thread_started;

	/* metrics (atomics) */
	_Atomic uint64_t m_appended, m_ooo, m_dup, m_oob, m_created, m_flushes, m_flush_fail,
		m_full, m_ret_chunks, m_chunks_written, m_chunk_bytes, m_chunk_samples, m_ckpts;
	_Atomic uint64_t m_flush_ns_sum, m_open_ns;
	_Atomic int64_t m_last_flush_ok;
	_Atomic uint64_t m_headlog_bytes;
};

/* store.c */
struct tsdb_series *tsdb_series_get(struct tsdb_store *s, uint64_t id);
void tsdb_be64(uint8_t *p, uint64_t v);
uint64_t tsdb_get_be64(const uint8_t *p);
/* The chunks key: window (sign-flipped BE), id BE, part byte. */
void tsdb_chunk_key(uint8_t k[17], int64_t window, uint64_t id, uint32_t part);
int64_t tsdb_window_of(int64_t t);
int tsdb_mdb_err(int rc);
/* Labels from a blob into arena (strings copied). */
int tsdb_blob_labels(const char *blob, size_t len, struct arena *a, struct labels *out);
/* postings.c: the postings key of (name, value) without its id:
 * "name\0value\0", or for a pair too long for a key
 * "name\0" value[:461-len(name)] "\0\xff" hash(value). Returns its length;
 * out has room for TSDB_PKEY_MAX bytes. */
size_t tsdb_posting_prefix(uint8_t *out, const char *name, const char *value);
/* Split a postings key whose name is namelen bytes: *val and *vlen the value
 * (truncated when *trunc), *id. Returns 0 or -1 if malformed. */
int tsdb_posting_parse(const void *key, size_t klen, size_t namelen, const char **val,
		       size_t *vlen, bool *trunc, uint64_t *id);
/* The full value of label name of stored series id (for truncated keys),
 * copied into b. Returns 0 or -1. */
int tsdb_posting_full_value(struct tsdb_store *s, MDB_txn *txn, uint64_t id, const char *name,
			    struct buf *b);
uint64_t tsdb_hash_bytes(const char *p, size_t n);

/* Register/unregister an open querier (head_mu held by caller for reg). */
void tsdb_querier_register(struct tsdb_store *s, uint64_t seq);
void tsdb_querier_unregister(struct tsdb_store *s, uint64_t seq);

#endif
