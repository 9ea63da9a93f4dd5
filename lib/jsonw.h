/* jsonw.h - write JSON into a struct buf, as Go's encoding/json writes it.
 *
 * The writer keeps track of commas and nesting, so callers only say what
 * comes next: jsonw_obj_begin(), jsonw_key(), a value, ... jsonw_obj_end().
 * Strings are escaped as Go's encoding/json escapes them (the HTTP API of
 * Prometheus is written by it): '"' '\\' and \n \r \t by name, other bytes
 * below 0x20 as \u00XX, '<' '>' '&' as \u003c \u003e \u0026, U+2028 and
 * U+2029 as \u2028 \u2029, and every byte that is not part of valid UTF-8
 * as \ufffd. The output never holds invalid UTF-8 whatever the input.
 *
 * Memory: the writer borrows out (the caller's buffer) and allocates
 * nothing itself; appends grow out (buf.h aborts when out of memory).
 *
 * Misuse (a value where a key is due, ending more than was begun, nesting
 * deeper than JSONW_MAX_DEPTH) is a programming error: the writer then
 * records it in w->err and further calls do nothing, so that the caller
 * can check once at the end (jsonw_ok()).
 */
#ifndef PHAROS_JSONW_H
#define PHAROS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSONW_MAX_DEPTH 64

struct jsonw {
	struct buf *out;                     /* borrowed */
	int depth;                           /* open containers */
	unsigned char kind[JSONW_MAX_DEPTH]; /* per level: 'o' object, 'a' array */
	unsigned char count[JSONW_MAX_DEPTH];/* per level: 0 = nothing written yet */
	bool key_done;                       /* in an object: a key was written, value due */
	bool err;                            /* set on misuse */
};

/* Start writing into out (appending after what it holds). */
void jsonw_init(struct jsonw *w, struct buf *out);
/* true when the calls so far were well formed and every container ended. */
bool jsonw_ok(const struct jsonw *w);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);

/* An object key (escaped like a string). s must be NUL-terminated. */
void jsonw_key(struct jsonw *w, const char *s);
void jsonw_keyn(struct jsonw *w, const char *s, size_t len);

/* Values. */
void jsonw_str(struct jsonw *w, const char *s);            /* NULL writes "" */
void jsonw_strn(struct jsonw *w, const char *s, size_t len);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* A JSON number as encoding/json writes a float64: shortest round-trip
 * digits, plain decimal unless |v| < 1e-6 or |v| >= 1e21 (then 1e-07
 * style with the exponent's leading zero dropped: 1e-7). NaN and
 * infinities, which JSON cannot hold, are written as null. */
void jsonw_double(struct jsonw *w, double v);
/* A sample value of a vector or matrix as Prometheus writes it: a string
 * holding Go's strconv.FormatFloat(v, 'f', -1, 64), except that values
 * with |v| < 1e-6 or |v| >= 1e21 take the 'e' form ("1e-07", "1e+21");
 * "+Inf", "-Inf", "NaN" for the specials. */
void jsonw_sample_value(struct jsonw *w, double v);
/* A scalar query result's value: always the 'f' form ("0.0000001"), as
 * Prometheus's scalar marshaller writes it. */
void jsonw_scalar_value(struct jsonw *w, double v);
/* A timestamp in ms as Prometheus writes it: a number of seconds with the
 * milliseconds as three decimals when not zero (1795606152.643, 1795606152,
 * 1.05 is written 1.050). */
void jsonw_timestamp(struct jsonw *w, int64_t ms);
/* An already-encoded JSON value, copied verbatim (the caller vouches for
 * it). */
void jsonw_raw(struct jsonw *w, const char *json, size_t len);

/* Helpers usable without a writer. */
/* Append s[0..len) as a quoted, escaped JSON string. */
void jsonw_quote(struct buf *out, const char *s, size_t len);
/* Append Go's strconv.FormatFloat(v, 'f', -1, 64) (NaN: "NaN", infinities
 * "+Inf" / "-Inf" as Go prints them). */
void jsonw_format_float_f(struct buf *out, double v);
/* Append Go's strconv.FormatFloat(v, 'e', -1, 64): shortest digits, an
 * exponent of at least two digits ("1e-07", "1.5e+300"). */
void jsonw_format_float_e(struct buf *out, double v);
/* Append Go's strconv.FormatFloat(v, 'g', -1, 64), which is also fmt's %v:
 * shortest digits, the 'e' form when the decimal exponent is below -4 or
 * at least 6 ("1e+06", "123456", "1.5e-05"), else the 'f' form. */
void jsonw_format_float_g(struct buf *out, double v);

#endif
