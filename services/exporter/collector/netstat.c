/* netstat: node_netstat_<Protocol>_<Field> (untyped) from /proc/net/netstat,
 * /proc/net/snmp and /proc/net/snmp6, for the fields that match
 * --collector.netstat.fields. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"
#include "../goconv.h"
#include "../netcollectors.h"

static const char *netstat_fields =
	"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
	"|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)"
	"|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
	"|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";
static struct dev_filter netstat_filter; /* include = the fields pattern */

static struct flag netstat_flags[] = {
	{ "collector.netstat.fields", FLAG_STRING, &netstat_fields,
	  "Regexp of <Protocol>_<Field> names the netstat collector reports.", 0 },
	{ 0 },
};

static int netstat_setup(void)
{
	return dev_filter_init(&netstat_filter, netstat_fields, NULL, "collector.netstat.fields");
}

/* musl's regexec takes ~100 us for the default pattern, and a scrape
 * checks some 350 keys; the keys are the kernel's field names, the same in
 * every scrape, so each answer is kept. The table is bounded: keys beyond
 * it (or longer than a slot) are matched every time. */
#define NS_CACHE_SLOTS 1024
#define NS_CACHE_KEY 48

static struct {
	char key[NS_CACHE_KEY];
	signed char match; /* 0: empty slot, 1: matches, -1: does not */
} ns_cache[NS_CACHE_SLOTS];
static size_t ns_cache_used;
static pthread_mutex_t ns_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t ns_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (NS_CACHE_SLOTS - 1);
}

/* The verdicts by position in the last scrape's entry list: the files
 * list the same fields in the same order every time, so entry i usually
 * has last scrape's key i, and a walk through this array in order is
 * cheaper than hashing every key into the table (whose random accesses
 * missed the CPU caches). Guarded by ns_cache_lock too. */
#define NS_POS_MAX 1024
static struct {
	char key[NS_CACHE_KEY];
	unsigned char len;
	signed char match;
} ns_pos[NS_POS_MAX];

/* Is key (len bytes) one of the configured fields? Called with
 * ns_cache_lock held. */
static int ns_wanted_locked(const char *key, size_t len)
{
	size_t h = ns_hash(key);
	if (len < NS_CACHE_KEY) {
		for (size_t i = h;; i = (i + 1) & (NS_CACHE_SLOTS - 1)) {
			if (!ns_cache[i].match)
				break;
			if (!strcmp(ns_cache[i].key, key))
				return ns_cache[i].match > 0;
		}
	}
	int m = !dev_filter_ignored(&netstat_filter, key);
	if (len < NS_CACHE_KEY) {
		if (ns_cache_used < NS_CACHE_SLOTS * 3 / 4) {
			size_t i = h;
			while (ns_cache[i].match && strcmp(ns_cache[i].key, key))
				i = (i + 1) & (NS_CACHE_SLOTS - 1);
			if (!ns_cache[i].match) {
				memcpy(ns_cache[i].key, key, len + 1);
				ns_cache[i].match = m ? 1 : -1;
				ns_cache_used++;
			}
		}
	}
	return m;
}

/* ns_wanted_locked() for the key (len bytes) of entry number pos,
 * through ns_pos. */
static int ns_wanted_at(size_t pos, const char *key, size_t len)
{
	if (pos < NS_POS_MAX && ns_pos[pos].match && ns_pos[pos].len == len &&
	    !memcmp(ns_pos[pos].key, key, len))
		return ns_pos[pos].match > 0;
	int m = ns_wanted_locked(key, len);
	if (pos < NS_POS_MAX && len < NS_CACHE_KEY) {
		memcpy(ns_pos[pos].key, key, len + 1);
		ns_pos[pos].len = (unsigned char)len;
		ns_pos[pos].match = m ? 1 : -1;
	}
	return m;
}

/* The three files are merged the way node_exporter merges them: a
 * protocol's fields come from the last place that protocol appears
 * (a later header line for it, in the same file or a later file, replaces
 * all its earlier fields). Each entry remembers the generation of its
 * protocol; only those of the latest generation are reported. */

#define NETSTAT_MAX_PROTOS 64

