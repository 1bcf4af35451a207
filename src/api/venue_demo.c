/* The demo city's venues and operating funds (docs/venues-funds.md, "Demo"):
 * a record of each kind for every community and village and every year from
 * DEMO_FIRST_YEAR to the last year, deterministic from the seed. The city's
 * averages are exact (sums fitted with demo_fit_sum): venues of communities
 * 532.0 m² in the first year to 1,010.0 in the last, villages 290.0 to 387.0,
 * rising in between; in the last year almost every venue meets the standard
 * that applies (the city's norms venue.min_area and
 * venue.area_per_100_households, read, not assumed), a few do not. Funds in
 * the last year average 134,000 / 176,600 / 221,100 yuan in the tiers of the
 * city's funds.population_tiers, lower before. Populations (and households)
 * are demo_population's, entered (the demo registry holds a sample). No
 * figures are computed here: the demo rebuilds them after every family. */
#include "api/handlers.h"
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

/* Averages in tenths of m²: [kind][first, last]; community 0, village 1. */
static const int64_t venue_avg[2][2] = {{5320, 10100}, {2900, 3870}};
/* The last year's average funds (yuan) of tiers 1, 2, 3. */
static const int64_t funds_avg[3] = {134000, 176600, 221100};

#define K_VENUE 0x7e40ull
#define K_FUNDS 0xf0dull

typedef struct {
    int64_t id, pop, households;
    int village;
    char name[128];
} node_t;

/* The standard (tenths of m²) of the city's norms for a node of kind village
 * with households in year: the higher of those in force; 0 when none. */
static int64_t standard_of(db_t *db, int64_t city, int year, int village, int64_t households)
{
    json_t *v = NULL;
    int64_t std = 0;
    if (norm_get(db, "venue.min_area", city, year, &v) == DB_OK) {
        std = (int64_t)(json_number_value(json_object_get(v, village ? "village" : "community")) * 10 + 0.5);
        json_decref(v);
    }
    if (norm_get(db, "venue.area_per_100_households", city, year, &v) == DB_OK) {
        int64_t per = (int64_t)(json_number_value(v) * 10 + 0.5) * households / 100;
        json_decref(v);
        if (per > std)
            std = per;
    }
    return std;
}

/* Lower the values above their floors (by their room above it, in proportion)
 * or raise them all so that they sum to target; 0, or -1 when they cannot. */
static int fit_above(int64_t *v, const int64_t *floor_, const int *keep, int n, int64_t target)
{
    int64_t sum = 0, room = 0;
    for (int i = 0; i < n; i++) {
        sum += v[i];
        room += keep[i] ? 0 : v[i] - floor_[i];
    }
    int64_t diff = target - sum;
    if (diff > 0) {
        int movable = 0;
        for (int i = 0; i < n; i++)
            movable += !keep[i];
        if (movable == 0)
            return -1;
        int64_t share = diff / movable, rest = diff % movable;
        for (int i = 0; i < n; i++)
            if (!keep[i])
                v[i] += share + (rest-- > 0 ? 1 : 0);
        return 0;
    }
    if (-diff > room)
        return -1;
    int64_t left = -diff;
    for (int i = 0; i < n && room > 0; i++) {
        if (keep[i])
            continue;
        int64_t cut = (-diff) * (v[i] - floor_[i]) / room;
        v[i] -= cut;
        left -= cut;
    }
    while (left > 0) { /* what the proportional cuts rounded off, a unit at a time */
        int moved = 0;
        for (int i = 0; i < n && left > 0; i++)
            if (!keep[i] && v[i] > floor_[i]) {
                v[i]--;
                left--;
                moved = 1;
            }
        if (!moved)
            return -1;
    }
    return 0;
}

