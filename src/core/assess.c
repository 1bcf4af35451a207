/* The annual assessment's scoring (core/assess.h). */
#include "core/assess.h"

#include <math.h>
#include <stdlib.h>

#define EPS 1e-9

double assess_round2(double x)
{
    return round(x * 100.0) / 100.0;
}

const char *assess_node_check(const assess_node_t *n)
{
    if (!isfinite(n->max_points) || n->max_points < 0 || (n->max_points == 0 && n->method != ASSESS_VETO))
        return "max_points must be above 0";
    if (!isfinite(n->weight) || n->weight < 0)
        return "weight must be 0 or more";
    if (n->half != ASSESS_PARTY && n->half != ASSESS_DEVELOPMENT)
        return "half";
    switch (n->method) {
    case ASSESS_INNER:
        return NULL;
    case ASSESS_PASS:
        if (!n->has_at_least && !n->has_at_most)
            return "a pass needs at_least or at_most";
        return NULL;
    case ASSESS_RATIO:
        if (!(n->target > 0) || !isfinite(n->target))
            return "a ratio needs a target above 0";
        if (!(n->floor >= 0) || !isfinite(n->floor))
            return "a ratio's floor must be 0 or more";
        return NULL;
    case ASSESS_RANK:
        if (n->nsteps < 1 || n->nsteps > ASSESS_STEPS_MAX)
            return "a rank needs 1 to 10 steps";
        for (int i = 0; i < n->nsteps; i++) {
            double share = n->steps[i][0], frac = n->steps[i][1];
            if (!(share > 0 && share <= 1) || (i > 0 && share <= n->steps[i - 1][0]))
                return "a rank's shares must rise above 0 up to 1";
            if (!(frac >= 0 && frac <= 1))
                return "a rank's fractions must be from 0 to 1";
        }
        return NULL;
    case ASSESS_DEDUCT:
        if (!(n->per_event > 0) || !isfinite(n->per_event))
            return "a deduction needs per_event above 0";
        return NULL;
    case ASSESS_BONUS:
        if (!(n->per > 0) || !isfinite(n->per) || !(n->cap > 0) || !isfinite(n->cap))
            return "a bonus needs per and cap above 0";
        return NULL;
    case ASSESS_VETO:
        if (n->effect != ASSESS_DROP_GRADE && n->effect != ASSESS_BAR_ADVANCED)
            return "a veto's effect";
        return NULL;
    }
    return "method";
}

/* The fraction of max a rank earns: the first step whose cumulative share of
 * units lies beyond the units ranked ahead; none: 0. */
static double rank_fraction(const assess_node_t *n, int rank_pos, int ranked)
{
    if (ranked <= 0 || rank_pos <= 0)
        return n->nsteps > 0 ? n->steps[n->nsteps - 1][1] : 0;
    double ahead = (double)(rank_pos - 1) / (double)ranked;
    for (int i = 0; i < n->nsteps; i++)
        if (ahead + EPS < n->steps[i][0])
            return n->steps[i][1];
    return 0;
}

double assess_leaf_points(const assess_node_t *n, double v, int st, int rank_pos, int ranked)
{
    double max = n->max_points;
    switch (n->method) {
    case ASSESS_PASS:
        if (st == ASSESS_M_NA)
            return max;
        if (st != ASSESS_M_VALUE)
            return 0;
        if (n->has_at_least && v + EPS < n->at_least)
            return 0;
        if (n->has_at_most && v - EPS > n->at_most)
            return 0;
        return max;
    case ASSESS_RATIO: {
        if (st == ASSESS_M_NA)
            return max;
        if (st != ASSESS_M_VALUE || v <= 0 || (n->floor > 0 && v + EPS < n->floor))
            return 0;
        double r = v / n->target;
        return max * (r > 1 ? 1 : r);
    }
    case ASSESS_RANK:
        if (st == ASSESS_M_NONE)
            return 0;
        return max * rank_fraction(n, st == ASSESS_M_VALUE ? rank_pos : 0, ranked);
    case ASSESS_DEDUCT: {
        if (st != ASSESS_M_VALUE || v <= 0)
            return max;
        double p = max - n->per_event * v;
        return p > 0 ? p : 0;
    }
    case ASSESS_BONUS: {
        if (st != ASSESS_M_VALUE || v <= 0)
            return 0;
        double p = n->per * v;
        return p < n->cap ? p : n->cap;
    }
    case ASSESS_VETO:
        return st == ASSESS_M_VALUE && v + EPS >= 1 ? 1 : 0;
    case ASSESS_INNER:
        break;
    }
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y ? 1 : 0;
}

