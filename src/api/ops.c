/* The operation table gathered from the families, matched against requests,
 * checked before each handler and printed for `jiceng routes --json`. */
#include "api/op.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/errors.h"
#include "api/internal.h"
#include "api/list.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "core/utf8.h"
#include "lib/util.h"


static const op_t *const families[] = {
#define FAMILY(ops) ops,
#include "api/families.def"
#undef FAMILY
};

static const op_t *table[OPS_MAX];
static int ntable;

static int pattern_ok(const char *p)
{
    if (p == NULL || p[0] != '/')
        return 0;
    for (; *p; p++) {
        if (*p != '{')
            continue;
        if (strncmp(p, "{id}", 4) != 0 && strncmp(p, "{name}", 6) != 0)
            return 0;
    }
    return 1;
}

int ops_init(void)
{
    ntable = 0;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        for (const op_t *op = families[f]; op->pattern != NULL; op++) {
            int ok = op->handler != NULL && op->name != NULL && pattern_ok(op->pattern) &&
                     (op->access == ROUTE_PUBLIC || op->access == ROUTE_USER ||
                      (op->access == ROUTE_PERM && op->perm != 0)) &&
                     (op->entity == NULL || op->access == ROUTE_PERM || op->entity->scope != NULL) &&
                     (!(op->flags & RF_UPLOAD) || op->upload_types != NULL) &&
                     (op->body == NULL || (op->flags & (RF_BODY | RF_BODY_OPTIONAL)));
            for (int i = 0; ok && i < ntable; i++)
                ok = !(table[i]->method == op->method && strcmp(table[i]->pattern, op->pattern) == 0) &&
                     strcmp(table[i]->name, op->name) != 0;
            if (ntable == OPS_MAX) {
                log_error("operation %s: the operation table is full (OPS_MAX %d)", op->name ? op->name : "?",
                          OPS_MAX);
                return -1;
            }
            if (!ok) {
                log_error("operation %s (%s) is malformed, declares no access or repeats another",
                          op->name ? op->name : "?", op->pattern ? op->pattern : "?");
                return -1;
            }
            table[ntable++] = op;
        }
    }
    return 0;
}

int ops_count(void)
{
    return ntable;
}

const op_t *op_at(int i)
{
    return i >= 0 && i < ntable ? table[i] : NULL;
}

int op_index(const op_t *op)
{
    for (int i = 0; i < ntable; i++)
        if (table[i] == op)
            return i;
    return ntable;
}

/* Match one pattern against path; '{id}' takes a positive decimal integer. */
static int match_one(const char *pattern, const char *path, int64_t *params, int *nparams)
{
    const char *p = pattern, *s = path;
    int n = 0;
    while (*p && *s) {
        if (*p == '{' && strncmp(p, "{id}", 4) == 0) {
            if (*s < '1' || *s > '9')
                return 0;
            int64_t v = 0;
            while (*s >= '0' && *s <= '9') {
                if (v > (INT64_MAX - 9) / 10)
                    return 0;
                v = v * 10 + (*s++ - '0');
            }
            if (n < 4)
                params[n++] = v;
            p += 4;
            continue;
        }
        if (*p == '{' && strncmp(p, "{name}", 6) == 0) {
            /* A name: letters, digits, _ and -; the handler reads it from the path. */
            const char *start = s;
            while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
                   *s == '-')
                s++;
            if (s == start)
                return 0;
            p += 6;
            continue;
        }
        if (*p != *s)
            return 0;
        p++, s++;
    }
    if (*p != '\0' || *s != '\0')
        return 0;
    *nparams = n;
    return 1;
}

const op_t *ops_match(int method, const char *path, int64_t *params, int *nparams, int *allow, int test_ops)
{
    *allow = 0;
    const op_t *found = NULL;
    for (int i = 0; i < ntable; i++) {
        int64_t tmp[4];
        int ntmp = 0;
        if (((table[i]->flags & RF_TEST_ONLY) && !test_ops) || !match_one(table[i]->pattern, path, tmp, &ntmp))
            continue;
        *allow |= table[i]->method;
        if (table[i]->method == method && found == NULL) {
            found = table[i];
            memcpy(params, tmp, sizeof tmp);
            *nparams = ntmp;
        }
    }
    return found;
}

/* ---------------------------------------------------------------- checks */

static const field_t *field_named(const field_t *fields, const char *name, size_t len)
{
    for (const field_t *f = fields; f && f->name; f++)
        if (strlen(f->name) == len && memcmp(f->name, name, len) == 0)
            return f;
    return NULL;
}

static int choice_ok(const char *const *choices, const char *s)
{
    for (; choices && *choices; choices++)
        if (strcmp(*choices, s) == 0)
            return 1;
    return 0;
}

