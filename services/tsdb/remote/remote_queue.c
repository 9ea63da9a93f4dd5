/* remote_queue.c - one remote_write entry's queue: series cache, shards,
 * batching, sending with retries and backoff, counters.
 *
 * Why a series cache: the scraper pushes the same series every interval;
 * relabeling and encoding its labels once per series (not per sample) is
 * what keeps push cheap. A cache entry is keyed by the hash of the pushed
 * labels (checked for equality), holds the labels after external_labels
 * and write_relabel_configs as ready protobuf bytes, and is reference
 * counted: queued samples point at it, so its bytes live until the last
 * of them is sent. Entries unused for REMOTE_SERIES_IDLE_MS leave the
 * cache.
 *
 * Why drop the oldest when full: the scraper must never wait for the
 * network; the freshest data is the most useful after an outage. */
#include "remote_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../../lib/httpclient.h"
#include "../../../lib/log.h"
#include "../../../lib/metricset.h"
#include "../relabel.h"
#include "snappy.h"

#define REMOTE_SERIES_IDLE_MS (10 * 60 * 1000)
#define REMOTE_GC_EVERY_MS (60 * 1000)
#define REMOTE_MAX_RETRY_AFTER_MS (5 * 60 * 1000)
/* How often the manager looks at the backlog, and how many looks in a row
 * it takes to add shards (backlog of more than two batches per shard) or
 * to remove them (less than one batch in all). */
#define REMOTE_RESHARD_EVERY_MS 5000
#define REMOTE_RESHARD_UP_LOOKS 2
#define REMOTE_RESHARD_DOWN_LOOKS 12
/* Shards per queue at most, whatever max_shards says (threads). */
#define REMOTE_MAX_SHARDS 64
#define REMOTE_USER_AGENT "pharos-tsdb/" PHAROS_VERSION

/* Prometheus's buckets for sent_batch_duration_seconds: DefBuckets plus
 * 25, 60, 120, 300. */
static const double remote_batch_buckets[] = { .005, .01, .025, .05, .1, .25, .5, 1,
					       2.5,  5,   10,   25,  60, 120, 300 };
#define REMOTE_NBUCKETS (sizeof remote_batch_buckets / sizeof remote_batch_buckets[0])

struct rq_series {
	struct rq_series *next; /* hash chain */
	uint64_t hash;          /* of the pushed labels */
	uint64_t out_hash;      /* of the sent labels: picks the shard */
	uint32_t refs;          /* queued samples + 1 while in the table */
	bool in_table, dropped;
	int64_t last_used_ms;
	size_t in_len, pb_len;
	char *in; /* pushed labels as name\0value\0...; then the pb bytes */
	char *pb;
};

struct rq_entry {
	struct rq_series *s;
	int64_t t;
	double v;
};

struct rq_shard {
	struct remote_queue *q;
	pthread_t th;
	bool started;
	pthread_cond_t cond;
	struct rq_entry *ring;
	size_t cap, head, len, inflight;
	bool idle; /* waiting for samples (not sending, not backing off) */
	bool quit; /* resharding: stop after the batch in hand, keep the ring */
	int64_t last_send_ms;
	struct http_client *http;
};

struct remote_queue {
	pthread_mutex_t mu;
	struct arena arena; /* options' strings */
	struct remote_queue_opts o;
	char remote_name[64];
	size_t ring_max; /* per shard */
	size_t batch_max;

	struct rq_series **table;
	size_t table_cap, nseries;
	struct labels_builder lb;
	struct arena scratch;
	int64_t last_gc_ms;

	struct rq_shard *shards;
	size_t nshards, min_shards, max_shards;
	size_t running; /* shard threads not yet ended */
	pthread_cond_t exited_cond;
	bool stopping;
	int64_t stop_deadline_ms;
	int cancel_pipe[2];
	struct http_tls_config tls;

	/* The manager thread: cache sweeps and resharding. */
	pthread_t mgr;
	bool mgr_started;
	pthread_cond_t mgr_cond;
	int64_t last_ok_ms; /* last successful send */

	/* counters (under mu) */
	uint64_t samples_total, failed, retried, dropped, bytes, requests;
	int64_t highest_sent_ms;
	uint64_t bucket_counts[REMOTE_NBUCKETS];
	uint64_t dur_count;
	double dur_sum;
};

