/* The annual comprehensive assessment's scoring (年度综合考核), pure: from an
 * indicator tree and each unit's measure on every leaf, each leaf's points by
 * its method, the roll-up by weight, each half normalised and weighted, the
 * bonus, the ranking with ties and the grade with the vetoes' effects.
 * No storage, no JSON: src/api/assess.c reads the tree, the measures and the
 * norms and stores what this computes. See docs/assessment.md. */
#ifndef JICENG_CORE_ASSESS_H
#define JICENG_CORE_ASSESS_H

#include <stdint.h>

/* A node's method; ASSESS_INNER: an inner node rolling its children up. */
typedef enum {
    ASSESS_INNER = 0,
    ASSESS_PASS,   /* 达标: met → max, else 0 */
    ASSESS_RATIO,  /* 比例折算: max × min(1, measure / target), 0 under the floor */
    ASSESS_RANK,   /* 排名赋分: max × the fraction of the unit's rank step */
    ASSESS_DEDUCT, /* 扣分制: max − per_event × events, stopping at 0 */
    ASSESS_BONUS,  /* 加分: min(cap, per × measure), on top of the halves */
    ASSESS_VETO,   /* 一票否决: measure ≥ 1 vetoes (drops the grade or bars 先进) */
} assess_method_t;

enum { ASSESS_PARTY = 0, ASSESS_DEVELOPMENT = 1 };
enum { ASSESS_DROP_GRADE = 0, ASSESS_BAR_ADVANCED = 1 };

/* A unit's measure on a leaf: a value, none (an entered leaf with no entry:
 * 0 points; a deduction with no event recorded: its max), or not applicable
 * (a record ratio with nothing due: full points; last in a ranking). */
enum { ASSESS_M_VALUE = 0, ASSESS_M_NONE = 1, ASSESS_M_NA = 2 };

#define ASSESS_STEPS_MAX 10

typedef struct assess_node {
    int parent;        /* index of the parent (before this node), or -1 for a top node */
    int half;          /* ASSESS_PARTY or ASSESS_DEVELOPMENT */
    double max_points; /* > 0 (a veto's may be 0) */
    double weight;     /* >= 0 */
    assess_method_t method;
    /* The method's parameters. */
    int has_at_least, has_at_most;
    double at_least, at_most;   /* pass */
    double target, floor;       /* ratio: target > 0; floor (0: none) */
    int lower_is_better;        /* rank */
    int nsteps;                 /* rank: [share of units (cumulative), fraction of max] */
    double steps[ASSESS_STEPS_MAX][2];
    double per_event;           /* deduct */
    double per, cap;            /* bonus */
    int effect;                 /* veto: ASSESS_DROP_GRADE or ASSESS_BAR_ADVANCED */
} assess_node_t;

typedef struct assess_unit {
    double raw[2];       /* each half's rolled-up points */
    double half[2];      /* each half normalised and weighted (50 each under 50/50) */
    double bonus;        /* the bonus items', capped */
    double total;        /* half[0] + half[1] + bonus */
    int rank;            /* 1, 2, 2, 4 on total (hundredths), falling */
    int grade;           /* index into the bands after the vetoes; -1 when there are none */
    int vetoed, barred;
} assess_unit_t;

typedef struct assess_input {
    int nnodes, nunits;
    const assess_node_t *nodes;
    const double *measure;      /* [unit * nnodes + node], read for leaves */
    const unsigned char *state; /* the same shape: ASSESS_M_* */
    const double *adjusted;     /* the same shape: an adjusted leaf's points, NAN where none; may be NULL */
    double weights[2];          /* the halves' shares (assessment.weights: 50, 50) */
    double bonus_cap;           /* a unit's bonus at most this; < 0: no cap */
    int nbands;                 /* grade bands, falling: a total ≥ band_min[i] is grade i */
    const double *band_min;
} assess_input_t;

/* Score every unit. computed and points are [unit * nnodes + node] (the
 * caller's arrays): computed is each node's points before adjustments (leaves
 * by their method; inner nodes rolled up from their children's points), points
 * the same with the adjustments (what the totals use). units has nunits.
 * 0, or -1 if the tree is malformed (a parent after its child, an inner node
 * under a leaf, bad parameters: assess_node_check). */
int assess_compute(const assess_input_t *in, double *computed, double *points, assess_unit_t *units);

/* NULL if a node is well formed, else what is wrong with it (a static text). */
const char *assess_node_check(const assess_node_t *n);

/* The points of one leaf of method m, the measure v in state st; rank_pos /
 * ranked: the unit's competition rank (1-based) and how many units are ranked
 * (rank only). Bonus and veto answer their own measure's points / 0 or 1. */
double assess_leaf_points(const assess_node_t *n, double v, int st, int rank_pos, int ranked);

/* x rounded to hundredths (ties away from zero). */
double assess_round2(double x);

#endif
