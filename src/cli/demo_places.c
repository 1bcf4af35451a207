/* Where the demo city's communities lie: inside their district's real outline
 * (data/divisions/hefei-outlines.geojson, loaded by import-divisions), so a real
 * location lands in the right district (docs/demo.md, "Where things are").
 *
 * Per district, a lattice of square cells over its outline, sized so that about
 * half again as many cells as it has communities lie wholly inside; the cells
 * in the order of a Hilbert curve, so consecutive cells are neighbours. A
 * district that hosts development zones (no outline of their own) gives its
 * own communities the cells nearest its seat, then each zone in turn the cells
 * nearest to where it really lies. Within each, the communities in id order
 * (street by street) take one cell each, or two neighbouring ones while spare
 * cells last: a community's outline is a rectangle, its street's communities
 * its neighbours.
 * Everything follows from the outlines and the community list alone. */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "lib/util.h"

/* Metres per degree of latitude, as core/geo_shape.c projects. */
#define M_PER_DEG 111320.0
/* Cells wanted per community, over the communities a district holds. */
#define CELLS_PER_COMMUNITY 1.5
/* A cell counts as inside when it grown by this (degrees, about a metre) is
 * inside: its corners, rounded to six decimals, stay within the outline. */
#define CELL_MARGIN 1e-5
#define MAX_PARTS 64

/* The development zones: no outline of their own; their communities go into
 * the host district's cells nearest to where the zone really lies, after the
 * host's own communities have taken the cells nearest to its seat (the town
 * centre, where its communities are; a host's west is mostly villages). */
static const struct zone {
    const char *code, *host;
    double lng, lat;
} zones[] = {
    {"340104", "340104", 117.2605, 31.8512}, /* 蜀山区's seat, its own communities first */
    {"340177", "340104", 117.205, 31.785},   /* 经开区: south-west, between 蜀山区 and 包河区 */
    {"340176", "340104", 117.14, 31.83},     /* 高新区: west of 蜀山区, the rest of it */
    {"340102", "340102", 117.3095, 31.8579}, /* 瑶海区's seat */
    {"340178", "340102", 117.37, 31.93},     /* 新站区: north-east of 瑶海区 */
};
#define NELEM_ZONES (sizeof zones / sizeof zones[0])

typedef struct cell {
    int i, j;
    uint64_t order; /* along the Hilbert curve */
    double dist;    /* to the zone being served, in cells */
} cell_t;

