/* Tests for collector/uname.c with fixed uname(2) values. */
#include "../unit.h"

#include <stdlib.h>
#include <sys/utsname.h>

#include "../../../services/exporter/collector.h"

void uname_add(struct scrape *s, const struct utsname *u);
extern const struct collector uname_collector;

static char *un_render(struct mset *ms)
{
	struct buf b = BUF_INIT, o = BUF_INIT;
	mset_write(ms, &b);
	char *p = b.p ? b.p : "", *line;
	while ((line = next_line(&p)) != NULL)
		if (strncmp(line, "# HELP", 6))
			buf_printf(&o, "%s\n", line);
	buf_free(&b);
	return buf_steal(&o);
}

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
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	uname_add(&s, &u);
	char *out = un_render(&ms);
	mset_free(&ms);
	arena_free(&a);
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
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	int rc = uname_collector.update(&s);
	char *out = un_render(&ms);
	mset_free(&ms);
	arena_free(&a);
	char want[512];
	snprintf(want, sizeof want, "nodename=\"%s\"", u.nodename);
	int found = strstr(out, want) != NULL;
	free(out);
	CHECK_INT(rc, 0);
	CHECK(found);
}
