/* The SQLite backend of db.h. */
#include "db/db.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "lib/util.h"

#define STMT_CACHE 512

struct db_stmt {
    sqlite3_stmt *s;
    db_t *db;
    char *sql;
    int busy;
};

struct db {
    sqlite3 *h;
    char *path;
    char err[512];
    db_stmt_t *cache[STMT_CACHE];
};

static uint32_t sql_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int map_rc(db_t *db, int rc)
{
    if (rc == SQLITE_OK)
        return DB_OK;
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    snprintf(db->err, sizeof db->err, "%s", sqlite3_errmsg(db->h));
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return DB_UNIQUE;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return DB_FOREIGN;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
        return DB_CHECK;
    default:
        /* Extended codes are on: SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE, ... are busy too. */
        return (rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED ? DB_BUSY : DB_ERR;
    }
}

int db_open(db_t **out, const char *url, int flags, char *err, size_t cap)
{
    const char *path = url;
    if (strncmp(url, "sqlite:", 7) == 0)
        path = url + 7;
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        snprintf(err, cap, "the PostgreSQL backend is not built into this binary yet");
        return DB_ERR;
    }
    db_t *db = xcalloc(1, sizeof *db);
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (flags & DB_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &db->h, oflags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot open %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return DB_ERR;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, 5000);
    db->path = xstrdup(path);
    const char *setup = "PRAGMA journal_mode=WAL;"
                        "PRAGMA synchronous=FULL;"
                        "PRAGMA foreign_keys=ON;"
                        "PRAGMA cache_size=-16384;";
    char *msg = NULL;
    rc = sqlite3_exec(db->h, setup, NULL, NULL, &msg);
    if (rc == SQLITE_OK && (flags & DB_OPEN_QUERY_ONLY))
        rc = sqlite3_exec(db->h, "PRAGMA query_only=1;", NULL, NULL, &msg);
    /* A savepoint's journal past 64 KiB would otherwise go to a new temporary
     * file, created and deleted for each change. */
    if (rc == SQLITE_OK && (flags & DB_OPEN_WRITER))
        rc = sqlite3_exec(db->h, "PRAGMA temp_store=MEMORY;", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot set up %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        db_close(db);
        return DB_ERR;
    }
    *out = db;
    return DB_OK;
}

void db_close(db_t *db)
{
    if (db == NULL)
        return;
    for (int i = 0; i < STMT_CACHE; i++) {
        if (db->cache[i]) {
            sqlite3_finalize(db->cache[i]->s);
            free(db->cache[i]->sql);
            free(db->cache[i]);
        }
    }
    sqlite3_close(db->h);
    free(db->path);
    free(db);
}

const char *db_errmsg(db_t *db)
{
    return db->err;
}

const char *db_path(db_t *db)
{
    return db->path;
}

int db_exec_script(db_t *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = map_rc(db, rc); /* a busy BEGIN IMMEDIATE is DB_BUSY (503), not an internal error */
        snprintf(db->err, sizeof db->err, "%s", msg ? msg : sqlite3_errmsg(db->h));
        sqlite3_free(msg);
        return code == DB_BUSY ? DB_BUSY : DB_ERR;
    }
    return DB_OK;
}

static db_stmt_t *stmt_get(db_t *db, const char *sql)
{
    uint32_t h = sql_hash(sql);
    for (int probe = 0; probe < STMT_CACHE; probe++) {
        int i = (int)((h + (uint32_t)probe) % STMT_CACHE);
        db_stmt_t *st = db->cache[i];
        if (st == NULL) {
            st = xcalloc(1, sizeof *st);
            int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL);
            if (rc != SQLITE_OK) {
                map_rc(db, rc);
                free(st);
                return NULL;
            }
            st->db = db;
            st->sql = xstrdup(sql);
            db->cache[i] = st;
            return st;
        }
        if (strcmp(st->sql, sql) == 0)
            return st;
    }
    /* The cache is full: a bug (the program has a fixed set of SQL texts). */
    snprintf(db->err, sizeof db->err, "statement cache full");
    return NULL;
}

