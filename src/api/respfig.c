/* 责任落实: the figures of a node and year of every responsibility family (duty
 * lists, problems, inspections, notices, 述职评议, the annual assessment, and the
 * party life of issue 19: 三会一课, dues, transfers, development, 民主评议) in one answer for the
 * dashboard, and the same as a workbook (a sheet per family, a row per child
 * and the node's total), audited as every export is. Each family's figures are
 * its own (duty_figures_of, ...): this file only gathers them. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "core/role.h"
#include "lib/util.h"

typedef struct {
    const char *key;    /* a figure of the family's answer */
    const char *header; /* its column in the workbook */
} column_t;

/* The figures that are a vocabulary's value: written as their words. */
static const struct {
    const char *key;
    const char *const *values, *const *words;
} vocabularies[] = {{"grade", assess_grades, assess_grade_words}};

/* The families whose figures are the node's own (a score and rank), not a sum
 * over its subtree: their last row is 本级（<node>）, not 合计（<node>）. */
static const char *const own_figures[] = {"assessment", NULL};

#define COLUMNS_MAX 12

typedef struct {
    const char *key;   /* the answer's member */
    const char *sheet; /* the workbook's sheet */
    uint32_t perm;     /* the family's read permission, over the node */
    subtree_figures_fn fn;
    column_t cols[COLUMNS_MAX]; /* ends with {NULL} */
} module_t;

