/* The table of collectors, in node_exporter's names. Each entry is
 * defined in collector/<name>.c. */
#include "collectors.h"

#define C(x) extern const struct collector x##_collector;
COLLECTOR_LIST(C)
#undef C

#define C(x) &x##_collector,
const struct collector *const collectors[] = { COLLECTOR_LIST(C) NULL };
#undef C