int64_t remote_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait on cond until the monotonic time deadline_ms. */
static void rq_wait_until(pthread_cond_t *cond, pthread_mutex_t *mu, int64_t deadline_ms)
{
	struct timespec ts = { (time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000 };
	pthread_cond_timedwait(cond, mu, &ts);
}

static void rq_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

/* ---- series cache ---- */

static void rq_series_unref(struct rq_series *s)
{
	if (--s->refs == 0) {
		free(s->in);
		free(s);
	}
}

static bool rq_series_matches(const struct rq_series *s, const struct labels *ls)
{
	const char *p = s->in, *end = s->in + s->in_len;
	for (size_t i = 0; i < ls->n; i++) {
		size_t nl = strlen(ls->v[i].name), vl = strlen(ls->v[i].value);
		if ((size_t)(end - p) < nl + vl + 2 || memcmp(p, ls->v[i].name, nl + 1) != 0)
			return false;
		p += nl + 1;
		if (memcmp(p, ls->v[i].value, vl + 1) != 0)
			return false;
		p += vl + 1;
	}
	return p == end;
}

static void rq_table_grow(struct remote_queue *q)
{
	size_t nc = q->table_cap ? q->table_cap * 2 : 1024;
	struct rq_series **nt = xcalloc(nc, sizeof *nt);
	for (size_t i = 0; i < q->table_cap; i++) {
		struct rq_series *s = q->table[i], *next;
		for (; s; s = next) {
			next = s->next;
			s->next = nt[s->hash & (nc - 1)];
			nt[s->hash & (nc - 1)] = s;
		}
	}
	free(q->table);
	q->table = nt;
	q->table_cap = nc;
}

/* Build the cache entry for ls: external labels, relabeling, encoding. */
static struct rq_series *rq_series_new(struct remote_queue *q, const struct labels *ls, uint64_t h)
{
	struct buf in = BUF_INIT, pb = BUF_INIT;
	for (size_t i = 0; i < ls->n; i++) {
		buf_put(&in, ls->v[i].name, strlen(ls->v[i].name) + 1);
		buf_put(&in, ls->v[i].value, strlen(ls->v[i].value) + 1);
	}
	struct rq_series *s = xcalloc(1, sizeof *s);
	s->hash = h;
	s->refs = 1;

	arena_reset(&q->scratch);
	labels_builder_reset(&q->lb, ls);
	for (size_t i = 0; i < q->o.external_labels.n; i++) {
		const struct label *e = &q->o.external_labels.v[i];
		if (!labels_has(ls, e->name))
			labels_builder_set(&q->lb, e->name, e->value);
	}
	bool keep = true;
	if (q->o.nrelabel)
		keep = relabel_process(q->o.relabel, q->o.nrelabel, &q->lb, &q->scratch) == 1;
	struct labels out = LABELS_EMPTY;
	if (keep) {
		labels_builder_finish(&q->lb, &q->scratch, &out);
		keep = out.n > 0;
	}
	if (!keep) {
		s->dropped = true;
	} else {
		for (size_t i = 0; i < out.n; i++)
			prompb_put_label(&pb, out.v[i].name, strlen(out.v[i].name), out.v[i].value,
					 strlen(out.v[i].value));
		s->out_hash = labels_hash(&out);
	}
	/* One allocation for both byte strings. */
	s->in_len = in.len;
	s->pb_len = pb.len;
	s->in = xmalloc(in.len + pb.len + 1);
	if (in.len)
		memcpy(s->in, in.p, in.len);
	if (pb.len)
		memcpy(s->in + in.len, pb.p, pb.len);
	s->pb = s->in + in.len;
	buf_free(&in);
	buf_free(&pb);
	return s;
}

static struct rq_series *rq_series_get(struct remote_queue *q, const struct labels *ls, uint64_t h,
				       int64_t now)
{
	if (q->table_cap) {
		for (struct rq_series *s = q->table[h & (q->table_cap - 1)]; s; s = s->next) {
			if (s->hash == h && rq_series_matches(s, ls)) {
				s->last_used_ms = now;
				return s;
			}
		}
	}
	if (q->nseries >= q->table_cap / 2)
		rq_table_grow(q);
	struct rq_series *s = rq_series_new(q, ls, h);
	s->in_table = true;
	s->last_used_ms = now;
	s->next = q->table[h & (q->table_cap - 1)];
	q->table[h & (q->table_cap - 1)] = s;
	q->nseries++;
	return s;
}

/* Remove every entry (all, or only the idle ones) from the table. */
static void rq_table_sweep(struct remote_queue *q, bool all, int64_t now)
{
	for (size_t i = 0; i < q->table_cap; i++) {
		struct rq_series **pp = &q->table[i];
		while (*pp) {
			struct rq_series *s = *pp;
			if (all || now - s->last_used_ms > REMOTE_SERIES_IDLE_MS) {
				*pp = s->next;
				s->in_table = false;
				q->nseries--;
				rq_series_unref(s);
			} else {
				pp = &s->next;
			}
		}
	}
}

/* ---- push ---- */

void remote_queue_push(struct remote_queue *q, const struct labels *ls, uint64_t h, int64_t t,
		       double v)
{
	int64_t now = remote_now_ms();
	pthread_mutex_lock(&q->mu);
	if (q->stopping) {
		pthread_mutex_unlock(&q->mu);
		return;
	}
	struct rq_series *s = rq_series_get(q, ls, h, now);
	if (s->dropped) {
		q->dropped++;
		pthread_mutex_unlock(&q->mu);
		return;
	}
	struct rq_shard *sh = &q->shards[s->out_hash % q->nshards];
	if (sh->len == sh->cap) {
		if (sh->cap < q->ring_max) {
			/* Grow geometrically, unrolling the ring into the new array. */
			size_t nc = sh->cap ? sh->cap * 2 : 1024;
			if (nc > q->ring_max)
				nc = q->ring_max;
			struct rq_entry *nr = xmalloc(nc * sizeof *nr);
			for (size_t i = 0; i < sh->len; i++)
				nr[i] = sh->ring[(sh->head + i) % sh->cap];
			free(sh->ring);
			sh->ring = nr;
			sh->cap = nc;
			sh->head = 0;
		} else {
			/* Full: the oldest sample gives way. */
			rq_series_unref(sh->ring[sh->head].s);
			sh->head = (sh->head + 1) % sh->cap;
			sh->len--;
			q->dropped++;
		}
	}
	struct rq_entry *e = &sh->ring[(sh->head + sh->len) % sh->cap];
	e->s = s;
	e->t = t;
	e->v = v;
	s->refs++;
	sh->len++;
	/* Wake the shard only when a batch is full and it is waiting for one:
	 * a wake-up per sample would cost a context switch per sample. */
	if (sh->idle && sh->len >= q->batch_max) {
		sh->idle = false;
		pthread_cond_signal(&sh->cond);
	}
	pthread_mutex_unlock(&q->mu);
}

void remote_queue_set_relabel(struct remote_queue *q, const struct relabel_config *const *rc,
			      size_t n)
{
	pthread_mutex_lock(&q->mu);
	q->o.relabel = rc;
	q->o.nrelabel = n;
	pthread_mutex_unlock(&q->mu);
}

/* ---- sending ---- */

/* Read a secret file as Prometheus does (whole file, spaces trimmed).
 * Returns a heap string or NULL with a message in err. */
static char *rq_read_secret(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "unable to read %s: %s", path, strerror(errno));
		return NULL;
	}
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = buf;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t l = strlen(p);
	while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\n' || p[l - 1] == '\r'))
		p[--l] = 0;
	return xstrdup(p);
}