static const module_t modules[] = {
    {"duty", "责任清单", PERM_PARTY_READ, duty_figures_of,
     {{"lists", "清单数"}, {"lists_signed", "已签订"}, {"lists_draft", "起草"}, {"lists_review", "上级审核"},
      {"lists_published", "已公开"}, {"items", "事项数"}, {"items_done", "已完成事项"},
      {"items_overdue", "逾期事项"}, {NULL, NULL}}},
    {"problem", "问题整改", PERM_PARTY_READ, problem_figures_of,
     {{"problems", "问题数"}, {"open", "未销号"}, {"overdue", "逾期"}, {"supervised", "督办中"},
      {"closed", "已销号"}, {"closure_rate", "销号率"}, {"repeated", "重复问题"}, {NULL, NULL}}},
    {"inspection", "明查暗访", PERM_PARTY_READ, inspection_figures_of,
     {{"inspections", "检查次数"}, {"daily", "日常督查"}, {"open", "明查"}, {"covert", "暗访"},
      {"items_checked", "已检查项"}, {"items_failed", "不合格项"}, {"findings", "发现问题"}, {NULL, NULL}}},
    {"notice", "调度通报", PERM_STATS_READ, notice_figures_of,
     {{"receipts", "接收"}, {"unread", "未读"}, {"unreplied", "未回复"}, {"overdue", "逾期未回复"}, {NULL, NULL}}},
    {"review", "述职评议", PERM_STATS_READ, review_figures_of,
     {{"sessions", "评议会"}, {"reporters", "述职书记"}, {"possible", "应投票"}, {"voted", "已投票"},
      {"turnout", "参评率"}, {"good", "好"}, {"fairly_good", "较好"}, {"average", "一般"}, {"poor", "差"},
      {"ungraded", "未定等次"}, {NULL, NULL}}},
    {"assessment", "综合考核", PERM_STATS_READ, assess_figures_of,
     {{"total", "总分"}, {"party_building", "党建"}, {"development", "发展"}, {"bonus", "加分"}, {"rank", "名次"},
      {"units", "参评单位数"}, {"grade", "等次"}, {"vetoed", "一票否决"},
      {"barred", "不得评先"}, {NULL, NULL}}},
    {"pairing", "结对共建", PERM_PARTY_READ, pairing_figures_of,
     {{"pairings", "结对数"}, {"items", "协议事项"}, {"items_done", "已完成"}, {"items_confirmed", "已确认"},
      {"items_overdue", "逾期未完成"}, {"completion_rate", "完成率"}, {NULL, NULL}}},
    {"contract", "购买服务", PERM_PEOPLE_READ, contract_figures_of,
     {{"contracts", "合同数"}, {"amount_fen", "金额（分）"}, {"beneficiaries", "服务对象"},
      {"contracted_visits", "约定服务次数"}, {"delivered_visits", "已服务次数"}, {"visit_rate", "次数完成率"},
      {"contracted_minutes", "约定服务分钟"}, {"delivered_minutes", "已服务分钟"}, {"minute_rate", "时长完成率"},
      {"satisfaction", "满意度"}, {NULL, NULL}}},
    /* ---- volunteer and service teams (team.c) ---- */
    {"volunteer", "志愿服务", PERM_PARTY_READ, volunteer_figures_of,
     {{"teams", "志愿队伍"}, {"volunteers", "志愿者"}, {"activities", "活动"}, {"verified_hours", "核实时长（小时）"},
      {NULL, NULL}}},
    {"enterprise_visit", "非公企业走访", PERM_PARTY_READ, enterprise_visit_figures_of,
     {{"enterprises", "非公企业"}, {"visited_this_month", "本月已走访"}, {"visit_rate", "走访率"},
      {"visits", "全年走访"}, {"with_problems", "发现问题"}, {"cases", "转为案件"}, {NULL, NULL}}},
    /* ---- 双报到 (service_report.c) ---- */
    {"service_report", "双报到", PERM_PARTY_READ, service_report_figures_of,
     {{"members_active", "在册报到党员"}, {"members_pending", "待接收报到"}, {"members_received", "累计接收"},
      {"records_verified", "核实服务次数"}, {"hours_verified", "核实服务时长（小时）"}, {"cards_sent", "反馈卡"},
      {"cards_acknowledged", "已签收"}, {"cards_acknowledged_rate", "签收率"}, {NULL, NULL}}},
    /* ---- service posts and 微心愿 (claims.c) ---- */
    {"claims", "岗位与心愿", PERM_PARTY_READ, claims_figures_of,
     {{"posts", "服务岗位"}, {"post_places", "名额"}, {"post_claims", "认领"}, {"post_attended", "到岗"},
      {"post_fill_rate", "认领率"}, {"wishes_published", "心愿待认领"}, {"wishes_claimed", "心愿已认领"},
      {"wishes_confirmed", "受助人确认"}, {"fulfilled_in_year", "本年实现心愿"}, {"fulfil_days_mean", "平均实现天数"}, {"fulfil_days_median", "实现天数中位数"},
      {NULL, NULL}}},
    /* ---- 组织生活 (issue 19): each family's own figures ---- */
    {"party_meeting", "三会一课", PERM_PARTY_READ, party_meeting_figures_of,
     {{"meetings", "会议"}, {"held_branch_assembly", "党员大会"}, {"held_committee", "支委会"},
      {"held_lecture", "党课"}, {"held_theme_day", "主题党日"}, {"orgs_judged", "应开展的党组织"},
      {"orgs_behind", "未按期开展"}, {"orgs_behind_rate", "未按期比例"}, {"attendance_rate", "出席率"}, {NULL, NULL}}},
    {"dues", "党费", PERM_STATS_READ, dues_figures_of,
     {{"due_fen", "应交（分）"}, {"paid_fen", "已交（分）"}, {"collected_rate", "收缴率"},
      {"members_in_arrears", "欠交党员"}, {"members_undeclared", "未申报"}, {"extra_fen", "自愿多交（分）"},
      {"extra_upward", "上缴笔数"}, {NULL, NULL}}},
    {"party_transfer", "组织关系转接", PERM_PARTY_READ, party_transfer_figures_of,
     {{"pending_out", "待转出"}, {"pending_in", "待接收"}, {"expired_out", "介绍信过期"},
      {"completed_out", "已转出"}, {"completed_in", "已转入"}, {NULL, NULL}}},
    {"party_development", "发展党员", PERM_PARTY_READ, party_development_figures_of,
     {{"stage1", "申请入党"}, {"stage2", "入党积极分子"}, {"stage3", "发展对象"}, {"stage4", "预备党员接收"},
      {"stage5", "考察转正"}, {"applications", "本年申请"}, {"admitted", "本年接收预备党员"},
      {"converted", "本年转正"}, {NULL, NULL}}},
    {"member_eval", "民主评议党员", PERM_PARTY_READ, member_eval_figures_of,
     {{"rounds", "评议轮次"}, {"rounds_closed", "已结束"}, {"graded", "参评正式党员"}, {"excellent", "优秀"},
      {"qualified", "合格"}, {"basic", "基本合格"}, {"unqualified", "不合格"}, {"excellent_rate", "优秀比例"},
      {NULL, NULL}}},
    /* ---- end 组织生活 ---- */
};
#define NMODULES (sizeof modules / sizeof modules[0])

