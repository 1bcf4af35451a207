/* The route table: every route with its method, path pattern, handler and the
 * access it needs. A route cannot exist without a declared access; routes_check
 * refuses to start otherwise. docs/openapi.yaml describes the same table, and
 * a test keeps the two in step. */
#include "http/internal.h"

#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "core/role.h"
#include "lib/util.h"

#define PUB ROUTE_PUBLIC, 0
#define USER ROUTE_USER, 0
#define PERM(p) ROUTE_PERM, (p)

const route_t routes[] = {
    {HTTP_GET, "/healthz", sys_healthz, PUB, 0, "healthz"},
    {HTTP_GET, "/metrics", sys_metrics, PUB, 0, "metrics"},

    {HTTP_POST, "/api/v1/auth/login", auth_login, PUB, RF_BODY, "auth.login"},
    {HTTP_POST, "/api/v1/auth/logout", auth_logout, USER, RF_BODY_OPTIONAL, "auth.logout"},
    {HTTP_GET, "/api/v1/auth/me", auth_me, USER, 0, "auth.me"},
    {HTTP_POST, "/api/v1/auth/password", auth_password, USER, RF_BODY, "auth.password"},
    {HTTP_GET, "/api/v1/auth/tokens", auth_token_list, USER, 0, "auth.tokens.list"},
    {HTTP_POST, "/api/v1/auth/tokens", auth_token_create, USER, RF_BODY | RF_NO_REPLAY, "auth.tokens.create"},
    {HTTP_DELETE, "/api/v1/auth/tokens/{id}", auth_token_delete, USER, 0, "auth.tokens.delete"},

    {HTTP_GET, "/api/v1/roles", sys_roles, USER, 0, "roles.list"},
    {HTTP_GET, "/api/v1/enums", sys_enums, USER, 0, "enums.list"},

    {HTTP_GET, "/api/v1/orgs", org_list, PERM(PERM_ORG_READ), 0, "orgs.list"},
    {HTTP_POST, "/api/v1/orgs", org_create, PERM(PERM_ORG_WRITE), RF_BODY, "orgs.create"},
    {HTTP_GET, "/api/v1/orgs/{id}", org_get, PERM(PERM_ORG_READ), 0, "orgs.get"},
    {HTTP_PATCH, "/api/v1/orgs/{id}", org_update, PERM(PERM_ORG_WRITE), RF_BODY, "orgs.update"},
    {HTTP_DELETE, "/api/v1/orgs/{id}", org_delete, PERM(PERM_ORG_WRITE), 0, "orgs.delete"},
    {HTTP_GET, "/api/v1/orgs/{id}/children", org_children, PERM(PERM_ORG_READ), 0, "orgs.children"},
    {HTTP_GET, "/api/v1/orgs/{id}/stats", org_stats, PERM(PERM_STATS_READ), 0, "orgs.stats"},

    {HTTP_GET, "/api/v1/party-orgs", party_org_list, PERM(PERM_PARTY_READ), 0, "party_orgs.list"},
    {HTTP_POST, "/api/v1/party-orgs", party_org_create, PERM(PERM_PARTY_WRITE), RF_BODY, "party_orgs.create"},
    {HTTP_GET, "/api/v1/party-orgs/{id}", party_org_get, PERM(PERM_PARTY_READ), 0, "party_orgs.get"},
    {HTTP_PATCH, "/api/v1/party-orgs/{id}", party_org_update, PERM(PERM_PARTY_WRITE), RF_BODY, "party_orgs.update"},
    {HTTP_DELETE, "/api/v1/party-orgs/{id}", party_org_delete, PERM(PERM_PARTY_WRITE), 0, "party_orgs.delete"},

    {HTTP_GET, "/api/v1/units", unit_list, PERM(PERM_UNIT_READ), 0, "units.list"},
    {HTTP_POST, "/api/v1/units", unit_create, PERM(PERM_UNIT_WRITE), RF_BODY, "units.create"},
    {HTTP_GET, "/api/v1/units/{id}", unit_get, PERM(PERM_UNIT_READ), 0, "units.get"},
    {HTTP_PATCH, "/api/v1/units/{id}", unit_update, PERM(PERM_UNIT_WRITE), RF_BODY, "units.update"},
    {HTTP_DELETE, "/api/v1/units/{id}", unit_delete, PERM(PERM_UNIT_WRITE), 0, "units.delete"},

    {HTTP_GET, "/api/v1/users", user_list, PERM(PERM_USER_READ), 0, "users.list"},
    {HTTP_POST, "/api/v1/users", user_create, PERM(PERM_USER_WRITE), RF_BODY, "users.create"},
    {HTTP_GET, "/api/v1/users/{id}", user_get, PERM(PERM_USER_READ), 0, "users.get"},
    {HTTP_PATCH, "/api/v1/users/{id}", user_update, PERM(PERM_USER_WRITE), RF_BODY, "users.update"},
    {HTTP_POST, "/api/v1/users/{id}/grants", user_grant_add, PERM(PERM_USER_WRITE), RF_BODY, "users.grants.add"},
    {HTTP_DELETE, "/api/v1/users/{id}/grants/{id}", user_grant_delete, PERM(PERM_USER_WRITE), 0,
     "users.grants.delete"},

    {HTTP_GET, "/api/v1/persons", person_list, PERM(PERM_PEOPLE_READ), 0, "persons.list"},
    {HTTP_POST, "/api/v1/persons", person_create, PERM(PERM_PEOPLE_WRITE), RF_BODY, "persons.create"},
    {HTTP_POST, "/api/v1/persons/import", person_import, PERM(PERM_PEOPLE_WRITE), RF_UPLOAD, "persons.import"},
    {HTTP_GET, "/api/v1/persons/import-template", person_import_template, PERM(PERM_PEOPLE_WRITE), 0,
     "persons.import_template"},
    {HTTP_GET, "/api/v1/persons/export", person_export, PERM(PERM_PEOPLE_READ), 0, "persons.export"},
    {HTTP_GET, "/api/v1/persons/{id}", person_get, PERM(PERM_PEOPLE_READ), 0, "persons.get"},
    {HTTP_PATCH, "/api/v1/persons/{id}", person_update, PERM(PERM_PEOPLE_WRITE), RF_BODY, "persons.update"},
    {HTTP_DELETE, "/api/v1/persons/{id}", person_delete, PERM(PERM_PEOPLE_WRITE), 0, "persons.delete"},
    {HTTP_POST, "/api/v1/persons/{id}/reveal", person_reveal, PERM(PERM_PII_REVEAL), RF_BODY | RF_NO_REPLAY,
     "persons.reveal"},
    {HTTP_GET, "/api/v1/person-transfers", person_transfer_list, PERM(PERM_PEOPLE_WRITE), 0, "person_transfers.list"},
    {HTTP_POST, "/api/v1/person-transfers", person_transfer_create, PERM(PERM_PEOPLE_WRITE), RF_BODY,
     "person_transfers.create"},
    {HTTP_POST, "/api/v1/person-transfers/{id}/accept", person_transfer_accept, PERM(PERM_PEOPLE_WRITE),
     RF_BODY_OPTIONAL, "person_transfers.accept"},
    {HTTP_POST, "/api/v1/person-transfers/{id}/decline", person_transfer_decline, PERM(PERM_PEOPLE_WRITE),
     RF_BODY_OPTIONAL, "person_transfers.decline"},
    {HTTP_GET, "/api/v1/person-tags", person_tag_list, PERM(PERM_PEOPLE_READ), 0, "person_tags.list"},

    {HTTP_GET, "/api/v1/households", household_list, PERM(PERM_PEOPLE_READ), 0, "households.list"},
    {HTTP_POST, "/api/v1/households", household_create, PERM(PERM_PEOPLE_WRITE), RF_BODY, "households.create"},
    {HTTP_GET, "/api/v1/households/{id}", household_get, PERM(PERM_PEOPLE_READ), 0, "households.get"},
    {HTTP_PATCH, "/api/v1/households/{id}", household_update, PERM(PERM_PEOPLE_WRITE), RF_BODY,
     "households.update"},
    {HTTP_DELETE, "/api/v1/households/{id}", household_delete, PERM(PERM_PEOPLE_WRITE), 0, "households.delete"},

    {HTTP_GET, "/api/v1/party-members", party_member_list, PERM(PERM_PARTY_READ), 0, "party_members.list"},
    {HTTP_POST, "/api/v1/party-members", party_member_create, PERM(PERM_PARTY_WRITE), RF_BODY,
     "party_members.create"},
    {HTTP_GET, "/api/v1/party-members/{id}", party_member_get, PERM(PERM_PARTY_READ), 0, "party_members.get"},
    {HTTP_PATCH, "/api/v1/party-members/{id}", party_member_update, PERM(PERM_PARTY_WRITE), RF_BODY,
     "party_members.update"},
    {HTTP_DELETE, "/api/v1/party-members/{id}", party_member_delete, PERM(PERM_PARTY_WRITE), 0,
     "party_members.delete"},

    {HTTP_GET, "/api/v1/cadres", cadre_list, PERM(PERM_PEOPLE_READ), 0, "cadres.list"},
    {HTTP_POST, "/api/v1/cadres", cadre_create, PERM(PERM_PEOPLE_WRITE), RF_BODY, "cadres.create"},
    {HTTP_GET, "/api/v1/cadres/{id}", cadre_get, PERM(PERM_PEOPLE_READ), 0, "cadres.get"},
    {HTTP_PATCH, "/api/v1/cadres/{id}", cadre_update, PERM(PERM_PEOPLE_WRITE), RF_BODY, "cadres.update"},
    {HTTP_DELETE, "/api/v1/cadres/{id}", cadre_delete, PERM(PERM_PEOPLE_WRITE), 0, "cadres.delete"},

    {HTTP_PUT, "/api/v1/orgs/{id}/geometry", org_geometry_put, PERM(PERM_ORG_WRITE), RF_BODY, "orgs.geometry.put"},
    {HTTP_GET, "/api/v1/orgs/{id}/geometry", org_geometry_get, PERM(PERM_ORG_READ), 0, "orgs.geometry.get"},
    {HTTP_GET, "/api/v1/orgs/{id}/coverage", org_coverage, PERM(PERM_PEOPLE_READ), 0, "orgs.coverage"},
    {HTTP_GET, "/api/v1/locate", geo_locate_handler, PERM(PERM_ORG_READ), 0, "locate"},

    {HTTP_GET, "/api/v1/case-categories", case_category_list, USER, 0, "case_categories.list"},
    {HTTP_POST, "/api/v1/case-categories", case_category_create, PERM(PERM_ALL), RF_BODY, "case_categories.create"},
    {HTTP_PATCH, "/api/v1/case-categories/{id}", case_category_update, PERM(PERM_ALL), RF_BODY,
     "case_categories.update"},
    {HTTP_GET, "/api/v1/cases", case_list, USER, 0, "cases.list"},
    {HTTP_POST, "/api/v1/cases", case_create, USER, RF_BODY, "cases.create"},
    {HTTP_GET, "/api/v1/cases/{id}", case_get, USER, 0, "cases.get"},
    {HTTP_POST, "/api/v1/cases/{id}/actions", case_action, USER, RF_BODY, "cases.action"},
    {HTTP_GET, "/api/v1/cases/nearby", case_nearby, USER, 0, "cases.nearby"},
    {HTTP_GET, "/api/v1/cases/{id}/duplicates", case_duplicates, USER, 0, "cases.duplicates"},
    {HTTP_POST, "/api/v1/cases/{id}/supervise", case_supervise, PERM(PERM_CASE_WRITE), RF_BODY, "cases.supervise"},
    {HTTP_POST, "/api/v1/cases/{id}/publicity", case_publicity, PERM(PERM_CASE_WRITE), RF_BODY, "cases.publicity"},
    {HTTP_POST, "/api/v1/cases/{id}/reveal", case_reveal, PERM(PERM_PII_REVEAL), RF_BODY | RF_NO_REPLAY, "cases.reveal"},
    {HTTP_GET, "/api/v1/cases/{id}/photos", case_photo_list, USER, 0, "cases.photos.list"},
    {HTTP_POST, "/api/v1/cases/{id}/photos", case_photo_add, USER, RF_UPLOAD, "cases.photos.add"},
    {HTTP_GET, "/api/v1/cases/{id}/photos/{id}", case_photo_get, USER, 0, "cases.photos.get"},
    {HTTP_GET, "/api/v1/inbox", inbox_get, USER, 0, "inbox"},
    {HTTP_POST, "/api/v1/public/cases", public_case_create, PUB, RF_BODY, "public.cases.create"},
    {HTTP_GET, "/api/v1/public/cases", public_case_get, PUB, 0, "public.cases.get"},
    {HTTP_GET, "/api/v1/orgs/{id}/casework", org_casework, PERM(PERM_STATS_READ), 0, "orgs.casework"},
    {HTTP_GET, "/api/v1/orgs/{id}/casework/trend", org_casework_trend, PERM(PERM_STATS_READ), 0, "orgs.casework.trend"},

    {HTTP_GET, "/open311/v2/discovery.{name}", o311_discovery, PUB, RF_OPEN311, "open311.discovery"},
    {HTTP_GET, "/open311/v2/services.{name}", o311_services, PUB, RF_OPEN311, "open311.services"},
    {HTTP_GET, "/open311/v2/services/{name}.{name}", o311_service_definition, PUB, RF_OPEN311, "open311.service"},
    {HTTP_GET, "/open311/v2/requests.{name}", o311_requests, PUB, RF_OPEN311, "open311.requests"},
    {HTTP_POST, "/open311/v2/requests.{name}", o311_request_create, PUB, RF_UPLOAD | RF_NO_REPLAY | RF_OPEN311,
     "open311.requests.create"},
    {HTTP_GET, "/open311/v2/requests/{id}.{name}", o311_request_get, PUB, RF_OPEN311, "open311.request"},
    {HTTP_GET, "/open311/v2/tokens/{name}.{name}", o311_token, PUB, RF_OPEN311, "open311.token"},

    {HTTP_GET, "/api/v1/audit", audit_list, PERM(PERM_AUDIT_READ), 0, "audit.list"},

    {HTTP_POST, "/api/v1/_test/clock", sys_test_clock, PERM(PERM_ALL), RF_BODY | RF_TEST_ONLY, "test.clock"},
    {HTTP_POST, "/api/v1/_test/tick", sys_test_tick, PERM(PERM_ALL), RF_BODY_OPTIONAL | RF_TEST_ONLY, "test.tick"},
};
const int nroutes = (int)(sizeof routes / sizeof routes[0]);