struct rq_ord {
	const struct rq_series *s;
	size_t i;
};

static int rq_ord_cmp(const void *a, const void *b)
{
	const struct rq_ord *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i; /* push order within a series */
}

/* Encode the batch, one TimeSeries per series with its samples in push
 * order (fewer label bytes than one TimeSeries per sample). */
static void rq_encode(const struct rq_entry *batch, size_t n, struct buf *out)
{
	struct rq_ord *ord = xmalloc((n ? n : 1) * sizeof *ord);
	struct prompb_sample *smp = xmalloc((n ? n : 1) * sizeof *smp);
	for (size_t i = 0; i < n; i++)
		ord[i] = (struct rq_ord){ batch[i].s, i };
	qsort(ord, n, sizeof *ord, rq_ord_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && ord[j].s == ord[i].s) {
			smp[j - i].value = batch[ord[j].i].v;
			smp[j - i].timestamp = batch[ord[j].i].t;
			j++;
		}
		prompb_put_series(out, ord[i].s->pb, ord[i].s->pb_len, smp, j - i);
		i = j;
	}
	free(ord);
	free(smp);
}

static void rq_observe(struct remote_queue *q, double secs)
{
	for (size_t i = 0; i < REMOTE_NBUCKETS; i++)
		if (secs <= remote_batch_buckets[i])
			q->bucket_counts[i]++;
	q->dur_count++;
	q->dur_sum += secs;
}

enum rq_result { RQ_OK, RQ_RETRY, RQ_FAIL };

