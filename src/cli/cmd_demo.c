/* jiceng demo: a synthetic city over the real divisions. Every community gets
 * grids (about one per 350 households) whose outlines tile a synthetic
 * rectangle, buildings inside them, households, residents with checksum-valid
 * synthetic ID numbers carrying their district's address code, party members
 * (about 7% of adults), branches, cadres and grid workers. The same seed gives
 * the same city, ids included.
 *
 * Two threads: a generator (random draws, ID numbers, encryption, hashes and
 * the figures, summed in memory) feeds the SQLite thread through a bounded
 * queue. Everything is written in one transaction (all or nothing) with the
 * rollback journal, secondary indexes rebuilt at the end; see bulk_begin and
 * docs/people.md. */
#include "cli/cli.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/internal.h"
#include "api/tx.h"
#include "core/idcard.h"
#include "core/path.h"
#include "db/copy.h"
#include "lib/pii.h"
#include "lib/util.h"

/* splitmix64: small, fast and the same everywhere. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int64_t rnd_below(int64_t n)
{
    return n <= 1 ? 0 : (int64_t)(rnd() % (uint64_t)n);
}

static double rnd_unit(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
                                    "杰", "娟", "涛", "明", "超", "秀英", "华", "建国", "桂英", "玉兰", "志强", "海燕"};
static const char *const tags[] = {"elderly_alone", "empty_nest", "disabled", "low_income",
                                   "poverty_monitored", "veteran", "left_behind_child", "key_attention"};

/* Figures summed in memory: per org id, per figure index. */
enum {
    F_RESIDENTS, F_HOUSEHOLDS, F_PM, F_PM_FORMAL, F_PM_PROB, F_PM_SERVICE, F_REGISTERED,
    F_GRIDS, F_BUILDINGS, F_PARTY_ORGS, F_PO_COMMITTEE, F_PO_GROUP,
    F_TAG0, F_COUNT = F_TAG0 + 8
};
static const char *figure_names[F_COUNT] = {"residents", "households", "party_members", "party_members_formal",
                                            "party_members_probationary", "party_members_in_service",
                                            "in_service_registered", "org.grid", "org.building", "party_orgs",
                                            "party_orgs.党委", "party_orgs.党小组"};

typedef struct community {
    int64_t id;
    char path[64];
    char district_code[7];
    int64_t residents;
} community_t;

/* [g_fig_rows][F_COUNT], grown as the generator hands out org ids. */
static int64_t *g_figures;
static int64_t g_fig_rows;

static void count(int64_t org, int fig)
{
    if (org <= 0) {
        fprintf(stderr, "jiceng: demo: org id %lld out of range\n", (long long)org);
        abort();
    }
    if (org >= g_fig_rows) {
        int64_t rows = g_fig_rows * 2 > org + 1 ? g_fig_rows * 2 : org + 1;
        g_figures = xrealloc(g_figures, (size_t)rows * F_COUNT * sizeof *g_figures);
        memset(g_figures + g_fig_rows * F_COUNT, 0, (size_t)(rows - g_fig_rows) * F_COUNT * sizeof *g_figures);
        g_fig_rows = rows;
    }
    g_figures[org * F_COUNT + fig]++;
}

/* Unique synthetic ID numbers: a counter per (district, birth day). */
static uint16_t *g_seq;
static int g_districts;

static void synthetic_id(char out[19], int district_index, const char *district_code, int year, int month, int day,
                         int male)
{
    int64_t days = (int64_t)(year - 1920) * 372 + (month - 1) * 31 + (day - 1);
    uint16_t *c = &g_seq[(int64_t)district_index * 105 * 372 + days];
    int seq = (*c)++ * 2 + (male ? 1 : 0);
    char first[18];
    snprintf(first, sizeof first, "%s%04d%02d%02d%03d", district_code, year, month, day, seq % 1000);
    memcpy(out, first, 17);
    out[17] = idcard_check_char(first);
    out[18] = '\0';
}

/* The generator (RNG, ID numbers, encryption, hashes, figures) runs on its own
 * thread and hands rows to the SQLite thread through a bounded queue of
 * batches; every id is decided by the generator, in the order the rows were
 * always inserted, so the city does not depend on the threads' timing. */
enum { OP_BRANCH, OP_GRID, OP_BUILDING, OP_HOUSEHOLD, OP_PERSON, OP_SECRETARY };

typedef struct person_row {
    char name[32], id_enc[96], id_hash[PII_HASH_HEX + 1], id_masked[32], id_tail[PII_TAIL_HASH_HEX + 1],
        phone_enc[96], phone_hash[PII_HASH_HEX + 1], phone_masked[16], phone_tail[PII_TAIL_HASH_HEX + 1];
    int birth_year;
    char male, head, tags, member, formal, in_service;
    int64_t community;   /* where an in-service member registered */
    int64_t worker_grid; /* the grid this resident serves as 网格员, or 0 */
} person_row_t;

typedef struct op {
    int kind;
    int64_t id;     /* the new row: party_org (OP_BRANCH), org, household or person */
    int64_t org;    /* where it sits: community, grid or building */
    int64_t ref;    /* OP_GRID: its 党小组; OP_PERSON: the household; OP_SECRETARY: the person */
    int64_t branch; /* the community's 党委 (OP_GRID, OP_PERSON) */
    union {
        struct {
            char name[32], path[96], geo[256];
            double box[4]; /* min_lng, max_lng, min_lat, max_lat */
        } area;
        char address[64];
        person_row_t p;
    } u;
} op_t;

#define BATCH_OPS 512
#define QUEUE_BATCHES 16 /* 16 x 512 ops of about 600 bytes: 5 MB in flight at most */

typedef struct batch {
    int n, last;
    op_t ops[BATCH_OPS];
} batch_t;

