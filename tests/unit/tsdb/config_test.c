/* config_test.c - prometheus.yml loading: defaults, every section, and the
 * directories of good and bad files in tests/unit/data/promconfig/ (the
 * same files tests/integration/test_tsdb_config_promtool.py gives to
 * promtool, so pharos and promtool are shown to agree on them). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/tsdb/config.h"
#include "../unit.h"

static struct prom_config *parse_ok(const char *text, struct buf *err)
{
	struct prom_config *c = NULL;
	buf_reset(err);
	if (prom_config_parse("/etc/pharos/prometheus.yml", text, strlen(text), &c, err) != 0)
		return NULL;
	return c;
}

TEST(config_defaults_of_an_empty_file)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = parse_ok("", &err);
	CHECK(c != NULL);
	CHECK_INT(c->global.scrape_interval_ms, 60000);
	CHECK_INT(c->global.scrape_timeout_ms, 10000);
	CHECK_INT(c->global.evaluation_interval_ms, 60000);
	CHECK_INT(c->nscrape_configs, 0);
	CHECK_INT(c->global.external_labels.n, 0);
	CHECK_STR(c->dir, "/etc/pharos");
	CHECK_INT(c->storage_max_exemplars, -1);
	prom_config_free(c);
	buf_free(&err);
}

TEST(config_seed_tutorial_loads)
{
	const char *seed = "global:\n"
			   "  scrape_interval: 15s\n"
			   "\n"
			   "scrape_configs:\n"
			   "  - job_name: 'node'\n"
			   "    static_configs:\n"
			   "      - targets: ['localhost:9100']\n"
			   "\n"
			   "alerting:\n"
			   "  alertmanagers:\n"
			   "    - static_configs:\n"
			   "        - targets: ['localhost:9093']\n"
			   "\n"
			   "rule_files:\n"
			   "  - \"alert.rules.yml\"\n";
	struct buf err = BUF_INIT;
	struct prom_config *c = parse_ok(seed, &err);
	if (!c)
		fprintf(stderr, "%s", err.p);
	CHECK(c != NULL);
	CHECK_INT(c->global.scrape_interval_ms, 15000);
	CHECK_INT(c->global.scrape_timeout_ms, 10000);
	CHECK_INT(c->nscrape_configs, 1);
	const struct prom_scrape_config *sc = &c->scrape_configs[0];
	CHECK_STR(sc->job_name, "node");
	CHECK_INT(sc->scrape_interval_ms, 15000);
	CHECK_INT(sc->scrape_timeout_ms, 10000);
	CHECK_STR(sc->metrics_path, "/metrics");
	CHECK_STR(sc->scheme, "http");
	CHECK_INT(sc->honor_labels, 0);
	CHECK_INT(sc->honor_timestamps, 1);
	CHECK_INT(sc->http.follow_redirects, 1);
	CHECK_INT(sc->http.enable_http2, 1);
	CHECK_INT(sc->nstatic_configs, 1);
	CHECK_INT(sc->static_configs[0].ntargets, 1);
	CHECK_STR(sc->static_configs[0].targets[0], "localhost:9100");
	CHECK_STR(sc->static_configs[0].source, "0");
	CHECK_INT(sc->line, 5);
	CHECK_INT(sc->col, 5);
	CHECK_INT(c->nalertmanagers, 1);
	CHECK_STR(c->alertmanagers[0].scheme, "http");
	CHECK_STR(c->alertmanagers[0].api_version, "v2");
	CHECK_INT(c->alertmanagers[0].timeout_ms, 10000);
	CHECK_STR(c->alertmanagers[0].static_configs[0].targets[0], "localhost:9093");
	CHECK_INT(c->nrule_files, 1);
	CHECK_STR(c->rule_files[0], "/etc/pharos/alert.rules.yml");
	CHECK(c->text_len == strlen(seed) && strcmp(c->text, seed) == 0);
	CHECK(prom_config_job(c, "node") == sc);
	CHECK(prom_config_job(c, "nope") == NULL);
	prom_config_free(c);
	buf_free(&err);
}

TEST(config_scrape_timeout_inherits_as_prometheus)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = parse_ok("global: {scrape_interval: 1m, scrape_timeout: 30s}\n"
					 "scrape_configs:\n"
					 "  - job_name: fast\n"
					 "    scrape_interval: 5s\n"
					 "  - job_name: slow\n"
					 "  - job_name: own\n"
					 "    scrape_interval: 2m\n"
					 "    scrape_timeout: 2m\n",
					 &err);
	CHECK(c != NULL);
	CHECK_INT(c->scrape_configs[0].scrape_interval_ms, 5000);
	CHECK_INT(c->scrape_configs[0].scrape_timeout_ms, 5000); /* capped at the interval */
	CHECK_INT(c->scrape_configs[1].scrape_interval_ms, 60000);
	CHECK_INT(c->scrape_configs[1].scrape_timeout_ms, 30000);
	CHECK_INT(c->scrape_configs[2].scrape_timeout_ms, 120000);
	prom_config_free(c);
	/* A global interval below the default timeout caps the timeout. */
	c = parse_ok("global: {scrape_interval: 4s}\n", &err);
	CHECK(c != NULL);
	CHECK_INT(c->global.scrape_timeout_ms, 4000);
	prom_config_free(c);
	buf_free(&err);
}