/* One declared query parameter's value (decoded). */
static int query_value_ok(const field_t *f, const char *v)
{
    char *end = NULL;
    switch (f->type) {
    case F_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        return v[0] != '\0' && errno == 0 && *end == '\0' && x >= f->min && x <= f->max;
    }
    case F_NUMBER: {
        double x = strtod(v, &end);
        return v[0] != '\0' && *end == '\0' && isfinite(x) && x >= (double)f->min && x <= (double)f->max;
    }
    case F_ENUM:
        return choice_ok(f->choices, v);
    case F_BOOL:
        return strcmp(v, "0") == 0 || strcmp(v, "1") == 0;
    case F_DATE: { /* as a body's date: a real day within the declared bounds */
        int64_t t;
        return strlen(v) == 10 && time_parse_rfc3339(v, &t) == 0 &&
               date_within(v, (int)f->min, (int)f->max, api_today_ymd());
    }
    default: /* text: its length when bounded (min..max); what it means, the handler reads */
        return f->max <= 0 || text_field_valid(v, (int)f->min, (int)f->max);
    }
}

int op_query_declared(const op_t *op, const char *name)
{
    return field_named(op->query, name, strlen(name)) != NULL || (op->flags & RF_OPEN311) ||
           ((op->flags & RF_PAGED) && (strcmp(name, "limit") == 0 || strcmp(name, "after") == 0)) ||
           (strcmp(name, "sort") == 0 && op_sorts(op) != NULL);
}

/* The query's values against the op's declaration: every value of its type,
 * every required one there. api_query_check has already refused malformed
 * encodings and names the op does not declare. */
static int check_query(const api_req_t *req, api_reply_t *rep)
{
    const op_t *op = req->route;
    for (const field_t *f = op->query; f && f->name; f++) {
        char *v = api_query(req, f->name);
        int ok = v == NULL ? f->required != 1 : query_value_ok(f, v);
        int absent = v == NULL;
        free(v);
        if (!ok)
            return api_fail(rep, req->lang, absent ? E_QUERY_REQUIRED : E_QUERY_VALUE_INVALID, f->name);
    }
    if (op->flags & RF_PAGED) {
        int64_t limit, after;
        if (api_page(req, rep, &limit, &after) != 0)
            return -1;
    }
    /* A declared sort by a column the list sorts by (name or -name), before the entity. */
    const api_sort_t *sorts = op_sorts(op);
    char *sort = sorts ? api_query(req, "sort") : NULL;
    int known = sort == NULL;
    for (const api_sort_t *s = sorts; sort && s->name && !known; s++)
        known = strcmp(sort[0] == '-' ? sort + 1 : sort, s->name) == 0;
    free(sort);
    return known ? 0 : api_fail(rep, req->lang, E_QUERY_VALUE_INVALID, "sort");
}

/* The entity the path's first {id} names, in the caller's scope: 0, or -1 with
 * rep 404 (missing and out of scope answer alike). req->entity_org is set. */
static int check_entity(api_req_t *req, api_reply_t *rep)
{
    const entity_t *e = req->route->entity;
    int rc;
    if (e->scope) {
        rc = e->scope(req->db, req->who, req->params[0], &req->entity_org);
    } else {
        rc = db_one_int(req->db, &req->entity_org, e->org_sql, "i", req->params[0]);
        if (rc == DB_OK)
            rc = access_org(req->db, req->who, req->route->perm, req->entity_org, NULL, 0);
    }
    if (rc == DB_OK)
        return 0;
    api_db_error(rep, req->lang, rc, e->name);
    return -1;
}

int op_body_check(const api_req_t *req, const json_t *body, const field_t *fields, const field_err_t *errs,
                  api_reply_t *rep)
{
    if (api_validate(req, body, fields, rep) == 0)
        return 0;
    const char *field = json_string_value(json_object_get(json_object_get(rep->json, "error"), "field"));
    for (const field_err_t *e = errs; field && e && e->field; e++) {
        if (strcmp(e->field, field) == 0) {
            json_decref(rep->json);
            rep->json = NULL;
            return api_fail(rep, req->lang, e->err, e->field);
        }
    }
    return -1;
}

int op_check(api_req_t *req, api_reply_t *rep)
{
    const op_t *op = req->route;
    if (check_query(req, rep) != 0)
        return -1;
    if (op->body != NULL && req->body != NULL && op_body_check(req, req->body, op->body, op->body_errors, rep) != 0)
        return -1;
    if (op->entity != NULL && req->nparams > 0 && req->who != NULL && check_entity(req, rep) != 0)
        return -1;
    return 0;
}

