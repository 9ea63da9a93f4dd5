/* scrape_test.c - the scrape manager end to end on loopback: a tiny HTTP
 * server thread as the target, a config parsed from YAML, a recording
 * storage; schedule alignment, the request Prometheus sends, /targets and
 * /metadata views, reloads (unchanged target keeps running, removed one
 * gets staleness markers) and file_sd. A last case scrapes into the real
 * store (store.h) in a temporary directory. */
#include "../unit.h"
#include "../../../lib/metricset.h"
#include "../../../services/tsdb/config.h"
#include "../../../services/tsdb/promql/querier.h"
#include "../../../services/tsdb/scrape_internal.h"
#include "../../../services/tsdb/store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int scrape_manager_new_storage(struct scrape_manager **out, const struct scrape_storage *stg,
			       const struct scrape_sink *sink);

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the target: serves `body` to every request ---- */

struct target {
	int lfd;
	unsigned port;
	pthread_t th;
	pthread_mutex_t mu;
	const char *body;
	const char *content_type;
	int status;
	int nreqs;
	char req[4096];
	bool stop;
};

static void *target_main(void *arg)
{
	struct target *s = arg;
	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = { s->lfd, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		for (;;) { /* keep-alive: requests until the client closes */
			char buf[4096];
			size_t n = 0;
			bool got = false;
			while (n < sizeof buf - 1) {
				struct pollfd q = { fd, POLLIN, 0 };
				if (poll(&q, 1, 2000) <= 0)
					break;
				ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
				if (r <= 0)
					break;
				n += (size_t)r;
				buf[n] = 0;
				if (strstr(buf, "\r\n\r\n")) {
					got = true;
					break;
				}
			}
			if (!got)
				break;
			pthread_mutex_lock(&s->mu);
			memcpy(s->req, buf, n + 1);
			s->nreqs++;
			struct buf out = BUF_INIT;
			if (strncmp(buf, "GET /old ", 9) == 0)
				buf_puts(&out, "HTTP/1.1 302 Found\r\nLocation: metrics\r\nContent-Length: 0\r\n\r\n");
			else
				buf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
					   s->status, s->status == 200 ? "OK" : "Internal Server Error",
					   s->content_type, strlen(s->body), s->body);
			pthread_mutex_unlock(&s->mu);
			ssize_t w = send(fd, out.p, out.len, MSG_NOSIGNAL);
			buf_free(&out);
			if (w < 0)
				break;
		}
		close(fd);
	}
	return NULL;
}

static void target_start(struct target *s, const char *body)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	s->body = body;
	s->content_type = "text/plain; version=0.0.4; charset=utf-8";
	s->status = 200;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s->lfd, (struct sockaddr *)&a, sizeof a);
	listen(s->lfd, 16);
	socklen_t l = sizeof a;
	getsockname(s->lfd, (struct sockaddr *)&a, &l);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, target_main, s);
}

static void target_stop(struct target *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_SEQ_CST);
	pthread_join(s->th, NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
}

/* ---- a thread-safe recording storage ---- */

#define REC_MAX 20000

struct rec {
	pthread_mutex_t mu;
	char (*series)[160];
	size_t nseries;
	struct { uint32_t sid; int64_t t; double v; } *s;
	size_t n;
	/* the open batch (one at a time is enough: tests run one target) */
	struct { uint32_t sid; int64_t t; double v; } batch[4096];
	size_t nbatch;
};

static struct rec R;

static void *r_begin(void *ctx)
{
	pthread_mutex_lock(&R.mu);
	R.nbatch = 0;
	return &R;
}

static int r_append(void *app, uint64_t *ref, const struct labels *ls, int64_t t, double v)
{
	size_t sid;
	if (*ref) {
		sid = *ref - 1;
	} else {
		struct buf b = BUF_INIT;
		labels_format(ls, &b);
		for (sid = 0; sid < R.nseries; sid++)
			if (strcmp(R.series[sid], b.p) == 0)
				break;
		if (sid == R.nseries)
			snprintf(R.series[R.nseries++], 160, "%s", b.p);
		buf_free(&b);
		*ref = sid + 1;
	}
	if (R.nbatch < 4096) {
		R.batch[R.nbatch].sid = (uint32_t)sid;
		R.batch[R.nbatch].t = t;
		R.batch[R.nbatch].v = v;
		R.nbatch++;
	}
	return 0;
}

