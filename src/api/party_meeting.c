/* Meetings of a party organisation (三会一课, 主题党日, 组织生活会):
 * docs/party-meetings.md.
 *
 * - A meeting is a plain resource (api/resource.h) of its party organisation,
 *   sitting at that organisation's node: kind, day, place, topic, host,
 *   recorder, minutes, resolutions, votes (a 支部党员大会 that votes), photos
 *   (the attachments store, owner "party_meeting").
 * - Its roll is taken when it is recorded: the organisation's members then,
 *   each marked 正式 (entitled to vote) or 预备, absent until marked present or
 *   on leave (with a reason) by staff, or present by signing in on a phone
 *   with the meeting's QR code (a random token) on the meeting's day.
 * - A voting 支部党员大会 is valid with more than half of the 正式党员 on the
 *   roll present (core/meeting.c counts; 预备党员 count on neither side).
 * - Compliance: the norm meetings.per_year (a count per kind) at the
 *   organisation's node in the year; each kind's periods (months, quarters,
 *   the year) held or missed (core/meeting.c judges). */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "core/role.h"

#define PM_READ PERM_PARTY_READ
#define PM_WRITE PERM_PARTY_WRITE

/* The kinds, in the norm's and the console's order: 支部党员大会, 支委会,
 * 党小组会, 党课, 主题党日, 组织生活会. */
const char *const party_meeting_kinds[] = {"branch_assembly", "committee", "group", "lecture", "theme_day",
                                           "life_meeting", NULL};
#define NKINDS 6
#define KIND_GROUP 2
const char *const party_meeting_attendance[] = {"present", "leave", "absent", NULL};

/* The organisations whose meetings are judged: branches, groups, and any
 * other organisation holding members directly (it is their branch). */
#define JUDGED_ORG                                                                                                     \
    "(po.kind IN ('党支部', '联合党支部', '党小组')"                                                                   \
    " OR EXISTS (SELECT 1 FROM party_member x WHERE x.party_org_id = po.id))"

static int kind_index(const char *kind)
{
    for (int i = 0; kind && i < NKINDS; i++)
        if (strcmp(party_meeting_kinds[i], kind) == 0)
            return i;
    return -1;
}

/* ---------------------------------------------------------------- the resource */

