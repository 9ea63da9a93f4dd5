/* scrape_append_test.c - one scrape's processing (scrape_append.c): a body
 * and a target's settings in, the appended samples out, through a
 * recording storage that hands out refs like the real store. */
#include "../unit.h"
#include "../../../services/tsdb/scrape_internal.h"
#include "../../../services/tsdb/promql/querier.h"
#include "../../../services/tsdb/store/store.h"

#include <stdint.h>

/* ---- a recording storage ---- */

#define REC_MAX 4096

struct rec_sample {
	char labels[256]; /* labels_format() of the series */
	int64_t t;
	double v;
};

struct rec_store {
	char series[REC_MAX][256]; /* ref - 1 -> labels text */
	size_t nseries;
	struct rec_sample committed[REC_MAX];
	size_t ncommitted;
	struct rec_sample batch[REC_MAX];
	size_t nbatch;
	int64_t newest[REC_MAX]; /* per series, committed or in batch */
	int nbegin, ncommit, nrollback;
	int label_appends; /* appends that passed labels (slow path) */
	bool forget_refs;  /* answer TSDB_ERR_UNKNOWN_REF for every ref */
};

static void *rec_begin(void *ctx)
{
	struct rec_store *s = ctx;
	s->nbegin++;
	s->nbatch = 0;
	return s;
}

static int rec_append(void *app, uint64_t *ref, const struct labels *ls, int64_t t, double v)
{
	struct rec_store *s = app;
	size_t idx;
	if (*ref) {
		if (s->forget_refs || *ref > s->nseries)
			return TSDB_ERR_UNKNOWN_REF;
		idx = *ref - 1;
	} else {
		if (!ls || !ls->n)
			return TSDB_ERR_LABELS;
		s->label_appends++;
		struct buf b = BUF_INIT;
		labels_format(ls, &b);
		for (idx = 0; idx < s->nseries; idx++)
			if (strcmp(s->series[idx], b.p) == 0)
				break;
		if (idx == s->nseries) {
			memcpy(s->series[s->nseries++], b.p, b.len < 255 ? b.len + 1 : 256);
			s->newest[idx] = INT64_MIN;
		}
		buf_free(&b);
		*ref = idx + 1;
	}
	if (t < s->newest[idx])
		return TSDB_ERR_OUT_OF_ORDER;
	if (t == s->newest[idx])
		return TSDB_ERR_DUPLICATE;
	s->newest[idx] = t;
	struct rec_sample *r = &s->batch[s->nbatch++];
	memcpy(r->labels, s->series[idx], sizeof r->labels);
	r->t = t;
	r->v = v;
	return 0;
}

static int rec_commit(void *app)
{
	struct rec_store *s = app;
	s->ncommit++;
	memcpy(s->committed + s->ncommitted, s->batch, s->nbatch * sizeof *s->batch);
	s->ncommitted += s->nbatch;
	s->nbatch = 0;
	return 0;
}

static void rec_rollback(void *app)
{
	struct rec_store *s = app;
	s->nrollback++;
	/* forget the batch's newest times (good enough for the tests) */
	for (size_t i = 0; i < s->nbatch; i++)
		for (size_t k = 0; k < s->nseries; k++)
			if (strcmp(s->series[k], s->batch[i].labels) == 0)
				s->newest[k] = INT64_MIN;
	s->nbatch = 0;
}

static struct scrape_storage rec_storage(struct rec_store *s)
{
	return (struct scrape_storage){ rec_begin, rec_append, rec_commit, rec_rollback, s };
}

/* The committed sample of series `labels` at t, or NULL. */
static const struct rec_sample *rec_find(struct rec_store *s, const char *labels, int64_t t)
{
	for (size_t i = 0; i < s->ncommitted; i++)
		if (s->committed[i].t == t && strcmp(s->committed[i].labels, labels) == 0)
			return &s->committed[i];
	return NULL;
}

static size_t rec_count_at(struct rec_store *s, int64_t t)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ncommitted; i++)
		n += s->committed[i].t == t;
	return n;
}

/* ---- fixtures ---- */

static const struct label target_lv[] = { { "instance", "host:9100" }, { "job", "node" } };

static struct scrape_opts opts_default(void)
{
	struct scrape_opts o;
	memset(&o, 0, sizeof o);
	o.target_labels = (struct labels){ target_lv, 2 };
	o.honor_timestamps = true;
	o.parse_limits = (struct textparse_limits)TEXTPARSE_LIMITS_DEFAULT;
	return o;
}

