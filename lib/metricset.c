#include "metricset.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mlabel {
	const char *name, *value;
	uint32_t nlen, vlen; /* their lengths */
};

struct msample {
	struct msample *next;
	struct mlabel *labels; /* sorted by name */
	size_t nlabels;
	double value;          /* counter/gauge/untyped */
	double count, sum;     /* summary/histogram */
	size_t nb;
	double *bounds, *counts;
};

struct mfamily {
	const char *name, *help;
	size_t name_len;
	enum metric_type type;
	uint32_t hash;
	struct msample *samples; /* in insertion order, reversed */
	size_t nsamples;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void mset_init(struct mset *ms)
{
	memset(ms, 0, sizeof *ms);
	ms->arena.block_size = 16384;
}

void mset_free(struct mset *ms)
{
	arena_free(&ms->arena);
	free(ms->table);
	memset(ms, 0, sizeof *ms);
}

void mset_reset(struct mset *ms)
{
	arena_reset(&ms->arena);
	if (ms->table)
		memset(ms->table, 0, ms->table_cap * sizeof *ms->table);
	ms->nfamilies = 0;
	ms->nseries = 0;
}

size_t mset_count(const struct mset *ms)
{
	return ms->nfamilies;
}

static void table_grow(struct mset *ms)
{
	size_t cap = ms->table_cap ? ms->table_cap * 2 : 256;
	struct mfamily **t = xcalloc(cap, sizeof *t);
	for (size_t i = 0; i < ms->table_cap; i++) {
		struct mfamily *f = ms->table[i];
		if (!f)
			continue;
		size_t j = f->hash & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = f;
	}
	free(ms->table);
	ms->table = t;
	ms->table_cap = cap;
}

struct mfamily *mset_family(struct mset *ms, const char *name, const char *help,
			    enum metric_type type)
{
	if ((ms->nfamilies + 1) * 2 > ms->table_cap)
		table_grow(ms);
	uint32_t h = name_hash(name);
	size_t j = h & (ms->table_cap - 1);
	for (; ms->table[j]; j = (j + 1) & (ms->table_cap - 1))
		if (ms->table[j]->hash == h && strcmp(ms->table[j]->name, name) == 0)
			return ms->table[j];
	/* Only valid names enter the table, so a name found there needs no
	 * check; a new one does. */
	if (!expfmt_valid_metric_name(name))
		return NULL;
	struct mfamily *f = arena_alloc(&ms->arena, sizeof *f);
	f->name_len = strlen(name);
	f->name = arena_strndup(&ms->arena, name, f->name_len);
	f->help = arena_strdup(&ms->arena, help ? help : "");
	f->type = type;
	f->hash = h;
	f->samples = NULL;
	f->nsamples = 0;
	ms->table[j] = f;
	ms->nfamilies++;
	return f;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mlabel *)a)->name, ((const struct mlabel *)b)->name);
}

static struct msample *sample_new(struct mset *ms, struct mfamily *fam, size_t n,
				  const char *const *names, const char *const *values)
{
	if (!fam || n > MSET_MAX_LABELS || ms->nseries >= MSET_MAX_SERIES)
		return NULL;
	struct mlabel tmp[MSET_MAX_LABELS];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!expfmt_valid_label_name(names[i]))
			return NULL;
		tmp[k].name = names[i];
		tmp[k].value = values[i] ? values[i] : "";
		k++;
	}
	/* Insertion sort: a sample has a handful of labels; equal names keep
	 * their order, as before. */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && label_cmp(&tmp[j - 1], &tmp[j]) > 0; j--) {
			struct mlabel t = tmp[j - 1];
			tmp[j - 1] = tmp[j];
			tmp[j] = t;
		}
	struct msample *s = arena_alloc(&ms->arena, sizeof *s);
	memset(s, 0, sizeof *s);
	s->labels = arena_alloc(&ms->arena, (k ? k : 1) * sizeof *s->labels);
	for (size_t i = 0; i < k; i++) {
		size_t nl = strlen(tmp[i].name), vl = strlen(tmp[i].value);
		s->labels[i].name = arena_strndup(&ms->arena, tmp[i].name, nl);
		s->labels[i].value = arena_strndup(&ms->arena, tmp[i].value, vl);
		s->labels[i].nlen = (uint32_t)nl;
		s->labels[i].vlen = (uint32_t)vl;
	}
	s->nlabels = k;
	s->next = fam->samples;
	fam->samples = s;
	fam->nsamples++;
	ms->nseries++;
	return s;
}

int mset_add(struct mset *ms, struct mfamily *fam, double v, size_t n,
	     const char *const *names, const char *const *values)
{
	struct msample *s = sample_new(ms, fam, n, names, values);
	if (!s)
		return -1;
	s->value = v;
	return 0;
}

