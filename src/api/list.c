/* Lists (api/list.h): the conditions, the total, the keyset page under a sort
 * and the cursor every list shares. */
#include "api/list.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "api/resource.h"
#include "core/timefmt.h"
#include "db/copy.h"
#include "http/server.h"
#include "lib/keys.h"
#include "lib/util.h"

#define SQL_MAX 32768

const api_sort_t *op_sorts(const op_t *op)
{
    if (op == NULL || !(op->flags & RF_PAGED))
        return NULL;
    return op->sorts ? op->sorts : op->res ? op->res->sorts : NULL;
}

void api_list_begin(api_list_t *l, const char *columns, const char *from, const char *key, const char *key_name)
{
    memset(l, 0, sizeof *l);
    l->columns = columns;
    l->from = from;
    l->key = key;
    l->key_name = key_name ? key_name : "id";
    l->known_total = -1;
    l->limit = 50;
    l->cap = 10000;
}

static void add_cond(api_list_t *l, const char *cond)
{
    size_t room = l->wn < sizeof l->where ? sizeof l->where - l->wn : 0;
    int n = snprintf(l->where + l->wn, room, "%s%s", l->wn ? " AND " : "WHERE ", cond);
    if (n < 0 || (size_t)n >= room)
        l->overflow = 1;
    else
        l->wn += (size_t)n;
}

void api_list_wherev(api_list_t *l, const char *cond, const db_val_t *vals, int n)
{
    add_cond(l, cond);
    for (int i = 0; i < n; i++) {
        if (l->nv >= LIST_VALS - 4) { /* room for the cursor's and the limit's */
            l->overflow = 1;
            return;
        }
        l->vals[l->nv++] = vals[i];
    }
}

void api_list_where(api_list_t *l, const char *cond, const char *types, ...)
{
    db_val_t vals[LIST_VALS];
    int n = 0;
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t && n < LIST_VALS; t++, n++) {
        db_val_t *v = &vals[n];
        memset(v, 0, sizeof *v);
        v->type = *t;
        if (*t == 'i' || *t == 'I') {
            v->i = va_arg(ap, int64_t);
            v->type = *t == 'I' && v->i == 0 ? 'n' : 'i';
        } else if (*t == 'd') {
            v->d = va_arg(ap, double);
        } else if (*t == 't') {
            const char *s = va_arg(ap, const char *);
            if (s == NULL || l->nowned >= LIST_VALS) {
                v->type = 'n';
            } else {
                v->s = l->owned[l->nowned++] = xstrdup(s);
            }
        } else {
            v->type = 'n';
        }
    }
    va_end(ap);
    api_list_wherev(l, cond, vals, n);
}

void api_list_end(api_list_t *l)
{
    for (int i = 0; i < l->nowned; i++)
        free(l->owned[i]);
    json_decref(l->after_value);
    l->nowned = 0;
    l->after_value = NULL;
}

/* ---------------------------------------------------------------- kept figures */

int64_t api_subtree_figure(db_t *db, const char *lo, int64_t node, const char *figure)
{
    int64_t n = -1;
    int rc = strcmp(lo, "/") == 0
                 ? db_one_int(db, &n,
                              "SELECT COALESCE(SUM(g.value), 0) FROM org o JOIN org_figure g ON g.org_id = o.id"
                              " AND g.figure = ? WHERE o.parent_id IS NULL",
                              "t", figure)
                 : db_one_int(db, &n, "SELECT value FROM org_figure WHERE org_id = ? AND figure = ?", "it", node,
                              figure);
    return rc == DB_OK ? n : rc == DB_NOTFOUND ? 0 : -1;
}

int api_list_counted(db_t *db, api_list_t *l, const char *lo, int64_t node, const char *figure)
{
    l->known_total = api_subtree_figure(db, lo, node, figure);
    if (l->known_total <= 0)
        return 0;
    int64_t all = strcmp(lo, "/") == 0 ? l->known_total : api_subtree_figure(db, "/", 0, figure);
    return all > 0 && l->known_total * l->known_total > (l->limit + 1) * all;
}

int api_subtree_whole(db_t *db, const char *lo)
{
    if (strcmp(lo, "/") == 0)
        return 1;
    int slashes = 0;
    for (const char *c = lo; *c; c++)
        slashes += *c == '/';
    int64_t roots = 0;
    return slashes == 2 && db_one_int(db, &roots, "SELECT COUNT(*) FROM org WHERE parent_id IS NULL", "") == DB_OK &&
           roots == 1;
}

