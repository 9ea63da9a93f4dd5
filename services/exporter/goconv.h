/* goconv.h - the string conversions node_exporter gets from Go's standard
 * library, reproduced where their exact edge cases decide what a metric
 * looks like (owner: the hwmon, thermal_zone, powersupplyclass, time and
 * textfile collectors, and textparse.c).
 *
 * Every function here is pure: no allocation unless an arena is passed,
 * no global state, safe from any thread. Inputs are (pointer, length)
 * pairs and need not be NUL-terminated.
 */
#ifndef PHAROS_EXPORTER_GOCONV_H
#define PHAROS_EXPORTER_GOCONV_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"

/* strconv.ParseFloat(s, 64): decimal ("1.5e3", ".5", "5."), hexadecimal
 * with a mandatory p exponent ("0x1.8p1"), "inf"/"infinity"/"nan" in any
 * case (a sign only before inf), underscores only between digits. No
 * leading or trailing blanks. A value too large for a double is an error;
 * one too small becomes 0 or a subnormal, as in Go.
 * [out] out: the value, set only on success. Returns 0 or -1. */
int goconv_parse_float(const char *s, size_t n, double *out);

/* strconv.ParseInt(s, base, 64) and ParseUint(s, base, 64) for base 10 or
 * base 0 (prefixes 0x, 0o, 0b, a leading 0 for octal, and underscores
 * between digits). Out of range is an error. Returns 0 or -1. */
int goconv_parse_int(const char *s, size_t n, int base, int64_t *out);
int goconv_parse_uint(const char *s, size_t n, int base, uint64_t *out);

/* uint64(x) for a float64 x as Go compiles it on amd64: exact for
 * 0 <= x < 2^64 (truncated), two's complement for -2^63 < x < 0, and
 * 2^63 for NaN, infinities and anything else out of range. */
uint64_t goconv_f64_to_u64(double x);

/* strings.TrimSpace / bytes.TrimSpace: drop leading and trailing Unicode
 * white space (ASCII blanks, U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000). [in,out] s, n: narrowed. */
void goconv_trim_space(const char **s, size_t *n);

/* Length in bytes of the Unicode white space character at s[0..n), or 0
 * if s does not start with one (unicode.IsSpace). */
size_t goconv_space_len(const char *s, size_t n);

/* utf8.ValidString: 1 if s[0..n) is well-formed UTF-8 (no surrogates, no
 * overlong forms, nothing above U+10FFFF), else 0. */
int goconv_utf8_valid(const char *s, size_t n);

/* strings.ToValidUTF8(s, "\uFFFD"): every run of bytes that is not valid
 * UTF-8 becomes one U+FFFD. Returns a NUL-terminated copy in the arena
 * (the arena owns it). */
char *goconv_utf8_repair(struct arena *a, const char *s, size_t n);

#endif
