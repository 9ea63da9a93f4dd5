/* net.h - PID 1's network: loopback, then one interface by DHCP (with
 * lease renewal) or static settings from pharos.yml; MTU and DNS
 * (/etc/resolv.conf, which musl's resolver reads) from either. */
#ifndef PHAROS_SUPERVISOR_NET_H
#define PHAROS_SUPERVISOR_NET_H

#include <stdint.h>

#include "config.h"

/* Bring up lo and the configured interface. With DHCP, waits up to 15 s
 * for a lease. Returns 0 when the interface has an address, negative
 * errno otherwise (lo is up either way). */
int net_setup(const struct cfg_net *net);

/* The monotonic time (ms) at which net_timer() wants to run, or 0. */
int64_t net_deadline(void);
/* Renew the DHCP lease when due (blocks for at most a few seconds).
 * Returns the next deadline, or 0. */
int64_t net_timer(int64_t now_ms);

/* Write resolv.conf text for the servers (network byte order) and search
 * domain (may be "" or NULL) into path. Returns 0 or negative errno. */
int net_write_resolv(const char *path, const uint32_t *dns, int ndns, const char *domain);

#endif
