/* Small shared helpers: allocation that never returns NULL, logging, time. */
#ifndef JICENG_LIB_UTIL_H
#define JICENG_LIB_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocation wrappers: abort the process with a message on exhaustion, never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Log a line to stderr with an RFC 3339 timestamp and a level tag. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Files that may hold personal data (databases, their WAL and shm, backups,
 * exports, key and password files) are the owner's alone: mode 0600. */
#define FILE_MODE_PRIVATE 0600

/* Create path if it does not exist, empty and with FILE_MODE_PRIVATE (O_EXCL:
 * an existing file is left alone). 0 if created, 1 if it existed, -1 with
 * errno on another failure. */
int file_create_private(const char *path);

/* If path exists with any group or other permission, set it to
 * FILE_MODE_PRIVATE: 1 if it did (and log a warning), 0 if nothing to do,
 * -1 on failure. */
int file_tighten(const char *path);

/* The server's clock in unix seconds: wall time plus an offset that only the
 * test clock (serve --test-clock) ever moves. Thread-safe. */
int64_t clock_now(void);
void clock_advance(int64_t seconds);
int64_t clock_offset(void);

/* Monotonic time in nanoseconds, for latency measurement. */
uint64_t clock_mono_ns(void);

/* A growing NUL-terminated text: start from {0}; s stays NULL until the first add
 * and is the caller's to free. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf_t;
void strbuf_add(strbuf_t *b, const char *piece);
void strbuf_addn(strbuf_t *b, const char *piece, size_t n);
/* Add v in decimal (what printf's %lld gives). */
void strbuf_add_int(strbuf_t *b, int64_t v);
/* Add printf-formatted text. */
void strbuf_addf(strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add s as a JSON string, escaped as jansson's json_dumps escapes it (", \ and
 * control characters; UTF-8 as it is), or null when s is NULL. */
void strbuf_add_json(strbuf_t *b, const char *s);

/* Copy src into dst of size cap, always NUL-terminating; returns -1 if truncated. */
int str_copy(char *dst, size_t cap, const char *src);

/* Read a whole file into a NUL-terminated buffer (caller frees). NULL on error,
 * errno set. Refuses files larger than max bytes. */
char *file_read_all(const char *path, size_t max, size_t *len_out);

#endif
