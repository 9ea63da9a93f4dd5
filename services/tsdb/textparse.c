/* textparse.c - the iterator's common half: set-up, dispatch to the two
 * formats, label sets and exemplars built on demand, errors, numbers. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "textparse_internal.h"

static const struct textparse_limits textparse_default_limits = TEXTPARSE_LIMITS_DEFAULT;

void textparse_init(struct textparse *p, enum textparse_format format, const char *buf, size_t len,
		    const struct textparse_limits *lim, unsigned flags)
{
	memset(p, 0, sizeof *p);
	p->b = (const unsigned char *)buf;
	p->len = len;
	p->format = format;
	p->n = format == TEXTPARSE_PROM ? len + 1 : len;
	p->flags = flags;
	p->lim = lim ? *lim : textparse_default_limits;
	buf_init(&p->ls.strings);
	buf_init(&p->es.strings);
	buf_init(&p->text);
	buf_init(&p->num);
	if (format == TEXTPARSE_OPENMETRICS && (flags & TEXTPARSE_STRICT))
		textparse_omcheck_init(p);
}

void textparse_free(struct textparse *p)
{
	buf_free(&p->ls.strings);
	buf_free(&p->es.strings);
	buf_free(&p->text);
	buf_free(&p->num);
	free(p->ls.v);
	free(p->es.v);
	free(p->ls.offs);
	free(p->es.offs);
	free(p->lrefs);
	free(p->erefs);
	textparse_omcheck_free(p);
	memset(p, 0, sizeof *p);
}

int textparse_next(struct textparse *p)
{
	if (p->done)
		return p->rc;
	int rc;
	if (p->len > UINT32_MAX - 1)
		rc = textparse_fail(p, TEXTPARSE_ELIMIT, 0, "input of %zu bytes is too large", p->len);
	else
		rc = p->format == TEXTPARSE_OPENMETRICS ? textparse_om_next(p) : textparse_prom_next(p);
	if (rc > 0 && p->lim.max_line_len && p->i - p->estart > p->lim.max_line_len + 1) {
		size_t l = p->i - p->estart;
		if (l && textparse_byte(p, p->i - 1) == '\n')
			l--;
		if (l > p->lim.max_line_len)
			rc = textparse_fail(p, TEXTPARSE_ELIMIT, p->estart,
					    "line longer than %zu bytes", p->lim.max_line_len);
	}
	if (rc > 0 && p->check)
		rc = textparse_omcheck_entry(p, rc);
	if (rc == TEXTPARSE_END && p->check)
		rc = textparse_omcheck_end(p);
	if (rc <= 0) {
		p->done = true;
		p->rc = rc;
		memset(&p->cur, 0, sizeof p->cur);
	}
	return rc;
}

int textparse_fail(struct textparse *p, int code, size_t pos, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	if (pos > p->len)
		pos = p->len;
	for (size_t i = 0; i < pos; i++) {
		if (p->b[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	p->err_line = line;
	p->err_col = col;
	int k = snprintf(p->err, sizeof p->err, "%zu:%zu: ", line, col);
	if (k < 0 || (size_t)k >= sizeof p->err)
		k = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + k, sizeof p->err - (size_t)k, fmt, ap);
	va_end(ap);
	return code;
}

const char *textparse_error(const struct textparse *p)
{
	return p->err;
}

const char *textparse_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case TEXTPARSE_ESYNTAX: return "malformed exposition";
	case TEXTPARSE_ELIMIT: return "exposition exceeds a limit";
	case TEXTPARSE_EDUPLABEL: return "duplicate label name";
	case TEXTPARSE_ESEMANTIC: return "breaks an OpenMetrics rule";
	case TEXTPARSE_ECONTENTTYPE: return "unparsable Content-Type";
	}
	return "unknown error";
}

const char *textparse_mtype_name(enum textparse_mtype t)
{
	switch (t) {
	case TEXTPARSE_MT_COUNTER: return "counter";
	case TEXTPARSE_MT_GAUGE: return "gauge";
	case TEXTPARSE_MT_HISTOGRAM: return "histogram";
	case TEXTPARSE_MT_GAUGEHISTOGRAM: return "gaugehistogram";
	case TEXTPARSE_MT_SUMMARY: return "summary";
	case TEXTPARSE_MT_INFO: return "info";
	case TEXTPARSE_MT_STATESET: return "stateset";
	case TEXTPARSE_MT_UNKNOWN: break;
	}
	return "unknown";
}

const char *textparse_token_str(int t)
{
	static const char *const names[] = {
		[TP_EOF] = "EOF",           [TP_LINEBREAK] = "LINEBREAK",
		[TP_WHITESPACE] = "WHITESPACE", [TP_HELP] = "HELP",
		[TP_TYPE] = "TYPE",         [TP_UNIT] = "UNIT",
		[TP_EOFWORD] = "EOFWORD",   [TP_TEXT] = "TEXT",
		[TP_COMMENT] = "COMMENT",   [TP_MNAME] = "MNAME",
		[TP_BRACEOPEN] = "BOPEN",   [TP_BRACECLOSE] = "BCLOSE",
		[TP_LNAME] = "LNAME",       [TP_LVALUE] = "LVALUE",
		[TP_COMMA] = "COMMA",       [TP_EQUAL] = "EQUAL",
		[TP_TIMESTAMP] = "TIMESTAMP", [TP_VALUE] = "VALUE",
	};
	if (t < 0 || t >= (int)(sizeof names / sizeof names[0]) || !names[t])
		return "INVALID";
	return names[t];
}

unsigned textparse_lex_next_slow(struct textparse *p)
{
	/* p->i was stepped already; the byte there is past the buffer or 0. */
	for (;;) {
		if (p->i >= p->n)
			return 0;
		unsigned c = textparse_byte(p, p->i);
		if (c != 0 || !(p->state == TP_S_LVALUE || p->state == TP_S_META2 ||
				p->state == TP_S_COMMENT))
			return c;
		p->i++;
	}
}

