/* relabel.c - Prometheus relabeling: rule compilation and application.
 * The semantics follow model/relabel/relabel.go of Prometheus 2.42; see
 * relabel.h for the contract. */
#include "relabel.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const action_names[] = {
	[RELABEL_REPLACE] = "replace",	   [RELABEL_KEEP] = "keep",
	[RELABEL_DROP] = "drop",	   [RELABEL_KEEPEQUAL] = "keepequal",
	[RELABEL_DROPEQUAL] = "dropequal", [RELABEL_HASHMOD] = "hashmod",
	[RELABEL_LABELMAP] = "labelmap",   [RELABEL_LABELDROP] = "labeldrop",
	[RELABEL_LABELKEEP] = "labelkeep", [RELABEL_LOWERCASE] = "lowercase",
	[RELABEL_UPPERCASE] = "uppercase",
};

const char *relabel_action_name(enum relabel_action a)
{
	if ((size_t)a < sizeof action_names / sizeof action_names[0])
		return action_names[a];
	return "unknown";
}

int relabel_action_parse(const char *s, enum relabel_action *out)
{
	for (size_t i = 0; i < sizeof action_names / sizeof action_names[0]; i++)
		if (strcasecmp(s, action_names[i]) == 0) {
			*out = (enum relabel_action)i;
			return 0;
		}
	return -EINVAL;
}

/* Go's relabelTarget: ^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$ - a
 * label name in which "$name" / "${name}" references may appear. The
 * language is: non-empty; every character is [A-Za-z0-9_] or part of a
 * reference; it does not start with a digit; every "$" starts a reference
 * "$\w+" or "${\w+}". */
static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_';
}

static int valid_relabel_target(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	while (*s) {
		if (*s == '$') {
			s++;
			if (*s == '{') {
				s++;
				if (!is_word((unsigned char)*s))
					return 0;
				while (is_word((unsigned char)*s))
					s++;
				if (*s != '}')
					return 0;
				s++;
			} else {
				if (!is_word((unsigned char)*s))
					return 0;
				while (is_word((unsigned char)*s))
					s++;
			}
		} else if (is_word((unsigned char)*s)) {
			s++;
		} else {
			return 0;
		}
	}
	return 1;
}

int relabel_compile(struct arena *a, const struct relabel_spec *spec,
		    struct relabel_config *out, const char **err)
{
	memset(out, 0, sizeof *out);
	out->separator = arena_strdup(a, spec->separator ? spec->separator : ";");
	out->regex = arena_strdup(a, spec->regex ? spec->regex : "(.*)");
	out->modulus = spec->has_modulus ? spec->modulus : 0;
	out->target_label = arena_strdup(a, spec->target_label ? spec->target_label : "");
	out->replacement = arena_strdup(a, spec->replacement ? spec->replacement : "$1");
	const char **src = arena_alloc(a, (spec->nsource + 1) * sizeof *src);
	for (size_t i = 0; i < spec->nsource; i++) {
		src[i] = arena_strdup(a, spec->source_labels[i]);
		if (!labels_valid_name(src[i])) {
			*err = arena_printf(a, "\"%s\" is not a valid label name", src[i]);
			return -EINVAL;
		}
	}
	src[spec->nsource] = NULL;
	out->source_labels = src;
	out->nsource = spec->nsource;

	const char *reerr = NULL;
	if (labels_matcher_init(&out->re, a, LABELS_MATCH_RE, "", out->regex, &reerr) < 0) {
		*err = reerr ? reerr : "invalid regular expression";
		return -EINVAL;
	}
	if (!spec->action || !*spec->action) {
		out->action = RELABEL_REPLACE;
		if (spec->action) {
			*err = "relabel action cannot be empty";
			return -EINVAL;
		}
	} else if (relabel_action_parse(spec->action, &out->action) < 0) {
		*err = arena_printf(a, "unknown relabel action \"%s\"", spec->action);
		return -EINVAL;
	}

