/* Tests for collector/uname.c with fixed uname(2) values. */
#include "../unit.h"
#include "xtest.h"

#include <sys/utsname.h>

void uname_add(struct scrape *s, const struct utsname *u);
extern const struct collector uname_collector;

TEST(uname_fixed_values)
{
	struct utsname u;
	memset(&u, 0, sizeof u);
	strcpy(u.sysname, "Linux");
	strcpy(u.nodename, "host \"one\"");
	strcpy(u.release, "6.1.0-13-amd64");
	strcpy(u.version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)");
	strcpy(u.machine, "x86_64");
	strcpy(u.domainname, "(none)");
	struct xtest t;
	xtest_init(&t);
	uname_add(&t.s, &u);
	char *out = xtest_render(&t.ms, XTEST_NO_HELP);
	xtest_free(&t);
	const char *want = "# TYPE node_uname_info gauge\n"
			   "node_uname_info{domainname=\"(none)\",machine=\"x86_64\",nodename=\"host "
			   "\\\"one\\\"\",release=\"6.1.0-13-amd64\",sysname=\"Linux\",version=\"#1 SMP "
			   "PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)\"} 1\n";
	int same = !strcmp(out, want);
	if (!same)
		fprintf(stderr, "got:\n%s", out);
	free(out);
	CHECK(same);
}

TEST(uname_this_machine)
{
	struct utsname u;
	CHECK_INT(uname(&u), 0);
	char *out;
	int rc = xtest_collect(&uname_collector, NULL, NULL, NULL, XTEST_NO_HELP, &out);
	char want[512];
	snprintf(want, sizeof want, "nodename=\"%s\"", u.nodename);
	int found = strstr(out, want) != NULL;
	free(out);
	CHECK_INT(rc, 0);
	CHECK(found);
}
