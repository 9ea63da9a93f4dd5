/* postings.c - the postings keys: one LMDB key per (label pair, series),
 * "name\0value\0" followed by the series id, so that all series of a pair
 * are one contiguous key range and the values of a name another. Pairs
 * too long for an LMDB key keep a prefix of the value and its hash. */
#include "store_internal.h"

#include <string.h>

uint64_t tsdb_hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

size_t tsdb_posting_prefix(uint8_t *out, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	if (nl > TSDB_MAX_NAME)
		nl = TSDB_MAX_NAME;
	memcpy(out, name, nl);
	out[nl] = 0;
	if (nl + 1 + vl + 1 + 8 <= TSDB_PKEY_MAX) {
		memcpy(out + nl + 1, value, vl);
		out[nl + 1 + vl] = 0;
		return nl + vl + 2;
	}
	size_t v = TSDB_PKEY_MAX - nl - 1 - 1 - 1 - 8 - 8;
	memcpy(out + nl + 1, value, v);
	out[nl + 1 + v] = 0;
	out[nl + 2 + v] = 0xff;
	tsdb_be64(out + nl + 3 + v, tsdb_hash_bytes(value, vl));
	return nl + 3 + v + 8;
}

int tsdb_posting_parse(const void *key, size_t klen, size_t namelen, const char **val,
		       size_t *vlen, bool *trunc, uint64_t *id)
{
	const char *k = key;

	if (klen < namelen + 2 + 8 || k[namelen] != 0)
		return -1;
	const char *v = k + namelen + 1;
	const char *z = memchr(v, 0, klen - namelen - 1);
	if (!z)
		return -1;
	size_t rest = klen - (size_t)(z + 1 - k);
	if (rest == 8) {
		*trunc = false;
	} else if (rest == 17 && (uint8_t)z[1] == 0xff) {
		*trunc = true;
	} else {
		return -1;
	}
	*val = v;
	*vlen = (size_t)(z - v);
	*id = tsdb_get_be64((const uint8_t *)k + klen - 8);
	return 0;
}

int tsdb_posting_full_value(struct tsdb_store *s, MDB_txn *txn, uint64_t id, const char *name,
			    struct buf *b)
{
	uint8_t kb[8];
	MDB_val k = { 8, kb }, d;

	tsdb_be64(kb, id);
	if (mdb_get(txn, s->dbi_series, &k, &d) != 0)
		return -1;
	const char *p = d.mv_data, *end = p + d.mv_size;
	while (p < end) {
		const char *n = p, *nz = memchr(p, 0, (size_t)(end - p));
		if (!nz || nz + 1 >= end)
			return -1;
		const char *v = nz + 1, *vz = memchr(v, 0, (size_t)(end - v));
		if (!vz)
			return -1;
		if (strcmp(n, name) == 0) {
			buf_reset(b);
			buf_put(b, v, (size_t)(vz - v));
			return 0;
		}
		p = vz + 1;
	}
	return -1;
}
