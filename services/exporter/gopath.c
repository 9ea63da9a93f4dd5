/* gopath.c - Go's filepath.Clean/Join/Glob. See gopath.h. */
#include "gopath.h"

#include <dirent.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *gopath_clean(struct arena *a, const char *path)
{
	size_t n = strlen(path);
	if (n == 0)
		return arena_strdup(a, ".");
	int rooted = path[0] == '/';
	char *out = arena_alloc(a, n + 2);
	size_t w = 0, r = 0, dotdot = 0; /* dotdot: where ".." may not back up past */
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = 0;
	return out;
}

char *gopath_join(struct arena *a, const char *dir, const char *name)
{
	if (!*dir && !*name)
		return arena_strdup(a, "");
	if (!*dir)
		return gopath_clean(a, name);
	if (!*name)
		return gopath_clean(a, dir);
	return gopath_clean(a, arena_printf(a, "%s/%s", dir, name));
}

struct glob_out {
	struct arena *a;
	char **v;
	size_t n;
};

static int has_meta(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void glob_push(struct glob_out *g, char *path)
{
	if (g->n < GOPATH_GLOB_MAX)
		g->v[g->n++] = path;
}

/* The entries of dir matching the single-element pattern pat, sorted. */
static void glob_dir(struct glob_out *g, const char *dir, const char *pat)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t n = 0, cap = 64;
	char **names = xmalloc(cap * sizeof *names);
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < 100000) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fnmatch(pat, de->d_name, 0) != 0)
			continue;
		if (n == cap)
			names = xrealloc(names, (cap *= 2) * sizeof *names);
		names[n++] = arena_strdup(g->a, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++)
		glob_push(g, gopath_join(g->a, dir, names[i]));
	free(names);
}

static void glob_rec(struct glob_out *g, const char *pattern, int depth)
{
	if (!has_meta(pattern)) {
		struct stat st;
		if (lstat(pattern, &st) == 0)
			glob_push(g, arena_strdup(g->a, pattern));
		return;
	}
	const char *slash = strrchr(pattern, '/');
	const char *file = slash ? slash + 1 : pattern;
	char *dir;
	if (!slash)
		dir = arena_strdup(g->a, ".");
	else if (slash == pattern)
		dir = arena_strdup(g->a, "/");
	else
		dir = arena_strndup(g->a, pattern, (size_t)(slash - pattern));
	if (!has_meta(dir)) {
		glob_dir(g, dir, file);
		return;
	}
	if (depth > 64 || !strcmp(dir, pattern))
		return;
	/* Expand the directory part first, then match file in each. */
	struct glob_out dirs = { g->a, arena_alloc(g->a, GOPATH_GLOB_MAX * sizeof(char *)), 0 };
	glob_rec(&dirs, dir, depth + 1);
	for (size_t i = 0; i < dirs.n; i++)
		glob_dir(g, dirs.v[i], file);
}

int gopath_glob(struct arena *a, const char *pattern, char ***paths)
{
	struct glob_out g = { a, arena_alloc(a, GOPATH_GLOB_MAX * sizeof(char *)), 0 };
	glob_rec(&g, pattern, 0);
	*paths = g.v;
	return (int)g.n;
}
