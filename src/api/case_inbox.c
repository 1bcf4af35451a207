/* The inbox: the cases waiting for the caller, list by list. */
#include "api/case.h"

#include "api/handlers.h"

#include <string.h>

#include "core/level.h"
#include "core/role.h"
#include "lib/util.h"

/* ---- inbox ---- */

/* The parts of the inbox, each its joins and its WHERE clause. The clauses
 * take their parameters as the part's layout in inbox_get says. */
#define OPEN_STATES " c.state NOT IN ('rejected', 'closed', 'rated')"
#define TO_ACCEPT_J ""
#define TO_ACCEPT_W "c.state = 'reported' AND o.path >= ? AND o.path < ?"
/* Dispatched to the node the caller works at (their range's top), or anywhere in it
 * when that is a community or a grid (a community's staff and grid workers work its
 * grids' cases; a street works what is dispatched to the street, and a grid's case
 * below is the grid's), or to a unit the caller is an account of. */
#define DISPATCHED_J                                                                                                   \
    " LEFT JOIN unit u ON u.id = c.handler_unit_id JOIN org h ON h.id = COALESCE(c.handler_org_id, u.org_id)"
#define DISPATCHED_W                                                                                                   \
    "c.state = 'dispatched' AND ((h.path >= ? AND h.path < ? AND (h.path = ? OR ? = 1)) OR c.handler_unit_id IN ("     \
    UNITS_OF_USER "))"
#define OVERDUE_J ""
#define OVERDUE_W "c.stage_deadline IS NOT NULL AND c.stage_deadline < ? AND" OPEN_STATES " AND o.path >= ? AND o.path < ?"
#define ESCALATED_J " JOIN org e ON e.id = c.escalated_org_id"
#define ESCALATED_W "c.escalation_level > 0 AND e.path >= ? AND e.path < ? AND" OPEN_STATES
#define SUPERVISED_J " JOIN org s ON s.id = c.supervised_org_id"
#define SUPERVISED_W "s.path >= ? AND s.path < ? AND" OPEN_STATES
#define TO_VERIFY_J ""
#define TO_VERIFY_W                                                                                                    \
    "c.state = 'handled' AND (c.reporter_id = ? OR (o.path >= ? AND o.path < ?)) AND COALESCE(c.handler_user_id, 0) <> ?"
#define TO_RATE_J ""
#define TO_RATE_W "c.state = 'closed' AND c.reporter_id = ?"

/* A part's first 20 and its count; a part's ids, for the total. */
#define INBOX_PART(joins, where, order)                                                                                \
    {CASE_SELECT joins " WHERE " where " ORDER BY " order " LIMIT 20", "SELECT COUNT(*)" CASE_FROM joins " WHERE " where}
#define PART_IDS(joins, where) "SELECT c.id" CASE_FROM joins " WHERE " where

/* The parameters of the parts, in one list: the range, the range's top and whether
 * the caller works below it, the time, the caller. */
typedef struct {
    const char *lo, *hi;
    int64_t below, now, me;
} inbox_args_t;

/* Binds part's parameters (its layout named by part) and runs sql: its rows
 * into *items when items is not NULL, else its one count into *count. */
static int part_run(db_t *db, const char *sql, const char *part, const inbox_args_t *a, json_t **items,
                    int64_t *count)
{
    const char *lo = a->lo, *hi = a->hi;
#define RUN(types, ...)                                                                                                \
    (items ? ((*items = db_rows_json(db, sql, types, __VA_ARGS__)) ? DB_OK : DB_ERR)                                 \
           : db_one_int(db, count, sql, types, __VA_ARGS__))
    if (strcmp(part, "dispatched") == 0)
        return RUN("tttii", lo, hi, lo, a->below, a->me);
    if (strcmp(part, "overdue") == 0)
        return RUN("itt", a->now, lo, hi);
    if (strcmp(part, "to_verify") == 0)
        return RUN("itti", a->me, lo, hi, a->me);
    if (strcmp(part, "to_rate") == 0)
        return RUN("i", a->me);
    return RUN("tt", lo, hi); /* to_accept, escalated, supervised */
#undef RUN
}

static int inbox_part(db_t *db, json_t *out, const char *name, const char *const sql[2], const inbox_args_t *a)
{
    int64_t count = 0;
    json_t *items = NULL;
    if (part_run(db, sql[0], name, a, &items, NULL) != DB_OK || part_run(db, sql[1], name, a, NULL, &count) != DB_OK) {
        json_decref(items);
        return -1;
    }
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row) case_add_overdue(row, a->now);
    if (org_places(db, items, "org_id") != DB_OK) { /* where each is, named */
        json_decref(items);
        return -1;
    }
    json_object_set_new(out, name, json_pack("{s:I, s:o}", "count", (json_int_t)count, "items", items));
    return 0;
}

