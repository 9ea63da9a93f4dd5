/* synth.c - the synthetic scrape targets of bench/tsdb.py: the workload of
 * ../shared/reference/anchors-measured.md, served over HTTP by one process.
 *
 *   synth-targets [-t TARGETS] [-s SEED]
 *
 * Binds TARGETS (default 10, at most 64) listening sockets on 127.0.0.1
 * with ports the kernel chooses, prints one line "ports P1 P2 ..." on
 * stdout, then serves until it is killed:
 *
 *   GET /metrics[?client=NAME]
 *       One target's 10,000 series in the Prometheus text format 0.0.4:
 *       100 metric names x 100 label values, labels group (g0..g9, ten
 *       values per group) and series (0..9999, unique across the names):
 *       50 counters synth_c00_total..synth_c49_total, each growing by a
 *       random integer in 0..100, and 50 gauges synth_g00..synth_g49, each
 *       taking a uniform random step in [-1, 1] rounded to 2 decimals.
 *       Every value advances exactly once per request. No timestamps.
 *   GET /stats
 *       JSON: {"targets":T,"series":S,"clients":[{"name":N,"requests":
 *       [r0,r1,...]}, ...]}: the requests each client made to each target.
 *
 * Clients: every distinct value of the client parameter (none is the
 * client "") has its own copy of every target's state, started from the
 * same seed. Two scrapers given different client names therefore see the
 * same sequence of values, each advancing once per their own scrape - the
 * data they store is identical, and each sees the workload's statistics
 * (one step per scrape), not the steps of both interleaved. At most 8
 * clients; a ninth name gets 503. Names: 1-32 of [A-Za-z0-9_-].
 *
 * Values are integers: the counters count, the gauges are kept in
 * hundredths and printed as decimals, so nothing drifts in floating point.
 * The random numbers come from splitmix64, seeded from SEED and the target
 * index: the n-th body a client gets from target k is the same on every
 * run with the same seed.
 *
 * HTTP/1.1 with keep-alive and pipelining; one poll() loop, non-blocking
 * sockets. Limits: 8 KB of request head (431 beyond), 128 connections
 * (more are closed at accept), 120 s idle; request bodies are refused
 * (400 and close); methods other than GET get 405.
 *
 * Exit codes: 100 usage, 111 system error; otherwise runs until a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SYNTH_NAMES 100 /* the first half counters, the second gauges */
#define SYNTH_VALUES 100
#define SYNTH_SERIES (SYNTH_NAMES * SYNTH_VALUES)
#define SYNTH_MAX_TARGETS 64
#define SYNTH_MAX_CLIENTS 8
#define SYNTH_CLIENT_LEN 32
#define SYNTH_MAX_CONNS 128
#define SYNTH_HEAD_MAX 8192
#define SYNTH_IDLE_S 120
#define SYNTH_HDR_ROOM 256 /* room left before a body for its response head */

/* One client's view of one target. */
struct synth_gen {
	uint64_t rng;
	uint64_t requests;
	uint64_t counter[SYNTH_SERIES / 2];
	int64_t gauge[SYNTH_SERIES / 2]; /* hundredths */
};

struct synth_client {
	char name[SYNTH_CLIENT_LEN + 1];
	struct synth_gen *gen[SYNTH_MAX_TARGETS]; /* allocated at first use */
};

struct synth_conn {
	int fd;		   /* -1: slot free */
	int target;	   /* index of the listener it came in on */
	int close_after;   /* close once out is sent */
	time_t last;	   /* last activity, for the idle limit */
	size_t inlen;
	char in[SYNTH_HEAD_MAX];
	char *out;	   /* owned; reused across requests */
	size_t outcap, outoff, outlen;
};

static int ntargets = 10;
static uint64_t seed = 20261125;
static struct synth_client clients[SYNTH_MAX_CLIENTS];
static int nclients;
static struct synth_conn conns[SYNTH_MAX_CONNS];
/* The text before each value: "synth_c00_total{group=\"g0\",series=\"0\"} ". */
static char *prefix[SYNTH_SERIES];
static size_t prefix_len[SYNTH_SERIES];
static size_t body_max; /* an upper bound on a body's size */

