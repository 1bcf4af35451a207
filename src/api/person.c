/* Residents (人口) and their tags. ID numbers and phones are stored encrypted
 * with a keyed hash for exact lookup; every answer shows them masked, and
 * revealing one is its own permission and its own audit row. Households are in
 * household.c, import and export in person_io.c. */
#include "api/person.h"

#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idcard.h"
#include "core/path.h"
#include "core/pii_text.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "http/server.h"
#include "lib/keys.h"
#include "lib/pii.h"
#include "lib/util.h"

const char *const person_relations[] = {"户主", "配偶", "子女", "父母", "祖父母", "孙子女", "兄弟姐妹", "其他", NULL};
const char *const person_genders[] = {"M", "F", NULL};
static const char *const pii_fields[] = {"id_card", "phone", NULL};

/* The first fields of both in the order of PI_* (person.h); the tags first,
 * as they were checked before the other fields. */
const field_t person_create_fields[] = {
    IN(person_in_t, tags, F_LIST, F_NOT_NULL, 0, 20, NULL),
    IN(person_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(person_in_t, household_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(person_in_t, relation, F_ENUM, 0, 0, 0, person_relations),
    IN(person_in_t, name, F_NAME, 1, 1, 50, NULL),
    IN(person_in_t, id_card, F_TEXT, 1, 1, 18, NULL),
    IN(person_in_t, phone, F_TEXT, 0, 1, 20, NULL),
    IN(person_in_t, gender, F_ENUM, 0, 0, 0, person_genders),
    IN(person_in_t, birth_date, F_DATE, 0, DATE_BIRTH_EARLIEST, 0, NULL),
    FIELDS_END,
};

static const field_t person_update_fields[] = {
    IN(person_in_t, tags, F_LIST, F_NOT_NULL, 0, 20, NULL),
    IN(person_in_t, org_id, F_INT, F_NOT_NULL, 1, INT64_MAX, NULL),
    IN(person_in_t, household_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(person_in_t, relation, F_ENUM, 0, 0, 0, person_relations),
    IN(person_in_t, name, F_NAME, F_NOT_NULL, 1, 50, NULL),
    IN(person_in_t, id_card, F_TEXT, F_NOT_NULL, 1, 18, NULL),
    IN(person_in_t, phone, F_TEXT, 0, 1, 20, NULL),
    IN(person_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* What persons.get, update, delete and reveal name: the dispatcher answers 404
 * for one missing or outside the caller's scope (the operation's permission). */
static const entity_t person_entity = {"person", "SELECT org_id FROM person WHERE id = ?", NULL};

const field_t pii_reveal_fields[] = {
    IN(pii_reveal_in_t, field, F_ENUM, 1, 0, 0, pii_fields),
    IN(pii_reveal_in_t, reason, F_TEXT, 1, REASON_MIN, REASON_MAX, NULL),
    FIELDS_END,
};


#define PERSON_COLUMNS                                                                                                 \
    "SELECT p.id, p.org_id, o.name AS org_name, p.household_id, p.relation, p.name, p.gender, p.birth_year,"         \
    " p.id_card_masked AS id_card, p.phone_masked AS phone, p.created_at, p.updated_at, p.version,"                  \
    " (SELECT group_concat(tag, ',') FROM (SELECT t.tag FROM person_tag t WHERE t.person_id = p.id"                  \
    "  ORDER BY t.tag) AS s) AS tags,"                                                                                 \
    " EXISTS (SELECT 1 FROM party_member m WHERE m.person_id = p.id) AS is_party_member"
#define PERSON_FROM "FROM person p JOIN org o ON o.id = p.org_id"
#define PERSON_SELECT PERSON_COLUMNS " " PERSON_FROM

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

/* The identity rules of an input: the ID number (checksum, date, region), the
 * gender and birth date agreeing with it when given (either may be NULL), the
 * phone. 0, or -1 with rep filled (400 naming the field). Nothing is derived
 * here: the write reads the gender and birth year from the number. */
int person_check_identity(const char *lang, const char *id_card, const char *gender, const char *birth_date,
                          const char *phone, api_reply_t *rep)
{
    if (id_card) {
        idcard_info_t info;
        const char *reason;
        if (idcard_parse(id_card, api_today_ymd(), &info, &reason) != 0) {
            static const struct {
                const char *reason;
                err_t e;
            } msgs[] = {
                {"idcard_format", E_IDCARD_FORMAT},
                {"idcard_checksum", E_IDCARD_CHECKSUM},
                {"idcard_date", E_IDCARD_DATE},
                {"idcard_region", E_IDCARD_REGION},
            };
            size_t i = 0;
            while (i < 3 && strcmp(msgs[i].reason, reason) != 0)
                i++;
            api_fail(rep, lang, msgs[i].e, "id_card");
            json_object_set_new(json_object_get(rep->json, "error"), "reason", json_string(reason));
            return -1;
        }
        char birth[11], g[2] = {info.gender, 0};
        snprintf(birth, sizeof birth, "%04d-%02d-%02d", info.year, info.month, info.day);
        if (gender && strcmp(gender, g) != 0)
            return api_fail(rep, lang, E_GENDER_MISMATCH, "gender");
        if (birth_date && strcmp(birth_date, birth) != 0)
            return api_fail(rep, lang, E_BIRTH_DATE_MISMATCH, "birth_date");
    }
    if (phone && !phone_valid(phone))
        return api_fail(rep, lang, E_PHONE_INVALID, "phone");
    return 0;
}

/* Tags (declared a list of names): each a known, active tag code. 0, or -1
 * with rep filled (400 naming tags). */
static int tags_known(const api_req_t *req, const json_t *tags, api_reply_t *rep)
{
    size_t i;
    json_t *v;
    json_array_foreach(tags, i, v) {
        int64_t ok = 0;
        if (db_one_int(req->db, &ok, "SELECT COUNT(*) FROM person_tag_kind WHERE code = ? AND active = 1", "t",
                       json_string_value(v)) != DB_OK ||
            ok == 0)
            return api_fail(rep, req->lang, E_UNKNOWN_TAG, "tags");
    }
    return 0;
}

void person_id_card_norm(char out[IDCARD_LEN + 1], const char *id)
{
    str_copy(out, IDCARD_LEN + 1, id);
    if (strlen(out) == IDCARD_LEN && out[IDCARD_LEN - 1] == 'x')
        out[IDCARD_LEN - 1] = 'X';
}

/* Store the input's id_card and phone for person id: encrypted, hashed,
 * masked (a phone cleared: all of its columns NULL). */
static int store_pii(db_t *db, const write_ctx_t *w, int64_t id, const person_in_t *in)
{
    int rc = DB_OK;
    if (in->id_card) {
        char idc[IDCARD_LEN + 1];
        person_id_card_norm(idc, in->id_card);
        char *enc = pii_encrypt(w->keys, "person.id_card", idc);
        char hash[PII_HASH_HEX + 1], masked[32], tail[PII_TAIL_HASH_HEX + 1];
        pii_lookup_hash(hash, w->keys, "person.id_card", idc);
        pii_tail_hash(tail, w->keys, "person.id_card_tail", idc);
        idcard_mask(masked, sizeof masked, idc);
        sodium_memzero(idc, sizeof idc);
        rc = db_exec(db, NULL,
                     "UPDATE person SET id_card_enc = ?, id_card_hash = ?, id_card_masked = ?, id_tail_hash = ?"
                     " WHERE id = ?",
                     "tttti", enc, hash, masked, tail, id);
        free(enc);
    }
    if (rc == DB_OK && IN_CLEARED(in, person_create_fields, PI_PHONE)) {
        rc = db_exec(db, NULL,
                     "UPDATE person SET phone_enc = NULL, phone_hash = NULL, phone_masked = NULL, phone_tail_hash = NULL"
                     " WHERE id = ?",
                     "i", id);
    } else if (rc == DB_OK && in->phone) {
        const char *p = in->phone;
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

static int set_tags(db_t *db, int64_t id, const json_t *tags)
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

/* 0 if the caller may add people to household; *org is then where a member of
 * it lives: the household's node when that lies within *org (a community's
 * household in one of its grids or buildings), else *org unchanged. */
static int household_check(db_t *db, const write_ctx_t *w, int64_t household, int64_t *org, api_reply_t *rep)
{
    int64_t horg = 0;
    char hpath[ACCESS_PATH_MAX], opath[ACCESS_PATH_MAX] = "";
    int rc = db_one_int(db, &horg, "SELECT org_id FROM household WHERE id = ?", "i", household);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, horg, hpath, sizeof hpath);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_HOUSEHOLD_NOT_FOUND, "household_id");
    if (rc == DB_OK && *org > 0)
        rc = db_one_text(db, opath, sizeof opath, "SELECT path FROM org WHERE id = ?", "i", *org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (*org > 0 && path_is_within(hpath, opath))
        *org = horg;
    return 0;
}

static int dup_id_error(api_reply_t *rep, const char *lang)
{
    /* Never say where the other record is: it may be outside the caller's scope. */
    return api_fail(rep, lang, E_ID_CARD_TAKEN, "id_card");
}

int person_by_id_card(db_t *db, const keys_t *keys, const char *id_card, int64_t *id, int64_t *org)
{
    char hash[PII_HASH_HEX + 1], idc[IDCARD_LEN + 1];
    person_id_card_norm(idc, id_card);
    pii_lookup_hash(hash, keys, "person.id_card", idc);
    sodium_memzero(idc, sizeof idc);
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
int person_elsewhere_audit(db_t *db, const write_ctx_t *w, int64_t person, int64_t holder, int64_t target,
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
void person_elsewhere_error(api_reply_t *rep, const char *lang)
{
    api_fail(rep, lang, E_PERSON_EXISTS_ELSEWHERE, "id_card");
}

/* The audit summary of a person's input: the input as it came (audit_append
 * says of id_card and phone only that they changed) but the birth date, which
 * is only checked against the ID number and, stored nowhere, is not logged
 * either: with the masked number it would narrow the number down. */
static json_t *audit_summary(const json_t *input)
{
    json_t *s = json_copy((json_t *)input);
    json_object_del(s, "birth_date");
    return s;
}

/* ---- persons ---- */

/* The gender and birth year an ID number holds (validated: idcard_parse
 * accepted it before the write was queued). */
static void id_card_facts(const char *id_card, char gender[2], int64_t *birth_year)
{
    idcard_info_t info = {0};
    const char *reason;
    idcard_parse(id_card, api_today_ymd(), &info, &reason);
    gender[0] = info.gender;
    gender[1] = '\0';
    *birth_year = info.year;
}

int person_insert(db_t *db, const write_ctx_t *w, const person_in_t *in, const json_t *input, int64_t *id)
{
    char hash[PII_HASH_HEX + 1], idc[IDCARD_LEN + 1], gender[2];
    int64_t birth_year = 0, exists = 0;
    person_id_card_norm(idc, in->id_card);
    pii_lookup_hash(hash, w->keys, "person.id_card", idc);
    sodium_memzero(idc, sizeof idc);
    if (db_one_int(db, &exists, "SELECT id FROM person WHERE id_card_hash = ?", "t", hash) == DB_OK)
        return DB_UNIQUE;
    id_card_facts(in->id_card, gender, &birth_year);
    int rc = db_one_int(db, id,
                        "INSERT INTO person (org_id, household_id, relation, name, gender, birth_year, id_card_enc,"
                        " id_card_hash, id_card_masked, id_tail_hash, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, '', ?, '', '', ?, ?) RETURNING id",
                        "iItttitii", in->org_id, in->household_id, in->relation, in->name, gender, birth_year, hash,
                        w->now, w->now);
    if (rc == DB_OK)
        rc = store_pii(db, w, *id, in);
    if (rc == DB_OK && in->tags)
        rc = set_tags(db, *id, in->tags);
    if (rc == DB_OK)
        rc = person_rollup(db, *id, +1);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "person.created", "person", *id, in->org_id, audit_summary(input));
    return rc;
}

static int person_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    person_in_t in = {0};
    api_input_fill(person_create_fields, data, &in);
    if (api_org_input(db, w, PERM_PEOPLE_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    int64_t id = 0, holder = 0;
    int rc = person_by_id_card(db, w->keys, in.id_card, &id, &holder);
    if (rc == DB_OK && access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND) {
        /* Kept (0): the refusal's audit row stays; nothing else was written. */
        rc = person_elsewhere_audit(db, w, id, holder, in.org_id, "create");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        person_elsewhere_error(rep, w->lang);
        return 0;
    }
    if (rc == DB_OK)
        return dup_id_error(rep, w->lang);
    if (rc != DB_NOTFOUND)
        return api_db_error(rep, w->lang, rc, NULL);
    /* A member of a household lives where it is: its grid or building, not the community. */
    if (in.household_id > 0 && household_check(db, w, in.household_id, &in.org_id, rep) != 0)
        return -1;
    rc = person_insert(db, w, &in, data, &id);
    if (rc == DB_UNIQUE)
        return dup_id_error(rep, w->lang);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, person_json(db, id));
    return 0;
}

/* The family's rules on a validated input, which the declaration cannot say:
 * known tags, the identity rules. 0, or -1 with rep filled (400). */
static int person_rules(const api_req_t *req, const person_in_t *in, api_reply_t *rep)
{
    if (in->tags && tags_known(req, in->tags, rep) != 0)
        return -1;
    return person_check_identity(req->lang, in->id_card, in->gender, in->birth_date, in->phone, rep);
}

int person_check_new(const api_req_t *req, const json_t *person, person_in_t *in, api_reply_t *rep)
{
    memset(in, 0, sizeof *in);
    if (api_validate(req, person, person_create_fields, rep) != 0)
        return -1;
    api_input_fill(person_create_fields, person, in);
    return person_rules(req, in, rep);
}

/* A create or update: the body the dispatcher validated, the family's rules,
 * then the write with the body as it came (its audit summary). */
static int person_queue(api_req_t *req, api_reply_t *rep, const field_t *fields, write_fn fn)
{
    person_in_t in = {0};
    api_input_fill(fields, req->body, &in);
    if (person_rules(req, &in, rep) != 0)
        return 0;
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, fn, data);
}

int person_create(api_req_t *req, api_reply_t *rep)
{
    return person_queue(req, rep, person_create_fields, person_create_write);
}

int person_get(api_req_t *req, api_reply_t *rep)
{
    json_t *p = person_json(req->db, req->params[0]);
    return p ? api_json(rep, 200, p) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

void person_filter_free(person_filter_t *f)
{
    free(f->prefix);
    free(f->id_tail);
    free(f->phone_tail);
    free(f->tag);
    memset(f, 0, sizeof *f);
}

/* Read the filters from the query, checking the subtree against perm. 0, or -1
 * with rep set (400 naming the parameter, 404 for an org out of scope). */
int person_filter_read(api_req_t *req, uint32_t perm, person_filter_t *f, api_reply_t *rep)
{
    memset(f, 0, sizeof *f);
    int64_t org = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_fail(rep, req->lang, E_ORG_ID_INVALID, "org");
    if (api_query_int(req, "household", 0, 1, INT64_MAX, &f->household) != 0)
        return api_fail(rep, req->lang, E_HOUSEHOLD_ID_INVALID, "household");
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
        return api_fail(rep, req->lang, E_ID_TAIL_SEARCH_FORBIDDEN, "id_tail");
    }
    if (bad) {
        free(id_tail);
        free(phone_tail);
        person_filter_free(f);
        return api_fail(rep, req->lang, E_TAIL_FILTER_INVALID, bad);
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
        f->guess_field = f->id_guess ? "id_card" : NULL;
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
            return api_db_error(rep, req->lang, found, NULL);
        }
    }
    /* An exact phone confirms or refutes a guess as an ID number does: the same
     * audit and limit for who may not reveal (several residents may share it). */
    char *phone = api_query(req, "phone");
    if (phone) {
        if (!phone_valid(phone)) {
            free(phone);
            person_filter_free(f);
            return api_fail(rep, req->lang, E_PHONE_INVALID, "phone");
        }
        pii_lookup_hash(f->phone_hash, req->keys, "person.phone", phone);
        f->by_phone = 1;
        if (!may_reveal) {
            f->id_guess = 1;
            if (!f->guess_field)
                f->guess_field = "phone";
        }
        sodium_memzero(phone, strlen(phone));
        free(phone);
    }
    /* Names match from their start: 王 finds 王丽; wildcards are literal. */
    f->prefix = api_prefix_param(req, "q");
    return 0;
}

/* The columns the residents list sorts by: each has an index on (column, id), so
 * a sorted page of a city reads from the cursor on (bench/RESULTS.md, Run 7). */
static const api_sort_t person_sorts[] = {
    {"name", "p.name", 0, NULL},
    {"birth_year", "p.birth_year", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The filters given, each a plain condition an index can serve (an absent one is
 * left out, not written as "? IS NULL OR ...", which no index serves):
 * household by person_household, an ID or phone tail by its keyed hash's index
 * (schema 049), an exact ID number or phone by its hash. The name prefix is added
 * by name_prefix_where. */
static void person_filter_where(api_list_t *l, const person_filter_t *f)
{
    api_list_where(l, "o.path >= ? AND o.path < ?", "tt", f->lo, f->hi);
    if (f->id_tail)
        api_list_where(l, "p.id_tail_hash = ?", "t", f->id_tail);
    if (f->phone_tail)
        api_list_where(l, "p.phone_tail_hash = ?", "t", f->phone_tail);
    if (f->by_id_card)
        api_list_where(l, "p.id_card_hash = ?", "t", f->hash);
    if (f->by_phone)
        api_list_where(l, "p.phone_hash = ?", "t", f->phone_hash);
    if (f->household)
        api_list_where(l, "p.household_id = ?", "i", f->household);
}

/* The name prefix (q) as api_name_prefix_where searches it; the range is read
 * anyway under sort=name, whose order it is. Above the cap the name is common:
 * the page keeps to the LIKE alone, read in id order (wide) or by the subtree's
 * nodes, where matches come soon. At the root the city's count is the list's
 * total (above the cap: cap+, marked). *wide is set when the page should walk
 * person in id order. DB_OK or an error. */
static int name_prefix_where(db_t *db, api_list_t *l, const person_filter_t *f, int alone, int *wide)
{
    int64_t m = -1;
    int by_name = l->sort && strcmp(l->sort->name, "name") == 0;
    int rc = api_name_prefix_where(db, l, "p.name", f->prefix, by_name, &m);
    int root = m >= 0 && api_subtree_whole(db, f->lo);
    if (alone && root) {
        l->known_total = m > l->cap ? l->cap : m;
        l->known_capped = m > l->cap;
    }
    *wide = m > l->cap && root;
    return rc;
}

/* The page of residents the filters select (l: the page asked for, which this
 * ends), as the list answers it; NULL on a storage error. */
static json_t *person_page(db_t *db, const person_filter_t *f, api_list_t *l)
{
    person_filter_where(l, f);
    int others = f->id_tail || f->phone_tail || f->by_id_card || f->by_phone || f->household;
    int common_name = 0;
    if (f->prefix && name_prefix_where(db, l, f, !others && !f->tag, &common_name) != DB_OK) {
        api_list_end(l);
        return NULL;
    }
    others |= f->prefix != NULL;
    /* No filter, or a tag alone: the total is the subtree's kept figure (residents,
     * tag.<code>; exact, never capped). A subtree big enough that walking the
     * order's index and keeping its rows beats sorting all of them is read so: the
     * tag's index (tag, person_id) in id order, or person in the sort's order, org
     * after it (SQLite's planner, without statistics, would read the subtree's rows
     * by org and sort them). docs/decisions.md, "Query plans at city scale". */
    char figure[80];
    snprintf(figure, sizeof figure, f->tag ? "tag.%s" : "residents", f->tag ? f->tag : "");
    int wide = (!others && api_list_counted(db, l, f->lo, f->node, figure)) || common_name;
    if (wide && f->tag && l->sort == NULL) {
        l->from = "FROM person_tag t CROSS JOIN person p CROSS JOIN org o";
        l->key = "t.person_id";
        api_list_where(l, "t.tag = ? AND p.id = t.person_id AND o.id = p.org_id", "t", f->tag);
    } else {
        if (wide) {
            l->from = "FROM person p CROSS JOIN org o";
            api_list_where(l, "o.id = p.org_id", "");
        }
        if (f->tag)
            api_list_where(l, "EXISTS (SELECT 1 FROM person_tag t WHERE t.person_id = p.id AND t.tag = ?)", "t",
                           f->tag);
    }
    l->places = "org_id"; /* 街道 / 社区 of each, for lists wider than a community */
    json_t *page = api_list_run(db, l);
    api_list_end(l);
    if (page == NULL)
        return NULL;
    size_t i;
    json_t *row;
    int this_year = api_today_ymd() / 10000;
    json_array_foreach(json_object_get(page, "items"), i, row) person_row_finish(row, this_year);
    return page;
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
    const char *by = json_string_value(json_object_get(data, "by"));
    if (used >= w->cfg->id_search_limit)
        return api_fail(rep, w->lang, E_ID_SEARCH_RATE_LIMITED, by);
    person_filter_t f = {0};
    str_copy(f.lo, sizeof f.lo, json_string_value(json_object_get(data, "lo")));
    str_copy(f.hi, sizeof f.hi, json_string_value(json_object_get(data, "hi")));
    const char *hash = json_string_value(json_object_get(data, "hash"));
    const char *phone_hash = json_string_value(json_object_get(data, "phone_hash"));
    if (hash) {
        str_copy(f.hash, sizeof f.hash, hash);
        f.by_id_card = 1;
    }
    if (phone_hash) {
        str_copy(f.phone_hash, sizeof f.phone_hash, phone_hash);
        f.by_phone = 1;
    }
    f.household = json_integer_value(json_object_get(data, "household"));
    f.prefix = JSON_TEXT(data, "prefix");
    f.phone_tail = JSON_TEXT(data, "phone_tail");
    f.tag = JSON_TEXT(data, "tag");
    api_list_t l;
    api_list_begin(&l, PERSON_COLUMNS, PERSON_FROM, "p.id", NULL);
    api_list_args(&l, w->op, json_string_value(json_object_get(data, "sort")),
                  json_string_value(json_object_get(data, "after")), json_integer_value(json_object_get(data, "limit")),
                  w->cfg->list_total_cap, w->keys); /* the request checked them */
    json_t *page = person_page(db, &f, &l);
    person_filter_free(&f);
    if (page == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int64_t node = json_integer_value(json_object_get(data, "node"));
    rc = audit_append_new(db, w, "persons.searched_by_id", "user", w->who.user_id, node,
                          json_pack("{s:s, s:I, s:I}", "by", by, "org", (json_int_t)node, "found",
                                    (json_int_t)json_array_size(json_object_get(page, "items"))));
    if (rc != DB_OK) {
        json_decref(page);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    return api_json(rep, 200, page);
}

int person_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    api_list_begin(&l, PERSON_COLUMNS, PERSON_FROM, "p.id", NULL);
    if (api_list_query(req, rep, &l) != 0) {
        api_list_end(&l);
        return 0;
    }
    person_filter_t f;
    if (person_filter_read(req, PERM_PEOPLE_READ, &f, rep) != 0) {
        api_list_end(&l);
        return 0;
    }
    if (f.id_guess) {
        api_list_end(&l);
        char *sort = api_query(req, "sort"), *after = api_query(req, "after");
        json_t *data = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:I}", "lo",
                                 f.lo, "hi", f.hi, "by", f.guess_field, "hash", f.by_id_card ? f.hash : NULL,
                                 "phone_hash", f.by_phone ? f.phone_hash : NULL, "household", (json_int_t)f.household, "node", (json_int_t)f.node,
                                 "prefix", f.prefix, "phone_tail", f.phone_tail, "tag", f.tag, "sort", sort, "after",
                                 after, "limit", (json_int_t)l.limit);
        free(sort);
        free(after);
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
        api_list_end(&l);
        return 0;
    }
    json_t *page = person_page(req->db, &f, &l);
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
    person_in_t in = {0};
    api_input_fill(person_update_fields, data, &in);
    int64_t id = w->id, org;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "person");
    if (api_check_version(db, w, "SELECT version FROM person WHERE id = ?", id, data, rep) != 0)
        return -1;
    int64_t held = 0, holder = 0;
    if (in.id_card && person_by_id_card(db, w->keys, in.id_card, &held, &holder) == DB_OK && held != id &&
        access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_NOTFOUND) {
        /* As on a create: audited for the holder, kept (nothing else written yet). */
        rc = person_elsewhere_audit(db, w, held, holder, org, "update");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        person_elsewhere_error(rep, w->lang);
        return 0;
    }
    /* Take the person out of the figures, change, and put them back. */
    rc = person_rollup(db, id, -1);
    if (rc == DB_OK && in.org_id) {
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, in.org_id, NULL, 0);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_ORG_NOT_FOUND, "org_id");
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE person SET org_id = ? WHERE id = ?", "ii", in.org_id, id);
    }
    if (rc == DB_OK && (in.household_id || IN_CLEARED(&in, person_update_fields, PI_HOUSEHOLD))) {
        int64_t moved = 0; /* where the person lives now: their node, or the household's within it */
        rc = db_one_int(db, &moved, "SELECT org_id FROM person WHERE id = ?", "i", id);
        if (rc == DB_OK && in.household_id && household_check(db, w, in.household_id, &moved, rep) != 0)
            return -1;
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE person SET household_id = ?, org_id = ? WHERE id = ?", "Iii", in.household_id,
                         moved, id);
    }
    if (rc == DB_OK && (in.relation || IN_CLEARED(&in, person_update_fields, PI_RELATION)))
        rc = db_exec(db, NULL, "UPDATE person SET relation = ? WHERE id = ?", "ti", in.relation, id);
    if (rc == DB_OK && in.name)
        rc = db_exec(db, NULL, "UPDATE person SET name = ? WHERE id = ?", "ti", in.name, id);
    if (rc == DB_OK && in.id_card) {
        char hash[PII_HASH_HEX + 1], idc[IDCARD_LEN + 1], gender[2];
        int64_t birth_year = 0, other = 0;
        person_id_card_norm(idc, in.id_card);
        pii_lookup_hash(hash, w->keys, "person.id_card", idc);
        sodium_memzero(idc, sizeof idc);
        if (db_one_int(db, &other, "SELECT id FROM person WHERE id_card_hash = ? AND id <> ?", "ti", hash, id) ==
            DB_OK)
            return dup_id_error(rep, w->lang);
        id_card_facts(in.id_card, gender, &birth_year);
        rc = db_exec(db, NULL, "UPDATE person SET gender = ?, birth_year = ? WHERE id = ?", "tii", gender, birth_year,
                     id);
    }
    if (rc == DB_OK)
        rc = store_pii(db, w, id, &in);
    if (rc == DB_UNIQUE)
        return dup_id_error(rep, w->lang);
    if (rc == DB_OK && in.tags)
        rc = set_tags(db, id, in.tags);
    if (rc == DB_OK)
        rc = person_rollup(db, id, +1);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE person SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     id);
    if (rc == DB_OK)
        rc = db_one_int(db, &org, person_entity.org_sql, "i", id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "person.updated", "person", id, org, audit_summary(data));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, person_json(db, id));
    return 0;
}

