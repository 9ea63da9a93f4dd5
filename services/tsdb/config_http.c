/* config_http.c - prometheus.yml: the parts shared by several sections
 * (HTTP client settings, relabel lists, target groups and file_sd,
 * label maps) and the remote_write, remote_read and alerting sections.
 * Checks follow Prometheus 2.42 and prometheus/common v0.39. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "target.h"

/* ---- HTTP client ---- */

const char *const cfg_http_client_keys[] = {
	"basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file",
	"proxy_url", "proxy_connect_header", "tls_config", "follow_redirects",
	"enable_http2", NULL
};

static int nonempty(const char *s)
{
	return s && *s;
}

static void load_tls(struct cfg_ctx *x, const struct yamlconf_node *n, struct prom_tls_config *t)
{
	static const char *const keys[] = { "ca_file", "cert_file", "key_file", "server_name",
					    "insecure_skip_verify", "min_version", "max_version",
					    NULL };
	memset(t, 0, sizeof *t);
	if (!n || yamlconf_is_null(n))
		return;
	if (yamlconf_strict(&x->yc, n, keys) && n->kind != YAMLCONF_MAP)
		return;
	const char *s;
	if (yamlconf_get_str(&x->yc, n, "ca_file", (s = NULL, &s)) == 1 && *s)
		t->ca_file = cfg_join_dir(x, s);
	if (yamlconf_get_str(&x->yc, n, "cert_file", (s = NULL, &s)) == 1 && *s)
		t->cert_file = cfg_join_dir(x, s);
	if (yamlconf_get_str(&x->yc, n, "key_file", (s = NULL, &s)) == 1 && *s)
		t->key_file = cfg_join_dir(x, s);
	if (yamlconf_get_str(&x->yc, n, "server_name", (s = NULL, &s)) == 1 && *s)
		t->server_name = s;
	cfg_get_bool(x, n, "insecure_skip_verify", &t->insecure_skip_verify);
	static const char *const versions[] = { "TLS10", "TLS11", "TLS12", "TLS13", NULL };
	const char *vkeys[] = { "min_version", "max_version" };
	for (int k = 0; k < 2; k++) {
		s = NULL;
		if (yamlconf_get_str(&x->yc, n, vkeys[k], &s) != 1)
			continue;
		int ok = 0;
		for (int i = 0; versions[i]; i++)
			ok |= strcmp(s, versions[i]) == 0;
		if (!ok)
			yamlconf_error(&x->yc, yamlconf_get(n, vkeys[k]), "unknown TLS version: %s", s);
		else if (k == 0)
			t->min_version = s;
	}
}

int cfg_http_client(struct cfg_ctx *x, const struct yamlconf_node *map,
		    struct prom_http_client *h)
{
	memset(h, 0, sizeof *h);
	h->follow_redirects = 1;
	h->enable_http2 = 1;
	if (!map || map->kind != YAMLCONF_MAP)
		return 0;
	int err0 = x->yc.nerrors;
	const struct yamlconf_node *where = map;

