/* relabel.h - Prometheus relabeling (relabel_configs, metric_relabel_configs,
 * write_relabel_configs, alert_relabel_configs), as Prometheus 2.42 does it.
 *
 * A struct relabel_config is one rule, compiled: its regex is an RE2-style
 * pattern anchored at both ends (Prometheus compiles "^(?:" re ")$"),
 * compiled with PCRE2 through labels_matcher_init() (lib/labels.h), so the
 * same patterns are accepted and refused as in PromQL. Capture groups and
 * named groups ((?P<name>...)) are available to the replacement, which is
 * expanded with Go's regexp.Expand rules: $1, ${1}, $name, ${name}; a name
 * is the longest run of [A-Za-z0-9_] ("$1x" names the group "1x", which
 * does not exist and so expands to ""); "$$" is a literal "$".
 *
 * Defaults (as Prometheus): separator ";", regex "(.*)", replacement "$1",
 * action replace, modulus 0.
 *
 * Hostile patterns: keep/drop/labeldrop/labelkeep match through
 * labels_matcher_matches() (PCRE2 with limits and a DFA fallback, so
 * linear-time like RE2). replace and labelmap need capture groups, which
 * the DFA cannot give: a match that hits PCRE2's limits counts as no
 * match there (the label is left unchanged). lowercase/uppercase map
 * ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters (Go maps
 * every script).
 *
 * Memory: a compiled rule lives in the arena given to relabel_compile()
 * (strings and regex included): nothing to free but the arena. A compiled
 * rule is read-only and may be shared between threads.
 */
#ifndef PHAROS_TSDB_RELABEL_H
#define PHAROS_TSDB_RELABEL_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/labels.h"

enum relabel_action {
	RELABEL_REPLACE,
	RELABEL_KEEP,
	RELABEL_DROP,
	RELABEL_KEEPEQUAL,
	RELABEL_DROPEQUAL,
	RELABEL_HASHMOD,
	RELABEL_LABELMAP,
	RELABEL_LABELDROP,
	RELABEL_LABELKEEP,
	RELABEL_LOWERCASE,
	RELABEL_UPPERCASE,
};

/* The action's name as written in YAML ("replace", "hashmod", ...). */
const char *relabel_action_name(enum relabel_action a);
/* Parse an action name (case-insensitive, as Prometheus). Returns 0 and
 * sets *out, or -EINVAL for an unknown name. */
int relabel_action_parse(const char *s, enum relabel_action *out);

struct relabel_config {
	const char *const *source_labels; /* NULL-terminated; nsource entries */
	size_t nsource;
	const char *separator;     /* default ";" */
	const char *regex;         /* the pattern as written (unanchored); default "(.*)" */
	struct labels_matcher re;  /* compiled (re.re is the pcre2_code) */
	uint64_t modulus;          /* hashmod only, > 0 there */
	const char *target_label;  /* "" when not set */
	const char *replacement;   /* default "$1" */
	enum relabel_action action;
	int line, col;             /* where the rule starts in its file (0 if unknown) */
};

/* The raw fields of one rule, as read from a config file. NULL (or, for
 * the numbers, has_modulus == 0) means "not given": the default applies. */
struct relabel_spec {
	const char *const *source_labels; /* NULL or NULL-terminated */
	size_t nsource;
	const char *separator;
	const char *regex;
	int has_modulus;
	uint64_t modulus;
	const char *target_label;
	const char *replacement;
	const char *action;
};

/* Compile spec into *out, copying every string into arena a, and apply
 * Prometheus 2.42's validations (relabel.Config.UnmarshalYAML):
 * a regex that does not compile, an unknown action, a missing target_label
 * for replace/hashmod/lowercase/uppercase, a target_label that is not a
 * valid label name (for replace: a name or a template using $ groups),
 * modulus 0 for hashmod, source_labels for keepequal/dropequal without a
 * target_label, fields that labeldrop/labelkeep/keepequal/dropequal do not
 * allow, and so on.
 * Returns 0, or -EINVAL with *err set to a message allocated from a
 * (without a position; the caller adds file:line:col). */
int relabel_compile(struct arena *a, const struct relabel_spec *spec,
		    struct relabel_config *out, const char **err);

/* Apply rules rc[0..n) in order to the labels in b.
 * [in,out] b: edited in place.
 * [in] a: new label values (replacements, hashes, case changes) are
 *      allocated here; b borrows them, so a must outlive b's use of them.
 * Returns 1 to keep the set, 0 when a keep/drop/keepequal/dropequal rule
 * dropped it (b is then left partly edited and should be discarded). */
int relabel_process(const struct relabel_config *const *rc, size_t n,
		    struct labels_builder *b, struct arena *a);

/* Prometheus's hashmod: the MD5 of s folded to a uint64 as Prometheus's
 * sum64() does (byte i shifted left by (15-i)*8 bits; in Go a shift of 64
 * or more gives 0, so only bytes 8..15 count: they are read as a
 * big-endian uint64), modulo mod (mod > 0). */
uint64_t relabel_hashmod(const char *s, size_t len, uint64_t mod);

/* MD5 of len bytes of data into out[16] (RFC 1321). */
void relabel_md5(const void *data, size_t len, unsigned char out[16]);

#endif