static const field_t create_fields[] = {
    {"party_org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 1, 0, 0, party_meeting_kinds, 0},
    {"held_on", F_DATE, 1, 20000101, 1, NULL, 0},
    {"place", F_TEXT, 0, 1, 100, NULL, 0},
    {"topic", F_NAME, 1, 1, 200, NULL, 0},
    {"host", F_TEXT, 0, 1, 50, NULL, 0},
    {"recorder", F_TEXT, 0, 1, 50, NULL, 0},
    {"minutes", F_BLOCK, 0, 1, 20000, NULL, 0},
    {"resolutions", F_BLOCK, 0, 1, 5000, NULL, 0},
    {"votes", F_BOOL, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"kind", F_ENUM, F_NOT_NULL, 0, 0, party_meeting_kinds, 0},
    {"held_on", F_DATE, F_NOT_NULL, 20000101, 1, NULL, 0},
    {"place", F_TEXT, 0, 1, 100, NULL, 0},
    {"topic", F_NAME, F_NOT_NULL, 1, 200, NULL, 0},
    {"host", F_TEXT, 0, 1, 50, NULL, 0},
    {"recorder", F_TEXT, 0, 1, 50, NULL, 0},
    {"minutes", F_BLOCK, 0, 1, 20000, NULL, 0},
    {"resolutions", F_BLOCK, 0, 1, 5000, NULL, 0},
    {"votes", F_BOOL, F_NOT_NULL, 0, 0, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 0, 0, 0, party_meeting_kinds, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"party_org", "m.party_org_id = ?", 0},
    {"kind", "m.kind = ?", 0},
    {"year", "CAST(substr(m.held_on, 1, 4) AS INTEGER) = ?", 0},
    {NULL, NULL, 0},
};

static const api_sort_t sorts[] = {
    {"held_on", "m.held_on", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const entity_t meeting_entity = {"party_meeting", "SELECT org_id FROM party_meeting WHERE id = ?", NULL};

/* The party organisation places the meeting: its node, with party.write there. */
static int place(db_t *db, const write_ctx_t *w, const json_t *in, int64_t *org, api_reply_t *rep)
{
    if (db_one_int(db, org, "SELECT org_id FROM party_org WHERE id = ?", "i",
                   json_integer_value(json_object_get(in, "party_org_id"))) != DB_OK ||
        access_org(db, &w->who, PM_WRITE, *org, NULL, 0) != DB_OK)
        return api_fail(rep, w->lang, E_REFERENCE_NOT_FOUND, "party_org_id");
    return 0;
}

/* votes only on a 支部党员大会: the kind and votes the row will have. */
static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id != 0 && in == NULL) { /* a delete: its photos go with it (its roll by the foreign key) */
        int rc = db_exec(db, NULL, "DELETE FROM attachment WHERE owner_kind = 'party_meeting' AND owner_id = ?", "i", id);
        return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
    }
    char kind[32] = "";
    int64_t votes = 0;
    if (id != 0) {
        int rc = db_one_text(db, kind, sizeof kind, "SELECT kind FROM party_meeting WHERE id = ?", "i", id);
        if (rc == DB_OK)
            rc = db_one_int(db, &votes, "SELECT votes FROM party_meeting WHERE id = ?", "i", id);
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
    }
    const json_t *k = json_object_get(in, "kind"), *v = json_object_get(in, "votes");
    if (json_is_string(k))
        snprintf(kind, sizeof kind, "%s", json_string_value(k));
    if (json_is_boolean(v))
        votes = json_is_true(v);
    if (votes && strcmp(kind, "branch_assembly") != 0)
        return api_fail(rep, w->lang, E_MEETING_VOTES_KIND, "votes");
    return 0;
}

/* A new meeting: its token, and its roll (the organisation's members now). */
static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    if (w->id != 0)
        return 0;
    char token[33];
    scan_token_new(token);
    int rc = db_exec(db, NULL, "UPDATE party_meeting SET token = ? WHERE id = ?", "ti", token, id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO party_meeting_attendance (meeting_id, person_id, full_member, status)"
                     " SELECT m.id, pm.person_id, CASE WHEN pm.status = '正式' THEN 1 ELSE 0 END, 'absent'"
                     " FROM party_meeting m JOIN party_member pm ON pm.party_org_id = m.party_org_id WHERE m.id = ?",
                     "i", id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static void row_finish(json_t *row)
{
    json_t *v = json_object_get(row, "votes");
    if (json_is_integer(v))
        json_object_set_new(row, "votes", json_boolean(json_integer_value(v)));
}

/* The free texts that may name residents stay out of the audit summary. */
static const char *const not_logged[] = {"minutes", "resolutions", NULL};

#define ROLL_COUNT(st) "(SELECT COUNT(*) FROM party_meeting_attendance a WHERE a.meeting_id = m.id" st ")"

static const resource_t meeting_res = {
    .name = "party_meeting",
    .table = "party_meeting",
    .entity = &meeting_entity,
    .columns = "SELECT m.id, m.party_org_id, po.name AS party_org_name, m.org_id, o.name AS org_name, m.kind,"
               " m.held_on, m.place, m.topic, m.host, m.recorder, m.minutes, m.resolutions, m.votes,"
               " " ROLL_COUNT("") " AS roll, " ROLL_COUNT(" AND a.status = 'present'") " AS present,"
               " " ROLL_COUNT(" AND a.status = 'leave'") " AS on_leave,"
               " (SELECT COUNT(*) FROM attachment f WHERE f.owner_kind = 'party_meeting' AND f.owner_id = m.id)"
               " AS photos, m.created_at, m.updated_at, m.version",
    .from = "FROM party_meeting m JOIN party_org po ON po.id = m.party_org_id JOIN org o ON o.id = m.org_id",
    .key = "m.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .read_perm = PM_READ,
    .write_perm = PM_WRITE,
    .create = create_fields,
    .update = update_fields,
    .not_logged = not_logged,
    .filters = filters,
    .sorts = sorts,
    .rules = {.place = place, .before = before, .after = after, .row = row_finish},
};

/* ---------------------------------------------------------------- the roll and its quorum */

/* The quorum of meeting id's roll (core/meeting.c), or NULL. */
static json_t *quorum_json(db_t *db, int64_t id)
{
    db_stmt_t *st = db_q(db,
                         "SELECT full_member, CASE WHEN status = 'present' THEN 1 ELSE 0 END"
                         " FROM party_meeting_attendance WHERE meeting_id = ?",
                         "i", id);
    if (st == NULL)
        return NULL;
    size_t n = 0, cap = 0;
    meet_voter_t *roll = NULL;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            meet_voter_t *more = realloc(roll, cap * sizeof *roll);
            if (more == NULL)
                break;
            roll = more;
        }
        roll[n].full = (int)db_col_int(st, 0);
        roll[n].present = (int)db_col_int(st, 1);
        n++;
    }
    db_done(st);
    if (rc != DB_DONE) {
        free(roll);
        return NULL;
    }
    meet_quorum_t q;
    meet_quorum(roll, n, &q);
    free(roll);
    return json_pack("{s:i, s:i, s:i, s:i, s:b}", "entitled", q.entitled, "present", q.present, "needed", q.needed,
                     "probationary_present", q.probationary_present, "met", q.met);
}

