/* netutil.c and netlink.c: Go integer syntax, socket table lines, IP
 * formatting, streaming lines, netlink attributes. */
#include "../unit.h"
#include "nettest.h"

TEST(netutil_parse_uint_follows_go)
{
	uint64_t u;
	CHECK(netutil_parse_uint("0x1303", 0, &u) == 0);
	CHECK_INT(u, 4867);
	CHECK(netutil_parse_uint("010", 0, &u) == 0);
	CHECK_INT(u, 8);
	CHECK(netutil_parse_uint("0b101", 0, &u) == 0);
	CHECK_INT(u, 5);
	CHECK(netutil_parse_uint("0o17", 0, &u) == 0);
	CHECK_INT(u, 15);
	CHECK(netutil_parse_uint("0", 0, &u) == 0);
	CHECK_INT(u, 0);
	CHECK(netutil_parse_uint("1_000", 0, &u) == 0);
	CHECK_INT(u, 1000);
	CHECK(netutil_parse_uint("0x_1f", 0, &u) == 0);
	CHECK_INT(u, 31);
	CHECK(netutil_parse_uint("18446744073709551615", 10, &u) == 0);
	CHECK(u == UINT64_MAX);
	CHECK(netutil_parse_uint("0000588a", 16, &u) == 0);
	CHECK_INT(u, 0x588a);
	/* What Go refuses. */
	CHECK(netutil_parse_uint("", 0, &u) != 0);
	CHECK(netutil_parse_uint("08", 0, &u) != 0);
	CHECK(netutil_parse_uint("0x", 0, &u) != 0);
	CHECK(netutil_parse_uint("1__0", 0, &u) != 0);
	CHECK(netutil_parse_uint("_1", 0, &u) != 0);
	CHECK(netutil_parse_uint("1_", 0, &u) != 0);
	CHECK(netutil_parse_uint("1_000", 10, &u) != 0);
	CHECK(netutil_parse_uint("0x10", 16, &u) != 0);
	CHECK(netutil_parse_uint("-1", 10, &u) != 0);
	CHECK(netutil_parse_uint(" 1", 10, &u) != 0);
	CHECK(netutil_parse_uint("18446744073709551616", 10, &u) != 0);
	CHECK(netutil_parse_uint("12a", 10, &u) != 0);
}

TEST(netutil_parse_int_follows_go)
{
	int64_t v;
	CHECK(netutil_parse_int("-1", 0, &v) == 0);
	CHECK_INT(v, -1);
	CHECK(netutil_parse_int("+0x20", 0, &v) == 0);
	CHECK_INT(v, 32);
	CHECK(netutil_parse_int("-9223372036854775808", 10, &v) == 0);
	CHECK(v == INT64_MIN);
	CHECK(netutil_parse_int("9223372036854775807", 10, &v) == 0);
	CHECK(v == INT64_MAX);
	CHECK(netutil_parse_int("9223372036854775808", 10, &v) != 0);
	CHECK(netutil_parse_int("-", 10, &v) != 0);
	CHECK(netutil_parse_int("", 0, &v) != 0);
	CHECK(netutil_parse_int("full", 0, &v) != 0);
}

TEST(netutil_trim_and_ip_format)
{
	char s[] = " \t up\n";
	CHECK_STR(netutil_trim(s), "up");
	char e[] = "\n";
	CHECK_STR(netutil_trim(e), "");
	char out[64];
	const unsigned char v4[4] = { 192, 0, 2, 2 };
	netutil_format_ip(v4, 4, out);
	CHECK_STR(out, "192.0.2.2");
	unsigned char v6[16] = { 0 };
	v6[15] = 1;
	netutil_format_ip(v6, 16, out);
	CHECK_STR(out, "::1");
	memset(v6, 0, 16);
	netutil_format_ip(v6, 16, out);
	CHECK_STR(out, "::");
	const unsigned char ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0, 0xff, 0xfe, 0, 0, 1 };
	netutil_format_ip(ll, 16, out);
	CHECK_STR(out, "fe80::fc:ff:fe00:1");
	const unsigned char mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };
	netutil_format_ip(mapped, 16, out);
	CHECK_STR(out, "10.1.2.3");
	/* The first of two equally long zero runs; single zeros stay. */
	const unsigned char two[16] = { 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0 };
	netutil_format_ip(two, 16, out);
	CHECK_STR(out, "1::1:0:0:1:0");
	const unsigned char none[16] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0 };
	netutil_format_ip(none, 16, out);
	CHECK_STR(out, "1:0:1:0:1:0:1:0");
}

