/* The operation table: every route of the API is an op_t declared by its
 * family (the file that owns the resource), with what it accepts (body fields,
 * query parameters), who may call it, the entity its {id} names and the code
 * that does the work. The server matches a request against the table, checks
 * everything declared (unknown or malformed input: 400 naming the field; an
 * entity out of the caller's scope: 404) and only then calls the family's
 * code. `jiceng routes --json` prints the table; docs/openapi.yaml is tested
 * against that output. See docs/architecture.md. */
#ifndef JICENG_API_OP_H
#define JICENG_API_OP_H

#include "api/api.h"

typedef int (*handler_fn)(api_req_t *req, api_reply_t *rep);

/* Who may call: anyone, any signed-in user, or one holding perm somewhere. */
enum { ROUTE_PUBLIC = 1, ROUTE_USER = 2, ROUTE_PERM = 3 };

/* RF_BODY: a JSON object body is required; RF_BODY_OPTIONAL: one may come.
 * RF_TEST_ONLY: exists only with --test-clock.
 * RF_NO_REPLAY: answers that hold secrets (a revealed ID, a new token) are never
 *   stored for Idempotency-Key replay, and every call is audited anew.
 * RF_UPLOAD: the body is a file (up to 10 MiB), handed over as bytes.
 * RF_OPEN311: every error answer, even one made outside the handler, takes the
 *   Open311 error format; query parameters not declared are ignored (Open311
 *   clients send jurisdiction_id and the like).
 * RF_PAGED: ?limit= (1..200) and ?after= (a cursor) are accepted (api_page),
 *   and ?sort= when the op has sorts (api/list.h).
 * RF_WRITES: the operation hands a change to the writer (api_defer); one that
 *   is not declared so and tries is answered 500 (the table must say it). */
enum {
    RF_BODY = 1,
    RF_BODY_OPTIONAL = 2,
    RF_TEST_ONLY = 4,
    RF_NO_REPLAY = 8,
    RF_UPLOAD = 16,
    RF_OPEN311 = 32,
    RF_PAGED = 64,
    RF_WRITES = 128,
};

/* What an {id} in the path names. org_sql reads the org the entity sits in
 * (one parameter: the id); the caller must hold the operation's permission
 * over that org, else the answer is 404 naming the entity, as for a missing
 * one. An entity whose sight is not one org's (a case: its reporter and the
 * unit it was dispatched to see it too) gives scope instead. */
typedef struct entity {
    const char *name;          /* "unit": the entity of the operation (named in the log of a 404) */
    const char *org_sql;       /* "SELECT org_id FROM unit WHERE id = ?" */
    /* Or: DB_OK with *org set if who may see entity id, DB_NOTFOUND if not (or missing). */
    int (*scope)(db_t *db, const principal_t *who, int64_t id, int64_t *org);
} entity_t;

/* A body field whose refusal answers the family's own catalogue entry. */
typedef struct field_err {
    const char *field;
    err_t err;
} field_err_t;

/* A column a list sorts by: ?sort=name ascending, ?sort=-name descending, the
 * key breaking ties; NULLs come after every value either way (on both backends).
 * A list op declares its sorts in an array ending with {NULL}. */
typedef struct api_sort {
    const char *name;          /* "name": the parameter's value (and the answer's column holding the key) */
    const char *sql;           /* "p.name" */
    int nullable;              /* the column may be NULL */
    const char *column;        /* the answer's column holding the key when not name ("stage_deadline_at");
                                * a time (*_at) is read back into its number */
} api_sort_t;

