/* memstore.c - the in-memory sample store (see memstore.h). */
#include "memstore.h"

#include <stdlib.h>
#include <string.h>

struct ms_series {
	struct labels labels; /* deep copy in ms->arena */
	uint64_t hash;
	int64_t *t;
	double *v;
	size_t n, cap;
};

struct promql_memstore {
	struct promql_querier querier; /* first: the querier is the store */
	struct arena arena;            /* label copies */
	struct ms_series **series;     /* sorted by labels when !dirty */
	size_t nseries, cap;
	bool dirty;
	/* open-addressing hash table of indexes into series, by hash */
	size_t *table; /* value = index + 1; 0 = empty */
	size_t tcap;   /* power of two */
	size_t nsamples;
	/* When every series' first label is __name__ (no label name sorts
	 * before it), the sorted array groups series by metric name, and an
	 * equality matcher on the name is a binary search instead of a scan. */
	bool name_first;
};

struct ms_iter {
	struct promql_iter it;
	const struct ms_series *s;
	size_t pos, end; /* samples [pos, end) remain */
};

static int ms_select(struct promql_querier *q, const struct labels_matcher *matchers,
		     size_t nmatchers, int64_t mint, int64_t maxt, struct arena *arena,
		     struct promql_storage_series **out, size_t *nout);

static void ms_close(struct promql_querier *q)
{
	(void)q;
}

struct promql_memstore *promql_memstore_new(void)
{
	struct promql_memstore *ms = xcalloc(1, sizeof *ms);

	ms->querier.select = ms_select;
	ms->querier.close = ms_close;
	ms->arena = (struct arena)ARENA_INIT;
	return ms;
}

void promql_memstore_clear(struct promql_memstore *ms)
{
	for (size_t i = 0; i < ms->nseries; i++) {
		free(ms->series[i]->t);
		free(ms->series[i]->v);
		free(ms->series[i]);
	}
	free(ms->series);
	free(ms->table);
	arena_free(&ms->arena);
	ms->series = NULL;
	ms->nseries = ms->cap = 0;
	ms->table = NULL;
	ms->tcap = 0;
	ms->nsamples = 0;
	ms->dirty = false;
}

void promql_memstore_free(struct promql_memstore *ms)
{
	if (!ms)
		return;
	promql_memstore_clear(ms);
	free(ms);
}

size_t promql_memstore_series_count(const struct promql_memstore *ms)
{
	return ms->nseries;
}

size_t promql_memstore_sample_count(const struct promql_memstore *ms)
{
	return ms->nsamples;
}

struct promql_querier *promql_memstore_querier(struct promql_memstore *ms)
{
	return &ms->querier;
}

static void table_insert(struct promql_memstore *ms, size_t idx)
{
	size_t mask = ms->tcap - 1;
	size_t h = (size_t)ms->series[idx]->hash & mask;

	while (ms->table[h])
		h = (h + 1) & mask;
	ms->table[h] = idx + 1;
}

static void table_grow(struct promql_memstore *ms)
{
	free(ms->table);
	ms->tcap = ms->tcap ? ms->tcap * 2 : 64;
	ms->table = xcalloc(ms->tcap, sizeof *ms->table);
	for (size_t i = 0; i < ms->nseries; i++)
		table_insert(ms, i);
}

static struct ms_series *find_or_create(struct promql_memstore *ms, const struct labels *ls)
{
	uint64_t hash = labels_hash(ls);

	if (ms->tcap) {
		size_t mask = ms->tcap - 1;
		for (size_t h = (size_t)hash & mask; ms->table[h]; h = (h + 1) & mask) {
			struct ms_series *s = ms->series[ms->table[h] - 1];
			if (s->hash == hash && labels_equal(&s->labels, ls))
				return s;
		}
	}
	struct ms_series *s = xcalloc(1, sizeof *s);
	s->labels = labels_copy(&ms->arena, ls);
	s->hash = hash;
	if (ms->nseries == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 64;
		ms->series = xrealloc(ms->series, ms->cap * sizeof *ms->series);
	}
	ms->series[ms->nseries++] = s;
	/* Keep the table at most half full; the table indexes positions in
	 * ms->series, which sorting permutes, so sorting rebuilds it. */
	if ((ms->nseries) * 2 > ms->tcap)
		table_grow(ms);
	else
		table_insert(ms, ms->nseries - 1);
	ms->dirty = true;
	return s;
}

