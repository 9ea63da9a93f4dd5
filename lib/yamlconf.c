#include "yamlconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* Anchors are few in real configs; a bound keeps lookup linear and cheap. */
#define YAMLCONF_MAX_ANCHORS 1024

struct yc_anchor {
	const char *name;
	struct yamlconf_node *node;
};

struct yc_frame {
	struct yamlconf_node *node;
	size_t base;        /* index in the scratch stack where its children start */
	const char *anchor; /* registered when the collection ends (no cycles) */
};

struct yc_state {
	struct yamlconf *yc;
	struct yamlconf_node **stack; /* children of the open collections */
	size_t nstack, capstack;
	struct yc_frame *frames;
	int nframes;
	struct yc_anchor *anchors;
	size_t nanchors;
	int ndocs;
};

void yamlconf_init(struct yamlconf *yc)
{
	memset(yc, 0, sizeof *yc);
	yc->arena = (struct arena)ARENA_INIT;
	yc->errors = (struct buf)BUF_INIT;
	yc->file = "";
	yc->max_bytes = 4u << 20;
	yc->max_depth = 64;
	yc->max_nodes = 200000;
}

void yamlconf_free(struct yamlconf *yc)
{
	arena_free(&yc->arena);
	buf_free(&yc->errors);
	yc->root = NULL;
	yc->nerrors = 0;
	yc->nnodes = 0;
	yc->file = "";
}

int yamlconf_error(struct yamlconf *yc, const struct yamlconf_node *n, const char *fmt, ...)
{
	va_list ap;
	if (n)
		buf_printf(&yc->errors, "%s:%d:%d: ", yc->file, n->line, n->col);
	else
		buf_printf(&yc->errors, "%s: ", yc->file);
	va_start(ap, fmt);
	buf_vprintf(&yc->errors, fmt, ap);
	va_end(ap);
	buf_putc(&yc->errors, '\n');
	yc->nerrors++;
	return -EINVAL;
}