typedef struct op {
    int method;                /* HTTP_* */
    const char *pattern;       /* "/api/v1/units/{id}": {id} a positive integer, {name} letters, digits, _ - */
    const char *name;          /* "units.get": metrics label, operationId, idempotency scope */
    int access;                /* ROUTE_* */
    uint32_t perm;             /* with ROUTE_PERM: the permission needed */
    unsigned flags;            /* RF_* */
    handler_fn handler;        /* the family's code */
    const field_t *body;       /* declared body fields, validated before the handler; NULL: none declared */
    /* Fields of body whose refusal (missing when required, null, malformed, out
     * of range) answers their own entry instead of the generic one, ending {NULL}. */
    const field_err_t *body_errors;
    const field_t *query;      /* declared query parameters (besides RF_PAGED's); NULL: none */
    const entity_t *entity;    /* what the first {id} names; NULL: none checked here */
    const struct resource *res; /* the generic operations' resource (api/resource.h), or NULL */
    const api_sort_t *sorts;   /* RF_PAGED: the columns ?sort= takes (api/list.h); NULL: none (a generic
                                * list takes its resource's) */
    const char *const *upload_types; /* RF_UPLOAD: the media types taken (NULL-terminated) */
    /* Rewrites every error answer of the operation, even one made outside its
     * code (a busy database, a body too large), into another format: the
     * Open311 error list (RF_OPEN311). path: the request's path. */
    void (*error_format)(const char *path, api_reply_t *rep);
    /* More for `jiceng routes --json` (an import's columns, a form's fields): a new object merged in. */
    json_t *(*describe)(void);
} op_t;

/* An entry: {OP(HTTP_GET, "/api/v1/units", "units.list", PERM(PERM_UNIT_READ), RF_PAGED, unit_list),
 * .query = list_query}. */
#define OP(m, pat, nm, acc, fl, h) .method = (m), .pattern = (pat), .name = (nm), acc, .flags = (fl), .handler = (h)
#define PUB .access = ROUTE_PUBLIC
#define USER .access = ROUTE_USER
#define PERM(p) .access = ROUTE_PERM, .perm = (p)
#define OPS_END {.pattern = NULL}

/* Each family's table, ending with OPS_END (src/api/families.def lists them). */
#define FAMILY(ops) extern const op_t ops[];
#include "api/families.def"
#undef FAMILY

/* Gather the families' tables and check them (every op declares its access,
 * patterns are well formed, no two ops share a method and path). 0, or -1
 * with the reason logged. Call once before serving. */
int ops_init(void);
int ops_count(void);
/* The most operations the table holds (ops_init refuses more); the metrics keep a
 * row per operation and one for requests that matched none. */
#define OPS_MAX 512
const op_t *op_at(int i);
int op_index(const op_t *op);

/* The op for method and path; params filled. NULL if none; *allow gets the
 * methods that exist for the path (0 if the path is unknown). Test-only ops
 * exist only when test_ops is set. */
const op_t *ops_match(int method, const char *path, int64_t *params, int *nparams, int *allow, int test_ops);

/* Check a request against its op's declarations, before the handler: the
 * query parameters (names and values), the body's fields, the entity's scope
 * (req->route, req->params, req->who and req->body set). 0, or -1 with rep set. */
int op_check(api_req_t *req, api_reply_t *rep);

/* Check body against fields as op_check checks a declared body: a refusal of
 * a field errs names (ending {NULL}; errs may be NULL) answers its entry. For
 * a handler that checks its body itself. 0, or -1 with rep set. */
int op_body_check(const api_req_t *req, const json_t *body, const field_t *fields, const field_err_t *errs,
                  api_reply_t *rep);

/* 1 if op takes a query parameter name (declared, RF_PAGED's limit and after,
 * or anything on an Open311 route). */
int op_query_declared(const op_t *op, const char *name);

/* 1 if the upload's Content-Type is one of those the op declares (or none
 * was sent: the bytes tell); compared without parameters and case. */
int api_upload_type_ok(const api_req_t *req);

/* The whole table as JSON (`jiceng routes --json`). */
json_t *ops_json(void);

/* Fields as ops_json prints them: [{name, type, required, nullable, min, max, enum}], or JSON null for NULL. */
json_t *ops_fields_json(const field_t *fields);

/* For a describe() whose handler checks the body itself (the declaration's
 * fields are then not checked before it): {"body": fields then more}, either
 * may be NULL, and "body_in_handler": true. */
json_t *ops_body_json(const field_t *fields, const field_t *more);

#endif
