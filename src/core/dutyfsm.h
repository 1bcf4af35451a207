/* A duty list's (书记抓基层党建责任清单) states and moves: which action takes
 * a list from which state to which, and whose action it is (the list's own
 * node, or the level above it). Who the caller is, is the API's business. */
#ifndef JICENG_CORE_DUTYFSM_H
#define JICENG_CORE_DUTYFSM_H

typedef enum duty_state {
    DS_NONE = -1,
    DS_DRAFT,     /* 起草: the node writes its items */
    DS_REVIEW,    /* 上级审核: submitted, the level above reviews it */
    DS_SIGNED,    /* 签订: the level above signed it */
    DS_PUBLISHED, /* 公开: the node made it public */
    DS_COUNT
} duty_state_t;

typedef enum duty_action {
    DA_NONE = -1,
    DA_SUBMIT,  /* 报送审核 */
    DA_RETURN,  /* 退回修改 (with a reason) */
    DA_SIGN,    /* 签订 */
    DA_PUBLISH, /* 公开 */
    DA_COUNT
} duty_action_t;

/* Whose move an action is. */
typedef enum duty_actor {
    DUTY_BY_NODE,  /* the list's own node (or anyone holding the write permission over it) */
    DUTY_BY_ABOVE, /* the level above the list's node */
} duty_actor_t;

/* Every state's and action's name, in enum order, NULL-terminated. */
extern const char *const duty_states[];
extern const char *const duty_actions[];

duty_state_t duty_state_from_name(const char *name);
const char *duty_state_name(duty_state_t s);
duty_action_t duty_action_from_name(const char *name);
const char *duty_action_name(duty_action_t a);

/* The state action a leads to from s; DS_NONE if a is not allowed in s. */
duty_state_t duty_next(duty_state_t s, duty_action_t a);

/* Who takes action a. */
duty_actor_t duty_actor(duty_action_t a);

/* 1 if action a needs a reason (a return). */
int duty_needs_reason(duty_action_t a);

/* 1 if the list's items may be added, changed or removed in s (a draft). */
int duty_items_editable(duty_state_t s);

/* 1 if progress may be reported and quarterly reviews written in s (signed or published). */
int duty_in_force(duty_state_t s);

#endif
