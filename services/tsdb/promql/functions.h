/* functions.h - the PromQL function table (Prometheus 2.42's set).
 *
 * Each function has a name, the value types of its arguments, how many
 * trailing arguments are optional, its return type and an enum id that the
 * evaluator switches on. The table is static, read-only data: pointers to
 * its entries are valid for the life of the program.
 */
#ifndef PHAROS_PROMQL_FUNCTIONS_H
#define PHAROS_PROMQL_FUNCTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* The type a PromQL expression evaluates to. */
enum promql_value_type {
	PROMQL_TYPE_NONE,
	PROMQL_TYPE_SCALAR,
	PROMQL_TYPE_VECTOR, /* "instant vector" */
	PROMQL_TYPE_MATRIX, /* "range vector" */
	PROMQL_TYPE_STRING,
};

/* Prometheus's internal spelling: "none", "scalar", "vector", "matrix",
 * "string" (used in the API's resultType). */
const char *promql_value_type_str(enum promql_value_type t);
/* The documented spelling used in error messages: "scalar",
 * "instant vector", "range vector", "string", "none". */
const char *promql_value_type_doc(enum promql_value_type t);

/* One id per function; order is alphabetical and has no other meaning. */
enum promql_func_id {
	PROMQL_FUNC_ABS,
	PROMQL_FUNC_ABSENT,
	PROMQL_FUNC_ABSENT_OVER_TIME,
	PROMQL_FUNC_ACOS,
	PROMQL_FUNC_ACOSH,
	PROMQL_FUNC_ASIN,
	PROMQL_FUNC_ASINH,
	PROMQL_FUNC_ATAN,
	PROMQL_FUNC_ATANH,
	PROMQL_FUNC_AVG_OVER_TIME,
	PROMQL_FUNC_CEIL,
	PROMQL_FUNC_CHANGES,
	PROMQL_FUNC_CLAMP,
	PROMQL_FUNC_CLAMP_MAX,
	PROMQL_FUNC_CLAMP_MIN,
	PROMQL_FUNC_COS,
	PROMQL_FUNC_COSH,
	PROMQL_FUNC_COUNT_OVER_TIME,
	PROMQL_FUNC_DAY_OF_MONTH,
	PROMQL_FUNC_DAY_OF_WEEK,
	PROMQL_FUNC_DAY_OF_YEAR,
	PROMQL_FUNC_DAYS_IN_MONTH,
	PROMQL_FUNC_DEG,
	PROMQL_FUNC_DELTA,
	PROMQL_FUNC_DERIV,
	PROMQL_FUNC_EXP,
	PROMQL_FUNC_FLOOR,
	PROMQL_FUNC_HISTOGRAM_COUNT,    /* native histograms: no result on floats */
	PROMQL_FUNC_HISTOGRAM_FRACTION, /* ditto */
	PROMQL_FUNC_HISTOGRAM_QUANTILE,
	PROMQL_FUNC_HISTOGRAM_SUM,      /* ditto */
	PROMQL_FUNC_HOLT_WINTERS,
	PROMQL_FUNC_HOUR,
	PROMQL_FUNC_IDELTA,
	PROMQL_FUNC_INCREASE,
	PROMQL_FUNC_IRATE,
	PROMQL_FUNC_LABEL_JOIN,
	PROMQL_FUNC_LABEL_REPLACE,
	PROMQL_FUNC_LAST_OVER_TIME,
	PROMQL_FUNC_LN,
	PROMQL_FUNC_LOG10,
	PROMQL_FUNC_LOG2,
	PROMQL_FUNC_MAX_OVER_TIME,
	PROMQL_FUNC_MIN_OVER_TIME,
	PROMQL_FUNC_MINUTE,
	PROMQL_FUNC_MONTH,
	PROMQL_FUNC_PI,
	PROMQL_FUNC_PREDICT_LINEAR,
	PROMQL_FUNC_PRESENT_OVER_TIME,
	PROMQL_FUNC_QUANTILE_OVER_TIME,
	PROMQL_FUNC_RAD,
	PROMQL_FUNC_RATE,
	PROMQL_FUNC_RESETS,
	PROMQL_FUNC_ROUND,
	PROMQL_FUNC_SCALAR,
	PROMQL_FUNC_SGN,
	PROMQL_FUNC_SIN,
	PROMQL_FUNC_SINH,
	PROMQL_FUNC_SORT,
	PROMQL_FUNC_SORT_DESC,
	PROMQL_FUNC_SQRT,
	PROMQL_FUNC_STDDEV_OVER_TIME,
	PROMQL_FUNC_STDVAR_OVER_TIME,
	PROMQL_FUNC_SUM_OVER_TIME,
	PROMQL_FUNC_TAN,
	PROMQL_FUNC_TANH,
	PROMQL_FUNC_TIME,
	PROMQL_FUNC_TIMESTAMP,
	PROMQL_FUNC_VECTOR,
	PROMQL_FUNC_YEAR,
	PROMQL_FUNC_COUNT /* number of functions, not a function */
};

#define PROMQL_FUNC_MAX_ARGS 5

struct promql_function {
	enum promql_func_id id;
	const char *name;
	/* Types of the declared arguments, nargs of them. */
	enum promql_value_type arg_types[PROMQL_FUNC_MAX_ARGS];
	int nargs;
	/* As in Prometheus: 0 = exactly nargs arguments; k > 0 = the last k
	 * declared arguments may be left out; -1 = the last declared argument
	 * may repeat any number of times (label_join). */
	int variadic;
	enum promql_value_type return_type;
};

/* The entry called name (exact, case-sensitive), or NULL. len bytes of
 * name are compared; name need not be NUL-terminated. */
const struct promql_function *promql_function_lookup(const char *name, size_t len);

/* The entry with this id (id < PROMQL_FUNC_COUNT). */
const struct promql_function *promql_function_by_id(enum promql_func_id id);

/* The type the i-th actual argument of a call must have (i may exceed
 * nargs for variadic functions: then the last declared type). */
enum promql_value_type promql_function_arg_type(const struct promql_function *f, size_t i);

/* Does the function's value depend on the evaluation time itself (time(),
 * the calendar functions, timestamp(), predict_linear())? Such calls are
 * never step-invariant, and Prometheus's test harness does not add `@` to
 * queries that use them. */
bool promql_function_time_dependent(enum promql_func_id id);

#endif
