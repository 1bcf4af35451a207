/* 民主评议党员's demo city (jiceng demo, docs/member-evaluation.md "Demo"):
 * the city's norm of the 优秀 share (one in three graded members), last
 * year's round of every party organisation with members, every step done and
 * closed, and this year's open in about one in four, its members at their
 * steps. Deterministic from the seed; a few statements in all (INSERT ...
 * SELECT over the members, ranked with a window), so it costs little at any
 * size. Last year's grades: of each round's full members in the seed's order,
 * the first third (rounded down: the cap itself) 优秀, the last one in about
 * one in 23 rounds of two or more 不合格 (限期改正 recorded) and in about one in
 * seven 基本合格, the rest 合格. */
#include "api/handlers.h"
#include "api/internal.h"

#include "core/timefmt.h"

/* The unix time of a day at hh:00 in Asia/Shanghai. */
static int64_t day_at(int y, int m, int d, int hh)
{
    return time_days_from_civil(y, m, d) * 86400 + (hh - 8) * 3600;
}

/* The members of year's rounds ranked in the seed's order: round, person,
 * probationary, k (1..n among the round's members of the same status), n, and
 * all (the round's members). */
#define RANKED                                                                                                         \
    "SELECT r.id AS round_id, m.person_id, CASE WHEN m.status = '预备' THEN 1 ELSE 0 END AS prob,"                  \
    " ROW_NUMBER() OVER (PARTITION BY r.id, m.status ORDER BY (m.person_id * 7919 + ?) % 10007, m.person_id) AS k,"  \
    " COUNT(*) OVER (PARTITION BY r.id, m.status) AS n, COUNT(*) OVER (PARTITION BY r.id) AS total"                   \
    " FROM member_eval_round r JOIN party_member m ON m.party_org_id = r.party_org_id WHERE r.year = ?"

/* Each ranked member's grade (g: NULL for a probationary member) and peers. */
#define GRADED                                                                                                         \
    "SELECT round_id, person_id, prob, total - 1 AS peers, CASE WHEN prob = 1 THEN NULL"                             \
    " WHEN k <= n / 3 THEN 'excellent' WHEN k = n AND n >= 2 AND (person_id * 31 + ?) % 23 = 0 THEN 'unqualified'"    \
    " WHEN k = n AND (person_id * 31 + ?) % 7 = 0 THEN 'basic' ELSE 'qualified' END AS g FROM (" RANKED ") ranked"