/* One attempt. Unlocked. *retry_after_ms set from a Retry-After header. */
static enum rq_result rq_attempt(struct rq_shard *sh, const void *body, size_t len,
				 int64_t timeout_ms, int64_t *retry_after_ms, char *err, size_t errlen)
{
	struct remote_queue *q = sh->q;
	struct http_header hdrs[64 + 3];
	size_t nh = 0;
	for (size_t i = 0; i < q->o.nheaders && nh < 64; i++)
		hdrs[nh++] = (struct http_header){ q->o.headers[i].name, q->o.headers[i].value };
	hdrs[nh++] = (struct http_header){ "Content-Encoding", "snappy" };
	hdrs[nh++] = (struct http_header){ "X-Prometheus-Remote-Write-Version", "0.1.0" };
	char *pass = NULL, *cred = NULL;
	if (q->o.basic_user && q->o.basic_pass_file &&
	    !(pass = rq_read_secret(q->o.basic_pass_file, err, errlen)))
		return RQ_FAIL;
	if (q->o.auth_type && q->o.auth_credentials_file &&
	    !(cred = rq_read_secret(q->o.auth_credentials_file, err, errlen))) {
		free(pass);
		return RQ_FAIL;
	}
	struct http_request rq = {
		.method = "POST",
		.url = q->o.url,
		.headers = hdrs,
		.nheaders = nh,
		.user_agent = REMOTE_USER_AGENT,
		.basic_user = q->o.basic_user,
		.basic_pass = pass ? pass : q->o.basic_pass,
		.auth_type = q->o.auth_type,
		.auth_credentials = cred ? cred : q->o.auth_credentials,
		.body = body,
		.body_len = len,
		.content_type = "application/x-protobuf",
		.timeout_ms = timeout_ms,
		.max_body = 1 << 20,
		.cancel_fd = q->cancel_pipe[0],
	};
	struct http_response rs;
	int rc = http_client_do(sh->http, &rq, &rs, err, errlen);
	free(pass);
	free(cred);
	enum rq_result res;
	*retry_after_ms = 0;
	if (rc < 0) {
		res = RQ_RETRY; /* network errors are worth another try */
	} else if (rs.status / 100 == 2) {
		res = RQ_OK;
	} else {
		http_status_error(&rs, err, errlen);
		size_t el = strlen(err);
		if (rs.body.len && el + 3 < errlen)
			snprintf(err + el, errlen - el, ": %.*s", (int)(rs.body.len > 256 ? 256 : rs.body.len),
				 rs.body.p);
		bool retry = rs.status / 100 == 5 || (rs.status == 429 && q->o.retry_on_http_429);
		res = retry ? RQ_RETRY : RQ_FAIL;
		const char *ra = http_response_header(&rs, "Retry-After");
		if (retry && ra) {
			char *end;
			long secs = strtol(ra, &end, 10);
			if (end != ra && *end == 0 && secs > 0)
				*retry_after_ms = secs * 1000 > REMOTE_MAX_RETRY_AFTER_MS
							  ? REMOTE_MAX_RETRY_AFTER_MS
							  : secs * 1000;
		}
	}
	http_response_free(&rs);
	return res;
}

/* Send one batch until it succeeds, fails for good, or the queue's stop
 * deadline passes. Called unlocked; takes the lock for counters. */
static void rq_send(struct rq_shard *sh, struct rq_entry *batch, size_t n, struct buf *pb,
		    uint8_t **cbuf, size_t *ccap)
{
	struct remote_queue *q = sh->q;
	buf_reset(pb);
	int64_t highest = INT64_MIN;
	for (size_t i = 0; i < n; i++)
		if (batch[i].t > highest)
			highest = batch[i].t;
	rq_encode(batch, n, pb);
	size_t need = snappy_max_compressed_length(pb->len), clen = 0;
	if (need > *ccap) {
		free(*cbuf);
		*cbuf = xmalloc(need);
		*ccap = need;
	}
	snappy_compress(pb->p, pb->len, *cbuf, *ccap, &clen);

	int64_t backoff = q->o.min_backoff_ms > 0 ? q->o.min_backoff_ms : 30;
	char err[512];
	for (;;) {
		int64_t timeout = q->o.timeout_ms > 0 ? q->o.timeout_ms : 30000;
		pthread_mutex_lock(&q->mu);
		if (q->stopping) {
			int64_t left = q->stop_deadline_ms - remote_now_ms();
			if (left <= 0) {
				q->failed += n;
				pthread_mutex_unlock(&q->mu);
				return;
			}
			if (left < timeout)
				timeout = left;
		}
		q->samples_total += n;
		q->requests++;
		q->bytes += clen;
		pthread_mutex_unlock(&q->mu);

		int64_t t0 = remote_now_ms(), retry_after = 0;
		enum rq_result r = rq_attempt(sh, *cbuf, clen, timeout, &retry_after, err, sizeof err);
		double secs = (double)(remote_now_ms() - t0) / 1000.0;

		pthread_mutex_lock(&q->mu);
		rq_observe(q, secs);
		if (r == RQ_OK) {
			if (highest > q->highest_sent_ms)
				q->highest_sent_ms = highest;
			q->last_ok_ms = remote_now_ms();
			pthread_mutex_unlock(&q->mu);
			return;
		}
		if (r == RQ_FAIL) {
			q->failed += n;
			pthread_mutex_unlock(&q->mu);
			log_error("remote write %s: non-recoverable error, %zu samples dropped: %s",
				  q->remote_name, n, err);
			return;
		}
		q->retried += n;
		int64_t sleep_ms = retry_after ? retry_after : backoff;
		log_warn("remote write %s: failed to send batch, retrying in %lld ms: %s",
			 q->remote_name, (long long)sleep_ms, err);
		int64_t until = remote_now_ms() + sleep_ms;
		while (remote_now_ms() < until) {
			if (q->stopping && remote_now_ms() >= q->stop_deadline_ms)
				break;
			int64_t wake = until;
			if (q->stopping && q->stop_deadline_ms < wake)
				wake = q->stop_deadline_ms;
			rq_wait_until(&sh->cond, &q->mu, wake);
		}
		pthread_mutex_unlock(&q->mu);
		backoff *= 2;
		if (q->o.max_backoff_ms > 0 && backoff > q->o.max_backoff_ms)
			backoff = q->o.max_backoff_ms;
	}
}

