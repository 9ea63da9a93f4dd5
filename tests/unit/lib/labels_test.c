/* Tests of lib/labels.c and the matchers (services/tsdb/promql/labels_matcher.c). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../../../lib/labels.h"
#include "../unit.h"

static struct labels mk(struct arena *a, const char *const *kv, size_t n)
{
	const char *names[16], *values[16];
	for (size_t i = 0; i < n; i++) {
		names[i] = kv[2 * i];
		values[i] = kv[2 * i + 1];
	}
	struct labels l;
	if (labels_from_pairs(a, names, values, n, &l) != 0)
		abort();
	return l;
}

static char *fmt(struct arena *a, const struct labels *l)
{
	struct buf b = BUF_INIT;
	labels_format(l, &b);
	char *s = arena_strdup(a, b.p ? b.p : "");
	buf_free(&b);
	return s;
}

TEST(labels_sorted_unique_nonempty)
{
	struct arena a = ARENA_INIT;
	const char *kv[] = { "job", "x", "__name__", "up", "a", "", "job", "y", "b", "1" };
	struct labels l = mk(&a, kv, 5);
	CHECK_STR(fmt(&a, &l), "{__name__=\"up\", b=\"1\", job=\"y\"}");
	CHECK_STR(labels_get(&l, "job"), "y");
	CHECK(labels_get(&l, "a") == NULL);
	CHECK(labels_get(&l, "zzz") == NULL);
	CHECK(labels_has(&l, "__name__"));
	arena_free(&a);
}

TEST(labels_compare_and_hash)
{
	struct arena a = ARENA_INIT;
	const char *k1[] = { "a", "1", "b", "2" };
	const char *k2[] = { "b", "2", "a", "1" };
	const char *k3[] = { "a", "1" };
	const char *k4[] = { "a", "12" };
	const char *k5[] = { "a1", "2" };
	struct labels l1 = mk(&a, k1, 2), l2 = mk(&a, k2, 2), l3 = mk(&a, k3, 1);
	struct labels l4 = mk(&a, k4, 1), l5 = mk(&a, k5, 1);
	CHECK(labels_equal(&l1, &l2));
	CHECK(labels_cmp(&l1, &l2) == 0);
	CHECK(labels_hash(&l1) == labels_hash(&l2));
	CHECK(labels_cmp(&l3, &l1) < 0);
	CHECK(labels_cmp(&l1, &l3) > 0);
	CHECK(labels_cmp(&l3, &l4) < 0);
	CHECK(labels_hash(&l4) != labels_hash(&l5));
	CHECK(!labels_equal(&l4, &l5));
	arena_free(&a);
}

TEST(labels_hash_subset_by_and_without)
{
	struct arena a = ARENA_INIT;
	const char *k1[] = { "__name__", "m1", "job", "j", "instance", "i1" };
	const char *k2[] = { "__name__", "m2", "job", "j", "instance", "i2" };
	struct labels l1 = mk(&a, k1, 3), l2 = mk(&a, k2, 3);
	const char *job[] = { "job" };
	const char *inst[] = { "instance" };
	CHECK(labels_hash_subset(&l1, job, 1, false) == labels_hash_subset(&l2, job, 1, false));
	CHECK(labels_hash_subset(&l1, inst, 1, false) != labels_hash_subset(&l2, inst, 1, false));
	/* without drops __name__ too */
	CHECK(labels_hash_subset(&l1, inst, 1, true) == labels_hash_subset(&l2, inst, 1, true));
	CHECK(labels_hash_subset(&l1, NULL, 0, true) != labels_hash_subset(&l2, NULL, 0, true));
	arena_free(&a);
}

TEST(labels_builder_edits)
{
	struct arena a = ARENA_INIT;
	const char *kv[] = { "__name__", "up", "job", "x", "instance", "h:1" };
	struct labels base = mk(&a, kv, 3);
	struct labels_builder b = LABELS_BUILDER_INIT;
	labels_builder_reset(&b, &base);
	labels_builder_del(&b, "__name__");
	CHECK(labels_builder_set(&b, "zone", "eu") == 0);
	CHECK(labels_builder_set(&b, "job", "") == 0); /* empty deletes */
	CHECK(labels_builder_set(&b, "a", "first") == 0);
	CHECK_STR(labels_builder_get(&b, "zone"), "eu");
	struct labels out;
	labels_builder_finish(&b, &a, &out);
	CHECK_STR(fmt(&a, &out), "{a=\"first\", instance=\"h:1\", zone=\"eu\"}");
	const char *keep[] = { "zone", "nothere" };
	labels_builder_keep(&b, keep, 2);
	labels_builder_finish(&b, &a, &out);
	CHECK_STR(fmt(&a, &out), "{zone=\"eu\"}");
	/* base untouched */
	CHECK_STR(fmt(&a, &base), "{__name__=\"up\", instance=\"h:1\", job=\"x\"}");
	labels_builder_reset(&b, NULL);
	labels_builder_finish(&b, &a, &out);
	CHECK_INT(out.n, 0);
	CHECK_STR(fmt(&a, &out), "{}");
	labels_builder_free(&b);

	struct labels c = labels_copy(&a, &base);
	CHECK(labels_equal(&c, &base));
	CHECK(c.v[0].name != base.v[0].name);
	arena_free(&a);
}