	struct prom_basic_auth *ba = NULL;
	const struct yamlconf_node *n = yamlconf_get(map, "basic_auth");
	if (n && !yamlconf_is_null(n)) {
		static const char *const keys[] = { "username", "password", "password_file", NULL };
		ba = arena_alloc(x->a, sizeof *ba);
		memset(ba, 0, sizeof *ba);
		ba->username = "";
		if (yamlconf_strict(&x->yc, n, keys) == 0) {
			const char *s = NULL;
			yamlconf_get_str(&x->yc, n, "username", &ba->username);
			if (yamlconf_get_str(&x->yc, n, "password", &s) == 1 && *s)
				ba->password = s;
			s = NULL;
			if (yamlconf_get_str(&x->yc, n, "password_file", &s) == 1 && *s)
				ba->password_file = cfg_join_dir(x, s);
			if (ba->password && ba->password_file)
				yamlconf_error(&x->yc, n, "at most one of basic_auth password & password_file must be configured");
		}
		h->basic_auth = ba;
		where = n;
	}
	struct prom_authorization *au = NULL;
	n = yamlconf_get(map, "authorization");
	if (n && !yamlconf_is_null(n)) {
		static const char *const keys[] = { "type", "credentials", "credentials_file", NULL };
		au = arena_alloc(x->a, sizeof *au);
		memset(au, 0, sizeof *au);
		au->type = "";
		if (yamlconf_strict(&x->yc, n, keys) == 0) {
			const char *s = NULL;
			yamlconf_get_str(&x->yc, n, "type", &au->type);
			if (yamlconf_get_str(&x->yc, n, "credentials", &s) == 1 && *s)
				au->credentials = s;
			s = NULL;
			if (yamlconf_get_str(&x->yc, n, "credentials_file", &s) == 1 && *s)
				au->credentials_file = cfg_join_dir(x, s);
		}
		where = n;
	}
	const struct yamlconf_node *oauth2 = yamlconf_get(map, "oauth2");
	int has_oauth2 = oauth2 && !yamlconf_is_null(oauth2);
	const char *bt = NULL, *btf = NULL;
	yamlconf_get_str(&x->yc, map, "bearer_token", &bt);
	yamlconf_get_str(&x->yc, map, "bearer_token_file", &btf);
	int has_bearer = nonempty(bt) || nonempty(btf);

	/* The order of checks is common's HTTPClientConfig.Validate(). */
	if (nonempty(bt) && nonempty(btf))
		yamlconf_error(&x->yc, map, "at most one of bearer_token & bearer_token_file must be configured");
	else if ((ba || has_oauth2) && has_bearer)
		yamlconf_error(&x->yc, map, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
	else if (au) {
		const char *t = au->type;
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		size_t tl = strlen(t);
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t' || t[tl - 1] == '\n' ||
			      t[tl - 1] == '\r'))
			tl--;
		au->type = tl ? arena_strndup(x->a, t, tl) : "Bearer";
		if (has_bearer)
			yamlconf_error(&x->yc, where, "authorization is not compatible with bearer_token & bearer_token_file");
		else if (au->credentials && au->credentials_file)
			yamlconf_error(&x->yc, where, "at most one of authorization credentials & credentials_file must be configured");
		else if (strcasecmp(au->type, "basic") == 0)
			yamlconf_error(&x->yc, where, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
		else if (ba || has_oauth2)
			yamlconf_error(&x->yc, where, "at most one of basic_auth, oauth2 & authorization must be configured");
		h->authorization = au;
	} else if (has_bearer) {
		au = arena_alloc(x->a, sizeof *au);
		memset(au, 0, sizeof *au);
		au->type = "Bearer";
		if (nonempty(bt))
			au->credentials = bt;
		else
			au->credentials_file = cfg_join_dir(x, btf);
		h->authorization = au;
	}
	if (has_oauth2)
		yamlconf_error(&x->yc, oauth2, "oauth2 is not supported by pharos");

	const char *proxy = NULL;
	if (yamlconf_get_str(&x->yc, map, "proxy_url", &proxy) == 1 && *proxy)
		h->proxy_url = proxy;
	n = yamlconf_get(map, "proxy_connect_header");
	if (n && !yamlconf_is_null(n) && n->kind == YAMLCONF_MAP && n->len > 0 && !h->proxy_url)
		yamlconf_error(&x->yc, n, "if proxy_connect_header is configured proxy_url must also be configured");
	load_tls(x, yamlconf_get(map, "tls_config"), &h->tls);
	cfg_get_bool(x, map, "follow_redirects", &h->follow_redirects);
	cfg_get_bool(x, map, "enable_http2", &h->enable_http2);
	return x->yc.nerrors > err0 ? -EINVAL : 0;
}

/* ---- relabel lists ---- */