int mset_add_dist(struct mset *ms, struct mfamily *fam, size_t n,
		  const char *const *names, const char *const *values,
		  double count, double sum, size_t nb, const double *bounds,
		  const double *counts)
{
	struct msample *s = sample_new(ms, fam, n, names, values);
	if (!s)
		return -1;
	s->count = count;
	s->sum = sum;
	s->nb = nb;
	s->bounds = arena_alloc(&ms->arena, (nb ? nb : 1) * sizeof(double));
	s->counts = arena_alloc(&ms->arena, (nb ? nb : 1) * sizeof(double));
	if (nb) {
		memcpy(s->bounds, bounds, nb * sizeof(double));
		memcpy(s->counts, counts, nb * sizeof(double));
	}
	return 0;
}

static int mset_vmetric(struct mset *ms, enum metric_type t, const char *name,
			const char *help, double v, va_list ap)
{
	const char *names[MSET_MAX_LABELS], *values[MSET_MAX_LABELS];
	size_t n = 0;
	const char *ln;
	while ((ln = va_arg(ap, const char *)) != NULL) {
		const char *lv = va_arg(ap, const char *);
		if (n == MSET_MAX_LABELS)
			return -1;
		names[n] = ln;
		values[n++] = lv;
	}
	struct mfamily *f = mset_family(ms, name, help, t);
	return mset_add(ms, f, v, n, names, values);
}

int mset_metric(struct mset *ms, enum metric_type t, const char *name,
		const char *help, double v, ...)
{
	va_list ap;
	va_start(ap, v);
	int rc = mset_vmetric(ms, t, name, help, v, ap);
	va_end(ap);
	return rc;
}

#define MSET_TYPED(fn, T)                                                          \
	int fn(struct mset *ms, const char *name, const char *help, double v, ...) \
	{                                                                          \
		va_list ap;                                                        \
		va_start(ap, v);                                                   \
		int rc = mset_vmetric(ms, T, name, help, v, ap);                   \
		va_end(ap);                                                        \
		return rc;                                                         \
	}
MSET_TYPED(mset_gauge, METRIC_GAUGE)
MSET_TYPED(mset_counter, METRIC_COUNTER)
MSET_TYPED(mset_untyped, METRIC_UNTYPED)

/* A stable merge sort of the pointer array v[0..n) (tmp: n more slots);
 * cmp gets pointers to two elements, as qsort's would. musl's qsort
 * (smoothsort) costs several times the comparisons' own work here, and a
 * stable sort keeps equal series in insertion order for the duplicate
 * rule of write_family. One copy per element type (no aliasing through
 * void **). */
#define MSET_MSORT(NAME, T)                                                         \
	static void NAME(T *v, T *tmp, size_t n, int (*cmp)(const void *, const void *)) \
	{                                                                           \
		if (n <= 8) {                                                       \
			for (size_t i = 1; i < n; i++)                              \
				for (size_t j = i; j > 0 && cmp(&v[j - 1], &v[j]) > 0; j--) { \
					T t = v[j - 1];                             \
					v[j - 1] = v[j];                            \
					v[j] = t;                                   \
				}                                                   \
			return;                                                     \
		}                                                                   \
		size_t h = n / 2;                                                   \
		NAME(v, tmp, h, cmp);                                               \
		NAME(v + h, tmp, n - h, cmp);                                       \
		if (cmp(&v[h - 1], &v[h]) <= 0)                                     \
			return; /* already in order (the usual case for samples) */ \
		memcpy(tmp, v, h * sizeof *v);                                     \
		size_t i = 0, j = h, k = 0;                                         \
		while (i < h && j < n)                                              \
			v[k++] = cmp(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];       \
		while (i < h)                                                       \
			v[k++] = tmp[i++];                                          \
	}
MSET_MSORT(msort_families, struct mfamily *)
MSET_MSORT(msort_samples, struct msample *)

static int family_cmp(const void *a, const void *b)
{
	return strcmp((*(struct mfamily *const *)a)->name, (*(struct mfamily *const *)b)->name);
}

/* The Go client orders a family's series by their number of labels first
 * (series of one family normally all have the same), then by comparing
 * label values position by position. */
static int sample_cmp(const void *a, const void *b)
{
	const struct msample *x = *(struct msample *const *)a;
	const struct msample *y = *(struct msample *const *)b;
	if (x->nlabels != y->nlabels)
		return x->nlabels < y->nlabels ? -1 : 1;
	for (size_t i = 0; i < x->nlabels; i++) {
		int c = strcmp(x->labels[i].value, y->labels[i].value);
		if (c)
			return c;
	}
	return 0;
}

static int same_labels(const struct msample *x, const struct msample *y)
{
	if (x->nlabels != y->nlabels)
		return 0;
	for (size_t i = 0; i < x->nlabels; i++)
		if (strcmp(x->labels[i].name, y->labels[i].name) ||
		    strcmp(x->labels[i].value, y->labels[i].value))
			return 0;
	return 1;
}

/* Label value escaping into o (room for twice the value): \\, \" and
 * \n, as expfmt_write_label_value() does. */
static char *put_label_value(char *o, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c == '\\' || c == '"') {
			*o++ = '\\';
			*o++ = c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else {
			*o++ = c;
		}
	}
	return o;
}

/* name{labels[,extra="val"]} value\n, written straight into out after one
 * reservation of the most it can take. */