typedef struct ring {
    batch_t *item[QUEUE_BATCHES];
    int head, count;
} ring_t;

typedef struct queue {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    ring_t full, empty;
    int stop; /* the writer failed: the generator gives up */
} queue_t;

static void ring_push(ring_t *r, batch_t *b)
{
    r->item[(r->head + r->count++) % QUEUE_BATCHES] = b;
}

static batch_t *ring_pop(ring_t *r)
{
    batch_t *b = r->item[r->head];
    r->head = (r->head + 1) % QUEUE_BATCHES;
    r->count--;
    return b;
}

/* Move a batch from one ring to the other, waiting while from is empty.
 * NULL when the queue was stopped. */
static batch_t *queue_take(queue_t *q, ring_t *from)
{
    pthread_mutex_lock(&q->mu);
    while (from->count == 0 && !q->stop)
        pthread_cond_wait(&q->changed, &q->mu);
    batch_t *b = q->stop ? NULL : ring_pop(from);
    pthread_mutex_unlock(&q->mu);
    return b;
}

static void queue_give(queue_t *q, ring_t *to, batch_t *b)
{
    pthread_mutex_lock(&q->mu);
    ring_push(to, b);
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}

typedef struct gen {
    const keys_t *keys;
    const community_t *cs;
    size_t ncomm;
    char (*dcodes)[7];
    int64_t next_org, next_party_org, next_household, next_person;
    queue_t *q;
    batch_t *cur;
    pii_hasher_t id_hasher, phone_hasher, id_tail_hasher, phone_tail_hasher;
    int64_t persons, households, grids, members;
    int failed;
} gen_t;

/* The next op slot, handing the filled batch to the writer. NULL if stopped. */
static op_t *emit(gen_t *g, int kind)
{
    if (g->cur == NULL || g->cur->n == BATCH_OPS) {
        if (g->cur)
            queue_give(g->q, &g->q->full, g->cur);
        g->cur = queue_take(g->q, &g->q->empty);
        if (g->cur == NULL)
            return NULL;
        g->cur->n = 0;
        g->cur->last = 0;
    }
    op_t *o = &g->cur->ops[g->cur->n++];
    o->kind = kind;
    return o;
}

static void area_box(op_t *o, double x0, double x1, double y0, double y1)
{
    o->u.area.box[0] = x0;
    o->u.area.box[1] = x1;
    o->u.area.box[2] = y0;
    o->u.area.box[3] = y1;
}

/* One resident of household hh in building (k: their index in the grid). NULL if stopped. */
static op_t *gen_person(gen_t *g, const community_t *c, int dindex, int64_t building, int64_t hh, int64_t k,
                        int64_t branch)
{
    op_t *o = emit(g, OP_PERSON);
    if (o == NULL)
        return NULL;
    o->id = g->next_person++;
    o->org = building;
    o->ref = hh;
    o->branch = branch;
    int male = (int)(rnd() & 1);
    int year = 1930 + (int)rnd_below(95), month = 1 + (int)rnd_below(12), day = 1 + (int)rnd_below(28);
    char idc[19], phone[12];
    synthetic_id(idc, dindex, c->district_code, year, month, day, male);
    snprintf(o->u.p.name, sizeof o->u.p.name, "%s%s", surnames[rnd_below(20)], given[rnd_below(24)]);
    snprintf(phone, sizeof phone, "1%d%09lld", 3 + (int)rnd_below(7), (long long)rnd_below(1000000000));
    o->u.p.birth_year = year;
    if (pii_encrypt_into(o->u.p.id_enc, sizeof o->u.p.id_enc, g->keys, "person.id_card", idc) != 0 ||
        pii_encrypt_into(o->u.p.phone_enc, sizeof o->u.p.phone_enc, g->keys, "person.phone", phone) != 0)
        abort(); /* the buffers fit the fixed lengths above */
    pii_hasher_hash(o->u.p.id_hash, &g->id_hasher, idc);
    pii_hasher_hash(o->u.p.phone_hash, &g->phone_hasher, phone);
    idcard_mask(o->u.p.id_masked, sizeof o->u.p.id_masked, idc);
    phone_mask(o->u.p.phone_masked, sizeof o->u.p.phone_masked, phone);
    pii_hasher_tail(o->u.p.id_tail, &g->id_tail_hasher, idc);
    pii_hasher_tail(o->u.p.phone_tail, &g->phone_tail_hasher, phone);
    sodium_memzero(idc, sizeof idc);
    sodium_memzero(phone, sizeof phone);
    o->u.p.male = (char)male;
    o->u.p.head = k % 3 == 0;
    o->u.p.worker_grid = 0;
    o->u.p.community = c->id;
    count(building, F_RESIDENTS);
    g->persons++;
    o->u.p.tags = 0;
    for (int t = 0; t < 8; t++) {
        if (rnd_below(100) < 3) {
            o->u.p.tags |= (char)(1 << t);
            count(building, F_TAG0 + t);
        }
    }
    o->u.p.member = 0;
    if (year <= 2008 && rnd_below(100) < 7) {
        int formal = rnd_below(100) < 95, service = rnd_below(100) < 30;
        o->u.p.member = 1;
        o->u.p.formal = (char)formal;
        o->u.p.in_service = (char)service;
        count(c->id, F_PM);
        count(c->id, formal ? F_PM_FORMAL : F_PM_PROB);
        if (service) {
            count(c->id, F_PM_SERVICE);
            count(c->id, F_REGISTERED);
        }
        g->members++;
    }
    return o;
}

