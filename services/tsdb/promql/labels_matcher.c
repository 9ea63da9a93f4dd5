/* labels_matcher.c - label matchers (labels.h) with RE2-style regexes on
 * PCRE2; docs/promql-regex.md says how RE2 semantics are kept.
 *
 * It lives beside the PromQL code, not in lib/, because only the binaries
 * that link PROMQL_SRC link PCRE2 (see the Makefile); the contract is in
 * lib/labels.h all the same. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "../../../lib/labels.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- matchers ---- */

const char *labels_match_type_str(enum labels_match_type t)
{
	switch (t) {
	case LABELS_MATCH_EQ: return "=";
	case LABELS_MATCH_NEQ: return "!=";
	case LABELS_MATCH_RE: return "=~";
	case LABELS_MATCH_NRE: return "!~";
	}
	return "?";
}

/* RE2 (Go's regexp/syntax) refuses much of what PCRE2 accepts, and a few
 * escapes mean different things in the two. Refuse what RE2 refuses and
 * rewrite what differs, so that a regex valid here is valid in Prometheus
 * and matches the same strings. The result goes to out; returns NULL, or
 * a static description of why the pattern is refused. */
static const char *re2_translate(const char *p, size_t len, struct buf *out)
{
	bool in_class = false;
	size_t class_start = 0;
	bool after_quant = false; /* the previous item was a quantifier */
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (c == '\\') {
			if (i + 1 >= len)
				return "trailing backslash at end of expression";
			char e = p[++i];
			after_quant = false;
			if (e == 'Q') {
				/* \Q...\E: literal text, copied whole. */
				size_t k, stop = len;
				for (k = i + 1; k + 1 < len; k++)
					if (p[k] == '\\' && p[k + 1] == 'E') {
						stop = k;
						break;
					}
				buf_put(out, p + i - 1, (stop < len ? stop + 2 : len) - (i - 1));
				i = stop < len ? stop + 1 : len;
				continue;
			}
			if (e >= '0' && e <= '9') {
				/* Go: \0 and \1-\7 followed by an octal digit
				 * start an octal escape of up to three digits;
				 * any other digit escape is a backreference,
				 * which RE2 refuses. PCRE2 reads \12 as a
				 * backreference when there are 12 groups, so
				 * spell octal unambiguously as \o{...}. */
				if (e == '8' || e == '9' ||
				    (e != '0' && (i + 1 >= len || p[i + 1] < '0' || p[i + 1] > '7')))
					return "backreferences are not supported";
				size_t k = i + 1;
				while (k < len && k < i + 3 && p[k] >= '0' && p[k] <= '7')
					k++;
				buf_puts(out, "\\o{");
				buf_put(out, p + i, k - i);
				buf_putc(out, '}');
				i = k - 1;
				continue;
			}
			if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
				if (!strchr("aftnrvxpPdDsSwWbBAz", e))
					return "invalid escape sequence";
				if (in_class && strchr("bBAz", e))
					return "invalid escape sequence in character class";
				if (e == 'v') { /* Go: the VT character; PCRE2: a class */
					buf_puts(out, "\\x{0b}");
					continue;
				}
				/* Go's \s is [\t\n\f\r ], without VT. */
				if (e == 's') {
					buf_puts(out, in_class ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
					continue;
				}
				if (e == 'S' && !in_class) {
					buf_puts(out, "[^\\t\\n\\f\\r ]");
					continue;
				}
			}
			buf_putc(out, '\\');
			buf_putc(out, e);
			continue;
		}
		buf_putc(out, c);
		if (in_class) {
			/* ']' right after '[' or '[^' is a literal. */
			if (c == ']' && i > class_start) {
				in_class = false;
			} else if (c == '[' && i + 1 < len && p[i + 1] == ':') {
				size_t k;
				for (k = i + 2; k + 1 < len; k++)
					if (p[k] == ':' && p[k + 1] == ']')
						break;
				if (k + 1 < len) {
					buf_put(out, p + i + 1, k + 1 - i);
					i = k + 1;
				}
			}
			continue;
		}
		switch (c) {
		case '[':
			in_class = true;
			class_start = i + 1;
			if (class_start < len && p[class_start] == '^')
				class_start++;
			after_quant = false;
			break;
		case '(':
			after_quant = false;
			if (i + 1 < len && p[i + 1] == '*')
				return "missing argument to repetition operator: *";
			if (i + 1 < len && p[i + 1] == '?') {
				/* Only (?:...), (?P<name>...) and flag groups
				 * (?i) (?-s:...) with flags i m s U. */
				size_t k = i + 2;
				if (k < len && p[k] == ':')
					break;
				if (k < len && p[k] == 'P') {
					if (k + 1 < len && p[k + 1] == '<')
						break;
					return "invalid named capture";
				}
				bool any = false;
				for (; k < len && p[k] != ')' && p[k] != ':'; k++) {
					if (p[k] == '-' || strchr("imsU", p[k])) {
						any = true;
						continue;
					}
					return "invalid or unsupported Perl syntax";
				}
				if (!any || k >= len)
					return "invalid or unsupported Perl syntax";
			}
			break;
		case '*':
		case '+':
		case '?':
			if (after_quant)
				return "invalid nested repetition operator";
			after_quant = true;
			/* A lazy '?' directly after is part of this quantifier. */
			if (i + 1 < len && p[i + 1] == '?')
				buf_putc(out, p[++i]);
			break;
		case '{': {
			/* {n}, {n,}, {n,m}: RE2 limits counts to 1000. Anything
			 * else is a literal brace in both dialects. */
			size_t k = i + 1, ds = k;
			long a, b = -1;
			while (k < len && p[k] >= '0' && p[k] <= '9' && k - ds < 8)
				k++;
			if (k == ds || k >= len) {
				after_quant = false;
				break;
			}
			a = strtol(p + ds, NULL, 10);
			if (p[k] == ',') {
				size_t ms = ++k;
				while (k < len && p[k] >= '0' && p[k] <= '9' && k - ms < 8)
					k++;
				if (k > ms)
					b = strtol(p + ms, NULL, 10);
			} else {
				b = a;
			}
			if (k >= len || p[k] != '}') {
				after_quant = false;
				break;
			}
			if (a > 1000 || b > 1000 || (b >= 0 && b < a))
				return "invalid repeat count";
			if (after_quant)
				return "invalid nested repetition operator";
			after_quant = true;
			buf_put(out, p + i + 1, k - i);
			i = k;
			if (i + 1 < len && p[i + 1] == '?')
				buf_putc(out, p[++i]);
			break;
		}
		default:
			after_quant = false;
		}
	}
	if (in_class)
		return "missing closing ]";
	return NULL;
}

