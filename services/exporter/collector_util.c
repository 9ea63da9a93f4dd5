/* Helpers shared by the collectors: bounded file reads, directory
 * listings, field splitting, number parsing, device filters. */
#include "collector.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/log.h"

struct exporter_paths exporter_paths = { "/proc", "/sys", "/", "/run/udev/data" };

char *cpath(struct scrape *s, const char *root, const char *fmt, ...)
{
	char rel[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	return arena_printf(s->arena, "%.*s/%s", (int)rl, root, rel[0] == '/' ? rel + 1 : rel);
}

int read_file(const char *path, struct buf *b)
{
	buf_reset(b);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		buf_reserve(b, 4096);
		size_t room = b->cap - b->len - 1;
		if (b->len + room > COLLECTOR_MAX_FILE)
			room = COLLECTOR_MAX_FILE - b->len;
		if (room == 0)
			break;
		ssize_t n = read(fd, b->p + b->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	if (b->p)
		b->p[b->len] = 0;
	else
		buf_puts(b, "");
	close(fd);
	return 0;
}

char *read_file_arena(struct scrape *s, const char *path)
{
	struct buf b = BUF_INIT;
	int rc = read_file(path, &b);
	if (rc < 0) {
		buf_free(&b);
		errno = -rc;
		return NULL;
	}
	char *out = arena_strndup(s->arena, b.p, b.len);
	buf_free(&b);
	return out;
}

int read_line(const char *path, char *out, size_t outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, out, outlen - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	out[n] = 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
	size_t l = strlen(out);
	while (l && (out[l - 1] == ' ' || out[l - 1] == '\t' || out[l - 1] == '\r'))
		out[--l] = 0;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	if (!*s || *s == '-')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	if (!*s)
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int read_u64(const char *path, uint64_t *out)
{
	char line[128];
	int rc = read_line(path, line, sizeof line);
	if (rc < 0)
		return rc;
	return parse_u64(line, out) == 0 ? 0 : -EINVAL;
}

int read_double(const char *path, double *out)
{
	char line[128];
	int rc = read_line(path, line, sizeof line);
	if (rc < 0)
		return rc;
	return parse_double(line, out) == 0 ? 0 : -EINVAL;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_dir(struct scrape *s, const char *path, char ***names)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	size_t n = 0, cap = 16;
	char **v = xmalloc(cap * sizeof *v);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = arena_strdup(s->arena, de->d_name);
		if (n >= 100000) /* a directory this large is not a sysfs class */
			break;
	}
	closedir(d);
	qsort(v, n, sizeof *v, str_cmp);
	char **out = arena_alloc(s->arena, (n ? n : 1) * sizeof *out);
	memcpy(out, v, n * sizeof *out);
	free(v);
	*names = out;
	return (int)n;
}

int split_fields(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

char *next_line(char **p)
{
	char *s = *p;
	if (!s || !*s)
		return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = 0;
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

char *sanitize_name(struct scrape *s, const char *name)
{
	char *out = arena_strdup(s->arena, name);
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	return out;
}

/* Translate the RE2 shorthands that node_exporter's default patterns and
 * users' flags use (\d \D \w \W \s \S) into POSIX ERE. */
static char *re2_to_ere(const char *re)
{
	struct buf b = BUF_INIT;
	int in_class = 0;
	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			const char *rep = NULL;
			switch (p[1]) {
			case 'd': rep = in_class ? "0-9" : "[0-9]"; break;
			case 'D': rep = "[^0-9]"; break;
			case 'w': rep = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]"; break;
			case 'W': rep = "[^A-Za-z0-9_]"; break;
			case 's': rep = in_class ? "[:space:]" : "[[:space:]]"; break;
			case 'S': rep = "[^[:space:]]"; break;
			}
			if (rep) {
				buf_puts(&b, rep);
			} else {
				buf_putc(&b, '\\');
				buf_putc(&b, p[1]);
			}
			p++;
			continue;
		}
		if (*p == '[' && !in_class)
			in_class = 1;
		else if (*p == ']' && in_class)
			in_class = 0;
		buf_putc(&b, *p);
	}
	return buf_steal(&b);
}

static void *compile_re(const char *pattern, const char *flag_name)
{
	char *ere = re2_to_ere(pattern);
	regex_t *re = xmalloc(sizeof *re);
	int rc = regcomp(re, ere, REG_EXTENDED | REG_NOSUB);
	free(ere);
	if (rc != 0) {
		char msg[256];
		regerror(rc, re, msg, sizeof msg);
		fprintf(stderr, "pharos-exporter: --%s: invalid regular expression \"%s\": %s\n",
			flag_name, pattern, msg);
		free(re);
		return NULL;
	}
	return re;
}

int dev_filter_init(struct dev_filter *f, const char *include, const char *exclude,
		    const char *flag_name)
{
	memset(f, 0, sizeof *f);
	if (include && *include) {
		if (!(f->include = compile_re(include, flag_name)))
			return -1;
		f->has_include = 1;
	}
	if (exclude && *exclude) {
		if (!(f->exclude = compile_re(exclude, flag_name)))
			return -1;
		f->has_exclude = 1;
	}
	return 0;
}

int dev_filter_ignored(const struct dev_filter *f, const char *name)
{
	if (f->has_exclude && regexec(f->exclude, name, 0, NULL, 0) == 0)
		return 1;
	if (f->has_include && regexec(f->include, name, 0, NULL, 0) != 0)
		return 1;
	return 0;
}