int person_update(api_req_t *req, api_reply_t *rep)
{
    return person_queue(req, rep, person_update_fields, person_update_write);
}

int person_remove(db_t *db, const write_ctx_t *w, int64_t id, int64_t org, const char *field, api_reply_t *rep)
{
    int64_t served = 0; /* a purchased service's beneficiary: their visits are the provider's record */
    int rc = db_one_int(db, &served, "SELECT COUNT(*) FROM service_beneficiary WHERE person_id = ?", "i", id);
    if (rc == DB_OK && served > 0)
        return api_fail(rep, w->lang, E_PERSON_IS_BENEFICIARY, field);
    if (rc == DB_OK)
        rc = person_rollup(db, id, -1);
    if (rc == DB_OK)
        rc = party_member_rollup(db, id, -1);
    if (rc == DB_OK && field == NULL)
        rc = audit_append(db, w, "person.deleted", "person", id, org, NULL);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "DELETE FROM person WHERE id = ?", "i", id);
    if (rc == DB_FOREIGN)
        return api_fail(rep, w->lang, E_PERSON_HOLDS_POST, field);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int person_delete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "person");
    if (person_remove(db, w, w->id, org, NULL, rep) != 0)
        return -1;
    rep->status = 204;
    return 0;
}

int person_delete(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, person_delete_write, NULL);
}