static int load_relabel(struct cfg_ctx *x, const struct yamlconf_node *n, const char *what,
			struct relabel_config *out)
{
	static const char *const keys[] = { "source_labels", "separator", "regex", "modulus",
					    "target_label", "replacement", "action", NULL };
	if (yamlconf_is_null(n))
		return yamlconf_error(&x->yc, n, "empty or null %s", what);
	if (yamlconf_strict(&x->yc, n, keys))
		return -EINVAL;
	struct relabel_spec sp;
	memset(&sp, 0, sizeof sp);
	int err0 = x->yc.nerrors;
	const struct yamlconf_node *sl = yamlconf_get(n, "source_labels");
	if (sl && !yamlconf_is_null(sl)) {
		const char **v;
		int cnt = cfg_strseq(x, sl, &v);
		if (cnt >= 0) {
			sp.source_labels = v;
			sp.nsource = (size_t)cnt;
		}
	}
	yamlconf_get_str(&x->yc, n, "separator", &sp.separator);
	yamlconf_get_str(&x->yc, n, "regex", &sp.regex);
	int64_t mod = 0;
	if (cfg_get_int(x, n, "modulus", 0, INT64_MAX, &mod) == 1) {
		sp.has_modulus = 1;
		sp.modulus = (uint64_t)mod;
	}
	yamlconf_get_str(&x->yc, n, "target_label", &sp.target_label);
	yamlconf_get_str(&x->yc, n, "replacement", &sp.replacement);
	const struct yamlconf_node *an = yamlconf_get(n, "action");
	if (an && !yamlconf_is_null(an))
		yamlconf_node_str(&x->yc, an, &sp.action);
	if (x->yc.nerrors > err0)
		return -EINVAL;
	const char *err = NULL;
	if (relabel_compile(x->a, &sp, out, &err) < 0) {
		/* Point at the field the message is about where we can. */
		const struct yamlconf_node *at = n;
		if (strstr(err, "regular expression") && yamlconf_get(n, "regex"))
			at = yamlconf_get(n, "regex");
		else if (strstr(err, "action \"") && an)
			at = an;
		else if (strstr(err, "is not a valid label name") && sl)
			at = sl;
		return yamlconf_error(&x->yc, at, "%s", err);
	}
	out->line = n->line;
	out->col = n->col;
	return 0;
}

int cfg_relabel_list(struct cfg_ctx *x, const struct yamlconf_node *n, const char *what,
		     const struct relabel_config *const **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	int r = cfg_seq(x, n, what);
	if (r <= 0)
		return r;
	struct relabel_config *rc = arena_alloc(x->a, n->len * sizeof *rc);
	const struct relabel_config **pv = arena_alloc(x->a, n->len * sizeof *pv);
	size_t cnt = 0;
	int rc0 = 0;
	for (size_t i = 0; i < n->len; i++) {
		if (load_relabel(x, n->items[i], what, &rc[cnt]) == 0) {
			pv[cnt] = &rc[cnt];
			cnt++;
		} else {
			rc0 = -EINVAL;
		}
	}
	*out = pv;
	*nout = cnt;
	return rc0;
}

/* ---- label maps ---- */

int cfg_label_map(struct cfg_ctx *x, const struct yamlconf_node *n, int check_values,
		  struct labels *out)
{
	*out = LABELS_EMPTY;
	if (!n || yamlconf_is_null(n))
		return 0;
	if (n->kind != YAMLCONF_MAP)
		return yamlconf_error(&x->yc, n, "expected a map of label names to values");
	if (cfg_budget(x, n, n->len) < 0)
		return -E2BIG;
	const char **names = arena_alloc(x->a, (n->len + 1) * sizeof *names);
	const char **vals = arena_alloc(x->a, (n->len + 1) * sizeof *vals);
	int rc = 0;
	for (size_t i = 0; i < n->len; i++) {
		const struct yamlconf_node *k = n->pairs[i].key, *v = n->pairs[i].val;
		names[i] = k->str;
		vals[i] = "";
		if (!labels_valid_name(k->str))
			rc = yamlconf_error(&x->yc, k, "\"%s\" is not a valid label name", k->str);
		if (!yamlconf_is_null(v) && yamlconf_node_str(&x->yc, v, &vals[i]) < 0)
			rc = -EINVAL;
		else if (check_values && !cfg_valid_utf8(vals[i]))
			rc = yamlconf_error(&x->yc, v, "\"%s\" is not a valid label value", vals[i]);
	}
	if (rc)
		return rc;
	if (labels_from_pairs(x->a, names, vals, n->len, out) < 0)
		return yamlconf_error(&x->yc, n, "too many labels");
	return 0;
}

