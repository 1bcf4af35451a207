/* jiceng demo: a synthetic city over the real divisions (docs/demo.md). Every
 * community gets an outline of its own, a rectangle inside its district's real
 * outline (demo_places.c), and, from its population (demo_population) and never
 * from --residents, grids of 300-500 households whose outlines tile that
 * rectangle, 2,844 grid party organisations in the city, resident units with
 * credit codes; the residents, in proportion to the populations, live in
 * households with consistent ages, relations and tags, in numbered buildings,
 * with checksum-valid synthetic ID numbers carrying their district's address
 * code and names fitting their sex; party members (about 7% of adults), a 党委
 * and a 书记 per community, a 网格员 per grid. The same seed gives the same city,
 * ids included.
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
#include "core/credit_code.h"
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
/* Given names by sex: a resident's name follows the sex digit of their ID number. */
static const char *const given_male[] = {"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "建国", "志强",
                                         "建华", "国庆", "俊杰", "浩然", "子轩", "宇航", "振华", "德明", "文斌", "海波", "立新", "家豪"};
static const char *const given_female[] = {"芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "桂英", "玉兰", "海燕", "丽华",
                                           "淑珍", "美玲", "雪梅", "晓红", "婷婷", "欣怡", "梓涵", "雨桐", "佳慧", "春兰", "秀珍", "慧敏"};
#define NGIVEN 24
static const char *const tags[] = {"elderly_alone", "empty_nest", "disabled", "low_income",
                                   "poverty_monitored", "veteran", "left_behind_child", "key_attention"};
enum { TAG_ELDERLY_ALONE, TAG_EMPTY_NEST, TAG_DISABLED, TAG_LOW_INCOME, TAG_POVERTY, TAG_VETERAN, TAG_LEFT_BEHIND,
       TAG_KEY_ATTENTION };
/* A household member's relation to the head (person.relation). */
enum { REL_HEAD, REL_SPOUSE, REL_CHILD, REL_PARENT };
static const char *const relations[] = {"户主", "配偶", "子女", "父母"};

/* Names for resident units (驻区单位, of unit_types: agency, enterprise,
 * non_public_enterprise, school, social_organisation) and grids named after an area. */
static const char *const brand_names[] = {"瑞丰", "鑫源", "华创", "恒泰", "同创", "佳和", "科讯", "皖通", "徽商", "安泰",
                                          "众诚", "汇丰源", "江淮", "庐州", "巢湖", "新桥", "明远", "天润", "德信", "聚力"};
static const char *const trades[] = {"科技有限公司", "商贸有限公司", "物流有限公司", "餐饮管理有限公司", "建材有限公司",
                                     "电子商务有限公司", "物业服务有限公司", "医药连锁有限公司"};
static const char *const roads[] = {"长江西路", "望江东路", "金寨路", "黄山路", "潜山路", "徽州大道", "繁华大道", "包河大道",
                                    "马鞍山路", "临泉路", "淮河路", "芜湖路", "宿州路", "蒙城路", "肥西路", "合作化路"};
static const char *const areas[] = {"翠竹园", "幸福里", "锦绣苑", "和平小区", "金桂园", "春晖苑", "芙蓉里", "滨河苑",
                                    "书香苑", "文昌里", "梧桐苑", "紫荆花园", "绿城小区", "明珠苑", "阳光小区", "丽景苑",
                                    "华府小区", "清风苑", "百花园", "玉兰苑", "望湖城", "香樟雅苑", "瑞景苑", "新华苑"};
#define NAREAS 24
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The number of grid-level party organisations (网格党支部, 党小组) in the whole
 * demo city, whatever --residents: the source text's figure for Hefei. */
#define GRID_PARTY_ORGS 2844
/* A grid of at least this many households that has a party organisation has a
 * 网格党支部; a smaller one a 党小组. */
#define GRID_BRANCH_HOUSEHOLDS 420
/* At most this many grids a community (14,000 residents make 17 of 300 households). */
#define MAX_GRIDS 64

/* Figures summed in memory: per org id, per figure index. */
enum {
    F_RESIDENTS, F_HOUSEHOLDS, F_PM, F_PM_FORMAL, F_PM_PROB, F_PM_SERVICE, F_REGISTERED,
    F_GRIDS, F_BUILDINGS, F_PARTY_ORGS, F_PO_COMMITTEE, F_PO_GROUP, F_PO_BRANCH, F_PO_AT_GRID, F_UNITS,
    F_UNIT0, F_TAG0 = F_UNIT0 + 5, F_COUNT = F_TAG0 + 8
};
static const char *figure_names[F_COUNT] = {"residents", "households", "party_members", "party_members_formal",
                                            "party_members_probationary", "party_members_in_service",
                                            "in_service_registered", "org.grid", "org.building", "party_orgs",
                                            "party_orgs.党委", "party_orgs.党小组", "party_orgs.党支部",
                                            "party_orgs.at_grid", "units"};

/* A community's or village's shape, decided from the seed and its id alone
 * (never from --residents): its population (demo_population), households,
 * grids and the layout of its buildings. */
