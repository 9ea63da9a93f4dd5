/* config_internal.h - helpers shared by the prometheus.yml loader's files
 * (config.c: top level, global, scrape configs; config_http.c: HTTP
 * client settings, relabel lists, target groups, file_sd, remote
 * write/read, alerting). Not part of the public interface. */
#ifndef PHAROS_TSDB_CONFIG_INTERNAL_H
#define PHAROS_TSDB_CONFIG_INTERNAL_H

#include "../../lib/yamlconf.h"
#include "config.h"

/* The state of one load: the YAML tree and the config being built. */
struct cfg_ctx {
	struct yamlconf yc;
	struct prom_config *c;
	struct arena *a; /* == &c->arena */
	size_t work;     /* list items and map entries visited so far */
	int over_budget; /* the budget error was recorded */
};

/* Bound on the list items and map entries a load visits: YAML aliases
 * share nodes, so a small file can name one big list many times. */
#define CFG_WORK_MAX 500000

/* Count n more items against the budget. Returns 0, or -E2BIG (error
 * recorded once, at node at) when the budget is spent. */
int cfg_budget(struct cfg_ctx *x, const struct yamlconf_node *at, size_t n);

/* dir/path unless path is empty or absolute (Go's config.JoinDir). */
const char *cfg_join_dir(struct cfg_ctx *x, const char *path);

/* A sequence node's items: 1 when n is a non-empty sequence, 0 when n is
 * NULL, null or an empty sequence, -EINVAL (error recorded) otherwise. */
int cfg_seq(struct cfg_ctx *x, const struct yamlconf_node *n, const char *what);

/* A sequence of strings (a scalar is an error, as in Go's yaml.v2).
 * Returns the count (>= 0) or -EINVAL. */
int cfg_strseq(struct cfg_ctx *x, const struct yamlconf_node *n, const char ***out);

/* The HTTP client fields (inline in scrape configs, alertmanagers,
 * remote_write, remote_read) read from map into *h with Prometheus's
 * defaults and validation. */
int cfg_http_client(struct cfg_ctx *x, const struct yamlconf_node *map,
		    struct prom_http_client *h);
/* The HTTP client keys, for strict checks (NULL-terminated). */
extern const char *const cfg_http_client_keys[];

/* A relabel_configs-style list. what names it in messages. */
int cfg_relabel_list(struct cfg_ctx *x, const struct yamlconf_node *n, const char *what,
		     const struct relabel_config *const **out, size_t *nout);

/* static_configs and file_sd_configs of a scrape config or alertmanager
 * config (map), with the "*_sd_configs that pharos does not support"
 * check. check_targets: refuse "/" in static targets (Prometheus does so
 * when there are no relabel_configs). */
int cfg_discovery(struct cfg_ctx *x, const struct yamlconf_node *map, int check_targets,
		  const struct prom_target_group **st, size_t *nst,
		  const struct prom_file_sd_config **fs, size_t *nfs);
/* Every *_sd_configs key Prometheus 2.42 knows (NULL-terminated). */
extern const char *const cfg_sd_keys[];

/* A map of label name -> value (static_configs labels, external_labels).
 * check_values: refuse invalid UTF-8 values. */
int cfg_label_map(struct cfg_ctx *x, const struct yamlconf_node *n, int check_values,
		  struct labels *out);

int cfg_remote_write(struct cfg_ctx *x, const struct yamlconf_node *n,
		     struct prom_remote_write *rw);
int cfg_remote_read(struct cfg_ctx *x, const struct yamlconf_node *n,
		    struct prom_remote_read *rr);
int cfg_alerting(struct cfg_ctx *x, const struct yamlconf_node *n);

/* Keys list concatenation for strict checks: a + b into the arena. */
const char *const *cfg_keys(struct cfg_ctx *x, const char *const *a, const char *const *b);

/* Non-negative integer field (Go uint/int with a minimum of 0).
 * Returns as yamlconf_get_int. */
int cfg_get_uint(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key,
		 uint64_t *out);

/* yamlconf_get_bool / yamlconf_get_int, refusing a quoted value as Go's
 * yaml.v2 does ("true" in quotes is a string, not a bool). */
int cfg_get_bool(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key, int *out);
int cfg_get_int(struct cfg_ctx *x, const struct yamlconf_node *map, const char *key,
		int64_t min, int64_t max, int64_t *out);

/* Is s valid UTF-8 (utf8_valid() over the NUL-terminated string)? */
int cfg_valid_utf8(const char *s);

#endif
