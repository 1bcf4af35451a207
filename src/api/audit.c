/* Reading and verifying the hash-chained audit log. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "core/audit_chain.h"
#include "db/copy.h"
#include "core/idcard.h"
#include "core/path.h"
#include "core/redact.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "lib/keys.h"
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

/* ---- the log as auditors read it: actions, names, filters, export ---- */

const char *const audit_actions[] = {
#define ACTION(name, word) name,
#include "api/audit_actions.def"
#undef ACTION
    NULL,
};

static const char *const audit_action_words[] = {
#define ACTION(name, word) word,
#include "api/audit_actions.def"
#undef ACTION
    NULL,
};

/* The row's object by name, resolved in the page's own query (one indexed
 * look-up of the matching family per row): a node's, a party organisation's or
 * unit's name, an account's display name, a token's name, and the title or name
 * of the families that have one. A case's title is a resident's own words and
 * is left out. Residents (and the party members, posts and move-in requests
 * that name one) come as the raw name in entity_person, masked by audit_row()
 * before anything is answered. */
#define AUDIT_ENTITY_NAME                                                                                              \
    "CASE a.entity WHEN 'org' THEN (SELECT x.name FROM org x WHERE x.id = a.entity_id)"                               \
    " WHEN 'party_org' THEN (SELECT x.name FROM party_org x WHERE x.id = a.entity_id)"                                \
    " WHEN 'unit' THEN (SELECT x.name FROM unit x WHERE x.id = a.entity_id)"                                          \
    " WHEN 'user' THEN (SELECT x.display_name FROM app_user x WHERE x.id = a.entity_id)"                              \
    " WHEN 'token' THEN (SELECT x.name FROM session x WHERE x.id = a.entity_id)"                                      \
    " WHEN 'case_category' THEN (SELECT x.name_zh FROM case_category x WHERE x.id = a.entity_id)"                     \
    " WHEN 'notice' THEN (SELECT x.title FROM notice x WHERE x.id = a.entity_id)"                                     \
    " WHEN 'inspection' THEN (SELECT x.title FROM inspection x WHERE x.id = a.entity_id)"                             \
    " WHEN 'review_session' THEN (SELECT x.title FROM review_session x WHERE x.id = a.entity_id)"                     \
    " WHEN 'assess_plan' THEN (SELECT x.name FROM assess_plan x WHERE x.id = a.entity_id)"                            \
    " WHEN 'service_contract' THEN (SELECT x.title FROM service_contract x WHERE x.id = a.entity_id)"                 \
    " WHEN 'team' THEN (SELECT x.name FROM team x WHERE x.id = a.entity_id)"                                          \
    " WHEN 'activity' THEN (SELECT x.title FROM team_activity x WHERE x.id = a.entity_id)"                            \
    " WHEN 'alliance' THEN (SELECT x.name FROM alliance x WHERE x.id = a.entity_id)"                                  \
    " WHEN 'brand' THEN (SELECT x.name FROM brand x WHERE x.id = a.entity_id)"                                        \
    " WHEN 'honour' THEN (SELECT x.title FROM honour x WHERE x.id = a.entity_id)"                                     \
    " WHEN 'venue' THEN (SELECT x.name FROM venue x WHERE x.id = a.entity_id) END AS entity_name,"                   \
    " CASE a.entity WHEN 'person' THEN (SELECT x.name FROM person x WHERE x.id = a.entity_id)"                        \
    " WHEN 'party_member' THEN (SELECT x.name FROM person x WHERE x.id = a.entity_id)"                                \
    " WHEN 'cadre' THEN (SELECT x.name FROM cadre c JOIN person x ON x.id = c.person_id WHERE c.id = a.entity_id)"    \
    " WHEN 'person_transfer' THEN (SELECT x.name FROM person_transfer t JOIN person x ON x.id = t.person_id"           \
    " WHERE t.id = a.entity_id) END AS entity_person"

/* What a row's summary keys and some of their values say in an export (the
 * console's auditKey.* and auditValue.* words). */
static const char *const summary_keys[] = {"reason", "field", "rows", "params", "query", "format", "type", "count",
                                           "name", "changed", "revealed", "person_id", "to_org_id", "holding_org_id",
                                           "from_id", "to_id", "schema", "rows_redacted", "via", "target_org",
                                           "target_org_id", "state", "note", "year", "role", "org_id", "username", NULL};