/* The index of (x, y) along a Hilbert curve over an n x n lattice (n a power of two). */
static uint64_t hilbert(uint32_t n, uint32_t x, uint32_t y)
{
    uint64_t d = 0;
    for (uint32_t s = n / 2; s > 0; s /= 2) {
        uint32_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

static int by_order(const void *a, const void *b)
{
    const cell_t *x = a, *y = b;
    return (x->order > y->order) - (x->order < y->order);
}

static int by_dist(const void *a, const void *b)
{
    const cell_t *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return by_order(a, b);
}

/* A district's lattice: cells of dx by dy degrees from (lng0, lat0). */
typedef struct lattice {
    double lng0, lat0, dx, dy;
    cell_t *cells;
    size_t n;
} lattice_t;

/* A lattice line, rounded to six decimals: neighbours share their edges exactly. */
static double line_at(double origin, double step, int k)
{
    return round((origin + step * k) * 1e6) / 1e6;
}

/* Is the cell (i, j), grown by CELL_MARGIN, inside one of the parts? -1 if GEOS failed. */
static int cell_inside(geo_ctx_t *ctx, geo_shape_t **parts, int nparts, const lattice_t *l, int i, int j, double lat0)
{
    double x0 = line_at(l->lng0, l->dx, i) - CELL_MARGIN, x1 = line_at(l->lng0, l->dx, i + 1) + CELL_MARGIN;
    double y0 = line_at(l->lat0, l->dy, j) - CELL_MARGIN, y1 = line_at(l->lat0, l->dy, j + 1) + CELL_MARGIN;
    geo_pt_t ring[5] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
    const geo_pt_t *rings[1] = {ring};
    size_t len[1] = {5};
    geo_poly_t poly = {rings, len, 1};
    geo_shape_t *cell = geo_shape_new(ctx, &poly, lat0);
    if (cell == NULL)
        return -1;
    int in = 0;
    for (int p = 0; p < nparts && in == 0; p++)
        in = geo_shape_covers(ctx, parts[p], cell);
    geo_shape_free(ctx, cell);
    return in;
}

/* The cells of side metres wholly inside the district, in Hilbert order. 0 or -1. */
static int lattice_make(geo_ctx_t *ctx, geo_shape_t **parts, int nparts, geo_box_t box, double side, lattice_t *l)
{
    double lat0 = (box.min_lat + box.max_lat) / 2;
    l->lng0 = box.min_lng;
    l->lat0 = box.min_lat;
    l->dy = side / M_PER_DEG;
    l->dx = side / (M_PER_DEG * cos(lat0 * M_PI / 180.0));
    int nx = (int)ceil((box.max_lng - box.min_lng) / l->dx), ny = (int)ceil((box.max_lat - box.min_lat) / l->dy);
    uint32_t n = 1;
    while (n < (uint32_t)nx || n < (uint32_t)ny)
        n *= 2;
    free(l->cells);
    l->cells = xcalloc((size_t)nx * (size_t)ny, sizeof *l->cells);
    l->n = 0;
    for (int j = 0; j < ny; j++) {
        for (int i = 0; i < nx; i++) {
            int in = cell_inside(ctx, parts, nparts, l, i, j, lat0);
            if (in < 0)
                return -1;
            if (in)
                l->cells[l->n++] = (cell_t){i, j, hilbert(n, (uint32_t)i, (uint32_t)j), 0};
        }
    }
    qsort(l->cells, l->n, sizeof *l->cells, by_order);
    return 0;
}

static int neighbours(const cell_t *a, const cell_t *b)
{
    return abs(a->i - b->i) + abs(a->j - b->j) == 1;
}

/* Give the m communities idx[0..m) (indexes into rects) the cells c[0..n), in
 * order: one each, or two neighbouring ones while spare cells last. 0, or -1
 * if there are fewer cells than communities. */
static int share_cells(const lattice_t *l, const cell_t *c, size_t n, const int *idx, size_t m, double (*rects)[4])
{
    if (n < m)
        return -1;
    size_t spare = n - m < m ? n - m : m, extra = 0, p = 0;
    for (size_t k = 0; k < m; k++) {
        const cell_t *a = &c[p], *b = a;
        /* Two cells while behind the even spread of spares and enough are left. */
        if (extra < (k + 1) * spare / m && n - p >= m - k + 1 && p + 1 < n && neighbours(a, &c[p + 1])) {
            b = &c[p + 1];
            extra++;
            p++;
        }
        p++;
        int i0 = a->i < b->i ? a->i : b->i, i1 = (a->i > b->i ? a->i : b->i) + 1;
        int j0 = a->j < b->j ? a->j : b->j, j1 = (a->j > b->j ? a->j : b->j) + 1;
        double *r = rects[idx[k]];
        r[0] = line_at(l->lng0, l->dx, i0);
        r[1] = line_at(l->lng0, l->dx, i1);
        r[2] = line_at(l->lat0, l->dy, j0);
        r[3] = line_at(l->lat0, l->dy, j1);
    }
    return 0;
}

/* One district and the zones it hosts: their communities' rectangles. */
static int place_district(db_t *db, geo_ctx_t *ctx, const char *code, const demo_place_t *cs, size_t ncomm,
                          double (*rects)[4], char *msg, size_t cap)
{
    /* Who takes cells here, in this order: a host itself and the zones it
     * hosts (each its cells nearest to its place), else the district alone. */
    const struct zone *claim[NELEM_ZONES];
    const struct zone alone = {code, code, 0, 0};
    int nclaim = 0;
    for (size_t z = 0; z < NELEM_ZONES; z++)
        if (strcmp(zones[z].host, code) == 0)
            claim[nclaim++] = &zones[z];
    if (nclaim == 0)
        claim[nclaim++] = &alone;
    int *idx = xcalloc(ncomm, sizeof *idx);
    size_t total = 0;
    for (size_t k = 0; k < ncomm; k++)
        for (int c = 0; c < nclaim; c++)
            total += strcmp(cs[k].district_code, claim[c]->code) == 0;
    if (total == 0) {
        free(idx);
        return 0;
    }
    int64_t id = 0;
    geo_shape_t *parts[MAX_PARTS];
    geo_box_t box = {0, 0, 0, 0};
    int nparts = -1;
    if (db_one_int(db, &id, "SELECT id FROM org WHERE code = ?", "t", code) == DB_OK) {
        /* Once for the box, then made at its middle latitude, as every cell is. */
        nparts = outline_shapes(db, ctx, id, 0, parts, MAX_PARTS, &box);
        for (int p = 0; p < nparts; p++)
            geo_shape_free(ctx, parts[p]);
        if (nparts > 0)
            nparts = outline_shapes(db, ctx, id, (box.min_lat + box.max_lat) / 2, parts, MAX_PARTS, &box);
    }
    if (nparts <= 0) {
        snprintf(msg, cap,
                 "district %s has no outline: run import-divisions with data/divisions/hefei-outlines.geojson first",
                 code);
        free(idx);
        return -1;
    }
    double area = 0;
    for (int p = 0; p < nparts; p++)
        area += geo_shape_area(parts[p]);
    /* Cells of the side that leaves the wanted number wholly inside: shrink until it does. */
    size_t want = (size_t)ceil(total * CELLS_PER_COMMUNITY);
    double side = sqrt(area / (double)want);
    lattice_t l = {0};
    int rc = 0;
    for (int tries = 0; rc == 0; tries++) {
        rc = lattice_make(ctx, parts, nparts, box, side, &l);
        if (rc == 0 && l.n >= want)
            break;
        if (tries == 60) {
            rc = -1;
            break;
        }
        side *= 0.95;
    }
    for (int p = 0; p < nparts; p++)
        geo_shape_free(ctx, parts[p]);
    /* Each claimant takes its share, the cells nearest to where it lies; the last the rest. */
    size_t left = l.n;
    for (int c = 0; rc == 0 && c < nclaim; c++) {
        size_t m = 0;
        for (size_t k = 0; k < ncomm; k++)
            if (strcmp(cs[k].district_code, claim[c]->code) == 0)
                idx[m++] = (int)k;
        size_t take = c == nclaim - 1 ? left : (size_t)llround((double)l.n * m / total);
        take = take > left ? left : take;
        if (c < nclaim - 1) {
            const struct zone *z = claim[c];
            double zi = (z->lng - l.lng0) / l.dx - 0.5, zj = (z->lat - l.lat0) / l.dy - 0.5;
            for (size_t k = 0; k < left; k++)
                l.cells[k].dist = hypot(l.cells[k].i - zi, l.cells[k].j - zj);
            qsort(l.cells, left, sizeof *l.cells, by_dist);
            /* The nearest go to this claimant (in curve order), the rest stay for the others. */
            qsort(l.cells, take, sizeof *l.cells, by_order);
            rc = share_cells(&l, l.cells, take, idx, m, rects);
            memmove(l.cells, l.cells + take, (left - take) * sizeof *l.cells);
            left -= take;
            qsort(l.cells, left, sizeof *l.cells, by_order);
        } else {
            rc = share_cells(&l, l.cells, left, idx, m, rects);
        }
        if (rc != 0)
            snprintf(msg, cap, "district %s: too few cells for %s's %zu communities", code, claim[c]->code, m);
    }
    if (rc != 0 && msg[0] == '\0')
        snprintf(msg, cap, "district %s: its outline holds no lattice fit for %zu communities", code, total);
    free(l.cells);
    free(idx);
    return rc;
}

int demo_places(db_t *db, const demo_place_t *cs, size_t ncomm, double (*rects)[4], char *msg, size_t cap)
{
    msg[0] = '\0';
    json_t *districts = db_rows_json(db, "SELECT code FROM org WHERE level = 'district' ORDER BY code", "");
    geo_ctx_t *ctx = geo_ctx_new();
    int rc = districts && ctx ? 0 : -1;
    size_t i;
    json_t *d;
    json_array_foreach(districts, i, d) {
        const char *code = json_string_value(json_object_get(d, "code"));
        int hosted = 0;
        for (size_t z = 0; z < NELEM_ZONES; z++)
            hosted |= strcmp(zones[z].code, code) == 0 && strcmp(zones[z].host, code) != 0;
        if (rc == 0 && !hosted)
            rc = place_district(db, ctx, code, cs, ncomm, rects, msg, cap);
    }
    /* A zone whose host is not in the divisions loaded has no place. */
    for (size_t k = 0; rc == 0 && k < ncomm; k++) {
        if (rects[k][0] == 0 && rects[k][1] == 0) {
            snprintf(msg, cap, "community %lld of %s has no place: its district has no outline or host",
                     (long long)cs[k].id, cs[k].district_code);
            rc = -1;
        }
    }
    json_decref(districts);
    geo_ctx_free(ctx);
    return rc;
}