/* The roll of meeting id as staff see it: each member with their status, the
 * quorum (a voting 支部党员大会; else null), the sign-in token when the caller
 * may print it (party.write at the meeting's node) and whether they may mark. */
static json_t *roll_json(db_t *db, const principal_t *who, int64_t id)
{
    int64_t org = 0, votes = 0;
    char kind[32] = "", token[65] = "";
    if (db_one_int(db, &org, "SELECT org_id FROM party_meeting WHERE id = ?", "i", id) != DB_OK ||
        db_one_int(db, &votes, "SELECT votes FROM party_meeting WHERE id = ?", "i", id) != DB_OK ||
        db_one_text(db, kind, sizeof kind, "SELECT kind FROM party_meeting WHERE id = ?", "i", id) != DB_OK ||
        db_one_text(db, token, sizeof token, "SELECT COALESCE(token, '') FROM party_meeting WHERE id = ?", "i", id) !=
            DB_OK)
        return NULL;
    json_t *items = db_rows_json(db,
                                 "SELECT a.person_id, p.name, a.full_member, a.status, a.reason, a.signed_at"
                                 " FROM party_meeting_attendance a JOIN person p ON p.id = a.person_id"
                                 " WHERE a.meeting_id = ? ORDER BY a.full_member DESC, a.person_id",
                                 "i", id);
    if (items == NULL)
        return NULL;
    size_t i;
    json_t *r;
    int counts[3] = {0, 0, 0};
    json_array_foreach(items, i, r) {
        json_object_set_new(r, "full_member", json_boolean(json_integer_value(json_object_get(r, "full_member"))));
        const char *s = json_string_value(json_object_get(r, "status"));
        counts[s && strcmp(s, "present") == 0 ? 0 : s && strcmp(s, "leave") == 0 ? 1 : 2]++;
    }
    int writer = access_org(db, who, PM_WRITE, org, NULL, 0) == DB_OK;
    json_t *quorum = votes && strcmp(kind, "branch_assembly") == 0 ? quorum_json(db, id) : json_null();
    if (quorum == NULL) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o, s:{s:i, s:i, s:i}, s:o, s:o, s:b}", "items", items, "counts", "present", counts[0],
                     "leave", counts[1], "absent", counts[2], "quorum", quorum, "token",
                     writer && token[0] ? json_string(token) : json_null(), "can_write", writer);
}