static void *rq_shard_main(void *arg)
{
	struct rq_shard *sh = arg;
	struct remote_queue *q = sh->q;
	struct rq_entry *batch = xmalloc(q->batch_max * sizeof *batch);
	struct buf pb = BUF_INIT;
	uint8_t *cbuf = NULL;
	size_t ccap = 0;
	int64_t deadline = q->o.batch_send_deadline_ms > 0 ? q->o.batch_send_deadline_ms : 5000;

	pthread_mutex_lock(&q->mu);
	sh->last_send_ms = remote_now_ms();
	for (;;) {
		int64_t now = remote_now_ms();
		if (sh->quit)
			break;
		bool due = sh->len >= q->batch_max || (sh->len > 0 && now - sh->last_send_ms >= deadline) ||
			   (q->stopping && sh->len > 0);
		if (!due) {
			if (q->stopping)
				break; /* nothing left */
			int64_t wake = sh->last_send_ms + deadline;
			if (wake <= now)
				wake = now + deadline;
			sh->idle = true;
			rq_wait_until(&sh->cond, &q->mu, wake);
			sh->idle = false;
			continue;
		}
		if (q->stopping && now >= q->stop_deadline_ms) {
			/* Out of time: what is left is dropped. */
			q->dropped += sh->len;
			while (sh->len) {
				rq_series_unref(sh->ring[sh->head].s);
				sh->head = (sh->head + 1) % sh->cap;
				sh->len--;
			}
			break;
		}
		size_t n = sh->len < q->batch_max ? sh->len : q->batch_max;
		for (size_t i = 0; i < n; i++) {
			batch[i] = sh->ring[sh->head];
			sh->head = (sh->head + 1) % sh->cap;
		}
		sh->len -= n;
		sh->inflight = n;
		pthread_mutex_unlock(&q->mu);

		rq_send(sh, batch, n, &pb, &cbuf, &ccap);

		pthread_mutex_lock(&q->mu);
		for (size_t i = 0; i < n; i++)
			rq_series_unref(batch[i].s);
		sh->inflight = 0;
		sh->last_send_ms = remote_now_ms();
	}
	q->running--;
	pthread_cond_broadcast(&q->exited_cond);
	pthread_mutex_unlock(&q->mu);
	free(batch);
	buf_free(&pb);
	free(cbuf);
	return NULL;
}

/* ---- lifecycle ---- */

static const char *rq_dup(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

static uint64_t rq_fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

/* Per-shard ring limit for n shards: what Prometheus could buffer across
 * all its shards (capacity x max_shards), spread over ours; at least two
 * batches per shard. */
static size_t rq_ring_max(const struct remote_queue *q, size_t n)
{
	size_t cap = q->o.capacity > 0 ? (size_t)q->o.capacity : 2500;
	size_t m = cap * q->max_shards / n;
	if (m < 2 * q->batch_max)
		m = 2 * q->batch_max;
	if (m > ((size_t)1 << 26))
		m = (size_t)1 << 26;
	return m;
}

/* A new array of n idle shards (conditions, HTTP clients), no threads. */
static int rq_shards_alloc(struct remote_queue *q, size_t n, struct rq_shard **out)
{
	struct rq_shard *a = xcalloc(n, sizeof *a);
	for (size_t i = 0; i < n; i++) {
		a[i].q = q;
		rq_cond_init(&a[i].cond);
		char err[256];
		if (http_client_new(&a[i].http, &q->tls, err, sizeof err) < 0) {
			log_error("remote write %s: %s", q->remote_name, err);
			for (size_t k = 0; k <= i; k++) {
				http_client_free(a[k].http);
				pthread_cond_destroy(&a[k].cond);
			}
			free(a);
			return -EINVAL;
		}
	}
	*out = a;
	return 0;
}

/* Free an array of shards whose threads have ended; queued samples are
 * released and counted as dropped unless moved out before. */
static void rq_shards_release(struct remote_queue *q, struct rq_shard *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rq_shard *sh = &a[i];
		for (size_t k = 0; k < sh->len; k++)
			rq_series_unref(sh->ring[(sh->head + k) % sh->cap].s);
		q->dropped += sh->len;
		free(sh->ring);
		http_client_free(sh->http);
		pthread_cond_destroy(&sh->cond);
	}
	free(a);
}

