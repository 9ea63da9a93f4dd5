/* Tests for collector/filefd.c. */
#include "../unit.h"

#include <stdlib.h>

#include "../../../services/exporter/collector.h"

int filefd_parse(struct scrape *s, char *text);

/* Run filefd_parse on text; returns its result and the output (no HELP
 * lines) in *out (malloc). */
static int ff_run(const char *text, char **out)
{
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	char *copy = strdup(text);
	int rc = filefd_parse(&s, copy);
	free(copy);
	struct buf b = BUF_INIT, o = BUF_INIT;
	mset_write(&ms, &b);
	char *p = b.p ? b.p : "", *line;
	while ((line = next_line(&p)) != NULL)
		if (strncmp(line, "# HELP", 6))
			buf_printf(&o, "%s\n", line);
	buf_free(&b);
	mset_free(&ms);
	arena_free(&a);
	*out = buf_steal(&o);
	return rc;
}

TEST(filefd_fixture)
{
	char *out;
	CHECK_INT(ff_run("1024\t0\t1631329\n", &out), 0);
	CHECK_STR(out, "# TYPE node_filefd_allocated gauge\nnode_filefd_allocated 1024\n"
		       "# TYPE node_filefd_maximum gauge\nnode_filefd_maximum 1.631329e+06\n");
	free(out);
}

TEST(filefd_malformed)
{
	char *out;
	/* Blank-separated: node_exporter splits on tabs only. */
	CHECK(ff_run("1024 0 1631329\n", &out) < 0);
	CHECK_STR(out, "");
	free(out);
	CHECK(ff_run("1024\t0\n", &out) < 0);
	free(out);
	CHECK(ff_run("1024\t0\tmany\n", &out) < 0);
	CHECK_STR(out, "");
	free(out);
	CHECK(ff_run("", &out) < 0);
	free(out);
	/* A fourth field is ignored. */
	CHECK_INT(ff_run("5\t0\t7\t9", &out), 0);
	CHECK(strstr(out, "node_filefd_maximum 7\n") != NULL);
	free(out);
}
