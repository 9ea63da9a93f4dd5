/* httpclient.c - blocking HTTP/1.1 client over plain TCP or BearSSL.
 *
 * Every blocking step polls with the time left before the request's
 * deadline (and on the caller's cancel fd), so nothing here waits longer
 * than the caller allowed. Name resolution is the exception: getaddrinfo()
 * cannot be interrupted; numeric hosts never reach the resolver.
 *
 * One reader serves both the network and http_response_parse(): it pulls
 * bytes through a function pointer, so the fuzz target exercises exactly
 * the code that reads from servers.
 */
#include "httpclient.h"

#include <arpa/inet.h>
#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PHAROS_VERSION
#define PHAROS_VERSION "dev"
#endif

#define HTTP_DEFAULT_TIMEOUT_MS 30000
#define CHUNK_LINE_MAX 4096

/* ---- errors ---- */

const char *http_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case HTTP_ERR_URL: return "invalid URL";
	case HTTP_ERR_RESOLVE: return "host name lookup failed";
	case HTTP_ERR_CONNECT: return "connect failed";
	case HTTP_ERR_TIMEOUT: return "context deadline exceeded";
	case HTTP_ERR_TLS: return "TLS failure";
	case HTTP_ERR_IO: return "connection I/O error";
	case HTTP_ERR_PROTOCOL: return "malformed HTTP response";
	case HTTP_ERR_BODY_LIMIT: return "body size limit exceeded";
	case HTTP_ERR_HEADER_LIMIT: return "response header too large";
	case HTTP_ERR_CANCELED: return "context canceled";
	case HTTP_ERR_CA: return "cannot load CA file";
	default: return "unknown error";
	}
}

static int seterr(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- URL ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static char *pct_decode(struct arena *a, const char *s, size_t n)
{
	char *o = arena_alloc(a, n + 1), *w = o;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			*w++ = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			*w++ = s[i];
		}
	}
	*w = 0;
	return o;
}

int http_url_parse(const char *url, struct arena *a, struct http_url *out, char *err,
		   size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!url)
		return seterr(err, errlen, HTTP_ERR_URL, "empty URL");
	const char *p;
	if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		out->https = true;
	} else {
		const char *c = strstr(url, "://");
		if (c)
			return seterr(err, errlen, HTTP_ERR_URL, "unsupported protocol scheme \"%.*s\"",
				      (int)(c - url > 32 ? 32 : c - url), url);
		return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": no scheme", url);
	}
	/* authority: up to the first / ? # */
	size_t alen = strcspn(p, "/?#");
	const char *auth = p, *rest = p + alen;
	const char *at = memrchr(auth, '@', alen);
	if (at) {
		out->userinfo = pct_decode(a, auth, (size_t)(at - auth));
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	const char *host, *portstr = NULL;
	size_t hlen, plen = 0;
	if (alen && auth[0] == '[') {
		const char *rb = memchr(auth, ']', alen);
		if (!rb)
			return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": missing ']' in host", url);
		host = auth + 1;
		hlen = (size_t)(rb - host);
		const char *after = rb + 1;
		size_t left = alen - (size_t)(after - auth);
		if (left) {
			if (*after != ':')
				return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": bad port", url);
			portstr = after + 1;
			plen = left - 1;
		}
	} else {
		host = auth;
		const char *colon = memchr(auth, ':', alen);
		if (colon) {
			hlen = (size_t)(colon - auth);
			portstr = colon + 1;
			plen = alen - hlen - 1;
		} else {
			hlen = alen;
		}
	}
	if (hlen == 0)
		return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": no host", url);
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']' || c == '\\')
			return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": bad host", url);
	}
	out->host = arena_strndup(a, host, hlen);
	out->port = out->https ? 443 : 80;
	if (portstr && plen) {
		unsigned v = 0;
		for (size_t i = 0; i < plen; i++) {
			if (portstr[i] < '0' || portstr[i] > '9' || v > 65535)
				return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": bad port", url);
			v = v * 10 + (unsigned)(portstr[i] - '0');
		}
		if (v == 0 || v > 65535)
			return seterr(err, errlen, HTTP_ERR_URL, "invalid URL \"%.100s\": bad port", url);
		out->port = v;
	}
	/* path and query, without the fragment; bytes that cannot go on the
	 * request line are percent-encoded */
	size_t rlen = strcspn(rest, "#");
	struct buf pb = BUF_INIT;
	if (rlen == 0 || rest[0] != '/')
		buf_putc(&pb, '/');
	for (size_t i = 0; i < rlen; i++) {
		unsigned char c = (unsigned char)rest[i];
		if (c <= 0x20 || c >= 0x7f)
			buf_printf(&pb, "%%%02X", c);
		else
			buf_putc(&pb, (char)c);
	}
	out->path = arena_strndup(a, pb.p, pb.len);
	buf_free(&pb);
	return 0;
}

/* ---- base64 (basic auth) ---- */

static void base64_put(struct buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63] };
		buf_put(b, o, 4);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63], '=', '=' };
		buf_put(b, o, 4);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], '=' };
		buf_put(b, o, 4);
	}
}

/* ---- trust anchors ---- */

struct ta_list {
	br_x509_trust_anchor *v;
	size_t n, cap;
};

static void *dupmem(const void *p, size_t n)
{
	void *o = xmalloc(n ? n : 1);
	if (n)
		memcpy(o, p, n);
	return o;
}

static void ta_list_free(struct ta_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		br_x509_trust_anchor *ta = &l->v[i];
		free(ta->dn.data);
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			free(ta->pkey.key.rsa.n);
			free(ta->pkey.key.rsa.e);
		} else {
			free(ta->pkey.key.ec.q);
		}
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void append_to_buf(void *ctx, const void *src, size_t len)
{
	buf_put(ctx, src, len);
}

