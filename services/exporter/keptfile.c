/* keptfile.c - /proc and /sys files kept open between scrapes. See
 * keptfile.h. */
#include "keptfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../../lib/buf.h"

#define PROC_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572

/* Open-addressing table of KEPT_MAX * 2 slots; entries are never removed
 * (a path keeps its slot, its descriptor may be replaced), so a slot found
 * stays valid. The table lock guards lookup and insertion; each entry's
 * lock guards its descriptor while it is read or replaced. */
struct kept {
	char *path; /* malloc'd; NULL: free slot */
	uint32_t hash;
	int fd;     /* -1 while closed */
	pthread_mutex_t lock;
};
#define KEPT_SLOTS (KEPT_MAX * 2)
static struct kept kept_tab[KEPT_SLOTS];
static size_t kept_count;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t kept_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int kept_keepable(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && (sf.f_type == PROC_MAGIC || sf.f_type == SYSFS_MAGIC);
}

/* The entry for path, locked, with an open descriptor; or NULL when the
 * file is not kept, *fd then being a descriptor the caller must close (or
 * -1 with errno set if the open failed). */
static struct kept *kept_get(const char *path, int *fd)
{
	uint32_t h = kept_hash(path);
	size_t j = h & (KEPT_SLOTS - 1);
	pthread_mutex_lock(&kept_lock);
	for (; kept_tab[j].path; j = (j + 1) & (KEPT_SLOTS - 1))
		if (kept_tab[j].hash == h && !strcmp(kept_tab[j].path, path))
			break;
	struct kept *k = kept_tab[j].path ? &kept_tab[j] : NULL;
	pthread_mutex_unlock(&kept_lock);
	if (k) {
		pthread_mutex_lock(&k->lock);
		if (k->fd < 0)
			k->fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (k->fd >= 0)
			return k;
		int e = errno;
		*fd = -1;
		pthread_mutex_unlock(&k->lock);
		errno = e;
		return NULL;
	}
	*fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || !kept_keepable(*fd))
		return NULL;
	pthread_mutex_lock(&kept_lock);
	/* Look again: another thread may have added it meanwhile. */
	for (j = h & (KEPT_SLOTS - 1); kept_tab[j].path; j = (j + 1) & (KEPT_SLOTS - 1))
		if (kept_tab[j].hash == h && !strcmp(kept_tab[j].path, path))
			break;
	if (kept_tab[j].path || kept_count >= KEPT_MAX) {
		pthread_mutex_unlock(&kept_lock);
		return NULL; /* the caller reads and closes its own */
	}
	k = &kept_tab[j];
	pthread_mutex_init(&k->lock, NULL);
	k->hash = h;
	k->fd = *fd;
	k->path = xstrdup(path);
	kept_count++;
	pthread_mutex_lock(&k->lock);
	pthread_mutex_unlock(&kept_lock);
	return k;
}

/* Reading a kept file: fn(fd, ctx) returns >= 0 or -errno; on a failure
 * the file is opened afresh once (its object may have been replaced). */
static long kept_with(const char *path, long (*fn)(int fd, void *ctx), void *ctx)
{
	int fd;
	struct kept *k = kept_get(path, &fd);
	if (!k) {
		if (fd < 0)
			return -errno;
		long r = fn(fd, ctx);
		close(fd);
		return r;
	}
	long r = fn(k->fd, ctx);
	if (r < 0) {
		close(k->fd);
		k->fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		r = k->fd < 0 ? -errno : fn(k->fd, ctx);
	}
	pthread_mutex_unlock(&k->lock);
	return r;
}

struct arena_ctx {
	struct scrape *s;
	char *p;
};

static long kept_arena_fn(int fd, void *ctx)
{
	/* As read_file_arena(): into a 4 KiB chunk of the scrape arena, then
	 * a chunk twice the size while the file fills it. */
	struct arena_ctx *c = ctx;
	size_t cap = 4096, len = 0;
	char *p = arena_alloc(c->s->arena, cap);
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= COLLECTOR_MAX_FILE)
				break;
			char *q = arena_alloc(c->s->arena, cap * 2);
			memcpy(q, p, len);
			p = q;
			cap *= 2;
		}
		ssize_t n = pread(fd, p + len, cap - 1 - len, (off_t)len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	p[len] = 0;
	c->p = p;
	return (long)len;
}

char *kept_read_arena(struct scrape *s, const char *path)
{
	struct arena_ctx c = { s, NULL };
	long r = kept_with(path, kept_arena_fn, &c);
	if (r < 0) {
		errno = (int)-r;
		return NULL;
	}
	return c.p;
}

struct once_ctx {
	char *out;
	size_t len;
};

static long kept_once_fn(int fd, void *ctx)
{
	struct once_ctx *c = ctx;
	ssize_t n;
	do
		n = pread(fd, c->out, c->len, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (long)n;
}

long kept_read_once(const char *path, char *out, size_t len)
{
	struct once_ctx c = { out, len };
	return kept_with(path, kept_once_fn, &c);
}

int kept_read_line(const char *path, char *out, size_t outlen)
{
	long n = kept_read_once(path, out, outlen - 1);
	if (n < 0)
		return (int)n;
	out[n] = 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
	size_t l = strlen(out);
	while (l && (out[l - 1] == ' ' || out[l - 1] == '\t' || out[l - 1] == '\r'))
		out[--l] = 0;
	return 0;
}

int kept_read_u64(const char *path, uint64_t *out)
{
	char line[128];
	int rc = kept_read_line(path, line, sizeof line);
	if (rc < 0)
		return rc;
	return parse_u64(line, out) == 0 ? 0 : -EINVAL;
}
