/* scrape_cache.c - a target's series cache and metadata table.
 *
 * The cache is what makes a steady-state scrape cheap: the series text of
 * an exposition line (metric name and labels as written) is hashed and
 * looked up, and a hit gives the store's ref directly, with no label
 * parsing, merging or relabeling. Entries are single allocations made
 * when a series is first seen; nothing is allocated for a known series.
 */
#include "scrape_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- hashing ---- */

static inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t scrape_hash(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x100000001b3ULL);
	while (n >= 16) {
		uint64_t a = rd64(p), b = rd64(p + 8);
		h = (h ^ a) * 0x87c37b91114253d5ULL;
		h = (h << 31 | h >> 33) ^ b;
		h *= 0x4cf5ad432745937fULL;
		p += 16;
		n -= 16;
	}
	if (n >= 8) {
		h = (h ^ rd64(p)) * 0x87c37b91114253d5ULL;
		h = h << 27 | h >> 37;
		p += 8;
		n -= 8;
	}
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t |= (uint64_t)p[i] << (8 * i);
	h = (h ^ t) * 0x4cf5ad432745937fULL;
	return mix(h);
}

/* ---- the table ---- */

void scrape_cache_init(struct scrape_cache *c, bool keep_labels)
{
	memset(c, 0, sizeof *c);
	c->keep_labels = keep_labels;
}

void scrape_cache_record(struct scrape_cache *c, struct scrape_entry *e)
{
	if (c->norder == c->order_cap) {
		c->order_cap = c->order_cap ? c->order_cap * 2 : 1024;
		c->order = xrealloc(c->order, c->order_cap * sizeof *c->order);
	}
	e->pos = (uint32_t)c->norder;
	c->order[c->norder++] = e;
}

void scrape_cache_order_done(struct scrape_cache *c)
{
	struct scrape_entry **t = c->prev_order;
	size_t tc = c->prev_order_cap;
	c->prev_order = c->order;
	c->prev_order_cap = c->order_cap;
	c->nprev_order = c->norder;
	c->order = t;
	c->order_cap = tc;
	c->norder = 0;
}

void scrape_cache_free(struct scrape_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i]);
	free(c->slots);
	free(c->order);
	free(c->prev_order);
	memset(c, 0, sizeof *c);
}

struct scrape_entry *scrape_cache_get(struct scrape_cache *c, const char *key, size_t len,
				      uint64_t hash)
{
	if (!c->n)
		return NULL;
	size_t mask = c->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct scrape_entry *e = c->slots[i];
		if (!e)
			return NULL;
		if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
}

static void put_slot(struct scrape_entry **slots, size_t mask, struct scrape_entry *e)
{
	size_t i = e->hash & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = e;
}

static void grow(struct scrape_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 256;
	struct scrape_entry **ns = xcalloc(ncap, sizeof *ns);
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i])
			put_slot(ns, ncap - 1, c->slots[i]);
	free(c->slots);
	c->slots = ns;
	c->cap = ncap;
}

struct scrape_entry *scrape_cache_add(struct scrape_cache *c, const char *key, size_t len,
				      uint64_t hash, uint64_t ref, const struct labels *ls,
				      uint32_t flags)
{
	if ((c->n + 1) * 4 > c->cap * 3)
		grow(c);
	size_t need = sizeof(struct scrape_entry) + len + 1;
	size_t lab_off = 0, str_off = 0;
	bool keep = c->keep_labels && ls && ls->n;
	if (keep) {
		lab_off = (need + 7) & ~(size_t)7;
		str_off = lab_off + ls->n * sizeof(struct label);
		need = str_off;
		for (size_t i = 0; i < ls->n; i++)
			need += strlen(ls->v[i].name) + strlen(ls->v[i].value) + 2;
	}
	struct scrape_entry *e = xmalloc(need);
	memset(e, 0, sizeof *e);
	e->hash = hash;
	e->ref = ref;
	e->key_len = (uint32_t)len;
	e->flags = flags;
	memcpy(e->key, key, len);
	e->key[len] = 0;
	if (keep) {
		struct label *lv = (struct label *)(void *)((char *)e + lab_off);
		char *s = (char *)e + str_off;
		for (size_t i = 0; i < ls->n; i++) {
			size_t nl = strlen(ls->v[i].name) + 1, vl = strlen(ls->v[i].value) + 1;
			memcpy(s, ls->v[i].name, nl);
			lv[i].name = s;
			s += nl;
			memcpy(s, ls->v[i].value, vl);
			lv[i].value = s;
			s += vl;
		}
		e->nlabels = (uint32_t)ls->n;
	}
	put_slot(c->slots, c->cap - 1, e);
	c->n++;
	return e;
}

