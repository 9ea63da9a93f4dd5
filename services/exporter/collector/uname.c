/* uname: node_uname_info, labelled with what uname(2) reports. */
#include <errno.h>
#include <sys/utsname.h>

#include "../collector.h"

/* Add node_uname_info for u. */
void uname_add(struct scrape *s, const struct utsname *u)
{
	mset_gauge(s->ms, "node_uname_info",
		   "Always 1; the labels are the fields of the uname(2) system call.", 1,
		   "sysname", u->sysname, "release", u->release, "version", u->version, "machine",
		   u->machine, "nodename", u->nodename, "domainname", u->domainname, NULL);
}

static int uname_update(struct scrape *s)
{
	struct utsname u;
	if (uname(&u) != 0)
		return -errno;
	uname_add(s, &u);
	return 0;
}

const struct collector uname_collector = { "uname", 1, uname_update, NULL, NULL };
