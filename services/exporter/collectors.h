/* collectors.h - the list of collectors pharos-exporter has. */
#ifndef PHAROS_EXPORTER_COLLECTORS_H
#define PHAROS_EXPORTER_COLLECTORS_H

#include "collector.h"

/* COLLECTOR_LIST(X) has one X(name) per file collector/<name>.c, sorted;
 * the Makefile generates it from the file names. Each file defines
 * `const struct collector <name>_collector`. */
#include "collector_list.h"

/* NULL-terminated, in the order above. */
extern const struct collector *const collectors[];

#endif
