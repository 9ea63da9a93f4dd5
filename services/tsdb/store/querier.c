/* querier.c - reading: series selection over the postings, and iterators
 * that merge cut chunks from LMDB with the head in memory.
 *
 * Snapshot: tsdb_querier() holds head_mu while it begins the LMDB read
 * transaction and records, per series, the head chunk's generation and
 * committed length. Commits happen under head_mu too, so the querier sees
 * exactly the batches committed before it. A chunk cut later is kept in
 * memory (struct tsdb_frozen) until no querier that might miss it in LMDB
 * is open. */
#include "store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tsdb_snap {
	uint32_t gen;  /* head generation at the snapshot (0: never had one) */
	uint32_t bits; /* committed bits of that chunk; UINT32_MAX: all (it was cut) */
};

struct tsdb_querier {
	struct promql_querier base;
	struct tsdb_store *s;
	MDB_txn *txn;
	uint64_t seq;     /* the last flush this querier knows committed */
	uint64_t nseries; /* ids below exist for it */
	uint64_t stored;  /* ids below are in its LMDB snapshot */
	int64_t max_t;
	struct tsdb_snap *snap;
	size_t snap_cap; /* entries allocated in snap */
};

/* A snapshot array of at least n entries: a kept one that is big enough,
 * else a new one with some headroom. Caller holds head_mu. */
static struct tsdb_snap *snap_take(struct tsdb_store *s, size_t n, size_t *cap)
{
	for (size_t i = 0; i < TSDB_SNAP_POOL; i++) {
		if (s->snap_pool[i].p && s->snap_pool[i].cap >= n) {
			struct tsdb_snap *p = s->snap_pool[i].p;
			*cap = s->snap_pool[i].cap;
			s->snap_pool[i].p = NULL;
			return p;
		}
	}
	*cap = n + n / 8 + 64;
	return xmalloc(*cap * sizeof(struct tsdb_snap));
}

/* Keep p for a later querier (in an empty slot, or instead of a smaller
 * one), or free it. Takes head_mu. */
static void snap_give(struct tsdb_store *s, struct tsdb_snap *p, size_t cap)
{
	pthread_mutex_lock(&s->head_mu);
	size_t best = TSDB_SNAP_POOL;
	for (size_t i = 0; i < TSDB_SNAP_POOL; i++) {
		if (!s->snap_pool[i].p) {
			best = i;
			break;
		}
		if (s->snap_pool[i].cap < cap &&
		    (best == TSDB_SNAP_POOL || s->snap_pool[i].cap < s->snap_pool[best].cap))
			best = i;
	}
	if (best < TSDB_SNAP_POOL) {
		void *old = s->snap_pool[best].p;
		s->snap_pool[best].p = p;
		s->snap_pool[best].cap = cap;
		p = old;
	}
	pthread_mutex_unlock(&s->head_mu);
	free(p);
}

/* One chunk an iterator reads. */
struct tsdb_cref {
	int64_t window;
	uint32_t part;
	int disk; /* 1: LMDB disk chunk; 0: stream bits in the arena */
	const uint8_t *p;
	size_t len; /* bytes (disk) or bits (stream) */
};

struct tsdb_iter {
	struct promql_iter base;
	struct tsdb_cref *refs;
	size_t nrefs, cur;
	int64_t mint, maxt, last;
	bool started, done;
	struct chunk_iter ci;
	struct chunk_reader sr;
};

void tsdb_querier_register(struct tsdb_store *s, uint64_t seq)
{
	if (s->nqueriers == s->qcap) {
		s->qcap = s->qcap ? s->qcap * 2 : 16;
		s->qseqs = xrealloc(s->qseqs, s->qcap * sizeof *s->qseqs);
	}
	s->qseqs[s->nqueriers++] = seq;
}

