/* What the case files share (case.c, case_action.c, case_inbox.c,
 * case_duplicates.c, case_supervise.c, case_photo.c, case_public.c,
 * case_escalate.c): the case row's columns, the case's JSON, who may see it, its
 * log. Include it from those files only. */
#ifndef JICENG_API_CASE_H
#define JICENG_API_CASE_H

#include "api/internal.h"
#include "core/casefsm.h"

/* A case's row as answers show it (its raw _deadline made into overdue by
 * case_add_overdue). */
#define CASE_COLUMNS                                                                                                   \
    "SELECT c.id, c.tracking_code, k.code AS category, k.name_zh AS category_name, c.source, c.title,"              \
    " c.description, c.contact_phone_masked AS contact_phone, c.lat, c.lng, c.building_id, c.org_id, o.name AS org_name, c.outside_grid AS is_outside_grid,"  \
    " c.state, c.handler_org_id, c.handler_unit_id, c.handler_user_id, c.escalation_level,"                       \
    " c.stage_deadline AS stage_deadline_at, c.close_due_at,"                                                        \
    " c.returns, c.rating, c.rating_comment, c.reporter_id, c.created_at, c.updated_at, c.closed_at, c.version,"     \
    " c.merged_into, c.supervised_org_id, c.supervise_deadline AS supervise_deadline_at, c.is_public,"              \
    " (SELECT COUNT(*) FROM case_photo p WHERE p.case_id = c.id) AS photos, c.stage_deadline AS _deadline"
#define CASE_FROM " FROM casefile c JOIN case_category k ON k.id = c.category_id JOIN org o ON o.id = c.org_id"
#define CASE_SELECT CASE_COLUMNS CASE_FROM

/* overdue: the stage's deadline (the raw _deadline column) has passed. */
void case_add_overdue(json_t *row, int64_t now);
/* The case's answer (with its event log if with_events), or NULL if none. */
json_t *case_json(db_t *db, int64_t id, int with_events);
/* May who see the case? Staff over its node, the org or unit it was dispatched
 * to, or the person who reported it: DB_OK with *org and its path, DB_NOTFOUND,
 * or an error. */
int case_visible(db_t *db, const principal_t *who, int64_t id, int64_t *org, char *path, size_t cap);
/* The hours stage s of category may take (0: no limit). */
int64_t case_stage_hours(db_t *db, int64_t category, case_state_t s);
/* Append an event to the case's log. DB_OK or an error. */
int case_log_event(db_t *db, const write_ctx_t *w, int64_t id, const char *action, const char *from, const char *to,
                   const char *note);

/* A report as the caller sends it (typed input, api.h): cases.create takes
 * every field, the public report category, title, description, contact_phone,
 * lat and lng. Start it with lat and lng NAN: they stay so when not given. */
typedef struct {
    uint64_t given;
    const char *category, *title, *description, *source;
    int64_t building_id, org_id;
    const char *contact_phone;
    double lat, lng;
} report_in_t;

/* What `jiceng routes` tells of the public report's body (case_public.c). */
json_t *public_case_create_describe(void);
/* How long after its report a visitor may add photos to it, and how many. */
#define PUBLIC_PHOTO_SECONDS (30 * 60)
#define PUBLIC_PHOTOS_MAX 3

/* The bodies of the case operations declared in case.c's table. */
extern const field_t case_action_fields[];
extern const field_t case_supervise_fields[];
extern const field_t case_escalate_fields[];
extern const field_t case_publicity_fields[];

#endif
