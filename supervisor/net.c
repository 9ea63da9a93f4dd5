#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "dhcp.h"

static struct {
	const char *ifname;
	const char *resolv_conf;
	struct dhcp_lease lease;
	int have_lease;
	int64_t got_at, deadline;
} net_state;

static int64_t net_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int net_ioctl(int fd, unsigned long req, const char *ifname, void (*fill)(struct ifreq *, void *),
		     void *arg)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	if (fill)
		fill(&ifr, arg);
	return ioctl(fd, req, &ifr) < 0 ? -errno : 0;
}

static int net_up(int fd, const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

static void net_fill_addr(struct ifreq *ifr, void *arg)
{
	struct sockaddr_in *sa = (struct sockaddr_in *)&ifr->ifr_addr;
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = *(uint32_t *)arg;
}

static void net_fill_mtu(struct ifreq *ifr, void *arg)
{
	ifr->ifr_mtu = *(int *)arg;
}

/* Address, netmask, default route and MTU on ifname. */
static int net_apply(const char *ifname, uint32_t addr, uint32_t mask, uint32_t gw, int mtu)
{
	int rc, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((rc = net_ioctl(fd, SIOCSIFADDR, ifname, net_fill_addr, &addr)) < 0 ||
	    (rc = net_ioctl(fd, SIOCSIFNETMASK, ifname, net_fill_addr, &mask)) < 0)
		goto fail;
	if (mtu && (rc = net_ioctl(fd, SIOCSIFMTU, ifname, net_fill_mtu, &mtu)) < 0)
		log_warn("net: mtu %d on %s: %s", mtu, ifname, strerror(-rc));
	net_up(fd, ifname);
	if (gw) {
		struct rtentry rt;
		memset(&rt, 0, sizeof rt);
		struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
		struct sockaddr_in *gwa = (struct sockaddr_in *)&rt.rt_gateway;
		struct sockaddr_in *msk = (struct sockaddr_in *)&rt.rt_genmask;
		dst->sin_family = gwa->sin_family = msk->sin_family = AF_INET;
		gwa->sin_addr.s_addr = gw;
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		rt.rt_dev = (char *)ifname;
		if (ioctl(fd, SIOCADDRT, &rt) < 0 && errno != EEXIST)
			log_warn("net: default route via %s: %s",
				 inet_ntoa(gwa->sin_addr), strerror(errno));
	}
	rc = 0;
fail:
	close(fd);
	return rc;
}

int net_write_resolv(const char *path, const uint32_t *dns, int ndns, const char *domain)
{
	char text[512], tmp[300];
	size_t n = 0;
	if (domain && *domain)
		n += (size_t)snprintf(text + n, sizeof text - n, "search %s\n", domain);
	for (int i = 0; i < ndns && n < sizeof text; i++) {
		struct in_addr a = { .s_addr = dns[i] };
		n += (size_t)snprintf(text + n, sizeof text - n, "nameserver %s\n", inet_ntoa(a));
	}
	if (n >= sizeof text)
		return -ENOSPC;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int rc = write(fd, text, n) == (ssize_t)n ? 0 : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* /etc may be read-only in the image: then /run/pharos/resolv.conf (make
 * /etc/resolv.conf a link to it). */
static void net_resolv(const uint32_t *dns, int ndns, const char *domain)
{
	int rc = net_write_resolv(net_state.resolv_conf ? net_state.resolv_conf : "/etc/resolv.conf",
				  dns, ndns, domain);
	if (rc < 0) {
		mkdir("/run/pharos", 0755);
		rc = net_write_resolv("/run/pharos/resolv.conf", dns, ndns, domain);
	}
	if (rc < 0)
		log_warn("net: cannot write resolv.conf: %s", strerror(-rc));
}

static void net_log_lease(const char *what)
{
	const struct dhcp_lease *l = &net_state.lease;
	char a[16], g[16];
	struct in_addr x = { .s_addr = l->addr }, y = { .s_addr = l->router };
	snprintf(a, sizeof a, "%s", inet_ntoa(x));
	snprintf(g, sizeof g, "%s", inet_ntoa(y));
	log_info("dhcp: %s %s/%d gw %s lease %us mtu %d dns %d", what, a,
		 __builtin_popcount(l->mask), g, l->lease_s, l->mtu, l->ndns);
}

int net_setup(const struct cfg_net *net)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;
	if (fd < 0)
		return -errno;
	uint32_t lo = htonl(INADDR_LOOPBACK), lomask = htonl(0xff000000u);
	net_ioctl(fd, SIOCSIFADDR, "lo", net_fill_addr, &lo);
	net_ioctl(fd, SIOCSIFNETMASK, "lo", net_fill_addr, &lomask);
	net_up(fd, "lo");
	if (net->mode == CFG_NET_NONE) {
		close(fd);
		return -ENETDOWN;
	}
	net_state.ifname = net->interface;
	net_state.resolv_conf = net->resolv_conf;
	if ((rc = net_up(fd, net->interface)) < 0) {
		log_error("net: %s: %s", net->interface, strerror(-rc));
		close(fd);
		return rc;
	}
	close(fd);
	if (net->mode == CFG_NET_STATIC) {
		char a[64];
		snprintf(a, sizeof a, "%s", net->address);
		char *slash = strchr(a, '/');
		int prefix = slash ? atoi(slash + 1) : 24;
		if (slash)
			*slash = 0;
		struct in_addr addr, gw = { 0 };
		if (inet_pton(AF_INET, a, &addr) != 1 || prefix < 0 || prefix > 32 ||
		    (net->gateway && inet_pton(AF_INET, net->gateway, &gw) != 1)) {
			log_error("net: bad static address %s or gateway", net->address);
			return -EINVAL;
		}
		uint32_t mask = htonl(prefix ? 0xffffffffu << (32 - prefix) : 0);
		if ((rc = net_apply(net->interface, addr.s_addr, mask, gw.s_addr, net->mtu)) < 0) {
			log_error("net: %s: %s", net->interface, strerror(-rc));
			return rc;
		}
		uint32_t dns[4];
		int nd = 0;
		for (size_t i = 0; i < net->ndns; i++)
			if (inet_pton(AF_INET, net->dns[i], &dns[nd]) == 1)
				nd++;
		if (nd)
			net_resolv(dns, nd, NULL);
		log_info("net: %s %s (static)", net->interface, net->address);
		return 0;
	}
	rc = dhcp_run(net->interface, NULL, 15000, &net_state.lease);
	if (rc < 0) {
		log_error("dhcp: %s: no lease: %s; retrying in 60s", net->interface, strerror(-rc));
		net_state.deadline = net_ms() + 60000;
		return rc;
	}
	const struct dhcp_lease *l = &net_state.lease;
	net_apply(net->interface, l->addr, l->mask, l->router, net->mtu ? net->mtu : l->mtu);
	net_resolv(l->dns, l->ndns, l->domain);
	net_state.have_lease = 1;
	net_state.got_at = net_ms();
	net_state.deadline = net_state.got_at + (int64_t)l->t1_s * 1000;
	net_log_lease("ACK");
	return 0;
}

int64_t net_deadline(void)
{
	return net_state.deadline;
}

int64_t net_timer(int64_t now)
{
	struct dhcp_lease l;
	if (!net_state.ifname || !net_state.deadline || now < net_state.deadline)
		return net_state.deadline;
	int expired = !net_state.have_lease ||
		      now >= net_state.got_at + (int64_t)net_state.lease.lease_s * 1000;
	int rc = dhcp_run(net_state.ifname, expired ? NULL : &net_state.lease, 4000, &l);
	if (rc == 0) {
		net_state.lease = l;
		net_state.have_lease = 1;
		net_state.got_at = now;
		net_apply(net_state.ifname, l.addr, l.mask, l.router, l.mtu);
		net_resolv(l.dns, l.ndns, l.domain);
		net_state.deadline = now + (int64_t)l.t1_s * 1000;
		net_log_lease(expired ? "ACK" : "renewed");
	} else {
		if (rc == -ECONNREFUSED)
			net_state.have_lease = 0; /* NAK: start over */
		log_warn("dhcp: renewal failed: %s; retrying in 60s", strerror(-rc));
		net_state.deadline = now + 60000;
	}
	return net_state.deadline;
}