typedef struct community {
    int64_t id;
    char path[64];
    char district_code[7];
    char base[64]; /* its name without 社区 / 村 / 居委会 */
    int village;
    int64_t population, households, residents;
    int ngrids, first_grid; /* its grids in g_grids[first_grid .. first_grid + ngrids) */
    int named_grids;        /* grids named after areas (or 东片/西片 in a village) */
    int per_building;       /* households a building (a 村民组 in a village) holds */
    int floors, doors;      /* a building's floors and doors a floor (communities) */
    const char *building_word; /* 栋 or 幢 */
    double rect[4];            /* its outline: min_lng, max_lng, min_lat, max_lat (demo_places.c) */
} community_t;

typedef struct grid_plan {
    int64_t households; /* the grid's households in the real-sized city */
    int party_org;      /* 0 none, 1 党小组, 2 党支部 */
} grid_plan_t;

static grid_plan_t *g_grids;
static unsigned long long g_seed;

/* A draw for the city's shape: from the seed, a node and what is drawn. */
static int64_t shape_pick(int64_t org, int what, int64_t i, int64_t n)
{
    return demo_pick(g_seed, 0xC17E000000000000ull ^ ((unsigned long long)org << 24) ^ ((unsigned long long)what << 16) ^
                                 (unsigned long long)i,
                     n);
}

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

/* Unique synthetic ID numbers: a counter per (district, birth day), birth years from 1920. */
#define ID_YEARS 110
static uint16_t *g_seq;
static int g_districts;

