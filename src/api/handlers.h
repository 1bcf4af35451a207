/* The custom handlers, by module; each family's operation table (api/op.h) names its own. */
#ifndef JICENG_API_HANDLERS_H
#define JICENG_API_HANDLERS_H

#include "api/api.h"

#define HANDLER(name) int name(api_req_t *req, api_reply_t *rep)

/* auth.c */
HANDLER(auth_login);
HANDLER(auth_logout);
HANDLER(auth_me);
HANDLER(auth_password);
HANDLER(auth_token_create);
HANDLER(auth_token_list);
HANDLER(auth_token_delete);
/* Resolve a session or API token into *who; 0 on success (req->session_* set). */
int auth_session_lookup(api_req_t *req, const char *token, int bearer, principal_t *who);
/* Record activity on the request's session when its last-seen time is stale. */
void auth_session_touch(api_req_t *req);

/* org.c */
HANDLER(org_list);
HANDLER(org_create);
HANDLER(org_get);
HANDLER(org_update);
HANDLER(org_delete);
HANDLER(org_children);
HANDLER(org_stats);

/* users.c */
HANDLER(user_list);
HANDLER(user_create);
HANDLER(user_get);
HANDLER(user_update);
HANDLER(user_grant_add);
HANDLER(user_grant_delete);

/* transfer.c */
HANDLER(person_transfer_list);
HANDLER(person_transfer_create);
HANDLER(person_transfer_accept);
HANDLER(person_transfer_decline);

/* person.c */
HANDLER(person_list);
HANDLER(person_create);
HANDLER(person_get);
HANDLER(person_update);
HANDLER(person_delete);
HANDLER(person_reveal);
HANDLER(person_tag_list);

/* person_io.c */
HANDLER(person_import);
HANDLER(person_import_template);
HANDLER(person_export);


/* party_member.c */
HANDLER(party_member_list);

/* geo.c */
HANDLER(org_geometry_put);
HANDLER(org_geometry_get);
HANDLER(org_coverage);
HANDLER(geo_locate_handler);

/* case_category.c */
HANDLER(case_category_list);
HANDLER(case_category_create);
HANDLER(case_category_update);

/* case.c */
HANDLER(case_list);
HANDLER(case_create);
HANDLER(case_get);
HANDLER(case_reveal);

/* case_action.c */
HANDLER(case_action);

/* case_inbox.c */
HANDLER(inbox_get);
HANDLER(inbox_events);

/* case_duplicates.c */
HANDLER(case_duplicates);
HANDLER(case_nearby);

/* case_supervise.c */
HANDLER(case_supervise);
HANDLER(case_escalate);
HANDLER(case_publicity);

/* case_photo.c */
HANDLER(case_photo_add);
HANDLER(public_case_photo_add);
HANDLER(case_photo_get);
HANDLER(case_photo_list);

/* case_public.c */
HANDLER(public_case_create);
HANDLER(public_case_get);

/* casework.c */
HANDLER(org_casework);
HANDLER(org_casework_trend);

/* open311.c */
/* Rewrite a jiceng error answer ({"error":{...}}) made outside the Open311
 * handlers into the spec's error list in the format of path (.json or .xml);
 * any other answer is left alone. */
void o311_error_reply(const char *path, api_reply_t *rep);
HANDLER(o311_discovery);
HANDLER(o311_services);
HANDLER(o311_service_definition);
HANDLER(o311_requests);
HANDLER(o311_request_get);
HANDLER(o311_request_create);
HANDLER(o311_token);

/* audit.c */
HANDLER(audit_list);

/* system.c */
HANDLER(sys_healthz);
HANDLER(sys_metrics);
HANDLER(sys_roles);
HANDLER(sys_enums);
HANDLER(sys_test_clock);
HANDLER(sys_test_tick);

#endif
