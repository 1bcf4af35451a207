/* A JSON request body as the dispatcher and the generic operations take it: decoded
 * as the dispatcher decodes it (jansson, duplicate keys refused, an object only),
 * checked against declared fields (api_validate: unknown keys, required and
 * not-null fields, each field type's rule) and, when valid, copied into a typed
 * input (api_input_fill), whose every member is then read. The declarations
 * below hold one field of every type, with the bounds the families use; the
 * families' own tables need their database-backed files to link. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint64_t given;
    const char *name, *text, *block, *kind, *date;
    int64_t count;
    int flag;
    double ratio;
    const json_t *tags, *ids, *extra;
} input_t;

static const char *const kinds[] = {"grid", "community", "street", NULL};

#define AT(m) (offsetof(input_t, m) + 1)
static const field_t fields[] = {
    {"name", F_NAME, 1, 1, 50, NULL, AT(name)},
    {"text", F_TEXT, 0, 0, 200, NULL, AT(text)},
    {"block", F_BLOCK, F_NOT_NULL, 1, 2000, NULL, AT(block)},
    {"kind", F_ENUM, 0, 0, 0, kinds, AT(kind)},
    {"date", F_DATE, 0, 19000101, 1, NULL, AT(date)},
    {"count", F_INT, 0, 0, 1000000, NULL, AT(count)},
    {"flag", F_BOOL, 0, 0, 0, NULL, AT(flag)},
    {"ratio", F_NUMBER, 0, -180, 180, NULL, AT(ratio)},
    {"tags", F_LIST, 0, 0, 20, NULL, AT(tags)},
    {"ids", F_IDS, 0, 1, 100, NULL, AT(ids)},
    {"extra", F_JSON, 0, 0, 4096, NULL, AT(extra)},
    {"note", F_TEXT, 0, 0, 500, NULL, 0},
    FIELDS_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (body == NULL || !json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    api_req_t req;
    memset(&req, 0, sizeof req);
    strcpy(req.lang, (size & 1) ? "en" : "zh-CN"); /* both languages' messages made */
    api_reply_t rep;
    memset(&rep, 0, sizeof rep);
    if (api_validate(&req, body, fields, &rep) == 0) {
        input_t in;
        memset(&in, 0, sizeof in);
        api_input_fill(fields, body, &in);
        volatile size_t sum = 0;
        for (const char *const *s = &in.name; s <= &in.date; s++)
            sum += *s ? strlen(*s) : 0;
        sum += (size_t)in.count + (size_t)in.flag + (size_t)(in.ratio > 0) + json_array_size(in.tags) +
               json_array_size(in.ids) + (in.extra != NULL);
        (void)sum;
    }
    json_decref(rep.json);
    json_decref(body);
    return 0;
}
