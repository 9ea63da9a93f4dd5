/* print.c - the canonical text of a PromQL tree (Prometheus's String()),
 * durations and numbers as Go prints them, and operator names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../lib/jsonw.h"
#include "parse.h"

const char *promql_op_str(enum promql_op op)
{
	switch (op) {
	case PROMQL_OP_ADD: return "+";
	case PROMQL_OP_SUB: return "-";
	case PROMQL_OP_MUL: return "*";
	case PROMQL_OP_DIV: return "/";
	case PROMQL_OP_MOD: return "%";
	case PROMQL_OP_POW: return "^";
	case PROMQL_OP_ATAN2: return "atan2";
	case PROMQL_OP_EQL: return "==";
	case PROMQL_OP_NEQ: return "!=";
	case PROMQL_OP_LTE: return "<=";
	case PROMQL_OP_LSS: return "<";
	case PROMQL_OP_GTE: return ">=";
	case PROMQL_OP_GTR: return ">";
	case PROMQL_OP_AND: return "and";
	case PROMQL_OP_OR: return "or";
	case PROMQL_OP_UNLESS: return "unless";
	}
	return "?";
}

bool promql_op_is_comparison(enum promql_op op)
{
	return op >= PROMQL_OP_EQL && op <= PROMQL_OP_GTR;
}

bool promql_op_is_set(enum promql_op op)
{
	return op == PROMQL_OP_AND || op == PROMQL_OP_OR || op == PROMQL_OP_UNLESS;
}

const char *promql_agg_str(enum promql_agg_op op)
{
	switch (op) {
	case PROMQL_AGG_SUM: return "sum";
	case PROMQL_AGG_AVG: return "avg";
	case PROMQL_AGG_COUNT: return "count";
	case PROMQL_AGG_MIN: return "min";
	case PROMQL_AGG_MAX: return "max";
	case PROMQL_AGG_GROUP: return "group";
	case PROMQL_AGG_STDDEV: return "stddev";
	case PROMQL_AGG_STDVAR: return "stdvar";
	case PROMQL_AGG_TOPK: return "topk";
	case PROMQL_AGG_BOTTOMK: return "bottomk";
	case PROMQL_AGG_COUNT_VALUES: return "count_values";
	case PROMQL_AGG_QUANTILE: return "quantile";
	}
	return "?";
}

const char *promql_card_str(enum promql_card c)
{
	switch (c) {
	case PROMQL_CARD_ONE_TO_ONE: return "one-to-one";
	case PROMQL_CARD_MANY_TO_ONE: return "many-to-one";
	case PROMQL_CARD_ONE_TO_MANY: return "one-to-many";
	case PROMQL_CARD_MANY_TO_MANY: return "many-to-many";
	}
	return "?";
}

void promql_error_format(const struct promql_error *err, struct buf *out)
{
	buf_printf(out, "%d:%d: parse error: %s", err->line, err->col, err->msg);
}

void promql_format_duration(int64_t ms, struct buf *out)
{
	static const struct {
		const char *unit;
		int64_t mult;
		bool exact; /* years and weeks only when nothing smaller remains */
	} units[] = {
		{ "y", 365LL * 24 * 3600 * 1000, true }, { "w", 7LL * 24 * 3600 * 1000, true },
		{ "d", 24LL * 3600 * 1000, false },       { "h", 3600LL * 1000, false },
		{ "m", 60LL * 1000, false },              { "s", 1000, false },
		{ "ms", 1, false },
	};
	if (ms == 0) {
		buf_puts(out, "0s");
		return;
	}
	uint64_t v = (uint64_t)ms;
	if (ms < 0) {
		buf_putc(out, '-');
		v = (uint64_t)0 - (uint64_t)ms;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		uint64_t m = (uint64_t)units[i].mult;
		if (units[i].exact && v % m != 0)
			continue;
		if (v / m > 0) {
			buf_printf(out, "%llu%s", (unsigned long long)(v / m), units[i].unit);
			v %= m;
		}
	}
}

/* A float64 as Go's fmt %v prints it (strconv 'g', shortest): the fewest
 * digits that read back to the same value, in e-notation when the decimal
 * exponent is below -4 or 6 and above ("1e+06", "123456", "1.5e-05"). */
void promql_format_float(double v, struct buf *out)
{
	jsonw_format_float_g(out, v);
}

static void format_at_offset(const struct promql_at *at, int64_t offset, struct buf *out)
{
	switch (at->kind) {
	case PROMQL_AT_TIMESTAMP: {
		/* Go's %.3f of ms/1000 */
		int64_t ms = at->ms;
		uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
		buf_printf(out, " @ %s%llu.%03llu", ms < 0 ? "-" : "", (unsigned long long)(a / 1000),
			   (unsigned long long)(a % 1000));
		break;
	}
	case PROMQL_AT_START: buf_puts(out, " @ start()"); break;
	case PROMQL_AT_END: buf_puts(out, " @ end()"); break;
	case PROMQL_AT_NONE: break;
	}
	if (offset != 0) {
		buf_puts(out, " offset ");
		promql_format_duration(offset, out);
	}
}

