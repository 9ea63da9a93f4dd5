/* utf8_test.c - UTF-8 decoding and validation as Go's unicode/utf8. */
#include <string.h>

#include "../../../lib/utf8.h"
#include "../unit.h"

static size_t dec(const char *s, size_t n, uint32_t *cp)
{
	*cp = 0xdeadbeef;
	return utf8_decode((const unsigned char *)s, n, cp);
}

TEST(utf8_decode_valid)
{
	uint32_t cp;
	CHECK(dec("a", 1, &cp) == 1 && cp == 'a');
	CHECK(dec("\0", 1, &cp) == 1 && cp == 0);
	CHECK(dec("\xc2\x80", 2, &cp) == 2 && cp == 0x80);
	CHECK(dec("\xc3\xa9z", 3, &cp) == 2 && cp == 0xe9);
	CHECK(dec("\xe0\xa0\x80", 3, &cp) == 3 && cp == 0x800);
	CHECK(dec("\xed\x9f\xbf", 3, &cp) == 3 && cp == 0xd7ff);
	CHECK(dec("\xef\xbf\xbf", 3, &cp) == 3 && cp == 0xffff);
	CHECK(dec("\xf0\x90\x80\x80", 4, &cp) == 4 && cp == 0x10000);
	CHECK(dec("\xf4\x8f\xbf\xbf", 4, &cp) == 4 && cp == 0x10ffff);
}

TEST(utf8_decode_invalid)
{
	uint32_t cp;
	CHECK(dec("\x80", 1, &cp) == 0 && cp == 0xdeadbeef);  /* lone continuation */
	CHECK(dec("\xc0\xaf", 2, &cp) == 0);                  /* overlong '/' */
	CHECK(dec("\xc1\xbf", 2, &cp) == 0);                  /* overlong */
	CHECK(dec("\xe0\x9f\xbf", 3, &cp) == 0);              /* overlong 3-byte */
	CHECK(dec("\xf0\x8f\xbf\xbf", 4, &cp) == 0);          /* overlong 4-byte */
	CHECK(dec("\xed\xa0\x80", 3, &cp) == 0);              /* surrogate D800 */
	CHECK(dec("\xed\xbf\xbf", 3, &cp) == 0);              /* surrogate DFFF */
	CHECK(dec("\xf4\x90\x80\x80", 4, &cp) == 0);          /* > U+10FFFF */
	CHECK(dec("\xf5\x80\x80\x80", 4, &cp) == 0);          /* bad lead */
	CHECK(dec("\xff", 1, &cp) == 0);
	CHECK(dec("\xe2\x82\xac", 2, &cp) == 0);              /* truncated by n */
	CHECK(dec("\xe2\x28\xac", 3, &cp) == 0);              /* bad continuation */
}

TEST(utf8_valid_strings)
{
	CHECK(utf8_valid("", 0));
	CHECK(utf8_valid("plain ascii", 11));
	CHECK(utf8_valid("x\0y", 3));
	CHECK(utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	CHECK(!utf8_valid("h\xc3", 2));
	CHECK(!utf8_valid("\xed\xa0\x80", 3));
	CHECK(!utf8_valid("ok\xffok", 5));
	/* n bounds the check: the truncated tail outside n is not looked at */
	CHECK(utf8_valid("ab\xe2", 2));
}