/* GET /api/v1/party-meetings/{id}/attendance */
static int attendance_get(api_req_t *req, api_reply_t *rep)
{
    json_t *out = roll_json(req->db, req->who, req->params[0]);
    return out ? api_json(rep, 200, out) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

typedef struct {
    uint64_t given;
    int64_t person_id;
    const char *status;
    const char *reason;
} mark_in_t;

static const field_t mark_fields[] = {
    IN(mark_in_t, person_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(mark_in_t, status, F_ENUM, 1, 0, 0, party_meeting_attendance),
    IN(mark_in_t, reason, F_TEXT, 0, 1, 200, NULL),
    FIELDS_END,
};

/* A member of the meeting's organisation not on its roll yet (joined since)
 * goes on it; *on 1 when on it then. */
static int roll_join(db_t *db, int64_t id, int64_t person, int *on)
{
    int64_t n = 0;
    *on = 0;
    int rc = db_one_int(db, &n, "SELECT COUNT(*) FROM party_meeting_attendance WHERE meeting_id = ? AND person_id = ?",
                        "ii", id, person);
    if (rc == DB_OK && n == 0)
        rc = db_exec(db, &n,
                     "INSERT INTO party_meeting_attendance (meeting_id, person_id, full_member, status)"
                     " SELECT m.id, pm.person_id, CASE WHEN pm.status = '正式' THEN 1 ELSE 0 END, 'absent'"
                     " FROM party_meeting m JOIN party_member pm ON pm.party_org_id = m.party_org_id"
                     " WHERE m.id = ? AND pm.person_id = ?",
                     "ii", id, person);
    *on = n > 0;
    return rc;
}

/* POST /api/v1/party-meetings/{id}/attendance {person_id, status, reason}:
 * staff mark a member on the roll present, on leave (a reason required) or absent. */
static int mark_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    mark_in_t in = {0};
    api_input_fill(mark_fields, data, &in);
    int64_t org = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM party_meeting WHERE id = ?", "i", w->id);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PM_WRITE, org, NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "party_meeting");
    int leave = strcmp(in.status, "leave") == 0;
    if (leave && !IN_GIVEN(&in, mark_fields, 2))
        return api_fail(rep, w->lang, E_MEETING_LEAVE_REASON, "reason");
    int on = 0;
    rc = roll_join(db, w->id, in.person_id, &on);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (!on)
        return api_fail(rep, w->lang, E_MEETING_NOT_ON_ROLL, "person_id");
    rc = db_exec(db, NULL,
                 "UPDATE party_meeting_attendance SET status = ?, reason = ?,"
                 " signed_at = CASE WHEN ? = 'present' THEN signed_at ELSE NULL END"
                 " WHERE meeting_id = ? AND person_id = ?",
                 "tttii", in.status, leave ? in.reason : NULL, in.status, w->id, in.person_id);
    /* the summary: who and what, never the reason (it may say why a person was away) */
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "party_meeting.attendance_marked", "party_meeting", w->id, org,
                              json_pack("{s:I, s:s}", "person_id", (json_int_t)in.person_id, "status", in.status));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *out = roll_json(db, &w->who, w->id);
    return out ? api_json(rep, 200, out) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(attendance_mark, mark_write)

/* ---------------------------------------------------------------- signing in by token */

/* The meeting token names, for person (the caller's resident): DB_OK with
 * *id, *org and held_on, and *why 0 when person may sign in to it on day
 * (else E_MEETING_NOT_MEMBER or E_MEETING_NOT_TODAY); DB_NOTFOUND; an error. */
static int token_meeting(db_t *db, const char *token, int64_t person, const char *day, int64_t *id, int64_t *org,
                         err_t *why)
{
    char held[16] = "";
    int rc = db_one_int(db, id, "SELECT id FROM party_meeting WHERE token = ?", "t", token);
    if (rc == DB_OK)
        rc = db_one_int(db, org, "SELECT org_id FROM party_meeting WHERE id = ?", "i", *id);
    if (rc == DB_OK)
        rc = db_one_text(db, held, sizeof held, "SELECT held_on FROM party_meeting WHERE id = ?", "i", *id);
    if (rc != DB_OK)
        return rc;
    int64_t member = 0;
    /* on the roll, or a member of the meeting's organisation now */
    if (person > 0)
        rc = db_one_int(db, &member,
                        "SELECT COUNT(*) FROM party_meeting m WHERE m.id = ? AND (EXISTS (SELECT 1 FROM"
                        " party_meeting_attendance a WHERE a.meeting_id = m.id AND a.person_id = ?) OR EXISTS"
                        " (SELECT 1 FROM party_member pm WHERE pm.party_org_id = m.party_org_id AND pm.person_id = ?))",
                        "iii", *id, person, person);
    *why = !member ? E_MEETING_NOT_MEMBER : strcmp(held, day) != 0 ? E_MEETING_NOT_TODAY : (err_t)0;
    return rc;
}

/* The meeting as a member sees it, with their own line of the roll (or null). */
static json_t *checkin_json(db_t *db, int64_t id, int64_t person)
{
    json_t *m = db_row_one_json(db,
                                "SELECT m.id, m.kind, m.held_on, m.place, m.topic, po.name AS party_org_name"
                                " FROM party_meeting m JOIN party_org po ON po.id = m.party_org_id WHERE m.id = ?",
                                "i", id);
    if (m == NULL)
        return NULL;
    json_t *a = db_row_one_json(db,
                                "SELECT status, signed_at FROM party_meeting_attendance"
                                " WHERE meeting_id = ? AND person_id = ?",
                                "ii", id, person);
    json_object_set_new(m, "mine", a ? a : json_null());
    return m;
}

/* GET /api/v1/meeting-checkin?token=: the meeting the QR code names and the caller's line. */
static int checkin_get(api_req_t *req, api_reply_t *rep)
{
    char *token = api_query(req, "token"), day[16];
    date_today(day);
    int64_t id = 0, org = 0;
    err_t why = (err_t)0;
    int rc = token_meeting(req->db, token, req->who->person_id, day, &id, &org, &why);
    free(token);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_RECORD_NOT_FOUND, "token");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    if (why == E_MEETING_NOT_MEMBER)
        return api_fail(rep, req->lang, why, "token");
    json_t *out = checkin_json(req->db, id, req->who->person_id);
    if (out)
        json_object_set_new(out, "open", json_boolean(why == 0));
    return out ? api_json(rep, 200, out) : api_db_error(rep, req->lang, DB_ERR, NULL);
}

