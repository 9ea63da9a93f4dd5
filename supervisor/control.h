/* control.h - the control interface: a unix stream socket taking one
 * request line and answering with text, then closing.
 *
 *   request:  "status\n" | "restart NAME\n" | "start NAME\n" | "stop NAME\n"
 *             | "log NAME\n" | "shutdown\n"
 *   reply:    "ok\n" then the body, or "error: message\n"
 *
 * The server side never blocks the supervisor: clients are polled, a
 * request is bounded (256 bytes), at most CONTROL_MAX_CLIENTS at once, and
 * the reply is written with one non-blocking send (a client that does not
 * read loses the tail). */
#ifndef PHAROS_SUPERVISOR_CONTROL_H
#define PHAROS_SUPERVISOR_CONTROL_H

#include <poll.h>

#include "../lib/buf.h"

#define CONTROL_MAX_CLIENTS 4
#define CONTROL_MAX_REQUEST 256

struct control_client {
	int fd; /* -1: free slot */
	char req[CONTROL_MAX_REQUEST];
	unsigned len;
};

struct control {
	int listen_fd; /* -1: not listening */
	struct control_client clients[CONTROL_MAX_CLIENTS];
	/* Answer one request (without its '\n') into reply, which starts
	 * empty; the text must begin with "ok\n" or "error: ". */
	void (*handle)(const char *req, struct buf *reply, void *ctx);
	void *ctx;
};

/* Bind and listen on path (a stale socket file is replaced).
 * Returns 0 or negative errno; c->listen_fd is -1 on failure. */
int control_listen(struct control *c, const char *path);
/* Close everything and unlink path. */
void control_close(struct control *c, const char *path);
/* Append the descriptors to poll to pfd (room for 1 + CONTROL_MAX_CLIENTS);
 * returns how many were added. */
int control_pollfds(const struct control *c, struct pollfd *pfd);
/* Handle the results of poll for the n entries control_pollfds() added. */
void control_io(struct control *c, const struct pollfd *pfd, int n);

/* Client: send req to the supervisor at path and copy the reply body to
 * stdout (an error to stderr). Returns the exit code for the command:
 * 0 ok, 1 error reply, 111 no supervisor there. */
int control_request(const char *path, const char *req);

#endif
