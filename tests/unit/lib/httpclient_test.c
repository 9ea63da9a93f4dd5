/* httpclient_test.c - the HTTP client against a tiny server thread on
 * loopback (plain, chunked, oversize, slow, garbage, keep-alive), the
 * response parser on its own, and https against `openssl s_server` with a
 * certificate made at test time (skipped when openssl is missing). */
#include "../unit.h"
#include "../../../lib/httpclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the test server ---- */

struct tsrv {
	int lfd;
	unsigned port;
	pthread_t th;
	const char *resp;   /* sent for every request */
	size_t resp_len;    /* 0 = strlen(resp) */
	int delay_ms;       /* before answering */
	bool keepalive;     /* serve several requests per connection */
	int max_conns;      /* connections to accept before the thread ends */
	/* results */
	int nconns, nreqs;
	char req[8192];     /* the last request (head and body) */
	size_t req_len;
};

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read one request (head + Content-Length body) into s->req. Returns
 * false at EOF or error. */
static bool tsrv_read_req(struct tsrv *s, int fd)
{
	size_t n = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 5000) <= 0)
			return false;
		ssize_t r = read(fd, s->req + n, sizeof s->req - 1 - n);
		if (r <= 0)
			return false;
		n += (size_t)r;
		s->req[n] = 0;
		char *e = strstr(s->req, "\r\n\r\n");
		if (e) {
			size_t head = (size_t)(e + 4 - s->req);
			const char *cl = strcasestr(s->req, "\r\nContent-Length:");
			size_t want = cl && cl < e ? strtoul(cl + 17, NULL, 10) : 0;
			if (n >= head + want || n == sizeof s->req - 1) {
				s->req_len = n;
				return true;
			}
		}
		if (n == sizeof s->req - 1)
			return false;
	}
}

static void *tsrv_main(void *arg)
{
	struct tsrv *s = arg;
	for (int i = 0; i < s->max_conns; i++) {
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			break;
		__atomic_add_fetch(&s->nconns, 1, __ATOMIC_SEQ_CST);
		do {
			if (!tsrv_read_req(s, fd))
				break;
			__atomic_add_fetch(&s->nreqs, 1, __ATOMIC_SEQ_CST);
			if (s->delay_ms)
				msleep(s->delay_ms);
			size_t len = s->resp_len ? s->resp_len : strlen(s->resp);
			size_t off = 0;
			while (off < len) {
				ssize_t w = send(fd, s->resp + off, len - off, MSG_NOSIGNAL);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
		} while (s->keepalive);
		close(fd);
	}
	return NULL;
}

static int tsrv_start(struct tsrv *s)
{
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s->lfd, 8) < 0)
		return -1;
	socklen_t l = sizeof a;
	getsockname(s->lfd, (struct sockaddr *)&a, &l);
	s->port = ntohs(a.sin_port);
	if (!s->max_conns)
		s->max_conns = 1;
	return pthread_create(&s->th, NULL, tsrv_main, s);
}

