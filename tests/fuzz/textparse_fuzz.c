/* libFuzzer target for pharos-tsdb's exposition parsers (textparse.h).
 *
 * The first byte picks the format (bit 0: OpenMetrics), strict mode (bit 1)
 * and tight limits (bit 2); the rest is the body. Every entry is read the
 * way a scrape reads it: labels and exemplar built for each series. Besides
 * what the sanitizers catch, the target checks the iterator's promises:
 * pointers inside the input or scratch, sorted unique label sets, a message
 * with every error, and the same answer again after the end. The input is
 * also read as a Content-Type header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/textparse.h"

static void textparse_fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned mode = data[0];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	/* A copy whose end the sanitizers can see. */
	char *copy = malloc(len ? len : 1);
	memcpy(copy, body, len);

	struct textparse_limits tight = { 256, 4, 16, 32 };
	struct textparse p;
	textparse_init(&p, (mode & 1) ? TEXTPARSE_OPENMETRICS : TEXTPARSE_PROM, copy, len,
		       (mode & 4) ? &tight : NULL, (mode & 2) ? TEXTPARSE_STRICT : 0);
	int e;
	while ((e = textparse_next(&p)) > 0) {
		const struct textparse_cur *c = &p.cur;
		if (e == TEXTPARSE_SERIES) {
			textparse_fuzz_check(c->series >= copy && c->series + c->series_len <= copy + len);
			textparse_fuzz_check(c->name == c->series && c->name_len > 0 &&
					     c->name_len <= c->series_len);
			struct labels l;
			int rc = textparse_labels(&p, &l);
			if (rc == 0) {
				for (size_t i = 1; i < l.n; i++)
					textparse_fuzz_check(strcmp(l.v[i - 1].name, l.v[i].name) < 0);
				for (size_t i = 0; i < l.n; i++)
					textparse_fuzz_check(l.v[i].value[0] != 0);
				textparse_fuzz_check(labels_get(&l, LABELS_METRIC_NAME) != NULL);
			} else {
				textparse_fuzz_check(rc == TEXTPARSE_EDUPLABEL);
			}
			struct textparse_exemplar ex;
			rc = textparse_exemplar(&p, &ex);
			textparse_fuzz_check(rc == (c->has_exemplar ? 1 : 0) ||
					     (c->has_exemplar && rc == TEXTPARSE_EDUPLABEL));
			/* A second call gives the same set. */
			struct labels l2;
			textparse_labels(&p, &l2);
			textparse_fuzz_check(l2.n == l.n);
		} else if (e == TEXTPARSE_TYPE) {
			textparse_fuzz_check(c->name_len > 0);
		} else {
			textparse_fuzz_check(e == TEXTPARSE_HELP || e == TEXTPARSE_UNIT ||
					     e == TEXTPARSE_COMMENT);
			textparse_fuzz_check(c->text_len == 0 || c->text != NULL);
		}
	}
	if (e < 0)
		textparse_fuzz_check(textparse_error(&p)[0] != 0);
	textparse_fuzz_check(textparse_next(&p) == e);
	textparse_free(&p);

	/* The same bytes as a Content-Type header. */
	char *ct = malloc(len + 1);
	memcpy(ct, body, len);
	ct[len] = 0;
	enum textparse_format fmt;
	int rc = textparse_format_for(ct, &fmt);
	textparse_fuzz_check(rc == 0 || (rc == TEXTPARSE_ECONTENTTYPE && fmt == TEXTPARSE_PROM));
	free(ct);
	free(copy);
	return 0;
}
