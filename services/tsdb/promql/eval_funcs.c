/* eval_funcs.c - functions over instant vectors and scalars: the math
 * family, clamp/round, date functions, label_replace/label_join, sort,
 * scalar/vector/time/pi, absent, histogram_quantile. Calls with a
 * range-vector argument go to eval_range.c. */
#include "eval_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Go's math.Max / math.Min: NaN wins, +Inf / -Inf win over NaN, and
 * signed zeros are ordered. */
static double go_max(double x, double y)
{
	if (isinf(x) && x > 0)
		return x;
	if (isinf(y) && y > 0)
		return y;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? y : x;
	return x > y ? x : y;
}

static double go_min(double x, double y)
{
	if (isinf(x) && x < 0)
		return x;
	if (isinf(y) && y < 0)
		return y;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? x : y;
	return x < y ? x : y;
}

/* Go's int64(f) on amd64: out-of-range and NaN give the minimum. */
static int64_t go_int64(double f)
{
	if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)f;
}

/* ---- calendar: Go's time package, UTC ----
 *
 * Prometheus computes dates with time.Unix(int64(v), 0).UTC(). Go counts
 * from an "absolute zero year" in unsigned 64-bit seconds, wrapping for
 * times far outside the representable range; the same arithmetic here
 * gives the same answers for every int64 input. */

#define GO_SECS_PER_DAY 86400ULL
#define GO_DAYS_PER_400Y (365ULL * 400 + 97)
#define GO_DAYS_PER_100Y (365ULL * 100 + 24)
#define GO_DAYS_PER_4Y (365ULL * 4 + 1)
#define GO_ABSOLUTE_ZERO_YEAR (-292277022399LL)
/* unixToInternal + internalToAbsolute */
#define GO_UNIX_TO_ABSOLUTE 9223372028715321600ULL

struct civil {
	int64_t year;
	int month, day, yday, wday, hour, minute;
};

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static void civil_from_unix(int64_t secs, struct civil *c)
{
	static const int days_before[13] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304,
					     334, 365 };
	uint64_t abs = (uint64_t)secs + GO_UNIX_TO_ABSOLUTE;
	uint64_t d = abs / GO_SECS_PER_DAY, n, y;

	n = d / GO_DAYS_PER_400Y;
	y = 400 * n;
	d -= GO_DAYS_PER_400Y * n;
	n = d / GO_DAYS_PER_100Y;
	n -= n >> 2;
	y += 100 * n;
	d -= GO_DAYS_PER_100Y * n;
	n = d / GO_DAYS_PER_4Y;
	y += 4 * n;
	d -= GO_DAYS_PER_4Y * n;
	n = d / 365;
	n -= n >> 2;
	y += n;
	d -= 365 * n;
	c->year = (int64_t)y + GO_ABSOLUTE_ZERO_YEAR;
	c->yday = (int)d + 1;

	int day = (int)d;
	c->month = 0;
	if (is_leap(c->year)) {
		if (day > 31 + 29 - 1) {
			day--;
		} else if (day == 31 + 29 - 1) {
			c->month = 2;
			c->day = 29;
		}
	}
	if (!c->month) {
		int month = day / 31;
		int end = days_before[month + 1], begin;
		if (day >= end) {
			month++;
			begin = end;
		} else {
			begin = days_before[month];
		}
		c->month = month + 1;
		c->day = day - begin + 1;
	}
	/* Absolute day 0 was a Monday. */
	c->wday = (int)(((abs + GO_SECS_PER_DAY) % (7 * GO_SECS_PER_DAY)) / GO_SECS_PER_DAY);
	c->hour = (int)(abs % GO_SECS_PER_DAY / 3600);
	c->minute = (int)(abs % 3600 / 60);
}

static double date_value(enum promql_func_id id, int64_t secs)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct civil c;

	civil_from_unix(secs, &c);
	switch (id) {
	case PROMQL_FUNC_DAY_OF_MONTH:
		return c.day;
	case PROMQL_FUNC_DAY_OF_WEEK:
		return c.wday;
	case PROMQL_FUNC_DAY_OF_YEAR:
		return c.yday;
	case PROMQL_FUNC_DAYS_IN_MONTH:
		return mdays[c.month - 1] + (c.month == 2 && is_leap(c.year) ? 1 : 0);
	case PROMQL_FUNC_HOUR:
		return c.hour;
	case PROMQL_FUNC_MINUTE:
		return c.minute;
	case PROMQL_FUNC_MONTH:
		return c.month;
	case PROMQL_FUNC_YEAR:
		return (double)c.year;
	default:
		return NAN;
	}
}

