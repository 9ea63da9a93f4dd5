#include "../unit.h"

#include <errno.h>

#include "../../../lib/yamlconf.h"

static int parse(struct yamlconf *yc, const char *text)
{
	yamlconf_init(yc);
	return yamlconf_parse(yc, "t.yml", text, strlen(text));
}

TEST(yamlconf_tree_with_positions)
{
	struct yamlconf yc;
	CHECK_INT(parse(&yc, "a: 1\nb:\n  - x\n  - \"y\"\nc: {d: true}\n"), 0);
	CHECK(yc.root && yc.root->kind == YAMLCONF_MAP);
	CHECK_INT(yc.root->len, 3);
	struct yamlconf_node *b = yamlconf_get(yc.root, "b");
	CHECK(b && b->kind == YAMLCONF_SEQ);
	CHECK_INT(b->len, 2);
	CHECK_INT(b->items[1]->line, 4);
	CHECK_INT(b->items[1]->col, 5);
	CHECK_INT(b->items[1]->plain, 0);
	CHECK_STR(b->items[0]->str, "x");
	int v = 0;
	CHECK_INT(yamlconf_get_bool(&yc, yamlconf_get(yc.root, "c"), "d", &v), 1);
	CHECK_INT(v, 1);
	yamlconf_free(&yc);
}

TEST(yamlconf_syntax_error_has_position)
{
	struct yamlconf yc;
	CHECK_INT(parse(&yc, "a: 1\nb: [1, 2\n"), -EINVAL);
	CHECK(yc.root == NULL);
	CHECK_INT(yc.nerrors, 1);
	CHECK(strncmp(yc.errors.p, "t.yml:3:1: ", 11) == 0);
	yamlconf_free(&yc);
}

TEST(yamlconf_unknown_field_and_duplicate)
{
	struct yamlconf yc;
	CHECK_INT(parse(&yc, "role: all\n  \nscrape_intervall: 1s\n"), 0);
	static const char *const known[] = { "role", "scrape_interval", NULL };
	CHECK_INT(yamlconf_strict(&yc, yc.root, known), -EINVAL);
	CHECK_STR(yc.errors.p, "t.yml:3:1: unknown field \"scrape_intervall\"\n");
	yamlconf_free(&yc);

	CHECK_INT(parse(&yc, "a: 1\nb: 2\na: 3\n"), -EINVAL);
	CHECK_STR(yc.errors.p, "t.yml:3:1: field \"a\" already set at line 1\n");
	yamlconf_free(&yc);
}

TEST(yamlconf_getters)
{
	struct yamlconf yc;
	CHECK_INT(parse(&yc, "s: hello\nn: -42\nbig: 99999999999999999999\nd: 1m30s\n"
			     "l: [a, b]\none: c\nnul: ~\nbad: 1x\nm: {}\n"), 0);
	const char *s = "default";
	CHECK_INT(yamlconf_get_str(&yc, yc.root, "s", &s), 1);
	CHECK_STR(s, "hello");
	s = "default";
	CHECK_INT(yamlconf_get_str(&yc, yc.root, "nul", &s), 0);
	CHECK_INT(yamlconf_get_str(&yc, yc.root, "absent", &s), 0);
	CHECK_STR(s, "default");
	int64_t i = 0;
	CHECK_INT(yamlconf_get_int(&yc, yc.root, "n", -100, 100, &i), 1);
	CHECK_INT(i, -42);
	CHECK_INT(yamlconf_get_int(&yc, yc.root, "n", 0, 100, &i), -EINVAL);
	CHECK_INT(yamlconf_get_int(&yc, yc.root, "big", INT64_MIN, INT64_MAX, &i), -EINVAL);
	CHECK_INT(yamlconf_get_duration(&yc, yc.root, "d", &i), 1);
	CHECK_INT(i, 90000);
	CHECK_INT(yamlconf_get_duration(&yc, yc.root, "bad", &i), -EINVAL);
	const char **l;
	size_t n;
	CHECK_INT(yamlconf_get_strlist(&yc, yc.root, "l", &l, &n), 1);
	CHECK_INT(n, 2);
	CHECK_STR(l[1], "b");
	CHECK(l[2] == NULL);
	CHECK_INT(yamlconf_get_strlist(&yc, yc.root, "one", &l, &n), 1);
	CHECK_INT(n, 1);
	CHECK_INT(yamlconf_get_str(&yc, yc.root, "m", &s), -EINVAL);
	CHECK_INT(yc.nerrors, 4);
	CHECK(strstr(yc.errors.p, "t.yml:8:6: not a valid duration string: \"1x\"\n") != NULL);
	CHECK(strstr(yc.errors.p, "t.yml:9:4: expected a string, got a map\n") != NULL);
	yamlconf_free(&yc);
}

TEST(yamlconf_durations_like_prometheus)
{
	int64_t ms;
	CHECK_INT(yamlconf_parse_duration("0", &ms), 0);
	CHECK_INT(ms, 0);
	CHECK_INT(yamlconf_parse_duration("500ms", &ms), 0);
	CHECK_INT(ms, 500);
	CHECK_INT(yamlconf_parse_duration("1h5m", &ms), 0);
	CHECK_INT(ms, 3900000);
	CHECK_INT(yamlconf_parse_duration("1w2d", &ms), 0);
	CHECK_INT(ms, 9LL * 86400000);
	CHECK_INT(yamlconf_parse_duration("1m1m", &ms), -EINVAL);
	CHECK_INT(yamlconf_parse_duration("1s1m", &ms), -EINVAL);
	CHECK_INT(yamlconf_parse_duration("", &ms), -EINVAL);
	CHECK_INT(yamlconf_parse_duration("1.5s", &ms), -EINVAL);
	CHECK_INT(yamlconf_parse_duration("10", &ms), -EINVAL);
}

TEST(yamlconf_limits_and_aliases)
{
	struct yamlconf yc;
	yamlconf_init(&yc);
	yc.max_depth = 3;
	const char *deep = "a: {b: {c: {d: 1}}}\n";
	CHECK_INT(yamlconf_parse(&yc, "t.yml", deep, strlen(deep)), -EINVAL);
	CHECK(strstr(yc.errors.p, "nesting deeper than 3") != NULL);
	yamlconf_free(&yc);

	CHECK_INT(parse(&yc, "a: &x [1, 2]\nb: *x\n"), 0);
	CHECK(yamlconf_get(yc.root, "a") == yamlconf_get(yc.root, "b"));
	yamlconf_free(&yc);
	/* An alias into its own collection would make a cycle: refused. */
	CHECK_INT(parse(&yc, "a: &x [1, *x]\n"), -EINVAL);
	yamlconf_free(&yc);
	CHECK_INT(parse(&yc, "a: 1\n---\nb: 2\n"), -EINVAL);
	yamlconf_free(&yc);
	CHECK_INT(parse(&yc, ""), 0);
	CHECK(yc.root == NULL);
	yamlconf_free(&yc);
	CHECK_INT(parse(&yc, "[1]: x\n"), -EINVAL);
	CHECK(strstr(yc.errors.p, "map keys must be scalars") != NULL);
	yamlconf_free(&yc);
}

TEST(yamlconf_load_missing_file)
{
	struct yamlconf yc;
	yamlconf_init(&yc);
	CHECK_INT(yamlconf_load(&yc, "/nonexistent/x.yml"), -ENOENT);
	CHECK_STR(yc.errors.p, "/nonexistent/x.yml: No such file or directory\n");
	yamlconf_free(&yc);
}
