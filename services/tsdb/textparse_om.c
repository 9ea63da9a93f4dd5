/* textparse_om.c - OpenMetrics 1.0 text.
 *
 * The lexer is a hand port of the DFA that golex generates from Prometheus
 * 2.42's openmetricslex.l: single spaces only, no blank lines, no comments
 * but HELP/TYPE/UNIT/EOF, exemplars after " # {". The parser
 * (textparse_om_next) is OpenMetricsParser.Next. Family-level rules of the
 * specification that Prometheus leaves out are in textparse_omcheck.c
 * (TEXTPARSE_STRICT). */
#include <math.h>
#include <string.h>

#include "textparse_internal.h"

/* [^ \n] as the DFA has it (NUL excluded too). */
static bool om_is_v(unsigned c)
{
	return c != 0 && c != ' ' && c != '\n';
}

static bool om_word(struct textparse *p, const char *rest)
{
	for (; *rest; rest++)
		if (textparse_lex_next(p) != (unsigned char)*rest)
			return false;
	return true;
}

/* A quoted label value; p->i is on the opening quote. */
static int om_quoted(struct textparse *p)
{
	for (;;) {
		unsigned c = textparse_lex_next(p);
		if (c == '"') {
			textparse_lex_next(p);
			return TP_LVALUE;
		}
		if (c == '\\') {
			c = textparse_lex_next(p);
			if (c == 0 || c == '\n')
				return TP_INVALID;
			continue;
		}
		if (c == 0 || c == '\n')
			return TP_INVALID;
	}
}

/* " " then [^ \n]+ ; p->i is on the space. */
static bool om_spaced_word(struct textparse *p)
{
	unsigned c = textparse_lex_next(p);
	if (!om_is_v(c))
		return false;
	do
		c = textparse_lex_next(p);
	while (om_is_v(c));
	return true;
}

