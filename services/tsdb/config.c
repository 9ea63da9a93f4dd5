/* config.c - prometheus.yml: the top level, global and scrape_configs.
 * The rest of the file's sections are in config_http.c. Defaults and
 * checks follow config/config.go of Prometheus 2.42 (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/utf8.h"
#include "config_internal.h"
#include "target.h"

const char *cfg_join_dir(struct cfg_ctx *x, const char *path)
{
	if (!path || !*path || path[0] == '/' || !x->c->dir || !*x->c->dir ||
	    strcmp(x->c->dir, ".") == 0)
		return path;
	if (strcmp(x->c->dir, "/") == 0)
		return arena_printf(x->a, "/%s", path);
	return arena_printf(x->a, "%s/%s", x->c->dir, path);
}

int cfg_budget(struct cfg_ctx *x, const struct yamlconf_node *at, size_t n)
{
	x->work += n;
	if (x->work <= CFG_WORK_MAX)
		return 0;
	if (!x->over_budget) {
		x->over_budget = 1;
		yamlconf_error(&x->yc, at,
			       "configuration too large: more than %d list items and map entries (counting aliases each time they are used)",
			       CFG_WORK_MAX);
	}
	return -E2BIG;
}

int cfg_seq(struct cfg_ctx *x, const struct yamlconf_node *n, const char *what)
{
	if (!n || yamlconf_is_null(n))
		return 0;
	if (n->kind != YAMLCONF_SEQ)
		return yamlconf_error(&x->yc, n, "%s: expected a list", what);
	if (cfg_budget(x, n, n->len) < 0)
		return -E2BIG;
	return n->len > 0;
}

int cfg_strseq(struct cfg_ctx *x, const struct yamlconf_node *n, const char ***out)
{
	*out = NULL;
	if (!n || yamlconf_is_null(n))
		return 0;
	if (n->kind != YAMLCONF_SEQ)
		return yamlconf_error(&x->yc, n, "expected a list of strings");
	if (cfg_budget(x, n, n->len) < 0)
		return -E2BIG;
	const char **v = arena_alloc(x->a, (n->len + 1) * sizeof *v);
	for (size_t i = 0; i < n->len; i++) {
		const struct yamlconf_node *it = n->items[i];
		if (yamlconf_is_null(it)) {
			v[i] = "";
			continue;
		}
		if (yamlconf_node_str(&x->yc, it, &v[i]))
			return -EINVAL;
	}
	v[n->len] = NULL;
	*out = v;
	return (int)n->len;
}

const char *const *cfg_keys(struct cfg_ctx *x, const char *const *a, const char *const *b)
{
	size_t na = 0, nb = 0;
	while (a[na])
		na++;
	while (b && b[nb])
		nb++;
	const char **k = arena_alloc(x->a, (na + nb + 1) * sizeof *k);
	memcpy(k, a, na * sizeof *k);
	if (nb)
		memcpy(k + na, b, nb * sizeof *k);
	k[na + nb] = NULL;
	return k;
}

int cfg_get_uint(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key,
		 uint64_t *out)
{
	int64_t v = 0;
	int rc = cfg_get_int(x, map, key, 0, INT64_MAX, &v);
	if (rc == 1)
		*out = (uint64_t)v;
	return rc;
}

/* A quoted scalar where Go wants a bool or a number: yaml.v2's error. */
static int quoted(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key,
		  const char *type)
{
	const struct yamlconf_node *n = yamlconf_get(map, key);
	if (!n || n->kind != YAMLCONF_SCALAR || n->plain || yamlconf_is_null(n))
		return 0;
	return yamlconf_error(&x->yc, n, "cannot unmarshal !!str `%.20s` into %s", n->str, type);
}

int cfg_get_bool(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key, int *out)
{
	if (quoted(x, map, key, "bool"))
		return -EINVAL;
	return yamlconf_get_bool(&x->yc, map, key, out);
}

int cfg_get_int(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key,
		int64_t min, int64_t max, int64_t *out)
{
	if (quoted(x, map, key, min >= 0 ? "uint" : "int"))
		return -EINVAL;
	return yamlconf_get_int(&x->yc, map, key, min, max, out);
}

int cfg_valid_utf8(const char *s)
{
	return utf8_valid(s, strlen(s));
}

/* ---- durations and sizes ---- */

