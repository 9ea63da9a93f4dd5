/* buf.h - a growable byte buffer, always NUL-terminated.
 *
 * A struct buf owns its storage (p). Initialise with BUF_INIT or buf_init(),
 * release with buf_free(). Allocation failure aborts the program: every
 * caller would otherwise have to handle it and none can do better.
 */
#ifndef PHAROS_BUF_H
#define PHAROS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;    /* owned; p[len] == 0 whenever p != NULL */
	size_t len; /* bytes used, excluding the terminator */
	size_t cap; /* bytes allocated */
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
/* Free the storage and reset to empty. */
void buf_free(struct buf *b);
/* Keep the storage, drop the content. */
void buf_reset(struct buf *b);
/* Make room for n more bytes (plus terminator). */
void buf_reserve(struct buf *b, size_t n);
void buf_put(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Hand the storage over to the caller (who frees it); b becomes empty.
 * Returns a NUL-terminated string, never NULL. */
char *buf_steal(struct buf *b);

/* An arena: many small allocations released in one call.
 * Memory from arena_alloc() is owned by the arena and valid until
 * arena_free(). Blocks grow geometrically; a large request gets its own
 * block. Allocation failure aborts. */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t block_size; /* size of the next regular block */
};

#define ARENA_INIT { NULL, 4096 }

void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);
/* Release everything allocated so far but keep the largest block for
 * reuse: for an arena that serves one request after another, so the hot
 * path does not map and unmap memory each time. */
void arena_reset(struct arena *a);

/* Abort with a message after an allocation failure. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t sz);
char *xstrdup(const char *s);

#endif
