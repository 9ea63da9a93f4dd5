/* parse.c - PromQL text to syntax tree (see parse.h).
 *
 * A precedence-climbing parser that accepts the same language as
 * Prometheus 2.42's yacc grammar and resolves it the same way:
 *   or < and unless < == != <= < >= > < + - < * / % atan2 < unary +- < ^
 * with ^ right-associative and everything else left-associative; a unary
 * operator's operand extends over ^ only; the postfix modifiers [range],
 * [range:step], offset and @ bind to the operand written just before them.
 *
 * As in Prometheus, errors found while reading (syntax, bad literals,
 * modifier placement, unknown functions, aggregation arity) come first;
 * the type checks run over the finished tree afterwards, children before
 * parents. The first error wins; its position is the one Prometheus
 * reports.
 */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lex.h"

struct parser {
	const char *q;
	size_t len;
	struct arena *a;
	struct promql_lexer lx;
	struct promql_token tok; /* the lookahead */
	struct promql_error *err;
	bool failed;
	uint32_t prev_end; /* end offset of the last consumed token */
	int depth;       /* current recursion depth */
	unsigned ldepth; /* tree depth of the node returned last */
};

/* ---- errors ---- */

static void fail_at(struct parser *p, uint32_t start, uint32_t end, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_at(struct parser *p, uint32_t start, uint32_t end, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	if (!p->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
	va_end(ap);
	p->err->pos.start = start;
	p->err->pos.end = end;
	int line = 1;
	size_t last_nl = (size_t)-1;
	for (size_t i = 0; i < start && i < p->len; i++)
		if (p->q[i] == '\n') {
			line++;
			last_nl = i;
		}
	p->err->line = line;
	p->err->col = (int)(start - last_nl); /* last_nl == -1: start + 1 */
}

static void fail_node(struct parser *p, const struct promql_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_node(struct parser *p, const struct promql_node *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fail_at(p, n->pos.start, n->pos.end, "%s", msg);
}

/* "unexpected <token>[ in <context>][, expected <what>]" at the lookahead. */
static void unexpected(struct parser *p, const char *context, const char *expected)
{
	if (p->tok.type == PROMQL_TOK_ERROR || p->failed)
		return;
	struct buf b = BUF_INIT;
	buf_puts(&b, "unexpected ");
	promql_tok_describe(&p->tok, &b);
	if (context) {
		buf_puts(&b, " in ");
		buf_puts(&b, context);
	}
	if (expected) {
		buf_puts(&b, ", expected ");
		buf_puts(&b, expected);
	}
	fail_at(p, p->tok.pos, p->tok.pos + (uint32_t)p->tok.len, "%s", b.p);
	buf_free(&b);
}

/* ---- tokens ---- */

static uint32_t tok_end(const struct promql_token *t)
{
	return t->pos + (uint32_t)t->len;
}

static void advance(struct parser *p)
{
	p->prev_end = tok_end(&p->tok);
	do
		promql_lex_next(&p->lx, &p->tok);
	while (p->tok.type == PROMQL_TOK_COMMENT);
	if (p->tok.type == PROMQL_TOK_ERROR)
		fail_at(p, p->tok.pos, (uint32_t)p->len, "%.*s", (int)p->tok.len, p->tok.text);
}

/* The token after the lookahead, without consuming anything. */
static enum promql_tok peek2(const struct parser *p)
{
	struct promql_lexer copy = p->lx;
	struct promql_token t;
	do
		promql_lex_next(&copy, &t);
	while (t.type == PROMQL_TOK_COMMENT);
	return t.type;
}

static char *tok_str(struct parser *p, const struct promql_token *t)
{
	return arena_strndup(p->a, t->text, t->len);
}

/* ---- nodes ---- */

static struct promql_node *node_new(struct parser *p, enum promql_node_kind kind, uint32_t start,
				    uint32_t end)
{
	struct promql_node *n = arena_alloc(p->a, sizeof *n);
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->pos.start = start;
	n->pos.end = end;
	return n;
}

/* Record that the node being built is d levels deep; refuse trees deeper
 * than PROMQL_MAX_DEPTH, so that every recursive walk over them (checks,
 * printer, evaluator) stays within bounds. */
static bool set_depth(struct parser *p, unsigned d, uint32_t pos)
{
	p->ldepth = d;
	if (d > PROMQL_MAX_DEPTH) {
		fail_at(p, pos, pos, "expression nested too deeply (more than %d levels)",
			PROMQL_MAX_DEPTH);
		return false;
	}
	return true;
}

enum promql_value_type promql_node_type(const struct promql_node *n)
{
	switch (n->kind) {
	case PROMQL_NODE_NUMBER: return PROMQL_TYPE_SCALAR;
	case PROMQL_NODE_STRING: return PROMQL_TYPE_STRING;
	case PROMQL_NODE_VECTOR_SELECTOR: return PROMQL_TYPE_VECTOR;
	case PROMQL_NODE_AGGREGATE: return PROMQL_TYPE_VECTOR;
	case PROMQL_NODE_MATRIX_SELECTOR: return PROMQL_TYPE_MATRIX;
	case PROMQL_NODE_SUBQUERY: return PROMQL_TYPE_MATRIX;
	case PROMQL_NODE_CALL: return n->u.call.func->return_type;
	case PROMQL_NODE_PAREN: return promql_node_type(n->u.paren);
	case PROMQL_NODE_UNARY: return promql_node_type(n->u.unary.expr);
	case PROMQL_NODE_BINARY:
		if (promql_node_type(n->u.bin.lhs) == PROMQL_TYPE_SCALAR &&
		    promql_node_type(n->u.bin.rhs) == PROMQL_TYPE_SCALAR)
			return PROMQL_TYPE_SCALAR;
		return PROMQL_TYPE_VECTOR;
	}
	return PROMQL_TYPE_NONE;
}

/* ---- literals ---- */

int promql_parse_number(const char *s, size_t len, double *out)
{
	char tmp[128];
	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	const char *d = tmp;
	bool neg = false;
	if (*d == '+' || *d == '-') {
		neg = *d == '-';
		d++;
	}
	/* Inf and NaN in any case (Go's ParseFloat also takes "infinity"). */
	if (strcasecmp(d, "inf") == 0 || strcasecmp(d, "infinity") == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (strcasecmp(d, "nan") == 0) {
		*out = NAN;
		return 0;
	}
	if (*d == 0 || (*d != '.' && (*d < '0' || *d > '9')))
		return -1;
	/* First as an integer with Go's base prefixes (0x hex, 0 octal), as
	 * Prometheus tries strconv.ParseInt(s, 0, 64) before ParseFloat. */
	char *end;
	bool hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
	if (hex || (d[0] == '0' && d[1] >= '0' && d[1] <= '7')) {
		bool octal_ok = true;
		for (const char *c = d + 1; *c && !hex; c++)
			if (*c < '0' || *c > '7')
				octal_ok = false;
		if (hex || octal_ok) {
			if (hex && (d[2] == 0 || strspn(d + 2, "0123456789abcdefABCDEF") != strlen(d + 2)))
				return -1; /* Go's ParseFloat wants a 'p' exponent for hex */
			errno = 0;
			unsigned long long v = strtoull(d, &end, hex ? 16 : 8);
			if (*end || errno == ERANGE || v > (unsigned long long)INT64_MAX + neg)
				return -1;
			*out = neg ? -(double)v : (double)v;
			return 0;
		}
	}
	for (const char *c = d; *c; c++)
		if (!strchr("0123456789.eE+-", *c))
			return -1;
	errno = 0;
	double v = strtod(d, &end);
	if (*end || end == d)
		return -1;
	if (isinf(v))
		return -1; /* out of range */
	*out = neg ? -v : v;
	return 0;
}

int promql_parse_duration(const char *s, size_t len, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {
		{ "y", 365LL * 24 * 3600 * 1000 }, { "w", 7LL * 24 * 3600 * 1000 },
		{ "d", 24LL * 3600 * 1000 },       { "h", 3600LL * 1000 },
		{ "m", 60LL * 1000 },              { "s", 1000 },
		{ "ms", 1 },
	};
	if (len == 1 && s[0] == '0') {
		*ms = 0;
		return 0;
	}
	if (len == 0)
		return -1;
	/* Prometheus keeps durations as Go time.Duration (ns), so the total
	 * must fit in int64 nanoseconds. */
	const int64_t max_ms = INT64_MAX / 1000000;
	int64_t total = 0;
	size_t i = 0, next_unit = 0;
	while (i < len) {
		size_t ds = i;
		int64_t n = 0;
		bool big = false;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (n > max_ms)
				big = true;
			else
				n = n * 10 + (s[i] - '0');
			i++;
		}
		if (i == ds || i == len)
			return -1;
		size_t u;
		size_t ulen = (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') ? 2 : 1;
		for (u = next_unit; u < sizeof units / sizeof units[0]; u++)
			if (strlen(units[u].unit) == ulen && strncmp(units[u].unit, s + i, ulen) == 0)
				break;
		if (u == sizeof units / sizeof units[0])
			return -1;
		i += ulen;
		next_unit = u + 1;
		if (big || n > max_ms / units[u].mult)
			return -1;
		total += n * units[u].mult;
		if (total > max_ms)
			return -1;
	}
	*ms = total;
	return 0;
}

/* The lookahead is a DURATION: convert it (positive) and advance. */
static bool take_duration(struct parser *p, int64_t *ms)
{
	if (promql_parse_duration(p->tok.text, p->tok.len, ms) != 0) {
		fail_at(p, p->tok.pos, tok_end(&p->tok), "invalid duration \"%.*s%s\"",
			p->tok.len > 40 ? 40 : (int)p->tok.len, p->tok.text,
			p->tok.len > 40 ? "..." : "");
		return false;
	}
	if (*ms == 0) {
		fail_at(p, p->tok.pos, tok_end(&p->tok), "a duration here must be greater than 0");
		return false;
	}
	advance(p);
	return !p->failed;
}

/* The lookahead is a NUMBER: convert it and advance. */
static bool take_number(struct parser *p, double *v)
{
	if (promql_parse_number(p->tok.text, p->tok.len, v) != 0) {
		fail_at(p, p->tok.pos, tok_end(&p->tok), "invalid number \"%.*s%s\"",
			p->tok.len > 40 ? 40 : (int)p->tok.len, p->tok.text,
			p->tok.len > 40 ? "..." : "");
		return false;
	}
	advance(p);
	return !p->failed;
}

/* The lookahead is a STRING: decode it into the arena and advance. */
static bool take_string(struct parser *p, const char **s, size_t *len)
{
	struct buf b = BUF_INIT;
	char msg[96];
	int rc = promql_lex_unquote(p->tok.text, p->tok.len, &b, msg, sizeof msg);
	if (rc != 0) {
		fail_at(p, p->tok.pos, tok_end(&p->tok), "invalid string: %s", msg);
		buf_free(&b);
		return false;
	}
	*len = b.len;
	*s = arena_strndup(p->a, b.p ? b.p : "", b.len);
	buf_free(&b);
	advance(p);
	return !p->failed;
}

/* ---- grammar ---- */

static struct promql_node *parse_expr(struct parser *p, int min_prec);

/* Binary operator precedence, 0 if the token is not a binary operator. */
static int binop_prec(enum promql_tok t, enum promql_op *op)
{
	switch (t) {
	case PROMQL_TOK_LOR: *op = PROMQL_OP_OR; return 1;
	case PROMQL_TOK_LAND: *op = PROMQL_OP_AND; return 2;
	case PROMQL_TOK_LUNLESS: *op = PROMQL_OP_UNLESS; return 2;
	case PROMQL_TOK_EQLC: *op = PROMQL_OP_EQL; return 3;
	case PROMQL_TOK_NEQ: *op = PROMQL_OP_NEQ; return 3;
	case PROMQL_TOK_LTE: *op = PROMQL_OP_LTE; return 3;
	case PROMQL_TOK_LSS: *op = PROMQL_OP_LSS; return 3;
	case PROMQL_TOK_GTE: *op = PROMQL_OP_GTE; return 3;
	case PROMQL_TOK_GTR: *op = PROMQL_OP_GTR; return 3;
	case PROMQL_TOK_ADD: *op = PROMQL_OP_ADD; return 4;
	case PROMQL_TOK_SUB: *op = PROMQL_OP_SUB; return 4;
	case PROMQL_TOK_MUL: *op = PROMQL_OP_MUL; return 5;
	case PROMQL_TOK_DIV: *op = PROMQL_OP_DIV; return 5;
	case PROMQL_TOK_MOD: *op = PROMQL_OP_MOD; return 5;
	case PROMQL_TOK_ATAN2: *op = PROMQL_OP_ATAN2; return 5;
	case PROMQL_TOK_POW: *op = PROMQL_OP_POW; return 6;
	default: return 0;
	}
}

#define PREC_POW 6

/* Tokens that may serve as a label name in by(...), on(...), group_x(...):
 * identifiers and every keyword-like word. */
static bool tok_is_label_word(enum promql_tok t)
{
	return t == PROMQL_TOK_IDENTIFIER || t == PROMQL_TOK_METRIC_IDENTIFIER ||
	       promql_tok_is_keyword(t) || promql_tok_is_aggregator(t) || t == PROMQL_TOK_LAND ||
	       t == PROMQL_TOK_LOR || t == PROMQL_TOK_LUNLESS || t == PROMQL_TOK_ATAN2 ||
	       t == PROMQL_TOK_START || t == PROMQL_TOK_END;
}

/* Words that name a metric when they stand where an operand is expected. */
static bool tok_is_metric_word(enum promql_tok t)
{
	switch (t) {
	case PROMQL_TOK_IDENTIFIER:
	case PROMQL_TOK_METRIC_IDENTIFIER:
	case PROMQL_TOK_BY:
	case PROMQL_TOK_WITHOUT:
	case PROMQL_TOK_OFFSET:
	case PROMQL_TOK_LAND:
	case PROMQL_TOK_LOR:
	case PROMQL_TOK_LUNLESS:
	case PROMQL_TOK_START:
	case PROMQL_TOK_END:
		return true;
	default:
		return promql_tok_is_aggregator(t);
	}
}

/* '(' label, ... ')' with an optional trailing comma; the lookahead is the
 * '(' (or the error). */
static bool parse_grouping_labels(struct parser *p, const char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (p->tok.type != PROMQL_TOK_LEFT_PAREN) {
		unexpected(p, "grouping labels", "\"(\"");
		return false;
	}
	advance(p);
	size_t cap = 0;
	while (!p->failed && p->tok.type != PROMQL_TOK_RIGHT_PAREN) {
		if (!tok_is_label_word(p->tok.type) ||
		    p->tok.type == PROMQL_TOK_METRIC_IDENTIFIER) {
			unexpected(p, "grouping labels", "a label name");
			return false;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			const char **v = arena_alloc(p->a, cap * sizeof *v);
			if (*n)
				memcpy(v, *out, *n * sizeof *v);
			*out = v;
		}
		if (*n >= LABELS_MAX) {
			fail_at(p, p->tok.pos, tok_end(&p->tok), "too many labels in a grouping");
			return false;
		}
		(*out)[(*n)++] = tok_str(p, &p->tok);
		advance(p);
		if (p->tok.type == PROMQL_TOK_COMMA) {
			advance(p);
		} else if (p->tok.type != PROMQL_TOK_RIGHT_PAREN) {
			unexpected(p, "grouping labels", "\",\" or \")\"");
			return false;
		}
	}
	if (p->failed)
		return false;
	advance(p); /* ')' */
	return !p->failed;
}

/* '{' matchers '}' appended to vs; the lookahead is the '{'. Returns the
 * end offset (after '}'), or 0 on failure. */
static uint32_t parse_label_matchers(struct parser *p, struct promql_vector_selector *vs)
{
	advance(p); /* '{' */
	size_t cap = 0;
	while (!p->failed && p->tok.type != PROMQL_TOK_RIGHT_BRACE) {
		if (p->tok.type != PROMQL_TOK_IDENTIFIER) {
			unexpected(p, "label matching", "a label name or \"}\"");
			return 0;
		}
		struct promql_token name = p->tok;
		advance(p);
		if (p->failed)
			return 0;
		enum labels_match_type mt;
		switch (p->tok.type) {
		case PROMQL_TOK_EQL: mt = LABELS_MATCH_EQ; break;
		case PROMQL_TOK_NEQ: mt = LABELS_MATCH_NEQ; break;
		case PROMQL_TOK_EQL_REGEX: mt = LABELS_MATCH_RE; break;
		case PROMQL_TOK_NEQ_REGEX: mt = LABELS_MATCH_NRE; break;
		default:
			unexpected(p, "label matching", "one of = != =~ !~");
			return 0;
		}
		advance(p);
		if (p->failed)
			return 0;
		if (p->tok.type != PROMQL_TOK_STRING) {
			unexpected(p, "label matching", "a quoted string");
			return 0;
		}
		struct promql_token value_tok = p->tok;
		const char *value;
		size_t vlen;
		/* Decode without advancing first: a bad regex must be
		 * reported before anything that follows. */
		struct buf b = BUF_INIT;
		char msg[96];
		if (promql_lex_unquote(value_tok.text, value_tok.len, &b, msg, sizeof msg) != 0) {
			fail_at(p, value_tok.pos, tok_end(&value_tok), "invalid string: %s", msg);
			buf_free(&b);
			return 0;
		}
		value = arena_strndup(p->a, b.p ? b.p : "", b.len);
		vlen = b.len;
		(void)vlen;
		buf_free(&b);
		if (vs->nmatchers == cap) {
			if (cap >= LABELS_MAX) {
				fail_at(p, name.pos, tok_end(&name), "too many label matchers");
				return 0;
			}
			cap = cap ? cap * 2 : 4;
			struct labels_matcher *v = arena_alloc(p->a, (cap + 1) * sizeof *v);
			if (vs->nmatchers)
				memcpy(v, vs->matchers, vs->nmatchers * sizeof *v);
			vs->matchers = v;
		}
		const char *errmsg = NULL;
		char *lname = tok_str(p, &name);
		if (labels_matcher_init(&vs->matchers[vs->nmatchers], p->a, mt, lname, value,
					&errmsg) != 0) {
			fail_at(p, name.pos, tok_end(&value_tok), "%s", errmsg ? errmsg : "bad matcher");
			return 0;
		}
		vs->nmatchers++;
		advance(p);
		if (p->failed)
			return 0;
		if (p->tok.type == PROMQL_TOK_COMMA) {
			advance(p);
		} else if (p->tok.type != PROMQL_TOK_RIGHT_BRACE) {
			unexpected(p, "label matching", "\",\" or \"}\"");
			return 0;
		}
	}
	if (p->failed)
		return 0;
	uint32_t end = tok_end(&p->tok);
	advance(p); /* '}' */
	return p->failed ? 0 : end;
}

/* A vector selector: the lookahead is a metric word or '{'. */
static struct promql_node *parse_vector_selector(struct parser *p)
{
	struct promql_node *n = node_new(p, PROMQL_NODE_VECTOR_SELECTOR, p->tok.pos, tok_end(&p->tok));
	struct promql_vector_selector *vs = &n->u.vs;
	if (p->tok.type != PROMQL_TOK_LEFT_BRACE) {
		vs->name = tok_str(p, &p->tok);
		advance(p);
		if (p->failed)
			return NULL;
	}
	if (p->tok.type == PROMQL_TOK_LEFT_BRACE) {
		uint32_t end = parse_label_matchers(p, vs);
		if (!end)
			return NULL;
		n->pos.end = end;
	}
	if (vs->name) {
		/* The name is a matcher too, appended last (as Prometheus). */
		if (!vs->matchers)
			vs->matchers = arena_alloc(p->a, sizeof *vs->matchers);
		labels_matcher_init(&vs->matchers[vs->nmatchers++], p->a, LABELS_MATCH_EQ,
				    LABELS_METRIC_NAME, vs->name, NULL);
	}
	set_depth(p, 1, n->pos.start);
	return n;
}

/* '(' [expr {',' expr}] ')' for calls and aggregations. */
static bool parse_call_args(struct parser *p, struct promql_node ***args, size_t *nargs,
			    unsigned *depth)
{
	*args = NULL;
	*nargs = 0;
	*depth = 0;
	advance(p); /* '(' */
	if (p->failed)
		return false;
	size_t cap = 0;
	while (p->tok.type != PROMQL_TOK_RIGHT_PAREN) {
		struct promql_node *e = parse_expr(p, 0);
		if (!e)
			return false;
		if (p->ldepth > *depth)
			*depth = p->ldepth;
		if (*nargs == cap) {
			cap = cap ? cap * 2 : 4;
			struct promql_node **v = arena_alloc(p->a, cap * sizeof *v);
			if (*nargs)
				memcpy(v, *args, *nargs * sizeof *v);
			*args = v;
		}
		if (*nargs >= 1000) {
			fail_node(p, e, "too many arguments");
			return false;
		}
		(*args)[(*nargs)++] = e;
		if (p->tok.type == PROMQL_TOK_COMMA) {
			struct promql_token comma = p->tok;
			advance(p);
			if (p->failed)
				return false;
			if (p->tok.type == PROMQL_TOK_RIGHT_PAREN) {
				fail_at(p, comma.pos, tok_end(&comma),
					"a trailing comma is not allowed after the last argument");
				return false;
			}
		} else if (p->tok.type != PROMQL_TOK_RIGHT_PAREN) {
			unexpected(p, "argument list", "\",\" or \")\"");
			return false;
		}
	}
	advance(p); /* ')' */
	return !p->failed;
}

static struct promql_node *parse_call(struct parser *p)
{
	struct promql_token name = p->tok;
	advance(p);
	if (p->failed)
		return NULL;
	struct promql_node *n = node_new(p, PROMQL_NODE_CALL, name.pos, 0);
	unsigned d;
	if (!parse_call_args(p, &n->u.call.args, &n->u.call.nargs, &d))
		return NULL;
	n->pos.end = p->prev_end;
	/* Checked after the arguments, as Prometheus does. */
	const struct promql_function *f = promql_function_lookup(name.text, name.len);
	if (!f) {
		fail_at(p, name.pos, tok_end(&name), "there is no function called \"%.*s\"",
			(int)name.len, name.text);
		return NULL;
	}
	n->u.call.func = f;
	return set_depth(p, d + 1, n->pos.start) ? n : NULL;
}

static bool agg_of(enum promql_tok t, enum promql_agg_op *op)
{
	switch (t) {
	case PROMQL_TOK_SUM: *op = PROMQL_AGG_SUM; return true;
	case PROMQL_TOK_AVG: *op = PROMQL_AGG_AVG; return true;
	case PROMQL_TOK_COUNT: *op = PROMQL_AGG_COUNT; return true;
	case PROMQL_TOK_MIN: *op = PROMQL_AGG_MIN; return true;
	case PROMQL_TOK_MAX: *op = PROMQL_AGG_MAX; return true;
	case PROMQL_TOK_GROUP: *op = PROMQL_AGG_GROUP; return true;
	case PROMQL_TOK_STDDEV: *op = PROMQL_AGG_STDDEV; return true;
	case PROMQL_TOK_STDVAR: *op = PROMQL_AGG_STDVAR; return true;
	case PROMQL_TOK_TOPK: *op = PROMQL_AGG_TOPK; return true;
	case PROMQL_TOK_BOTTOMK: *op = PROMQL_AGG_BOTTOMK; return true;
	case PROMQL_TOK_COUNT_VALUES: *op = PROMQL_AGG_COUNT_VALUES; return true;
	case PROMQL_TOK_QUANTILE: *op = PROMQL_AGG_QUANTILE; return true;
	default: return false;
	}
}

static bool agg_has_param(enum promql_agg_op op)
{
	return op == PROMQL_AGG_TOPK || op == PROMQL_AGG_BOTTOMK ||
	       op == PROMQL_AGG_COUNT_VALUES || op == PROMQL_AGG_QUANTILE;
}

static bool parse_agg_modifier(struct parser *p, struct promql_aggregate *agg)
{
	agg->without = p->tok.type == PROMQL_TOK_WITHOUT;
	agg->has_grouping = true;
	advance(p);
	if (p->failed)
		return false;
	return parse_grouping_labels(p, &agg->grouping, &agg->ngrouping);
}

/* An aggregation: the lookahead is the operator, followed by '(' or by or
 * without. Both `sum by (x) (e)` and `sum (e) by (x)` are accepted. */
static struct promql_node *parse_aggregate(struct parser *p, enum promql_agg_op op)
{
	struct promql_node *n = node_new(p, PROMQL_NODE_AGGREGATE, p->tok.pos, 0);
	struct promql_aggregate *agg = &n->u.agg;
	agg->op = op;
	advance(p);
	if (p->failed)
		return NULL;
	bool modifier_first = false;
	if (p->tok.type == PROMQL_TOK_BY || p->tok.type == PROMQL_TOK_WITHOUT) {
		if (!parse_agg_modifier(p, agg))
			return NULL;
		modifier_first = true;
	}
	if (p->tok.type != PROMQL_TOK_LEFT_PAREN) {
		unexpected(p, "aggregation", "\"(\"");
		return NULL;
	}
	struct promql_node **args;
	size_t nargs;
	unsigned d;
	if (!parse_call_args(p, &args, &nargs, &d))
		return NULL;
	if (!modifier_first &&
	    (p->tok.type == PROMQL_TOK_BY || p->tok.type == PROMQL_TOK_WITHOUT)) {
		if (!parse_agg_modifier(p, agg))
			return NULL;
	}
	n->pos.end = p->prev_end;
	if (nargs == 0) {
		fail_node(p, n, "aggregation %s needs an argument", promql_agg_str(op));
		return NULL;
	}
	size_t want = agg_has_param(op) ? 2 : 1;
	if (nargs != want) {
		fail_node(p, n, "aggregation %s takes %zu argument%s, not %zu", promql_agg_str(op),
			  want, want == 1 ? "" : "s", nargs);
		return NULL;
	}
	if (want == 2)
		agg->param = args[0];
	agg->expr = args[want - 1];
	return set_depth(p, d + 1, n->pos.start) ? n : NULL;
}

/* The vector selector that offset/@ apply to, with the field to extend. */
static bool modifier_target(struct parser *p, struct promql_node *e, int64_t **orig_offset,
			    int64_t **offset, struct promql_at **at, const char *what)
{
	switch (e->kind) {
	case PROMQL_NODE_VECTOR_SELECTOR:
		*orig_offset = &e->u.vs.original_offset;
		*offset = &e->u.vs.offset;
		*at = &e->u.vs.at;
		return true;
	case PROMQL_NODE_MATRIX_SELECTOR: {
		struct promql_vector_selector *vs = &e->u.ms.vs->u.vs;
		*orig_offset = &vs->original_offset;
		*offset = &vs->offset;
		*at = &vs->at;
		return true;
	}
	case PROMQL_NODE_SUBQUERY:
		*orig_offset = &e->u.sq.original_offset;
		*offset = &e->u.sq.offset;
		*at = &e->u.sq.at;
		return true;
	default:
		fail_node(p, e,
			  "%s applies only to an instant vector selector, a range vector "
			  "selector or a subquery",
			  what);
		return false;
	}
}

static bool parse_offset(struct parser *p, struct promql_node *e)
{
	advance(p); /* offset */
	if (p->failed)
		return false;
	bool neg = false;
	if (p->tok.type == PROMQL_TOK_SUB) {
		neg = true;
		advance(p);
		if (p->failed)
			return false;
	}
	if (p->tok.type != PROMQL_TOK_DURATION) {
		unexpected(p, "offset", "a duration");
		return false;
	}
	int64_t d;
	if (!take_duration(p, &d))
		return false;
	int64_t *orig, *off;
	struct promql_at *at;
	if (!modifier_target(p, e, &orig, &off, &at, "an offset modifier"))
		return false;
	if (*orig != 0) {
		fail_node(p, e, "only one offset modifier is allowed");
		return false;
	}
	*orig = *off = neg ? -d : d;
	e->pos.end = p->prev_end;
	return true;
}

static bool parse_at(struct parser *p, struct promql_node *e)
{
	advance(p); /* @ */
	if (p->failed)
		return false;
	struct promql_at v = { PROMQL_AT_NONE, 0 };
	if (p->tok.type == PROMQL_TOK_START || p->tok.type == PROMQL_TOK_END) {
		v.kind = p->tok.type == PROMQL_TOK_START ? PROMQL_AT_START : PROMQL_AT_END;
		advance(p);
		if (p->failed)
			return false;
		if (p->tok.type != PROMQL_TOK_LEFT_PAREN) {
			unexpected(p, "@", "\"(\"");
			return false;
		}
		advance(p);
		if (p->failed)
			return false;
		if (p->tok.type != PROMQL_TOK_RIGHT_PAREN) {
			unexpected(p, "@", "\")\"");
			return false;
		}
		advance(p);
		if (p->failed)
			return false;
	} else {
		bool neg = false;
		if ((p->tok.type == PROMQL_TOK_ADD || p->tok.type == PROMQL_TOK_SUB) &&
		    peek2(p) == PROMQL_TOK_NUMBER) {
			neg = p->tok.type == PROMQL_TOK_SUB;
			advance(p);
			if (p->failed)
				return false;
		}
		if (p->tok.type != PROMQL_TOK_NUMBER) {
			unexpected(p, "@", "a timestamp");
			return false;
		}
		double ts;
		if (!take_number(p, &ts))
			return false;
		if (neg)
			ts = -ts;
		/* Prometheus keeps @ as int64 milliseconds. */
		if (!isfinite(ts) || fabs(ts) * 1000.0 >= 9.2e18) {
			struct buf b = BUF_INIT;
			promql_format_float(ts, &b);
			fail_node(p, e, "the @ timestamp %s is out of range", b.p);
			buf_free(&b);
			return false;
		}
		v.kind = PROMQL_AT_TIMESTAMP;
		v.ms = (int64_t)llround(ts * 1000.0);
	}
	int64_t *orig, *off;
	struct promql_at *at;
	if (!modifier_target(p, e, &orig, &off, &at, "an @ modifier"))
		return false;
	if (at->kind != PROMQL_AT_NONE) {
		fail_node(p, e, "only one @ modifier is allowed");
		return false;
	}
	*at = v;
	e->pos.end = p->prev_end;
	return true;
}

/* '[' range ']' or '[' range ':' [step] ']' after e. */
static struct promql_node *parse_range(struct parser *p, struct promql_node *e, unsigned edepth)
{
	struct promql_token lbr = p->tok;
	advance(p);
	if (p->failed)
		return NULL;
	if (p->tok.type != PROMQL_TOK_DURATION) {
		unexpected(p, "range or subquery", "a duration");
		return NULL;
	}
	int64_t range;
	if (!take_duration(p, &range))
		return NULL;
	if (p->tok.type == PROMQL_TOK_RIGHT_BRACKET) {
		uint32_t rbr_end = tok_end(&p->tok);
		const char *bad = NULL;
		if (e->kind != PROMQL_NODE_VECTOR_SELECTOR)
			bad = "a range applies only to a vector selector";
		else if (e->u.vs.original_offset != 0)
			bad = "an offset modifier must come after the range, not before";
		else if (e->u.vs.at.kind != PROMQL_AT_NONE)
			bad = "an @ modifier must come after the range, not before";
		if (bad) {
			fail_at(p, lbr.pos, rbr_end, "%s", bad);
			return NULL;
		}
		advance(p);
		if (p->failed)
			return NULL;
		struct promql_node *n = node_new(p, PROMQL_NODE_MATRIX_SELECTOR, e->pos.start, rbr_end);
		n->u.ms.vs = e;
		n->u.ms.range = range;
		return set_depth(p, edepth + 1, n->pos.start) ? n : NULL;
	}
	if (p->tok.type != PROMQL_TOK_COLON) {
		unexpected(p, "range or subquery", "\":\" or \"]\"");
		return NULL;
	}
	advance(p);
	if (p->failed)
		return NULL;
	int64_t step = 0;
	if (p->tok.type == PROMQL_TOK_DURATION) {
		if (!take_duration(p, &step))
			return NULL;
		if (p->tok.type != PROMQL_TOK_RIGHT_BRACKET) {
			unexpected(p, "subquery", "\"]\"");
			return NULL;
		}
	} else if (p->tok.type != PROMQL_TOK_RIGHT_BRACKET) {
		unexpected(p, "subquery", "a duration or \"]\"");
		return NULL;
	}
	uint32_t end = tok_end(&p->tok);
	advance(p);
	if (p->failed)
		return NULL;
	struct promql_node *n = node_new(p, PROMQL_NODE_SUBQUERY, e->pos.start, end);
	n->u.sq.expr = e;
	n->u.sq.range = range;
	n->u.sq.step = step;
	return set_depth(p, edepth + 1, n->pos.start) ? n : NULL;
}

/* An operand without unary operators: literal, selector, call,
 * aggregation or parenthesised expression, then its postfix modifiers. */
static struct promql_node *parse_primary(struct parser *p)
{
	struct promql_node *n = NULL;
	enum promql_agg_op agg;
	enum promql_tok t = p->tok.type;
	if (t == PROMQL_TOK_NUMBER) {
		n = node_new(p, PROMQL_NODE_NUMBER, p->tok.pos, tok_end(&p->tok));
		if (!take_number(p, &n->u.number))
			return NULL;
		set_depth(p, 1, n->pos.start);
	} else if (t == PROMQL_TOK_STRING) {
		n = node_new(p, PROMQL_NODE_STRING, p->tok.pos, tok_end(&p->tok));
		if (!take_string(p, &n->u.string.value, &n->u.string.len))
			return NULL;
		set_depth(p, 1, n->pos.start);
	} else if (t == PROMQL_TOK_LEFT_PAREN) {
		uint32_t start = p->tok.pos;
		advance(p);
		if (p->failed)
			return NULL;
		struct promql_node *inner = parse_expr(p, 0);
		if (!inner)
			return NULL;
		if (p->tok.type != PROMQL_TOK_RIGHT_PAREN) {
			unexpected(p, "parentheses", "\")\"");
			return NULL;
		}
		advance(p);
		if (p->failed)
			return NULL;
		n = node_new(p, PROMQL_NODE_PAREN, start, p->prev_end);
		n->u.paren = inner;
		if (!set_depth(p, p->ldepth + 1, start))
			return NULL;
	} else if (t == PROMQL_TOK_LEFT_BRACE) {
		n = parse_vector_selector(p);
	} else if (agg_of(t, &agg) &&
		   (peek2(p) == PROMQL_TOK_LEFT_PAREN || peek2(p) == PROMQL_TOK_BY ||
		    peek2(p) == PROMQL_TOK_WITHOUT)) {
		n = parse_aggregate(p, agg);
	} else if (t == PROMQL_TOK_IDENTIFIER && peek2(p) == PROMQL_TOK_LEFT_PAREN) {
		n = parse_call(p);
	} else if (tok_is_metric_word(t)) {
		n = parse_vector_selector(p);
	} else {
		unexpected(p, NULL, NULL);
		return NULL;
	}
	if (!n)
		return NULL;
	for (;;) {
		unsigned d = p->ldepth;
		if (p->tok.type == PROMQL_TOK_LEFT_BRACKET) {
			n = parse_range(p, n, d);
			if (!n)
				return NULL;
		} else if (p->tok.type == PROMQL_TOK_OFFSET) {
			if (!parse_offset(p, n))
				return NULL;
			p->ldepth = d;
		} else if (p->tok.type == PROMQL_TOK_AT) {
			if (!parse_at(p, n))
				return NULL;
			p->ldepth = d;
		} else {
			return n;
		}
	}
}

/* Unary + and -: bind looser than ^ and tighter than * (Prometheus gives
 * them the precedence of *). A sign on a plain number literal folds into
 * the number. */
static struct promql_node *parse_operand(struct parser *p)
{
	if (p->tok.type != PROMQL_TOK_ADD && p->tok.type != PROMQL_TOK_SUB)
		return parse_primary(p);
	struct promql_token op = p->tok;
	advance(p);
	if (p->failed)
		return NULL;
	struct promql_node *e = parse_expr(p, PREC_POW);
	if (!e)
		return NULL;
	if (e->kind == PROMQL_NODE_NUMBER) {
		if (op.type == PROMQL_TOK_SUB)
			e->u.number = -e->u.number;
		e->pos.start = op.pos;
		return e;
	}
	struct promql_node *n = node_new(p, PROMQL_NODE_UNARY, op.pos, e->pos.end);
	n->u.unary.op = op.type == PROMQL_TOK_SUB ? PROMQL_OP_SUB : PROMQL_OP_ADD;
	n->u.unary.expr = e;
	return set_depth(p, p->ldepth + 1, op.pos) ? n : NULL;
}

/* bool, on/ignoring(...), group_left/group_right[(...)] after an operator. */
static bool parse_bin_modifiers(struct parser *p, struct promql_binary *b)
{
	if (p->tok.type == PROMQL_TOK_BOOL) {
		b->return_bool = true;
		advance(p);
		if (p->failed)
			return false;
	}
	if (p->tok.type != PROMQL_TOK_ON && p->tok.type != PROMQL_TOK_IGNORING)
		return true;
	b->matching.on = p->tok.type == PROMQL_TOK_ON;
	advance(p);
	if (p->failed)
		return false;
	if (!parse_grouping_labels(p, &b->matching.labels, &b->matching.nlabels))
		return false;
	if (p->tok.type != PROMQL_TOK_GROUP_LEFT && p->tok.type != PROMQL_TOK_GROUP_RIGHT)
		return true;
	b->matching.card = p->tok.type == PROMQL_TOK_GROUP_LEFT ? PROMQL_CARD_MANY_TO_ONE
								: PROMQL_CARD_ONE_TO_MANY;
	advance(p);
	if (p->failed)
		return false;
	if (p->tok.type == PROMQL_TOK_LEFT_PAREN)
		return parse_grouping_labels(p, &b->matching.include, &b->matching.ninclude);
	return true;
}

static struct promql_node *parse_expr(struct parser *p, int min_prec)
{
	if (++p->depth > PROMQL_MAX_DEPTH) {
		fail_at(p, p->tok.pos, tok_end(&p->tok),
			"expression nested too deeply (more than %d levels)", PROMQL_MAX_DEPTH);
		return NULL;
	}
	struct promql_node *lhs = parse_operand(p);
	unsigned ldepth = p->ldepth;
	while (lhs) {
		enum promql_op op;
		int prec = binop_prec(p->tok.type, &op);
		if (prec == 0 || prec < min_prec)
			break;
		advance(p);
		if (p->failed) {
			lhs = NULL;
			break;
		}
		struct promql_node *n = node_new(p, PROMQL_NODE_BINARY, lhs->pos.start, 0);
		struct promql_binary *b = &n->u.bin;
		b->op = op;
		b->matching.card = PROMQL_CARD_ONE_TO_ONE;
		if (!parse_bin_modifiers(p, b)) {
			lhs = NULL;
			break;
		}
		/* ^ is right-associative, the rest left-associative. */
		struct promql_node *rhs = parse_expr(p, op == PROMQL_OP_POW ? prec : prec + 1);
		if (!rhs) {
			lhs = NULL;
			break;
		}
		b->lhs = lhs;
		b->rhs = rhs;
		n->pos.end = rhs->pos.end;
		ldepth = (ldepth > p->ldepth ? ldepth : p->ldepth) + 1;
		lhs = n;
		if (!set_depth(p, ldepth, n->pos.start))
			lhs = NULL;
	}
	p->depth--;
	if (lhs)
		p->ldepth = ldepth;
	return lhs;
}

/* ---- type checks (after a successful parse) ---- */

static bool is_space_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where the operator of a binary node starts: the first non-space byte
 * after the left operand (Prometheus reports operator errors there). */
static uint32_t op_start(const struct parser *p, const struct promql_node *n)
{
	uint32_t s = n->u.bin.lhs->pos.end;
	while (s < n->u.bin.rhs->pos.start && s < p->len && is_space_byte(p->q[s]))
		s++;
	return s;
}

static enum promql_value_type check(struct parser *p, struct promql_node *n);

/* The type with its article, for messages. */
static const char *type_a(enum promql_value_type t)
{
	switch (t) {
	case PROMQL_TYPE_SCALAR: return "a scalar";
	case PROMQL_TYPE_VECTOR: return "an instant vector";
	case PROMQL_TYPE_MATRIX: return "a range vector";
	case PROMQL_TYPE_STRING: return "a string";
	case PROMQL_TYPE_NONE: break;
	}
	return "nothing";
}

static void expect_type(struct parser *p, struct promql_node *n, enum promql_value_type want,
			const char *context)
{
	enum promql_value_type t = check(p, n);
	if (p->failed)
		return;
	if (t != want)
		fail_node(p, n, "%s needs %s here, not %s", context, type_a(want), type_a(t));
}

static void check_binary(struct parser *p, struct promql_node *n)
{
	struct promql_binary *b = &n->u.bin;
	enum promql_value_type lt = check(p, b->lhs);
	if (p->failed)
		return;
	enum promql_value_type rt = check(p, b->rhs);
	if (p->failed)
		return;
	bool cmp = promql_op_is_comparison(b->op), set = promql_op_is_set(b->op);
	uint32_t os = op_start(p, n);
	if (b->return_bool && !cmp) {
		fail_at(p, os, os, "the bool modifier applies only to comparison operators");
		return;
	}
	if (cmp && !b->return_bool && lt == PROMQL_TYPE_SCALAR && rt == PROMQL_TYPE_SCALAR) {
		fail_at(p, os, os, "a comparison between two scalars needs the bool modifier");
		return;
	}
	if (set && b->matching.card == PROMQL_CARD_ONE_TO_ONE)
		b->matching.card = PROMQL_CARD_MANY_TO_MANY;
	if (b->matching.on) {
		for (size_t i = 0; i < b->matching.nlabels; i++)
			for (size_t j = 0; j < b->matching.ninclude; j++)
				if (strcmp(b->matching.labels[i], b->matching.include[j]) == 0) {
					fail_at(p, os, os,
						"label \"%s\" is listed both in on(...) and in "
						"the group modifier",
						b->matching.labels[i]);
					return;
				}
	}
	if (lt != PROMQL_TYPE_SCALAR && lt != PROMQL_TYPE_VECTOR) {
		fail_node(p, b->lhs, "operands of binary operators must be scalars or instant vectors");
		return;
	}
	if (rt != PROMQL_TYPE_SCALAR && rt != PROMQL_TYPE_VECTOR) {
		fail_node(p, b->rhs, "operands of binary operators must be scalars or instant vectors");
		return;
	}
	if (lt != PROMQL_TYPE_VECTOR || rt != PROMQL_TYPE_VECTOR) {
		if (b->matching.nlabels > 0) {
			fail_node(p, n, "on(...) and ignoring(...) need instant vectors on both sides");
			return;
		}
		b->has_matching = false;
	} else {
		b->has_matching = true;
		if (set && (b->matching.card == PROMQL_CARD_ONE_TO_MANY ||
			    b->matching.card == PROMQL_CARD_MANY_TO_ONE)) {
			fail_node(p, n, "group_left/group_right cannot be used with \"%s\"",
				  promql_op_str(b->op));
			return;
		}
	}
	if ((lt == PROMQL_TYPE_SCALAR || rt == PROMQL_TYPE_SCALAR) && set) {
		fail_node(p, n, "\"%s\" needs instant vectors on both sides, not scalars",
			  promql_op_str(b->op));
		return;
	}
}

static void check_call(struct parser *p, struct promql_node *n)
{
	const struct promql_function *f = n->u.call.func;
	size_t nargs = n->u.call.nargs;
	size_t declared = (size_t)f->nargs;
	if (f->variadic == 0) {
		if (nargs != declared) {
			fail_node(p, n, "function \"%s\" takes %zu argument%s, not %zu", f->name,
				  declared, declared == 1 ? "" : "s", nargs);
			return;
		}
	} else {
		size_t min = declared - 1;
		if (nargs < min) {
			fail_node(p, n, "function \"%s\" takes at least %zu argument%s, not %zu",
				  f->name, min, min == 1 ? "" : "s", nargs);
			return;
		}
		if (f->variadic > 0 && nargs > min + (size_t)f->variadic) {
			size_t max = min + (size_t)f->variadic;
			fail_node(p, n, "function \"%s\" takes at most %zu argument%s, not %zu",
				  f->name, max, max == 1 ? "" : "s", nargs);
			return;
		}
	}
	char ctx[64];
	snprintf(ctx, sizeof ctx, "function \"%s\"", f->name);
	for (size_t i = 0; i < nargs && !p->failed; i++)
		expect_type(p, n->u.call.args[i], promql_function_arg_type(f, i), ctx);
}

static enum promql_value_type check(struct parser *p, struct promql_node *n)
{
	enum promql_value_type t = promql_node_type(n);
	switch (n->kind) {
	case PROMQL_NODE_AGGREGATE: {
		struct promql_aggregate *agg = &n->u.agg;
		expect_type(p, agg->expr, PROMQL_TYPE_VECTOR, "an aggregation");
		if (p->failed)
			break;
		if (agg->op == PROMQL_AGG_TOPK || agg->op == PROMQL_AGG_BOTTOMK ||
		    agg->op == PROMQL_AGG_QUANTILE)
			expect_type(p, agg->param, PROMQL_TYPE_SCALAR, "the aggregation parameter");
		else if (agg->op == PROMQL_AGG_COUNT_VALUES)
			expect_type(p, agg->param, PROMQL_TYPE_STRING, "the aggregation parameter");
		break;
	}
	case PROMQL_NODE_BINARY:
		check_binary(p, n);
		break;
	case PROMQL_NODE_CALL:
		check_call(p, n);
		break;
	case PROMQL_NODE_PAREN:
		check(p, n->u.paren);
		break;
	case PROMQL_NODE_UNARY: {
		enum promql_value_type et = check(p, n->u.unary.expr);
		if (p->failed)
			break;
		if (et != PROMQL_TYPE_SCALAR && et != PROMQL_TYPE_VECTOR)
			fail_node(p, n, "unary %s applies only to scalars and instant vectors, not %s",
				  promql_op_str(n->u.unary.op), type_a(et));
		break;
	}
	case PROMQL_NODE_SUBQUERY: {
		enum promql_value_type et = check(p, n->u.sq.expr);
		if (p->failed)
			break;
		if (et != PROMQL_TYPE_VECTOR)
			fail_node(p, n, "a subquery needs an instant vector expression, not %s",
				  type_a(et));
		break;
	}
	case PROMQL_NODE_MATRIX_SELECTOR:
		check(p, n->u.ms.vs);
		break;
	case PROMQL_NODE_VECTOR_SELECTOR: {
		struct promql_vector_selector *vs = &n->u.vs;
		if (vs->name) {
			/* The name's own matcher is the last one. */
			for (size_t i = 0; i + 1 < vs->nmatchers; i++)
				if (strcmp(vs->matchers[i].name, LABELS_METRIC_NAME) == 0) {
					fail_node(p, n,
						  "the metric name is given twice: \"%s\" and \"%s\"",
						  vs->name, vs->matchers[i].value);
					return t;
				}
			break;
		}
		bool any = false;
		for (size_t i = 0; i < vs->nmatchers && !any; i++)
			any = !labels_matcher_matches_empty(&vs->matchers[i]);
		if (!any)
			fail_node(p, n,
				  "a vector selector needs at least one matcher that does not match "
				  "the empty string");
		break;
	}
	case PROMQL_NODE_NUMBER:
	case PROMQL_NODE_STRING:
		break;
	}
	return t;
}

/* ---- entry points ---- */

static void parser_init(struct parser *p, const char *query, size_t len, struct arena *arena,
			struct promql_error *err)
{
	memset(p, 0, sizeof *p);
	p->q = query;
	p->len = len;
	p->a = arena;
	p->err = err;
	if (err)
		memset(err, 0, sizeof *err);
	promql_lex_init(&p->lx, query, len);
}

/* Refuse what the lexer cannot represent before lexing at all. */
static bool precheck(struct parser *p)
{
	if (p->len > PROMQL_MAX_QUERY) {
		fail_at(p, 0, 0, "the query is longer than %u bytes", PROMQL_MAX_QUERY);
		return false;
	}
	const char *nul = memchr(p->q, 0, p->len);
	if (nul) {
		uint32_t at = (uint32_t)(nul - p->q);
		fail_at(p, at, at + 1, "the query contains a NUL byte");
		return false;
	}
	return true;
}

int promql_parse(const char *query, size_t len, struct arena *arena, struct promql_node **out,
		 struct promql_error *err)
{
	struct parser p;
	parser_init(&p, query, len, arena, err);
	*out = NULL;
	if (!precheck(&p))
		return PROMQL_ERR_PARSE;
	advance(&p);
	if (p.failed)
		return PROMQL_ERR_PARSE;
	if (p.tok.type == PROMQL_TOK_EOF) {
		fail_at(&p, 0, 0, "the query is empty");
		return PROMQL_ERR_PARSE;
	}
	struct promql_node *n = parse_expr(&p, 0);
	if (n && p.tok.type != PROMQL_TOK_EOF)
		unexpected(&p, NULL, NULL);
	if (p.failed)
		return PROMQL_ERR_PARSE;
	check(&p, n);
	if (p.failed)
		return PROMQL_ERR_PARSE;
	*out = n;
	return 0;
}

int promql_parse_selector(const char *s, size_t len, struct arena *arena,
			  struct promql_node **out, struct promql_error *err)
{
	struct parser p;
	parser_init(&p, s, len, arena, err);
	*out = NULL;
	if (!precheck(&p))
		return PROMQL_ERR_PARSE;
	advance(&p);
	if (p.failed)
		return PROMQL_ERR_PARSE;
	if (p.tok.type != PROMQL_TOK_LEFT_BRACE && !tok_is_metric_word(p.tok.type)) {
		unexpected(&p, "series selector", "a metric name or \"{\"");
		return PROMQL_ERR_PARSE;
	}
	struct promql_node *n = parse_vector_selector(&p);
	if (n && p.tok.type != PROMQL_TOK_EOF)
		unexpected(&p, "series selector", "end of input");
	if (p.failed)
		return PROMQL_ERR_PARSE;
	*out = n;
	return 0;
}