char *prom_duration_format(int64_t ms, char *out, size_t outlen)
{
	static const struct {
		const char *unit;
		int64_t mult;
		int exact;
	} units[] = {
		{ "y", 1000LL * 60 * 60 * 24 * 365, 1 }, { "w", 1000LL * 60 * 60 * 24 * 7, 1 },
		{ "d", 1000LL * 60 * 60 * 24, 0 },       { "h", 1000LL * 60 * 60, 0 },
		{ "m", 1000LL * 60, 0 },                  { "s", 1000, 0 },
		{ "ms", 1, 0 },
	};
	if (!outlen)
		return out;
	out[0] = 0;
	if (ms == 0) {
		snprintf(out, outlen, "0s");
		return out;
	}
	size_t len = 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0] && len < outlen; i++) {
		if (units[i].exact && ms % units[i].mult != 0)
			continue;
		int64_t v = ms / units[i].mult;
		if (v > 0) {
			int n = snprintf(out + len, outlen - len, "%lld%s", (long long)v,
					 units[i].unit);
			if (n < 0)
				break;
			len += (size_t)n;
			ms -= v * units[i].mult;
		}
	}
	return out;
}

int prom_parse_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
		{ "TiB", 1ULL << 40 }, { "PiB", 1ULL << 50 }, { "EiB", 1ULL << 60 },
		{ "KB", 1ULL << 10 },  { "MB", 1ULL << 20 },  { "GB", 1ULL << 30 },
		{ "TB", 1ULL << 40 },  { "PB", 1ULL << 50 },  { "EB", 1ULL << 60 },
		{ "B", 1 },
	};
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	double total = 0;
	const char *p = s;
	while (*p) {
		const char *num = p;
		while ((*p >= '0' && *p <= '9') || *p == '.')
			p++;
		if (p == num)
			return -EINVAL;
		char nb[64];
		if ((size_t)(p - num) >= sizeof nb)
			return -EINVAL;
		memcpy(nb, num, (size_t)(p - num));
		nb[p - num] = 0;
		char *end;
		double v = strtod(nb, &end);
		if (*end)
			return -EINVAL;
		size_t best = 0;
		uint64_t mult = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t ul = strlen(units[i].unit);
			if (ul > best && strncmp(p, units[i].unit, ul) == 0) {
				best = ul;
				mult = units[i].mult;
			}
		}
		if (!best)
			return -EINVAL;
		p += best;
		total += v * (double)mult;
		if (total > 9.2e18)
			return -EINVAL;
	}
	*out = (uint64_t)total;
	return 0;
}

/* ---- global ---- */

static const char *const global_keys[] = { "scrape_interval", "scrape_timeout",
					   "evaluation_interval", "query_log_file",
					   "external_labels", NULL };

static void load_global(struct cfg_ctx *x, const struct yamlconf_node *n)
{
	struct prom_global_config *g = &x->c->global;
	g->scrape_interval_ms = 60000;
	g->scrape_timeout_ms = 10000;
	g->evaluation_interval_ms = 60000;
	g->external_labels = LABELS_EMPTY;
	if (!n || yamlconf_is_null(n))
		return;
	if (yamlconf_strict(&x->yc, n, global_keys) && n->kind != YAMLCONF_MAP)
		return;
	int64_t si = 0, st = 0, ei = 0;
	yamlconf_get_duration(&x->yc, n, "scrape_interval", &si);
	yamlconf_get_duration(&x->yc, n, "scrape_timeout", &st);
	yamlconf_get_duration(&x->yc, n, "evaluation_interval", &ei);
	const char *qlf = NULL;
	if (yamlconf_get_str(&x->yc, n, "query_log_file", &qlf) == 1 && *qlf)
		g->query_log_file = cfg_join_dir(x, qlf);
	cfg_label_map(x, yamlconf_get(n, "external_labels"), 1, &g->external_labels);
	if (si == 0)
		si = 60000;
	if (st > si)
		yamlconf_error(&x->yc, n, "global scrape timeout greater than scrape interval");
	if (st == 0)
		st = 10000 > si ? si : 10000;
	if (ei == 0)
		ei = 60000;
	g->scrape_interval_ms = si;
	g->scrape_timeout_ms = st;
	g->evaluation_interval_ms = ei;
}

/* ---- scrape_configs ---- */

