/* dhcp.h - a DHCPv4 client (RFC 2131) small enough for PID 1.
 *
 * DISCOVER -> OFFER -> REQUEST -> ACK over a UDP socket bound to port 68
 * on the interface (SO_BINDTODEVICE) with the BOOTP broadcast flag set, so
 * no raw socket and no address is needed beforehand (tested against qemu's
 * slirp, reference/image-notes.md §5). Renewal at T1 sends a REQUEST for
 * the same address (RENEWING is unicast in RFC 2131; broadcasting it, as
 * in REBINDING, is accepted by servers and keeps one code path).
 *
 * The packet builder and parser are pure functions, for tests. */
#ifndef PHAROS_SUPERVISOR_DHCP_H
#define PHAROS_SUPERVISOR_DHCP_H

#include <stddef.h>
#include <stdint.h>

enum { DHCP_DISCOVER = 1, DHCP_OFFER = 2, DHCP_REQUEST = 3, DHCP_ACK = 5, DHCP_NAK = 6 };

#define DHCP_MAX_DNS 3
#define DHCP_PACKET_MAX 576

/* Addresses in network byte order. */
struct dhcp_lease {
	uint32_t addr, mask, router, server;
	uint32_t dns[DHCP_MAX_DNS];
	int ndns;
	uint32_t lease_s, t1_s, t2_s; /* t1/t2 default to 1/2 and 7/8 of the lease */
	int mtu;                      /* 0 if not given */
	char domain[64];              /* option 15, or "" */
};

/* Build a DHCP message into buf (at least DHCP_PACKET_MAX bytes).
 * [in] req_addr, server: options 50 and 54 when not 0 (REQUEST).
 * Returns the length. */
size_t dhcp_build(unsigned char *buf, int type, uint32_t xid, const unsigned char mac[6],
		  uint32_t req_addr, uint32_t server);

/* Parse a server's reply. Returns its message type (DHCP_OFFER, ...) and
 * fills lease, or -EINVAL if it is not a BOOTREPLY for xid and mac. */
int dhcp_parse(const unsigned char *buf, size_t len, uint32_t xid, const unsigned char mac[6],
	       struct dhcp_lease *lease);

/* Run the exchange on ifname: a full DISCOVER..ACK, or, with
 * renew != NULL, a REQUEST for renew's address. Retries with backoff up to
 * timeout_ms in all. Returns 0 with the lease, -ETIMEDOUT, -ECONNREFUSED on
 * NAK, or another negative errno. */
int dhcp_run(const char *ifname, const struct dhcp_lease *renew, int timeout_ms,
	     struct dhcp_lease *lease);

#endif
