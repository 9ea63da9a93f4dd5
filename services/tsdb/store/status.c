/* status.c - label names and values, /api/v1/status/tsdb, the store's own
 * metrics. Names and values come from the postings keys in LMDB plus the
 * series created since the last flush. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../../../lib/metricset.h"

struct tsdb_strs {
	char **v;
	size_t n, cap;
};

static void tsdb_strs_push(struct tsdb_strs *s, const char *p, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	char *c = xmalloc(len + 1);
	memcpy(c, p, len);
	c[len] = 0;
	s->v[s->n++] = c;
}

static int tsdb_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort, drop duplicates, copy into arena, free. */
static void tsdb_strs_finish(struct tsdb_strs *s, struct arena *arena, const char ***out, size_t *n)
{
	const char **r = arena_alloc(arena, (s->n ? s->n : 1) * sizeof *r);
	size_t k = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, tsdb_str_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (k == 0 || strcmp(r[k - 1], s->v[i]) != 0)
			r[k++] = arena_strdup(arena, s->v[i]);
		free(s->v[i]);
	}
	free(s->v);
	*out = r;
	*n = k;
}

/* Calls fn for every label pair of the series not yet in LMDB. */
static void tsdb_new_pairs(struct tsdb_store *s, void (*fn)(void *, const char *, const char *),
			   void *ctx)
{
	pthread_mutex_lock(&s->idx_mu);
	uint64_t n = __atomic_load_n(&s->nseries_pub, __ATOMIC_ACQUIRE);
	for (uint64_t id = s->stored_next_id; id < n; id++) {
		struct tsdb_series *se = tsdb_series_get(s, id);
		if (!se || !se->blob)
			continue;
		for (uint32_t off = 0; off < se->bloblen;) {
			const char *name = se->blob + off, *value = name + strlen(name) + 1;
			fn(ctx, name, value);
			off += (uint32_t)(strlen(name) + strlen(value) + 2);
		}
	}
	pthread_mutex_unlock(&s->idx_mu);
}

static void tsdb_names_cb(void *ctx, const char *name, const char *value)
{
	(void)value;
	tsdb_strs_push(ctx, name, strlen(name));
}

int tsdb_label_names(struct tsdb_store *s, struct arena *arena, const char ***out, size_t *n)
{
	struct tsdb_strs st = { NULL, 0, 0 };
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, d;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return tsdb_mdb_err(rc);
	if ((rc = mdb_cursor_open(txn, s->dbi_postings, &c)) != 0) {
		mdb_txn_abort(txn);
		return tsdb_mdb_err(rc);
	}
	rc = mdb_cursor_get(c, &k, &d, MDB_FIRST);
	while (rc == 0) {
		const char *p = k.mv_data;
		size_t nl = strnlen(p, k.mv_size);
		uint8_t next[TSDB_MAX_NAME + 2];
		if (nl > TSDB_MAX_NAME) {
			rc = MDB_CORRUPTED;
			break;
		}
		tsdb_strs_push(&st, p, nl);
		/* Jump over every "name\0..." key. */
		memcpy(next, p, nl);
		next[nl] = 1;
		k = (MDB_val){ nl + 1, next };
		rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc != MDB_NOTFOUND) {
		tsdb_strs_finish(&st, arena, out, n);
		return tsdb_mdb_err(rc);
	}
	tsdb_new_pairs(s, tsdb_names_cb, &st);
	tsdb_strs_finish(&st, arena, out, n);
	return 0;
}

struct tsdb_values_ctx {
	struct tsdb_strs *st;
	const char *name;
};

static void tsdb_values_cb(void *ctx, const char *name, const char *value)
{
	struct tsdb_values_ctx *c = ctx;

	if (strcmp(name, c->name) == 0)
		tsdb_strs_push(c->st, value, strlen(value));
}