static int om_lex(struct textparse *p)
{
	if (p->i >= p->n)
		return TP_EOF;
	unsigned c = p->b[p->i];
	p->start = p->i;
again:
	switch (p->state) {
	case TP_S_INIT:
		if (c == '#') {
			if (textparse_lex_next(p) != ' ')
				return TP_INVALID;
			c = textparse_lex_next(p);
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
		return TP_INVALID;
	case TP_S_COMMENT:
		switch (c) {
		case 'E':
			if (!om_word(p, "OF"))
				return TP_INVALID;
			if (textparse_lex_next(p) == '\n')
				textparse_lex_next(p);
			p->state = TP_S_INIT;
			return TP_EOFWORD;
		case 'H':
		case 'T':
		case 'U': {
			const char *rest = c == 'H' ? "ELP " : c == 'T' ? "YPE " : "NIT ";
			if (!om_word(p, rest))
				return TP_INVALID;
			textparse_lex_next(p);
			p->state = TP_S_META1;
			return c == 'H' ? TP_HELP : c == 'T' ? TP_TYPE : TP_UNIT;
		}
		}
		return TP_INVALID;
	case TP_S_META1:
		if (!textparse_is_m(c))
			return TP_INVALID;
		do
			c = textparse_lex_next(p);
		while (textparse_is_md(c));
		p->state = TP_S_META2;
		return TP_MNAME;
	case TP_S_META2:
		if (c != ' ')
			return TP_INVALID;
		for (;;) {
			c = textparse_lex_next(p);
			if (c == '\n')
				break;
			if (c == 0)
				return TP_INVALID;
		}
		textparse_lex_next(p);
		p->state = TP_S_INIT;
		return TP_TEXT;
	case TP_S_LABELS:
	case TP_S_EXEMPLAR:
		if (c == ',') {
			textparse_lex_next(p);
			return TP_COMMA;
		}
		if (c == '=' || c == '}') {
			textparse_lex_next(p);
			if (p->state == TP_S_EXEMPLAR)
				p->state = TP_S_EVALUE;
			else
				p->state = c == '=' ? TP_S_LVALUE : TP_S_VALUE;
			return c == '=' ? TP_EQUAL : TP_BRACECLOSE;
		}
		if (textparse_is_l(c)) {
			do
				c = textparse_lex_next(p);
			while (textparse_is_ld(c));
			return TP_LNAME;
		}
		return TP_INVALID;
	case TP_S_LVALUE:
		if (c != '"')
			return TP_INVALID;
		if (om_quoted(p) != TP_LVALUE)
			return TP_INVALID;
		p->state = TP_S_LABELS;
		return TP_LVALUE;
	case TP_S_VALUE:
		if (c == '{') {
			textparse_lex_next(p);
			p->state = TP_S_LABELS;
			return TP_BRACEOPEN;
		}
		if (c == ' ' && om_spaced_word(p)) {
			p->state = TP_S_TIMESTAMP;
			return TP_VALUE;
		}
		return TP_INVALID;
	case TP_S_TIMESTAMP:
		if (c == '\n') {
			textparse_lex_next(p);
			p->state = TP_S_INIT;
			return TP_LINEBREAK;
		}
		if (c != ' ')
			return TP_INVALID;
		c = textparse_lex_next(p);
		if (c == '#') {
			c = textparse_lex_next(p);
			if (c == ' ') {
				if (textparse_lex_next(p) != '{')
					return TP_INVALID;
				textparse_lex_next(p);
				p->state = TP_S_EXEMPLAR;
				return TP_COMMENT;
			}
		} else if (!om_is_v(c)) {
			return TP_INVALID;
		}
		while (om_is_v(c))
			c = textparse_lex_next(p);
		return TP_TIMESTAMP;
	case TP_S_EVALUE:
		if (c == '"') {
			if (om_quoted(p) != TP_LVALUE)
				return TP_INVALID;
			p->state = TP_S_EXEMPLAR;
			return TP_LVALUE;
		}
		if (c == ' ' && om_spaced_word(p)) {
			p->state = TP_S_ETIMESTAMP;
			return TP_VALUE;
		}
		return TP_INVALID;
	case TP_S_ETIMESTAMP:
		if (c == '\n') {
			textparse_lex_next(p);
			p->state = TP_S_INIT;
			return TP_LINEBREAK;
		}
		if (c == ' ' && om_spaced_word(p))
			return TP_TIMESTAMP;
		return TP_INVALID;
	}
	return TP_INVALID;
}

static int om_err(struct textparse *p, const char *what, int got)
{
	return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "%s, got \"%s\"", what,
			      textparse_token_str(got));
}

static int om_labels(struct textparse *p, bool exemplar)
{
	bool first = true;
	for (;;) {
		int t = om_lex(p);
		switch (t) {
		case TP_BRACECLOSE:
			return 0;
		case TP_COMMA:
			if (first)
				return om_err(p, "expected label name or left brace", t);
			if ((t = om_lex(p)) != TP_LNAME)
				return om_err(p, "expected label name", t);
			break;
		case TP_LNAME:
			if (!first)
				return om_err(p, "expected comma", t);
			break;
		default:
			return om_err(p, first ? "expected label name or left brace"
					       : "expected comma or left brace", t);
		}
		first = false;
		size_t ns = p->start, ne = p->i;
		if ((t = om_lex(p)) != TP_EQUAL)
			return om_err(p, "expected equal", t);
		if ((t = om_lex(p)) != TP_LVALUE)
			return om_err(p, "expected label value", t);
		int rc = textparse_check_lvalue(p);
		if (rc)
			return rc;
		rc = textparse_add_lref(p, exemplar, ns, ne, p->start + 1, p->i - 1);
		if (rc)
			return rc;
	}
}

/* A VALUE or TIMESTAMP token is " word": the number starts after the space. */
static int om_number(struct textparse *p, double *v)
{
	const unsigned char *s = p->b + p->start + 1;
	size_t n = p->i - p->start - 1;
	if (textparse_parse_float(p, s, n, v))
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start + 1, "invalid number \"%.*s\"",
				      (int)(n > 64 ? 64 : n), (const char *)s);
	return 0;
}

