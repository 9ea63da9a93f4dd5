/* Helpers shared by the collectors: bounded file reads, directory
 * listings, field splitting, number parsing, device filters. */
#include "collector.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/dirscan.h"
#include "../../lib/log.h"

struct exporter_paths exporter_paths = { "/proc", "/sys", "/", "/run/udev/data" };

char *cpath(struct scrape *s, const char *root, const char *fmt, ...)
{
	/* Most calls pass a plain relative path or "%s": joined without
	 * vsnprintf (a scrape builds some 60 paths). */
	char rel[1024];
	const char *r = fmt;
	if (strchr(fmt, '%')) {
		va_list ap;
		va_start(ap, fmt);
		if (!strcmp(fmt, "%s"))
			r = va_arg(ap, const char *);
		else
			vsnprintf(rel, sizeof rel, fmt, ap);
		va_end(ap);
		if (r == fmt)
			r = rel;
	}
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (*r == '/')
		r++;
	size_t n = strlen(r);
	char *p = arena_alloc(s->arena, rl + n + 2);
	memcpy(p, root, rl);
	p[rl] = '/';
	memcpy(p + rl + 1, r, n + 1);
	return p;
}

static _Thread_local unsigned long scrape_number;
static atomic_ulong scrape_counter;

void scrape_begin(void)
{
	scrape_number = atomic_fetch_add(&scrape_counter, 1) + 1;
}

void scrape_end(void)
{
	scrape_number = 0;
}

unsigned long scrape_current(void)
{
	return scrape_number;
}

size_t cat_str(char *out, size_t cap, ...)
{
	va_list ap;
	va_start(ap, cap);
	size_t n = 0;
	const char *p;
	while ((p = va_arg(ap, const char *)) != NULL) {
		size_t l = strlen(p);
		if (l > cap - 1 - n)
			l = cap - 1 - n;
		memcpy(out + n, p, l);
		n += l;
	}
	va_end(ap);
	out[n] = 0;
	return n;
}

/* Files are opened with openat(AT_FDCWD, ...), not open(): musl's open()
 * follows O_CLOEXEC with an fcntl(F_SETFD) for old kernels, one more
 * system call per file, and a scrape opens some 150 files. */
int read_file(const char *path, struct buf *b)
{
	buf_reset(b);
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
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
	/* Read straight into the scrape arena (no malloc per file): most
	 * /proc and /sys files fit the first 4 KiB chunk (procfs hands out a
	 * page per read anyway); a larger one moves to a chunk twice the size,
	 * the old one staying in the arena until the scrape ends. 16 KiB
	 * chunks made a scrape touch ~400 KB of arena for ~60 KB of text. */
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *p = arena_alloc(s->arena, cap);
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= COLLECTOR_MAX_FILE)
				break;
			char *q = arena_alloc(s->arena, cap * 2);
			memcpy(q, p, len);
			p = q;
			cap *= 2;
		}
		ssize_t n = read(fd, p + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	p[len] = 0;
	return p;
}

int read_line(const char *path, char *out, size_t outlen)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
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
	/* Plain integers of up to 15 digits (most of /proc) are exact in a
	 * double, as strtod would make them; skip strtod's slow path. */
	uint64_t u = 0;
	size_t i = 0;
	while (i < 16 && s[i] >= '0' && s[i] <= '9')
		u = u * 10 + (uint64_t)(s[i++] - '0');
	if (!s[i] && i < 16) {
		*out = (double)u;
		return 0;
	}
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

struct list_dir_ctx {
	struct scrape *s;
	char **v;
	size_t n, cap;
};

static int list_dir_add(const char *name, unsigned char type, void *p)
{
	(void)type;
	struct list_dir_ctx *c = p;
	if (c->n == c->cap) {
		/* Grow an arena array (no malloc): doubling leaves at most as
		 * much again behind in the arena, freed with the scrape. */
		char **w = arena_alloc(c->s->arena, c->cap * 2 * sizeof *w);
		memcpy(w, c->v, c->n * sizeof *w);
		c->v = w;
		c->cap *= 2;
	}
	c->v[c->n++] = arena_strdup(c->s->arena, name);
	return c->n >= 100000; /* a directory this large is not a sysfs class */
}

int list_dir(struct scrape *s, const char *path, char ***names)
{
	struct list_dir_ctx c = { s, NULL, 0, 32 };
	c.v = arena_alloc(s->arena, c.cap * sizeof *c.v);
	int rc = dirscan(path, list_dir_add, &c);
	if (rc < 0)
		return rc;
	qsort(c.v, c.n, sizeof *c.v, str_cmp);
	*names = c.v;
	return (int)c.n;
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

/* The memo of dev_filter verdicts: open addressing over a fixed table of
 * 64-bit name hashes (a collision between two names in use is vanishingly
 * unlikely); when it fills up it is emptied and starts over. 1024 slots
 * hold every field name of /proc/net/{netstat,snmp,snmp6} at once. */
#define FILTER_MEMO_SLOTS 1024
struct filter_memo {
	pthread_mutex_t lock;
	size_t used;
	uint64_t key[FILTER_MEMO_SLOTS]; /* 0 = free */
	unsigned char ignored[FILTER_MEMO_SLOTS];
};

static uint64_t memo_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

int dev_filter_init(struct dev_filter *f, const char *include, const char *exclude,
		    const char *flag_name)
{
	memset(f, 0, sizeof *f);
	struct filter_memo *m = xcalloc(1, sizeof *m);
	pthread_mutex_init(&m->lock, NULL);
	f->cache = m;
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

void dev_filter_free(struct dev_filter *f)
{
	if (f->include)
		regfree(f->include);
	if (f->exclude)
		regfree(f->exclude);
	free(f->include);
	free(f->exclude);
	if (f->cache) {
		pthread_mutex_destroy(&((struct filter_memo *)f->cache)->lock);
		free(f->cache);
	}
	memset(f, 0, sizeof *f);
}

static int dev_filter_match(const struct dev_filter *f, const char *name)
{
	if (f->has_exclude && regexec(f->exclude, name, 0, NULL, 0) == 0)
		return 1;
	if (f->has_include && regexec(f->include, name, 0, NULL, 0) != 0)
		return 1;
	return 0;
}

int dev_filter_ignored(const struct dev_filter *f, const char *name)
{
	if (!f->has_include && !f->has_exclude)
		return 0;
	struct filter_memo *m = f->cache;
	if (!m)
		return dev_filter_match(f, name);
	uint64_t h = memo_hash(name);
	pthread_mutex_lock(&m->lock);
	size_t i = h % FILTER_MEMO_SLOTS;
	for (; m->key[i]; i = (i + 1) % FILTER_MEMO_SLOTS)
		if (m->key[i] == h) {
			int v = m->ignored[i];
			pthread_mutex_unlock(&m->lock);
			return v;
		}
	pthread_mutex_unlock(&m->lock);
	/* Match outside the lock: regexec may be slow, and two threads
	 * computing the same verdict is harmless. */
	int v = dev_filter_match(f, name);
	pthread_mutex_lock(&m->lock);
	if (m->used + 1 >= FILTER_MEMO_SLOTS * 3 / 4) {
		memset(m->key, 0, sizeof m->key);
		m->used = 0;
	}
	for (i = h % FILTER_MEMO_SLOTS; m->key[i] && m->key[i] != h; i = (i + 1) % FILTER_MEMO_SLOTS)
		;
	if (!m->key[i])
		m->used++;
	m->key[i] = h;
	m->ignored[i] = (unsigned char)v;
	pthread_mutex_unlock(&m->lock);
	return v;
}
