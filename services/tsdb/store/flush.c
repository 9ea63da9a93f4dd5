/* flush.c - making the head durable: the head log, checkpoints, cut
 * chunks, new series, retention; and rebuilding the head at open. One
 * LMDB write transaction per flush (FORMAT.md says what it holds). */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "../../../lib/log.h"

struct tsdb_series *tsdb_series_ensure(struct tsdb_store *s, uint64_t id); /* store.c */
void tsdb_series_freeze(struct tsdb_store *s, struct tsdb_series *se);    /* store.c */

#define TSDB_FORMAT_VERSION 1

enum { TSDB_FRAG_NEW = 1, TSDB_FRAG_FROZEN = 2 };

static void tsdb_map_find(struct tsdb_store *s);

static int tsdb_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v)
{
	MDB_val k = { strlen(name), (void *)name }, d;

	if (mdb_get(txn, dbi, &k, &d) != 0 || d.mv_size != 8)
		return -1;
	*v = tsdb_get_be64(d.mv_data);
	return 0;
}

static int tsdb_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t v)
{
	uint8_t b[8];
	MDB_val k = { strlen(name), (void *)name }, d = { 8, b };

	tsdb_be64(b, v);
	return mdb_put(txn, dbi, &k, &d, 0);
}

static void tsdb_hl_key(uint8_t k[12], uint64_t seq, uint32_t part)
{
	tsdb_be64(k, seq);
	k[8] = (uint8_t)(part >> 24);
	k[9] = (uint8_t)(part >> 16);
	k[10] = (uint8_t)(part >> 8);
	k[11] = (uint8_t)part;
}

/* ---- replay ---- */

/* Read k samples for se from the payload at r->pos (r->st is ignored:
 * se's state is used and advanced) and append their bits to its head. */
static int tsdb_replay_samples(struct tsdb_store *s, struct tsdb_series *se, struct chunk_reader *r,
			       uint64_t k)
{
	size_t from = r->pos;
	int64_t t;
	double v;

	if (k > CHUNK_MAX_SAMPLES || se->st.n + k > CHUNK_MAX_SAMPLES)
		return -1;
	r->st = se->st;
	for (uint64_t i = 0; i < k; i++) {
		if (chunk_reader_next(r, &t, &v) != 1)
			return -1;
		se->last_t = t;
		memcpy(&se->last_vbits, &v, 8);
	}
	se->st = r->st;
	tsdb_bits_reserve(&s->slab, &se->head, (uint32_t)(r->pos - from));
	chunk_bits_append_from(&se->head, r->p, from, r->pos);
	se->flushed_bits = se->head.nbits;
	se->flushed_n = se->st.n;
	return 0;
}

static void tsdb_drop_head(struct tsdb_store *s, struct tsdb_series *se)
{
	if (se->has_head)
		s->nheads--;
	tsdb_slab_free(&s->slab, se->head.p, se->head.cap);
	se->head = (struct chunk_bits){ NULL, 0, 0 };
	se->has_head = false;
}

/* A checkpoint part: every head chunk whole, with its state. */
static int tsdb_replay_ckpt(struct tsdb_store *s, const uint8_t *p, const uint8_t *end)
{
	uint64_t id = 0;

	while (p < end) {
		uint64_t d, nbits, part, xprev, n, lastv;
		int64_t window, t, dt, pv;
		struct chunk_state st;
		chunk_state_init(&st);
		if (chunk_get_uvarint(&p, end, &d) < 0 || chunk_get_varint(&p, end, &window) < 0 ||
		    chunk_get_uvarint(&p, end, &part) < 0 || chunk_get_varint(&p, end, &t) < 0 ||
		    chunk_get_varint(&p, end, &dt) < 0 || chunk_get_varint(&p, end, &pv) < 0 ||
		    chunk_get_uvarint(&p, end, &xprev) < 0 || chunk_get_uvarint(&p, end, &n) < 0 ||
		    end - p < 4)
			return -1;
		id += d;
		st.t = t;
		st.dt = dt;
		st.p = pv;
		st.xprev = xprev;
		st.n = (uint32_t)n;
		st.e = (int8_t)((int)p[0] - 1);
		st.w = p[1];
		st.lead = p[2];
		st.trail = p[3];
		p += 4;
		if (chunk_get_uvarint(&p, end, &lastv) < 0 || chunk_get_uvarint(&p, end, &nbits) < 0 ||
		    nbits > (uint64_t)(end - p) * 8 || nbits > UINT32_MAX - 8)
			return -1;
		const uint8_t *bits = p;
		p += (nbits + 7) / 8;
		if (id == 0 || id >= s->stored_next_id || part > 255 || st.e > 15 || st.w > 63 ||
		    n > CHUNK_MAX_SAMPLES || (st.lead > 64 && st.lead != 0xff) || st.trail > 64)
			return -1;
		struct tsdb_series *se = tsdb_series_ensure(s, id);
		if (!se)
			return -1;
		tsdb_drop_head(s, se);
		se->window = window;
		se->part = (uint32_t)part;
		se->st = st;
		se->gen = 1;
		se->has_head = true;
		s->nheads++;
		tsdb_bits_reserve(&s->slab, &se->head, (uint32_t)nbits);
		chunk_bits_append(&se->head, bits, (uint32_t)nbits);
		se->flushed_bits = se->head.nbits;
		se->flushed_n = st.n;
		se->last_t = st.n ? st.t : INT64_MIN;
		se->last_vbits = lastv;
		if (st.n && st.t > s->max_t)
			s->max_t = st.t;
	}
	return 0;
}

