/* labels.c - label sets, their builder and Go-style quoting; see labels.h.
 * The matchers (which need PCRE2) are in services/tsdb/promql/labels_matcher.c. */
#include "labels.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "utf8.h"

const char *labels_get(const struct labels *l, const char *name)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);
		if (c == 0)
			return l->v[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool labels_has(const struct labels *l, const char *name)
{
	return labels_get(l, name) != NULL;
}

int labels_cmp(const struct labels *a, const struct labels *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++) {
		int c = strcmp(a->v[i].name, b->v[i].name);
		if (c)
			return c;
		c = strcmp(a->v[i].value, b->v[i].value);
		if (c)
			return c;
	}
	return (a->n > b->n) - (a->n < b->n);
}

bool labels_equal(const struct labels *a, const struct labels *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || strcmp(a->v[i].value, b->v[i].value))
			return false;
	return true;
}

/* FNV-1a, with 0xff (never in UTF-8 text) after each string so that
 * {a="bc"} and {ab="c"} differ. */
#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV_PRIME;
	}
	h ^= 0xff;
	h *= FNV_PRIME;
	return h;
}

uint64_t labels_hash(const struct labels *l)
{
	uint64_t h = FNV_OFFSET;
	for (size_t i = 0; i < l->n; i++) {
		h = hash_str(h, l->v[i].name);
		h = hash_str(h, l->v[i].value);
	}
	return h;
}

static bool name_in(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

uint64_t labels_hash_subset(const struct labels *l, const char *const *names, size_t n,
			    bool without)
{
	uint64_t h = FNV_OFFSET;
	for (size_t i = 0; i < l->n; i++) {
		bool listed = name_in(l->v[i].name, names, n);
		if (without ? (listed || strcmp(l->v[i].name, LABELS_METRIC_NAME) == 0) : !listed)
			continue;
		h = hash_str(h, l->v[i].name);
		h = hash_str(h, l->v[i].value);
	}
	return h;
}

struct labels labels_copy(struct arena *a, const struct labels *src)
{
	if (src->n == 0)
		return LABELS_EMPTY;
	struct label *v = arena_alloc(a, src->n * sizeof *v);
	for (size_t i = 0; i < src->n; i++) {
		v[i].name = arena_strdup(a, src->v[i].name);
		v[i].value = arena_strdup(a, src->v[i].value);
	}
	return (struct labels){ v, src->n };
}

static int label_cmp_name(const void *x, const void *y)
{
	return strcmp(((const struct label *)x)->name, ((const struct label *)y)->name);
}

int labels_from_pairs(struct arena *a, const char *const *names, const char *const *values,
		      size_t n, struct labels *out)
{
	struct labels_builder b = LABELS_BUILDER_INIT;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = labels_builder_set(&b, names[i], values[i]);
	if (rc == 0)
		labels_builder_finish(&b, a, out);
	labels_builder_free(&b);
	return rc;
}

/* ---- quoting (Go's strconv.Quote) ---- */

/* An approximation of Go's unicode.IsPrint for runes >= 0x80 without the
 * Unicode tables: C1 controls, the soft hyphen, line/paragraph separators,
 * format characters that matter, private use and noncharacters are not
 * printable; everything else is. */
static bool rune_printable(uint32_t r)
{
	if (r < 0xa0)
		return false;
	if (r == 0xad || r == 0x2028 || r == 0x2029 || r == 0xfeff)
		return false;
	if ((r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) ||
	    (r >= 0x2060 && r <= 0x206f))
		return false;
	if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
		return false;
	if ((r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef))
		return false;
	return true;
}

void labels_quote(const char *s, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			switch (c) {
			case '\a': buf_puts(out, "\\a"); continue;
			case '\b': buf_puts(out, "\\b"); continue;
			case '\f': buf_puts(out, "\\f"); continue;
			case '\n': buf_puts(out, "\\n"); continue;
			case '\r': buf_puts(out, "\\r"); continue;
			case '\t': buf_puts(out, "\\t"); continue;
			case '\v': buf_puts(out, "\\v"); continue;
			case '\\': buf_puts(out, "\\\\"); continue;
			case '"': buf_puts(out, "\\\""); continue;
			}
			if (c < 0x20 || c == 0x7f)
				buf_printf(out, "\\x%02x", c);
			else
				buf_putc(out, (char)c);
			continue;
		}
		uint32_t r;
		size_t n = utf8_decode(p + i, len - i, &r);
		if (n == 0) {
			buf_printf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if (rune_printable(r))
			buf_put(out, p + i, n);
		else if (r < 0x10000)
			buf_printf(out, "\\u%04x", (unsigned)r);
		else
			buf_printf(out, "\\U%08x", (unsigned)r);
		i += n;
	}
	buf_putc(out, '"');
}

void labels_format(const struct labels *l, struct buf *out)
{
	buf_putc(out, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_puts(out, ", ");
		buf_puts(out, l->v[i].name);
		buf_putc(out, '=');
		labels_quote(l->v[i].value, strlen(l->v[i].value), out);
	}
	buf_putc(out, '}');
}

bool labels_valid_name(const char *s)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool alpha = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alpha && (p == s || c < '0' || c > '9'))
			return false;
	}
	return true;
}

/* ---- builder ---- */

static ssize_t builder_find(const struct labels_builder *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

void labels_builder_reset(struct labels_builder *b, const struct labels *base)
{
	b->n = 0;
	if (!base || base->n == 0)
		return;
	if (b->cap < base->n) {
		b->cap = base->n + 8;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	memcpy(b->v, base->v, base->n * sizeof *b->v);
	b->n = base->n;
}

int labels_builder_set(struct labels_builder *b, const char *name, const char *value)
{
	if (!value || !*value) {
		labels_builder_del(b, name);
		return 0;
	}
	ssize_t i = builder_find(b, name);
	if (i >= 0) {
		b->v[i].value = value;
		return 0;
	}
	if (b->n >= LABELS_MAX)
		return -1;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n++] = (struct label){ name, value };
	return 0;
}

void labels_builder_del(struct labels_builder *b, const char *name)
{
	ssize_t i = builder_find(b, name);
	if (i < 0)
		return;
	/* Keep the order: a base that was sorted stays sorted, so finish()
	 * usually has nothing to sort. */
	memmove(b->v + i, b->v + i + 1, (b->n - (size_t)i - 1) * sizeof *b->v);
	b->n--;
}

void labels_builder_keep(struct labels_builder *b, const char *const *names, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < b->n; i++)
		if (name_in(b->v[i].name, names, n))
			b->v[j++] = b->v[i];
	b->n = j;
}

const char *labels_builder_get(const struct labels_builder *b, const char *name)
{
	ssize_t i = builder_find(b, name);
	return i < 0 ? NULL : b->v[i].value;
}

void labels_builder_finish(struct labels_builder *b, struct arena *a, struct labels *out)
{
	if (b->n == 0) {
		*out = LABELS_EMPTY;
		return;
	}
	bool sorted = true;
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = strcmp(b->v[i - 1].name, b->v[i].name) < 0;
	if (!sorted)
		qsort(b->v, b->n, sizeof *b->v, label_cmp_name);
	struct label *v = arena_alloc(a, b->n * sizeof *v);
	memcpy(v, b->v, b->n * sizeof *v);
	*out = (struct labels){ v, b->n };
}

void labels_builder_free(struct labels_builder *b)
{
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