/* Compiled code lives in the caller's arena: PCRE2 allocates through these.
 * Frees are no-ops (the arena releases everything at once). */
static void *re_arena_malloc(size_t n, void *data)
{
	return arena_alloc(data, n);
}

static void re_arena_free(void *p, void *data)
{
	(void)p;
	(void)data;
}

int labels_matcher_init(struct labels_matcher *m, struct arena *a, enum labels_match_type type,
			const char *name, const char *value, const char **errmsg)
{
	m->type = type;
	m->name = arena_strdup(a, name);
	m->value = arena_strdup(a, value);
	m->re = NULL;
	if (type != LABELS_MATCH_RE && type != LABELS_MATCH_NRE)
		return 0;

	struct buf tr = BUF_INIT;
	const char *bad = re2_translate(value, strlen(value), &tr);
	if (bad) {
		buf_free(&tr);
		if (errmsg)
			*errmsg = arena_printf(a, "invalid regular expression \"%s\": %s", value,
					       bad);
		return -1;
	}
	/* Anchor both ends around a non-capturing group, as Prometheus does
	 * with "^(?:" + v + ")$"; the compile options anchor too, so that
	 * nothing inside (e.g. a stray "|") can escape the anchors. */
	char *pat = arena_printf(a, "(?:%s)", tr.p ? tr.p : "");
	buf_free(&tr);
	pcre2_general_context *gc = pcre2_general_context_create(re_arena_malloc, re_arena_free, a);
	pcre2_compile_context *cc = pcre2_compile_context_create(gc);
	if (!gc || !cc) {
		if (errmsg)
			*errmsg = "out of memory compiling a regular expression";
		return -1;
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_bsr(cc, PCRE2_BSR_UNICODE);
	int errcode = 0;
	PCRE2_SIZE erroff = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, strlen(pat),
				       PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF |
					       PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF,
				       &errcode, &erroff, cc);
	if (!re) {
		if (errmsg) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(errcode, msg, sizeof msg);
			*errmsg = arena_printf(a, "invalid regular expression \"%s\": %s", value,
					       (const char *)msg);
		}
		return -1;
	}
	m->re = re;
	return 0;
}

/* A byte of a template group name: Go takes Unicode letters and digits and
 * '_'; the bytes of multi-byte UTF-8 sequences are taken as such here. */
static bool tmpl_name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