static void tsrv_stop(struct tsrv *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static char *url_for(struct tsrv *s, const char *path)
{
	static char u[128];
	snprintf(u, sizeof u, "http://127.0.0.1:%u%s", s->port, path);
	return u;
}

/* ---- URLs ---- */

TEST(httpclient_url_parse)
{
	struct arena a = ARENA_INIT;
	struct http_url u;
	char err[200];
	CHECK(http_url_parse("http://example.org/metrics?x=1#frag", &a, &u, err, sizeof err) == 0);
	CHECK(!u.https);
	CHECK_STR(u.host, "example.org");
	CHECK_INT(u.port, 80);
	CHECK_STR(u.path, "/metrics?x=1");
	CHECK(http_url_parse("https://[::1]:9443", &a, &u, err, sizeof err) == 0);
	CHECK(u.https);
	CHECK_STR(u.host, "::1");
	CHECK_INT(u.port, 9443);
	CHECK_STR(u.path, "/");
	CHECK(http_url_parse("HTTPS://user:p%40ss@h:1/a b", &a, &u, err, sizeof err) == 0);
	CHECK_STR(u.userinfo, "user:p@ss");
	CHECK_STR(u.path, "/a%20b");
	CHECK_INT(u.port, 1);
	CHECK(http_url_parse("http://h?q", &a, &u, err, sizeof err) == 0);
	CHECK_STR(u.path, "/?q");
	CHECK_INT(http_url_parse("ftp://h/", &a, &u, err, sizeof err), HTTP_ERR_URL);
	CHECK_STR(err, "unsupported protocol scheme \"ftp\"");
	CHECK_INT(http_url_parse("http://h:99999/", &a, &u, err, sizeof err), HTTP_ERR_URL);
	CHECK_INT(http_url_parse("http://h:x/", &a, &u, err, sizeof err), HTTP_ERR_URL);
	CHECK_INT(http_url_parse("http:///x", &a, &u, err, sizeof err), HTTP_ERR_URL);
	CHECK_INT(http_url_parse("http://[::1/x", &a, &u, err, sizeof err), HTTP_ERR_URL);
	CHECK_INT(http_url_parse("localhost:9100", &a, &u, err, sizeof err), HTTP_ERR_URL);
	arena_free(&a);
}

/* ---- the parser alone ---- */

static int parse(const char *s, size_t max_body, struct http_response *r, char *err)
{
	return http_response_parse(s, strlen(s), 0, max_body, r, err, 200);
}

TEST(httpclient_parse_responses)
{
	struct http_response r;
	char err[200];
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 0, &r, err) == 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.reason, "OK");
	CHECK_STR(r.body.p, "hello");
	CHECK_STR(http_response_header(&r, "content-type"), "text/plain");
	http_response_free(&r);

	/* chunked with an extension and a trailer, LF-only line ends */
	CHECK(parse("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3;x=y\nabc\n0\nX-T: 1\n\n", 0, &r, err) == 0);
	CHECK_STR(r.body.p, "abc");
	http_response_free(&r);

	/* 100 Continue first, then the real response; body to EOF */
	CHECK(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 503 Service Unavailable\r\n\r\nbusy", 0, &r, err) == 0);
	CHECK_INT(r.status, 503);
	CHECK_STR(r.body.p, "busy");
	http_status_error(&r, err, sizeof err);
	CHECK_STR(err, "server returned HTTP status 503 Service Unavailable");
	http_response_free(&r);

	/* no reason phrase: the standard text */
	CHECK(parse("HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", 0, &r, err) == 0);
	http_status_error(&r, err, sizeof err);
	CHECK_STR(err, "server returned HTTP status 500 Internal Server Error");
	http_response_free(&r);

	/* body limits, with Content-Length, chunked and to EOF */
	CHECK_INT(parse("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", 10, &r, err), HTTP_ERR_BODY_LIMIT);
	CHECK_STR(err, "body size limit exceeded");
	http_response_free(&r);
	CHECK_INT(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n", 10, &r, err), HTTP_ERR_BODY_LIMIT);
	http_response_free(&r);
	CHECK_INT(parse("HTTP/1.0 200 OK\r\n\r\nhello world", 10, &r, err), HTTP_ERR_BODY_LIMIT);
	http_response_free(&r);
	CHECK(parse("HTTP/1.0 200 OK\r\n\r\nhello worl", 10, &r, err) == 0);
	http_response_free(&r);

	/* garbage and truncation */
	static const char *bad[] = {
		"",
		"HELLO\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = parse(bad[i], 0, &r, err);
		if (rc != HTTP_ERR_PROTOCOL)
			unit_fail(__FILE__, __LINE__, "case %zu: rc %d (%s)", i, rc, err);
		http_response_free(&r);
	}
}

TEST(httpclient_parse_header_limits)
{
	struct http_response r;
	char err[200];
	struct buf b = BUF_INIT;
	buf_puts(&b, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "X-%d: v\r\n", i);
	buf_puts(&b, "\r\n");
	CHECK_INT(http_response_parse(b.p, b.len, 0, 0, &r, err, sizeof err), HTTP_ERR_HEADER_LIMIT);
	http_response_free(&r);
	buf_reset(&b);
	buf_puts(&b, "HTTP/1.1 200 OK\r\nX-Big: ");
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "0123456789");
	buf_puts(&b, "\r\n\r\n");
	CHECK_INT(http_response_parse(b.p, b.len, 4096, 0, &r, err, sizeof err), HTTP_ERR_HEADER_LIMIT);
	http_response_free(&r);
	CHECK(http_response_parse(b.p, b.len, 0, 0, &r, err, sizeof err) == 0);
	CHECK_INT(strlen(http_response_header(&r, "x-big")), 20000);
	http_response_free(&r);
	buf_free(&b);
}

