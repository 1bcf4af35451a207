/* A party member's membership transfer (组织关系转接): its states and moves,
 * whose move each is (the sending side: staff over the member's party
 * organisation; the receiving side: staff over the destination), and the form
 * a transfer takes by the member's situation. Who the caller is, is the API's
 * business (docs/party-transfers.md). */
#ifndef JICENG_CORE_PTRANSFERFSM_H
#define JICENG_CORE_PTRANSFERFSM_H

typedef enum ptransfer_state {
    PTS_NONE = -1,
    PTS_APPLIED,      /* 申请: waiting for the sending side's review */
    PTS_OUT_REVIEWED, /* 转出审核: approved, the letter issued, at the receiving side */
    PTS_RECEIVED,     /* 接收: received, the receipt (回执) made out, back at the sending side */
    PTS_RETURNED,     /* 退回: sent back by the receiving side, with a reason */
    PTS_SUSPENDED,    /* 挂起: held by the receiving side, with a reason */
    PTS_COMPLETED,    /* 完成: the receipt is back; the member belongs to the destination */
    PTS_CANCELLED,    /* 撤销 */
    PTS_COUNT
} ptransfer_state_t;

typedef enum ptransfer_action {
    PTA_NONE = -1,
    PTA_APPROVE,  /* 转出审核通过, the letter issued (sending side) */
    PTA_RECEIVE,  /* 接收 (receiving side) */
    PTA_RETURN,   /* 退回 (receiving side, with a reason) */
    PTA_SUSPEND,  /* 挂起 (receiving side, with a reason) */
    PTA_REAPPLY,  /* 重新申请 after a return (sending side) */
    PTA_COMPLETE, /* 回执已返回: complete (sending side) */
    PTA_CANCEL,   /* 撤销 (sending side; the member too, while applied) */
    PTA_COUNT
} ptransfer_action_t;

typedef enum ptransfer_actor {
    PT_BY_SENDER,   /* staff over the member's party organisation */
    PT_BY_RECEIVER, /* staff over the destination party organisation */
} ptransfer_actor_t;

/* The form a transfer takes. */
typedef enum ptransfer_form {
    PTF_FORMAL,      /* 正式转接: away at least formal_months at a fixed place */
    PTF_CERTIFICATE, /* 党员证明信: away less than that at a fixed place */
    PTF_MOBILE_CARD, /* 流动党员活动证: no fixed place */
    PTF_COUNT
} ptransfer_form_t;

/* Every state's, action's and form's name, in enum order, NULL-terminated. */
extern const char *const ptransfer_states[];
extern const char *const ptransfer_actions[];
extern const char *const ptransfer_forms[];

ptransfer_state_t ptransfer_state_from_name(const char *name);
const char *ptransfer_state_name(ptransfer_state_t s);
ptransfer_action_t ptransfer_action_from_name(const char *name);
const char *ptransfer_action_name(ptransfer_action_t a);

/* The state action a leads to from s; PTS_NONE if a is not allowed in s. */
ptransfer_state_t ptransfer_next(ptransfer_state_t s, ptransfer_action_t a);

/* Whose action a is. */
ptransfer_actor_t ptransfer_actor(ptransfer_action_t a);

/* 1 if action a needs a reason (return, suspend). */
int ptransfer_needs_reason(ptransfer_action_t a);

/* 1 if a transfer in s is still in progress (neither completed nor cancelled). */
int ptransfer_open(ptransfer_state_t s);

/* The form for a member away away_months (at a fixed place or not), given the
 * formal threshold formal_months: no fixed place → the 活动证; at least
 * formal_months → formal; else the certificate letter. */
ptransfer_form_t ptransfer_form(int away_months, int fixed_place, int formal_months);

#endif