TEST(config_every_scrape_field)
{
	struct buf err = BUF_INIT;
	char path[512];
	snprintf(path, sizeof path, "%s/promconfig/good/full.yml", unit_data_dir());
	struct prom_config *c = NULL;
	int rc = prom_config_load(path, &c, &err);
	if (rc)
		fprintf(stderr, "%s", err.p);
	CHECK_INT(rc, 0);
	CHECK_INT(c->global.evaluation_interval_ms, 30000);
	CHECK_STR(labels_get(&c->global.external_labels, "monitor"), "pharos");
	CHECK_INT(c->nalert_relabel_configs, 1);
	CHECK_INT(c->alert_relabel_configs[0]->action, RELABEL_DROP);
	CHECK_STR(c->alertmanagers[0].path_prefix, "/am");
	CHECK_INT(c->alertmanagers[0].timeout_ms, 5000);
	CHECK_INT(c->alertmanagers[0].nrelabel_configs, 1);

	const struct prom_scrape_config *sc = prom_config_job(c, "node");
	CHECK(sc != NULL);
	CHECK_INT(sc->scrape_interval_ms, 5000);
	CHECK_INT(sc->scrape_timeout_ms, 3000);
	CHECK_STR(sc->scheme, "https");
	CHECK_INT(sc->honor_labels, 1);
	CHECK_INT(sc->honor_timestamps, 0);
	CHECK_INT(sc->nparams, 2);
	CHECK_STR(sc->params[0].name, "module");
	CHECK_INT(sc->params[0].nvalues, 2);
	CHECK_STR(sc->params[0].values[1], "extra");
	CHECK_STR(sc->params[1].name, "collect[]");
	CHECK(sc->http.basic_auth != NULL);
	CHECK_STR(sc->http.basic_auth->username, "alice");
	CHECK_STR(sc->http.basic_auth->password, "secret");
	CHECK(sc->http.authorization == NULL);
	CHECK_STR(sc->http.tls.server_name, "node.example");
	CHECK_INT(sc->http.tls.insecure_skip_verify, 1);
	CHECK_STR(sc->http.tls.min_version, "TLS12");
	CHECK_INT(sc->http.follow_redirects, 0);
	CHECK_INT(sc->http.enable_http2, 0);
	CHECK_INT(sc->sample_limit, 10000);
	CHECK_INT(sc->label_limit, 64);
	CHECK_INT(sc->label_name_length_limit, 128);
	CHECK_INT(sc->label_value_length_limit, 1024);
	CHECK_INT(sc->target_limit, 100);
	CHECK_INT(sc->body_size_limit, 10 << 20);
	CHECK_INT(sc->nstatic_configs, 2);
	CHECK_STR(labels_get(&sc->static_configs[0].labels, "team"), "infra");
	CHECK_STR(sc->static_configs[1].targets[0], "node3");
	CHECK_INT(sc->nfile_sd_configs, 1);
	CHECK_INT(sc->file_sd_configs[0].nfiles, 2);
	CHECK(strstr(sc->file_sd_configs[0].files[0], "promconfig/good/targets/*.json") != NULL);
	CHECK_INT(sc->file_sd_configs[0].refresh_interval_ms, 60000);
	CHECK_INT(sc->nrelabel_configs, 2);
	CHECK_INT(sc->relabel_configs[1]->action, RELABEL_HASHMOD);
	CHECK_INT(sc->relabel_configs[1]->modulus, 4);
	CHECK_INT(sc->nmetric_relabel_configs, 1);

	sc = prom_config_job(c, "bearer");
	CHECK(sc && sc->http.authorization);
	CHECK_STR(sc->http.authorization->type, "Bearer");
	CHECK_STR(sc->http.authorization->credentials, "abc");
	CHECK_STR(sc->http.proxy_url, "http://proxy:3128");
	sc = prom_config_job(c, "legacy-bearer");
	CHECK(sc && sc->http.authorization);
	CHECK_STR(sc->http.authorization->type, "Bearer");
	CHECK_STR(sc->http.authorization->credentials, "xyz");
	sc = prom_config_job(c, "cred-type");
	CHECK(sc && sc->http.authorization);
	CHECK_STR(sc->http.authorization->type, "Token");

	CHECK_INT(c->nremote_write, 2);
	const struct prom_remote_write *rw = &c->remote_write[0];
	CHECK_STR(rw->url, "http://remote:9201/api/v1/write");
	CHECK_STR(rw->name, "primary");
	CHECK_INT(rw->remote_timeout_ms, 10000);
	CHECK_INT(rw->nheaders, 1);
	CHECK_STR(rw->headers[0].name, "X-Scope-OrgID");
	CHECK_STR(rw->headers[0].value, "tenant1");
	CHECK_INT(rw->send_exemplars, 1);
	CHECK_INT(rw->nwrite_relabel_configs, 1);
	CHECK_STR(rw->http.basic_auth->username, "u");
	CHECK_INT(rw->queue.capacity, 10000);
	CHECK_INT(rw->queue.max_shards, 50);
	CHECK_INT(rw->queue.min_shards, 2);
	CHECK_INT(rw->queue.max_samples_per_send, 2000);
	CHECK_INT(rw->queue.batch_send_deadline_ms, 10000);
	CHECK_INT(rw->queue.min_backoff_ms, 100);
	CHECK_INT(rw->queue.max_backoff_ms, 10000);
	CHECK_INT(rw->queue.retry_on_http_429, 1);
	CHECK_INT(rw->metadata.send, 0);
	CHECK_INT(rw->metadata.send_interval_ms, 120000);
	rw = &c->remote_write[1];
	CHECK_INT(rw->remote_timeout_ms, 30000);
	CHECK_INT(rw->queue.capacity, 2500);
	CHECK_INT(rw->queue.max_shards, 200);
	CHECK_INT(rw->queue.min_shards, 1);
	CHECK_INT(rw->queue.max_samples_per_send, 500);
	CHECK_INT(rw->queue.batch_send_deadline_ms, 5000);
	CHECK_INT(rw->queue.min_backoff_ms, 30);
	CHECK_INT(rw->queue.max_backoff_ms, 5000);
	CHECK_INT(rw->metadata.send, 1);
	CHECK_INT(rw->metadata.send_interval_ms, 60000);
	CHECK_INT(rw->metadata.max_samples_per_send, 500);
	CHECK_INT(c->nremote_read, 1);
	CHECK_INT(c->remote_read[0].read_recent, 1);
	CHECK_INT(c->storage_out_of_order_time_window_ms, 600000);
	CHECK_INT(c->storage_max_exemplars, 1000);
	prom_config_free(c);
	buf_free(&err);
}

