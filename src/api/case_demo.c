/* jiceng demo's casework: a year of cases for the whole city (docs/casework.md,
 * "Demo cases"). About CASES_PER_1000 cases a year per 1,000 residents, placed
 * where a resident lives (so in proportion to each grid's people), from every
 * source, across the active leaf categories (定制帮's included), each carried
 * along a valid path of core/casefsm from its report to the state it is in now,
 * with the deadlines, escalations (case_escalation as case_escalate.c writes
 * them, at the periodic pass after a stage deadline), returns and ratings that
 * path implies. The figures (case_day) are then kept by the API's own code
 * (casework_case_part, casework_delta_apply), case by case. Deterministic from
 * the seed; times count back from the demo's clock. */
#include "api/case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "core/tracking.h"
#include "lib/util.h"

/* Cases a year per 1,000 residents: a grid of about 1,000 residents (350
 * households) then sees some five cases a month, a grid worker's weekly round
 * and the residents' own reports and calls between them. */
#define CASES_PER_1000 60
/* At least this many, so even a small demo city shows every state, source and kind. */
#define CASES_MIN 48
#define YEAR_SECONDS (365 * 86400LL)

static unsigned long long case_rng;

static int64_t below(int64_t n)
{
    return n <= 1 ? 0 : random_seeded_below(&case_rng, n);
}

/* A fraction in [lo, hi) of x. */
static int64_t part_of(int64_t x, double lo, double hi)
{
    double u = (double)below(1ll << 53) / 9007199254740992.0;
    return (int64_t)((double)x * (lo + (hi - lo) * u));
}

/* Index of a weighted choice. */
static int pick(const int *weights, int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += weights[i];
    int64_t r = below(sum);
    for (int i = 0; i < n; i++) {
        if (r < weights[i])
            return i;
        r -= weights[i];
    }
    return n - 1;
}

/* ---- what the cases are about ---- */

typedef struct {
    const char *code;
    int weight;
    const char *titles[4];
} demo_topic_t;

/* Weights by category (per cent of cases, roughly); a category not named here
 * (added by an administrator) gets 2. */
static const demo_topic_t topics[] = {
    {"sanitation", 24, {"垃圾清运不及时", "楼道堆放杂物", "绿化带内积存垃圾", "小区污水外溢"}},
    {"municipal", 14, {"路灯不亮", "人行道地砖破损", "窨井盖缺失", "雨水口堵塞积水"}},
    {"safety", 10, {"电动车在楼道内充电", "消防通道被占用", "单元门禁损坏", "高空坠物隐患"}},
    {"dispute", 10, {"楼上漏水引发邻里纠纷", "夜间噪音扰民", "停车位纠纷", "宠物扰邻"}},
    {"livelihood", 14, {"老年助餐咨询", "低保办理咨询", "医保缴费咨询", "就业培训报名"}},
    {"custom_help", 2, {"需要上门帮忙", "需要上门帮忙", "需要上门帮忙", "需要上门帮忙"}},
    {"help_errand", 4, {"代购生活用品", "代办证件业务", "代缴水电燃气费", "代取药品"}},
    {"help_escort", 3, {"陪同到医院复诊", "帮忙预约挂号", "陪同体检", "陪同做康复治疗"}},
    {"help_repair", 4, {"热水器不出热水", "水龙头漏水需更换", "家中电路跳闸", "油烟机需清洗维修"}},
    {"help_counsel", 2, {"独居老人情绪低落", "孩子学习压力大需疏导", "家庭矛盾需开导", "失业后情绪焦虑"}},
    {"help_other", 2, {"帮忙搬运重物", "帮忙安装智能手机应用", "帮忙照看宠物", "帮忙联系子女"}},
    {"other", 5, {"其他事项反映", "意见建议", "政策咨询", "其他事项反映"}},
};
#define NTOPICS (sizeof topics / sizeof topics[0])

static const char *const sources[] = {"grid_worker", "resident", "hotline", "open311"};
/* By source: who reports, in the case's log. */
static const char *const reporter_names[] = {"网格员", "居民", "12345热线", "Open311"};
static const int source_weights[] = {40, 30, 20, 10};
/* 定制帮 is asked for by residents mostly, on their phones. */
static const int help_source_weights[] = {15, 70, 15, 0};