static void yc_error_at(struct yamlconf *yc, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void yc_error_at(struct yamlconf *yc, yaml_mark_t m, const char *fmt, ...)
{
	struct yamlconf_node at = { .line = (int)m.line + 1, .col = (int)m.column + 1 };
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	yamlconf_error(yc, &at, "%s", msg);
}

static struct yamlconf_node *yc_node(struct yc_state *st, enum yamlconf_kind k, yaml_mark_t m)
{
	struct yamlconf *yc = st->yc;
	if (yc->nnodes >= yc->max_nodes) {
		yc_error_at(yc, m, "too many nodes (limit %zu)", yc->max_nodes);
		return NULL;
	}
	yc->nnodes++;
	struct yamlconf_node *n = arena_alloc(&yc->arena, sizeof *n);
	memset(n, 0, sizeof *n);
	n->kind = k;
	n->line = (int)m.line + 1;
	n->col = (int)m.column + 1;
	n->str = "";
	return n;
}

static void yc_push(struct yc_state *st, struct yamlconf_node *n)
{
	if (st->nstack == st->capstack) {
		st->capstack = st->capstack ? st->capstack * 2 : 64;
		st->stack = xrealloc(st->stack, st->capstack * sizeof *st->stack);
	}
	st->stack[st->nstack++] = n;
}

/* Hand a finished node to the open collection (or make it the root). */
static int yc_add(struct yc_state *st, struct yamlconf_node *n)
{
	if (st->nframes == 0) {
		st->yc->root = n;
		return 0;
	}
	struct yc_frame *f = &st->frames[st->nframes - 1];
	if (f->node->kind == YAMLCONF_MAP && (st->nstack - f->base) % 2 == 0 &&
	    n->kind != YAMLCONF_SCALAR) {
		yamlconf_error(st->yc, n, "map keys must be scalars");
		return -EINVAL;
	}
	yc_push(st, n);
	return 0;
}

static int yc_same_key(const struct yamlconf_node *a, const struct yamlconf_node *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* As Go's yaml.v2 in strict mode: a key may appear once. */
static int yc_check_dups(struct yamlconf *yc, struct yamlconf_node *map)
{
	size_t n = map->len;
	int rc = 0;
	if (n <= 32) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (yc_same_key(map->pairs[i].key, map->pairs[j].key)) {
					rc = yamlconf_error(yc, map->pairs[i].key,
							    "field \"%s\" already set at line %d",
							    map->pairs[i].key->str,
							    map->pairs[j].key->line);
					break;
				}
		return rc;
	}
	/* Larger maps: an open-addressing set of the keys seen so far. */
	size_t cap = 64;
	while (cap < 2 * n)
		cap *= 2;
	const struct yamlconf_node **set = xcalloc(cap, sizeof *set);
	for (size_t i = 0; i < n; i++) {
		const struct yamlconf_node *k = map->pairs[i].key;
		uint32_t h = 2166136261u; /* FNV-1a */
		for (size_t j = 0; j < k->len; j++)
			h = (h ^ (unsigned char)k->str[j]) * 16777619u;
		size_t at = h & (cap - 1);
		while (set[at] && !yc_same_key(set[at], k))
			at = (at + 1) & (cap - 1);
		if (set[at])
			rc = yamlconf_error(yc, k, "field \"%s\" already set at line %d", k->str,
					    set[at]->line);
		else
			set[at] = k;
	}
	free(set);
	return rc;
}

static void yc_anchor_add(struct yc_state *st, const char *name, struct yamlconf_node *n)
{
	if (!name)
		return;
	if (!st->anchors)
		st->anchors = arena_alloc(&st->yc->arena,
					  YAMLCONF_MAX_ANCHORS * sizeof *st->anchors);
	/* A redefined anchor shadows the earlier one, as in YAML. */
	for (size_t i = 0; i < st->nanchors; i++)
		if (!strcmp(st->anchors[i].name, name)) {
			st->anchors[i].node = n;
			return;
		}
	if (st->nanchors == YAMLCONF_MAX_ANCHORS) {
		yamlconf_error(st->yc, n, "too many anchors (limit %d)", YAMLCONF_MAX_ANCHORS);
		return;
	}
	st->anchors[st->nanchors].name = arena_strdup(&st->yc->arena, name);
	st->anchors[st->nanchors++].node = n;
}

static int yc_event(struct yc_state *st, yaml_event_t *ev)
{
	struct yamlconf *yc = st->yc;
	struct yamlconf_node *n;
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
	case YAML_NO_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++st->ndocs > 1) {
			yc_error_at(yc, ev->start_mark, "more than one document");
			return -EINVAL;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		if (!(n = yc_node(st, YAMLCONF_SCALAR, ev->start_mark)))
			return -EINVAL;
		n->len = ev->data.scalar.length;
		char *s = arena_alloc(&yc->arena, n->len + 1);
		memcpy(s, ev->data.scalar.value, n->len);
		s[n->len] = 0;
		n->str = s;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		yc_anchor_add(st, (const char *)ev->data.scalar.anchor, n);
		return yc_add(st, n);
	case YAML_ALIAS_EVENT:
		for (size_t i = 0; i < st->nanchors; i++)
			if (!strcmp(st->anchors[i].name, (const char *)ev->data.alias.anchor)) {
				if (yc->nnodes >= yc->max_nodes) {
					yc_error_at(yc, ev->start_mark, "too many nodes (limit %zu)",
						    yc->max_nodes);
					return -EINVAL;
				}
				yc->nnodes++;
				return yc_add(st, st->anchors[i].node);
			}
		yc_error_at(yc, ev->start_mark, "unknown anchor \"%s\"",
			    (const char *)ev->data.alias.anchor);
		return -EINVAL;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int is_map = ev->type == YAML_MAPPING_START_EVENT;
		if (st->nframes >= yc->max_depth) {
			yc_error_at(yc, ev->start_mark, "nesting deeper than %d", yc->max_depth);
			return -EINVAL;
		}
		if (!(n = yc_node(st, is_map ? YAMLCONF_MAP : YAMLCONF_SEQ, ev->start_mark)))
			return -EINVAL;
		const char *anchor = is_map ? (const char *)ev->data.mapping_start.anchor
					    : (const char *)ev->data.sequence_start.anchor;
		struct yc_frame *f = &st->frames[st->nframes++];
		f->node = n;
		f->base = st->nstack;
		f->anchor = anchor ? arena_strdup(&yc->arena, anchor) : NULL;
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct yc_frame f = st->frames[--st->nframes];
		size_t cnt = st->nstack - f.base;
		n = f.node;
		if (n->kind == YAMLCONF_MAP) {
			n->len = cnt / 2;
			n->pairs = arena_alloc(&yc->arena, (n->len ? n->len : 1) * sizeof *n->pairs);
			for (size_t i = 0; i < n->len; i++) {
				n->pairs[i].key = st->stack[f.base + 2 * i];
				n->pairs[i].val = st->stack[f.base + 2 * i + 1];
			}
			if (yc_check_dups(yc, n))
				return -EINVAL;
		} else {
			n->len = cnt;
			n->items = arena_alloc(&yc->arena, (cnt ? cnt : 1) * sizeof *n->items);
			memcpy(n->items, st->stack + f.base, cnt * sizeof *n->items);
		}
		st->nstack = f.base;
		yc_anchor_add(st, f.anchor, n);
		return yc_add(st, n);
	}
	}
	return 0;
}

