#include "flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void flags_usage(const char *prog, const struct flag *flags)
{
	printf("usage: %s [<flags>]\n\nFlags:\n", prog);
	printf("  -h, --help  Show this help and exit.\n");
	printf("  --version   Show the version and exit.\n");
	for (const struct flag *f = flags; f->name; f++) {
		const char *dflt = NULL;
		if (f->kind == FLAG_STRING && *(const char **)f->dest)
			dflt = *(const char **)f->dest;
		printf("  --%s%s\n      %s", f->kind == FLAG_BOOL ? "[no-]" : "", f->name,
		       f->help ? f->help : "");
		if (dflt)
			printf(" (default: \"%s\")", dflt);
		if (f->kind == FLAG_BOOL && *(int *)f->dest)
			printf(" (default: on)");
		putchar('\n');
	}
}

static void usage_error(const char *prog, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; try --help\n");
	exit(100);
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "1")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(v, "false") || !strcmp(v, "0")) {
		*out = 0;
		return 0;
	}
	return -1;
}

void flags_parse(int argc, char **argv, struct flag *flags, const char *version,
		 int (*unknown)(const char *name, const char *value, void *ctx),
		 void *ctx)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			flags_usage(prog, flags);
			exit(0);
		}
		if (!strcmp(arg, "--version")) {
			printf("%s version %s\n", prog, version);
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0 || !arg[2])
			usage_error(prog, "unexpected argument \"%s\"", arg);
		char *name = arg + 2;
		char *eq = strchr(name, '=');
		const char *value = NULL;
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			value = eq + 1;

		struct flag *f = NULL;
		int negated = 0;
		for (struct flag *g = flags; g->name; g++) {
			if (strlen(g->name) == nlen && !strncmp(g->name, name, nlen)) {
				f = g;
				break;
			}
			if (g->kind == FLAG_BOOL && nlen == strlen(g->name) + 3 &&
			    !strncmp(name, "no-", 3) && !strncmp(name + 3, g->name, nlen - 3)) {
				f = g;
				negated = 1;
				break;
			}
		}
		if (!f) {
			char nm[256];
			snprintf(nm, sizeof nm, "%.*s", (int)nlen, name);
			if (unknown && unknown(nm, value, ctx) == 0)
				continue;
			usage_error(prog, "unknown flag --%s", nm);
		}
		f->seen = 1;
		if (f->kind == FLAG_BOOL) {
			int b = !negated;
			if (value && (negated || parse_bool(value, &b) != 0))
				usage_error(prog, "bad boolean value in \"%s\"", arg);
			*(int *)f->dest = b;
			continue;
		}
		if (!value) {
			if (i + 1 >= argc)
				usage_error(prog, "flag %s needs a value", arg);
			value = argv[++i];
		}
		if (f->kind == FLAG_STRING) {
			*(const char **)f->dest = value;
		} else {
			struct flag_list *l = f->dest;
			l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
			l->v[l->n++] = value;
		}
	}
}
