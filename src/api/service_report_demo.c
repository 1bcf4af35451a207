/* 双报到's demo city (jiceng demo): units reported with their agreements, every
 * in-service member's report, a year of records and the past quarters' cards,
 * deterministic from the seed (docs/service-report.md, "Demo"). */
#include "api/service_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "core/timefmt.h"
#include "lib/util.h"

static unsigned long long demo_rng;

static int64_t demo_below(int64_t n)
{
    return random_seeded_below(&demo_rng, n);
}

/* The unix time of a day at hh:00 in Asia/Shanghai. */
static int64_t demo_time(int y, int m, int d, int hh)
{
    return time_days_from_civil(y, m, d) * 86400 + (hh - 8) * 3600;
}

static const char *const demo_unit_names[] = {"市场监督管理局", "税务局", "人民医院", "供电公司", "第一中学",
                                              "自来水公司", "人社局", "住建局", "农商银行", "文旅局"};
static const char *const demo_offers[] = {"法律咨询、政策宣讲", "义诊、健康讲座", "用电安全检查、便民维修",
                                          "课后托管、青少年活动场地", "金融知识进社区、反诈宣传"};
static const char *const demo_agreement_items[] = {"联合开展主题党日活动", "结对帮扶困难家庭", "共建社区志愿服务站",
                                                   "开展便民服务进社区", "共办社区文化活动"};
static const char *const demo_contents[] = {"政策宣讲", "治安巡逻", "环境整治", "关爱独居老人", "法律咨询",
                                            "义诊", "文明劝导", "垃圾分类宣传", "帮办代办", "助学辅导"};
static const char *const demo_skills[] = {"法律咨询", "医疗保健", "文艺特长", "电工维修", "心理辅导", "教育辅导"};

/* A unit of each district for every 25 of its in-service members (at least one),
 * at its streets in turn (those where members are registered first), with its party branch, reported to a community of
 * that street where a member is registered (four in five received) and the year's agreement of a received
 * one. The units in district order in *units: {id, org (district), party_org}. */
static int demo_units(db_t *db, const write_ctx_t *w, int year, int today, json_t *units)
{
    json_t *districts = db_rows_json(db,
                                     "SELECT d.id, d.path, d.name, (SELECT COUNT(*) FROM party_member m"
                                     " JOIN org r ON r.id = m.registered_org_id WHERE m.in_service = 1"
                                     " AND substr(r.path, 1, length(d.path)) = d.path) AS members"
                                     " FROM org d WHERE d.level = 'district' ORDER BY d.id",
                                     "");
    if (districts == NULL)
        return DB_ERR;
    int rc = DB_OK, k = 0;
    size_t i;
    json_t *d;
    json_array_foreach(districts, i, d) {
        int64_t district = json_integer_value(json_object_get(d, "id"));
        int64_t n = 1 + json_integer_value(json_object_get(d, "members")) / 25;
        json_t *streets = db_rows_json(db,
                                       "SELECT s.id, COALESCE((SELECT MIN(m.registered_org_id) FROM org c"
                                       " JOIN party_member m ON m.registered_org_id = c.id WHERE c.parent_id = s.id),"
                                       " 0) AS community"
                                       " FROM org s WHERE s.parent_id = ? AND s.level = 'street'"
                                       " ORDER BY community = 0, s.id",
                                       "i", district);
        if (streets == NULL || json_array_size(streets) == 0) {
            json_decref(streets);
            rc = streets == NULL ? DB_ERR : rc;
            continue;
        }
        for (int64_t u = 0; rc == DB_OK && u < n; u++, k++) {
            json_t *s = json_array_get(streets, (size_t)u % json_array_size(streets));
            int64_t street = json_integer_value(json_object_get(s, "id"));
            int64_t community = json_integer_value(json_object_get(s, "community"));
            int64_t unit = 0, po = 0, report = 0, agreement = 0;
            char name[128], po_name[160];
            snprintf(name, sizeof name, "%s%s%s", json_string_value(json_object_get(d, "name")),
                     demo_unit_names[(size_t)k % (sizeof demo_unit_names / sizeof demo_unit_names[0])],
                     u >= 10 ? "分局" : "");
            snprintf(po_name, sizeof po_name, "%s机关党支部", name);
            rc = db_one_int(db, &unit,
                            "INSERT INTO unit (org_id, name, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
                            " RETURNING id",
                            "ittii", street, name, k % 5 == 2 ? "enterprise" : "agency", w->now, w->now);
            if (rc == DB_OK)
                rc = db_one_int(db, &po,
                                "INSERT INTO party_org (org_id, unit_id, kind, name, created_at, updated_at)"
                                " VALUES (?, ?, '党支部', ?, ?, ?) RETURNING id",
                                "iitii", street, unit, po_name, w->now, w->now);
            if (rc == DB_OK)
                rc = rollup_unit(db, unit, 1);
            if (rc == DB_OK)
                rc = rollup_party_org(db, po, 1);
            if (rc == DB_OK)
                json_array_append_new(units, json_pack("{s:I, s:I, s:I}", "id", (json_int_t)unit, "district",
                                                       (json_int_t)district, "party_org", (json_int_t)po));
            if (rc != DB_OK || community == 0)
                continue;
            int received = k % 5 != 4;
            char on[16];
            snprintf(on, sizeof on, "%04d-01-%02d", year, 5 + k % 20);
            rc = db_one_int(db, &report,
                            "INSERT INTO unit_report (org_id, unit_id, party_org_id, reported_on, contact_role, offers,"
                            " state, received_at, created_at, updated_at) VALUES (?, ?, ?, ?, '机关党支部书记', ?, ?, ?, ?, ?)"
                            " RETURNING id",
                            "iiitttIii", community, unit, po, on,
                            demo_offers[(size_t)k % (sizeof demo_offers / sizeof demo_offers[0])],
                            received ? "received" : "pending", received ? demo_time(year, 1, 12 + k % 15, 10) : 0,
                            demo_time(year, 1, 5 + k % 20, 9), w->now);
            if (rc != DB_OK || !received)
                continue;
            rc = db_one_int(db, &agreement,
                            "INSERT INTO unit_agreement (report_id, org_id, unit_id, year, created_at, updated_at)"
                            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            "iiiiii", report, community, unit, (int64_t)year, w->now, w->now);
            static const int due[][2] = {{3, 31}, {6, 30}, {9, 30}, {11, 30}};
            for (int t = 0; rc == DB_OK && t < 4; t++) {
                char on_due[16];
                snprintf(on_due, sizeof on_due, "%04d-%02d-%02d", year, due[t][0], due[t][1]);
                int past = year * 10000 + due[t][0] * 100 + due[t][1] < today;
                int done = past && demo_below(5) != 0;
                rc = db_exec(db, NULL,
                             "INSERT INTO unit_agreement_item (agreement_id, what, due_on, responsible, done, done_at,"
                             " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             "itttiIii", agreement,
                             demo_agreement_items[(size_t)(k + t) % (sizeof demo_agreement_items /
                                                                    sizeof demo_agreement_items[0])],
                             on_due, t % 2 ? "社区党委书记" : "单位党支部书记", (int64_t)done,
                             done ? demo_time(year, due[t][0], due[t][1] - 3, 16) : 0, w->now, w->now);
            }
        }
        json_decref(streets);
    }
    json_decref(districts);
    return rc;
}

