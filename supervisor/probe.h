/* probe.h - is a service ready? One "GET /-/ready" over HTTP on loopback,
 * non-blocking, driven by the supervisor's poll loop.
 *
 *   probe_start(&p, "127.0.0.1:9100");    // connect (non-blocking)
 *   poll on p.fd for probe_events(&p) ...
 *   r = probe_io(&p, revents);            // 1 ready, 0 not yet, <0 failed
 *
 * A failed or finished probe closes its socket; probe_stop() abandons one.
 * No allocation. */
#ifndef PHAROS_SUPERVISOR_PROBE_H
#define PHAROS_SUPERVISOR_PROBE_H

enum probe_phase { PROBE_IDLE, PROBE_CONNECTING, PROBE_READING };

struct probe {
	int fd;                 /* -1 when idle */
	enum probe_phase phase;
	char resp[16];          /* the start of the status line */
	unsigned rlen;
};

void probe_init(struct probe *p);
/* Begin a check of addr ("127.0.0.1:9100", "[::1]:9090").
 * Returns 0 (in progress) or negative errno (nothing to poll). */
int probe_start(struct probe *p, const char *addr);
/* The poll() events to wait for (0 when idle). */
short probe_events(const struct probe *p);
/* Handle readiness of p->fd. Returns 1 when the service answered 200,
 * 0 while still in progress, negative errno on failure or another status. */
int probe_io(struct probe *p, short revents);
void probe_stop(struct probe *p);

#endif