/* Where a case's path leads. A finished one (rated, closed unrated, rejected) is
 * reported any day of the year and stands now wherever its path has got to (the
 * recent ones still open); an open one (3% of cases) is stuck: in its state until
 * now, half of them past the stage deadline. */
static const case_state_t finals[] = {CS_REPORTED, CS_ACCEPTED, CS_REJECTED, CS_DISPATCHED, CS_HANDLING,
                                      CS_HANDLED,  CS_VERIFIED, CS_CLOSED,   CS_RATED};
static const int final_weights[] = {1, 1, 12, 1, 1, 1, 1, 28, 140};
#define NFINALS (int)(sizeof finals / sizeof finals[0])

static const char *const ratings[] = {"满意", "基本满意", "不满意"};
static const int rating_weights[] = {72, 21, 7};

/* ---- the city, as cases need it ---- */

typedef struct {
    int64_t id, parent_id;
    char level; /* 'c'ity, 'd'istrict, 's'treet, 'm' community, 'g'rid, 'b'uilding */
} demo_org_t;

typedef struct {
    int64_t id, parent_id, hours[CS_COUNT];
    int weight, topic;
    char unit_handler;
} demo_cat_t;

typedef struct {
    db_t *db;
    const write_ctx_t *w;
    demo_org_t *orgs; /* by id */
    int64_t norgs;
    demo_cat_t *cats;
    int ncats;
    int64_t first_person, last_person;
} demo_t;

static int64_t up_to(const demo_t *d, int64_t id, char level)
{
    while (id > 0 && id < d->norgs && d->orgs[id].level != level)
        id = d->orgs[id].parent_id;
    return id > 0 && id < d->norgs ? id : 0;
}

static int load_orgs(demo_t *d)
{
    int rc = db_one_int(d->db, &d->norgs, "SELECT COALESCE(MAX(id), 0) + 1 FROM org", "");
    if (rc != DB_OK)
        return rc;
    d->orgs = xcalloc((size_t)d->norgs, sizeof *d->orgs);
    db_stmt_t *st = db_q(d->db, "SELECT id, COALESCE(parent_id, 0), level FROM org", "");
    if (st == NULL)
        return DB_ERR;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_int(st, 0);
        const char *lv = db_col_text(st, 2);
        if (id <= 0 || id >= d->norgs)
            continue;
        d->orgs[id].id = id;
        d->orgs[id].parent_id = db_col_int(st, 1);
        d->orgs[id].level = strcmp(lv, "community") == 0 ? 'm' : lv[0];
    }
    db_done(st);
    return rc == DB_DONE ? DB_OK : DB_ERR;
}

/* The active categories that take reports and have no active sub-category. */
static int load_categories(demo_t *d)
{
    json_t *rows = db_rows_json(d->db,
                                "SELECT k.id, COALESCE(k.parent_id, 0) AS parent_id, k.code, k.accept_hours,"
                                " k.dispatch_hours, k.claim_hours, k.handle_hours, k.verify_hours, k.handler_kind"
                                " FROM case_category k WHERE k.active = 1 AND NOT EXISTS (SELECT 1 FROM case_category"
                                " s WHERE s.parent_id = k.id AND s.active = 1) ORDER BY k.sort, k.id",
                                "");
    if (rows == NULL)
        return DB_ERR;
    d->ncats = (int)json_array_size(rows);
    d->cats = xcalloc((size_t)d->ncats + 1, sizeof *d->cats);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        demo_cat_t *c = &d->cats[i];
        c->id = json_integer_value(json_object_get(r, "id"));
        c->parent_id = json_integer_value(json_object_get(r, "parent_id"));
        static const char *const cols[] = {"accept_hours", "dispatch_hours", "claim_hours", "handle_hours",
                                           "verify_hours"};
        static const case_state_t starts[] = {CS_REPORTED, CS_ACCEPTED, CS_DISPATCHED, CS_HANDLING, CS_HANDLED};
        for (int s = 0; s < 5; s++)
            c->hours[starts[s]] = json_integer_value(json_object_get(r, cols[s]));
        c->unit_handler = strcmp(json_string_value(json_object_get(r, "handler_kind")), "unit") == 0;
        const char *code = json_string_value(json_object_get(r, "code"));
        c->topic = -1;
        c->weight = 2;
        for (size_t t = 0; t < NTOPICS; t++)
            if (strcmp(topics[t].code, code) == 0) {
                c->topic = (int)t;
                c->weight = topics[t].weight;
            }
    }
    json_decref(rows);
    return d->ncats > 0 ? DB_OK : DB_NOTFOUND;
}