/* The whole city, community by community, in the order the rows get their ids. */
static void *generate(void *arg)
{
    gen_t *g = arg;
    int side = (int)ceil(sqrt((double)g->ncomm));
    const double lng0 = 116.70, lat0 = 30.95, span_lng = 1.20 / side, span_lat = 1.40 / side;
    for (size_t ci = 0; ci < g->ncomm; ci++) {
        const community_t *c = &g->cs[ci];
        int dindex = 0;
        while (strcmp(g->dcodes[dindex], c->district_code) != 0)
            dindex++;
        int64_t hh_total = (c->residents + 2) / 3;
        int ngrids = (int)((hh_total + 349) / 350);
        if (ngrids < 1)
            ngrids = 1;
        /* The community's synthetic area: one cell of a lattice over Hefei's extent. */
        double cx = lng0 + (double)(ci % side) * span_lng, cy = lat0 + (double)(ci / side) * span_lat;
        double gw = span_lng * 0.9 / ngrids, gh = span_lat * 0.9;
        /* A branch per community, plus the 书记 and the grid workers below. */
        op_t *o = emit(g, OP_BRANCH);
        if (o == NULL)
            goto stopped;
        int64_t branch = o->id = g->next_party_org++;
        o->org = c->id;
        count(c->id, F_PARTY_ORGS);
        count(c->id, F_PO_COMMITTEE);
        int64_t left = c->residents, first_pid = 0;
        for (int gi = 0; gi < ngrids; gi++) {
            if ((o = emit(g, OP_GRID)) == NULL)
                goto stopped;
            int64_t grid = o->id = g->next_org++;
            o->org = c->id;
            o->ref = g->next_party_org++;
            o->branch = branch;
            snprintf(o->u.area.name, sizeof o->u.area.name, "第%d网格", gi + 1);
            if (path_child(o->u.area.path, sizeof o->u.area.path, c->path, grid) != 0)
                abort(); /* community paths come from the database, checked on the way in */
            double x0 = cx + gi * gw, y0 = cy;
            snprintf(o->u.area.geo, sizeof o->u.area.geo,
                     "{\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]],\"type\":"
                     "\"Polygon\"}",
                     x0, y0, x0 + gw, y0, x0 + gw, y0 + gh, x0, y0 + gh, x0, y0);
            area_box(o, x0, x0 + gw, y0, y0 + gh);
            char gpath[96];
            str_copy(gpath, sizeof gpath, o->u.area.path);
            g->grids++;
            count(grid, F_GRIDS);
            count(grid, F_PARTY_ORGS);
            count(grid, F_PO_GROUP);
            int64_t grid_res = gi == ngrids - 1 ? left : c->residents / ngrids;
            left -= grid_res;
            int64_t grid_hh = (grid_res + 2) / 3;
            int nbuild = (int)((grid_hh + 29) / 30);
            int64_t building = 0, hh = 0;
            int64_t per_building = nbuild ? (grid_hh + nbuild - 1) / nbuild : 1;
            for (int64_t k = 0; k < grid_res; k++) {
                if (k % 3 == 0) { /* a new household, and now and then a new building */
                    int64_t hi = k / 3;
                    if (hi % per_building == 0) {
                        if ((o = emit(g, OP_BUILDING)) == NULL)
                            goto stopped;
                        building = o->id = g->next_org++;
                        o->org = grid;
                        snprintf(o->u.area.name, sizeof o->u.area.name, "%lld栋", (long long)(hi / per_building + 1));
                        if (path_child(o->u.area.path, sizeof o->u.area.path, gpath, building) != 0)
                            abort();
                        count(building, F_BUILDINGS);
                        double bx = x0 + gw * (0.05 + 0.9 * rnd_unit()), by = y0 + gh * (0.05 + 0.9 * rnd_unit());
                        snprintf(o->u.area.geo, sizeof o->u.area.geo,
                                 "{\"coordinates\":[%.6f,%.6f],\"type\":\"Point\"}", bx, by);
                        area_box(o, bx, bx, by, by);
                    }
                    if ((o = emit(g, OP_HOUSEHOLD)) == NULL)
                        goto stopped;
                    hh = o->id = g->next_household++;
                    o->org = building;
                    snprintf(o->u.address, sizeof o->u.address, "%lld栋 %lld室", (long long)(hi / per_building + 1),
                             (long long)(101 + hi % per_building));
                    count(building, F_HOUSEHOLDS);
                    g->households++;
                }
                if ((o = gen_person(g, c, dindex, building, hh, k, branch)) == NULL)
                    goto stopped;
                if (k == 0) /* the grid's worker */
                    o->u.p.worker_grid = grid;
                if (first_pid == 0)
                    first_pid = o->id;
            }
        }
        if (first_pid > 0) { /* the community's 书记 */
            if ((o = emit(g, OP_SECRETARY)) == NULL)
                goto stopped;
            o->org = c->id;
            o->ref = first_pid;
        }
    }
    if (g->cur == NULL && (g->cur = queue_take(g->q, &g->q->empty)) != NULL)
        g->cur->n = 0;
    if (g->cur) {
        g->cur->last = 1;
        queue_give(g->q, &g->q->full, g->cur);
    }
    return NULL;
stopped:
    g->failed = 1;
    return NULL;
}

