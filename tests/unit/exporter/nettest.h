/* nettest.h - helpers for the network collectors' unit tests (owner: h3):
 * a scrape with its own metric set and arena, the text it writes, a
 * throw-away procfs tree, and hand-made netlink messages. */
#ifndef PHAROS_TESTS_NETTEST_H
#define PHAROS_TESTS_NETTEST_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"
#include "../../../services/exporter/netcollectors.h"
#include "../../../services/exporter/netlink.h"
#include "../../../services/exporter/netutil.h"

struct nettest {
	struct mset ms;
	struct arena arena;
	struct scrape s;
	struct buf out;
	char dir[64]; /* a temporary tree, "" if none */
};

static inline void nettest_init(struct nettest *t)
{
	memset(t, 0, sizeof *t);
	mset_init(&t->ms);
	t->arena = (struct arena)ARENA_INIT;
	t->s = (struct scrape){ &t->ms, &t->arena };
}

/* The exposition text of everything added so far (owned by t). */
static inline const char *nettest_text(struct nettest *t)
{
	buf_reset(&t->out);
	mset_write(&t->ms, &t->out);
	return t->out.p ? t->out.p : "";
}

/* Does the output contain this whole line? */
static inline int nettest_has(struct nettest *t, const char *line)
{
	const char *text = nettest_text(t);
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return 1;
	return 0;
}

/* Create a temporary directory to serve as procfs/sysfs. */
static inline const char *nettest_tree(struct nettest *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/pharos-unit-XXXXXX");
	return mkdtemp(t->dir);
}

/* Write rel (with its parent directories) under the tree. */
static inline int nettest_file(struct nettest *t, const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	for (char *p = path + strlen(t->dir) + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(content, f);
	return fclose(f);
}

static inline int nettest_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void nettest_free(struct nettest *t)
{
	if (t->dir[0])
		nftw(t->dir, nettest_rm, 16, FTW_DEPTH | FTW_PHYS);
	buf_free(&t->out);
	mset_free(&t->ms);
	arena_free(&t->arena);
}

/* Build netlink attributes / messages in a caller's buffer. */
struct nettest_msg {
	unsigned char b[4096];
	size_t len;
};

static inline void nettest_attr(struct nettest_msg *m, uint16_t type, const void *data, size_t len)
{
	nl_put_attr(m->b, sizeof m->b, &m->len, type, data, len);
}

static inline void nettest_attr_u32(struct nettest_msg *m, uint16_t type, uint32_t v)
{
	nettest_attr(m, type, &v, 4);
}

static inline void nettest_attr_str(struct nettest_msg *m, uint16_t type, const char *s)
{
	nettest_attr(m, type, s, strlen(s) + 1);
}

#endif
