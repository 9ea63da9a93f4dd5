/* libFuzzer target for the HTTP API's request parsing (services/tsdb/
 * api_params.c): the input is a urlencoded form (a query string or a POST
 * body); every value is then read as a time, a duration and a match[]
 * selector, and written back as a JSON string, as the API would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/jsonw.h"
#include "../../services/tsdb/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = ARENA_INIT;
	struct api_params p = { 0 };
	char err[256];
	if (api_params_parse_form(&a, (const char *)data, size, &p, err, sizeof err) == 0) {
		struct buf out = BUF_INIT;
		for (size_t i = 0; i < p.n; i++) {
			int64_t v;
			api_parse_time(p.values[i], &v, err, sizeof err);
			api_parse_duration(p.values[i], &v, err, sizeof err);
			jsonw_quote(&out, p.values[i], strlen(p.values[i]));
		}
		size_t n;
		const char **sel = api_param_all(&p, "match[]", &a, &n);
		struct api_matcher_set *sets;
		api_parse_matchers(&a, sel, n, &sets, err, sizeof err);
		buf_free(&out);
	}
	arena_free(&a);
	return 0;
}