static bool is_date_func(enum promql_func_id id)
{
	switch (id) {
	case PROMQL_FUNC_DAY_OF_MONTH:
	case PROMQL_FUNC_DAY_OF_WEEK:
	case PROMQL_FUNC_DAY_OF_YEAR:
	case PROMQL_FUNC_DAYS_IN_MONTH:
	case PROMQL_FUNC_HOUR:
	case PROMQL_FUNC_MINUTE:
	case PROMQL_FUNC_MONTH:
	case PROMQL_FUNC_YEAR:
		return true;
	default:
		return false;
	}
}

/* ---- element-wise functions ---- */

/* Apply a one-argument math function. Returns false for ids that are not
 * element-wise math. */
static bool math1(enum promql_func_id id, double v, int64_t ts, double *out)
{
	switch (id) {
	case PROMQL_FUNC_ABS: *out = fabs(v); break;
	case PROMQL_FUNC_CEIL: *out = ceil(v); break;
	case PROMQL_FUNC_FLOOR: *out = floor(v); break;
	case PROMQL_FUNC_EXP: *out = exp(v); break;
	case PROMQL_FUNC_SQRT: *out = sqrt(v); break;
	case PROMQL_FUNC_LN: *out = log(v); break;
	case PROMQL_FUNC_LOG2: *out = log2(v); break;
	case PROMQL_FUNC_LOG10: *out = log10(v); break;
	case PROMQL_FUNC_SIN: *out = sin(v); break;
	case PROMQL_FUNC_COS: *out = cos(v); break;
	case PROMQL_FUNC_TAN: *out = tan(v); break;
	case PROMQL_FUNC_ASIN: *out = asin(v); break;
	case PROMQL_FUNC_ACOS: *out = acos(v); break;
	case PROMQL_FUNC_ATAN: *out = atan(v); break;
	case PROMQL_FUNC_SINH: *out = sinh(v); break;
	case PROMQL_FUNC_COSH: *out = cosh(v); break;
	case PROMQL_FUNC_TANH: *out = tanh(v); break;
	case PROMQL_FUNC_ASINH: *out = asinh(v); break;
	case PROMQL_FUNC_ACOSH: *out = acosh(v); break;
	case PROMQL_FUNC_ATANH: *out = atanh(v); break;
	case PROMQL_FUNC_DEG: *out = v * 180 / M_PI; break;
	case PROMQL_FUNC_RAD: *out = v * M_PI / 180; break;
	case PROMQL_FUNC_SGN: *out = v < 0 ? -1 : v > 0 ? 1 : v; break;
	case PROMQL_FUNC_TIMESTAMP: *out = (double)ts / 1000; break;
	default:
		if (is_date_func(id)) {
			*out = date_value(id, go_int64(v));
			break;
		}
		return false;
	}
	return true;
}

/* The regex state of label_replace. */
struct replace_ctx {
	const char *dst, *repl, *src;
	struct labels_matcher m;
	pcre2_match_data *md;
};

static struct labels replace_labels(struct ev *ev, struct replace_ctx *rc,
				    struct labels_builder *lb, const struct labels *metric)
{
	const char *sv = labels_get(metric, rc->src);
	const pcre2_code *re = rc->m.re;
	struct buf b = BUF_INIT;
	struct labels out;

	if (!sv)
		sv = "";
	int r = pcre2_match(re, (PCRE2_SPTR)sv, strlen(sv), 0, 0, rc->md, NULL);
	if (r < 0)
		return *metric;
	labels_matcher_expand(&rc->m, rc->repl, sv, pcre2_get_ovector_pointer(rc->md),
			      pcre2_get_ovector_count(rc->md), &b);
	labels_builder_reset(lb, metric);
	labels_builder_del(lb, rc->dst);
	if (b.len)
		labels_builder_set(lb, rc->dst, arena_strndup(ev->arena, b.p, b.len));
	labels_builder_finish(lb, ev->arena, &out);
	buf_free(&b);
	return out;
}

static const char *string_arg(const struct promql_node *n)
{
	n = ev_unparen(n);
	return n && n->kind == PROMQL_NODE_STRING ? n->u.string.value : "";
}