/* ---- against the server thread ---- */

TEST(httpclient_get_plain_and_request_headers)
{
	struct tsrv s = { .resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
				  "Content-Length: 12\r\nConnection: close\r\n\r\nmetric_a 1\n\n" };
	CHECK(tsrv_start(&s) == 0);
	struct http_header hs[] = { { "X-Prometheus-Scrape-Timeout-Seconds", "10" } };
	struct http_request rq = { .url = url_for(&s, "/metrics?a=b"), .headers = hs, .nheaders = 1,
				   .user_agent = "Prometheus/2.42.0", .accept = "text/plain",
				   .basic_user = "alice", .basic_pass = "secret", .timeout_ms = 5000 };
	struct http_response rs;
	char err[200];
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	tsrv_stop(&s);
	if (rc)
		unit_fail(__FILE__, __LINE__, "%s", err);
	CHECK(rc == 0);
	CHECK_INT(rs.status, 200);
	CHECK_STR(rs.body.p, "metric_a 1\n\n");
	CHECK_STR(http_response_header(&rs, "Content-Type"), "text/plain; version=0.0.4");
	http_response_free(&rs);
	CHECK(strncmp(s.req, "GET /metrics?a=b HTTP/1.1\r\n", 27) == 0);
	char host[64];
	snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%u\r\n", s.port);
	CHECK(strstr(s.req, host));
	CHECK(strstr(s.req, "\r\nUser-Agent: Prometheus/2.42.0\r\n"));
	CHECK(strstr(s.req, "\r\nAccept: text/plain\r\n"));
	CHECK(strstr(s.req, "\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n"));
	CHECK(strstr(s.req, "\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n"));
}

TEST(httpclient_post_bearer_chunked_response)
{
	struct tsrv s = { .resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n" };
	CHECK(tsrv_start(&s) == 0);
	struct http_request rq = { .method = "POST", .url = url_for(&s, "/api/v1/write"),
				   .auth_credentials = "tok", .body = "payload", .body_len = 7,
				   .content_type = "application/x-protobuf", .timeout_ms = 5000 };
	struct http_response rs;
	char err[200];
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	tsrv_stop(&s);
	CHECK(rc == 0);
	CHECK_STR(rs.body.p, "hello, world");
	http_response_free(&rs);
	CHECK(strncmp(s.req, "POST /api/v1/write HTTP/1.1\r\n", 29) == 0);
	CHECK(strstr(s.req, "\r\nAuthorization: Bearer tok\r\n"));
	CHECK(strstr(s.req, "\r\nContent-Length: 7\r\n"));
	CHECK(strstr(s.req, "\r\nContent-Type: application/x-protobuf\r\n"));
	CHECK(strstr(s.req, "\r\n\r\npayload"));
}

TEST(httpclient_body_size_limit_from_server)
{
	static char big[200000];
	int n = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 100; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "400\r\n%01024d\r\n", 0);
	n += snprintf(big + n, sizeof big - (size_t)n, "0\r\n\r\n");
	struct tsrv s = { .resp = big };
	CHECK(tsrv_start(&s) == 0);
	struct http_request rq = { .url = url_for(&s, "/"), .timeout_ms = 5000, .max_body = 50000 };
	struct http_response rs;
	char err[200];
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	tsrv_stop(&s);
	http_response_free(&rs);
	CHECK_INT(rc, HTTP_ERR_BODY_LIMIT);
	CHECK_STR(err, "body size limit exceeded");
}

TEST(httpclient_slow_server_times_out)
{
	struct tsrv s = { .resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .delay_ms = 1500 };
	CHECK(tsrv_start(&s) == 0);
	struct http_request rq = { .url = url_for(&s, "/"), .timeout_ms = 200 };
	struct http_response rs;
	char err[200];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tsrv_stop(&s);
	http_response_free(&rs);
	double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_INT(rc, HTTP_ERR_TIMEOUT);
	CHECK_STR(err, "context deadline exceeded");
	CHECK(el >= 0.19 && el < 1.0);
}

