/* scrape.c - the scrape manager: scrape pools (one per job) built from the
 * config, their targets from static_configs and file_sd_configs, one loop
 * per target, reloads that keep what did not change, and the views the
 * HTTP API shows (targets, metadata, metrics).
 *
 * Locking: m->mu guards the pools and their loop lists (apply, the file_sd
 * thread, the API's views); each loop's own mutex guards what its thread
 * and the views share. Lock order: m->mu, then a loop's mu.
 */
#include "scrape_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/metricset.h"
#include "sd_file.h"
#include "store/store.h"
#include "target.h"

/* ---- the store behind struct scrape_storage ---- */

static void *tsdb_begin(void *ctx)
{
	return tsdb_appender_begin(ctx);
}

static int tsdb_app(void *app, uint64_t *ref, const struct labels *ls, int64_t t, double v)
{
	return tsdb_append(app, ref, ls, t, v);
}

static int tsdb_commit(void *app)
{
	return tsdb_appender_commit(app);
}

static void tsdb_rollback(void *app)
{
	tsdb_appender_rollback(app);
}

struct scrape_storage scrape_storage_tsdb(struct tsdb_store *s)
{
	return (struct scrape_storage){ tsdb_begin, tsdb_app, tsdb_commit, tsdb_rollback, s };
}

/* ---- the manager ---- */

struct scrape_pool {
	char *job;
	const struct prom_scrape_config *sc; /* in m->cfg */
	struct scrape_loop **loops;          /* sorted by info->key */
	size_t nloops;
	struct arena dropped_arena;          /* dropped targets' labels */
	struct labels *dropped;
	size_t ndropped;
	/* file_sd: one watcher per file_sd_config, with its last good groups */
	struct sd_file *sds;
	struct arena *sd_arenas;
	struct prom_target_group **sd_groups;
	size_t *sd_ngroups;
	int64_t *sd_read_ms;
	size_t nsds;
};