/* The text of the pattern less its escapes and its final %, and *end, that text
 * and U+10FFFF; NULL for a text with an ASCII letter. */
static char *prefix_range(const char *like, char **end)
{
    *end = NULL;
    for (const char *c = like; *c; c++)
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))
            return NULL; /* LIKE ignores their case (ILIKE on PostgreSQL), a range would not */
    char *start = xstrdup(like), *w = start;
    for (const char *r = like; *r; r++)
        if (*r == '\\' && r[1])
            *w++ = *++r;
        else if (!(*r == '%' && r[1] == '\0'))
            *w++ = *r;
    *w = '\0';
    size_t n = strlen(start) + 5;
    *end = xmalloc(n);
    snprintf(*end, n, "%s\xF4\x8F\xBF\xBF", start); /* U+10FFFF */
    return start;
}

int api_name_prefix_where(db_t *db, api_list_t *l, const char *column, const char *like, int range_anyway,
                          int64_t *matches)
{
    char cond[160];
    char *end = NULL, *start = prefix_range(like, &end);
    *matches = -1;
    if (start == NULL) { /* Latin letters, of either case: the LIKE alone */
        snprintf(cond, sizeof cond, "%s LIKE ? ESCAPE '\\'", column);
        api_list_where(l, cond, "t", like);
        return DB_OK;
    }
    int rc = db_one_int(db, matches,
                        "SELECT COUNT(*) FROM (SELECT 1 FROM person WHERE name >= ? AND name < ?"
                        " AND name LIKE ? ESCAPE '\\' LIMIT ?) t",
                        "ttti", start, end, like, l->cap + 1);
    if (rc == DB_OK && (*matches <= l->cap || range_anyway)) {
        snprintf(cond, sizeof cond, "%s >= ? AND %s < ? AND %s LIKE ? ESCAPE '\\'", column, column, column);
        api_list_where(l, cond, "ttt", start, end, like);
        l->key_off_index = 1;
    } else if (rc == DB_OK) {
        snprintf(cond, sizeof cond, "%s LIKE ? ESCAPE '\\'", column);
        api_list_where(l, cond, "t", like);
    }
    if (rc != DB_OK)
        *matches = -1;
    free(start);
    free(end);
    return rc;
}

/* ---------------------------------------------------------------- the cursor token */

/* Under a sort the cursor is [operation, sort, key, id] sealed with a key of
 * its own: opaque (a name never shows in a URL or a log), any change to it
 * fails, and it is good for that list and that order only. */
static void cursor_key(const keys_t *keys, unsigned char out[crypto_secretbox_KEYBYTES])
{
    crypto_kdf_derive_from_key(out, crypto_secretbox_KEYBYTES, 4, "jccursor", keys->master);
}