/* A flush record: runs, special entries, payload (see the writer). */
static int tsdb_replay_flush(struct tsdb_store *s, const uint8_t *p, const uint8_t *end)
{
	uint64_t nruns, nspecial, nbits;
	const uint8_t *runs, *special;

	if (chunk_get_uvarint(&p, end, &nruns) < 0)
		return -1;
	runs = p;
	for (uint64_t i = 0; i < nruns * 3; i++) {
		uint64_t u;
		if (chunk_get_uvarint(&p, end, &u) < 0)
			return -1;
	}
	if (chunk_get_uvarint(&p, end, &nspecial) < 0)
		return -1;
	special = p;
	for (uint64_t i = 0; i < nspecial; i++) {
		uint64_t u;
		int64_t w;
		if (chunk_get_uvarint(&p, end, &u) < 0 || p >= end)
			return -1;
		uint8_t f = *p++;
		if (f == TSDB_FRAG_NEW && (chunk_get_varint(&p, end, &w) < 0 ||
					   chunk_get_uvarint(&p, end, &u) < 0 ||
					   chunk_get_uvarint(&p, end, &u) < 0))
			return -1;
	}
	if (chunk_get_uvarint(&p, end, &nbits) < 0 || nbits > (uint64_t)(end - p) * 8)
		return -1;
	struct chunk_reader r;
	chunk_reader_init(&r, p, (size_t)nbits, NULL);

	const uint8_t *q = runs;
	uint64_t next = 0;
	for (uint64_t i = 0; i < nruns; i++) {
		uint64_t gap, len, k;
		chunk_get_uvarint(&q, end, &gap);
		chunk_get_uvarint(&q, end, &len);
		chunk_get_uvarint(&q, end, &k);
		if (gap >= s->stored_next_id || next + gap >= s->stored_next_id)
			return -1;
		uint64_t start = next + gap;
		if (start == 0 || len == 0 || len > s->stored_next_id - start)
			return -1;
		for (uint64_t id = start; id < start + len; id++) {
			struct tsdb_series *se = tsdb_series_ensure(s, id);
			if (!se || !se->has_head || tsdb_replay_samples(s, se, &r, k) < 0)
				return -1;
			if (se->st.t > s->max_t)
				s->max_t = se->st.t;
		}
		next = start + len;
	}
	q = special;
	uint64_t id = 0;
	for (uint64_t i = 0; i < nspecial; i++) {
		uint64_t d, part = 0, k = 0;
		int64_t window = 0;
		chunk_get_uvarint(&q, end, &d);
		uint8_t f = *q++;
		if (f == TSDB_FRAG_NEW) {
			chunk_get_varint(&q, end, &window);
			chunk_get_uvarint(&q, end, &part);
			chunk_get_uvarint(&q, end, &k);
		}
		id += d;
		if (id == 0 || id >= s->stored_next_id || part > 255)
			return -1;
		struct tsdb_series *se = tsdb_series_ensure(s, id);
		if (!se)
			return -1;
		tsdb_drop_head(s, se);
		if (f == TSDB_FRAG_NEW) {
			se->window = window;
			se->part = (uint32_t)part;
			chunk_state_init(&se->st);
			se->gen++;
			se->has_head = true;
			s->nheads++;
			if (tsdb_replay_samples(s, se, &r, k) < 0)
				return -1;
			if (se->st.t > s->max_t)
				s->max_t = se->st.t;
		}
	}
	return 0;
}

static int tsdb_replay_record(struct tsdb_store *s, const uint8_t *p, size_t len)
{
	if (len == 0)
		return -1;
	if (p[0] == 'C')
		return tsdb_replay_ckpt(s, p + 1, p + len);
	if (p[0] == 'G')
		return tsdb_replay_flush(s, p + 1, p + len);
	return -1;
}