/* A year of one reported member's records at the community: up to three a month
 * up to today on distinct days, most verified (some rated). */
static int demo_records(db_t *db, const write_ctx_t *w, int64_t person, int64_t org, int year, int today)
{
    int rc = DB_OK;
    for (int m = 1; rc == DB_OK && m <= 12; m++) {
        int64_t n = demo_below(4), first = 1 + demo_below(9);
        for (int64_t j = 0; rc == DB_OK && j < n; j++) {
            int d = (int)(first + 9 * j);
            if (year * 10000 + m * 100 + d > today)
                break;
            char on[16];
            snprintf(on, sizeof on, "%04d-%02d-%02d", year % 10000, m % 100, d % 100);
            int64_t start = 480 + 30 * demo_below(16), len = 60 + 30 * demo_below(5);
            int verified = demo_below(10) < 8 && year * 10000 + m * 100 + d + 3 <= today;
            int64_t rating = verified && demo_below(2) ? 3 + demo_below(3) : 0;
            rc = db_exec(db, NULL,
                         "INSERT INTO service_record (org_id, person_id, served_on, start_min, end_min, minutes, content,"
                         " source, verified_by, verified_at, rating, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, 'manual', ?, ?, ?, ?, ?)",
                         "iitiiitIIIii", org, person, on, start, start + len, len,
                         demo_contents[(size_t)demo_below(sizeof demo_contents / sizeof demo_contents[0])],
                         verified ? w->who.user_id : 0, verified ? demo_time(year, m, d, 20) : 0, rating,
                         demo_time(year, m, d, 19), w->now);
        }
    }
    return rc;
}

typedef struct {
    int64_t district, id, party_org;
} unit_pick_t;

#define DISTRICTS_MAX 64