TEST(netutil_sock_line_like_procfs)
{
	struct netutil_sock sk;
	char udp[] = "   0: 00000000:0016 00000000:0000 0A 00000015:00000000 00:00000000 "
		     "00000000     0        0 2740 1 ffff88003d3af3c0 100 0 0 10 0";
	CHECK(netutil_parse_sock_line(udp, &sk) == 0);
	CHECK_INT(sk.state, 10);
	CHECK_INT(sk.tx_queue, 0x15);
	CHECK_INT(sk.rx_queue, 0);
	char v6[] = "  1: 00000000000000000000000001000000:0277 "
		    "00000000000000000000000000000000:0000 01 00000001:00000002 00:00000000 "
		    "00000000   100        0 12345 1";
	CHECK(netutil_parse_sock_line(v6, &sk) == 0);
	CHECK_INT(sk.state, 1);
	CHECK_INT(sk.rx_queue, 2);
	char few[] = "0: 00000000:0016 00000000:0000 0A 00000015:00000000 00:00000000 0 0";
	CHECK(netutil_parse_sock_line(few, &sk) != 0);
	char badaddr[] = "0: 000000:0016 00000000:0000 0A 0:0 00:0 0 0 0 1";
	CHECK(netutil_parse_sock_line(badaddr, &sk) != 0);
	char noqueue[] = "0: 00000000:0016 00000000:0000 0A 00000015 00:0 0 0 0 1";
	CHECK(netutil_parse_sock_line(noqueue, &sk) != 0);
	char nosl[] = "0 00000000:0016 00000000:0000 0A 0:0 00:0 0 0 0 1";
	CHECK(netutil_parse_sock_line(nosl, &sk) != 0);
	char baduid[] = "0: 00000000:0016 00000000:0000 0A 0:0 00:0 0 x 0 1";
	CHECK(netutil_parse_sock_line(baduid, &sk) != 0);
}

struct lines {
	int n;
	size_t longest;
	char last[32];
};

static int count_line(char *line, void *ctx)
{
	struct lines *l = ctx;
	l->n++;
	if (strlen(line) > l->longest)
		l->longest = strlen(line);
	snprintf(l->last, sizeof l->last, "%s", line);
	return 0;
}

static int stop_at_two(char *line, void *ctx)
{
	(void)line;
	return ++*(int *)ctx == 2 ? -42 : 0;
}

TEST(netutil_each_line_streams_and_bounds)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	/* 100000 lines, an overlong one, and no final newline. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_printf(&b, "line %d\n", i);
	for (int i = 0; i < 200000; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\nend");
	CHECK(nettest_file(&t, "big", b.p) == 0);
	buf_free(&b);
	char path[128];
	snprintf(path, sizeof path, "%s/big", t.dir);
	struct lines l = { 0 };
	CHECK(netutil_each_line(path, count_line, &l) == 0);
	CHECK_INT(l.n, 100002);
	CHECK_INT(l.longest, 64 * 1024);
	CHECK_STR(l.last, "end");
	int n = 0;
	CHECK_INT(netutil_each_line(path, stop_at_two, &n), -42);
	snprintf(path, sizeof path, "%s/missing", t.dir);
	CHECK_INT(netutil_each_line(path, count_line, &l), -ENOENT);
	nettest_free(&t);
}

TEST(netlink_attributes_bounded)
{
	struct nettest_msg m = { .len = 0 };
	nettest_attr_str(&m, 3, "eth0");
	nettest_attr_u32(&m, 4, 1500);
	unsigned char one = 7;
	nettest_attr(&m, 0x8000 | 16, &one, 1); /* nested flag is dropped */
	struct nl_attr_iter it;
	struct nl_attr a;
	char name[8];
	nl_attr_iter_init(&it, m.b, m.len);
	CHECK(nl_attr_next(&it, &a) && a.type == 3);
	CHECK_INT(nl_attr_str(&a, name, sizeof name), 4);
	CHECK_STR(name, "eth0");
	CHECK(nl_attr_next(&it, &a) && a.type == 4 && nl_attr_u32(&a) == 1500);
	CHECK(nl_attr_next(&it, &a) && a.type == 16 && nl_attr_u8(&a) == 7);
	CHECK(!nl_attr_next(&it, &a));
	/* A string longer than the buffer is cut. */
	nl_attr_iter_init(&it, m.b, m.len);
	nl_attr_next(&it, &a);
	CHECK_INT(nl_attr_str(&a, name, 3), 2);
	CHECK_STR(name, "et");
	/* Lengths past the end or below the header end the walk. */
	uint16_t bad[2] = { 200, 3 };
	nl_attr_iter_init(&it, bad, sizeof bad);
	CHECK(!nl_attr_next(&it, &a));
	uint16_t tiny[2] = { 2, 3 };
	nl_attr_iter_init(&it, tiny, sizeof tiny);
	CHECK(!nl_attr_next(&it, &a));
	nl_attr_iter_init(&it, tiny, 3);
	CHECK(!nl_attr_next(&it, &a));
	/* A short attribute reads as 0. */
	struct nl_attr shortattr = { 1, (const unsigned char *)"ab", 2 };
	CHECK_INT(nl_attr_u32(&shortattr), 0);
	/* nl_put_attr refuses what does not fit and leaves the buffer. */
	unsigned char small[8];
	size_t off = 0;
	CHECK(nl_put_attr(small, sizeof small, &off, 1, "abcdefgh", 8) != 0);
	CHECK_INT(off, 0);
	CHECK(nl_put_attr(small, sizeof small, &off, 1, "abc", 3) == 0);
	CHECK_INT(off, 8);
}