static json_t *token_make(const api_list_t *l, const json_t *row)
{
    if (l->keys == NULL) /* no key to seal with (never so for a request or a write) */
        return json_null();
    char sort[40];
    snprintf(sort, sizeof sort, "%s%s", l->desc ? "-" : "", l->sort->name);
    const char *col = l->sort->column ? l->sort->column : l->sort->name;
    json_t *v = json_object_get(row, col), *time = NULL;
    size_t clen = strlen(col);
    int64_t t;
    if (json_is_string(v) && clen > 3 && strcmp(col + clen - 3, "_at") == 0 &&
        time_parse_rfc3339(json_string_value(v), &t) == 0)
        v = time = json_integer(t); /* answered as a time, stored as its number */
    json_t *payload = json_pack("[s, s, O, I]", l->op ? l->op : "", sort, v ? v : json_null(),
                                (json_int_t)json_integer_value(json_object_get(row, l->key_name)));
    char *plain = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    json_decref(time);
    if (plain == NULL)
        return json_null();
    size_t n = strlen(plain), boxed = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *box = xmalloc(boxed), key[crypto_secretbox_KEYBYTES];
    cursor_key(l->keys, key);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n, box, key);
    sodium_memzero(key, sizeof key);
    free(plain);
    size_t cap = sodium_base64_ENCODED_LEN(boxed, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *text = xmalloc(cap);
    sodium_bin2base64(text, cap, box, boxed, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(box);
    json_t *out = json_string(text);
    free(text);
    return out;
}

/* The token's key and id, if it is one this server made for this sort. 0 or -1. */
static int token_read(api_list_t *l, const char *sort, const char *token)
{
    size_t tlen = strlen(token), boxed = 0;
    if (tlen == 0 || tlen > 2048)
        return -1;
    unsigned char *box = xmalloc(tlen), key[crypto_secretbox_KEYBYTES];
    if (sodium_base642bin(box, tlen, token, tlen, NULL, &boxed, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        boxed <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        free(box);
        return -1;
    }
    size_t n = boxed - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *plain = xmalloc(n + 1);
    cursor_key(l->keys, key);
    int bad = crypto_secretbox_open_easy((unsigned char *)plain, box + crypto_secretbox_NONCEBYTES,
                                         boxed - crypto_secretbox_NONCEBYTES, box, key);
    sodium_memzero(key, sizeof key);
    free(box);
    plain[bad ? 0 : n] = '\0';
    json_t *p = bad ? NULL : json_loads(plain, 0, NULL);
    free(plain);
    json_t *v = json_array_get(p, 2);
    const char *op = json_string_value(json_array_get(p, 0)), *made_for = json_string_value(json_array_get(p, 1));
    int ok = json_is_array(p) && json_array_size(p) == 4 && op && strcmp(op, l->op ? l->op : "") == 0 && made_for &&
             strcmp(made_for, sort) == 0 && (json_is_null(v) || json_is_string(v) || json_is_number(v)) &&
             json_is_integer(json_array_get(p, 3));
    if (ok) {
        l->after_value = json_incref(v);
        l->after = json_integer_value(json_array_get(p, 3));
    }
    json_decref(p);
    return ok ? 0 : -1;
}

/* ---------------------------------------------------------------- the page asked for */

const char *api_list_args(api_list_t *l, const op_t *op, const char *sort, const char *after, int64_t limit,
                          int64_t cap, const keys_t *keys)
{
    const api_sort_t *sorts = op_sorts(op);
    l->op = op ? op->name : NULL;
    l->limit = limit;
    l->cap = cap;
    l->keys = keys;
    if (sort) {
        const char *name = sort[0] == '-' ? sort + 1 : sort;
        for (const api_sort_t *s = sorts; s && s->name && !l->sort; s++)
            if (strcmp(s->name, name) == 0)
                l->sort = s;
        if (l->sort == NULL)
            return "sort";
        l->desc = sort[0] == '-';
    }
    if (after == NULL)
        return NULL;
    if (l->sort)
        return keys && token_read(l, sort, after) == 0 ? NULL : "after";
    char *end = NULL;
    long long x = strtoll(after, &end, 10);
    if (after[0] < '0' || after[0] > '9' || *end != '\0' || x < 0)
        return "after";
    l->after = x;
    return NULL;
}

int api_list_query(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    int64_t limit;
    if (api_query_int(req, "limit", 50, 1, 200, &limit) != 0)
        return api_fail(rep, req->lang, E_LIMIT_INVALID, "limit");
    char *sort = api_query(req, "sort"), *after = api_query(req, "after");
    const char *bad = api_list_args(l, req->route, sort, after, limit, req->cfg->list_total_cap, req->keys);
    free(sort);
    free(after);
    if (bad == NULL)
        return 0;
    return strcmp(bad, "sort") == 0 ? api_fail(rep, req->lang, E_QUERY_VALUE_INVALID, "sort")
                                    : api_fail(rep, req->lang, E_CURSOR_INVALID, "after");
}

/* ---------------------------------------------------------------- the page */

static db_val_t value_of(const json_t *v)
{
    if (json_is_integer(v))
        return (db_val_t){'i', json_integer_value(v), 0, NULL, 0};
    if (json_is_real(v))
        return (db_val_t){'d', 0, json_real_value(v), NULL, 0};
    if (json_is_string(v))
        return (db_val_t){'t', 0, 0, json_string_value(v), 0};
    return (db_val_t){'n', 0, 0, NULL, 0};
}

/* After the cursor, and the order: NULL keys last in either direction, the
 * key breaking ties in the sort's direction. */
static size_t page_tail(api_list_t *l, char *out, size_t cap, db_val_t *vals, int *nv)
{
    const char *e = l->sort ? l->sort->sql : NULL, *op = l->desc ? "<" : ">", *dir = l->desc ? " DESC" : "";
    size_t n = 0;
    char cond[512] = "";
    if (e == NULL) {
        op = l->newest_first ? "<" : ">";
        dir = l->newest_first ? " DESC" : "";
        if (l->after > 0 || !l->newest_first) {
            snprintf(cond, sizeof cond, "%s%s %s ?", l->key_off_index ? "+" : "", l->key, op);
            vals[(*nv)++] = (db_val_t){'i', l->after, 0, NULL, 0};
        }
    } else if (l->after_value && json_is_null(l->after_value)) {
        snprintf(cond, sizeof cond, "%s IS NULL AND %s %s ?", e, l->key, op);
        vals[(*nv)++] = (db_val_t){'i', l->after, 0, NULL, 0};
    } else if (l->after_value) {
        /* A row value: an index on (column, key) reads from the cursor on. */
        if (l->sort->nullable)
            snprintf(cond, sizeof cond, "(%s IS NULL OR (%s, %s) %s (?, ?))", e, e, l->key, op);
        else
            snprintf(cond, sizeof cond, "(%s, %s) %s (?, ?)", e, l->key, op);
        vals[(*nv)++] = value_of(l->after_value);
        vals[(*nv)++] = (db_val_t){'i', l->after, 0, NULL, 0};
    }
    if (cond[0])
        n += (size_t)snprintf(out + n, cap - n, " %s %s", l->wn ? "AND" : "WHERE", cond);
    if (e && l->sort->nullable)
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " ORDER BY CASE WHEN %s IS NULL THEN 1 ELSE 0 END,", e);
    else
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " ORDER BY");
    if (e)
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " %s%s,", e, dir);
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " %s%s LIMIT ?", l->key, dir);
    vals[(*nv)++] = (db_val_t){'i', l->limit + 1, 0, NULL, 0};
    return n;
}

