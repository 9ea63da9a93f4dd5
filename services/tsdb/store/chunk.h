/* chunk.h - sample encodings of pharos-tsdb (services/tsdb/FORMAT.md).
 *
 * Two encodings:
 *  - the stream: what a series' open (head) chunk holds in memory and what
 *    the head log stores; samples are appended one at a time as bits
 *    (delta-of-delta timestamps, values as deltas of scaled decimals with
 *    an adaptive bit width, Gorilla XOR for values that are not short
 *    decimals). Appending needs the encoder state (struct chunk_state),
 *    which the decoder rebuilds as it reads.
 *  - the disk chunk: a byte string written once when a head chunk is cut.
 *    Its first byte says how it is encoded: CHUNK_ENC_STREAM (the stream
 *    as it was), or CHUNK_ENC_DECIMAL (columns: regular or delta-of-delta
 *    timestamps; scaled decimal values as frame-of-reference bit-packed
 *    deltas or delta-of-deltas in blocks; exceptions for NaN, Inf, stale
 *    markers and values that are not short decimals). chunk_encode() picks
 *    the smaller.
 *
 * Every value is kept bit-exact (NaN payloads, the staleness marker, -0).
 * Decoders never trust their input: corrupt bytes give an error, never a
 * read out of bounds.
 */
#ifndef PHAROS_TSDB_CHUNK_H
#define PHAROS_TSDB_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "../../../lib/buf.h"

#define CHUNK_ENC_STREAM 1
#define CHUNK_ENC_DECIMAL 2

/* Most samples in one chunk (a head chunk is cut when it has this many). */
#define CHUNK_MAX_SAMPLES 1024

/* Error code of the decoders: the bytes are not a valid chunk. */
#define CHUNK_ERR_CORRUPT (-74) /* -EBADMSG */

/* Encoder/decoder state of a stream, after its last sample. */
struct chunk_state {
	int64_t t, dt;   /* last timestamp and last timestamp delta */
	int64_t p;       /* last scaled decimal value (valid when e >= 0) */
	uint64_t xprev;  /* last raw (XOR-coded) value's bits */
	uint32_t n;      /* samples so far */
	int8_t e;        /* decimal scale (value = p / 10^e), -1 before the first decimal */
	uint8_t w;       /* bit width of zigzagged value deltas */
	uint8_t lead, trail; /* XOR window; lead == 0xff: none yet */
	uint8_t run, runmax; /* encoder only: narrow-delta run, for shrinking w */
};

void chunk_state_init(struct chunk_state *st);

/* A growable bit string, most significant bit first. p is owned by
 * whoever holds the struct (free(p)). */
struct chunk_bits {
	uint8_t *p;
	uint32_t cap;   /* bytes allocated */
	uint32_t nbits; /* bits used */
};

/* Append the sample (t, v) to the stream in b with state st (both
 * updated). t must be greater than st->t unless st->n == 0. Allocation
 * failure aborts. */
void chunk_append(struct chunk_bits *b, struct chunk_state *st, int64_t t, double v);

/* Append nbits bits from src (starting at its bit 0) to b. */
void chunk_bits_append(struct chunk_bits *b, const uint8_t *src, uint32_t nbits);
/* Append bits [from, to) of src to b. */
void chunk_bits_append_from(struct chunk_bits *b, const uint8_t *src, size_t from, size_t to);
/* Copy bits [from, to) of b to out (starting at bit 0 of a new byte
 * string appended to out). */
void chunk_bits_extract(const struct chunk_bits *b, uint32_t from, uint32_t to, struct buf *out);

/* A stream reader over nbits bits of p, starting in state st (NULL: the
 * beginning of a stream). */
struct chunk_reader {
	const uint8_t *p;
	size_t nbits, pos;
	struct chunk_state st;
};

void chunk_reader_init(struct chunk_reader *r, const uint8_t *p, size_t nbits,
		       const struct chunk_state *st);
/* Next sample: 1 and *t, *v set; 0 at the end of the bits; or
 * CHUNK_ERR_CORRUPT. */
int chunk_reader_next(struct chunk_reader *r, int64_t *t, double *v);

/* Encode n samples (strictly increasing ts, 1 <= n <= CHUNK_MAX_SAMPLES)
 * as a disk chunk appended to out. Returns 0 or -1 on bad arguments. */
int chunk_encode(const int64_t *ts, const double *vs, size_t n, struct buf *out);

/* A reader over a disk chunk (len bytes at p, borrowed for the reader's
 * life). */
struct chunk_iter {
	int enc;
	uint32_t n, i;        /* samples in the chunk, samples read */
	struct chunk_reader sr; /* CHUNK_ENC_STREAM */
	/* CHUNK_ENC_DECIMAL */
	const uint8_t *p, *end, *exc; /* exceptions cursor */
	uint32_t next_exc;     /* index of the next exception, n if none */
	uint32_t exc_left;     /* exceptions not read yet */
	int64_t t, dt;
	int tsregular;
	struct chunk_reader tsr; /* timestamp bits (delta of delta) */
	const uint8_t *vbits;
	size_t vnbits, vpos;
	int8_t e;
	int vdod, have_dec;
	int64_t p_last, d_last;
	uint32_t blk_left;
	uint8_t blk_w;
	int64_t blk_min;
};

/* Start reading a disk chunk. Returns 0 or CHUNK_ERR_CORRUPT. */
int chunk_iter_init(struct chunk_iter *it, const uint8_t *p, size_t len);
/* Next sample: 1, 0 at the end, or CHUNK_ERR_CORRUPT. */
int chunk_iter_next(struct chunk_iter *it, int64_t *t, double *v);

/* Varints (LEB128) and zigzag, shared with the head log. */
void chunk_put_uvarint(struct buf *b, uint64_t v);
void chunk_put_varint(struct buf *b, int64_t v);
/* Read a varint from [*p, end); advances *p. Returns 0 or -1. */
int chunk_get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v);
int chunk_get_varint(const uint8_t **p, const uint8_t *end, int64_t *v);

/* The smallest e in 0..15 such that v * 10^e is an integer i with
 * |i| < 2^53 and i / 10^e == v bit for bit; -1 if none (NaN, Inf, -0,
 * too many digits). *i set when e >= 0. */
int chunk_decimal_scale(double v, int64_t *i);

#endif