/* Start the threads of q->shards. Locked. Returns 0 or -errno (threads
 * already started keep running). */
static int rq_shards_start(struct remote_queue *q)
{
	for (size_t i = 0; i < q->nshards; i++) {
		struct rq_shard *sh = &q->shards[i];
		sh->last_send_ms = remote_now_ms();
		int e = pthread_create(&sh->th, NULL, rq_shard_main, sh);
		if (e)
			return -e;
		sh->started = true;
		q->running++;
	}
	return 0;
}

/* Move to n shards: the running shards finish the batch in hand and end,
 * their queued samples are dealt out again by series (so each series keeps
 * its order), and n new shards start. Locked; unlocks while joining. */
static void rq_reshard(struct remote_queue *q, size_t n)
{
	struct rq_shard *na;
	if (rq_shards_alloc(q, n, &na) < 0)
		return;
	for (size_t i = 0; i < q->nshards; i++) {
		q->shards[i].quit = true;
		pthread_cond_broadcast(&q->shards[i].cond);
	}
	while (q->running > 0)
		pthread_cond_wait(&q->exited_cond, &q->mu);
	/* Pushes go on into the old rings meanwhile: q->shards stays valid. */
	pthread_mutex_unlock(&q->mu);
	for (size_t i = 0; i < q->nshards; i++)
		if (q->shards[i].started)
			pthread_join(q->shards[i].th, NULL);
	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < q->nshards; i++)
		q->shards[i].started = false;
	if (q->stopping) {
		/* Shutting down meanwhile: no new shards; free() releases
		 * the old ones. */
		rq_shards_release(q, na, n);
		return;
	}
	log_info("remote write %s: resharding from %zu to %zu shards", q->remote_name,
		 q->nshards, n);
	size_t *count = xcalloc(n, sizeof *count);
	for (size_t i = 0; i < q->nshards; i++)
		for (size_t k = 0; k < q->shards[i].len; k++) {
			const struct rq_shard *o = &q->shards[i];
			count[o->ring[(o->head + k) % o->cap].s->out_hash % n]++;
		}
	for (size_t j = 0; j < n; j++) {
		na[j].cap = count[j] > 1024 ? count[j] : 1024;
		na[j].ring = xmalloc(na[j].cap * sizeof *na[j].ring);
	}
	free(count);
	for (size_t i = 0; i < q->nshards; i++) {
		struct rq_shard *o = &q->shards[i];
		for (size_t k = 0; k < o->len; k++) {
			struct rq_entry e = o->ring[(o->head + k) % o->cap];
			struct rq_shard *d = &na[e.s->out_hash % n];
			d->ring[d->len++] = e;
		}
		o->len = 0;
	}
	rq_shards_release(q, q->shards, q->nshards);
	q->shards = na;
	q->nshards = n;
	q->ring_max = rq_ring_max(q, n);
	if (rq_shards_start(q) < 0)
		log_error("remote write %s: cannot start shard threads", q->remote_name);
}

