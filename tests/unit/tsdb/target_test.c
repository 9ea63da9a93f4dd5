/* target_test.c - a target's labels as Prometheus 2.42's PopulateLabels
 * computes them, and its scrape URL. */
#include <stdio.h>
#include <string.h>

#include "../../../services/tsdb/target.h"
#include "../unit.h"

static const char *fmt(struct arena *a, const struct labels *l)
{
	struct buf b = BUF_INIT;
	labels_format(l, &b);
	const char *s = arena_strdup(a, b.p ? b.p : "");
	buf_free(&b);
	return s;
}

static struct prom_config *load(const char *y)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	if (prom_config_parse("t.yml", y, strlen(y), &c, &err) != 0)
		fprintf(stderr, "%s", err.p);
	buf_free(&err);
	return c;
}

TEST(target_labels_of_a_static_target)
{
	struct prom_config *c = load("global: {scrape_interval: 15s}\n"
				     "scrape_configs:\n"
				     "  - job_name: node\n"
				     "    static_configs: [{targets: ['localhost:9100'], labels: {env: prod}}]\n");
	CHECK(c != NULL);
	const struct prom_scrape_config *sc = &c->scrape_configs[0];
	struct arena a = ARENA_INIT;
	struct target_result r;
	CHECK_INT(target_populate(sc, &sc->static_configs[0].labels, "localhost:9100", &a, &r), 0);
	CHECK(r.error == NULL);
	CHECK_INT(r.dropped, 0);
	CHECK_STR(fmt(&a, &r.discovered),
		  "{__address__=\"localhost:9100\", __metrics_path__=\"/metrics\", __scheme__=\"http\", "
		  "__scrape_interval__=\"15s\", __scrape_timeout__=\"10s\", env=\"prod\", job=\"node\"}");
	CHECK_STR(fmt(&a, &r.labels),
		  "{__address__=\"localhost:9100\", __metrics_path__=\"/metrics\", __scheme__=\"http\", "
		  "__scrape_interval__=\"15s\", __scrape_timeout__=\"10s\", env=\"prod\", "
		  "instance=\"localhost:9100\", job=\"node\"}");
	struct labels pub = target_public_labels(&r.labels, &a);
	CHECK_STR(fmt(&a, &pub), "{env=\"prod\", instance=\"localhost:9100\", job=\"node\"}");
	CHECK_INT(r.interval_ms, 15000);
	CHECK_INT(r.timeout_ms, 10000);
	CHECK_STR(target_url(&r.labels, sc, &a), "http://localhost:9100/metrics");
	arena_free(&a);
	prom_config_free(c);
}

TEST(target_default_ports_as_2_42)
{
	struct prom_config *c = load("scrape_configs:\n"
				     "  - job_name: h\n"
				     "  - job_name: s\n"
				     "    scheme: https\n"
				     "  - job_name: f\n"
				     "    scheme: ftp\n");
	CHECK(c != NULL);
	struct arena a = ARENA_INIT;
	struct target_result r;
	target_populate(&c->scrape_configs[0], NULL, "example.com", &a, &r);
	CHECK_STR(labels_get(&r.labels, "__address__"), "example.com:80");
	CHECK_STR(labels_get(&r.labels, "instance"), "example.com:80");
	target_populate(&c->scrape_configs[1], NULL, "example.com", &a, &r);
	CHECK_STR(labels_get(&r.labels, "__address__"), "example.com:443");
	target_populate(&c->scrape_configs[1], NULL, "[::1]", &a, &r);
	CHECK_STR(labels_get(&r.labels, "__address__"), "[::1]:443");
	CHECK_STR(target_url(&r.labels, &c->scrape_configs[1], &a), "https://[::1]:443/metrics");
	/* Not fixable by a port: left as it is (and scraped as such). */
	target_populate(&c->scrape_configs[0], NULL, "::1", &a, &r);
	CHECK(r.error == NULL);
	CHECK_STR(labels_get(&r.labels, "__address__"), "::1");
	target_populate(&c->scrape_configs[0], NULL, "h:", &a, &r);
	CHECK_STR(labels_get(&r.labels, "__address__"), "h:");
	target_populate(&c->scrape_configs[2], NULL, "host", &a, &r);
	CHECK_STR(r.error, "invalid scheme: \"ftp\"");
	target_populate(&c->scrape_configs[2], NULL, "host:21", &a, &r);
	CHECK(r.error == NULL);
	arena_free(&a);
	prom_config_free(c);
}

