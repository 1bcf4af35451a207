/* The error catalogue (errors.def) and the answers made from it. */
#ifndef JICENG_API_ERRORS_H
#define JICENG_API_ERRORS_H

#include <stddef.h>

typedef enum err {
#define ERR(id, status, code, zh, en) E_##id,
#include "api/errors.def"
#undef ERR
    E__COUNT
} err_t;

/* One entry of the catalogue. */
typedef struct err_info {
    const char *id; /* "ORG_NOT_FOUND" */
    int status;
    const char *code, *zh, *en;
} err_info_t;

/* The entry of e (e < E__COUNT). */
const err_info_t *err_info(err_t e);

struct api_reply;
/* Set rep to the error envelope of e ({"error":{"code","message","field"}},
 * the message in lang: English for "en", else Chinese); field may be NULL.
 * Always -1: a write or a handler returns it as it is. */
int api_fail(struct api_reply *rep, const char *lang, err_t e, const char *field);
/* api_fail for a message with printf conversions: the values follow field and
 * fill the zh and the en format alike. Always -1. */
int api_failf(struct api_reply *rep, const char *lang, err_t e, const char *field, ...);
/* The message of e in lang, its conversions filled with the values that
 * follow, into out (cap bytes). For text outside an answer (the CLI). */
void err_message(char *out, size_t cap, err_t e, const char *lang, ...);

#endif
