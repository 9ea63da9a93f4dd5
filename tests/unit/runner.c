/* The unit test runner: runs every registered TEST (or those whose name
 * contains argv[1]) and prints "N passed, N failed"; exits 1 on failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

struct unit_case {
	const char *name, *file;
	void (*fn)(void);
};

static struct unit_case cases[4096];
static int ncases;
static int current_failed;

void unit_register(const char *name, void (*fn)(void), const char *file)
{
	if (ncases == (int)(sizeof cases / sizeof cases[0])) {
		fprintf(stderr, "unit: too many tests\n");
		exit(2);
	}
	cases[ncases++] = (struct unit_case){ name, file, fn };
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	current_failed = 1;
}

const char *unit_data_dir(void)
{
	const char *d = getenv("PHAROS_UNIT_DATA");
	return d ? d : "tests/unit/data";
}

static int by_file_then_name(const void *a, const void *b)
{
	const struct unit_case *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	return c ? c : strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	qsort(cases, (size_t)ncases, sizeof cases[0], by_file_then_name);
	int passed = 0, failed = 0;
	for (int i = 0; i < ncases; i++) {
		if (filter && !strstr(cases[i].name, filter))
			continue;
		current_failed = 0;
		cases[i].fn();
		if (current_failed) {
			fprintf(stderr, "FAIL %s (%s)\n", cases[i].name, cases[i].file);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
