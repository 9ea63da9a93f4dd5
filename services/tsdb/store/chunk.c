/* chunk.c - the stream and disk chunk encodings (see chunk.h, FORMAT.md). */
#include "chunk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double chunk_p10[16] = { 1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
static const int64_t chunk_i10[16] = { 1LL,
				       10LL,
				       100LL,
				       1000LL,
				       10000LL,
				       100000LL,
				       1000000LL,
				       10000000LL,
				       100000000LL,
				       1000000000LL,
				       10000000000LL,
				       100000000000LL,
				       1000000000000LL,
				       10000000000000LL,
				       100000000000000LL,
				       1000000000000000LL };

#define CHUNK_DEC_LIMIT 9007199254740992.0 /* 2^53 */
#define CHUNK_DEC_ILIMIT 9007199254740992LL
#define CHUNK_BLOCK 64

void chunk_state_init(struct chunk_state *st)
{
	memset(st, 0, sizeof *st);
	st->e = -1;
	st->lead = 0xff;
}

static uint64_t chunk_dbits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b;
}

static double chunk_bitsd(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof v);
	return v;
}

static uint64_t chunk_zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t chunk_unzz(uint64_t u)
{
	return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

static unsigned chunk_width(uint64_t u)
{
	return u ? 64 - (unsigned)__builtin_clzll(u) : 0;
}

/* v at scale e: *i with i / 10^e == v bit for bit. */
static int chunk_dec_at(double v, int e, int64_t *i)
{
	double x = v * chunk_p10[e];

	if (!(fabs(x) < CHUNK_DEC_LIMIT))
		return 0;
	int64_t r = (int64_t)llrint(x);
	double back = (double)r / chunk_p10[e];
	if (chunk_dbits(back) != chunk_dbits(v))
		return 0;
	*i = r;
	return 1;
}

int chunk_decimal_scale(double v, int64_t *i)
{
	if (!isfinite(v))
		return -1;
	if (v == 0) {
		if (signbit(v))
			return -1;
		*i = 0;
		return 0;
	}
	for (int e = 0; e < 16; e++) {
		if (chunk_dec_at(v, e, i))
			return e;
		if (!(fabs(v * chunk_p10[e]) < CHUNK_DEC_LIMIT))
			return -1;
	}
	return -1;
}

/* ---- bits ---- */

static void chunk_bits_reserve(struct chunk_bits *b, uint32_t more)
{
	uint64_t need = ((uint64_t)b->nbits + more + 7) / 8;

	if (need <= b->cap)
		return;
	uint64_t cap = b->cap ? b->cap : 16;
	while (cap < need)
		cap += cap / 2 + 8;
	b->p = xrealloc(b->p, cap);
	b->cap = (uint32_t)cap;
}

/* Write the low n bits of v (n <= 64) at the end of b, whose room the
 * caller made. A word at a time: this and chunk_get() are the codec's
 * inner loop. */
static void chunk_put_raw(struct chunk_bits *b, uint64_t v, unsigned n)
{
	if (n == 0)
		return;
	unsigned off = b->nbits & 7;
	if (off + n > 64) {
		chunk_put_raw(b, v >> 32, n - 32);
		chunk_put_raw(b, v, 32);
		return;
	}
	uint8_t *q = b->p + (b->nbits >> 3);
	uint64_t val = n == 64 ? v : v & ((1ULL << n) - 1);
	uint64_t w = val << (64 - off - n);
	unsigned nb = (off + n + 7) / 8;
	uint8_t keep = off ? (uint8_t)(q[0] & (0xff << (8 - off))) : 0;
	for (unsigned i = 0; i < nb; i++)
		q[i] = (uint8_t)(w >> (56 - 8 * i));
	q[0] |= keep;
	b->nbits += n;
}

static void chunk_put(struct chunk_bits *b, uint64_t v, unsigned n)
{
	chunk_bits_reserve(b, n);
	chunk_put_raw(b, v, n);
}

static int chunk_get(const uint8_t *p, size_t nbits, size_t *pos, unsigned n, uint64_t *out)
{
	size_t q = *pos;

	if (n > 64 || q > nbits || nbits - q < n)
		return -1;
	if (n == 0) {
		*out = 0;
		return 0;
	}
	size_t byte = q >> 3, nbytes = (nbits + 7) >> 3;
	unsigned off = q & 7;
	if (byte + 8 <= nbytes) {
		uint64_t w = 0;
		for (int i = 0; i < 8; i++)
			w = w << 8 | p[byte + i];
		uint64_t v = (w << off) >> (64 - n);
		if (off + n > 64)
			v |= (uint64_t)(p[byte + 8] >> (8 - (off + n - 64)));
		*out = v;
		*pos = q + n;
		return 0;
	}
	uint64_t v = 0;
	while (n > 0) {
		unsigned o = q & 7, avail = 8 - o, take = avail < n ? avail : n;
		unsigned by = p[q >> 3];
		v = (v << take) | ((by >> (avail - take)) & ((1u << take) - 1));
		q += take;
		n -= take;
	}
	*pos = q;
	*out = v;
	return 0;
}

void chunk_bits_append(struct chunk_bits *b, const uint8_t *src, uint32_t nbits)
{
	size_t pos = 0;

	chunk_bits_reserve(b, nbits);
	if ((b->nbits & 7) == 0 && nbits) {
		/* Byte-aligned: copy, then clear the bits past the end. */
		memcpy(b->p + b->nbits / 8, src, (nbits + 7) / 8);
		b->nbits += nbits;
		if (b->nbits & 7)
			b->p[b->nbits / 8] &= (uint8_t)(0xff00 >> (b->nbits & 7));
		return;
	}
	while (pos < nbits) {
		unsigned n = nbits - pos > 56 ? 56 : (unsigned)(nbits - pos);
		uint64_t v;
		chunk_get(src, nbits, &pos, n, &v);
		chunk_put(b, v, n);
	}
}

void chunk_bits_append_from(struct chunk_bits *b, const uint8_t *src, size_t from, size_t to)
{
	size_t pos = from;

	if (to <= from)
		return;
	chunk_bits_reserve(b, (uint32_t)(to - from));
	while (pos < to) {
		unsigned n = to - pos > 56 ? 56 : (unsigned)(to - pos);
		uint64_t v;
		chunk_get(src, to, &pos, n, &v);
		chunk_put(b, v, n);
	}
}

void chunk_bits_extract(const struct chunk_bits *b, uint32_t from, uint32_t to, struct buf *out)
{
	struct chunk_bits tmp = { NULL, 0, 0 };
	size_t pos = from;

	while (pos < to) {
		unsigned n = to - pos > 56 ? 56 : (unsigned)(to - pos);
		uint64_t v;
		chunk_get(b->p, b->nbits, &pos, n, &v);
		chunk_put(&tmp, v, n);
	}
	if (tmp.nbits)
		buf_put(out, tmp.p, (tmp.nbits + 7) / 8);
	free(tmp.p);
}

/* ---- the stream ---- */

static void chunk_put_dod(struct chunk_bits *b, int64_t dod)
{
	if (dod == 0) {
		chunk_put(b, 0, 1);
	} else if (dod >= -(1 << 13) && dod < (1 << 13)) {
		chunk_put(b, 2, 2);
		chunk_put(b, (uint64_t)dod & 0x3fff, 14);
	} else if (dod >= -(1 << 16) && dod < (1 << 16)) {
		chunk_put(b, 6, 3);
		chunk_put(b, (uint64_t)dod & 0x1ffff, 17);
	} else if (dod >= -(1 << 19) && dod < (1 << 19)) {
		chunk_put(b, 14, 4);
		chunk_put(b, (uint64_t)dod & 0xfffff, 20);
	} else {
		chunk_put(b, 15, 4);
		chunk_put(b, (uint64_t)dod, 64);
	}
}

static int chunk_get_dod(const uint8_t *p, size_t nbits, size_t *pos, int64_t *dod)
{
	static const unsigned widths[4] = { 14, 17, 20, 64 };
	uint64_t bit, v;
	unsigned k = 0;

	for (; k < 4; k++) {
		if (chunk_get(p, nbits, pos, 1, &bit) < 0)
			return -1;
		if (!bit)
			break;
	}
	if (k == 0) {
		*dod = 0;
		return 0;
	}
	unsigned w = widths[k == 4 ? 3 : k - 1];
	if (chunk_get(p, nbits, pos, w, &v) < 0)
		return -1;
	if (w < 64 && (v >> (w - 1)))
		v |= ~0ULL << w; /* sign-extend */
	*dod = (int64_t)v;
	return 0;
}

static void chunk_put_xor(struct chunk_bits *b, struct chunk_state *st, uint64_t bits)
{
	uint64_t x = bits ^ st->xprev;

	chunk_put(b, 7, 3);
	if (x == 0) {
		chunk_put(b, 0, 1);
	} else {
		unsigned lead = (unsigned)__builtin_clzll(x), trail = (unsigned)__builtin_ctzll(x);
		chunk_put(b, 1, 1);
		if (st->lead != 0xff && lead >= st->lead && trail >= st->trail) {
			chunk_put(b, 0, 1);
			chunk_put(b, x >> st->trail, 64 - st->lead - st->trail);
		} else {
			unsigned sig = 64 - lead - trail;
			chunk_put(b, 1, 1);
			chunk_put(b, lead, 6);
			chunk_put(b, sig - 1, 6);
			chunk_put(b, x >> trail, sig);
			st->lead = (uint8_t)lead;
			st->trail = (uint8_t)trail;
		}
	}
	st->xprev = bits;
}

/* Write a value delta (zz) with the current width, or a new width. */
static void chunk_put_delta(struct chunk_bits *b, struct chunk_state *st, uint64_t zz)
{
	unsigned need = chunk_width(zz);

	if (need <= st->w) {
		if (need + 2 <= st->w) {
			st->run++;
			if (need > st->runmax)
				st->runmax = (uint8_t)need;
			if (st->run >= 16) {
				/* A long run of narrower deltas: narrow the width. */
				st->w = st->runmax;
				st->run = st->runmax = 0;
				chunk_put(b, 2, 2);
				chunk_put(b, st->w, 6);
				chunk_put(b, zz, st->w);
				return;
			}
		} else {
			st->run = st->runmax = 0;
		}
		chunk_put(b, 0, 1);
		chunk_put(b, zz, st->w);
		return;
	}
	st->w = (uint8_t)need;
	st->run = st->runmax = 0;
	chunk_put(b, 2, 2);
	chunk_put(b, need, 6);
	chunk_put(b, zz, need);
}

void chunk_append(struct chunk_bits *b, struct chunk_state *st, int64_t t, double v)
{
	/* Timestamp. */
	if (st->n == 0) {
		chunk_put(b, (uint64_t)t, 64);
		st->dt = 0;
	} else {
		int64_t dt = (int64_t)((uint64_t)t - (uint64_t)st->t);
		chunk_put_dod(b, (int64_t)((uint64_t)dt - (uint64_t)st->dt));
		st->dt = dt;
	}
	st->t = t;
	st->n++;

	/* Value: a delta at the current scale, a rescale, or raw. */
	int64_t i;
	if (st->e >= 0 && chunk_dec_at(v, st->e, &i)) {
		chunk_put_delta(b, st, chunk_zz(i - st->p));
		st->p = i;
		return;
	}
	int e = chunk_decimal_scale(v, &i);
	if (e >= 0) {
		int e2 = e > st->e ? e : st->e;
		int64_t np = 0;
		if (chunk_dec_at(v, e2, &i) &&
		    (st->e < 0 || (!__builtin_mul_overflow(st->p, chunk_i10[e2 - st->e], &np) &&
				   np > -CHUNK_DEC_ILIMIT && np < CHUNK_DEC_ILIMIT))) {
			uint64_t zz = chunk_zz(i - np);
			unsigned need = chunk_width(zz);
			chunk_put(b, 6, 3);
			chunk_put(b, (uint64_t)e2, 4);
			chunk_put(b, need, 6);
			chunk_put(b, zz, need);
			st->e = (int8_t)e2;
			/* The width written here is for this value only (often a
			 * whole first value, not a delta): the next delta sets
			 * its own. */
			st->w = 0;
			st->p = i;
			st->run = st->runmax = 0;
			return;
		}
	}
	chunk_put_xor(b, st, chunk_dbits(v));
}

void chunk_reader_init(struct chunk_reader *r, const uint8_t *p, size_t nbits,
		       const struct chunk_state *st)
{
	r->p = p;
	r->nbits = nbits;
	r->pos = 0;
	if (st)
		r->st = *st;
	else
		chunk_state_init(&r->st);
}

static int chunk_read_xor(struct chunk_reader *r, uint64_t *out)
{
	struct chunk_state *st = &r->st;
	uint64_t bit, v;

	if (chunk_get(r->p, r->nbits, &r->pos, 1, &bit) < 0)
		return -1;
	if (bit) {
		if (chunk_get(r->p, r->nbits, &r->pos, 1, &bit) < 0)
			return -1;
		if (!bit) {
			if (st->lead == 0xff)
				return -1;
			unsigned sig = 64 - st->lead - st->trail;
			if (chunk_get(r->p, r->nbits, &r->pos, sig, &v) < 0)
				return -1;
			st->xprev ^= v << st->trail;
		} else {
			uint64_t lead, sig;
			if (chunk_get(r->p, r->nbits, &r->pos, 6, &lead) < 0 ||
			    chunk_get(r->p, r->nbits, &r->pos, 6, &sig) < 0)
				return -1;
			sig++;
			if (lead + sig > 64)
				return -1;
			if (chunk_get(r->p, r->nbits, &r->pos, (unsigned)sig, &v) < 0)
				return -1;
			unsigned trail = 64 - (unsigned)lead - (unsigned)sig;
			st->lead = (uint8_t)lead;
			st->trail = (uint8_t)trail;
			st->xprev ^= trail == 64 ? 0 : v << trail;
		}
	}
	*out = st->xprev;
	return 0;
}

int chunk_reader_next(struct chunk_reader *r, int64_t *t, double *v)
{
	struct chunk_state *st = &r->st;
	uint64_t u;

	if (r->pos >= r->nbits)
		return 0;
	if (st->n == 0) {
		if (chunk_get(r->p, r->nbits, &r->pos, 64, &u) < 0)
			return CHUNK_ERR_CORRUPT;
		st->t = (int64_t)u;
		st->dt = 0;
	} else {
		int64_t dod;
		if (chunk_get_dod(r->p, r->nbits, &r->pos, &dod) < 0)
			return CHUNK_ERR_CORRUPT;
		st->dt = (int64_t)((uint64_t)st->dt + (uint64_t)dod);
		if (st->dt <= 0 || st->t > INT64_MAX - st->dt)
			return CHUNK_ERR_CORRUPT;
		st->t += st->dt;
	}
	st->n++;

	uint64_t code = 0, bit;
	unsigned k = 0;
	for (; k < 3; k++) {
		if (chunk_get(r->p, r->nbits, &r->pos, 1, &bit) < 0)
			return CHUNK_ERR_CORRUPT;
		code = code << 1 | bit;
		if (!bit)
			break;
	}
	if (k == 3) { /* 111: raw */
		if (chunk_read_xor(r, &u) < 0)
			return CHUNK_ERR_CORRUPT;
		*t = st->t;
		*v = chunk_bitsd(u);
		return 1;
	}
	if (k == 2) { /* 110: rescale */
		uint64_t e2;
		if (chunk_get(r->p, r->nbits, &r->pos, 4, &e2) < 0 || (int)e2 <= st->e || e2 > 15)
			return CHUNK_ERR_CORRUPT;
		st->p = st->e < 0 ? 0 : (int64_t)((uint64_t)st->p * (uint64_t)chunk_i10[e2 - st->e]);
		st->e = (int8_t)e2;
	}
	if (st->e < 0)
		return CHUNK_ERR_CORRUPT;
	if (k >= 1) { /* 10 or 110: a width follows */
		uint64_t w;
		if (chunk_get(r->p, r->nbits, &r->pos, 6, &w) < 0)
			return CHUNK_ERR_CORRUPT;
		st->w = (uint8_t)w;
	}
	if (chunk_get(r->p, r->nbits, &r->pos, st->w, &u) < 0)
		return CHUNK_ERR_CORRUPT;
	st->p = (int64_t)((uint64_t)st->p + (uint64_t)chunk_unzz(u));
	if (k == 2)
		st->w = 0; /* a rescale's width is for its own value only */
	*t = st->t;
	*v = (double)st->p / chunk_p10[st->e];
	return 1;
}

/* ---- varints ---- */

void chunk_put_uvarint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	buf_put(b, tmp, n);
}