TEST(config_durations_format_as_prometheus)
{
	char b[32];
	CHECK_STR(prom_duration_format(0, b, sizeof b), "0s");
	CHECK_STR(prom_duration_format(15000, b, sizeof b), "15s");
	CHECK_STR(prom_duration_format(90000, b, sizeof b), "1m30s");
	CHECK_STR(prom_duration_format(60000, b, sizeof b), "1m");
	CHECK_STR(prom_duration_format(1500, b, sizeof b), "1s500ms");
	CHECK_STR(prom_duration_format(14LL * 86400000, b, sizeof b), "2w");
	CHECK_STR(prom_duration_format(90LL * 86400000, b, sizeof b), "90d");
	CHECK_STR(prom_duration_format(365LL * 86400000, b, sizeof b), "1y");
	CHECK_STR(prom_duration_format(3600000 + 1, b, sizeof b), "1h1ms");
}

TEST(config_byte_sizes_as_go_units)
{
	uint64_t v;
	CHECK(prom_parse_bytes("10MB", &v) == 0 && v == 10u << 20);
	CHECK(prom_parse_bytes("1KiB", &v) == 0 && v == 1024);
	CHECK(prom_parse_bytes("512B", &v) == 0 && v == 512);
	CHECK(prom_parse_bytes("1GB", &v) == 0 && v == 1u << 30);
	CHECK(prom_parse_bytes("1.5KB", &v) == 0 && v == 1536);
	CHECK(prom_parse_bytes("1MB512KB", &v) == 0 && v == (1u << 20) + (512u << 10));
	CHECK(prom_parse_bytes("0", &v) == 0 && v == 0);
	CHECK(prom_parse_bytes("10XB", &v) < 0);
	CHECK(prom_parse_bytes("MB", &v) < 0);
	CHECK(prom_parse_bytes("", &v) < 0);
	CHECK(prom_parse_bytes("99999999999EB", &v) < 0);
}

