/* 迁入申请: a resident's move into another org, asked for by that org's staff
 * and accepted or declined by the staff of the org that holds the person.
 *
 * The requesting staff name the person by the ID number they typed (matched by
 * the keyed hash, never stored here nor echoed back) because registering the
 * number answered person_exists_elsewhere: they do not know, and are never told,
 * where the person is registered. The holding org's staff see the request among
 * their incoming ones (the person masked, the requesting org's name); the
 * requester sees its outcome, and the person only once they have moved in. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"

#include <stdlib.h>
#include <string.h>

#include "core/role.h"
#include "lib/util.h"

const char *const transfer_boxes[] = {"incoming", "outgoing", "attempts", NULL};
const char *const transfer_statuses[] = {"pending", "accepted", "declined", NULL};

/* A request to move a resident in, as validated (typed input, api.h). */
typedef struct {
    uint64_t given;
    const char *id_card; /* personal: never in an audit row, a log line or an answer */
    int64_t to_org_id;
    const char *reason;
} transfer_in_t;

static const field_t create_fields[] = {
    IN(transfer_in_t, id_card, F_TEXT, 1, 1, 18, NULL),
    IN(transfer_in_t, to_org_id, F_INT, 1, 1, INT64_MAX, NULL),
    IN(transfer_in_t, reason, F_BLOCK, 1, 1, 500, NULL),
    FIELDS_END,
};

/* An answer to a request, as validated; accept or decline is the route's. */
typedef struct {
    uint64_t given;
    const char *note;
    int64_t version;
} decide_in_t;

static const field_t decide_fields[] = {
    IN(decide_in_t, note, F_BLOCK, 0, 1, 500, NULL),
    IN(decide_in_t, version, F_INT, 0, 1, INT64_MAX, NULL),
    FIELDS_END,
};

/* What the holding side sees: the person masked, who asks and for where. The
 * holding org is the person's own while pending, the one they were in once decided. */
#define INCOMING_COLUMNS                                                                                               \
    "SELECT t.id, t.status, t.reason, t.note, t.requested_at, t.decided_at, t.to_org_id, d.name AS to_org_name,"     \
    " u.display_name AS requested_by_name, t.person_id, p.name AS person_name, p.id_card_masked AS person_id_card,"  \
    " h.id AS holding_org_id, h.name AS holding_org_name, t.version"
#define INCOMING_FROM                                                                                                  \
    "FROM person_transfer t JOIN person p ON p.id = t.person_id JOIN org d ON d.id = t.to_org_id"                   \
    " JOIN org h ON h.id = (CASE WHEN t.status = 'pending' THEN p.org_id ELSE t.from_org_id END)"                    \
    " LEFT JOIN app_user u ON u.id = t.requested_by"
#define INCOMING_SELECT INCOMING_COLUMNS " " INCOMING_FROM

/* What the requesting side sees: its own request and the outcome; the person
 * only once moved in, and never where they were. */
#define OUTGOING_COLUMNS                                                                                               \
    "SELECT t.id, t.status, t.reason, t.note, t.requested_at, t.decided_at, t.to_org_id, d.name AS to_org_name,"     \
    " u.display_name AS requested_by_name,"                                                                          \
    " (CASE WHEN t.status = 'accepted' THEN t.person_id END) AS person_id,"                                          \
    " (CASE WHEN t.status = 'accepted' THEN p.name END) AS person_name,"                                             \
    " (CASE WHEN t.status = 'accepted' THEN p.id_card_masked END) AS person_id_card, t.version"
#define OUTGOING_FROM                                                                                                  \
    "FROM person_transfer t JOIN person p ON p.id = t.person_id JOIN org d ON d.id = t.to_org_id"                    \
    " LEFT JOIN app_user u ON u.id = t.requested_by"
#define OUTGOING_SELECT OUTGOING_COLUMNS " " OUTGOING_FROM

static json_t *transfer_json(db_t *db, int64_t id, int incoming)
{
    json_t *rows = incoming ? db_rows_json(db, INCOMING_SELECT " WHERE t.id = ?", "i", id)
                            : db_rows_json(db, OUTGOING_SELECT " WHERE t.id = ?", "i", id);
    json_t *o = rows && json_array_size(rows) == 1 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return o;
}

/* Two audit rows: one where the holding org's staff and auditors read it (with
 * the person), one where the requesting org's do (the request only). */
static int transfer_audit(db_t *db, const write_ctx_t *w, const char *action, int64_t id, int64_t person,
                          int64_t holder, int64_t to_org)
{
    int rc = audit_append_new(db, w, action, "person_transfer", id, holder,
                              json_pack("{s:I, s:I, s:I}", "person_id", (json_int_t)person, "holding_org_id",
                                        (json_int_t)holder, "to_org_id", (json_int_t)to_org));
    if (rc == DB_OK)
        rc = audit_append_new(db, w, action, "person_transfer", id, to_org,
                              json_pack("{s:I}", "to_org_id", (json_int_t)to_org));
    return rc;
}

