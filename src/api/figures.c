/* The kept yearly figures of a node (docs/figures.md): the raw rows a family's
 * records give, read by the 数说基层 page and by anyone auditing a figure. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/op.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/role.h"

/* GET /api/v1/orgs/{id}/year-figures?prefix=&year=: the node's kept totals
 * (its subtree's), every year or one, every figure or those starting with prefix. */
static int org_year_figures(api_req_t *req, api_reply_t *rep)
{
    char path[ACCESS_PATH_MAX];
    int rc = access_org(req->db, req->who, PERM_STATS_READ, req->params[0], path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    char *prefix = api_query(req, "prefix");
    int64_t year = 0;
    api_query_int(req, "year", 0, 2000, 2100, &year);
    json_t *rows = db_rows_json(req->db,
                                "SELECT year, figure, total FROM year_figure WHERE org_id = ?"
                                " AND substr(figure, 1, ?) = ? AND (? = 0 OR year = ?) AND total <> 0"
                                " ORDER BY year, figure",
                                "iitii", req->params[0], (int64_t)(prefix ? strlen(prefix) : 0), prefix ? prefix : "",
                                year, year);
    free(prefix);
    if (rows == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    return api_json(rep, 200, json_pack("{s:I, s:o}", "org_id", (json_int_t)req->params[0], "figures", rows));
}

static const field_t year_figures_query[] = {
    {"prefix", F_TEXT, 0, 1, 64, NULL, 0},
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

/* ---------------------------------------------------------------- 数说基层 */

/* How a figure of the page is made from kept figures. */
typedef enum {
    FK_AVG,      /* a / b (a sum over a count), divided by scale; null when b is 0 */
    FK_SUM,      /* a, divided by scale */
    FK_SHARE_OK, /* (b - a) / b: the share of b not counted in a (below the standard); null when b is 0 */
    FK_STOCK,    /* Σ a − Σ b over every year up to the year: what exists at its end */
    FK_CURRENT,  /* a of org_figure: a count as it is now (not by year) */
    FK_NORM,     /* the share named b of the norm a in force at the node in the year */
} fig_kind_t;

typedef struct page_fig {
    const char *section; /* the page's section, and the workbook's grouping */
    const char *key;     /* the answer's key (and the console's dictionary key) */
    fig_kind_t kind;
    const char *a, *b;
    int scale;
    const char *unit;    /* yuan, m2, count, ratio, percent */
    const char *page;    /* the console page of the records behind it (a route name of the node) */
    const char *query;   /* that page's filters, "k=v&k=v" (year added for yearly figures) */
    const char *label;   /* the workbook's words */
} page_fig_t;

static const page_fig_t page_figs[] = {
    {"pay", "pay.community_secretary", FK_AVG, "pay.community_secretary.sum", "pay.community_secretary.n", 1, "yuan",
     "org-pay", "post_group=community_secretary", "社区党组织书记年均报酬（元）"},
    {"pay", "pay.village_head", FK_AVG, "pay.village_head.sum", "pay.village_head.n", 1, "yuan", "org-pay",
     "post_group=village_head", "村“两委”正职年均报酬（元）"},
    {"pay", "pay.compliance", FK_SHARE_OK, "pay.below", "pay.checked", 1, "ratio", "org-pay", "below=true",
     "报酬不低于标准的比例"},
    {"pay", "pay.below", FK_SUM, "pay.below", NULL, 1, "count", "org-pay", "below=true", "低于标准的人数"},
    {"venue", "venue.community", FK_AVG, "venue.community.area_x10", "venue.community.n", 10, "m2", "org-venues",
     "kind=community", "社区活动场所平均面积（平方米）"},
    {"venue", "venue.village", FK_AVG, "venue.village.area_x10", "venue.village.n", 10, "m2", "org-venues",
     "kind=village", "村级活动场所平均面积（平方米）"},
    {"venue", "venue.community.compliance", FK_SHARE_OK, "venue.community.below", "venue.community.checked", 1,
     "ratio", "org-venues", "kind=community&below=true", "社区场所达标率"},
    {"venue", "venue.village.compliance", FK_SHARE_OK, "venue.village.below", "venue.village.checked", 1, "ratio",
     "org-venues", "kind=village&below=true", "村级场所达标率"},
    {"funds", "funds.tier1", FK_AVG, "funds.tier1.sum", "funds.tier1.n", 1, "yuan", "org-funds", "tier=1",
     "运转经费平均（第一档，元）"},
    {"funds", "funds.tier2", FK_AVG, "funds.tier2.sum", "funds.tier2.n", 1, "yuan", "org-funds", "tier=2",
     "运转经费平均（第二档，元）"},
    {"funds", "funds.tier3", FK_AVG, "funds.tier3.sum", "funds.tier3.n", 1, "yuan", "org-funds", "tier=3",
     "运转经费平均（第三档，元）"},
    {"village", "village.shell", FK_SUM, "village.band.shell", NULL, 1, "count", "org-village-economy", "band=shell",
     "空壳村（个）"},
    {"village", "village.weak", FK_SUM, "village.band.weak", NULL, 1, "count", "org-village-economy", "band=weak",
     "薄弱村（个）"},
    {"village", "village.left_shell", FK_SUM, "village.left_shell", NULL, 1, "count", "org-village-economy",
     "change=left_shell", "当年摘帽的空壳村（个）"},
    {"village", "village.entered_shell", FK_SUM, "village.entered_shell", NULL, 1, "count", "org-village-economy",
     "change=entered_shell", "当年新增的空壳村（个）"},
    {"village", "village.n", FK_SUM, "village.n", NULL, 1, "count", "org-village-economy", "", "填报账目的村（个）"},
    {"orgs", "party_orgs.at_grid", FK_CURRENT, "party_orgs.at_grid", NULL, 1, "count", "org-party-orgs", "",
     "网格党支部（党小组）（个）"},
    {"orgs", "alliances", FK_STOCK, "alliance.founded", "alliance.dissolved", 1, "count", "org-alliances", "",
     "区域化党建联盟（个）"},
    {"orgs", "party_orgs", FK_CURRENT, "party_orgs", NULL, 1, "count", "org-party-orgs", "", "党组织（个）"},
    {"members", "party_members", FK_CURRENT, "party_members", NULL, 1, "count", "org-party-members", "",
     "党员（人）"},
    {"members", "in_service_registered", FK_CURRENT, "in_service_registered", NULL, 1, "count",
     "org-service-reports", "", "在职党员到社区报到（人）"},
    {"assessment", "assessment.party_building", FK_NORM, "assessment.weights", "party_building", 1, "percent",
     "org-norms", "", "考核权重：党建工作（%）"},
    {"assessment", "assessment.development", FK_NORM, "assessment.weights", "development", 1, "percent", "org-norms",
     "", "考核权重：发展工作（%）"},
    {"honours", "honour.national", FK_SUM, "honour.national", NULL, 1, "count", "org-honours", "level=national",
     "国家级荣誉（项）"},
    {"honours", "honour.provincial", FK_SUM, "honour.provincial", NULL, 1, "count", "org-honours",
     "level=provincial", "省级荣誉（项）"},
    {"honours", "brands", FK_STOCK, "brand.created", NULL, 1, "count", "org-honours", "", "党建品牌（个）"},
    {"workteam", "workteam.n", FK_SUM, "workteam.n", NULL, 1, "count", "org-work-teams", "", "驻村工作队（个）"},
    {"workteam", "poverty.exited", FK_SUM, "poverty.exited", NULL, 1, "count", "org-poverty", "status=exited",
     "已脱贫户（户）"},
    {"workteam", "poverty.not_exited", FK_SUM, "poverty.not_exited", NULL, 1, "count", "org-poverty",
     "status=not_exited", "未脱贫户（户）"},
    {"workteam", "poverty.returned", FK_SUM, "poverty.returned", NULL, 1, "count", "org-poverty", "status=returned",
     "返贫户（户）"},
};
#define NPAGE_FIGS (sizeof page_figs / sizeof page_figs[0])

/* The kept yearly totals of a node: "year|figure" -> total, and the years. */
typedef struct kept {
    json_t *by_key;
    int years[128], nyears;
} kept_t;

static int kept_load(db_t *db, int64_t org, kept_t *k)
{
    k->by_key = json_object();
    k->nyears = 0;
    db_stmt_t *st = db_q(db, "SELECT year, figure, total FROM year_figure WHERE org_id = ? AND total <> 0", "i", org);
    if (st == NULL)
        return DB_ERR;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int y = (int)db_col_int(st, 0);
        char key[160];
        snprintf(key, sizeof key, "%d|%s", y, db_col_text(st, 1));
        json_object_set_new(k->by_key, key, json_integer(db_col_int(st, 2)));
        int seen = 0;
        for (int i = 0; i < k->nyears; i++)
            seen |= k->years[i] == y;
        if (!seen && k->nyears < 128)
            k->years[k->nyears++] = y;
    }
    db_done(st);
    for (int i = 1; i < k->nyears; i++) /* ascending */
        for (int j = i; j > 0 && k->years[j - 1] > k->years[j]; j--) {
            int t = k->years[j];
            k->years[j] = k->years[j - 1];
            k->years[j - 1] = t;
        }
    return rc == DB_DONE ? DB_OK : rc;
}

static int64_t kept_get(const kept_t *k, int year, const char *figure)
{
    if (figure == NULL)
        return 0;
    char key[160];
    snprintf(key, sizeof key, "%d|%s", year, figure);
    return json_integer_value(json_object_get(k->by_key, key));
}

/* A yearly figure's value in year (json null when it has none). */
static json_t *yearly_value(const page_fig_t *f, const kept_t *k, int year)
{
    int64_t a = kept_get(k, year, f->a), b = kept_get(k, year, f->b);
    switch (f->kind) {
    case FK_AVG:
        return b ? json_real(round((double)a / (double)b / f->scale * 10.0) / 10.0) : json_null();
    case FK_SUM:
        return f->scale == 1 ? json_integer(a) : json_real((double)a / f->scale);
    case FK_SHARE_OK:
        return b ? json_real(round((double)(b - a) / (double)b * 10000.0) / 10000.0) : json_null();
    case FK_STOCK: {
        int64_t n = 0;
        for (int i = 0; i < k->nyears && k->years[i] <= year; i++)
            n += kept_get(k, k->years[i], f->a) - kept_get(k, k->years[i], f->b);
        return json_integer(n);
    }
    default:
        return json_null();
    }
}

/* The page's query of the records behind a figure, as an object; the year added
 * to a yearly figure's. */
static json_t *link_of(const page_fig_t *f, int year)
{
    json_t *q = json_object();
    char buf[128];
    snprintf(buf, sizeof buf, "%s", f->query);
    for (char *save = NULL, *part = strtok_r(buf, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        if (eq) {
            *eq = '\0';
            json_object_set_new(q, part, json_string(eq + 1));
        }
    }
    if (f->kind != FK_CURRENT && f->kind != FK_NORM && f->kind != FK_STOCK)
        json_object_set_new(q, "year", json_integer(year));
    return json_pack("{s:s, s:o}", "page", f->page, "query", q);
}

/* Every figure of the page at node org in year: the answer. NULL on error. */
static json_t *page_of(db_t *db, int64_t org, int year)
{
    kept_t k;
    if (kept_load(db, org, &k) != DB_OK) {
        json_decref(k.by_key);
        return NULL;
    }
    json_t *current = rollup_figures(db, org);
    json_t *figs = json_array(), *years = json_array();
    for (int i = 0; i < k.nyears; i++)
        json_array_append_new(years, json_integer(k.years[i]));
    for (size_t i = 0; i < NPAGE_FIGS; i++) {
        const page_fig_t *f = &page_figs[i];
        json_t *value, *series = NULL;
        if (f->kind == FK_CURRENT) {
            json_t *v = json_object_get(current, f->a);
            value = json_integer(v ? json_integer_value(v) : 0);
        } else if (f->kind == FK_NORM) {
            json_t *norm = NULL;
            value = norm_get(db, f->a, org, year, &norm) == DB_OK && json_object_get(norm, f->b)
                        ? json_incref(json_object_get(norm, f->b))
                        : json_null();
            json_decref(norm);
        } else {
            value = yearly_value(f, &k, year);
            series = json_array();
            for (int y = 0; y < k.nyears; y++)
                json_array_append_new(series, json_pack("{s:i, s:o}", "year", k.years[y], "value",
                                                        yearly_value(f, &k, k.years[y])));
        }
        json_t *one = json_pack("{s:s, s:s, s:o, s:s, s:o, s:b}", "section", f->section, "key", f->key, "value",
                                value, "unit", f->unit, "link", link_of(f, year), "yearly",
                                f->kind != FK_CURRENT && f->kind != FK_NORM);
        if (series)
            json_object_set_new(one, "series", series);
        json_array_append_new(figs, one);
    }
    json_decref(current);
    json_decref(k.by_key);
    return json_pack("{s:i, s:o, s:o}", "year", year, "years", years, "figures", figs);
}

/* The node in the caller's stats.read scope and the year asked (0: none). 0, or
 * -1 with rep set. */
static int page_scope(api_req_t *req, api_reply_t *rep, int64_t *asked)
{
    char path[ACCESS_PATH_MAX];
    int rc = access_org(req->db, req->who, PERM_STATS_READ, req->params[0], path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "org");
    *asked = 0;
    api_query_int(req, "year", 0, 2000, 2100, asked);
    return 0;
}

/* The year of the page (the one asked, else the last whole year with kept
 * figures at the node, a year's figures being complete once it is over, else
 * the latest with any, else last year) and the node's row. 0, or -1 with rep set. */
static int page_resolve(api_req_t *req, api_reply_t *rep, int64_t asked, int64_t *year, json_t **org_row)
{
    *year = asked;
    if (asked == 0) {
        int64_t y = 0, last = api_today_ymd() / 10000 - 1;
        db_one_int(req->db, &y,
                   "SELECT COALESCE(MAX(CASE WHEN year <= ? THEN year END), MAX(year), 0) FROM year_figure"
                   " WHERE org_id = ?",
                   "ii", last, req->params[0]);
        *year = y ? y : last;
    }
    *org_row = db_row_one_json(req->db, "SELECT id, name, level, kind, code FROM org WHERE id = ?", "i",
                               req->params[0]);
    return *org_row ? 0 : api_db_error(rep, req->lang, DB_NOTFOUND, "org");
}

static int page_query(api_req_t *req, api_reply_t *rep, int64_t *year, json_t **org_row)
{
    int64_t asked;
    if (page_scope(req, rep, &asked) != 0)
        return -1;
    return page_resolve(req, rep, asked, year, org_row);
}

/* GET /api/v1/orgs/{id}/figures?year=: 数说基层, every figure of the source
 * text for the node's subtree in the year, computed from kept figures, each with
 * its series by year and the records behind it. */
static int org_figures(api_req_t *req, api_reply_t *rep)
{
    int64_t asked, year;
    json_t *org;
    if (page_scope(req, rep, &asked) != 0)
        return 0;
    /* The answer depends on the node and the year asked only (the scope was
     * checked; the default year on the data and on today's year): kept until
     * the next commit, found before anything else is read. */
    char key[64];
    snprintf(key, sizeof key, "orgs.figures:%lld:%lld:%d", (long long)req->params[0], (long long)asked,
             asked ? 0 : api_today_ymd() / 10000);
    if (cache_reply(req, key, rep))
        return 0;
    if (page_resolve(req, rep, asked, &year, &org) != 0)
        return 0;
    json_t *page = page_of(req->db, req->params[0], (int)year);
    if (page == NULL) {
        json_decref(org);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_object_set_new(page, "org", org);
    cache_store(req, key, page);
    return api_json(rep, 200, page);
}

static int figures_export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org"));
    json_t *sum = json_pack("{s:O, s:s}", "year", json_object_get(data, "year"), "format", "xlsx");
    int rc = audit_append_new(db, w, "figures.exported", "org", org, org, sum);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_file_answer(rep, data);
}

/* A cell of the workbook: the value as a number, or "" when there is none. */
static json_t *cell_of(const json_t *v)
{
    if (json_is_integer(v))
        return json_sprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return json_sprintf("%g", json_real_value(v));
    return json_string("");
}

/* GET /api/v1/orgs/{id}/figures/export?year=: the page as an .xlsx workbook (the
 * year's figures, then every yearly figure by year), audited. */
static int org_figures_export(api_req_t *req, api_reply_t *rep)
{
    int64_t year;
    json_t *org;
    if (page_query(req, rep, &year, &org) != 0)
        return 0;
    json_t *page = page_of(req->db, req->params[0], (int)year);
    if (page == NULL) {
        json_decref(org);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    json_t *now = json_array(), *series = json_array(), *head = json_array();
    json_array_append_new(now, json_pack("[s, s]", "指标", "数值"));
    json_array_append_new(head, json_string("指标"));
    const json_t *years = json_object_get(page, "years");
    size_t i, j;
    json_t *y;
    json_array_foreach(years, j, y) json_array_append_new(head, json_sprintf("%lld", (long long)json_integer_value(y)));
    json_array_append_new(series, head);
    json_t *f;
    json_array_foreach(json_object_get(page, "figures"), i, f) {
        json_array_append_new(now, json_pack("[s, o]", page_figs[i].label, cell_of(json_object_get(f, "value"))));
        const json_t *s = json_object_get(f, "series");
        if (s == NULL)
            continue;
        json_t *row = json_array();
        json_array_append_new(row, json_string(page_figs[i].label));
        json_t *p;
        json_array_foreach(s, j, p) json_array_append_new(row, cell_of(json_object_get(p, "value")));
        json_array_append_new(series, row);
    }
    char name[64];
    snprintf(name, sizeof name, "%d年", (int)year);
    json_t *book = json_pack("[{s:s, s:o}, {s:s, s:o}]", "name", name, "rows", now, "name", "历年", "rows", series);
    size_t len = 0;
    char *body = xlsx_write_book(book, db_path(req->db), &len);
    json_decref(book);
    json_decref(page);
    const char *code = json_string_value(json_object_get(org, "code"));
    char filename[96];
    snprintf(filename, sizeof filename, "figures-%s-%04d.xlsx", code ? code : "node", (int)year);
    json_decref(org);
    if (body == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    char *b64 = api_base64_wipe(body, len);
    json_t *data = json_pack("{s:I, s:I, s:s, s:s, s:s}", "org", (json_int_t)req->params[0], "year",
                             (json_int_t)year, "format", "xlsx", "body", b64, "filename", filename);
    free(b64);
    return api_defer(req, figures_export_write, data);
}

static const field_t figures_query[] = {
    {"year", F_INT, 0, 2000, 2100, NULL, 0},
    FIELDS_END,
};

const op_t figures_ops[] = {
    {OP(HTTP_GET, "/api/v1/orgs/{id}/year-figures", "orgs.year_figures", PERM(PERM_STATS_READ), 0, org_year_figures),
     .query = year_figures_query},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/figures", "orgs.figures", PERM(PERM_STATS_READ), 0, org_figures),
     .query = figures_query},
    {OP(HTTP_GET, "/api/v1/orgs/{id}/figures/export", "orgs.figures.export", PERM(PERM_STATS_READ), RF_WRITES,
        org_figures_export),
     .query = figures_query},
    OPS_END,
};
