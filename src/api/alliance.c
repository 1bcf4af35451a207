/* 区域化党建联盟 (regional party alliances): docs/alliances.md.
 *
 * An alliance is led from an org node (a street or district, usually), with
 * its party organisation there when named; territorial (区域型) or industrial
 * (行业/产业型); founded on a date and perhaps dissolved on another. Members
 * are resident units, party organisations or org nodes, each once, with a role
 * (牵头单位, 轮值主席单位, 成员单位). Joint meetings (联席会议) record the
 * members present and the minutes. Three lists, needs, resources and projects,
 * hold items raised by members; a member claims an item raised by another (an
 * offer of help to a need, a request for a resource, taking on a project), the
 * raiser accepts one claim (the item is taken) or declines it, and the item is
 * completed with a date and a note.
 *
 * Everything is read with party.read and written with party.write at the lead
 * node (or above); a member unit's own accounts see nothing extra (for now).
 * Kept figures (alliance.*, at the lead node): founded and dissolved by year
 * and kind, projects done by year of completion. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/yfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/random.h"
#include "core/role.h"
#include "lib/util.h"

#define ALLIANCE_READ PERM_PARTY_READ
#define ALLIANCE_WRITE PERM_PARTY_WRITE

const char *const alliance_kinds[] = {"territorial", "industrial", NULL};
static const char *const alliance_kind_words[] = {"区域型", "行业型", NULL};
const char *const alliance_roles[] = {"lead", "rotating_chair", "member", NULL};
const char *const alliance_lists[] = {"need", "resource", "project", NULL};
const char *const alliance_item_states[] = {"open", "taken", "done", "withdrawn", NULL};
const char *const alliance_claim_states[] = {"offered", "accepted", "declined", NULL};

/* ---------------------------------------------------------------- states */

/* The moves of an item and of a claim: from, action, to. An item is open
 * until a claim on it is accepted (taken), then done; an open one may be
 * withdrawn. A claim is offered, then accepted or declined (accepting one
 * declines the item's other offers; withdrawing the item declines them all). */
typedef struct {
    const char *from, *action, *to;
} move_t;

static const move_t item_moves[] = {
    {"open", "accept", "taken"},
    {"taken", "complete", "done"},
    {"open", "withdraw", "withdrawn"},
};
static const move_t claim_moves[] = {
    {"offered", "accept", "accepted"},
    {"offered", "decline", "declined"},
};

#define MOVE_TO(moves, from, action) move_to(moves, sizeof moves / sizeof moves[0], from, action)

/* The state action leads to from from, or NULL when it is not allowed there. */
static const char *move_to(const move_t *m, size_t n, const char *from, const char *action)
{
    for (size_t i = 0; from && i < n; i++)
        if (strcmp(m[i].from, from) == 0 && strcmp(m[i].action, action) == 0)
            return m[i].to;
    return NULL;
}

/* ---------------------------------------------------------------- figures */

#define YEAR_OF(col) "CAST(substr(" col ", 1, 4) AS INTEGER)"

static int alliance_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    char first[16], last[16];
    snprintf(first, sizeof first, "%04d-01-01", year % 10000);
    snprintf(last, sizeof last, "%04d-12-31", year % 10000);
    int rc = yfig_put_rows(out, db_q(db,
                                     "SELECT 'alliance.founded.' || kind, COUNT(*) FROM alliance"
                                     " WHERE org_id = ? AND founded_on >= ? AND founded_on <= ? GROUP BY kind"
                                     " UNION ALL SELECT 'alliance.founded', COUNT(*) FROM alliance"
                                     " WHERE org_id = ? AND founded_on >= ? AND founded_on <= ?"
                                     " UNION ALL SELECT 'alliance.dissolved.' || kind, COUNT(*) FROM alliance"
                                     " WHERE org_id = ? AND dissolved_on >= ? AND dissolved_on <= ? GROUP BY kind"
                                     " UNION ALL SELECT 'alliance.dissolved', COUNT(*) FROM alliance"
                                     " WHERE org_id = ? AND dissolved_on >= ? AND dissolved_on <= ?"
                                     " UNION ALL SELECT 'alliance.projects_done', COUNT(*) FROM alliance_item i"
                                     " JOIN alliance a ON a.id = i.alliance_id WHERE a.org_id = ?"
                                     " AND i.list = 'project' AND i.state = 'done' AND i.done_on >= ? AND i.done_on <= ?",
                                     "ittittittittitt", org, first, last, org, first, last, org, first, last, org, first,
                                     last, org, first, last));
    return rc;
}

const yfig_source_t alliance_figures = {
    .prefix = "alliance.",
    .own = alliance_own,
    .keys_sql = "SELECT k.org_id, k.year FROM (SELECT org_id, " YEAR_OF("founded_on") " AS year FROM alliance"
    " UNION SELECT org_id, " YEAR_OF("dissolved_on") " FROM alliance WHERE dissolved_on IS NOT NULL"
    " UNION SELECT a.org_id, " YEAR_OF("i.done_on") " FROM alliance_item i JOIN alliance a ON a.id = i.alliance_id"
    " WHERE i.list = 'project' AND i.state = 'done') k JOIN org o ON o.id = k.org_id"
    " WHERE o.path >= ? AND o.path < ? AND k.year >= ? GROUP BY k.org_id, k.year",
};

/* Touch every (lead node, year) alliance's records give: founded, dissolved,
 * its projects' completions. Called before and after a change. */
static int alliance_touch(db_t *db, int64_t alliance)
{
    return yfig_touch_rows(db, &alliance_figures,
                           "SELECT org_id, " YEAR_OF("founded_on") " AS year FROM alliance WHERE id = ?"
                           " UNION SELECT org_id, " YEAR_OF("dissolved_on") " FROM alliance WHERE id = ?"
                           " AND dissolved_on IS NOT NULL"
                           " UNION SELECT a.org_id, " YEAR_OF("i.done_on") " FROM alliance_item i"
                           " JOIN alliance a ON a.id = i.alliance_id WHERE a.id = ? AND i.list = 'project'"
                           " AND i.state = 'done'",
                           alliance);
}

/* ---------------------------------------------------------------- loading */

/* An alliance's lead node (its path) and whether it is dissolved. */
typedef struct {
    int64_t id, org;
    char path[ACCESS_PATH_MAX], founded_on[16];
    int dissolved;
} alliance_at_t;

static int alliance_load(db_t *db, int64_t id, alliance_at_t *a)
{
    json_t *r = db_row_one_json(db, "SELECT org_id, founded_on, dissolved_on FROM alliance WHERE id = ?", "i", id);
    if (r == NULL)
        return DB_NOTFOUND;
    a->id = id;
    a->org = json_integer_value(json_object_get(r, "org_id"));
    str_copy(a->founded_on, sizeof a->founded_on, json_string_value(json_object_get(r, "founded_on")));
    a->dissolved = json_is_string(json_object_get(r, "dissolved_on"));
    json_decref(r);
    return org_brief(db, a->org, a->path, sizeof a->path, NULL, 0);
}

/* The alliance of a write's entity (w->id names an alliance, an item or a
 * claim: sql reads its alliance's id), the caller still holding party.write
 * over its lead node. 0, or -1 with rep set (404 naming entity). */
static int alliance_of(db_t *db, const write_ctx_t *w, const char *sql, const char *entity, alliance_at_t *a,
                       api_reply_t *rep)
{
    int64_t id = 0;
    int rc = sql ? db_one_int(db, &id, sql, "i", w->id) : DB_OK;
    if (!sql)
        id = w->id;
    if (rc == DB_OK)
        rc = alliance_load(db, id, a);
    if (rc == DB_OK && !access_covers(&w->who, ALLIANCE_WRITE, a->path))
        rc = DB_NOTFOUND;
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, entity);
}

