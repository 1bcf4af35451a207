/* The SQLite backend of db.h (see backend.h). */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/backend.h"
#include "lib/util.h"

#define STMT_CACHE 2048 /* every SQL text of the program, with room: issue 17 added families (was 512, full on the openapi walk) */
#define STMT_SEEN 256 /* a power of two */

typedef struct {
    db_stmt_t base;
    sqlite3_stmt *s;
} lite_stmt_t;

typedef struct {
    db_t base;
    sqlite3 *h;
    char *path;
    const char *load_sql; /* the INSERT of the load in progress */
    lite_stmt_t *cache[STMT_CACHE];
    /* The statement last found for an SQL text at this address: the texts are
     * nearly all string literals, so the next call with the same address finds
     * it without hashing the text (still compared: an address may be reused). */
    struct {
        const char *sql;
        lite_stmt_t *st;
    } seen[STMT_SEEN];
} lite_t;

#define LITE(db) ((lite_t *)(db))
#define STMT(st) (((lite_stmt_t *)(st))->s)

static int map_rc(db_t *db, int rc)
{
    if (rc == SQLITE_OK)
        return DB_OK;
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    snprintf(db->err, sizeof db->err, "%s", sqlite3_errmsg(LITE(db)->h));
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
        if ((rc & 0xFF) == SQLITE_FULL)
            return db_note_storage(db, DB_FULL);
        if ((rc & 0xFF) == SQLITE_IOERR)
            return db_note_storage(db, DB_IOERR);
        /* Extended codes are on: SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE, ... are busy too. */
        return (rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED ? DB_BUSY : DB_ERR;
    }
}

static void lite_close(db_t *db)
{
    lite_t *l = LITE(db);
    for (int i = 0; i < STMT_CACHE; i++) {
        if (l->cache[i]) {
            sqlite3_finalize(l->cache[i]->s);
            free(l->cache[i]->base.sql);
            free(l->cache[i]);
        }
    }
    sqlite3_close(l->h);
    free(l->path);
    free(l);
}

static const char *lite_path(db_t *db)
{
    return LITE(db)->path;
}

static int lite_exec_script(db_t *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(LITE(db)->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        /* a busy BEGIN IMMEDIATE is DB_BUSY, a full or failing disk DB_FULL or DB_IOERR (503s), not internal errors */
        int code = map_rc(db, rc);
        snprintf(db->err, sizeof db->err, "%s", msg ? msg : sqlite3_errmsg(LITE(db)->h));
        sqlite3_free(msg);
        return code == DB_BUSY || code == DB_FULL || code == DB_IOERR ? code : DB_ERR;
    }
    return DB_OK;
}

static lite_stmt_t *stmt_find(lite_t *l, const char *sql)
{
    uint64_t h = db_hash(sql);
    for (int probe = 0; probe < STMT_CACHE; probe++) {
        int i = (int)((h + (uint64_t)probe) % STMT_CACHE);
        lite_stmt_t *st = l->cache[i];
        if (st == NULL) {
            st = xcalloc(1, sizeof *st);
            int rc = sqlite3_prepare_v3(l->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL);
            if (rc != SQLITE_OK) {
                map_rc(&l->base, rc);
                free(st);
                return NULL;
            }
            st->base.db = &l->base;
            st->base.sql = xstrdup(sql);
            l->cache[i] = st;
            return st;
        }
        if (strcmp(st->base.sql, sql) == 0)
            return st;
    }
    /* The cache is full: a bug (the program has a fixed set of SQL texts). */
    snprintf(l->base.err, sizeof l->base.err, "statement cache full");
    return NULL;
}

static lite_stmt_t *stmt_get(lite_t *l, const char *sql)
{
    size_t i = ((uintptr_t)sql >> 3) & (STMT_SEEN - 1);
    if (l->seen[i].sql == sql && strcmp(l->seen[i].st->base.sql, sql) == 0)
        return l->seen[i].st;
    lite_stmt_t *st = stmt_find(l, sql);
    if (st != NULL) {
        l->seen[i].sql = sql;
        l->seen[i].st = st;
    }
    return st;
}

