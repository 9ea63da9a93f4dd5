/* collectors.h - the list of collectors pharos-exporter has. */
#ifndef PHAROS_EXPORTER_COLLECTORS_H
#define PHAROS_EXPORTER_COLLECTORS_H

#include "collector.h"

/* One X(name) per file collector/<name>.c; each defines
 * `const struct collector <name>_collector`. */
#define COLLECTOR_LIST(X) \
	X(loadavg) \
	X(meminfo)

/* NULL-terminated, in the order above. */
extern const struct collector *const collectors[];

#endif
