#include "core/ptransferfsm.h"

#include <stddef.h>
#include <string.h>

const char *const ptransfer_states[] = {"applied",  "out_reviewed", "received", "returned",
                                        "suspended", "completed",   "cancelled", NULL};
const char *const ptransfer_actions[] = {"approve", "receive", "return", "suspend", "reapply", "complete", "cancel", NULL};
const char *const ptransfer_forms[] = {"formal", "certificate", "mobile_card", NULL};

static const struct {
    ptransfer_state_t from;
    ptransfer_action_t action;
    ptransfer_state_t to;
} moves[] = {
    {PTS_APPLIED, PTA_APPROVE, PTS_OUT_REVIEWED},   {PTS_APPLIED, PTA_CANCEL, PTS_CANCELLED},
    {PTS_OUT_REVIEWED, PTA_RECEIVE, PTS_RECEIVED},  {PTS_OUT_REVIEWED, PTA_RETURN, PTS_RETURNED},
    {PTS_OUT_REVIEWED, PTA_SUSPEND, PTS_SUSPENDED}, {PTS_OUT_REVIEWED, PTA_CANCEL, PTS_CANCELLED},
    {PTS_SUSPENDED, PTA_RECEIVE, PTS_RECEIVED},     {PTS_SUSPENDED, PTA_RETURN, PTS_RETURNED},
    {PTS_RETURNED, PTA_REAPPLY, PTS_APPLIED},       {PTS_RETURNED, PTA_CANCEL, PTS_CANCELLED},
    {PTS_RECEIVED, PTA_COMPLETE, PTS_COMPLETED},
};

static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

ptransfer_state_t ptransfer_state_from_name(const char *name)
{
    return (ptransfer_state_t)index_of(ptransfer_states, PTS_COUNT, name);
}

const char *ptransfer_state_name(ptransfer_state_t s)
{
    return s >= 0 && s < PTS_COUNT ? ptransfer_states[s] : NULL;
}

ptransfer_action_t ptransfer_action_from_name(const char *name)
{
    return (ptransfer_action_t)index_of(ptransfer_actions, PTA_COUNT, name);
}

const char *ptransfer_action_name(ptransfer_action_t a)
{
    return a >= 0 && a < PTA_COUNT ? ptransfer_actions[a] : NULL;
}

ptransfer_state_t ptransfer_next(ptransfer_state_t s, ptransfer_action_t a)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == s && moves[i].action == a)
            return moves[i].to;
    return PTS_NONE;
}

ptransfer_actor_t ptransfer_actor(ptransfer_action_t a)
{
    return a == PTA_RECEIVE || a == PTA_RETURN || a == PTA_SUSPEND ? PT_BY_RECEIVER : PT_BY_SENDER;
}

int ptransfer_needs_reason(ptransfer_action_t a)
{
    return a == PTA_RETURN || a == PTA_SUSPEND;
}

int ptransfer_open(ptransfer_state_t s)
{
    return s >= 0 && s < PTS_COUNT && s != PTS_COMPLETED && s != PTS_CANCELLED;
}

ptransfer_form_t ptransfer_form(int away_months, int fixed_place, int formal_months)
{
    if (!fixed_place)
        return PTF_MOBILE_CARD;
    return away_months >= formal_months ? PTF_FORMAL : PTF_CERTIFICATE;
}
