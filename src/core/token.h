/* Session and API tokens: 32 random bytes as unpadded base64url (43 chars).
 * The database keeps only their SHA-256, so a stolen database opens nothing. */
#ifndef JICENG_CORE_TOKEN_H
#define JICENG_CORE_TOKEN_H

#define TOKEN_CHARS 43
#define TOKEN_HASH_HEX 64

/* out[TOKEN_CHARS + 1] gets a fresh random token. */
void token_new(char *out);

/* 1 if t is TOKEN_CHARS base64url characters. */
int token_well_formed(const char *t);

/* out[TOKEN_HASH_HEX + 1] = hex SHA-256 of t. */
void token_hash(char *out, const char *t);

/* Constant-time comparison of two NUL-terminated strings (time depends only
 * on their lengths). */
int token_equal(const char *a, const char *b);

#endif