TEST(config_errors_name_file_line_col)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	const char *y = "scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n";
	CHECK(prom_config_parse("p.yml", y, strlen(y), &c, &err) == -EINVAL);
	CHECK(c == NULL);
	CHECK_STR(err.p, "p.yml:3:5: unknown field \"scrape_intervall\"\n");
	buf_free(&err);
}

TEST(config_load_missing_file)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	CHECK(prom_config_load("/nonexistent/prometheus.yml", &c, &err) == -ENOENT);
	CHECK(strstr(err.p, "/nonexistent/prometheus.yml") != NULL);
	buf_free(&err);
}

TEST(config_relative_paths_join_the_config_dir)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = parse_ok("scrape_configs:\n"
					 "  - job_name: a\n"
					 "    tls_config: {ca_file: ca.pem, cert_file: /abs/c.pem, key_file: k.pem}\n"
					 "    basic_auth: {username: u, password_file: pw}\n"
					 "    file_sd_configs: [{files: [sd/*.json]}]\n"
					 "  - job_name: b\n"
					 "    bearer_token_file: tok\n",
					 &err);
	CHECK(c != NULL);
	const struct prom_scrape_config *sc = &c->scrape_configs[0];
	CHECK_STR(sc->http.tls.ca_file, "/etc/pharos/ca.pem");
	CHECK_STR(sc->http.tls.cert_file, "/abs/c.pem");
	CHECK_STR(sc->http.tls.key_file, "/etc/pharos/k.pem");
	CHECK_STR(sc->http.basic_auth->password_file, "/etc/pharos/pw");
	CHECK_STR(sc->file_sd_configs[0].files[0], "/etc/pharos/sd/*.json");
	CHECK_INT(sc->file_sd_configs[0].refresh_interval_ms, 300000);
	CHECK_STR(c->scrape_configs[1].http.authorization->credentials_file, "/etc/pharos/tok");
	prom_config_free(c);
	buf_free(&err);
}

