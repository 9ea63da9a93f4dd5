#include "httpd.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "log.h"

struct httpd {
	struct mg_context *ctx;
	void (*thread_exit)(void);
	const struct httpd_route *routes;
	size_t nroutes;
	size_t max_body;
	int port;
};

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* Bodies up to this size are copied behind the header and sent in one
 * write; a larger one is sent as the header plus its first bytes (a full
 * first segment) and then the rest from the caller's memory, so a big body
 * is never copied whole. */
/* The most a worker thread keeps of its request arena between requests. */
#define HTTPD_ARENA_KEEP ((size_t)1 << 20)

#define HTTPD_COALESCE_MAX (64u << 10)
#define HTTPD_FIRST_CHUNK (16u << 10)

/* Write head (hlen bytes) and body (len bytes) with as few writes as the
 * sizes allow (see HTTPD_COALESCE_MAX). The scratch buffer comes from the
 * request arena, which the worker thread keeps between requests. */
static void send_response(struct httpd_req *req, const char *head, size_t hlen,
			  const void *body, size_t len)
{
	if (!len) {
		mg_write(req->conn, head, hlen);
		return;
	}
	size_t first = len <= HTTPD_COALESCE_MAX ? len : HTTPD_FIRST_CHUNK;
	char *out = arena_alloc(&req->arena, hlen + first);
	memcpy(out, head, hlen);
	memcpy(out + hlen, body, first);
	if (mg_write(req->conn, out, hlen + first) != (int)(hlen + first))
		return; /* the client went away */
	if (first < len)
		mg_write(req->conn, (const char *)body + first, len - first);
}

void httpd_reply(struct httpd_req *req, int status, const char *ctype,
		 const void *body, size_t len)
{
	if (req->replied)
		return;
	req->replied = 1;
	char head[512];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Length: %zu\r\n"
			 "%s%s%s\r\n",
			 status, status_text(status), len, ctype ? "Content-Type: " : "",
			 ctype ? ctype : "", ctype ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof head) {
		/* only an absurd content type gets here: send none */
		n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n\r\n",
			     status, status_text(status), len);
	}
	send_response(req, head, (size_t)n, body, req->method_bit == HTTPD_HEAD ? 0 : len);
}

void httpd_error(struct httpd_req *req, int status, const char *msg)
{
	char body[512];
	int n = snprintf(body, sizeof body, "%s\n", msg);
	if (n >= (int)sizeof body)
		n = sizeof body - 1;
	httpd_reply(req, status, "text/plain; charset=utf-8", body, (size_t)n);
}

const char *httpd_header(struct httpd_req *req, const char *name)
{
	return mg_get_header(req->conn, name);
}

int httpd_read_body(struct httpd_req *req, struct buf *b)
{
	struct httpd *h = mg_get_user_data(mg_get_context(req->conn));
	const struct mg_request_info *ri = mg_get_request_info(req->conn);
	if (ri->content_length > 0 && (size_t)ri->content_length > h->max_body) {
		httpd_error(req, 413, "request body too large");
		return -1;
	}
	char chunk[8192];
	for (;;) {
		int n = mg_read(req->conn, chunk, sizeof chunk);
		if (n < 0) {
			httpd_error(req, 400, "cannot read request body");
			return -1;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > h->max_body) {
			httpd_error(req, 413, "request body too large");
			return -1;
		}
		buf_put(b, chunk, (size_t)n);
	}
	return 0;
}

const char *httpd_query(struct httpd_req *req, const char *name)
{
	if (!req->query)
		return NULL;
	size_t qlen = strlen(req->query);
	char *out = arena_alloc(&req->arena, qlen + 1);
	int n = mg_get_var(req->query, qlen, name, out, qlen + 1);
	return n >= 0 ? out : NULL;
}

static unsigned method_bit(const char *m)
{
	if (!strcmp(m, "GET")) return HTTPD_GET;
	if (!strcmp(m, "HEAD")) return HTTPD_HEAD;
	if (!strcmp(m, "POST")) return HTTPD_POST;
	if (!strcmp(m, "PUT")) return HTTPD_PUT;
	if (!strcmp(m, "DELETE")) return HTTPD_DELETE;
	return 0;
}

static void reply_405(struct httpd_req *req, unsigned allowed)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "DELETE" };
	char allow[64] = "";
	if (allowed & HTTPD_GET)
		allowed |= HTTPD_HEAD;
	for (int i = 0; i < 5; i++)
		if (allowed & (1u << i)) {
			if (allow[0])
				strcat(allow, ", ");
			strcat(allow, names[i]);
		}
	static const char body[] = "method not allowed\n";
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 405 Method Not Allowed\r\nAllow: %s\r\n"
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 allow, sizeof body - 1);
	req->replied = 1;
	send_response(req, head, (size_t)n, body,
		      req->method_bit == HTTPD_HEAD ? 0 : sizeof body - 1);
}

/* Each worker thread keeps its request arena between requests (reset, not
 * freed), so a steady stream of requests does not map and unmap memory. */
static _Thread_local struct arena thread_arena = ARENA_INIT;

/* Give the worker's arena back for the next request: reset it, and free it
 * entirely when the block it would keep is over HTTPD_ARENA_KEEP (a huge
 * query must not pin its memory in an idle thread). After arena_reset()
 * the arena holds at most one block, allocated with malloc(). */
