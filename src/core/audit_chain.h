/* The audit chain: each row carries a keyed MAC over its own fields and the
 * previous row's MAC, so editing, deleting or reordering rows is detectable by
 * whoever holds the audit key. */
#ifndef JICENG_CORE_AUDIT_CHAIN_H
#define JICENG_CORE_AUDIT_CHAIN_H

#include <stdint.h>

#define AUDIT_HASH_HEX 64
#define AUDIT_KEY_BYTES 32

typedef struct audit_fields {
    int64_t id;
    int64_t at;
    int64_t actor_id;
    const char *actor_name;
    const char *source;
    const char *action;
    const char *entity;
    int64_t entity_id;
    int64_t org_id;
    const char *summary;    /* compact JSON */
    const char *prev_hash;  /* "" for the first row */
} audit_fields_t;

/* out[AUDIT_HASH_HEX + 1] = hex HMAC-SHA-256 under key of an unambiguous
 * (length-prefixed) encoding of f. NULL strings hash as empty ones. */
void audit_chain_hash(char *out, const unsigned char key[AUDIT_KEY_BYTES], const audit_fields_t *f);

#endif
