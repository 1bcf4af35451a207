/* 发展党员's demo city (jiceng demo): the norm development.periods issued by
 * the city from 2014, and two candidates in every thirtieth party branch of the
 * city, each stopped at a step that cycles through all 25 (so every stage has
 * people), dated backwards from the demo's day along a schedule that keeps
 * every rule; those past the approval are 预备党员 (full members past the
 * conversion's approval), with the people figures kept. Deterministic from
 * the seed (docs/party-development.md, "Demo"). */
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/partydev.h"
#include "lib/util.h"

static const char demo_periods[] =
    "{\"dev_min_age\": 18, \"dev_talk_months\": 1, \"dev_activist_months\": 12, \"dev_assessment_months\": 6,"
    " \"dev_training_days\": 3, \"dev_training_hours\": 24, \"dev_publicity_workdays\": 5, \"dev_approval_months\": 3,"
    " \"dev_approval_months_max\": 6, \"dev_probation_months\": 12, \"dev_extension_months_min\": 6,"
    " \"dev_extension_months_max\": 12}";
#define DEMO_BASIS "《中国共产党发展党员工作细则》（中共中央办公厅，2014年6月）"

/* The day of each step after the application (index: step), keeping every
 * rule of the norm above: the second half-yearly assessment a year after
 * becoming an activist, 发展对象 a year and a day after, the publicity a week
 * before the pre-review, the conversion vote past a year from the branch's vote. */
static const int schedule[PD_STEPS + 1] = {0,   0,   20,  90,  100, 110, 273, 457, 467, 477, 507, 537, 560,
                                           575, 580, 590, 600, 640, 650, 655, 660, 773, 945, 957, 977, 985};
#define DEMO_VOTE_DAY 590
#define DEMO_SECOND_ASSESSMENT 456
#define DEMO_PUBLICITY_FROM 565

static int step_row(db_t *db, const write_ctx_t *w, int64_t cand, int step, int day, const char *detail)
{
    char text[11];
    pd_ymd_text(day, text);
    return db_exec(db, NULL,
                   "INSERT INTO party_candidate_step (candidate_id, step, done_on, outcome, detail, created_at)"
                   " VALUES (?, ?, ?, 'done', ?, ?)",
                   "iitti", cand, (int64_t)step, text, detail, w->now);
}