static const char *const summary_key_words[] = {
    "事由", "字段", "行数", "筛选条件", "查询条件", "格式", "类型", "数量", "名称", "改动", "完整信息", "居民编号", "迁入组织编号",
    "登记组织编号", "起始行", "截止行", "数据库版本", "处理行数", "途径", "目标组织", "目标组织编号", "状态", "备注", "年度",
    "角色", "组织编号", "用户名", NULL};
static const char *const summary_values[] = {"id_card", "phone", "contact_phone", NULL};
static const char *const summary_value_words[] = {"身份证号", "手机号", "联系电话", NULL};

static const char *word_of(const char *const *values, const char *const *words, const char *v)
{
    for (size_t i = 0; v && values[i]; i++)
        if (strcmp(values[i], v) == 0)
            return words[i];
    return NULL;
}

/* One value of a summary as text: words for the known ones, 是/否, a list
 * joined with 、, anything else as compact JSON. */
static void summary_value_text(strbuf_t *b, const json_t *v)
{
    size_t i;
    json_t *x;
    const char *known = json_is_string(v) ? word_of(summary_values, summary_value_words, json_string_value(v)) : NULL;
    if (known)
        strbuf_add(b, known);
    else if (json_is_string(v))
        strbuf_add(b, json_string_value(v));
    else if (json_is_boolean(v))
        strbuf_add(b, json_is_true(v) ? "是" : "否");
    else if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            if (i)
                strbuf_add(b, "、");
            summary_value_text(b, x);
        }
    } else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        strbuf_add(b, t ? t : "");
        free(t);
    }
}

/* A summary as "事由：上门核实；字段：身份证号" (unknown keys as they are). */
static json_t *summary_text(const json_t *sum)
{
    strbuf_t b = {0};
    const char *key;
    json_t *v;
    int n = 0;
    json_object_foreach((json_t *)sum, key, v) {
        const char *word = word_of(summary_keys, summary_key_words, key);
        strbuf_add(&b, n++ ? "；" : "");
        strbuf_add(&b, word ? word : key);
        strbuf_add(&b, "：");
        summary_value_text(&b, v);
    }
    json_t *out = json_string(b.s ? b.s : "");
    free(b.s);
    return out;
}

/* What reading rows needs besides each row (the list's row_ctx). */
typedef struct {
    db_t *db;
    const char *const *words; /* the actions' words for an export; NULL for the JSON list */
    json_t *paths;            /* an org path -> the names of its nodes, each path read once */
    size_t scope_end;         /* the list's conditions after the scope start here (audit_count) */
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX]; /* the scope */
} audit_read_t;

/* The names of path's nodes from the top, "合肥市 / 蜀山区 / 西园街道 / 龙居社区", with
 * one look-up of at most 8 nodes per distinct path of a page or an export; NULL
 * for "/" (a row tied to no node) or when it cannot be read. */
static const char *path_names(audit_read_t *r, const char *path)
{
    json_t *known = json_object_get(r->paths, path);
    if (known)
        return json_string_value(known);
    int64_t ids[8] = {0};
    int n = path_ids(path, ids, 8);
    json_t *rows = n > 0 ? db_rows_json(r->db, "SELECT id, name FROM org WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?)",
                                        "iiiiiiii", ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7])
                         : NULL;
    strbuf_t b = {0};
    for (int i = 0; i < n && rows; i++) {
        size_t j;
        json_t *o;
        json_array_foreach(rows, j, o) {
            if (json_integer_value(json_object_get(o, "id")) == ids[i]) {
                strbuf_add(&b, b.s ? " / " : "");
                strbuf_add(&b, json_string_value(json_object_get(o, "name")));
            }
        }
    }
    json_decref(rows);
    json_object_set_new(r->paths, path, b.s ? json_string(b.s) : json_null());
    free(b.s);
    return json_string_value(json_object_get(r->paths, path));
}

/* Each answered row: the time and summary as JSON, the resident's name masked
 * (never more than the surname), the node's path by name, and for an export
 * the texts its columns take. ctx: the audit_read_t. */
