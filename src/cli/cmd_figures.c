/* figures verify: recompute every kept yearly figure (year_figure) from the
 * records and compare (--by-pair: through each source's own, pair by pair,
 * which checks a source's all against it); figures rebuild: write them as
 * recomputed (audited). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "api/internal.h"
#include "api/tx.h"
#include "lib/util.h"

typedef struct {
    const write_ctx_t *w;
    int64_t rows;
} rebuild_t;

static int rebuild_step(db_t *db, void *arg)
{
    rebuild_t *r = arg;
    int64_t root = 0;
    r->rows = yfig_rebuild(db);
    if (r->rows < 0)
        return DB_ERR;
    int rc = db_one_int(db, &root, "SELECT id FROM org WHERE parent_id IS NULL ORDER BY id LIMIT 1", "");
    if (rc == DB_NOTFOUND)
        return DB_OK;
    if (rc == DB_OK)
        rc = audit_append_new(db, r->w, "figures.rebuilt", "org", root, root,
                              json_pack("{s:I}", "rows", (json_int_t)r->rows));
    return rc;
}

int cmd_figures(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"},
                       {"by-pair", 0, NULL, "verify: recount every source node by node and year by year (own), not at once"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng figures verify|rebuild [--db PATH] [--by-pair]";
    int r = cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    int rebuild = npos == 1 && strcmp(pos[0], "rebuild") == 0;
    if (npos != 1 || (!rebuild && strcmp(pos[0], "verify") != 0)) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    db_t *db;
    keys_t keys;
    if (cli_open(cli_db_url(opts), &db, &keys) != 0)
        return 1;
    if (rebuild) {
        write_ctx_t w;
        cli_write_ctx(&w, &keys, "figures");
        rebuild_t step = {.w = &w};
        int rc = tx_write(db, rebuild_step, &step, NULL);
        if (rc != DB_OK) {
            fprintf(stderr, "jiceng: figures rebuild failed: %s\n", db_errmsg(db));
            db_close(db);
            return 1;
        }
        db_close(db);
        printf("kept yearly figures rebuilt: %lld rows\n", (long long)step.rows);
        return 0;
    }
    json_t *diffs = NULL;
    int64_t rows = 0;
    db_one_int(db, &rows, "SELECT COUNT(*) FROM year_figure", "");
    int64_t n = yfig_verify(db, cli_opt(opts, "by-pair", NULL) != NULL, &diffs, 20);
    if (n < 0) {
        fprintf(stderr, "jiceng: figures verify failed: %s\n", db_errmsg(db));
        db_close(db);
        return 1;
    }
    db_close(db);
    if (n == 0) {
        printf("kept yearly figures ok: %lld rows agree with the records\n", (long long)rows);
        json_decref(diffs);
        return 0;
    }
    printf("kept yearly figures DIFFER from the records in %lld rows (node|year|figure):\n", (long long)n);
    size_t i;
    json_t *d;
    json_array_foreach(diffs, i, d) {
        printf("  %s: own kept %lld, computed %lld; total kept %lld, computed %lld\n",
               json_string_value(json_object_get(d, "key")),
               (long long)json_integer_value(json_object_get(d, "own_kept")),
               (long long)json_integer_value(json_object_get(d, "own_computed")),
               (long long)json_integer_value(json_object_get(d, "total_kept")),
               (long long)json_integer_value(json_object_get(d, "total_computed")));
    }
    json_decref(diffs);
    return 1;
}
