/* Tests for collector/filefd.c. */
#include "../unit.h"
#include "xtest.h"

int filefd_parse(struct scrape *s, char *text);

TEST(filefd_fixture)
{
	char *out;
	CHECK_INT(xtest_parse(filefd_parse, "1024\t0\t1631329\n", XTEST_NO_HELP, &out), 0);
	CHECK_STR(out, "# TYPE node_filefd_allocated gauge\nnode_filefd_allocated 1024\n"
		       "# TYPE node_filefd_maximum gauge\nnode_filefd_maximum 1.631329e+06\n");
	free(out);
}

TEST(filefd_malformed)
{
	char *out;
	/* Blank-separated: node_exporter splits on tabs only. */
	CHECK(xtest_parse(filefd_parse, "1024 0 1631329\n", XTEST_NO_HELP, &out) < 0);
	CHECK_STR(out, "");
	free(out);
	CHECK(xtest_parse(filefd_parse, "1024\t0\n", XTEST_NO_HELP, &out) < 0);
	free(out);
	CHECK(xtest_parse(filefd_parse, "1024\t0\tmany\n", XTEST_NO_HELP, &out) < 0);
	CHECK_STR(out, "");
	free(out);
	CHECK(xtest_parse(filefd_parse, "", XTEST_NO_HELP, &out) < 0);
	free(out);
	/* A fourth field is ignored. */
	CHECK_INT(xtest_parse(filefd_parse, "5\t0\t7\t9", XTEST_NO_HELP, &out), 0);
	CHECK(strstr(out, "node_filefd_maximum 7\n") != NULL);
	free(out);
}
