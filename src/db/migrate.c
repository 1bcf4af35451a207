#include "db/migrate.h"

#include <stdio.h>
#include <string.h>

#include "api/internal.h"
#include "lib/keys.h"
#include "lib/pii.h"
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

/* The deployment's keys, for a step that needs them: the key file beside an
 * SQLite file, $JICENG_KEY_FILE for PostgreSQL. 0, or -1 logged as why: why. */
static int migration_keys(db_t *db, keys_t *keys, const char *why)
{
    char kpath[1024], err[512];
    keys_path(kpath, sizeof kpath, strcmp(db_dialect(db), "postgres") == 0 ? "postgres://" : db_path(db));
    if (keys_load(keys, kpath, err, sizeof err) != 0) {
        log_error("%s: %s", why, err);
        return -1;
    }
    return 0;
}

/* 011: the ID and phone tails that the script left in clear in id_tail_hash and
 * phone_tail_hash become their keyed hashes, which needs the key file (beside an
 * SQLite file; $JICENG_KEY_FILE for PostgreSQL). A database without residents
 * (a new one, before jiceng init has made the key) needs no key. */
static int person_tails_hashed(db_t *db)
{
    enum { BATCH = 1000 };
    int64_t rows = 0, after = 0;
    int rc = db_one_int(db, &rows, "SELECT COUNT(*) FROM person", "");
    if (rc != DB_OK || rows == 0)
        return rc;
    keys_t keys;
    if (migration_keys(db, &keys, "migration 011 hashes the stored ID and phone tails with the key file") != 0)
        return DB_ERR;
    static struct {
        int64_t id;
        char id_tail[8], phone_tail[8];
        int has_phone;
    } batch[BATCH];
    for (;;) {
        int n = 0;
        db_stmt_t *st = db_q(db, "SELECT id, id_tail_hash, phone_tail_hash FROM person WHERE id > ? ORDER BY id LIMIT ?",
                             "ii", after, (int64_t)BATCH);
        if (st == NULL) {
            rc = DB_ERR;
            break;
        }
        while ((rc = db_step(st)) == DB_ROW) {
            batch[n].id = db_col_int(st, 0);
            str_copy(batch[n].id_tail, sizeof batch[n].id_tail, db_col_text(st, 1) ? db_col_text(st, 1) : "");
            batch[n].has_phone = !db_col_is_null(st, 2);
            str_copy(batch[n].phone_tail, sizeof batch[n].phone_tail, batch[n].has_phone ? db_col_text(st, 2) : "");
            n++;
        }
        db_done(st);
        if (rc != DB_DONE)
            break;
        rc = DB_OK;
        for (int i = 0; i < n && rc == DB_OK; i++) {
            char id_hash[PII_TAIL_HASH_HEX + 1], phone_hash[PII_TAIL_HASH_HEX + 1];
            pii_tail_hash(id_hash, &keys, "person.id_card_tail", batch[i].id_tail);
            pii_tail_hash(phone_hash, &keys, "person.phone_tail", batch[i].phone_tail);
            rc = db_exec(db, NULL, "UPDATE person SET id_tail_hash = ?, phone_tail_hash = ? WHERE id = ?", "tti", id_hash,
                         batch[i].has_phone ? phone_hash : NULL, batch[i].id);
            after = batch[i].id;
        }
        if (rc != DB_OK || n < BATCH)
            break;
    }
    sodium_memzero(batch, sizeof batch);
    sodium_memzero(&keys, sizeof keys);
    return rc;
}

/* Set by a step that rewrote personal data in place (017): SQLite may keep old
 * copies of a rewritten row in the unused space of its pages (a page's cells are
 * moved around as rows grow and pages split, and secure_delete zeroes only what
 * is deleted), so the file is rebuilt once the migrations are done (VACUUM). */
static int vacuum_wanted;

/* 017: the audit rows written before 012 (MAC format 1) lose the personal data
 * their summaries held, and the chain is sealed again (api/audit.c,
 * audit_reseal), with the audit key: refused, nothing changed, unless the whole
 * chain verifies first. A database without such rows needs neither. */
static int audit_old_rows_resealed(db_t *db)
{
    int64_t old = 0, redacted = 0;
    int rc = db_one_int(db, &old, "SELECT COUNT(*) FROM audit_log WHERE mac_version = 1", "");
    if (rc != DB_OK || old == 0)
        return rc;
    keys_t keys;
    char msg[512] = "";
    if (migration_keys(db, &keys, "migration 017 checks and seals the audit chain with the key file") != 0)
        return DB_ERR;
    rc = audit_reseal(db, &keys, 17, &redacted, msg, sizeof msg);
    sodium_memzero(&keys, sizeof keys);
    if (rc != DB_OK)
        log_error("migration 017 refused, nothing changed: %s; find out why with `jiceng audit verify`"
                  " (docs/operations.md)",
                  msg);
    else if (redacted > 0) {
        vacuum_wanted = 1;
        log_info("migration 017: personal data taken out of %lld audit rows written before schema 012, the chain"
                 " sealed again from the first of them",
                 (long long)redacted);
    }
    return rc;
}

/* What a migration needs done that SQL cannot do, run after its scripts in the
 * same transaction. */
static const struct {
    int version;
    int (*run)(db_t *db);
} steps[] = {
    {11, person_tails_hashed},
    {17, audit_old_rows_resealed},
};

static int run_steps(db_t *db, int version)
{
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i].version == version)
            return steps[i].run(db);
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

/* A migration may remove personal data (011 took birth dates and tails out of the
 * person table): SQLite overwrites what it deletes (before), and the WAL, which
 * still holds the pages as they were, is checkpointed and truncated (after). */
static int sqlite_wipe(db_t *db, int after)
{
    if (strcmp(db_dialect(db), "sqlite") != 0)
        return DB_OK;
    return db_exec_script(db, after ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA secure_delete = ON");
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
    if (foreign_keys(db, 0) != DB_OK || sqlite_wipe(db, 0) != DB_OK)
        return DB_ERR;
    int rc = migrate_missing(db, newest, applied);
    if (foreign_keys(db, 1) != DB_OK && rc == DB_OK)
        rc = DB_ERR;
    if (rc == DB_OK && vacuum_wanted && strcmp(db_dialect(db), "sqlite") == 0) {
        vacuum_wanted = 0;
        if ((rc = db_exec_script(db, "VACUUM")) != DB_OK)
            log_error("the audit rows are rewritten, but the file could not be rebuilt and may keep old copies of"
                      " them (VACUUM needs free disk space of about twice the file's size): %s; run `sqlite3 FILE"
                      " VACUUM` with the server stopped (docs/operations.md)",
                      db_errmsg(db));
    }
    if (rc == DB_OK)
        rc = sqlite_wipe(db, 1);
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
        if (rc == DB_OK && name != NULL)
            rc = run_steps(db, version);
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