int routes_check(void)
{
    for (int i = 0; i < nroutes; i++) {
        const route_t *r = &routes[i];
        int ok = r->handler != NULL && r->name != NULL && r->pattern[0] == '/' &&
                 (r->access == ROUTE_PUBLIC || r->access == ROUTE_USER || (r->access == ROUTE_PERM && r->perm != 0));
        if (!ok) {
            log_error("route %s has no declared access or is malformed", r->pattern);
            return -1;
        }
    }
    return 0;
}

/* Match one pattern against path; '{id}' takes a positive decimal integer. */
static int match_one(const char *pattern, const char *path, int64_t *params, int *nparams)
{
    const char *p = pattern, *s = path;
    int n = 0;
    while (*p && *s) {
        if (*p == '{' && strncmp(p, "{id}", 4) == 0) {
            if (*s < '1' || *s > '9')
                return 0;
            int64_t v = 0;
            while (*s >= '0' && *s <= '9') {
                if (v > (INT64_MAX - 9) / 10)
                    return 0;
                v = v * 10 + (*s++ - '0');
            }
            if (n < 4)
                params[n++] = v;
            p += 4;
            continue;
        }
        if (*p == '{' && strncmp(p, "{name}", 6) == 0) {
            /* A name: letters, digits, _ and -; the handler reads it from the path. */
            const char *start = s;
            while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
                   *s == '-')
                s++;
            if (s == start)
                return 0;
            p += 6;
            continue;
        }
        if (*p != *s)
            return 0;
        p++, s++;
    }
    if (*p != '\0' || *s != '\0')
        return 0;
    *nparams = n;
    return 1;
}

const route_t *routes_match(int method, const char *path, int64_t *params, int *nparams, int *allow,
                            int test_routes)
{
    *allow = 0;
    const route_t *found = NULL;
    for (int i = 0; i < nroutes; i++) {
        int64_t tmp[4];
        int ntmp = 0;
        if (((routes[i].flags & RF_TEST_ONLY) && !test_routes) || !match_one(routes[i].pattern, path, tmp, &ntmp))
            continue;
        *allow |= routes[i].method;
        if (routes[i].method == method && found == NULL) {
            found = &routes[i];
            memcpy(params, tmp, sizeof tmp);
            *nparams = ntmp;
        }
    }
    return found;
}
