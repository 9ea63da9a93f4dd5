/* httpd_test.c - the HTTP server layer over loopback: routing (exact,
 * prefix, 404, 405 with Allow, 413), HEAD, responses of every size class
 * (small ones coalesced, large ones not), and the worker thread's request
 * arena (kept between requests, freed after a huge one). */
#include "../unit.h"
#include "../../../lib/httpd.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- handlers ---- */

static void h_size(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	const char *n = httpd_query(req, "n");
	size_t len = n ? strtoul(n, NULL, 10) : 0;
	char *body = arena_alloc(&req->arena, len + 1);
	for (size_t i = 0; i < len; i++)
		body[i] = (char)('a' + i % 26);
	httpd_reply(req, 200, "text/plain", body, len);
}

static void h_prefix(struct httpd_req *req, void *ctx)
{
	httpd_reply(req, 200, NULL, ctx, strlen(ctx));
}

static void h_echo(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	struct buf b = BUF_INIT;
	if (httpd_read_body(req, &b) == 0)
		httpd_reply(req, 200, "text/plain", b.p, b.len);
	buf_free(&b);
}

/* What the arena looked like when the last /arena request began. */
static struct arena_block *arena_seen;
static size_t arena_seen_size;

static void h_arena(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	arena_seen = req->arena.head;
	arena_seen_size = req->arena.head ? malloc_usable_size(req->arena.head) : 0;
	const char *n = httpd_query(req, "alloc");
	size_t len = n ? strtoul(n, NULL, 10) : 0;
	char *p = arena_alloc(&req->arena, len ? len : 1);
	memset(p, 1, len ? len : 1);
	httpd_reply(req, 200, NULL, "ok", 2);
}

static void h_silent(struct httpd_req *req, void *ctx)
{
	(void)req;
	(void)ctx;
}

static const struct httpd_route routes[] = {
	{ "/size", HTTPD_GET, h_size, NULL },
	{ "/api/x*", HTTPD_GET, h_prefix, "short" },
	{ "/api/xy*", HTTPD_GET, h_prefix, "long" },
	{ "/api/xyz", HTTPD_GET, h_prefix, "exact" },
	{ "/echo", HTTPD_POST | HTTPD_PUT, h_echo, NULL },
	{ "/arena", HTTPD_GET, h_arena, NULL },
	{ "/silent", HTTPD_GET, h_silent, NULL },
};

static struct httpd *start(void)
{
	struct httpd_opts o = { .listen = "127.0.0.1:0", .threads = 1, .max_body_bytes = 1000 };
	struct httpd *h = NULL;
	char err[256];
	if (httpd_start(&h, &o, routes, sizeof routes / sizeof routes[0], err, sizeof err) != 0) {
		fprintf(stderr, "httpd_start: %s\n", err);
		return NULL;
	}
	return h;
}

/* Send raw (one request with Connection: close) and read the whole answer
 * into a malloc'd string. Returns NULL on a socket error. */
static char *roundtrip(struct httpd *h, const char *raw, size_t *outlen)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)httpd_port(h)) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	size_t rl = strlen(raw);
	if (write(fd, raw, rl) != (ssize_t)rl) {
		close(fd);
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[16384];
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n <= 0)
			break;
		buf_put(&b, chunk, (size_t)n);
	}
	close(fd);
	*outlen = b.len;
	return buf_steal(&b);
}

static char *get(struct httpd *h, const char *method, const char *path, size_t *len)
{
	char raw[512];
	snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 method, path);
	return roundtrip(h, raw, len);
}

static const char *body_of(const char *resp)
{
	const char *e = strstr(resp, "\r\n\r\n");
	return e ? e + 4 : "";
}