TEST(config_many_errors_reported_at_once)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	const char *y = "global: {scrape_intervall: 1m}\n"
			"scrape_configs:\n"
			"  - job_name: a\n"
			"    relabel_configs: [{action: nope}]\n"
			"  - job_name: a\n";
	CHECK(prom_config_parse("m.yml", y, strlen(y), &c, &err) == -EINVAL);
	CHECK(strstr(err.p, "m.yml:1:10: unknown field") != NULL);
	CHECK(strstr(err.p, "m.yml:4:32: unknown relabel action \"nope\"") != NULL);
	CHECK(strstr(err.p, "m.yml:5:5: found multiple scrape configs") != NULL);
	buf_free(&err);
}

/* Load every file of a directory; for bad ones the first line says
 * "# error: LINE:COL: text" and one error line must be
 * "<file>:LINE:COL: ...text...". Returns the number of files checked. */
static int check_dir(const char *sub, int want_ok)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/promconfig/%s", unit_data_dir(), sub);
	DIR *d = opendir(dir);
	if (!d) {
		unit_fail(__FILE__, __LINE__, "cannot open %s", dir);
		return -1;
	}
	struct dirent *e;
	int n = 0, bad = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".yml") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct buf err = BUF_INIT;
		struct prom_config *c = NULL;
		int rc = prom_config_load(path, &c, &err);
		n++;
		if (want_ok) {
			if (rc != 0) {
				unit_fail(__FILE__, __LINE__, "%s: should load, got:\n%s", path, err.p);
				bad++;
			}
			prom_config_free(c);
			buf_free(&err);
			continue;
		}
		FILE *f = fopen(path, "r");
		char first[512] = "";
		if (f) {
			if (!fgets(first, sizeof first, f))
				first[0] = 0;
			fclose(f);
		}
		first[strcspn(first, "\n")] = 0;
		int line = 0, col = 0, off = 0;
		if (sscanf(first, "# error: %d:%d: %n", &line, &col, &off) < 2) {
			if (sscanf(first, "# error: %d:%n", &line, &off) < 1) {
				unit_fail(__FILE__, __LINE__, "%s: no '# error: L:C: text' line", path);
				bad++;
				buf_free(&err);
				prom_config_free(c);
				continue;
			}
		}
		const char *want = first + off;
		char prefix[1100];
		if (col)
			snprintf(prefix, sizeof prefix, "%s:%d:%d: ", path, line, col);
		else
			snprintf(prefix, sizeof prefix, "%s:%d:", path, line);
		int found = 0;
		for (char *p = err.p; rc != 0 && p && *p;) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = 0;
			if (strncmp(p, prefix, strlen(prefix)) == 0 && strstr(p, want))
				found = 1;
			if (nl)
				*nl = '\n';
			p = nl ? nl + 1 : NULL;
		}
		if (rc == 0 || !found) {
			unit_fail(__FILE__, __LINE__, "%s: want error \"%s%s\", got rc %d:\n%s", path,
				  prefix, want, rc, err.p ? err.p : "");
			prom_config_free(c);
			bad++;
		}
		buf_free(&err);
	}
	closedir(d);
	return bad ? -1 : n;
}

TEST(config_good_directory_loads)
{
	int n = check_dir("good", 1);
	CHECK(n >= 5);
}

TEST(config_bad_directory_fails_where_expected)
{
	int n = check_dir("bad", 0);
	CHECK(n >= 30);
}

TEST(config_unsupported_directory_fails_where_expected)
{
	int n = check_dir("unsupported", 0);
	CHECK(n >= 1);
}

