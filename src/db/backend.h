/* backend.h: what a storage backend provides to db.c. Only src/db/ includes it.
 *
 * db.c owns the public db.h functions: it parses the bind letters, dispatches to
 * the backend's operations and builds the shared helpers (db_exec, db_one_*,
 * db_row_json) on top of them, so both backends answer exactly alike. */
#ifndef JICENG_DB_BACKEND_H
#define JICENG_DB_BACKEND_H

#include "db/db.h"

/* The storage class of a result column's value in the current row. */
enum { DB_TYPE_NULL, DB_TYPE_INT, DB_TYPE_REAL, DB_TYPE_TEXT, DB_TYPE_BLOB };

typedef struct db_ops {
    const char *dialect; /* "sqlite" or "postgres" */
    void (*close)(db_t *db);
    const char *(*path)(db_t *db);
    /* Run a migration script (in the backend's DDL words). */
    int (*exec_script)(db_t *db, const char *sql);
    /* Run statements without parameters as they are: DB_OK or a DB_* code. */
    int (*run)(db_t *db, const char *sql);
    /* Prepare (cached by SQL text) and bind; NULL with db->err set on error. */
    db_stmt_t *(*query)(db_t *db, const char *sql, const db_val_t *vals, int n);
    int (*step)(db_stmt_t *st);
    void (*done)(db_stmt_t *st);
    int (*col_count)(db_stmt_t *st);
    const char *(*col_name)(db_stmt_t *st, int i);
    int (*col_type)(db_stmt_t *st, int i);
    int64_t (*col_int)(db_stmt_t *st, int i);
    double (*col_double)(db_stmt_t *st, int i);
    const char *(*col_text)(db_stmt_t *st, int i);
    const void *(*col_blob)(db_stmt_t *st, int i, size_t *len);
    /* Rows changed by the last statement run to completion. */
    int64_t (*changes)(db_t *db);
    /* What starts a write transaction holding the write lock, and what starts a
     * read transaction in which every query sees one snapshot. */
    const char *begin_sql;
    const char *begin_read_sql;
    /* Check foreign keys at the commit of the open transaction, not per statement. */
    const char *defer_foreign_keys_sql;
    /* A query without parameters whose rows may be too many to hold at once
     * (one at a time per connection; db_done ends it). NULL on error. */
    db_stmt_t *(*scan)(db_t *db, const char *sql);
    /* Loading many rows into one table (copy-data): begin with the table, its
     * column list "a, b, c" and the equivalent "INSERT ... VALUES (?, ...)", then
     * one call a row, then end (which reports a failed row if not before).
     * SQLite runs the prepared INSERT; PostgreSQL streams COPY FROM STDIN. */
    int (*load_begin)(db_t *db, const char *table, const char *columns, const char *insert_sql);
    int (*load_row)(db_t *db, const db_val_t *vals, int n);
    int (*load_end)(db_t *db);
    /* The user tables, one name a row. */
    const char *tables_sql;
    /* The highest id ever given in table (AUTOINCREMENT / identity), 0 if it has
     * none; and setting it after rows were copied in with their ids. */
    int (*id_high)(db_t *db, const char *table, int64_t *out);
    int (*set_id_high)(db_t *db, const char *table, int64_t v);
    /* 1 if a statement failed in the open transaction and only a rollback (to a
     * savepoint) may follow: PostgreSQL's rule; SQLite just skips that statement. */
    int (*tx_failed)(db_t *db);
    int (*backup)(db_t *db, const char *path, char *err, size_t cap);
    int (*integrity_check)(db_t *db, char *err, size_t cap);
    int64_t (*data_version)(db_t *db);
    /* The id given by the connection's last INSERT (db_last_id). */
    int (*last_id)(db_t *db, int64_t *out);
    /* After a commit failed on the storage: make sure the failed transaction cannot
     * come back at a crash (db_bury_failed_commit). NULL: nothing to do. */
    void (*bury_failed_commit)(db_t *db);
} db_ops_t;

/* The head of every backend's connection and statement structs. */
struct db {
    const db_ops_t *ops;
    char err[512];
    /* Set by db_exec around its query, step and reset: the bound values stay
     * where the caller has them until the statement is done with them, so
     * SQLite may use them in place instead of copying each one. */
    int bind_in_place;
    int64_t unreachable; /* calls failed with DB_UNAVAILABLE (db_unreachable) */
    int64_t storage_failed; /* calls failed with DB_FULL or DB_IOERR (db_storage_failures) */
    int storage_last;       /* the last of those codes */
};

/* A backend's error code on its way out: rc, counted first when it is DB_FULL or DB_IOERR. */
int db_note_storage(db_t *db, int rc);

struct db_stmt {
    db_t *db;
    char *sql;
    int busy; /* between db_q and db_done */
};

/* Open a backend connection (url without any "sqlite:" prefix for SQLite). */
int db_sqlite_open(db_t **out, const char *path, int flags, char *err, size_t cap);
int db_pg_open(db_t **out, const char *url, int flags, char *err, size_t cap);
int db_pg_wait(const char *url, int wait_ms, char *err, size_t cap);

/* 64-bit FNV-1a of a string: statement cache slots and version hashes. */
uint64_t db_hash(const char *s);

#endif
