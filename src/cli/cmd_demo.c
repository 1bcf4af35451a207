/* jiceng demo: a synthetic city over the real divisions. Every community gets
 * grids (about one per 350 households) whose outlines tile a synthetic
 * rectangle, buildings inside them, households, residents with checksum-valid
 * synthetic ID numbers carrying their district's address code, party members
 * (about 7% of adults), branches, cadres and grid workers. The same seed gives
 * the same city. Rows are written straight through the storage layer in one
 * transaction (all or nothing); the figures are summed in memory and written
 * once at the end. */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/internal.h"
#include "core/idcard.h"
#include "core/path.h"
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

static int64_t *g_figures; /* [max_org_id + 1][F_COUNT] */
static int64_t g_max_org;

static void count(int64_t org, int fig)
{
    if (org <= 0 || org > g_max_org) {
        fprintf(stderr, "jiceng: demo: org id %lld beyond the figures table\n", (long long)org);
        abort();
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

static void progress(const char *stage, int64_t done, int64_t total, double t0)
{
    double dt = (double)(clock_mono_ns()) / 1e9 - t0;
    double rate = dt > 0 ? done / dt : 0;
    if (isatty(STDERR_FILENO)) {
        int width = 30, fill = total ? (int)(width * done / total) : width;
        fprintf(stderr, "\r%-12s [%.*s%*s] %lld/%lld  %.0f/s  %.0fs left ", stage, fill,
                "##############################", width - fill, "", (long long)done, (long long)total, rate,
                rate > 0 ? (total - done) / rate : 0);
        if (done >= total)
            fputc('\n', stderr);
    } else if (done >= total) {
        fprintf(stderr, "%s: %lld in %.1fs (%.0f/s)\n", stage, (long long)total, dt, rate);
    }
}

int cmd_demo(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path (default data/jiceng.db or $JICENG_DB)"},
                       {"residents", 1, NULL, "residents in the whole city (default 20000; the real city is 9800000)"},
                       {"seed", 1, NULL, "random seed (default 1): the same seed gives the same city"},
                       {"if-empty", 0, NULL, "do nothing (and succeed) when the city already has residents"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng demo [--db PATH] [--residents N] [--seed S] [--if-empty]\n"
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
    db_one_int(db, &g_max_org, "SELECT MAX(id) FROM org", "");
    g_max_org += (int64_t)ncomm * 64 + total / 10 + 1000; /* room for the grids and buildings to come */
    g_figures = xcalloc((size_t)(g_max_org + 1) * F_COUNT, sizeof *g_figures);
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
    double t0 = (double)clock_mono_ns() / 1e9;
    /* Bulk load: a big page cache, and the secondary indexes of the big tables
     * dropped and rebuilt at the end (a sorted build beats random inserts). */
    int rc = db_exec_script(db, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144");
    json_t *indexes = db_rows_json(db,
                                   "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                                   " AND tbl_name IN ('person', 'person_tag', 'household', 'party_member', 'cadre')",
                                   "");
    if (rc == DB_OK)
        rc = db_begin(db);
    size_t ii;
    json_t *ix;
    json_array_foreach(indexes, ii, ix) {
        /* Names from the catalog (our own schema), quoted as identifiers. */
        const char *name = json_string_value(json_object_get(ix, "name"));
        size_t n = strlen(name);
        char *drop = xmalloc(n + 16);
        memcpy(drop, "DROP INDEX \"", 12);
        memcpy(drop + 12, name, n);
        memcpy(drop + 12 + n, "\"", 2);
        if (rc == DB_OK && strchr(name, '"') == NULL)
            rc = db_exec_script(db, drop);
        free(drop);
    }
    int64_t done = 0, persons = 0, households_n = 0, grids_n = 0, members_n = 0;
    int side = (int)ceil(sqrt((double)ncomm));
    const double lng0 = 116.70, lat0 = 30.95, span_lng = 1.20 / side, span_lat = 1.40 / side;
    for (size_t ci = 0; rc == DB_OK && ci < ncomm; ci++) {
        community_t *c = &cs[ci];
        int dindex = 0;
        while (strcmp(dcodes[dindex], c->district_code) != 0)
            dindex++;
        int64_t hh_total = (c->residents + 2) / 3;
        int ngrids = (int)((hh_total + 349) / 350);
        if (ngrids < 1)
            ngrids = 1;
        /* The community's synthetic area: one cell of a lattice over Hefei's extent. */
        double cx = lng0 + (double)(ci % side) * span_lng, cy = lat0 + (double)(ci / side) * span_lat;
        double gw = span_lng * 0.9 / ngrids, gh = span_lat * 0.9;
        /* A branch per community, plus the 书记 and the grid workers below. */
        int64_t branch = 0;
        rc = db_one_int(db, &branch,
                        "INSERT INTO party_org (org_id, kind, name, created_at, updated_at) VALUES (?, '党委', ?, ?, ?)"
                        " RETURNING id",
                        "itii", c->id, "社区党委", w.now, w.now);
        count(c->id, F_PARTY_ORGS);
        count(c->id, F_PO_COMMITTEE);
        int64_t left = c->residents, first_pid = 0;
        for (int gi = 0; rc == DB_OK && gi < ngrids; gi++) {
            int64_t grid = 0;
            char name[64], gpath[96];
            snprintf(name, sizeof name, "第%d网格", gi + 1);
            rc = db_one_int(db, &grid,
                            "INSERT INTO org (parent_id, level, kind, name, path, depth, created_at, updated_at)"
                            " VALUES (?, 'grid', 'grid', ?, '/pending/', 5, ?, ?) RETURNING id",
                            "itii", c->id, name, w.now, w.now);
            if (rc == DB_OK && path_child(gpath, sizeof gpath, c->path, grid) != 0)
                rc = DB_ERR;
            if (rc == DB_OK)
                rc = db_exec(db, NULL, "UPDATE org SET path = ? WHERE id = ?", "ti", gpath, grid);
            double x0 = cx + gi * gw, y0 = cy;
            char geo[256];
            snprintf(geo, sizeof geo,
                     "{\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]],\"type\":"
                     "\"Polygon\"}",
                     x0, y0, x0 + gw, y0, x0 + gw, y0 + gh, x0, y0 + gh, x0, y0);
            if (rc == DB_OK)
                rc = db_exec(db, NULL,
                             "INSERT INTO org_geometry (org_id, kind, geojson, updated_at) VALUES (?, 'Polygon', ?, ?)",
                             "iti", grid, geo, w.now);
            if (rc == DB_OK)
                rc = db_exec(db, NULL,
                             "INSERT INTO org_geometry_box (org_id, min_lng, max_lng, min_lat, max_lat)"
                             " VALUES (?, ?, ?, ?, ?)",
                             "idddd", grid, x0, x0 + gw, y0, y0 + gh);
            if (rc == DB_OK)
                rc = db_exec(db, NULL,
                             "INSERT INTO party_org (org_id, parent_id, kind, name, created_at, updated_at)"
                             " VALUES (?, ?, '党小组', ?, ?, ?)",
                             "iitii", grid, branch, name, w.now, w.now);
            grids_n++;
            count(grid, F_GRIDS);
            count(grid, F_PARTY_ORGS);
            count(grid, F_PO_GROUP);
            int64_t grid_res = gi == ngrids - 1 ? left : c->residents / ngrids;
            left -= grid_res;
            int64_t grid_hh = (grid_res + 2) / 3;
            int nbuild = (int)((grid_hh + 29) / 30);
            int64_t building = 0, hh = 0, worker = 0;
            int64_t per_building = nbuild ? (grid_hh + nbuild - 1) / nbuild : 1;
            for (int64_t k = 0; rc == DB_OK && k < grid_res; k++) {
                if (k % 3 == 0) { /* a new household, and now and then a new building */
                    int64_t hi = k / 3;
                    if (hi % per_building == 0) {
                        char bpath[128], bname[32];
                        snprintf(bname, sizeof bname, "%lld栋", (long long)(hi / per_building + 1));
                        rc = db_one_int(db, &building,
                                        "INSERT INTO org (parent_id, level, kind, name, path, depth, created_at,"
                                        " updated_at) VALUES (?, 'building', 'building', ?, '/pending/', 6, ?, ?)"
                                        " RETURNING id",
                                        "itii", grid, bname, w.now, w.now);
                        if (rc == DB_OK && path_child(bpath, sizeof bpath, gpath, building) != 0)
                            rc = DB_ERR;
                        if (rc == DB_OK)
                            rc = db_exec(db, NULL, "UPDATE org SET path = ? WHERE id = ?", "ti", bpath, building);
                        count(building, F_BUILDINGS);
                        double bx = x0 + gw * (0.05 + 0.9 * rnd_unit()), by = y0 + gh * (0.05 + 0.9 * rnd_unit());
                        char pt[96];
                        snprintf(pt, sizeof pt, "{\"coordinates\":[%.6f,%.6f],\"type\":\"Point\"}", bx, by);
                        if (rc == DB_OK)
                            rc = db_exec(db, NULL,
                                         "INSERT INTO org_geometry (org_id, kind, geojson, updated_at)"
                                         " VALUES (?, 'Point', ?, ?)",
                                         "iti", building, pt, w.now);
                        if (rc == DB_OK)
                            rc = db_exec(db, NULL,
                                         "INSERT INTO org_geometry_box (org_id, min_lng, max_lng, min_lat, max_lat)"
                                         " VALUES (?, ?, ?, ?, ?)",
                                         "idddd", building, bx, bx, by, by);
                    }
                    char addr[96];
                    snprintf(addr, sizeof addr, "%lld栋 %lld室", (long long)(hi / per_building + 1),
                             (long long)(101 + hi % per_building));
                    if (rc == DB_OK)
                        rc = db_one_int(db, &hh,
                                        "INSERT INTO household (org_id, address, created_at, updated_at)"
                                        " VALUES (?, ?, ?, ?) RETURNING id",
                                        "itii", building, addr, w.now, w.now);
                    count(building, F_HOUSEHOLDS);
                    households_n++;
                }
                int male = (int)(rnd() & 1);
                int year = 1930 + (int)rnd_below(95), month = 1 + (int)rnd_below(12), day = 1 + (int)rnd_below(28);
                char idc[19], pname[32], phone[12], masked[32], hash[PII_HASH_HEX + 1], phash[PII_HASH_HEX + 1],
                    pmask[16];
                synthetic_id(idc, dindex, c->district_code, year, month, day, male);
                snprintf(pname, sizeof pname, "%s%s", surnames[rnd_below(20)], given[rnd_below(24)]);
                snprintf(phone, sizeof phone, "1%d%09lld", 3 + (int)rnd_below(7), (long long)rnd_below(1000000000));
                char birth[11];
                snprintf(birth, sizeof birth, "%04d-%02d-%02d", year, month, day);
                char *enc = pii_encrypt(&keys, "person.id_card", idc), *penc = pii_encrypt(&keys, "person.phone", phone);
                pii_lookup_hash(hash, &keys, "person.id_card", idc);
                pii_lookup_hash(phash, &keys, "person.phone", phone);
                idcard_mask(masked, sizeof masked, idc);
                phone_mask(pmask, sizeof pmask, phone);
                int64_t pid = 0;
                if (rc == DB_OK)
                    rc = db_one_int(db, &pid,
                                    "INSERT INTO person (org_id, household_id, relation, name, gender, birth_date,"
                                    " id_card_enc, id_card_hash, id_card_masked, id_card_tail, phone_enc, phone_hash,"
                                    " phone_masked, phone_tail, created_at, updated_at)"
                                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                    "iittttttttttttii", building, hh, k % 3 == 0 ? "户主" : "配偶", pname,
                                    male ? "M" : "F", birth, enc, hash, masked, idc + 14, penc, phash, pmask,
                                    phone + 7, w.now, w.now);
                free(enc);
                free(penc);
                count(building, F_RESIDENTS);
                persons++;
                for (int t = 0; rc == DB_OK && t < 8; t++) {
                    if (rnd_below(100) < 3) {
                        rc = db_exec(db, NULL, "INSERT INTO person_tag (person_id, tag) VALUES (?, ?)", "it", pid,
                                     tags[t]);
                        count(building, F_TAG0 + t);
                    }
                }
                if (rc == DB_OK && k == 0) { /* the grid's worker */
                    worker = pid;
                    rc = db_exec(db, NULL,
                                 "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                                 " VALUES (?, ?, '网格员', '2024-01-01', ?, ?)",
                                 "iiii", worker, grid, w.now, w.now);
                }
                if (rc == DB_OK && year <= 2008 && rnd_below(100) < 7) {
                    int formal = rnd_below(100) < 95, service = rnd_below(100) < 30;
                    rc = db_exec(db, NULL,
                                 "INSERT INTO party_member (person_id, party_org_id, status, joined_on, in_service,"
                                 " registered_org_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 "iittiIii", pid, branch, formal ? "正式" : "预备", "2010-07-01", (int64_t)service,
                                 service ? c->id : 0, w.now, w.now);
                    count(c->id, F_PM);
                    count(c->id, formal ? F_PM_FORMAL : F_PM_PROB);
                    if (service) {
                        count(c->id, F_PM_SERVICE);
                        count(c->id, F_REGISTERED);
                    }
                    members_n++;
                }
                if (first_pid == 0)
                    first_pid = pid;
                done++;
                if (done % 50000 == 0 && done < total)
                    progress("residents", done, total, t0);
            }
            (void)worker;
        }
        if (rc == DB_OK && first_pid > 0) /* the community's 书记 */
            rc = db_exec(db, NULL,
                         "INSERT INTO cadre (person_id, org_id, post, term_start, created_at, updated_at)"
                         " VALUES (?, ?, '书记', '2021-01-01', ?, ?)",
                         "iiii", first_pid, c->id, w.now, w.now);
    }
    progress("residents", done, total, t0);
    json_array_foreach(indexes, ii, ix) {
        if (rc == DB_OK)
            rc = db_exec_script(db, json_string_value(json_object_get(ix, "sql")));
    }
    json_decref(indexes);
    if (rc == DB_OK)
        progress("indexes", 1, 1, t0);
    /* Figures: each node's count added to every ancestor, written once. */
    if (rc == DB_OK) {
        json_t *paths = db_rows_json(db, "SELECT id, path FROM org", "");
        int64_t *sums = xcalloc((size_t)(g_max_org + 1) * F_COUNT, sizeof *sums);
        size_t i;
        json_t *o;
        json_array_foreach(paths, i, o) {
            int64_t id = json_integer_value(json_object_get(o, "id"));
            if (id > g_max_org)
                continue;
            int64_t ids[PATH_MAX_DEPTH];
            int n = path_ids(json_string_value(json_object_get(o, "path")), ids, PATH_MAX_DEPTH);
            for (int f = 0; f < F_COUNT; f++) {
                int64_t v = g_figures[id * F_COUNT + f];
                for (int k = 0; v && k < n; k++)
                    sums[ids[k] * F_COUNT + f] += v;
            }
        }
        json_decref(paths);
        for (int64_t id = 1; rc == DB_OK && id <= g_max_org; id++) {
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
    }
    if (rc == DB_OK)
        rc = audit_append_new(db, &w, "demo.generated", "org", 1, 1,
                              json_pack("{s:I, s:I, s:I, s:I, s:I}", "seed", (json_int_t)seed, "residents",
                                        (json_int_t)persons, "households", (json_int_t)households_n, "grids",
                                        (json_int_t)grids_n, "party_members", (json_int_t)members_n));
    if (rc == DB_OK)
        rc = db_commit(db);
    else
        db_rollback(db);
    free(g_figures);
    free(g_seq);
    free(cs);
    if (rc != DB_OK) {
        fprintf(stderr, "jiceng: demo failed: %s\n", db_errmsg(db));
        db_close(db);
        return 1;
    }
    db_exec_script(db, "PRAGMA synchronous = FULL");
    db_close(db);
    printf("demo city: %lld residents in %lld households, %lld grids, %lld party members (seed %llu)\n",
           (long long)persons, (long long)households_n, (long long)grids_n, (long long)members_n, seed);
    return 0;
}
