/* yamlconf.h - configuration files in YAML, over libyaml.
 *
 * A file is parsed whole into a tree of nodes (maps, sequences, scalars),
 * each carrying the line and column where it starts (1-based, as printed
 * in errors). Typed getters then read fields out of the tree and record
 * every problem as "file:line:col: message", the way Prometheus's config
 * loader reports them; yamlconf_strict() rejects fields a map should not
 * have ("unknown field"), as Prometheus's strict loading does.
 *
 * Typical use:
 *
 *   struct yamlconf yc;
 *   yamlconf_init(&yc);
 *   if (yamlconf_load(&yc, "pharos.yml") == 0) {
 *       static const char *const known[] = { "role", "data_dir", NULL };
 *       yamlconf_strict(&yc, yc.root, known);
 *       yamlconf_get_str(&yc, yc.root, "data_dir", &dir);
 *   }
 *   if (yc.nerrors) fputs(yc.errors.p, stderr);    // one error per line
 *   yamlconf_free(&yc);
 *
 * Memory: every node and string belongs to the struct yamlconf's arena and
 * is valid until yamlconf_free(). Nothing returned is ever freed by the
 * caller.
 *
 * Bounds: input size, nesting depth and node count are limited (fields of
 * struct yamlconf, set by yamlconf_init(), adjustable before parsing), so
 * hostile input costs bounded time and memory. Aliases (*x) share the
 * anchored node rather than copying it, so "billion laughs" input stays
 * small; a consumer that walks the tree recursively should bound its own
 * work. Merge keys ("<<") are ordinary keys here. Tags are ignored.
 *
 * Nulls: a plain scalar "", "~", "null", "Null" or "NULL" is null; getters
 * treat a null value as absent (Go's yaml.v2 leaves the default), and
 * yamlconf_is_null() tells them apart when needed.
 */
#ifndef PHAROS_YAMLCONF_H
#define PHAROS_YAMLCONF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum yamlconf_kind { YAMLCONF_SCALAR, YAMLCONF_MAP, YAMLCONF_SEQ };

struct yamlconf_node;

/* One entry of a map: key (always a scalar) and value. */
struct yamlconf_pair {
	struct yamlconf_node *key;
	struct yamlconf_node *val;
};

struct yamlconf_node {
	enum yamlconf_kind kind;
	int line, col;    /* 1-based position of the node's first character */
	int plain;        /* scalar written without quotes or block style */
	const char *str;  /* scalar text, NUL-terminated (may contain NULs: see len) */
	size_t len;       /* scalar length; for maps and sequences: entry count */
	struct yamlconf_pair *pairs;  /* map entries, in file order */
	struct yamlconf_node **items; /* sequence items, in file order */
};

struct yamlconf {
	struct arena arena;           /* owns the tree */
	const char *file;             /* name used in messages (arena copy) */
	struct yamlconf_node *root;   /* NULL for an empty document */
	struct buf errors;            /* "file:line:col: message\n" lines */
	int nerrors;
	/* Limits, set by yamlconf_init(); change them before parsing. */
	size_t max_bytes;             /* default 4 MiB */
	int max_depth;                /* default 64 */
	size_t max_nodes;             /* default 200000 */
	size_t nnodes;
};

/* Prepare yc (no allocation). */
void yamlconf_init(struct yamlconf *yc);
/* Free the tree and the error text; yc may be parsed into again after
 * yamlconf_init(). */
void yamlconf_free(struct yamlconf *yc);

/* Parse len bytes of data (one YAML document; a second one is an error).
 * [in] name: file name for messages (copied).
 * Returns 0, or -EINVAL after recording the syntax error (yc->root is then
 * NULL), or -EFBIG when data is over max_bytes. */
int yamlconf_parse(struct yamlconf *yc, const char *name, const char *data, size_t len);
/* Read path (bounded by max_bytes) and parse it.
 * Returns 0, -EINVAL/-EFBIG as yamlconf_parse(), or -errno when the file
 * cannot be read (also recorded as an error naming the file). */
int yamlconf_load(struct yamlconf *yc, const char *path);

/* Record "file:line:col: <message>" at node n (or "file: <message>" when
 * n is NULL) and count it. Always returns -EINVAL, so a caller can write
 * `return yamlconf_error(...)`. */
int yamlconf_error(struct yamlconf *yc, const struct yamlconf_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 1 if n is a null scalar (or n is NULL), else 0. */
int yamlconf_is_null(const struct yamlconf_node *n);

/* The value of key in map, or NULL if map is not a map or has no such key.
 * The node is borrowed from the tree. */
struct yamlconf_node *yamlconf_get(const struct yamlconf_node *map, const char *key);

/* Record an error for every key of map that is not in known (a NULL-ended
 * list): `unknown field "x"`. Also records an error if map is neither a
 * map nor null. Returns 0 or -EINVAL if anything was recorded. */
int yamlconf_strict(struct yamlconf *yc, const struct yamlconf_node *map,
		    const char *const *known);

/* Node conversions. Each returns 0 and stores into *out, or records an
 * error at n ("expected a string", "bad duration ...") and returns -EINVAL
 * leaving *out alone. n must not be NULL. */
/* [out] out: borrowed from the tree. Only scalars convert. */
int yamlconf_node_str(struct yamlconf *yc, const struct yamlconf_node *n, const char **out);
/* true/false, yes/no, on/off in lower, Title or UPPER case (YAML 1.1, as Go's yaml.v2). */
int yamlconf_node_bool(struct yamlconf *yc, const struct yamlconf_node *n, int *out);
/* A decimal integer (optional sign) within [min, max]. */
int yamlconf_node_int(struct yamlconf *yc, const struct yamlconf_node *n, int64_t min,
		      int64_t max, int64_t *out);
/* A Prometheus duration ("1h30m", "15s", "500ms", "2d", "1w", "1y", "0"),
 * as milliseconds. Units descend and appear at most once, as in
 * Prometheus's model.ParseDuration. */
int yamlconf_node_duration(struct yamlconf *yc, const struct yamlconf_node *n, int64_t *out_ms);
/* A sequence of scalars, or one scalar taken as a list of one.
 * [out] out: a NULL-terminated array in the arena; *n_out its length. */
int yamlconf_node_strlist(struct yamlconf *yc, const struct yamlconf_node *n,
			  const char ***out, size_t *n_out);

/* Getters by key: return 1 when the field is present (not null) and
 * converted, 0 when absent or null (*out untouched: keep your default),
 * -EINVAL after recording a conversion error. */
int yamlconf_get_str(struct yamlconf *yc, const struct yamlconf_node *map, const char *key,
		     const char **out);
int yamlconf_get_bool(struct yamlconf *yc, const struct yamlconf_node *map, const char *key,
		      int *out);
int yamlconf_get_int(struct yamlconf *yc, const struct yamlconf_node *map, const char *key,
		     int64_t min, int64_t max, int64_t *out);
int yamlconf_get_duration(struct yamlconf *yc, const struct yamlconf_node *map,
			  const char *key, int64_t *out_ms);
int yamlconf_get_strlist(struct yamlconf *yc, const struct yamlconf_node *map,
			 const char *key, const char ***out, size_t *n_out);

/* Parse a Prometheus duration from text (as yamlconf_node_duration).
 * Returns 0 or -EINVAL. */
int yamlconf_parse_duration(const char *s, int64_t *out_ms);

#endif