int tsdb_flush_open_replay(struct tsdb_store *s, char *err, size_t errlen)
{
	MDB_txn *txn;
	int rc;
	uint64_t v;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		snprintf(err, errlen, "%s: %s", s->dir, mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->dbi_meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "series", MDB_CREATE, &s->dbi_series)) != 0 ||
	    (rc = mdb_dbi_open(txn, "hash", MDB_CREATE, &s->dbi_hash)) != 0 ||
	    (rc = mdb_dbi_open(txn, "postings", MDB_CREATE, &s->dbi_postings)) != 0 ||
	    (rc = mdb_dbi_open(txn, "chunks", MDB_CREATE, &s->dbi_chunks)) != 0 ||
	    (rc = mdb_dbi_open(txn, "headlog", MDB_CREATE, &s->dbi_headlog)) != 0)
		goto lmdb_fail;
	if (tsdb_meta_get(txn, s->dbi_meta, "format", &v) < 0) {
		if ((rc = tsdb_meta_put(txn, s->dbi_meta, "format", TSDB_FORMAT_VERSION)) != 0 ||
		    (rc = tsdb_meta_put(txn, s->dbi_meta, "window_ms", TSDB_WINDOW_MS)) != 0)
			goto lmdb_fail;
	} else if (v != TSDB_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: storage format %llu, this program reads %d", s->dir,
			 (unsigned long long)v, TSDB_FORMAT_VERSION);
		mdb_txn_abort(txn);
		return -1;
	} else if (tsdb_meta_get(txn, s->dbi_meta, "window_ms", &v) < 0 || v != TSDB_WINDOW_MS) {
		snprintf(err, errlen, "%s: chunk window differs from this program's", s->dir);
		mdb_txn_abort(txn);
		return -1;
	}
	if (tsdb_meta_get(txn, s->dbi_meta, "next_id", &v) == 0 && v > 0)
		s->next_id = s->stored_next_id = v;
	if (tsdb_meta_get(txn, s->dbi_meta, "max_t", &v) == 0)
		s->max_t = (int64_t)v;
	if (tsdb_meta_get(txn, s->dbi_meta, "seq", &v) == 0)
		s->flush_seq = v;
	if (tsdb_meta_get(txn, s->dbi_meta, "ckpt", &v) == 0)
		s->ckpt_seq = v;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		snprintf(err, errlen, "%s: %s", s->dir, mdb_strerror(rc));
		return -1;
	}
	if ((s->next_id >> TSDB_PAGE_BITS) >= TSDB_MAX_PAGES) {
		snprintf(err, errlen, "%s: series id out of range", s->dir);
		return -1;
	}

	/* The head: the last checkpoint, then the fragments after it. */
	MDB_cursor *c;
	uint8_t kb[12];
	MDB_val k = { 12, kb }, d;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->dbi_headlog, &c)) != 0) {
		if (rc == 0)
			mdb_txn_abort(txn);
		snprintf(err, errlen, "%s: %s", s->dir, mdb_strerror(rc));
		return -1;
	}
	tsdb_hl_key(kb, s->ckpt_seq, 0);
	size_t nrec = 0;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (tsdb_replay_record(s, d.mv_data, d.mv_size) < 0)
			log_warn("tsdb: %s: head log record %zu is corrupt; its rest is skipped", s->dir, nrec);
		nrec++;
		s->entries_since_ckpt += 1;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	s->entries_since_ckpt *= s->nheads;
	tsdb_map_find(s);
	if (rc != MDB_NOTFOUND) {
		snprintf(err, errlen, "%s: reading the head log: %s", s->dir, mdb_strerror(rc));
		return -1;
	}
	return 0;
lmdb_fail:
	snprintf(err, errlen, "%s: %s", s->dir, mdb_strerror(rc));
	mdb_txn_abort(txn);
	return -1;
}

/* ---- flush ---- */

struct tsdb_fz {
	uint8_t key[17];
	struct tsdb_frozen *f;
	struct buf enc;
};

static int tsdb_fz_cmp(const void *a, const void *b)
{
	return memcmp(((const struct tsdb_fz *)a)->key, ((const struct tsdb_fz *)b)->key, 17);
}

static int tsdb_series_id_cmp(const void *a, const void *b)
{
	uint64_t x = (*(struct tsdb_series *const *)a)->id, y = (*(struct tsdb_series *const *)b)->id;
	return x < y ? -1 : x > y;
}

struct tsdb_flush_job {
	uint64_t seq;
	bool ckpt;
	struct buf rec;     /* fragments record */
	struct buf *parts;  /* checkpoint parts */
	size_t nparts;
	struct tsdb_fz *fz;
	size_t nfz;
	struct tsdb_series *news; /* detached new-series list */
	uint64_t next_id;
	int64_t max_t;
	size_t entries;
	bool shed; /* delete the oldest window first (disk or map full) */
	/* What the head log had of each series before: restored if the
	 * flush fails, so the next one writes those samples again. */
	struct tsdb_undo {
		struct tsdb_series *se;
		uint32_t gen, bits, n;
		bool fresh;
	} *undo;
	size_t nundo;
};

static void tsdb_ckpt_entry(struct buf *b, uint64_t *prev, struct tsdb_series *se)
{
	uint8_t st4[4] = { (uint8_t)(se->st.e + 1), se->st.w, se->st.lead, se->st.trail };

	chunk_put_uvarint(b, se->id - *prev);
	*prev = se->id;
	chunk_put_varint(b, se->window);
	chunk_put_uvarint(b, se->part);
	chunk_put_varint(b, se->st.t);
	chunk_put_varint(b, se->st.dt);
	chunk_put_varint(b, se->st.p);
	chunk_put_uvarint(b, se->st.xprev);
	chunk_put_uvarint(b, se->st.n);
	buf_put(b, st4, 4);
	chunk_put_uvarint(b, se->last_vbits);
	chunk_put_uvarint(b, se->head.nbits);
	buf_put(b, se->head.p, (se->head.nbits + 7) / 8);
}

