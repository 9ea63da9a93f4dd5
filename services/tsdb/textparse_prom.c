/* textparse_prom.c - the Prometheus text format 0.0.4.
 *
 * The lexer is a hand port of the DFA that golex generates from Prometheus
 * 2.42's promlex.l, state for state, so that the odd corners behave as
 * they do in Prometheus: blanks allowed between all tokens, "#" lines that
 * are not HELP/TYPE are comments, a comment's NUL byte ends the input, a
 * label value may hold a raw newline, HELP text loses its first character
 * whatever it is, a trailing comma and even a missing comma between labels
 * are accepted. The parser (textparse_prom_next) is PromParser.Next. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "textparse_internal.h"

static bool prom_is_blank(unsigned c)
{
	return c == ' ' || c == '\t';
}

/* consumeComment: everything up to the newline. A NUL seen here (only
 * possible where the lexer does not skip NULs) ends the input. */
static int prom_consume_comment(struct textparse *p)
{
	for (unsigned c = p->i < p->n ? textparse_byte(p, p->i) : 0;; c = textparse_lex_next(p)) {
		if (c == 0)
			return TP_EOF;
		if (c == '\n') {
			p->state = TP_S_INIT;
			return TP_COMMENT;
		}
	}
}

/* Match a keyword ("ELP") then [\t ]+; on a mismatch c holds the byte that
 * failed. Returns true when matched (blanks consumed). */
static bool prom_keyword(struct textparse *p, const char *rest, unsigned *c)
{
	for (; *rest; rest++) {
		*c = textparse_lex_next(p);
		if (*c != (unsigned char)*rest)
			return false;
	}
	*c = textparse_lex_next(p);
	if (!prom_is_blank(*c))
		return false;
	do
		*c = textparse_lex_next(p);
	while (prom_is_blank(*c));
	return true;
}

static int prom_lex(struct textparse *p)
{
	if (p->i >= p->n)
		return TP_EOF;
	unsigned c = textparse_byte(p, p->i);
	p->start = p->i;
again:
	switch (p->state) {
	case TP_S_INIT:
		if (c == 0) {
			textparse_lex_next(p);
			return TP_EOF;
		}
		if (c == '\n') {
			textparse_lex_next(p);
			return TP_LINEBREAK;
		}
		if (prom_is_blank(c))
			goto blank;
		if (c == '#') {
			c = textparse_lex_next(p);
			if (!prom_is_blank(c))
				return prom_consume_comment(p);
			do
				c = textparse_lex_next(p);
			while (prom_is_blank(c));
			p->state = TP_S_COMMENT;
			goto again;
		}
		if (textparse_is_m(c)) {
			do
				c = textparse_lex_next(p);
			while (textparse_is_md(c));
			p->state = TP_S_VALUE;
			return TP_MNAME;
		}
		break;
	case TP_S_COMMENT:
		if (c == 'H') {
			if (prom_keyword(p, "ELP", &c)) {
				p->state = TP_S_META1;
				return TP_HELP;
			}
		} else if (c == 'T') {
			if (prom_keyword(p, "YPE", &c)) {
				p->state = TP_S_META1;
				return TP_TYPE;
			}
		} else if (prom_is_blank(c)) {
			goto blank;
		}
		break;
	case TP_S_META1:
		if (textparse_is_m(c)) {
			do
				c = textparse_lex_next(p);
			while (textparse_is_md(c));
			p->state = TP_S_META2;
			return TP_MNAME;
		}
		if (prom_is_blank(c))
			goto blank;
		break;
	case TP_S_META2:
		/* {C}* competes with [ \t]+: blanks up to the end of the line
		 * are whitespace, then the empty text follows. */
		if (prom_is_blank(c)) {
			do
				c = textparse_lex_next(p);
			while (prom_is_blank(c));
			if (c == 0 || c == '\n')
				return TP_WHITESPACE;
		}
		if (c != 0 && c != '\n') {
			do
				c = textparse_lex_next(p);
			while (c != 0 && c != '\n');
		}
		p->state = TP_S_INIT;
		return TP_TEXT;
	case TP_S_LABELS:
		if (c == ',') {
			textparse_lex_next(p);
			return TP_COMMA;
		}
		if (c == '=') {
			textparse_lex_next(p);
			p->state = TP_S_LVALUE;
			return TP_EQUAL;
		}
		if (c == '}') {
			textparse_lex_next(p);
			p->state = TP_S_VALUE;
			return TP_BRACECLOSE;
		}
		if (prom_is_blank(c))
			goto blank;
		if (textparse_is_l(c)) {
			do
				c = textparse_lex_next(p);
			while (textparse_is_ld(c));
			return TP_LNAME;
		}
		break;
	case TP_S_LVALUE:
		if (c == '"') {
			for (;;) {
				c = textparse_lex_next(p);
				if (c == '"') {
					textparse_lex_next(p);
					p->state = TP_S_LABELS;
					return TP_LVALUE;
				}
				if (c == '\\') {
					c = textparse_lex_next(p);
					if (c == 0 || c == '\n')
						goto abort;
					continue;
				}
				if (c == 0)
					goto abort;
			}
		}
		if (prom_is_blank(c))
			goto blank;
		break;
	case TP_S_VALUE:
		if (prom_is_blank(c))
			goto blank;
		if (c == '{') {
			textparse_lex_next(p);
			p->state = TP_S_LABELS;
			return TP_BRACEOPEN;
		}
		if (c != 0 && c != '\n' && c != ' ' && c != '\t' && c != '{') {
			do
				c = textparse_lex_next(p);
			while (c != 0 && c != '\n' && c != ' ' && c != '\t' && c != '{');
			p->state = TP_S_TIMESTAMP;
			return TP_VALUE;
		}
		break;
	case TP_S_TIMESTAMP:
		if (c == '\n') {
			textparse_lex_next(p);
			p->state = TP_S_INIT;
			return TP_LINEBREAK;
		}
		if (prom_is_blank(c))
			goto blank;
		if (c >= '0' && c <= '9') {
			do
				c = textparse_lex_next(p);
			while (c >= '0' && c <= '9');
			return TP_TIMESTAMP;
		}
		break;
	}
abort:
	/* Comments that start like HELP or TYPE but are not are swallowed. */
	if (p->state == TP_S_COMMENT)
		return prom_consume_comment(p);
	return TP_INVALID;
blank:
	do
		c = textparse_lex_next(p);
	while (prom_is_blank(c));
	return TP_WHITESPACE;
}