int promql_memstore_append(struct promql_memstore *ms, const struct labels *ls, int64_t t,
			   double v)
{
	if (ls->n == 0)
		return PROMQL_MEMSTORE_BAD_LABELS;
	struct ms_series *s = find_or_create(ms, ls);
	if (s->n) {
		int64_t last = s->t[s->n - 1];
		if (t < last)
			return PROMQL_MEMSTORE_OUT_OF_ORDER;
		if (t == last) {
			if (memcmp(&s->v[s->n - 1], &v, sizeof v) == 0)
				return 0;
			return PROMQL_MEMSTORE_DUPLICATE;
		}
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->t = xrealloc(s->t, s->cap * sizeof *s->t);
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->n++;
	ms->nsamples++;
	return 0;
}

static int cmp_series(const void *a, const void *b)
{
	const struct ms_series *x = *(struct ms_series *const *)a;
	const struct ms_series *y = *(struct ms_series *const *)b;

	return labels_cmp(&x->labels, &y->labels);
}

static void ensure_sorted(struct promql_memstore *ms)
{
	if (!ms->dirty)
		return;
	qsort(ms->series, ms->nseries, sizeof *ms->series, cmp_series);
	memset(ms->table, 0, ms->tcap * sizeof *ms->table);
	ms->name_first = true;
	for (size_t i = 0; i < ms->nseries; i++) {
		table_insert(ms, i);
		const struct labels *l = &ms->series[i]->labels;
		if (!l->n || strcmp(l->v[0].name, "__name__") != 0)
			ms->name_first = false;
	}
	ms->dirty = false;
}

/* First index in s with t >= want. */
static size_t lower_bound(const struct ms_series *s, int64_t want)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->t[mid] < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The series [*lo, *hi) whose metric name is name (name_first order). */
static void name_range(const struct promql_memstore *ms, const char *name, size_t *lo,
		       size_t *hi)
{
	size_t a = 0, b = ms->nseries;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (strcmp(ms->series[mid]->labels.v[0].value, name) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = ms->nseries;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (strcmp(ms->series[mid]->labels.v[0].value, name) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

static int ms_iter_next(struct promql_iter *it, int64_t *t, double *v)
{
	struct ms_iter *mi = (struct ms_iter *)it;

	if (mi->pos >= mi->end)
		return 0;
	*t = mi->s->t[mi->pos];
	*v = mi->s->v[mi->pos];
	mi->pos++;
	return 1;
}

static int ms_select(struct promql_querier *q, const struct labels_matcher *matchers,
		     size_t nmatchers, int64_t mint, int64_t maxt, struct arena *arena,
		     struct promql_storage_series **out, size_t *nout)
{
	struct promql_memstore *ms = (struct promql_memstore *)q;
	size_t n = 0, cap = 0;
	struct promql_storage_series *res = NULL;

	ensure_sorted(ms);
	size_t first = 0, last = ms->nseries;
	if (ms->name_first)
		for (size_t m = 0; m < nmatchers; m++)
			if (matchers[m].type == LABELS_MATCH_EQ &&
			    !strcmp(matchers[m].name, "__name__")) {
				name_range(ms, matchers[m].value, &first, &last);
				break;
			}
	for (size_t i = first; i < last; i++) {
		const struct ms_series *s = ms->series[i];
		size_t m;

		for (m = 0; m < nmatchers; m++) {
			const char *val = labels_get(&s->labels, matchers[m].name);
			if (!labels_matcher_matches(&matchers[m], val))
				break;
		}
		if (m < nmatchers)
			continue;
		size_t from = lower_bound(s, mint);
		size_t to = maxt == INT64_MAX ? s->n : lower_bound(s, maxt + 1);
		if (from >= to)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct promql_storage_series *nr = arena_alloc(arena, ncap * sizeof *nr);
			if (n)
				memcpy(nr, res, n * sizeof *nr);
			res = nr;
			cap = ncap;
		}
		struct ms_iter *it = arena_alloc(arena, sizeof *it);
		it->it.next = ms_iter_next;
		it->s = s;
		it->pos = from;
		it->end = to;
		res[n].labels = s->labels;
		res[n].iter = &it->it;
		n++;
	}
	*out = res;
	*nout = n;
	return 0;
}
