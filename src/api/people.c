/* Residents (人口), their households and tags. ID numbers and phones are
 * stored encrypted with a keyed hash for exact lookup; every answer shows them
 * masked, and revealing one is its own permission and its own audit row. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/sheet.h"
#include "http/server.h"

#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/idcard.h"
#include "core/path.h"
#include "core/pii_text.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "core/utf8.h"
#include "http/server.h"
#include "lib/keys.h"
#include "lib/pii.h"
#include "lib/util.h"

const char *const person_relations[] = {"户主", "配偶", "子女", "父母", "祖父母", "孙子女", "兄弟姐妹", "其他", NULL};
const char *const person_genders[] = {"M", "F", NULL};
static const char *const pii_fields[] = {"id_card", "phone", NULL};

static const field_t person_create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"household_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"relation", F_ENUM, 0, 0, 0, person_relations},
    {"name", F_NAME, 1, 1, 50, NULL},
    {"id_card", F_TEXT, 1, 1, 18, NULL},
    {"phone", F_TEXT, 0, 1, 20, NULL},
    {"gender", F_ENUM, 0, 0, 0, person_genders},
    {"birth_date", F_DATE, 0, DATE_BIRTH_EARLIEST, 0, NULL},
    FIELDS_END,
};

static const field_t person_update_fields[] = {
    {"org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL},
    {"household_id", F_INT, 0, 1, INT64_MAX, NULL},
    {"relation", F_ENUM, 0, 0, 0, person_relations},
    {"name", F_NAME, F_NOT_NULL, 1, 50, NULL},
    {"id_card", F_TEXT, F_NOT_NULL, 1, 18, NULL},
    {"phone", F_TEXT, 0, 1, 20, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

static const field_t reveal_fields[] = {
    {"field", F_ENUM, 1, 0, 0, pii_fields},
    {"reason", F_TEXT, 1, REASON_MIN, REASON_MAX, NULL},
    FIELDS_END,
};

static const field_t household_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL},
    {"address", F_TEXT, 1, 1, 200, NULL},
    FIELDS_END,
};

static const field_t household_update_fields[] = {
    {"org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL},
    {"address", F_TEXT, F_NOT_NULL, 1, 200, NULL},
    {"version", F_INT, 0, 1, INT64_MAX, NULL},
    FIELDS_END,
};

#define PERSON_SELECT                                                                                                  \
    "SELECT p.id, p.org_id, o.name AS org_name, p.household_id, p.relation, p.name, p.gender, p.birth_year,"         \
    " p.id_card_masked AS id_card, p.phone_masked AS phone, p.created_at, p.updated_at, p.version,"                  \
    " (SELECT group_concat(tag, ',') FROM (SELECT t.tag FROM person_tag t WHERE t.person_id = p.id"                  \
    "  ORDER BY t.tag) AS s) AS tags,"                                                                                 \
    " EXISTS (SELECT 1 FROM party_member m WHERE m.person_id = p.id) AS is_party_member"                             \
    " FROM person p JOIN org o ON o.id = p.org_id"

/* "a,b" -> ["a","b"] in the row's tags. */
static void tags_to_array(json_t *row)
{
    const char *s = json_string_value(json_object_get(row, "tags"));
    json_t *arr = json_array();
    while (s && *s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        json_array_append_new(arr, json_stringn(s, n));
        s = comma ? comma + 1 : NULL;
    }
    json_object_set_new(row, "tags", arr);
}

/* A person's row as answers show it: tags as an array, and the age in whole
 * years (this year in Asia/Shanghai less the birth year). No birth date: with it
 * the masked number could be rebuilt (docs/people.md, "What a masked number tells"). */
static void person_row_finish(json_t *row, int this_year)
{
    tags_to_array(row);
    json_int_t year = json_integer_value(json_object_get(row, "birth_year"));
    json_object_set_new(row, "age", json_integer(this_year - year));
}

static json_t *person_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, PERSON_SELECT " WHERE p.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (o)
        person_row_finish(o, api_today_ymd() / 10000);
    return o;
}

/* The person's org if the caller holds perm over it; DB_NOTFOUND otherwise. */
static int person_access(db_t *db, const principal_t *who, uint32_t perm, int64_t id, int64_t *org_id)
{
    int rc = db_one_int(db, org_id, "SELECT org_id FROM person WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    return access_org(db, who, perm, *org_id, NULL, 0);
}


/* Validate id_card (and gender/birth_date against it when given) and phone;
 * on success put the derived gender and birth year into data (a birth date
 * given is checked and dropped: only the encrypted number keeps it). 0 or -1. */
static int check_identity(const api_req_t *req, json_t *data, api_reply_t *rep)
{
    const char *id = json_string_value(json_object_get(data, "id_card"));
    if (id) {
        idcard_info_t info;
        const char *reason;
        if (idcard_parse(id, api_today_ymd(), &info, &reason) != 0) {
            static const struct {
                const char *reason, *zh, *en;
            } msgs[] = {
                {"idcard_format", "身份证号应为 18 位数字（末位可为 X）", "an ID number is 17 digits and a digit or X"},
                {"idcard_checksum", "身份证号校验位错误", "the ID number's check character is wrong"},
                {"idcard_date", "身份证号中的出生日期无效", "the birth date in the ID number is not a real past date"},
                {"idcard_region", "身份证号的地区码无效", "the ID number's address code is unknown"},
            };
            size_t i = 0;
            while (i < 3 && strcmp(msgs[i].reason, reason) != 0)
                i++;
            api_error(rep, req->lang, 400, "validation_failed", "id_card", msgs[i].zh, msgs[i].en);
            json_object_set_new(json_object_get(rep->json, "error"), "reason", json_string(reason));
            return -1;
        }
        char birth[11], gender[2] = {info.gender, 0};
        snprintf(birth, sizeof birth, "%04d-%02d-%02d", info.year, info.month, info.day);
        const char *g = json_string_value(json_object_get(data, "gender"));
        const char *b = json_string_value(json_object_get(data, "birth_date"));
        if (g && strcmp(g, gender) != 0) {
            api_error(rep, req->lang, 400, "validation_failed", "gender", "性别与身份证号不符",
                      "the gender does not match the ID number");
            return -1;
        }
        if (b && strcmp(b, birth) != 0) {
            api_error(rep, req->lang, 400, "validation_failed", "birth_date", "出生日期与身份证号不符",
                      "the birth date does not match the ID number");
            return -1;
        }
        json_object_set_new(data, "gender", json_string(gender));
        json_object_del(data, "birth_date");
        json_object_set_new(data, "birth_year", json_integer(info.year));
        char upper[IDCARD_LEN + 1];
        str_copy(upper, sizeof upper, id);
        if (upper[17] == 'x')
            upper[17] = 'X';
        json_object_set_new(data, "id_card", json_string(upper));
    }
    const char *phone = json_string_value(json_object_get(data, "phone"));
    if (phone && !phone_valid(phone)) {
        api_error(rep, req->lang, 400, "validation_failed", "phone", "电话号码格式错误",
                  "not a mainland mobile or landline number");
        return -1;
    }
    return 0;
}

int person_check_identity(const api_req_t *req, json_t *body, api_reply_t *rep)
{
    return check_identity(req, body, rep);
}

/* Tags: an array of known tag codes, taken out of body before field checks. */
static int take_tags(const api_req_t *req, json_t *body, json_t **tags, api_reply_t *rep)
{
    *tags = NULL;
    json_t *t = json_object_get(body, "tags");
    if (t == NULL)
        return 0;
    if (!json_is_array(t) || json_array_size(t) > 20) {
        api_error(rep, req->lang, 400, "validation_failed", "tags", "标签应为标签代码的数组",
                  "tags must be an array of tag codes");
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(t, i, v) {
        int64_t ok = 0;
        if (!json_is_string(v) ||
            db_one_int(req->db, &ok, "SELECT COUNT(*) FROM person_tag_kind WHERE code = ? AND active = 1", "t",
                       json_string_value(v)) != DB_OK ||
            ok == 0) {
            api_error(rep, req->lang, 400, "validation_failed", "tags", "未知的标签", "unknown tag");
            return -1;
        }
    }
    *tags = json_incref(t);
    json_object_del(body, "tags");
    return 0;
}

/* Store id_card and phone of data for person id: encrypted, hashed, masked. */
static int store_pii(db_t *db, const write_ctx_t *w, int64_t id, json_t *data)
{
    int rc = DB_OK;
    const char *idc = json_string_value(json_object_get(data, "id_card"));
    if (idc) {
        char *enc = pii_encrypt(w->keys, "person.id_card", idc);
        char hash[PII_HASH_HEX + 1], masked[32], tail[PII_TAIL_HASH_HEX + 1];
        pii_lookup_hash(hash, w->keys, "person.id_card", idc);
        pii_tail_hash(tail, w->keys, "person.id_card_tail", idc);
        idcard_mask(masked, sizeof masked, idc);
        rc = db_exec(db, NULL,
                     "UPDATE person SET id_card_enc = ?, id_card_hash = ?, id_card_masked = ?, id_tail_hash = ?"
                     " WHERE id = ?",
                     "tttti", enc, hash, masked, tail, id);
        free(enc);
    }
    json_t *ph = json_object_get(data, "phone");
    if (rc == DB_OK && ph && json_is_null(ph)) {
        rc = db_exec(db, NULL,
                     "UPDATE person SET phone_enc = NULL, phone_hash = NULL, phone_masked = NULL, phone_tail_hash = NULL"
                     " WHERE id = ?",
                     "i", id);
    } else if (rc == DB_OK && json_is_string(ph)) {
        const char *p = json_string_value(ph);
        char *enc = pii_encrypt(w->keys, "person.phone", p);
        char hash[PII_HASH_HEX + 1], masked[32], tail[PII_TAIL_HASH_HEX + 1];
        pii_lookup_hash(hash, w->keys, "person.phone", p);
        pii_tail_hash(tail, w->keys, "person.phone_tail", p);
        phone_mask(masked, sizeof masked, p);
        rc = db_exec(db, NULL,
                     "UPDATE person SET phone_enc = ?, phone_hash = ?, phone_masked = ?, phone_tail_hash = ? WHERE id = ?",
                     "tttti", enc, hash, masked, tail, id);
        free(enc);
    }
    return rc;
}

/* ---- rollups of a person ---- */

int person_rollup(db_t *db, int64_t id, int sign)
{
    int64_t org = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    rc = rollup_add(db, org, "residents", sign);
    json_t *tags = db_rows_json(db, "SELECT tag FROM person_tag WHERE person_id = ?", "i", id);
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        char fig[64];
        snprintf(fig, sizeof fig, "tag.%s", json_string_value(json_object_get(t, "tag")));
        if (rc == DB_OK)
            rc = rollup_add(db, org, fig, sign);
    }
    json_decref(tags);
    return rc;
}

static int set_tags(db_t *db, int64_t id, json_t *tags)
{
    int rc = db_exec(db, NULL, "DELETE FROM person_tag WHERE person_id = ?", "i", id);
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "INSERT INTO person_tag (person_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         "it", id, json_string_value(t));
    }
    return rc;
}