/* Seconds as a float, to int64 milliseconds the way Go's int64(ts*1000)
 * does on amd64: truncation, and INT64_MIN when out of range. */
static int om_timestamp(struct textparse *p, int64_t *ms, double *sec, const char *what)
{
	double ts;
	int rc = om_number(p, &ts);
	if (rc)
		return rc;
	if (isnan(ts) || isinf(ts))
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start + 1, "invalid %s", what);
	*sec = ts;
	double m = ts * 1000;
	if (!(m > -9223372036854775808.0 && m < 9223372036854775808.0))
		*ms = INT64_MIN;
	else
		*ms = (int64_t)m;
	return 0;
}

static int om_exemplar(struct textparse *p)
{
	/* Only names ending in _total or _bucket may carry exemplars. */
	const char *nm = p->cur.name;
	size_t nl = p->cur.name_len;
	if (!((nl >= 6 && memcmp(nm + nl - 6, "_total", 6) == 0) ||
	      (nl >= 7 && memcmp(nm + nl - 7, "_bucket", 7) == 0)))
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start,
				      "metric name %.*s does not support exemplars",
				      (int)(nl > 64 ? 64 : nl), nm);
	int rc = om_labels(p, true);
	if (rc)
		return rc;
	int t = om_lex(p);
	if (t != TP_VALUE)
		return om_err(p, "expected value after exemplar labels", t);
	if ((rc = om_number(p, &p->ex_value)))
		return rc;
	double sec;
	p->cur.has_exemplar = true;
	t = om_lex(p);
	if (t == TP_EOF)
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "data does not end with # EOF");
	if (t == TP_LINEBREAK)
		return 0;
	if (t != TP_TIMESTAMP)
		return om_err(p, "expected timestamp or comment", t);
	if ((rc = om_timestamp(p, &p->ex_ts, &sec, "exemplar timestamp")))
		return rc;
	p->ex_has_ts = true;
	if ((t = om_lex(p)) != TP_LINEBREAK)
		return om_err(p, "expected next entry after exemplar timestamp", t);
	return 0;
}

static int om_meta(struct textparse *p, int kind)
{
	static const char *const kinds[] = { [TP_HELP] = "HELP", [TP_TYPE] = "TYPE",
					     [TP_UNIT] = "UNIT" };
	int t = om_lex(p);
	if (t != TP_MNAME)
		return om_err(p, kind == TP_HELP   ? "expected metric name after HELP"
				 : kind == TP_TYPE ? "expected metric name after TYPE"
						   : "expected metric name after UNIT",
			      t);
	p->cur.name = (const char *)p->b + p->start;
	p->cur.name_len = p->i - p->start;
	if ((t = om_lex(p)) != TP_TEXT)
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "expected text in %s",
				      kinds[kind]);
	/* " text\n": the text is between the space and the newline. */
	const unsigned char *text = p->b + p->start + 1;
	size_t tlen = p->i - p->start - 2;
	size_t tpos = p->start + 1;
	switch (kind) {
	case TP_TYPE: {
		static const struct {
			const char *s;
			enum textparse_mtype t;
		} types[] = {
			{ "counter", TEXTPARSE_MT_COUNTER },
			{ "gauge", TEXTPARSE_MT_GAUGE },
			{ "histogram", TEXTPARSE_MT_HISTOGRAM },
			{ "gaugehistogram", TEXTPARSE_MT_GAUGEHISTOGRAM },
			{ "summary", TEXTPARSE_MT_SUMMARY },
			{ "info", TEXTPARSE_MT_INFO },
			{ "stateset", TEXTPARSE_MT_STATESET },
			{ "unknown", TEXTPARSE_MT_UNKNOWN },
		};
		size_t k;
		for (k = 0; k < sizeof types / sizeof types[0]; k++)
			if (strlen(types[k].s) == tlen && memcmp(types[k].s, text, tlen) == 0)
				break;
		if (k == sizeof types / sizeof types[0])
			return textparse_fail(p, TEXTPARSE_ESYNTAX, tpos, "invalid metric type \"%.*s\"",
					      (int)(tlen > 64 ? 64 : tlen), (const char *)text);
		p->cur.type = types[k].t;
		return TEXTPARSE_TYPE;
	}
	case TP_HELP:
		if (!textparse_utf8_valid(text, tlen))
			return textparse_fail(p, TEXTPARSE_ESYNTAX, tpos,
					      "help text is not a valid utf8 string");
		if (memchr(text, '\\', tlen)) {
			buf_reset(&p->text);
			textparse_unescape(&p->text, text, tlen, true);
			p->cur.text = p->text.p;
			p->cur.text_len = p->text.len;
		} else {
			p->cur.text = (const char *)text;
			p->cur.text_len = tlen;
		}
		return TEXTPARSE_HELP;
	default: {
		const char *m = p->cur.name;
		size_t ml = p->cur.name_len;
		if (tlen > 0 && (ml < tlen + 1 || memcmp(m + ml - tlen, text, tlen) != 0 ||
				 m[ml - tlen - 1] != '_'))
			return textparse_fail(p, TEXTPARSE_ESYNTAX, tpos,
					      "unit not a suffix of metric \"%.*s\"",
					      (int)(ml > 64 ? 64 : ml), m);
		p->cur.text = (const char *)text;
		p->cur.text_len = tlen;
		return TEXTPARSE_UNIT;
	}
	}
}

