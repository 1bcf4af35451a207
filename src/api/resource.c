/* The generic operations of a plain resource family (api/resource.h). The
 * dispatcher has already checked the declared query, body and the entity's
 * scope; these do the reading and writing every family does alike, and call
 * the family's rules where it differs. */
#include "api/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "db/copy.h"
#include "api/list.h"
#include "core/path.h"
#include "http/server.h"
#include "lib/util.h"

#define VALS_MAX 64

static const char *id_col(const resource_t *r)
{
    return r->id_column ? r->id_column : "id";
}

static const resource_t *res_of_req(const api_req_t *req)
{
    return req->route->res;
}

static const resource_t *res_of_write(const write_ctx_t *w)
{
    return w->op->res;
}

json_t *res_row(db_t *db, const resource_t *r, int64_t id)
{
    char *sql = db_sql_join(r->columns, " ", r->from, " WHERE ", r->key, " = ?", NULL);
    json_t *row = db_row_one_json(db, sql, "i", id);
    free(sql);
    if (row && r->rules.row)
        r->rules.row(row);
    return row;
}

/* The value of an input for a column: NULL when absent or null. An F_JSON
 * input is stored as its compact text, which *owned then holds (freed by the
 * caller). */
static db_val_t value_of(const field_t *f, const json_t *v, char **owned)
{
    db_val_t x;
    memset(&x, 0, sizeof x);
    if ((v == NULL || json_is_null(v)) && f->type == F_BOOL) {
        x.type = 'i'; /* an absent flag is false */
    } else if (v == NULL || json_is_null(v)) {
        x.type = 'n';
    } else if (f->type == F_INT || f->type == F_BOOL) {
        x.type = 'i';
        x.i = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
    } else if (f->type == F_NUMBER) {
        x.type = 'd';
        x.d = json_number_value(v);
    } else if (f->type == F_JSON) {
        x.type = 't';
        x.s = *owned = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    } else {
        x.type = 't';
        x.s = json_string_value(v);
    }
    return x;
}

/* 1 if input name is written to the column of that name. On a create the
 * org_field is not: the org node goes in org_column, as placed. */
static int is_column(const resource_t *r, const char *name, int creating)
{
    if (strcmp(name, "version") == 0 || (creating && r->org_field && strcmp(name, r->org_field) == 0))
        return 0;
    for (const char *const *n = r->not_columns; n && *n; n++)
        if (strcmp(*n, name) == 0)
            return 0;
    return 1;
}

/* The row's org node, the caller holding perm over it: DB_OK, or DB_NOTFOUND
 * for a row that is missing or out of scope (alike), or an error. */
static int row_org(db_t *db, const write_ctx_t *w, const resource_t *r, uint32_t perm, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, r->entity->org_sql, "i", id);
    return rc == DB_OK ? access_org(db, &w->who, perm, *org, NULL, 0) : rc;
}

static int change_error(const resource_t *r, const write_ctx_t *w, int rc, api_reply_t *rep)
{
    if (rc == DB_UNIQUE && r->unique_error)
        return api_fail(rep, w->lang, *r->unique_error, r->unique_field);
    return api_db_error(rep, w->lang, rc, NULL);
}

static int audit(db_t *db, const write_ctx_t *w, const resource_t *r, const char *what, int64_t id, int64_t org,
                 json_t *in)
{
    char action[64];
    snprintf(action, sizeof action, "%s.%s", r->name, what);
    if (in == NULL || r->not_logged == NULL)
        return audit_append(db, w, action, r->name, id, org, in);
    /* the input as sent, less the texts the resource keeps out of the log */
    json_t *summary = json_copy(in);
    for (const char *const *k = r->not_logged; summary && *k; k++)
        json_object_del(summary, *k);
    int rc = summary ? audit_append(db, w, action, r->name, id, org, summary) : DB_ERR;
    json_decref(summary);
    return rc;
}

/* ---------------------------------------------------------------- reads */