void tsdb_querier_unregister(struct tsdb_store *s, uint64_t seq)
{
	pthread_mutex_lock(&s->head_mu);
	for (size_t i = 0; i < s->nqueriers; i++) {
		if (s->qseqs[i] == seq) {
			s->qseqs[i] = s->qseqs[--s->nqueriers];
			break;
		}
	}
	pthread_mutex_unlock(&s->head_mu);
}

static int tsdb_iter_next(struct promql_iter *pit, int64_t *t, double *v)
{
	struct tsdb_iter *it = (struct tsdb_iter *)pit;

	while (!it->done) {
		if (!it->started) {
			if (it->cur >= it->nrefs) {
				it->done = true;
				break;
			}
			struct tsdb_cref *r = &it->refs[it->cur];
			if (r->disk) {
				if (chunk_iter_init(&it->ci, r->p, r->len) < 0)
					return PROMQL_QERR_IO;
			} else {
				chunk_reader_init(&it->sr, r->p, r->len, NULL);
			}
			it->started = true;
		}
		int64_t ts;
		double vv;
		int rc = it->refs[it->cur].disk ? chunk_iter_next(&it->ci, &ts, &vv)
						: chunk_reader_next(&it->sr, &ts, &vv);
		if (rc < 0)
			return PROMQL_QERR_IO;
		if (rc == 0) {
			it->cur++;
			it->started = false;
			continue;
		}
		if (ts > it->maxt) {
			it->done = true;
			break;
		}
		if (ts < it->mint || ts <= it->last)
			continue;
		it->last = ts;
		*t = ts;
		*v = vv;
		return 1;
	}
	return 0;
}

/* ---- id sets ---- */

struct tsdb_ids {
	uint64_t *v;
	size_t n, cap;
};

static void tsdb_ids_push(struct tsdb_ids *s, uint64_t id)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = id;
}

static int tsdb_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void tsdb_ids_sort_unique(struct tsdb_ids *s)
{
	size_t k = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, tsdb_u64_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (k == 0 || s->v[k - 1] != s->v[i])
			s->v[k++] = s->v[i];
	s->n = k;
}

static void tsdb_ids_intersect(struct tsdb_ids *a, const struct tsdb_ids *b)
{
	size_t i = 0, j = 0, k = 0;

	while (i < a->n && j < b->n) {
		if (a->v[i] < b->v[j])
			i++;
		else if (a->v[i] > b->v[j])
			j++;
		else {
			a->v[k++] = a->v[i];
			i++;
			j++;
		}
	}
	a->n = k;
}

/* Ids of the stored series whose label m->name has a value m matches. */
static int tsdb_postings_match(struct tsdb_store *s, MDB_txn *txn, const struct labels_matcher *m,
			       struct tsdb_ids *out)
{
	MDB_cursor *c;
	uint8_t pk[TSDB_PKEY_MAX];
	size_t nl = strlen(m->name), pl;
	int rc;

	if (nl > TSDB_MAX_NAME)
		return 0; /* no stored series has such a name */
	if ((rc = mdb_cursor_open(txn, s->dbi_postings, &c)) != 0)
		return rc;
	if (m->type == LABELS_MATCH_EQ)
		pl = tsdb_posting_prefix(pk, m->name, m->value);
	else
		pl = nl + 1, memcpy(pk, m->name, nl + 1);
	MDB_val k = { pl, pk }, d;
	struct buf full = BUF_INIT, val = BUF_INIT;
	const char *lastv = NULL;
	size_t lastlen = 0;
	bool lastok = false;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		const char *v;
		size_t vl;
		bool trunc;
		uint64_t id;
		if (k.mv_size < pl || memcmp(k.mv_data, pk, pl) != 0)
			break;
		if (tsdb_posting_parse(k.mv_data, k.mv_size, nl, &v, &vl, &trunc, &id) < 0)
			continue;
		bool ok;
		if (m->type == LABELS_MATCH_EQ && !trunc) {
			ok = true;
		} else if (trunc) {
			/* A long value: compare the whole value of this series. */
			ok = tsdb_posting_full_value(s, txn, id, m->name, &full) == 0 &&
			     labels_matcher_matches(m, full.p ? full.p : "");
		} else if (lastv && lastlen == vl && memcmp(lastv, v, vl) == 0) {
			ok = lastok;
		} else {
			buf_reset(&val);
			buf_put(&val, v, vl);
			ok = labels_matcher_matches(m, val.p ? val.p : "");
			lastv = v;
			lastlen = vl;
			lastok = ok;
		}
		if (ok)
			tsdb_ids_push(out, id);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	buf_free(&full);
	buf_free(&val);
	mdb_cursor_close(c);
	tsdb_ids_sort_unique(out);
	return rc;
}