static int household_check(db_t *db, const write_ctx_t *w, int64_t household, api_reply_t *rep)
{
    int64_t horg = 0;
    int rc = db_one_int(db, &horg, "SELECT org_id FROM household WHERE id = ?", "i", household);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, horg, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_error(rep, w->lang, 404, "not_found", "household_id", "户不存在", "no such household") - 1;
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int dup_id_error(api_reply_t *rep, const char *lang)
{
    /* Never say where the other record is: it may be outside the caller's scope. */
    return api_error(rep, lang, 409, "conflict", "id_card", "该身份证号已登记", "this ID number is already registered") -
           1;
}

int person_by_id_card(db_t *db, const keys_t *keys, const char *id_card, int64_t *id, int64_t *org)
{
    char hash[PII_HASH_HEX + 1];
    pii_lookup_hash(hash, keys, "person.id_card", id_card);
    db_stmt_t *st = db_q(db, "SELECT id, org_id FROM person WHERE id_card_hash = ?", "t", hash);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_int(st, 0);
        *org = db_col_int(st, 1);
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

/* A registration of an ID number that person holds at holder, outside what the
 * caller may see: the attempt is audited where the holding org's staff and the
 * auditors read it (actor, the caller's target org, how; no personal value). */
static int elsewhere_audit(db_t *db, const write_ctx_t *w, int64_t person, int64_t holder, int64_t target,
                           const char *via)
{
    char name[128] = "";
    org_brief(db, target, NULL, 0, name, sizeof name);
    return audit_append_new(db, w, "person.exists_elsewhere", "person", person, holder,
                            json_pack("{s:I, s:s, s:s}", "target_org_id", (json_int_t)target, "target_org", name,
                                      "via", via));
}

/* The answer to registering an ID number held outside the caller's scope: the
 * same whichever org holds it (no org, name or id). */
static void elsewhere_error(api_reply_t *rep, const char *lang)
{
    api_error(rep, lang, 409, "person_exists_elsewhere", "id_card", "该身份证号已在本市其他单位登记，可申请迁入",
              "this ID number is registered elsewhere in the city; you may ask for the person to move here");
}

static json_t *audit_summary(const json_t *data, const json_t *tags)
{
    json_t *s = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)data, key, v) {
        if (strcmp(key, "id") != 0)
            json_object_set(s, key, v); /* id_card and phone: audit_append says only that they changed */
    }
    if (tags)
        json_object_set(s, "tags", (json_t *)tags);
    return s;
}

/* ---- persons ---- */

/* Insert a validated person (data as person_input makes it). DB_OK with *id,
 * DB_UNIQUE if the ID number is registered already, else an error. */
static int person_insert(db_t *db, const write_ctx_t *w, json_t *data, int64_t *id)
{
    int64_t org = json_integer_value(json_object_get(data, "org_id"));
    int64_t household = json_integer_value(json_object_get(data, "household_id"));
    char hash[PII_HASH_HEX + 1];
    pii_lookup_hash(hash, w->keys, "person.id_card", json_string_value(json_object_get(data, "id_card")));
    int64_t exists = 0;
    if (db_one_int(db, &exists, "SELECT id FROM person WHERE id_card_hash = ?", "t", hash) == DB_OK)
        return DB_UNIQUE;
    int rc = db_one_int(db, id,
                        "INSERT INTO person (org_id, household_id, relation, name, gender, birth_year, id_card_enc,"
                        " id_card_hash, id_card_masked, id_tail_hash, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, '', ?, '', '', ?, ?) RETURNING id",
                        "iItttitii", org, household, json_string_value(json_object_get(data, "relation")),
                        json_string_value(json_object_get(data, "name")),
                        json_string_value(json_object_get(data, "gender")),
                        (int64_t)json_integer_value(json_object_get(data, "birth_year")), hash, w->now, w->now);
    if (rc == DB_OK)
        rc = store_pii(db, w, *id, data);
    json_t *tags = json_object_get(data, "tags");
    if (rc == DB_OK && tags)
        rc = set_tags(db, *id, tags);
    if (rc == DB_OK)
        rc = person_rollup(db, *id, +1);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "person.created", "person", *id, org, audit_summary(data, NULL));
    return rc;
}

static int person_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org_id"));
    if (api_org_input(db, w, PERM_PEOPLE_WRITE, org, "org_id", rep) != 0)
        return -1;
    int64_t id = 0, holder = 0;
    int rc = person_by_id_card(db, w->keys, json_string_value(json_object_get(data, "id_card")), &id, &holder);
    if (rc == DB_OK && access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND) {
        /* Kept (0): the refusal's audit row stays; nothing else was written. */
        rc = elsewhere_audit(db, w, id, holder, org, "create");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        elsewhere_error(rep, w->lang);
        return 0;
    }
    if (rc == DB_OK)
        return dup_id_error(rep, w->lang);
    if (rc != DB_NOTFOUND)
        return api_db_error(rep, w->lang, rc, NULL);
    int64_t household = json_integer_value(json_object_get(data, "household_id"));
    if (household > 0 && household_check(db, w, household, rep) != 0)
        return -1;
    rc = person_insert(db, w, data, &id);
    if (rc == DB_UNIQUE)
        return dup_id_error(rep, w->lang);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, person_json(db, id));
    return 0;
}

/* The validated input of a person create or update, or NULL with rep filled. */
static json_t *person_input(const api_req_t *req, const field_t *fields, api_reply_t *rep)
{
    json_t *data = json_deep_copy(req->body);
    json_t *tags;
    if (take_tags(req, data, &tags, rep) != 0 || api_validate(req, data, fields, rep) != 0 ||
        check_identity(req, data, rep) != 0) {
        json_decref(data);
        json_decref(tags);
        return NULL;
    }
    if (tags)
        json_object_set_new(data, "tags", tags);
    return data;
}

int person_create(api_req_t *req, api_reply_t *rep)
{
    json_t *data = person_input(req, person_create_fields, rep);
    return data ? api_defer(req, person_create_write, data) : 0;
}

int person_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    int rc = person_access(req->db, req->who, PERM_PEOPLE_READ, req->params[0], &org);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "person");
    json_t *p = person_json(req->db, req->params[0]);
    return p ? api_json(rep, 200, p) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* The filters of the residents' list, shared by its export: the subtree (org,
 * within the caller's scope), household, name prefix (q), ID and phone tails (by
 * their keyed hashes), an exact ID number (by its keyed hash) and a tag.
 * id_guess: an exact ID number asked by a caller who may not reveal over the
 * subtree, which confirms or refutes a guess: audited and limited per user. */
typedef struct person_filter {
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t household, node; /* node: the subtree asked for, before an ID number narrows it */
    char *prefix, *id_tail, *phone_tail, *tag;
    char hash[PII_HASH_HEX + 1];
    int by_id_card, id_guess;
} person_filter_t;

/* The WHERE clause of the filters (persons p joined with their org o), its
 * parameter types and its arguments, in the same order. */
#define PERSON_FILTER_SQL                                                                                              \
    " o.path >= ? AND o.path < ?"                                                                                      \
    " AND (CAST(? AS TEXT) IS NULL OR p.name LIKE ? ESCAPE '\\')"                                                      \
    " AND (CAST(? AS TEXT) IS NULL OR p.id_tail_hash = ?)"                                                             \
    " AND (CAST(? AS TEXT) IS NULL OR p.phone_tail_hash = ?)"                                                          \
    " AND (CAST(? AS TEXT) IS NULL OR p.id_card_hash = ?)"                                                             \
    " AND (? = 0 OR p.household_id = ?)"                                                                               \
    " AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM person_tag t WHERE t.person_id = p.id AND t.tag = ?))"
#define PERSON_FILTER_TYPES "ttttttttttiitt"
#define PERSON_FILTER_ARGS(f)                                                                                          \
    (f)->lo, (f)->hi, (f)->prefix, (f)->prefix, (f)->id_tail, (f)->id_tail, (f)->phone_tail, (f)->phone_tail,          \
        (f)->by_id_card ? (f)->hash : NULL, (f)->by_id_card ? (f)->hash : NULL, (f)->household, (f)->household,        \
        (f)->tag, (f)->tag

