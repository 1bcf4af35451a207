/* The case loop as a state machine: which action takes a case from which
 * state to which. Who may take an action is the API's business; whether the
 * action exists in this state is this table's. */
#ifndef JICENG_CORE_CASEFSM_H
#define JICENG_CORE_CASEFSM_H

typedef enum case_state {
    CS_NONE = -1,
    CS_REPORTED,   /* 上报 */
    CS_ACCEPTED,   /* 受理/立案 */
    CS_REJECTED,   /* 不予受理 */
    CS_DISPATCHED, /* 派遣 */
    CS_HANDLING,   /* 处置 */
    CS_HANDLED,    /* 处置完成 */
    CS_VERIFIED,   /* 核查 */
    CS_CLOSED,     /* 结案 */
    CS_RATED,      /* 评价 */
    CS_COUNT
} case_state_t;

typedef enum case_action {
    CA_NONE = -1,
    CA_ACCEPT,
    CA_REJECT,
    CA_DISPATCH,
    CA_CLAIM,   /* the handler reports for duty (报到) */
    CA_HANDLE,
    CA_VERIFY,
    CA_RETURN,  /* 返工: back to handling */
    CA_CLOSE,
    CA_RATE,
    CA_MERGE,   /* a duplicate folded into an earlier case */
    CA_COUNT
} case_action_t;

case_state_t case_state_from_name(const char *name);
const char *case_state_name(case_state_t s);
/* Every state's name, in case_state_t order, NULL-terminated. */
extern const char *const case_states[];
case_action_t case_action_from_name(const char *name);
const char *case_action_name(case_action_t a);

/* The state action a leads to from s; CS_NONE if a is not allowed in s. */
case_state_t case_next(case_state_t s, case_action_t a);

/* 1 if a case in state s is finished (no more deadlines). */
int case_state_final(case_state_t s);

#endif