	enum relabel_action act = out->action;
	const char *an = relabel_action_name(act);
	const char *tl = out->target_label;
	int default_repl = strcmp(out->replacement, "$1") == 0;
	if (act == RELABEL_HASHMOD && out->modulus == 0) {
		*err = "relabel configuration for hashmod requires non-zero modulus";
		return -EINVAL;
	}
	if ((act == RELABEL_REPLACE || act == RELABEL_HASHMOD || act == RELABEL_LOWERCASE ||
	     act == RELABEL_UPPERCASE || act == RELABEL_KEEPEQUAL || act == RELABEL_DROPEQUAL) &&
	    !*tl) {
		*err = arena_printf(a, "relabel configuration for %s action requires 'target_label' value", an);
		return -EINVAL;
	}
	if ((act == RELABEL_REPLACE || act == RELABEL_LOWERCASE || act == RELABEL_UPPERCASE ||
	     act == RELABEL_KEEPEQUAL || act == RELABEL_DROPEQUAL) &&
	    !valid_relabel_target(tl)) {
		*err = arena_printf(a, "\"%s\" is invalid 'target_label' for %s action", tl, an);
		return -EINVAL;
	}
	if ((act == RELABEL_LOWERCASE || act == RELABEL_UPPERCASE || act == RELABEL_KEEPEQUAL ||
	     act == RELABEL_DROPEQUAL) &&
	    !default_repl) {
		*err = arena_printf(a, "'replacement' can not be set for %s action", an);
		return -EINVAL;
	}
	if (act == RELABEL_LABELMAP && !valid_relabel_target(out->replacement)) {
		*err = arena_printf(a, "\"%s\" is invalid 'replacement' for %s action",
				    out->replacement, an);
		return -EINVAL;
	}
	if (act == RELABEL_HASHMOD && !labels_valid_name(tl)) {
		*err = arena_printf(a, "\"%s\" is invalid 'target_label' for %s action", tl, an);
		return -EINVAL;
	}
	/* Prometheus compares the regex by identity with the default one, so
	 * any regex written out is refused here, even "(.*)". */
	if ((act == RELABEL_KEEPEQUAL || act == RELABEL_DROPEQUAL) &&
	    (spec->regex || out->modulus != 0 || strcmp(out->separator, ";") != 0 ||
	     !default_repl)) {
		*err = arena_printf(a, "%s action requires only 'source_labels' and `target_label`, and no other fields", an);
		return -EINVAL;
	}
	if ((act == RELABEL_LABELDROP || act == RELABEL_LABELKEEP) &&
	    (spec->source_labels || *tl || out->modulus != 0 ||
	     strcmp(out->separator, ";") != 0 || !default_repl)) {
		*err = arena_printf(a, "%s action requires only 'regex', and no other fields", an);
		return -EINVAL;
	}
	return 0;
}

/* ---- case mapping (Go's strings.ToLower/ToUpper, per code point) ----
 * The C library's towlower() depends on the locale (glibc's "C" locale maps
 * ASCII only), so the common alphabets are mapped here: ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic. Other scripts pass unchanged,
 * where Go would map them too (a documented difference). */
static uint32_t fold_case(uint32_t c, int upper)
{
	if (upper) {
		if ((c >= 0xe0 && c <= 0xfe && c != 0xf7) || (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) ||
		    (c >= 0x430 && c <= 0x44f))
			return c - 0x20;
		if (c == 0xff)
			return 0x178;
		if (c >= 0x450 && c <= 0x45f)
			return c - 0x50;
		if (c >= 0x100 && c <= 0x17f && c != 0x131 && c != 0x138 && c != 0x149 &&
		    c != 0x17f) {
			/* Pairs: even upper/odd lower, except 0x139-0x148 and
			 * 0x179-0x17e where odd is upper. */
			int odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
			if (odd_upper ? !(c & 1) : (c & 1))
				return c - 1;
		}
		return c;
	}
	if ((c >= 0xc0 && c <= 0xde && c != 0xd7) || (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) ||
	    (c >= 0x410 && c <= 0x42f))
		return c + 0x20;
	if (c == 0x178)
		return 0xff;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x138 && c != 0x149 && c != 0x17f) {
		int odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
		if (odd_upper ? (c & 1) : !(c & 1))
			return c + 1;
	}
	return c;
}

