/* runner.c - promqltest: run Prometheus's PromQL test scripts against our
 * engine and the in-memory store.
 *
 *   promqltest [--expected-failures FILE] [-v] FILE.test...
 *
 * Each eval command is a case, named <basename>:<line>. A case listed in
 * the expected-failures file (one id per line, '#' starts a comment) may
 * fail (a file listed by its base name alone may fail to parse); any other failure makes the exit status 1. Listed cases that pass
 * are reported so the list can shrink. Prints, per file and in total,
 * "N passed, N failed, N expected failures". Exit status: 0 when every
 * failure was expected, 1 otherwise, 100 on bad usage, 111 when a file
 * cannot be read.
 */
#include <errno.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/labels.h"
#include "../../services/tsdb/promql/memstore.h"
#include "case.h"
#include "script.h"

struct xfail {
	char **ids;
	size_t n, cap;
	bool *hit; /* the case ran and failed */
	bool *passed; /* the case ran and passed */
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_put(&b, tmp, n);
	fclose(f);
	return buf_steal(&b);
}

static int load_xfail(const char *path, struct xfail *x)
{
	char *text = read_file(path);

	if (!text)
		return -1;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *id = line + strspn(line, " \t");
		id[strcspn(id, " \t\r")] = 0;
		if (!*id)
			continue;
		if (x->n == x->cap) {
			x->cap = x->cap ? x->cap * 2 : 64;
			x->ids = xrealloc(x->ids, x->cap * sizeof *x->ids);
		}
		x->ids[x->n++] = xstrdup(id);
	}
	free(text);
	x->hit = xcalloc(x->n + 1, sizeof *x->hit);
	x->passed = xcalloc(x->n + 1, sizeof *x->passed);
	return 0;
}

static ssize_t xfail_find(const struct xfail *x, const char *id)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->ids[i], id) == 0)
			return (ssize_t)i;
	return -1;
}