static const char *const scrape_keys[] = {
	"job_name", "honor_labels", "honor_timestamps", "params", "scrape_interval",
	"scrape_timeout", "metrics_path", "scheme", "body_size_limit", "sample_limit",
	"target_limit", "label_limit", "label_name_length_limit", "label_value_length_limit",
	"relabel_configs", "metric_relabel_configs", NULL
};

static int load_params(struct cfg_ctx *x, const struct yamlconf_node *n,
		       struct prom_scrape_config *sc)
{
	if (!n || yamlconf_is_null(n))
		return 0;
	if (n->kind != YAMLCONF_MAP)
		return yamlconf_error(&x->yc, n, "params: expected a map of lists");
	if (cfg_budget(x, n, n->len) < 0)
		return -E2BIG;
	struct prom_param *p = arena_alloc(x->a, (n->len + 1) * sizeof *p);
	size_t np = 0;
	for (size_t i = 0; i < n->len; i++) {
		const struct yamlconf_node *v = n->pairs[i].val;
		const char **vals;
		int cnt = cfg_strseq(x, v, &vals);
		if (cnt < 0)
			continue;
		/* A later duplicate key replaces the earlier one, as in a Go map. */
		size_t j;
		for (j = 0; j < np; j++)
			if (strcmp(p[j].name, n->pairs[i].key->str) == 0)
				break;
		p[j].name = n->pairs[i].key->str;
		p[j].values = vals;
		p[j].nvalues = (size_t)cnt;
		if (j == np)
			np++;
	}
	sc->params = p;
	sc->nparams = np;
	return 0;
}

static void load_scrape(struct cfg_ctx *x, const struct yamlconf_node *n,
			struct prom_scrape_config *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->line = n->line;
	sc->col = n->col;
	sc->job_name = "";
	sc->metrics_path = "/metrics";
	sc->scheme = "http";
	sc->honor_timestamps = 1;
	if (yamlconf_is_null(n)) {
		yamlconf_error(&x->yc, n, "empty or null scrape config section");
		return;
	}
	const char *const *k1 = cfg_keys(x, scrape_keys, cfg_http_client_keys);
	const char *const *keys = cfg_keys(x, k1, cfg_sd_keys);
	if (yamlconf_strict(&x->yc, n, keys) && n->kind != YAMLCONF_MAP)
		return;
	yamlconf_get_str(&x->yc, n, "job_name", &sc->job_name);
	if (!*sc->job_name)
		yamlconf_error(&x->yc, n, "job_name is empty");
	cfg_get_bool(x, n, "honor_labels", &sc->honor_labels);
	cfg_get_bool(x, n, "honor_timestamps", &sc->honor_timestamps);
	load_params(x, yamlconf_get(n, "params"), sc);
	yamlconf_get_duration(&x->yc, n, "scrape_interval", &sc->scrape_interval_ms);
	yamlconf_get_duration(&x->yc, n, "scrape_timeout", &sc->scrape_timeout_ms);
	const char *s = NULL;
	if (yamlconf_get_str(&x->yc, n, "metrics_path", &s) == 1 && *s)
		sc->metrics_path = s;
	s = NULL;
	if (yamlconf_get_str(&x->yc, n, "scheme", &s) == 1 && *s)
		sc->scheme = s;
	const struct yamlconf_node *bl = yamlconf_get(n, "body_size_limit");
	if (bl && !yamlconf_is_null(bl)) {
		/* Go's units.ParseBase2Bytes: a unit is required ("1000" is refused). */
		if (bl->kind != YAMLCONF_SCALAR || prom_parse_bytes(bl->str, &sc->body_size_limit) < 0)
			yamlconf_error(&x->yc, bl, "invalid body_size_limit \"%s\": expected a size like 10MB",
				       bl->kind == YAMLCONF_SCALAR ? bl->str : "");
	}
	cfg_get_uint(x, n, "sample_limit", &sc->sample_limit);
	cfg_get_uint(x, n, "target_limit", &sc->target_limit);
	cfg_get_uint(x, n, "label_limit", &sc->label_limit);
	cfg_get_uint(x, n, "label_name_length_limit", &sc->label_name_length_limit);
	cfg_get_uint(x, n, "label_value_length_limit", &sc->label_value_length_limit);
	cfg_http_client(x, n, &sc->http);
	cfg_relabel_list(x, yamlconf_get(n, "relabel_configs"), "target relabeling rule in scrape config",
			 &sc->relabel_configs, &sc->nrelabel_configs);
	cfg_relabel_list(x, yamlconf_get(n, "metric_relabel_configs"),
			 "metric relabeling rule in scrape config", &sc->metric_relabel_configs,
			 &sc->nmetric_relabel_configs);
	cfg_discovery(x, n, sc->nrelabel_configs == 0, &sc->static_configs, &sc->nstatic_configs,
		      &sc->file_sd_configs, &sc->nfile_sd_configs);
}

