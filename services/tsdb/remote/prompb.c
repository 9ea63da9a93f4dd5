/* prompb.c - WriteRequest wire format: a bounded pull reader and a writer.
 * See prompb.h. */
#include "prompb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wire types. */
enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_FIXED32 = 5 };

/* Nested groups deeper than this are refused (unbounded recursion). */
#define PROMPB_MAX_GROUP_DEPTH 32

const struct prompb_limits prompb_default_limits = {
	.max_series = 1000000,
	.max_samples = 10000000,
	.max_series_samples = 1000000,
	.max_labels = 4096,
	.max_name_len = 4096,
	.max_value_len = 65536,
};

/* A cursor over one (sub)message. */
struct pb {
	const uint8_t *p, *end;
};

static int prompb_fail(struct prompb_reader *r, const uint8_t *at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int prompb_fail(struct prompb_reader *r, const uint8_t *at, int code, const char *fmt, ...)
{
	int n = snprintf(r->err, sizeof r->err, "byte %zu: ", (size_t)(at - r->base));
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof r->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
		va_end(ap);
	}
	r->p = r->end; /* stay at the error */
	r->code = code;
	return code;
}

/* Read a varint; 0 or an error code (the caller reports it). */
static int prompb_varint(struct pb *c, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (c->p >= c->end)
			return PROMPB_ERR_TRUNCATED;
		uint8_t b = *c->p++;
		if (i == 9 && b > 1)
			return PROMPB_ERR_VARINT;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return PROMPB_ERR_VARINT;
}

static const char *prompb_code_text(int code)
{
	switch (code) {
	case PROMPB_ERR_TRUNCATED: return "unexpected end of message";
	case PROMPB_ERR_VARINT: return "varint overflows 64 bits";
	case PROMPB_ERR_WIRETYPE: return "wrong wire type";
	case PROMPB_ERR_FIELD: return "invalid field";
	case PROMPB_ERR_LIMIT: return "limit exceeded";
	}
	return "error";
}

/* Read a field key. Returns 0, or an error with r->err set. */
static int prompb_key(struct prompb_reader *r, struct pb *c, uint32_t *field, unsigned *wt)
{
	const uint8_t *at = c->p;
	uint64_t k;
	int rc = prompb_varint(c, &k);
	if (rc)
		return prompb_fail(r, at, rc, "field key: %s", prompb_code_text(rc));
	*wt = (unsigned)(k & 7);
	if ((k >> 3) == 0 || (k >> 3) > 0x1fffffff)
		return prompb_fail(r, at, PROMPB_ERR_FIELD, "invalid field number %llu",
				   (unsigned long long)(k >> 3));
	*field = (uint32_t)(k >> 3);
	return 0;
}

/* Read a length-delimited payload into sub. */
static int prompb_len(struct prompb_reader *r, struct pb *c, struct pb *sub)
{
	const uint8_t *at = c->p;
	uint64_t n;
	int rc = prompb_varint(c, &n);
	if (rc)
		return prompb_fail(r, at, rc, "length: %s", prompb_code_text(rc));
	if (n > (uint64_t)(c->end - c->p))
		return prompb_fail(r, at, PROMPB_ERR_TRUNCATED,
				   "length %llu runs past the end of its message",
				   (unsigned long long)n);
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return 0;
}

/* Skip the value of a field of wire type wt (its key already read). */
static int prompb_skip(struct prompb_reader *r, struct pb *c, uint32_t field, unsigned wt,
		       int depth)
{
	const uint8_t *at = c->p;
	uint64_t v;
	struct pb sub;
	int rc;
	switch (wt) {
	case WT_VARINT:
		rc = prompb_varint(c, &v);
		if (rc)
			return prompb_fail(r, at, rc, "field %u: %s", field, prompb_code_text(rc));
		return 0;
	case WT_FIXED64:
	case WT_FIXED32: {
		size_t n = wt == WT_FIXED64 ? 8 : 4;
		if ((size_t)(c->end - c->p) < n)
			return prompb_fail(r, at, PROMPB_ERR_TRUNCATED, "field %u: %s", field,
					   prompb_code_text(PROMPB_ERR_TRUNCATED));
		c->p += n;
		return 0;
	}
	case WT_LEN:
		return prompb_len(r, c, &sub);
	case WT_SGROUP:
		if (depth >= PROMPB_MAX_GROUP_DEPTH)
			return prompb_fail(r, at, PROMPB_ERR_FIELD, "groups nested too deep");
		for (;;) {
			uint32_t f;
			unsigned w;
			if (c->p >= c->end)
				return prompb_fail(r, at, PROMPB_ERR_FIELD,
						   "group %u does not end", field);
			if ((rc = prompb_key(r, c, &f, &w)))
				return rc;
			if (w == WT_EGROUP) {
				if (f != field)
					return prompb_fail(r, at, PROMPB_ERR_FIELD,
							   "group %u ends as %u", field, f);
				return 0;
			}
			if ((rc = prompb_skip(r, c, f, w, depth + 1)))
				return rc;
		}
	case WT_EGROUP:
		return prompb_fail(r, at, PROMPB_ERR_FIELD, "end of group %u without a start",
				   field);
	default:
		return prompb_fail(r, at, PROMPB_ERR_WIRETYPE, "field %u: invalid wire type %u",
				   field, wt);
	}
}

