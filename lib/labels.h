/* labels.h - label sets and label matchers, as Prometheus defines them.
 *
 * A label set (struct labels) is an array of name/value pairs sorted by
 * name, names unique, every value non-empty (Prometheus drops labels with
 * empty values). The metric name is the label "__name__".
 *
 * Memory: a struct labels is a small value (pointer + count) that does not
 * own anything by itself. Every function here that makes a label set
 * allocates the pair array from the struct arena the caller passes; the
 * array is valid until that arena is freed or reset. Strings are BORROWED
 * unless a function says it copies them: labels_builder_finish() and
 * labels_from_pairs() keep the string pointers they were given, so the
 * caller must pass strings that live at least as long as the result
 * (typically strings in the same arena, or in storage that outlives the
 * query). labels_copy() makes a deep copy (array and strings) in an arena.
 *
 * A label matcher (struct labels_matcher) is one of name="v", name!="v",
 * name=~"re", name!~"re". Regular expressions have RE2 semantics, as in
 * Prometheus: fully anchored, Go's syntax; they are compiled with PCRE2
 * (see docs/promql-regex.md for how RE2 semantics are kept and which
 * PCRE2-only syntax is refused). A matcher lives in an arena too, compiled
 * regex included: nothing to free but the arena. The matcher functions are
 * implemented in services/tsdb/promql/labels_matcher.c, since only the
 * binaries that link the PromQL library link PCRE2.
 *
 * Thread safety: label sets and initialised matchers are read-only and may
 * be shared between threads; labels_matcher_matches() is thread-safe (it
 * uses per-thread match scratch). A builder belongs to one thread.
 */
#ifndef PHAROS_LABELS_H
#define PHAROS_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LABELS_METRIC_NAME "__name__"

/* Upper bound on the pairs a builder accepts (hostile-input guard). */
#define LABELS_MAX 4096

struct label {
	const char *name;  /* NUL-terminated; borrowed (see above) */
	const char *value; /* NUL-terminated, never empty in a finished set */
};

struct labels {
	const struct label *v; /* sorted by name (strcmp), names unique */
	size_t n;
};

#define LABELS_EMPTY ((struct labels){ NULL, 0 })

/* The value of label name in l, or NULL when l has no such label (Prometheus
 * treats a missing label as the empty string; callers that want that write
 * `v ? v : ""`). Binary search; the result is borrowed from l. */
const char *labels_get(const struct labels *l, const char *name);
bool labels_has(const struct labels *l, const char *name);

/* Order of two sets as Prometheus's labels.Compare: pairwise by name, then
 * by value, then the shorter set first. <0, 0, >0 like strcmp. */
int labels_cmp(const struct labels *a, const struct labels *b);
bool labels_equal(const struct labels *a, const struct labels *b);

/* 64-bit hash of the whole set. Equal sets hash equally; different sets may
 * collide, so a hash table keyed on it must still compare with
 * labels_equal(). Stable within one build of the program (not on disk). */
uint64_t labels_hash(const struct labels *l);

/* Hash of a subset, for grouping (by/without, on/ignoring):
 *   without == false: only the labels whose names are in names[0..n);
 *   without == true:  all labels except those in names[0..n) and except
 *                     __name__ (Prometheus drops the metric name here too).
 * names need not be sorted and may repeat. */
uint64_t labels_hash_subset(const struct labels *l, const char *const *names, size_t n,
			    bool without);

/* Deep copy of src into arena a: the pair array and every string.
 * Returns the copy (valid until a is freed or reset). */
struct labels labels_copy(struct arena *a, const struct labels *src);

/* Make a set from n name/value pairs in any order. Pairs with an empty (or
 * NULL) value are dropped; for a repeated name the last pair wins. Strings
 * are borrowed, the array comes from a. Returns 0, or -1 if n > LABELS_MAX. */
int labels_from_pairs(struct arena *a, const char *const *names, const char *const *values,
		      size_t n, struct labels *out);

/* Append the set as Prometheus prints it: {__name__="up", job="x"} (values
 * quoted with Go's strconv.Quote rules, ", " between pairs, {} if empty). */
void labels_format(const struct labels *l, struct buf *out);

/* A builder edits a set: start from a base, set/delete labels, finish.
 * It keeps its scratch array on the heap (labels_builder_free releases
 * it); strings are borrowed from the caller throughout. */
struct labels_builder {
	struct label *v; /* heap scratch, unsorted during edits; owned */
	size_t n, cap;
};

#define LABELS_BUILDER_INIT { NULL, 0, 0 }