json_t *api_list_run(db_t *db, api_list_t *l)
{
    if (l->overflow)
        return NULL;
    char sql[SQL_MAX];
    db_val_t vals[LIST_VALS + 1]; /* + the columns' value */
    memcpy(vals, l->vals, sizeof vals[0] * (size_t)l->nv);
    int64_t total = l->known_total;
    /* Counted up to --list-total-cap (共 N 条), "more" above: counting a city's
     * millions on every page would cost more than the page. */
    if (total < 0) {
        char *count = db_sql_join("SELECT COUNT(*) FROM (SELECT 1 ", l->from, " ", l->where, " LIMIT ?) t", NULL);
        vals[l->nv] = (db_val_t){'i', l->cap + 1, 0, NULL, 0};
        db_stmt_t *st = count ? db_qv(db, count, vals, l->nv + 1) : NULL;
        if (st && db_step(st) == DB_ROW)
            total = db_col_int(st, 0);
        db_done(st);
        free(count);
        if (total < 0)
            return NULL;
    }
    /* The page: the columns' value first (today's date), then the conditions'. */
    int nv = 0;
    if (l->column_arg)
        vals[nv++] = (db_val_t){'t', 0, 0, l->column_arg, 0};
    memcpy(vals + nv, l->vals, sizeof vals[0] * (size_t)l->nv);
    nv += l->nv;
    size_t n = (size_t)snprintf(sql, sizeof sql, "%s %s %s", l->columns, l->from, l->where);
    if (n < sizeof sql)
        n += page_tail(l, sql + n, sizeof sql - n, vals, &nv);
    json_t *items = n < sizeof sql ? db_rows_jsonv(db, sql, vals, nv) : NULL;
    if (items == NULL)
        return NULL;
    json_t *next = json_null();
    if ((int64_t)json_array_size(items) > l->limit) {
        while ((int64_t)json_array_size(items) > l->limit)
            json_array_remove(items, json_array_size(items) - 1);
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        json_decref(next);
        next = l->sort ? token_make(l, last)
                       : json_sprintf("%lld", (long long)json_integer_value(json_object_get(last, l->key_name)));
    }
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) {
        if (l->row)
            l->row(row, l->row_ctx);
    }
    if (l->places && org_places(db, items, l->places) != DB_OK) {
        json_decref(items);
        json_decref(next);
        return NULL;
    }
    int capped = l->known_total < 0 ? total > l->cap : l->known_capped;
    return json_pack("{s:o, s:o, s:I, s:b}", "items", items, "next", next, "total",
                     (json_int_t)(capped ? l->cap : total), "total_capped", capped);
}

int api_list_answer(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    if (api_list_query(req, rep, l) != 0) {
        api_list_end(l);
        return -1;
    }
    json_t *page = api_list_run(req->db, l);
    api_list_end(l);
    return page ? api_json(rep, 200, page) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* ---------------------------------------------------------------- exports */

static int export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org"));
    json_t *sum = json_pack("{s:O, s:O, s:s}", "rows", json_object_get(data, "rows"), "params",
                            json_object_get(data, "params"), "format", "xlsx");
    if (json_object_get(data, "reason")) { /* a full export, and why */
        json_object_set_new(sum, "revealed", json_true());
        json_object_set(sum, "reason", json_object_get(data, "reason"));
    }
    int rc = audit_append_new(db, w, json_string_value(json_object_get(data, "action")), "org", org, org, sum);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_file_answer(rep, data);
}