double textparse_normal_nan(void)
{
	uint64_t bits = 0x7ff8000000000001ull;
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

static bool textparse_ieq(const unsigned char *s, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)lit[i])
			return false;
	}
	return true;
}

#if FLT_EVAL_METHOD == 0
/* 10^0 .. 10^22: every one exact in a double (5^22 < 2^53). */
static const double textparse_pow10[23] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
#endif

bool textparse_decimal_fast(const unsigned char *s, size_t n, double *out)
{
#if FLT_EVAL_METHOD == 0
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	uint64_t m = 0;
	int sig = 0;     /* significant digits in m (leading zeros skipped) */
	int p10 = 0;     /* power of ten to apply to m */
	bool digits = false, dot = false;
	for (; i < n; i++) {
		unsigned c = s[i];
		if (c >= '0' && c <= '9') {
			digits = true;
			if (m == 0 && c == '0') {
				if (dot && --p10 < -100000)
					return false; /* absurdly many zeros */
				continue;
			}
			if (++sig > 19)
				return false;
			m = m * 10 + (c - '0');
			if (dot)
				p10--;
		} else if (c == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!digits)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < n && (s[i] == '+' || s[i] == '-')) {
			eneg = s[i] == '-';
			i++;
		}
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		int e = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (e > 10000)
				return false; /* far out of the fast range: strtod decides */
			e = e * 10 + (s[i] - '0');
		}
		p10 += eneg ? -e : e;
	}
	if (i != n)
		return false;
	double v;
	if (m == 0)
		v = 0.0;
	else if (m > (UINT64_C(1) << 53) || p10 > 22 || p10 < -22)
		return false;
	else if (p10 >= 0)
		v = (double)m * textparse_pow10[p10];
	else
		v = (double)m / textparse_pow10[-p10];
	*out = neg ? -v : v;
	return true;
#else
	(void)s;
	(void)n;
	(void)out;
	return false; /* excess precision would round twice */
#endif
}

int textparse_parse_float(struct textparse *p, const unsigned char *s, size_t n, double *out)
{
	if (n == 0)
		return -1;
	size_t i = 0;
	bool neg = false;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i = 1;
	}
	if ((n - i == 3 && textparse_ieq(s + i, "inf", 3)) ||
	    (n - i == 8 && textparse_ieq(s + i, "infinity", 8))) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (n == 3 && textparse_ieq(s, "nan", 3)) {
		*out = textparse_normal_nan();
		return 0;
	}
	/* Decimal: digits with at most one '.', at least one digit, then an
	 * optional exponent with at least one digit. Go reads "0x..." as hex,
	 * which needs a 'p' exponent that Prometheus forbids: never valid,
	 * and the grammar below refuses the 'x' anyway. */
	bool digits = false, dot = false;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits = true;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			break;
	}
	if (!digits)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != n)
		return -1;
	if (textparse_decimal_fast(s, n, out))
		return 0;
	char small[64];
	char *z = small;
	if (n >= sizeof small) {
		buf_reset(&p->num);
		buf_put(&p->num, s, n);
		z = p->num.p;
	} else {
		memcpy(small, s, n);
		small[n] = 0;
	}
	errno = 0;
	double v = strtod(z, NULL);
	if (isinf(v))
		return -1; /* Go: "value out of range" */
	*out = v;
	return 0;
}

bool textparse_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F; /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return false;
		i += k + 1;
	}
	return true;
}

static int textparse_grow_refs(struct textparse_lref **v, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	*v = xrealloc(*v, nc * sizeof **v);
	*cap = nc;
	return 0;
}

