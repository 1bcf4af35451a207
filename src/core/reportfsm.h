/* A member's report to a residence community (在职党员到社区报到): its states
 * and moves, which action takes a report from which state to which, and whose
 * action it is (the member's side: the member or staff over the member's
 * party organisation; or the community's). Who the caller is, is the API's
 * business. */
#ifndef JICENG_CORE_REPORTFSM_H
#define JICENG_CORE_REPORTFSM_H

typedef enum report_state {
    MRS_NONE = -1,
    MRS_PENDING,   /* 待接收: the member reported, the community has not received it */
    MRS_REPORTED,  /* 已报到: the community received the member */
    MRS_RETURNED,  /* 已返回: sent back by the community, or the member went back to their unit */
    MRS_CANCELLED, /* 注销: withdrawn before receipt, or deregistered by the community */
    MRS_COUNT
} report_state_t;

typedef enum report_action {
    MRA_NONE = -1,
    MRA_RECEIVE,  /* 接收 (community) */
    MRA_DECLINE,  /* 退回 (community, with a reason) */
    MRA_WITHDRAW, /* 撤回 (member) */
    MRA_LEAVE,    /* 返回原单位 (member, with a reason) */
    MRA_CANCEL,   /* 注销 (community, with a reason) */
    MRA_COUNT
} report_action_t;

typedef enum report_actor {
    REPORT_BY_MEMBER,    /* the member, or staff acting for them */
    REPORT_BY_COMMUNITY, /* the community reported to */
} report_actor_t;

/* Every state's and action's name, in enum order, NULL-terminated. */
extern const char *const report_states[];
extern const char *const report_actions[];

report_state_t report_state_from_name(const char *name);
const char *report_state_name(report_state_t s);
report_action_t report_action_from_name(const char *name);
const char *report_action_name(report_action_t a);

/* The state action a leads to from s; MRS_NONE if a is not allowed in s. */
report_state_t report_next(report_state_t s, report_action_t a);

/* Who takes action a. */
report_actor_t report_actor(report_action_t a);

/* 1 if action a needs a reason (decline, leave, cancel). */
int report_needs_reason(report_action_t a);

/* 1 if a report in s is active (pending or reported): a member has at most one. */
int report_active(report_state_t s);

#endif
