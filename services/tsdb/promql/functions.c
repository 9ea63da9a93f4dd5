/* functions.c - the PromQL function table (see functions.h). Sorted by
 * name, so lookup is a binary search; the entry for id i is at index i. */
#include "functions.h"

#include <string.h>

static const struct promql_function table[PROMQL_FUNC_COUNT] = {
	{ PROMQL_FUNC_ABS, "abs", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ABSENT, "absent", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ABSENT_OVER_TIME, "absent_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ACOS, "acos", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ACOSH, "acosh", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ASIN, "asin", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ASINH, "asinh", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ATAN, "atan", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ATANH, "atanh", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_AVG_OVER_TIME, "avg_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_CEIL, "ceil", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_CHANGES, "changes", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_CLAMP, "clamp", { PROMQL_TYPE_VECTOR, PROMQL_TYPE_SCALAR, PROMQL_TYPE_SCALAR }, 3, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_CLAMP_MAX, "clamp_max", { PROMQL_TYPE_VECTOR, PROMQL_TYPE_SCALAR }, 2, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_CLAMP_MIN, "clamp_min", { PROMQL_TYPE_VECTOR, PROMQL_TYPE_SCALAR }, 2, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_COS, "cos", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_COSH, "cosh", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_COUNT_OVER_TIME, "count_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DAY_OF_MONTH, "day_of_month", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DAY_OF_WEEK, "day_of_week", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DAY_OF_YEAR, "day_of_year", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DAYS_IN_MONTH, "days_in_month", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DEG, "deg", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DELTA, "delta", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_DERIV, "deriv", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_EXP, "exp", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_FLOOR, "floor", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_HISTOGRAM_COUNT, "histogram_count", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_HISTOGRAM_FRACTION, "histogram_fraction", { PROMQL_TYPE_SCALAR, PROMQL_TYPE_SCALAR, PROMQL_TYPE_VECTOR }, 3, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_HISTOGRAM_QUANTILE, "histogram_quantile", { PROMQL_TYPE_SCALAR, PROMQL_TYPE_VECTOR }, 2, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_HISTOGRAM_SUM, "histogram_sum", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_HOLT_WINTERS, "holt_winters", { PROMQL_TYPE_MATRIX, PROMQL_TYPE_SCALAR, PROMQL_TYPE_SCALAR }, 3, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_HOUR, "hour", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_IDELTA, "idelta", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_INCREASE, "increase", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_IRATE, "irate", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_LABEL_JOIN, "label_join", { PROMQL_TYPE_VECTOR, PROMQL_TYPE_STRING, PROMQL_TYPE_STRING, PROMQL_TYPE_STRING }, 4, -1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_LABEL_REPLACE, "label_replace", { PROMQL_TYPE_VECTOR, PROMQL_TYPE_STRING, PROMQL_TYPE_STRING, PROMQL_TYPE_STRING, PROMQL_TYPE_STRING }, 5, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_LAST_OVER_TIME, "last_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_LN, "ln", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_LOG10, "log10", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_LOG2, "log2", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_MAX_OVER_TIME, "max_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_MIN_OVER_TIME, "min_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_MINUTE, "minute", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_MONTH, "month", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_PI, "pi", { 0 }, 0, 0, PROMQL_TYPE_SCALAR },
	{ PROMQL_FUNC_PREDICT_LINEAR, "predict_linear", { PROMQL_TYPE_MATRIX, PROMQL_TYPE_SCALAR }, 2, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_PRESENT_OVER_TIME, "present_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_QUANTILE_OVER_TIME, "quantile_over_time", { PROMQL_TYPE_SCALAR, PROMQL_TYPE_MATRIX }, 2, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_RAD, "rad", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_RATE, "rate", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_RESETS, "resets", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_ROUND, "round", { PROMQL_TYPE_VECTOR, PROMQL_TYPE_SCALAR }, 2, 1, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SCALAR, "scalar", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_SCALAR },
	{ PROMQL_FUNC_SGN, "sgn", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SIN, "sin", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SINH, "sinh", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SORT, "sort", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SORT_DESC, "sort_desc", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SQRT, "sqrt", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_STDDEV_OVER_TIME, "stddev_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_STDVAR_OVER_TIME, "stdvar_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_SUM_OVER_TIME, "sum_over_time", { PROMQL_TYPE_MATRIX }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_TAN, "tan", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_TANH, "tanh", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_TIME, "time", { 0 }, 0, 0, PROMQL_TYPE_SCALAR },
	{ PROMQL_FUNC_TIMESTAMP, "timestamp", { PROMQL_TYPE_VECTOR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_VECTOR, "vector", { PROMQL_TYPE_SCALAR }, 1, 0, PROMQL_TYPE_VECTOR },
	{ PROMQL_FUNC_YEAR, "year", { PROMQL_TYPE_VECTOR }, 1, 1, PROMQL_TYPE_VECTOR },
};

const char *promql_value_type_str(enum promql_value_type t)
{
	switch (t) {
	case PROMQL_TYPE_NONE: return "none";
	case PROMQL_TYPE_SCALAR: return "scalar";
	case PROMQL_TYPE_VECTOR: return "vector";
	case PROMQL_TYPE_MATRIX: return "matrix";
	case PROMQL_TYPE_STRING: return "string";
	}
	return "none";
}

const char *promql_value_type_doc(enum promql_value_type t)
{
	switch (t) {
	case PROMQL_TYPE_VECTOR: return "instant vector";
	case PROMQL_TYPE_MATRIX: return "range vector";
	default: return promql_value_type_str(t);
	}
}

const struct promql_function *promql_function_lookup(const char *name, size_t len)
{
	size_t lo = 0, hi = PROMQL_FUNC_COUNT;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = table[mid].name;
		size_t nlen = strlen(n);
		int c = memcmp(n, name, nlen < len ? nlen : len);
		if (c == 0)
			c = (nlen > len) - (nlen < len);
		if (c == 0)
			return &table[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct promql_function *promql_function_by_id(enum promql_func_id id)
{
	return (unsigned)id < PROMQL_FUNC_COUNT ? &table[id] : NULL;
}

enum promql_value_type promql_function_arg_type(const struct promql_function *f, size_t i)
{
	if (f->nargs == 0)
		return PROMQL_TYPE_NONE;
	if (i >= (size_t)f->nargs)
		i = (size_t)f->nargs - 1;
	return f->arg_types[i];
}

bool promql_function_time_dependent(enum promql_func_id id)
{
	switch (id) {
	case PROMQL_FUNC_DAYS_IN_MONTH:
	case PROMQL_FUNC_DAY_OF_MONTH:
	case PROMQL_FUNC_DAY_OF_WEEK:
	case PROMQL_FUNC_DAY_OF_YEAR:
	case PROMQL_FUNC_HOUR:
	case PROMQL_FUNC_MINUTE:
	case PROMQL_FUNC_MONTH:
	case PROMQL_FUNC_YEAR:
	case PROMQL_FUNC_PREDICT_LINEAR:
	case PROMQL_FUNC_TIME:
	case PROMQL_FUNC_TIMESTAMP:
		return true;
	default:
		return false;
	}
}
