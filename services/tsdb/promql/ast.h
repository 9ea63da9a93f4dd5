/* ast.h - the PromQL syntax tree.
 *
 * promql_parse() builds it; the evaluator walks it; promql_format() prints
 * it back in canonical form. Every node, every array and every string in a
 * tree is allocated from the struct arena given to promql_parse() and stays
 * valid until that arena is freed or reset: nothing in a tree is freed on
 * its own (compiled regexes included, see labels.h).
 *
 * Times and durations are int64 milliseconds (Prometheus's resolution).
 * Positions are byte offsets into the query text, end exclusive.
 *
 * The evaluator may write to the fields marked "evaluator may set" (e.g.
 * to fold @ and offset as Prometheus's engine does); the parser fills them
 * with their natural defaults.
 */
#ifndef PHAROS_PROMQL_AST_H
#define PHAROS_PROMQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../lib/labels.h"
#include "functions.h"

enum promql_node_kind {
	PROMQL_NODE_NUMBER,
	PROMQL_NODE_STRING,
	PROMQL_NODE_VECTOR_SELECTOR,
	PROMQL_NODE_MATRIX_SELECTOR,
	PROMQL_NODE_SUBQUERY,
	PROMQL_NODE_CALL,
	PROMQL_NODE_AGGREGATE,
	PROMQL_NODE_BINARY,
	PROMQL_NODE_UNARY,
	PROMQL_NODE_PAREN,
};

/* Binary operators (and, for unary nodes, PROMQL_OP_ADD / PROMQL_OP_SUB). */
enum promql_op {
	PROMQL_OP_ADD,    /* + */
	PROMQL_OP_SUB,    /* - */
	PROMQL_OP_MUL,    /* * */
	PROMQL_OP_DIV,    /* / */
	PROMQL_OP_MOD,    /* % */
	PROMQL_OP_POW,    /* ^ */
	PROMQL_OP_ATAN2,  /* atan2 */
	PROMQL_OP_EQL,    /* == */
	PROMQL_OP_NEQ,    /* != */
	PROMQL_OP_LTE,    /* <= */
	PROMQL_OP_LSS,    /* <  */
	PROMQL_OP_GTE,    /* >= */
	PROMQL_OP_GTR,    /* >  */
	PROMQL_OP_AND,    /* and */
	PROMQL_OP_OR,     /* or */
	PROMQL_OP_UNLESS, /* unless */
};

/* The operator as written: "+", "==", "and", "atan2", ... */
const char *promql_op_str(enum promql_op op);
bool promql_op_is_comparison(enum promql_op op); /* == != <= < >= > */
bool promql_op_is_set(enum promql_op op);        /* and or unless */

enum promql_agg_op {
	PROMQL_AGG_SUM,
	PROMQL_AGG_AVG,
	PROMQL_AGG_COUNT,
	PROMQL_AGG_MIN,
	PROMQL_AGG_MAX,
	PROMQL_AGG_GROUP,
	PROMQL_AGG_STDDEV,
	PROMQL_AGG_STDVAR,
	PROMQL_AGG_TOPK,         /* param: scalar k */
	PROMQL_AGG_BOTTOMK,      /* param: scalar k */
	PROMQL_AGG_COUNT_VALUES, /* param: string (label name) */
	PROMQL_AGG_QUANTILE,     /* param: scalar phi */
};

/* The aggregation's keyword: "sum", "count_values", ... */
const char *promql_agg_str(enum promql_agg_op op);

/* Where an @ modifier points. */
enum promql_at_kind {
	PROMQL_AT_NONE,      /* no @ modifier */
	PROMQL_AT_TIMESTAMP, /* @ <number>: ms holds the time in ms */
	PROMQL_AT_START,     /* @ start() */
	PROMQL_AT_END,       /* @ end() */
};

struct promql_at {
	enum promql_at_kind kind;
	int64_t ms; /* for PROMQL_AT_TIMESTAMP */
};

struct promql_pos {
	uint32_t start, end; /* byte offsets into the query, end exclusive */
};