static void audit_row(json_t *row, void *ctx)
{
    audit_read_t *r = ctx;
    json_t *one = json_array();
    json_array_append(one, row);
    audit_rows_finish(one);
    json_decref(one);
    char masked[16];
    const char *person = json_string_value(json_object_get(row, "entity_person"));
    if (person) {
        name_mask(masked, sizeof masked, person);
        json_object_set_new(row, "entity_name", json_string(masked));
    }
    json_object_del(row, "entity_person");
    /* A resident's person.created and person.updated rows hold the name they
     * were given: it stays as stored (the chain covers it) and is answered
     * masked like the object's name. */
    const char *entity = json_string_value(json_object_get(row, "entity"));
    json_t *sum = json_object_get(row, "summary");
    const char *given = json_string_value(json_object_get(sum, "name"));
    if (given && entity && strcmp(entity, "person") == 0) {
        name_mask(masked, sizeof masked, given);
        json_object_set_new(sum, "name", json_string(masked));
    }
    const char *path = json_string_value(json_object_get(row, "org_path"));
    const char *names = path ? path_names(r, path) : NULL;
    json_object_set_new(row, "org_path_names", names ? json_string(names) : json_null());
    json_object_del(row, "org_path");
    if (r->words == NULL)
        return;
    const char *action = json_string_value(json_object_get(row, "action"));
    const char *word = word_of(audit_actions, r->words, action);
    const char *field = json_string_value(json_object_get(json_object_get(row, "summary"), "field"));
    if (action && strcmp(action, "person.revealed") == 0 && field)
        word = strcmp(field, "id_card") == 0 ? "查看身份证号" : strcmp(field, "phone") == 0 ? "查看手机号" : word;
    json_object_set_new(row, "action_text", json_string(word ? word : action ? action : ""));
    const char *dn = json_string_value(json_object_get(row, "actor_display_name"));
    const char *un = json_string_value(json_object_get(row, "actor_name"));
    json_object_set_new(row, "actor_text", dn && un && strcmp(dn, un) != 0 ? json_sprintf("%s（%s）", dn, un)
                                                                            : json_string(un ? un : ""));
    const char *name = json_string_value(json_object_get(row, "entity_name"));
    json_int_t eid = json_integer_value(json_object_get(row, "entity_id"));
    json_object_set_new(row, "entity_text", name ? json_sprintf("%s #%lld", name, (long long)eid)
                                                 : json_sprintf("#%lld", (long long)eid));
    json_object_set_new(row, "summary_text", summary_text(json_object_get(row, "summary")));
    /* Shown in Asia/Shanghai, as the console shows it. */
    int64_t at = 0;
    time_parse_rfc3339(json_string_value(json_object_get(row, "at")), &at);
    time_t local = (time_t)(at + 8 * 3600);
    struct tm tm;
    char text[32];
    gmtime_r(&local, &tm);
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    json_object_set_new(row, "at_text", json_string(text));
}

/* The list the request asks for (the caller's subtree of ?org=, and the
 * filters), begun in l and unrun, its rows finished with r: 0, or -1 with rep
 * set (l not begun). */