TEST(config_aliases_cannot_blow_up_the_load)
{
	/* One list of 1000 targets named 1000 times by alias. */
	struct buf y = BUF_INIT;
	buf_puts(&y, "x: &t [");
	for (int i = 0; i < 1000; i++)
		buf_printf(&y, "%s'h%d:1'", i ? "," : "", i);
	buf_puts(&y, "]\n");
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	CHECK(prom_config_parse("a.yml", y.p, y.len, &c, &err) == -EINVAL); /* x is unknown */
	buf_reset(&y);
	buf_puts(&y, "scrape_configs:\n  - job_name: j\n    static_configs:\n");
	buf_puts(&y, "      - targets: &t [");
	for (int i = 0; i < 1000; i++)
		buf_printf(&y, "%s'h%d:1'", i ? "," : "", i);
	buf_puts(&y, "]\n");
	for (int i = 0; i < 1000; i++)
		buf_puts(&y, "      - targets: *t\n");
	buf_reset(&err);
	CHECK(prom_config_parse("a.yml", y.p, y.len, &c, &err) == -EINVAL);
	CHECK(strstr(err.p, "configuration too large") != NULL);
	buf_free(&y);
	buf_free(&err);
}

TEST(config_warnings_for_what_pharos_ignores)
{
	struct buf err = BUF_INIT, w = BUF_INIT;
	struct prom_config *c = parse_ok("remote_read: [{url: 'http://r/read'}]\n"
					 "scrape_configs:\n"
					 "  - job_name: p\n"
					 "    proxy_url: http://proxy:3128\n",
					 &err);
	CHECK(c != NULL);
	prom_config_warnings(c, &w);
	CHECK(strstr(w.p, "/etc/pharos/prometheus.yml: remote_read is ignored by pharos (1 entry)") != NULL);
	CHECK(strstr(w.p, "/etc/pharos/prometheus.yml:3:5: job \"p\": proxy_url is not supported") != NULL);
	prom_config_free(c);
	buf_reset(&w);
	c = parse_ok("scrape_configs: [{job_name: x}]\n", &err);
	CHECK(c != NULL);
	prom_config_warnings(c, &w);
	CHECK_INT(w.len, 0);
	prom_config_free(c);
	buf_free(&w);
	buf_free(&err);
}

/* The YAML Prometheus 2.42 printed at /api/v1/status/config for each of
 * these files (loaded as "<name>.yml" from its own directory) is in
 * promconfig/marshal/<name>.yml.out; pharos must print the same. */
TEST(config_marshal_as_prometheus_status_config)
{
	static const char *const names[] = { "seed", "full", "relabel_actions", "global_only",
					     "intervals" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[512], name[64];
		snprintf(path, sizeof path, "%s/promconfig/good/%s.yml", unit_data_dir(), names[i]);
		snprintf(name, sizeof name, "%s.yml", names[i]);
		struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT, err = BUF_INIT;
		FILE *f = fopen(path, "r");
		CHECK(f != NULL);
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_put(&in, chunk, n);
		fclose(f);
		snprintf(path, sizeof path, "%s/promconfig/marshal/%s.yml.out", unit_data_dir(), names[i]);
		f = fopen(path, "r");
		CHECK(f != NULL);
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_put(&want, chunk, n);
		fclose(f);
		/* The API's "yaml" field has no final blank line; the file has
		 * the newline that echo added. */
		while (want.len && want.p[want.len - 1] == '\n')
			want.p[--want.len] = 0;
		struct prom_config *c = NULL;
		CHECK_INT(prom_config_parse(name, in.p, in.len, &c, &err), 0);
		prom_config_marshal(c, &got);
		while (got.len && got.p[got.len - 1] == '\n')
			got.p[--got.len] = 0;
		if (strcmp(got.p, want.p) != 0) {
			size_t k = 0;
			while (got.p[k] && got.p[k] == want.p[k])
				k++;
			unit_fail(__FILE__, __LINE__, "%s: differs at byte %zu:\n--- got:\n%.200s\n--- want:\n%.200s",
				  names[i], k, got.p + (k > 60 ? k - 60 : 0), want.p + (k > 60 ? k - 60 : 0));
		}
		prom_config_free(c);
		buf_free(&in);
		buf_free(&want);
		buf_free(&got);
		buf_free(&err);
	}
}

