/* Tests of the textfile collector (services/exporter/collector/textfile.c):
 * merging families across files as node_exporter 1.5 does, and reading a
 * directory of .prom files with good, bad and odd entries. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "../../../services/exporter/textparse.h"
#include "../unit.h"
#include "xtest.h"

struct textfile_file {
	const char *path;
	double mtime;
	struct textparse_result res;
};
void textfile_export(struct scrape *s, const struct textfile_file *files, size_t n, int errored);
int textfile_check(const struct textparse_result *r, const char *file, char *err, size_t errlen);
extern const struct collector textfile_collector;

/* The scrape output without HELP lines (arena-owned). */
static char *tf_text(struct mset *ms, struct arena *a)
{
	char *out = xtest_render(ms, XTEST_NO_HELP);
	char *r = arena_strdup(a, out);
	free(out);
	return r;
}

/* Parse texts[i] as file names[i] and export them all. */
static char *tf_merge(struct arena *a, const char *const *names, const char *const *texts, size_t n)
{
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, a };
	struct textfile_file f[8];
	char err[256];
	for (size_t i = 0; i < n; i++) {
		f[i].path = names[i];
		f[i].mtime = 1;
		if (textparse_parse(texts[i], strlen(texts[i]), names[i], a, &f[i].res, err, sizeof err))
			return NULL;
	}
	textfile_export(&s, f, n, 0);
	char *r = tf_text(&ms, a);
	mset_free(&ms);
	return r;
}

TEST(textfile_merge_same_and_no_help)
{
	struct arena a = ARENA_INIT;
	const char *names[] = { "d/a.prom", "d/b.prom" };
	/* node_exporter's metrics_merge_no_help fixture */
	const char *texts[] = {
		"# TYPE events_total counter\nevents_total{foo=\"bar\",file=\"a\"} 10\nevents_total{foo=\"baz\",file=\"a\"} 20\n",
		"# TYPE events_total counter\nevents_total{foo=\"bar\",file=\"b\"} 30\nevents_total{foo=\"baz\",file=\"b\"} 40\n",
	};
	CHECK_STR(tf_merge(&a, names, texts, 2),
		  "# TYPE events_total counter\n"
		  "events_total{file=\"a\",foo=\"bar\"} 10\n"
		  "events_total{file=\"a\",foo=\"baz\"} 20\n"
		  "events_total{file=\"b\",foo=\"bar\"} 30\n"
		  "events_total{file=\"b\",foo=\"baz\"} 40\n"
		  "# TYPE node_textfile_mtime_seconds gauge\n"
		  "node_textfile_mtime_seconds{file=\"d/a.prom\"} 1\n"
		  "node_textfile_mtime_seconds{file=\"d/b.prom\"} 1\n"
		  "# TYPE node_textfile_scrape_error gauge\n"
		  "node_textfile_scrape_error 0\n");
	/* The generated help names both files. */
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	struct textfile_file f[2];
	char err[128];
	for (int i = 0; i < 2; i++) {
		f[i].path = names[i];
		f[i].mtime = 1;
		CHECK(textparse_parse(texts[i], strlen(texts[i]), names[i], &a, &f[i].res, err, sizeof err) == 0);
	}
	textfile_export(&s, f, 2, 1);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	CHECK(strstr(out.p, "# HELP events_total Read by the textfile collector from d/a.prom, d/b.prom\n"));
	CHECK(strstr(out.p, "node_textfile_scrape_error 1\n"));
	buf_free(&out);
	mset_free(&ms);
	arena_free(&a);
}