#define ITEM_ALLIANCE "SELECT alliance_id FROM alliance_item WHERE id = ?"
#define CLAIM_ALLIANCE                                                                                                 \
    "SELECT i.alliance_id FROM alliance_claim c JOIN alliance_item i ON i.id = c.item_id WHERE c.id = ?"

/* 1 if member is a member of alliance. */
static int is_member(db_t *db, int64_t alliance, int64_t member)
{
    int64_t n = 0;
    return db_one_int(db, &n, "SELECT COUNT(*) FROM alliance_member WHERE id = ? AND alliance_id = ?", "ii", member,
                      alliance) == DB_OK &&
           n > 0;
}

/* ---------------------------------------------------------------- answers */

#define MEMBER_NAME "COALESCE(mu.name, mp.name, mo.name)"
#define MEMBER_JOIN(m)                                                                                                 \
    " LEFT JOIN unit mu ON mu.id = " m ".unit_id LEFT JOIN party_org mp ON mp.id = " m ".party_org_id"                \
    " LEFT JOIN org mo ON mo.id = " m ".member_org_id"

#define ALLIANCE_COLUMNS                                                                                               \
    "SELECT a.id, a.org_id, o.name AS org_name, a.party_org_id, po.name AS party_org_name, a.name, a.kind,"           \
    " a.founded_on, a.dissolved_on, a.description, a.created_at, a.updated_at, a.version,"                           \
    " (SELECT COUNT(*) FROM alliance_member m WHERE m.alliance_id = a.id) AS members,"                                 \
    " (SELECT COUNT(*) FROM alliance_meeting g WHERE g.alliance_id = a.id) AS meetings,"                               \
    " (SELECT COUNT(*) FROM alliance_item i WHERE i.alliance_id = a.id AND i.state IN ('open', 'taken'))"             \
    " AS items_open,"                                                                                                  \
    " (SELECT COUNT(*) FROM alliance_item i WHERE i.alliance_id = a.id AND i.list = 'project' AND i.state = 'done')"  \
    " AS projects_done"
#define ALLIANCE_FROM                                                                                                  \
    " FROM alliance a JOIN org o ON o.id = a.org_id LEFT JOIN party_org po ON po.id = a.party_org_id"

/* Rows of sql (one parameter: the alliance) grouped by key into arrays of
 * parent[field] for each parent of parents whose id matches. */
static void nest(json_t *parents, json_t *children, const char *key, const char *field)
{
    size_t i, j;
    json_t *p, *c;
    json_array_foreach(parents, i, p) json_object_set_new(p, field, json_array());
    json_array_foreach(children, j, c) {
        json_int_t k = json_integer_value(json_object_get(c, key));
        json_array_foreach(parents, i, p) if (json_integer_value(json_object_get(p, "id")) == k)
            json_array_append(json_object_get(p, field), c);
    }
}

static json_t *alliance_json(db_t *db, const principal_t *who, int64_t id)
{
    alliance_at_t a;
    if (alliance_load(db, id, &a) != DB_OK)
        return NULL;
    json_t *row = db_row_one_json(db, ALLIANCE_COLUMNS ALLIANCE_FROM " WHERE a.id = ?", "i", id);
    json_t *members = db_rows_json(db,
                                   "SELECT m.id, m.unit_id, m.party_org_id, m.member_org_id, m.role, m.joined_on,"
                                   " CASE WHEN m.unit_id IS NOT NULL THEN 'unit' WHEN m.party_org_id IS NOT NULL"
                                   " THEN 'party_org' ELSE 'org' END AS member_kind, " MEMBER_NAME " AS name"
                                   " FROM alliance_member m" MEMBER_JOIN("m") " WHERE m.alliance_id = ?"
                                   " ORDER BY CASE m.role WHEN 'lead' THEN 0 WHEN 'rotating_chair' THEN 1 ELSE 2 END,"
                                   " m.id",
                                   "i", id);
    json_t *meetings = db_rows_json(db,
                                    "SELECT id, held_on, topic, minutes, created_at FROM alliance_meeting"
                                    " WHERE alliance_id = ? ORDER BY held_on DESC, id DESC",
                                    "i", id);
    json_t *attendees = db_rows_json(db,
                                     "SELECT t.meeting_id, t.member_id, " MEMBER_NAME " AS name FROM alliance_attendee t"
                                     " JOIN alliance_meeting g ON g.id = t.meeting_id"
                                     " JOIN alliance_member m ON m.id = t.member_id" MEMBER_JOIN("m")
                                     " WHERE g.alliance_id = ? ORDER BY t.meeting_id, t.member_id",
                                     "i", id);
    json_t *items = db_rows_json(db,
                                 "SELECT i.id, i.list, i.title, i.detail, i.raised_by, " MEMBER_NAME
                                 " AS raised_by_name, i.raised_on, i.state, i.taken_by, "
                                 "(SELECT COALESCE(tu.name, tp.name, tn.name) FROM alliance_member t"
                                 " LEFT JOIN unit tu ON tu.id = t.unit_id LEFT JOIN party_org tp ON tp.id = t.party_org_id"
                                 " LEFT JOIN org tn ON tn.id = t.member_org_id WHERE t.id = i.taken_by) AS taken_by_name,"
                                 " i.done_on, i.done_note, i.version FROM alliance_item i"
                                 " JOIN alliance_member m ON m.id = i.raised_by" MEMBER_JOIN("m")
                                 " WHERE i.alliance_id = ? ORDER BY i.list, i.id",
                                 "i", id);
    json_t *claims = db_rows_json(db,
                                  "SELECT c.id, c.item_id, c.member_id, " MEMBER_NAME " AS member_name, c.resource_id,"
                                  " r.title AS resource_title, c.note, c.state, c.offered_on, c.decided_on, c.version"
                                  " FROM alliance_claim c JOIN alliance_item i ON i.id = c.item_id"
                                  " JOIN alliance_member m ON m.id = c.member_id" MEMBER_JOIN("m")
                                  " LEFT JOIN alliance_item r ON r.id = c.resource_id"
                                  " WHERE i.alliance_id = ? ORDER BY c.item_id, c.id",
                                  "i", id);
    if (row == NULL || members == NULL || meetings == NULL || attendees == NULL || items == NULL || claims == NULL) {
        json_decref(row);
        row = NULL;
        goto done;
    }
    int write = access_covers(who, ALLIANCE_WRITE, a.path), open = write && !a.dissolved;
    nest(meetings, attendees, "meeting_id", "attendees");
    nest(items, claims, "item_id", "claims");
    size_t i, j;
    json_t *it, *c;
    json_array_foreach(items, i, it) {
        const char *state = json_string_value(json_object_get(it, "state"));
        json_object_set_new(it, "can",
                            json_pack("{s:b, s:b, s:b}", "claim", open && strcmp(state, "open") == 0, "complete",
                                      write && strcmp(state, "taken") == 0, "withdraw",
                                      write && strcmp(state, "open") == 0));
        json_array_foreach(json_object_get(it, "claims"), j, c) {
            int offered = strcmp(json_string_value(json_object_get(c, "state")), "offered") == 0;
            json_object_set_new(c, "can", json_pack("{s:b, s:b}", "accept", write && offered && strcmp(state, "open") == 0,
                                                    "decline", write && offered));
        }
    }
    json_object_set_new(row, "members_list", json_incref(members));
    json_object_set_new(row, "meetings_list", json_incref(meetings));
    json_object_set_new(row, "items_list", json_incref(items));
    json_object_set_new(row, "can", json_pack("{s:b, s:b}", "edit", write, "add", open));
done:
    json_decref(members);
    json_decref(meetings);
    json_decref(attendees);
    json_decref(items);
    json_decref(claims);
    return row;
}

