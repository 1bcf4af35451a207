/* Generic resource operations: get, list (keyset pages, declared filters),
 * create, update (version check, one UPDATE) and delete of a plain family,
 * whose rows live in one table and each sit in one org node. A family
 * declares a resource_t and its operations with RESOURCE_OPS; its file keeps
 * only its own rules, as hooks. See docs/architecture.md. */
#ifndef JICENG_API_RESOURCE_H
#define JICENG_API_RESOURCE_H

#include "api/errors.h"
#include "api/op.h"

/* A list filter: when query parameter param is given, the condition sql (one
 * '?', bound with the value: an integer for an F_INT parameter, else text;
 * like: the value as a "%text%" LIKE pattern) narrows the list. */
typedef struct res_filter {
    const char *param;
    const char *sql;           /* "u.type = ?" */
    int like;
} res_filter_t;

/* The family's own rules. Each is optional; each returns 0, or -1 with rep
 * set (and the change is rolled back). in is the validated input. */
typedef struct res_rules {
    /* Before the write is queued, on the request's thread (a checksum, two
     * fields that go together). */
    int (*check)(const api_req_t *req, const json_t *in, api_reply_t *rep);
    /* Create: the org node the new row sits in (default: the org_field input,
     * which the caller must hold the write permission over). */
    int (*place)(db_t *db, const write_ctx_t *w, const json_t *in, int64_t *org, api_reply_t *rep);
    /* In the write, before the row changes (create: id 0; update; delete). */
    int (*before)(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep);
    /* In the write, after the row changed (create and update). */
    int (*after)(db_t *db, const write_ctx_t *w, int64_t id, const json_t *in, api_reply_t *rep);
    /* The row's part of the kept figures: taken out (-1) before an update or
     * a delete, put in (+1) after a create or an update. DB_OK or an error. */
    int (*figures)(db_t *db, int64_t id, int sign);
    /* An answer row as the select gave it, finished (a JSON column parsed). */
    void (*row)(json_t *row);
} res_rules_t;

typedef struct resource {
    const char *name;          /* "unit": the entity of 404s and audit rows; actions "unit.created" ... */
    const char *table;         /* "unit" */
    const entity_t *entity;    /* how a row's org is found (the ops' scope check) */
    const char *columns;       /* the answer's columns: "SELECT u.id, u.name, o.name AS org_name, ..." */
    const char *from;          /* where they come from: "FROM unit u JOIN org o ON o.id = u.org_id" */
    const char *key;           /* "u.id": the select's key, and the list's cursor */
    const char *id_column;     /* the table's key column: NULL for "id" ("person_id" for party members) */
    const char *org_path;      /* "o.path": the path of the row's org node, for the list's scope */
    const char *org_column;    /* "org_id": the table's column naming the row's org node; NULL when the
                                * row's org comes from another row (rules.place finds it) */
    const char *org_field;     /* the create input naming it ("org_id"), or NULL when rules.place decides */
    uint32_t read_perm, write_perm;
    const field_t *create, *update; /* the inputs: each names a column, but "version" and those in not_columns */
    const char *const *not_columns; /* inputs the rules read that are not columns (NULL-terminated), or NULL */
    const char *const *not_logged;  /* inputs left out of the audit summary (free texts that may name
                                     * residents: a meeting's minutes), NULL-terminated, or NULL */
    const res_filter_t *filters;    /* ending with {NULL}; "org" (the subtree) is always there */
    const api_sort_t *sorts;        /* the columns the list sorts by (?sort=), ending with {NULL}; or NULL */
    const char *places;             /* the list's rows name their place by this column (api_list_t.places), or NULL */
    /* The kept figure (org_figure, kept by the family's figures rule) counting the
     * list's rows in a subtree ("households"), or NULL: without a filter (or with a
     * filter that names its own) the total is that figure, and a subtree holding
     * much of the whole is read in key order from from_rows_first (the rows' table
     * first, a CROSS JOIN) with join_on as a condition (api_list_counted). */
    const char *figure, *from_rows_first, *join_on;
    /* A filter that, given alone, has a kept figure of its own: its parameter
     * ("type") and the figure's name with the value in place of %s ("units.%s"). */
    const char *figure_param, *figure_of_param;
    res_rules_t rules;
    /* A UNIQUE constraint refusing a create or update: this error (409) naming unique_field. */
    const char *unique_field;
    const err_t *unique_error;
    /* A delete refused by rows that refer to this one: this error (409), else still_referenced. */
    const err_t *busy_error;
} resource_t;

int res_list(api_req_t *req, api_reply_t *rep);
/* The list of the operation's resource (req->route->res) as res_list reads it
 * (the caller's subtree, ?org=, the declared filters) begun in l, unrun: for
 * an export of the same list (its op naming the resource and the list's
 * query). 0, or -1 with rep set (l not begun). */
struct api_list;
int res_list_of(api_req_t *req, api_reply_t *rep, struct api_list *l);
int res_get(api_req_t *req, api_reply_t *rep);
int res_create(api_req_t *req, api_reply_t *rep);
int res_update(api_req_t *req, api_reply_t *rep);
int res_delete(api_req_t *req, api_reply_t *rep);

/* The five operations of resource R (its entity ENT) at BASE ("/api/v1/units", names "units.*"). */
#define RESOURCE_OPS(R, ENT, BASE, NM, RPERM, WPERM, CREATE, UPDATE, LISTQ)                                         \
    {OP(HTTP_GET, BASE, NM ".list", PERM(RPERM), RF_PAGED, res_list), .res = &(R), .query = (LISTQ)},                 \
        {OP(HTTP_POST, BASE, NM ".create", PERM(WPERM), RF_BODY | RF_WRITES, res_create), .res = &(R),                \
         .body = (CREATE)},                                                                                             \
        {OP(HTTP_GET, BASE "/{id}", NM ".get", PERM(RPERM), 0, res_get), .res = &(R), .entity = &(ENT)},              \
        {OP(HTTP_PATCH, BASE "/{id}", NM ".update", PERM(WPERM), RF_BODY | RF_WRITES, res_update), .res = &(R),       \
         .body = (UPDATE), .entity = &(ENT)},                                                                          \
        {OP(HTTP_DELETE, BASE "/{id}", NM ".delete", PERM(WPERM), RF_WRITES, res_delete), .res = &(R),                \
         .entity = &(ENT)}

/* One row's update (the validated input in) or delete, in the write's transaction,
 * as PATCH and DELETE of the resource do it: the scope check, the version (when in
 * names one), the rules, the kept figures and the row's audit row; without the
 * answer. 0, or -1 with rep set. For a change to many rows in one write (a bulk
 * operation) that each row must undergo as if changed alone. */
int res_update_row(db_t *db, const write_ctx_t *w, const resource_t *r, int64_t id, json_t *in,
                   api_reply_t *rep);
int res_delete_row(db_t *db, const write_ctx_t *w, const resource_t *r, int64_t id, api_reply_t *rep);

/* A row as the resource answers it (its select), or NULL. */
json_t *res_row(db_t *db, const resource_t *r, int64_t id);

#endif