struct ns_proto {
	const char *name;
	size_t len; /* of name */
	unsigned gen;
	int seen_in_file; /* for snmp6, whose lines add to one protocol */
};

struct ns_entry {
	int proto;
	unsigned gen;
	const char *name, *value;
	size_t nlen, vlen; /* their lengths */
};

struct ns_state {
	struct scrape *s;
	struct ns_proto protos[NETSTAT_MAX_PROTOS];
	int nprotos;
	struct ns_entry *e;
	size_t n, cap;
};

static int ns_proto(struct ns_state *st, const char *name, size_t len)
{
	for (int i = 0; i < st->nprotos; i++)
		if (st->protos[i].len == len && !memcmp(st->protos[i].name, name, len))
			return i;
	if (st->nprotos == NETSTAT_MAX_PROTOS)
		return -1;
	st->protos[st->nprotos] =
		(struct ns_proto){ arena_strndup(st->s->arena, name, len), len, 0, 0 };
	return st->nprotos++;
}

static void ns_add(struct ns_state *st, int p, const char *name, size_t nlen,
		   const char *value, size_t vlen)
{
	if (st->n == st->cap) { /* not after ns_count_pairs(); kept for safety */
		size_t cap = st->cap ? st->cap * 2 : 512;
		struct ns_entry *e = arena_alloc(st->s->arena, cap * sizeof *e);
		if (st->n)
			memcpy(e, st->e, st->n * sizeof *e);
		st->e = e;
		st->cap = cap;
	}
	st->e[st->n++] = (struct ns_entry){ p, st->protos[p].gen, name, value, nlen, vlen };
}

/* Fields split at single spaces, as Go's strings.Split(line, " ") splits:
 * runs of spaces give empty fields. */
static size_t ns_nfields(const char *line)
{
	size_t n = 1;
	for (; *line; line++)
		n += *line == ' ';
	return n;
}

/* The next field of *p (NUL-terminated in place); its length in *len. */
static char *ns_field(char **p, size_t *len)
{
	char *f = *p, *e = f;
	while (*e && *e != ' ')
		e++;
	*len = (size_t)(e - f);
	*p = *e ? e + 1 : e;
	*e = 0;
	return f;
}

/* How many entries the header lines of a pairs file name (an upper bound
 * that sizes the entry table once). */
static size_t ns_count_pairs(const char *text)
{
	size_t n = 0;
	int header = 1;
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			header = !header;
		else if (*p == ' ' && header)
			n++;
	}
	return n;
}

/* Does line start with the same first field as hdr? */
static int ns_same_proto(const char *hdr, const char *line)
{
	size_t n = strcspn(hdr, " ");
	return n && !strncmp(hdr, line, n) && (line[n] == ' ' || !line[n]);
}

/* /proc/net/netstat and /proc/net/snmp: pairs of lines "Proto: A B C" and
 * "Proto: 1 2 3". A header without its values line (or with a different
 * number of fields) is skipped; node_exporter fails the whole file. */
static void ns_parse_pairs(struct ns_state *st, char *text)
{
	char *next = next_line(&text);
	while (next) {
		char *hdr = next, *vline = next_line(&text);
		if (!vline)
			return;
		if (!ns_same_proto(hdr, vline)) {
			next = vline; /* out of step: try this line as a header */
			continue;
		}
		next = next_line(&text);
		size_t nn = ns_nfields(hdr);
		if (nn != ns_nfields(vline))
			continue;
		size_t plen, nlen, vlen;
		char *proto = ns_field(&hdr, &plen);
		int p = ns_proto(st, proto, plen - 1); /* drop the ':' */
		if (p < 0)
			continue;
		ns_field(&vline, &vlen);
		st->protos[p].gen++;
		for (size_t i = 1; i < nn; i++) {
			char *name = ns_field(&hdr, &nlen);
			char *value = ns_field(&vline, &vlen);
			ns_add(st, p, name, nlen, value, vlen);
		}
	}
}

/* /proc/net/snmp6: "Ip6InReceives   7" lines; the protocol ends at the
 * first '6' of the name. Other lines are skipped. */