/* Add the certificate in der[0..len) as a trust anchor. Certificates
 * that BearSSL cannot decode (unsupported key types) are skipped, as a
 * system bundle may hold some. */
static void ta_add(struct ta_list *l, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct buf dn = BUF_INIT;
	br_x509_decoder_init(&dc, append_to_buf, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || br_x509_decoder_last_error(&dc) != 0) {
		buf_free(&dn);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	br_x509_trust_anchor *ta = &l->v[l->n++];
	memset(ta, 0, sizeof *ta);
	ta->dn.len = dn.len;
	ta->dn.data = dupmem(dn.p, dn.len);
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dupmem(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dupmem(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = dupmem(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	buf_free(&dn);
}

/* Read every CERTIFICATE of a PEM file. */
static int ta_load(struct ta_list *l, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return seterr(err, errlen, HTTP_ERR_CA, "unable to read CA file %s: %s", path,
			      strerror(errno));
	br_pem_decoder_context pc;
	br_pem_decoder_init(&pc);
	struct buf obj = BUF_INIT;
	bool in_cert = false, bad = false;
	unsigned char chunk[4096];
	size_t n;
	while (!bad && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		size_t off = 0;
		while (off < n) {
			off += br_pem_decoder_push(&pc, chunk + off, n - off);
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				buf_reset(&obj);
				in_cert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0 ||
					  strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
				br_pem_decoder_setdest(&pc, in_cert ? append_to_buf : NULL,
						       in_cert ? &obj : NULL);
				break;
			case BR_PEM_END_OBJ:
				if (in_cert)
					ta_add(l, (const unsigned char *)obj.p, obj.len);
				in_cert = false;
				break;
			case BR_PEM_ERROR:
				bad = true;
				off = n;
				break;
			default:
				break;
			}
		}
	}
	fclose(f);
	buf_free(&obj);
	if (bad)
		return seterr(err, errlen, HTTP_ERR_CA, "unable to read CA file %s: invalid PEM", path);
	if (l->n == 0)
		return seterr(err, errlen, HTTP_ERR_CA, "unable to use CA file %s: no certificate found",
			      path);
	return 0;
}

/* ---- an X.509 engine that trusts any chain (insecure_skip_verify) ----
 * It decodes the server's (first) certificate only to learn its public
 * key, which the key exchange needs. */
struct x509_any {
	const br_x509_class *vtable;
	br_x509_decoder_context dc;
	int depth;
	bool have_key;
	br_x509_pkey pkey;
	unsigned char key[BR_X509_BUFSIZE_KEY];
};

static void xa_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct x509_any *x = (struct x509_any *)(void *)ctx;
	x->depth = 0;
	x->have_key = false;
}

static void xa_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct x509_any *x = (struct x509_any *)(void *)ctx;
	if (x->depth == 0)
		br_x509_decoder_init(&x->dc, NULL, NULL);
}

static void xa_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct x509_any *x = (struct x509_any *)(void *)ctx;
	if (x->depth == 0)
		br_x509_decoder_push(&x->dc, buf, len);
}

static void xa_end_cert(const br_x509_class **ctx)
{
	struct x509_any *x = (struct x509_any *)(void *)ctx;
	if (x->depth++ != 0)
		return;
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&x->dc);
	if (!pk)
		return;
	x->pkey = *pk;
	/* copy the key bytes out of the decoder into our own storage */
	if (pk->key_type == BR_KEYTYPE_RSA) {
		if (pk->key.rsa.nlen + pk->key.rsa.elen > sizeof x->key)
			return;
		memcpy(x->key, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(x->key + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		x->pkey.key.rsa.n = x->key;
		x->pkey.key.rsa.e = x->key + pk->key.rsa.nlen;
	} else {
		if (pk->key.ec.qlen > sizeof x->key)
			return;
		memcpy(x->key, pk->key.ec.q, pk->key.ec.qlen);
		x->pkey.key.ec.q = x->key;
	}
	x->have_key = true;
}

static unsigned xa_end_chain(const br_x509_class **ctx)
{
	struct x509_any *x = (struct x509_any *)(void *)ctx;
	return x->have_key ? 0 : BR_ERR_X509_EMPTY_CHAIN;
}

static const br_x509_pkey *xa_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct x509_any *x = (struct x509_any *)(void *)ctx;
	if (!x->have_key)
		return NULL;
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return &x->pkey;
}

static const br_x509_class x509_any_vtable = {
	sizeof(struct x509_any), xa_start_chain, xa_start_cert, xa_append,
	xa_end_cert,             xa_end_chain,   xa_get_pkey,
};

/* ---- connections ---- */

/* What a blocking step waits on: the deadline and the cancel fd. */
struct waiter {
	int64_t deadline; /* monotonic ms */
	int cancel_fd;
	int fail;         /* set by the I/O callbacks: an HTTP_ERR_* */
	int sys_errno;
};

struct conn {
	int fd;
	bool tls;
	bool reused;      /* this request runs on a kept-alive connection */
	char *key;        /* "scheme://host:port" (owned) */
	struct waiter *w; /* the current request's waiter */
	struct conn_tls *t; /* https only (owned): BearSSL's state is ~40 KiB */
};