/* Write an op other than a resident; DB_OK or the error. */
static int write_place(db_t *db, const op_t *o, int64_t now)
{
    int rc = DB_OK;
    switch (o->kind) {
    case OP_BRANCH:
        return db_exec(db, NULL,
                       "INSERT INTO party_org (id, org_id, kind, name, created_at, updated_at)"
                       " VALUES (?, ?, '党委', '社区党委', ?, ?)",
                       "iiii", o->id, o->org, now, now);
    case OP_GRID:
    case OP_BUILDING:
        if (o->kind == OP_GRID)
            rc = db_exec(db, NULL,
                         "INSERT INTO org (id, parent_id, level, kind, name, path, depth, created_at, updated_at)"
                         " VALUES (?, ?, 'grid', 'grid', ?, ?, 5, ?, ?)",
                         "iittii", o->id, o->org, o->u.area.name, o->u.area.path, now, now);
        else
            rc = db_exec(db, NULL,
                         "INSERT INTO org (id, parent_id, level, kind, name, path, depth, created_at, updated_at)"
                         " VALUES (?, ?, 'building', 'building', ?, ?, 6, ?, ?)",
                         "iittii", o->id, o->org, o->u.area.name, o->u.area.path, now, now);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "INSERT INTO org_geometry (org_id, kind, geojson, updated_at) VALUES (?, ?, ?, ?)",
                         "itti", o->id, o->kind == OP_GRID ? "Polygon" : "Point", o->u.area.geo, now);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "INSERT INTO org_geometry_box (org_id, min_lng, max_lng, min_lat, max_lat)"
                         " VALUES (?, ?, ?, ?, ?)",
                         "idddd", o->id, o->u.area.box[0], o->u.area.box[1], o->u.area.box[2], o->u.area.box[3]);
        if (rc == DB_OK && o->kind == OP_GRID)
            rc = db_exec(db, NULL,
                         "INSERT INTO party_org (id, org_id, parent_id, kind, name, created_at, updated_at)"
                         " VALUES (?, ?, ?, '党小组', ?, ?, ?)",
                         "iiitii", o->ref, o->id, o->branch, o->u.area.name, now, now);
        return rc;
    case OP_SECRETARY:
        return db_exec(db, NULL,
                       "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                       " VALUES (?, ?, '书记', '2021-01-01', ?, ?)",
                       "iiii", o->ref, o->org, now, now);
    default:
        return DB_ERR;
    }
}

/* Residents go eight to a statement: a statement's fixed cost (its start, the
 * AUTOINCREMENT counter read and written back) shared by eight rows. OR FAIL
 * (SQLite's): a statement that may abort halfway through several rows keeps a
 * statement journal of every page it touches, and any failure here rolls the
 * whole transaction back anyway. */
#define PERSON_INSERT                                                                                              \
    "INSERT OR FAIL INTO person (id, org_id, household_id, relation, name, gender, birth_year, id_card_enc, id_card_hash,"  \
    " id_card_masked, id_tail_hash, phone_enc, phone_hash, phone_masked, phone_tail_hash, created_at, updated_at) VALUES "
#define PERSON_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define PERSON_ROW2 PERSON_ROW ", " PERSON_ROW
#define PERSON_ROW8 PERSON_ROW2 ", " PERSON_ROW2 ", " PERSON_ROW2 ", " PERSON_ROW2
#define PERSON_TYPES "iiitttittttttttii"
#define PERSON_TYPES8 PERSON_TYPES PERSON_TYPES PERSON_TYPES PERSON_TYPES PERSON_TYPES PERSON_TYPES PERSON_TYPES PERSON_TYPES
#define PERSON_ARGS(o, now)                                                                                        \
    (o)->id, (o)->org, (o)->ref, (o)->u.p.head ? "户主" : "配偶", (o)->u.p.name, (o)->u.p.male ? "M" : "F",          \
        (int64_t)(o)->u.p.birth_year, (o)->u.p.id_enc, (o)->u.p.id_hash, (o)->u.p.id_masked, (o)->u.p.id_tail, (o)->u.p.phone_enc, \
        (o)->u.p.phone_hash, (o)->u.p.phone_masked, (o)->u.p.phone_tail, (now), (now)

/* Households and tags go eight to a statement too, OR FAIL for the same reason. */
#define HOUSEHOLD_INSERT "INSERT OR FAIL INTO household (id, org_id, address, created_at, updated_at) VALUES "
#define HOUSEHOLD_ROW "(?, ?, ?, ?, ?)"
#define HOUSEHOLD_ROW2 HOUSEHOLD_ROW ", " HOUSEHOLD_ROW
#define HOUSEHOLD_ROW8 HOUSEHOLD_ROW2 ", " HOUSEHOLD_ROW2 ", " HOUSEHOLD_ROW2 ", " HOUSEHOLD_ROW2
#define HOUSEHOLD_TYPES8 "iitiiiitiiiitiiiitiiiitiiiitiiiitiiiitii"
#define HOUSEHOLD_ARGS(o, now) (o)->id, (o)->org, (o)->u.address, (now), (now)

static int write_households(db_t *db, const op_t *const *hs, int n, int64_t now)
{
    if (n == 8)
        return db_exec(db, NULL, HOUSEHOLD_INSERT HOUSEHOLD_ROW8, HOUSEHOLD_TYPES8, HOUSEHOLD_ARGS(hs[0], now),
                       HOUSEHOLD_ARGS(hs[1], now), HOUSEHOLD_ARGS(hs[2], now), HOUSEHOLD_ARGS(hs[3], now),
                       HOUSEHOLD_ARGS(hs[4], now), HOUSEHOLD_ARGS(hs[5], now), HOUSEHOLD_ARGS(hs[6], now),
                       HOUSEHOLD_ARGS(hs[7], now));
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++)
        rc = db_exec(db, NULL, HOUSEHOLD_INSERT HOUSEHOLD_ROW, "iitii", HOUSEHOLD_ARGS(hs[i], now));
    return rc;
}

typedef struct tag_row {
    int64_t person;
    const char *tag;
} tag_row_t;

#define TAG_INSERT "INSERT OR FAIL INTO person_tag (person_id, tag) VALUES "
#define TAG_ROW8 "(?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?)"
#define TAG_ARGS(t) (t).person, (t).tag