static void map_case(const char *s, int upper, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			buf_putc(out, (char)(upper ? toupper(*p) : tolower(*p)));
			p++;
			continue;
		}
		/* Decode one UTF-8 sequence; invalid bytes pass through. */
		uint32_t c;
		int n;
		if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f;
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f;
			n = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07;
			n = 3;
		} else {
			buf_putc(out, (char)*p++);
			continue;
		}
		int ok = 1;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80) {
				ok = 0;
				break;
			}
		if (!ok) {
			buf_putc(out, (char)*p++);
			continue;
		}
		for (int i = 1; i <= n; i++)
			c = (c << 6) | (p[i] & 0x3f);
		uint32_t m = fold_case(c, upper);
		if (m < 0x80)
			buf_putc(out, (char)m);
		else if (m < 0x800) {
			buf_putc(out, (char)(0xc0 | (m >> 6)));
			buf_putc(out, (char)(0x80 | (m & 0x3f)));
		} else if (m < 0x10000) {
			buf_putc(out, (char)(0xe0 | (m >> 12)));
			buf_putc(out, (char)(0x80 | ((m >> 6) & 0x3f)));
			buf_putc(out, (char)(0x80 | (m & 0x3f)));
		} else {
			buf_putc(out, (char)(0xf0 | (m >> 18)));
			buf_putc(out, (char)(0x80 | ((m >> 12) & 0x3f)));
			buf_putc(out, (char)(0x80 | ((m >> 6) & 0x3f)));
			buf_putc(out, (char)(0x80 | (m & 0x3f)));
		}
		p += n + 1;
	}
}

/* ---- MD5 (RFC 1321) ---- */

struct md5 {
	uint32_t h[4];
	unsigned char buf[64];
	uint64_t len;
};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};
static const unsigned char md5_r[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
	14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void md5_block(struct md5 *m, const unsigned char *p)
{
	uint32_t w[16];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	uint32_t a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3];
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) & 15;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
		}
		uint32_t t = d;
		d = c;
		c = b;
		uint32_t x = a + f + md5_k[i] + w[g];
		b = b + ((x << md5_r[i]) | (x >> (32 - md5_r[i])));
		a = t;
	}
	m->h[0] += a;
	m->h[1] += b;
	m->h[2] += c;
	m->h[3] += d;
}

void relabel_md5(const void *data, size_t len, unsigned char out[16])
{
	struct md5 m = { { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 }, { 0 }, 0 };
	const unsigned char *p = data;
	size_t n = len;
	while (n >= 64) {
		md5_block(&m, p);
		p += 64;
		n -= 64;
	}
	unsigned char tail[128];
	memset(tail, 0, sizeof tail);
	memcpy(tail, p, n);
	tail[n] = 0x80;
	size_t tl = n + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[tl - 8 + i] = (unsigned char)(bits >> (8 * i));
	md5_block(&m, tail);
	if (tl == 128)
		md5_block(&m, tail + 64);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (unsigned char)(m.h[i] >> (8 * j));
}

uint64_t relabel_hashmod(const char *s, size_t len, uint64_t mod)
{
	unsigned char h[16];
	relabel_md5(s, len, h);
	uint64_t v = 0;
	for (int i = 8; i < 16; i++)
		v = v << 8 | h[i];
	return mod ? v % mod : 0;
}

/* ---- applying rules ---- */

/* Join the source label values with the separator into out. */
static void join_sources(const struct relabel_config *rc, const struct labels_builder *b,
			 struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < rc->nsource; i++) {
		if (i)
			buf_puts(out, rc->separator);
		const char *v = labels_builder_get(b, rc->source_labels[i]);
		if (v)
			buf_puts(out, v);
	}
	if (!out->p)
		buf_puts(out, "");
}

/* A copy of the builder's current labels, sorted (Prometheus iterates the
 * rule's input set in order while writing into the builder). */
static struct labels snapshot(struct labels_builder *b, struct arena *a)
{
	struct labels l;
	labels_builder_finish(b, a, &l);
	return l;
}