static int answer_alliance(db_t *db, const write_ctx_t *w, int rc, int64_t id, int status, api_reply_t *rep)
{
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    json_t *a = alliance_json(db, &w->who, id);
    return a ? api_json(rep, status, a) : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int alliance_get(api_req_t *req, api_reply_t *rep)
{
    json_t *a = alliance_json(req->db, req->who, req->params[0]);
    return a ? api_json(rep, 200, a) : api_db_error(rep, req->lang, DB_NOTFOUND, "alliance");
}

/* ---------------------------------------------------------------- alliances */

typedef struct {
    uint64_t given;
    int64_t org_id, party_org_id;
    const char *name, *kind, *founded_on, *dissolved_on, *description;
    int64_t version;
} alliance_in_t;

static const field_t alliance_fields[] = {
    IN(alliance_in_t, org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(alliance_in_t, party_org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(alliance_in_t, name, F_NAME, 1, 1, 100, NULL),
    IN(alliance_in_t, kind, F_ENUM, 1, 0, 0, alliance_kinds),
    IN(alliance_in_t, founded_on, F_DATE, 1, 19900101, 0, NULL),
    IN(alliance_in_t, dissolved_on, F_DATE, 0, 19900101, 0, NULL),
    IN(alliance_in_t, description, F_BLOCK, 0, 1, 2000, NULL),
    FIELDS_END,
};

/* An update: everything but the lead node, with the version. */
static const field_t alliance_update_fields[] = {
    IN(alliance_in_t, party_org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(alliance_in_t, name, F_NAME, 1, 1, 100, NULL),
    IN(alliance_in_t, kind, F_ENUM, 1, 0, 0, alliance_kinds),
    IN(alliance_in_t, founded_on, F_DATE, 1, 19900101, 0, NULL),
    IN(alliance_in_t, dissolved_on, F_DATE, 0, 19900101, 0, NULL),
    IN(alliance_in_t, description, F_BLOCK, 0, 1, 2000, NULL),
    IN(alliance_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* The checks of a new or changed alliance at the node at path (id 0: new). 0, or -1 with rep set. */
static int alliance_check(db_t *db, const write_ctx_t *w, const alliance_in_t *in, int64_t org, const char *path,
                          int64_t id, api_reply_t *rep)
{
    char hi[ACCESS_PATH_MAX];
    int64_t n = 0;
    int rc = path_subtree_upper(hi, sizeof hi, path) == 0 ? DB_OK : DB_ERR;
    if (rc == DB_OK && in->party_org_id)
        rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM party_org p JOIN org o ON o.id = p.org_id"
                        " WHERE p.id = ? AND o.path >= ? AND o.path < ?",
                        "itt", in->party_org_id, path, hi);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (in->party_org_id && n == 0)
        return api_fail(rep, w->lang, E_ALLIANCE_PARTY_ORG, "party_org_id");
    if (in->dissolved_on && strcmp(in->dissolved_on, in->founded_on) < 0)
        return api_fail(rep, w->lang, E_ALLIANCE_DATES, "dissolved_on");
    rc = db_one_int(db, &n, "SELECT COUNT(*) FROM alliance WHERE org_id = ? AND name = ? AND id <> ?", "iti", org,
                    in->name, id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return n > 0 ? api_fail(rep, w->lang, E_ALLIANCE_EXISTS, "name") : 0;
}

static int alliance_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    alliance_in_t in = {0};
    api_input_fill(alliance_fields, data, &in);
    char path[ACCESS_PATH_MAX];
    if (api_org_input(db, w, ALLIANCE_WRITE, in.org_id, "org_id", rep) != 0)
        return -1;
    int rc = org_brief(db, in.org_id, path, sizeof path, NULL, 0);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "org_id");
    if (alliance_check(db, w, &in, in.org_id, path, 0, rep) != 0)
        return -1;
    int64_t id = 0;
    rc = db_one_int(db, &id,
                    "INSERT INTO alliance (org_id, party_org_id, name, kind, founded_on, dissolved_on, description,"
                    " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iItttttIii", in.org_id, in.party_org_id, in.name, in.kind, in.founded_on, in.dissolved_on,
                    in.description, w->who.user_id, w->now, w->now);
    if (rc == DB_OK)
        rc = alliance_touch(db, id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.created", "alliance", id, in.org_id,
                              json_pack("{s:s, s:s}", "kind", in.kind, "founded_on", in.founded_on));
    return answer_alliance(db, w, rc, id, 201, rep);
}

DEFER_BODY(alliance_create, alliance_create_write)

static int alliance_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    alliance_in_t in = {0};
    api_input_fill(alliance_update_fields, data, &in);
    alliance_at_t a;
    if (alliance_of(db, w, NULL, "alliance", &a, rep) != 0 || alliance_check(db, w, &in, a.org, a.path, a.id, rep) != 0 ||
        api_check_version(db, w, "SELECT version FROM alliance WHERE id = ?", a.id, data, rep) != 0)
        return -1;
    int rc = alliance_touch(db, a.id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE alliance SET party_org_id = ?, name = ?, kind = ?, founded_on = ?, dissolved_on = ?,"
                     " description = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                     "Itttttii", in.party_org_id, in.name, in.kind, in.founded_on, in.dissolved_on, in.description,
                     w->now, a.id);
    if (rc == DB_OK)
        rc = alliance_touch(db, a.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.updated", "alliance", a.id, a.org,
                              json_pack("{s:s, s:s, s:b}", "kind", in.kind, "founded_on", in.founded_on, "dissolved",
                                        in.dissolved_on != NULL));
    return answer_alliance(db, w, rc, a.id, 200, rep);
}

DEFER_BODY(alliance_update, alliance_update_write)

/* ---------------------------------------------------------------- members */

typedef struct {
    uint64_t given;
    int64_t unit_id, party_org_id, member_org_id;
    const char *role, *joined_on;
} member_in_t;

static const field_t member_fields[] = {
    IN(member_in_t, unit_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(member_in_t, party_org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(member_in_t, member_org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(member_in_t, role, F_ENUM, 1, 0, 0, alliance_roles),
    IN(member_in_t, joined_on, F_DATE, 1, 19900101, 0, NULL),
    FIELDS_END,
};

/* The node of the member named (its table's org_id): the caller must see it (404 naming field). */
static int member_visible(db_t *db, const write_ctx_t *w, const char *sql, int64_t id, const char *field,
                          api_reply_t *rep)
{
    int64_t org = 0;
    char path[ACCESS_PATH_MAX];
    int rc = db_one_int(db, &org, sql, "i", id);
    if (rc == DB_OK)
        rc = org_brief(db, org, path, sizeof path, NULL, 0);
    if (rc == DB_NOTFOUND || (rc == DB_OK && !access_covers(&w->who, ALLIANCE_READ, path)))
        return api_fail(rep, w->lang, E_RECORD_NOT_FOUND, field);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static int member_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    member_in_t in = {0};
    api_input_fill(member_fields, data, &in);
    alliance_at_t a;
    if (alliance_of(db, w, NULL, "alliance", &a, rep) != 0)
        return -1;
    if ((in.unit_id != 0) + (in.party_org_id != 0) + (in.member_org_id != 0) != 1)
        return api_fail(rep, w->lang, E_ALLIANCE_MEMBER_ONE, "unit_id");
    if ((in.unit_id && member_visible(db, w, "SELECT org_id FROM unit WHERE id = ?", in.unit_id, "unit_id", rep) != 0) ||
        (in.party_org_id && member_visible(db, w, "SELECT org_id FROM party_org WHERE id = ?", in.party_org_id,
                                           "party_org_id", rep) != 0) ||
        (in.member_org_id && member_visible(db, w, "SELECT id FROM org WHERE id = ?", in.member_org_id,
                                            "member_org_id", rep) != 0))
        return -1;
    if (a.dissolved)
        return api_fail(rep, w->lang, E_ALLIANCE_DISSOLVED, NULL);
    if (strcmp(in.joined_on, a.founded_on) < 0)
        return api_fail(rep, w->lang, E_ALLIANCE_BEFORE_FOUNDED, "joined_on");
    int64_t n = 0, leads = 0, id = 0;
    int rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM alliance_member WHERE alliance_id = ? AND (unit_id = ? OR party_org_id = ?"
                        " OR member_org_id = ?)",
                        "iiii", a.id, in.unit_id, in.party_org_id, in.member_org_id);
    if (rc == DB_OK)
        rc = db_one_int(db, &leads, "SELECT COUNT(*) FROM alliance_member WHERE alliance_id = ? AND role = 'lead'", "i",
                        a.id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (n > 0)
        return api_fail(rep, w->lang, E_ALLIANCE_MEMBER_EXISTS,
                        in.unit_id ? "unit_id" : in.party_org_id ? "party_org_id" : "member_org_id");
    if (leads > 0 && strcmp(in.role, "lead") == 0)
        return api_fail(rep, w->lang, E_ALLIANCE_LEAD_TAKEN, "role");
    rc = db_one_int(db, &id,
                    "INSERT INTO alliance_member (alliance_id, unit_id, party_org_id, member_org_id, role, joined_on,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iIIItti", a.id, in.unit_id, in.party_org_id, in.member_org_id, in.role, in.joined_on, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE alliance SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     a.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.member_added", "alliance", a.id, a.org,
                              json_pack("{s:I, s:s}", "member_id", (json_int_t)id, "role", in.role));
    return answer_alliance(db, w, rc, a.id, 201, rep);
}

DEFER_BODY(alliance_member_add, member_add_write)

/* ---------------------------------------------------------------- meetings */

typedef struct {
    uint64_t given;
    const char *held_on, *topic, *minutes;
    const json_t *attendee_ids;
} meeting_in_t;

static const field_t meeting_fields[] = {
    IN(meeting_in_t, held_on, F_DATE, 1, 19900101, 0, NULL),
    IN(meeting_in_t, topic, F_NAME, 1, 1, 200, NULL),
    IN(meeting_in_t, minutes, F_BLOCK, 0, 1, 5000, NULL),
    IN(meeting_in_t, attendee_ids, F_IDS, 1, 1, 500, NULL),
    FIELDS_END,
};

static int meeting_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    meeting_in_t in = {0};
    api_input_fill(meeting_fields, data, &in);
    alliance_at_t a;
    if (alliance_of(db, w, NULL, "alliance", &a, rep) != 0)
        return -1;
    size_t i;
    json_t *m;
    json_array_foreach(in.attendee_ids, i, m) if (!is_member(db, a.id, json_integer_value(m))) return api_fail(
        rep, w->lang, E_ALLIANCE_NOT_MEMBER, "attendee_ids");
    if (strcmp(in.held_on, a.founded_on) < 0)
        return api_fail(rep, w->lang, E_ALLIANCE_BEFORE_FOUNDED, "held_on");
    if (a.dissolved)
        return api_fail(rep, w->lang, E_ALLIANCE_DISSOLVED, NULL);
    int64_t id = 0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO alliance_meeting (alliance_id, held_on, topic, minutes, created_by, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        "itttIi", a.id, in.held_on, in.topic, in.minutes, w->who.user_id, w->now);
    json_array_foreach(in.attendee_ids, i, m) if (rc == DB_OK) rc =
        db_exec(db, NULL, "INSERT INTO alliance_attendee (meeting_id, member_id) VALUES (?, ?)", "ii", id,
                (int64_t)json_integer_value(m));
    if (rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE alliance SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     a.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.meeting_added", "alliance", a.id, a.org,
                              json_pack("{s:I, s:s, s:I}", "meeting_id", (json_int_t)id, "held_on", in.held_on,
                                        "attendees", (json_int_t)json_array_size(in.attendee_ids)));
    return answer_alliance(db, w, rc, a.id, 201, rep);
}

DEFER_BODY(alliance_meeting_add, meeting_add_write)

/* ---------------------------------------------------------------- items */

typedef struct {
    uint64_t given;
    const char *list, *title, *detail, *raised_on;
    int64_t raised_by;
} item_in_t;

static const field_t item_fields[] = {
    IN(item_in_t, list, F_ENUM, 1, 0, 0, alliance_lists),
    IN(item_in_t, title, F_NAME, 1, 1, 200, NULL),
    IN(item_in_t, detail, F_BLOCK, 0, 1, 2000, NULL),
    IN(item_in_t, raised_by, F_INT, 1, 1, INT64_MAX, NULL),
    IN(item_in_t, raised_on, F_DATE, 1, 19900101, 0, NULL),
    FIELDS_END,
};

static int item_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    item_in_t in = {0};
    api_input_fill(item_fields, data, &in);
    alliance_at_t a;
    if (alliance_of(db, w, NULL, "alliance", &a, rep) != 0)
        return -1;
    if (!is_member(db, a.id, in.raised_by))
        return api_fail(rep, w->lang, E_ALLIANCE_NOT_MEMBER, "raised_by");
    if (strcmp(in.raised_on, a.founded_on) < 0)
        return api_fail(rep, w->lang, E_ALLIANCE_BEFORE_FOUNDED, "raised_on");
    if (a.dissolved)
        return api_fail(rep, w->lang, E_ALLIANCE_DISSOLVED, NULL);
    int64_t id = 0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO alliance_item (alliance_id, list, title, detail, raised_by, raised_on, created_by,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "itttitIii", a.id, in.list, in.title, in.detail, in.raised_by, in.raised_on,
                        w->who.user_id, w->now, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.item_added", "alliance", a.id, a.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)id, "list", in.list));
    return answer_alliance(db, w, rc, a.id, 201, rep);
}

DEFER_BODY(alliance_item_add, item_add_write)

/* The item of w->id: its alliance (checked for the caller), list and state,
 * the move of action allowed from it (409 naming state). 0, or -1 with rep set. */
static int item_move_check(db_t *db, const write_ctx_t *w, const json_t *data, const char *action, alliance_at_t *a,
                           json_t **item, api_reply_t *rep)
{
    if (alliance_of(db, w, ITEM_ALLIANCE, "alliance_item", a, rep) != 0)
        return -1;
    *item = db_row_one_json(db, "SELECT list, state, raised_by, raised_on FROM alliance_item WHERE id = ?", "i", w->id);
    if (*item == NULL)
        return api_db_error(rep, w->lang, DB_NOTFOUND, "alliance_item");
    if (action && !MOVE_TO(item_moves, json_string_value(json_object_get(*item, "state")), action))
        return api_fail(rep, w->lang, E_ALLIANCE_ITEM_STATE, "state");
    return data ? api_check_version(db, w, "SELECT version FROM alliance_item WHERE id = ?", w->id, data, rep) : 0;
}

typedef struct {
    uint64_t given;
    const char *done_on, *note;
    int64_t version;
} complete_in_t;

static const field_t complete_fields[] = {
    IN(complete_in_t, done_on, F_DATE, 1, 19900101, 0, NULL),
    IN(complete_in_t, note, F_BLOCK, 1, 1, 2000, NULL),
    IN(complete_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static const field_t version_fields[] = {
    IN(complete_in_t, version, F_INT, 1, 1, INT64_MAX, NULL),
    FIELDS_END,
};

static int item_complete_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    complete_in_t in = {0};
    api_input_fill(complete_fields, data, &in);
    alliance_at_t a;
    json_t *item = NULL;
    int rc = item_move_check(db, w, data, "complete", &a, &item, rep);
    if (rc == 0 && strcmp(in.done_on, json_string_value(json_object_get(item, "raised_on"))) < 0)
        rc = api_fail(rep, w->lang, E_ALLIANCE_DONE_BEFORE, "done_on");
    json_decref(item);
    if (rc != 0)
        return -1;
    rc = db_exec(db, NULL,
                 "UPDATE alliance_item SET state = 'done', done_on = ?, done_note = ?, updated_at = ?,"
                 " version = version + 1 WHERE id = ?",
                 "ttii", in.done_on, in.note, w->now, w->id);
    if (rc == DB_OK)
        rc = alliance_touch(db, a.id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.item_completed", "alliance", a.id, a.org,
                              json_pack("{s:I, s:s}", "item_id", (json_int_t)w->id, "done_on", in.done_on));
    return answer_alliance(db, w, rc, a.id, 200, rep);
}

DEFER_BODY(alliance_item_complete, item_complete_write)

static int item_withdraw_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    alliance_at_t a;
    json_t *item = NULL;
    int rc = item_move_check(db, w, data, "withdraw", &a, &item, rep);
    json_decref(item);
    if (rc != 0)
        return -1;
    char today[16];
    date_today(today);
    rc = db_exec(db, NULL, "UPDATE alliance_item SET state = 'withdrawn', updated_at = ?, version = version + 1 WHERE id = ?",
                 "ii", w->now, w->id);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE alliance_claim SET state = 'declined', decided_on = ?, updated_at = ?, version = version + 1"
                     " WHERE item_id = ? AND state = 'offered'",
                     "tii", today, w->now, w->id);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.item_withdrawn", "alliance", a.id, a.org,
                              json_pack("{s:I}", "item_id", (json_int_t)w->id));
    return answer_alliance(db, w, rc, a.id, 200, rep);
}

DEFER_BODY(alliance_item_withdraw, item_withdraw_write)

/* ---------------------------------------------------------------- claims */

typedef struct {
    uint64_t given;
    int64_t member_id, resource_id;
    const char *note, *offered_on;
} claim_in_t;

static const field_t claim_fields[] = {
    IN(claim_in_t, member_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(claim_in_t, resource_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(claim_in_t, note, F_BLOCK, 0, 1, 1000, NULL),
    IN(claim_in_t, offered_on, F_DATE, 0, 19900101, 0, NULL),
    FIELDS_END,
};

static int claim_add_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    claim_in_t in = {0};
    api_input_fill(claim_fields, data, &in);
    char today[16];
    date_today(today);
    if (!in.offered_on)
        in.offered_on = today;
    alliance_at_t a;
    json_t *item = NULL;
    if (item_move_check(db, w, NULL, "accept", &a, &item, rep) != 0) { /* claimable: what an accept may take */
        json_decref(item);
        return -1;
    }
    int64_t raiser = json_integer_value(json_object_get(item, "raised_by")), n = 0, id = 0;
    int need = strcmp(json_string_value(json_object_get(item, "list")), "need") == 0, rc = DB_OK;
    json_decref(item);
    if (!is_member(db, a.id, in.member_id))
        return api_fail(rep, w->lang, E_ALLIANCE_NOT_MEMBER, "member_id");
    if (in.member_id == raiser)
        return api_fail(rep, w->lang, E_ALLIANCE_CLAIM_OWN, "member_id");
    if (in.resource_id) {
        rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM alliance_item WHERE id = ? AND alliance_id = ? AND list = 'resource'"
                        " AND raised_by = ? AND state <> 'withdrawn'",
                        "iii", in.resource_id, a.id, in.member_id);
        if (rc == DB_OK && (n == 0 || !need))
            return api_fail(rep, w->lang, E_ALLIANCE_CLAIM_RESOURCE, "resource_id");
    }
    if (a.dissolved)
        return api_fail(rep, w->lang, E_ALLIANCE_DISSOLVED, NULL);
    if (rc == DB_OK)
        rc = db_one_int(db, &n,
                        "SELECT COUNT(*) FROM alliance_claim WHERE item_id = ? AND member_id = ? AND state = 'offered'",
                        "ii", w->id, in.member_id);
    if (rc == DB_OK && n > 0)
        return api_fail(rep, w->lang, E_ALLIANCE_CLAIM_EXISTS, "member_id");
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO alliance_claim (item_id, member_id, resource_id, note, offered_on, created_by,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiIttIii", w->id, in.member_id, in.resource_id, in.note, in.offered_on, w->who.user_id, w->now,
                        w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "alliance.claim_offered", "alliance", a.id, a.org,
                              json_pack("{s:I, s:I}", "item_id", (json_int_t)w->id, "claim_id", (json_int_t)id));
    return answer_alliance(db, w, rc, a.id, 201, rep);
}

DEFER_BODY(alliance_claim_add, claim_add_write)

/* Accept or decline (action) the claim of w->id. */
static int claim_decide(db_t *db, const write_ctx_t *w, json_t *data, const char *action, api_reply_t *rep)
{
    alliance_at_t a;
    if (alliance_of(db, w, CLAIM_ALLIANCE, "alliance_claim", &a, rep) != 0)
        return -1;
    json_t *c = db_row_one_json(db,
                                "SELECT c.state, c.item_id, c.member_id, i.state AS item_state FROM alliance_claim c"
                                " JOIN alliance_item i ON i.id = c.item_id WHERE c.id = ?",
                                "i", w->id);
    if (c == NULL)
        return api_db_error(rep, w->lang, DB_NOTFOUND, "alliance_claim");
    const char *to = MOVE_TO(claim_moves, json_string_value(json_object_get(c, "state")), action);
    int64_t item = json_integer_value(json_object_get(c, "item_id")), member = json_integer_value(json_object_get(c, "member_id"));
    int accept = strcmp(action, "accept") == 0,
        item_ok = !accept || MOVE_TO(item_moves, json_string_value(json_object_get(c, "item_state")), action) != NULL;
    json_decref(c);
    if (!to)
        return api_fail(rep, w->lang, E_ALLIANCE_CLAIM_STATE, "state");
    if (!item_ok)
        return api_fail(rep, w->lang, E_ALLIANCE_ITEM_STATE, "state");
    if (api_check_version(db, w, "SELECT version FROM alliance_claim WHERE id = ?", w->id, data, rep) != 0)
        return -1;
    char today[16];
    date_today(today);
    int rc = db_exec(db, NULL,
                     "UPDATE alliance_claim SET state = ?, decided_on = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "ttii", to, today, w->now, w->id);
    if (rc == DB_OK && accept)
        rc = db_exec(db, NULL,
                     "UPDATE alliance_claim SET state = 'declined', decided_on = ?, updated_at = ?, version = version + 1"
                     " WHERE item_id = ? AND state = 'offered'",
                     "tii", today, w->now, item);
    if (rc == DB_OK && accept)
        rc = db_exec(db, NULL,
                     "UPDATE alliance_item SET state = 'taken', taken_by = ?, updated_at = ?, version = version + 1"
                     " WHERE id = ?",
                     "iii", member, w->now, item);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, accept ? "alliance.claim_accepted" : "alliance.claim_declined", "alliance", a.id,
                              a.org, json_pack("{s:I, s:I}", "item_id", (json_int_t)item, "claim_id", (json_int_t)w->id));
    return answer_alliance(db, w, rc, a.id, 200, rep);
}

static int claim_accept_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return claim_decide(db, w, data, "accept", rep);
}

static int claim_decline_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return claim_decide(db, w, data, "decline", rep);
}

DEFER_BODY(alliance_claim_accept, claim_accept_write)
DEFER_BODY(alliance_claim_decline, claim_decline_write)

/* ---------------------------------------------------------------- lists */

static const field_t alliance_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 0, 0, 0, alliance_kinds, 0},
    {"active_in", F_INT, 0, 1990, 2100, NULL, 0},
    {"q", F_TEXT, 0, 1, 50, NULL, 0},
    FIELDS_END,
};

