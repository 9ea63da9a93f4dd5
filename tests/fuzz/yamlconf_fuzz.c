/* yamlconf_fuzz - any bytes through the YAML config layer: parse, then
 * walk the tree with every getter, as a config loader would. */
#include <stddef.h>
#include <stdint.h>

#include "../../lib/yamlconf.h"

static void walk(struct yamlconf *yc, const struct yamlconf_node *n, int depth)
{
	const char *s, **l;
	int b;
	int64_t i;
	size_t cnt;
	if (!n || depth > 8) /* aliases share nodes: bound the walk */
		return;
	yamlconf_node_str(yc, n, &s);
	yamlconf_node_bool(yc, n, &b);
	yamlconf_node_int(yc, n, INT64_MIN, INT64_MAX, &i);
	yamlconf_node_duration(yc, n, &i);
	yamlconf_node_strlist(yc, n, &l, &cnt);
	if (n->kind == YAMLCONF_MAP) {
		static const char *const known[] = { "a", "role", NULL };
		yamlconf_strict(yc, n, known);
		for (size_t k = 0; k < n->len && k < 64; k++)
			walk(yc, n->pairs[k].val, depth + 1);
		yamlconf_get(n, "role");
	} else if (n->kind == YAMLCONF_SEQ) {
		for (size_t k = 0; k < n->len && k < 64; k++)
			walk(yc, n->items[k], depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yamlconf yc;
	yamlconf_init(&yc);
	yc.max_nodes = 20000;
	if (yamlconf_parse(&yc, "fuzz.yml", (const char *)data, size) == 0)
		walk(&yc, yc.root, 0);
	yamlconf_free(&yc);
	return 0;
}
