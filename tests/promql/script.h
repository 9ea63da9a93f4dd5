/* script.h - the promqltest script language of Prometheus 2.42, parsed.
 *
 * A script is a sequence of commands, one per line, separated by blank
 * lines where a command takes a block of further lines:
 *
 *   load <step>                 then series lines: name{l="v"} <values>
 *   clear
 *   eval instant at <dur> <expr>          then expected lines
 *   eval_ordered instant at <dur> <expr>  the same, order matters
 *   eval_fail instant at <dur> <expr>     the query must fail
 *   eval range from <dur> to <dur> step <dur> <expr>
 *                               (also eval_fail range ...) a range query;
 *                               expected lines carry one value per step,
 *                               `_` where the series has no point; this
 *                               form comes from later Prometheus versions
 *
 * Lines are trimmed; a line starting with '#' counts as a blank line (so a
 * comment ends a block, as in Prometheus's harness). Series values use the
 * expanding notation: `a`, `axN` (N+1 copies), `a+bxN` / `a-bxN` (N+1
 * values counting from a), `_` (no sample), `_xN` (N gaps), `stale`
 * (the staleness marker), `Inf`, `NaN`. An expected line is either a
 * series with one value or, alone, a number (a scalar result).
 *
 * Everything a parsed script points to lives in the arena given to
 * pqt_script_parse() and stays valid until that arena is freed.
 */
#ifndef PHAROS_TESTS_PROMQL_SCRIPT_H
#define PHAROS_TESTS_PROMQL_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"

/* The bit pattern of Prometheus's staleness marker, a NaN. */
#define PQT_STALE_NAN_BITS 0x7ff0000000000002ULL

struct pqt_label {
	const char *name;
	const char *value;
};

/* One value of an expanded sequence. */
struct pqt_value {
	double v;
	bool omitted; /* `_`: no sample at this step */
};

/* One series line: a label set (the metric name, if given, as __name__)
 * and its expanded values. Labels are in the order written; a label
 * written twice keeps its last value. */
struct pqt_series {
	struct pqt_label *labels;
	size_t nlabels;
	struct pqt_value *values;
	size_t nvalues;
	int line; /* 1-based line in the script */
};

enum pqt_cmd_kind { PQT_LOAD, PQT_CLEAR, PQT_EVAL };

struct pqt_cmd {
	enum pqt_cmd_kind kind;
	int line; /* 1-based line of the command */

	/* PQT_LOAD */
	int64_t step_ms;
	struct pqt_series *series;
	size_t nseries;

	/* PQT_EVAL */
	const char *expr;
	int64_t at_ms;
	bool range; /* eval range: start_ms..end_ms every step_ms */
	int64_t start_ms, end_ms, range_step_ms;
	bool fail, ordered;
	bool expect_scalar; /* the expectation is a single number */
	double scalar;
	struct pqt_series *expect; /* one value each (instant), or one per step */
	size_t nexpect;
};

struct pqt_script {
	struct pqt_cmd *cmds;
	size_t ncmds;
};

/* Parse a whole script.
 * [in] text: the file's content, NUL-terminated (not modified, not kept).
 * [out] out: the commands, allocated from arena.
 * [out] err/errlen: on failure, "line N: <reason>".
 * Returns 0, or -1 on a syntax error (the script cannot be run). */
int pqt_script_parse(const char *text, struct arena *arena, struct pqt_script *out,
		     char *err, size_t errlen);

/* Parse one series description ("name{a="b"} 1+2x3 _ stale") into out.
 * Returns 0, or -1 with a reason in err. Exposed for unit tests. */
int pqt_parse_series(const char *line, struct arena *arena, struct pqt_series *out,
		     char *err, size_t errlen);

/* Parse a Prometheus duration ("5m", "1h30m", "10ms", "0") into
 * milliseconds. Units y w d h m s ms, each at most once, in that order.
 * Returns 0 or -1. */
int pqt_parse_duration(const char *s, size_t n, int64_t *ms);

/* Parse a number the way the harness's expected-scalar lines are parsed:
 * an integer (decimal, 0x hex, 0 octal) or a float (incl. Inf, NaN).
 * The whole string must be consumed. Returns 0 or -1. */
int pqt_parse_number(const char *s, double *out);

/* The harness's float comparison: equal if both NaN or a == b; otherwise
 * a relative error below 1e-6 (absolute near zero). */
bool pqt_almost_equal(double a, double b);

#endif