/* The names of the query's parameters, in order, once each. */
static json_t *query_names(const char *query)
{
    json_t *names = json_array();
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "=&");
        char name[64];
        if (n > 0 && n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            int seen = 0;
            size_t i;
            json_t *v;
            json_array_foreach(names, i, v) seen |= strcmp(json_string_value(v), name) == 0;
            if (!seen)
                json_array_append_new(names, json_string(name));
        }
        p += strcspn(p, "&");
        if (*p == '&')
            p++;
    }
    return names;
}

static json_t *export_cell(const list_col_t *c, const json_t *v)
{
    if (v == NULL || json_is_null(v))
        return json_null();
    for (size_t i = 0; c->values && json_is_string(v) && c->values[i]; i++)
        if (strcmp(c->values[i], json_string_value(v)) == 0)
            return json_string(c->words[i]);
    if (json_is_boolean(v))
        return json_string(json_is_true(v) ? "是" : "否");
    if (json_is_number(v) || json_is_string(v))
        return json_deep_copy(v);
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *out = json_string(text ? text : "");
    free(text);
    return out;
}

int api_list_export(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *sheet, const list_col_t *cols,
                    const char *filename_stem)
{
    api_list_args(l, req->route, NULL, NULL, LIST_EXPORT_MAX, LIST_EXPORT_MAX, req->keys);
    l->places = NULL; /* a workbook writes its own columns only */
    json_t *page = api_list_run(req->db, l);
    api_list_end(l);
    if (page == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *table = json_array(), *head = json_array(), *places = json_object();
    for (const list_col_t *c = cols; c->key; c++) {
        if (strcmp(c->key, LIST_COL_PLACES) == 0) {
            for (int k = 0; k < ORG_PLACE_CELLS; k++)
                json_array_append_new(head, json_string(org_place_headers[k]));
        } else {
            json_array_append_new(head, json_string(c->header));
        }
    }
    json_array_append_new(table, head);
    size_t i;
    json_t *item;
    json_t *items = json_object_get(page, "items");
    int rc = DB_OK;
    json_array_foreach(items, i, item) {
        json_t *row = json_array();
        for (const list_col_t *c = cols; c->key; c++) {
            if (strcmp(c->key, LIST_COL_PLACES) == 0) {
                const char *place[ORG_PLACE_CELLS], *path = json_string_value(json_object_get(item, c->key));
                if (rc == DB_OK)
                    rc = org_place_cells(req->db, places, path ? path : "/", place);
                for (int k = 0; k < ORG_PLACE_CELLS; k++)
                    json_array_append_new(row, json_string(place[k]));
            } else {
                json_array_append_new(row, export_cell(c, json_object_get(item, c->key)));
            }
        }
        json_array_append_new(table, row);
    }
    size_t rows = json_array_size(items);
    json_decref(page);
    json_decref(places);
    if (rc != DB_OK) {
        json_decref(table);
        return api_db_error(rep, req->lang, rc, NULL);
    }
    json_t *book = json_pack("[{s:s, s:o}]", "name", sheet, "rows", table);
    size_t len = 0;
    char *body = book ? xlsx_write_book(book, db_path(req->db), &len) : NULL;
    json_decref(book);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char *b64 = api_base64_wipe(body, len);
    const char *name = req->route->name;
    char action[96], filename[128];
    snprintf(action, sizeof action, "%.*s.exported", (int)strcspn(name, "."), name);
    snprintf(filename, sizeof filename, "%s.xlsx", filename_stem);
    int64_t org = 0;
    char *o = api_query(req, "org");
    if (o)
        org = strtoll(o, NULL, 10);
    free(o);
    json_t *data = json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:s}", "org", (json_int_t)org, "rows", (json_int_t)rows,
                             "params", query_names(req->query), "action", action, "format", "xlsx", "body", b64,
                             "filename", filename);
    free(b64);
    /* A list that takes a full export declares reason and has checked it. */
    char *reason = op_query_declared(req->route, "reason") ? api_query(req, "reason") : NULL;
    if (reason)
        json_object_set_new(data, "reason", json_string(reason));
    free(reason);
    return api_defer(req, export_write, data);
}