int member_eval_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int last = demo_last_year(w);
    int64_t s = (int64_t)(seed % 1000003ull), city = 0;
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                     " VALUES (?, 'member_eval.excellent_share', ?, '{\"excellent\":1,\"graded\":3}', ?, ?, ?)",
                     "iitii", city, (int64_t)DEMO_FIRST_YEAR, "民主评议党员：优秀不超过参评正式党员的三分之一（演示）",
                     w->now, w->now);
    /* Last year's rounds, closed. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO member_eval_round (party_org_id, org_id, year, state, closed_at, created_at, updated_at)"
                     " SELECT po.id, po.org_id, ?, 'closed', ?, ?, ? FROM party_org po"
                     " WHERE EXISTS (SELECT 1 FROM party_member m WHERE m.party_org_id = po.id) ORDER BY po.id",
                     "iiii", (int64_t)last, day_at(last, 12, 28, 16), day_at(last, 12, 1, 9), day_at(last, 12, 28, 16));
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO member_eval (round_id, person_id, probationary, step, self_text, self_at,"
                     " peer_excellent, peer_qualified, peer_basic, peer_unqualified, peer_at, branch_grade, branch_at,"
                     " grade, decided_at, follow_up, follow_up_note, follow_up_at, updated_at)"
                     " SELECT round_id, person_id, prob,"
                     " CASE WHEN prob = 1 THEN 'peer' WHEN g = 'unqualified' THEN 'follow_up' ELSE 'decision' END,"
                     " CASE person_id % 3 WHEN 0 THEN '按时参加组织生活，按期交纳党费，完成支部交办的任务。'"
                     " WHEN 1 THEN '认真学习党的理论，积极参加志愿服务，联系群众还需加强。'"
                     " ELSE '发挥党员先锋模范作用，带头参与社区治理，理论学习还需深入。' END, ?,"
                     " CASE WHEN g = 'excellent' THEN peers * 3 / 5 WHEN g = 'unqualified' THEN 0 ELSE peers / 10 END,"
                     " CASE WHEN g = 'excellent' THEN peers - peers * 3 / 5 WHEN g = 'basic' THEN peers / 2"
                     " WHEN g = 'unqualified' THEN 0 ELSE peers - peers / 10 - peers / 20 END,"
                     " CASE WHEN g = 'basic' THEN peers - peers / 2 - peers / 10 WHEN g = 'unqualified' THEN peers / 2"
                     " WHEN g = 'excellent' THEN 0 ELSE peers / 20 END,"
                     " CASE WHEN g = 'basic' THEN peers / 10 WHEN g = 'unqualified' THEN peers - peers / 2 ELSE 0 END,"
                     " ?, g, CASE WHEN g IS NULL THEN NULL ELSE ? END, g, CASE WHEN g IS NULL THEN NULL ELSE ? END,"
                     " CASE WHEN g = 'unqualified' THEN 'rectify' END,"
                     " CASE WHEN g = 'unqualified' THEN '限期三个月改正，支部指定党员帮扶' END,"
                     " CASE WHEN g = 'unqualified' THEN ? END, ? FROM (" GRADED ") graded",
                     "iiiiiiiiii", day_at(last, 12, 5, 10), day_at(last, 12, 12, 15), day_at(last, 12, 19, 15),
                     day_at(last, 12, 26, 10), day_at(last, 12, 27, 10), day_at(last, 12, 28, 16), s, s, s,
                     (int64_t)last);
    /* This year's, open in about one in four, each member at a step of the seed's. */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO member_eval_round (party_org_id, org_id, year, created_at, updated_at)"
                     " SELECT po.id, po.org_id, ?, ?, ? FROM party_org po"
                     " WHERE (po.id * 31 + ?) % 4 = 0 AND EXISTS (SELECT 1 FROM party_member m WHERE m.party_org_id = po.id)"
                     " ORDER BY po.id",
                     "iiii", (int64_t)last + 1, w->now - 5 * 86400, w->now - 5 * 86400, s);
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO member_eval (round_id, person_id, probationary, step, self_text, self_at,"
                     " peer_excellent, peer_qualified, peer_basic, peer_unqualified, peer_at, branch_grade, branch_at,"
                     " updated_at)"
                     " SELECT round_id, person_id, prob, CASE st WHEN 1 THEN 'self' WHEN 2 THEN 'peer' WHEN 3 THEN 'branch' END,"
                     " CASE WHEN st >= 1 THEN '按时参加组织生活，按期交纳党费，完成支部交办的任务。' END,"
                     " CASE WHEN st >= 1 THEN ? END,"
                     " CASE WHEN st >= 2 THEN peers / 10 END, CASE WHEN st >= 2 THEN peers - peers / 10 END,"
                     " CASE WHEN st >= 2 THEN 0 END, CASE WHEN st >= 2 THEN 0 END, CASE WHEN st >= 2 THEN ? END,"
                     " CASE WHEN st = 3 THEN (CASE WHEN k <= n / 4 THEN 'excellent' ELSE 'qualified' END) END,"
                     " CASE WHEN st = 3 THEN ? END, ?"
                     " FROM (SELECT round_id, person_id, prob, k, n, total - 1 AS peers,"
                     " CASE WHEN prob = 1 AND (person_id * 13 + ?) % 4 = 3 THEN 2 ELSE (person_id * 13 + ?) % 4 END AS st"
                     " FROM (" RANKED ") ranked) stepped",
                     "iiiiiiii", w->now - 4 * 86400, w->now - 2 * 86400, w->now - 86400, w->now - 86400, s, s, s,
                     (int64_t)last + 1);
    return rc;
}
