/* The audit chain: each row carries a keyed MAC over its own fields and the
 * previous row's MAC, so editing, deleting or reordering rows is detectable by
 * whoever holds the audit key. The chain's head and the operator's anchors
 * carry MACs of their own under the same key. */
#ifndef JICENG_CORE_AUDIT_CHAIN_H
#define JICENG_CORE_AUDIT_CHAIN_H

#include <stdint.h>

#define AUDIT_HASH_HEX 64
#define AUDIT_KEY_BYTES 32

/* MAC formats of a row: 1 (rows written before schema 012) leaves org_path
 * out; 2 covers every stored column. New rows are written with the newest. */
#define AUDIT_MAC_V1 1
#define AUDIT_MAC_V2 2
#define AUDIT_MAC_CURRENT AUDIT_MAC_V2

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
    const char *org_path;   /* the node's path then; covered from version 2 */
    int version;            /* AUDIT_MAC_V1 or AUDIT_MAC_V2; 0 counts as 1 */
} audit_fields_t;

/* out[AUDIT_HASH_HEX + 1] = hex HMAC-SHA-256 under key of an unambiguous
 * (length-prefixed) encoding of f in f->version's format: "jiceng-audit-v1"
 * then id, at, actor_id, actor_name, source, action, entity, entity_id, org_id,
 * summary, prev_hash; "jiceng-audit-v2" then the same and org_path. NULL
 * strings hash as empty ones. */
void audit_chain_hash(char *out, const unsigned char key[AUDIT_KEY_BYTES], const audit_fields_t *f);

/* out[AUDIT_HASH_HEX + 1] = the MAC of the chain's head row: "jiceng-audit-head-v1",
 * the newest row's id and its MAC. */
void audit_head_mac(char *out, const unsigned char key[AUDIT_KEY_BYTES], int64_t last_id, const char *last_hash);

/* out[AUDIT_HASH_HEX + 1] = the MAC of an operator's anchor:
 * "jiceng-audit-anchor-v1", the anchored row's id and MAC, and the time the
 * anchor was taken (text as written in the file). */
void audit_anchor_mac(char *out, const unsigned char key[AUDIT_KEY_BYTES], int64_t last_id, const char *last_hash,
                      const char *taken_at);

#endif
