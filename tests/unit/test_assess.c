#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "core/assess.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static assess_node_t leaf(assess_method_t m, double max)
{
    assess_node_t n = {.parent = -1, .half = ASSESS_PARTY, .max_points = max, .weight = 1, .method = m};
    return n;
}

static void pass_meets_or_not(void **state)
{
    (void)state;
    assess_node_t n = leaf(ASSESS_PASS, 10);
    n.has_at_least = 1;
    n.at_least = 0.9;
    NEAR(assess_leaf_points(&n, 0.9, ASSESS_M_VALUE, 0, 0), 10);
    NEAR(assess_leaf_points(&n, 0.89, ASSESS_M_VALUE, 0, 0), 0);
    NEAR(assess_leaf_points(&n, 0, ASSESS_M_NA, 0, 0), 10);   /* nothing due */
    NEAR(assess_leaf_points(&n, 0, ASSESS_M_NONE, 0, 0), 0);  /* nothing entered */
    n.has_at_least = 0;
    n.has_at_most = 1;
    n.at_most = 2;
    NEAR(assess_leaf_points(&n, 2, ASSESS_M_VALUE, 0, 0), 10);
    NEAR(assess_leaf_points(&n, 3, ASSESS_M_VALUE, 0, 0), 0);
    n.has_at_most = 0;
    assert_non_null(assess_node_check(&n));
}

static void ratio_scales_with_a_floor(void **state)
{
    (void)state;
    assess_node_t n = leaf(ASSESS_RATIO, 20);
    n.target = 0.9;
    n.floor = 0.5;
    assert_null(assess_node_check(&n));
    NEAR(assess_leaf_points(&n, 0.45, ASSESS_M_VALUE, 0, 0), 0);
    NEAR(assess_leaf_points(&n, 0.6, ASSESS_M_VALUE, 0, 0), 20 * 0.6 / 0.9);
    NEAR(assess_leaf_points(&n, 0.95, ASSESS_M_VALUE, 0, 0), 20);
    n.target = 0;
    assert_non_null(assess_node_check(&n));
}

static void deduction_stops_at_zero(void **state)
{
    (void)state;
    assess_node_t n = leaf(ASSESS_DEDUCT, 2);
    n.per_event = 0.5;
    NEAR(assess_leaf_points(&n, 3, ASSESS_M_VALUE, 0, 0), 0.5);
    NEAR(assess_leaf_points(&n, 5, ASSESS_M_VALUE, 0, 0), 0); /* not -0.5 */
    NEAR(assess_leaf_points(&n, 0, ASSESS_M_NONE, 0, 0), 2);
}

static void bonus_capped_and_veto(void **state)
{
    (void)state;
    assess_node_t n = leaf(ASSESS_BONUS, 3);
    n.per = 1;
    n.cap = 3;
    NEAR(assess_leaf_points(&n, 2, ASSESS_M_VALUE, 0, 0), 2);
    NEAR(assess_leaf_points(&n, 5, ASSESS_M_VALUE, 0, 0), 3);
    assess_node_t v = leaf(ASSESS_VETO, 0);
    assert_null(assess_node_check(&v));
    NEAR(assess_leaf_points(&v, 1, ASSESS_M_VALUE, 0, 0), 1);
    NEAR(assess_leaf_points(&v, 0, ASSESS_M_VALUE, 0, 0), 0);
}

/* Five units on one rank leaf: 0.9, 0.8, 0.8, 0.7 and one with no measure;
 * top 20% → 1.0, next 30% → 0.8, rest → 0.6. */