static int prompb_wrong_type(struct prompb_reader *r, const uint8_t *at, const char *what,
			     unsigned wt)
{
	return prompb_fail(r, at, PROMPB_ERR_WIRETYPE, "%s: wrong wire type %u", what, wt);
}

static int prompb_read_label(struct prompb_reader *r, struct pb c, struct prompb_label *l)
{
	memset(l, 0, sizeof *l);
	while (c.p < c.end) {
		const uint8_t *at = c.p;
		uint32_t f;
		unsigned wt;
		int rc;
		if ((rc = prompb_key(r, &c, &f, &wt)))
			return rc;
		if (f == 1 || f == 2) {
			struct pb s;
			if (wt != WT_LEN)
				return prompb_wrong_type(r, at, f == 1 ? "Label.name" : "Label.value", wt);
			if ((rc = prompb_len(r, &c, &s)))
				return rc;
			size_t len = (size_t)(s.end - s.p);
			size_t max = f == 1 ? r->lim.max_name_len : r->lim.max_value_len;
			if (len > max)
				return prompb_fail(r, at, PROMPB_ERR_LIMIT,
						   "label %s of %zu bytes (limit %zu)",
						   f == 1 ? "name" : "value", len, max);
			struct prompb_str *dst = f == 1 ? &l->name : &l->value;
			dst->p = (const char *)s.p;
			dst->len = len;
		} else if ((rc = prompb_skip(r, &c, f, wt, 0))) {
			return rc;
		}
	}
	return 0;
}

static int prompb_read_sample(struct prompb_reader *r, struct pb c, struct prompb_sample *s)
{
	s->value = 0;
	s->timestamp = 0;
	while (c.p < c.end) {
		const uint8_t *at = c.p;
		uint32_t f;
		unsigned wt;
		int rc;
		if ((rc = prompb_key(r, &c, &f, &wt)))
			return rc;
		if (f == 1) {
			if (wt != WT_FIXED64)
				return prompb_wrong_type(r, at, "Sample.value", wt);
			if (c.end - c.p < 8)
				return prompb_fail(r, c.p, PROMPB_ERR_TRUNCATED, "Sample.value: %s",
						   prompb_code_text(PROMPB_ERR_TRUNCATED));
			uint64_t bits = 0;
			for (int i = 0; i < 8; i++)
				bits |= (uint64_t)c.p[i] << (8 * i);
			memcpy(&s->value, &bits, 8);
			c.p += 8;
		} else if (f == 2) {
			uint64_t v;
			if (wt != WT_VARINT)
				return prompb_wrong_type(r, at, "Sample.timestamp", wt);
			const uint8_t *vat = c.p;
			if ((rc = prompb_varint(&c, &v)))
				return prompb_fail(r, vat, rc, "Sample.timestamp: %s",
						   prompb_code_text(rc));
			s->timestamp = (int64_t)v;
		} else if ((rc = prompb_skip(r, &c, f, wt, 0))) {
			return rc;
		}
	}
	return 0;
}

/* Grow a scratch array to hold n + 1 elements (n below its limit). */
static void *prompb_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return arr;
	size_t nc = *cap ? *cap * 2 : 16;
	if (nc < n + 1)
		nc = n + 1;
	*cap = nc;
	return xrealloc(arr, nc * elem);
}

static int prompb_read_series(struct prompb_reader *r, struct pb c, struct prompb_series *s)
{
	size_t nl = 0, ns = 0;
	s->nexemplars = s->nhistograms = 0;
	while (c.p < c.end) {
		const uint8_t *at = c.p;
		uint32_t f;
		unsigned wt;
		int rc;
		if ((rc = prompb_key(r, &c, &f, &wt)))
			return rc;
		if (f >= 1 && f <= 4) {
			static const char *const names[] = { "", "TimeSeries.labels",
							      "TimeSeries.samples",
							      "TimeSeries.exemplars",
							      "TimeSeries.histograms" };
			struct pb sub;
			if (wt != WT_LEN)
				return prompb_wrong_type(r, at, names[f], wt);
			if ((rc = prompb_len(r, &c, &sub)))
				return rc;
			if (f == 1) {
				if (nl >= r->lim.max_labels)
					return prompb_fail(r, at, PROMPB_ERR_LIMIT,
							   "more than %zu labels in a series",
							   r->lim.max_labels);
				r->lab = prompb_grow(r->lab, &r->lab_cap, nl, sizeof *r->lab);
				if ((rc = prompb_read_label(r, sub, &r->lab[nl])))
					return rc;
				nl++;
			} else if (f == 2) {
				if (ns >= r->lim.max_series_samples)
					return prompb_fail(r, at, PROMPB_ERR_LIMIT,
							   "more than %zu samples in a series",
							   r->lim.max_series_samples);
				if (r->nsamples >= r->lim.max_samples)
					return prompb_fail(r, at, PROMPB_ERR_LIMIT,
							   "more than %zu samples in a request",
							   r->lim.max_samples);
				r->smp = prompb_grow(r->smp, &r->smp_cap, ns, sizeof *r->smp);
				if ((rc = prompb_read_sample(r, sub, &r->smp[ns])))
					return rc;
				ns++;
				r->nsamples++;
			} else if (f == 3) {
				s->nexemplars++;
			} else {
				s->nhistograms++;
			}
		} else if ((rc = prompb_skip(r, &c, f, wt, 0))) {
			return rc;
		}
	}
	s->labels = r->lab;
	s->nlabels = nl;
	s->samples = r->smp;
	s->nsamples = ns;
	return 0;
}