struct conn_tls {
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	struct x509_any xany;
	br_sslio_context io;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

struct http_client {
	struct http_tls_config tls; /* strings owned */
	struct ta_list tas;
	bool tas_loaded;
	struct conn *idle;          /* kept-alive connection, or NULL */
};

/* Wait until fd is ready for events, the deadline passes, or cancel_fd is
 * readable. Returns 0 when ready, else an HTTP_ERR_* code. */
static int wait_fd(struct waiter *w, int fd, short events)
{
	for (;;) {
		int64_t left = w->deadline - now_ms();
		if (left <= 0)
			return HTTP_ERR_TIMEOUT;
		struct pollfd p[2] = { { fd, events, 0 }, { w->cancel_fd, POLLIN, 0 } };
		int r = poll(p, w->cancel_fd > 0 ? 2 : 1, left > 1000000 ? 1000000 : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			w->sys_errno = errno;
			return HTTP_ERR_IO;
		}
		if (r == 0)
			continue; /* re-check the deadline */
		if (w->cancel_fd > 0 && p[1].revents)
			return HTTP_ERR_CANCELED;
		if (p[0].revents)
			return 0;
	}
}

/* Raw reads and writes on the socket with the waiter's limits: one
 * read(2) (ev POLLIN, into b) or send(2) (ev POLLOUT, from b), retried on
 * EINTR and after waiting for readiness on EAGAIN. Return bytes (> 0),
 * 0 at EOF (reads), or -1 with w->fail set. */
static int raw_io(struct waiter *w, int fd, unsigned char *b, size_t len, short ev)
{
	for (;;) {
		ssize_t r = ev == POLLIN ? read(fd, b, len) : send(fd, b, len, MSG_NOSIGNAL);
		if (r >= 0)
			return (int)r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			w->sys_errno = errno;
			w->fail = HTTP_ERR_IO;
			return -1;
		}
		int e = wait_fd(w, fd, ev);
		if (e) {
			w->fail = e;
			return -1;
		}
	}
}

static int raw_read(struct waiter *w, int fd, unsigned char *b, size_t len)
{
	return raw_io(w, fd, b, len, POLLIN);
}

static int raw_write(struct waiter *w, int fd, const unsigned char *b, size_t len)
{
	return raw_io(w, fd, (unsigned char *)b, len, POLLOUT); /* send() only reads b */
}

static int tls_low_read(void *ctx, unsigned char *b, size_t len)
{
	struct conn *c = ctx;
	int r = raw_read(c->w, c->fd, b, len);
	return r == 0 ? -1 : r; /* EOF inside TLS is an error for BearSSL */
}

static int tls_low_write(void *ctx, const unsigned char *b, size_t len)
{
	struct conn *c = ctx;
	return raw_write(c->w, c->fd, b, len);
}

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->key);
	free(c->t);
	free(c);
}

/* Connect to one address with the deadline. Returns 0 or an HTTP_ERR_*
 * with errno in w->sys_errno. */
static int connect_addr(struct waiter *w, const struct addrinfo *ai, int *fdout)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	if (fd < 0) {
		w->sys_errno = errno;
		return HTTP_ERR_CONNECT;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			w->sys_errno = errno;
			close(fd);
			return HTTP_ERR_CONNECT;
		}
		int e = wait_fd(w, fd, POLLOUT);
		if (e) {
			close(fd);
			return e;
		}
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			w->sys_errno = soerr;
			close(fd);
			return HTTP_ERR_CONNECT;
		}
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*fdout = fd;
	return 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static const char *hostport(const struct http_url *u, char *b, size_t n)
{
	if (strchr(u->host, ':'))
		snprintf(b, n, "[%s]:%u", u->host, u->port);
	else
		snprintf(b, n, "%s:%u", u->host, u->port);
	return b;
}

static const char *x509_text(int e)
{
	switch (e) {
	case BR_ERR_X509_NOT_TRUSTED: return "x509: certificate signed by unknown authority";
	case BR_ERR_X509_BAD_SERVER_NAME: return "x509: certificate is not valid for the server name";
	case BR_ERR_X509_EXPIRED: return "x509: certificate has expired or is not yet valid";
	case BR_ERR_X509_TIME_UNKNOWN: return "x509: current time unknown";
	case BR_ERR_X509_NOT_CA: return "x509: issuer is not a CA";
	case BR_ERR_X509_WEAK_PUBLIC_KEY: return "x509: public key too weak";
	case BR_ERR_X509_BAD_SIGNATURE: return "x509: bad certificate signature";
	case BR_ERR_X509_EMPTY_CHAIN: return "x509: server sent no certificate";
	default: break;
	}
	if (e >= BR_ERR_SEND_FATAL_ALERT)
		return "sent a fatal alert";
	if (e >= BR_ERR_RECV_FATAL_ALERT)
		return "remote error: the server sent a fatal alert";
	if (e >= BR_ERR_X509_OK)
		return "x509: certificate is invalid";
	return "handshake failed";
}

static int client_load_tas(struct http_client *cl, char *err, size_t errlen)
{
	if (cl->tas_loaded)
		return 0;
	const char *f = cl->tls.ca_file && *cl->tls.ca_file ? cl->tls.ca_file : HTTP_DEFAULT_CA_FILE;
	int rc = ta_load(&cl->tas, f, err, errlen);
	if (rc < 0) {
		ta_list_free(&cl->tas);
		return rc;
	}
	cl->tas_loaded = true;
	return 0;
}

static bool is_ip_literal(const char *h)
{
	unsigned char tmp[16];
	return inet_pton(AF_INET, h, tmp) == 1 || inet_pton(AF_INET6, h, tmp) == 1;
}