static int run(struct scrape_state *st, const struct scrape_opts *o, struct rec_store *rs,
	       const char *body, int64_t t, struct scrape_result *res)
{
	struct scrape_storage stg = rec_storage(rs);
	return scrape_process(st, o, &stg, NULL, body, body ? strlen(body) : 0, "text/plain; version=0.0.4",
			      t, t, NULL, 0.25, res);
}

#define NODE_A "{__name__=\"a\", instance=\"host:9100\", job=\"node\"}"
#define NODE_B "{__name__=\"b\", instance=\"host:9100\", job=\"node\", x=\"1\"}"
#define NODE_C "{__name__=\"c\", instance=\"host:9100\", job=\"node\"}"
#define UP "{__name__=\"up\", instance=\"host:9100\", job=\"node\"}"

TEST(scrape_append_basic_and_report)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	const char *body = "# TYPE a counter\n# HELP a The a.\na 1\nb{x=\"1\"} 2.5\nc NaN\n";
	CHECK(run(&st, &o, &rs, body, 1000, &res) == 0);
	CHECK(res.up);
	CHECK_INT(res.total, 3);
	CHECK_INT(res.added, 3);
	CHECK_INT(res.series_added, 3);
	CHECK_INT(rs.ncommitted, 8); /* 3 samples + 5 report series */
	CHECK(rec_find(&rs, NODE_A, 1000) && rec_find(&rs, NODE_A, 1000)->v == 1);
	CHECK(rec_find(&rs, NODE_B, 1000) && rec_find(&rs, NODE_B, 1000)->v == 2.5);
	CHECK(rec_find(&rs, NODE_C, 1000) && isnan(rec_find(&rs, NODE_C, 1000)->v));
	CHECK(!promql_is_stale_nan(rec_find(&rs, NODE_C, 1000)->v));
	CHECK(rec_find(&rs, UP, 1000) && rec_find(&rs, UP, 1000)->v == 1);
	const struct rec_sample *d =
		rec_find(&rs, "{__name__=\"scrape_duration_seconds\", instance=\"host:9100\", job=\"node\"}", 1000);
	CHECK(d && d->v == 0.25);
	CHECK(rec_find(&rs, "{__name__=\"scrape_samples_scraped\", instance=\"host:9100\", job=\"node\"}", 1000)->v == 3);
	CHECK(rec_find(&rs, "{__name__=\"scrape_samples_post_metric_relabeling\", instance=\"host:9100\", job=\"node\"}", 1000)->v == 3);
	CHECK(rec_find(&rs, "{__name__=\"scrape_series_added\", instance=\"host:9100\", job=\"node\"}", 1000)->v == 3);

	/* the second scrape: every series by ref, no label work */
	int la = rs.label_appends;
	CHECK(run(&st, &o, &rs, body, 2000, &res) == 0);
	CHECK_INT(rs.label_appends, la);
	CHECK_INT(res.series_added, 0);
	CHECK_INT(rec_count_at(&rs, 2000), 8);
	CHECK(rec_find(&rs, "{__name__=\"scrape_series_added\", instance=\"host:9100\", job=\"node\"}", 2000)->v == 0);

	/* metadata */
	struct arena a = ARENA_INIT;
	struct scrape_metadata *md = NULL;
	size_t n = 0, cap = 0;
	scrape_state_metadata(&st, &a, NULL, &md, &n, &cap);
	CHECK_INT(n, 1);
	CHECK_STR(md[0].metric, "a");
	CHECK_STR(md[0].type, "counter");
	CHECK_STR(md[0].help, "The a.");
	CHECK_STR(md[0].unit, "");
	arena_free(&a);
	scrape_state_free(&st);
}