int person_pii_value(db_t *db, const keys_t *keys, int64_t id, const char *field, json_t **value)
{
    char enc[512] = "";
    int rc = db_one_text(db, enc, sizeof enc,
                         strcmp(field, "id_card") == 0 ? "SELECT id_card_enc FROM person WHERE id = ?"
                                                       : "SELECT COALESCE(phone_enc, '') FROM person WHERE id = ?",
                         "i", id);
    if (rc != DB_OK)
        return rc;
    *value = json_null();
    if (enc[0]) {
        char *plain = pii_decrypt(keys, strcmp(field, "id_card") == 0 ? "person.id_card" : "person.phone", enc);
        if (plain == NULL) {
            log_error("person %lld: stored %s does not decrypt under this key file", (long long)id, field);
            return DB_ERR;
        }
        *value = json_string(plain);
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
    return DB_OK;
}

static int reveal_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    pii_reveal_in_t in = {0};
    api_input_fill(pii_reveal_fields, data, &in);
    const char *field = in.field;
    int64_t id = w->id, org;
    int rc = api_entity_org(db, w, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "person");
    json_t *value = NULL;
    rc = person_pii_value(db, w->keys, id, field, &value);
    if (rc == DB_OK)
        rc = audit_append(db, w, "person.revealed", "person", id, org, data); /* the input as it came */
    if (rc != DB_OK) {
        json_decref(value);
        return api_db_error(rep, w->lang, rc, NULL);
    }
    api_json(rep, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "field", field, "value", value));
    return 0;
}