/* Open a new connection (TCP, then the TLS handshake for https). */
static int conn_open(struct http_client *cl, const struct http_url *u, struct waiter *w,
		     struct conn **out, char *err, size_t errlen)
{
	char hp[300], portbuf[8];
	hostport(u, hp, sizeof hp);
	snprintf(portbuf, sizeof portbuf, "%u", u->port);
	int rc;
	if (u->https && !cl->tls.insecure_skip_verify) {
		if ((rc = client_load_tas(cl, err, errlen)) < 0)
			return rc;
	}
	struct addrinfo hints = { 0 }, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	int g = getaddrinfo(u->host, portbuf, &hints, &res);
	if (g != 0) {
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		g = getaddrinfo(u->host, portbuf, &hints, &res);
		if (g != 0)
			return seterr(err, errlen, HTTP_ERR_RESOLVE, "lookup %s: %s", u->host,
				      g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	}
	if (now_ms() >= w->deadline) {
		freeaddrinfo(res);
		return seterr(err, errlen, HTTP_ERR_TIMEOUT, "context deadline exceeded");
	}
	int fd = -1;
	rc = HTTP_ERR_CONNECT;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		rc = connect_addr(w, ai, &fd);
		if (rc == 0 || rc == HTTP_ERR_TIMEOUT || rc == HTTP_ERR_CANCELED)
			break;
	}
	freeaddrinfo(res);
	if (rc == HTTP_ERR_TIMEOUT)
		return seterr(err, errlen, rc, "context deadline exceeded");
	if (rc == HTTP_ERR_CANCELED)
		return seterr(err, errlen, rc, "context canceled");
	if (rc < 0) {
		char m[128];
		snprintf(m, sizeof m, "%s", strerror(w->sys_errno));
		lower(m);
		return seterr(err, errlen, rc, "connect %s: %s", hp, m);
	}
	struct conn *c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->w = w;
	char key[400];
	snprintf(key, sizeof key, "%s://%s", u->https ? "https" : "http", hp);
	c->key = xstrdup(key);
	if (!u->https) {
		*out = c;
		return 0;
	}
	c->tls = true;
	c->t = xcalloc(1, sizeof *c->t);
	const char *sni = cl->tls.server_name && *cl->tls.server_name ? cl->tls.server_name : u->host;
	/* BearSSL checks names against DNS names only; an IP address is not a
	 * valid SNI value, so for an IP host without server_name the chain is
	 * still verified but the name is not. */
	if (sni == u->host && is_ip_literal(sni))
		sni = NULL;
	br_ssl_client_init_full(&c->t->sc, &c->t->xc, cl->tas.v, cl->tas.n);
	if (cl->tls.insecure_skip_verify) {
		c->t->xany.vtable = &x509_any_vtable;
		br_ssl_engine_set_x509(&c->t->sc.eng, &c->t->xany.vtable);
	}
	br_ssl_engine_set_buffer(&c->t->sc.eng, c->t->iobuf, sizeof c->t->iobuf, 1);
	unsigned char seed[32];
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
		conn_free(c);
		return seterr(err, errlen, HTTP_ERR_TLS, "tls: no entropy: %s", strerror(errno));
	}
	br_ssl_engine_inject_entropy(&c->t->sc.eng, seed, sizeof seed);
	if (!br_ssl_client_reset(&c->t->sc, sni, 0)) {
		conn_free(c);
		return seterr(err, errlen, HTTP_ERR_TLS, "tls: client reset failed");
	}
	br_sslio_init(&c->t->io, &c->t->sc.eng, tls_low_read, c, tls_low_write, c);
	w->fail = 0;
	if (br_sslio_flush(&c->t->io) < 0) {
		int be = br_ssl_engine_last_error(&c->t->sc.eng);
		int f = w->fail;
		conn_free(c);
		if (f == HTTP_ERR_TIMEOUT || f == HTTP_ERR_CANCELED)
			return seterr(err, errlen, f, "%s", http_strerror(f));
		if (be == BR_ERR_OK || be == BR_ERR_IO)
			return seterr(err, errlen, HTTP_ERR_TLS,
				      "tls handshake with %s: connection closed by peer", hp);
		return seterr(err, errlen, HTTP_ERR_TLS, "tls handshake with %s: %s (BearSSL error %d)",
			      hp, x509_text(be), be);
	}
	*out = c;
	return 0;
}

/* Write all of b on c. Returns 0 or an HTTP_ERR_* (w->fail / errno). */
static int conn_write(struct conn *c, const void *b, size_t n)
{
	c->w->fail = 0;
	if (c->tls) {
		if (br_sslio_write_all(&c->t->io, b, n) < 0 || br_sslio_flush(&c->t->io) < 0)
			return c->w->fail ? c->w->fail : HTTP_ERR_IO;
		return 0;
	}
	const unsigned char *p = b;
	while (n) {
		int r = raw_write(c->w, c->fd, p, n);
		if (r < 0)
			return c->w->fail;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- the response reader ---- */

struct reader {
	/* pull up to len bytes: > 0 read, 0 EOF, < 0 an HTTP_ERR_* */
	int (*pull)(void *ctx, unsigned char *b, size_t len);
	void *ctx;
	unsigned char *buf; /* owned */
	size_t cap, pos, end;
	uint64_t total;     /* bytes pulled so far */
	bool eof;
};

static int conn_pull(void *ctx, unsigned char *b, size_t len)
{
	struct conn *c = ctx;
	c->w->fail = 0;
	if (len > 65536)
		len = 65536;
	if (c->tls) {
		int r = br_sslio_read(&c->t->io, b, len);
		if (r < 0) {
			if (c->w->fail)
				return c->w->fail;
			int be = br_ssl_engine_last_error(&c->t->sc.eng);
			/* a peer that closes the TCP connection without
			 * close_notify ends the stream like an EOF: the framing
			 * (Content-Length, chunked) tells whether it came early */
			if (be == BR_ERR_OK || be == BR_ERR_IO)
				return 0;
			return HTTP_ERR_TLS;
		}
		return r;
	}
	int r = raw_read(c->w, c->fd, b, len);
	return r < 0 ? c->w->fail : r;
}

struct membuf {
	const unsigned char *p;
	size_t len, off;
};

static int mem_pull(void *ctx, unsigned char *b, size_t len)
{
	struct membuf *m = ctx;
	size_t n = m->len - m->off;
	if (n > len)
		n = len;
	/* small pieces, so the fuzz target exercises buffer refills */
	if (n > 4096)
		n = 4096;
	memcpy(b, m->p + m->off, n);
	m->off += n;
	return (int)n;
}

/* Make at least one more byte available. Returns 1, 0 at EOF, or < 0. */
static int rd_fill(struct reader *r)
{
	if (r->eof)
		return 0;
	if (r->pos == r->end)
		r->pos = r->end = 0;
	if (r->end == r->cap) {
		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		} else {
			r->cap = r->cap ? r->cap * 2 : 16384;
			r->buf = xrealloc(r->buf, r->cap);
		}
	}
	int n = r->pull(r->ctx, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return n;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->end += (size_t)n;
	r->total += (uint64_t)n;
	return 1;
}

/* Read one line (up to LF) of at most max bytes into *line (pointer into
 * the reader's buffer, valid until the next read), CR LF or LF removed.
 * Returns 1, 0 at EOF before any byte, or < 0 (HTTP_ERR_PROTOCOL for a
 * line cut by EOF, limit_code when longer than max). */
static int rd_line(struct reader *r, size_t max, int limit_code, char **line, size_t *len)
{
	size_t scanned = 0;
	for (;;) {
		unsigned char *s = r->buf ? r->buf + r->pos + scanned : NULL;
		size_t avail = r->end - r->pos - scanned;
		unsigned char *nl = avail ? memchr(s, '\n', avail) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->pos));
			if (n > max)
				return limit_code;
			*line = (char *)r->buf + r->pos;
			r->pos += n + 1;
			if (n && (*line)[n - 1] == '\r')
				n--;
			(*line)[n] = 0;
			*len = n;
			return 1;
		}
		scanned = r->end - r->pos;
		if (scanned > max)
			return limit_code;
		/* rd_fill may move the buffer; scanned is relative to pos */
		int f = rd_fill(r);
		if (f < 0)
			return f;
		if (f == 0)
			return scanned ? HTTP_ERR_PROTOCOL : 0;
	}
}

