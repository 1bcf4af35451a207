/* Numbered schema migrations, embedded in the binary from schema/NNN_name.sql. */
#ifndef JICENG_DB_MIGRATE_H
#define JICENG_DB_MIGRATE_H

#include "db/db.h"

typedef struct {
    int version;
    const char *name;
    const char *dialect; /* NULL: every backend; else only db_dialect() == dialect */
    const char *sql;
} migration_t;

/* All migrations in version order, ended by a zero entry (generated file). */
extern const migration_t migrations[];

/* Apply every migration newer than the database's, each version in its own
 * transaction (the shared script, then the backend's own part, if any), recording
 * it in schema_migrations. A script whose first line is
 * "-- migrate: foreign_keys off" (SQLite's table rebuild) runs with foreign keys
 * off, and foreign_key_check must find nothing before its commit. *applied (may
 * be NULL) gets how many ran. Returns DB_OK or a DB_* error (message in db_errmsg). Refuses a
 * database whose version is newer than this binary knows. */
int migrate_up(db_t *db, int *applied);

/* The highest applied migration version, 0 for an empty database. */
int migrate_version(db_t *db);

#endif