int person_reveal(api_req_t *req, api_reply_t *rep)
{
    return api_reveal_defer(req, rep, reveal_write);
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

static const field_t persons_list_query[] = {
    PERSON_FILTER_QUERY,
    FIELDS_END,
};

const op_t person_ops[] = {
    {OP(HTTP_GET, "/api/v1/persons", "persons.list", PERM(PERM_PEOPLE_READ), RF_PAGED | RF_WRITES, person_list),
     .query = persons_list_query, .sorts = person_sorts},
    {OP(HTTP_POST, "/api/v1/persons", "persons.create", PERM(PERM_PEOPLE_WRITE), RF_BODY | RF_WRITES, person_create),
     .body = person_create_fields},
    {OP(HTTP_GET, "/api/v1/persons/{id}", "persons.get", PERM(PERM_PEOPLE_READ), 0, person_get),
     .entity = &person_entity},
    {OP(HTTP_PATCH, "/api/v1/persons/{id}", "persons.update", PERM(PERM_PEOPLE_WRITE), RF_BODY | RF_WRITES,
        person_update), .body = person_update_fields, .entity = &person_entity},
    {OP(HTTP_DELETE, "/api/v1/persons/{id}", "persons.delete", PERM(PERM_PEOPLE_WRITE), RF_WRITES, person_delete),
     .entity = &person_entity},
    {OP(HTTP_POST, "/api/v1/persons/{id}/reveal", "persons.reveal", PERM(PERM_PII_REVEAL),
        RF_BODY | RF_NO_REPLAY | RF_WRITES, person_reveal), .body = pii_reveal_fields, .entity = &person_entity},
    {OP(HTTP_GET, "/api/v1/person-tags", "person_tags.list", PERM(PERM_PEOPLE_READ), 0, person_tag_list)},
    OPS_END,
};
