/* Personal data at rest: values encrypted with XChaCha20-Poly1305 under the
 * key file's PII key (the field name bound in as associated data, so a value
 * cannot be moved to another column), and a keyed BLAKE2b hash for exact
 * lookup without decrypting. */
#ifndef JICENG_LIB_PII_H
#define JICENG_LIB_PII_H

#include <sodium.h>
#include <stddef.h>

#include "lib/keys.h"

/* The lookup hash as stored: 128 bits of the keyed hash in hex. Plenty for an
 * exact match among a city's values, and half the width of the whole 256-bit
 * digest in the table and its unique index (schema 009 cut the stored ones). */
#define PII_HASH_HEX 32

/* The stored form of value: "v1:" + base64(nonce || ciphertext). Caller frees. */
char *pii_encrypt(const keys_t *k, const char *field, const char *value);

/* The stored form of value written into out (cap bytes, at most
 * PII_STORED_MAX(strlen(value)) needed), without allocating.
 * 0, or -1 when out is too small. */
#define PII_STORED_MAX(n) (3 + sodium_base64_ENCODED_LEN(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (n) + \
                                                             crypto_aead_xchacha20poly1305_ietf_ABYTES,           \
                                                         sodium_base64_VARIANT_ORIGINAL))
int pii_encrypt_into(char *out, size_t cap, const keys_t *k, const char *field, const char *value);

/* The plain value of a stored form, or NULL if it is not authentic (wrong key,
 * edited, or moved from another field). Caller frees (after sodium_memzero if it
 * wants to be tidy). */
char *pii_decrypt(const keys_t *k, const char *field, const char *stored);

/* out[PII_HASH_HEX + 1] = keyed hash of (field, value). */
void pii_lookup_hash(char *out, const keys_t *k, const char *field, const char *value);

/* The last 4 characters of an ID number or a phone as stored for search by
 * tail: 64 bits of their keyed hash in hex (field "person.id_card_tail" or
 * "person.phone_tail"), never the characters themselves. */
#define PII_TAIL_HASH_HEX 16

/* out[PII_TAIL_HASH_HEX + 1] = the stored form of the last 4 characters of value
 * (all of value when shorter) under field. */
void pii_tail_hash(char *out, const keys_t *k, const char *field, const char *value);

/* The same hash for many values of one field: the key and the field are
 * absorbed once by pii_hasher_init, then each pii_hasher_hash starts from a
 * copy of that state. */
typedef struct pii_hasher {
    crypto_generichash_state st;
} pii_hasher_t;
void pii_hasher_init(pii_hasher_t *h, const keys_t *k, const char *field);
void pii_hasher_hash(char *out, const pii_hasher_t *h, const char *value);

/* pii_tail_hash with a hasher made for its field. */
void pii_hasher_tail(char *out, const pii_hasher_t *h, const char *value);

#endif
