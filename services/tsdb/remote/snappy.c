/* snappy.c - Snappy block format: compressor and checked decompressor.
 * See snappy.h for the format. */
#include "snappy.h"

#include <string.h>

/* Input is compressed in fragments of this size, so that every match
 * offset fits the 2-byte copy element and the hash table can hold 16-bit
 * positions. */
#define SNAPPY_FRAGMENT 65536
#define SNAPPY_HASH_BITS 14
/* Below this many bytes a fragment is sent as one literal: a 4-byte match
 * plus the lookahead the matcher needs would not fit. */
#define SNAPPY_MIN_MATCH_INPUT 15

const char *snappy_strerror(int code)
{
	switch (code) {
	case 0: return "snappy: ok";
	case SNAPPY_ERR_HEADER: return "snappy: corrupt input (bad length header)";
	case SNAPPY_ERR_TOO_LARGE: return "snappy: decoded block is too large";
	case SNAPPY_ERR_TRUNCATED: return "snappy: corrupt input (truncated element)";
	case SNAPPY_ERR_OFFSET: return "snappy: corrupt input (copy offset out of range)";
	case SNAPPY_ERR_OVERRUN: return "snappy: corrupt input (output longer than declared)";
	case SNAPPY_ERR_SHORT: return "snappy: corrupt input (output shorter than declared)";
	case SNAPPY_ERR_BUFFER: return "snappy: output buffer too small";
	}
	return "snappy: unknown error";
}

size_t snappy_max_compressed_length(size_t n)
{
	return 32 + n + n / 6;
}

static uint32_t snappy_load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v; /* the hash needs no particular byte order */
}

static uint32_t snappy_hash(uint32_t v)
{
	return (v * 0x1e35a7bdu) >> (32 - SNAPPY_HASH_BITS);
}

static uint8_t *snappy_emit_literal(uint8_t *op, const uint8_t *lit, size_t len)
{
	size_t n = len - 1;
	if (n < 60) {
		*op++ = (uint8_t)(n << 2);
	} else {
		int bytes = n < (1u << 8) ? 1 : n < (1u << 16) ? 2 : n < (1u << 24) ? 3 : 4;
		*op++ = (uint8_t)((59 + bytes) << 2);
		for (int i = 0; i < bytes; i++)
			*op++ = (uint8_t)(n >> (8 * i));
	}
	memcpy(op, lit, len);
	return op + len;
}

/* One copy element of 4..64 bytes (offset < 65536). */
static uint8_t *snappy_emit_copy_upto64(uint8_t *op, size_t offset, size_t len)
{
	if (len < 12 && offset < 2048) {
		*op++ = (uint8_t)(1 | ((len - 4) << 2) | ((offset >> 8) << 5));
		*op++ = (uint8_t)offset;
	} else {
		*op++ = (uint8_t)(2 | ((len - 1) << 2));
		*op++ = (uint8_t)offset;
		*op++ = (uint8_t)(offset >> 8);
	}
	return op;
}

static uint8_t *snappy_emit_copy(uint8_t *op, size_t offset, size_t len)
{
	/* Long matches go out as 64-byte copies; keep the last piece >= 4
	 * bytes (a 1-byte-offset copy needs 4) by splitting 65..67 as 60+rest. */
	while (len >= 68) {
		op = snappy_emit_copy_upto64(op, offset, 64);
		len -= 64;
	}
	if (len > 64) {
		op = snappy_emit_copy_upto64(op, offset, 60);
		len -= 60;
	}
	return snappy_emit_copy_upto64(op, offset, len);
}

/* Compress one fragment (at most SNAPPY_FRAGMENT bytes). */
static uint8_t *snappy_compress_fragment(const uint8_t *in, size_t n, uint8_t *op)
{
	if (n < SNAPPY_MIN_MATCH_INPUT)
		return n ? snappy_emit_literal(op, in, n) : op;

	uint16_t table[1 << SNAPPY_HASH_BITS];
	memset(table, 0, sizeof table);

	const uint8_t *ip = in, *end = in + n;
	/* Matching stops this close to the end, so loads never read past it. */
	const uint8_t *limit = end - SNAPPY_MIN_MATCH_INPUT + 1;
	const uint8_t *next_emit = ip;
	ip++;
	while (ip < limit) {
		/* Look for a match; the step grows the longer nothing is found,
		 * so incompressible data is crossed quickly. */
		uint32_t skip = 32;
		const uint8_t *cand;
		for (;;) {
			uint32_t h = snappy_hash(snappy_load32(ip));
			cand = in + table[h];
			table[h] = (uint16_t)(ip - in);
			if (cand < ip && snappy_load32(cand) == snappy_load32(ip))
				break;
			ip += skip++ >> 5;
			if (ip >= limit)
				goto tail;
		}
		/* Literal bytes up to the match, then matches back to back. */
		op = snappy_emit_literal(op, next_emit, (size_t)(ip - next_emit));
		do {
			const uint8_t *base = ip;
			size_t len = 4;
			while (ip + len < end && cand[len] == ip[len])
				len++;
			op = snappy_emit_copy(op, (size_t)(base - cand), len);
			ip += len;
			next_emit = ip;
			if (ip >= limit)
				goto tail;
			/* Insert the position before ip too, then try ip at once. */
			table[snappy_hash(snappy_load32(ip - 1))] = (uint16_t)(ip - 1 - in);
			uint32_t h = snappy_hash(snappy_load32(ip));
			cand = in + table[h];
			table[h] = (uint16_t)(ip - in);
		} while (cand < ip && snappy_load32(cand) == snappy_load32(ip));
		ip++;
	}
tail:
	if (next_emit < end)
		op = snappy_emit_literal(op, next_emit, (size_t)(end - next_emit));
	return op;
}