static int prom_token(struct textparse *p)
{
	int t;
	while ((t = prom_lex(p)) == TP_WHITESPACE)
		;
	return t;
}

static int prom_err(struct textparse *p, const char *what, int got)
{
	return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "%s, got \"%s\"", what,
			      textparse_token_str(got));
}

static int prom_labels(struct textparse *p)
{
	int t = prom_token(p);
	for (;;) {
		if (t == TP_BRACECLOSE)
			return 0;
		if (t != TP_LNAME)
			return prom_err(p, "expected label name", t);
		size_t ns = p->start, ne = p->i;
		if ((t = prom_token(p)) != TP_EQUAL)
			return prom_err(p, "expected equal", t);
		if ((t = prom_token(p)) != TP_LVALUE)
			return prom_err(p, "expected label value", t);
		int rc = textparse_check_lvalue(p);
		if (rc)
			return rc;
		rc = textparse_add_lref(p, false, ns, ne, p->start + 1, p->i - 1);
		if (rc)
			return rc;
		/* Free trailing commas are allowed (and, as in Prometheus, a
		 * missing comma between two labels too). */
		if ((t = prom_token(p)) == TP_COMMA)
			t = prom_token(p);
	}
}

static int prom_meta(struct textparse *p, int kind)
{
	int t = prom_token(p);
	if (t != TP_MNAME)
		return prom_err(p, kind == TP_HELP ? "expected metric name after HELP"
						   : "expected metric name after TYPE", t);
	p->cur.name = (const char *)p->b + p->start;
	p->cur.name_len = p->i - p->start;
	if ((t = prom_token(p)) != TP_TEXT)
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "expected text in %s",
				      kind == TP_HELP ? "HELP" : "TYPE");
	/* Prometheus drops the text's first byte, whatever it is. */
	const unsigned char *text = p->b + p->start;
	size_t tlen = p->i - p->start;
	size_t tpos = p->start;
	if (tlen > 1) {
		text++;
		tlen--;
		tpos++;
	} else {
		tlen = 0;
	}
	if (kind == TP_TYPE) {
		static const struct {
			const char *s;
			enum textparse_mtype t;
		} types[] = {
			{ "counter", TEXTPARSE_MT_COUNTER },  { "gauge", TEXTPARSE_MT_GAUGE },
			{ "histogram", TEXTPARSE_MT_HISTOGRAM }, { "summary", TEXTPARSE_MT_SUMMARY },
			{ "untyped", TEXTPARSE_MT_UNKNOWN },
		};
		size_t k;
		for (k = 0; k < sizeof types / sizeof types[0]; k++)
			if (strlen(types[k].s) == tlen && memcmp(types[k].s, text, tlen) == 0)
				break;
		if (k == sizeof types / sizeof types[0])
			return textparse_fail(p, TEXTPARSE_ESYNTAX, tpos, "invalid metric type \"%.*s\"",
					      (int)(tlen > 64 ? 64 : tlen), (const char *)text);
		p->cur.type = types[k].t;
	} else {
		if (!textparse_utf8_valid(text, tlen))
			return textparse_fail(p, TEXTPARSE_ESYNTAX, tpos,
					      "help text is not a valid utf8 string");
		if (memchr(text, '\\', tlen)) {
			buf_reset(&p->text);
			textparse_unescape(&p->text, text, tlen, false);
			p->cur.text = p->text.p;
			p->cur.text_len = p->text.len;
		} else {
			p->cur.text = (const char *)text;
			p->cur.text_len = tlen;
		}
	}
	if ((t = prom_token(p)) != TP_LINEBREAK)
		return prom_err(p, "linebreak expected after metadata", t);
	return kind == TP_HELP ? TEXTPARSE_HELP : TEXTPARSE_TYPE;
}