int textparse_add_lref(struct textparse *p, bool exemplar, size_t name_start, size_t name_end,
		       size_t value_start, size_t value_end)
{
	size_t *n = exemplar ? &p->nerefs : &p->nlrefs;
	if (p->lim.max_labels && *n >= p->lim.max_labels)
		return textparse_fail(p, TEXTPARSE_ELIMIT, name_start, "more than %zu labels",
				      p->lim.max_labels);
	if (p->lim.max_name_len && name_end - name_start > p->lim.max_name_len)
		return textparse_fail(p, TEXTPARSE_ELIMIT, name_start,
				      "label name longer than %zu bytes", p->lim.max_name_len);
	if (p->lim.max_value_len && value_end - value_start > p->lim.max_value_len)
		return textparse_fail(p, TEXTPARSE_ELIMIT, value_start,
				      "label value longer than %zu bytes", p->lim.max_value_len);
	if (exemplar)
		textparse_grow_refs(&p->erefs, &p->erefs_cap, *n + 1);
	else
		textparse_grow_refs(&p->lrefs, &p->lrefs_cap, *n + 1);
	struct textparse_lref *r = (exemplar ? p->erefs : p->lrefs) + *n;
	r->name_off = (uint32_t)name_start;
	r->name_len = (uint32_t)(name_end - name_start);
	r->value_off = (uint32_t)value_start;
	r->value_len = (uint32_t)(value_end - value_start);
	(*n)++;
	return 0;
}

void textparse_unescape(struct buf *out, const unsigned char *s, size_t n, bool quote)
{
	const unsigned char *bs = memchr(s, '\\', n);
	if (!bs) {
		buf_put(out, s, n);
		return;
	}
	size_t i = 0;
	while (i < n) {
		if (s[i] == '\\' && i + 1 < n) {
			unsigned c = s[i + 1];
			if (c == '\\' || c == 'n' || (quote && c == '"')) {
				buf_putc(out, c == 'n' ? '\n' : (char)c);
				i += 2;
				continue;
			}
		}
		buf_putc(out, (char)s[i++]);
	}
}

static int textparse_label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Build a sorted label set from refs into scratch ls. The metric name, if
 * name_len > 0, becomes __name__. Values have escapes resolved (p's input
 * bytes never change). Returns 0 or TEXTPARSE_EDUPLABEL. */
static int textparse_build(struct textparse *p, struct textparse_lscratch *ls,
			   const struct textparse_lref *refs, size_t nrefs, const char *name,
			   size_t name_len, struct labels *out)
{
	size_t total = nrefs + (name_len ? 1 : 0);
	if (total > ls->cap) {
		ls->cap = total < 16 ? 16 : total * 2;
		ls->v = xrealloc(ls->v, ls->cap * sizeof *ls->v);
		ls->offs = xrealloc(ls->offs, 2 * ls->cap * sizeof *ls->offs);
	}
	/* Strings first (the buffer may move while it grows), as offsets. */
	buf_reset(&ls->strings);
	size_t *offs = ls->offs;
	size_t k = 0;
	if (name_len) {
		offs[2 * k] = ls->strings.len;
		buf_put(&ls->strings, LABELS_METRIC_NAME, sizeof LABELS_METRIC_NAME);
		offs[2 * k + 1] = ls->strings.len;
		buf_put(&ls->strings, name, name_len);
		buf_putc(&ls->strings, 0);
		k++;
	}
	for (size_t i = 0; i < nrefs; i++, k++) {
		offs[2 * k] = ls->strings.len;
		buf_put(&ls->strings, p->b + refs[i].name_off, refs[i].name_len);
		buf_putc(&ls->strings, 0);
		offs[2 * k + 1] = ls->strings.len;
		textparse_unescape(&ls->strings, p->b + refs[i].value_off, refs[i].value_len, true);
		buf_putc(&ls->strings, 0);
	}
	for (k = 0; k < total; k++) {
		ls->v[k].name = ls->strings.p + offs[2 * k];
		ls->v[k].value = ls->strings.p + offs[2 * k + 1];
	}
	if (total > 1)
		qsort(ls->v, total, sizeof *ls->v, textparse_label_cmp);
	int rc = 0;
	for (k = 1; k < total; k++)
		if (strcmp(ls->v[k - 1].name, ls->v[k].name) == 0)
			rc = TEXTPARSE_EDUPLABEL;
	if (rc == 0) {
		/* Drop empty values (a Prometheus label set holds none). */
		size_t w = 0;
		for (k = 0; k < total; k++)
			if (ls->v[k].value[0])
				ls->v[w++] = ls->v[k];
		total = w;
	}
	out->v = ls->v;
	out->n = total;
	return rc;
}

