/* libFuzzer target for one scrape's processing (scrape_append.c): a
 * hostile exposition through the series cache, target-label merging,
 * metric_relabel_configs, limits and staleness, into a small in-memory
 * storage that checks what it is given.
 *
 * The first byte picks the settings (bit 0 honor_labels, bit 1
 * honor_timestamps, bit 2 OpenMetrics, bit 3 tight limits, bit 4 a relabel
 * rule, bit 5 keep labels); the rest is the body. The body is processed
 * twice (the second time through the cache), then its first half once
 * (series vanish: staleness), then the target ends. The checks: every
 * label set appended is sorted, unique, non-empty and has __name__; refs
 * are ones the storage handed out; up is 0 exactly when an error is set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/scrape_internal.h"
#include "../../services/tsdb/store/store.h"

static void scrape_fuzz_check(int ok)
{
	if (!ok)
		abort();
}

#define FZ_MAX_SERIES 512

struct fz_store {
	char *series[FZ_MAX_SERIES];
	size_t n;
};

static void *fz_begin(void *ctx)
{
	return ctx;
}

static int fz_append(void *app, uint64_t *ref, const struct labels *ls, int64_t t, double v)
{
	struct fz_store *s = app;
	if (*ref) {
		scrape_fuzz_check(*ref <= s->n);
		return 0;
	}
	scrape_fuzz_check(ls && ls->n > 0);
	scrape_fuzz_check(labels_get(ls, LABELS_METRIC_NAME) != NULL);
	for (size_t i = 0; i < ls->n; i++) {
		scrape_fuzz_check(ls->v[i].value[0] != 0);
		if (i)
			scrape_fuzz_check(strcmp(ls->v[i - 1].name, ls->v[i].name) < 0);
	}
	struct buf b = BUF_INIT;
	labels_format(ls, &b);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->series[i], b.p) == 0) {
			*ref = i + 1;
			buf_free(&b);
			return 0;
		}
	if (s->n == FZ_MAX_SERIES) {
		buf_free(&b);
		return TSDB_ERR_LIMIT;
	}
	s->series[s->n++] = buf_steal(&b);
	*ref = s->n;
	return 0;
}

static int fz_commit(void *app)
{
	return 0;
}

static void fz_rollback(void *app)
{
}

static void fz_sink(void *ctx, const struct labels *ls, int64_t t, double v)
{
	scrape_fuzz_check(ls->n > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned mode = data[0];
	size_t len = size - 1;
	char *body = malloc(len ? len : 1);
	memcpy(body, data + 1, len);

	static const struct label tl[] = {
		{ "exported_job", "e" }, { "instance", "h:1" }, { "job", "j" },
	};
	struct scrape_opts o;
	memset(&o, 0, sizeof o);
	o.target_labels = (struct labels){ tl, 3 };
	o.honor_labels = mode & 1;
	o.honor_timestamps = (mode & 2) != 0;
	o.parse_limits = (struct textparse_limits){ 4096, 16, 64, 256 };
	if (mode & 8) {
		o.sample_limit = 8;
		o.label_limit = 6;
		o.label_name_length_limit = 20;
		o.label_value_length_limit = 20;
	}
	struct arena a = ARENA_INIT;
	struct relabel_config rc;
	const struct relabel_config *rcs[1];
	if (mode & 16) {
		const char *src[] = { "__name__", "job", NULL };
		struct relabel_spec spec = { .source_labels = src, .nsource = 2, .regex = "(a.*);(.*)",
					     .target_label = "__name__", .replacement = "x_$2" };
		const char *err;
		if (relabel_compile(&a, &spec, &rc, &err) == 0) {
			rcs[0] = &rc;
			o.mrc = rcs;
			o.nmrc = 1;
		}
	}
	struct fz_store s;
	memset(&s, 0, sizeof s);
	struct scrape_storage stg = { fz_begin, fz_append, fz_commit, fz_rollback, &s };
	struct scrape_sink sink = { fz_sink, NULL };
	struct scrape_state st;
	scrape_state_init(&st, (mode & 32) != 0);
	const char *ct = (mode & 4) ? "application/openmetrics-text; version=1.0.0" : "text/plain";
	int64_t t = 1700000000000;
	size_t lens[3] = { len, len, len / 2 };
	for (int i = 0; i < 3; i++) {
		struct scrape_result res;
		scrape_process(&st, &o, &stg, (mode & 32) ? &sink : NULL, body, lens[i], ct, t, t, NULL,
			       0.01, &res);
		scrape_fuzz_check(res.up == (res.err[0] == 0));
		scrape_fuzz_check(res.added <= res.total);
		t += 1000;
	}
	scrape_process_end(&st, &o, &stg, (mode & 32) ? &sink : NULL, t);
	scrape_state_free(&st);
	for (size_t i = 0; i < s.n; i++)
		free(s.series[i]);
	arena_free(&a);
	free(body);
	return 0;
}