TEST(scrape_append_staleness)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "a 1\nb{x=\"1\"} 2\nc 3\n", 1000, &res) == 0);
	/* b vanishes: a marker for b only */
	CHECK(run(&st, &o, &rs, "a 1\nc 3\n", 2000, &res) == 0);
	CHECK_INT(res.stale_written, 1);
	CHECK(rec_find(&rs, NODE_B, 2000) && promql_is_stale_nan(rec_find(&rs, NODE_B, 2000)->v));
	CHECK(!promql_is_stale_nan(rec_find(&rs, NODE_A, 2000)->v));
	/* no second marker for b */
	CHECK(run(&st, &o, &rs, "a 1\nc 3\n", 3000, &res) == 0);
	CHECK_INT(res.stale_written, 0);
	CHECK(!rec_find(&rs, NODE_B, 3000));
	/* b comes back: a new sample, found again by labels */
	CHECK(run(&st, &o, &rs, "a 1\nb{x=\"1\"} 5\nc 3\n", 4000, &res) == 0);
	CHECK(rec_find(&rs, NODE_B, 4000)->v == 5);

	/* a failed scrape: markers for every series of the last one, up 0 */
	struct scrape_storage stg = rec_storage(&rs);
	CHECK(scrape_process(&st, &o, &stg, NULL, NULL, 0, NULL, 5000, 5000,
			     "server returned HTTP status 500 Internal Server Error", 0.1, &res) == 0);
	CHECK(!res.up);
	CHECK_STR(res.err, "server returned HTTP status 500 Internal Server Error");
	CHECK_INT(res.stale_written, 3);
	CHECK(promql_is_stale_nan(rec_find(&rs, NODE_A, 5000)->v));
	CHECK(promql_is_stale_nan(rec_find(&rs, NODE_C, 5000)->v));
	CHECK(rec_find(&rs, UP, 5000)->v == 0);
	/* the next good scrape writes no markers again */
	CHECK(run(&st, &o, &rs, "a 1\n", 6000, &res) == 0);
	CHECK_INT(res.stale_written, 0);
	CHECK(res.up);

	/* the target goes away: markers for its series and its report */
	CHECK(scrape_process_end(&st, &o, &stg, NULL, 7000) == 0);
	CHECK(promql_is_stale_nan(rec_find(&rs, NODE_A, 7000)->v));
	CHECK(promql_is_stale_nan(rec_find(&rs, UP, 7000)->v));
	CHECK_INT(rec_count_at(&rs, 7000), 6);
	scrape_state_free(&st);
}

TEST(scrape_append_parse_error_fails_whole_scrape)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "a 1\nc 3\n", 1000, &res) == 0);
	CHECK(run(&st, &o, &rs, "a 2\nc 4\nbroken{ 1\n", 2000, &res) == 0);
	CHECK(!res.up);
	CHECK(res.err[0] != 0);
	CHECK_INT(rs.nrollback, 1);
	/* nothing of the body, markers for both series */
	CHECK(promql_is_stale_nan(rec_find(&rs, NODE_A, 2000)->v));
	CHECK(promql_is_stale_nan(rec_find(&rs, NODE_C, 2000)->v));
	CHECK(rec_find(&rs, UP, 2000)->v == 0);
	scrape_state_free(&st);
}

TEST(scrape_append_honor_labels)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	/* honor_labels: false: clashing exposed labels become exported_* */
	CHECK(run(&st, &o, &rs, "m{job=\"other\",exported_job=\"x\",instance=\"i\"} 1\n", 1000, &res) == 0);
	CHECK(rec_find(&rs, "{__name__=\"m\", exported_exported_job=\"other\", exported_instance=\"i\", "
			    "exported_job=\"x\", instance=\"host:9100\", job=\"node\"}", 1000));
	scrape_state_free(&st);

	/* honor_labels: true: exposed labels win */
	scrape_state_init(&st, false);
	o.honor_labels = true;
	CHECK(run(&st, &o, &rs, "m{job=\"other\"} 1\n", 1000, &res) == 0);
	CHECK(rec_find(&rs, "{__name__=\"m\", instance=\"host:9100\", job=\"other\"}", 1000));
	scrape_state_free(&st);
}

TEST(scrape_append_timestamps)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "a 1 500\nc 2\n", 1000, &res) == 0);
	CHECK(rec_find(&rs, NODE_A, 500));
	CHECK(rec_find(&rs, NODE_C, 1000));
	/* a series with its own timestamps gets no staleness marker */
	CHECK(run(&st, &o, &rs, "\n", 2000, &res) == 0);
	CHECK(!rec_find(&rs, NODE_A, 2000));
	CHECK(rec_find(&rs, NODE_C, 2000) && promql_is_stale_nan(rec_find(&rs, NODE_C, 2000)->v));
	/* out of order and duplicate: counted, the scrape goes on */
	CHECK(run(&st, &o, &rs, "a 1 400\nc 2\n", 3000, &res) == 0);
	CHECK(res.up);
	CHECK_INT(res.out_of_order, 1);
	CHECK(run(&st, &o, &rs, "a 1 500\n", 4000, &res) == 0);
	CHECK_INT(res.duplicate, 1);
	/* too far in the future */
	CHECK(run(&st, &o, &rs, "a 1 99999999\n", 5000, &res) == 0);
	CHECK_INT(res.out_of_bounds, 1);
	/* honor_timestamps: false: the scrape's time */
	o.honor_timestamps = false;
	CHECK(run(&st, &o, &rs, "a 7 500\n", 6000, &res) == 0);
	CHECK(rec_find(&rs, NODE_A, 6000) && rec_find(&rs, NODE_A, 6000)->v == 7);
	scrape_state_free(&st);
}

