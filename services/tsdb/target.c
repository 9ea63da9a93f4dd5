/* target.c - a target's labels (Prometheus 2.42's scrape.PopulateLabels)
 * and its scrape URL (scrape.Target.URL). See target.h. */
#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/utf8.h"
#include "../../lib/yamlconf.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's net.SplitHostPort succeeds on s? (host:port, [v6]:port; the port
 * may be empty or anything without a colon). */
static int split_host_port_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return 0; /* missing port */
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end)
			return 0;
		if (end + 1 != colon)
			return 0; /* "[::1]x:80" or "[::1]" alone */
		/* no '[' or ']' inside the rest */
		for (const char *p = s + 1; p < end; p++)
			if (*p == '[')
				return 0;
		return strchr(colon, ']') == NULL && strchr(colon, '[') == NULL;
	}
	/* Unbracketed: exactly one colon, no brackets. */
	for (const char *p = s; p < colon; p++)
		if (*p == ':' || *p == '[' || *p == ']')
			return 0;
	return strchr(colon + 1, '[') == NULL && strchr(colon + 1, ']') == NULL;
}

static int fail(struct target_result *out, const char *msg)
{
	out->labels = LABELS_EMPTY;
	out->discovered = LABELS_EMPTY;
	out->dropped = 0;
	out->error = msg;
	return 0;
}

int target_populate(const struct prom_scrape_config *sc, const struct labels *group_labels,
		    const char *address, struct arena *a, struct target_result *out)
{
	memset(out, 0, sizeof *out);
	struct labels_builder b = LABELS_BUILDER_INIT;
	labels_builder_reset(&b, group_labels);
	labels_builder_set(&b, "__address__", address);

	/* Prometheus's targetsFromGroup merges the target's own labels
	 * (__address__) over the group's, then PopulateLabels sets the scrape
	 * defaults where they are absent. */
	char iv[32], to[32];
	prom_duration_format(sc->scrape_interval_ms, iv, sizeof iv);
	prom_duration_format(sc->scrape_timeout_ms, to, sizeof to);
	const char *defs[][2] = {
		{ "job", sc->job_name },
		{ "__scrape_interval__", arena_strdup(a, iv) },
		{ "__scrape_timeout__", arena_strdup(a, to) },
		{ "__metrics_path__", sc->metrics_path },
		{ "__scheme__", sc->scheme },
	};
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		const char *v = labels_builder_get(&b, defs[i][0]);
		if (!v || !*v)
			labels_builder_set(&b, defs[i][0], defs[i][1]);
	}
	for (size_t i = 0; i < sc->nparams; i++)
		if (sc->params[i].nvalues > 0)
			labels_builder_set(&b, arena_printf(a, "__param_%s", sc->params[i].name),
					   sc->params[i].values[0]);

	struct labels pre;
	labels_builder_finish(&b, a, &pre);
	if (!relabel_process(sc->relabel_configs, sc->nrelabel_configs, &b, a)) {
		labels_builder_free(&b);
		out->dropped = 1;
		out->discovered = pre;
		return 0;
	}
	struct labels ls;
	labels_builder_finish(&b, a, &ls);
	const char *addr = labels_get(&ls, "__address__");
	if (!addr || !*addr) {
		labels_builder_free(&b);
		return fail(out, "no address");
	}
	const char *scheme = labels_get(&ls, "__scheme__");
	if (!split_host_port_ok(addr)) {
		char *with = arena_printf(a, "%s:1234", addr);
		if (split_host_port_ok(with)) {
			if (!scheme || strcmp(scheme, "http") == 0)
				addr = arena_printf(a, "%s:80", addr);
			else if (strcmp(scheme, "https") == 0)
				addr = arena_printf(a, "%s:443", addr);
			else {
				labels_builder_free(&b);
				return fail(out, arena_printf(a, "invalid scheme: \"%s\"", sc->scheme));
			}
			labels_builder_set(&b, "__address__", addr);
		}
	}
	if (strchr(addr, '/')) {
		labels_builder_free(&b);
		return fail(out, arena_printf(a, "\"%s\" is not a valid hostname", addr));
	}

	const char *interval = labels_get(&ls, "__scrape_interval__");
	int64_t iv_ms = 0, to_ms = 0;
	if (yamlconf_parse_duration(interval ? interval : "", &iv_ms) < 0) {
		labels_builder_free(&b);
		return fail(out, arena_printf(a, "error parsing scrape interval: not a valid duration string: \"%s\"",
					      interval ? interval : ""));
	}
	if (iv_ms == 0) {
		labels_builder_free(&b);
		return fail(out, "scrape interval cannot be 0");
	}
	const char *timeout = labels_get(&ls, "__scrape_timeout__");
	if (yamlconf_parse_duration(timeout ? timeout : "", &to_ms) < 0) {
		labels_builder_free(&b);
		return fail(out, arena_printf(a, "error parsing scrape timeout: not a valid duration string: \"%s\"",
					      timeout ? timeout : ""));
	}
	if (to_ms == 0) {
		labels_builder_free(&b);
		return fail(out, "scrape timeout cannot be 0");
	}
	if (to_ms > iv_ms) {
		labels_builder_free(&b);
		return fail(out, arena_printf(a, "scrape timeout cannot be greater than scrape interval (\"%s\" > \"%s\")",
					      timeout, interval));
	}

	for (size_t i = 0; i < ls.n; i++)
		if (strncmp(ls.v[i].name, "__meta_", 7) == 0)
			labels_builder_del(&b, ls.v[i].name);
	const char *inst = labels_get(&ls, "instance");
	if (!inst || !*inst)
		labels_builder_set(&b, "instance", addr);

	struct labels res;
	labels_builder_finish(&b, a, &res);
	labels_builder_free(&b);
	for (size_t i = 0; i < res.n; i++)
		if (!utf8_valid(res.v[i].value, strlen(res.v[i].value)))
			return fail(out, arena_printf(a, "invalid label value for \"%s\": \"%s\"",
						      res.v[i].name, res.v[i].value));
	out->labels = res;
	out->discovered = pre;
	out->interval_ms = iv_ms;
	out->timeout_ms = to_ms;
	return 0;
}