int yamlconf_parse(struct yamlconf *yc, const char *name, const char *data, size_t len)
{
	yc->file = arena_strdup(&yc->arena, name);
	yc->root = NULL;
	if (len > yc->max_bytes) {
		yamlconf_error(yc, NULL, "file is larger than %zu bytes", yc->max_bytes);
		return -EFBIG;
	}
	yaml_parser_t p;
	yaml_event_t ev;
	struct yc_state st = { .yc = yc };
	int rc = 0;
	st.frames = xmalloc((size_t)(yc->max_depth + 1) * sizeof *st.frames);
	if (!yaml_parser_initialize(&p)) {
		free(st.frames);
		yamlconf_error(yc, NULL, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_mark_t m = p.problem_mark;
			if (p.context)
				yc_error_at(yc, m, "%s %s", p.problem ? p.problem : "syntax error",
					    p.context);
			else
				yc_error_at(yc, m, "%s", p.problem ? p.problem : "syntax error");
			rc = -EINVAL;
			goto fail;
		}
		int done = ev.type == YAML_STREAM_END_EVENT;
		rc = yc_event(&st, &ev);
		yaml_event_delete(&ev);
		if (rc)
			goto fail;
		if (done)
			break;
	}
	yaml_parser_delete(&p);
	free(st.stack);
	free(st.frames);
	return 0;
fail:
	yaml_parser_delete(&p);
	free(st.stack);
	free(st.frames);
	yc->root = NULL;
	return rc < 0 ? rc : -EINVAL;
}

int yamlconf_load(struct yamlconf *yc, const char *path)
{
	struct buf b = BUF_INIT;
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC);
	yc->file = arena_strdup(&yc->arena, path);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	for (;;) {
		buf_reserve(&b, 8192);
		ssize_t r = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			close(fd);
			goto fail;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		b.p[b.len] = 0;
		if (b.len > yc->max_bytes)
			break;
	}
	close(fd);
	rc = yamlconf_parse(yc, path, b.p ? b.p : "", b.len);
	buf_free(&b);
	return rc;
fail:
	buf_free(&b);
	yamlconf_error(yc, NULL, "%s", strerror(-rc));
	return rc;
}