/* ---- one case ---- */

typedef struct {
    int64_t at;
    const char *action, *from, *to, *actor, *note;
} demo_event_t;

#define EVENTS_MAX 32

typedef struct {
    demo_event_t ev[EVENTS_MAX];
    int n;
    int64_t esc_deadline[EVENTS_MAX], esc_org[EVENTS_MAX], esc_at[EVENTS_MAX];
    int esc_level[EVENTS_MAX], nesc;
} demo_log_t;

static void log_add(demo_log_t *l, int64_t at, const char *action, case_state_t from, case_state_t to,
                    const char *actor, const char *note)
{
    if (l->n == EVENTS_MAX)
        abort(); /* a path is at most 11 moves and two escalations a stage */
    l->ev[l->n++] = (demo_event_t){at, action, from == CS_NONE ? NULL : case_state_name(from), case_state_name(to),
                                   actor, note};
}

/* Escalations of a stage spent in state s from start to end (its deadline at
 * start + hours), as the periodic pass (case_escalate.c) writes them when it
 * runs after the deadline, and after a second stage limit. The level reached. */
static int stage_escalations(demo_log_t *l, case_state_t s, int64_t start, int64_t end, int64_t hours,
                             int64_t street, int64_t district)
{
    if (hours <= 0)
        return 0;
    int64_t deadline = start + hours * 3600;
    int level = 0;
    for (int lv = 1; lv <= 2; lv++) {
        int64_t target = lv == 1 ? street : district;
        int64_t at = deadline + (lv == 2 ? hours * 3600 : 0) + 60 + below(240); /* the next periodic pass */
        if (at >= end || target == 0 || level != lv - 1)
            break;
        log_add(l, at, lv == 1 ? "escalate_street" : "escalate_district", s, s, "system", NULL);
        l->esc_deadline[l->nesc] = deadline;
        l->esc_org[l->nesc] = target;
        l->esc_at[l->nesc] = at;
        l->esc_level[l->nesc++] = lv;
        level = lv;
    }
    return level;
}

/* A stage's length: mostly within its limit, now and then past it. */
static int64_t stage_length(int64_t hours, int late_per_cent)
{
    if (hours <= 0)
        return 3600 + below(47 * 3600);
    return below(100) < late_per_cent ? part_of(hours * 3600, 1.05, 3.2) : part_of(hours * 3600, 0.05, 0.9);
}

/* A case's path, timed from 0 at its report. */
typedef struct {
    demo_log_t log;
    case_state_t state;
    int returns, level;
    int64_t end;        /* its last event (a finished case), or now (an open one) */
    int64_t stage_from; /* when it entered its state */
    int64_t handled_at, closed_at; /* -1: not */
    const char *rating;
} demo_path_t;

/* The stage in state s from p->stage_from, left by action a (CA_NONE: still open, for length len). */
static void walk_stage(demo_path_t *p, const demo_cat_t *cat, case_action_t a, int64_t len, int64_t street,
                       int64_t district, const char *actor, const char *note)
{
    case_state_t s = p->state;
    p->level = stage_escalations(&p->log, s, p->stage_from, p->stage_from + len, cat->hours[s], street, district);
    int64_t t = p->stage_from + len;
    p->end = t;
    if (a == CA_NONE)
        return;
    case_state_t to = case_next(s, a);
    log_add(&p->log, t, case_action_name(a), s, to, actor, note);
    if (a == CA_HANDLE)
        p->handled_at = t;
    if (a == CA_CLOSE)
        p->closed_at = t;
    if (a == CA_RETURN)
        p->returns++;
    p->state = to;
    p->stage_from = t;
    p->level = 0;
}

