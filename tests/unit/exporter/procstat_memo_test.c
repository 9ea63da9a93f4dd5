/* procstat_read(): one reading of /proc/stat per scrape, shared by the
 * cpu and stat collectors; none kept outside a scrape. */
#include "../unit.h"
#include "nettest.h"
#include "../../../services/exporter/procstat.h"

TEST(procstat_read_once_per_scrape)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	CHECK(nettest_file(&t, "stat", "cpu 1 0 0 0\nctxt 5\n") == 0);
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = t.dir;
	const struct procstat *a, *b;
	/* Outside a scrape: every call reads the file. */
	CHECK_INT(procstat_read(&t.s, &a), 0);
	CHECK(nettest_file(&t, "stat", "cpu 1 0 0 0\nctxt 6\n") == 0);
	CHECK_INT(procstat_read(&t.s, &b), 0);
	CHECK(a->ctxt == 5 && b->ctxt == 6);
	/* Within one: the first reading serves the rest of it. */
	scrape_begin();
	CHECK_INT(procstat_read(&t.s, &a), 0);
	CHECK(nettest_file(&t, "stat", "cpu 1 0 0 0\nctxt 7\n") == 0);
	CHECK_INT(procstat_read(&t.s, &b), 0);
	CHECK(a == b && b->ctxt == 6);
	scrape_begin();
	CHECK_INT(procstat_read(&t.s, &b), 0);
	CHECK(b->ctxt == 7);
	/* A failed read is remembered for the scrape too. */
	scrape_begin();
	char path[128];
	snprintf(path, sizeof path, "%s/stat", t.dir);
	CHECK(unlink(path) == 0);
	CHECK_INT(procstat_read(&t.s, &b), -ENOENT);
	CHECK(nettest_file(&t, "stat", "ctxt 8\n") == 0);
	CHECK_INT(procstat_read(&t.s, &b), -ENOENT);
	scrape_begin();
	CHECK_INT(procstat_read(&t.s, &b), 0);
	CHECK(b->ctxt == 8);
	scrape_end();
	CHECK_INT(procstat_read(&t.s, &a), 0);
	CHECK(a != b);
	exporter_paths.procfs = saved;
	nettest_free(&t);
}
