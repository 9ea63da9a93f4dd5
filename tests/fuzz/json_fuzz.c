/* json_fuzz - any bytes through the JSON parser, then through file_sd's
 * target-group reading (the same bytes as a .json file). */
#include <stddef.h>
#include <stdint.h>

#include "../../lib/json.h"
#include "../../services/tsdb/sd_file.h"

static size_t walk(const struct json_value *v, int depth)
{
	size_t n = 1;
	if (v->type == JSON_ARRAY)
		for (size_t i = 0; i < v->len; i++)
			n += walk(v->items[i], depth + 1);
	else if (v->type == JSON_OBJECT)
		for (size_t i = 0; i < v->len; i++) {
			n += walk(v->members[i].val, depth + 1);
			json_get(v, v->members[i].key);
		}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc d;
	struct json_value *v;
	char err[160];
	struct json_limits lim = { 1 << 20, 64, 100000 };
	if (json_parse(&d, (const char *)data, size, &lim, &v, err, sizeof err) == 0)
		walk(v, 0);
	json_doc_free(&d);

	struct arena a = ARENA_INIT;
	struct prom_target_group *g = NULL;
	size_t n = 0;
	struct buf e = BUF_INIT;
	sd_file_parse("/fuzz/targets.json", (const char *)data, size, &a, &g, &n, &e);
	arena_free(&a);
	buf_free(&e);
	return 0;
}