static const api_sort_t alliance_sorts[] = {
    {"founded_on", "a.founded_on", 0, NULL},
    {"name", "a.name", 0, NULL},
    {"org_name", "o.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* The alliances' conditions of the request (the list and its export). */
static int alliance_where(api_req_t *req, api_reply_t *rep, api_list_t *l)
{
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t org = 0, year = 0;
    api_query_int(req, "org", 0, 1, INT64_MAX, &org);
    int rc = access_list_range(req->db, req->who, ALLIANCE_READ, org, lo, hi);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_ORG_NOT_FOUND, "org");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    api_list_begin(l, ALLIANCE_COLUMNS, ALLIANCE_FROM, "a.id", NULL);
    api_list_where(l, "o.path >= ? AND o.path < ?", "tt", lo, hi);
    char *kind = api_query(req, "kind");
    if (kind)
        api_list_where(l, "a.kind = ?", "t", kind);
    free(kind);
    api_query_int(req, "active_in", 0, 1990, 2100, &year);
    if (year) { /* existing at the end of the year: the figures' Σ founded − dissolved */
        char end[16];
        snprintf(end, sizeof end, "%04d-12-31", (int)(year % 10000));
        api_list_where(l, "a.founded_on <= ? AND (a.dissolved_on IS NULL OR a.dissolved_on > ?)", "tt", end, end);
    }
    char *q = api_like_param(req, "q");
    if (q)
        api_list_where(l, "a.name LIKE ? ESCAPE '\\'", "t", q);
    free(q);
    return 0;
}

/* GET /api/v1/alliances: the alliances led from nodes under ?org= (else the caller's scope). */
static int alliance_list(api_req_t *req, api_reply_t *rep)
{
    api_list_t l;
    return alliance_where(req, rep, &l) != 0 ? -1 : api_list_answer(req, rep, &l);
}

/* GET /api/v1/alliances/export: the same list as a workbook (党建联盟), audited. */
static int alliance_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"name", "联盟名称", NULL, NULL},
        {"kind", "类型", alliance_kinds, alliance_kind_words},
        {"org_name", "牵头单位", NULL, NULL},
        {"party_org_name", "牵头党组织", NULL, NULL},
        {"founded_on", "成立日期", NULL, NULL},
        {"dissolved_on", "撤销日期", NULL, NULL},
        {"members", "成员单位数", NULL, NULL},
        {"meetings", "联席会议次数", NULL, NULL},
        {"items_open", "未完成事项", NULL, NULL},
        {"projects_done", "已完成项目", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return alliance_where(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "党建联盟", cols, "alliances");
}