static void format_labels_list(const char **l, size_t n, struct buf *out)
{
	buf_putc(out, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(out, ", ");
		buf_puts(out, l[i]);
	}
	buf_putc(out, ')');
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* name{matchers} without @/offset; matchers sorted by their text, the
 * one that restates the metric name left out. */
static void format_selector_body(const struct promql_vector_selector *vs, struct buf *out)
{
	char **strs = vs->nmatchers ? calloc(vs->nmatchers, sizeof *strs) : NULL;
	size_t ns = 0;
	for (size_t i = 0; i < vs->nmatchers; i++) {
		const struct labels_matcher *m = &vs->matchers[i];
		if (vs->name && m->type == LABELS_MATCH_EQ &&
		    strcmp(m->name, LABELS_METRIC_NAME) == 0 && strcmp(m->value, vs->name) == 0)
			continue;
		struct buf b = BUF_INIT;
		labels_matcher_format(m, &b);
		strs[ns++] = buf_steal(&b);
	}
	if (vs->name)
		buf_puts(out, vs->name);
	if (ns) {
		qsort(strs, ns, sizeof *strs, strp_cmp);
		buf_putc(out, '{');
		for (size_t i = 0; i < ns; i++) {
			if (i)
				buf_putc(out, ',');
			buf_puts(out, strs[i]);
			free(strs[i]);
		}
		buf_putc(out, '}');
	}
	free(strs);
}

void promql_format(const struct promql_node *n, struct buf *out)
{
	switch (n->kind) {
	case PROMQL_NODE_NUMBER:
		promql_format_float(n->u.number, out);
		break;
	case PROMQL_NODE_STRING:
		labels_quote(n->u.string.value, n->u.string.len, out);
		break;
	case PROMQL_NODE_VECTOR_SELECTOR:
		format_selector_body(&n->u.vs, out);
		format_at_offset(&n->u.vs.at, n->u.vs.original_offset, out);
		break;
	case PROMQL_NODE_MATRIX_SELECTOR: {
		const struct promql_vector_selector *vs = &n->u.ms.vs->u.vs;
		format_selector_body(vs, out);
		buf_putc(out, '[');
		promql_format_duration(n->u.ms.range, out);
		buf_putc(out, ']');
		format_at_offset(&vs->at, vs->original_offset, out);
		break;
	}
	case PROMQL_NODE_SUBQUERY:
		promql_format(n->u.sq.expr, out);
		buf_putc(out, '[');
		promql_format_duration(n->u.sq.range, out);
		buf_putc(out, ':');
		if (n->u.sq.step)
			promql_format_duration(n->u.sq.step, out);
		buf_putc(out, ']');
		format_at_offset(&n->u.sq.at, n->u.sq.original_offset, out);
		break;
	case PROMQL_NODE_CALL:
		buf_puts(out, n->u.call.func->name);
		buf_putc(out, '(');
		for (size_t i = 0; i < n->u.call.nargs; i++) {
			if (i)
				buf_puts(out, ", ");
			promql_format(n->u.call.args[i], out);
		}
		buf_putc(out, ')');
		break;
	case PROMQL_NODE_AGGREGATE: {
		const struct promql_aggregate *agg = &n->u.agg;
		buf_puts(out, promql_agg_str(agg->op));
		if (agg->without || agg->ngrouping > 0) {
			buf_puts(out, agg->without ? " without " : " by ");
			format_labels_list(agg->grouping, agg->ngrouping, out);
			buf_putc(out, ' ');
		}
		buf_putc(out, '(');
		if (agg->param) {
			promql_format(agg->param, out);
			buf_puts(out, ", ");
		}
		promql_format(agg->expr, out);
		buf_putc(out, ')');
		break;
	}
	case PROMQL_NODE_BINARY: {
		const struct promql_binary *b = &n->u.bin;
		promql_format(b->lhs, out);
		buf_putc(out, ' ');
		buf_puts(out, promql_op_str(b->op));
		if (b->return_bool)
			buf_puts(out, " bool");
		const struct promql_vector_matching *m = &b->matching;
		if (b->has_matching && (m->nlabels > 0 || m->on)) {
			buf_puts(out, m->on ? " on " : " ignoring ");
			format_labels_list(m->labels, m->nlabels, out);
			if (m->card == PROMQL_CARD_MANY_TO_ONE || m->card == PROMQL_CARD_ONE_TO_MANY) {
				buf_puts(out, m->card == PROMQL_CARD_MANY_TO_ONE ? " group_left "
										  : " group_right ");
				format_labels_list(m->include, m->ninclude, out);
			}
		}
		buf_putc(out, ' ');
		promql_format(b->rhs, out);
		break;
	}
	case PROMQL_NODE_UNARY:
		buf_puts(out, promql_op_str(n->u.unary.op));
		promql_format(n->u.unary.expr, out);
		break;
	case PROMQL_NODE_PAREN:
		buf_putc(out, '(');
		promql_format(n->u.paren, out);
		buf_putc(out, ')');
		break;
	}
}
