/* store.c - open/close, the series index, appending and committing.
 * Flushing and the head log are in flush.c, reading in querier.c, label
 * listings, status and metrics in status.c. The design is in FORMAT.md. */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../../lib/log.h"

int tsdb_flush_open_replay(struct tsdb_store *s, char *err, size_t errlen); /* flush.c */
int tsdb_flush_run(struct tsdb_store *s, bool closing);                      /* flush.c */

const char *tsdb_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
	case TSDB_ERR_OUT_OF_ORDER:
		return "out of order sample";
	case TSDB_ERR_DUPLICATE:
		return "duplicate sample for timestamp";
	case TSDB_ERR_OUT_OF_BOUNDS:
		return "out of bounds";
	case TSDB_ERR_UNKNOWN_REF:
		return "unknown series reference";
	case TSDB_ERR_LABELS:
		return "invalid label set";
	case TSDB_ERR_FULL:
		return "storage full";
	case TSDB_ERR_IO:
		return "storage I/O error";
	case TSDB_ERR_LIMIT:
		return "series limit reached";
	default:
		return "unknown storage error";
	}
}

void tsdb_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t tsdb_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void tsdb_chunk_key(uint8_t k[17], int64_t window, uint64_t id, uint32_t part)
{
	tsdb_be64(k, (uint64_t)window ^ (1ULL << 63));
	tsdb_be64(k + 8, id);
	k[16] = (uint8_t)part;
}

int64_t tsdb_window_of(int64_t t)
{
	int64_t w = t / TSDB_WINDOW_MS;

	if (t % TSDB_WINDOW_MS < 0)
		w--;
	return w * TSDB_WINDOW_MS;
}

int tsdb_mdb_err(int rc)
{
	if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT)
		return TSDB_ERR_FULL;
	if (rc == ENOMEM)
		return PROMQL_QERR_NOMEM;
	return TSDB_ERR_IO;
}

/* ---- label blobs ---- */

/* Validate ls and pack it; the blob is malloc'd. */
static int tsdb_blob_make(const struct labels *ls, char **out, uint32_t *len)
{
	size_t n = 0;
	bool has_name = false;

	if (!ls || ls->n == 0 || ls->n > LABELS_MAX)
		return TSDB_ERR_LABELS;
	for (size_t i = 0; i < ls->n; i++) {
		const struct label *l = &ls->v[i];
		if (!l->name || !l->value || !l->value[0] || !labels_valid_name(l->name) ||
		    strlen(l->name) > TSDB_MAX_NAME)
			return TSDB_ERR_LABELS;
		if (i > 0 && strcmp(ls->v[i - 1].name, l->name) >= 0)
			return TSDB_ERR_LABELS;
		if (strcmp(l->name, LABELS_METRIC_NAME) == 0)
			has_name = true;
		n += strlen(l->name) + strlen(l->value) + 2;
		if (n > TSDB_MAX_BLOB)
			return TSDB_ERR_LABELS;
	}
	if (!has_name)
		return TSDB_ERR_LABELS;
	char *b = xmalloc(n), *q = b;
	for (size_t i = 0; i < ls->n; i++) {
		size_t a = strlen(ls->v[i].name) + 1, c = strlen(ls->v[i].value) + 1;
		memcpy(q, ls->v[i].name, a);
		memcpy(q + a, ls->v[i].value, c);
		q += a + c;
	}
	*out = b;
	*len = (uint32_t)n;
	return 0;
}

int tsdb_blob_labels(const char *blob, size_t len, struct arena *a, struct labels *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += blob[i] == 0;
	if (len == 0 || blob[len - 1] != 0 || n % 2)
		return TSDB_ERR_IO;
	n /= 2;
	struct label *v = arena_alloc(a, n * sizeof *v);
	char *copy = arena_alloc(a, len);
	memcpy(copy, blob, len);
	const char *p = copy;
	for (size_t i = 0; i < n; i++) {
		v[i].name = p;
		p += strlen(p) + 1;
		v[i].value = p;
		p += strlen(p) + 1;
	}
	out->v = v;
	out->n = n;
	return 0;
}

/* ---- series by id ---- */

struct tsdb_series *tsdb_series_get(struct tsdb_store *s, uint64_t id)
{
	if (id == 0 || id >= __atomic_load_n(&s->nseries_pub, __ATOMIC_ACQUIRE))
		return NULL;
	struct tsdb_series **page = __atomic_load_n(&s->pages[id >> TSDB_PAGE_BITS], __ATOMIC_ACQUIRE);
	if (!page)
		return NULL;
	return __atomic_load_n(&page[id & (TSDB_PAGE_SIZE - 1)], __ATOMIC_ACQUIRE);
}

