/* remote_writer.c - the remote-write sender: one queue per remote_write
 * entry of prometheus.yml, kept across reloads when the entry (and the
 * external labels) did not change, as Prometheus keeps a queue whose
 * config hash is unchanged. */
#include "remote.h"
#include "remote_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../lib/log.h"
#include "../../../lib/metricset.h"
#include "../config.h"
#include "../relabel.h"

struct rw_queue {
	struct remote_queue *q;
	char *sig; /* the settings that make a queue the same queue */
};

struct remote_writer {
	pthread_mutex_t apply_mu; /* one apply at a time */
	pthread_rwlock_t lock;    /* push: read; the swap in apply: write */
	struct rw_queue *qs;
	size_t nq;
	_Atomic int64_t highest_ms;
	atomic_ullong samples_in;
};

int remote_writer_new(struct remote_writer **out)
{
	struct remote_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->apply_mu, NULL);
	pthread_rwlock_init(&w->lock, NULL);
	atomic_init(&w->highest_ms, INT64_MIN);
	*out = w;
	return 0;
}

static void rw_sig_str(struct buf *b, const char *k, const char *v)
{
	buf_printf(b, "%s=%zu:%s\n", k, v ? strlen(v) : (size_t)-1, v ? v : "");
}

/* Everything of an entry that changes what or how a queue sends. */
static char *rw_signature(const struct prom_remote_write *rw, const struct labels *ext)
{
	struct buf b = BUF_INIT;
	rw_sig_str(&b, "url", rw->url);
	rw_sig_str(&b, "name", rw->name);
	buf_printf(&b, "timeout=%lld\n", (long long)rw->remote_timeout_ms);
	for (size_t i = 0; i < rw->nheaders; i++) {
		rw_sig_str(&b, "hn", rw->headers[i].name);
		rw_sig_str(&b, "hv", rw->headers[i].value);
	}
	const struct prom_http_client *h = &rw->http;
	if (h->basic_auth) {
		rw_sig_str(&b, "bu", h->basic_auth->username);
		rw_sig_str(&b, "bp", h->basic_auth->password);
		rw_sig_str(&b, "bf", h->basic_auth->password_file);
	}
	if (h->authorization) {
		rw_sig_str(&b, "at", h->authorization->type);
		rw_sig_str(&b, "ac", h->authorization->credentials);
		rw_sig_str(&b, "af", h->authorization->credentials_file);
	}
	rw_sig_str(&b, "ca", h->tls.ca_file);
	rw_sig_str(&b, "sn", h->tls.server_name);
	buf_printf(&b, "insecure=%d\n", h->tls.insecure_skip_verify);
	const struct prom_queue_config *qc = &rw->queue;
	buf_printf(&b, "queue=%lld,%lld,%lld,%lld,%lld,%lld,%lld,%d\n", (long long)qc->capacity,
		   (long long)qc->max_shards, (long long)qc->min_shards,
		   (long long)qc->max_samples_per_send, (long long)qc->batch_send_deadline_ms,
		   (long long)qc->min_backoff_ms, (long long)qc->max_backoff_ms, qc->retry_on_http_429);
	for (size_t i = 0; i < rw->nwrite_relabel_configs; i++) {
		const struct relabel_config *rc = rw->write_relabel_configs[i];
		buf_printf(&b, "rule=%s,%llu\n", relabel_action_name(rc->action),
			   (unsigned long long)rc->modulus);
		for (size_t k = 0; k < rc->nsource; k++)
			rw_sig_str(&b, "src", rc->source_labels[k]);
		rw_sig_str(&b, "sep", rc->separator);
		rw_sig_str(&b, "re", rc->regex);
		rw_sig_str(&b, "tl", rc->target_label);
		rw_sig_str(&b, "rp", rc->replacement);
	}
	for (size_t i = 0; i < ext->n; i++) {
		rw_sig_str(&b, "en", ext->v[i].name);
		rw_sig_str(&b, "ev", ext->v[i].value);
	}
	return buf_steal(&b);
}

