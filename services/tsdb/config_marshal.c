/* config_marshal.c - the loaded config written back as YAML the way
 * Prometheus 2.42 shows it at /api/v1/status/config: every default filled
 * in, secrets as <secret>, fields in Prometheus's order. The layout was
 * checked against the output of Prometheus 2.42 for the files in
 * tests/unit/data/promconfig/good/ (see config_test.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

/* ---- scalars: plain when YAML reads them back as the same string ---- */

/* Would YAML 1.1 (Go's yaml.v2) read s as something other than a string:
 * null, a bool, a number? Then it must be quoted. */
static int resolves_to_non_string(const char *s)
{
	static const char *const words[] = {
		"", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
		"NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off",
		"Off", "OFF", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
		"-.INF", ".nan", ".NaN", ".NAN", "<<", NULL
	};
	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	/* Numbers: [-+]digits[.digits][e[-+]digits], 0x.., 0b.., with '_' and ':' (base 60). */
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'b' || p[1] == 'o') && p[2]) {
		for (const char *q = p + 2; *q; q++)
			if (!strchr("0123456789abcdefABCDEF_", *q))
				return 0;
		return 1;
	}
	int digits = 0, dot = 0, exp = 0;
	for (const char *q = p; *q; q++) {
		if ((*q >= '0' && *q <= '9') || *q == '_' || *q == ':')
			digits++;
		else if (*q == '.' && !dot && !exp)
			dot = 1;
		else if ((*q == 'e' || *q == 'E') && digits && !exp) {
			exp = 1;
			if (q[1] == '+' || q[1] == '-')
				q++;
		} else
			return 0;
	}
	return digits > 0;
}

/* May s be written plain (libyaml's analysis, simplified)? */
static int plain_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	if (strchr("[]{},#&*!|>'\"%@`", s[0]))
		return 0;
	if ((s[0] == '-' || s[0] == '?' || s[0] == ':') && (n == 1 || s[1] == ' '))
		return 0;
	if (s[n - 1] == ':')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c == ':' && s[i + 1] == ' ')
			return 0;
		if (c == '#' && i > 0 && s[i - 1] == ' ')
			return 0;
	}
	return 1;
}

/* For flow sequences ([a, b]) the flow indicators matter too. */
static int plain_ok_flow(const char *s)
{
	return plain_ok(s) && !strpbrk(s, ",[]{}");
}

static void scalar(struct buf *o, const char *s, int flow)
{
	if (resolves_to_non_string(s)) {
		buf_putc(o, '"');
		buf_puts(o, s);
		buf_putc(o, '"');
		return;
	}
	if (flow ? plain_ok_flow(s) : plain_ok(s)) {
		buf_puts(o, s);
		return;
	}
	int special = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		special |= *p < 0x20 || *p == 0x7f;
	if (!special) {
		buf_putc(o, '\'');
		for (const char *p = s; *p; p++) {
			if (*p == '\'')
				buf_putc(o, '\'');
			buf_putc(o, *p);
		}
		buf_putc(o, '\'');
		return;
	}
	buf_putc(o, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(o, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(o, "\\n");
		else if (*p == '\t')
			buf_puts(o, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(o, "\\x%02X", *p);
		else
			buf_putc(o, (char)*p);
	}
	buf_putc(o, '"');
}

static void ind(struct buf *o, int n)
{
	for (int i = 0; i < n; i++)
		buf_putc(o, ' ');
}

static void kv(struct buf *o, int n, const char *k, const char *v)
{
	ind(o, n);
	buf_printf(o, "%s: ", k);
	scalar(o, v, 0);
	buf_putc(o, '\n');
}

static void kvd(struct buf *o, int n, const char *k, int64_t ms)
{
	char d[40];
	ind(o, n);
	buf_printf(o, "%s: %s\n", k, prom_duration_format(ms, d, sizeof d));
}

static void kvi(struct buf *o, int n, const char *k, long long v)
{
	ind(o, n);
	buf_printf(o, "%s: %lld\n", k, v);
}

static void kvb(struct buf *o, int n, const char *k, int v)
{
	ind(o, n);
	buf_printf(o, "%s: %s\n", k, v ? "true" : "false");
}

/* "- item" lines for a block sequence under a key at indent n. */
static void list(struct buf *o, int n, const char *k, const char *const *v, size_t cnt)
{
	ind(o, n);
	if (!cnt) {
		buf_printf(o, "%s: []\n", k);
		return;
	}
	buf_printf(o, "%s:\n", k);
	for (size_t i = 0; i < cnt; i++) {
		ind(o, n);
		buf_puts(o, "- ");
		scalar(o, v[i], 0);
		buf_putc(o, '\n');
	}
}

static void label_map(struct buf *o, int n, const char *k, const struct labels *l)
{
	if (!l->n)
		return;
	ind(o, n);
	buf_printf(o, "%s:\n", k);
	for (size_t i = 0; i < l->n; i++)
		kv(o, n + 2, l->v[i].name, l->v[i].value);
}

/* Go's units.Base2Bytes.String(): "10MiB", "1KiB512B". */
static void bytes_str(uint64_t v, char *out, size_t outlen)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	char part[7][32];
	int np = 0;
	for (int i = 0; i < 7 && v; i++) {
		uint64_t rem = i == 6 ? v : v % 1024;
		v = i == 6 ? 0 : v / 1024;
		part[i][0] = 0;
		if (rem)
			snprintf(part[i], sizeof part[i], "%llu%s", (unsigned long long)rem, unit[i]);
		np = i + 1;
	}
	out[0] = 0;
	size_t len = 0;
	for (int i = np - 1; i >= 0; i--)
		len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0, "%s", part[i]);
}