struct scrape_manager {
	struct scrape_storage stg;
	struct scrape_sink sink;
	bool has_sink;
	pthread_mutex_t mu;
	const struct prom_config *cfg;
	struct scrape_pool **pools;
	size_t npools;
	size_t nloops; /* over all pools */
	uint64_t jitter_seed;
	bool want_labels; /* a sink and remote_write configured */
	char hostname[256];
	pthread_t sd_thread;
	bool sd_started;
	int sd_pipe[2];
	/* counters (prometheus_target_* and prometheus_sd_file_*) */
	uint64_t c_out_of_order, c_duplicate, c_out_of_bounds, c_sample_limit, c_body_limit,
		c_label_limits, c_cache_flush, c_sd_errors, c_syncs;
	double sync_seconds, sd_scan_seconds;
	uint64_t sd_scans;
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t mono_ms(void)
{
	return (int64_t)(mono_s() * 1000);
}

const struct scrape_storage *scrape_manager_storage(struct scrape_manager *m)
{
	return &m->stg;
}

const struct scrape_sink *scrape_manager_sink(struct scrape_manager *m)
{
	return m->has_sink ? &m->sink : NULL;
}

void scrape_manager_count(struct scrape_manager *m, const struct scrape_result *res, bool body_limit)
{
	__atomic_add_fetch(&m->c_out_of_order, res->out_of_order, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->c_duplicate, res->duplicate, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->c_out_of_bounds, res->out_of_bounds, __ATOMIC_RELAXED);
	if (res->sample_limit_hit)
		__atomic_add_fetch(&m->c_sample_limit, 1, __ATOMIC_RELAXED);
	if (res->label_limit_hit)
		__atomic_add_fetch(&m->c_label_limits, 1, __ATOMIC_RELAXED);
	if (res->cache_flushed)
		__atomic_add_fetch(&m->c_cache_flush, 1, __ATOMIC_RELAXED);
	if (body_limit)
		__atomic_add_fetch(&m->c_body_limit, 1, __ATOMIC_RELAXED);
}

const char *scrape_health_name(enum scrape_health h)
{
	switch (h) {
	case SCRAPE_HEALTH_UP: return "up";
	case SCRAPE_HEALTH_DOWN: return "down";
	default: return "unknown";
	}
}

static void *sd_main(void *arg);

int scrape_manager_new(struct scrape_manager **out, struct tsdb_store *store,
		       const struct scrape_sink *sink)
{
	struct scrape_manager *m = xcalloc(1, sizeof *m);
	m->stg = scrape_storage_tsdb(store);
	if (sink && sink->fn) {
		m->sink = *sink;
		m->has_sink = true;
	}
	pthread_mutex_init(&m->mu, NULL);
	if (gethostname(m->hostname, sizeof m->hostname - 1) < 0)
		snprintf(m->hostname, sizeof m->hostname, "localhost");
	m->sd_pipe[0] = m->sd_pipe[1] = -1;
	*out = m;
	return 0;
}

/* For tests: a manager over any storage (scrape_internal.h users only). */
int scrape_manager_new_storage(struct scrape_manager **out, const struct scrape_storage *stg,
			       const struct scrape_sink *sink);
int scrape_manager_new_storage(struct scrape_manager **out, const struct scrape_storage *stg,
			       const struct scrape_sink *sink)
{
	int rc = scrape_manager_new(out, NULL, sink);
	if (rc == 0)
		(*out)->stg = *stg;
	return rc;
}

/* ---- building a target's info ---- */

static void fp_str(struct buf *b, const char *s)
{
	buf_printf(b, "%zu:%s|", s ? strlen(s) : (size_t)-1, s ? s : "");
}

static void fp_labels(struct buf *b, const struct labels *l)
{
	labels_format(l, b);
	buf_putc(b, '|');
}

static void timeout_header(int64_t ms, char *out, size_t n)
{
	/* Go's strconv.FormatFloat(seconds, 'f', -1, 64) */
	if (ms % 1000 == 0) {
		snprintf(out, n, "%lld", (long long)(ms / 1000));
		return;
	}
	snprintf(out, n, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
	char *e = out + strlen(out);
	while (e[-1] == '0')
		*--e = 0;
}

static struct scrape_tinfo *tinfo_make(struct scrape_manager *m, const struct prom_scrape_config *sc,
				       const struct target_result *tr)
{
	struct arena a = ARENA_INIT;
	struct scrape_tinfo *ti = arena_alloc(&a, sizeof *ti);
	memset(ti, 0, sizeof *ti);
	ti->job = arena_strdup(&a, sc->job_name);
	ti->labels = labels_copy(&a, &tr->labels);
	ti->discovered = labels_copy(&a, &tr->discovered);
	ti->url = target_url(&ti->labels, sc, &a);
	ti->keep_labels = m->want_labels;

	struct scrape_opts *o = &ti->opts;
	o->target_labels = target_public_labels(&ti->labels, &a);
	o->honor_labels = sc->honor_labels;
	o->honor_timestamps = sc->honor_timestamps;
	o->mrc = sc->metric_relabel_configs;
	o->nmrc = sc->nmetric_relabel_configs;
	o->sample_limit = sc->sample_limit;
	o->label_limit = sc->label_limit;
	o->label_name_length_limit = sc->label_name_length_limit;
	o->label_value_length_limit = sc->label_value_length_limit;
	o->parse_limits = (struct textparse_limits)TEXTPARSE_LIMITS_DEFAULT;

	struct scrape_fetch *f = &ti->fetch;
	f->url = ti->url;
	f->interval_ms = tr->interval_ms;
	f->timeout_ms = tr->timeout_ms;
	f->body_size_limit = sc->body_size_limit;
	const struct prom_http_client *h = &sc->http;
	if (h->basic_auth) {
		f->basic_user = h->basic_auth->username ? h->basic_auth->username : "";
		f->basic_pass = h->basic_auth->password;
		f->basic_pass_file = h->basic_auth->password_file;
	} else if (h->authorization) {
		f->auth_type = h->authorization->type;
		f->auth_cred = h->authorization->credentials;
		f->auth_cred_file = h->authorization->credentials_file;
		if (!f->auth_cred && !f->auth_cred_file)
			f->auth_type = NULL;
	}
	f->tls.ca_file = h->tls.ca_file;
	f->tls.server_name = h->tls.server_name;
	f->tls.insecure_skip_verify = h->tls.insecure_skip_verify != 0;
	f->follow_redirects = h->follow_redirects != 0;
	if (h->proxy_url && *h->proxy_url)
		f->unsupported = "proxy_url is not supported by pharos-tsdb";
	else if ((h->tls.cert_file && *h->tls.cert_file) || (h->tls.key_file && *h->tls.key_file))
		f->unsupported = "tls_config cert_file/key_file (client certificates) are not supported by pharos-tsdb";
	timeout_header(f->timeout_ms, f->timeout_hdr, sizeof f->timeout_hdr);

	struct buf b = BUF_INIT;
	/* identity: as Prometheus's target hash, labels and URL */
	fp_str(&b, ti->job);
	fp_labels(&b, &ti->labels);
	fp_str(&b, ti->url);
	ti->key = arena_strdup(&a, b.p);
	f->offset_ms = (scrape_hash(b.p, b.len) ^ m->jitter_seed) % (uint64_t)f->interval_ms;

	buf_reset(&b);
	buf_printf(&b, "%lld|%lld|%llu|", (long long)f->interval_ms, (long long)f->timeout_ms,
		   (unsigned long long)f->body_size_limit);
	fp_str(&b, f->url);
	fp_str(&b, f->basic_user);
	fp_str(&b, f->basic_pass);
	fp_str(&b, f->basic_pass_file);
	fp_str(&b, f->auth_type);
	fp_str(&b, f->auth_cred);
	fp_str(&b, f->auth_cred_file);
	fp_str(&b, f->tls.ca_file);
	fp_str(&b, f->tls.server_name);
	buf_printf(&b, "%d|%d|", f->tls.insecure_skip_verify, f->follow_redirects);
	fp_str(&b, f->unsupported);
	ti->fp_fetch = arena_strdup(&a, b.p);

	buf_reset(&b);
	buf_printf(&b, "%d|%d|%d|", o->honor_labels, o->honor_timestamps, ti->keep_labels);
	fp_labels(&b, &o->target_labels);
	for (size_t i = 0; i < o->nmrc; i++) {
		const struct relabel_config *r = o->mrc[i];
		buf_printf(&b, "%s|", relabel_action_name(r->action));
		for (size_t k = 0; k < r->nsource; k++)
			fp_str(&b, r->source_labels[k]);
		fp_str(&b, r->separator);
		fp_str(&b, r->regex);
		buf_printf(&b, "%llu|", (unsigned long long)r->modulus);
		fp_str(&b, r->target_label);
		fp_str(&b, r->replacement);
	}
	ti->fp_proc = arena_strdup(&a, b.p);
	buf_free(&b);

	/* copy everything the fetch settings borrow from the config */
	f->basic_user = f->basic_user ? arena_strdup(&a, f->basic_user) : NULL;
	f->basic_pass = f->basic_pass ? arena_strdup(&a, f->basic_pass) : NULL;
	f->basic_pass_file = f->basic_pass_file ? arena_strdup(&a, f->basic_pass_file) : NULL;
	f->auth_type = f->auth_type ? arena_strdup(&a, f->auth_type) : NULL;
	f->auth_cred = f->auth_cred ? arena_strdup(&a, f->auth_cred) : NULL;
	f->auth_cred_file = f->auth_cred_file ? arena_strdup(&a, f->auth_cred_file) : NULL;
	f->tls.ca_file = f->tls.ca_file ? arena_strdup(&a, f->tls.ca_file) : NULL;
	f->tls.server_name = f->tls.server_name ? arena_strdup(&a, f->tls.server_name) : NULL;
	ti->arena = a; /* the arena's head moved: keep the final state */
	return ti;
}

static int cmp_tinfo(const void *x, const void *y)
{
	const struct scrape_tinfo *a = *(const struct scrape_tinfo *const *)x;
	const struct scrape_tinfo *b = *(const struct scrape_tinfo *const *)y;
	return strcmp(a->key, b->key);
}

static int cmp_labels_p(const void *x, const void *y)
{
	return labels_cmp(x, y);
}

/* ---- syncing a pool with its target groups ---- */

struct restart {
	struct scrape_loop *old;
	struct scrape_tinfo *info;
	bool keep_state; /* fetch settings changed only */
};

static void add_groups(struct scrape_manager *m, struct scrape_pool *p,
		       const struct prom_target_group *groups, size_t ngroups, struct arena *tmp,
		       struct scrape_tinfo ***cand, size_t *ncand, size_t *capc)
{
	for (size_t g = 0; g < ngroups; g++) {
		for (size_t i = 0; i < groups[g].ntargets; i++) {
			struct target_result tr;
			target_populate(p->sc, &groups[g].labels, groups[g].targets[i], tmp, &tr);
			if (tr.error) {
				log_warn("scrape pool %s: creating target %s failed: %s", p->job,
					 groups[g].targets[i], tr.error);
				continue;
			}
			if (tr.dropped) {
				p->dropped = xrealloc(p->dropped, (p->ndropped + 1) * sizeof *p->dropped);
				p->dropped[p->ndropped++] = labels_copy(&p->dropped_arena, &tr.discovered);
				continue;
			}
			if (*ncand == *capc) {
				*capc = *capc ? *capc * 2 : 16;
				*cand = xrealloc(*cand, *capc * sizeof **cand);
			}
			(*cand)[(*ncand)++] = tinfo_make(m, p->sc, &tr);
		}
	}
}

/* Make p's loops match its current target groups. m->mu held. */
static void pool_sync(struct scrape_manager *m, struct scrape_pool *p)
{
	double t0 = mono_s();
	struct arena tmp = ARENA_INIT;
	struct scrape_tinfo **cand = NULL;
	size_t ncand = 0, capc = 0;
	arena_free(&p->dropped_arena);
	p->dropped_arena = (struct arena)ARENA_INIT;
	p->ndropped = 0;
	add_groups(m, p, p->sc->static_configs, p->sc->nstatic_configs, &tmp, &cand, &ncand, &capc);
	for (size_t i = 0; i < p->nsds; i++)
		add_groups(m, p, p->sd_groups[i], p->sd_ngroups[i], &tmp, &cand, &ncand, &capc);
	arena_free(&tmp);
	if (ncand)
		qsort(cand, ncand, sizeof *cand, cmp_tinfo);
	/* the same target from two groups is one target */
	size_t w = 0;
	for (size_t i = 0; i < ncand; i++) {
		if (w && strcmp(cand[w - 1]->key, cand[i]->key) == 0) {
			scrape_tinfo_free(cand[i]);
			continue;
		}
		cand[w++] = cand[i];
	}
	ncand = w;
	if (p->sc->target_limit && ncand > p->sc->target_limit)
		log_warn("scrape pool %s: target_limit exceeded (number of targets: %zu, limit: %llu)",
			 p->job, ncand, (unsigned long long)p->sc->target_limit);

	/* merge the sorted old loops with the sorted candidates */
	struct scrape_loop **keep = xcalloc(ncand + 1, sizeof *keep);
	struct scrape_loop **gone = xcalloc(p->nloops + 1, sizeof *gone);
	struct restart *rs = xcalloc(ncand + 1, sizeof *rs);
	struct scrape_tinfo **fresh = xcalloc(ncand + 1, sizeof *fresh);
	size_t nkeep = 0, ngone = 0, nrs = 0, nfresh = 0;
	size_t i = 0, j = 0;
	while (i < p->nloops || j < ncand) {
		int c = i == p->nloops ? 1 : j == ncand ? -1 : strcmp(p->loops[i]->info->key, cand[j]->key);
		if (c < 0) {
			gone[ngone++] = p->loops[i++];
		} else if (c > 0) {
			fresh[nfresh++] = cand[j++];
		} else {
			struct scrape_loop *l = p->loops[i++];
			struct scrape_tinfo *ti = cand[j++];
			bool same_fetch = strcmp(l->info->fp_fetch, ti->fp_fetch) == 0;
			bool same_proc = strcmp(l->info->fp_proc, ti->fp_proc) == 0;
			if (same_fetch && same_proc) {
				/* unchanged: runs on, with pointers into the new config */
				scrape_loop_swap_info(l, ti);
				keep[nkeep++] = l;
			} else {
				rs[nrs++] = (struct restart){ l, ti, same_proc };
			}
		}
	}
	for (size_t k = 0; k < ngone; k++)
		scrape_loop_signal_stop(gone[k], true);
	for (size_t k = 0; k < nrs; k++)
		scrape_loop_signal_stop(rs[k].old, false);
	for (size_t k = 0; k < ngone; k++)
		scrape_loop_join_free(gone[k], false);
	m->nloops -= ngone;
	struct scrape_loop **nl = xcalloc(ncand + 1, sizeof *nl);
	size_t nn = 0;
	for (size_t k = 0; k < nkeep; k++)
		nl[nn++] = keep[k];
	for (size_t k = 0; k < nrs; k++) {
		struct scrape_state *st = scrape_loop_join_free(rs[k].old, true);
		m->nloops--;
		struct scrape_loop *l = rs[k].keep_state ? scrape_loop_new(m, rs[k].info, st, NULL)
							 : scrape_loop_new(m, rs[k].info, NULL, st);
		if (scrape_loop_start(l) < 0) {
			log_error("scrape pool %s: cannot start a scrape loop for %s", p->job, rs[k].info->url);
			scrape_loop_join_free(l, false);
			continue;
		}
		m->nloops++;
		nl[nn++] = l;
	}
	for (size_t k = 0; k < nfresh; k++) {
		if (m->nloops >= SCRAPE_MAX_TARGETS) {
			log_warn("scrape pool %s: target %s not scraped: more than %d targets in all",
				 p->job, fresh[k]->url, SCRAPE_MAX_TARGETS);
			p->dropped = xrealloc(p->dropped, (p->ndropped + 1) * sizeof *p->dropped);
			p->dropped[p->ndropped++] = labels_copy(&p->dropped_arena, &fresh[k]->discovered);
			scrape_tinfo_free(fresh[k]);
			continue;
		}
		struct scrape_loop *l = scrape_loop_new(m, fresh[k], NULL, NULL);
		if (scrape_loop_start(l) < 0) {
			log_error("scrape pool %s: cannot start a scrape loop for %s", p->job, fresh[k]->url);
			scrape_loop_join_free(l, false);
			continue;
		}
		m->nloops++;
		nl[nn++] = l;
	}
	/* keep the list sorted by key */
	for (size_t a = 1; a < nn; a++) {
		struct scrape_loop *x = nl[a];
		size_t b = a;
		while (b > 0 && strcmp(nl[b - 1]->info->key, x->info->key) > 0) {
			nl[b] = nl[b - 1];
			b--;
		}
		nl[b] = x;
	}
	free(p->loops);
	p->loops = nl;
	p->nloops = nn;
	if (p->ndropped)
		qsort(p->dropped, p->ndropped, sizeof *p->dropped, cmp_labels_p);
	free(keep);
	free(gone);
	free(rs);
	free(fresh);
	free(cand);
	m->c_syncs++;
	m->sync_seconds += mono_s() - t0;
}

/* Read file_sd config k of p. On errors the previous groups stay. */
static void pool_read_sd(struct scrape_manager *m, struct scrape_pool *p, size_t k)
{
	double t0 = mono_s();
	struct arena a = ARENA_INIT;
	struct prom_target_group *groups = NULL;
	size_t n = 0;
	struct buf errs = BUF_INIT;
	int rc = sd_file_read(&p->sds[k], &a, &groups, &n, &errs);
	p->sd_read_ms[k] = mono_ms();
	m->sd_scans++;
	m->sd_scan_seconds += mono_s() - t0;
	if (rc < 0) {
		m->c_sd_errors++;
		log_error("file_sd (job %s): %s", p->job, errs.p ? errs.p : "read failed");
		buf_free(&errs);
		if (p->sd_groups[k]) {
			arena_free(&a);
			return;
		}
	}
	buf_free(&errs);
	arena_free(&p->sd_arenas[k]);
	p->sd_arenas[k] = a;
	p->sd_groups[k] = groups;
	p->sd_ngroups[k] = n;
}

static void pool_free_sd(struct scrape_pool *p)
{
	for (size_t k = 0; k < p->nsds; k++) {
		sd_file_free(&p->sds[k]);
		arena_free(&p->sd_arenas[k]);
	}
	free(p->sds);
	free(p->sd_arenas);
	free(p->sd_groups);
	free(p->sd_ngroups);
	free(p->sd_read_ms);
	p->sds = NULL;
	p->nsds = 0;
}

/* Point p at scrape config sc (of the new config) and re-read its files. */
static void pool_set_config(struct scrape_manager *m, struct scrape_pool *p,
			    const struct prom_scrape_config *sc)
{
	pool_free_sd(p);
	p->sc = sc;
	p->nsds = sc->nfile_sd_configs;
	p->sds = xcalloc(p->nsds + 1, sizeof *p->sds);
	p->sd_arenas = xcalloc(p->nsds + 1, sizeof *p->sd_arenas);
	p->sd_groups = xcalloc(p->nsds + 1, sizeof *p->sd_groups);
	p->sd_ngroups = xcalloc(p->nsds + 1, sizeof *p->sd_ngroups);
	p->sd_read_ms = xcalloc(p->nsds + 1, sizeof *p->sd_read_ms);
	for (size_t k = 0; k < p->nsds; k++) {
		sd_file_init(&p->sds[k], &sc->file_sd_configs[k]);
		p->sd_arenas[k] = (struct arena)ARENA_INIT;
		pool_read_sd(m, p, k);
	}
}

/* Stop every loop of p; stale: end their series with staleness markers
 * (a pool that goes away), or not (shutdown). */
static void pool_stop_all(struct scrape_manager *m, struct scrape_pool *p, bool stale)
{
	for (size_t k = 0; k < p->nloops; k++)
		scrape_loop_signal_stop(p->loops[k], stale);
	for (size_t k = 0; k < p->nloops; k++)
		scrape_loop_join_free(p->loops[k], false);
	m->nloops -= p->nloops;
	p->nloops = 0;
}

static void pool_free(struct scrape_pool *p)
{
	pool_free_sd(p);
	free(p->loops);
	free(p->dropped);
	arena_free(&p->dropped_arena);
	free(p->job);
	free(p);
}

/* The file_sd thread: re-reads files that changed, and every file at its
 * refresh_interval. */
static void *sd_main(void *arg)
{
	struct scrape_manager *m = arg;
	for (;;) {
		struct pollfd pf = { m->sd_pipe[0], POLLIN, 0 };
		if (poll(&pf, 1, 1000) > 0)
			break;
		pthread_mutex_lock(&m->mu);
		int64_t now = mono_ms();
		for (size_t i = 0; i < m->npools; i++) {
			struct scrape_pool *p = m->pools[i];
			bool changed = false;
			for (size_t k = 0; k < p->nsds; k++) {
				int64_t refresh = p->sc->file_sd_configs[k].refresh_interval_ms;
				if (sd_file_changed(&p->sds[k]) ||
				    (refresh > 0 && now - p->sd_read_ms[k] >= refresh)) {
					pool_read_sd(m, p, k);
					changed = true;
				}
			}
			if (changed)
				pool_sync(m, p);
		}
		pthread_mutex_unlock(&m->mu);
	}
	return NULL;
}

static uint64_t jitter_seed(const struct scrape_manager *m, const struct prom_config *cfg)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, m->hostname);
	labels_format(&cfg->global.external_labels, &b);
	uint64_t h = scrape_hash(b.p, b.len);
	buf_free(&b);
	return h;
}