static void die(const char *what)
{
	fprintf(stderr, "synth-targets: fatal: %s: %s\n", what, strerror(errno));
	exit(111);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		die("malloc");
	return p;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void names_init(void)
{
	char buf[128];
	size_t longest = 0;

	for (int n = 0; n < SYNTH_NAMES; n++) {
		for (int j = 0; j < SYNTH_VALUES; j++) {
			int i = n * SYNTH_VALUES + j;
			int len;

			if (n < SYNTH_NAMES / 2)
				len = snprintf(buf, sizeof buf, "synth_c%02d_total{group=\"g%d\",series=\"%d\"} ",
					       n, j / 10, i);
			else
				len = snprintf(buf, sizeof buf, "synth_g%02d{group=\"g%d\",series=\"%d\"} ",
					       n - SYNTH_NAMES / 2, j / 10, i);
			prefix[i] = xmalloc((size_t)len);
			memcpy(prefix[i], buf, (size_t)len);
			prefix_len[i] = (size_t)len;
			if ((size_t)len > longest)
				longest = (size_t)len;
		}
	}
	/* Per series: prefix, a value of at most 21 characters, a newline;
	 * per name: a TYPE line under 64 characters. */
	body_max = SYNTH_SERIES * (longest + 24) + SYNTH_NAMES * 64;
}

static struct synth_gen *gen_new(int target)
{
	struct synth_gen *g = calloc(1, sizeof *g);

	if (!g)
		die("calloc");
	g->rng = seed ^ (0xd1b54a32d192ed03u * (uint64_t)(target + 1));
	return g;
}

/* Advance every series of g once. */
static void gen_step(struct synth_gen *g)
{
	for (int i = 0; i < SYNTH_SERIES / 2; i++)
		g->counter[i] += splitmix64(&g->rng) % 101;
	for (int i = 0; i < SYNTH_SERIES / 2; i++) {
		/* uniform in [-1, 1), then rounded to hundredths */
		double u = (double)(splitmix64(&g->rng) >> 11) * 0x1p-53 * 2.0 - 1.0;

		g->gauge[i] += lround(u * 100.0);
	}
	g->requests++;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_hundredths(char *p, int64_t v)
{
	uint64_t a;

	if (v < 0) {
		*p++ = '-';
		a = (uint64_t)0 - (uint64_t)v;
	} else {
		a = (uint64_t)v;
	}
	p = put_u64(p, a / 100);
	*p++ = '.';
	*p++ = (char)('0' + a % 100 / 10);
	*p++ = (char)('0' + a % 10);
	return p;
}

/* Write g's series at p (which has body_max bytes); return the end. */
static char *gen_render(const struct synth_gen *g, char *p)
{
	for (int n = 0; n < SYNTH_NAMES; n++) {
		int counter = n < SYNTH_NAMES / 2;
		int i0 = n * SYNTH_VALUES;

		p += sprintf(p, counter ? "# TYPE synth_c%02d_total counter\n" : "# TYPE synth_g%02d gauge\n",
			     counter ? n : n - SYNTH_NAMES / 2);
		for (int i = i0; i < i0 + SYNTH_VALUES; i++) {
			memcpy(p, prefix[i], prefix_len[i]);
			p += prefix_len[i];
			if (counter)
				p = put_u64(p, g->counter[i]);
			else
				p = put_hundredths(p, g->gauge[i - SYNTH_SERIES / 2]);
			*p++ = '\n';
		}
	}
	return p;
}

static void conn_reserve(struct synth_conn *c, size_t n)
{
	if (c->outcap >= n)
		return;
	free(c->out);
	c->out = xmalloc(n);
	c->outcap = n;
}

/* Queue a response: head for status and type, then body (len bytes). The
 * body may already sit at c->out + SYNTH_HDR_ROOM (body == NULL). */
static void conn_respond(struct synth_conn *c, const char *status, const char *type,
			 const char *body, size_t len)
{
	char head[SYNTH_HDR_ROOM];
	int hlen = snprintf(head, sizeof head,
			    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
			    status, type, len, c->close_after ? "Connection: close\r\n" : "");

	if (body) {
		conn_reserve(c, SYNTH_HDR_ROOM + len);
		memcpy(c->out + SYNTH_HDR_ROOM, body, len);
	}
	memcpy(c->out + SYNTH_HDR_ROOM - hlen, head, (size_t)hlen);
	c->outoff = SYNTH_HDR_ROOM - (size_t)hlen;
	c->outlen = SYNTH_HDR_ROOM + len;
}

static void conn_error(struct synth_conn *c, const char *status, const char *msg, int close_after)
{
	c->close_after |= close_after;
	conn_respond(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* The client named by the query string q (not NUL-terminated, qlen bytes),
 * created if new; NULL with *why set when the name is bad or the table is
 * full. */
static struct synth_client *client_find(const char *q, size_t qlen, const char **why)
{
	char name[SYNTH_CLIENT_LEN + 1] = "";
	size_t i = 0;

	while (i < qlen) {
		size_t j = i;

		while (j < qlen && q[j] != '&')
			j++;
		if (j - i > 7 && memcmp(q + i, "client=", 7) == 0) {
			size_t n = j - i - 7;

			if (n == 0 || n > SYNTH_CLIENT_LEN) {
				*why = "client: 1 to 32 characters\n";
				return NULL;
			}
			for (size_t k = 0; k < n; k++) {
				char ch = q[i + 7 + k];

				if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
					*why = "client: only letters, digits, _ and -\n";
					return NULL;
				}
			}
			memcpy(name, q + i + 7, n);
			name[n] = 0;
		}
		i = j + 1;
	}
	for (int k = 0; k < nclients; k++)
		if (strcmp(clients[k].name, name) == 0)
			return &clients[k];
	if (nclients == SYNTH_MAX_CLIENTS) {
		*why = "too many clients\n";
		return NULL;
	}
	strcpy(clients[nclients].name, name);
	return &clients[nclients++];
}

static void serve_metrics(struct synth_conn *c, const char *q, size_t qlen)
{
	const char *why = NULL;
	struct synth_client *cl = client_find(q, qlen, &why);
	struct synth_gen *g;
	char *end;

	if (!cl) {
		conn_error(c, "503 Service Unavailable", why, 0);
		return;
	}
	if (!cl->gen[c->target])
		cl->gen[c->target] = gen_new(c->target);
	g = cl->gen[c->target];
	gen_step(g);
	conn_reserve(c, SYNTH_HDR_ROOM + body_max);
	end = gen_render(g, c->out + SYNTH_HDR_ROOM);
	conn_respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", NULL,
		     (size_t)(end - (c->out + SYNTH_HDR_ROOM)));
}

static void serve_stats(struct synth_conn *c)
{
	size_t cap = 256 + (size_t)nclients * (SYNTH_CLIENT_LEN + 64 + (size_t)ntargets * 24);
	char *s = xmalloc(cap);
	size_t n = (size_t)snprintf(s, cap, "{\"targets\":%d,\"series\":%d,\"clients\":[", ntargets,
				    SYNTH_SERIES);

	for (int k = 0; k < nclients; k++) {
		n += (size_t)snprintf(s + n, cap - n, "%s{\"name\":\"%s\",\"requests\":[", k ? "," : "",
				      clients[k].name);
		for (int t = 0; t < ntargets; t++)
			n += (size_t)snprintf(s + n, cap - n, "%s%llu", t ? "," : "",
					      clients[k].gen[t] ? (unsigned long long)clients[k].gen[t]->requests
								: 0ULL);
		n += (size_t)snprintf(s + n, cap - n, "]}");
	}
	n += (size_t)snprintf(s + n, cap - n, "]}\n");
	conn_respond(c, "200 OK", "application/json", s, n);
	free(s);
}

/* Find the end of a head line's name "name:" match (case-insensitive) at
 * the start of line l; return the value's start or NULL. */
static const char *header_value(const char *l, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - l) <= n || strncasecmp(l, name, n) != 0 || l[n] != ':')
		return NULL;
	l += n + 1;
	while (l < end && (*l == ' ' || *l == '\t'))
		l++;
	return l;
}

