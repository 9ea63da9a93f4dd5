#include "dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const unsigned char dhcp_magic[4] = { 99, 130, 83, 99 };

size_t dhcp_build(unsigned char *b, int type, uint32_t xid, const unsigned char mac[6],
		  uint32_t req_addr, uint32_t server)
{
	memset(b, 0, DHCP_PACKET_MAX);
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* ethernet */
	b[2] = 6;
	memcpy(b + 4, &xid, 4);
	b[10] = 0x80; /* broadcast flag: we cannot receive unicast yet */
	memcpy(b + 28, mac, 6);
	memcpy(b + 236, dhcp_magic, 4);
	size_t o = 240;
	b[o++] = 53, b[o++] = 1, b[o++] = (unsigned char)type;
	if (req_addr) {
		b[o++] = 50, b[o++] = 4;
		memcpy(b + o, &req_addr, 4);
		o += 4;
	}
	if (server) {
		b[o++] = 54, b[o++] = 4;
		memcpy(b + o, &server, 4);
		o += 4;
	}
	static const unsigned char want[] = { 1, 3, 6, 15, 26, 51, 58, 59 };
	b[o++] = 55, b[o++] = sizeof want;
	memcpy(b + o, want, sizeof want);
	o += sizeof want;
	b[o++] = 255;
	return o < 300 ? 300 : o; /* BOOTP minimum size */
}

static uint32_t dhcp_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dhcp_parse(const unsigned char *b, size_t len, uint32_t xid, const unsigned char mac[6],
	       struct dhcp_lease *l)
{
	int type = -EINVAL;
	if (len < 240 || b[0] != 2 || memcmp(b + 4, &xid, 4) || memcmp(b + 28, mac, 6) ||
	    memcmp(b + 236, dhcp_magic, 4))
		return -EINVAL;
	memset(l, 0, sizeof *l);
	memcpy(&l->addr, b + 16, 4);
	for (size_t o = 240; o < len;) {
		unsigned char code = b[o++];
		if (code == 0)
			continue;
		if (code == 255 || o >= len)
			break;
		size_t n = b[o++];
		if (o + n > len)
			break;
		const unsigned char *v = b + o;
		switch (code) {
		case 53:
			if (n >= 1)
				type = v[0];
			break;
		case 1:
			if (n == 4)
				memcpy(&l->mask, v, 4);
			break;
		case 3:
			if (n >= 4)
				memcpy(&l->router, v, 4);
			break;
		case 6:
			for (size_t i = 0; i + 4 <= n && l->ndns < DHCP_MAX_DNS; i += 4)
				memcpy(&l->dns[l->ndns++], v + i, 4);
			break;
		case 15:
			snprintf(l->domain, sizeof l->domain, "%.*s", (int)n, (const char *)v);
			break;
		case 26:
			if (n == 2)
				l->mtu = v[0] << 8 | v[1];
			break;
		case 51:
			if (n == 4)
				l->lease_s = dhcp_be32(v);
			break;
		case 54:
			if (n == 4)
				memcpy(&l->server, v, 4);
			break;
		case 58:
			if (n == 4)
				l->t1_s = dhcp_be32(v);
			break;
		case 59:
			if (n == 4)
				l->t2_s = dhcp_be32(v);
			break;
		}
		o += n;
	}
	if (!l->lease_s)
		l->lease_s = 3600;
	if (!l->t1_s || l->t1_s > l->lease_s)
		l->t1_s = l->lease_s / 2;
	if (!l->t2_s || l->t2_s > l->lease_s)
		l->t2_s = l->lease_s / 8 * 7;
	if (l->mtu && l->mtu < 68)
		l->mtu = 0;
	return type;
}

static int64_t dhcp_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send b and wait up to wait_ms for a reply of one of the wanted types. */
static int dhcp_xchg(int fd, const unsigned char *b, size_t n, uint32_t xid,
		     const unsigned char mac[6], int want, int wait_ms, struct dhcp_lease *l)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(67),
				  .sin_addr.s_addr = INADDR_BROADCAST };
	unsigned char r[1500];
	if (sendto(fd, b, n, 0, (struct sockaddr *)&to, sizeof to) < 0)
		return -errno;
	int64_t end = dhcp_ms() + wait_ms;
	for (;;) {
		int64_t left = end - dhcp_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		ssize_t got = recv(fd, r, sizeof r, 0);
		if (got <= 0)
			continue;
		int t = dhcp_parse(r, (size_t)got, xid, mac, l);
		if (t == want)
			return 0;
		if (t == DHCP_NAK && want == DHCP_ACK)
			return -ECONNREFUSED;
	}
}

int dhcp_run(const char *ifname, const struct dhcp_lease *renew, int timeout_ms,
	     struct dhcp_lease *lease)
{
	struct ifreq ifr;
	unsigned char mac[6], b[DHCP_PACKET_MAX];
	int one = 1, rc;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		rc = -errno;
		goto fail;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(68) };
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
		rc = -errno;
		goto fail;
	}
	int64_t end = dhcp_ms() + timeout_ms;
	int wait = 1000;
	uint32_t xid = (uint32_t)dhcp_ms() ^ ((uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
					       (uint32_t)mac[4] << 8 | mac[5]);
	rc = -ETIMEDOUT;
	while (dhcp_ms() < end) {
		struct dhcp_lease offer;
		xid++;
		if (renew) {
			offer = *renew;
		} else {
			size_t n = dhcp_build(b, DHCP_DISCOVER, xid, mac, 0, 0);
			rc = dhcp_xchg(fd, b, n, xid, mac, DHCP_OFFER, wait, &offer);
			if (rc == -ETIMEDOUT) {
				wait = wait * 2 > 8000 ? 8000 : wait * 2;
				continue;
			}
			if (rc < 0)
				goto fail;
		}
		size_t n = dhcp_build(b, DHCP_REQUEST, xid, mac, offer.addr,
				      renew ? 0 : offer.server);
		rc = dhcp_xchg(fd, b, n, xid, mac, DHCP_ACK, wait, lease);
		if (rc == 0 || rc == -ECONNREFUSED)
			break;
		wait = wait * 2 > 8000 ? 8000 : wait * 2;
	}
fail:
	close(fd);
	return rc;
}