/* ---- sections ---- */

static void relabels(struct buf *o, int n, const char *k, const struct relabel_config *const *rc,
		     size_t cnt)
{
	if (!cnt)
		return;
	ind(o, n);
	buf_printf(o, "%s:\n", k);
	for (size_t i = 0; i < cnt; i++) {
		const struct relabel_config *r = rc[i];
		int first = 1;
#define LEAD() (ind(o, n), buf_puts(o, first ? "- " : "  "), first = 0)
		if (r->nsource) {
			LEAD();
			buf_puts(o, "source_labels: [");
			for (size_t j = 0; j < r->nsource; j++) {
				if (j)
					buf_puts(o, ", ");
				scalar(o, r->source_labels[j], 1);
			}
			buf_puts(o, "]\n");
		}
		LEAD();
		buf_puts(o, "separator: ");
		scalar(o, r->separator, 0);
		buf_putc(o, '\n');
		if (*r->regex) {
			LEAD();
			buf_puts(o, "regex: ");
			scalar(o, r->regex, 0);
			buf_putc(o, '\n');
		}
		if (r->modulus) {
			LEAD();
			buf_printf(o, "modulus: %llu\n", (unsigned long long)r->modulus);
		}
		if (*r->target_label) {
			LEAD();
			buf_puts(o, "target_label: ");
			scalar(o, r->target_label, 0);
			buf_putc(o, '\n');
		}
		LEAD();
		buf_puts(o, "replacement: ");
		scalar(o, r->replacement, 0);
		buf_putc(o, '\n');
		LEAD();
		buf_printf(o, "action: %s\n", relabel_action_name(r->action));
#undef LEAD
	}
}

static int tls_version_number(const char *v)
{
	return v ? 0x0301 + (v[4] - '0') : 0; /* TLS10 = 769 ... TLS13 = 772 */
}