static void person_filter_free(person_filter_t *f)
{
    free(f->prefix);
    free(f->id_tail);
    free(f->phone_tail);
    free(f->tag);
    memset(f, 0, sizeof *f);
}

/* Read the filters from the query, checking the subtree against perm. 0, or -1
 * with rep set (400 naming the parameter, 404 for an org out of scope). */
static int person_filter_read(api_req_t *req, uint32_t perm, person_filter_t *f, api_reply_t *rep)
{
    memset(f, 0, sizeof *f);
    int64_t org = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id") - 1;
    if (api_query_int(req, "household", 0, 1, INT64_MAX, &f->household) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "household", "household 无效",
                         "household is not a valid id") - 1;
    int rc = access_list_range(req->db, req->who, perm, org, f->lo, f->hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    f->node = path_last_id(f->lo);
    char *id_tail = api_query(req, "id_tail"), *phone_tail = api_query(req, "phone_tail");
    f->tag = api_query(req, "tag");
    const char *bad = NULL;
    if (id_tail && strlen(id_tail) == 4 && id_tail[3] == 'x')
        id_tail[3] = 'X';
    if (id_tail && strlen(id_tail) != 4)
        bad = "id_tail";
    else if (phone_tail && strlen(phone_tail) != 4)
        bad = "phone_tail";
    /* The last 4 characters hold 2 of the sequence's 3 digits: a search by them
     * answers what the mask hides, so only who may reveal over the range asks it. */
    int may_reveal = access_covers(req->who, PERM_PII_REVEAL, f->lo);
    if (!bad && id_tail && !may_reveal) {
        free(id_tail);
        free(phone_tail);
        person_filter_free(f);
        return api_error(rep, req->lang, 403, "forbidden", "id_tail", "按身份证尾号查询需要查看完整身份信息的权限",
                         "searching by the ID number's last characters needs the permission to reveal them") - 1;
    }
    if (bad) {
        free(id_tail);
        free(phone_tail);
        person_filter_free(f);
        return api_error(rep, req->lang, 400, "validation_failed", bad, "查询条件无效（尾号为 4 位）",
                         "invalid filter (tails are 4 characters)") - 1;
    }
    if (id_tail) {
        f->id_tail = xmalloc(PII_TAIL_HASH_HEX + 1);
        pii_tail_hash(f->id_tail, req->keys, "person.id_card_tail", id_tail);
        sodium_memzero(id_tail, strlen(id_tail));
        free(id_tail);
    }
    if (phone_tail) {
        f->phone_tail = xmalloc(PII_TAIL_HASH_HEX + 1);
        pii_tail_hash(f->phone_tail, req->keys, "person.phone_tail", phone_tail);
        free(phone_tail);
    }
    char *id_card = api_query(req, "id_card");
    if (id_card) {
        char up[32];
        str_copy(up, sizeof up, id_card);
        size_t n = strlen(up);
        if (n == 18 && up[17] == 'x')
            up[17] = 'X';
        pii_lookup_hash(f->hash, req->keys, "person.id_card", up);
        f->by_id_card = 1;
        f->id_guess = !may_reveal;
        sodium_memzero(up, sizeof up);
        sodium_memzero(id_card, strlen(id_card));
        free(id_card);
        /* At most one resident has it: narrow the subtree to their org (found by the
         * unique hash index), or to nothing when they are not in it, so the query
         * reads that org's residents instead of the whole subtree's. */
        char path[ACCESS_PATH_MAX];
        int found = db_one_text(req->db, path, sizeof path,
                                "SELECT o.path FROM person p JOIN org o ON o.id = p.org_id WHERE p.id_card_hash = ?",
                                "t", f->hash);
        if (found == DB_OK && strcmp(path, f->lo) >= 0 && strcmp(path, f->hi) < 0 &&
            path_subtree_upper(f->hi, sizeof f->hi, path) == 0)
            str_copy(f->lo, sizeof f->lo, path);
        else if (found == DB_OK || found == DB_NOTFOUND)
            str_copy(f->hi, sizeof f->hi, f->lo); /* an empty range */
        else {
            person_filter_free(f);
            return api_db_error(rep, req->lang, found, NULL) - 1;
        }
    }
    char *q = api_query(req, "q");
    if (q && *q) {
        /* Names match from their start: 王 finds 王丽; wildcards are literal. */
        char *like = api_like_param(req, "q");
        size_t n = strlen(like);
        f->prefix = xmalloc(n + 1);
        memcpy(f->prefix, like + 1, n - 1); /* drop the leading % */
        f->prefix[n - 1] = '\0';
        free(like);
    }
    free(q);
    return 0;
}

/* The page of residents the filters select after id after (at most limit), as
 * the list answers it; NULL on a storage error. */
static json_t *person_page(db_t *db, const person_filter_t *f, int64_t after, int64_t limit)
{
    json_t *items = db_rows_json(db, PERSON_SELECT " WHERE" PERSON_FILTER_SQL " AND p.id > ? ORDER BY p.id LIMIT ?",
                                 PERSON_FILTER_TYPES "ii", PERSON_FILTER_ARGS(f), after, limit + 1);
    if (items == NULL)
        return NULL;
    size_t i;
    json_t *row;
    int this_year = api_today_ymd() / 10000;
    json_array_foreach(items, i, row) person_row_finish(row, this_year);
    return api_page_result(items, limit);
}

#define JSON_TEXT(o, k) (json_string_value(json_object_get((o), (k))) ? xstrdup(json_string_value(json_object_get((o), (k)))) : NULL)

/* An exact ID number searched by who may not reveal it: each answer confirms or
 * refutes one guess, so each is audited (never the number: the action, the
 * subtree and whether someone was found) and a user gets serve
 * --id-search-limit of them in 24 hours (docs/people.md). */
static int person_id_search_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t used = 0;
    int rc = db_one_int(db, &used,
                        "SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND entity_id = ?"
                        " AND action = 'persons.searched_by_id' AND at > ?",
                        "ii", w->who.user_id, w->now - 86400);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (used >= w->cfg->id_search_limit)
        return api_error(rep, w->lang, 429, "rate_limited", "id_card",
                         "24 小时内按身份证号查询的次数已达上限（需要查看完整身份信息的权限才不受此限）",
                         "too many searches by ID number in 24 hours (the permission to reveal lifts the limit)") -
               1;
    person_filter_t f = {0};
    str_copy(f.lo, sizeof f.lo, json_string_value(json_object_get(data, "lo")));
    str_copy(f.hi, sizeof f.hi, json_string_value(json_object_get(data, "hi")));
    str_copy(f.hash, sizeof f.hash, json_string_value(json_object_get(data, "hash")));
    f.by_id_card = 1;
    f.household = json_integer_value(json_object_get(data, "household"));
    f.prefix = JSON_TEXT(data, "prefix");
    f.phone_tail = JSON_TEXT(data, "phone_tail");
    f.tag = JSON_TEXT(data, "tag");
    json_t *page = person_page(db, &f, json_integer_value(json_object_get(data, "after")),
                               json_integer_value(json_object_get(data, "limit")));
    person_filter_free(&f);
    if (page == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int64_t node = json_integer_value(json_object_get(data, "node"));
    rc = audit_append_new(db, w, "persons.searched_by_id", "user", w->who.user_id, node,
                          json_pack("{s:I, s:I}", "org", (json_int_t)node, "found",
                                    (json_int_t)json_array_size(json_object_get(page, "items"))));
    if (rc != DB_OK) {
        json_decref(page);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return api_json(rep, 200, page);
}

int person_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    person_filter_t f;
    if (person_filter_read(req, PERM_PEOPLE_READ, &f, rep) != 0)
        return 0;
    if (f.id_guess) {
        json_t *data = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s?, s:s?, s:s?, s:I, s:I}", "lo", f.lo, "hi", f.hi, "hash",
                                 f.hash, "household", (json_int_t)f.household, "node", (json_int_t)f.node, "prefix",
                                 f.prefix, "phone_tail", f.phone_tail, "tag", f.tag, "after", (json_int_t)after,
                                 "limit", (json_int_t)limit);
        person_filter_free(&f);
        return api_defer(req, person_id_search_write, data);
    }
    /* The page depends on the data, the caller's scope range and the query only. */
    size_t klen = strlen(f.lo) + strlen(f.hi) + strlen(req->query) + 16;
    char *key = xmalloc(klen);
    snprintf(key, klen, "persons:%s|%s|%s", f.lo, f.hi, req->query);
    if (cache_reply(req, key, rep)) {
        free(key);
        person_filter_free(&f);
        return 0;
    }
    json_t *page = person_page(req->db, &f, after, limit);
    person_filter_free(&f);
    if (page == NULL) {
        free(key);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    cache_store(req, key, page);
    free(key);
    return api_json(rep, 200, page);
}