/* ---- discovery: static_configs, file_sd_configs, the rest refused ---- */

const char *const cfg_sd_keys[] = {
	"static_configs", "file_sd_configs", "azure_sd_configs", "consul_sd_configs",
	"digitalocean_sd_configs", "docker_sd_configs", "dockerswarm_sd_configs",
	"dns_sd_configs", "ec2_sd_configs", "eureka_sd_configs", "gce_sd_configs",
	"hetzner_sd_configs", "http_sd_configs", "ionos_sd_configs", "kubernetes_sd_configs",
	"kuma_sd_configs", "lightsail_sd_configs", "linode_sd_configs", "marathon_sd_configs",
	"nerve_sd_configs", "nomad_sd_configs", "openstack_sd_configs", "ovhcloud_sd_configs",
	"puppetdb_sd_configs", "scaleway_sd_configs", "serverset_sd_configs",
	"triton_sd_configs", "uyuni_sd_configs", "vultr_sd_configs", NULL
};

/* Prometheus's patFileSDName: ^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$ */
static int valid_sd_file_name(const char *s)
{
	const char *star = strchr(s, '*');
	if (star && strchr(star, '/'))
		return 0;
	const char *dot = strrchr(s, '.');
	if (!dot)
		return 0;
	static const char *const ext[] = { ".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML", NULL };
	for (int i = 0; ext[i]; i++)
		if (strcmp(dot, ext[i]) == 0)
			return 1;
	return 0;
}

static int load_static(struct cfg_ctx *x, const struct yamlconf_node *n, int check_targets,
		       const struct prom_target_group **st, size_t *nst)
{
	if (cfg_seq(x, n, "static_configs") <= 0)
		return 0;
	static const char *const keys[] = { "targets", "labels", NULL };
	struct prom_target_group *g = arena_alloc(x->a, n->len * sizeof *g);
	for (size_t i = 0; i < n->len; i++) {
		const struct yamlconf_node *it = n->items[i];
		memset(&g[i], 0, sizeof g[i]);
		g[i].source = arena_printf(x->a, "%zu", i);
		g[i].labels = LABELS_EMPTY;
		static const char *const none[] = { NULL };
		g[i].targets = none;
		if (yamlconf_is_null(it)) {
			yamlconf_error(&x->yc, it, "empty or null section in static_configs");
			continue;
		}
		if (yamlconf_strict(&x->yc, it, keys))
			continue;
		const struct yamlconf_node *tn = yamlconf_get(it, "targets");
		const char **t;
		int cnt = cfg_strseq(x, tn, &t);
		if (cnt > 0) {
			g[i].targets = t;
			g[i].ntargets = (size_t)cnt;
			for (int j = 0; j < cnt && check_targets; j++)
				if (strchr(t[j], '/'))
					yamlconf_error(&x->yc, tn->items[j], "\"%s\" is not a valid hostname",
						       t[j]);
		}
		cfg_label_map(x, yamlconf_get(it, "labels"), 0, &g[i].labels);
	}
	*st = g;
	*nst = n->len;
	return 0;
}

