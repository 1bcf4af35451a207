/* db.h: the only storage interface. Handlers and commands never include a
 * backend's header; only src/db/ does.
 *
 * SQL is written once, with '?' placeholders, in the subset that both SQLite
 * and PostgreSQL 15 run. Values only ever travel as bound parameters.
 * Timestamps are INTEGER unix seconds in columns named *_at. */
#ifndef JICENG_DB_H
#define JICENG_DB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

enum {
    DB_OK = 0,
    DB_ROW = 100,
    DB_DONE = 101,
    DB_ERR = -1,          /* anything unexpected: a bug or a broken database */
    DB_NOTFOUND = -2,     /* no such row (or not visible to the caller) */
    DB_UNIQUE = -3,       /* a UNIQUE or PRIMARY KEY constraint refused the change */
    DB_FOREIGN = -4,      /* a FOREIGN KEY constraint refused the change */
    DB_CHECK = -5,        /* a CHECK or NOT NULL constraint refused the change */
    DB_BUSY = -6,         /* the database stayed locked past the busy timeout */
    DB_UNAVAILABLE = -7,  /* the database server cannot be reached (PostgreSQL): the connection was lost,
                           * or no answer came within the timeout */
    DB_FULL = -8,         /* the storage is full: the change was not written */
    DB_IOERR = -9,        /* the storage failed a read, write or sync: the change is not durable */
};

/* DB_OPEN_WRITER: the server's single writer, which runs every change in a
 * savepoint of a larger transaction: keep those savepoints' journals in memory. */
enum { DB_OPEN_CREATE = 1, DB_OPEN_QUERY_ONLY = 2, DB_OPEN_WRITER = 4 };

/* Open the database named by url: a file path or "sqlite:PATH" (SQLite), or a
 * "postgres://" / "postgresql://" URL (PostgreSQL 15+, libpq syntax). flags:
 * DB_OPEN_*. On success *out owns the connection (db_close frees it). On failure
 * returns a DB_* code and writes a message into err (cap bytes). */
int db_open(db_t **out, const char *url, int flags, char *err, size_t cap);
void db_close(db_t *db);

/* How long a call on a PostgreSQL connection opened afterwards waits for the
 * server (connecting, or one statement's answer) before the connection counts
 * as lost: ms, 0 (the default) for as long as it takes. The server sets it. */
void db_set_timeout_ms(int ms);

/* The same bound for a command (jiceng's CLI, serve's start): connecting and
 * each wait for an answer take at most ms, but a statement still running then
 * is waited for as long as the server answers a new connection within ms (2 s
 * at least): a migration or a copy may rightly run for minutes, a frozen or
 * vanished server ends the command. No statement_timeout is set. */
void db_set_command_timeout_ms(int ms);

/* Wait until the database at url can be connected to (PostgreSQL; SQLite: at
 * once), trying again with the pool's backoff (0.1 s doubling to 2 s) while the
 * server does not answer or is starting, for up to wait_ms; the first failure
 * is logged once. DB_OK; DB_UNAVAILABLE once wait_ms passed; DB_ERR at once when
 * the server answers but refuses (a password, a missing database). err (cap
 * bytes) says why on one line, never with the URL's password. */
int db_wait_reachable(const char *url, int wait_ms, char *err, size_t cap);

/* How many calls on this connection failed with DB_UNAVAILABLE (always 0 on
 * SQLite): a request compares it before and after to tell that the database
 * was out of reach while it ran. */
int64_t db_unreachable(db_t *db);

/* How many calls on this connection failed on the storage (DB_FULL or DB_IOERR:
 * a statement or a commit), and in *last (may be NULL) the last such code: the
 * write pipeline tells by it that a transaction met a full or failing disk even
 * when only one request's statement failed and the rest committed. */
int64_t db_storage_failures(db_t *db, int *last);

/* 1 if url names a PostgreSQL database, else 0. */
int db_url_is_postgres(const char *url);

/* url as a message may show it (cap bytes into out): a PostgreSQL URL's
 * password, if any, replaced by ***. */
void db_url_shown(const char *url, char *out, size_t cap);

/* "sqlite" or "postgres". Only for the few commands that work on one backend
 * (jiceng backup, jiceng demo's bulk path): handlers never branch on it. */
const char *db_dialect(db_t *db);

/* The last error message of this connection (valid until the next call). */
const char *db_errmsg(db_t *db);

/* The file path behind an SQLite connection ("" for others). */
const char *db_path(db_t *db);

/* Run a script of statements without parameters (migrations only). */
int db_exec_script(db_t *db, const char *sql);

/* Prepare (from the connection's cache) and bind a statement.
 * types has one letter per parameter: 'i' int64_t, 'I' int64_t where 0 binds NULL
 * (optional references), 't' const char * (NULL binds NULL), 'd' double, 'b' bytes (two arguments: const void *, size_t),
 * 'n' (no argument) NULL. Returns NULL on error (message in db_errmsg).
 * The statement belongs to the connection: finish with db_done() before the same
 * SQL text is queried again. */
db_stmt_t *db_q(db_t *db, const char *sql, const char *types, ...);