static void synthetic_id(char out[19], int district_index, const char *district_code, int year, int month, int day,
                         int male)
{
    int64_t days = (int64_t)(year - 1920) * 372 + (month - 1) * 31 + (day - 1);
    uint16_t *c = &g_seq[(int64_t)district_index * ID_YEARS * 372 + days];
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
enum { OP_BRANCH, OP_UNIT, OP_OUTLINE, OP_GRID, OP_BUILDING, OP_HOUSEHOLD, OP_PERSON, OP_SECRETARY, OP_WORKER };

typedef struct person_row {
    char name[32], id_enc[96], id_hash[PII_HASH_HEX + 1], id_masked[32], id_tail[PII_TAIL_HASH_HEX + 1],
        phone_enc[96], phone_hash[PII_HASH_HEX + 1], phone_masked[16], phone_tail[PII_TAIL_HASH_HEX + 1];
    char joined[16]; /* a member's joined_on */
    int birth_year;
    char male, relation, tags, member, formal, in_service;
    int64_t community;   /* where an in-service member registered */
    int64_t worker_grid; /* the grid this resident serves as 网格员, or 0 */
} person_row_t;

typedef struct op {
    int kind;
    int64_t id;     /* the new row: party_org (OP_BRANCH), unit, org, household or person */
    int64_t org;    /* where it sits: community (also OP_OUTLINE's own), grid or building */
    int64_t ref;    /* OP_GRID, OP_UNIT: its party organisation or 0; OP_PERSON: the household;
                       OP_SECRETARY, OP_WORKER: the person */
    int64_t branch; /* the community's 党委 (OP_GRID, OP_UNIT, OP_PERSON) */
    int sub;        /* OP_GRID: its party organisation is a 党支部 (1) or a 党小组 (0); OP_UNIT: its type */
    char secretary[32]; /* OP_GRID, OP_UNIT: the name of its party organisation's 书记 (组长) */
    union {
        struct {
            char name[32], path[96], geo[256];
            double box[4]; /* min_lng, max_lng, min_lat, max_lat */
        } area;
        struct {
            char name[128], credit_code[CREDIT_CODE_LEN + 1], address[64];
        } unit;
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
    int64_t next_org, next_party_org, next_household, next_person, next_unit;
    int64_t now; /* the demo's moment, and its year in Asia/Shanghai */
    int year;
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

/* A rectangle's outline, GeoJSON as the API stores it, and its box. */
static void rect_geojson(op_t *o, double x0, double x1, double y0, double y1)
{
    snprintf(o->u.area.geo, sizeof o->u.area.geo,
             "{\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]],\"type\":"
             "\"Polygon\"}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    area_box(o, x0, x1, y0, y1);
}

/* A split of [a, b] at k/n, rounded to six decimals as printed: neighbours share their edge exactly. */
static double split_at(double a, double b, int k, int n)
{
    return k == 0 ? a : k == n ? b : round((a + (b - a) * k / n) * 1e6) / 1e6;
}

/* Grid gi's rectangle: the community's rectangle cut into rows of about square
 * grids, each row into equal parts, tiling it. */
static void grid_rect(const community_t *c, int gi, double *x0, double *x1, double *y0, double *y1)
{
    int n = c->ngrids;
    double w = (c->rect[1] - c->rect[0]) * cos((c->rect[2] + c->rect[3]) / 2 * M_PI / 180.0), h = c->rect[3] - c->rect[2];
    int rows = (int)lround(sqrt(n * h / w));
    rows = rows < 1 ? 1 : rows > n ? n : rows;
    int q = 0;
    while ((int64_t)n * (q + 1) / rows <= gi)
        q++;
    int first = (int)((int64_t)n * q / rows), in_row = (int)((int64_t)n * (q + 1) / rows) - first;
    *y0 = split_at(c->rect[2], c->rect[3], q, rows);
    *y1 = split_at(c->rect[2], c->rect[3], q + 1, rows);
    *x0 = split_at(c->rect[0], c->rect[1], gi - first, in_row);
    *x1 = split_at(c->rect[0], c->rect[1], gi - first + 1, in_row);
}

/* A household member before their ID number: age in whole years, sex, relation. */
typedef struct member_plan {
    int age, male, relation;
} member_plan_t;

#define HOUSEHOLD_MAX 5

/* A household of at most max members (max >= 1): a head of 20-85 first, then
 * a spouse of about the same age and the other sex, children at least 22
 * years younger than the younger parent, now and then a parent of the head.
 * About 2.8 persons on average. Its size. */
static int plan_household(member_plan_t *m, int max)
{
    int n = 0, u = (int)rnd_below(100), head_male = rnd_below(100) < 62, head, spouse = 0, kids = 0, elder = 0;
    if (u < 12) { /* one person, most of them elderly */
        head = rnd_below(100) < 60 ? 60 + (int)rnd_below(26) : 20 + (int)rnd_below(40);
    } else if (u < 30) { /* an elderly couple */
        head = 60 + (int)rnd_below(26);
        spouse = 1;
    } else if (u < 40) { /* a young couple */
        head = 22 + (int)rnd_below(19);
        spouse = 1;
    } else { /* parents and their children, sometimes a grandparent */
        head = 28 + (int)rnd_below(33);
        spouse = rnd_below(100) < 90;
        kids = 1 + (rnd_below(100) < 45);
        elder = rnd_below(100) < 20;
    }
    m[n++] = (member_plan_t){head, head_male, REL_HEAD};
    int younger = head;
    if (spouse && n < max) {
        int a = head + (int)rnd_below(9) - 4;
        a = a < 20 ? 20 : a > 90 ? 90 : a;
        m[n++] = (member_plan_t){a, !head_male, REL_SPOUSE};
        younger = a < younger ? a : younger;
    }
    for (int i = 0; i < kids && n < max && younger > 22; i++)
        m[n++] = (member_plan_t){1 + (int)rnd_below(younger - 22), (int)(rnd() & 1), REL_CHILD};
    if (elder && n < max && head + 35 <= 98)
        m[n++] = (member_plan_t){head + 22 + (int)rnd_below(14), (int)(rnd() & 1), REL_PARENT};
    return n;
}

/* Member i's tags, consistent with the household: 独居老人 only 60 and over
 * alone, 空巢老人 60 and over with no child of theirs at home, 留守儿童 under 16
 * in a village, veterans grown men, the rest now and then. */
static char person_tags(const member_plan_t *m, int n, int i, int village)
{
    int has_child = 0, age = m[i].age;
    for (int k = 0; k < n; k++)
        has_child |= m[k].relation == REL_CHILD;
    char t = 0;
    if (age >= 60 && n == 1)
        t |= 1 << TAG_ELDERLY_ALONE;
    if (age >= 60 && n > 1 && m[i].relation != REL_PARENT && !has_child)
        t |= 1 << TAG_EMPTY_NEST;
    if (rnd_below(100) < 2)
        t |= 1 << TAG_DISABLED;
    if (rnd_below(100) < 3)
        t |= 1 << TAG_LOW_INCOME;
    if (rnd_below(100) < (village ? 4 : 1))
        t |= 1 << TAG_POVERTY;
    if (m[i].male && age >= 22 && rnd_below(100) < 5)
        t |= 1 << TAG_VETERAN;
    if (age < 16 && village && rnd_below(100) < 25)
        t |= 1 << TAG_LEFT_BEHIND;
    if (age >= 18 && rnd_below(100) < 1)
        t |= 1 << TAG_KEY_ATTENTION;
    return t;
}

/* One resident of household hh in building, as planned by m. NULL if stopped. */
static op_t *gen_person(gen_t *g, const community_t *c, int dindex, int64_t building, int64_t hh,
                        const member_plan_t *m, const char *surname, char ptags, int64_t branch)
{
    op_t *o = emit(g, OP_PERSON);
    if (o == NULL)
        return NULL;
    o->id = g->next_person++;
    o->org = building;
    o->ref = hh;
    o->branch = branch;
    int male = m->male;
    int year = g->year - m->age, month = 1 + (int)rnd_below(12), day = 1 + (int)rnd_below(28);
    char idc[19], phone[12];
    synthetic_id(idc, dindex, c->district_code, year, month, day, male);
    snprintf(o->u.p.name, sizeof o->u.p.name, "%s%s", surname,
             (male ? given_male : given_female)[rnd_below(NGIVEN)]);
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
    o->u.p.relation = (char)m->relation;
    o->u.p.worker_grid = 0;
    o->u.p.community = c->id;
    count(building, F_RESIDENTS);
    g->persons++;
    o->u.p.tags = ptags;
    for (int t = 0; t < 8; t++) {
        if (ptags & (1 << t))
            count(building, F_TAG0 + t);
    }
    o->u.p.member = 0;
    if (m->age >= 19 && rnd_below(1000) < 75) {
        /* Formal members joined at 18 or older, at least a year ago; probationary
         * members within the last year. */
        int formal = m->age >= 20 && rnd_below(100) < 94, service = m->age < 60 && rnd_below(100) < 40;
        if (formal) {
            int first = year + 18, last = g->year - 2;
            snprintf(o->u.p.joined, sizeof o->u.p.joined, "%04d-%02d-%02d", (first + (int)rnd_below(last - first + 1)) % 10000,
                     1 + (int)rnd_below(12), 1 + (int)rnd_below(28));
        } else {
            date_of(g->now - (1 + rnd_below(360)) * 86400, o->u.p.joined);
        }
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

/* A 书记's name for party organisation po, from the seed. */
static void secretary_name(char out[32], int64_t po)
{
    int male = (int)shape_pick(po, 20, 0, 2);
    snprintf(out, 32, "%s%s", surnames[shape_pick(po, 21, 0, 20)],
             (male ? given_male : given_female)[shape_pick(po, 22, 0, NGIVEN)]);
}

/* The GB 11714 check character of an organisation code's eight characters. */
static char org_code_check(const char *body)
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (body[i] >= 'A' ? body[i] - 'A' + 10 : body[i] - '0') * w[i];
    int c = 11 - sum % 11;
    return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/* The community's resident units (驻区单位): two to five, from its id alone;
 * some with their own 党支部 under the community's 党委. 0, or -1 if stopped. */
static int gen_units(gen_t *g, const community_t *c, int64_t branch)
{
    static const int village_types[] = {2, 2, 3, 4, 1};
    static const char *const agencies[] = {"%s派出所", "%s司法所", "%s市场监督管理所", "%s税务所"};
    static const char *const enterprises[] = {"国网合肥供电公司%s供电所", "中国邮政集团合肥%s支局", "合肥供水集团%s营业所",
                                              "中国工商银行合肥%s支行"};
    static const char *const schools[] = {"合肥市%s小学", "%s幼儿园", "合肥市%s中学", "%s中心幼儿园"};
    static const char *const societies[] = {"%s老年人协会", "%s志愿者协会", "%s商会", "%s社会工作服务中心"};
    int n = 2 + (int)shape_pick(c->id, 10, 0, 4);
    for (int i = 0; i < n; i++) {
        int type = c->village ? village_types[shape_pick(c->id, 11, i, 5)] : (int)shape_pick(c->id, 11, i, 5);
        int variant = (int)((shape_pick(c->id, 12, 0, 4) + i) % 4);
        op_t *o = emit(g, OP_UNIT);
        if (o == NULL)
            return -1;
        o->id = g->next_unit++;
        o->org = c->id;
        o->branch = branch;
        o->sub = type;
        char *name = o->u.unit.name;
        size_t size = sizeof o->u.unit.name;
        switch (type) {
        case 0:
            snprintf(name, size, agencies[variant], c->base);
            break;
        case 1:
            snprintf(name, size, enterprises[variant], c->base);
            break;
        case 2:
            if (c->village)
                snprintf(name, size, "合肥市%s%s种植专业合作社", c->base, brand_names[shape_pick(c->id, 13, i, NELEM(brand_names))]);
            else
                snprintf(name, size, "合肥%s%s", brand_names[shape_pick(c->id, 13, i, NELEM(brand_names))],
                         trades[shape_pick(c->id, 14, i, NELEM(trades))]);
            break;
        case 3:
            snprintf(name, size, schools[variant], c->base);
            break;
        default:
            snprintf(name, size, societies[variant], c->base);
        }
        /* 统一社会信用代码: the registering authority and kind, the district, an
         * organisation code with its GB 11714 check, the GB 32100 check. */
        static const char *const authority[] = {"11", "91", "91", "12", "51"};
        char code[32], body[16];
        snprintf(body, sizeof body, "%08d", (int)((o->id * 7919 + 13579) % 100000000));
        snprintf(code, sizeof code, "%s%.6s%.8s%c", type == 2 && c->village ? "93" : authority[type], c->district_code,
                 body, org_code_check(body));
        code[17] = credit_code_check_char(code);
        code[18] = '\0';
        str_copy(o->u.unit.credit_code, sizeof o->u.unit.credit_code, code);
        snprintf(o->u.unit.address, sizeof o->u.unit.address, "%s%lld号", roads[shape_pick(c->id, 15, i, NELEM(roads))],
                 (long long)(1 + shape_pick(c->id, 16, i, 399)));
        count(c->id, F_UNITS);
        count(c->id, F_UNIT0 + type);
        o->ref = 0;
        if (shape_pick(c->id, 17, i, 100) < (type == 4 ? 20 : 45)) {
            o->ref = g->next_party_org++;
            secretary_name(o->secretary, o->ref);
            count(c->id, F_PARTY_ORGS);
            count(c->id, F_PO_BRANCH);
        }
    }
    return 0;
}

/* Grid gi's name: 第3网格, or named after an area (东片网格 in a village). */
static void grid_name(char *out, size_t size, const community_t *c, int gi)
{
    static const char *const sides[] = {"东片", "西片", "南片", "北片", "中心"};
    if (c->named_grids && c->village)
        snprintf(out, size, "%s网格", sides[gi]);
    else if (c->named_grids)
        snprintf(out, size, "%s网格", areas[(shape_pick(c->id, 3, 0, NAREAS) + gi * 7) % NAREAS]);
    else
        snprintf(out, size, "第%d网格", gi + 1);
}

/* The whole city, community by community, in the order the rows get their ids. */
static void *generate(void *arg)
{
    gen_t *g = arg;
    for (size_t ci = 0; ci < g->ncomm; ci++) {
        const community_t *c = &g->cs[ci];
        int dindex = 0;
        while (strcmp(g->dcodes[dindex], c->district_code) != 0)
            dindex++;
        int ngrids = c->ngrids;
        /* The community's outline, a rectangle inside its district's real one
         * (demo_places.c), its grids tiling it. */
        op_t *o = emit(g, OP_OUTLINE);
        if (o == NULL)
            goto stopped;
        o->org = c->id;
        rect_geojson(o, c->rect[0], c->rect[1], c->rect[2], c->rect[3]);
        /* A 党委 per community, its resident units, then the grids, the 书记 last. */
        o = emit(g, OP_BRANCH);
        if (o == NULL)
            goto stopped;
        int64_t branch = o->id = g->next_party_org++;
        o->org = c->id;
        count(c->id, F_PARTY_ORGS);
        count(c->id, F_PO_COMMITTEE);
        if (gen_units(g, c, branch) != 0)
            goto stopped;
        /* The community's households spread over its real-sized layout, a few
         * to a building: its buildings (or 村民组) are numbered across the
         * community, each grid starting a new one; the generated households go
         * in runs of per_run (at least 8, the whole building in the full-sized
         * city) into buildings spread evenly over them (the middle of each
         * stretch), their rooms spread over the floors. A household's building
         * gives its grid. */
        int64_t first_pid = 0, secretary = 0, placed = 0, hi = 0, helper = 0, nbuild = 0, per = c->per_building;
        int64_t grid_ids[MAX_GRIDS], grid_end[MAX_GRIDS];
        uint8_t staffed[MAX_GRIDS] = {0}; /* grids that found their 网格员 among their residents */
        for (int gi = 0; gi < ngrids; gi++)
            grid_end[gi] = nbuild += (g_grids[c->first_grid + gi].households + per - 1) / per;
        int64_t est = c->residents * 10 / 28 > 0 ? c->residents * 10 / 28 : 1;
        int64_t per_run = (est + nbuild - 1) / nbuild;
        per_run = per_run < 8 ? 8 : per_run > per ? per : per_run;
        int64_t runs = (est + per_run - 1) / per_run;
        for (int gi = 0; gi < ngrids; gi++) {
            const grid_plan_t *gp = &g_grids[c->first_grid + gi];
            if ((o = emit(g, OP_GRID)) == NULL)
                goto stopped;
            int64_t grid = grid_ids[gi] = o->id = g->next_org++;
            o->org = c->id;
            o->ref = gp->party_org ? g->next_party_org++ : 0;
            o->sub = gp->party_org == 2;
            o->branch = branch;
            if (o->ref)
                secretary_name(o->secretary, o->ref);
            grid_name(o->u.area.name, sizeof o->u.area.name, c, gi);
            if (path_child(o->u.area.path, sizeof o->u.area.path, c->path, grid) != 0)
                abort(); /* community paths come from the database, checked on the way in */
            double x0, x1, y0, y1;
            grid_rect(c, gi, &x0, &x1, &y0, &y1);
            rect_geojson(o, x0, x1, y0, y1);
            double gw = x1 - x0, gh = y1 - y0;
            char gpath[96];
            str_copy(gpath, sizeof gpath, o->u.area.path);
            g->grids++;
            count(grid, F_GRIDS);
            if (gp->party_org) {
                count(grid, F_PARTY_ORGS);
                count(grid, F_PO_AT_GRID);
                count(grid, gp->party_org == 2 ? F_PO_BRANCH : F_PO_GROUP);
            }
            int64_t building = 0, bno = 0;
            int worker = 0;
            while (placed < c->residents) {
                /* The hi-th household: run q, r-th in it; past the estimate, new buildings at the end. */
                int64_t q = hi / per_run, r = hi % per_run;
                int64_t bi = q < runs ? (2 * q + 1) * nbuild / (2 * runs) : nbuild + (q - runs);
                if (bi >= grid_end[gi] && gi < ngrids - 1)
                    break; /* the next grid's */
                hi++;
                int64_t b = bi + 1, pos = (2 * r + 1) * per / (2 * per_run);
                if (b != bno) {
                    if ((o = emit(g, OP_BUILDING)) == NULL)
                        goto stopped;
                    building = o->id = g->next_org++;
                    bno = b;
                    o->org = grid;
                    if (c->village)
                        snprintf(o->u.area.name, sizeof o->u.area.name, "第%d村民组", (int)(b % 100000));
                    else
                        snprintf(o->u.area.name, sizeof o->u.area.name, "%d%s", (int)(b % 100000), c->building_word);
                    if (path_child(o->u.area.path, sizeof o->u.area.path, gpath, building) != 0)
                        abort();
                    count(building, F_BUILDINGS);
                    double bx = x0 + gw * (0.05 + 0.9 * rnd_unit()), by = y0 + gh * (0.05 + 0.9 * rnd_unit());
                    snprintf(o->u.area.geo, sizeof o->u.area.geo, "{\"coordinates\":[%.6f,%.6f],\"type\":\"Point\"}",
                             bx, by);
                    area_box(o, bx, bx, by, by);
                }
                if ((o = emit(g, OP_HOUSEHOLD)) == NULL)
                    goto stopped;
                int64_t hh = o->id = g->next_household++;
                o->org = building;
                if (c->village) {
                    snprintf(o->u.address, sizeof o->u.address, "第%d村民组%d号", (int)(b % 100000), (int)(pos + 1) % 10000);
                } else {
                    int64_t per_unit = (int64_t)c->floors * c->doors, rest = pos % per_unit;
                    snprintf(o->u.address, sizeof o->u.address, "%d%s%d单元%d室", (int)(b % 100000), c->building_word,
                             (int)(pos / per_unit + 1) % 100, (int)((rest / c->doors + 1) * 100 + rest % c->doors + 1) % 10000);
                }
                count(building, F_HOUSEHOLDS);
                g->households++;
                member_plan_t m[HOUSEHOLD_MAX];
                int left = c->residents - placed > HOUSEHOLD_MAX ? HOUSEHOLD_MAX : (int)(c->residents - placed);
                int n = plan_household(m, left);
                /* Children take the father's surname; a father of the head the head's. */
                const char *sn[HOUSEHOLD_MAX], *father = NULL;
                for (int i = 0; i < n; i++) {
                    sn[i] = surnames[rnd_below(20)];
                    if (m[i].male && m[i].relation <= REL_SPOUSE)
                        father = sn[i];
                }
                for (int i = 0; i < n; i++) {
                    if (m[i].relation == REL_CHILD && father)
                        sn[i] = father;
                    if (m[i].relation == REL_PARENT && m[i].male)
                        sn[i] = sn[0];
                    if ((o = gen_person(g, c, dindex, building, hh, &m[i], sn[i], person_tags(m, n, i, c->village),
                                        branch)) == NULL)
                        goto stopped;
                    if (!worker && m[i].age >= 22 && m[i].age <= 55) { /* the grid's 网格员 */
                        o->u.p.worker_grid = grid;
                        worker = 1;
                        staffed[gi] = 1;
                    }
                    if (helper == 0 && m[i].age >= 22 && m[i].age <= 55)
                        helper = o->id;
                    if (first_pid == 0)
                        first_pid = o->id;
                    if (secretary == 0 && m[i].age >= 30 && m[i].age <= 60)
                        secretary = o->id;
                }
                placed += n;
            }
        }
        if (first_pid > 0) { /* the community's 书记 */
            if ((o = emit(g, OP_SECRETARY)) == NULL)
                goto stopped;
            o->org = c->id;
            o->ref = secretary ? secretary : first_pid;
        }
        /* A grid none of whose residents serves it (a small city has few a
         * grid) gets a resident of its community as its 网格员. */
        for (int gi = 0; first_pid > 0 && gi < ngrids; gi++) {
            if (staffed[gi])
                continue;
            if ((o = emit(g, OP_WORKER)) == NULL)
                goto stopped;
            o->org = grid_ids[gi];
            o->ref = helper ? helper : first_pid;
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
    case OP_OUTLINE: /* replacing one drawn before the demo, if any */
        return geometry_store(db, o->org, "Polygon", o->u.area.geo,
                              (geo_box_t){o->u.area.box[0], o->u.area.box[1], o->u.area.box[2], o->u.area.box[3]}, now);
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
        if (rc == DB_OK && o->kind == OP_GRID && o->ref) {
            char name[64];
            snprintf(name, sizeof name, "%s%s", o->u.area.name, o->sub ? "党支部" : "党小组");
            rc = db_exec(db, NULL,
                         "INSERT INTO party_org (id, org_id, parent_id, kind, name, secretary, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         "iiitttii", o->ref, o->id, o->branch, o->sub ? "党支部" : "党小组", name, o->secretary, now, now);
        }
        return rc;
    case OP_UNIT:
        rc = db_exec(db, NULL,
                     "INSERT INTO unit (id, org_id, name, type, credit_code, address, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "iittttii", o->id, o->org, o->u.unit.name, unit_types[o->sub], o->u.unit.credit_code,
                     o->u.unit.address, now, now);
        if (rc == DB_OK && o->ref) {
            char name[160];
            snprintf(name, sizeof name, "%s党支部", o->u.unit.name);
            rc = db_exec(db, NULL,
                         "INSERT INTO party_org (id, org_id, unit_id, parent_id, kind, name, secretary, created_at,"
                         " updated_at) VALUES (?, ?, ?, ?, '党支部', ?, ?, ?, ?)",
                         "iiiittii", o->ref, o->org, o->id, o->branch, name, o->secretary, now, now);
        }
        return rc;
    case OP_SECRETARY:
        return db_exec(db, NULL,
                       "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                       " VALUES (?, ?, '书记', '2021-01-01', ?, ?)",
                       "iiii", o->ref, o->org, now, now);
    case OP_WORKER:
        return db_exec(db, NULL,
                       "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                       " VALUES (?, ?, '网格员', '2024-01-01', ?, ?)",
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
    (o)->id, (o)->org, (o)->ref, relations[(int)(o)->u.p.relation], (o)->u.p.name, (o)->u.p.male ? "M" : "F",          \
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
                     "iittiIii", o->id, o->branch, p->formal ? "正式" : "预备", p->joined, (int64_t)p->in_service,
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
        } else if (o->kind != OP_SECRETARY && o->kind != OP_WORKER) {
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
        } else if (o->kind == OP_SECRETARY || o->kind == OP_WORKER) {
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
            else if (f >= F_UNIT0)
                snprintf(fig, sizeof fig, "units.%s", unit_types[f - F_UNIT0]);
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


/* The families' demos, in the order they run: each after every record it reads
 * (the assessment after the cases and honours its sources read, attachments
 * after every family that owns files, alliances after the units and party
 * organisations, pay after the norms and cadres). */
typedef struct {
    const char *name;
    int (*run)(db_t *db, const write_ctx_t *w, unsigned long long seed);
} family_demo_t;

static int norms_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    (void)seed;
    return norm_demo(db, w);
}

static int notices_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    (void)seed;
    return notice_demo(db, w);
}

static int attachments_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    (void)seed;
    return attachment_demo(db, w);
}

static const family_demo_t family_demos[] = {
    {"norms", norms_demo},
    {"duty lists", duty_demo},                /* 责任清单 */
    {"notices", notices_demo},                /* 调度通报 */
    {"reviews", review_demo},                 /* 述职评议 */
    {"problems", rect_demo},                  /* 问题清单 and inspections */
    {"cases", case_demo},                     /* 一线为民: a year of them */
    {"honours", honour_demo},                 /* 党建品牌 and 荣誉 */
    {"assessment", assess_demo},              /* 年度综合考核 */
    {"attachments", attachments_demo},
    {"partners", partner_demo},               /* 结对共建 and purchased services */
    {"teams", team_demo},                     /* volunteer and service teams */
    {"service reports", service_report_demo}, /* 双报到 */
    {"claims", claims_demo},                  /* service posts and 微心愿 */
    {"village accounts", village_demo},       /* 村级集体经济 */
    {"alliances", alliance_demo},             /* 区域化党建联盟 */
    {"work teams", wt_demo},                  /* 驻村工作队 and 建档立卡 */
    {"pay", pay_demo},                        /* 村/社区干部报酬 */
    {"venues and funds", venue_funds_demo},   /* 阵地 and 运转经费 */
    {"party development", party_dev_demo},    /* 发展党员 */
    {"party transfers", party_transfer_demo}, /* 组织关系转接 */
    {"member evaluations", member_eval_demo}, /* 民主评议党员 */
    {"dues", dues_demo},                      /* 党费 */
    {"party meetings", party_meeting_demo},   /* 三会一课 */
    {NULL, NULL},
};

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
        rc = next_id(db, &g->next_unit, "unit", "SELECT COALESCE(MAX(id), 0) FROM unit");
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
        cli_stage_show(st, 1);
    /* Every family's records, in this order, each a stage of its own (its time shown). */
    for (const family_demo_t *f = family_demos; rc == DB_OK && f->name; f++) {
        cli_stage_start(st, f->name, 1);
        rc = f->run(db, d->w, d->seed);
        if (rc == DB_OK)
            cli_stage_show(st, 1);
    }
    cli_stage_start(st, "kept figures", 1);
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

/* A community's shape from the seed and its id: population (demo_population),
 * households (2.8 persons each), grids of 300-500 households, the layout of
 * its buildings (or 村民组) and how its grids are named. */
static void community_shape(community_t *c, const char *name, int village)
{
    static const int layouts[][3] = {{6, 3, 2}, {6, 2, 2}, {7, 3, 2}, {11, 2, 2}, {18, 2, 2}, {18, 2, 3}, {26, 2, 2}, {33, 2, 4}};
    c->village = village;
    str_copy(c->base, sizeof c->base, name);
    /* 三合社区 -> 三合, 西童社区村 -> 西童, 五里庙社区居民委员会 -> 五里庙 */
    static const char *const suffixes[] = {"居民委员会", "村民委员会", "居委会", "村委会", "村", "社区"};
    for (size_t i = 0; i < NELEM(suffixes); i++) {
        size_t n = strlen(c->base), m = strlen(suffixes[i]);
        if (n > m + 3 && strcmp(c->base + n - m, suffixes[i]) == 0)
            c->base[n - m] = '\0';
    }
    c->population = demo_population(g_seed, c->id, village);
    c->households = (c->population * 10 + 14) / 28;
    int64_t per_grid = 300 + shape_pick(c->id, 1, 0, 201);
    c->ngrids = (int)((c->households + per_grid / 2) / per_grid);
    c->ngrids = c->ngrids < 1 ? 1 : c->ngrids > MAX_GRIDS ? MAX_GRIDS : c->ngrids;
    c->named_grids = shape_pick(c->id, 4, 0, 3) == 0 && c->ngrids <= (village ? 5 : NAREAS);
    if (village) {
        c->per_building = 25 + (int)shape_pick(c->id, 5, 0, 21);
    } else {
        const int *l = layouts[shape_pick(c->id, 5, 0, NELEM(layouts))];
        c->floors = l[0];
        c->doors = l[2];
        c->per_building = l[0] * l[1] * l[2];
        c->building_word = shape_pick(c->id, 6, 0, 4) == 0 ? "幢" : "栋";
    }
}

/* The households of a community's grids: shares of its households, each
 * grid's weight drawn from 70 to 130. */
static void grid_shapes(const community_t *c)
{
    int64_t sum = 0, cum = 0, before = 0;
    for (int i = 0; i < c->ngrids; i++)
        sum += 70 + shape_pick(c->id, 2, i, 61);
    for (int i = 0; i < c->ngrids; i++) {
        cum += 70 + shape_pick(c->id, 2, i, 61);
        int64_t upto = c->households * cum / sum;
        g_grids[c->first_grid + i].households = upto - before;
        before = upto;
    }
}

static int by_score_desc(const void *a, const void *b)
{
    const int64_t *x = a, *y = b; /* {score, index} */
    return x[0] != y[0] ? (x[0] < y[0] ? 1 : -1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Exactly GRID_PARTY_ORGS grids get a party organisation (all of them in a
 * smaller city): the larger grids more likely; 党支部 from
 * GRID_BRANCH_HOUSEHOLDS households, 党小组 below. */
static void grid_party_orgs(int ngrids)
{
    int64_t(*score)[2] = xcalloc((size_t)ngrids, sizeof *score);
    for (int i = 0; i < ngrids; i++) {
        score[i][0] = g_grids[i].households * (50 + shape_pick(i, 7, 0, 101));
        score[i][1] = i;
    }
    qsort(score, (size_t)ngrids, sizeof *score, by_score_desc);
    for (int i = 0; i < ngrids && i < GRID_PARTY_ORGS; i++) {
        grid_plan_t *gp = &g_grids[score[i][1]];
        gp->party_org = gp->households >= GRID_BRANCH_HOUSEHOLDS ? 2 : 1;
    }
    free(score);
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
                                 "SELECT c.id, c.path, c.kind, c.name, d.code AS district FROM org c"
                                 " JOIN org s ON s.id = c.parent_id JOIN org d ON d.id = s.parent_id"
                                 " WHERE c.level = 'community' ORDER BY c.id",
                                 "");
    size_t ncomm = json_array_size(comms);
    if (ncomm == 0) {
        fprintf(stderr, "jiceng: no communities: run import-divisions first\n");
        json_decref(comms);
        db_close(db);
        return 1;
    }
    if (total < (long long)ncomm) {
        fprintf(stderr, "jiceng: --residents must be at least %zu: one per community\n", ncomm);
        json_decref(comms);
        db_close(db);
        return 2;
    }
    int64_t max_org = 0;
    db_one_int(db, &max_org, "SELECT MAX(id) FROM org", "");
    g_fig_rows = max_org + 1; /* grown as grids and buildings come */
    g_figures = xcalloc((size_t)g_fig_rows * F_COUNT, sizeof *g_figures);
    g_seed = seed;
    community_t *cs = xcalloc(ncomm, sizeof *cs);
    /* Districts by code, for ID address codes. */
    char dcodes[64][7];
    g_districts = 0;
    int64_t population = 0;
    int ngrids = 0;
    for (size_t i = 0; i < ncomm; i++) {
        json_t *c = json_array_get(comms, i);
        community_t *ci = &cs[i];
        ci->id = json_integer_value(json_object_get(c, "id"));
        str_copy(ci->path, sizeof ci->path, json_string_value(json_object_get(c, "path")));
        str_copy(ci->district_code, sizeof ci->district_code, json_string_value(json_object_get(c, "district")));
        community_shape(ci, json_string_value(json_object_get(c, "name")),
                        strcmp(json_string_value(json_object_get(c, "kind")), "village") == 0);
        ci->first_grid = ngrids;
        ngrids += ci->ngrids;
        population += ci->population;
        int k = 0;
        while (k < g_districts && strcmp(dcodes[k], ci->district_code) != 0)
            k++;
        if (k == g_districts && g_districts < 64)
            str_copy(dcodes[g_districts++], 7, ci->district_code);
    }
    json_decref(comms);
    /* Where each community lies: inside its district's real outline. */
    demo_place_t *places = xcalloc(ncomm, sizeof *places);
    double(*rects)[4] = xcalloc(ncomm, sizeof *rects);
    for (size_t i = 0; i < ncomm; i++) {
        places[i].id = cs[i].id;
        str_copy(places[i].district_code, sizeof places[i].district_code, cs[i].district_code);
    }
    char why[256];
    int placed = demo_places(db, places, ncomm, rects, why, sizeof why);
    for (size_t i = 0; i < ncomm; i++)
        memcpy(cs[i].rect, rects[i], sizeof cs[i].rect);
    free(places);
    free(rects);
    if (placed != 0) {
        fprintf(stderr, "jiceng: demo: %s\n", why);
        free(cs);
        free(g_figures);
        db_close(db);
        return 1;
    }
    g_grids = xcalloc((size_t)ngrids, sizeof *g_grids);
    for (size_t i = 0; i < ncomm; i++)
        grid_shapes(&cs[i]);
    grid_party_orgs(ngrids);
    /* One resident each (so every community has its 书记), the rest in
     * proportion to the communities' populations (cumulative rounding: each
     * within one of its exact share, the total exact). */
    int64_t rest = total - (int64_t)ncomm, cum = 0, before = 0;
    for (size_t i = 0; i < ncomm; i++) {
        cum += cs[i].population;
        int64_t upto = (int64_t)((__int128)rest * cum / population);
        cs[i].residents = 1 + upto - before;
        before = upto;
    }
    g_seq = xcalloc((size_t)g_districts * ID_YEARS * 372, sizeof *g_seq);

    write_ctx_t w;
    cli_write_ctx(&w, &keys, "demo");
    w.now = clock_now();
    gen_t *g = xcalloc(1, sizeof *g);
    char today[16];
    date_of(w.now, today);
    g->now = w.now;
    g->year = atoi(today);
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
    free(g_grids);
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