/* promtool computes every static target's labels (scrape.TargetsFromGroup)
 * and fails on the first error; so does pharos, at the target. The
 * Prometheus server itself only logs these. */
static void check_static_targets(struct cfg_ctx *x, const struct yamlconf_node *it,
				 const struct prom_scrape_config *sc)
{
	const struct yamlconf_node *st = yamlconf_get(it, "static_configs");
	struct arena a = ARENA_INIT;
	for (size_t g = 0; g < sc->nstatic_configs; g++) {
		const struct yamlconf_node *tn = NULL;
		if (st && st->kind == YAMLCONF_SEQ && g < st->len)
			tn = yamlconf_get(st->items[g], "targets");
		for (size_t t = 0; t < sc->static_configs[g].ntargets; t++) {
			struct target_result r;
			target_populate(sc, &sc->static_configs[g].labels,
					sc->static_configs[g].targets[t], &a, &r);
			if (r.error) {
				const struct yamlconf_node *at = it;
				if (tn && tn->kind == YAMLCONF_SEQ && t < tn->len)
					at = tn->items[t];
				yamlconf_error(&x->yc, at, "instance %zu in group %s: %s", t,
					       sc->static_configs[g].source, r.error);
				arena_free(&a);
				return;
			}
			arena_reset(&a);
		}
	}
	arena_free(&a);
}

static void load_scrape_configs(struct cfg_ctx *x, const struct yamlconf_node *n)
{
	if (cfg_seq(x, n, "scrape_configs") <= 0)
		return;
	struct prom_scrape_config *v = arena_alloc(x->a, n->len * sizeof *v);
	const struct prom_global_config *g = &x->c->global;
	for (size_t i = 0; i < n->len; i++) {
		struct prom_scrape_config *sc = &v[i];
		const struct yamlconf_node *it = n->items[i];
		int err0 = x->yc.nerrors;
		load_scrape(x, it, sc);
		if (sc->scrape_interval_ms == 0)
			sc->scrape_interval_ms = g->scrape_interval_ms;
		if (sc->scrape_timeout_ms > sc->scrape_interval_ms)
			yamlconf_error(&x->yc, it,
				       "scrape timeout greater than scrape interval for scrape config with job name \"%s\"",
				       sc->job_name);
		if (sc->scrape_timeout_ms == 0)
			sc->scrape_timeout_ms = g->scrape_timeout_ms > sc->scrape_interval_ms
							? sc->scrape_interval_ms
							: g->scrape_timeout_ms;
		if (x->yc.nerrors == err0)
			check_static_targets(x, it, sc);
		for (size_t j = 0; j < i; j++)
			if (*sc->job_name && strcmp(v[j].job_name, sc->job_name) == 0) {
				yamlconf_error(&x->yc, it,
					       "found multiple scrape configs with job name \"%s\"",
					       sc->job_name);
				break;
			}
	}
	x->c->scrape_configs = v;
	x->c->nscrape_configs = n->len;
}

/* ---- rule_files ---- */

static void load_rule_files(struct cfg_ctx *x, const struct yamlconf_node *n)
{
	const char **v;
	int cnt = cfg_strseq(x, n, &v);
	if (cnt <= 0)
		return;
	for (int i = 0; i < cnt; i++) {
		/* Prometheus: ^[^*]*(\*[^/]*)?$ - a wildcard only in the last
		 * path element. */
		const char *star = strchr(v[i], '*');
		if (star && strchr(star, '/'))
			yamlconf_error(&x->yc, n->items[i], "invalid rule file path \"%s\"", v[i]);
		v[i] = cfg_join_dir(x, v[i]);
	}
	x->c->rule_files = v;
	x->c->nrule_files = (size_t)cnt;
}

