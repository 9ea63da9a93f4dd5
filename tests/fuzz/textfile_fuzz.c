/* libFuzzer target for the text exposition format parser (textparse.c)
 * and the textfile collector's merge step that consumes its output.
 *
 * The input is split at the first 0xFF byte into two "files", each parsed
 * on its own as the collector parses one .prom file; the parsed files are
 * then merged into a metric set and written out, as a scrape would.
 * Crashes, leaks and undefined behaviour are what the sanitizers report;
 * besides, a parse that succeeds must have no family without samples. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/exporter/collector.h"
#include "../../services/exporter/textparse.h"

struct textfile_file {
	const char *path;
	double mtime;
	struct textparse_result res;
};
void textfile_export(struct scrape *s, const struct textfile_file *files, size_t n, int errored);
int textfile_check(const struct textparse_result *r, const char *file, char *err, size_t errlen);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = ARENA_INIT;
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	struct textfile_file files[2];
	size_t nfiles = 0;
	const char *p = (const char *)data;
	const uint8_t *cut = memchr(data, 0xFF, size);
	size_t len[2] = { cut ? (size_t)(cut - data) : size, cut ? size - (size_t)(cut - data) - 1 : 0 };
	int errored = 0;
	for (int i = 0; i < (cut ? 2 : 1); i++) {
		char err[256];
		struct textfile_file *f = &files[nfiles];
		f->path = i ? "b.prom" : "a.prom";
		f->mtime = 1;
		if (textparse_parse(p, len[i], f->path, &a, &f->res, err, sizeof err) != 0) {
			if (!err[0])
				abort(); /* a failure must say why */
			errored = 1;
		} else {
			for (const struct textparse_family *fam = f->res.families; fam; fam = fam->next)
				if (!fam->nmetrics || !fam->metrics)
					abort();
			if (textfile_check(&f->res, f->path, err, sizeof err) == 0)
				nfiles++;
			else
				errored = 1;
		}
		p += len[i] + 1;
	}
	textfile_export(&s, files, nfiles, errored);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	buf_free(&out);
	mset_free(&ms);
	arena_free(&a);
	return 0;
}
