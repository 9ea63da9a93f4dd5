/* lex.c - the PromQL lexer (see lex.h).
 *
 * Context rules follow Prometheus's lexer, because they decide what a query
 * means: inside braces there are no keywords; '[' switches to a duration;
 * inside brackets a word character or ':' is the range/step separator; an
 * error in a string escape reports the position of the string's start.
 */
#include "lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define RUNE_ERROR 0xfffd
#define RUNE_EOF (-1)

struct keyword {
	const char *word;
	enum promql_tok tok;
};

/* Matched case-insensitively, as Prometheus lower-cases words first.
 * "inf" and "nan" are numbers. */
static const struct keyword keywords[] = {
	{ "and", PROMQL_TOK_LAND },
	{ "or", PROMQL_TOK_LOR },
	{ "unless", PROMQL_TOK_LUNLESS },
	{ "atan2", PROMQL_TOK_ATAN2 },
	{ "sum", PROMQL_TOK_SUM },
	{ "avg", PROMQL_TOK_AVG },
	{ "count", PROMQL_TOK_COUNT },
	{ "min", PROMQL_TOK_MIN },
	{ "max", PROMQL_TOK_MAX },
	{ "group", PROMQL_TOK_GROUP },
	{ "stddev", PROMQL_TOK_STDDEV },
	{ "stdvar", PROMQL_TOK_STDVAR },
	{ "topk", PROMQL_TOK_TOPK },
	{ "bottomk", PROMQL_TOK_BOTTOMK },
	{ "count_values", PROMQL_TOK_COUNT_VALUES },
	{ "quantile", PROMQL_TOK_QUANTILE },
	{ "offset", PROMQL_TOK_OFFSET },
	{ "by", PROMQL_TOK_BY },
	{ "without", PROMQL_TOK_WITHOUT },
	{ "on", PROMQL_TOK_ON },
	{ "ignoring", PROMQL_TOK_IGNORING },
	{ "group_left", PROMQL_TOK_GROUP_LEFT },
	{ "group_right", PROMQL_TOK_GROUP_RIGHT },
	{ "bool", PROMQL_TOK_BOOL },
	{ "start", PROMQL_TOK_START },
	{ "end", PROMQL_TOK_END },
	{ "inf", PROMQL_TOK_NUMBER },
	{ "nan", PROMQL_TOK_NUMBER },
};

void promql_lex_init(struct promql_lexer *l, const char *input, size_t len)
{
	memset(l, 0, sizeof *l);
	l->input = input;
	l->len = len;
}

/* Decode the rune at pos like Go's utf8.DecodeRuneInString: an invalid
 * sequence is RUNE_ERROR of width 1. */
static int rune_at(const struct promql_lexer *l, size_t pos, size_t *width)
{
	if (pos >= l->len) {
		*width = 0;
		return RUNE_EOF;
	}
	const unsigned char *s = (const unsigned char *)l->input + pos;
	size_t n = l->len - pos;
	unsigned c = s[0];
	*width = 1;
	if (c < 0x80)
		return (int)c;
	size_t len;
	unsigned min, v;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, v = c & 0x07;
	else
		return RUNE_ERROR;
	if (n < len)
		return RUNE_ERROR;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return RUNE_ERROR;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return RUNE_ERROR;
	*width = len;
	return (int)v;
}

static int next(struct promql_lexer *l, size_t *width)
{
	int r = rune_at(l, l->pos, width);
	l->pos += *width;
	return r;
}

static int peek(const struct promql_lexer *l)
{
	size_t w;
	return rune_at(l, l->pos, &w);
}

static bool accept(struct promql_lexer *l, const char *valid)
{
	int r = peek(l);
	if (r > 0 && r < 0x80 && strchr(valid, r)) {
		l->pos++;
		return true;
	}
	return false;
}

static void accept_run(struct promql_lexer *l, const char *valid)
{
	while (accept(l, valid))
		;
}

static bool is_space(int r)
{
	return r == ' ' || r == '\t' || r == '\n' || r == '\r';
}

static bool is_alpha(int r)
{
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
}

static bool is_digit(int r)
{
	return r >= '0' && r <= '9';
}