/* Remove the entry at slot i, shifting later members of its probe run
 * back so that lookups stay correct without tombstones. */
static void remove_slot(struct scrape_cache *c, size_t i)
{
	size_t mask = c->cap - 1;
	free(c->slots[i]);
	c->slots[i] = NULL;
	c->n--;
	for (size_t j = (i + 1) & mask; c->slots[j]; j = (j + 1) & mask) {
		size_t home = c->slots[j]->hash & mask;
		/* can the entry at j move to the hole at i? yes unless its
		 * home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			c->slots[i] = c->slots[j];
			c->slots[j] = NULL;
			i = j;
		}
	}
}

void scrape_cache_remove(struct scrape_cache *c, struct scrape_entry *e)
{
	size_t mask = c->cap - 1;
	for (size_t i = e->hash & mask; c->slots[i]; i = (i + 1) & mask)
		if (c->slots[i] == e) {
			remove_slot(c, i);
			return;
		}
}

bool scrape_cache_iter_done(struct scrape_cache *c, bool successful)
{
	bool flush = successful;
	bool forced = false;
	if (successful) {
		c->successful_count = c->n;
	} else if (c->n > c->successful_count * 2 + 1000) {
		/* failing scrapes with ever new series must not grow the
		 * cache without bound */
		flush = true;
		forced = true;
	}
	if (flush) {
		for (size_t i = 0; i < c->cap;) {
			struct scrape_entry *e = c->slots[i];
			/* report series (keys ending in 0xff) are written every
			 * scrape and stay */
			if (e && e->seen_iter != c->iter &&
			    !(e->key_len && (unsigned char)e->key[e->key_len - 1] == 0xff)) {
				remove_slot(c, i);
				continue; /* slot i holds a shifted entry now */
			}
			i++;
		}
		c->iter++;
	}
	return forced;
}

/* ---- metadata ---- */

void scrape_meta_init(struct scrape_meta_table *t)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->mu, NULL);
}

void scrape_meta_free(struct scrape_meta_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].metric);
		free(t->v[i].help);
		free(t->v[i].unit);
	}
	free(t->v);
	pthread_mutex_destroy(&t->mu);
}

static int cmp_name(const char *a, const char *b, size_t blen)
{
	int c = strncmp(a, b, blen);
	if (c)
		return c;
	return a[blen] ? 1 : 0;
}

static char *dupn(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	memcpy(o, s, n);
	o[n] = 0;
	return o;
}

void scrape_meta_set(struct scrape_meta_table *t, const char *name, size_t name_len, int which,
		     enum textparse_mtype type, const char *text, size_t text_len, uint32_t iter)
{
	/* binary search; metadata lines are a small fraction of a scrape */
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_name(t->v[mid].metric, name, name_len);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct scrape_meta *m;
	if (lo < t->n && cmp_name(t->v[lo].metric, name, name_len) == 0) {
		m = &t->v[lo];
		bool same = which == 0   ? m->type == type
			    : which == 1 ? strlen(m->help) == text_len && memcmp(m->help, text, text_len) == 0
					 : strlen(m->unit) == text_len && memcmp(m->unit, text, text_len) == 0;
		if (same) {
			m->last_iter = iter;
			return;
		}
		pthread_mutex_lock(&t->mu);
	} else {
		pthread_mutex_lock(&t->mu);
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 32;
			t->v = xrealloc(t->v, t->cap * sizeof *t->v);
		}
		memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof *t->v);
		t->n++;
		m = &t->v[lo];
		m->metric = dupn(name, name_len);
		m->type = TEXTPARSE_MT_UNKNOWN;
		m->help = dupn("", 0);
		m->unit = dupn("", 0);
	}
	m->last_iter = iter;
	if (which == 0) {
		m->type = type;
	} else if (which == 1) {
		free(m->help);
		m->help = dupn(text, text_len);
	} else {
		free(m->unit);
		m->unit = dupn(text, text_len);
	}
	pthread_mutex_unlock(&t->mu);
}

void scrape_meta_expire(struct scrape_meta_table *t, uint32_t iter)
{
	size_t w = 0;
	bool locked = false;
	for (size_t i = 0; i < t->n; i++) {
		if (iter - t->v[i].last_iter > 10) {
			if (!locked) {
				pthread_mutex_lock(&t->mu);
				locked = true;
			}
			free(t->v[i].metric);
			free(t->v[i].help);
			free(t->v[i].unit);
			continue;
		}
		if (locked)
			t->v[w] = t->v[i];
		w++;
	}
	if (locked) {
		t->n = w;
		pthread_mutex_unlock(&t->mu);
	}
}