static void rank_with_ties(void **state)
{
    (void)state;
    assess_node_t n = leaf(ASSESS_RANK, 10);
    n.nsteps = 3;
    double steps[3][2] = {{0.2, 1}, {0.5, 0.8}, {1, 0.6}};
    for (int i = 0; i < 3; i++)
        n.steps[i][0] = steps[i][0], n.steps[i][1] = steps[i][1];
    double measure[5] = {0.9, 0.8, 0.8, 0.7, 0};
    unsigned char st[5] = {0, 0, 0, 0, ASSESS_M_NONE};
    double computed[5], points[5];
    assess_unit_t units[5];
    assess_input_t in = {.nnodes = 1, .nunits = 5, .nodes = &n, .measure = measure, .state = st,
                         .weights = {50, 50}, .bonus_cap = -1};
    assert_int_equal(assess_compute(&in, computed, points, units), 0);
    NEAR(computed[0], 10);
    NEAR(computed[1], 8);
    NEAR(computed[2], 8);
    NEAR(computed[3], 6);
    NEAR(computed[4], 0);
    /* Lower is better: 0.7 leads. */
    n.lower_is_better = 1;
    assert_int_equal(assess_compute(&in, computed, points, units), 0);
    NEAR(computed[3], 10);
    NEAR(computed[1], 8);
    NEAR(computed[0], 6);
    /* The units' ranks on their totals: 60/50 × points: 6, 8, 8, 10, 0 → 4, 2, 2, 1, 5. */
    assert_int_equal(units[0].rank, 4);
    assert_int_equal(units[1].rank, 2);
    assert_int_equal(units[2].rank, 2);
    assert_int_equal(units[3].rank, 1);
    assert_int_equal(units[4].rank, 5);
}

/* A tree: party (inner, 30: pass 10 w1, ratio 10 w2), development (ratio leaf
 * 20), a bonus (0.5 each, cap 2; unit cap 1.5), two vetoes. Four units. */
enum { P, P_PASS, P_RATIO, D, BONUS, VDROP, VBAR, NN };

static void tree(assess_node_t *t)
{
    for (int i = 0; i < NN; i++)
        t[i] = leaf(ASSESS_INNER, 1);
    t[P].max_points = 30;
    t[P_PASS] = leaf(ASSESS_PASS, 10);
    t[P_PASS].parent = P;
    t[P_PASS].has_at_least = 1;
    t[P_PASS].at_least = 1;
    t[P_RATIO] = leaf(ASSESS_RATIO, 10);
    t[P_RATIO].parent = P;
    t[P_RATIO].weight = 2;
    t[P_RATIO].target = 1;
    t[D] = leaf(ASSESS_RATIO, 20);
    t[D].half = ASSESS_DEVELOPMENT;
    t[D].target = 1;
    t[BONUS] = leaf(ASSESS_BONUS, 2);
    t[BONUS].per = 0.5;
    t[BONUS].cap = 2;
    t[VDROP] = leaf(ASSESS_VETO, 0);
    t[VBAR] = leaf(ASSESS_VETO, 0);
    t[VBAR].effect = ASSESS_BAR_ADVANCED;
}

static void halves_bonus_ranks_grades_and_vetoes(void **state)
{
    (void)state;
    assess_node_t t[NN];
    tree(t);
    /* measures per unit: pass, ratio, development, bonus, drop veto, bar veto */
    double m[4][NN] = {
        {0, 1, 1, 0.9, 4, 0, 0},      /* A: 30 → 50; 18 → 45; bonus min(2, 2) → 1.5: 96.5 */
        {0, 0, 0.75, 1, 0, 1, 0},     /* B: 15 → 25; 20 → 50: 75, average dropped to poor */
        {0, 1, 0.5, 0.8334, 0, 0, 1}, /* C: 20 → 33.33; 16.668 → 41.67: 75, barred */
        {0, 0, 0, 0, 0, 0, 0},        /* D: nothing entered */
    };
    unsigned char st[4][NN] = {{0}};
    for (int i = 0; i < NN; i++)
        st[3][i] = ASSESS_M_NONE;
    double band_min[4] = {90, 80, 60, 0};
    double computed[4 * NN], points[4 * NN];
    assess_unit_t u[4];
    assess_input_t in = {.nnodes = NN, .nunits = 4, .nodes = t, .measure = &m[0][0], .state = &st[0][0],
                         .weights = {50, 50}, .bonus_cap = 1.5, .nbands = 4, .band_min = band_min};
    assert_int_equal(assess_compute(&in, computed, points, u), 0);
    NEAR(computed[P], 30); /* 30 × (1·10 + 2·10) / (1·10 + 2·10) */
    NEAR(u[0].half[0], 50);
    NEAR(u[0].half[1], 45);
    NEAR(u[0].bonus, 1.5);
    NEAR(u[0].total, 96.5);
    assert_int_equal(u[0].grade, 0);
    assert_int_equal(u[0].rank, 1);
    NEAR(computed[NN + P], 15);
    NEAR(u[1].total, 75);
    assert_int_equal(u[1].vetoed, 1);
    assert_int_equal(u[1].grade, 3); /* 一般 dropped one band */
    NEAR(u[1].total, 75);            /* the score stays */
    NEAR(u[2].half[0], 33.33);
    NEAR(u[2].half[1], 41.67);
    NEAR(u[2].total, 75);
    assert_int_equal(u[2].barred, 1);
    assert_int_equal(u[2].vetoed, 0);
    assert_int_equal(u[2].grade, 2);
    assert_int_equal(u[1].rank, 2); /* tied */
    assert_int_equal(u[2].rank, 2);
    assert_int_equal(u[3].rank, 4);
    NEAR(u[3].total, 0);
    assert_int_equal(u[3].grade, 3);
    /* Weights 60/40: A's halves 60 and 36. */
    in.weights[0] = 60;
    in.weights[1] = 40;
    assert_int_equal(assess_compute(&in, computed, points, u), 0);
    NEAR(u[0].half[0], 60);
    NEAR(u[0].half[1], 36);
}

