#include "core/tile_url.h"

#include <stdio.h>
#include <string.h>

/* Characters a URL template may hold: unreserved, sub-delims but ',' and ';'
 * and the quote, ':' '/' '?' '#' '@' '%', and the braces of placeholders. */
static int url_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("-._~!$&()*+=:/?#@%{}[]", c) != NULL);
}

int tile_url_origin(const char *tmpl, char *out, size_t cap)
{
    const char *scheme = strncmp(tmpl, "https://", 8) == 0 ? "https" : strncmp(tmpl, "http://", 7) == 0 ? "http" : NULL;
    if (scheme == NULL || strlen(tmpl) > 1000)
        return -1;
    for (const char *p = tmpl; *p; p++)
        if (!url_char((unsigned char)*p))
            return -1;
    if (!strstr(tmpl, "{z}") || !strstr(tmpl, "{x}") || !strstr(tmpl, "{y}"))
        return -1;
    const char *host = tmpl + strlen(scheme) + 3;
    size_t n = strcspn(host, "/?#");
    if (n == 0 || memchr(host, '@', n) != NULL)
        return -1;
    const char *brace = memchr(host, '{', n);
    if (brace != NULL) {
        /* Only a placeholder within the first label: it becomes the wildcard. */
        const char *dot = memchr(host, '.', n);
        if (dot == NULL || brace > dot || memchr(dot, '{', (size_t)(host + n - dot)) != NULL)
            return -1;
        int w = snprintf(out, cap, "%s://*%.*s", scheme, (int)(host + n - dot), dot);
        return w < 0 || (size_t)w >= cap ? -1 : 0;
    }
    int w = snprintf(out, cap, "%s://%.*s", scheme, (int)n, host);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}
