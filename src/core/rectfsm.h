/* A rectification problem's (问题清单 / 整改清单) states and moves: 待整改 →
 * 整改中 → 申请销号 → 已销号, or back from 申请销号 to 整改中 with a reason;
 * and whose move each action is (the org the problem concerns, or the org
 * that raised it). Who the caller is, is the API's business. */
#ifndef JICENG_CORE_RECTFSM_H
#define JICENG_CORE_RECTFSM_H

typedef enum rect_state {
    RS_NONE = -1,
    RS_PENDING, /* 待整改: raised, the concerned org has not started */
    RS_FIXING,  /* 整改中 */
    RS_APPLIED, /* 申请销号: the concerned org says it is fixed */
    RS_CLOSED,  /* 已销号: the raiser (or above it) closed it */
    RS_COUNT
} rect_state_t;

typedef enum rect_action {
    RA_NONE = -1,
    RA_START,  /* 开始整改 */
    RA_APPLY,  /* 申请销号 */
    RA_CLOSE,  /* 销号 */
    RA_RETURN, /* 退回整改 (with a reason) */
    RA_COUNT
} rect_action_t;

/* Whose move an action is. */
typedef enum rect_actor {
    RECT_BY_CONCERNED, /* the org the problem concerns (or whoever holds the write permission over it) */
    RECT_BY_RAISER,    /* the org that raised it, or above it, and never the concerned org itself */
} rect_actor_t;

extern const char *const rect_states[];
extern const char *const rect_actions[];

rect_state_t rect_state_from_name(const char *name);
const char *rect_state_name(rect_state_t s);
rect_action_t rect_action_from_name(const char *name);
const char *rect_action_name(rect_action_t a);

/* The state action a leads to from s; RS_NONE if a is not allowed in s. */
rect_state_t rect_next(rect_state_t s, rect_action_t a);

/* Who takes action a. */
rect_actor_t rect_actor(rect_action_t a);

/* 1 if action a needs a reason (a return). */
int rect_needs_reason(rect_action_t a);

/* 1 while the problem is open (not closed): it may be overdue and carries over. */
int rect_open(rect_state_t s);

#endif
