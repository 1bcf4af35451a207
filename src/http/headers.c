/* Reading request header bytes (http/headers.h). */
#include "http/headers.h"

#include <string.h>

#define H2O_USE_LIBUV 0
#include <h2o.h>

const char *cookie_value(const char *p, size_t len, const char *name, size_t *vlen)
{
    const char *end = p + len;
    size_t nlen = strlen(name);
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ';'))
            p++;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq == NULL)
            break;
        const char *semi = memchr(eq, ';', (size_t)(end - eq));
        if (semi == NULL)
            semi = end;
        if ((size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            *vlen = (size_t)(semi - eq - 1);
            return eq + 1;
        }
        p = semi;
    }
    return NULL;
}

int header_block_lengths(const char *p, size_t n)
{
    const char *end = p + n;
    int count = 0;
    const char *nl = memchr(p, '\n', n); /* past the request line */
    while (nl != NULL && nl + 1 < end) {
        p = nl + 1;
        if (*p == '\r' || *p == '\n')
            break; /* the empty line: the end of the block */
        size_t left = (size_t)(end - p);
        if ((left > 15 && h2o_lcstris(p, 15, H2O_STRLIT("content-length:"))) ||
            (left > 18 && h2o_lcstris(p, 18, H2O_STRLIT("transfer-encoding:"))))
            count++;
        nl = memchr(p, '\n', left);
    }
    return count;
}