int yamlconf_is_null(const struct yamlconf_node *n)
{
	if (!n)
		return 1;
	if (n->kind != YAMLCONF_SCALAR || !n->plain)
		return 0;
	return !strcmp(n->str, "") || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

struct yamlconf_node *yamlconf_get(const struct yamlconf_node *map, const char *key)
{
	if (!map || map->kind != YAMLCONF_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < map->len; i++)
		if (map->pairs[i].key->len == kl && !memcmp(map->pairs[i].key->str, key, kl))
			return map->pairs[i].val;
	return NULL;
}

int yamlconf_strict(struct yamlconf *yc, const struct yamlconf_node *map,
		    const char *const *known)
{
	int rc = 0;
	if (yamlconf_is_null(map))
		return 0;
	if (map->kind != YAMLCONF_MAP)
		return yamlconf_error(yc, map, "expected a map");
	for (size_t i = 0; i < map->len; i++) {
		const struct yamlconf_node *k = map->pairs[i].key;
		const char *const *p = known;
		while (*p && (strlen(*p) != k->len || memcmp(*p, k->str, k->len)))
			p++;
		if (!*p)
			rc = yamlconf_error(yc, k, "unknown field \"%s\"", k->str);
	}
	return rc;
}

static const char *yc_kind_name(const struct yamlconf_node *n)
{
	return n->kind == YAMLCONF_MAP ? "a map" : n->kind == YAMLCONF_SEQ ? "a list" : "a scalar";
}

int yamlconf_node_str(struct yamlconf *yc, const struct yamlconf_node *n, const char **out)
{
	if (n->kind != YAMLCONF_SCALAR)
		return yamlconf_error(yc, n, "expected a string, got %s", yc_kind_name(n));
	if (strlen(n->str) != n->len)
		return yamlconf_error(yc, n, "string contains a NUL byte");
	*out = n->str;
	return 0;
}

int yamlconf_node_bool(struct yamlconf *yc, const struct yamlconf_node *n, int *out)
{
	static const char *const t[] = { "true", "True", "TRUE", "yes", "Yes", "YES",
					 "on", "On", "ON", "y", "Y", NULL };
	static const char *const f[] = { "false", "False", "FALSE", "no", "No", "NO",
					 "off", "Off", "OFF", "n", "N", NULL };
	if (n->kind == YAMLCONF_SCALAR) {
		for (int i = 0; t[i]; i++)
			if (!strcmp(n->str, t[i])) {
				*out = 1;
				return 0;
			}
		for (int i = 0; f[i]; i++)
			if (!strcmp(n->str, f[i])) {
				*out = 0;
				return 0;
			}
	}
	return yamlconf_error(yc, n, "expected true or false, got %s%s%s",
			      n->kind == YAMLCONF_SCALAR ? "\"" : "",
			      n->kind == YAMLCONF_SCALAR ? n->str : yc_kind_name(n),
			      n->kind == YAMLCONF_SCALAR ? "\"" : "");
}

int yamlconf_node_int(struct yamlconf *yc, const struct yamlconf_node *n, int64_t min,
		      int64_t max, int64_t *out)
{
	if (n->kind != YAMLCONF_SCALAR)
		return yamlconf_error(yc, n, "expected an integer, got %s", yc_kind_name(n));
	const char *s = n->str;
	int neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s || strlen(n->str) != n->len)
		goto bad;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			goto bad;
		if (v > (UINT64_MAX - 9) / 10)
			goto range;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > (uint64_t)INT64_MAX + neg)
		goto range;
	int64_t x = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (x < min || x > max)
		goto range;
	*out = x;
	return 0;
bad:
	return yamlconf_error(yc, n, "expected an integer, got \"%s\"", n->str);
range:
	return yamlconf_error(yc, n, "%s is out of range [%lld, %lld]", n->str, (long long)min,
			      (long long)max);
}

