/* config.h - prometheus.yml, loaded and validated as Prometheus 2.42 does.
 *
 * prom_config_load() reads the file with lib/yamlconf.h (strict: an
 * unknown field is an error), applies Prometheus's defaults (a scrape
 * config inherits scrape_interval and scrape_timeout from global, and so
 * on) and its validations, and reports every problem as a line
 * "file:line:col: message" in the caller's error buffer. The result is one
 * immutable struct prom_config: safe to share between threads, replaced
 * as a whole on reload.
 *
 * Units: every duration is in milliseconds (int64_t, field names end in
 * _ms); sizes are in bytes. A limit of 0 means "no limit", as in
 * Prometheus.
 *
 * Paths: file names in the config (rule_files, file_sd_configs files,
 * tls_config ca_file/cert_file/key_file, password_file, credentials_file,
 * bearer_token_file) are resolved against the directory of the config
 * file, as Prometheus does; absolute names are kept.
 *
 * Memory: everything reachable from a struct prom_config (strings, arrays,
 * compiled regexes, label sets) lives in its own arena and stays valid
 * until prom_config_free(). Callers never free any pointer they read here.
 *
 * What pharos accepts but does not act on: remote_read (loaded and
 * validated; pharos-tsdb logs that it ignores it), storage and tracing
 * (validated and kept), proxy_url (kept: the scraper reports it as
 * unsupported for that target). Every *_sd_configs kind other than
 * static_configs and file_sd_configs is an error naming the kind and its
 * position, as are oauth2 and sigv4. prom_config_warnings() lists what is
 * ignored, for the log.
 *
 * Agreement with promtool: like `promtool check config`, loading runs
 * every static target through PopulateLabels (target.h) and every static
 * Alertmanager through the notifier's relabeling, and fails on the first
 * error. YAML merge keys (<<) are applied as Go's yaml.v2 does. Known
 * differences: a second YAML document in the file is an error here (Go
 * reads the first only); YAML tags are ignored (a lone "!" root loads as
 * an empty config; Go refuses it).
 */
#ifndef PHAROS_TSDB_CONFIG_H
#define PHAROS_TSDB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/labels.h"
#include "relabel.h"

/* basic_auth: username and one of password / password_file. */
struct prom_basic_auth {
	const char *username;      /* "" when not set */
	const char *password;      /* NULL when not set */
	const char *password_file; /* NULL when not set; resolved path */
};

/* authorization: "type credentials" in the Authorization header. The
 * legacy bearer_token / bearer_token_file are folded into this as
 * type "Bearer", as Prometheus does. */
struct prom_authorization {
	const char *type;             /* default "Bearer" */
	const char *credentials;      /* NULL when not set */
	const char *credentials_file; /* NULL when not set; resolved path */
};

struct prom_tls_config {
	const char *ca_file;    /* NULL when not set; resolved path */
	const char *cert_file;  /* NULL when not set; resolved path */
	const char *key_file;   /* NULL when not set; resolved path */
	const char *server_name;/* NULL when not set */
	int insecure_skip_verify;
	const char *min_version;/* NULL (Go's default: TLS 1.2), or "TLS10".."TLS13" */
};

/* The HTTP client settings Prometheus shares between scrape configs,
 * alertmanagers, remote_write and remote_read. */
struct prom_http_client {
	const struct prom_basic_auth *basic_auth;       /* NULL when absent */
	const struct prom_authorization *authorization; /* NULL when absent */
	struct prom_tls_config tls;
	const char *proxy_url;  /* NULL when not set (pharos does not proxy) */
	int follow_redirects;   /* default 1 */
	int enable_http2;       /* default 1 */
};

/* A target group: static_configs entries, and what file_sd produces. */
struct prom_target_group {
	const char *const *targets; /* "host:port" strings; ntargets of them */
	size_t ntargets;
	struct labels labels;       /* the group's labels (file_sd adds __meta_filepath) */
	const char *source;         /* "0", "1"... for static configs; "file:index" for file_sd */
};

struct prom_file_sd_config {
	const char *const *files;   /* globs, resolved against the config's directory */
	size_t nfiles;
	int64_t refresh_interval_ms;/* default 5m */
	int line, col;
};

/* One "params" entry: ?name=value&name=value2. */
struct prom_param {
	const char *name;
	const char *const *values;  /* nvalues strings (Prometheus's url.Values) */
	size_t nvalues;
};

struct prom_scrape_config {
	const char *job_name;
	int64_t scrape_interval_ms;   /* default: global.scrape_interval_ms */
	int64_t scrape_timeout_ms;    /* default: min(global timeout, this interval) */
	const char *metrics_path;     /* default "/metrics" */
	const char *scheme;           /* "http" (default) or "https" */
	const struct prom_param *params;
	size_t nparams;
	int honor_labels;             /* default 0 */
	int honor_timestamps;         /* default 1 */
	struct prom_http_client http;
	const struct prom_target_group *static_configs;
	size_t nstatic_configs;
	const struct prom_file_sd_config *file_sd_configs;
	size_t nfile_sd_configs;
	const struct relabel_config *const *relabel_configs;
	size_t nrelabel_configs;
	const struct relabel_config *const *metric_relabel_configs;
	size_t nmetric_relabel_configs;
	uint64_t sample_limit;        /* 0 = none */
	uint64_t label_limit;
	uint64_t label_name_length_limit;
	uint64_t label_value_length_limit;
	uint64_t target_limit;
	uint64_t body_size_limit;     /* bytes ("10MB" = 10 MiB, as Go's units.Base2Bytes) */
	int line, col;                /* where the entry starts */
};

struct prom_header {
	const char *name, *value;
};