static void http_client(struct buf *o, int n, const struct prom_http_client *h)
{
	if (h->basic_auth) {
		ind(o, n);
		buf_puts(o, "basic_auth:\n");
		kv(o, n + 2, "username", h->basic_auth->username);
		if (h->basic_auth->password)
			kv(o, n + 2, "password", "<secret>");
		if (h->basic_auth->password_file)
			kv(o, n + 2, "password_file", h->basic_auth->password_file);
	}
	if (h->authorization) {
		ind(o, n);
		buf_puts(o, "authorization:\n");
		kv(o, n + 2, "type", h->authorization->type);
		if (h->authorization->credentials)
			kv(o, n + 2, "credentials", "<secret>");
		if (h->authorization->credentials_file)
			kv(o, n + 2, "credentials_file", h->authorization->credentials_file);
	}
	if (h->proxy_url)
		kv(o, n, "proxy_url", h->proxy_url);
	const struct prom_tls_config *t = &h->tls;
	if (t->ca_file || t->cert_file || t->key_file || t->server_name ||
	    t->insecure_skip_verify || t->min_version) {
		ind(o, n);
		buf_puts(o, "tls_config:\n");
		if (t->ca_file)
			kv(o, n + 2, "ca_file", t->ca_file);
		if (t->cert_file)
			kv(o, n + 2, "cert_file", t->cert_file);
		if (t->key_file)
			kv(o, n + 2, "key_file", t->key_file);
		if (t->server_name)
			kv(o, n + 2, "server_name", t->server_name);
		kvb(o, n + 2, "insecure_skip_verify", t->insecure_skip_verify);
		if (t->min_version)
			kvi(o, n + 2, "min_version", tls_version_number(t->min_version));
	}
	kvb(o, n, "follow_redirects", h->follow_redirects);
	kvb(o, n, "enable_http2", h->enable_http2);
}

static void discovery(struct buf *o, int n, const struct prom_file_sd_config *fs, size_t nfs,
		      const struct prom_target_group *st, size_t nst)
{
	if (nfs) {
		ind(o, n);
		buf_puts(o, "file_sd_configs:\n");
		for (size_t i = 0; i < nfs; i++) {
			struct buf tmp = BUF_INIT;
			list(&tmp, 0, "files", fs[i].files, fs[i].nfiles);
			/* First line gets "- ", the rest two spaces. */
			int first = 1;
			for (char *p = tmp.p; p && *p;) {
				char *nl = strchr(p, '\n');
				ind(o, n);
				buf_puts(o, first ? "- " : "  ");
				first = 0;
				buf_put(o, p, nl ? (size_t)(nl - p + 1) : strlen(p));
				p = nl ? nl + 1 : NULL;
			}
			buf_free(&tmp);
			ind(o, n + 2);
			kvd(o, 0, "refresh_interval", fs[i].refresh_interval_ms);
		}
	}
	if (nst) {
		ind(o, n);
		buf_puts(o, "static_configs:\n");
		for (size_t i = 0; i < nst; i++) {
			ind(o, n);
			buf_puts(o, "- ");
			if (!st[i].ntargets)
				buf_puts(o, "targets: []\n");
			else {
				buf_puts(o, "targets:\n");
				for (size_t j = 0; j < st[i].ntargets; j++) {
					ind(o, n + 2);
					buf_puts(o, "- ");
					scalar(o, st[i].targets[j], 0);
					buf_putc(o, '\n');
				}
			}
			label_map(o, n + 2, "labels", &st[i].labels);
		}
	}
}

