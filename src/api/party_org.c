/* Party organisations (党组织): 党委, 党工委, 党总支, 党支部, 联合党支部, 党小组,
 * attached to an org node or to a resident unit. A plain resource
 * (api/resource.h); its own rules: a unit's party organisation sits where the
 * unit sits, and the tree of parents has no loop. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/resource.h"

#include "core/role.h"
#include "core/timefmt.h"

const char *const party_org_kinds[] = {"党委", "党工委", "党总支", "党支部", "联合党支部", "党小组", NULL};

static const field_t create_fields[] = {
    {"org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"unit_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"parent_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 1, 0, 0, party_org_kinds, 0},
    {"name", F_NAME, 1, 1, 100, NULL, 0},
    {"secretary", F_NAME, 0, 1, 50, NULL, 0},
    {"founded_on", F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"parent_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, F_NOT_NULL, 0, 0, party_org_kinds, 0},
    {"name", F_NAME, F_NOT_NULL, 1, 100, NULL, 0},
    {"secretary", F_NAME, 0, 1, 50, NULL, 0},
    {"founded_on", F_DATE, 0, DATE_PARTY_EARLIEST, 0, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"unit_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"kind", F_ENUM, 0, 0, 0, party_org_kinds, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"kind", "p.kind = ?", 0},
    {"unit_id", "p.unit_id = ?", 0},
    {"q", "p.name LIKE ? ESCAPE '\\'", 1},
    {NULL, NULL, 0},
};

static const entity_t party_org_entity = {"party_org", "SELECT org_id FROM party_org WHERE id = ?", NULL};

static int field_404(api_reply_t *rep, const char *lang, const char *field, int rc)
{
    return rc == DB_NOTFOUND ? api_fail(rep, lang, E_REFERENCE_NOT_FOUND, field) : api_db_error(rep, lang, rc, NULL);
}

/* A new one is placed by its org or its unit. */
static int check(const api_req_t *req, const json_t *in, api_reply_t *rep)
{
    if (req->method != HTTP_POST || json_is_integer(json_object_get(in, "org_id")) || json_is_integer(json_object_get(in, "unit_id")))
        return 0;
    return api_fail(rep, req->lang, E_ORG_OR_UNIT_REQUIRED, "org_id");
}

/* A unit's party organisation sits where the unit sits; another where org_id says. */
static int place(db_t *db, const write_ctx_t *w, const json_t *in, int64_t *org, api_reply_t *rep)
{
    int64_t org_id = json_integer_value(json_object_get(in, "org_id"));
    int64_t unit_id = json_integer_value(json_object_get(in, "unit_id"));
    if (unit_id <= 0) {
        *org = org_id;
        int rc = access_org(db, &w->who, PERM_PARTY_WRITE, org_id, NULL, 0);
        return rc == DB_OK ? 0 : field_404(rep, w->lang, "org_id", rc);
    }
    int rc = db_one_int(db, org, "SELECT org_id FROM unit WHERE id = ?", "i", unit_id);
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PERM_PARTY_WRITE, *org, NULL, 0);
    if (rc != DB_OK)
        return field_404(rep, w->lang, "unit_id", rc);
    if (org_id > 0 && org_id != *org)
        return api_fail(rep, w->lang, E_PARTY_ORG_UNIT_PLACE, "org_id");
    return 0;
}

/* A parent party organisation must be visible to the caller and must not be
 * the organisation itself or one of its descendants. */
static int before(db_t *db, const write_ctx_t *w, int64_t self, const json_t *in, api_reply_t *rep)
{
    json_t *parent = json_object_get(in, "parent_id");
    if (!json_is_integer(parent))
        return 0;
    int64_t porg;
    int rc = db_one_int(db, &porg, party_org_entity.org_sql, "i", json_integer_value(parent));
    if (rc == DB_OK)
        rc = access_org(db, &w->who, PERM_PARTY_READ, porg, NULL, 0);
    if (rc != DB_OK)
        return field_404(rep, w->lang, "parent_id", rc);
    for (int64_t p = json_integer_value(parent), hops = 0; p > 0 && hops < 64; hops++) {
        if (p == self)
            return api_fail(rep, w->lang, E_PARTY_ORG_UNDER_ITSELF, "parent_id");
        int64_t next = 0;
        if (db_one_int(db, &next, "SELECT COALESCE(parent_id, 0) FROM party_org WHERE id = ?", "i", p) != DB_OK)
            break;
        p = next;
    }
    return 0;
}

static const err_t has_children = E_PARTY_ORG_HAS_CHILDREN;

/* The columns the list sorts by (?sort=). */
static const api_sort_t sorts[] = {
    {"name", "p.name", 0, NULL},
    {"founded_on", "p.founded_on", 1, NULL},
    {"created_at", "p.created_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const resource_t party_org_res = {
    .name = "party_org",
    .table = "party_org",
    .entity = &party_org_entity,
    .columns = "SELECT p.id, p.org_id, o.name AS org_name, p.unit_id, u.name AS unit_name, p.parent_id, p.kind,"
               " p.name, p.secretary, p.founded_on, p.created_at, p.updated_at, p.version",
    .from = "FROM party_org p JOIN org o ON o.id = p.org_id LEFT JOIN unit u ON u.id = p.unit_id",
    .key = "p.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PERM_PARTY_READ,
    .write_perm = PERM_PARTY_WRITE,
    .create = create_fields,
    .update = update_fields,
    .filters = filters,
    .sorts = sorts,
    .rules = {.check = check, .place = place, .before = before, .figures = rollup_party_org},
    .busy_error = &has_children,
};

const op_t party_org_ops[] = {
    RESOURCE_OPS(party_org_res, party_org_entity, "/api/v1/party-orgs", "party_orgs", PERM_PARTY_READ,
                 PERM_PARTY_WRITE, create_fields, update_fields, list_query),
    OPS_END,
};
