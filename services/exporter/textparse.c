/* textparse.c - the text exposition format parser. See textparse.h.
 *
 * The parser is a state machine over the input bytes that mirrors the
 * states of prometheus/common's TextParser, so that the same inputs fail
 * at the same places: one current byte, an end-of-input flag that ends
 * every state (only the start of a line may end cleanly), and a token
 * buffer reused for every token. Kept strings are copied into the caller's
 * arena; the token buffer is the only heap memory and is freed on return.
 */
#include "textparse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "goconv.h"

enum tp_state {
	ST_LINE,        /* start of a line */
	ST_COMMENT,     /* after '#' */
	ST_NAME,        /* first byte of a sample's metric name */
	ST_LABELS,      /* after the name: '{' or the value */
	ST_LABEL_NAME,  /* inside {}, before a label name */
	ST_LABEL_VALUE, /* after '=' */
	ST_VALUE,       /* first byte of the sample value */
	ST_TIMESTAMP,   /* after the value */
	ST_HELP,        /* first byte of HELP text */
	ST_TYPE,        /* first byte of TYPE text */
	ST_END,
};

/* Family types as the parser tracks them: enum metric_type, plus the one
 * type a TYPE line may name that has no samples here. */
#define TP_GAUGE_HISTOGRAM 100

struct tp_family {
	struct textparse_family pub;
	struct tp_family *order; /* next in order of first mention */
	struct textparse_metric *tail;
	uint32_t hash;
	int has_type;
	int type; /* enum metric_type or TP_GAUGE_HISTOGRAM; meaningful if has_type */
};

/* A summary or histogram metric, found again by its labels. */
struct tp_sig {
	struct tp_family *f;
	struct textparse_metric *m;
	uint32_t hash;
};

struct tp {
	const char *buf;
	size_t len, pos;
	unsigned char cur; /* the byte last read */
	int eof;           /* a read ran past the end */
	int failed;
	size_t line, line_start, nlines;
	size_t tok_col;    /* column where the token in tok starts */
	struct buf tok;
	struct arena *a;
	const char *file;
	char *err;
	size_t errlen;

	struct tp_family **ftab; /* open addressing, by name */
	size_t fcap, fcount;
	struct tp_family *first, *last;
	struct tp_sig *stab;     /* open addressing, by family + labels */
	size_t scap, scount;
	const char **itab;       /* interned label names, open addressing */
	size_t icap, icount;
	char *pool;              /* strings are packed here, unaligned */
	size_t pool_left;

	/* The line being parsed. */
	struct tp_family *mf;
	struct textparse_metric *metric;
	struct textparse_label labels[TEXTPARSE_MAX_LABELS];
	size_t nlabels;
	const char *label_name; /* the label whose value comes next */
	double quantile, bucket; /* NaN unless this line has one */
	int is_count, is_sum;    /* a _count/_sum line of a summary or histogram */
	int has_timestamps;
};

/* ---- errors ---- */

static size_t col_here(const struct tp *p)
{
	if (p->eof)
		return p->len - p->line_start + 1;
	return p->pos - p->line_start;
}

