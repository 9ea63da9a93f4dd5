/* textparse_omcheck.c - the OpenMetrics rules above the grammar
 * (TEXTPARSE_STRICT).
 *
 * Prometheus's OpenMetrics parser checks the grammar and little else; the
 * specification also says how families group their samples, what each type
 * may expose and which values are legal, and the OpenMetrics test suite
 * rejects inputs that break those rules. The reference for them is the
 * suite's own parser, prometheus_client's openmetrics/parser.py (0.16): this
 * file follows its text_fd_to_metric_families and _check_histogram step for
 * step, fed by the entries the grammar-level parser produces. Known,
 * deliberate differences (docs/exposition.md): timestamps are compared as
 * binary64 seconds, in the right order (parser.py's Timestamp.__gt__ is
 * wrong for fractional seconds); numbers in le/quantile labels follow
 * Python's float() for ASCII input only.
 *
 * State: the names of the families seen so far (for name clashes) live for
 * the whole parse; the groups of the current family are dropped when the
 * family ends. Everything is in two arenas owned by the checker. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "textparse_internal.h"

/* A set of byte strings: open addressing, strings in an arena. */
struct omc_slot {
	uint64_t h;
	const char *s; /* NULL: empty */
	size_t n;
};

struct omc_set {
	struct omc_slot *v;
	size_t cap, len;
};

/* A histogram "run": consecutive samples of one group and timestamp. */
struct omc_run {
	bool active;
	struct buf group;
	bool has_ts;
	double ts;
	bool count_set, bucket_set, neg_buckets, has_sum, has_gsum, neg_gsum;
	double count, bucket, value;
};

enum { OMC_NONE = -1 }; /* a family without a TYPE line yet */

struct textparse_omcheck {
	struct arena names_arena; /* whole parse */
	struct arena fam_arena;   /* current family */
	struct omc_set names;     /* family names + their type's suffixes */
	struct omc_set groups;    /* groups seen in the current family */
	struct omc_set gseries;   /* series seen in the current group */

	bool in_family;
	struct buf name;
	int type; /* enum textparse_mtype or OMC_NONE */
	bool has_help, has_type, has_unit, has_samples;
	struct buf unit;

	bool has_group;
	struct buf group;
	bool group_has_ts;
	double group_ts;

	struct omc_run run;

	/* scratch */
	struct buf key, series_id, vals, exvals;
	struct omc_label *ls;
	size_t ls_cap;
};

static uint64_t omc_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

static void omc_set_clear(struct omc_set *s)
{
	if (s->cap > 256) {
		free(s->v);
		s->v = NULL;
		s->cap = 0;
	} else if (s->v) {
		memset(s->v, 0, s->cap * sizeof *s->v);
	}
	s->len = 0;
}

static struct omc_slot *omc_find(const struct omc_set *s, const char *k, size_t n, uint64_t h)
{
	size_t mask = s->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct omc_slot *e = &s->v[i];
		if (!e->s || (e->h == h && e->n == n && (n == 0 || memcmp(e->s, k, n) == 0)))
			return e;
	}
}

static bool omc_has(const struct omc_set *s, const char *k, size_t n)
{
	if (!s->len)
		return false;
	return omc_find(s, k, n, omc_hash(k, n))->s != NULL;
}

/* Add k (copied into a). Returns true when it was new. */
static bool omc_add(struct omc_set *s, struct arena *a, const char *k, size_t n)
{
	if (2 * (s->len + 1) > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct omc_slot *old = s->v;
		size_t oc = s->cap;
		s->v = xcalloc(nc, sizeof *s->v);
		s->cap = nc;
		for (size_t i = 0; i < oc; i++)
			if (old[i].s)
				*omc_find(s, old[i].s, old[i].n, old[i].h) = old[i];
		free(old);
	}
	uint64_t h = omc_hash(k, n);
	struct omc_slot *e = omc_find(s, k, n, h);
	if (e->s)
		return false;
	char *copy = arena_alloc(a, n ? n : 1);
	if (n)
		memcpy(copy, k, n);
	*e = (struct omc_slot){ h, copy, n };
	s->len++;
	return true;
}

static bool omc_eq(const struct buf *b, const char *s, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, s, n) == 0);
}

static void omc_set_buf(struct buf *b, const void *s, size_t n)
{
	buf_reset(b);
	if (n)
		buf_put(b, s, n);
}