TEST(scrape_append_limits)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	o.sample_limit = 2;
	CHECK(run(&st, &o, &rs, "a 1\nb{x=\"1\"} 2\nc 3\n", 1000, &res) == 0);
	CHECK(!res.up);
	CHECK(res.sample_limit_hit);
	CHECK_STR(res.err, "sample limit exceeded");
	CHECK_INT(res.total, 3);
	CHECK(!rec_find(&rs, NODE_A, 1000));
	CHECK(rec_find(&rs, UP, 1000)->v == 0);
	CHECK(run(&st, &o, &rs, "a 1\nc 3\n", 2000, &res) == 0);
	CHECK(res.up);
	scrape_state_free(&st);

	scrape_state_init(&st, false);
	o = opts_default();
	o.label_limit = 3;
	CHECK(run(&st, &o, &rs, "b{x=\"1\"} 2\n", 3000, &res) == 0);
	CHECK(!res.up && res.label_limit_hit);
	CHECK_STR(res.err, "label_limit exceeded (metric: b, number of labels: 4, limit: 3)");
	o = opts_default();
	o.label_name_length_limit = 5;
	CHECK(run(&st, &o, &rs, "b{xxxxxxxxx=\"1\"} 2\n", 4000, &res) == 0);
	CHECK_STR(res.err, "label_name_length_limit exceeded (metric: b, label name: __name__, length: 8, limit: 5)");
	o = opts_default();
	o.label_value_length_limit = 4;
	CHECK(run(&st, &o, &rs, "b{x=\"abcdef\"} 2\n", 5000, &res) == 0);
	CHECK_STR(res.err, "label_value_length_limit exceeded (metric: b, label name: instance, value: \"host:9100\", length: 9, limit: 4)");
	scrape_state_free(&st);
}

TEST(scrape_append_metric_relabel_drop_and_dups)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct arena a = ARENA_INIT;
	const char *src[] = { "__name__", NULL };
	struct relabel_spec spec = { .source_labels = src, .nsource = 1, .regex = "go_.*", .action = "drop" };
	struct relabel_config rc;
	const char *err = NULL;
	CHECK(relabel_compile(&a, &spec, &rc, &err) == 0);
	const struct relabel_config *rcs[] = { &rc };
	o.mrc = rcs;
	o.nmrc = 1;
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "go_gc 1\na 1\ngo_threads 3\n", 1000, &res) == 0);
	CHECK(res.up);
	CHECK_INT(res.total, 3);
	CHECK_INT(res.added, 1);
	CHECK_INT(rec_count_at(&rs, 1000), 6);
	CHECK(run(&st, &o, &rs, "go_gc 1\na 1\ngo_threads 3\n", 2000, &res) == 0);
	CHECK_INT(res.added, 1);
	CHECK_INT(res.stale_written, 0);

	/* a label repeated in the exposition fails the scrape */
	CHECK(run(&st, &o, &rs, "d{x=\"1\",x=\"2\"} 1\n", 3000, &res) == 0);
	CHECK(!res.up);
	/* a series twice in one scrape: the second is a duplicate */
	CHECK(run(&st, &o, &rs, "a 1\na 2\n", 4000, &res) == 0);
	CHECK(res.up);
	CHECK_INT(res.duplicate, 1);
	arena_free(&a);
	scrape_state_free(&st);
}

TEST(scrape_append_unknown_ref_and_sink)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, true);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "a 1\n", 1000, &res) == 0);
	/* the store forgets every ref: the scrape re-sends labels */
	rs.forget_refs = true;
	rs.nseries = 0;
	CHECK(run(&st, &o, &rs, "a 2\n", 2000, &res) == 0);
	CHECK(res.up);
	rs.forget_refs = false;
	CHECK(rec_find(&rs, NODE_A, 2000) && rec_find(&rs, NODE_A, 2000)->v == 2);
	scrape_state_free(&st);
}

static int sink_n;
static char sink_last[256];
static void sink_fn(void *ctx, const struct labels *ls, int64_t t, double v)
{
	sink_n++;
	struct buf b = BUF_INIT;
	labels_format(ls, &b);
	snprintf(sink_last, sizeof sink_last, "%s", b.p);
	buf_free(&b);
}

