/* netlink.h - just enough netlink for the network collectors (owner: h3).
 *
 * node_exporter 1.5 asks the kernel over netlink for link statistics
 * (netdev, netclass --collector.netclass.netlink), link modes (ethtool
 * generic netlink) and TCP socket states (tcpstat, sock_diag). This module
 * sends one request, walks the reply messages and their attributes. It
 * keeps no state between calls and is safe to use from several threads.
 *
 * The kernel ABI numbers are spelled out here rather than taken from
 * <linux/...> headers, which the musl toolchain does not ship; they are
 * stable kernel UAPI.
 *
 * Memory: each thread that sends a request keeps one 64 KiB receive buffer
 * until it exits.
 */
#ifndef PHAROS_EXPORTER_NETLINK_H
#define PHAROS_EXPORTER_NETLINK_H

#include <stddef.h>
#include <stdint.h>

/* Netlink protocols (socket(AF_NETLINK, SOCK_RAW, protocol)). */
#define NL_PROTO_ROUTE 0
#define NL_PROTO_SOCK_DIAG 4
#define NL_PROTO_GENERIC 16

/* Header flags. */
#define NL_F_REQUEST 0x1
#define NL_F_MULTI 0x2
#define NL_F_ACK 0x4
#define NL_F_DUMP 0x300

/* rtnetlink: RTM_GETLINK request, RTM_NEWLINK replies; the payload starts
 * with a struct ifinfomsg (NL_IFINFO_LEN bytes), then IFLA_* attributes. */
#define NL_RTM_NEWLINK 16
#define NL_RTM_GETLINK 18
#define NL_IFINFO_LEN 16
#define NL_IFLA_ADDRESS 1
#define NL_IFLA_BROADCAST 2
#define NL_IFLA_IFNAME 3
#define NL_IFLA_MTU 4
#define NL_IFLA_LINK 5
#define NL_IFLA_TXQLEN 13
#define NL_IFLA_OPERSTATE 16
#define NL_IFLA_LINKMODE 17
#define NL_IFLA_IFALIAS 20
#define NL_IFLA_STATS64 23
#define NL_IFLA_GROUP 27
#define NL_IFLA_CARRIER 33
#define NL_IFLA_CARRIER_CHANGES 35
#define NL_IFLA_CARRIER_UP_COUNT 47
#define NL_IFLA_CARRIER_DOWN_COUNT 48

/* sock_diag: SOCK_DIAG_BY_FAMILY with a struct inet_diag_req_v2
 * (NL_INET_DIAG_REQ_LEN bytes); replies carry a struct inet_diag_msg
 * (NL_INET_DIAG_MSG_LEN bytes). */
#define NL_SOCK_DIAG_BY_FAMILY 20
#define NL_INET_DIAG_REQ_LEN 56
#define NL_INET_DIAG_MSG_LEN 72

/* Generic netlink: the controller and the "ethtool" family. */
#define NL_GENL_ID_CTRL 16
#define NL_GENL_HDR_LEN 4
#define NL_CTRL_CMD_GETFAMILY 3
#define NL_CTRL_ATTR_FAMILY_ID 1
#define NL_CTRL_ATTR_FAMILY_NAME 2
#define NL_ETHTOOL_MSG_LINKMODES_GET 4
#define NL_ETHTOOL_A_HEADER_DEV_INDEX 1
#define NL_ETHTOOL_A_HEADER_DEV_NAME 2
#define NL_ETHTOOL_A_HEADER_FLAGS 3
#define NL_ETHTOOL_FLAG_COMPACT_BITSETS 1
#define NL_ETHTOOL_A_LINKMODES_HEADER 1
#define NL_ETHTOOL_A_LINKMODES_SPEED 5
#define NL_ETHTOOL_A_LINKMODES_DUPLEX 6

/* One reply message: its type and flags, and its payload (after the
 * netlink header). data points into the receive buffer: valid only during
 * the callback. */
struct nl_msg {
	uint16_t type;
	uint16_t flags;
	const unsigned char *data;
	size_t len;
};

/* One attribute: type without the nested/byte-order bits; data borrowed
 * from the message. */
struct nl_attr {
	uint16_t type;
	const unsigned char *data;
	size_t len;
};

struct nl_attr_iter {
	const unsigned char *p;
	size_t len, off;
};

/* Walk the attributes in data[0..len). */
void nl_attr_iter_init(struct nl_attr_iter *it, const void *data, size_t len);
/* [out] a: the next attribute. Returns 1, or 0 at the end; a malformed
 * attribute (length shorter than its header or past the end) ends the
 * walk. */
int nl_attr_next(struct nl_attr_iter *it, struct nl_attr *a);

/* Attribute values in host byte order; 0 if the attribute is too short. */
uint8_t nl_attr_u8(const struct nl_attr *a);
uint32_t nl_attr_u32(const struct nl_attr *a);
/* Copy a string attribute (up to its first NUL) into out (outlen bytes,
 * always NUL-terminated, cut if longer). Returns the length copied. */
size_t nl_attr_str(const struct nl_attr *a, char *out, size_t outlen);

/* Append an attribute to a request being built in buf (cap bytes) at *off.
 * Returns 0, or -1 if it does not fit (buf is then left as it was). */
int nl_put_attr(unsigned char *buf, size_t cap, size_t *off, uint16_t type,
		const void *data, size_t len);

/* Send one request (header type/flags, then payload) on a new socket of
 * the given protocol, and call fn for every reply message until the reply
 * ends (NLMSG_DONE, an acknowledgement, or a message without NL_F_MULTI).
 * fn returns 0 to go on or a negative value, which stops the walk and is
 * returned. Returns 0, -errno of a failed system call, or the kernel's
 * error for the request (e.g. -ENOENT, -EOPNOTSUPP). A reply that does not
 * end within 10 seconds gives -ETIMEDOUT (the socket has a receive
 * timeout). Replies land in a buffer the calling thread keeps for its
 * life, so fn must not call nl_request() (or nl_genl_family()) itself. */
int nl_request(int protocol, uint16_t type, uint16_t flags, const void *payload, size_t len,
	       int (*fn)(const struct nl_msg *m, void *ctx), void *ctx);

struct arena;
/* The RTM_GETLINK dump of every device (an empty struct ifinfomsg, as
 * netdev and netclass ask it), through nl_request(), but once per scrape
 * (collector.h's scrape_begin()): the replies are copied into arena a and
 * handed again to later callers within the same scrape and arena, so
 * netdev and netclass see one reading. Outside a scrape it is a plain
 * nl_request(). Returns as nl_request() does; after an error no message
 * is handed on. */
int nl_link_dump(struct arena *a, int (*fn)(const struct nl_msg *m, void *ctx), void *ctx);

/* Resolve a generic netlink family by name ("ethtool"). Returns its id
 * (> 0) or -errno (-ENOENT if the kernel has no such family). */
int nl_genl_family(const char *name);

#endif
