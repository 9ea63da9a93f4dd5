/* json.c - a recursive-descent JSON parser into an arena (see json.h).
 * Recursion is bounded by max_depth, so hostile nesting cannot overflow
 * the stack. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	struct json_doc *d;
	const char *p, *end, *start;
	const char *line_start;
	int line;
	int depth;
	struct json_limits lim;
	char *err;
	size_t errlen;
	int rc;
	struct buf sb; /* string scratch */
};

static int fail_at(struct parser *ps, const char *at, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record the first error, with the line and column of at. */
static int fail_at(struct parser *ps, const char *at, int rc, const char *fmt, ...)
{
	if (ps->rc)
		return ps->rc;
	int line = 1;
	const char *ls = ps->start;
	for (const char *q = ps->start; q < at && q < ps->end; q++)
		if (*q == '\n') {
			line++;
			ls = q + 1;
		}
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%d:%d: %s", line, (int)(at - ls) + 1, msg);
	ps->rc = rc;
	return rc;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;
		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		ps->p++;
	}
}

static struct json_value *new_value(struct parser *ps, enum json_type t, const char *at)
{
	if (ps->d->nnodes >= ps->lim.max_nodes) {
		fail_at(ps, at, -E2BIG, "too many values (limit %zu)", ps->lim.max_nodes);
		return NULL;
	}
	ps->d->nnodes++;
	struct json_value *v = arena_alloc(&ps->d->arena, sizeof *v);
	memset(v, 0, sizeof *v);
	v->type = t;
	v->line = ps->line;
	v->col = (int)(at - ps->line_start) + 1;
	return v;
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_putc(b, (char)c);
	} else if (c < 0x800) {
		buf_putc(b, (char)(0xc0 | (c >> 6)));
		buf_putc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_putc(b, (char)(0xe0 | (c >> 12)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | (c >> 18)));
		buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (c & 0x3f)));
	}
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	int n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Parse a string at ps->p (on the opening quote) into ps->sb. */
static int parse_string_raw(struct parser *ps)
{
	buf_reset(&ps->sb);
	buf_puts(&ps->sb, "");
	const char *q = ps->p + 1;
	for (;;) {
		if (q >= ps->end)
			return fail_at(ps, ps->p, -EINVAL, "unterminated string");
		unsigned char c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(ps, q, -EINVAL, "control character in string");
		if (c == '\\') {
			if (q + 1 >= ps->end)
				return fail_at(ps, ps->p, -EINVAL, "unterminated string");
			char e = q[1];
			const char *esc = q;
			q += 2;
			switch (e) {
			case '"': buf_putc(&ps->sb, '"'); break;
			case '\\': buf_putc(&ps->sb, '\\'); break;
			case '/': buf_putc(&ps->sb, '/'); break;
			case 'b': buf_putc(&ps->sb, '\b'); break;
			case 'f': buf_putc(&ps->sb, '\f'); break;
			case 'n': buf_putc(&ps->sb, '\n'); break;
			case 'r': buf_putc(&ps->sb, '\r'); break;
			case 't': buf_putc(&ps->sb, '\t'); break;
			case 'u': {
				uint32_t cp;
				if (ps->end - q < 4 || hex4(q, &cp) < 0)
					return fail_at(ps, esc, -EINVAL, "bad \\u escape");
				q += 4;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					uint32_t lo;
					if (ps->end - q < 6 || q[0] != '\\' || q[1] != 'u' ||
					    hex4(q + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
						return fail_at(ps, esc, -EINVAL,
							       "unpaired surrogate in \\u escape");
					q += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else if (cp >= 0xdc00 && cp <= 0xdfff) {
					return fail_at(ps, esc, -EINVAL, "unpaired surrogate in \\u escape");
				}
				put_utf8(&ps->sb, cp);
				break;
			}
			default:
				return fail_at(ps, esc, -EINVAL, "invalid escape \\%c in string",
					       e >= 0x20 && e < 0x7f ? e : '?');
			}
			continue;
		}
		int n = utf8_len((const unsigned char *)q, (const unsigned char *)ps->end);
		if (n == 0)
			return fail_at(ps, q, -EINVAL, "invalid UTF-8 in string");
		buf_put(&ps->sb, q, (size_t)n);
		q += n;
	}
	ps->p = q + 1;
	return 0;
}

static int parse_value(struct parser *ps, struct json_value **out);

static int parse_number(struct parser *ps, struct json_value **out)
{
	const char *s = ps->p, *q = s;
	if (q < ps->end && *q == '-')
		q++;
	if (q >= ps->end || *q < '0' || *q > '9')
		return fail_at(ps, s, -EINVAL, "invalid number");
	if (*q == '0')
		q++;
	else
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	if (q < ps->end && *q == '.') {
		q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return fail_at(ps, s, -EINVAL, "invalid number");
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return fail_at(ps, s, -EINVAL, "invalid number");
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	struct json_value *v = new_value(ps, JSON_NUMBER, s);
	if (!v)
		return ps->rc;
	char *txt = arena_strndup(&ps->d->arena, s, (size_t)(q - s));
	v->str = txt;
	v->len = (size_t)(q - s);
	v->num = strtod(txt, NULL);
	ps->p = q;
	*out = v;
	return 0;
}

static int literal(struct parser *ps, const char *word, enum json_type t, struct json_value **out)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail_at(ps, ps->p, -EINVAL, "invalid character '%c' looking for a value",
			       *ps->p >= 0x20 && *ps->p < 0x7f ? *ps->p : '?');
	struct json_value *v = new_value(ps, t, ps->p);
	if (!v)
		return ps->rc;
	ps->p += n;
	*out = v;
	return 0;
}

/* Growable pointer/member arrays live on the heap while parsing and are
 * copied into the arena at the end, so the arena holds no dead space. */
static int parse_array(struct parser *ps, struct json_value **out)
{
	struct json_value *v = new_value(ps, JSON_ARRAY, ps->p);
	if (!v)
		return ps->rc;
	ps->p++;
	struct json_value **items = NULL;
	size_t n = 0, cap = 0;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		goto done;
	}
	for (;;) {
		struct json_value *it;
		skip_ws(ps);
		if (parse_value(ps, &it) < 0)
			goto fail;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			items = xrealloc(items, cap * sizeof *items);
		}
		items[n++] = it;
		skip_ws(ps);
		if (ps->p >= ps->end) {
			fail_at(ps, ps->p, -EINVAL, "unexpected end of input in array");
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			break;
		}
		fail_at(ps, ps->p, -EINVAL, "expected ',' or ']' after array element");
		goto fail;
	}
done:
	v->len = n;
	if (n) {
		v->items = arena_alloc(&ps->d->arena, n * sizeof *items);
		memcpy(v->items, items, n * sizeof *items);
	}
	free(items);
	*out = v;
	return 0;
fail:
	free(items);
	return ps->rc;
}