static int person_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = person_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "person");
    if (api_check_version(db, w, "SELECT version FROM person WHERE id = ?", id, data, rep) != 0)
        return -1;
    json_t *v;
    int64_t held = 0, holder = 0;
    if ((v = json_object_get(data, "id_card")) &&
        person_by_id_card(db, w->keys, json_string_value(v), &held, &holder) == DB_OK && held != id &&
        access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND) {
        /* As on a create: audited for the holder, kept (nothing else written yet). */
        rc = elsewhere_audit(db, w, held, holder, org, "update");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        elsewhere_error(rep, w->lang);
        return 0;
    }
    /* Take the person out of the figures, change, and put them back. */
    rc = person_rollup(db, id, -1);
    if (rc == DB_OK && (v = json_object_get(data, "org_id"))) {
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, json_integer_value(v), NULL, 0);
        if (rc == DB_NOTFOUND)
            return api_error(rep, w->lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE person SET org_id = ? WHERE id = ?", "ii", json_integer_value(v), id);
    }
    if (rc == DB_OK && (v = json_object_get(data, "household_id"))) {
        if (json_is_integer(v) && household_check(db, w, json_integer_value(v), rep) != 0)
            return -1;
        rc = db_exec(db, NULL, "UPDATE person SET household_id = ? WHERE id = ?", "Ii", json_integer_value(v), id);
    }
    if (rc == DB_OK && (v = json_object_get(data, "relation")))
        rc = db_exec(db, NULL, "UPDATE person SET relation = ? WHERE id = ?", "ti", json_string_value(v), id);
    if (rc == DB_OK && (v = json_object_get(data, "name")))
        rc = db_exec(db, NULL, "UPDATE person SET name = ? WHERE id = ?", "ti", json_string_value(v), id);
    if (rc == DB_OK && json_object_get(data, "id_card")) {
        char hash[PII_HASH_HEX + 1];
        pii_lookup_hash(hash, w->keys, "person.id_card", json_string_value(json_object_get(data, "id_card")));
        int64_t other = 0;
        if (db_one_int(db, &other, "SELECT id FROM person WHERE id_card_hash = ? AND id <> ?", "ti", hash, id) ==
            DB_OK)
            return dup_id_error(rep, w->lang);
        rc = db_exec(db, NULL, "UPDATE person SET gender = ?, birth_year = ? WHERE id = ?", "tii",
                     json_string_value(json_object_get(data, "gender")),
                     (int64_t)json_integer_value(json_object_get(data, "birth_year")), id);
    }
    if (rc == DB_OK)
        rc = store_pii(db, w, id, data);
    if (rc == DB_UNIQUE)
        return dup_id_error(rep, w->lang);
    json_t *tags = json_object_get(data, "tags");
    if (rc == DB_OK && tags)
        rc = set_tags(db, id, tags);
    if (rc == DB_OK)
        rc = person_rollup(db, id, +1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE person SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     id);
    if (rc == DB_OK)
        rc = db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "person.updated", "person", id, org, audit_summary(data, NULL));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, person_json(db, id));
    return 0;
}

int person_update(api_req_t *req, api_reply_t *rep)
{
    json_t *data = person_input(req, person_update_fields, rep);
    if (data == NULL)
        return 0;
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, person_update_write, data);
}

static int person_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = person_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "person");
    rc = person_rollup(db, id, -1);
    if (rc == DB_OK)
        rc = party_member_rollup(db, id, -1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "person.deleted", "person", id, org, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM person WHERE id = ?", "i", id);
    if (rc == DB_FOREIGN)
        return api_error(rep, w->lang, 409, "not_empty", NULL, "该居民仍担任职务，不能删除",
                         "this resident still holds a post") - 1;
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int person_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, person_delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}

static int reveal_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = person_access(db, &w->who, PERM_PII_REVEAL, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "person");
    const char *field = json_string_value(json_object_get(data, "field"));
    char enc[512] = "";
    rc = db_one_text(db, enc, sizeof enc,
                     strcmp(field, "id_card") == 0 ? "SELECT id_card_enc FROM person WHERE id = ?"
                                                   : "SELECT COALESCE(phone_enc, '') FROM person WHERE id = ?",
                     "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *value = json_null();
    if (enc[0]) {
        char *plain = pii_decrypt(w->keys, strcmp(field, "id_card") == 0 ? "person.id_card" : "person.phone", enc);
        if (plain == NULL) {
            json_decref(value);
            log_error("person %lld: stored %s does not decrypt under this key file", (long long)id, field);
            return api_db_error(rep, w->lang, DB_ERR, NULL);
        }
        value = json_string(plain);
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
    json_t *sum = json_pack("{s:s, s:O}", "field", field, "reason", json_object_get(data, "reason"));
    rc = audit_append_new(db, w, "person.revealed", "person", id, org, sum);
    if (rc != DB_OK) {
        json_decref(value);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    api_json(rep, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "field", field, "value", value));
    return 0;
}

int person_reveal(api_req_t *req, api_reply_t *rep)
{
    return api_validate(req, req->body, reveal_fields, rep) != 0 ? 0 : api_reveal_defer(req, rep, reveal_write);
}

int person_tag_list(api_req_t *req, api_reply_t *rep)
{
    json_t *items = db_rows_json(req->db,
                                 "SELECT code, name_zh, name_en FROM person_tag_kind WHERE active = 1"
                                 " ORDER BY sort, code",
                                 "");
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

/* ---- households ---- */

#define HOUSEHOLD_SELECT                                                                                               \
    "SELECT h.id, h.org_id, o.name AS org_name, h.address, h.created_at, h.updated_at, h.version,"                   \
    " (SELECT COUNT(*) FROM person p WHERE p.household_id = h.id) AS members"                                        \
    " FROM household h JOIN org o ON o.id = h.org_id"

static json_t *household_json(db_t *db, int64_t id)
{
    json_t *rows = db_rows_json(db, HOUSEHOLD_SELECT " WHERE h.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

static int household_access(db_t *db, const principal_t *who, uint32_t perm, int64_t id, int64_t *org_id)
{
    int rc = db_one_int(db, org_id, "SELECT org_id FROM household WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    return access_org(db, who, perm, *org_id, NULL, 0);
}

static int household_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org_id")), id = 0;
    int rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return api_error(rep, w->lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO household (org_id, address, created_at, updated_at) VALUES (?, ?, ?, ?)"
                        " RETURNING id",
                        "itii", org, json_string_value(json_object_get(data, "address")), w->now, w->now);
    if (rc == DB_OK)
        rc = rollup_add(db, org, "households", 1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "household.created", "household", id, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, household_json(db, id));
    return 0;
}

int household_create(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, household_fields, rep) != 0)
        return 0;
    return api_defer(req, household_create_write, json_deep_copy(req->body));
}

int household_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    int rc = household_access(req->db, req->who, PERM_PEOPLE_READ, req->params[0], &org);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "household");
    json_t *h = household_json(req->db, req->params[0]);
    return h ? api_json(rep, 200, h) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

int household_list(api_req_t *req, api_reply_t *rep)
{
    int64_t limit, after, org = 0;
    if (api_page(req, rep, &limit, &after) != 0)
        return 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id");
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_PEOPLE_READ, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *like = api_like_param(req, "q");
    json_t *items = db_rows_json(req->db,
                                 HOUSEHOLD_SELECT " WHERE o.path >= ? AND o.path < ? AND h.id > ?"
                                                  " AND (CAST(? AS TEXT) IS NULL OR h.address LIKE ? ESCAPE '\\')"
                                                  " ORDER BY h.id LIMIT ?",
                                 "ttitti", lo, hi, after, like, like, limit + 1);
    free(like);
    if (items == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, api_page_result(items, limit));
}

static int household_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org;
    int rc = household_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "household");
    if (api_check_version(db, w, "SELECT version FROM household WHERE id = ?", id, data, rep) != 0)
        return -1;
    json_t *v;
    if ((v = json_object_get(data, "org_id")) && json_integer_value(v) != org) {
        int64_t to = json_integer_value(v);
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, to, NULL, 0);
        if (rc == DB_NOTFOUND)
            return api_error(rep, w->lang, 404, "not_found", "org_id", "组织不存在", "no such organisation") - 1;
        /* A household moves with its members. */
        json_t *members = rc == DB_OK ? db_rows_json(db, "SELECT id FROM person WHERE household_id = ?", "i", id)
                                      : NULL;
        size_t i;
        json_t *m;
        json_array_foreach(members, i, m) {
            int64_t pid = json_integer_value(json_object_get(m, "id"));
            if (rc == DB_OK)
                rc = person_rollup(db, pid, -1);
            if (rc == DB_OK)
                rc = db_exec(db, NULL, "UPDATE person SET org_id = ? WHERE id = ?", "ii", to, pid);
            if (rc == DB_OK)
                rc = person_rollup(db, pid, +1);
        }
        json_decref(members);
        if (rc == DB_OK)
            rc = rollup_add(db, org, "households", -1);
        if (rc == DB_OK)
            rc = rollup_add(db, to, "households", 1);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE household SET org_id = ? WHERE id = ?", "ii", to, id);
        org = to;
    }
    if (rc == DB_OK && (v = json_object_get(data, "address")))
        rc = db_exec(db, NULL, "UPDATE household SET address = ? WHERE id = ?", "ti", json_string_value(v), id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE household SET updated_at = ?, version = version + 1 WHERE id = ?", "ii",
                     w->now, id);
    if (rc == DB_OK)
        rc = audit_append(db, w, "household.updated", "household", id, org, data);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, household_json(db, id));
    return 0;
}

int household_update(api_req_t *req, api_reply_t *rep)
{
    if (api_validate(req, req->body, household_update_fields, rep) != 0)
        return 0;
    json_t *data = json_deep_copy(req->body);
    json_object_set_new(data, "id", json_integer(req->params[0]));
    return api_defer(req, household_update_write, data);
}

