/* A 微心愿's states and moves: which action takes a wish from which state to
 * which, and whose action it is. Who the caller is, is the API's business
 * (api/claims.c). */
#ifndef JICENG_CORE_WISHFSM_H
#define JICENG_CORE_WISHFSM_H

typedef enum wish_state {
    WS_NONE = -1,
    WS_COLLECTING, /* 征集: the household (or its grid worker) writes the wish */
    WS_CHECKING,   /* 核实: the community checks the need, usually on a home visit */
    WS_PUBLISHED,  /* 发布: on the wish board, waiting for a member to claim it */
    WS_CLAIMED,    /* 已认领: one member holds the one live claim */
    WS_FULFILLED,  /* 已实现: the member says it is done (date and times of the service) */
    WS_CONFIRMED,  /* 受助人确认: the beneficiary (or the grid worker for them) confirmed it */
    WS_ARCHIVED,   /* 归档: the community filed it */
    WS_CANCELLED,  /* 已取消: withdrawn before anyone claimed it */
    WS_COUNT
} wish_state_t;

typedef enum wish_action {
    WA_NONE = -1,
    WA_SUBMIT,   /* 提交核实 */
    WA_RETURN,   /* 退回 (with a reason) */
    WA_PUBLISH,  /* 核实通过并发布 */
    WA_CLAIM,    /* 认领 */
    WA_WITHDRAW, /* 放弃认领: the claim ends, the wish returns to the pool */
    WA_EXPIRE,   /* 认领超期: the same, by the periodic work */
    WA_FULFIL,   /* 已实现 */
    WA_CONFIRM,  /* 受助人确认 */
    WA_ARCHIVE,  /* 归档 */
    WA_CANCEL,   /* 取消 (with a reason) */
    WA_COUNT
} wish_action_t;

/* Whose move an action is. */
typedef enum wish_actor {
    WISH_BY_HOUSEHOLD,   /* a resident of the household, or staff at its node (people or case write) */
    WISH_BY_COMMUNITY,   /* staff whose grant covers the household's community */
    WISH_BY_MEMBER,      /* an in-service party member (claim), or the claim's holder */
    WISH_BY_BENEFICIARY, /* the beneficiary, or the grid worker on their behalf */
    WISH_BY_SYSTEM,      /* the periodic work (an expired claim) */
} wish_actor_t;

/* Every state's and action's name, in enum order, NULL-terminated. */
extern const char *const wish_states[];
extern const char *const wish_actions[];

wish_state_t wish_state_from_name(const char *name);
const char *wish_state_name(wish_state_t s);
wish_action_t wish_action_from_name(const char *name);
const char *wish_action_name(wish_action_t a);

/* The state action a leads to from s; WS_NONE if a is not allowed in s. */
wish_state_t wish_next(wish_state_t s, wish_action_t a);

/* Who takes action a. */
wish_actor_t wish_actor(wish_action_t a);

/* 1 if action a needs a reason (a return, a cancellation). */
int wish_needs_reason(wish_action_t a);

/* 1 if a wish in s is open: the household may hold one open wish at a time. */
int wish_open(wish_state_t s);

/* 1 if the wish's text and value may still be changed in s (collecting or checking). */
int wish_editable(wish_state_t s);

#endif