static int r_commit(void *app)
{
	for (size_t i = 0; i < R.nbatch && R.n < REC_MAX; i++) {
		R.s[R.n].sid = R.batch[i].sid;
		R.s[R.n].t = R.batch[i].t;
		R.s[R.n].v = R.batch[i].v;
		R.n++;
	}
	R.nbatch = 0;
	pthread_mutex_unlock(&R.mu);
	return 0;
}

static void r_rollback(void *app)
{
	R.nbatch = 0;
	pthread_mutex_unlock(&R.mu);
}

static void rec_reset(void)
{
	static bool init;
	if (!init) {
		pthread_mutex_init(&R.mu, NULL);
		R.series = calloc(REC_MAX, sizeof *R.series);
		R.s = calloc(REC_MAX, sizeof *R.s);
		init = true;
	}
	pthread_mutex_lock(&R.mu);
	R.nseries = 0;
	R.n = 0;
	pthread_mutex_unlock(&R.mu);
}

/* Timestamps of the samples of series `labels` (n at most max). */
static size_t rec_times(const char *labels, int64_t *ts, double *vs, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&R.mu);
	for (size_t i = 0; i < R.n && n < max; i++)
		if (strcmp(R.series[R.s[i].sid], labels) == 0) {
			ts[n] = R.s[i].t;
			vs[n] = R.s[i].v;
			n++;
		}
	pthread_mutex_unlock(&R.mu);
	return n;
}

static struct prom_config *load(const char *yaml)
{
	struct prom_config *c = NULL;
	struct buf errs = BUF_INIT;
	if (prom_config_parse("/tmp/scrape-test.yml", yaml, strlen(yaml), &c, &errs) < 0) {
		printf("config: %s\n", errs.p);
		c = NULL;
	}
	buf_free(&errs);
	return c;
}