/* POST /api/v1/meeting-checkin {token}: the caller, a member of the meeting's
 * organisation, is present, on the meeting's day (Asia/Shanghai, the server's
 * clock). A second scan changes nothing. */
static int checkin_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    scan_token_in_t in = {0};
    api_input_fill(scan_token_fields, data, &in);
    char day[16];
    date_of(w->now, day);
    int64_t id = 0, org = 0, person = w->who.person_id, changed = 0;
    err_t why = (err_t)0;
    int rc = token_meeting(db, in.token, person, day, &id, &org, &why);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_RECORD_NOT_FOUND, "token");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (why)
        return api_fail(rep, w->lang, why, "token");
    int on = 0;
    rc = roll_join(db, id, person, &on);
    if (rc == DB_OK && on)
        rc = db_exec(db, &changed,
                     "UPDATE party_meeting_attendance SET status = 'present', reason = NULL, signed_at = ?"
                     " WHERE meeting_id = ? AND person_id = ? AND signed_at IS NULL",
                     "iii", w->now, id, person);
    if (rc == DB_OK && changed)
        rc = audit_append_new(db, w, "party_meeting.signed_in", "party_meeting", id, org,
                              json_pack("{s:I}", "person_id", (json_int_t)person));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *out = checkin_json(db, id, person);
    if (out)
        json_object_set_new(out, "open", json_true());
    return out ? api_json(rep, 200, out) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

DEFER_BODY(checkin_post, checkin_write)

/* ---------------------------------------------------------------- my meetings */

/* GET /api/v1/my/meetings: the caller's membership (or null) and the meetings
 * of their organisation, or on whose roll they are, from a year ago on
 * (upcoming ones included), latest first, each with their own line. */