TEST(httpclient_cancel_fd)
{
	struct tsrv s = { .resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .delay_ms = 1500 };
	CHECK(tsrv_start(&s) == 0);
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	struct http_request rq = { .url = url_for(&s, "/"), .timeout_ms = 5000, .cancel_fd = p[0] };
	struct http_response rs;
	char err[200];
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	tsrv_stop(&s);
	http_response_free(&rs);
	close(p[0]);
	close(p[1]);
	CHECK_INT(rc, HTTP_ERR_CANCELED);
	CHECK_STR(err, "context canceled");
}

TEST(httpclient_garbage_and_early_close)
{
	struct tsrv s = { .resp = "SSH-2.0-OpenSSH_9.2\r\n\r\n" };
	CHECK(tsrv_start(&s) == 0);
	struct http_request rq = { .url = url_for(&s, "/"), .timeout_ms = 5000 };
	struct http_response rs;
	char err[200];
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	tsrv_stop(&s);
	http_response_free(&rs);
	CHECK_INT(rc, HTTP_ERR_PROTOCOL);
	CHECK(strstr(err, "malformed HTTP response"));

	struct tsrv s2 = { .resp = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this" };
	CHECK(tsrv_start(&s2) == 0);
	rq.url = url_for(&s2, "/");
	rc = http_do(&rq, NULL, &rs, err, sizeof err);
	tsrv_stop(&s2);
	http_response_free(&rs);
	CHECK_INT(rc, HTTP_ERR_PROTOCOL);
	CHECK_STR(err, "unexpected EOF in response body");
}

TEST(httpclient_connection_refused)
{
	/* a port that was just free: bind, note it, close */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t l = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd);
	char url[64], want[96];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/metrics", ntohs(a.sin_port));
	snprintf(want, sizeof want, "connect 127.0.0.1:%u: connection refused", ntohs(a.sin_port));
	struct http_request rq = { .url = url, .timeout_ms = 2000 };
	struct http_response rs;
	char err[200];
	CHECK_INT(http_do(&rq, NULL, &rs, err, sizeof err), HTTP_ERR_CONNECT);
	CHECK_STR(err, want);
	http_response_free(&rs);
}

TEST(httpclient_rejects_header_injection)
{
	struct http_header hs[] = { { "X-Evil", "a\r\nInjected: 1" } };
	struct http_request rq = { .url = "http://127.0.0.1:1/", .headers = hs, .nheaders = 1 };
	struct http_response rs;
	char err[200];
	CHECK_INT(http_do(&rq, NULL, &rs, err, sizeof err), HTTP_ERR_PROTOCOL);
	http_response_free(&rs);
	struct http_header hn[] = { { "Bad Name", "v" } };
	rq.headers = hn;
	CHECK_INT(http_do(&rq, NULL, &rs, err, sizeof err), HTTP_ERR_PROTOCOL);
	http_response_free(&rs);
}

TEST(httpclient_keepalive_reuses_connection)
{
	struct tsrv s = { .resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .keepalive = true,
			  .max_conns = 2 };
	CHECK(tsrv_start(&s) == 0);
	struct http_client *c;
	char err[200];
	CHECK(http_client_new(&c, NULL, err, sizeof err) == 0);
	struct http_request rq = { .url = url_for(&s, "/"), .timeout_ms = 5000 };
	for (int i = 0; i < 3; i++) {
		struct http_response rs;
		int rc = http_client_do(c, &rq, &rs, err, sizeof err);
		if (rc)
			unit_fail(__FILE__, __LINE__, "request %d: %s", i, err);
		CHECK(rc == 0);
		CHECK_STR(rs.body.p, "ok");
		http_response_free(&rs);
	}
	http_client_free(c);
	tsrv_stop(&s);
	CHECK_INT(s.nconns, 1);
	CHECK_INT(s.nreqs, 3);
}

TEST(httpclient_keepalive_server_closed_idle)
{
	/* the server answers one request per connection but does not say
	 * "Connection: close": the client's second request finds the idle
	 * connection closed and opens a new one */
	struct tsrv s = { .resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .max_conns = 2 };
	CHECK(tsrv_start(&s) == 0);
	struct http_client *c;
	char err[200];
	CHECK(http_client_new(&c, NULL, err, sizeof err) == 0);
	struct http_request rq = { .url = url_for(&s, "/"), .timeout_ms = 5000 };
	for (int i = 0; i < 2; i++) {
		struct http_response rs;
		if (i)
			msleep(50); /* let the server's close arrive */
		int rc = http_client_do(c, &rq, &rs, err, sizeof err);
		if (rc)
			unit_fail(__FILE__, __LINE__, "request %d: %s", i, err);
		CHECK(rc == 0);
		http_response_free(&rs);
	}
	http_client_free(c);
	tsrv_stop(&s);
	CHECK_INT(s.nconns, 2);
}

