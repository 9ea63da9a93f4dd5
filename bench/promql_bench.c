/* promql_bench.c - run one PromQL range query against the in-memory store,
 * for bench/promql.py (until pharos-tsdb serves queries over HTTP).
 *
 *   promql-bench DATA QUERY START_MS END_MS STEP_MS RUNS [OUT]
 *
 * DATA is the compact file bench/promql.py writes (little-endian):
 *   "PQB1", u32 nseries, u32 nsamples, i64 t0_ms, i64 interval_ms, then per
 *   series: u16 nlabels, nlabels x (u16 len, name bytes, u16 len, value
 *   bytes) sorted by name, then nsamples f64 at t0, t0 + interval, ...
 * The series are loaded into a promql_memstore; one selection is made so
 * that the store sorts its series before timing starts; the peak-RSS mark
 * is reset (/proc/self/clear_refs "5"); then the query is parsed and
 * evaluated RUNS times, each with a fresh arena (with PROMQL_BENCH_ARENA=
 * reuse in the environment: one arena, arena_reset() after each run).
 * Prints one JSON object on
 * stdout: load time, RSS after loading, each run's wall and CPU time (parse
 * + evaluation, no result encoding), VmHWM after the runs (and whether the
 * reset worked). OUT, if given, receives the last run's result, one line
 * per series: the labels as {..}, then the points as "t v" pairs (v with
 * %.17g), tab-separated.
 *
 * Exit codes: 0, 100 usage, 111 system or data error, 1 query error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/buf.h"
#include "../lib/labels.h"
#include "../services/tsdb/promql/eval.h"
#include "../services/tsdb/promql/memstore.h"
#include "../services/tsdb/promql/parse.h"

static void die(const char *what)
{
	fprintf(stderr, "promql-bench: fatal: %s: %s\n", what, errno ? strerror(errno) : "bad data");
	exit(111);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* VmRSS or VmHWM of this process in KB, or -1. */
static long status_kb(const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Reset VmHWM to the current RSS (Linux >= 4.0). Returns 0 or -1. */
static int reset_hwm(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd < 0)
		return -1;
	int ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

struct reader {
	const unsigned char *p, *end;
};

static const unsigned char *take(struct reader *r, size_t n)
{
	if ((size_t)(r->end - r->p) < n) {
		errno = 0;
		die("truncated data file");
	}
	const unsigned char *q = r->p;
	r->p += n;
	return q;
}

static uint64_t take_le(struct reader *r, size_t n)
{
	const unsigned char *q = take(r, n);
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++)
		x |= (uint64_t)q[i] << (8 * i);
	return x;
}