static void adjustments_kept_apart(void **state)
{
    (void)state;
    assess_node_t t[NN];
    tree(t);
    double m[NN] = {0};
    unsigned char st[NN];
    double adj[NN];
    for (int i = 0; i < NN; i++)
        st[i] = ASSESS_M_NONE, adj[i] = NAN;
    adj[P_PASS] = 10;
    double computed[NN], points[NN];
    assess_unit_t u;
    assess_input_t in = {.nnodes = NN, .nunits = 1, .nodes = t, .measure = m, .state = st, .adjusted = adj,
                         .weights = {50, 50}, .bonus_cap = -1};
    assert_int_equal(assess_compute(&in, computed, points, &u), 0);
    NEAR(computed[P_PASS], 0);
    NEAR(points[P_PASS], 10);
    NEAR(computed[P], 0);
    NEAR(points[P], 10);
    NEAR(u.half[0], 16.67);
    NEAR(u.total, 16.67);
}

/* A group holding only a bonus and a veto (加分项目, 一票否决) takes no share of its half. */
static void groups_of_bonus_and_veto_take_no_share(void **state)
{
    (void)state;
    assess_node_t t[5] = {leaf(ASSESS_PASS, 10), leaf(ASSESS_INNER, 3), leaf(ASSESS_BONUS, 3), leaf(ASSESS_INNER, 1),
                          leaf(ASSESS_VETO, 0)};
    t[0].has_at_least = 1;
    t[0].at_least = 1;
    t[2].parent = 1;
    t[2].per = 1;
    t[2].cap = 3;
    t[4].parent = 3;
    double m[5] = {1, 0, 2, 0, 1}, c[5], p[5];
    unsigned char st[5] = {0};
    assess_unit_t u;
    assess_input_t in = {.nnodes = 5, .nunits = 1, .nodes = t, .measure = m, .state = st, .weights = {50, 50},
                         .bonus_cap = -1};
    assert_int_equal(assess_compute(&in, c, p, &u), 0);
    NEAR(u.half[0], 50); /* 10 of 10, not 10 of 14 */
    NEAR(u.bonus, 2);
    NEAR(u.total, 52);
    assert_int_equal(u.vetoed, 1);
}

static void malformed_trees_refused(void **state)
{
    (void)state;
    assess_node_t t[2] = {leaf(ASSESS_RATIO, 10), leaf(ASSESS_INNER, 10)};
    t[0].target = 1;
    t[1].parent = 0; /* under a leaf */
    double m[2] = {0}, c[2], p[2];
    unsigned char st[2] = {0};
    assess_unit_t u;
    assess_input_t in = {.nnodes = 2, .nunits = 1, .nodes = t, .measure = m, .state = st, .weights = {50, 50}};
    assert_int_equal(assess_compute(&in, c, p, &u), -1);
    t[1] = leaf(ASSESS_INNER, 10);
    t[0].parent = 1; /* a parent after its child */
    assert_int_equal(assess_compute(&in, c, p, &u), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pass_meets_or_not),
        cmocka_unit_test(ratio_scales_with_a_floor),
        cmocka_unit_test(deduction_stops_at_zero),
        cmocka_unit_test(bonus_capped_and_veto),
        cmocka_unit_test(rank_with_ties),
        cmocka_unit_test(halves_bonus_ranks_grades_and_vetoes),
        cmocka_unit_test(adjustments_kept_apart),
        cmocka_unit_test(groups_of_bonus_and_veto_take_no_share),
        cmocka_unit_test(malformed_trees_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