/* ---- storage and tracing: validated, kept or ignored ---- */

static void load_storage(struct cfg_ctx *x, const struct yamlconf_node *n)
{
	static const char *const keys[] = { "tsdb", "exemplars", NULL };
	static const char *const tsdb_keys[] = { "out_of_order_time_window", NULL };
	static const char *const ex_keys[] = { "max_exemplars", NULL };
	x->c->storage_max_exemplars = -1;
	if (!n || yamlconf_is_null(n))
		return;
	if (yamlconf_strict(&x->yc, n, keys) && n->kind != YAMLCONF_MAP)
		return;
	const struct yamlconf_node *t = yamlconf_get(n, "tsdb");
	if (t && !yamlconf_is_null(t) && yamlconf_strict(&x->yc, t, tsdb_keys) == 0)
		yamlconf_get_duration(&x->yc, t, "out_of_order_time_window",
				      &x->c->storage_out_of_order_time_window_ms);
	const struct yamlconf_node *e = yamlconf_get(n, "exemplars");
	if (e && !yamlconf_is_null(e) && yamlconf_strict(&x->yc, e, ex_keys) == 0)
		cfg_get_int(x, e, "max_exemplars", INT64_MIN, INT64_MAX,
				 &x->c->storage_max_exemplars);
}

static void load_tracing(struct cfg_ctx *x, const struct yamlconf_node *n)
{
	static const char *const keys[] = { "client_type", "endpoint", "sampling_fraction",
					    "insecure", "tls_config", "headers",
					    "compression", "timeout", NULL };
	if (!n || yamlconf_is_null(n))
		return;
	if (yamlconf_strict(&x->yc, n, keys))
		return;
	const char *ct = NULL;
	if (yamlconf_get_str(&x->yc, n, "client_type", &ct) == 1 && *ct &&
	    strcmp(ct, "grpc") != 0 && strcmp(ct, "http") != 0)
		yamlconf_error(&x->yc, yamlconf_get(n, "client_type"),
			       "expected tracing client type to be to be grpc or http, but got %s", ct);
	const char *comp = NULL;
	if (yamlconf_get_str(&x->yc, n, "compression", &comp) == 1 && *comp &&
	    strcmp(comp, "gzip") != 0)
		yamlconf_error(&x->yc, yamlconf_get(n, "compression"),
			       "invalid compression type %s provided, valid options: gzip", comp);
	int64_t to = 0;
	yamlconf_get_duration(&x->yc, n, "timeout", &to);
	int b;
	cfg_get_bool(x, n, "insecure", &b);
}

/* ---- the whole file ---- */

static const char *const top_keys[] = { "global", "alerting", "rule_files", "scrape_configs",
					"storage", "tracing", "remote_write", "remote_read",
					NULL };

static void load_remote(struct cfg_ctx *x, const struct yamlconf_node *root)
{
	const struct yamlconf_node *n = yamlconf_get(root, "remote_write");
	if (cfg_seq(x, n, "remote_write") > 0) {
		struct prom_remote_write *v = arena_alloc(x->a, n->len * sizeof *v);
		for (size_t i = 0; i < n->len; i++) {
			cfg_remote_write(x, n->items[i], &v[i]);
			for (size_t j = 0; j < i; j++)
				if (v[i].name && *v[i].name && v[j].name &&
				    strcmp(v[i].name, v[j].name) == 0) {
					yamlconf_error(&x->yc, n->items[i],
						       "found multiple remote write configs with job name \"%s\"",
						       v[i].name);
					break;
				}
		}
		x->c->remote_write = v;
		x->c->nremote_write = n->len;
	}
	n = yamlconf_get(root, "remote_read");
	if (cfg_seq(x, n, "remote_read") > 0) {
		struct prom_remote_read *v = arena_alloc(x->a, n->len * sizeof *v);
		for (size_t i = 0; i < n->len; i++) {
			cfg_remote_read(x, n->items[i], &v[i]);
			for (size_t j = 0; j < i; j++)
				if (v[i].name && *v[i].name && v[j].name &&
				    strcmp(v[i].name, v[j].name) == 0) {
					yamlconf_error(&x->yc, n->items[i],
						       "found multiple remote read configs with job name \"%s\"",
						       v[i].name);
					break;
				}
		}
		x->c->remote_read = v;
		x->c->nremote_read = n->len;
	}
}

