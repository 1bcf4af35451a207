/* Personal data at rest: values encrypted with XChaCha20-Poly1305 under the
 * key file's PII key (the field name bound in as associated data, so a value
 * cannot be moved to another column), and a keyed BLAKE2b hash for exact
 * lookup without decrypting. */
#ifndef JICENG_LIB_PII_H
#define JICENG_LIB_PII_H

#include <stddef.h>

#include "lib/keys.h"

#define PII_HASH_HEX 64

/* The stored form of value: "v1:" + base64(nonce || ciphertext). Caller frees. */
char *pii_encrypt(const keys_t *k, const char *field, const char *value);

/* The plain value of a stored form, or NULL if it is not authentic (wrong key,
 * edited, or moved from another field). Caller frees (after sodium_memzero if it
 * wants to be tidy). */
char *pii_decrypt(const keys_t *k, const char *field, const char *stored);

/* out[PII_HASH_HEX + 1] = keyed hash of (field, value). */
void pii_lookup_hash(char *out, const keys_t *k, const char *field, const char *value);

#endif