/* The answer of a node and year: {org_id, org_name, year, <family>: {figures,
 * children}} with the families whose read permission the caller holds over the
 * node (each as its own endpoint answers it); *rc the failure (then NULL). */
static json_t *gather(api_req_t *req, int64_t org, int64_t year, int *rc)
{
    char lo[ACCESS_PATH_MAX], name[256];
    *rc = access_org(req->db, req->who, PERM_STATS_READ, org, lo, sizeof lo);
    if (*rc == DB_OK)
        *rc = org_brief(req->db, org, NULL, 0, name, sizeof name);
    if (*rc != DB_OK)
        return NULL;
    json_t *out = json_pack("{s:I, s:s, s:I}", "org_id", (json_int_t)org, "org_name", name, "year", (json_int_t)year);
    for (size_t m = 0; m < NMODULES; m++) {
        if (access_org(req->db, req->who, modules[m].perm, org, NULL, 0) != DB_OK)
            continue;
        json_t *f = subtree_figures(req->db, req->who, org, lo, year, modules[m].fn);
        if (f == NULL) {
            json_decref(out);
            *rc = DB_ERR;
            return NULL;
        }
        json_object_set_new(out, modules[m].key, f);
    }
    return out;
}

static int read_query(api_req_t *req, int64_t *org, int64_t *year)
{
    api_query_int(req, "org", 0, 1, INT64_MAX, org);
    return api_query_int(req, "year", api_today_ymd() / 10000, 2000, 2100, year);
}

/* GET /api/v1/responsibility-figures?org=&year=: every family's figures of the node. */
static int figures_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, year = 0;
    int rc = DB_OK;
    read_query(req, &org, &year);
    json_t *out = gather(req, org, year, &rc);
    return out ? api_json(rep, 200, out) : api_db_error(rep, req->lang, rc, "org");
}

/* A cell of a figure: a number as it is, a vocabulary's value as its word, yes
 * as 是; anything else (a rate without a denominator, no, null) left empty. */
static json_t *sheet_cell(const column_t *c, const json_t *v)
{
    if (json_is_number(v))
        return json_copy((json_t *)v);
    if (json_is_true(v))
        return json_string("是");
    for (size_t k = 0; json_is_string(v) && k < sizeof vocabularies / sizeof vocabularies[0]; k++) {
        if (strcmp(vocabularies[k].key, c->key) != 0)
            continue;
        for (size_t i = 0; vocabularies[k].values[i]; i++) {
            if (strcmp(vocabularies[k].values[i], json_string_value(v)) == 0)
                return json_string(vocabularies[k].words[i]);
        }
    }
    return json_null();
}

/* A row of the sheet: the name, then the module's figures. */
static json_t *sheet_row(const module_t *m, const char *name, const json_t *f)
{
    json_t *row = json_array();
    json_array_append_new(row, json_string(name ? name : ""));
    for (const column_t *c = m->cols; c->key; c++)
        json_array_append_new(row, sheet_cell(c, json_object_get(f, c->key)));
    return row;
}