static int prom_series(struct textparse *p)
{
	size_t name_end = p->i;
	if (p->start != p->estart)
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->estart,
				      "blank before the metric name (Prometheus reads it as part "
				      "of the name and refuses the scrape)");
	if (p->lim.max_value_len && name_end - p->start > p->lim.max_value_len)
		return textparse_fail(p, TEXTPARSE_ELIMIT, p->start,
				      "metric name longer than %zu bytes", p->lim.max_value_len);
	p->cur.name = (const char *)p->b + p->start;
	p->cur.name_len = name_end - p->start;
	p->cur.series = p->cur.name;
	p->cur.series_len = p->cur.name_len;
	int t = prom_token(p);
	if (t == TP_BRACEOPEN) {
		int rc = prom_labels(p);
		if (rc)
			return rc;
		p->cur.series_len = p->i - p->estart;
		t = prom_token(p);
	}
	if (t != TP_VALUE)
		return prom_err(p, "expected value after metric", t);
	if (textparse_parse_float(p, p->b + p->start, p->i - p->start, &p->cur.value))
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "invalid value \"%.*s\"",
				      (int)(p->i - p->start > 64 ? 64 : p->i - p->start),
				      (const char *)p->b + p->start);
	if (isnan(p->cur.value))
		p->cur.value = textparse_normal_nan();
	t = prom_token(p);
	if (t == TP_TIMESTAMP) {
		/* strconv.ParseInt(s, 10, 64) over digits only. */
		int64_t ts = 0;
		for (size_t k = p->start; k < p->i; k++) {
			int d = p->b[k] - '0';
			if (ts > (INT64_MAX - d) / 10)
				return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start,
						      "timestamp out of range");
			ts = ts * 10 + d;
		}
		p->cur.ts = ts;
		p->cur.has_ts = true;
		if ((t = prom_token(p)) != TP_LINEBREAK)
			return prom_err(p, "expected next entry after timestamp", t);
	} else if (t != TP_LINEBREAK) {
		return prom_err(p, "expected timestamp or new record", t);
	}
	return TEXTPARSE_SERIES;
}

int textparse_prom_next(struct textparse *p)
{
	memset(&p->cur, 0, sizeof p->cur);
	p->nlrefs = p->nerefs = 0;
	p->labels_built = false;
	for (;;) {
		p->estart = p->i;
		int t = prom_token(p);
		switch (t) {
		case TP_EOF:
			return TEXTPARSE_END;
		case TP_LINEBREAK:
			continue; /* blank lines are fine */
		case TP_HELP:
		case TP_TYPE:
			return prom_meta(p, t);
		case TP_COMMENT:
			p->cur.text = (const char *)p->b + p->start;
			p->cur.text_len = p->i - p->start;
			if ((t = prom_token(p)) != TP_LINEBREAK) {
				if (t == TP_EOF)
					return TEXTPARSE_END;
				return prom_err(p, "linebreak expected after comment", t);
			}
			return TEXTPARSE_COMMENT;
		case TP_MNAME:
			return prom_series(p);
		default:
			return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start,
					      "\"%s\" is not a valid start token",
					      textparse_token_str(t));
		}
	}
}
