/* The error catalogue (errors.def) as a table, and the answers made from it. */
#include "api/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"

static const err_info_t catalogue[E__COUNT] = {
#define ERR(id, status, code, zh, en) [E_##id] = {#id, status, code, zh, en},
#include "api/errors.def"
#undef ERR
};

int api_json(api_reply_t *rep, int status, json_t *body)
{
    json_decref(rep->json);
    rep->status = status;
    rep->json = body;
    return 0;
}

int api_error(api_reply_t *rep, const char *lang, int status, const char *code, const char *field, const char *zh,
              const char *en)
{
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", lang && strcmp(lang, "en") == 0 ? en : zh);
    if (field)
        json_object_set_new(err, "field", json_string(field));
    return api_json(rep, status, json_pack("{s:o}", "error", err));
}

const err_info_t *err_info(err_t e)
{
    return &catalogue[e];
}

static const char *message_of(err_t e, const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? catalogue[e].en : catalogue[e].zh;
}

int api_fail(api_reply_t *rep, const char *lang, err_t e, const char *field)
{
    const err_info_t *i = &catalogue[e];
    api_error(rep, lang, i->status, i->code, field, i->zh, i->en);
    return -1;
}

int api_failf(api_reply_t *rep, const char *lang, err_t e, const char *field, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, field);
    vsnprintf(text, sizeof text, message_of(e, lang), ap);
    va_end(ap);
    /* The message is made in the language asked for: the other is never read. */
    api_error(rep, lang, catalogue[e].status, catalogue[e].code, field, text, text);
    return -1;
}

void err_message(char *out, size_t cap, err_t e, const char *lang, ...)
{
    va_list ap;
    va_start(ap, lang);
    vsnprintf(out, cap, message_of(e, lang), ap);
    va_end(ap);
}