static char *take_str(struct reader *r, struct arena *a)
{
	size_t n = (size_t)take_le(r, 2);

	return arena_strndup(a, (const char *)take(r, n), n);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[1 << 16];
	size_t n;

	if (!f)
		die(path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	if (ferror(f))
		die(path);
	fclose(f);
	*len = b.len;
	return (unsigned char *)buf_steal(&b);
}

/* Load DATA into ms; returns the number of samples. */
static size_t load(struct promql_memstore *ms, const char *path)
{
	size_t len;
	unsigned char *data = slurp(path, &len);
	struct reader r = { data, data + len };

	if (memcmp(take(&r, 4), "PQB1", 4) != 0) {
		errno = 0;
		die("not a PQB1 file");
	}
	uint32_t nseries = (uint32_t)take_le(&r, 4);
	uint32_t nsamples = (uint32_t)take_le(&r, 4);
	int64_t t0 = (int64_t)take_le(&r, 8);
	int64_t step = (int64_t)take_le(&r, 8);
	struct arena a = ARENA_INIT;
	struct label lv[64];

	for (uint32_t i = 0; i < nseries; i++) {
		size_t nl = (size_t)take_le(&r, 2);
		if (nl == 0 || nl > 64) {
			errno = 0;
			die("bad label count");
		}
		for (size_t j = 0; j < nl; j++) {
			lv[j].name = take_str(&r, &a);
			lv[j].value = take_str(&r, &a);
		}
		struct labels ls = { lv, nl };
		for (uint32_t k = 0; k < nsamples; k++) {
			uint64_t bits = take_le(&r, 8);
			double v;
			memcpy(&v, &bits, sizeof v);
			if (promql_memstore_append(ms, &ls, t0 + (int64_t)k * step, v) != 0) {
				errno = 0;
				die("append refused");
			}
		}
		arena_reset(&a);
	}
	arena_free(&a);
	free(data);
	return (size_t)nseries * nsamples;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void write_result(const struct promql_value *v, const char *path)
{
	FILE *f = fopen(path, "w");
	struct buf b = BUF_INIT;

	if (!f)
		die(path);
	for (size_t i = 0; i < v->u.matrix.n; i++) {
		const struct promql_series *s = &v->u.matrix.series[i];
		b.len = 0;
		labels_format(&s->metric, &b);
		fwrite(b.p, 1, b.len, f);
		for (size_t j = 0; j < s->npoints; j++)
			fprintf(f, "\t%lld %.17g", (long long)s->points[j].t, s->points[j].v);
		fputc('\n', f);
	}
	buf_free(&b);
	if (fclose(f) != 0)
		die(path);
}

int main(int argc, char **argv)
{
	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: promql-bench DATA QUERY START_MS END_MS STEP_MS RUNS [OUT]\n");
		return 100;
	}
	const char *query = argv[2];
	int64_t start = strtoll(argv[3], NULL, 10);
	int64_t end = strtoll(argv[4], NULL, 10);
	int64_t step = strtoll(argv[5], NULL, 10);
	int runs = atoi(argv[6]);
	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "promql-bench: RUNS must be 1..1000\n");
		return 100;
	}

	struct promql_memstore *ms = promql_memstore_new();
	double t0 = now_s();
	size_t nsamples = load(ms, argv[1]);
	struct promql_querier *q = promql_memstore_querier(ms);

	/* One selection so that the store sorts its series now, not in the
	 * first timed run. */
	{
		struct arena a = ARENA_INIT;
		struct labels_matcher m;
		struct promql_storage_series *ss;
		size_t n;
		if (labels_matcher_init(&m, &a, LABELS_MATCH_EQ, "__name__", "no_such_metric",
					NULL) != 0 ||
		    q->select(q, &m, 1, 0, 0, &a, &ss, &n) != 0) {
			errno = 0;
			die("warm-up select");
		}
		arena_free(&a);
	}
	double load_s = now_s() - t0;
	long rss_loaded = status_kb("VmRSS");
	long hwm_load = status_kb("VmHWM");
	int reset_ok = reset_hwm() == 0;

	double *times = xcalloc((size_t)runs, sizeof *times);
	double *cpu = xcalloc((size_t)runs, sizeof *cpu);
	size_t result_series = 0;
	/* PROMQL_BENCH_ARENA=reuse: one arena for all runs, emptied with
	 * arena_reset() after each (as a server could keep one per thread);
	 * otherwise a fresh arena per run, freed after it (as lib/httpd.c
	 * does per request today). */
	const char *mode = getenv("PROMQL_BENCH_ARENA");
	int reuse = mode && strcmp(mode, "reuse") == 0;
	struct arena a = ARENA_INIT;
	for (int i = 0; i < runs; i++) {
		struct promql_node *expr;
		struct promql_error perr;
		struct promql_eval_error eerr;
		struct promql_value v;
		double s0 = now_s(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		if (promql_parse(query, strlen(query), &a, &expr, &perr) != 0) {
			struct buf b = BUF_INIT;
			promql_error_format(&perr, &b);
			fprintf(stderr, "promql-bench: %.*s\n", (int)b.len, b.p);
			return 1;
		}
		if (promql_eval_range(q, expr, start, end, step, NULL, &a, &v, &eerr) != 0) {
			fprintf(stderr, "promql-bench: %s: %s\n", promql_errtype_str(eerr.type),
				eerr.msg);
			return 1;
		}
		times[i] = now_s() - s0;
		cpu[i] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		result_series = v.u.matrix.n;
		if (i == runs - 1 && argc == 8)
			write_result(&v, argv[7]);
		if (reuse)
			arena_reset(&a);
		else
			arena_free(&a);
	}
	arena_free(&a);
	long hwm = status_kb("VmHWM");

	printf("{\"series\": %zu, \"samples\": %zu, \"load_s\": %.3f, \"rss_loaded_kb\": %ld, "
	       "\"hwm_load_kb\": %ld, \"hwm_kb\": %ld, \"hwm_reset\": %s, \"result_series\": %zu, "
	       "\"times_s\": [",
	       promql_memstore_series_count(ms), nsamples, load_s, rss_loaded, hwm_load, hwm,
	       reset_ok ? "true" : "false", result_series);
	for (int i = 0; i < runs; i++)
		printf("%s%.6f", i ? ", " : "", times[i]);
	printf("], \"cpu_s\": [");
	for (int i = 0; i < runs; i++)
		printf("%s%.6f", i ? ", " : "", cpu[i]);
	qsort(times, (size_t)runs, sizeof *times, cmp_double);
	printf("], \"median_s\": %.6f}\n", times[runs / 2]);
	free(times);
	free(cpu);
	promql_memstore_free(ms);
	return 0;
}
