/* textparse.h - the scrape-side parsers of the exposition formats:
 * Prometheus text 0.0.4 and OpenMetrics 1.0 text.
 *
 * One streaming iterator serves both formats, shaped like Prometheus's
 * textparse.Parser: textparse_next() steps from entry to entry (a series
 * with its value, a TYPE, HELP or UNIT line, a comment) and the accessors
 * read the current entry. What is accepted and rejected is what Prometheus
 * 2.42 accepts and rejects (model/textparse: promparse.go for the text
 * format, openmetricsparse.go for OpenMetrics); docs/exposition.md lists the
 * rules. With TEXTPARSE_STRICT an OpenMetrics parse also enforces the
 * family-level rules of the OpenMetrics specification that Prometheus does
 * not check (grouping, histogram structure, counter values, ...), so that
 * every case of the OpenMetrics test suite is classified right.
 *
 *   struct textparse p;
 *   textparse_init(&p, TEXTPARSE_OPENMETRICS, body, len, NULL, 0);
 *   int e;
 *   while ((e = textparse_next(&p)) > 0) {
 *       if (e != TEXTPARSE_SERIES) continue;
 *       ... p.cur.series / p.cur.value / p.cur.ts ...
 *       if (cache miss) textparse_labels(&p, &lset);
 *   }
 *   if (e < 0) log_warn("scrape: %s", textparse_error(&p));
 *   textparse_free(&p);
 *
 * Memory: the parser never copies the input; the caller keeps the buffer
 * alive and unchanged until textparse_free(). Everything the parser hands
 * out (p->cur's strings, label sets, exemplars) is BORROWED: it points into
 * the input or into scratch memory owned by the parser, and is valid until
 * the next textparse_next() or textparse_free() on that parser. Scratch
 * memory grows to the largest entry and is then reused, so a parse does not
 * allocate per sample; in strict mode the parser also keeps the names and
 * label groups it has seen in an internal arena, for the whole parse.
 *
 * A parser belongs to one thread; distinct parsers share nothing.
 */
#ifndef PHAROS_TEXTPARSE_H
#define PHAROS_TEXTPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/labels.h"

/* The Accept header Prometheus 2.42 sends on a scrape (without the
 * protobuf feature flag): OpenMetrics preferred, the text format next. */
#define TEXTPARSE_ACCEPT_HEADER                                              \
	"application/openmetrics-text;version=1.0.0,"                        \
	"application/openmetrics-text;version=0.0.1;q=0.75,"                 \
	"text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

enum textparse_format {
	TEXTPARSE_PROM,        /* text format 0.0.4 (text/plain) */
	TEXTPARSE_OPENMETRICS, /* OpenMetrics 1.0 (application/openmetrics-text) */
};

/* What textparse_next() found. */
enum textparse_entry {
	TEXTPARSE_END = 0,     /* the input is done (no error) */
	TEXTPARSE_SERIES = 1,  /* a sample: p->cur.series, value, ts, exemplar */
	TEXTPARSE_TYPE = 2,    /* "# TYPE": p->cur.name, p->cur.type */
	TEXTPARSE_HELP = 3,    /* "# HELP": p->cur.name, p->cur.text (unescaped) */
	TEXTPARSE_UNIT = 4,    /* "# UNIT" (OpenMetrics): p->cur.name, p->cur.text */
	TEXTPARSE_COMMENT = 5, /* any other "#" line (text format): p->cur.text */
};

/* Metric types as Prometheus names them; the text format's "untyped" is
 * TEXTPARSE_MT_UNKNOWN, as in Prometheus. */
enum textparse_mtype {
	TEXTPARSE_MT_UNKNOWN,
	TEXTPARSE_MT_COUNTER,
	TEXTPARSE_MT_GAUGE,
	TEXTPARSE_MT_HISTOGRAM,
	TEXTPARSE_MT_GAUGEHISTOGRAM,
	TEXTPARSE_MT_SUMMARY,
	TEXTPARSE_MT_INFO,
	TEXTPARSE_MT_STATESET,
};

/* Error codes (negative, as textparse_next() and friends return them). */
enum {
	TEXTPARSE_ESYNTAX = -1, /* the input breaks the format's grammar */
	TEXTPARSE_ELIMIT = -2,  /* the input exceeds one of struct textparse_limits */
	TEXTPARSE_EDUPLABEL = -3, /* a label name occurs twice in one set */
	TEXTPARSE_ESEMANTIC = -4, /* an OpenMetrics rule (TEXTPARSE_STRICT) is broken */
	TEXTPARSE_ECONTENTTYPE = -5, /* textparse_format_for(): unparsable Content-Type */
};