static db_stmt_t *lite_query(db_t *db, const char *sql, const db_val_t *vals, int n)
{
    lite_stmt_t *st = stmt_get(LITE(db), sql);
    if (st == NULL)
        return NULL;
    if (st->base.busy) {
        snprintf(db->err, sizeof db->err, "statement reused before db_done: %.200s", sql);
        return NULL;
    }
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    int want = sqlite3_bind_parameter_count(st->s);
    if (n != want) {
        snprintf(db->err, sizeof db->err, "statement wants %d parameters, got %d: %.200s", want, n, sql);
        return NULL;
    }
    sqlite3_destructor_type keep = db->bind_in_place ? SQLITE_STATIC : SQLITE_TRANSIENT;
    for (int i = 0; i < n; i++) {
        const db_val_t *v = &vals[i];
        int rc;
        switch (v->type) {
        case 'i':
            rc = sqlite3_bind_int64(st->s, i + 1, v->i);
            break;
        case 't':
            rc = sqlite3_bind_text(st->s, i + 1, v->s, -1, keep);
            break;
        case 'd':
            rc = sqlite3_bind_double(st->s, i + 1, v->d);
            break;
        case 'b':
            rc = sqlite3_bind_blob64(st->s, i + 1, v->s, v->n, keep);
            break;
        default:
            rc = sqlite3_bind_null(st->s, i + 1);
        }
        if (rc != SQLITE_OK) {
            map_rc(db, rc);
            return NULL;
        }
    }
    return &st->base;
}

static int lite_step(db_stmt_t *st)
{
    return map_rc(st->db, sqlite3_step(STMT(st)));
}

static void lite_done(db_stmt_t *st)
{
    sqlite3_reset(STMT(st));
    sqlite3_clear_bindings(STMT(st));
}

static int lite_col_count(db_stmt_t *st)
{
    return sqlite3_column_count(STMT(st));
}

static const char *lite_col_name(db_stmt_t *st, int i)
{
    return sqlite3_column_name(STMT(st), i);
}

static int lite_col_type(db_stmt_t *st, int i)
{
    switch (sqlite3_column_type(STMT(st), i)) {
    case SQLITE_NULL:
        return DB_TYPE_NULL;
    case SQLITE_INTEGER:
        return DB_TYPE_INT;
    case SQLITE_FLOAT:
        return DB_TYPE_REAL;
    case SQLITE_BLOB:
        return DB_TYPE_BLOB;
    default:
        return DB_TYPE_TEXT;
    }
}

static int64_t lite_col_int(db_stmt_t *st, int i)
{
    return sqlite3_column_int64(STMT(st), i);
}

static double lite_col_double(db_stmt_t *st, int i)
{
    return sqlite3_column_double(STMT(st), i);
}

static const char *lite_col_text(db_stmt_t *st, int i)
{
    return (const char *)sqlite3_column_text(STMT(st), i);
}

static const void *lite_col_blob(db_stmt_t *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(STMT(st), i);
    *len = (size_t)sqlite3_column_bytes(STMT(st), i);
    return p;
}

static int64_t lite_changes(db_t *db)
{
    return sqlite3_changes64(LITE(db)->h);
}

static int lite_last_id(db_t *db, int64_t *out)
{
    *out = sqlite3_last_insert_rowid(LITE(db)->h);
    return DB_OK;
}

static db_stmt_t *lite_scan(db_t *db, const char *sql)
{
    return lite_query(db, sql, NULL, 0);
}

static int lite_load_begin(db_t *db, const char *table, const char *columns, const char *insert_sql)
{
    (void)table;
    (void)columns;
    LITE(db)->load_sql = insert_sql;
    return DB_OK;
}

