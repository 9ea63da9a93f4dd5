/* Tests of lib/buf.c, lib/flags.c and httpd_listen_spec. */
#include "../../../lib/buf.h"
#include "../../../lib/flags.h"
#include "../../../lib/httpd.h"
#include "../unit.h"

TEST(buf_grows_and_formats)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(b.len > 3000);
	CHECK(strncmp(b.p, "0,1,2,", 6) == 0);
	CHECK(b.p[b.len] == 0);
	char *s = buf_steal(&b);
	CHECK(b.p == NULL && b.len == 0);
	free(s);
}

TEST(arena_small_and_large)
{
	struct arena a = ARENA_INIT;
	char *first = arena_strdup(&a, "first");
	for (int i = 0; i < 10000; i++)
		CHECK(arena_alloc(&a, (size_t)(i % 97) + 1) != NULL);
	char *big = arena_alloc(&a, 1 << 20);
	memset(big, 'x', 1 << 20);
	CHECK_STR(first, "first");
	CHECK_STR(arena_printf(&a, "%s-%d", "n", 42), "n-42");
	arena_free(&a);
}

TEST(flags_spellings)
{
	const char *s = "default";
	int b = 0, nb = 1;
	struct flag_list l = { 0 };
	struct flag f[] = {
		{ "web.listen-address", FLAG_STRING, &s, "", 0 },
		{ "bool", FLAG_BOOL, &b, "", 0 },
		{ "on", FLAG_BOOL, &nb, "", 0 },
		{ "list", FLAG_LIST, &l, "", 0 },
		{ 0 },
	};
	char *argv[] = { "prog", "--web.listen-address", ":1", "--bool", "--no-on",
			 "--list=a", "--list", "b", NULL };
	flags_parse(8, argv, f, "v", NULL, NULL);
	CHECK_STR(s, ":1");
	CHECK_INT(b, 1);
	CHECK_INT(nb, 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.v[1], "b");
	CHECK(f[0].seen && !f[3].seen == 0);
	free(l.v);
}

TEST(httpd_listen_spec_forms)
{
	char out[128];
	CHECK(httpd_listen_spec(":9100", out, sizeof out) == 0);
	CHECK_STR(out, "9100");
	CHECK(httpd_listen_spec("127.0.0.1:9100", out, sizeof out) == 0);
	CHECK_STR(out, "127.0.0.1:9100");
	CHECK(httpd_listen_spec("[::1]:9100", out, sizeof out) == 0);
	CHECK_STR(out, "[::1]:9100");
	CHECK(httpd_listen_spec("localhost:80", out, sizeof out) == 0);
	CHECK_STR(out, "127.0.0.1:80");
	CHECK(httpd_listen_spec("9100", out, sizeof out) != 0);
	CHECK(httpd_listen_spec(":x", out, sizeof out) != 0);
	CHECK(httpd_listen_spec(":99999", out, sizeof out) != 0);
	CHECK(httpd_listen_spec("::1:80", out, sizeof out) != 0);
}
