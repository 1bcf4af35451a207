/* copy-data: move a whole deployment from one database to another (SQLite to
 * PostgreSQL, or back), proving the copy whole: per table the row count and a
 * digest of every value compared, and the audit chain verified in the target. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/internal.h"
#include "api/tx.h"
#include "db/copy.h"
#include "db/migrate.h"
#include "lib/util.h"

/* The target's key file must be the source's: copy it there if it is missing. */
static int carry_key(const char *from_url, const char *to_url)
{
    char src[1024], dst[1024];
    keys_path(src, sizeof src, from_url);
    keys_path(dst, sizeof dst, to_url);
    size_t len = 0, have_len = 0;
    char *key = file_read_all(src, 4096, &len);
    if (key == NULL) {
        fprintf(stderr, "jiceng: cannot read the source's key file %s: %s\n", src, strerror(errno));
        return -1;
    }
    int rc = 0;
    char *have = file_read_all(dst, 4096, &have_len);
    if (have != NULL) {
        if (have_len != len || memcmp(have, key, len) != 0) {
            fprintf(stderr, "jiceng: the target's key file %s holds another key than the source's %s\n", dst, src);
            rc = -1;
        }
    } else {
        int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0 || write(fd, key, len) != (ssize_t)len || fsync(fd) != 0) {
            fprintf(stderr, "jiceng: cannot write the key file %s: %s\n", dst, strerror(errno));
            rc = -1;
        } else {
            printf("copied the key file %s to %s (mode 0600)\n", src, dst);
        }
        if (fd >= 0)
            close(fd);
    }
    free(have);
    free(key);
    return rc;
}

/* Rows in the target besides what its migrations put there refuse the copy:
 * a deployment always has org nodes, users and audit rows. */
static int target_empty(db_t *dst)
{
    static const char *const owned[] = {"org", "app_user", "audit_log", "person", "casefile"};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        int64_t n = 0;
        char *sql = db_sql_join("SELECT COUNT(*) FROM ", owned[i], NULL);
        int rc = db_one_int(dst, &n, sql, "");
        free(sql);
        if (rc != DB_OK || n > 0) {
            fprintf(stderr, "jiceng: the target is not empty (%s has %lld rows); copy-data fills an empty database only\n",
                    owned[i], (long long)n);
            return 0;
        }
    }
    return 1;
}

/* Copy every table inside one target transaction, foreign keys checked at
 * commit: a step of the write pipeline (the tables come as they are, the audit
 * chain's head with them; the pipeline's hooks find nothing of their own to write). */
typedef struct {
    db_t *src;
    json_t *tables;
    char err[512];
} copy_step_t;

static int copy_step(db_t *dst, void *arg)
{
    copy_step_t *c = arg;
    int rc = db_defer_foreign_keys(dst);
    size_t i;
    json_t *t;
    /* What the migrations seeded (tag kinds, categories) comes from the source instead. */
    json_array_foreach(c->tables, i, t) {
        if (rc != DB_OK || strcmp(json_string_value(t), "schema_migrations") == 0)
            continue;
        char *sql = db_sql_join("DELETE FROM ", json_string_value(t), NULL);
        rc = db_exec(dst, NULL, sql, "");
        free(sql);
    }
    json_array_foreach(c->tables, i, t) {
        const char *name = json_string_value(t);
        int64_t rows = 0;
        if (rc != DB_OK || strcmp(name, "schema_migrations") == 0)
            continue;
        uint64_t t0 = clock_mono_ns();
        rc = db_copy_table(c->src, dst, name, &rows, c->err, sizeof c->err);
        if (rc == DB_OK)
            printf("  %-20s %10lld rows  %.1fs\n", name, (long long)rows, (double)(clock_mono_ns() - t0) / 1e9);
    }
    return rc;
}

/* The tables with every table a foreign key refers to before the tables that
 * refer to it (a cycle left in the given order). On SQLite this matters: with
 * the foreign keys deferred, a row inserted into a parent table while child rows
 * wait for their parent makes SQLite look for those children, a full scan of a
 * child table without an index on its key (measured: 13,000 org rows copied
 * after 87,000 assessment scores took 94 s; parents first, none of it). */
static json_t *parents_first(db_t *dst, json_t *tables)
{
    json_t *order = json_array(), *fks = NULL;
    if (strcmp(db_dialect(dst), "sqlite") == 0)
        fks = db_rows_json(dst,
                           "SELECT m.name AS child, f.\"table\" AS parent FROM sqlite_master m,"
                           " pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f.\"table\" <> m.name",
                           "");
    size_t n = json_array_size(tables), placed = 0;
    char *done = xcalloc(n ? n : 1, 1);
    while (placed < n) {
        size_t before = placed;
        for (size_t i = 0; i < n; i++) {
            const char *name = json_string_value(json_array_get(tables, i));
            int ready = !done[i];
            size_t k, j;
            json_t *fk;
            json_array_foreach(fks, k, fk) {
                if (!ready || strcmp(json_string_value(json_object_get(fk, "child")), name) != 0)
                    continue;
                const char *parent = json_string_value(json_object_get(fk, "parent"));
                for (j = 0; j < n; j++) {
                    if (!done[j] && strcmp(json_string_value(json_array_get(tables, j)), parent) == 0)
                        ready = 0;
                }
            }
            if (ready) {
                done[i] = 1;
                placed++;
                json_array_append(order, json_array_get(tables, i));
            }
        }
        for (size_t i = 0; placed == before && i < n; i++) { /* a cycle: the first one left */
            if (!done[i]) {
                done[i] = 1;
                placed++;
                json_array_append(order, json_array_get(tables, i));
            }
        }
    }
    free(done);
    json_decref(fks);
    return order;
}