static int audit_of(api_req_t *req, api_reply_t *rep, api_list_t *l, audit_read_t *r)
{
    int64_t org = 0, actor = 0, entity_id = 0, from = 0, to = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0 ||
        api_query_int(req, "actor_id", 0, 0, INT64_MAX, &actor) != 0 ||
        api_query_int(req, "entity_id", 0, 1, INT64_MAX, &entity_id) != 0)
        return api_fail(rep, req->lang, E_FILTER_ID_INVALID, NULL);
    const char *names[2] = {"from", "to"};
    int64_t *vals[2] = {&from, &to};
    for (int i = 0; i < 2; i++) {
        char *v = api_query(req, names[i]);
        if (v && time_parse_rfc3339(v, vals[i]) != 0) {
            free(v);
            return api_fail(rep, req->lang, E_TIME_INVALID, names[i]);
        }
        free(v);
    }
    if (from && to && to <= from)
        return api_fail(rep, req->lang, E_TIME_INVALID, "to");
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_AUDIT_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    /* Newest first: the cursor is the last id seen, and the next page is older. */
    api_list_begin(l,
                   "SELECT a.id, a.at AS at_at, a.actor_id, a.actor_name, u.display_name AS actor_display_name,"
                   " a.source, a.action, a.entity, a.entity_id, a.org_id, o.name AS org_name, a.org_path, a.summary,"
                   " a.hash, "
                   AUDIT_ENTITY_NAME,
                   "FROM audit_log a LEFT JOIN app_user u ON u.id = a.actor_id LEFT JOIN org o ON o.id = a.org_id",
                   "a.id", "id");
    l->newest_first = 1;
    l->row = audit_row;
    l->row_ctx = r;
    /* Only the filters given are conditions, so each can drive its index (schema
     * 050: action, actor, time); a filter written as "absent or equal" drives none.
     * The scope: a node down to a street (or everything) holds a large part of the
     * log, read newest first by id with the path checked per row (its text
     * concatenated, so no plan ranges over audit_log_path and sorts a district's
     * million rows); a community or below, a small part, read through
     * audit_log_path and sorted. The count goes through the index either way
     * (audit_count). docs/decisions.md, "Query plans at city scale". */
    str_copy(r->lo, sizeof r->lo, lo), str_copy(r->hi, sizeof r->hi, hi);
    if (path_depth(lo) <= 3)
        api_list_where(l, "a.org_path || '' >= ? AND a.org_path || '' < ?", "tt", lo, hi);
    else
        api_list_where(l, "a.org_path >= ? AND a.org_path < ?", "tt", lo, hi);
    r->scope_end = l->wn;
    char *action = api_query(req, "action");
    char *entity = api_query(req, "entity");
    if (actor)
        api_list_where(l, "a.actor_id = ?", "i", actor);
    if (action)
        api_list_where(l, "a.action = ?", "t", action);
    if (entity)
        api_list_where(l, "a.entity = ?", "t", entity);
    if (entity_id)
        api_list_where(l, "a.entity_id = ?", "i", entity_id);
    if (from)
        api_list_where(l, "a.at >= ?", "i", from);
    if (to)
        api_list_where(l, "a.at < ?", "i", to);
    free(action);
    free(entity);
    return 0;
}

/* The list's total (共 N 条) up to cap + 1, counted with the scope as an index
 * range (audit_log_path, or the filter's own index): at most cap + 1 index
 * entries, never the log. The page's conditions after the scope are the same. */
static int64_t audit_count(db_t *db, const api_list_t *l, const audit_read_t *r)
{
    char *sql = db_sql_join("SELECT COUNT(*) FROM (SELECT 1 FROM audit_log a WHERE a.org_path >= ? AND a.org_path < ?",
                            l->where + r->scope_end, " LIMIT ?) t", NULL);
    db_val_t vals[LIST_VALS + 1];
    memcpy(vals, l->vals, sizeof vals[0] * (size_t)l->nv);
    vals[0] = (db_val_t){'t', 0, 0, r->lo, 0};
    vals[1] = (db_val_t){'t', 0, 0, r->hi, 0};
    vals[l->nv] = (db_val_t){'i', l->cap + 1, 0, NULL, 0};
    int64_t n = -1;
    db_stmt_t *st = sql ? db_qv(db, sql, vals, l->nv + 1) : NULL;
    if (st && db_step(st) == DB_ROW)
        n = db_col_int(st, 0);
    db_done(st);
    free(sql);
    return n;
}

int audit_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    audit_read_t r = {req->db, NULL, json_object(), 0, "", ""};
    if (audit_of(req, rep, &l, &r) != 0) {
        json_decref(r.paths);
        return -1;
    }
    if (api_list_query(req, rep, &l) != 0) {
        api_list_end(&l);
        json_decref(r.paths);
        return -1;
    }
    int64_t total = audit_count(req->db, &l, &r);
    l.known_total = total;
    json_t *page = total >= 0 ? api_list_run(req->db, &l) : NULL;
    if (page && total > l.cap) { /* "more than cap", as every list says it */
        json_object_set_new(page, "total", json_integer(l.cap));
        json_object_set_new(page, "total_capped", json_true());
    }
    api_list_end(&l);
    json_decref(r.paths);
    return page ? api_json(rep, 200, page) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* GET /api/v1/audit/export: the same list as a workbook (审计日志), in words
 * and names, newest first; the export is audited as every list export is
 * (audit.exported, the filters' names). It holds no personal value (residents'
 * names masked, summaries as written), so it asks for no reason. */