void labels_matcher_expand(const struct labels_matcher *m, const char *tmpl,
			   const char *subject, const size_t *ov, size_t npairs,
			   struct buf *out)
{
	const char *t = tmpl;
	for (;;) {
		const char *d = strchr(t, '$');
		if (!d)
			break;
		buf_put(out, t, (size_t)(d - t));
		t = d + 1;
		if (*t == '$') {
			buf_putc(out, '$');
			t++;
			continue;
		}
		const char *p = t;
		bool brace = false;
		if (*p == '{') {
			brace = true;
			p++;
		}
		const char *name = p;
		while (*p && tmpl_name_byte((unsigned char)*p))
			p++;
		size_t nlen = (size_t)(p - name);
		if (nlen == 0 || (brace && *p != '}')) {
			buf_putc(out, '$'); /* malformed: the $ is literal text */
			continue;
		}
		t = brace ? p + 1 : p;
		/* A number (no leading zero, Go stops at 1e8) is a group index,
		 * anything else a group name. */
		long num = 0;
		for (size_t i = 0; i < nlen; i++) {
			if (name[i] < '0' || name[i] > '9' || num >= 100000000) {
				num = -1;
				break;
			}
			num = num * 10 + (name[i] - '0');
		}
		if (name[0] == '0' && nlen > 1)
			num = -1;
		if (num < 0) {
			char nm[256];
			if (nlen >= sizeof nm || !m->re)
				continue;
			memcpy(nm, name, nlen);
			nm[nlen] = 0;
			int g = pcre2_substring_number_from_name(m->re, (PCRE2_SPTR)nm);
			if (g <= 0)
				continue;
			num = g;
		}
		if ((size_t)num < npairs && ov[2 * num] != PCRE2_UNSET)
			buf_put(out, subject + ov[2 * num], ov[2 * num + 1] - ov[2 * num]);
	}
	buf_puts(out, t);
}

/* Per-thread match scratch: PCRE2 keeps its backtracking frames in the
 * match data, so one block per thread serves every matcher. */
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static pcre2_match_context *match_ctx;

static void md_destroy(void *p)
{
	pcre2_match_data_free(p);
}

static void md_init(void)
{
	pthread_key_create(&md_key, md_destroy);
	/* Bound backtracking: RE2 runs in linear time, a backtracking engine
	 * can go exponential on patterns like (a+)+b. Past these limits the
	 * match is redone with the DFA matcher (no backtracking). */
	match_ctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(match_ctx, 1000000);
	pcre2_set_depth_limit(match_ctx, 100000);
	pcre2_set_heap_limit(match_ctx, 64 * 1024); /* KiB */
}

/* The thread's match data, with room for at least npairs offset pairs
 * (grown, never shrunk; 16 pairs at first). */
static pcre2_match_data *thread_md(uint32_t npairs)
{
	pthread_once(&md_once, md_init);
	pcre2_match_data *md = pthread_getspecific(md_key);
	if (md && pcre2_get_ovector_count(md) >= npairs)
		return md;
	if (md)
		pcre2_match_data_free(md);
	md = pcre2_match_data_create(npairs < 16 ? 16 : npairs, NULL);
	if (!md)
		abort();
	pthread_setspecific(md_key, md);
	return md;
}

size_t labels_matcher_match_groups(const struct labels_matcher *m, const char *s, size_t len,
				   const size_t **ov)
{
	if (!m->re)
		return 0;
	uint32_t ncap = 0;
	pcre2_pattern_info(m->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	pcre2_match_data *md = thread_md(ncap + 1);
	if (pcre2_match(m->re, (PCRE2_SPTR)s, len, 0, 0, md, match_ctx) < 0)
		return 0;
	*ov = pcre2_get_ovector_pointer(md);
	return (size_t)ncap + 1;
}

static bool re_matches(const pcre2_code *re, const char *s)
{
	pcre2_match_data *md = thread_md(1);
	size_t len = strlen(s);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, match_ctx);
	if (rc >= 0)
		return true;
	if (rc == PCRE2_ERROR_NOMATCH)
		return false;
	/* A resource limit: fall back to the DFA matcher, whose cost grows
	 * with pattern size times subject length, not exponentially. */
	int ws_small[1000];
	int *ws = ws_small;
	size_t wscount = sizeof ws_small / sizeof ws_small[0];
	for (;;) {
		rc = pcre2_dfa_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL, ws, wscount);
		if (rc != PCRE2_ERROR_DFA_WSSIZE || wscount >= (1u << 22))
			break;
		wscount *= 4;
		if (ws != ws_small)
			free(ws);
		ws = xmalloc(wscount * sizeof *ws);
	}
	if (ws != ws_small)
		free(ws);
	return rc >= 0;
}

bool labels_matcher_matches(const struct labels_matcher *m, const char *value)
{
	if (!value)
		value = "";
	switch (m->type) {
	case LABELS_MATCH_EQ:
		return strcmp(m->value, value) == 0;
	case LABELS_MATCH_NEQ:
		return strcmp(m->value, value) != 0;
	case LABELS_MATCH_RE:
		return re_matches(m->re, value);
	case LABELS_MATCH_NRE:
		return !re_matches(m->re, value);
	}
	return false;
}

bool labels_matcher_matches_empty(const struct labels_matcher *m)
{
	return labels_matcher_matches(m, "");
}

void labels_matcher_format(const struct labels_matcher *m, struct buf *out)
{
	buf_puts(out, m->name);
	buf_puts(out, labels_match_type_str(m->type));
	labels_quote(m->value, strlen(m->value), out);
}
