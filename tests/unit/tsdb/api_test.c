/* api_test.c - the HTTP API end to end over the in-memory store: a real
 * server on a loopback port, requests over a socket, answers compared
 * byte for byte with what Prometheus 2.42 sends. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../../services/tsdb/api.h"
#include "../../../services/tsdb/promql/memstore.h"
#include "../../../services/tsdb/scrape.h"
#include "../../../services/tsdb/store/store.h"
#include "../unit.h"

static struct promql_querier *mem_querier(void *ctx, int64_t mint, int64_t maxt)
{
	(void)mint;
	(void)maxt;
	return promql_memstore_querier(ctx);
}

struct fixture {
	struct promql_memstore *ms;
	struct api api;
	struct httpd *h;
	int port;
};

static int reload_fails(void *ctx, struct buf *err)
{
	(void)ctx;
	buf_puts(err, "prometheus.yml:3:5: unknown field \"scrape_intervall\"\n");
	return -1;
}

static void add(struct promql_memstore *ms, const char *name, const char *job, const char *inst,
		int64_t t, double v)
{
	struct label l[3] = { { "__name__", name }, { "instance", inst }, { "job", job } };
	struct labels ls = { l, 3 };
	promql_memstore_append(ms, &ls, t, v);
}

static int start(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	f->ms = promql_memstore_new();
	for (int i = 0; i <= 20; i++) {
		add(f->ms, "up", "node", "a:9100", i * 15000, 1);
		add(f->ms, "up", "node", "b:9100", i * 15000, i < 10 ? 1 : 0);
		add(f->ms, "http_requests_total", "api", "a:9100", i * 15000, i * 10.5);
	}
	api_init(&f->api);
	f->api.storage = (struct api_storage){ f->ms, mem_querier, NULL, NULL };
	f->api.reload = reload_fails;
	static const struct api_flag flags[] = { { "config.file", "prometheus.yml" },
						 { "query.timeout", "2m" } };
	f->api.flags = flags;
	f->api.nflags = 2;
	struct label ext = { "replica", "r1" };
	struct labels el = { &ext, 1 };
	api_set_config(&f->api, "global: {}\n", &el, true);
	size_t n;
	const struct httpd_route *r = api_routes(&f->api, &n);
	struct httpd_opts o = { .listen = "127.0.0.1:0", .threads = 2 };
	char err[256];
	if (httpd_start(&f->h, &o, r, n, err, sizeof err) != 0)
		return -1;
	f->port = httpd_port(f->h);
	return 0;
}

static void stop(struct fixture *f)
{
	httpd_stop(f->h);
	api_free(&f->api);
	promql_memstore_free(f->ms);
}

/* Send a raw request; *status and the body (after the blank line). */
static int request(struct fixture *f, const char *method, const char *target, const char *body,
		   int *status, struct buf *out)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)f->port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
		close(s);
		return -1;
	}
	struct buf req = BUF_INIT;
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n", method, target);
	if (body)
		buf_printf(&req,
			   "Content-Type: application/x-www-form-urlencoded\r\n"
			   "Content-Length: %zu\r\n",
			   strlen(body));
	buf_puts(&req, "\r\n");
	if (body)
		buf_puts(&req, body);
	if (write(s, req.p, req.len) != (ssize_t)req.len) {
		close(s);
		buf_free(&req);
		return -1;
	}
	buf_free(&req);
	struct buf resp = BUF_INIT;
	char tmp[4096];
	ssize_t r;
	while ((r = read(s, tmp, sizeof tmp)) > 0)
		buf_put(&resp, tmp, (size_t)r);
	close(s);
	*status = resp.p ? atoi(resp.p + 9) : 0;
	const char *b = resp.p ? strstr(resp.p, "\r\n\r\n") : NULL;
	buf_reset(out);
	if (b)
		buf_puts(out, b + 4);
	buf_free(&resp);
	return 0;
}