/* Flags for textparse_init(). */
#define TEXTPARSE_STRICT 0x1u /* OpenMetrics: enforce the specification's
			       * family-level rules too (see docs/exposition.md);
			       * no effect on the text format */

/* Guards against hostile input. A field that is 0 means "no limit". A
 * parse that crosses one fails with TEXTPARSE_ELIMIT at that entry. */
struct textparse_limits {
	size_t max_line_len;  /* bytes in one entry: its line(s) without the
			       * final newline */
	size_t max_labels;    /* label pairs in one series or exemplar,
			       * __name__ not counted */
	size_t max_name_len;  /* bytes in a label name */
	size_t max_value_len; /* bytes in a label value as written (escapes
			       * included), and in a metric name */
};

/* The defaults when textparse_init() is given NULL: 1 MiB per entry, 256
 * labels, 1 KiB per label name, 64 KiB per label value. */
#define TEXTPARSE_LIMITS_DEFAULT { (size_t)1 << 20, 256, 1024, (size_t)64 << 10 }

/* The current entry, filled by textparse_next(). Read-only for the caller;
 * every pointer is borrowed (see the memory note at the top). Strings are
 * (pointer, length) and NOT NUL-terminated unless said otherwise; HELP and
 * comment text may contain NUL bytes. */
struct textparse_cur {
	/* SERIES: the series as written, metric name and {labels} (OpenMetrics:
	 * up to the value). Equal bytes mean the same series, so a scrape
	 * cache can be keyed on them, as Prometheus's is. Points into the
	 * input. */
	const char *series;
	size_t series_len;
	/* SERIES, TYPE, HELP, UNIT: the metric name. Points into the input. */
	const char *name;
	size_t name_len;
	/* HELP: the help text with escapes resolved (\\ and \n; OpenMetrics
	 * also \"); UNIT: the unit; COMMENT: the whole line from "#" on,
	 * without the newline. */
	const char *text;
	size_t text_len;
	enum textparse_mtype type; /* TYPE */
	/* SERIES: the value. A NaN in the input is stored with the bit pattern
	 * of Prometheus's "normal NaN" (0x7ff8000000000001), so that no input
	 * can produce a staleness marker. */
	double value;
	/* SERIES: the timestamp in milliseconds when has_ts (OpenMetrics:
	 * seconds as written, times 1000, truncated toward zero; beyond the
	 * int64 range it becomes INT64_MIN, as Go's conversion does on amd64). */
	int64_t ts;
	bool has_ts;
	bool has_exemplar; /* SERIES: textparse_exemplar() will find one */
};

struct textparse_exemplar {
	struct labels labels; /* sorted; borrowed, like textparse_labels() */
	double value;
	int64_t ts; /* milliseconds when has_ts */
	bool has_ts;
};

/* A label reference into the input: the raw bytes of one name and value. */
struct textparse_lref {
	uint32_t name_off, name_len;   /* offsets into the input */
	uint32_t value_off, value_len; /* between the quotes, escapes unresolved */
};

/* Scratch for building one label set (owned by the parser). */
struct textparse_lscratch {
	struct buf strings; /* NUL-terminated copies of names and values */
	struct label *v;    /* heap */
	size_t cap;
	size_t *offs;       /* heap: string offsets while building */
};

struct textparse_omcheck; /* strict-mode state, textparse_omcheck.c */

/* The parser. Caller-allocated; set up with textparse_init(), released with
 * textparse_free(). Only `cur` is for the caller to read. */
struct textparse {
	struct textparse_cur cur;

	/* private */
	const unsigned char *b;
	size_t len;  /* the input's length */
	size_t n;    /* bytes the lexer sees: len, or len + 1 for the text
		      * format, which reads as if a newline were appended
		      * (as Prometheus appends one) */
	size_t i;    /* lexer position */
	size_t start; /* start of the current token */
	size_t estart; /* start of the current entry */
	int state;   /* lexer start condition */
	enum textparse_format format;
	unsigned flags;
	struct textparse_limits lim;
	bool done;   /* END or an error was returned; next() repeats it */
	int rc;      /* what next() returns once done */

