/* logring.h - a service's recent output: a fixed ring of whole lines, and
 * the splitter that cuts a pipe's byte stream into lines.
 *
 * No allocation: both structs are plain storage, embedded in the service. */
#ifndef PHAROS_SUPERVISOR_LOGRING_H
#define PHAROS_SUPERVISOR_LOGRING_H

#include <stddef.h>

#define LOGRING_SIZE 8192 /* bytes of recent lines kept per service */
#define LOGLINE_MAX 1024  /* a longer line is cut into pieces of this size */

struct logring {
	char buf[LOGRING_SIZE];
	size_t start; /* offset of the oldest byte */
	size_t len;   /* bytes held; always whole lines, each ending in '\n' */
};

struct logsplit {
	char buf[LOGLINE_MAX];
	size_t len;   /* bytes of the unfinished line */
};

/* Empty the ring. */
void logring_init(struct logring *r);
/* Append one line (n bytes, no '\n'; one is added), dropping the oldest
 * whole lines to make room. A line longer than the ring keeps its end. */
void logring_put(struct logring *r, const char *line, size_t n);
/* Copy the held lines, oldest first, into out (no terminator added).
 * Returns the bytes copied: all of them if cap >= r->len, else the newest
 * whole lines that fit. */
size_t logring_copy(const struct logring *r, char *out, size_t cap);

/* Feed n bytes read from a pipe; for each complete line (and each
 * LOGLINE_MAX piece of an over-long one) call emit(line, len, ctx) with
 * the line without its '\n' (and without a '\r' before it). line is valid
 * during the call only. */
void logsplit_feed(struct logsplit *ls, const char *data, size_t n,
		   void (*emit)(const char *line, size_t len, void *ctx), void *ctx);
/* Emit what is left of an unfinished line (at end of stream). */
void logsplit_flush(struct logsplit *ls, void (*emit)(const char *line, size_t len, void *ctx),
		    void *ctx);

#endif
