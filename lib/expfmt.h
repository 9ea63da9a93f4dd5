/* expfmt.h - writing the Prometheus text exposition format, version 0.0.4.
 *
 * The primitives here produce byte-for-byte what Prometheus's Go client
 * writes: floats in Go's shortest 'g' form ("1e+06", "0.25", "+Inf"),
 * label values escaped as \\ \" \n, HELP text escaped as \\ \n.
 * Collecting, sorting and writing whole families lives in metricset.h.
 */
#ifndef PHAROS_EXPFMT_H
#define PHAROS_EXPFMT_H

#include <stddef.h>

#include "buf.h"

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_SUMMARY,
	METRIC_HISTOGRAM,
	METRIC_UNTYPED,
};

#define EXPFMT_DOUBLE_MAX 32

/* The type's name as written on a # TYPE line ("counter", ...). */
const char *expfmt_type_name(enum metric_type t);

/* Format v like Go's strconv.FormatFloat(v, 'g', -1, 64) with Prometheus's
 * spellings of the specials: "+Inf", "-Inf", "NaN", and "0" for -0 (the Go
 * client's text writer special-cases zero).
 * [out] out: at least EXPFMT_DOUBLE_MAX bytes; NUL-terminated.
 * Returns the length written. */
size_t expfmt_format_double(char *out, double v);

/* The shortest decimal digits that read back as v (finite, v > 0), as
 * Go's strconv finds them: digits without a point, NUL-terminated, no
 * trailing zeros, and the exponent dp such that v = 0.digits * 10^dp.
 * [out] digits: at least 24 bytes. Returns the digit count. Formats other
 * than the exposition's (the API's JSON) build on it. */
int expfmt_shortest_digits(double v, char *digits, int *dp);

/* Append v formatted as above. */
void expfmt_write_double(struct buf *b, double v);
/* Append a label value with \\, \" and \n escaped (no quotes added). */
void expfmt_write_label_value(struct buf *b, const char *v);
/* Append HELP text with \\ and \n escaped. */
void expfmt_write_help(struct buf *b, const char *help);

/* Is s a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)? */
int expfmt_valid_metric_name(const char *s);
/* Is s a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)? */
int expfmt_valid_label_name(const char *s);

#endif