/* ---- https against openssl s_server ---- */

static int run_quiet(const char *cmd)
{
	char b[1024];
	snprintf(b, sizeof b, "%s >/dev/null 2>&1", cmd);
	return system(b);
}

static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t l = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd);
	return ntohs(a.sin_port);
}

TEST(httpclient_https_with_openssl_server)
{
	if (run_quiet("openssl version") != 0) {
		printf("  skip: openssl not found; https test not run\n");
		return;
	}
	char dir[] = "/tmp/httpclient-tls-XXXXXX";
	CHECK(mkdtemp(dir));
	char cmd[1024], cert[128], key[128];
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-keyout %s -out %s -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost",
		 key, cert);
	if (run_quiet(cmd) != 0) {
		printf("  skip: openssl could not make a certificate\n");
		return;
	}
	unsigned port = free_port();
	pid_t pid = fork();
	if (pid == 0) {
		char ps[16];
		snprintf(ps, sizeof ps, "%u", port);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execlp("openssl", "openssl", "s_server", "-accept", ps, "-cert", cert, "-key", key,
		       "-www", "-naccept", "8", (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	/* wait until it listens */
	bool up = false;
	for (int i = 0; i < 100 && !up; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { 0 };
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		up = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		close(fd);
		if (!up)
			msleep(50);
	}
	/* the probe above used one of -naccept's connections */
	char url[64], err[300];
	snprintf(url, sizeof url, "https://localhost:%u/", port);
	struct http_request rq = { .url = url, .timeout_ms = 5000 };
	struct http_response rs;
	int rc_ok = -1, rc_untrusted = -1, rc_name = -1, rc_insecure = -1;
	char err_untrusted[300] = "", err_ok[300] = "", err_name[300] = "";
	if (up) {
		/* trusted through ca_file, name matches */
		struct http_tls_config t1 = { .ca_file = cert };
		rc_ok = http_do(&rq, &t1, &rs, err_ok, sizeof err_ok);
		bool body_ok = rc_ok == 0 && rs.status == 200 && strstr(rs.body.p, "s_server") != NULL;
		http_response_free(&rs);
		if (!body_ok && rc_ok == 0)
			rc_ok = 1;
		/* the wrong server name */
		struct http_tls_config t2 = { .ca_file = cert, .server_name = "other.example" };
		rc_name = http_do(&rq, &t2, &rs, err_name, sizeof err_name);
		http_response_free(&rs);
		/* not trusted by the system's CAs */
		rc_untrusted = http_do(&rq, NULL, &rs, err_untrusted, sizeof err_untrusted);
		http_response_free(&rs);
		/* insecure_skip_verify */
		struct http_tls_config t3 = { .insecure_skip_verify = true };
		rc_insecure = http_do(&rq, &t3, &rs, err, sizeof err);
		http_response_free(&rs);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	run_quiet(cmd);
	CHECK(up);
	if (rc_ok)
		unit_fail(__FILE__, __LINE__, "trusted: %d %s", rc_ok, err_ok);
	CHECK_INT(rc_ok, 0);
	CHECK_INT(rc_name, HTTP_ERR_TLS);
	CHECK(strstr(err_name, "not valid for the server name"));
	CHECK(rc_untrusted == HTTP_ERR_TLS || rc_untrusted == HTTP_ERR_CA);
	if (rc_untrusted == HTTP_ERR_TLS)
		CHECK(strstr(err_untrusted, "unknown authority"));
	CHECK_INT(rc_insecure, 0);
}

TEST(httpclient_bad_ca_file)
{
	struct http_tls_config t = { .ca_file = "/nonexistent/ca.pem" };
	struct http_request rq = { .url = "https://127.0.0.1:1/", .timeout_ms = 1000 };
	struct http_response rs;
	char err[200];
	CHECK_INT(http_do(&rq, &t, &rs, err, sizeof err), HTTP_ERR_CA);
	CHECK(strstr(err, "/nonexistent/ca.pem"));
	http_response_free(&rs);
}
