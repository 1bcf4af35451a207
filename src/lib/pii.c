#include "lib/pii.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "lib/util.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

/* The stored form of value under nonce into out (cap bytes). 0 or -1. */
static int encrypt_with(char *out, size_t cap, const keys_t *k, const char *field, const char *value,
                        const unsigned char *nonce)
{
    size_t n = strlen(value);
    size_t raw_len = NONCE + n + TAG;
    if (cap < PII_STORED_MAX(n))
        return -1;
    unsigned char stack[NONCE + 64 + TAG];
    unsigned char *raw = raw_len <= sizeof stack ? stack : xmalloc(raw_len);
    memcpy(raw, nonce, NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE, &clen, (const unsigned char *)value, n,
                                               (const unsigned char *)field, strlen(field), NULL, raw, k->pii);
    memcpy(out, "v1:", 3);
    sodium_bin2base64(out + 3, cap - 3, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    if (raw != stack)
        free(raw);
    return 0;
}

int pii_encrypt_into(char *out, size_t cap, const keys_t *k, const char *field, const char *value)
{
    unsigned char nonce[NONCE];
    random_fill(nonce, sizeof nonce);
    return encrypt_with(out, cap, k, field, value, nonce);
}

char *pii_encrypt(const keys_t *k, const char *field, const char *value)
{
    size_t cap = PII_STORED_MAX(strlen(value));
    char *out = xmalloc(cap);
    pii_encrypt_into(out, cap, k, field, value);
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

void pii_hasher_init(pii_hasher_t *h, const keys_t *k, const char *field)
{
    crypto_generichash_init(&h->st, k->lookup, sizeof k->lookup, 32);
    crypto_generichash_update(&h->st, (const unsigned char *)field, strlen(field) + 1);
}

void pii_hasher_hash(char *out, const pii_hasher_t *h, const char *value)
{
    unsigned char sum[32];
    crypto_generichash_state st = h->st;
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, sum, sizeof sum);
    /* The first 128 bits of the 256-bit digest: what schema 009 kept of the hashes
     * stored before it, so old and new values compare equal. */
    sodium_bin2hex(out, PII_HASH_HEX + 1, sum, PII_HASH_HEX / 2);
}

void pii_lookup_hash(char *out, const keys_t *k, const char *field, const char *value)
{
    pii_hasher_t h;
    pii_hasher_init(&h, k, field);
    pii_hasher_hash(out, &h, value);
}

void pii_hasher_tail(char *out, const pii_hasher_t *h, const char *value)
{
    char full[PII_HASH_HEX + 1];
    size_t n = strlen(value);
    pii_hasher_hash(full, h, value + (n > 4 ? n - 4 : 0));
    memcpy(out, full, PII_TAIL_HASH_HEX);
    out[PII_TAIL_HASH_HEX] = '\0';
}

void pii_tail_hash(char *out, const keys_t *k, const char *field, const char *value)
{
    pii_hasher_t h;
    pii_hasher_init(&h, k, field);
    pii_hasher_tail(out, &h, value);
}