/* One candidate of branch po (at node org) who is person, stopped at step last, applied on day a. */
static int candidate(db_t *db, const write_ctx_t *w, int64_t po, int64_t org, int64_t person, int last, int a)
{
    char applied[11], end[11], detail[160];
    int vote = pd_add_days(a, DEMO_VOTE_DAY), probation_end = pd_add_months(vote, 12);
    pd_ymd_text(a, applied);
    pd_ymd_text(probation_end, end);
    int64_t id = 0;
    const char *state = last == PD_STEPS ? "joined" : "active";
    int rc = db_one_int(db, &id,
                        "INSERT INTO party_candidate (person_id, party_org_id, org_id, step, stage, state, applied_on,"
                        " probation_end, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "iiiiittt" "ii", person, po, org, (int64_t)last, (int64_t)pd_step(last)->stage, state, applied,
                        last >= PD_STEP_APPROVAL ? end : NULL, w->now, w->now);
    for (int n = 1; rc == DB_OK && n <= last; n++) {
        detail[0] = '\0';
        if (n == PD_STEP_TRAINING)
            snprintf(detail, sizeof detail, "{\"days\":3,\"hours\":24}");
        if (n == PD_STEP_PREREVIEW) {
            char from[11], to[11];
            pd_ymd_text(pd_add_days(a, DEMO_PUBLICITY_FROM), from);
            pd_ymd_text(pd_add_days(a, DEMO_PUBLICITY_FROM + 6), to);
            snprintf(detail, sizeof detail, "{\"publicity_from\":\"%s\",\"publicity_to\":\"%s\"}", from, to);
        }
        if (n == PD_STEP_VOTE || n == PD_STEP_CONVERT_VOTE)
            snprintf(detail, sizeof detail, "{\"present\":%d,\"voting_members\":%d,\"votes_for\":%d%s}", 11, 14, 11,
                     n == PD_STEP_CONVERT_VOTE ? ",\"decision\":\"convert\"" : "");
        if (n == PD_STEP_ASSESS)
            rc = step_row(db, w, id, n, pd_add_days(a, schedule[PD_STEP_ASSESS]), "{}");
        if (rc == DB_OK)
            rc = step_row(db, w, id, n, pd_add_days(a, n == PD_STEP_ASSESS ? DEMO_SECOND_ASSESSMENT : schedule[n]),
                          detail[0] ? detail : "{}");
    }
    char joined[11];
    pd_ymd_text(vote, joined);
    if (rc == DB_OK && last >= PD_STEP_APPROVAL)
        rc = db_exec(db, NULL,
                     "INSERT INTO party_member (person_id, party_org_id, status, joined_on, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     "iittii", person, po, last >= PD_STEP_CONVERT_APPROVAL ? "正式" : "预备", joined, w->now, w->now);
    if (rc == DB_OK && last >= PD_STEP_APPROVAL)
        rc = party_member_rollup(db, person, 1);
    return rc;
}

/* The persons who may apply, in path order: id and their node's path. */
typedef struct {
    int64_t id;
    const char *path; /* one of the paths kept (the rows come in path order: one copy per org node) */
} demo_person_t;

/* The first person in p[0..n) (path order) at or under lo, not taken: its index or -1. */
static long first_under(const demo_person_t *p, long n, const unsigned char *taken, const char *lo)
{
    long a = 0, b = n;
    while (a < b) { /* the first path >= lo */
        long m = (a + b) / 2;
        if (strcmp(p[m].path, lo) < 0)
            a = m + 1;
        else
            b = m;
    }
    size_t len = strlen(lo);
    for (; a < n && strncmp(p[a].path, lo, len) == 0; a++)
        if (!taken[a])
            return a;
    return -1;
}

int party_dev_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int64_t city = 0;
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    if (rc == DB_NOTFOUND)
        return DB_OK;
    if (rc == DB_OK)
        rc = db_exec(db, NULL,
                     "INSERT INTO norm (org_id, key, year_from, value, basis, created_at, updated_at)"
                     " VALUES (?, 'development.periods', 2014, ?, ?, ?, ?)",
                     "ittii", city, demo_periods, DEMO_BASIS, w->now, w->now);
    char today[16];
    date_of(w->now, today);
    int now = pd_ymd(today), year = now / 10000;
    /* Every resident of 21 to 40 who is no member, in one pass. */
    long n = 0, cap = 1024;
    demo_person_t *people = malloc((size_t)cap * sizeof *people);
    db_stmt_t *st = rc == DB_OK && people ? db_q(db,
                                                 "SELECT p.id, o.path FROM person p JOIN org o ON o.id = p.org_id"
                                                 " WHERE p.birth_year BETWEEN ? AND ? AND NOT EXISTS"
                                                 " (SELECT 1 FROM party_member m WHERE m.person_id = p.id)"
                                                 " ORDER BY o.path, p.id",
                                                 "ii", (int64_t)(year - 40), (int64_t)(year - 21))
                                          : NULL;
    if (st == NULL) {
        free(people);
        return DB_ERR;
    }
    /* The paths, each once: the full city has 3 million such residents in half a million nodes. */
    char **paths = NULL;
    long npaths = 0, path_cap = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            demo_person_t *more = realloc(people, (size_t)(cap *= 2) * sizeof *people);
            if (more == NULL)
                break;
            people = more;
        }
        const char *path = db_col_text(st, 1) ? db_col_text(st, 1) : "";
        if (npaths == 0 || strcmp(paths[npaths - 1], path) != 0) {
            if (npaths == path_cap)
                paths = xrealloc(paths, (size_t)(path_cap = path_cap ? path_cap * 2 : 1024) * sizeof *paths);
            paths[npaths++] = xstrdup(path);
        }
        people[n].id = db_col_int(st, 0);
        people[n].path = paths[npaths - 1];
        n++;
    }
    db_done(st);
    rc = rc == DB_DONE ? DB_OK : DB_ERR;
    unsigned char *taken = calloc((size_t)(n ? n : 1), 1);
    json_t *branches = rc == DB_OK && taken ? db_rows_json(db,
                                                           "SELECT po.id, po.org_id, o.path FROM party_org po"
                                                           " JOIN org o ON o.id = po.org_id"
                                                           " WHERE po.kind IN ('党支部', '联合党支部') ORDER BY po.id",
                                                           "")
                                            : NULL;
    if (branches == NULL)
        rc = DB_ERR;
    int64_t offset = demo_pick(seed, 0x5044, PD_STEPS), k = 0, every = demo_pick(seed, 0x5045, 30);
    size_t i;
    json_t *b;
    json_array_foreach(branches, i, b) {
        if (rc != DB_OK)
            break;
        if ((int64_t)(i % 30) != every)
            continue;
        for (int j = 0; rc == DB_OK && j < 2; j++) {
            long at = first_under(people, n, taken, json_string_value(json_object_get(b, "path")));
            if (at < 0)
                break;
            taken[at] = 1;
            /* The steps cycle (7 is prime to 25): every 25 candidates stop once at each. */
            int last = (int)((k * 7 + offset) % PD_STEPS) + 1;
            int late = (int)demo_pick(seed, 0x5046 + (unsigned long long)k, 60);
            /* A 预备党员 joined within the last year, unless the conversion is voted (step 23). */
            if (last >= PD_STEP_APPROVAL && last < PD_STEP_CONVERT_VOTE && schedule[last] - DEMO_VOTE_DAY + 5 + late > 365)
                late = 365 - (schedule[last] - DEMO_VOTE_DAY + 5);
            int a = pd_add_days(now, -(schedule[last] + 5 + late));
            k++;
            rc = candidate(db, w, json_integer_value(json_object_get(b, "id")),
                           json_integer_value(json_object_get(b, "org_id")), people[at].id, last, a);
        }
    }
    json_decref(branches);
    free(taken);
    free(people);
    for (long p = 0; p < npaths; p++)
        free(paths[p]);
    free(paths);
    return rc;
}