static void ns_parse_snmp6(struct ns_state *st, char *text)
{
	for (int i = 0; i < st->nprotos; i++)
		st->protos[i].seen_in_file = 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[2];
		if (split_fields(line, f, 2) < 2)
			continue;
		char *six = strchr(f[0], '6');
		if (!six)
			continue;
		int p = ns_proto(st, f[0], (size_t)(six - f[0]) + 1);
		if (p < 0)
			continue;
		if (!st->protos[p].seen_in_file) {
			st->protos[p].seen_in_file = 1;
			st->protos[p].gen++;
		}
		ns_add(st, p, six + 1, strlen(six + 1), f[1], strlen(f[1]));
	}
}

/* Append p (l bytes) to out, which holds n bytes and has room for cap
 * with its NUL; what does not fit is cut, as cat_str() cuts. Returns the
 * new length. */
static size_t ns_cat(char *out, size_t cap, size_t n, const char *p, size_t l)
{
	if (l > cap - 1 - n)
		l = cap - 1 - n;
	memcpy(out + n, p, l);
	n += l;
	out[n] = 0;
	return n;
}

int netstat_parse(struct scrape *s, char *netstat, char *snmp, char *snmp6,
		  const struct dev_filter *filter)
{
	struct ns_state *st = arena_alloc(s->arena, sizeof *st);
	memset(st, 0, sizeof *st);
	st->s = s;
	st->cap = ns_count_pairs(netstat) + ns_count_pairs(snmp) + 1;
	if (snmp6)
		for (const char *p = snmp6; *p; p++)
			st->cap += *p == '\n';
	st->e = arena_alloc(s->arena, st->cap * sizeof *st->e);
	ns_parse_pairs(st, netstat);
	ns_parse_pairs(st, snmp);
	if (snmp6)
		ns_parse_snmp6(st, snmp6);
	/* Newest first: for a field repeated within one protocol the last
	 * value wins, and the metric set keeps the first series it gets. */
	if (filter == &netstat_filter)
		pthread_mutex_lock(&ns_cache_lock);
	for (size_t i = st->n; i-- > 0;) {
		const struct ns_entry *e = &st->e[i];
		if (e->gen != st->protos[e->proto].gen)
			continue;
		/* "node_netstat_" + key: the key is built in place. */
		char name[300], help[300];
		char *key = name + 13;
		const struct ns_proto *pr = &st->protos[e->proto];
		memcpy(name, "node_netstat_", 13);
		size_t klen = ns_cat(key, sizeof name - 13, 0, pr->name, pr->len);
		klen = ns_cat(key, sizeof name - 13, klen, "_", 1);
		klen = ns_cat(key, sizeof name - 13, klen, e->name, e->nlen);
		if (filter == &netstat_filter ? !ns_wanted_at(i, key, klen)
					       : filter && dev_filter_ignored(filter, key))
			continue;
		double v;
		if (goconv_parse_float(e->value, e->vlen, &v) != 0)
			continue; /* node_exporter fails the collector on a bad value */
		static const char h0[] = "Kernel network statistic ", h1[] = " from /proc/net.";
		size_t hlen = ns_cat(help, sizeof help, 0, h0, sizeof h0 - 1);
		hlen = ns_cat(help, sizeof help, hlen, pr->name, pr->len);
		hlen = ns_cat(help, sizeof help, hlen, " ", 1);
		hlen = ns_cat(help, sizeof help, hlen, e->name, e->nlen);
		ns_cat(help, sizeof help, hlen, h1, sizeof h1 - 1);
		mset_untyped(s->ms, name, help, v, NULL);
	}
	if (filter == &netstat_filter)
		pthread_mutex_unlock(&ns_cache_lock);
	return 0;
}

static int netstat_update(struct scrape *s)
{
	char *netstat = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/netstat"));
	if (!netstat)
		return -errno;
	char *snmp = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/snmp"));
	if (!snmp)
		return -errno;
	char *snmp6 = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/snmp6"));
	if (!snmp6 && errno != ENOENT)
		return -errno; /* a missing snmp6 only means IPv6 is off */
	return netstat_parse(s, netstat, snmp, snmp6, &netstat_filter);
}

const struct collector netstat_collector = { "netstat", 1, netstat_update, netstat_flags,
					     netstat_setup };