/* The functions of a venue of area (tenths): more rooms in a bigger one. */
static const char *functions_of(int64_t area, unsigned long long seed, int64_t id, int year)
{
    static const char *const sets[] = {
        "[\"party_room\",\"service_hall\"]",
        "[\"party_room\",\"service_hall\",\"meeting_room\"]",
        "[\"party_room\",\"service_hall\",\"meeting_room\",\"library\",\"mediation\"]",
        "[\"party_room\",\"service_hall\",\"meeting_room\",\"library\",\"mediation\",\"culture_sports\"]",
        "[\"party_room\",\"service_hall\",\"meeting_room\",\"library\",\"day_care\",\"mediation\","
        "\"culture_sports\",\"children\"]",
    };
    int k = area < 2500 ? 0 : area < 4000 ? 1 : area < 7000 ? 2 : area < 10000 ? 3 : 4;
    if (k > 0 && demo_pick(seed, K_VENUE * 7919ull + (unsigned long long)(id * 31 + year), 4) == 0)
        k--;
    return sets[k];
}

static int venue_rows(db_t *db, const write_ctx_t *w, unsigned long long seed, int64_t city, node_t *nodes, int n,
                      int village)
{
    int y0 = DEMO_FIRST_YEAR, y1 = demo_last_year(w), years = y1 - y0 + 1;
    int64_t *first = calloc((size_t)n, sizeof *first), *last = calloc((size_t)n, sizeof *last);
    int64_t *std = calloc((size_t)n, sizeof *std), *v = calloc((size_t)n, sizeof *v);
    int *keep = calloc((size_t)n, sizeof *keep);
    int rc = first && last && std && v && keep ? DB_OK : DB_ERR;
    const int64_t a0 = venue_avg[village][0], a1 = venue_avg[village][1];
    /* The first year: around the average, 60% to 140%. The last: the
     * standard and some room above it, one in twenty-five below it. */
    for (int i = 0; rc == DB_OK && i < n; i++) {
        unsigned long long k = K_VENUE * 1000003ull + (unsigned long long)nodes[i].id * 4;
        first[i] = a0 * (60 + demo_pick(seed, k, 81)) / 100;
        std[i] = standard_of(db, city, y1, village, nodes[i].households);
        keep[i] = demo_pick(seed, k + 1, 25) == 0;
        last[i] = keep[i] ? std[i] * (85 + demo_pick(seed, k + 2, 13)) / 100
                          : std[i] + (a1 - std[i] > 0 ? a1 - std[i] : 0) + demo_pick(seed, k + 3, 1500);
    }
    if (rc == DB_OK && (demo_fit_sum(first, n, a0 * n, 300, 100000) != 0 || fit_above(last, std, keep, n, a1 * n) != 0))
        rc = DB_ERR;
    for (int y = y0; rc == DB_OK && y <= y1; y++) {
        for (int i = 0; i < n; i++)
            v[i] = y == y1 ? last[i] : first[i] + (last[i] - first[i]) * (y - y0) / (years - 1);
        int64_t avg = a0 + (a1 - a0) * (y - y0) / (years - 1);
        if (y != y1 && demo_fit_sum(v, n, avg * n, 300, 100000) != 0)
            rc = DB_ERR;
        for (int i = 0; rc == DB_OK && i < n; i++) {
            char name[160];
            snprintf(name, sizeof name, "%s党群服务中心", nodes[i].name);
            rc = db_exec(db, NULL,
                         "INSERT INTO venue (org_id, year, name, area_x10, functions, address, households,"
                         " households_source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'entered', ?, ?)",
                         "iitittiii", nodes[i].id, (int64_t)y, name, v[i], functions_of(v[i], seed, nodes[i].id, y),
                         nodes[i].name, nodes[i].households, w->now, w->now);
        }
    }
    free(first);
    free(last);
    free(std);
    free(v);
    free(keep);
    return rc;
}

/* The tier (1-based) of a population under the city's funds.population_tiers in year; 0 when none applies. */
static int tier_of(db_t *db, int64_t city, int year, int64_t pop)
{
    json_t *cuts = NULL;
    if (norm_get(db, "funds.population_tiers", city, year, &cuts) != DB_OK)
        return 0;
    size_t i;
    json_t *c;
    int tier = 1;
    json_array_foreach(cuts, i, c) {
        if (json_number_value(c) <= (double)pop)
            tier++;
    }
    json_decref(cuts);
    return tier;
}