/* Handle the request head in c->in[0..hlen) (hlen includes the blank
 * line). */
static void serve(struct synth_conn *c, size_t hlen)
{
	const char *p = c->in, *end = c->in + hlen;
	const char *eol = memchr(p, '\r', hlen);
	const char *sp1, *sp2, *path, *q = NULL;
	size_t pathlen, qlen = 0;
	int http10;

	sp1 = memchr(p, ' ', (size_t)(eol - p));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || eol - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		conn_error(c, "400 Bad Request", "bad request line\n", 1);
		return;
	}
	http10 = sp2[8] == '0';
	c->close_after = http10;
	for (const char *l = eol + 2; l < end - 2;) {
		const char *le = memchr(l, '\r', (size_t)(end - l));
		const char *v;

		if (!le)
			break;
		if ((v = header_value(l, le, "connection"))) {
			if ((size_t)(le - v) >= 5 && strncasecmp(v, "close", 5) == 0)
				c->close_after = 1;
			else if ((size_t)(le - v) >= 10 && strncasecmp(v, "keep-alive", 10) == 0)
				c->close_after = 0;
		} else if ((v = header_value(l, le, "content-length"))) {
			if (!(le - v == 1 && *v == '0')) {
				conn_error(c, "400 Bad Request", "request bodies are not accepted\n", 1);
				return;
			}
		} else if (header_value(l, le, "transfer-encoding")) {
			conn_error(c, "400 Bad Request", "request bodies are not accepted\n", 1);
			return;
		}
		l = le + 2;
	}
	if (sp1 - p != 3 || memcmp(p, "GET", 3) != 0) {
		conn_error(c, "405 Method Not Allowed", "only GET\n", 0);
		return;
	}
	path = sp1 + 1;
	pathlen = (size_t)(sp2 - path);
	for (size_t i = 0; i < pathlen; i++) {
		if (path[i] == '?') {
			q = path + i + 1;
			qlen = pathlen - i - 1;
			pathlen = i;
			break;
		}
	}
	if (pathlen == 8 && memcmp(path, "/metrics", 8) == 0)
		serve_metrics(c, q, qlen);
	else if (pathlen == 6 && memcmp(path, "/stats", 6) == 0)
		serve_stats(c);
	else
		conn_error(c, "404 Not Found", "not found: /metrics and /stats are served\n", 0);
}

