/* xtest.c - shared plumbing for the exporter collectors' unit tests; see
 * xtest.h. */
#include "xtest.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void xtest_init(struct xtest *t)
{
	mset_init(&t->ms);
	t->arena = (struct arena)ARENA_INIT;
	t->s = (struct scrape){ &t->ms, &t->arena };
}

void xtest_free(struct xtest *t)
{
	mset_free(&t->ms);
	arena_free(&t->arena);
}

char *xtest_render(struct mset *ms, int keep_help)
{
	struct buf b = BUF_INIT;
	mset_write(ms, &b);
	if (keep_help)
		return buf_steal(&b);
	struct buf o = BUF_INIT;
	char *p = b.p ? b.p : "", *line;
	while ((line = next_line(&p)) != NULL)
		if (strncmp(line, "# HELP", 6) != 0)
			buf_printf(&o, "%s\n", line);
	buf_free(&b);
	return buf_steal(&o);
}

int xtest_has_line(const char *text, const char *line)
{
	size_t l = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[l] == '\n')
			return 1;
	return 0;
}

int xtest_parse(int (*parse)(struct scrape *s, char *text), const char *text, int keep_help,
		char **out)
{
	struct xtest t;
	xtest_init(&t);
	char *copy = xstrdup(text);
	int rc = parse(&t.s, copy);
	*out = xtest_render(&t.ms, keep_help);
	free(copy);
	xtest_free(&t);
	return rc;
}

int xtest_collect(const struct collector *c, const char *procfs, const char *sysfs,
		  const char *rootfs, int keep_help, char **out)
{
	struct exporter_paths saved = exporter_paths;
	if (procfs)
		exporter_paths.procfs = procfs;
	if (sysfs)
		exporter_paths.sysfs = sysfs;
	if (rootfs)
		exporter_paths.rootfs = rootfs;
	struct xtest t;
	xtest_init(&t);
	int rc = c->update(&t.s);
	exporter_paths = saved;
	*out = xtest_render(&t.ms, keep_help);
	xtest_free(&t);
	return rc;
}

char *xtest_tree(const char *tag)
{
	char tmpl[256];
	snprintf(tmpl, sizeof tmpl, "/tmp/pharos-%s-XXXXXX", tag);
	return mkdtemp(tmpl) ? xstrdup(tmpl) : NULL;
}

/* "<root>/<rel>" into path; -1 (ENAMETOOLONG) if it does not fit. */
static int xtest_join(char *path, size_t size, const char *root, const char *rel)
{
	int n = snprintf(path, size, "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int xtest_write(const char *root, const char *rel, const char *content)
{
	char path[1024];
	if (xtest_join(path, sizeof path, root, rel) != 0)
		return -1;
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = 0;
		mkdir(path, 0755); /* EEXIST is fine; other errors show below */
		*p = '/';
	}
	if (!content)
		return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int bad = fputs(content, f) < 0;
	return fclose(f) != 0 || bad ? -1 : 0;
}

int xtest_symlink(const char *root, const char *target, const char *rel)
{
	char path[1024];
	if (xtest_join(path, sizeof path, root, rel) != 0)
		return -1;
	return symlink(target, path);
}

int xtest_unlink(const char *root, const char *rel)
{
	char path[1024];
	if (xtest_join(path, sizeof path, root, rel) != 0)
		return -1;
	return unlink(path);
}

/* nftw() has no argument for its callback: what failed is counted here
 * (one tree at a time; the tests run one after the other). */
static int xtest_rm_failed;

static int xtest_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	if (remove(path) != 0)
		xtest_rm_failed++;
	return 0; /* go on, as rm -rf does */
}

int xtest_rmtree(const char *root)
{
	xtest_rm_failed = 0;
	int rc = nftw(root, xtest_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc == 0 && xtest_rm_failed == 0 ? 0 : -1;
}
