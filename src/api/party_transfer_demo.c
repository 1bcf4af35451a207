/* The demo city's membership transfers (jiceng demo): the two norms, and in
 * every district one transfer in each state (one more waiting with an expired
 * letter) of members picked from the seed, to a party organisation of the next
 * district (every third within the district), over the past year. The
 * completed formal ones moved their member with the figures, as the API does
 * (docs/party-transfers.md, "Demo"). */
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ptransferfsm.h"
#include "core/timefmt.h"

/* The path each move of a transfer in a state took from applied, and the
 * state's situation (away months, fixed place). */
static const struct {
    const char *state;
    const char *actions[4]; /* the moves after "apply", in order */
    int age_days;           /* how long ago it was asked */
    int away_months, fixed_place;
} plans[] = {
    {"applied", {NULL}, 3, 12, 1},
    {"out_reviewed", {"approve", NULL}, 10, 24, 1},
    {"out_reviewed", {"approve", NULL}, 130, 8, 1}, /* its letter expired: the receiving side has not acted */
    {"received", {"approve", "receive", NULL}, 20, 36, 1},
    {"returned", {"approve", "return", NULL}, 40, 12, 1},
    {"suspended", {"approve", "suspend", NULL}, 30, 3, 1},
    {"completed", {"approve", "receive", "complete", NULL}, 200, 60, 1},
    {"completed", {"approve", "receive", "complete", NULL}, 90, 0, 0}, /* 流动党员活动证: no move */
    {"cancelled", {"cancel", NULL}, 60, 18, 1},
};
#define NPLANS (sizeof plans / sizeof plans[0])

static const char *const purposes[] = {"工作调动", "迁居", "升学", "外出务工", "随军", "退休回原籍"};
static const char *const reasons[] = {"介绍信信息与档案不一致，请核实后重新开具", "待补充党费交纳证明"};

static int demo_norms(db_t *db, const write_ctx_t *w, int64_t city)
{
    int rc = db_exec(db, NULL,
                     "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                     " VALUES (?, 'party_transfer.letter_valid_days', 2019, '90', ?, ?, ?)",
                     "itii", city,
                     "市委组织部（演示）：介绍信有效期各地规定不一（常见一般1个月、最长3个月），演示取最长3个月即90天",
                     w->now, w->now);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                     " VALUES (?, 'party_transfer.formal_months', 2019, '6', ?, ?, ?)",
                     "itii", city,
                     "《中国共产党党员教育管理工作条例》（2019）：外出6个月以上且地点相对固定的，转移组织关系",
                     w->now, w->now);
    return rc;
}

static int demo_event(db_t *db, int64_t id, const char *action, const char *from, const char *to, const char *reason,
                      int64_t at)
{
    return db_exec(db, NULL,
                   "INSERT INTO party_transfer_event (transfer_id, action, from_state, to_state, reason, at)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   "itttti", id, action, from, to, reason, at);
}

/* One transfer of plan p for member m (person, party_org, org) to party
 * organisation dest (id, org), asked at time t0. */
static int demo_one(db_t *db, const write_ctx_t *w, size_t p, json_t *m, json_t *dest, int64_t t0, int k)
{
    int64_t person = json_integer_value(json_object_get(m, "person_id"));
    int64_t from_po = json_integer_value(json_object_get(m, "party_org_id"));
    int64_t from_org = json_integer_value(json_object_get(m, "org_id"));
    int64_t to_po = json_integer_value(json_object_get(dest, "id")), to_org = json_integer_value(json_object_get(dest, "org_id"));
    ptransfer_form_t form = ptransfer_form(plans[p].away_months, plans[p].fixed_place, 6);
    char asked[16], issued[16], expires[16], dues[8], letter[64];
    date_of(t0, asked);
    snprintf(dues, sizeof dues, "%.7s", asked);
    int64_t id = 0, at = t0;
    int rc = db_one_int(db, &id,
                        "INSERT INTO party_transfer (person_id, from_party_org_id, from_org_id, to_party_org_id, to_org_id,"
                        " type, form, away_months, fixed_place, purpose, dues_paid_to, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiiiittiittii", person, from_po, from_org, to_po, to_org, ptransfer_types[k % 2],
                        ptransfer_forms[form], (int64_t)plans[p].away_months, (int64_t)plans[p].fixed_place,
                        purposes[(size_t)k % (sizeof purposes / sizeof purposes[0])], dues, t0, t0);
    if (rc == DB_OK)
        rc = demo_event(db, id, "apply", NULL, "applied", NULL, at);
    ptransfer_state_t s = PTS_APPLIED;
    for (int i = 0; rc == DB_OK && i < 4 && plans[p].actions[i]; i++) {
        ptransfer_action_t a = ptransfer_action_from_name(plans[p].actions[i]);
        ptransfer_state_t to = ptransfer_next(s, a);
        const char *reason = ptransfer_needs_reason(a) ? reasons[a == PTA_SUSPEND] : NULL;
        at += 86400 * (i + 1);
        if (a == PTA_APPROVE) {
            date_of(at, issued);
            date_of(at + 90 * 86400, expires);
            snprintf(letter, sizeof letter, "党组转字〔%.4s〕%04lld号", issued, (long long)id);
            rc = db_exec(db, NULL,
                         "UPDATE party_transfer SET letter_no = ?, issued_on = ?, valid_days = 90, expires_on = ? WHERE id = ?",
                         "ttti", letter, issued, expires, id);
        }
        if (rc == DB_OK && a == PTA_COMPLETE && form == PTF_FORMAL) {
            rc = party_member_rollup(db, person, -1);
            if (rc == DB_OK)
                rc = db_exec(db, NULL, "UPDATE party_member SET party_org_id = ?, updated_at = ? WHERE person_id = ?",
                             "iii", to_po, at, person);
            if (rc == DB_OK)
                rc = party_member_rollup(db, person, 1);
        }
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "UPDATE party_transfer SET state = ?, note = COALESCE(?, note),"
                         " received_at = CASE WHEN ? = 1 THEN ? ELSE received_at END,"
                         " completed_at = CASE WHEN ? = 1 THEN ? ELSE completed_at END,"
                         " updated_at = ?, version = version + 1 WHERE id = ?",
                         "ttiiiiii", ptransfer_state_name(to), reason, (int64_t)(a == PTA_RECEIVE), at,
                         (int64_t)(a == PTA_COMPLETE), at, at, id);
        if (rc == DB_OK)
            rc = demo_event(db, id, plans[p].actions[i], ptransfer_state_name(s), ptransfer_state_name(to), reason, at);
        s = to;
    }
    (void)w;
    return rc;
}

