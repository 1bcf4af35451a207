/* Cadres and grid workers (书记, 主任, 两委委员, 网格员): posts held by residents
 * at an org node for a term. A grid is staffed when it has a 网格员 whose term
 * has not ended. A plain resource (api/resource.h); its own rules: the post
 * fits the node (网格员 at a grid, the others above) and the term is in order. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/resource.h"

#include <string.h>

#include "core/role.h"
#include "core/timefmt.h"

const char *const cadre_posts[] = {"书记", "主任", "两委委员", "网格员", NULL};

static const field_t create_fields[] = {
    {"person_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"post", F_ENUM, 1, 0, 0, cadre_posts, 0},
    {"term_start", F_DATE, 1, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL, 0},
    {"term_end", F_DATE, 0, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL, 0},
    FIELDS_END,
};

static const field_t update_fields[] = {
    {"post", F_ENUM, F_NOT_NULL, 0, 0, cadre_posts, 0},
    {"term_start", F_DATE, F_NOT_NULL, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL, 0},
    {"term_end", F_DATE, 0, DATE_TERM_EARLIEST, DATE_TERM_YEARS_AHEAD, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"post", F_ENUM, 0, 0, 0, cadre_posts, 0},
    FIELDS_END,
};

static const res_filter_t filters[] = {
    {"post", "c.post = ?", 0},
    {NULL, NULL, 0},
};

static int term_error(api_reply_t *rep, const char *lang)
{
    return api_fail(rep, lang, E_TERM_END_BEFORE_START, "term_end");
}

static int post_error(api_reply_t *rep, const char *lang)
{
    return api_fail(rep, lang, E_POST_LEVEL_MISMATCH, "post");
}

static int check(const api_req_t *req, const json_t *in, api_reply_t *rep)
{
    const char *s = json_string_value(json_object_get(in, "term_start"));
    const char *e = json_string_value(json_object_get(in, "term_end"));
    return s && e && strcmp(e, s) < 0 ? term_error(rep, req->lang) : 0;
}

/* A new cadre: a resident the caller can see, in a post that fits the node. */
static int before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id > 0)
        return 0;
    int64_t porg = 0;
    if (db_one_int(db, &porg, "SELECT org_id FROM person WHERE id = ?", "i",
                   json_integer_value(json_object_get(in, "person_id"))) != DB_OK ||
        access_org(db, &w->who, PERM_PEOPLE_READ, porg, NULL, 0) != DB_OK)
        return api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "person_id");
    char level[16] = "";
    db_one_text(db, level, sizeof level, "SELECT level FROM org WHERE id = ?", "i",
                json_integer_value(json_object_get(in, "org_id")));
    const char *post = json_string_value(json_object_get(in, "post"));
    return (strcmp(post, "网格员") == 0) != (strcmp(level, "grid") == 0) ? post_error(rep, w->lang) : 0;
}

/* A changed cadre: the post still fits the node, the term is still in order. */
static int after(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    (void)in;
    int64_t bad = 0;
    int rc = db_one_int(db, &bad,
                        "SELECT COUNT(*) FROM cadre c JOIN org o ON o.id = c.org_id WHERE c.id = ?"
                        " AND ((c.post = '网格员') <> (o.level = 'grid'))",
                        "i", id);
    if (rc == DB_OK && bad)
        return post_error(rep, w->lang);
    if (rc == DB_OK)
        rc = db_one_int(db, &bad,
                        "SELECT COUNT(*) FROM cadre WHERE id = ? AND term_end IS NOT NULL AND term_end < term_start",
                        "i", id);
    if (rc == DB_OK && bad)
        return term_error(rep, w->lang);
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

static const entity_t cadre_entity = {"cadre", "SELECT org_id FROM cadre WHERE id = ?", NULL};

/* The columns the list sorts by (?sort=). */
static const api_sort_t sorts[] = {
    {"name", "p.name", 0, NULL},
    {"term_start", "c.term_start", 0, NULL},
    {"created_at", "c.created_at", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const resource_t cadre_res = {
    .name = "cadre",
    .table = "cadre",
    .entity = &cadre_entity,
    .columns = "SELECT c.id, c.person_id, p.name, p.phone_masked AS phone, c.org_id, o.name AS org_name,"
               " o.level AS org_level, c.post, c.term_start, c.term_end, c.created_at, c.updated_at, c.version",
    .from = "FROM cadre c JOIN person p ON p.id = c.person_id JOIN org o ON o.id = c.org_id",
    .from_rows_first = "FROM cadre c CROSS JOIN person p CROSS JOIN org o",
    .join_on = "p.id = c.person_id AND o.id = c.org_id",
    .key = "c.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = PERM_PEOPLE_READ,
    .write_perm = PERM_PEOPLE_WRITE,
    .create = create_fields,
    .update = update_fields,
    .filters = filters,
    .sorts = sorts,
    .rules = {.check = check, .before = before, .after = after},
};

const op_t cadre_ops[] = {
    RESOURCE_OPS(cadre_res, cadre_entity, "/api/v1/cadres", "cadres", PERM_PEOPLE_READ, PERM_PEOPLE_WRITE,
                 create_fields, update_fields, list_query),
    OPS_END,
};
