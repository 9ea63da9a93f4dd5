/* scrape_loop.c - one target's scrape loop: a thread that wakes at the
 * target's fixed points in time, fetches the metrics over HTTP and hands
 * the body to scrape_process().
 *
 * Schedule: scrapes happen at wall-clock times k * interval + offset (ms),
 * and each scrape's samples carry that scheduled time, so a series'
 * timestamps are exactly one interval apart (zero delta-of-delta in the
 * store; Prometheus 2.42 gets close with its 2 ms alignment tolerance). A
 * loop that falls behind by a whole interval (a stalled machine, a scrape
 * longer than the interval) skips the missed points, as Go's ticker does.
 *
 * Stopping: a byte on stop_pipe wakes the wait and cancels a request in
 * flight (the HTTP client polls the pipe too).
 */
#include "scrape_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "promql/querier.h"
#include "store/store.h"

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void scrape_tinfo_free(struct scrape_tinfo *ti)
{
	if (!ti)
		return;
	struct arena a = ti->arena;
	arena_free(&a); /* ti itself lives in its arena */
}

static const char *dup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

struct scrape_loop *scrape_loop_new(struct scrape_manager *m, struct scrape_tinfo *info,
				    struct scrape_state *st, struct scrape_state *legacy)
{
	struct scrape_loop *l = xcalloc(1, sizeof *l);
	l->m = m;
	l->info = info;
	l->stop_pipe[0] = l->stop_pipe[1] = -1;
	pthread_mutex_init(&l->mu, NULL);
	l->fetch_arena = (struct arena)ARENA_INIT;
	struct arena *a = &l->fetch_arena;
	const struct scrape_fetch *f = &info->fetch;
	l->fetch = *f;
	l->fetch.url = arena_strdup(a, f->url);
	l->fetch.basic_user = dup_or_null(a, f->basic_user);
	l->fetch.basic_pass = dup_or_null(a, f->basic_pass);
	l->fetch.basic_pass_file = dup_or_null(a, f->basic_pass_file);
	l->fetch.auth_type = dup_or_null(a, f->auth_type);
	l->fetch.auth_cred = dup_or_null(a, f->auth_cred);
	l->fetch.auth_cred_file = dup_or_null(a, f->auth_cred_file);
	l->fetch.tls.ca_file = dup_or_null(a, f->tls.ca_file);
	l->fetch.tls.server_name = dup_or_null(a, f->tls.server_name);
	l->fetch.unsupported = dup_or_null(a, f->unsupported);
	if (!st) {
		st = xmalloc(sizeof *st);
		scrape_state_init(st, info->keep_labels);
	}
	l->st = st;
	l->legacy = legacy;
	l->health = SCRAPE_HEALTH_UNKNOWN;
	return l;
}

