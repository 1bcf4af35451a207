/* A GeoJSON body or file as the API reads it: the JSON text decoded as the
 * dispatcher decodes a body (jansson, duplicate keys refused), then the
 * geometry (the object itself, a Feature's, or each of a FeatureCollection's
 * features', as an outlines file holds them) read as a Polygon or MultiPolygon
 * (parts_parse: positions, ring caps, geo_ring_check), and each part judged by
 * GEOS as the API judges an outline before storing it (poly_invalid), its box
 * taken and a point located against it. */
#include <stdint.h>

#include "api/geojson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static parts_buf_t m; /* 64 parts of 32 rings: kept off the stack */

static void geometry(const json_t *g)
{
    if (parts_parse(g, &m) != NULL)
        return;
    geo_box_t box = parts_box(&m);
    geo_pt_t mid = {(box.min_lng + box.max_lng) / 2, (box.min_lat + box.max_lat) / 2};
    parts_locate(&m, mid);
    char why[128];
    for (size_t i = 0; i < m.n; i++)
        poly_invalid(&m.part[i].poly, why, sizeof why);
    parts_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        return 0;
    json_t *features = json_object_get(doc, "features");
    if (json_is_array(features)) {
        size_t i;
        json_t *f;
        json_array_foreach(features, i, f) geometry(json_object_get(f, "geometry"));
    } else if (json_object_get(doc, "geometry")) {
        geometry(json_object_get(doc, "geometry"));
    } else {
        geometry(doc);
    }
    json_decref(doc);
    return 0;
}