TEST(api_query_instant_and_range)
{
	struct fixture f;
	CHECK(start(&f) == 0);
	struct buf b = BUF_INIT;
	int st;
	CHECK(request(&f, "GET", "/api/v1/query?query=1%2B1&time=300", NULL, &st, &b) == 0);
	CHECK_INT(st, 200);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[300,\"2\"]}}");
	CHECK(request(&f, "GET", "/api/v1/query?query=up&time=150.5", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
		       "{\"metric\":{\"__name__\":\"up\",\"instance\":\"a:9100\",\"job\":\"node\"},\"value\":[150.500,\"1\"]},"
		       "{\"metric\":{\"__name__\":\"up\",\"instance\":\"b:9100\",\"job\":\"node\"},\"value\":[150.500,\"0\"]}]}}");
	CHECK(request(&f, "POST", "/api/v1/query_range", "query=sum(up)&start=0&end=30&step=15s", &st, &b) == 0);
	CHECK_INT(st, 200);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		       "{\"metric\":{},\"values\":[[0,\"2\"],[15,\"2\"],[30,\"2\"]]}]}}");
	CHECK(request(&f, "GET", "/api/v1/query?query=rate(http_requests_total[1m])&time=300", NULL, &st, &b) == 0);
	CHECK(strstr(b.p, "\"value\":[300,\"0.7\"]") != NULL);
	CHECK(request(&f, "GET", "/api/v1/query?query=%22a%3Cb%22&time=1", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"a\\u003cb\"]}}");
	buf_free(&b);
	stop(&f);
}

TEST(api_errors_as_prometheus)
{
	struct fixture f;
	CHECK(start(&f) == 0);
	struct buf b = BUF_INIT;
	int st;
	CHECK(request(&f, "GET", "/api/v1/query?query=up%7B", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(strstr(b.p, "\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"query\\\": 1:4: parse error:") != NULL);
	CHECK(request(&f, "GET", "/api/v1/query?query=up&time=abc", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(strstr(b.p, "invalid parameter \\\"time\\\": cannot parse \\\"abc\\\" to a valid timestamp") != NULL);
	CHECK(request(&f, "GET", "/api/v1/query_range?query=up&start=10&end=0&step=1", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(request(&f, "GET", "/api/v1/query_range?query=up&start=0&end=100000&step=1", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(strstr(b.p, "11,000 points") != NULL);
	CHECK(request(&f, "GET", "/api/v1/query_range?query=up&start=0&end=10&step=0", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(request(&f, "GET", "/api/v1/query_range?query=up&end=10&step=1", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(request(&f, "GET", "/api/v1/query?query=%25zz", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	/* an execution error: 422 */
	CHECK(request(&f, "GET", "/api/v1/query?query=label_replace(up,%22x%22,%22y%22,%22instance%22,%22(%22)&time=10", NULL, &st, &b) == 0);
	CHECK_INT(st, 422); /* the regex is compiled when evaluating */
	CHECK(strstr(b.p, "\"errorType\":\"execution\"") != NULL);
	CHECK(request(&f, "GET", "/api/v1/series", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK_STR(b.p, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"no match[] parameter provided\"}");
	CHECK(request(&f, "GET", "/api/v1/label/0bad/values", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	CHECK(request(&f, "GET", "/api/v1/nonexistent", NULL, &st, &b) == 0);
	CHECK_INT(st, 404);
	CHECK(request(&f, "DELETE", "/api/v1/query", NULL, &st, &b) == 0);
	CHECK_INT(st, 405);
	buf_free(&b);
	stop(&f);
}

TEST(api_series_labels_values)
{
	struct fixture f;
	CHECK(start(&f) == 0);
	struct buf b = BUF_INIT;
	int st;
	CHECK(request(&f, "GET", "/api/v1/labels", NULL, &st, &b) == 0);
	CHECK_INT(st, 200);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[\"__name__\",\"instance\",\"job\"]}");
	CHECK(request(&f, "GET", "/api/v1/label/__name__/values?limit=1", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[\"http_requests_total\"]}");
	CHECK(request(&f, "GET", "/api/v1/label/instance/values?match[]=up", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[\"a:9100\",\"b:9100\"]}");
	CHECK(request(&f, "GET", "/api/v1/label/nosuch/values", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[]}");
	CHECK(request(&f, "POST", "/api/v1/series", "match[]=up{instance=\"a:9100\"}&match[]={job=\"node\",instance=\"a:9100\"}", &st, &b) == 0);
	CHECK_INT(st, 200);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[{\"__name__\":\"up\",\"instance\":\"a:9100\",\"job\":\"node\"}]}");
	/* a time range with no samples lists nothing */
	CHECK(request(&f, "GET", "/api/v1/series?match[]=up&start=100000&end=200000", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[]}");
	buf_free(&b);
	stop(&f);
}

TEST(api_status_and_admin)
{
	struct fixture f;
	CHECK(start(&f) == 0);
	struct buf b = BUF_INIT;
	int st;
	CHECK(request(&f, "GET", "/api/v1/status/flags", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"config.file\":\"prometheus.yml\",\"query.timeout\":\"2m\"}}");
	CHECK(request(&f, "GET", "/api/v1/status/config", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"yaml\":\"global: {}\\n\"}}");
	CHECK(request(&f, "GET", "/api/v1/targets", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"activeTargets\":[],\"droppedTargets\":[]}}");
	CHECK(request(&f, "GET", "/api/v1/rules", NULL, &st, &b) == 0);
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":{\"groups\":[]}}");
	CHECK(request(&f, "GET", "/-/ready", NULL, &st, &b) == 0);
	CHECK_INT(st, 503);
	api_set_ready(&f.api, true);
	CHECK(request(&f, "GET", "/-/ready", NULL, &st, &b) == 0);
	CHECK_INT(st, 200);
	CHECK(request(&f, "POST", "/-/reload", "", &st, &b) == 0);
	CHECK_INT(st, 403);
	f.api.enable_lifecycle = true;
	CHECK(request(&f, "POST", "/-/reload", "", &st, &b) == 0);
	CHECK_INT(st, 500);
	CHECK(strstr(b.p, "prometheus.yml:3:5: unknown field") != NULL);
	CHECK(request(&f, "GET", "/metrics", NULL, &st, &b) == 0);
	CHECK_INT(st, 200);
	CHECK(strstr(b.p, "prometheus_http_requests_total{code=\"200\",handler=\"/api/v1/status/flags\"} 1") != NULL);
	CHECK(strstr(b.p, "prometheus_http_requests_total{code=\"403\",handler=\"/-/reload\"} 1") != NULL);
	CHECK(strstr(b.p, "process_resident_memory_bytes") != NULL);
	CHECK(request(&f, "GET", "/", NULL, &st, &b) == 0);
	CHECK_INT(st, 302);
	buf_free(&b);
	stop(&f);
}

TEST(api_federate_text)
{
	struct fixture f;
	CHECK(start(&f) == 0);
	/* federation reads the last 5 minutes before now */
	int64_t now = api_now_ms();
	add(f.ms, "fresh", "j", "i", now - 1000, 2.5);
	struct buf b = BUF_INIT;
	int st;
	CHECK(request(&f, "GET", "/federate?match[]=fresh&match[]=up", NULL, &st, &b) == 0);
	CHECK_INT(st, 200);
	char want[256];
	snprintf(want, sizeof want,
		 "# TYPE fresh untyped\nfresh{instance=\"i\",job=\"j\",replica=\"r1\"} 2.5 %lld\n",
		 (long long)(now - 1000));
	CHECK_STR(b.p, want);
	CHECK(request(&f, "GET", "/federate?match[]=%7B", NULL, &st, &b) == 0);
	CHECK_INT(st, 400);
	buf_free(&b);
	stop(&f);
}

TEST(api_snapshot_writers)
{
	struct label dl[2] = { { "__address__", "h:1" }, { "job", "j" } };
	struct label tl[2] = { { "instance", "h:1" }, { "job", "j" } };
	struct scrape_target_info t = {
		.discovered_labels = { dl, 2 }, .labels = { tl, 2 }, .scrape_pool = "j",
		.scrape_url = "http://h:1/metrics", .global_url = "http://h:1/metrics",
		.health = SCRAPE_HEALTH_DOWN, .last_error = "connection refused",
		.last_scrape_ms = 1700000000123, .last_scrape_duration_s = 0.5,
		.interval_ms = 15000, .timeout_ms = 10000,
	};
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	api_write_targets(&w, &t, 1, &t, 1, "active");
	CHECK(jsonw_ok(&w));
	CHECK_STR(b.p, "{\"activeTargets\":[{\"discoveredLabels\":{\"__address__\":\"h:1\",\"job\":\"j\"},"
		       "\"labels\":{\"instance\":\"h:1\",\"job\":\"j\"},\"scrapePool\":\"j\","
		       "\"scrapeUrl\":\"http://h:1/metrics\",\"globalUrl\":\"http://h:1/metrics\","
		       "\"lastError\":\"connection refused\",\"lastScrape\":\"2023-11-14T22:13:20.123Z\","
		       "\"lastScrapeDuration\":0.5,\"health\":\"down\",\"scrapeInterval\":\"15s\","
		       "\"scrapeTimeout\":\"10s\"}],\"droppedTargets\":[]}");
	buf_reset(&b);
	jsonw_init(&w, &b);
	t.last_scrape_ms = 0;
	api_write_targets(&w, NULL, 0, &t, 1, NULL);
	CHECK_STR(b.p, "{\"activeTargets\":[],\"droppedTargets\":[{\"discoveredLabels\":"
		       "{\"__address__\":\"h:1\",\"job\":\"j\"}}]}");
	struct scrape_metadata md[3] = { { "a", "counter", "A.", "" }, { "a", "gauge", "A2.", "" },
					 { "b", "gauge", "", "bytes" } };
	buf_reset(&b);
	jsonw_init(&w, &b);
	api_write_metadata(&w, md, 3);
	CHECK_STR(b.p, "{\"a\":[{\"type\":\"counter\",\"help\":\"A.\",\"unit\":\"\"},"
		       "{\"type\":\"gauge\",\"help\":\"A2.\",\"unit\":\"\"}],"
		       "\"b\":[{\"type\":\"gauge\",\"help\":\"\",\"unit\":\"bytes\"}]}");
	struct tsdb_status st = { .num_series = 2, .num_label_pairs = 3, .chunk_count = 2,
				  .min_time = 5, .max_time = 9, .n_series_by_metric = 1 };
	st.series_by_metric[0] = (struct tsdb_status_count){ "up", 2 };
	buf_reset(&b);
	jsonw_init(&w, &b);
	api_write_tsdb_status(&w, &st);
	CHECK_STR(b.p, "{\"headStats\":{\"numSeries\":2,\"numLabelPairs\":3,\"chunkCount\":2,"
		       "\"minTime\":5,\"maxTime\":9},\"seriesCountByMetricName\":[{\"name\":\"up\","
		       "\"value\":2}],\"labelValueCountByLabelName\":[],\"memoryInBytesByLabelName\":[],"
		       "\"seriesCountByLabelValuePair\":[]}");
	buf_free(&b);
}