void textparse_omcheck_init(struct textparse *p)
{
	struct textparse_omcheck *c = xcalloc(1, sizeof *c);
	c->names_arena = (struct arena)ARENA_INIT;
	c->fam_arena = (struct arena)ARENA_INIT;
	c->type = OMC_NONE;
	p->check = c;
}

void textparse_omcheck_free(struct textparse *p)
{
	struct textparse_omcheck *c = p->check;
	if (!c)
		return;
	arena_free(&c->names_arena);
	arena_free(&c->fam_arena);
	free(c->names.v);
	free(c->groups.v);
	free(c->gseries.v);
	buf_free(&c->name);
	buf_free(&c->unit);
	buf_free(&c->group);
	buf_free(&c->run.group);
	buf_free(&c->key);
	buf_free(&c->series_id);
	buf_free(&c->vals);
	buf_free(&c->exvals);
	free(c->ls);
	free(c);
	p->check = NULL;
}

static int omc_fail(struct textparse *p, const char *what)
{
	struct textparse_omcheck *c = p->check;
	return textparse_fail(p, TEXTPARSE_ESEMANTIC, p->estart, "%s (family \"%.*s\")", what,
			      (int)(c->name.len > 64 ? 64 : c->name.len), c->name.p ? c->name.p : "");
}

/* ---- numbers as Python's float() and int() read them ---- */

/* float(s) for ASCII s: blanks around, sign, inf/infinity/nan in any
 * case, or decimal digits with single underscores between digits. */