static int tsdb_series_cmp(const void *a, const void *b)
{
	return labels_cmp(&((const struct promql_storage_series *)a)->labels,
			  &((const struct promql_storage_series *)b)->labels);
}

static int tsdb_cref_cmp(const void *a, const void *b)
{
	const struct tsdb_cref *x = a, *y = b;

	if (x->window != y->window)
		return x->window < y->window ? -1 : 1;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return y->disk - x->disk;
}

static void tsdb_cref_push(struct tsdb_cref **v, size_t *n, size_t *cap, struct tsdb_cref r)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = r;
}

static void tsdb_copy_bits(struct arena *arena, const uint8_t *src, uint32_t nbits,
			   struct tsdb_cref *r)
{
	size_t nb = (nbits + 7) / 8;
	uint8_t *p = arena_alloc(arena, nb ? nb : 1);

	if (nb)
		memcpy(p, src, nb);
	r->p = p;
	r->len = nbits;
	r->disk = 0;
}

static int tsdb_select(struct promql_querier *pq, const struct labels_matcher *ms, size_t nm,
		       int64_t mint, int64_t maxt, struct arena *arena,
		       struct promql_storage_series **out, size_t *nout)
{
	struct tsdb_querier *q = (struct tsdb_querier *)pq;
	struct tsdb_store *s = q->s;
	struct tsdb_ids cand = { NULL, 0, 0 }, tmp = { NULL, 0, 0 };
	bool have = false;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	/* Candidates: the intersection of the postings of every matcher
	 * that does not match the empty value. */
	for (size_t i = 0; i < nm; i++) {
		if (labels_matcher_matches_empty(&ms[i]))
			continue;
		tmp.n = 0;
		if ((rc = tsdb_postings_match(s, q->txn, &ms[i], &tmp)) != 0)
			goto done;
		if (!have) {
			struct tsdb_ids t = cand;
			cand = tmp;
			tmp = t;
			have = true;
		} else {
			tsdb_ids_intersect(&cand, &tmp);
		}
		if (cand.n == 0)
			break;
	}
	if (!have) {
		MDB_cursor *c;
		MDB_val k, d;
		if ((rc = mdb_cursor_open(q->txn, s->dbi_series, &c)) != 0)
			goto done;
		for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT))
			if (k.mv_size == 8)
				tsdb_ids_push(&cand, tsdb_get_be64(k.mv_data));
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND)
			goto done;
		rc = 0;
	}
	/* Series created since the snapshot's last flush are only in memory. */
	for (uint64_t id = q->stored; id < q->nseries; id++)
		tsdb_ids_push(&cand, id);

	/* The chunk windows worth looking at. */
	int64_t wlo = tsdb_window_of(mint < -(1LL << 61) ? -(1LL << 61) : mint);
	int64_t whi = tsdb_window_of(maxt > (1LL << 61) ? (1LL << 61) : maxt);
	{
		MDB_cursor *c;
		MDB_val k, d;
		if ((rc = mdb_cursor_open(q->txn, s->dbi_chunks, &c)) != 0)
			goto done;
		if (mdb_cursor_get(c, &k, &d, MDB_FIRST) == 0 && k.mv_size == 17) {
			int64_t first = (int64_t)(tsdb_get_be64(k.mv_data) ^ (1ULL << 63));
			if (first > wlo)
				wlo = first;
		}
		mdb_cursor_close(c);
	}

	size_t cap = 0, n = 0;
	struct promql_storage_series *res = NULL;
	MDB_cursor *cc = NULL;
	if ((rc = mdb_cursor_open(q->txn, s->dbi_chunks, &cc)) != 0)
		goto done;
	struct arena scratch = ARENA_INIT;
	for (size_t i = 0; i < cand.n; i++) {
		uint64_t id = cand.v[i];
		struct labels ls;
		arena_reset(&scratch);
		if (id >= q->stored) {
			struct tsdb_series *se = tsdb_series_get(s, id);
			if (!se || !se->blob)
				continue;
			if (tsdb_blob_labels(se->blob, se->bloblen, &scratch, &ls) < 0)
				continue;
		} else {
			uint8_t kb[8];
			MDB_val k = { 8, kb }, d;
			tsdb_be64(kb, id);
			if (mdb_get(q->txn, s->dbi_series, &k, &d) != 0)
				continue;
			if (tsdb_blob_labels(d.mv_data, d.mv_size, &scratch, &ls) < 0) {
				rc = PROMQL_QERR_IO;
				break;
			}
		}
		bool ok = true;
		for (size_t j = 0; j < nm && ok; j++)
			ok = labels_matcher_matches(&ms[j], labels_get(&ls, ms[j].name));
		if (!ok)
			continue;

		/* Its chunks: cut ones in LMDB, then what memory holds. */
		struct tsdb_cref *refs = NULL;
		size_t nr = 0, rcap = 0;
		if (id < q->stored) {
			int64_t w = wlo;
			while (w <= whi) {
				uint8_t kb[17];
				MDB_val k = { 17, kb }, d;
				tsdb_chunk_key(kb, w, id, 0);
				int r = mdb_cursor_get(cc, &k, &d, MDB_SET_RANGE);
				if (r == MDB_NOTFOUND)
					break;
				if (r != 0 || k.mv_size != 17) {
					rc = PROMQL_QERR_IO;
					break;
				}
				int64_t kw = (int64_t)(tsdb_get_be64(k.mv_data) ^ (1ULL << 63));
				if (kw > w) { /* no chunk of any series before kw */
					w = kw;
					continue;
				}
				while (r == 0 && k.mv_size == 17 && memcmp(k.mv_data, kb, 16) == 0) {
					tsdb_cref_push(&refs, &nr, &rcap,
						       (struct tsdb_cref){ w, ((const uint8_t *)k.mv_data)[16], 1,
									   d.mv_data, d.mv_size });
					r = mdb_cursor_get(cc, &k, &d, MDB_NEXT);
				}
				if (r != 0 && r != MDB_NOTFOUND) {
					rc = PROMQL_QERR_IO;
					break;
				}
				w += TSDB_WINDOW_MS;
			}
			if (rc)
				break;
		}
		if (id < q->nseries && q->snap[id].gen) {
			struct tsdb_snap sn = q->snap[id];
			struct tsdb_series *se = tsdb_series_get(s, id);
			pthread_mutex_lock(&s->head_mu);
			for (struct tsdb_frozen *f = se ? se->frozen : NULL; f; f = f->next) {
				if (f->gen > sn.gen || (f->written && f->written <= q->seq))
					continue;
				if (f->window + TSDB_WINDOW_MS <= mint || f->window > maxt)
					continue;
				struct tsdb_cref r = { f->window, f->part, 0, NULL, 0 };
				uint32_t nb = f->gen == sn.gen && sn.bits < f->nbits ? sn.bits : f->nbits;
				tsdb_copy_bits(arena, f->bits, nb, &r);
				tsdb_cref_push(&refs, &nr, &rcap, r);
			}
			if (se && se->has_head && se->gen == sn.gen && sn.bits != UINT32_MAX &&
			    !(se->window + TSDB_WINDOW_MS <= mint || se->window > maxt)) {
				struct tsdb_cref r = { se->window, se->part, 0, NULL, 0 };
				tsdb_copy_bits(arena, se->head.p, sn.bits, &r);
				tsdb_cref_push(&refs, &nr, &rcap, r);
			}
			pthread_mutex_unlock(&s->head_mu);
		}
		if (nr == 0) {
			free(refs);
			continue;
		}
		qsort(refs, nr, sizeof *refs, tsdb_cref_cmp);
		struct tsdb_iter *it = arena_alloc(arena, sizeof *it);
		memset(it, 0, sizeof *it);
		it->base.next = tsdb_iter_next;
		it->refs = arena_alloc(arena, nr * sizeof *refs);
		memcpy(it->refs, refs, nr * sizeof *refs);
		free(refs);
		it->nrefs = nr;
		it->mint = mint;
		it->maxt = maxt;
		it->last = INT64_MIN;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct promql_storage_series *nres = arena_alloc(arena, ncap * sizeof *nres);
			if (n)
				memcpy(nres, res, n * sizeof *res);
			res = nres;
			cap = ncap;
		}
		res[n].labels = labels_copy(arena, &ls);
		res[n].iter = &it->base;
		n++;
	}
	arena_free(&scratch);
	mdb_cursor_close(cc);
	if (rc == 0) {
		if (n > 1)
			qsort(res, n, sizeof *res, tsdb_series_cmp);
		*out = res;
		*nout = n;
	}