static int parse_object(struct parser *ps, struct json_value **out)
{
	struct json_value *v = new_value(ps, JSON_OBJECT, ps->p);
	if (!v)
		return ps->rc;
	ps->p++;
	struct json_member *m = NULL;
	size_t n = 0, cap = 0;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		goto done;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"') {
			fail_at(ps, ps->p, -EINVAL, "expected a string as object key");
			goto fail;
		}
		if (parse_string_raw(ps) < 0)
			goto fail;
		char *key = arena_strndup(&ps->d->arena, ps->sb.p, ps->sb.len);
		size_t klen = ps->sb.len;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			fail_at(ps, ps->p, -EINVAL, "expected ':' after object key");
			goto fail;
		}
		ps->p++;
		skip_ws(ps);
		struct json_value *val;
		if (parse_value(ps, &val) < 0)
			goto fail;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			m = xrealloc(m, cap * sizeof *m);
		}
		m[n].key = key;
		m[n].key_len = klen;
		m[n].val = val;
		n++;
		skip_ws(ps);
		if (ps->p >= ps->end) {
			fail_at(ps, ps->p, -EINVAL, "unexpected end of input in object");
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			break;
		}
		fail_at(ps, ps->p, -EINVAL, "expected ',' or '}' after object member");
		goto fail;
	}
