/* 双报到's service records and cards (docs/service-report.md): the API over 027's
 * service_record (a member's own entry, unverified; the community's entry,
 * verification and the resident's rating; lists and exports), and the quarterly
 * service cards the community sends the member's employer party organisation,
 * frozen as sent, seen only by the community's side, the addressee and the
 * member, and acknowledged by the addressee. */
#include "api/service_report.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- service records */

#define RECORD_COLUMNS                                                                                                 \
    "SELECT s.id, s.org_id, o.name AS org_name, s.person_id, p.name AS member_name, s.served_on, s.start_min,"        \
    " s.end_min, s.minutes, s.content, s.source, s.source_id, s.verified_at, vu.display_name AS verified_by_name,"    \
    " s.rating, s.created_at, s.updated_at, s.version"
#define RECORD_FROM                                                                                                    \
    " FROM service_record s JOIN org o ON o.id = s.org_id JOIN person p ON p.id = s.person_id"                        \
    " LEFT JOIN app_user vu ON vu.id = s.verified_by"

/* A record is the community's: seen by its staff and by the member who served. */
static int record_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int64_t person = 0;
    int rc = db_one_int(db, org, "SELECT org_id FROM service_record WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &person, "SELECT person_id FROM service_record WHERE id = ?", "i", id);
    if (rc != DB_OK)
        return rc;
    if (who->person_id > 0 && who->person_id == person)
        return DB_OK;
    return access_org(db, who, SR_READ, *org, NULL, 0);
}

static json_t *record_json(db_t *db, int64_t id)
{
    json_t *o = db_row_one_json(db, RECORD_COLUMNS RECORD_FROM " WHERE s.id = ?", "i", id);
    if (o)
        json_object_set_new(o, "verified", json_boolean(!json_is_null(json_object_get(o, "verified_at"))));
    return o;
}

void sr_record_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_set_new(row, "verified", json_boolean(!json_is_null(json_object_get(row, "verified_at"))));
}