TEST(target_relabel_drop_and_errors)
{
	struct prom_config *c = load(
		"scrape_configs:\n"
		"  - job_name: j\n"
		"    params: {module: [http_2xx, second], 'a b': ['x&y']}\n"
		"    relabel_configs:\n"
		"      - {source_labels: [__address__], regex: 'drop.*', action: drop}\n"
		"      - {source_labels: [__address__], target_label: __param_target}\n"
		"      - {source_labels: [__address__], regex: 'empty', target_label: __address__, replacement: ''}\n"
		"      - {source_labels: [__address__], regex: 'url', target_label: __address__, replacement: 'http://x/y'}\n"
		"      - {source_labels: [__address__], regex: 'bigto', target_label: __scrape_timeout__, replacement: '1h'}\n"
		"      - {source_labels: [__address__], regex: 'zero', target_label: __scrape_interval__, replacement: '0s'}\n"
		"      - {source_labels: [__address__], regex: 'badiv', target_label: __scrape_interval__, replacement: 'soon'}\n"
		"      - {source_labels: [__address__], regex: 'https', target_label: __scheme__, replacement: 'https'}\n"
		"      - {source_labels: [__address__], regex: 'inst', target_label: instance, replacement: 'mine'}\n"
		"      - {regex: '__meta_(.*)', action: labelmap}\n");
	CHECK(c != NULL);
	const struct prom_scrape_config *sc = &c->scrape_configs[0];
	struct arena a = ARENA_INIT;
	struct target_result r;
	const char *ln[] = { "__meta_filepath" }, *lv[] = { "/sd/t.json" };
	struct labels g;
	labels_from_pairs(&a, ln, lv, 1, &g);

	target_populate(sc, &g, "drop1:80", &a, &r);
	CHECK_INT(r.dropped, 1);
	CHECK_INT(r.labels.n, 0);
	CHECK_STR(labels_get(&r.discovered, "__meta_filepath"), "/sd/t.json");
	CHECK_STR(labels_get(&r.discovered, "__param_module"), "http_2xx");

	target_populate(sc, &g, "empty", &a, &r);
	CHECK_STR(r.error, "no address");
	CHECK_INT(r.discovered.n, 0);
	target_populate(sc, &g, "url", &a, &r);
	CHECK_STR(r.error, "\"http://x/y\" is not a valid hostname");
	target_populate(sc, &g, "bigto", &a, &r);
	CHECK_STR(r.error, "scrape timeout cannot be greater than scrape interval (\"1h\" > \"1m\")");
	target_populate(sc, &g, "zero", &a, &r);
	CHECK_STR(r.error, "scrape interval cannot be 0");
	target_populate(sc, &g, "badiv", &a, &r);
	CHECK(r.error && strstr(r.error, "error parsing scrape interval") == r.error);

	/* __meta_ labels removed after relabeling, others kept;
	 * __param_target from relabeling goes into the URL. */
	target_populate(sc, &g, "host:9115", &a, &r);
	CHECK(r.error == NULL);
	CHECK(labels_get(&r.labels, "__meta_filepath") == NULL);
	CHECK_STR(labels_get(&r.labels, "filepath"), "/sd/t.json");
	CHECK_STR(labels_get(&r.labels, "__param_target"), "host:9115");
	CHECK_STR(target_url(&r.labels, sc, &a),
		  "http://host:9115/metrics?a+b=x%26y&module=http_2xx&module=second&target=host%3A9115");

	target_populate(sc, &g, "https", &a, &r);
	CHECK_STR(labels_get(&r.labels, "__address__"), "https:443");
	target_populate(sc, &g, "inst", &a, &r);
	CHECK_STR(labels_get(&r.labels, "instance"), "mine");
	CHECK_STR(labels_get(&r.labels, "__address__"), "inst:80");
	arena_free(&a);
	prom_config_free(c);
}

TEST(target_group_labels_do_not_override_defaults_set_by_group)
{
	/* A group that sets __metrics_path__ or job keeps its value. */
	struct prom_config *c = load("scrape_configs:\n"
				     "  - job_name: j\n"
				     "    static_configs: [{targets: ['h:1'], labels: {__metrics_path__: /probe, job: other, __scheme__: https}}]\n");
	CHECK(c != NULL);
	const struct prom_scrape_config *sc = &c->scrape_configs[0];
	struct arena a = ARENA_INIT;
	struct target_result r;
	target_populate(sc, &sc->static_configs[0].labels, "h:1", &a, &r);
	CHECK_STR(labels_get(&r.labels, "job"), "other");
	CHECK_STR(target_url(&r.labels, sc, &a), "https://h:1/probe");
	arena_free(&a);
	prom_config_free(c);
}

