#include "db/migrate.h"

#include <stdio.h>

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

int migrate_up(db_t *db, int *applied)
{
    int have = migrate_version(db);
    int count = 0, newest = 0;
    if (have < 0)
        return DB_ERR;
    for (const migration_t *m = migrations; m->version; m++)
        newest = m->version;
    if (have > newest) {
        log_error("database schema version %d is newer than this binary's %d", have, newest);
        return DB_ERR;
    }
    for (const migration_t *m = migrations; m->version; m++) {
        if (m->version <= have)
            continue;
        int rc = db_begin(db);
        if (rc == DB_OK)
            rc = db_exec_script(db, m->sql);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", "iti",
                         (int64_t)m->version, m->name, clock_now());
        if (rc == DB_OK)
            rc = db_commit(db);
        if (rc != DB_OK) {
            log_error("migration %s failed: %s", m->name, db_errmsg(db));
            db_rollback(db);
            return rc;
        }
        count++;
    }
    if (applied)
        *applied = count;
    return DB_OK;
}