struct counts {
	unsigned passed, failed, xfailed;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int load_series(struct promql_memstore *ms, const struct pqt_cmd *cmd, char *why,
		       size_t whylen)
{
	struct arena a = ARENA_INIT;
	struct labels *ls = arena_alloc(&a, (cmd->nseries + 1) * sizeof *ls);
	int rc = 0;

	for (size_t i = 0; i < cmd->nseries; i++) {
		const struct pqt_series *s = &cmd->series[i];
		const char **names = arena_alloc(&a, (s->nlabels + 1) * sizeof *names);
		const char **values = arena_alloc(&a, (s->nlabels + 1) * sizeof *values);
		for (size_t j = 0; j < s->nlabels; j++) {
			names[j] = s->labels[j].name;
			values[j] = s->labels[j].value;
		}
		labels_from_pairs(&a, names, values, s->nlabels, &ls[i]);
	}
	for (size_t i = 0; i < cmd->nseries && rc == 0; i++) {
		const struct pqt_series *s = &cmd->series[i];
		const struct labels *l = &ls[i];
		/* A series defined twice in one load: the last definition
		 * wins, as in the harness (a map keyed by labels). */
		bool later = false;
		for (size_t k = i + 1; k < cmd->nseries && !later; k++)
			later = labels_equal(&ls[k], l);
		if (later)
			continue;
		for (size_t j = 0; j < s->nvalues; j++) {
			if (s->values[j].omitted)
				continue;
			rc = promql_memstore_append(ms, l, (int64_t)j * cmd->step_ms,
						    s->values[j].v);
			if (rc < 0) {
				snprintf(why, whylen, "line %d: cannot append sample %zu (error %d)",
					 s->line, j, rc);
				break;
			}
		}
	}
	arena_free(&a);
	return rc;
}

static void run_file(const char *path, struct xfail *x, bool verbose, struct counts *total)
{
	struct counts c = { 0, 0, 0 };
	const char *base = base_name(path);
	char *text = read_file(path);
	struct arena a = ARENA_INIT;
	struct pqt_script script;
	char why[1024];

	if (!text) {
		fprintf(stderr, "promqltest: fatal: unable to read %s: %s\n", path, strerror(errno));
		exit(111);
	}
	if (pqt_script_parse(text, &a, &script, why, sizeof why) < 0) {
		ssize_t xi = xfail_find(x, base);
		if (xi >= 0) { /* the whole file may fail: listed by its name */
			c.xfailed++;
			x->hit[xi] = true;
		} else {
			printf("FAIL %s: the script does not parse: %s\n", base, why);
			c.failed++;
		}
	} else {
		struct promql_memstore *ms = promql_memstore_new();
		struct promql_querier *q = promql_memstore_querier(ms);
		for (size_t i = 0; i < script.ncmds; i++) {
			const struct pqt_cmd *cmd = &script.cmds[i];
			char id[512];
			snprintf(id, sizeof id, "%s:%d", base, cmd->line);
			ssize_t xi = xfail_find(x, id);
			bool ok;
			switch (cmd->kind) {
			case PQT_CLEAR:
				promql_memstore_clear(ms);
				continue;
			case PQT_LOAD:
				if (load_series(ms, cmd, why, sizeof why) == 0)
					continue;
				ok = false;
				break;
			case PQT_EVAL:
				ok = pqt_run_eval(q, cmd, why, sizeof why);
				break;
			default:
				continue;
			}
			if (ok) {
				c.passed++;
				if (xi >= 0)
					x->passed[xi] = true;
				if (verbose)
					printf("ok   %s: %s\n", id, cmd->expr);
			} else if (xi >= 0) {
				c.xfailed++;
				x->hit[xi] = true;
				if (verbose)
					printf("xfail %s: %s\n      %s\n", id,
					       cmd->kind == PQT_EVAL ? cmd->expr : "load", why);
			} else {
				c.failed++;
				printf("FAIL %s: %s\n     %s\n", id,
				       cmd->kind == PQT_EVAL ? cmd->expr : "load", why);
			}
		}
		q->close(q);
		promql_memstore_free(ms);
	}
	printf("%s: %u passed, %u failed, %u expected failures\n", base, c.passed, c.failed,
	       c.xfailed);
	total->passed += c.passed;
	total->failed += c.failed;
	total->xfailed += c.xfailed;
	arena_free(&a);
	free(text);
}

int main(int argc, char **argv)
{
	struct xfail x = { 0 };
	struct counts total = { 0, 0, 0 };
	bool verbose = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "--expected-failures") == 0 && i + 1 < argc) {
			if (load_xfail(argv[++i], &x) < 0) {
				fprintf(stderr, "promqltest: fatal: unable to read %s: %s\n", argv[i],
					strerror(errno));
				return 111;
			}
		} else if (argv[i][0] == '-') {
			fprintf(stderr,
				"usage: promqltest [--expected-failures FILE] [-v] FILE.test...\n");
			return 100;
		} else {
			break;
		}
	}
	if (i == argc) {
		fprintf(stderr, "usage: promqltest [--expected-failures FILE] [-v] FILE.test...\n");
		return 100;
	}
	if (!x.hit) {
		x.hit = xcalloc(1, sizeof *x.hit);
		x.passed = xcalloc(1, sizeof *x.passed);
	}
	for (; i < argc; i++)
		run_file(argv[i], &x, verbose, &total);

	bool header = false;
	for (size_t k = 0; k < x.n; k++) {
		if (x.passed[k] && !x.hit[k]) {
			if (!header)
				printf("listed as expected failures but now passing:\n");
			header = true;
			printf("  %s\n", x.ids[k]);
		}
	}
	printf("total: %u passed, %u failed, %u expected failures\n", total.passed, total.failed,
	       total.xfailed);
	for (size_t k = 0; k < x.n; k++)
		free(x.ids[k]);
	free(x.ids);
	free(x.hit);
	free(x.passed);
	return total.failed ? 1 : 0;
}