/* What pharos writes back loads again and is written the same way, for
 * files without Prometheus's own round-trip quirks, which pharos keeps:
 * keepequal/dropequal rules are written with default fields they then
 * refuse, tls_config min_version as a number (771), storage.tsdb with an
 * extra "outofordertimewindow" key. */
TEST(config_marshal_round_trips)
{
	char rel[512], dir[PATH_MAX];
	snprintf(rel, sizeof rel, "%s/promconfig/good", unit_data_dir());
	/* Absolute, so that paths joined at the first load stay as they are. */
	CHECK(realpath(rel, dir) != NULL);
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".yml") || strcmp(e->d_name, "relabel_actions.yml") == 0 ||
		    strcmp(e->d_name, "full.yml") == 0)
			continue;
		char path[PATH_MAX + 512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct buf err = BUF_INIT, y1 = BUF_INIT, y2 = BUF_INIT;
		struct prom_config *c = NULL, *c2 = NULL;
		int ok = prom_config_load(path, &c, &err) == 0;
		if (ok) {
			prom_config_marshal(c, &y1);
			ok = prom_config_parse(path, y1.p, y1.len, &c2, &err) == 0;
		}
		if (ok) {
			prom_config_marshal(c2, &y2);
			ok = strcmp(y1.p, y2.p) == 0;
		}
		if (!ok)
			unit_fail(__FILE__, __LINE__, "%s: round trip failed:\n%s\n%s", path,
				  err.p ? err.p : "", y1.p ? y1.p : "");
		prom_config_free(c);
		prom_config_free(c2);
		buf_free(&err);
		buf_free(&y1);
		buf_free(&y2);
		n++;
	}
	closedir(d);
	CHECK(n >= 5);
}

TEST(config_merge_keys_as_yaml_v2)
{
	char path[512];
	snprintf(path, sizeof path, "%s/promconfig/good/anchors_merge.yml", unit_data_dir());
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	int rc = prom_config_load(path, &c, &err);
	if (rc)
		fprintf(stderr, "%s", err.p);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nscrape_configs, 3);
	const struct prom_scrape_config *eu = prom_config_job(c, "node-eu");
	CHECK(eu != NULL);
	CHECK_INT(eu->scrape_interval_ms, 30000);          /* merged */
	CHECK_INT(eu->nrelabel_configs, 1);                /* merged */
	CHECK_STR(eu->static_configs[0].targets[0], "n2:9100"); /* its own wins */
	CHECK_INT(prom_config_job(c, "other")->nrelabel_configs, 1);
	prom_config_free(c);
	/* A merge of something that is not a map. */
	const char *y = "scrape_configs:\n  - <<: 3\n    job_name: a\n";
	buf_reset(&err);
	CHECK(prom_config_parse("m.yml", y, strlen(y), &c, &err) == -EINVAL);
	CHECK_STR(err.p, "m.yml:2:9: map merge requires map or sequence of maps as the value\n");
	buf_free(&err);
}

TEST(config_paths_next_to_a_config_in_the_root)
{
	struct buf err = BUF_INIT;
	struct prom_config *c = NULL;
	const char *y = "rule_files: [a.yml]\n";
	CHECK_INT(prom_config_parse("/prometheus.yml", y, strlen(y), &c, &err), 0);
	CHECK_STR(c->dir, "/");
	CHECK_STR(c->rule_files[0], "/a.yml");
	prom_config_free(c);
	CHECK_INT(prom_config_parse("prometheus.yml", y, strlen(y), &c, &err), 0);
	CHECK_STR(c->rule_files[0], "a.yml"); /* relative to the working directory, as Prometheus */
	prom_config_free(c);
	buf_free(&err);
}
