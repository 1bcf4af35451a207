/* 党建品牌 and 荣誉 (docs/honours.md).
 * - A brand (一线为民工作法, 财富广场楼宇党建, 温暖快递, ...) of an org node,
 *   optionally of a party organisation at it: name (unique at the node),
 *   the year it started, description, results (成效).
 * - An honour (全国先进基层党组织, 全国优秀共产党员, ...) held by an org node,
 *   a party organisation at it, or a person (a resident, named, never their
 *   ID number; the honour sits at the person's node when recorded): title,
 *   level (national, provincial, city, district), awarding body, year,
 *   document number (文号). One per holder, title and year.
 * Both are kept by party.write holders at the node and read with party.read.
 * Their kept yearly figures (docs/figures.md): honour.<level> by the year
 * awarded and brand.created by the year started, at the record's node. The
 * annual assessment counts a unit's honours of the plan's year through its
 * record sources honours.* (assess.c). */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/list.h"
#include "api/op.h"
#include "api/resource.h"
#include "api/yfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "db/copy.h"
#include "core/role.h"
#include "lib/util.h"

const char *const honour_levels[] = {"national", "provincial", "city", "district", NULL};
/* Their words in an export (the console's honourLevel words). */
static const char *const honour_level_words[] = {"国家级", "省级", "市级", "区县级"};

#define HONOUR_READ PERM_PARTY_READ
#define HONOUR_WRITE PERM_PARTY_WRITE
/* The earliest year a brand or an honour can be recorded for. */
#define YEAR_FIRST 1949

/* ---------------------------------------------------------------- kept yearly figures */

static int honour_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    return yfig_put_rows(out, db_q(db,
                                   "SELECT 'honour.' || level, COUNT(*) FROM honour WHERE org_id = ? AND year = ?"
                                   " GROUP BY level",
                                   "ii", org, (int64_t)year));
}

const yfig_source_t honour_figures = {
    .prefix = "honour.",
    .own = honour_own,
    .keys_sql = "SELECT h.org_id, h.year FROM honour h JOIN org o ON o.id = h.org_id"
                " WHERE o.path >= ? AND o.path < ? AND h.year >= ? GROUP BY h.org_id, h.year",
};

static int brand_own(db_t *db, int64_t org, int year, yfig_vals_t *out)
{
    return yfig_put_rows(out, db_q(db,
                                   "SELECT 'brand.created', COUNT(*) FROM brand WHERE org_id = ? AND started_year = ?",
                                   "ii", org, (int64_t)year));
}

const yfig_source_t brand_figures = {
    .prefix = "brand.",
    .own = brand_own,
    .keys_sql = "SELECT b.org_id, b.started_year AS year FROM brand b JOIN org o ON o.id = b.org_id"
                " WHERE o.path >= ? AND o.path < ? AND b.started_year >= ? GROUP BY b.org_id, b.started_year",
};

static int honour_touch(db_t *db, int64_t id, int sign)
{
    (void)sign; /* before and after a change alike: the pair is computed again */
    return yfig_touch_rows(db, &honour_figures, "SELECT org_id, year FROM honour WHERE id = ?", id);
}

static int brand_touch(db_t *db, int64_t id, int sign)
{
    (void)sign;
    return yfig_touch_rows(db, &brand_figures, "SELECT org_id, started_year FROM brand WHERE id = ?", id);
}

/* ---------------------------------------------------------------- shared rules */

/* 0 if the body's year field (if any) is not after this year, else -1 with rep set. */
static int year_not_future(const api_req_t *req, const json_t *in, const char *field, err_t why, api_reply_t *rep)
{
    json_t *y = json_object_get(in, field);
    if (json_is_integer(y) && json_integer_value(y) > api_today_ymd() / 10000)
        return api_fail(rep, req->lang, why, field);
    return 0;
}