TEST(scrape_manager_loopback_reload_and_views)
{
	struct target tg;
	target_start(&tg, "# HELP m_total A counter.\n# TYPE m_total counter\nm_total{a=\"1\"} 7\n");
	rec_reset();
	char yaml[512];
	snprintf(yaml, sizeof yaml,
		 "global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n"
		 "scrape_configs:\n  - job_name: t\n    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		 tg.port);
	struct prom_config *c1 = load(yaml);
	CHECK(c1);
	struct scrape_storage stg = { r_begin, r_append, r_commit, r_rollback, NULL };
	struct scrape_manager *m;
	CHECK(scrape_manager_new_storage(&m, &stg, NULL) == 0);
	CHECK(scrape_manager_apply(m, c1) == 0);
	msleep(900);

	char series[160];
	snprintf(series, sizeof series, "{__name__=\"m_total\", a=\"1\", instance=\"127.0.0.1:%u\", job=\"t\"}",
		 tg.port);
	int64_t ts[64];
	double vs[64];
	size_t n = rec_times(series, ts, vs, 64);
	CHECK(n >= 3);
	for (size_t i = 1; i < n; i++)
		CHECK_INT(ts[i] - ts[i - 1], 200); /* aligned: exactly one interval apart */
	CHECK(vs[0] == 7);
	char up[160];
	snprintf(up, sizeof up, "{__name__=\"up\", instance=\"127.0.0.1:%u\", job=\"t\"}", tg.port);
	size_t nu = rec_times(up, ts, vs, 64);
	CHECK(nu >= 3 && vs[0] == 1);

	/* the request */
	pthread_mutex_lock(&tg.mu);
	bool ok_accept = strstr(tg.req, "\r\nAccept: " TEXTPARSE_ACCEPT_HEADER "\r\n") != NULL;
	bool ok_ua = strstr(tg.req, "\r\nUser-Agent: Prometheus/2.42.0\r\n") != NULL;
	bool ok_to = strstr(tg.req, "\r\nX-Prometheus-Scrape-Timeout-Seconds: 0.15\r\n") != NULL;
	bool ok_line = strncmp(tg.req, "GET /metrics HTTP/1.1\r\n", 23) == 0;
	pthread_mutex_unlock(&tg.mu);
	CHECK(ok_accept && ok_ua && ok_to && ok_line);

	/* views */
	struct arena a = ARENA_INIT;
	struct scrape_target_info *act, *drp;
	size_t nact, ndrp;
	CHECK(scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp) == 0);
	CHECK_INT(nact, 1);
	CHECK_INT(ndrp, 0);
	CHECK_STR(act[0].scrape_pool, "t");
	CHECK_STR(scrape_health_name(act[0].health), "up");
	CHECK_STR(act[0].last_error, "");
	CHECK_INT(act[0].interval_ms, 200);
	CHECK(labels_get(&act[0].labels, "instance") && !labels_get(&act[0].labels, "__address__"));
	CHECK(labels_get(&act[0].discovered_labels, "__address__"));
	struct scrape_metadata *md;
	size_t nmd;
	CHECK(scrape_manager_metadata(m, &a, NULL, -1, &md, &nmd) == 0);
	CHECK_INT(nmd, 1);
	CHECK_STR(md[0].metric, "m_total");
	CHECK_STR(md[0].type, "counter");
	CHECK_STR(md[0].help, "A counter.");
	struct mset ms;
	mset_init(&ms);
	scrape_manager_metrics(m, &ms);
	struct buf mb = BUF_INIT;
	mset_write(&ms, &mb);
	CHECK(strstr(mb.p, "prometheus_target_scrape_pool_targets{scrape_job=\"t\"} 1"));
	buf_free(&mb);
	mset_free(&ms);
	arena_free(&a);

	/* reload with the same content: the loop runs on, no staleness */
	struct prom_config *c2 = load(yaml);
	CHECK(c2);
	CHECK(scrape_manager_apply(m, c2) == 0);
	prom_config_free(c1);
	msleep(500);
	n = rec_times(series, ts, vs, 64);
	for (size_t i = 0; i < n; i++)
		CHECK(!promql_is_stale_nan(vs[i]));
	for (size_t i = 1; i < n; i++)
		CHECK_INT(ts[i] - ts[i - 1], 200);

	/* the target's scrapes start failing: up 0, markers for its series */
	pthread_mutex_lock(&tg.mu);
	tg.status = 500;
	pthread_mutex_unlock(&tg.mu);
	msleep(500);
	nu = rec_times(up, ts, vs, 64);
	CHECK(vs[nu - 1] == 0);
	n = rec_times(series, ts, vs, 64);
	CHECK(promql_is_stale_nan(vs[n - 1]));
	a = (struct arena)ARENA_INIT;
	CHECK(scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp) == 0);
	CHECK_STR(act[0].last_error, "server returned HTTP status 500 Internal Server Error");
	CHECK_STR(scrape_health_name(act[0].health), "down");
	arena_free(&a);
	pthread_mutex_lock(&tg.mu);
	tg.status = 200;
	pthread_mutex_unlock(&tg.mu);
	msleep(450);

	/* a reload without the job: its series end with markers */
	struct prom_config *c3 = load("global:\n  scrape_interval: 200ms\nscrape_configs: []\n");
	CHECK(c3);
	CHECK(scrape_manager_apply(m, c3) == 0);
	prom_config_free(c2);
	n = rec_times(series, ts, vs, 64);
	CHECK(n > 0 && promql_is_stale_nan(vs[n - 1]));
	nu = rec_times(up, ts, vs, 64);
	CHECK(nu > 0 && promql_is_stale_nan(vs[nu - 1]));
	a = (struct arena)ARENA_INIT;
	CHECK(scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp) == 0);
	CHECK_INT(nact, 0);
	arena_free(&a);
	scrape_manager_free(m);
	prom_config_free(c3);
	target_stop(&tg);
}