	struct textparse_lref *lrefs; /* series labels of the current entry */
	size_t nlrefs, lrefs_cap;
	struct textparse_lref *erefs; /* exemplar labels of the current entry */
	size_t nerefs, erefs_cap;
	double ts_sec; /* OpenMetrics: the series timestamp in seconds */
	double ex_value;
	int64_t ex_ts;
	bool ex_has_ts;
	bool labels_built; /* lset holds the current series' labels */
	int labels_rc;
	struct labels lset;

	struct textparse_lscratch ls, es; /* series and exemplar label sets */
	struct buf text;  /* unescaped HELP text */
	struct buf num;   /* NUL-terminated copy of a long number */

	struct textparse_omcheck *check; /* NULL unless strict OpenMetrics */

	size_t err_line, err_col; /* 1-based position of the error */
	char err[256];
};

/* Set up p to parse buf[0..len) in the given format.
 * [in] buf: borrowed; must stay valid and unchanged until textparse_free().
 *           It need not be NUL-terminated and may contain NUL bytes.
 * [in] lim: copied; NULL means TEXTPARSE_LIMITS_DEFAULT.
 * [in] flags: 0 or TEXTPARSE_STRICT.
 * Inputs longer than 4 GiB - 2 are refused at the first textparse_next()
 * with TEXTPARSE_ELIMIT (label offsets are 32-bit). Never fails itself. */
void textparse_init(struct textparse *p, enum textparse_format format, const char *buf, size_t len,
		    const struct textparse_limits *lim, unsigned flags);

/* Release the parser's scratch memory. Everything borrowed from it becomes
 * invalid. p may be initialised again afterwards. */
void textparse_free(struct textparse *p);

/* Advance to the next entry.
 * Returns an enum textparse_entry > 0 (the entry is in p->cur), 0
 * (TEXTPARSE_END: the input is done and was well-formed; OpenMetrics
 * requires "# EOF"), or a negative error code (TEXTPARSE_ESYNTAX,
 * TEXTPARSE_ELIMIT; with TEXTPARSE_STRICT also TEXTPARSE_ESEMANTIC and
 * TEXTPARSE_EDUPLABEL) with the message in textparse_error(). After END or an error, every further call
 * returns the same. A scrape that gets an error must drop what it parsed,
 * as Prometheus does. */
int textparse_next(struct textparse *p);

/* The current series' labels, __name__ included, sorted by name, escapes
 * resolved. Labels with an empty value are left out (a Prometheus label
 * set never holds one).
 * [out] out: its array and strings are owned by p, valid until the next
 *            textparse_next() or textparse_free().
 * Returns 0, or TEXTPARSE_EDUPLABEL when a label name repeats (counting
 * __name__: `a{__name__="b"}` repeats it); Prometheus refuses such a
 * sample (and OpenMetrics such an input), *out is then a set with the
 * repeats kept. Only valid after textparse_next() returned SERIES. */
int textparse_labels(struct textparse *p, struct labels *out);

/* The current series' exemplar (OpenMetrics "# {labels} value [ts]").
 * [out] ex: labels owned by p as for textparse_labels().
 * Returns 1 when the series has an exemplar (*ex filled), 0 when not,
 * TEXTPARSE_EDUPLABEL when its label names repeat. Only valid after
 * textparse_next() returned SERIES. */
int textparse_exemplar(struct textparse *p, struct textparse_exemplar *ex);

/* The message of the last error, "LINE:COL: what" (line and column
 * 1-based, the column in bytes), or "" when there was none. Owned by p. */
const char *textparse_error(const struct textparse *p);

/* A short constant description of an error code. */
const char *textparse_strerror(int code);

/* The type's name as a TYPE line writes it in OpenMetrics ("unknown" for
 * TEXTPARSE_MT_UNKNOWN). Static string. */
const char *textparse_mtype_name(enum textparse_mtype t);

/* Which parser reads a response, from its Content-Type header, as
 * Prometheus 2.42's textparse.New chooses: application/openmetrics-text
 * (any parameters) is OpenMetrics; anything else, an empty or NULL header
 * included, is the text format (application/vnd.google.protobuf too: pharos
 * never asks for it).
 * [out] fmt: always set.
 * Returns 0, or TEXTPARSE_ECONTENTTYPE when the header does not parse as a
 * media type (Go's mime.ParseMediaType rules); *fmt is then TEXTPARSE_PROM,
 * the fallback Prometheus uses (it logs that at debug level). */
int textparse_format_for(const char *content_type, enum textparse_format *fmt);

#endif
