/* Unit tests of the stat collector (procstat.c's counters). Owner: helper h1. */
#include "../../../services/exporter/procstat.h"
#include "../unit.h"
#include "xtest.h"

void stat_emit(struct scrape *s, const struct procstat *st, int softirq);

/* Parse text, emit, render; the result is malloc'd. */
static char *stat_render(const char *text, int softirq)
{
	struct xtest t;
	xtest_init(&t);
	struct procstat st;
	procstat_parse(&t.arena, arena_strdup(&t.arena, text), &st);
	stat_emit(&t.s, &st, softirq);
	char *out = xtest_render(&t.ms, XTEST_HELP);
	xtest_free(&t);
	return out;
}

static const char stat_fixture[] =
	"cpu  301854 612 111922 8979004 3552 2 3944 0 44 36\n"
	"cpu0 44490 19 21045 1087069 220 1 3410 0 2 1\n"
	"intr 8885917 17 0 0 0 0 0 0 0 1 79281 0 0 0 0 0 0 0 231237 0 0 0 0 250586 103 0\n"
	"ctxt 38014093\n"
	"btime 1418183276\n"
	"processes 26442\n"
	"procs_running 2\n"
	"procs_blocked 0\n"
	"softirq 5057579 250191 1481983 1647 211099 186066 0 1783454 622196 12499 508444\n";

TEST(stat_fixture_counters)
{
	char *o = stat_render(stat_fixture, 1);
	CHECK(xtest_has_line(o, "# TYPE node_intr_total counter"));
	CHECK(xtest_has_line(o, "node_intr_total 8.885917e+06"));
	CHECK(xtest_has_line(o, "node_context_switches_total 3.8014093e+07"));
	CHECK(xtest_has_line(o, "node_forks_total 26442"));
	CHECK(xtest_has_line(o, "# TYPE node_boot_time_seconds gauge"));
	CHECK(xtest_has_line(o, "node_boot_time_seconds 1.418183276e+09"));
	CHECK(xtest_has_line(o, "node_procs_running 2"));
	CHECK(xtest_has_line(o, "node_procs_blocked 0"));
	CHECK(xtest_has_line(o, "node_softirqs_total{vector=\"hi\"} 250191"));
	CHECK(xtest_has_line(o, "node_softirqs_total{vector=\"block_iopoll\"} 0"));
	CHECK(xtest_has_line(o, "node_softirqs_total{vector=\"rcu\"} 508444"));
	CHECK(xtest_has_line(o, "node_softirqs_total{vector=\"tasklet\"} 1.783454e+06"));
	free(o);

	o = stat_render(stat_fixture, 0);
	CHECK(strstr(o, "node_softirqs_total") == NULL);
	CHECK(xtest_has_line(o, "node_forks_total 26442"));
	free(o);
}

TEST(stat_missing_and_malformed_lines_report_zero)
{
	char *o = stat_render("ctxt 12\n"
			      "btime -5\n"
			      "processes\n"
			      "softirq 10 1 2 3\n"            /* too short: ignored */
			      "intr 99999999999999999999999\n" /* overflow */
			      "procs_running 3 extra\n"
			      "garbage\n", 1);
	CHECK(xtest_has_line(o, "node_context_switches_total 12"));
	CHECK(xtest_has_line(o, "node_boot_time_seconds 0"));
	CHECK(xtest_has_line(o, "node_forks_total 0"));
	CHECK(xtest_has_line(o, "node_intr_total 0"));
	CHECK(xtest_has_line(o, "node_procs_running 3"));
	CHECK(xtest_has_line(o, "node_softirqs_total{vector=\"hi\"} 0"));
	free(o);

	o = stat_render("", 0);
	CHECK(xtest_has_line(o, "node_procs_blocked 0"));
	free(o);
}