void prompb_reader_init(struct prompb_reader *r, const void *msg, size_t n,
			const struct prompb_limits *lim)
{
	memset(r, 0, sizeof *r);
	r->base = r->p = msg;
	r->end = r->base + n;
	r->lim = lim ? *lim : prompb_default_limits;
}

int prompb_reader_next(struct prompb_reader *r, struct prompb_series *s)
{
	if (r->code)
		return r->code; /* stays at its error */
	struct pb c = { r->p, r->end };
	while (c.p < c.end) {
		const uint8_t *at = c.p;
		uint32_t f;
		unsigned wt;
		int rc;
		if ((rc = prompb_key(r, &c, &f, &wt)))
			return rc;
		if (f == 1) {
			struct pb sub;
			if (wt != WT_LEN)
				return prompb_wrong_type(r, at, "WriteRequest.timeseries", wt);
			if ((rc = prompb_len(r, &c, &sub)))
				return rc;
			if (r->nseries >= r->lim.max_series)
				return prompb_fail(r, at, PROMPB_ERR_LIMIT,
						   "more than %zu series in a request",
						   r->lim.max_series);
			if ((rc = prompb_read_series(r, sub, s)))
				return rc;
			s->offset = (size_t)(at - r->base);
			r->nseries++;
			r->p = c.p;
			return 1;
		}
		if (f == 3 && wt == WT_LEN)
			r->nmetadata++;
		if ((rc = prompb_skip(r, &c, f, wt, 0)))
			return rc;
		r->p = c.p;
	}
	r->p = c.p;
	return 0;
}

void prompb_reader_free(struct prompb_reader *r)
{
	free(r->lab);
	free(r->smp);
	r->lab = NULL;
	r->smp = NULL;
	r->lab_cap = r->smp_cap = 0;
}

/* ---- writing ---- */

void prompb_put_varint(struct buf *b, uint64_t v)
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

static size_t prompb_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

void prompb_put_label(struct buf *b, const char *name, size_t name_len, const char *value,
		      size_t value_len)
{
	size_t inner = 1 + prompb_varint_len(name_len) + name_len + 1 +
		       prompb_varint_len(value_len) + value_len;
	buf_putc(b, (char)((1 << 3) | WT_LEN));
	prompb_put_varint(b, inner);
	buf_putc(b, (char)((1 << 3) | WT_LEN));
	prompb_put_varint(b, name_len);
	buf_put(b, name, name_len);
	buf_putc(b, (char)((2 << 3) | WT_LEN));
	prompb_put_varint(b, value_len);
	buf_put(b, value, value_len);
}

void prompb_put_series(struct buf *b, const void *labels_pb, size_t labels_len,
		       const struct prompb_sample *samples, size_t n)
{
	/* Each sample: key + 8-byte double, key + timestamp varint. */
	size_t inner = labels_len;
	for (size_t i = 0; i < n; i++) {
		size_t sl = 1 + 8 + 1 + prompb_varint_len((uint64_t)samples[i].timestamp);
		inner += 1 + prompb_varint_len(sl) + sl;
	}
	buf_putc(b, (char)((1 << 3) | WT_LEN));
	prompb_put_varint(b, inner);
	buf_put(b, labels_pb, labels_len);
	for (size_t i = 0; i < n; i++) {
		uint64_t ts = (uint64_t)samples[i].timestamp, bits;
		size_t sl = 1 + 8 + 1 + prompb_varint_len(ts);
		uint8_t tmp[10];
		buf_putc(b, (char)((2 << 3) | WT_LEN));
		prompb_put_varint(b, sl);
		buf_putc(b, (char)((1 << 3) | WT_FIXED64));
		memcpy(&bits, &samples[i].value, 8);
		for (int k = 0; k < 8; k++)
			tmp[k] = (uint8_t)(bits >> (8 * k));
		buf_put(b, tmp, 8);
		buf_putc(b, (char)((2 << 3) | WT_VARINT));
		prompb_put_varint(b, ts);
	}
}