static bool is_alnum(int r)
{
	return is_alpha(r) || is_digit(r);
}

static void emit(struct promql_lexer *l, struct promql_token *t, enum promql_tok type)
{
	t->type = type;
	t->pos = (uint32_t)l->start;
	t->text = l->input + l->start;
	t->len = l->pos - l->start;
	l->start = l->pos;
}

/* Describe rune r for a message: 'x', or its code for the invisible. */
static void rune_desc(int r, char *out, size_t n)
{
	if (r == RUNE_EOF)
		snprintf(out, n, "end of input");
	else if (r >= 0x21 && r < 0x7f)
		snprintf(out, n, "'%c'", r);
	else
		snprintf(out, n, "U+%04X", (unsigned)r);
}

static void errorf(struct promql_lexer *l, struct promql_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errorf(struct promql_lexer *l, struct promql_token *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->errmsg, sizeof l->errmsg, fmt, ap);
	va_end(ap);
	t->type = PROMQL_TOK_ERROR;
	t->pos = (uint32_t)l->start;
	t->text = l->errmsg;
	t->len = strlen(l->errmsg);
	l->done = true;
}

/* Shorten a quoted excerpt of the input for messages. */
static void excerpt(const struct promql_lexer *l, size_t from, size_t to, char *out, size_t n)
{
	size_t len = to - from;
	if (len > 40)
		len = 40;
	snprintf(out, n, "%.*s%s", (int)len, l->input + from, to - from > 40 ? "..." : "");
}

/* Scan a number's characters (not necessarily a valid number; the parser
 * checks). True if what follows cannot continue a word. */
static bool scan_number(struct promql_lexer *l)
{
	const char *digits = "0123456789";
	if (accept(l, "0") && accept(l, "xX"))
		digits = "0123456789abcdefABCDEF";
	accept_run(l, digits);
	if (accept(l, "."))
		accept_run(l, digits);
	if (accept(l, "eE")) {
		accept(l, "+-");
		accept_run(l, "0123456789");
	}
	return !is_alnum(peek(l));
}

/* After the leading digits of a duration: units and further number+unit
 * groups. The exact rules (order, repeats) are checked when the parser
 * converts it. */
static bool accept_remaining_duration(struct promql_lexer *l)
{
	if (!accept(l, "smhdwy"))
		return false;
	accept(l, "s");
	while (accept(l, "0123456789")) {
		accept_run(l, "0123456789");
		if (!accept(l, "smhdw"))
			return false;
		accept(l, "s");
	}
	return !is_alnum(next(l, &l->last_width));
}

static void lex_duration(struct promql_lexer *l, struct promql_token *t)
{
	char ex[64];
	if (scan_number(l)) {
		errorf(l, t, "a duration needs a unit (one of ms, s, m, h, d, w, y)");
		return;
	}
	if (!accept_remaining_duration(l)) {
		excerpt(l, l->start, l->pos, ex, sizeof ex);
		errorf(l, t, "malformed duration \"%s\"", ex);
		return;
	}
	l->pos -= l->last_width; /* give back the rune that ended it */
	emit(l, t, PROMQL_TOK_DURATION);
}

static void lex_number_or_duration(struct promql_lexer *l, struct promql_token *t)
{
	char ex[64];
	if (scan_number(l)) {
		emit(l, t, PROMQL_TOK_NUMBER);
		return;
	}
	if (accept_remaining_duration(l)) {
		l->pos -= l->last_width; /* give back the rune that ended it */
		emit(l, t, PROMQL_TOK_DURATION);
		return;
	}
	excerpt(l, l->start, l->pos, ex, sizeof ex);
	errorf(l, t, "malformed number or duration \"%s\"", ex);
}

