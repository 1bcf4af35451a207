#include "core/dutyfsm.h"

#include <stddef.h>
#include <string.h>

const char *const duty_states[] = {"draft", "review", "signed", "published", NULL};
const char *const duty_actions[] = {"submit", "return", "sign", "publish", NULL};

static const struct {
    duty_state_t from;
    duty_action_t action;
    duty_state_t to;
} moves[] = {
    {DS_DRAFT, DA_SUBMIT, DS_REVIEW},
    {DS_REVIEW, DA_RETURN, DS_DRAFT},
    {DS_REVIEW, DA_SIGN, DS_SIGNED},
    {DS_SIGNED, DA_PUBLISH, DS_PUBLISHED},
};

static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

duty_state_t duty_state_from_name(const char *name)
{
    return (duty_state_t)index_of(duty_states, DS_COUNT, name);
}

const char *duty_state_name(duty_state_t s)
{
    return s >= 0 && s < DS_COUNT ? duty_states[s] : NULL;
}

duty_action_t duty_action_from_name(const char *name)
{
    return (duty_action_t)index_of(duty_actions, DA_COUNT, name);
}

const char *duty_action_name(duty_action_t a)
{
    return a >= 0 && a < DA_COUNT ? duty_actions[a] : NULL;
}

duty_state_t duty_next(duty_state_t s, duty_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return DS_NONE;
}

duty_actor_t duty_actor(duty_action_t a)
{
    return a == DA_RETURN || a == DA_SIGN ? DUTY_BY_ABOVE : DUTY_BY_NODE;
}

int duty_needs_reason(duty_action_t a)
{
    return a == DA_RETURN;
}

int duty_items_editable(duty_state_t s)
{
    return s == DS_DRAFT;
}

int duty_in_force(duty_state_t s)
{
    return s == DS_SIGNED || s == DS_PUBLISHED;
}