static void fail_at(struct tp *p, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_at(struct tp *p, size_t col, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = 1;
	if (!p->errlen)
		return;
	int n = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->file, p->line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

#define fail_here(p, ...) fail_at((p), col_here(p), __VA_ARGS__)

/* A token shown in a message: printable ASCII as is, the rest as \xNN,
 * cut at 60 bytes. Returns a string in the arena. */
static const char *shown(struct tp *p, const char *s, size_t n)
{
	size_t lim = n > 60 ? 60 : n;
	char *out = arena_alloc(p->a, lim * 4 + 4);
	size_t o = 0;
	for (size_t i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			static const char hex[] = "0123456789abcdef";
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (lim < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return out;
}

static const char *shown_tok(struct tp *p)
{
	return shown(p, p->tok.p ? p->tok.p : "", p->tok.len);
}

static const char *shown_byte(struct tp *p)
{
	char c = (char)p->cur;
	return shown(p, &c, 1);
}

/* ---- reading ---- */

static int rd(struct tp *p)
{
	if (p->pos < p->len) {
		p->cur = (unsigned char)p->buf[p->pos++];
		return 0;
	}
	p->cur = 0;
	p->eof = 1;
	return -1;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_label_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_label_cont(int c)
{
	return is_label_start(c) || (c >= '0' && c <= '9');
}

static int is_name_start(int c)
{
	return is_label_start(c) || c == ':';
}

static int is_name_cont(int c)
{
	return is_label_cont(c) || c == ':';
}

/* Read bytes until one that is not a blank; it is left in cur. */
static void skip_blank(struct tp *p)
{
	while (rd(p) == 0 && is_blank(p->cur))
		;
}

static void tok_reset(struct tp *p)
{
	buf_reset(&p->tok);
	p->tok_col = col_here(p);
}

/* From cur up to (not including) a blank or newline. */
static void tok_until_blank(struct tp *p)
{
	tok_reset(p);
	while (!p->eof && !is_blank(p->cur) && p->cur != '\n') {
		buf_putc(&p->tok, (char)p->cur);
		rd(p);
	}
}

/* From cur up to the newline. With escapes, \\ and \n are decoded and
 * any other escape is an error; without, a backslash is dropped (as the
 * reference parser does). */
static void tok_until_newline(struct tp *p, int escapes)
{
	tok_reset(p);
	int escaped = 0;
	while (!p->eof) {
		if (escapes && escaped) {
			if (p->cur == '\\') {
				buf_putc(&p->tok, '\\');
			} else if (p->cur == 'n') {
				buf_putc(&p->tok, '\n');
			} else {
				fail_here(p, "invalid escape sequence \"\\%s\"", shown_byte(p));
				return;
			}
			escaped = 0;
		} else if (p->cur == '\n') {
			return;
		} else if (p->cur == '\\') {
			escaped = 1;
		} else {
			buf_putc(&p->tok, (char)p->cur);
		}
		rd(p);
	}
}

static void tok_metric_name(struct tp *p)
{
	tok_reset(p);
	if (!is_name_start(p->cur))
		return;
	do
		buf_putc(&p->tok, (char)p->cur);
	while (rd(p) == 0 && is_name_cont(p->cur));
}

static void tok_label_name(struct tp *p)
{
	tok_reset(p);
	if (!is_label_start(p->cur))
		return;
	do
		buf_putc(&p->tok, (char)p->cur);
	while (rd(p) == 0 && is_label_cont(p->cur));
}

/* The bytes after the opening quote (in cur) up to the closing quote,
 * which is left in cur. */
static void tok_label_value(struct tp *p)
{
	tok_reset(p);
	p->tok_col++;
	int escaped = 0;
	while (rd(p) == 0) {
		if (escaped) {
			if (p->cur == '"' || p->cur == '\\') {
				buf_putc(&p->tok, (char)p->cur);
			} else if (p->cur == 'n') {
				buf_putc(&p->tok, '\n');
			} else {
				fail_here(p, "invalid escape sequence \"\\%s\" in label value",
					  shown_byte(p));
				return;
			}
			escaped = 0;
			continue;
		}
		if (p->cur == '"')
			return;
		if (p->cur == '\n') {
			fail_here(p, "label value \"%s\" runs into the end of the line",
				  shown_tok(p));
			return;
		}
		if (p->cur == '\\')
			escaped = 1;
		else
			buf_putc(&p->tok, (char)p->cur);
	}
}

/* Copy s[0..n) into the string pool (chunks taken from the arena; the
 * arena would round every string up to 16 bytes). */
static char *pool_dup(struct tp *p, const char *s, size_t n)
{
	if (n + 1 > p->pool_left) {
		size_t chunk = n + 1 > 65536 ? n + 1 : 65536;
		p->pool = arena_alloc(p->a, chunk);
		p->pool_left = chunk;
	}
	char *r = p->pool;
	memcpy(r, s, n);
	r[n] = 0;
	p->pool += n + 1;
	p->pool_left -= n + 1;
	return r;
}

static int tok_is(const struct tp *p, const char *s)
{
	size_t n = strlen(s);
	return p->tok.len == n && memcmp(p->tok.p, s, n) == 0;
}

static char *tok_dup(struct tp *p)
{
	return pool_dup(p, p->tok.p ? p->tok.p : "", p->tok.len);
}

static uint32_t fnv(const char *s, size_t n, uint32_t h);

/* The token as a label name, stored once per distinct name. */
static const char *tok_intern(struct tp *p)
{
	const char *t = p->tok.p ? p->tok.p : "";
	size_t n = p->tok.len;
	if ((p->icount + 1) * 2 > p->icap) {
		size_t cap = p->icap ? p->icap * 2 : 32;
		const char **v = arena_alloc(p->a, cap * sizeof *v);
		memset(v, 0, cap * sizeof *v);
		for (size_t i = 0; i < p->icap; i++) {
			if (!p->itab[i])
				continue;
			size_t j = fnv(p->itab[i], strlen(p->itab[i]), 2166136261u) & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = p->itab[i];
		}
		p->itab = v;
		p->icap = cap;
	}
	size_t j = fnv(t, n, 2166136261u) & (p->icap - 1);
	for (; p->itab[j]; j = (j + 1) & (p->icap - 1))
		if (!strncmp(p->itab[j], t, n) && p->itab[j][n] == 0)
			return p->itab[j];
	p->itab[j] = tok_dup(p);
	p->icount++;
	return p->itab[j];
}

/* A float as the text format allows it: Go's ParseFloat without '_' and
 * without hexadecimal ('p') forms. */
static int prom_float(const char *s, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == 'p' || s[i] == 'P' || s[i] == '_')
			return -1;
	return goconv_parse_float(s, n, out);
}

/* ---- families ---- */

static uint32_t fnv(const char *s, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void ftab_grow(struct tp *p)
{
	size_t cap = p->fcap ? p->fcap * 2 : 64;
	struct tp_family **t = arena_alloc(p->a, cap * sizeof *t);
	memset(t, 0, cap * sizeof *t);
	for (size_t i = 0; i < p->fcap; i++) {
		struct tp_family *f = p->ftab[i];
		if (!f)
			continue;
		size_t j = f->hash & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = f;
	}
	p->ftab = t;
	p->fcap = cap;
}

static struct tp_family *fam_find(struct tp *p, const char *name, size_t n)
{
	if (!p->fcap)
		return NULL;
	uint32_t h = fnv(name, n, 2166136261u);
	for (size_t j = h & (p->fcap - 1); p->ftab[j]; j = (j + 1) & (p->fcap - 1)) {
		struct tp_family *f = p->ftab[j];
		if (f->hash == h && strlen(f->pub.name) == n && memcmp(f->pub.name, name, n) == 0)
			return f;
	}
	return NULL;
}

static struct tp_family *fam_create(struct tp *p, const char *name, size_t n)
{
	if ((p->fcount + 1) * 2 > p->fcap)
		ftab_grow(p);
	struct tp_family *f = arena_alloc(p->a, sizeof *f);
	memset(f, 0, sizeof *f);
	f->pub.name = pool_dup(p, name, n);
	f->pub.type = METRIC_UNTYPED;
	f->hash = fnv(name, n, 2166136261u);
	size_t j = f->hash & (p->fcap - 1);
	while (p->ftab[j])
		j = (j + 1) & (p->fcap - 1);
	p->ftab[j] = f;
	p->fcount++;
	if (p->last)
		p->last->order = f;
	else
		p->first = f;
	p->last = f;
	return f;
}

static int ends_with(const char *s, size_t n, const char *suffix, size_t min_len)
{
	size_t k = strlen(suffix);
	return n > min_len && memcmp(s + n - k, suffix, k) == 0;
}

/* Make the family named by the token current: an existing family of that
 * name; else, for name_count/name_sum(/name_bucket), an existing summary
 * (histogram) "name"; else a new family. */
static void fam_select(struct tp *p)
{
	const char *name = p->tok.p;
	size_t n = p->tok.len;
	p->is_count = p->is_sum = 0;
	if ((p->mf = fam_find(p, name, n)) != NULL)
		return;
	int count = ends_with(name, n, "_count", 6), sum = ends_with(name, n, "_sum", 4);
	int bucket = ends_with(name, n, "_bucket", 7);
	size_t base = count ? n - 6 : sum ? n - 4 : n;
	struct tp_family *f = fam_find(p, name, base);
	if (f && f->has_type && f->type == METRIC_SUMMARY) {
		p->mf = f;
		p->is_count = count;
		p->is_sum = sum;
		return;
	}
	if (bucket && !count && !sum)
		base = n - 7;
	f = fam_find(p, name, base);
	if (f && f->has_type && f->type == METRIC_HISTOGRAM) {
		p->mf = f;
		p->is_count = count;
		p->is_sum = sum;
		return;
	}
	p->mf = fam_create(p, name, n);
}

static int mf_is(const struct tp *p, int type)
{
	return p->mf->has_type && p->mf->type == type;
}

/* ---- summary and histogram metrics by label set ---- */

static uint32_t labels_hash(const struct textparse_label *l, size_t n)
{
	uint32_t h = 0; /* order-independent: a sum of per-pair hashes */
	for (size_t i = 0; i < n; i++) {
		uint32_t x = fnv(l[i].name, strlen(l[i].name), 2166136261u);
		x = fnv("\xff", 1, x);
		x = fnv(l[i].value, strlen(l[i].value), x);
		h += x * 2654435761u;
	}
	return h;
}

static int labels_equal(const struct textparse_label *a, size_t na,
			const struct textparse_label *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) { /* names are unique within a set */
		size_t j = 0;
		while (j < nb && strcmp(a[i].name, b[j].name) != 0)
			j++;
		if (j == nb || strcmp(a[i].value, b[j].value) != 0)
			return 0;
	}
	return 1;
}

static void stab_grow(struct tp *p)
{
	size_t cap = p->scap ? p->scap * 2 : 64;
	struct tp_sig *t = arena_alloc(p->a, cap * sizeof *t);
	memset(t, 0, cap * sizeof *t);
	for (size_t i = 0; i < p->scap; i++) {
		if (!p->stab[i].m)
			continue;
		size_t j = p->stab[i].hash & (cap - 1);
		while (t[j].m)
			j = (j + 1) & (cap - 1);
		t[j] = p->stab[i];
	}
	p->stab = t;
	p->scap = cap;
}

static struct textparse_metric *metric_new(struct tp *p)
{
	struct textparse_metric *m = arena_alloc(p->a, sizeof *m);
	memset(m, 0, sizeof *m);
	m->nlabels = p->nlabels;
	m->labels = arena_alloc(p->a, (p->nlabels ? p->nlabels : 1) * sizeof *m->labels);
	memcpy(m->labels, p->labels, p->nlabels * sizeof *m->labels);
	struct tp_family *f = p->mf;
	if (f->tail)
		f->tail->next = m;
	else
		f->pub.metrics = m;
	f->tail = m;
	f->pub.nmetrics++;
	return m;
}

/* The metric this line adds to: for summaries and histograms the one
 * with the same labels if there is one, else a new one. */
static struct textparse_metric *metric_for_line(struct tp *p)
{
	if (!mf_is(p, METRIC_SUMMARY) && !mf_is(p, METRIC_HISTOGRAM))
		return metric_new(p);
	uint32_t h = labels_hash(p->labels, p->nlabels) ^ p->mf->hash;
	if (p->scap) {
		for (size_t j = h & (p->scap - 1); p->stab[j].m; j = (j + 1) & (p->scap - 1)) {
			struct tp_sig *s = &p->stab[j];
			if (s->hash == h && s->f == p->mf &&
			    labels_equal(s->m->labels, s->m->nlabels, p->labels, p->nlabels))
				return s->m;
		}
	}
	if ((p->scount + 1) * 2 > p->scap)
		stab_grow(p);
	struct textparse_metric *m = metric_new(p);
	size_t j = h & (p->scap - 1);
	while (p->stab[j].m)
		j = (j + 1) & (p->scap - 1);
	p->stab[j] = (struct tp_sig){ p->mf, m, h };
	p->scount++;
	return m;
}

static void point_add(struct tp *p, double bound, double value, uint64_t count)
{
	struct textparse_point *pt = arena_alloc(p->a, sizeof *pt);
	pt->bound = bound;
	pt->value = value;
	pt->count = count;
	pt->next = p->metric->points; /* reversed once parsing is done */
	p->metric->points = pt;
	p->metric->npoints++;
}

/* ---- the states ---- */

static enum tp_state st_line(struct tp *p)
{
	p->line++;
	p->line_start = p->pos;
	if (++p->nlines > TEXTPARSE_MAX_LINES) {
		fail_at(p, 1, "more than %u lines", TEXTPARSE_MAX_LINES);
		return ST_END;
	}
	skip_blank(p);
	if (p->eof) {
		p->eof = 0; /* the one clean way to end */
		return ST_END;
	}
	if (p->cur == '#')
		return ST_COMMENT;
	if (p->cur == '\n')
		return ST_LINE;
	return ST_NAME;
}

static enum tp_state st_comment(struct tp *p)
{
	skip_blank(p);
	if (p->eof)
		return ST_END;
	if (p->cur == '\n')
		return ST_LINE;
	tok_until_blank(p);
	if (p->eof)
		return ST_END;
	if (p->cur == '\n')
		return ST_LINE;
	int help = tok_is(p, "HELP"), type = tok_is(p, "TYPE");
	if (!help && !type) {
		while (p->cur != '\n')
			if (rd(p))
				return ST_END;
		return ST_LINE;
	}
	skip_blank(p);
	if (p->eof)
		return ST_END;
	tok_metric_name(p);
	if (p->eof)
		return ST_END;
	if (p->cur == '\n')
		return ST_LINE;
	if (!is_blank(p->cur)) {
		fail_here(p, "invalid metric name in %s line", help ? "HELP" : "TYPE");
		return ST_END;
	}
	fam_select(p);
	skip_blank(p);
	if (p->eof)
		return ST_END;
	if (p->cur == '\n')
		return ST_LINE;
	return help ? ST_HELP : ST_TYPE;
}

static enum tp_state st_help(struct tp *p)
{
	if (p->mf->pub.help) {
		fail_here(p, "second HELP line for %s", p->mf->pub.name);
		return ST_END;
	}
	tok_until_newline(p, 1);
	if (p->eof || p->failed)
		return ST_END;
	p->mf->pub.help = tok_dup(p);
	return ST_LINE;
}

static enum tp_state st_type(struct tp *p)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
		{ "COUNTER", METRIC_COUNTER }, { "GAUGE", METRIC_GAUGE },
		{ "SUMMARY", METRIC_SUMMARY }, { "UNTYPED", METRIC_UNTYPED },
		{ "HISTOGRAM", METRIC_HISTOGRAM }, { "GAUGE_HISTOGRAM", TP_GAUGE_HISTOGRAM },
	};
	if (p->mf->has_type) {
		fail_here(p, "second TYPE line for %s, or TYPE after its samples", p->mf->pub.name);
		return ST_END;
	}
	tok_until_newline(p, 0);
	if (p->eof)
		return ST_END;
	/* Upper-case as Go's strings.ToUpper would for these words: ASCII,
	 * plus U+017F (long s) -> S and U+0131 (dotless i) -> I. */
	char up[32];
	size_t n = 0;
	int ok = 1;
	for (size_t i = 0; i < p->tok.len && ok; i++) {
		unsigned char c = (unsigned char)p->tok.p[i];
		char u;
		if (c >= 'a' && c <= 'z') {
			u = (char)(c - 32);
		} else if (c < 0x80) {
			u = (char)c;
		} else if (i + 1 < p->tok.len && c == 0xC5 && (unsigned char)p->tok.p[i + 1] == 0xBF) {
			u = 'S';
			i++;
		} else if (i + 1 < p->tok.len && c == 0xC4 && (unsigned char)p->tok.p[i + 1] == 0xB1) {
			u = 'I';
			i++;
		} else {
			ok = 0;
			break;
		}
		if (n + 1 >= sizeof up)
			ok = 0;
		else
			up[n++] = u;
	}
	up[n] = 0;
	for (size_t i = 0; ok && i < sizeof types / sizeof types[0]; i++) {
		if (!strcmp(up, types[i].name)) {
			p->mf->has_type = 1;
			p->mf->type = types[i].type;
			if (types[i].type != TP_GAUGE_HISTOGRAM)
				p->mf->pub.type = (enum metric_type)types[i].type;
			return ST_LINE;
		}
	}
	fail_at(p, p->tok_col, "unknown metric type \"%s\"", shown_tok(p));
	return ST_END;
}

static enum tp_state st_name(struct tp *p)
{
	tok_metric_name(p);
	if (p->eof)
		return ST_END;
	if (p->tok.len == 0) {
		fail_here(p, "invalid metric name");
		return ST_END;
	}
	fam_select(p);
	if (!p->mf->has_type) {
		p->mf->has_type = 1;
		p->mf->type = METRIC_UNTYPED;
		p->mf->pub.type = METRIC_UNTYPED;
	}
	p->nlabels = 0;
	p->metric = NULL;
	if (is_blank(p->cur)) {
		skip_blank(p);
		if (p->eof)
			return ST_END;
	}
	return ST_LABELS;
}

static enum tp_state st_labels(struct tp *p)
{
	p->quantile = NAN;
	p->bucket = NAN;
	return p->cur == '{' ? ST_LABEL_NAME : ST_VALUE;
}

static enum tp_state st_label_name(struct tp *p)
{
	skip_blank(p);
	if (p->eof)
		return ST_END;
	if (p->cur == '}') {
		skip_blank(p);
		return p->eof ? ST_END : ST_VALUE;
	}
	tok_label_name(p);
	if (p->eof)
		return ST_END;
	if (p->tok.len == 0) {
		fail_here(p, "invalid label name for %s", p->mf->pub.name);
		return ST_END;
	}
	if (tok_is(p, "__name__")) {
		fail_at(p, p->tok_col, "label name \"__name__\" is reserved");
		return ST_END;
	}
	p->label_name = tok_intern(p);
	/* The quantile of a summary and the le of a histogram say which
	 * point a line is; they are not labels of the metric. */
	int special = (mf_is(p, METRIC_SUMMARY) && tok_is(p, "quantile")) ||
		      (mf_is(p, METRIC_HISTOGRAM) && tok_is(p, "le"));
	size_t name_col = p->tok_col;
	if (!special) {
		if (p->nlabels == TEXTPARSE_MAX_LABELS) {
			fail_at(p, name_col, "more than %d labels", TEXTPARSE_MAX_LABELS);
			return ST_END;
		}
		p->labels[p->nlabels++] = (struct textparse_label){ p->label_name, "" };
	}
	if (is_blank(p->cur)) {
		skip_blank(p);
		if (p->eof)
			return ST_END;
	}
	if (p->cur != '=') {
		fail_here(p, "expected '=' after label name, found \"%s\"", shown_byte(p));
		return ST_END;
	}
	if (!special)
		for (size_t i = 0; i + 1 < p->nlabels; i++)
			if (!strcmp(p->labels[i].name, p->label_name)) {
				fail_at(p, name_col, "label %s repeated for %s", p->label_name,
					p->mf->pub.name);
				return ST_END;
			}
	return ST_LABEL_VALUE;
}

static enum tp_state st_label_value(struct tp *p)
{
	skip_blank(p);
	if (p->eof)
		return ST_END;
	if (p->cur != '"') {
		fail_here(p, "expected '\"' at start of label value, found \"%s\"", shown_byte(p));
		return ST_END;
	}
	tok_label_value(p);
	if (p->eof || p->failed)
		return ST_END;
	if (!goconv_utf8_valid(p->tok.p ? p->tok.p : "", p->tok.len)) {
		fail_at(p, p->tok_col, "label value \"%s\" is not valid UTF-8", shown_tok(p));
		return ST_END;
	}
	int quantile = mf_is(p, METRIC_SUMMARY) && !strcmp(p->label_name, "quantile");
	int le = mf_is(p, METRIC_HISTOGRAM) && !strcmp(p->label_name, "le");
	if (quantile || le) {
		double v;
		if (prom_float(p->tok.p ? p->tok.p : "", p->tok.len, &v) != 0) {
			fail_at(p, p->tok_col, "%s label \"%s\" is not a number",
				quantile ? "quantile" : "le", shown_tok(p));
			return ST_END;
		}
		if (quantile)
			p->quantile = v;
		else
			p->bucket = v;
	} else {
		p->labels[p->nlabels - 1].value = tok_dup(p);
	}
	skip_blank(p);
	if (p->eof)
		return ST_END;
	if (p->cur == ',')
		return ST_LABEL_NAME;
	if (p->cur == '}') {
		skip_blank(p);
		return p->eof ? ST_END : ST_VALUE;
	}
	fail_here(p, "expected ',' or '}' after label value, found \"%s\"", shown_byte(p));
	return ST_END;
}

static enum tp_state st_value(struct tp *p)
{
	p->metric = metric_for_line(p);
	tok_until_blank(p);
	if (p->eof)
		return ST_END;
	double v;
	if (prom_float(p->tok.p ? p->tok.p : "", p->tok.len, &v) != 0) {
		fail_at(p, p->tok_col, "expected a number as value, got \"%s\"", shown_tok(p));
		return ST_END;
	}
	struct textparse_metric *m = p->metric;
	switch (p->mf->type) {
	case METRIC_COUNTER:
	case METRIC_GAUGE:
	case METRIC_UNTYPED:
		m->value = v;
		break;
	case METRIC_SUMMARY:
		if (p->is_count)
			m->count = goconv_f64_to_u64(v);
		else if (p->is_sum)
			m->sum = v;
		else if (!isnan(p->quantile))
			point_add(p, p->quantile, v, 0);
		break;
	case METRIC_HISTOGRAM:
		if (p->is_count)
			m->count = goconv_f64_to_u64(v);
		else if (p->is_sum)
			m->sum = v;
		else if (!isnan(p->bucket))
			point_add(p, p->bucket, 0, goconv_f64_to_u64(v));
		break;
	default:
		fail_at(p, 1, "samples of gauge_histogram %s are not supported", p->mf->pub.name);
		return ST_END;
	}
	return p->cur == '\n' ? ST_LINE : ST_TIMESTAMP;
}

static enum tp_state st_timestamp(struct tp *p)
{
	skip_blank(p);
	if (p->eof)
		return ST_END;
	tok_until_blank(p);
	if (p->eof)
		return ST_END;
	int64_t ts;
	if (goconv_parse_int(p->tok.p ? p->tok.p : "", p->tok.len, 10, &ts) != 0) {
		fail_at(p, p->tok_col, "expected an integer timestamp, got \"%s\"", shown_tok(p));
		return ST_END;
	}
	p->metric->has_timestamp = 1;
	p->metric->timestamp_ms = ts;
	p->has_timestamps = 1;
	tok_until_newline(p, 0);
	if (p->eof)
		return ST_END;
	if (p->tok.len > 0) {
		fail_at(p, p->tok_col, "unexpected \"%s\" after the timestamp", shown_tok(p));
		return ST_END;
	}
	return ST_LINE;
}

static void reverse_points(struct textparse_metric *m)
{
	struct textparse_point *prev = NULL, *pt = m->points;
	while (pt) {
		struct textparse_point *next = pt->next;
		pt->next = prev;
		prev = pt;
		pt = next;
	}
	m->points = prev;
}

int textparse_parse(const char *buf, size_t len, const char *file, struct arena *a,
		    struct textparse_result *out, char *err, size_t errlen)
{
	struct tp *p = arena_alloc(a, sizeof *p);
	memset(p, 0, sizeof *p);
	p->buf = buf;
	p->len = len;
	p->a = a;
	p->file = file ? file : "-";
	p->err = err;
	p->errlen = errlen;
	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = 0;
	if (len > TEXTPARSE_MAX_BYTES) {
		p->line = 1;
		fail_at(p, 1, "input larger than %u bytes", TEXTPARSE_MAX_BYTES);
		return -1;
	}
	enum tp_state st = ST_LINE;
	while (st != ST_END && !p->failed) {
		switch (st) {
		case ST_LINE: st = st_line(p); break;
		case ST_COMMENT: st = st_comment(p); break;
		case ST_NAME: st = st_name(p); break;
		case ST_LABELS: st = st_labels(p); break;
		case ST_LABEL_NAME: st = st_label_name(p); break;
		case ST_LABEL_VALUE: st = st_label_value(p); break;
		case ST_VALUE: st = st_value(p); break;
		case ST_TIMESTAMP: st = st_timestamp(p); break;
		case ST_HELP: st = st_help(p); break;
		case ST_TYPE: st = st_type(p); break;
		case ST_END: break;
		}
	}
	buf_free(&p->tok);
	if (!p->failed && p->eof)
		fail_here(p, "unexpected end of input (is the last line missing its newline?)");
	if (p->failed)
		return -1;
	struct textparse_family **link = &out->families;
	for (struct tp_family *f = p->first; f; f = f->order) {
		if (!f->pub.nmetrics)
			continue;
		for (struct textparse_metric *m = f->pub.metrics; m; m = m->next)
			reverse_points(m);
		*link = &f->pub;
		link = &f->pub.next;
		out->nfamilies++;
	}
	*link = NULL;
	out->has_timestamps = p->has_timestamps;
	return 0;
}
