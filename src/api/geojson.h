/* GeoJSON geometries as the API takes them (an area's Polygon, a district's
 * Polygon or MultiPolygon): coordinates read into owned arrays, every ring checked
 * (geo_ring_check). No database, so the reader can be exercised alone
 * (tests/fuzz/geojson.c). */
#ifndef JICENG_API_GEOJSON_H
#define JICENG_API_GEOJSON_H

#include <jansson.h>
#include <stddef.h>

#include "core/geo.h"

#define GEO_MAX_POINTS 10000
#define GEO_MAX_RINGS 32

/* A polygon parsed from GeoJSON coordinates, owning its arrays. */
typedef struct poly_buf {
    geo_pt_t *pts[GEO_MAX_RINGS];
    const geo_pt_t *rings[GEO_MAX_RINGS];
    size_t lens[GEO_MAX_RINGS];
    geo_poly_t poly;
} poly_buf_t;

/* A Polygon's or a MultiPolygon's parts, each parsed (a district's real outline). */
#define GEO_MAX_PARTS 64

typedef struct parts_buf {
    poly_buf_t part[GEO_MAX_PARTS];
    size_t n;
} parts_buf_t;

/* Free what b owns (its rings); b holds no ring after. */
void poly_free(poly_buf_t *b);
/* A GeoJSON position [lng, lat] (an optional altitude ignored) in range: 0, else -1. */
int read_pt(const json_t *pos, geo_pt_t *p);
/* Parse Polygon coordinates into b. NULL on success, else the reason (b then owns nothing). */
const char *poly_parse(const json_t *coords, poly_buf_t *b);
/* Free what m owns. */
void parts_free(parts_buf_t *m);
/* Parse a GeoJSON Polygon or MultiPolygon geometry. NULL on success, else the reason. */
const char *parts_parse(const json_t *g, parts_buf_t *m);
/* The box around m's parts (m has at least one). */
geo_box_t parts_box(const parts_buf_t *m);
/* GEO_INSIDE, GEO_BOUNDARY or GEO_OUTSIDE: p against the parts together. */
int parts_locate(const parts_buf_t *m, geo_pt_t p);
/* 0 if poly is a valid polygon (OGC simple features: GEOS), 1 if not with
 * GEOS's reason in why, -1 if GEOS failed. */
int poly_invalid(const geo_poly_t *poly, char *why, size_t cap);

#endif
