/* case.h - running one `eval` command of a promqltest script the way
 * Prometheus 2.42's harness does (promql/test.go):
 *
 *  - the query runs as an instant query at the command's time and its
 *    result is compared with the expectation (order too for eval_ordered);
 *  - it runs again as a range query from T-1m to T+1m with a 1m step, and
 *    the step at T must give the same result (skipped for eval_ordered);
 *  - unless the query calls a function whose value depends on the
 *    evaluation time (time(), timestamp(), the date functions,
 *    predict_linear), it runs again with `@ T` added to every selector and
 *    subquery that has no @ yet (not inside subqueries), at the times
 *    -10T, 0, T/5, T, 10T (or -1s, 0, 1s when T is 0): every one of those
 *    must give the same result, instant and range;
 *  - eval_fail passes when every run fails;
 *  - `eval range` (a later addition to the language) runs one range query
 *    and compares every step.
 * Engine settings as in the harness: max 10000 samples, lookback 5m,
 * subquery default step 1m.
 */
#ifndef PHAROS_TESTS_PROMQL_CASE_H
#define PHAROS_TESTS_PROMQL_CASE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../services/tsdb/promql/querier.h"
#include "script.h"

/* Run cmd (kind PQT_EVAL) against q. Returns true on success; on failure
 * writes a one-line reason into why. */
bool pqt_run_eval(struct promql_querier *q, const struct pqt_cmd *cmd, char *why,
		  size_t whylen);

#endif
