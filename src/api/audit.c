/* Reading and verifying the hash-chained audit log. */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_chain.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/util.h"

void audit_rows_finish(json_t *items)
{
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) {
        json_object_set(row, "at", json_object_get(row, "at_at"));
        json_object_del(row, "at_at");
        json_t *sum = json_loads(json_string_value(json_object_get(row, "summary")), 0, NULL);
        json_object_set_new(row, "summary", sum ? sum : json_object());
    }
}

int audit_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, before = 0, org = 0, actor = 0, entity_id = 0, from = 0, to = 0;
    if (api_query_int(req, "limit", 50, 1, 200, &limit) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "limit", "limit 应为 1-200 的整数",
                         "limit must be an integer from 1 to 200");
    /* Newest first: the cursor is the last id seen, and the next page is older. */
    if (api_query_int(req, "after", 0, 0, INT64_MAX, &before) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "after", "after 游标无效",
                         "after is not a valid cursor");
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0 ||
        api_query_int(req, "actor_id", 0, 0, INT64_MAX, &actor) != 0 ||
        api_query_int(req, "entity_id", 0, 1, INT64_MAX, &entity_id) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", NULL, "筛选条件无效", "a filter is not a valid id");
    const char *names[2] = {"from", "to"};
    int64_t *vals[2] = {&from, &to};
    for (int i = 0; i < 2; i++) {
        char *v = api_query(req, names[i]);
        if (v && time_parse_rfc3339(v, vals[i]) != 0) {
            free(v);
            return api_error(rep, req->lang, 400, "validation_failed", names[i], "时间格式应为 RFC 3339 或 YYYY-MM-DD",
                             "must be an RFC 3339 time or a date");
        }
        free(v);
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_AUDIT_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *action = api_query(req, "action");
    char *entity = api_query(req, "entity");
    json_t *items = db_rows_json(req->db,
                                 "SELECT id, at AS at_at, actor_id, actor_name, source, action, entity, entity_id,"
                                 " org_id, summary, hash FROM audit_log"
                                 " WHERE org_path >= ? AND org_path < ? AND (? = 0 OR id < ?)"
                                 " AND (? = 0 OR actor_id = ?) AND (CAST(? AS TEXT) IS NULL OR action = ?)"
                                 " AND (CAST(? AS TEXT) IS NULL OR entity = ?) AND (? = 0 OR entity_id = ?)"
                                 " AND (? = 0 OR at >= ?) AND (? = 0 OR at < ?)"
                                 " ORDER BY id DESC LIMIT ?",
                                 "ttiiiittttiiiiiii", lo, hi, before, before, actor, actor, action, action, entity,
                                 entity, entity_id, entity_id, from, from, to, to, limit + 1);
    free(action);
    free(entity);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    audit_rows_finish(items);
    return api_json(rep, 200, api_page_result(items, limit));
}

int audit_verify(db_t *db, const unsigned char key[32], int64_t *bad_id, int64_t *rows_out, char *msg, size_t cap)
{
    db_stmt_t *st = db_q(db,
                         "SELECT id, at, actor_id, actor_name, source, action, entity, entity_id, org_id, summary,"
                         " prev_hash, hash FROM audit_log ORDER BY id",
                         "");
    if (st == NULL) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return DB_ERR;
    }
    char prev[AUDIT_HASH_HEX + 1] = "";
    int64_t expect = 1, rows = 0;
    int rc, bad = 0;
    *bad_id = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        audit_fields_t f = {
            .id = db_col_int(st, 0),
            .at = db_col_int(st, 1),
            .actor_id = db_col_int(st, 2),
            .actor_name = db_col_text(st, 3),
            .source = db_col_text(st, 4),
            .action = db_col_text(st, 5),
            .entity = db_col_text(st, 6),
            .entity_id = db_col_int(st, 7),
            .org_id = db_col_int(st, 8),
            .summary = db_col_text(st, 9),
            .prev_hash = db_col_text(st, 10),
        };
        rows++;
        char hash[AUDIT_HASH_HEX + 1];
        if (f.id != expect) {
            *bad_id = expect;
            snprintf(msg, cap, "audit row %lld is missing (next present row is %lld)", (long long)expect,
                     (long long)f.id);
            bad = 1;
            break;
        }
        if (strcmp(f.prev_hash, prev) != 0) {
            *bad_id = f.id;
            snprintf(msg, cap, "audit row %lld does not link to row %lld (edited or deleted rows)", (long long)f.id,
                     (long long)(f.id - 1));
            bad = 1;
            break;
        }
        audit_chain_hash(hash, key, &f);
        if (strcmp(hash, db_col_text(st, 11)) != 0) {
            *bad_id = f.id;
            snprintf(msg, cap, "audit row %lld was edited: its MAC does not match its content", (long long)f.id);
            bad = 1;
            break;
        }
        str_copy(prev, sizeof prev, hash);
        expect++;
    }
    db_done(st);
    *rows_out = rows;
    if (bad)
        return DB_ERR;
    if (rc != DB_DONE) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return DB_ERR;
    }
    /* The head records the newest row: a truncated tail shows here. */
    int64_t head_id = 0;
    char head_hash[AUDIT_HASH_HEX + 1] = "";
    rc = db_one_int(db, &head_id, "SELECT last_id FROM audit_head WHERE one = 1", "");
    if (rc == DB_OK)
        rc = db_one_text(db, head_hash, sizeof head_hash, "SELECT last_hash FROM audit_head WHERE one = 1", "");
    if (rc == DB_NOTFOUND && rows == 0)
        return DB_OK;
    if (rc != DB_OK || head_id != expect - 1 || strcmp(head_hash, prev) != 0) {
        *bad_id = rc == DB_OK && head_id > expect - 1 ? expect : (head_id ? head_id : expect);
        snprintf(msg, cap, "the audit head names row %lld but the log ends at row %lld (rows removed from the end)",
                 (long long)head_id, (long long)(expect - 1));
        return DB_ERR;
    }
    return DB_OK;
}