/* Step: DB_ROW, DB_DONE or a negative DB_* code. */
int db_step(db_stmt_t *st);
/* Reset a statement for reuse; always call when finished with it. */
void db_done(db_stmt_t *st);

int db_col_count(db_stmt_t *st);
const char *db_col_name(db_stmt_t *st, int i);
int db_col_is_null(db_stmt_t *st, int i);
int64_t db_col_int(db_stmt_t *st, int i);
/* Text of column i (NULL for SQL NULL); valid until the next step/done. */
const char *db_col_text(db_stmt_t *st, int i);
/* The bytes of a BLOB column and their count (valid until the next step). */
const void *db_col_blob(db_stmt_t *st, int i, size_t *len);

/* One bound value, for statements whose parameters are counted at run time
 * (the generic resource operations): 'i' integer, 'd' double, 't' text (s,
 * NUL-terminated), 'b' bytes (s, n), 'n' NULL. */
typedef struct {
    char type;
    int64_t i;
    double d;
    const char *s;
    size_t n;
} db_val_t;

/* db_q, db_exec and db_rows_json with the n values of vals. */
db_stmt_t *db_qv(db_t *db, const char *sql, const db_val_t *vals, int n);
int db_execv(db_t *db, int64_t *changes, const char *sql, const db_val_t *vals, int n);
json_t *db_rows_jsonv(db_t *db, const char *sql, const db_val_t *vals, int n);

/* Run a statement to completion. Returns DB_OK or a negative DB_* code.
 * *changes (may be NULL) receives the number of rows changed. */
int db_exec(db_t *db, int64_t *changes, const char *sql, const char *types, ...);

/* Run a query expected to give one row with one integer column.
 * DB_OK with *out set, DB_NOTFOUND when there is no row, or an error. */
int db_one_int(db_t *db, int64_t *out, const char *sql, const char *types, ...);

/* Same for one text column; the copy in out (cap bytes) is truncated if needed. */
int db_one_text(db_t *db, char *out, size_t cap, const char *sql, const char *types, ...);

/* The current row as a JSON object keyed by column name: integers as numbers,
 * text as strings, NULL as null; integer columns whose name ends in "_at" become
 * RFC 3339 UTC strings, and columns whose name starts with "is_" become booleans
 * under the name without the prefix. Caller owns the result. */
json_t *db_row_json(db_stmt_t *st);

/* Every row of a query as a JSON array of db_row_json objects. NULL on error. */
json_t *db_rows_json(db_t *db, const char *sql, const char *types, ...);
/* The one row the query gives, as db_row_json makes it; NULL when it gives none,
 * more than one, or fails. Caller owns the object. */
json_t *db_row_one_json(db_t *db, const char *sql, const char *types, ...);

/* Transactions. db_begin takes the write lock at once (BEGIN IMMEDIATE on
 * SQLite). Savepoints nest inside a transaction. */
int db_begin(db_t *db);
int db_commit(db_t *db);
int db_rollback(db_t *db);
int db_savepoint(db_t *db);
int db_release(db_t *db);
int db_rollback_to(db_t *db);
/* 1 when a statement of the current transaction failed and the backend refuses
 * any other until a rollback (PostgreSQL); SQLite only skips the failed one: 0. */
int db_tx_failed(db_t *db);

/* Online backup of the whole database into a new file at path (SQLite; on
 * PostgreSQL it refuses with a pointer to pg_dump / pg_basebackup). */
int db_backup(db_t *db, const char *path, char *err, size_t cap);

/* After a commit failed with DB_IOERR or DB_FULL (and was rolled back): make sure
 * the failed transaction cannot reappear after a crash, as far as the backend can.
 * SQLite: its WAL frames may all be in the page cache after a failed fsync, and WAL
 * recovery at the next start would keep them; an empty commit written over them
 * breaks their checksum chain (its own outcome does not matter). */
void db_bury_failed_commit(db_t *db);

/* SQLite files by path, for jiceng restore. db_sqlite_copy: an online backup
 * of the database file src (opened read-only) into a new file dst, as db_backup
 * writes one. db_sqlite_in_use: 1 if another connection (a server, a command)
 * has the database at path open, 0 if not or there is no such file, -1 (err). */
int db_sqlite_copy(const char *src, const char *dst, char *err, size_t cap);
int db_sqlite_in_use(const char *path, char *err, size_t cap);

/* The page cache (KiB) of each SQLite connection opened from now on: set to kib
 * when kib > 0; returns the value in force. Set once, before the server opens any. */
int db_sqlite_cache_kib(int kib);

/* PRAGMA integrity_check (or the backend's equivalent): DB_OK if sound. */
int db_integrity_check(db_t *db, char *err, size_t cap);

/* A number that changes whenever any connection (or process) commits to the
 * database, as seen from this connection: the key of read caches. */
int64_t db_data_version(db_t *db);

/* The id the connection's last INSERT gave its row (AUTOINCREMENT / identity):
 * DB_OK with *out set, or an error. */
int db_last_id(db_t *db, int64_t *out);

#endif