/* ---------------------------------------------------------------- table */

static const entity_t alliance_entity = {"alliance", "SELECT org_id FROM alliance WHERE id = ?", NULL};
static const entity_t item_entity = {
    "alliance_item", "SELECT a.org_id FROM alliance_item i JOIN alliance a ON a.id = i.alliance_id WHERE i.id = ?", NULL};
static const entity_t claim_entity = {"alliance_claim",
                                      "SELECT a.org_id FROM alliance_claim c JOIN alliance_item i ON i.id = c.item_id"
                                      " JOIN alliance a ON a.id = i.alliance_id WHERE c.id = ?",
                                      NULL};

const op_t alliance_ops[] = {
    {OP(HTTP_GET, "/api/v1/alliances", "alliances.list", PERM(ALLIANCE_READ), RF_PAGED, alliance_list),
     .query = alliance_query, .sorts = alliance_sorts},
    {OP(HTTP_GET, "/api/v1/alliances/export", "alliances.export", PERM(ALLIANCE_READ), RF_WRITES, alliance_export),
     .query = alliance_query},
    {OP(HTTP_POST, "/api/v1/alliances", "alliances.create", PERM(ALLIANCE_WRITE), RF_BODY | RF_WRITES,
        alliance_create),
     .body = alliance_fields},
    {OP(HTTP_GET, "/api/v1/alliances/{id}", "alliances.get", PERM(ALLIANCE_READ), 0, alliance_get),
     .entity = &alliance_entity},
    {OP(HTTP_PUT, "/api/v1/alliances/{id}", "alliances.update", PERM(ALLIANCE_WRITE), RF_BODY | RF_WRITES,
        alliance_update),
     .body = alliance_update_fields, .entity = &alliance_entity},
    {OP(HTTP_POST, "/api/v1/alliances/{id}/members", "alliances.add_member", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_member_add),
     .body = member_fields, .entity = &alliance_entity},
    {OP(HTTP_POST, "/api/v1/alliances/{id}/meetings", "alliances.add_meeting", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_meeting_add),
     .body = meeting_fields, .entity = &alliance_entity},
    {OP(HTTP_POST, "/api/v1/alliances/{id}/items", "alliances.add_item", PERM(ALLIANCE_WRITE), RF_BODY | RF_WRITES,
        alliance_item_add),
     .body = item_fields, .entity = &alliance_entity},
    {OP(HTTP_POST, "/api/v1/alliance-items/{id}/claims", "alliance_items.claim", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_claim_add),
     .body = claim_fields, .entity = &item_entity},
    {OP(HTTP_POST, "/api/v1/alliance-items/{id}/complete", "alliance_items.complete", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_item_complete),
     .body = complete_fields, .entity = &item_entity},
    {OP(HTTP_POST, "/api/v1/alliance-items/{id}/withdraw", "alliance_items.withdraw", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_item_withdraw),
     .body = version_fields, .entity = &item_entity},
    {OP(HTTP_POST, "/api/v1/alliance-claims/{id}/accept", "alliance_claims.accept", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_claim_accept),
     .body = version_fields, .entity = &claim_entity},
    {OP(HTTP_POST, "/api/v1/alliance-claims/{id}/decline", "alliance_claims.decline", PERM(ALLIANCE_WRITE),
        RF_BODY | RF_WRITES, alliance_claim_decline),
     .body = version_fields, .entity = &claim_entity},
    OPS_END,
};