TEST(labels_quote_like_go)
{
	struct buf b = BUF_INIT;
	const char s[] = "a\"b\\c\n\t\x01\x7f\xff\xc3\xa9\xe2\x80\xa8";
	labels_quote(s, sizeof s - 1, &b);
	CHECK_STR(b.p, "\"a\\\"b\\\\c\\n\\t\\x01\\x7f\\xff\xc3\xa9\\u2028\"");
	buf_free(&b);
	CHECK(labels_valid_name("_a9"));
	CHECK(!labels_valid_name("9a"));
	CHECK(!labels_valid_name("a-b"));
	CHECK(!labels_valid_name(""));
}

static bool re_ok(struct arena *a, const char *re, const char *value)
{
	struct labels_matcher m;
	const char *err = NULL;
	if (labels_matcher_init(&m, a, LABELS_MATCH_RE, "x", re, &err) != 0) {
		fprintf(stderr, "unexpected regex error: %s\n", err);
		abort();
	}
	return labels_matcher_matches(&m, value);
}

static bool re_invalid(struct arena *a, const char *re)
{
	struct labels_matcher m;
	const char *err = NULL;
	int rc = labels_matcher_init(&m, a, LABELS_MATCH_RE, "x", re, &err);
	return rc != 0 && err && strstr(err, "invalid regular expression");
}

TEST(labels_matcher_types)
{
	struct arena a = ARENA_INIT;
	struct labels_matcher m;
	CHECK(labels_matcher_init(&m, &a, LABELS_MATCH_EQ, "job", "x", NULL) == 0);
	CHECK(labels_matcher_matches(&m, "x"));
	CHECK(!labels_matcher_matches(&m, "xy"));
	CHECK(!labels_matcher_matches_empty(&m));
	CHECK(labels_matcher_init(&m, &a, LABELS_MATCH_NEQ, "job", "x", NULL) == 0);
	CHECK(labels_matcher_matches(&m, NULL)); /* absent label = "" */
	CHECK(!labels_matcher_matches(&m, "x"));
	CHECK(labels_matcher_init(&m, &a, LABELS_MATCH_NRE, "job", "a.*", NULL) == 0);
	CHECK(labels_matcher_matches(&m, "ba"));
	CHECK(!labels_matcher_matches(&m, "abc"));
	CHECK(labels_matcher_matches_empty(&m));
	struct buf b = BUF_INIT;
	labels_matcher_format(&m, &b);
	CHECK_STR(b.p, "job!~\"a.*\"");
	buf_free(&b);
	CHECK(labels_matcher_init(&m, &a, LABELS_MATCH_EQ, "job", "", NULL) == 0);
	CHECK(labels_matcher_matches_empty(&m));
	arena_free(&a);
}

TEST(labels_matcher_regex_is_anchored_re2)
{
	struct arena a = ARENA_INIT;
	CHECK(re_ok(&a, "foo", "foo"));
	CHECK(!re_ok(&a, "foo", "foobar"));
	CHECK(!re_ok(&a, "foo", "xfoo"));
	CHECK(re_ok(&a, "a|b", "b"));
	CHECK(!re_ok(&a, "a|b", "ab"));
	CHECK(re_ok(&a, ".*", ""));
	CHECK(!re_ok(&a, ".+", ""));
	CHECK(!re_ok(&a, "a.c", "a\nc")); /* . does not match newline */
	CHECK(re_ok(&a, "(?s)a.c", "a\nc"));
	CHECK(!re_ok(&a, "foo$", "foo\n")); /* $ is the very end */
	CHECK(re_ok(&a, "(?i)FOO", "fOo"));
	CHECK(re_ok(&a, "\\d+", "123"));
	CHECK(!re_ok(&a, "\\d", "\xd9\xa3")); /* ASCII \d, as RE2 */
	CHECK(re_ok(&a, "\\pL+", "\xc3\xa9t\xc3\xa9"));
	CHECK(re_ok(&a, "[[:alpha:]]+", "abc"));
	CHECK(re_ok(&a, "a{2,3}", "aaa"));
	CHECK(re_ok(&a, "a{,3}", "a{,3}")); /* literal in RE2 */
	CHECK(re_ok(&a, "(?P<n>x)y", "xy"));
	CHECK(re_ok(&a, "\\Q.*\\E", ".*"));
	CHECK(re_ok(&a, "[]a]+", "]a"));
	CHECK(re_ok(&a, "x*?y", "xxy"));
	/* escapes that mean something else in PCRE2 keep Go's meaning */
	CHECK(re_ok(&a, "a\\12b", "a\nb"));   /* octal, not a backreference */
	CHECK(re_ok(&a, "\\101", "A"));
	CHECK(re_ok(&a, "\\0101", "\b1"));
	CHECK(re_ok(&a, "\\v", "\v"));
	CHECK(!re_ok(&a, "\\v", "\n"));      /* not PCRE2's vertical space class */
	CHECK(!re_ok(&a, "\\s", "\v"));      /* Go's \s has no VT */
	CHECK(re_ok(&a, "\\s+", " \t\n\r\f"));
	CHECK(re_ok(&a, "[\\s]+", " \t"));
	CHECK(!re_ok(&a, "[\\s]", "\v"));
	CHECK(re_ok(&a, "\\S+", "ab\v"));
	CHECK(!re_ok(&a, "\\S", " "));
	CHECK(re_ok(&a, "x\\Q+*\\Ey", "x+*y"));
	CHECK(re_ok(&a, "x{2}?", "xx"));
	CHECK(re_ok(&a, "[[:digit:]x]+", "1x2"));
	/* invalid UTF-8 in a value does not crash or error */
	CHECK(!re_ok(&a, "abc", "\xff\xfe"));
	CHECK(re_ok(&a, ".*", "\xff\xfe"));
	arena_free(&a);
}

