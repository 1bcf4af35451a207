/* 民主评议党员's pure rules: the order of the steps and the 优秀 cap (evalrule.h). */
#include "core/evalrule.h"

#include <stddef.h>
#include <string.h>

static const char *const step_names[EVS_COUNT] = {"self", "peer", "branch", "decision", "follow_up"};

const char *eval_step_name(eval_step_t s)
{
    return s >= 0 && s < EVS_COUNT ? step_names[s] : NULL;
}

eval_step_t eval_step_from_name(const char *name)
{
    for (int i = 0; name && i < EVS_COUNT; i++)
        if (strcmp(step_names[i], name) == 0)
            return (eval_step_t)i;
    return EVS_NONE;
}

int eval_step_check(eval_step_t s, eval_step_t done, int probationary, int failed)
{
    if (s < 0 || s >= EVS_COUNT)
        return EVR_EARLY;
    if (probationary && s >= EVS_BRANCH)
        return EVR_NOT_GRADED;
    if (s == EVS_FOLLOW_UP) {
        if (done < EVS_DECISION)
            return EVR_EARLY;
        return failed ? EVR_OK : EVR_NO_FOLLOW_UP;
    }
    if ((int)s > (int)done + 1)
        return EVR_EARLY;
    if ((int)done > (int)s || done == EVS_DECISION)
        return EVR_LATE;
    return EVR_OK;
}

eval_step_t eval_step_last(int probationary)
{
    return probationary ? EVS_PEER : EVS_DECISION;
}

long eval_excellent_max(long graded, long num, long den)
{
    if (graded <= 0 || num <= 0 || den <= 0)
        return 0;
    long m = graded * num / den;
    return m > graded ? graded : m;
}
