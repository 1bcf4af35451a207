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

/* SQLite rebuilds a table (create the new one, copy, drop the old, rename) only
 * with its foreign keys off, and a transaction cannot turn them off: they are off
 * around the migrations and checked before each one commits. */
static int foreign_keys(db_t *db, int on)
{
    if (strcmp(db_dialect(db), "sqlite") != 0)
        return DB_OK;
    return db_exec_script(db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
}

static int foreign_keys_hold(db_t *db)
{
    int64_t broken = 0;
    if (strcmp(db_dialect(db), "sqlite") != 0)
        return DB_OK;
    int rc = db_one_int(db, &broken, "SELECT COUNT(*) FROM pragma_foreign_key_check", "");
    if (rc == DB_OK && broken > 0) {
        log_error("migration leaves %lld rows whose foreign key has no parent", (long long)broken);
        return DB_ERR;
    }
    return rc;
}

/* Has this binary a migration numbered version that the database has not recorded? */
static int missing(db_t *db, int version)
{
    int64_t done = 0;
    for (const migration_t *m = migrations; m->version; m++)
        if (m->version == version)
            return db_one_int(db, &done, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i",
                              (int64_t)version) == DB_OK &&
                   done == 0;
    return 0;
}

static int migrate_missing(db_t *db, int newest, int *applied);

int migrate_up(db_t *db, int *applied)
{
    int have = migrate_version(db);
    int newest = 0, pending = 0;
    if (have < 0)
        return DB_ERR;
    for (const migration_t *m = migrations; m->version; m++)
        newest = m->version > newest ? m->version : newest;
    if (have > newest) {
        log_error("database schema version %d is newer than this binary's %d", have, newest);
        return DB_ERR;
    }
    for (int version = 1; version <= newest && !pending; version++)
        pending = missing(db, version);
    if (applied)
        *applied = 0;
    if (!pending)
        return DB_OK;
    if (foreign_keys(db, 0) != DB_OK)
        return DB_ERR;
    int rc = migrate_missing(db, newest, applied);
    if (foreign_keys(db, 1) != DB_OK && rc == DB_OK)
        rc = DB_ERR;
    return rc;
}

/* Every version the database has not recorded, in order: also one numbered below
 * the newest applied (two branches may each add a migration and be merged in
 * either order). */
static int migrate_missing(db_t *db, int newest, int *applied)
{
    int count = 0;
    for (int version = 1; version <= newest; version++) {
        const char *name = NULL;
        int64_t done = 0;
        if (!missing(db, version))
            continue;
        int rc = db_begin(db);
        if (rc != DB_OK) {
            log_error("migration %d cannot start: %s", version, db_errmsg(db));
            return rc;
        }
        /* Another process may have applied it while this one waited for the lock. */
        rc = db_one_int(db, &done, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i", (int64_t)version);
        if (rc == DB_OK && done == 0)
            rc = apply_version(db, version, &name);
        if (rc == DB_OK && name == NULL) { /* applied meanwhile, or no migration has this number */
            db_rollback(db);
            continue;
        }
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", "iti",
                         (int64_t)version, name, clock_now());
        if (rc == DB_OK)
            rc = foreign_keys_hold(db);
        if (rc == DB_OK)
            rc = db_commit(db);
        if (rc != DB_OK) {
            log_error("migration %s failed: %s", name ? name : "check", db_errmsg(db));
            db_rollback(db);
            return rc;
        }
        count++;
    }
    if (applied)
        *applied = count;
    return DB_OK;
}
