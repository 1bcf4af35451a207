/* 服务记录: an in-service party member's service to the community they reported
 * to (docs/service-records.md). One insert for every family that records
 * service (a member's own entry, a service post's attendance, a fulfilled
 * 微心愿), so the rules hold whoever writes: the time is the service's own, it
 * ends after it starts, and a member's records of one day never overlap. */
#include "api/internal.h"

int service_record_add(db_t *db, const write_ctx_t *w, const service_add_t *r, int64_t *id, api_reply_t *rep)
{
    if (r->end_min <= r->start_min)
        return api_fail(rep, w->lang, E_SERVICE_END_BEFORE_START, "end_min");
    int64_t other = 0;
    int rc = db_one_int(db, &other,
                        "SELECT id FROM service_record WHERE person_id = ? AND served_on = ? AND start_min < ?"
                        " AND end_min > ? LIMIT 1",
                        "itii", r->person_id, r->served_on, (int64_t)r->end_min, (int64_t)r->start_min);
    if (rc == DB_OK)
        return api_fail(rep, w->lang, E_SERVICE_OVERLAP, "start_min");
    if (rc != DB_NOTFOUND)
        return api_db_error(rep, w->lang, rc, NULL);
    rc = db_one_int(db, id,
                    "INSERT INTO service_record (org_id, person_id, served_on, start_min, end_min, minutes, content,"
                    " source, source_id, verified_by, verified_at, created_by, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    "iitiiittIIIIii", r->org_id, r->person_id, r->served_on, (int64_t)r->start_min,
                    (int64_t)r->end_min, (int64_t)(r->end_min - r->start_min), r->content, r->source, r->source_id,
                    r->verified_by, r->verified_by > 0 ? w->now : 0, w->who.user_id, w->now, w->now);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}
