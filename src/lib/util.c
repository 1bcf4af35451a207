#include "lib/util.h"

#include "core/redact.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static void oom(size_t n)
{
    fprintf(stderr, "jiceng: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (p == NULL)
        oom(count * n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

void strbuf_addn(strbuf_t *b, const char *piece, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2 + 256;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, piece, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void strbuf_add(strbuf_t *b, const char *piece)
{
    strbuf_addn(b, piece, strlen(piece));
}

void strbuf_add_int(strbuf_t *b, int64_t v)
{
    char digits[24], *p = digits + sizeof digits;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    strbuf_addn(b, p, (size_t)(digits + sizeof digits - p));
}

void strbuf_addf(strbuf_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        strbuf_addn(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    strbuf_addn(b, big, (size_t)n);
    free(big);
}

void strbuf_add_json(strbuf_t *b, const char *s)
{
    if (s == NULL) {
        strbuf_addn(b, "null", 4);
        return;
    }
    strbuf_addn(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        strbuf_addn(b, run, (size_t)(s - run));
        run = s + 1;
        char esc[8];
        switch (c) {
        case '"': strbuf_addn(b, "\\\"", 2); break;
        case '\\': strbuf_addn(b, "\\\\", 2); break;
        case '\b': strbuf_addn(b, "\\b", 2); break;
        case '\f': strbuf_addn(b, "\\f", 2); break;
        case '\n': strbuf_addn(b, "\\n", 2); break;
        case '\r': strbuf_addn(b, "\\r", 2); break;
        case '\t': strbuf_addn(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", c);
            strbuf_addn(b, esc, 6);
        }
    }
    strbuf_addn(b, run, (size_t)(s - run));
    strbuf_addn(b, "\"", 1);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    redact_numbers(line, strlen(line)); /* no ID or phone number in a log line, whatever was passed */
    fprintf(stderr, "%s %s %s\n", when, tag, line);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("info", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warn", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", fmt, ap);
    va_end(ap);
}

static _Atomic int64_t g_clock_offset;

int64_t clock_now(void)
{
    return (int64_t)time(NULL) + atomic_load(&g_clock_offset);
}

void clock_advance(int64_t seconds)
{
    atomic_fetch_add(&g_clock_offset, seconds);
}

int64_t clock_offset(void)
{
    return atomic_load(&g_clock_offset);
}

uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (cap == 0)
        return -1;
    if (n >= cap) {
        memcpy(dst, src, cap - 1);
        dst[cap - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

char *file_read_all(const char *path, size_t max, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (size_t)st.st_size > max) {
        fclose(f);
        errno = EFBIG;
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    char *buf = xmalloc(n + 1);
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    if (got != n) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    if (len_out)
        *len_out = n;
    return buf;
}

int file_create_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE_PRIVATE);
    if (fd < 0)
        return errno == EEXIST ? 1 : -1;
    /* The mode given to open is cut by the umask only, never widened: set it as meant. */
    int rc = fchmod(fd, FILE_MODE_PRIVATE);
    close(fd);
    return rc == 0 ? 0 : -1;
}

int file_tighten(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if ((st.st_mode & 077) == 0 || !S_ISREG(st.st_mode))
        return 0;
    if (chmod(path, FILE_MODE_PRIVATE) != 0)
        return -1;
    log_warn("%s was readable by others (mode %03o): set to %03o", path, (unsigned)(st.st_mode & 0777),
             (unsigned)FILE_MODE_PRIVATE);
    return 1;
}