int scrape_manager_apply(struct scrape_manager *m, const struct prom_config *cfg)
{
	pthread_mutex_lock(&m->mu);
	uint64_t seed = jitter_seed(m, cfg);
	if (m->cfg && seed != m->jitter_seed) {
		/* new external labels move every target's phase: restart all */
		for (size_t i = 0; i < m->npools; i++)
			pool_stop_all(m, m->pools[i], true);
	}
	m->jitter_seed = seed;
	/* Series caches keep every series' labels only when someone needs
	 * them per sample: the sink, when remote_write is configured. A
	 * change restarts the loops (their caches are rebuilt; series carry
	 * on without staleness markers). */
	m->want_labels = m->has_sink && cfg->nremote_write > 0;
	struct scrape_pool **np = xcalloc(cfg->nscrape_configs + 1, sizeof *np);
	size_t nnp = 0;
	for (size_t i = 0; i < cfg->nscrape_configs; i++) {
		const struct prom_scrape_config *sc = &cfg->scrape_configs[i];
		struct scrape_pool *p = NULL;
		for (size_t k = 0; k < m->npools; k++) {
			if (m->pools[k] && strcmp(m->pools[k]->job, sc->job_name) == 0) {
				p = m->pools[k];
				m->pools[k] = NULL;
				break;
			}
		}
		if (!p) {
			p = xcalloc(1, sizeof *p);
			p->job = xstrdup(sc->job_name);
			p->dropped_arena = (struct arena)ARENA_INIT;
		}
		pool_set_config(m, p, sc);
		np[nnp++] = p;
	}
	/* pools whose job is gone */
	for (size_t k = 0; k < m->npools; k++) {
		if (!m->pools[k])
			continue;
		pool_stop_all(m, m->pools[k], true);
		pool_free(m->pools[k]);
	}
	free(m->pools);
	m->pools = np;
	m->npools = nnp;
	m->cfg = cfg;
	for (size_t i = 0; i < m->npools; i++)
		pool_sync(m, m->pools[i]);
	if (!m->sd_started && pipe2(m->sd_pipe, O_CLOEXEC) == 0) {
		if (pthread_create(&m->sd_thread, NULL, sd_main, m) == 0)
			m->sd_started = true;
	}
	pthread_mutex_unlock(&m->mu);
	return 0;
}

