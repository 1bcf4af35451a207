/* The deployment's master key: 32 random bytes in a key file beside the
 * database (DB.key, mode 0600), never in the database. Purpose keys are derived
 * from it with libsodium's KDF. */
#ifndef JICENG_LIB_KEYS_H
#define JICENG_LIB_KEYS_H

#include <stddef.h>

typedef struct keys {
    unsigned char master[32];
    unsigned char audit[32];   /* MACs of the audit chain */
    unsigned char pii[32];     /* AEAD of personal data */
    unsigned char lookup[32];  /* keyed hashes for exact lookup of personal data */
} keys_t;

/* The key file path for a database path or URL: "<path>.key" beside an SQLite
 * file; for a PostgreSQL URL $JICENG_KEY_FILE, else "data/jiceng.key". */
void keys_path(char *out, size_t cap, const char *db_url);

/* Create a new key file (refuses to overwrite one). 0 or -1 with err filled. */
int keys_create(const char *key_path, char *err, size_t cap);

/* Load and derive keys. Refuses a file readable by group or others.
 * 0 or -1 with err filled. */
int keys_load(keys_t *k, const char *key_path, char *err, size_t cap);

#endif
