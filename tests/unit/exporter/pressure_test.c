/* Unit tests of the pressure collector. Owner: helper h1. */
#include <stdint.h>

#include "../unit.h"
#include "xtest.h"

struct pressure_stats {
	int has_some, has_full;
	uint64_t some_total, full_total;
};
int pressure_parse(char *text, struct pressure_stats *out);
void pressure_emit(struct scrape *s, const char *res, const struct pressure_stats *p);

TEST(pressure_parse_lines)
{
	struct pressure_stats p;
	char io[] = "some avg10=0.18 avg60=0.34 avg300=0.10 total=159886802\n"
		    "full avg10=0.18 avg60=0.34 avg300=0.10 total=159229614\n";
	CHECK(pressure_parse(io, &p) == 0);
	CHECK(p.has_some && p.has_full);
	CHECK_INT(p.some_total, 159886802);
	CHECK_INT(p.full_total, 159229614);

	char cpu[] = "some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781\nfuture x=1\n\n";
	CHECK(pressure_parse(cpu, &p) == 0);
	CHECK(p.has_some && !p.has_full);

	char bad1[] = "some avg10=0.00 avg60=0.00 avg300=0.00\n";
	CHECK(pressure_parse(bad1, &p) != 0);
	char bad2[] = "some avg10=0.00 avg60=x avg300=0.00 total=1\n";
	CHECK(pressure_parse(bad2, &p) != 0);
	char bad3[] = "full avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n";
	CHECK(pressure_parse(bad3, &p) != 0);
	char empty[] = "";
	CHECK(pressure_parse(empty, &p) == 0);
	CHECK(!p.has_some && !p.has_full);
}

TEST(pressure_emit_seconds_like_node_exporter)
{
	struct xtest t;
	xtest_init(&t);
	struct pressure_stats cpu = { 1, 1, 14036781, 5 }, io = { 1, 1, 159886802, 159229614 },
			      mem = { 1, 0, 0, 0 };
	pressure_emit(&t.s, "cpu", &cpu);
	pressure_emit(&t.s, "io", &io);
	pressure_emit(&t.s, "memory", &mem);
	char *out = xtest_render(&t.ms, XTEST_HELP);
	xtest_free(&t);
	/* two divisions by 1000, as node_exporter computes it */
	CHECK(strstr(out, "\nnode_pressure_cpu_waiting_seconds_total 14.036781000000001\n") != NULL);
	CHECK(strstr(out, "# TYPE node_pressure_io_stalled_seconds_total counter\n") != NULL);
	CHECK(strstr(out, "\nnode_pressure_io_stalled_seconds_total 159.229614\n") != NULL);
	CHECK(strstr(out, "\nnode_pressure_memory_waiting_seconds_total 0\n") != NULL);
	CHECK(strstr(out, "memory_stalled") == NULL);
	CHECK(strstr(out, "cpu_stalled") == NULL);
	free(out);
}
