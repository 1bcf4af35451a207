/* The counting of meetings (core/meeting.h). */
#include "core/meeting.h"

void meet_quorum(const meet_voter_t *roll, size_t n, meet_quorum_t *out)
{
    out->entitled = out->present = out->probationary_present = 0;
    for (size_t i = 0; i < n; i++) {
        if (roll[i].full) {
            out->entitled++;
            out->present += roll[i].present != 0;
        } else if (roll[i].present) {
            out->probationary_present++;
        }
    }
    out->needed = out->entitled / 2 + 1;
    out->met = out->entitled > 0 && out->present >= out->needed;
}

int meet_judge(int per_year, const int held[12], int months_ended, meet_period_t *out, int *missed)
{
    *missed = 0;
    if (per_year < 0 || per_year > 12)
        return -1;
    if (per_year == 0)
        return 0;
    int periods = 12 % per_year == 0 ? per_year : 1;
    int len = 12 / periods, needed = periods == 1 ? per_year : 1;
    for (int p = 0; p < periods; p++) {
        meet_period_t *x = &out[p];
        x->first = p * len + 1;
        x->last = x->first + len - 1;
        x->held = 0;
        for (int m = x->first; m <= x->last; m++)
            x->held += held[m - 1];
        x->needed = needed;
        x->state = x->held >= needed ? MEET_OK : x->last <= months_ended ? MEET_MISSED : MEET_OPEN;
        *missed += x->state == MEET_MISSED;
    }
    return periods;
}