/* YAML merge keys ("<<: *anchor", "<<: [*a, *b]"), which Go's yaml.v2
 * applies and lib/yamlconf leaves as ordinary keys: each map that has them
 * gets the merged maps' entries it does not set itself (earlier maps in a
 * list win), in place, before the config is read. Shared (aliased) nodes
 * may be visited more than once: the work budget bounds that. */
static int key_is_merge(const struct yamlconf_node *k)
{
	return k->kind == YAMLCONF_SCALAR && k->plain && strcmp(k->str, "<<") == 0;
}

static int map_has_key(const struct yamlconf_pair *p, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!key_is_merge(p[i].key) && strcmp(p[i].key->str, key) == 0)
			return 1;
	return 0;
}

static int expand_merges(struct cfg_ctx *x, struct yamlconf_node *n, int depth)
{
	if (!n || n->kind == YAMLCONF_SCALAR)
		return 0;
	if (depth > 64 || cfg_budget(x, n, 1) < 0)
		return -E2BIG;
	if (n->kind == YAMLCONF_SEQ) {
		for (size_t i = 0; i < n->len; i++)
			if (expand_merges(x, n->items[i], depth + 1) < 0)
				return -E2BIG;
		return 0;
	}
	size_t cap = 0;
	int has = 0;
	for (size_t i = 0; i < n->len; i++) {
		if (expand_merges(x, n->pairs[i].val, depth + 1) < 0)
			return -E2BIG;
		if (!key_is_merge(n->pairs[i].key)) {
			cap++;
			continue;
		}
		has = 1;
		const struct yamlconf_node *v = n->pairs[i].val;
		if (v->kind == YAMLCONF_MAP)
			cap += v->len;
		else if (v->kind == YAMLCONF_SEQ) {
			for (size_t j = 0; j < v->len; j++) {
				if (v->items[j]->kind != YAMLCONF_MAP)
					return yamlconf_error(&x->yc, v->items[j],
							      "map merge requires map or sequence of maps as the value");
				cap += v->items[j]->len;
			}
		} else
			return yamlconf_error(&x->yc, v,
					      "map merge requires map or sequence of maps as the value");
	}
	if (!has)
		return 0;
	if (cfg_budget(x, n, cap) < 0)
		return -E2BIG;
	struct yamlconf_pair *np = arena_alloc(x->a, (cap ? cap : 1) * sizeof *np);
	size_t cnt = 0;
	for (size_t i = 0; i < n->len; i++)
		if (!key_is_merge(n->pairs[i].key))
			np[cnt++] = n->pairs[i];
	for (size_t i = 0; i < n->len; i++) {
		if (!key_is_merge(n->pairs[i].key))
			continue;
		const struct yamlconf_node *v = n->pairs[i].val;
		size_t nm = v->kind == YAMLCONF_MAP ? 1 : v->len;
		for (size_t j = 0; j < nm; j++) {
			const struct yamlconf_node *m = v->kind == YAMLCONF_MAP ? v : v->items[j];
			for (size_t k = 0; k < m->len; k++)
				if (!key_is_merge(m->pairs[k].key) &&
				    !map_has_key(np, cnt, m->pairs[k].key->str))
					np[cnt++] = m->pairs[k];
		}
	}
	n->pairs = np;
	n->len = cnt;
	return 0;
}

static int load_tree(struct cfg_ctx *x)
{
	if (expand_merges(x, x->yc.root, 0) < 0)
		return -EINVAL;
	const struct yamlconf_node *root = x->yc.root;
	x->c->storage_max_exemplars = -1;
	if (root && !yamlconf_is_null(root)) {
		if (yamlconf_strict(&x->yc, root, top_keys) && root->kind != YAMLCONF_MAP)
			return -EINVAL;
	}
	load_global(x, yamlconf_get(root, "global"));
	load_rule_files(x, yamlconf_get(root, "rule_files"));
	cfg_alerting(x, yamlconf_get(root, "alerting"));
	load_scrape_configs(x, yamlconf_get(root, "scrape_configs"));
	load_storage(x, yamlconf_get(root, "storage"));
	load_tracing(x, yamlconf_get(root, "tracing"));
	load_remote(x, root);
	return x->yc.nerrors ? -EINVAL : 0;
}