int api_upload_type_ok(const api_req_t *req)
{
    const char *t = req->upload_type;
    if (t == NULL)
        return 1;
    size_t n = strcspn(t, "; \t");
    for (const char *const *s = req->route->upload_types; s && *s; s++)
        if (strlen(*s) == n && strncasecmp(t, *s, n) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- the table as JSON */

static const char *type_name(field_type_t t)
{
    switch (t) {
    case F_TEXT: return "text";
    case F_INT: return "integer";
    case F_BOOL: return "boolean";
    case F_ENUM: return "enum";
    case F_DATE: return "date";
    case F_BLOCK: return "block";
    case F_NAME: return "name";
    case F_NUMBER: return "number";
    case F_LIST: return "list";
    case F_JSON: return "json";
    case F_IDS: return "ids";
    }
    return "?";
}

json_t *ops_fields_json(const field_t *fields)
{
    if (fields == NULL)
        return json_null();
    json_t *out = json_array();
    for (const field_t *f = fields; f->name; f++) {
        json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "name", f->name, "type", type_name(f->type), "required",
                              f->required == 1, "nullable", f->required == 0);
        if (f->type != F_BOOL && f->type != F_ENUM) {
            json_object_set_new(o, "min", json_integer(f->min));
            json_object_set_new(o, "max", json_integer(f->max));
        }
        if (f->choices) {
            json_t *c = json_array();
            for (const char *const *s = f->choices; *s; s++)
                json_array_append_new(c, json_string(*s));
            json_object_set_new(o, "enum", c);
        }
        json_array_append_new(out, o);
    }
    return out;
}

json_t *ops_body_json(const field_t *fields, const field_t *more)
{
    json_t *body = ops_fields_json(fields);
    json_t *rest = ops_fields_json(more);
    if (json_is_array(rest))
        json_array_extend(body, rest);
    json_decref(rest);
    return json_pack("{s:o, s:b}", "body", body, "body_in_handler", 1);
}

static const char *access_name(const op_t *op)
{
    if (op->access == ROUTE_PUBLIC)
        return "public";
    if (op->access == ROUTE_USER)
        return "authenticated";
    return op->perm == PERM_ALL ? "all" : perm_name(op->perm);
}

/* What RF_PAGED adds, as api_page reads it: the page size and the cursor (the last id of the page before). */
static const field_t page_query[] = {
    {"limit", F_INT, 0, 1, 200, NULL, 0},
    {"after", F_INT, 0, 0, INT64_MAX, NULL, 0},
    FIELDS_END,
};

/* With a sort the cursor is a token (api/list.h): text. */
static const field_t sorted_page_query[] = {
    {"limit", F_INT, 0, 1, 200, NULL, 0},
    {"after", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

/* ?sort=: each declared column, ascending or (-name) descending. */
static json_t *sort_json(const api_sort_t *sorts)
{
    json_t *names = json_array();
    for (const api_sort_t *s = sorts; s->name; s++) {
        json_array_append_new(names, json_string(s->name));
        json_array_append_new(names, json_sprintf("-%s", s->name));
    }
    return json_pack("{s:s, s:s, s:b, s:b, s:o}", "name", "sort", "type", "enum", "required", 0, "nullable", 1,
                     "enum", names);
}

json_t *ops_json(void)
{
    static const struct { unsigned bit; const char *name; } flag_names[] = {
        {RF_BODY, "body"},       {RF_BODY_OPTIONAL, "body_optional"}, {RF_TEST_ONLY, "test_only"},
        {RF_NO_REPLAY, "no_replay"}, {RF_UPLOAD, "upload"},         {RF_OPEN311, "open311"},
        {RF_PAGED, "paged"},     {RF_WRITES, "writes"},
    };
    static const char *const methods[] = {"", "GET", "POST", "", "PATCH", "", "", "", "DELETE", "", "", "", "",
                                          "", "", "", "PUT"};
    json_t *out = json_array();
    for (int i = 0; i < ntable; i++) {
        const op_t *op = table[i];
        json_t *flags = json_array();
        for (size_t b = 0; b < sizeof flag_names / sizeof flag_names[0]; b++)
            if (op->flags & flag_names[b].bit)
                json_array_append_new(flags, json_string(flag_names[b].name));
        json_t *query = ops_fields_json(op->query);
        if (json_is_null(query)) {
            json_decref(query);
            query = json_array();
        }
        if (op->flags & RF_PAGED) {
            const api_sort_t *sorts = op_sorts(op);
            json_t *page = ops_fields_json(sorts ? sorted_page_query : page_query);
            json_array_extend(query, page);
            json_decref(page);
            if (sorts)
                json_array_append_new(query, sort_json(sorts));
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "name", op->name, "method", methods[op->method],
                              "pattern", op->pattern, "access", access_name(op), "flags", flags, "body",
                              ops_fields_json(op->body), "query", query);
        json_object_set_new(o, "entity", op->entity ? json_string(op->entity->name) : json_null());
        if (op->upload_types) {
            json_t *t = json_array();
            for (const char *const *s = op->upload_types; *s; s++)
                json_array_append_new(t, json_string(*s));
            json_object_set_new(o, "upload_types", t);
        }
        if (op->describe) {
            json_t *more = op->describe();
            json_object_update(o, more);
            json_decref(more);
        }
        json_array_append_new(out, o);
    }
    return out;
}