void scrape_manager_free(struct scrape_manager *m)
{
	if (!m)
		return;
	if (m->sd_started) {
		ssize_t w = write(m->sd_pipe[1], "x", 1);
		(void)w;
		pthread_join(m->sd_thread, NULL);
	}
	if (m->sd_pipe[0] >= 0) {
		close(m->sd_pipe[0]);
		close(m->sd_pipe[1]);
	}
	pthread_mutex_lock(&m->mu);
	/* Signal every loop first so they all stop at once. No staleness
	 * markers at shutdown, as Prometheus: after a restart within the
	 * lookback delta the series simply go on. */
	for (size_t i = 0; i < m->npools; i++)
		for (size_t k = 0; k < m->pools[i]->nloops; k++)
			scrape_loop_signal_stop(m->pools[i]->loops[k], false);
	for (size_t i = 0; i < m->npools; i++) {
		pool_stop_all(m, m->pools[i], false);
		pool_free(m->pools[i]);
	}
	free(m->pools);
	pthread_mutex_unlock(&m->mu);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* ---- views ---- */

static int cmp_pool_p(const void *x, const void *y)
{
	const struct scrape_pool *a = *(const struct scrape_pool *const *)x;
	const struct scrape_pool *b = *(const struct scrape_pool *const *)y;
	return strcmp(a->job, b->job);
}

/* Pools sorted by job name (array from a). m->mu held. */
static struct scrape_pool **sorted_pools(struct scrape_manager *m, struct arena *a)
{
	struct scrape_pool **v = arena_alloc(a, (m->npools + 1) * sizeof *v);
	if (m->npools)
		memcpy(v, m->pools, m->npools * sizeof *v);
	qsort(v, m->npools, sizeof *v, cmp_pool_p);
	return v;
}

static const char *global_url(struct scrape_manager *m, struct arena *a, const char *url)
{
	struct http_url u;
	char err[64];
	struct arena tmp = ARENA_INIT;
	const char *out = url;
	if (http_url_parse(url, &tmp, &u, err, sizeof err) == 0 &&
	    (strcmp(u.host, "localhost") == 0 || strcmp(u.host, "127.0.0.1") == 0 ||
	     strcmp(u.host, "::1") == 0))
		out = arena_printf(a, "%s://%s:%u%s", u.https ? "https" : "http", m->hostname, u.port, u.path);
	arena_free(&tmp);
	return out;
}

static int cmp_target_labels(const void *x, const void *y)
{
	const struct scrape_target_info *a = x, *b = y;
	return labels_cmp(&a->labels, &b->labels);
}

int scrape_manager_targets(struct scrape_manager *m, struct arena *a,
			   struct scrape_target_info **active, size_t *nactive,
			   struct scrape_target_info **dropped, size_t *ndropped)
{
	pthread_mutex_lock(&m->mu);
	size_t na = 0, nd = 0;
	for (size_t i = 0; i < m->npools; i++) {
		na += m->pools[i]->nloops;
		nd += m->pools[i]->ndropped;
	}
	struct scrape_target_info *av = arena_alloc(a, (na + 1) * sizeof *av);
	struct scrape_target_info *dv = arena_alloc(a, (nd + 1) * sizeof *dv);
	struct scrape_pool **ps = sorted_pools(m, a);
	size_t ia = 0, id = 0;
	for (size_t i = 0; i < m->npools; i++) {
		struct scrape_pool *p = ps[i];
		size_t start = ia;
		for (size_t k = 0; k < p->nloops; k++) {
			struct scrape_loop *l = p->loops[k];
			struct scrape_target_info *t = &av[ia++];
			memset(t, 0, sizeof *t);
			pthread_mutex_lock(&l->mu);
			t->discovered_labels = labels_copy(a, &l->info->discovered);
			t->labels = labels_copy(a, &l->info->opts.target_labels);
			t->scrape_pool = arena_strdup(a, p->job);
			t->scrape_url = arena_strdup(a, l->info->url);
			t->global_url = global_url(m, a, l->info->url);
			t->health = l->health;
			t->last_error = arena_strdup(a, l->last_error);
			t->last_scrape_ms = l->last_scrape_ms;
			t->last_scrape_duration_s = l->last_duration_s;
			t->interval_ms = l->fetch.interval_ms;
			t->timeout_ms = l->fetch.timeout_ms;
			pthread_mutex_unlock(&l->mu);
		}
		qsort(av + start, ia - start, sizeof *av, cmp_target_labels);
		for (size_t k = 0; k < p->ndropped; k++) {
			struct scrape_target_info *t = &dv[id++];
			memset(t, 0, sizeof *t);
			t->discovered_labels = labels_copy(a, &p->dropped[k]);
			t->scrape_pool = arena_strdup(a, p->job);
			t->scrape_url = "";
			t->global_url = "";
			t->last_error = "";
			t->health = SCRAPE_HEALTH_UNKNOWN;
		}
	}
	pthread_mutex_unlock(&m->mu);
	*active = av;
	*nactive = ia;
	*dropped = dv;
	*ndropped = id;
	return 0;
}

static int cmp_md(const void *x, const void *y)
{
	const struct scrape_metadata *a = x, *b = y;
	int c = strcmp(a->metric, b->metric);
	if (!c)
		c = strcmp(a->type, b->type);
	if (!c)
		c = strcmp(a->help, b->help);
	if (!c)
		c = strcmp(a->unit, b->unit);
	return c;
}

int scrape_manager_metadata(struct scrape_manager *m, struct arena *a, const char *metric,
			    long limit, struct scrape_metadata **out, size_t *n)
{
	struct scrape_metadata *v = NULL;
	size_t nv = 0, cap = 0;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->npools; i++)
		for (size_t k = 0; k < m->pools[i]->nloops; k++) {
			struct scrape_loop *l = m->pools[i]->loops[k];
			pthread_mutex_lock(&l->mu);
			if (l->st)
				scrape_state_metadata(l->st, a, metric, &v, &nv, &cap);
			pthread_mutex_unlock(&l->mu);
		}
	pthread_mutex_unlock(&m->mu);
	if (nv)
		qsort(v, nv, sizeof *v, cmp_md);
	size_t w = 0, metrics = 0;
	for (size_t i = 0; i < nv; i++) {
		if (w && cmp_md(&v[w - 1], &v[i]) == 0)
			continue;
		bool new_metric = !w || strcmp(v[w - 1].metric, v[i].metric) != 0;
		if (new_metric) {
			if (limit >= 0 && (long)metrics >= limit)
				break;
			metrics++;
		}
		v[w++] = v[i];
	}
	*out = v ? v : arena_alloc(a, sizeof *v);
	*n = w;
	return 0;
}

