#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int control_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int control_listen(struct control *c, const char *path)
{
	struct sockaddr_un sa;
	int rc;
	c->listen_fd = -1;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	if ((rc = control_addr(path, &sa)))
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0) {
		rc = -errno;
		goto fail;
	}
	c->listen_fd = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

void control_close(struct control *c, const char *path)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0) {
			close(c->clients[i].fd);
			c->clients[i].fd = -1;
		}
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		c->listen_fd = -1;
		unlink(path);
	}
}

int control_pollfds(const struct control *c, struct pollfd *pfd)
{
	int n = 0;
	if (c->listen_fd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		pfd[n++] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
	return n;
}

static void control_answer(struct control *c, struct control_client *cl)
{
	struct buf reply = BUF_INIT;
	cl->req[cl->len] = 0;
	c->handle(cl->req, &reply, c->ctx);
	/* A client that went away or does not read loses the reply. */
	if (reply.len)
		(void)!send(cl->fd, reply.p, reply.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_free(&reply);
	close(cl->fd);
	cl->fd = -1;
}

void control_io(struct control *c, const struct pollfd *pfd, int n)
{
	if (n == 0)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *cl = &c->clients[i];
		if (cl->fd < 0 || !pfd[1 + i].revents)
			continue;
		ssize_t r = read(cl->fd, cl->req + cl->len, CONTROL_MAX_REQUEST - 1 - cl->len);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			close(cl->fd);
			cl->fd = -1;
			continue;
		}
		cl->len += (unsigned)r;
		char *nl = memchr(cl->req, '\n', cl->len);
		if (nl) {
			cl->len = (unsigned)(nl - cl->req);
			control_answer(c, cl);
		} else if (cl->len == CONTROL_MAX_REQUEST - 1) {
			static const char e[] = "error: request too long\n";
			(void)!send(cl->fd, e, sizeof e - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(cl->fd);
			cl->fd = -1;
		}
	}
	if (pfd[0].revents & POLLIN) {
		for (;;) {
			int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			int i = 0;
			while (i < CONTROL_MAX_CLIENTS && c->clients[i].fd >= 0)
				i++;
			if (i == CONTROL_MAX_CLIENTS) {
				static const char e[] = "error: busy\n";
				(void)!send(fd, e, sizeof e - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
				close(fd);
				continue;
			}
			c->clients[i].fd = fd;
			c->clients[i].len = 0;
		}
	}
}

int control_request(const char *path, const char *req)
{
	struct sockaddr_un sa;
	char buf[4096];
	int fd, first = 1, rc = 0;
	if (control_addr(path, &sa) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto nosup;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		goto nosup;
	}
	size_t rl = strlen(req);
	if (write(fd, req, rl) != (ssize_t)rl || write(fd, "\n", 1) != 1) {
		close(fd);
		goto nosup;
	}
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		char *p = buf;
		size_t n = (size_t)r;
		if (first) {
			first = 0;
			if (n >= 3 && !memcmp(buf, "ok\n", 3)) {
				p += 3;
				n -= 3;
			} else {
				rc = 1;
			}
		}
		fwrite(p, 1, n, rc ? stderr : stdout);
	}
	close(fd);
	if (first) {
		fprintf(stderr, "pharos-init: no reply from %s\n", path);
		return 111;
	}
	return rc;
nosup:
	fprintf(stderr, "pharos-init: fatal: no supervisor at %s: %s\n", path, strerror(errno));
	return 111;
}