TEST(scrape_manager_file_sd_and_dropped)
{
	struct target tg;
	target_start(&tg, "x 1\n");
	rec_reset();
	char dir[] = "/tmp/scrape-sd-XXXXXX";
	CHECK(mkdtemp(dir));
	char file[128], tmpf[128];
	snprintf(file, sizeof file, "%s/targets.json", dir);
	snprintf(tmpf, sizeof tmpf, "%s/targets.tmp", dir);
	FILE *f = fopen(file, "w");
	fprintf(f, "[{\"targets\": [\"127.0.0.1:%u\"], \"labels\": {\"env\": \"a\"}}]", tg.port);
	fclose(f);
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
		 "global:\n  scrape_interval: 200ms\n  scrape_timeout: 100ms\n"
		 "scrape_configs:\n  - job_name: sd\n    file_sd_configs:\n      - files: ['%s/*.json']\n"
		 "    relabel_configs:\n      - source_labels: [env]\n        regex: drop\n        action: drop\n",
		 dir);
	struct prom_config *c = load(yaml);
	CHECK(c);
	struct scrape_storage stg = { r_begin, r_append, r_commit, r_rollback, NULL };
	struct scrape_manager *m;
	CHECK(scrape_manager_new_storage(&m, &stg, NULL) == 0);
	CHECK(scrape_manager_apply(m, c) == 0);
	struct arena a = ARENA_INIT;
	struct scrape_target_info *act, *drp;
	size_t nact, ndrp;
	CHECK(scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp) == 0);
	CHECK_INT(nact, 1);
	CHECK_STR(labels_get(&act[0].labels, "env"), "a");
	arena_free(&a);
	msleep(500);
	/* the file changes: the target is now dropped by relabeling */
	f = fopen(tmpf, "w");
	fprintf(f, "[{\"targets\": [\"127.0.0.1:%u\"], \"labels\": {\"env\": \"drop\"}}]", tg.port);
	fclose(f);
	rename(tmpf, file);
	bool gone = false;
	for (int i = 0; i < 40 && !gone; i++) {
		msleep(100);
		a = (struct arena)ARENA_INIT;
		scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp);
		gone = nact == 0 && ndrp == 1;
		arena_free(&a);
	}
	CHECK(gone);
	char series[160];
	snprintf(series, sizeof series, "{__name__=\"x\", env=\"a\", instance=\"127.0.0.1:%u\", job=\"sd\"}",
		 tg.port);
	int64_t ts[64];
	double vs[64];
	size_t n = rec_times(series, ts, vs, 64);
	CHECK(n >= 2 && promql_is_stale_nan(vs[n - 1]));
	scrape_manager_free(m);
	prom_config_free(c);
	target_stop(&tg);
	unlink(file);
	rmdir(dir);
}