static void scrape_config(struct buf *o, const struct prom_scrape_config *sc)
{
	buf_puts(o, "- ");
	kv(o, 0, "job_name", sc->job_name);
	if (sc->honor_labels)
		kvb(o, 2, "honor_labels", 1);
	kvb(o, 2, "honor_timestamps", sc->honor_timestamps);
	if (sc->nparams) {
		/* Go maps marshal sorted by key. */
		const struct prom_param **p = xmalloc(sc->nparams * sizeof *p);
		for (size_t i = 0; i < sc->nparams; i++)
			p[i] = &sc->params[i];
		for (size_t i = 1; i < sc->nparams; i++)
			for (size_t j = i; j > 0 && strcmp(p[j - 1]->name, p[j]->name) > 0; j--) {
				const struct prom_param *t = p[j];
				p[j] = p[j - 1];
				p[j - 1] = t;
			}
		ind(o, 2);
		buf_puts(o, "params:\n");
		for (size_t i = 0; i < sc->nparams; i++) {
			ind(o, 4);
			scalar(o, p[i]->name, 0);
			buf_puts(o, ":\n");
			for (size_t j = 0; j < p[i]->nvalues; j++) {
				ind(o, 4);
				buf_puts(o, "- ");
				scalar(o, p[i]->values[j], 0);
				buf_putc(o, '\n');
			}
		}
		free(p);
	}
	kvd(o, 2, "scrape_interval", sc->scrape_interval_ms);
	kvd(o, 2, "scrape_timeout", sc->scrape_timeout_ms);
	kv(o, 2, "metrics_path", sc->metrics_path);
	kv(o, 2, "scheme", sc->scheme);
	if (sc->body_size_limit) {
		char b[160];
		bytes_str(sc->body_size_limit, b, sizeof b);
		kv(o, 2, "body_size_limit", b);
	}
	if (sc->sample_limit)
		kvi(o, 2, "sample_limit", (long long)sc->sample_limit);
	if (sc->target_limit)
		kvi(o, 2, "target_limit", (long long)sc->target_limit);
	if (sc->label_limit)
		kvi(o, 2, "label_limit", (long long)sc->label_limit);
	if (sc->label_name_length_limit)
		kvi(o, 2, "label_name_length_limit", (long long)sc->label_name_length_limit);
	if (sc->label_value_length_limit)
		kvi(o, 2, "label_value_length_limit", (long long)sc->label_value_length_limit);
	http_client(o, 2, &sc->http);
	relabels(o, 2, "relabel_configs", sc->relabel_configs, sc->nrelabel_configs);
	relabels(o, 2, "metric_relabel_configs", sc->metric_relabel_configs,
		 sc->nmetric_relabel_configs);
	discovery(o, 2, sc->file_sd_configs, sc->nfile_sd_configs, sc->static_configs,
		  sc->nstatic_configs);
}