static int funds_rows(db_t *db, const write_ctx_t *w, unsigned long long seed, int64_t city, node_t *nodes, int n)
{
    int y0 = DEMO_FIRST_YEAR, y1 = demo_last_year(w);
    int64_t *last = calloc((size_t)n, sizeof *last), *v = calloc((size_t)n, sizeof *v);
    int *tier = calloc((size_t)n, sizeof *tier);
    int rc = last && v && tier ? DB_OK : DB_ERR;
    /* The last year: each tier's records fitted to its average exactly. */
    for (int t = 1; rc == DB_OK && t <= 3; t++) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            tier[i] = tier_of(db, city, y1, nodes[i].pop);
            if (tier[i] == t)
                v[m++] = funds_avg[t - 1] * (80 + demo_pick(seed, K_FUNDS * 1000003ull + (unsigned long long)nodes[i].id, 41)) / 100;
        }
        /* every tier has members: an empty one is an error of the demo */
        if (m == 0 || demo_fit_sum(v, m, funds_avg[t - 1] * m, funds_avg[t - 1] / 2, funds_avg[t - 1] * 2) != 0)
            rc = DB_ERR;
        for (int i = 0, j = 0; rc == DB_OK && i < n; i++)
            if (tier[i] == t)
                last[i] = v[j++];
    }
    /* Earlier years: from 55% of the last year's in the first year, rising. */
    for (int y = y0; rc == DB_OK && y <= y1; y++) {
        for (int i = 0; rc == DB_OK && i < n; i++) {
            int64_t total = y == y1 ? last[i] : last[i] * (55 + 40 * (y - y0) / (y1 - y0)) / 100;
            int64_t basic = total * 45 / 100, office = total * 12 / 100, ops = total * 18 / 100,
                    special = total * 20 / 100, others = total - basic - office - ops - special;
            rc = db_exec(db, NULL,
                         "INSERT INTO operating_fund (org_id, year, basic_pay, office, service_ops, special_fund, others,"
                         " population, population_source, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'entered', ?, ?)",
                         "iiiiiiiiii", nodes[i].id, (int64_t)y, basic, office, ops, special, others, nodes[i].pop,
                         w->now, w->now);
        }
    }
    free(last);
    free(v);
    free(tier);
    return rc;
}

int venue_funds_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    int64_t city = 0;
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    json_t *rows = rc == DB_OK ? db_rows_json(db,
                                              "SELECT id, kind, name FROM org WHERE level = 'community'"
                                              " AND kind IN ('community', 'village') ORDER BY id",
                                              "")
                               : NULL;
    if (rows == NULL)
        return rc == DB_OK ? DB_ERR : rc;
    int total = (int)json_array_size(rows);
    node_t *nodes = calloc((size_t)total + 1, sizeof *nodes);
    int counts[2] = {0, 0};
    size_t i;
    json_t *r;
    /* communities first, then villages */
    for (int village = 0; nodes && village < 2; village++)
        json_array_foreach(rows, i, r) {
            if ((strcmp(json_string_value(json_object_get(r, "kind")), "village") == 0) != village)
                continue;
            node_t *nd = &nodes[counts[0] + counts[1]];
            nd->id = json_integer_value(json_object_get(r, "id"));
            nd->village = village;
            nd->pop = demo_population(seed, nd->id, village);
            nd->households = nd->pop * 10 / 28; /* 2.8 residents a household */
            snprintf(nd->name, sizeof nd->name, "%s", json_string_value(json_object_get(r, "name")));
            counts[village]++;
        }
    json_decref(rows);
    rc = nodes ? DB_OK : DB_ERR;
    if (rc == DB_OK && counts[0] > 0)
        rc = venue_rows(db, w, seed, city, nodes, counts[0], 0);
    if (rc == DB_OK && counts[1] > 0)
        rc = venue_rows(db, w, seed, city, nodes + counts[0], counts[1], 1);
    if (rc == DB_OK && total > 0)
        rc = funds_rows(db, w, seed, city, nodes, total);
    free(nodes);
    return rc;
}