static int audit_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"at_text", "时间", NULL, NULL},
        {"actor_text", "操作人", NULL, NULL},
        {"source", "来源地址", NULL, NULL},
        {"action_text", "动作", NULL, NULL},
        {"entity_text", "对象", NULL, NULL},
        {"org_path_names", "所属组织", NULL, NULL},
        {"summary_text", "内容", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    audit_read_t r = {req->db, audit_action_words, json_object(), 0, "", ""};
    int rc = audit_of(req, rep, &l, &r) != 0 ? -1 : api_list_export(req, rep, &l, "审计日志", cols, "audit-log");
    json_decref(r.paths);
    return rc;
}

/* Checks the head row against the walked chain: rows read, the last id and
 * hash, whether any row was in format 2. DB_OK or DB_ERR with msg. */
static int head_check(db_t *db, const unsigned char key[32], int64_t last_id, const char *last_hash, int any_v2,
                      int64_t *bad_id, char *msg, size_t cap)
{
    db_stmt_t *st = db_q(db, "SELECT last_id, last_hash, mac FROM audit_head WHERE one = 1", "");
    if (st == NULL) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return DB_ERR;
    }
    int rc = db_step(st);
    int64_t head_id = 0;
    char head_hash[AUDIT_HASH_HEX + 1] = "", head_mac[AUDIT_HASH_HEX + 1] = "";
    int overlong = 0; /* a hash or MAC longer than one: copied whole it would be cut to fit and compare equal */
    if (rc == DB_ROW) {
        head_id = db_col_int(st, 0);
        overlong = strlen(db_col_text(st, 1)) > AUDIT_HASH_HEX || strlen(db_col_text(st, 2)) > AUDIT_HASH_HEX;
        str_copy(head_hash, sizeof head_hash, db_col_text(st, 1));
        str_copy(head_mac, sizeof head_mac, db_col_text(st, 2));
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return DB_ERR;
    }
    *bad_id = last_id;
    if (rc == DB_DONE) {
        snprintf(msg, cap, "the audit head is missing (deleted)");
        return DB_ERR;
    }
    if (overlong) {
        snprintf(msg, cap, "the audit head was edited: its hash or MAC is not of a MAC's length");
        return DB_ERR;
    }
    if (head_mac[0] != '\0') {
        char want[AUDIT_HASH_HEX + 1];
        audit_head_mac(want, key, head_id, head_hash);
        if (sodium_memcmp(want, head_mac, AUDIT_HASH_HEX) != 0) {
            snprintf(msg, cap, "the audit head was edited: its MAC does not match the row it names");
            return DB_ERR;
        }
    } else if (any_v2) {
        snprintf(msg, cap, "the audit head carries no MAC although the chain has rows written since it must");
        return DB_ERR;
    }
    if (head_id != last_id || strcmp(head_hash, last_hash) != 0) {
        *bad_id = head_id > last_id ? last_id + 1 : (head_id ? head_id : last_id);
        snprintf(msg, cap, "the audit head names row %lld but the log ends at row %lld (rows removed from the end)",
                 (long long)head_id, (long long)last_id);
        return DB_ERR;
    }
    return DB_OK;
}

