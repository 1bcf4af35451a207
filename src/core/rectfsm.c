#include "core/rectfsm.h"

#include <stddef.h>
#include <string.h>

const char *const rect_states[] = {"pending", "fixing", "applied", "closed", NULL};
const char *const rect_actions[] = {"start", "apply", "close", "return", NULL};

static const struct {
    rect_state_t from;
    rect_action_t action;
    rect_state_t to;
} moves[] = {
    {RS_PENDING, RA_START, RS_FIXING},
    {RS_FIXING, RA_APPLY, RS_APPLIED},
    {RS_APPLIED, RA_CLOSE, RS_CLOSED},
    {RS_APPLIED, RA_RETURN, RS_FIXING},
};

static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

rect_state_t rect_state_from_name(const char *name)
{
    return (rect_state_t)index_of(rect_states, RS_COUNT, name);
}

const char *rect_state_name(rect_state_t s)
{
    return s >= 0 && s < RS_COUNT ? rect_states[s] : NULL;
}

rect_action_t rect_action_from_name(const char *name)
{
    return (rect_action_t)index_of(rect_actions, RA_COUNT, name);
}

const char *rect_action_name(rect_action_t a)
{
    return a >= 0 && a < RA_COUNT ? rect_actions[a] : NULL;
}

rect_state_t rect_next(rect_state_t s, rect_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return RS_NONE;
}

rect_actor_t rect_actor(rect_action_t a)
{
    return a == RA_CLOSE || a == RA_RETURN ? RECT_BY_RAISER : RECT_BY_CONCERNED;
}

int rect_needs_reason(rect_action_t a)
{
    return a == RA_RETURN;
}

int rect_open(rect_state_t s)
{
    return s >= RS_PENDING && s < RS_CLOSED;
}
