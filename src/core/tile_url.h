/* A tile layer's URL template (Leaflet's placeholders {z} {x} {y}, and {s} for a subdomain):
 * whether an operator's template is one the console may load, and the origin
 * a Content-Security-Policy must allow for it. No I/O. */
#ifndef JICENG_CORE_TILE_URL_H
#define JICENG_CORE_TILE_URL_H

#include <stddef.h>

/* The CSP source for template tmpl into out (cap bytes): "https://host[:port]",
 * a host label holding a placeholder ("t{s}.example.cn") becoming the wildcard
 * label ("*.example.cn" after the scheme). 0, or -1 if tmpl is not an http(s) URL holding
 * {z}, {x} and {y} made of URL characters only (no space, quote, ';' or ','
 * that could end a CSP directive), or out is too small. */
int tile_url_origin(const char *tmpl, char *out, size_t cap);

#endif
