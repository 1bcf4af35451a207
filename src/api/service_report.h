/* 双报到's files (service_report.c: member reports, the member's own page and the
 * figures; service_card.c: service records and cards; unit_report.c: unit reports
 * and 共建协议; service_report_demo.c): what they share. Included only by them. */
#ifndef JICENG_API_SERVICE_REPORT_H
#define JICENG_API_SERVICE_REPORT_H

#include "api/handlers.h"
#include "api/op.h"
#include "api/internal.h"
#include "api/list.h"
#include "core/reportfsm.h"
#include "core/role.h"

#define SR_READ PERM_PARTY_READ
#define SR_WRITE PERM_PARTY_WRITE

/* A member report's parties: the community reported to and the member's own
 * party organisation's node (where staff act for the member), and the employer
 * party organisation's node (the unit side). */
typedef struct {
    int64_t id, org, person, member_org, employer_org, employer_party_org;
    report_state_t state;
    char path[ACCESS_PATH_MAX], member_path[ACCESS_PATH_MAX], employer_path[ACCESS_PATH_MAX];
} report_at_t;

/* 404 naming field for DB_NOTFOUND (e: the entry), else the storage error. Always -1. */
int sr_ref_missing(api_reply_t *rep, const char *lang, int rc, err_t e, const char *field);
/* The path of node org (ACCESS_PATH_MAX bytes): DB_OK, DB_NOTFOUND (org 0 or missing) or an error. */
int sr_node_path(db_t *db, int64_t org, char *path);
/* Member report id's parties and state: DB_OK, DB_NOTFOUND or an error. */
int sr_report_load(db_t *db, int64_t id, report_at_t *r);
/* 1 if who acts for the report's member with perm (the member, or staff over the
 * member's or the employer's party organisation). */
int sr_member_side(const principal_t *who, const report_at_t *r, uint32_t perm);
/* 1 if who holds perm over the community reported to. */
int sr_community_side(const principal_t *who, const report_at_t *r, uint32_t perm);
/* The entity scope of a member report: its member and both sides see it. */
int sr_report_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org);
/* A member report as answered (history, status, can); NULL when missing. */
json_t *sr_report_json(db_t *db, const principal_t *who, int64_t id);
/* The member's verified activities and minutes of year against the norms at org
 * (null where none applies); NULL on a storage error. */
json_t *sr_norm_status(db_t *db, int64_t person, int64_t org, int year);
/* org (an input field) is a community: 0, or -1 with rep set. */
int sr_community_input(db_t *db, const write_ctx_t *w, int64_t org, const char *field, api_reply_t *rep);
/* Set the member's registered community to org (0: none) when it is was now (any
 * when was is 0), keeping the people figures in step. */
int sr_member_registered(db_t *db, const write_ctx_t *w, int64_t person, int64_t org, int64_t was);
/* A list's condition: path (a column) in the subtree of ?org= (else the caller's
 * scope) under party.read. 0, or -1 with rep set. */
int sr_community_range(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *path);
/* A list of what concerns employer party organisations (param, column col):
 * 0, or -1 with rep set and l ended. */
int sr_party_org_or_range(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *param, const char *col);
/* Conditions from a query parameter, when given. */
void sr_where_int(api_req_t *req, api_list_t *l, const char *name, const char *cond);
void sr_where_text(api_req_t *req, api_list_t *l, const char *name, const char *cond);
/* A service record list row finished (verified as a boolean). */
void sr_record_row(json_t *row, void *ctx);
/* A card as answered (frozen records, norm, can); NULL when missing. */
json_t *sr_card_json(db_t *db, const principal_t *who, int64_t id);
/* Issue report r's card for a quarter, as user at time at: DB_OK with *id. */
int sr_card_issue(db_t *db, const report_at_t *r, int year, int quarter, const char *grade, const char *comment,
                  int64_t user, int64_t at, int64_t *id);

/* The words of service_grades, service_record_sources and unit_report_states in an export. */
extern const char *const service_grade_words[], *const service_source_words[], *const unit_report_state_words[];

#endif
