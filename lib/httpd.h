/* httpd.h - the HTTP server every pharos service uses, over CivetWeb.
 *
 * One handler per exact path (or path prefix); the layer itself answers what no handler
 * should have to: 404 for unknown paths, 405 (with Allow) for methods a
 * route does not take, 413 for bodies over the limit, and bodies
 * suppressed for HEAD. Request headers are bounded by CivetWeb's request
 * buffer (opts.max_header_bytes).
 *
 * Threads: handlers run on CivetWeb's worker threads, several at once;
 * a handler must be safe to call concurrently.
 */
#ifndef PHAROS_HTTPD_H
#define PHAROS_HTTPD_H

#include <stddef.h>

#include "buf.h"

enum {
	HTTPD_GET = 1,
	HTTPD_HEAD = 2,
	HTTPD_POST = 4,
	HTTPD_PUT = 8,
	HTTPD_DELETE = 16,
};

struct httpd;
struct mg_connection;

/* One request. Owned by the layer; valid during the handler call only. */
struct httpd_req {
	struct mg_connection *conn;
	const char *method;  /* "GET", ... */
	unsigned method_bit; /* HTTPD_GET, ... */
	const char *path;    /* decoded path, without the query */
	const char *query;   /* raw query string, or NULL */
	struct arena arena;  /* per-request scratch, valid until the handler
			      * returns; it belongs to the worker thread and is
			      * reset (not freed) after each request, freed if
			      * it grew over 1 MiB, and released at thread exit */
	int replied;
};

/* Returns nothing; must call httpd_reply() (or a wrapper) exactly once. */
typedef void (*httpd_handler)(struct httpd_req *req, void *ctx);

struct httpd_route {
	const char *path;  /* exact match; or, ending in '*', a prefix route:
			    * "/api/v1/label/" followed by a star serves every
			    * path that starts with "/api/v1/label/" and has no
			    * exact route (the longest such prefix wins) */
	unsigned methods;  /* HTTPD_* bits; HEAD is implied by GET */
	httpd_handler fn;
	void *ctx;         /* passed to fn; borrowed */
};

struct httpd_opts {
	const char *listen;      /* Go style: ":9100", "127.0.0.1:9100", "[::1]:9100" */
	int threads;             /* worker threads (default 4) */
	size_t max_header_bytes; /* request line + headers (default 16 KiB) */
	size_t max_body_bytes;   /* request body limit (default 1 MiB) */
	/* Optional: called on each worker thread as it ends, to release
	 * thread-local caches the handlers keep. */
	void (*thread_exit)(void);
};

/* Start serving. routes must stay valid until httpd_stop().
 * Returns 0, or -1 with a message in err (e.g. the port is in use). */
int httpd_start(struct httpd **out, const struct httpd_opts *opts,
		const struct httpd_route *routes, size_t nroutes, char *err,
		size_t errlen);
/* Stop accepting, wait for running handlers, free everything. */
void httpd_stop(struct httpd *h);
/* The port actually bound (useful with port 0). */
int httpd_port(const struct httpd *h);

/* Send a complete response with Content-Length. ctype may be NULL.
 * A response with a body up to 64 KiB goes out in one write (head and body
 * copied together); a larger body is sent from the caller's memory after a
 * first write holding the head and the body's first 16 KiB. */
void httpd_reply(struct httpd_req *req, int status, const char *ctype,
		 const void *body, size_t len);
/* Send a plain-text error response: "<msg>\n". */
void httpd_error(struct httpd_req *req, int status, const char *msg);
/* A request header's value, or NULL. Borrowed, valid during the call. */
const char *httpd_header(struct httpd_req *req, const char *name);
/* Read the body (bounded by max_body_bytes) into b.
 * Returns 0, or -1 after having replied 413/400 itself. */
int httpd_read_body(struct httpd_req *req, struct buf *b);
/* Decode query parameter name into the request arena.
 * Returns the value or NULL if absent. With several, the first. */
const char *httpd_query(struct httpd_req *req, const char *name);

/* Turn a Go-style listen address into CivetWeb's listening_ports syntax.
 * [out] out: at least 128 bytes. Returns 0, or -1 if malformed. */
int httpd_listen_spec(const char *addr, char *out, size_t outlen);

#endif
