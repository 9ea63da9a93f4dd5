/* utf8.h - UTF-8 decoding and validation with Go's rules (unicode/utf8):
 * no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF, no truncated sequences. One decoder for the whole tree, so
 * that every place that checks or escapes text agrees on what is valid.
 *
 * Pure functions: no allocation, no state, thread-safe.
 */
#ifndef PHAROS_UTF8_H
#define PHAROS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at s, n (>= 1) bytes available.
 * [out] *cp: the code point, set only on success.
 * Returns the sequence's length (1..4), or 0 when the bytes at s are not
 * valid UTF-8 (Go's utf8.DecodeRune would return RuneError, 1). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Is s[0..n) valid UTF-8 (Go's utf8.Valid)? s may hold NUL bytes. */
bool utf8_valid(const char *s, size_t n);

#endif