static int household_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t id = json_integer_value(json_object_get(data, "id")), org, members = 0;
    int rc = household_access(db, &w->who, PERM_PEOPLE_WRITE, id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "household");
    rc = db_one_int(db, &members, "SELECT COUNT(*) FROM person WHERE household_id = ?", "i", id);
    if (rc == DB_OK && members > 0)
        return api_error(rep, w->lang, 409, "not_empty", NULL, "该户仍有成员，不能删除",
                         "this household still has members") - 1;
    if (rc == DB_OK)
        rc = rollup_add(db, org, "households", -1);
    if (rc == DB_OK)
        rc = audit_append(db, w, "household.deleted", "household", id, org, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM household WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    rep->status = 204;
    return 0;
}

int household_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, household_delete_write, json_pack("{s:I}", "id", (json_int_t)req->params[0]));
}

/* ---- import and export (CSV) ---- */

#define IMPORT_MAX_ROWS 100000
#define IMPORT_MAX_ERRORS 1000
#define IMPORT_MAX_COLUMNS 64 /* the template has 7; room for notes, never a column per empty cell */
#define EXPORT_MAX_ROWS 200000

/* What an imported file may hold, checked while it is read (sheet.h): enough for
 * 100,000 rows of the template with notes beside, never what a hostile file asks. */
static const sheet_limits_t import_limits = {
    .rows = IMPORT_MAX_ROWS + 1, /* and the header */
    .cols = IMPORT_MAX_COLUMNS,
    .cell = 4096,
    .text = 16 << 20,
    .cells = 2000000,
    .unzipped = 64 << 20,
    .ratio = 100,
    .strings = 1000000,
    .strings_text = 16 << 20,
};

/* The answer to a file that could not be read or broke a cap: 400 validation_failed
 * (unreadable; a value beyond the template's columns, naming the cell), or 413
 * import_too_large with "limit" naming the cap, "max" its value and "cell" the cell. */
static int import_read_error(const api_req_t *req, const sheet_t *t, int xlsx, api_reply_t *rep)
{
    const sheet_limits_t *l = t->lim;
    char zh[160], en[160];
    const char *limit = NULL;
    size_t max = 0;
    switch (t->fail) {
    case SHEET_COLUMNS:
        api_error(rep, req->lang, 400, "validation_failed", "file", "单元格超出了导入模板的列数（最多 64 列）",
                  "a cell lies beyond the import template's columns (at most 64)");
        json_object_set_new(json_object_get(rep->json, "error"), "cell", json_string(t->where));
        return 0;
    case SHEET_ENCODING:
        return api_error(rep, req->lang, 400, "validation_failed", "file", "文件既不是 UTF-8 也不是 GBK 编码",
                         "the file is neither UTF-8 nor GBK text");
    case SHEET_ROWS:
        limit = "rows", max = l->rows - 1;
        snprintf(zh, sizeof zh, "一次最多导入 %zu 行", max);
        snprintf(en, sizeof en, "at most %zu rows per file", max);
        break;
    case SHEET_CELL:
        limit = "cell", max = l->cell;
        snprintf(zh, sizeof zh, "单元格%s超过 %zu 字节", t->where, max);
        snprintf(en, sizeof en, "a cell%s%s is over %zu bytes", t->where[0] ? " " : "", t->where, max);
        break;
    case SHEET_TEXT:
        limit = "text", max = l->text;
        snprintf(zh, sizeof zh, "文件内容超过 %zu MiB 或 %zu 个单元格", max >> 20, l->cells);
        snprintf(en, sizeof en, "the file holds over %zu MiB of text or %zu cells", max >> 20, l->cells);
        break;
    case SHEET_UNZIPPED:
        limit = "unzipped", max = l->unzipped;
        snprintf(zh, sizeof zh, "XLSX 文件解压后超过 %zu MiB", max >> 20);
        snprintf(en, sizeof en, "the XLSX file expands to over %zu MiB", max >> 20);
        break;
    case SHEET_RATIO:
        limit = "ratio", max = l->ratio;
        snprintf(zh, sizeof zh, "XLSX 文件解压后超过压缩大小的 %zu 倍，不予读取", max);
        snprintf(en, sizeof en, "the XLSX file expands over %zu times its compressed size; not read", max);
        break;
    case SHEET_STRINGS:
        limit = "shared_strings", max = l->strings;
        snprintf(zh, sizeof zh, "XLSX 文件的共享字符串超过 %zu 个或 %zu MiB", max, l->strings_text >> 20);
        snprintf(en, sizeof en, "the XLSX file has over %zu shared strings or %zu MiB of them", max,
                 l->strings_text >> 20);
        break;
    default:
        if (xlsx && t->fail == SHEET_UNREADABLE)
            return api_error(rep, req->lang, 400, "validation_failed", "file", "无法读取该 XLSX 文件",
                             "the XLSX file cannot be read");
        return api_error(rep, req->lang, 400, "validation_failed", "file", "文件应有表头行和至少一行数据（CSV）",
                         "the file needs a header row and at least one data row (CSV)");
    }
    api_error(rep, req->lang, 413, "import_too_large", "file", zh, en);
    json_t *e = json_object_get(rep->json, "error");
    json_object_set_new(e, "limit", json_string(limit));
    json_object_set_new(e, "max", json_integer((json_int_t)max));
    if (t->where[0])
        json_object_set_new(e, "cell", json_string(t->where));
    return 0;
}

/* Growable text buffer. */
typedef struct buf {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* A CSV field, quoted when it holds a comma, quote or line break; a leading
 * = + - @ is prefixed with ' so spreadsheets never run it as a formula. */
static void csv_field(buf_t *b, const char *s, int last)
{
    s = s ? s : "";
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_add(b, "\"", 1);
    if (strchr("=+-@", s[0]) && s[0])
        buf_add(b, "'", 1);
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            buf_add(b, "\"", 1);
        buf_add(b, c, 1);
    }
    if (quote)
        buf_add(b, "\"", 1);
    buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* Columns a file may have, in Chinese or English. */
static const struct {
    const char *key, *zh, *alt, *en;
} columns[] = {
    {"name", "姓名", NULL, "name"},
    {"id_card", "身份证号", "公民身份号码", "id_card"},
    {"phone", "手机号", "联系电话", "phone"},
    {"org", "组织编码", "所在组织", "org"},
    {"address", "户地址", "地址", "household_address"},
    {"relation", "与户主关系", NULL, "relation"},
    {"tags", "标签", NULL, "tags"},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static void row_error(json_t *errors, int64_t row, const char *field, const char *code, const char *message)
{
    if (json_array_size(errors) < IMPORT_MAX_ERRORS)
        json_array_append_new(errors, json_pack("{s:I, s:s?, s:s, s:s}", "row", (json_int_t)row, "field", field,
                                                "code", code, "message", message));
}

/* Tags written as codes or Chinese names, separated by ; 、 | or ，. */
static json_t *parse_tags(db_t *db, const char *text)
{
    json_t *out = json_array();
    char *copy = xstrdup(text), *save = NULL;
    for (char *p = copy; *p; p++)
        if (*p == ';' || *p == '|')
            *p = ' ';
    /* 、 and ， are three bytes each: blank them out too. */
    for (char *p = copy; (p = strstr(p, "、")) != NULL;)
        memset(p, ' ', 3);
    for (char *p = copy; (p = strstr(p, "，")) != NULL;)
        memset(p, ' ', 3);
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char code[64] = "";
        if (db_one_text(db, code, sizeof code, "SELECT code FROM person_tag_kind WHERE code = ? OR name_zh = ?",
                        "tt", t, t) == DB_OK)
            json_array_append_new(out, json_string(code));
        else
            json_array_append_new(out, json_string(t)); /* unknown: take_tags reports it */
    }
    free(copy);
    return out;
}

/* A stage of a long job and its steps, when someone shows them (the CLI). */
static void progress_stage(const progress_t *p, const char *name, int64_t total)
{
    if (p)
        p->stage(p->arg, name, total);
}

static void progress_step(const progress_t *p, int64_t done)
{
    if (p)
        p->step(p->arg, done);
}

/* The household at org with this address (the first one), created if there is
 * none. known maps each org id met so far to its households by address, read
 * once: looking each row's address up in the table would scan all of the org's
 * households per row (there is no index on the address), quadratic in a file
 * for one community. DB_OK with *id, or an error. */
static int import_household(db_t *db, const write_ctx_t *w, json_t *known, int64_t org, const char *address,
                            int64_t *id)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)org);
    json_t *at = json_object_get(known, key);
    int rc = DB_DONE;
    if (at == NULL) {
        at = json_object();
        json_object_set_new(known, key, at);
        db_stmt_t *st = db_q(db, "SELECT id, address FROM household WHERE org_id = ? ORDER BY id", "i", org);
        if (st == NULL)
            return DB_ERR;
        while ((rc = db_step(st)) == DB_ROW) {
            const char *a = db_col_text(st, 1);
            if (a && json_object_get(at, a) == NULL)
                json_object_set_new(at, a, json_integer(db_col_int(st, 0)));
        }
        db_done(st);
        if (rc != DB_DONE)
            return rc;
    }
    json_t *found = json_object_get(at, address);
    if (found) {
        *id = json_integer_value(found);
        return DB_OK;
    }
    rc = db_one_int(db, id,
                    "INSERT INTO household (org_id, address, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
                    "itii", org, address, w->now, w->now);
    if (rc == DB_OK)
        rc = rollup_add(db, org, "households", 1);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "household.created", "household", *id, org,
                              json_pack("{s:I, s:s, s:s}", "org_id", (json_int_t)org, "address", address, "via",
                                        "import"));
    if (rc == DB_OK)
        json_object_set_new(at, address, json_integer(*id));
    return rc;
}