int tsdb_label_values(struct tsdb_store *s, const char *name, struct arena *arena,
		      const char ***out, size_t *n)
{
	struct tsdb_strs st = { NULL, 0, 0 };
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, d;
	size_t nl = strlen(name);
	int rc;

	if (nl > TSDB_MAX_NAME) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return tsdb_mdb_err(rc);
	if ((rc = mdb_cursor_open(txn, s->dbi_postings, &c)) != 0) {
		mdb_txn_abort(txn);
		return tsdb_mdb_err(rc);
	}
	struct buf key = BUF_INIT, full = BUF_INIT;
	k = (MDB_val){ nl + 1, (void *)name };
	rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	while (rc == 0) {
		const char *v;
		size_t vl;
		bool trunc;
		uint64_t id;
		if (k.mv_size < nl + 1 || memcmp(k.mv_data, name, nl + 1) != 0)
			break;
		if (tsdb_posting_parse(k.mv_data, k.mv_size, nl, &v, &vl, &trunc, &id) < 0) {
			rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
			continue;
		}
		if (trunc) {
			if (tsdb_posting_full_value(s, txn, id, name, &full) == 0)
				tsdb_strs_push(&st, full.p ? full.p : "", full.len);
			rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
			continue;
		}
		tsdb_strs_push(&st, v, vl);
		/* Jump to the next value: past "name\0value\0...". */
		buf_reset(&key);
		buf_put(&key, k.mv_data, nl + 1 + vl);
		buf_putc(&key, 1);
		k = (MDB_val){ key.len, key.p };
		rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	}
	buf_free(&key);
	buf_free(&full);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		tsdb_strs_finish(&st, arena, out, n);
		return tsdb_mdb_err(rc);
	}
	struct tsdb_values_ctx ctx = { &st, name };
	tsdb_new_pairs(s, tsdb_values_cb, &ctx);
	tsdb_strs_finish(&st, arena, out, n);
	return 0;
}

/* ---- status ---- */

/* Keep the TSDB_STATUS_TOP largest counts (insertion into a short list). */
static void tsdb_top_add(struct tsdb_status_count *top, size_t *n, struct arena *a,
			 const char *name, size_t nlen, uint64_t value)
{
	if (*n == TSDB_STATUS_TOP && top[*n - 1].value >= value)
		return;
	size_t i = *n < TSDB_STATUS_TOP ? (*n)++ : TSDB_STATUS_TOP - 1;
	while (i > 0 && top[i - 1].value < value) {
		top[i] = top[i - 1];
		i--;
	}
	top[i].name = arena_strndup(a, name, nlen);
	top[i].value = value;
}

struct tsdb_status_acc {
	char name[TSDB_MAX_NAME + 1];
	size_t namelen;
	uint64_t nvalues, nbytes;
	char pair[TSDB_PKEY_MAX];
	size_t pairlen, vlen;
	uint64_t pairn;
	bool have_name, have_pair;
};

static void tsdb_status_pair_done(struct tsdb_status *st, struct tsdb_status_acc *x, struct arena *a)
{
	if (!x->have_pair)
		return;
	if (x->namelen == 8 && memcmp(x->pair, LABELS_METRIC_NAME, 8) == 0)
		tsdb_top_add(st->series_by_metric, &st->n_series_by_metric, a, x->pair + 9, x->vlen,
			     x->pairn);
	char buf[TSDB_PKEY_MAX + 1];
	memcpy(buf, x->pair, x->namelen);
	buf[x->namelen] = '=';
	memcpy(buf + x->namelen + 1, x->pair + x->namelen + 1, x->vlen);
	tsdb_top_add(st->series_by_pair, &st->n_series_by_pair, a, buf, x->namelen + 1 + x->vlen,
		     x->pairn);
	x->have_pair = false;
}

static void tsdb_status_name_done(struct tsdb_status *st, struct tsdb_status_acc *x, struct arena *a)
{
	if (!x->have_name)
		return;
	tsdb_top_add(st->values_by_label, &st->n_values_by_label, a, x->name, x->namelen, x->nvalues);
	tsdb_top_add(st->bytes_by_label, &st->n_bytes_by_label, a, x->name, x->namelen, x->nbytes);
	x->have_name = false;
}

