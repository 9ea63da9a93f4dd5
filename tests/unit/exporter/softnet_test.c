/* Unit tests of the softnet collector. Owner: helper h1. */
#include "../../../services/exporter/collector.h"
#include "../unit.h"

int softnet_parse(struct scrape *s, char *text);

static char *softnet_render(const char *text, int *n)
{
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	*n = softnet_parse(&s, arena_strdup(&a, text));
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	mset_free(&ms);
	arena_free(&a);
	return buf_steal(&out);
}

TEST(softnet_fixture)
{
	int n;
	char *o = softnet_render(
		"00049279 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"000dfb82 00000029 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"00551c3f 00000000 00000055 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"002f8339 00000000 00000032 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000",
		&n);
	CHECK_INT(n, 4);
	CHECK(strstr(o, "# TYPE node_softnet_processed_total counter\n") != NULL);
	CHECK(strstr(o, "\nnode_softnet_processed_total{cpu=\"2\"} 5.577791e+06\n") != NULL);
	CHECK(strstr(o, "\nnode_softnet_dropped_total{cpu=\"1\"} 41\n") != NULL);
	CHECK(strstr(o, "\nnode_softnet_times_squeezed_total{cpu=\"3\"} 50\n") != NULL);
	free(o);
}

TEST(softnet_bad_lines_fail_the_file)
{
	int n;
	const char *bad[] = {
		"1 2 3 4 5 6 7 8 9\n1 2 3 4 5 6 7 8\n", /* 8 columns */
		"1 2 3 4 5 6 7 8 9\n\n1 2 3 4 5 6 7 8 9\n", /* empty line */
		"1 g 3 4 5 6 7 8 9\n",
		"1 2 100000000 4 5 6 7 8 9\n",          /* more than 32 bits */
		"0x1 2 3 4 5 6 7 8 9\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *o = softnet_render(bad[i], &n);
		CHECK_INT(n, -1);
		CHECK_STR(o, "");
		free(o);
	}
	char *o = softnet_render("", &n);
	CHECK_INT(n, 0);
	free(o);
	o = softnet_render("ffffffff 0 0 0 0 0 0 0 0 1 2 3 4\n", &n);
	CHECK_INT(n, 1);
	CHECK(strstr(o, "\nnode_softnet_processed_total{cpu=\"0\"} 4.294967295e+09\n") != NULL);
	free(o);
}