static void conn_close(struct synth_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->inlen = 0;
	c->outoff = c->outlen = 0;
	c->close_after = 0;
}

/* Parse as many complete requests as c->in holds, one at a time: the next
 * one waits until the previous response is sent. */
static void conn_parse(struct synth_conn *c)
{
	while (c->outoff == c->outlen && c->fd >= 0 && !c->close_after) {
		char *e = NULL;

		for (size_t i = 3; i < c->inlen; i++) {
			if (c->in[i] == '\n' && c->in[i - 1] == '\r' && c->in[i - 2] == '\n' &&
			    c->in[i - 3] == '\r') {
				e = c->in + i + 1;
				break;
			}
		}
		if (!e) {
			if (c->inlen == sizeof c->in)
				conn_error(c, "431 Request Header Fields Too Large", "request head over 8 KB\n", 1);
			return;
		}
		size_t hlen = (size_t)(e - c->in);

		serve(c, hlen);
		memmove(c->in, e, c->inlen - hlen);
		c->inlen -= hlen;
	}
}

static void conn_read(struct synth_conn *c)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n > 0)
		c->inlen += (size_t)n;
	conn_parse(c);
}

static void conn_write(struct synth_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	if (c->close_after) {
		conn_close(c);
		return;
	}
	conn_parse(c);
}

static void accept_one(int lfd, int target)
{
	int one = 1;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < SYNTH_MAX_CONNS; i++) {
		if (conns[i].fd < 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			conns[i].fd = fd;
			conns[i].target = target;
			conns[i].last = time(NULL);
			return;
		}
	}
	close(fd);
}

static int listen_one(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind 127.0.0.1:0");
	if (listen(fd, 64) < 0)
		die("listen");
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die("getsockname");
	return ntohs(sa.sin_port);
}

static long parse_num(const char *s, long lo, long hi)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || *e || e == s || v < lo || v > hi) {
		fprintf(stderr, "synth-targets: usage: synth-targets [-t 1..%d] [-s SEED]\n", SYNTH_MAX_TARGETS);
		exit(100);
	}
	return v;
}

int main(int argc, char **argv)
{
	int lfd[SYNTH_MAX_TARGETS];
	struct pollfd pfd[SYNTH_MAX_TARGETS + SYNTH_MAX_CONNS];
	int opt;

	while ((opt = getopt(argc, argv, "t:s:")) != -1) {
		if (opt == 't')
			ntargets = (int)parse_num(optarg, 1, SYNTH_MAX_TARGETS);
		else if (opt == 's')
			seed = (uint64_t)parse_num(optarg, 0, 0x7fffffffL);
		else
			parse_num("", 1, 0);
	}
	if (optind != argc)
		parse_num("", 1, 0);
	signal(SIGPIPE, SIG_IGN);
	names_init();
	for (int i = 0; i < SYNTH_MAX_CONNS; i++)
		conns[i].fd = -1;
	printf("ports");
	for (int t = 0; t < ntargets; t++) {
		lfd[t] = listen_one();
		printf(" %d", port_of(lfd[t]));
	}
	printf("\n");
	if (fflush(stdout) != 0)
		die("stdout");
	for (;;) {
		int n = 0;
		int map[SYNTH_MAX_CONNS];
		time_t now;

		for (int t = 0; t < ntargets; t++)
			pfd[n++] = (struct pollfd){.fd = lfd[t], .events = POLLIN};
		for (int i = 0; i < SYNTH_MAX_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			map[n - ntargets] = i;
			pfd[n++] = (struct pollfd){
				.fd = conns[i].fd,
				.events = conns[i].outoff < conns[i].outlen ? POLLOUT : POLLIN,
			};
		}
		if (poll(pfd, (nfds_t)n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		now = time(NULL);
		for (int k = ntargets; k < n; k++) {
			struct synth_conn *c = &conns[map[k - ntargets]];

			if (pfd[k].revents & (POLLERR | POLLNVAL)) {
				conn_close(c);
				continue;
			}
			if (pfd[k].revents & POLLOUT) {
				c->last = now;
				conn_write(c);
			} else if (pfd[k].revents & (POLLIN | POLLHUP)) {
				c->last = now;
				conn_read(c);
				if (c->fd >= 0 && c->outoff < c->outlen)
					conn_write(c);
			} else if (now - c->last > SYNTH_IDLE_S) {
				conn_close(c);
			}
		}
		for (int t = 0; t < ntargets; t++)
			if (pfd[t].revents & POLLIN)
				accept_one(lfd[t], t);
	}
}
