/* netlink.c - one request, its replies, their attributes (see netlink.h). */
#include "netlink.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "collector.h"

#define NL_HDR_LEN 16
#define NL_ALIGN(n) (((n) + 3u) & ~(size_t)3u)
#define NLMSG_ERROR_TYPE 2
#define NLMSG_DONE_TYPE 3
/* Kernel dumps fill at most 32 KiB per datagram; twice that is safe. */
#define NL_RECV_BUF (64u * 1024u)

/* Several scrapes may talk netlink at once: each request gets its own
 * socket and sequence number. */
static atomic_uint nl_seq = 1;

/* Each thread keeps one receive buffer for its life: allocating 64 KiB per
 * request costs an mmap, page faults and an munmap every time. */
static pthread_key_t nl_buf_key;
static pthread_once_t nl_buf_once = PTHREAD_ONCE_INIT;

static void nl_buf_key_init(void)
{
	pthread_key_create(&nl_buf_key, free);
}

static unsigned char *nl_thread_buf(void)
{
	pthread_once(&nl_buf_once, nl_buf_key_init);
	unsigned char *b = pthread_getspecific(nl_buf_key);
	if (!b && (b = malloc(NL_RECV_BUF)) != NULL && pthread_setspecific(nl_buf_key, b) != 0) {
		free(b);
		b = NULL;
	}
	return b;
}

void nl_attr_iter_init(struct nl_attr_iter *it, const void *data, size_t len)
{
	it->p = data;
	it->len = len;
	it->off = 0;
}

int nl_attr_next(struct nl_attr_iter *it, struct nl_attr *a)
{
	if (it->off > it->len || it->len - it->off < 4)
		return 0;
	uint16_t alen, atype;
	memcpy(&alen, it->p + it->off, 2);
	memcpy(&atype, it->p + it->off + 2, 2);
	if (alen < 4 || alen > it->len - it->off)
		return 0;
	a->type = atype & 0x3fff; /* drop NLA_F_NESTED / NLA_F_NET_BYTEORDER */
	a->data = it->p + it->off + 4;
	a->len = alen - 4u;
	size_t next = it->off + NL_ALIGN(alen);
	it->off = next > it->len ? it->len : next;
	return 1;
}

uint8_t nl_attr_u8(const struct nl_attr *a)
{
	return a->len >= 1 ? a->data[0] : 0;
}

uint32_t nl_attr_u32(const struct nl_attr *a)
{
	uint32_t v = 0;
	if (a->len >= 4)
		memcpy(&v, a->data, 4);
	return v;
}

size_t nl_attr_str(const struct nl_attr *a, char *out, size_t outlen)
{
	size_t n = 0;
	while (n < a->len && a->data[n] && n + 1 < outlen) {
		out[n] = (char)a->data[n];
		n++;
	}
	out[n] = 0;
	return n;
}

int nl_put_attr(unsigned char *buf, size_t cap, size_t *off, uint16_t type,
		const void *data, size_t len)
{
	size_t total = NL_ALIGN(4 + len);
	if (len > 0xffff - 4 || *off > cap || cap - *off < total)
		return -1;
	uint16_t alen = (uint16_t)(4 + len);
	memcpy(buf + *off, &alen, 2);
	memcpy(buf + *off + 2, &type, 2);
	if (len)
		memcpy(buf + *off + 4, data, len);
	memset(buf + *off + 4 + len, 0, total - 4 - len);
	*off += total;
	return 0;
}

static int nl_open(int protocol)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static int nl_send(int fd, uint16_t type, uint16_t flags, uint32_t seq, const void *payload,
		   size_t len)
{
	unsigned char hdr[NL_HDR_LEN];
	uint32_t total = (uint32_t)(NL_HDR_LEN + len), pid = 0;
	memcpy(hdr, &total, 4);
	memcpy(hdr + 4, &type, 2);
	memcpy(hdr + 6, &flags, 2);
	memcpy(hdr + 8, &seq, 4);
	memcpy(hdr + 12, &pid, 4);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_family = AF_NETLINK; /* to the kernel: port 0, no groups */
	struct iovec iov[2] = { { hdr, sizeof hdr }, { (void *)payload, len } };
	struct msghdr mh = { .msg_name = &ss, .msg_namelen = 12, .msg_iov = iov,
			     .msg_iovlen = len ? 2 : 1 };
	ssize_t n;
	do
		n = sendmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int nl_request(int protocol, uint16_t type, uint16_t flags, const void *payload, size_t len,
	       int (*fn)(const struct nl_msg *m, void *ctx), void *ctx)
{
	int fd = nl_open(protocol);
	if (fd < 0)
		return fd;
	uint32_t seq = atomic_fetch_add(&nl_seq, 1);
	unsigned char *buf;
	int rc = nl_send(fd, type, flags, seq, payload, len);
	if (rc < 0)
		goto done;
	buf = nl_thread_buf();
	if (!buf) {
		rc = -ENOMEM;
		goto done;
	}
	for (;;) {
		struct iovec iov = { buf, NL_RECV_BUF };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
			goto done;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			rc = -EMSGSIZE;
			goto done;
		}
		if (n == 0) {
			rc = -EPIPE;
			goto done;
		}
		size_t off = 0, got = (size_t)n;
		while (got - off >= NL_HDR_LEN) {
			uint32_t mlen, mseq;
			uint16_t mtype, mflags;
			memcpy(&mlen, buf + off, 4);
			memcpy(&mtype, buf + off + 4, 2);
			memcpy(&mflags, buf + off + 6, 2);
			memcpy(&mseq, buf + off + 8, 4);
			if (mlen < NL_HDR_LEN || mlen > got - off) {
				rc = -EBADMSG;
				goto done;
			}
			const unsigned char *data = buf + off + NL_HDR_LEN;
			size_t dlen = mlen - NL_HDR_LEN;
			off += NL_ALIGN(mlen) < got - off ? NL_ALIGN(mlen) : got - off;
			if (mseq != seq)
				continue; /* not ours (cannot happen on a private socket) */
			if (mtype == NLMSG_DONE_TYPE)
				goto done;
			if (mtype == NLMSG_ERROR_TYPE) {
				int32_t err = 0;
				if (dlen >= 4)
					memcpy(&err, data, 4);
				rc = err < 0 ? err : 0; /* 0 is an acknowledgement */
				goto done;
			}
			struct nl_msg m = { mtype, mflags, data, dlen };
			rc = fn(&m, ctx);
			if (rc < 0)
				goto done;
			if (!(mflags & NL_F_MULTI) && !(flags & NL_F_ACK))
				goto done;
		}
	}
done:
	close(fd);
	return rc;
}