/* Competition rank of v among sorted (falling, n values): 1 + how many are
 * better by more than EPS. */
static int rank_of(const double *sorted, int n, double v)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sorted[mid] > v + EPS)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo + 1;
}

/* A rank leaf's points for every unit. */
static void rank_leaf(const assess_input_t *in, int node, double *computed)
{
    const assess_node_t *n = &in->nodes[node];
    int m = in->nunits, N = in->nnodes, ranked = 0;
    double *vals = malloc(sizeof *vals * (size_t)(m > 0 ? m : 1));
    if (vals == NULL)
        abort();
    for (int u = 0; u < m; u++)
        if (in->state[(size_t)u * N + node] == ASSESS_M_VALUE) {
            double v = in->measure[(size_t)u * N + node];
            vals[ranked++] = n->lower_is_better ? -v : v;
        }
    qsort(vals, (size_t)ranked, sizeof *vals, cmp_desc);
    for (int u = 0; u < m; u++) {
        size_t at = (size_t)u * N + node;
        int pos = 0;
        if (in->state[at] == ASSESS_M_VALUE)
            pos = rank_of(vals, ranked, n->lower_is_better ? -in->measure[at] : in->measure[at]);
        computed[at] = assess_leaf_points(n, in->measure[at], in->state[at], pos, ranked);
    }
    free(vals);
}

/* Which nodes count in their parent's roll-up: scored leaves (not bonus or
 * veto items) and inner nodes with such a leaf below them (a group holding
 * only bonus or veto items adds nothing and takes no share of the points). */
static void mark_scored(const assess_input_t *in, unsigned char *scored)
{
    for (int i = 0; i < in->nnodes; i++)
        scored[i] = in->nodes[i].method != ASSESS_INNER && in->nodes[i].method != ASSESS_BONUS &&
                    in->nodes[i].method != ASSESS_VETO;
    for (int i = in->nnodes - 1; i >= 0; i--)
        if (scored[i] && in->nodes[i].parent >= 0)
            scored[in->nodes[i].parent] = 1;
}

/* Roll one unit's values (row: nnodes of them) up the tree, inner nodes from
 * their children, last node first (children come after their parents). */
static void roll_up(const assess_input_t *in, const unsigned char *scored, double *row, double *sum_wp,
                    double *sum_wm)
{
    int N = in->nnodes;
    for (int i = 0; i < N; i++)
        sum_wp[i] = sum_wm[i] = 0;
    for (int i = N - 1; i >= 0; i--) {
        const assess_node_t *n = &in->nodes[i];
        if (n->method == ASSESS_INNER)
            row[i] = sum_wm[i] > 0 ? n->max_points * sum_wp[i] / sum_wm[i] : 0;
        if (n->parent >= 0 && scored[i]) {
            sum_wp[n->parent] += n->weight * row[i];
            sum_wm[n->parent] += n->weight * n->max_points;
        }
    }
}

static int cmp_int_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x > y ? -1 : x < y ? 1 : 0;
}