int yamlconf_parse_duration(const char *s, int64_t *out_ms)
{
	/* Units in the only order Prometheus accepts them. */
	static const struct {
		const char *u;
		int64_t ms;
	} units[] = {
		{ "y", 365LL * 86400000 }, { "w", 7LL * 86400000 }, { "d", 86400000 },
		{ "h", 3600000 },          { "m", 60000 },          { "s", 1000 },
		{ "ms", 1 },
	};
	if (!strcmp(s, "0")) {
		*out_ms = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	int64_t total = 0;
	size_t next = 0; /* first unit still allowed */
	while (*s) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		int64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				return -EINVAL;
			v = v * 10 + (*s++ - '0');
		}
		size_t i, ul = 0;
		for (i = next; i < sizeof units / sizeof *units; i++) {
			ul = strlen(units[i].u);
			/* "m" must not swallow the "m" of "ms" */
			if (!strncmp(s, units[i].u, ul) && !(ul == 1 && s[0] == 'm' && s[1] == 's'))
				break;
		}
		if (i == sizeof units / sizeof *units)
			return -EINVAL;
		if (v > (INT64_MAX - total) / units[i].ms)
			return -EINVAL;
		total += v * units[i].ms;
		s += ul;
		next = i + 1;
	}
	*out_ms = total;
	return 0;
}

int yamlconf_node_duration(struct yamlconf *yc, const struct yamlconf_node *n, int64_t *out_ms)
{
	if (n->kind != YAMLCONF_SCALAR)
		return yamlconf_error(yc, n, "expected a duration, got %s", yc_kind_name(n));
	if (strlen(n->str) != n->len || yamlconf_parse_duration(n->str, out_ms))
		return yamlconf_error(yc, n, "not a valid duration string: \"%s\"", n->str);
	return 0;
}

int yamlconf_node_strlist(struct yamlconf *yc, const struct yamlconf_node *n,
			  const char ***out, size_t *n_out)
{
	const char **v;
	if (n->kind == YAMLCONF_MAP)
		return yamlconf_error(yc, n, "expected a list of strings, got a map");
	if (n->kind == YAMLCONF_SCALAR) {
		v = arena_alloc(&yc->arena, 2 * sizeof *v);
		if (yamlconf_node_str(yc, n, &v[0]))
			return -EINVAL;
		v[1] = NULL;
		*out = v;
		*n_out = 1;
		return 0;
	}
	v = arena_alloc(&yc->arena, (n->len + 1) * sizeof *v);
	int rc = 0;
	for (size_t i = 0; i < n->len; i++)
		if (yamlconf_node_str(yc, n->items[i], &v[i]))
			rc = -EINVAL;
	if (rc)
		return rc;
	v[n->len] = NULL;
	*out = v;
	*n_out = n->len;
	return 0;
}

/* The by-key getters share one shape: absent/null is 0, converted is 1. */
#define YC_GETTER(call)                                   \
	struct yamlconf_node *n = yamlconf_get(map, key); \
	if (yamlconf_is_null(n))                          \
		return 0;                                 \
	return (call) ? -EINVAL : 1

int yamlconf_get_str(struct yamlconf *yc, const struct yamlconf_node *map, const char *key,
		     const char **out)
{
	YC_GETTER(yamlconf_node_str(yc, n, out));
}

int yamlconf_get_bool(struct yamlconf *yc, const struct yamlconf_node *map, const char *key,
		      int *out)
{
	YC_GETTER(yamlconf_node_bool(yc, n, out));
}

int yamlconf_get_int(struct yamlconf *yc, const struct yamlconf_node *map, const char *key,
		     int64_t min, int64_t max, int64_t *out)
{
	YC_GETTER(yamlconf_node_int(yc, n, min, max, out));
}

int yamlconf_get_duration(struct yamlconf *yc, const struct yamlconf_node *map,
			  const char *key, int64_t *out_ms)
{
	YC_GETTER(yamlconf_node_duration(yc, n, out_ms));
}

int yamlconf_get_strlist(struct yamlconf *yc, const struct yamlconf_node *map,
			 const char *key, const char ***out, size_t *n_out)
{
	YC_GETTER(yamlconf_node_strlist(yc, n, out, n_out));
}