static int rw_queue_start(const struct prom_remote_write *rw, const struct labels *ext,
			  struct remote_queue **out)
{
	struct remote_queue_opts o = { 0 };
	struct http_header_pair *hp = calloc(rw->nheaders + 1, sizeof *hp);
	if (!hp)
		return -ENOMEM;
	for (size_t i = 0; i < rw->nheaders; i++) {
		hp[i].name = rw->headers[i].name;
		hp[i].value = rw->headers[i].value;
	}
	o.url = rw->url;
	o.name = rw->name;
	o.timeout_ms = rw->remote_timeout_ms;
	o.headers = hp;
	o.nheaders = rw->nheaders;
	const struct prom_http_client *h = &rw->http;
	if (h->basic_auth) {
		o.basic_user = h->basic_auth->username;
		o.basic_pass = h->basic_auth->password;
		o.basic_pass_file = h->basic_auth->password_file;
	}
	if (h->authorization && (h->authorization->credentials ||
				 h->authorization->credentials_file)) {
		o.auth_type = h->authorization->type ? h->authorization->type : "Bearer";
		o.auth_credentials = h->authorization->credentials;
		o.auth_credentials_file = h->authorization->credentials_file;
	}
	o.tls_ca_file = h->tls.ca_file;
	o.tls_server_name = h->tls.server_name;
	o.tls_insecure = h->tls.insecure_skip_verify != 0;
	o.external_labels = *ext;
	o.relabel = rw->write_relabel_configs;
	o.nrelabel = rw->nwrite_relabel_configs;
	o.capacity = rw->queue.capacity;
	o.max_shards = rw->queue.max_shards;
	o.min_shards = rw->queue.min_shards;
	o.max_samples_per_send = rw->queue.max_samples_per_send;
	o.batch_send_deadline_ms = rw->queue.batch_send_deadline_ms;
	o.min_backoff_ms = rw->queue.min_backoff_ms;
	o.max_backoff_ms = rw->queue.max_backoff_ms;
	o.retry_on_http_429 = rw->queue.retry_on_http_429 != 0;
	int rc = remote_queue_new(out, &o);
	free(hp);
	/* Settings pharos reads but cannot honour: said once, at start. */
	const char *who = rw->name && rw->name[0] ? rw->name : rw->url;
	if (rc == 0 && h->proxy_url)
		log_warn("remote write %s: proxy_url is not supported; connecting directly", who);
	if (rc == 0 && (h->tls.cert_file || h->tls.key_file))
		log_warn("remote write %s: tls_config cert_file/key_file (client certificates) "
			 "are not supported; connecting without one", who);
	if (rc == 0 && rw->metadata.send)
		log_debug("remote write %s: metadata is not sent (not part of remote write 1.0)",
			  who);
	return rc;
}

static int rw_apply(struct remote_writer *w, const struct prom_config *cfg);

int remote_writer_apply(struct remote_writer *w, const struct prom_config *cfg)
{
	pthread_mutex_lock(&w->apply_mu);
	int rc = rw_apply(w, cfg);
	pthread_mutex_unlock(&w->apply_mu);
	return rc;
}

