/* json.h - a small JSON parser (RFC 8259) into a tree in an arena.
 *
 *   struct json_doc d;
 *   struct json_value *v;
 *   char err[160];
 *   if (json_parse(&d, text, len, NULL, &v, err, sizeof err) < 0)
 *       fprintf(stderr, "targets.json:%s\n", err);   // "3:14: expected ..."
 *   ...
 *   json_doc_free(&d);
 *
 * Every value carries the line and column (1-based, columns in bytes)
 * where it starts. Strings are decoded (all escapes, \u surrogate pairs
 * to UTF-8; a lone surrogate is an error) and NUL-terminated, with their
 * length (they may contain NUL bytes from \u0000). Numbers are kept as a
 * double and as their text. Objects keep their members in file order;
 * duplicate keys are kept (json_get() returns the last, as Go's
 * encoding/json does).
 *
 * Limits (struct json_limits, NULL = defaults): input size (default
 * 16 MiB), nesting depth (default 128), node count (default 1,000,000).
 * Exceeding one is an error with the position where it happened.
 *
 * Memory: the tree belongs to the struct json_doc's arena and is valid
 * until json_doc_free(). Nothing returned is freed by the caller.
 */
#ifndef PHAROS_JSON_H
#define PHAROS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value;

struct json_member {
	const char *key;        /* decoded, NUL-terminated */
	size_t key_len;
	struct json_value *val;
};

struct json_value {
	enum json_type type;
	int line, col;          /* where the value starts */
	double num;             /* JSON_NUMBER */
	const char *str;        /* JSON_STRING: decoded text; JSON_NUMBER: its source text */
	size_t len;             /* string length, or item/member count */
	struct json_value **items;   /* JSON_ARRAY */
	struct json_member *members; /* JSON_OBJECT */
};

struct json_limits {
	size_t max_bytes;
	int max_depth;
	size_t max_nodes;
};

struct json_doc {
	struct arena arena;
	size_t nnodes;
};

/* Parse len bytes of text (one value, surrounding whitespace allowed; a
 * UTF-8 byte order mark is refused, as Go does).
 * [in,out] d: initialised here; free with json_doc_free() in every case.
 * [in] lim: NULL for the defaults.
 * [out] out: the root value.
 * [out] err: on failure "line:col: message" (truncated to errlen).
 * Returns 0, or -EINVAL (syntax, invalid UTF-8 escape) / -E2BIG (a limit). */
int json_parse(struct json_doc *d, const char *text, size_t len, const struct json_limits *lim,
	       struct json_value **out, char *err, size_t errlen);
void json_doc_free(struct json_doc *d);

/* The member named key of an object (the last one if repeated), or NULL
 * when v is not an object or has no such member. */
struct json_value *json_get(const struct json_value *v, const char *key);
/* The name of a type ("null", "bool", "number", "string", "array", "object"). */
const char *json_type_name(enum json_type t);

#endif