static const char *status_text(int code)
{
	switch (code) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Does the comma-separated header value list contain token tok? */
static bool has_token(const char *v, const char *tok)
{
	size_t tl = strlen(tok);
	while (v && *v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		size_t n = strcspn(v, ",");
		size_t m = n;
		while (m && (v[m - 1] == ' ' || v[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(v, tok, tl) == 0)
			return true;
		v += n;
	}
	return false;
}

struct head_info {
	bool http11;
	bool chunked;
	bool has_length;
	uint64_t length;
	bool conn_close, conn_keepalive;
};

/* Read a response head (skipping 1xx responses) into resp. */
static int read_head(struct reader *r, size_t max_head, struct http_response *resp,
		     struct head_info *hi, char *err, size_t errlen)
{
	char *line;
	size_t len;
	for (;;) {
		size_t used = 0;
		int rc = rd_line(r, max_head, HTTP_ERR_HEADER_LIMIT, &line, &len);
		if (rc == HTTP_ERR_HEADER_LIMIT)
			return seterr(err, errlen, rc, "response header too large (limit %zu bytes)", max_head);
		if (rc == 0)
			return seterr(err, errlen, HTTP_ERR_PROTOCOL, "server closed the connection without a response");
		if (rc == HTTP_ERR_PROTOCOL)
			return seterr(err, errlen, rc, "malformed HTTP response: unexpected EOF in status line");
		if (rc < 0)
			return rc;
		used += len;
		/* HTTP/1.x SP 3DIGIT [SP reason] */
		if (len < 12 || strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
		    line[8] != ' ' || line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' ||
		    line[11] < '0' || line[11] > '9' || (len > 12 && line[12] != ' '))
			return seterr(err, errlen, HTTP_ERR_PROTOCOL,
				      "malformed HTTP response: bad status line \"%.40s\"", line);
		memset(hi, 0, sizeof *hi);
		hi->http11 = line[7] == '1';
		resp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
		const char *reason = len > 13 ? line + 13 : "";
		for (const char *q = reason; *q; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return seterr(err, errlen, HTTP_ERR_PROTOCOL,
					      "malformed HTTP response: bad status line");
		resp->reason = arena_strdup(&resp->arena, reason);
		struct http_header *hv = NULL;
		size_t nh = 0, hcap = 0;
		for (;;) {
			rc = rd_line(r, max_head - (used < max_head ? used : max_head), HTTP_ERR_HEADER_LIMIT,
				     &line, &len);
			if (rc == HTTP_ERR_HEADER_LIMIT)
				return seterr(err, errlen, rc, "response header too large (limit %zu bytes)",
					      max_head);
			if (rc == 0 || rc == HTTP_ERR_PROTOCOL)
				return seterr(err, errlen, HTTP_ERR_PROTOCOL,
					      "malformed HTTP response: unexpected EOF in header");
			if (rc < 0)
				return rc;
			used += len + 2;
			if (used > max_head)
				return seterr(err, errlen, HTTP_ERR_HEADER_LIMIT,
					      "response header too large (limit %zu bytes)", max_head);
			if (len == 0)
				break;
			if (line[0] == ' ' || line[0] == '\t')
				return seterr(err, errlen, HTTP_ERR_PROTOCOL,
					      "malformed HTTP response: folded header line");
			char *colon = memchr(line, ':', len);
			if (!colon || colon == line)
				return seterr(err, errlen, HTTP_ERR_PROTOCOL,
					      "malformed HTTP response: bad header line \"%.40s\"", line);
			for (char *q = line; q < colon; q++)
				if (!is_tchar((unsigned char)*q))
					return seterr(err, errlen, HTTP_ERR_PROTOCOL,
						      "malformed HTTP response: bad header name \"%.40s\"", line);
			char *v = colon + 1, *e = line + len;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			for (char *q = v; q < e; q++)
				if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
					return seterr(err, errlen, HTTP_ERR_PROTOCOL,
						      "malformed HTTP response: bad header value");
			if (nh == HTTP_MAX_HEADERS)
				return seterr(err, errlen, HTTP_ERR_HEADER_LIMIT,
					      "response has more than %d header lines", HTTP_MAX_HEADERS);
			if (nh == hcap) {
				size_t ncap = hcap ? hcap * 2 : 16;
				struct http_header *nv = arena_alloc(&resp->arena, ncap * sizeof *nv);
				if (nh)
					memcpy(nv, hv, nh * sizeof *nv);
				hv = nv;
				hcap = ncap;
			}
			char *name = arena_strndup(&resp->arena, line, (size_t)(colon - line));
			char *val = arena_strndup(&resp->arena, v, (size_t)(e - v));
			hv[nh].name = name;
			hv[nh].value = val;
			nh++;
			if (strcasecmp(name, "Content-Length") == 0) {
				uint64_t n = 0;
				if (!*val)
					return seterr(err, errlen, HTTP_ERR_PROTOCOL,
						      "malformed HTTP response: bad Content-Length");
				for (const char *q = val; *q; q++) {
					if (*q < '0' || *q > '9' || n > UINT64_MAX / 10 - 10)
						return seterr(err, errlen, HTTP_ERR_PROTOCOL,
							      "malformed HTTP response: bad Content-Length \"%.30s\"", val);
					n = n * 10 + (uint64_t)(*q - '0');
				}
				if (hi->has_length && hi->length != n)
					return seterr(err, errlen, HTTP_ERR_PROTOCOL,
						      "malformed HTTP response: conflicting Content-Length");
				hi->has_length = true;
				hi->length = n;
			} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
				if (has_token(val, "chunked"))
					hi->chunked = true;
				else if (!has_token(val, "identity"))
					return seterr(err, errlen, HTTP_ERR_PROTOCOL,
						      "unsupported transfer encoding \"%.30s\"", val);
			} else if (strcasecmp(name, "Connection") == 0) {
				if (has_token(val, "close"))
					hi->conn_close = true;
				if (has_token(val, "keep-alive"))
					hi->conn_keepalive = true;
			}
		}
		resp->headers = hv;
		resp->nheaders = nh;
		if (resp->status >= 100 && resp->status < 200 && resp->status != 101) {
			/* informational: the real response follows */
			resp->headers = NULL;
			resp->nheaders = 0;
			continue;
		}
		return 0;
	}
}

/* Append n bytes from the reader to the body (n known). */
static int read_exact(struct reader *r, struct buf *body, uint64_t n, char *err, size_t errlen)
{
	while (n) {
		if (r->pos == r->end) {
			int f = rd_fill(r);
			if (f < 0)
				return f;
			if (f == 0)
				return seterr(err, errlen, HTTP_ERR_PROTOCOL, "unexpected EOF in response body");
		}
		size_t take = r->end - r->pos;
		if (take > n)
			take = (size_t)n;
		buf_put(body, r->buf + r->pos, take);
		r->pos += take;
		n -= take;
	}
	return 0;
}

static int body_limit(char *err, size_t errlen)
{
	return seterr(err, errlen, HTTP_ERR_BODY_LIMIT, "body size limit exceeded");
}

static int read_chunked(struct reader *r, struct buf *body, size_t max_body, size_t max_head,
			char *err, size_t errlen)
{
	for (;;) {
		char *line;
		size_t len;
		int rc = rd_line(r, CHUNK_LINE_MAX, HTTP_ERR_PROTOCOL, &line, &len);
		if (rc == 0)
			return seterr(err, errlen, HTTP_ERR_PROTOCOL, "unexpected EOF in chunked body");
		if (rc == HTTP_ERR_PROTOCOL)
			return seterr(err, errlen, rc, "malformed chunked encoding: bad chunk size line");
		if (rc < 0)
			return rc;
		uint64_t n = 0;
		size_t i = 0;
		for (; i < len && hexval((unsigned char)line[i]) >= 0; i++) {
			if (n >> 60)
				return seterr(err, errlen, HTTP_ERR_PROTOCOL, "malformed chunked encoding: chunk too large");
			n = n * 16 + (uint64_t)hexval((unsigned char)line[i]);
		}
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == 0 || (i < len && line[i] != ';'))
			return seterr(err, errlen, HTTP_ERR_PROTOCOL,
				      "malformed chunked encoding: bad chunk size \"%.20s\"", line);
		if (n == 0) {
			/* trailers up to an empty line */
			size_t used = 0;
			for (;;) {
				rc = rd_line(r, max_head, HTTP_ERR_HEADER_LIMIT, &line, &len);
				if (rc == 0)
					return seterr(err, errlen, HTTP_ERR_PROTOCOL, "unexpected EOF in chunked trailer");
				if (rc == HTTP_ERR_HEADER_LIMIT || rc == HTTP_ERR_PROTOCOL)
					return seterr(err, errlen, rc, "malformed chunked trailer");
				if (rc < 0)
					return rc;
				used += len + 2;
				if (used > max_head)
					return seterr(err, errlen, HTTP_ERR_HEADER_LIMIT, "chunked trailer too large");
				if (len == 0)
					return 0;
			}
		}
		if (max_body && (uint64_t)body->len + n > max_body)
			return body_limit(err, errlen);
		if ((rc = read_exact(r, body, n, err, errlen)) < 0)
			return rc;
		rc = rd_line(r, 2, HTTP_ERR_PROTOCOL, &line, &len);
		if (rc == 0 || (rc > 0 && len != 0) || rc == HTTP_ERR_PROTOCOL)
			return seterr(err, errlen, HTTP_ERR_PROTOCOL,
				      "malformed chunked encoding: missing CRLF after chunk data");
		if (rc < 0)
			return rc;
	}
}

/* Read a whole response. *reusable says whether the connection may carry
 * another request. */
static int read_response(struct reader *r, bool head_req, size_t max_head, size_t max_body,
			 struct http_response *resp, bool *reusable, char *err, size_t errlen)
{
	struct head_info hi;
	*reusable = false;
	int rc = read_head(r, max_head, resp, &hi, err, errlen);
	if (rc < 0)
		return rc;
	bool keep = hi.http11 ? !hi.conn_close : hi.conn_keepalive && !hi.conn_close;
	if (head_req || resp->status == 204 || resp->status == 304) {
		*reusable = keep;
		return 0;
	}
	if (hi.chunked) {
		rc = read_chunked(r, &resp->body, max_body, max_head, err, errlen);
		if (rc < 0)
			return rc;
		*reusable = keep;
		return 0;
	}
	if (hi.has_length) {
		if (max_body && hi.length > max_body)
			return body_limit(err, errlen);
		if (hi.length > ((uint64_t)1 << 40))
			return seterr(err, errlen, HTTP_ERR_PROTOCOL, "Content-Length too large");
		/* reserve what is announced, but not more than 1 MiB ahead of
		 * what arrived: a hostile length costs no memory by itself */
		buf_reserve(&resp->body, (size_t)(hi.length < ((uint64_t)1 << 20) ? hi.length
										  : ((uint64_t)1 << 20)));
		rc = read_exact(r, &resp->body, hi.length, err, errlen);
		if (rc < 0)
			return rc;
		*reusable = keep;
		return 0;
	}
	/* delimited by the end of the connection */
	for (;;) {
		if (r->pos < r->end) {
			size_t take = r->end - r->pos;
			if (max_body && resp->body.len + take > max_body)
				return body_limit(err, errlen);
			buf_put(&resp->body, r->buf + r->pos, take);
			r->pos = r->end;
		}
		int f = rd_fill(r);
		if (f < 0)
			return f;
		if (f == 0)
			return 0;
	}
}

static void response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->arena = (struct arena)ARENA_INIT;
	resp->arena.block_size = 1024;
	resp->reason = "";
}

int http_response_parse(const char *data, size_t len, size_t max_head, size_t max_body,
			struct http_response *resp, char *err, size_t errlen)
{
	response_init(resp);
	if (err && errlen)
		err[0] = 0;
	struct membuf m = { (const unsigned char *)data, len, 0 };
	struct reader r = { mem_pull, &m, NULL, 0, 0, 0, 0, false };
	bool reusable;
	if (!max_head)
		max_head = HTTP_MAX_HEAD_DEFAULT;
	int rc = read_response(&r, false, max_head, max_body, resp, &reusable, err, errlen);
	if (rc < 0 && err && errlen && !err[0])
		seterr(err, errlen, rc, "%s", http_strerror(rc));
	free(r.buf);
	return rc;
}

void http_response_free(struct http_response *resp)
{
	if (!resp)
		return;
	buf_free(&resp->body);
	arena_free(&resp->arena);
	resp->headers = NULL;
	resp->nheaders = 0;
	resp->reason = "";
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

void http_status_error(const struct http_response *resp, char *err, size_t errlen)
{
	const char *reason = resp->reason && *resp->reason ? resp->reason : status_text(resp->status);
	snprintf(err, errlen, "server returned HTTP status %d%s%s", resp->status, *reason ? " " : "",
		 reason);
}

/* ---- the client ---- */

int http_client_new(struct http_client **out, const struct http_tls_config *tls, char *err,
		    size_t errlen)
{
	struct http_client *c = xcalloc(1, sizeof *c);
	if (tls) {
		c->tls.ca_file = tls->ca_file ? xstrdup(tls->ca_file) : NULL;
		c->tls.server_name = tls->server_name ? xstrdup(tls->server_name) : NULL;
		c->tls.insecure_skip_verify = tls->insecure_skip_verify;
	}
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	conn_free(c->idle);
	ta_list_free(&c->tas);
	free((char *)c->tls.ca_file);
	free((char *)c->tls.server_name);
	free(c);
}

static bool header_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

static int build_request(const struct http_request *req, const struct http_url *u,
			 struct buf *b, char *err, size_t errlen)
{
	const char *method = req->method ? req->method : "GET";
	for (const char *q = method; *q; q++)
		if (!is_tchar((unsigned char)*q))
			return seterr(err, errlen, HTTP_ERR_URL, "invalid method \"%.20s\"", method);
	buf_printf(b, "%s %s HTTP/1.1\r\nHost: ", method, u->path);
	if (strchr(u->host, ':'))
		buf_printf(b, "[%s]", u->host);
	else
		buf_puts(b, u->host);
	if (u->port != (u->https ? 443u : 80u))
		buf_printf(b, ":%u", u->port);
	if ((req->user_agent && !header_ok(req->user_agent)) || (req->accept && !header_ok(req->accept)))
		return seterr(err, errlen, HTTP_ERR_PROTOCOL, "invalid header field value");
	buf_printf(b, "\r\nUser-Agent: %s\r\n", req->user_agent ? req->user_agent : "pharos/" PHAROS_VERSION);
	if (req->accept)
		buf_printf(b, "Accept: %s\r\n", req->accept);
	const char *user = req->basic_user, *pass = req->basic_pass;
	char *ui_user = NULL;
	if (!user && u->userinfo) {
		ui_user = xstrdup(u->userinfo);
		char *colon = strchr(ui_user, ':');
		if (colon)
			*colon = 0;
		user = ui_user;
		pass = colon ? colon + 1 : "";
	}
	if (user) {
		struct buf cred = BUF_INIT;
		buf_printf(&cred, "%s:%s", user, pass ? pass : "");
		buf_puts(b, "Authorization: Basic ");
		base64_put(b, (const unsigned char *)cred.p, cred.len);
		buf_puts(b, "\r\n");
		buf_free(&cred);
	} else if (req->auth_credentials) {
		const char *t = req->auth_type && *req->auth_type ? req->auth_type : "Bearer";
		if (!header_ok(t) || !header_ok(req->auth_credentials))
			return seterr(err, errlen, HTTP_ERR_PROTOCOL, "invalid header field value for \"Authorization\"");
		buf_printf(b, "Authorization: %s %s\r\n", t, req->auth_credentials);
	}
	free(ui_user);
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *n = req->headers[i].name, *v = req->headers[i].value ? req->headers[i].value : "";
		bool ok = n && *n;
		for (const char *q = n; ok && *q; q++)
			ok = is_tchar((unsigned char)*q);
		if (!ok)
			return seterr(err, errlen, HTTP_ERR_PROTOCOL, "invalid header field name \"%.40s\"",
				      n ? n : "");
		if (!header_ok(v))
			return seterr(err, errlen, HTTP_ERR_PROTOCOL, "invalid header field value for \"%.40s\"", n);
		buf_printf(b, "%s: %s\r\n", n, v);
	}
	if (req->body || (req->method && (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0))) {
		if (req->content_type)
			buf_printf(b, "Content-Type: %s\r\n", req->content_type);
		buf_printf(b, "Content-Length: %zu\r\n", req->body ? req->body_len : 0);
	}
	if (req->flags & HTTP_NO_KEEPALIVE)
		buf_puts(b, "Connection: close\r\n");
	buf_puts(b, "\r\n");
	return 0;
}

/* Is an idle connection still usable (not closed by the server, no stray
 * bytes)? */
static bool conn_alive(struct conn *c)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	return poll(&p, 1, 0) == 0;
}

