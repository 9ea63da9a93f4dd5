/* snappy.h - Snappy's block format (not the framed/stream format), as
 * remote write uses it: a compressor and a strictly checked decompressor.
 *
 * A block is: the uncompressed length as a base-128 varint (at most 32
 * bits), then elements, each starting with a tag byte whose low two bits
 * say what follows:
 *   00 literal: length-1 in the tag's upper 6 bits when < 60, else in the
 *      next 1..4 bytes (little endian; tag value 60..63);
 *   01 copy, length 4..11 (3 bits), offset 0..2047 (3 bits + 1 byte);
 *   10 copy, length 1..64 (tag's upper 6 bits + 1), offset in 2 bytes LE;
 *   11 copy, length 1..64, offset in 4 bytes LE.
 * A copy repeats `length` bytes starting `offset` bytes back in the output
 * (offset >= 1; the ranges may overlap, which repeats a pattern).
 *
 * Neither function allocates; the caller provides the output buffer.
 * Thread-safe (no state; the compressor's hash table is on the stack).
 */
#ifndef PHAROS_TSDB_SNAPPY_H
#define PHAROS_TSDB_SNAPPY_H

#include <stddef.h>
#include <stdint.h>

/* Error codes (negative). */
enum {
	SNAPPY_ERR_HEADER = -1,    /* the length varint is missing, too long or > 32 bits */
	SNAPPY_ERR_TOO_LARGE = -2, /* declared length above the caller's limit */
	SNAPPY_ERR_TRUNCATED = -3, /* an element runs past the end of the input */
	SNAPPY_ERR_OFFSET = -4,    /* a copy offset of 0 or before the start of the output */
	SNAPPY_ERR_OVERRUN = -5,   /* more output than the declared length */
	SNAPPY_ERR_SHORT = -6,     /* less output than the declared length */
	SNAPPY_ERR_BUFFER = -7,    /* the output buffer is too small */
};

/* A short English text for an error code above ("snappy: ..."). */
const char *snappy_strerror(int code);

/* The largest block snappy_compress() can produce for n input bytes
 * (32 + n + n/6). n must be below 2^32 - 1 for a valid block. */
size_t snappy_max_compressed_length(size_t n);

/* Compress src[0..n) into dst, which must have room for
 * snappy_max_compressed_length(n) bytes. Greedy matching with a hash table
 * of 4-byte sequences, over 64 KiB fragments (as the reference does).
 * [out] dst_len: bytes written.
 * Returns 0, SNAPPY_ERR_TOO_LARGE if n >= 2^32, or SNAPPY_ERR_BUFFER if
 * dst_cap is below the bound. */
int snappy_compress(const void *src, size_t n, void *dst, size_t dst_cap, size_t *dst_len);

/* Read the declared uncompressed length of a block.
 * Returns 0 and sets *len, or SNAPPY_ERR_HEADER. */
int snappy_decoded_length(const void *src, size_t n, size_t *len);

/* Decompress the block src[0..n) into dst[0..dst_cap). Every element is
 * checked: nothing is read past src+n nor written past the declared length
 * or dst_cap, every copy stays inside what was produced so far, and the
 * output must end exactly at the declared length.
 * [out] dst_len: the decoded length (== the declared length).
 * Returns 0 or a SNAPPY_ERR_* (then dst holds garbage). */
int snappy_decompress(const void *src, size_t n, void *dst, size_t dst_cap, size_t *dst_len);

#endif
