/* netutil.c - see netutil.h. */
#include "netutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Go's underscoreOK: '_' only between digits or after a base prefix. */
static int underscores_ok(const char *s)
{
	char saw = '^';
	size_t i = 0, n = strlen(s);
	if (n && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	int hex = 0;
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		int c = lower(s[i]);
		if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
			saw = '0';
			continue;
		}
		if (c == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

int netutil_parse_uint(const char *s, int base, uint64_t *out)
{
	const char *s0 = s;
	if (!*s)
		return -1;
	int base0 = base == 0;
	if (base0) {
		base = 10;
		if (s[0] == '0') {
			size_t n = strlen(s);
			if (n >= 3 && lower(s[1]) == 'b') {
				base = 2;
				s += 2;
			} else if (n >= 3 && lower(s[1]) == 'o') {
				base = 8;
				s += 2;
			} else if (n >= 3 && lower(s[1]) == 'x') {
				base = 16;
				s += 2;
			} else {
				base = 8;
				s++;
			}
		}
	} else if (base < 2 || base > 36) {
		return -1;
	}
	uint64_t v = 0;
	int under = 0;
	for (; *s; s++) {
		int c = lower(*s), d;
		if (c == '_' && base0) {
			under = 1;
			continue;
		}
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (under && !underscores_ok(s0))
		return -1;
	*out = v;
	return 0;
}

int netutil_parse_int(const char *s, int base, int64_t *out)
{
	if (!*s)
		return -1;
	int neg = 0;
	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	uint64_t u;
	if (netutil_parse_uint(s, base, &u) != 0)
		return -1;
	uint64_t cutoff = (uint64_t)1 << 63;
	if ((!neg && u >= cutoff) || (neg && u > cutoff))
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

char *netutil_trim(char *s)
{
	size_t n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = 0;
	size_t i = 0;
	while (is_space(s[i]))
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
	return s;
}

#define LINE_MAX_BYTES (64u * 1024u)
#define LINE_BUF_BYTES (2 * LINE_MAX_BYTES)

/* Each thread keeps its line buffer for its life: a fresh 128 KiB per
 * file would cost an mmap, page faults and an munmap every time. */
static pthread_key_t line_buf_key;
static pthread_once_t line_buf_once = PTHREAD_ONCE_INIT;

static void line_buf_key_init(void)
{
	pthread_key_create(&line_buf_key, free);
}

static char *line_thread_buf(void)
{
	pthread_once(&line_buf_once, line_buf_key_init);
	char *b = pthread_getspecific(line_buf_key);
	if (!b && (b = malloc(LINE_BUF_BYTES + 1)) != NULL &&
	    pthread_setspecific(line_buf_key, b) != 0) {
		free(b);
		b = NULL;
	}
	return b;
}

int netutil_each_line(const char *path, int (*fn)(char *line, void *ctx), void *ctx)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* buf holds the unfinished line, then a chunk; one line at most
	 * LINE_MAX_BYTES, the rest is dropped until its newline. */
	size_t cap = LINE_BUF_BYTES;
	char *buf = line_thread_buf();
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t have = 0;
	int skipping = 0, rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0) {
			if (have && !skipping) {
				buf[have] = 0;
				rc = fn(buf, ctx);
			}
			break;
		}
		have += (size_t)n;
		size_t start = 0;
		char *nl;
		while ((nl = memchr(buf + start, '\n', have - start)) != NULL) {
			*nl = 0;
			if (!skipping && (rc = fn(buf + start, ctx)) < 0)
				goto out;
			skipping = 0;
			start = (size_t)(nl - buf) + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have >= LINE_MAX_BYTES) {
			/* An overlong line: hand over its start, drop the rest. */
			if (!skipping) {
				buf[LINE_MAX_BYTES] = 0;
				if ((rc = fn(buf, ctx)) < 0)
					goto out;
			}
			skipping = 1;
			have = 0;
		}
	}
out:
	close(fd);
	return rc;
}

static int split_ws(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		f[n++] = p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

/* "a:b" with exactly one colon; returns the part after it or NULL. */
static char *split_colon(char *s)
{
	char *c = strchr(s, ':');
	if (!c || strchr(c + 1, ':'))
		return NULL;
	*c = 0;
	return c + 1;
}

static int hex_addr_ok(const char *h)
{
	size_t n = strlen(h);
	if (n != 8 && n != 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = lower(h[i]);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

int netutil_parse_sock_line(char *line, struct netutil_sock *out)
{
	char *f[12];
	int n = split_ws(line, f, 12);
	if (n < 10)
		return -1;
	uint64_t u;
	char *rest = split_colon(f[0]);
	if (!rest || netutil_parse_uint(f[0], 0, &u) != 0)
		return -1;
	for (int i = 1; i <= 2; i++) {
		char *port = split_colon(f[i]);
		if (!port || !hex_addr_ok(f[i]) || netutil_parse_uint(port, 16, &u) != 0)
			return -1;
	}
	if (netutil_parse_uint(f[3], 16, &out->state) != 0)
		return -1;
	char *rx = split_colon(f[4]);
	if (!rx || netutil_parse_uint(f[4], 16, &out->tx_queue) != 0 ||
	    netutil_parse_uint(rx, 16, &out->rx_queue) != 0)
		return -1;
	if (netutil_parse_uint(f[7], 0, &u) != 0 || netutil_parse_uint(f[9], 0, &u) != 0)
		return -1;
	return 0;
}

void netutil_format_ip(const unsigned char *ip, size_t len, char *out)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (len == 16 && memcmp(ip, v4mapped, 12) == 0) {
		ip += 12;
		len = 4;
	}
	if (len == 4) {
		sprintf(out, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
		return;
	}
	if (len != 16) {
		strcpy(out, "?");
		return;
	}
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8;) {
		if (g[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	char *p = out;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i && i != best + bestlen)
			*p++ = ':';
		p += sprintf(p, "%x", g[i]);
	}
	*p = 0;
}