int audit_verify_tail(db_t *db, const unsigned char key[32], audit_tail_t *tail, int64_t *bad_id, char *msg,
                      size_t cap)
{
    memset(tail, 0, sizeof *tail);
    *bad_id = 0;
    db_stmt_t *st = db_q(db,
                         "SELECT id, at, actor_id, actor_name, source, action, entity, entity_id, org_id, summary,"
                         " prev_hash, hash, org_path, mac_version FROM audit_log ORDER BY id",
                         "");
    if (st == NULL) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return DB_ERR;
    }
    char prev[AUDIT_HASH_HEX + 1] = "";
    int64_t expect = 1;
    int rc, bad = 0, any_v2 = 0;
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
            .org_path = db_col_text(st, 12),
            .version = (int)db_col_int(st, 13),
        };
        tail->rows++;
        char hash[AUDIT_HASH_HEX + 1];
        bad = 1;
        *bad_id = f.id;
        if (f.id != expect) {
            *bad_id = expect;
            snprintf(msg, cap, "audit row %lld is missing (next present row is %lld)", (long long)expect,
                     (long long)f.id);
            break;
        }
        if (strcmp(f.prev_hash, prev) != 0) {
            snprintf(msg, cap, "audit row %lld does not link to row %lld (edited or deleted rows)", (long long)f.id,
                     (long long)(f.id - 1));
            break;
        }
        /* A row may not fall back to the format that leaves columns out. */
        if (f.version != AUDIT_MAC_V1 && f.version != AUDIT_MAC_V2) {
            snprintf(msg, cap, "audit row %lld names an unknown MAC format %d", (long long)f.id, f.version);
            break;
        }
        if (f.version == AUDIT_MAC_V1 && any_v2) {
            snprintf(msg, cap, "audit row %lld claims the old MAC format after rows of the new one (edited)",
                     (long long)f.id);
            break;
        }
        audit_chain_hash(hash, key, &f);
        if (strcmp(hash, db_col_text(st, 11)) != 0) {
            snprintf(msg, cap, "audit row %lld was edited: its MAC does not match its content", (long long)f.id);
            break;
        }
        bad = 0;
        any_v2 |= f.version == AUDIT_MAC_V2;
        str_copy(prev, sizeof prev, hash);
        expect++;
    }
    db_done(st);
    if (bad)
        return DB_ERR;
    *bad_id = 0;
    if (rc != DB_DONE) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return DB_ERR;
    }
    /* `jiceng init` always writes rows (the admin account's): an empty log is a
     * wiped one. */
    if (tail->rows == 0) {
        *bad_id = 1;
        snprintf(msg, cap, "the audit log is empty: every initialised database has rows, so it was wiped");
        return DB_ERR;
    }
    tail->last_id = expect - 1;
    str_copy(tail->last_hash, sizeof tail->last_hash, prev);
    return head_check(db, key, tail->last_id, prev, any_v2, bad_id, msg, cap);
}

int audit_verify(db_t *db, const unsigned char key[32], int64_t *bad_id, int64_t *rows_out, char *msg, size_t cap)
{
    audit_tail_t tail;
    int rc = audit_verify_tail(db, key, &tail, bad_id, msg, cap);
    *rows_out = tail.rows;
    return rc;
}

/* ---- anchors: the chain's tail as the operator keeps it elsewhere ---- */

#define ANCHOR_FORMAT "jiceng-audit-anchor-v1"

char *audit_anchor_text(const unsigned char key[32], const audit_tail_t *tail, int64_t now)
{
    char at[40], mac[AUDIT_HASH_HEX + 1];
    time_format_rfc3339(at, now);
    audit_anchor_mac(mac, key, tail->last_id, tail->last_hash, at);
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s}", "format", ANCHOR_FORMAT, "last_id", (json_int_t)tail->last_id,
                          "last_hash", tail->last_hash, "taken_at", at, "mac", mac);
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

int audit_anchor_check(db_t *db, const unsigned char key[32], const char *anchor_text, char *msg, size_t cap)
{
    json_error_t jerr;
    json_t *o = json_loads(anchor_text, 0, &jerr);
    const char *fmt = json_string_value(json_object_get(o, "format"));
    const char *hash = json_string_value(json_object_get(o, "last_hash"));
    const char *at = json_string_value(json_object_get(o, "taken_at"));
    const char *mac = json_string_value(json_object_get(o, "mac"));
    json_t *idv = json_object_get(o, "last_id");
    int rc = DB_ERR;
    if (!fmt || strcmp(fmt, ANCHOR_FORMAT) != 0 || !hash || !at || !mac || !json_is_integer(idv) ||
        strlen(mac) != AUDIT_HASH_HEX) {
        snprintf(msg, cap, "the anchor file is not a jiceng audit anchor (%s)", ANCHOR_FORMAT);
        goto out;
    }
    int64_t id = json_integer_value(idv);
    char want[AUDIT_HASH_HEX + 1];
    audit_anchor_mac(want, key, id, hash, at);
    if (sodium_memcmp(want, mac, AUDIT_HASH_HEX) != 0) {
        snprintf(msg, cap, "the anchor file was edited or made with another key");
        goto out;
    }
    char stored[AUDIT_HASH_HEX + 1] = "";
    int q = db_one_text(db, stored, sizeof stored, "SELECT hash FROM audit_log WHERE id = ?", "i", id);
    if (q == DB_NOTFOUND) {
        snprintf(msg, cap, "the chain no longer holds row %lld anchored at %s (truncated or wiped)", (long long)id, at);
        goto out;
    }
    if (q != DB_OK) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        goto out;
    }
    if (strcmp(stored, hash) != 0) {
        snprintf(msg, cap, "row %lld is not the row anchored at %s (the chain was rewritten)", (long long)id, at);
        goto out;
    }
    rc = DB_OK;
