/* Plane geometry on longitude/latitude pairs, enough for grids a few hundred
 * metres across: point in polygon (boundary counts as inside), polygon overlap,
 * and GeoJSON-like validation of rings. */
#ifndef JICENG_CORE_GEO_H
#define JICENG_CORE_GEO_H

#include <stddef.h>

typedef struct geo_pt {
    double lng, lat;
} geo_pt_t;

/* A polygon: rings[0] is the outer ring, the rest are holes; each ring closed
 * (first point == last point). */
typedef struct geo_poly {
    const geo_pt_t *const *rings;
    const size_t *ring_len;
    size_t nrings;
} geo_poly_t;

typedef struct geo_box {
    double min_lng, max_lng, min_lat, max_lat;
} geo_box_t;

enum { GEO_OUTSIDE = 0, GEO_INSIDE = 1, GEO_BOUNDARY = 2 };

/* 1 if p is a valid position (finite, lng in [-180, 180], lat in [-90, 90]). */
int geo_pt_valid(geo_pt_t p);

/* NULL if ring is a valid closed ring of at least 4 positions with a non-zero
 * area; else a reason: ring_too_short, ring_not_closed, bad_position, ring_degenerate. */
const char *geo_ring_check(const geo_pt_t *ring, size_t n);

/* Where p lies relative to the polygon (holes excluded). */
int geo_locate(const geo_poly_t *poly, geo_pt_t p);

/* Area of the polygon (outer ring less its holes) in square degrees, as drawn on
 * the plane: only for comparing polygons near one another (a grid's against its
 * neighbours'), where the scale of a degree of longitude is the same. */
double geo_poly_area(const geo_poly_t *poly);

/* Bounding box of the outer ring. */
geo_box_t geo_poly_box(const geo_poly_t *poly);

/* 1 if the interiors of a and b overlap (touching edges or corners only is not
 * an overlap). Holes are ignored: grids do not nest. */
int geo_polys_overlap(const geo_poly_t *a, const geo_poly_t *b);

#endif