TEST(textfile_merge_conflicts_drop_later_series)
{
	struct arena a = ARENA_INIT;
	const char *names[] = { "a.prom", "b.prom" };
	/* metrics_merge_different_help: b's series are dropped */
	const char *help[] = {
		"# HELP events_total A nice help message.\n# TYPE events_total counter\nevents_total{file=\"a\"} 10\n",
		"# HELP events_total A different help message.\n# TYPE events_total counter\nevents_total{file=\"b\"} 30\n",
	};
	char *got = tf_merge(&a, names, help, 2);
	CHECK(strstr(got, "events_total{file=\"a\"} 10\n") && !strstr(got, "file=\"b\""));
	/* A type conflict likewise. */
	const char *type[] = { "# TYPE x gauge\nx 1\n", "# TYPE x counter\nx{a=\"b\"} 2\n" };
	got = tf_merge(&a, names, type, 2);
	CHECK(strstr(got, "# TYPE x gauge\nx 1\n") && !strstr(got, "x{a=\"b\"}"));
	/* No HELP in one file, HELP in the other: the help texts differ. */
	const char *mixed[] = { "x 1\n", "# HELP x some help\nx{a=\"1\"} 2\n" };
	got = tf_merge(&a, names, mixed, 2);
	CHECK(strstr(got, "x 1\n") && !strstr(got, "x{a=\"1\"}"));
	/* The same series twice: the first one stays. */
	const char *dup[] = { "x{a=\"1\"} 1\n", "x{a=\"1\"} 2\n" };
	got = tf_merge(&a, names, dup, 2);
	CHECK(strstr(got, "x{a=\"1\"} 1\n") && !strstr(got, "} 2\n"));
	arena_free(&a);
}

TEST(textfile_pads_labels_within_a_file)
{
	struct arena a = ARENA_INIT;
	const char *names[] = { "a.prom" };
	/* inconsistent_metrics-like: each series gets every label name */
	const char *texts[] = { "x{a=\"1\"} 1\nx{b=\"2\"} 2\nx 3\n" };
	char *got = tf_merge(&a, names, texts, 1);
	CHECK(strstr(got, "# TYPE x untyped\n"
			  "x{a=\"\",b=\"\"} 3\n"
			  "x{a=\"\",b=\"2\"} 2\n"
			  "x{a=\"1\",b=\"\"} 1\n"));
	arena_free(&a);
}

TEST(textfile_summaries_and_histograms)
{
	struct arena a = ARENA_INIT;
	const char *names[] = { "a.prom" };
	const char *texts[] = {
		"# TYPE s summary\n"
		"s{quantile=\"0.9\"} 9\ns{quantile=\"0.1\"} 1\ns{quantile=\"0.5\"} 5\ns{quantile=\"0.5\"} 6\n"
		"s_sum 2\ns_count -1\n"
		"# TYPE h histogram\n"
		"h_bucket{le=\"2\",x=\"y\"} 1\nh_bucket{le=\"1\",x=\"y\"} 0\nh_bucket{le=\"1\",x=\"y\"} 3\n"
		"h_count{x=\"y\"} 9\n",
	};
	char *got = tf_merge(&a, names, texts, 1);
	CHECK(strstr(got, "# TYPE s summary\n"
			  "s{quantile=\"0.1\"} 1\n"
			  "s{quantile=\"0.5\"} 6\n"
			  "s{quantile=\"0.9\"} 9\n"
			  "s_sum 2\n"
			  "s_count 1.8446744073709552e+19\n"));
	CHECK(strstr(got, "# TYPE h histogram\n"
			  "h_bucket{x=\"y\",le=\"1\"} 3\n"
			  "h_bucket{x=\"y\",le=\"2\"} 1\n"
			  "h_bucket{x=\"y\",le=\"+Inf\"} 9\n"
			  "h_sum{x=\"y\"} 0\n"
			  "h_count{x=\"y\"} 9\n"));
	arena_free(&a);
}