struct prom_queue_config {
	int64_t capacity;             /* default 2500 */
	int64_t max_shards;           /* default 200 */
	int64_t min_shards;           /* default 1 */
	int64_t max_samples_per_send; /* default 500 */
	int64_t batch_send_deadline_ms; /* default 5s */
	int64_t min_backoff_ms;       /* default 30ms */
	int64_t max_backoff_ms;       /* default 5s */
	int retry_on_http_429;        /* default 0 */
};

struct prom_metadata_config {
	int send;                     /* default 1 */
	int64_t send_interval_ms;     /* default 1m */
	int64_t max_samples_per_send; /* default 500 */
};

struct prom_remote_write {
	const char *url;              /* required, absolute http(s) URL */
	const char *name;             /* "" when not set (unique when set) */
	int64_t remote_timeout_ms;    /* default 30s */
	const struct prom_header *headers;
	size_t nheaders;
	int send_exemplars;
	int send_native_histograms;
	const struct relabel_config *const *write_relabel_configs;
	size_t nwrite_relabel_configs;
	struct prom_http_client http;
	struct prom_queue_config queue;
	struct prom_metadata_config metadata;
	int line, col;
};

/* remote_read: validated and kept, not used by pharos. */
struct prom_remote_read {
	const char *url;
	const char *name;
	int64_t remote_timeout_ms;    /* default 1m */
	int read_recent;
	int filter_external_labels;   /* default 1 */
	struct prom_http_client http;
	int line, col;
};

struct prom_alertmanager_config {
	const char *scheme;           /* default "http" */
	const char *path_prefix;      /* default "" */
	int64_t timeout_ms;           /* default 10s */
	const char *api_version;      /* "v2" (default) or "v1" */
	struct prom_http_client http;
	const struct prom_target_group *static_configs;
	size_t nstatic_configs;
	const struct prom_file_sd_config *file_sd_configs;
	size_t nfile_sd_configs;
	const struct relabel_config *const *relabel_configs;
	size_t nrelabel_configs;
	int line, col;
};

struct prom_global_config {
	int64_t scrape_interval_ms;     /* default 1m */
	int64_t scrape_timeout_ms;      /* default 10s */
	int64_t evaluation_interval_ms; /* default 1m */
	const char *query_log_file;     /* NULL when not set */
	struct labels external_labels;  /* sorted; empty when not set */
};

struct prom_config {
	struct arena arena;             /* owns everything below */
	struct arena yaml_arena;        /* the parsed YAML tree that strings point into */
	const char *path;               /* the file as given */
	const char *dir;                /* its directory, for relative names */
	const char *text;               /* the file's bytes, NUL-terminated */
	size_t text_len;

	struct prom_global_config global;

	const char *const *rule_files;  /* globs, resolved against dir */
	size_t nrule_files;

	const struct relabel_config *const *alert_relabel_configs;
	size_t nalert_relabel_configs;
	const struct prom_alertmanager_config *alertmanagers;
	size_t nalertmanagers;

	const struct prom_scrape_config *scrape_configs;
	size_t nscrape_configs;

	const struct prom_remote_write *remote_write;
	size_t nremote_write;
	const struct prom_remote_read *remote_read;
	size_t nremote_read;

	int64_t storage_out_of_order_time_window_ms; /* storage.tsdb; 0 when not set */
	int64_t storage_max_exemplars;  /* storage.exemplars; -1 when not set */
};

/* Read, parse and validate the file at path.
 * [out] out: the new config on success (free with prom_config_free()),
 *            untouched on failure.
 * [out] errors: one "file:line:col: message\n" line per problem is
 *            appended (the caller owns and frees the buffer).
 * Returns 0, -EINVAL when the file has errors, or -errno when it cannot
 * be read (also written to errors). */
int prom_config_load(const char *path, struct prom_config **out, struct buf *errors);

/* The same from bytes in memory (tests, fuzzing, reload from a buffer).
 * [in] name: used in messages and for relative paths (its directory).
 * data is copied. Returns 0 or -EINVAL (messages in errors). */
int prom_config_parse(const char *name, const char *data, size_t len,
		      struct prom_config **out, struct buf *errors);

/* Free a config and everything in it. NULL is allowed. */
void prom_config_free(struct prom_config *c);

/* Append the config as YAML the way Prometheus 2.42 shows it at
 * /api/v1/status/config ("yaml" field): defaults filled in, secrets
 * (passwords, credentials, bearer tokens) as <secret>, fields in
 * Prometheus's order. Safe to publish, unlike c->text. */
void prom_config_marshal(const struct prom_config *c, struct buf *out);

/* Append one line ("file: message\n") for each setting that loaded but
 * that pharos does not act on: remote_read (ignored), proxy_url (not
 * supported; the scraper also reports it per target), storage.exemplars
 * and out_of_order_time_window, query_log_file. For the caller to log
 * after a successful load or reload. */
void prom_config_warnings(const struct prom_config *c, struct buf *out);

/* The scrape config with that job name, or NULL. Borrowed from c. */
const struct prom_scrape_config *prom_config_job(const struct prom_config *c,
						  const char *job_name);

/* Write ms as Prometheus prints a duration (model.Duration.String():
 * "15s", "1m30s", "2w", "0s") into out (at least 32 bytes). Returns out. */
char *prom_duration_format(int64_t ms, char *out, size_t outlen);

/* Parse a byte size as Go's units.Base2Bytes ("10MB", "1KiB", "512B",
 * "1GB" = 1 GiB; a bare number without a unit is an error, as in Go).
 * Returns 0 or -EINVAL. */
int prom_parse_bytes(const char *s, uint64_t *out);

#endif