/* Cut chunks written by one flush at most: LMDB keeps every page a write
 * transaction dirtied in a cache for later transactions, so the largest
 * transaction sets the process's memory for good. At a window's end every
 * series is cut at once; they are written over a few flushes instead. */
#define TSDB_FLUSH_MAX_CHUNKS 8192
/* The same for series created since the last flush. */
#define TSDB_FLUSH_MAX_NEW 8192

static void tsdb_collect_frozen(struct tsdb_store *s, struct tsdb_flush_job *j,
				struct tsdb_series *se, size_t *fzcap)
{
	for (struct tsdb_frozen *f = se->frozen; f; f = f->next) {
		if (f->written)
			continue;
		if (j->nfz >= TSDB_FLUSH_MAX_CHUNKS) {
			s->frozen_backlog = true;
			return;
		}
		if (j->nfz == *fzcap) {
			*fzcap = *fzcap ? *fzcap * 2 : 64;
			j->fz = xrealloc(j->fz, *fzcap * sizeof *j->fz);
		}
		struct tsdb_fz *z = &j->fz[j->nfz++];
		tsdb_chunk_key(z->key, f->window, se->id, f->part);
		z->f = f;
		buf_init(&z->enc);
	}
}

/* Everything the flush takes from memory, under the locks. */
static void tsdb_flush_collect(struct tsdb_store *s, struct tsdb_flush_job *j, bool closing)
{
	/* New series first, at most TSDB_FLUSH_MAX_NEW: ids from the first
	 * one left for later on are not written in any form this time. */
	pthread_mutex_lock(&s->idx_mu);
	struct tsdb_series *nl = s->new_head, **tail = &j->news;
	for (size_t k = 0; nl && k < TSDB_FLUSH_MAX_NEW; k++) {
		*tail = nl;
		tail = &nl->new_next;
		nl = nl->new_next;
	}
	*tail = NULL;
	s->new_head = nl;
	if (!nl)
		s->new_tail = &s->new_head;
	j->next_id = nl ? nl->id : s->next_id;
	pthread_mutex_unlock(&s->idx_mu);
	uint64_t cutoff = j->next_id;

	pthread_mutex_lock(&s->head_mu);
	uint64_t n = __atomic_load_n(&s->nseries_pub, __ATOMIC_ACQUIRE);
	j->seq = s->flush_seq + 1;
	j->max_t = s->max_t;
	/* Cut the head chunks of series that stopped getting samples: only
	 * needed when the newest time moved into another window. */
	if (s->max_t != INT64_MIN && tsdb_window_of(s->max_t) != s->grace_window) {
		s->grace_window = tsdb_window_of(s->max_t);
		for (uint64_t id = 1; id < n; id++) {
			struct tsdb_series *se = tsdb_series_get(s, id);
			if (se && se->has_head && se->window + TSDB_WINDOW_MS + TSDB_GRACE_MS <= s->max_t)
				tsdb_series_freeze(s, se);
		}
	}
	/* The dirty series in id order: a walk over the ids when most are
	 * dirty (every scrape touches all its series), else a sort. */
	size_t nd = 0, cap = 0;
	struct tsdb_series **d = NULL, *later = NULL;
	for (struct tsdb_series *se = s->dirty, *nx; se; se = nx) {
		nx = se->dirty_next;
		if (se->id >= cutoff) { /* not in LMDB yet: stays dirty */
			se->dirty_next = later;
			later = se;
		} else {
			cap++;
		}
	}
	for (struct tsdb_series *se = later; se; se = se->dirty_next)
		se->dirty = false; /* for the walk below; set again at the end */
	d = xmalloc((cap ? cap : 1) * sizeof *d);
	if (cap > n / 16) {
		for (uint64_t id = 1; id < cutoff && id < n && nd < cap; id++) {
			struct tsdb_series *se = tsdb_series_get(s, id);
			if (se && se->dirty)
				d[nd++] = se;
		}
	} else {
		for (struct tsdb_series *se = s->dirty; se; se = se->dirty_next)
			if (se->id < cutoff)
				d[nd++] = se;
		if (nd > 1)
			qsort(d, nd, sizeof *d, tsdb_series_id_cmp);
	}
	/* The record (FORMAT.md): runs of consecutive ids that each got k
	 * more samples, then the entries that start or end a chunk, then
	 * the samples' bits of all of them, back to back. */
	struct buf runs = BUF_INIT, special = BUF_INIT;
	struct chunk_bits payload = { NULL, 0, 0 };
	uint64_t nruns = 0, nspecial = 0, run_start = 0, run_len = 0, run_k = 0, prev_end = 0;
	uint64_t sprev = 0;
	size_t fzcap = 0;
	struct tsdb_series **sp = NULL;
	size_t nsp = 0;
	for (size_t i = 0; i < nd; i++) {
		struct tsdb_series *se = d[i];
		se->dirty = false;
		if (!s->need_ckpt && !s->frozen_backlog)
			tsdb_collect_frozen(s, j, se, &fzcap);
		if (se->has_head && !se->fresh) {
			uint32_t k = se->st.n - se->flushed_n;
			if (k == 0)
				continue;
			if (run_len && se->id == run_start + run_len && k == run_k) {
				run_len++;
			} else {
				if (run_len) {
					chunk_put_uvarint(&runs, run_start - prev_end);
					chunk_put_uvarint(&runs, run_len);
					chunk_put_uvarint(&runs, run_k);
					prev_end = run_start + run_len;
					nruns++;
				}
				run_start = se->id;
				run_len = 1;
				run_k = k;
			}
			chunk_bits_append_from(&payload, se->head.p, se->flushed_bits, se->head.nbits);
		} else {
			sp = xrealloc(sp, (nsp + 1) * sizeof *sp);
			sp[nsp++] = se;
		}
		j->entries++;
	}
	if (run_len) {
		chunk_put_uvarint(&runs, run_start - prev_end);
		chunk_put_uvarint(&runs, run_len);
		chunk_put_uvarint(&runs, run_k);
		nruns++;
	}
	for (size_t i = 0; i < nsp; i++) {
		struct tsdb_series *se = sp[i];
		chunk_put_uvarint(&special, se->id - sprev);
		sprev = se->id;
		if (se->has_head) { /* a new chunk (fresh) */
			buf_putc(&special, TSDB_FRAG_NEW);
			chunk_put_varint(&special, se->window);
			chunk_put_uvarint(&special, se->part);
			chunk_put_uvarint(&special, se->st.n);
			chunk_bits_append_from(&payload, se->head.p, 0, se->head.nbits);
		} else {
			buf_putc(&special, TSDB_FRAG_FROZEN);
		}
		nspecial++;
	}
	free(sp);
	j->undo = xmalloc((nd ? nd : 1) * sizeof *j->undo);
	for (size_t i = 0; i < nd; i++) {
		struct tsdb_series *se = d[i];
		j->undo[j->nundo++] = (struct tsdb_undo){ se, se->gen, se->flushed_bits, se->flushed_n,
							  se->fresh };
		se->flushed_bits = se->head.nbits;
		se->flushed_n = se->st.n;
		se->fresh = false;
	}
	buf_putc(&j->rec, 'G');
	chunk_put_uvarint(&j->rec, nruns);
	if (runs.len)
		buf_put(&j->rec, runs.p, runs.len);
	chunk_put_uvarint(&j->rec, nspecial);
	if (special.len)
		buf_put(&j->rec, special.p, special.len);
	chunk_put_uvarint(&j->rec, payload.nbits);
	if (payload.nbits)
		buf_put(&j->rec, payload.p, (payload.nbits + 7) / 8);
	buf_free(&runs);
	buf_free(&special);
	free(payload.p);
	if (s->need_ckpt || s->frozen_backlog) {
		/* After a failed flush, or when the last flush left cut chunks
		 * for later: any series may have some due. */
		s->frozen_backlog = false;
		for (uint64_t id = 1; id < n && id < cutoff; id++) {
			struct tsdb_series *se = tsdb_series_get(s, id);
			if (se && se->frozen)
				tsdb_collect_frozen(s, j, se, &fzcap);
		}
	}
	s->dirty = later;
	for (struct tsdb_series *se = later; se; se = se->dirty_next)
		se->dirty = true;
	free(d);
	uint64_t limit = TSDB_CKPT_ENTRIES_PER_SERIES * (s->nheads > 1000 ? s->nheads : 1000);
	(void)closing;
	/* Not while cut chunks wait in memory: their samples may be only in
	 * the records a checkpoint deletes. */
	j->ckpt = (s->need_ckpt || s->entries_since_ckpt + j->entries > limit) && !s->frozen_backlog;
	if (j->ckpt) {
		size_t pcap = 0;
		uint64_t pprev = 0;
		for (uint64_t id = 1; id < n && id < cutoff; id++) {
			struct tsdb_series *se = tsdb_series_get(s, id);
			if (!se || !se->has_head)
				continue;
			if (j->nparts == 0 || j->parts[j->nparts - 1].len >= TSDB_CKPT_PART_BYTES) {
				if (j->nparts == pcap) {
					pcap = pcap ? pcap * 2 : 8;
					j->parts = xrealloc(j->parts, pcap * sizeof *j->parts);
				}
				buf_init(&j->parts[j->nparts]);
				buf_putc(&j->parts[j->nparts], 'C');
				j->nparts++;
				pprev = 0;
			}
			tsdb_ckpt_entry(&j->parts[j->nparts - 1], &pprev, se);
		}
	}
	pthread_mutex_unlock(&s->head_mu);

}