static int write_tags(db_t *db, const tag_row_t *ts, int n)
{
    if (n == 8)
        return db_exec(db, NULL, TAG_INSERT TAG_ROW8, "itititititititit", TAG_ARGS(ts[0]), TAG_ARGS(ts[1]),
                       TAG_ARGS(ts[2]), TAG_ARGS(ts[3]), TAG_ARGS(ts[4]), TAG_ARGS(ts[5]), TAG_ARGS(ts[6]),
                       TAG_ARGS(ts[7]));
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++)
        rc = db_exec(db, NULL, TAG_INSERT "(?, ?)", "it", TAG_ARGS(ts[i]));
    return rc;
}

static int write_persons(db_t *db, const op_t *const *ps, int n, int64_t now)
{
    if (n == 8)
        return db_exec(db, NULL, PERSON_INSERT PERSON_ROW8, PERSON_TYPES8, PERSON_ARGS(ps[0], now),
                       PERSON_ARGS(ps[1], now), PERSON_ARGS(ps[2], now), PERSON_ARGS(ps[3], now),
                       PERSON_ARGS(ps[4], now), PERSON_ARGS(ps[5], now), PERSON_ARGS(ps[6], now),
                       PERSON_ARGS(ps[7], now));
    int rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < n; i++)
        rc = db_exec(db, NULL, PERSON_INSERT PERSON_ROW, PERSON_TYPES, PERSON_ARGS(ps[i], now));
    return rc;
}

/* A resident's post as the grid's worker and party membership (the tags are
 * gathered by write_batch). */
static int write_person_links(db_t *db, const op_t *o, int64_t now)
{
    const person_row_t *p = &o->u.p;
    int rc = DB_OK;
    if (p->worker_grid)
        rc = db_exec(db, NULL,
                     "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                     " VALUES (?, ?, '网格员', '2024-01-01', ?, ?)",
                     "iiii", o->id, p->worker_grid, now, now);
    if (rc == DB_OK && p->member)
        rc = db_exec(db, NULL,
                     "INSERT INTO party_member (person_id, party_org_id, status, joined_on, in_service,"
                     " registered_org_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "iittiIii", o->id, o->branch, p->formal ? "正式" : "预备", "2010-07-01", (int64_t)p->in_service,
                     p->in_service ? p->community : 0, now, now);
    return rc;
}

/* Write a batch: places and residents first, then what refers to residents,
 * cadres in the order the generator made them (their ids are the database's). */
static int write_batch(db_t *db, const batch_t *b, int64_t now)
{
    const op_t *ps[8], *hs[8];
    tag_row_t ts[8];
    int np = 0, nh = 0, nt = 0, rc = DB_OK;
    for (int i = 0; rc == DB_OK && i < b->n; i++) {
        const op_t *o = &b->ops[i];
        if (o->kind == OP_PERSON) {
            ps[np++] = o;
            if (np == 8) {
                rc = write_persons(db, ps, np, now);
                np = 0;
            }
        } else if (o->kind == OP_HOUSEHOLD) {
            hs[nh++] = o;
            if (nh == 8) {
                rc = write_households(db, hs, nh, now);
                nh = 0;
            }
        } else if (o->kind != OP_SECRETARY) {
            rc = write_place(db, o, now);
        }
    }
    if (rc == DB_OK)
        rc = write_households(db, hs, nh, now);
    if (rc == DB_OK)
        rc = write_persons(db, ps, np, now);
    for (int i = 0; rc == DB_OK && i < b->n; i++) {
        const op_t *o = &b->ops[i];
        if (o->kind == OP_PERSON) {
            for (int t = 0; rc == DB_OK && t < 8; t++) {
                if (o->u.p.tags & (1 << t)) {
                    ts[nt++] = (tag_row_t){o->id, tags[t]};
                    if (nt == 8) {
                        rc = write_tags(db, ts, nt);
                        nt = 0;
                    }
                }
            }
            if (rc == DB_OK)
                rc = write_person_links(db, o, now);
        } else if (o->kind == OP_SECRETARY) {
            rc = write_place(db, o, now);
        }
    }
    if (rc == DB_OK)
        rc = write_tags(db, ts, nt);
    return rc;
}

/* The id AUTOINCREMENT would give the next row of table: past both the highest
 * id ever used (sqlite_sequence) and the highest present. */
static int next_id(db_t *db, int64_t *out, const char *table, const char *max_sql)
{
    int64_t seq = 0, max = 0;
    int rc = db_one_int(db, &seq, "SELECT seq FROM sqlite_sequence WHERE name = ?", "t", table);
    if (rc == DB_NOTFOUND)
        rc = DB_OK;
    if (rc == DB_OK)
        rc = db_one_int(db, &max, max_sql, "");
    *out = (seq > max ? seq : max) + 1;
    return rc;
}

/* Write the figures: each node's counts added to every ancestor, one row per
 * (node, figure). */
static int write_figures(db_t *db)
{
    json_t *paths = db_rows_json(db, "SELECT id, path FROM org", "");
    if (paths == NULL)
        return DB_ERR;
    int64_t rows = g_fig_rows;
    int64_t *sums = xcalloc((size_t)rows * F_COUNT, sizeof *sums);
    size_t i;
    json_t *o;
    json_array_foreach(paths, i, o) {
        int64_t id = json_integer_value(json_object_get(o, "id"));
        if (id >= rows)
            continue;
        int64_t ids[PATH_MAX_DEPTH];
        int n = path_ids(json_string_value(json_object_get(o, "path")), ids, PATH_MAX_DEPTH);
        for (int f = 0; f < F_COUNT; f++) {
            int64_t v = g_figures[id * F_COUNT + f];
            for (int k = 0; v && k < n; k++) {
                if (ids[k] < rows)
                    sums[ids[k] * F_COUNT + f] += v;
            }
        }
    }
    json_decref(paths);
    int rc = DB_OK;
    for (int64_t id = 1; rc == DB_OK && id < rows; id++) {
        for (int f = 0; rc == DB_OK && f < F_COUNT; f++) {
            int64_t v = sums[id * F_COUNT + f];
            if (v == 0)
                continue;
            char fig[48];
            if (f >= F_TAG0)
                snprintf(fig, sizeof fig, "tag.%s", tags[f - F_TAG0]);
            else
                str_copy(fig, sizeof fig, figure_names[f]);
            rc = db_exec(db, NULL,
                         "INSERT INTO org_figure (org_id, figure, value) VALUES (?, ?, ?)"
                         " ON CONFLICT (org_id, figure) DO UPDATE SET value = org_figure.value + excluded.value",
                         "iti", id, fig, v);
        }
    }
    free(sums);
    return rc;
}