/* The good rows go to the writer as lines of compact JSON, a line a row, in strings of
 * about IMPORT_CHUNK bytes: a few large blocks instead of a jansson object per row and
 * per field (about 2 KiB a row), and no second copy of them all at once. item NULL:
 * the last chunk. */
#define IMPORT_CHUNK (1 << 20)
static void import_pack(json_t *lines, buf_t *chunk, const json_t *item)
{
    if (item) {
        char *line = json_dumps(item, JSON_COMPACT);
        buf_add(chunk, line, strlen(line));
        buf_add(chunk, "\n", 1);
        sodium_memzero(line, strlen(line));
        free(line);
    }
    if (chunk->len > 0 && (item == NULL || chunk->len >= IMPORT_CHUNK)) {
        json_array_append_new(lines, json_stringn(chunk->p, chunk->len));
        sodium_memzero(chunk->p, chunk->len);
        chunk->len = 0;
    }
    if (item == NULL) {
        if (chunk->p)
            sodium_memzero(chunk->p, chunk->cap);
        free(chunk->p);
        memset(chunk, 0, sizeof *chunk);
    }
}

/* One good row (as import_pack wrote it, parsed again: the write's own copy) in the
 * write's transaction. DB_OK, or an error that ends the import. */
static int import_one(db_t *db, const write_ctx_t *w, json_t *households, json_t *r, int64_t *imported,
                      int64_t *unchanged)
{
    json_t *person = json_object_get(r, "person");
    int64_t org = json_integer_value(json_object_get(person, "org_id"));
    /* Scope again, in the transaction: grants may have changed since the check. */
    int rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, org, NULL, 0);
    if (rc != DB_OK)
        return rc;
    /* Already registered: re-importing a file changes nothing (not even a household).
     * Registered outside the caller's scope since the file was checked: audited
     * as the check would have, and not imported. */
    int64_t existing = 0, holder = 0;
    rc = person_by_id_card(db, w->keys, json_string_value(json_object_get(person, "id_card")), &existing, &holder);
    if (rc == DB_OK && access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND)
        return elsewhere_audit(db, w, existing, holder, org, "import");
    if (rc == DB_OK) {
        (*unchanged)++;
        return DB_OK;
    }
    if (rc != DB_NOTFOUND)
        return rc;
    const char *address = json_string_value(json_object_get(r, "address"));
    if (address) {
        int64_t hh = 0;
        rc = import_household(db, w, households, org, address, &hh);
        if (rc != DB_OK)
            return rc;
        json_object_set_new(person, "household_id", json_integer(hh));
    }
    int64_t id = 0;
    rc = person_insert(db, w, person, &id);
    if (rc == DB_UNIQUE) {
        (*unchanged)++; /* already registered: re-importing a file changes nothing */
        rc = DB_OK;
    } else if (rc == DB_OK) {
        (*imported)++;
    }
    return rc;
}

int person_import_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    json_t *lines = json_object_get(data, "lines"), *households = json_object(), *chunk;
    int64_t imported = 0, unchanged = 0, done = 0, count = json_integer_value(json_object_get(data, "count"));
    size_t i;
    int rc = DB_OK;
    json_t *e;
    json_array_foreach(json_object_get(data, "elsewhere"), i, e) {
        rc = elsewhere_audit(db, w, json_integer_value(json_object_get(e, "person")),
                             json_integer_value(json_object_get(e, "holder")),
                             json_integer_value(json_object_get(e, "target")), "import");
        if (rc != DB_OK) {
            json_decref(households);
            return api_db_error(rep, w->lang, rc, NULL);
        }
    }
    if (json_object_get(data, "answer")) { /* a dry run or a refused file: only those rows' audit */
        json_decref(households);
        rep->status = (int)json_integer_value(json_object_get(data, "status"));
        rep->json = json_incref(json_object_get(data, "answer"));
        return 0;
    }
    progress_stage(w->progress, "write", count);
    json_array_foreach(lines, i, chunk) {
        const char *p = json_string_value(chunk), *end = p + json_string_length(chunk);
        while (rc == DB_OK && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl == NULL)
                nl = end;
            if (done > 0)
                progress_step(w->progress, done);
            json_t *r = json_loadb(p, (size_t)(nl - p), 0, NULL);
            rc = r ? import_one(db, w, households, r, &imported, &unchanged) : DB_ERR;
            json_decref(r);
            done++;
            p = nl + 1;
        }
        if (rc != DB_OK)
            break;
    }
    json_decref(households);
    if (rc == DB_OK)
        progress_step(w->progress, count);
    json_t *report = json_copy(json_object_get(data, "report"));
    json_object_set_new(report, "imported", json_integer(imported));
    json_object_set_new(report, "unchanged", json_integer(unchanged));
    if (rc == DB_OK)
        rc = audit_append(db, w, "persons.imported", "org", json_integer_value(json_object_get(data, "org")),
                          json_integer_value(json_object_get(data, "org")), report);
    if (rc != DB_OK) {
        json_decref(report);
        return api_db_error(rep, w->lang, rc == DB_NOTFOUND ? DB_ERR : rc, NULL);
    }
    api_json(rep, 200, report);
    return 0;
}