/* Output labels for label_join. */
static struct labels join_labels(struct ev *ev, const struct promql_call *c,
				 struct labels_builder *lb, const struct labels *metric)
{
	const char *dst = string_arg(c->args[1]), *sep = string_arg(c->args[2]);
	struct buf b = BUF_INIT;
	struct labels out;

	for (size_t i = 3; i < c->nargs; i++) {
		const char *v = labels_get(metric, string_arg(c->args[i]));
		if (i > 3)
			buf_puts(&b, sep);
		if (v)
			buf_puts(&b, v);
	}
	labels_builder_reset(lb, metric);
	if (b.len)
		labels_builder_set(lb, dst, arena_strndup(ev->arena, b.p, b.len));
	else
		labels_builder_del(lb, dst);
	labels_builder_finish(lb, ev->arena, &out);
	buf_free(&b);
	return out;
}

/* Functions mapping each sample of args[0] to at most one output sample,
 * with optional scalar parameters taken at the sample's step. */
static int elementwise(struct ev *ev, const struct promql_call *c, struct ev_matrix *mats,
		       struct ev_matrix *out)
{
	enum promql_func_id id = c->func->id;
	const struct ev_matrix *V = &mats[0];
	struct ev_out o = EV_OUT_INIT;
	struct labels_builder lb = LABELS_BUILDER_INIT;
	struct replace_ctx rc_ = { 0 };
	int rc = 0;

	if (id == PROMQL_FUNC_LABEL_REPLACE) {
		const char *errmsg = NULL;
		rc_.dst = string_arg(c->args[1]);
		rc_.repl = string_arg(c->args[2]);
		rc_.src = string_arg(c->args[3]);
		const char *regex = string_arg(c->args[4]);
		if (labels_matcher_init(&rc_.m, ev->arena, LABELS_MATCH_RE, "label_replace", regex,
					&errmsg) < 0)
			return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
				       "invalid regular expression in label_replace(): %s", regex);
		if (!ev_valid_label_name(rc_.dst))
			return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
				       "invalid destination label name in label_replace(): %s",
				       rc_.dst);
		rc_.md = pcre2_match_data_create_from_pattern(rc_.m.re, NULL);
		if (!rc_.md)
			return ev_fail(ev, PROMQL_ERRTYPE_INTERNAL, "out of memory");
	} else if (id == PROMQL_FUNC_LABEL_JOIN) {
		for (size_t i = 3; i < c->nargs; i++)
			if (!ev_valid_label_name(string_arg(c->args[i])))
				return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
					       "invalid source label name in label_join(): %s",
					       string_arg(c->args[i]));
		if (!ev_valid_label_name(string_arg(c->args[1])))
			return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
				       "invalid destination label name in label_join(): %s",
				       string_arg(c->args[1]));
	}

	for (size_t i = 0; i < V->n && rc == 0; i++) {
		const struct ev_series *s = &V->s[i];
		struct labels metric;
		switch (id) {
		case PROMQL_FUNC_LABEL_REPLACE:
			metric = replace_labels(ev, &rc_, &lb, &s->metric);
			break;
		case PROMQL_FUNC_LABEL_JOIN:
			metric = join_labels(ev, c, &lb, &s->metric);
			break;
		case PROMQL_FUNC_SORT:
		case PROMQL_FUNC_SORT_DESC:
			metric = s->metric;
			break;
		default:
			metric = ev_drop_name(ev, &s->metric);
			break;
		}
		size_t oi = SIZE_MAX;
		for (size_t j = 0; j < s->n; j++) {
			int64_t ts = s->pts[j].t;
			size_t k = ev_step_index(ev, ts);
			double v = s->pts[j].v, r;
			switch (id) {
			case PROMQL_FUNC_CLAMP: {
				double lo = ev_scalar_at(&mats[1], k), hi = ev_scalar_at(&mats[2], k);
				if (hi < lo)
					continue;
				r = go_max(lo, go_min(hi, v));
				break;
			}
			case PROMQL_FUNC_CLAMP_MAX:
				r = go_min(ev_scalar_at(&mats[1], k), v);
				break;
			case PROMQL_FUNC_CLAMP_MIN:
				r = go_max(ev_scalar_at(&mats[1], k), v);
				break;
			case PROMQL_FUNC_ROUND: {
				double to = c->nargs > 1 ? ev_scalar_at(&mats[1], k) : 1;
				double inv = 1.0 / to;
				r = floor(v * inv + 0.5) / inv;
				break;
			}
			case PROMQL_FUNC_LABEL_REPLACE:
			case PROMQL_FUNC_LABEL_JOIN:
			case PROMQL_FUNC_SORT:
			case PROMQL_FUNC_SORT_DESC:
				r = v;
				break;
			default:
				if (!math1(id, v, ts, &r))
					r = NAN;
				break;
			}
			if (oi == SIZE_MAX)
				oi = ev_out_series(&o, &metric);
			if ((rc = ev_out_add_at(ev, &o, oi, ts, r)) < 0)
				break;
		}
		if (rc == 0)
			rc = ev_check(ev);
	}
	labels_builder_free(&lb);
	if (rc_.md)
		pcre2_match_data_free(rc_.md);
	if (rc < 0) {
		ev_out_free(ev, &o);
		return rc;
	}
	return ev_out_finish(ev, &o, out);
}

