#include "core/token.h"

#include <sodium.h>
#include <string.h>

void token_new(char *out)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int token_well_formed(const char *t)
{
    if (t == NULL)
        return 0;
    size_t n = 0;
    for (; t[n]; n++) {
        char c = t[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
        if (n > TOKEN_CHARS)
            return 0;
    }
    return n == TOKEN_CHARS;
}

void token_hash(char *out, const char *t)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)t, strlen(t));
    sodium_bin2hex(out, TOKEN_HASH_HEX + 1, h, sizeof h);
}

int token_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return 0;
    return n == 0 || sodium_memcmp(a, b, n) == 0;
}