static int answer_record(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = record_json(db, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t person_id;
    const char *served_on;
    int64_t start_min;
    int64_t end_min;
    const char *content;
} record_in_t;

static const field_t record_fields[] = {
    IN(record_in_t, person_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(record_in_t, served_on, F_DATE, 1, 20000101, 0, NULL),
    IN(record_in_t, start_min, F_INT, 1, 0, 1439, NULL),
    IN(record_in_t, end_min, F_INT, 1, 1, 1440, NULL),
    IN(record_in_t, content, F_BLOCK, 1, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /api/v1/service-records: a member's own record (unverified), or one
 * entered by the community's staff for a member reported to it (verified by
 * them). It goes to the community of the member's current report. */
static int record_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    record_in_t in = {0};
    api_input_fill(record_fields, data, &in);
    int64_t person = in.person_id ? in.person_id : w->who.person_id, report = 0, id = 0;
    if (person == 0)
        return api_fail(rep, w->lang, E_SERVICE_NOT_MEMBER, "person_id");
    int rc = db_one_int(db, &report, "SELECT id FROM member_report WHERE person_id = ? AND state = 'reported'", "i",
                        person);
    int self = person == w->who.person_id;
    report_at_t r;
    if (rc == DB_OK)
        rc = sr_report_load(db, report, &r);
    if (rc == DB_NOTFOUND && self)
        return api_fail(rep, w->lang, E_SERVICE_NOT_REPORTED, "person_id");
    if (rc == DB_OK && !self && !sr_community_side(&w->who, &r, SR_WRITE))
        rc = DB_NOTFOUND;
    if (rc != DB_OK)
        return sr_ref_missing(rep, w->lang, rc, E_PERSON_NOT_FOUND, "person_id");
    service_add_t add = {
        .org_id = r.org,
        .person_id = person,
        .served_on = in.served_on,
        .start_min = (int)in.start_min,
        .end_min = (int)in.end_min,
        .content = in.content,
        .source = "manual",
        .verified_by = self ? 0 : w->who.user_id,
    };
    if (service_record_add(db, w, &add, &id, rep) != 0)
        return -1;
    rc = audit_append_new(db, w, "service_record.created", "service_record", id, r.org,
                          json_pack("{s:s, s:I, s:I, s:b}", "served_on", in.served_on, "start_min",
                                    (json_int_t)in.start_min, "end_min", (json_int_t)in.end_min, "verified", !self));
    return answer_record(db, w, rc, id, 201, rep);
}

DEFER_BODY(service_record_create, record_create_write)

static int service_record_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = record_json(req->db, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "service_record");
}

typedef struct {
    uint64_t given;
    int64_t rating;
    int64_t version;
} record_act_in_t;

static const field_t verify_fields[] = {
    IN(record_act_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static const field_t rating_fields[] = {
    IN(record_act_in_t, rating, F_INT, 1, 1, 5, NULL),
    IN(record_act_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* Verify (the community's staff) or rate a record: rating 0 verifies. */
static int record_act(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep, int rating)
{
    int64_t org = 0, verified = 0;
    int rc = record_scope(db, &w->who, w->id, &org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_record");
    if (access_row(db, &w->who, SR_WRITE, org) != DB_OK)
        return api_fail(rep, w->lang, E_SERVICE_COMMUNITY_ONLY, NULL);
    rc = db_one_int(db, &verified, "SELECT CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END FROM service_record"
                    " WHERE id = ?", "i", w->id);
    if (rc == DB_OK && rating == 0 && verified)
        return api_fail(rep, w->lang, E_SERVICE_VERIFIED, "version");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (api_check_version(db, w, "SELECT version FROM service_record WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    if (rating == 0)
        rc = db_exec(db, NULL,
                     "UPDATE service_record SET verified_by = ?, verified_at = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "iiii", w->who.user_id, w->now, w->now, w->id);
    else
        rc = db_exec(db, NULL, "UPDATE service_record SET rating = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                     "iii", (int64_t)rating, w->now, w->id);
    if (rc == DB_OK)
        rc = rating == 0 ? audit_append_new(db, w, "service_record.verified", "service_record", w->id, org, json_object())
                         : audit_append_new(db, w, "service_record.rated", "service_record", w->id, org,
                                            json_pack("{s:i}", "rating", rating));
    return answer_record(db, w, rc, w->id, 200, rep);
}

static int verify_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return record_act(db, w, data, rep, 0);
}

static int rate_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    record_act_in_t in = {0};
    api_input_fill(rating_fields, data, &in);
    return record_act(db, w, data, rep, (int)in.rating);
}

DEFER_BODY(service_record_verify, verify_write)
DEFER_BODY(service_record_rate, rate_write)

static const field_t record_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"verified", F_BOOL, 0, 0, 0, NULL, 0},
    {"source", F_ENUM, 0, 0, 0, service_record_sources, 0},
    {"from", F_DATE, 0, 20000101, 5, NULL, 0},
    {"to", F_DATE, 0, 20000101, 5, NULL, 0},
    FIELDS_END,
};

static const api_sort_t record_sorts[] = {
    {"served_on", "s.served_on", 0, NULL},
    {"minutes", "s.minutes", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int record_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    api_list_begin(l, RECORD_COLUMNS, RECORD_FROM, "s.id", NULL);
    l->row = sr_record_row;
    if (sr_community_range(req, rep, l, "o.path") != 0) {
        api_list_end(l);
        return -1;
    }
    sr_where_int(req, l, "person_id", "s.person_id = ?");
    sr_where_text(req, l, "source", "s.source = ?");
    sr_where_text(req, l, "from", "s.served_on >= ?");
    sr_where_text(req, l, "to", "s.served_on <= ?");
    int64_t verified = -1;
    api_query_int(req, "verified", -1, 0, 1, &verified);
    if (verified >= 0)
        api_list_where(l, verified ? "s.verified_at IS NOT NULL" : "s.verified_at IS NULL", "");
    return 0;
}

/* GET /api/v1/service-records: the records of the communities of the node. */
static int service_record_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (record_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t record_cols[] = {
    {"org_name", "社区", NULL, NULL},
    {"member_name", "党员", NULL, NULL},
    {"served_on", "日期", NULL, NULL},
    {"start_min", "开始（分钟）", NULL, NULL},
    {"end_min", "结束（分钟）", NULL, NULL},
    {"minutes", "时长（分钟）", NULL, NULL},
    {"content", "服务内容", NULL, NULL},
    {"source", "来源", service_record_sources, service_source_words},
    {"verified", "已核实", NULL, NULL},
    {"verified_by_name", "核实人", NULL, NULL},
    {"rating", "评价", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static int service_record_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (record_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "服务记录", record_cols, "service-records");
}

/* ---------------------------------------------------------------- service cards */

#define CARD_COLUMNS                                                                                                   \
    "SELECT c.id, c.org_id, o.name AS org_name, c.report_id, c.person_id, p.name AS member_name, c.party_org_id,"    \
    " po.name AS party_org_name, c.year, c.quarter, c.grade, c.comment, c.activities, c.minutes, c.year_activities,"  \
    " c.year_minutes, c.issued_at, iu.display_name AS issued_by_name, c.acknowledged_at,"                             \
    " au.display_name AS acknowledged_by_name, c.ack_note, c.created_at, c.updated_at, c.version"
#define CARD_FROM                                                                                                      \
    " FROM service_card c JOIN org o ON o.id = c.org_id JOIN person p ON p.id = c.person_id"                          \
    " JOIN party_org po ON po.id = c.party_org_id JOIN org pn ON pn.id = po.org_id"                                   \
    " LEFT JOIN app_user iu ON iu.id = c.issued_by LEFT JOIN app_user au ON au.id = c.acknowledged_by"

typedef struct {
    int64_t org, person;
    char path[ACCESS_PATH_MAX], addressee[ACCESS_PATH_MAX];
} card_at_t;

static int card_load(db_t *db, int64_t id, card_at_t *c)
{
    int64_t node = 0;
    int rc = db_one_int(db, &c->org, "SELECT org_id FROM service_card WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &c->person, "SELECT person_id FROM service_card WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = db_one_int(db, &node,
                        "SELECT po.org_id FROM service_card c JOIN party_org po ON po.id = c.party_org_id WHERE c.id = ?",
                        "i", id);
    if (rc == DB_OK)
        rc = sr_node_path(db, c->org, c->path);
    if (rc == DB_OK)
        rc = sr_node_path(db, node, c->addressee);
    return rc;
}

/* A card is seen by the issuing community's side, the employer party
 * organisation it is addressed to, and the member. */
static int card_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    card_at_t c;
    int rc = card_load(db, id, &c);
    if (rc != DB_OK)
        return rc;
    *org = c.org;
    return access_covers(who, SR_READ, c.path) || access_covers(who, SR_READ, c.addressee) ||
                   (who->person_id > 0 && who->person_id == c.person)
               ? DB_OK
               : DB_NOTFOUND;
}

json_t *sr_card_json(db_t *db, const principal_t *who, int64_t id)
{
    card_at_t c;
    if (card_load(db, id, &c) != DB_OK)
        return NULL;
    json_t *o = db_row_one_json(db, CARD_COLUMNS ", c.records, c.norm" CARD_FROM " WHERE c.id = ?", "i", id);
    if (o == NULL)
        return NULL;
    /* The frozen copies, as JSON again. */
    static const char *const frozen[] = {"records", "norm"};
    for (size_t i = 0; i < 2; i++) {
        const char *t = json_string_value(json_object_get(o, frozen[i]));
        json_t *v = t ? json_loads(t, 0, NULL) : NULL;
        json_object_set_new(o, frozen[i], v ? v : json_null());
    }
    int addressee = access_covers(who, SR_WRITE, c.addressee);
    json_object_set_new(o, "acknowledged", json_boolean(!json_is_null(json_object_get(o, "acknowledged_at"))));
    json_object_set_new(o, "can", json_pack("{s:b}", "acknowledge",
                                            addressee && json_is_null(json_object_get(o, "acknowledged_at"))));
    return o;
}

static int answer_card(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *o = sr_card_json(db, &w->who, id);
    return o ? api_json(rep, status, o) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t report_id;
    int64_t year;
    int64_t quarter;
    const char *grade;
    const char *comment;
} card_in_t;

static const field_t card_fields[] = {
    IN(card_in_t, report_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(card_in_t, year, F_INT, 1, 2000, 2100, NULL),
    IN(card_in_t, quarter, F_INT, 1, 1, 4, NULL),
    IN(card_in_t, grade, F_ENUM, 1, 0, 0, service_grades),
    IN(card_in_t, comment, F_BLOCK, 0, 1, 1000, NULL),
    FIELDS_END,
};

/* POST /api/v1/service-cards: the community's card for a member reported to it
 * and a quarter that has begun, addressed to the report's employer party
 * organisation: the quarter's records (each with its verified flag), its
 * verified count and minutes, the year's up to the quarter's end and the norm
 * as they stand now, kept as they were sent. */
/* Issue report r's card for year and quarter (grade, comment) as user at time
 * at: the quarter's records at the community (each with its verified flag), the
 * verified count and minutes there in the quarter and in the year up to the
 * quarter's end, and the year's norm, copied into the card. DB_OK with *id. */
int sr_card_issue(db_t *db, const report_at_t *r, int year, int quarter, const char *grade, const char *comment,
                      int64_t user, int64_t at, int64_t *id)
{
    char from[32], to[32], year_from[32];
    snprintf(from, sizeof from, "%04d-%02d-01", year, quarter * 3 - 2);
    snprintf(to, sizeof to, "%04d-%02d-31", year, quarter * 3);
    snprintf(year_from, sizeof year_from, "%04d-01-01", year);
    int rc = DB_OK;
    json_t *records = db_rows_json(db,
                                   "SELECT served_on, start_min, end_min, minutes, content, source,"
                                   " CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END AS is_verified, rating"
                                   " FROM service_record WHERE person_id = ? AND org_id = ?"
                                   " AND served_on >= ? AND served_on <= ? ORDER BY served_on, start_min",
                                   "iitt", r->person, r->org, from, to);
#define VERIFIED_SUM                                                                                                   \
    "SELECT COUNT(*) AS n, COALESCE(SUM(minutes), 0) AS m FROM service_record WHERE person_id = ? AND org_id = ?"      \
    " AND verified_at IS NOT NULL AND served_on >= ? AND served_on <= ?"
    json_t *in_quarter = records ? db_row_one_json(db, VERIFIED_SUM, "iitt", r->person, r->org, from, to) : NULL;
    json_t *in_year = in_quarter ? db_row_one_json(db, VERIFIED_SUM, "iitt", r->person, r->org, year_from, to) : NULL;
#undef VERIFIED_SUM
    json_t *norm = in_year ? sr_norm_status(db, r->person, r->org, year) : NULL;
    char *records_text = norm ? json_dumps(records, JSON_COMPACT) : NULL;
    json_t *norm_copy = norm ? json_pack("{s:O, s:O}", "activities_min", json_object_get(norm, "activities_min"),
                                         "hours_min", json_object_get(norm, "hours_min"))
                             : NULL;
    char *norm_text = norm_copy ? json_dumps(norm_copy, JSON_COMPACT) : NULL;
    if (records_text == NULL || norm_text == NULL)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = db_one_int(db, id,
                        "INSERT INTO service_card (org_id, report_id, person_id, party_org_id, year, quarter, grade,"
                        " comment, records, activities, minutes, year_activities, year_minutes, norm, issued_by,"
                        " issued_at, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiiiiitttiiiitIiii", r->org, r->id, r->person, r->employer_party_org, (int64_t)year,
                        (int64_t)quarter, grade, comment, records_text,
                        json_integer_value(json_object_get(in_quarter, "n")),
                        json_integer_value(json_object_get(in_quarter, "m")),
                        json_integer_value(json_object_get(in_year, "n")), json_integer_value(json_object_get(in_year, "m")),
                        norm_text, user, at, at, at);
    free(records_text);
    free(norm_text);
    json_decref(records);
    json_decref(in_quarter);
    json_decref(in_year);
    json_decref(norm);
    json_decref(norm_copy);
    return rc;
}

static int card_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    card_in_t in = {0};
    api_input_fill(card_fields, data, &in);
    report_at_t r;
    int64_t id = 0, received = 0, taken = 0;
    int rc = sr_report_scope(db, &w->who, in.report_id, &id);
    if (rc == DB_OK)
        rc = sr_report_load(db, in.report_id, &r);
    if (rc != DB_OK)
        return sr_ref_missing(rep, w->lang, rc, E_REFERENCE_NOT_FOUND, "report_id");
    if (!sr_community_side(&w->who, &r, SR_WRITE))
        return api_fail(rep, w->lang, E_SERVICE_COMMUNITY_ONLY, "report_id");
    rc = db_one_int(db, &received, "SELECT COALESCE(received_at, 0) FROM member_report WHERE id = ?", "i", r.id);
    if (rc == DB_OK && received == 0)
        return api_fail(rep, w->lang, E_SERVICE_NOT_REPORTED, "report_id");
    id = 0;
    if ((int64_t)api_today_ymd() < in.year * 10000 + (in.quarter * 3 - 2) * 100 + 1)
        return api_fail(rep, w->lang, E_SERVICE_QUARTER_AHEAD, "quarter");
    if (rc == DB_OK)
        rc = db_one_int(db, &taken, "SELECT COUNT(*) FROM service_card WHERE report_id = ? AND year = ? AND quarter = ?",
                        "iii", r.id, in.year, in.quarter);
    if (rc == DB_OK && taken)
        return api_fail(rep, w->lang, E_SERVICE_CARD_TAKEN, "quarter");
    if (rc == DB_OK)
        rc = sr_card_issue(db, &r, (int)in.year, (int)in.quarter, in.grade, in.comment, w->who.user_id, w->now, &id);
    if (rc == DB_UNIQUE)
        return api_fail(rep, w->lang, E_SERVICE_CARD_TAKEN, "quarter");
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_card.issued", "service_card", id, r.org,
                              json_pack("{s:I, s:I, s:I, s:s}", "report_id", (json_int_t)r.id, "year",
                                        (json_int_t)in.year, "quarter", (json_int_t)in.quarter, "grade", in.grade));
    return answer_card(db, w, rc, id, 201, rep);
}

DEFER_BODY(service_card_create, card_create_write)

static int service_card_get(api_req_t *req, api_reply_t *rep)
{
    json_t *o = sr_card_json(req->db, req->who, req->params[0]);
    return o ? api_json(rep, 200, o) : api_db_error(rep, req->lang, DB_NOTFOUND, "service_card");
}

typedef struct {
    uint64_t given;
    const char *note;
    int64_t version;
} ack_in_t;

static const field_t ack_fields[] = {
    IN(ack_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(ack_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The employer party organisation's staff acknowledge a card, once. */
static int ack_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    ack_in_t in = {0};
    api_input_fill(ack_fields, data, &in);
    card_at_t c;
    int64_t org = 0, acked = 0;
    int rc = card_scope(db, &w->who, w->id, &org);
    if (rc == DB_OK)
        rc = card_load(db, w->id, &c);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "service_card");
    rc = db_one_int(db, &acked, "SELECT COALESCE(acknowledged_at, 0) FROM service_card WHERE id = ?", "i", w->id);
    if (rc == DB_OK && acked)
        return api_fail(rep, w->lang, E_SERVICE_CARD_ACKNOWLEDGED, "version");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (!access_covers(&w->who, SR_WRITE, c.addressee))
        return api_fail(rep, w->lang, E_SERVICE_EMPLOYER_ONLY, NULL);
    if (api_check_version(db, w, "SELECT version FROM service_card WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE service_card SET acknowledged_by = ?, acknowledged_at = ?, ack_note = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "iitii", w->who.user_id, w->now, in.note, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "service_card.acknowledged", "service_card", w->id, c.org, json_object());
    return answer_card(db, w, rc, w->id, 200, rep);
}

DEFER_BODY(service_card_acknowledge, ack_write)

static const field_t card_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"quarter", F_INT, 0, 1, 4, NULL, 0},
    {"acknowledged", F_BOOL, 0, 0, 0, NULL, 0},
    {"addressed", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const api_sort_t card_sorts[] = {
    {"issued_at", "c.issued_at", 0, NULL},
    {"member_name", "p.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static void card_row(json_t *row, void *ctx)
{
    (void)ctx;
    json_object_set_new(row, "acknowledged", json_boolean(!json_is_null(json_object_get(row, "acknowledged_at"))));
}

/* The cards a list shows: with ?addressed=1, those addressed to the party
 * organisations at the node (?org=, else the caller's scope) and below; with
 * ?party_org_id=, those addressed to that party organisation (its node's staff,
 * or the issuing communities' side); else the cards issued by the communities
 * of the node (?org=, else the caller's scope). */
static int card_list_build(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    int64_t addressed = 0;
    api_query_int(req, "addressed", 0, 0, 1, &addressed);
    api_list_begin(l, CARD_COLUMNS, CARD_FROM, "c.id", NULL);
    l->row = card_row;
    if (addressed ? sr_community_range(req, rep, l, "pn.path") != 0
                  : sr_party_org_or_range(req, rep, l, "party_org_id", "c.party_org_id") != 0) {
        if (addressed)
            api_list_end(l);
        return -1;
    }
    if (addressed)
        sr_where_int(req, l, "party_org_id", "c.party_org_id = ?");
    sr_where_int(req, l, "person_id", "c.person_id = ?");
    sr_where_int(req, l, "year", "c.year = ?");
    sr_where_int(req, l, "quarter", "c.quarter = ?");
    int64_t acked = -1;
    api_query_int(req, "acknowledged", -1, 0, 1, &acked);
    if (acked >= 0)
        api_list_where(l, acked ? "c.acknowledged_at IS NOT NULL" : "c.acknowledged_at IS NULL", "");
    return 0;
}

static int service_card_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (card_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_answer(req, rep, &l);
}

static const list_col_t card_cols[] = {
    {"org_name", "社区", NULL, NULL},
    {"member_name", "党员", NULL, NULL},
    {"party_org_name", "单位党组织", NULL, NULL},
    {"year", "年度", NULL, NULL},
    {"quarter", "季度", NULL, NULL},
    {"activities", "服务次数", NULL, NULL},
    {"minutes", "核实时长（分钟）", NULL, NULL},
    {"grade", "评定", service_grades, service_grade_words},
    {"acknowledged", "已签收", NULL, NULL},
    {"acknowledged_at", "签收时间", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static int service_card_export(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    if (card_list_build(req, rep, &l) != 0)
        return -1;
    return api_list_export(req, rep, &l, "服务反馈卡", card_cols, "service-cards");
}

/* ---------------------------------------------------------------- the table */

static const entity_t record_entity = {"service_record", NULL, record_scope};
static const entity_t record_staff_entity = {"service_record", "SELECT org_id FROM service_record WHERE id = ?", NULL};
static const entity_t card_entity = {"service_card", NULL, card_scope};

const op_t service_card_ops[] = {
    {OP(HTTP_GET, "/api/v1/service-records", "service_records.list", PERM(SR_READ), RF_PAGED, service_record_list),
     .query = record_query, .sorts = record_sorts},
    {OP(HTTP_GET, "/api/v1/service-records/export", "service_records.export", PERM(SR_READ), RF_WRITES,
        service_record_export),
     .query = record_query},
    {OP(HTTP_POST, "/api/v1/service-records", "service_records.create", USER, RF_BODY | RF_WRITES,
        service_record_create),
     .body = record_fields},
    {OP(HTTP_GET, "/api/v1/service-records/{id}", "service_records.get", USER, 0, service_record_get),
     .entity = &record_entity},
    {OP(HTTP_POST, "/api/v1/service-records/{id}/verify", "service_records.verify", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, service_record_verify),
     .body = verify_fields, .entity = &record_staff_entity},
    {OP(HTTP_POST, "/api/v1/service-records/{id}/rating", "service_records.rate", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        service_record_rate),
     .body = rating_fields, .entity = &record_staff_entity},
    {OP(HTTP_GET, "/api/v1/service-cards", "service_cards.list", PERM(SR_READ), RF_PAGED, service_card_list),
     .query = card_query, .sorts = card_sorts},
    {OP(HTTP_GET, "/api/v1/service-cards/export", "service_cards.export", PERM(SR_READ), RF_WRITES,
        service_card_export),
     .query = card_query},
    {OP(HTTP_POST, "/api/v1/service-cards", "service_cards.create", PERM(SR_WRITE), RF_BODY | RF_WRITES,
        service_card_create),
     .body = card_fields},
    {OP(HTTP_GET, "/api/v1/service-cards/{id}", "service_cards.get", USER, 0, service_card_get),
     .entity = &card_entity},
    {OP(HTTP_POST, "/api/v1/service-cards/{id}/acknowledge", "service_cards.acknowledge", PERM(SR_WRITE),
        RF_BODY | RF_WRITES, service_card_acknowledge),
     .body = ack_fields, .entity = &card_entity},
    OPS_END,
};