int http_client_do(struct http_client *cl, const struct http_request *req,
		   struct http_response *resp, char *err, size_t errlen)
{
	response_init(resp);
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = 0;
	int64_t start = now_ms();
	struct waiter w = { start + (req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS),
			    req->cancel_fd, 0, 0 };
	struct arena ua = ARENA_INIT;
	struct http_url u;
	struct buf rq = BUF_INIT;
	struct reader r = { conn_pull, NULL, NULL, 0, 0, 0, 0, false };
	struct conn *c = NULL;
	int rc = http_url_parse(req->url, &ua, &u, err, errlen);
	if (rc < 0)
		goto out;
	if ((rc = build_request(req, &u, &rq, err, errlen)) < 0)
		goto out;
	const char *method = req->method ? req->method : "GET";
	bool head_req = strcmp(method, "HEAD") == 0;
	bool idempotent = head_req || strcmp(method, "GET") == 0;
	char key[400], hp[300];
	snprintf(key, sizeof key, "%s://%s", u.https ? "https" : "http", hostport(&u, hp, sizeof hp));

	for (int attempt = 0;; attempt++) {
		if (cl->idle && strcmp(cl->idle->key, key) == 0 && conn_alive(cl->idle)) {
			c = cl->idle;
			c->reused = true;
		} else {
			conn_free(cl->idle);
			cl->idle = NULL; /* freed: the failure path below must not see it */
			rc = conn_open(cl, &u, &w, &c, err, errlen);
			if (rc < 0)
				goto out;
		}
		cl->idle = NULL;
		c->w = &w;
		rc = conn_write(c, rq.p, rq.len);
		if (rc == 0 && req->body && req->body_len)
			rc = conn_write(c, req->body, req->body_len);
		if (rc < 0 && c->reused && attempt == 0 && rc == HTTP_ERR_IO) {
			conn_free(c);
			c = NULL;
			continue;
		}
		if (rc < 0) {
			if (rc == HTTP_ERR_IO)
				seterr(err, errlen, rc, "write to %s: %s", hp,
				       c->tls ? "tls error" : strerror(w.sys_errno));
			else
				seterr(err, errlen, rc, "%s", http_strerror(rc));
			goto out;
		}
		r.ctx = c;
		r.pos = r.end = 0;
		r.total = 0;
		r.eof = false;
		bool reusable = false;
		size_t max_head = req->max_head ? req->max_head : HTTP_MAX_HEAD_DEFAULT;
		rc = read_response(&r, head_req, max_head, req->max_body, resp, &reusable, err, errlen);
		if (rc < 0 && c->reused && attempt == 0 && idempotent && r.total == 0 &&
		    (rc == HTTP_ERR_PROTOCOL || rc == HTTP_ERR_IO)) {
			/* the server closed the kept-alive connection: retry once */
			conn_free(c);
			c = NULL;
			http_response_free(resp);
			response_init(resp);
			continue;
		}
		if (rc < 0) {
			if (rc == HTTP_ERR_TIMEOUT || rc == HTTP_ERR_CANCELED)
				seterr(err, errlen, rc, "%s", http_strerror(rc));
			else if (rc == HTTP_ERR_IO)
				seterr(err, errlen, rc, "read from %s: %s", hp,
				       w.sys_errno ? strerror(w.sys_errno) : "connection error");
			else if (rc == HTTP_ERR_TLS)
				seterr(err, errlen, rc, "read from %s: tls: %s", hp,
				       x509_text(br_ssl_engine_last_error(&c->t->sc.eng)));
			else if (!err[0])
				seterr(err, errlen, rc, "%s", http_strerror(rc));
			goto out;
		}
		resp->elapsed_ms = now_ms() - start;
		/* bytes after the response mean the server is confused: do
		 * not reuse the connection */
		if (reusable && r.pos == r.end && !(req->flags & HTTP_NO_KEEPALIVE)) {
			c->reused = false;
			cl->idle = c;
			c = NULL;
		}
		break;
	}
out:
	conn_free(c);
	free(r.buf);
	buf_free(&rq);
	arena_free(&ua);
	if (cl->idle)
		cl->idle->w = NULL;
	return rc;
}

int http_do(const struct http_request *req, const struct http_tls_config *tls,
	    struct http_response *resp, char *err, size_t errlen)
{
	struct http_client *c;
	int rc = http_client_new(&c, tls, err, errlen);
	if (rc < 0) {
		response_init(resp);
		return rc;
	}
	rc = http_client_do(c, req, resp, err, errlen);
	http_client_free(c);
	return rc;
}
