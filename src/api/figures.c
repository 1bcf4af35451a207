/* The kept yearly figures of a node (docs/figures.md): the raw rows a family's
 * records give, read by the 数说基层 page and by anyone auditing a figure. */
#include "api/handlers.h"
#include "api/internal.h"
#include "api/op.h"

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

const op_t figures_ops[] = {
    {OP(HTTP_GET, "/api/v1/orgs/{id}/year-figures", "orgs.year_figures", PERM(PERM_STATS_READ), 0, org_year_figures),
     .query = year_figures_query},
    OPS_END,
};
