/* textparse.h - parse the Prometheus text exposition format 0.0.4 into
 * metric families (owner: the textfile collector; reusable by anything
 * that reads text-format metrics).
 *
 * What is accepted and rejected, and what each line contributes, follows
 * the parser node_exporter 1.5 uses (prometheus/common v0.37 expfmt
 * TextParser), including its strict corners:
 *   - every line, the last one too, must end with '\n';
 *   - "# HELP name text" (escapes \\ and \n) and "# TYPE name type"
 *     (counter, gauge, summary, histogram, untyped, gauge_histogram; any
 *     case) at most once per family, TYPE before the family's samples;
 *     "# HELP name" with no text sets no help; other comments are skipped;
 *   - name{label="value",...} value [timestamp], where label values are
 *     valid UTF-8 with escapes \\ \" \n, "__name__" is reserved, label
 *     names do not repeat, the value is a Go float without '_' or 'p'
 *     ("NaN", "+Inf", "1e3") and the timestamp a base-10 int64;
 *   - nothing but '\n' may follow a timestamp (not even a blank);
 *   - summaries: name{quantile="q"}, name_sum and name_count lines with
 *     the same other labels build one metric; histograms likewise with
 *     name_bucket{le="b"}, name_sum, name_count. Counts are converted to
 *     unsigned integers the way Go converts a float64 on amd64.
 * One difference: samples of a gauge_histogram family are an error here;
 * node_exporter 1.5 accepts them and then crashes on them.
 *
 * Bounded whatever the input: at most TEXTPARSE_MAX_BYTES of input,
 * TEXTPARSE_MAX_LINES lines and TEXTPARSE_MAX_LABELS labels per sample;
 * no recursion; memory proportional to the input.
 */
#ifndef PHAROS_EXPORTER_TEXTPARSE_H
#define PHAROS_EXPORTER_TEXTPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/expfmt.h"

#define TEXTPARSE_MAX_BYTES (32u << 20)
#define TEXTPARSE_MAX_LINES 1000000u
#define TEXTPARSE_MAX_LABELS 64

struct textparse_label {
	const char *name, *value;
};

/* One quantile of a summary (bound = quantile, value = its value) or one
 * bucket of a histogram (bound = upper bound, count = cumulative count),
 * in input order; repeated bounds are all kept. */
struct textparse_point {
	struct textparse_point *next;
	double bound;
	double value;
	uint64_t count;
};

struct textparse_metric {
	struct textparse_metric *next;  /* input order */
	struct textparse_label *labels; /* input order; never quantile/le of a summary/histogram */
	size_t nlabels;
	double value;                   /* counter, gauge, untyped */
	int has_timestamp;
	int64_t timestamp_ms;
	uint64_t count;                 /* summary, histogram: _count (0 if absent) */
	double sum;                     /* summary, histogram: _sum (0 if absent) */
	struct textparse_point *points; /* summary quantiles / histogram buckets */
	size_t npoints;
};

struct textparse_family {
	struct textparse_family *next; /* order of first mention */
	const char *name;
	const char *help;              /* NULL when there was no HELP text */
	enum metric_type type;         /* METRIC_UNTYPED without a TYPE line */
	struct textparse_metric *metrics;
	size_t nmetrics;               /* >= 1: families without samples are left out */
};

struct textparse_result {
	struct textparse_family *families;
	size_t nfamilies;
	int has_timestamps; /* some sample carried a timestamp */
};

/* Parse buf[0..len) (need not be NUL-terminated).
 * [in] file: named in error messages.
 * [in] a: everything in *out is allocated here and owned by the arena.
 * [out] out: the families, valid until the arena is freed; on failure it
 *       is left empty.
 * [out] err: errlen bytes for "file:line:column: problem" on failure
 *       (columns count bytes from 1).
 * Returns 0, or -1 when the input is not valid text format. */
int textparse_parse(const char *buf, size_t len, const char *file, struct arena *a,
		    struct textparse_result *out, char *err, size_t errlen);

#endif