int person_import_prepare(api_req_t *req, const progress_t *progress, json_t **data, api_reply_t *rep)
{
    int64_t org = 0, partial = 0, dry_run = 0;
    *data = NULL;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "org", "org 无效", "org is not a valid id");
    char *mode = api_query(req, "mode");
    if (mode && strcmp(mode, "partial") != 0 && strcmp(mode, "all") != 0) {
        free(mode);
        return api_error(rep, req->lang, 400, "validation_failed", "mode", "mode 应为 all 或 partial",
                         "mode is all or partial");
    }
    partial = mode && strcmp(mode, "partial") == 0;
    free(mode);
    if (api_query_int(req, "dry_run", 0, 0, 1, &dry_run) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "dry_run", "dry_run 应为 0 或 1",
                         "dry_run is 0 or 1");
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_PEOPLE_WRITE, org, lo, hi);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    static const char xlsx_type[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (req->upload_type && strncasecmp(req->upload_type, "text/csv", 8) != 0 &&
        strncasecmp(req->upload_type, "text/plain", 10) != 0 &&
        strncasecmp(req->upload_type, xlsx_type, sizeof xlsx_type - 1) != 0 &&
        strncasecmp(req->upload_type, "application/octet-stream", 24) != 0)
        return api_error(rep, req->lang, 415, "unsupported_media_type", "Content-Type",
                         "请上传 CSV 或 XLSX 文件", "upload a CSV or XLSX file");
    progress_stage(progress, "read", 1);
    sheet_t table;
    sheet_init(&table, &import_limits);
    int xlsx = req->upload_len >= 4 && memcmp(req->upload, "PK\x03\x04", 4) == 0; /* a zip: .xlsx */
    if (xlsx)
        xlsx_read(&table, req->upload, req->upload_len);
    else
        csv_read(&table, req->upload, req->upload_len);
    if (table.fail == SHEET_OK && sheet_rows(&table) < 2)
        table.fail = SHEET_UNREADABLE;
    if (table.fail != SHEET_OK) {
        import_read_error(req, &table, xlsx, rep);
        sheet_free(&table);
        return 0;
    }
    progress_step(progress, 1);
    /* Header: which column is what. */
    int where[NCOLUMNS];
    for (size_t c = 0; c < NCOLUMNS; c++) {
        where[c] = -1;
        for (size_t k = 0; k < sheet_width(&table, 0); k++) {
            const char *h = sheet_get(&table, 0, k);
            if (strcmp(h, columns[c].zh) == 0 || strcmp(h, columns[c].en) == 0 ||
                (columns[c].alt && strcmp(h, columns[c].alt) == 0))
                where[c] = (int)k;
        }
    }
    if (where[0] < 0 || where[1] < 0) {
        sheet_free(&table);
        return api_error(rep, req->lang, 400, "validation_failed", "file", "表头须有 姓名 和 身份证号 两列",
                         "the header needs the columns name and id_card (姓名, 身份证号)");
    }
    json_t *errors = json_array(), *lines = json_array(), *elsewhere = json_array();
    buf_t chunk = {0};
    strset_t seen = {0};
    int64_t ngood = 0, nrows = (int64_t)sheet_rows(&table) - 1;
    progress_stage(progress, "check", nrows);
    for (int64_t r = 1; r <= nrows; r++) {
        progress_step(progress, r - 1);
        const char *cell[NCOLUMNS];
        for (size_t c = 0; c < NCOLUMNS; c++) {
            const char *v = where[c] >= 0 ? sheet_get(&table, (size_t)r, (size_t)where[c]) : NULL;
            cell[c] = v && *v ? v : NULL;
        }
        int64_t row_org = org ? org : path_last_id(lo); /* the file's node, else the caller's own */
        if (cell[3]) {
            char *end;
            long long x = strtoll(cell[3], &end, 10);
            int64_t by_code = 0;
            if (db_one_int(req->db, &by_code, "SELECT id FROM org WHERE code = ?", "t", cell[3]) == DB_OK)
                row_org = by_code;
            else if (*end == '\0' && x > 0)
                row_org = x;
            else
                row_org = -1;
        }
        char row_path[ACCESS_PATH_MAX] = "";
        if (row_org <= 0 || access_org(req->db, req->who, PERM_PEOPLE_WRITE, row_org, row_path, sizeof row_path) != DB_OK ||
            (org > 0 && !path_is_within(row_path, lo))) { /* rows stay inside the node the file is for */
            row_error(errors, r, "org", "not_found", strcmp(req->lang, "en") == 0 ? "no such organisation in your scope"
                                                                                     : "组织不存在或不在你的范围内");
            continue;
        }
        json_t *person = json_pack("{s:I}", "org_id", (json_int_t)row_org);
        static const int body_cols[] = {0, 1, 2, 5};
        for (size_t k = 0; k < sizeof body_cols / sizeof body_cols[0]; k++)
            if (cell[body_cols[k]])
                json_object_set_new(person, columns[body_cols[k]].key, json_string(cell[body_cols[k]]));
        if (cell[6])
            json_object_set_new(person, "tags", parse_tags(req->db, cell[6]));
        api_reply_t one = {0};
        json_t *tags = NULL;
        if (take_tags(req, person, &tags, &one) != 0 || api_validate(req, person, person_create_fields, &one) != 0 ||
            check_identity(req, person, &one) != 0) {
            json_t *e = json_object_get(one.json, "error");
            row_error(errors, r, json_string_value(json_object_get(e, "field")),
                      json_string_value(json_object_get(e, "code")), json_string_value(json_object_get(e, "message")));
            json_decref(one.json);
            json_decref(tags);
            json_decref(person);
            continue;
        }
        if (tags)
            json_object_set_new(person, "tags", tags);
        const char *idc = json_string_value(json_object_get(person, "id_card"));
        if (!strset_add(&seen, idc)) {
            row_error(errors, r, "id_card", "conflict",
                      strcmp(req->lang, "en") == 0 ? "the same ID number is on an earlier row" : "与前面的行身份证号重复");
            json_decref(person);
            continue;
        }
        int64_t held = 0, holder = 0;
        if (person_by_id_card(req->db, req->keys, idc, &held, &holder) == DB_OK &&
            access_org(req->db, req->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND) {
            api_reply_t one_more = {0};
            elsewhere_error(&one_more, req->lang);
            json_t *e = json_object_get(one_more.json, "error");
            row_error(errors, r, "id_card", "person_exists_elsewhere", json_string_value(json_object_get(e, "message")));
            json_decref(one_more.json);
            json_array_append_new(elsewhere, json_pack("{s:I, s:I, s:I}", "person", (json_int_t)held, "holder",
                                                       (json_int_t)holder, "target", (json_int_t)row_org));
            json_decref(person);
            continue;
        }
        json_t *item = json_pack("{s:I, s:o}", "row", (json_int_t)r, "person", person);
        if (cell[4] && !text_field_valid(cell[4], 1, 200)) {
            row_error(errors, r, "address", "validation_failed",
                      strcmp(req->lang, "en") == 0 ? "an address is 1 to 200 characters without control characters"
                                                   : "地址应为 1-200 个字符，且不含控制字符");
            json_decref(item);
            continue;
        }
        if (cell[4])
            json_object_set_new(item, "address", json_string(cell[4]));
        ngood++;
        if (!dry_run)
            import_pack(lines, &chunk, item);
        json_decref(item);
    }
    progress_step(progress, nrows);
    strset_free(&seen);
    sheet_free(&table);
    import_pack(lines, &chunk, NULL);
    json_t *report = json_pack("{s:I, s:I, s:I, s:s, s:O}", "rows", (json_int_t)nrows, "valid", (json_int_t)ngood,
                               "invalid", (json_int_t)(nrows - ngood), "mode", partial ? "partial" : "all", "errors",
                               errors);
    json_decref(errors);
    if (dry_run || (!partial && ngood != nrows)) {
        json_decref(lines);
        if (dry_run) {
            api_json(rep, 200, report);
        } else {
            api_error(rep, req->lang, 422, "import_rejected", "file", "文件有错误行，未导入任何数据（见 errors）",
                      "the file has rows with errors; nothing was imported (see errors)");
            json_object_update(rep->json, report);
            json_decref(report);
        }
        if (json_array_size(elsewhere) == 0) {
            json_decref(elsewhere);
            return 0;
        }
        /* Nothing to import, but the rows held elsewhere are audited: the write answers rep. */
        *data = json_pack("{s:o, s:o, s:o}", "elsewhere", elsewhere, "answer", rep->json, "status",
                          json_integer(rep->status));
        *rep = (api_reply_t){0};
        return 0;
    }
    json_object_set_new(report, "imported", json_integer(0));
    *data = json_pack("{s:o, s:I, s:o, s:I, s:o}", "lines", lines, "count", (json_int_t)ngood, "report", report, "org",
                      (json_int_t)path_last_id(lo), "elsewhere", elsewhere);
    return 0;
}

/* An import read and checked on the offload pool: the request's parts the check
 * needs, copied (the pool touches nothing of the request), and what it gave. */
typedef struct import_job {
    api_req_t req;     /* what person_import_prepare reads, pointing into this job */
    principal_t who;
    char *query, *path, *upload_type;
    char *upload;      /* the file: personal data, wiped when let go */
    size_t upload_len;
    json_t *data;      /* the write's input, or NULL with the answer in rep */
    api_reply_t rep;
} import_job_t;

static void import_release(import_job_t *j);

static void import_job_free(void *arg)
{
    import_job_t *j = arg;
    import_release(j);
    free(j->query);
    free(j->path);
    free(j->upload_type);
    json_decref(j->data);
    json_decref(j->rep.json); /* the check answers only in JSON */
    free(j);
}

/* The file is read once the rows are checked: let it go then, wiped. */
static void import_release(import_job_t *j)
{
    if (j->upload)
        sodium_memzero(j->upload, j->upload_len);
    free(j->upload);
    j->upload = NULL;
    j->req.upload = NULL;
    j->req.upload_len = 0;
}

static void import_stage(void *arg, const char *name, int64_t total)
{
    (void)total;
    if (strcmp(name, "check") == 0)
        import_release(arg);
}

static void import_step(void *arg, int64_t done)
{
    (void)arg, (void)done;
}

/* On a pool thread: read the file and check its rows with a read connection of its
 * own; then give the memory of the file and of the table back to the system. */
static void import_work(void *arg)
{
    import_job_t *j = arg;
    char err[256];
    progress_t stages = {import_stage, import_step, j};
    if (db_open(&j->req.db, j->req.cfg->db_url, DB_OPEN_QUERY_ONLY, err, sizeof err) != DB_OK) {
        log_error("import: cannot open a read connection: %s", err);
        api_db_error(&j->rep, j->req.lang, DB_ERR, NULL);
    } else {
        if (person_import_prepare(&j->req, &stages, &j->data, &j->rep) != 0 && j->rep.status == 0)
            api_db_error(&j->rep, j->req.lang, DB_ERR, NULL);
        db_close(j->req.db);
    }
    j->req.db = NULL;
    import_release(j);
    malloc_trim(0);
}

/* Back on the request's loop: hand the rows to the writer, or answer. */
static int import_done(api_req_t *req, api_reply_t *rep, void *arg)
{
    import_job_t *j = arg;
    if (j->data) {
        json_t *data = j->data;
        j->data = NULL;
        return api_defer_kept(req, person_import_write, data);
    }
    *rep = j->rep;
    memset(&j->rep, 0, sizeof j->rep);
    return 0;
}

int person_import(api_req_t *req, api_reply_t *rep)
{
    import_job_t *j = xcalloc(1, sizeof *j);
    j->req = *req;
    j->req.db = NULL;
    j->req.body = NULL;
    j->req.priv = NULL;
    j->req.idem_key = j->req.cookie_token = NULL;
    if (req->who) {
        j->who = *req->who;
        j->req.who = &j->who;
    }
    j->req.path = j->path = xstrdup(req->path);
    j->req.query = j->query = xstrdup(req->query);
    j->req.upload_type = j->upload_type = req->upload_type ? xstrdup(req->upload_type) : NULL;
    j->upload_len = req->upload_len;
    j->upload = xmalloc(req->upload_len ? req->upload_len : 1);
    memcpy(j->upload, req->upload, req->upload_len);
    j->req.upload = j->upload;
    return api_offload(req, rep, OFFLOAD_IMPORT, import_work, import_done, j, import_job_free);
}

int person_import_template(api_req_t *req, api_reply_t *rep)
{
    char *fmt = api_query(req, "format");
    int xlsx = fmt && strcmp(fmt, "xlsx") == 0, ok = !fmt || xlsx || strcmp(fmt, "csv") == 0;
    free(fmt);
    if (!ok)
        return api_error(rep, req->lang, 400, "validation_failed", "format", "format 应为 csv 或 xlsx",
                         "format is csv or xlsx");
    json_t *table = json_pack("[[s, s, s, s, s, s, s], [s, s, s, s, s, s, s]]", "姓名", "身份证号", "手机号", "组织编码",
                              "户地址", "与户主关系", "标签", "王丽", "11010519491231002X", "13856785678",
                              "340104006006", "龙居小区 3 栋 201", "户主", "独居老人");
    size_t len = 0;
    char *body = NULL;
    if (xlsx) {
        body = xlsx_write(table, "居民", db_path(req->db), &len);
    } else {
        buf_t b = {0};
        buf_add(&b, "\xEF\xBB\xBF", 3);
        size_t r, c;
        json_t *row, *cell;
        json_array_foreach(table, r, row) {
            json_array_foreach(row, c, cell) csv_field(&b, json_string_value(cell), c + 1 == json_array_size(row));
        }
        body = b.p;
        len = b.len;
    }
    json_decref(table);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    rep->status = 200;
    rep->raw = body;
    rep->raw_len = len;
    rep->content_type = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                             : "text/csv; charset=utf-8";
    rep->filename = xstrdup(xlsx ? "persons-import-template.xlsx" : "persons-import-template.csv");
    return 0;
}

int person_export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org"));
    json_t *sum = json_pack("{s:O, s:O, s:O, s:O}", "rows", json_object_get(data, "rows"), "revealed",
                            json_object_get(data, "revealed"), "format", json_object_get(data, "format"), "query",
                            json_object_get(data, "query"));
    if (json_object_get(data, "reason"))
        json_object_set(sum, "reason", json_object_get(data, "reason"));
    int rc = audit_append_new(db, w, "persons.exported", "org", org, org, sum);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    const char *b64 = json_string_value(json_object_get(data, "body"));
    size_t n = strlen(b64), len = 0;
    rep->raw = xmalloc(n + 1);
    sodium_base642bin((unsigned char *)rep->raw, n + 1, b64, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL);
    rep->raw_len = len;
    rep->status = 200;
    rep->content_type = strcmp(json_string_value(json_object_get(data, "format")), "xlsx") == 0
                            ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            : "text/csv; charset=utf-8";
    rep->filename = xstrdup(json_string_value(json_object_get(data, "filename")));
    return 0;
}