/* Encode the cut chunks (outside the locks: frozen bits do not change). */
static void tsdb_flush_encode(struct tsdb_fz *fz, size_t nfz)
{
	int64_t *ts = xmalloc(CHUNK_MAX_SAMPLES * sizeof *ts);
	double *vs = xmalloc(CHUNK_MAX_SAMPLES * sizeof *vs);

	for (size_t i = 0; i < nfz; i++) {
		struct chunk_reader r;
		size_t n = 0;
		chunk_reader_init(&r, fz[i].f->bits, fz[i].f->nbits, NULL);
		while (n < CHUNK_MAX_SAMPLES && chunk_reader_next(&r, &ts[n], &vs[n]) > 0)
			n++;
		if (n > 0)
			chunk_encode(ts, vs, n, &fz[i].enc);
	}
	free(ts);
	free(vs);
}

/* Disk use: pages in use (the file minus its free pages), and the file. */
static void tsdb_disk_bytes(struct tsdb_store *s, MDB_txn *txn, uint64_t *used, uint64_t *file)
{
	MDB_envinfo info;
	MDB_stat st;
	MDB_cursor *c;
	MDB_val k, d;
	uint64_t freep = 0;

	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &st);
	if (mdb_cursor_open(txn, 0, &c) == 0) {
		while (mdb_cursor_get(c, &k, &d, MDB_NEXT) == 0) {
			size_t cnt;
			if (d.mv_size >= sizeof cnt) {
				memcpy(&cnt, d.mv_data, sizeof cnt);
				freep += cnt;
			}
		}
		mdb_cursor_close(c);
	}
	uint64_t pages = (uint64_t)info.me_last_pgno + 1;
	*file = pages * st.ms_psize;
	*used = (pages > freep ? pages - freep : 0) * st.ms_psize;
}

