/* httpclient.h - a small blocking HTTP/1.1 client (GET, POST, ...), with
 * https over BearSSL.
 *
 * Used by the scraper, the remote-write sender and the alerter's
 * notifiers. One request at a time per client; every request has an
 * overall deadline (connect, TLS handshake, sending, and reading the whole
 * response), so a slow or silent server cannot hold a caller for longer
 * than it asked.
 *
 *   struct http_client *c;
 *   char err[256];
 *   if (http_client_new(&c, &(struct http_tls_config){ 0 }, err, sizeof err) < 0) ...
 *   struct http_request rq = { .method = "GET", .url = "http://127.0.0.1:9100/metrics",
 *                              .timeout_ms = 10000, .max_body = 0 };
 *   struct http_response rs;
 *   if (http_client_do(c, &rq, &rs, err, sizeof err) < 0) log_warn("%s", err);
 *   else { ... rs.status, rs.body.p, rs.body.len, http_response_header(&rs, "Content-Type") ... }
 *   http_response_free(&rs);
 *   http_client_free(c);
 *
 * Connections: a client keeps at most one idle connection open to the last
 * host it talked to (HTTP/1.1 keep-alive), and reuses it for the next
 * request to the same scheme/host/port when the server allowed it. A
 * reused connection that turns out to be closed by the server is replaced
 * by a new one once, transparently (only before any byte of a response
 * was read). Set HTTP_NO_KEEPALIVE in the request flags for one
 * connection per request ("Connection: close").
 *
 * TLS: BearSSL's full client profile (TLS 1.0-1.2), X.509 chain validation
 * against trust anchors read from a PEM file (the tls_config's ca_file, by
 * default /etc/ssl/certs/ca-certificates.crt), SNI and name check against
 * server_name (default: the URL's host; an IP address is not sent as SNI).
 * insecure_skip_verify accepts any chain (but still uses the server's key
 * for the key exchange). Randomness comes from getrandom(2).
 *
 * Response bodies: Content-Length, chunked transfer coding, or read until
 * the server closes; compressed bodies are never requested (no
 * Accept-Encoding is sent unless the caller adds one, and then the body is
 * returned as it came).
 *
 * Errors are short English texts in the caller's buffer, shaped so that a
 * user can act on them, e.g.
 *   "connect 127.0.0.1:9100: connection refused"
 *   "lookup nosuchhost: Name or service not known"
 *   "context deadline exceeded"            (the deadline passed; as Prometheus says)
 *   "body size limit exceeded"
 *   "malformed HTTP response: bad status line"
 *   "tls handshake with example.org:443: certificate is not trusted (BearSSL error 62)"
 * An HTTP status >= 400 is NOT an error of http_client_do(): the caller
 * decides; http_status_error() formats Prometheus's wording for it.
 *
 * Threads: a client belongs to one thread at a time; distinct clients
 * share nothing (the trust anchors are loaded per client).
 */
#ifndef PHAROS_HTTPCLIENT_H
#define PHAROS_HTTPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Error codes (negative) returned by the functions below. */
enum {
	HTTP_ERR_URL = -2001,       /* the URL does not parse or has an unsupported scheme */
	HTTP_ERR_RESOLVE = -2002,   /* the host name does not resolve */
	HTTP_ERR_CONNECT = -2003,   /* connecting failed (refused, unreachable, ...) */
	HTTP_ERR_TIMEOUT = -2004,   /* the request's deadline passed */
	HTTP_ERR_TLS = -2005,       /* TLS setup or handshake failed, or the peer's chain */
	HTTP_ERR_IO = -2006,        /* reading or writing the connection failed */
	HTTP_ERR_PROTOCOL = -2007,  /* the response is not valid HTTP/1.x */
	HTTP_ERR_BODY_LIMIT = -2008, /* the body is larger than max_body */
	HTTP_ERR_HEADER_LIMIT = -2009, /* the response head is larger than allowed */
	HTTP_ERR_CANCELED = -2010,  /* the request's cancel_fd became readable */
	HTTP_ERR_CA = -2011,        /* the CA file could not be read or holds no certificate */
};

/* A short constant description of an error code above. */
const char *http_strerror(int code);

/* TLS settings (Prometheus's tls_config). Strings are copied by
 * http_client_new(); the struct may be freed afterwards. */
struct http_tls_config {
	const char *ca_file;      /* PEM trust anchors; NULL or "" = the system's
				   * /etc/ssl/certs/ca-certificates.crt */
	const char *server_name;  /* SNI and certificate name; NULL or "" = URL host */
	bool insecure_skip_verify; /* accept any certificate chain */
};