static int config_build(const char *name, const char *data, size_t len,
			struct prom_config **out, struct buf *errors)
{
	struct prom_config *c = xcalloc(1, sizeof *c);
	c->arena = (struct arena)ARENA_INIT;
	c->path = arena_strdup(&c->arena, name);
	const char *slash = strrchr(name, '/');
	c->dir = slash ? arena_strndup(&c->arena, name, slash == name ? 1 : (size_t)(slash - name))
		       : ".";
	char *text = arena_alloc(&c->arena, len + 1);
	memcpy(text, data, len);
	text[len] = 0;
	c->text = text;
	c->text_len = len;

	struct cfg_ctx x;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.a = &c->arena;
	yamlconf_init(&x.yc);
	int rc = yamlconf_parse(&x.yc, name, data, len);
	if (rc == 0)
		rc = load_tree(&x);
	else
		rc = -EINVAL;
	if (x.yc.errors.len)
		buf_put(errors, x.yc.errors.p, x.yc.errors.len);
	else if (rc)
		buf_printf(errors, "%s: invalid configuration\n", name);
	/* The tree's strings are referenced from c: keep the tree's arena
	 * alive by moving it under the config (one free releases both). */
	if (rc == 0) {
		c->yaml_arena = x.yc.arena;
		x.yc.arena = (struct arena)ARENA_INIT;
		yamlconf_free(&x.yc);
		*out = c;
		return 0;
	}
	yamlconf_free(&x.yc);
	prom_config_free(c);
	return rc;
}

int prom_config_parse(const char *name, const char *data, size_t len,
		      struct prom_config **out, struct buf *errors)
{
	return config_build(name, data, len, out, errors);
}

int prom_config_load(const char *path, struct prom_config **out, struct buf *errors)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		buf_printf(errors, "%s: cannot open: %s\n", path, strerror(e));
		return -e;
	}
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	const size_t max = 4u << 20; /* as yamlconf's max_bytes */
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_put(&b, chunk, n);
		if (b.len > max)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		buf_printf(errors, "%s: read error\n", path);
		buf_free(&b);
		return -EIO;
	}
	if (b.len > max) {
		buf_printf(errors, "%s: file is larger than %zu bytes\n", path, max);
		buf_free(&b);
		return -EINVAL;
	}
	int rc = config_build(path, b.p ? b.p : "", b.len, out, errors);
	buf_free(&b);
	return rc;
}

void prom_config_free(struct prom_config *c)
{
	if (!c)
		return;
	arena_free(&c->yaml_arena);
	arena_free(&c->arena);
	free(c);
}

const struct prom_scrape_config *prom_config_job(const struct prom_config *c,
						  const char *job_name)
{
	for (size_t i = 0; i < c->nscrape_configs; i++)
		if (strcmp(c->scrape_configs[i].job_name, job_name) == 0)
			return &c->scrape_configs[i];
	return NULL;
}

void prom_config_warnings(const struct prom_config *c, struct buf *out)
{
	if (c->nremote_read)
		buf_printf(out, "%s: remote_read is ignored by pharos (%zu entr%s): queries read only the local store\n",
			   c->path, c->nremote_read, c->nremote_read == 1 ? "y" : "ies");
	for (size_t i = 0; i < c->nscrape_configs; i++)
		if (c->scrape_configs[i].http.proxy_url)
			buf_printf(out, "%s:%d:%d: job \"%s\": proxy_url is not supported by pharos: its targets will fail to scrape\n",
				   c->path, c->scrape_configs[i].line, c->scrape_configs[i].col,
				   c->scrape_configs[i].job_name);
	for (size_t i = 0; i < c->nremote_write; i++)
		if (c->remote_write[i].http.proxy_url)
			buf_printf(out, "%s:%d:%d: remote_write: proxy_url is not supported by pharos\n", c->path,
				   c->remote_write[i].line, c->remote_write[i].col);
	if (c->storage_max_exemplars >= 0)
		buf_printf(out, "%s: storage.exemplars is ignored by pharos (exemplars are not stored)\n", c->path);
	if (c->storage_out_of_order_time_window_ms)
		buf_printf(out, "%s: storage.tsdb.out_of_order_time_window is ignored by pharos\n", c->path);
	if (c->global.query_log_file)
		buf_printf(out, "%s: global.query_log_file is ignored by pharos\n", c->path);
}