out:
    json_decref(o);
    return rc;
}

/* ---- schema 017: the personal data of rows written before 012 taken out ---- */

/* Rows written before schema 011 held the birth date (person.created and
 * person.updated), which with the masked number narrows it to a few dozen: the
 * year only, as new rows hold it. In place, at any depth. */
static void birth_year_only(json_t *v)
{
    const char *key;
    void *tmp;
    json_t *x;
    size_t i;
    if (json_is_array(v))
        json_array_foreach(v, i, x) birth_year_only(x);
    if (!json_is_object(v))
        return;
    const char *birth = json_string_value(json_object_get(v, "birth_date"));
    if (json_object_get(v, "birth_date")) {
        if (birth && json_object_get(v, "birth_year") == NULL)
            json_object_set_new(v, "birth_year", json_integer(atoi(birth)));
        json_object_del(v, "birth_date");
    }
    json_object_foreach_safe(v, tmp, key, x) birth_year_only(x);
}

/* An export's row written before the facts form kept the request's raw query
 * string ("org=3&id_card=...&format=csv"): the value of every personal key
 * becomes "*", so the row still says which filters were used. A new string, or
 * NULL when nothing was masked. */
static char *query_scrubbed(const char *q)
{
    char *out = xmalloc(strlen(q) + 1);
    size_t o = 0;
    int masked = 0;
    for (const char *p = q; *p;) {
        size_t seg = strcspn(p, "&"), nlen = strcspn(p, "=");
        char *name = nlen < seg ? api_query_decode(p, nlen, 0) : NULL;
        int personal = name && api_personal_key(name) && seg > nlen + 1;
        free(name);
        memcpy(out + o, p, personal ? nlen + 1 : seg);
        o += personal ? nlen + 1 : seg;
        if (personal)
            out[o++] = '*';
        masked |= personal;
        p += seg;
        if (*p == '&')
            out[o++] = *p++;
    }
    out[o] = '\0';
    if (masked)
        return out;
    free(out);
    return NULL;
}

