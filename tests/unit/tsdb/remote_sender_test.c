/* Unit tests for the remote-write sender (services/tsdb/remote/
 * remote_queue.c) against a loopback HTTP server thread that decodes what
 * it receives and answers with scripted status codes: batching, external
 * labels, per-series order, retry on 500 with backoff, drop on 400, 429
 * with and without retry_on_http_429, a full queue; and the writer built
 * from prometheus.yml (external labels, write_relabel_configs, queues kept
 * across an unchanged reload, metrics). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit.h"
#include "../../../lib/metricset.h"
#include "../../../services/tsdb/config.h"
#include "../../../services/tsdb/remote/prompb.h"
#include "../../../services/tsdb/remote/remote.h"
#include "../../../services/tsdb/remote/remote_internal.h"
#include "../../../services/tsdb/remote/snappy.h"

#define RS_MAX_SAMPLES 4096

struct rs_sample {
	char series[128]; /* labels as name=value,... */
	int64_t t;
	double v;
};

/* The test server: statuses[i] answers the i-th request (then 204). */
struct rs_server {
	int lfd, port;
	pthread_t th;
	atomic_int stop;
	atomic_int conns; /* connection threads running */
	pthread_mutex_t mu;
	int statuses[16];
	size_t nstatuses;
	size_t requests;
	unsigned delay_us;      /* before each answer */
	size_t max_batch;       /* most samples seen in one request */
	int bad_headers;        /* requests missing a remote-write header */
	struct rs_sample got[RS_MAX_SAMPLES];
	size_t ngot;
	int64_t req_ms[64];     /* arrival times */
	char last_head[2048];   /* the last request's head */
};

static __thread char last_head_buf[2048];

static int rs_read_request(int fd, struct buf *in, struct buf *body, int *hdr_ok)
{
	for (;;) {
		char *end = in->p ? strstr(in->p, "\r\n\r\n") : NULL;
		if (end) {
			size_t hlen = (size_t)(end - in->p) + 4;
			const char *cl = strcasestr(in->p, "\r\nContent-Length:");
			size_t blen = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
			if (in->len >= hlen + blen) {
				snprintf(last_head_buf, sizeof last_head_buf, "%.*s", (int)hlen, in->p);
				*hdr_ok = strcasestr(in->p, "\r\nContent-Encoding: snappy") &&
					  strcasestr(in->p, "\r\nContent-Type: application/x-protobuf") &&
					  strcasestr(in->p, "\r\nX-Prometheus-Remote-Write-Version: 0.1.0") &&
					  strcasestr(in->p, "\r\nUser-Agent: pharos-tsdb/") &&
					  strncmp(in->p, "POST /api/v1/write ", 19) == 0;
				buf_reset(body);
				buf_put(body, in->p + hlen, blen);
				size_t rest = in->len - hlen - blen;
				memmove(in->p, in->p + hlen + blen, rest);
				in->len = rest;
				in->p[rest] = 0;
				return 1;
			}
		}
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) == 0)
			return 0; /* idle: let the caller look at stop */
		char tmp[8192];
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n <= 0)
			return -1;
		buf_put(in, tmp, (size_t)n);
	}
}

static void rs_record(struct rs_server *s, const struct buf *body)
{
	size_t want, got;
	if (snappy_decoded_length(body->p, body->len, &want) != 0 || want > (16u << 20))
		return;
	uint8_t *raw = malloc(want + 1);
	if (snappy_decompress(body->p, body->len, raw, want, &got) == 0) {
		struct prompb_reader r;
		struct prompb_series se;
		size_t nbatch = 0;
		prompb_reader_init(&r, raw, got, NULL);
		while (prompb_reader_next(&r, &se) == 1) {
			char name[128] = "";
			size_t off = 0;
			for (size_t i = 0; i < se.nlabels; i++)
				off += (size_t)snprintf(name + off, off < sizeof name ? sizeof name - off : 0,
						"%s%.*s=%.*s", i ? "," : "", (int)se.labels[i].name.len,
						se.labels[i].name.p, (int)se.labels[i].value.len,
						se.labels[i].value.p);
			for (size_t i = 0; i < se.nsamples && s->ngot < RS_MAX_SAMPLES; i++) {
				struct rs_sample *o = &s->got[s->ngot++];
				snprintf(o->series, sizeof o->series, "%s", name);
				o->t = se.samples[i].timestamp;
				o->v = se.samples[i].value;
			}
			nbatch += se.nsamples;
		}
		prompb_reader_free(&r);
		if (nbatch > s->max_batch)
			s->max_batch = nbatch;
	}
	free(raw);
}