done:
	v->len = n;
	if (n) {
		v->members = arena_alloc(&ps->d->arena, n * sizeof *m);
		memcpy(v->members, m, n * sizeof *m);
	}
	free(m);
	*out = v;
	return 0;
fail:
	free(m);
	return ps->rc;
}

static int parse_value(struct parser *ps, struct json_value **out)
{
	if (ps->p >= ps->end)
		return fail_at(ps, ps->p, -EINVAL, "unexpected end of input");
	if (ps->depth >= ps->lim.max_depth)
		return fail_at(ps, ps->p, -E2BIG, "nesting deeper than %d", ps->lim.max_depth);
	int rc;
	switch (*ps->p) {
	case '{':
		ps->depth++;
		rc = parse_object(ps, out);
		ps->depth--;
		return rc;
	case '[':
		ps->depth++;
		rc = parse_array(ps, out);
		ps->depth--;
		return rc;
	case '"': {
		const char *at = ps->p;
		int line = ps->line;
		const char *ls = ps->line_start;
		if (parse_string_raw(ps) < 0)
			return ps->rc;
		struct json_value *v = new_value(ps, JSON_STRING, at);
		if (!v)
			return ps->rc;
		v->line = line;
		v->col = (int)(at - ls) + 1;
		v->str = arena_strndup(&ps->d->arena, ps->sb.p, ps->sb.len);
		v->len = ps->sb.len;
		*out = v;
		return 0;
	}
	case 't':
		return literal(ps, "true", JSON_TRUE, out);
	case 'f':
		return literal(ps, "false", JSON_FALSE, out);
	case 'n':
		return literal(ps, "null", JSON_NULL, out);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, out);
		return fail_at(ps, ps->p, -EINVAL, "invalid character '%c' looking for a value",
			       *ps->p >= 0x20 && *ps->p < 0x7f ? *ps->p : '?');
	}
}

int json_parse(struct json_doc *d, const char *text, size_t len, const struct json_limits *lim,
	       struct json_value **out, char *err, size_t errlen)
{
	d->arena = (struct arena)ARENA_INIT;
	d->nnodes = 0;
	struct parser ps = { .d = d, .p = text, .end = text + len, .start = text,
			     .line_start = text, .line = 1, .err = err, .errlen = errlen,
			     .sb = BUF_INIT };
	ps.lim.max_bytes = lim && lim->max_bytes ? lim->max_bytes : 16u << 20;
	ps.lim.max_depth = lim && lim->max_depth ? lim->max_depth : 128;
	ps.lim.max_nodes = lim && lim->max_nodes ? lim->max_nodes : 1000000;
	if (err && errlen)
		err[0] = 0;
	if (len > ps.lim.max_bytes)
		return fail_at(&ps, text, -E2BIG, "input of %zu bytes is over the limit of %zu",
			       len, ps.lim.max_bytes);
	struct json_value *root = NULL;
	skip_ws(&ps);
	if (parse_value(&ps, &root) == 0) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			fail_at(&ps, ps.p, -EINVAL, "unexpected data after the top-level value");
	}
	buf_free(&ps.sb);
	if (ps.rc)
		return ps.rc;
	*out = root;
	return 0;
}

void json_doc_free(struct json_doc *d)
{
	arena_free(&d->arena);
}

struct json_value *json_get(const struct json_value *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = v->len; i-- > 0;)
		if (v->members[i].key_len == kl && memcmp(v->members[i].key, key, kl) == 0)
			return v->members[i].val;
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_FALSE:
	case JSON_TRUE: return "bool";
	case JSON_NUMBER: return "number";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "?";
}