/* 0 if party organisation po (0: none) sits at node org, else -1 with rep set. */
static int party_org_at(db_t *db, const write_ctx_t *w, int64_t po, int64_t org, api_reply_t *rep)
{
    int64_t at = 0;
    if (po <= 0)
        return 0;
    int rc = db_one_int(db, &at, "SELECT org_id FROM party_org WHERE id = ?", "i", po);
    if (rc == DB_NOTFOUND || (rc == DB_OK && at != org))
        return api_fail(rep, w->lang, E_HONOUR_PARTY_ORG, "party_org_id");
    return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
}

/* ---------------------------------------------------------------- brands */

static const field_t brand_fields[] = {
    {"org_id", F_INT, 1, 1, INT64_MAX, NULL, 0},
    {"party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"name", F_NAME, 1, 1, 100, NULL, 0},
    {"started_year", F_INT, 1, YEAR_FIRST, 2100, NULL, 0},
    {"description", F_BLOCK, 0, 1, 2000, NULL, 0},
    {"results", F_BLOCK, 0, 1, 2000, NULL, 0},
    FIELDS_END,
};

static const field_t brand_update_fields[] = {
    {"name", F_NAME, F_NOT_NULL, 1, 100, NULL, 0},
    {"started_year", F_INT, F_NOT_NULL, YEAR_FIRST, 2100, NULL, 0},
    {"description", F_BLOCK, 0, 1, 2000, NULL, 0},
    {"results", F_BLOCK, 0, 1, 2000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const field_t brand_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, YEAR_FIRST, 2100, NULL, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

static const res_filter_t brand_filters[] = {
    {"year", "b.started_year = ?", 0},
    {"q", "b.name LIKE ? ESCAPE '\\'", 1},
    {NULL, NULL, 0},
};

static const api_sort_t brand_sorts[] = {
    {"started_year", "b.started_year", 0, NULL},
    {"name", "b.name", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const err_t brand_taken = E_BRAND_EXISTS;
static const entity_t brand_entity = {"brand", "SELECT org_id FROM brand WHERE id = ?", NULL};

static int brand_check(const api_req_t *req, const json_t *in, api_reply_t *rep)
{
    return year_not_future(req, in, "started_year", E_BRAND_YEAR_FUTURE, rep);
}

/* A brand's files (attachment.c, owner "brand": its 成效 material, photos):
 * seen with party.read at its node, added and removed with party.write. */
static int brand_scope(db_t *db, const principal_t *who, int64_t id, int64_t *org)
{
    int rc = db_one_int(db, org, "SELECT org_id FROM brand WHERE id = ?", "i", id);
    return rc == DB_OK ? access_org(db, who, HONOUR_READ, *org, NULL, 0) : rc;
}

static int brand_files_writable(db_t *db, const principal_t *who, int64_t id, int removing)
{
    (void)removing;
    int64_t org = 0;
    int rc = db_one_int(db, &org, "SELECT org_id FROM brand WHERE id = ?", "i", id);
    if (rc == DB_OK)
        rc = access_org(db, who, HONOUR_WRITE, org, NULL, 0);
    if (rc == DB_NOTFOUND)
        return E_ATTACHMENT_FORBIDDEN;
    return rc == DB_OK ? 0 : -1;
}

const attach_owner_t brand_files = {"brand", "brand", brand_scope, brand_files_writable};

static int brand_before(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep)
{
    if (id != 0 && in == NULL) { /* a delete: its files go with it */
        int rc = db_exec(db, NULL, "DELETE FROM attachment WHERE owner_kind = 'brand' AND owner_id = ?", "i", id);
        return rc == DB_OK ? 0 : api_db_error(rep, w->lang, rc, NULL);
    }
    if (id != 0) /* the party organisation is a new brand's */
        return 0;
    return party_org_at(db, w, json_integer_value(json_object_get(in, "party_org_id")),
                        json_integer_value(json_object_get(in, "org_id")), rep);
}

static const resource_t brand_res = {
    .name = "brand",
    .table = "brand",
    .entity = &brand_entity,
    .columns = "SELECT b.id, b.org_id, o.name AS org_name, b.party_org_id, q.name AS party_org_name, b.name,"
               " b.started_year, b.description, b.results, b.created_at, b.updated_at, b.version",
    .from = "FROM brand b JOIN org o ON o.id = b.org_id LEFT JOIN party_org q ON q.id = b.party_org_id",
    .key = "b.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = HONOUR_READ,
    .write_perm = HONOUR_WRITE,
    .create = brand_fields,
    .update = brand_update_fields,
    .filters = brand_filters,
    .sorts = brand_sorts,
    .rules = {.check = brand_check, .before = brand_before, .figures = brand_touch},
    .unique_field = "name",
    .unique_error = &brand_taken,
};

/* ---------------------------------------------------------------- honours */

static const field_t honour_fields[] = {
    {"org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"party_org_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"person_id", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"title", F_NAME, 1, 1, 100, NULL, 0},
    {"level", F_ENUM, 1, 0, 0, honour_levels, 0},
    {"awarding_body", F_NAME, 1, 1, 100, NULL, 0},
    {"year", F_INT, 1, YEAR_FIRST, 2100, NULL, 0},
    {"doc_no", F_NAME, 0, 1, 60, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    FIELDS_END,
};

static const field_t honour_update_fields[] = {
    {"title", F_NAME, F_NOT_NULL, 1, 100, NULL, 0},
    {"level", F_ENUM, F_NOT_NULL, 0, 0, honour_levels, 0},
    {"awarding_body", F_NAME, F_NOT_NULL, 1, 100, NULL, 0},
    {"year", F_INT, F_NOT_NULL, YEAR_FIRST, 2100, NULL, 0},
    {"doc_no", F_NAME, 0, 1, 60, NULL, 0},
    {"note", F_BLOCK, 0, 1, 1000, NULL, 0},
    {"version", F_INT, 0, 1, INT64_MAX, NULL, 0},
    FIELDS_END,
};

static const char *const honour_holders[] = {"org", "party_org", "person", NULL};

static const field_t honour_list_query[] = {
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0},
    {"year", F_INT, 0, YEAR_FIRST, 2100, NULL, 0},
    {"level", F_ENUM, 0, 0, 0, honour_levels, 0},
    {"holder", F_ENUM, 0, 0, 0, honour_holders, 0},
    {"q", F_TEXT, 0, 0, 0, NULL, 0},
    FIELDS_END,
};

#define HOLDER_KIND                                                                                                    \
    "(CASE WHEN h.person_id IS NOT NULL THEN 'person' WHEN h.party_org_id IS NOT NULL THEN 'party_org' ELSE 'org' END)"

static const res_filter_t honour_filters[] = {
    {"year", "h.year = ?", 0},
    {"level", "h.level = ?", 0},
    {"holder", HOLDER_KIND " = ?", 0},
    {"q", "h.title LIKE ? ESCAPE '\\'", 1},
    {NULL, NULL, 0},
};

static const api_sort_t honour_sorts[] = {
    {"year", "h.year", 0, NULL},
    {"title", "h.title", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const err_t honour_taken = E_HONOUR_EXISTS;
static const entity_t honour_entity = {"honour", "SELECT org_id FROM honour WHERE id = ?", NULL};

static int honour_check(const api_req_t *req, const json_t *in, api_reply_t *rep)
{
    return year_not_future(req, in, "year", E_HONOUR_YEAR_FUTURE, rep);
}

/* The node a new honour sits at: the person's (seen with people.read), else org_id. */
static int honour_place(db_t *db, const write_ctx_t *w, const json_t *in, int64_t *org, api_reply_t *rep)
{
    int64_t person = json_integer_value(json_object_get(in, "person_id"));
    int64_t po = json_integer_value(json_object_get(in, "party_org_id"));
    int64_t given = json_integer_value(json_object_get(in, "org_id"));
    if (person > 0) {
        if (given > 0 || po > 0)
            return api_fail(rep, w->lang, E_HONOUR_HOLDER, given > 0 ? "org_id" : "party_org_id");
        int rc = db_one_int(db, org, "SELECT org_id FROM person WHERE id = ?", "i", person);
        if (rc == DB_OK)
            rc = access_org(db, &w->who, PERM_PEOPLE_READ, *org, NULL, 0);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "person_id");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        return api_org_input(db, w, HONOUR_WRITE, *org, "person_id", rep);
    }
    if (given <= 0)
        return api_fail(rep, w->lang, E_HONOUR_HOLDER, "org_id");
    *org = given;
    if (api_org_input(db, w, HONOUR_WRITE, given, "org_id", rep) != 0)
        return -1;
    return party_org_at(db, w, po, given, rep);
}

static const resource_t honour_res = {
    .name = "honour",
    .table = "honour",
    .entity = &honour_entity,
    .columns = "SELECT h.id, h.org_id, o.name AS org_name, h.party_org_id, q.name AS party_org_name, h.person_id,"
               " p.name AS person_name, " HOLDER_KIND " AS holder, h.title, h.level, h.awarding_body, h.year,"
               " h.doc_no, h.note, h.created_at, h.updated_at, h.version",
    .from = "FROM honour h JOIN org o ON o.id = h.org_id LEFT JOIN party_org q ON q.id = h.party_org_id"
            " LEFT JOIN person p ON p.id = h.person_id",
    .key = "h.id",
    .org_path = "o.path",
    .org_column = "org_id",
    .org_field = "org_id",
    .read_perm = HONOUR_READ,
    .write_perm = HONOUR_WRITE,
    .create = honour_fields,
    .update = honour_update_fields,
    .filters = honour_filters,
    .sorts = honour_sorts,
    .rules = {.check = honour_check, .place = honour_place, .figures = honour_touch},
    .unique_field = "title",
    .unique_error = &honour_taken,
};

/* ---------------------------------------------------------------- exports */

/* GET /api/v1/brands/export: the brands of the list's filters (党建品牌), audited. */
static int brand_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"name", "品牌名称", NULL, NULL},
        {"org_name", "所属组织", NULL, NULL},
        {"party_org_name", "党组织", NULL, NULL},
        {"started_year", "创建年份", NULL, NULL},
        {"description", "品牌简介", NULL, NULL},
        {"results", "工作成效", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return res_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "党建品牌", cols, "brands");
}

/* GET /api/v1/honours/export: the honours of the list's filters (荣誉), audited. */
static int honour_export(api_req_t *req, api_reply_t *rep)
{
    static const list_col_t cols[] = {
        {"title", "荣誉名称", NULL, NULL},
        {"level", "级别", honour_levels, honour_level_words},
        {"year", "年度", NULL, NULL},
        {"org_name", "所属组织", NULL, NULL},
        {"party_org_name", "党组织", NULL, NULL},
        {"person_name", "获奖个人", NULL, NULL},
        {"awarding_body", "授予机关", NULL, NULL},
        {"doc_no", "文号", NULL, NULL},
        {NULL, NULL, NULL, NULL},
    };
    api_list_t l;
    return res_list_of(req, rep, &l) != 0 ? -1 : api_list_export(req, rep, &l, "荣誉", cols, "honours");
}

/* ---------------------------------------------------------------- the table */

const op_t honour_ops[] = {
    {OP(HTTP_GET, "/api/v1/brands/export", "brands.export", PERM(HONOUR_READ), RF_WRITES, brand_export),
     .res = &brand_res, .query = brand_list_query},
    {OP(HTTP_GET, "/api/v1/honours/export", "honours.export", PERM(HONOUR_READ), RF_WRITES, honour_export),
     .res = &honour_res, .query = honour_list_query},
    RESOURCE_OPS(brand_res, brand_entity, "/api/v1/brands", "brands", HONOUR_READ, HONOUR_WRITE, brand_fields,
                 brand_update_fields, brand_list_query),
    RESOURCE_OPS(honour_res, honour_entity, "/api/v1/honours", "honours", HONOUR_READ, HONOUR_WRITE, honour_fields,
                 honour_update_fields, honour_list_query),
    OPS_END,
};

/* ---------------------------------------------------------------- demo */

/* The demo's brands: name, where (NULL: the city; else a district's name it
 * starts with, a community of it picked), the year started, what, results. */
static const struct {
    const char *name, *where;
    int year;
    const char *description, *results;
} demo_brands[] = {
    {"一线为民工作法", NULL, 2019,
     "领导干部到一线察民情、解民忧，网格员在一线发现、上报、办结群众诉求，干部作风在一线转变。",
     "群众诉求按期办结率、满意率逐年提高，基层减负与服务提质同步推进。"},
    {"财富广场楼宇党建", "蜀山", 2014,
     "以商务楼宇为单元建立楼宇党委，统筹楼内企业党组织，开展党员亮身份、楼宇议事和企业服务。",
     "楼内企业党组织覆盖率显著提升，帮助入驻企业解决用工、融资等问题。"},
    {"温暖快递", "包河", 2016,
     "组织快递小哥加入社区志愿服务，走街串巷时发现并报告安全隐患、困难群众需求。",
     "快递员党员和志愿者成为网格“流动哨”，一批隐患和困难家庭需求得到及时处理。"},
    {"红色网格·邻里守望", "瑶海", 2017, "网格党支部带领楼栋长、志愿者常态化走访独居老人和困难家庭。",
     "独居老人定期探访全覆盖，邻里纠纷就地化解。"},
    {"党建引领红色物业", "庐阳", 2018, "社区党组织领导业委会和物业企业，推动物业服务纳入社区治理。",
     "老旧小区物业服务覆盖率提高，群众物业投诉明显下降。"},
    {"银龄先锋", "包河", 2018, "组织退休党员发挥余热，参与矛盾调解、文明劝导和关心下一代工作。",
     "退休党员志愿服务队伍不断壮大，形成一批调解品牌。"},
    {"小巷管家", "庐阳", 2017, "居民党员认领街巷，巡查环境卫生和公共设施，及时上报问题。",
     "背街小巷环境明显改善，问题发现处置更加及时。"},
    {"楼道议事会", "蜀山", 2019, "以楼道为单元建立议事平台，党员牵头协商楼道公共事务。",
     "楼道加装电梯、停车管理等难题协商解决。"},
    {"滨湖融合党建", "包河", 2015, "滨湖新区社区与驻区单位、两新组织共建共享阵地和资源。",
     "共驻共建项目落地，社区服务资源有效整合。"},
    {"产业链上建党组织", "经济", 2020, "沿产业链在上下游企业建立党组织，以党建促发展。",
     "链上企业党组织应建尽建，协同攻关项目增加。"},
    {"田间党课", "肥西", 2016, "把党课搬到田间地头，结合农技推广开展党员教育。",
     "农村党员教育参与率提高，带动特色种植增收。"},
    {"强村带弱村", "肥东", 2018, "强村党组织与薄弱村党组织结对，共同发展集体经济。",
     "一批空壳村、薄弱村集体经济收入实现突破。"},
    {"党员中心户", "长丰", 2015, "在自然村设立党员中心户，联系服务周边农户。",
     "农户诉求就近收集，政策宣传入户到人。"},
    {"湖畔先锋", "巢湖", 2017, "环巢湖村社党组织带领群众参与生态保护和水环境治理。",
     "巢湖岸线环境明显改善，生态旅游带动增收。"},
    {"江淮之家", "庐江", 2019, "建设党群服务中心“江淮之家”，集成政务、养老、托育服务。",
     "群众办事不出村，服务事项就近可办。"},
    {"新时代文明实践+党建", "瑶海", 2020, "依托新时代文明实践站，党员志愿者开展常态化文明实践活动。",
     "文明实践活动常态开展，社区文明程度提升。"},
};

/* The k-th node (ordered by id) of nodes of level lvl in [lo, hi) picked by
 * draw: its id in *id (0 when there are none). */
static int demo_node(db_t *db, const char *sql, const char *lo, const char *hi, unsigned long long seed,
                     unsigned long long k, int64_t *id)
{
    int64_t n = 0;
    *id = 0;
    char *count = db_sql_join("SELECT COUNT(*) FROM (", sql, ") x", NULL);
    int rc = db_one_int(db, &n, count, "tt", lo, hi);
    free(count);
    if (rc != DB_OK || n == 0)
        return rc;
    char *one = db_sql_join(sql, " LIMIT 1 OFFSET ?", NULL);
    rc = db_one_int(db, id, one, "tti", lo, hi, demo_pick(seed, k, n));
    free(one);
    return rc;
}

#define DEMO_COMMUNITIES "SELECT id FROM org WHERE level = 'community' AND path >= ? AND path < ? ORDER BY id"
#define DEMO_SECRETARIES                                                                                               \
    "SELECT c.person_id FROM cadre c JOIN org o ON o.id = c.org_id WHERE c.post = '书记' AND o.level = 'community'"  \
    " AND o.path >= ? AND o.path < ? ORDER BY c.id"

/* The party organisation of a node (its first, not a 党小组), or 0. */
static int64_t demo_party_org(db_t *db, int64_t org)
{
    int64_t po = 0;
    if (db_one_int(db, &po, "SELECT COALESCE(MIN(id), 0) FROM party_org WHERE org_id = ? AND kind <> '党小组'", "i",
                   org) != DB_OK)
        return 0;
    return po;
}

/* One honour of the demo: a community's party organisation (person 0) or a
 * community secretary's (drawn in [lo, hi)). A holder drawn twice for the
 * same title and year is drawn again (up to 8 times), so that the counts are
 * the same whatever the number of residents. */
static int demo_honour(db_t *db, const write_ctx_t *w, unsigned long long seed, unsigned long long k, const char *lo,
                       const char *hi, int person, const char *title, const char *level, const char *body,
                       const char *doc, int year)
{
    int rc = DB_OK;
    int64_t changed = 0;
    for (unsigned long long draw = 0; rc == DB_OK && changed == 0 && draw < 8; draw++) {
        int64_t holder = 0, org = 0;
        rc = demo_node(db, person ? DEMO_SECRETARIES : DEMO_COMMUNITIES, lo, hi, seed, k * 8 + draw, &holder);
        if (rc != DB_OK || holder == 0)
            return rc;
        if (person)
            rc = db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", holder);
        else
            org = holder;
        int64_t po = person ? 0 : demo_party_org(db, org);
        char no[64];
        snprintf(no, sizeof no, "%s〔%d〕%d号", doc, year, 3 + (int)demo_pick(seed, k * 8 + 7, 40));
        if (rc == DB_OK)
            rc = db_exec(db, &changed,
                         "INSERT INTO honour (org_id, party_org_id, person_id, title, level, awarding_body, year,"
                         " doc_no, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         "iIItttitii", org, po, person ? holder : 0, title, level, body, (int64_t)year, no, w->now,
                         w->now);
    }
    return rc;
}

int honour_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    seed = seed * 31 + 17; /* this family's own draws */
    unsigned long long k = 0;
    int64_t city = 0;
    char city_path[ACCESS_PATH_MAX] = "", city_hi[ACCESS_PATH_MAX] = "";
    int rc = db_one_int(db, &city, "SELECT id FROM org WHERE level = 'city' ORDER BY id LIMIT 1", "");
    if (rc == DB_OK)
        rc = db_one_text(db, city_path, sizeof city_path, "SELECT path FROM org WHERE id = ?", "i", city);
    if (rc == DB_OK)
        path_subtree_upper(city_hi, sizeof city_hi, city_path);
    json_t *districts = rc == DB_OK ? db_rows_json(db,
                                                   "SELECT id, name, path FROM org WHERE level = 'district'"
                                                   " ORDER BY id",
                                                   "")
                                    : NULL;
    if (rc == DB_OK && districts == NULL)
        rc = DB_ERR;
    /* Brands: the city's own, the others at a community of their district. */
    for (size_t i = 0; rc == DB_OK && i < sizeof demo_brands / sizeof demo_brands[0]; i++) {
        int64_t org = city;
        const char *lo = city_path, *hi = city_hi;
        char dhi[ACCESS_PATH_MAX];
        size_t j;
        json_t *d;
        json_array_foreach(districts, j, d) {
            const char *name = json_string_value(json_object_get(d, "name"));
            if (demo_brands[i].where && name && strncmp(name, demo_brands[i].where, strlen(demo_brands[i].where)) == 0) {
                lo = json_string_value(json_object_get(d, "path"));
                path_subtree_upper(dhi, sizeof dhi, lo);
                hi = dhi;
                break;
            }
        }
        if (demo_brands[i].where)
            rc = demo_node(db, DEMO_COMMUNITIES, lo, hi, seed, k++, &org);
        if (rc == DB_OK && org == 0)
            continue;
        int64_t po = org == city ? 0 : demo_party_org(db, org);
        if (rc == DB_OK)
            rc = db_exec(db, NULL,
                         "INSERT INTO brand (org_id, party_org_id, name, started_year, description, results,"
                         " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         "iItittii", org, po, demo_brands[i].name, (int64_t)demo_brands[i].year,
                         demo_brands[i].description, demo_brands[i].results, w->now, w->now);
    }
    /* Honours, every year to the assessment's (this year): national ones in
     * 2016 and 2021, provincial and city ones each year, each district's. */
    int last = api_today_ymd() / 10000;
    for (int y = DEMO_FIRST_YEAR; rc == DB_OK && y <= last; y++) {
        if (y == 2016 || y == 2021) {
            rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 0, "全国先进基层党组织", "national", "中共中央",
                             "中发", y);
            if (rc == DB_OK)
                rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 1, "全国优秀共产党员", "national",
                                 "中共中央", "中发", y);
        }
        if (rc == DB_OK)
            rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 0, "安徽省先进基层党组织", "provincial",
                             "中共安徽省委", "皖发", y);
        if (rc == DB_OK)
            rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 1, "安徽省优秀共产党员", "provincial",
                             "中共安徽省委", "皖发", y);
        for (int j = 0; rc == DB_OK && j < 3; j++)
            rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 0, "合肥市先进基层党组织", "city",
                             "中共合肥市委", "合发", y);
        for (int j = 0; rc == DB_OK && j < 2; j++)
            rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 1, "合肥市优秀共产党员", "city", "中共合肥市委",
                             "合发", y);
        if (rc == DB_OK)
            rc = demo_honour(db, w, seed, ++k, city_path, city_hi, 1, "合肥市优秀党务工作者", "city",
                             "中共合肥市委", "合发", y);
        size_t j;
        json_t *d;
        json_array_foreach(districts, j, d) {
            const char *name = json_string_value(json_object_get(d, "name")), *lo = json_string_value(json_object_get(d, "path"));
            char hi[ACCESS_PATH_MAX], title[128], body[128], doc[32];
            path_subtree_upper(hi, sizeof hi, lo);
            snprintf(body, sizeof body, "中共%s委员会", name);
            snprintf(doc, sizeof doc, "%.3s发", name); /* the district's first character */
            snprintf(title, sizeof title, "%s先进基层党组织", name);
            for (int n = 0; rc == DB_OK && n < 2; n++)
                rc = demo_honour(db, w, seed, ++k, lo, hi, 0, title, "district", body, doc, y);
            snprintf(title, sizeof title, "%s优秀共产党员", name);
            if (rc == DB_OK)
                rc = demo_honour(db, w, seed, ++k, lo, hi, 1, title, "district", body, doc, y);
        }
    }
    json_decref(districts);
    return rc;
}
