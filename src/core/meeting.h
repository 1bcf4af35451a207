/* The counting of a party organisation's meetings (三会一课, docs/party-meetings.md):
 * the quorum of a 支部党员大会 that votes, and a kind's compliance with its
 * expected frequency over a year. Pure: arrays in, numbers out. */
#ifndef JICENG_CORE_MEETING_H
#define JICENG_CORE_MEETING_H

#include <stddef.h>

/* One member on a meeting's roll: full 1 for a 正式党员 (entitled to vote),
 * 0 for a 预备党员; present 1 when present. */
typedef struct meet_voter {
    int full;
    int present;
} meet_voter_t;

typedef struct meet_quorum {
    int entitled;      /* full members on the roll: the denominator */
    int present;       /* of them, present */
    int needed;        /* more than half of entitled: entitled / 2 + 1 */
    int probationary_present; /* 预备党员 present: counted nowhere, shown */
    int met;           /* 1 when present >= needed (and entitled > 0) */
} meet_quorum_t;

/* The quorum of the roll's n members: 预备党员 count neither in the
 * denominator nor among those present. */
void meet_quorum(const meet_voter_t *roll, size_t n, meet_quorum_t *out);

/* A period of a kind's year: its months [first, last] (1-12), the meetings
 * held in it, the meetings it needs and its state. */
typedef enum meet_state {
    MEET_OK,     /* held what it needs */
    MEET_MISSED, /* ended without */
    MEET_OPEN,   /* not ended yet, short so far */
} meet_state_t;

typedef struct meet_period {
    int first, last;
    int held, needed;
    meet_state_t state;
} meet_period_t;

#define MEET_PERIODS_MAX 12

/* The periods of a kind expected per_year times a year, given held[12] (the
 * meetings of each month) and months_ended (0-12: how many months of the
 * year have ended). per_year dividing 12 (1, 2, 3, 4, 6, 12): per_year
 * periods of 12 / per_year months, each needing one meeting; any other
 * per_year (5, 7-11): one period, the year, needing per_year; 0: none
 * (nothing expected). Answers the number of periods written to out (at most
 * MEET_PERIODS_MAX), and in *missed those MEET_MISSED. per_year outside
 * 0-12: -1. */
int meet_judge(int per_year, const int held[12], int months_ended, meet_period_t *out, int *missed);

#endif
