/* Query strings and form bodies: decoding a component and finding a named
 * parameter (application/x-www-form-urlencoded, as Open311's bodies are too).
 * Needs only the C library and the UTF-8 check, so it can be exercised alone
 * (tests/fuzz/query.c). */
#include "api/api.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "lib/util.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode a query component (percent-encoding, '+' as space). NULL if malformed:
 * a bad escape, text that is not UTF-8, or a control character (NUL included;
 * with breaks, tab, CR and LF are text: a form body's block of text). */
char *api_query_decode(const char *s, size_t n, int breaks)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    int ok = strlen(out) == (size_t)(o - out) && utf8_valid(out, (size_t)(o - out));
    for (const unsigned char *c = (const unsigned char *)out; ok && *c; c++)
        ok = (*c >= 0x20 || (breaks && (*c == '\t' || *c == '\r' || *c == '\n'))) && *c != 0x7F &&
             !(c[0] == 0xC2 && c[1] < 0xA0); /* C0, DEL, C1 */
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

char *api_query(const api_req_t *req, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = req->query;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=')
            return api_query_decode(p + nlen + 1, len - nlen - 1, 1);
        if (len == nlen && memcmp(p, name, nlen) == 0)
            return xstrdup("");
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

int api_query_int(const api_req_t *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out)
{
    char *v = api_query(req, name);
    if (v == NULL) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    int ok = v[0] != '\0' && end && *end == '\0' && x >= min && x <= max;
    free(v);
    if (!ok)
        return -1;
    *out = x;
    return 0;
}
