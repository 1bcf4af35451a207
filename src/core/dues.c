/* 党费: see dues.h. */
#include "core/dues.h"

#include <stddef.h>
#include <string.h>

const char *const dues_category_names[] = {"in_service", "retired", "farmer", "student", "unemployed", "dibao", NULL};

dues_category_t dues_category_from_name(const char *name)
{
    for (int i = 0; name && dues_category_names[i]; i++)
        if (strcmp(dues_category_names[i], name) == 0)
            return (dues_category_t)(i + 1);
    return DUES_NONE;
}

int dues_category_has_base(dues_category_t c)
{
    return c == DUES_IN_SERVICE || c == DUES_RETIRED;
}

int64_t dues_rate_bp(const dues_steps_t *s, int64_t base_fen)
{
    int i = 0;
    while (i < s->n && base_fen > s->upto_fen[i])
        i++;
    return s->rate_bp[i];
}

int64_t dues_percent_fen(int64_t base_fen, int64_t rate_bp)
{
    if (base_fen <= 0 || rate_bp <= 0)
        return 0;
    return (base_fen * rate_bp + 5000) / 10000;
}

int64_t dues_monthly_fen(const dues_steps_t *s, int64_t base_fen)
{
    return dues_percent_fen(base_fen, dues_rate_bp(s, base_fen));
}

int dues_month_valid(int64_t m)
{
    return m >= 200001 && m <= 210012 && m % 100 >= 1 && m % 100 <= 12;
}

int64_t dues_month_add(int64_t m, int n)
{
    int64_t k = (m / 100) * 12 + (m % 100 - 1) + n;
    return (k / 12) * 100 + k % 12 + 1;
}

int dues_months_between(int64_t a, int64_t b)
{
    return (int)(((b / 100) * 12 + b % 100) - ((a / 100) * 12 + a % 100));
}