int textparse_labels(struct textparse *p, struct labels *out)
{
	if (!p->labels_built) {
		p->labels_rc = textparse_build(p, &p->ls, p->lrefs, p->nlrefs, p->cur.name,
					       p->cur.name_len, &p->lset);
		p->labels_built = true;
	}
	*out = p->lset;
	return p->labels_rc;
}

int textparse_exemplar(struct textparse *p, struct textparse_exemplar *ex)
{
	memset(ex, 0, sizeof *ex);
	if (!p->cur.has_exemplar)
		return 0;
	ex->value = p->ex_value;
	ex->ts = p->ex_ts;
	ex->has_ts = p->ex_has_ts;
	int rc = textparse_build(p, &p->es, p->erefs, p->nerefs, NULL, 0, &ex->labels);
	return rc ? rc : 1;
}

/* ---- Content-Type, as Go's mime.ParseMediaType reads it ---- */

static bool textparse_tokenchar(unsigned c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", (int)c);
}

static bool textparse_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *textparse_skip_space(const char *s)
{
	while (*s && textparse_space((unsigned char)*s))
		s++;
	return s;
}

static size_t textparse_token_len(const char *s)
{
	size_t n = 0;
	while (s[n] && textparse_tokenchar((unsigned char)s[n]))
		n++;
	return n;
}

/* One ";key=value" parameter at s: returns the rest, or NULL when none
 * could be read. The key is reported for the duplicate check. */
static const char *textparse_media_param(const char *s, const char **key, size_t *key_len)
{
	s = textparse_skip_space(s);
	if (*s != ';')
		return NULL;
	s = textparse_skip_space(s + 1);
	size_t k = textparse_token_len(s);
	if (!k)
		return NULL;
	*key = s;
	*key_len = k;
	s = textparse_skip_space(s + k);
	if (*s != '=')
		return NULL;
	s = textparse_skip_space(s + 1);
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++)
			if (*s == '\\' && s[1])
				s++;
		return *s == '"' ? s + 1 : NULL;
	}
	size_t v = textparse_token_len(s);
	return v ? s + v : NULL;
}

int textparse_format_for(const char *ct, enum textparse_format *fmt)
{
	*fmt = TEXTPARSE_PROM;
	if (!ct || !*ct)
		return 0;
	const char *semi = strchr(ct, ';');
	size_t base_len = semi ? (size_t)(semi - ct) : strlen(ct);
	/* The media type: token "/" token, surrounding space trimmed. */
	const char *s = textparse_skip_space(ct);
	const char *end = ct + base_len;
	while (end > s && textparse_space((unsigned char)end[-1]))
		end--;
	size_t t = textparse_token_len(s);
	if (!t || s + t > end)
		return TEXTPARSE_ECONTENTTYPE;
	bool om = false;
	if (s + t < end) {
		if (s[t] != '/')
			return TEXTPARSE_ECONTENTTYPE;
		size_t st = textparse_token_len(s + t + 1);
		if (!st || s + t + 1 + st != end)
			return TEXTPARSE_ECONTENTTYPE;
		om = t + 1 + st == strlen("application/openmetrics-text") &&
		     strncasecmp(s, "application/openmetrics-text", t + 1 + st) == 0;
	}
	/* Parameters: any malformed one, or a repeated name, makes Go return an
	 * error, and Prometheus then falls back to the text parser. */
	const char *keys[16];
	size_t key_lens[16], nkeys = 0;
	const char *r = ct + base_len;
	for (;;) {
		r = textparse_skip_space(r);
		if (!*r)
			break;
		const char *key;
		size_t key_len;
		const char *next = textparse_media_param(r, &key, &key_len);
		if (!next) {
			if (*r == ';' && !*textparse_skip_space(r + 1))
				break; /* a trailing ';' is fine */
			return TEXTPARSE_ECONTENTTYPE;
		}
		for (size_t i = 0; i < nkeys; i++)
			if (key_lens[i] == key_len && strncasecmp(keys[i], key, key_len) == 0)
				return TEXTPARSE_ECONTENTTYPE;
		if (nkeys < 16) {
			keys[nkeys] = key;
			key_lens[nkeys++] = key_len;
		}
		r = next;
	}
	if (om)
		*fmt = TEXTPARSE_OPENMETRICS;
	return 0;
}

int textparse_check_lvalue(struct textparse *p)
{
	/* Plain ASCII without NUL (nearly every value) passes both checks
	 * below: one pass instead of two. */
	const unsigned char *v = p->b + p->start;
	size_t vn = p->i - p->start, k = 0;

	while (k < vn && v[k] - 1u < 0x7fu)
		k++;
	if (k == vn)
		return 0;
	if (!textparse_utf8_valid(v, vn))
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "invalid UTF-8 label value");
	if (memchr(v, 0, vn))
		return textparse_fail(p, TEXTPARSE_ESYNTAX, p->start, "NUL byte in a label value");
	return 0;
}