struct rs_conn {
	struct rs_server *s;
	int fd;
};

/* One connection (keep-alive: several requests), on its own thread:
 * each shard of the sender keeps its own connection. */
static void *rs_conn_main(void *arg)
{
	struct rs_conn *c = arg;
	struct rs_server *s = c->s;
	int fd = c->fd;
	free(c);
	struct buf in = BUF_INIT, body = BUF_INIT;
	for (;;) {
		int ok = 0;
		int rc = rs_read_request(fd, &in, &body, &ok);
		if (rc < 0 || atomic_load(&s->stop))
			break;
		if (rc == 0)
			continue;
		pthread_mutex_lock(&s->mu);
		size_t i = s->requests++;
		if (i < 64)
			s->req_ms[i] = remote_now_ms();
		if (!ok)
			s->bad_headers++;
		snprintf(s->last_head, sizeof s->last_head, "%s", last_head_buf);
		int status = i < s->nstatuses ? s->statuses[i] : 204;
		if (status / 100 == 2)
			rs_record(s, &body);
		pthread_mutex_unlock(&s->mu);
		if (s->delay_us)
			usleep(s->delay_us);
		char resp[160];
		int n = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: 4\r\n\r\nnope",
				 status);
		if (write(fd, resp, (size_t)n) < 0)
			break;
	}
	buf_free(&in);
	buf_free(&body);
	close(fd);
	atomic_fetch_sub(&s->conns, 1);
	return NULL;
}