void chunk_put_varint(struct buf *b, int64_t v)
{
	chunk_put_uvarint(b, chunk_zz(v));
}

int chunk_get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	unsigned shift = 0;

	while (*p < end && shift < 64) {
		uint8_t c = *(*p)++;
		r |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = r;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

int chunk_get_varint(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	uint64_t u;

	if (chunk_get_uvarint(p, end, &u) < 0)
		return -1;
	*v = chunk_unzz(u);
	return 0;
}

/* ---- disk chunks ---- */

/* Cost in bits of frame-of-reference blocks over r[0..m). */
static uint64_t chunk_blocks_cost(const int64_t *r, size_t m)
{
	uint64_t bits = 0;

	for (size_t k = 0; k < m; k += CHUNK_BLOCK) {
		size_t cnt = m - k < CHUNK_BLOCK ? m - k : CHUNK_BLOCK;
		int64_t lo = r[k], hi = r[k];
		for (size_t j = 1; j < cnt; j++) {
			if (r[k + j] < lo)
				lo = r[k + j];
			if (r[k + j] > hi)
				hi = r[k + j];
		}
		bits += 12 + chunk_width(chunk_zz(lo)) +
			cnt * chunk_width((uint64_t)hi - (uint64_t)lo);
	}
	return bits;
}

static void chunk_put_blocks(struct chunk_bits *b, const int64_t *r, size_t m)
{
	for (size_t k = 0; k < m; k += CHUNK_BLOCK) {
		size_t cnt = m - k < CHUNK_BLOCK ? m - k : CHUNK_BLOCK;
		int64_t lo = r[k], hi = r[k];
		for (size_t j = 1; j < cnt; j++) {
			if (r[k + j] < lo)
				lo = r[k + j];
			if (r[k + j] > hi)
				hi = r[k + j];
		}
		unsigned w = chunk_width((uint64_t)hi - (uint64_t)lo);
		uint64_t zlo = chunk_zz(lo);
		unsigned mw = chunk_width(zlo);
		chunk_put(b, w, 6);
		chunk_put(b, mw, 6);
		chunk_put(b, zlo, mw);
		for (size_t j = 0; j < cnt; j++)
			chunk_put(b, (uint64_t)r[k + j] - (uint64_t)lo, w);
	}
}

/* The decimal (columnar) encoding, or -1 when it does not apply. */
static int chunk_encode_decimal(const int64_t *ts, const double *vs, size_t n, struct buf *out)
{
	int64_t *sc = xmalloc(n * sizeof *sc), *r = xmalloc(n * sizeof *r), *r2 = xmalloc(n * sizeof *r2);
	uint8_t *isexc = xcalloc(n, 1);
	int e = 0, rc = -1;
	size_t nexc = 0;
	struct chunk_bits tb = { NULL, 0, 0 }, vb = { NULL, 0, 0 };

	for (size_t k = 0; k < n; k++) {
		int64_t i;
		int ek = chunk_decimal_scale(vs[k], &i);
		if (ek < 0)
			isexc[k] = 1;
		else if (ek > e)
			e = ek;
	}
	for (size_t k = 0; k < n; k++) {
		if (!isexc[k] && !chunk_dec_at(vs[k], e, &sc[k]))
			isexc[k] = 1;
		nexc += isexc[k];
	}
	/* Residuals: deltas, and deltas of deltas. */
	size_t m = 0;
	int have = 0;
	int64_t prev = 0, pd = 0;
	for (size_t k = 0; k < n; k++) {
		if (isexc[k])
			continue;
		if (have) {
			int64_t d = sc[k] - prev;
			r[m] = d;
			r2[m] = d - pd;
			pd = d;
			m++;
		}
		prev = sc[k];
		have = 1;
	}
	int vdod = chunk_blocks_cost(r2, m) < chunk_blocks_cost(r, m);

	int regular = 1;
	for (size_t k = 2; k < n; k++)
		if (ts[k] - ts[k - 1] != ts[1] - ts[0])
			regular = 0;
	if (!regular) {
		int64_t dt = 0;
		for (size_t k = 1; k < n; k++) {
			int64_t d = ts[k] - ts[k - 1];
			chunk_put_dod(&tb, d - dt);
			dt = d;
		}
	}
	chunk_put_blocks(&vb, vdod ? r2 : r, m);

	buf_putc(out, CHUNK_ENC_DECIMAL);
	chunk_put_uvarint(out, n);
	chunk_put_varint(out, ts[0]);
	buf_putc(out, regular ? 0 : 1);
	if (regular)
		chunk_put_varint(out, n > 1 ? ts[1] - ts[0] : 0);
	else
		chunk_put_uvarint(out, (tb.nbits + 7) / 8);
	chunk_put_uvarint(out, (uint64_t)e);
	buf_putc(out, (char)vdod);
	chunk_put_uvarint(out, nexc);
	int64_t last = -1;
	for (size_t k = 0; k < n; k++) {
		if (!isexc[k])
			continue;
		uint64_t bits = chunk_dbits(vs[k]);
		uint8_t le[8];
		chunk_put_uvarint(out, (uint64_t)((int64_t)k - last - 1));
		for (int j = 0; j < 8; j++)
			le[j] = (uint8_t)(bits >> (8 * j));
		buf_put(out, le, 8);
		last = (int64_t)k;
	}
	if (nexc < n) {
		size_t first = 0;
		while (isexc[first])
			first++;
		chunk_put_varint(out, sc[first]);
	}
	if (tb.nbits)
		buf_put(out, tb.p, (tb.nbits + 7) / 8);
	if (vb.nbits)
		buf_put(out, vb.p, (vb.nbits + 7) / 8);
	rc = 0;
	free(tb.p);
	free(vb.p);
	free(sc);
	free(r);
	free(r2);
	free(isexc);
	return rc;
}

int chunk_encode(const int64_t *ts, const double *vs, size_t n, struct buf *out)
{
	if (n == 0 || n > CHUNK_MAX_SAMPLES)
		return -1;
	for (size_t k = 1; k < n; k++)
		if (ts[k] <= ts[k - 1])
			return -1;
	struct buf dec = BUF_INIT;
	struct chunk_bits sb = { NULL, 0, 0 };
	struct chunk_state st;

	chunk_state_init(&st);
	for (size_t k = 0; k < n; k++)
		chunk_append(&sb, &st, ts[k], vs[k]);
	chunk_encode_decimal(ts, vs, n, &dec);
	size_t slen = 1 + 3 + (sb.nbits + 7) / 8;
	if (dec.len <= slen) {
		buf_put(out, dec.p, dec.len);
	} else {
		buf_putc(out, CHUNK_ENC_STREAM);
		chunk_put_uvarint(out, n);
		buf_put(out, sb.p, (sb.nbits + 7) / 8);
	}
	buf_free(&dec);
	free(sb.p);
	return 0;
}

int chunk_iter_init(struct chunk_iter *it, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint64_t u;

	memset(it, 0, sizeof *it);
	if (len < 2)
		return CHUNK_ERR_CORRUPT;
	it->enc = *p++;
	if (chunk_get_uvarint(&p, end, &u) < 0 || u == 0 || u > CHUNK_MAX_SAMPLES)
		return CHUNK_ERR_CORRUPT;
	it->n = (uint32_t)u;
	if (it->enc == CHUNK_ENC_STREAM) {
		chunk_reader_init(&it->sr, p, (size_t)(end - p) * 8, NULL);
		return 0;
	}
	if (it->enc != CHUNK_ENC_DECIMAL)
		return CHUNK_ERR_CORRUPT;
	uint64_t tslen = 0, e, nexc;
	if (chunk_get_varint(&p, end, &it->t) < 0 || p >= end)
		return CHUNK_ERR_CORRUPT;
	it->tsregular = *p++ == 0;
	if (it->tsregular) {
		if (chunk_get_varint(&p, end, &it->dt) < 0 || (it->n > 1 && it->dt <= 0))
			return CHUNK_ERR_CORRUPT;
		int64_t span, last;
		if (__builtin_mul_overflow(it->dt, (int64_t)(it->n - 1), &span) ||
		    __builtin_add_overflow(it->t, span, &last))
			return CHUNK_ERR_CORRUPT;
	} else if (chunk_get_uvarint(&p, end, &tslen) < 0) {
		return CHUNK_ERR_CORRUPT;
	}
	if (chunk_get_uvarint(&p, end, &e) < 0 || e > 15 || p >= end)
		return CHUNK_ERR_CORRUPT;
	it->e = (int8_t)e;
	it->vdod = *p++ != 0;
	if (chunk_get_uvarint(&p, end, &nexc) < 0 || nexc > it->n)
		return CHUNK_ERR_CORRUPT;
	it->exc = p;
	/* Skip the exceptions (validated as they are read). */
	for (uint64_t k = 0; k < nexc; k++) {
		if (chunk_get_uvarint(&p, end, &u) < 0 || end - p < 8)
			return CHUNK_ERR_CORRUPT;
		p += 8;
	}
	it->next_exc = it->n;
	it->exc_left = (uint32_t)nexc;
	if (nexc > 0) {
		const uint8_t *q = it->exc;
		chunk_get_uvarint(&q, end, &u);
		if (u >= it->n)
			return CHUNK_ERR_CORRUPT;
		it->next_exc = (uint32_t)u;
		it->exc = q;
	}
	if (nexc < it->n) {
		if (chunk_get_varint(&p, end, &it->p_last) < 0)
			return CHUNK_ERR_CORRUPT;
	}
	if (tslen > (uint64_t)(end - p))
		return CHUNK_ERR_CORRUPT;
	chunk_reader_init(&it->tsr, p, (size_t)tslen * 8, NULL);
	p += tslen;
	it->vbits = p;
	it->vnbits = (size_t)(end - p) * 8;
	it->end = end;
	it->p = p;
	return 0;
}

int chunk_iter_next(struct chunk_iter *it, int64_t *t, double *v)
{
	if (it->i >= it->n)
		return 0;
	if (it->enc == CHUNK_ENC_STREAM) {
		int rc = chunk_reader_next(&it->sr, t, v);
		if (rc == 0)
			return CHUNK_ERR_CORRUPT; /* fewer samples than the header says */
		if (rc > 0)
			it->i++;
		return rc;
	}
	if (it->i > 0) {
		if (it->tsregular) {
			it->t += it->dt;
		} else {
			int64_t dod;
			if (chunk_get_dod(it->tsr.p, it->tsr.nbits, &it->tsr.pos, &dod) < 0)
				return CHUNK_ERR_CORRUPT;
			it->tsr.st.dt = (int64_t)((uint64_t)it->tsr.st.dt + (uint64_t)dod);
			if (it->tsr.st.dt <= 0 || it->t > INT64_MAX - it->tsr.st.dt)
				return CHUNK_ERR_CORRUPT;
			it->t += it->tsr.st.dt;
		}
	}
	*t = it->t;
	if (it->i == it->next_exc) {
		uint64_t bits = 0, u;
		for (int j = 0; j < 8; j++)
			bits |= (uint64_t)it->exc[j] << (8 * j);
		it->exc += 8;
		*v = chunk_bitsd(bits);
		it->next_exc = it->n;
		if (--it->exc_left > 0 && it->i + 1 < it->n) {
			const uint8_t *q = it->exc;
			if (chunk_get_uvarint(&q, it->end, &u) < 0 || u >= it->n - it->i - 1)
				return CHUNK_ERR_CORRUPT;
			it->next_exc = it->i + 1 + (uint32_t)u;
			it->exc = q;
		}
		it->i++;
		return 1;
	}
	if (it->have_dec) {
		uint64_t u;
		if (it->blk_left == 0) {
			uint64_t w, mw, zlo;
			if (chunk_get(it->vbits, it->vnbits, &it->vpos, 6, &w) < 0 ||
			    chunk_get(it->vbits, it->vnbits, &it->vpos, 6, &mw) < 0 ||
			    chunk_get(it->vbits, it->vnbits, &it->vpos, (unsigned)mw, &zlo) < 0)
				return CHUNK_ERR_CORRUPT;
			it->blk_w = (uint8_t)w;
			it->blk_min = chunk_unzz(zlo);
			it->blk_left = CHUNK_BLOCK;
		}
		if (chunk_get(it->vbits, it->vnbits, &it->vpos, it->blk_w, &u) < 0)
			return CHUNK_ERR_CORRUPT;
		it->blk_left--;
		int64_t res = (int64_t)((uint64_t)it->blk_min + u);
		if (it->vdod) {
			it->d_last = (int64_t)((uint64_t)it->d_last + (uint64_t)res);
			res = it->d_last;
		}
		it->p_last = (int64_t)((uint64_t)it->p_last + (uint64_t)res);
	}
	it->have_dec = 1;
	*v = (double)it->p_last / chunk_p10[it->e];
	it->i++;
	return 1;
}