int assess_compute(const assess_input_t *in, double *computed, double *points, assess_unit_t *units)
{
    int N = in->nnodes, m = in->nunits;
    for (int i = 0; i < N; i++) {
        const assess_node_t *n = &in->nodes[i];
        if (n->parent >= i || assess_node_check(n) != NULL)
            return -1;
        if (n->parent >= 0 && in->nodes[n->parent].method != ASSESS_INNER)
            return -1;
    }
    /* Leaves by their method (a rank needs every unit's measure at once). */
    for (int i = 0; i < N; i++) {
        const assess_node_t *n = &in->nodes[i];
        if (n->method == ASSESS_RANK)
            rank_leaf(in, i, computed);
        else if (n->method != ASSESS_INNER)
            for (int u = 0; u < m; u++) {
                size_t at = (size_t)u * N + i;
                computed[at] = assess_leaf_points(n, in->measure[at], in->state[at], 0, 0);
            }
    }
    double *sum_wp = malloc(sizeof(double) * (size_t)(N > 0 ? N : 1) * 2);
    int64_t *totals = malloc(sizeof(int64_t) * (size_t)(m > 0 ? m : 1));
    if (sum_wp == NULL || totals == NULL)
        abort();
    double *sum_wm = sum_wp + N;
    unsigned char *scored = malloc((size_t)(N > 0 ? N : 1));
    if (scored == NULL)
        abort();
    mark_scored(in, scored);
    /* Each half's most: the top nodes' weighted maxima. */
    double most[2] = {0, 0};
    for (int i = 0; i < N; i++)
        if (in->nodes[i].parent < 0 && scored[i])
            most[in->nodes[i].half] += in->nodes[i].weight * in->nodes[i].max_points;
    for (int u = 0; u < m; u++) {
        double *c = computed + (size_t)u * N, *p = points + (size_t)u * N;
        for (int i = 0; i < N; i++) {
            double adj = in->adjusted ? in->adjusted[(size_t)u * N + i] : NAN;
            p[i] = in->nodes[i].method != ASSESS_INNER && !isnan(adj) ? adj : c[i];
        }
        roll_up(in, scored, c, sum_wp, sum_wm);
        roll_up(in, scored, p, sum_wp, sum_wm);
        assess_unit_t *r = &units[u];
        r->raw[0] = r->raw[1] = r->bonus = 0;
        r->vetoed = r->barred = 0;
        for (int i = 0; i < N; i++) {
            const assess_node_t *n = &in->nodes[i];
            if (n->method == ASSESS_BONUS)
                r->bonus += p[i];
            else if (n->method == ASSESS_VETO) {
                if (p[i] + EPS >= 1) {
                    if (n->effect == ASSESS_DROP_GRADE)
                        r->vetoed = 1;
                    else
                        r->barred = 1;
                }
            } else if (n->parent < 0 && scored[i])
                r->raw[n->half] += n->weight * p[i];
        }
        if (in->bonus_cap >= 0 && r->bonus > in->bonus_cap)
            r->bonus = in->bonus_cap;
        for (int h = 0; h < 2; h++)
            r->half[h] = assess_round2(most[h] > 0 ? in->weights[h] * r->raw[h] / most[h] : 0);
        r->bonus = assess_round2(r->bonus);
        r->total = assess_round2(r->half[0] + r->half[1] + r->bonus);
        totals[u] = (int64_t)llround(r->total * 100);
        r->grade = -1;
        for (int b = 0; b < in->nbands; b++)
            if (r->total + EPS >= in->band_min[b]) {
                r->grade = b;
                break;
            }
        if (r->grade < 0 && in->nbands > 0)
            r->grade = in->nbands - 1;
        if (r->vetoed && r->grade >= 0 && r->grade < in->nbands - 1)
            r->grade++;
    }
    /* Competition ranking on the totals in hundredths: 1, 2, 2, 4. */
    int64_t *sorted = malloc(sizeof(int64_t) * (size_t)(m > 0 ? m : 1));
    if (sorted == NULL)
        abort();
    for (int u = 0; u < m; u++)
        sorted[u] = totals[u];
    qsort(sorted, (size_t)m, sizeof *sorted, cmp_int_desc);
    for (int u = 0; u < m; u++) {
        int lo = 0, hi = m;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (sorted[mid] > totals[u])
                lo = mid + 1;
            else
                hi = mid;
        }
        units[u].rank = lo + 1;
    }
    free(sorted);
    free(scored);
    free(totals);
    free(sum_wp);
    return 0;
}