static void lex_escape(struct promql_lexer *l, struct promql_token *t, int quote, bool *failed)
{
	size_t w;
	int ch = next(l, &w);
	int n;
	unsigned base, max;
	char d[32];
	switch (ch) {
	case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
		return;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		n = 3, base = 8, max = 255;
		break;
	case 'x':
		ch = next(l, &w);
		n = 2, base = 16, max = 255;
		break;
	case 'u':
		ch = next(l, &w);
		n = 4, base = 16, max = 0x10ffff;
		break;
	case 'U':
		ch = next(l, &w);
		n = 8, base = 16, max = 0x10ffff;
		break;
	case RUNE_EOF:
		errorf(l, t, "unfinished escape sequence at end of input");
		*failed = true;
		return;
	default:
		if (ch == quote)
			return;
		rune_desc(ch, d, sizeof d);
		errorf(l, t, "invalid escape sequence \\%s in string",
		       ch >= 0x21 && ch < 0x7f ? (char[2]){ (char)ch, 0 } : d);
		*failed = true;
		return;
	}
	unsigned x = 0;
	while (n > 0) {
		unsigned dv = 16;
		if (ch >= '0' && ch <= '9')
			dv = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			dv = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			dv = (unsigned)(ch - 'A' + 10);
		if (dv >= base) {
			if (ch == RUNE_EOF) {
				errorf(l, t, "unfinished escape sequence at end of input");
			} else {
				rune_desc(ch, d, sizeof d);
				errorf(l, t, "%s is not a valid digit in an escape sequence", d);
			}
			*failed = true;
			return;
		}
		x = x * base + dv;
		n--;
		if (n > 0)
			ch = next(l, &w);
	}
	if (x > max || (x >= 0xd800 && x < 0xe000)) {
		errorf(l, t, "escape sequence does not denote a valid Unicode code point");
		*failed = true;
	}
}

static void lex_string(struct promql_lexer *l, struct promql_token *t, int quote)
{
	for (;;) {
		size_t w;
		int r = next(l, &w);
		if (r == '\\') {
			bool failed = false;
			lex_escape(l, t, quote, &failed);
			if (failed)
				return;
			continue;
		}
		if (r == RUNE_ERROR) {
			errorf(l, t, "string is not valid UTF-8");
			return;
		}
		if (r == RUNE_EOF || r == '\n') {
			errorf(l, t, "string literal not terminated");
			return;
		}
		if (r == quote)
			break;
	}
	emit(l, t, PROMQL_TOK_STRING);
}

static void lex_raw_string(struct promql_lexer *l, struct promql_token *t)
{
	for (;;) {
		size_t w;
		int r = next(l, &w);
		if (r == RUNE_ERROR) {
			errorf(l, t, "string is not valid UTF-8");
			return;
		}
		if (r == RUNE_EOF) {
			errorf(l, t, "raw string literal not terminated");
			return;
		}
		if (r == '`')
			break;
	}
	emit(l, t, PROMQL_TOK_STRING);
}

static void lex_comment(struct promql_lexer *l, struct promql_token *t)
{
	l->pos++; /* '#' */
	while (l->pos < l->len && l->input[l->pos] != '\n' && l->input[l->pos] != '\r')
		l->pos++;
	emit(l, t, PROMQL_TOK_COMMENT);
}

static void lex_word(struct promql_lexer *l, struct promql_token *t)
{
	bool colon = false;
	while (l->pos < l->len) {
		int c = (unsigned char)l->input[l->pos];
		if (c == ':')
			colon = true;
		else if (!is_alnum(c))
			break;
		l->pos++;
	}
	size_t n = l->pos - l->start;
	if (!colon) {
		for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
			if (strlen(keywords[i].word) == n &&
			    strncasecmp(keywords[i].word, l->input + l->start, n) == 0) {
				emit(l, t, keywords[i].tok);
				return;
			}
		}
	}
	emit(l, t, colon ? PROMQL_TOK_METRIC_IDENTIFIER : PROMQL_TOK_IDENTIFIER);
}

