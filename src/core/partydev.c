#include "core/partydev.h"

#include <stdio.h>
#include <string.h>

#include "core/timefmt.h"

/* The 25 steps in the 细则's order (its chapters two to six). */
static const pd_step_t steps[PD_STEPS + 1] = {
    {0, NULL, 0},
    {1, "application", 0},           /* 递交入党申请书 */
    {1, "talk", 0},                  /* 党组织派人谈话 */
    {2, "activist", 0},              /* 推荐和确定入党积极分子 */
    {2, "activist_filed", 0},        /* 上级党委备案 */
    {2, "mentors", 0},               /* 指定培养联系人 */
    {2, "assessment", 1},            /* 培养教育考察 (每半年一次) */
    {3, "object", 0},                /* 确定发展对象 */
    {3, "object_filed", 0},          /* 报上级党委备案 */
    {3, "introducers", 0},           /* 确定入党介绍人 */
    {3, "political_review", 0},      /* 进行政治审查 */
    {3, "training", 0},              /* 开展集中培训 */
    {4, "committee_review", 0},      /* 支部委员会审查 */
    {4, "prereview", 0},             /* 上级党委预审 (公示) */
    {4, "form", 0},                  /* 填写入党志愿书 */
    {4, "branch_vote", 0},           /* 支部大会讨论 */
    {4, "committee_talk", 0},        /* 上级党委派人谈话 */
    {4, "approval", 0},              /* 上级党委审批 */
    {4, "approval_filed", 0},        /* 再上级党委组织部门备案 */
    {5, "grouped", 0},               /* 编入党支部和党小组 */
    {5, "oath", 0},                  /* 入党宣誓 */
    {5, "probation_assessment", 1},  /* 继续教育考察 */
    {5, "conversion_application", 0}, /* 提出转正申请 */
    {5, "conversion_vote", 0},       /* 支部大会讨论 */
    {5, "conversion_approval", 0},   /* 上级党委审批 */
    {5, "archived", 0},              /* 材料归档 */
};

const pd_step_t *pd_step(int n)
{
    return n >= 1 && n <= PD_STEPS ? &steps[n] : NULL;
}

int pd_quorate(int64_t voting, int64_t present)
{
    return voting > 0 && present <= voting && present * 2 > voting;
}

int pd_adopted(int64_t voting, int64_t votes_for)
{
    return voting > 0 && votes_for <= voting && votes_for * 2 > voting;
}

pd_vote_t pd_vote(int64_t voting, int64_t present, int64_t votes_for)
{
    if (!pd_quorate(voting, present) || votes_for > present)
        return PD_VOTE_NO_QUORUM;
    return pd_adopted(voting, votes_for) ? PD_VOTE_ADOPTED : PD_VOTE_REJECTED;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

int pd_ymd(const char *date)
{
    int y, m, d;
    char rest;
    if (date == NULL || strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &rest) != 3 || y < 1 ||
        m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return 0;
    return y * 10000 + m * 100 + d;
}

void pd_ymd_text(int ymd, char out[11])
{
    unsigned y = (unsigned)(ymd / 10000) % 10000u, m = (unsigned)(ymd / 100) % 100u, d = (unsigned)ymd % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", y % 10000u, m % 100u, d % 100u);
}

int pd_add_months(int ymd, int months)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    int k = y * 12 + (m - 1) + months;
    y = k / 12;
    m = k % 12 + 1;
    if (d > month_days(y, m))
        d = month_days(y, m);
    return y * 10000 + m * 100 + d;
}

static int64_t days_of(int ymd)
{
    return time_days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

int pd_add_days(int ymd, int days)
{
    char text[32];
    time_format_rfc3339(text, (days_of(ymd) + days) * 86400);
    return (text[0] - '0') * 10000000 + (text[1] - '0') * 1000000 + (text[2] - '0') * 100000 +
           (text[3] - '0') * 10000 + (text[5] - '0') * 1000 + (text[6] - '0') * 100 + (text[8] - '0') * 10 +
           (text[9] - '0');
}

int pd_workdays(int from, int to)
{
    int64_t a = days_of(from), b = days_of(to), n = 0;
    for (int64_t d = a; d <= b; d++) {
        int64_t wd = ((d % 7) + 7 + 3) % 7; /* 1970-01-01 was a Thursday: 0 Monday .. 6 Sunday */
        n += wd < 5;
    }
    return (int)n;
}

int pd_age_on(int birth, int on)
{
    int age = on / 10000 - birth / 10000;
    if (on % 10000 < birth % 10000)
        age--;
    return age;
}

int pd_assessments_needed(int activist_on, int on, int period_months)
{
    if (activist_on == 0 || period_months <= 0)
        return 0;
    int n = 0;
    while (pd_add_months(activist_on, (n + 1) * period_months) <= on)
        n++;
    return n;
}

static int later(int a, int b)
{
    return a > b ? a : b;
}

void pd_next(const pd_state_t *s, const pd_periods_t *p, pd_next_t *out)
{
    memset(out, 0, sizeof *out);
    if (s->last >= PD_STEPS || s->last < 1)
        return;
    int n = s->last + 1, prev = s->on[s->last];
    out->step = n;
    out->earliest = prev;
    switch (n) {
    case 2: /* the talk within a month of the application */
        out->due_by = pd_add_months(s->on[1], p->talk_months);
        break;
    case PD_STEP_OBJECT: /* a year as 入党积极分子 at least, assessed every half year */
        out->earliest = later(prev, pd_add_months(s->on[PD_STEP_ACTIVIST], p->activist_months));
        break;
    case PD_STEP_ASSESS:
        out->due_by = pd_add_months(s->on[PD_STEP_ACTIVIST], p->assessment_months);
        break;
    case PD_STEP_APPROVAL:
        out->due_by = pd_add_months(s->on[PD_STEP_VOTE], p->approval_months);
        out->latest = pd_add_months(s->on[PD_STEP_VOTE], p->approval_months_max);
        break;
    case PD_STEP_CONVERT_APPROVAL:
        out->due_by = pd_add_months(s->on[PD_STEP_CONVERT_VOTE], p->approval_months);
        out->latest = pd_add_months(s->on[PD_STEP_CONVERT_VOTE], p->approval_months_max);
        break;
    case PD_STEP_CONVERT_VOTE: /* when the probation ends */
        out->earliest = later(prev, s->probation_end);
        break;
    case PD_STEP_CONVERT_VOTE - 1:
        out->due_by = s->probation_end;
        break;
    default:
        break;
    }
}