static int count_msg(const struct nl_msg *m, void *ctx)
{
	(void)m;
	return ++*(int *)ctx == 2 ? -42 : 0;
}

TEST(netlink_dump_of_links_answers)
{
	/* The real kernel: a link dump lists at least the loopback device. */
	unsigned char req[NL_IFINFO_LEN] = { 0 };
	int n = 0;
	int rc = nl_request(NL_PROTO_ROUTE, NL_RTM_GETLINK, NL_F_REQUEST | NL_F_DUMP, req,
			    sizeof req, count_msg, &n);
	if (rc == -EPERM || rc == -EACCES || rc == -EAFNOSUPPORT || rc == -EPROTONOSUPPORT)
		return; /* no netlink in this sandbox */
	CHECK(rc == 0 || rc == -42);
	CHECK(n >= 1);
	int fam = nl_genl_family("nosuchfam-h3");
	CHECK_INT(fam, -ENOENT);
	fam = nl_genl_family("nlctrl"); /* the controller knows itself */
	CHECK_INT(fam, NL_GENL_ID_CTRL);
}

/* Random text and random netlink bytes through every network parser:
 * under ASan/UBSan nothing may crash, read out of bounds or overflow. */
static unsigned long garbage_seed = 12345;

static unsigned garbage_next(void)
{
	garbage_seed = garbage_seed * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(garbage_seed >> 33);
}

static char *garbage_text(struct arena *a, size_t n)
{
	static const char alphabet[] = "0123456789abcdefxX:_- \t\n\n\n-+.IPTcpUdp6sockets";
	char *s = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[garbage_next() % (sizeof alphabet - 1)];
	s[n] = 0;
	return s;
}

TEST(net_parsers_survive_garbage)
{
	for (int round = 0; round < 300; round++) {
		struct nettest t;
		nettest_init(&t);
		size_t n = garbage_next() % 600;
		static struct sockstat ss;
		sockstat_parse(garbage_text(&t.arena, n), &ss);
		sockstat_emit(&t.s, &ss, round & 1, 4096);
		netstat_parse(&t.s, garbage_text(&t.arena, n), garbage_text(&t.arena, n),
			      garbage_text(&t.arena, n), NULL);
		struct arp_count *ac;
		arp_parse(&t.s, garbage_text(&t.arena, n), &ac);
		double sums[CONNTRACK_NSTATS];
		conntrack_parse_stat(garbage_text(&t.arena, n), sums);
		struct netdev_dev *list = NULL;
		if (netdev_parse_procfs(&t.s, garbage_text(&t.arena, n), NULL, &list) == 0)
			netdev_emit(&t.s, list, round & 1);
		struct udp_queues_sum us = { 0 };
		static struct tcpstat_counts tc;
		tcpstat_init(&tc);
		struct tcpstat_proc tp = { &tc, 0 };
		char *text = garbage_text(&t.arena, n), *line;
		while ((line = next_line(&text)) != NULL) {
			char *copy = arena_strdup(&t.arena, line);
			udp_queues_line(line, &us);
			tcpstat_proc_line(copy, &tp);
		}
		tcpstat_emit(&t.s, &tc);
		/* Netlink: random bytes, sometimes shaped like attributes. */
		unsigned char b[512];
		size_t len = garbage_next() % sizeof b;
		for (size_t i = 0; i < len; i++)
			b[i] = (unsigned char)garbage_next();
		for (size_t off = NL_IFINFO_LEN; off + 4 <= len && (round & 1); off += 4 + b[off] % 32) {
			uint16_t alen = (uint16_t)(4 + b[off] % 32), type = (uint16_t)(b[off + 1] % 50);
			memcpy(b + off, &alen, 2);
			memcpy(b + off + 2, &type, 2);
		}
		struct nl_msg m = { NL_RTM_NEWLINK, 0, b, len };
		struct netdev_dev d;
		if (netdev_parse_link(&m, &d) == 0)
			netdev_emit(&t.s, &d, 0);
		struct netclass_link l;
		if (netclass_parse_link(&m, &l) == 0)
			netclass_emit_link(&t.s, &l, "", 1);
		struct netclass_linkmode lm;
		netclass_parse_linkmode(b, len, &lm);
		m.type = NL_SOCK_DIAG_BY_FAMILY;
		tcpstat_diag_msg(&m, &tc);
		nettest_text(&t);
		nettest_free(&t);
	}
}