/* ---- request ---- */

static int create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    transfer_in_t in = {0};
    api_input_fill(create_fields, data, &in);
    int64_t to_org = in.to_org_id;
    if (api_org_input(db, w, PERM_PEOPLE_WRITE, to_org, "to_org_id", rep) != 0)
        return -1;
    int64_t person = 0, holder = 0, pending = 0;
    int rc = person_by_id_card(db, w->keys, in.id_card, &person, &holder);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_TRANSFER_PERSON_NOT_FOUND, "id_card");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (access_org(db, &w->who, PERM_PEOPLE_READ, holder, NULL, 0) == DB_OK)
        return api_fail(rep, w->lang, E_TRANSFER_WITHIN_SCOPE, "id_card");
    rc = db_one_int(db, &pending,
                    "SELECT COUNT(*) FROM person_transfer WHERE person_id = ? AND to_org_id = ? AND status = 'pending'",
                    "ii", person, to_org);
    if (rc == DB_OK && pending > 0)
        return api_fail(rep, w->lang, E_TRANSFER_PENDING, "id_card");
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_one_int(db, &id,
                        "INSERT INTO person_transfer (person_id, to_org_id, reason, requested_by, requested_at)"
                        " VALUES (?, ?, ?, ?, ?) RETURNING id",
                        "iitIi", person, to_org, in.reason, w->who.user_id, w->now);
    if (rc == DB_OK)
        rc = transfer_audit(db, w, "person_transfer.requested", id, person, holder, to_org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 201, transfer_json(db, id, 0));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

int person_transfer_create(api_req_t *req, api_reply_t *rep)
{
    transfer_in_t in = {0};
    api_input_fill(create_fields, req->body, &in);
    if (person_check_identity(req->lang, in.id_card, NULL, NULL, NULL, rep) != 0)
        return 0;
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, create_write, data);
}

/* ---- decide ---- */

/* Accept (the person moves into the requesting org) or decline a pending
 * request; only the staff of the org holding the person may. */
static int decide_write(db_t *db, const write_ctx_t *w, const json_t *data, int accept, api_reply_t *rep)
{
    decide_in_t in = {0};
    api_input_fill(decide_fields, data, &in);
    int64_t id = w->id;
    int64_t person = 0, to_org = 0, holder = 0;
    char status[16] = "";
    db_stmt_t *st = db_q(db, "SELECT t.person_id, t.to_org_id, t.status, p.org_id FROM person_transfer t"
                             " JOIN person p ON p.id = t.person_id WHERE t.id = ?",
                         "i", id);
    if (st == NULL)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        person = db_col_int(st, 0);
        to_org = db_col_int(st, 1);
        str_copy(status, sizeof status, db_col_text(st, 2));
        holder = db_col_int(st, 3);
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return api_db_error(rep, w->lang, rc, NULL);
    /* Only the pending ones are anybody's to decide: a decided request answers
     * 404 too, as its holder may no longer be the caller's. */
    if (rc == DB_DONE || strcmp(status, "pending") != 0 ||
        (rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, holder, NULL, 0)) == DB_NOTFOUND)
        return api_db_error(rep, w->lang, DB_NOTFOUND, "person_transfer");
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (api_check_version(db, w, "SELECT version FROM person_transfer WHERE id = ?", id, data, rep) != 0)
        return -1;
    if (accept) {
        /* The household stays where it is: the person leaves it. */
        rc = person_rollup(db, person, -1);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE person SET org_id = ?, household_id = NULL, relation = NULL, updated_at = ?,"
                         " version = version + 1 WHERE id = ?",
                         "iii", to_org, w->now, person);
        if (rc == DB_OK)
            rc = person_rollup(db, person, +1);
        if (rc == DB_OK)
            rc = audit_append_new(db, w, "person.transferred", "person", person, to_org,
                                  json_pack("{s:I, s:I}", "transfer_id", (json_int_t)id, "org_id", (json_int_t)to_org));
    }
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "UPDATE person_transfer SET status = ?, from_org_id = ?, decided_by = ?, decided_at = ?, note = ?,"
                     " version = version + 1 WHERE id = ?",
                     "tiIiti", accept ? "accepted" : "declined", holder, w->who.user_id, w->now, in.note, id);
    if (rc == DB_OK)
        rc = transfer_audit(db, w, accept ? "person_transfer.accepted" : "person_transfer.declined", id, person,
                            holder, to_org);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200, transfer_json(db, id, 1));
    return rep->json ? 0 : api_db_error(rep, w->lang, DB_ERR, NULL);
}

static int accept_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return decide_write(db, w, data, 1, rep);
}

static int decline_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    return decide_write(db, w, data, 0, rep);
}

static int decide(api_req_t *req, write_fn write)
{
    json_t *data = req->body; /* the request's own: nothing reads it after this */
    req->body = NULL;
    return api_defer_kept(req, write, data);
}

int person_transfer_accept(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return decide(req, accept_write);
}

int person_transfer_decline(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return decide(req, decline_write);
}

