/* flags.h - command-line flags in the style of the Prometheus tools.
 *
 * Accepted spellings, as kingpin (used by Prometheus and node_exporter)
 * accepts them:
 *   --name=value   --name value   --name (bool)   --no-name (bool)
 * A flag of kind FLAG_LIST may repeat; every value is kept in order.
 * -h / --help prints the usage and exits 0; --version prints the version.
 *
 * A program declares a NULL-terminated array of struct flag and calls
 * flags_parse(). Storage pointed to by the entries is the caller's; string
 * values point into argv (valid for the life of the program).
 */
#ifndef PHAROS_FLAGS_H
#define PHAROS_FLAGS_H

#include <stddef.h>

enum flag_kind { FLAG_STRING, FLAG_BOOL, FLAG_LIST };

struct flag_list {
	const char **v; /* owned by the list (malloc), items point into argv */
	size_t n;
};

struct flag {
	const char *name; /* without the leading "--" */
	enum flag_kind kind;
	void *dest;       /* const char **, int *, or struct flag_list * */
	const char *help;
	int seen;         /* [out] set when given on the command line */
};

/* Parse argv against flags (an array ended by an entry with name NULL).
 * Names that match no entry are passed to unknown(), if not NULL, which
 * returns 0 to accept it (value: text after '=', or NULL; for --no-X the
 * name is "no-X"); otherwise they are usage errors.
 * Positional arguments are rejected.
 * On a usage error prints "<prog>: <problem>" and exits 100.
 * [in] version: printed by --version. */
void flags_parse(int argc, char **argv, struct flag *flags, const char *version,
		 int (*unknown)(const char *name, const char *value, void *ctx),
		 void *ctx);

/* Print the usage text for flags to stdout. */
void flags_usage(const char *prog, const struct flag *flags);

#endif