/* Read a secret file as Prometheus does (whole file, spaces trimmed). */
static char *read_secret(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "unable to read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[1024];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 65536)
		buf_put(&b, chunk, n);
	fclose(f);
	char *s = buf_steal(&b);
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' || e[-1] == '\t'))
		*--e = 0;
	char *p = s;
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	memmove(s, p, strlen(p) + 1);
	return s;
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* The URL a Location header names, relative to base (heap string). */
static char *resolve_location(const char *base, const char *loc)
{
	struct buf b = BUF_INIT;
	if (strncasecmp(loc, "http://", 7) == 0 || strncasecmp(loc, "https://", 8) == 0) {
		buf_puts(&b, loc);
	} else if (loc[0] == '/' && loc[1] == '/') {
		const char *colon = strchr(base, ':');
		buf_put(&b, base, (size_t)(colon - base) + 1);
		buf_puts(&b, loc);
	} else {
		/* scheme://authority of base */
		const char *auth = strstr(base, "://");
		auth = auth ? auth + 3 : base;
		const char *path = auth + strcspn(auth, "/?#");
		if (loc[0] == '/') {
			buf_put(&b, base, (size_t)(path - base));
		} else {
			/* relative to the base path's directory */
			const char *end = path + strcspn(path, "?#");
			const char *slash = end;
			while (slash > path && slash[-1] != '/')
				slash--;
			buf_put(&b, base, (size_t)(path - base));
			if (slash == path)
				buf_putc(&b, '/');
			else
				buf_put(&b, path, (size_t)(slash - path));
		}
		buf_puts(&b, loc);
	}
	return buf_steal(&b);
}

/* One HTTP fetch. Returns 0 with the body in resp, or -1 with err. */
static int fetch(struct scrape_loop *l, struct http_client *hc, struct http_response *resp,
		 char *err, size_t errlen, bool *body_limit)
{
	const struct scrape_fetch *f = &l->fetch;
	char *pass = NULL, *cred = NULL;
	int rc = -1;
	memset(resp, 0, sizeof *resp);
	if (f->unsupported) {
		snprintf(err, errlen, "%s", f->unsupported);
		return -1;
	}
	if (f->basic_pass_file && !(pass = read_secret(f->basic_pass_file, err, errlen)))
		return -1;
	if (f->auth_cred_file && !(cred = read_secret(f->auth_cred_file, err, errlen))) {
		free(pass);
		return -1;
	}
	struct http_header hs[] = { { "X-Prometheus-Scrape-Timeout-Seconds", f->timeout_hdr } };
	uint64_t lim = f->body_size_limit ? f->body_size_limit : SCRAPE_MAX_BODY;
	struct http_request rq = {
		.method = "GET",
		.url = f->url,
		.headers = hs,
		.nheaders = 1,
		.user_agent = SCRAPE_USER_AGENT,
		.accept = TEXTPARSE_ACCEPT_HEADER,
		.basic_user = f->basic_user,
		.basic_pass = pass ? pass : f->basic_pass,
		.auth_type = f->auth_type,
		.auth_credentials = cred ? cred : f->auth_cred,
		.timeout_ms = f->timeout_ms,
		/* Prometheus fails a body that reaches the limit */
		.max_body = lim > 1 ? (size_t)(lim - 1) : 1,
		.cancel_fd = l->stop_pipe[0],
	};
	char herr[400];
	int h = http_client_do(hc, &rq, resp, herr, sizeof herr);
	/* redirects, as Go's client follows them (at most 10) */
	char *loc_url = NULL;
	for (int hops = 0; h == 0 && f->follow_redirects && is_redirect(resp->status); hops++) {
		const char *loc = http_response_header(resp, "Location");
		if (!loc || !*loc)
			break;
		if (hops == 10) {
			snprintf(herr, sizeof herr, "stopped after 10 redirects");
			h = HTTP_ERR_PROTOCOL;
			break;
		}
		char *next = resolve_location(rq.url, loc);
		http_response_free(resp);
		free(loc_url);
		loc_url = next;
		rq.url = loc_url;
		h = http_client_do(hc, &rq, resp, herr, sizeof herr);
	}
	free(loc_url);
	if (h == HTTP_ERR_BODY_LIMIT) {
		*body_limit = true;
		snprintf(err, errlen, "body size limit exceeded");
	} else if (h < 0) {
		snprintf(err, errlen, "Get \"%s\": %s", f->url, herr);
	} else if (resp->status != 200) {
		http_status_error(resp, err, errlen);
	} else {
		const char *ce = http_response_header(resp, "Content-Encoding");
		if (ce && *ce && strcasecmp(ce, "identity") != 0)
			snprintf(err, errlen, "unsupported Content-Encoding \"%.40s\"", ce);
		else
			rc = 0;
	}
	free(pass);
	free(cred);
	return rc;
}

/* Wait until wall-clock time `until` (ms) or a stop. Returns true on stop. */
static bool wait_until(struct scrape_loop *l, int64_t until)
{
	for (;;) {
		int64_t left = until - wall_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { l->stop_pipe[0], POLLIN, 0 };
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return true;
	}
}

static void *loop_main(void *arg)
{
	struct scrape_loop *l = arg;
	struct scrape_manager *m = l->m;
	const struct scrape_storage *stg = scrape_manager_storage(m);
	const struct scrape_sink *sink = scrape_manager_sink(m);
	const struct scrape_fetch *f = &l->fetch;
	struct http_client *hc = NULL;
	char err[512];
	http_client_new(&hc, &f->tls, err, sizeof err);
	int64_t iv = f->interval_ms;
	int64_t now = wall_ms();
	int64_t next = now - now % iv + (int64_t)f->offset_ms;
	if (next < now)
		next += iv;
	/* a loop restarted by a reload continues its predecessor's schedule:
	 * the point due now is not skipped, so no gap in its series */
	int64_t prev_t = l->st->scraped ? l->st->last_t
			 : l->legacy && l->legacy->scraped ? l->legacy->last_t : 0;
	if (prev_t > 0 && ((prev_t - (int64_t)f->offset_ms) % iv + iv) % iv == 0 &&
	    prev_t + iv < next && prev_t + iv > now - iv)
		next = prev_t + iv;
	int64_t last_t = 0;
	bool stopped = false;
	while (!stopped) {
		if (wait_until(l, next))
			break;
		now = wall_ms();
		if (now - next >= iv)
			next += (now - next) / iv * iv; /* missed points are skipped */
		int64_t t = next;
		double t0 = mono_s();
		struct http_response resp;
		bool body_limit = false;
		err[0] = 0;
		int frc = fetch(l, hc, &resp, err, sizeof err, &body_limit);
		double dur = mono_s() - t0;
		/* a stop during the request is not the target's failure */
		struct pollfd p = { l->stop_pipe[0], POLLIN, 0 };
		if (frc < 0 && poll(&p, 1, 0) > 0) {
			http_response_free(&resp);
			break;
		}
		struct scrape_result res;
		pthread_mutex_lock(&l->mu);
		const char *ct = frc == 0 ? http_response_header(&resp, "Content-Type") : NULL;
		int prc = scrape_process(l->st, &l->info->opts, stg, sink, frc == 0 ? resp.body.p : NULL,
					 frc == 0 ? resp.body.len : 0, ct, t, wall_ms(),
					 frc == 0 ? NULL : err, dur, &res);
		if (l->legacy) {
			scrape_process_legacy(l->legacy, l->st, stg, sink, t);
			scrape_state_free(l->legacy);
			free(l->legacy);
			l->legacy = NULL;
		}
		l->health = res.up ? SCRAPE_HEALTH_UP : SCRAPE_HEALTH_DOWN;
		snprintf(l->last_error, sizeof l->last_error, "%s", res.err);
		l->last_scrape_ms = now;
		l->last_duration_s = dur;
		pthread_mutex_unlock(&l->mu);
		http_response_free(&resp);
		if (prc < 0)
			log_warn("scrape %s: %s", f->url, res.err);
		else if (!res.up)
			log_debug("scrape %s failed: %s", f->url, res.err);
		if (res.out_of_order)
			log_warn("scrape %s: %llu out-of-order samples dropped", f->url,
				 (unsigned long long)res.out_of_order);
		if (res.duplicate)
			log_warn("scrape %s: %llu samples with the same timestamp and another value dropped",
				 f->url, (unsigned long long)res.duplicate);
		if (res.out_of_bounds)
			log_warn("scrape %s: %llu samples too old or too far in the future dropped", f->url,
				 (unsigned long long)res.out_of_bounds);
		scrape_manager_count(m, &res, body_limit);
		last_t = t;
		next += iv;
	}
	if (__atomic_load_n(&l->stop_stale, __ATOMIC_SEQ_CST) && l->st) {
		int64_t t = wall_ms();
		if (t <= last_t)
			t = last_t + 1;
		pthread_mutex_lock(&l->mu);
		if (l->legacy) {
			/* never scraped under the new settings: the old series end too */
			scrape_process_end(l->legacy, &l->info->opts, stg, sink, t);
		}
		int rc = scrape_process_end(l->st, &l->info->opts, stg, sink, t);
		pthread_mutex_unlock(&l->mu);
		if (rc < 0)
			log_warn("scrape %s: staleness markers: %s", f->url, tsdb_strerror(rc));
	}
	http_client_free(hc);
	return NULL;
}

int scrape_loop_start(struct scrape_loop *l)
{
	if (pipe2(l->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	pthread_attr_t at;
	pthread_attr_init(&at);
	/* the loop's big buffers are on the heap; TLS handshakes and the
	 * parser need little stack */
	pthread_attr_setstacksize(&at, 512 << 10);
	int e = pthread_create(&l->th, &at, loop_main, l);
	pthread_attr_destroy(&at);
	if (e)
		return -e;
	l->started = true;
	return 0;
}

void scrape_loop_signal_stop(struct scrape_loop *l, bool stale)
{
	__atomic_store_n(&l->stop_stale, stale, __ATOMIC_SEQ_CST);
	if (l->stop_pipe[1] >= 0) {
		ssize_t w = write(l->stop_pipe[1], "x", 1);
		(void)w;
	}
}

struct scrape_state *scrape_loop_join_free(struct scrape_loop *l, bool keep_state)
{
	if (l->started)
		pthread_join(l->th, NULL);
	if (l->stop_pipe[0] >= 0)
		close(l->stop_pipe[0]);
	if (l->stop_pipe[1] >= 0)
		close(l->stop_pipe[1]);
	struct scrape_state *st = l->st;
	if (!keep_state && st) {
		scrape_state_free(st);
		free(st);
		st = NULL;
	}
	if (l->legacy) {
		scrape_state_free(l->legacy);
		free(l->legacy);
	}
	scrape_tinfo_free(l->info);
	arena_free(&l->fetch_arena);
	pthread_mutex_destroy(&l->mu);
	free(l);
	return st;
}

void scrape_loop_swap_info(struct scrape_loop *l, struct scrape_tinfo *info)
{
	pthread_mutex_lock(&l->mu);
	struct scrape_tinfo *old = l->info;
	l->info = info;
	pthread_mutex_unlock(&l->mu);
	scrape_tinfo_free(old);
}
