#include "core/reportfsm.h"

#include <stddef.h>
#include <string.h>

const char *const report_states[] = {"pending", "reported", "returned", "cancelled", NULL};
const char *const report_actions[] = {"receive", "decline", "withdraw", "leave", "cancel", NULL};

static const struct {
    report_state_t from;
    report_action_t action;
    report_state_t to;
} moves[] = {
    {MRS_PENDING, MRA_RECEIVE, MRS_REPORTED},
    {MRS_PENDING, MRA_DECLINE, MRS_RETURNED},
    {MRS_PENDING, MRA_WITHDRAW, MRS_CANCELLED},
    {MRS_REPORTED, MRA_LEAVE, MRS_RETURNED},
    {MRS_REPORTED, MRA_CANCEL, MRS_CANCELLED},
};

static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

report_state_t report_state_from_name(const char *name)
{
    return (report_state_t)index_of(report_states, MRS_COUNT, name);
}

const char *report_state_name(report_state_t s)
{
    return s >= 0 && s < MRS_COUNT ? report_states[s] : NULL;
}

report_action_t report_action_from_name(const char *name)
{
    return (report_action_t)index_of(report_actions, MRA_COUNT, name);
}

const char *report_action_name(report_action_t a)
{
    return a >= 0 && a < MRA_COUNT ? report_actions[a] : NULL;
}

report_state_t report_next(report_state_t s, report_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return MRS_NONE;
}

report_actor_t report_actor(report_action_t a)
{
    return a == MRA_WITHDRAW || a == MRA_LEAVE ? REPORT_BY_MEMBER : REPORT_BY_COMMUNITY;
}

int report_needs_reason(report_action_t a)
{
    return a == MRA_DECLINE || a == MRA_LEAVE || a == MRA_CANCEL;
}

int report_active(report_state_t s)
{
    return s == MRS_PENDING || s == MRS_REPORTED;
}
