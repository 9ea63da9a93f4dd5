#include "logring.h"

#include <string.h>

void logring_init(struct logring *r)
{
	r->start = 0;
	r->len = 0;
}

static char logring_at(const struct logring *r, size_t i)
{
	return r->buf[(r->start + i) % LOGRING_SIZE];
}

/* Drop the oldest line. */
static void logring_drop(struct logring *r)
{
	size_t i = 0;
	while (i < r->len && logring_at(r, i) != '\n')
		i++;
	i += i < r->len; /* the '\n' */
	r->start = (r->start + i) % LOGRING_SIZE;
	r->len -= i;
}

void logring_put(struct logring *r, const char *line, size_t n)
{
	if (n > LOGRING_SIZE - 1) {
		line += n - (LOGRING_SIZE - 1);
		n = LOGRING_SIZE - 1;
	}
	while (r->len + n + 1 > LOGRING_SIZE)
		logring_drop(r);
	size_t end = (r->start + r->len) % LOGRING_SIZE;
	size_t first = n < LOGRING_SIZE - end ? n : LOGRING_SIZE - end;
	memcpy(r->buf + end, line, first);
	memcpy(r->buf, line + first, n - first);
	r->buf[(end + n) % LOGRING_SIZE] = '\n';
	r->len += n + 1;
}

size_t logring_copy(const struct logring *r, char *out, size_t cap)
{
	size_t skip = 0;
	if (r->len > cap) {
		/* The newest whole lines that fit. */
		skip = r->len - cap;
		while (skip < r->len && logring_at(r, skip - 1) != '\n')
			skip++;
	}
	size_t n = r->len - skip;
	for (size_t i = 0; i < n; i++)
		out[i] = logring_at(r, skip + i);
	return n;
}

void logsplit_feed(struct logsplit *ls, const char *data, size_t n,
		   void (*emit)(const char *line, size_t len, void *ctx), void *ctx)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		while (take) {
			size_t room = LOGLINE_MAX - ls->len;
			size_t k = take < room ? take : room;
			memcpy(ls->buf + ls->len, data, k);
			ls->len += k;
			data += k;
			n -= k;
			take -= k;
			if (ls->len == LOGLINE_MAX) {
				emit(ls->buf, ls->len, ctx);
				ls->len = 0;
			}
		}
		if (nl) {
			size_t l = ls->len;
			if (l && ls->buf[l - 1] == '\r')
				l--;
			emit(ls->buf, l, ctx);
			ls->len = 0;
			data++;
			n--;
		}
	}
}

void logsplit_flush(struct logsplit *ls, void (*emit)(const char *line, size_t len, void *ctx),
		    void *ctx)
{
	if (ls->len)
		emit(ls->buf, ls->len, ctx);
	ls->len = 0;
}
