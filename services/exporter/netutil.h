/* netutil.h - parsing shared by the network collectors (owner: h3):
 * Go's integer syntax (what prometheus/procfs accepts), /proc/net socket
 * tables, IP addresses printed the way Go prints them, and reading big
 * /proc/net tables line by line without holding them in memory.
 */
#ifndef PHAROS_EXPORTER_NETUTIL_H
#define PHAROS_EXPORTER_NETUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Go's strconv.ParseUint(s, base, 64) / ParseInt(s, base, 64): base 0
 * takes the prefixes 0x, 0o, 0b and a leading 0 (octal) and allows '_'
 * between digits; other bases take digits only. No surrounding spaces.
 * Returns 0, or -1 (syntax error or out of range; *out untouched). */
int netutil_parse_uint(const char *s, int base, uint64_t *out);
int netutil_parse_int(const char *s, int base, int64_t *out);

/* Remove leading and trailing ASCII white space in place; returns s. */
char *netutil_trim(char *s);

/* Read path line by line (lines of at most 64 KiB; longer ones are cut)
 * and call fn for each line, NUL-terminated without its newline, in a
 * buffer fn may modify. fn returns 0 to go on or a negative value that
 * stops the walk and is returned. Returns 0 or -errno. The buffer is the
 * calling thread's (kept for its life), so fn must not call
 * netutil_each_line() itself. */
int netutil_each_line(const char *path, int (*fn)(char *line, void *ctx), void *ctx);

/* One line of /proc/net/{tcp,udp}{,6} (not the header). */
struct netutil_sock {
	uint64_t state;    /* st: TCP state number */
	uint64_t tx_queue;
	uint64_t rx_queue;
};
/* Parse line (modified in place) the way prometheus/procfs does: at least
 * 10 fields; "sl:", address:port pairs of 4 or 16 hex bytes, st, and
 * "tx:rx" in hex, uid and inode in decimal. Returns 0 or -1. */
int netutil_parse_sock_line(char *line, struct netutil_sock *out);

/* Format a 4- or 16-byte address like Go's net.IP.String(): dotted quad
 * for IPv4 and IPv4-mapped IPv6, else RFC 5952 (lower-case hex, the
 * longest run of two or more zero groups as "::").
 * [out] out: at least 46 bytes. */
void netutil_format_ip(const unsigned char *ip, size_t len, char *out);

#endif