static int load_file_sd(struct cfg_ctx *x, const struct yamlconf_node *n,
			const struct prom_file_sd_config **fs, size_t *nfs)
{
	if (cfg_seq(x, n, "file_sd_configs") <= 0)
		return 0;
	static const char *const keys[] = { "files", "refresh_interval", NULL };
	struct prom_file_sd_config *f = arena_alloc(x->a, n->len * sizeof *f);
	for (size_t i = 0; i < n->len; i++) {
		const struct yamlconf_node *it = n->items[i];
		memset(&f[i], 0, sizeof f[i]);
		f[i].refresh_interval_ms = 5 * 60 * 1000;
		f[i].line = it->line;
		f[i].col = it->col;
		static const char *const none[] = { NULL };
		f[i].files = none;
		if (yamlconf_is_null(it)) {
			yamlconf_error(&x->yc, it, "empty or null section in file_sd_configs");
			continue;
		}
		if (yamlconf_strict(&x->yc, it, keys))
			continue;
		const struct yamlconf_node *fn = yamlconf_get(it, "files");
		const char **v;
		int cnt = cfg_strseq(x, fn, &v);
		if (cnt < 0)
			continue;
		if (cnt == 0) {
			yamlconf_error(&x->yc, it, "file service discovery config must contain at least one path name");
			continue;
		}
		for (int j = 0; j < cnt; j++) {
			if (!valid_sd_file_name(v[j]))
				yamlconf_error(&x->yc, fn->items[j],
					       "path name \"%s\" is not valid for file discovery", v[j]);
			v[j] = cfg_join_dir(x, v[j]);
		}
		f[i].files = v;
		f[i].nfiles = (size_t)cnt;
		yamlconf_get_duration(&x->yc, it, "refresh_interval", &f[i].refresh_interval_ms);
	}
	*fs = f;
	*nfs = n->len;
	return 0;
}

int cfg_discovery(struct cfg_ctx *x, const struct yamlconf_node *map, int check_targets,
		  const struct prom_target_group **st, size_t *nst,
		  const struct prom_file_sd_config **fs, size_t *nfs)
{
	*st = NULL;
	*nst = 0;
	*fs = NULL;
	*nfs = 0;
	if (!map || map->kind != YAMLCONF_MAP)
		return 0;
	for (int i = 2; cfg_sd_keys[i]; i++) {
		const struct yamlconf_node *n = yamlconf_get(map, cfg_sd_keys[i]);
		if (!n || yamlconf_is_null(n) || (n->kind == YAMLCONF_SEQ && n->len == 0))
			continue;
		size_t kl = strlen(cfg_sd_keys[i]) - strlen("_sd_configs");
		/* Report at the key, which is where the user wrote the kind. */
		const struct yamlconf_node *at = n;
		for (size_t j = 0; j < map->len; j++)
			if (map->pairs[j].val == n)
				at = map->pairs[j].key;
		yamlconf_error(&x->yc, at,
			       "%s: service discovery kind \"%.*s\" is not supported by pharos (use static_configs or file_sd_configs)",
			       cfg_sd_keys[i], (int)kl, cfg_sd_keys[i]);
	}
	load_static(x, yamlconf_get(map, "static_configs"), check_targets, st, nst);
	load_file_sd(x, yamlconf_get(map, "file_sd_configs"), fs, nfs);
	return 0;
}

/* ---- remote write / read ---- */

static const char *const reserved_headers[] = {
	"host", "content-encoding", "content-length", "content-type", "user-agent",
	"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
	"www-authenticate", "accept-encoding", "x-prometheus-remote-write-version",
	"x-prometheus-remote-read-version", "x-amz-date", "x-amz-security-token",
	"x-amz-content-sha256", NULL
};

static int load_headers(struct cfg_ctx *x, const struct yamlconf_node *n,
			const struct prom_header **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!n || yamlconf_is_null(n))
		return 0;
	if (n->kind != YAMLCONF_MAP)
		return yamlconf_error(&x->yc, n, "headers: expected a map");
	if (cfg_budget(x, n, n->len) < 0)
		return -E2BIG;
	struct prom_header *h = arena_alloc(x->a, (n->len + 1) * sizeof *h);
	for (size_t i = 0; i < n->len; i++) {
		const struct yamlconf_node *k = n->pairs[i].key, *v = n->pairs[i].val;
		h[i].name = k->str;
		h[i].value = "";
		if (!yamlconf_is_null(v))
			yamlconf_node_str(&x->yc, v, &h[i].value);
		if (strcasecmp(k->str, "authorization") == 0) {
			yamlconf_error(&x->yc, k, "authorization header must be changed via the basic_auth, authorization, oauth2, or sigv4 parameter");
			continue;
		}
		for (int j = 0; reserved_headers[j]; j++)
			if (strcasecmp(k->str, reserved_headers[j]) == 0)
				yamlconf_error(&x->yc, k, "%s is a reserved header. It must not be changed",
					       k->str);
	}
	*out = h;
	*nout = n->len;
	return 0;
}