int scrape_manager_target_metadata(struct scrape_manager *m, struct arena *a,
				   bool (*match)(void *ctx, const struct labels *target),
				   void *ctx, const char *metric, long limit,
				   struct scrape_target_metadata **out, size_t *n)
{
	struct scrape_target_metadata *v = NULL;
	size_t nv = 0, cap = 0;
	pthread_mutex_lock(&m->mu);
	struct scrape_pool **ps = sorted_pools(m, a);
	for (size_t i = 0; i < m->npools; i++) {
		for (size_t k = 0; k < ps[i]->nloops; k++) {
			struct scrape_loop *l = ps[i]->loops[k];
			pthread_mutex_lock(&l->mu);
			struct labels tl = l->info->opts.target_labels;
			if (l->st && (!match || match(ctx, &tl))) {
				struct scrape_metadata *md = NULL;
				size_t nmd = 0, mcap = 0;
				scrape_state_metadata(l->st, a, metric, &md, &nmd, &mcap);
				struct labels tcopy = labels_copy(a, &tl);
				for (size_t j = 0; j < nmd; j++) {
					if (limit >= 0 && (long)nv >= limit)
						break;
					if (nv == cap) {
						size_t ncap = cap ? cap * 2 : 64;
						struct scrape_target_metadata *nvv = arena_alloc(a, ncap * sizeof *nvv);
						if (nv)
							memcpy(nvv, v, nv * sizeof *nvv);
						v = nvv;
						cap = ncap;
					}
					v[nv++] = (struct scrape_target_metadata){ tcopy, md[j] };
				}
			}
			pthread_mutex_unlock(&l->mu);
		}
	}
	pthread_mutex_unlock(&m->mu);
	*out = v ? v : arena_alloc(a, sizeof *v);
	*n = nv;
	return 0;
}