/* The workbook of the answer: a sheet per family, a header, a row per child, the
 * node's total (or its own figures). */
static json_t *book_of(const json_t *fig)
{
    json_t *book = json_array();
    char total[300], own[300];
    snprintf(total, sizeof total, "合计（%s）", json_string_value(json_object_get(fig, "org_name")));
    snprintf(own, sizeof own, "本级（%s）", json_string_value(json_object_get(fig, "org_name")));
    for (size_t m = 0; m < NMODULES; m++) {
        const json_t *f = json_object_get(fig, modules[m].key);
        if (f == NULL)
            continue;
        int is_own = 0;
        for (const char *const *k = own_figures; *k; k++)
            is_own |= strcmp(*k, modules[m].key) == 0;
        json_t *rows = json_array(), *head = json_array();
        json_array_append_new(head, json_string("单位"));
        for (const column_t *c = modules[m].cols; c->key; c++)
            json_array_append_new(head, json_string(c->header));
        json_array_append_new(rows, head);
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(f, "children"), i, k) {
            json_array_append_new(rows, sheet_row(&modules[m], json_string_value(json_object_get(k, "org_name")), k));
        }
        json_array_append_new(rows, sheet_row(&modules[m], is_own ? own : total, f));
        json_array_append_new(book, json_pack("{s:s, s:o}", "name", modules[m].sheet, "rows", rows));
    }
    return book;
}

static int export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    int64_t org = json_integer_value(json_object_get(data, "org"));
    json_t *sum = json_pack("{s:O, s:O, s:s}", "year", json_object_get(data, "year"), "sheets",
                            json_object_get(data, "sheets"), "format", "xlsx");
    int rc = audit_append_new(db, w, "responsibility_figures.exported", "org", org, org, sum);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_file_answer(rep, data);
}

/* GET /api/v1/responsibility-figures/export?org=&year=: the same figures as an
 * .xlsx workbook; the file leaves once its audit row is written. */
static int figures_export(api_req_t *req, api_reply_t *rep)
{
    int64_t org = 0, year = 0;
    int rc = DB_OK;
    read_query(req, &org, &year);
    json_t *fig = gather(req, org, year, &rc);
    if (fig == NULL)
        return api_db_error(rep, req->lang, rc, "org");
    json_t *book = book_of(fig), *sheets = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(book, i, s) json_array_append(sheets, json_object_get(s, "name"));
    size_t len = 0;
    char *body = xlsx_write_book(book, db_path(req->db), &len);
    json_decref(book);
    json_decref(fig);
    char code[32] = "";
    if (body == NULL || db_one_text(req->db, code, sizeof code, "SELECT code FROM org WHERE id = ?", "i", org) != DB_OK) {
        free(body);
        json_decref(sheets);
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    }
    char *b64 = api_base64_wipe(body, len);
    /* responsibility-340104-2026.xlsx: the node's code and the year. */
    char filename[96];
    snprintf(filename, sizeof filename, "responsibility-%s-%04d.xlsx", code, (int)year);
    json_t *data = json_pack("{s:I, s:I, s:o, s:s, s:s, s:s}", "org", (json_int_t)org, "year", (json_int_t)year,
                             "sheets", sheets, "format", "xlsx", "body", b64, "filename", filename);
    free(b64);
    return api_defer(req, export_write, data);
}

const op_t respfig_ops[] = {
    {OP(HTTP_GET, "/api/v1/responsibility-figures", "responsibility_figures.get", PERM(PERM_STATS_READ), 0,
        figures_get),
     .query = subtree_figures_query},
    {OP(HTTP_GET, "/api/v1/responsibility-figures/export", "responsibility_figures.export", PERM(PERM_STATS_READ),
        RF_WRITES, figures_export),
     .query = subtree_figures_query},
    OPS_END,
};