static void walk(demo_path_t *p, const demo_cat_t *cat, case_state_t final, int help, const char *reporter,
                 const char *handler, int64_t street, int64_t district)
{
    static const case_action_t path[] = {CA_ACCEPT, CA_DISPATCH, CA_CLAIM, CA_HANDLE, CA_VERIFY, CA_CLOSE, CA_RATE};
    const int late = 4; /* per cent of stages past their limit */
    int rework = below(100) < 8;
    memset(p, 0, sizeof *p);
    p->handled_at = p->closed_at = -1;
    p->state = CS_REPORTED;
    log_add(&p->log, 0, "report", CS_NONE, CS_REPORTED, reporter, NULL);
    if (final == CS_REJECTED) {
        walk_stage(p, cat, CA_REJECT, stage_length(cat->hours[CS_REPORTED], late), street, district, "社区工作人员",
                   "非本社区职责范围，已告知反映人向相关部门反映");
        return;
    }
    for (size_t k = 0; k < sizeof path / sizeof path[0] && p->state != final; k++) {
        case_action_t a = path[k];
        if (a == CA_VERIFY && rework) { /* the verifier sends it back once */
            walk_stage(p, cat, CA_RETURN, stage_length(cat->hours[CS_HANDLED], late), street, district,
                       "社区工作人员", "现场复核未整改到位，请重新处理");
            walk_stage(p, cat, CA_HANDLE, stage_length(cat->hours[CS_HANDLING], late), street, district, handler,
                       "已重新处理到位");
        }
        const char *actor = a == CA_CLAIM || a == CA_HANDLE ? handler : a == CA_RATE ? reporter : "社区工作人员";
        const char *note = a == CA_HANDLE ? (help ? "已安排志愿者上门帮办" : "已现场处理完毕")
                           : a == CA_CLOSE ? "经回访核实，予以办结"
                                           : NULL;
        if (a == CA_RATE) {
            p->rating = ratings[pick(rating_weights, 3)];
            note = strcmp(p->rating, "不满意") == 0 ? "处理太慢" : below(3) == 0 ? "感谢社区的帮助" : NULL;
        }
        walk_stage(p, cat, a, stage_length(cat->hours[p->state], late), street, district, actor, note);
    }
    if (!case_state_final(p->state)) { /* stuck: in its state until now, half of them past the deadline */
        int64_t h = cat->hours[p->state];
        int64_t len = h <= 0 ? 3600 + below(47 * 3600)
                      : below(2) == 0 ? part_of(h * 3600, 1.1, 3.0)
                                      : part_of(h * 3600, 0.05, 0.9);
        walk_stage(p, cat, CA_NONE, len, street, district, NULL, NULL);
    }
}

/* The path as it stands at cut (from its report): what comes after has not happened yet. */
static void cut_at(demo_path_t *p, int64_t cut)
{
    if (p->end <= cut)
        return;
    while (p->log.n > 1 && p->log.ev[p->log.n - 1].at > cut)
        p->log.n--;
    while (p->log.nesc > 0 && p->log.esc_at[p->log.nesc - 1] > cut)
        p->log.nesc--;
    p->state = CS_REPORTED;
    p->stage_from = p->level = p->returns = 0;
    p->handled_at = p->closed_at = -1;
    p->rating = NULL; /* the rating is the last event: not there yet */
    for (int e = 1; e < p->log.n; e++) {
        const demo_event_t *ev = &p->log.ev[e];
        if (strncmp(ev->action, "escalate_", 9) == 0) {
            p->level++;
            continue;
        }
        p->state = case_state_from_name(ev->to);
        p->stage_from = ev->at;
        p->level = 0;
        p->returns += strcmp(ev->action, "return") == 0;
        if (strcmp(ev->action, "handle") == 0)
            p->handled_at = ev->at;
        if (strcmp(ev->action, "close") == 0)
            p->closed_at = ev->at;
    }
    p->end = cut;
}

/* A tracking code from the case's number: a bijection of 48 bits keyed by the seed, so codes differ and look random. */
static void demo_code(char out[TRACKING_CODE_LEN + 1], uint64_t key, int64_t index)
{
    const uint64_t m = (1ull << 48) - 1;
    uint64_t x = ((uint64_t)index + key) & m;
    x = (x * 0x9E3779B97F4Bull) & m; /* odd multipliers: invertible modulo 2^48 */
    x ^= x >> 23;
    x = (x * 0xBF58476D1CE5ull) & m;
    x ^= x >> 21;
    /* All 48 bits in the code (so codes stay distinct), two more from the key. */
    tracking_code_pack(out, ((key >> 48) & 3u) << 48 | x);
}

