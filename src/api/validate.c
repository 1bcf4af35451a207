/* Declared input: a JSON body checked against an operation's fields (api_validate)
 * and copied into its typed input (api_input_fill). Needs no database, so it can be
 * exercised alone (tests/fuzz/body.c). */
#include "api/api.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"
#include "core/utf8.h"
#include "lib/util.h"

/* 1 if s reads as a field or parameter name (a letter, then letters, digits
 * and _, at most 32 characters), and so may be echoed in an error's field. */
int api_name_like(const char *s)
{
    static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    return s[0] && strchr(word, s[0]) && !(s[0] >= '0' && s[0] <= '9') && s[0] != '_' && strlen(s) <= 32 &&
           strspn(s, word) == strlen(s);
}

int api_in_choices(const char *const *choices, const char *s)
{
    for (; choices && *choices; choices++)
        if (strcmp(*choices, s) == 0)
            return 1;
    return 0;
}

int api_validate(const api_req_t *req, const json_t *body, const field_t *fields, api_reply_t *rep)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)body, key, val) {
        const field_t *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (f->name == NULL) /* named only when it reads as a name: a key may be anything */
            return api_fail(rep, req->lang, E_UNKNOWN_FIELD, api_name_like(key) ? key : "body");
    }
    for (const field_t *f = fields; f->name; f++) {
        json_t *v = json_object_get(body, f->name);
        if (v != NULL && json_is_null(v) && f->required == F_NOT_NULL)
            return api_fail(rep, req->lang, E_FIELD_NULL, f->name);
        if (v == NULL || json_is_null(v)) {
            if (f->required == 1)
                return api_fail(rep, req->lang, E_FIELD_REQUIRED, f->name);
            continue;
        }
        switch (f->type) {
        case F_NAME:
            if (!json_is_string(v))
                return api_fail(rep, req->lang, E_FIELD_NOT_STRING, f->name);
            if (!text_name_valid(json_string_value(v), (int)f->min, (int)f->max))
                return api_fail(rep, req->lang, E_FIELD_NAME_INVALID, f->name);
            break;
        case F_TEXT:
        case F_BLOCK:
            if (!json_is_string(v))
                return api_fail(rep, req->lang, E_FIELD_NOT_STRING, f->name);
            if (!(f->type == F_BLOCK ? text_block_valid : text_field_valid)(json_string_value(v), (int)f->min,
                                                                             (int)f->max))
                return api_fail(rep, req->lang, E_FIELD_TEXT_INVALID, f->name);
            break;
        case F_INT:
            if (!json_is_integer(v))
                return api_fail(rep, req->lang, E_FIELD_NOT_INTEGER, f->name);
            if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
                return api_fail(rep, req->lang, E_FIELD_OUT_OF_RANGE, f->name);
            break;
        case F_BOOL:
            if (!json_is_boolean(v))
                return api_fail(rep, req->lang, E_FIELD_NOT_BOOLEAN, f->name);
            break;
        case F_ENUM:
            if (!json_is_string(v) || !api_in_choices(f->choices, json_string_value(v)))
                return api_fail(rep, req->lang, E_FIELD_NOT_ALLOWED, f->name);
            break;
        case F_LIST: {
            size_t i;
            json_t *x;
            if (!json_is_array(v) || (int64_t)json_array_size(v) > f->max)
                return api_fail(rep, req->lang, E_FIELD_NOT_LIST, f->name);
            json_array_foreach(v, i, x) {
                if (!json_is_string(x) || !text_name_valid(json_string_value(x), 1, 50))
                    return api_fail(rep, req->lang, E_FIELD_LIST_ITEM_INVALID, f->name);
            }
            break;
        }
        case F_IDS: {
            size_t i, j;
            json_t *x;
            if (!json_is_array(v) || (int64_t)json_array_size(v) < f->min || (int64_t)json_array_size(v) > f->max)
                return api_failf(rep, req->lang, E_FIELD_NOT_IDS, f->name, (int)f->min, (int)f->max);
            json_array_foreach(v, i, x) {
                if (!json_is_integer(x) || json_integer_value(x) < 1)
                    return api_failf(rep, req->lang, E_FIELD_NOT_IDS, f->name, (int)f->min, (int)f->max);
                for (j = 0; j < i; j++)
                    if (json_integer_value(json_array_get(v, j)) == json_integer_value(x))
                        return api_fail(rep, req->lang, E_FIELD_IDS_REPEATED, f->name);
            }
            break;
        }
        case F_NUMBER:
            if (!json_is_number(v))
                return api_fail(rep, req->lang, E_FIELD_NOT_NUMBER, f->name);
            if (json_number_value(v) < (double)f->min || json_number_value(v) > (double)f->max)
                return api_fail(rep, req->lang, E_FIELD_OUT_OF_RANGE, f->name);
            break;
        case F_JSON: {
            char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            size_t len = text ? strlen(text) : SIZE_MAX;
            free(text);
            if (len > (size_t)f->max)
                return api_fail(rep, req->lang, E_FIELD_OUT_OF_RANGE, f->name);
            break;
        }
        case F_DATE: {
            int64_t t;
            if (!json_is_string(v) || strlen(json_string_value(v)) != 10 ||
                time_parse_rfc3339(json_string_value(v), &t) != 0)
                return api_fail(rep, req->lang, E_FIELD_NOT_DATE, f->name);
            if (!date_within(json_string_value(v), (int)f->min, (int)f->max, api_today_ymd()))
                return api_fail(rep, req->lang, E_FIELD_DATE_OUT_OF_RANGE, f->name);
            break;
        }
        }
    }
    return 0;
}

void api_input_fill(const field_t *fields, const json_t *body, void *out)
{
    uint64_t *given = out;
    *given = 0;
    for (int i = 0; fields[i].name; i++) {
        const field_t *f = &fields[i];
        json_t *v = json_object_get(body, f->name);
        if (f->at == 0 || v == NULL)
            continue;
        if (i < 32)
            *given |= 1ull << (json_is_null(v) ? 32 + i : i);
        if (json_is_null(v))
            continue;
        char *at = (char *)out + f->at - 1;
        switch (f->type) {
        case F_LIST:
        case F_IDS:
            *(const json_t **)at = v;
            break;
        case F_INT:
            *(int64_t *)at = json_integer_value(v);
            break;
        case F_BOOL:
            *(int *)at = json_is_true(v);
            break;
        case F_NUMBER:
            *(double *)at = json_number_value(v);
            break;
        case F_JSON:
            *(const json_t **)at = v;
            break;
        default:
            *(const char **)at = json_string_value(v);
            break;
        }
    }
}

int api_today_ymd(void)
{
    time_t t = (time_t)clock_now() + 8 * 3600; /* the date in Asia/Shanghai */
    struct tm tm;
    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
