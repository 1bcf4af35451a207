#include "db/migrate.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

int migrate_version(db_t *db)
{
    int64_t v = 0;
    if (db_exec_script(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)") != DB_OK)
        return -1;
    if (db_one_int(db, &v, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "") != DB_OK)
        return -1;
    return (int)v;
}

/* The first line a script starts with when it must run with foreign keys off:
 * SQLite's table rebuild (create the new table, copy, drop the old, rename),
 * whose DROP TABLE would otherwise cascade to the rows referring to the old one. */
static const char fk_off_mark[] = "-- migrate: foreign_keys off\n";

/* Whether a script of this version for this backend carries fk_off_mark. */
static int version_needs_fk_off(db_t *db, int version)
{
    for (const migration_t *m = migrations; m->version; m++) {
        if (m->version == version && (m->dialect == NULL || strcmp(m->dialect, db_dialect(db)) == 0) &&
            strncmp(m->sql, fk_off_mark, sizeof fk_off_mark - 1) == 0)
            return 1;
    }
    return 0;
}

/* Run the scripts of one version that apply to this backend: shared first. */
static int apply_version(db_t *db, int version, const char **name)
{
    for (int shared = 1; shared >= 0; shared--) {
        for (const migration_t *m = migrations; m->version; m++) {
            if (m->version != version || (m->dialect == NULL) != shared)
                continue;
            if (m->dialect && strcmp(m->dialect, db_dialect(db)) != 0)
                continue;
            *name = m->name;
            if (db_exec_script(db, m->sql) != DB_OK)
                return DB_ERR;
        }
    }
    return DB_OK;
}

/* Apply one version in its own transaction. DB_NOTFOUND when there is nothing
 * to do (applied meanwhile, or no migration has this number). With fk_off (the
 * caller turned foreign keys off) the result is checked before the commit. */
static int migrate_one(db_t *db, int version, int fk_off, const char **name)
{
    int64_t done = 0;
    int rc = db_begin(db);
    if (rc != DB_OK) {
        log_error("migration %d cannot start: %s", version, db_errmsg(db));
        return rc;
    }
    /* Another process may have applied it while this one waited for the lock. */
    rc = db_one_int(db, &done, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i", (int64_t)version);
    if (rc == DB_OK && done == 0)
        rc = apply_version(db, version, name);
    if (rc == DB_OK && *name == NULL) {
        db_rollback(db);
        return DB_NOTFOUND;
    }
    if (rc == DB_OK && fk_off) {
        json_t *broken = db_rows_json(db, "PRAGMA foreign_key_check", "");
        if (broken == NULL || json_array_size(broken) > 0) {
            log_error("migration %s would leave %zu rows with a dangling reference", *name,
                      broken ? json_array_size(broken) : (size_t)0);
            rc = DB_ERR;
        }
        json_decref(broken);
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", "iti",
                     (int64_t)version, *name, clock_now());
    if (rc == DB_OK)
        rc = db_commit(db);
    if (rc != DB_OK) {
        log_error("migration %s failed: %s", *name ? *name : "check", db_errmsg(db));
        db_rollback(db);
    }
    return rc;
}

int migrate_up(db_t *db, int *applied)
{
    int have = migrate_version(db);
    int count = 0, newest = 0;
    if (have < 0)
        return DB_ERR;
    for (const migration_t *m = migrations; m->version; m++)
        newest = m->version > newest ? m->version : newest;
    if (have > newest) {
        log_error("database schema version %d is newer than this binary's %d", have, newest);
        return DB_ERR;
    }
    for (int version = have + 1; version <= newest; version++) {
        const char *name = NULL;
        int64_t fk_was = 0;
        /* SQLite takes PRAGMA foreign_keys only outside a transaction. */
        int fk_off = version_needs_fk_off(db, version);
        if (fk_off && (db_one_int(db, &fk_was, "PRAGMA foreign_keys", "") != DB_OK ||
                       db_exec_script(db, "PRAGMA foreign_keys = OFF") != DB_OK)) {
            log_error("migration %d cannot turn foreign keys off: %s", version, db_errmsg(db));
            return DB_ERR;
        }
        int rc = migrate_one(db, version, fk_off, &name);
        if (fk_off && fk_was && db_exec_script(db, "PRAGMA foreign_keys = ON") != DB_OK && rc == DB_OK) {
            log_error("migration %d cannot turn foreign keys back on: %s", version, db_errmsg(db));
            rc = DB_ERR;
        }
        if (rc == DB_NOTFOUND) /* applied meanwhile, or no migration has this number */
            continue;
        if (rc != DB_OK)
            return rc;
        count++;
    }
    if (applied)
        *applied = count;
    return DB_OK;
}