enum promql_card {
	PROMQL_CARD_ONE_TO_ONE,
	PROMQL_CARD_MANY_TO_ONE,  /* group_left */
	PROMQL_CARD_ONE_TO_MANY,  /* group_right */
	PROMQL_CARD_MANY_TO_MANY, /* set operators */
};

/* "one-to-one", "many-to-one", "one-to-many", "many-to-many". */
const char *promql_card_str(enum promql_card c);

struct promql_vector_matching {
	enum promql_card card;
	bool on;                  /* on(...) rather than ignoring(...) */
	const char **labels;      /* the on/ignoring label names, as written */
	size_t nlabels;
	const char **include;     /* group_left/group_right(...) label names */
	size_t ninclude;
};

struct promql_node;

struct promql_vector_selector {
	/* The metric name when written before the braces (foo{...}), else
	 * NULL. Either way the name is also one of the matchers
	 * (__name__="foo"), so the evaluator selects by matchers alone. */
	const char *name;
	struct labels_matcher *matchers; /* nmatchers of them, in written order */
	size_t nmatchers;
	int64_t original_offset;         /* ms, as written (negative allowed) */
	int64_t offset;                  /* ms; = original_offset; evaluator may set */
	struct promql_at at;
};

struct promql_matrix_selector {
	struct promql_node *vs; /* always a PROMQL_NODE_VECTOR_SELECTOR */
	int64_t range;          /* ms, > 0 */
};

struct promql_subquery {
	struct promql_node *expr; /* any instant-vector expression */
	int64_t range;            /* ms, > 0 */
	int64_t step;             /* ms; 0 = the default evaluation interval */
	int64_t original_offset;  /* ms, as written */
	int64_t offset;           /* ms; = original_offset; evaluator may set */
	struct promql_at at;
};

struct promql_call {
	const struct promql_function *func; /* static table entry */
	struct promql_node **args;          /* nargs of them, types checked */
	size_t nargs;
};

struct promql_aggregate {
	enum promql_agg_op op;
	struct promql_node *expr;  /* instant vector */
	struct promql_node *param; /* topk/bottomk/quantile: scalar expression;
				    * count_values: string; else NULL */
	const char **grouping;     /* by/without label names, as written */
	size_t ngrouping;
	bool without;              /* without(...) rather than by(...) */
	bool has_grouping;         /* a by/without clause was written, even
				    * an empty one: `sum by () (x)` */
};

struct promql_binary {
	enum promql_op op;
	struct promql_node *lhs, *rhs;
	bool return_bool; /* `bool` modifier (comparisons only) */
	/* Set when both sides are instant vectors (always for and/or/unless);
	 * then matching is meaningful. */
	bool has_matching;
	struct promql_vector_matching matching;
};

struct promql_unary {
	enum promql_op op; /* PROMQL_OP_ADD or PROMQL_OP_SUB */
	struct promql_node *expr;
};

struct promql_node {
	enum promql_node_kind kind;
	struct promql_pos pos;
	union {
		double number;                     /* PROMQL_NODE_NUMBER */
		struct {                           /* PROMQL_NODE_STRING */
			const char *value;         /* NUL-terminated, no NUL inside */
			size_t len;
		} string;
		struct promql_vector_selector vs;  /* PROMQL_NODE_VECTOR_SELECTOR */
		struct promql_matrix_selector ms;  /* PROMQL_NODE_MATRIX_SELECTOR */
		struct promql_subquery sq;         /* PROMQL_NODE_SUBQUERY */
		struct promql_call call;           /* PROMQL_NODE_CALL */
		struct promql_aggregate agg;       /* PROMQL_NODE_AGGREGATE */
		struct promql_binary bin;          /* PROMQL_NODE_BINARY */
		struct promql_unary unary;         /* PROMQL_NODE_UNARY */
		struct promql_node *paren;         /* PROMQL_NODE_PAREN: inner expr */
	} u;
};

/* The value type n evaluates to (Prometheus's Expr.Type()):
 * number → scalar, string → string, vector selector / aggregate → vector,
 * matrix selector / subquery → matrix, call → its function's return type,
 * paren / unary → their operand's, binary → scalar if both sides are
 * scalars, else vector. */
enum promql_value_type promql_node_type(const struct promql_node *n);

#endif