TEST(scrape_append_sink_gets_committed_samples)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, true);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	struct scrape_sink sink = { sink_fn, NULL };
	struct scrape_storage stg = rec_storage(&rs);
	sink_n = 0;
	const char *b1 = "a 1\nc 2\n";
	CHECK(scrape_process(&st, &o, &stg, &sink, b1, strlen(b1), NULL, 1000, 1000, NULL, 0.1, &res) == 0);
	CHECK_INT(sink_n, 7);
	/* a failed (rolled back) body sends nothing of it */
	const char *b2 = "a 1\nc 2\nbad{\n";
	sink_n = 0;
	CHECK(scrape_process(&st, &o, &stg, &sink, b2, strlen(b2), NULL, 2000, 2000, NULL, 0.1, &res) == 0);
	CHECK_INT(sink_n, 7); /* 2 staleness markers + 5 report series */
	CHECK(strstr(sink_last, "scrape_series_added"));
	scrape_state_free(&st);
}

TEST(scrape_cache_add_remove)
{
	struct scrape_cache c;
	scrape_cache_init(&c, false);
	char key[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof key, "series_%d", i);
		struct scrape_entry *e = scrape_cache_add(&c, key, (size_t)n, scrape_hash(key, (size_t)n), (uint64_t)i + 1, NULL, 0);
		e->seen_iter = (i % 3 == 0) ? c.iter : c.iter + 7;
	}
	CHECK_INT(c.n, 5000);
	scrape_cache_iter_done(&c, true);
	CHECK_INT(c.n, 1667);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof key, "series_%d", i);
		struct scrape_entry *e = scrape_cache_get(&c, key, (size_t)n, scrape_hash(key, (size_t)n));
		if ((i % 3 == 0) != (e != NULL))
			unit_fail(__FILE__, __LINE__, "entry %d", i);
		CHECK((i % 3 == 0) == (e != NULL));
		if (e)
			CHECK_INT(e->ref, i + 1);
	}
	scrape_cache_free(&c);
}

TEST(scrape_append_order_changes)
{
	/* the cache predicts each line's series from the last scrape's
	 * order; reordered, inserted and removed lines must still land on
	 * their own series */
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "a 1\nb{x=\"1\"} 2\nc 3\n", 1000, &res) == 0);
	CHECK(run(&st, &o, &rs, "c 30\na 10\nb{x=\"1\"} 20\n", 2000, &res) == 0);
	CHECK(rec_find(&rs, NODE_A, 2000)->v == 10);
	CHECK(rec_find(&rs, NODE_B, 2000)->v == 20);
	CHECK(rec_find(&rs, NODE_C, 2000)->v == 30);
	CHECK(run(&st, &o, &rs, "z 0\nc 31\nb{x=\"1\"} 21\n", 3000, &res) == 0);
	CHECK_INT(res.series_added, 1);
	CHECK(rec_find(&rs, NODE_C, 3000)->v == 31);
	CHECK(rec_find(&rs, NODE_B, 3000)->v == 21);
	CHECK(promql_is_stale_nan(rec_find(&rs, NODE_A, 3000)->v));
	/* a failed scrape in between empties the order: lookups by hash */
	struct scrape_storage stg = rec_storage(&rs);
	CHECK(scrape_process(&st, &o, &stg, NULL, NULL, 0, NULL, 4000, 4000, "down", 0.1, &res) == 0);
	CHECK(run(&st, &o, &rs, "b{x=\"1\"} 22\nc 32\n", 5000, &res) == 0);
	CHECK(rec_find(&rs, NODE_B, 5000)->v == 22);
	CHECK(rec_find(&rs, NODE_C, 5000)->v == 32);
	CHECK_INT(res.series_added, 0);
	scrape_state_free(&st);
}

TEST(scrape_append_rollback_forgets_new_series)
{
	static struct rec_store rs;
	memset(&rs, 0, sizeof rs);
	struct scrape_state st;
	scrape_state_init(&st, false);
	struct scrape_opts o = opts_default();
	struct scrape_result res;
	CHECK(run(&st, &o, &rs, "a 1\n", 1000, &res) == 0);
	CHECK(run(&st, &o, &rs, "a 1\nfresh 2\nbroken{\n", 2000, &res) == 0);
	CHECK(!res.up);
	/* the series the rolled-back batch created is not cached */
	CHECK(scrape_cache_get(&st.cache, "fresh", 5, scrape_hash("fresh", 5)) == NULL);
	CHECK(scrape_cache_get(&st.cache, "a", 1, scrape_hash("a", 1)) != NULL);
	CHECK(run(&st, &o, &rs, "a 1\nfresh 2\n", 3000, &res) == 0);
	CHECK(res.up);
	CHECK_INT(res.series_added, 1);
	CHECK(rec_find(&rs, "{__name__=\"fresh\", instance=\"host:9100\", job=\"node\"}", 3000));
	scrape_state_free(&st);
}
