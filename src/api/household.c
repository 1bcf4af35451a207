/* Households (户): an address at an org, the residents living there counted.
 * A plain resource (api/resource.h); its own rules: a household moves with its
 * members, and is not deleted while it has any. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/resource.h"

#include "core/role.h"

static const field_t household_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"address", F_TEXT, 1, 1, 200, NULL, 0},
    FIELDS_END,
};

static const field_t household_update_fields[] = {
    {"org_id", F_INT, F_NOT_NULL, 1, INT64_MAX, NULL, 0},
    {"address", F_TEXT, F_NOT_NULL, 1, 200, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"q", "h.address LIKE ? ESCAPE '\\'", 1},
    {NULL, NULL, 0},
};

static const entity_t household_entity = {"household", "SELECT org_id FROM household WHERE id = ?", NULL};

static int figures(db_t *db, int64_t id, int sign)
{
    int64_t org;
    int rc = db_one_int(db, &org, household_entity.org_sql, "i", id);
    return rc == DB_OK ? rollup_add(db, org, "households", sign) : rc;
}

/* Moving: the caller holds the write permission at the new node, and the
 * members move along (each counted out and in again). Deleting: not while
 * anyone lives there. */
static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    int64_t members = 0, from = 0;
    if (in == NULL) {
        if (db_one_int(db, &members, "SELECT COUNT(*) FROM person WHERE household_id = ?", "i", id) == DB_OK &&
            members > 0)
            return api_fail(rep, w->lang, E_HOUSEHOLD_HAS_MEMBERS, NULL);
        return 0;
    }
    json_t *to = json_object_get(in, "org_id");
    if (id == 0 || !json_is_integer(to) || db_one_int(db, &from, household_entity.org_sql, "i", id) != DB_OK ||
        from == json_integer_value(to))
        return 0;
    if (api_org_input(db, w, PERM_PEOPLE_WRITE, json_integer_value(to), "org_id", rep) != 0)
        return -1;
    json_t *list = db_rows_json(db, "SELECT id FROM person WHERE household_id = ?", "i", id);
    int rc = list ? DB_OK : DB_ERR;
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m) {
        int64_t pid = json_integer_value(json_object_get(m, "id"));
        if (rc == DB_OK)
            rc = person_rollup(db, pid, -1);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE person SET org_id = ? WHERE id = ?", "ii", json_integer_value(to), pid);
        if (rc == DB_OK)
            rc = person_rollup(db, pid, +1);
    }
    json_decref(list);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* The columns the list sorts by (?sort=). */
static const api_sort_t sorts[] = {
    {"address", "h.address", 0, NULL},
    {"created_at", "h.created_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

#define HOUSEHOLD_COLUMNS                                                                                    \
    "SELECT h.id, h.org_id, o.name AS org_name, h.address, h.created_at, h.updated_at, h.version,"             \
    " (SELECT COUNT(*) FROM person p WHERE p.household_id = h.id) AS members"

static const resource_t household_res = {
    .name = "household",
    .table = "household",
    .entity = &household_entity,
    .columns = HOUSEHOLD_COLUMNS,
    .from = "FROM household h JOIN org o ON o.id = h.org_id",
    .figure = "households",
    .from_rows_first = "FROM household h CROSS JOIN org o",
    .join_on = "o.id = h.org_id",
    .places = "org_id", /* a district's or the city's list tells same-named communities apart */
    .key = "h.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PERM_PEOPLE_READ,
    .write_perm = PERM_PEOPLE_WRITE,
    .create = household_fields,
    .update = household_update_fields,
    .filters = filters,
    .sorts = sorts,
    .rules = {.before = before, .figures = figures},
};

/* GET /api/v1/households/export: the list (its filters) as a workbook (户), with
 * each household's community, grid and building by name and code, audited. */
static int household_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"id", "编号", NULL, NULL},
        {"address", "户地址", NULL, NULL},
        {"org_name", "所在组织", NULL, NULL},
        {LIST_COL_PLACES, NULL, NULL, NULL},
        {"members", "人数", NULL, NULL},
        {"created_at", "登记时间", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    if (res_list_of(req, rep, &l) != 0)
        return -1;
    l.columns = HOUSEHOLD_COLUMNS ", o.path AS org_path";
    return api_list_export(req, rep, &l, "户", cols, "households");
}

const op_t household_ops[] = {
    {OP(HTTP_GET, "/api/v1/households/export", "households.export", PERM(PERM_PEOPLE_READ), RF_WRITES,
        household_export), .res = &household_res, .query = list_query},
    RESOURCE_OPS(household_res, household_entity, "/api/v1/households", "households", PERM_PEOPLE_READ,
                 PERM_PEOPLE_WRITE, household_fields, household_update_fields, list_query),
    OPS_END,
};