TEST(textfile_check_refuses_timestamps_and_reserved_labels)
{
	struct arena a = ARENA_INIT;
	struct textparse_result r;
	char err[256];
	CHECK(textparse_parse("a 1 1000\n", 9, "t.prom", &a, &r, err, sizeof err) == 0);
	CHECK(textfile_check(&r, "t.prom", err, sizeof err) == -1);
	CHECK(strstr(err, "t.prom: client-side timestamps"));
	CHECK(textparse_parse("a{__x=\"1\"} 1\n", 13, "t.prom", &a, &r, err, sizeof err) == 0);
	CHECK(textfile_check(&r, "t.prom", err, sizeof err) == -1);
	CHECK(strstr(err, "label name __x is reserved"));
	CHECK(textparse_parse("a{x=\"1\"} 1\n", 11, "t.prom", &a, &r, err, sizeof err) == 0);
	CHECK(textfile_check(&r, "t.prom", err, sizeof err) == 0);
	arena_free(&a);
}

static void tf_put(const char *path, const char *text, time_t mtime)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
	utimes(path, tv);
}

/* Run the collector on dir; returns the output without HELP lines. */
static char *tf_scrape(struct arena *a, const char *dir)
{
	const char **flag = textfile_collector.flags[0].dest;
	const char *saved = *flag;
	*flag = dir;
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, a };
	int rc = textfile_collector.update(&s);
	*flag = saved;
	char *r = rc == 0 ? tf_text(&ms, a) : NULL;
	mset_free(&ms);
	return r;
}

TEST(textfile_reads_a_directory)
{
	char root[] = "/tmp/pharos-textfile-XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	struct arena a = ARENA_INIT;
	tf_put(arena_printf(&a, "%s/metrics1.prom", root), "testmetric1_1{foo=\"bar\"} 10\n", 1669748270);
	tf_put(arena_printf(&a, "%s/metrics2.prom", root), "testmetric2_1{foo=\"bar\"} 30\n", 1669748271);
	tf_put(arena_printf(&a, "%s/other.txt", root), "ignored 1\n", 0);
	char *got = tf_scrape(&a, root);
	CHECK(got != NULL);
	CHECK(strstr(got, arena_printf(&a, "node_textfile_mtime_seconds{file=\"%s/metrics1.prom\"} 1.66974827e+09\n", root)));
	CHECK(strstr(got, "node_textfile_scrape_error 0\n"));
	CHECK(strstr(got, "testmetric1_1{foo=\"bar\"} 10\n") && strstr(got, "testmetric2_1"));
	CHECK(!strstr(got, "ignored"));

	/* A file with a timestamp and one that does not parse are skipped
	 * whole; the others stay. A directory named *.prom reads as empty. */
	tf_put(arena_printf(&a, "%s/ts.prom", root), "with_ts 1 123\n", 0);
	tf_put(arena_printf(&a, "%s/bad.prom", root), "good_line 1\nbad{ 2\n", 0);
	mkdir(arena_printf(&a, "%s/dir.prom", root), 0755);
	got = tf_scrape(&a, arena_printf(&a, "%s/", root));
	CHECK(got != NULL);
	CHECK(strstr(got, "node_textfile_scrape_error 1\n"));
	CHECK(!strstr(got, "with_ts") && !strstr(got, "good_line"));
	CHECK(strstr(got, "testmetric1_1{foo=\"bar\"} 10\n"));
	CHECK(strstr(got, "/dir.prom\"}") && !strstr(got, "/ts.prom\"}") && !strstr(got, "/bad.prom\"}"));

	/* A glob of directories; a missing directory is an error, an empty
	 * flag is not. */
	got = tf_scrape(&a, arena_printf(&a, "%s*", root));
	CHECK(got && strstr(got, "testmetric1_1"));
	got = tf_scrape(&a, arena_printf(&a, "%s/nonexistent", root));
	CHECK(got && !strcmp(got, "# TYPE node_textfile_scrape_error gauge\nnode_textfile_scrape_error 1\n"));
	got = tf_scrape(&a, "");
	CHECK(got && !strcmp(got, "# TYPE node_textfile_scrape_error gauge\nnode_textfile_scrape_error 0\n"));

	xtest_rmtree(root);
	arena_free(&a);
}
