#include "core/audit_chain.h"

#include <sodium.h>
#include <string.h>

static void put_int(crypto_auth_hmacsha256_state *st, int64_t v)
{
    unsigned char b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8)
        b[i] = (unsigned char)(u & 0xFF);
    crypto_auth_hmacsha256_update(st, b, sizeof b);
}

static void put_text(crypto_auth_hmacsha256_state *st, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_int(st, (int64_t)n);
    if (n)
        crypto_auth_hmacsha256_update(st, (const unsigned char *)s, n);
}

static void finish(char *out, crypto_auth_hmacsha256_state *st)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(st, mac);
    sodium_bin2hex(out, AUDIT_HASH_HEX + 1, mac, sizeof mac);
}

void audit_chain_hash(char *out, const unsigned char key[AUDIT_KEY_BYTES], const audit_fields_t *f)
{
    int v2 = f->version >= AUDIT_MAC_V2;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, AUDIT_KEY_BYTES);
    put_text(&st, v2 ? "jiceng-audit-v2" : "jiceng-audit-v1");
    put_int(&st, f->id);
    put_int(&st, f->at);
    put_int(&st, f->actor_id);
    put_text(&st, f->actor_name);
    put_text(&st, f->source);
    put_text(&st, f->action);
    put_text(&st, f->entity);
    put_int(&st, f->entity_id);
    put_int(&st, f->org_id);
    put_text(&st, f->summary);
    put_text(&st, f->prev_hash);
    if (v2)
        put_text(&st, f->org_path);
    finish(out, &st);
}

void audit_head_mac(char *out, const unsigned char key[AUDIT_KEY_BYTES], int64_t last_id, const char *last_hash)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, AUDIT_KEY_BYTES);
    put_text(&st, "jiceng-audit-head-v1");
    put_int(&st, last_id);
    put_text(&st, last_hash);
    finish(out, &st);
}

void audit_anchor_mac(char *out, const unsigned char key[AUDIT_KEY_BYTES], int64_t last_id, const char *last_hash,
                      const char *taken_at)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, AUDIT_KEY_BYTES);
    put_text(&st, "jiceng-audit-anchor-v1");
    put_int(&st, last_id);
    put_text(&st, last_hash);
    put_text(&st, taken_at);
    finish(out, &st);
}