static int my_meetings(api_req_t *req, api_reply_t *rep)
{
    int64_t person = req->who->person_id;
    json_t *member = person > 0 ? db_row_one_json(req->db,
                                                  "SELECT m.party_org_id, po.name AS party_org_name, m.status"
                                                  " FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                                                  " WHERE m.person_id = ?",
                                                  "i", person)
                                : NULL;
    char today[16], from[16];
    date_today(today);
    snprintf(from, sizeof from, "%04d%.6s", (atoi(today) - 1) % 10000, today + 4);
    json_t *items = member == NULL ? json_array()
                                   : db_rows_json(req->db,
                                                  "SELECT m.id, m.kind, m.held_on, m.place, m.topic,"
                                                  " po.name AS party_org_name, a.status AS my_status, a.signed_at"
                                                  " FROM party_meeting m JOIN party_org po ON po.id = m.party_org_id"
                                                  " LEFT JOIN party_meeting_attendance a ON a.meeting_id = m.id"
                                                  " AND a.person_id = ?"
                                                  " WHERE m.id IN (SELECT x.id FROM party_meeting x"
                                                  " WHERE x.party_org_id = ? AND x.held_on >= ? UNION"
                                                  " SELECT y.meeting_id FROM party_meeting_attendance y"
                                                  " WHERE y.person_id = ?)"
                                                  " AND m.held_on >= ? ORDER BY m.held_on DESC, m.id DESC LIMIT 100",
                                                  "iitit", person,
                                                  (int64_t)json_integer_value(json_object_get(member, "party_org_id")),
                                                  from, person, from);
    if (items == NULL) {
        json_decref(member);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    return api_json(rep, 200,
                    json_pack("{s:o, s:s, s:o}", "member", member ? member : json_null(), "today", today, "items", items));
}

/* ---------------------------------------------------------------- compliance */

/* meetings.per_year where an organisation sits: has 0 when no norm applies. */
typedef struct {
    int has;
    int per_year[NKINDS];
} norm_slot_t;

static void norm_of(const json_t *issued, const char *path, norm_slot_t *out)
{
    const json_t *r = norm_at_path(issued, path), *v = json_object_get(r, "value");
    memset(out, 0, sizeof *out);
    out->has = r != NULL;
    for (int k = 0; r && k < NKINDS; k++)
        out->per_year[k] = (int)json_number_value(json_object_get(v, party_meeting_kinds[k]));
}

/* One judged organisation of a batch. */
typedef struct {
    int64_t id;
    int group; /* a 党小组: only 党小组会 apply */
    char path[ACCESS_PATH_MAX]; /* its node's */
    int held[NKINDS][12];
} judged_t;

/* Up to limit judged organisations of [lo, hi) after id after (by id), with
 * their meetings of each kind and month in year. DB_OK with *out (malloc'd)
 * and *n, or an error. */
static int judged_batch(db_t *db, const char *lo, const char *hi, int year, int64_t after, int64_t limit,
                        int64_t party_org, judged_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt_t *st = db_q(db,
                         "SELECT po.id, CASE WHEN po.kind = '党小组' THEN 1 ELSE 0 END, o.path FROM party_org po"
                         " JOIN org o ON o.id = po.org_id WHERE o.path >= ? AND o.path < ? AND po.id > ?"
                         " AND (? = 0 OR po.id = ?) AND " JUDGED_ORG " ORDER BY po.id LIMIT ?",
                         "ttiiii", lo, hi, after, party_org, party_org, limit);
    if (st == NULL)
        return DB_ERR;
    judged_t *v = calloc((size_t)limit, sizeof *v);
    int rc;
    while (v && (rc = db_step(st)) == DB_ROW && *n < (size_t)limit) {
        v[*n].id = db_col_int(st, 0);
        v[*n].group = (int)db_col_int(st, 1);
        snprintf(v[*n].path, sizeof v[*n].path, "%s", db_col_text(st, 2) ? db_col_text(st, 2) : "");
        (*n)++;
    }
    db_done(st);
    if (v == NULL)
        return DB_ERR;
    if (rc != DB_DONE && rc != DB_ROW) {
        free(v);
        return rc;
    }
    *out = v;
    if (*n == 0)
        return DB_OK;
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", year % 10000);
    snprintf(to, sizeof to, "%04d-12-31", year % 10000);
    /* The batch's meetings of the year, in the covering index's order; those of
     * organisations between its ids but not in it (another subtree) are skipped. */
    st = db_q(db,
              "SELECT party_org_id, kind, held_on FROM party_meeting WHERE party_org_id >= ? AND party_org_id <= ?"
              " AND held_on >= ? AND held_on <= ?",
              "iitt", v[0].id, v[*n - 1].id, from, to);
    if (st == NULL)
        return DB_ERR;
    size_t a = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t po = db_col_int(st, 0);
        const char *held = db_col_text(st, 2);
        int k = kind_index(db_col_text(st, 1)), month = held ? atoi(held + 5) : 0;
        if (a >= *n || v[a].id != po) { /* a new organisation: find it (the batch is ordered by id) */
            size_t lo_i = 0, hi_i = *n;
            while (lo_i < hi_i) {
                size_t mid = (lo_i + hi_i) / 2;
                if (v[mid].id < po)
                    lo_i = mid + 1;
                else
                    hi_i = mid;
            }
            a = lo_i;
        }
        if (a < *n && v[a].id == po && k >= 0 && month >= 1 && month <= 12)
            v[a].held[k][month - 1]++;
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : rc;
}

/* How many months of year have ended by today ("YYYY-MM-DD"). */
static int months_ended(int year, const char *today)
{
    int ty = atoi(today), tm = atoi(today + 5);
    return year < ty ? 12 : year > ty ? 0 : tm - 1;
}

/* The judgement of one organisation: each kind's periods, or NULL on a
 * failure; *missed the periods missed (-1: no norm applies). */
static json_t *judge_json(const judged_t *j, const norm_slot_t *norm, int ended, int *missed)
{
    *missed = norm->has ? 0 : -1;
    json_t *kinds = json_array();
    for (int k = 0; kinds && norm->has && k < NKINDS; k++) {
        int per_year = (k == KIND_GROUP) == (j->group != 0) ? norm->per_year[k] : 0, m = 0, held = 0;
        meet_period_t p[MEET_PERIODS_MAX];
        int np = meet_judge(per_year, j->held[k], ended, p, &m);
        for (int i = 0; i < 12; i++)
            held += j->held[k][i];
        if (np <= 0 && held == 0)
            continue;
        json_t *periods = json_array();
        for (int i = 0; i < np; i++)
            json_array_append_new(periods, json_pack("{s:i, s:i, s:i, s:i, s:s}", "first_month", p[i].first,
                                                     "last_month", p[i].last, "held", p[i].held, "needed",
                                                     p[i].needed, "state",
                                                     p[i].state == MEET_OK       ? "ok"
                                                     : p[i].state == MEET_MISSED ? "missed"
                                                                                 : "open"));
        json_array_append_new(kinds, json_pack("{s:s, s:i, s:i, s:i, s:o}", "kind", party_meeting_kinds[k], "per_year",
                                               per_year, "held", held, "missed", m, "periods", periods));
        *missed += m;
    }
    return kinds;
}

static const char *const truths[] = {"true", "false", NULL};

static const field_t compliance_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    {"party_org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"behind", F_ENUM, 0, 0, 0, truths, 0},
    FIELDS_END,
};

/* GET /api/v1/party-meetings/compliance?org=&year=&party_org=&behind=: the
 * judged organisations of the node's subtree (no org: the caller's widest
 * party.read grant's; paged by id), each with every
 * kind's periods in the year; behind=true: only those that missed a period. */
static int compliance(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, year = 0, limit = 50, after = 0, party_org = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, &year);
    api_query_int(req, "party_org", 0, 1, INT64_MAX, &party_org);
    if (api_page(req, rep, &limit, &after) != 0)
        return -1;
    char *b = api_query(req, "behind");
    int behind = b && strcmp(b, "true") == 0;
    free(b);
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX], today[16];
    int rc = access_list_range(req->db, req->who, PM_READ, org, lo, hi);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    date_today(today);
    int ended = months_ended((int)year, today);
    json_t *issued = norm_issued(req->db, "meetings.per_year", (int)year);
    json_t *items = issued ? json_array() : NULL;
    if (items == NULL)
        rc = DB_ERR;
    int64_t cursor = after, more = 1;
    /* behind: batches until the page is full or the subtree ends (every organisation read at most once) */
    while (rc == DB_OK && more && (int64_t)json_array_size(items) <= limit) {
        judged_t *v = NULL;
        size_t n = 0;
        rc = judged_batch(req->db, lo, hi, (int)year, cursor, behind ? 500 : limit + 1, party_org, &v, &n);
        more = behind && n == 500;
        for (size_t i = 0; rc == DB_OK && i < n && (int64_t)json_array_size(items) <= limit; i++) {
            cursor = v[i].id;
            norm_slot_t norm_here, *norm = &norm_here;
            norm_of(issued, v[i].path, norm);
            int missed = 0;
            json_t *kinds = judge_json(&v[i], norm, ended, &missed);
            if (kinds == NULL) {
                rc = DB_ERR;
                break;
            }
            if (behind && missed <= 0) {
                json_decref(kinds);
                continue;
            }
            json_t *row = db_row_one_json(req->db,
                                          "SELECT po.id, po.name, po.kind, po.org_id, o.name AS org_name,"
                                          " (SELECT COUNT(*) FROM party_member x WHERE x.party_org_id = po.id)"
                                          " AS members FROM party_org po JOIN org o ON o.id = po.org_id"
                                          " WHERE po.id = ?",
                                          "i", v[i].id);
            if (row == NULL) {
                json_decref(kinds);
                rc = DB_ERR;
                break;
            }
            json_object_set_new(row, "norm", json_boolean(norm->has));
            json_object_set_new(row, "missed", norm->has ? json_integer(missed) : json_null());
            json_object_set_new(row, "kinds", kinds);
            json_array_append_new(items, row);
        }
        free(v);
    }
    json_decref(issued);
    if (rc != DB_OK) {
        json_decref(items);
        return api_db_error(rep, req->lang, rc, NULL);
    }
    json_t *page = api_page_result(items, limit);
    json_object_set_new(page, "year", json_integer(year));
    json_object_set_new(page, "months_ended", json_integer(ended));
    return api_json(rep, 200, page);
}