/* Go's url.Parse refuses few strings; the ones a user may write by
 * mistake: control characters, bad %-escapes, an unclosed IPv6 bracket. */
static const char *check_url(const char *u)
{
	for (const unsigned char *p = (const unsigned char *)u; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "invalid control character in URL";
		if (*p == '%') {
			if (!isxdigit(p[1]) || !isxdigit(p[2]))
				return "invalid URL escape";
		}
	}
	const char *h = strstr(u, "://");
	if (h && h[3] == '[' && !strchr(h, ']'))
		return "missing ']' in host";
	if (h) {
		/* The host: up to the first '/', '?' or '#'. */
		for (const char *p = h + 3; *p && *p != '/' && *p != '?' && *p != '#'; p++)
			if (*p == ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '`' ||
			    *p == '{' || *p == '}' || *p == '|' || *p == '^')
				return "invalid character in host name";
	}
	if (u[0] == ':')
		return "missing protocol scheme";
	return NULL;
}

int cfg_remote_write(struct cfg_ctx *x, const struct yamlconf_node *n,
		     struct prom_remote_write *rw)
{
	static const char *const own[] = { "url", "remote_timeout", "headers",
					   "write_relabel_configs", "name", "send_exemplars",
					   "send_native_histograms", "queue_config",
					   "metadata_config", "sigv4", NULL };
	memset(rw, 0, sizeof *rw);
	rw->line = n->line;
	rw->col = n->col;
	rw->name = "";
	rw->remote_timeout_ms = 30000;
	rw->queue = (struct prom_queue_config){ 2500, 200, 1, 500, 5000, 30, 5000, 0 };
	rw->metadata = (struct prom_metadata_config){ 1, 60000, 500 };
	rw->http.follow_redirects = rw->http.enable_http2 = 1;
	if (yamlconf_is_null(n))
		return yamlconf_error(&x->yc, n, "empty or null remote write config section");
	if (yamlconf_strict(&x->yc, n, cfg_keys(x, own, cfg_http_client_keys)))
		return -EINVAL;
	const char *u = NULL;
	if (yamlconf_get_str(&x->yc, n, "url", &u) != 1 || !*u) {
		yamlconf_error(&x->yc, n, "url for remote_write is empty");
	} else {
		const char *bad = check_url(u);
		if (bad)
			yamlconf_error(&x->yc, yamlconf_get(n, "url"), "parse \"%s\": %s", u, bad);
		rw->url = u;
	}
	yamlconf_get_duration(&x->yc, n, "remote_timeout", &rw->remote_timeout_ms);
	load_headers(x, yamlconf_get(n, "headers"), &rw->headers, &rw->nheaders);
	cfg_relabel_list(x, yamlconf_get(n, "write_relabel_configs"),
			 "relabeling rule in remote write config", &rw->write_relabel_configs,
			 &rw->nwrite_relabel_configs);
	yamlconf_get_str(&x->yc, n, "name", &rw->name);
	cfg_get_bool(x, n, "send_exemplars", &rw->send_exemplars);
	cfg_get_bool(x, n, "send_native_histograms", &rw->send_native_histograms);
	const struct yamlconf_node *q = yamlconf_get(n, "queue_config");
	if (q && !yamlconf_is_null(q)) {
		static const char *const keys[] = { "capacity", "max_shards", "min_shards",
						    "max_samples_per_send", "batch_send_deadline",
						    "min_backoff", "max_backoff", "retry_on_http_429",
						    NULL };
		if (yamlconf_strict(&x->yc, q, keys) == 0) {
			struct prom_queue_config *qc = &rw->queue;
			cfg_get_int(x, q, "capacity", INT32_MIN, INT32_MAX, &qc->capacity);
			cfg_get_int(x, q, "max_shards", INT32_MIN, INT32_MAX, &qc->max_shards);
			cfg_get_int(x, q, "min_shards", INT32_MIN, INT32_MAX, &qc->min_shards);
			cfg_get_int(x, q, "max_samples_per_send", INT32_MIN, INT32_MAX,
					 &qc->max_samples_per_send);
			yamlconf_get_duration(&x->yc, q, "batch_send_deadline", &qc->batch_send_deadline_ms);
			yamlconf_get_duration(&x->yc, q, "min_backoff", &qc->min_backoff_ms);
			yamlconf_get_duration(&x->yc, q, "max_backoff", &qc->max_backoff_ms);
			cfg_get_bool(x, q, "retry_on_http_429", &qc->retry_on_http_429);
		}
	}
	const struct yamlconf_node *m = yamlconf_get(n, "metadata_config");
	if (m && !yamlconf_is_null(m)) {
		static const char *const keys[] = { "send", "send_interval", "max_samples_per_send",
						    NULL };
		if (yamlconf_strict(&x->yc, m, keys) == 0) {
			cfg_get_bool(x, m, "send", &rw->metadata.send);
			yamlconf_get_duration(&x->yc, m, "send_interval", &rw->metadata.send_interval_ms);
			cfg_get_int(x, m, "max_samples_per_send", INT32_MIN, INT32_MAX,
					 &rw->metadata.max_samples_per_send);
		}
	}
	cfg_http_client(x, n, &rw->http);
	const struct yamlconf_node *sv = yamlconf_get(n, "sigv4");
	if (sv && !yamlconf_is_null(sv)) {
		if (rw->http.basic_auth || rw->http.authorization)
			yamlconf_error(&x->yc, sv, "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured");
		else
			yamlconf_error(&x->yc, sv, "sigv4 is not supported by pharos");
	}
	return 0;
}

