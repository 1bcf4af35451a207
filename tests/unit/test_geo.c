#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "core/geo.h"

/* A square [x0, x0+s] x [y0, y0+s]. */
typedef struct {
    geo_pt_t pts[5];
    const geo_pt_t *rings[2];
    size_t lens[2];
    geo_poly_t poly;
} square_t;

static void square(square_t *q, double x0, double y0, double s)
{
    geo_pt_t p[5] = {{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}};
    for (int i = 0; i < 5; i++)
        q->pts[i] = p[i];
    q->rings[0] = q->pts;
    q->lens[0] = 5;
    q->poly.rings = q->rings;
    q->poly.ring_len = q->lens;
    q->poly.nrings = 1;
}

static geo_pt_t P(double lng, double lat)
{
    geo_pt_t p = {lng, lat};
    return p;
}

static void locate_square(void **state)
{
    (void)state;
    square_t q;
    square(&q, 117.0, 31.0, 0.01);
    assert_int_equal(geo_locate(&q.poly, P(117.005, 31.005)), GEO_INSIDE);
    assert_int_equal(geo_locate(&q.poly, P(117.02, 31.005)), GEO_OUTSIDE);
    assert_int_equal(geo_locate(&q.poly, P(117.0, 31.005)), GEO_BOUNDARY);  /* on an edge */
    assert_int_equal(geo_locate(&q.poly, P(117.01, 31.01)), GEO_BOUNDARY);  /* a corner */
    assert_int_equal(geo_locate(&q.poly, P(116.99, 31.0)), GEO_OUTSIDE);    /* in line with an edge */
    assert_int_equal(geo_locate(&q.poly, P(117.005, 30.99)), GEO_OUTSIDE);
}

static void locate_with_hole_and_concave(void **state)
{
    (void)state;
    geo_pt_t outer[] = {{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}};
    geo_pt_t hole[] = {{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}};
    const geo_pt_t *rings[] = {outer, hole};
    size_t lens[] = {5, 5};
    geo_poly_t poly = {rings, lens, 2};
    assert_int_equal(geo_locate(&poly, P(5, 5)), GEO_OUTSIDE);
    assert_int_equal(geo_locate(&poly, P(4, 5)), GEO_BOUNDARY);
    assert_int_equal(geo_locate(&poly, P(2, 5)), GEO_INSIDE);
    /* An L shape: the notch is outside. */
    geo_pt_t l[] = {{0, 0}, {4, 0}, {4, 2}, {2, 2}, {2, 4}, {0, 4}, {0, 0}};
    const geo_pt_t *lr[] = {l};
    size_t ll[] = {7};
    geo_poly_t lp = {lr, ll, 1};
    assert_int_equal(geo_locate(&lp, P(3, 3)), GEO_OUTSIDE);
    assert_int_equal(geo_locate(&lp, P(1, 3)), GEO_INSIDE);
    assert_int_equal(geo_locate(&lp, P(3, 1)), GEO_INSIDE);
    assert_int_equal(geo_locate(&lp, P(3, 2)), GEO_BOUNDARY);
}

static void ring_checks(void **state)
{
    (void)state;
    geo_pt_t ok[] = {{0, 0}, {1, 0}, {1, 1}, {0, 0}};
    assert_null(geo_ring_check(ok, 4));
    assert_string_equal(geo_ring_check(ok, 3), "ring_too_short");
    geo_pt_t open[] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    assert_string_equal(geo_ring_check(open, 4), "ring_not_closed");
    geo_pt_t flat[] = {{0, 0}, {1, 0}, {2, 0}, {0, 0}};
    assert_string_equal(geo_ring_check(flat, 4), "ring_degenerate");
    geo_pt_t bad[] = {{0, 0}, {181, 0}, {1, 1}, {0, 0}};
    assert_string_equal(geo_ring_check(bad, 4), "bad_position");
    geo_pt_t nan[] = {{0, 0}, {NAN, 0}, {1, 1}, {0, 0}};
    assert_string_equal(geo_ring_check(nan, 4), "bad_position");
}

static void overlaps(void **state)
{
    (void)state;
    square_t a, b, c, d, e, f;
    square(&a, 0, 0, 2);
    square(&b, 1, 1, 2);     /* overlaps a corner region */
    square(&c, 2, 0, 2);     /* shares an edge */
    square(&d, 2, 2, 1);     /* touches a corner */
    square(&e, 0.5, 0.5, 1); /* inside a */
    square(&f, 0, 0, 2);     /* the same as a */
    assert_true(geo_polys_overlap(&a.poly, &b.poly));
    assert_false(geo_polys_overlap(&a.poly, &c.poly));
    assert_false(geo_polys_overlap(&a.poly, &d.poly));
    assert_true(geo_polys_overlap(&a.poly, &e.poly));
    assert_true(geo_polys_overlap(&e.poly, &a.poly));
    assert_true(geo_polys_overlap(&a.poly, &f.poly));
    square_t far;
    square(&far, 10, 10, 1);
    assert_false(geo_polys_overlap(&a.poly, &far.poly));
    geo_box_t box = geo_poly_box(&b.poly);
    assert_true(box.min_lng == 1 && box.max_lng == 3 && box.min_lat == 1 && box.max_lat == 3);
}

static void poly_area(void **state)
{
    (void)state;
    square_t q;
    square(&q, 117.0, 31.0, 0.01);
    assert_true(fabs(geo_poly_area(&q.poly) - 1e-4) < 1e-12);
    geo_pt_t outer[] = {{0, 0}, {0, 10}, {10, 10}, {10, 0}, {0, 0}}; /* clockwise: same area */
    geo_pt_t hole[] = {{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}};
    const geo_pt_t *rings[] = {outer, hole};
    size_t lens[] = {5, 5};
    geo_poly_t poly = {rings, lens, 2};
    assert_true(geo_poly_area(&poly) == 96);
    poly.nrings = 0;
    assert_true(geo_poly_area(&poly) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(poly_area),
        cmocka_unit_test(locate_square),
        cmocka_unit_test(locate_with_hole_and_concave),
        cmocka_unit_test(ring_checks),
        cmocka_unit_test(overlaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
