/* Shared by the rectification files (problem.c, inspection.c): a problem's
 * input and insert, and the 暗访 visibility condition every read of problems
 * and inspections goes through. */
#ifndef JICENG_API_PROBLEM_H
#define JICENG_API_PROBLEM_H

#include "api/internal.h"
#include "core/role.h"

#define PROBLEM_READ PERM_PARTY_READ
#define PROBLEM_WRITE PERM_PARTY_WRITE

typedef struct {
    uint64_t given;
    int64_t org_id;
    int64_t raised_org_id;
    int64_t year;
    const char *source;
    const char *category;
    const char *severity;
    const char *description;
    const char *evidence;
    const char *measure;
    const char *deadline;
    const char *lead_name;
    const char *unit_name;
    const char *person_name;
} problem_in_t;

/* A finding turned into a problem (an inspection's failed item, a 述职点评): what
 * the finder says; the rest (org, raiser, year, source, evidence) comes from the
 * record it is found on. */
typedef struct {
    uint64_t given;
    const char *severity;
    const char *category;
    const char *description;
    const char *measure;
    const char *deadline;
    const char *lead_name;
    const char *unit_name;
    const char *person_name;
} problem_finding_t;
extern const field_t problem_finding_fields[];

/* p from the finding f: category and description default to the record's
 * (category, description); the caller sets org_id, raised_org_id, year,
 * source and evidence. */
void problem_from_finding(const problem_finding_t *f, problem_in_t *p, const char *category, const char *description);

/* Insert a problem (pending), its first history row and its audit row; from
 * inspection (0: none). DB_OK with *id, or an error. */
int problem_insert(db_t *db, const write_ctx_t *w, const problem_in_t *in, int64_t inspection, int64_t *id);

/* The problem's answer (with history and the caller's moves), or NULL. */
json_t *problem_json(db_t *db, const principal_t *who, int64_t id);

/* The visibility of covert inspections (暗访), on top of the subtree grants: a
 * row tied to inspection `col` (NULL: none) is seen unless the inspection is
 * covert and unpublished, except by its team and by grants (with party.read)
 * at or above the inspecting org. Three parameters, bound by seen_args: the
 * caller's user id twice and the roles carrying party.read ("|admin|...|"). */
#define INSPECTION_SEEN(col)                                                                                           \
    "(" col " IS NULL OR EXISTS (SELECT 1 FROM inspection si JOIN org so ON so.id = si.org_id WHERE si.id = " col     \
    " AND (si.type <> 'covert' OR si.published_at IS NOT NULL"                                                         \
    " OR EXISTS (SELECT 1 FROM inspection_member sm WHERE sm.inspection_id = si.id AND sm.user_id = ?)"                \
    " OR EXISTS (SELECT 1 FROM user_grant sg LEFT JOIN org sgo ON sgo.id = sg.org_id WHERE sg.user_id = ?"            \
    " AND (? LIKE ('%|' || sg.role || '|%'))"                                                                        \
    " AND (sg.org_id IS NULL OR substr(so.path, 1, length(sgo.path)) = sgo.path)))))"
#define SEEN_TYPES "iit"

/* The roles carrying party.read, as INSPECTION_SEEN's third parameter. */
const char *inspection_seen_roles(void);

/* How many days past its deadline a problem's 督办 escalates to the raiser's parent:
 * the norm problem.escalate_days at its raiser in its year, 7 where none applies. */
int64_t problem_escalate_days(db_t *db, int64_t raiser, int year);

#endif
