/* promconfig_fuzz - any bytes as prometheus.yml: load and validate, then,
 * for a config that loads, compute the labels and URL of every static
 * target (PopulateLabels runs the relabel rules), and write it back as
 * YAML. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/config.h"
#include "../../services/tsdb/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_config *c = NULL;
	struct buf err = BUF_INIT;
	if (prom_config_parse("/fuzz/prometheus.yml", (const char *)data, size, &c, &err) == 0) {
		struct arena a = ARENA_INIT;
		size_t budget = 2000;
		for (size_t i = 0; i < c->nscrape_configs; i++) {
			const struct prom_scrape_config *sc = &c->scrape_configs[i];
			for (size_t g = 0; g < sc->nstatic_configs; g++)
				for (size_t t = 0; t < sc->static_configs[g].ntargets && budget; t++, budget--) {
					struct target_result r;
					target_populate(sc, &sc->static_configs[g].labels,
							sc->static_configs[g].targets[t], &a, &r);
					if (r.labels.n)
						target_url(&r.labels, sc, &a);
				}
		}
		arena_free(&a);
		/* What pharos writes back, when it loads again (it may not, as
		 * with Prometheus: keepequal rules are written with default
		 * fields they refuse, min_version as a number...), must be
		 * written the same way. */
		struct buf y = BUF_INIT, y2 = BUF_INIT, e2 = BUF_INIT;
		prom_config_marshal(c, &y);
		struct prom_config *c2 = NULL;
		prom_config_parse("/fuzz/prometheus.yml", y.p, y.len, &c2, &e2);
		if (c2)
			prom_config_marshal(c2, &y2);
		if (c2 && strcmp(y.p, y2.p) != 0) {
			fprintf(stderr, "marshal is not stable:\n%s\n---\n%s", y.p, y2.p);
			abort();
		}
		prom_config_free(c2);
		prom_config_warnings(c, &y);
		buf_free(&y);
		buf_free(&y2);
		buf_free(&e2);
		prom_config_free(c);
	}
	buf_free(&err);
	return 0;
}
