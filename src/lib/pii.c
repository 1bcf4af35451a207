#include "lib/pii.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

char *pii_encrypt(const keys_t *k, const char *field, const char *value)
{
    size_t n = strlen(value);
    size_t raw_len = NONCE + n + TAG;
    unsigned char *raw = xmalloc(raw_len);
    randombytes_buf(raw, NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE, &clen, (const unsigned char *)value, n,
                                               (const unsigned char *)field, strlen(field), NULL, raw, k->pii);
    size_t b64 = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_ORIGINAL);
    char *out = xmalloc(3 + b64);
    memcpy(out, "v1:", 3);
    sodium_bin2base64(out + 3, b64, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    free(raw);
    return out;
}

char *pii_decrypt(const keys_t *k, const char *field, const char *stored)
{
    if (stored == NULL || strncmp(stored, "v1:", 3) != 0)
        return NULL;
    size_t slen = strlen(stored + 3);
    unsigned char *raw = xmalloc(slen + 1);
    size_t raw_len = 0;
    if (sodium_base642bin(raw, slen + 1, stored + 3, slen, NULL, &raw_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        raw_len < NONCE + TAG) {
        free(raw);
        return NULL;
    }
    char *out = xmalloc(raw_len - NONCE - TAG + 1);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL, raw + NONCE, raw_len - NONCE,
                                                   (const unsigned char *)field, strlen(field), raw, k->pii) != 0) {
        free(raw);
        free(out);
        return NULL;
    }
    out[mlen] = '\0';
    free(raw);
    return out;
}

void pii_lookup_hash(char *out, const keys_t *k, const char *field, const char *value)
{
    unsigned char h[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, k->lookup, sizeof k->lookup, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)field, strlen(field) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, PII_HASH_HEX + 1, h, sizeof h);
}