TEST(labels_matcher_rejects_non_re2)
{
	struct arena a = ARENA_INIT;
	CHECK(re_invalid(&a, "(a)\\1"));
	CHECK(re_invalid(&a, "a(?=b)"));
	CHECK(re_invalid(&a, "a(?!b)"));
	CHECK(re_invalid(&a, "(?<=a)b"));
	CHECK(re_invalid(&a, "(?>a)"));
	CHECK(re_invalid(&a, "a*+"));
	CHECK(re_invalid(&a, "a++"));
	CHECK(re_invalid(&a, "a**"));
	CHECK(re_invalid(&a, "(*UTF)a"));
	CHECK(re_invalid(&a, "a{1001}"));
	CHECK(re_invalid(&a, "(?x)a b"));
	CHECK(re_invalid(&a, "\\Ka"));
	CHECK(re_invalid(&a, "a\\Z"));
	CHECK(re_invalid(&a, "(?P=n)"));
	CHECK(re_invalid(&a, "(?R)"));
	CHECK(re_invalid(&a, "("));
	CHECK(re_invalid(&a, "[a"));
	CHECK(re_invalid(&a, "*"));
	CHECK(re_invalid(&a, "a\\"));
	CHECK(re_invalid(&a, "\xff"));
	CHECK(re_invalid(&a, "a\\E"));
	CHECK(re_invalid(&a, "\\8"));
	CHECK(re_invalid(&a, "(?<n>a)"));
	CHECK(re_invalid(&a, "(?#c)a"));
	CHECK(re_invalid(&a, "a{2}{3}"));
	CHECK(re_invalid(&a, "a{5,3}"));
	arena_free(&a);
}

TEST(labels_matcher_no_catastrophic_backtracking)
{
	struct arena a = ARENA_INIT;
	char s[64];
	memset(s, 'a', sizeof s - 2);
	s[sizeof s - 2] = '!';
	s[sizeof s - 1] = 0;
	CHECK(!re_ok(&a, "(a+)+b", s));
	CHECK(!re_ok(&a, "(a|aa)*b", s));
	CHECK(re_ok(&a, "(a+)+!", s));
	arena_free(&a);
}

/* Expand tmpl against the match of re on subject (which must match). */
static const char *expand(struct arena *a, struct buf *b, const char *re, const char *subject,
			  const char *tmpl)
{
	struct labels_matcher m;
	if (labels_matcher_init(&m, a, LABELS_MATCH_RE, "x", re, NULL) != 0)
		abort();
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(m.re, NULL);
	if (pcre2_match(m.re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL) < 0)
		abort();
	buf_reset(b);
	labels_matcher_expand(&m, tmpl, subject, pcre2_get_ovector_pointer(md),
			      pcre2_get_ovector_count(md), b);
	pcre2_match_data_free(md);
	return b->len ? b->p : "";
}

TEST(labels_matcher_expand_like_go)
{
	struct arena a = ARENA_INIT;
	struct buf b = BUF_INIT;
	const char *re = "(?P<host>[a-z]+):(\\d+)(x)?";
	CHECK_STR(expand(&a, &b, re, "web:80", "$1"), "web");
	CHECK_STR(expand(&a, &b, re, "web:80", "${2}/$host"), "80/web");
	CHECK_STR(expand(&a, &b, re, "web:80", "${host}_$0"), "web_web:80");
	CHECK_STR(expand(&a, &b, re, "web:80", "$$1 $"), "$1 $");
	/* $1x is the group named "1x" (absent): empty, as Go */
	CHECK_STR(expand(&a, &b, re, "web:80", "[$1x]"), "[]");
	/* unset, out-of-range, leading-zero and unknown names expand to nothing */
	CHECK_STR(expand(&a, &b, re, "web:80", "<$3|$9|$01|$nope>"), "<|||>");
	/* malformed references keep the '$' */
	CHECK_STR(expand(&a, &b, re, "web:80", "${1 $- ${}"), "${1 $- ${}");
	CHECK_STR(expand(&a, &b, re, "web:80", "no refs"), "no refs");
	buf_free(&b);
	arena_free(&a);
}