/* sort / sort_desc order of an instant vector: ascending (or descending)
 * with NaN last, via Go's insertion sort for small inputs (so ties and
 * NaNs land where Prometheus puts them) and a stable merge sort above. */
static bool sort_less(double a, double b, bool desc)
{
	/* sort.Reverse(byReverseValue).Less(i, j) for sort, and likewise
	 * for sort_desc: the element j is NaN, or compares past i. */
	if (isnan(b))
		return true;
	return desc ? b < a : b > a;
}

static void sort_instant(struct ev_matrix *m, bool desc)
{
	size_t n = m->n;

	/* Each series holds one point in an instant evaluation. */
	if (n <= 12) {
		for (size_t i = 1; i < n; i++) {
			for (size_t j = i; j > 0; j--) {
				double vj = m->s[j].n ? m->s[j].pts[0].v : NAN;
				double vp = m->s[j - 1].n ? m->s[j - 1].pts[0].v : NAN;
				if (!sort_less(vj, vp, desc))
					break;
				struct ev_series t = m->s[j];
				m->s[j] = m->s[j - 1];
				m->s[j - 1] = t;
			}
		}
		return;
	}
	struct ev_series *tmp = xmalloc(n * sizeof *tmp);
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				double vi = m->s[i].n ? m->s[i].pts[0].v : NAN;
				double vj = m->s[j].n ? m->s[j].pts[0].v : NAN;
				tmp[k++] = sort_less(vj, vi, desc) ? m->s[j++] : m->s[i++];
			}
			while (i < mid)
				tmp[k++] = m->s[i++];
			while (j < hi)
				tmp[k++] = m->s[j++];
		}
		memcpy(m->s, tmp, n * sizeof *tmp);
	}
	free(tmp);
}

/* ---- absent ---- */

struct labels ev_absent_labels(struct ev *ev, const struct promql_node *arg)
{
	const struct promql_vector_selector *vs;
	struct labels_builder lb = LABELS_BUILDER_INIT;
	struct labels out;

	arg = ev_unparen(arg);
	if (arg->kind == PROMQL_NODE_VECTOR_SELECTOR)
		vs = &arg->u.vs;
	else if (arg->kind == PROMQL_NODE_MATRIX_SELECTOR)
		vs = &arg->u.ms.vs->u.vs;
	else
		return LABELS_EMPTY;
	const char **set = xmalloc((vs->nmatchers + 1) * sizeof *set);
	size_t nset = 0;
	labels_builder_reset(&lb, NULL);
	for (size_t i = 0; i < vs->nmatchers; i++) {
		const struct labels_matcher *m = &vs->matchers[i];
		bool has = false;
		if (strcmp(m->name, LABELS_METRIC_NAME) == 0)
			continue;
		for (size_t j = 0; j < nset; j++)
			if (strcmp(set[j], m->name) == 0)
				has = true;
		if (m->type == LABELS_MATCH_EQ && !has) {
			labels_builder_set(&lb, m->name, m->value);
			set[nset++] = m->name;
		} else {
			labels_builder_del(&lb, m->name);
		}
	}
	labels_builder_finish(&lb, ev->arena, &out);
	labels_builder_free(&lb);
	free(set);
	return out;
}

/* ---- histogram_quantile over classic buckets ---- */

/* Go's strconv.ParseFloat, near enough: the whole string must be a
 * number (decimal, exponent, hex float, Inf, NaN). */
static bool parse_le(const char *s, double *out)
{
	char *end;

	if (!*s || *s == ' ' || *s == '\t' || *s == '\n')
		return false;
	*out = strtod(s, &end);
	return *end == 0;
}

