/* A list's query as every list builds it: its conditions, its total (共 N 条,
 * counted up to --list-total-cap), its keyset page in id order or under a
 * declared sort (?sort=name, ?sort=-name), and the page's cursor: the plain id
 * without a sort, an opaque token holding the sort key and the id with one.
 * See docs/architecture.md, "Lists". */
#ifndef JICENG_API_LIST_H
#define JICENG_API_LIST_H

#include "api/op.h"

#define LIST_VALS 64
#define LIST_WHERE_MAX 3072

typedef struct api_list {
    const char *columns;  /* "SELECT p.id, p.name, ..." */
    const char *from;     /* "FROM person p JOIN org o ON o.id = p.org_id" */
    const char *key;      /* "p.id": unique, the page's last tie-break and the cursor */
    const char *key_name; /* the answer's column holding it ("id") */
    int newest_first;     /* without a sort, key descending (the audit log) */
    int64_t known_total;  /* >= 0: the total is known (a kept figure), not counted */
    int known_capped;     /* with known_total: it is the cap, and there are more (共 N+ 条) */
    int key_off_index;    /* the cursor's "key > ?" written "+key > ?": no index serves it, so the
                           * planner reads the page from the conditions' index (a name's range), not
                           * the key's range from the cursor (SQLite, without statistics) */
    void (*row)(json_t *row, void *ctx); /* finishes each answer row (after the cursor is taken), or NULL */
    void *row_ctx;                       /* what row is handed besides the row */
    const char *places; /* the answer's column naming each row's node: its place is added (org_places), or NULL */
    const char *column_arg;   /* the text the columns' one '?' takes (today's date), or NULL */
    /* The conditions, "WHERE a AND b", and their values. */
    char where[LIST_WHERE_MAX];
    size_t wn;
    db_val_t vals[LIST_VALS];
    int nv;
    char *owned[LIST_VALS];
    int nowned, overflow;
    /* The page asked for (api_list_query or api_list_args). */
    int64_t limit, cap, after;
    const api_sort_t *sort; /* NULL: in key order */
    int desc;
    json_t *after_value;    /* under a sort: the sort key the cursor holds (may be JSON null) */
    const keys_t *keys;
    const char *op;         /* the operation's name, which its tokens carry ("persons.list") */
} api_list_t;

/* Start a list of what columns select from from, keyed by key (answered as key_name, NULL for "id"). */
void api_list_begin(api_list_t *l, const char *columns, const char *from, const char *key, const char *key_name);
/* Add a condition with its values, bound as db_q binds them (i, I, t, d, n); texts are copied. */
void api_list_where(api_list_t *l, const char *cond, const char *types, ...);
/* Add a condition with values already made (texts are not copied: they must outlive the list). */
void api_list_wherev(api_list_t *l, const char *cond, const db_val_t *vals, int n);

/* The page the request asks for: ?limit=, ?sort= (one of the sorts its op declares), ?after=
 * (the id, or under a sort the token). 0, or -1 with rep 400 naming limit, sort or after. */
int api_list_query(api_req_t *req, api_reply_t *rep, api_list_t *l);
/* The same from values kept elsewhere (a write that answers a list: op is its operation):
 * sort and after may be NULL. NULL, or the name of the parameter that is not valid. */
const char *api_list_args(api_list_t *l, const op_t *op, const char *sort, const char *after, int64_t limit,
                          int64_t cap, const keys_t *keys);

/* The kept figure (org_figure) of the subtree at path lo, node its last id ("/":
 * the whole tree): exact, one row (two at the root); -1 on a storage error. */
int64_t api_subtree_figure(db_t *db, const char *lo, int64_t node, const char *figure);
/* A list whose conditions select exactly what figure counts: l->known_total is
 * the subtree's figure (no count is run). 1 when the subtree holds so much of the
 * whole that walking the key's (or the sort's) order and keeping the subtree's rows
 * reads fewer rows than reading the subtree's and sorting them (n * n > (limit + 1)
 * * all): the caller then makes its query walk that order (a CROSS JOIN with the
 * rows' table first). Call it after the page is asked for (limit known). */
int api_list_counted(db_t *db, api_list_t *l, const char *lo, int64_t node, const char *figure);
/* 1 if the subtree at path lo is the whole tree: "/", or the one root's path. */
int api_subtree_whole(db_t *db, const char *lo);
/* The name prefix q (the LIKE pattern "text%" of api_prefix_param) on column
 * (p.name: person's name), as the residents and party members lists search it.
 * The city's names that start with it are first counted on person_name, as a range
 * (from the text to the text and U+10FFFF, above every such name, bytewise as both
 * backends compare), up to the list's cap: *matches gets the count (cap + 1 at
 * most). Up to the cap, or with range_anyway, the page reads that range (key off
 * the index, l->key_off_index); above it, the LIKE alone. A text with an ASCII
 * letter, whose case LIKE ignores and a range would not, is the LIKE alone
 * (*matches -1). DB_OK or a storage error. */
int api_name_prefix_where(db_t *db, api_list_t *l, const char *column, const char *like, int range_anyway,
                          int64_t *matches);
/* Count, then read the page: {"items", "next", "total", "total_capped"}, or NULL on a
 * storage error. */
json_t *api_list_run(db_t *db, api_list_t *l);
/* Free what the list holds. */
void api_list_end(api_list_t *l);

/* api_list_query, api_list_run and api_list_end with the answer in rep: 0, or -1 with rep set. */
int api_list_answer(api_req_t *req, api_reply_t *rep, api_list_t *l);

/* ---- list exports ---- */
#define LIST_EXPORT_MAX 50000

/* An answer column of a list and its header in an export; a vocabulary's column
 * also names its values and their words (in the same order), written as the words.
 * The key LIST_COL_PLACES (header NULL) stands for six columns: the community,
 * grid and building of the row's node by name and code (org_place_cells), read from the
 * row's "org_path", which the list's columns must then select. */
typedef struct {
    const char *key, *header;
    const char *const *values, *const *words;
} list_col_t;
#define LIST_COL_PLACES "org_path"

/* A list as an .xlsx sheet: run l (its conditions set, no page asked) in key order
 * for up to LIST_EXPORT_MAX rows, write the columns cols (ending {NULL, NULL}: texts
 * as text, numbers as numbers, true/false as 是/否, null empty) to the sheet named
 * sheet, and answer the file <filename_stem>.xlsx once the writer has appended the
 * audit row "<family>.exported" (family: the operation's name before its dot) with
 * the rows written and the names of the query parameters given (never their
 * values). An operation that declares a reason parameter exports full values
 * when it is given (the family checked it and who may): the audit row then says
 * revealed and holds the reason. The operation must be RF_WRITES. Ends l. 0, or
 * -1 with rep set. */
int api_list_export(api_req_t *req, api_reply_t *rep, api_list_t *l, const char *sheet, const list_col_t *cols,
                    const char *filename_stem);
/* ---- end list exports ---- */

/* The sorts an operation takes: its own, or its resource's for a generic list; NULL if none. */
const api_sort_t *op_sorts(const op_t *op);

#endif