/* Start over from base (may be NULL or empty). Keeps the scratch memory. */
void labels_builder_reset(struct labels_builder *b, const struct labels *base);
/* Set name to value; an empty or NULL value deletes the label (as
 * Prometheus's builder does). Returns 0, or -1 when the set would exceed
 * LABELS_MAX pairs. */
int labels_builder_set(struct labels_builder *b, const char *name, const char *value);
/* Delete name (no-op if absent). */
void labels_builder_del(struct labels_builder *b, const char *name);
/* Keep only the labels whose names are in names[0..n). */
void labels_builder_keep(struct labels_builder *b, const char *const *names, size_t n);
/* The value currently set for name, or NULL. */
const char *labels_builder_get(const struct labels_builder *b, const char *name);
/* Write the sorted result into out, its array allocated from a. The
 * builder is left as it was (finish may be called again after more
 * edits). */
void labels_builder_finish(struct labels_builder *b, struct arena *a, struct labels *out);
/* Release the scratch memory. */
void labels_builder_free(struct labels_builder *b);

/* ---- label matchers ---- */

enum labels_match_type {
	LABELS_MATCH_EQ,  /* =  */
	LABELS_MATCH_NEQ, /* != */
	LABELS_MATCH_RE,  /* =~ */
	LABELS_MATCH_NRE, /* !~ */
};

struct labels_matcher {
	enum labels_match_type type;
	const char *name;  /* copied into the arena given to init */
	const char *value; /* ditto; for regex types the pattern as written */
	void *re;          /* pcre2_code_8 * for RE/NRE, else NULL; arena-owned */
};

/* The operator's spelling: "=", "!=", "=~", "!~". */
const char *labels_match_type_str(enum labels_match_type t);

/* Initialise m, copying name and value into arena a. For =~ and !~ the
 * value is compiled as an RE2-style regex anchored at both ends
 * (^(?:value)$), the compiled code allocated from a as well.
 * Returns 0 on success. On an invalid regex returns -1 and, if errmsg is
 * not NULL, sets *errmsg to a message allocated from a that describes the
 * problem ("error parsing regexp: ..."). m is then unusable. */
int labels_matcher_init(struct labels_matcher *m, struct arena *a, enum labels_match_type type,
			const char *name, const char *value, const char **errmsg);

/* Does the label value satisfy m? value NULL means the label is absent,
 * which Prometheus treats as the empty string: so a matcher that matches
 * "" also matches series that lack the label. */
bool labels_matcher_matches(const struct labels_matcher *m, const char *value);

/* Does m match the empty value (and so series that lack the label)? */
bool labels_matcher_matches_empty(const struct labels_matcher *m);

/* Match s[0..len) against m's regex (a compiled LABELS_MATCH_RE/NRE
 * matcher; anchored at both ends as for labels_matcher_matches()), keeping
 * the groups. Returns the number of offset pairs (groups + 1) and points
 * *ov at them (PCRE2's ovector: start, end per group, ~(size_t)0 for a
 * group that did not take part), or 0 when there is no match. *ov is the
 * calling thread's scratch: valid until its next labels_matcher_* call.
 * A match that hits the backtracking limits counts as no match here (the
 * DFA fallback of labels_matcher_matches() cannot report groups). */
size_t labels_matcher_match_groups(const struct labels_matcher *m, const char *s, size_t len,
				   const size_t **ov);

/* Go's Regexp.ExpandString, as relabel "replace" and PromQL label_replace
 * use it: append tmpl to out with $n, ${n}, $name and ${name} replaced by
 * the text of that group of the match of m's regex against subject; $$ is
 * one '$'; a '$' not followed by a well-formed reference is kept as text;
 * a group that does not exist or did not take part expands to nothing.
 * Names are taken as Go does: letters, digits, '_' (bytes >= 0x80 count as
 * letters). m is a compiled LABELS_MATCH_RE/NRE matcher; ov holds npairs
 * (start, end) byte offset pairs into subject, as PCRE2's ovector (unset
 * groups: start == ~(size_t)0). Nothing is kept; out grows (buf.h). */
void labels_matcher_expand(const struct labels_matcher *m, const char *tmpl,
			   const char *subject, const size_t *ov, size_t npairs,
			   struct buf *out);

/* Append m as Prometheus prints it: name="value" with the operator of its
 * type, value quoted with Go's strconv.Quote rules. */
void labels_matcher_format(const struct labels_matcher *m, struct buf *out);

/* Append s quoted with Go's strconv.Quote rules ("..." with \a \b \f \n \r
 * \t \v \\ \" escapes, \xNN for invalid UTF-8 bytes, \u/\U for
 * non-printable runes). Used for label values and PromQL strings. */
void labels_quote(const char *s, size_t len, struct buf *out);

/* Is s a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)? */
bool labels_valid_name(const char *s);

#endif