/* ---------------------------------------------------------------- figures */

/* The figures of [lo, hi) in year: meetings held by kind, the judged
 * organisations, those with a norm and those behind (a period missed), the
 * periods missed by kind, and attendance (present of the rolls of meetings
 * held by today). */
json_t *party_meeting_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                 const char *today)
{
    (void)who;
    int ended = months_ended((int)year, today);
    json_t *issued = norm_issued(db, "meetings.per_year", (int)year);
    int64_t orgs = 0, judged = 0, behind = 0, held[NKINDS] = {0}, missed[NKINDS] = {0}, cursor = 0;
    int rc = issued ? DB_OK : DB_ERR;
    while (rc == DB_OK) {
        judged_t *v = NULL;
        size_t n = 0;
        rc = judged_batch(db, lo, hi, (int)year, cursor, 500, 0, &v, &n);
        for (size_t i = 0; rc == DB_OK && i < n; i++) {
            cursor = v[i].id;
            orgs++;
            norm_slot_t norm_here, *norm = &norm_here;
            norm_of(issued, v[i].path, norm);
            int total = 0;
            for (int k = 0; k < NKINDS; k++) {
                int m = 0;
                meet_period_t p[MEET_PERIODS_MAX];
                for (int mo = 0; mo < 12; mo++)
                    held[k] += v[i].held[k][mo];
                if (!norm->has)
                    continue;
                int per_year = (k == KIND_GROUP) == (v[i].group != 0) ? norm->per_year[k] : 0;
                meet_judge(per_year, v[i].held[k], ended, p, &m);
                missed[k] += m;
                total += m;
            }
            judged += norm->has;
            behind += total > 0;
        }
        free(v);
        if (n < 500)
            break;
    }
    json_decref(issued);
    if (rc != DB_OK)
        return NULL;
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", (int)year % 10000);
    snprintf(to, sizeof to, "%04d-12-31", (int)year % 10000);
    if (strcmp(today, to) < 0)
        snprintf(to, sizeof to, "%s", today);
    json_t *att = db_row_one_json(db,
                                  "SELECT COUNT(*) AS roll, COALESCE(SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0"
                                  " END), 0) AS present FROM party_meeting_attendance a"
                                  " JOIN party_meeting m ON m.id = a.meeting_id JOIN org o ON o.id = m.org_id"
                                  " WHERE o.path >= ? AND o.path < ? AND m.held_on >= ? AND m.held_on <= ?",
                                  "tttt", lo, hi, from, to);
    if (att == NULL)
        return NULL;
    json_t *out = json_pack("{s:I, s:I, s:I}", "orgs", (json_int_t)orgs, "orgs_judged", (json_int_t)judged,
                            "orgs_behind", (json_int_t)behind);
    int64_t all = 0;
    for (int k = 0; k < NKINDS; k++) {
        char key[64];
        snprintf(key, sizeof key, "held_%s", party_meeting_kinds[k]);
        json_object_set_new(out, key, json_integer(held[k]));
        snprintf(key, sizeof key, "missed_%s", party_meeting_kinds[k]);
        json_object_set_new(out, key, json_integer(missed[k]));
        all += held[k];
    }
    json_object_set_new(out, "meetings", json_integer(all));
    json_object_set_new(out, "orgs_behind_rate", json_rate(behind, judged));
    json_object_update(out, att);
    json_object_set_new(out, "attendance_rate", json_rate(json_integer_value(json_object_get(att, "present")),
                                                          json_integer_value(json_object_get(att, "roll"))));
    json_decref(att);
    return out;
}