static void arena_recycle(struct arena *a)
{
	arena_reset(a);
	if (a->head && (malloc_usable_size(a->head) > HTTPD_ARENA_KEEP ||
			a->block_size > 2 * HTTPD_ARENA_KEEP))
		arena_free(a);
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
	struct httpd *h = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct httpd_req req = {
		.conn = conn,
		.method = ri->request_method,
		.method_bit = method_bit(ri->request_method),
		.path = ri->local_uri ? ri->local_uri : "/",
		.query = ri->query_string,
		.arena = thread_arena,
	};
	const struct httpd_route *r = NULL, *prefix = NULL;
	size_t best = 0;
	for (size_t i = 0; i < h->nroutes && !r; i++) {
		const char *rp = h->routes[i].path;
		size_t l = strlen(rp);
		if (l > 0 && rp[l - 1] == '*') {
			/* a prefix route: used when no exact route matches; the
			 * longest matching prefix wins */
			if ((!prefix || l - 1 > best) && !strncmp(rp, req.path, l - 1)) {
				best = l - 1;
				prefix = &h->routes[i];
			}
		} else if (!strcmp(rp, req.path)) {
			r = &h->routes[i];
		}
	}
	if (!r)
		r = prefix;
	if (!r) {
		httpd_error(&req, 404, "not found");
	} else {
		unsigned allowed = r->methods | ((r->methods & HTTPD_GET) ? HTTPD_HEAD : 0);
		if (!(req.method_bit & allowed))
			reply_405(&req, r->methods);
		else if (ri->content_length > 0 && (size_t)ri->content_length > h->max_body)
			httpd_error(&req, 413, "request body too large");
		else
			r->fn(&req, r->ctx);
		if (!req.replied)
			httpd_error(&req, 500, "handler sent no response");
	}
	arena_recycle(&req.arena);
	thread_arena = req.arena;
	/* CivetWeb wants the HTTP status code we sent, for its access log. */
	return 200;
}

static void on_thread_exit(const struct mg_context *ctx, int thread_type, void *thread_pointer)
{
	(void)thread_pointer;
	struct httpd *h = mg_get_user_data(ctx);
	if (thread_type != 1) /* 1: a worker thread */
		return;
	arena_free(&thread_arena);
	if (h && h->thread_exit)
		h->thread_exit();
}

/* Registered as the authorization handler for every path. Without one,
 * CivetWeb looks for a per-directory password file on each request
 * (stat("/.htpasswd"), even with NO_FILES): an installed handler replaces
 * that lookup. pharos does no HTTP authentication here. */
static int authorize_all(struct mg_connection *conn, void *cbdata)
{
	(void)conn;
	(void)cbdata;
	return 1;
}

static int log_civetweb(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	log_debug("http: %s", msg);
	return 1;
}

int httpd_listen_spec(const char *addr, char *out, size_t outlen)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || !colon[1])
		return -1;
	const char *port = colon + 1;
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (atoi(port) > 65535)
		return -1;
	size_t hlen = (size_t)(colon - addr);
	int n;
	if (hlen == 0)
		n = snprintf(out, outlen, "%s", port); /* any IPv4 address */
	else if (addr[0] == '[' && addr[hlen - 1] == ']')
		n = snprintf(out, outlen, "%.*s:%s", (int)hlen, addr, port);
	else if (memchr(addr, ':', hlen))
		return -1;
	else if (hlen == 9 && !strncmp(addr, "localhost", 9))
		n = snprintf(out, outlen, "127.0.0.1:%s", port);
	else
		n = snprintf(out, outlen, "%.*s:%s", (int)hlen, addr, port);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int httpd_start(struct httpd **out, const struct httpd_opts *opts,
		const struct httpd_route *routes, size_t nroutes, char *err,
		size_t errlen)
{
	char ports[128], threads[16], reqsize[24];
	if (httpd_listen_spec(opts->listen, ports, sizeof ports) != 0) {
		snprintf(err, errlen, "invalid listen address \"%s\"", opts->listen);
		return -1;
	}
	snprintf(threads, sizeof threads, "%d", opts->threads > 0 ? opts->threads : 4);
	snprintf(reqsize, sizeof reqsize, "%zu",
		 opts->max_header_bytes ? opts->max_header_bytes : 16384);

	struct httpd *h = xcalloc(1, sizeof *h);
	h->routes = routes;
	h->nroutes = nroutes;
	h->max_body = opts->max_body_bytes ? opts->max_body_bytes : (1u << 20);
	h->thread_exit = opts->thread_exit;

	const char *options[] = {
		"listening_ports", ports,
		"num_threads", threads,
		"max_request_size", reqsize,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "30000",
		"request_timeout_ms", "30000",
		"listen_backlog", "128",
		"tcp_nodelay", "1",
		NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.log_message = log_civetweb;
	cb.exit_thread = on_thread_exit;

	static int lib_ready;
	if (!lib_ready) {
		mg_init_library(0);
		lib_ready = 1;
	}
	struct mg_init_data init = { .callbacks = &cb, .user_data = h, .configuration_options = options };
	struct mg_error_data ed;
	char msg[256] = "";
	memset(&ed, 0, sizeof ed);
	ed.text = msg;
	ed.text_buffer_size = sizeof msg;
	h->ctx = mg_start2(&init, &ed);
	if (!h->ctx) {
		snprintf(err, errlen, "cannot listen on %s: %s", opts->listen,
			 msg[0] ? msg : "unknown error");
		free(h);
		return -1;
	}
	mg_set_auth_handler(h->ctx, "/", authorize_all, NULL);
	mg_set_request_handler(h->ctx, "/", dispatch, h);

	struct mg_server_port sp[4];
	int np = mg_get_server_ports(h->ctx, 4, sp);
	h->port = np > 0 ? sp[0].port : 0;
	*out = h;
	return 0;
}

int httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	mg_stop(h->ctx);
	free(h);
}