/* Delete the chunks of the oldest window; returns the bytes freed (about)
 * or 0 when there is none. */
static uint64_t tsdb_delete_oldest(struct tsdb_store *s, MDB_txn *txn, int64_t before, int *rcp)
{
	MDB_cursor *c;
	MDB_val k, d;
	uint64_t freed = 0;
	uint8_t first[8];
	int rc;

	*rcp = 0;
	if ((rc = mdb_cursor_open(txn, s->dbi_chunks, &c)) != 0) {
		*rcp = rc;
		return 0;
	}
	rc = mdb_cursor_get(c, &k, &d, MDB_FIRST);
	if (rc == 0 && k.mv_size == 17)
		memcpy(first, k.mv_data, 8);
	while (rc == 0 && k.mv_size == 17 && memcmp(k.mv_data, first, 8) == 0) {
		int64_t w = (int64_t)(tsdb_get_be64(k.mv_data) ^ (1ULL << 63));
		if (before != INT64_MIN && w + TSDB_WINDOW_MS > before)
			break;
		freed += d.mv_size + k.mv_size + 10;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		s->m_ret_chunks++;
		rc = mdb_cursor_get(c, &k, &d, MDB_GET_CURRENT);
		if (rc == EINVAL)
			rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND && rc != EINVAL)
		*rcp = rc;
	return freed;
}

/* Drop this process's mappings of the LMDB file's pages. Writes go
 * through write(2), so the file (page cache) holds everything; pages that
 * a flush or a query read through the map would otherwise stay counted
 * in the process's RSS for good. The next access maps them again. */
static void tsdb_map_release(struct tsdb_store *s)
{
	MDB_envinfo info;
	MDB_stat st;

	if (!s->map_base || mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
		return;
	size_t len = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
	if (len > s->map_len)
		len = s->map_len;
	madvise(s->map_base, len, MADV_DONTNEED);
}

/* Where LMDB mapped data.mdb: LMDB does not say (me_mapaddr is only set
 * with MDB_FIXEDMAP), so find it in /proc/self/maps by inode. */
static void tsdb_map_find(struct tsdb_store *s)
{
	char path[4096], line[4352];
	struct stat sb;
	FILE *f;

	snprintf(path, sizeof path, "%s/data.mdb", s->dir);
	if (stat(path, &sb) < 0 || !(f = fopen("/proc/self/maps", "r")))
		return;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi, off, ino;
		char perms[8], dev[16];
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &lo, &hi, perms, &off, dev, &ino) == 6 &&
		    ino == (unsigned long)sb.st_ino && off == 0 && perms[3] == 's') {
			s->map_base = (void *)lo;
			s->map_len = hi - lo;
			break;
		}
	}
	fclose(f);
}

