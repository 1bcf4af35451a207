/* Reading GeoJSON geometries (api/geojson.h). */
#include "api/geojson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo_shape.h"
#include "lib/util.h"

void poly_free(poly_buf_t *b)
{
    for (size_t i = 0; i < b->poly.nrings; i++)
        free(b->pts[i]);
    b->poly.nrings = 0;
}

int read_pt(const json_t *pos, geo_pt_t *p)
{
    if (!json_is_array(pos) || json_array_size(pos) < 2 || json_array_size(pos) > 3 ||
        !json_is_number(json_array_get(pos, 0)) || !json_is_number(json_array_get(pos, 1)))
        return -1;
    p->lng = json_number_value(json_array_get(pos, 0));
    p->lat = json_number_value(json_array_get(pos, 1));
    return geo_pt_valid(*p) ? 0 : -1;
}

/* Parse Polygon coordinates. NULL on success, else the reason. */
const char *poly_parse(const json_t *coords, poly_buf_t *b)
{
    memset(b, 0, sizeof *b);
    b->poly.rings = b->rings;
    b->poly.ring_len = b->lens;
    if (!json_is_array(coords) || json_array_size(coords) == 0 || json_array_size(coords) > GEO_MAX_RINGS)
        return "bad_rings";
    size_t total = 0;
    for (size_t r = 0; r < json_array_size(coords); r++) {
        const json_t *ring = json_array_get(coords, r);
        size_t n = json_is_array(ring) ? json_array_size(ring) : 0;
        total += n;
        if (n == 0 || total > GEO_MAX_POINTS) {
            poly_free(b);
            return n == 0 ? "ring_too_short" : "too_many_points";
        }
        b->pts[r] = xcalloc(n, sizeof(geo_pt_t));
        b->rings[r] = b->pts[r];
        b->lens[r] = n;
        b->poly.nrings = r + 1;
        for (size_t i = 0; i < n; i++) {
            if (read_pt(json_array_get(ring, i), &b->pts[r][i]) != 0) {
                poly_free(b);
                return "bad_position";
            }
        }
        const char *why = geo_ring_check(b->pts[r], n);
        if (why) {
            poly_free(b);
            return why;
        }
    }
    return NULL;
}

void parts_free(parts_buf_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        poly_free(&m->part[i]);
    m->n = 0;
}

/* Parse a GeoJSON Polygon or MultiPolygon geometry. NULL on success, else the reason. */
const char *parts_parse(const json_t *g, parts_buf_t *m)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates");
    m->n = 0;
    if (type && strcmp(type, "Polygon") == 0) {
        m->n = 1;
        const char *why = poly_parse(coords, &m->part[0]);
        if (why)
            m->n = 0;
        return why;
    }
    if (type == NULL || strcmp(type, "MultiPolygon") != 0)
        return "not_polygon";
    if (!json_is_array(coords) || json_array_size(coords) == 0 || json_array_size(coords) > GEO_MAX_PARTS)
        return "bad_parts";
    for (size_t i = 0; i < json_array_size(coords); i++) {
        const char *why = poly_parse(json_array_get(coords, i), &m->part[i]);
        if (why) {
            parts_free(m);
            return why;
        }
        m->n = i + 1;
    }
    return NULL;
}

geo_box_t parts_box(const parts_buf_t *m)
{
    geo_box_t box = geo_poly_box(&m->part[0].poly);
    for (size_t i = 1; i < m->n; i++) {
        geo_box_t b = geo_poly_box(&m->part[i].poly);
        box.min_lng = fmin(box.min_lng, b.min_lng);
        box.max_lng = fmax(box.max_lng, b.max_lng);
        box.min_lat = fmin(box.min_lat, b.min_lat);
        box.max_lat = fmax(box.max_lat, b.max_lat);
    }
    return box;
}

/* GEO_INSIDE, GEO_BOUNDARY or GEO_OUTSIDE: p against the parts together. */
int parts_locate(const parts_buf_t *m, geo_pt_t p)
{
    int where = GEO_OUTSIDE;
    for (size_t i = 0; i < m->n && where != GEO_INSIDE; i++) {
        int w = geo_locate(&m->part[i].poly, p);
        where = w == GEO_OUTSIDE ? where : w;
    }
    return where;
}

int poly_invalid(const geo_poly_t *poly, char *why, size_t cap)
{
    geo_box_t box = geo_poly_box(poly);
    geo_ctx_t *ctx = geo_ctx_new();
    geo_shape_t *s = ctx ? geo_shape_new(ctx, poly, (box.min_lat + box.max_lat) / 2) : NULL;
    int rc = s == NULL ? -1 : geo_shape_invalid(ctx, s, why, cap) ? 1 : 0;
    geo_shape_free(ctx, s);
    geo_ctx_free(ctx);
    return rc;
}