struct labels target_public_labels(const struct labels *l, struct arena *a)
{
	struct label *v = arena_alloc(a, (l->n ? l->n : 1) * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i].name, "__", 2) != 0)
			v[n++] = l->v[i];
	return (struct labels){ v, n };
}

/* Go's url.shouldEscape for the given mode. */
enum esc_mode { ESC_PATH, ESC_QUERY };

static int should_escape(unsigned char c, enum esc_mode m)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 0;
	switch (c) {
	case '-': case '_': case '.': case '~':
		return 0;
	case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=':
	case '?': case '@':
		if (m == ESC_PATH)
			return c == '?';
		return 1;
	}
	return 1;
}

static void escape(struct buf *out, const char *s, enum esc_mode m)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (m == ESC_QUERY && *p == ' ')
			buf_putc(out, '+');
		else if (should_escape(*p, m)) {
			buf_putc(out, '%');
			buf_putc(out, hex[*p >> 4]);
			buf_putc(out, hex[*p & 15]);
		} else
			buf_putc(out, (char)*p);
	}
}

const char *target_url(const struct labels *l, const struct prom_scrape_config *sc,
		       struct arena *a)
{
	/* Collect (name, values) pairs: the config's params, then the
	 * __param_ labels replacing each one's first value. */
	size_t cap = (sc ? sc->nparams : 0) + l->n + 1;
	struct qp {
		const char *name;
		const char *const *vals;
		size_t n;
		const char *first;
	} *q = arena_alloc(a, cap * sizeof *q);
	size_t nq = 0;
	for (size_t i = 0; sc && i < sc->nparams; i++) {
		q[nq].name = sc->params[i].name;
		q[nq].vals = sc->params[i].values;
		q[nq].n = sc->params[i].nvalues;
		q[nq].first = q[nq].n ? q[nq].vals[0] : NULL;
		nq++;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (strncmp(l->v[i].name, "__param_", 8) != 0)
			continue;
		const char *k = l->v[i].name + 8;
		size_t j;
		for (j = 0; j < nq; j++)
			if (strcmp(q[j].name, k) == 0)
				break;
		if (j == nq) {
			q[nq].name = k;
			q[nq].vals = NULL;
			q[nq].n = 0;
			nq++;
		}
		q[j].first = l->v[i].value;
		if (q[j].n == 0)
			q[j].n = 1;
	}
	/* Sort by name (url.Values.Encode). */
	const char **names = arena_alloc(a, (nq + 1) * sizeof *names);
	for (size_t i = 0; i < nq; i++)
		names[i] = q[i].name;
	qsort(names, nq, sizeof *names, cmp_str);