static int rw_apply(struct remote_writer *w, const struct prom_config *cfg)
{
	size_t n = cfg ? cfg->nremote_write : 0;
	struct rw_queue *nq = calloc(n + 1, sizeof *nq);
	if (!nq)
		return -ENOMEM;
	const struct labels *ext = cfg ? &cfg->global.external_labels : &LABELS_EMPTY;

	/* Compute signatures; start the queues that are new. Old queues
	 * stay untouched until the swap, so a failure leaves all as it was. */
	pthread_rwlock_rdlock(&w->lock);
	bool *kept = calloc(w->nq + 1, sizeof *kept);
	int rc = kept ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct prom_remote_write *rw = &cfg->remote_write[i];
		nq[i].sig = rw_signature(rw, ext);
		for (size_t k = 0; k < w->nq; k++) {
			if (!kept[k] && strcmp(w->qs[k].sig, nq[i].sig) == 0) {
				kept[k] = true;
				nq[i].q = w->qs[k].q;
				break;
			}
		}
		if (!nq[i].q)
			rc = rw_queue_start(rw, ext, &nq[i].q);
	}
	pthread_rwlock_unlock(&w->lock);
	if (rc) {
		for (size_t i = 0; i < n; i++) {
			bool reused = false;
			for (size_t k = 0; k < w->nq; k++)
				reused |= nq[i].q && nq[i].q == w->qs[k].q;
			if (nq[i].q && !reused)
				remote_queue_free(nq[i].q, remote_now_ms());
			free(nq[i].sig);
		}
		free(nq);
		free(kept);
		return rc;
	}

	/* Swap under the write lock; kept queues move to the new config's
	 * (equal) relabel rules, since the old config may be freed after. */
	pthread_rwlock_wrlock(&w->lock);
	for (size_t i = 0; i < n; i++)
		remote_queue_set_relabel(nq[i].q, cfg->remote_write[i].write_relabel_configs,
					 cfg->remote_write[i].nwrite_relabel_configs);
	struct rw_queue *old = w->qs;
	size_t nold = w->nq;
	w->qs = nq;
	w->nq = n;
	pthread_rwlock_unlock(&w->lock);

	/* Removed queues: a short last chance to send, then stop. */
	int64_t deadline = remote_now_ms() + REMOTE_FLUSH_DEADLINE_MS;
	for (size_t k = 0; k < nold; k++) {
		if (!kept[k])
			remote_queue_free(old[k].q, deadline);
		free(old[k].sig);
	}
	free(old);
	free(kept);
	return 0;
}

void remote_writer_push(void *ctx, const struct labels *ls, int64_t t, double v)
{
	struct remote_writer *w = ctx;
	atomic_fetch_add_explicit(&w->samples_in, 1, memory_order_relaxed);
	int64_t cur = atomic_load_explicit(&w->highest_ms, memory_order_relaxed);
	while (t > cur && !atomic_compare_exchange_weak(&w->highest_ms, &cur, t))
		;
	pthread_rwlock_rdlock(&w->lock);
	if (w->nq) {
		uint64_t h = labels_hash(ls);
		for (size_t i = 0; i < w->nq; i++)
			remote_queue_push(w->qs[i].q, ls, h, t, v);
	}
	pthread_rwlock_unlock(&w->lock);
}

void remote_writer_free(struct remote_writer *w)
{
	if (!w)
		return;
	int64_t deadline = remote_now_ms() + REMOTE_FLUSH_DEADLINE_MS;
	for (size_t i = 0; i < w->nq; i++) {
		remote_queue_free(w->qs[i].q, deadline);
		free(w->qs[i].sig);
	}
	free(w->qs);
	pthread_rwlock_destroy(&w->lock);
	pthread_mutex_destroy(&w->apply_mu);
	free(w);
}

void remote_writer_metrics(struct remote_writer *w, struct mset *ms)
{
	int64_t hi = atomic_load(&w->highest_ms);
	mset_gauge(ms, "prometheus_remote_storage_highest_timestamp_in_seconds",
		   "Newest timestamp handed to remote write, in seconds.",
		   hi == INT64_MIN ? 0 : (double)hi / 1000.0, NULL);
	mset_counter(ms, "prometheus_remote_storage_samples_in_total",
		     "Samples handed to remote write (before relabeling and queueing).",
		     (double)atomic_load(&w->samples_in), NULL);
	pthread_rwlock_rdlock(&w->lock);
	for (size_t i = 0; i < w->nq; i++)
		remote_queue_metrics(w->qs[i].q, ms);
	pthread_rwlock_unlock(&w->lock);
}
