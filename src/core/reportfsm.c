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
    {RS_PENDING, RA_RECEIVE, RS_REPORTED},
    {RS_PENDING, RA_DECLINE, RS_RETURNED},
    {RS_PENDING, RA_WITHDRAW, RS_CANCELLED},
    {RS_REPORTED, RA_LEAVE, RS_RETURNED},
    {RS_REPORTED, RA_CANCEL, RS_CANCELLED},
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
    return (report_state_t)index_of(report_states, RS_COUNT, name);
}

const char *report_state_name(report_state_t s)
{
    return s >= 0 && s < RS_COUNT ? report_states[s] : NULL;
}

report_action_t report_action_from_name(const char *name)
{
    return (report_action_t)index_of(report_actions, RA_COUNT, name);
}

const char *report_action_name(report_action_t a)
{
    return a >= 0 && a < RA_COUNT ? report_actions[a] : NULL;
}

report_state_t report_next(report_state_t s, report_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return RS_NONE;
}

report_actor_t report_actor(report_action_t a)
{
    return a == RA_WITHDRAW || a == RA_LEAVE ? REPORT_BY_MEMBER : REPORT_BY_COMMUNITY;
}

int report_needs_reason(report_action_t a)
{
    return a == RA_DECLINE || a == RA_LEAVE || a == RA_CANCEL;
}

int report_active(report_state_t s)
{
    return s == RS_PENDING || s == RS_REPORTED;
}
