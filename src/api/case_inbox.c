/* The inbox: the cases waiting for the caller, list by list. */
#include "api/case.h"

#include "api/handlers.h"

#include <string.h>

#include "core/role.h"
#include "lib/util.h"

/* ---- inbox ---- */

/* One part of the inbox: how many cases wait, and the first 20. The WHERE
 * clauses take their parameters as the types string says. */
#define OPEN_STATES " c.state NOT IN ('rejected', 'closed', 'rated')"
#define INBOX_PART(joins, where, order)                                                                                \
    {CASE_SELECT joins " WHERE " where " ORDER BY " order " LIMIT 20",                                                 \
     "SELECT COUNT(*)" CASE_FROM joins " WHERE " where}

static int inbox_part(api_req_t *req, json_t *out, const char *name, const char *const sql[2], const char *types,
                      int64_t a, const char *lo, const char *hi, int64_t b, int64_t *total)
{
    json_t *items = NULL;
    int64_t count = 0;
    int rc = DB_OK;
    /* The parameter layouts used below: "tt" (range), "itt" (now or me, range), "i" (me), "itti" (me, range, me),
     * "tti" (range, me). */
    if (strcmp(types, "tti") == 0) {
        items = db_rows_json(req->db, sql[0], "tti", lo, hi, b);
        rc = db_one_int(req->db, &count, sql[1], "tti", lo, hi, b);
    } else if (strcmp(types, "tt") == 0) {
        items = db_rows_json(req->db, sql[0], "tt", lo, hi);
        rc = db_one_int(req->db, &count, sql[1], "tt", lo, hi);
    } else if (strcmp(types, "itt") == 0) {
        items = db_rows_json(req->db, sql[0], "itt", a, lo, hi);
        rc = db_one_int(req->db, &count, sql[1], "itt", a, lo, hi);
    } else if (strcmp(types, "i") == 0) {
        items = db_rows_json(req->db, sql[0], "i", a);
        rc = db_one_int(req->db, &count, sql[1], "i", a);
    } else {
        items = db_rows_json(req->db, sql[0], "itti", a, lo, hi, b);
        rc = db_one_int(req->db, &count, sql[1], "itti", a, lo, hi, b);
    }
    if (items == NULL || rc != DB_OK) {
        json_decref(items);
        return -1;
    }
    size_t i;
    json_t *row;
    int64_t now = clock_now();
    json_array_foreach(items, i, row) case_add_overdue(row, now);
    if (org_places(req->db, items, "org_id") != DB_OK) { /* where each is, named */
        json_decref(items);
        return -1;
    }
    *total += count;
    json_object_set_new(out, name, json_pack("{s:I, s:o}", "count", (json_int_t)count, "items", items));
    return 0;
}

int inbox_get(api_req_t *req, api_reply_t *rep)
{
    char lo[ACCESS_PATH_MAX] = "~", hi[ACCESS_PATH_MAX] = "~"; /* "~": a range that holds nothing */
    int staff = access_list_range(req->db, req->who, PERM_CASE_WRITE, 0, lo, hi) == DB_OK;
    if (!staff)
        str_copy(lo, sizeof lo, "~"), str_copy(hi, sizeof hi, "~");
    int64_t me = req->who->user_id, now = clock_now(), total = 0;
    static const char *const to_accept[2] = INBOX_PART("", "c.state = 'reported' AND o.path >= ? AND o.path < ?", "c.id");
    /* Dispatched to a node in the caller's part of the tree, or to a unit the caller is an account of. */
    static const char *const dispatched[2] =
        INBOX_PART(" LEFT JOIN unit u ON u.id = c.handler_unit_id JOIN org h ON h.id = COALESCE(c.handler_org_id, u.org_id)",
                   "c.state = 'dispatched' AND ((h.path >= ? AND h.path < ?) OR c.handler_unit_id IN (" UNITS_OF_USER
                   "))",
                   "c.id");
    static const char *const overdue[2] =
        INBOX_PART("", "c.stage_deadline IS NOT NULL AND c.stage_deadline < ? AND" OPEN_STATES
                       " AND o.path >= ? AND o.path < ?",
                   "c.stage_deadline");
    static const char *const escalated[2] = INBOX_PART(
        " JOIN org e ON e.id = c.escalated_org_id", "c.escalation_level > 0 AND e.path >= ? AND e.path < ? AND" OPEN_STATES,
        "c.id");
    static const char *const supervised[2] =
        INBOX_PART(" JOIN org s ON s.id = c.supervised_org_id", "s.path >= ? AND s.path < ? AND" OPEN_STATES, "c.id");
    static const char *const to_verify[2] =
        INBOX_PART("", "c.state = 'handled' AND (c.reporter_id = ? OR (o.path >= ? AND o.path < ?))"
                       " AND COALESCE(c.handler_user_id, 0) <> ?",
                   "c.id");
    static const char *const to_rate[2] = INBOX_PART("", "c.state = 'closed' AND c.reporter_id = ?", "c.id");
    json_t *out = json_object();
    int bad = inbox_part(req, out, "to_accept", to_accept, "tt", 0, lo, hi, 0, &total) ||
              inbox_part(req, out, "dispatched", dispatched, "tti", 0, lo, hi, me, &total) ||
              inbox_part(req, out, "overdue", overdue, "itt", now, lo, hi, 0, &total) ||
              inbox_part(req, out, "escalated", escalated, "tt", 0, lo, hi, 0, &total) ||
              inbox_part(req, out, "supervised", supervised, "tt", 0, lo, hi, 0, &total) ||
              inbox_part(req, out, "to_verify", to_verify, "itti", me, lo, hi, me, &total) ||
              inbox_part(req, out, "to_rate", to_rate, "i", me, lo, hi, 0, &total);
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
    return api_json(rep, 200, out);
}
