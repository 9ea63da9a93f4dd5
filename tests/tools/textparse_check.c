/* textparse_check - run one exposition through pharos-tsdb's parser.
 *
 *   textparse-check [--format prom|openmetrics] [--strict] [--dump|--count] [FILE]
 *
 * Reads FILE (or standard input) whole and parses it. Exit status: 0 when
 * it parses, 1 when it does not (the first error on stderr as
 * "textparse-check: LINE:COL: what"), 100 on a usage error, 111 when the
 * input cannot be read. This is the "cmd-parser-text" the OpenMetrics test
 * suite drives (with --format openmetrics --strict).
 *   --dump   print every entry, one a line (the form the differential tests
 *            compare with Prometheus's own parser)
 *   --count  print the number of series (samples) parsed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/expfmt.h"
#include "../../lib/labels.h"
#include "../../services/tsdb/textparse.h"

static void dump_quoted(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	labels_quote(s, n, &b);
	fputs(b.p, stdout);
	buf_free(&b);
}

static void dump_labels(int rc, const struct labels *l)
{
	if (rc < 0) {
		fputs("DUP", stdout);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		printf(" %s=", l->v[i].name);
		dump_quoted(l->v[i].value, strlen(l->v[i].value));
	}
}

static void dump_double(double v)
{
	char tmp[EXPFMT_DOUBLE_MAX];
	expfmt_format_double(tmp, v);
	fputs(tmp, stdout);
}

static void dump_entry(struct textparse *p, int e)
{
	const struct textparse_cur *c = &p->cur;
	switch (e) {
	case TEXTPARSE_TYPE:
		fputs("T ", stdout);
		dump_quoted(c->name, c->name_len);
		printf(" %s\n", textparse_mtype_name(c->type));
		break;
	case TEXTPARSE_HELP:
	case TEXTPARSE_UNIT:
		fputs(e == TEXTPARSE_HELP ? "H " : "U ", stdout);
		dump_quoted(c->name, c->name_len);
		fputc(' ', stdout);
		dump_quoted(c->text, c->text_len);
		fputc('\n', stdout);
		break;
	case TEXTPARSE_COMMENT:
		fputs("C ", stdout);
		dump_quoted(c->text, c->text_len);
		fputc('\n', stdout);
		break;
	case TEXTPARSE_SERIES: {
		fputs("S ", stdout);
		dump_quoted(c->series, c->series_len);
		fputc(' ', stdout);
		dump_double(c->value);
		if (c->has_ts)
			printf(" %lld", (long long)c->ts);
		else
			fputs(" -", stdout);
		struct labels l;
		int rc = textparse_labels(p, &l);
		dump_labels(rc, &l);
		fputc('\n', stdout);
		struct textparse_exemplar ex;
		rc = textparse_exemplar(p, &ex);
		if (rc != 0) {
			fputs("E ", stdout);
			dump_double(ex.value);
			if (ex.has_ts)
				printf(" %lld", (long long)ex.ts);
			else
				fputs(" -", stdout);
			dump_labels(rc, &ex.labels);
			fputc('\n', stdout);
		}
		break;
	}
	}
}

static void usage(void)
{
	fputs("usage: textparse-check [--format prom|openmetrics] [--strict] [--dump|--count] [FILE]\n",
	      stderr);
	exit(100);
}

int main(int argc, char **argv)
{
	enum textparse_format fmt = TEXTPARSE_PROM;
	unsigned flags = 0;
	int dump = 0, count = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			const char *f = argv[++i];
			if (strcmp(f, "prom") == 0)
				fmt = TEXTPARSE_PROM;
			else if (strcmp(f, "openmetrics") == 0 || strcmp(f, "om") == 0)
				fmt = TEXTPARSE_OPENMETRICS;
			else
				usage();
		} else if (strcmp(argv[i], "--strict") == 0) {
			flags |= TEXTPARSE_STRICT;
		} else if (strcmp(argv[i], "--dump") == 0) {
			dump = 1;
		} else if (strcmp(argv[i], "--count") == 0) {
			count = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage();
		} else if (!path) {
			path = argv[i];
		} else {
			usage();
		}
	}
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "textparse-check: fatal: unable to open %s\n", path);
		return 111;
	}
	struct buf in = BUF_INIT;
	char chunk[65536];
	size_t k;
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&in, chunk, k);
	if (ferror(f)) {
		fprintf(stderr, "textparse-check: fatal: unable to read %s\n", path ? path : "stdin");
		return 111;
	}
	if (f != stdin)
		fclose(f);

	struct textparse p;
	textparse_init(&p, fmt, in.p ? in.p : "", in.len, NULL, flags);
	long series = 0;
	int e;
	while ((e = textparse_next(&p)) > 0) {
		if (e == TEXTPARSE_SERIES)
			series++;
		if (dump)
			dump_entry(&p, e);
	}
	int status = 0;
	if (e < 0) {
		fprintf(stderr, "textparse-check: %s\n", textparse_error(&p));
		if (dump)
			puts("ERR");
		status = 1;
	} else if (dump) {
		puts("END");
	}
	if (count && status == 0)
		printf("%ld\n", series);
	textparse_free(&p);
	buf_free(&in);
	return status;
}
