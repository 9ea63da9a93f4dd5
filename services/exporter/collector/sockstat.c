/* sockstat: node_sockstat_<PROTOCOL>_<state> gauges from /proc/net/sockstat
 * and /proc/net/sockstat6, and node_sockstat_sockets_used. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../collector.h"
#include "../keptfile.h"
#include "../netcollectors.h"
#include "../netutil.h"

/* The values a protocol line may carry, in output order. */
enum { SS_INUSE, SS_ORPHAN, SS_TW, SS_ALLOC, SS_MEM, SS_MEMORY, SS_NKEYS };
static const char *const ss_keys[SS_NKEYS] = { "inuse", "orphan", "tw", "alloc", "mem",
					       "memory" };

_Static_assert(SS_NKEYS == SOCKSTAT_NKEYS, "SOCKSTAT_NKEYS");

/* Split at single spaces like Go's strings.Split(line, " "). */
static int ss_split(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ' ') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

/* As in prometheus/procfs: "PROTO: key value key value ...", values in
 * Go's integer syntax. A line with fewer than three fields, an odd number
 * of key/value fields or a bad value is skipped (procfs fails the file). */
int sockstat_parse(char *text, struct sockstat *out)
{
	memset(out, 0, sizeof *out);
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[64];
		int n = ss_split(line, f, 64);
		if (n < 3 || n == 64 || (n - 1) % 2 != 0)
			continue;
		int64_t vals[32];
		int i;
		for (i = 2; i < n; i += 2)
			if (netutil_parse_int(f[i], 0, &vals[i / 2]) != 0)
				break;
		if (i < n)
			continue;
		size_t plen = strlen(f[0]);
		if (plen && f[0][plen - 1] == ':')
			f[0][--plen] = 0;
		if (!strcmp(f[0], "sockets")) {
			out->has_used = 1;
			out->used = 0;
			for (i = 1; i < n; i += 2)
				if (!strcmp(f[i], "used"))
					out->used = vals[(i + 1) / 2];
			continue;
		}
		if (out->nprotos == SOCKSTAT_MAX_PROTOS)
			continue;
		struct sockstat_proto *p = &out->protos[out->nprotos++];
		snprintf(p->name, sizeof p->name, "%s", f[0]);
		for (i = 1; i < n; i += 2)
			for (int k = 0; k < SS_NKEYS; k++)
				if (!strcmp(f[i], ss_keys[k])) {
					p->v[k] = vals[(i + 1) / 2];
					p->have |= 1u << k;
				}
	}
	return 0;
}

void sockstat_emit(struct scrape *s, const struct sockstat *st, int ipv6, long page_size)
{
	if (!ipv6 && st->has_used)
		mset_gauge(s->ms, "node_sockstat_sockets_used",
			   "Sockets of all kinds in use (from /proc/net/sockstat).", (double)st->used,
			   NULL);
	for (int i = 0; i < st->nprotos; i++) {
		const struct sockstat_proto *p = &st->protos[i];
		char name[96], help[160];
		for (int k = 0; k < SS_NKEYS; k++) {
			if (k != SS_INUSE && !(p->have & (1u << k)))
				continue;
			snprintf(name, sizeof name, "node_sockstat_%s_%s", p->name, ss_keys[k]);
			snprintf(help, sizeof help, "%s sockets: %s, from /proc/net/sockstat%s.",
				 p->name, ss_keys[k], ipv6 ? "6" : "");
			mset_gauge(s->ms, name, help, (double)p->v[k], NULL);
		}
		if (p->have & (1u << SS_MEM)) {
			snprintf(name, sizeof name, "node_sockstat_%s_mem_bytes", p->name);
			snprintf(help, sizeof help, "%s sockets: memory in bytes (mem pages * page size).",
				 p->name);
			/* Go's int multiplication wraps; so does this. */
			int64_t bytes = (int64_t)((uint64_t)p->v[SS_MEM] * (uint64_t)page_size);
			mset_gauge(s->ms, name, help, (double)bytes, NULL);
		}
	}
}

static int sockstat_update(struct scrape *s)
{
	/* Either file may be absent when IPv4 or IPv6 is off. */
	static const char *const files[2] = { "net/sockstat", "net/sockstat6" };
	struct sockstat *st[2] = { NULL, NULL };
	for (int i = 0; i < 2; i++) {
		char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "%s", files[i]));
		if (!text) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		st[i] = arena_alloc(s->arena, sizeof *st[i]);
		sockstat_parse(text, st[i]);
	}
	long page = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < 2; i++)
		if (st[i])
			sockstat_emit(s, st[i], i, page);
	return 0;
}

const struct collector sockstat_collector = { "sockstat", 1, sockstat_update, NULL, NULL };