int res_get(api_req_t *req, api_reply_t *rep)
{
    json_t *row = res_row(req->db, res_of_req(req), req->params[0]);
    return row ? api_json(rep, 200, row) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* A list row finished by the resource's rule. */
static void finish_row(json_t *row, void *r)
{
    ((const resource_t *)r)->rules.row(row);
}

int res_list_of(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    const resource_t *r = res_of_req(req);
    int64_t org = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return -1;
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, r->read_perm, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    /* The conditions: the caller's subtree and the filters given. */
    api_list_begin(l, r->columns, r->from, r->key, id_col(r));
    char *cond = db_sql_join(r->org_path, " >= ? AND ", r->org_path, " < ?", NULL);
    api_list_where(l, cond, "tt", lo, hi);
    free(cond);
    int given = 0;
    char figure[96];
    snprintf(figure, sizeof figure, "%s", r->figure ? r->figure : "");
    for (const res_filter_t *f = r->filters; f && f->param; f++) {
        char *v = f->like ? api_like_param(req, f->param) : api_query(req, f->param);
        if (v == NULL)
            continue;
        if (given++ == 0 && r->figure_param && strcmp(f->param, r->figure_param) == 0 && strlen(v) < 64)
            snprintf(figure, sizeof figure, r->figure_of_param, v);
        else
            figure[0] = '\0';
        const field_t *decl = req->route->query;
        while (decl && decl->name && strcmp(decl->name, f->param) != 0)
            decl++;
        if (decl && decl->name && (decl->type == F_INT || decl->type == F_BOOL))
            api_list_where(l, f->sql, "i", (int64_t)strtoll(v, NULL, 10));
        else
            api_list_where(l, f->sql, "t", v);
        free(v);
    }
    /* A kept figure says how many: no count, and a wide subtree in key order. */
    int64_t limit = 50;
    char *sort = api_query(req, "sort");
    int limit_ok = api_query_int(req, "limit", 50, 1, 200, &limit) == 0;
    int wide = limit_ok && r->from_rows_first && sort == NULL &&
               api_subtree_whole(req->db, lo); /* every row is the subtree's: key order reads the page */
    if (figure[0] && limit_ok) {
        l->limit = limit;
        wide |= api_list_counted(req->db, l, lo, path_last_id(lo), figure) && sort == NULL && r->from_rows_first;
    }
    if (wide) {
        l->from = r->from_rows_first;
        api_list_where(l, r->join_on, "");
    }
    free(sort);
    if (r->rules.row) {
        l->row = finish_row;
        l->row_ctx = (void *)r;
    }
    l->places = r->places;
    return 0;
}

int res_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return res_list_of(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* ---------------------------------------------------------------- writes */

static int create_write(db_t *db, const write_ctx_t *w, json_t *in, api_reply_t *rep)
{
    const resource_t *r = res_of_write(w);
    int64_t org = 0, id = 0;
    if (r->rules.place) {
        if (r->rules.place(db, w, in, &org, rep) != 0)
            return -1;
    } else {
        org = json_integer_value(json_object_get(in, r->org_field));
        if (api_org_input(db, w, r->write_perm, org, r->org_field, rep) != 0)
            return -1;
    }
    if (r->rules.before && r->rules.before(db, w, 0, in, rep) != 0)
        return -1;
    strbuf_t cols = {0}, marks = {0};
    strbuf_add(&cols, "INSERT INTO ");
    strbuf_add(&cols, r->table);
    strbuf_add(&cols, " (created_at, updated_at");
    strbuf_add(&marks, "?, ?");
    db_val_t vals[VALS_MAX];
    char *owned[VALS_MAX] = {0};
    int nv = 0;
    vals[nv++] = (db_val_t){'i', w->now, 0, NULL, 0};
    vals[nv++] = (db_val_t){'i', w->now, 0, NULL, 0};
    if (r->org_column) {
        strbuf_add(&cols, ", ");
        strbuf_add(&cols, r->org_column);
        strbuf_add(&marks, ", ?");
        vals[nv++] = (db_val_t){'i', org, 0, NULL, 0};
    }
    for (const field_t *f = r->create; f->name && nv < VALS_MAX; f++) {
        if (!is_column(r, f->name, 1))
            continue;
        strbuf_add(&cols, ", ");
        strbuf_add(&cols, f->name);
        strbuf_add(&marks, ", ?");
        vals[nv] = value_of(f, json_object_get(in, f->name), &owned[nv]);
        nv++;
    }
    char *sql = db_sql_join(cols.s, ") VALUES (", marks.s, ") RETURNING ", id_col(r), NULL);
    free(cols.s);
    free(marks.s);
    db_stmt_t *st = db_qv(db, sql, vals, nv);
    free(sql);
    int rc = st ? db_step(st) : DB_ERR;
    if (rc == DB_ROW) {
        id = db_col_int(st, 0);
        rc = DB_OK;
    }
    db_done(st);
    for (int i = 0; i < nv; i++)
        free(owned[i]);
    if (rc == DB_OK && r->rules.after && r->rules.after(db, w, id, in, rep) != 0)
        return -1;
    if (rc == DB_OK && r->rules.figures)
        rc = r->rules.figures(db, id, +1);
    if (rc == DB_OK)
        rc = audit(db, w, r, "created", id, org, in);
    if (rc != DB_OK)
        return change_error(r, w, rc, rep);
    api_json(rep, 201, res_row(db, r, id));
    return 0;
}

int res_update_row(db_t *db, const write_ctx_t *w, const resource_t *r, int64_t id, json_t *in,
                   api_reply_t *rep)
{
    int64_t org;
    int rc = row_org(db, w, r, r->write_perm, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, r->name);
    char *sql = db_sql_join("SELECT version FROM ", r->table, " WHERE ", id_col(r), " = ?", NULL);
    int stale = api_check_version(db, w, sql, id, in, rep);
    free(sql);
    if (stale != 0)
        return -1;
    if (r->rules.figures && (rc = r->rules.figures(db, id, -1)) != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (r->rules.before && r->rules.before(db, w, id, in, rep) != 0)
        return -1;
    /* One UPDATE of the columns the input names. */
    strbuf_t upd = {0};
    strbuf_add(&upd, "UPDATE ");
    strbuf_add(&upd, r->table);
    strbuf_add(&upd, " SET");
    db_val_t vals[VALS_MAX];
    char *owned[VALS_MAX] = {0};
    int nv = 0;
    for (const field_t *f = r->update; f->name && nv < VALS_MAX - 3; f++) {
        json_t *v = json_object_get(in, f->name);
        if (v == NULL || !is_column(r, f->name, 0))
            continue;
        strbuf_add(&upd, " ");
        strbuf_add(&upd, f->name);
        strbuf_add(&upd, " = ?,");
        vals[nv] = value_of(f, v, &owned[nv]);
        nv++;
    }
    strbuf_add(&upd, " updated_at = ?, version = version + 1 WHERE ");
    strbuf_add(&upd, id_col(r));
    strbuf_add(&upd, " = ?");
    vals[nv++] = (db_val_t){'i', w->now, 0, NULL, 0};
    vals[nv++] = (db_val_t){'i', id, 0, NULL, 0};
    rc = db_execv(db, NULL, upd.s, vals, nv);
    free(upd.s);
    for (int i = 0; i < nv; i++)
        free(owned[i]);
    if (rc != DB_OK)
        return change_error(r, w, rc, rep);
    if (r->rules.after && r->rules.after(db, w, id, in, rep) != 0)
        return -1;
    if (r->rules.figures)
        rc = r->rules.figures(db, id, +1);
    if (rc == DB_OK) /* the org node it sits in now, if it moved */
        rc = db_one_int(db, &org, r->entity->org_sql, "i", id);
    if (rc == DB_OK)
        rc = audit(db, w, r, "updated", id, org, in);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int update_write(db_t *db, const write_ctx_t *w, json_t *in, api_reply_t *rep)
{
    const resource_t *r = res_of_write(w);
    if (res_update_row(db, w, r, w->id, in, rep) != 0)
        return -1;
    api_json(rep, 200, res_row(db, r, w->id));
    return 0;
}

int res_delete_row(db_t *db, const write_ctx_t *w, const resource_t *r, int64_t id, api_reply_t *rep)
{
    int64_t org;
    int rc = row_org(db, w, r, r->write_perm, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, r->name);
    if (r->rules.before && r->rules.before(db, w, id, NULL, rep) != 0)
        return -1;
    if (r->rules.figures)
        rc = r->rules.figures(db, id, -1);
    if (rc == DB_OK)
        rc = audit(db, w, r, "deleted", id, org, NULL);
    char *sql = db_sql_join("DELETE FROM ", r->table, " WHERE ", id_col(r), " = ?", NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, sql, "i", id);
    free(sql);
    if (rc == DB_FOREIGN && r->busy_error)
        return api_fail(rep, w->lang, *r->busy_error, NULL);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int delete_write(db_t *db, const write_ctx_t *w, json_t *in, api_reply_t *rep)
{
    (void)in;
    if (res_delete_row(db, w, res_of_write(w), w->id, rep) != 0)
        return -1;
    rep->status = 204;
    return 0;
}

/* The family's check, then the write with the validated body as it came (it
 * is the audit summary: nothing is added to it; the id travels in w). */
static int queue(api_req_t *req, api_reply_t *rep, write_fn fn)
{
    const resource_t *r = res_of_req(req);
    if (r->rules.check && r->rules.check(req, req->body, rep) != 0)
        return -1;
    json_t *in = req->body;
    req->body = NULL;
    return api_defer_kept(req, fn, in);
}

int res_create(api_req_t *req, api_reply_t *rep)
{
    return queue(req, rep, create_write);
}

int res_update(api_req_t *req, api_reply_t *rep)
{
    return queue(req, rep, update_write);
}

int res_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer_kept(req, delete_write, NULL);
}