#define HTTP_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* One request header. Both strings are borrowed for the call. A name or
 * value holding CR, LF or NUL is refused (HTTP_ERR_PROTOCOL, "invalid
 * header field"), so user-supplied headers cannot split the request. */
struct http_header {
	const char *name;
	const char *value;
};

/* Request flags. */
#define HTTP_NO_KEEPALIVE 0x1u /* send "Connection: close" and do not keep the connection */

/* Default and hard limits. */
#define HTTP_MAX_HEAD_DEFAULT ((size_t)64 << 10) /* status line + headers */
#define HTTP_MAX_HEADERS 256                     /* header lines in a response */

/* A request. Everything is borrowed for the duration of http_client_do(). */
struct http_request {
	const char *method; /* "GET" when NULL */
	const char *url;    /* http://host[:port]/path?query or https://...; host may
			     * be [IPv6]; userinfo (user:pass@) is sent as basic auth */
	const struct http_header *headers; /* extra headers, sent as given */
	size_t nheaders;
	const char *user_agent; /* NULL = "pharos/<version>" */
	const char *accept;     /* NULL = no Accept header */
	/* Basic auth (Authorization: Basic base64(user:pass)) when
	 * basic_user != NULL; basic_pass NULL counts as "". */
	const char *basic_user, *basic_pass;
	/* Authorization: <auth_type> <auth_credentials> when auth_credentials
	 * != NULL; auth_type NULL = "Bearer". Ignored when basic_user is set. */
	const char *auth_type, *auth_credentials;
	const void *body; /* request body (POST); NULL = none */
	size_t body_len;
	const char *content_type; /* of the body; NULL = none */
	int64_t timeout_ms;  /* overall deadline from the call; <= 0 = 30 s */
	size_t max_body;     /* response body limit in bytes; 0 = no limit */
	size_t max_head;     /* response head limit; 0 = HTTP_MAX_HEAD_DEFAULT */
	int cancel_fd;       /* when > 0: the request ends with HTTP_ERR_CANCELED
			      * ("context canceled") as soon as this fd is readable */
	unsigned flags;      /* HTTP_NO_KEEPALIVE */
};

/* A response. Filled by http_client_do(); the caller releases it with
 * http_response_free() whatever http_client_do() returned. */
struct http_response {
	int status;          /* e.g. 200 */
	const char *reason;  /* "OK"; in arena */
	const struct http_header *headers; /* in arena, in the order received;
					    * names as sent by the server */
	size_t nheaders;
	struct buf body;     /* owned: the decoded body (chunked coding removed) */
	struct arena arena;  /* owns reason and headers */
	int64_t elapsed_ms;  /* ms from the call until the response was read */
};

/* A parsed URL. Strings in the arena given to http_url_parse(). */
struct http_url {
	bool https;
	const char *host;     /* without brackets for IPv6 */
	unsigned port;        /* explicit or 80/443 */
	const char *path;     /* path and query, "/" when empty; never NULL */
	const char *userinfo; /* "user:pass" (percent-decoded) or NULL */
};

/* Parse an absolute http:// or https:// URL. A fragment (#...) is cut off.
 * Returns 0, or HTTP_ERR_URL with a message in err. */
int http_url_parse(const char *url, struct arena *a, struct http_url *out, char *err,
		   size_t errlen);

struct http_client;

/* Create a client.
 * [in] tls: may be NULL (defaults). The CA file is read at the first https
 *           request, not here, so a client for plain http never reads it.
 * Returns 0, or a negative code with a message in err. */
int http_client_new(struct http_client **out, const struct http_tls_config *tls, char *err,
		    size_t errlen);
/* Close any idle connection and free the client. NULL is a no-op. */
void http_client_free(struct http_client *c);

/* Send req and read the whole response into *resp (always initialised,
 * even on failure; free it with http_response_free()).
 * Returns 0 when a complete response was read (any status), or a negative
 * HTTP_ERR_* code with a message in err (err may be NULL). */
int http_client_do(struct http_client *c, const struct http_request *req,
		   struct http_response *resp, char *err, size_t errlen);

/* One-shot convenience: a temporary client with the given TLS settings. */
int http_do(const struct http_request *req, const struct http_tls_config *tls,
	    struct http_response *resp, char *err, size_t errlen);

/* Release what a response holds. Safe on a zeroed or freed response. */
void http_response_free(struct http_response *resp);

/* The value of the first header called name (case-insensitive), or NULL.
 * Borrowed from resp. */
const char *http_response_header(const struct http_response *resp, const char *name);

/* Prometheus's wording for a bad status: "server returned HTTP status 500
 * Internal Server Error" (the reason as the server sent it, or the
 * standard text when it sent none). */
void http_status_error(const struct http_response *resp, char *err, size_t errlen);

/* Parse a complete response held in memory (status line, headers, body
 * per Content-Length / chunked / rest of input): the same parser the
 * client runs on a connection, exposed for tests and the fuzz target.
 * A response cut short (less body than announced) is HTTP_ERR_PROTOCOL.
 * *resp is always initialised (free it with http_response_free()).
 * Returns 0 or an HTTP_ERR_* code with a message in err. */
int http_response_parse(const char *data, size_t len, size_t max_head, size_t max_body,
			struct http_response *resp, char *err, size_t errlen);

#endif