TEST(scrape_into_real_store)
{
	char dir[] = "/tmp/scrape-store-XXXXXX";
	CHECK(mkdtemp(dir));
	struct tsdb_store_opts so = { .dir = dir };
	struct tsdb_store *s = NULL;
	char err[256];
	if (tsdb_store_open(&s, &so, err, sizeof err) < 0) {
		printf("  skip: store: %s\n", err);
		return;
	}
	struct scrape_storage stg = scrape_storage_tsdb(s);
	struct scrape_state st;
	scrape_state_init(&st, false);
	static const struct label tl[] = { { "instance", "h:1" }, { "job", "j" } };
	struct scrape_opts o;
	memset(&o, 0, sizeof o);
	o.target_labels = (struct labels){ tl, 2 };
	o.honor_timestamps = true;
	o.parse_limits = (struct textparse_limits)TEXTPARSE_LIMITS_DEFAULT;
	struct scrape_result res;
	int64_t t0 = 1700000000000;
	const char *b1 = "a 1\nb 2\n", *b2 = "a 2\n";
	CHECK(scrape_process(&st, &o, &stg, NULL, b1, strlen(b1), NULL, t0, t0, NULL, 0.01, &res) == 0);
	CHECK(res.up);
	CHECK(scrape_process(&st, &o, &stg, NULL, b2, strlen(b2), NULL, t0 + 15000, t0 + 15000, NULL, 0.01, &res) == 0);
	CHECK(res.up);
	CHECK_INT(res.stale_written, 1);
	struct arena a = ARENA_INIT;
	const char **vals;
	size_t nv;
	CHECK(tsdb_label_values(s, LABELS_METRIC_NAME, &a, &vals, &nv) == 0);
	CHECK(nv == 7); /* a, b and the five report series */
	arena_free(&a);
	scrape_state_free(&st);
	tsdb_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static int sink_calls;
static char sink_seen[160];
static void count_sink(void *ctx, const struct labels *ls, int64_t t, double v)
{
	__atomic_add_fetch(&sink_calls, 1, __ATOMIC_SEQ_CST);
	const char *n = labels_get(ls, LABELS_METRIC_NAME);
	if (n && strcmp(n, "x") == 0)
		snprintf(sink_seen, sizeof sink_seen, "%s", labels_get(ls, "job"));
}

TEST(scrape_manager_sink_only_with_remote_write)
{
	struct target tg;
	target_start(&tg, "x 1\n");
	rec_reset();
	char yaml[512];
	snprintf(yaml, sizeof yaml,
		 "global:\n  scrape_interval: 100ms\n  scrape_timeout: 50ms\n"
		 "scrape_configs:\n  - job_name: s\n    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		 tg.port);
	struct prom_config *c1 = load(yaml);
	CHECK(c1);
	struct scrape_storage stg = { r_begin, r_append, r_commit, r_rollback, NULL };
	struct scrape_sink sink = { count_sink, NULL };
	struct scrape_manager *m;
	CHECK(scrape_manager_new_storage(&m, &stg, &sink) == 0);
	sink_calls = 0;
	CHECK(scrape_manager_apply(m, c1) == 0);
	msleep(350);
	CHECK_INT(__atomic_load_n(&sink_calls, __ATOMIC_SEQ_CST), 0);
	char yaml2[700];
	snprintf(yaml2, sizeof yaml2, "%sremote_write:\n  - url: http://127.0.0.1:1/api/v1/write\n", yaml);
	struct prom_config *c2 = load(yaml2);
	CHECK(c2);
	CHECK(scrape_manager_apply(m, c2) == 0);
	prom_config_free(c1);
	msleep(350);
	CHECK(__atomic_load_n(&sink_calls, __ATOMIC_SEQ_CST) >= 6);
	scrape_manager_free(m);
	CHECK_STR(sink_seen, "s");
	prom_config_free(c2);
	target_stop(&tg);
}

TEST(scrape_manager_reload_changed_relabeling)
{
	struct target tg;
	target_start(&tg, "x 1\ny 2\n");
	rec_reset();
	char yaml[512], yaml2[800];
	snprintf(yaml, sizeof yaml,
		 "global:\n  scrape_interval: 100ms\n  scrape_timeout: 50ms\n"
		 "scrape_configs:\n  - job_name: r\n    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		 tg.port);
	snprintf(yaml2, sizeof yaml2,
		 "%s    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: y\n        action: drop\n",
		 yaml);
	struct prom_config *c1 = load(yaml), *c2 = load(yaml2);
	CHECK(c1 && c2);
	struct scrape_storage stg = { r_begin, r_append, r_commit, r_rollback, NULL };
	struct scrape_manager *m;
	CHECK(scrape_manager_new_storage(&m, &stg, NULL) == 0);
	CHECK(scrape_manager_apply(m, c1) == 0);
	msleep(350);
	CHECK(scrape_manager_apply(m, c2) == 0);
	msleep(350);
	char sx[160], sy[160];
	snprintf(sx, sizeof sx, "{__name__=\"x\", instance=\"127.0.0.1:%u\", job=\"r\"}", tg.port);
	snprintf(sy, sizeof sy, "{__name__=\"y\", instance=\"127.0.0.1:%u\", job=\"r\"}", tg.port);
	int64_t ts[64];
	double vs[64];
	size_t nx = rec_times(sx, ts, vs, 64);
	CHECK(nx >= 4);
	for (size_t i = 0; i < nx; i++)
		CHECK(!promql_is_stale_nan(vs[i]));
	for (size_t i = 1; i < nx; i++)
		CHECK(ts[i] - ts[i - 1] == 100);
	size_t ny = rec_times(sy, ts, vs, 64);
	CHECK(ny >= 2 && promql_is_stale_nan(vs[ny - 1]));
	scrape_manager_free(m);
	prom_config_free(c1);
	prom_config_free(c2);
	target_stop(&tg);
}

TEST(scrape_manager_auth_params_and_body_limit)
{
	struct target tg;
	target_start(&tg, "x 1\n# a comment long enough to cross the limit below\n");
	rec_reset();
	char dir[] = "/tmp/scrape-auth-XXXXXX";
	CHECK(mkdtemp(dir));
	char pf[128];
	snprintf(pf, sizeof pf, "%s/pass", dir);
	FILE *f = fopen(pf, "w");
	fputs("  s3cret\n", f);
	fclose(f);
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
		 "global:\n  scrape_interval: 100ms\n  scrape_timeout: 80ms\n"
		 "scrape_configs:\n"
		 "  - job_name: a\n    metrics_path: /probe\n    params:\n      module: [http_2xx]\n"
		 "    basic_auth:\n      username: bob\n      password_file: %s\n"
		 "    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		 pf, tg.port);
	struct prom_config *c = load(yaml);
	CHECK(c);
	struct scrape_storage stg = { r_begin, r_append, r_commit, r_rollback, NULL };
	struct scrape_manager *m;
	CHECK(scrape_manager_new_storage(&m, &stg, NULL) == 0);
	CHECK(scrape_manager_apply(m, c) == 0);
	msleep(350);
	pthread_mutex_lock(&tg.mu);
	bool line = strncmp(tg.req, "GET /probe?module=http_2xx HTTP/1.1\r\n", 37) == 0;
	bool auth = strstr(tg.req, "\r\nAuthorization: Basic Ym9iOnMzY3JldA==\r\n") != NULL; /* bob:s3cret */
	pthread_mutex_unlock(&tg.mu);
	CHECK(line);
	CHECK(auth);

	/* body_size_limit: the body reaches the limit, the scrape fails */
	char yaml2[1200];
	snprintf(yaml2, sizeof yaml2,
		 "global:\n  scrape_interval: 100ms\n  scrape_timeout: 80ms\n"
		 "scrape_configs:\n  - job_name: a\n    body_size_limit: 20B\n"
		 "    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		 tg.port);
	struct prom_config *c2 = load(yaml2);
	CHECK(c2);
	CHECK(scrape_manager_apply(m, c2) == 0);
	prom_config_free(c);
	msleep(350);
	struct arena a = ARENA_INIT;
	struct scrape_target_info *act, *drp;
	size_t nact, ndrp;
	CHECK(scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp) == 0);
	CHECK_INT(nact, 1);
	CHECK_STR(act[0].last_error, "body size limit exceeded");
	arena_free(&a);
	scrape_manager_free(m);
	prom_config_free(c2);
	target_stop(&tg);
	unlink(pf);
	rmdir(dir);
}

TEST(scrape_manager_redirects)
{
	/* one server per target: the test server serves one kept-alive
	 * connection at a time */
	struct target tg, tg2;
	target_start(&tg, "x 1\n");
	target_start(&tg2, "x 1\n");
	rec_reset();
	char yaml[512];
	snprintf(yaml, sizeof yaml,
		 "global:\n  scrape_interval: 100ms\n  scrape_timeout: 80ms\n"
		 "scrape_configs:\n  - job_name: f\n    metrics_path: /old\n"
		 "    static_configs:\n      - targets: ['127.0.0.1:%u']\n"
		 "  - job_name: n\n    metrics_path: /old\n    follow_redirects: false\n"
		 "    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		 tg.port, tg2.port);
	struct prom_config *c = load(yaml);
	CHECK(c);
	struct scrape_storage stg = { r_begin, r_append, r_commit, r_rollback, NULL };
	struct scrape_manager *m;
	CHECK(scrape_manager_new_storage(&m, &stg, NULL) == 0);
	CHECK(scrape_manager_apply(m, c) == 0);
	msleep(350);
	struct arena a = ARENA_INIT;
	struct scrape_target_info *act, *drp;
	size_t nact, ndrp;
	CHECK(scrape_manager_targets(m, &a, &act, &nact, &drp, &ndrp) == 0);
	CHECK_INT(nact, 2);
	CHECK_STR(act[0].scrape_pool, "f");
	CHECK_STR(scrape_health_name(act[0].health), "up");
	CHECK_STR(act[1].last_error, "server returned HTTP status 302 Found");
	arena_free(&a);
	scrape_manager_free(m);
	prom_config_free(c);
	target_stop(&tg);
	target_stop(&tg2);
}
