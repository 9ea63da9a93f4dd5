#include "../unit.h"

#include "../../../supervisor/logring.h"

TEST(logring_keeps_newest_whole_lines)
{
	static struct logring r;
	char out[LOGRING_SIZE];
	logring_init(&r);
	logring_put(&r, "one", 3);
	logring_put(&r, "two", 3);
	CHECK_INT(logring_copy(&r, out, sizeof out), 8);
	CHECK(!memcmp(out, "one\ntwo\n", 8));
	CHECK_INT(logring_copy(&r, out, 5), 4);
	CHECK(!memcmp(out, "two\n", 4));
	char line[100];
	memset(line, 'a', sizeof line);
	for (int i = 0; i < 1000; i++) {
		line[0] = (char)('0' + i % 10);
		logring_put(&r, line, sizeof line);
	}
	size_t n = logring_copy(&r, out, sizeof out);
	CHECK(n <= LOGRING_SIZE && n % 101 == 0);
	CHECK(out[n - 101] == '9'); /* the last line put */
	CHECK(out[n - 1] == '\n');
}

struct lines {
	char buf[4096];
	size_t len;
	int n;
};

static void collect(const char *line, size_t len, void *ctx)
{
	struct lines *l = ctx;
	memcpy(l->buf + l->len, line, len);
	l->len += len;
	l->buf[l->len++] = '|';
	l->n++;
}

TEST(logsplit_cuts_lines_across_reads)
{
	struct logsplit ls = { .len = 0 };
	struct lines l = { .len = 0 };
	logsplit_feed(&ls, "ab", 2, collect, &l);
	logsplit_feed(&ls, "c\r\nd\n\ne", 7, collect, &l);
	CHECK_INT(l.n, 3);
	logsplit_flush(&ls, collect, &l);
	l.buf[l.len] = 0;
	CHECK_STR(l.buf, "abc|d||e|");
	char big[LOGLINE_MAX + 10];
	memset(big, 'x', sizeof big);
	l.len = 0;
	l.n = 0;
	logsplit_feed(&ls, big, sizeof big, collect, &l);
	CHECK_INT(l.n, 1);
	CHECK_INT(ls.len, 10);
}