/* ================================================================ demo */

/* The demo city's alliances (docs/alliances.md, "Demo"): exactly 232 existing
 * at the end of the last year whatever the residents: 240 founded from 2013
 * (the first, 滨湖世纪社区's, in May 2013) to the last year, 8 of them
 * dissolved since. Leads are fixed nodes (streets, districts); only the
 * members drawn from units and party organisations depend on what exists. */

#define DEMO_FOUNDED 240
#define DEMO_DISSOLVED 8

typedef struct {
    int64_t org;
    char name[160];
    const char *kind;
} demo_alliance_t;

static const char *const demo_industries[] = {"物流行业", "物业服务行业", "快递行业", "律师行业", "金融行业", "建筑行业"};
static const struct {
    const char *code, *name;
} demo_circles[] = {
    {"340103009", "三孝口商圈党建联盟"},     {"340103006", "淮河路步行街商圈党建联盟"},
    {"340103012", "四里河之心城商圈党建联盟"}, {"340104002", "长江西路商圈党建联盟"},
    {"340104004", "南七商圈党建联盟"},       {"340111400", "滨湖银泰城商圈党建联盟"},
    {"340102001", "明光路商圈党建联盟"},     {"340121105", "北城商圈党建联盟"},
    {"340111003", "宁国路商圈党建联盟"},     {"340102006", "七里站商圈党建联盟"},
};
static const char *const demo_needs[] = {"社区老年食堂缺少志愿者",     "老旧小区加装电梯协调",   "青少年暑期托管场地",
                                         "困难群众就业岗位",           "楼道堆物清理与消防宣传", "新就业群体休息驿站"};