static int om_series(struct textparse *p)
{
	if (p->lim.max_value_len && p->i - p->start > p->lim.max_value_len)
		return textparse_fail(p, TEXTPARSE_ELIMIT, p->start,
				      "metric name longer than %zu bytes", p->lim.max_value_len);
	p->cur.name = (const char *)p->b + p->start;
	p->cur.name_len = p->i - p->start;
	p->cur.series = p->cur.name;
	p->cur.series_len = p->cur.name_len;
	int t = om_lex(p);
	if (t == TP_BRACEOPEN) {
		int rc = om_labels(p, false);
		if (rc)
			return rc;
		p->cur.series_len = p->i - p->estart;
		t = om_lex(p);
	}
	if (t != TP_VALUE)
		return om_err(p, "expected value after metric", t);
	int rc = om_number(p, &p->cur.value);
	if (rc)
		return rc;
	if (isnan(p->cur.value))
		p->cur.value = textparse_normal_nan();
	t = om_lex(p);
	switch (t) {
	case TP_EOF:
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "data does not end with # EOF");
	case TP_LINEBREAK:
		break;
	case TP_COMMENT:
		if ((rc = om_exemplar(p)))
			return rc;
		break;
	case TP_TIMESTAMP:
		if ((rc = om_timestamp(p, &p->cur.ts, &p->ts_sec, "timestamp")))
			return rc;
		p->cur.has_ts = true;
		t = om_lex(p);
		if (t == TP_COMMENT) {
			if ((rc = om_exemplar(p)))
				return rc;
		} else if (t != TP_LINEBREAK) {
			return om_err(p, "expected next entry after timestamp", t);
		}
		break;
	default:
		return om_err(p, "expected timestamp or # symbol", t);
	}
	return TEXTPARSE_SERIES;
}

int textparse_om_next(struct textparse *p)
{
	memset(&p->cur, 0, sizeof p->cur);
	p->nlrefs = p->nerefs = 0;
	p->labels_built = false;
	p->ex_has_ts = false;
	p->ex_value = 0;
	p->ex_ts = 0;
	p->estart = p->i;
	int t = om_lex(p);
	switch (t) {
	case TP_EOFWORD:
		if ((t = om_lex(p)) != TP_EOF)
			return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start,
					      "unexpected data after # EOF");
		return TEXTPARSE_END;
	case TP_EOF:
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->len, "data does not end with # EOF");
	case TP_HELP:
	case TP_TYPE:
	case TP_UNIT:
		return om_meta(p, t);
	case TP_MNAME:
		return om_series(p);
	default:
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "\"%s\" is not a valid start token",
				      textparse_token_str(t));
	}
}