static int lite_load_row(db_t *db, const db_val_t *vals, int n)
{
    db_stmt_t *st = lite_query(db, LITE(db)->load_sql, vals, n);
    if (st == NULL)
        return DB_ERR;
    int rc = lite_step(st);
    lite_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int lite_load_end(db_t *db)
{
    LITE(db)->load_sql = NULL;
    return DB_OK;
}

static int lite_id_high(db_t *db, const char *table, int64_t *out)
{
    *out = 0;
    int rc = db_one_int(db, out, "SELECT seq FROM sqlite_sequence WHERE name = ?", "t", table);
    return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* After rows came in with their ids SQLite's counter is at their highest id; a
 * source whose counter was higher (rows deleted at the end) moves it up. */
static int lite_set_id_high(db_t *db, const char *table, int64_t v)
{
    int64_t changed = 0;
    if (v <= 0)
        return DB_OK;
    int rc = db_exec(db, &changed, "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?", "iti", v, table, v);
    if (rc == DB_OK && changed == 0)
        rc = db_exec(db, NULL,
                     "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS"
                     " (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                     "tit", table, v, table);
    return rc;
}

static int lite_tx_failed(db_t *db)
{
    (void)db;
    return 0;
}

/* Copy the open database src into a new file at path (0600, refusing an
 * existing file) with SQLite's online backup: consistent while others write. */
static int lite_copy(sqlite3 *src, const char *path, char *err, size_t cap)
{
    sqlite3 *dst = NULL;
    int made = file_create_private(path); /* 0600 from the start, never someone else's file */
    if (made != 0) {
        if (made > 0)
            snprintf(err, cap, "%s already exists; refusing to overwrite it", path);
        else
            snprintf(err, cap, "cannot create %s: %s", path, strerror(errno));
        return DB_ERR;
    }
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot create %s: %s", path, dst ? sqlite3_errmsg(dst) : "?");
        sqlite3_close(dst);
        return DB_ERR;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
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

static int lite_backup(db_t *db, const char *path, char *err, size_t cap)
{
    return lite_copy(LITE(db)->h, path, err, cap);
}

static int lite_integrity_check(db_t *db, char *err, size_t cap)
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

static int64_t lite_data_version(db_t *db)
{
    int64_t v = -1;
    if (db_one_int(db, &v, "PRAGMA data_version", "") != DB_OK)
        return -1;
    return v;
}

/* A commit whose WAL fsync failed leaves its frames in the WAL file (in the page
 * cache, maybe on disk), past the end the WAL index knows: a crash before the next
 * commit, and recovery at the next start finds them whole and keeps the transaction
 * that was answered 503. The next commit writes at the same place: one now, touching
 * a single page (the header's user_version, unused, set to what it is), overwrites
 * the failed one's first frame and so breaks the checksum chain of the rest. If this
 * commit fails too, its own frames are what a crash may bring back: nothing. */
static void lite_bury_failed_commit(db_t *db)
{
    char err[sizeof db->err];
    memcpy(err, db->err, sizeof err); /* the caller reports the first failure */
    if (lite_exec_script(db, "BEGIN IMMEDIATE; PRAGMA user_version = 0; COMMIT;") != DB_OK)
        sqlite3_exec(LITE(db)->h, "ROLLBACK", NULL, NULL, NULL);
    memcpy(db->err, err, sizeof err);
}

/* Transaction control runs once or twice per change in the writer: a single
 * statement is prepared once from the statement cache rather than parsed on
 * every call; anything with several statements runs as a script. */
static int lite_run(db_t *db, const char *sql)
{
    if (strchr(sql, ';') != NULL)
        return lite_exec_script(db, sql);
    lite_stmt_t *st = stmt_get(LITE(db), sql);
    if (st == NULL)
        return DB_ERR;
    if (st->base.busy) {
        snprintf(db->err, sizeof db->err, "statement reused before db_done: %.200s", sql);
        return DB_ERR;
    }
    int rc = sqlite3_step(st->s);
    rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? DB_OK : map_rc(db, rc);
    sqlite3_reset(st->s);
    return rc;
}

static const db_ops_t lite_ops = {
    .dialect = "sqlite",
    .close = lite_close,
    .path = lite_path,
    .exec_script = lite_exec_script,
    .run = lite_run,
    .query = lite_query,
    .step = lite_step,
    .done = lite_done,
    .col_count = lite_col_count,
    .col_name = lite_col_name,
    .col_type = lite_col_type,
    .col_int = lite_col_int,
    .col_double = lite_col_double,
    .col_text = lite_col_text,
    .col_blob = lite_col_blob,
    .changes = lite_changes,
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_read_sql = "BEGIN",
    .defer_foreign_keys_sql = "PRAGMA defer_foreign_keys = ON",
    .scan = lite_scan,
    .load_begin = lite_load_begin,
    .load_row = lite_load_row,
    .load_end = lite_load_end,
    /* R*Tree shadow tables (NAME_node, ...) belong to their virtual table */
    .tables_sql = "SELECT name FROM sqlite_master t WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                  " AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table'"
                  " AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND t.name LIKE v.name || '\\_%' ESCAPE '\\')"
                  " ORDER BY name",
    .id_high = lite_id_high,
    .set_id_high = lite_set_id_high,
    .tx_failed = lite_tx_failed,
    .backup = lite_backup,
    .integrity_check = lite_integrity_check,
    .data_version = lite_data_version,
    .last_id = lite_last_id,
    .bury_failed_commit = lite_bury_failed_commit,
};

/* SQLite keeps memory statistics by default, taking a global mutex around every
 * allocation and free: a few per cent of the writer's time per new case, for
 * figures nothing here reads. Set once, before SQLite starts. */
static pthread_once_t lite_once = PTHREAD_ONCE_INIT;

static void lite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

/* Each connection's page cache, in KiB (serve --sqlite-cache-kib). It fills as
 * pages are read, up to this, and is then reused: a server's memory grows with
 * the database until its connections' caches are full. */
static atomic_int cache_kib = 16384;

int db_sqlite_cache_kib(int kib)
{
    if (kib > 0)
        atomic_store(&cache_kib, kib);
    return atomic_load(&cache_kib);
}

int db_sqlite_open(db_t **out, const char *path, int flags, char *err, size_t cap)
{
    pthread_once(&lite_once, lite_setup);
    lite_t *l = xcalloc(1, sizeof *l);
    l->base.ops = &lite_ops;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (flags & DB_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    /* SQLite makes a new database 0644 and its -wal, -shm and -journal with the
     * database file's mode: create it 0600 first, and tighten one made before
     * (its companions too, which SQLite reuses). */
    if ((flags & DB_OPEN_CREATE) && file_create_private(path) < 0) {
        snprintf(err, cap, "cannot create %s: %s", path, strerror(errno));
        free(l);
        return DB_ERR;
    }
    if (!(flags & DB_OPEN_QUERY_ONLY)) {
        static const char *const companions[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof companions / sizeof companions[0]; i++) {
            char p[4096];
            if ((size_t)snprintf(p, sizeof p, "%s%s", path, companions[i]) < sizeof p)
                file_tighten(p);
        }
    }
    int rc = sqlite3_open_v2(path, &l->h, oflags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot open %s: %s", path, l->h ? sqlite3_errmsg(l->h) : "out of memory");
        sqlite3_close(l->h);
        free(l);
        return DB_ERR;
    }
    sqlite3_extended_result_codes(l->h, 1);
    sqlite3_busy_timeout(l->h, 5000);
    l->path = xstrdup(path);
    char setup[160];
    snprintf(setup, sizeof setup,
             "PRAGMA journal_mode=WAL;"
             "PRAGMA synchronous=FULL;"
             "PRAGMA foreign_keys=ON;"
             "PRAGMA cache_size=-%d;",
             atomic_load(&cache_kib));
    char *msg = NULL;
    rc = sqlite3_exec(l->h, setup, NULL, NULL, &msg);
    if (rc == SQLITE_OK && (flags & DB_OPEN_QUERY_ONLY))
        rc = sqlite3_exec(l->h, "PRAGMA query_only=1;", NULL, NULL, &msg);
    /* A savepoint's journal past 64 KiB would otherwise go to a new temporary
     * file, created and deleted for each change. */
    if (rc == SQLITE_OK && (flags & DB_OPEN_WRITER))
        rc = sqlite3_exec(l->h, "PRAGMA temp_store=MEMORY;", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot set up %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        lite_close(&l->base);
        return DB_ERR;
    }
    *out = &l->base;
    return DB_OK;
}

int db_sqlite_copy(const char *src, const char *dst, char *err, size_t cap)
{
    pthread_once(&lite_once, lite_setup);
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(src, &h, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, cap, "cannot open %s: %s", src, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return DB_ERR;
    }
    rc = lite_copy(h, dst, err, cap);
    sqlite3_close(h);
    return rc;
}

int db_sqlite_in_use(const char *path, char *err, size_t cap)
{
    pthread_once(&lite_once, lite_setup);
    if (access(path, F_OK) != 0)
        return 0;
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
    /* Every connection to a WAL database holds a shared lock on it while open:
     * an exclusive one is granted only when no other connection exists. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; ROLLBACK;", NULL, NULL, NULL);
    int busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
    if (rc != SQLITE_OK && !busy)
        snprintf(err, cap, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
    sqlite3_close(h);
    return busy ? 1 : rc == SQLITE_OK ? 0 : -1;
}