int cfg_remote_read(struct cfg_ctx *x, const struct yamlconf_node *n,
		    struct prom_remote_read *rr)
{
	static const char *const own[] = { "url", "remote_timeout", "headers", "read_recent",
					   "name", "required_matchers", "filter_external_labels",
					   NULL };
	memset(rr, 0, sizeof *rr);
	rr->line = n->line;
	rr->col = n->col;
	rr->name = "";
	rr->remote_timeout_ms = 60000;
	rr->filter_external_labels = 1;
	rr->http.follow_redirects = rr->http.enable_http2 = 1;
	if (yamlconf_is_null(n))
		return yamlconf_error(&x->yc, n, "empty or null remote read config section");
	if (yamlconf_strict(&x->yc, n, cfg_keys(x, own, cfg_http_client_keys)))
		return -EINVAL;
	const char *u = NULL;
	if (yamlconf_get_str(&x->yc, n, "url", &u) != 1 || !*u) {
		yamlconf_error(&x->yc, n, "url for remote_read is empty");
	} else {
		const char *bad = check_url(u);
		if (bad)
			yamlconf_error(&x->yc, yamlconf_get(n, "url"), "parse \"%s\": %s", u, bad);
		rr->url = u;
	}
	yamlconf_get_duration(&x->yc, n, "remote_timeout", &rr->remote_timeout_ms);
	const struct prom_header *h;
	size_t nh;
	load_headers(x, yamlconf_get(n, "headers"), &h, &nh);
	cfg_get_bool(x, n, "read_recent", &rr->read_recent);
	yamlconf_get_str(&x->yc, n, "name", &rr->name);
	struct labels rm;
	cfg_label_map(x, yamlconf_get(n, "required_matchers"), 0, &rm);
	cfg_get_bool(x, n, "filter_external_labels", &rr->filter_external_labels);
	cfg_http_client(x, n, &rr->http);
	return 0;
}

/* ---- alerting ---- */

