/* db.c: the public face of db.h. Picks the backend from the URL, turns the bind
 * letters into values, and builds the shared helpers on the backend's operations. */
#include "db/db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "db/backend.h"
#include "lib/util.h"

#define MAX_PARAMS 256

int db_url_is_postgres(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

int db_open(db_t **out, const char *url, int flags, char *err, size_t cap)
{
    if (db_url_is_postgres(url))
        return db_pg_open(out, url, flags, err, cap);
    return db_sqlite_open(out, strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url, flags, err, cap);
}

void db_url_shown(const char *url, char *out, size_t cap)
{
    snprintf(out, cap, "%s", url);
    if (!db_url_is_postgres(url))
        return;
    const char *auth = strstr(url, "://") + 3;
    size_t len = strcspn(auth, "/?#"); /* user:password@host:port */
    const char *at = NULL;
    for (const char *p = auth; p < auth + len; p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon != NULL)
        snprintf(out, cap, "%.*s:***%s", (int)(colon - url), url, at);
}

int db_wait_reachable(const char *url, int wait_ms, char *err, size_t cap)
{
    return db_url_is_postgres(url) ? db_pg_wait(url, wait_ms, err, cap) : DB_OK;
}

void db_close(db_t *db)
{
    if (db)
        db->ops->close(db);
}

const char *db_errmsg(db_t *db)
{
    return db->err;
}

const char *db_path(db_t *db)
{
    return db->ops->path(db);
}

const char *db_dialect(db_t *db)
{
    return db->ops->dialect;
}

int db_exec_script(db_t *db, const char *sql)
{
    return db->ops->exec_script(db, sql);
}

uint64_t db_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static db_stmt_t *vquery(db_t *db, const char *sql, const char *types, va_list ap)
{
    db_val_t vals[MAX_PARAMS];
    int n = 0;
    for (const char *t = types ? types : ""; *t; t++, n++) {
        if (n == MAX_PARAMS) {
            snprintf(db->err, sizeof db->err, "more than %d parameters: %.200s", MAX_PARAMS, sql);
            return NULL;
        }
        db_val_t *v = &vals[n];
        memset(v, 0, sizeof *v);
        v->type = *t;
        switch (*t) {
        case 'i':
            v->i = va_arg(ap, int64_t);
            break;
        case 'I':
            v->i = va_arg(ap, int64_t);
            v->type = v->i ? 'i' : 'n';
            break;
        case 't':
            v->s = va_arg(ap, const char *);
            if (v->s == NULL)
                v->type = 'n';
            break;
        case 'd':
            v->d = va_arg(ap, double);
            break;
        case 'b':
            v->s = va_arg(ap, const void *);
            v->n = va_arg(ap, size_t);
            break;
        case 'n':
            break;
        default:
            snprintf(db->err, sizeof db->err, "unknown bind type '%c': %.200s", *t, sql);
            return NULL;
        }
    }
    db_stmt_t *st = db->ops->query(db, sql, vals, n);
    if (st)
        st->busy = 1;
    return st;
}

db_stmt_t *db_q(db_t *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt_t *st = vquery(db, sql, types, ap);
    va_end(ap);
    return st;
}

db_stmt_t *db_qv(db_t *db, const char *sql, const db_val_t *vals, int n)
{
    if (n > MAX_PARAMS) {
        snprintf(db->err, sizeof db->err, "more than %d parameters: %.200s", MAX_PARAMS, sql);
        return NULL;
    }
    db_stmt_t *st = db->ops->query(db, sql, vals, n);
    if (st)
        st->busy = 1;
    return st;
}

/* Step a bound statement to its end: DB_OK or a DB_* code. */
static int run_to_end(db_t *db, db_stmt_t *st, int64_t *changes)
{
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        ;
    if (rc == DB_DONE && changes)
        *changes = db->ops->changes(db);
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

int db_execv(db_t *db, int64_t *changes, const char *sql, const db_val_t *vals, int n)
{
    db->bind_in_place = 1;
    db_stmt_t *st = db_qv(db, sql, vals, n);
    db->bind_in_place = 0;
    return run_to_end(db, st, changes);
}

int db_step(db_stmt_t *st)
{
    return st->db->ops->step(st);
}

void db_done(db_stmt_t *st)
{
    if (st == NULL)
        return;
    st->db->ops->done(st);
    st->busy = 0;
}

int db_col_count(db_stmt_t *st)
{
    return st->db->ops->col_count(st);
}

const char *db_col_name(db_stmt_t *st, int i)
{
    return st->db->ops->col_name(st, i);
}

int db_col_is_null(db_stmt_t *st, int i)
{
    return st->db->ops->col_type(st, i) == DB_TYPE_NULL;
}

int64_t db_col_int(db_stmt_t *st, int i)
{
    return st->db->ops->col_int(st, i);
}

const char *db_col_text(db_stmt_t *st, int i)
{
    return st->db->ops->col_text(st, i);
}

const void *db_col_blob(db_stmt_t *st, int i, size_t *len)
{
    return st->db->ops->col_blob(st, i, len);
}

static int vexec(db_t *db, int64_t *changes, const char *sql, const char *types, va_list ap)
{
    db->bind_in_place = 1; /* the caller's values outlive this call; db_done unbinds them */
    db_stmt_t *st = vquery(db, sql, types, ap);
    db->bind_in_place = 0;
    return run_to_end(db, st, changes);
}

int db_exec(db_t *db, int64_t *changes, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vexec(db, changes, sql, types, ap);
    va_end(ap);
    return rc;
}

int db_one_int(db_t *db, int64_t *out, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt_t *st = vquery(db, sql, types, ap);
    va_end(ap);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *out = db_col_int(st, 0);
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    return rc;
}

int db_one_text(db_t *db, char *out, size_t cap, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    db_stmt_t *st = vquery(db, sql, types, ap);
    va_end(ap);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        const char *t = db_col_text(st, 0);
        str_copy(out, cap, t ? t : "");
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_done(st);
    return rc;
}

json_t *db_row_json(db_stmt_t *st)
{
    const db_ops_t *ops = st->db->ops;
    json_t *o = json_object();
    int n = ops->col_count(st);
    for (int i = 0; i < n; i++) {
        const char *name = ops->col_name(st, i);
        size_t len = strlen(name);
        int type = ops->col_type(st, i);
        if (strncmp(name, "is_", 3) == 0 && (type == DB_TYPE_NULL || type == DB_TYPE_INT)) {
            json_object_set_new(o, name + 3, json_boolean(type == DB_TYPE_INT && ops->col_int(st, i) != 0));
            continue;
        }
        json_t *v;
        if (type == DB_TYPE_NULL) {
            v = json_null();
        } else if (type == DB_TYPE_INT) {
            int64_t x = ops->col_int(st, i);
            if (len > 3 && strcmp(name + len - 3, "_at") == 0) {
                char ts[TIME_RFC3339_LEN + 1];
                time_format_rfc3339(ts, x);
                v = json_string(ts);
            } else {
                v = json_integer(x);
            }
        } else if (type == DB_TYPE_REAL) {
            v = json_real(ops->col_double(st, i));
        } else {
            const char *text = ops->col_text(st, i);
            v = text ? json_string(text) : NULL;
            if (v == NULL)
                v = json_null();
        }
        json_object_set_new(o, name, v);
    }
    return o;
}

/* The rows of a bound statement as an array of objects, at most max of them
 * (-1: all); NULL on error. */
static json_t *rows_of(db_stmt_t *st, int max)
{
    if (st == NULL)
        return NULL;
    json_t *arr = json_array();
    int rc = DB_DONE;
    while ((max < 0 || (int)json_array_size(arr) < max) && (rc = db_step(st)) == DB_ROW)
        json_array_append_new(arr, db_row_json(st));
    if (max >= 0 && (int)json_array_size(arr) == max)
        rc = db_step(st) == DB_ROW ? DB_ROW : DB_DONE; /* one more row: over the limit */
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *vrows_json(db_t *db, int max, const char *sql, const char *types, va_list ap)
{
    return rows_of(vquery(db, sql, types, ap), max);
}

json_t *db_rows_jsonv(db_t *db, const char *sql, const db_val_t *vals, int n)
{
    return rows_of(db_qv(db, sql, vals, n), -1);
}

json_t *db_rows_json(db_t *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    json_t *arr = vrows_json(db, -1, sql, types, ap);
    va_end(ap);
    return arr;
}

json_t *db_row_one_json(db_t *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    json_t *arr = vrows_json(db, 1, sql, types, ap);
    va_end(ap);
    json_t *row = json_array_size(arr) == 1 ? json_incref(json_array_get(arr, 0)) : NULL;
    json_decref(arr);
    return row;
}

int db_begin(db_t *db)
{
    int rc = db->ops->run(db, db->ops->begin_sql);
    if (rc != DB_OK && db->ops->tx_failed(db)) { /* begun, then the lock failed: undo, keep the error */
        char err[sizeof db->err];
        memcpy(err, db->err, sizeof err);
        db->ops->run(db, "ROLLBACK");
        memcpy(db->err, err, sizeof err);
    }
    return rc;
}

/* A transaction in which a statement failed cannot commit: say so instead of
 * letting COMMIT roll it back silently. */
int db_commit(db_t *db)
{
    if (db->ops->tx_failed(db)) {
        snprintf(db->err, sizeof db->err, "a statement failed in this transaction: not committed");
        return DB_ERR;
    }
    return db->ops->run(db, "COMMIT");
}

int db_rollback(db_t *db)
{
    return db->ops->run(db, "ROLLBACK");
}

int db_savepoint(db_t *db)
{
    return db->ops->run(db, "SAVEPOINT sp");
}

int db_rollback_to(db_t *db)
{
    int rc = db->ops->run(db, "ROLLBACK TO sp");
    return rc == DB_OK ? db->ops->run(db, "RELEASE sp") : rc;
}

/* Releasing the savepoint of a request whose statement failed rolls back to it,
 * so on PostgreSQL too the transaction (the rest of the group) goes on. */
int db_release(db_t *db)
{
    if (db->ops->tx_failed(db))
        return db_rollback_to(db);
    return db->ops->run(db, "RELEASE sp");
}

int64_t db_unreachable(db_t *db)
{
    return db->unreachable;
}

int db_note_storage(db_t *db, int rc)
{
    if (rc == DB_FULL || rc == DB_IOERR) {
        db->storage_failed++;
        db->storage_last = rc;
    }
    return rc;
}

int64_t db_storage_failures(db_t *db, int *last)
{
    if (last != NULL)
        *last = db->storage_last;
    return db->storage_failed;
}

int db_tx_failed(db_t *db)
{
    return db->ops->tx_failed(db);
}

int db_backup(db_t *db, const char *path, char *err, size_t cap)
{
    return db->ops->backup(db, path, err, cap);
}

void db_bury_failed_commit(db_t *db)
{
    if (db->ops->bury_failed_commit != NULL)
        db->ops->bury_failed_commit(db);
}

int db_integrity_check(db_t *db, char *err, size_t cap)
{
    return db->ops->integrity_check(db, err, cap);
}

int64_t db_data_version(db_t *db)
{
    return db->ops->data_version(db);
}

int db_last_id(db_t *db, int64_t *out)
{
    return db->ops->last_id(db, out);
}
