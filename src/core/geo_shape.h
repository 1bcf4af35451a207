/* Areas, validity and overlaps of outlines, measured in square metres, through
 * GEOS (libgeos_c, the reentrant API). Outlines are projected from lng/lat to
 * metres with an equirectangular projection at a latitude the caller gives
 * (the same for every shape compared): for areas a few kilometres across the
 * error is well under 1%, which the tolerances absorb. */
#ifndef JICENG_CORE_GEO_SHAPE_H
#define JICENG_CORE_GEO_SHAPE_H

#include <stddef.h>

#include "core/geo.h"

/* Limits on how much a grid may stick out of its community or overlap another
 * grid: the larger of m2 square metres and permille thousandths of the
 * smaller area concerned. */
typedef struct geo_tolerance {
    int m2;
    int permille;
} geo_tolerance_t;

#define GEO_TOLERANCE_M2_DEFAULT 25
#define GEO_TOLERANCE_PERMILLE_DEFAULT 10

/* The slack allowed where area (m2) is the smaller area concerned. */
double geo_tolerance_of(const geo_tolerance_t *t, double area);

typedef struct geo_ctx geo_ctx_t;
typedef struct geo_shape geo_shape_t;

/* A GEOS context for one thread at a time; NULL if out of memory. */
geo_ctx_t *geo_ctx_new(void);
void geo_ctx_free(geo_ctx_t *ctx);

/* poly projected at latitude lat0 (degrees); NULL if GEOS refused it (a ring
 * it cannot build) or out of memory. Freed with geo_shape_free. */
geo_shape_t *geo_shape_new(geo_ctx_t *ctx, const geo_poly_t *poly, double lat0);
void geo_shape_free(geo_ctx_t *ctx, geo_shape_t *s);

/* NULL if s is a valid polygon (OGC: rings that do not cross themselves or
 * each other, holes inside the shell); else why, written into why[cap]: GEOS's
 * reason in lower case with '_' for anything not a letter, e.g.
 * "self_intersection", "hole_lies_outside_shell". */
const char *geo_shape_invalid(geo_ctx_t *ctx, const geo_shape_t *s, char *why, size_t cap);

/* Makes s valid if it is not (GEOS MakeValid: a crossing ring becomes the
 * polygons it encloses), so outlines stored before they were checked can still
 * be measured against. 0, or -1 if GEOS failed (s unchanged). */
int geo_shape_repair(geo_ctx_t *ctx, geo_shape_t *s);

/* Area of s in m2. */
double geo_shape_area(const geo_shape_t *s);

/* Area in m2 of the intersection of a and b (0 when they only touch); -1 if
 * GEOS failed. Both valid shapes made at the same lat0; a keeps a prepared
 * form of itself for the next calls. */
double geo_shape_overlap(geo_ctx_t *ctx, geo_shape_t *a, const geo_shape_t *b);

/* 1 if a covers b (no point of b outside a), 0 if not, -1 if GEOS failed. Both
 * made at the same lat0; a keeps a prepared form of itself for the next calls. */
int geo_shape_covers(geo_ctx_t *ctx, geo_shape_t *a, const geo_shape_t *b);

#endif
