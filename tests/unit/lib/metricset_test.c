#include <math.h>

#include "../../../lib/metricset.h"
#include "../unit.h"

TEST(metricset_sorts_families_series_and_labels)
{
	struct mset ms;
	mset_init(&ms);
	mset_gauge(&ms, "b_metric", "B.", 2, "z", "1", "a", "2", NULL);
	mset_gauge(&ms, "b_metric", "B.", 1, "a", "1", "z", "9", NULL);
	mset_counter(&ms, "a_total", "A \\ help\nline.", 5, NULL);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	CHECK_STR(out.p, "# HELP a_total A \\\\ help\\nline.\n"
			 "# TYPE a_total counter\n"
			 "a_total 5\n"
			 "# HELP b_metric B.\n"
			 "# TYPE b_metric gauge\n"
			 "b_metric{a=\"1\",z=\"9\"} 1\n"
			 "b_metric{a=\"2\",z=\"1\"} 2\n");
	buf_free(&out);
	mset_free(&ms);
}

TEST(metricset_drops_duplicates_keeps_first)
{
	struct mset ms;
	mset_init(&ms);
	mset_gauge(&ms, "m", "h", 1, "l", "x", NULL);
	mset_gauge(&ms, "m", "other help ignored", 2, "l", "x", NULL);
	mset_gauge(&ms, "m", "h", 3, "l", "", NULL);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	CHECK_STR(out.p, "# HELP m h\n# TYPE m gauge\nm{l=\"\"} 3\nm{l=\"x\"} 1\n");
	buf_free(&out);
	mset_free(&ms);
}

TEST(metricset_rejects_bad_names)
{
	struct mset ms;
	mset_init(&ms);
	CHECK(mset_gauge(&ms, "bad-name", "h", 1, NULL) != 0);
	CHECK(mset_gauge(&ms, "ok", "h", 1, "bad-label", "v", NULL) != 0);
	CHECK_INT(mset_count(&ms), 1); /* "ok" exists, without series */
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	CHECK_STR(out.p ? out.p : "", "");
	buf_free(&out);
	mset_free(&ms);
}

TEST(metricset_summary_and_histogram)
{
	struct mset ms;
	mset_init(&ms);
	const char *n[] = { "job" }, *v[] = { "x" };
	double q[] = { 0.5, 0.99 }, qv[] = { 1, 2.5 };
	mset_add_dist(&ms, mset_family(&ms, "s", "S.", METRIC_SUMMARY), 1, n, v, 10, 20, 2, q, qv);
	double le[] = { 0.1, 1 }, c[] = { 3, 7 };
	mset_add_dist(&ms, mset_family(&ms, "h", "H.", METRIC_HISTOGRAM), 0, NULL, NULL, 9, 4.5, 2, le, c);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	CHECK_STR(out.p, "# HELP h H.\n# TYPE h histogram\n"
			 "h_bucket{le=\"0.1\"} 3\nh_bucket{le=\"1\"} 7\nh_bucket{le=\"+Inf\"} 9\n"
			 "h_sum 4.5\nh_count 9\n"
			 "# HELP s S.\n# TYPE s summary\n"
			 "s{job=\"x\",quantile=\"0.5\"} 1\ns{job=\"x\",quantile=\"0.99\"} 2.5\n"
			 "s_sum{job=\"x\"} 20\ns_count{job=\"x\"} 10\n");
	buf_free(&out);
	mset_free(&ms);
}

TEST(metricset_many_families_grow_table)
{
	struct mset ms;
	mset_init(&ms);
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "m%05d", i);
		mset_gauge(&ms, name, "h", i, NULL);
	}
	CHECK_INT(mset_count(&ms), 5000);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	CHECK(strstr(out.p, "m04999 4999\n") != NULL);
	CHECK(strncmp(out.p, "# HELP m00000", 13) == 0);
	buf_free(&out);
	mset_free(&ms);
}