static void *rs_main(void *arg)
{
	struct rs_server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = { s->lfd, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		struct rs_conn *c = malloc(sizeof *c);
		c->s = s;
		c->fd = fd;
		pthread_t th;
		atomic_fetch_add(&s->conns, 1);
		if (pthread_create(&th, NULL, rs_conn_main, c) != 0) {
			atomic_fetch_sub(&s->conns, 1);
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(th);
	}
	return NULL;
}

static struct rs_server *rs_start(const int *statuses, size_t n)
{
	struct rs_server *s = calloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	if (n)
		memcpy(s->statuses, statuses, n * sizeof *statuses);
	s->nstatuses = n;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(s->lfd, (struct sockaddr *)&a, sizeof a);
	listen(s->lfd, 8);
	socklen_t al = sizeof a;
	getsockname(s->lfd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, rs_main, s);
	return s;
}

static void rs_stop(struct rs_server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	while (atomic_load(&s->conns) > 0)
		usleep(10000);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static size_t rs_count(struct rs_server *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->ngot;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static size_t rs_requests(struct rs_server *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->requests;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* Wait (at most ms) until cond holds. */
#define RS_WAIT(cond, ms)                                                   \
	do {                                                                \
		int64_t until_ = remote_now_ms() + (ms);                    \
		while (!(cond) && remote_now_ms() < until_)                 \
			usleep(5000);                                       \
	} while (0)

static void rs_opts(struct remote_queue_opts *o, char *url, size_t urlcap, int port)
{
	snprintf(url, urlcap, "http://127.0.0.1:%d/api/v1/write", port);
	memset(o, 0, sizeof *o);
	o->url = url;
	o->name = "test";
	o->timeout_ms = 2000;
	o->capacity = 2500;
	o->max_shards = 200;
	o->min_shards = 1;
	o->max_samples_per_send = 10;
	o->batch_send_deadline_ms = 100;
	o->min_backoff_ms = 50;
	o->max_backoff_ms = 400;
}

static void rs_push(struct remote_queue *q, const char *metric, const char *inst, int64_t t,
		    double v)
{
	struct label l[2] = { { "__name__", metric }, { "instance", inst } };
	struct labels ls = { l, 2 };
	remote_queue_push(q, &ls, labels_hash(&ls), t, v);
}

TEST(remote_sender_batches_in_order_with_external_labels)
{
	struct rs_server *srv = rs_start(NULL, 0);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	struct label ext[2] = { { "instance", "ignored" }, { "region", "eu" } };
	o.external_labels = (struct labels){ ext, 2 };
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	/* 25 samples over 3 series, interleaved. */
	for (int i = 0; i < 25; i++) {
		char inst[16];
		snprintf(inst, sizeof inst, "h%d", i % 3);
		rs_push(q, "m", inst, 1000 + i, i);
	}
	RS_WAIT(rs_count(srv) == 25, 3000);
	struct remote_queue_stats st;
	RS_WAIT((remote_queue_stats(q, &st), st.pending == 0 && st.highest_sent_ms == 1024), 2000);
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(srv->ngot, 25);
	CHECK_INT(srv->bad_headers, 0);
	CHECK(srv->max_batch <= 10);
	CHECK(srv->requests >= 3);
	/* External label added; the series' own instance kept; sorted. */
	int seen[3] = { 0 };
	int64_t last[3] = { 0, 0, 0 };
	for (size_t i = 0; i < srv->ngot; i++) {
		const struct rs_sample *s = &srv->got[i];
		int k = -1;
		for (int j = 0; j < 3; j++) {
			char want[64];
			snprintf(want, sizeof want, "__name__=m,instance=h%d,region=eu", j);
			if (strcmp(s->series, want) == 0)
				k = j;
		}
		CHECK(k >= 0);
		CHECK((s->t - 1000) % 3 == k);
		CHECK(s->t > last[k]); /* per-series order kept */
		last[k] = s->t;
		CHECK_DBL(s->v, (double)(s->t - 1000));
		seen[k]++;
	}
	CHECK(seen[0] == 9 && seen[1] == 8 && seen[2] == 8);
	CHECK_INT(st.samples_total, 25);
	CHECK_INT(st.failed, 0);
	CHECK_INT(st.retried, 0);
	CHECK_INT(st.pending, 0);
	CHECK_INT(st.highest_sent_ms, 1024);
	rs_stop(srv);
}

TEST(remote_sender_batch_deadline_sends_a_partial_batch)
{
	struct rs_server *srv = rs_start(NULL, 0);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	o.max_samples_per_send = 1000;
	o.batch_send_deadline_ms = 200;
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	int64_t t0 = remote_now_ms();
	rs_push(q, "m", "a", 5, 1);
	RS_WAIT(rs_count(srv) == 1, 3000);
	int64_t took = remote_now_ms() - t0;
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(srv->ngot, 1);
	CHECK(took >= 150); /* waited for the deadline, not sent at once */
	rs_stop(srv);
}

TEST(remote_sender_full_batch_goes_at_once)
{
	struct rs_server *srv = rs_start(NULL, 0);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	o.batch_send_deadline_ms = 5000;
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	usleep(50000); /* the shard is waiting for samples */
	int64_t t0 = remote_now_ms();
	for (int i = 0; i < 10; i++)
		rs_push(q, "m", "a", i, i);
	RS_WAIT(rs_count(srv) == 10, 3000);
	int64_t took = remote_now_ms() - t0;
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(srv->ngot, 10);
	CHECK(took < 2000); /* a full batch does not wait for the deadline */
	rs_stop(srv);
}

TEST(remote_sender_retries_500_with_backoff)
{
	int statuses[] = { 500, 503, 204 };
	struct rs_server *srv = rs_start(statuses, 3);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	for (int i = 0; i < 10; i++)
		rs_push(q, "m", "a", 100 + i, i);
	RS_WAIT(rs_count(srv) == 10, 5000);
	struct remote_queue_stats st;
	RS_WAIT((remote_queue_stats(q, &st), st.pending == 0), 2000);
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(srv->ngot, 10);
	CHECK_INT(srv->requests, 3);
	/* Backoff: 50 ms after the first failure, 100 ms after the second. */
	CHECK(srv->req_ms[1] - srv->req_ms[0] >= 45);
	CHECK(srv->req_ms[2] - srv->req_ms[1] >= 95);
	CHECK_INT(st.retried, 20);
	CHECK_INT(st.samples_total, 30);
	CHECK_INT(st.failed, 0);
	rs_stop(srv);
}

TEST(remote_sender_drops_on_400_and_on_429_unless_asked)
{
	int statuses[] = { 400, 429, 429, 204 };
	struct rs_server *srv = rs_start(statuses, 4);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	for (int i = 0; i < 10; i++)
		rs_push(q, "m", "a", 100 + i, i);
	RS_WAIT(rs_requests(srv) == 1, 3000);
	usleep(200000);
	struct remote_queue_stats st;
	remote_queue_stats(q, &st);
	CHECK_INT(rs_requests(srv), 1); /* not retried */
	CHECK_INT(st.failed, 10);
	CHECK_INT(st.retried, 0);
	/* 429 without retry_on_http_429: dropped too. */
	for (int i = 0; i < 10; i++)
		rs_push(q, "m", "a", 200 + i, i);
	RS_WAIT(rs_requests(srv) == 2, 3000);
	usleep(200000);
	remote_queue_stats(q, &st);
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(st.failed, 20);
	CHECK_INT(rs_requests(srv), 2);
	CHECK_INT(srv->ngot, 0);

	/* With retry_on_http_429 the third 429 is retried and then lands. */
	o.retry_on_http_429 = true;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	for (int i = 0; i < 10; i++)
		rs_push(q, "m", "a", 300 + i, i);
	RS_WAIT(rs_count(srv) == 10, 3000);
	RS_WAIT((remote_queue_stats(q, &st), st.pending == 0), 2000);
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(srv->ngot, 10);
	CHECK_INT(st.retried, 10);
	CHECK_INT(st.failed, 0);
	rs_stop(srv);
}

TEST(remote_sender_full_queue_drops_oldest_and_network_errors_retry)
{
	/* Nothing listens on this port: every attempt fails to connect. */
	struct rs_server *srv = rs_start(NULL, 0);
	int port = srv->port;
	rs_stop(srv);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, port);
	o.capacity = 10;
	o.max_shards = 1;
	o.max_samples_per_send = 10; /* ring of 20 */
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	for (int i = 0; i < 100; i++)
		rs_push(q, "m", "a", i, i);
	usleep(300000);
	struct remote_queue_stats st;
	remote_queue_stats(q, &st);
	CHECK(st.pending <= 30);
	CHECK(st.dropped >= 70);
	CHECK_INT(st.dropped + st.pending, 100);
	CHECK(st.retried >= 10);
	/* Stop with a short deadline: nothing hangs, pending is let go. */
	int64_t t0 = remote_now_ms();
	remote_queue_free(q, remote_now_ms() + 200);
	CHECK(remote_now_ms() - t0 < 2000);
}

/* ---- the writer: queues from prometheus.yml, kept across reloads ---- */

static struct prom_config *rs_config(const char *yaml)
{
	struct prom_config *c = NULL;
	struct buf err = BUF_INIT;
	if (prom_config_parse("rw.yml", yaml, strlen(yaml), &c, &err) != 0) {
		fprintf(stderr, "config: %s\n", err.p ? err.p : "?");
		c = NULL;
	}
	buf_free(&err);
	return c;
}

static void rs_push_w(struct remote_writer *w, const char *metric, const char *inst, int64_t t)
{
	struct label l[2] = { { "__name__", metric }, { "instance", inst } };
	struct labels ls = { l, 2 };
	remote_writer_push(w, &ls, t, 1);
}

TEST(remote_writer_apply_relabels_and_keeps_unchanged_queues)
{
	struct rs_server *srv = rs_start(NULL, 0);
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
		 "global:\n"
		 "  external_labels:\n"
		 "    dc: one\n"
		 "remote_write:\n"
		 "  - url: http://127.0.0.1:%d/api/v1/write\n"
		 "    name: primary\n"
		 "    queue_config:\n"
		 "      batch_send_deadline: 50ms\n"
		 "    write_relabel_configs:\n"
		 "      - source_labels: [__name__]\n"
		 "        regex: drop_.*\n"
		 "        action: drop\n",
		 srv->port);
	struct prom_config *c1 = rs_config(yaml), *c2 = rs_config(yaml);
	CHECK(c1 && c2);
	struct remote_writer *w;
	CHECK_INT(remote_writer_new(&w), 0);
	rs_push_w(w, "m", "a", 1); /* no queue yet: goes nowhere */
	CHECK_INT(remote_writer_apply(w, c1), 0);
	rs_push_w(w, "m", "a", 2);
	rs_push_w(w, "drop_me", "a", 2);
	RS_WAIT(rs_count(srv) == 1, 3000);
	CHECK_INT(rs_count(srv), 1);
	CHECK_STR(srv->got[0].series, "__name__=m,dc=one,instance=a");

	/* The same settings from a new config object: the queue is kept
	 * (no restart message, counters go on) and c1 may go. */
	CHECK_INT(remote_writer_apply(w, c2), 0);
	prom_config_free(c1);
	rs_push_w(w, "m", "a", 3);
	rs_push_w(w, "drop_me", "a", 3);
	RS_WAIT(rs_count(srv) == 2, 3000);
	CHECK_INT(rs_count(srv), 2);
	struct mset ms;
	mset_init(&ms);
	remote_writer_metrics(w, &ms);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	mset_free(&ms);
	CHECK(strstr(out.p, "prometheus_remote_storage_samples_dropped_total{remote_name=\"primary\","
			    "url=\"http://127.0.0.1:") != NULL);
	CHECK(strstr(out.p, "/api/v1/write\"} 2\n") != NULL); /* the two drop_me */
	CHECK(strstr(out.p, "prometheus_remote_storage_highest_timestamp_in_seconds 0.003\n") != NULL);
	CHECK(strstr(out.p, "prometheus_remote_storage_sent_batch_duration_seconds_count{") != NULL);
	buf_free(&out);

	/* No remote_write any more: pushes go nowhere. */
	CHECK_INT(remote_writer_apply(w, NULL), 0);
	rs_push_w(w, "m", "a", 4);
	usleep(150000);
	CHECK_INT(rs_count(srv), 2);
	remote_writer_free(w);
	prom_config_free(c2);
	rs_stop(srv);
}

TEST(remote_sender_reshards_up_under_backlog_and_keeps_order)
{
	struct rs_server *srv = rs_start(NULL, 0);
	srv->delay_us = 20000; /* a receiver 20 ms away */
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	o.min_shards = 1;
	o.max_shards = 4;
	o.max_samples_per_send = 10;
	o.reshard_every_ms = 100;
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	/* 2000 samples over 20 series: one shard needs 200 requests (4 s). */
	for (int r = 0; r < 100; r++)
		for (int i = 0; i < 20; i++) {
			char inst[16];
			snprintf(inst, sizeof inst, "h%d", i);
			rs_push(q, "m", inst, 1000 + r, r);
		}
	RS_WAIT(rs_count(srv) == 2000, 8000);
	struct remote_queue_stats st;
	remote_queue_stats(q, &st);
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK_INT(srv->ngot, 2000);
	CHECK(st.shards > 1);
	CHECK_INT(st.dropped, 0);
	/* Each series arrived in order, across the resharding. */
	int64_t last[20];
	for (int i = 0; i < 20; i++)
		last[i] = 0;
	for (size_t k = 0; k < srv->ngot; k++) {
		const char *p = strstr(srv->got[k].series, "instance=h");
		CHECK(p != NULL);
		int i = atoi(p + 10);
		CHECK(i >= 0 && i < 20);
		CHECK(srv->got[k].t > last[i]);
		last[i] = srv->got[k].t;
	}
	rs_stop(srv);
}

TEST(remote_sender_sends_auth_and_custom_headers)
{
	struct rs_server *srv = rs_start(NULL, 0);
	struct remote_queue_opts o;
	char url[128];
	rs_opts(&o, url, sizeof url, srv->port);
	const struct http_header_pair hp[1] = { { "X-Scope-OrgID", "tenant-1" } };
	o.headers = hp;
	o.nheaders = 1;
	o.basic_user = "alice";
	o.basic_pass = "s3cret";
	struct remote_queue *q;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	rs_push(q, "m", "a", 1, 1);
	RS_WAIT(rs_count(srv) == 1, 3000);
	remote_queue_free(q, remote_now_ms() + 1000);
	CHECK(strstr(srv->last_head, "\r\nX-Scope-OrgID: tenant-1\r\n") != NULL);
	/* base64("alice:s3cret") */
	CHECK(strstr(srv->last_head, "\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n") != NULL);

	/* Bearer credentials read from a file (trimmed), before each request. */
	char path[] = "/tmp/pharos-rw-cred-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, "  tok123\n", 9) == 9);
	close(fd);
	rs_opts(&o, url, sizeof url, srv->port);
	o.auth_type = "Bearer";
	o.auth_credentials_file = path;
	CHECK_INT(remote_queue_new(&q, &o), 0);
	rs_push(q, "m", "a", 2, 1);
	RS_WAIT(rs_count(srv) == 2, 3000);
	remote_queue_free(q, remote_now_ms() + 1000);
	unlink(path);
	CHECK(strstr(srv->last_head, "\r\nAuthorization: Bearer tok123\r\n") != NULL);
	rs_stop(srv);
}