static void lex_inside_braces(struct promql_lexer *l, struct promql_token *t)
{
	char d[32];
	for (;;) {
		l->start = l->pos;
		if (l->pos < l->len && l->input[l->pos] == '#') {
			lex_comment(l, t);
			return;
		}
		size_t w;
		int r = next(l, &w);
		if (r == RUNE_EOF) {
			errorf(l, t, "end of input inside braces, \"}\" expected");
			return;
		}
		if (is_space(r))
			continue;
		if (is_alpha(r)) {
			while (l->pos < l->len && is_alnum((unsigned char)l->input[l->pos]))
				l->pos++;
			emit(l, t, PROMQL_TOK_IDENTIFIER);
			return;
		}
		switch (r) {
		case ',':
			emit(l, t, PROMQL_TOK_COMMA);
			return;
		case '"':
		case '\'':
			lex_string(l, t, r);
			return;
		case '`':
			lex_raw_string(l, t);
			return;
		case '=':
			emit(l, t, accept(l, "~") ? PROMQL_TOK_EQL_REGEX : PROMQL_TOK_EQL);
			if (t->type == PROMQL_TOK_EQL_REGEX)
				t->len = 2;
			return;
		case '!': {
			int nr = next(l, &w);
			if (nr == '~') {
				emit(l, t, PROMQL_TOK_NEQ_REGEX);
			} else if (nr == '=') {
				emit(l, t, PROMQL_TOK_NEQ);
			} else {
				rune_desc(nr, d, sizeof d);
				errorf(l, t, "'!' inside braces must be followed by '=' or '~', not %s",
				       d);
			}
			return;
		}
		case '{':
			errorf(l, t, "'{' inside braces");
			return;
		case '}':
			emit(l, t, PROMQL_TOK_RIGHT_BRACE);
			l->brace_open = false;
			return;
		default:
			rune_desc(r, d, sizeof d);
			errorf(l, t, "unexpected character %s inside braces", d);
			return;
		}
	}
}

/* One token at statement level (outside braces). */
static void lex_statement(struct promql_lexer *l, struct promql_token *t)
{
	char d[32];
	for (;;) {
		l->start = l->pos;
		if (l->want_duration) {
			l->want_duration = false;
			lex_duration(l, t);
			return;
		}
		if (l->pos < l->len && l->input[l->pos] == '#') {
			lex_comment(l, t);
			return;
		}
		size_t w;
		int r = next(l, &w);
		if (r == RUNE_EOF) {
			if (l->paren_depth != 0)
				errorf(l, t, "unclosed left parenthesis");
			else if (l->bracket_open)
				errorf(l, t, "unclosed left bracket");
			else {
				emit(l, t, PROMQL_TOK_EOF);
				l->done = true;
			}
			return;
		}
		if (is_space(r))
			continue;
		switch (r) {
		case ',': emit(l, t, PROMQL_TOK_COMMA); return;
		case '*': emit(l, t, PROMQL_TOK_MUL); return;
		case '/': emit(l, t, PROMQL_TOK_DIV); return;
		case '%': emit(l, t, PROMQL_TOK_MOD); return;
		case '+': emit(l, t, PROMQL_TOK_ADD); return;
		case '-': emit(l, t, PROMQL_TOK_SUB); return;
		case '^': emit(l, t, PROMQL_TOK_POW); return;
		case '@': emit(l, t, PROMQL_TOK_AT); return;
		case '=': {
			int p = peek(l);
			if (p == '=') {
				l->pos++;
				emit(l, t, PROMQL_TOK_EQLC);
			} else if (p == '~') {
				errorf(l, t, "'=~' is only allowed inside braces");
			} else {
				emit(l, t, PROMQL_TOK_EQL);
			}
			return;
		}
		case '!': {
			int nr = next(l, &w);
			if (nr == '=') {
				emit(l, t, PROMQL_TOK_NEQ);
			} else {
				rune_desc(nr, d, sizeof d);
				errorf(l, t, "'!' must be followed by '=', not %s", d);
			}
			return;
		}
		case '<':
			emit(l, t, accept(l, "=") ? PROMQL_TOK_LTE : PROMQL_TOK_LSS);
			return;
		case '>':
			emit(l, t, accept(l, "=") ? PROMQL_TOK_GTE : PROMQL_TOK_GTR);
			return;
		case '"':
		case '\'':
			lex_string(l, t, r);
			return;
		case '`':
			lex_raw_string(l, t);
			return;
		case '(':
			emit(l, t, PROMQL_TOK_LEFT_PAREN);
			l->paren_depth++;
			return;
		case ')':
			l->paren_depth--;
			if (l->paren_depth < 0) {
				/* Prometheus reports this just after the ')'. */
				l->start = l->pos;
				errorf(l, t, "unbalanced right parenthesis");
				return;
			}
			emit(l, t, PROMQL_TOK_RIGHT_PAREN);
			return;
		case '{':
			emit(l, t, PROMQL_TOK_LEFT_BRACE);
			l->brace_open = true;
			return;
		case '[':
			if (l->bracket_open) {
				errorf(l, t, "'[' inside brackets");
				return;
			}
			l->got_colon = false;
			emit(l, t, PROMQL_TOK_LEFT_BRACKET);
			while (l->pos < l->len && is_space((unsigned char)l->input[l->pos]))
				l->pos++;
			l->bracket_open = true;
			l->want_duration = true;
			return;
		case ']':
			if (!l->bracket_open) {
				errorf(l, t, "']' without a matching '['");
				return;
			}
			emit(l, t, PROMQL_TOK_RIGHT_BRACKET);
			l->bracket_open = false;
			return;
		}
		if (is_digit(r) || (r == '.' && is_digit(peek(l)))) {
			l->pos = l->start;
			lex_number_or_duration(l, t);
			return;
		}
		if (is_alpha(r) || r == ':') {
			if (!l->bracket_open) {
				l->pos = l->start;
				lex_word(l, t);
				return;
			}
			if (l->got_colon) {
				rune_desc(r, d, sizeof d);
				errorf(l, t, "unexpected %s after the ':' in brackets", d);
				return;
			}
			/* Inside brackets any word character separates range
			 * and step, as in Prometheus. */
			emit(l, t, PROMQL_TOK_COLON);
			l->got_colon = true;
			return;
		}
		rune_desc(r, d, sizeof d);
		errorf(l, t, "unexpected character %s", d);
		return;
	}
}

