/* textparse_internal.h - what the textparse files share and nobody else
 * uses: the lexer's tokens and start conditions (ported from Prometheus
 * 2.42's golex lexers promlex.l and openmetricslex.l, which both parsers
 * follow state for state), error reporting, number and UTF-8 checks, and
 * the strict OpenMetrics checker's entry points. */
#ifndef PHAROS_TEXTPARSE_INTERNAL_H
#define PHAROS_TEXTPARSE_INTERNAL_H

#include "textparse.h"

enum textparse_token {
	TP_INVALID = -1,
	TP_EOF = 0,
	TP_LINEBREAK,
	TP_WHITESPACE,
	TP_HELP,
	TP_TYPE,
	TP_UNIT,
	TP_EOFWORD,
	TP_TEXT,
	TP_COMMENT,
	TP_MNAME,
	TP_BRACEOPEN,
	TP_BRACECLOSE,
	TP_LNAME,
	TP_LVALUE,
	TP_COMMA,
	TP_EQUAL,
	TP_TIMESTAMP,
	TP_VALUE,
};

/* Lexer start conditions, numbered as in Prometheus. */
enum textparse_state {
	TP_S_INIT,
	TP_S_COMMENT,
	TP_S_META1,
	TP_S_META2,
	TP_S_LABELS,
	TP_S_LVALUE,
	TP_S_VALUE,
	TP_S_TIMESTAMP,
	TP_S_EXEMPLAR,
	TP_S_EVALUE,
	TP_S_ETIMESTAMP,
};

/* The byte at i (< p->n): the text format reads one '\n' past the input. */
static inline unsigned textparse_byte(const struct textparse *p, size_t i)
{
	return i < p->len ? p->b[i] : '\n';
}

/* The lexers' next(): step one byte and return it (0 at the end). Inside
 * label values, HELP text and comments NUL bytes are stepped over, as
 * Prometheus's lexers do ("Lex struggles with null bytes").
 * textparse_lex_next_slow() (textparse.c) is the part past the end of the
 * buffer or at a NUL byte; the common case stays inline. */
unsigned textparse_lex_next_slow(struct textparse *p);

static inline __attribute__((always_inline)) unsigned textparse_lex_next(struct textparse *p)
{
	size_t i = ++p->i;
	if (i < p->len && p->b[i] != 0)
		return p->b[i];
	return textparse_lex_next_slow(p);
}

/* The entry points of the two formats (textparse_prom.c, textparse_om.c):
 * same contract as textparse_next(). */
int textparse_prom_next(struct textparse *p);
int textparse_om_next(struct textparse *p);

/* Record an error at input offset pos: sets p->err ("LINE:COL: msg"),
 * p->err_line, p->err_col. Returns code. */
int textparse_fail(struct textparse *p, int code, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Check the label value token p->b[p->start, p->i) (quotes included):
 * valid UTF-8, and no NUL byte (Prometheus keeps NULs in label values; a C
 * label set cannot, and no exporter means them). Returns 0, or records the
 * error at the token and returns TEXTPARSE_ESYNTAX. */
int textparse_check_lvalue(struct textparse *p);

/* Go's strconv.ParseFloat(s, 64) as Prometheus's parseFloat calls it:
 * no 'p', 'P' or '_' anywhere, decimal only (Go's hex floats need 'p'),
 * "inf"/"infinity" with an optional sign and "nan" in any case, overflow
 * to infinity an error. Returns 0 or -1. */
int textparse_parse_float(struct textparse *p, const unsigned char *s, size_t n, double *out);

/* The fast path of textparse_parse_float (Clinger's): s[0..n) a plain
 * decimal (optional sign, digits with at most one '.', optional exponent)
 * whose integer mantissa m (at most 19 significant digits, m <= 2^53)
 * and power of ten p (|p| <= 22) make m * 10^p or m / 10^-p exact
 * operands of one correctly rounded IEEE operation; a zero mantissa
 * gives a signed zero. Then *out is set to the very double strtod()
 * returns, and true is returned. Anything else (NaN/Inf spellings, more
 * digits, larger exponents, malformed text) returns false with *out
 * untouched: the caller falls back to strtod(). Always false where
 * FLT_EVAL_METHOD != 0 (x87 excess precision would round twice). */
bool textparse_decimal_fast(const unsigned char *s, size_t n, double *out);

/* Is s[0..n) valid UTF-8 as Go's utf8.Valid sees it? */
bool textparse_utf8_valid(const unsigned char *s, size_t n);

/* Spelling of a token for messages ("LNAME", ...), as Prometheus's. */
const char *textparse_token_str(int t);

/* Append a label reference (series labels, or the exemplar's when
 * exemplar), checking the limits. Returns 0 or TEXTPARSE_ELIMIT (error
 * recorded). */
int textparse_add_lref(struct textparse *p, bool exemplar, size_t name_start, size_t name_end,
		       size_t value_start, size_t value_end);

/* Resolve the escapes \\, \" and \n of a label value (also \" in HELP
 * text when quote is true) appending to out. Other backslashes stay. */
void textparse_unescape(struct buf *out, const unsigned char *s, size_t n, bool quote);

/* Character classes of both formats' lexers: metric-name start (m) and
 * rest (md), label-name start (l) and rest (ld). */
static inline __attribute__((always_inline)) bool textparse_is_m(unsigned c)
{
	return c == ':' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline __attribute__((always_inline)) bool textparse_is_md(unsigned c)
{
	return textparse_is_m(c) || (c >= '0' && c <= '9');
}

static inline __attribute__((always_inline)) bool textparse_is_l(unsigned c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline __attribute__((always_inline)) bool textparse_is_ld(unsigned c)
{
	return textparse_is_l(c) || (c >= '0' && c <= '9');
}

/* The normal NaN Prometheus stores for a NaN it parsed. */
double textparse_normal_nan(void);

/* Strict OpenMetrics checks (textparse_omcheck.c). */
void textparse_omcheck_init(struct textparse *p);
/* Called after each entry the OpenMetrics parser produced; returns 0 or
 * TEXTPARSE_ESEMANTIC / TEXTPARSE_EDUPLABEL (error recorded). */
int textparse_omcheck_entry(struct textparse *p, int entry);
/* Called at "# EOF": the last family's checks. */
int textparse_omcheck_end(struct textparse *p);
void textparse_omcheck_free(struct textparse *p);

#endif