/* The labels and scrape URLs below were read from /api/v1/targets of
 * Debian's Prometheus 2.42 (/usr/bin/prometheus) running
 * tests/unit/data/promconfig/good/relabel_observed.yml: hashmod values,
 * Go's Expand rules ("$1x", "$$"), labelmap, case mapping, default ports,
 * query encoding. */
TEST(target_matches_prometheus_2_42_observed)
{
	char path[512];
	snprintf(path, sizeof path, "%s/promconfig/good/relabel_observed.yml", unit_data_dir());
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	int rc = prom_config_load(path, &c, &err);
	if (rc)
		fprintf(stderr, "%s", err.p);
	CHECK_INT(rc, 0);
	const struct prom_scrape_config *sc = &c->scrape_configs[0];
	static const struct {
		const char *addr, *labels, *url;
	} want[] = {
		{ "node1:9100",
		  "{env=\"prod\", hp=\"9100@node1--$\", instance=\"node1:9100\", job=\"rl\", low=\"eu-wörld\", "
		  "m_zone=\"Eu-WÖRLD\", shard=\"15\", shard4=\"1\", up=\"EU-WÖRLD\"}",
		  "http://node1:9100/metrics?a+b=x%26y&module=http_2xx&module=second&target=node1%3A9100" },
		{ "localhost:9100",
		  "{env=\"prod\", hp=\"9100@localhost--$\", instance=\"localhost:9100\", job=\"rl\", "
		  "low=\"eu-wörld\", m_zone=\"Eu-WÖRLD\", shard=\"9\", shard4=\"3\", up=\"EU-WÖRLD\"}",
		  "http://localhost:9100/metrics?a+b=x%26y&module=http_2xx&module=second&target=localhost%3A9100" },
		{ "example.com",
		  "{env=\"prod\", instance=\"example.com:80\", job=\"rl\", low=\"eu-wörld\", m_zone=\"Eu-WÖRLD\", "
		  "shard=\"13\", shard4=\"2\", up=\"EU-WÖRLD\"}",
		  "http://example.com:80/metrics?a+b=x%26y&module=http_2xx&module=second&target=example.com" },
		{ "[::1]",
		  "{env=\"prod\", instance=\"[::1]:80\", job=\"rl\", low=\"eu-wörld\", m_zone=\"Eu-WÖRLD\", "
		  "shard=\"5\", shard4=\"0\", up=\"EU-WÖRLD\"}",
		  "http://[::1]:80/metrics?a+b=x%26y&module=http_2xx&module=second&target=%5B%3A%3A1%5D" },
	};
	struct arena a = ARENA_INIT;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct target_result r;
		target_populate(sc, &sc->static_configs[0].labels, want[i].addr, &a, &r);
		CHECK(r.error == NULL);
		struct labels pub = target_public_labels(&r.labels, &a);
		CHECK_STR(fmt(&a, &pub), want[i].labels);
		CHECK_STR(target_url(&r.labels, sc, &a), want[i].url);
	}
	arena_free(&a);
	prom_config_free(c);
	buf_free(&err);
}

TEST(target_alertmanager_urls_as_notifier)
{
	struct prom_config *c = load("alerting:\n"
				     "  alertmanagers:\n"
				     "    - static_configs: [{targets: ['localhost:9093']}]\n"
				     "    - scheme: https\n"
				     "      path_prefix: am/../alertmanager/\n"
				     "      api_version: v1\n"
				     "      static_configs: [{targets: ['a:1', 'drop:1']}]\n"
				     "      relabel_configs:\n"
				     "        - {source_labels: [__address__], regex: 'drop.*', action: drop}\n");
	CHECK(c != NULL);
	struct arena a = ARENA_INIT;
	struct target_result r;
	const char *url;
	target_alertmanager(&c->alertmanagers[0], &c->alertmanagers[0].static_configs[0].labels,
			    "localhost:9093", &a, &r, &url);
	CHECK(r.error == NULL && !r.dropped);
	CHECK_STR(url, "http://localhost:9093/api/v2/alerts");
	target_alertmanager(&c->alertmanagers[1], NULL, "a:1", &a, &r, &url);
	CHECK_STR(url, "https://a:1/alertmanager/api/v1/alerts");
	target_alertmanager(&c->alertmanagers[1], NULL, "drop:1", &a, &r, &url);
	CHECK_INT(r.dropped, 1);
	CHECK(url == NULL);
	arena_free(&a);
	prom_config_free(c);
}