int tsdb_store_status(struct tsdb_store *s, struct arena *arena, struct tsdb_status *st)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, d;
	MDB_stat ms;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return tsdb_mdb_err(rc);
	if (mdb_stat(txn, s->dbi_series, &ms) == 0)
		st->num_series = ms.ms_entries;
	if (mdb_stat(txn, s->dbi_chunks, &ms) == 0)
		st->chunk_count = ms.ms_entries;
	if ((rc = mdb_cursor_open(txn, s->dbi_chunks, &c)) == 0) {
		if (mdb_cursor_get(c, &k, &d, MDB_FIRST) == 0 && k.mv_size == 17)
			st->min_time = (int64_t)(tsdb_get_be64(k.mv_data) ^ (1ULL << 63));
		mdb_cursor_close(c);
	}
	/* One pass over the postings: a pair's series are consecutive keys,
	 * a name's pairs too. */
	if ((rc = mdb_cursor_open(txn, s->dbi_postings, &c)) != 0) {
		mdb_txn_abort(txn);
		return tsdb_mdb_err(rc);
	}
	struct tsdb_status_acc *x = xcalloc(1, sizeof *x);
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		const char *p = k.mv_data, *v;
		size_t nl = strnlen(p, k.mv_size), vl, pl = k.mv_size - 8;
		bool trunc;
		uint64_t id;
		if (nl > TSDB_MAX_NAME || tsdb_posting_parse(p, k.mv_size, nl, &v, &vl, &trunc, &id) < 0)
			continue;
		if (!x->have_pair || pl != x->pairlen || memcmp(p, x->pair, pl) != 0) {
			tsdb_status_pair_done(st, x, arena);
			if (!x->have_name || nl != x->namelen || memcmp(p, x->name, nl) != 0) {
				tsdb_status_name_done(st, x, arena);
				memcpy(x->name, p, nl);
				x->namelen = nl;
				x->nvalues = x->nbytes = 0;
				x->have_name = true;
			}
			memcpy(x->pair, p, pl);
			x->pairlen = pl;
			x->vlen = vl;
			x->pairn = 0;
			x->have_pair = true;
			x->nvalues++;
			x->nbytes += vl;
			st->num_label_pairs++;
		}
		x->pairn++;
	}
	tsdb_status_pair_done(st, x, arena);
	tsdb_status_name_done(st, x, arena);
	free(x);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	pthread_mutex_lock(&s->head_mu);
	st->max_time = s->max_t == INT64_MIN ? 0 : s->max_t;
	pthread_mutex_unlock(&s->head_mu);
	if (st->min_time == 0 && st->num_series)
		st->min_time = st->max_time;
	pthread_mutex_lock(&s->idx_mu);
	st->num_series += s->next_id - s->stored_next_id;
	pthread_mutex_unlock(&s->idx_mu);
	return 0;
}

/* ---- metrics ---- */