	struct buf b = BUF_INIT;
	const char *scheme = labels_get(l, "__scheme__");
	const char *addr = labels_get(l, "__address__");
	const char *path = labels_get(l, "__metrics_path__");
	buf_printf(&b, "%s://%s", scheme ? scheme : "", addr ? addr : "");
	if (path && *path) {
		if (path[0] != '/' && addr && *addr)
			buf_putc(&b, '/');
		escape(&b, path, ESC_PATH);
	}
	int first = 1;
	for (size_t k = 0; k < nq; k++) {
		if (k > 0 && strcmp(names[k], names[k - 1]) == 0)
			continue;
		for (size_t i = 0; i < nq; i++) {
			if (strcmp(q[i].name, names[k]) != 0)
				continue;
			for (size_t j = 0; j < q[i].n; j++) {
				const char *v = j == 0 ? q[i].first : q[i].vals[j];
				buf_putc(&b, first ? '?' : '&');
				first = 0;
				escape(&b, q[i].name, ESC_QUERY);
				buf_putc(&b, '=');
				escape(&b, v ? v : "", ESC_QUERY);
			}
			break;
		}
	}
	const char *res = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return res;
}

/* Go's path.Join("/", prefix, rest) for absolute results: split on "/",
 * drop empty and "." elements, ".." removes the previous one. */
static const char *join_clean(struct arena *a, const char *prefix, const char *rest)
{
	char *in = arena_printf(a, "/%s/%s", prefix, rest);
	size_t n = strlen(in);
	char *out = arena_alloc(a, n + 2);
	size_t o = 0;
	for (char *p = in; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *e = p;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - p);
		if (len == 1 && p[0] == '.') {
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return out;
}

int target_alertmanager(const struct prom_alertmanager_config *am,
			const struct labels *group_labels, const char *address,
			struct arena *a, struct target_result *out, const char **url)
{
	memset(out, 0, sizeof *out);
	if (url)
		*url = NULL;
	struct labels_builder b = LABELS_BUILDER_INIT;
	labels_builder_reset(&b, group_labels);
	labels_builder_set(&b, "__address__", address);
	labels_builder_set(&b, "__scheme__", am->scheme);
	labels_builder_set(&b, "__alerts_path__",
			   join_clean(a, am->path_prefix,
				      arena_printf(a, "/api/%s/alerts", am->api_version)));
	struct labels pre;
	labels_builder_finish(&b, a, &pre);
	out->discovered = pre;
	if (!relabel_process(am->relabel_configs, am->nrelabel_configs, &b, a)) {
		labels_builder_free(&b);
		out->dropped = 1;
		return 0;
	}
	struct labels ls;
	labels_builder_finish(&b, a, &ls);
	labels_builder_free(&b);
	const char *addr = labels_get(&ls, "__address__");
	if (addr && strchr(addr, '/')) {
		out->discovered = LABELS_EMPTY;
		out->error = arena_printf(a, "\"%s\" is not a valid hostname", addr);
		return 0;
	}
	out->labels = ls;
	if (url) {
		const char *scheme = labels_get(&ls, "__scheme__");
		const char *path = labels_get(&ls, "__alerts_path__");
		struct buf u = BUF_INIT;
		buf_printf(&u, "%s://%s", scheme ? scheme : "", addr ? addr : "");
		if (path && *path) {
			if (path[0] != '/' && addr && *addr)
				buf_putc(&u, '/');
			escape(&u, path, ESC_PATH);
		}
		*url = arena_strndup(a, u.p ? u.p : "", u.len);
		buf_free(&u);
	}
	return 0;
}
