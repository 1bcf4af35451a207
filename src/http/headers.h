/* Reading request header bytes the server looks at itself (h2o parses the rest):
 * a cookie's value in a Cookie header, and the length headers of a raw HTTP/1
 * header block. Bytes in, no h2o request, so they can be exercised alone
 * (tests/fuzz/headers.c). */
#ifndef JICENG_HTTP_HEADERS_H
#define JICENG_HTTP_HEADERS_H

#include <stddef.h>

/* The value of the cookie name in a Cookie header's value p[0..len) ("a=1; b=2"):
 * a pointer into p with *vlen its length, or NULL if the header does not hold it. */
const char *cookie_value(const char *p, size_t len, const char *name, size_t *vlen);

/* How many Content-Length and Transfer-Encoding lines (either case) the HTTP/1
 * header block at the start of p[0..n) holds: the lines after the request line up
 * to the empty line that ends the block (or the end of p). */
int header_block_lengths(const char *p, size_t n);

#endif