/* Make a series struct for id and publish it (idx_mu held, or opening). */
static struct tsdb_series *tsdb_series_new(struct tsdb_store *s, uint64_t id)
{
	/* Series are never freed one by one: take them from blocks (no
	 * allocator header each, one allocation per TSDB_PAGE_SIZE). */
	if (s->sblock_used == TSDB_PAGE_SIZE || !s->sblocks) {
		struct tsdb_sblock *b = xcalloc(1, sizeof *b);
		b->next = s->sblocks;
		s->sblocks = b;
		s->sblock_used = 0;
	}
	struct tsdb_series *se = &s->sblocks->v[s->sblock_used++];
	uint64_t pg = id >> TSDB_PAGE_BITS;

	se->id = id;
	se->last_t = INT64_MIN;
	se->window = INT64_MIN;
	chunk_state_init(&se->st);
	struct tsdb_series **page = s->pages[pg];
	if (!page) {
		page = xcalloc(TSDB_PAGE_SIZE, sizeof *page);
		__atomic_store_n(&s->pages[pg], page, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&page[id & (TSDB_PAGE_SIZE - 1)], se, __ATOMIC_RELEASE);
	if (id + 1 > __atomic_load_n(&s->nseries_pub, __ATOMIC_RELAXED))
		__atomic_store_n(&s->nseries_pub, id + 1, __ATOMIC_RELEASE);
	return se;
}

struct tsdb_series *tsdb_series_ensure(struct tsdb_store *s, uint64_t id)
{
	if (id == 0 || (id >> TSDB_PAGE_BITS) >= TSDB_MAX_PAGES)
		return NULL;
	struct tsdb_series *se = tsdb_series_get(s, id);
	return se ? se : tsdb_series_new(s, id);
}

static void tsdb_htab_insert(struct tsdb_store *s, struct tsdb_series *se)
{
	if (s->hcount + 1 > s->hcap / 2) {
		size_t ncap = s->hcap ? s->hcap * 2 : 1024;
		struct tsdb_series **nt = xcalloc(ncap, sizeof *nt);
		for (size_t i = 0; i < s->hcap; i++) {
			struct tsdb_series *x = s->htab[i], *nx;
			for (; x; x = nx) {
				nx = x->hnext;
				size_t b = x->hash & (ncap - 1);
				x->hnext = nt[b];
				nt[b] = x;
			}
		}
		free(s->htab);
		s->htab = nt;
		s->hcap = ncap;
	}
	size_t b = se->hash & (s->hcap - 1);
	se->hnext = s->htab[b];
	s->htab[b] = se;
	s->hcount++;
}

/* Find the series with these labels in LMDB (idx_mu held). 0 if absent. */
static uint64_t tsdb_index_find(struct tsdb_store *s, uint64_t h, const char *blob, uint32_t len)
{
	MDB_txn *txn;
	MDB_cursor *c;
	uint8_t hk[8];
	MDB_val k = { 8, hk }, v;
	uint64_t found = 0;

	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return 0;
	tsdb_be64(hk, h);
	if (mdb_cursor_open(txn, s->dbi_hash, &c) == 0) {
		int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && !found && k.mv_size == 16 && memcmp(k.mv_data, hk, 8) == 0) {
			uint64_t id = tsdb_get_be64((const uint8_t *)k.mv_data + 8);
			uint8_t ik[8];
			MDB_val kk = { 8, ik }, vv;
			tsdb_be64(ik, id);
			if (mdb_get(txn, s->dbi_series, &kk, &vv) == 0 && vv.mv_size == len &&
			    memcmp(vv.mv_data, blob, len) == 0)
				found = id;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return found;
}

/* The series with labels ls, created if new. */
static int tsdb_series_lookup(struct tsdb_store *s, const struct labels *ls, struct tsdb_series **out)
{
	char *blob;
	uint32_t len;
	int rc = tsdb_blob_make(ls, &blob, &len);

	if (rc < 0)
		return rc;
	uint64_t h = tsdb_hash_bytes(blob, len);
	pthread_mutex_lock(&s->idx_mu);
	if (s->hcap) {
		for (struct tsdb_series *x = s->htab[h & (s->hcap - 1)]; x; x = x->hnext) {
			if (x->hash == h && x->bloblen == len && memcmp(x->blob, blob, len) == 0) {
				pthread_mutex_unlock(&s->idx_mu);
				free(blob);
				*out = x;
				return 0;
			}
		}
	}
	struct tsdb_series *se = NULL;
	uint64_t id = s->stored_next_id > 1 ? tsdb_index_find(s, h, blob, len) : 0;
	if (id) {
		se = tsdb_series_ensure(s, id);
	} else {
		id = s->next_id;
		if ((id >> TSDB_PAGE_BITS) >= TSDB_MAX_PAGES) {
			pthread_mutex_unlock(&s->idx_mu);
			free(blob);
			return TSDB_ERR_LIMIT;
		}
		s->next_id++;
		se = tsdb_series_new(s, id);
		*s->new_tail = se;
		s->new_tail = &se->new_next;
		s->m_created++;
	}
	if (!se) {
		pthread_mutex_unlock(&s->idx_mu);
		free(blob);
		return TSDB_ERR_IO;
	}
	se->blob = blob;
	se->bloblen = len;
	se->hash = h;
	tsdb_htab_insert(s, se);
	pthread_mutex_unlock(&s->idx_mu);
	*out = se;
	return 0;
}

/* ---- appending ---- */

struct tsdb_pending {
	struct tsdb_series *se;
	int64_t t;
	double v;
};

struct tsdb_appender {
	struct tsdb_store *s;
	struct tsdb_pending *v;
	size_t n, cap;
	struct tsdb_appender *next; /* in the store's pool */
};

struct tsdb_appender *tsdb_appender_begin(struct tsdb_store *s)
{
	struct tsdb_appender *a;

	/* Appenders (and their sample arrays) are reused: a scrape's batch
	 * would otherwise map and unmap its array every time. */
	pthread_mutex_lock(&s->pool_mu);
	a = s->app_pool;
	if (a) {
		s->app_pool = a->next;
		s->app_pooled--;
	}
	pthread_mutex_unlock(&s->pool_mu);
	if (!a)
		a = xcalloc(1, sizeof *a);
	a->s = s;
	a->n = 0;
	a->next = NULL;
	return a;
}

static void tsdb_appender_release(struct tsdb_appender *a)
{
	struct tsdb_store *s = a->s;

	pthread_mutex_lock(&s->pool_mu);
	if (s->app_pooled < 32 && a->cap <= 1 << 20) {
		a->next = s->app_pool;
		s->app_pool = a;
		s->app_pooled++;
		a = NULL;
	}
	pthread_mutex_unlock(&s->pool_mu);
	if (a) {
		free(a->v);
		free(a);
	}
}

static uint64_t tsdb_vbits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b;
}

#define TSDB_T_LIMIT (1LL << 61)

/* Is t too old for the store (a cut window, or past retention)? */
static bool tsdb_out_of_bounds(const struct tsdb_store *s, int64_t t, int64_t max_t)
{
	if (t < -TSDB_T_LIMIT || t > TSDB_T_LIMIT)
		return true;
	if (max_t == INT64_MIN)
		return false;
	if (tsdb_window_of(t) + TSDB_WINDOW_MS + TSDB_GRACE_MS <= max_t)
		return true;
	return t < max_t - s->retention_ms;
}

int tsdb_append(struct tsdb_appender *a, uint64_t *ref, const struct labels *ls, int64_t t,
		double v)
{
	struct tsdb_store *s = a->s;
	struct tsdb_series *se = *ref ? tsdb_series_get(s, *ref) : NULL;

	if (!se) {
		if (!ls)
			return *ref ? TSDB_ERR_UNKNOWN_REF : TSDB_ERR_LABELS;
		int rc = tsdb_series_lookup(s, ls, &se);
		if (rc < 0)
			return rc;
		*ref = se->id;
	}
	int64_t last = __atomic_load_n(&se->last_t, __ATOMIC_ACQUIRE);
	if (tsdb_out_of_bounds(s, t, __atomic_load_n(&s->max_t, __ATOMIC_RELAXED))) {
		s->m_oob++;
		return TSDB_ERR_OUT_OF_BOUNDS;
	}
	if (t < last) {
		s->m_ooo++;
		return TSDB_ERR_OUT_OF_ORDER;
	}
	if (t == last) {
		if (__atomic_load_n(&se->last_vbits, __ATOMIC_RELAXED) == tsdb_vbits(v))
			return 0;
		s->m_dup++;
		return TSDB_ERR_DUPLICATE;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = (struct tsdb_pending){ se, t, v };
	return 0;
}

/* Cut se's head chunk (head_mu held). */
void tsdb_series_freeze(struct tsdb_store *s, struct tsdb_series *se)
{
	struct tsdb_frozen *f = xcalloc(1, sizeof *f), **pp = &se->frozen;

	f->window = se->window;
	f->part = se->part;
	f->gen = se->gen;
	f->nbits = se->head.nbits;
	f->bits = se->head.p;
	f->cap = se->head.cap;
	se->head = (struct chunk_bits){ NULL, 0, 0 };
	se->has_head = false;
	se->fresh = false;
	s->nheads--;
	while (*pp)
		pp = &(*pp)->next;
	*pp = f;
	s->nfrozen++;
	if (!se->dirty) {
		se->dirty = true;
		se->dirty_next = s->dirty;
		s->dirty = se;
	}
}

static int64_t tsdb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tsdb_appender_commit(struct tsdb_appender *a)
{
	struct tsdb_store *s = a->s;
	/* The newest time may move at most an hour past the clock, so one
	 * sample from the far future does not put everything else out of
	 * bounds. */
	int64_t tcap = tsdb_now_ms() + 3600 * 1000LL;

	pthread_mutex_lock(&s->head_mu);
	for (size_t i = 0; i < a->n; i++) {
		struct tsdb_pending *p = &a->v[i];
		struct tsdb_series *se = p->se;
		uint64_t vb = tsdb_vbits(p->v);
		if (p->t <= se->last_t) {
			if (p->t == se->last_t && vb == se->last_vbits)
				continue;
			if (p->t == se->last_t)
				s->m_dup++;
			else
				s->m_ooo++;
			continue;
		}
		if (tsdb_out_of_bounds(s, p->t, s->max_t)) {
			s->m_oob++;
			continue;
		}
		int64_t w = tsdb_window_of(p->t);
		if (se->has_head && (w != se->window || se->st.n >= CHUNK_MAX_SAMPLES))
			tsdb_series_freeze(s, se);
		if (!se->has_head) {
			se->part = w == se->window ? se->part + 1 : 0;
			if (se->part > 255) {
				s->m_oob++;
				se->part = 255;
				continue;
			}
			se->window = w;
			se->gen++;
			se->has_head = true;
			se->fresh = true;
			se->flushed_bits = 0;
			se->head.nbits = 0;
			chunk_state_init(&se->st);
			s->nheads++;
		}
		tsdb_bits_reserve(&s->slab, &se->head, TSDB_SAMPLE_MAX_BITS);
		chunk_append(&se->head, &se->st, p->t, p->v);
		__atomic_store_n(&se->last_t, p->t, __ATOMIC_RELEASE);
		__atomic_store_n(&se->last_vbits, vb, __ATOMIC_RELAXED);
		if (!se->dirty) {
			se->dirty = true;
			se->dirty_next = s->dirty;
			s->dirty = se;
		}
		int64_t mt = p->t < tcap ? p->t : tcap;
		if (mt > s->max_t)
			__atomic_store_n(&s->max_t, mt, __ATOMIC_RELAXED);
		s->m_appended++;
	}
	pthread_mutex_unlock(&s->head_mu);
	tsdb_appender_release(a);
	return 0;
}

void tsdb_appender_rollback(struct tsdb_appender *a)
{
	if (a)
		tsdb_appender_release(a);
}

/* ---- open / close ---- */

static void *tsdb_flush_thread(void *arg)
{
	struct tsdb_store *s = arg;

	pthread_mutex_lock(&s->cond_mu);
	while (!s->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (s->flush_ms % 1000) * 1000000;
		ts.tv_sec += s->flush_ms / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_cond_timedwait(&s->cond, &s->cond_mu, &ts);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->cond_mu);
		tsdb_store_flush(s);
		pthread_mutex_lock(&s->cond_mu);
	}
	pthread_mutex_unlock(&s->cond_mu);
	return NULL;
}

int tsdb_store_flush(struct tsdb_store *s)
{
	return tsdb_flush_run(s, false);
}

static void tsdb_store_free(struct tsdb_store *s)
{
	if (s->env)
		mdb_env_close(s->env);
	if (s->lockfd >= 0)
		close(s->lockfd);
	uint64_t n = s->nseries_pub;
	for (uint64_t id = 1; id < n; id++) {
		struct tsdb_series *se = tsdb_series_get(s, id);
		if (!se)
			continue;
		free(se->blob);
		for (struct tsdb_frozen *f = se->frozen, *nf; f; f = nf) {
			nf = f->next;
			free(f);
		}
	}
	for (struct tsdb_sblock *b = s->sblocks, *nb; b; b = nb) {
		nb = b->next;
		free(b);
	}
	if (s->pages)
		for (size_t i = 0; i < TSDB_MAX_PAGES; i++)
			free(s->pages[i]);
	free(s->pages);
	tsdb_slab_destroy(&s->slab);
	for (size_t i = 0; i < TSDB_SNAP_POOL; i++)
		free(s->snap_pool[i].p);
	free(s->htab);
	free(s->qseqs);
	free(s->dir);
	for (struct tsdb_appender *a = s->app_pool, *an; a; a = an) {
		an = a->next;
		free(a->v);
		free(a);
	}
	pthread_mutex_destroy(&s->pool_mu);
	pthread_mutex_destroy(&s->idx_mu);
	pthread_mutex_destroy(&s->head_mu);
	pthread_mutex_destroy(&s->flush_mu);
	pthread_mutex_destroy(&s->cond_mu);
	pthread_cond_destroy(&s->cond);
	free(s);
}

static int tsdb_mkdirs(const char *dir)
{
	char *p = xstrdup(dir);

	for (char *q = p + 1; *q; q++) {
		if (*q == '/') {
			*q = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				free(p);
				return -1;
			}
			*q = '/';
		}
	}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

int tsdb_store_open(struct tsdb_store **out, const struct tsdb_store_opts *opts, char *err,
		    size_t errlen)
{
	struct timespec t0, t1;
	struct tsdb_store *s = xcalloc(1, sizeof *s);
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*out = NULL;
	s->lockfd = -1;
	pthread_mutex_init(&s->idx_mu, NULL);
	pthread_mutex_init(&s->head_mu, NULL);
	pthread_mutex_init(&s->flush_mu, NULL);
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_mutex_init(&s->cond_mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->dir = xstrdup(opts->dir);
	s->retention_ms = opts->retention_ms > 0 ? opts->retention_ms : 15 * 24 * 3600 * 1000LL;
	s->retention_bytes = opts->retention_bytes;
	s->flush_ms = opts->flush_interval_ms > 0 ? opts->flush_interval_ms : 5000;
	s->map_size = opts->map_size ? opts->map_size : (64ULL << 30);
	s->next_id = 1;
	s->stored_next_id = 1;
	s->nseries_pub = 1;
	s->max_t = INT64_MIN;
	s->new_tail = &s->new_head;
	s->pages = xcalloc(TSDB_MAX_PAGES, sizeof *s->pages);

	if (tsdb_mkdirs(s->dir) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", s->dir, strerror(errno));
		goto fail;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/lock", s->dir);
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lockfd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "%s is in use by another process (lock file %s)", s->dir, path);
		goto fail;
	}
	if ((rc = mdb_env_create(&s->env)) != 0 || (rc = mdb_env_set_maxdbs(s->env, 8)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 1024)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, s->map_size)) != 0 ||
	    (rc = mdb_env_open(s->env, s->dir, MDB_NOTLS, 0644)) != 0) {
		snprintf(err, errlen, "cannot open LMDB in %s: %s", s->dir, mdb_strerror(rc));
		goto fail;
	}
	if (tsdb_flush_open_replay(s, err, errlen) < 0)
		goto fail;
	if (pthread_create(&s->thread, NULL, tsdb_flush_thread, s) != 0) {
		snprintf(err, errlen, "cannot start the flush thread");
		goto fail;
	}
	s->thread_started = true;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->m_open_ns = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	*out = s;
	return 0;
fail:
	tsdb_store_free(s);
	return -1;
}

void tsdb_store_close(struct tsdb_store *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->cond_mu);
		s->stop = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->cond_mu);
		pthread_join(s->thread, NULL);
	}
	/* A flush writes a bounded number of new series and cut chunks:
	 * repeat until nothing is left (nobody appends any more). */
	int rc = 0;
	for (int i = 0; i < 100000; i++) {
		rc = tsdb_flush_run(s, true);
		if (rc < 0 || (!s->new_head && !s->frozen_backlog && !s->dirty))
			break;
	}
	if (rc < 0)
		log_error("tsdb: the final flush failed; the last %lld ms of samples may be lost",
			  (long long)s->flush_ms);
	tsdb_store_free(s);
}