/* How many cases wait for the caller in all: a case in two parts (dispatched and
 * overdue, say) counts once. */
static int inbox_total(db_t *db, const inbox_args_t *a, int64_t *total)
{
    static const char sql[] =
        "SELECT COUNT(*) FROM (" PART_IDS(TO_ACCEPT_J, TO_ACCEPT_W) " UNION " PART_IDS(DISPATCHED_J, DISPATCHED_W)
        " UNION " PART_IDS(OVERDUE_J, OVERDUE_W) " UNION " PART_IDS(ESCALATED_J, ESCALATED_W)
        " UNION " PART_IDS(SUPERVISED_J, SUPERVISED_W) " UNION " PART_IDS(TO_VERIFY_J, TO_VERIFY_W)
        " UNION " PART_IDS(TO_RATE_J, TO_RATE_W) ") waiting";
    const char *lo = a->lo, *hi = a->hi;
    return db_one_int(db, total, sql, "tt" "tttii" "itt" "tt" "tt" "itti" "i", lo, hi, lo, hi, lo, a->below, a->me,
                      a->now, lo, hi, lo, hi, lo, hi, a->me, lo, hi, a->me, a->me);
}

/* The depth of a path ("/1/5/" is 2); "/" is 0. */
static int path_depth(const char *path)
{
    int n = -1;
    for (; *path; path++)
        n += *path == '/';
    return n < 0 ? 0 : n;
}

int inbox_get(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX] = "~", hi[ACCESS_PATH_MAX] = "~"; /* "~": a range that holds nothing */
    int staff = access_list_range(req->db, req->who, PERM_CASE_WRITE, 0, lo, hi) == DB_OK;
    if (!staff)
        str_copy(lo, sizeof lo, "~"), str_copy(hi, sizeof hi, "~");
    inbox_args_t a = {lo, hi, path_depth(lo) >= LEVEL_COMMUNITY, clock_now(), req->who->user_id};
    static const char *const to_accept[2] = INBOX_PART(TO_ACCEPT_J, TO_ACCEPT_W, "c.id");
    static const char *const dispatched[2] = INBOX_PART(DISPATCHED_J, DISPATCHED_W, "c.id");
    static const char *const overdue[2] = INBOX_PART(OVERDUE_J, OVERDUE_W, "c.stage_deadline");
    static const char *const escalated[2] = INBOX_PART(ESCALATED_J, ESCALATED_W, "c.id");
    static const char *const supervised[2] = INBOX_PART(SUPERVISED_J, SUPERVISED_W, "c.id");
    static const char *const to_verify[2] = INBOX_PART(TO_VERIFY_J, TO_VERIFY_W, "c.id");
    static const char *const to_rate[2] = INBOX_PART(TO_RATE_J, TO_RATE_W, "c.id");
    json_t *out = json_object();
    int64_t total = 0, now = a.now;
    int bad = inbox_part(req->db, out, "to_accept", to_accept, &a) ||
              inbox_part(req->db, out, "dispatched", dispatched, &a) ||
              inbox_part(req->db, out, "overdue", overdue, &a) ||
              inbox_part(req->db, out, "escalated", escalated, &a) ||
              inbox_part(req->db, out, "supervised", supervised, &a) ||
              inbox_part(req->db, out, "to_verify", to_verify, &a) ||
              inbox_part(req->db, out, "to_rate", to_rate, &a) || inbox_total(req->db, &a, &total) != DB_OK;
    if (bad) {
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(out, "total", json_integer(total));
    /* The notices waiting for the caller's orgs: a part of its own, outside the cases' total. */
    json_t *notices = notice_inbox(req->db, req->who, now);
    if (notices == NULL) {
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(out, "notices", notices);
    /* ---- rectification problems (问题清单): overdue and 督办 problems, a part of their own ---- */
    json_t *problems = problem_inbox(req->db, req->who);
    if (problems == NULL) {
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(out, "problems", problems);
    /* ---- membership transfers (组织关系转接): those waiting for either side, a part of their own ---- */
    json_t *transfers = party_transfer_inbox(req->db, req->who);
    if (transfers == NULL) {
        json_decref(out);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(out, "party_transfers", transfers);
    return api_json(rep, 200, out);
}

/* GET /api/v1/inbox/events: after a commit that may change an inbox, an event
 * telling the console to read the inbox again (docs/notifications.md). */
int inbox_events(api_req_t *req, api_reply_t *rep)
{
    return api_event_stream(req, rep);
}