done:
	free(cand.v);
	free(tmp.v);
	if (rc > 0 || (rc < 0 && rc != PROMQL_QERR_NOMEM && rc != PROMQL_QERR_IO))
		rc = rc == ENOMEM ? PROMQL_QERR_NOMEM : PROMQL_QERR_IO;
	return rc;
}

static void tsdb_querier_close(struct promql_querier *pq)
{
	struct tsdb_querier *q = (struct tsdb_querier *)pq;

	mdb_txn_abort(q->txn);
	tsdb_querier_unregister(q->s, q->seq);
	snap_give(q->s, q->snap, q->snap_cap);
	free(q);
}

struct promql_querier *tsdb_querier(struct tsdb_store *s, int64_t mint, int64_t maxt)
{
	struct tsdb_querier *q = xcalloc(1, sizeof *q);
	uint8_t nk[] = "next_id";
	MDB_val k = { 7, nk }, d;

	(void)mint;
	(void)maxt;
	q->base.select = tsdb_select;
	q->base.close = tsdb_querier_close;
	q->s = s;
	pthread_mutex_lock(&s->head_mu);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &q->txn) != 0) {
		pthread_mutex_unlock(&s->head_mu);
		free(q);
		return NULL;
	}
	q->seq = s->flush_seq;
	q->max_t = s->max_t;
	tsdb_querier_register(s, q->seq);
	q->nseries = __atomic_load_n(&s->nseries_pub, __ATOMIC_ACQUIRE);
	q->snap = snap_take(s, q->nseries ? q->nseries : 1, &q->snap_cap);
	q->snap[0] = (struct tsdb_snap){ 0, 0 };
	for (uint64_t id = 1; id < q->nseries; id++) {
		struct tsdb_series *se = tsdb_series_get(s, id);
		if (!se) {
			q->snap[id] = (struct tsdb_snap){ 0, 0 };
			continue;
		}
		q->snap[id].gen = se->gen;
		q->snap[id].bits = se->has_head ? se->head.nbits : UINT32_MAX;
	}
	pthread_mutex_unlock(&s->head_mu);
	q->stored = 1;
	if (mdb_get(q->txn, s->dbi_meta, &k, &d) == 0 && d.mv_size == 8)
		q->stored = tsdb_get_be64(d.mv_data);
	if (q->stored > q->nseries)
		q->stored = q->nseries;
	return &q->base;
}
