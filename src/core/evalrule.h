/* 民主评议党员: the pure rules of a member's yearly evaluation (docs/member-evaluation.md).
 * The steps come in order: self-assessment, peer assessment, branch assessment,
 * the org's decision (the final grade), and after a 不合格 decision its follow-up.
 * A 预备党员 takes part in the first two and is not graded. At most a share of
 * the graded (full) members may be decided 优秀. No I/O. */
#ifndef JICENG_CORE_EVALRULE_H
#define JICENG_CORE_EVALRULE_H

typedef enum { EVS_SELF, EVS_PEER, EVS_BRANCH, EVS_DECISION, EVS_FOLLOW_UP, EVS_COUNT, EVS_NONE = -1 } eval_step_t;

/* Why a step may not be recorded now (0: it may). */
enum {
    EVR_OK = 0,
    EVR_EARLY = 1,        /* the step before it is not done */
    EVR_LATE = 2,         /* the step after it is done (or the decision is made: it stands) */
    EVR_NOT_GRADED = 3,   /* branch assessment or decision of a 预备党员 */
    EVR_NO_FOLLOW_UP = 4, /* a follow-up where the decision is not 不合格 */
};

/* The step's name ("self", "peer", "branch", "decision", "follow_up") and back (EVS_NONE if unknown). */
const char *eval_step_name(eval_step_t s);
eval_step_t eval_step_from_name(const char *name);

/* May step s be recorded on an entry whose last done step is done (EVS_NONE:
 * none yet), of a 预备党员 when probationary, decided 不合格 when failed? EVR_*.
 * A step may be recorded again until the next one is done; the decision is
 * final (only its follow-up may follow, once, and be changed). */
int eval_step_check(eval_step_t s, eval_step_t done, int probationary, int failed);

/* The last step an entry needs (its round may close when every entry has it):
 * the decision, or for a 预备党员 the peer assessment. */
eval_step_t eval_step_last(int probationary);

/* The most 优秀 decisions among graded members when at most num in every den
 * may be 优秀: floor(graded * num / den), never more than graded; 0 when
 * graded <= 0, num <= 0 or den <= 0. Rounding down is the rule: "at most a
 * third" of 7 is 2 (7 / 3 = 2.33), of 9 is 3, of 2 is 0. */
long eval_excellent_max(long graded, long num, long den);

#endif