int person_export_prepare(api_req_t *req, const char *scratch, const progress_t *progress, json_t **data,
                          api_reply_t *rep)
{
    int64_t reveal = 0;
    *data = NULL;
    char *fmt = api_query(req, "format");
    int xlsx = fmt && strcmp(fmt, "xlsx") == 0, fmt_ok = !fmt || xlsx || strcmp(fmt, "csv") == 0;
    free(fmt);
    if (!fmt_ok)
        return api_error(rep, req->lang, 400, "validation_failed", "format", "format 应为 csv 或 xlsx",
                         "format is csv or xlsx");
    if (api_query_int(req, "reveal", 0, 0, 1, &reveal) != 0)
        return api_error(rep, req->lang, 400, "validation_failed", "reveal", "reveal 应为 0 或 1", "reveal is 0 or 1");
    /* The same rows as the list with the same query shows, all of them. */
    person_filter_t f;
    if (person_filter_read(req, PERM_PEOPLE_READ, &f, rep) != 0)
        return 0;
    /* A file by exact ID number would confirm a guess outside the list's limit. */
    if (f.id_guess) {
        person_filter_free(&f);
        return api_error(rep, req->lang, 403, "forbidden", "id_card", "按身份证号导出需要查看完整身份信息的权限",
                         "exporting by ID number needs the permission to reveal it");
    }
    /* Full values only on request, and only for who may reveal over the whole range. */
    if (reveal && !access_covers(req->who, PERM_PII_REVEAL, f.lo)) {
        person_filter_free(&f);
        return api_error(rep, req->lang, 403, "forbidden", "reveal", "没有查看完整身份信息的权限",
                         "you may not reveal personal data here");
    }
    /* A full export says why, as a single reveal does (read again for the audit row). */
    char *reason = reveal ? api_query(req, "reason") : NULL;
    int bad_reason = reveal && api_reason_check(req->lang, reason, rep) != 0;
    free(reason);
    if (bad_reason) {
        person_filter_free(&f);
        return 0;
    }
    int64_t count = 0;
    db_one_int(req->db, &count, "SELECT COUNT(*) FROM person p JOIN org o ON o.id = p.org_id WHERE" PERSON_FILTER_SQL,
               PERSON_FILTER_TYPES, PERSON_FILTER_ARGS(&f));
    if (count > EXPORT_MAX_ROWS) {
        person_filter_free(&f);
        return api_error(rep, req->lang, 413, "payload_too_large", "org", "一次最多导出 200000 人，请选择更小的范围",
                         "at most 200000 residents per export; choose a smaller part of the tree");
    }
    /* Many full values at once need their own permission (admin's by default). */
    int64_t bulk = req->cfg ? req->cfg->export_bulk_rows : EXPORT_BULK_ROWS_DEFAULT;
    if (reveal && count > bulk && !access_covers(req->who, PERM_PII_EXPORT_BULK, f.lo)) {
        person_filter_free(&f);
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "完整信息一次最多导出 %lld 人，更多需要批量导出权限；请缩小范围或导出脱敏信息",
                 (long long)bulk);
        snprintf(en, sizeof en,
                 "a full export of more than %lld residents needs the bulk export permission; narrow the filters or "
                 "export masked values",
                 (long long)bulk);
        return api_error(rep, req->lang, 403, "export_bulk_forbidden", "reveal", zh, en);
    }
    int64_t node = path_last_id(f.lo);
    char code[32] = "";
    if (node <= 0 || db_one_text(req->db, code, sizeof code, "SELECT code FROM org WHERE id = ?", "i", node) != DB_OK)
        str_copy(code, sizeof code, "all");
    db_stmt_t *st = db_q(req->db,
                         "SELECT p.name, p.gender, CAST(p.birth_year AS TEXT), p.id_card_masked, p.id_card_enc, p.phone_masked,"
                         " p.phone_enc, o.code, o.name, h.address, p.relation,"
                         " (SELECT group_concat(name_zh, '、') FROM (SELECT k.name_zh FROM person_tag t"
                         "  JOIN person_tag_kind k ON k.code = t.tag WHERE t.person_id = p.id ORDER BY t.tag) AS s)"
                         " FROM person p JOIN org o ON o.id = p.org_id LEFT JOIN household h ON h.id = p.household_id"
                         " WHERE" PERSON_FILTER_SQL " ORDER BY p.id",
                         PERSON_FILTER_TYPES, PERSON_FILTER_ARGS(&f));
    person_filter_free(&f);
    int rc;
    if (st == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *table = json_array();
    json_array_append_new(table, json_pack("[s, s, s, s, s, s, s, s, s, s]", "姓名", "性别", "出生年份", "身份证号",
                                           "手机号", "组织编码", "组织", "户地址", "与户主关系", "标签"));
    int64_t rows = 0;
    progress_stage(progress, "read", count);
    while ((rc = db_step(st)) == DB_ROW) {
        if (rows % 256 == 0)
            progress_step(progress, rows);
        char *idc = reveal ? pii_decrypt(req->keys, "person.id_card", db_col_text(st, 4)) : NULL;
        char *phone = reveal && !db_col_is_null(st, 6) ? pii_decrypt(req->keys, "person.phone", db_col_text(st, 6))
                                                       : NULL;
        json_t *row = json_array();
#define TEXT_CELL(s) json_string((s) ? (s) : "")
        json_array_append_new(row, TEXT_CELL(db_col_text(st, 0)));
        json_array_append_new(row, json_string(strcmp(db_col_text(st, 1), "M") == 0 ? "男" : "女"));
        json_array_append_new(row, TEXT_CELL(db_col_text(st, 2)));
        json_array_append_new(row, TEXT_CELL(idc ? idc : db_col_text(st, 3)));
        json_array_append_new(row, TEXT_CELL(phone ? phone : db_col_text(st, 5)));
        for (int k = 7; k <= 11; k++)
            json_array_append_new(row, TEXT_CELL(db_col_text(st, k)));
#undef TEXT_CELL
        json_array_append_new(table, row);
        if (idc) {
            sodium_memzero(idc, strlen(idc));
            free(idc);
        }
        if (phone) {
            sodium_memzero(phone, strlen(phone));
            free(phone);
        }
        rows++;
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(table);
        return api_db_error(rep, req->lang, rc, NULL);
    }
    progress_step(progress, rows);
    char *body = NULL;
    size_t blen = 0;
    if (xlsx) {
        body = xlsx_write(table, "居民", scratch, &blen);
    } else {
        buf_t b = {0};
        buf_add(&b, "\xEF\xBB\xBF", 3); /* so spreadsheet programs read UTF-8 */
        size_t r, c;
        json_t *row, *cell;
        json_array_foreach(table, r, row) {
            json_array_foreach(row, c, cell) csv_field(&b, json_string_value(cell), c + 1 == json_array_size(row));
        }
        body = b.p;
        blen = b.len;
    }
    json_decref(table);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    size_t cap = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(cap);
    sodium_bin2base64(b64, cap, (const unsigned char *)body, blen, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(body, blen);
    free(body);
    /* The answer leaves only once its audit row is committed. */
    /* persons-340104006006-20261202.xlsx: the node's code and the day, in Asia/Shanghai. */
    char filename[96];
    snprintf(filename, sizeof filename, "persons-%s-%08d.%s", code, api_today_ymd(), xlsx ? "xlsx" : "csv");
    /* The filters as facts: which were used, never a personal number's value. */
    static const char *const filters[] = {"org", "household", "tag", "q", "id_card", "id_tail", "phone_tail",
                                          "reveal", "format", NULL};
    *data = json_pack("{s:I, s:I, s:b, s:o, s:s, s:s, s:s}", "org", (json_int_t)node, "rows", (json_int_t)rows,
                      "revealed", (int)reveal, "query", api_query_facts(req, filters), "format", xlsx ? "xlsx" : "csv",
                      "body", b64, "filename", filename);
    reason = reveal ? api_query(req, "reason") : NULL;
    if (reason)
        json_object_set_new(*data, "reason", json_string(reason));
    free(reason);
    free(b64);
    return 0;
}

int person_export(api_req_t *req, api_reply_t *rep)
{
    json_t *data;
    person_export_prepare(req, db_path(req->db), NULL, &data, rep);
    return data ? api_defer(req, person_export_write, data) : 0;
}