static int histogram_quantile(struct ev *ev, struct ev_matrix *mats, struct ev_matrix *out)
{
	const struct ev_matrix *V = &mats[1];
	struct ev_hmap h = EV_HMAP_INIT;
	size_t n = V->n, ngroups = 0;
	size_t *gid = xmalloc((n + 1) * sizeof *gid);
	double *le = xmalloc((n + 1) * sizeof *le);
	struct labels *gkey = xmalloc((n + 1) * sizeof *gkey); /* labels minus le */
	struct labels *glab = xmalloc((n + 1) * sizeof *glab); /* output labels */
	size_t *gout = NULL, *order = NULL;
	uint64_t *gstamp = NULL;
	struct promql_bucket **gb = NULL;
	size_t *gnb = NULL, *gcap = NULL;
	struct ev_stepper st;
	struct ev_out o = EV_OUT_INIT;
	const char *le_name = "le";
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *lv = labels_get(&V->s[i].metric, "le");
		gid[i] = SIZE_MAX;
		if (!lv || !parse_le(lv, &le[i]))
			continue;
		struct labels key = ev_labels_drop(ev, &V->s[i].metric, &le_name, 1, false);
		uint64_t hk = labels_hash(&key);
		size_t slot = SIZE_MAX, g, found = SIZE_MAX;
		while (ev_hmap_next(&h, hk, &slot, &g)) {
			if (labels_equal(&gkey[g], &key)) {
				found = g;
				break;
			}
		}
		if (found == SIZE_MAX) {
			found = ngroups++;
			gkey[found] = key;
			glab[found] = ev_drop_name(ev, &key);
			ev_hmap_put(&h, hk, found);
		}
		gid[i] = found;
	}
	ev_hmap_free(&h);
	gout = xmalloc((ngroups + 1) * sizeof *gout);
	order = xmalloc((ngroups + 1) * sizeof *order);
	gstamp = xcalloc(ngroups + 1, sizeof *gstamp);
	gb = xcalloc(ngroups + 1, sizeof *gb);
	gnb = xcalloc(ngroups + 1, sizeof *gnb);
	gcap = xcalloc(ngroups + 1, sizeof *gcap);
	for (size_t g = 0; g < ngroups; g++)
		gout[g] = SIZE_MAX;

	ev_stepper_init(&st, V);
	size_t k = 0;
	uint64_t stamp = 0;
	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval, k++) {
		size_t nv = ev_stepper_at(&st, ts), norder = 0;
		double q = ev_scalar_at(&mats[0], k);
		if ((rc = ev_check(ev)) < 0)
			break;
		stamp++;
		for (size_t i = 0; i < nv; i++) {
			size_t si = st.vec[i].si, g = gid[si];
			if (g == SIZE_MAX)
				continue;
			if (gstamp[g] != stamp) {
				gstamp[g] = stamp;
				gnb[g] = 0;
				order[norder++] = g;
			}
			if (gnb[g] == gcap[g]) {
				gcap[g] = gcap[g] ? gcap[g] * 2 : 8;
				gb[g] = xrealloc(gb[g], gcap[g] * sizeof *gb[g]);
			}
			gb[g][gnb[g]].upper = le[si];
			gb[g][gnb[g]].count = st.vec[i].v;
			gnb[g]++;
		}
		for (size_t i = 0; i < norder && rc == 0; i++) {
			size_t g = order[i];
			if (gout[g] == SIZE_MAX)
				gout[g] = ev_out_series(&o, &glab[g]);
			rc = ev_out_add_at(ev, &o, gout[g], ts,
					   promql_bucket_quantile(q, gb[g], gnb[g]));
		}
		if (rc < 0)
			break;
	}
	ev_stepper_free(&st);
	for (size_t g = 0; g < ngroups; g++)
		free(gb[g]);
	free(gb);
	free(gnb);
	free(gcap);
	free(gstamp);
	free(order);
	free(gout);
	free(gid);
	free(le);
	free(gkey);
	free(glab);
	if (rc < 0) {
		ev_out_free(ev, &o);
		return rc;
	}
	return ev_out_finish(ev, &o, out);
}

/* ---- per-step functions ---- */