/* The summary text an old row gets: NULL if it needs no change. */
static char *summary_scrubbed(const char *text)
{
    json_t *old = json_loads(text, JSON_DECODE_ANY, NULL);
    if (old == NULL) { /* not JSON: its numbers masked as a text summary's are */
        size_t n = strlen(text);
        char *s = xstrndup(text, n);
        if (redact_numbers(s, n))
            return s;
        free(s);
        return NULL;
    }
    json_t *fixed = json_deep_copy(old);
    birth_year_only(fixed);
    const char *q = json_string_value(json_object_get(fixed, "query"));
    char *scrubbed = q ? query_scrubbed(q) : NULL;
    if (scrubbed)
        json_object_set_new(fixed, "query", json_string(scrubbed));
    free(scrubbed);
    json_t *safe = audit_summary_redacted(fixed);
    char *out = json_equal(old, safe) ? NULL : json_dumps(safe, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(old);
    json_decref(fixed);
    json_decref(safe);
    return out;
}

/* One row as read for resealing: its fields point into the owned copies. */
typedef struct {
    audit_fields_t f;
    char *text[7]; /* actor_name, source, action, entity, summary, org_path, hash */
} reseal_row_t;

static void reseal_row_read(reseal_row_t *r, db_stmt_t *st)
{
    static const int cols[7] = {3, 4, 5, 6, 9, 12, 11};
    for (int i = 0; i < 7; i++)
        r->text[i] = xstrdup(db_col_text(st, cols[i]) ? db_col_text(st, cols[i]) : "");
    r->f = (audit_fields_t){
        .id = db_col_int(st, 0),
        .at = db_col_int(st, 1),
        .actor_id = db_col_int(st, 2),
        .actor_name = r->text[0],
        .source = r->text[1],
        .action = r->text[2],
        .entity = r->text[3],
        .entity_id = db_col_int(st, 7),
        .org_id = db_col_int(st, 8),
        .summary = r->text[4],
        .org_path = r->text[5],
        .version = (int)db_col_int(st, 13),
    };
}

static void reseal_row_free(reseal_row_t *r)
{
    for (int i = 0; i < 7; i++)
        free(r->text[i]);
}

int audit_reseal(db_t *db, const keys_t *keys, int schema, int64_t *redacted, char *msg, size_t cap)
{
    enum { BATCH = 500 };
    audit_tail_t tail;
    int64_t bad = 0, after = 0, first = 0, last = 0;
    char prev[AUDIT_HASH_HEX + 1] = "";
    *redacted = 0;
    char why[400];
    int rc = audit_verify_tail(db, keys->audit, &tail, &bad, why, sizeof why);
    if (rc != DB_OK) {
        snprintf(msg, cap, "the audit chain must verify before its old rows are rewritten: %s", why);
        return rc;
    }
    static reseal_row_t rows[BATCH];
    for (;;) {
        int n = 0;
        db_stmt_t *st = db_q(db,
                             "SELECT id, at, actor_id, actor_name, source, action, entity, entity_id, org_id, summary,"
                             " prev_hash, hash, org_path, mac_version FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                             "ii", after, (int64_t)BATCH);
        if (st == NULL) {
            snprintf(msg, cap, "%s", db_errmsg(db));
            return DB_ERR;
        }
        while ((rc = db_step(st)) == DB_ROW)
            reseal_row_read(&rows[n++], st);
        db_done(st);
        rc = rc == DB_DONE ? DB_OK : DB_ERR;
        for (int i = 0; i < n; i++) {
            reseal_row_t *r = &rows[i];
            char *sum = rc == DB_OK && r->f.version == AUDIT_MAC_V1 ? summary_scrubbed(r->f.summary) : NULL;
            if (sum) {
                free(r->text[4]);
                r->f.summary = r->text[4] = sum;
                ++*redacted;
                first = first ? first : r->f.id;
            }
            if (rc == DB_OK && first) { /* from the first changed row on, every MAC and link anew */
                char hash[AUDIT_HASH_HEX + 1];
                r->f.prev_hash = prev;
                audit_chain_hash(hash, keys->audit, &r->f);
                rc = db_exec(db, NULL, "UPDATE audit_log SET summary = ?, prev_hash = ?, hash = ? WHERE id = ?",
                             "ttti", r->f.summary, prev, hash, r->f.id);
                str_copy(prev, sizeof prev, hash);
            } else
                str_copy(prev, sizeof prev, r->text[6]);
            after = last = r->f.id;
            reseal_row_free(r);
        }
        if (rc != DB_OK) {
            snprintf(msg, cap, "%s", db_errmsg(db));
            return rc;
        }
        if (n < BATCH)
            break;
    }
    if (first == 0)
        return DB_OK;
    rc = audit_head_write(db, keys->audit, last, prev);
    write_ctx_t w = {.now = clock_now(), .keys = keys};
    access_system(&w.who, "migrate");
    str_copy(w.source, sizeof w.source, "cli");
    str_copy(w.lang, sizeof w.lang, "en");
    if (rc == DB_OK)
        rc = audit_append_new(db, &w, "audit.resealed", "audit_log", first, 0,
                              json_pack("{s:I, s:I, s:I, s:i}", "rows_redacted", (json_int_t)*redacted, "from_id",
                                        (json_int_t)first, "to_id", (json_int_t)last, "schema", schema));
    if (rc != DB_OK) {
        snprintf(msg, cap, "%s", db_errmsg(db));
        return rc;
    }
    /* The rewritten chain must verify as any other before it is committed. */
    rc = audit_verify_tail(db, keys->audit, &tail, &bad, why, sizeof why);
    if (rc != DB_OK)
        snprintf(msg, cap, "the chain as sealed again does not verify (a fault of this binary): %s", why);
    return rc;
}

static const field_t audit_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"actor_id", F_INT, 0, 0, INT64_MAX, NULL, 0},
    {"action", F_ENUM, 0, 0, 0, audit_actions, 0},
    {"entity", F_TEXT, 0, 0, 0, NULL, 0},
    {"entity_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"from", F_TEXT, 0, 0, 0, NULL, 0},
    {"to", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

const op_t audit_ops[] = {
    {OP(HTTP_GET, "/api/v1/audit", "audit.list", PERM(PERM_AUDIT_READ), RF_PAGED, audit_list), .query = audit_list_query},
    {OP(HTTP_GET, "/api/v1/audit/export", "audit.export", PERM(PERM_AUDIT_READ), RF_WRITES, audit_export),
     .query = audit_list_query},
    OPS_END,
};