int snappy_compress(const void *src, size_t n, void *dst, size_t dst_cap, size_t *dst_len)
{
	if ((uint64_t)n >= 0xffffffffu)
		return SNAPPY_ERR_TOO_LARGE;
	if (dst_cap < snappy_max_compressed_length(n))
		return SNAPPY_ERR_BUFFER;
	uint8_t *op = dst;
	size_t v = n;
	while (v >= 0x80) {
		*op++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*op++ = (uint8_t)v;
	const uint8_t *in = src;
	for (size_t pos = 0; pos < n; pos += SNAPPY_FRAGMENT) {
		size_t len = n - pos < SNAPPY_FRAGMENT ? n - pos : SNAPPY_FRAGMENT;
		op = snappy_compress_fragment(in + pos, len, op);
	}
	*dst_len = (size_t)(op - (uint8_t *)dst);
	return 0;
}

/* Read the length header; *hdr gets its size in bytes. */
static int snappy_read_header(const uint8_t *p, size_t n, size_t *len, size_t *hdr)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 5; i++) {
		if (i >= n)
			return SNAPPY_ERR_HEADER;
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > 0xffffffffu)
				return SNAPPY_ERR_HEADER;
			*len = (size_t)v;
			*hdr = i + 1;
			return 0;
		}
	}
	return SNAPPY_ERR_HEADER;
}

int snappy_decoded_length(const void *src, size_t n, size_t *len)
{
	size_t hdr;
	return snappy_read_header(src, n, len, &hdr);
}

int snappy_decompress(const void *src, size_t n, void *dst, size_t dst_cap, size_t *dst_len)
{
	const uint8_t *ip = src, *end = ip + n;
	size_t want, hdr;
	int rc = snappy_read_header(ip, n, &want, &hdr);
	if (rc)
		return rc;
	if (want > dst_cap)
		return SNAPPY_ERR_BUFFER;
	ip += hdr;
	uint8_t *out = dst;
	size_t pos = 0; /* bytes written; never above want */
	while (ip < end) {
		uint8_t tag = *ip++;
		size_t len, offset;
		switch (tag & 3) {
		case 0:
			len = tag >> 2;
			if (len >= 60) {
				size_t bytes = len - 59;
				if ((size_t)(end - ip) < bytes)
					return SNAPPY_ERR_TRUNCATED;
				len = 0;
				for (size_t i = 0; i < bytes; i++)
					len |= (size_t)ip[i] << (8 * i);
				ip += bytes;
			}
			len += 1; /* wraps to 0 only on a 32-bit size_t */
			if (len == 0 || (size_t)(end - ip) < len)
				return SNAPPY_ERR_TRUNCATED;
			if (want - pos < len)
				return SNAPPY_ERR_OVERRUN;
			memcpy(out + pos, ip, len);
			ip += len;
			pos += len;
			continue;
		case 1:
			if (end - ip < 1)
				return SNAPPY_ERR_TRUNCATED;
			len = 4 + ((tag >> 2) & 7);
			offset = ((size_t)(tag >> 5) << 8) | ip[0];
			ip += 1;
			break;
		case 2:
			if (end - ip < 2)
				return SNAPPY_ERR_TRUNCATED;
			len = 1 + (tag >> 2);
			offset = (size_t)ip[0] | (size_t)ip[1] << 8;
			ip += 2;
			break;
		default:
			if (end - ip < 4)
				return SNAPPY_ERR_TRUNCATED;
			len = 1 + (tag >> 2);
			offset = (size_t)ip[0] | (size_t)ip[1] << 8 | (size_t)ip[2] << 16 |
				 (size_t)ip[3] << 24;
			ip += 4;
			break;
		}
		if (offset == 0 || offset > pos)
			return SNAPPY_ERR_OFFSET;
		if (want - pos < len)
			return SNAPPY_ERR_OVERRUN;
		uint8_t *d = out + pos;
		const uint8_t *s = d - offset;
		if (offset >= len) {
			memcpy(d, s, len);
		} else {
			/* Overlapping: byte by byte repeats the pattern. */
			for (size_t i = 0; i < len; i++)
				d[i] = s[i];
		}
		pos += len;
	}
	if (pos != want)
		return SNAPPY_ERR_SHORT;
	*dst_len = pos;
	return 0;
}