int service_report_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    demo_rng = seed * 0x9E3779B97F4A7C15ull + 28;
    int today = api_today_ymd(), year = today / 10000;
    json_t *units = json_array();
    int rc = demo_units(db, w, year, today, units);
    json_t *members = rc == DB_OK ? db_rows_json(db,
                                                 "SELECT m.person_id, m.registered_org_id AS org, d.id AS district"
                                                 " FROM party_member m JOIN org r ON r.id = m.registered_org_id"
                                                 " JOIN org d ON d.level = 'district'"
                                                 " AND substr(r.path, 1, length(d.path)) = d.path"
                                                 " WHERE m.in_service = 1 ORDER BY m.person_id",
                                                 "")
                                  : NULL;
    if (members == NULL)
        rc = rc == DB_OK ? DB_ERR : rc;
    /* Each district's units, in the array's order: a member's unit is picked
     * among them without reading every unit of the city. */
    size_t nunits = json_array_size(units), i, j;
    unit_pick_t *picks = xcalloc(nunits + 1, sizeof *picks);
    size_t *order = xcalloc(nunits + 1, sizeof *order), ndistricts = 0;
    json_t *m, *u;
    json_array_foreach(units, j, u) {
        picks[j].district = json_integer_value(json_object_get(u, "district"));
        picks[j].id = json_integer_value(json_object_get(u, "id"));
        picks[j].party_org = json_integer_value(json_object_get(u, "party_org"));
    }
    int64_t districts[DISTRICTS_MAX];
    size_t first[DISTRICTS_MAX], count[DISTRICTS_MAX];
    for (size_t k = 0; k < nunits; k++) {
        size_t d = 0;
        while (d < ndistricts && districts[d] != picks[k].district)
            d++;
        if (d == ndistricts && ndistricts < DISTRICTS_MAX) {
            districts[ndistricts] = picks[k].district;
            count[ndistricts++] = 0;
        }
        if (d < ndistricts)
            count[d]++;
    }
    for (size_t d = 0, at = 0; d < ndistricts; d++) {
        first[d] = at;
        at += count[d];
        count[d] = 0;
    }
    for (size_t k = 0; k < nunits; k++)
        for (size_t d = 0; d < ndistricts; d++)
            if (districts[d] == picks[k].district) {
                order[first[d] + count[d]++] = k;
                break;
            }
    json_array_foreach(members, i, m) {
        if (rc != DB_OK)
            break;
        int64_t person = json_integer_value(json_object_get(m, "person_id"));
        int64_t org = json_integer_value(json_object_get(m, "org"));
        int64_t district = json_integer_value(json_object_get(m, "district"));
        int64_t unit = 0, po = 0, report = 0, candidates = 0;
        size_t d = 0;
        while (d < ndistricts && districts[d] != district)
            d++;
        if (d < ndistricts)
            candidates = (int64_t)count[d];
        int64_t pick = candidates ? demo_below(candidates) : 0;
        if (candidates) {
            const unit_pick_t *p = &picks[order[first[d] + (size_t)pick]];
            unit = p->id;
            po = p->party_org;
        }
        if (po == 0)
            continue;
        rc = db_exec(db, NULL, "UPDATE party_member SET employer_unit_id = ? WHERE person_id = ?", "ii", unit, person);
        const char *skills = demo_skills[(size_t)demo_below(sizeof demo_skills / sizeof demo_skills[0])];
        if (rc == DB_OK && i % 8 == 5) /* reported once before, and went back to the unit */
            rc = db_exec(db, NULL,
                         "INSERT INTO member_report (org_id, person_id, employer_unit_id, employer_party_org_id, skills,"
                         " state, reason, received_at, ended_at, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, 'returned', '工作调动', ?, ?, ?, ?)",
                         "iiiitiiii", org, person, unit, po, skills, demo_time(year - 1, 3, 10, 10),
                         demo_time(year - 1, 11, 20, 10), demo_time(year - 1, 3, 8, 9), w->now);
        int pending = i % 10 == 9;
        if (rc == DB_OK)
            rc = db_one_int(db, &report,
                            "INSERT INTO member_report (org_id, person_id, employer_unit_id, employer_party_org_id, skills,"
                            " preferred_team, state, received_at, created_at, updated_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            "iiiitttIii", org, person, unit, po, skills, i % 3 ? NULL : "社区志愿服务队",
                            pending ? "pending" : "reported", pending ? 0 : demo_time(year, 1, 20, 10),
                            demo_time(year, 1, 15, 9), w->now);
        if (rc == DB_OK && pending) /* not registered until the community receives it */
            rc = sr_member_registered(db, w, person, 0, org);
        if (rc == DB_OK && !pending)
            rc = demo_records(db, w, person, org, year, today);
        /* The cards of the quarters past, most acknowledged. */
        report_at_t r;
        if (rc == DB_OK && !pending)
            rc = sr_report_load(db, report, &r);
        for (int q = 1; rc == DB_OK && !pending && q <= 4 && year * 10000 + q * 300 + 100 < today; q++) {
            int64_t card = 0, issued = demo_time(year, q * 3 + 1, 6, 10);
            if (issued > w->now - 4 * 86400)
                issued = w->now - 4 * 86400;
            if (rc == DB_OK)
                rc = sr_card_issue(db, &r, year, q, service_grades[demo_below(10) < 3 ? 0 : demo_below(10) < 9 ? 1 : 2],
                                NULL, w->who.user_id, issued, &card);
            if (rc == DB_OK && demo_below(10) < 7)
                rc = db_exec(db, NULL, "UPDATE service_card SET acknowledged_at = ? WHERE id = ?", "ii",
                             issued + 3 * 86400, card);
        }
    }
    free(picks);
    free(order);
    json_decref(members);
    json_decref(units);
    return rc;
}