/* ---- list ---- */

/* The refused registrations of numbers the caller's orgs hold (the audit's
 * person.exists_elsewhere rows in [lo, hi)), newest first: when, who, for which
 * org, and the person masked. */
static int attempts_list(api_req_t *req, api_reply_t *rep, const char *lo, const char *hi)
{
    api_list_t l;
    api_list_begin(&l,
                   "SELECT a.id, a.at AS at_at, a.actor_name, a.summary, a.entity_id AS person_id,"
                   " p.name AS person_name, p.id_card_masked AS person_id_card",
                   "FROM audit_log a LEFT JOIN person p ON p.id = a.entity_id", "a.id", NULL);
    l.newest_first = 1;
    api_list_where(&l, "a.action = 'person.exists_elsewhere' AND a.org_path >= ? AND a.org_path < ?", "tt", lo, hi);
    json_t *page = api_list_query(req, rep, &l) == 0 ? api_list_run(req->db, &l) : NULL;
    api_list_end(&l);
    if (page == NULL)
        return rep->json ? -1 : api_db_error(rep, req->lang, DB_ERR, NULL);
    json_t *items = json_object_get(page, "items");
    audit_rows_finish(items);
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) {
        json_t *sum = json_incref(json_object_get(row, "summary"));
        json_object_del(row, "summary");
        json_object_set(row, "target_org_id", json_object_get(sum, "target_org_id"));
        json_object_set(row, "target_org_name", json_object_get(sum, "target_org"));
        json_object_set(row, "via", json_object_get(sum, "via"));
        json_decref(sum);
    }
    return api_json(rep, 200, page);
}

/* ?box=incoming (default): requests for people the caller's org holds (held,
 * once decided); ?box=outgoing: requests into the caller's orgs. ?status= and
 * ?org= narrow it; keyset pages, oldest first. */
int person_transfer_list(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0;
    if (api_query_int(req, "org", 0, 1, INT64_MAX, &org) != 0)
        return api_fail(rep, req->lang, E_ORG_ID_INVALID, "org");
    char *box = api_query(req, "box"), *status = api_query(req, "status");
    int incoming = box == NULL || strcmp(box, "incoming") == 0, ok = 1;
    int box_attempts = box != NULL && strcmp(box, "attempts") == 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *v = pass ? status : box;
        const char *const *choices = pass ? transfer_statuses : transfer_boxes;
        int found = v == NULL;
        for (int i = 0; !found && choices[i]; i++)
            found = strcmp(v, choices[i]) == 0;
        if (!found && ok) {
            ok = 0;
            api_fail(rep, req->lang, pass ? E_TRANSFER_STATUS_INVALID : E_TRANSFER_BOX_INVALID, pass ? "status" : "box");
        }
    }
    free(box);
    if (!ok) {
        free(status);
        return 0;
    }
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int rc = access_list_range(req->db, req->who, PERM_PEOPLE_WRITE, org, lo, hi);
    if (rc != DB_OK) {
        free(status);
        return api_db_error(rep, req->lang, rc, "org");
    }
    if (box_attempts) {
        free(status);
        return attempts_list(req, rep, lo, hi);
    }
    api_list_t l;
    if (incoming) {
        api_list_begin(&l, INCOMING_COLUMNS, INCOMING_FROM, "t.id", NULL);
        api_list_where(&l, "h.path >= ? AND h.path < ?", "tt", lo, hi);
    } else {
        api_list_begin(&l, OUTGOING_COLUMNS, OUTGOING_FROM, "t.id", NULL);
        api_list_where(&l, "d.path >= ? AND d.path < ?", "tt", lo, hi);
    }
    if (status)
        api_list_where(&l, "t.status = ?", "t", status);
    free(status);
    return api_list_answer(req, rep, &l);
}

static const field_t person_transfers_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"box", F_ENUM, 0, 0, 0, transfer_boxes, 0},
    {"status", F_ENUM, 0, 0, 0, transfer_statuses, 0},
    FIELDS_END,
};

const op_t transfer_ops[] = {
    {OP(HTTP_GET, "/api/v1/person-transfers", "person_transfers.list", PERM(PERM_PEOPLE_WRITE), RF_PAGED, person_transfer_list), .query = person_transfers_list_query},
    {OP(HTTP_POST, "/api/v1/person-transfers", "person_transfers.create", PERM(PERM_PEOPLE_WRITE), RF_BODY | RF_WRITES, person_transfer_create), .body = create_fields},
    {OP(HTTP_POST, "/api/v1/person-transfers/{id}/accept", "person_transfers.accept", PERM(PERM_PEOPLE_WRITE), RF_BODY_OPTIONAL | RF_WRITES, person_transfer_accept), .body = decide_fields},
    {OP(HTTP_POST, "/api/v1/person-transfers/{id}/decline", "person_transfers.decline", PERM(PERM_PEOPLE_WRITE), RF_BODY_OPTIONAL | RF_WRITES, person_transfer_decline), .body = decide_fields},
    OPS_END,
};
