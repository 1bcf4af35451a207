/* init, migrate, backup, restore, import-divisions: the database's life. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/internal.h"
#include "api/tx.h"
#include "db/migrate.h"
#include "http/server.h"
#include "lib/pwcheck.h"
#include "lib/util.h"

int cmd_init(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path (default data/jiceng.db or $JICENG_DB)"},
                       {"password-file", 1, NULL, "write a generated admin password to this file (mode 0600)"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng init [--db PATH] [--password-file FILE]\n"
                        "  The admin password comes from $JICENG_ADMIN_PASSWORD, or is generated and printed once.";
    int r = cli_parse(argc, argv, opts, pos, 0, &npos, usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    /* A given password is checked before anything is created, and with a dictionary. */
    char why[300];
    if (pwcheck_ready(why, sizeof why) != 0) {
        fprintf(stderr, "jiceng: %s\n", why);
        return 1;
    }
    const char *env = getenv("JICENG_ADMIN_PASSWORD");
    const char *pw = env && *env ? env : NULL;
    const char *reason = NULL;
    pw_policy_t policy = PW_POLICY_DEFAULT;
    if (pw && password_acceptable(&policy, pw, "admin", &reason) != 0) {
        password_refusal_text(why, sizeof why, &policy, reason, "en");
        fprintf(stderr, "jiceng: JICENG_ADMIN_PASSWORD refused (%s): %s\n", reason, why);
        return 1;
    }
    const char *url = cli_db_url(opts);
    char err[512], kpath[1024];
    keys_path(kpath, sizeof kpath, url);
    db_t *db;
    if (db_open(&db, url, DB_OPEN_CREATE, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        return 1;
    }
    int applied = 0;
    if (migrate_up(db, &applied) != DB_OK) {
        fprintf(stderr, "jiceng: migration failed: %s\n", db_errmsg(db));
        db_close(db);
        return 1;
    }
    if (access(kpath, F_OK) != 0) {
        if (keys_create(kpath, err, sizeof err) != 0) {
            fprintf(stderr, "jiceng: %s\n", err);
            db_close(db);
            return 1;
        }
        printf("created key file %s (mode 0600): back it up; without it personal data and the audit chain cannot be"
               " read or verified\n",
               kpath);
    }
    keys_t keys;
    if (keys_load(&keys, kpath, err, sizeof err) != 0) {
        fprintf(stderr, "jiceng: %s\n", err);
        db_close(db);
        return 1;
    }
    int64_t users = 0;
    db_one_int(db, &users, "SELECT COUNT(*) FROM app_user", "");
    if (users > 0) {
        char shown[1024];
        db_url_shown(url, shown, sizeof shown);
        printf("database %s is ready (schema version %d, %d migrations applied now); it already has users\n", shown,
               migrate_version(db), applied);
        db_close(db);
        return 0;
    }
    char generated[21];
    if (pw == NULL) {
        /* Random 20 characters nearly always pass; the loop makes it always. */
        int tries = 0;
        do
            cli_generate_password(generated);
        while (password_acceptable(&policy, generated, "admin", &reason) != 0 && ++tries < 100);
        pw = generated;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (password_hash(hash, pw) != 0) {
        fprintf(stderr, "jiceng: cannot hash the password (out of memory)\n");
        db_close(db);
        return 1;
    }
    write_ctx_t w;
    cli_write_ctx(&w, &keys, "init");
    json_t *out = NULL;
    w.in = hash; /* POST /users's input, the password's hash beside it */
    int rc = cli_write(db, user_create_write, &w,
                       json_pack("{s:s, s:s}", "username", "admin", "display_name", "系统管理员"), &out);
    w.in = NULL;
    if (rc == 0) {
        w.id = json_integer_value(json_object_get(out, "id"));
        json_decref(out);
        rc = cli_write(db, user_grant_write, &w, json_pack("{s:s}", "role", "admin"), NULL);
    }
    db_close(db);
    if (rc != 0)
        return 1;
    const char *pwfile = cli_opt(opts, "password-file", NULL);
    if (pw == generated && pwfile) {
        int fd = open(pwfile, O_WRONLY | O_CREAT | O_TRUNC, FILE_MODE_PRIVATE);
        if (fd < 0 || fchmod(fd, FILE_MODE_PRIVATE) != 0 || write(fd, pw, strlen(pw)) < 0 || write(fd, "\n", 1) < 0) {
            fprintf(stderr, "jiceng: cannot write %s: %s\n", pwfile, strerror(errno));
            if (fd >= 0)
                close(fd);
            return 1;
        }
        close(fd);
        printf("created user admin; its generated password is in %s (mode 0600)\n", pwfile);
    } else if (pw == generated) {
        printf("created user admin with the generated password: %s\n(shown once; change it after logging in)\n", pw);
    } else {
        printf("created user admin with the password from JICENG_ADMIN_PASSWORD\n");
    }
    sodium_memzero(generated, sizeof generated);
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 0, &npos, "jiceng migrate [--db PATH]");
    if (r != 0)
        return r > 0 ? 0 : 2;
    db_t *db;
    char err[512];
    if (db_open(&db, cli_db_url(opts), 0, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        return 1;
    }
    int applied = 0;
    int rc = migrate_up(db, &applied);
    if (rc == DB_OK)
        printf("schema version %d (%d migrations applied)\n", migrate_version(db), applied);
    else
        fprintf(stderr, "jiceng: migration failed: %s\n", db_errmsg(db));
    db_close(db);
    return rc == DB_OK ? 0 : 1;
}

int cmd_backup(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 1, &npos, "jiceng backup [--db PATH] FILE");
    if (r != 0)
        return r > 0 ? 0 : 2;
    if (npos != 1) {
        fprintf(stderr, "jiceng: backup needs the FILE to write\n");
        return 2;
    }
    db_t *db;
    char err[512];
    if (db_open(&db, cli_db_url(opts), 0, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        return 1;
    }
    int rc = db_backup(db, pos[0], err, sizeof err);
    db_close(db);
    if (rc != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        return 1;
    }
    db_t *copy;
    if (db_open(&copy, pos[0], 0, err, sizeof err) != DB_OK || db_integrity_check(copy, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: the backup %s failed its integrity check: %s\n", pos[0], err);
        return 1;
    }
    db_close(copy);
    printf("wrote %s (integrity check ok); keep the key file %s.key with it\n", pos[0], cli_db_url(opts));
    return 0;
}

/* Check a copy (integrity and the audit chain under the key it will be used
 * with): 0, or -1 with the reason printed. */
static int restore_check(const char *copy, const char *backup, const char *kpath)
{
    keys_t keys;
    db_t *db;
    char err[512] = "";
    if (keys_load(&keys, kpath, err, sizeof err) != 0) {
        fprintf(stderr, "jiceng: %s (copy the key file kept with the backup there first)\n", err);
        return -1;
    }
    if (db_open(&db, copy, 0, err, sizeof err) != DB_OK || db_integrity_check(db, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: the backup %s failed its integrity check: %s\n", backup, err);
        if (db)
            db_close(db);
        sodium_memzero(&keys, sizeof keys);
        return -1;
    }
    audit_tail_t tail;
    int64_t bad = 0;
    int rc = audit_verify_tail(db, keys.audit, &tail, &bad, err, sizeof err);
    db_close(db);
    sodium_memzero(&keys, sizeof keys);
    if (rc != DB_OK) {
        fprintf(stderr,
                "jiceng: the backup %s does not verify under the key file %s: audit chain broken at row %lld: %s\n",
                backup, kpath, (long long)bad, err);
        return -1;
    }
    printf("checked the backup: integrity ok, audit chain ok (%lld rows)\n", (long long)tail.rows);
    return 0;
}

/* Remove an SQLite file's -wal, -shm and -journal: 0, or -1 (printed). */
static int remove_companions(const char *path)
{
    static const char *const companions[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof companions / sizeof companions[0]; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", path, companions[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            fprintf(stderr, "jiceng: cannot remove %s: %s\n", p, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Put a backup in place of a stopped server's SQLite database: copied beside it,
 * checked, then renamed over it (the old -wal and -shm removed), so a failed or
 * refused restore leaves the database as it was. */
int cmd_restore(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path (the file to replace or create)"},
                       {"force", 0, NULL, "replace an existing database (never one in use)"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 1, &npos,
                      "jiceng restore [--db PATH] [--force] BACKUP\n"
                      "  The key file kept with the backup must be in place (PATH.key) first.");
    if (r != 0)
        return r > 0 ? 0 : 2;
    if (npos != 1) {
        fprintf(stderr, "jiceng: restore needs the BACKUP file to read\n");
        return 2;
    }
    const char *url = cli_db_url(opts), *backup = pos[0];
    if (db_url_is_postgres(url)) {
        fprintf(stderr, "jiceng: restore is for SQLite files; on PostgreSQL use pg_restore or pg_basebackup as"
                        " docs/operations.md says\n");
        return 1;
    }
    const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
    char err[512] = "", kpath[1024], tmp[4096];
    keys_path(kpath, sizeof kpath, url);
    if (access(backup, R_OK) != 0) {
        fprintf(stderr, "jiceng: cannot read the backup %s: %s\n", backup, strerror(errno));
        return 1;
    }
    int exists = access(path, F_OK) == 0;
    if (exists && !cli_opt(opts, "force", NULL)) {
        fprintf(stderr, "jiceng: %s already exists; stop its server and give --force to replace it\n", path);
        return 1;
    }
    int busy = db_sqlite_in_use(path, err, sizeof err);
    if (busy != 0) {
        if (busy > 0)
            fprintf(stderr, "jiceng: %s is in use (a server or a command has it open): stop it first\n", path);
        else
            fprintf(stderr, "jiceng: %s\n", err);
        return 1;
    }
    if (snprintf(tmp, sizeof tmp, "%s.restoring", path) >= (int)sizeof tmp) {
        fprintf(stderr, "jiceng: the path %s is too long\n", path);
        return 1;
    }
    unlink(tmp); /* left by a restore that was stopped */
    remove_companions(tmp);
    if (db_sqlite_copy(backup, tmp, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        unlink(tmp);
        return 1;
    }
    if (restore_check(tmp, backup, kpath) != 0) {
        unlink(tmp);
        return 1;
    }
    /* The checked copy (its WAL folded in when it closed) replaces the database. */
    if (remove_companions(path) != 0) {
        unlink(tmp);
        return 1;
    }
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "jiceng: cannot put the copy in place of %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return 1;
    }
    close(fd);
    char dir[4096];
    str_copy(dir, sizeof dir, path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = '\0';
    else
        str_copy(dir, sizeof dir, ".");
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) {
        fprintf(stderr, "jiceng: cannot sync the folder %s: %s\n", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    close(fd);
    printf("restored %s from %s%s; start the server and run jiceng audit verify\n", path, backup,
           exists ? " (the database it held is gone)" : "");
    return 0;
}

/* The import of divisions (then of their outlines, when there are any) as a step
 * of the write pipeline: all or nothing. */
typedef struct {
    const write_ctx_t *w;
    const char *file, *city, *outlines;
    int64_t counts[6], added, outlines_read, outlines_set;
    char msg[512];
} divisions_step_t;

static int divisions_step(db_t *db, void *arg)
{
    divisions_step_t *s = arg;
    int rc = divisions_import(db, s->w, s->file, s->city, s->counts, &s->added, s->msg, sizeof s->msg);
    if (rc == 0 && s->outlines)
        rc = outlines_import(db, s->w, s->outlines, &s->outlines_read, &s->outlines_set, s->msg, sizeof s->msg);
    return rc;
}

int cmd_import_divisions(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"},
                       {"city", 1, NULL, "city code to load (default 3401, 合肥市)"},
                       {"outlines", 1, NULL,
                        "GeoJSON of the districts' outlines (default: FILE's name with -outlines.geojson for .csv,"
                        " when that file exists)"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 1, &npos,
                      "jiceng import-divisions [--db PATH] [--city CODE] [--outlines GEOJSON] [FILE]\n"
                      "  FILE defaults to data/divisions/hefei.csv, its outlines to data/divisions/hefei-outlines.geojson");
    if (r != 0)
        return r > 0 ? 0 : 2;
    const char *file = npos ? pos[0] : "data/divisions/hefei.csv";
    /* The outlines beside the divisions: hefei.csv -> hefei-outlines.geojson. */
    char beside[1024];
    const char *outlines = cli_opt(opts, "outlines", NULL);
    size_t n = strlen(file);
    if (outlines == NULL && n > 4 && strcmp(file + n - 4, ".csv") == 0 &&
        snprintf(beside, sizeof beside, "%.*s-outlines.geojson", (int)(n - 4), file) < (int)sizeof beside &&
        access(beside, R_OK) == 0)
        outlines = beside;
    db_t *db;
    keys_t keys;
    if (cli_open(cli_db_url(opts), &db, &keys) != 0)
        return 1;
    write_ctx_t w;
    cli_write_ctx(&w, &keys, "import-divisions");
    progress_t progress;
    cli_stage_t stage;
    cli_progress(&progress, &stage);
    w.progress = &progress;
    divisions_step_t step = {&w, file, cli_opt(opts, "city", "3401"), outlines, {0}, 0, 0, 0, ""};
    int committing = 0;
    int rc = tx_write(db, divisions_step, &step, &committing);
    if (rc != DB_OK) {
        fprintf(stderr, "jiceng: %s%s\n", committing ? "commit failed: " : "", step.msg[0] ? step.msg : db_errmsg(db));
        db_close(db);
        return 1;
    }
    int64_t *counts = step.counts, added = step.added;
    db_close(db);
    printf("city %lld, districts/counties %lld, streets/townships %lld, communities %lld, villages %lld; %lld new"
           " nodes added\n",
           (long long)counts[0], (long long)counts[1], (long long)counts[2], (long long)counts[3],
           (long long)counts[4], (long long)added);
    if (outlines)
        printf("district outlines %lld (from %s); %lld stored anew\n", (long long)step.outlines_read, outlines,
               (long long)step.outlines_set);
    else
        printf("no district outlines (no %s-outlines.geojson beside %s): the districts keep none\n",
               n > 4 ? "FILE" : file, file);
    return 0;
}