TEST(httpd_routes_exact_prefix_404_405)
{
	struct httpd *h = start();
	CHECK(h);
	size_t n;
	char *r = get(h, "GET", "/api/xyz", &n);
	int ok = r && !strncmp(r, "HTTP/1.1 200 ", 13) && !strcmp(body_of(r), "exact");
	free(r);
	r = get(h, "GET", "/api/xyq", &n);
	ok = ok && r && !strcmp(body_of(r), "long");
	free(r);
	r = get(h, "GET", "/api/xa", &n);
	ok = ok && r && !strcmp(body_of(r), "short");
	free(r);
	r = get(h, "GET", "/nope", &n);
	ok = ok && r && !strncmp(r, "HTTP/1.1 404 ", 13) && !strcmp(body_of(r), "not found\n");
	free(r);
	r = get(h, "DELETE", "/size", &n);
	ok = ok && r && !strncmp(r, "HTTP/1.1 405 ", 13) && strstr(r, "Allow: GET, HEAD\r\n") &&
	     !strcmp(body_of(r), "method not allowed\n");
	free(r);
	r = get(h, "HEAD", "/echo", &n);
	ok = ok && r && !strncmp(r, "HTTP/1.1 405 ", 13) && strstr(r, "Allow: POST, PUT\r\n") &&
	     !strcmp(body_of(r), "");
	free(r);
	r = get(h, "GET", "/silent", &n);
	ok = ok && r && !strncmp(r, "HTTP/1.1 500 ", 13);
	free(r);
	httpd_stop(h);
	CHECK(ok);
}

TEST(httpd_bodies_of_every_size)
{
	struct httpd *h = start();
	CHECK(h);
	/* empty, small, exactly the coalescing limit, and larger ones that go
	 * out as a first chunk plus the rest */
	static const size_t sizes[] = { 0, 1, 100, 65536, 65537, 300000, 2000000 };
	int ok = 1;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && ok; i++) {
		char path[64], want[64];
		snprintf(path, sizeof path, "/size?n=%zu", sizes[i]);
		snprintf(want, sizeof want, "Content-Length: %zu\r\n", sizes[i]);
		size_t n;
		char *r = get(h, "GET", path, &n);
		const char *b = r ? body_of(r) : NULL;
		ok = r && strstr(r, want) && strstr(r, "Content-Type: text/plain\r\n") &&
		     (size_t)(r + n - b) == sizes[i];
		for (size_t j = 0; ok && j < sizes[i]; j++)
			ok = b[j] == (char)('a' + j % 26);
		if (!ok)
			fprintf(stderr, "size %zu failed\n", sizes[i]);
		free(r);
		/* HEAD: the same head, no body */
		r = get(h, "HEAD", path, &n);
		ok = ok && r && strstr(r, want) && !strcmp(body_of(r), "");
		free(r);
	}
	httpd_stop(h);
	CHECK(ok);
}

TEST(httpd_body_limit_413)
{
	struct httpd *h = start();
	CHECK(h);
	size_t n;
	char *r = roundtrip(h, "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			       "Content-Length: 5\r\n\r\nhello", &n);
	int ok = r && !strncmp(r, "HTTP/1.1 200 ", 13) && !strcmp(body_of(r), "hello");
	free(r);
	r = roundtrip(h, "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			 "Content-Length: 1001\r\n\r\n", &n);
	ok = ok && r && !strncmp(r, "HTTP/1.1 413 ", 13);
	free(r);
	httpd_stop(h);
	CHECK(ok);
}

TEST(httpd_worker_keeps_its_arena)
{
	struct httpd *h = start(); /* one worker thread: every request on it */
	CHECK(h);
	size_t n;
	free(get(h, "GET", "/arena?alloc=100", &n));
	free(get(h, "GET", "/arena?alloc=100", &n));
	struct arena_block *kept = arena_seen;
	free(get(h, "GET", "/arena?alloc=100", &n));
	/* the block of the previous request is reused, not freed */
	int reused = kept && arena_seen == kept;
	/* a huge request: its memory is not kept afterwards */
	free(get(h, "GET", "/arena?alloc=8000000", &n));
	free(get(h, "GET", "/arena?alloc=100", &n));
	int capped = arena_seen_size <= ((size_t)1 << 20) + 4096;
	httpd_stop(h);
	CHECK(reused);
	CHECK(capped);
}