/* Bulk-load settings, undone by bulk_end. The rollback journal instead of WAL:
 * pages past the database's size before the load are never journaled, so the
 * city is written once (WAL would write it twice, into the log and then into
 * the database), and a crash mid-way still rolls back to the empty city on the
 * next open. Foreign keys are not checked row by row: every reference is made
 * by the generator (tests/api/test_demo.py runs foreign_key_check). */
static void bulk_begin(db_t *db)
{
    char mode[16] = "";
    /* A small page cache (16 MiB, the connection's usual): with every index
     * dropped, the load only appends to the tables' last pages, and a larger
     * cache measured no faster (docs/people.md). */
    db_exec_script(db, "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16384");
    /* Refused while another connection has the database open: the load then runs in WAL mode. */
    db_one_text(db, mode, sizeof mode, "PRAGMA journal_mode = DELETE", "");
}

static void bulk_end(db_t *db)
{
    char mode[16] = "";
    db_one_text(db, mode, sizeof mode, "PRAGMA journal_mode = WAL", "");
    db_exec_script(db, "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384");
}

/* The page cache while the indexes are built, which also sizes the sorted runs
 * of CREATE INDEX's sorter: runs of 8 MiB (merged from temporary files) sort
 * faster than runs of 256 MiB, which miss the CPU caches at every step of the
 * in-memory merge (measured: about 40% less CPU per index at 9.8M residents).
 * One helper thread for the sorter: the generator has finished, so the second
 * core would otherwise idle while the main thread scans and the helper sorts
 * (measured: the index phase of the full city 21.5 s -> 15-16.6 s, the same CPU). */
#define INDEX_BUILD_CACHE "PRAGMA cache_size = -8192; PRAGMA threads = 1"

/* Drop the secondary indexes of the big tables: rebuilt at the end from
 * sorted runs, with pages written in order, which beats inserting into them
 * row by row (even the ones whose keys arrive in ascending order: measured, a
 * rebuild costs less than keeping them). That includes the unique index on
 * the ID hash (schema 007): the generator makes the numbers unique and
 * CREATE UNIQUE INDEX checks them again. *out receives their definitions. */
static int drop_indexes(db_t *db, json_t **out)
{
    json_t *indexes = db_rows_json(db,
                                   "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                                   " AND tbl_name IN ('person', 'person_tag', 'household', 'party_member', 'cadre')",
                                   "");
    *out = indexes;
    int rc = indexes ? DB_OK : DB_ERR;
    for (size_t i = 0; rc == DB_OK && i < json_array_size(indexes); i++) {
        /* Names from the catalog (our own schema), quoted as identifiers. */
        const char *name = json_string_value(json_object_get(json_array_get(indexes, i), "name"));
        char *drop = db_sql_join("DROP INDEX \"", name, "\"", NULL);
        if (strchr(name, '"') == NULL)
            rc = db_exec_script(db, drop);
        free(drop);
    }
    return rc;
}

