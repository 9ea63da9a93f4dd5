#include "../unit.h"
#include "xtest.h"

int loadavg_parse(const char *text, double out[3]);
int meminfo_parse(struct scrape *s, char *text);

TEST(loadavg_parses_and_rejects)
{
	double v[3];
	CHECK(loadavg_parse("0.21 0.37 0.39 1/719 19737\n", v) == 0);
	CHECK_DBL(v[0], 0.21);
	CHECK_DBL(v[2], 0.39);
	CHECK(loadavg_parse("0.21 0.37\n", v) != 0);
	CHECK(loadavg_parse("", v) != 0);
	CHECK(loadavg_parse("a b c d", v) != 0);
}

TEST(meminfo_units_parens_and_garbage)
{
	const char text[] = "MemTotal:       15666184 kB\n"
			    "Active(anon):    123 kB\n"
			    "HugePages_Total:       0\n"
			    "garbage line without colon 1 2 3\n"
			    "Bad:  notanumber kB\n"
			    "\n"
			    "Truncated:";
	char *out;
	CHECK_INT(xtest_parse(meminfo_parse, text, XTEST_HELP, &out), 3);
	CHECK(strstr(out, "\nnode_memory_MemTotal_bytes 1.6042172416e+10\n") != NULL);
	CHECK(strstr(out, "\nnode_memory_Active_anon_bytes 125952\n") != NULL);
	CHECK(strstr(out, "\nnode_memory_HugePages_Total 0\n") != NULL);
	CHECK(strstr(out, "Bad") == NULL);
	free(out);
}