static db_stmt_t *vquery(db_t *db, const char *sql, const char *types, va_list ap)
{
    db_stmt_t *st = stmt_get(db, sql);
    if (st == NULL)
        return NULL;
    if (st->busy) {
        snprintf(db->err, sizeof db->err, "statement reused before db_done: %.200s", sql);
        return NULL;
    }
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    int n = sqlite3_bind_parameter_count(st->s);
    int i = 0;
    for (const char *t = types ? types : ""; *t; t++) {
        int rc;
        i++;
        switch (*t) {
        case 'i':
            rc = sqlite3_bind_int64(st->s, i, va_arg(ap, int64_t));
            break;
        case 't': {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(st->s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st->s, i);
            break;
        }
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            rc = v ? sqlite3_bind_int64(st->s, i, v) : sqlite3_bind_null(st->s, i);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(st->s, i);
            break;
        case 'd':
            rc = sqlite3_bind_double(st->s, i, va_arg(ap, double));
            break;
        case 'b': {
            const void *bytes = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            rc = sqlite3_bind_blob64(st->s, i, bytes, len, SQLITE_TRANSIENT);
            break;
        }
        default:
            rc = SQLITE_MISUSE;
        }
        if (rc != SQLITE_OK) {
            map_rc(db, rc);
            return NULL;
        }
    }
    if (i != n) {
        snprintf(db->err, sizeof db->err, "statement wants %d parameters, got %d: %.200s", n, i, sql);
        return NULL;
    }
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

int db_step(db_stmt_t *st)
{
    return map_rc(st->db, sqlite3_step(st->s));
}

void db_done(db_stmt_t *st)
{
    if (st == NULL)
        return;
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    st->busy = 0;
}

int db_col_count(db_stmt_t *st)
{
    return sqlite3_column_count(st->s);
}

const char *db_col_name(db_stmt_t *st, int i)
{
    return sqlite3_column_name(st->s, i);
}

int db_col_is_null(db_stmt_t *st, int i)
{
    return sqlite3_column_type(st->s, i) == SQLITE_NULL;
}

int64_t db_col_int(db_stmt_t *st, int i)
{
    return sqlite3_column_int64(st->s, i);
}

const char *db_col_text(db_stmt_t *st, int i)
{
    return (const char *)sqlite3_column_text(st->s, i);
}

static int vexec(db_t *db, int64_t *changes, const char *sql, const char *types, va_list ap)
{
    db_stmt_t *st = vquery(db, sql, types, ap);
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        ;
    db_done(st);
    if (rc != DB_DONE)
        return rc;
    if (changes)
        *changes = sqlite3_changes64(db->h);
    return DB_OK;
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
    json_t *o = json_object();
    int n = db_col_count(st);
    for (int i = 0; i < n; i++) {
        const char *name = db_col_name(st, i);
        size_t len = strlen(name);
        int type = sqlite3_column_type(st->s, i);
        json_t *v;
        if (type == SQLITE_NULL) {
            v = json_null();
        } else if (type == SQLITE_INTEGER) {
            int64_t x = sqlite3_column_int64(st->s, i);
            if (len > 3 && strcmp(name + len - 3, "_at") == 0) {
                char ts[TIME_RFC3339_LEN + 1];
                time_format_rfc3339(ts, x);
                v = json_string(ts);
            } else if (strncmp(name, "is_", 3) == 0) {
                json_object_set_new(o, name + 3, json_boolean(x != 0));
                continue;
            } else {
                v = json_integer(x);
            }
        } else if (type == SQLITE_FLOAT) {
            v = json_real(sqlite3_column_double(st->s, i));
        } else {
            v = json_stringn((const char *)sqlite3_column_text(st->s, i), (size_t)sqlite3_column_bytes(st->s, i));
            if (v == NULL)
                v = json_null();
        }
        if (type == SQLITE_NULL && strncmp(name, "is_", 3) == 0) {
            json_object_set_new(o, name + 3, json_false());
            json_decref(v);
            continue;
        }
        json_object_set_new(o, name, v);
    }
    return o;
}

/* The rows of a query as an array of objects, at most max of them (-1: all);
 * NULL on error. */
static json_t *vrows_json(db_t *db, int max, const char *sql, const char *types, va_list ap)
{
    db_stmt_t *st = vquery(db, sql, types, ap);
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

/* Transaction control runs once or twice per change in the writer: prepared
 * once from the statement cache rather than parsed on every call. */
static int run_cached(db_t *db, const char *sql)
{
    db_stmt_t *st = stmt_get(db, sql);
    if (st == NULL)
        return DB_ERR;
    int rc = sqlite3_step(st->s);
    rc = rc == SQLITE_DONE ? DB_OK : map_rc(db, rc);
    sqlite3_reset(st->s);
    return rc;
}

int db_begin(db_t *db)
{
    return run_cached(db, "BEGIN IMMEDIATE");
}

int db_commit(db_t *db)
{
    return run_cached(db, "COMMIT");
}

int db_rollback(db_t *db)
{
    return run_cached(db, "ROLLBACK");
}

int db_savepoint(db_t *db)
{
    return run_cached(db, "SAVEPOINT sp");
}

int db_release(db_t *db)
{
    return run_cached(db, "RELEASE sp");
}

int db_rollback_to(db_t *db)
{
    int rc = run_cached(db, "ROLLBACK TO sp");
    if (rc == DB_OK)
        rc = run_cached(db, "RELEASE sp");
    return rc;
}

int db_backup(db_t *db, const char *path, char *err, size_t cap)
{
    sqlite3 *dst = NULL;
    if (access(path, F_OK) == 0) {
        snprintf(err, cap, "%s already exists; refusing to overwrite it", path);
        return DB_ERR;
    }
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot create %s: %s", path, dst ? sqlite3_errmsg(dst) : "?");
        sqlite3_close(dst);
        return DB_ERR;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", db->h, "main");
    if (b == NULL) {
        snprintf(err, cap, "backup failed: %s", sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return DB_ERR;
    }
    do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, cap, "backup failed: %s", sqlite3_errstr(rc));
        sqlite3_close(dst);
        return DB_ERR;
    }
    /* The copy is a standalone file: leave it in rollback-journal mode. */
    char *msg = NULL;
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, cap, "backup finish failed: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(dst);
        return DB_ERR;
    }
    sqlite3_close(dst);
    return DB_OK;
}

int db_integrity_check(db_t *db, char *err, size_t cap)
{
    char res[512];
    int rc = db_one_text(db, res, sizeof res, "PRAGMA integrity_check", "");
    if (rc != DB_OK) {
        snprintf(err, cap, "%s", db->err);
        return DB_ERR;
    }
    if (strcmp(res, "ok") != 0) {
        snprintf(err, cap, "%s", res);
        return DB_ERR;
    }
    return DB_OK;
}

int64_t db_data_version(db_t *db)
{
    int64_t v = -1;
    if (db_one_int(db, &v, "PRAGMA data_version", "") != DB_OK)
        return -1;
    return v;
}

const void *db_col_blob(db_stmt_t *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(st->s, i);
    *len = (size_t)sqlite3_column_bytes(st->s, i);
    return p;
}
