/* eval_labels.c - label-set helpers of the evaluator: dropping the metric
 * name, keeping or dropping a list of labels, comparing on a subset, and
 * formatting for messages and count_values. */
#include "eval_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in_list(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

struct labels ev_drop_name(struct ev *ev, const struct labels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, LABELS_METRIC_NAME) == 0)
			break;
	if (i == l->n)
		return *l;
	struct labels r = { NULL, l->n - 1 };
	if (r.n) {
		struct label *v = arena_alloc(ev->arena, r.n * sizeof *v);
		memcpy(v, l->v, i * sizeof *v);
		memcpy(v + i, l->v + i + 1, (l->n - i - 1) * sizeof *v);
		r.v = v;
	}
	return r;
}

static struct labels filter(struct ev *ev, const struct labels *l, const char *const *names,
			    size_t n, bool keep, bool drop_name)
{
	struct label *v = NULL;
	size_t k = 0;

	if (l->n)
		v = arena_alloc(ev->arena, l->n * sizeof *v);
	for (size_t i = 0; i < l->n; i++) {
		bool listed = in_list(l->v[i].name, names, n);
		if (keep ? !listed
			 : (listed || (drop_name && strcmp(l->v[i].name, LABELS_METRIC_NAME) == 0)))
			continue;
		v[k++] = l->v[i];
	}
	return (struct labels){ k ? v : NULL, k };
}

struct labels ev_labels_keep(struct ev *ev, const struct labels *l, const char *const *names,
			     size_t n)
{
	return filter(ev, l, names, n, true, false);
}

struct labels ev_labels_drop(struct ev *ev, const struct labels *l, const char *const *names,
			     size_t n, bool drop_name)
{
	return filter(ev, l, names, n, false, drop_name);
}

bool ev_labels_match_equal(const struct labels *a, const struct labels *b,
			   const char *const *names, size_t n, bool on)
{
	if (on) {
		for (size_t i = 0; i < n; i++) {
			const char *x = labels_get(a, names[i]), *y = labels_get(b, names[i]);
			if (!x != !y || (x && strcmp(x, y) != 0))
				return false;
		}
		return true;
	}
	/* Walk both sorted sets, skipping ignored labels. */
	size_t i = 0, j = 0;
	for (;;) {
		while (i < a->n && (in_list(a->v[i].name, names, n) ||
				    strcmp(a->v[i].name, LABELS_METRIC_NAME) == 0))
			i++;
		while (j < b->n && (in_list(b->v[j].name, names, n) ||
				    strcmp(b->v[j].name, LABELS_METRIC_NAME) == 0))
			j++;
		if (i == a->n || j == b->n)
			return i == a->n && j == b->n;
		if (strcmp(a->v[i].name, b->v[j].name) != 0 ||
		    strcmp(a->v[i].value, b->v[j].value) != 0)
			return false;
		i++;
		j++;
	}
}

const char *ev_labels_str(struct ev *ev, const struct labels *l)
{
	struct buf b = BUF_INIT;
	const char *r;

	labels_format(l, &b);
	if (b.len > 160)
		r = arena_printf(ev->arena, "%.157s...", b.p);
	else
		r = arena_strdup(ev->arena, b.p ? b.p : "{}");
	buf_free(&b);
	return r;
}

bool ev_valid_label_name(const char *s)
{
	if (!s || !*s)
		return false;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

void ev_format_float_f(double v, char *out, size_t len)
{
	char tmp[64], digits[32];
	int p, exp10 = 0;
	size_t nd = 0, o = 0;

	if (isnan(v)) {
		snprintf(out, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(out, len, signbit(v) ? "-0" : "0");
		return;
	}
	/* The shortest %e form that reads back as v. */
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	const char *s = tmp;
	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[nd++] = *s;
	if (*s == 'e')
		exp10 = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;

	char *b = xmalloc(nd + (size_t)abs(exp10) + 8);
	if (v < 0)
		b[o++] = '-';
	if (exp10 >= 0) {
		for (int i = 0; i <= exp10; i++)
			b[o++] = (size_t)i < nd ? digits[i] : '0';
		if ((size_t)exp10 + 1 < nd) {
			b[o++] = '.';
			for (size_t i = (size_t)exp10 + 1; i < nd; i++)
				b[o++] = digits[i];
		}
	} else {
		b[o++] = '0';
		b[o++] = '.';
		for (int i = 0; i < -exp10 - 1; i++)
			b[o++] = '0';
		for (size_t i = 0; i < nd; i++)
			b[o++] = digits[i];
	}
	b[o] = 0;
	snprintf(out, len, "%s", b);
	free(b);
}
