/* target.h - a scrape target's labels, as Prometheus 2.42's PopulateLabels
 * computes them, and the URL to scrape.
 *
 * From a scrape config, the labels of a target group (static_configs
 * labels, or file_sd's labels with __meta_filepath) and one target
 * address:
 *   1. the discovered labels: the group's labels, __address__ = address,
 *      then job, __scrape_interval__, __scrape_timeout__, __metrics_path__
 *      and __scheme__ where not already set, then __param_<name> = first
 *      value of each params entry;
 *   2. relabel_configs applied; a keep/drop may drop the target;
 *   3. an empty __address__ is the error "no address"; an address without
 *      a port gets :80 (http) or :443 (https); the address is checked
 *      (no "/" etc.); __scrape_interval__ / __scrape_timeout__ are parsed
 *      and checked (non-zero, timeout <= interval);
 *   4. __meta_* labels removed, instance defaulted to __address__.
 * The final set keeps the other "__" labels (__scheme__, __metrics_path__,
 * __param_*, __scrape_interval__, ...): the scraper reads them. What the
 * target shows as its labels (/api/v1/targets "labels", and what is
 * attached to scraped series) is the set without "__" labels:
 * target_public_labels().
 *
 * Memory: everything returned is allocated from the caller's arena
 * (label arrays and strings), valid until that arena is freed or reset.
 */
#ifndef PHAROS_TSDB_TARGET_H
#define PHAROS_TSDB_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/labels.h"
#include "config.h"

struct target_result {
	struct labels labels;     /* final labels incl. "__" ones; empty if dropped or error */
	struct labels discovered; /* labels before relabeling; empty on error */
	int dropped;              /* 1 when relabeling dropped the target */
	const char *error;        /* NULL, or why the target is invalid (Prometheus's wording) */
	int64_t interval_ms;      /* from __scrape_interval__ (kept targets) */
	int64_t timeout_ms;       /* from __scrape_timeout__ (kept targets) */
};

/* Compute a target's labels (see above).
 * [in] sc: the scrape config (its job, interval, timeout, path, scheme,
 *      params, relabel_configs).
 * [in] group_labels: the target group's labels (may be NULL).
 * [in] address: the target as listed ("host:port").
 * [in] a: arena for everything in *out.
 * [out] out: filled in. Exactly one of: kept (labels non-empty), dropped
 *      (dropped = 1, discovered set), invalid (error set).
 * Returns 0 (whatever the outcome), or -ENOMEM-like codes never: all
 * outcomes are in *out. */
int target_populate(const struct prom_scrape_config *sc, const struct labels *group_labels,
		    const char *address, struct arena *a, struct target_result *out);

/* The labels without the "__"-prefixed ones (what a target shows and
 * attaches to its series). The array comes from a; strings are shared
 * with l. */
struct labels target_public_labels(const struct labels *l, struct arena *a);

/* The scrape URL of a kept target: __scheme__://__address__ __metrics_path__
 * ?__param_x=... (params from the __param_ labels, each query-escaped as
 * Go's url.Values.Encode, sorted by name; params entries with several
 * values keep their other values from the config, as Prometheus does).
 * [in] sc: for the extra param values (may be NULL).
 * Returns the URL allocated from a. */
const char *target_url(const struct labels *l, const struct prom_scrape_config *sc,
		       struct arena *a);

/* An Alertmanager of an alerting.alertmanagers entry, as Prometheus
 * 2.42's notifier.AlertmanagerFromGroup: the labels __address__ = address,
 * __scheme__ = am->scheme, __alerts_path__ = path_prefix joined with
 * /api/<api_version>/alerts (cleaned like Go's path.Join), the group's
 * labels where not set, then am->relabel_configs.
 * [out] out: labels (after relabeling), dropped, or error ("\"h/x\" is not
 *      a valid hostname"); interval_ms/timeout_ms are 0.
 * [out] url: when kept, __scheme__://__address__<__alerts_path__>, from a
 *      (may be NULL). Returns 0. */
int target_alertmanager(const struct prom_alertmanager_config *am,
			const struct labels *group_labels, const char *address,
			struct arena *a, struct target_result *out, const char **url);

#endif
