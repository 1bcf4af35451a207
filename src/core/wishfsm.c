#include "core/wishfsm.h"

#include <stddef.h>
#include <string.h>

const char *const wish_states[] = {"collecting", "checking", "published", "claimed", "fulfilled",
                                   "confirmed",  "archived", "cancelled", NULL};
const char *const wish_actions[] = {"submit", "return",  "publish", "claim",   "withdraw",
                                    "expire", "fulfil",  "confirm", "archive", "cancel",  NULL};

static const struct {
    wish_state_t from;
    wish_action_t action;
    wish_state_t to;
} moves[] = {
    {WS_COLLECTING, WA_SUBMIT, WS_CHECKING},   {WS_CHECKING, WA_RETURN, WS_COLLECTING},
    {WS_CHECKING, WA_PUBLISH, WS_PUBLISHED},   {WS_PUBLISHED, WA_CLAIM, WS_CLAIMED},
    {WS_CLAIMED, WA_WITHDRAW, WS_PUBLISHED},   {WS_CLAIMED, WA_EXPIRE, WS_PUBLISHED},
    {WS_CLAIMED, WA_FULFIL, WS_FULFILLED},     {WS_FULFILLED, WA_CONFIRM, WS_CONFIRMED},
    {WS_CONFIRMED, WA_ARCHIVE, WS_ARCHIVED},   {WS_COLLECTING, WA_CANCEL, WS_CANCELLED},
    {WS_CHECKING, WA_CANCEL, WS_CANCELLED},    {WS_PUBLISHED, WA_CANCEL, WS_CANCELLED},
};

static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

wish_state_t wish_state_from_name(const char *name)
{
    return (wish_state_t)index_of(wish_states, WS_COUNT, name);
}

const char *wish_state_name(wish_state_t s)
{
    return s >= 0 && s < WS_COUNT ? wish_states[s] : NULL;
}

wish_action_t wish_action_from_name(const char *name)
{
    return (wish_action_t)index_of(wish_actions, WA_COUNT, name);
}

const char *wish_action_name(wish_action_t a)
{
    return a >= 0 && a < WA_COUNT ? wish_actions[a] : NULL;
}

wish_state_t wish_next(wish_state_t s, wish_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return WS_NONE;
}

wish_actor_t wish_actor(wish_action_t a)
{
    switch (a) {
    case WA_RETURN:
    case WA_PUBLISH:
    case WA_ARCHIVE:
        return WISH_BY_COMMUNITY;
    case WA_CLAIM:
    case WA_WITHDRAW:
    case WA_FULFIL:
        return WISH_BY_MEMBER;
    case WA_CONFIRM:
        return WISH_BY_BENEFICIARY;
    case WA_EXPIRE:
        return WISH_BY_SYSTEM;
    default:
        return WISH_BY_HOUSEHOLD; /* submit, cancel */
    }
}

int wish_needs_reason(wish_action_t a)
{
    return a == WA_RETURN || a == WA_CANCEL;
}

int wish_open(wish_state_t s)
{
    return s >= WS_COLLECTING && s <= WS_FULFILLED;
}

int wish_editable(wish_state_t s)
{
    return s == WS_COLLECTING || s == WS_CHECKING;
}
