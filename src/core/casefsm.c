#include "core/casefsm.h"

#include <stddef.h>
#include <string.h>

const char *const case_states[] = {"reported", "accepted", "rejected", "dispatched", "handling",
                                 "handled",  "verified", "closed",   "rated", NULL};
static const char *const actions[CA_COUNT] = {"accept", "reject", "dispatch", "claim", "handle",
                                              "verify", "return", "close",    "rate", "merge"};

static const struct {
    case_state_t from;
    case_action_t action;
    case_state_t to;
} moves[] = {
    {CS_REPORTED, CA_ACCEPT, CS_ACCEPTED},   {CS_REPORTED, CA_REJECT, CS_REJECTED},
    {CS_ACCEPTED, CA_DISPATCH, CS_DISPATCHED}, {CS_DISPATCHED, CA_CLAIM, CS_HANDLING},
    {CS_HANDLING, CA_HANDLE, CS_HANDLED},    {CS_HANDLED, CA_VERIFY, CS_VERIFIED},
    {CS_HANDLED, CA_RETURN, CS_HANDLING},    {CS_VERIFIED, CA_CLOSE, CS_CLOSED},
    {CS_CLOSED, CA_RATE, CS_RATED},         {CS_REPORTED, CA_MERGE, CS_REJECTED},
};

case_state_t case_state_from_name(const char *name)
{
    for (int i = 0; name && i < CS_COUNT; i++)
        if (strcmp(name, case_states[i]) == 0)
            return (case_state_t)i;
    return CS_NONE;
}

const char *case_state_name(case_state_t s)
{
    return s >= 0 && s < CS_COUNT ? case_states[s] : NULL;
}

case_action_t case_action_from_name(const char *name)
{
    for (int i = 0; name && i < CA_COUNT; i++)
        if (strcmp(name, actions[i]) == 0)
            return (case_action_t)i;
    return CA_NONE;
}

const char *case_action_name(case_action_t a)
{
    return a >= 0 && a < CA_COUNT ? actions[a] : NULL;
}

case_state_t case_next(case_state_t s, case_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return CS_NONE;
}

int case_state_final(case_state_t s)
{
    return s == CS_REJECTED || s == CS_CLOSED || s == CS_RATED;
}