static int add_case(demo_t *d, uint64_t key, int64_t index, int state_pick, int source_pick, int cat_pick)
{
    db_t *db = d->db;
    int64_t now = d->w->now;
    /* Where: the building of a resident drawn at random, so each grid in proportion to its people. */
    int64_t building = 0, person = d->first_person + below(d->last_person - d->first_person + 1);
    int rc = db_one_int(db, &building, "SELECT org_id FROM person WHERE id = ?", "i", person);
    if (rc != DB_OK)
        return rc;
    int64_t grid = up_to(d, building, 'g'), community = up_to(d, building, 'm');
    int64_t street = up_to(d, community, 's'), district = up_to(d, street, 'd');
    if (community == 0)
        return DB_ERR;
    const demo_cat_t *cat = &d->cats[cat_pick >= 0 ? cat_pick : 0];
    if (cat_pick < 0) {
        int w[256], n = d->ncats < 256 ? d->ncats : 256;
        for (int i = 0; i < n; i++)
            w[i] = d->cats[i].weight;
        cat = &d->cats[pick(w, n)];
    }
    const demo_topic_t *topic = cat->topic >= 0 ? &topics[cat->topic] : &topics[NTOPICS - 1];
    int help = strncmp(topic->code, "help_", 5) == 0 || strcmp(topic->code, "custom_help") == 0;
    int si = source_pick >= 0 ? source_pick : pick(help ? help_source_weights : source_weights, 4);
    case_state_t final = finals[state_pick >= 0 ? state_pick : pick(final_weights, NFINALS)];
    /* A tenth of them at a point with no building: the community's case, outside any grid. */
    int at_building = grid != 0 && below(10) != 0;
    int64_t org = at_building ? grid : community;
    char bname[64] = "", title[160], description[400];
    if (at_building)
        db_one_text(db, bname, sizeof bname, "SELECT name FROM org WHERE id = ?", "i", building);
    const char *what = topic->titles[below(4)];
    snprintf(title, sizeof title, "%s%s", bname, what);
    snprintf(description, sizeof description, help ? "%s，希望社区安排人帮忙。" : "%s，请尽快处理。", what);
    /* Who handles it: the grid what its worker can fix, the street's departments a unit's
     * kind (the demo city has no resident units), else the community. */
    int64_t handler = cat->unit_handler && street ? street
                      : at_building && (strcmp(topic->code, "sanitation") == 0 || strcmp(topic->code, "safety") == 0)
                          ? grid
                          : community;
    const char *handler_name = handler == grid ? "网格员" : handler == street ? "街道城管科" : "社区工作人员";
    demo_path_t *p = xcalloc(1, sizeof *p);
    walk(p, cat, final, help, reporter_names[si], handler_name, street, district);
    /* A stuck case ends now; the others are reported any time in the year before and
     * stand where their path has got to by now. */
    int64_t base = now - p->end;
    if (case_state_final(p->state)) {
        base = now - YEAR_SECONDS + below(YEAR_SECONDS);
        cut_at(p, now - base);
    }
    int64_t total = 0;
    for (int s = 0; s < CS_COUNT; s++)
        total += cat->hours[s];
    int64_t stage_deadline = !case_state_final(p->state) && cat->hours[p->state] > 0
                                 ? base + p->stage_from + cat->hours[p->state] * 3600
                                 : 0;
    int dispatched = p->state != CS_REPORTED && p->state != CS_ACCEPTED && p->state != CS_REJECTED;
    int is_public = si == 1 || si == 3 || (si == 2 && below(10) == 0); /* a hotline case now and then published */
    int64_t esc_org = 0;
    for (int e = 0; e < p->log.nesc; e++)
        if (p->level > 0 && p->log.esc_level[e] == p->level)
            esc_org = p->log.esc_org[e];
    double lng = 0, lat = 0;
    int has_point = 0;
    if (at_building) {
        json_t *box = db_row_one_json(db, "SELECT min_lng, min_lat FROM org_geometry_box WHERE org_id = ?", "i",
                                      building);
        if (box) {
            lng = json_number_value(json_object_get(box, "min_lng"));
            lat = json_number_value(json_object_get(box, "min_lat"));
            has_point = 1;
        }
        json_decref(box);
    }
    char code[TRACKING_CODE_LEN + 1];
    demo_code(code, key, index);
    rc = db_exec(db, NULL,
                 "INSERT INTO casefile (tracking_code, category_id, source, title, description, building_id, org_id,"
                 " outside_grid, state, handler_org_id, stage_deadline, close_due_at, returns, escalation_level,"
                 " escalated_org_id, rating, rating_comment, created_at, updated_at, handled_at, closed_at, version,"
                 " is_public, lat, lng) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 has_point ? "titttIiitIIiiiIttiiIIiidd" : "titttIiitIIiiiIttiiIIiinn", code, cat->id, sources[si],
                 title, description, at_building ? building : 0, org, (int64_t)!at_building, case_state_name(p->state),
                 dispatched ? handler : 0, stage_deadline, base + total * 3600, (int64_t)p->returns,
                 (int64_t)p->level, esc_org, p->rating, p->rating ? p->log.ev[p->log.n - 1].note : NULL, base,
                 base + p->log.ev[p->log.n - 1].at, p->handled_at >= 0 ? base + p->handled_at : 0,
                 p->closed_at >= 0 ? base + p->closed_at : 0, (int64_t)p->log.n, (int64_t)is_public, lat, lng);
    int64_t id = 0;
    if (rc == DB_OK)
        rc = db_last_id(db, &id);
    for (int e = 0; rc == DB_OK && e < p->log.n; e++) {
        const demo_event_t *ev = &p->log.ev[e];
        rc = db_exec(db, NULL,
                     "INSERT INTO case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, note)"
                     " VALUES (?, ?, 0, ?, ?, ?, ?, ?)",
                     "iittttt", id, base + ev->at, ev->actor, ev->action, ev->from, ev->to, ev->note);
    }
    for (int e = 0; rc == DB_OK && e < p->log.nesc; e++)
        rc = db_exec(db, NULL, "INSERT INTO case_escalation (case_id, deadline, level, org_id, at) VALUES (?, ?, ?, ?, ?)",
                     "iiiii", id, base + p->log.esc_deadline[e], (int64_t)p->log.esc_level[e], p->log.esc_org[e],
                     base + p->log.esc_at[e]);
    /* Its part of the figures, as the API's writes leave them. */
    casework_delta_t cw = {0};
    if (rc == DB_OK)
        rc = casework_case_part(db, id, 1, &cw);
    if (rc == DB_OK)
        rc = casework_delta_apply(db, &cw);
    free(p);
    return rc;
}