void promql_lex_next(struct promql_lexer *l, struct promql_token *t)
{
	if (l->done) {
		t->type = PROMQL_TOK_EOF;
		t->pos = (uint32_t)l->len;
		t->text = l->input + l->len;
		t->len = 0;
		return;
	}
	if (l->brace_open)
		lex_inside_braces(l, t);
	else
		lex_statement(l, t);
}

bool promql_tok_is_operator(enum promql_tok t)
{
	return t >= PROMQL_TOK_ADD && t <= PROMQL_TOK_ATAN2;
}

bool promql_tok_is_aggregator(enum promql_tok t)
{
	return t >= PROMQL_TOK_SUM && t <= PROMQL_TOK_QUANTILE;
}

bool promql_tok_is_keyword(enum promql_tok t)
{
	return t >= PROMQL_TOK_OFFSET && t <= PROMQL_TOK_BOOL;
}

void promql_tok_describe(const struct promql_token *t, struct buf *out)
{
	const char *kind = NULL;
	switch (t->type) {
	case PROMQL_TOK_EOF:
		buf_puts(out, "end of input");
		return;
	case PROMQL_TOK_ERROR:
		buf_put(out, t->text, t->len);
		return;
	case PROMQL_TOK_COMMENT: kind = "comment"; break;
	case PROMQL_TOK_IDENTIFIER: kind = "identifier"; break;
	case PROMQL_TOK_METRIC_IDENTIFIER: kind = "metric name"; break;
	case PROMQL_TOK_NUMBER: kind = "number"; break;
	case PROMQL_TOK_STRING: kind = "string"; break;
	case PROMQL_TOK_DURATION: kind = "duration"; break;
	default:
		if (promql_tok_is_operator(t->type) || t->type == PROMQL_TOK_AT)
			kind = "operator";
		else if (promql_tok_is_aggregator(t->type))
			kind = "aggregation";
		else if (promql_tok_is_keyword(t->type))
			kind = "keyword";
		break;
	}
	if (kind) {
		buf_puts(out, kind);
		buf_putc(out, ' ');
	}
	size_t n = t->len > 24 ? 24 : t->len;
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->text[i];
		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_putc(out, (char)c);
	}
	buf_putc(out, '"');
	if (n < t->len)
		buf_puts(out, "...");
}