static void headers(struct buf *o, int n, const struct prom_header *h, size_t cnt)
{
	if (!cnt)
		return;
	const char **names = xmalloc(cnt * sizeof *names);
	for (size_t i = 0; i < cnt; i++)
		names[i] = h[i].name;
	ind(o, n);
	buf_puts(o, "headers:\n");
	/* Sorted by name; a repeated name keeps its last value (a Go map). */
	for (size_t i = 1; i < cnt; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (size_t i = 0; i < cnt; i++) {
		if (i && strcmp(names[i], names[i - 1]) == 0)
			continue;
		const char *v = "";
		for (size_t j = 0; j < cnt; j++)
			if (strcmp(h[j].name, names[i]) == 0)
				v = h[j].value;
		ind(o, n + 2);
		scalar(o, names[i], 0);
		buf_puts(o, ": ");
		scalar(o, v, 0);
		buf_putc(o, '\n');
	}
	free(names);
}

void prom_config_marshal(const struct prom_config *c, struct buf *o)
{
	const struct prom_global_config *g = &c->global;
	buf_puts(o, "global:\n");
	kvd(o, 2, "scrape_interval", g->scrape_interval_ms);
	kvd(o, 2, "scrape_timeout", g->scrape_timeout_ms);
	kvd(o, 2, "evaluation_interval", g->evaluation_interval_ms);
	if (g->query_log_file)
		kv(o, 2, "query_log_file", g->query_log_file);
	label_map(o, 2, "external_labels", &g->external_labels);

	if (c->nalert_relabel_configs || c->nalertmanagers) {
		buf_puts(o, "alerting:\n");
		relabels(o, 2, "alert_relabel_configs", c->alert_relabel_configs,
			 c->nalert_relabel_configs);
		if (c->nalertmanagers) {
			buf_puts(o, "  alertmanagers:\n");
			for (size_t i = 0; i < c->nalertmanagers; i++) {
				const struct prom_alertmanager_config *am = &c->alertmanagers[i];
				struct buf tmp = BUF_INIT;
				http_client(&tmp, 0, &am->http);
				kv(&tmp, 0, "scheme", am->scheme);
				if (*am->path_prefix)
					kv(&tmp, 0, "path_prefix", am->path_prefix);
				kvd(&tmp, 0, "timeout", am->timeout_ms);
				kv(&tmp, 0, "api_version", am->api_version);
				relabels(&tmp, 0, "relabel_configs", am->relabel_configs,
					 am->nrelabel_configs);
				discovery(&tmp, 0, am->file_sd_configs, am->nfile_sd_configs,
					  am->static_configs, am->nstatic_configs);
				int first = 1;
				for (char *p = tmp.p; p && *p;) {
					char *nl = strchr(p, '\n');
					buf_puts(o, first ? "  - " : "    ");
					first = 0;
					buf_put(o, p, nl ? (size_t)(nl - p + 1) : strlen(p));
					p = nl ? nl + 1 : NULL;
				}
				buf_free(&tmp);
			}
		}
	}
	if (c->nrule_files)
		list(o, 0, "rule_files", c->rule_files, c->nrule_files);
	if (c->nscrape_configs) {
		buf_puts(o, "scrape_configs:\n");
		for (size_t i = 0; i < c->nscrape_configs; i++)
			scrape_config(o, &c->scrape_configs[i]);
	}
	if (c->storage_out_of_order_time_window_ms || c->storage_max_exemplars >= 0) {
		buf_puts(o, "storage:\n");
		if (c->storage_out_of_order_time_window_ms) {
			buf_puts(o, "  tsdb:\n");
			/* Prometheus 2.42 also prints its internal copy in ms. */
			kvi(o, 4, "outofordertimewindow", c->storage_out_of_order_time_window_ms);
			kvd(o, 4, "out_of_order_time_window", c->storage_out_of_order_time_window_ms);
		}
		if (c->storage_max_exemplars >= 0) {
			buf_puts(o, "  exemplars:\n");
			kvi(o, 4, "max_exemplars", c->storage_max_exemplars);
		}
	}
	if (c->nremote_write) {
		buf_puts(o, "remote_write:\n");
		for (size_t i = 0; i < c->nremote_write; i++) {
			const struct prom_remote_write *rw = &c->remote_write[i];
			buf_puts(o, "- ");
			kv(o, 0, "url", rw->url);
			kvd(o, 2, "remote_timeout", rw->remote_timeout_ms);
			headers(o, 2, rw->headers, rw->nheaders);
			relabels(o, 2, "write_relabel_configs", rw->write_relabel_configs,
				 rw->nwrite_relabel_configs);
			if (*rw->name)
				kv(o, 2, "name", rw->name);
			if (rw->send_exemplars)
				kvb(o, 2, "send_exemplars", 1);
			if (rw->send_native_histograms)
				kvb(o, 2, "send_native_histograms", 1);
			http_client(o, 2, &rw->http);
			const struct prom_queue_config *q = &rw->queue;
			buf_puts(o, "  queue_config:\n");
			kvi(o, 4, "capacity", q->capacity);
			kvi(o, 4, "max_shards", q->max_shards);
			kvi(o, 4, "min_shards", q->min_shards);
			kvi(o, 4, "max_samples_per_send", q->max_samples_per_send);
			kvd(o, 4, "batch_send_deadline", q->batch_send_deadline_ms);
			kvd(o, 4, "min_backoff", q->min_backoff_ms);
			kvd(o, 4, "max_backoff", q->max_backoff_ms);
			if (q->retry_on_http_429)
				kvb(o, 4, "retry_on_http_429", 1);
			buf_puts(o, "  metadata_config:\n");
			kvb(o, 4, "send", rw->metadata.send);
			kvd(o, 4, "send_interval", rw->metadata.send_interval_ms);
			kvi(o, 4, "max_samples_per_send", rw->metadata.max_samples_per_send);
		}
	}
	if (c->nremote_read) {
		buf_puts(o, "remote_read:\n");
		for (size_t i = 0; i < c->nremote_read; i++) {
			const struct prom_remote_read *rr = &c->remote_read[i];
			buf_puts(o, "- ");
			kv(o, 0, "url", rr->url);
			kvd(o, 2, "remote_timeout", rr->remote_timeout_ms);
			if (rr->read_recent)
				kvb(o, 2, "read_recent", 1);
			if (*rr->name)
				kv(o, 2, "name", rr->name);
			http_client(o, 2, &rr->http);
			kvb(o, 2, "filter_external_labels", rr->filter_external_labels);
		}
	}
}
