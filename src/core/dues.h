/* 党费 (party dues): the monthly amount a member's declaration comes to, by the
 * rules of 中组发〔2008〕3号 as the norms give them. The rate is a step applied
 * to the whole base (not marginal); each step's upper bound is inclusive. All
 * amounts are integer fen; rates are basis points (0.5% = 50). */
#ifndef JICENG_CORE_DUES_H
#define JICENG_CORE_DUES_H

#include <stdint.h>

#define DUES_MAX_STEPS 10

typedef enum dues_category {
    DUES_NONE = 0,
    DUES_IN_SERVICE, /* 在职 */
    DUES_RETIRED,    /* 离退休 */
    DUES_FARMER,     /* 农民 */
    DUES_STUDENT,    /* 学生 */
    DUES_UNEMPLOYED, /* 下岗失业 */
    DUES_DIBAO,      /* 领取低保 */
} dues_category_t;

/* The categories' ASCII names in order (in_service, retired, farmer, student,
 * unemployed, dibao), NULL-terminated: the API's vocabulary. */
extern const char *const dues_category_names[];

/* "retired" -> DUES_RETIRED; DUES_NONE for NULL or an unknown name. */
dues_category_t dues_category_from_name(const char *name);

/* 1 if the category pays a percentage of a declared base, 0 if a fixed amount. */
int dues_category_has_base(dues_category_t c);

/* Steps: n inclusive upper bounds in fen, ascending, and n + 1 rates in basis
 * points (the last one for everything above the last bound). */
typedef struct dues_steps {
    int n;
    int64_t upto_fen[DUES_MAX_STEPS];
    int64_t rate_bp[DUES_MAX_STEPS + 1];
} dues_steps_t;

/* The rate of base_fen: that of the first step whose bound is >= base_fen. */
int64_t dues_rate_bp(const dues_steps_t *s, int64_t base_fen);

/* base_fen * rate / 10000, rounded to the nearest fen, halves up (a negative
 * base is 0). The rounding rule: 3,001.50 yuan at 1% is 30.015 yuan, 3,002 fen. */
int64_t dues_percent_fen(int64_t base_fen, int64_t rate_bp);

/* The monthly dues of base_fen under steps s: dues_percent_fen at its rate. */
int64_t dues_monthly_fen(const dues_steps_t *s, int64_t base_fen);

/* A month as yyyymm: 1 if valid (2000-01 to 2100-12). */
int dues_month_valid(int64_t yyyymm);

/* The month n months after yyyymm (n may be negative). */
int64_t dues_month_add(int64_t yyyymm, int n);

/* Months from a to b (b - a; negative when b is before a). */
int dues_months_between(int64_t a, int64_t b);

#endif