static int copy_tables(db_t *src, db_t *dst, json_t *tables)
{
    copy_step_t c = {src, tables, ""};
    int rc = tx_write(dst, copy_step, &c, NULL);
    if (rc != DB_OK)
        fprintf(stderr, "jiceng: copy failed, the target is unchanged: %s\n", *c.err ? c.err : db_errmsg(dst));
    return rc;
}

/* Count and digest every table on both sides. 0 if all agree. */
static int compare_tables(db_t *src, db_t *dst, json_t *tables)
{
    size_t i;
    json_t *t;
    int bad = 0;
    if (db_begin_read(dst) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", db_errmsg(dst));
        return -1;
    }
    json_array_foreach(tables, i, t) {
        const char *name = json_string_value(t);
        char a[65], b[65], err[512];
        int64_t na = 0, nb = 0;
        if (strcmp(name, "schema_migrations") == 0)
            continue;
        if (db_table_digest(src, name, &na, a, err, sizeof err) != DB_OK ||
            db_table_digest(dst, name, &nb, b, err, sizeof err) != DB_OK) {
            fprintf(stderr, "jiceng: %s\n", err);
            bad = 1;
            break;
        }
        if (na != nb || strcmp(a, b) != 0) {
            fprintf(stderr, "jiceng: %s differs: %lld rows %.16s in the source, %lld rows %.16s in the target\n", name,
                    (long long)na, a, (long long)nb, b);
            bad = 1;
        }
    }
    db_rollback(dst);
    return bad ? -1 : 0;
}

int cmd_copy_data(int argc, char **argv)
{
    option_t opts[] = {{"from", 1, NULL, "the source database (path, sqlite:PATH or postgres://...)"},
                       {"to", 1, NULL, "the empty target database (postgres://... or a new SQLite file)"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng copy-data --from URL --to URL\n"
                        "  Moves a whole deployment into an empty database: every table, ids and id counters\n"
                        "  included; compares row counts and digests per table and verifies the audit chain.";
    int r = cli_parse(argc, argv, opts, pos, 0, &npos, usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    const char *from = cli_opt(opts, "from", NULL), *to = cli_opt(opts, "to", NULL);
    if (from == NULL || to == NULL) {
        fprintf(stderr, "jiceng: copy-data needs --from and --to\nusage: %s\n", usage);
        return 2;
    }
    db_t *src = NULL, *dst = NULL;
    json_t *tables = NULL, *dst_tables = NULL;
    keys_t keys;
    char err[512];
    int rc = 1;
    int64_t version = 0;
    if (db_open(&src, from, DB_OPEN_QUERY_ONLY, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        goto out;
    }
    int newest = 0;
    for (const migration_t *m = migrations; m->version; m++)
        newest = m->version > newest ? m->version : newest;
    if (db_one_int(src, &version, "SELECT MAX(version) FROM schema_migrations", "") != DB_OK || version != newest) {
        fprintf(stderr, "jiceng: the source is at schema version %lld, this binary's is %d: run jiceng migrate on it"
                        " first\n", (long long)version, newest);
        goto out;
    }
    if (db_open(&dst, to, DB_OPEN_CREATE, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        goto out;
    }
    if (migrate_up(dst, NULL) != DB_OK) {
        fprintf(stderr, "jiceng: migrating the target failed: %s\n", db_errmsg(dst));
        goto out;
    }
    if (!target_empty(dst) || carry_key(from, to) != 0)
        goto out;
    char kpath[1024];
    keys_path(kpath, sizeof kpath, to);
    if (keys_load(&keys, kpath, err, sizeof err) != 0) {
        fprintf(stderr, "jiceng: %s\n", err);
        goto out;
    }
    /* One snapshot of the source for the copy and the comparison. */
    if (db_begin_read(src) != DB_OK || (tables = db_table_names(src)) == NULL ||
        (dst_tables = db_table_names(dst)) == NULL) {
        fprintf(stderr, "jiceng: cannot list the tables: %s%s\n", db_errmsg(src), db_errmsg(dst));
        goto out;
    }
    if (!json_equal(tables, dst_tables)) {
        char *a = json_dumps(tables, JSON_COMPACT), *b = json_dumps(dst_tables, JSON_COMPACT);
        fprintf(stderr, "jiceng: the source's tables %s are not the target's %s\n", a, b);
        free(a);
        free(b);
        goto out;
    }
    char from_shown[1024], to_shown[1024];
    db_url_shown(from, from_shown, sizeof from_shown);
    db_url_shown(to, to_shown, sizeof to_shown);
    printf("copying %s to %s\n", from_shown, to_shown);
    json_t *ordered = parents_first(dst, tables);
    int copied = copy_tables(src, dst, ordered);
    json_decref(ordered);
    if (copied != DB_OK)
        goto out;
    if (compare_tables(src, dst, tables) != 0)
        goto out;
    printf("every table's row count and digest match\n");
    int64_t bad = 0, rows = 0;
    char msg[512] = "";
    if (audit_verify(dst, keys.audit, &bad, &rows, msg, sizeof msg) != DB_OK) {
        fprintf(stderr, "jiceng: the target's audit chain is BROKEN at row %lld: %s\n", (long long)bad, msg);
        goto out;
    }
    printf("audit chain ok in the target: %lld rows verified\n", (long long)rows);
    rc = 0;
out:
    if (src)
        db_rollback(src);
    json_decref(tables);
    json_decref(dst_tables);
    db_close(src);
    db_close(dst);
    return rc;
}
