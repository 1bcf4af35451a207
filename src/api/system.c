/* Liveness, metrics, the role catalogue, the fixed vocabularies and the test clock. */
#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/tx.h"

#include <string.h>

#include "core/casefsm.h"
#include "core/dutyfsm.h"
#include "core/wishfsm.h"
#include "core/rectfsm.h"
#include "core/reportfsm.h"
#include "core/role.h"
#include "lib/util.h"

char *metrics_render(size_t *len);

int sys_healthz(api_req_t *req, api_reply_t *rep)
{
    int64_t one = 0;
    if (db_one_int(req->db, &one, "SELECT 1", "") != DB_OK)
        return api_fail(rep, req->lang, E_UNHEALTHY, NULL);
    /* Reads are served while the disk refuses writes: still 200, but saying so. */
    int storage = tx_storage_state();
    if (storage != DB_OK)
        return api_json(rep, 200, json_pack("{s:s, s:s}", "status", "degraded", "writes",
                                            storage == DB_FULL ? "storage_full" : "storage_error"));
    return api_json(rep, 200, json_pack("{s:s, s:s}", "status", "ok", "writes", "ok"));
}

int sys_metrics(api_req_t *req, api_reply_t *rep)
{
    (void)req;
    rep->status = 200;
    rep->raw = metrics_render(&rep->raw_len);
    rep->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}

int sys_roles(api_req_t *req, api_reply_t *rep)
{
    (void)req;
    json_t *items = json_array();
    const char *name;
    for (int i = 0; (name = role_name_at(i)) != NULL; i++) {
        json_t *perms = json_array();
        uint32_t p = role_perms(name);
        for (int b = 0; b < 32; b++)
            if ((p & (1u << b)) && perm_name(1u << b))
                json_array_append_new(perms, json_string(perm_name(1u << b)));
        json_t *levels = json_array();
        for (org_level_t l = LEVEL_CITY; l <= LEVEL_BUILDING; l++)
            if (role_fits_level(name, l))
                json_array_append_new(levels, json_string(level_name(l)));
        json_array_append_new(items, json_pack("{s:s, s:o, s:o, s:b}", "role", name, "permissions", perms, "levels",
                                               levels, "on_unit", role_on_unit(name)));
    }
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

/* The fixed vocabularies, by the name the API answers them under: the very
 * arrays the validators check against, so the list and what is accepted are one. */
static const struct {
    const char *name;
    const char *const *values;
} enums[] = {
    {"levels", org_levels},
    {"unit_types", unit_types},
    {"party_org_types", party_org_kinds},
    {"party_member_statuses", party_member_statuses},
    {"cadre_posts", cadre_posts},
    {"relations", person_relations},
    {"genders", person_genders},
    {"case_sources", case_sources},
    {"case_ratings", case_ratings},
    {"case_states", case_states},
    {"langs", user_langs},
    {"transfer_boxes", transfer_boxes},
    {"transfer_statuses", transfer_statuses},
    {"norm_keys", norm_keys},
    {"audit_actions", audit_actions},
    /* ---- duty lists (责任清单) ---- */
    {"duty_states", duty_states},
    {"duty_actions", duty_actions},
    {"duty_ratings", duty_ratings},
    /* ---- end duty lists ---- */
    /* notices (调度通报) */
    {"notice_kinds", notice_kinds},
    {"notice_boxes", notice_boxes},
    {"notice_receipt_states", notice_receipt_states},
    /* ---- 述职评议 (review.c) ---- */
    {"review_grades", review_ballot_grades},
    {"review_session_states", review_session_states},
    /* ---- end 述职评议 ---- */
    /* ---- rectification problems (问题清单) ---- */
    {"problem_sources", problem_sources},
    {"problem_severities", problem_severities},
    {"problem_states", rect_states},
    {"problem_actions", rect_actions},
    {"inspection_types", inspection_types},
    {"inspection_results", inspection_results},
    /* ---- end rectification problems ---- */
    /* ---- annual assessment (年度综合考核) ---- */
    {"assessment_classes", assess_classes},
    {"assessment_methods", assess_methods},
    {"assessment_halves", assess_halves},
    {"assessment_run_states", assess_run_states},
    {"assessment_grades", assess_grades},
    /* ---- 结对共建 and purchased services (partner.c) ---- */
    {"contract_services", contract_services},
    {"pairing_item_states", pairing_item_states},
    /* ---- volunteer and service teams (team.c) ---- */
    {"team_kinds", team_kinds},
    {"enterprise_branch_states", enterprise_branch_states},
    /* ---- 双报到 (service_report.c) ---- */
    {"member_report_states", report_states},
    {"member_report_actions", report_actions},
    {"service_record_sources", service_record_sources},
    {"service_grades", service_grades},
    {"unit_report_states", unit_report_states},
    /* ---- end 双报到 ---- */
    /* ---- service posts and 微心愿 (claims.c) ---- */
    {"post_categories", post_categories},
    {"wish_kinds", wish_kinds},
    {"wish_states", wish_states},
    /* ---- 党建品牌 and 荣誉 (honour.c) ---- */
    {"honour_levels", honour_levels},
    /* ---- 民主评议党员 (member_eval.c) ---- */
    {"member_eval_grades", member_eval_grades},
    {"member_eval_steps", member_eval_steps},
    {"member_eval_follow_ups", member_eval_follow_ups},
    {"member_eval_round_states", member_eval_round_states},
    /* ---- end 民主评议党员 ---- */
    /* ---- 三会一课 (party_meeting.c) ---- */
    {"party_meeting_kinds", party_meeting_kinds},
    {"party_meeting_attendance", party_meeting_attendance},
};

/* GET /api/v1/enums: {"unit_types": [...], ...}, each in the validator's order
 * (case states: core/casefsm.c's, what ?state= of the case list takes). */
int sys_enums(api_req_t *req, api_reply_t *rep)
{
    (void)req;
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        json_t *values = json_array();
        for (const char *const *v = enums[i].values; *v; v++)
            json_array_append_new(values, json_string(*v));
        json_object_set_new(out, enums[i].name, values);
    }
    return api_json(rep, 200, out);
}