int case_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    case_rng = seed * 0xD1B54A32D192ED03ull + 32;
    demo_t d = {.db = db, .w = w};
    int64_t residents = 0;
    int rc = db_one_int(db, &residents, "SELECT COUNT(*) FROM person", "");
    if (rc == DB_OK)
        rc = db_one_int(db, &d.first_person, "SELECT COALESCE(MIN(id), 0) FROM person", "");
    if (rc == DB_OK)
        rc = db_one_int(db, &d.last_person, "SELECT COALESCE(MAX(id), 0) FROM person", "");
    if (rc != DB_OK || residents == 0)
        return rc;
    if (rc == DB_OK)
        rc = load_orgs(&d);
    if (rc == DB_OK)
        rc = load_categories(&d);
    int64_t n = residents * CASES_PER_1000 / 1000;
    if (n < CASES_MIN)
        n = CASES_MIN;
    uint64_t key = (uint64_t)below(INT64_MAX);
    /* The first cases go round every state, source and category, so each shows however small the city. */
    for (int64_t i = 0; rc == DB_OK && i < n; i++) {
        rc = add_case(&d, key, i, i < NFINALS ? (int)i : -1, i < 4 ? (int)i : -1,
                      i < d.ncats ? (int)i : -1);
    }
    free(d.orgs);
    free(d.cats);
    return rc;
}
