/* 发展党员: the 25 steps of the 2014 细则 (《中国共产党发展党员工作细则》), the
 * branch meeting's counting, and when each next step may come and is due.
 * Pure: dates are yyyymmdd integers, the periods come from the norm
 * development.periods (docs/party-development.md). */
#ifndef JICENG_CORE_PARTYDEV_H
#define JICENG_CORE_PARTYDEV_H

#include <stdint.h>

#define PD_STEPS 25

/* The steps that record a meeting's vote (支部大会: admission, conversion). */
#define PD_STEP_ACTIVIST 3
#define PD_STEP_ASSESS 6
#define PD_STEP_OBJECT 7
#define PD_STEP_TRAINING 11
#define PD_STEP_PREREVIEW 13
#define PD_STEP_VOTE 15
#define PD_STEP_APPROVAL 17
#define PD_STEP_PROBATION_ASSESS 21
#define PD_STEP_CONVERT_VOTE 23
#define PD_STEP_CONVERT_APPROVAL 24

typedef struct {
    int stage;        /* 1..5 */
    const char *code; /* "application", ...: the API's name of the step */
    int repeatable;   /* may be recorded again while it is the last step (half-yearly assessments) */
} pd_step_t;

/* Step n (1..PD_STEPS), or NULL. */
const pd_step_t *pd_step(int n);

/* A branch meeting (支部大会) of `voting` full members with the right to vote,
 * `present` of them there and `votes_for` in favour: valid when more than half
 * of the voting members are present; adopted when more than half of ALL the
 * voting members (not of those present) vote for it. */
typedef enum { PD_VOTE_NO_QUORUM, PD_VOTE_REJECTED, PD_VOTE_ADOPTED } pd_vote_t;
int pd_quorate(int64_t voting, int64_t present);
int pd_adopted(int64_t voting, int64_t votes_for);
pd_vote_t pd_vote(int64_t voting, int64_t present, int64_t votes_for);

/* Dates as yyyymmdd: "YYYY-MM-DD" read (0 if it does not read) and written (out[11]). */
int pd_ymd(const char *date);
void pd_ymd_text(int ymd, char out[11]);
/* ymd plus months, the day kept or taken to the month's last (01-31 + 1 month = 02-28). */
int pd_add_months(int ymd, int months);
int pd_add_days(int ymd, int days);
/* Working days (Monday to Friday) from `from` to `to`, both counted; 0 if to < from. */
int pd_workdays(int from, int to);
/* Full years of age on `on` of someone born on `birth`. */
int pd_age_on(int birth, int on);

/* The periods in force (the norm development.periods). */
typedef struct {
    int min_age, talk_months, activist_months, assessment_months, training_days, training_hours;
    int publicity_workdays, approval_months, approval_months_max, probation_months;
    int extension_months_min, extension_months_max;
} pd_periods_t;

/* What a candidate has done so far. */
typedef struct {
    int last;               /* the last step done (1..25) */
    int on[PD_STEPS + 1];   /* the date of each step's latest record, 0: none */
    int assessments;        /* half-yearly assessments (step 6) recorded */
    int probation_end;      /* the vote's date + the probation + any extension, 0 before the vote */
    int extended;           /* the probation was extended (once at most) */
} pd_state_t;

/* The next step and its dates: earliest (0: any day after the last step's),
 * due_by (0: none) and the latest possible (0: none, else a later record is refused). */
typedef struct {
    int step;     /* 0: none (the record is closed) */
    int earliest, due_by, latest;
} pd_next_t;
void pd_next(const pd_state_t *s, const pd_periods_t *p, pd_next_t *out);

/* The half-yearly assessments a 入党积极分子 of `activist_on` needs by `on`: one
 * for every whole assessment period since. */
int pd_assessments_needed(int activist_on, int on, int period_months);

#endif