static void load_alertmanager(struct cfg_ctx *x, const struct yamlconf_node *n,
			      struct prom_alertmanager_config *am)
{
	static const char *const own[] = { "scheme", "path_prefix", "timeout", "api_version",
					   "relabel_configs", NULL };
	memset(am, 0, sizeof *am);
	am->line = n->line;
	am->col = n->col;
	am->scheme = "http";
	am->path_prefix = "";
	am->timeout_ms = 10000;
	am->api_version = "v2";
	am->http.follow_redirects = am->http.enable_http2 = 1;
	if (yamlconf_is_null(n)) {
		yamlconf_error(&x->yc, n, "empty or null alertmanager config");
		return;
	}
	const char *const *keys = cfg_keys(x, cfg_keys(x, own, cfg_http_client_keys), cfg_sd_keys);
	if (yamlconf_strict(&x->yc, n, keys))
		return;
	const char *s = NULL;
	if (yamlconf_get_str(&x->yc, n, "scheme", &s) == 1 && *s)
		am->scheme = s;
	yamlconf_get_str(&x->yc, n, "path_prefix", &am->path_prefix);
	yamlconf_get_duration(&x->yc, n, "timeout", &am->timeout_ms);
	s = NULL;
	if (yamlconf_get_str(&x->yc, n, "api_version", &s) == 1) {
		if (strcmp(s, "v1") != 0 && strcmp(s, "v2") != 0)
			yamlconf_error(&x->yc, yamlconf_get(n, "api_version"),
				       "expected Alertmanager api version to be one of [v1 v2] but got %s", s);
		else
			am->api_version = s;
	}
	cfg_http_client(x, n, &am->http);
	cfg_relabel_list(x, yamlconf_get(n, "relabel_configs"),
			 "Alertmanager target relabeling rule", &am->relabel_configs,
			 &am->nrelabel_configs);
	int err0 = x->yc.nerrors;
	cfg_discovery(x, n, am->nrelabel_configs == 0, &am->static_configs, &am->nstatic_configs,
		      &am->file_sd_configs, &am->nfile_sd_configs);
	if (x->yc.nerrors > err0)
		return;
	/* promtool runs every static Alertmanager through
	 * notifier.AlertmanagerFromGroup and fails on the first error. */
	const struct yamlconf_node *st = yamlconf_get(n, "static_configs");
	struct arena a = ARENA_INIT;
	for (size_t g = 0; g < am->nstatic_configs; g++) {
		const struct yamlconf_node *tn = NULL;
		if (st && st->kind == YAMLCONF_SEQ && g < st->len)
			tn = yamlconf_get(st->items[g], "targets");
		for (size_t t = 0; t < am->static_configs[g].ntargets; t++) {
			struct target_result r;
			target_alertmanager(am, &am->static_configs[g].labels,
					    am->static_configs[g].targets[t], &a, &r, NULL);
			if (r.error) {
				yamlconf_error(&x->yc,
					       tn && tn->kind == YAMLCONF_SEQ && t < tn->len ? tn->items[t] : n,
					       "%s", r.error);
				arena_free(&a);
				return;
			}
			arena_reset(&a);
		}
	}
	arena_free(&a);
}

int cfg_alerting(struct cfg_ctx *x, const struct yamlconf_node *n)
{
	static const char *const keys[] = { "alert_relabel_configs", "alertmanagers", NULL };
	if (!n || yamlconf_is_null(n))
		return 0;
	if (yamlconf_strict(&x->yc, n, keys))
		return -EINVAL;
	cfg_relabel_list(x, yamlconf_get(n, "alert_relabel_configs"), "alert relabeling rule",
			 &x->c->alert_relabel_configs, &x->c->nalert_relabel_configs);
	const struct yamlconf_node *am = yamlconf_get(n, "alertmanagers");
	if (cfg_seq(x, am, "alertmanagers") > 0) {
		struct prom_alertmanager_config *v = arena_alloc(x->a, am->len * sizeof *v);
		for (size_t i = 0; i < am->len; i++)
			load_alertmanager(x, am->items[i], &v[i]);
		x->c->alertmanagers = v;
		x->c->nalertmanagers = am->len;
	}
	return 0;
}