static const field_t clock_fields[] = {
    /* Back as well as forwards: the tests jump the clock both ways (docs/reliability.md). */
    {"advance_seconds", F_INT, 1, -10LL * 365 * 86400, 10LL * 365 * 86400, NULL, 0},
    FIELDS_END,
};

int sys_test_clock(api_req_t *req, api_reply_t *rep)
{
    clock_advance(json_integer_value(json_object_get(req->body, "advance_seconds")));
    return api_json(rep, 200, json_pack("{s:I, s:I}", "now", (json_int_t)clock_now(), "offset",
                                        (json_int_t)clock_offset()));
}

static int tick_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int n = tx_periodic_work(db, w); /* the escalation of overdue cases is all the periodic work */
    if (n < 0)
        return api_db_error(rep, w->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:i}", "escalated", n));
}

/* Run the writer's periodic work now, in order with other writes (tests move
 * the clock, then tick, instead of waiting for the timer). */
int sys_test_tick(api_req_t *req, api_reply_t *rep)
{
    (void)rep;
    return api_defer(req, tick_write, NULL);
}

const op_t system_ops[] = {
    {OP(HTTP_GET, "/healthz", "healthz", PUB, 0, sys_healthz)},
    {OP(HTTP_GET, "/metrics", "metrics", PUB, 0, sys_metrics)},
    {OP(HTTP_GET, "/api/v1/roles", "roles.list", USER, 0, sys_roles)},
    {OP(HTTP_GET, "/api/v1/enums", "enums.list", USER, 0, sys_enums)},
    {OP(HTTP_POST, "/api/v1/_test/clock", "test.clock", PERM(PERM_ALL), RF_BODY | RF_TEST_ONLY, sys_test_clock), .body = clock_fields},
    {OP(HTTP_POST, "/api/v1/_test/tick", "test.tick", PERM(PERM_ALL), RF_BODY_OPTIONAL | RF_TEST_ONLY | RF_WRITES, sys_test_tick)},
    OPS_END,
};
