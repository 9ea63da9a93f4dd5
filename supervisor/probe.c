#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char probe_request[] = "GET /-/ready HTTP/1.0\r\nHost: localhost\r\n\r\n";

void probe_init(struct probe *p)
{
	p->fd = -1;
	p->phase = PROBE_IDLE;
	p->rlen = 0;
}

void probe_stop(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	probe_init(p);
}

int probe_start(struct probe *p, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[48];
	const char *colon = strrchr(addr, ':');
	probe_stop(p);
	if (!colon || (size_t)(colon - addr) >= sizeof host)
		return -EINVAL;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	int port = atoi(colon + 1);
	memset(&ss, 0, sizeof ss);
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		size_t hl = strlen(host);
		if (hl < 2 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		sl = sizeof *s4;
	}
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	if (connect(p->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int e = errno;
		probe_stop(p);
		return -e;
	}
	p->phase = PROBE_CONNECTING;
	return 0;
}

short probe_events(const struct probe *p)
{
	return p->phase == PROBE_CONNECTING ? POLLOUT : p->phase == PROBE_READING ? POLLIN : 0;
}

int probe_io(struct probe *p, short revents)
{
	int err = 0;
	socklen_t el = sizeof err;
	if (p->phase == PROBE_CONNECTING) {
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err)
			goto fail;
		/* The request is tiny: it fits the socket buffer in one send. */
		if (send(p->fd, probe_request, sizeof probe_request - 1, MSG_NOSIGNAL) !=
		    (ssize_t)(sizeof probe_request - 1)) {
			err = EIO;
			goto fail;
		}
		p->phase = PROBE_READING;
		return 0;
	}
	if (p->phase != PROBE_READING)
		return -EINVAL;
	ssize_t r = read(p->fd, p->resp + p->rlen, sizeof p->resp - 1 - p->rlen);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r > 0) {
		p->rlen += (unsigned)r;
		p->resp[p->rlen] = 0;
		if (p->rlen < 12)
			return 0;
	}
	/* "HTTP/1.1 200 ..." */
	if (p->rlen >= 12 && !strncmp(p->resp, "HTTP/1.", 7) && !strncmp(p->resp + 8, " 200", 4)) {
		probe_stop(p);
		return 1;
	}
	err = EAGAIN; /* answered, but not ready yet (or closed early) */
fail:
	probe_stop(p);
	return -err;
}