static const char *const demo_resources[] = {"单位党员活动室周末开放", "法律咨询服务每月一次", "职工食堂向老人开放",
                                             "停车位夜间共享",         "专业技术人员志愿服务", "会议室与培训场地"};
static const char *const demo_projects[] = {"共建“红色物业”示范小区", "打造党群服务“15分钟生活圈”",
                                            "电商直播助农项目",        "“暖蜂驿站”建设",
                                            "联合开展“我为群众办实事”", "商圈党群服务中心改造"};
static const char *const demo_topics[] = {"年度共建项目谋划", "需求清单与资源清单对接", "轮值主席单位交接",
                                          "共建项目推进情况通报", "年度工作总结"};

/* The lead node's own party organisation (党工委, 党委: not a unit's), or 0. */
#define DEMO_LEAD_PARTY "SELECT COALESCE(MIN(id), 0) FROM party_org WHERE org_id = ? AND unit_id IS NULL"

static int64_t demo_org_by_code(db_t *db, const char *code)
{
    int64_t id = 0;
    return db_one_int(db, &id, "SELECT id FROM org WHERE code = ?", "t", code) == DB_OK ? id : 0;
}

/* The candidate alliances: every street's, the business circles', the
 * districts' industries'; the first two are fixed (滨湖世纪社区, 蜀山电商). */
static json_t *demo_candidates(db_t *db)
{
    json_t *out = json_array();
    int64_t binhu = demo_org_by_code(db, "340111400"), shushan = demo_org_by_code(db, "340104");
    json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "org", (json_int_t)binhu, "name", "滨湖世纪社区区域化党建联盟",
                                         "kind", "territorial"));
    json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "org", (json_int_t)shushan, "name", "蜀山电商产业党建联盟",
                                         "kind", "industrial"));
    json_t *nodes = db_rows_json(db, "SELECT id, level, name FROM org WHERE level IN ('district', 'street')"
                                     " AND code IS NOT NULL ORDER BY code", "");
    size_t i;
    json_t *n;
    char name[256];
    json_array_foreach(nodes, i, n) {
        int64_t id = json_integer_value(json_object_get(n, "id"));
        const char *nm = json_string_value(json_object_get(n, "name"));
        if (strcmp(json_string_value(json_object_get(n, "level")), "street") == 0) {
            if (id == binhu)
                continue;
            snprintf(name, sizeof name, "%s区域化党建联盟", nm);
            json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "org", (json_int_t)id, "name", name, "kind",
                                                 "territorial"));
        } else {
            for (size_t k = 0; k < sizeof demo_industries / sizeof demo_industries[0]; k++) {
                snprintf(name, sizeof name, "%s%s党建联盟", nm, demo_industries[k]);
                json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "org", (json_int_t)id, "name", name, "kind",
                                                     "industrial"));
            }
        }
    }
    json_decref(nodes);
    for (size_t k = 0; k < sizeof demo_circles / sizeof demo_circles[0]; k++) {
        int64_t id = demo_org_by_code(db, demo_circles[k].code);
        if (id)
            json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "org", (json_int_t)id, "name",
                                                 demo_circles[k].name, "kind", "territorial"));
    }
    return out;
}

/* A date of year: month and day drawn from (seed, k), not after last ("YYYY-12-31" or today). */
static void demo_date(char out[16], unsigned long long seed, unsigned long long k, int year, const char *last)
{
    snprintf(out, 16, "%04d-%02d-%02d", year % 10000, (int)(1 + demo_pick(seed, k, 12)) % 100,
             (int)(1 + demo_pick(seed, k + 1, 28)) % 100);
    if (strcmp(out, last) > 0)
        str_copy(out, 16, last);
}

/* The members of alliance id led from org (path): the lead (the node's own
 * party organisation, else the node), up to eight of the units (enterprises for
 * an industrial one), units' party organisations and streets or communities
 * under it. Their ids in members. */
static int demo_members(db_t *db, const write_ctx_t *w, unsigned long long seed, int64_t id, int64_t org,
                        const char *path, int industrial, const char *founded, json_t *members)
{
    char hi[ACCESS_PATH_MAX];
    if (path_subtree_upper(hi, sizeof hi, path) != 0)
        return DB_ERR;
    json_t *cands = db_rows_json(db,
                                 "SELECT * FROM (SELECT 'unit' AS k, u.id FROM unit u JOIN org o ON o.id = u.org_id"
                                 " WHERE o.path >= ? AND o.path < ? AND (? = 0 OR u.type IN ('enterprise',"
                                 " 'non_public_enterprise')) ORDER BY u.id LIMIT 6) x"
                                 " UNION ALL SELECT * FROM (SELECT 'party_org' AS k, p.id FROM party_org p"
                                 " JOIN org o ON o.id = p.org_id WHERE o.path >= ? AND o.path < ? AND p.unit_id IS NOT NULL"
                                 " ORDER BY p.id DESC LIMIT 3) y"
                                 " UNION ALL SELECT * FROM (SELECT 'org' AS k, o.id FROM org o WHERE o.path > ?"
                                 " AND o.path < ? AND o.level IN ('street', 'community') ORDER BY o.id LIMIT 4) z",
                                 "ttitttt", path, hi, (int64_t)industrial, path, hi, path, hi);
    int64_t lead_party = 0, mid = 0;
    int rc = cands ? db_one_int(db, &lead_party, DEMO_LEAD_PARTY, "i", org) : DB_ERR;
    if (rc == DB_OK)
        rc = db_one_int(db, &mid,
                        "INSERT INTO alliance_member (alliance_id, party_org_id, member_org_id, role, joined_on,"
                        " created_at) VALUES (?, ?, ?, 'lead', ?, ?) RETURNING id",
                        "iIIti", id, lead_party, lead_party ? 0 : org, founded, w->now);
    if (rc == DB_OK)
        json_array_append_new(members, json_integer(mid));
    size_t i, n = cands ? json_array_size(cands) : 0;
    int taken = 0;
    for (i = 0; rc == DB_OK && i < n && taken < 8; i++) {
        json_t *c = json_array_get(cands, i);
        if (demo_pick(seed, (unsigned long long)id * 64 + i, 3) == 0) /* two in three join */
            continue;
        const char *k = json_string_value(json_object_get(c, "k"));
        int64_t ref = json_integer_value(json_object_get(c, "id"));
        rc = db_one_int(db, &mid,
                        "INSERT INTO alliance_member (alliance_id, unit_id, party_org_id, member_org_id, role,"
                        " joined_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iIIItti", id, strcmp(k, "unit") == 0 ? ref : 0, strcmp(k, "party_org") == 0 ? ref : 0,
                        strcmp(k, "org") == 0 ? ref : 0, taken == 0 ? "rotating_chair" : "member", founded, w->now);
        if (rc == DB_OK)
            json_array_append_new(members, json_integer(mid));
        taken++;
    }
    json_decref(cands);
    return rc;
}

/* Meetings (one or two a year while it exists), items of the three lists with
 * claims, taken and done in proportion to their age. */