static int tsdb_flush_write(struct tsdb_store *s, struct tsdb_flush_job *j)
{
	MDB_txn *txn;
	int rc;
	uint8_t kb[17];
	MDB_val k, d;

	/* What the last commit uses (a write transaction takes free pages
	 * out of the free list while it runs, so count in a read one). */
	uint64_t used0 = 0, file0 = 0;
	if (s->retention_bytes) {
		MDB_txn *rt;
		if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &rt)) != 0)
			return rc;
		tsdb_disk_bytes(s, rt, &used0, &file0);
		mdb_txn_abort(rt);
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return rc;
	/* The time retention and a full disk free room first. */
	if (j->shed) {
		tsdb_delete_oldest(s, txn, INT64_MIN, &rc);
		if (rc)
			goto fail;
	}
	if (j->max_t != INT64_MIN) {
		int64_t cutoff = j->max_t - s->retention_ms;
		while (tsdb_delete_oldest(s, txn, cutoff, &rc) > 0)
			;
		if (rc)
			goto fail;
	}
	/* New series: labels, hash, postings. */
	for (struct tsdb_series *se = j->news; se; se = se->new_next) {
		tsdb_be64(kb, se->id);
		k = (MDB_val){ 8, kb };
		d = (MDB_val){ se->bloblen, se->blob };
		if ((rc = mdb_put(txn, s->dbi_series, &k, &d, MDB_APPEND)) != 0 &&
		    (rc = mdb_put(txn, s->dbi_series, &k, &d, 0)) != 0)
			goto fail;
		uint8_t hk[16];
		tsdb_be64(hk, se->hash);
		tsdb_be64(hk + 8, se->id);
		k = (MDB_val){ 16, hk };
		d = (MDB_val){ 0, (void *)"" };
		if ((rc = mdb_put(txn, s->dbi_hash, &k, &d, 0)) != 0)
			goto fail;
		for (uint32_t off = 0; off < se->bloblen;) {
			const char *name = se->blob + off, *value = name + strlen(name) + 1;
			uint8_t pk[TSDB_PKEY_MAX];
			size_t pl = tsdb_posting_prefix(pk, name, value);
			tsdb_be64(pk + pl, se->id);
			k = (MDB_val){ pl + 8, pk };
			d = (MDB_val){ 0, (void *)"" };
			if ((rc = mdb_put(txn, s->dbi_postings, &k, &d, 0)) != 0)
				goto fail;
			off += (uint32_t)(strlen(name) + strlen(value) + 2);
		}
	}
	/* Cut chunks, in key order (appends when they are the newest). */
	for (size_t i = 0; i < j->nfz; i++) {
		if (j->fz[i].enc.len == 0)
			continue;
		k = (MDB_val){ 17, j->fz[i].key };
		d = (MDB_val){ j->fz[i].enc.len, j->fz[i].enc.p };
		if ((rc = mdb_put(txn, s->dbi_chunks, &k, &d, MDB_APPEND)) != 0 &&
		    (rc = mdb_put(txn, s->dbi_chunks, &k, &d, 0)) != 0)
			goto fail;
	}
	/* The head log. */
	uint64_t hl_bytes = 0;
	if (j->ckpt) {
		MDB_cursor *c;
		uint8_t hk[12];
		for (size_t i = 0; i < j->nparts; i++) {
			tsdb_hl_key(hk, j->seq, (uint32_t)i);
			k = (MDB_val){ 12, hk };
			d = (MDB_val){ j->parts[i].len, j->parts[i].p };
			if ((rc = mdb_put(txn, s->dbi_headlog, &k, &d, 0)) != 0)
				goto fail;
			hl_bytes += d.mv_size;
		}
		if ((rc = mdb_cursor_open(txn, s->dbi_headlog, &c)) != 0)
			goto fail;
		tsdb_hl_key(hk, j->seq, 0);
		while ((rc = mdb_cursor_get(c, &k, &d, MDB_FIRST)) == 0 && k.mv_size == 12 &&
		       memcmp(k.mv_data, hk, 12) < 0)
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				break;
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto fail;
		if ((rc = tsdb_meta_put(txn, s->dbi_meta, "ckpt", j->seq)) != 0)
			goto fail;
	} else if (j->entries > 0) {
		uint8_t hk[12];
		tsdb_hl_key(hk, j->seq, 0);
		k = (MDB_val){ 12, hk };
		d = (MDB_val){ j->rec.len, j->rec.p };
		if ((rc = mdb_put(txn, s->dbi_headlog, &k, &d, MDB_APPEND)) != 0)
			goto fail;
		hl_bytes = d.mv_size;
	}
	if ((rc = tsdb_meta_put(txn, s->dbi_meta, "next_id", j->next_id)) != 0 ||
	    (rc = tsdb_meta_put(txn, s->dbi_meta, "max_t", (uint64_t)j->max_t)) != 0 ||
	    (rc = tsdb_meta_put(txn, s->dbi_meta, "seq", j->seq)) != 0)
		goto fail;
	/* Size retention: drop whole oldest windows while over the limit. */
	if (s->retention_bytes) {
		uint64_t used = used0;
		while (used > s->retention_bytes) {
			uint64_t fr = tsdb_delete_oldest(s, txn, INT64_MIN, &rc);
			if (rc)
				goto fail;
			if (fr == 0)
				break;
			used = used > fr ? used - fr : 0;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return rc;
	s->m_headlog_bytes += hl_bytes;
	tsdb_map_release(s);
	return 0;
fail:
	mdb_txn_abort(txn);
	return rc;
}

/* Free cut chunks that LMDB holds and no open querier can miss there
 * (head_mu held). */
static void tsdb_flush_release(struct tsdb_store *s)
{
	uint64_t minq = UINT64_MAX;
	uint64_t n = __atomic_load_n(&s->nseries_pub, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < s->nqueriers; i++)
		if (s->qseqs[i] < minq)
			minq = s->qseqs[i];
	if (s->nfrozen == 0)
		return;
	for (uint64_t id = 1; id < n; id++) {
		struct tsdb_series *se = tsdb_series_get(s, id);
		if (!se || !se->frozen)
			continue;
		struct tsdb_frozen **pp = &se->frozen;
		while (*pp) {
			struct tsdb_frozen *f = *pp;
			if (f->written && f->written <= minq) {
				*pp = f->next;
				tsdb_slab_free(&s->slab, f->bits, f->cap);
				free(f);
				s->nfrozen--;
			} else {
				pp = &f->next;
			}
		}
	}
}

int tsdb_flush_run(struct tsdb_store *s, bool closing)
{
	struct tsdb_flush_job j;
	struct timespec t0, t1;
	int rc;

	memset(&j, 0, sizeof j);
	pthread_mutex_lock(&s->flush_mu);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tsdb_flush_collect(s, &j, closing);
	tsdb_flush_encode(j.fz, j.nfz);
	if (j.nfz > 1)
		qsort(j.fz, j.nfz, sizeof *j.fz, tsdb_fz_cmp);
	j.shed = s->shed_next;
	rc = tsdb_flush_write(s, &j);
	if (rc == MDB_MAP_FULL) {
		/* Grow the map, which LMDB allows only with no transaction
		 * open in this process: no querier may be open. */
		pthread_mutex_lock(&s->head_mu);
		if (s->nqueriers == 0) {
			MDB_envinfo info;
			mdb_env_info(s->env, &info);
			if (mdb_env_set_mapsize(s->env, info.me_mapsize * 2) == 0)
				log_warn("tsdb: %s: the LMDB map is full; grown to %zu bytes", s->dir,
					 info.me_mapsize * 2);
		}
		pthread_mutex_unlock(&s->head_mu);
		rc = tsdb_flush_write(s, &j);
	}
	s->shed_next = false;
	if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT) {
		s->m_full++;
		s->shed_next = true;
		log_error("tsdb: %s: storage full (%s): the oldest samples will be deleted", s->dir,
			  mdb_strerror(rc));
	} else if (rc) {
		log_error("tsdb: %s: flush failed: %s", s->dir, mdb_strerror(rc));
	}

	pthread_mutex_lock(&s->head_mu);
	if (rc == 0) {
		s->flush_seq = j.seq;
		for (size_t i = 0; i < j.nfz; i++) {
			j.fz[i].f->written = j.seq;
			s->m_chunks_written++;
			s->m_chunk_bytes += j.fz[i].enc.len;
		}
		if (j.ckpt) {
			s->ckpt_seq = j.seq;
			s->entries_since_ckpt = 0;
			s->need_ckpt = false;
			s->m_ckpts++;
		} else {
			s->entries_since_ckpt += j.entries;
		}
		tsdb_flush_release(s);
		s->m_flushes++;
		s->m_last_flush_ok = 1;
	} else {
		/* The head log misses this flush: its series are dirty again
		 * with what the log had before, and cut chunks stay unwritten,
		 * so the next flush writes it all. */
		for (size_t i = 0; i < j.nundo; i++) {
			struct tsdb_undo *u = &j.undo[i];
			struct tsdb_series *se = u->se;
			if (se->has_head && se->gen == u->gen) {
				se->flushed_bits = u->bits;
				se->flushed_n = u->n;
				se->fresh = u->fresh;
			}
			if (!se->dirty) {
				se->dirty = true;
				se->dirty_next = s->dirty;
				s->dirty = se;
			}
		}
		s->m_flush_fail++;
		s->m_last_flush_ok = 0;
	}
	pthread_mutex_unlock(&s->head_mu);
	if (rc == 0) {
		pthread_mutex_lock(&s->idx_mu);
		if (j.next_id > s->stored_next_id)
			s->stored_next_id = j.next_id;
		pthread_mutex_unlock(&s->idx_mu);
	} else if (j.news) {
		pthread_mutex_lock(&s->idx_mu);
		struct tsdb_series *last = j.news;
		while (last->new_next)
			last = last->new_next;
		last->new_next = s->new_head;
		if (!s->new_head)
			s->new_tail = &last->new_next;
		s->new_head = j.news;
		pthread_mutex_unlock(&s->idx_mu);
	}
	if (rc == 0) {
		/* detach the written list */
		for (struct tsdb_series *se = j.news, *nx; se; se = nx) {
			nx = se->new_next;
			se->new_next = NULL;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->m_flush_ns_sum +=
		(uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	pthread_mutex_unlock(&s->flush_mu);

	buf_free(&j.rec);
	free(j.undo);
	for (size_t i = 0; i < j.nparts; i++)
		buf_free(&j.parts[i]);
	free(j.parts);
	for (size_t i = 0; i < j.nfz; i++)
		buf_free(&j.fz[i].enc);
	free(j.fz);
	return rc == 0 ? 0 : tsdb_mdb_err(rc);
}
