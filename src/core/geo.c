#include "core/geo.h"

#include <math.h>

#define EPS 1e-12

int geo_pt_valid(geo_pt_t p)
{
    return isfinite(p.lng) && isfinite(p.lat) && p.lng >= -180 && p.lng <= 180 && p.lat >= -90 && p.lat <= 90;
}

static double cross(geo_pt_t o, geo_pt_t a, geo_pt_t b)
{
    return (a.lng - o.lng) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lng - o.lng);
}

static int on_segment(geo_pt_t a, geo_pt_t b, geo_pt_t p)
{
    if (fabs(cross(a, b, p)) > EPS)
        return 0;
    return p.lng >= fmin(a.lng, b.lng) - EPS && p.lng <= fmax(a.lng, b.lng) + EPS &&
           p.lat >= fmin(a.lat, b.lat) - EPS && p.lat <= fmax(a.lat, b.lat) + EPS;
}

const char *geo_ring_check(const geo_pt_t *ring, size_t n)
{
    if (n < 4)
        return "ring_too_short";
    for (size_t i = 0; i < n; i++)
        if (!geo_pt_valid(ring[i]))
            return "bad_position";
    if (ring[0].lng != ring[n - 1].lng || ring[0].lat != ring[n - 1].lat)
        return "ring_not_closed";
    double area = 0;
    for (size_t i = 0; i + 1 < n; i++)
        area += ring[i].lng * ring[i + 1].lat - ring[i + 1].lng * ring[i].lat;
    if (fabs(area) < EPS)
        return "ring_degenerate";
    return NULL;
}

/* Even-odd crossing test on one ring; GEO_BOUNDARY if p is on an edge. */
static int ring_locate(const geo_pt_t *r, size_t n, geo_pt_t p)
{
    int inside = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        if (on_segment(r[j], r[i], p))
            return GEO_BOUNDARY;
        if ((r[i].lat > p.lat) != (r[j].lat > p.lat)) {
            double x = r[j].lng + (p.lat - r[j].lat) * (r[i].lng - r[j].lng) / (r[i].lat - r[j].lat);
            if (p.lng < x)
                inside = !inside;
        }
    }
    return inside ? GEO_INSIDE : GEO_OUTSIDE;
}

int geo_locate(const geo_poly_t *poly, geo_pt_t p)
{
    if (poly->nrings == 0)
        return GEO_OUTSIDE;
    int where = ring_locate(poly->rings[0], poly->ring_len[0], p);
    if (where != GEO_INSIDE)
        return where;
    for (size_t h = 1; h < poly->nrings; h++) {
        int w = ring_locate(poly->rings[h], poly->ring_len[h], p);
        if (w == GEO_BOUNDARY)
            return GEO_BOUNDARY;
        if (w == GEO_INSIDE)
            return GEO_OUTSIDE;
    }
    return GEO_INSIDE;
}

static double ring_area(const geo_pt_t *r, size_t n)
{
    double a = 0;
    for (size_t i = 0; i + 1 < n; i++)
        a += r[i].lng * r[i + 1].lat - r[i + 1].lng * r[i].lat;
    return fabs(a) / 2;
}

double geo_poly_area(const geo_poly_t *poly)
{
    if (poly->nrings == 0)
        return 0;
    double a = ring_area(poly->rings[0], poly->ring_len[0]);
    for (size_t h = 1; h < poly->nrings; h++)
        a -= ring_area(poly->rings[h], poly->ring_len[h]);
    return a > 0 ? a : 0;
}

geo_box_t geo_poly_box(const geo_poly_t *poly)
{
    geo_box_t b = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (size_t i = 0; poly->nrings && i < poly->ring_len[0]; i++) {
        geo_pt_t p = poly->rings[0][i];
        b.min_lng = fmin(b.min_lng, p.lng);
        b.max_lng = fmax(b.max_lng, p.lng);
        b.min_lat = fmin(b.min_lat, p.lat);
        b.max_lat = fmax(b.max_lat, p.lat);
    }
    return b;
}

/* 1 if segments ab and cd cross at a point interior to both. */
static int proper_cross(geo_pt_t a, geo_pt_t b, geo_pt_t c, geo_pt_t d)
{
    double d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
    return ((d1 > EPS && d2 < -EPS) || (d1 < -EPS && d2 > EPS)) && ((d3 > EPS && d4 < -EPS) || (d3 < -EPS && d4 > EPS));
}

static geo_pt_t mid(geo_pt_t a, geo_pt_t b)
{
    geo_pt_t m = {(a.lng + b.lng) / 2, (a.lat + b.lat) / 2};
    return m;
}

/* 1 if some vertex or edge midpoint of a lies strictly inside b. */
static int some_point_inside(const geo_poly_t *a, const geo_poly_t *b)
{
    const geo_pt_t *r = a->rings[0];
    size_t n = a->ring_len[0];
    for (size_t i = 0; i + 1 < n; i++) {
        if (geo_locate(b, r[i]) == GEO_INSIDE || geo_locate(b, mid(r[i], r[i + 1])) == GEO_INSIDE)
            return 1;
    }
    return 0;
}

int geo_polys_overlap(const geo_poly_t *a, const geo_poly_t *b)
{
    if (a->nrings == 0 || b->nrings == 0)
        return 0;
    geo_box_t ba = geo_poly_box(a), bb = geo_poly_box(b);
    if (ba.max_lng <= bb.min_lng || bb.max_lng <= ba.min_lng || ba.max_lat <= bb.min_lat || bb.max_lat <= ba.min_lat)
        return 0;
    const geo_pt_t *ra = a->rings[0], *rb = b->rings[0];
    for (size_t i = 0; i + 1 < a->ring_len[0]; i++)
        for (size_t j = 0; j + 1 < b->ring_len[0]; j++)
            if (proper_cross(ra[i], ra[i + 1], rb[j], rb[j + 1]))
                return 1;
    if (some_point_inside(a, b) || some_point_inside(b, a))
        return 1;
    /* Identical outlines: every vertex on the other's boundary, yet the same area. */
    geo_pt_t ca = {(ba.min_lng + ba.max_lng) / 2, (ba.min_lat + ba.max_lat) / 2};
    return geo_locate(a, ca) == GEO_INSIDE && geo_locate(b, ca) == GEO_INSIDE;
}
