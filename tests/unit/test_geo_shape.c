/* Unit tests of src/core/geo_shape.c: areas in square metres, validity and
 * overlaps through GEOS, and the tolerance rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "core/geo_shape.h"

typedef struct {
    geo_pt_t pts[8];
    const geo_pt_t *rings[1];
    size_t lens[1];
    geo_poly_t poly;
} ring_t;

static void make(ring_t *r, const geo_pt_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        r->pts[i] = p[i];
    r->rings[0] = r->pts;
    r->lens[0] = n;
    r->poly.rings = r->rings;
    r->poly.ring_len = r->lens;
    r->poly.nrings = 1;
}

static void square(ring_t *r, double x0, double y0, double s)
{
    geo_pt_t p[5] = {{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}};
    make(r, p, 5);
}

#define LAT0 31.8

static void area_in_square_metres(void **state)
{
    (void)state;
    geo_ctx_t *c = geo_ctx_new();
    ring_t q;
    square(&q, 117.2, LAT0, 0.01);
    geo_shape_t *s = geo_shape_new(c, &q.poly, LAT0);
    assert_non_null(s);
    /* 0.01 degree: 1113.2 m north-south, 1113.2 * cos(31.8) = 945.9 m east-west. */
    double want = 1113.2 * 1113.2 * cos(LAT0 * M_PI / 180);
    assert_true(fabs(geo_shape_area(s) - want) < want * 1e-6);
    geo_shape_free(c, s);
    geo_ctx_free(c);
}

static void overlaps(void **state)
{
    (void)state;
    geo_ctx_t *c = geo_ctx_new();
    ring_t a, b, touching, apart;
    square(&a, 117.2, LAT0, 0.01);
    square(&b, 117.205, LAT0, 0.01);      /* half over a */
    square(&touching, 117.21, LAT0, 0.01); /* shares a's east edge */
    square(&apart, 117.3, LAT0, 0.01);
    geo_shape_t *sa = geo_shape_new(c, &a.poly, LAT0), *sb = geo_shape_new(c, &b.poly, LAT0),
                *st = geo_shape_new(c, &touching.poly, LAT0), *sp = geo_shape_new(c, &apart.poly, LAT0);
    double half = geo_shape_area(sa) / 2;
    assert_true(fabs(geo_shape_overlap(c, sa, sb) - half) < 1);
    assert_true(fabs(geo_shape_overlap(c, sb, sa) - half) < 1);
    assert_true(geo_shape_overlap(c, sa, st) < 1e-3);
    assert_true(geo_shape_overlap(c, sa, sp) == 0);
    assert_true(fabs(geo_shape_overlap(c, sa, sa) - 2 * half) < 1);
    geo_shape_free(c, sa);
    geo_shape_free(c, sb);
    geo_shape_free(c, st);
    geo_shape_free(c, sp);
    geo_ctx_free(c);
}

static void validity(void **state)
{
    (void)state;
    geo_ctx_t *c = geo_ctx_new();
    ring_t sq, bowtie;
    square(&sq, 117.2, LAT0, 0.01);
    geo_pt_t bt[5] = {{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}; /* edges cross */
    make(&bowtie, bt, 5);
    geo_shape_t *ok = geo_shape_new(c, &sq.poly, LAT0), *bad = geo_shape_new(c, &bowtie.poly, 0.5);
    char why[128];
    assert_null(geo_shape_invalid(c, ok, why, sizeof why));
    assert_non_null(bad);
    assert_non_null(geo_shape_invalid(c, bad, why, sizeof why));
    assert_string_equal(why, "self_intersection");
    /* Repaired, the bowtie is its two triangles: (0,0)-(0.5,0.5)-(0,1) and (0.5,0.5)-(1,1)-(1,0). */
    double unit = 111320.0 * 111320.0 * cos(0.5 * M_PI / 180);
    assert_int_equal(geo_shape_repair(c, bad), 0);
    assert_null(geo_shape_invalid(c, bad, why, sizeof why));
    assert_true(fabs(geo_shape_area(bad) - 0.5 * unit) < unit * 1e-6);
    assert_int_equal(geo_shape_repair(c, ok), 0); /* a valid shape is left alone */
    assert_null(geo_shape_invalid(c, ok, why, sizeof why));
    geo_shape_free(c, ok);
    geo_shape_free(c, bad);
    geo_ctx_free(c);
}

static void tolerance(void **state)
{
    (void)state;
    geo_tolerance_t t = {25, 10};
    assert_true(geo_tolerance_of(&t, 1000) == 25);          /* 1% of 1000 m2 is 10: the floor holds */
    assert_true(geo_tolerance_of(&t, 1000000) == 10000);    /* 1% of a square kilometre */
    geo_tolerance_t none = {0, 0};
    assert_true(geo_tolerance_of(&none, 1000000) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(area_in_square_metres),
        cmocka_unit_test(overlaps),
        cmocka_unit_test(validity),
        cmocka_unit_test(tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
