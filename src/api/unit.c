/* Resident units (驻区单位): agencies, enterprises, schools, social organisations.
 * A plain resource (api/resource.h); its own rules: the credit code's check
 * character, and a unit's party organisations sit (and count) where it sits. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/resource.h"

#include "core/credit_code.h"
#include "core/role.h"

const char *const unit_types[] = {"agency", "enterprise", "non_public_enterprise", "school", "social_organisation",
                                  NULL};

static const field_t create_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"name", F_NAME, 1, 1, 100, NULL, 0},
    {"type", F_ENUM, 1, 0, 0, unit_types, 0},
    {"credit_code", F_TEXT, 0, 18, 18, NULL, 0},
    {"address", F_TEXT, 0, 1, 200, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL, 0},
    {"name", F_NAME, F_NOT_NULL, 1, 100, NULL, 0},
    {"type", F_ENUM, F_NOT_NULL, 0, 0, unit_types, 0},
    {"credit_code", F_TEXT, 0, 18, 18, NULL, 0},
    {"address", F_TEXT, 0, 1, 200, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"type", F_ENUM, 0, 0, 0, unit_types, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"type", "u.type = ?", 0},
    {"q", "u.name LIKE ? ESCAPE '\\'", 1},
    {NULL, NULL, 0},
};

/* 统一社会信用代码: absent, or 18 characters passing GB 32100's check. */
static int check(const api_req_t *req, const json_t *in, api_reply_t *rep)
{
    const char *code = json_string_value(json_object_get(in, "credit_code"));
    if (code == NULL || credit_code_valid(code))
        return 0;
    return api_fail(rep, req->lang, E_CREDIT_CODE_INVALID, "credit_code");
}

/* The figures of a unit, its party organisations and their members: out (-1) or in (+1). */
static int figures(db_t *db, int64_t id, int sign)
{
    json_t *pos = db_rows_json(db, "SELECT id FROM party_org WHERE unit_id = ?", "i", id);
    json_t *members = db_rows_json(db,
                                   "SELECT m.person_id FROM party_member m JOIN party_org po ON po.id = m.party_org_id"
                                   " WHERE po.unit_id = ?",
                                   "i", id);
    int rc = pos && members ? rollup_unit(db, id, sign) : DB_ERR;
    size_t i;
    json_t *r;
    json_array_foreach(pos, i, r) {
        if (rc == DB_OK)
            rc = rollup_party_org(db, json_integer_value(json_object_get(r, "id")), sign);
    }
    json_array_foreach(members, i, r) {
        if (rc == DB_OK)
            rc = party_member_rollup(db, json_integer_value(json_object_get(r, "person_id")), sign);
    }
    json_decref(pos);
    json_decref(members);
    return rc;
}

/* Moving to another org node: the caller must hold the write permission there.
 * Deleting: not while party organisations belong to it. */
static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    json_t *org = json_object_get(in, "org_id");
    if (id > 0 && in != NULL && json_is_integer(org))
        return api_org_input(db, w, PERM_UNIT_WRITE, json_integer_value(org), "org_id", rep);
    int64_t party_orgs = 0;
    if (in == NULL && db_one_int(db, &party_orgs, "SELECT COUNT(*) FROM party_org WHERE unit_id = ?", "i", id) == DB_OK &&
        party_orgs > 0)
        return api_fail(rep, w->lang, E_UNIT_HAS_PARTY_ORGS, NULL);
    return 0;
}

/* Party organisations of the unit sit where the unit sits. */
static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (!json_is_integer(json_object_get(in, "org_id")))
        return 0;
    int rc = db_exec(db, NULL, "UPDATE party_org SET org_id = (SELECT org_id FROM unit WHERE id = ?) WHERE unit_id = ?",
                     "ii", id, id);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static const err_t credit_code_taken = E_CREDIT_CODE_TAKEN, has_party_orgs = E_UNIT_HAS_PARTY_ORGS;

static const entity_t unit_entity = {"unit", "SELECT org_id FROM unit WHERE id = ?", NULL};

/* The columns the list sorts by (?sort=). */
static const api_sort_t sorts[] = {
    {"name", "u.name", 0, NULL},
    {"type", "u.type", 0, NULL},
    {"created_at", "u.created_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const resource_t unit_res = {
    .name = "unit",
    .table = "unit",
    .entity = &unit_entity,
    .columns = "SELECT u.id, u.org_id, o.name AS org_name, u.name, u.type, u.credit_code, u.address, u.created_at,"
               " u.updated_at, u.version",
    .from = "FROM unit u JOIN org o ON o.id = u.org_id",
    .figure = "units",
    .from_rows_first = "FROM unit u CROSS JOIN org o",
    .join_on = "o.id = u.org_id",
    .figure_param = "type",
    .figure_of_param = "units.%s",
    .key = "u.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PERM_UNIT_READ,
    .write_perm = PERM_UNIT_WRITE,
    .create = create_fields,
    .update = update_fields,
    .filters = filters,
    .sorts = sorts,
    .rules = {.check = check, .before = before, .after = after, .figures = figures},
    .unique_field = "credit_code",
    .unique_error = &credit_code_taken,
    .busy_error = &has_party_orgs,
};

const op_t unit_ops[] = {
    RESOURCE_OPS(unit_res, unit_entity, "/api/v1/units", "units", PERM_UNIT_READ, PERM_UNIT_WRITE, create_fields,
                 update_fields, list_query),
    OPS_END,
};
