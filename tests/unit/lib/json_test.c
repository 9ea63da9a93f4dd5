/* json_test.c - the JSON parser: values, escapes, positions, limits. */
#include <errno.h>
#include <string.h>

#include "../../../lib/json.h"
#include "../unit.h"

static int parse(struct json_doc *d, const char *s, struct json_value **v, char *err)
{
	return json_parse(d, s, strlen(s), NULL, v, err, 160);
}

TEST(json_values_and_positions)
{
	struct json_doc d;
	struct json_value *v;
	char err[160];
	const char *t = "{\"a\": [1, -2.5e3, true, false, null],\n \"b\": {\"c\": \"x\"}, \"a\": 7}";
	CHECK_INT(parse(&d, t, &v, err), 0);
	CHECK_INT(v->type, JSON_OBJECT);
	CHECK_INT(v->len, 3);
	const struct json_value *a = v->members[0].val;
	CHECK_INT(a->type, JSON_ARRAY);
	CHECK_INT(a->len, 5);
	CHECK_DBL(a->items[0]->num, 1);
	CHECK_DBL(a->items[1]->num, -2500);
	CHECK_STR(a->items[1]->str, "-2.5e3");
	CHECK_INT(a->items[2]->type, JSON_TRUE);
	CHECK_INT(a->items[3]->type, JSON_FALSE);
	CHECK_INT(a->items[4]->type, JSON_NULL);
	CHECK_INT(a->items[1]->line, 1);
	CHECK_INT(a->items[1]->col, 11);
	const struct json_value *c = json_get(json_get(v, "b"), "c");
	CHECK(c && c->type == JSON_STRING);
	CHECK_STR(c->str, "x");
	CHECK_INT(c->line, 2);
	CHECK_INT(c->col, 13);
	/* The last duplicate wins, as Go's encoding/json. */
	CHECK_DBL(json_get(v, "a")->num, 7);
	CHECK(json_get(v, "zz") == NULL);
	CHECK(json_get(a, "a") == NULL);
	json_doc_free(&d);
}

TEST(json_string_escapes)
{
	struct json_doc d;
	struct json_value *v;
	char err[160];
	CHECK_INT(parse(&d, "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 \\u0000z\"", &v, err), 0);
	const char want[] = "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \0z";
	CHECK_INT(v->len, sizeof want - 1);
	CHECK(memcmp(v->str, want, sizeof want - 1) == 0);
	json_doc_free(&d);
}

TEST(json_errors_say_where)
{
	struct json_doc d;
	struct json_value *v;
	char err[160];
	const struct {
		const char *in, *want;
	} bad[] = {
		{ "", "1:1: unexpected end of input" },
		{ "[1,]", "1:4: invalid character ']' looking for a value" },
		{ "{\"a\" 1}", "1:6: expected ':' after object key" },
		{ "{\"a\":1,}", "1:8: expected a string as object key" },
		{ "[1 2]", "1:4: expected ',' or ']' after array element" },
		{ "\n  \"abc", "2:3: unterminated string" },
		{ "\"\\x\"", "1:2: invalid escape \\x in string" },
		{ "\"\\ud83d\"", "1:2: unpaired surrogate in \\u escape" },
		{ "\"\\ude00\"", "1:2: unpaired surrogate in \\u escape" },
		{ "\"\\u12g4\"", "1:2: bad \\u escape" },
		{ "\"a\tb\"", "1:3: control character in string" },
		{ "\"\xff\"", "1:2: invalid UTF-8 in string" },
		{ "\"\xc0\xaf\"", "1:2: invalid UTF-8 in string" },
		{ "01", "1:2: unexpected data after the top-level value" },
		{ "-", "1:1: invalid number" },
		{ "1.", "1:1: invalid number" },
		{ "1e+", "1:1: invalid number" },
		{ "tru", "1:1: invalid character 't' looking for a value" },
		{ "{} {}", "1:4: unexpected data after the top-level value" },
		{ "\xef\xbb\xbf{}", "1:1: invalid character '?' looking for a value" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(&d, bad[i].in, &v, err);
		json_doc_free(&d);
		if (rc != -EINVAL || strcmp(err, bad[i].want) != 0) {
			unit_fail(__FILE__, __LINE__, "%s: rc %d, err \"%s\", want \"%s\"", bad[i].in, rc,
				  err, bad[i].want);
			return;
		}
	}
}

TEST(json_limits)
{
	struct json_doc d;
	struct json_value *v;
	char err[160];
	char deep[400];
	memset(deep, '[', 300);
	deep[300] = 0;
	CHECK_INT(parse(&d, deep, &v, err), -E2BIG);
	CHECK_STR(err, "1:129: nesting deeper than 128");
	json_doc_free(&d);
	struct json_limits lim = { 0, 0, 3 };
	CHECK_INT(json_parse(&d, "[1,2,3]", 7, &lim, &v, err, sizeof err), -E2BIG);
	CHECK_STR(err, "1:6: too many values (limit 3)");
	json_doc_free(&d);
	struct json_limits small = { 4, 0, 0 };
	CHECK_INT(json_parse(&d, "[1,2]", 5, &small, &v, err, sizeof err), -E2BIG);
	json_doc_free(&d);
	CHECK_INT(json_parse(&d, "[1,2]", 5, &lim, &v, err, sizeof err), 0);
	CHECK_STR(json_type_name(v->type), "array");
	json_doc_free(&d);
}