static void put_rune(struct buf *out, unsigned r)
{
	char s[4];
	if (r < 0x80) {
		buf_putc(out, (char)r);
	} else if (r < 0x800) {
		s[0] = (char)(0xc0 | r >> 6);
		s[1] = (char)(0x80 | (r & 0x3f));
		buf_put(out, s, 2);
	} else if (r < 0x10000) {
		s[0] = (char)(0xe0 | r >> 12);
		s[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		s[2] = (char)(0x80 | (r & 0x3f));
		buf_put(out, s, 3);
	} else {
		s[0] = (char)(0xf0 | r >> 18);
		s[1] = (char)(0x80 | ((r >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((r >> 6) & 0x3f));
		s[3] = (char)(0x80 | (r & 0x3f));
		buf_put(out, s, 4);
	}
}

int promql_lex_unquote(const char *text, size_t len, struct buf *out, char *errmsg,
		       size_t errlen)
{
	if (len < 2 || text[0] != text[len - 1] ||
	    (text[0] != '"' && text[0] != '\'' && text[0] != '`')) {
		snprintf(errmsg, errlen, "not a quoted string");
		return -1;
	}
	char q = text[0];
	const char *p = text + 1, *end = text + len - 1;
	if (q == '`') {
		if (memchr(p, '`', (size_t)(end - p))) {
			snprintf(errmsg, errlen, "backtick inside a raw string");
			return -1;
		}
		if (memchr(p, 0, (size_t)(end - p)))
			goto nul;
		buf_put(out, p, (size_t)(end - p));
		return 0;
	}
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == 0)
			goto nul;
		if (c == (unsigned char)q || c == '\n') {
			snprintf(errmsg, errlen, "unescaped quote or newline in string");
			return -1;
		}
		if (c != '\\') {
			buf_putc(out, (char)c);
			p++;
			continue;
		}
		if (++p >= end) {
			snprintf(errmsg, errlen, "unfinished escape sequence");
			return -1;
		}
		c = (unsigned char)*p++;
		int n = 0;
		unsigned base = 16, v = 0;
		bool is_byte = false;
		switch (c) {
		case 'a': buf_putc(out, '\a'); continue;
		case 'b': buf_putc(out, '\b'); continue;
		case 'f': buf_putc(out, '\f'); continue;
		case 'n': buf_putc(out, '\n'); continue;
		case 'r': buf_putc(out, '\r'); continue;
		case 't': buf_putc(out, '\t'); continue;
		case 'v': buf_putc(out, '\v'); continue;
		case '\\': buf_putc(out, '\\'); continue;
		case 'x': n = 2, is_byte = true; break;
		case 'u': n = 4; break;
		case 'U': n = 8; break;
		default:
			if (c >= '0' && c <= '7') {
				n = 2, base = 8, is_byte = true, v = c - '0';
				break;
			}
			if (c == (unsigned char)q) {
				buf_putc(out, (char)c);
				continue;
			}
			snprintf(errmsg, errlen, "invalid escape sequence");
			return -1;
		}
		for (; n > 0; n--) {
			if (p >= end) {
				snprintf(errmsg, errlen, "unfinished escape sequence");
				return -1;
			}
			unsigned char h = (unsigned char)*p++;
			unsigned dv = 16;
			if (h >= '0' && h <= '9')
				dv = h - '0';
			else if (h >= 'a' && h <= 'f')
				dv = h - 'a' + 10u;
			else if (h >= 'A' && h <= 'F')
				dv = h - 'A' + 10u;
			if (dv >= base) {
				snprintf(errmsg, errlen, "invalid digit in escape sequence");
				return -1;
			}
			v = v * base + dv;
		}
		if (is_byte) {
			if (v > 255) {
				snprintf(errmsg, errlen, "octal escape above \\377");
				return -1;
			}
			if (v == 0)
				goto nul;
			buf_putc(out, (char)v);
		} else {
			if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) {
				snprintf(errmsg, errlen, "escape is not a valid code point");
				return -1;
			}
			if (v == 0)
				goto nul;
			put_rune(out, v);
		}
	}
	return 0;
nul:
	snprintf(errmsg, errlen, "strings with NUL characters are not supported");
	return -2;
}