void tsdb_store_metrics(struct tsdb_store *s, struct mset *ms)
{
	MDB_txn *txn;
	uint64_t heads, nseries;
	int64_t max_t;

	uint64_t slab_used, slab_reserved, nfrozen;
	pthread_mutex_lock(&s->head_mu);
	heads = s->nheads;
	max_t = s->max_t;
	slab_used = s->slab.bytes;
	slab_reserved = s->slab.reserved;
	nfrozen = s->nfrozen;
	pthread_mutex_unlock(&s->head_mu);
	mset_gauge(ms, "pharos_tsdb_head_chunk_bytes", "Bytes of head and cut chunks held in memory.",
		   (double)slab_used, NULL);
	mset_gauge(ms, "pharos_tsdb_head_chunk_reserved_bytes",
		   "Bytes taken from the allocator for chunks in memory.", (double)slab_reserved, NULL);
	mset_gauge(ms, "pharos_tsdb_cut_chunks_in_memory", "Cut chunks not yet released from memory.",
		   (double)nfrozen, NULL);
	pthread_mutex_lock(&s->idx_mu);
	nseries = s->next_id - 1;
	pthread_mutex_unlock(&s->idx_mu);

	mset_gauge(ms, "prometheus_tsdb_head_series", "Series known to the storage.",
		   (double)nseries, NULL);
	mset_gauge(ms, "prometheus_tsdb_head_chunks", "Open head chunks in memory.", (double)heads,
		   NULL);
	mset_counter(ms, "prometheus_tsdb_head_series_created_total", "Series created.",
		     (double)s->m_created, NULL);
	mset_counter(ms, "prometheus_tsdb_head_samples_appended_total", "Samples appended.",
		     (double)s->m_appended, "type", "float", NULL);
	mset_counter(ms, "prometheus_tsdb_out_of_order_samples_total",
		     "Samples rejected as older than their series' newest sample.", (double)s->m_ooo,
		     "type", "float", NULL);
	mset_counter(ms, "prometheus_tsdb_out_of_bound_samples_total",
		     "Samples rejected as older than the storage still accepts.", (double)s->m_oob,
		     "type", "float", NULL);
	mset_counter(ms, "pharos_tsdb_duplicate_samples_total",
		     "Samples rejected for repeating a timestamp with another value.",
		     (double)s->m_dup, NULL);
	mset_gauge(ms, "prometheus_tsdb_head_max_time", "Newest sample time (ms).",
		   max_t == INT64_MIN ? 0 : (double)max_t, NULL);
	mset_counter(ms, "pharos_tsdb_flushes_total", "Flushes committed to LMDB.",
		     (double)s->m_flushes, NULL);
	mset_counter(ms, "pharos_tsdb_flush_failures_total", "Flushes that failed.",
		     (double)s->m_flush_fail, NULL);
	mset_counter(ms, "pharos_tsdb_flush_seconds_total", "Time spent flushing.",
		     (double)s->m_flush_ns_sum / 1e9, NULL);
	mset_gauge(ms, "pharos_tsdb_last_flush_ok", "1 if the last flush succeeded.",
		   (double)s->m_last_flush_ok, NULL);
	mset_counter(ms, "pharos_tsdb_storage_full_total",
		     "Flushes that found the LMDB map or the disk full.", (double)s->m_full, NULL);
	mset_counter(ms, "pharos_tsdb_checkpoints_total", "Head checkpoints written.",
		     (double)s->m_ckpts, NULL);
	mset_counter(ms, "pharos_tsdb_chunks_written_total", "Chunks cut and written to LMDB.",
		     (double)s->m_chunks_written, NULL);
	mset_counter(ms, "pharos_tsdb_chunk_bytes_written_total", "Bytes of chunks written.",
		     (double)s->m_chunk_bytes, NULL);
	mset_counter(ms, "pharos_tsdb_head_log_bytes_written_total", "Bytes of head log written.",
		     (double)s->m_headlog_bytes, NULL);
	mset_counter(ms, "prometheus_tsdb_retention_chunks_removed_total",
		     "Chunks deleted by retention or to make room.", (double)s->m_ret_chunks, NULL);
	mset_gauge(ms, "pharos_tsdb_open_seconds", "Time the last open took.",
		   (double)s->m_open_ns / 1e9, NULL);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) == 0) {
		MDB_envinfo info;
		MDB_stat st;
		mdb_env_info(s->env, &info);
		mdb_env_stat(s->env, &st);
		double file = ((double)info.me_last_pgno + 1) * st.ms_psize;
		mdb_txn_abort(txn);
		mset_gauge(ms, "prometheus_tsdb_storage_blocks_bytes",
			   "Bytes of the LMDB file in use (its high-water mark).", file, NULL);
		mset_gauge(ms, "pharos_tsdb_map_size_bytes", "LMDB map size.",
			   (double)info.me_mapsize, NULL);
	}
	mset_gauge(ms, "prometheus_tsdb_retention_limit_bytes", "Size retention (0: none).",
		   (double)s->retention_bytes, NULL);
}