struct genl_family_ctx {
	int id;
};

static int genl_family_msg(const struct nl_msg *m, void *ctx)
{
	struct genl_family_ctx *c = ctx;
	if (m->len < NL_GENL_HDR_LEN)
		return 0;
	struct nl_attr_iter it;
	struct nl_attr a;
	nl_attr_iter_init(&it, m->data + NL_GENL_HDR_LEN, m->len - NL_GENL_HDR_LEN);
	while (nl_attr_next(&it, &a))
		if (a.type == NL_CTRL_ATTR_FAMILY_ID && a.len >= 2) {
			uint16_t id;
			memcpy(&id, a.data, 2);
			c->id = id;
		}
	return 0;
}

int nl_genl_family(const char *name)
{
	unsigned char req[128] = { NL_CTRL_CMD_GETFAMILY, 1, 0, 0 };
	size_t off = NL_GENL_HDR_LEN;
	if (nl_put_attr(req, sizeof req, &off, NL_CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1))
		return -EINVAL;
	struct genl_family_ctx c = { 0 };
	int rc = nl_request(NL_PROTO_GENERIC, NL_GENL_ID_CTRL, NL_F_REQUEST, req, off,
			    genl_family_msg, &c);
	if (rc < 0)
		return rc;
	return c.id > 0 ? c.id : -ENOENT;
}

/* ---- the per-scrape link dump ---- */

struct nl_saved {
	uint16_t type, flags;
	unsigned char *data;
	size_t len;
};

/* This thread's dump for its current scrape. */
static _Thread_local struct {
	unsigned long scrape;
	struct arena *arena;
	int rc;
	struct nl_saved *v;
	size_t n;
} nl_dump_memo;

struct nl_save_ctx {
	struct arena *a;
	struct nl_saved *v;
	size_t n, cap;
};

static int nl_save_msg(const struct nl_msg *m, void *ctx)
{
	struct nl_save_ctx *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct nl_saved *w = arena_alloc(c->a, cap * sizeof *w);
		if (c->n)
			memcpy(w, c->v, c->n * sizeof *w);
		c->v = w;
		c->cap = cap;
	}
	struct nl_saved *d = &c->v[c->n++];
	d->type = m->type;
	d->flags = m->flags;
	d->len = m->len;
	d->data = arena_alloc(c->a, m->len ? m->len : 1);
	if (m->len)
		memcpy(d->data, m->data, m->len);
	return c->n < 1000000 ? 0 : -E2BIG;
}

int nl_link_dump(struct arena *a, int (*fn)(const struct nl_msg *m, void *ctx), void *ctx)
{
	unsigned char req[NL_IFINFO_LEN] = { 0 };
	unsigned long cur = scrape_current();
	if (!cur)
		return nl_request(NL_PROTO_ROUTE, NL_RTM_GETLINK, NL_F_REQUEST | NL_F_DUMP, req,
				  sizeof req, fn, ctx);
	if (nl_dump_memo.scrape != cur || nl_dump_memo.arena != a) {
		struct nl_save_ctx c = { a, NULL, 0, 0 };
		int rc = nl_request(NL_PROTO_ROUTE, NL_RTM_GETLINK, NL_F_REQUEST | NL_F_DUMP, req,
				    sizeof req, nl_save_msg, &c);
		nl_dump_memo.scrape = cur;
		nl_dump_memo.arena = a;
		nl_dump_memo.rc = rc;
		nl_dump_memo.v = c.v;
		nl_dump_memo.n = rc < 0 ? 0 : c.n;
	}
	if (nl_dump_memo.rc < 0)
		return nl_dump_memo.rc;
	for (size_t i = 0; i < nl_dump_memo.n; i++) {
		const struct nl_saved *d = &nl_dump_memo.v[i];
		struct nl_msg m = { d->type, d->flags, d->data, d->len };
		int rc = fn(&m, ctx);
		if (rc < 0)
			return rc;
	}
	return 0;
}