int party_transfer_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    json_t *districts = db_rows_json(db, "SELECT id, path FROM org WHERE level = 'district' ORDER BY id", "");
    int64_t city = 0;
    int rc = districts ? db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "") : DB_ERR;
    if (rc == DB_OK)
        rc = demo_norms(db, w, city);
    size_t nd = districts ? json_array_size(districts) : 0;
    json_t **members = calloc(nd ? nd : 1, sizeof *members), **orgs = calloc(nd ? nd : 1, sizeof *orgs);
    /* Each district's members and party organisations (at its nodes), read before any moves. */
    for (size_t d = 0; rc == DB_OK && d < nd; d++) {
        char hi[ACCESS_PATH_MAX];
        const char *lo = json_string_value(json_object_get(json_array_get(districts, d), "path"));
        snprintf(hi, sizeof hi, "%.*s0", (int)strlen(lo) - 1, lo);
        members[d] = db_rows_json(db,
                                  "SELECT m.person_id, m.party_org_id, po.org_id FROM party_member m"
                                  " JOIN party_org po ON po.id = m.party_org_id JOIN org o ON o.id = po.org_id"
                                  " WHERE o.path >= ? AND o.path < ? ORDER BY m.person_id",
                                  "tt", lo, hi);
        orgs[d] = db_rows_json(db,
                               "SELECT po.id, po.org_id FROM party_org po JOIN org o ON o.id = po.org_id"
                               " WHERE o.path >= ? AND o.path < ? AND po.kind IN ('党支部', '联合党支部') ORDER BY po.id",
                               "tt", lo, hi);
        if (members[d] == NULL || orgs[d] == NULL)
            rc = DB_ERR;
    }
    int k = 0;
    for (size_t d = 0; rc == DB_OK && d < nd; d++) {
        int64_t n = (int64_t)json_array_size(members[d]);
        if (n == 0)
            continue;
        int64_t start = demo_pick(seed, 7100 + d, n), step = n / (int64_t)NPLANS > 0 ? n / (int64_t)NPLANS : 1;
        for (size_t p = 0; rc == DB_OK && p < NPLANS && (int64_t)p < n; p++, k++) {
            json_t *m = json_array_get(members[d], (size_t)((start + (int64_t)p * step) % n));
            size_t dd = p % 3 == 2 ? d : (d + 1) % nd; /* every third stays in the district */
            int64_t no = (int64_t)json_array_size(orgs[dd]);
            json_t *dest = no ? json_array_get(orgs[dd], (size_t)demo_pick(seed, 7200 + (unsigned long long)k, no)) : NULL;
            if (dest == NULL || json_integer_value(json_object_get(dest, "id")) ==
                                    json_integer_value(json_object_get(m, "party_org_id")))
                continue;
            rc = demo_one(db, w, p, m, dest, w->now - (int64_t)plans[p].age_days * 86400, k);
        }
    }
    for (size_t d = 0; d < nd; d++) {
        json_decref(members[d]);
        json_decref(orgs[d]);
    }
    free(members);
    free(orgs);
    json_decref(districts);
    return rc;
}
