/* Telling a file's type by its first bytes (attachments and case photos): what
 * the API believes of an upload, never its name or the client's word. Kept apart
 * from the handlers so it can be exercised alone (tests/fuzz/sniff.c). */
#include "api/internal.h"

#include <string.h>

/* 1 if the ZIP's bytes name an entry beginning with prefix (the names are kept
 * uncompressed in each local header and the central directory). */
static int zip_names(const unsigned char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    for (size_t i = 0; i + 46 + k <= n; i++) {
        if (p[i] != 'P' || memcmp(p + i, "PK\x01\x02", 4) != 0)
            continue;
        size_t len = (size_t)p[i + 28] | (size_t)p[i + 29] << 8;
        if (len >= k && i + 46 + len <= n && memcmp(p + i + 46, prefix, k) == 0)
            return 1;
    }
    return 0;
}

const char *attach_sniff(const unsigned char *p, size_t n, int images_only)
{
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (images_only)
        return NULL;
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return "application/pdf";
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0 && zip_names(p, n, "[Content_Types].xml")) {
        if (zip_names(p, n, "word/"))
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        if (zip_names(p, n, "xl/"))
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    return NULL;
}