static void *rq_manager_main(void *arg)
{
	struct remote_queue *q = arg;
	int up = 0, down = 0;
	int64_t deadline = q->o.batch_send_deadline_ms > 0 ? q->o.batch_send_deadline_ms : 5000;
	int64_t every = q->o.reshard_every_ms > 0 ? q->o.reshard_every_ms : REMOTE_RESHARD_EVERY_MS;
	pthread_mutex_lock(&q->mu);
	while (!q->stopping) {
		rq_wait_until(&q->mgr_cond, &q->mu, remote_now_ms() + every);
		if (q->stopping)
			break;
		int64_t now = remote_now_ms();
		if (now - q->last_gc_ms > REMOTE_GC_EVERY_MS) {
			rq_table_sweep(q, false, now);
			q->last_gc_ms = now;
		}
		size_t pending = 0;
		for (size_t i = 0; i < q->nshards; i++)
			pending += q->shards[i].len;
		/* More shards only while the receiver answers (more shards do
		 * not help against one that is down), fewer when idle. */
		bool healthy = q->last_ok_ms && now - q->last_ok_ms < 2 * deadline + 10000;
		up = healthy && pending > 2 * q->batch_max * q->nshards ? up + 1 : 0;
		down = pending < q->batch_max && q->nshards > q->min_shards ? down + 1 : 0;
		size_t want = q->nshards;
		if (up >= REMOTE_RESHARD_UP_LOOKS && q->nshards < q->max_shards)
			want = q->nshards * 2 < q->max_shards ? q->nshards * 2 : q->max_shards;
		else if (down >= REMOTE_RESHARD_DOWN_LOOKS)
			want = q->nshards / 2 > q->min_shards ? q->nshards / 2 : q->min_shards;
		if (want != q->nshards) {
			rq_reshard(q, want);
			up = down = 0;
		}
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int remote_queue_new(struct remote_queue **out, const struct remote_queue_opts *o)
{
	struct remote_queue *q = xcalloc(1, sizeof *q);
	q->arena = (struct arena)ARENA_INIT;
	q->scratch = (struct arena)ARENA_INIT;
	q->lb = (struct labels_builder)LABELS_BUILDER_INIT;
	q->o = *o;
	struct arena *a = &q->arena;
	q->o.url = rq_dup(a, o->url);
	q->o.name = rq_dup(a, o->name ? o->name : "");
	struct http_header_pair *hp = arena_alloc(a, (o->nheaders + 1) * sizeof *hp);
	for (size_t i = 0; i < o->nheaders; i++) {
		hp[i].name = rq_dup(a, o->headers[i].name);
		hp[i].value = rq_dup(a, o->headers[i].value);
	}
	q->o.headers = hp;
	q->o.basic_user = rq_dup(a, o->basic_user);
	q->o.basic_pass = rq_dup(a, o->basic_pass);
	q->o.basic_pass_file = rq_dup(a, o->basic_pass_file);
	q->o.auth_type = rq_dup(a, o->auth_type);
	q->o.auth_credentials = rq_dup(a, o->auth_credentials);
	q->o.auth_credentials_file = rq_dup(a, o->auth_credentials_file);
	q->o.tls_ca_file = rq_dup(a, o->tls_ca_file);
	q->o.tls_server_name = rq_dup(a, o->tls_server_name);
	q->o.external_labels = labels_copy(a, &o->external_labels);
	q->tls = (struct http_tls_config){ q->o.tls_ca_file, q->o.tls_server_name, q->o.tls_insecure };

	if (q->o.name[0]) {
		snprintf(q->remote_name, sizeof q->remote_name, "%s", q->o.name);
	} else {
		/* Prometheus names an unnamed queue after a hash of its config;
		 * a short hash of the URL and settings here. */
		uint64_t h = rq_fnv(0xcbf29ce484222325ull, q->o.url);
		char num[64];
		snprintf(num, sizeof num, "%lld/%lld/%lld", (long long)o->capacity,
			 (long long)o->max_samples_per_send, (long long)o->timeout_ms);
		h = rq_fnv(h, num);
		snprintf(q->remote_name, sizeof q->remote_name, "%06llx",
			 (unsigned long long)(h & 0xffffff));
	}
	q->batch_max = o->max_samples_per_send > 0 ? (size_t)o->max_samples_per_send : 500;
	q->max_shards = o->max_shards > 0 ? (size_t)o->max_shards : 200;
	if (q->max_shards > REMOTE_MAX_SHARDS)
		q->max_shards = REMOTE_MAX_SHARDS;
	q->min_shards = o->min_shards > 0 ? (size_t)o->min_shards : 1;
	if (q->min_shards > q->max_shards)
		q->min_shards = q->max_shards;
	q->nshards = q->min_shards;
	q->ring_max = rq_ring_max(q, q->nshards);

	pthread_mutex_init(&q->mu, NULL);
	rq_cond_init(&q->exited_cond);
	rq_cond_init(&q->mgr_cond);
	if (pipe(q->cancel_pipe) < 0) {
		int e = errno;
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->exited_cond);
		pthread_cond_destroy(&q->mgr_cond);
		arena_free(&q->arena);
		free(q);
		return -e;
	}
	fcntl(q->cancel_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(q->cancel_pipe[1], F_SETFD, FD_CLOEXEC);
	q->last_gc_ms = remote_now_ms();
	int rc = rq_shards_alloc(q, q->nshards, &q->shards);
	if (rc) {
		q->nshards = 0;
		remote_queue_free(q, remote_now_ms());
		return rc;
	}
	pthread_mutex_lock(&q->mu);
	rc = rq_shards_start(q);
	pthread_mutex_unlock(&q->mu);
	if (rc == 0) {
		int e = pthread_create(&q->mgr, NULL, rq_manager_main, q);
		if (e)
			rc = -e;
		else
			q->mgr_started = true;
	}
	if (rc) {
		remote_queue_free(q, remote_now_ms());
		return rc;
	}
	log_info("remote write %s: started, url %s, %zu shard(s)", q->remote_name, q->o.url,
		 q->nshards);
	*out = q;
	return 0;
}

void remote_queue_free(struct remote_queue *q, int64_t deadline_ms)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	q->stop_deadline_ms = deadline_ms;
	pthread_cond_broadcast(&q->mgr_cond);
	for (size_t i = 0; i < q->nshards; i++)
		pthread_cond_broadcast(&q->shards[i].cond);
	/* Let the shards flush until the deadline, then cancel what is in
	 * flight so that they notice. */
	while (q->running > 0 && remote_now_ms() < deadline_ms)
		rq_wait_until(&q->exited_cond, &q->mu, deadline_ms);
	bool cancel = q->running > 0;
	pthread_mutex_unlock(&q->mu);
	if (cancel && write(q->cancel_pipe[1], "x", 1) < 0)
		log_warn("remote write %s: cannot cancel requests in flight", q->remote_name);
	if (q->mgr_started)
		pthread_join(q->mgr, NULL);
	for (size_t i = 0; i < q->nshards; i++) {
		if (q->shards[i].started) {
			pthread_mutex_lock(&q->mu);
			pthread_cond_broadcast(&q->shards[i].cond);
			pthread_mutex_unlock(&q->mu);
			pthread_join(q->shards[i].th, NULL);
		}
	}
	if (q->shards)
		rq_shards_release(q, q->shards, q->nshards);
	rq_table_sweep(q, true, 0);
	free(q->table);
	labels_builder_free(&q->lb);
	arena_free(&q->scratch);
	close(q->cancel_pipe[0]);
	close(q->cancel_pipe[1]);
	pthread_cond_destroy(&q->mgr_cond);
	pthread_cond_destroy(&q->exited_cond);
	pthread_mutex_destroy(&q->mu);
	arena_free(&q->arena);
	free(q);
}

/* ---- metrics ---- */

void remote_queue_stats(struct remote_queue *q, struct remote_queue_stats *st)
{
	pthread_mutex_lock(&q->mu);
	st->samples_total = q->samples_total;
	st->failed = q->failed;
	st->retried = q->retried;
	st->dropped = q->dropped;
	st->bytes = q->bytes;
	st->requests = q->requests;
	st->highest_sent_ms = q->highest_sent_ms;
	st->pending = 0;
	st->shards = q->nshards;
	st->shard_capacity = q->ring_max;
	for (size_t i = 0; i < q->nshards; i++)
		st->pending += q->shards[i].len + q->shards[i].inflight;
	pthread_mutex_unlock(&q->mu);
}

void remote_queue_metrics(struct remote_queue *q, struct mset *ms)
{
	struct remote_queue_stats st;
	remote_queue_stats(q, &st);
	uint64_t buckets[REMOTE_NBUCKETS];
	double counts[REMOTE_NBUCKETS], sum;
	uint64_t count;
	pthread_mutex_lock(&q->mu);
	memcpy(buckets, q->bucket_counts, sizeof buckets);
	count = q->dur_count;
	sum = q->dur_sum;
	pthread_mutex_unlock(&q->mu);
	for (size_t i = 0; i < REMOTE_NBUCKETS; i++)
		counts[i] = (double)buckets[i];

	const char *n = q->remote_name, *u = q->o.url;
#define RQ_L "remote_name", n, "url", u, NULL
	mset_counter(ms, "prometheus_remote_storage_samples_total",
		     "Samples sent to remote storage, counted at every attempt.",
		     (double)st.samples_total, RQ_L);
	mset_counter(ms, "prometheus_remote_storage_samples_failed_total",
		     "Samples that failed to be sent and will not be retried.", (double)st.failed,
		     RQ_L);
	mset_counter(ms, "prometheus_remote_storage_samples_retried_total",
		     "Samples whose send failed with a recoverable error and was tried again.",
		     (double)st.retried, RQ_L);
	mset_counter(ms, "prometheus_remote_storage_samples_dropped_total",
		     "Samples dropped before sending: by write_relabel_configs, a full queue or shutdown.",
		     (double)st.dropped, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_samples_pending",
		   "Samples queued or in flight, not yet sent.", (double)st.pending, RQ_L);
	mset_counter(ms, "prometheus_remote_storage_bytes_total",
		     "Compressed request bytes sent to remote storage (every attempt).",
		     (double)st.bytes, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
		   "Newest sample timestamp this queue has sent successfully, in seconds.",
		   (double)st.highest_sent_ms / 1000.0, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_shards", "Shards sending in parallel.",
		   (double)st.shards, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_shards_min", "Fewest shards (min_shards).",
		   (double)q->min_shards, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_shards_max",
		   "Most shards (max_shards, at most 64 here).", (double)q->max_shards, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_shard_capacity",
		   "Samples each shard can hold before the oldest give way.",
		   (double)st.shard_capacity, RQ_L);
	mset_gauge(ms, "prometheus_remote_storage_max_samples_per_send",
		   "Most samples in one request.", (double)q->batch_max, RQ_L);
	struct mfamily *f = mset_family(ms, "prometheus_remote_storage_sent_batch_duration_seconds",
					"Time taken by each attempt to send a batch.",
					METRIC_HISTOGRAM);
	const char *ln[2] = { "remote_name", "url" }, *lv[2] = { n, u };
	if (f)
		mset_add_dist(ms, f, 2, ln, lv, (double)count, sum, REMOTE_NBUCKETS,
			      remote_batch_buckets, counts);
#undef RQ_L
}
