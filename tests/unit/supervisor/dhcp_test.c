#include "../unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>

#include "../../../supervisor/dhcp.h"
#include "../../../supervisor/net.h"

TEST(dhcp_build_and_parse_a_reply)
{
	static const unsigned char mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	unsigned char b[DHCP_PACKET_MAX];
	uint32_t srv = inet_addr("10.0.2.2");
	size_t n = dhcp_build(b, DHCP_REQUEST, 0x1234, mac, inet_addr("10.0.2.15"), srv);
	CHECK(n >= 300);
	CHECK_INT(b[0], 1);
	CHECK_INT(b[10], 0x80);
	CHECK(!memcmp(b + 28, mac, 6));
	CHECK_INT(b[240], 53);
	CHECK_INT(b[242], DHCP_REQUEST);
	CHECK_INT(b[243], 50);
	/* Turn it into the server's ACK. */
	b[0] = 2;
	uint32_t yi = inet_addr("10.0.2.15");
	memcpy(b + 16, &yi, 4);
	size_t o = 240;
	static const unsigned char opts[] = {
		53, 1, DHCP_ACK, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 6, 8, 10, 0, 2, 3, 1, 1,
		1, 1, 51, 4, 0, 1, 81, 128, 26, 2, 0x23, 0x29, 54, 4, 10, 0, 2, 2, 15, 3, 'l', 'a',
		'n', 255,
	};
	memcpy(b + o, opts, sizeof opts);
	struct dhcp_lease l;
	CHECK_INT(dhcp_parse(b, o + sizeof opts, 0x1234, mac, &l), DHCP_ACK);
	CHECK(l.addr == yi);
	CHECK(l.mask == inet_addr("255.255.255.0"));
	CHECK(l.router == srv && l.server == srv);
	CHECK_INT(l.ndns, 2);
	CHECK(l.dns[1] == inet_addr("1.1.1.1"));
	CHECK_INT(l.lease_s, 86400);
	CHECK_INT(l.t1_s, 43200);
	CHECK_INT(l.t2_s, 75600);
	CHECK_INT(l.mtu, 9001);
	CHECK_STR(l.domain, "lan");
	CHECK_INT(dhcp_parse(b, o + sizeof opts, 0x1235, mac, &l), -EINVAL);
	CHECK_INT(dhcp_parse(b, 100, 0x1234, mac, &l), -EINVAL);
}

TEST(net_resolv_conf_text)
{
	char path[64], text[256];
	snprintf(path, sizeof path, "/tmp/pharos-resolv-%d", (int)getpid());
	uint32_t dns[2] = { inet_addr("10.0.2.3"), inet_addr("1.1.1.1") };
	CHECK_INT(net_write_resolv(path, dns, 2, "lan"), 0);
	FILE *f = fopen(path, "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	CHECK_STR(text, "search lan\nnameserver 10.0.2.3\nnameserver 1.1.1.1\n");
	unlink(path);
}