static void write_line(struct buf *out, const struct mfamily *f, const char *suffix,
		       const struct msample *s, const char *extra, double extra_v,
		       double v)
{
	size_t slen = suffix ? strlen(suffix) : 0, elen = extra ? strlen(extra) : 0;
	size_t need = f->name_len + slen + 2 * EXPFMT_DOUBLE_MAX + elen + 16;
	for (size_t i = 0; i < s->nlabels; i++)
		need += s->labels[i].nlen + 2 * (size_t)s->labels[i].vlen + 4;
	buf_reserve(out, need);
	char *o = out->p + out->len;
	memcpy(o, f->name, f->name_len);
	o += f->name_len;
	if (slen) {
		memcpy(o, suffix, slen);
		o += slen;
	}
	if (s->nlabels || extra) {
		*o++ = '{';
		for (size_t i = 0; i < s->nlabels; i++) {
			if (i)
				*o++ = ',';
			memcpy(o, s->labels[i].name, s->labels[i].nlen);
			o += s->labels[i].nlen;
			*o++ = '=';
			*o++ = '"';
			o = put_label_value(o, s->labels[i].value, s->labels[i].vlen);
			*o++ = '"';
		}
		if (extra) {
			if (s->nlabels)
				*o++ = ',';
			memcpy(o, extra, elen);
			o += elen;
			*o++ = '=';
			*o++ = '"';
			o += expfmt_format_double(o, extra_v);
			*o++ = '"';
		}
		*o++ = '}';
	}
	*o++ = ' ';
	o += expfmt_format_double(o, v);
	*o++ = '\n';
	*o = 0;
	out->len = (size_t)(o - out->p);
}

static void write_family(struct buf *out, struct mfamily *f, struct msample **tmp)
{
	size_t n = 0;
	for (struct msample *s = f->samples; s; s = s->next)
		tmp[n++] = s;
	/* The list is newest first; reverse so that the sort's ties (and the
	 * duplicate rule) keep insertion order. */
	for (size_t i = 0; i < n / 2; i++) {
		struct msample *t = tmp[i];
		tmp[i] = tmp[n - 1 - i];
		tmp[n - 1 - i] = t;
	}
	msort_samples(tmp, tmp + n, n, sample_cmp);

	buf_puts(out, "# HELP ");
	buf_puts(out, f->name);
	buf_putc(out, ' ');
	expfmt_write_help(out, f->help);
	buf_puts(out, "\n# TYPE ");
	buf_puts(out, f->name);
	buf_putc(out, ' ');
	buf_puts(out, expfmt_type_name(f->type));
	buf_putc(out, '\n');

	for (size_t i = 0; i < n; i++) {
		const struct msample *s = tmp[i];
		int dup = 0;
		for (size_t j = i; j > 0 && sample_cmp(&tmp[j - 1], &tmp[i]) == 0; j--)
			if (same_labels(tmp[j - 1], s))
				dup = 1;
		if (dup)
			continue;
		if (f->type == METRIC_SUMMARY) {
			for (size_t k = 0; k < s->nb; k++)
				write_line(out, f, NULL, s, "quantile", s->bounds[k], s->counts[k]);
			write_line(out, f, "_sum", s, NULL, 0, s->sum);
			write_line(out, f, "_count", s, NULL, 0, s->count);
		} else if (f->type == METRIC_HISTOGRAM) {
			int has_inf = 0;
			for (size_t k = 0; k < s->nb; k++) {
				write_line(out, f, "_bucket", s, "le", s->bounds[k], s->counts[k]);
				if (isinf(s->bounds[k]) && s->bounds[k] > 0)
					has_inf = 1;
			}
			if (!has_inf)
				write_line(out, f, "_bucket", s, "le", INFINITY, s->count);
			write_line(out, f, "_sum", s, NULL, 0, s->sum);
			write_line(out, f, "_count", s, NULL, 0, s->count);
		} else {
			write_line(out, f, NULL, s, NULL, 0, s->value);
		}
	}
}

void mset_write(struct mset *ms, struct buf *out)
{
	/* Scratch arrays come from the set's arena (no malloc per write). */
	struct mfamily **fams = arena_alloc(&ms->arena, (ms->nfamilies ? ms->nfamilies : 1) * sizeof *fams);
	size_t n = 0, maxs = 1;
	for (size_t i = 0; i < ms->table_cap; i++)
		if (ms->table[i]) {
			fams[n++] = ms->table[i];
			if (ms->table[i]->nsamples > maxs)
				maxs = ms->table[i]->nsamples;
		}
	struct mfamily **ftmp = arena_alloc(&ms->arena, (n ? n : 1) * sizeof *ftmp);
	msort_families(fams, ftmp, n, family_cmp);
	/* Twice the largest family: its samples, then the sort's scratch. */
	struct msample **tmp = arena_alloc(&ms->arena, 2 * maxs * sizeof *tmp);
	for (size_t i = 0; i < n; i++)
		if (fams[i]->nsamples) /* the Go client skips empty families */
			write_family(out, fams[i], tmp);
}