static int demo_activity(db_t *db, const write_ctx_t *w, unsigned long long seed, int64_t id, int founded_year,
                         int end_year, const char *founded, const char *last, const json_t *members)
{
    size_t nm = json_array_size(members);
    int rc = DB_OK;
    unsigned long long k = (unsigned long long)id * 4096;
    for (int y = founded_year; rc == DB_OK && y <= end_year; y++)
        for (int m = 0; rc == DB_OK && m < 1 + (int)demo_pick(seed, k + (unsigned)y, 2); m++) {
            char on[16];
            int64_t meeting = 0;
            demo_date(on, seed, k + 100 + (unsigned)(y * 4 + m) * 2, y, last);
            if (strcmp(on, founded) < 0)
                str_copy(on, sizeof on, founded);
            rc = db_one_int(db, &meeting,
                            "INSERT INTO alliance_meeting (alliance_id, held_on, topic, minutes, created_at)"
                            " VALUES (?, ?, ?, ?, ?) RETURNING id",
                            "itttI", id, on, demo_topics[demo_pick(seed, k + 300 + (unsigned)y * 4 + (unsigned)m, 5)],
                            "与会成员单位交流了共建需求，明确了下一阶段的共建项目和责任单位。", w->now);
            for (size_t i = 0; rc == DB_OK && i < nm; i++)
                if (i == 0 || demo_pick(seed, k + 500 + (unsigned)y * 32 + i, 4) != 0)
                    rc = db_exec(db, NULL, "INSERT INTO alliance_attendee (meeting_id, member_id) VALUES (?, ?)", "ii",
                                 meeting, (int64_t)json_integer_value(json_array_get(members, i)));
        }
    if (nm < 2)
        return rc;
    int items = 3 + (int)demo_pick(seed, k + 900, 4);
    for (int i = 0; rc == DB_OK && i < items; i++) {
        unsigned long long ki = k + 1000 + (unsigned)i * 16;
        const char *list = alliance_lists[i % 3];
        const char *title = i % 3 == 0 ? demo_needs[demo_pick(seed, ki, 6)]
                                       : i % 3 == 1 ? demo_resources[demo_pick(seed, ki, 6)]
                                                    : demo_projects[demo_pick(seed, ki, 6)];
        int y = founded_year + (int)demo_pick(seed, ki + 1, end_year - founded_year + 1);
        char raised[16], done[16];
        demo_date(raised, seed, ki + 2, y, last);
        if (strcmp(raised, founded) < 0)
            str_copy(raised, sizeof raised, founded);
        size_t by = (size_t)demo_pick(seed, ki + 4, (int64_t)nm), taker = (by + 1 + (size_t)demo_pick(seed, ki + 5,
                                                                                   (int64_t)nm - 1)) % nm;
        /* Older items are mostly done; the last year's mostly open or taken. */
        int64_t r = demo_pick(seed, ki + 6, 10), age = end_year - y;
        const char *state = age >= 2 ? (r < 8 ? "done" : r < 9 ? "taken" : "open")
                                     : age == 1 ? (r < 5 ? "done" : r < 8 ? "taken" : "open")
                                                : (r < 2 ? "done" : r < 5 ? "taken" : "open");
        int claimed = strcmp(state, "open") != 0;
        int dy = y + (int)demo_pick(seed, ki + 7, 2);
        demo_date(done, seed, ki + 8, dy > end_year ? end_year : dy, last);
        if (strcmp(done, raised) < 0)
            str_copy(done, sizeof done, raised);
        int64_t item = 0;
        rc = db_one_int(db, &item,
                        "INSERT INTO alliance_item (alliance_id, list, title, detail, raised_by, raised_on, state,"
                        " taken_by, done_on, done_note, created_at, updated_at, version)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "ittti" "ttIttiii", id, list, title, "由成员单位在联席会议上提出，列入联盟清单。",
                        (int64_t)json_integer_value(json_array_get(members, by)), raised, state,
                        claimed ? (int64_t)json_integer_value(json_array_get(members, taker)) : 0,
                        strcmp(state, "done") == 0 ? done : NULL,
                        strcmp(state, "done") == 0 ? "已按计划完成，群众反映良好。" : NULL, w->now, w->now,
                        (int64_t)(1 + claimed + (strcmp(state, "done") == 0)));
        /* The claims: the accepted one of a taken or done item; an open one may wait with an offer. */
        if (rc == DB_OK && (claimed || demo_pick(seed, ki + 9, 2) == 0))
            rc = db_exec(db, NULL,
                         "INSERT INTO alliance_claim (item_id, member_id, note, state, offered_on, decided_on,"
                         " created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "iittttiii", item, (int64_t)json_integer_value(json_array_get(members, taker)),
                         "本单位可以承接", claimed ? "accepted" : "offered", raised, claimed ? raised : NULL, w->now,
                         w->now, (int64_t)(claimed ? 2 : 1));
    }
    return rc;
}

int alliance_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    seed = seed * 31 + 39; /* this family's own draws */
    int last_year = demo_last_year(w);
    char today[16], last[16];
    date_today(today);
    snprintf(last, sizeof last, "%04d-12-31", last_year % 10000);
    if (strcmp(last, today) > 0)
        str_copy(last, sizeof last, today);
    json_t *pool = demo_candidates(db);
    size_t n = json_array_size(pool);
    if (n < DEMO_FOUNDED) {
        json_decref(pool);
        return DB_ERR;
    }
    /* Shuffle all but the first two (Fisher-Yates on the seed). */
    for (size_t i = n - 1; i > 2; i--) {
        size_t j = 2 + (size_t)demo_pick(seed, i, (int64_t)(i - 1));
        json_t *a = json_incref(json_array_get(pool, i)), *b = json_incref(json_array_get(pool, j));
        json_array_set_new(pool, i, b);
        json_array_set_new(pool, j, a);
    }
    int rc = DB_OK, span = last_year - 2014 + 1;
    for (size_t i = 0; rc == DB_OK && i < DEMO_FOUNDED; i++) {
        json_t *c = json_array_get(pool, i);
        int64_t org = json_integer_value(json_object_get(c, "org")), id = 0, party = 0;
        const char *kind = json_string_value(json_object_get(c, "kind"));
        /* The first in 2013; 蜀山电商 in 2018; the rest spread over 2014..last, more of them later. */
        int year = i == 0 ? 2013 : i == 1 ? 2018 : 2014 + (int)(span * sqrt(((double)(i - 2) + 0.5) / (DEMO_FOUNDED - 2)));
        if (year > last_year)
            year = last_year;
        char founded[16], dissolved[16], path[ACCESS_PATH_MAX];
        if (i == 0)
            str_copy(founded, sizeof founded, "2013-05-20");
        else
            demo_date(founded, seed, 10000 + i * 4, year, last);
        /* Dissolved: eight of the earlier ones, two to four years on (by the last year). */
        int gone = i >= 2 && i < 2 + DEMO_DISSOLVED * 6 && (i - 2) % 6 == 5;
        if (gone) {
            int dy = year + 2 + (int)demo_pick(seed, 30000 + i, 3);
            demo_date(dissolved, seed, 20000 + i * 4, dy > last_year ? last_year : dy, last);
            if (strcmp(dissolved, founded) < 0)
                str_copy(dissolved, sizeof dissolved, founded);
        }
        rc = org_brief(db, org, path, sizeof path, NULL, 0);
        if (rc == DB_OK)
            rc = db_one_int(db, &party, DEMO_LEAD_PARTY, "i", org);
        if (rc == DB_OK)
            rc = db_one_int(db, &id,
                            "INSERT INTO alliance (org_id, party_org_id, name, kind, founded_on, dissolved_on,"
                            " description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            "iItttttii", org, party, json_string_value(json_object_get(c, "name")), kind, founded,
                            gone ? dissolved : NULL,
                            strcmp(kind, "territorial") == 0
                                ? "以街道（乡镇）党（工）委为核心，驻区单位、“两新”组织党组织共同参与，资源共享、优势互补、共驻共建。"
                                : "以行业主管部门党组织牵头，行业内企业和社会组织党组织共同参与，推动产业发展与党建融合。",
                            w->now, w->now);
        json_t *members = json_array();
        if (rc == DB_OK)
            rc = demo_members(db, w, seed, id, org, path, strcmp(kind, "industrial") == 0, founded, members);
        if (rc == DB_OK)
            rc = demo_activity(db, w, seed, id, year, gone ? atoi(dissolved) : last_year, founded,
                               gone ? dissolved : last, members);
        json_decref(members);
    }
    json_decref(pool);
    return rc;
}