static int apply_one(const struct relabel_config *rc, struct labels_builder *b,
		     struct arena *a, struct buf *val, struct buf *tmp)
{
	join_sources(rc, b, val);
	switch (rc->action) {
	case RELABEL_DROP:
		return labels_matcher_matches(&rc->re, val->p) ? 0 : 1;
	case RELABEL_KEEP:
		return labels_matcher_matches(&rc->re, val->p) ? 1 : 0;
	case RELABEL_DROPEQUAL: {
		const char *t = labels_builder_get(b, rc->target_label);
		return strcmp(t ? t : "", val->p) == 0 ? 0 : 1;
	}
	case RELABEL_KEEPEQUAL: {
		const char *t = labels_builder_get(b, rc->target_label);
		return strcmp(t ? t : "", val->p) == 0 ? 1 : 0;
	}
	case RELABEL_REPLACE: {
		const size_t *ov = NULL;
		size_t ng = labels_matcher_match_groups(&rc->re, val->p, val->len, &ov);
		if (ng == 0)
			return 1;
		buf_reset(tmp);
		labels_matcher_expand(&rc->re, rc->target_label, val->p, ov, ng, tmp);
		if (!tmp->p || !labels_valid_name(tmp->p)) {
			labels_builder_del(b, rc->target_label);
			return 1;
		}
		const char *target = arena_strndup(a, tmp->p, tmp->len);
		buf_reset(tmp);
		/* ov points into per-thread match data: expand again only after
		 * nothing else has matched. */
		ng = labels_matcher_match_groups(&rc->re, val->p, val->len, &ov);
		labels_matcher_expand(&rc->re, rc->replacement, val->p, ov, ng, tmp);
		if (!tmp->p || tmp->len == 0) {
			labels_builder_del(b, rc->target_label);
			return 1;
		}
		if (labels_builder_set(b, target, arena_strndup(a, tmp->p, tmp->len)) < 0)
			return 0;
		return 1;
	}
	case RELABEL_LOWERCASE:
	case RELABEL_UPPERCASE:
		buf_reset(tmp);
		map_case(val->p, rc->action == RELABEL_UPPERCASE, tmp);
		labels_builder_set(b, rc->target_label,
				   tmp->p ? arena_strndup(a, tmp->p, tmp->len) : "");
		return 1;
	case RELABEL_HASHMOD: {
		uint64_t h = relabel_hashmod(val->p, val->len, rc->modulus);
		if (labels_builder_set(b, rc->target_label,
				       arena_printf(a, "%llu", (unsigned long long)h)) < 0)
			return 0;
		return 1;
	}
	case RELABEL_LABELMAP: {
		struct labels in = snapshot(b, a);
		for (size_t i = 0; i < in.n; i++) {
			const char *nm = in.v[i].name;
			const size_t *ov = NULL;
			size_t ng = labels_matcher_match_groups(&rc->re, nm, strlen(nm), &ov);
			if (ng == 0)
				continue;
			buf_reset(tmp);
			labels_matcher_expand(&rc->re, rc->replacement, nm, ov, ng, tmp);
			if (!tmp->p || tmp->len == 0)
				continue; /* no name to write to */
			if (labels_builder_set(b, arena_strndup(a, tmp->p, tmp->len),
					       in.v[i].value) < 0)
				return 0;
		}
		return 1;
	}
	case RELABEL_LABELDROP:
	case RELABEL_LABELKEEP: {
		struct labels in = snapshot(b, a);
		int drop_matching = rc->action == RELABEL_LABELDROP;
		for (size_t i = 0; i < in.n; i++)
			if (labels_matcher_matches(&rc->re, in.v[i].name) == drop_matching)
				labels_builder_del(b, in.v[i].name);
		return 1;
	}
	}
	return 1;
}

/* Per-thread scratch for the joined source values and expansions, so
 * that metric relabeling (once per scraped sample) does not allocate. */
struct relabel_scratch {
	struct buf val, tmp;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_destroy(void *p)
{
	struct relabel_scratch *s = p;
	buf_free(&s->val);
	buf_free(&s->tmp);
	free(s);
}

static void scratch_init(void)
{
	pthread_key_create(&scratch_key, scratch_destroy);
}

int relabel_process(const struct relabel_config *const *rc, size_t n,
		    struct labels_builder *b, struct arena *a)
{
	if (n == 0)
		return 1;
	pthread_once(&scratch_once, scratch_init);
	struct relabel_scratch *s = pthread_getspecific(scratch_key);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		pthread_setspecific(scratch_key, s);
	}
	int keep = 1;
	for (size_t i = 0; i < n && keep; i++)
		keep = apply_one(rc[i], b, a, &s->val, &s->tmp);
	/* Do not let one huge value pin memory for the thread's life. */
	if (s->val.cap > 65536)
		buf_free(&s->val);
	if (s->tmp.cap > 65536)
		buf_free(&s->tmp);
	return keep;
}
