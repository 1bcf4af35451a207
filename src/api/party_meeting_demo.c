/* The demo city's meetings (三会一课, docs/party-meetings.md, "Demo"): the
 * city's norm meetings.per_year from 2018 (the branch work rules), and this
 * year's meetings of every judged party organisation up to this month:
 * 支委会 and 主题党日 monthly, 支部党员大会 and 党课 in the middle month of
 * each quarter, 组织生活会 in January, 党小组会 monthly in each 党小组. One
 * organisation in ten is lax and skips about a third of its meetings; the
 * others skip three in a thousand, so some are behind and most are not. The rolls
 * of organisations with members: present, on leave (with a reason) or absent
 * by a draw; meetings after today are rolls not yet marked. All in a few
 * set-based statements (SQLite's: the demo loads a SQLite file), the draws
 * mixing the seed with the ids, so the same seed gives the same meetings. */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>

#define NORM_VALUE                                                                                                     \
    "{\"branch_assembly\":4,\"committee\":12,\"group\":12,\"lecture\":4,\"theme_day\":12,\"life_meeting\":1}"
#define NORM_BASIS "《中国共产党支部工作条例（试行）》（中共中央2018年10月印发）第十七条、第十八条"

int party_meeting_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    char today[16];
    date_of(w->now, today);
    int year = atoi(today), month = atoi(today + 5);
    int64_t city = 0, s = (int64_t)(seed % 1000003ull);
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                     " VALUES (?, 'meetings.per_year', 2018, ?, ?, ?, ?)",
                     "itti" "i", city, NORM_VALUE, NORM_BASIS, w->now, w->now);
    /* h: a draw of 0-99 from the organisation, the month, the kind and the seed */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "WITH RECURSIVE mon(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM mon WHERE m < ?),"
                     " kinds(k, n, name, every, grp) AS (VALUES ('branch_assembly', 1, '支部党员大会', 3, 0),"
                     " ('committee', 2, '支委会', 1, 0), ('group', 3, '党小组会', 1, 1), ('lecture', 4, '党课', 3, 0),"
                     " ('theme_day', 5, '主题党日', 1, 0), ('life_meeting', 6, '组织生活会', 12, 0)),"
                     " judged AS (SELECT po.id, po.org_id, po.secretary,"
                     " CASE WHEN po.kind = '党小组' THEN 1 ELSE 0 END AS grp,"
                     " (po.id * 7919 + ? * 31) % 10 = 0 AS lax FROM party_org po"
                     " WHERE po.kind IN ('党支部', '联合党支部', '党小组')"
                     " OR EXISTS (SELECT 1 FROM party_member x WHERE x.party_org_id = po.id)),"
                     " drawn AS (SELECT j.*, k.k, k.name, mon.m,"
                     " (j.id * 104729 + mon.m * 7919 + k.n * 1299709 + ? * 15485863) % 1000003 AS h"
                     " FROM judged j JOIN kinds k ON k.grp = j.grp JOIN mon ON k.every = 1"
                     " OR (k.every = 3 AND mon.m % 3 = 2) OR (k.every = 12 AND mon.m = 1))"
                     " INSERT INTO party_meeting (party_org_id, org_id, kind, held_on, place, topic, host, votes, token,"
                     " created_at, updated_at)"
                     " SELECT id, org_id, k, printf('%04d-%02d-%02d', ?, m, 1 + h % 28), '党员活动室',"
                     " printf('%d年%d月%s', ?, m, name), secretary,"
                     " CASE WHEN k = 'branch_assembly' AND m IN (5, 11) THEN 1 ELSE 0 END,"
                     " lower(hex(randomblob(16))), ?, ?"
                     " FROM drawn WHERE (h / 28) % 1000 >= CASE WHEN lax THEN 350 ELSE 3 END",
                     "iiiiiii", (int64_t)month, s, s, (int64_t)year, (int64_t)year, w->now, w->now);
    /* the rolls: present 86%, on leave 8%, absent 6%; after today unmarked */
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO party_meeting_attendance (meeting_id, person_id, full_member, status, reason)"
                     " SELECT id, person_id, full_member,"
                     " CASE WHEN held_on > ? THEN 'absent' WHEN h < 86 THEN 'present' WHEN h < 94 THEN 'leave'"
                     " ELSE 'absent' END,"
                     " CASE WHEN held_on <= ? AND h >= 86 AND h < 94 THEN"
                     " (CASE WHEN h % 2 = 0 THEN '因公出差' ELSE '身体原因' END) END"
                     " FROM (SELECT m.id, m.held_on, pm.person_id,"
                     " CASE WHEN pm.status = '正式' THEN 1 ELSE 0 END AS full_member,"
                     " (m.id * 7919 + pm.person_id * 104729 + ? * 31) % 1000003 % 100 AS h"
                     " FROM party_meeting m JOIN party_member pm ON pm.party_org_id = m.party_org_id)",
                     "tti", today, today, s);
    return rc;
}
