#include "core/geo_shape.h"

#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Metres per degree of latitude (mean), and of longitude at the equator. */
#define M_PER_DEG 111320.0
/* Overlays snap to this grid (metres): OverlayNG with a fixed precision never
 * fails on nearly collinear edges, and a millimetre is far below any outline's
 * accuracy. */
#define OVERLAY_GRID 0.001

struct geo_ctx {
    GEOSContextHandle_t h;
};

struct geo_shape {
    GEOSGeometry *g;
    const GEOSPreparedGeometry *prep;
    double area;
};

double geo_tolerance_of(const geo_tolerance_t *t, double area)
{
    double rel = area * t->permille / 1000.0;
    return rel > t->m2 ? rel : t->m2;
}

geo_ctx_t *geo_ctx_new(void)
{
    geo_ctx_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->h = GEOS_init_r();
    if (c->h == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void geo_ctx_free(geo_ctx_t *ctx)
{
    if (ctx) {
        GEOS_finish_r(ctx->h);
        free(ctx);
    }
}

static GEOSGeometry *ring(GEOSContextHandle_t h, const geo_pt_t *pts, size_t n, double kx)
{
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
    if (seq == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, pts[i].lng * kx, pts[i].lat * M_PER_DEG)) {
            GEOSCoordSeq_destroy_r(h, seq);
            return NULL;
        }
    }
    return GEOSGeom_createLinearRing_r(h, seq); /* takes seq, also on failure */
}

geo_shape_t *geo_shape_new(geo_ctx_t *ctx, const geo_poly_t *poly, double lat0)
{
    GEOSContextHandle_t h = ctx->h;
    if (poly->nrings == 0)
        return NULL;
    double kx = M_PER_DEG * cos(lat0 * M_PI / 180.0);
    GEOSGeometry *shell = ring(h, poly->rings[0], poly->ring_len[0], kx);
    if (shell == NULL)
        return NULL;
    size_t nholes = poly->nrings - 1;
    GEOSGeometry **holes = nholes ? calloc(nholes, sizeof *holes) : NULL;
    if (nholes && holes == NULL) {
        GEOSGeom_destroy_r(h, shell);
        return NULL;
    }
    for (size_t i = 0; i < nholes; i++) {
        holes[i] = ring(h, poly->rings[i + 1], poly->ring_len[i + 1], kx);
        if (holes[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                GEOSGeom_destroy_r(h, holes[j]);
            GEOSGeom_destroy_r(h, shell);
            free(holes);
            return NULL;
        }
    }
    GEOSGeometry *g = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nholes); /* takes the rings */
    free(holes);
    if (g == NULL)
        return NULL;
    geo_shape_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    s->g = g;
    if (!GEOSArea_r(h, g, &s->area))
        s->area = 0;
    return s;
}

void geo_shape_free(geo_ctx_t *ctx, geo_shape_t *s)
{
    if (s == NULL)
        return;
    if (s->prep)
        GEOSPreparedGeom_destroy_r(ctx->h, s->prep);
    GEOSGeom_destroy_r(ctx->h, s->g);
    free(s);
}

const char *geo_shape_invalid(geo_ctx_t *ctx, const geo_shape_t *s, char *why, size_t cap)
{
    char v = GEOSisValid_r(ctx->h, s->g);
    if (v == 1)
        return NULL;
    char *reason = v == 0 ? GEOSisValidReason_r(ctx->h, s->g) : NULL;
    /* "Self-intersection[x y]" -> "self_intersection": a stable token. */
    size_t n = 0;
    for (const char *r = reason ? reason : "invalid polygon"; *r && *r != '[' && n + 1 < cap; r++, n++)
        why[n] = (*r >= 'A' && *r <= 'Z') ? (char)(*r - 'A' + 'a') : ((*r >= 'a' && *r <= 'z') ? *r : '_');
    if (cap)
        why[n] = '\0';
    if (reason)
        GEOSFree_r(ctx->h, reason);
    return why;
}

int geo_shape_repair(geo_ctx_t *ctx, geo_shape_t *s)
{
    char v = GEOSisValid_r(ctx->h, s->g);
    if (v == 1)
        return 0;
    GEOSGeometry *g = v == 0 ? GEOSMakeValid_r(ctx->h, s->g) : NULL;
    if (g == NULL)
        return -1;
    if (s->prep) {
        GEOSPreparedGeom_destroy_r(ctx->h, s->prep);
        s->prep = NULL;
    }
    GEOSGeom_destroy_r(ctx->h, s->g);
    s->g = g;
    if (!GEOSArea_r(ctx->h, g, &s->area))
        s->area = 0;
    return 0;
}

double geo_shape_area(const geo_shape_t *s)
{
    return s->area;
}

static void prepare(geo_ctx_t *ctx, geo_shape_t *a)
{
    if (a->prep == NULL)
        a->prep = GEOSPrepare_r(ctx->h, a->g);
}

int geo_shape_covers(geo_ctx_t *ctx, geo_shape_t *a, const geo_shape_t *b)
{
    prepare(ctx, a);
    if (a->prep == NULL)
        return -1;
    char c = GEOSPreparedCovers_r(ctx->h, a->prep, b->g);
    return c == 2 ? -1 : c;
}

double geo_shape_overlap(geo_ctx_t *ctx, geo_shape_t *a, const geo_shape_t *b)
{
    GEOSContextHandle_t h = ctx->h;
    /* Most pairs met are apart: a prepared test rules them out cheaply. */
    prepare(ctx, a);
    if (a->prep) {
        char hit = GEOSPreparedIntersects_r(h, a->prep, b->g);
        if (hit == 0)
            return 0;
    }
    GEOSGeometry *x = GEOSIntersectionPrec_r(h, a->g, b->g, OVERLAY_GRID);
    if (x == NULL)
        return -1;
    double area = 0;
    int ok = GEOSArea_r(h, x, &area);
    GEOSGeom_destroy_r(h, x);
    return ok ? area : -1;
}