/* Run the generator thread and write what it hands over. */
static int load_city(db_t *db, gen_t *g, int64_t now, int64_t total)
{
    queue_t q = {.mu = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    batch_t *batches = xcalloc(QUEUE_BATCHES, sizeof *batches);
    for (int i = 0; i < QUEUE_BATCHES; i++)
        ring_push(&q.empty, &batches[i]);
    g->q = &q;
    pthread_t tid;
    if (pthread_create(&tid, NULL, generate, g) != 0) {
        free(batches);
        return DB_ERR;
    }
    cli_stage_t st;
    cli_stage_start(&st, "residents", total);
    int rc = DB_OK, last = 0;
    int64_t done = 0, shown = 0;
    while (rc == DB_OK && !last) {
        batch_t *b = queue_take(&q, &q.full);
        rc = write_batch(db, b, now);
        for (int i = 0; i < b->n; i++)
            done += b->ops[i].kind == OP_PERSON;
        last = b->last;
        queue_give(&q, &q.empty, b);
        if (done - shown >= 50000 && done < total) {
            cli_stage_show(&st, done);
            shown = done;
        }
    }
    if (rc != DB_OK) { /* stop the generator, which may be waiting for an empty batch */
        pthread_mutex_lock(&q.mu);
        q.stop = 1;
        pthread_cond_broadcast(&q.changed);
        pthread_mutex_unlock(&q.mu);
    }
    pthread_join(tid, NULL);
    free(batches);
    if (rc == DB_OK)
        cli_stage_show(&st, done);
    return rc;
}

/* The whole city in one transaction, as a step of the write pipeline (its
 * commit is the pipeline's). */
typedef struct {
    gen_t *g;
    const write_ctx_t *w;
    int64_t total;
    unsigned long long seed;
    cli_stage_t st; /* the last stage shown, "commit" once the load is done */
} demo_step_t;

static int demo_load(db_t *db, void *arg)
{
    demo_step_t *d = arg;
    gen_t *g = d->g;
    json_t *indexes = NULL;
    int rc = next_id(db, &g->next_org, "org", "SELECT COALESCE(MAX(id), 0) FROM org");
    if (rc == DB_OK)
        rc = next_id(db, &g->next_party_org, "party_org", "SELECT COALESCE(MAX(id), 0) FROM party_org");
    if (rc == DB_OK)
        rc = next_id(db, &g->next_household, "household", "SELECT COALESCE(MAX(id), 0) FROM household");
    if (rc == DB_OK)
        rc = next_id(db, &g->next_person, "person", "SELECT COALESCE(MAX(id), 0) FROM person");
    if (rc == DB_OK)
        rc = drop_indexes(db, &indexes);
    if (rc == DB_OK)
        rc = load_city(db, g, d->w->now, d->total);
    if (rc == DB_OK && g->failed)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = db_exec_script(db, INDEX_BUILD_CACHE);
    cli_stage_t *st = &d->st;
    cli_stage_start(st, "indexes", (int64_t)json_array_size(indexes));
    size_t ii;
    json_t *ix;
    json_array_foreach(indexes, ii, ix) {
        if (rc == DB_OK)
            rc = db_exec_script(db, json_string_value(json_object_get(ix, "sql")));
        if (rc == DB_OK)
            cli_stage_show(st, (int64_t)ii + 1);
    }
    json_decref(indexes);
    cli_stage_start(st, "figures", 1);
    if (rc == DB_OK)
        rc = write_figures(db);
    if (rc == DB_OK)
        rc = norm_demo(db, d->w);
    /* ---- duty lists (责任清单) ---- */
    if (rc == DB_OK)
        rc = duty_demo(db, d->w, d->seed);
    /* ---- end duty lists ---- */
    if (rc == DB_OK) /* notices (调度通报) */
        rc = notice_demo(db, d->w);
    /* ---- 述职评议 ---- */
    if (rc == DB_OK)
        rc = review_demo(db, d->w, d->seed);
    /* ---- end 述职评议 ---- */
    /* ---- rectification problems (问题清单) and inspections ---- */
    if (rc == DB_OK)
        rc = rect_demo(db, d->w, d->seed);
    /* ---- end rectification problems ---- */
    /* ---- demo cases (一线为民): a year of them; before the assessment, whose casework sources read them ---- */
    if (rc == DB_OK)
        rc = case_demo(db, d->w, d->seed);
    /* ---- end demo cases ---- */
    /* ---- 党建品牌 and 荣誉 (honour.c): before the assessment, whose honours sources read them ---- */
    if (rc == DB_OK)
        rc = honour_demo(db, d->w, d->seed);
    /* ---- end 党建品牌 and 荣誉 ---- */
    if (rc == DB_OK) /* the annual assessment (年度综合考核): after every record it reads */
        rc = assess_demo(db, d->w, d->seed);
    if (rc == DB_OK) /* attachments: after every family that owns files */
        rc = attachment_demo(db, d->w);
    if (rc == DB_OK) /* 结对共建 and purchased services (partner.c) */
        rc = partner_demo(db, d->w, d->seed);
    if (rc == DB_OK) /* volunteer and service teams: activities with hours, enterprise visits */
        rc = team_demo(db, d->w, d->seed);
    if (rc == DB_OK) /* 双报到 (service_report.c) */
        rc = service_report_demo(db, d->w, d->seed);
    if (rc == DB_OK) /* service posts and 微心愿 (claims.c) */
        rc = claims_demo(db, d->w, d->seed);
    /* ---- 村级集体经济 (village.c) ---- */
    if (rc == DB_OK)
        rc = village_demo(db, d->w, d->seed);
    /* ---- end 村级集体经济 ---- */
    /* ---- 区域化党建联盟 (alliance.c): after the units and party organisations it draws members from ---- */
    if (rc == DB_OK)
        rc = alliance_demo(db, d->w, d->seed);
    /* ---- end 区域化党建联盟 ---- */
    /* ---- work teams and poverty ledger (workteam.c) ---- */
    if (rc == DB_OK)
        rc = wt_demo(db, d->w, d->seed);
    /* ---- end work teams and poverty ledger ---- */
    /* ---- pay (pay.c): after the norms and the cadres ---- */
    if (rc == DB_OK)
        rc = pay_demo(db, d->w, d->seed);
    /* ---- end pay ---- */
    /* ---- venues and operating funds (venue.c, funds.c) ---- */
    if (rc == DB_OK)
        rc = venue_funds_demo(db, d->w, d->seed);
    /* ---- end venues and operating funds ---- */
    /* Last of the families: the kept yearly figures of every family's yearly
     * records, computed once from them (docs/figures.md). */
    if (rc == DB_OK && yfig_rebuild(db) < 0)
        rc = DB_ERR;
    if (rc == DB_OK)
        rc = audit_append_new(db, d->w, "demo.generated", "org", 1, 1,
                              json_pack("{s:I, s:I, s:I, s:I, s:I}", "seed", (json_int_t)d->seed, "residents",
                                        (json_int_t)g->persons, "households", (json_int_t)g->households, "grids",
                                        (json_int_t)g->grids, "party_members", (json_int_t)g->members));
    if (rc == DB_OK)
        cli_stage_show(st, 1);
    cli_stage_start(st, "commit", 1);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path (default data/jiceng.db or $JICENG_DB)"},
                       {"residents", 1, NULL, "residents in the whole city (default 20000; the real city is 9800000)"},
                       {"seed", 1, NULL, "random seed (default 1): the same seed gives the same city"},
                       {"if-empty", 0, NULL, "do nothing (and succeed) when the city already has residents"},
                       {"accounts-file", 1, NULL,
                        "also make a party member's and a resident's own accounts; their passwords go to this file"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng demo [--db PATH] [--residents N] [--seed S] [--if-empty] [--accounts-file FILE]\n"
                        "  Fills a database that has the real divisions with a synthetic city.";
    int r = cli_parse(argc, argv, opts, pos, 0, &npos, usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    char *end;
    long long total = strtoll(cli_opt(opts, "residents", "20000"), &end, 10);
    if (*end || total < 100 || total > 20000000) {
        fprintf(stderr, "jiceng: --residents must be from 100 to 20000000\n");
        return 2;
    }
    unsigned long long seed = strtoull(cli_opt(opts, "seed", "1"), &end, 10);
    if (*end) {
        fprintf(stderr, "jiceng: --seed must be a number\n");
        return 2;
    }
    rng_state = seed * 0x2545F4914F6CDD1Dull + 1;
    if (db_url_is_postgres(cli_db_url(opts))) {
        fprintf(stderr, "jiceng: demo fills SQLite databases only (its bulk load is SQLite's); make the city in an"
                        " SQLite file, then move it with jiceng copy-data --from sqlite:FILE --to postgres://...\n");
        return 1;
    }
    db_t *db;
    keys_t keys;
    if (cli_open(cli_db_url(opts), &db, &keys) != 0)
        return 1;
    int64_t have = 0;
    db_one_int(db, &have, "SELECT COUNT(*) FROM person", "");
    if (have > 0 && cli_opt(opts, "if-empty", NULL)) {
        printf("the city already has %lld residents: demo not needed\n", (long long)have);
        db_close(db);
        return 0;
    }
    if (have > 0) {
        fprintf(stderr, "jiceng: the database already has %lld residents; demo fills an empty city only\n",
                (long long)have);
        db_close(db);
        return 1;
    }
    json_t *comms = db_rows_json(db,
                                 "SELECT c.id, c.path, d.code AS district FROM org c JOIN org s ON s.id = c.parent_id"
                                 " JOIN org d ON d.id = s.parent_id WHERE c.level = 'community' ORDER BY c.id",
                                 "");
    size_t ncomm = json_array_size(comms);
    if (ncomm == 0) {
        fprintf(stderr, "jiceng: no communities: run import-divisions first\n");
        json_decref(comms);
        db_close(db);
        return 1;
    }
    int64_t max_org = 0;
    db_one_int(db, &max_org, "SELECT MAX(id) FROM org", "");
    g_fig_rows = max_org + 1; /* grown as grids and buildings come */
    g_figures = xcalloc((size_t)g_fig_rows * F_COUNT, sizeof *g_figures);
    community_t *cs = xcalloc(ncomm, sizeof *cs);
    /* Districts by code, for ID address codes. */
    char dcodes[64][7];
    g_districts = 0;
    double weight_sum = 0, *weights = xcalloc(ncomm, sizeof *weights);
    for (size_t i = 0; i < ncomm; i++) {
        json_t *c = json_array_get(comms, i);
        cs[i].id = json_integer_value(json_object_get(c, "id"));
        str_copy(cs[i].path, sizeof cs[i].path, json_string_value(json_object_get(c, "path")));
        str_copy(cs[i].district_code, sizeof cs[i].district_code,
                 json_string_value(json_object_get(c, "district")));
        weights[i] = 0.3 + rnd_unit() * 1.7;
        weight_sum += weights[i];
        int k = 0;
        while (k < g_districts && strcmp(dcodes[k], cs[i].district_code) != 0)
            k++;
        if (k == g_districts && g_districts < 64)
            str_copy(dcodes[g_districts++], 7, cs[i].district_code);
    }
    json_decref(comms);
    if (total < (long long)ncomm) {
        fprintf(stderr, "jiceng: --residents must be at least %zu: one per community\n", ncomm);
        free(weights);
        free(cs);
        free(g_figures);
        db_close(db);
        return 2;
    }
    /* One resident each (so every grid has its worker), the rest by weight. */
    int64_t assigned = 0;
    for (size_t i = 0; i < ncomm; i++) {
        cs[i].residents = 1 + (int64_t)((total - (int64_t)ncomm) * weights[i] / weight_sum);
        assigned += cs[i].residents;
    }
    for (size_t i = 0; assigned < total; i = (i + 1) % ncomm, assigned++)
        cs[i].residents++;
    free(weights);
    g_seq = xcalloc((size_t)g_districts * 105 * 372, sizeof *g_seq);

    write_ctx_t w;
    cli_write_ctx(&w, &keys, "demo");
    w.now = clock_now();
    gen_t *g = xcalloc(1, sizeof *g);
    g->keys = &keys;
    g->cs = cs;
    g->ncomm = ncomm;
    g->dcodes = dcodes;
    pii_hasher_init(&g->id_hasher, &keys, "person.id_card");
    pii_hasher_init(&g->phone_hasher, &keys, "person.phone");
    pii_hasher_init(&g->id_tail_hasher, &keys, "person.id_card_tail");
    pii_hasher_init(&g->phone_tail_hasher, &keys, "person.phone_tail");
    bulk_begin(db);
    demo_step_t step = {.g = g, .w = &w, .total = total, .seed = seed};
    int rc = tx_write(db, demo_load, &step, NULL);
    if (rc == DB_OK)
        cli_stage_show(&step.st, 1);
    bulk_end(db);
    free(g_figures);
    free(g_seq);
    free(cs);
    if (rc != DB_OK) {
        fprintf(stderr, "jiceng: demo failed: %s\n", db_errmsg(db));
        free(g);
        db_close(db);
        return 1;
    }
    const char *accounts = cli_opt(opts, "accounts-file", NULL);
    if (accounts && demo_accounts(db, &w, accounts) != 0) {
        free(g);
        db_close(db);
        return 1;
    }
    db_close(db);
    printf("demo city: %lld residents in %lld households, %lld grids, %lld party members (seed %llu)\n",
           (long long)g->persons, (long long)g->households, (long long)g->grids, (long long)g->members, seed);
    free(g);
    return 0;
}
