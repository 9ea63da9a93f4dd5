/* parse.h - parse PromQL text into a syntax tree (ast.h), and print a tree
 * back in canonical form.
 *
 * The language is Prometheus 2.42's, with its type checks: a query that
 * Prometheus rejects is rejected here with an error at the same position
 * (the messages are our own words). Hostile input is safe: nesting deeper
 * than PROMQL_MAX_DEPTH and queries longer than PROMQL_MAX_QUERY are clean
 * errors.
 */
#ifndef PHAROS_PROMQL_PARSE_H
#define PHAROS_PROMQL_PARSE_H

#include <stddef.h>

#include "../../../lib/buf.h"
#include "ast.h"

/* Deepest syntax tree accepted (each node one level: 1000 nested
 * parentheses or a chain of 1000 "+ 1" both exceed it), so that recursive
 * walks over a tree (checks, printer, evaluator) have bounded depth. */
#define PROMQL_MAX_DEPTH 500
#define PROMQL_MAX_QUERY (1u << 24)       /* bytes of query text */

/* A parse error. Positions are byte offsets into the query; line and col
 * are 1-based, col counted in bytes from the start of the line, as
 * Prometheus counts them. */
struct promql_error {
	struct promql_pos pos; /* the offending range */
	int line, col;         /* of pos.start */
	char msg[256];         /* NUL-terminated, without the position prefix */
};

/* Error codes. */
#define PROMQL_ERR_PARSE (-1) /* syntax or type error: see *err */

/* Parse query[0..len) (need not be NUL-terminated; NUL bytes inside are a
 * parse error) into *out.
 * [in]  arena: every allocation of the tree comes from it (see ast.h).
 * [out] out:   the root on success, NULL on failure.
 * [out] err:   filled on failure; may be NULL.
 * Returns 0, or PROMQL_ERR_PARSE. On failure the arena may hold garbage
 * from the attempt (freed with the arena). */
int promql_parse(const char *query, size_t len, struct arena *arena, struct promql_node **out,
		 struct promql_error *err);

/* Parse a duration as the lexer does ("5m", "1h30m", "1y2w", "1.5h" is NOT
 * valid; units y w d h m s ms, each at most once, in that order) into *ms.
 * "0" alone is accepted. Returns 0, or -1 if s[0..len) is not a duration
 * or overflows. */
int promql_parse_duration(const char *s, size_t len, int64_t *ms);

/* Append ms in Prometheus's duration form (model.Duration.String):
 * "1h30m", "5m", "1y", "1d2h", "500ms", "0s"; negative values get '-'. */
void promql_format_duration(int64_t ms, struct buf *out);

/* Parse a number as the lexer does: decimal, exponent, hex (0x1f),
 * octal-looking decimals, Inf/NaN in any case, optional leading sign.
 * Returns 0, or -1 if s[0..len) is not exactly one number. */
int promql_parse_number(const char *s, size_t len, double *out);

/* Parse a series selector alone (foo{a="b"}, {job=~"x"}): for the HTTP
 * API's match[] parameters. *out is a PROMQL_NODE_VECTOR_SELECTOR with no
 * offset or @. Like Prometheus's ParseMetricSelector it does not insist on
 * a matcher that rejects the empty string ({} and {a=""} parse); callers
 * that need that check it with labels_matcher_matches_empty(). Same memory
 * rules and return values as promql_parse(). */
int promql_parse_selector(const char *s, size_t len, struct arena *arena,
			  struct promql_node **out, struct promql_error *err);

/* Append v as Go's fmt %v prints a float64 (as Prometheus prints number
 * literals): "1", "0.5", "1e+06", "-1.5e-07", "+Inf", "-Inf", "NaN". */
void promql_format_float(double v, struct buf *out);

/* Append "line:col: parse error: msg" (Prometheus's format) to out. */
void promql_error_format(const struct promql_error *err, struct buf *out);

/* Append the canonical text of n (as Prometheus's String()): the output
 * parses back to an equal tree. Durations print in Prometheus's unit form
 * (1h30m, 5m); numbers as Go's %g-like shortest form; strings with Go
 * quoting; vector matching, grouping, offset and @ in canonical order. */
void promql_format(const struct promql_node *n, struct buf *out);

#endif