static bool omc_py_float(const char *s, size_t n, double *out)
{
	while (n && strchr(" \t\n\r\v\f", s[0]) && s[0])
		s++, n--;
	while (n && strchr(" \t\n\r\v\f", s[n - 1]) && s[n - 1])
		n--;
	if (!n)
		return false;
	size_t i = 0;
	bool neg = false;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i++;
	}
	size_t rest = n - i;
	if ((rest == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
	    (rest == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	if (rest == 3 && strncasecmp(s + i, "nan", 3) == 0) {
		*out = NAN;
		return true;
	}
	char tmp[128];
	size_t k = 0;
	if (neg)
		tmp[k++] = '-';
	bool digits = false, dot = false, prev_digit = false;
	for (; i < n; i++) {
		char ch = s[i];
		if (ch >= '0' && ch <= '9') {
			digits = true;
			prev_digit = true;
		} else if (ch == '_' && prev_digit && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
			prev_digit = false;
			continue;
		} else if (ch == '.' && !dot) {
			dot = true;
			prev_digit = false;
		} else {
			break;
		}
		if (k + 1 >= sizeof tmp)
			return false;
		tmp[k++] = ch;
	}
	if (!digits)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (k + 2 >= sizeof tmp)
			return false;
		tmp[k++] = 'e';
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			tmp[k++] = s[i++];
		bool edig = false;
		prev_digit = false;
		for (; i < n; i++) {
			char ch = s[i];
			if (ch >= '0' && ch <= '9') {
				edig = prev_digit = true;
			} else if (ch == '_' && prev_digit && i + 1 < n && s[i + 1] >= '0' &&
				   s[i + 1] <= '9') {
				prev_digit = false;
				continue;
			} else {
				break;
			}
			if (k + 1 >= sizeof tmp)
				return false;
			tmp[k++] = ch;
		}
		if (!edig)
			return false;
	}
	if (i != n)
		return false;
	tmp[k] = 0;
	*out = strtod(tmp, NULL);
	return true;
}

/* _isUncanonicalNumber: only +Inf must be spelled canonically. */
static bool omc_uncanonical(const char *s, size_t n, double v)
{
	return v == INFINITY && !(n == 4 && memcmp(s, "+Inf", 4) == 0);
}

static bool omc_integral(double v)
{
	return isfinite(v) && floor(v) == v;
}

/* ---- the current sample's labels ---- */

/* One label of the sample: name and unescaped value (empty values kept,
 * unlike a Prometheus label set). */
struct omc_label {
	const char *name, *value;
	size_t name_len, value_len;
	size_t voff;             /* value's offset in the checker's vals */
	uint32_t raw_off, raw_len; /* value as written */
};

static int omc_label_cmp(const void *a, const void *b)
{
	const struct omc_label *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int r = memcmp(x->name, y->name, n);
	if (r)
		return r;
	return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* The sample's labels sorted by name into c->ls[0..p->nlrefs), values
 * unescaped into c->vals. Returns 0 or TEXTPARSE_EDUPLABEL. */
static int omc_labels(struct textparse *p)
{
	struct textparse_omcheck *c = p->check;
	size_t n = p->nlrefs;
	if (n > c->ls_cap) {
		c->ls_cap = n * 2;
		c->ls = xrealloc(c->ls, c->ls_cap * sizeof *c->ls);
	}
	struct omc_label *ls = c->ls;
	for (size_t i = 0; i < n; i++) {
		ls[i].name = (const char *)p->b + p->lrefs[i].name_off;
		ls[i].name_len = p->lrefs[i].name_len;
		ls[i].raw_off = p->lrefs[i].value_off;
		ls[i].raw_len = p->lrefs[i].value_len;
	}
	if (n > 1)
		qsort(ls, n, sizeof *ls, omc_label_cmp);
	buf_reset(&c->vals);
	for (size_t i = 0; i < n; i++) {
		ls[i].voff = c->vals.len;
		textparse_unescape(&c->vals, p->b + ls[i].raw_off, ls[i].raw_len, true);
		ls[i].value_len = c->vals.len - ls[i].voff;
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		ls[i].value = c->vals.p ? c->vals.p + ls[i].voff : "";
		if (i && omc_label_cmp(&ls[i], &ls[i - 1]) == 0)
			rc = TEXTPARSE_EDUPLABEL;
	}
	return rc;
}

static const struct omc_label *omc_get(const struct omc_label *ls, size_t n, const char *name,
				       size_t name_len)
{
	for (size_t i = 0; i < n; i++)
		if (ls[i].name_len == name_len && memcmp(ls[i].name, name, name_len) == 0)
			return &ls[i];
	return NULL;
}

/* The canonical key of a label set, leaving out `skip` (may be NULL). */
static void omc_key(struct buf *out, const struct omc_label *ls, size_t n, const struct omc_label *skip)
{
	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (&ls[i] == skip)
			continue;
		buf_put(out, ls[i].name, ls[i].name_len);
		buf_putc(out, 0);
		buf_put(out, ls[i].value, ls[i].value_len);
		buf_putc(out, 0);
	}
}

/* ---- families ---- */

static const char *const omc_suffixes[][5] = {
	[TEXTPARSE_MT_COUNTER] = { "_total", "_created" },
	[TEXTPARSE_MT_SUMMARY] = { "", "_count", "_sum", "_created" },
	[TEXTPARSE_MT_HISTOGRAM] = { "_count", "_sum", "_bucket", "_created" },
	[TEXTPARSE_MT_GAUGEHISTOGRAM] = { "_gcount", "_gsum", "_bucket" },
	[TEXTPARSE_MT_INFO] = { "_info" },
	[TEXTPARSE_MT_UNKNOWN] = { NULL },
	[TEXTPARSE_MT_GAUGE] = { NULL },
	[TEXTPARSE_MT_STATESET] = { NULL },
};

static bool omc_has_suffixes(int type)
{
	return type != OMC_NONE && omc_suffixes[type][0] != NULL;
}

/* Is the sample name one the current family takes? */
static bool omc_allowed(const struct textparse_omcheck *c, const char *s, size_t n)
{
	if (!c->in_family)
		return false;
	if (!c->has_type || !omc_has_suffixes(c->type))
		return omc_eq(&c->name, s, n);
	if (n < c->name.len || memcmp(s, c->name.p, c->name.len) != 0)
		return false;
	const char *suf = s + c->name.len;
	size_t sl = n - c->name.len;
	for (const char *const *x = omc_suffixes[c->type]; *x; x++)
		if (strlen(*x) == sl && memcmp(*x, suf, sl) == 0)
			return true;
	return false;
}

static bool omc_is_hist(int type)
{
	return type == TEXTPARSE_MT_HISTOGRAM || type == TEXTPARSE_MT_GAUGEHISTOGRAM;
}

/* _check_histogram's do_checks for the run that ends. */
static int omc_run_end(struct textparse *p)
{
	struct omc_run *r = &p->check->run;
	if (!r->active)
		return 0;
	r->active = false;
	if (!r->bucket_set || r->bucket != INFINITY)
		return omc_fail(p, "+Inf bucket missing");
	if (r->count_set && r->value != r->count)
		return omc_fail(p, "count does not match +Inf value");
	if (r->has_sum && !r->count_set)
		return omc_fail(p, "_count must be present if _sum is present");
	if (r->has_gsum && !r->count_set)
		return omc_fail(p, "_gcount must be present if _gsum is present");
	if (!(r->has_sum || r->has_gsum) && r->count_set)
		return omc_fail(p, "_sum/_gsum must be present if _count is present");
	if (r->neg_buckets && r->has_sum)
		return omc_fail(p, "cannot have _sum with negative buckets");
	if (!r->neg_buckets && r->neg_gsum)
		return omc_fail(p, "cannot have negative _gsum with non-negative buckets");
	return 0;
}

/* build_metric: the checks on a finished family. */
static int omc_family_end(struct textparse *p)
{
	struct textparse_omcheck *c = p->check;
	if (!c->in_family)
		return 0;
	int type = c->has_type ? c->type : TEXTPARSE_MT_UNKNOWN;
	/* The family claims its name and its type's sample names. */
	struct buf *k = &c->key;
	omc_set_buf(k, c->name.p, c->name.len);
	if (!omc_add(&c->names, &c->names_arena, k->p, k->len))
		return omc_fail(p, "clashing name");
	if (omc_has_suffixes(type)) {
		for (const char *const *x = omc_suffixes[type]; *x; x++) {
			if (!**x)
				continue;
			omc_set_buf(k, c->name.p, c->name.len);
			buf_puts(k, *x);
			if (!omc_add(&c->names, &c->names_arena, k->p, k->len))
				return omc_fail(p, "clashing name");
		}
	}
	if (c->unit.len) {
		if (c->name.len < c->unit.len + 1 ||
		    memcmp(c->name.p + c->name.len - c->unit.len, c->unit.p, c->unit.len) != 0 ||
		    c->name.p[c->name.len - c->unit.len - 1] != '_')
			return omc_fail(p, "unit does not match metric name");
		if (type == TEXTPARSE_MT_INFO || type == TEXTPARSE_MT_STATESET)
			return omc_fail(p, "units not allowed for this metric type");
	}
	int rc = omc_run_end(p);
	c->in_family = false;
	return rc;
}

static void omc_family_start(struct textparse_omcheck *c, const char *name, size_t n, int type)
{
	arena_reset(&c->fam_arena);
	omc_set_clear(&c->groups);
	omc_set_clear(&c->gseries);
	c->in_family = true;
	omc_set_buf(&c->name, name, n);
	c->type = type;
	c->has_type = type != OMC_NONE;
	c->has_help = c->has_unit = c->has_samples = false;
	buf_reset(&c->unit);
	c->has_group = false;
	c->group_has_ts = false;
	c->run.active = false;
}

static int omc_meta(struct textparse *p, int entry)
{
	struct textparse_omcheck *c = p->check;
	const char *name = p->cur.name;
	size_t n = p->cur.name_len;
	if (c->in_family && omc_eq(&c->name, name, n)) {
		if (c->has_samples)
			return omc_fail(p, "metadata after samples");
	} else {
		int rc = omc_family_end(p);
		if (rc)
			return rc;
		omc_family_start(c, name, n, OMC_NONE);
	}
	switch (entry) {
	case TEXTPARSE_HELP:
		if (c->has_help)
			return omc_fail(p, "more than one HELP");
		c->has_help = true;
		break;
	case TEXTPARSE_TYPE:
		if (c->has_type)
			return omc_fail(p, "more than one TYPE");
		c->has_type = true;
		c->type = p->cur.type;
		break;
	case TEXTPARSE_UNIT:
		if (c->has_unit)
			return omc_fail(p, "more than one UNIT");
		c->has_unit = true;
		omc_set_buf(&c->unit, p->cur.text, p->cur.text_len);
		break;
	}
	return 0;
}

static bool omc_ts_eq(bool ha, double a, bool hb, double b)
{
	return ha == hb && (!ha || a == b);
}

enum omc_kind { OMC_OTHER, OMC_BUCKET, OMC_COUNT, OMC_SUM, OMC_GSUM };

static int omc_run_feed(struct textparse *p, enum omc_kind kind, const struct omc_label *le)
{
	struct textparse_omcheck *c = p->check;
	struct omc_run *r = &c->run;
	double v = p->cur.value;
	if (!r->active || !omc_eq(&r->group, c->group.p, c->group.len) ||
	    !omc_ts_eq(r->has_ts, r->ts, p->cur.has_ts, p->cur.has_ts ? p->ts_sec : 0)) {
		int rc = omc_run_end(p);
		if (rc)
			return rc;
		*r = (struct omc_run){ .group = r->group };
		r->active = true;
		omc_set_buf(&r->group, c->group.p, c->group.len);
	}
	r->has_ts = p->cur.has_ts;
	r->ts = p->cur.has_ts ? p->ts_sec : 0;
	if (kind == OMC_BUCKET) {
		double b = 0;
		omc_py_float(le->value, le->value_len, &b);
		if (b < 0)
			r->neg_buckets = true;
		if (r->bucket_set && b <= r->bucket)
			return omc_fail(p, "buckets out of order");
		if (v < r->value)
			return omc_fail(p, "bucket values out of order");
		r->bucket_set = true;
		r->bucket = b;
		r->value = v;
	} else if (kind == OMC_COUNT) {
		r->count_set = true;
		r->count = v;
	} else if (kind == OMC_SUM) {
		r->has_sum = true;
	} else if (kind == OMC_GSUM) {
		r->has_gsum = true;
		if (v < 0)
			r->neg_gsum = true;
	}
	return 0;
}

static size_t omc_codepoints(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

static int omc_sample(struct textparse *p)
{
	struct textparse_omcheck *c = p->check;
	const char *sname = p->cur.name;
	size_t sn = p->cur.name_len;
	double v = p->cur.value;

	size_t nl = p->nlrefs;
	int rc = omc_labels(p);
	const struct omc_label *ls = c->ls;
	if (rc) {
		rc = textparse_fail(p, TEXTPARSE_EDUPLABEL, p->estart, "duplicate label name");
		goto out;
	}
	if (!omc_allowed(c, sname, sn)) {
		if ((rc = omc_family_end(p)))
			goto out;
		omc_family_start(c, sname, sn, TEXTPARSE_MT_UNKNOWN);
	}
	int type = c->has_type ? c->type : TEXTPARSE_MT_UNKNOWN;
	const char *suffix = sname + c->name.len;
	size_t suffix_len = sn - c->name.len;
#define SUFFIX_IS(s) (suffix_len == sizeof(s) - 1 && memcmp(suffix, s, sizeof(s) - 1) == 0)

	const struct omc_label *skip = NULL;
	const struct omc_label *le = omc_get(ls, nl, "le", 2);
	if (type == TEXTPARSE_MT_STATESET) {
		skip = omc_get(ls, nl, c->name.p, c->name.len);
		if (!skip) {
			rc = omc_fail(p, "stateset missing label");
			goto out;
		}
	}
	if (SUFFIX_IS("_bucket")) {
		double b;
		if (!le || (le->value_len == 3 && memcmp(le->value, "NaN", 3) == 0) ||
		    !omc_py_float(le->value, le->value_len, &b) ||
		    omc_uncanonical(le->value, le->value_len, b)) {
			rc = omc_fail(p, "invalid le label");
			goto out;
		}
		if (!omc_integral(v)) {
			rc = omc_fail(p, "bucket value must be an integer");
			goto out;
		}
		if (omc_is_hist(type))
			skip = le;
	}
	if ((SUFFIX_IS("_count") || SUFFIX_IS("_gcount")) && !omc_integral(v)) {
		rc = omc_fail(p, "count value must be an integer");
		goto out;
	}
	if (type == TEXTPARSE_MT_SUMMARY && suffix_len == 0) {
		const struct omc_label *q = omc_get(ls, nl, "quantile", 8);
		double qv;
		if (!q || !omc_py_float(q->value, q->value_len, &qv) || !(qv >= 0 && qv <= 1) ||
		    omc_uncanonical(q->value, q->value_len, qv)) {
			rc = omc_fail(p, "invalid quantile label");
			goto out;
		}
		skip = q;
	}

	/* The group: the labels that tell one metric of the family from
	 * another (le, quantile and the stateset's own label left out; info
	 * families are a single group). */
	if (type == TEXTPARSE_MT_INFO)
		buf_reset(&c->key);
	else
		omc_key(&c->key, ls, nl, skip);
	bool ts_has = p->cur.has_ts;
	double ts = ts_has ? p->ts_sec : 0;
	bool same = c->has_group && omc_eq(&c->group, c->key.p, c->key.len);
	if (c->has_group && !same && omc_has(&c->groups, c->key.p, c->key.len)) {
		rc = omc_fail(p, "invalid metric grouping");
		goto out;
	}
	if (same) {
		if (ts_has != c->group_has_ts) {
			rc = omc_fail(p, "mix of timestamp presence within a group");
			goto out;
		}
		if (ts_has && c->group_ts > ts && type != TEXTPARSE_MT_INFO) {
			rc = omc_fail(p, "timestamps went backwards within a group");
			goto out;
		}
	} else {
		omc_set_clear(&c->gseries);
	}
	/* A repeated series at the group's timestamp is a duplicate that
	 * parser.py drops before its histogram checks. */
	omc_key(&c->series_id, ls, nl, NULL);
	buf_put(&c->series_id, sname, sn);
	bool appended = !omc_ts_eq(ts_has, ts, c->group_has_ts, c->group_ts) ||
			!omc_has(&c->gseries, c->series_id.p, c->series_id.len);
	omc_add(&c->gseries, &c->fam_arena, c->series_id.p, c->series_id.len);
	omc_set_buf(&c->group, c->key.p, c->key.len);
	c->has_group = true;
	c->group_has_ts = ts_has;
	c->group_ts = ts;
	omc_add(&c->groups, &c->fam_arena, c->key.p, c->key.len);
	c->has_samples = true;

	if (type == TEXTPARSE_MT_STATESET && v != 0 && v != 1) {
		rc = omc_fail(p, "stateset samples can only have values zero and one");
		goto out;
	}
	if (type == TEXTPARSE_MT_INFO && v != 1) {
		rc = omc_fail(p, "info samples can only have value one");
		goto out;
	}
	if (type == TEXTPARSE_MT_SUMMARY && suffix_len == 0 && v < 0) {
		rc = omc_fail(p, "quantile values cannot be negative");
		goto out;
	}
	bool counter_like = SUFFIX_IS("_total") || SUFFIX_IS("_sum") || SUFFIX_IS("_count") ||
			    SUFFIX_IS("_bucket") || SUFFIX_IS("_gcount");
	if ((counter_like || SUFFIX_IS("_gsum")) && isnan(v)) {
		rc = omc_fail(p, "counter-like samples cannot be NaN");
		goto out;
	}
	if (counter_like && v < 0) {
		rc = omc_fail(p, "counter-like samples cannot be negative");
		goto out;
	}
	if (p->cur.has_exemplar) {
		bool ok = (omc_is_hist(type) && sn >= 7 && memcmp(sname + sn - 7, "_bucket", 7) == 0) ||
			  (type == TEXTPARSE_MT_COUNTER && sn >= 6 &&
			   memcmp(sname + sn - 6, "_total", 6) == 0);
		if (!ok) {
			rc = omc_fail(p, "only histogram/gaugehistogram buckets and counters can "
					 "have exemplars");
			goto out;
		}
		struct textparse_exemplar ex;
		if (textparse_exemplar(p, &ex) < 0) {
			rc = textparse_fail(p, TEXTPARSE_EDUPLABEL, p->estart,
					    "duplicate exemplar label name");
			goto out;
		}
		/* 128 code points for names and values together (empty values
		 * count their names too). */
		size_t len = 0;
		for (size_t i = 0; i < p->nerefs; i++) {
			const struct textparse_lref *r = &p->erefs[i];
			buf_reset(&c->exvals);
			textparse_unescape(&c->exvals, p->b + r->value_off, r->value_len, true);
			len += r->name_len + omc_codepoints(c->exvals.p, c->exvals.len);
		}
		if (len > 128) {
			rc = omc_fail(p, "exemplar labels are too long");
			goto out;
		}
	}
	if (appended && omc_is_hist(type))
		rc = omc_run_feed(p,
				  SUFFIX_IS("_bucket")                          ? OMC_BUCKET
				  : SUFFIX_IS("_count") || SUFFIX_IS("_gcount") ? OMC_COUNT
				  : SUFFIX_IS("_sum")                           ? OMC_SUM
				  : SUFFIX_IS("_gsum")                          ? OMC_GSUM
										: OMC_OTHER,
				  le);
#undef SUFFIX_IS
out:
	return rc;
}

int textparse_omcheck_entry(struct textparse *p, int entry)
{
	switch (entry) {
	case TEXTPARSE_HELP:
	case TEXTPARSE_TYPE:
	case TEXTPARSE_UNIT:
	{
		int rc = omc_meta(p, entry);
		return rc ? rc : entry;
	}
	case TEXTPARSE_SERIES: {
		int rc = omc_sample(p);
		return rc ? rc : entry;
	}
	}
	return entry;
}

int textparse_omcheck_end(struct textparse *p)
{
	int rc = omc_family_end(p);
	return rc ? rc : TEXTPARSE_END;
}