void scrape_manager_metrics(struct scrape_manager *m, struct mset *ms)
{
	pthread_mutex_lock(&m->mu);
	mset_gauge(ms, "prometheus_target_scrape_pools_total", "Scrape pools configured.",
		   (double)m->npools, NULL);
	for (size_t i = 0; i < m->npools; i++)
		mset_gauge(ms, "prometheus_target_scrape_pool_targets",
			   "Current number of targets in this scrape pool.",
			   (double)m->pools[i]->nloops, "scrape_job", m->pools[i]->job, NULL);
	mset_counter(ms, "prometheus_target_sync_length_seconds_sum",
		     "Seconds spent syncing scrape pools with their targets.", m->sync_seconds, NULL);
	mset_counter(ms, "prometheus_target_sync_length_seconds_count",
		     "Scrape pool target syncs.", (double)m->c_syncs, NULL);
	mset_counter(ms, "prometheus_sd_file_read_errors_total",
		     "file_sd reads that failed.", (double)m->c_sd_errors, NULL);
	mset_counter(ms, "prometheus_sd_file_scan_duration_seconds_sum",
		     "Seconds spent reading file_sd files.", m->sd_scan_seconds, NULL);
	mset_counter(ms, "prometheus_sd_file_scan_duration_seconds_count",
		     "file_sd file reads.", (double)m->sd_scans, NULL);
	pthread_mutex_unlock(&m->mu);
#define LOAD(x) ((double)__atomic_load_n(&m->x, __ATOMIC_RELAXED))
	mset_counter(ms, "prometheus_target_scrapes_sample_duplicate_timestamp_total",
		     "Samples refused for having the timestamp of the series' newest sample with another value.",
		     LOAD(c_duplicate), NULL);
	mset_counter(ms, "prometheus_target_scrapes_sample_out_of_order_total",
		     "Samples refused for being older than the series' newest sample.",
		     LOAD(c_out_of_order), NULL);
	mset_counter(ms, "prometheus_target_scrapes_sample_out_of_bounds_total",
		     "Samples refused for a timestamp too old or too far in the future.",
		     LOAD(c_out_of_bounds), NULL);
	mset_counter(ms, "prometheus_target_scrapes_exceeded_sample_limit_total",
		     "Scrapes that failed because of sample_limit.", LOAD(c_sample_limit), NULL);
	mset_counter(ms, "prometheus_target_scrapes_exceeded_body_size_limit_total",
		     "Scrapes that failed because of body_size_limit.", LOAD(c_body_limit), NULL);
	mset_counter(ms, "prometheus_target_scrape_pool_exceeded_label_limits_total",
		     "Scrapes that failed because of a label limit.", LOAD(c_label_limits), NULL);
	mset_counter(ms, "prometheus_target_scrapes_cache_flush_forced_total",
		     "Series caches flushed because they grew during failing scrapes.",
		     LOAD(c_cache_flush), NULL);
#undef LOAD
}