static int party_meeting_figures(api_req_t *req, api_reply_t *rep)
{
    return api_subtree_figures(req, rep, PM_READ, party_meeting_figures_of);
}

/* ---------------------------------------------------------------- photos */

static int meeting_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, "SELECT org_id FROM party_meeting WHERE id = ?", "i", id);
    return rc == DB_OK ? access_org(db, who, PM_READ, *org, NULL, 0) : rc;
}

/* Added and removed by party.write holders over the meeting's node, any time. */
static int meeting_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t org = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM party_meeting WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = access_org(db, who, PM_WRITE, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return E_ATTACHMENT_FORBIDDEN;
    return rc == DB_OK ? 0 : -1;
}

const attach_owner_t party_meeting_files = {"party_meeting", "party_meeting", meeting_scope, meeting_files_writable};

/* ---------------------------------------------------------------- the table */

const op_t party_meeting_ops[] = {
    {OP(HTTP_GET, "/api/v1/party-meetings/compliance", "party_meetings.compliance", PERM(PM_READ), RF_PAGED,
        compliance),
     .query = compliance_query},
    RESOURCE_OPS(meeting_res, meeting_entity, "/api/v1/party-meetings", "party_meetings", PM_READ, PM_WRITE,
                 create_fields, update_fields, list_query),
    {OP(HTTP_GET, "/api/v1/party-meetings/{id}/attendance", "party_meetings.attendance", PERM(PM_READ), 0,
        attendance_get),
     .entity = &meeting_entity},
    {OP(HTTP_POST, "/api/v1/party-meetings/{id}/attendance", "party_meetings.mark", PERM(PM_WRITE),
        RF_BODY | RF_WRITES, attendance_mark),
     .body = mark_fields, .entity = &meeting_entity},
    {OP(HTTP_GET, "/api/v1/meeting-checkin", "meeting_checkin.get", USER, 0, checkin_get), .query = scan_token_query},
    {OP(HTTP_POST, "/api/v1/meeting-checkin", "meeting_checkin.post", USER, RF_BODY | RF_WRITES, checkin_post),
     .body = scan_token_fields},
    {OP(HTTP_GET, "/api/v1/my/meetings", "my_meetings.get", USER, 0, my_meetings)},
    {OP(HTTP_GET, "/api/v1/party-meeting-figures", "party_meeting_figures.get", PERM(PM_READ), 0,
        party_meeting_figures),
     .query = subtree_figures_query},
    OPS_END,
};