static int per_step(struct ev *ev, const struct promql_call *c, struct ev_matrix *mats,
		    struct ev_matrix *out)
{
	enum promql_func_id id = c->func->id;
	struct ev_out o = EV_OUT_INIT;
	struct labels empty = LABELS_EMPTY, absent = LABELS_EMPTY;
	size_t si = SIZE_MAX, k = 0;
	struct ev_stepper st;
	bool stepper = id == PROMQL_FUNC_SCALAR || id == PROMQL_FUNC_ABSENT;
	int rc = 0;

	if (id == PROMQL_FUNC_ABSENT)
		absent = ev_absent_labels(ev, c->args[0]);
	if (stepper)
		ev_stepper_init(&st, &mats[0]);
	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval, k++) {
		double v;
		const struct labels *metric = &empty;
		switch (id) {
		case PROMQL_FUNC_TIME:
			v = (double)ts / 1000;
			break;
		case PROMQL_FUNC_PI:
			v = M_PI;
			break;
		case PROMQL_FUNC_VECTOR:
			v = ev_scalar_at(&mats[0], k);
			break;
		case PROMQL_FUNC_SCALAR: {
			size_t nv = ev_stepper_at(&st, ts);
			v = nv == 1 ? st.vec[0].v : NAN;
			break;
		}
		case PROMQL_FUNC_ABSENT:
			if (ev_stepper_at(&st, ts) > 0)
				continue;
			v = 1;
			metric = &absent;
			break;
		default: /* date functions without an argument: the step's time */
			v = date_value(id, ts / 1000);
			break;
		}
		if (si == SIZE_MAX)
			si = ev_out_series(&o, metric);
		if ((rc = ev_out_add_at(ev, &o, si, ts, v)) < 0)
			break;
	}
	if (stepper)
		ev_stepper_free(&st);
	if (rc < 0) {
		ev_out_free(ev, &o);
		return rc;
	}
	return ev_out_finish(ev, &o, out);
}

int ev_call(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	const struct promql_call *c = &n->u.call;
	enum promql_func_id id = c->func->id;
	struct ev_matrix mats[PROMQL_FUNC_MAX_ARGS + 1];
	size_t nmats = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < c->nargs; i++)
		if (promql_function_arg_type(c->func, i) == PROMQL_TYPE_MATRIX)
			return ev_call_range(ev, n, i, out);
	if (id == PROMQL_FUNC_TIMESTAMP && c->nargs == 1) {
		const struct promql_node *a = ev_unparen(c->args[0]);
		if (a->kind == PROMQL_NODE_VECTOR_SELECTOR)
			return ev_vector_selector(ev, a, true, out);
	}
	memset(mats, 0, sizeof mats);
	int (*eval_arg)(struct ev *, const struct promql_node *, struct ev_matrix *) =
		ev_invariant(ev, n) ? ev_eval : ev_eval_wrapped;
	for (size_t i = 0; i < c->nargs && i < PROMQL_FUNC_MAX_ARGS; i++) {
		if (promql_function_arg_type(c->func, i) == PROMQL_TYPE_STRING)
			continue;
		if ((rc = eval_arg(ev, c->args[i], &mats[i])) < 0)
			goto done;
		nmats = i + 1;
	}
	switch (id) {
	case PROMQL_FUNC_TIME:
	case PROMQL_FUNC_PI:
	case PROMQL_FUNC_VECTOR:
	case PROMQL_FUNC_SCALAR:
	case PROMQL_FUNC_ABSENT:
		rc = per_step(ev, c, mats, out);
		break;
	case PROMQL_FUNC_HISTOGRAM_QUANTILE:
		rc = histogram_quantile(ev, mats, out);
		break;
	case PROMQL_FUNC_HISTOGRAM_COUNT:
	case PROMQL_FUNC_HISTOGRAM_SUM:
	case PROMQL_FUNC_HISTOGRAM_FRACTION:
		/* Native histograms only: float samples give nothing. */
		break;
	default:
		if (is_date_func(id) && c->nargs == 0) {
			rc = per_step(ev, c, mats, out);
			break;
		}
		rc = elementwise(ev, c, mats, out);
		if (rc == 0 && (id == PROMQL_FUNC_SORT || id == PROMQL_FUNC_SORT_DESC) &&
		    ev->start == ev->end)
			sort_instant(out, id == PROMQL_FUNC_SORT_DESC);
		break;
	}
done:
	for (size_t i = 0; i < nmats; i++)
		ev_matrix_free(ev, &mats[i]);
	(void)nmats;
	return rc;
}
